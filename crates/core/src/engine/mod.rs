//! The one engine: every reduction of every dtype runs here, on a plan
//! from `plan.rs`. `Schedule::Auto` follows the memory layout; the
//! article's `serial`, `mutex` and `lockfree` are schedules of the same
//! engine for a 2-D view reduced along one axis.

mod article;
pub(crate) mod kernels;

use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::plan::{plan, Dim, Freedom};
use crate::pool::{default_threads, run_with_threads};
use crate::scalar::Scalar;
use crate::view::{View, MAX_DIMS};

use kernels::{fold_tile, Tile};

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
pub(crate) const ROW_BLOCK: usize = 8192;
/// Below this many elements, no thread hand-off: it costs more (about
/// 15 us) than the reduction.
pub(crate) const SMALL: usize = 1 << 16;

/// The fewest rows per `Op::fold_rows` call (more where a look at the
/// cancel flag allows): the op's per-column work after each group
/// (variance: one merge, some 60 cycles of dependent divisions and adds)
/// is then paid once per 128 elements of a column, not per 16 (std along
/// axis 0 of the article's array: 262 ms with groups of 16, one thread).
pub(crate) const ROW_GROUP: usize = 128;
/// Elements folded between two looks at the cancel flag: well under a
/// millisecond of work even on a strided or broadcast view.
pub(crate) const CHECK_EVERY: usize = 1 << 18;
/// Most accumulators the row-splitting path allocates per thread.
pub(crate) const SPLIT_ACCS: usize = 1 << 16;

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
    fold(view, axes, op, schedule, threads, cancel, out, true)
}

/// Folds `view` into `out` as it stands: accumulators an earlier call left
/// (a mergeable partial's state) go on from there, as if this view's
/// elements followed that call's. Every path merges into `out` with the
/// op's `merge`, so the result is the fold of both.
pub fn fold_into<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    threads: Option<usize>,
    cancel: &Cancel,
    out: &mut [O::Acc],
) -> Result<(), Error> {
    fold(view, axes, op, Schedule::Auto, threads, cancel, out, false)
}

