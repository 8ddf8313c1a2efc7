//! The one view type: a slice borrowed with shape, strides and offset,
//! checked once against that very slice, after which kernels read it
//! unchecked.

use smallvec::SmallVec;

use crate::error::Error;

/// Per-axis numbers, inline up to 4 axes: most views never touch the heap
/// for them, which matters at a microsecond per call.
/// A short list, one entry per dimension: inline up to four, so a small
/// call allocates nothing for its shape.
pub type Axes<T> = SmallVec<[T; 4]>;

/// NumPy's limit on dimensions (NPY_MAXDIMS in NumPy 2).
pub const MAX_DIMS: usize = 64;

/// A strided N-d view of `data`. Strides and offset count elements.
///
/// Invariant, established by [`View::new`] and relied on by every kernel:
/// when the view is not empty, every index `offset + sum(i_k * strides[k])`
/// with `i_k < shape[k]` lies in `0..data.len()`, and the element count
/// fits in `isize`. Fields are private, so no other code can break it.
#[derive(Clone, Debug)]
pub struct View<'a, T> {
    data: &'a [T],
    shape: Axes<usize>,
    strides: Axes<isize>,
    offset: usize,
}

/// The lowest and highest element index a non-empty view with these
/// `(length, stride)` dimensions addresses from `offset`. i128 cannot
/// overflow: each term is below 2^127 / 2^7 and there are at most 64.
fn address_range(offset: usize, dims: impl Iterator<Item = (usize, isize)>) -> (i128, i128) {
    let (mut low, mut high) = (offset as i128, offset as i128);
    for (n, s) in dims {
        let reach = (n as i128 - 1) * s as i128;
        if reach < 0 {
            low += reach
        } else {
            high += reach
        }
    }
    (low, high)
}

impl<'a, T> View<'a, T> {
    /// Checks, in O(ndim), that every element the view addresses lies in
    /// `data`: the lowest and highest addressed indices follow from shape,
    /// strides and offset alone.
    pub fn new(
        data: &'a [T],
        shape: &[usize],
        strides: &[isize],
        offset: usize,
    ) -> Result<Self, Error> {
        if shape.is_empty() || shape.len() > MAX_DIMS {
            return Err(Error::BadOption {
                field: "shape",
                value: format!("{} dimensions (expected 1 to {MAX_DIMS})", shape.len()),
            });
        }
        if shape.len() != strides.len() {
            return Err(Error::BadOption {
                field: "strides",
                value: format!("{} strides for {} dimensions", strides.len(), shape.len()),
            });
        }
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize);
        // An empty axis makes the count 0 whatever the others are.
        if count.is_none() && !shape.contains(&0) {
            return Err(Error::ShapeOverflow {
                shape: shape.to_vec(),
            });
        }
        let len = data.len();
        if shape.contains(&0) {
            if offset > len {
                return Err(Error::OutOfBounds {
                    field: "offset",
                    index: offset as i128,
                    len,
                });
            }
        } else {
            if offset >= len {
                return Err(Error::OutOfBounds {
                    field: "offset",
                    index: offset as i128,
                    len,
                });
            }
            let (low, high) =
                address_range(offset, shape.iter().copied().zip(strides.iter().copied()));
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
        }
        Ok(View {
            data,
            shape: shape.into(),
            strides: strides.into(),
            offset,
        })
    }

    /// A C-order (row-major) view of all of `data`.
    pub fn contiguous(data: &'a [T], shape: &[usize]) -> Result<Self, Error> {
        let mut strides: Axes<isize> = smallvec::smallvec![0; shape.len()];
        let mut step = 1isize;
        for k in (0..shape.len()).rev() {
            strides[k] = step;
            step = step.saturating_mul(shape[k].max(1) as isize);
        }
        Self::new(data, shape, &strides, 0)
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
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// The same memory with the axes in reverse order (NumPy's `.T`); the
    /// set of addressed elements is unchanged, so the invariant holds.
    pub fn transposed(&self) -> Self {
        View {
            data: self.data,
            shape: self.shape.iter().rev().copied().collect(),
            strides: self.strides.iter().rev().copied().collect(),
            offset: self.offset,
        }
    }

    pub(crate) fn data(&self) -> &'a [T] {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exact_fit_and_rejects_one_past_either_end() {
        let d = [0i64; 6];
        assert!(View::new(&d, &[2, 3], &[3, 1], 0).is_ok());
        assert!(View::new(&d, &[2, 3], &[1, 2], 0).is_ok());
        assert!(View::new(&d[..5], &[2, 3], &[3, 1], 0).is_err());
        assert!(View::new(&d, &[2, 3], &[-3, 1], 3).is_ok());
        assert!(View::new(&d, &[2, 3], &[-3, 1], 2).is_err());
        assert!(matches!(
            View::new(&d, &[1, 1], &[1, 1], 6),
            Err(Error::OutOfBounds {
                field: "offset",
                ..
            })
        ));
    }

    #[test]
    fn a_view_for_a_large_slice_cannot_be_built_on_a_small_one() {
        let big = vec![0i64; 1_000_000];
        let small = [0i64; 4];
        assert!(View::contiguous(&big, &[1000, 1000]).is_ok());
        assert!(View::contiguous(&small, &[1000, 1000]).is_err());
        assert!(View::new(&small, &[1000, 1000], &[1000, 1], 0).is_err());
    }

    #[test]
    fn overflowing_shapes_and_strides_are_rejected() {
        let d = [0u8; 10];
        assert!(matches!(
            View::new(&d, &[usize::MAX, 2], &[1, 1], 0),
            Err(Error::ShapeOverflow { .. })
        ));
        assert!(View::new(&d, &[1 << 40, 1 << 40], &[0, 0], 0).is_err());
        assert!(View::new(&d, &[2, 2], &[isize::MAX, 1], 0).is_err());
        assert!(View::new(&d, &[2, 2], &[isize::MIN, 1], 0).is_err());
    }

    #[test]
    fn empty_views_need_only_a_sane_offset() {
        let d: [f64; 0] = [];
        assert!(View::new(&d, &[0, 5], &[5, 1], 0).is_ok());
        assert!(View::new(&d, &[usize::MAX, 0], &[1, 1], 0).is_ok());
        assert!(View::new(&[1.0, 2.0, 3.0], &[0, 5], &[5, 1], 4).is_err());
    }

    #[test]
    fn dimension_counts_are_bounded() {
        let d = [0i32; 1];
        assert!(View::new(&d, &[], &[], 0).is_err());
        assert!(View::new(&d, &[1; 65], &[0; 65], 0).is_err());
        assert!(View::new(&d, &[1; 64], &[0; 64], 0).is_ok());
        assert!(View::new(&d, &[1, 1], &[0], 0).is_err());
    }
}
