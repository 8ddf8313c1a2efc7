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
    /// The engine's loops over this op vectorise, so they are worth a body
    /// per instruction set (`engine::kernels`); otherwise one plain body.
    const SIMD: bool;
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

/// Runs at least this long are folded in 32 lanes rather than 8.
const LONG_RUN: usize = 1024;

/// A float extreme of `run` in `N` lanes in one pass, each a select by the
/// op's own NaN-aware rule: the compiler vectorises lanes (it may not
/// reorder one chain of float compares). Eight lanes are one chain of
/// dependent compares, about 25 GB/s from cache; 32 are four independent
/// ones, about 110 GB/s, which a window of a file read into cache needs.
/// Short runs keep 8, whose merge of lanes costs less.
#[inline(always)]
fn lanes<T: Scalar, O: Op<T, Acc = T>, const N: usize>(
    op: &O,
    init: T,
    run: &[T],
    beats: impl Fn(T, T) -> bool,
) -> T {
    let mut l = [op.init(); N];
    let mut chunks = run.chunks_exact(N);
    for c in &mut chunks {
        for k in 0..N {
            if beats(c[k], l[k]) {
                l[k] = c[k];
            }
        }
    }
    let acc = l.into_iter().fold(init, |a, x| op.merge(a, x));
    chunks
        .remainder()
        .iter()
        .fold(acc, |a, &x| op.fold(a, x, 0))
}

macro_rules! extremum {
    ($name:ident, $np:literal, $init:expr, $beats:ident, $plain:expr) => {
        pub struct $name;
        impl<T: Scalar> Op<T> for $name {
            type Acc = T;
            const NAME: &'static str = $np;
            const HAS_IDENTITY: bool = false;
            const ORDER_FREE: bool = true;
            const IDEMPOTENT: bool = true;
            const SIMD: bool = true;
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
                if run.len() >= LONG_RUN {
                    lanes::<T, Self, 32>(self, init, run, $beats)
                } else {
                    lanes::<T, Self, 8>(self, init, run, $beats)
                }
            }
        }
    };
}
extremum!(Max, "maximum", T::LOWEST, above_or_nan, |x: T, a: T| x > a);
extremum!(Min, "minimum", T::HIGHEST, below_or_nan, |x: T, a: T| x < a);
extremum!(
    NanMax,
    "fmax",
    T::nan_or(T::LOWEST),
    above_nan_start,
    |x: T, a: T| x > a || (a.is_nan() && !x.is_nan())
);
extremum!(
    NanMin,
    "fmin",
    T::nan_or(T::HIGHEST),
    below_nan_start,
    |x: T, a: T| x < a || (a.is_nan() && !x.is_nan())
);

/// No index yet: the slice was empty or (NaN-skipping) held only NaN.
pub const NO_INDEX: usize = usize::MAX;

/// `SKIP_NAN`: NaN elements are never chosen, and an all-NaN slice keeps
/// `NO_INDEX`, which the caller reports as NumPy does ("All-NaN slice").
/// Otherwise NaN counts as the extreme, as in NumPy's argmax.
macro_rules! arg_extremum {
    ($name:ident, $np:literal, $beats:ident, $skip_nan:literal, $value:ident) => {
        pub struct $name;
        impl<T: Scalar> Op<T> for $name {
            type Acc = (T, usize);
            const NAME: &'static str = $np;
            const HAS_IDENTITY: bool = false;
            const ORDER_FREE: bool = false;
            const IDEMPOTENT: bool = false;
            // The per-element compare with an index does not vectorise; `fold_run`
            // hands its value pass to the value op's vectorised run.
            const SIMD: bool = false;
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
            /// Two passes that vectorise instead of one chain of branchy
            /// compares (3.5 ns an element): the run's extreme by the
            /// value op with the same NaN rule, then its first position.
            #[inline(always)]
            fn fold_run(&self, acc: (T, usize), run: &[T], index: usize) -> (T, usize) {
                let init = <$value as Op<T>>::init(&$value);
                let best = crate::engine::kernels::fold_run(&$value, init, run, 0);
                let found = if best.is_nan() {
                    // NaN is the extreme, or (skipping NaN) nothing is eligible.
                    if $skip_nan {
                        None
                    } else {
                        run.iter().position(|x| x.is_nan())
                    }
                } else {
                    run.iter().position(|&x| x == best)
                };
                match found {
                    Some(k) => self.merge(acc, (run[k], index + k)),
                    // Nothing eligible (a NaN-skipping run of only NaN), or
                    // the memory changed between the passes (a
                    // SharedArrayBuffer another thread writes): the one-pass
                    // fold answers both, where reporting nothing would turn
                    // the second case into an "All-NaN slice" error.
                    None => run
                        .iter()
                        .enumerate()
                        .fold(acc, |a, (k, &x)| self.fold(a, x, index + k)),
                }
            }
        }
    };
}
arg_extremum!(ArgMax, "argmax", above, false, Max);
arg_extremum!(ArgMin, "argmin", below, false, Min);
arg_extremum!(NanArgMax, "nanargmax", above, true, NanMax);
arg_extremum!(NanArgMin, "nanargmin", below, true, NanMin);

