//! `where`: every reduction over only the elements a mask keeps. The
//! mask is any numeric view over the data's shape (its broadcast axes
//! stride 0), read with the data in one pass; nothing is copied. The
//! accumulators become results by the same rules as without a mask
//! (`reductions::run`); what a mask changes is the number of elements
//! per lane, which this module applies: `mean` divides by it, and a lane
//! that keeps nothing is an error for the reductions without identity.

mod fold;
mod walk;

use std::sync::Mutex;

use crate::cancel::Cancel;
use crate::dtype::{Data, Output, Typed};
use crate::error::Error;
use crate::ops::{Op, Sum};
use crate::reductions::{no_identity, plain_mean, run, Reduction, Request, Source};
use crate::scalar::Scalar;
use crate::view::{Axes, View};
use crate::with_dtype;

use fold::fold_masked;
use walk::MaskRef;
pub(crate) use walk::{add_flags, KeepFlags, Pieces};

/// Where a mask lies over the data's shape: its strides (0 on broadcast
/// axes) and offset, in elements of the mask's own data.
#[derive(Clone, Debug, PartialEq)]
pub struct MaskLayout {
    pub strides: Axes<isize>,
    pub offset: usize,
}

impl MaskLayout {
    /// Reads `[offset, strides..]` (one stride per axis of the data's
    /// `ndim` axes); the view is checked against the mask's data later.
    pub fn unpack(packed: &[f64], ndim: usize) -> Result<MaskLayout, Error> {
        if packed.len() != 1 + ndim {
            return Err(Error::BadOption {
                field: "where",
                value: format!("a layout of {} numbers for {ndim} axes", packed.len()),
            });
        }
        let offset = crate::count_from_f64("where.offset", packed[0])?;
        let strides = packed[1..]
            .iter()
            .map(|&s| crate::integer_from_f64("where.strides", s).map(|s| s as isize))
            .collect::<Result<Axes<isize>, Error>>()?;
        Ok(MaskLayout { strides, offset })
    }
}

/// The data and its mask, folded together; the counts of the last fold
/// are kept for the rules above.
struct Masked<'a, T> {
    x: View<'a, T>,
    flags: &'a dyn KeepFlags,
    layout: &'a MaskLayout,
    /// The rules below read the counts (else the walk skips them).
    counted: bool,
    counts: Mutex<Vec<u64>>,
}

impl<T: Scalar> Source<T> for Masked<'_, T> {
    fn fold<O: Op<T>>(&self, op: &O, r: &Request, cancel: &Cancel) -> Result<Vec<O::Acc>, Error> {
        let mask = MaskRef {
            flags: self.flags,
            strides: &self.layout.strides,
            offset: self.layout.offset,
        };
        let (acc, counts) =
            fold_masked(&self.x, mask, &r.axes, op, self.counted, r.threads, cancel)?;
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = counts;
        Ok(acc)
    }
}

/// The mask's view over the data's `shape`, checked against its own data
/// like any view (an element out of it is named `where`).
pub(crate) fn mask_view<'m, M: Scalar>(
    m: &'m [M],
    shape: &[usize],
    layout: &MaskLayout,
) -> Result<View<'m, M>, Error> {
    View::new(m, shape, &layout.strides, layout.offset).map_err(|e| match e {
        Error::OutOfBounds { index, len, .. } => Error::OutOfBounds {
            field: "where",
            index,
            len,
        },
        e => e,
    })
}

/// The keep flags of `mask` over `shape`, checked as [`mask_view`]: one
/// dispatch on the mask's dtype, outside the data's, so that the code
/// after it is compiled once per data dtype, not once per pair of them.
pub(crate) fn flags_of<'m>(
    mask: Data<'m>,
    shape: &[usize],
    layout: &MaskLayout,
) -> Result<Box<dyn KeepFlags + 'm>, Error> {
    Ok(with_dtype!(mask, Data, m => {
        Box::new(mask_view(m, shape, layout)?) as Box<dyn KeepFlags + 'm>
    }))
}

/// Reduces the elements of `data` (laid out as `request` says) that `mask`
/// keeps: an entry that is not zero keeps the element at its position.
/// With `empty_ok` (an `initial` will be folded in by the caller) a lane
/// that keeps nothing gives the op's start value instead of an error.
pub fn reduce_masked(
    data: Data,
    request: &Request,
    mask: Data,
    layout: &MaskLayout,
    op: Reduction,
    empty_ok: bool,
    cancel: &Cancel,
) -> Result<Output, Error> {
    fn typed<T: Typed>(
        d: &[T],
        r: &Request,
        mask: Data,
        layout: &MaskLayout,
        op: Reduction,
        empty_ok: bool,
        cancel: &Cancel,
    ) -> Result<Output, Error> {
        let x = View::new(d, &r.shape, &r.strides, r.offset)?;
        let flags = flags_of(mask, &r.shape, layout)?;
        let src = Masked {
            x,
            flags: &*flags,
            layout,
            counted: counted::<T>(op),
            counts: Mutex::new(Vec::new()),
        };
        let empty = |op, index| Error::EmptyLane { op, index };
        let run = |src: &Masked<T>| run(src, r, op, cancel);
        apply_counted(&src, &src.counts, r, op, empty_ok, cancel, empty, run)
    }
    let data = crate::reductions::for_op(data, op);
    with_dtype!(data, Data, d => typed(d, request, mask, layout, op, empty_ok, cancel))
}

/// Whether a masked fold must count what each position kept: for a mean's
/// divisor, or for the empty rule of the reductions without identity.
pub(crate) fn counted<T: Scalar>(op: Reduction) -> bool {
    plain_mean::<T>(op) || no_identity(op).is_some()
}

/// The tail every masked reduction shares, over `src`'s fold (`run`
/// converts it to the result) and the counts it left in `counts`: a mean
/// divides each position's sum by what it kept (none: 0 / 0, NaN); for
/// the reductions without identity, the first position that kept nothing
/// is `empty(name, index)`, unless `empty_ok` (the caller folds `initial`
/// in).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_counted<T: Typed, S: Source<T>>(
    src: &S,
    counts: &Mutex<Vec<u64>>,
    r: &Request,
    op: Reduction,
    empty_ok: bool,
    cancel: &Cancel,
    empty: impl FnOnce(&'static str, usize) -> Error,
    run: impl FnOnce(&S) -> Result<Output, Error>,
) -> Result<Output, Error> {
    let counts = || std::mem::take(&mut *counts.lock().unwrap_or_else(|e| e.into_inner()));
    if plain_mean::<T>(op) {
        let sums = src.fold(&Sum::<false>, r, cancel)?;
        let n = counts();
        return Ok(Output::F64(
            sums.into_iter()
                .zip(n)
                .map(|(s, n)| T::wide_f64(s) / n as f64)
                .collect(),
        ));
    }
    let result = run(src);
    if matches!(result, Err(Error::Aborted)) || empty_ok {
        return result;
    }
    if let Some(name) = no_identity(op) {
        if let Some(index) = counts().iter().position(|&n| n == 0) {
            return Err(empty(name, index));
        }
    }
    result
}

#[cfg(test)]
mod tests;
