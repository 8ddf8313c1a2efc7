//! The extremes: max, min, their NaN-skipping twins, the arg ops and
//! minmax, which all pick elements by the same NaN-aware compares.

use super::Op;
use crate::scalar::Scalar;

/// Between equal elements, +0 beats -0 for a maximum (and -0 beats +0
/// for a minimum: `zero_wins(best, x)`), as IEEE 754-2019's maximum and
/// JavaScript's `Math.max` rule. Without a rule the first zero visited
/// would win, so the sign of a zero result would follow the layout and the
/// lane order; NumPy has no rule either (np.max of [0.0, -0.0] is -0.0, of
/// its reverse 0.0, and long arrays mix). Equal non-zero floats have equal
/// bits, so only zeros are affected; integers compile it away.
#[inline(always)]
fn zero_wins<T: Scalar>(x: T, best: T) -> bool {
    T::IS_FLOAT && x == best && best.sign_bit() && !x.sign_bit()
}

/// `x` beats `best` for a maximum. NaN beats everything (NumPy's max
/// propagates NaN) and nothing beats a NaN, so NaN is sticky. The arg ops
/// use these, where the first of equal elements wins.
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
    x > best || x.is_nan() || zero_wins(x, best)
}

#[inline(always)]
fn below_or_nan<T: Scalar>(x: T, best: T) -> bool {
    x < best || x.is_nan() || zero_wins(best, x)
}

/// A NaN `best` (the NaN-skipping start) loses to anything.
#[inline(always)]
fn above_nan_start<T: Scalar>(x: T, best: T) -> bool {
    x > best || best.is_nan() || zero_wins(x, best)
}

#[inline(always)]
fn below_nan_start<T: Scalar>(x: T, best: T) -> bool {
    x < best || best.is_nan() || zero_wins(best, x)
}

/// Runs at least this long are folded in 32 lanes rather than 8.
const LONG_RUN: usize = 1024;
/// Elements per block of the plain pass over a long float run: a block
/// that needs the exact rules is read again while it is still in L1.
const PLAIN_BLOCK: usize = 2048;

/// The extremum of a block by the plain compare alone (`better`, from
/// `start`, the op's identity), in 32 lanes, or `None` where the NaN and
/// zero rules could matter: a NaN in the block, or a zero result (whose
/// sign the lanes' order would pick). Otherwise the extremum is unique in
/// its bits (infinities included), so it is what the exact compares give,
/// at about four times their speed from cache: they are four tests and a
/// masked store per element, where this is a compare, a select and a
/// count of NaNs.
#[inline(always)]
fn plain_extremum<T: Scalar>(block: &[T], start: T, better: impl Fn(T, T) -> bool) -> Option<T> {
    const N: usize = 32;
    let mut l = [start; N];
    let mut nans = [0u64; N];
    let mut chunks = block.chunks_exact(N);
    for c in &mut chunks {
        for k in 0..N {
            let (x, a) = (c[k], l[k]);
            l[k] = if better(x, a) { x } else { a };
            nans[k] += u64::from(x.is_nan());
        }
    }
    for &x in chunks.remainder() {
        l[0] = if better(x, l[0]) { x } else { l[0] };
        nans[0] += u64::from(x.is_nan());
    }
    let mut best = start;
    let mut nan = 0;
    for k in 0..N {
        best = if better(l[k], best) { l[k] } else { best };
        nan += nans[k];
    }
    (!block.is_empty() && nan == 0 && best != T::NIL).then_some(best)
}

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
    ($name:ident, $np:literal, $init:expr, $beats:ident, $start:expr, $plain:expr) => {
        pub struct $name;
        impl<T: Scalar> Op<T> for $name {
            type Acc = T;
            const NAME: &'static str = $np;
            const HAS_IDENTITY: bool = false;
            const ORDER_FREE: bool = true;
            const IDEMPOTENT: bool = true;
            const SIMD_ROWS: bool = true;
            const SIMD_RUN: bool = true;
            #[inline(always)]
            fn init(&self) -> T {
                $init
            }
            #[inline(always)]
            fn neutral(&self) -> Option<T> {
                Some($init)
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
                    // A loop, not an iterator's `fold`: a call that is not
                    // inlined leaves the caller's instruction set behind.
                    let mut acc = init;
                    for block in run.chunks(PLAIN_BLOCK) {
                        acc = match plain_extremum(block, $start, $plain) {
                            Some(best) => self.merge(acc, best),
                            None => lanes::<T, Self, 32>(self, acc, block, $beats),
                        };
                    }
                    acc
                } else {
                    lanes::<T, Self, 8>(self, init, run, $beats)
                }
            }
        }
    };
}
// The last two arguments: the start and compare of the plain pass (and of
// the integer fold, where NaN does not exist), which the NaN-skipping twins
// share with their plain ops: a block where they could differ holds a NaN.
extremum!(
    Max,
    "maximum",
    T::LOWEST,
    above_or_nan,
    T::LOWEST,
    |x: T, a: T| x > a
);
extremum!(
    Min,
    "minimum",
    T::HIGHEST,
    below_or_nan,
    T::HIGHEST,
    |x: T, a: T| x < a
);
extremum!(
    NanMax,
    "fmax",
    T::nan_or(T::LOWEST),
    above_nan_start,
    T::LOWEST,
    |x: T, a: T| x > a
);
extremum!(
    NanMin,
    "fmin",
    T::nan_or(T::HIGHEST),
    below_nan_start,
    T::HIGHEST,
    |x: T, a: T| x < a
);

