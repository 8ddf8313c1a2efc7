use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::Error;

/// Upper bound on `threads`: far above any real machine, low enough that a
/// typo cannot make us spawn a million OS threads.
pub const MAX_THREADS: usize = 1024;

/// Pools are cached per requested size and never dropped, so asking for
/// `threads: 2` on every call builds exactly one pool.
fn pool(threads: usize) -> Result<&'static ThreadPool, Error> {
    static POOLS: OnceLock<Mutex<HashMap<usize, &'static ThreadPool>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p);
    }
    let built = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("ndreduce-{threads}-{i}"))
        .build()
        .map_err(|e| Error::BadOption {
            field: "threads",
            value: e.to_string(),
        })?;
    let leaked: &'static ThreadPool = Box::leak(Box::new(built));
    pools.insert(threads, leaked);
    Ok(leaked)
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
    check_threads(threads)?;
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n)?.install(f)),
    }
}

/// The number of threads a call with `threads` will use.
pub fn effective_threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(rayon::current_num_threads)
}
