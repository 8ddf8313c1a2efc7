//! `auto`: kernels that follow the memory layout instead of walking column
//! by column, so that every inner loop reads contiguous memory.

use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::element::Element;
use crate::error::Error;
use crate::kernels::simd::{max_into, max_into4, max_reduce};
use crate::view::View2;

/// Columns per block on row-major input: the running-max block (64 KiB of
/// int64) stays in L2 while every row streams its slice of the block in,
/// four rows per pass. 2048 to 131072 all measured within noise of the
/// floor on the article's array (`cargo run --release -p ndreduce-core
/// --example timing`); 8192 sits in the middle of that plateau.
pub const ROW_BLOCK: usize = 8192;

/// Below this many elements a thread hand-off costs more than it saves.
pub const SMALL: usize = 1 << 16;

/// Elements of one contiguous column between two looks at the cancel flag.
const COLUMN_CHUNK: usize = 1 << 20;

/// The layout-following max over axis 0. `parallel` is false for small
/// inputs, where the same loops run on the calling thread.
pub fn auto<T: Element>(
    data: &[T],
    view: &View2,
    threads: usize,
    cancel: &Cancel,
) -> Result<Vec<T>, Error> {
    // The row order never changes a maximum, so a reversed row axis is
    // simply walked forwards; a reversed column axis is walked forwards and
    // its output reversed at the end.
    let mut v = *view;
    if v.row_stride() < 0 {
        v = v.rows_reversed();
    }
    let flip_cols = v.col_stride() < 0;
    if flip_cols {
        v = v.cols_reversed();
    }
    let parallel = threads > 1 && v.rows() * v.cols() >= SMALL;
    let mut out = if v.col_stride() == 1 {
        row_streaming(data, &v, parallel, cancel)?
    } else if v.row_stride() == 1 {
        contiguous_columns(data, &v, threads, parallel, cancel)?
    } else {
        strided(data, &v, parallel, cancel)?
    };
    if flip_cols {
        out.reverse();
    }
    Ok(out)
}

/// Row-major (`col_stride == 1`): every row's slice of a column block is
/// folded into a running-max block with a vectorised elementwise max.
fn row_streaming<T: Element>(
    data: &[T],
    v: &View2,
    parallel: bool,
    cancel: &Cancel,
) -> Result<Vec<T>, Error> {
    let mut out = vec![T::LOWEST; v.cols()];
    let block = |(b, acc): (usize, &mut [T])| {
        if cancel.is_cancelled() {
            return;
        }
        let j0 = b * ROW_BLOCK;
        let n = acc.len();
        // Slicing is checked, once per row and block: negligible next to
        // the block of elements it covers.
        let row = |i: usize| &data[v.index(i, j0)..v.index(i, j0) + n];
        let mut i = 0;
        while i + 4 <= v.rows() {
            max_into4(acc, row(i), row(i + 1), row(i + 2), row(i + 3));
            i += 4;
        }
        for i in i..v.rows() {
            max_into(acc, row(i));
        }
    };
    if parallel {
        out.par_chunks_mut(ROW_BLOCK).enumerate().for_each(block);
    } else {
        out.chunks_mut(ROW_BLOCK).enumerate().for_each(block);
    }
    cancel.check()?;
    Ok(out)
}

/// Column-major or transposed input (`row_stride == 1`): each column is a
/// contiguous slice reduced with several accumulators. With fewer columns
/// than threads, each column is itself split across the threads.
fn contiguous_columns<T: Element>(
    data: &[T],
    v: &View2,
    threads: usize,
    parallel: bool,
    cancel: &Cancel,
) -> Result<Vec<T>, Error> {
    let rows = v.rows();
    let column = |j: usize| &data[v.index(0, j)..v.index(0, j) + rows];
    let reduce_chunked = |col: &[T]| {
        col.chunks(COLUMN_CHUNK).fold(T::LOWEST, |m, c| {
            if cancel.is_cancelled() {
                m
            } else {
                max_reduce(m, c)
            }
        })
    };
    let out = if !parallel {
        (0..v.cols()).map(|j| reduce_chunked(column(j))).collect()
    } else if v.cols() >= threads {
        let mut out = vec![T::LOWEST; v.cols()];
        out.par_iter_mut()
            .enumerate()
            .for_each(|(j, o)| *o = reduce_chunked(column(j)));
        out
    } else {
        let piece = rows.div_ceil(threads).max(1);
        (0..v.cols())
            .map(|j| {
                column(j)
                    .par_chunks(piece)
                    .map(reduce_chunked)
                    .reduce(|| T::LOWEST, T::max_of)
            })
            .collect()
    };
    cancel.check()?;
    Ok(out)
}

/// Any other strides: blocks of columns, each walked row by row so that
/// small column strides still read nearby memory.
fn strided<T: Element>(
    data: &[T],
    v: &View2,
    parallel: bool,
    cancel: &Cancel,
) -> Result<Vec<T>, Error> {
    let mut out = vec![T::LOWEST; v.cols()];
    let block = |(b, acc): (usize, &mut [T])| {
        if cancel.is_cancelled() {
            return;
        }
        let j0 = b * ROW_BLOCK;
        for i in 0..v.rows() {
            for (k, a) in acc.iter_mut().enumerate() {
                // SAFETY: `v` is a validated view of `data` (see `View2::new`),
                // `i < rows` and `j0 + k < cols` because `acc` is the chunk of
                // the `cols`-long output that starts at column `j0`.
                *a = a.max_of(unsafe { *data.get_unchecked(v.index(i, j0 + k)) });
            }
        }
    };
    if parallel {
        out.par_chunks_mut(ROW_BLOCK).enumerate().for_each(block);
    } else {
        out.chunks_mut(ROW_BLOCK).enumerate().for_each(block);
    }
    cancel.check()?;
    Ok(out)
}
