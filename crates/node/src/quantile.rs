//! `quantile` and `quantileAsync`: the order statistics of
//! `ndreduce_core::quantile`, arguments converted and errors mapped.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::quantile::{quantile_data, Method, Statistic};
use ndreduce_core::reductions::Request;
use ndreduce_core::{Schedule, NEVER};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
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
