//! Accumulator state that outlives a call. A mergeable partial (the
//! TypeScript `Partial`) keeps one accumulator per kept position in a
//! Float64Array between chunks, and each chunk is folded into it by the
//! engine: one pass per chunk, no result or accumulator allocated per call,
//! and the merge is the op's own.

use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::engine::{fold_into, par_chunks, BlockFn, ROW_BLOCK, ROW_GROUP, SMALL};
use crate::error::{try_filled, Error};
use crate::ops::{with_counts, with_empty_block, Moments, Op, Soa, Sum, Var};
use crate::plan::{plan, Dim, Freedom};
use crate::pool::{check_threads, run_with_threads};
use crate::reductions::{Data, Request};
use crate::scalar::{Comp, Scalar};
use crate::view::View;

/// What a state holds per kept position. Every element of a chunk counts
/// (a partial folds NaN in, as the one-shot `mean`/`var`), so each
/// position has seen the same number of elements: the caller keeps that
/// one count, and the state does not repeat it per position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// The mean, squared deviations and the low words of both (the mean
    /// and the variance family), any dtype: [`Moments`]' fields after `n`,
    /// each as one plane of a double per kept position (planes, not an
    /// array of structs, so that the usual fold works on them in place).
    Moments,
    /// A compensated sum and its error (`sum`, `mean` of floats).
    Sum,
}

impl StateKind {
    /// Doubles per kept position.
    pub fn width(self) -> usize {
        match self {
            StateKind::Moments => 4,
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

/// Checks that `state` holds `kind`'s doubles for each of `kept`
/// positions and that `count` is a count of elements.
fn check_state(kept: usize, kind: StateKind, count: f64, state: &[f64]) -> Result<(), Error> {
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
    if !(count >= 0.0 && count.fract() == 0.0) {
        return Err(Error::BadOption {
            field: "count",
            value: format!("{count} (expected a whole number of elements, 0 or more)"),
        });
    }
    Ok(())
}

/// Folds `data`, as `request` lays it out, into `state`: `kind.width()`
/// doubles per kept position, holding `count` elements per position that
/// earlier calls folded. With `count` 0 the state is fresh and its
/// contents are ignored.
pub fn fold_state(
    data: Data,
    request: &Request,
    kind: StateKind,
    count: f64,
    state: &mut [f64],
    cancel: &Cancel,
) -> Result<(), Error> {
    let kept: usize = (0..request.shape.len())
        .filter(|a| !request.axes.contains(a))
        .map(|a| request.shape[a])
        .product();
    check_state(kept, kind, count, state)?;
    if count == 0.0 {
        // A fresh state is JavaScript's untouched zero pages: huge pages,
        // and written before it is read, because a read first maps the
        // shared zero page and the write after it faults a second time
        // (a std partial's first push of 1M positions took 100 ms, the
        // others 7). The moments are written whole without a read.
        crate::alloc::advise_output(state);
    }
    match kind {
        StateKind::Moments => {
            crate::with_dtype!(data, Data, d => fold_moments(d, request, count, state, kept, cancel))
        }
        StateKind::Sum => {
            if count == 0.0 {
                state.fill(0.0);
            }
            let state = sums(state);
            match data {
                Data::F32(d) => fold_sum(d, request, state, cancel),
                Data::F64(d) => fold_sum(d, request, state, cancel),
                _ => Err(Error::BadOption {
                    field: "state",
                    value: "\"sum\" (a compensated sum state holds float data only)".into(),
                }),
            }
        }
    }
}

/// What a partial's result asks of its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    Mean,
    Var,
    Std,
}

impl std::str::FromStr for Statistic {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "mean" => Ok(Statistic::Mean),
            "var" => Ok(Statistic::Var),
            "std" => Ok(Statistic::Std),
            other => Err(Error::BadOption {
                field: "statistic",
                value: format!("{other:?} (expected \"mean\", \"var\" or \"std\")"),
            }),
        }
    }
}

