//! Accumulator state that outlives a call. A mergeable partial (the
//! TypeScript `Partial`) keeps one accumulator per kept position in a
//! Float64Array between chunks, and each chunk is folded into it by the
//! engine: one pass per chunk, no result or accumulator allocated per call,
//! and the merge is the op's own.

use crate::cancel::Cancel;
use crate::engine::fold_into;
use crate::error::Error;
use crate::ops::{Moments, Sum, Var};
use crate::reductions::{Data, Request};
use crate::scalar::{Comp, Scalar};
use crate::view::View;

/// What a state holds per kept position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// Count, mean, squared deviations and the low words of the mean and
    /// of M2 (`mean`, `var`, `std`), any dtype: [`Moments`]' fields in order.
    Moments,
    /// A compensated sum and its error (`sum`, `mean` of floats).
    Sum,
}

impl StateKind {
    /// Doubles per kept position.
    pub fn width(self) -> usize {
        match self {
            StateKind::Moments => 5,
            StateKind::Sum => 2,
        }
    }
}

impl std::str::FromStr for StateKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "moments" => Ok(StateKind::Moments),
            "sum" => Ok(StateKind::Sum),
            other => Err(Error::BadOption {
                field: "state",
                value: format!("{other:?} (expected \"moments\" or \"sum\")"),
            }),
        }
    }
}

/// Folds `data`, as `request` lays it out, into `state`: `kind.width()`
/// doubles per kept position, as an earlier call (or zeros, the empty
/// state) left them. `skip_nan` skips NaN elements of float data.
pub fn fold_state(
    data: Data,
    request: &Request,
    kind: StateKind,
    skip_nan: bool,
    state: &mut [f64],
    cancel: &Cancel,
) -> Result<(), Error> {
    let kept: usize = (0..request.shape.len())
        .filter(|a| !request.axes.contains(a))
        .map(|a| request.shape[a])
        .product();
    if kept.checked_mul(kind.width()) != Some(state.len()) {
        return Err(Error::BadArray {
            field: "state",
            value: format!(
                "{} doubles where {kept} positions of {} need {}",
                state.len(),
                kind.width(),
                kept.saturating_mul(kind.width())
            ),
        });
    }
    match kind {
        StateKind::Moments => {
            let state = moments(state);
            crate::with_dtype!(data, Data, d => fold_moments(d, request, skip_nan, state, cancel))
        }
        StateKind::Sum => {
            let state = sums(state);
            match data {
                Data::F32(d) => fold_sum(d, request, skip_nan, state, cancel),
                Data::F64(d) => fold_sum(d, request, skip_nan, state, cancel),
                _ => Err(Error::BadOption {
                    field: "state",
                    value: "\"sum\" (a compensated sum state holds float data only)".into(),
                }),
            }
        }
    }
}

fn moments(state: &mut [f64]) -> &mut [Moments] {
    // `fold_state` checked that the length is a multiple of 5; the new
    // slice borrows `state` exclusively for as long as the original borrow.
    // SAFETY: `Moments` is `repr(C)` with five `f64` fields (size of
    // `[f64; 5]`, alignment of `f64`), and every bit pattern is an `f64`.
    unsafe { std::slice::from_raw_parts_mut(state.as_mut_ptr().cast(), state.len() / 5) }
}

fn sums(state: &mut [f64]) -> &mut [Comp] {
    // SAFETY: as in `moments`: `Comp` is `repr(C)` with two `f64` fields,
    // and `fold_state` checked that the length is a multiple of 2.
    unsafe { std::slice::from_raw_parts_mut(state.as_mut_ptr().cast(), state.len() / 2) }
}

