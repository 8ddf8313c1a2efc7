//! Order statistics: median and quantiles (NumPy's 13 methods) along any
//! axes, by selection (expected O(n) per lane), never by sorting, and
//! never in the caller's memory.
//!
//! ```
//! use ndreduce_core::quantile::{quantile_data, Statistic};
//! use ndreduce_core::reductions::{Data, Output, Request};
//! use ndreduce_core::{Schedule, NEVER};
//! let x = [3.0, 1.0, 2.0, 10.0, 40.0, 20.0];
//! let req = Request::unpack(&[0.0, 0.0, 2.0, 2.0, 3.0, 3.0, 1.0, 1.0, 1.0], Schedule::Auto).unwrap();
//! let median = quantile_data(Data::F64(&x), &req, &Statistic::Median, false, &NEVER);
//! assert_eq!(median, Ok(Output::F64(vec![2.0, 20.0])));
//! ```

mod lanes;
mod method;

pub use method::{lerp, pick, Method, Pick};

use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use smallvec::SmallVec;

use crate::cancel::Cancel;
use crate::dtype::{Data, Element, Output};
use crate::error::Error;
use crate::pool::run_with_threads;
use crate::reductions::Request;
use crate::scalar::Scalar;
use crate::view::View;
use crate::masked::{mask_view, MaskLayout};
use crate::with_dtype;
use lanes::{each_lane, q_major, select_all, Lanes, MaskedGather};

/// What is computed per lane.
#[derive(Clone, Debug, PartialEq)]
pub enum Statistic {
    /// NumPy's `median`: the middle value, or the mean of the middle two.
    Median,
    /// One result per `q` (each in [0, 1]), q-major in the output.
    Quantiles { method: Method, qs: Vec<f64> },
}

impl Statistic {
    /// Results per lane.
    fn per_lane(&self) -> usize {
        match self {
            Statistic::Median => 1,
            Statistic::Quantiles { qs, .. } => qs.len(),
        }
    }

    fn check(&self) -> Result<(), Error> {
        if let Statistic::Quantiles { qs, .. } = self {
            if qs.is_empty() {
                return Err(Error::BadOption {
                    field: "q",
                    value: "[] (expected at least one quantile)".into(),
                });
            }
            if let Some(q) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
                return Err(Error::BadOption {
                    field: "q",
                    value: format!("{q} (expected a number in [0, 1])"),
                });
            }
        }
        Ok(())
    }
}

/// The order statistics of every lane of `data` as `r` lays it out: a
/// float64 result for the median and the interpolating methods, the
/// input's own type for the methods that pick an element. The result is
/// q-major: `[qs.len(), ...kept]`, kept axes in C order. `skip_nan` drops
/// NaN from each lane (NumPy's `nan` twins); otherwise a lane holding NaN
/// gives NaN. A lane left empty gives NaN where the result is a float; an
/// empty reduced axis for an integer result is a `ZeroSize` error.
pub fn quantile_data(
    data: Data<'_>,
    r: &Request,
    stat: &Statistic,
    skip_nan: bool,
    cancel: &Cancel,
) -> Result<Output, Error> {
    stat.check()?;
    with_dtype!(data, Data, d => typed(d, r, stat, skip_nan, None, cancel))
}

/// `quantile_data` of only the elements that `mask` keeps (an entry that
/// is not zero keeps the element at its position; `layout` lays the mask
/// over the data's shape, broadcast axes with stride 0). A lane that keeps
/// nothing gives NaN where the result is a float, and is an `EmptyLane`
/// error naming the first such lane for a picking method on integers.
pub fn quantile_masked(
    data: Data<'_>,
    r: &Request,
    stat: &Statistic,
    skip_nan: bool,
    mask: Data<'_>,
    layout: &MaskLayout,
    cancel: &Cancel,
) -> Result<Output, Error> {
    stat.check()?;
    with_dtype!(data, Data, d => typed(d, r, stat, skip_nan, Some((mask, layout)), cancel))
}

