use crate::error::Error;

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A validated 2-D strided view into a slice of length `len`.
///
/// Strides and offset count elements, not bytes. Once built, every index
/// `offset + i * row_stride + j * col_stride` with `i < rows`, `j < cols`
/// lies in `0..len`: this is the invariant every unchecked kernel relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View2 {
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
    offset: usize,
}

/// Converts a JavaScript number to an integer, rejecting NaN, infinities,
/// fractions and anything beyond 2^53 - 1 in magnitude.
pub fn integer_from_f64(field: &'static str, value: f64) -> Result<i64, Error> {
    if !value.is_finite() || value.fract() != 0.0 || value.abs() > MAX_SAFE_INTEGER {
        return Err(Error::NotAnInteger {
            field,
            value: format_number(value),
        });
    }
    Ok(value as i64)
}

/// Like [`integer_from_f64`], for fields that must also be non-negative.
pub fn count_from_f64(field: &'static str, value: f64) -> Result<usize, Error> {
    let v = integer_from_f64(field, value)?;
    usize::try_from(v).map_err(|_| Error::Negative { field, value: v })
}

fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        format!("{v}")
    }
}

/// The lowest and highest element index a non-empty view with these
/// `(length, stride)` dimensions addresses from `offset`. i128 cannot
/// overflow: each term is below 2^64 * 2^64 and there are few of them.
pub(crate) fn address_range(
    offset: usize,
    dims: impl IntoIterator<Item = (usize, isize)>,
) -> (i128, i128) {
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

impl View2 {
    /// Validates a view in O(1): the lowest and highest addressed elements
    /// are computed from shape, strides and offset and checked against `len`.
    pub fn new(
        len: usize,
        shape: [usize; 2],
        strides: [isize; 2],
        offset: usize,
    ) -> Result<Self, Error> {
        let [rows, cols] = shape;
        if rows.checked_mul(cols).is_none() || (rows as u128) * (cols as u128) > isize::MAX as u128
        {
            return Err(Error::ShapeOverflow {
                rows: rows as u64,
                cols: cols as u64,
            });
        }
        let view = View2 {
            rows,
            cols,
            row_stride: strides[0],
            col_stride: strides[1],
            offset,
        };
        if rows == 0 || cols == 0 {
            if offset > len {
                return Err(Error::OutOfBounds {
                    field: "offset",
                    index: offset as i128,
                    len,
                });
            }
            return Ok(view);
        }
        let dims = [(rows, strides[0]), (cols, strides[1])];
        let (low, high) = address_range(offset, dims);
        if low < 0 {
            // Name the stride that alone reaches below the start, if one does.
            let (first_low, _) = address_range(offset, [dims[0]]);
            let field = if first_low < 0 {
                "strides[0]"
            } else {
                "strides[1]"
            };
            return Err(Error::OutOfBounds {
                field,
                index: low,
                len,
            });
        }
        if offset >= len {
            return Err(Error::OutOfBounds {
                field: "offset",
                index: offset as i128,
                len,
            });
        }
        if high >= len as i128 {
            let field = if strides[0] as i128 * (rows as i128 - 1)
                > strides[1] as i128 * (cols as i128 - 1)
            {
                "strides[0]"
            } else {
                "strides[1]"
            };
            return Err(Error::OutOfBounds {
                field,
                index: high,
                len,
            });
        }
        Ok(view)
    }

    /// Builds a row-major contiguous view of `shape`.
    pub fn row_major(len: usize, rows: usize, cols: usize) -> Result<Self, Error> {
        Self::new(len, [rows, cols], [cols as isize, 1], 0)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn row_stride(&self) -> isize {
        self.row_stride
    }
    pub fn col_stride(&self) -> isize {
        self.col_stride
    }
    pub fn offset(&self) -> usize {
        self.offset
    }
    pub fn is_empty(&self) -> bool {
        self.rows == 0 || self.cols == 0
    }

    /// The same memory with rows and columns swapped (NumPy's `.T`).
    pub fn transposed(&self) -> Self {
        View2 {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            offset: self.offset,
        }
    }

    /// The view with its rows visited in the opposite order; the set of
    /// addressed elements is unchanged, so the invariant still holds.
    pub fn rows_reversed(&self) -> Self {
        if self.rows == 0 {
            return *self;
        }
        let last = self.offset as isize + (self.rows as isize - 1) * self.row_stride;
        View2 {
            row_stride: -self.row_stride,
            offset: last as usize,
            ..*self
        }
    }

    /// Likewise for columns; output index `j` then maps to `cols - 1 - j`.
    pub fn cols_reversed(&self) -> Self {
        self.transposed().rows_reversed().transposed()
    }

    /// Position of element (i, j) in `data`.
    #[inline(always)]
    pub fn index(&self, i: usize, j: usize) -> usize {
        (self.offset as isize + i as isize * self.row_stride + j as isize * self.col_stride)
            as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exact_fit_and_rejects_one_past_either_end() {
        assert!(View2::new(6, [2, 3], [3, 1], 0).is_ok());
        assert!(View2::new(6, [2, 3], [1, 2], 0).is_ok());
        assert!(matches!(
            View2::new(5, [2, 3], [3, 1], 0),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(View2::new(6, [2, 3], [-3, 1], 3).is_ok());
        assert!(matches!(
            View2::new(6, [2, 3], [-3, 1], 2),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(
            View2::new(6, [1, 1], [1, 1], 6),
            Err(Error::OutOfBounds {
                field: "offset",
                ..
            })
        ));
    }

    #[test]
    fn overflowing_shapes_are_rejected() {
        assert!(matches!(
            View2::new(10, [usize::MAX, 2], [1, 1], 0),
            Err(Error::ShapeOverflow { .. })
        ));
        assert!(matches!(
            View2::new(10, [1 << 40, 1 << 40], [0, 0], 0),
            Err(Error::ShapeOverflow { .. })
        ));
    }

    #[test]
    fn huge_strides_do_not_wrap() {
        assert!(View2::new(10, [2, 2], [isize::MAX, 1], 0).is_err());
        assert!(View2::new(10, [2, 2], [isize::MIN, 1], 0).is_err());
    }

    #[test]
    fn empty_views_need_only_a_sane_offset() {
        assert!(View2::new(0, [0, 5], [5, 1], 0).is_ok());
        assert!(View2::new(0, [5, 0], [0, 1], 0).is_ok());
        assert!(View2::new(3, [0, 5], [5, 1], 4).is_err());
    }

    #[test]
    fn numbers_must_be_safe_integers() {
        assert!(integer_from_f64("shape[0]", 1.5).is_err());
        assert!(integer_from_f64("shape[0]", f64::NAN).is_err());
        assert!(integer_from_f64("shape[0]", 9.007_199_254_740_992e15).is_err());
        assert_eq!(integer_from_f64("strides[0]", -3.0), Ok(-3));
        assert!(matches!(
            count_from_f64("offset", -1.0),
            Err(Error::Negative { .. })
        ));
    }
}
