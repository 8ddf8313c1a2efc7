//! Reductions by label (`by`): every position along the one reduced axis
//! belongs to a group (or to none), and each group has its own
//! accumulators, folded and converted by the ops and the conversions of the
//! plain reductions (`reductions::run`); only the routing is new here.
//!
//! Two loop orders, chosen from the strides:
//! - rows: where a kept axis is closer in memory than the reduced one (axis
//!   0 of a C-order array), a block of that axis' columns is folded row by
//!   row into the block of the row's group, across columns as the engine's
//!   row loop does, so that it vectorises;
//! - lanes: where the reduced axis is the closest (the last axis of a
//!   C-order array), each lane is walked along it, a run of equal labels at
//!   a time, into the lane's one accumulator per group.

use std::mem::MaybeUninit;

use crate::cancel::Cancel;
use crate::dtype::{Data, Output, Typed};
use crate::engine::DisjointSlice;
use crate::error::{try_filled, Error};
use crate::ops::{CountSum, Op, Sum};
use crate::pool::run_with_threads;
use crate::reductions::{plain_mean, run, Reduction, Request, Source};
use crate::scalar::Scalar;
use crate::view::View;
use crate::with_dtype;

mod masked;
mod task;

pub use masked::reduce_grouped_masked;
use task::Task;

/// The labels of the positions along the reduced axis, checked, as runs of
/// equal labels (a negative label's positions belong to no group).
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    len: usize,
    groups: usize,
    /// `(start, end, group)`, increasing, positions without a group left out.
    runs: Vec<(usize, usize, usize)>,
    /// Positions per group.
    counts: Vec<f64>,
    /// Every grouped position, by group then position; group `g`'s are
    /// `members[starts[g]..starts[g + 1]]`.
    members: Vec<usize>,
    starts: Vec<usize>,
}

impl Labels {
    /// Checks `labels` against `groups`: every label below it; negative
    /// ones skip their position (flox's rule for missing labels).
    pub fn new(labels: &[i32], groups: usize) -> Result<Labels, Error> {
        let mut counts = try_filled(groups, 0.0f64)?;
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            if l < 0 {
                continue;
            }
            let g = l as usize;
            if g >= groups {
                return Err(Error::OutOfBounds {
                    field: "by",
                    index: i128::from(l),
                    len: groups,
                });
            }
            counts[g] += 1.0;
            match runs.last_mut() {
                Some(last) if last.1 == i && last.2 == g => last.1 = i + 1,
                _ => runs.push((i, i + 1, g)),
            }
        }
        let mut starts = try_filled(groups + 1, 0usize)?;
        for g in 0..groups {
            starts[g + 1] = starts[g] + counts[g] as usize;
        }
        let mut next = starts.clone();
        let mut members = try_filled(starts[groups], 0usize)?;
        for &(s, e, g) in &runs {
            for i in s..e {
                members[next[g]] = i;
                next[g] += 1;
            }
        }
        Ok(Labels {
            len: labels.len(),
            groups,
            runs,
            counts,
            members,
            starts,
        })
    }

    /// How many groups the result holds.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// How many positions group `g` has.
    pub fn count(&self, g: usize) -> f64 {
        self.counts[g]
    }
}

/// Runs of equal labels shorter than this are folded element by element.
const SHORT_RUN: usize = 32;
/// Bytes of one task's accumulators in the row order: they stay in L2.
const ROW_ACC_BYTES: usize = 1 << 18;

/// One dimension kept in the result: its length, its stride in the input
/// and in the result (whose reduced axis is the groups).
#[derive(Clone, Copy)]
struct Kept {
    len: usize,
    stride: isize,
    out: usize,
}

/// Where flat position `p` over `dims` (C order) starts in the input and
/// in the result.
fn locate(dims: &[Kept], mut p: usize, offset: isize) -> (isize, usize) {
    let (mut at, mut out) = (offset, 0);
    for d in dims.iter().rev() {
        let i = p % d.len;
        p /= d.len;
        at += i as isize * d.stride;
        out += i * d.out;
    }
    (at, out)
}

/// The labels checked against the reduced axis; the result's strides (its
/// reduced axis replaced by the groups, C order) and length.
fn result_layout(
    shape: &[usize],
    axis: usize,
    labels: &Labels,
) -> Result<(Vec<usize>, usize), Error> {
    if axis >= shape.len() || labels.len != shape[axis] {
        return Err(Error::BadOption {
            field: "by",
            value: format!(
                "{} labels for an axis of length {}",
                labels.len,
                shape.get(axis).copied().unwrap_or(0)
            ),
        });
    }
    let mut out_strides = vec![0usize; shape.len()];
    let mut total = 1usize;
    for k in (0..shape.len()).rev() {
        out_strides[k] = total;
        let len = if k == axis { labels.groups } else { shape[k] };
        total = total.checked_mul(len).ok_or(Error::TooLarge {
            elements: usize::MAX,
        })?;
    }
    Ok((out_strides, total))
}

/// Folds `view` along `axis` into one accumulator per group and kept
/// position: the result's shape is the view's with `axis` replaced by the
/// groups, in C order.
pub fn fold_groups<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axis: usize,
    labels: &Labels,
    op: &O,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<Vec<O::Acc>, Error> {
    fold_groups_with(view, axis, labels, op, threads, cancel, &|a, _| a)
}

