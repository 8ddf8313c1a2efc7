//! The reductions as bindings call them: the input as one of the typed
//! array element types, the op by name, results in their documented types.

use crate::cancel::Cancel;
use crate::engine::{reduce, Schedule};
use crate::error::Error;
use crate::ops::{
    ArgMax, ArgMin, Max, Min, MinMax, NanArgMax, NanArgMin, NanMax, NanMin, Op, Sum, NO_INDEX,
};
use crate::scalar::Scalar;
use crate::view::View;

/// The reductions, by the names bindings pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    Min,
    Max,
    NanMin,
    NanMax,
    MinMax,
    NanMinMax,
    Sum,
    ArgMin,
    ArgMax,
    NanArgMin,
    NanArgMax,
}

const NAMES: [(&str, Reduction); 11] = [
    ("min", Reduction::Min),
    ("max", Reduction::Max),
    ("nanmin", Reduction::NanMin),
    ("nanmax", Reduction::NanMax),
    ("minmax", Reduction::MinMax),
    ("nanminmax", Reduction::NanMinMax),
    ("sum", Reduction::Sum),
    ("argmin", Reduction::ArgMin),
    ("argmax", Reduction::ArgMax),
    ("nanargmin", Reduction::NanArgMin),
    ("nanargmax", Reduction::NanArgMax),
];

impl std::str::FromStr for Reduction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, r)| *r)
            .ok_or_else(|| {
                let names: Vec<String> = NAMES.iter().map(|(n, _)| format!("{n:?}")).collect();
                Error::BadOption {
                    field: "op",
                    value: format!("{s:?} (expected one of {})", names.join(", ")),
                }
            })
    }
}

/// The borrowed elements of a typed array.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    I8(&'a [i8]),
    U8(&'a [u8]),
    I16(&'a [i16]),
    U16(&'a [u16]),
    I32(&'a [i32]),
    U32(&'a [u32]),
    I64(&'a [i64]),
    U64(&'a [u64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// A result, as the typed array bindings hand back.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Where the data is and how to reduce it: the plain numbers of a
/// request, before the view is checked against the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
    pub offset: usize,
    /// Sorted, unique, below `shape.len()`.
    pub axes: Vec<usize>,
    pub threads: Option<usize>,
    pub schedule: Schedule,
}

/// A dtype's conversions of results to `Output`.
trait Typed: Scalar {
    fn values(v: Vec<Self>) -> Output;
    /// The type integer sums land in (int64, uint64); floats sum in f64.
    fn sum(v: Vec<Self::Wide>) -> Result<Output, Error>;
}

/// Exact integer sums converted to `Out`; a sum outside `Out` is an error
/// naming the output index, never a wrapped value.
fn narrow<Out: TryFrom<i128>>(v: Vec<i128>, target: &'static str) -> Result<Vec<Out>, Error> {
    v.into_iter()
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

macro_rules! typed {
    ($t:ty, $variant:ident, $sum:expr) => {
        impl Typed for $t {
            fn values(v: Vec<Self>) -> Output {
                Output::$variant(v)
            }
            fn sum(v: Vec<Self::Wide>) -> Result<Output, Error> {
                $sum(v)
            }
        }
    };
}
typed!(i8, I8, |v| narrow(v, "int64").map(Output::I64));
typed!(i16, I16, |v| narrow(v, "int64").map(Output::I64));
typed!(i32, I32, |v| narrow(v, "int64").map(Output::I64));
typed!(i64, I64, |v| narrow(v, "int64").map(Output::I64));
typed!(u8, U8, |v| narrow(v, "uint64").map(Output::U64));
typed!(u16, U16, |v| narrow(v, "uint64").map(Output::U64));
typed!(u32, U32, |v| narrow(v, "uint64").map(Output::U64));
typed!(u64, U64, |v| narrow(v, "uint64").map(Output::U64));
typed!(f32, F32, |v: Vec<f64>| Ok(Output::F64(v)));
typed!(f64, F64, |v: Vec<f64>| Ok(Output::F64(v)));

/// Arg results as flat C-order indices in doubles (exact below 2^53,
/// which every addressable length is).
fn indices<T>(found: Vec<(T, usize)>, op: &'static str) -> Result<Output, Error> {
    found
        .into_iter()
        .map(|(_, i)| {
            if i == NO_INDEX {
                Err(Error::AllNan { op })
            } else {
                Ok(i as f64)
            }
        })
        .collect::<Result<_, _>>()
        .map(Output::F64)
}

fn run<T: Typed>(data: &[T], r: &Request, op: Reduction, cancel: &Cancel) -> Result<Output, Error> {
    let view = View::new(data, &r.shape, &r.strides, r.offset)?;
    fn with<T: Scalar, O: Op<T>>(
        v: &View<T>,
        r: &Request,
        o: O,
        c: &Cancel,
    ) -> Result<Vec<O::Acc>, Error> {
        reduce(v, &r.axes, &o, r.schedule, r.threads, c)
    }
    let pairs = |v: Vec<(T, T)>| {
        let mut out = Vec::new();
        out.try_reserve_exact(2 * v.len())
            .map_err(|_| Error::TooLarge {
                elements: 2 * v.len(),
            })?;
        out.extend(v.iter().map(|p| p.0));
        out.extend(v.iter().map(|p| p.1));
        Ok(T::values(out))
    };
    let v = &view;
    match op {
        Reduction::Min => with(v, r, Min, cancel).map(T::values),
        Reduction::Max => with(v, r, Max, cancel).map(T::values),
        Reduction::NanMin => with(v, r, NanMin, cancel).map(T::values),
        Reduction::NanMax => with(v, r, NanMax, cancel).map(T::values),
        Reduction::MinMax => with(v, r, MinMax::<false>, cancel).and_then(pairs),
        Reduction::NanMinMax => with(v, r, MinMax::<true>, cancel).and_then(pairs),
        Reduction::Sum => with(v, r, Sum, cancel).and_then(T::sum),
        Reduction::ArgMin => with(v, r, ArgMin, cancel).and_then(|f| indices(f, "argmin")),
        Reduction::ArgMax => with(v, r, ArgMax, cancel).and_then(|f| indices(f, "argmax")),
        Reduction::NanArgMin => with(v, r, NanArgMin, cancel).and_then(|f| indices(f, "nanargmin")),
        Reduction::NanArgMax => with(v, r, NanArgMax, cancel).and_then(|f| indices(f, "nanargmax")),
    }
}

/// Reduces `data` as `request` says with `op`, checking the view against
/// the data first; `cancel` stops the kernels early.
pub fn reduce_data(
    data: Data,
    request: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Output, Error> {
    match data {
        Data::I8(d) => run(d, request, op, cancel),
        Data::U8(d) => run(d, request, op, cancel),
        Data::I16(d) => run(d, request, op, cancel),
        Data::U16(d) => run(d, request, op, cancel),
        Data::I32(d) => run(d, request, op, cancel),
        Data::U32(d) => run(d, request, op, cancel),
        Data::I64(d) => run(d, request, op, cancel),
        Data::U64(d) => run(d, request, op, cancel),
        Data::F32(d) => run(d, request, op, cancel),
        Data::F64(d) => run(d, request, op, cancel),
    }
}
