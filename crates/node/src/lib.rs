//! The napi-rs binding: converts JavaScript arguments, calls
//! `ndreduce-core`, maps its errors to JavaScript errors. No algorithm
//! lives here.

mod array;
mod codec;
mod errors;
mod groups;
mod inputs;
mod masked;
mod moving;
mod quantile;
mod stream;
mod task;

use napi::bindgen_prelude::*;
use napi_derive::napi;
#[cfg(feature = "test-hooks")]
use ndreduce_core::count_from_f64;
use ndreduce_core::reductions::{reduce_data, reduce_data_into, Reduction, Request};
use ndreduce_core::{Schedule, NEVER};

use crate::array::{raw_array, Js};
use crate::errors::{guard, to_js};

/// Options only some reductions read.
#[napi(object)]
pub struct Extras {
    /// Degrees of freedom for the variance family (NumPy's `ddof`), default 0.
    pub ddof: Option<f64>,
    /// `'float64'`: integer sums and products as doubles; `'int64'` (default): exact.
    #[napi(ts_type = "'float64' | 'int64'")]
    pub dtype: Option<String>,
}

/// The op, schedule, layout and extras of a call, checked.
pub(crate) fn request(
    layout: &[f64],
    op: &str,
    schedule: &str,
    extras: Option<&Extras>,
) -> std::result::Result<(Request, Reduction), ndreduce_core::Error> {
    use ndreduce_core::Error::BadOption;
    let op: Reduction = op.parse()?;
    let mut request = Request::unpack(layout, schedule.parse::<Schedule>()?)?;
    if let Some(extras) = extras {
        if let Some(ddof) = extras.ddof {
            if !ddof.is_finite() {
                return Err(BadOption {
                    field: "ddof",
                    value: format!("{ddof} (expected a finite number)"),
                });
            }
            request.ddof = ddof;
        }
        request.float_result = match extras.dtype.as_deref() {
            None | Some("int64") => false,
            Some("float64") => true,
            Some(other) => {
                return Err(BadOption {
                    field: "dtype",
                    value: format!("{other:?} (expected \"float64\" or \"int64\")"),
                })
            }
        };
    }
    Ok((request, op))
}

/// Reduces any numeric typed array, read in place. `layout` is
/// `[threads, offset, ndim, shape.., strides.., naxes, axes..]`. With
/// `out` (a typed array of the result's type and length) the result is
/// written there and `null` returned: no result buffer is allocated.
#[napi(
    ts_return_type = "Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array | null"
)]
pub fn reduce(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "OpName")] op: crate::array::Name,
    #[napi(ts_arg_type = "'auto' | 'serial' | 'mutex' | 'lockfree'")] schedule: crate::array::Name,
    extras: Option<Extras>,
    #[napi(ts_arg_type = "ArrayBufferView")] out: Option<Unknown>,
) -> Result<Option<Js>> {
    guard(|| {
        let (req, op) = request(layout, op.as_str(), schedule.as_str(), extras.as_ref())?;
        let raw = raw_array(&env, &data, "data")?;
        let Some(out) = out else {
            // SAFETY: no JavaScript runs during this synchronous call, so
            // the array's memory cannot be detached, shrunk or freed before
            // `reduce_data` returns.
            let data = unsafe { array::data(&raw)? };
            return reduce_data(data, &req, op, &NEVER).map(Some);
        };
        let target = raw_array(&env, &out, "out")?;
        if target.overlaps(&raw) {
            // Results computed first and copied, so that the input is no
            // longer borrowed when its memory is written.
            // SAFETY: as above; this borrow of the input ends with the call.
            let result = reduce_data(unsafe { array::data(&raw)? }, &req, op, &NEVER)?;
            // SAFETY: as above, and nothing else borrows `out`'s memory now.
            result.copy_into(unsafe { array::dest(&target)? })?;
        } else {
            // SAFETY: as above for both arrays; they share no byte (checked
            // just now), so the input's borrow and the output's exclusive
            // one do not alias.
            let (data, dest) = unsafe { (array::data(&raw)?, array::dest(&target)?) };
            reduce_data_into(data, &req, op, &NEVER, dest)?;
        }
        Ok(None)
    })
    .map(|r| r.map(Js))
    .map_err(|e| to_js(&env, &e))
}

/// Reads every element of `data` once, in parallel (benchmark floor only).
#[cfg(feature = "test-hooks")]
#[napi(js_name = "readFloor")]
pub fn read_floor(env: Env, data: &[i64], threads: Option<f64>) -> Result<f64> {
    guard(|| {
        let threads = threads.map(|t| count_from_f64("threads", t)).transpose()?;
        ndreduce_core::read_floor(data, threads)
    })
    .map(|x| x as f64)
    .map_err(|e| to_js(&env, &e))
}

/// The op names `reduce`, `reduceAsync` and `reduceFileAsync` accept, from
/// the core's table of reductions.
#[napi]
pub fn reductions() -> Vec<String> {
    Reduction::names().map(String::from).collect()
}

