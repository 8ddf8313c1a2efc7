//! Variance: count, mean and squared deviations, folded by Welford's
//! update and merged by Chan's, with the mean carried in two doubles.

use multiversion::multiversion;

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

thread_local! {
    /// `Var`'s per-column arrays, kept per thread and only ever grown: a
    /// block of 8192 columns needs 576 KiB, which a fresh allocation per
    /// call would map and fault in every time, and zeroing it per call
    /// cost a tenth of a partial's push. Two, because `fold_rows` holds
    /// one (the moments' fields) while `fold_soa` uses the other (the
    /// centre, count and sums).
    static SCRATCH: [std::cell::RefCell<Vec<f64>>; 2] = const {
        [std::cell::RefCell::new(Vec::new()), std::cell::RefCell::new(Vec::new())]
    };
}

/// `f` on `len` doubles of this thread's scratch `which`, whose contents
/// are whatever the last user left.
fn scratch<R>(which: usize, len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    SCRATCH.with(|s| {
        let mut v = s[which].borrow_mut();
        if v.len() < len {
            v.resize(len, 0.0);
        }
        f(&mut v[..len])
    })
}

/// `f` on moments for `w` columns, all empty, in this thread's scratch.
pub(crate) fn with_empty_block<R>(w: usize, f: impl FnOnce(Soa) -> R) -> R {
    scratch(0, 5 * w, |s| {
        s.fill(0.0);
        let (n, rest) = s.split_at_mut(w);
        let (mean, rest) = rest.split_at_mut(w);
        let (m2, rest) = rest.split_at_mut(w);
        let (low, m2_low) = rest.split_at_mut(w);
        f(Soa { n, mean, m2, low, m2_low })
    })
}

/// Rows per group in `Var::fold_rows`: each group costs one merge per
/// column, and its first pass (for columns without a mean yet) reads it
/// again from cache.
const GROUP: usize = 16;

/// [`Moments`] of a block of columns, one array per field.
pub(crate) struct Soa<'a> {
    pub n: &'a mut [f64],
    pub mean: &'a mut [f64],
    pub m2: &'a mut [f64],
    pub low: &'a mut [f64],
    pub m2_low: &'a mut [f64],
}

/// `m[k] = m[k].merge(Moments::about(c[k], n_k, s1[k], s2[k]))` for every
/// column, with `n_k = all` or `n[k]`: the same arithmetic as those two,
/// with their branches as selects so that the loop vectorises.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn merge_sums(m: &mut Soa, c: &[f64], n: &[f64], all: Option<f64>, s1: &[f64], s2: &[f64]) {
    let w = c.len();
    let (n, s1, s2) = (&n[..w], &s1[..w], &s2[..w]);
    let (mn, mm, ml, mq, mr) = (&mut *m.n, &mut *m.mean, &mut *m.low, &mut *m.m2, &mut *m.m2_low);
    let (mn, mm, ml, mq, mr) = (&mut mn[..w], &mut mm[..w], &mut ml[..w], &mut mq[..w], &mut mr[..w]);
    for k in 0..w {
        let nb = all.unwrap_or(n[k]);
        // Moments::about(c, nb, s1, s2).
        let shift = s1[k] / nb;
        let (bm, bl) = two_sum(c[k], shift);
        // An infinite element makes s1 infinite (or NaN): M2 is then NaN,
        // as NumPy's inf - inf. Finite elements whose squares overflow keep
        // an infinite M2, as NumPy's.
        let bq = if !s1[k].is_finite() {
            f64::NAN
        } else if s2[k].is_finite() {
            s2[k] - s1[k] * shift
        } else {
            s2[k]
        };
        // Moments::merge(a, b), b's m2_low being 0.
        let na = mn[k];
        let nt = na + nb;
        let d = (bm - mm[k]) + (bl - ml[k]);
        let (mean, err) = two_sum(mm[k], d * (nb / nt));
        let (q, e1) = two_sum(mq[k], bq);
        let (q, e2) = two_sum(q, d * d * (na * nb / nt));
        let (none, fresh) = (nb == 0.0, na == 0.0);
        mn[k] = nt;
        mm[k] = if none { mm[k] } else if fresh { bm } else { mean };
        ml[k] = if none { ml[k] } else if fresh { bl } else { ml[k] + err };
        mq[k] = if none { mq[k] } else if fresh { bq } else { q };
        mr[k] = if none { mr[k] } else if fresh { 0.0 } else { mr[k] + e1 + e2 };
    }
}

/// Per column `j`: the count and sum of `rows[..][j]`'s kept elements,
/// added to `n` and `s1`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn group_sums<T: Scalar, const SKIP_NAN: bool>(rows: &[&[T]], n: &mut [f64], s1: &mut [f64]) {
    let w = n.len();
    let s1 = &mut s1[..w];
    for row in rows {
        let row = &row[..w];
        for k in 0..w {
            let x = row[k].to_f64();
            let keep = !(SKIP_NAN && x.is_nan());
            n[k] += if keep { 1.0 } else { 0.0 };
            s1[k] += if keep { x } else { 0.0 };
        }
    }
}

/// Per column `j`: `sum(x - c[j])` and `sum((x - c[j])^2)` of
/// `rows[..][j]`'s kept elements, added to `s1` and `s2`, and their count
/// to `n` where NaN is skipped.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn group_about<T: Scalar, const SKIP_NAN: bool>(
    rows: &[&[T]],
    c: &[f64],
    n: &mut [f64],
    s1: &mut [f64],
    s2: &mut [f64],
) {
    let w = c.len();
    let (n, s1, s2) = (&mut n[..w], &mut s1[..w], &mut s2[..w]);
    let mut fours = rows.chunks_exact(4);
    if !SKIP_NAN {
        // Four rows per pass over the sums, which then move a quarter as
        // often between L2 and the registers.
        for r in &mut fours {
            let [a, b, d, e] = [&r[0][..w], &r[1][..w], &r[2][..w], &r[3][..w]];
            for k in 0..w {
                let ck = c[k];
                let (ya, yb) = (a[k].to_f64() - ck, b[k].to_f64() - ck);
                let (yd, ye) = (d[k].to_f64() - ck, e[k].to_f64() - ck);
                s1[k] += (ya + yb) + (yd + ye);
                s2[k] += (ya * ya + yb * yb) + (yd * yd + ye * ye);
            }
        }
    }
    let rest = if SKIP_NAN { rows } else { fours.remainder() };
    for row in rest {
        let row = &row[..w];
        for k in 0..w {
            let x = row[k].to_f64();
            if SKIP_NAN {
                let keep = !x.is_nan();
                let y = if keep { x - c[k] } else { 0.0 };
                n[k] += if keep { 1.0 } else { 0.0 };
                s1[k] += y;
                s2[k] += y * y;
            } else {
                let y = x - c[k];
                s1[k] += y;
                s2[k] += y * y;
            }
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
                (m.n[k], m.mean[k], m.low[k], m.m2[k], m.m2_low[k]) = (a.n, a.mean, a.low, a.m2, a.m2_low);
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
                let all = if SKIP_NAN { None } else { Some(group.len() as f64) };
                merge_sums(m, c, n, all, s1, s2);
            }
        });
    }
}

#[cfg(test)]
#[path = "moments_tests.rs"]
mod tests;
