//! `moveWindow` and `moveWindowAsync`: the moving-window reductions
//! (`ndreduce_core::moving`), arguments converted and errors mapped only.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndreduce_core::moving::{move_data, move_data_into, MoveRequest, Moving};
use ndreduce_core::reductions::Dest;
use ndreduce_core::{Error as CoreError, NEVER};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::task::{spawn, CancelToken, Keep};

fn checked(
    layout: &[f64],
    op: &str,
    ddof: Option<f64>,
) -> std::result::Result<(MoveRequest, Moving), CoreError> {
    let op: Moving = op.parse()?;
    Ok((MoveRequest::unpack(layout, ddof.unwrap_or(0.0))?, op))
}

/// A moving-window reduction of any numeric typed array, read in place.
/// `layout` is `[threads, offset, ndim, shape.., strides.., axis, window,
/// minCount]`. The float64 result, C order, of the input's shape, is
/// written to `out`, a Float64Array of that length that JavaScript
/// allocated (V8 frees its own buffers at a collection; one made here
/// would wait for the event loop to turn).
#[napi(js_name = "moveWindow")]
pub fn move_window(
    env: Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] op: crate::array::Name,
    ddof: Option<f64>,
    #[napi(ts_arg_type = "Float64Array")] out: Unknown,
) -> Result<()> {
    guard(|| {
        let (req, op) = checked(layout, op.as_str(), ddof)?;
        let raw = raw_array(&env, &data, "data")?;
        let target = raw_array(&env, &out, "out")?;
        let not_f64 = || CoreError::BadArray {
            field: "out",
            value: "not a Float64Array".into(),
        };
        if target.overlaps(&raw) {
            // SAFETY: no JavaScript runs during this synchronous call, so
            // the input's memory cannot be detached, shrunk or freed; this
            // borrow of it ends with the call.
            let result = move_data(unsafe { crate::array::data(&raw)? }, &req, op, &NEVER)?;
            // SAFETY: as above, and nothing else borrows `out`'s memory now.
            let Dest::F64(dest) = (unsafe { crate::array::dest(&target)? }) else {
                return Err(not_f64());
            };
            ndreduce_core::engine::fits(dest.len(), result.len())?;
            dest.copy_from_slice(&result);
        } else {
            // The arrays share no byte (checked just now), so the input's
            // borrow and the output's exclusive one do not alias.
            // SAFETY: no JavaScript runs during this synchronous call, so
            // neither array's memory can be detached, shrunk or freed.
            let (data, dest) = unsafe { (crate::array::data(&raw)?, crate::array::dest(&target)?) };
            let Dest::F64(dest) = dest else {
                return Err(not_f64());
            };
            move_data_into(data, &req, op, &NEVER, dest)?;
        }
        Ok(())
    })
    .map_err(|e| to_js(&env, &e))
}

/// `moveWindow` on a job thread, cancellable; the data (and `out`, if
/// given: then `null` is resolved) must be over a SharedArrayBuffer.
/// Arguments are checked before the job starts.
#[napi(
    js_name = "moveWindowAsync",
    ts_return_type = "Promise<Float64Array | null>"
)]
pub fn move_window_async<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ArrayBufferView")] data: Unknown,
    layout: &[f64],
    #[napi(ts_arg_type = "string")] op: crate::array::Name,
    ddof: Option<f64>,
    token: &CancelToken,
    #[napi(ts_arg_type = "Float64Array")] out: Option<Unknown>,
) -> Result<Object<'env>> {
    let ready = guard(|| {
        let (req, op) = checked(layout, op.as_str(), ddof)?;
        let held = Held::new(env, raw_array(env, &data, "data")?)?;
        let into = match &out {
            Some(o) => Some(Held::new(env, raw_array(env, o, "out")?)?),
            None => None,
        };
        Ok((req, op, held, into))
    });
    let (req, op, held, into): (MoveRequest, Moving, Held, Option<Held>) =
        ready.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    let mut keep = Keep::new(&data)?;
    if let Some(o) = &out {
        keep = keep.and(o)?;
    }
    spawn(env, &cancel, Some(keep), move || {
        // SAFETY (each `data()` and `dest()` below): `held` and `into` are
        // SharedArrayBuffer views (`Held::new`), kept alive by the
        // references `spawn` releases only after this returns.
        let Some(into) = into else {
            // SAFETY: see above.
            return move_data(unsafe { held.data()? }, &req, op, &flag)
                .map(|v| Some(Js(ndreduce_core::reductions::Output::F64(v))));
        };
        // Overlapping arrays: the result first, then the copy, so that no
        // borrow of the input is alive beside the output's.
        let result = if into.overlaps(&held) {
            // SAFETY: see above; this borrow ends with the statement.
            Some(move_data(unsafe { held.data()? }, &req, op, &flag)?)
        } else {
            None
        };
        // SAFETY: see above; the input's borrow (next) does not alias it,
        // the arrays sharing no byte.
        let Dest::F64(dest) = (unsafe { into.dest()? }) else {
            return Err(CoreError::BadArray {
                field: "out",
                value: "not a Float64Array".into(),
            });
        };
        match result {
            Some(r) => {
                ndreduce_core::engine::fits(dest.len(), r.len())?;
                dest.copy_from_slice(&r);
                Ok(None)
            }
            // SAFETY: see above.
            None => move_data_into(unsafe { held.data()? }, &req, op, &flag, dest).map(|()| None),
        }
    })
}

/// The moving reductions' names, from the core's table.
#[napi(js_name = "movingNames")]
pub fn moving_names() -> Vec<String> {
    Moving::names().map(String::from).collect()
}
