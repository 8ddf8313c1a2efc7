//! `by` with `where`: a reduction by label of only the elements a mask
//! keeps. The walk is the grouped one (rows or lanes, chosen from the
//! strides as in the parent module), and it reads the mask's keep flags
//! beside the data, a row or a block of a lane at a time: one pass over
//! both, nothing copied. Where the op has a neutral element the dropped
//! elements become it and the engine's kernels fold the pieces; else each
//! element is selected by its flag. What each (position, group) kept is
//! counted where the result needs it: `mean` divides by it, and one that
//! kept nothing is an error for the reductions without identity.

use std::sync::Mutex;

use super::{grouped_axis, result_layout, Labels, ROW_ACC_BYTES, SHORT_RUN};
use crate::cancel::Cancel;
use crate::dtype::{Data, Output, Widen};
use crate::engine::kernels::{fold_row, fold_run};
use crate::engine::{par_for, DisjointSlice};
use crate::error::{try_filled, Error};
use crate::masked::{add_flags, apply_counted, counted, flags_of, KeepFlags, MaskLayout, Pieces};
use crate::ops::Op;
use crate::pool::run_with_threads;
use crate::reductions::{run_wide, Reduction, Request, Source};
use crate::scalar::Scalar;
use crate::view::View;
use crate::with_dtype;

/// Elements of a lane read per block (their flags stay in L1).
const BLOCK: usize = 4096;

/// One kept dimension: its length, its steps in the data and the mask,
/// and its stride in the result (whose reduced axis is the groups).
#[derive(Clone, Copy)]
struct Dim {
    len: usize,
    sx: isize,
    sm: isize,
    out: usize,
}

/// Where flat position `p` over `dims` (C order) starts in the data, the
/// mask and the result.
fn locate(dims: &[Dim], mut p: usize, x0: isize, m0: isize) -> (isize, isize, usize) {
    let (mut x, mut m, mut out) = (x0, m0, 0);
    for d in dims.iter().rev() {
        let i = p % d.len;
        p /= d.len;
        x += i as isize * d.sx;
        m += i as isize * d.sm;
        out += i * d.out;
    }
    (x, m, out)
}

/// `acc` with `x` folded in where `flag` is 1: the fold is computed either
/// way and the flag selects (a branch would mispredict on mixed masks).
#[inline(always)]
fn keep_or<T: Scalar, O: Op<T>>(op: &O, acc: O::Acc, x: T, index: usize, flag: u8) -> O::Acc {
    let folded = op.fold(acc, x, index);
    if flag != 0 {
        folded
    } else {
        acc
    }
}

/// One task's scratch: a block of accumulators and counts, the flags and
/// values of the piece being read.
struct Scratch<T, A> {
    acc: Vec<A>,
    count: Vec<u64>,
    keep: Vec<u8>,
    vals: Vec<T>,
}

/// The work on piece `p` of a split, with its task's scratch.
type Piece<'f, T, A> = dyn Fn(usize, &mut Scratch<T, A>) + Sync + 'f;

/// What every task of one masked grouped fold shares.
struct Walk<'a, T: Scalar, O: Op<T>> {
    data: &'a dyn Pieces<T>,
    flags: &'a dyn KeepFlags,
    labels: &'a Labels,
    /// Steps along the reduced axis, in the data and in the mask.
    along: isize,
    m_along: isize,
    group_stride: usize,
    op: &'a O,
    counted: bool,
    cancel: &'a Cancel,
    accs: &'a DisjointSlice<'a, O::Acc>,
    counts: &'a DisjointSlice<'a, u64>,
}

