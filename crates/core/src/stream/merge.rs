//! The ordered merge of chunks' accumulators, shared by the workers of a
//! file reduction, and the single-thread pools those workers run on.
//! Generic in the accumulator type only: the op's own loops come in as
//! one closure per merged chunk.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rayon::{ThreadPool, ThreadPoolBuilder};

use super::geometry::Kept;
use crate::error::Error;

/// A reduced chunk on its way into the output.
pub(super) struct Done<A> {
    /// Where its accumulators go in the output.
    pub at: Kept,
    pub accs: Vec<A>,
    /// Bytes of the file it covers, for the progress counter.
    pub bytes: u64,
}

/// Merges a chunk's accumulators into their places in the output.
pub(super) type Absorb<'a, A> = dyn FnMut(&mut [A], Kept, Vec<A>) + 'a;

/// The merge of chunks' accumulators into the output, in chunk order.
pub(super) struct Merge<A> {
    state: Mutex<Merged<A>>,
    /// Signalled, when someone waits, as `next` moves or the workers stop.
    turn: Condvar,
    /// `state.next`, readable without the lock.
    merged: AtomicUsize,
    /// `state.stopped`, readable without the lock.
    stop: AtomicBool,
    /// How far past `next` a worker may claim a chunk.
    ahead: usize,
}

struct Merged<A> {
    out: Vec<A>,
    /// The next chunk to merge; those after it that are done wait in
    /// `pending`.
    next: usize,
    pending: Vec<(usize, Done<A>)>,
    /// The error of the lowest chunk that failed.
    failed: Option<(usize, Error)>,
    stopped: bool,
    waiting: usize,
}

impl<A> Merge<A> {
    /// A merge into `out` for `workers` workers.
    pub(super) fn new(out: Vec<A>, workers: usize) -> Self {
        Merge {
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
        }
    }

    fn lock(&self) -> MutexGuard<'_, Merged<A>> {
        // A worker that panicked holding the lock leaves nothing half
        // merged that matters: its panic is what the caller gets.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until chunk `k` is within `ahead` of the merge; false once the
    /// workers are to stop.
    pub(super) fn wait_for(&self, k: usize) -> bool {
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
    /// `absorb` every chunk whose turn has come, counting its bytes into
    /// `progress`; false once the workers are to stop.
    pub(super) fn put(
        &self,
        k: usize,
        local: Result<Done<A>, Error>,
        absorb: &mut Absorb<'_, A>,
        progress: &AtomicU64,
    ) -> bool {
        let mut guard = self.lock();
        let s = &mut *guard;
        match local {
            Ok(local) if !s.stopped => {
                s.pending.push((k, local));
                while let Some(at) = s.pending.iter().position(|p| p.0 == s.next) {
                    let (_, done) = s.pending.swap_remove(at);
                    absorb(&mut s.out, done.at, done.accs);
                    progress.fetch_add(done.bytes, Ordering::Relaxed);
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

    /// Stops the other workers (when one panics), so that none waits for
    /// a merge that will not come.
    pub(super) fn halt(&self) {
        let mut s = self.lock();
        s.stopped = true;
        self.stop.store(true, Ordering::Relaxed);
        self.turn.notify_all();
    }

    /// The output once every worker has returned: the lowest failed
    /// chunk's error, or `Ok(None)` when not all of `chunks` were merged
    /// (a worker panicked).
    pub(super) fn finish(self, chunks: usize) -> Result<Result<Vec<A>, usize>, Error> {
        let merged = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some((_, e)) = merged.failed {
            return Err(e);
        }
        if merged.next != chunks {
            return Ok(Err(merged.next));
        }
        Ok(Ok(merged.out))
    }
}

/// Calls its function (a merge's [`Merge::halt`]) when a worker unwinds.
pub(super) struct OnUnwind<'a>(pub &'a (dyn Fn() + Sync));

impl Drop for OnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
    }
}

/// Single-thread pools for file workers, kept between calls so that a
/// call does not start a thread per worker. The engine sizes its
/// parallelism by the pool it runs on, so on these it folds a chunk
/// serially, on the thread that read it. A call takes pools for itself
/// and gives them back when done: two calls never share one, since a
/// worker waits for the merge of chunks its call's other workers hold,
/// and a shared pool's thread could be running another call's waiting
/// worker meanwhile (a deadlock).
static IDLE: Mutex<Vec<ThreadPool>> = Mutex::new(Vec::new());

/// Pools taken from [`IDLE`] (or new), given back on drop.
pub(super) struct WorkerPools(Vec<ThreadPool>);

impl WorkerPools {
    pub(super) fn take(workers: usize) -> Result<WorkerPools, Error> {
        static BUILT: AtomicUsize = AtomicUsize::new(0);
        let mut pools: Vec<ThreadPool> = {
            let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
            let keep = idle.len().saturating_sub(workers);
            idle.split_off(keep)
        };
        while pools.len() < workers {
            let i = BUILT.fetch_add(1, Ordering::Relaxed);
            let pool = ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(move |_| format!("ndreduce-file-{i}"))
                .build()
                .map_err(|e| Error::BadOption {
                    field: "threads",
                    value: e.to_string(),
                })?;
            pools.push(pool);
        }
        Ok(WorkerPools(pools))
    }

    /// Runs `work(i)` for each worker `i`, each on its own pool, all at
    /// once; returns when every one has (re-raising a panic of any).
    pub(super) fn run(&self, work: &(dyn Fn(usize) + Sync)) {
        fn from(pools: &[ThreadPool], i: usize, work: &(dyn Fn(usize) + Sync)) {
            if let Some(pool) = pools.get(i) {
                pool.in_place_scope(|s| {
                    s.spawn(move |_| work(i));
                    from(pools, i + 1, work);
                });
            }
        }
        from(&self.0, 0, work)
    }
}

impl Drop for WorkerPools {
    fn drop(&mut self) {
        // Idle pools beyond the default pool's size would only hold threads.
        let most = crate::pool::default_threads();
        let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        let room = most.saturating_sub(idle.len());
        idle.extend(self.0.drain(..).take(room));
    }
}
