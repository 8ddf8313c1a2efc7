//! Variance: count, mean and squared deviations, folded by Welford's
//! update and merged by Chan's.

use super::Op;
use crate::scalar::Scalar;

/// Count, mean and sum of squared deviations (Welford's update, Chan's
/// merge): a variance without the cancellation of `E[x^2] - E[x]^2`.
/// `repr(C)`: a state of three doubles per position that a binding keeps
/// in a Float64Array between calls (`crate::state`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    pub const EMPTY: Moments = Moments {
        n: 0.0,
        mean: 0.0,
        m2: 0.0,
    };

    #[inline(always)]
    fn push(self, x: f64) -> Moments {
        let n = self.n + 1.0;
        let d = x - self.mean;
        let mean = self.mean + d / n;
        Moments {
            n,
            mean,
            m2: self.m2 + d * (x - mean),
        }
    }

    #[inline(always)]
    pub fn merge(self, b: Moments) -> Moments {
        if b.n == 0.0 {
            return self;
        }
        if self.n == 0.0 {
            return b;
        }
        let n = self.n + b.n;
        let d = b.mean - self.mean;
        Moments {
            n,
            mean: self.mean + d * (b.n / n),
            m2: self.m2 + b.m2 + d * d * (self.n * b.n / n),
        }
    }

    /// `m2 / (n - ddof)`; NaN when that divisor is not positive, as NumPy.
    pub fn variance(self, ddof: f64) -> f64 {
        let dof = self.n - ddof;
        if dof <= 0.0 {
            f64::NAN
        } else {
            self.m2 / dof
        }
    }
}

/// Elements per piece of a contiguous run in `Var`: two passes over a
/// piece that stays in L1, then one merge, instead of a division per element.
const MOMENT_PIECE: usize = 256;

/// Variance moments; `SKIP_NAN` skips NaN (NumPy's `nanvar`).
pub struct Var<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for Var<SKIP_NAN> {
    type Acc = Moments;
    const NAME: &'static str = "var";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Welford's update across columns vectorises (argmax-like selects and
    // divisions side by side: std along axis 0 was 10-20% slower without).
    // A run is one chain of adds, yet std of `arr.T` measured a few percent
    // slower as a baseline body, so it keeps both.
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn init(&self) -> Moments {
        Moments::EMPTY
    }
    #[inline(always)]
    fn fold(&self, acc: Moments, x: T, _index: usize) -> Moments {
        if SKIP_NAN && x.is_nan() {
            acc
        } else {
            acc.push(x.to_f64())
        }
    }
    #[inline(always)]
    fn merge(&self, a: Moments, b: Moments) -> Moments {
        a.merge(b)
    }
    fn fold_run(&self, init: Moments, run: &[T], _index: usize) -> Moments {
        let mut acc = init;
        for piece in run.chunks(MOMENT_PIECE) {
            let keep = |x: &T| !(SKIP_NAN && x.is_nan());
            let (mut n, mut sum) = (0.0, 0.0);
            for x in piece.iter().filter(|x| keep(x)) {
                n += 1.0;
                sum += x.to_f64();
            }
            if n == 0.0 {
                continue;
            }
            let mean = sum / n;
            let m2 = piece
                .iter()
                .filter(|x| keep(x))
                .map(|x| (x.to_f64() - mean) * (x.to_f64() - mean))
                .sum();
            acc = acc.merge(Moments { n, mean, m2 });
        }
        acc
    }
}
