//! The engine's inner loops: a row streamed into a block of accumulators,
//! four rows at once, a contiguous run, and the 2-D tile walked with them.
//!
//! Only loops that vectorise (`Op::SIMD_ROWS`, `Op::SIMD_RUN`) get a body
//! per instruction set (`multiversion`: AVX-512, AVX2, SSE4.2, NEON, plus
//! the baseline); the others get the baseline body alone. The choice is a
//! constant after monomorphisation, and the compiler instantiates nothing
//! behind a false one, so a loop that does not vectorise (a run of
//! variance moments, i128 sums and products, the arg ops' runs, ...)
//! costs one body, not five.

use multiversion::multiversion;

use crate::cancel::Cancel;
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::plan::Dim;
use crate::scalar::Scalar;

use super::{par_chunks, CHECK_EVERY, ROW_BLOCK, ROW_GROUP, SMALL, SPLIT_ACCS};

#[inline(always)]
fn row_body<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], row: &[T], index: usize) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = op.fold(*a, x, index);
    }
}

/// Four rows folded into a block, `x(i, k)` reading row `i`'s element
/// `k`: the one loop of the plain and the masked four-row kernels.
#[inline(always)]
fn row4_fold<T: Scalar, O: Op<T>>(
    op: &O,
    acc: &mut [O::Acc],
    index: usize,
    x: impl Fn(usize, usize) -> T,
) {
    for (k, a) in acc.iter_mut().enumerate() {
        let y = op.fold(op.fold(*a, x(0, k), index), x(1, k), index + 1);
        *a = op.fold(op.fold(y, x(2, k), index + 2), x(3, k), index + 3);
    }
}

#[inline(always)]
fn row4_body<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], rows: [&[T]; 4], index: usize) {
    let n = acc.len();
    // Written out, not `rows.map`: a generic call the compiler may leave
    // out of line when codegen units split the crate, and with it the
    // lengths that let the loop drop its bounds checks and vectorise.
    let rows = [&rows[0][..n], &rows[1][..n], &rows[2][..n], &rows[3][..n]];
    row4_fold(op, acc, index, |i, k| rows[i][k]);
}

/// `row4_body` over `neutral` wherever a row's flag is 0 (a select, which
/// the compiler makes a blend).
#[inline(always)]
fn row4_masked_body<T: Scalar, O: Op<T>>(
    op: &O,
    acc: &mut [O::Acc],
    rows: [&[T]; 4],
    flags: [&[u8]; 4],
    neutral: T,
    index: usize,
) {
    let n = acc.len();
    // Written out, as in `row4_body`.
    let rows = [&rows[0][..n], &rows[1][..n], &rows[2][..n], &rows[3][..n]];
    let flags = [
        &flags[0][..n],
        &flags[1][..n],
        &flags[2][..n],
        &flags[3][..n],
    ];
    row4_fold(op, acc, index, |i, k| {
        if flags[i][k] != 0 {
            rows[i][k]
        } else {
            neutral
        }
    });
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn row4_masked_simd<T: Scalar, O: Op<T>>(
    op: &O,
    acc: &mut [O::Acc],
    rows: [&[T]; 4],
    flags: [&[u8]; 4],
    neutral: T,
    index: usize,
) {
    row4_masked_body(op, acc, rows, flags, neutral, index)
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn row_simd<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], row: &[T], index: usize) {
    row_body(op, acc, row, index)
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn row4_simd<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], rows: [&[T]; 4], index: usize) {
    row4_body(op, acc, rows, index)
}

#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn run_simd<T: Scalar, O: Op<T>>(op: &O, init: O::Acc, run: &[T], index: usize) -> O::Acc {
    op.fold_run(init, run, index)
}

