//! `reduceAsync`: the same engine off the JavaScript thread, cancellable,
//! reading only SharedArrayBuffer memory; and the runner every
//! asynchronous call of the addon shares.
//!
//! The runner uses the core's job threads, not the libuv pool: Node waits
//! for pending libuv work before it runs an environment's cleanup hooks,
//! so with libuv work a terminating worker (or `process.exit()` ending
//! one) waited for the kernel to finish before the hook that cancels it
//! could run. Here the hook runs first: it cancels this environment's
//! jobs, drops the ones not started, and waits only for the running ones
//! to see the flag (one block of work), since they may be reading memory
//! that the environment is about to free.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Condvar, Mutex, Weak};

use napi::bindgen_prelude::*;
use napi::{Env, UnknownRef};
use napi_derive::napi;
use ndreduce_core::reductions::{reduce_data, Reduction, Request};
use ndreduce_core::{Cancel, Error as CoreError};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};

/// A cancel flag JavaScript can raise while a task runs; kernels look at
/// it every few hundred thousand elements.
#[napi]
pub struct CancelToken {
    pub(crate) flag: Arc<Cancel>,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelToken {
            flag: Arc::new(Cancel::new()),
        }
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.cancel();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Queued,
    Running,
    /// Finished, or dropped unstarted by the cleanup hook: nothing of the
    /// environment is touched any more.
    Over,
}

/// One job's stage, which the cleanup hook reads and waits on.
struct Job {
    cancel: Arc<Cancel>,
    stage: Mutex<Stage>,
    changed: Condvar,
}

impl Job {
    fn lock(&self) -> std::sync::MutexGuard<'_, Stage> {
        self.stage.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, stage: Stage) {
        *self.lock() = stage;
        self.changed.notify_all();
    }
}

thread_local! {
    /// This JavaScript thread's jobs; its environment's cleanup hook ends
    /// them all.
    static JOBS: RefCell<Option<Vec<Weak<Job>>>> = const { RefCell::new(None) };
}

fn end_jobs() {
    let jobs: Vec<Arc<Job>> = JOBS.with(|j| j.borrow().iter().flatten().filter_map(Weak::upgrade).collect());
    for job in &jobs {
        job.cancel.cancel();
        let mut stage = job.lock();
        if *stage == Stage::Queued {
            *stage = Stage::Over;
        }
    }
    for job in &jobs {
        let mut stage = job.lock();
        while *stage == Stage::Running {
            stage = job.changed.wait(stage).unwrap_or_else(|e| e.into_inner());
        }
    }
}

fn track(env: &Env, job: &Arc<Job>) -> Result<()> {
    JOBS.with(|j| {
        let mut j = j.borrow_mut();
        if j.is_none() {
            env.add_env_cleanup_hook((), |()| end_jobs())?;
        }
        let list = j.get_or_insert_with(Vec::new);
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(job));
        Ok(())
    })
}

/// How many job threads run at once: as many as libuv's pool would have
/// (`UV_THREADPOOL_SIZE`, default 4), which the JavaScript side's limit on
/// scratch copies also assumes.
fn max_jobs() -> usize {
    std::env::var("UV_THREADPOOL_SIZE")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .map_or(4, |n| n.clamp(1, 1024))
}

/// A reference that keeps an input alive until the job settles; left
/// (not released) when the environment is torn down first, which frees it.
pub(crate) struct Keep(ManuallyDrop<UnknownRef>, Option<ManuallyDrop<UnknownRef>>);

impl Keep {
    pub(crate) fn new(value: &Unknown) -> Result<Self> {
        Ok(Keep(ManuallyDrop::new(value.create_ref()?), None))
    }

    /// Keeps a second input too (a `where` mask beside its data).
    pub(crate) fn and(mut self, value: &Unknown) -> Result<Self> {
        self.1 = Some(ManuallyDrop::new(value.create_ref()?));
        Ok(self)
    }

    fn release(mut self, env: &Env) -> Result<()> {
        if let Some(mut second) = self.1.take() {
            // SAFETY: taken once, here, out of the Option.
            unsafe { ManuallyDrop::take(&mut second) }.unref(env)?;
        }
        // SAFETY: taken once, here, and `self` is consumed.
        unsafe { ManuallyDrop::take(&mut self.0) }.unref(env)
    }
}

/// Runs `work` on a job thread and returns a promise of its output,
/// rejected with the core's error (as `to_js` builds it) on failure.
/// `cancel` is the call's flag, which the environment's cleanup hook also
/// raises; `keep` is released on the JavaScript thread when it settles.
pub(crate) fn spawn<'env, T, F>(
    env: &'env Env,
    cancel: &Arc<Cancel>,
    keep: Option<Keep>,
    work: F,
) -> Result<Object<'env>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce() -> std::result::Result<T, CoreError> + Send + 'static,
{
    let job = Arc::new(Job {
        cancel: cancel.clone(),
        stage: Mutex::new(Stage::Queued),
        changed: Condvar::new(),
    });
    track(env, &job)?;
    let (deferred, promise) = env.create_deferred()?;
    let run = move || {
        {
            let mut stage = job.lock();
            if *stage == Stage::Over {
                // The environment is gone: nothing to read or settle, but
                // the deferred still releases its hold on the loop.
                drop(stage);
                deferred.reject(Error::from_reason("the environment was torn down"));
                return;
            }
            *stage = Stage::Running;
        }
        let result = guard(work);
        job.set(Stage::Over);
        deferred.resolve(move |env: Env| {
            if let Some(keep) = keep {
                keep.release(&env)?;
            }
            result.map_err(|e| to_js(&env, &e))
        });
    };
    ndreduce_core::jobs::spawn_job(run, max_jobs()).map_err(|e| to_js(env, &e))?;
    Ok(promise)
}

/// `reduce` on a job thread. Arguments are checked before the job starts,
/// so bad input throws synchronously. The data must be over a
/// SharedArrayBuffer: an ordinary buffer could be transferred and freed
/// while a thread reads it.
#[napi(
    js_name = "reduceAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
pub fn reduce_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")]
    op: crate::array::Name,
    #[napi(ts_arg_type = "'auto' | 'serial' | 'mutex' | 'lockfree'")] schedule: crate::array::Name,
    token: &CancelToken,
    extras: Option<crate::Extras>,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let (request, op) =
            crate::request(layout, op.as_str(), schedule.as_str(), extras.as_ref())?;
        let held = Held::new(env, raw_array(env, &data, "data")?)?;
        Ok((request, op, held))
    });
    let (request, op, held): (Request, Reduction, Held) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    spawn(env, &cancel, Some(Keep::new(&data)?), move || {
        // If the environment goes first, its cleanup hook waits for this job
        // to return before the environment (and the buffer) is freed.
        // SAFETY: `held` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases only after this returns.
        reduce_data(unsafe { held.data()? }, &request, op, &flag).map(Js)
    })
}
