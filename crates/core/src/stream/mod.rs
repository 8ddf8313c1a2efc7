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
//! let file = NpyFile { path: path.clone(), data_offset: 0, dtype: Dtype::I32 };
//! let request = Request::unpack(&[0.0, 0.0, 2.0, 2.0, 3.0, 3.0, 1.0, 1.0, 0.0], Schedule::Auto).unwrap();
//! let done = AtomicU64::new(0);
//! let max = reduce_file(&file, &request, Reduction::Max, 16, &done, &NEVER).unwrap();
//! assert_eq!(max, Output::I32(vec![4, 5, 6]));
//! assert_eq!(done.into_inner(), 24);
//! std::fs::remove_file(path).unwrap();
//! ```

use std::fs::File;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::cancel::Cancel;
use crate::engine::{reduce, Schedule};
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::reductions::{run, Output, Reduction, Request, Source, Typed};
use crate::view::View;

/// The window a file reduction holds per thread, in bytes. Each thread
/// reduces its window right after reading it, so it should fit the core's
/// own cache (1 MiB of L2 on the development machine) with room for the
/// page cache's lines passing through; smaller windows pay the per-chunk
/// costs (a read call, a merge) more often. On a warm 1 GiB float64 file,
/// max along axis 0 measured alike with 256 KiB, 512 KiB and 1 MiB
/// windows and slower with 64 and 128 KiB (README, "Big files").
pub const DEFAULT_WINDOW: usize = 512 << 10;

/// The element types a file can hold (NumPy's `<i1` .. `<f8`, `|b1` as uint8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl std::str::FromStr for Dtype {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "int8" => Dtype::I8,
            "uint8" => Dtype::U8,
            "int16" => Dtype::I16,
            "uint16" => Dtype::U16,
            "int32" => Dtype::I32,
            "uint32" => Dtype::U32,
            "int64" => Dtype::I64,
            "uint64" => Dtype::U64,
            "float32" => Dtype::F32,
            "float64" => Dtype::F64,
            _ => {
                return Err(Error::BadOption {
                    field: "dtype",
                    value: format!("{s:?} (expected int8 .. uint64, float32 or float64)"),
                })
            }
        })
    }
}

/// Where the elements of a file are: `data_offset` bytes in, little-endian,
/// laid out as the request's shape and (C- or F-contiguous) strides say.
#[derive(Clone, Debug)]
pub struct NpyFile {
    pub path: PathBuf,
    pub data_offset: u64,
    pub dtype: Dtype,
}

/// The primitive numbers, whose bytes may be written freely: private, so
/// no other type can be read from a file as if it were one.
trait Plain: Typed {}
macro_rules! plain {
    ($($t:ty),*) => {$( impl Plain for $t {} )*};
}
plain!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

