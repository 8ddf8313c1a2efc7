//! Arrays bigger than memory: a contiguous (C- or Fortran-order) array in
//! a file, reduced by the one engine a window at a time.
//!
//! The file is read with positioned reads (`pread`), never mapped, so a
//! file that shrinks meanwhile is a short read and an [`Error::File`],
//! not a `SIGBUS`. A chunk is a run of whole slabs along the slowest axis
//! in memory (axis 0 for C order, the last axis for Fortran order; when a
//! single slab is bigger than the window, a run of sub-slabs along the next
//! axis, and so on). Each thread claims the next chunk, reads it into its
//! own buffer of one window and reduces it there by [`engine::reduce`] as
//! an ordinary in-memory [`View`]; the chunks' accumulators are merged in
//! chunk order with the op's own `merge` into their output positions.
//! Memory: the output plus a window per thread, whatever the file size.
//!
//! ```
//! use ndreduce_core::reductions::{Output, Reduction, Request};
//! use ndreduce_core::stream::{reduce_file, Dtype, NpyFile};
//! use ndreduce_core::{Schedule, NEVER};
//! use std::sync::atomic::AtomicU64;
//!
//! let path = std::env::temp_dir().join(format!("ndreduce-doc-{}.bin", std::process::id()));
//! let values: Vec<u8> = [1i32, 5, 3, 4, 2, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
//! std::fs::write(&path, &values).unwrap();
//! let file = NpyFile { path: path.clone(), data_offset: 0, dtype: Dtype::I32, bools: false };
//! let request = Request::unpack(&[0.0, 0.0, 2.0, 2.0, 3.0, 3.0, 1.0, 1.0, 0.0], Schedule::Auto).unwrap();
//! let done = AtomicU64::new(0);
//! let max = reduce_file(&file, &request, Reduction::Max, 16, &done, &NEVER).unwrap();
//! assert_eq!(max, Output::I32(vec![4, 5, 6]));
//! assert_eq!(done.into_inner(), 24);
//! std::fs::remove_file(path).unwrap();
//! ```

mod geometry;
mod io;
mod merge;

use std::fs::File;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use geometry::{strides_over, Chunk, Geometry, Kept};
use io::{open_checked, read_elements, Plain};
use merge::{Done, Merge, OnUnwind, WorkerPools};

use crate::cancel::Cancel;
/// The element types a file can hold (NumPy's `<i1` .. `<f8`, `|b1` as uint8).
pub use crate::dtype::Dtype;
use crate::engine::{fold_into, reduce, Schedule};
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::reductions::{run, Output, Reduction, Request, Source};
use crate::view::View;
use crate::with_dtype;

/// The window a file reduction holds per thread, in bytes. Each thread
/// reduces its window right after reading it, so it should fit the core's
/// own cache (1 MiB of L2 on the development machine) with room for the
/// page cache's lines passing through; smaller windows pay the per-chunk
/// costs (a read call, a merge) more often. On a warm 1 GiB float64 file,
/// max along axis 0 measured alike with 256 KiB, 512 KiB and 1 MiB
/// windows and slower with 64 and 128 KiB (README, "Big files").
pub const DEFAULT_WINDOW: usize = 512 << 10;

/// Where the elements of a file are: `data_offset` bytes in, little-endian,
/// laid out as the request's shape and (C- or F-contiguous) strides say.
/// `bools`: one-byte NumPy bools (`|b1`, dtype `U8`), whose non-zero bytes
/// are read as 1.
#[derive(Clone, Debug)]
pub struct NpyFile {
    pub path: PathBuf,
    pub data_offset: u64,
    pub dtype: Dtype,
    pub bools: bool,
}

/// A file read chunk by chunk, as a [`Source`] for the one conversion of
/// accumulators to results.
struct FileSource<'a, T> {
    file: File,
    at: &'a NpyFile,
    geometry: Geometry,
    progress: &'a AtomicU64,
    element: PhantomData<T>,
}

impl<T: Plain> FileSource<'_, T> {
    /// The elements of `c`, read into `buf` (once `cancel` allows), as a
    /// view laid out as the file is.
    fn read<'b>(&self, c: &Chunk, buf: &'b mut [T], cancel: &Cancel) -> Result<View<'b, T>, Error> {
        let from = self.at.data_offset + (c.start * std::mem::size_of::<T>()) as u64;
        let buf = &mut buf[..c.len];
        cancel.check()?;
        read_elements(&self.file, &self.at.path, buf, from, self.at.bools)?;
        View::new(buf, &c.shape, &self.geometry.strides, 0)
    }
}

