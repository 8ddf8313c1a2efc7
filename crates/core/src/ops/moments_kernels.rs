//! The vectorised block kernels of `Var`: per-piece sums of a contiguous
//! run, and per-group shifted sums of rows merged into a block of
//! [`Moments`](super::Moments) held one array per field.

use multiversion::multiversion;

use crate::scalar::Scalar;

/// `a + b` as a rounded sum and its exact error (Knuth's TwoSum: no
/// assumption on which is larger).
#[inline(always)]
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Elements per piece of a contiguous run in `Var`: two passes over a
/// piece that stays in L1, then one merge, instead of a division per element.
pub(super) const MOMENT_PIECE: usize = 256;

/// Lanes of the sums over a piece, so that they vectorise.
const L: usize = 8;

/// Count and sum of a piece's kept elements, in lanes.
#[inline(always)]
pub(super) fn piece_sum<T: Scalar, const SKIP_NAN: bool>(piece: &[T]) -> (f64, f64) {
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
pub(super) fn piece_about<T: Scalar, const SKIP_NAN: bool>(piece: &[T], c: f64) -> (f64, f64) {
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
pub(super) fn scratch<R>(which: usize, len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
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
        f(Soa {
            n,
            mean,
            m2,
            low,
            m2_low,
        })
    })
}

/// `f` on `w` doubles of this thread's scratch, each `count`: the counts
/// of a block of positions that have all seen the same elements (a
/// partial's state, which keeps its one count outside).
pub(crate) fn with_counts<R>(w: usize, count: f64, f: impl FnOnce(&mut [f64]) -> R) -> R {
    scratch(0, w, |n| {
        n.fill(count);
        f(n)
    })
}

/// Rows per group in `Var::fold_rows`: each group costs one merge per
/// column, and its first pass (for columns without a mean yet) reads it
/// again from cache.
pub(super) const GROUP: usize = 16;

/// [`Moments`](super::Moments) of a block of columns, one array per field.
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
pub(super) fn merge_sums(
    m: &mut Soa,
    c: &[f64],
    n: &[f64],
    all: Option<f64>,
    s1: &[f64],
    s2: &[f64],
) {
    let w = c.len();
    let (n, s1, s2) = (&n[..w], &s1[..w], &s2[..w]);
    let (mn, mm, ml, mq, mr) = (
        &mut *m.n,
        &mut *m.mean,
        &mut *m.low,
        &mut *m.m2,
        &mut *m.m2_low,
    );
    let (mn, mm, ml, mq, mr) = (
        &mut mn[..w],
        &mut mm[..w],
        &mut ml[..w],
        &mut mq[..w],
        &mut mr[..w],
    );
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
        mm[k] = if none {
            mm[k]
        } else if fresh {
            bm
        } else {
            mean
        };
        ml[k] = if none {
            ml[k]
        } else if fresh {
            bl
        } else {
            ml[k] + err
        };
        mq[k] = if none {
            mq[k]
        } else if fresh {
            bq
        } else {
            q
        };
        mr[k] = if none {
            mr[k]
        } else if fresh {
            0.0
        } else {
            mr[k] + e1 + e2
        };
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
pub(super) fn group_sums<T: Scalar, const SKIP_NAN: bool>(
    rows: &[&[T]],
    n: &mut [f64],
    s1: &mut [f64],
) {
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
pub(super) fn group_about<T: Scalar, const SKIP_NAN: bool>(
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
