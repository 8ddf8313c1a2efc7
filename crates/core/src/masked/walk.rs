//! The masked fold: the data and its mask are two borrowed views of the
//! same shape, walked together; an element whose mask entry is zero is
//! skipped, every other one goes through the op's own `fold`. A lane also
//! counts what it kept, which the empty-lane rules and `mean` need.
//!
//! Two loop orders, as the unmasked engine's: when the innermost kept axis
//! steps less than the innermost reduced one, rows of a block of columns
//! are folded (`acc[c] = fold(acc[c], row[c])`); otherwise each lane runs
//! along its innermost reduced axis. The mask is read a block at a time
//! into a small buffer of keep flags (any dtype, once), never the data.

use crate::cancel::Cancel;
use crate::engine::{par_chunks, CHECK_EVERY, SMALL, SPLIT_ACCS};
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::pool::{default_threads, run_with_threads};
use crate::scalar::Scalar;
use crate::view::{View, MAX_DIMS};

/// Elements per block of keep flags: 4 KiB, which stays in L1 beside the
/// accumulators of the same block.
const BLOCK: usize = 4096;
/// Independent accumulators along a contiguous lane, for the ops that may
/// fold in any order.
const CHAINS: usize = 4;

/// A mask read as keep flags, whatever its element type: an entry that
/// is not zero keeps its element (NaN keeps, -0.0 does not: NumPy's bool).
pub(crate) trait KeepFlags: Sync {
    /// Writes `keep.len()` flags (0 or 1) for the entries at `offset`,
    /// `offset + stride`, ... of the mask's data.
    fn fill(&self, offset: isize, stride: isize, keep: &mut [u8]);
}

impl<M: Scalar> KeepFlags for View<'_, M> {
    fn fill(&self, offset: isize, stride: isize, keep: &mut [u8]) {
        let data = self.data();
        if stride == 1 {
            let (from, n) = (offset as usize, keep.len());
            for (f, &m) in keep.iter_mut().zip(&data[from..from + n]) {
                *f = (m != M::NIL) as u8;
            }
            return;
        }
        for (k, f) in keep.iter_mut().enumerate() {
            *f = (data[(offset + k as isize * stride) as usize] != M::NIL) as u8;
        }
    }
}

/// The mask of a masked fold: its flags, and its strides and offset over
/// the data's shape (broadcast axes have stride 0).
#[derive(Clone, Copy)]
pub(crate) struct MaskRef<'a> {
    pub flags: &'a dyn KeepFlags,
    pub strides: &'a [isize],
    pub offset: usize,
}

/// One axis: its length and its steps in the data and in the mask.
#[derive(Clone, Copy, Debug)]
struct Dim {
    len: usize,
    sx: isize,
    sm: isize,
}

const UNIT: Dim = Dim {
    len: 1,
    sx: 0,
    sm: 0,
};

/// Walks the index space of `dims` in C order, keeping both offsets.
struct Odometer<'d> {
    dims: &'d [Dim],
    idx: [usize; MAX_DIMS],
    x: isize,
    m: isize,
}

impl<'d> Odometer<'d> {
    fn at(dims: &'d [Dim], mut flat: usize) -> Self {
        let mut o = Odometer {
            dims,
            idx: [0; MAX_DIMS],
            x: 0,
            m: 0,
        };
        for (k, d) in dims.iter().enumerate().rev() {
            o.idx[k] = flat % d.len;
            flat /= d.len;
            o.x += o.idx[k] as isize * d.sx;
            o.m += o.idx[k] as isize * d.sm;
        }
        o
    }

    fn advance(&mut self) {
        for k in (0..self.dims.len()).rev() {
            let d = self.dims[k];
            self.idx[k] += 1;
            self.x += d.sx;
            self.m += d.sm;
            if self.idx[k] < d.len {
                return;
            }
            self.x -= d.sx * d.len as isize;
            self.m -= d.sm * d.len as isize;
            self.idx[k] = 0;
        }
    }
}

/// `acc` with `x` folded in where `flag` (0 or 1) is 1, else `acc`.
/// The fold is computed either way (every op's fold is a pure function of
/// its arguments) and the flag selects: a mask of mixed flags would
/// otherwise mispredict a branch on about every other element.
#[inline(always)]
fn keep_or<T: Scalar, O: Op<T>>(op: &O, acc: O::Acc, x: T, index: usize, flag: u8) -> O::Acc {
    let folded = op.fold(acc, x, index);
    if flag != 0 {
        folded
    } else {
        acc
    }
}