/// Sum; `SKIP_NAN` skips NaN (NumPy's `nansum`). Integers sum exactly in
/// `i128`, floats with compensation (see [`crate::scalar::Comp`]).
pub struct Sum<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for Sum<SKIP_NAN> {
    type Acc = T::Wide;
    const NAME: &'static str = "add";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Integers sum in i128, which no vector unit adds.
    const SIMD: bool = T::IS_FLOAT;
    #[inline(always)]
    fn init(&self) -> T::Wide {
        T::ZERO
    }
    #[inline(always)]
    fn fold(&self, acc: T::Wide, x: T, _index: usize) -> T::Wide {
        if SKIP_NAN && x.is_nan() {
            acc
        } else {
            T::add_wide(acc, x)
        }
    }
    #[inline(always)]
    fn merge(&self, a: T::Wide, b: T::Wide) -> T::Wide {
        T::merge_wide(a, b)
    }
    #[inline(always)]
    fn fold_run(&self, init: T::Wide, run: &[T], index: usize) -> T::Wide {
        if !T::IS_FLOAT {
            return run.iter().fold(init, |a, &x| self.fold(a, x, index));
        }
        // Eight compensated sums side by side, sums and errors in separate
        // arrays, the branch of Neumaier's step as selects: the compiler
        // vectorises this, where one chain of `Comp` waits on every add
        // (float64 `arr.T` along axis 0: 272 -> 26 ms, `cargo run --release
        // -p ndreduce-core --example timing`).
        const L: usize = 8;
        let (mut sum, mut err) = ([0.0f64; L], [0.0f64; L]);
        let mut chunks = run.chunks_exact(L);
        for c in &mut chunks {
            for k in 0..L {
                let x = if SKIP_NAN && c[k].is_nan() {
                    0.0
                } else {
                    c[k].to_f64()
                };
                let t = sum[k] + x;
                let s_bigger = sum[k].abs() >= x.abs();
                let big = if s_bigger { sum[k] } else { x };
                let small = if s_bigger { x } else { sum[k] };
                err[k] += (big - t) + small;
                sum[k] = t;
            }
        }
        let tail = chunks
            .remainder()
            .iter()
            .fold(init, |a, &x| self.fold(a, x, index));
        (0..L).fold(tail, |a, k| T::merge_wide(a, T::wide_from(sum[k], err[k])))
    }
}

/// Count and compensated sum of the non-NaN elements: NumPy's `nanmean`.
pub struct CountSum;
impl<T: Scalar> Op<T> for CountSum {
    type Acc = (T::Wide, u64);
    const NAME: &'static str = "add";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    const SIMD: bool = false;
    #[inline(always)]
    fn init(&self) -> Self::Acc {
        (T::ZERO, 0)
    }
    #[inline(always)]
    fn fold(&self, acc: Self::Acc, x: T, _index: usize) -> Self::Acc {
        if x.is_nan() {
            acc
        } else {
            (T::add_wide(acc.0, x), acc.1 + 1)
        }
    }
    #[inline(always)]
    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc {
        (T::merge_wide(a.0, b.0), a.1 + b.1)
    }
}

