//! The reductions of the general engine, each a small [`Op`]: a start
//! value, a fold of one element (with its index along the reduced axes)
//! and a merge of two partial results (the first covering earlier indices).

mod extremes;
mod moments;
mod moments_kernels;

pub use extremes::{Arg, Max, Min, MinMax, NanMax, NanMin, NO_INDEX};
pub use moments::{Moments, Var};
pub(crate) use moments_kernels::{with_counts, with_empty_block, Soa};

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
    /// The engine's row loops (`acc[k] = fold(acc[k], row[k])` across a
    /// block of columns) vectorise for this op, so they are worth a body per
    /// instruction set (`engine::kernels`); otherwise one plain body. Most
    /// ops' do: the columns are independent.
    const SIMD_ROWS: bool;
    /// Likewise for `fold_run`, one chain along a contiguous run, which
    /// vectorises only where the op folds in lanes (or the compiler may
    /// reassociate, as for integer max).
    const SIMD_RUN: bool;
    /// The engine hands this op whole groups of rows (`fold_rows`) instead
    /// of streaming rows through `fold`: for accumulators too wide to
    /// vectorise across columns (variance's five doubles, an array of
    /// structs), which fold a group in plain per-column arrays instead.
    const GROUP_ROWS: bool = false;
    fn init(&self) -> Self::Acc;
    /// [`Op::NAME`], or the name of this value of an op type that stands
    /// for several reductions.
    fn name(&self) -> &'static str {
        Self::NAME
    }
    fn fold(&self, acc: Self::Acc, x: T, index: usize) -> Self::Acc;
    fn merge(&self, earlier: Self::Acc, later: Self::Acc) -> Self::Acc;

    /// An element whose fold changes no accumulator, where there is one
    /// (the identity of sum, max, any, ...): `where` folds it in place of
    /// the elements its mask drops, so that masked blocks run through the
    /// engine's vectorised kernels. `None` where the index counts (the arg
    /// ops) or no element is neutral (the moments, minmax, prod's overflow
    /// state). A constant per op type, so each instantiation of a masked
    /// walk keeps only the branch its op takes.
    #[inline(always)]
    fn neutral(&self) -> Option<T> {
        None
    }

    /// Folds rows of a block of columns into `acc`, one accumulator per
    /// column: `rows[k]` holds `acc.len()` elements of reduced index
    /// `index + k`. Called only where `GROUP_ROWS` is true.
    fn fold_rows(&self, acc: &mut [Self::Acc], rows: &[&[T]], index: usize) {
        for (k, row) in rows.iter().enumerate() {
            for (a, &x) in acc.iter_mut().zip(*row) {
                *a = self.fold(*a, x, index + k);
            }
        }
    }

    /// Folds a contiguous run whose first element has index `index`. Ops
    /// whose plain fold does not vectorise override it.
    #[inline(always)]
    fn fold_run(&self, init: Self::Acc, run: &[T], index: usize) -> Self::Acc {
        run.iter()
            .enumerate()
            .fold(init, |a, (k, &x)| self.fold(a, x, index + k))
    }
}

/// Sum; `SKIP_NAN` skips NaN (NumPy's `nansum`). Integers sum exactly in
/// `i128`, floats with compensation (see [`crate::scalar::Comp`]).
pub struct Sum<const SKIP_NAN: bool>;
impl<T: Scalar, const SKIP_NAN: bool> Op<T> for Sum<SKIP_NAN> {
    type Acc = T::Wide;
    const NAME: &'static str = "add";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Integers sum in i128, which no vector unit adds; floats in lanes.
    const SIMD_ROWS: bool = T::IS_FLOAT;
    const SIMD_RUN: bool = T::IS_FLOAT;
    #[inline(always)]
    fn neutral(&self) -> Option<T> {
        Some(T::NIL)
    }
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
    // Only floats fold it (integers' nanmean is their mean). Its run is one
    // chain of compensated adds, yet measured 15% slower as a baseline
    // (SSE2) body than with AVX2's selects, so it keeps both.
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn neutral(&self) -> Option<T> {
        // NaN, which it skips: a dropped element must not count.
        Some(T::nan_or(T::NIL))
    }
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

/// Product. Floats multiply in f64; integers exactly in `i128`, with
/// flags for overflow beyond it and for a zero factor (which makes any
/// overflow irrelevant), and from the element that overflows it on, in
/// f64 too: the result of a product asked for as float64 that overflows
/// even `i128` (`float` is read only where `overflow` is set). A second op
/// for that fallback, and a second pass, cost one more instantiation of
/// every walk for each integer dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProdAcc {
    pub float: f64,
    pub int: i128,
    pub overflow: bool,
    pub zero: bool,
}