fn typed<T: Scalar + Element>(
    data: &[T],
    r: &Request,
    stat: &Statistic,
    skip_nan: bool,
    mask: Option<(Data<'_>, &MaskLayout)>,
    cancel: &Cancel,
) -> Result<Output, Error> {
    let view = View::new(data, &r.shape, &r.strides, r.offset)?;
    let lanes = Lanes::new(&view, &r.axes, mask.map(|(_, l)| l));
    let element = matches!(stat, Statistic::Quantiles { method, .. } if method.picks_element());
    if lanes.count == 0 {
        return Ok(if element {
            T::values(Vec::new())
        } else {
            Output::F64(Vec::new())
        });
    }
    if element && lanes.len == 0 && !T::IS_FLOAT {
        return Err(Error::ZeroSize { op: "quantile" });
    }
    let data = view.data();
    let out = match mask {
        None => lanes_of(data, &lanes, None, r.threads, stat, skip_nan, cancel)?,
        Some((m, layout)) => with_dtype!(m, Data, m => {
            let mv = mask_view(m, &r.shape, layout)?;
            lanes_of(data, &lanes, Some(&mv), r.threads, stat, skip_nan, cancel)?
        }),
    };
    cancel.check()?;
    Ok(out)
}

/// Every lane's statistics; a picking method on integers, whose result
/// cannot be NaN, makes a lane the mask left empty an error.
fn lanes_of<T: Scalar + Element>(
    data: &[T],
    lanes: &Lanes,
    mask: Option<&dyn MaskedGather<T>>,
    threads: Option<usize>,
    stat: &Statistic,
    skip_nan: bool,
    cancel: &Cancel,
) -> Result<Output, Error> {
    let per_lane = stat.per_lane();
    let first_empty = AtomicUsize::new(usize::MAX);
    let out = run_with_threads(threads, || match stat {
        Statistic::Median => Output::F64(each_lane(
            data,
            lanes,
            mask,
            1,
            skip_nan,
            f64::NAN,
            cancel,
            |_, lane, nan, out| {
                if !nan && !lane.is_empty() {
                    out[0] = median(lane);
                }
            },
        )),
        Statistic::Quantiles { method, qs } if method.picks_element() => {
            let none = T::nan_or(T::NIL);
            T::values(q_major(
                each_lane(
                    data,
                    lanes,
                    mask,
                    per_lane,
                    skip_nan,
                    none,
                    cancel,
                    |l, lane, nan, out| {
                        if lane.is_empty() && !T::IS_FLOAT {
                            first_empty.fetch_min(l, AtomicOrdering::Relaxed);
                        } else if !nan && !lane.is_empty() {
                            quantiles(
                                lane,
                                *method,
                                qs,
                                out,
                                |v| v,
                                |_, _, _| unreachable!("a picking method"),
                            )
                        }
                    },
                ),
                per_lane,
            ))
        }
        Statistic::Quantiles { method, qs } => Output::F64(q_major(
            each_lane(
                data,
                lanes,
                mask,
                per_lane,
                skip_nan,
                f64::NAN,
                cancel,
                |_, lane, nan, out| {
                    if !nan && !lane.is_empty() {
                        quantiles(lane, *method, qs, out, T::to_f64, |a: T, b: T, t| {
                            lerp(a.to_f64(), b.to_f64(), t)
                        })
                    }
                },
            ),
            per_lane,
        )),
    })?;
    match first_empty.into_inner() {
        usize::MAX => Ok(out),
        index => Err(Error::EmptyLane {
            op: "quantile",
            index,
        }),
    }
}

/// NumPy's median: `mean` of the middle one or two, so `(a + b) / 2` in float64.
fn median<T: Scalar>(lane: &mut [T]) -> f64 {
    let n = lane.len();
    let half = n / 2;
    if n % 2 == 1 {
        select_all(lane, &[half]);
        lane[half].to_f64()
    } else {
        select_all(lane, &[half, half - 1]);
        (lane[half - 1].to_f64() + lane[half].to_f64()) / 2.0
    }
}

/// Every quantile of one lane (no NaN in it, at least one value), with one
/// selection pass for all the order statistics they read.
fn quantiles<T: Scalar, R>(
    lane: &mut [T],
    method: Method,
    qs: &[f64],
    out: &mut [R],
    take: impl Fn(T) -> R,
    mix: impl Fn(T, T, f64) -> R,
) {
    let n = lane.len();
    let picks: SmallVec<[Pick; 8]> = qs.iter().map(|&q| pick(method, n, q)).collect();
    let mut wanted: SmallVec<[usize; 16]> = SmallVec::new();
    for p in &picks {
        match *p {
            Pick::Take(k) => wanted.push(k),
            Pick::Lerp { below, above, .. } => wanted.extend([below, above]),
        }
    }
    wanted.sort_unstable_by(|a, b| b.cmp(a));
    wanted.dedup();
    select_all(lane, &wanted);
    for (o, p) in out.iter_mut().zip(&picks) {
        *o = match *p {
            Pick::Take(k) => take(lane[k]),
            Pick::Lerp {
                below,
                above,
                gamma,
            } => mix(lane[below], lane[above], gamma),
        };
    }
}

#[cfg(test)]
mod tests;