impl<T: Scalar, O: Op<T>> Walk<'_, T, O> {
    /// `n` pieces in tasks, each with scratch for `width` positions of
    /// every group and pieces of `read` elements.
    fn split(
        &self,
        n: usize,
        width: usize,
        read: usize,
        piece: &Piece<T, O::Acc>,
    ) -> Result<(), Error> {
        let g = self.labels.groups;
        let per_task = n.div_ceil(16 * rayon::current_num_threads()).max(1);
        par_for(n.div_ceil(per_task), &|t| {
            let mut s = Scratch {
                acc: try_filled(g * width, self.op.init())?,
                count: try_filled(if self.counted { g * width } else { 0 }, 0u64)?,
                keep: try_filled(read, 0u8)?,
                vals: try_filled(read, T::NIL)?,
            };
            for p in t * per_task..((t + 1) * per_task).min(n) {
                self.cancel.check()?;
                piece(p, &mut s);
            }
            Ok(())
        })?;
        self.cancel.check()
    }

    /// Folds `xs` (flags `fs`, the first at position `index` along the
    /// axis) into `acc`; the dropped ones hold the neutral element if any.
    #[inline(always)]
    fn fold_piece(&self, acc: O::Acc, xs: &[T], fs: &[u8], index: usize) -> O::Acc {
        let op = self.op;
        if op.neutral().is_none() {
            let mut acc = acc;
            for (k, (&x, &f)) in xs.iter().zip(fs).enumerate() {
                acc = keep_or(op, acc, x, index + k, f);
            }
            acc
        } else if xs.len() >= SHORT_RUN {
            fold_run(op, acc, xs, index)
        } else {
            let mut acc = acc;
            for (k, &x) in xs.iter().enumerate() {
                acc = op.fold(acc, x, index + k);
            }
            acc
        }
    }

    /// Writes the scratch's `width` positions of every group, starting at
    /// `out` in the result, `step` apart within a group.
    fn write(&self, s: &Scratch<T, O::Acc>, width: usize, out: usize, step: usize) {
        for g in 0..self.labels.groups {
            for j in 0..width {
                let (at, k) = (out + g * self.group_stride + j * step, g * width + j);
                // The counts are laid out as the result.
                // SAFETY: each task writes only its own kept positions (in
                // every group), and no two tasks share a kept position.
                unsafe {
                    self.accs.write(at, s.acc[k]);
                    if self.counted {
                        self.counts.write(at, s.count[k]);
                    }
                }
            }
        }
    }

    /// The lane order: each kept position walked along the reduced axis,
    /// a block of flags and values at a time, split into its label runs.
    fn lanes(&self, kept: &[Dim], x0: isize, m0: isize) -> Result<(), Error> {
        let positions: usize = kept.iter().map(|d| d.len).product();
        let (runs, len) = (&self.labels.runs, self.labels.len);
        self.split(positions, 1, BLOCK, &|p, s| {
            s.acc.fill(self.op.init());
            s.count.fill(0);
            let (ax, am, out) = locate(kept, p, x0, m0);
            let (mut ri, mut b0) = (0, 0);
            while ri < runs.len() {
                // Positions without a group before the next run are not read.
                b0 = b0.max(runs[ri].0);
                let n = (len - b0).min(BLOCK);
                let keep = &mut s.keep[..n];
                self.flags
                    .fill(am + b0 as isize * self.m_along, self.m_along, keep);
                let at = ax + b0 as isize * self.along;
                let vals = self
                    .data
                    .values(at, self.along, keep, self.op.neutral(), &mut s.vals);
                while ri < runs.len() && runs[ri].0 < b0 + n {
                    let (start, end, g) = runs[ri];
                    let (a, e) = (start.max(b0) - b0, end.min(b0 + n) - b0);
                    if self.counted {
                        s.count[g] += keep[a..e].iter().map(|&f| u64::from(f)).sum::<u64>();
                    }
                    s.acc[g] = self.fold_piece(s.acc[g], &vals[a..e], &keep[a..e], b0 + a);
                    if end > b0 + n {
                        break;
                    }
                    ri += 1;
                }
                b0 += n;
            }
            self.write(s, 1, out, 0);
        })
    }

    /// The row order: blocks of the closest kept axis `col`, each row of
    /// the block (its flags read beside it) folded into its group's block.
    fn rows(&self, outer: &[Dim], col: Dim, x0: isize, m0: isize) -> Result<(), Error> {
        let g = self.labels.groups;
        let per_position = std::mem::size_of::<O::Acc>().max(1) + if self.counted { 8 } else { 0 };
        let width = (ROW_ACC_BYTES / (per_position * g))
            .clamp(16, 8192)
            .min(col.len);
        let blocks = col.len.div_ceil(width);
        let positions: usize = outer.iter().map(|d| d.len).product::<usize>() * blocks;
        let op = self.op;
        self.split(positions, width, width, &|p, s| {
            let (q, b) = (p / blocks, p % blocks);
            let j0 = b * width;
            let w = width.min(col.len - j0);
            let (ax, am, out) = locate(outer, q, x0, m0);
            let (ax, am) = (ax + j0 as isize * col.sx, am + j0 as isize * col.sm);
            // The scratch is laid out `w` per group for this block.
            s.acc[..g * w].fill(op.init());
            if self.counted {
                s.count[..g * w].fill(0);
            }
            for &(start, end, grp) in &self.labels.runs {
                let block = &mut s.acc[grp * w..(grp + 1) * w];
                for i in start..end {
                    let keep = &mut s.keep[..w];
                    self.flags
                        .fill(am + i as isize * self.m_along, col.sm, keep);
                    if self.counted {
                        add_flags(&mut s.count[grp * w..(grp + 1) * w], &[keep]);
                    }
                    let at = ax + i as isize * self.along;
                    let row = self
                        .data
                        .values(at, col.sx, keep, self.op.neutral(), &mut s.vals);
                    if self.op.neutral().is_some() {
                        fold_row(op, block, row, i);
                    } else {
                        for ((a, &x), &f) in block.iter_mut().zip(row).zip(keep.iter()) {
                            *a = keep_or(op, *a, x, i, f);
                        }
                    }
                }
            }
            self.write(s, w, out + j0 * col.out, col.out);
        })
    }
}

