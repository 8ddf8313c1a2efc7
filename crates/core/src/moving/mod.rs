//! Moving-window reductions, bottleneck's `move_*` family: each output
//! is a reduction of the `window` elements ending at its position along
//! `axis`, NaN skipped, NaN while fewer than `min_count` are not NaN.
//! Results are float64, of the input's shape, in C order.

mod drive;
mod exact;
mod extreme_rows;
mod extremes;
mod kernel;
mod layout;
mod lockstep;
mod order;
mod sums;
#[cfg(test)]
mod tests;

use crate::cancel::Cancel;
use crate::dtype::Data;
use std::mem::MaybeUninit;

use crate::error::Error;
use crate::pool::run_with_threads;
use crate::request::{count_from_f64, integer_from_f64};
use crate::scalar::Scalar;
use crate::view::{Axes, View, MAX_DIMS};
use crate::with_dtype;

use extreme_rows::ExtremeRows;
use extremes::ExtremeKernel;
use kernel::{Kernel, Window};
use layout::Lanes;
use lockstep::Lockstep;
use order::{MedianKernel, RankKernel};
use sums::{Sums, MEAN, STD, SUM, VAR};

/// The moving reductions, by the names bindings pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moving {
    Sum,
    Mean,
    Var,
    Std,
    Min,
    Max,
    ArgMin,
    ArgMax,
    Median,
    Rank,
}

const NAMES: [(&str, Moving); 10] = [
    ("moveSum", Moving::Sum),
    ("moveMean", Moving::Mean),
    ("moveVar", Moving::Var),
    ("moveStd", Moving::Std),
    ("moveMin", Moving::Min),
    ("moveMax", Moving::Max),
    ("moveArgmin", Moving::ArgMin),
    ("moveArgmax", Moving::ArgMax),
    ("moveMedian", Moving::Median),
    ("moveRank", Moving::Rank),
];

impl Moving {
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(n, _)| *n)
    }
}

impl std::str::FromStr for Moving {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, m)| *m)
            .ok_or_else(|| Error::BadOption {
                field: "op",
                value: format!("{s:?} (expected a moving reduction such as \"moveMean\")"),
            })
    }
}

/// A moving call's numbers, before the view is checked against its data.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveRequest {
    pub shape: Axes<usize>,
    pub strides: Axes<isize>,
    pub offset: usize,
    pub axis: usize,
    pub window: usize,
    pub min_count: usize,
    pub ddof: f64,
    pub threads: Option<usize>,
}

impl MoveRequest {
    /// Reads `[threads, offset, ndim, shape.., strides.., axis, window,
    /// minCount]` (threads 0: the default pool) and checks each number,
    /// the window against the axis and `min_count` against the window.
    pub fn unpack(packed: &[f64], ddof: f64) -> Result<MoveRequest, Error> {
        let bad = || Error::BadOption {
            field: "layout",
            value: format!("{} numbers do not describe a moving call", packed.len()),
        };
        let at = |k: usize| packed.get(k).copied().ok_or_else(bad);
        let threads = match count_from_f64("threads", at(0)?)? {
            0 => None,
            n => Some(n),
        };
        crate::pool::check_threads(threads)?;
        let offset = count_from_f64("offset", at(1)?)?;
        let ndim = count_from_f64("shape", at(2)?)?;
        if ndim == 0 || ndim > MAX_DIMS || packed.len() != 6 + 2 * ndim {
            return Err(bad());
        }
        let shape = packed[3..3 + ndim]
            .iter()
            .map(|&v| count_from_f64("shape", v))
            .collect::<Result<Axes<_>, _>>()?;
        let strides = packed[3 + ndim..3 + 2 * ndim]
            .iter()
            .map(|&v| integer_from_f64("strides", v).map(|s| s as isize))
            .collect::<Result<Axes<_>, _>>()?;
        let rest = 3 + 2 * ndim;
        let axis = count_from_f64("axis", packed[rest])?;
        let window = count_from_f64("window", packed[rest + 1])?;
        let min_count = count_from_f64("minCount", packed[rest + 2])?;
        if !ddof.is_finite() {
            return Err(Error::BadOption {
                field: "ddof",
                value: format!("{ddof} (expected a finite number)"),
            });
        }
        let r = MoveRequest {
            shape,
            strides,
            offset,
            axis,
            window,
            min_count,
            ddof,
            threads,
        };
        r.check()?;
        Ok(r)
    }

    /// The rules of `axis`, `window` and `min_count`.
    pub fn check(&self) -> Result<(), Error> {
        let ndim = self.shape.len();
        if self.axis >= ndim {
            return Err(Error::BadOption {
                field: "axis",
                value: format!("{} (expected 0 to {})", self.axis, ndim.saturating_sub(1)),
            });
        }
        let n = self.shape[self.axis];
        if self.window < 1 || self.window > n {
            return Err(Error::BadOption {
                field: "window",
                value: format!(
                    "{} (expected 1 to {n}, the length of axis {})",
                    self.window, self.axis
                ),
            });
        }
        if self.min_count < 1 || self.min_count > self.window {
            return Err(Error::BadOption {
                field: "minCount",
                value: format!(
                    "{} (expected 1 to the window, {})",
                    self.min_count, self.window
                ),
            });
        }
        Ok(())
    }
}

