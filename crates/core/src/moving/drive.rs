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

use rayon::prelude::*;

use super::kernel::Kernel;
use crate::cancel::Cancel;
use crate::error::Error;
use crate::scalar::Scalar;
use crate::view::View;

/// Lanes a row-at-a-time task advances together.
const GROUP: usize = 256;
/// Lanes a lane-at-a-time task walks in lockstep: a running state is one
/// long chain of dependent additions, and a few independent chains give
/// the processor work to overlap (not measured on its own).
const INTERLEAVE: usize = 4;
/// A piece shorter than this is not worth its warm-up and scheduling.
const MIN_PIECE: usize = 16_384;
/// Positions a lane runs in one go: few rows when lanes are strided (the
/// group's rows must stay in cache for the next lane), many when each
/// lane is contiguous. The cancel flag is looked at between blocks.
const BLOCK_STRIDED: usize = 32;
const BLOCK_CONTIGUOUS: usize = 2048;

/// The caller's output, written by tasks at disjoint positions.
struct Output {
    ptr: *mut f64,
    len: usize,
}

// The slice may be uninitialised memory: it is only written, never read,
// here.
// SAFETY: tasks write through `Output` only at positions no other task
// writes (see `write`), and `drive` keeps the borrowed slice alive and
// unread until every task has returned.
unsafe impl Sync for Output {}

impl Output {
    /// Writes `out[i]`. Each (lane, position) pair maps to one `i`
    /// (`lane_out + t * inner`, an injective map), and the tasks
    /// partition the pairs, so no two writes, from any threads, share an
    /// index. The bound holds by construction: with `lane_out = (l /
    /// inner) * n * inner + l % inner`, `l < lanes` and `t < n`, the
    /// largest `i` is `lanes * n - 1 = len - 1` (`len == lanes * n`, as
    /// `drive` asserts once). It is only debug-checked in this hot loop.
    #[inline(always)]
    fn write(&self, i: usize, v: f64) {
        debug_assert!(i < self.len);
        // SAFETY: `i < len` (the bound above) for the slice `drive`
        // borrows mutably for the whole parallel loop, and no other task
        // reads or writes index `i` (the partition above).
        unsafe { self.ptr.add(i).write(v) }
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
    assert_eq!(out.len(), v.len());
    let shape = v.shape();
    let strides = v.strides();
    let n = shape[axis];
    if v.is_empty() {
        return Ok(());
    }
    let step = strides[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let lanes = v.len() / n;
    // The other axes, C order: lane `l` is their flat index.
    let others: Vec<(usize, isize)> = (0..shape.len())
        .filter(|&d| d != axis)
        .map(|d| (shape[d], strides[d]))
        .collect();
    let fastest_other = others
        .iter()
        .filter(|(len, _)| *len > 1)
        .map(|(_, s)| s.unsigned_abs())
        .min()
        .unwrap_or(usize::MAX);
    let group = if inner > 1 && step.unsigned_abs() > fastest_other {
        GROUP
    } else {
        INTERLEAVE
    };
    let block = if group == GROUP {
        BLOCK_STRIDED
    } else {
        BLOCK_CONTIGUOUS
    };
    let groups = lanes.div_ceil(group);
    let wanted = 4 * threads.max(1);
    let pieces = if groups >= wanted {
        1
    } else {
        let longest = n / MIN_PIECE.max(8 * window);
        wanted.div_ceil(groups).min(longest).max(1)
    };
    let piece = n.div_ceil(pieces);
    let tasks = groups * pieces;
    let data = v.data();
    let offset = v.offset() as isize;
    let dest = Output {
        ptr: out.as_mut_ptr().cast::<f64>(),
        len: out.len(),
    };
    let base_of = |mut l: usize| {
        let mut at = offset;
        for &(len, s) in others.iter().rev() {
            at += (l % len) as isize * s;
            l /= len;
        }
        at
    };
    let task = |id: usize| {
        if cancel.is_cancelled() {
            return;
        }
        let (g, p) = (id / pieces, id % pieces);
        let first_lane = g * group;
        let lane_end = (first_lane + group).min(lanes);
        let (t0, t1) = (p * piece, ((p + 1) * piece).min(n));
        let warm = (t0 + 1).saturating_sub(window);
        let bases: Vec<isize> = (first_lane..lane_end).map(base_of).collect();
        let outs: Vec<usize> = (first_lane..lane_end)
            .map(|l| (l / inner) * n * inner + l % inner)
            .collect();
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
                // The view's invariant puts every `base + u * step`,
                // u < n, inside `data`; the index stays checked.
                let x = |u: usize| data[(base + u as isize * step) as usize].to_f64();
                for u in quiet.clone() {
                    k.step(state, &x, u);
                }
                for u in loud.clone() {
                    let y = k.step(state, &x, u);
                    dest.write(o + u * inner, y);
                }
            }
            t = end;
        }
    };
    (0..tasks)
        .into_par_iter()
        .with_min_len(if group == GROUP { 1 } else { 4 })
        .for_each(task);
    cancel.check()
}