/// [`fold_groups`], each accumulator written as `finish(acc, group)`: a
/// result that is not the accumulators (a mean) is converted by the tasks
/// that fold it, in parallel, and the accumulators are never stored whole.
fn fold_groups_with<T: Scalar, O: Op<T>, R: Copy + Send + Sync>(
    view: &View<T>,
    axis: usize,
    labels: &Labels,
    op: &O,
    threads: Option<usize>,
    cancel: &Cancel,
    finish: &(impl Fn(O::Acc, usize) -> R + Sync),
) -> Result<Vec<R>, Error> {
    let (shape, strides) = (view.shape(), view.strides());
    let (out_strides, total) = result_layout(shape, axis, labels)?;
    let g = labels.groups;
    let (along, group_stride) = (strides[axis], out_strides[axis]);
    if total == 0 || labels.runs.is_empty() {
        let mut empty = crate::alloc::reserve(total)?;
        empty.extend((0..total).map(|k| finish(op.init(), k / group_stride % g)));
        return Ok(empty);
    }
    // Left uninitialised: the tasks write every position once, in
    // parallel, where filling it first would be a serial pass over a
    // result `groups` times the plain one's size.
    let mut out: Vec<MaybeUninit<R>> = crate::alloc::reserve(total)?;
    out.resize_with(total, MaybeUninit::uninit);
    let kept: Vec<Kept> = (0..shape.len())
        .filter(|&k| k != axis && shape[k] > 1)
        .map(|k| Kept {
            len: shape[k],
            stride: strides[k],
            out: out_strides[k],
        })
        .collect();
    let inner = (0..kept.len()).min_by_key(|&k| (kept[k].stride.unsigned_abs(), kept.len() - k));
    let dest = DisjointSlice::new(&mut out);
    let task = Task {
        data: view.data(),
        offset: view.offset() as isize,
        labels,
        along,
        group_stride,
        op,
        cancel,
        dest: &dest,
        finish,
    };
    run_with_threads(threads, || match inner {
        Some(c) if kept[c].stride.unsigned_abs() <= along.unsigned_abs() => {
            let mut outer = kept.clone();
            let col = outer.remove(c);
            task.rows(&outer, col)
        }
        _ => task.lanes(&kept),
    })??;
    let mut out = std::mem::ManuallyDrop::new(out);
    // Both orders hand every kept position to exactly one piece, which
    // writes it in every group (`Task::write`); the split returned `Ok`.
    // `ManuallyDrop` gives up the old vector's ownership of the buffer.
    // SAFETY: all `total` elements are written (above), `MaybeUninit<R>`
    // has `R`'s layout, and pointer, length and capacity are kept.
    let written =
        unsafe { Vec::from_raw_parts(out.as_mut_ptr().cast::<R>(), out.len(), out.capacity()) };
    Ok(written)
}

/// A checked view reduced by label along its one reduced axis.
struct Grouped<'a, 'l, T> {
    view: View<'a, T>,
    axis: usize,
    labels: &'l Labels,
}

impl<T: Scalar> Source<T> for Grouped<'_, '_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        fold_groups(&self.view, self.axis, self.labels, op, r.threads, cancel)
    }
}

/// The one axis a reduction by label reduces, or an error naming how
/// many `r` asks for.
pub(crate) fn grouped_axis(r: &Request) -> Result<usize, Error> {
    match r.axes[..] {
        [axis] => Ok(axis),
        _ => Err(Error::BadOption {
            field: "axis",
            value: format!(
                "{} axes (a reduction by label takes exactly one)",
                r.axes.len()
            ),
        }),
    }
}

/// Reduces `data` as `request` says (exactly one reduced axis), by the
/// groups of `labels`: the result's shape is the kept shape with the
/// reduced axis replaced by the groups, in C order. Empty groups hold what
/// the op's accumulators start from (its identity where it has one, NaN
/// for the moments): the caller rejects them for the ops without identity.
pub fn reduce_grouped(
    data: Data,
    request: &Request,
    op: Reduction,
    labels: &Labels,
    cancel: &Cancel,
) -> Result<Output, Error> {
    fn typed<T: Typed>(
        d: &[T],
        r: &Request,
        op: Reduction,
        labels: &Labels,
        cancel: &Cancel,
    ) -> Result<Output, Error> {
        let axis = grouped_axis(r)?;
        let view = View::new(d, &r.shape, &r.strides, r.offset)?;
        // A mean divides by its group's count as the tasks write it.
        let (t, counts) = (r.threads, &labels.counts);
        if plain_mean::<T>(op) {
            let finish = |s, g: usize| T::wide_f64(s) / counts[g];
            let means = fold_groups_with(&view, axis, labels, &Sum::<false>, t, cancel, &finish);
            return means.map(Output::F64);
        }
        if T::IS_FLOAT && op == Reduction::NanMean {
            let finish = |(s, n), _| T::wide_f64(s) / n as f64;
            let means = fold_groups_with(&view, axis, labels, &CountSum, t, cancel, &finish);
            return means.map(Output::F64);
        }
        // Means were converted above; the ops left keep accumulators that
        // are their results, whatever a group's count.
        run(&Grouped { view, axis, labels }, r, op, cancel)
    }
    let data = crate::reductions::for_op(data, op);
    with_dtype!(data, Data, d => typed(d, request, op, labels, cancel))
}

#[cfg(test)]
mod tests;
