//! The element types, listed once: their names as bindings spell them
//! (TypeScript's `src/dtypes.ts` uses the same), and the borrowed input,
//! owned result and caller's destination of each.

use crate::error::Error;
use crate::ops::NO_INDEX;
use crate::scalar::Scalar;

macro_rules! dtypes {
    ($(($variant:ident, $t:ty, $name:literal, $article:literal)),* $(,)?) => {
        /// An element type, by the name bindings pass.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Dtype {
            $($variant),*
        }

        impl Dtype {
            /// Every element type, in the order of the table above.
            pub const ALL: &'static [Dtype] = &[$(Dtype::$variant),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Dtype::$variant => $name),*
                }
            }

            /// "an int8 array", for messages.
            fn array(self) -> &'static str {
                match self {
                    $(Dtype::$variant => $article),*
                }
            }
        }

        /// The borrowed elements of a typed array.
        #[derive(Clone, Copy, Debug)]
        pub enum Data<'a> {
            $($variant(&'a [$t])),*
        }

        /// A result, as the typed array bindings hand back.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Output {
            $($variant(Vec<$t>)),*
        }

        /// A caller's memory for a result: the elements of the result's type.
        #[derive(Debug)]
        pub enum Dest<'a> {
            $($variant(&'a mut [$t])),*
        }

        impl Dest<'_> {
            pub fn dtype(&self) -> Dtype {
                match self {
                    $(Dest::$variant(_) => Dtype::$variant),*
                }
            }
        }

        $(
            impl Element for $t {
                const DTYPE: Dtype = Dtype::$variant;
                fn values(v: Vec<Self>) -> Output {
                    Output::$variant(v)
                }
                fn dest(dest: Dest<'_>) -> Result<&mut [Self], Dest<'_>> {
                    match dest {
                        Dest::$variant(d) => Ok(d),
                        other => Err(other),
                    }
                }
                fn as_dest(d: &mut [Self]) -> Dest<'_> {
                    Dest::$variant(d)
                }
            }
        )*
    };
}

/// An unsigned integer type and the signed integer of its width.
trait SignedTwin {
    type Signed;
}
impl SignedTwin for u8 {
    type Signed = i8;
}
impl SignedTwin for u16 {
    type Signed = i16;
}
impl SignedTwin for u32 {
    type Signed = i32;
}
impl SignedTwin for u64 {
    type Signed = i64;
}

/// `d`'s elements read as their signed twins, bits unchanged.
fn signed<U: SignedTwin>(d: &[U]) -> &[U::Signed] {
    // SAFETY: `SignedTwin` pairs only integers of one size and alignment
    // (its four impls above), every bit pattern is valid in both, and the
    // result borrows `d` read-only for `d`'s lifetime.
    unsafe { std::slice::from_raw_parts(d.as_ptr().cast::<U::Signed>(), d.len()) }
}

impl<'a> Data<'a> {
    /// An unsigned array's elements as the signed type of their width
    /// (others as they are). The reductions that only test elements
    /// against zero (`any`, `all`, `countNonzero`) see the same bits alike,
    /// so unsigned arrays go through the signed types' code for them
    /// instead of instantiating every walk again.
    pub(crate) fn as_signed(self) -> Data<'a> {
        match self {
            Data::U8(d) => Data::I8(signed(d)),
            Data::U16(d) => Data::I16(signed(d)),
            Data::U32(d) => Data::I32(signed(d)),
            Data::U64(d) => Data::I64(signed(d)),
            other => other,
        }
    }
}

impl Dtype {
    /// [`Data::as_signed`] for a dtype: the type an unsigned file is read
    /// as for the reductions that test against zero.
    pub(crate) fn as_signed(self) -> Dtype {
        match self {
            Dtype::U8 => Dtype::I8,
            Dtype::U16 => Dtype::I16,
            Dtype::U32 => Dtype::I32,
            Dtype::U64 => Dtype::I64,
            other => other,
        }
    }
}

dtypes! {
    (I8, i8, "int8", "an int8 array"),
    (U8, u8, "uint8", "a uint8 array"),
    (I16, i16, "int16", "an int16 array"),
    (U16, u16, "uint16", "a uint16 array"),
    (I32, i32, "int32", "an int32 array"),
    (U32, u32, "uint32", "a uint32 array"),
    (I64, i64, "int64", "an int64 array"),
    (U64, u64, "uint64", "a uint64 array"),
    (F32, f32, "float32", "a float32 array"),
    (F64, f64, "float64", "a float64 array"),
}

