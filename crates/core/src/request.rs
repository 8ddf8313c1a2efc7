//! A [`Request`], and its unpacking from the numbers a binding receives:
//! JavaScript passes them as doubles, and each must be an exact integer in
//! its range.

use crate::engine::Schedule;
use crate::error::Error;
use crate::plan::check_axes;
use crate::pool::{check_threads, MAX_THREADS};
use crate::view::{Axes, MAX_DIMS};

/// Where the data is and how to reduce it: the plain numbers of a
/// request, before the view is checked against the data.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub shape: Axes<usize>,
    pub strides: Axes<isize>,
    pub offset: usize,
    /// Sorted, unique, below `shape.len()`.
    pub axes: Axes<usize>,
    pub threads: Option<usize>,
    pub schedule: Schedule,
    /// Degrees of freedom the variance family subtracts (NumPy's `ddof`).
    pub ddof: f64,
    /// Integer sums and products as float64 instead of exact 64-bit integers.
    pub float_result: bool,
}

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn format_number(v: f64) -> String {
    match v {
        v if v.is_nan() => "NaN".into(),
        f64::INFINITY => "Infinity".into(),
        f64::NEG_INFINITY => "-Infinity".into(),
        v => format!("{v}"),
    }
}

/// A JavaScript number as an integer, rejecting NaN, infinities, fractions
/// and anything beyond 2^53 - 1 in magnitude. `-0` is `0`.
pub fn integer_from_f64(field: &'static str, value: f64) -> Result<i64, Error> {
    // The round trip through i64 checks for a fraction without a call to
    // `trunc` (no SSE4.1 in a portable build).
    if value.is_nan() || value.abs() > MAX_SAFE_INTEGER || (value as i64) as f64 != value {
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

impl Request {
    /// Reads `[threads, offset, ndim, shape.., strides.., naxes, axes..]`
    /// (threads 0: rayon's default). Every entry is checked; the view is
    /// checked against its data later, by `View::new`.
    pub fn unpack(packed: &[f64], schedule: Schedule) -> Result<Request, Error> {
        let bad = |value: String| Error::BadOption {
            field: "layout",
            value,
        };
        let at = |k: usize| {
            packed
                .get(k)
                .copied()
                .ok_or_else(|| bad(format!("{} numbers is too short", packed.len())))
        };
        let threads = match count_from_f64("threads", at(0)?)? {
            0 => None,
            n if n > MAX_THREADS => {
                return Err(Error::BadOption {
                    field: "threads",
                    value: format!("{n} (must be between 1 and {MAX_THREADS})"),
                })
            }
            n => Some(n),
        };
        check_threads(threads)?;
        let offset = count_from_f64("offset", at(1)?)?;
        let ndim = count_from_f64("shape", at(2)?)?;
        if ndim == 0 || ndim > MAX_DIMS {
            return Err(Error::BadOption {
                field: "shape",
                value: format!("{ndim} dimensions (expected 1 to {MAX_DIMS})"),
            });
        }
        let naxes = count_from_f64("axis", at(3 + 2 * ndim)?)?;
        if naxes > ndim || packed.len() != 4 + 2 * ndim + naxes {
            return Err(bad(format!(
                "{} numbers for {ndim} dimensions and {naxes} axes",
                packed.len()
            )));
        }
        let shape = packed[3..3 + ndim]
            .iter()
            .map(|&v| count_from_f64("shape", v))
            .collect::<Result<Axes<_>, _>>()?;
        let strides = packed[3 + ndim..3 + 2 * ndim]
            .iter()
            .map(|&v| integer_from_f64("strides", v).map(|s| s as isize))
            .collect::<Result<Axes<_>, _>>()?;
        let axes = packed[4 + 2 * ndim..]
            .iter()
            .map(|&v| count_from_f64("axis", v))
            .collect::<Result<Axes<_>, _>>()?;
        check_axes(&axes, ndim)?;
        Ok(Request {
            shape,
            strides,
            offset,
            axes,
            threads,
            schedule,
            ddof: 0.0,
            float_result: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_a_layout_and_rejects_every_malformed_one() {
        let r = Request::unpack(
            &[2.0, 1.0, 2.0, 3.0, 4.0, 4.0, 1.0, 1.0, 0.0],
            Schedule::Auto,
        )
        .unwrap();
        assert_eq!(
            (
                r.threads,
                r.offset,
                r.shape.to_vec(),
                r.strides.to_vec(),
                r.axes.to_vec()
            ),
            (Some(2), 1, vec![3, 4], vec![4, 1], vec![0])
        );
        for bad in [
            &[][..],
            &[0.0, 0.0, 1.0, 3.0, 1.0, 1.0][..], // missing axis
            &[0.0, 0.0, 1.0, 3.0, 1.0, 1.0, 0.0, 0.0][..], // extra number
            &[0.0, 0.0, 65.0][..],               // too many dims
            &[0.5, 0.0, 1.0, 3.0, 1.0, 1.0, 0.0][..], // fractional threads
            &[2000.0, 0.0, 1.0, 3.0, 1.0, 1.0, 0.0][..], // too many threads
            &[0.0, -1.0, 1.0, 3.0, 1.0, 1.0, 0.0][..], // negative offset
            &[0.0, 0.0, 1.0, f64::NAN, 1.0, 1.0, 0.0][..], // NaN shape
            &[0.0, 0.0, 2.0, 3.0, 3.0, 1.0, 1.0, 2.0, 1.0, 0.0][..], // unsorted axes
            &[0.0, 0.0, 1.0, 3.0, 1.0, 1.0, 1.0][..], // axis out of range
        ] {
            assert!(Request::unpack(bad, Schedule::Auto).is_err(), "{bad:?}");
        }
        assert_eq!(integer_from_f64("strides", -0.0), Ok(0));
        assert!(integer_from_f64("shape", 9.007_199_254_740_992e15).is_err());
    }
}
