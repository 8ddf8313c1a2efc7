//! Variance: count, mean and squared deviations, folded by Welford's
//! update and merged by Chan's, with the mean carried in two doubles.

use super::moments_kernels::{
    group_about, group_sums, merge_sums, piece_about, piece_sum, scratch, two_sum, Soa, GROUP,
    MOMENT_PIECE,
};
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

/// Variance moments; `SKIP_NAN` skips NaN (NumPy's `nanvar`).
pub struct Var<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for Var<SKIP_NAN> {
    type Acc = Moments;
    const NAME: &'static str = "var";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Rows come in groups (`fold_rows`), never through the row loops. A
    // run is one chain of adds, yet std of `arr.T` measured a few percent
    // slower as a baseline body, so it keeps both.
    const SIMD_ROWS: bool = false;
    const SIMD_RUN: bool = true;
    const GROUP_ROWS: bool = true;
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
    fn fold_rows(&self, acc: &mut [Moments], rows: &[&[T]], _index: usize) {
        // Welford's update across columns reads and writes five doubles per
        // column (an array of structs, which does not vectorise well) and
        // divides per element: std along axis 0 ran 2-3x slower than mean.
        // Instead the accumulators go into plain per-column arrays, once
        // per call, and `fold_soa` works there.
        let w = acc.len();
        scratch(0, 5 * w, |scratch| {
            let mut parts = scratch.chunks_exact_mut(w);
            let mut next = || parts.next().expect("five arrays of w");
            let mut m = Soa {
                n: next(),
                mean: next(),
                m2: next(),
                low: next(),
                m2_low: next(),
            };
            for (k, a) in acc.iter().enumerate() {
                (m.n[k], m.mean[k], m.low[k], m.m2[k], m.m2_low[k]) =
                    (a.n, a.mean, a.low, a.m2, a.m2_low);
            }
            Self::fold_soa(&mut m, rows);
            for (k, a) in acc.iter_mut().enumerate() {
                *a = Moments {
                    n: m.n[k],
                    mean: m.mean[k],
                    low: m.low[k],
                    m2: m.m2[k],
                    m2_low: m.m2_low[k],
                };
            }
        });
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

impl<const SKIP_NAN: bool> Var<SKIP_NAN> {
    /// Folds `rows` (each at least `m`'s width) into the moments `m`, one
    /// per column. Each group of rows is summed about a centre per column
    /// and merged (Chan's merge, branch-free so that it vectorises). The
    /// centre is the mean so far; a column without one takes its group's
    /// own mean (a first pass over the group, which is still in cache).
    /// Either way `x - c` is of the order of the spread and the shifted
    /// sums lose nothing that matters against the final M2: a group's
    /// error is about eps * n_b * (mean_b - c)^2, while the merge adds
    /// n_a * n_b / n * (mean_b - c)^2 to M2, and n_b <= n_a past the first
    /// group.
    ///
    /// Whole rows of the block, not pieces of a page: each row is one long
    /// stream that the prefetcher follows (pieces of 512 columns measured
    /// no faster than Welford's update), and the first pass covers one
    /// group, not the whole call (two passes over 100 rows of 8192 columns
    /// ran at half the speed of one).
    pub(crate) fn fold_soa<T: Scalar>(m: &mut Soa, rows: &[&[T]]) {
        let w = m.n.len();
        // Every element of these four is written before it is read.
        scratch(1, 4 * w, |scratch| {
            let mut parts = scratch.chunks_exact_mut(w);
            let mut next = || parts.next().expect("four arrays of w");
            let (c, n, s1, s2) = (next(), next(), next(), next());
            // Groups of GROUP rows, then as many as merged so far (up to
            // eight times GROUP), so that n_b <= n_a past the first group
            // and a call of 100 rows costs four merges, not seven.
            let mut at = 0;
            while at < rows.len() {
                let len = if at == 0 { GROUP } else { at.min(8 * GROUP) };
                let group = &rows[at..(at + len).min(rows.len())];
                at += group.len();
                if !SKIP_NAN && m.n[0] == 0.0 {
                    // A fresh block (every column or none, without NaN
                    // skipping): each column's first element is its centre.
                    // It is one of the group's values, so (x0 - mean)^2 is at
                    // most the group's M2, and the shifted sums lose at most a
                    // factor of GROUP + 1 of it to cancellation; later groups
                    // go about the running mean.
                    for (ck, &x) in c.iter_mut().zip(&group[0][..w]) {
                        *ck = x.to_f64();
                    }
                } else if m.n.contains(&0.0) {
                    n.fill(0.0);
                    s1.fill(0.0);
                    group_sums::<T, SKIP_NAN>(group, n, s1);
                    for k in 0..w {
                        let own = if n[k] > 0.0 { s1[k] / n[k] } else { 0.0 };
                        c[k] = if m.n[k] == 0.0 { own } else { m.mean[k] };
                    }
                } else {
                    c.copy_from_slice(m.mean);
                }
                n.fill(0.0);
                s1.fill(0.0);
                s2.fill(0.0);
                group_about::<T, SKIP_NAN>(group, c, n, s1, s2);
                // Without NaN skipping every element counts (`n` untouched).
                let all = if SKIP_NAN {
                    None
                } else {
                    Some(group.len() as f64)
                };
                merge_sums(m, c, n, all, s1, s2);
            }
        });
    }
}

#[cfg(test)]
#[path = "moments_tests.rs"]
mod tests;
