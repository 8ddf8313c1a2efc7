//! Error-free float arithmetic for the running sums: a double-double
//! accumulator that also counts, exactly, the low-order mass it drops.
//!
//! Why this design. bottleneck adds the entering value and subtracts the
//! leaving one in one double, so a 1e16 spike leaves an error of about 1
//! in every later window. Here the running sum is a pair: `hi`, that same
//! plain running sum, and `lo`, the exact rounding error of each of its
//! additions (Knuth's two-sum), so `hi + lo` is the exact sum except for
//! the roundings of `lo` itself, which are measured too: `lost` bounds
//! the distance to the exact sum of the window. When `lost` could reach
//! 2^-60 of the current result, the kernel recomputes the lane's state
//! from its window (an exact restart, O(window)). A restart needs a value
//! about 2^46 times the window's result to have passed through since the
//! last one (after a 1e16 spike: once, when it leaves), so the cost stays
//! O(1) per element on any realistic series, and every output is its own
//! window's sum to about an ulp. Neumaier's compensation alone has the
//! same pair but no measure of its error, so it cannot know when to
//! restart, and its error grows with the series' length. Each update is
//! one dependent addition on `hi` and one on `lo`, since the state is a
//! chain through a whole lane (a renormalised double-double would be
//! seven). Not yet known: why the driver costs about 19 ns per element
//! even at window 1 (an open question for the next session).

/// `a + b` as a float and its exact rounding error (Knuth's two-sum).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Veltkamp's split: `a == hi + lo` with both halves of 26 bits.
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a * b` and its exact error (Dekker), without relying on an FMA
/// instruction the portable build may not have.
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// A running sum held as `hi + lo` (normalised: `hi == fl(hi + lo)`),
/// with `lost` bounding the mass dropped since the last reset.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DoubleDouble {
    pub hi: f64,
    pub lo: f64,
    pub lost: f64,
}

impl DoubleDouble {
    /// `hi` is the plain running sum and `lo` collects its rounding
    /// errors: each is one dependent addition per update (the running
    /// state is a chain through every element of a lane, so its latency
    /// is the kernel's speed), and the one inexact step, adding to `lo`,
    /// is measured into `lost`. The pair is not renormalised: `hi + lo`
    /// is the sum, rounded once when read.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let (s, e) = two_sum(self.hi, x);
        let (lo, dropped) = two_sum(self.lo, e);
        self.hi = s;
        self.lo = lo;
        self.lost += dropped.abs();
    }

    /// The sum, rounded once.
    #[inline(always)]
    pub(crate) fn value(&self) -> f64 {
        self.hi + self.lo
    }

    /// The value as a normalised double-double pair, for the variance's arithmetic.
    #[inline(always)]
    pub(crate) fn pair(&self) -> (f64, f64) {
        two_sum(self.hi, self.lo)
    }
}

/// `(a.0 + a.1) - (b.0 + b.1)` in double-double, rounded to a double.
#[inline(always)]
pub(crate) fn dd_sub(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (s, e) = two_sum(a.0, -b.0);
    let e = e + (a.1 - b.1);
    s + e
}

/// `(s.0 + s.1)^2 / n` in double-double.
#[inline(always)]
pub(crate) fn dd_square_over(s: (f64, f64), n: f64) -> (f64, f64) {
    let (p, e) = two_prod(s.0, s.0);
    let e = e + 2.0 * s.0 * s.1;
    let (p, e) = two_sum(p, e);
    // Divide the pair by n: a first quotient, then the remainder's.
    let q1 = p / n;
    let (m, me) = two_prod(q1, n);
    let r = ((p - m) - me) + e;
    two_sum(q1, r / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sum_and_two_prod_are_exact() {
        let (s, e) = two_sum(1e16, 1.0);
        assert_eq!((s, e), (1e16, 1.0));
        let (p, e) = two_prod(0.1, 0.1);
        assert_eq!(p, 0.1 * 0.1);
        assert!(e != 0.0 && e.abs() < p * 1e-15);
        let mut d = DoubleDouble::default();
        for x in [1e16, 0.5, -1e16, 0.25] {
            d.add(x);
        }
        assert_eq!((d.value(), d.lost), (0.75, 0.0));
    }
}
