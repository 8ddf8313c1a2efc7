//! The element types the engine reduces: one trait, implemented for every
//! JavaScript typed-array element type.

/// An element of a typed array.
pub trait Scalar: Copy + Send + Sync + PartialOrd + 'static {
    /// The identity of `max` (for floats, negative infinity).
    const LOWEST: Self;
    /// The identity of `min` (for floats, positive infinity).
    const HIGHEST: Self;
    /// Floats need NaN rules and hand-laned loops; integers need neither.
    const IS_FLOAT: bool = false;
    /// The sum accumulator: `i128` for integers (no sum of fewer than 2^64
    /// int64 values can overflow it), `f64` for floats.
    type Wide: Copy + Send + Sync + std::ops::Add<Output = Self::Wide> + 'static;
    const ZERO: Self::Wide;

    fn widen(self) -> Self::Wide;

    /// Always false for integers, so NaN checks compile away for them.
    #[inline(always)]
    fn is_nan(self) -> bool {
        false
    }

    /// The start of a NaN-skipping max/min: NaN for floats (an all-NaN
    /// slice then stays NaN, as NumPy returns), the plain identity otherwise.
    #[inline(always)]
    fn nan_or(identity: Self) -> Self {
        identity
    }
}

macro_rules! int_scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            type Wide = i128;
            const ZERO: i128 = 0;
            #[inline(always)]
            fn widen(self) -> i128 {
                self as i128
            }
        }
    )*};
}
int_scalar!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            const IS_FLOAT: bool = true;
            type Wide = f64;
            const ZERO: f64 = 0.0;
            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            #[allow(clippy::eq_op)]
            fn is_nan(self) -> bool {
                self != self
            }
            #[inline(always)]
            fn nan_or(_identity: Self) -> Self {
                <$t>::NAN
            }
        }
    )*};
}
float_scalar!(f32, f64);