fn bytes_of<T: Plain>(v: &mut [T]) -> &mut [u8] {
    // `Plain` is implemented only for primitive integers and floats (above,
    // and nowhere else: the trait is private); the borrow of `v` is held
    // for the result's life.
    // SAFETY: those types have no padding and every bit pattern is a valid
    // value; the length is exactly the slice's size; u8 needs no alignment.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// Fills `buf` from `offset`, or fails; a short read is `UnexpectedEof`.
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(file, buf, offset);
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset);
        match n {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// How a contiguous array splits into chunks of at most a window each.
#[derive(Debug)]
struct Geometry {
    shape: Vec<usize>,
    strides: Vec<isize>,
    /// Axes from the slowest in memory to the fastest.
    order: Vec<usize>,
    /// Elements per step of `order[k]`.
    inner: Vec<usize>,
    /// Chunks cover every index of `order[..split]` one at a time and
    /// `rows` indices of `order[split]` at once.
    split: usize,
    rows: usize,
    /// Chunks per index tuple of `order[..split]`.
    runs: usize,
    chunks: usize,
    total: usize,
}

/// Where a chunk's accumulators go in the output: a run from a position,
/// or a list of positions.
enum Kept {
    Run(usize),
    List(Vec<usize>),
}

/// One chunk: `len` elements from element `start`, the sub-array of
/// `shape` whose first element is at `origin`.
struct Chunk {
    start: usize,
    len: usize,
    shape: Vec<usize>,
    origin: Vec<usize>,
}

impl Geometry {
    /// `strides` must be those of a contiguous array in some axis order
    /// (C or Fortran for a .npy file); `window` counts elements.
    fn new(shape: &[usize], strides: &[isize], window: usize) -> Result<Geometry, Error> {
        let n = shape.len();
        let total = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&t| t <= isize::MAX as usize)
            .ok_or_else(|| Error::ShapeOverflow {
                shape: shape.to_vec(),
            })?;
        let mut order: Vec<usize> = (0..n).collect();
        // Slowest first; a stable sort keeps C order among equal strides
        // (axes of length 1, whose stride is never used).
        order.sort_by_key(|&a| std::cmp::Reverse(strides[a]));
        let mut inner = vec![0; n];
        let mut step = 1usize;
        for k in (0..n).rev() {
            let a = order[k];
            if total > 0 && shape[a] > 1 && strides[a] != step as isize {
                return Err(Error::BadOption {
                    field: "strides",
                    value: format!(
                        "{strides:?} for shape {shape:?} (a file holds a contiguous array)"
                    ),
                });
            }
            inner[k] = step;
            step = step.saturating_mul(shape[a]);
        }
        let window = window.max(1);
        let split = (0..n).find(|&k| inner[k] <= window).unwrap_or(n - 1);
        let len = shape[order[split]];
        let rows = (window / inner[split]).clamp(1, len.max(1));
        let runs = len.div_ceil(rows);
        let chunks = if total == 0 {
            0
        } else {
            order[..split].iter().map(|&a| shape[a]).product::<usize>() * runs
        };
        Ok(Geometry {
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            order,
            inner,
            split,
            rows,
            runs,
            chunks,
            total,
        })
    }

    /// The largest chunk, in elements.
    fn capacity(&self) -> usize {
        self.rows * self.inner[self.split]
    }

    fn chunk(&self, k: usize) -> Chunk {
        let (mut rest, run) = (k / self.runs, k % self.runs);
        let mut shape = self.shape.clone();
        let mut origin = vec![0; self.shape.len()];
        let mut start = 0;
        for j in (0..self.split).rev() {
            let a = self.order[j];
            origin[a] = rest % self.shape[a];
            rest /= self.shape[a];
            shape[a] = 1;
            start += origin[a] * self.inner[j];
        }
        let a = self.order[self.split];
        origin[a] = run * self.rows;
        shape[a] = self.rows.min(self.shape[a] - origin[a]);
        start += origin[a] * self.inner[self.split];
        Chunk {
            start,
            len: shape[a] * self.inner[self.split],
            shape,
            origin,
        }
    }
}

/// C-order strides over `axes` (sorted) of `shape`, zero elsewhere.
fn strides_over(shape: &[usize], axes: impl DoubleEndedIterator<Item = usize>) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut step = 1;
    for a in axes.rev() {
        s[a] = step;
        step *= shape[a];
    }
    s
}

/// The merge of chunks' accumulators into the output, in chunk order,
/// shared by the workers of [`FileSource::drive`].
struct Merge<A, P> {
    state: Mutex<Merged<A, P>>,
    /// Signalled, when someone waits, as `next` moves or the workers stop.
    turn: Condvar,
    /// `state.next`, readable without the lock.
    merged: AtomicUsize,
    /// `state.stopped`, readable without the lock.
    stop: AtomicBool,
    /// How far past `next` a worker may claim a chunk.
    ahead: usize,
}

struct Merged<A, P> {
    out: Vec<A>,
    /// The next chunk to merge; those after it that are done wait in
    /// `pending`.
    next: usize,
    pending: Vec<(usize, P)>,
    /// The error of the lowest chunk that failed.
    failed: Option<(usize, Error)>,
    stopped: bool,
    waiting: usize,
}

