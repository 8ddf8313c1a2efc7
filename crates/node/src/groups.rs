//! `reduceGrouped` and `reduceGroupedAsync`: the reductions by label;
//! `reduceGroupedMasked` and its async twin: the same with a `where` mask.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::dtype::{Data, Output};
use ndreduce_core::groups::{reduce_grouped, reduce_grouped_masked, Labels};
use ndreduce_core::masked::MaskLayout;
use ndreduce_core::reductions::{Reduction, Request};
use ndreduce_core::{Cancel, Error as CoreError};

use crate::array::Js;
use crate::inputs::{call_async, call_sync};
use crate::task::CancelToken;

/// A grouped call's arguments, checked (the labels copied).
type Args = (Request, Reduction, Labels);

fn args(
    layout: &[f64],
    op: &str,
    extras: Option<&crate::Extras>,
    labels: &[i32],
    groups: u32,
) -> std::result::Result<Args, CoreError> {
    let (req, op) = crate::request(layout, op, "auto", extras)?;
    Ok((req, op, Labels::new(labels, groups as usize)?))
}

fn work(
    (req, op, labels): &Args,
    arrays: &[Data],
    cancel: &Cancel,
) -> std::result::Result<Output, CoreError> {
    reduce_grouped(arrays[0], req, *op, labels, cancel)
}

/// `reduce` by label along the layout's one reduced axis: `labels` (one per
/// position along it, below `groups`; negative: no group) route each
/// position to its group. The result is the kept shape with the reduced
/// axis replaced by `groups`, in C order.
#[napi(
    js_name = "reduceGrouped",
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
pub fn reduce_grouped_sync(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    labels: &[i32],
    groups: u32,
    extras: Option<crate::Extras>,
) -> Result<Js> {
    call_sync(
        &env,
        &[(&data, "data")],
        || args(layout, op.as_str(), extras.as_ref(), labels, groups),
        work,
    )
}

/// `reduceGrouped` on a job thread, over a SharedArrayBuffer only; the
/// labels are copied before it starts.
#[napi(
    js_name = "reduceGroupedAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_grouped_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    labels: &[i32],
    groups: u32,
    token: &CancelToken,
    extras: Option<crate::Extras>,
) -> Result<Object<'env>> {
    call_async(
        env,
        &[(&data, "data")],
        token,
        || args(layout, op.as_str(), extras.as_ref(), labels, groups),
        work,
    )
}

/// A grouped call with a `where` mask: the grouped arguments, where the
/// mask lies and whether a group that keeps nothing is allowed.
type MaskedArgs = (Args, MaskLayout, bool);

fn masked_args(
    (layout, op, extras): (&[f64], &str, Option<&crate::Extras>),
    labels: &[i32],
    groups: u32,
    mask_layout: &[f64],
    empty_ok: bool,
) -> std::result::Result<MaskedArgs, CoreError> {
    let grouped = args(layout, op, extras, labels, groups)?;
    let ml = MaskLayout::unpack(mask_layout, grouped.0.shape.len())?;
    Ok((grouped, ml, empty_ok))
}

fn masked_work(
    ((req, op, labels), ml, empty_ok): &MaskedArgs,
    arrays: &[Data],
    cancel: &Cancel,
) -> std::result::Result<Output, CoreError> {
    reduce_grouped_masked(arrays[0], req, *op, labels, arrays[1], ml, *empty_ok, cancel)
}

/// `reduceGrouped` of the elements that `mask` keeps (`maskLayout` as
/// `reduceMasked`'s). `emptyOk`: a position of a group that keeps nothing
/// gives the op's start value (the caller folds `initial` in) instead of
/// an error.
#[napi(
    js_name = "reduceGroupedMasked",
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_grouped_masked_sync(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    labels: &[i32],
    groups: u32,
    extras: Option<crate::Extras>,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
    empty_ok: bool,
) -> Result<Js> {
    let arrays = [(&data, "data"), (&mask, "where")];
    let call = (layout, op.as_str(), extras.as_ref());
    call_sync(
        &env,
        &arrays,
        || masked_args(call, labels, groups, mask_layout, empty_ok),
        masked_work,
    )
}

/// `reduceGroupedMasked` on a job thread; data and mask over
/// SharedArrayBuffers, the labels copied before it starts.
#[napi(
    js_name = "reduceGroupedMaskedAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn reduce_grouped_masked_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    labels: &[i32],
    groups: u32,
    extras: Option<crate::Extras>,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
    empty_ok: bool,
    token: &CancelToken,
) -> Result<Object<'env>> {
    let arrays = [(&data, "data"), (&mask, "where")];
    let call = (layout, op.as_str(), extras.as_ref());
    call_async(
        env,
        &arrays,
        token,
        || masked_args(call, labels, groups, mask_layout, empty_ok),
        masked_work,
    )
}
