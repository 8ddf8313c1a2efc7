//! The tasks of a grouped fold: the kept positions split into pieces,
//! each folded in one of the two loop orders (see the parent module) into
//! its own scratch accumulators and written out converted.

use std::mem::MaybeUninit;

use super::{locate, Kept, Labels, ROW_ACC_BYTES, SHORT_RUN};
use crate::cancel::Cancel;
use crate::engine::kernels::{fold_row, fold_row4, fold_run};
use crate::engine::{par_for, DisjointSlice};
use crate::error::{try_filled, Error};
use crate::ops::Op;
use crate::scalar::Scalar;

/// What every task of one grouped fold shares.
pub(super) struct Task<'a, T: Scalar, O: Op<T>, R, F> {
    pub(super) data: &'a [T],
    pub(super) offset: isize,
    pub(super) labels: &'a Labels,
    pub(super) along: isize,
    pub(super) group_stride: usize,
    pub(super) op: &'a O,
    pub(super) cancel: &'a Cancel,
    pub(super) dest: &'a DisjointSlice<'a, MaybeUninit<R>>,
    pub(super) finish: &'a F,
}

impl<T: Scalar, O: Op<T>, R: Copy + Send, F: Fn(O::Acc, usize) -> R + Sync> Task<'_, T, O, R, F> {
    /// `n` pieces of work in tasks, each with its own scratch of `scratch`
    /// accumulators, reused across its pieces.
    fn split(
        &self,
        n: usize,
        scratch: usize,
        piece: &(dyn Fn(usize, &mut [O::Acc]) + Sync),
    ) -> Result<(), Error> {
        // About sixteen tasks a thread: enough to balance, and few
        // allocations of the scratch (a mapping each, when it is large).
        let per_task = n.div_ceil(16 * rayon::current_num_threads()).max(1);
        par_for(n.div_ceil(per_task), &|t| {
            let mut acc = try_filled(scratch, self.op.init())?;
            for p in t * per_task..((t + 1) * per_task).min(n) {
                self.cancel.check()?;
                piece(p, &mut acc);
            }
            Ok(())
        })?;
        self.cancel.check()
    }

    /// Input index of element `i` along the reduced axis from `at`.
    #[inline(always)]
    fn index(&self, at: isize, i: usize) -> usize {
        // The view's invariant: every reachable element index is in `data`.
        (at + i as isize * self.along) as usize
    }

    /// Writes `acc[g]` (for every group) of a position starting at `out`
    /// in the result, `step` apart between accumulators of one group.
    fn write(&self, acc: &[O::Acc], width: usize, out: usize, step: usize) {
        for g in 0..self.labels.groups {
            for (j, &a) in acc[g * width..(g + 1) * width].iter().enumerate() {
                // SAFETY: each task writes the result positions of its own
                // kept positions (`out` + j * step, for its distinct `j` or
                // lanes) in every group, and no two tasks share a kept position.
                unsafe {
                    let value = MaybeUninit::new((self.finish)(a, g));
                    self.dest
                        .write(out + g * self.group_stride + j * step, value)
                };
            }
        }
    }

    /// The lane order: each kept position walked along the reduced axis.
    pub(super) fn lanes(&self, kept: &[Kept]) -> Result<(), Error> {
        let positions: usize = kept.iter().map(|d| d.len).product();
        let (op, data) = (self.op, self.data);
        self.split(positions, self.labels.groups, &|p, acc| {
            acc.fill(op.init());
            let (at, out) = locate(kept, p, self.offset);
            for &(s, e, g) in &self.labels.runs {
                // A short run costs more through the run kernel (its lanes'
                // set-up and merge) than element by element.
                if self.along == 1 && e - s >= SHORT_RUN {
                    let start = self.index(at, s);
                    acc[g] = fold_run(op, acc[g], &data[start..start + (e - s)], s);
                } else {
                    for i in s..e {
                        acc[g] = op.fold(acc[g], data[self.index(at, i)], i);
                    }
                }
            }
            self.write(acc, 1, out, 0);
        })
    }

    /// The row order: blocks of the closest kept axis `col`, each row of
    /// the block folded into its group's block of accumulators.
    pub(super) fn rows(&self, outer: &[Kept], col: Kept) -> Result<(), Error> {
        let g = self.labels.groups;
        let acc_bytes = std::mem::size_of::<O::Acc>().max(1) * g;
        let width = (ROW_ACC_BYTES / acc_bytes).clamp(16, 8192).min(col.len);
        let blocks = col.len.div_ceil(width);
        let positions: usize = outer.iter().map(|d| d.len).product::<usize>() * blocks;
        let (op, data) = (self.op, self.data);
        self.split(positions, g * width, &|p, acc| {
            let (q, b) = (p / blocks, p % blocks);
            let j0 = b * width;
            let w = width.min(col.len - j0);
            let (at, out) = locate(outer, q, self.offset);
            let at = at + j0 as isize * col.stride;
            let acc = &mut acc[..g * w];
            acc.fill(op.init());
            if col.stride == 1 && O::ORDER_FREE && !O::GROUP_ROWS {
                // An order-free op ignores the index: a group's rows four at
                // a time load and store its block a quarter as often (the
                // engine's row4 loop), whatever the labels' order.
                let row = |i: usize| {
                    let start = self.index(at, i);
                    &data[start..start + w]
                };
                for grp in 0..g {
                    let block = &mut acc[grp * w..(grp + 1) * w];
                    let members =
                        &self.labels.members[self.labels.starts[grp]..self.labels.starts[grp + 1]];
                    let mut fours = members.chunks_exact(4);
                    for f in &mut fours {
                        fold_row4(
                            op,
                            block,
                            [row(f[0]), row(f[1]), row(f[2]), row(f[3])],
                            f[0],
                        );
                    }
                    for &i in fours.remainder() {
                        fold_row(op, block, row(i), i);
                    }
                }
            } else {
                for &(s, e, grp) in &self.labels.runs {
                    let block = &mut acc[grp * w..(grp + 1) * w];
                    if col.stride == 1 {
                        let row = |i: usize| {
                            let start = self.index(at, i);
                            &data[start..start + w]
                        };
                        if O::GROUP_ROWS {
                            // Its own rows in groups, as the engine hands them.
                            let mut i = s;
                            while i < e {
                                let n = (e - i).min(16);
                                let rows: Vec<&[T]> = (i..i + n).map(row).collect();
                                op.fold_rows(block, &rows, i);
                                i += n;
                            }
                        } else {
                            for i in s..e {
                                fold_row(op, block, row(i), i);
                            }
                        }
                    } else {
                        for i in s..e {
                            let start = self.index(at, i) as isize;
                            for (j, a) in block.iter_mut().enumerate() {
                                *a = op.fold(
                                    *a,
                                    data[(start + j as isize * col.stride) as usize],
                                    i,
                                );
                            }
                        }
                    }
                }
            }
            self.write(acc, w, out + j0 * col.out, col.out);
        })
    }
}
