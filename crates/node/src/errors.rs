//! Core errors as JavaScript errors: one class and one `code` per variant.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Error as NapiError, JsValue};
use ndreduce_core::{Error, ErrorKind};

/// Runs core code, turning a panic into [`Error::Panicked`] so that it
/// reaches JavaScript as an exception instead of aborting the process.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::Panicked(msg))
    })
}

/// Builds the JavaScript error for `e` (a `TypeError`, `RangeError`,
/// `AbortError` or `Error` with `code`), on the JavaScript thread, and
/// wraps it so napi-rs throws or rejects with exactly that object.
pub(crate) fn to_js(env: &Env, e: &Error) -> NapiError {
    let build = || -> napi::Result<NapiError> {
        let code = env.create_string(e.code())?;
        let msg = env.create_string(e.to_string())?;
        let mut out = std::ptr::null_mut();
        let create = match e.kind() {
            ErrorKind::Type => sys::napi_create_type_error,
            ErrorKind::Range => sys::napi_create_range_error,
            ErrorKind::Abort | ErrorKind::Internal => sys::napi_create_error,
        };
        // SAFETY: `env` is the live environment of this JavaScript-thread
        // call, `code` and `msg` are strings created in it just above, and
        // `out` is a valid place for the result.
        let status = unsafe { create(env.raw(), code.raw(), msg.raw(), &mut out) };
        if status != sys::Status::napi_ok {
            return Ok(NapiError::from_reason(e.to_string()));
        }
        // SAFETY: `out` was just created by a successful napi call in `env`.
        let value = unsafe { Unknown::from_raw_unchecked(env.raw(), out) };
        if matches!(e, Error::Aborted) {
            let mut obj = value.coerce_to_object()?;
            obj.set_named_property("name", "AbortError")?;
        }
        Ok(NapiError::from(value))
    };
    build().unwrap_or_else(|err| err)
}
