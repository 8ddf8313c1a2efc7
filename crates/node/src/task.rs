//! `maxI64Async`: the same kernels on the libuv thread pool, cancellable.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;
use ndreduce_core::{Cancel, View2};

use crate::errors::{guard, throw, to_rejection};
use crate::{CallArgs, MaxArgs};

/// A cancel flag JavaScript can raise while a task runs; kernels poll it
/// between blocks of work.
#[napi]
pub struct CancelToken {
    flag: Arc<Cancel>,
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

impl CancelToken {
    pub(crate) fn flag(&self) -> Arc<Cancel> {
        self.flag.clone()
    }
}

pub struct MaxTask {
    // Holds a reference to the JavaScript array, so its memory stays alive
    // until the task completes. The TypeScript layer only passes arrays over
    // a SharedArrayBuffer, which can be neither detached nor transferred.
    data: BigInt64Array,
    view: View2,
    args: CallArgs,
    cancel: Arc<Cancel>,
}

impl Task for MaxTask {
    type Output = Vec<i64>;
    type JsValue = BigInt64Array;

    fn compute(&mut self) -> Result<Vec<i64>> {
        let data: &[i64] = &self.data;
        let CallArgs {
            axis,
            strategy,
            threads,
        } = self.args;
        guard(|| ndreduce_core::max(data, &self.view, axis, strategy, threads, &self.cancel))
            .map_err(|e| to_rejection(&e))
    }

    fn resolve(&mut self, _env: Env, output: Vec<i64>) -> Result<BigInt64Array> {
        Ok(BigInt64Array::new(output))
    }
}

/// Like `maxI64`, computed off the JavaScript thread. Arguments are checked
/// before the task starts, so bad input still throws synchronously.
#[napi(js_name = "maxI64Async", ts_return_type = "Promise<BigInt64Array>")]
#[allow(clippy::too_many_arguments)]
pub fn max_i64_async(
    env: Env,
    data: BigInt64Array,
    rows: f64,
    cols: f64,
    row_stride: f64,
    col_stride: f64,
    offset: f64,
    axis: f64,
    strategy: String,
    threads: Option<f64>,
    token: &CancelToken,
) -> Result<AsyncTask<MaxTask>> {
    let max_args = MaxArgs {
        rows,
        cols,
        row_stride,
        col_stride,
        offset,
        axis,
        strategy,
        threads,
    };
    let checked = guard(|| max_args.check(data.len()));
    match checked {
        Ok((view, args)) => Ok(AsyncTask::new(MaxTask {
            data,
            view,
            args,
            cancel: token.flag.clone(),
        })),
        Err(e) => Err(throw(&env, &e)),
    }
}
