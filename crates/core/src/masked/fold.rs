//! The op's side of a masked fold: what it does with each piece the walk
//! (`walk.rs`) hands it, and how the kept positions are split across
//! threads. Everything here is small; the walk itself is not per op.

use crate::cancel::Cancel;
use crate::engine::kernels::{fold_row4_masked, fold_run};
use crate::engine::{par_for, DisjointSlice, SMALL, SPLIT_ACCS};
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::pool::{default_threads, run_with_threads};
use crate::scalar::Scalar;
use crate::view::View;

use super::walk::{walk, Geometry, MaskRef, BLOCK, ROWS};

/// Independent accumulators along a contiguous lane, for the ops that may
/// fold in any order and have no neutral element (variance, minmax).
const CHAINS: usize = 4;

/// `acc` with `x` folded in where `flag` is not 0, else `acc`.
/// The fold is computed either way (every op's fold is a pure function of
/// its arguments) and the flag selects: a mask of mixed flags would
/// otherwise mispredict a branch on about every other element.
#[inline(always)]
fn keep_or<T: Scalar, O: Op<T>>(op: &O, acc: O::Acc, x: T, index: usize, flag: u8) -> O::Acc {
    let folded = op.fold(acc, x, index);
    if flag != 0 {
        folded
    } else {
        acc
    }
}

/// Folds one piece of the walk into `accs` (the accumulators of the
/// walk's positions). With a neutral element (`Op::neutral`) the dropped
/// elements count as it: in the row order the fold selects it by flag (the
/// rows come as they are), in the lane order the walk has already put it
/// in their place, and the engine's own kernels fold the piece.
#[inline(always)]
fn fold_piece<T: Scalar, O: Op<T>>(
    op: &O,
    accs: &mut [O::Acc],
    rows_order: bool,
    (at, rows, flags, index): (usize, &[&[T]], &[&[u8]], usize),
) {
    let neutral = op.neutral();
    if rows_order {
        let n = rows[0].len();
        let acc = &mut accs[at..at + n];
        let flag = |i: usize| &flags[i][..n];
        match (neutral, rows) {
            (Some(v), &[a, b, c, d]) => {
                fold_row4_masked(
                    op,
                    acc,
                    [a, b, c, d],
                    [flag(0), flag(1), flag(2), flag(3)],
                    v,
                    index,
                );
            }
            (Some(v), _) => {
                for (i, row) in rows.iter().enumerate() {
                    for ((a, &x), &k) in acc.iter_mut().zip(*row).zip(flag(i)) {
                        *a = op.fold(*a, if k != 0 { x } else { v }, index + i);
                    }
                }
            }
            (None, _) => {
                for (i, row) in rows.iter().enumerate() {
                    for ((a, &x), &k) in acc.iter_mut().zip(*row).zip(flag(i)) {
                        *a = keep_or(op, *a, x, index + i, k);
                    }
                }
            }
        }
        return;
    }
    let (run, flags, mut acc) = (rows[0], flags[0], accs[at]);
    if neutral.is_some() {
        acc = fold_run(op, acc, run, index);
    } else if O::ORDER_FREE {
        // Four independent chains, merged at the end: one chain waits on
        // every fold (a compensated add, a compare).
        let mut chains = [op.init(); CHAINS];
        let (xs, fs) = (run.chunks_exact(CHAINS), flags.chunks_exact(CHAINS));
        let (xt, ft) = (xs.remainder(), fs.remainder());
        for (cx, cf) in xs.zip(fs) {
            for l in 0..CHAINS {
                chains[l] = keep_or(op, chains[l], cx[l], index, cf[l]);
            }
        }
        for (&x, &f) in xt.iter().zip(ft) {
            acc = keep_or(op, acc, x, index, f);
        }
        for c in chains {
            acc = op.merge(acc, c);
        }
    } else {
        for (k, (&x, &f)) in run.iter().zip(flags).enumerate() {
            acc = keep_or(op, acc, x, index + k, f);
        }
    }
    accs[at] = acc;
}

