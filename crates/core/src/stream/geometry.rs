//! How a contiguous array in a file splits into chunks of at most a
//! window each, and where a chunk's results go in the output.

use crate::error::Error;

/// How a contiguous array splits into chunks of at most a window each.
#[derive(Debug)]
pub(super) struct Geometry {
    pub(super) shape: Vec<usize>,
    pub(super) strides: Vec<isize>,
    /// Axes from the slowest in memory to the fastest.
    pub(super) order: Vec<usize>,
    /// Elements per step of `order[k]`.
    pub(super) inner: Vec<usize>,
    /// Chunks cover every index of `order[..split]` one at a time and
    /// `rows` indices of `order[split]` at once.
    pub(super) split: usize,
    pub(super) rows: usize,
    /// Chunks per index tuple of `order[..split]`.
    pub(super) runs: usize,
    pub(super) chunks: usize,
    pub(super) total: usize,
}

/// Where a chunk's accumulators go in the output: a run from a position,
/// or a list of positions.
pub(super) enum Kept {
    Run(usize),
    List(Vec<usize>),
}

/// One chunk: `len` elements from element `start`, the sub-array of
/// `shape` whose first element is at `origin`.
pub(super) struct Chunk {
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) shape: Vec<usize>,
    pub(super) origin: Vec<usize>,
}

impl Geometry {
    /// `strides` must be those of a contiguous array in some axis order
    /// (C or Fortran for a .npy file); `window` counts elements.
    pub(super) fn new(
        shape: &[usize],
        strides: &[isize],
        window: usize,
    ) -> Result<Geometry, Error> {
        let n = shape.len();
        let total = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&t| t <= isize::MAX as usize)
            .ok_or_else(|| Error::ShapeOverflow {
                shape: shape.to_vec(),
            })?;
        let mut order: Vec<usize> = (0..n).collect();
        // Slowest first; a stable sort keeps C order among equal strides
        // (axes of length 1, whose stride is never used).
        order.sort_by_key(|&a| std::cmp::Reverse(strides[a]));
        let mut inner = vec![0; n];
        let mut step = 1usize;
        for k in (0..n).rev() {
            let a = order[k];
            if total > 0 && shape[a] > 1 && strides[a] != step as isize {
                return Err(Error::BadOption {
                    field: "strides",
                    value: format!(
                        "{strides:?} for shape {shape:?} (a file holds a contiguous array)"
                    ),
                });
            }
            inner[k] = step;
            step = step.saturating_mul(shape[a]);
        }
        let window = window.max(1);
        let split = (0..n).find(|&k| inner[k] <= window).unwrap_or(n - 1);
        let len = shape[order[split]];
        let rows = (window / inner[split]).clamp(1, len.max(1));
        let runs = len.div_ceil(rows);
        let chunks = if total == 0 {
            0
        } else {
            order[..split].iter().map(|&a| shape[a]).product::<usize>() * runs
        };
        Ok(Geometry {
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            order,
            inner,
            split,
            rows,
            runs,
            chunks,
            total,
        })
    }

    /// The largest chunk, in elements.
    pub(super) fn capacity(&self) -> usize {
        self.rows * self.inner[self.split]
    }

    pub(super) fn chunk(&self, k: usize) -> Chunk {
        let (rest, run) = (k / self.runs, k % self.runs);
        let from = run * self.rows;
        self.piece(rest, from, self.rows.min(self.shape[self.order[self.split]] - from))
    }

    /// Index tuples of the axes slower than the split one.
    pub(super) fn tuples(&self) -> usize {
        self.order[..self.split].iter().map(|&a| self.shape[a]).product()
    }

    /// The piece of tuple `rest` (of the axes slower than the split one)
    /// covering `len` indices of the split axis from `from`: contiguous in
    /// the file.
    pub(super) fn piece(&self, mut rest: usize, from: usize, len: usize) -> Chunk {
        let mut shape = self.shape.clone();
        let mut origin = vec![0; self.shape.len()];
        let mut start = 0;
        for j in (0..self.split).rev() {
            let a = self.order[j];
            origin[a] = rest % self.shape[a];
            rest /= self.shape[a];
            shape[a] = 1;
            start += origin[a] * self.inner[j];
        }
        let a = self.order[self.split];
        origin[a] = from;
        shape[a] = len;
        start += origin[a] * self.inner[self.split];
        Chunk {
            start,
            len: shape[a] * self.inner[self.split],
            shape,
            origin,
        }
    }

    /// The output positions of a chunk's kept positions, in its C order.
    pub(super) fn kept(&self, axes: &[usize], c: &Chunk) -> Kept {
        let n = c.shape.len();
        let kept: Vec<usize> = (0..n).filter(|a| !axes.contains(a)).collect();
        let global = strides_over(&self.shape, kept.iter().copied());
        // One run when, from the fastest kept axis, the chunk spans whole
        // axes, then part of one, then single indices (the usual case: a
        // run of slabs or sub-slabs).
        let mut partial = false;
        let run = kept.iter().rev().all(|&a| {
            if partial {
                c.shape[a] == 1
            } else {
                partial = c.shape[a] != self.shape[a];
                true
            }
        });
        if run {
            return Kept::Run(kept.iter().map(|&a| c.origin[a] * global[a]).sum());
        }
        let count: usize = kept.iter().map(|&a| c.shape[a]).product();
        let mut index: Vec<usize> = kept.iter().map(|&a| c.origin[a]).collect();
        let mut at: usize = kept.iter().map(|&a| c.origin[a] * global[a]).sum();
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(at);
            for (j, &a) in kept.iter().enumerate().rev() {
                index[j] += 1;
                at += global[a];
                if index[j] < c.origin[a] + c.shape[a] {
                    break;
                }
                index[j] = c.origin[a];
                at -= c.shape[a] * global[a];
            }
        }
        Kept::List(out)
    }
}

/// C-order strides over `axes` (sorted) of `shape`, zero elsewhere.
pub(super) fn strides_over(
    shape: &[usize],
    axes: impl DoubleEndedIterator<Item = usize>,
) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut step = 1;
    for a in axes.rev() {
        s[a] = step;
        step *= shape[a];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_below_the_slowest_axis_when_a_slab_exceeds_the_window() {
        let g = Geometry::new(&[2, 3, 4], &[12, 4, 1], 5).unwrap();
        assert_eq!((g.split, g.rows, g.chunks, g.capacity()), (1, 1, 6, 4));
        let f = Geometry::new(&[2, 3, 4], &[1, 2, 6], 5).unwrap();
        assert_eq!(
            (f.order.clone(), f.split, f.rows, f.chunks),
            (vec![2, 1, 0], 1, 2, 8)
        );
        assert!(Geometry::new(&[2, 3], &[1, 1], 4).is_err());
    }
}
