//! The reductions of the general engine, each a small [`Op`]: a start
//! value, a fold of one element (with its index along the reduced axes)
//! and a merge of two partial results (the first covering earlier indices).

use crate::scalar::Scalar;

pub trait Op<T: Scalar>: Sync + Send {
    type Acc: Copy + Send + Sync;
    /// NumPy's name, for "zero-size array to reduction operation {name}".
    const NAME: &'static str;
    /// Whether an empty reduction has a value (only `sum` does).
    const HAS_IDENTITY: bool;
    /// The reduced elements may be visited in any order and direction
    /// (false for the arg ops, whose index and tie rule follow C order).
    const ORDER_FREE: bool;
    /// Folding an element twice changes nothing, so a reduced axis of
    /// stride 0 (a broadcast) can be skipped.
    const IDEMPOTENT: bool;
    fn init(&self) -> Self::Acc;
    fn fold(&self, acc: Self::Acc, x: T, index: usize) -> Self::Acc;
    fn merge(&self, earlier: Self::Acc, later: Self::Acc) -> Self::Acc;

    /// Folds a contiguous run whose first element has index `index`. Ops
    /// whose plain fold does not vectorise override it.
    #[inline(always)]
    fn fold_run(&self, init: Self::Acc, run: &[T], index: usize) -> Self::Acc {
        run.iter()
            .enumerate()
            .fold(init, |a, (k, &x)| self.fold(a, x, index + k))
    }
}

/// Elements per piece of a run: the NaN scan re-reads a piece from L1.
const PIECE: usize = 1024;

/// The extreme of `piece` by `beats`, ignoring NaN, with eight independent
/// lanes. LLVM does not vectorise a float max/min reduction written as one
/// fold (it may not reorder compares without fast-math), but does vectorise
/// these lanes: 6x faster on float64 (measured on 8 MB runs).
#[inline(always)]
fn lanes<T: Scalar>(start: T, piece: &[T], beats: impl Fn(T, T) -> bool) -> T {
    let mut l = [start; 8];
    let mut chunks = piece.chunks_exact(8);
    for c in &mut chunks {
        l = std::array::from_fn(|k| if beats(c[k], l[k]) { c[k] } else { l[k] });
    }
    l.iter()
        .chain(chunks.remainder())
        .fold(start, |a, &x| if beats(x, a) { x } else { a })
}

#[inline(always)]
fn has_nan<T: Scalar>(piece: &[T]) -> bool {
    piece.iter().fold(false, |n, &x| n | x.is_nan())
}

#[inline(always)]
fn all_nan<T: Scalar>(piece: &[T]) -> bool {
    piece.iter().fold(true, |n, &x| n & x.is_nan())
}

/// `x` beats `best` for a maximum. NaN beats everything (NumPy's max
/// propagates NaN) and nothing beats a NaN, so NaN is sticky.
#[inline(always)]
fn above<T: Scalar>(x: T, best: T) -> bool {
    x > best || (x.is_nan() && !best.is_nan())
}

#[inline(always)]
fn below<T: Scalar>(x: T, best: T) -> bool {
    x < best || (x.is_nan() && !best.is_nan())
}

/// The extremum ops' versions: the same results (NaN stays sticky, since
/// nothing beats a NaN `best` but another NaN), one compare fewer per
/// element, which the float max needs to keep up with memory.
#[inline(always)]
fn above_or_nan<T: Scalar>(x: T, best: T) -> bool {
    x > best || x.is_nan()
}

#[inline(always)]
fn below_or_nan<T: Scalar>(x: T, best: T) -> bool {
    x < best || x.is_nan()
}

/// A NaN `best` (the NaN-skipping start) loses to anything.
#[inline(always)]
fn above_nan_start<T: Scalar>(x: T, best: T) -> bool {
    x > best || best.is_nan()
}

#[inline(always)]
fn below_nan_start<T: Scalar>(x: T, best: T) -> bool {
    x < best || best.is_nan()
}

