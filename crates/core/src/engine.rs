//! The general reduction engine: any [`Scalar`], any [`Op`], any axes of a
//! [`ViewN`]. A plan (see `nd.rs`) reduces the problem to 2-D tiles (the
//! innermost reduced axis x the innermost kept axis); the outer axes are
//! walked with odometers and each tile is folded by the layout kernel that
//! matches its strides, as `kernels::layout` does for the int64 max.

use multiversion::multiversion;
use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::error::Error;
use crate::nd::{plan, Dim, ViewN};
use crate::ops::Op;
use crate::pool::{effective_threads, run_with_threads};
use crate::scalar::Scalar;

/// Output columns per block when streaming rows (as in `kernels::layout`).
const ROW_BLOCK: usize = 8192;
/// Below this many elements, no thread hand-off.
const SMALL: usize = 1 << 16;
/// Elements of a contiguous run between two looks at the cancel flag.
const RUN_CHUNK: usize = 1 << 20;

/// `acc[k] = fold(acc[k], row[k], index)`: one row streamed into a block.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_row<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], row: &[T], index: usize) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = op.fold(*a, x, index);
    }
}

/// Four rows per pass over the block (rows `index` to `index + 3`), so the
/// block is loaded and stored a quarter as often as with `fold_row`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_row4<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], rows: [&[T]; 4], index: usize) {
    let n = acc.len();
    let [a, b, c, d] = rows.map(|r| &r[..n]);
    for k in 0..n {
        let x = op.fold(op.fold(acc[k], a[k], index), b[k], index + 1);
        acc[k] = op.fold(op.fold(x, c[k], index + 2), d[k], index + 3);
    }
}

/// Folds a contiguous run whose first element has reduced index `index`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn fold_run<T: Scalar, O: Op<T>>(op: &O, init: O::Acc, run: &[T], index: usize) -> O::Acc {
    op.fold_run(init, run, index)
}

/// One 2-D tile: `rows` along the innermost reduced axis, `cols` along the
/// innermost kept axis, starting at `offset`; reduced index of row `i` is
/// `index + i`.
#[derive(Clone, Copy)]
struct Tile {
    rows: Dim,
    cols: Dim,
    offset: usize,
    index: usize,
}

impl Tile {
    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> usize {
        (self.offset as isize + i as isize * self.rows.stride + j as isize * self.cols.stride)
            as usize
    }
}

/// Folds a tile into `acc` (one accumulator per column of the tile).
fn fold_tile<T: Scalar, O: Op<T>>(
    data: &[T],
    t: &Tile,
    op: &O,
    acc: &mut [O::Acc],
    threads: usize,
    cancel: &Cancel,
) {
    let parallel = threads > 1 && t.rows.len * t.cols.len >= SMALL;
    if t.cols.stride == 1 && t.cols.len > 1 {
        // Rows are contiguous: stream each row's slice into a block of acc.
        let block = |(b, acc): (usize, &mut [O::Acc])| {
            if cancel.is_cancelled() {
                return;
            }
            let j0 = b * ROW_BLOCK;
            let n = acc.len();
            let row = |i: usize| &data[t.at(i, j0)..t.at(i, j0) + n];
            let mut i = 0;
            while i + 4 <= t.rows.len {
                fold_row4(
                    op,
                    acc,
                    [row(i), row(i + 1), row(i + 2), row(i + 3)],
                    t.index + i,
                );
                i += 4;
            }
            for i in i..t.rows.len {
                fold_row(op, acc, row(i), t.index + i);
            }
        };
        if parallel && t.cols.len > ROW_BLOCK {
            acc.par_chunks_mut(ROW_BLOCK).enumerate().for_each(block);
        } else {
            acc.chunks_mut(ROW_BLOCK).enumerate().for_each(block);
        }
    } else if t.rows.stride == 1 || t.rows.len == 1 {
        // Each column is contiguous: fold it as one run (split across the
        // threads, then merged in order, when there are few columns).
        let column = |j: usize| &data[t.at(0, j)..t.at(0, j) + t.rows.len];
        let run = |init: O::Acc, col: &[T], first: usize| {
            col.chunks(RUN_CHUNK)
                .enumerate()
                .fold(init, |a, (c, piece)| {
                    if cancel.is_cancelled() {
                        a
                    } else {
                        fold_run(op, a, piece, first + c * RUN_CHUNK)
                    }
                })
        };
        if !parallel {
            acc.iter_mut()
                .enumerate()
                .for_each(|(j, a)| *a = run(*a, column(j), t.index));
        } else if t.cols.len >= threads {
            acc.par_iter_mut()
                .enumerate()
                .for_each(|(j, a)| *a = run(*a, column(j), t.index));
        } else {
            let piece = t.rows.len.div_ceil(threads).max(1);
            for (j, a) in acc.iter_mut().enumerate() {
                let parts: Vec<O::Acc> = column(j)
                    .par_chunks(piece)
                    .enumerate()
                    .map(|(p, c)| run(op.init(), c, t.index + p * piece))
                    .collect();
                *a = parts.into_iter().fold(*a, |x, y| op.merge(x, y));
            }
        }
    } else {
        // Any other strides: blocks of columns, walked row by row.
        let block = |(b, acc): (usize, &mut [O::Acc])| {
            if cancel.is_cancelled() {
                return;
            }
            let j0 = b * ROW_BLOCK;
            for i in 0..t.rows.len {
                for (k, a) in acc.iter_mut().enumerate() {
                    // SAFETY: in bounds: the tile lies in a `ViewN` checked against
                    // `data` (`ViewN::new`), `i < rows.len`, and `j0 + k < cols.len`
                    // because `acc` is this block of the tile's columns.
                    let x = unsafe { *data.get_unchecked(t.at(i, j0 + k)) };
                    *a = op.fold(*a, x, t.index + i);
                }
            }
        };
        if parallel {
            acc.par_chunks_mut(ROW_BLOCK).enumerate().for_each(block);
        } else {
            acc.chunks_mut(ROW_BLOCK).enumerate().for_each(block);
        }
    }
}

