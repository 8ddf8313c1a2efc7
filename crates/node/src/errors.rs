use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::{Env, Error as NapiError, Status};
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

/// The `code` property of every error we raise, one per core variant.
pub(crate) fn code(e: &Error) -> &'static str {
    match e {
        Error::NotAnInteger { .. } => "ERR_NDREDUCE_NOT_INTEGER",
        Error::Negative { .. } => "ERR_NDREDUCE_NEGATIVE",
        Error::ShapeOverflow { .. } => "ERR_NDREDUCE_SHAPE_OVERFLOW",
        Error::OutOfBounds { .. } => "ERR_NDREDUCE_OUT_OF_BOUNDS",
        Error::ZeroSize { .. } => "ERR_NDREDUCE_ZERO_SIZE",
        Error::BadOption { .. } => "ERR_NDREDUCE_BAD_OPTION",
        Error::Overflow { .. } => "ERR_NDREDUCE_OVERFLOW",
        Error::AllNan { .. } => "ERR_NDREDUCE_ALL_NAN",
        Error::TooLarge { .. } => "ERR_NDREDUCE_TOO_LARGE",
        Error::Aborted => "ABORT_ERR",
        Error::Panicked(_) => "ERR_NDREDUCE_PANIC",
    }
}

/// Throws the JavaScript error class that matches the core error, and
/// returns the marker napi-rs expects while an exception is pending.
pub(crate) fn throw(env: &Env, e: &Error) -> NapiError {
    let msg = e.to_string();
    let thrown = match e.kind() {
        ErrorKind::Range => env.throw_range_error(&msg, Some(code(e))),
        ErrorKind::Type => env.throw_type_error(&msg, Some(code(e))),
        ErrorKind::Abort | ErrorKind::Internal => env.throw_error(&msg, Some(code(e))),
    };
    match thrown {
        Ok(()) => NapiError::new(Status::PendingException, msg),
        Err(err) => err,
    }
}

/// For promise rejections, where no exception can be thrown: the code
/// travels in the status string and the TypeScript layer picks the class.
pub(crate) fn to_rejection(e: &Error) -> NapiError {
    NapiError::new(Status::GenericFailure, format!("{}|{}", code(e), e))
}
