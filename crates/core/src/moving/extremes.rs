//! moveMin, moveMax, moveArgmin, moveArgmax, with bottleneck's rules: a
//! NaN stands in as the identity (-inf for a max) and is not counted, and
//! of equal values the newest wins, so ties report the newest position.
//!
//! Windows up to `BLOCKED_MAX` use van Herk and Gil-Werman's blocks: the
//! lane is cut into blocks of `window` positions from the state's first
//! position; a window ending at `t` is a suffix of the previous block and
//! a prefix of `t`'s own, so its extreme is the better of the previous
//! block's suffix extreme (computed backwards once per block) and the
//! running extreme of the current block. That is three comparisons an
//! element whatever the data, where the ascending-minima deque pops a
//! data-dependent number of entries, a mispredicted branch or two an
//! element on noisy data (moveMax along axis 1 of 100 x 1,000,000 floats,
//! window 100, 2 threads: 883 ms with the deque, 461 ms in blocks; the
//! `moving_timing` example). Longer windows keep the deque, which holds
//! only the entries it needs rather than a window's worth per lane.

use std::collections::VecDeque;

use super::kernel::{Kernel, Window};

/// The largest window run in blocks: a lane's state then holds one
/// window of (value, position) pairs, 64 KiB.
pub(super) const BLOCKED_MAX: usize = 4096;

#[derive(Default)]
pub(crate) struct Extremes {
    /// The first position this state saw: blocks start here, and earlier
    /// elements never entered.
    start: usize,
    /// Non-NaN elements in the window.
    count: usize,
    /// The current block's first position.
    block: usize,
    /// The best (value, position) of the current block so far.
    prefix: (f64, usize),
    /// `suffix[j]`: the best of the previous block from its element `j`
    /// on (blocked windows).
    suffix: Vec<(f64, usize)>,
    /// The ascending-minima deque (long windows): values monotonic from
    /// the front, positions increasing.
    deque: VecDeque<(f64, usize)>,
}

/// `MAX` false: the minimum; `ARG`: report the distance of the extreme
/// from the window's right edge instead of its value.
pub(crate) struct ExtremeKernel<const MAX: bool, const ARG: bool>(pub Window);

impl<const MAX: bool, const ARG: bool> ExtremeKernel<MAX, ARG> {
    /// `a` is at least as good as `b` (so a newer `a` replaces `b`).
    #[inline(always)]
    fn holds(a: f64, b: f64) -> bool {
        if MAX {
            a >= b
        } else {
            a <= b
        }
    }

    /// `v`, NaN as the identity.
    #[inline(always)]
    fn value(v: f64) -> f64 {
        if v.is_nan() {
            if MAX {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else {
            v
        }
    }

    #[inline(always)]
    fn blocked<R: Fn(usize) -> f64>(
        &self,
        s: &mut Extremes,
        x: &R,
        t: usize,
        v: f64,
    ) -> (f64, usize) {
        let w = self.0.window;
        if t == s.block + w || t == s.start {
            if t > s.start {
                // The block just finished, [t - w, t), suffix by suffix,
                // newest first: an older element wins only when strictly
                // better.
                let lo = t - w;
                let mut best = (Self::value(x(t - 1)), t - 1);
                s.suffix[w - 1] = best;
                for j in (0..w - 1).rev() {
                    let y = Self::value(x(lo + j));
                    if !Self::holds(best.0, y) {
                        best = (y, lo + j);
                    }
                    s.suffix[j] = best;
                }
            }
            s.block = t;
            s.prefix = (v, t);
        } else if Self::holds(v, s.prefix.0) {
            s.prefix = (v, t);
        }
        // The window [t + 1 - w, t]: the previous block from its element
        // `t + 1 - s.block` on (none when the window is the current block,
        // or when there is no previous block), then the current one's
        // prefix, which is newer and so wins ties.
        let from = t + 1 - s.block;
        if s.block == s.start || from == w {
            s.prefix
        } else {
            let older = s.suffix[from];
            if Self::holds(s.prefix.0, older.0) {
                s.prefix
            } else {
                older
            }
        }
    }

    #[inline(always)]
    fn deque(&self, s: &mut Extremes, t: usize, v: f64) -> (f64, usize) {
        let w = self.0.window;
        // Positions that left the window go from the front, values no
        // better than the new one from the back.
        while s.deque.front().is_some_and(|&(_, at)| at + w <= t) {
            s.deque.pop_front();
        }
        while s
            .deque
            .back()
            .is_some_and(|&(back, _)| Self::holds(v, back))
        {
            s.deque.pop_back();
        }
        s.deque.push_back((v, t));
        s.deque[0]
    }
}

impl<const MAX: bool, const ARG: bool> Kernel for ExtremeKernel<MAX, ARG> {
    type State = Extremes;
    fn state(&self, _len: usize, start: usize) -> Extremes {
        let w = self.0.window;
        Extremes {
            start,
            block: start,
            suffix: if w <= BLOCKED_MAX {
                vec![(0.0, 0); w]
            } else {
                Vec::new()
            },
            ..Extremes::default()
        }
    }

    #[inline(always)]
    fn step<R: Fn(usize) -> f64>(&self, s: &mut Extremes, x: &R, t: usize) -> f64 {
        let w = self.0.window;
        if self.0.leaving(t, s.start).is_some_and(|u| !x(u).is_nan()) {
            s.count -= 1;
        }
        let raw = x(t);
        s.count += usize::from(!raw.is_nan());
        let v = Self::value(raw);
        let (value, at) = if w <= BLOCKED_MAX {
            self.blocked(s, x, t, v)
        } else {
            self.deque(s, t, v)
        };
        if s.count < self.0.min_count {
            f64::NAN
        } else if ARG {
            (t - at) as f64
        } else {
            value
        }
    }
}
