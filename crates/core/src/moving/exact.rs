//! Error-free float arithmetic for the running sums.
//!
//! Why this design. bottleneck adds the entering value and subtracts the
//! leaving one in one double, so a 1e16 spike leaves an error of about 1
//! in every later window. Here a running sum is a pair: `hi`, that same
//! plain running sum, and `lo`, the exact rounding errors of its additions
//! (Knuth's two-sum), so `hi + lo` is the exact sum except for the
//! roundings of `lo` itself, which are bounded too: `lost` adds up their
//! operands, each rounding being at most 2^-53 of its operand. When that
//! bound could reach 2^-60 of the current result, the kernel rebuilds the
//! lane's state from its window (an exact restart, O(window)). A restart
//! needs a value about 2^46 times the window's result to have passed
//! through since the last one (after a 1e16 spike: once, when it leaves),
//! so the cost stays O(1) per element on any realistic series, and every
//! output is its own window's sum to about an ulp. Neumaier's compensation
//! alone has the same pair but no measure of its error, so it cannot know
//! when to restart, and its error grows with the series' length. Each
//! update is one dependent addition on `hi` and one on `lo` per value; a
//! renormalised double-double would be seven. The kernels run many lanes
//! at once, so these chains overlap.

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

/// `a * b` and its exact error: with a fused multiply-add when `FMA` (the
/// caller was compiled for one), else Dekker's product. Both are exact, so
/// both give the same pair.
#[inline(always)]
pub(crate) fn product<const FMA: bool>(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    if FMA {
        (p, a.mul_add(b, -p))
    } else {
        let (ah, al) = split(a);
        let (bh, bl) = split(b);
        (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }
}

/// `a / b`, correctly rounded, from `inv = 1 / b` (correctly rounded):
/// with a fused multiply-add, Markstein's correction of `a * inv` (a
/// division's throughput is a quarter of a multiply-add's); else a
/// division. A non-finite first quotient is returned as it is.
#[inline(always)]
pub(crate) fn quotient<const FMA: bool>(a: f64, b: f64, inv: f64) -> f64 {
    if FMA {
        let q = a * inv;
        let q1 = (-q).mul_add(b, a).mul_add(inv, q);
        if q.is_finite() {
            q1
        } else {
            q
        }
    } else {
        a / b
    }
}

/// The sum of squared deviations `Q - S^2 / n` of `n` values whose sum is
/// `S = hi + lo` and sum of squares `Q = qhi + qlo`, evaluated in
/// double-double (its cancellation is where a one-double formula loses
/// everything), not below 0; and the mean `S / n`. `inv` is `1 / n`.
#[inline(always)]
pub(crate) fn squared_deviations<const FMA: bool>(hi: f64, lo: f64, qhi: f64, qlo: f64, n: f64, inv: f64) -> (f64, f64) {
    let (sh, sl) = two_sum(hi, lo);
    // S^2 as a pair (p, e).
    let (p, e) = product::<FMA>(sh, sh);
    let (p, e) = two_sum(p, e + 2.0 * sh * sl);
    // S^2 / n: a first quotient, then the remainder's.
    let q1 = p * inv;
    let (m, me) = product::<FMA>(q1, n);
    let q2 = (((p - m) - me) + e) * inv;
    let (d, de) = two_sum(qhi, -q1);
    ((d + (de + (qlo - q2))).max(0.0), sh * inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sum_and_product_are_exact() {
        let (s, e) = two_sum(1e16, 1.0);
        assert_eq!((s, e), (1e16, 1.0));
        let (p, e) = product::<false>(0.1, 0.1);
        assert_eq!(p, 0.1 * 0.1);
        assert!(e != 0.0 && e.abs() < p * 1e-15);
        assert_eq!(product::<true>(0.1, 0.1), (p, e));
        // 1, 2, 3: S = 6, Q = 14, m2 = 14 - 36 / 3 = 2.
        assert_eq!(squared_deviations::<false>(6.0, 0.0, 14.0, 0.0, 3.0, 1.0 / 3.0), (2.0, 2.0));
        // Markstein's correction gives the division's own result.
        let mut seed = 7u64;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let a = (seed >> 11) as f64 * 1e-9 - 4e6;
            let b = ((seed >> 40) % 5000 + 1) as f64;
            assert_eq!(quotient::<true>(a, b, 1.0 / b), a / b, "{a} / {b}");
        }
        assert_eq!(quotient::<true>(f64::INFINITY, 3.0, 1.0 / 3.0), f64::INFINITY);
    }
}