/// `stat` of each position of a state of `count` elements per position
/// into `out`, one double per position, in parallel: the result of a
/// partial without a copy of its state (a JavaScript loop over a std
/// partial's 1M positions took 15-30 ms).
pub fn state_value(
    kind: StateKind,
    count: f64,
    state: &[f64],
    stat: Statistic,
    ddof: f64,
    threads: Option<usize>,
    out: &mut [f64],
) -> Result<(), Error> {
    check_threads(threads)?;
    let kept = out.len();
    check_state(kept, kind, count, state)?;
    if kind == StateKind::Sum && stat != Statistic::Mean {
        return Err(Error::BadOption {
            field: "statistic",
            value: format!("{stat:?} of a compensated sum (it gives the mean only)"),
        });
    }
    crate::alloc::advise_output(out);
    let value = |k: usize| match kind {
        StateKind::Sum => {
            let (s, e) = (state[2 * k], state[2 * k + 1]);
            // An infinite sum has a NaN error term: the sum alone.
            (if s.is_finite() { s + e } else { s }) / count
        }
        StateKind::Moments => {
            let m = Moments {
                n: count,
                mean: state[k],
                m2: state[kept + k],
                low: state[2 * kept + k],
                m2_low: state[3 * kept + k],
            };
            match stat {
                // No elements: NaN, as NumPy's mean of an empty axis.
                Statistic::Mean if count == 0.0 => f64::NAN,
                Statistic::Mean => m.mean + m.low,
                Statistic::Var => m.variance(ddof),
                Statistic::Std => m.variance(ddof).sqrt(),
            }
        }
    };
    let block = |b: usize, o: &mut [f64]| {
        for (i, o) in o.iter_mut().enumerate() {
            *o = value(b * ROW_BLOCK + i);
        }
    };
    if kept < SMALL {
        out.chunks_mut(ROW_BLOCK)
            .enumerate()
            .for_each(|(b, o)| block(b, o));
    } else {
        run_with_threads(threads, || {
            out.par_chunks_mut(ROW_BLOCK)
                .enumerate()
                .for_each(|(b, o)| block(b, o))
        })?;
    }
    Ok(())
}

fn sums(state: &mut [f64]) -> &mut [Comp] {
    // SAFETY: `Comp` is `repr(C)` with two `f64` fields, and `check_state`
    // checked that the length is a multiple of 2.
    unsafe { std::slice::from_raw_parts_mut(state.as_mut_ptr().cast(), state.len() / 2) }
}

fn fold_moments<T: Scalar>(
    d: &[T],
    r: &Request,
    count: f64,
    state: &mut [f64],
    kept: usize,
    c: &Cancel,
) -> Result<(), Error> {
    let v = View::new(d, &r.shape, &r.strides, r.offset)?;
    fold_planes(&v, r, count, state, kept, c)
}

/// A view whose reduced elements are rows over contiguous kept columns
/// (a C-order array reduced along its leading axes, a partial's usual
/// chunk): `rows` from element `offset`, each `cols` long. The planner
/// fuses and drops axes first, so that any such view qualifies.
#[derive(Clone, Copy)]
struct Rows {
    offset: usize,
    rows: Dim,
    cols: usize,
}

impl Rows {
    fn of<T: Scalar, const SKIP_NAN: bool>(
        v: &View<T>,
        axes: &[usize],
    ) -> Result<Option<Rows>, Error> {
        let freedom = Freedom {
            order_free: <Var<SKIP_NAN> as Op<T>>::ORDER_FREE,
            idempotent: <Var<SKIP_NAN> as Op<T>>::IDEMPOTENT,
        };
        let p = plan(v.shape(), v.strides(), v.offset(), axes, freedom)?;
        Ok(match (&p.kept[..], &p.reduced[..]) {
            // No reduced dimension left: one row (the planner drops length 1).
            ([cols], reduced @ ([] | [_])) if cols.stride == 1 && cols.len > 1 => Some(Rows {
                offset: p.offset,
                rows: reduced
                    .first()
                    .copied()
                    .unwrap_or(Dim { len: 1, stride: 0 }),
                cols: cols.len,
            }),
            _ => None,
        })
    }