/// No index yet: the slice was empty or (NaN-skipping) held only NaN.
pub const NO_INDEX: usize = usize::MAX;

/// The arg ops: `argmax` (`max`) or `argmin`, and with `skip_nan` their
/// NaN-skipping twins, whose NaN elements are never chosen (an all-NaN
/// slice keeps `NO_INDEX`, which the caller reports as NumPy does,
/// "All-NaN slice"); otherwise NaN counts as the extreme, as in NumPy's
/// argmax. One op type for the four: each op type is compiled for every
/// dtype and every walk, and the flags, the same for every element, are
/// tested outside the loops.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    pub max: bool,
    pub skip_nan: bool,
}

impl Arg {
    /// NumPy's name, for "zero-size array to reduction operation {name}".
    pub fn name(&self) -> &'static str {
        match (self.max, self.skip_nan) {
            (true, false) => "argmax",
            (false, false) => "argmin",
            (true, true) => "nanargmax",
            (false, true) => "nanargmin",
        }
    }

    /// The extreme of `run` by the value op with the same NaN rule.
    #[inline(always)]
    fn value_of<T: Scalar>(&self, run: &[T]) -> T {
        use crate::engine::kernels::fold_run;
        fn by<T: Scalar, O: Op<T, Acc = T>>(op: O, run: &[T]) -> T {
            fold_run(&op, op.init(), run, 0)
        }
        // Integers hold no NaN: no NaN-skipping code for them.
        if T::IS_FLOAT && self.skip_nan {
            if self.max {
                by(NanMax, run)
            } else {
                by(NanMin, run)
            }
        } else if self.max {
            by(Max, run)
        } else {
            by(Min, run)
        }
    }
}

/// `acc` with `x` (at `index`) folded in, for `argmax` (`max`) or `argmin`:
/// strictly better only, so the first occurrence wins ties.
#[inline(always)]
fn arg_fold<T: Scalar>(
    max: bool,
    skip_nan: bool,
    acc: (T, usize),
    x: T,
    index: usize,
) -> (T, usize) {
    let eligible = !skip_nan || !x.is_nan();
    let beats = if max {
        above(x, acc.0)
    } else {
        below(x, acc.0)
    };
    if eligible && (acc.1 == NO_INDEX || beats) {
        (x, index)
    } else {
        acc
    }
}

/// Two arg accumulators, `a` covering the earlier indices.
#[inline(always)]
fn arg_merge<T: Scalar>(max: bool, a: (T, usize), b: (T, usize)) -> (T, usize) {
    let beats = if max {
        above(b.0, a.0)
    } else {
        below(b.0, a.0)
    };
    if b.1 != NO_INDEX && (a.1 == NO_INDEX || beats) {
        b
    } else {
        a
    }
}

/// One of the four arg ops with its flags as constants: the row loops of
/// [`Arg::fold_rows`].
struct Fixed<const MAX: bool, const SKIP_NAN: bool>;

impl<T: Scalar, const MAX: bool, const SKIP_NAN: bool> Op<T> for Fixed<MAX, SKIP_NAN> {
    type Acc = (T, usize);
    const NAME: &'static str = "argmax";
    const HAS_IDENTITY: bool = false;
    const ORDER_FREE: bool = false;
    const IDEMPOTENT: bool = false;
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = false;
    #[inline(always)]
    fn init(&self) -> (T, usize) {
        (T::LOWEST, NO_INDEX)
    }
    #[inline(always)]
    fn fold(&self, acc: (T, usize), x: T, index: usize) -> (T, usize) {
        arg_fold(MAX, SKIP_NAN, acc, x, index)
    }
    #[inline(always)]
    fn merge(&self, a: (T, usize), b: (T, usize)) -> (T, usize) {
        arg_merge(MAX, a, b)
    }
}

