//! `decodeChunkAsync` and `decodeFileAsync`: one compressed Zarr chunk
//! decoded by the core (`ndreduce_core::codec`) on a job thread, so that
//! several chunks decode at once and none on the JavaScript thread.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use ndreduce_core::codec::{decode_file, decode_into, Codec};
use ndreduce_core::reductions::Dest;
use ndreduce_core::{count_from_f64, Cancel, Error as CoreError};

use crate::array::{raw_array, Held};
use crate::errors::{guard, to_js};
use crate::task::{spawn, Keep};

/// Decodes `bytes` (compressed with `codec`) into `out`, a Uint8Array over
/// a SharedArrayBuffer that the chunk must fill exactly (a caller reuses
/// it from chunk to chunk), reversing each `swap`-byte element when `swap`
/// > 1 (big-endian data). The bytes are copied before this returns, so the
/// caller's buffer may change at once.
#[napi(js_name = "decodeChunkAsync", ts_return_type = "Promise<void>")]
pub fn decode_chunk_async<'env>(
    env: &'env Env,
    bytes: &[u8],
    #[napi(ts_arg_type = "'raw' | 'gzip' | 'zlib' | 'zstd' | 'lz4' | 'blosc'")] codec: String,
    #[napi(ts_arg_type = "Uint8Array")] out: Unknown,
    swap: f64,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let codec: Codec = codec.parse()?;
        let swap = count_from_f64("swap", swap)?;
        let into = shared_bytes(env, &out)?;
        let mut src = Vec::new();
        src.try_reserve_exact(bytes.len())
            .map_err(|_| CoreError::TooLarge {
                elements: bytes.len(),
            })?;
        src.extend_from_slice(bytes);
        Ok((codec, swap, src, into))
    });
    let (codec, swap, src, into) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = Arc::new(Cancel::new());
    spawn(env, &cancel, Some(Keep::new(&out)?), move || {
        // SAFETY: `into` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases after this returns, and
        // this job holds the only Rust reference to its memory.
        let Dest::U8(dst) = (unsafe { into.dest()? }) else {
            return Err(not_bytes());
        };
        decode_into(&src, codec, dst, swap)
    })
}

/// Reads the chunk stored in the file at `path` and decodes it (as
/// `decodeChunkAsync`) into `out`, a Uint8Array over a SharedArrayBuffer
/// that the chunk must fill exactly; resolves to false, leaving `out` as
/// it was, when there is no such file (a missing chunk). The file is read
/// on the job thread into a buffer it reuses, so a file store's chunks cost
/// neither an allocation nor a copy on the JavaScript thread.
#[napi(js_name = "decodeFileAsync", ts_return_type = "Promise<boolean>")]
pub fn decode_file_async<'env>(
    env: &'env Env,
    path: String,
    #[napi(ts_arg_type = "'raw' | 'gzip' | 'zlib' | 'zstd' | 'lz4' | 'blosc'")] codec: String,
    #[napi(ts_arg_type = "Uint8Array")] out: Unknown,
    swap: f64,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let codec: Codec = codec.parse()?;
        let swap = count_from_f64("swap", swap)?;
        Ok((codec, swap, shared_bytes(env, &out)?))
    });
    let (codec, swap, into) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = Arc::new(Cancel::new());
    spawn(env, &cancel, Some(Keep::new(&out)?), move || {
        // SAFETY: `into` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases after this returns, and
        // this job holds the only Rust reference to its memory.
        let Dest::U8(dst) = (unsafe { into.dest()? }) else {
            return Err(not_bytes());
        };
        decode_file(std::path::Path::new(&path), codec, dst, swap)
    })
}

fn not_bytes() -> CoreError {
    CoreError::BadArray {
        field: "out",
        value: "not a Uint8Array".into(),
    }
}

/// `out` as a job's output: a Uint8Array over a SharedArrayBuffer, checked
/// before the job starts.
fn shared_bytes(env: &Env, out: &Unknown) -> std::result::Result<Held, CoreError> {
    let raw = raw_array(env, out, "out")?;
    if !raw.is_bytes() {
        return Err(not_bytes());
    }
    Held::new(env, raw)
}