impl ProdAcc {
    /// The product as a double: for floats and past `i128` the double
    /// product, else the exact one rounded.
    #[inline(always)]
    pub fn double<T: Scalar>(&self) -> f64 {
        if T::IS_FLOAT || self.overflow {
            self.float
        } else {
            self.int as f64
        }
    }
}

pub struct Prod;
impl<T: Scalar> Op<T> for Prod {
    type Acc = ProdAcc;
    const NAME: &'static str = "multiply";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = false;
    // Measured no faster with them: the accumulator (an f64, an i128 and
    // flags) is what the loop moves, and i128 products do not vectorise.
    const SIMD_ROWS: bool = false;
    const SIMD_RUN: bool = false;
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
        if acc.overflow {
            return ProdAcc {
                float: acc.float * x.to_f64(),
                zero: acc.zero || v == 0,
                ..acc
            };
        }
        match acc.int.checked_mul(v) {
            Some(int) => ProdAcc {
                int,
                zero: acc.zero || v == 0,
                ..acc
            },
            None => ProdAcc {
                float: acc.int as f64 * x.to_f64(),
                overflow: true,
                ..acc
            },
        }
    }
    #[inline(always)]
    fn merge(&self, a: ProdAcc, b: ProdAcc) -> ProdAcc {
        let int = a.int.checked_mul(b.int);
        ProdAcc {
            float: a.double::<T>() * b.double::<T>(),
            int: int.unwrap_or(0),
            overflow: a.overflow || b.overflow || int.is_none(),
            zero: a.zero || b.zero,
        }
    }
}

/// `any` and `all` in one op (NaN counts as non-zero, as in NumPy): the
/// accumulator has bit 1 once a non-zero element was folded and bit 2 once
/// a zero was, so `any` is bit 1 and `all` is no bit 2 (an empty lane: 0,
/// false and true). One op type for both: each op type is compiled for
/// every dtype and every walk. `all` only says which element a `where`
/// mask may put in place of those it drops.
#[derive(Clone, Copy, Debug)]
pub struct Truth {
    pub all: bool,
}

impl Truth {
    /// The result of `any` or `all` from an accumulator.
    #[inline(always)]
    pub fn value(&self, acc: u8) -> bool {
        if self.all {
            acc & 2 == 0
        } else {
            acc & 1 != 0
        }
    }
}

impl<T: Scalar> Op<T> for Truth {
    type Acc = u8;
    // Never shown: an empty lane has a value (`HAS_IDENTITY`).
    const NAME: &'static str = "logical_or";
    const HAS_IDENTITY: bool = true;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = true;
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn neutral(&self) -> Option<T> {
        // Sets only the bit the other half reads.
        Some(if self.all { T::HIGHEST } else { T::NIL })
    }
    #[inline(always)]
    fn init(&self) -> u8 {
        0
    }
    #[inline(always)]
    fn fold(&self, acc: u8, x: T, _index: usize) -> u8 {
        acc | if x != T::NIL { 1 } else { 2 }
    }
    #[inline(always)]
    fn merge(&self, a: u8, b: u8) -> u8 {
        a | b
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
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn neutral(&self) -> Option<T> {
        Some(T::NIL)
    }
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