impl<A, P> Merge<A, P> {
    fn lock(&self) -> MutexGuard<'_, Merged<A, P>> {
        // A worker that panicked holding the lock leaves nothing half
        // merged that matters: its panic is what the caller gets.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until chunk `k` is within `ahead` of the merge; false once the
    /// workers are to stop.
    fn wait_for(&self, k: usize) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        if k < self.merged.load(Ordering::Acquire) + self.ahead {
            return true;
        }
        let mut s = self.lock();
        while !s.stopped && k >= s.next + self.ahead {
            s.waiting += 1;
            s = self.turn.wait(s).unwrap_or_else(|e| e.into_inner());
            s.waiting -= 1;
        }
        !s.stopped
    }

    /// Hands in chunk `k`'s accumulators, or its error, and merges with
    /// `absorb` every chunk whose turn has come; false once the workers are
    /// to stop.
    fn put(&self, k: usize, local: Result<P, Error>, absorb: impl Fn(&mut [A], P)) -> bool {
        let mut guard = self.lock();
        let s = &mut *guard;
        match local {
            Ok(local) if !s.stopped => {
                s.pending.push((k, local));
                while let Some(at) = s.pending.iter().position(|p| p.0 == s.next) {
                    let (_, local) = s.pending.swap_remove(at);
                    absorb(&mut s.out, local);
                    s.next += 1;
                }
                self.merged.store(s.next, Ordering::Release);
            }
            Ok(_) => {}
            Err(e) => {
                if s.failed.as_ref().is_none_or(|f| k < f.0) {
                    s.failed = Some((k, e));
                }
                s.stopped = true;
                self.stop.store(true, Ordering::Relaxed);
            }
        }
        if s.waiting > 0 {
            self.turn.notify_all();
        }
        !s.stopped
    }
}

/// Stops the other workers when one panics, so that none waits for a
/// merge that will not come.
struct WakeOnUnwind<'a, A, P>(&'a Merge<A, P>);

impl<A, P> Drop for WakeOnUnwind<'_, A, P> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut s = self.0.lock();
            s.stopped = true;
            self.0.stop.store(true, Ordering::Relaxed);
            self.0.turn.notify_all();
        }
    }
}

/// Runs `work` once per item, each on its own pool, all at once; returns
/// when every one has (re-raising a panic of any).
fn on_pools<B: Send>(pools: &[rayon::ThreadPool], mut items: Vec<B>, work: &(impl Fn(B) + Sync)) {
    if let (Some((pool, rest)), Some(item)) = (pools.split_first(), items.pop()) {
        pool.in_place_scope(|s| {
            s.spawn(move |_| work(item));
            on_pools(rest, items, work);
        });
    }
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
    fn read(&self, buf: &mut [T], start: usize) -> Result<(), Error> {
        let size = std::mem::size_of::<T>() as u64;
        let from = self.at.data_offset + start as u64 * size;
        read_at(&self.file, bytes_of(buf), from).map_err(|e| Error::File {
            message: if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!(
                    "{} shrank while being read: it ends before byte {}",
                    self.at.path.display(),
                    from + std::mem::size_of_val(buf) as u64
                )
            } else {
                format!("reading {}: {e}", self.at.path.display())
            },
        })
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
            return Err(Error::ZeroSize { op: O::NAME });
        }
        let out_len = (0..g.shape.len())
            .filter(|a| !r.axes.contains(a))
            .map(|a| g.shape[a])
            .product();
        let out = try_filled(out_len, op.init())?;
        if g.chunks == 0 {
            return Ok(out);
        }
        crate::pool::check_threads(r.threads)?;
        let workers = r
            .threads
            .unwrap_or_else(crate::pool::default_threads)
            .clamp(1, g.chunks);
        let buffers = (0..workers)
            .map(|_| try_filled(g.capacity(), T::NIL))
            .collect::<Result<Vec<_>, _>>()?;
        // A pool of one thread per worker: the engine sizes its parallelism
        // by the pool it runs on, so on these it folds a chunk serially,
        // on the thread that read it.
        let pools = (0..workers)
            .map(|i| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(move |_| format!("ndreduce-file-{i}"))
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::BadOption {
                field: "threads",
                value: e.to_string(),
            })?;
        let merge = Merge {
            state: Mutex::new(Merged {
                out,
                next: 0,
                pending: Vec::new(),
                failed: None,
                stopped: false,
                waiting: 0,
            }),
            turn: Condvar::new(),
            merged: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            // Chunks reduced ahead of the merge wait in `pending`; this
            // bounds them (and their memory) when one worker is descheduled.
            ahead: 4 * workers,
        };
        let claims = AtomicUsize::new(0);
        let work = |mut buf: Vec<T>| {
            let _wake = WakeOnUnwind(&merge);
            loop {
                let k = claims.fetch_add(1, Ordering::Relaxed);
                if k >= g.chunks || !merge.wait_for(k) {
                    return;
                }
                let c = g.chunk(k);
                let local = cancel
                    .check()
                    .and_then(|()| self.read(&mut buf[..c.len], c.start))
                    .and_then(|()| View::new(&buf[..c.len], &c.shape, &g.strides, 0))
                    .and_then(|view| reduce(&view, &r.axes, op, Schedule::Auto, None, cancel))
                    .map(|mut accs| {
                        // Outside the merge's lock, which the other workers wait for.
                        localize(&mut accs, &c);
                        let bytes = (c.len * std::mem::size_of::<T>()) as u64;
                        (self.kept(r, &c), accs, bytes)
                    });
                let done = merge.put(k, local, |out, (at, accs, bytes)| {
                    match at {
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
                    }
                    self.progress.fetch_add(bytes, Ordering::Relaxed);
                });
                if !done {
                    return;
                }
                // With as many workers as cores, a thread that woke meanwhile
                // (Node's main thread, for its timers) would otherwise wait
                // for a worker's time slice to end: milliseconds, against
                // the microseconds of a chunk.
                std::thread::yield_now();
            }
        };
        on_pools(&pools, buffers, &work);
        let merged = merge.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some((_, e)) = merged.failed {
            return Err(e);
        }
        if merged.next != g.chunks {
            return Err(Error::Panicked(format!(
                "{} of {} chunks of {} were reduced",
                merged.next,
                g.chunks,
                self.at.path.display()
            )));
        }
        Ok(merged.out)
    }

    /// The output positions of a chunk's kept positions, in its C order.
    fn kept(&self, r: &Request, c: &Chunk) -> Kept {
        let n = c.shape.len();
        let kept: Vec<usize> = (0..n).filter(|a| !r.axes.contains(a)).collect();
        let global = strides_over(&self.geometry.shape, kept.iter().copied());
        // One run when, from the fastest kept axis, the chunk spans whole
        // axes, then part of one, then single indices (the usual case: a
        // run of slabs or sub-slabs).
        let mut partial = false;
        let run = kept.iter().rev().all(|&a| {
            if partial {
                c.shape[a] == 1
            } else {
                partial = c.shape[a] != self.geometry.shape[a];
                true
            }
        });
        if run {
            return Kept::Run(kept.iter().map(|&a| c.origin[a] * global[a]).sum());
        }
        let count: usize = kept.iter().map(|&a| c.shape[a]).product();
        let mut index: Vec<usize> = kept.iter().map(|&a| c.origin[a]).collect();
        let mut at: usize = kept.iter().map(|&a| c.origin[a] * global[a]).sum();
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(at);
            for (j, &a) in kept.iter().enumerate().rev() {
                index[j] += 1;
                at += global[a];
                if index[j] < c.origin[a] + c.shape[a] {
                    break;
                }
                index[j] = c.origin[a];
                at -= c.shape[a] * global[a];
            }
        }
        Kept::List(out)
    }
}

