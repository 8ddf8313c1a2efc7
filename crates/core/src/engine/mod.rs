//! The one engine: every reduction of every dtype runs here, on a plan
//! from `plan.rs`. `Schedule::Auto` follows the memory layout; the
//! article's `serial`, `mutex` and `lockfree` are schedules of the same
//! engine for a 2-D view reduced along one axis.

use std::sync::Mutex;

use multiversion::multiversion;
use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::plan::{plan, Dim, Freedom};
use crate::pool::{default_threads, run_with_threads};
use crate::scalar::Scalar;
use crate::view::{View, MAX_DIMS};

/// Which loop structure computes a reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Follow the memory layout (ours; the default).
    Auto,
    /// The article's serial loop, one output column after another.
    Serial,
    /// One rayon task per column, output behind a `Mutex`.
    Mutex,
    /// One rayon task per column, disjoint unlocked writes.
    Lockfree,
}

impl std::str::FromStr for Schedule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "auto" => Ok(Schedule::Auto),
            "serial" => Ok(Schedule::Serial),
            "mutex" => Ok(Schedule::Mutex),
            "lockfree" => Ok(Schedule::Lockfree),
            other => Err(Error::BadOption {
                field: "schedule",
                value: format!(
                    "{other:?} (expected \"auto\", \"serial\", \"mutex\" or \"lockfree\")"
                ),
            }),
        }
    }
}

/// Output columns per block when streaming rows: the accumulator block
/// (64 KiB of int64) stays in L2 while every row streams its slice in.
/// 2048 to 131072 measured within noise of the floor on the article's
/// array; 8192 sits in the middle of that plateau.
const ROW_BLOCK: usize = 8192;
/// Below this many elements, no thread hand-off: it costs more (about
/// 15 us) than the reduction.
const SMALL: usize = 1 << 16;
/// Elements folded between two looks at the cancel flag: well under a
/// millisecond of work even on a strided or broadcast view.
const CHECK_EVERY: usize = 1 << 18;
/// Most accumulators the row-splitting path allocates per thread.
const SPLIT_ACCS: usize = 1 << 16;

/// `acc[k] = fold(acc[k], row[k], index)`: one row streamed into a block.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_row<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], row: &[T], index: usize) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = op.fold(*a, x, index);
    }
}

/// Four rows per pass over the block (rows `index` to `index + 3`), so the
/// block is loaded and stored a quarter as often as with `fold_row`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_row4<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], rows: [&[T]; 4], index: usize) {
    let n = acc.len();
    let [a, b, c, d] = rows.map(|r| &r[..n]);
    for k in 0..n {
        let x = op.fold(op.fold(acc[k], a[k], index), b[k], index + 1);
        acc[k] = op.fold(op.fold(x, c[k], index + 2), d[k], index + 3);
    }
}

/// Folds a contiguous run whose first element has reduced index `index`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_run<T: Scalar, O: Op<T>>(op: &O, init: O::Acc, run: &[T], index: usize) -> O::Acc {
    op.fold_run(init, run, index)
}

/// A contiguous run folded in pieces, looking at the cancel flag between.
fn fold_run_checked<T: Scalar, O: Op<T>>(
    op: &O,
    init: O::Acc,
    run: &[T],
    index: usize,
    cancel: &Cancel,
) -> O::Acc {
    let mut acc = init;
    for (c, piece) in run.chunks(CHECK_EVERY).enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        acc = fold_run(op, acc, piece, index + c * CHECK_EVERY);
    }
    acc
}

/// One 2-D tile: `rows` along the innermost reduced axis, `cols` along the
/// innermost kept axis, starting at `offset`; the reduced index of row `i`
/// is `index + i`. Every element it addresses is one of the view's.
#[derive(Clone, Copy)]
struct Tile {
    rows: Dim,
    cols: Dim,
    offset: usize,
    index: usize,
}

impl Tile {
    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> usize {
        (self.offset as isize + i as isize * self.rows.stride + j as isize * self.cols.stride)
            as usize
    }

    /// Rows `start..start + len` of this tile.
    fn rows_slice(&self, start: usize, len: usize) -> Tile {
        Tile {
            rows: Dim {
                len,
                stride: self.rows.stride,
            },
            offset: self.at(start, 0),
            index: self.index + start,
            ..*self
        }
    }
}

