//! What both drivers need to know about a moving call's view: where each
//! lane starts in the data and in the output, how far apart its positions
//! are, whether neighbouring lanes are neighbours in memory, and the
//! output that tasks write at disjoint positions.

use std::mem::MaybeUninit;

use crate::scalar::Scalar;
use crate::view::View;

/// The lanes of `v` along `axis`: every position of the other axes.
pub(super) struct Lanes<'a, T> {
    pub data: &'a [T],
    /// The length of the window's axis.
    pub n: usize,
    /// The distance, in elements, between a lane's neighbouring positions.
    pub step: isize,
    /// The output's distance between a lane's neighbouring positions
    /// (the product of the axes after `axis`, the output being C order).
    pub inner: usize,
    pub count: usize,
    /// True when the window's axis is not the fastest in memory, so that
    /// lanes next to each other read elements near each other: a task
    /// then advances a group of lanes a row at a time.
    pub across: bool,
    /// True when a lane's neighbouring positions are farther apart in
    /// memory than neighbouring lanes' (`across`, and also the last axis
    /// of an F-order array): a lane walked alone reads one element per
    /// cache line.
    pub strided: bool,
    offset: isize,
    /// The other axes, C order, as (length, stride): lane `l` is their
    /// flat index.
    others: Vec<(usize, isize)>,
}

impl<'a, T: Scalar> Lanes<'a, T> {
    /// The lanes of `v` for a driver writing `out` (one f64 per element,
    /// asserted), or `None` when there is nothing to do.
    pub fn of(v: &View<'a, T>, axis: usize, out: &[std::mem::MaybeUninit<f64>]) -> Option<Self> {
        assert_eq!(out.len(), v.len());
        (!v.is_empty()).then(|| Self::new(v, axis))
    }

    /// `v` must not be empty.
    fn new(v: &View<'a, T>, axis: usize) -> Self {
        let (shape, strides) = (v.shape(), v.strides());
        let n = shape[axis];
        let others: Vec<(usize, isize)> = (0..shape.len())
            .filter(|&d| d != axis)
            .map(|d| (shape[d], strides[d]))
            .collect();
        let fastest_other = others
            .iter()
            .filter(|(len, _)| *len > 1)
            .map(|(_, s)| s.unsigned_abs())
            .min()
            .unwrap_or(usize::MAX);
        let inner: usize = shape[axis + 1..].iter().product();
        let strided = strides[axis].unsigned_abs() > fastest_other;
        Lanes {
            data: v.data(),
            n,
            step: strides[axis],
            inner,
            count: v.len() / n,
            across: inner > 1 && strided,
            strided,
            offset: v.offset() as isize,
            others,
        }
    }

    /// Where lane `l`'s position 0 is in the data.
    pub fn base(&self, mut l: usize) -> isize {
        let mut at = self.offset;
        for &(len, s) in self.others.iter().rev() {
            at += (l % len) as isize * s;
            l /= len;
        }
        at
    }

    /// Where lane `l`'s position 0 is in the output.
    pub fn out(&self, l: usize) -> usize {
        (l / self.inner) * self.n * self.inner + l % self.inner
    }

    /// Lane `l`'s element at position `u` (`u < n`) as f64. The view's
    /// invariant puts every `base + u * step` inside `data`; the index
    /// stays checked.
    #[inline(always)]
    pub fn at(&self, base: isize, u: usize) -> f64 {
        self.data[(base + u as isize * self.step) as usize].to_f64()
    }
}

/// The caller's output, written by tasks at disjoint positions.
pub(super) struct Output {
    ptr: *mut f64,
    len: usize,
}

// The slice may be uninitialised memory: it is only written, never read,
// here.
// SAFETY: tasks write through `Output` only at positions no other task
// writes (see `write`), and the drivers keep the borrowed slice alive and
// unread until every task has returned.
unsafe impl Sync for Output {}

impl Output {
    pub fn new(out: &mut [MaybeUninit<f64>]) -> Self {
        Output {
            ptr: out.as_mut_ptr().cast::<f64>(),
            len: out.len(),
        }
    }

    /// Writes `out[i]`. Each (lane, position) pair maps to one `i`
    /// (`Lanes::out(l) + t * inner`, an injective map), and the tasks
    /// partition the pairs, so no two writes, from any threads, share an
    /// index. The bound holds by construction: with `l < lanes` and `t <
    /// n`, the largest `i` is `lanes * n - 1 = len - 1` (the drivers assert
    /// `len == lanes * n` once). It is only debug-checked in this hot loop.
    #[inline(always)]
    pub fn write(&self, i: usize, v: f64) {
        debug_assert!(i < self.len);
        // SAFETY: `i < len` (the bound above) for the slice the driver
        // borrows mutably for the whole parallel loop, and no other task
        // reads or writes index `i` (the partition above).
        unsafe { self.ptr.add(i).write(v) }
    }

    /// Writes `out[i..i + run.len()]`, positions that, as for `write`, no
    /// other task writes, and inside the output by the same argument;
    /// `run` is a task's own tile, another allocation.
    #[inline(always)]
    pub fn write_run(&self, i: usize, run: &[f64]) {
        debug_assert!(i + run.len() <= self.len);
        // SAFETY: in bounds and written by this task alone (see above),
        // and `run` cannot overlap the output.
        unsafe { std::ptr::copy_nonoverlapping(run.as_ptr(), self.ptr.add(i), run.len()) }
    }

    /// [`write_run`](Self::write_run) with stores that bypass the cache
    /// where the platform has them (SSE2, every x86-64) and the run starts
    /// on 16 bytes: a long run of results is not read again by this task,
    /// and a plain store first reads each line it writes, a third of a
    /// moving reduction's memory traffic. Only for runs of many lines: a
    /// line that takes both kinds of store is written to memory once per
    /// kind (runs of 8 so took ten times as long): 64 elements at least.
    /// The task calls [`fence`](Self::fence) before it ends.
    #[inline(always)]
    pub fn stream_run(&self, i: usize, run: &[f64]) {
        debug_assert!(i + run.len() <= self.len);
        #[cfg(target_arch = "x86_64")]
        if run.len() >= 64 && (self.ptr as usize + i * 8).is_multiple_of(16) {
            use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd};
            let pairs = run.len() / 2;
            // SAFETY: positions `i..i + run.len()` as in `write_run`; position
            // `i + 2k` is 16-byte aligned (checked above), as `_mm_stream_pd`
            // needs; SSE2 is in the x86-64 baseline.
            unsafe {
                let to = self.ptr.add(i);
                for k in 0..pairs {
                    _mm_stream_pd(to.add(2 * k), _mm_loadu_pd(run.as_ptr().add(2 * k)));
                }
                if !run.len().is_multiple_of(2) {
                    to.add(run.len() - 1).write(run[run.len() - 1]);
                }
            }
            return;
        }
        self.write_run(i, run);
    }

    /// Orders this thread's streaming stores before whatever follows
    /// (they are weakly ordered, and the driver's join would not wait for
    /// them).
    pub fn fence(&self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `sfence` has no operands; SSE is in the x86-64 baseline.
        unsafe {
            std::arch::x86_64::_mm_sfence()
        }
    }
}