/// Folds the elements of `x` that `mask` keeps over `axes` (sorted,
/// unique) with `op`: one accumulator per kept position, kept axes in C
/// order, and with `counted` the number of elements each one kept (else
/// no counts). The op sees each kept element with its flat C-order index
/// over the reduced axes, as without a mask. The op's neutral element,
/// where it has one, replaces the dropped elements so that the engine's
/// vectorised kernels fold the blocks.
pub(crate) fn fold_masked<T: Scalar, O: Op<T>>(
    x: &View<T>,
    mask: MaskRef,
    axes: &[usize],
    op: &O,
    counted: bool,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<(Vec<O::Acc>, Vec<u64>), Error> {
    crate::pool::check_threads(threads)?;
    let g = Geometry::new(x.shape(), x.strides(), mask.strides, axes)?;
    let (out_len, reduced_len) = (g.out_len, g.reduced_len);
    let mut accs = try_filled(out_len, op.init())?;
    let mut counts = try_filled(if counted { out_len } else { 0 }, 0u64)?;
    if out_len == 0 || reduced_len == 0 {
        return Ok((accs, counts));
    }
    let (data, x0, neutral) = (x.data(), x.offset() as isize, op.neutral());
    // Positions `p0..p0 + accs.len()` over reduced indices `r0..r1`.
    let fold_part = |p0: usize, accs: &mut [O::Acc], counts: Option<&mut [u64]>, r0, r1| {
        let len = accs.len();
        let mut sink = |at: usize, rows: &[&[T]], flags: &[&[u8]], index: usize| {
            fold_piece(op, accs, g.rows, (at, rows, flags, index));
        };
        walk(
            &g,
            data,
            x0,
            mask,
            neutral,
            (p0, len),
            (r0, r1),
            counts,
            cancel,
            &mut sink,
        );
    };

    let total = out_len.saturating_mul(reduced_len);
    let mut work = || -> Result<(), Error> {
        let threads = if total < SMALL { 1 } else { default_threads() };
        let chunk = if g.rows {
            4 * ROWS
        } else {
            out_len.div_ceil(4 * threads).clamp(1, BLOCK)
        };
        if threads > 1 && out_len.div_ceil(chunk) >= 2 * threads {
            // Many independent blocks of output: one task per block, each
            // writing its own blocks of the accumulators and counts.
            let (acc_out, count_out) = (
                DisjointSlice::new(&mut accs),
                DisjointSlice::new(&mut counts),
            );
            par_for(out_len.div_ceil(chunk), &|b| {
                // SAFETY: `par_for` calls this once per `b`, and blocks of
                // distinct `b` do not overlap, in either slice.
                let part = unsafe { acc_out.chunk(b, chunk) };
                // SAFETY: as above; `counts` is empty unless `counted`.
                let c = counted.then(|| unsafe { count_out.chunk(b, chunk) });
                fold_part(b * chunk, part, c, 0, reduced_len);
                Ok(())
            })
        } else if threads > 1
            && reduced_len >= 2 * threads
            && out_len.saturating_mul(threads) <= SPLIT_ACCS
        {
            // Few outputs, long lanes: split the lanes, merge in order.
            let parts = threads;
            let piece = reduced_len.div_ceil(parts);
            let mut partial = try_filled(out_len * parts, op.init())?;
            let mut partial_counts = try_filled(if counted { out_len * parts } else { 0 }, 0u64)?;
            {
                let (acc_out, count_out) = (
                    DisjointSlice::new(&mut partial),
                    DisjointSlice::new(&mut partial_counts),
                );
                par_for(parts, &|q| {
                    let r0 = (q * piece).min(reduced_len);
                    let r1 = ((q + 1) * piece).min(reduced_len);
                    // SAFETY: `par_for` calls this once per `q`, and blocks
                    // of distinct `q` do not overlap, in either slice.
                    let part = unsafe { acc_out.chunk(q, out_len) };
                    // SAFETY: as above; the counts are empty unless `counted`.
                    let c = counted.then(|| unsafe { count_out.chunk(q, out_len) });
                    fold_part(0, part, c, r0, r1);
                    Ok(())
                })?;
            }
            for part in partial.chunks(out_len) {
                for (a, &p) in accs.iter_mut().zip(part) {
                    *a = op.merge(*a, p);
                }
            }
            for part in partial_counts.chunks(out_len) {
                for (c, &p) in counts.iter_mut().zip(part) {
                    *c += p;
                }
            }
            Ok(())
        } else {
            let c = counted.then_some(&mut counts[..]);
            fold_part(0, &mut accs, c, 0, reduced_len);
            Ok(())
        }
    };
    if total < SMALL {
        work()?;
    } else {
        run_with_threads(threads, work)??;
    }
    cancel.check()?;
    Ok((accs, counts))
}