    /// Folds every row's columns `j0..j0 + m.n.len()` into `m`.
    fn fold_block<T: Scalar, const SKIP_NAN: bool>(
        &self,
        data: &[T],
        j0: usize,
        m: &mut Soa,
        c: &Cancel,
    ) {
        let w = m.n.len();
        let row = |i: usize| {
            let at = (self.offset as isize + i as isize * self.rows.stride) as usize + j0;
            &data[at..at + w]
        };
        let mut group: Vec<&[T]> = Vec::with_capacity(ROW_GROUP.min(self.rows.len));
        for i0 in (0..self.rows.len).step_by(ROW_GROUP) {
            if c.is_cancelled() {
                return;
            }
            group.clear();
            group.extend((i0..(i0 + ROW_GROUP).min(self.rows.len)).map(row));
            Var::<SKIP_NAN>::fold_soa(m, &group);
        }
    }

    /// Below this, no thread hand-off (as the engine).
    fn small(&self) -> bool {
        self.cols.saturating_mul(self.rows.len) < SMALL
    }
}

/// Folds `v` into the four planes of `state`, `count` elements per
/// position so far: in place where the view is [`Rows`], a block of
/// columns per task; any other layout goes through the engine on
/// [`Moments`] built from the planes.
fn fold_planes<T: Scalar>(
    v: &View<T>,
    r: &Request,
    count: f64,
    state: &mut [f64],
    kept: usize,
    c: &Cancel,
) -> Result<(), Error> {
    check_threads(r.threads)?;
    let mut planes = state.chunks_exact_mut(kept.max(1));
    let mut next = || planes.next().unwrap_or_default();
    let [mean, m2, low, m2_low] = [next(), next(), next(), next()];
    if let Some(rows) = Rows::of::<T, false>(v, &r.axes)? {
        let data = v.data();
        let block = &|j0: usize, [mean, m2, low, m2_low]: [&mut [f64]; 4]| {
            if count == 0.0 {
                // Fresh: folded in scratch, then written once.
                with_empty_block(mean.len(), |mut m| {
                    rows.fold_block::<T, false>(data, j0, &mut m, c);
                    for (to, from) in [
                        (mean, &m.mean),
                        (m2, &m.m2),
                        (low, &m.low),
                        (m2_low, &m.m2_low),
                    ] {
                        to.copy_from_slice(from);
                    }
                })
            } else {
                with_counts(mean.len(), count, |n| {
                    rows.fold_block::<T, false>(
                        data,
                        j0,
                        &mut Soa {
                            n,
                            mean,
                            m2,
                            low,
                            m2_low,
                        },
                        c,
                    )
                })
            }
        };
        if rows.small() {
            block(0, [mean, m2, low, m2_low]);
        } else {
            run_with_threads(r.threads, || {
                par_planes([mean, m2, low, m2_low], ROW_BLOCK, block)
            })?;
        }
    } else {
        let mut acc = try_filled(kept, Moments::EMPTY)?;
        if count > 0.0 {
            for (k, a) in acc.iter_mut().enumerate() {
                *a = Moments {
                    n: count,
                    mean: mean[k],
                    m2: m2[k],
                    low: low[k],
                    m2_low: m2_low[k],
                };
            }
        }
        fold_into(v, &r.axes, &Var::<false>, r.threads, c, &mut acc)?;
        for (k, a) in acc.iter().enumerate() {
            (mean[k], m2[k], low[k], m2_low[k]) = (a.mean, a.m2, a.low, a.m2_low);
        }
    }
    c.check()
}