/// The op's side of a chunk in [`FileSource::chunks`]: reduce chunk `k`
/// (its elements read into a view, or the read's error) and hand it to
/// the merge; false once the workers are to stop.
type ChunkFn<'a, T> = dyn Fn(usize, Result<View<T>, Error>, &Chunk) -> bool + Sync + 'a;

/// The op's side of a band in [`FileSource::banded`]: fold a view of one
/// piece of the file into band `b` of the output.
type BandFn<'a, T> = dyn Fn(usize, &View<T>) -> Result<(), Error> + Sync + 'a;

impl<T: Plain> FileSource<'_, T> {
    /// Threads for `r` over `chunks` chunks.
    fn workers(r: &Request, chunks: usize) -> Result<usize, Error> {
        crate::pool::check_threads(r.threads)?;
        Ok(r.threads
            .unwrap_or_else(crate::pool::default_threads)
            .clamp(1, chunks.max(1)))
    }

    /// Reduces every chunk on `workers` threads, each with a buffer of one
    /// chunk: a thread claims the next chunk, reads it and reduces it
    /// serially straight away, while what the read just wrote is still in
    /// its core's cache, rather than filling a big buffer that the
    /// reduction then reads back from memory. The chunks' accumulators go
    /// through `localize` (which makes them about the whole array) and are
    /// merged by `combine` into their output positions in chunk order,
    /// whichever thread finishes first, so the result does not depend on the
    /// thread count or on timing.
    fn drive<O: Op<T>>(
        &self,
        op: &O,
        r: &Request,
        cancel: &Cancel,
        localize: impl Fn(&mut [O::Acc], &Chunk) + Sync,
        combine: impl Fn(O::Acc, O::Acc) -> O::Acc + Sync,
    ) -> Result<Vec<O::Acc>, Error> {
        let g = &self.geometry;
        let reduced: usize = r.axes.iter().map(|&a| g.shape[a]).product();
        if reduced == 0 && !O::HAS_IDENTITY {
            return Err(Error::ZeroSize { op: op.name() });
        }
        let out_len = (0..g.shape.len())
            .filter(|a| !r.axes.contains(a))
            .map(|a| g.shape[a])
            .product();
        let out = try_filled(out_len, op.init())?;
        if g.chunks == 0 {
            return Ok(out);
        }
        let workers = Self::workers(r, g.chunks)?;
        let merge = Merge::new(out, workers);
        let size = std::mem::size_of::<T>();
        let chunk = |k: usize, read: Result<View<T>, Error>, c: &Chunk| {
            let mut absorb = |out: &mut [O::Acc], at: Kept, accs: Vec<O::Acc>| match at {
                Kept::Run(from) => {
                    for (o, a) in out[from..from + accs.len()].iter_mut().zip(accs) {
                        *o = combine(*o, a);
                    }
                }
                Kept::List(at) => {
                    for (g, a) in at.into_iter().zip(accs) {
                        out[g] = combine(out[g], a);
                    }
                }
            };
            let local = read
                .and_then(|view| reduce(&view, &r.axes, op, Schedule::Auto, None, cancel))
                .map(|mut accs| {
                    // Outside the merge's lock, which the other workers wait for.
                    localize(&mut accs, c);
                    Done {
                        at: g.kept(&r.axes, c),
                        accs,
                        bytes: (c.len * size) as u64,
                    }
                });
            merge.put(k, local, &mut absorb, self.progress)
        };
        let turn = |k: usize| merge.wait_for(k);
        self.chunks(workers, cancel, (&turn, &|| merge.halt()), &chunk)?;
        merge.finish(g.chunks)?.map_err(|merged| self.lost(merged))
    }

    /// The error of a reduction that merged only `merged` of its chunks
    /// (a worker panicked).
    fn lost(&self, merged: usize) -> Error {
        Error::Panicked(format!(
            "{merged} of {} chunks of {} were reduced",
            self.geometry.chunks,
            self.at.path.display()
        ))
    }

    /// [`drive`](Self::drive)'s workers, whatever the op (compiled once per
    /// element type): each claims the next chunk once `turn` lets it, reads
    /// it into its own buffer and hands the view to `chunk`; a worker that
    /// panics calls `halt` (the merge's), so that none waits for its chunk.
    fn chunks(
        &self,
        workers: usize,
        cancel: &Cancel,
        (turn, halt): (&(dyn Fn(usize) -> bool + Sync), &(dyn Fn() + Sync)),
        chunk: &ChunkFn<T>,
    ) -> Result<(), Error> {
        let g = &self.geometry;
        let buffers = (0..workers)
            .map(|_| try_filled(g.capacity(), T::NIL).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let pools = WorkerPools::take(workers)?;
        let claims = AtomicUsize::new(0);
        let work = |w: usize| {
            let _wake = OnUnwind(halt);
            let mut buf = buffers[w].lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let k = claims.fetch_add(1, Ordering::Relaxed);
                if k >= g.chunks || !turn(k) {
                    return;
                }
                let c = g.chunk(k);
                if !chunk(k, self.read(&c, &mut buf, cancel), &c) {
                    return;
                }
                // With as many workers as cores, a thread that woke meanwhile
                // (Node's main thread, for its timers) would otherwise wait
                // for a worker's time slice to end: milliseconds, against
                // the microseconds of a chunk.
                std::thread::yield_now();
            }
        };
        pools.run(&work);
        Ok(())
    }
}

