//! The reductions as bindings call them: the input as one of the typed
//! array element types, the op by name, results in their documented types.

use crate::cancel::Cancel;
use crate::convert::{convert, Accs};
pub(crate) use crate::dtype::Typed;
use crate::dtype::Widen;
pub use crate::dtype::{Data, Dest, Dtype, Output};
use crate::engine::{reduce, reduce_into, Schedule};
use crate::error::Error;
use crate::ops::{
    Arg, CountNonzero, CountSum, Max, Min, MinMax, NanMax, NanMin, Op, Prod, Sum, Truth, Var,
};
use crate::scalar::Scalar;
use crate::view::View;
use crate::with_dtype;

pub use crate::request::Request;

/// The reductions, by the names bindings pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    Min,
    Max,
    NanMin,
    NanMax,
    MinMax,
    NanMinMax,
    Ptp,
    Sum,
    NanSum,
    Prod,
    Mean,
    NanMean,
    Var,
    NanVar,
    Std,
    NanStd,
    ArgMin,
    ArgMax,
    NanArgMin,
    NanArgMax,
    Any,
    All,
    CountNonzero,
}

const NAMES: [(&str, Reduction); 23] = [
    ("min", Reduction::Min),
    ("max", Reduction::Max),
    ("nanmin", Reduction::NanMin),
    ("nanmax", Reduction::NanMax),
    ("minmax", Reduction::MinMax),
    ("nanminmax", Reduction::NanMinMax),
    ("ptp", Reduction::Ptp),
    ("sum", Reduction::Sum),
    ("nansum", Reduction::NanSum),
    ("prod", Reduction::Prod),
    ("mean", Reduction::Mean),
    ("nanmean", Reduction::NanMean),
    ("var", Reduction::Var),
    ("nanvar", Reduction::NanVar),
    ("std", Reduction::Std),
    ("nanstd", Reduction::NanStd),
    ("argmin", Reduction::ArgMin),
    ("argmax", Reduction::ArgMax),
    ("nanargmin", Reduction::NanArgMin),
    ("nanargmax", Reduction::NanArgMax),
    ("any", Reduction::Any),
    ("all", Reduction::All),
    ("countNonzero", Reduction::CountNonzero),
];

impl Reduction {
    /// Every reduction's name, as bindings pass it.
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(n, _)| *n)
    }
}

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

/// Where a reduction's accumulators come from: a view in memory folded by
/// the engine, or a file streamed through it in windows (`crate::stream`).
/// The conversion of accumulators to results (`run`) is the same for both.
pub(crate) trait Source<T: Scalar> {
    /// One accumulator per kept position of `r`'s shape, kept axes in C order.
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error>;
    /// The arg ops: indices are flat C-order positions over the reduced
    /// axes, and ties go to the lower index.
    fn fold_arg<O: Op<T, Acc = (T, usize)>>(
        &self,
        op: &O,
        r: &Request,
        cancel: &Cancel,
    ) -> Result<Vec<(T, usize)>, Error> {
        self.fold(op, r, cancel)
    }
}

/// A checked view, folded by the engine in one pass.
struct InMemory<'a, T>(View<'a, T>);

impl<T: Scalar> Source<T> for InMemory<'_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        reduce(&self.0, &r.axes, op, r.schedule, r.threads, cancel)
    }
}

