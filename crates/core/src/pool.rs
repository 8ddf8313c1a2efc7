//! Thread pools for calls that ask for a thread count.

use std::sync::{Arc, Mutex};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::Error;

/// Upper bound on `threads`: far above any real machine, low enough that a
/// typo cannot make us spawn a million OS threads.
pub const MAX_THREADS: usize = 1024;

/// Pools kept for reuse, most recently used last. A sweep over many
/// thread counts would otherwise keep every pool's threads alive forever;
/// an evicted pool's threads exit once the calls still using it return.
const CACHED_POOLS: usize = 4;

fn pool(threads: usize) -> Result<Arc<ThreadPool>, Error> {
    static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = pools.iter().position(|(n, _)| *n == threads) {
        let hit = pools.remove(k);
        let pool = hit.1.clone();
        pools.push(hit);
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
    if pools.len() == CACHED_POOLS {
        pools.remove(0);
    }
    pools.push((threads, built.clone()));
    Ok(built)
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
        Some(n) => pool(n)?.install(f),
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
    fn a_sweep_of_thread_counts_keeps_only_a_few_pools() {
        for n in 1..=64 {
            assert_eq!(run_with_threads(Some(n), rayon::current_num_threads), Ok(n));
        }
        // Evicted pools' threads exit asynchronously.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let live = std::fs::read_dir("/proc/self/task")
            .map(|d| d.count())
            .unwrap_or(0);
        // At most 61 + 62 + 63 + 64 threads in cached pools, plus the
        // harness; keeping every pool would leave 2080.
        assert!(live < 400, "{live} threads alive after the sweep");
    }
}
