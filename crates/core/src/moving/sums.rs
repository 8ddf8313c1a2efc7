//! moveSum, moveMean, moveVar and moveStd: running sums, O(1) per element,
//! exact enough that every output is its own window's (see `exact.rs`),
//! for a task's lanes in lockstep, `W` at a time: a chunk's state lives in
//! registers through a block of rows, and a row's update is a loop over
//! its lanes without branches, which the compiler vectorises
//! (`multiversion` picks AVX-512, AVX2 or SSE at run time).

use multiversion::multiversion;
use multiversion::target::target_cfg_f;

use super::exact::{product, quotient, squared_deviations, two_sum};
use super::kernel::Window;
use super::lockstep::Lockstep;

/// Lanes per chunk: two AVX-512 vectors, four AVX2 ones (measured: as fast
/// as 8 with AVX2, twice as fast as 8 with AVX-512, where one vector's
/// chain of dependent additions is the limit).
pub(crate) const W: usize = 16;

/// `lost` sums operands of roundings that are each at most 2^-53 of
/// them; a state is rebuilt when their error could reach 2^-60 of the
/// result: when `lost` exceeds 2^-7 of it.
const SHARE: f64 = 128.0;

pub(crate) const SUM: u8 = 0;
pub(crate) const MEAN: u8 = 1;
pub(crate) const VAR: u8 = 2;
pub(crate) const STD: u8 = 3;

/// moveSum, moveMean, moveVar (`ddof`) and moveStd, by `K`.
pub(crate) struct Sums<const K: u8> {
    pub w: Window,
    pub ddof: f64,
}

/// One lane's running state: the sum of the window's finite values as
/// `hi + lo` (and their squares' as `qhi + qlo`, for the variance), the
/// bounds `lost` and `qlost` on what the `lo` and `qlo` roundings dropped,
/// the count of non-NaN values and of each infinity. `floor` is twice the
/// error bound that the last rebuild itself left, fading by a factor `1 -
/// 1/window` per step: a rebuild cannot do better than a fresh pass, so a
/// window whose own pass leaves a bound above the threshold (a sum that
/// cancels to about 0) is not rebuilt at every step, and a later window
/// is not held to an old window's bound for long.
#[derive(Clone, Copy, Default)]
struct Lane {
    hi: f64,
    lo: f64,
    qhi: f64,
    qlo: f64,
    lost: f64,
    qlost: f64,
    floor: f64,
    count: f64,
    pinf: f64,
    ninf: f64,
}

/// `W` lanes' states, one array per field.
#[derive(Clone, Copy, Default)]
pub(crate) struct Chunk {
    hi: [f64; W],
    lo: [f64; W],
    qhi: [f64; W],
    qlo: [f64; W],
    lost: [f64; W],
    qlost: [f64; W],
    floor: [f64; W],
    count: [f64; W],
    pinf: [f64; W],
    ninf: [f64; W],
}

impl Chunk {
    #[inline(always)]
    fn lane(&self, j: usize) -> Lane {
        Lane {
            hi: self.hi[j],
            lo: self.lo[j],
            qhi: self.qhi[j],
            qlo: self.qlo[j],
            lost: self.lost[j],
            qlost: self.qlost[j],
            floor: self.floor[j],
            count: self.count[j],
            pinf: self.pinf[j],
            ninf: self.ninf[j],
        }
    }

    #[inline(always)]
    fn set(&mut self, j: usize, l: &Lane) {
        (self.hi[j], self.lo[j], self.qhi[j], self.qlo[j]) = (l.hi, l.lo, l.qhi, l.qlo);
        (self.lost[j], self.qlost[j], self.floor[j]) = (l.lost, l.qlost, l.floor);
        (self.count[j], self.pinf[j], self.ninf[j]) = (l.count, l.pinf, l.ninf);
    }
}

/// A task's lanes, `W` per chunk.
pub(crate) struct Running {
    chunks: Vec<Chunk>,
}

/// What every row needs besides the state.
#[derive(Clone, Copy)]
struct Params {
    min_count: f64,
    ddof: f64,
    fade: f64,
}

/// 1 or 0, for counts kept as floats beside the values (no branch).
#[inline(always)]
pub(super) fn one(c: bool) -> f64 {
    if c {
        1.0
    } else {
        0.0
    }
}

