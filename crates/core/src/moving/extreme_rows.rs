//! moveMin and moveMax for a task's lanes in lockstep (the driver in
//! `lockstep.rs`), in van Herk and Gil-Werman's blocks as `extremes.rs`
//! runs them per lane, with the same results to the bit: when lanes are
//! neighbours in memory (axis 0 of a C-order array), the per-lane kernel
//! reads one element per lane per position, far apart, while here a row
//! of lanes is one run of the data and one loop without branches, which
//! the compiler vectorises (`multiversion` picks AVX-512, AVX2 or SSE at
//! run time).
//!
//! Every lane of a task starts at the same row, so they all share the
//! blocks of `window` rows from it. A chunk of `W` lanes keeps `window + 1`
//! slots: while a block runs, slot `i` holds the previous block's suffix
//! extreme from its row `i` on until row `i` of this block overwrites it
//! with its own value (the window ending at row `i` needs the suffix from
//! `i + 1`, still there; slot `window` is always the identity, for the
//! window that is exactly the block). When the block is full its values
//! become its suffix extremes, in place, newest first.

use multiversion::multiversion;

use super::extremes::BLOCKED_MAX;
use super::kernel::Window;
use super::layout::Lanes;
use super::lockstep::Lockstep;
use super::sums::one;

/// Lanes per chunk: two AVX-512 vectors, four AVX2 ones.
const W: usize = 16;

/// Whether `lanes` run here rather than one at a time. Only where
/// neighbouring lanes are nearer in memory than a lane's positions (axis
/// 0 of a C-order array, the last axis of an F-order one): a row of lanes
/// is then read once for all of them, where the per-lane kernel reads an
/// element per cache line; where each lane's positions are neighbours, the
/// per-lane blocks already read runs, with no tiles to fill and empty.
/// Not for fewer lanes than half a chunk: most of a row's work is then
/// padding, and a long window's slots leave the cache (axis 0 of
/// [1,000,000, 3], window 1000: 23 ms per lane, 29 ms here). Past
/// `BLOCKED_MAX` the per-lane deque, which holds only the entries it
/// needs, not a window's worth per lane.
pub(super) fn suits<T>(lanes: &Lanes<T>, window: usize) -> bool {
    lanes.strided && lanes.count >= W / 2 && window <= BLOCKED_MAX
}

/// moveMin (`MAX` false) or moveMax over lanes in lockstep.
pub(crate) struct ExtremeRows<const MAX: bool>(pub Window);

/// A task's lanes, `W` per chunk.
pub(crate) struct Blocks {
    /// Rows of the current block seen, up to `window` (full: the next row
    /// starts another).
    pos: usize,
    /// Per chunk: the best value of the current block so far.
    prefix: Vec<[f64; W]>,
    /// Per chunk: the non-NaN values in each lane's window.
    count: Vec<[f64; W]>,
    /// Per chunk, `window + 1` slots (see the module's comment).
    slots: Vec<[f64; W]>,
}

/// What a NaN stands in for, and what an empty block holds: it never wins.
#[inline(always)]
fn identity<const MAX: bool>() -> f64 {
    if MAX {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    }
}

/// The newer value `a` unless the older `b` is strictly better: of equal
/// values the newest wins, as in `ExtremeKernel` (which decides between
/// -0.0 and 0.0).
#[inline(always)]
fn pick<const MAX: bool>(a: f64, b: f64) -> f64 {
    let holds = if MAX { a >= b } else { a <= b };
    if holds {
        a
    } else {
        b
    }
}

/// The full block's values in `slots` (oldest first) become their suffix
/// extremes: slot `i` the best from `i` on.
#[inline(always)]
fn suffixes<const MAX: bool>(slots: &mut [[f64; W]]) {
    let Some((&mut last, rest)) = slots.split_last_mut() else {
        return;
    };
    let mut best = last;
    for s in rest.iter_mut().rev() {
        for j in 0..W {
            best[j] = pick::<MAX>(best[j], s[j]);
            s[j] = best[j];
        }
    }
}