impl<T: Plain> FileSource<'_, T> {
    /// Bands of the output, for a C-order file whose reduced axes are all
    /// slower than the split axis and whose kept ones are it and all faster
    /// ones (axis 0 of a file whose rows are wider than a window): every
    /// chunk then folds one element into each of its outputs, so an ordered
    /// merge would touch every element under a lock. Instead the output is
    /// cut into bands along the split axis, each owned by one worker, which
    /// folds the band's piece of every row into it in file order with
    /// [`fold_into`]: no merge, no lock, the same order whatever the thread
    /// count. `None` where the layout is not this one.
    fn drive_banded<O: Op<T>>(
        &self,
        op: &O,
        r: &Request,
        cancel: &Cancel,
    ) -> Option<Result<Vec<O::Acc>, Error>> {
        let g = &self.geometry;
        let s = g.split;
        let c_order = g.order.iter().enumerate().all(|(k, &a)| k == a);
        let banded = c_order
            && s > 0
            && (0..g.shape.len()).all(|a| (a < s) == r.axes.contains(&a))
            && g.chunks > 0;
        if !banded {
            return None;
        }
        Some(self.bands(op, r, cancel))
    }

    /// Band width and count for `r`: at most a window, at least one band
    /// per worker.
    fn band_width(&self, r: &Request) -> Result<(usize, usize), Error> {
        let g = &self.geometry;
        let across = g.shape[g.split];
        crate::pool::check_threads(r.threads)?;
        let wanted = r
            .threads
            .unwrap_or_else(crate::pool::default_threads)
            .max(1);
        let width = g.rows.min(across.div_ceil(wanted)).max(1);
        Ok((width, across.div_ceil(width)))
    }

    fn bands<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        let g = &self.geometry;
        let (width, _) = self.band_width(r)?;
        let inner = g.inner[g.split];
        let mut out = try_filled(g.shape[g.split] * inner, op.init())?;
        let owned: Vec<Mutex<&mut [O::Acc]>> =
            out.chunks_mut(width * inner).map(Mutex::new).collect();
        // A band is one worker's alone: its lock is never contended.
        let band = |b: usize, view: &View<T>| {
            let mut band = owned[b].lock().unwrap_or_else(|e| e.into_inner());
            fold_into(view, &r.axes, op, None, cancel, &mut band)
        };
        self.banded(r, cancel, &band)?;
        drop(owned);
        Ok(out)
    }

    /// [`bands`](Self::bands)' workers, whatever the op (compiled once per
    /// element type): worker `w` takes bands `w`, `w + workers`, ..., and
    /// hands each piece of the file in its band to `band`, in file order.
    fn banded(&self, r: &Request, cancel: &Cancel, band: &BandFn<T>) -> Result<(), Error> {
        let g = &self.geometry;
        let across = g.shape[g.split];
        let (width, bands) = self.band_width(r)?;
        let wanted = r
            .threads
            .unwrap_or_else(crate::pool::default_threads)
            .max(1);
        let workers = wanted.min(bands);
        let inner = g.inner[g.split];
        let buffers = (0..workers)
            .map(|_| try_filled(width * inner, T::NIL).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let failed: Mutex<Option<Error>> = Mutex::new(None);
        let size = std::mem::size_of::<T>();
        let tuples = g.tuples();
        let pools = WorkerPools::take(workers)?;
        let work = |w: usize| {
            let mut buf = buffers[w].lock().unwrap_or_else(|e| e.into_inner());
            for b in (w..bands).step_by(workers) {
                let len = width.min(across - b * width);
                for t in 0..tuples {
                    if failed.lock().map_or(true, |f| f.is_some()) {
                        return;
                    }
                    let c = g.piece(t, b * width, len);
                    let step = self
                        .read(&c, &mut buf, cancel)
                        .and_then(|view| band(b, &view));
                    if let Err(e) = step {
                        let mut f = failed.lock().unwrap_or_else(|e| e.into_inner());
                        f.get_or_insert(e);
                        return;
                    }
                    self.progress
                        .fetch_add((c.len * size) as u64, Ordering::Relaxed);
                    // As in `drive`: let a woken thread (Node's) run.
                    std::thread::yield_now();
                }
            }
        };
        pools.run(&work);
        match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<T: Plain> Source<T> for FileSource<'_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        if let Some(done) = self.drive_banded(op, r, cancel) {
            return done;
        }
        self.drive(op, r, cancel, |_, _| {}, |a, b| op.merge(a, b))
    }

    fn fold_arg<O: Op<T, Acc = (T, usize)>>(
        &self,
        op: &O,
        r: &Request,
        cancel: &Cancel,
    ) -> Result<Vec<(T, usize)>, Error> {
        let global = strides_over(&self.geometry.shape, r.axes.iter().copied());
        let localize = |local: &mut [(T, usize)], c: &Chunk| {
            for (_, i) in local {
                if *i == crate::ops::NO_INDEX {
                    continue;
                }
                // The chunk's flat index over its reduced axes, as one over
                // the whole array's.
                let (mut rest, mut index) = (*i, 0);
                for &a in r.axes.iter().rev() {
                    index += (c.origin[a] + rest % c.shape[a]) * global[a];
                    rest /= c.shape[a];
                }
                *i = index;
            }
        };
        self.drive(op, r, cancel, localize, |a, b| merge_arg(op, a, b))
    }
}