/// Folds a tile into `acc` (one accumulator per column) on this thread.
fn fold_tile_serial<T: Scalar, O: Op<T>>(
    data: &[T],
    t: &Tile,
    op: &O,
    acc: &mut [O::Acc],
    j0: usize,
    cancel: &Cancel,
) {
    let n = acc.len();
    if n == 0 {
        return;
    }
    let per_check = (CHECK_EVERY / n).max(4);
    if t.cols.stride == 1 && n > 1 {
        // Rows are contiguous: stream each row's slice into the block.
        let row = |i: usize| &data[t.at(i, j0)..t.at(i, j0) + n];
        let mut i = 0;
        while i < t.rows.len {
            if cancel.is_cancelled() {
                return;
            }
            let end = (i + per_check).min(t.rows.len);
            while i + 4 <= end {
                fold_row4(
                    op,
                    acc,
                    [row(i), row(i + 1), row(i + 2), row(i + 3)],
                    t.index + i,
                );
                i += 4;
            }
            while i < end {
                fold_row(op, acc, row(i), t.index + i);
                i += 1;
            }
        }
    } else if t.rows.stride == 1 || t.rows.len == 1 {
        // Each column is contiguous: fold it as one run.
        for (k, a) in acc.iter_mut().enumerate() {
            let start = t.at(0, j0 + k);
            *a = fold_run_checked(op, *a, &data[start..start + t.rows.len], t.index, cancel);
        }
    } else {
        // Any other strides: the block walked row by row, so that small
        // column strides still read nearby memory.
        for i0 in (0..t.rows.len).step_by(per_check) {
            if cancel.is_cancelled() {
                return;
            }
            for i in i0..(i0 + per_check).min(t.rows.len) {
                for (k, a) in acc.iter_mut().enumerate() {
                    // The planner only fuses axes, drops length-1 or stride-0
                    // ones and flips strides with the offset, so the tile
                    // stays inside the view; `acc` is the block from `j0`.
                    // SAFETY: in bounds: a `View` checked against `data` by
                    // `View::new`, `i < rows.len` and `j0 + k < cols.len`.
                    let x = unsafe { *data.get_unchecked(t.at(i, j0 + k)) };
                    *a = op.fold(*a, x, t.index + i);
                }
            }
        }
    }
}

/// Folds a tile into `acc`, on up to `threads` threads: blocks of columns
/// in parallel when there are enough, otherwise the rows split into
/// pieces whose partial results are merged in order.
fn fold_tile<T: Scalar, O: Op<T>>(
    data: &[T],
    t: &Tile,
    op: &O,
    acc: &mut [O::Acc],
    threads: usize,
    cancel: &Cancel,
) -> Result<(), Error> {
    let n = acc.len();
    if threads <= 1 || t.rows.len.saturating_mul(n) < SMALL {
        for (b, block) in acc.chunks_mut(ROW_BLOCK).enumerate() {
            fold_tile_serial(data, t, op, block, b * ROW_BLOCK, cancel);
        }
        return Ok(());
    }
    let contiguous_columns = t.cols.stride != 1 && t.rows.stride == 1;
    let grain = if contiguous_columns { 1 } else { ROW_BLOCK };
    if n >= threads * grain || n * threads > SPLIT_ACCS || t.rows.len < 2 * threads {
        acc.par_chunks_mut(grain)
            .enumerate()
            .for_each(|(b, block)| fold_tile_serial(data, t, op, block, b * grain, cancel));
        return Ok(());
    }
    let piece = t.rows.len.div_ceil(threads);
    let mut parts = try_filled(n * threads, op.init())?;
    parts.par_chunks_mut(n).enumerate().for_each(|(p, part)| {
        let start = (p * piece).min(t.rows.len);
        let sub = t.rows_slice(start, piece.min(t.rows.len - start));
        for (b, block) in part.chunks_mut(ROW_BLOCK).enumerate() {
            fold_tile_serial(data, &sub, op, block, b * ROW_BLOCK, cancel);
        }
    });
    for part in parts.chunks(n) {
        for (a, &p) in acc.iter_mut().zip(part) {
            *a = op.merge(*a, p);
        }
    }
    Ok(())
}

/// Walks the index space of `dims` in C order from flat position `flat`,
/// keeping the element offset; no allocation, whatever the sizes.
struct Odometer<'d> {
    dims: &'d [Dim],
    idx: [usize; MAX_DIMS],
    off: isize,
}

