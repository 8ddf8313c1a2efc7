//! `reduceGrouped` and `reduceGroupedAsync`: the reductions by label.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::groups::{reduce_grouped, Labels};
use ndreduce_core::NEVER;

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::task::{spawn, CancelToken, Keep};

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
    guard(|| {
        let (req, op) = crate::request(layout, op.as_str(), "auto", extras.as_ref())?;
        let labels = Labels::new(labels, groups as usize)?;
        let raw = raw_array(&env, &data, "data")?;
        // SAFETY: no JavaScript runs during this synchronous call, so the
        // array's memory cannot be detached, shrunk or freed before it returns.
        let data = unsafe { crate::array::data(&raw)? };
        reduce_grouped(data, &req, op, &labels, &NEVER)
    })
    .map(Js)
    .map_err(|e| to_js(&env, &e))
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
    let checked = guard(|| {
        let (req, op) = crate::request(layout, op.as_str(), "auto", extras.as_ref())?;
        let labels = Labels::new(labels, groups as usize)?;
        let held = Held::new(env, raw_array(env, &data, "data")?)?;
        Ok((req, op, labels, held))
    });
    let (req, op, labels, held) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    spawn(env, &cancel, Some(Keep::new(&data)?), move || {
        // SAFETY: `held` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases only after this returns.
        reduce_grouped(unsafe { held.data()? }, &req, op, &labels, &flag).map(Js)
    })
}
