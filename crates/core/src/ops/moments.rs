//! Variance: count, mean and squared deviations, folded by Welford's
//! update and merged by Chan's, with the mean carried in two doubles.

use super::Op;
use crate::scalar::Scalar;

/// Count, mean and sum of squared deviations (Welford's update, Chan's
/// merge): a variance without the cancellation of `E[x^2] - E[x]^2`.
///
/// The mean is `mean + low`, a double-double. Both updates take a
/// difference of means (or of an element and the mean) that is of the
/// order of the spread, and a mean rounded to one double is off by half an
/// ulp of the mean: 1.5e-8 at 1e8, as large as the spread of 1e8 + N(0, 1).
/// That error enters M2 linearly (a relative error of `ulp(mean) / std`,
/// 5e-8 on 1.7e9 + k/1000), where NumPy's two-pass, which subtracts one
/// rounded mean from every element, loses only its square. The low word
/// keeps the mean to ~1e-32 of itself, so every difference is right to
/// rounding.
///
/// M2 is a sum of positive terms, one per element or merge: `m2_low`
/// holds the rounding errors of those adds (Neumaier), since a plain
/// sequential sum drifts by about `eps * sqrt(n)` (2e-15 over 1,500 rows,
/// where NumPy's two-pass had 1.5e-15).
///
/// `repr(C)`: a state of five doubles per position that a binding keeps in
/// a Float64Array between calls (`crate::state`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    pub m2: f64,
    pub low: f64,
    pub m2_low: f64,
}

/// `a + b` as a rounded sum and its exact error (Knuth's TwoSum: no
/// assumption on which is larger).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

impl Moments {
    pub const EMPTY: Moments = Moments {
        n: 0.0,
        mean: 0.0,
        m2: 0.0,
        low: 0.0,
        m2_low: 0.0,
    };

    #[inline(always)]
    fn push(self, x: f64) -> Moments {
        let n = self.n + 1.0;
        // `x - mean` is exact where x and the mean are within a factor of
        // two (Sterbenz), the case where precision matters.
        let d = (x - self.mean) - self.low;
        let step = d / n;
        let mean = self.mean + step;
        // x minus the new mean is `d - step`; the term is never negative.
        let add = d * (d - step);
        let m2 = self.m2 + add;
        // The adds' errors by Fast2Sum, exact when the first operand is
        // the larger: the mean against a step, once the mean is large
        // against the spread (the only case where its low word matters),
        // and M2 against one more term, once it holds more than one. Where
        // not, the error is off by an ulp of a value of the spread's order.
        // Half the cost of TwoSum in the per-element loop, where std along
        // axis 0 measured 1.8x slower with two TwoSums.
        Moments {
            n,
            mean,
            m2,
            low: self.low + (step - (mean - self.mean)),
            m2_low: self.m2_low + (add - (m2 - self.m2)),
        }
    }

    /// Moments of `n` elements from their sums about a centre `c`:
    /// `s1 = sum(x - c)`, `s2 = sum((x - c)^2)`.
    #[inline(always)]
    fn about(c: f64, n: f64, s1: f64, s2: f64) -> Moments {
        let shift = s1 / n;
        let (mean, low) = two_sum(c, shift);
        Moments {
            n,
            mean,
            // s1^2 / n <= s2: when s2 overflowed, s1 * shift may too.
            m2: if s2.is_finite() { s2 - s1 * shift } else { s2 },
            low,
            m2_low: 0.0,
        }
    }

    #[inline(always)]
    pub fn merge(self, b: Moments) -> Moments {
        if b.n == 0.0 {
            return self;
        }
        if self.n == 0.0 {
            return b;
        }
        let n = self.n + b.n;
        let d = (b.mean - self.mean) + (b.low - self.low);
        let (mean, err) = two_sum(self.mean, d * (b.n / n));
        let (m2, e1) = two_sum(self.m2, b.m2);
        let (m2, e2) = two_sum(m2, d * d * (self.n * b.n / n));
        Moments {
            n,
            mean,
            m2,
            low: self.low + err,
            m2_low: self.m2_low + b.m2_low + e1 + e2,
        }
    }

    /// The mean, rounded once.
    pub fn mean(self) -> f64 {
        self.mean + self.low
    }

    /// M2, rounded once; an infinite M2 (an overflow) stays infinite,
    /// where its error term is NaN.
    pub fn m2(self) -> f64 {
        if self.m2.is_finite() {
            self.m2 + self.m2_low
        } else {
            self.m2
        }
    }

    /// `m2 / (n - ddof)`; NaN when that divisor is not positive, as NumPy.
    pub fn variance(self, ddof: f64) -> f64 {
        let dof = self.n - ddof;
        if dof <= 0.0 {
            f64::NAN
        } else {
            self.m2() / dof
        }
    }
}

/// Elements per piece of a contiguous run in `Var`: two passes over a
/// piece that stays in L1, then one merge, instead of a division per element.
const MOMENT_PIECE: usize = 256;

/// Lanes of the sums over a piece, so that they vectorise.
const L: usize = 8;

/// Count and sum of a piece's kept elements, in lanes.
#[inline(always)]
fn piece_sum<T: Scalar, const SKIP_NAN: bool>(piece: &[T]) -> (f64, f64) {
    let (mut n, mut s) = ([0.0f64; L], [0.0f64; L]);
    let mut chunks = piece.chunks_exact(L);
    for c in &mut chunks {
        for k in 0..L {
            let x = c[k].to_f64();
            let keep = !(SKIP_NAN && x.is_nan());
            n[k] += if keep { 1.0 } else { 0.0 };
            s[k] += if keep { x } else { 0.0 };
        }
    }
    let (mut n, mut s) = (n.iter().sum::<f64>(), s.iter().sum::<f64>());
    for x in chunks.remainder() {
        let x = x.to_f64();
        if !(SKIP_NAN && x.is_nan()) {
            n += 1.0;
            s += x;
        }
    }
    (n, s)
}

