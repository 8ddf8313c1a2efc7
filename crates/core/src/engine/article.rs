//! The article's schedules: one lane (output column) at a time, each lane
//! folded along the one reduced axis of a 2-D view, serially, in parallel
//! behind a `Mutex`, or in parallel with disjoint unlocked writes.

use std::sync::Mutex;

use crate::cancel::Cancel;
use crate::error::Error;
use crate::ops::Op;
use crate::plan::Dim;
use crate::pool::run_with_threads;
use crate::scalar::Scalar;
use crate::view::View;

use super::kernels::fold_run_checked;
use super::{fits, par_for, DisjointSlice, Schedule, CHECK_EVERY};

pub(super) fn article<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    schedule: Schedule,
    threads: Option<usize>,
    cancel: &Cancel,
    out: &mut [O::Acc],
) -> Result<(), Error> {
    let (lane, kept) = lanes(view.shape(), view.strides(), axes, schedule)?;
    if lane.len == 0 && !O::HAS_IDENTITY {
        return Err(Error::ZeroSize { op: op.name() });
    }
    fits(out.len(), kept.len)?;
    out.fill(op.init());
    if lane.len == 0 || kept.len == 0 {
        return Ok(());
    }
    let data = view.data();
    let fold_lane = |j: usize| -> O::Acc {
        let base = (view.offset() as isize + j as isize * kept.stride) as usize;
        if lane.stride == 1 {
            // A contiguous lane is folded as one run, as the article's
            // Rust folds a contiguous column of `arr.T`.
            return fold_run_checked(op, op.init(), &data[base..base + lane.len], 0, cancel);
        }
        let mut acc = op.init();
        for i0 in (0..lane.len).step_by(CHECK_EVERY) {
            if cancel.is_cancelled() {
                break;
            }
            for i in i0..(i0 + CHECK_EVERY).min(lane.len) {
                // SAFETY: `view` was checked against `data` by `View::new`;
                // `i < lane.len` and `j < kept.len` index one of its elements.
                let x = unsafe {
                    *data.get_unchecked((base as isize + i as isize * lane.stride) as usize)
                };
                acc = op.fold(acc, x, i);
            }
        }
        acc
    };
    // One body per op for the lane and its write; the schedules themselves
    // (`run_lanes`) are compiled once, not once per op and dtype.
    let writer = DisjointSlice::new(out);
    let lock = Mutex::new(());
    let lane_into_out = |j: usize| {
        let m = fold_lane(j);
        // The article's mutex design: every write of a lane's result takes
        // the one lock on the output.
        let _guard =
            (schedule == Schedule::Mutex).then(|| lock.lock().unwrap_or_else(|e| e.into_inner()));
        // SAFETY: `run_lanes` calls this once per `j < kept.len` (the
        // writer's length, `fits` above), so no two calls share an index.
        unsafe { writer.write(j, m) };
    };
    run_lanes(schedule, threads, kept.len, cancel, &lane_into_out)?;
    cancel.check()
}

/// The reduced axis (the lanes) and the kept one of a 2-D view reduced
/// along one axis; any other request is an error naming the schedule.
/// Not generic, so that its message is compiled once.
fn lanes(
    shape: &[usize],
    strides: &[isize],
    axes: &[usize],
    schedule: Schedule,
) -> Result<(Dim, Dim), Error> {
    if shape.len() != 2 || axes.len() != 1 || axes[0] > 1 {
        return Err(Error::BadOption {
            field: "schedule",
            value: format!(
                "{schedule:?} needs a 2-D array reduced along one axis, got {} dimensions and axes {axes:?}",
                shape.len()
            )
            .to_lowercase(),
        });
    }
    let dim = |i: usize| Dim {
        len: shape[i],
        stride: strides[i],
    };
    Ok((dim(axes[0]), dim(1 - axes[0])))
}

/// Calls `lane(j)` once for every `j < lanes`: in order on this thread
/// (`serial`), or as tasks on the pool (`mutex`, `lockfree`); stops
/// starting lanes once cancelled.
fn run_lanes(
    schedule: Schedule,
    threads: Option<usize>,
    lanes: usize,
    cancel: &Cancel,
    lane: &(dyn Fn(usize) + Sync),
) -> Result<(), Error> {
    if matches!(schedule, Schedule::Serial | Schedule::Auto) {
        for j in 0..lanes {
            if cancel.is_cancelled() {
                break;
            }
            lane(j);
        }
        return Ok(());
    }
    run_with_threads(threads, || {
        par_for(lanes, &|j| {
            if !cancel.is_cancelled() {
                lane(j);
            }
            Ok(())
        })
    })?
}