fn fold_moments<T: Scalar>(
    d: &[T],
    r: &Request,
    skip_nan: bool,
    state: &mut [Moments],
    c: &Cancel,
) -> Result<(), Error> {
    let v = View::new(d, &r.shape, &r.strides, r.offset)?;
    // Nested so that integer dtypes never instantiate the NaN-skipping op.
    if T::IS_FLOAT {
        if skip_nan {
            return fold_into(&v, &r.axes, &Var::<true>, r.threads, c, state);
        }
        return fold_into(&v, &r.axes, &Var::<false>, r.threads, c, state);
    }
    fold_into(&v, &r.axes, &Var::<false>, r.threads, c, state)
}

fn fold_sum<T: Scalar<Wide = Comp>>(
    d: &[T],
    r: &Request,
    skip_nan: bool,
    state: &mut [Comp],
    c: &Cancel,
) -> Result<(), Error> {
    let v = View::new(d, &r.shape, &r.strides, r.offset)?;
    if skip_nan {
        fold_into(&v, &r.axes, &Sum::<true>, r.threads, c, state)
    } else {
        fold_into(&v, &r.axes, &Sum::<false>, r.threads, c, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Schedule;
    use crate::NEVER;

    fn request(shape: &[usize], axes: &[usize]) -> Request {
        let mut strides = vec![1isize; shape.len()];
        for k in (0..shape.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * shape[k + 1] as isize;
        }
        Request {
            shape: shape.iter().copied().collect(),
            strides: strides.into_iter().collect(),
            offset: 0,
            axes: axes.iter().copied().collect(),
            threads: None,
            schedule: Schedule::Auto,
            ddof: 0.0,
            float_result: false,
        }
    }

    #[test]
    fn chunks_folded_into_a_state_equal_the_whole() {
        let whole: Vec<f64> = (0..60).map(|i| ((i * 37) % 11) as f64 + 1e6).collect();
        let (rows, cols) = (20, 3);
        let mut state = vec![0.0; 5 * cols];
        for chunk in whole.chunks(5 * cols) {
            let r = request(&[chunk.len() / cols, cols], &[0]);
            fold_state(Data::F64(chunk), &r, StateKind::Moments, false, &mut state, &NEVER).unwrap();
        }
        for j in 0..cols {
            let column: Vec<f64> = (0..rows).map(|i| whole[i * cols + j]).collect();
            let mean = column.iter().sum::<f64>() / rows as f64;
            let m2: f64 = column.iter().map(|x| (x - mean) * (x - mean)).sum();
            assert_eq!(state[5 * j], rows as f64);
            assert!((state[5 * j + 1] + state[5 * j + 3] - mean).abs() <= 1e-9);
            assert!((state[5 * j + 2] + state[5 * j + 4] - m2).abs() <= 1e-6 * m2.max(1.0));
        }
        let mut sums = vec![0.0; 2 * cols];
        for chunk in whole.chunks(4 * cols) {
            let r = request(&[chunk.len() / cols, cols], &[0]);
            fold_state(Data::F64(chunk), &r, StateKind::Sum, false, &mut sums, &NEVER).unwrap();
        }
        for j in 0..cols {
            let exact: f64 = (0..rows).map(|i| whole[i * cols + j]).sum();
            assert_eq!(sums[2 * j] + sums[2 * j + 1], exact);
        }
    }

    #[test]
    fn a_state_of_the_wrong_length_or_kind_is_refused() {
        let data = [1.0f64, 2.0, 3.0, 4.0];
        let r = request(&[2, 2], &[0]);
        let mut short = vec![0.0; 5];
        let e = fold_state(Data::F64(&data), &r, StateKind::Moments, false, &mut short, &NEVER);
        assert!(matches!(e, Err(Error::BadArray { field: "state", .. })));
        let ints = [1i32, 2, 3, 4];
        let mut s = vec![0.0; 4];
        let e = fold_state(Data::I32(&ints), &r, StateKind::Sum, false, &mut s, &NEVER);
        assert!(matches!(e, Err(Error::BadOption { field: "state", .. })));
        assert!("median".parse::<StateKind>().is_err());
    }
}
