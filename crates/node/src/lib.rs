//! The napi-rs binding: converts JavaScript arguments, calls
//! `ndreduce-core`, maps its errors to JavaScript errors. No algorithm
//! lives here.

mod array;
mod errors;
mod task;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::reductions::{reduce_data, Reduction, Request};
use ndreduce_core::{count_from_f64, Schedule, NEVER};

use crate::array::{raw_array, Js};
use crate::errors::{guard, to_js};

/// The op, schedule and layout of a call, checked.
pub(crate) fn request(
    layout: &[f64],
    op: &str,
    schedule: &str,
) -> std::result::Result<(Request, Reduction), ndreduce_core::Error> {
    let op: Reduction = op.parse()?;
    let schedule: Schedule = schedule.parse()?;
    Ok((Request::unpack(layout, schedule)?, op))
}

/// Reduces any numeric typed array, read in place. `layout` is
/// `[threads, offset, ndim, shape.., strides.., naxes, axes..]`.
#[napi(
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
pub fn reduce(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(
        ts_arg_type = "'min' | 'max' | 'nanmin' | 'nanmax' | 'minmax' | 'nanminmax' | 'sum' | 'argmin' | 'argmax' | 'nanargmin' | 'nanargmax'"
    )]
    op: String,
    #[napi(ts_arg_type = "'auto' | 'serial' | 'mutex' | 'lockfree'")] schedule: String,
) -> Result<Js> {
    guard(|| {
        let (req, op) = request(layout, &op, &schedule)?;
        let raw = raw_array(&env, &data)?;
        // SAFETY: no JavaScript runs during this synchronous call, so the
        // array's memory cannot be detached, shrunk or freed before
        // `reduce_data` returns.
        let data = unsafe { array::data(&raw)? };
        reduce_data(data, &req, op, &NEVER)
    })
    .map(Js)
    .map_err(|e| to_js(&env, &e))
}

/// Reads every element of `data` once, in parallel (benchmark floor only).
#[napi(js_name = "readFloor")]
pub fn read_floor(env: Env, data: &[i64], threads: Option<f64>) -> Result<f64> {
    guard(|| {
        let threads = threads.map(|t| count_from_f64("threads", t)).transpose()?;
        ndreduce_core::read_floor(data, threads)
    })
    .map(|x| x as f64)
    .map_err(|e| to_js(&env, &e))
}

/// The size of rayon's default pool (honours `RAYON_NUM_THREADS`).
#[napi(js_name = "defaultThreads")]
pub fn default_threads() -> u32 {
    ndreduce_core::default_threads() as u32
}

/// Panics inside a rayon kernel: lets the tests prove that a panic becomes
/// a JavaScript error instead of aborting the process.
#[napi(js_name = "_panicInKernel")]
pub fn panic_in_kernel(env: Env) -> Result<()> {
    guard(ndreduce_core::panic_in_worker_for_tests).map_err(|e| to_js(&env, &e))
}
