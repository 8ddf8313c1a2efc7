//! The napi-rs binding: converts JavaScript arguments, calls
//! `ndreduce-core`, maps its errors to `TypeError`/`RangeError`. No
//! algorithm lives here.

mod errors;
mod reduce;
mod task;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::{count_from_f64, integer_from_f64, parse_axis, Strategy, View2, NEVER};

use crate::errors::{guard, throw};

/// A 2-D view as plain numbers (elements, not bytes), already unpacked from
/// the user's object by the TypeScript layer and checked again here.
pub(crate) struct ViewArgs {
    pub rows: f64,
    pub cols: f64,
    pub row_stride: f64,
    pub col_stride: f64,
    pub offset: f64,
}

impl ViewArgs {
    pub(crate) fn validate(&self, len: usize) -> std::result::Result<View2, ndreduce_core::Error> {
        let shape = [
            count_from_f64("shape[0]", self.rows)?,
            count_from_f64("shape[1]", self.cols)?,
        ];
        let strides = [
            integer_from_f64("strides[0]", self.row_stride)? as isize,
            integer_from_f64("strides[1]", self.col_stride)? as isize,
        ];
        View2::new(len, shape, strides, count_from_f64("offset", self.offset)?)
    }
}

/// Options shared by the sync and async entry points.
#[derive(Clone, Copy)]
pub(crate) struct CallArgs {
    pub axis: usize,
    pub strategy: Strategy,
    pub threads: Option<usize>,
}

pub(crate) fn call_args(
    axis: f64,
    strategy: &str,
    threads: Option<f64>,
) -> std::result::Result<CallArgs, ndreduce_core::Error> {
    let threads = match threads {
        Some(t) => Some(count_from_f64("threads", t)?),
        None => None,
    };
    ndreduce_core::check_threads(threads)?;
    Ok(CallArgs {
        axis: parse_axis(integer_from_f64("axis", axis)?)?,
        strategy: strategy.parse()?,
        threads,
    })
}

/// Column (axis 0) or row (axis 1) maximum of a strided int64 view, read in
/// place; the result is handed to JavaScript without a copy.
#[napi(js_name = "maxI64")]
#[allow(clippy::too_many_arguments)]
pub fn max_i64<'env>(
    env: &'env Env,
    data: &[i64],
    rows: f64,
    cols: f64,
    row_stride: f64,
    col_stride: f64,
    offset: f64,
    axis: f64,
    strategy: String,
    threads: Option<f64>,
) -> Result<Either<BigInt64Array, BigInt64ArraySlice<'env>>> {
    let view_args = ViewArgs {
        rows,
        cols,
        row_stride,
        col_stride,
        offset,
    };
    let result = guard(|| {
        let view = view_args.validate(data.len())?;
        let args = call_args(axis, &strategy, threads)?;
        ndreduce_core::max(data, &view, args.axis, args.strategy, args.threads, &NEVER)
    });
    match result {
        Ok(v) => hand_over(env, v),
        Err(e) => Err(throw(env, &e)),
    }
}

/// Results up to this many elements are copied into JavaScript-owned
/// memory: registering an external (zero-copy) buffer costs more than
/// copying a few kilobytes. Larger results are handed over without a copy.
const COPY_BELOW: usize = 512;

fn hand_over(env: &Env, v: Vec<i64>) -> Result<Either<BigInt64Array, BigInt64ArraySlice<'_>>> {
    if v.len() < COPY_BELOW {
        Ok(Either::B(BigInt64ArraySlice::copy_from(env, &v)?))
    } else {
        Ok(Either::A(BigInt64Array::new(v)))
    }
}

/// Reads every element of `data` once, in parallel (benchmark floor only).
#[napi(js_name = "readFloor")]
pub fn read_floor(env: Env, data: &[i64], threads: Option<f64>) -> Result<f64> {
    let result = guard(|| {
        let threads = match threads {
            Some(t) => Some(count_from_f64("threads", t)?),
            None => None,
        };
        ndreduce_core::read_floor(data, threads)
    });
    result.map(|x| x as f64).map_err(|e| throw(&env, &e))
}

/// The size of rayon's default pool (honours `RAYON_NUM_THREADS`).
#[napi(js_name = "defaultThreads")]
pub fn default_threads() -> u32 {
    ndreduce_core::effective_threads(None) as u32
}

/// Panics inside a rayon kernel: lets the tests prove that a panic becomes
/// a JavaScript error instead of aborting the process.
#[napi(js_name = "_panicInKernel")]
pub fn panic_in_kernel(env: Env) -> Result<()> {
    let result = guard(ndreduce_core::panic_in_worker_for_tests);
    result.map_err(|e| throw(&env, &e))
}