/// Chunk `c`'s lanes through every row of the tiles, the block's row
/// count starting at `pos`. The prefix and count are copied to locals for
/// the rows, so that they stay in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk_rows<const MAX: bool>(
    prefix: &mut [f64; W],
    count: &mut [f64; W],
    slots: &mut [[f64; W]],
    mut pos: usize,
    min_count: f64,
    c: usize,
    m: usize,
    enter: &[f64],
    leave: &[f64],
    out: &mut [f64],
) {
    let window = slots.len() - 1;
    let (mut pre, mut cnt) = (*prefix, *count);
    for r in 0..enter.len() / m {
        if pos == window {
            suffixes::<MAX>(&mut slots[..window]);
            pos = 0;
            pre = [identity::<MAX>(); W];
        }
        let at = r * m + c * W;
        let x: &[f64; W] = enter[at..at + W].try_into().unwrap();
        let y: &[f64; W] = leave[at..at + W].try_into().unwrap();
        let o: &mut [f64; W] = (&mut out[at..at + W]).try_into().unwrap();
        let older = slots[pos + 1];
        let mine = &mut slots[pos];
        for j in 0..W {
            let v = if x[j].is_nan() {
                identity::<MAX>()
            } else {
                x[j]
            };
            cnt[j] += one(!x[j].is_nan()) - one(!y[j].is_nan());
            pre[j] = pick::<MAX>(v, pre[j]);
            mine[j] = v;
            let best = pick::<MAX>(pre[j], older[j]);
            o[j] = if cnt[j] < min_count { f64::NAN } else { best };
        }
        pos += 1;
    }
    (*prefix, *count) = (pre, cnt);
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw+avx2+avx+fma+sse4.2",
    "x86_64+avx2+avx+fma+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn rows_any<const MAX: bool>(
    s: &mut Blocks,
    min_count: f64,
    m: usize,
    enter: &[f64],
    leave: &[f64],
    out: &mut [f64],
) {
    let span = s.slots.len() / s.prefix.len();
    let chunks = s
        .prefix
        .iter_mut()
        .zip(&mut s.count)
        .zip(s.slots.chunks_exact_mut(span));
    for (c, ((prefix, count), slots)) in chunks.enumerate() {
        chunk_rows::<MAX>(
            prefix, count, slots, s.pos, min_count, c, m, enter, leave, out,
        );
    }
}

impl<const MAX: bool> Lockstep for ExtremeRows<MAX> {
    type State = Blocks;
    const WIDTH: usize = W;

    fn state(&self, m: usize) -> Blocks {
        let chunks = m / W;
        Blocks {
            // No previous block: its suffixes are all the identity.
            pos: 0,
            prefix: vec![[identity::<MAX>(); W]; chunks],
            count: vec![[0.0; W]; chunks],
            slots: vec![[identity::<MAX>(); W]; chunks * (self.0.window + 1)],
        }
    }

    fn rows(
        &self,
        s: &mut Blocks,
        m: usize,
        enter: &[f64],
        leave: &[f64],
        out: &mut [f64],
        from: (usize, usize),
    ) -> Option<(usize, usize)> {
        // Never stopped (nothing goes stale), so always called from the start.
        debug_assert_eq!(from, (0, 0));
        rows_any::<MAX>(s, self.0.min_count as f64, m, enter, leave, out);
        let rows = enter.len() / m;
        if rows > 0 {
            s.pos = (s.pos + rows - 1) % self.0.window + 1;
        }
        None
    }

    fn stale(&self, _: &Blocks, _: usize) -> bool {
        false
    }

    fn restart(&self, _: &mut Blocks, _: usize, _: &mut dyn Iterator<Item = f64>) -> f64 {
        unreachable!("an extreme is exact: `rows` never asks for a rebuild")
    }
}