impl<'d> Odometer<'d> {
    fn at(dims: &'d [Dim], mut flat: usize) -> Self {
        let mut idx = [0usize; MAX_DIMS];
        let mut off = 0isize;
        for (k, d) in dims.iter().enumerate().rev() {
            idx[k] = flat % d.len;
            flat /= d.len;
            off += idx[k] as isize * d.stride;
        }
        Odometer { dims, idx, off }
    }

    fn advance(&mut self) {
        for k in (0..self.dims.len()).rev() {
            self.idx[k] += 1;
            self.off += self.dims[k].stride;
            if self.idx[k] < self.dims[k].len {
                return;
            }
            self.off -= self.dims[k].stride * self.dims[k].len as isize;
            self.idx[k] = 0;
        }
    }
}

/// Reduces `view` over `axes` (sorted, unique) with `op`. The result holds
/// one accumulator per kept position, kept axes in C order.
pub fn reduce<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    schedule: Schedule,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<Vec<O::Acc>, Error> {
    // The view's element count fits a usize (`View::new`), so this does too.
    let kept: usize = (0..view.shape().len())
        .filter(|a| !axes.contains(a))
        .map(|a| view.shape()[a])
        .product();
    let mut out = try_filled(kept, op.init())?;
    reduce_into(view, axes, op, schedule, threads, cancel, &mut out)?;
    Ok(out)
}

/// [`reduce`] into a caller's slice of exactly one accumulator per kept
/// position (anything else is an error), so that a binding can write a
/// result straight into memory its caller already holds.
pub fn reduce_into<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    schedule: Schedule,
    threads: Option<usize>,
    cancel: &Cancel,
    out: &mut [O::Acc],
) -> Result<(), Error> {
    crate::pool::check_threads(threads)?;
    if schedule != Schedule::Auto {
        return article(view, axes, op, schedule, threads, cancel, out);
    }
    let freedom = Freedom {
        order_free: O::ORDER_FREE,
        idempotent: O::IDEMPOTENT,
    };
    let p = plan(view.shape(), view.strides(), view.offset(), axes, freedom)?;
    if p.reduced_len == 0 && !O::HAS_IDENTITY {
        return Err(Error::ZeroSize { op: O::NAME });
    }
    fits(out.len(), p.out_len)?;
    out.fill(op.init());
    if p.out_len == 0 || p.reduced_len == 0 {
        return Ok(());
    }
    let data = view.data();
    let unit = Dim { len: 1, stride: 0 };
    let (cols, outer_kept) = p
        .kept
        .split_last()
        .map_or((unit, &[][..]), |(l, r)| (*l, r));
    let (rows, outer_reduced) = p
        .reduced
        .split_last()
        .map_or((unit, &[][..]), |(l, r)| (*l, r));
    let kept_tiles = p.out_len / cols.len;
    let reduced_tiles: usize = outer_reduced.iter().map(|d| d.len).product();
    let total = p.out_len.saturating_mul(p.reduced_len);

    // Folds reduced tiles `r0..r1` of the kept row that starts at `base`.
    let fold_rows = |base: isize, acc: &mut [O::Acc], r0: usize, r1: usize, inner: usize| {
        let mut odo = Odometer::at(outer_reduced, r0);
        for r in r0..r1 {
            if cancel.is_cancelled() {
                break;
            }
            let t = Tile {
                rows,
                cols,
                offset: (p.offset as isize + base + odo.off) as usize,
                index: r * rows.len,
            };
            fold_tile(data, &t, op, acc, inner, cancel)?;
            odo.advance();
        }
        Ok::<(), Error>(())
    };
    let kept_base = |k: usize| Odometer::at(outer_kept, k).off;

    let mut work = || -> Result<(), Error> {
        let threads = if total < SMALL { 1 } else { default_threads() };
        if threads > 1 && kept_tiles >= 2 * threads {
            // Many independent output rows: one thread per group of them.
            out.par_chunks_mut(cols.len)
                .enumerate()
                .try_for_each(|(k, acc)| fold_rows(kept_base(k), acc, 0, reduced_tiles, 1))
        } else if threads > 1
            && reduced_tiles >= 2 * threads
            && p.out_len.saturating_mul(threads) <= SPLIT_ACCS
        {
            // Few outputs, many reduced tiles: split the tiles, merge in order.
            let parts = threads.min(reduced_tiles);
            let piece = reduced_tiles.div_ceil(parts);
            let mut partial = try_filled(p.out_len * parts, op.init())?;
            partial
                .par_chunks_mut(p.out_len)
                .enumerate()
                .try_for_each(|(q, part)| {
                    let (r0, r1) = (
                        (q * piece).min(reduced_tiles),
                        ((q + 1) * piece).min(reduced_tiles),
                    );
                    for (k, acc) in part.chunks_mut(cols.len).enumerate() {
                        fold_rows(kept_base(k), acc, r0, r1, 1)?;
                    }
                    Ok::<(), Error>(())
                })?;
            for part in partial.chunks(p.out_len) {
                for (a, &x) in out.iter_mut().zip(part) {
                    *a = op.merge(*a, x);
                }
            }
            Ok(())
        } else {
            for (k, acc) in out.chunks_mut(cols.len).enumerate() {
                fold_rows(kept_base(k), acc, 0, reduced_tiles, threads)?;
            }
            Ok(())
        }
    };
    if total < SMALL {
        work()?;
    } else {
        run_with_threads(threads, work)??;
    }
    cancel.check()
}