fn run<T: Scalar>(
    v: &View<T>,
    r: &MoveRequest,
    op: Moving,
    cancel: &Cancel,
    out: &mut [MaybeUninit<f64>],
) -> Result<(), Error> {
    // Either driver, in the call's pool.
    fn go<T: Scalar, K: Kernel>(
        v: &View<T>,
        r: &MoveRequest,
        k: K,
        c: &Cancel,
        out: &mut [MaybeUninit<f64>],
    ) -> Result<(), Error> {
        run_with_threads(r.threads, || {
            drive::drive(
                v,
                r.axis,
                r.window,
                &k,
                rayon::current_num_threads(),
                c,
                out,
            )
        })?
    }
    fn lockstep<T: Scalar, K: Lockstep>(
        v: &View<T>,
        r: &MoveRequest,
        k: K,
        c: &Cancel,
        out: &mut [MaybeUninit<f64>],
    ) -> Result<(), Error> {
        run_with_threads(r.threads, || {
            lockstep::drive(
                v,
                r.axis,
                r.window,
                &k,
                rayon::current_num_threads(),
                c,
                out,
            )
        })?
    }
    let w = Window {
        window: r.window,
        min_count: r.min_count,
    };
    let ddof = r.ddof;
    let lockstep_extremes =
        Lanes::of(v, r.axis, out).is_some_and(|l| extreme_rows::suits(&l, r.window));
    match op {
        Moving::Sum => lockstep(v, r, Sums::<SUM> { w, ddof }, cancel, out),
        Moving::Mean => lockstep(v, r, Sums::<MEAN> { w, ddof }, cancel, out),
        Moving::Var => lockstep(v, r, Sums::<VAR> { w, ddof }, cancel, out),
        Moving::Std => lockstep(v, r, Sums::<STD> { w, ddof }, cancel, out),
        Moving::Min if lockstep_extremes => lockstep(v, r, ExtremeRows::<false>(w), cancel, out),
        Moving::Max if lockstep_extremes => lockstep(v, r, ExtremeRows::<true>(w), cancel, out),
        Moving::Min => go(v, r, ExtremeKernel::<false, false>(w), cancel, out),
        Moving::Max => go(v, r, ExtremeKernel::<true, false>(w), cancel, out),
        Moving::ArgMin => go(v, r, ExtremeKernel::<false, true>(w), cancel, out),
        Moving::ArgMax => go(v, r, ExtremeKernel::<true, true>(w), cancel, out),
        Moving::Median => go(v, r, MedianKernel(w), cancel, out),
        Moving::Rank => go(v, r, RankKernel(w), cancel, out),
    }
}

/// Computes `op` of `data` as `r` says into `out` (maybe uninitialised),
/// C order, one float64 per element of the view; on `Ok` all of `out` is
/// written.
fn move_uninit(
    data: Data,
    r: &MoveRequest,
    op: Moving,
    cancel: &Cancel,
    out: &mut [MaybeUninit<f64>],
) -> Result<(), Error> {
    fn typed<T: Scalar>(
        d: &[T],
        r: &MoveRequest,
        op: Moving,
        c: &Cancel,
        out: &mut [MaybeUninit<f64>],
    ) -> Result<(), Error> {
        r.check()?;
        let v = View::new(d, &r.shape, &r.strides, r.offset)?;
        crate::engine::fits(out.len(), v.len())?;
        run(&v, r, op, c, out)
    }
    with_dtype!(data, Data, d => typed(d, r, op, cancel, out))
}

/// Computes `op` of `data` as `r` says into `out`, C order, which must
/// hold one float64 per element of the view.
pub fn move_data_into(
    data: Data,
    r: &MoveRequest,
    op: Moving,
    cancel: &Cancel,
    out: &mut [f64],
) -> Result<(), Error> {
    crate::alloc::advise_output(out);
    let (len, ptr) = (out.len(), out.as_mut_ptr().cast::<MaybeUninit<f64>>());
    // SAFETY: `MaybeUninit<f64>` has `f64`'s layout, and the callee only
    // ever writes initialised f64 values through this view, so `out` stays
    // initialised whatever it does.
    let out = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
    move_uninit(data, r, op, cancel, out)
}

/// [`move_data_into`] into a new vector, which is not pre-filled: the
/// tasks write each element once, in parallel.
pub fn move_data(
    data: Data,
    r: &MoveRequest,
    op: Moving,
    cancel: &Cancel,
) -> Result<Vec<f64>, Error> {
    let count = r
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or(Error::ShapeOverflow {
            shape: r.shape.to_vec(),
        })?;
    let mut out: Vec<f64> = crate::alloc::reserve(count)?;
    move_uninit(data, r, op, cancel, &mut out.spare_capacity_mut()[..count])?;
    // SAFETY: the capacity is at least `count` (reserved above), and
    // `move_uninit` returned `Ok`, so it wrote all of the first `count`
    // elements.
    unsafe { out.set_len(count) };
    Ok(out)
}