/// Count, mean and sum of squared deviations (Welford's update, Chan's
/// merge): a variance without the cancellation of `E[x^2] - E[x]^2`.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    const SIMD: bool = false;
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

/// Product. Floats multiply in f64; integers exactly in `i128`, with
/// flags for overflow beyond it and for a zero factor (which makes any
/// overflow irrelevant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProdAcc {
    pub float: f64,
    pub int: i128,
    pub overflow: bool,
    pub zero: bool,
}

pub struct Prod;
impl<T: Scalar> Op<T> for Prod {
    type Acc = ProdAcc;
    const NAME: &'static str = "multiply";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    const SIMD: bool = false;
    #[inline(always)]
    fn init(&self) -> ProdAcc {
        ProdAcc {
            float: 1.0,
            int: 1,
            overflow: false,
            zero: false,
        }
    }
    #[inline(always)]
    fn fold(&self, acc: ProdAcc, x: T, _index: usize) -> ProdAcc {
        if T::IS_FLOAT {
            return ProdAcc {
                float: acc.float * x.to_f64(),
                ..acc
            };
        }
        let v = x.to_i128();
        match acc.int.checked_mul(v) {
            Some(int) => ProdAcc {
                int,
                zero: acc.zero || v == 0,
                ..acc
            },
            None => ProdAcc {
                overflow: true,
                ..acc
            },
        }
    }
    #[inline(always)]
    fn merge(&self, a: ProdAcc, b: ProdAcc) -> ProdAcc {
        let int = a.int.checked_mul(b.int);
        ProdAcc {
            float: a.float * b.float,
            int: int.unwrap_or(0),
            overflow: a.overflow || b.overflow || int.is_none(),
            zero: a.zero || b.zero,
        }
    }
}

/// Product in doubles, for integer products asked for as float64 that
/// overflow even `i128`.
pub struct FloatProd;
impl<T: Scalar> Op<T> for FloatProd {
    type Acc = f64;
    const NAME: &'static str = "multiply";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    const SIMD: bool = false;
    #[inline(always)]
    fn init(&self) -> f64 {
        1.0
    }
    #[inline(always)]
    fn fold(&self, acc: f64, x: T, _index: usize) -> f64 {
        acc * x.to_f64()
    }
    #[inline(always)]
    fn merge(&self, a: f64, b: f64) -> f64 {
        a * b
    }
}

/// `any` (`ALL` false) or `all` (`ALL` true): is an element non-zero
/// (NaN counts as non-zero, as in NumPy).
pub struct Truth<const ALL: bool>;
impl<T: Scalar, const ALL: bool> Op<T> for Truth<ALL> {
    type Acc = bool;
    const NAME: &'static str = if ALL { "logical_and" } else { "logical_or" };
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = true;
    const SIMD: bool = true;
    #[inline(always)]
    fn init(&self) -> bool {
        ALL
    }
    #[inline(always)]
    fn fold(&self, acc: bool, x: T, _index: usize) -> bool {
        let nonzero = x != T::NIL;
        if ALL {
            acc & nonzero
        } else {
            acc | nonzero
        }
    }
    #[inline(always)]
    fn merge(&self, a: bool, b: bool) -> bool {
        if ALL {
            a & b
        } else {
            a | b
        }
    }
}

/// The number of non-zero elements (NaN included).
pub struct CountNonzero;
impl<T: Scalar> Op<T> for CountNonzero {
    type Acc = u64;
    const NAME: &'static str = "count_nonzero";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    const SIMD: bool = true;
    #[inline(always)]
    fn init(&self) -> u64 {
        0
    }
    #[inline(always)]
    fn fold(&self, acc: u64, x: T, _index: usize) -> u64 {
        acc + (x != T::NIL) as u64
    }
    #[inline(always)]
    fn merge(&self, a: u64, b: u64) -> u64 {
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
    const SIMD: bool = true;
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