/// `rows` (row `k` at index `index + k`) folded into `acc` by `o`'s row
/// loops, four rows per pass over the block.
fn rows_by<T: Scalar, O: Op<T>>(o: &O, acc: &mut [O::Acc], rows: &[&[T]], index: usize) {
    use crate::engine::kernels::{fold_row, fold_row4};
    let mut fours = rows.chunks_exact(4);
    let mut i = index;
    for f in &mut fours {
        fold_row4(o, acc, [f[0], f[1], f[2], f[3]], i);
        i += 4;
    }
    for &row in fours.remainder() {
        fold_row(o, acc, row, i);
        i += 1;
    }
}

impl<T: Scalar> Op<T> for Arg {
    type Acc = (T, usize);
    // Not read: `name` below says which of the four this is.
    const NAME: &'static str = "argmax";
    const HAS_IDENTITY: bool = false;
    const ORDER_FREE: bool = false;
    const IDEMPOTENT: bool = false;
    // Across columns the compare-and-select with an index vectorises
    // (argmax along axis 0 was 1.8x slower without); along a run it
    // does not, and `fold_run` hands its value pass to the value
    // op's vectorised run.
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = false;
    // Rows come in groups (`fold_rows`), each folded by the row loops of
    // the one of the four this is, its flags constants there.
    const GROUP_ROWS: bool = true;
    fn name(&self) -> &'static str {
        Arg::name(self)
    }
    #[inline(always)]
    fn init(&self) -> (T, usize) {
        (T::LOWEST, NO_INDEX)
    }
    #[inline(always)]
    fn fold(&self, acc: (T, usize), x: T, index: usize) -> (T, usize) {
        arg_fold(self.max, self.skip_nan, acc, x, index)
    }
    #[inline(always)]
    fn merge(&self, a: (T, usize), b: (T, usize)) -> (T, usize) {
        arg_merge(self.max, a, b)
    }
    /// With the flags read per element, the row loops did not vectorise
    /// as the four op types' had (argmax of float64 along axis 0 of the
    /// article's shape: 57 ms before, 67-71 ms); `Fixed` makes them
    /// constants, and only these loops are compiled four times.
    fn fold_rows(&self, acc: &mut [(T, usize)], rows: &[&[T]], index: usize) {
        // Integers hold no NaN: no NaN-skipping loops for them.
        if T::IS_FLOAT && self.skip_nan {
            if self.max {
                rows_by(&Fixed::<true, true>, acc, rows, index)
            } else {
                rows_by(&Fixed::<false, true>, acc, rows, index)
            }
        } else if self.max {
            rows_by(&Fixed::<true, false>, acc, rows, index)
        } else {
            rows_by(&Fixed::<false, false>, acc, rows, index)
        }
    }
    /// Two passes that vectorise instead of one chain of branchy
    /// compares (3.5 ns an element): the run's extreme by the
    /// value op with the same NaN rule, then its first position.
    #[inline(always)]
    fn fold_run(&self, acc: (T, usize), run: &[T], index: usize) -> (T, usize) {
        let best = self.value_of(run);
        let found = if best.is_nan() {
            // NaN is the extreme, or (skipping NaN) nothing is eligible.
            if self.skip_nan {
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

/// Minimum and maximum in one pass; `skip_nan` picks the NaN rule (one op
/// type for `minmax` and `nanminmax`, as [`Arg`]; integers, which hold no
/// NaN, never compile the NaN-skipping side).
#[derive(Clone, Copy, Debug)]
pub struct MinMax {
    pub skip_nan: bool,
}

impl<T: Scalar> Op<T> for MinMax {
    type Acc = (T, T);
    const NAME: &'static str = "minimum";
    const HAS_IDENTITY: bool = false;
    const ORDER_FREE: bool = true;
    const IDEMPOTENT: bool = true;
    const SIMD_ROWS: bool = true;
    const SIMD_RUN: bool = true;
    #[inline(always)]
    fn init(&self) -> (T, T) {
        if T::IS_FLOAT && self.skip_nan {
            (NanMin.init(), NanMax.init())
        } else {
            (Min.init(), Max.init())
        }
    }
    #[inline(always)]
    fn fold(&self, acc: (T, T), x: T, i: usize) -> (T, T) {
        if T::IS_FLOAT && self.skip_nan {
            (NanMin.fold(acc.0, x, i), NanMax.fold(acc.1, x, i))
        } else {
            (Min.fold(acc.0, x, i), Max.fold(acc.1, x, i))
        }
    }
    #[inline(always)]
    fn merge(&self, a: (T, T), b: (T, T)) -> (T, T) {
        if T::IS_FLOAT && self.skip_nan {
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
