//! Accumulators to results: the one conversion every source's fold goes
//! through (`reductions::run`). It is compiled once per element type, not
//! once per source (memory, a file, a mask, groups, both): the fold is what
//! differs between sources, the conversion is not.

use crate::dtype::{doubles, indices, Output, Typed};
use crate::error::Error;
use crate::ops::{Moments, ProdAcc};
use crate::reductions::Request;
use crate::scalar::Scalar;

/// One reduction's accumulators, as its op left them, with what their
/// conversion needs to know.
pub(crate) enum Accs<T: Scalar> {
    /// The extremes: the accumulators are the results.
    Values(Vec<T>),
    /// `(min, max)` pairs: both (`minmax`), or their difference (`ptp`).
    Pairs(Vec<(T, T)>, bool),
    Sums(Vec<T::Wide>),
    /// Sums of a mean, each divided by the count of elements it folded.
    Means(Vec<T::Wide>),
    /// Sums with the count of elements each folded (the NaN-skipping mean).
    CountedMeans(Vec<(T::Wide, u64)>),
    /// Moments of a variance, and whether to take its square root.
    Moments(Vec<Moments>, bool),
    Prod(Vec<ProdAcc>),
    /// Values and positions of the arg ops, and the op's name for an
    /// all-NaN lane.
    Args(Vec<(T, usize)>, &'static str),
    /// `any` or `all`, 1 for true (as the result's bytes).
    Truths(Vec<u8>),
    Counts(Vec<u64>),
}

/// The documented result of `accs` under request `r` (whose `float_result`
/// asks for integer results as doubles), `count` being the elements each
/// position of a mean folded.
pub(crate) fn convert<T: Typed>(accs: Accs<T>, r: &Request, count: f64) -> Result<Output, Error> {
    match accs {
        Accs::Values(v) => Ok(T::values(v)),
        Accs::Pairs(v, ptp) => {
            let n = if ptp { v.len() } else { 2 * v.len() };
            let mut out = crate::alloc::reserve(n)?;
            if ptp {
                out.extend(v.iter().map(|p| T::minus(p.1, p.0)));
            } else {
                out.extend(v.iter().map(|p| p.0));
                out.extend(v.iter().map(|p| p.1));
            }
            Ok(T::values(out))
        }
        Accs::Sums(s) if T::IS_FLOAT || r.float_result => doubles(s, T::wide_f64),
        // Integers: `Wide` is i128, read back exactly.
        Accs::Sums(s) => T::integers(s.into_iter().map(T::wide_i128).collect(), "sum"),
        Accs::Means(s) => doubles(s, |w| T::wide_f64(w) / count),
        Accs::CountedMeans(s) => doubles(s, |(w, n)| T::wide_f64(w) / n as f64),
        Accs::Moments(m, sqrt) => {
            let ddof = r.ddof;
            doubles(m, |m| {
                let v = m.variance(ddof);
                if sqrt {
                    v.sqrt()
                } else {
                    v
                }
            })
        }
        Accs::Prod(p) if T::IS_FLOAT => doubles(p, |p| p.float),
        Accs::Prod(p) => {
            if r.float_result {
                // Exact where it fits `i128`, the double product past it.
                return doubles(p, |p| if p.zero { 0.0 } else { p.double::<T>() });
            }
            if let Some(index) = p.iter().position(|p| p.overflow && !p.zero) {
                return Err(Error::Overflow {
                    op: "prod",
                    index,
                    target: T::TARGET,
                });
            }
            T::integers(
                p.into_iter()
                    .map(|p| if p.zero { 0 } else { p.int })
                    .collect(),
                "prod",
            )
        }
        Accs::Args(found, op) => indices(found, op),
        Accs::Truths(b) => Ok(Output::U8(b)),
        Accs::Counts(c) => doubles(c, |n| n as f64),
    }
}
