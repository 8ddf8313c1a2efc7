//! N-dimensional strided views and the plan that turns a reduction over
//! any set of axes into 2-D tiles the layout kernels can stream.

use crate::error::Error;

/// A validated N-d view: every index `offset + sum(i_k * strides[k])` with
/// `i_k < shape[k]` lies in `0..len` of the slice it was checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewN {
    shape: Vec<usize>,
    strides: Vec<isize>,
    offset: usize,
}

impl ViewN {
    /// Validates in O(ndim): the lowest and highest addressed elements.
    pub fn new(
        len: usize,
        shape: Vec<usize>,
        strides: Vec<isize>,
        offset: usize,
    ) -> Result<Self, Error> {
        if shape.is_empty() || shape.len() != strides.len() {
            return Err(Error::BadOption {
                field: "strides",
                value: format!("{} strides for {} dimensions", strides.len(), shape.len()),
            });
        }
        let mut count: u128 = 1;
        for &n in &shape {
            count = count.saturating_mul(n as u128);
        }
        if count > isize::MAX as u128 {
            return Err(Error::ShapeOverflow {
                rows: shape[0] as u64,
                cols: (count / shape[0].max(1) as u128) as u64,
            });
        }
        let view = ViewN {
            shape,
            strides,
            offset,
        };
        if count == 0 {
            if offset > len {
                return Err(Error::OutOfBounds {
                    field: "offset",
                    index: offset as i128,
                    len,
                });
            }
            return Ok(view);
        }
        if offset >= len {
            return Err(Error::OutOfBounds {
                field: "offset",
                index: offset as i128,
                len,
            });
        }
        let dims = view.shape.iter().copied().zip(view.strides.iter().copied());
        let (low, high) = crate::view::address_range(offset, dims);
        if low < 0 {
            return Err(Error::OutOfBounds {
                field: "strides",
                index: low,
                len,
            });
        }
        if high >= len as i128 {
            return Err(Error::OutOfBounds {
                field: "strides",
                index: high,
                len,
            });
        }
        Ok(view)
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// One axis after planning: its length and stride.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dim {
    pub len: usize,
    pub stride: isize,
}

/// A reduction split into kept and reduced axes, each in C order with
/// mergeable neighbours fused (e.g. the kept axes of a C-order array
/// reduced over axis 0 become one contiguous axis).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub kept: Vec<Dim>,
    pub reduced: Vec<Dim>,
    pub offset: usize,
    /// Number of output values (product of the kept lengths).
    pub out_len: usize,
    /// Number of elements folded into each output value.
    pub reduced_len: usize,
}

/// Fuses neighbours `a` (outer) and `b` (inner) when `a` steps exactly over
/// a whole `b`; drops length-1 axes, which change no index.
fn coalesce(dims: Vec<Dim>) -> Vec<Dim> {
    let mut out: Vec<Dim> = Vec::with_capacity(dims.len());
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

/// Plans a reduction of `view` over `axes` (sorted, unique, in range).
pub fn plan(view: &ViewN, axes: &[usize]) -> Result<Plan, Error> {
    let ndim = view.shape.len();
    for (k, &a) in axes.iter().enumerate() {
        if a >= ndim || (k > 0 && axes[k - 1] >= a) {
            return Err(Error::BadOption {
                field: "axis",
                value: format!("{axes:?} (axes must be sorted, unique and below {ndim})"),
            });
        }
    }
    let dims = view
        .shape
        .iter()
        .zip(&view.strides)
        .map(|(&len, &stride)| Dim { len, stride });
    let (reduced, kept): (Vec<_>, Vec<_>) = dims.enumerate().partition(|(k, _)| axes.contains(k));
    let out_len = kept.iter().map(|(_, d)| d.len).product();
    let reduced_len = reduced.iter().map(|(_, d)| d.len).product();
    Ok(Plan {
        kept: coalesce(kept.into_iter().map(|(_, d)| d).collect()),
        reduced: coalesce(reduced.into_iter().map(|(_, d)| d).collect()),
        offset: view.offset,
        out_len,
        reduced_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_order_axis_0_becomes_one_contiguous_kept_axis() {
        let v = ViewN::new(24, vec![2, 3, 4], vec![12, 4, 1], 0).unwrap();
        let p = plan(&v, &[0]).unwrap();
        assert_eq!(p.kept, vec![Dim { len: 12, stride: 1 }]);
        assert_eq!(p.reduced, vec![Dim { len: 2, stride: 12 }]);
        let p = plan(&v, &[0, 1, 2]).unwrap();
        assert_eq!(p.reduced, vec![Dim { len: 24, stride: 1 }]);
        assert_eq!((p.out_len, p.reduced_len), (1, 24));
        let p = plan(&v, &[1]).unwrap();
        assert_eq!(
            p.kept,
            vec![Dim { len: 2, stride: 12 }, Dim { len: 4, stride: 1 }]
        );
    }

    #[test]
    fn bounds_are_checked_in_every_dimension() {
        assert!(ViewN::new(24, vec![2, 3, 4], vec![12, 4, 1], 1).is_err());
        assert!(ViewN::new(24, vec![2, 3, 4], vec![-12, 4, 1], 12).is_ok());
        assert!(ViewN::new(24, vec![2, 3, 4], vec![-12, 4, 1], 11).is_err());
        assert!(ViewN::new(24, vec![2, 3], vec![1], 0).is_err());
        assert!(ViewN::new(0, vec![0, 3], vec![3, 1], 0).is_ok());
        assert!(ViewN::new(10, vec![1 << 40, 1 << 40], vec![0, 0], 0).is_err());
    }

    #[test]
    fn unsorted_or_out_of_range_axes_are_rejected() {
        let v = ViewN::new(6, vec![2, 3], vec![3, 1], 0).unwrap();
        assert!(plan(&v, &[2]).is_err());
        assert!(plan(&v, &[1, 0]).is_err());
        assert!(plan(&v, &[0, 0]).is_err());
    }
}
