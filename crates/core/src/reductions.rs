//! The general reductions as bindings call them: an op chosen by name,
//! results converted to the documented output types.

use crate::cancel::Cancel;
use crate::engine::reduce;
use crate::error::Error;
use crate::nd::ViewN;
use crate::ops::{
    ArgMax, ArgMin, Max, Min, MinMax, NanArgMax, NanArgMin, NanMax, NanMin, Sum, NO_INDEX,
};
use crate::scalar::Scalar;

/// Where the data is and how to reduce it.
pub struct Request<'a> {
    pub view: &'a ViewN,
    pub axes: &'a [usize],
    pub threads: Option<usize>,
    pub cancel: &'a Cancel,
}

fn bad_op(op: &str, expected: &str) -> Error {
    Error::BadOption {
        field: "op",
        value: format!("{op:?} (expected {expected})"),
    }
}

/// `min`, `max` or `minmax` (mins then maxes), NaN-propagating or skipping.
pub fn extremum<T: Scalar>(
    data: &[T],
    r: &Request,
    op: &str,
    skip_nan: bool,
) -> Result<Vec<T>, Error> {
    let run = |o| match (o, skip_nan) {
        ("max", false) => reduce(data, r.view, r.axes, &Max, r.threads, r.cancel),
        ("max", true) => reduce(data, r.view, r.axes, &NanMax, r.threads, r.cancel),
        ("min", false) => reduce(data, r.view, r.axes, &Min, r.threads, r.cancel),
        ("min", true) => reduce(data, r.view, r.axes, &NanMin, r.threads, r.cancel),
        _ => Err(bad_op(op, "\"min\", \"max\" or \"minmax\"")),
    };
    if op != "minmax" {
        return run(op);
    }
    let pairs = if skip_nan {
        reduce(data, r.view, r.axes, &MinMax::<true>, r.threads, r.cancel)?
    } else {
        reduce(data, r.view, r.axes, &MinMax::<false>, r.threads, r.cancel)?
    };
    Ok(pairs
        .iter()
        .map(|p| p.0)
        .chain(pairs.iter().map(|p| p.1))
        .collect())
}

/// `argmin` or `argmax`: flat C-order index over the reduced axes, as a
/// double (exact below 2^53, which every addressable length is).
pub fn arg<T: Scalar>(
    data: &[T],
    r: &Request,
    op: &str,
    skip_nan: bool,
) -> Result<Vec<f64>, Error> {
    let found = match (op, skip_nan) {
        ("argmax", false) => reduce(data, r.view, r.axes, &ArgMax, r.threads, r.cancel)?,
        ("argmax", true) => reduce(data, r.view, r.axes, &NanArgMax, r.threads, r.cancel)?,
        ("argmin", false) => reduce(data, r.view, r.axes, &ArgMin, r.threads, r.cancel)?,
        ("argmin", true) => reduce(data, r.view, r.axes, &NanArgMin, r.threads, r.cancel)?,
        _ => return Err(bad_op(op, "\"argmin\" or \"argmax\"")),
    };
    let name = if op == "argmax" {
        "nanargmax"
    } else {
        "nanargmin"
    };
    found
        .into_iter()
        .map(|(_, i)| {
            if i == NO_INDEX {
                Err(Error::AllNan { op: name })
            } else {
                Ok(i as f64)
            }
        })
        .collect()
}

/// Exact integer sums converted to `Out` (int64 or uint64); a sum outside
/// `Out` is an error naming the output index, never a wrapped value.
fn sum_exact<T: Scalar<Wide = i128>, Out: TryFrom<i128>>(
    data: &[T],
    r: &Request,
    target: &'static str,
) -> Result<Vec<Out>, Error> {
    let sums = reduce(data, r.view, r.axes, &Sum, r.threads, r.cancel)?;
    sums.into_iter()
        .enumerate()
        .map(|(index, s)| {
            Out::try_from(s).map_err(|_| Error::Overflow {
                op: "sum",
                index,
                target,
            })
        })
        .collect()
}

/// Sum of signed integers, exact, as int64.
pub fn sum_signed<T: Scalar<Wide = i128>>(data: &[T], r: &Request) -> Result<Vec<i64>, Error> {
    sum_exact(data, r, "int64")
}

/// Sum of unsigned integers, exact, as uint64.
pub fn sum_unsigned<T: Scalar<Wide = i128>>(data: &[T], r: &Request) -> Result<Vec<u64>, Error> {
    sum_exact(data, r, "uint64")
}

/// Sum of floats, accumulated in float64.
pub fn sum_float<T: Scalar<Wide = f64>>(data: &[T], r: &Request) -> Result<Vec<f64>, Error> {
    reduce(data, r.view, r.axes, &Sum, r.threads, r.cancel)
}