#[allow(clippy::too_many_arguments)]
fn fold<T: Scalar, O: Op<T>>(
    view: &View<T>,
    axes: &[usize],
    op: &O,
    schedule: Schedule,
    threads: Option<usize>,
    cancel: &Cancel,
    out: &mut [O::Acc],
    reset: bool,
) -> Result<(), Error> {
    crate::pool::check_threads(threads)?;
    if schedule != Schedule::Auto {
        return article::article(view, axes, op, schedule, threads, cancel, out);
    }
    let freedom = Freedom {
        order_free: O::ORDER_FREE,
        idempotent: O::IDEMPOTENT,
    };
    let p = plan(view.shape(), view.strides(), view.offset(), axes, freedom)?;
    if p.reduced_len == 0 && !O::HAS_IDENTITY {
        return Err(Error::ZeroSize { op: op.name() });
    }
    fits(out.len(), p.out_len)?;
    if reset {
        out.fill(op.init());
    }
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
            par_chunks(out, cols.len, &|k, acc| {
                fold_rows(kept_base(k), acc, 0, reduced_tiles, 1)
            })
        } else if threads > 1
            && reduced_tiles >= 2 * threads
            && p.out_len.saturating_mul(threads) <= SPLIT_ACCS
        {
            // Few outputs, many reduced tiles: split the tiles, merge in order.
            let parts = threads.min(reduced_tiles);
            let piece = reduced_tiles.div_ceil(parts);
            let mut partial = try_filled(p.out_len * parts, op.init())?;
            par_chunks(&mut partial, p.out_len, &|q, part| {
                let (r0, r1) = (
                    (q * piece).min(reduced_tiles),
                    ((q + 1) * piece).min(reduced_tiles),
                );
                for (k, acc) in part.chunks_mut(cols.len).enumerate() {
                    fold_rows(kept_base(k), acc, r0, r1, 1)?;
                }
                Ok(())
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

/// An output slice (`out`, `len` elements) must hold exactly the `kept`
/// positions of the result: the one check of a caller's output length.
pub fn fits(len: usize, kept: usize) -> Result<(), Error> {
    if len == kept {
        return Ok(());
    }
    Err(Error::BadArray {
        field: "out",
        value: format!("{len} elements where the result has {kept}"),
    })
}

/// An output slice that several threads write at once, each at indices no
/// other thread touches: the article's lock-free wrapper, and the way the
/// engine hands out disjoint blocks without a parallel iterator per type.
pub(crate) struct DisjointSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: std::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: access goes only through `write` and `chunk`, whose contracts
// give threads disjoint indices, so no element is accessed by two threads
// (no data race); `T: Send` because values move in from other threads.
unsafe impl<T: Send> Sync for DisjointSlice<'_, T> {}

impl<'a, T> DisjointSlice<'a, T> {
    pub(crate) fn new(slice: &'a mut [T]) -> Self {
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
    pub(crate) unsafe fn write(&self, index: usize, value: T) {
        assert!(index < self.len);
        // SAFETY: `index < len` was just asserted, `ptr` comes from a live
        // `&mut [T]` of length `len`, and the caller gives this thread
        // exclusive use of `index`.
        unsafe { self.ptr.add(index).write(value) }
    }

    /// Block `b` of blocks of `size` (the last one may be shorter).
    ///
    /// # Safety
    /// No other reference to this block is alive while the result is.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn chunk(&self, b: usize, size: usize) -> &mut [T] {
        let start = b.saturating_mul(size);
        assert!(start < self.len);
        let len = size.min(self.len - start);
        // SAFETY: `start + len <= self.len` (asserted and clamped above), the
        // memory is a live `&mut [T]` borrowed for `'a`, and the caller
        // gives this thread exclusive use of the block.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}

/// Calls `f(i)` for every `i < n` on the current rayon pool and returns
/// the first error. Not generic: rayon's splitting and joining code is
/// compiled once, instead of once per (op, dtype) pair and call site,
/// which it was (a fifth of the binary); a call per block costs nothing
/// next to the block.
pub(crate) fn par_for(
    n: usize,
    f: &(dyn Fn(usize) -> Result<(), Error> + Sync),
) -> Result<(), Error> {
    (0..n).into_par_iter().try_for_each(f)
}

/// `f(i)` for every `i < n` on the current rayon pool, at least
/// `min_len` indices per rayon job. Not generic, as [`par_for`].
pub(crate) fn par_each(n: usize, min_len: usize, f: &(dyn Fn(usize) + Sync)) {
    (0..n).into_par_iter().with_min_len(min_len).for_each(f);
}

/// A rayon job's scratch, made by the first index it runs and kept for
/// the next (the callers' scratch types differ: boxed and downcast).
pub(crate) type Scratch = Option<Box<dyn std::any::Any + Send>>;

/// [`par_each`] with a scratch per rayon job, as `for_each_init`.
pub(crate) fn par_each_with(n: usize, f: &(dyn Fn(&mut Scratch, usize) + Sync)) {
    (0..n)
        .into_par_iter()
        .for_each_init(|| None, |scratch, i| f(scratch, i));
}

/// `scratch`'s value, made by `make` on first use.
pub(crate) fn scratch<S: Send + 'static>(
    scratch: &mut Scratch,
    make: impl FnOnce() -> S,
) -> &mut S {
    scratch
        .get_or_insert_with(|| Box::new(make()))
        .downcast_mut::<S>()
        .expect("one scratch type per call of `par_each_with`")
}

/// The work on block `b` of a slice of accumulators.
pub(crate) type BlockFn<'a, A> = dyn Fn(usize, &mut [A]) -> Result<(), Error> + Sync + 'a;

/// `out` in blocks of `size` (the last may be shorter), `f(b, block)` for
/// each on the current rayon pool, as `par_chunks_mut(size).enumerate()`.
pub(crate) fn par_chunks<A: Send>(
    out: &mut [A],
    size: usize,
    f: &BlockFn<'_, A>,
) -> Result<(), Error> {
    let size = size.max(1);
    let blocks = out.len().div_ceil(size);
    let out = DisjointSlice::new(out);
    par_for(blocks, &|b| {
        // SAFETY: `par_for` calls this once per `b`, and blocks of distinct
        // `b` do not overlap.
        f(b, unsafe { out.chunk(b, size) })
    })
}
