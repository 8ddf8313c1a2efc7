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
    /// An unsigned integer type (which has a signed twin of its width).
    const UNSIGNED: bool = false;
    /// Zero of the element type (the flag and count ops compare with it).
    const NIL: Self;
    /// The sum accumulator: `i128` for integers (no sum of fewer than 2^64
    /// int64 values can overflow it), a compensated [`Comp`] for floats.
    type Wide: Copy + Send + Sync + std::fmt::Debug + 'static;
    const ZERO: Self::Wide;

    fn add_wide(acc: Self::Wide, x: Self) -> Self::Wide;
    fn merge_wide(a: Self::Wide, b: Self::Wide) -> Self::Wide;
    /// The sum as a double (for means).
    fn wide_f64(acc: Self::Wide) -> f64;
    /// The exact sum of integers (0 for floats, which never use it).
    fn wide_i128(acc: Self::Wide) -> i128;
    /// A float sum from its parts (integers never use it).
    fn wide_from(sum: f64, err: f64) -> Self::Wide;
    fn to_f64(self) -> f64;
    /// The exact value of an integer (0 for floats, which never use it).
    fn to_i128(self) -> i128;

    /// Always false for integers, so NaN checks compile away for them.
    #[inline(always)]
    fn is_nan(self) -> bool {
        false
    }

    /// Whether the sign bit is set (-0.0 included); false for integers,
    /// where only the float extremes' rule for zeros uses it.
    #[inline(always)]
    fn sign_bit(self) -> bool {
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
            const NIL: Self = 0;
            const UNSIGNED: bool = <$t>::MIN == 0;
            type Wide = i128;
            const ZERO: i128 = 0;
            #[inline(always)]
            fn add_wide(acc: i128, x: Self) -> i128 {
                acc + x as i128
            }
            #[inline(always)]
            fn merge_wide(a: i128, b: i128) -> i128 {
                a + b
            }
            #[inline(always)]
            fn wide_f64(acc: i128) -> f64 {
                acc as f64
            }
            #[inline(always)]
            fn wide_i128(acc: i128) -> i128 {
                acc
            }
            #[inline(always)]
            fn wide_from(_sum: f64, _err: f64) -> i128 {
                0
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i128(self) -> i128 {
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
            const NIL: Self = 0.0;
            type Wide = Comp;
            const ZERO: Comp = Comp { sum: 0.0, err: 0.0 };
            #[inline(always)]
            fn add_wide(acc: Comp, x: Self) -> Comp {
                acc.add(x as f64)
            }
            #[inline(always)]
            fn merge_wide(a: Comp, b: Comp) -> Comp {
                a.merge(b)
            }
            #[inline(always)]
            fn wide_f64(acc: Comp) -> f64 {
                acc.value()
            }
            #[inline(always)]
            fn wide_i128(_acc: Comp) -> i128 {
                0
            }
            #[inline(always)]
            fn wide_from(sum: f64, err: f64) -> Comp {
                Comp { sum, err }
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i128(self) -> i128 {
                0
            }
            #[inline(always)]
            #[allow(clippy::eq_op)]
            fn is_nan(self) -> bool {
                self != self
            }
            #[inline(always)]
            fn sign_bit(self) -> bool {
                self.is_sign_negative()
            }
            #[inline(always)]
            fn nan_or(_identity: Self) -> Self {
                <$t>::NAN
            }
        }
    )*};
}
float_scalar!(f32, f64);

/// A compensated (Neumaier) sum: `sum` plus the rounding error `err` lost
/// so far, so that `[1e16, 1, -1e16]` sums to 1, not 0. NumPy's pairwise
/// sum has an error growing like O(log n) ulps; this one stays within an
/// ulp or two of the exactly rounded sum unless the data's condition
/// number approaches 1/eps^2.
/// `repr(C)`: two doubles per position in a binding's state (`crate::state`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Comp {
    pub sum: f64,
    pub err: f64,
}

impl Comp {
    #[inline(always)]
    pub fn add(self, x: f64) -> Comp {
        let t = self.sum + x;
        // The smaller operand's low bits are what `t` lost.
        let lost = if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        Comp {
            sum: t,
            err: self.err + lost,
        }
    }

    #[inline(always)]
    pub fn merge(self, other: Comp) -> Comp {
        let c = self.add(other.sum);
        Comp {
            sum: c.sum,
            err: c.err + other.err,
        }
    }

    /// The sum, rounded once; NaN and infinities pass through the sum
    /// (the error term of an infinite sum is NaN and is dropped).
    #[inline(always)]
    pub fn value(self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.err
        } else {
            self.sum
        }
    }
}
