//! `reduceMasked` and `reduceMaskedAsync`: the reductions with a `where`
//! mask (`ndreduce_core::masked`), arguments converted and errors mapped.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::dtype::{Data, Output};
use ndreduce_core::masked::{reduce_masked, MaskLayout};
use ndreduce_core::reductions::{Reduction, Request};
use ndreduce_core::{Cancel, Error as CoreError};

use crate::array::Js;
use crate::inputs::{call_async, call_sync};
use crate::task::CancelToken;

/// A masked call's arguments, checked: the request, the op, where the
/// mask lies and whether an empty lane is allowed.
type Args = (Request, Reduction, MaskLayout, bool);

fn args(
    layout: &[f64],
    op: &str,
    extras: Option<&crate::Extras>,
    mask_layout: &[f64],
    empty_ok: bool,
) -> std::result::Result<Args, CoreError> {
    let (req, op) = crate::request(layout, op, "auto", extras)?;
    let ml = MaskLayout::unpack(mask_layout, req.shape.len())?;
    Ok((req, op, ml, empty_ok))
}

fn work(
    (req, op, ml, empty_ok): &Args,
    arrays: &[Data],
    cancel: &Cancel,
) -> std::result::Result<Output, CoreError> {
    reduce_masked(arrays[0], req, arrays[1], ml, *op, *empty_ok, cancel)
}

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
    let arrays = [(&data, "data"), (&mask, "where")];
    call_sync(
        &env,
        &arrays,
        || args(layout, op.as_str(), extras.as_ref(), mask_layout, empty_ok),
        work,
    )
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
    let arrays = [(&data, "data"), (&mask, "where")];
    call_async(
        env,
        &arrays,
        token,
        || args(layout, op.as_str(), extras.as_ref(), mask_layout, empty_ok),
        work,
    )
}
