//! NumPy's 13 quantile methods as one table of index rules: for a lane of
//! `n` sorted values and a quantile `q`, which order statistics are read
//! and how they combine. Every formula is NumPy's
//! (`numpy/lib/_function_base_impl.py`: `_QuantileMethods`,
//! `_compute_virtual_index`, `_get_indexes`, `_get_gamma`, `_lerp`),
//! evaluated in the same order, so float64 results agree to the last bit.

use crate::error::Error;

/// A quantile method, by NumPy's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    InvertedCdf,
    AveragedInvertedCdf,
    ClosestObservation,
    InterpolatedInvertedCdf,
    Hazen,
    Weibull,
    Linear,
    MedianUnbiased,
    NormalUnbiased,
    Lower,
    Higher,
    Midpoint,
    Nearest,
}

const NAMES: [(&str, Method); 13] = [
    ("inverted_cdf", Method::InvertedCdf),
    ("averaged_inverted_cdf", Method::AveragedInvertedCdf),
    ("closest_observation", Method::ClosestObservation),
    ("interpolated_inverted_cdf", Method::InterpolatedInvertedCdf),
    ("hazen", Method::Hazen),
    ("weibull", Method::Weibull),
    ("linear", Method::Linear),
    ("median_unbiased", Method::MedianUnbiased),
    ("normal_unbiased", Method::NormalUnbiased),
    ("lower", Method::Lower),
    ("higher", Method::Higher),
    ("midpoint", Method::Midpoint),
    ("nearest", Method::Nearest),
];

impl Method {
    /// Every method's name, NumPy's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(n, _)| *n)
    }

    /// Whether the result is one of the lane's own values (the input's
    /// element type) rather than an interpolation (float64).
    pub fn picks_element(self) -> bool {
        matches!(
            self,
            Method::InvertedCdf
                | Method::ClosestObservation
                | Method::Lower
                | Method::Higher
                | Method::Nearest
        )
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<String> = Method::names().map(|n| format!("{n:?}")).collect();
                Error::BadOption {
                    field: "method",
                    value: format!("{s:?} (expected one of {})", names.join(", ")),
                }
            })
    }
}

/// What one quantile of a lane of `n >= 1` sorted values reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pick {
    /// The order statistic at this index, as it is.
    Take(usize),
    /// NumPy's `_lerp(sorted[below], sorted[above], gamma)`.
    Lerp {
        below: usize,
        above: usize,
        gamma: f64,
    },
}

/// `_discrete_interpolation_to_boundaries`: the floor of `index` where
/// `at_floor` holds, else the index above it; clipped into the lane.
fn boundary(index: f64, n: usize, at_floor: impl Fn(f64, f64) -> bool) -> usize {
    let previous = index.floor();
    let gamma = index - previous;
    let chosen = if at_floor(gamma, index) {
        previous
    } else {
        previous + 1.0
    };
    clip(chosen, n)
}

/// An index as NumPy's `astype(intp)` then clipped to the lane (NumPy clips
/// below 0; above `n - 1` cannot happen for q in [0, 1], clipped all the same).
fn clip(index: f64, n: usize) -> usize {
    if index <= 0.0 {
        0
    } else {
        (index as usize).min(n - 1)
    }
}

/// `_compute_virtual_index`, term for term.
fn virtual_index(n: f64, q: f64, alpha: f64, beta: f64) -> f64 {
    n * q + (alpha + q * (1.0 - alpha - beta)) - 1.0
}