/// The variance (or standard deviation) of a [`Rows`] view in one call:
/// each block's moments live in per-thread scratch and become results at
/// once, so no accumulator per position (40 bytes, five times the result)
/// goes through memory. Written into `dest` when given (the caller's
/// result, one double per kept position; the vector returned is then
/// empty), else into a new vector. `None` for any other layout (the
/// engine's).
pub(crate) fn variance_of_rows<T: Scalar>(
    v: &View<T>,
    r: &Request,
    skip_nan: bool,
    sqrt: bool,
    c: &Cancel,
    dest: Option<&mut [f64]>,
) -> Result<Option<Vec<f64>>, Error> {
    if T::IS_FLOAT && skip_nan {
        return variance_by_block::<T, true>(v, r, sqrt, c, dest);
    }
    variance_by_block::<T, false>(v, r, sqrt, c, dest)
}

fn variance_by_block<T: Scalar, const SKIP_NAN: bool>(
    v: &View<T>,
    r: &Request,
    sqrt: bool,
    c: &Cancel,
    dest: Option<&mut [f64]>,
) -> Result<Option<Vec<f64>>, Error> {
    check_threads(r.threads)?;
    let Some(rows) = Rows::of::<T, SKIP_NAN>(v, &r.axes)? else {
        return Ok(None);
    };
    let mut own = Vec::new();
    let out = match dest {
        Some(d) => {
            crate::engine::fits(d.len(), rows.cols)?;
            d
        }
        None => {
            own = try_filled(rows.cols, 0.0)?;
            &mut own[..]
        }
    };
    let (data, ddof) = (v.data(), r.ddof);
    let block = &|b: usize, out: &mut [f64]| {
        with_empty_block(out.len(), |mut m| {
            rows.fold_block::<T, SKIP_NAN>(data, b * ROW_BLOCK, &mut m, c);
            for (k, o) in out.iter_mut().enumerate() {
                let v = Moments {
                    n: m.n[k],
                    mean: m.mean[k],
                    m2: m.m2[k],
                    low: m.low[k],
                    m2_low: m.m2_low[k],
                }
                .variance(ddof);
                *o = if sqrt { v.sqrt() } else { v };
            }
        });
        Ok(())
    };
    if rows.small() {
        par_chunks_serial(out, block)?;
    } else {
        run_with_threads(r.threads, || par_chunks(out, ROW_BLOCK, block))??;
    }
    c.check()?;
    Ok(Some(own))
}

/// `block` on each block of `ROW_BLOCK` of `out`, on this thread.
fn par_chunks_serial(out: &mut [f64], block: &BlockFn<'_, f64>) -> Result<(), Error> {
    for (b, o) in out.chunks_mut(ROW_BLOCK).enumerate() {
        block(b, o)?;
    }
    Ok(())
}

/// `f(first column, block)` for every block of `size` columns of the four
/// planes, in parallel on the current pool. Not generic, so rayon's
/// splitting code is compiled once for every dtype.
type PlanesFn<'a> = dyn Fn(usize, [&mut [f64]; 4]) + Sync + 'a;
fn par_planes(planes: [&mut [f64]; 4], size: usize, f: &PlanesFn<'_>) {
    let [mean, m2, low, m2_low] = planes;
    (
        mean.par_chunks_mut(size),
        m2.par_chunks_mut(size),
        low.par_chunks_mut(size),
        m2_low.par_chunks_mut(size),
    )
        .into_par_iter()
        .enumerate()
        .for_each(|(b, (mean, m2, low, m2_low))| f(b * size, [mean, m2, low, m2_low]));
}

fn fold_sum<T: Scalar<Wide = Comp>>(
    d: &[T],
    r: &Request,
    state: &mut [Comp],
    c: &Cancel,
) -> Result<(), Error> {
    let v = View::new(d, &r.shape, &r.strides, r.offset)?;
    fold_into(&v, &r.axes, &Sum::<false>, r.threads, c, state)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
