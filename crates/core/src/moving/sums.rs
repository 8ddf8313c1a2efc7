//! moveSum, moveMean, moveVar and moveStd: O(1) running sums, exact
//! enough that every output is its own window's (see `exact.rs`).

use super::exact::{dd_square_over, dd_sub, two_prod, DoubleDouble};
use super::kernel::{Kernel, Window};

/// 2^-60: the share of a result the dropped mass may reach before a restart.
const TOLERANCE: f64 = 8.673_617_379_884_035e-19;

/// The running state of a lane: the finite values' sum (and sum of
/// squares), how many non-NaN values and infinities the window holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Running {
    sum: DoubleDouble,
    squares: DoubleDouble,
    count: usize,
    pos_inf: usize,
    neg_inf: usize,
    /// The first position this state saw.
    start: usize,
}

impl Running {
    #[inline(always)]
    fn enter<const SQUARES: bool>(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        if x.is_infinite() {
            if x > 0.0 {
                self.pos_inf += 1
            } else {
                self.neg_inf += 1
            }
            return;
        }
        self.sum.add(x);
        if SQUARES {
            let (p, e) = two_prod(x, x);
            self.squares.add(p);
            self.squares.add(e);
        }
    }

    #[inline(always)]
    fn leave<const SQUARES: bool>(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count -= 1;
        if x.is_infinite() {
            if x > 0.0 {
                self.pos_inf -= 1
            } else {
                self.neg_inf -= 1
            }
            return;
        }
        self.sum.add(-x);
        if SQUARES {
            let (p, e) = two_prod(x, x);
            self.squares.add(-p);
            self.squares.add(-e);
        }
    }

    fn lost(&self) -> f64 {
        self.sum.lost + self.squares.lost
    }

    /// Recomputes the state from the window `first..=t`.
    fn restart<const SQUARES: bool, R: Fn(usize) -> f64>(&mut self, x: &R, first: usize, t: usize) {
        *self = Running {
            start: self.start,
            ..Running::default()
        };
        for u in first..=t {
            self.enter::<SQUARES>(x(u));
        }
    }

    /// Whether dropped mass could now reach `TOLERANCE` of `scale` and
    /// exceeds `fresh`, a bound on what a pass over the window itself
    /// would drop (so that a window no restart can improve, a constant one
    /// with inexact squares say, is not recomputed at every step).
    #[inline(always)]
    fn stale(&self, scale: f64, fresh: f64) -> bool {
        let lost = self.lost();
        lost > 0.0 && lost > fresh && (lost > scale.abs() * TOLERANCE || !scale.is_finite())
    }

    #[inline(always)]
    fn advance<const SQUARES: bool, R: Fn(usize) -> f64>(&mut self, w: &Window, x: &R, t: usize) {
        self.enter::<SQUARES>(x(t));
        if t >= w.window && t - w.window >= self.start {
            self.leave::<SQUARES>(x(t - w.window));
        }
    }

    /// The infinities' verdict: `Some(sum)` when the window holds any.
    #[inline(always)]
    fn infinite(&self) -> Option<f64> {
        match (self.pos_inf > 0, self.neg_inf > 0) {
            (false, false) => None,
            (true, true) => Some(f64::NAN),
            (true, false) => Some(f64::INFINITY),
            (false, true) => Some(f64::NEG_INFINITY),
        }
    }
}

/// moveSum (`MEAN` false) and moveMean.
pub(crate) struct SumKernel<const MEAN: bool>(pub Window);

impl<const MEAN: bool> Kernel for SumKernel<MEAN> {
    type State = Running;
    fn state(&self, _len: usize, start: usize) -> Running {
        Running {
            start,
            ..Running::default()
        }
    }
    #[inline(always)]
    fn step<R: Fn(usize) -> f64>(&self, s: &mut Running, x: &R, t: usize) -> f64 {
        let w = &self.0;
        s.advance::<false, R>(w, x, t);
        if s.count < w.min_count {
            return f64::NAN;
        }
        let total = match s.infinite() {
            Some(v) => v,
            None => {
                let mut total = s.sum.value();
                if s.stale(total, 0.0) {
                    s.restart::<false, R>(x, w.first(t), t);
                    total = s.sum.value();
                }
                total
            }
        };
        if MEAN {
            total / s.count as f64
        } else {
            total
        }
    }
}

/// moveVar (`STD` false) and moveStd: the sum of squared deviations is
/// `S2 - S^2 / n`, evaluated in double-double from exact running sums.
pub(crate) struct VarKernel<const STD: bool> {
    pub w: Window,
    pub ddof: f64,
}

impl<const STD: bool> VarKernel<STD> {
    fn squared_deviations(s: &Running) -> f64 {
        let n = s.count as f64;
        dd_sub(s.squares.pair(), dd_square_over(s.sum.pair(), n)).max(0.0)
    }
}

impl<const STD: bool> Kernel for VarKernel<STD> {
    type State = Running;
    fn state(&self, _len: usize, start: usize) -> Running {
        Running {
            start,
            ..Running::default()
        }
    }
    #[inline(always)]
    fn step<R: Fn(usize) -> f64>(&self, s: &mut Running, x: &R, t: usize) -> f64 {
        let w = &self.w;
        s.advance::<true, R>(w, x, t);
        if s.count < w.min_count {
            return f64::NAN;
        }
        if s.pos_inf + s.neg_inf > 0 {
            return f64::NAN;
        }
        let mut m2 = Self::squared_deviations(s);
        // An error of `e` in S moves S^2/n by about 2 |mean| e.
        let mean = s.sum.value() / s.count as f64;
        let scale = m2 / (1.0 + 2.0 * mean.abs());
        // 2^-100 per term of the window: more than a fresh pass drops.
        let fresh = 7.888_609_052_210_118e-31
            * w.window as f64
            * (s.squares.value().abs() + s.sum.value().abs());
        if s.stale(scale, fresh) {
            s.restart::<true, R>(x, w.first(t), t);
            m2 = Self::squared_deviations(s);
        }
        let v = m2 / (s.count as f64 - self.ddof);
        if STD {
            v.sqrt()
        } else {
            v
        }
    }
}