/// Where quantile `q` (in [0, 1]) of `n >= 1` sorted values lies, by `method`.
pub fn pick(method: Method, n: usize, q: f64) -> Pick {
    let nf = n as f64;
    let last = (nf - 1.0) * q;
    let virtual_at = match method {
        Method::InvertedCdf => return Pick::Take(boundary(nf * q - 1.0, n, |g, _| g == 0.0)),
        Method::ClosestObservation => {
            // Round to the nearest even order statistic (1-based) at g = 0.
            let odd_floor = |g: f64, i: f64| g == 0.0 && i.floor().rem_euclid(2.0) == 1.0;
            return Pick::Take(boundary(nf * q - 1.0 - 0.5, n, odd_floor));
        }
        Method::Lower => return Pick::Take(clip(last.floor(), n)),
        Method::Higher => return Pick::Take(clip(last.ceil(), n)),
        Method::Nearest => return Pick::Take(clip(last.round_ties_even(), n)),
        Method::AveragedInvertedCdf => nf * q - 1.0,
        Method::InterpolatedInvertedCdf => virtual_index(nf, q, 0.0, 1.0),
        Method::Hazen => virtual_index(nf, q, 0.5, 0.5),
        Method::Weibull => virtual_index(nf, q, 0.0, 0.0),
        Method::Linear => last,
        Method::MedianUnbiased => virtual_index(nf, q, 1.0 / 3.0, 1.0 / 3.0),
        Method::NormalUnbiased => virtual_index(nf, q, 3.0 / 8.0, 3.0 / 8.0),
        Method::Midpoint => 0.5 * (last.floor() + last.ceil()),
    };
    // `_get_indexes`: past either end both neighbours are that end; NumPy
    // then takes gamma against the replaced index (-1 stands for the last).
    let (below, above, previous) = if virtual_at >= nf - 1.0 {
        (n - 1, n - 1, -1.0)
    } else if virtual_at < 0.0 {
        (0, 0, 0.0)
    } else {
        let floor = virtual_at.floor();
        (floor as usize, floor as usize + 1, floor)
    };
    let raw = virtual_at - previous;
    let gamma = match method {
        Method::AveragedInvertedCdf => {
            if raw == 0.0 {
                0.5
            } else {
                1.0
            }
        }
        Method::Midpoint => {
            if virtual_at.rem_euclid(1.0) == 0.0 {
                0.0
            } else {
                0.5
            }
        }
        _ => raw,
    };
    Pick::Lerp {
        below,
        above,
        gamma,
    }
}

/// NumPy's `_lerp`: exact at both ends, from the nearer one.
#[inline]
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_an_unknown_one_lists_them() {
        for name in Method::names() {
            let m: Method = name.parse().unwrap();
            assert_eq!(NAMES.iter().find(|(_, x)| *x == m).unwrap().0, name);
        }
        let err = "median".parse::<Method>().unwrap_err();
        assert!(format!("{err:?}").contains("closest_observation"));
    }

    #[test]
    fn index_rules_on_numpys_examples() {
        // np.quantile(np.arange(5), .3, method=m) reads these order statistics.
        assert_eq!(pick(Method::Lower, 5, 0.3), Pick::Take(1));
        assert_eq!(pick(Method::Higher, 5, 0.3), Pick::Take(2));
        assert_eq!(pick(Method::Nearest, 5, 0.3), Pick::Take(1));
        assert_eq!(pick(Method::Nearest, 5, 0.625), Pick::Take(2)); // 2.5 rounds to even
        assert_eq!(pick(Method::InvertedCdf, 5, 0.4), Pick::Take(1));
        assert_eq!(pick(Method::InvertedCdf, 5, 0.0), Pick::Take(0));
        assert_eq!(pick(Method::ClosestObservation, 4, 0.5), Pick::Take(1));
        assert_eq!(
            pick(Method::Linear, 5, 1.0),
            Pick::Lerp {
                below: 4,
                above: 4,
                gamma: 5.0
            }
        );
        assert_eq!(
            pick(Method::Weibull, 5, 0.0),
            Pick::Lerp {
                below: 0,
                above: 0,
                gamma: -1.0
            }
        );
        assert_eq!(
            pick(Method::Midpoint, 4, 0.5),
            Pick::Lerp {
                below: 1,
                above: 2,
                gamma: 0.5
            }
        );
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
    }
}
