//! `reduceAsync`: the same engine on the libuv pool, cancellable, reading
//! only SharedArrayBuffer memory.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use napi::bindgen_prelude::*;
use napi::{Env, Task, UnknownRef};
use napi_derive::napi;
use ndreduce_core::reductions::{reduce_data, Output, Reduction, Request};
use ndreduce_core::Cancel;

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js, Deferred};

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

thread_local! {
    /// Flags of this JavaScript thread's tasks; its environment's cleanup
    /// hook (a worker terminating, the process exiting) raises them all.
    static PENDING: RefCell<Option<Vec<Weak<Cancel>>>> = const { RefCell::new(None) };
}

pub(crate) fn track(env: &Env, flag: &Arc<Cancel>) -> Result<()> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            env.add_env_cleanup_hook((), |()| {
                PENDING.with(|p| {
                    for f in p.borrow().iter().flatten() {
                        if let Some(f) = f.upgrade() {
                            f.cancel();
                        }
                    }
                })
            })?;
        }
        let list = p.get_or_insert_with(Vec::new);
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(flag));
        Ok(())
    })
}

pub struct ReduceTask {
    data: Held,
    /// Keeps the typed array, and so its SharedArrayBuffer, alive until
    /// `finally`.
    keep: Option<UnknownRef>,
    request: Request,
    op: Reduction,
    cancel: Arc<Cancel>,
    error: Deferred,
}

impl Task for ReduceTask {
    type Output = Output;
    type JsValue = Js;

    fn compute(&mut self) -> Result<Output> {
        let (data, request, op, cancel) = (&self.data, &self.request, self.op, &self.cancel);
        // SAFETY: `data` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by `keep` until `finally`, which runs after this returns.
        let result = guard(|| reduce_data(unsafe { data.data()? }, request, op, cancel));
        self.error.keep(result)
    }

    fn resolve(&mut self, _env: Env, output: Output) -> Result<Js> {
        Ok(Js(output))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Js> {
        Err(self.error.reject(&env, err))
    }

    fn finally(mut self, env: Env) -> Result<()> {
        if let Some(keep) = self.keep.take() {
            keep.unref(&env)?;
        }
        Ok(())
    }
}

/// `reduce` on the libuv pool. Arguments are checked before the task
/// starts, so bad input throws synchronously. The data must be over a
/// SharedArrayBuffer: an ordinary buffer could be transferred and freed
/// while a thread reads it.
#[napi(
    js_name = "reduceAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
pub fn reduce_async(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")]
    op: crate::array::Name,
    #[napi(ts_arg_type = "'auto' | 'serial' | 'mutex' | 'lockfree'")] schedule: crate::array::Name,
    token: &CancelToken,
    extras: Option<crate::Extras>,
) -> Result<AsyncTask<ReduceTask>> {
    let checked = guard(|| {
        let (request, op) =
            crate::request(layout, op.as_str(), schedule.as_str(), extras.as_ref())?;
        let held = Held::new(&env, raw_array(&env, &data, "data")?)?;
        Ok((request, op, held))
    });
    let (request, op, held) = checked.map_err(|e| to_js(&env, &e))?;
    track(&env, &token.flag)?;
    Ok(AsyncTask::new(ReduceTask {
        data: held,
        keep: Some(data.create_ref()?),
        request,
        op,
        cancel: token.flag.clone(),
        error: Deferred::default(),
    }))
}

/// Faults a shared buffer's pages in on the libuv pool.
pub struct Prefault {
    data: Held,
    keep: Option<UnknownRef>,
}

impl Task for Prefault {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        self.data.touch_pages();
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }

    fn finally(mut self, env: Env) -> Result<()> {
        if let Some(keep) = self.keep.take() {
            keep.unref(&env)?;
        }
        Ok(())
    }
}

/// Touches every page of a fresh SharedArrayBuffer view off the JavaScript
/// thread, so that the copy into it that follows does not take the first-
/// touch page faults (about 2.5 ms per MB here) on the event loop.
#[napi(ts_return_type = "Promise<void>")]
pub fn prefault(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
) -> Result<AsyncTask<Prefault>> {
    let held =
        guard(|| Held::new(&env, raw_array(&env, &data, "data")?)).map_err(|e| to_js(&env, &e))?;
    Ok(AsyncTask::new(Prefault {
        data: held,
        keep: Some(data.create_ref()?),
    }))
}
