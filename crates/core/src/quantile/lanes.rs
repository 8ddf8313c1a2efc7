//! The lane driver: each kept position's lane is copied into per-thread
//! scratch (the caller's data is only read; with a `where` mask, only the
//! elements it keeps, tested as they are read), then order statistics are
//! selected in place there. Lanes run in parallel, a block of neighbouring
//! lanes at a time: when the reduced axis is strided, a block's lanes are
//! gathered together, one row of the block per reduced position, so that
//! reads walk memory contiguously instead of jumping a stride per element.

use std::cmp::Ordering;

use crate::cancel::Cancel;
use crate::engine::{par_each_with, scratch, DisjointSlice};
use crate::masked::MaskLayout;
use crate::scalar::Scalar;
use crate::view::View;

/// Elements of scratch a block of lanes aims at (256 KiB of doubles: a
/// block's rows stay in L2 while they are gathered).
const TILE_ELEMENTS: usize = 32 * 1024;
/// At most this many lanes in a block: 64 neighbours read per row fill
/// whole cache lines for every element size.
const MAX_BLOCK: usize = 64;

/// One axis of a reduction: its length and its steps in the data and in
/// the mask (0 without one, or where the mask is broadcast).
#[derive(Clone, Copy, Debug)]
struct Dim {
    len: usize,
    sx: isize,
    sm: isize,
}

/// The geometry of a reduction: kept dimensions in C order (the result's
/// order) and reduced ones, innermost the smallest stride in the data.
pub(super) struct Lanes {
    kept: Vec<Dim>,
    reduced: Vec<Dim>,
    offset: usize,
    mask_offset: usize,
    /// Elements per lane.
    pub(super) len: usize,
    /// Lanes (result positions).
    pub(super) count: usize,
}

impl Lanes {
    /// The lanes of `view` reduced along `axes`, with the mask's strides
    /// over the view's axes beside the data's where there is a mask.
    pub(super) fn new<T>(view: &View<'_, T>, axes: &[usize], mask: Option<&MaskLayout>) -> Lanes {
        let (mut kept, mut reduced) = (Vec::new(), Vec::new());
        for (k, (&len, &sx)) in view.shape().iter().zip(view.strides()).enumerate() {
            let sm = mask.map_or(0, |m| m.strides[k]);
            let dim = Dim { len, sx, sm };
            if axes.contains(&k) {
                reduced.push(dim)
            } else {
                kept.push(dim)
            }
        }
        reduced.sort_by_key(|d| std::cmp::Reverse(d.sx.unsigned_abs()));
        Lanes {
            len: reduced.iter().map(|d| d.len).product(),
            count: kept.iter().map(|d| d.len).product(),
            kept,
            reduced,
            offset: view.offset(),
            mask_offset: mask.map_or(0, |m| m.offset),
        }
    }

    /// The element indices in the data and in the mask where lane `lane`
    /// starts (its reduced indices all 0).
    fn base(&self, mut lane: usize) -> (isize, isize) {
        let (mut x, mut m) = (self.offset as isize, self.mask_offset as isize);
        for d in self.kept.iter().rev() {
            let i = (lane % d.len) as isize;
            x += i * d.sx;
            m += i * d.sm;
            lane /= d.len;
        }
        (x, m)
    }

    /// Lanes per block: one when a lane is contiguous (or long), else as
    /// many neighbours as fit the tile.
    fn block(&self) -> usize {
        let contiguous = self
            .reduced
            .last()
            .is_some_and(|d| d.sx.unsigned_abs() == 1);
        if contiguous {
            1
        } else {
            (TILE_ELEMENTS / self.len.max(1)).clamp(1, MAX_BLOCK)
        }
    }
}

/// Calls `f` with the offsets (from a lane's bases) of every element of a
/// lane, in the data and in the mask.
fn walk(dims: &[Dim], x: isize, m: isize, f: &mut impl FnMut(isize, isize)) {
    match dims {
        [] => f(x, m),
        [d] => {
            for i in 0..d.len as isize {
                f(x + i * d.sx, m + i * d.sm)
            }
        }
        [d, rest @ ..] => {
            for i in 0..d.len as isize {
                walk(rest, x + i * d.sx, m + i * d.sm, f)
            }
        }
    }
}