/// Folds the elements of `x` that `mask` keeps over `axes` (sorted,
/// unique) with `op`: one accumulator and one count of kept elements per
/// kept position, kept axes in C order. The op sees each kept element with
/// its flat C-order index over the reduced axes, as without a mask.
/// Without `counted` the counts of the row loops stay 0 (the ops whose
/// rules do not read them skip that work).
pub(crate) fn fold_masked<T: Scalar, O: Op<T>>(
    x: &View<T>,
    mask: MaskRef,
    axes: &[usize],
    op: &O,
    counted: bool,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<(Vec<O::Acc>, Vec<u64>), Error> {
    crate::pool::check_threads(threads)?;
    crate::plan::check_axes(axes, x.shape().len())?;
    let (shape, sx) = (x.shape(), x.strides());
    let (mut kept, mut reduced) = (Vec::new(), Vec::new());
    let (mut out_len, mut reduced_len) = (1usize, 1usize);
    for k in 0..shape.len() {
        let d = Dim {
            len: shape[k],
            sx: sx[k],
            sm: mask.strides[k],
        };
        // Saturating: a product can overflow only beside an empty axis,
        // and then the other one is 0 and nothing is folded.
        if axes.contains(&k) {
            reduced_len = reduced_len.saturating_mul(d.len);
            if d.len != 1 {
                reduced.push(d);
            }
        } else {
            out_len = out_len.saturating_mul(d.len);
            if d.len != 1 {
                kept.push(d);
            }
        }
    }
    if shape
        .iter()
        .enumerate()
        .any(|(k, &n)| n == 0 && !axes.contains(&k))
    {
        out_len = 0;
    }
    let mut state = try_filled(out_len, (op.init(), 0u64))?;
    if out_len == 0 || reduced_len == 0 {
        return Ok(state.into_iter().unzip());
    }
    if kept.is_empty() {
        kept.push(UNIT);
    }
    if reduced.is_empty() {
        reduced.push(UNIT);
    }
    let col = kept[kept.len() - 1];
    let inner = reduced[reduced.len() - 1];
    let rows = col.len > 1 && (inner.len == 1 || col.sx.unsigned_abs() < inner.sx.unsigned_abs());
    let (outer, data) = (&reduced[..reduced.len() - 1], x.data());
    let (x0, m0) = (x.offset() as isize, mask.offset as isize);

    // Folds reduced indices r0..r1 into `part`, the states of kept
    // positions p0.. (a block of them).
    let fold_range = |p0: usize, part: &mut [(O::Acc, u64)], r0: usize, r1: usize| {
        let mut keep = vec![0u8; BLOCK];
        let mut since = 0usize;
        let end = p0 + part.len();
        let mut p = p0;
        if rows {
            // The segment's state in two plain arrays while its rows stream
            // in: `acc[c] = keep ? fold(acc[c], row[c]) : acc[c]` over a
            // contiguous block vectorises, a tuple per column does not.
            // On the heap: a block of the widest accumulators is 200 KiB,
            // a tenth of a worker thread's stack.
            #[allow(clippy::useless_vec)]
            let mut accs = vec![op.init(); BLOCK];
            let mut counts = vec![0u64; BLOCK];
            while p < end {
                // A segment of one kept row, at most a block long.
                let n = (col.len - p % col.len).min(end - p).min(BLOCK);
                let base = Odometer::at(&kept, p);
                let mut red = Odometer::at(&reduced, r0);
                let seg = &mut part[p - p0..p - p0 + n];
                let (keep, accs, counts) = (&mut keep[..n], &mut accs[..n], &mut counts[..n]);
                for ((a, c), s) in accs.iter_mut().zip(counts.iter_mut()).zip(seg.iter()) {
                    (*a, *c) = *s;
                }
                for r in r0..r1 {
                    let (xo, mo) = (x0 + base.x + red.x, m0 + base.m + red.m);
                    mask.flags.fill(mo, col.sm, keep);
                    if col.sx == 1 {
                        let row = &data[xo as usize..xo as usize + n];
                        for ((a, &v), &f) in accs.iter_mut().zip(row).zip(keep.iter()) {
                            *a = keep_or(op, *a, v, r, f);
                        }
                    } else {
                        for (k, (a, &f)) in accs.iter_mut().zip(keep.iter()).enumerate() {
                            let v = data[(xo + k as isize * col.sx) as usize];
                            *a = keep_or(op, *a, v, r, f);
                        }
                    }
                    if counted {
                        for (c, &f) in counts.iter_mut().zip(keep.iter()) {
                            *c += f as u64;
                        }
                    }
                    red.advance();
                    since += n;
                    if since >= CHECK_EVERY {
                        if cancel.is_cancelled() {
                            return Ok(());
                        }
                        since = 0;
                    }
                }
                for ((a, c), s) in accs.iter().zip(counts.iter()).zip(seg.iter_mut()) {
                    *s = (*a, *c);
                }
                p += n;
            }
            return Ok::<(), Error>(());
        }
        let mut base = Odometer::at(&kept, p0);
        for s in part.iter_mut() {
            let (mut acc, mut count) = *s;
            let mut lane = Odometer::at(outer, r0 / inner.len);
            let (mut r, mut j) = (r0, r0 % inner.len);
            while r < r1 {
                let n = (inner.len - j).min(r1 - r).min(BLOCK);
                let xo = x0 + base.x + lane.x + j as isize * inner.sx;
                let mo = m0 + base.m + lane.m + j as isize * inner.sm;
                let keep = &mut keep[..n];
                mask.flags.fill(mo, inner.sm, keep);
                if inner.sx == 1 && O::ORDER_FREE {
                    // Four independent chains, merged at the end: one chain
                    // waits on every fold (a compensated add, a compare).
                    let run = &data[xo as usize..xo as usize + n];
                    let mut chains = [(op.init(), 0u64); CHAINS];
                    let (xs, fs) = (run.chunks_exact(CHAINS), keep.chunks_exact(CHAINS));
                    let (xt, ft) = (xs.remainder(), fs.remainder());
                    for (cx, cf) in xs.zip(fs) {
                        for l in 0..CHAINS {
                            chains[l] = (
                                keep_or(op, chains[l].0, cx[l], r, cf[l]),
                                chains[l].1 + cf[l] as u64,
                            );
                        }
                    }
                    for (&v, &f) in xt.iter().zip(ft) {
                        (acc, count) = (keep_or(op, acc, v, r, f), count + f as u64);
                    }
                    for c in chains {
                        (acc, count) = (op.merge(acc, c.0), count + c.1);
                    }
                } else if inner.sx == 1 {
                    let run = &data[xo as usize..xo as usize + n];
                    for (k, (&v, &f)) in run.iter().zip(keep.iter()).enumerate() {
                        (acc, count) = (keep_or(op, acc, v, r + k, f), count + f as u64);
                    }
                } else {
                    for (k, &f) in keep.iter().enumerate() {
                        let v = data[(xo + k as isize * inner.sx) as usize];
                        (acc, count) = (keep_or(op, acc, v, r + k, f), count + f as u64);
                    }
                }
                r += n;
                j += n;
                if j == inner.len {
                    j = 0;
                    lane.advance();
                }
                since += n;
                if since >= CHECK_EVERY {
                    if cancel.is_cancelled() {
                        return Ok(());
                    }
                    since = 0;
                }
            }
            *s = (acc, count);
            base.advance();
        }
        Ok(())
    };

    let total = out_len.saturating_mul(reduced_len);
    let mut work = || -> Result<(), Error> {
        let threads = if total < SMALL { 1 } else { default_threads() };
        let chunk = if rows {
            BLOCK
        } else {
            out_len.div_ceil(4 * threads).clamp(1, BLOCK)
        };
        if threads > 1 && out_len.div_ceil(chunk) >= 2 * threads {
            // Many independent blocks of output: one task per block.
            par_chunks(&mut state, chunk, &|b, part| {
                fold_range(b * chunk, part, 0, reduced_len)
            })
        } else if threads > 1
            && reduced_len >= 2 * threads
            && out_len.saturating_mul(threads) <= SPLIT_ACCS
        {
            // Few outputs, long lanes: split the lanes, merge in order.
            let parts = threads;
            let piece = reduced_len.div_ceil(parts);
            let mut partial = try_filled(out_len * parts, (op.init(), 0u64))?;
            par_chunks(&mut partial, out_len, &|q, part| {
                let r0 = (q * piece).min(reduced_len);
                let r1 = ((q + 1) * piece).min(reduced_len);
                fold_range(0, part, r0, r1)
            })?;
            for part in partial.chunks(out_len) {
                for (s, t) in state.iter_mut().zip(part) {
                    *s = (op.merge(s.0, t.0), s.1 + t.1);
                }
            }
            Ok(())
        } else {
            fold_range(0, &mut state, 0, reduced_len)
        }
    };
    if total < SMALL {
        work()?;
    } else {
        run_with_threads(threads, work)??;
    }
    cancel.check()?;
    Ok(state.into_iter().unzip())
}