/// The element type names `reduceFileAsync` accepts (and the kinds typed
/// arrays map to), from the core's dtype table.
#[napi]
pub fn dtypes() -> Vec<String> {
    ndreduce_core::Dtype::ALL
        .iter()
        .map(|d| d.name().into())
        .collect()
}

/// Every `code` an error raised by this addon can carry, from the core's
/// table of errors.
#[napi(js_name = "errorCodes")]
pub fn error_codes() -> Vec<String> {
    ndreduce_core::Error::CODES
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// The size of rayon's default pool (honours `RAYON_NUM_THREADS`).
#[napi(js_name = "defaultThreads")]
pub fn default_threads() -> u32 {
    ndreduce_core::default_threads() as u32
}

/// Panics inside a rayon kernel: lets the tests prove that a panic becomes
/// a JavaScript error instead of aborting the process.
#[cfg(feature = "test-hooks")]
#[napi(js_name = "_panicInKernel")]
pub fn panic_in_kernel(env: Env) -> Result<()> {
    guard(ndreduce_core::panic_in_worker_for_tests).map_err(|e| to_js(&env, &e))
}

/// Folds `data` into `state`, a Float64Array of accumulators per kept
/// position holding `count` elements each from earlier calls (0: a fresh
/// state, whatever it holds): `"moments"` (mean, squared deviations and
/// the low words of both; 4 per position) or `"sum"` (a compensated float
/// sum and its error; 2). A mergeable partial keeps it between chunks.
#[napi(js_name = "foldState")]
pub fn fold_state(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "'moments' | 'sum'")] kind: crate::array::Name,
    count: f64,
    #[napi(ts_arg_type = "Float64Array")] state: Unknown,
) -> Result<()> {
    use ndreduce_core::state::StateKind;
    guard(|| {
        let kind: StateKind = kind.as_str().parse()?;
        let req = Request::unpack(layout, Schedule::Auto)?;
        let raw = raw_array(&env, &data, "data")?;
        let target = raw_array(&env, &state, "state")?;
        // SAFETY: this is the synchronous call both arrays came from.
        let (data, state) = unsafe { read_beside_doubles(&raw, &target, "state", "data")? };
        ndreduce_core::state::fold_state(data, &req, kind, count, state, &NEVER)
    })
    .map_err(|e| to_js(&env, &e))
}

/// Writes `statistic` of each position of `state` (as `foldState` left
/// it, `count` elements per position) into `out`, one per position.
#[napi(js_name = "stateValue")]
#[allow(clippy::too_many_arguments)] // one per JavaScript argument, and the Env
pub fn state_value(
    env: Env,
    #[napi(ts_arg_type = "'moments' | 'sum'")] kind: crate::array::Name,
    count: f64,
    #[napi(ts_arg_type = "Float64Array")] state: Unknown,
    #[napi(ts_arg_type = "'mean' | 'var' | 'std'")] statistic: crate::array::Name,
    ddof: f64,
    threads: Option<f64>,
    #[napi(ts_arg_type = "Float64Array")] out: Unknown,
) -> Result<()> {
    use ndreduce_core::state::{StateKind, Statistic};
    guard(|| {
        let kind: StateKind = kind.as_str().parse()?;
        let statistic: Statistic = statistic.as_str().parse()?;
        let raw = raw_array(&env, &state, "state")?;
        let target = raw_array(&env, &out, "out")?;
        // SAFETY: this is the synchronous call both arrays came from.
        let (state, out) = unsafe { read_beside_doubles(&raw, &target, "out", "state")? };
        let ndreduce_core::reductions::Data::F64(state) = state else {
            return Err(ndreduce_core::Error::BadArray {
                field: "state",
                value: "not a Float64Array".into(),
            });
        };
        let threads = threads
            .map(|t| ndreduce_core::count_from_f64("threads", t))
            .transpose()?;
        ndreduce_core::state::state_value(kind, count, state, statistic, ddof, threads, out)
    })
    .map_err(|e| to_js(&env, &e))
}

/// The elements of `read`, and those of `write` (a Float64Array the addon
/// writes, named `field`) borrowed exclusively; refused when the two share
/// a byte (`what` names `read` in that error) or `write` holds no doubles.
///
/// # Safety
/// Only during the synchronous call both arrays came from: no JavaScript
/// runs then, so neither array's memory can be detached, shrunk or freed.
unsafe fn read_beside_doubles<'a>(
    read: &array::RawArray,
    write: &array::RawArray,
    field: &'static str,
    what: &str,
) -> std::result::Result<(ndreduce_core::reductions::Data<'a>, &'a mut [f64]), ndreduce_core::Error>
{
    if write.overlaps(read) {
        return Err(ndreduce_core::Error::BadArray {
            field,
            value: format!("memory shared with the {what}"),
        });
    }
    // SAFETY: valid for the call (the caller's contract), and the arrays
    // share no byte (checked just now), so the borrow of `read` and the
    // exclusive one of `write` do not alias.
    let (data, dest) = unsafe { (array::data(read)?, array::dest(write)?) };
    match dest {
        ndreduce_core::reductions::Dest::F64(d) => Ok((data, d)),
        _ => Err(ndreduce_core::Error::BadArray {
            field,
            value: "not a Float64Array".into(),
        }),
    }
}
