//! moveMin, moveMax, moveArgmin, moveArgmax: the ascending-minima deque
//! (amortised O(1) per element), as bottleneck keeps it: a NaN enters as
//! the identity (so the deque still advances) and is not counted, and an
//! equal newer value evicts the older one, so ties report the newest.

use super::kernel::{Kernel, Window};

/// A ring buffer of (value, position), values monotonic from the front.
#[derive(Default)]
pub(crate) struct Deque {
    items: Vec<(f64, usize)>,
    head: usize,
    len: usize,
    count: usize,
    /// The first position this deque saw.
    start: usize,
}

impl Deque {
    fn new(window: usize, start: usize) -> Self {
        Deque {
            items: vec![(0.0, 0); window],
            head: 0,
            len: 0,
            count: 0,
            start,
        }
    }
    #[inline(always)]
    fn at(&self, k: usize) -> usize {
        let i = self.head + k;
        if i >= self.items.len() {
            i - self.items.len()
        } else {
            i
        }
    }
}

/// `MAX` false: the minimum; `ARG`: report the distance of the extreme
/// from the window's right edge instead of its value.
pub(crate) struct ExtremeKernel<const MAX: bool, const ARG: bool>(pub Window);

impl<const MAX: bool, const ARG: bool> Kernel for ExtremeKernel<MAX, ARG> {
    type State = Deque;
    fn state(&self, _len: usize, start: usize) -> Deque {
        Deque::new(self.0.window, start)
    }

    #[inline(always)]
    fn step<R: Fn(usize) -> f64>(&self, d: &mut Deque, x: &R, t: usize) -> f64 {
        let w = self.0.window;
        if t >= w && t - w >= d.start && !x(t - w).is_nan() {
            d.count -= 1;
        }
        let mut v = x(t);
        if v.is_nan() {
            v = if MAX {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        } else {
            d.count += 1;
        }
        // Positions that left the window go from the front.
        while d.len > 0 && d.items[d.head].1 + w <= t {
            d.head = d.at(1);
            d.len -= 1;
        }
        // Values no better than the new one go from the back.
        while d.len > 0 {
            let back = d.items[d.at(d.len - 1)].0;
            let beaten = if MAX { back <= v } else { back >= v };
            if !beaten {
                break;
            }
            d.len -= 1;
        }
        let slot = d.at(d.len);
        d.items[slot] = (v, t);
        d.len += 1;
        if d.count < self.0.min_count {
            return f64::NAN;
        }
        let (value, at) = d.items[d.head];
        if ARG {
            (t - at) as f64
        } else {
            value
        }
    }
}
