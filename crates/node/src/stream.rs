//! `reduceFile`: a .npy file reduced on the libuv pool a window at a time
//! (`ndreduce_core::stream`), with a progress counter JavaScript polls.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;
use ndreduce_core::reductions::{Output, Reduction, Request};
use ndreduce_core::stream::{reduce_file, Dtype, NpyFile, DEFAULT_WINDOW};
use ndreduce_core::{count_from_f64, Cancel};

use crate::array::Js;
use crate::errors::{guard, to_js, Deferred};
use crate::task::{track, CancelToken};

/// Bytes of a file reduced so far; the task adds to it, JavaScript reads
/// it (polling is cheaper than a call into JavaScript per chunk).
#[napi]
pub struct FileProgress {
    done: Arc<AtomicU64>,
}

#[napi]
impl FileProgress {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        FileProgress {
            done: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Bytes reduced so far (exact below 2^53).
    #[napi(js_name = "bytesDone")]
    pub fn bytes_done(&self) -> f64 {
        self.done.load(Ordering::Relaxed) as f64
    }
}

pub struct FileTask {
    file: NpyFile,
    request: Request,
    op: Reduction,
    window: usize,
    progress: Arc<AtomicU64>,
    cancel: Arc<Cancel>,
    error: Deferred,
}

impl Task for FileTask {
    type Output = Output;
    type JsValue = Js;

    fn compute(&mut self) -> Result<Output> {
        let result = guard(|| {
            reduce_file(
                &self.file,
                &self.request,
                self.op,
                self.window,
                &self.progress,
                &self.cancel,
            )
        });
        self.error.keep(result)
    }

    fn resolve(&mut self, _env: Env, output: Output) -> Result<Js> {
        Ok(Js(output))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Js> {
        Err(self.error.reject(&env, err))
    }
}

/// Reduces the array of a .npy file whose header the caller has read:
/// its data starts `dataOffset` bytes in, `layout` is the contract's
/// `[threads, 0, ndim, shape.., strides.., naxes, axes..]` with C- or
/// F-contiguous strides. `window` (bytes per thread, default 512 KiB)
/// bounds memory.
#[napi(
    js_name = "reduceFileAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_file_async(
    env: Env,
    path: String,
    data_offset: f64,
    #[napi(
        ts_arg_type = "'int8' | 'uint8' | 'bool' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64'"
    )]
    dtype: String,
    layout: &[f64],
    #[napi(
        ts_arg_type = "'min' | 'max' | 'nanmin' | 'nanmax' | 'minmax' | 'nanminmax' | 'ptp' | 'sum' | 'nansum' | 'prod' | 'mean' | 'nanmean' | 'var' | 'nanvar' | 'std' | 'nanstd' | 'argmin' | 'argmax' | 'nanargmin' | 'nanargmax' | 'any' | 'all' | 'countNonzero'"
    )]
    op: String,
    token: &CancelToken,
    progress: &FileProgress,
    extras: Option<crate::Extras>,
    window: Option<f64>,
) -> Result<AsyncTask<FileTask>> {
    let checked = guard(|| {
        let (request, op) = crate::request(layout, &op, "auto", extras.as_ref())?;
        // NumPy's one-byte bools: bytes, each non-zero one read as 1.
        let bools = dtype == "bool";
        let dtype: Dtype = if bools { Dtype::U8 } else { dtype.parse()? };
        let data_offset = count_from_f64("dataOffset", data_offset)? as u64;
        let window = match window {
            Some(w) => count_from_f64("window", w)?,
            None => DEFAULT_WINDOW,
        };
        Ok((request, op, dtype, bools, data_offset, window))
    });
    let (request, op, dtype, bools, data_offset, window) = checked.map_err(|e| to_js(&env, &e))?;
    track(&env, &token.flag)?;
    Ok(AsyncTask::new(FileTask {
        file: NpyFile {
            path: PathBuf::from(path),
            data_offset,
            dtype,
            bools,
        },
        request,
        op,
        window,
        progress: progress.done.clone(),
        cancel: token.flag.clone(),
        error: Deferred::default(),
    }))
}