/// Runs `$body` once per element type, monomorphised for it: with the
/// payload of a [`Data`], [`Output`] or [`Dest`] bound to `$x`
/// (`with_dtype!(data, Data, d => f(d))`), or with `$T` naming the Rust type
/// of a [`Dtype`] (`with_dtype!(dtype, type T => f::<T>())`). The arms follow
/// the table above; a test checks that they agree.
#[macro_export]
macro_rules! with_dtype {
    ($value:expr, type $T:ident => $body:expr) => {
        match $value {
            $crate::Dtype::I8 => {
                type $T = i8;
                $body
            }
            $crate::Dtype::U8 => {
                type $T = u8;
                $body
            }
            $crate::Dtype::I16 => {
                type $T = i16;
                $body
            }
            $crate::Dtype::U16 => {
                type $T = u16;
                $body
            }
            $crate::Dtype::I32 => {
                type $T = i32;
                $body
            }
            $crate::Dtype::U32 => {
                type $T = u32;
                $body
            }
            $crate::Dtype::I64 => {
                type $T = i64;
                $body
            }
            $crate::Dtype::U64 => {
                type $T = u64;
                $body
            }
            $crate::Dtype::F32 => {
                type $T = f32;
                $body
            }
            $crate::Dtype::F64 => {
                type $T = f64;
                $body
            }
        }
    };
    ($value:expr, $enum:ident, $x:ident => $body:expr) => {
        match $value {
            $enum::I8($x) => $body,
            $enum::U8($x) => $body,
            $enum::I16($x) => $body,
            $enum::U16($x) => $body,
            $enum::I32($x) => $body,
            $enum::U32($x) => $body,
            $enum::I64($x) => $body,
            $enum::U64($x) => $body,
            $enum::F32($x) => $body,
            $enum::F64($x) => $body,
        }
    };
}

impl std::str::FromStr for Dtype {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Dtype::ALL
            .iter()
            .copied()
            .find(|d| d.name() == s)
            .ok_or_else(|| Error::BadOption {
                field: "dtype",
                value: format!("{s:?} (expected int8 .. uint64, float32 or float64)"),
            })
    }
}

impl Output {
    pub fn dtype(&self) -> Dtype {
        fn of<T: Element>(_: &[T]) -> Dtype {
            T::DTYPE
        }
        with_dtype!(self, Output, v => of(v))
    }

    /// Copies the result into `dest`, which must have its type and length.
    pub fn copy_into(&self, dest: Dest) -> Result<(), Error> {
        fn copy<T: Element>(from: &[T], dest: Dest) -> Result<(), Error> {
            let to = T::dest(dest).map_err(|dest| Error::BadArray {
                field: "out",
                value: format!("{} (not the result's element type)", dest.dtype().array()),
            })?;
            crate::engine::fits(to.len(), from.len())?;
            to.copy_from_slice(from);
            Ok(())
        }
        with_dtype!(self, Output, v => copy(v, dest))
    }
}

/// A Rust type of the table: its [`Dtype`] and its variants.
pub trait Element: Copy + 'static {
    const DTYPE: Dtype;
    fn values(v: Vec<Self>) -> Output;
    /// `dest`'s elements when they are of this type, else `dest` back.
    fn dest(dest: Dest<'_>) -> Result<&mut [Self], Dest<'_>>;
    fn as_dest(d: &mut [Self]) -> Dest<'_>;
}

