//! What every moving-window kernel is to the driver: a per-lane state and
//! a step that takes position `t` of the lane to its output. `x(u)` reads
//! the lane's element `u` (as f64) for any `u <= t`, so a kernel can look
//! back into its window (the leaving element, a restart, a rank).

pub(crate) trait Kernel: Sync {
    /// `Default`: a placeholder left in a lane's slot while its state is
    /// moved into a local of the block loop (see `drive`).
    type State: Send + Default;
    /// A fresh state for a lane of `len` elements, first stepped at
    /// position `start` (a piece's warm-up), then at each next one: the
    /// elements before `start` never entered it, so they never leave.
    fn state(&self, len: usize, start: usize) -> Self::State;
    fn step<R: Fn(usize) -> f64>(&self, s: &mut Self::State, x: &R, t: usize) -> f64;
}

/// The window and count rules every kernel shares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub window: usize,
    pub min_count: usize,
}

impl Window {
    /// The first position of the window ending at `t`.
    #[inline(always)]
    pub(crate) fn first(&self, t: usize) -> usize {
        (t + 1).saturating_sub(self.window)
    }

    /// The position that leaves the window as `t` enters it, for a state
    /// first stepped at `start` (earlier elements never entered).
    #[inline(always)]
    pub(crate) fn leaving(&self, t: usize, start: usize) -> Option<usize> {
        t.checked_sub(self.window).filter(|&u| u >= start)
    }
}