/// Visits every index of `dims` in C order with its element offset and
/// flat position.
fn odometer(dims: &[Dim], mut visit: impl FnMut(isize, usize)) {
    let total: usize = dims.iter().map(|d| d.len).product();
    let mut idx = vec![0usize; dims.len()];
    let mut off = 0isize;
    for flat in 0..total {
        visit(off, flat);
        for k in (0..dims.len()).rev() {
            idx[k] += 1;
            off += dims[k].stride;
            if idx[k] < dims[k].len {
                break;
            }
            off -= dims[k].stride * dims[k].len as isize;
            idx[k] = 0;
        }
    }
}

/// Reduces `view` of `data` over `axes` (sorted, unique) with `op`. The
/// result holds one accumulator per kept position, kept axes in C order.
pub fn reduce<T: Scalar, O: Op<T>>(
    data: &[T],
    view: &ViewN,
    axes: &[usize],
    op: &O,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<Vec<O::Acc>, Error> {
    let p = plan(view, axes)?;
    if p.reduced_len == 0 && !O::HAS_IDENTITY {
        return Err(Error::ZeroSize { op: O::NAME });
    }
    crate::error::ensure_allocatable::<O::Acc>(p.out_len)?;
    let mut out = vec![op.init(); p.out_len];
    if p.out_len == 0 || p.reduced_len == 0 {
        return Ok(out);
    }
    let unit = Dim { len: 1, stride: 0 };
    let (cols, outer_kept) = p
        .kept
        .split_last()
        .map_or((unit, &[][..]), |(l, r)| (*l, r));
    let (rows, outer_reduced) = p
        .reduced
        .split_last()
        .map_or((unit, &[][..]), |(l, r)| (*l, r));
    let mut reduced_starts = Vec::new();
    odometer(outer_reduced, |off, flat| {
        reduced_starts.push((off, flat * rows.len))
    });
    let kept_count = p.out_len / cols.len;
    let total = p.out_len * p.reduced_len;
    let mut work = || {
        let threads = if total < SMALL {
            1
        } else {
            effective_threads(None)
        };
        let fold_outer = |base: isize, acc: &mut [O::Acc], inner_threads: usize| {
            for &(r_off, index) in &reduced_starts {
                let t = Tile {
                    rows,
                    cols,
                    offset: (p.offset as isize + base + r_off) as usize,
                    index,
                };
                fold_tile(data, &t, op, acc, inner_threads, cancel);
            }
        };
        let mut kept_starts = Vec::with_capacity(kept_count);
        odometer(outer_kept, |off, _| kept_starts.push(off));
        if threads > 1 && kept_count >= 2 * threads {
            // Many independent tiles: one thread per group of output rows.
            out.par_chunks_mut(cols.len)
                .zip(kept_starts.par_iter())
                .for_each(|(acc, &base)| fold_outer(base, acc, 1));
        } else {
            for (acc, &base) in out.chunks_mut(cols.len).zip(&kept_starts) {
                fold_outer(base, acc, threads);
            }
        }
    };
    if total < SMALL {
        // Small inputs stay on the calling thread: a pool hand-off costs
        // more (about 15 us) than the reduction.
        crate::pool::check_threads(threads)?;
        work();
    } else {
        run_with_threads(threads, work)?;
    }
    cancel.check()?;
    Ok(out)
}