/// Folds `source` with the ops `op` needs and converts the accumulators
/// to the documented result types (`convert`, shared by every source).
pub(crate) fn run<T: Typed, S: Source<T>>(
    v: &S,
    r: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Output, Error> {
    let count = reduced_count(r);
    named::<T, _>(
        fold(v, r, op, cancel).and_then(|a| convert(a, r, count)),
        op,
    )
}

/// [`run`] over a source that reads `T`'s elements as its wide type
/// ([`Widen`]): the extremes' accumulators are elements, and are narrowed
/// back to `T` (they are `T` values) before the conversion that `T`
/// would have had; no other result depends on the width.
pub(crate) fn run_wide<T: Widen, S: Source<T::W>>(
    v: &S,
    r: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Output, Error> {
    let count = reduced_count(r);
    let narrow = |(a, b)| (T::narrow(a), T::narrow(b));
    named::<T, _>(
        fold(v, r, op, cancel).and_then(|a| match a {
            Accs::Values(v) => convert::<T>(
                Accs::Values(v.into_iter().map(T::narrow).collect()),
                r,
                count,
            ),
            Accs::Pairs(p, ptp) => convert::<T>(
                Accs::Pairs(p.into_iter().map(narrow).collect(), ptp),
                r,
                count,
            ),
            a => convert(a, r, count),
        }),
        op,
    )
}

/// The accumulators `op` needs from `v`.
fn fold<T: Typed, S: Source<T>>(
    v: &S,
    r: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Accs<T>, Error> {
    fn with<T: Scalar, O: Op<T>, S: Source<T>>(
        v: &S,
        r: &Request,
        o: O,
        c: &Cancel,
    ) -> Result<Vec<O::Acc>, Error> {
        v.fold(&o, r, c)
    }
    fn arg<T: Scalar, S: Source<T>>(
        v: &S,
        r: &Request,
        o: Arg,
        c: &Cancel,
    ) -> Result<Accs<T>, Error> {
        v.fold_arg(&o, r, c)
            .map(|found| Accs::Args(found, o.name()))
    }
    // Integers hold no NaN, so a NaN-skipping op on them is its plain
    // twin. The `T::IS_FLOAT` guards are constants after monomorphisation
    // and the compiler instantiates no code behind a false one: integer
    // dtypes never get the NaN-skipping ops' kernels.
    let float = T::IS_FLOAT;
    match op {
        Reduction::Min => with(v, r, Min, cancel).map(Accs::Values),
        Reduction::Max => with(v, r, Max, cancel).map(Accs::Values),
        Reduction::NanMin if float => with(v, r, NanMin, cancel).map(Accs::Values),
        Reduction::NanMin => with(v, r, Min, cancel).map(Accs::Values),
        Reduction::NanMax if float => with(v, r, NanMax, cancel).map(Accs::Values),
        Reduction::NanMax => with(v, r, Max, cancel).map(Accs::Values),
        Reduction::MinMax | Reduction::NanMinMax => {
            let o = MinMax {
                skip_nan: op == Reduction::NanMinMax,
            };
            with(v, r, o, cancel).map(|p| Accs::Pairs(p, false))
        }
        // NumPy's ptp takes the maximum first, so its empty-axis error names it.
        Reduction::Ptp => with(v, r, MinMax { skip_nan: false }, cancel)
            .map_err(|e| match e {
                Error::ZeroSize { .. } => Error::ZeroSize { op: "maximum" },
                e => e,
            })
            .map(|p| Accs::Pairs(p, true)),
        Reduction::NanSum if float => with(v, r, Sum::<true>, cancel).map(Accs::Sums),
        Reduction::Sum | Reduction::NanSum => with(v, r, Sum::<false>, cancel).map(Accs::Sums),
        Reduction::NanMean if float => with(v, r, CountSum, cancel).map(Accs::CountedMeans),
        Reduction::Mean | Reduction::NanMean => with(v, r, Sum::<false>, cancel).map(Accs::Means),
        Reduction::NanVar if float => {
            with(v, r, Var::<true>, cancel).map(|m| Accs::Moments(m, false))
        }
        Reduction::Var | Reduction::NanVar => {
            with(v, r, Var::<false>, cancel).map(|m| Accs::Moments(m, false))
        }
        Reduction::NanStd if float => {
            with(v, r, Var::<true>, cancel).map(|m| Accs::Moments(m, true))
        }
        Reduction::Std | Reduction::NanStd => {
            with(v, r, Var::<false>, cancel).map(|m| Accs::Moments(m, true))
        }
        Reduction::Prod => with(v, r, Prod, cancel).map(Accs::Prod),
        // On integers, which hold no NaN, `skip_nan` changes only the name.
        Reduction::ArgMin | Reduction::ArgMax | Reduction::NanArgMin | Reduction::NanArgMax => {
            let o = Arg {
                max: matches!(op, Reduction::ArgMax | Reduction::NanArgMax),
                skip_nan: matches!(op, Reduction::NanArgMin | Reduction::NanArgMax),
            };
            arg(v, r, o, cancel)
        }
        // Unreachable: every entry reads unsigned data as signed for these
        // (`for_op`), so that they compile no code of their own.
        Reduction::Any | Reduction::All | Reduction::CountNonzero if T::UNSIGNED => {
            Err(Error::Panicked(format!("{op:?} reached an unsigned dtype")))
        }
        Reduction::Any | Reduction::All => {
            let o = Truth {
                all: op == Reduction::All,
            };
            // In place, one plain loop: collecting through iterator
            // adapters ran 1.3x slower where codegen units split the crate.
            let mut accs = with(v, r, o, cancel)?;
            for a in accs.iter_mut() {
                *a = u8::from(o.value(*a));
            }
            Ok(Accs::Truths(accs))
        }
        Reduction::CountNonzero => with(v, r, CountNonzero, cancel).map(Accs::Counts),
    }
}

/// `data` as `op`'s code reads it: unsigned arrays as signed for the ops
/// that test elements against zero (see [`Data::as_signed`]).
pub(crate) fn for_op(data: Data, op: Reduction) -> Data {
    if tests_zero(op) {
        data.as_signed()
    } else {
        data
    }
}

/// The reductions whose result depends only on which elements are zero.
pub(crate) fn tests_zero(op: Reduction) -> bool {
    matches!(
        op,
        Reduction::Any | Reduction::All | Reduction::CountNonzero
    )
}

/// NumPy's name in the error for a lane that folds no element, for the
/// reductions without an identity; `None` where an empty lane has a value
/// (the op's start: 0 for `sum`, NaN for `mean`, ...).
pub(crate) fn no_identity(op: Reduction) -> Option<&'static str> {
    use Reduction::*;
    Some(match op {
        Min | NanMin => "minimum",
        Max | NanMax | Ptp => "maximum",
        MinMax | NanMinMax => "minimum",
        ArgMin => "argmin",
        ArgMax => "argmax",
        NanArgMin => "nanargmin",
        NanArgMax => "nanargmax",
        _ => return None,
    })
}

/// A `mean` that divides a plain sum by the count of its lane (integers'
/// `nanmean` is their `mean`; floats' folds its own count of non-NaN elements).
pub(crate) fn plain_mean<T: Scalar>(op: Reduction) -> bool {
    op == Reduction::Mean || (op == Reduction::NanMean && !T::IS_FLOAT)
}

/// The empty-axis error under `op`'s own name: on integers a NaN-skipping
/// op runs as its plain twin, whose error would name the plain op.
fn named<T: Scalar, A>(result: Result<A, Error>, op: Reduction) -> Result<A, Error> {
    match result {
        Err(Error::ZeroSize { op: plain }) if !T::IS_FLOAT => Err(Error::ZeroSize {
            op: nan_skipping_name(op).unwrap_or(plain),
        }),
        result => result,
    }
}

/// NumPy's name in "zero-size array to reduction operation {name}" for
/// the NaN-skipping ops without identity, from the ops themselves.
fn nan_skipping_name(op: Reduction) -> Option<&'static str> {
    type F = f64;
    Some(match op {
        Reduction::NanMin => <NanMin as Op<F>>::NAME,
        Reduction::NanMax => <NanMax as Op<F>>::NAME,
        Reduction::NanMinMax => <MinMax as Op<F>>::NAME,
        Reduction::NanArgMin | Reduction::NanArgMax => Arg {
            max: op == Reduction::NanArgMax,
            skip_nan: true,
        }
        .name(),
        _ => return None,
    })
}

fn in_memory<T: Typed>(
    data: &[T],
    r: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Output, Error> {
    let v = View::new(data, &r.shape, &r.strides, r.offset)?;
    if let Some((skip_nan, sqrt)) = by_rows(op, r) {
        if let Some(out) = crate::state::variance_of_rows(&v, r, skip_nan, sqrt, cancel, None)? {
            return Ok(Output::F64(out));
        }
    }
    run(&InMemory(v), r, op, cancel)
}

/// Elements each result of `r` reduces (a mean's divisor).
fn reduced_count(r: &Request) -> f64 {
    r.axes.iter().map(|&a| r.shape[a] as f64).product()
}

/// `(skip_nan, sqrt)` for the variance family on the automatic schedule,
/// which [`crate::state::variance_of_rows`] computes where the view's
/// reduced elements are rows over contiguous kept columns.
fn by_rows(op: Reduction, r: &Request) -> Option<(bool, bool)> {
    let sqrt = match op {
        Reduction::Var | Reduction::NanVar => false,
        Reduction::Std | Reduction::NanStd => true,
        _ => return None,
    };
    let skip_nan = matches!(op, Reduction::NanVar | Reduction::NanStd);
    (r.schedule == Schedule::Auto).then_some((skip_nan, sqrt))
}

/// [`reduce_data`] written into `dest`, the caller's memory, which must
/// have the result's type and length. The extremes, whose accumulators
/// are their results, are folded straight into it, and so is the
/// variance of rows; other reductions are converted from their
/// accumulators and copied.
pub fn reduce_data_into(
    data: Data,
    request: &Request,
    op: Reduction,
    cancel: &Cancel,
    dest: Dest,
) -> Result<(), Error> {
    fn into<T: Typed>(
        d: &[T],
        r: &Request,
        op: Reduction,
        c: &Cancel,
        dest: Dest,
    ) -> Result<(), Error> {
        let dest = match (by_rows(op, r), dest) {
            (Some((skip_nan, sqrt)), Dest::F64(out)) => {
                // The variance of rows is written straight into the result.
                let v = View::new(d, &r.shape, &r.strides, r.offset)?;
                crate::alloc::advise_output(out);
                if crate::state::variance_of_rows(&v, r, skip_nan, sqrt, c, Some(&mut *out))?
                    .is_some()
                {
                    return Ok(());
                }
                Dest::F64(out)
            }
            (_, dest) => dest,
        };
        let dest = match (op, dest) {
            (Reduction::Sum | Reduction::Mean, Dest::F64(out))
                if T::IS_FLOAT || r.float_result || op == Reduction::Mean =>
            {
                // The sums are converted straight into the result (as
                // `run` converts them into a new vector).
                let v = View::new(d, &r.shape, &r.strides, r.offset)?;
                let sums = reduce(&v, &r.axes, &Sum::<false>, r.schedule, r.threads, c)?;
                crate::engine::fits(out.len(), sums.len())?;
                crate::alloc::advise_output(out);
                if op == Reduction::Mean {
                    let count = reduced_count(r);
                    for (o, w) in out.iter_mut().zip(sums) {
                        *o = T::wide_f64(w) / count;
                    }
                } else {
                    for (o, w) in out.iter_mut().zip(sums) {
                        *o = T::wide_f64(w);
                    }
                }
                return Ok(());
            }
            (_, dest) => dest,
        };
        let extreme = matches!(
            op,
            Reduction::Min | Reduction::Max | Reduction::NanMin | Reduction::NanMax
        );
        let out = match T::dest(dest) {
            Ok(out) if extreme => out,
            Ok(out) => return in_memory(d, r, op, c)?.copy_into(T::as_dest(out)),
            Err(dest) => return in_memory(d, r, op, c)?.copy_into(dest),
        };
        let v = View::new(d, &r.shape, &r.strides, r.offset)?;
        // Often a fresh JavaScript result, written whole.
        crate::alloc::advise_output(out);
        let (a, s, t) = (&r.axes[..], r.schedule, r.threads);
        // As in `run`: integers fold the NaN-skipping extremes as the plain ones.
        let result = match op {
            Reduction::NanMin if T::IS_FLOAT => reduce_into(&v, a, &NanMin, s, t, c, out),
            Reduction::NanMax if T::IS_FLOAT => reduce_into(&v, a, &NanMax, s, t, c, out),
            Reduction::Min | Reduction::NanMin => reduce_into(&v, a, &Min, s, t, c, out),
            _ => reduce_into(&v, a, &Max, s, t, c, out),
        };
        named::<T, ()>(result, op)
    }
    with_dtype!(for_op(data, op), Data, d => into(d, request, op, cancel, dest))
}

/// Reduces `data` as `request` says with `op`, checking the view against
/// the data first; `cancel` stops the kernels early.
pub fn reduce_data(
    data: Data,
    request: &Request,
    op: Reduction,
    cancel: &Cancel,
) -> Result<Output, Error> {
    with_dtype!(for_op(data, op), Data, d => in_memory(d, request, op, cancel))
}