/// An output slice must hold exactly the kept positions.
fn fits(len: usize, kept: usize) -> Result<(), Error> {
    if len == kept {
        return Ok(());
    }
    Err(Error::BadArray {
        field: "out",
        value: format!("{len} elements where the result has {kept}"),
    })
}

/// An output slice that several threads write at once, each at indices no
/// other thread touches: the article's lock-free wrapper.
struct DisjointSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: std::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: writes go only through `write`, whose contract gives threads
// disjoint indices, so no element is accessed by two threads (no data
// race); `T: Send` because values move in from other threads.
unsafe impl<T: Send> Sync for DisjointSlice<'_, T> {}

impl<'a, T> DisjointSlice<'a, T> {
    fn new(slice: &'a mut [T]) -> Self {
        DisjointSlice {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: std::marker::PhantomData,
        }
    }

    /// Writes `value` at `index` without a lock.
    ///
    /// # Safety
    /// No other thread reads or writes `index` while this borrow lives.
    #[inline(always)]
    unsafe fn write(&self, index: usize, value: T) {
        assert!(index < self.len);
        // SAFETY: `index < len` was just asserted, `ptr` comes from a live
        // `&mut [T]` of length `len`, and the caller gives this thread
        // exclusive use of `index`.
        unsafe { self.ptr.add(index).write(value) }
    }
}

/// The article's schedules: one lane (output column) at a time, each lane
/// folded along the one reduced axis of a 2-D view.
fn article<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    schedule: Schedule,
    threads: Option<usize>,
    cancel: &Cancel,
    out: &mut [O::Acc],
) -> Result<(), Error> {
    if view.shape().len() != 2 || axes.len() != 1 || axes[0] > 1 {
        return Err(Error::BadOption {
            field: "schedule",
            value: format!(
                "{schedule:?} needs a 2-D array reduced along one axis, got {} dimensions and axes {axes:?}",
                view.shape().len()
            )
            .to_lowercase(),
        });
    }
    let (a, k) = (axes[0], 1 - axes[0]);
    let dim = |i: usize| Dim {
        len: view.shape()[i],
        stride: view.strides()[i],
    };
    let (lane, kept) = (dim(a), dim(k));
    if lane.len == 0 && !O::HAS_IDENTITY {
        return Err(Error::ZeroSize { op: O::NAME });
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
    match schedule {
        Schedule::Serial | Schedule::Auto => {
            for (j, o) in out.iter_mut().enumerate() {
                if cancel.is_cancelled() {
                    break;
                }
                *o = fold_lane(j);
            }
        }
        Schedule::Mutex => {
            let shared = Mutex::new(out);
            run_with_threads(threads, || {
                (0..kept.len).into_par_iter().for_each(|j| {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let m = fold_lane(j);
                    shared.lock().unwrap_or_else(|e| e.into_inner())[j] = m;
                })
            })?;
        }
        Schedule::Lockfree => {
            let writer = DisjointSlice::new(out);
            run_with_threads(threads, || {
                (0..kept.len).into_par_iter().for_each(|j| {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let m = fold_lane(j);
                    // SAFETY: the parallel iterator yields each `j` exactly
                    // once, so no two tasks share an index.
                    unsafe { writer.write(j, m) };
                })
            })?;
        }
    }
    cancel.check()
}