impl<T: Plain> Source<T> for FileSource<'_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
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
    let geometry = Geometry::new(&r.shape, &r.strides, window / size)?;
    let file = File::open(&at.path).map_err(|e| Error::File {
        message: format!("opening {}: {e}", at.path.display()),
    })?;
    let needs = geometry.total as u64 * size as u64;
    let has = file
        .metadata()
        .map_err(|e| Error::File {
            message: format!("reading {}: {e}", at.path.display()),
        })?
        .len()
        .saturating_sub(at.data_offset);
    if has < needs {
        return Err(Error::File {
            message: format!(
                "data is truncated: shape {:?} needs {needs} bytes, the file has {has}",
                r.shape
            ),
        });
    }
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
    let (r, w, p, c) = (request, window, progress, cancel);
    match file.dtype {
        Dtype::I8 => reduce_typed::<i8>(file, r, op, w, p, c),
        Dtype::U8 => reduce_typed::<u8>(file, r, op, w, p, c),
        Dtype::I16 => reduce_typed::<i16>(file, r, op, w, p, c),
        Dtype::U16 => reduce_typed::<u16>(file, r, op, w, p, c),
        Dtype::I32 => reduce_typed::<i32>(file, r, op, w, p, c),
        Dtype::U32 => reduce_typed::<u32>(file, r, op, w, p, c),
        Dtype::I64 => reduce_typed::<i64>(file, r, op, w, p, c),
        Dtype::U64 => reduce_typed::<u64>(file, r, op, w, p, c),
        Dtype::F32 => reduce_typed::<f32>(file, r, op, w, p, c),
        Dtype::F64 => reduce_typed::<f64>(file, r, op, w, p, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reductions::{reduce_data, Data};
    use crate::NEVER;

    const OPS: [&str; 23] = [
        "min",
        "max",
        "nanmin",
        "nanmax",
        "minmax",
        "nanminmax",
        "ptp",
        "sum",
        "nansum",
        "prod",
        "mean",
        "nanmean",
        "var",
        "nanvar",
        "std",
        "nanstd",
        "argmin",
        "argmax",
        "nanargmin",
        "nanargmax",
        "any",
        "all",
        "countNonzero",
    ];

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("ndreduce-stream-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn request(shape: &[usize], fortran: bool, axes: &[usize]) -> Request {
        let n = shape.len();
        let mut strides = vec![0isize; n];
        let mut step = 1;
        for k in 0..n {
            let a = if fortran { k } else { n - 1 - k };
            strides[a] = step;
            step *= shape[a] as isize;
        }
        let mut layout = vec![0.0, 0.0, n as f64];
        layout.extend(shape.iter().map(|&d| d as f64));
        layout.extend(strides.iter().map(|&s| s as f64));
        layout.push(axes.len() as f64);
        layout.extend(axes.iter().map(|&a| a as f64));
        Request::unpack(&layout, Schedule::Auto).unwrap()
    }

    fn close(a: &Output, b: &Output) -> bool {
        match (a, b) {
            (Output::F64(a), Output::F64(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| {
                        (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * (1.0 + y.abs())
                    })
            }
            _ => a == b,
        }
    }

    fn every_subset(n: usize) -> impl Iterator<Item = Vec<usize>> {
        (0..1usize << n).map(move |m| (0..n).filter(|a| m >> a & 1 == 1).collect())
    }

    /// Every op, every axis subset, C and F order and windows from one
    /// element to the whole array give the in-memory results.
    #[test]
    fn files_reduce_as_memory_does() {
        let shape = [3, 4, 5];
        let n: usize = shape.iter().product();
        // Ties (values repeat), negative values and, in floats, NaN.
        let ints: Vec<i16> = (0..n).map(|i| ((i * 7919) % 11) as i16 - 5).collect();
        let floats: Vec<f64> = (0..n)
            .map(|i| {
                if i % 13 == 4 {
                    f64::NAN
                } else {
                    ((i * 7919) % 17) as f64 * 0.25 - 2.0
                }
            })
            .collect();
        let int_path = temp(
            "ints",
            &ints
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>(),
        );
        let mut float_bytes = vec![7u8; 16]; // a data offset, as after a header
        float_bytes.extend(floats.iter().flat_map(|v| v.to_le_bytes()));
        let float_path = temp("floats", &float_bytes);
        let files = [
            (
                NpyFile {
                    path: int_path.clone(),
                    data_offset: 0,
                    dtype: Dtype::I16,
                },
                Data::I16(&ints),
                2,
            ),
            (
                NpyFile {
                    path: float_path.clone(),
                    data_offset: 16,
                    dtype: Dtype::F64,
                },
                Data::F64(&floats),
                8,
            ),
        ];
        for (file, data, size) in &files {
            for fortran in [false, true] {
                for axes in every_subset(3) {
                    let r = request(&shape, fortran, &axes);
                    for op in OPS {
                        let op: Reduction = op.parse().unwrap();
                        let expected = reduce_data(*data, &r, op, &NEVER);
                        for window in [
                            2 * size,
                            2 * size * 3,
                            2 * size * 7,
                            2 * size * 25,
                            DEFAULT_WINDOW,
                        ] {
                            let done = AtomicU64::new(0);
                            let got = reduce_file(file, &r, op, window, &done, &NEVER);
                            let same = match (&expected, &got) {
                                (Ok(a), Ok(b)) => close(a, b),
                                (Err(a), Err(b)) => a == b,
                                _ => false,
                            };
                            assert!(same, "{op:?} axes {axes:?} fortran {fortran} window {window}: {expected:?} vs {got:?}");
                            if got.is_ok() {
                                assert_eq!(done.into_inner(), (n * size) as u64);
                            }
                        }
                    }
                }
            }
        }
        std::fs::remove_file(int_path).unwrap();
        std::fs::remove_file(float_path).unwrap();
    }

    /// Many chunks on one to eight threads give the in-memory results, and
    /// the very same float sums whatever the thread count: each chunk is
    /// folded serially and merged in chunk order.
    #[test]
    fn chunks_reduced_on_several_threads_merge_in_order() {
        let (rows, cols) = (600, 100);
        let values: Vec<f64> = (0..rows * cols)
            .map(|i| {
                let big = if i % 7 == 0 { 1e12 } else { 0.0 };
                ((i * 7919) % 1_000_003) as f64 * 1e-3 - 500.0 + big
            })
            .collect();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let path = temp("threads", &bytes);
        let file = NpyFile {
            path: path.clone(),
            data_offset: 0,
            dtype: Dtype::F64,
        };
        for fortran in [false, true] {
            for axes in [vec![0], vec![1], vec![0, 1]] {
                let base = request(&[rows, cols], fortran, &axes);
                for op in [
                    Reduction::Sum,
                    Reduction::ArgMax,
                    Reduction::Min,
                    Reduction::Var,
                ] {
                    let expected = reduce_data(Data::F64(&values), &base, op, &NEVER).unwrap();
                    let mut first: Option<Output> = None;
                    for threads in [1, 2, 3, 8] {
                        let r = Request {
                            threads: Some(threads),
                            ..base.clone()
                        };
                        let done = AtomicU64::new(0);
                        // Windows of 700 elements: 7 rows of the C-order
                        // array, 1 column of the Fortran one; ~100 chunks.
                        let got = reduce_file(&file, &r, op, 7 * 8 * 100, &done, &NEVER).unwrap();
                        let what =
                            format!("{op:?} axes {axes:?} fortran {fortran} threads {threads}");
                        assert!(close(&expected, &got), "{what}: {expected:?} vs {got:?}");
                        assert_eq!(done.into_inner(), bytes.len() as u64, "{what}");
                        match &first {
                            Some(f) => assert_eq!(f, &got, "{what}"),
                            None => first = Some(got),
                        }
                    }
                }
            }
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn truncated_and_shrunk_files_are_errors() {
        let path = temp("short", &[0u8; 40]);
        let file = NpyFile {
            path: path.clone(),
            data_offset: 0,
            dtype: Dtype::F64,
        };
        let r = request(&[2, 3], false, &[0]);
        let done = AtomicU64::new(0);
        let e = reduce_file(&file, &r, Reduction::Max, 32, &done, &NEVER).unwrap_err();
        assert_eq!(e.code(), "ERR_NDREDUCE_BAD_NPY");
        assert!(e.to_string().contains("truncated"), "{e}");
        // A file that was long enough when checked and is short when read
        // (it shrank meanwhile): the reader's short read is the error.
        let source = FileSource::<f64> {
            file: File::open(&path).unwrap(),
            at: &file,
            geometry: Geometry::new(&[2, 3], &[3, 1], 2).unwrap(),
            progress: &done,
            element: PhantomData,
        };
        let e = run(&source, &r, Reduction::Max, &NEVER).unwrap_err();
        assert_eq!(e.code(), "ERR_NDREDUCE_BAD_NPY");
        assert!(e.to_string().contains("shrank"), "{e}");
        std::fs::remove_file(path).unwrap();
        let e = reduce_file(&file, &r, Reduction::Max, 32, &done, &NEVER).unwrap_err();
        assert!(e.to_string().contains("opening"), "{e}");
    }

    #[test]
    fn a_cancelled_reduction_stops() {
        let path = temp("cancel", &[0u8; 800]);
        let file = NpyFile {
            path: path.clone(),
            data_offset: 0,
            dtype: Dtype::F64,
        };
        let cancel = Cancel::new();
        cancel.cancel();
        let done = AtomicU64::new(0);
        let r = request(&[10, 10], false, &[0, 1]);
        let e = reduce_file(&file, &r, Reduction::Sum, 32, &done, &cancel).unwrap_err();
        assert_eq!(e, Error::Aborted);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn chunks_split_below_the_slowest_axis_when_a_slab_exceeds_the_window() {
        let g = Geometry::new(&[2, 3, 4], &[12, 4, 1], 5).unwrap();
        assert_eq!((g.split, g.rows, g.chunks, g.capacity()), (1, 1, 6, 4));
        let f = Geometry::new(&[2, 3, 4], &[1, 2, 6], 5).unwrap();
        assert_eq!(
            (f.order.clone(), f.split, f.rows, f.chunks),
            (vec![2, 1, 0], 1, 2, 8)
        );
        assert!(Geometry::new(&[2, 3], &[1, 1], 4).is_err());
    }
}
