//! `decodeChunkAsync` and `decodeFileAsync`: one compressed Zarr chunk
//! decoded by the core (`ndreduce_core::codec`) on a job thread, so that
//! several chunks decode at once and none on the JavaScript thread.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use ndreduce_core::codec::{decode_file, decode_into, decode_shared, Codec};
use ndreduce_core::reductions::{Data, Dest};
use ndreduce_core::{count_from_f64, Cancel, Error as CoreError};

use crate::array::{raw_array, Held, RawArray};
use crate::errors::{guard, to_js};
use crate::task::{spawn, Keep};

/// Decodes `bytes` (compressed with `codec`) into `out`, a Uint8Array over
/// a SharedArrayBuffer that the chunk must fill exactly (a caller reuses
/// it from chunk to chunk), reversing each `swap`-byte element when `swap`
/// > 1 (big-endian data). Bytes over a SharedArrayBuffer are copied by the
/// job, into a buffer its thread keeps, so the caller keeps them as they
/// are until the promise settles; any other bytes are copied into a fresh
/// allocation before this returns, and may change at once (a 14 MB chunk
/// copied so on the JavaScript thread cost a fifth of that thread's time
/// over HTTP).
#[napi(js_name = "decodeChunkAsync", ts_return_type = "Promise<void>")]
pub fn decode_chunk_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "Uint8Array")] bytes: Unknown,
    #[napi(ts_arg_type = "'raw' | 'gzip' | 'zlib' | 'zstd' | 'lz4' | 'blosc'")] codec: String,
    #[napi(ts_arg_type = "Uint8Array")] out: Unknown,
    swap: f64,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let codec: Codec = codec.parse()?;
        let swap = count_from_f64("swap", swap)?;
        let into = shared_bytes(env, &out, "out")?;
        let raw = raw_array(env, &bytes, "bytes")?;
        if !raw.is_bytes() {
            return Err(not_bytes("bytes"));
        }
        let src = match Held::new(env, raw) {
            Ok(held) if held.overlaps(&into) => {
                return Err(CoreError::BadArray {
                    field: "bytes",
                    value: "shares memory with out".into(),
                })
            }
            Ok(held) => Src::Held(held),
            Err(CoreError::NotShared) => Src::Copied(copied(&raw)?),
            Err(e) => return Err(e),
        };
        Ok((codec, swap, src, into))
    });
    let (codec, swap, src, into) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = Arc::new(Cancel::new());
    let keep = Keep::new(&out)?.and(&bytes)?;
    spawn(env, &cancel, Some(keep), move || {
        // SAFETY: `into` is a SharedArrayBuffer view (`Held::new`) that `keep`
        // holds until this returns; no other Rust reference to its memory
        // exists (`src` is a copy, or a view sharing no byte with it).
        let Dest::U8(dst) = (unsafe { into.dest()? }) else {
            return Err(not_bytes("out"));
        };
        match &src {
            Src::Copied(v) => decode_into(v, codec, dst, swap),
            // SAFETY: a SharedArrayBuffer view (`Held::new`), kept alive by
            // the second reference `spawn` releases after this returns.
            Src::Held(h) => match unsafe { h.data()? } {
                // Copied here, on the job, into this thread's buffer: the
                // decoder must not read bytes another thread can change.
                Data::U8(b) => decode_shared(b, codec, dst, swap),
                _ => Err(not_bytes("bytes")),
            },
        }
    })
}

/// A chunk's compressed bytes as a job reads them.
enum Src {
    Held(Held),
    Copied(Vec<u8>),
}

/// The bytes of `raw`, a Uint8Array over an ordinary buffer, copied.
fn copied(raw: &RawArray) -> std::result::Result<Vec<u8>, CoreError> {
    // SAFETY: no JavaScript runs during this synchronous call, so the
    // array's memory cannot be detached, shrunk or freed before the copy.
    let Data::U8(b) = (unsafe { crate::array::data(raw)? }) else {
        return Err(not_bytes("bytes"));
    };
    let mut src = Vec::new();
    src.try_reserve_exact(b.len())
        .map_err(|_| CoreError::TooLarge { elements: b.len() })?;
    src.extend_from_slice(b);
    Ok(src)
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
        Ok((codec, swap, shared_bytes(env, &out, "out")?))
    });
    let (codec, swap, into) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = Arc::new(Cancel::new());
    spawn(env, &cancel, Some(Keep::new(&out)?), move || {
        // SAFETY: `into` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases after this returns, and
        // this job holds the only Rust reference to its memory.
        let Dest::U8(dst) = (unsafe { into.dest()? }) else {
            return Err(not_bytes("out"));
        };
        decode_file(std::path::Path::new(&path), codec, dst, swap)
    })
}

fn not_bytes(field: &'static str) -> CoreError {
    CoreError::BadArray {
        field,
        value: "not a Uint8Array".into(),
    }
}

/// `value` (the argument `field`) as memory a job reads or writes: a
/// Uint8Array over a SharedArrayBuffer, checked before the job starts.
fn shared_bytes(
    env: &Env,
    value: &Unknown,
    field: &'static str,
) -> std::result::Result<Held, CoreError> {
    let raw = raw_array(env, value, field)?;
    if !raw.is_bytes() {
        return Err(not_bytes(field));
    }
    Held::new(env, raw)
}
