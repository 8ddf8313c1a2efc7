//! `quantile` and `quantileAsync` (and their `where` forms,
//! `quantileMasked` and `quantileMaskedAsync`): the order statistics of
//! `ndreduce_core::quantile`, arguments converted and errors mapped.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::dtype::{Data, Output};
use ndreduce_core::masked::MaskLayout;
use ndreduce_core::quantile::{quantile_data, quantile_masked, Method, Statistic};
use ndreduce_core::reductions::Request;
use ndreduce_core::{Cancel, Error as CoreError, Schedule, NEVER};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::inputs::{call_async, call_sync};
use crate::task::{spawn, CancelToken, Keep};

/// `"median"`, or a quantile method with its `qs`.
fn statistic(
    method: &str,
    qs: Option<&[f64]>,
) -> std::result::Result<Statistic, ndreduce_core::Error> {
    match (method, qs) {
        ("median", None) => Ok(Statistic::Median),
        (name, Some(qs)) => Ok(Statistic::Quantiles {
            method: name.parse::<Method>()?,
            qs: qs.to_vec(),
        }),
        (name, None) => Err(ndreduce_core::Error::BadOption {
            field: "q",
            value: format!("missing for method {name:?}"),
        }),
    }
}

/// The quantile methods' names, from the core's table.
#[napi(js_name = "quantileMethods")]
pub fn quantile_methods() -> Vec<String> {
    Method::names().map(String::from).collect()
}

/// Median (`method` `"median"`, `qs` null) or quantiles `qs` (each in
/// [0, 1]) of `data` laid out as `layout` says (`reduce`'s layout),
/// q-major. NaN propagates unless `skipNan`.
#[napi(
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
pub fn quantile(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] method: crate::array::Name,
    qs: Option<&[f64]>,
    skip_nan: bool,
) -> Result<Js> {
    guard(|| {
        let req = Request::unpack(layout, Schedule::Auto)?;
        let stat = statistic(method.as_str(), qs)?;
        let raw = raw_array(&env, &data, "data")?;
        // SAFETY: no JavaScript runs during this synchronous call, so the
        // array's memory cannot be detached, shrunk or freed before it returns.
        let data = unsafe { crate::array::data(&raw)? };
        quantile_data(data, &req, &stat, skip_nan, &NEVER)
    })
    .map(Js)
    .map_err(|e| to_js(&env, &e))
}

/// `quantile` on a job thread, over a SharedArrayBuffer only.
#[napi(
    js_name = "quantileAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
pub fn quantile_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] method: crate::array::Name,
    qs: Option<&[f64]>,
    skip_nan: bool,
    token: &CancelToken,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let req = Request::unpack(layout, Schedule::Auto)?;
        let stat = statistic(method.as_str(), qs)?;
        let held = Held::new(env, raw_array(env, &data, "data")?)?;
        Ok((req, stat, held))
    });
    let (req, stat, held) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    spawn(env, &cancel, Some(Keep::new(&data)?), move || {
        // SAFETY: `held` is a SharedArrayBuffer view (`Held::new`), kept
        // alive by the reference `spawn` releases only after this returns.
        quantile_data(unsafe { held.data()? }, &req, &stat, skip_nan, &flag).map(Js)
    })
}

/// A masked call's checked arguments: the request, the statistic, where
/// the mask lies and whether NaN is skipped.
type MaskedArgs = (Request, Statistic, MaskLayout, bool);

fn masked_args(
    layout: &[f64],
    method: &str,
    qs: Option<&[f64]>,
    mask_layout: &[f64],
    skip_nan: bool,
) -> std::result::Result<MaskedArgs, CoreError> {
    let req = Request::unpack(layout, Schedule::Auto)?;
    let stat = statistic(method, qs)?;
    let ml = MaskLayout::unpack(mask_layout, req.shape.len())?;
    Ok((req, stat, ml, skip_nan))
}

fn masked_work(
    (req, stat, ml, skip_nan): &MaskedArgs,
    arrays: &[Data],
    cancel: &Cancel,
) -> std::result::Result<Output, CoreError> {
    quantile_masked(arrays[0], req, stat, *skip_nan, arrays[1], ml, cancel)
}

/// `quantile` of the elements that `mask` keeps (an entry that is not
/// zero keeps the element at its position). `maskLayout` is `[offset,
/// strides..]` over the data's shape, broadcast axes with stride 0.
#[napi(
    js_name = "quantileMasked",
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array"
)]
#[allow(clippy::too_many_arguments)]
pub fn quantile_masked_sync(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] method: crate::array::Name,
    qs: Option<&[f64]>,
    skip_nan: bool,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
) -> Result<Js> {
    let arrays = [(&data, "data"), (&mask, "where")];
    call_sync(
        &env,
        &arrays,
        || masked_args(layout, method.as_str(), qs, mask_layout, skip_nan),
        masked_work,
    )
}

/// `quantileMasked` on a job thread; data and mask over SharedArrayBuffers.
#[napi(
    js_name = "quantileMaskedAsync",
    ts_return_type = "Promise<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array>"
)]
#[allow(clippy::too_many_arguments)]
pub fn quantile_masked_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] method: crate::array::Name,
    qs: Option<&[f64]>,
    skip_nan: bool,
    #[napi(ts_arg_type = "ArrayBufferView")] mask: Unknown,
    mask_layout: &[f64],
    token: &CancelToken,
) -> Result<Object<'env>> {
    let arrays = [(&data, "data"), (&mask, "where")];
    call_async(
        env,
        &arrays,
        token,
        || masked_args(layout, method.as_str(), qs, mask_layout, skip_nan),
        masked_work,
    )
}
