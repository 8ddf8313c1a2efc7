//! Thread pools for calls that ask for a thread count.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::Error;

/// Upper bound on `threads`: far above any real machine, low enough that a
/// typo cannot make us spawn a million OS threads.
pub const MAX_THREADS: usize = 1024;

/// Pools kept for reuse, most recently used last. A sweep over many
/// thread counts would otherwise keep every pool's threads alive forever;
/// an evicted pool's threads exit once the calls still using it return.
const CACHED_POOLS: usize = 4;

/// A cached pool unused this long is dropped, and its threads exit: a
/// service that once asked for 64 threads should not keep them for good.
pub const POOL_IDLE: Duration = Duration::from_secs(2);

struct Cached {
    threads: usize,
    pool: Arc<ThreadPool>,
    last_used: Instant,
}

struct Pools {
    cached: Vec<Cached>,
    /// Whether the thread that drops idle pools is running.
    sweeping: bool,
}

static POOLS: Mutex<Pools> = Mutex::new(Pools {
    cached: Vec::new(),
    sweeping: false,
});

fn lock() -> std::sync::MutexGuard<'static, Pools> {
    POOLS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops pools idle for [`POOL_IDLE`] (a pool a call still holds is in
/// use, whatever its age); exits, and is started again by the next new
/// pool, when none is left.
fn sweep() {
    loop {
        std::thread::sleep(POOL_IDLE / 4);
        let dropped: Vec<Cached>;
        {
            let mut p = lock();
            let (keep, idle) = std::mem::take(&mut p.cached)
                .into_iter()
                .partition(|c| Arc::strong_count(&c.pool) > 1 || c.last_used.elapsed() < POOL_IDLE);
            p.cached = keep;
            dropped = idle;
            if p.cached.is_empty() {
                p.sweeping = false;
                break;
            }
        }
        // Outside the lock: dropping a pool waits for nothing, but tells
        // its threads to leave.
        drop(dropped);
    }
}

fn pool(threads: usize) -> Result<Arc<ThreadPool>, Error> {
    let mut pools = lock();
    if let Some(k) = pools.cached.iter().position(|c| c.threads == threads) {
        let mut hit = pools.cached.remove(k);
        hit.last_used = Instant::now();
        let pool = hit.pool.clone();
        pools.cached.push(hit);
        return Ok(pool);
    }
    let built = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("ndreduce-{threads}-{i}"))
        .build()
        .map_err(|e| Error::BadOption {
            field: "threads",
            value: e.to_string(),
        })?;
    let built = Arc::new(built);
    if pools.cached.len() == CACHED_POOLS {
        pools.cached.remove(0);
    }
    pools.cached.push(Cached {
        threads,
        pool: built.clone(),
        last_used: Instant::now(),
    });
    if !pools.sweeping {
        // Without a sweeper the pools are still reused, only not released.
        pools.sweeping = std::thread::Builder::new()
            .name("ndreduce-sweep".into())
            .spawn(sweep)
            .is_ok();
    }
    Ok(built)
}

fn touch(pool: &Arc<ThreadPool>) {
    if let Some(c) = lock().cached.iter_mut().find(|c| Arc::ptr_eq(&c.pool, pool)) {
        c.last_used = Instant::now();
    }
}

/// Pools cached now (for tests).
#[cfg(test)]
fn cached_pools() -> usize {
    lock().cached.len()
}

/// Checks a caller-supplied thread count.
pub fn check_threads(threads: Option<usize>) -> Result<(), Error> {
    match threads {
        Some(n) if n == 0 || n > MAX_THREADS => Err(Error::BadOption {
            field: "threads",
            value: format!("{n} (must be between 1 and {MAX_THREADS})"),
        }),
        _ => Ok(()),
    }
}

/// Runs `f` on a pool of `threads` threads, or on rayon's global pool
/// (which honours `RAYON_NUM_THREADS`) when no count is given.
pub fn run_with_threads<R: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> Result<R, Error> {
    let (mut f, mut result) = (Some(f), None);
    install(threads, &mut || result = f.take().map(|f| f()))?;
    Ok(result.expect("`install` runs its closure once or fails"))
}

/// [`run_with_threads`] for one closure type: rayon's hand-over to a pool
/// is compiled once instead of once per (op, dtype) pair.
fn install(threads: Option<usize>, f: &mut (dyn FnMut() + Send)) -> Result<(), Error> {
    check_threads(threads)?;
    match threads {
        None => f(),
        Some(n) => {
            let pool = pool(n)?;
            pool.install(f);
            // A long call counts as use until it returns.
            touch(&pool);
        }
    }
    Ok(())
}

/// The size of rayon's default pool (honours `RAYON_NUM_THREADS`).
pub fn default_threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_of_thread_counts_leaves_no_pool_behind() {
        for n in 1..=64 {
            assert_eq!(run_with_threads(Some(n), rayon::current_num_threads), Ok(n));
        }
        assert!(cached_pools() <= CACHED_POOLS);
        // Idle pools are dropped by the sweeper within POOL_IDLE and a bit.
        let deadline = Instant::now() + POOL_IDLE * 5;
        while cached_pools() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(cached_pools(), 0);
    }
}
