//! The typed arrays of a reduction with options of its own (`where`'s
//! mask beside its data, `by`'s data alone), read once for both forms of
//! the call: on the JavaScript thread, or held for a job thread.

use napi::bindgen_prelude::*;
use ndreduce_core::dtype::{Data, Output};
use ndreduce_core::{Cancel, Error as CoreError, NEVER};

use crate::array::{raw_array, Held, Js};
use crate::errors::{guard, to_js};
use crate::task::{spawn, CancelToken, Keep};

/// The core call of a binding: its checked arguments, its arrays (in the
/// order the binding names them) and the cancel flag.
pub(crate) type Work<A> = fn(&A, &[Data], &Cancel) -> std::result::Result<Output, CoreError>;

/// Checks the arguments (`args`, before any array is read), reads
/// `arrays` (one or two, each with the field its errors name) and runs
/// `work` now.
pub(crate) fn call_sync<A>(
    env: &Env,
    arrays: &[(&Unknown, &'static str)],
    args: impl FnOnce() -> std::result::Result<A, CoreError>,
    work: Work<A>,
) -> Result<Js> {
    guard(|| {
        let args = args()?;
        let raw = arrays
            .iter()
            .map(|(value, field)| raw_array(env, value, field))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // SAFETY: no JavaScript runs during this synchronous call, so no
        // array's memory can be detached, shrunk or freed before it
        // returns; they are only read.
        let data = unsafe {
            raw.iter()
                .map(|r| crate::array::data(r))
                .collect::<std::result::Result<Vec<_>, _>>()?
        };
        work(&args, &data, &NEVER)
    })
    .map(Js)
    .map_err(|e| to_js(env, &e))
}

/// As `call_sync`, on a job thread: the arrays must be over
/// SharedArrayBuffers, and are kept alive until the promise settles.
pub(crate) fn call_async<'env, A: Send + 'static>(
    env: &'env Env,
    arrays: &[(&Unknown, &'static str)],
    token: &CancelToken,
    args: impl FnOnce() -> std::result::Result<A, CoreError>,
    work: Work<A>,
) -> Result<Object<'env>> {
    let checked = guard(|| {
        let args = args()?;
        let held = arrays
            .iter()
            .map(|(value, field)| Held::new(env, raw_array(env, value, field)?))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok((args, held))
    });
    let (args, held) = checked.map_err(|e| to_js(env, &e))?;
    let cancel = token.flag.clone();
    let flag = cancel.clone();
    let mut keep = None::<Keep>;
    for (value, _) in arrays {
        keep = Some(match keep {
            None => Keep::new(value)?,
            Some(k) => k.and(value)?,
        });
    }
    spawn(env, &cancel, keep, move || {
        // SAFETY: SharedArrayBuffer views (`Held::new`), kept alive by
        // the references `spawn` releases only after this returns.
        let data = unsafe {
            held.iter()
                .map(|h| h.data())
                .collect::<std::result::Result<Vec<_>, _>>()?
        };
        work(&args, &data, &flag).map(Js)
    })
}
