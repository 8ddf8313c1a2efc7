//! The planner: turns a reduction of a view over any set of axes into 2-D
//! tiles (the innermost reduced axis x the innermost kept axis) that the
//! engine's kernels stream, plus the outer axes walked around them.

use crate::error::Error;
use crate::view::Axes;

/// One axis after planning: its length and stride.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dim {
    pub len: usize,
    pub stride: isize,
}

/// A reduction split into kept and reduced axes, neighbours fused where
/// one steps exactly over the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Kept axes in C order: they define the output's order.
    pub kept: Axes<Dim>,
    /// Reduced axes, outermost first: C order for ops that need it,
    /// otherwise largest stride first so the inner loop is contiguous.
    pub reduced: Axes<Dim>,
    pub offset: usize,
    /// Number of output values (product of the kept lengths).
    pub out_len: usize,
    /// Number of elements folded into each output value.
    pub reduced_len: usize,
}

/// How an op lets the planner reorder its reduced axes.
#[derive(Clone, Copy)]
pub struct Freedom {
    /// Reduced elements may be visited in any order and direction.
    pub order_free: bool,
    /// Repeated elements change nothing: broadcast (stride 0) axes vanish.
    pub idempotent: bool,
}

/// Fuses neighbours `a` (outer) and `b` (inner) when `a` steps exactly over
/// a whole `b`; drops length-1 axes, which change no index.
fn coalesce(dims: Axes<Dim>) -> Axes<Dim> {
    let mut out: Axes<Dim> = Axes::new();
    for d in dims.into_iter().filter(|d| d.len != 1) {
        match out.last_mut() {
            Some(prev) if prev.stride == d.stride * d.len as isize => {
                *prev = Dim {
                    len: prev.len * d.len,
                    stride: d.stride,
                };
            }
            _ => out.push(d),
        }
    }
    out
}

/// Checks axes (sorted, unique, below `ndim`).
pub fn check_axes(axes: &[usize], ndim: usize) -> Result<(), Error> {
    for (k, &a) in axes.iter().enumerate() {
        if a >= ndim || (k > 0 && axes[k - 1] >= a) {
            return Err(Error::BadOption {
                field: "axis",
                value: format!("{axes:?} (axes must be sorted, unique and below {ndim})"),
            });
        }
    }
    Ok(())
}

/// Plans a reduction over `axes` of a view with this shape, strides and
/// offset (already checked against its data by `View::new`).
pub fn plan(
    shape: &[usize],
    strides: &[isize],
    offset: usize,
    axes: &[usize],
    freedom: Freedom,
) -> Result<Plan, Error> {
    check_axes(axes, shape.len())?;
    let mut offset = offset;
    let mut kept = Axes::new();
    let mut reduced = Axes::new();
    let (mut out_len, mut reduced_len) = (1usize, 1usize);
    for (k, (&len, &stride)) in shape.iter().zip(strides).enumerate() {
        // Saturating: only a view with an empty axis can overflow here,
        // and then one of the two products is 0 and no kernel runs.
        if axes.contains(&k) {
            reduced_len = reduced_len.saturating_mul(len);
            reduced.push(Dim { len, stride });
        } else {
            out_len = out_len.saturating_mul(len);
            kept.push(Dim { len, stride });
        }
    }
    if kept.iter().any(|d| d.len == 0) {
        out_len = 0;
    }
    if reduced.iter().any(|d| d.len == 0) {
        reduced_len = 0;
    }
    if out_len == 0 || reduced_len == 0 {
        return Ok(Plan {
            kept,
            reduced: Axes::new(),
            offset,
            out_len,
            reduced_len,
        });
    }
    if freedom.order_free {
        for d in reduced.iter_mut() {
            if d.stride < 0 {
                // Walk it forwards from its lowest element.
                offset = (offset as isize + (d.len as isize - 1) * d.stride) as usize;
                d.stride = -d.stride;
            }
        }
        if freedom.idempotent {
            reduced.retain(|d| d.stride != 0);
        }
        reduced.sort_by_key(|d| std::cmp::Reverse(d.stride));
    }
    Ok(Plan {
        kept: coalesce(kept),
        reduced: coalesce(reduced),
        offset,
        out_len,
        reduced_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREE: Freedom = Freedom {
        order_free: true,
        idempotent: true,
    };
    const ORDERED: Freedom = Freedom {
        order_free: false,
        idempotent: false,
    };

    #[test]
    fn c_order_axis_0_becomes_one_contiguous_kept_axis() {
        let p = plan(&[2, 3, 4], &[12, 4, 1], 0, &[0], ORDERED).unwrap();
        assert_eq!(p.kept[..], [Dim { len: 12, stride: 1 }]);
        assert_eq!(p.reduced[..], [Dim { len: 2, stride: 12 }]);
        let p = plan(&[2, 3, 4], &[12, 4, 1], 0, &[0, 1, 2], ORDERED).unwrap();
        assert_eq!(p.reduced[..], [Dim { len: 24, stride: 1 }]);
        assert_eq!((p.out_len, p.reduced_len), (1, 24));
    }

    #[test]
    fn fortran_order_over_every_axis_is_one_contiguous_run() {
        let p = plan(&[2, 3, 4], &[1, 2, 6], 0, &[0, 1, 2], FREE).unwrap();
        assert_eq!(p.reduced[..], [Dim { len: 24, stride: 1 }]);
        // An op that needs C order keeps the axes apart.
        let p = plan(&[2, 3, 4], &[1, 2, 6], 0, &[0, 1, 2], ORDERED).unwrap();
        assert_eq!(p.reduced.len(), 3);
    }

    #[test]
    fn broadcast_axes_vanish_for_idempotent_ops() {
        let p = plan(&[1 << 28, 2, 2], &[0, 1, 0], 0, &[0, 1, 2], FREE).unwrap();
        assert_eq!(p.reduced[..], [Dim { len: 2, stride: 1 }]);
        assert_eq!(p.reduced_len, 1 << 30);
    }

    #[test]
    fn reversed_axes_are_walked_forwards_when_order_is_free() {
        let p = plan(&[3, 4], &[-4, 1], 8, &[0, 1], FREE).unwrap();
        assert_eq!(p.offset, 0);
        assert_eq!(p.reduced[..], [Dim { len: 12, stride: 1 }]);
    }

    #[test]
    fn unsorted_or_out_of_range_axes_are_rejected() {
        for axes in [&[2][..], &[1, 0], &[0, 0]] {
            assert!(plan(&[2, 3], &[3, 1], 0, axes, ORDERED).is_err());
        }
    }
}
