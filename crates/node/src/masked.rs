//! `reduceMasked` and `reduceMaskedAsync`: the reductions with a `where`
//! mask (`ndreduce_core::masked`), arguments converted and errors mapped.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::masked::{reduce_masked, MaskLayout};
use ndreduce_core::NEVER;

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::task::{spawn, CancelToken, Keep};

/// `reduce` of the elements that `mask` keeps (an entry that is not zero
/// keeps the element at its position). `maskLayout` is `[offset,
/// strides..]` over the data's shape, broadcast axes with stride 0.
/// `emptyOk`: a lane that keeps nothing gives the op's start value (the
/// caller folds `initial` in) instead of an error.
#[napi(
    js_name = "reduceMasked",
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_masked_sync(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    extras: Option<crate::Extras>,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
    empty_ok: bool,
) -> Result<Js> {
    guard(|| {
        let (req, op) = crate::request(layout, op.as_str(), "auto", extras.as_ref())?;
        let ml = MaskLayout::unpack(mask_layout, req.shape.len())?;
        let raw = raw_array(&env, &data, "data")?;
        let raw_mask = raw_array(&env, &mask, "where")?;
        // SAFETY: no JavaScript runs during this synchronous call, so
        // neither array's memory can be detached, shrunk or freed before
        // it returns; both are only read.
        let (d, m) = unsafe { (crate::array::data(&raw)?, crate::array::data(&raw_mask)?) };
        reduce_masked(d, &req, m, &ml, op, empty_ok, &NEVER)
    })
    .map(Js)
    .map_err(|e| to_js(&env, &e))
}

/// `reduceMasked` on a job thread; data and mask over SharedArrayBuffers.
#[napi(
    js_name = "reduceMaskedAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_masked_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    extras: Option<crate::Extras>,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
    empty_ok: bool,
    token: &CancelToken,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let (req, op) = crate::request(layout, op.as_str(), "auto", extras.as_ref())?;
        let ml = MaskLayout::unpack(mask_layout, req.shape.len())?;
        let held = Held::new(env, raw_array(env, &data, "data")?)?;
        let held_mask = Held::new(env, raw_array(env, &mask, "where")?)?;
        Ok((req, op, ml, held, held_mask))
    });
    let (req, op, ml, held, held_mask) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    let keep = Keep::new(&data)?.and(&mask)?;
    spawn(env, &cancel, Some(keep), move || {
        // SAFETY: both are SharedArrayBuffer views (`Held::new`), kept
        // alive by the references `spawn` releases only after this returns.
        let (d, m) = unsafe { (held.data()?, held_mask.data()?) };
        reduce_masked(d, &req, m, &ml, op, empty_ok, &flag).map(Js)
    })
}