/// `acc[k] = fold(acc[k], row[k], index)`: one row streamed into a block.
#[inline(always)]
pub(crate) fn fold_row<T: Scalar, O: Op<T>>(op: &O, acc: &mut [O::Acc], row: &[T], index: usize) {
    if O::SIMD_ROWS {
        row_simd(op, acc, row, index)
    } else {
        row_body(op, acc, row, index)
    }
}

/// Four rows per pass over the block (rows `index` to `index + 3`), so the
/// block is loaded and stored a quarter as often as with `fold_row`.
#[inline(always)]
pub(crate) fn fold_row4<T: Scalar, O: Op<T>>(
    op: &O,
    acc: &mut [O::Acc],
    rows: [&[T]; 4],
    index: usize,
) {
    if O::SIMD_ROWS {
        row4_simd(op, acc, rows, index)
    } else {
        row4_body(op, acc, rows, index)
    }
}

/// `fold_row4` of the rows with `neutral` in place of every element whose
/// flag is 0: a masked fold's rows, read once, the select in the same
/// vectorised pass (no substituted copy to write and read again).
#[inline(always)]
pub(crate) fn fold_row4_masked<T: Scalar, O: Op<T>>(
    op: &O,
    acc: &mut [O::Acc],
    rows: [&[T]; 4],
    flags: [&[u8]; 4],
    neutral: T,
    index: usize,
) {
    if O::SIMD_ROWS {
        row4_masked_simd(op, acc, rows, flags, neutral, index)
    } else {
        row4_masked_body(op, acc, rows, flags, neutral, index)
    }
}

/// Folds a contiguous run whose first element has reduced index `index`.
#[inline]
pub(crate) fn fold_run<T: Scalar, O: Op<T>>(
    op: &O,
    init: O::Acc,
    run: &[T],
    index: usize,
) -> O::Acc {
    if O::SIMD_RUN {
        run_simd(op, init, run, index)
    } else {
        op.fold_run(init, run, index)
    }
}

/// A contiguous run folded in pieces, looking at the cancel flag between.
pub(super) fn fold_run_checked<T: Scalar, O: Op<T>>(
    op: &O,
    init: O::Acc,
    run: &[T],
    index: usize,
    cancel: &Cancel,
) -> O::Acc {
    let mut acc = init;
    for (c, piece) in run.chunks(CHECK_EVERY).enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        acc = fold_run(op, acc, piece, index + c * CHECK_EVERY);
    }
    acc
}

/// One 2-D tile: `rows` along the innermost reduced axis, `cols` along the
/// innermost kept axis, starting at `offset`; the reduced index of row `i`
/// is `index + i`. Every element it addresses is one of the view's.
#[derive(Clone, Copy)]
pub(super) struct Tile {
    pub rows: Dim,
    pub cols: Dim,
    pub offset: usize,
    pub index: usize,
}

impl Tile {
    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> usize {
        (self.offset as isize + i as isize * self.rows.stride + j as isize * self.cols.stride)
            as usize
    }

    /// Rows `start..start + len` of this tile.
    fn rows_slice(&self, start: usize, len: usize) -> Tile {
        Tile {
            rows: Dim {
                len,
                stride: self.rows.stride,
            },
            offset: self.at(start, 0),
            index: self.index + start,
            ..*self
        }
    }
}

