//! `reduceGrouped` and `reduceGroupedAsync`: the reductions by label.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::dtype::{Data, Output};
use ndreduce_core::groups::{reduce_grouped, Labels};
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
