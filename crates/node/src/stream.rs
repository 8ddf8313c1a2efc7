//! `reduceFile`: a .npy file reduced on a job thread a window at a time
//! (`ndreduce_core::stream`), with a progress counter JavaScript polls.
//! The file is the descriptor JavaScript opened and read the header from,
//! never the path opened again: a path swapped meanwhile (for a FIFO,
//! whose open would block forever) is not read.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use ndreduce_core::stream::{reduce_opened, Dtype, NpyFile, DEFAULT_WINDOW};
use ndreduce_core::{count_from_f64, Error as CoreError};

use crate::array::Js;
use crate::errors::{guard, to_js};
use crate::task::{spawn, CancelToken};

/// A copy of the descriptor `fd` of this process (its own description:
/// the same open file), which outlives the caller's closing `fd`.
#[cfg(unix)]
fn duplicate(fd: i32) -> std::io::Result<File> {
    use std::os::fd::BorrowedFd;
    if fd < 0 {
        return Err(std::io::ErrorKind::InvalidInput.into());
    }
    // SAFETY: `fd` is the descriptor of a FileHandle the caller keeps open
    // for the length of this synchronous call (src/io/file.ts); it is only
    // duplicated here, and a number that is not open fails with EBADF.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    Ok(File::from(borrowed.try_clone_to_owned()?))
}

/// Node's descriptors on Windows are the C runtime's; the handle behind
/// one is duplicated.
#[cfg(windows)]
fn duplicate(fd: i32) -> std::io::Result<File> {
    use std::os::windows::io::{BorrowedHandle, RawHandle};
    extern "C" {
        fn _get_osfhandle(fd: i32) -> isize;
    }
    // SAFETY: `_get_osfhandle` only looks `fd` up in the runtime's table,
    // and answers -1 for a descriptor that is not open.
    let handle = unsafe { _get_osfhandle(fd) };
    if handle == -1 || handle == -2 {
        return Err(std::io::ErrorKind::InvalidInput.into());
    }
    // SAFETY: the handle belongs to a FileHandle the caller keeps open for
    // the length of this synchronous call; it is only duplicated here.
    let borrowed = unsafe { BorrowedHandle::borrow_raw(handle as RawHandle) };
    Ok(File::from(borrowed.try_clone_to_owned()?))
}

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

/// Reduces the array of a .npy file whose header the caller has read
/// from the open descriptor `fd` (checked by it to be a regular file, and
/// again here); `name` names it in messages. Its data starts `dataOffset`
/// bytes in, `layout` is the contract's `[threads, 0, ndim, shape..,
/// strides.., naxes, axes..]` with C- or F-contiguous strides. `window`
/// (bytes per thread, default 512 KiB) bounds memory. `fd` is duplicated
/// before this returns: the caller may close it at once.
#[napi(
    js_name = "reduceFileAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_file_async<'env>(
    env: &'env Env,
    fd: i32,
    name: String,
    data_offset: f64,
    #[napi(
        ts_arg_type = "'int8' | 'uint8' | 'bool' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64'"
    )]
    dtype: String,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")]
    op: String,
    token: &CancelToken,
    progress: &FileProgress,
    extras: Option<crate::Extras>,
    window: Option<f64>,
) -> Result<Object<'env>> {
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
        let opened = duplicate(fd).map_err(|e| CoreError::File {
            message: format!("opening {name}: {e}"),
        })?;
        Ok((request, op, dtype, bools, data_offset, window, opened))
    });
    let (request, op, dtype, bools, data_offset, window, opened) = checked.map_err(|e| to_js(env, &e))?;
    let at = NpyFile {
        path: PathBuf::from(name),
        data_offset,
        dtype,
        bools,
    };
    let done = progress.done.clone();
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    spawn(env, &cancel, None, move || {
        reduce_opened(&opened, &at, &request, op, window, &done, &flag).map(Js)
    })
}