/// `x` enters the lane and `y` leaves it (NaN: nothing does). `CLEAN`:
/// both are finite, so the count does not change. Otherwise the sums take
/// the finite values, and NaN and the infinities are counted. The
/// two-sums are exact; the additions to `lo` (and `qlo`) are the only
/// roundings, and `lost` bounds them.
#[inline(always)]
fn step<const SQUARES: bool, const CLEAN: bool, const FMA: bool>(l: &mut Lane, x: f64, y: f64, fade: f64) {
    // Flushed to 0 before it fades into subnormal numbers, whose
    // multiplication takes a slow microcode path (about 4x slower rows).
    l.floor = if l.floor > 1e-290 { l.floor * fade } else { 0.0 };
    let (x, y) = if CLEAN {
        (x, y)
    } else {
        l.count += one(!x.is_nan()) - one(!y.is_nan());
        l.pinf += one(x == f64::INFINITY) - one(y == f64::INFINITY);
        l.ninf += one(x == f64::NEG_INFINITY) - one(y == f64::NEG_INFINITY);
        let finite = |v: f64| if v.abs() < f64::INFINITY { v } else { 0.0 };
        (finite(x), finite(y))
    };
    let (s, e1) = two_sum(l.hi, x);
    let (s, e2) = two_sum(s, -y);
    let e = e1 + e2;
    let lo = l.lo + e;
    l.lost += e.abs() + lo.abs();
    (l.hi, l.lo) = (s, lo);
    if SQUARES {
        let (px, ex) = product::<FMA>(x, x);
        let (py, ey) = product::<FMA>(y, y);
        let (q, f1) = two_sum(l.qhi, px);
        let (q, f2) = two_sum(q, -py);
        let (f12, exy) = (f1 + f2, ex - ey);
        let qlo = l.qlo + (f12 + exy);
        l.qlost += 2.0 * (f12.abs() + exy.abs()) + qlo.abs();
        (l.qhi, l.qlo) = (q, qlo);
    }
}

/// The lane's result, and whether its state should be rebuilt. `CLEAN`:
/// `inv` is `1 / count` and `dinv` is `1 / (count - ddof)`, computed once
/// for a block's rows; otherwise they are computed here.
#[inline(always)]
fn result<const K: u8, const CLEAN: bool, const FMA: bool>(l: &Lane, p: &Params, inv: f64, dinv: f64) -> (f64, bool) {
    let n = l.count;
    let (inv, dinv) = if CLEAN {
        (inv, dinv)
    } else {
        (1.0 / n, 1.0 / (n - p.ddof))
    };
    let (mut v, scale, err) = if K == SUM || K == MEAN {
        let s = l.hi + l.lo;
        (if K == MEAN { quotient::<FMA>(s, n, inv) } else { s }, s.abs(), l.lost)
    } else {
        let (m2, mean) = squared_deviations::<FMA>(l.hi, l.lo, l.qhi, l.qlo, n, inv);
        let var = quotient::<FMA>(m2, n - p.ddof, dinv);
        // An error of `e` in the sum moves m2 by about 2 |mean| e.
        let err = l.qlost + 2.0 * mean.abs() * l.lost;
        (if K == STD { var.sqrt() } else { var }, m2, err)
    };
    if !CLEAN {
        let (pos, neg) = (l.pinf > 0.0, l.ninf > 0.0);
        let inf = if K == VAR || K == STD || (pos && neg) {
            f64::NAN
        } else if pos {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        v = if pos || neg { inf } else { v };
    }
    let stale = err > l.floor && err * SHARE > scale;
    (if n < p.min_count { f64::NAN } else { v }, stale)
}

/// The error bound that `result` compares, for a rebuild's `floor`.
fn error_bound<const K: u8>(l: &Lane) -> f64 {
    if K == SUM || K == MEAN {
        l.lost
    } else {
        let mean = if l.count > 0.0 { (l.hi + l.lo) / l.count } else { 0.0 };
        l.qlost + 2.0 * mean.abs() * l.lost
    }
}

/// Chunk `c`'s lanes through the tile rows from `from`, stopping after a
/// row with a stale lane (returned). The state is copied to locals for
/// the rows, so that it stays in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk_rows<const K: u8, const CLEAN: bool, const FMA: bool>(
    chunk: &mut Chunk,
    c: usize,
    m: usize,
    p: &Params,
    enter: &[f64],
    leave: &[f64],
    out: &mut [f64],
    from: usize,
) -> Option<usize> {
    let squares = K == VAR || K == STD;
    let mut ch = *chunk;
    // Constant through clean rows: the counts do not change there.
    let (mut inv, mut dinv) = ([0.0; W], [0.0; W]);
    if CLEAN {
        for j in 0..W {
            inv[j] = 1.0 / ch.count[j];
            dinv[j] = 1.0 / (ch.count[j] - p.ddof);
        }
    }
    for r in from..enter.len() / m {
        let at = r * m + c * W;
        let (a, b) = (&enter[at..at + W], &leave[at..at + W]);
        let o = &mut out[at..at + W];
        let mut stale = false;
        for j in 0..W {
            let mut l = ch.lane(j);
            if squares {
                step::<true, CLEAN, FMA>(&mut l, a[j], b[j], p.fade);
            } else {
                step::<false, CLEAN, FMA>(&mut l, a[j], b[j], p.fade);
            }
            let (v, st) = result::<K, CLEAN, FMA>(&l, p, inv[j], dinv[j]);
            ch.set(j, &l);
            o[j] = v;
            stale |= st;
        }
        if stale {
            *chunk = ch;
            return Some(r);
        }
    }
    *chunk = ch;
    None
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw+avx2+avx+fma+sse4.2",
    "x86_64+avx2+avx+fma+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
#[allow(clippy::too_many_arguments)]
fn chunk_rows_any<const K: u8>(
    chunk: &mut Chunk,
    c: usize,
    m: usize,
    p: &Params,
    clean: bool,
    enter: &[f64],
    leave: &[f64],
    out: &mut [f64],
    from: usize,
) -> Option<usize> {
    let fma = target_cfg_f!(any(target_feature = "fma", target_arch = "aarch64"));
    match (clean, fma) {
        (true, true) => chunk_rows::<K, true, true>(chunk, c, m, p, enter, leave, out, from),
        (true, false) => chunk_rows::<K, true, false>(chunk, c, m, p, enter, leave, out, from),
        (false, true) => chunk_rows::<K, false, true>(chunk, c, m, p, enter, leave, out, from),
        (false, false) => chunk_rows::<K, false, false>(chunk, c, m, p, enter, leave, out, from),
    }
}

/// The first row (of `m` values in both tiles) from which every row to
/// the end holds finite values only (neither NaN nor infinite).
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw+avx2+avx+fma+sse4.2",
    "x86_64+avx2+avx+fma+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn finite_from(enter: &[f64], leave: &[f64], m: usize) -> usize {
    let finite = |v: &[f64]| v.iter().fold(true, |all, x| all & (x.abs() < f64::INFINITY));
    let rows = enter.len() / m;
    // From the end, eight rows at a time (long enough runs to vectorise
    // when rows are short), then row by row in the first group that fails.
    let mut end = rows;
    while end > 0 {
        let start = end.saturating_sub(8);
        let span = start * m..end * m;
        if finite(&enter[span.clone()]) && finite(&leave[span]) {
            end = start;
            continue;
        }
        return (start..end)
            .rev()
            .find(|&r| !(finite(&enter[r * m..(r + 1) * m]) && finite(&leave[r * m..(r + 1) * m])))
            .map_or(start, |r| r + 1);
    }
    0
}