/// A `where` mask's gather, one per mask dtype (`View<M>`), called once
/// per block of lanes: the keep test reads the mask entry at each
/// element's position through the mask's own strides, in the same walk
/// as the data, so neither x nor the mask is copied beyond the kept
/// values.
pub(super) trait MaskedGather<T>: Sync {
    /// Writes the elements of the lanes starting at `bases` (data, mask)
    /// that the mask keeps (an entry that is not zero), NaN dropped too
    /// when `skip_nan`, to `scratch` (lane `j` from `j * lanes.len`), and
    /// their number to `filled[j]`.
    fn gather(
        &self,
        data: &[T],
        lanes: &Lanes,
        bases: &[(isize, isize)],
        skip_nan: bool,
        scratch: &mut [T],
        filled: &mut [usize],
    );
}

impl<M: Scalar, T: Scalar> MaskedGather<T> for View<'_, M> {
    fn gather(
        &self,
        data: &[T],
        lanes: &Lanes,
        bases: &[(isize, isize)],
        skip_nan: bool,
        scratch: &mut [T],
        filled: &mut [usize],
    ) {
        let mask = self.data();
        let n = lanes.len;
        filled.fill(0);
        walk(&lanes.reduced, 0, 0, &mut |at, mat| {
            for (j, &(bx, bm)) in bases.iter().enumerate() {
                // Within both arrays: the data's view and the mask's (of the
                // data's shape) were checked (`View::new`) to hold every index
                // base + offset of their lanes.
                if mask[(bm + mat) as usize] != M::NIL {
                    let v = data[(bx + at) as usize];
                    if !(skip_nan && v.is_nan()) {
                        scratch[j * n + filled[j]] = v;
                        filled[j] += 1;
                    }
                }
            }
        });
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

/// Runs `finish` on every lane's values (with the lane's index; NaN
/// dropped when `skip_nan`, a lane holding one flagged otherwise; only
/// what `mask` keeps, where there is one), writing `per_lane` results per
/// lane into a lane-major vector.
#[allow(clippy::too_many_arguments)]
pub(super) fn each_lane<T, R, F>(
    data: &[T],
    lanes: &Lanes,
    mask: Option<&dyn MaskedGather<T>>,
    per_lane: usize,
    skip_nan: bool,
    fill: R,
    cancel: &Cancel,
    finish: F,
) -> Vec<R>
where
    T: Scalar,
    R: Copy + Send + Sync,
    F: Fn(usize, &mut [T], bool, &mut [R]) + Sync,
{
    let mut out = vec![fill; lanes.count * per_lane];
    let block = lanes.block();
    let n = lanes.len;
    let size = (block * per_lane).max(1);
    let blocks = out.len().div_ceil(size);
    let dest = DisjointSlice::new(&mut out);
    par_each_with(blocks, &|slot, b| {
        let (scratch, filled) = scratch(slot, || (vec![T::NIL; block * n], vec![0usize; block]));
        // SAFETY: `par_each_with` calls this once per `b`, and
        // blocks of distinct `b` do not overlap.
        let results = unsafe { dest.chunk(b, size) };
        if cancel.is_cancelled() {
            return;
        }
        let first = b * block;
        let here = results.len() / per_lane;
        let bases: Vec<(isize, isize)> = (first..first + here).map(|l| lanes.base(l)).collect();
        if let Some(mask) = mask {
            let skip = skip_nan && T::IS_FLOAT;
            mask.gather(data, lanes, &bases, skip, scratch, &mut filled[..here]);
        } else if skip_nan && T::IS_FLOAT {
            filled[..here].fill(0);
            walk(&lanes.reduced, 0, 0, &mut |at, _| {
                for j in 0..here {
                    // Within the data: the view was checked (`View::new`)
                    // to hold every index base + offset of its lanes.
                    let v = data[(bases[j].0 + at) as usize];
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
            walk(&lanes.reduced, 0, 0, &mut |at, _| {
                for (&(base, _), lane) in bases.iter().zip(scratch.chunks_exact_mut(n)) {
                    lane[t] = data[(base + at) as usize];
                }
                t += 1;
            });
            filled[..here].fill(n);
        }
        for j in 0..here {
            let lane = &mut scratch[j * n..j * n + filled[j]];
            let nan = !skip_nan && T::IS_FLOAT && lane.iter().any(|v| v.is_nan());
            finish(
                first + j,
                lane,
                nan,
                &mut results[j * per_lane..(j + 1) * per_lane],
            );
        }
    });
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
