//! The one driver of every moving kernel: lanes (every position of the
//! axes other than `axis`) split into tasks run by rayon.
//!
//! When the window's axis is not the fastest in memory (axis 0 of a
//! C-order array), a task advances a group of neighbouring lanes a block
//! of rows at a time, each lane with its own state, so that the rows it
//! reads are runs of nearby elements, still in cache for the next lane,
//! instead of one element per lane far apart. When the axis is the fastest
//! (a row of a C-order array, or `arr.T`'s columns), a task walks a few
//! lanes, a long block of positions each. Few long lanes split into pieces
//! that overlap by `window - 1` elements (a piece's warm-up), so that every
//! core works. Every output is written once, by its task: the result is
//! not pre-filled (that was a serial pass over the whole output, and its
//! page faults, before any parallel work).

use std::mem::MaybeUninit;

use super::kernel::Kernel;
use super::layout::{Lanes, Output};
use crate::cancel::Cancel;
use crate::error::Error;
use crate::scalar::Scalar;
use crate::view::View;

/// Lanes a row-at-a-time task advances together.
const GROUP: usize = 256;
/// Lanes a lane-at-a-time task walks one after the other.
const INTERLEAVE: usize = 4;
/// A piece shorter than this is not worth its warm-up and scheduling.
const MIN_PIECE: usize = 16_384;
/// Positions a lane runs in one go: few rows when lanes are strided (the
/// group's rows must stay in cache for the next lane), many when each
/// lane is contiguous. The cancel flag is looked at between blocks.
const BLOCK_STRIDED: usize = 32;
const BLOCK_CONTIGUOUS: usize = 2048;

/// How many pieces each lane splits into so that `units` (independent
/// tasks before splitting) become about `4 * threads` tasks: pieces are at
/// least `MIN_PIECE` and `8 * window` long.
pub(super) fn pieces(units: usize, n: usize, window: usize, threads: usize) -> usize {
    let wanted = 4 * threads.max(1);
    if units >= wanted {
        1
    } else {
        let longest = n / MIN_PIECE.max(8 * window);
        wanted.div_ceil(units).min(longest).max(1)
    }
}

/// Runs kernel `k` with window `window` along `axis` of `v`, writing the
/// C-order result to `out` (`out.len() == v.len()`, asserted). On `Ok`
/// every element of `out` has been written exactly once, in parallel, so
/// `out` may start uninitialised (no serial pre-fill of the result); on an
/// error (a cancel) some may not have been.
pub(crate) fn drive<T: Scalar, K: Kernel>(
    v: &View<T>,
    axis: usize,
    window: usize,
    k: &K,
    threads: usize,
    cancel: &Cancel,
    out: &mut [MaybeUninit<f64>],
) -> Result<(), Error> {
    let Some(lanes) = Lanes::of(v, axis, out) else {
        return Ok(());
    };
    let (n, inner) = (lanes.n, lanes.inner);
    let group = if lanes.across { GROUP } else { INTERLEAVE };
    let block = if lanes.across {
        BLOCK_STRIDED
    } else {
        BLOCK_CONTIGUOUS
    };
    let groups = lanes.count.div_ceil(group);
    let pieces = pieces(groups, n, window, threads);
    let piece = n.div_ceil(pieces);
    let tasks = groups * pieces;
    let dest = Output::new(out);
    let task = |id: usize| {
        if cancel.is_cancelled() {
            return;
        }
        let (g, p) = (id / pieces, id % pieces);
        let first_lane = g * group;
        let lane_end = (first_lane + group).min(lanes.count);
        let (t0, t1) = (p * piece, ((p + 1) * piece).min(n));
        let warm = (t0 + 1).saturating_sub(window);
        let bases: Vec<isize> = (first_lane..lane_end).map(|l| lanes.base(l)).collect();
        let outs: Vec<usize> = (first_lane..lane_end).map(|l| lanes.out(l)).collect();
        let mut states: Vec<K::State> = bases.iter().map(|_| k.state(n, warm)).collect();
        // Time blocks: each lane runs a whole block in a tight loop with
        // its state in registers (no per-position walk over the group's
        // states), and the block's rows stay in cache from one lane to its
        // neighbour, which reads the same cache lines when lanes are
        // adjacent in memory.
        let mut t = warm;
        while t < t1 {
            if cancel.is_cancelled() {
                return;
            }
            let end = (t + block).min(t1);
            let (quiet, loud) = (t..end.min(t0).max(t), t0.max(t)..end);
            for ((state, &base), &o) in states.iter_mut().zip(&bases).zip(&outs) {
                let x = |u: usize| lanes.at(base, u);
                // A local, not `*state`: through the reference, the
                // output's raw-pointer writes might alias the state, so
                // the compiler would store and reload it at every step.
                let mut s = std::mem::take(state);
                for u in quiet.clone() {
                    k.step(&mut s, &x, u);
                }
                for u in loud.clone() {
                    let y = k.step(&mut s, &x, u);
                    dest.write(o + u * inner, y);
                }
                *state = s;
            }
            t = end;
        }
    };
    crate::engine::par_each(tasks, if lanes.across { 1 } else { 4 }, &task);
    cancel.check()
}