/// The arg ops' merge when chunks do not come in C order of the reduced
/// axes (a Fortran-order file): on a tie, the lower index wins.
fn merge_arg<T: crate::scalar::Scalar, O: Op<T, Acc = (T, usize)>>(
    op: &O,
    a: (T, usize),
    b: (T, usize),
) -> (T, usize) {
    let (ab, ba) = (op.merge(a, b), op.merge(b, a));
    if ab.1 == ba.1 {
        ab
    } else if a.1 <= b.1 {
        a
    } else {
        b
    }
}

fn reduce_typed<T: Plain>(
    opened: Option<&File>,
    at: &NpyFile,
    r: &Request,
    op: Reduction,
    window: usize,
    progress: &AtomicU64,
    cancel: &Cancel,
) -> Result<Output, Error> {
    if cfg!(target_endian = "big") {
        return Err(Error::File {
            message: "only little-endian hosts are supported".into(),
        });
    }
    if r.offset != 0 {
        return Err(Error::BadOption {
            field: "offset",
            value: format!("{} (a file's array starts at its data offset)", r.offset),
        });
    }
    let size = std::mem::size_of::<T>();
    if at.bools && size != 1 {
        return Err(Error::BadOption {
            field: "dtype",
            value: format!("{:?} (bools are one byte)", at.dtype),
        });
    }
    let geometry = Geometry::new(&r.shape, &r.strides, window / size)?;
    let needs = geometry.total as u64 * size as u64;
    let file = open_checked(opened, &at.path, at.data_offset, needs, &r.shape)?;
    let source = FileSource::<T> {
        file,
        at,
        geometry,
        progress,
        element: PhantomData,
    };
    run(&source, r, op, cancel)
}

/// Reduces the array of `file` as `request` says (its shape, its C- or
/// F-contiguous strides, offset 0), reading at most `window` bytes at a
/// time; `progress` grows by the bytes reduced. The results are those of
/// [`crate::reductions::reduce_data`] on the same array (float sums within
/// rounding: the chunks' compensated sums merge in another order).
pub fn reduce_file(
    file: &NpyFile,
    request: &Request,
    op: Reduction,
    window: usize,
    progress: &AtomicU64,
    cancel: &Cancel,
) -> Result<Output, Error> {
    with_dtype!(read_as(file, op), type T => reduce_typed::<T>(None, file, request, op, window, progress, cancel))
}

/// [`reduce_file`] on a file the caller has opened: `at.path` only names
/// it in messages and is never opened, so that what was checked (the
/// header, that it is a regular file) is what is read, whatever the path
/// names by now. A file that is not a regular one is an error.
pub fn reduce_opened(
    opened: &File,
    at: &NpyFile,
    request: &Request,
    op: Reduction,
    window: usize,
    progress: &AtomicU64,
    cancel: &Cancel,
) -> Result<Output, Error> {
    with_dtype!(read_as(at, op), type T => reduce_typed::<T>(Some(opened), at, request, op, window, progress, cancel))
}

/// The type `file`'s elements are read as for `op`: unsigned ones as
/// signed for the reductions that test against zero (see
/// [`crate::dtype::Data::as_signed`]).
fn read_as(file: &NpyFile, op: Reduction) -> Dtype {
    if crate::reductions::tests_zero(op) {
        file.dtype.as_signed()
    } else {
        file.dtype
    }
}

#[cfg(test)]
mod tests;
