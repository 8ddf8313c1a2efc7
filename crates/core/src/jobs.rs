//! Background jobs for a binding's asynchronous calls: a few threads of
//! our own, which exit after [`IDLE`] without work.
//!
//! Why not the host's pool: Node waits for the work queued on its libuv
//! pool before it runs an environment's cleanup hooks, so a worker that is
//! terminated, or a process that exits, first waits for a kernel whose
//! result nobody will read (53 s in issue 17's repro). Jobs on these
//! threads are invisible to that wait, so the binding's cleanup hook runs
//! at once and can cancel them.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::Error;

/// How long a job thread waits for work before it exits.
pub const IDLE: Duration = Duration::from_secs(2);

type Job = Box<dyn FnOnce() + Send>;

struct Queue {
    jobs: VecDeque<Job>,
    /// Threads alive, and how many of them wait for work.
    threads: usize,
    idle: usize,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    jobs: VecDeque::new(),
    threads: 0,
    idle: 0,
});
static READY: Condvar = Condvar::new();

fn lock() -> std::sync::MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
}

fn worker() {
    let mut q = lock();
    loop {
        if let Some(job) = q.jobs.pop_front() {
            drop(q);
            // A job reports its own errors; a panic that escapes it must
            // not take this thread's count with it.
            let _ = catch_unwind(AssertUnwindSafe(job));
            q = lock();
            continue;
        }
        q.idle += 1;
        let (guard, waited) = READY
            .wait_timeout(q, IDLE)
            .unwrap_or_else(|e| e.into_inner());
        q = guard;
        q.idle -= 1;
        if waited.timed_out() && q.jobs.is_empty() {
            q.threads -= 1;
            return;
        }
    }
}

/// Runs `job` on a job thread, starting one (up to `max_threads`) when
/// every thread is busy; beyond that, jobs wait their turn in order.
pub fn spawn_job(job: impl FnOnce() + Send + 'static, max_threads: usize) -> Result<(), Error> {
    let mut q = lock();
    q.jobs.push_back(Box::new(job));
    if q.jobs.len() <= q.idle {
        READY.notify_one();
        return Ok(());
    }
    if q.threads < max_threads.max(1) {
        q.threads += 1;
        let started = std::thread::Builder::new()
            .name("ndreduce-job".into())
            .spawn(worker);
        if let Err(e) = started {
            q.threads -= 1;
            if q.threads == 0 {
                q.jobs.pop_back();
                return Err(Error::Panicked(format!("starting a job thread: {e}")));
            }
        }
    }
    Ok(())
}

/// Job threads alive now (for tests).
pub fn job_threads() -> usize {
    lock().threads
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn jobs_run_and_their_threads_leave_when_idle() {
        let (tx, rx) = mpsc::channel();
        for k in 0..16 {
            let tx = tx.clone();
            spawn_job(move || tx.send(k).unwrap(), 3).unwrap();
        }
        let mut got: Vec<i32> = (0..16).map(|_| rx.recv().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, (0..16).collect::<Vec<_>>());
        assert!(job_threads() <= 3);
        let deadline = std::time::Instant::now() + IDLE * 5;
        while job_threads() > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(job_threads(), 0);
    }

    #[test]
    fn a_panicking_job_leaves_the_queue_working() {
        spawn_job(|| panic!("deliberate"), 1).unwrap();
        let (tx, rx) = mpsc::channel();
        spawn_job(move || tx.send(7).unwrap(), 1).unwrap();
        assert_eq!(rx.recv().unwrap(), 7);
    }
}