/// `sum(x - c)` and `sum((x - c)^2)` over a piece's kept elements.
#[inline(always)]
fn piece_about<T: Scalar, const SKIP_NAN: bool>(piece: &[T], c: f64) -> (f64, f64) {
    let (mut s1, mut s2) = ([0.0f64; L], [0.0f64; L]);
    let mut chunks = piece.chunks_exact(L);
    for ch in &mut chunks {
        for k in 0..L {
            let x = ch[k].to_f64();
            let y = if SKIP_NAN && x.is_nan() { 0.0 } else { x - c };
            s1[k] += y;
            s2[k] += y * y;
        }
    }
    let (mut s1, mut s2) = (s1.iter().sum::<f64>(), s2.iter().sum::<f64>());
    for x in chunks.remainder() {
        let x = x.to_f64();
        if !(SKIP_NAN && x.is_nan()) {
            s1 += x - c;
            s2 += (x - c) * (x - c);
        }
    }
    (s1, s2)
}

/// Variance moments; `SKIP_NAN` skips NaN (NumPy's `nanvar`).
pub struct Var<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for Var<SKIP_NAN> {
    type Acc = Moments;
    const NAME: &'static str = "var";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Welford's update across columns vectorises (argmax-like selects and
    // divisions side by side: std along axis 0 was 10-20% slower without).
    // A run is one chain of adds, yet std of `arr.T` measured a few percent
    // slower as a baseline body, so it keeps both.
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn init(&self) -> Moments {
        Moments::EMPTY
    }
    #[inline(always)]
    fn fold(&self, acc: Moments, x: T, _index: usize) -> Moments {
        if SKIP_NAN && x.is_nan() {
            acc
        } else {
            acc.push(x.to_f64())
        }
    }
    #[inline(always)]
    fn merge(&self, a: Moments, b: Moments) -> Moments {
        a.merge(b)
    }
    fn fold_run(&self, init: Moments, run: &[T], _index: usize) -> Moments {
        // Each piece about its own rounded mean `c`: the sums of `x - c`
        // are small and exact where it matters, and `c + s1/n` restores
        // the mean the rounding of `c` lost.
        let mut acc = init;
        for piece in run.chunks(MOMENT_PIECE) {
            let (n, sum) = piece_sum::<T, SKIP_NAN>(piece);
            if n == 0.0 {
                continue;
            }
            let c = sum / n;
            let (s1, s2) = piece_about::<T, SKIP_NAN>(piece, c);
            acc = acc.merge(Moments::about(c, n, s1, s2));
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lane, 1.7e9 + k/1000: every value is a multiple of
    /// 2^-22 below 2^31, so the exact variance is a ratio of i128s.
    fn lane() -> Vec<f64> {
        (0..1000).map(|k| 1.7e9 + k as f64 / 1000.0).collect()
    }

    fn exact(xs: &[f64]) -> f64 {
        let ints: Vec<i128> = xs.iter().map(|x| (x * 4194304.0) as i128).collect();
        assert!(ints
            .iter()
            .zip(xs)
            .all(|(&i, &x)| i as f64 / 4194304.0 == x));
        let n = xs.len() as i128;
        let s1: i128 = ints.iter().sum();
        let s2: i128 = ints.iter().map(|i| i * i).sum();
        // (n*s2 - s1^2) / n^2, scaled back by 2^-44.
        ((n * s2 - s1 * s1) as f64 / (n * n) as f64) / 2f64.powi(44)
    }

    #[test]
    fn every_way_of_folding_is_exact_to_rounding_with_a_mean_1e9_times_the_spread() {
        let xs = lane();
        let want = exact(&xs);
        let op = Var::<false>;
        let pushed = xs.iter().fold(Moments::EMPTY, |a, &x| {
            <Var<false> as Op<f64>>::fold(&op, a, x, 0)
        });
        let run = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &xs, 0);
        let halves = xs.chunks(333).fold(Moments::EMPTY, |a, c| {
            a.merge(<Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, c, 0))
        });
        let mixed = <Var<false> as Op<f64>>::fold_run(&op, pushed, &xs, 0);
        for (how, m, w) in [
            ("push", pushed, want),
            ("run", run, want),
            ("merged runs", halves, want),
            ("twice", mixed, want),
        ] {
            let got = m.variance(0.0);
            assert!(
                ((got - w) / w).abs() <= 4.0 * f64::EPSILON,
                "{how}: {got} vs {w}"
            );
        }
        assert!((run.mean() - 1.7e9 - 0.4995).abs() < 1e-6);
    }

    #[test]
    fn an_overflowing_m2_stays_infinite_and_nan_stays_nan() {
        let op = Var::<false>;
        let big = [1e200, -1e200, 1e200];
        let m = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &big, 0);
        assert_eq!(m.variance(0.0), f64::INFINITY);
        let m = big.iter().fold(Moments::EMPTY, |a, &x| {
            <Var<false> as Op<f64>>::fold(&op, a, x, 0)
        });
        assert_eq!(m.variance(0.0), f64::INFINITY);
        let m = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &[1.0, f64::NAN], 0);
        assert!(m.variance(0.0).is_nan());
    }
}