/// Folds the elements of `src.x` that its mask keeps along `src.axis` into
/// one accumulator per kept position and group (the result's shape: the
/// view's with the axis replaced by the groups, C order), with the count
/// of elements each kept when `src.counted` (else no counts).
fn fold_groups_masked<T: Scalar, O: Op<T>>(
    src: &GroupedMasked<'_, '_, T>,
    op: &O,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<(Vec<O::Acc>, Vec<u64>), Error> {
    let (x, axis, labels) = (src.x, src.axis, src.labels);
    let (shape, sx, sm) = (x.shape(), x.strides(), &src.layout.strides[..]);
    let (out_strides, total) = result_layout(shape, axis, labels)?;
    let mut accs = try_filled(total, op.init())?;
    let mut counts = try_filled(if src.counted { total } else { 0 }, 0u64)?;
    if total == 0 || labels.runs.is_empty() {
        return Ok((accs, counts));
    }
    let kept: Vec<Dim> = (0..shape.len())
        .filter(|&k| k != axis && shape[k] > 1)
        .map(|k| Dim {
            len: shape[k],
            sx: sx[k],
            sm: sm[k],
            out: out_strides[k],
        })
        .collect();
    let inner = (0..kept.len()).min_by_key(|&k| (kept[k].sx.unsigned_abs(), kept.len() - k));
    let (acc_out, count_out) = (
        DisjointSlice::new(&mut accs),
        DisjointSlice::new(&mut counts),
    );
    let walk = Walk {
        data: x,
        flags: src.flags,
        labels,
        along: sx[axis],
        m_along: sm[axis],
        group_stride: out_strides[axis],
        op,
        counted: src.counted,
        cancel,
        accs: &acc_out,
        counts: &count_out,
    };
    let (x0, m0) = (x.offset() as isize, src.layout.offset as isize);
    run_with_threads(threads, || match inner {
        Some(c) if kept[c].sx.unsigned_abs() <= sx[axis].unsigned_abs() => {
            let mut outer = kept.clone();
            let col = outer.remove(c);
            walk.rows(&outer, col, x0, m0)
        }
        _ => walk.lanes(&kept, x0, m0),
    })??;
    Ok((accs, counts))
}

/// A checked view (read as its wide type `T`) and its mask, reduced by
/// label; the counts of the last fold are kept for the rules of `apply`.
struct GroupedMasked<'a, 'x, T> {
    x: &'x dyn Pieces<T>,
    axis: usize,
    labels: &'a Labels,
    flags: &'a dyn KeepFlags,
    layout: &'a MaskLayout,
    counted: bool,
    counts: Mutex<Vec<u64>>,
}

impl<T: Scalar> Source<T> for GroupedMasked<'_, '_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        let (acc, counts) = fold_groups_masked(self, op, r.threads, cancel)?;
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = counts;
        Ok(acc)
    }
}

/// Reduces by the groups of `labels` (as `reduce_grouped`) only the
/// elements of `data` that `mask` keeps (as `reduce_masked`). A position
/// of a group that keeps nothing holds the op's start value (its identity;
/// NaN for mean, var and std), or, for the reductions without identity,
/// is an error naming the group, unless `empty_ok` (the caller folds
/// `initial` in).
#[allow(clippy::too_many_arguments)]
pub fn reduce_grouped_masked(
    data: Data,
    request: &Request,
    op: Reduction,
    labels: &Labels,
    mask: Data,
    layout: &MaskLayout,
    empty_ok: bool,
    cancel: &Cancel,
) -> Result<Output, Error> {
    #[allow(clippy::too_many_arguments)]
    fn typed<T: Widen>(
        d: &[T],
        r: &Request,
        op: Reduction,
        labels: &Labels,
        mask: Data,
        layout: &MaskLayout,
        empty_ok: bool,
        cancel: &Cancel,
    ) -> Result<Output, Error> {
        let axis = grouped_axis(r)?;
        let x = View::new(d, &r.shape, &r.strides, r.offset)?;
        let flags = flags_of(mask, &r.shape, layout)?;
        let src = GroupedMasked {
            x: &x,
            axis,
            labels,
            flags: &*flags,
            layout,
            counted: counted::<T>(op),
            counts: Mutex::new(Vec::new()),
        };
        // An emptied position names its group along the reduced axis.
        let inner: usize = r.shape[axis + 1..].iter().product();
        let groups = labels.groups;
        let empty = |op, index| Error::EmptyGroup {
            op,
            group: index / inner.max(1) % groups,
            index,
        };
        // Read as the wide type: the extremes come back narrowed.
        let run = |src: &GroupedMasked<T::W>| run_wide::<T, _>(src, r, op, cancel);
        apply_counted(&src, &src.counts, r, op, empty_ok, cancel, empty, run)
    }
    let data = crate::reductions::for_op(data, op);
    with_dtype!(data, Data, d => typed(d, request, op, labels, mask, layout, empty_ok, cancel))
}

#[cfg(test)]
mod tests;
