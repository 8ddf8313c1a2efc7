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

/// The arguments of `maxI64`/`maxI64Async` as JavaScript numbers, already
/// unpacked by the TypeScript layer and checked again here (elements, not
/// bytes).
pub(crate) struct MaxArgs {
    pub rows: f64,
    pub cols: f64,
    pub row_stride: f64,
    pub col_stride: f64,
    pub offset: f64,
    pub axis: f64,
    pub strategy: String,
    pub threads: Option<f64>,
}

/// Options after checking.
#[derive(Clone, Copy)]
pub(crate) struct CallArgs {
    pub axis: usize,
    pub strategy: Strategy,
    pub threads: Option<usize>,
}

/// A thread count from JavaScript: a safe integer in 1..=MAX_THREADS.
pub(crate) fn threads_arg(
    threads: Option<f64>,
) -> std::result::Result<Option<usize>, ndreduce_core::Error> {
    let threads = threads.map(|t| count_from_f64("threads", t)).transpose()?;
    ndreduce_core::check_threads(threads)?;
    Ok(threads)
}

impl MaxArgs {
    /// The validated view of an array of `len` elements, and the options.
    pub(crate) fn check(
        &self,
        len: usize,
    ) -> std::result::Result<(View2, CallArgs), ndreduce_core::Error> {
        let shape = [
            count_from_f64("shape[0]", self.rows)?,
            count_from_f64("shape[1]", self.cols)?,
        ];
        let strides = [
            integer_from_f64("strides[0]", self.row_stride)? as isize,
            integer_from_f64("strides[1]", self.col_stride)? as isize,
        ];
        let view = View2::new(len, shape, strides, count_from_f64("offset", self.offset)?)?;
        let args = CallArgs {
            axis: parse_axis(integer_from_f64("axis", self.axis)?)?,
            strategy: self.strategy.parse()?,
            threads: threads_arg(self.threads)?,
        };
        Ok((view, args))
    }
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
    let result = guard(|| {
        let (view, args) = max_args.check(data.len())?;
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
    let result = guard(|| ndreduce_core::read_floor(data, threads_arg(threads)?));
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