impl<const K: u8> Sums<K> {
    fn params(&self) -> Params {
        Params {
            min_count: self.w.min_count as f64,
            ddof: self.ddof,
            fade: 1.0 - 1.0 / self.w.window as f64,
        }
    }
}

impl<const K: u8> Lockstep for Sums<K> {
    type State = Running;
    const WIDTH: usize = W;

    fn state(&self, m: usize) -> Running {
        Running {
            chunks: vec![Chunk::default(); m / W],
        }
    }

    fn rows(&self, s: &mut Running, m: usize, enter: &[f64], leave: &[f64], out: &mut [f64], from: (usize, usize)) -> Option<(usize, usize)> {
        // The whole tile: the chunks after `from.0` start at its first row.
        // From row `calm` on, nothing that is NaN or infinite enters or
        // leaves, so the counts stay as they are: those rows take the path
        // that counts nothing (unless a window still holds an infinity).
        // The rows before are a task's warm-up (the first `window` rows
        // of its first block, where nothing leaves yet) and any non-finite
        // data.
        let calm = finite_from(enter, leave, m);
        let p = self.params();
        for (c, chunk) in s.chunks.iter_mut().enumerate().skip(from.0) {
            let first = if c == from.0 { from.1 } else { 0 };
            if first < calm {
                let end = calm * m;
                let (e, l, o) = (&enter[..end], &leave[..end], &mut out[..end]);
                if let Some(r) = chunk_rows_any::<K>(chunk, c, m, &p, false, e, l, o, first) {
                    return Some((c, r));
                }
            }
            let clean = chunk.pinf.iter().chain(&chunk.ninf).all(|&k| k == 0.0);
            let first = first.max(calm);
            if let Some(r) = chunk_rows_any::<K>(chunk, c, m, &p, clean, enter, leave, out, first) {
                return Some((c, r));
            }
        }
        None
    }

    fn stale(&self, s: &Running, j: usize) -> bool {
        let l = s.chunks[j / W].lane(j % W);
        result::<K, false, false>(&l, &self.params(), 0.0, 0.0).1
    }

    fn restart(&self, s: &mut Running, j: usize, window: &mut dyn Iterator<Item = f64>) -> f64 {
        let chunk = &mut s.chunks[j / W];
        let mut l = Lane::default();
        for x in window {
            if K == VAR || K == STD {
                step::<true, false, false>(&mut l, x, f64::NAN, 1.0);
            } else {
                step::<false, false, false>(&mut l, x, f64::NAN, 1.0);
            }
        }
        l.floor = 2.0 * error_bound::<K>(&l);
        chunk.set(j % W, &l);
        result::<K, false, false>(&l, &self.params(), 0.0, 0.0).0
    }
}
