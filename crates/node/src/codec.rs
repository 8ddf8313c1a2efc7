//! `decodeChunkAsync` and `decodeFileAsync`: one compressed Zarr chunk
//! decoded by the core (`ndreduce_core::codec`) on a job thread, so that
//! several chunks decode at once and none on the JavaScript thread.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use ndreduce_core::codec::{decode, decode_file, Codec};
use ndreduce_core::dtype::Output;
use ndreduce_core::reductions::Dest;
use ndreduce_core::{count_from_f64, Cancel, Error as CoreError};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::task::{spawn, Keep};

/// Decodes `bytes` (compressed with `codec`) to exactly `expected` bytes,
/// reversing each `swap`-byte element when `swap` > 1 (big-endian data).
/// The bytes are copied before this returns, so the caller's buffer may
/// change at once; the promise resolves to a new Uint8Array.
#[napi(js_name = "decodeChunkAsync", ts_return_type = "Promise<Uint8Array>")]
pub fn decode_chunk_async<'env>(
    env: &'env Env,
    bytes: &[u8],
    #[napi(ts_arg_type = "'raw' | 'gzip' | 'zlib' | 'zstd' | 'lz4' | 'blosc'")] codec: String,
    expected: f64,
    swap: f64,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let codec: Codec = codec.parse()?;
        let expected = count_from_f64("expected", expected)?;
        let swap = count_from_f64("swap", swap)?;
        let mut src = Vec::new();
        src.try_reserve_exact(bytes.len())
            .map_err(|_| CoreError::TooLarge {
                elements: bytes.len(),
            })?;
        src.extend_from_slice(bytes);
        Ok((codec, expected, swap, src))
    });
    let (codec, expected, swap, src) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = Arc::new(Cancel::new());
    spawn(env, &cancel, None, move || {
        decode(&src, codec, expected, swap).map(|v| Js(Output::U8(v)))
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
        let raw = raw_array(env, &out, "out")?;
        if !raw.is_bytes() {
            return Err(not_bytes());
        }
        Ok((codec, swap, Held::new(env, raw)?))
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