/// Folds a tile into `acc` (one accumulator per column) on this thread.
fn fold_tile_serial<T: Scalar, O: Op<T>>(
    data: &[T],
    t: &Tile,
    op: &O,
    acc: &mut [O::Acc],
    j0: usize,
    cancel: &Cancel,
) {
    let n = acc.len();
    if n == 0 {
        return;
    }
    let per_check = (CHECK_EVERY / n).max(4);
    if t.cols.stride == 1 && n > 1 {
        // Rows are contiguous: stream each row's slice into the block.
        let row = |i: usize| &data[t.at(i, j0)..t.at(i, j0) + n];
        if O::GROUP_ROWS {
            let group = per_check.max(ROW_GROUP);
            let mut rows: Vec<&[T]> = Vec::with_capacity(group.min(t.rows.len));
            for i in (0..t.rows.len).step_by(group) {
                if cancel.is_cancelled() {
                    return;
                }
                rows.clear();
                rows.extend((i..(i + group).min(t.rows.len)).map(row));
                op.fold_rows(acc, &rows, t.index + i);
            }
            return;
        }
        let mut i = 0;
        while i < t.rows.len {
            if cancel.is_cancelled() {
                return;
            }
            let end = (i + per_check).min(t.rows.len);
            while i + 4 <= end {
                fold_row4(
                    op,
                    acc,
                    [row(i), row(i + 1), row(i + 2), row(i + 3)],
                    t.index + i,
                );
                i += 4;
            }
            while i < end {
                fold_row(op, acc, row(i), t.index + i);
                i += 1;
            }
        }
    } else if t.rows.stride == 1 || t.rows.len == 1 {
        // Each column is contiguous: fold it as one run.
        for (k, a) in acc.iter_mut().enumerate() {
            let start = t.at(0, j0 + k);
            *a = fold_run_checked(op, *a, &data[start..start + t.rows.len], t.index, cancel);
        }
    } else {
        // Any other strides: the block walked row by row, so that small
        // column strides still read nearby memory.
        for i0 in (0..t.rows.len).step_by(per_check) {
            if cancel.is_cancelled() {
                return;
            }
            for i in i0..(i0 + per_check).min(t.rows.len) {
                for (k, a) in acc.iter_mut().enumerate() {
                    // The planner only fuses axes, drops length-1 or stride-0
                    // ones and flips strides with the offset, so the tile
                    // stays inside the view; `acc` is the block from `j0`.
                    // SAFETY: in bounds: a `View` checked against `data` by
                    // `View::new`, `i < rows.len` and `j0 + k < cols.len`.
                    let x = unsafe { *data.get_unchecked(t.at(i, j0 + k)) };
                    *a = op.fold(*a, x, t.index + i);
                }
            }
        }
    }
}

/// Folds a tile into `acc`, on up to `threads` threads: blocks of columns
/// in parallel when there are enough, otherwise the rows split into
/// pieces whose partial results are merged in order.
pub(super) fn fold_tile<T: Scalar, O: Op<T>>(
    data: &[T],
    t: &Tile,
    op: &O,
    acc: &mut [O::Acc],
    threads: usize,
    cancel: &Cancel,
) -> Result<(), Error> {
    let n = acc.len();
    if threads <= 1 || t.rows.len.saturating_mul(n) < SMALL {
        for (b, block) in acc.chunks_mut(ROW_BLOCK).enumerate() {
            fold_tile_serial(data, t, op, block, b * ROW_BLOCK, cancel);
        }
        return Ok(());
    }
    let contiguous_columns = t.cols.stride != 1 && t.rows.stride == 1;
    let grain = if contiguous_columns { 1 } else { ROW_BLOCK };
    if n >= threads * grain || n * threads > SPLIT_ACCS || t.rows.len < 2 * threads {
        return par_chunks(acc, grain, &|b, block| {
            fold_tile_serial(data, t, op, block, b * grain, cancel);
            Ok(())
        });
    }
    let piece = t.rows.len.div_ceil(threads);
    let mut parts = try_filled(n * threads, op.init())?;
    par_chunks(&mut parts, n, &|p, part| {
        let start = (p * piece).min(t.rows.len);
        let sub = t.rows_slice(start, piece.min(t.rows.len - start));
        for (b, block) in part.chunks_mut(ROW_BLOCK).enumerate() {
            fold_tile_serial(data, &sub, op, block, b * ROW_BLOCK, cancel);
        }
        Ok(())
    })?;
    for part in parts.chunks(n) {
        for (a, &p) in acc.iter_mut().zip(part) {
            *a = op.merge(*a, p);
        }
    }
    Ok(())
}