macro_rules! extremum {
    ($name:ident, $np:literal, $init:expr, $beats:ident, $plain:expr, $skip_nan:literal) => {
        pub struct $name;
        impl<T: Scalar> Op<T> for $name {
            type Acc = T;
            const NAME: &'static str = $np;
            const HAS_IDENTITY: bool = false;
            const ORDER_FREE: bool = true;
            const IDEMPOTENT: bool = true;
            #[inline(always)]
            fn init(&self) -> T {
                $init
            }
            #[inline(always)]
            fn fold(&self, acc: T, x: T, _index: usize) -> T {
                if $beats(x, acc) {
                    x
                } else {
                    acc
                }
            }
            #[inline(always)]
            fn merge(&self, a: T, b: T) -> T {
                if $beats(b, a) {
                    b
                } else {
                    a
                }
            }
            #[inline(always)]
            fn fold_run(&self, init: T, run: &[T], _index: usize) -> T {
                let beats = |x: T, a: T| ($plain)(x, a);
                if !T::IS_FLOAT {
                    // A plain fold is recognised as an integer max/min
                    // reduction and vectorised well; hand-made lanes measured
                    // 5x slower for int64 under AVX-512.
                    return run
                        .iter()
                        .fold(init, |a, &x| if beats(x, a) { x } else { a });
                }
                let mut acc = init;
                for piece in run.chunks(PIECE) {
                    // For integers both scans are constant and vanish.
                    let part = if $skip_nan {
                        if all_nan(piece) {
                            continue;
                        } else {
                            lanes(<$name as Op<T>>::init(self), piece, beats)
                        }
                    } else if has_nan(piece) {
                        return piece.iter().copied().find(|x| x.is_nan()).unwrap_or(acc);
                    } else {
                        lanes(<$name as Op<T>>::init(self), piece, beats)
                    };
                    acc = self.merge(acc, part);
                }
                acc
            }
        }
    };
}
extremum!(
    Max,
    "maximum",
    T::LOWEST,
    above_or_nan,
    |x: T, a: T| x > a,
    false
);
extremum!(
    Min,
    "minimum",
    T::HIGHEST,
    below_or_nan,
    |x: T, a: T| x < a,
    false
);
extremum!(
    NanMax,
    "fmax",
    T::nan_or(T::LOWEST),
    above_nan_start,
    |x: T, a: T| x > a || (a.is_nan() && !x.is_nan()),
    true
);
extremum!(
    NanMin,
    "fmin",
    T::nan_or(T::HIGHEST),
    below_nan_start,
    |x: T, a: T| x < a || (a.is_nan() && !x.is_nan()),
    true
);

/// No index yet: the slice was empty or (NaN-skipping) held only NaN.
pub const NO_INDEX: usize = usize::MAX;

/// `SKIP_NAN`: NaN elements are never chosen, and an all-NaN slice keeps
/// `NO_INDEX`, which the caller reports as NumPy does ("All-NaN slice").
/// Otherwise NaN counts as the extreme, as in NumPy's argmax.
macro_rules! arg_extremum {
    ($name:ident, $np:literal, $beats:ident, $skip_nan:literal) => {
        pub struct $name;
        impl<T: Scalar> Op<T> for $name {
            type Acc = (T, usize);
            const NAME: &'static str = $np;
            const HAS_IDENTITY: bool = false;
            const ORDER_FREE: bool = false;
            const IDEMPOTENT: bool = false;
            #[inline(always)]
            fn init(&self) -> (T, usize) {
                (T::LOWEST, NO_INDEX)
            }
            #[inline(always)]
            fn fold(&self, acc: (T, usize), x: T, index: usize) -> (T, usize) {
                // Strictly better only, so the first occurrence wins ties.
                let eligible = !$skip_nan || !x.is_nan();
                if eligible && (acc.1 == NO_INDEX || $beats(x, acc.0)) {
                    (x, index)
                } else {
                    acc
                }
            }
            #[inline(always)]
            fn merge(&self, a: (T, usize), b: (T, usize)) -> (T, usize) {
                if b.1 != NO_INDEX && (a.1 == NO_INDEX || $beats(b.0, a.0)) {
                    b
                } else {
                    a
                }
            }
        }
    };
}
arg_extremum!(ArgMax, "argmax", above, false);
arg_extremum!(ArgMin, "argmin", below, false);
arg_extremum!(NanArgMax, "nanargmax", above, true);
arg_extremum!(NanArgMin, "nanargmin", below, true);

pub struct Sum;
impl<T: Scalar> Op<T> for Sum {
    type Acc = T::Wide;
    const NAME: &'static str = "add";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    #[inline(always)]
    fn init(&self) -> T::Wide {
        T::ZERO
    }
    #[inline(always)]
    fn fold(&self, acc: T::Wide, x: T, _index: usize) -> T::Wide {
        acc + x.widen()
    }
    #[inline(always)]
    fn merge(&self, a: T::Wide, b: T::Wide) -> T::Wide {
        a + b
    }
}

/// Minimum and maximum in one pass; `SKIP_NAN` picks the NaN rule.
pub struct MinMax<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for MinMax<SKIP_NAN> {
    type Acc = (T, T);
    const NAME: &'static str = "minimum";
    const HAS_IDENTITY: bool = false;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = true;
    #[inline(always)]
    fn init(&self) -> (T, T) {
        if SKIP_NAN {
            (NanMin.init(), NanMax.init())
        } else {
            (Min.init(), Max.init())
        }
    }
    #[inline(always)]
    fn fold(&self, acc: (T, T), x: T, i: usize) -> (T, T) {
        if SKIP_NAN {
            (NanMin.fold(acc.0, x, i), NanMax.fold(acc.1, x, i))
        } else {
            (Min.fold(acc.0, x, i), Max.fold(acc.1, x, i))
        }
    }
    #[inline(always)]
    fn merge(&self, a: (T, T), b: (T, T)) -> (T, T) {
        if SKIP_NAN {
            (
                <NanMin as Op<T>>::merge(&NanMin, a.0, b.0),
                <NanMax as Op<T>>::merge(&NanMax, a.1, b.1),
            )
        } else {
            (
                <Min as Op<T>>::merge(&Min, a.0, b.0),
                <Max as Op<T>>::merge(&Max, a.1, b.1),
            )
        }
    }
}
