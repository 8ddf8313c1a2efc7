//! The lane driver: each kept position's lane is copied into per-thread
//! scratch (the caller's data is only read), then order statistics are
//! selected in place there. Lanes run in parallel, a block of neighbouring
//! lanes at a time: when the reduced axis is strided, a block's lanes are
//! gathered together, one row of the block per reduced position, so that
//! reads walk memory contiguously instead of jumping a stride per element.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::scalar::Scalar;
use crate::view::View;

/// Elements of scratch a block of lanes aims at (256 KiB of doubles: a
/// block's rows stay in L2 while they are gathered).
const TILE_ELEMENTS: usize = 32 * 1024;
/// At most this many lanes in a block: 64 neighbours read per row fill
/// whole cache lines for every element size.
const MAX_BLOCK: usize = 64;

/// The geometry of a reduction: kept dimensions in C order (the result's
/// order) and reduced ones, innermost the smallest stride.
pub(super) struct Lanes {
    kept: Vec<(usize, isize)>,
    reduced: Vec<(usize, isize)>,
    offset: usize,
    /// Elements per lane.
    pub(super) len: usize,
    /// Lanes (result positions).
    pub(super) count: usize,
}

impl Lanes {
    pub(super) fn new<T>(view: &View<'_, T>, axes: &[usize]) -> Lanes {
        let dims = view
            .shape()
            .iter()
            .copied()
            .zip(view.strides().iter().copied());
        let (mut kept, mut reduced) = (Vec::new(), Vec::new());
        for (k, dim) in dims.enumerate() {
            if axes.contains(&k) {
                reduced.push(dim)
            } else {
                kept.push(dim)
            }
        }
        reduced.sort_by_key(|&(_, s)| std::cmp::Reverse(s.unsigned_abs()));
        Lanes {
            len: reduced.iter().map(|d| d.0).product(),
            count: kept.iter().map(|d| d.0).product(),
            kept,
            reduced,
            offset: view.offset(),
        }
    }

    /// The element index where lane `lane` starts (its reduced indices all 0).
    fn base(&self, mut lane: usize) -> isize {
        let mut at = self.offset as isize;
        for &(n, s) in self.kept.iter().rev() {
            at += (lane % n) as isize * s;
            lane /= n;
        }
        at
    }

    /// Lanes per block: one when a lane is contiguous (or long), else as
    /// many neighbours as fit the tile.
    fn block(&self) -> usize {
        let contiguous = self
            .reduced
            .last()
            .is_some_and(|&(_, s)| s.unsigned_abs() == 1);
        if contiguous {
            1
        } else {
            (TILE_ELEMENTS / self.len.max(1)).clamp(1, MAX_BLOCK)
        }
    }
}

/// Calls `f` with the offset (from a lane's base) of every element of a lane.
fn walk(dims: &[(usize, isize)], from: isize, f: &mut impl FnMut(isize)) {
    match dims {
        [] => f(from),
        [(n, s)] => {
            for i in 0..*n {
                f(from + i as isize * s)
            }
        }
        [(n, s), rest @ ..] => {
            for i in 0..*n {
                walk(rest, from + i as isize * s, f)
            }
        }
    }
}

/// The order of values that hold no NaN (the gather drops or flags them).
#[inline(always)]
pub(super) fn order<T: Scalar>(a: &T, b: &T) -> Ordering {
    if a < b {
        Ordering::Less
    } else if a > b {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Puts the order statistic `k` of `values` at `values[k]` for every `k` in
/// `wanted` (sorted descending, distinct): the largest first over the whole
/// lane, each next one only within the part left of the previous.
pub(super) fn select_all<T: Scalar>(values: &mut [T], wanted: &[usize]) {
    let mut end = values.len();
    for &k in wanted {
        values[..end].select_nth_unstable_by(k, order);
        end = k;
    }
}

/// Runs `finish` on every lane's values (NaN dropped when `skip_nan`, a
/// lane holding one flagged otherwise), writing `per_lane` results per
/// lane into a lane-major vector.
pub(super) fn each_lane<T, R, F>(
    data: &[T],
    lanes: &Lanes,
    per_lane: usize,
    skip_nan: bool,
    fill: R,
    cancel: &Cancel,
    finish: F,
) -> Vec<R>
where
    T: Scalar,
    R: Copy + Send + Sync,
    F: Fn(&mut [T], bool, &mut [R]) + Sync,
{
    let mut out = vec![fill; lanes.count * per_lane];
    let block = lanes.block();
    let n = lanes.len;
    out.par_chunks_mut(block * per_lane)
        .enumerate()
        .for_each_init(
            || (vec![T::NIL; block * n], vec![0usize; block]),
            |(scratch, filled), (b, results)| {
                if cancel.is_cancelled() {
                    return;
                }
                let first = b * block;
                let here = results.len() / per_lane;
                let bases: Vec<isize> = (first..first + here).map(|l| lanes.base(l)).collect();
                if skip_nan && T::IS_FLOAT {
                    filled[..here].fill(0);
                    walk(&lanes.reduced, 0, &mut |at| {
                        for j in 0..here {
                            // Within the data: the view was checked (`View::new`)
                            // to hold every index base + offset of its lanes.
                            let v = data[(bases[j] + at) as usize];
                            if !v.is_nan() {
                                scratch[j * n + filled[j]] = v;
                                filled[j] += 1;
                            }
                        }
                    });
                } else {
                    // The plain gather: position `t` of every lane, one row of
                    // the block at a time; NaN is looked for afterwards, in cache.
                    let mut t = 0;
                    walk(&lanes.reduced, 0, &mut |at| {
                        for (&base, lane) in bases.iter().zip(scratch.chunks_exact_mut(n)) {
                            lane[t] = data[(base + at) as usize];
                        }
                        t += 1;
                    });
                    filled[..here].fill(n);
                }
                for j in 0..here {
                    let lane = &mut scratch[j * n..j * n + filled[j]];
                    let nan = !skip_nan && T::IS_FLOAT && lane.iter().any(|v| v.is_nan());
                    finish(lane, nan, &mut results[j * per_lane..(j + 1) * per_lane]);
                }
            },
        );
    out
}

/// A lane-major result (`per_lane` values per lane) in q-major order.
pub(super) fn q_major<R: Copy>(lane_major: Vec<R>, per_lane: usize) -> Vec<R> {
    if per_lane == 1 {
        return lane_major;
    }
    let lanes = lane_major.len() / per_lane;
    let mut out = Vec::with_capacity(lane_major.len());
    for q in 0..per_lane {
        out.extend((0..lanes).map(|l| lane_major[l * per_lane + q]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_all_places_every_wanted_statistic() {
        let mut v: Vec<i32> = (0..100).map(|i| (i * 37) % 100).collect();
        select_all(&mut v, &[90, 50, 49, 10, 0]);
        for k in [90, 50, 49, 10, 0] {
            assert_eq!(v[k], k as i32);
        }
    }
}