/// A dtype's conversions of results to `Output`.
pub(crate) trait Typed: Scalar + Element {
    /// Exact integer results land in int64 or uint64, NumPy's types.
    fn integers(v: Vec<i128>, op: &'static str) -> Result<Output, Error>;
    /// The type those land in.
    const TARGET: &'static str;
    /// `max - min`, wrapping for integers as NumPy's `ptp` does.
    fn minus(a: Self, b: Self) -> Self;
}

macro_rules! typed {
    ($t:ty, $wide:ident, $target:literal, $minus:expr, $narrow:expr) => {
        impl Typed for $t {
            const TARGET: &'static str = $target;
            fn integers(v: Vec<i128>, op: &'static str) -> Result<Output, Error> {
                let mut out = crate::alloc::reserve(v.len())?;
                for (index, s) in v.into_iter().enumerate() {
                    out.push($narrow(s).ok_or(Error::Overflow {
                        op,
                        index,
                        target: $target,
                    })?);
                }
                Ok(Output::$wide(out))
            }
            fn minus(a: Self, b: Self) -> Self {
                $minus(a, b)
            }
        }
    };
}
typed!(i8, I64, "int64", i8::wrapping_sub, |s: i128| {
    i64::try_from(s).ok()
});
typed!(i16, I64, "int64", i16::wrapping_sub, |s: i128| {
    i64::try_from(s).ok()
});
typed!(i32, I64, "int64", i32::wrapping_sub, |s: i128| {
    i64::try_from(s).ok()
});
typed!(i64, I64, "int64", i64::wrapping_sub, |s: i128| {
    i64::try_from(s).ok()
});
typed!(u8, U64, "uint64", u8::wrapping_sub, |s: i128| {
    u64::try_from(s).ok()
});
typed!(u16, U64, "uint64", u16::wrapping_sub, |s: i128| {
    u64::try_from(s).ok()
});
typed!(u32, U64, "uint64", u32::wrapping_sub, |s: i128| {
    u64::try_from(s).ok()
});
typed!(u64, U64, "uint64", u64::wrapping_sub, |s: i128| {
    u64::try_from(s).ok()
});
typed!(f32, F64, "float64", |a: f32, b: f32| a - b, |s: i128| Some(
    s as f64
));
typed!(f64, F64, "float64", |a: f64, b: f64| a - b, |s: i128| Some(
    s as f64
));

/// The element type a fold compiled per wide type reads a dtype as (that
/// of `by` with `where`): the integers narrower than 64 bits as the 64-bit
/// integer of their sign (exactly), every other type as itself. Such a
/// fold is compiled for four element types instead of ten, at the cost of
/// converting each piece it reads, in cache; no result depends on the
/// width except the extremes', which are narrowed back (`run_wide`). The
/// plain engine and `where` alone keep every type's own loops: their
/// narrow types' vectorised loops are two to eight times as wide.
pub(crate) trait Widen: Typed {
    type W: Typed;
    fn widen(self) -> Self::W;
    /// A wide value back: exact for one that came from this type, and
    /// saturating otherwise, so that the wide extremes' start values (an
    /// empty lane's `min` is `i64::MAX`) become this type's.
    fn narrow(w: Self::W) -> Self;
    /// `data` itself, where this type is its own wide type.
    fn as_wide(data: &[Self]) -> Option<&[Self::W]>;
}

macro_rules! widen {
    ($($t:ty => $w:ty),*) => {$(
        impl Widen for $t {
            type W = $w;
            #[inline(always)]
            fn widen(self) -> $w {
                self as $w
            }
            #[inline(always)]
            fn narrow(w: $w) -> $t {
                <$t>::try_from(w).unwrap_or(if w > 0 { <$t>::MAX } else { <$t>::MIN })
            }
            #[inline(always)]
            fn as_wide(_: &[$t]) -> Option<&[$w]> {
                None
            }
        }
    )*};
}
widen!(i8 => i64, i16 => i64, i32 => i64, u8 => u64, u16 => u64, u32 => u64);

macro_rules! wide_already {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            type W = $t;
            #[inline(always)]
            fn widen(self) -> $t {
                self
            }
            #[inline(always)]
            fn narrow(w: $t) -> $t {
                w
            }
            #[inline(always)]
            fn as_wide(data: &[$t]) -> Option<&[$t]> {
                Some(data)
            }
        }
    )*};
}
wide_already!(i64, u64, f32, f64);

/// Maps a result to doubles without a second output-sized allocation
/// failure going unnoticed.
pub(crate) fn doubles<A>(v: Vec<A>, f: impl FnMut(A) -> f64) -> Result<Output, Error> {
    let mut out = crate::alloc::reserve(v.len())?;
    out.extend(v.into_iter().map(f));
    Ok(Output::F64(out))
}

/// Arg results as flat C-order indices in doubles (exact below 2^53,
/// which every addressable length is).
pub(crate) fn indices<T>(found: Vec<(T, usize)>, op: &'static str) -> Result<Output, Error> {
    if found.iter().any(|f| f.1 == NO_INDEX) {
        return Err(Error::AllNan { op });
    }
    doubles(found, |(_, i)| i as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatch_macro_follows_the_table() {
        for &d in Dtype::ALL {
            let named = with_dtype!(d, type T => <T as Element>::DTYPE);
            assert_eq!(named, d);
            let empty = with_dtype!(d, type T => <T as Element>::values(Vec::new()));
            assert_eq!(empty.dtype(), d);
            assert_eq!(d.name().parse::<Dtype>(), Ok(d));
        }
    }
}
