//! The general engine against naive loops, on random N-d views and axes.

use ndreduce_core::engine::reduce;
use ndreduce_core::ops::{ArgMax, ArgMin, Max, Min, MinMax, NanArgMax, NanMax, Op, Sum, NO_INDEX};
use ndreduce_core::{Scalar, ViewN, NEVER};
use proptest::prelude::{prop_assert_eq, proptest, ProptestConfig, Strategy as _};

/// Naive: every kept position in C order, every reduced position in C order.
fn naive<T: Scalar, O: Op<T>>(data: &[T], v: &ViewN, axes: &[usize], op: &O) -> Vec<O::Acc> {
    let nd = v.shape().len();
    let kept: Vec<usize> = (0..nd).filter(|k| !axes.contains(k)).collect();
    let positions = |dims: &[usize]| -> Vec<Vec<usize>> {
        let mut all = vec![vec![]];
        for &d in dims {
            all = all
                .into_iter()
                .flat_map(|p| {
                    (0..v.shape()[d]).map(move |i| {
                        let mut q = p.clone();
                        q.push(i);
                        q
                    })
                })
                .collect();
        }
        all
    };
    positions(&kept)
        .into_iter()
        .map(|kp| {
            let mut acc = op.init();
            for (flat, rp) in positions(axes).into_iter().enumerate() {
                let mut idx = vec![0; nd];
                for (&d, &i) in kept.iter().zip(&kp) {
                    idx[d] = i;
                }
                for (&d, &i) in axes.iter().zip(&rp) {
                    idx[d] = i;
                }
                let at = v.offset() as isize
                    + idx
                        .iter()
                        .zip(v.strides())
                        .map(|(&i, &s)| i as isize * s)
                        .sum::<isize>();
                acc = op.fold(acc, data[at as usize], flat);
            }
            acc
        })
        .collect()
}

fn any_case() -> impl proptest::strategy::Strategy<Value = (Vec<usize>, Vec<isize>, usize, u32, u64)>
{
    (1usize..5).prop_flat_map(|nd| {
        (
            proptest::collection::vec(0usize..5, nd),
            proptest::collection::vec(-7isize..8, nd),
            0usize..40,
            0u32..(1 << nd),
            proptest::num::u64::ANY,
        )
    })
}

fn ints(n: usize, seed: u64) -> Vec<i64> {
    let mut s = seed | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i % 9 == 0 {
                i64::MIN
            } else {
                (s % 7) as i64 - 3
            }
        })
        .collect()
}

fn floats(n: usize, seed: u64) -> Vec<f64> {
    ints(n, seed)
        .into_iter()
        .enumerate()
        .map(|(i, x)| if i % 7 == 3 { f64::NAN } else { x as f64 })
        .collect()
}

/// Compares accumulators, treating NaN as equal to NaN.
fn same<A: std::fmt::Debug>(a: &[A], b: &[A]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// 1500 cases in `npm test`; `NDREDUCE_FUZZ_CASES=100000` for a long run by hand.
fn fuzz_cases() -> u32 {
    std::env::var("NDREDUCE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]
    #[test]
    fn random_nd_reductions_match_naive_loops((shape, strides, offset, mask, seed) in any_case()) {
        let len = 400;
        let axes: Vec<usize> = (0..shape.len()).filter(|k| mask & (1 << k) != 0).collect();
        let Ok(v) = ViewN::new(len, shape, strides, offset) else { return Ok(()) };
        let reduced_len: usize = axes.iter().map(|&a| v.shape()[a]).product();
        let i = ints(len, seed);
        let f = floats(len, seed);
        macro_rules! check {
            ($data:expr, $op:expr) => {{
                let got = reduce($data, &v, &axes, &$op, Some(3), &NEVER);
                if reduced_len == 0 && !is_sum(&$op) { prop_assert_eq!(got.is_err(), true); }
                else { let got = got.unwrap(); let want = naive($data, &v, &axes, &$op); prop_assert_eq!(same(&got, &want), true, "{:?} vs {:?}", got, want); }
            }};
        }
        check!(&i, Max); check!(&i, Min); check!(&i, ArgMax); check!(&i, ArgMin); check!(&i, Sum); check!(&i, MinMax::<false>);
        check!(&f, Max); check!(&f, NanMax); check!(&f, ArgMax); check!(&f, NanArgMax); check!(&f, MinMax::<true>); check!(&f, Sum);
    }
}

fn is_sum<T>(_: &T) -> bool {
    std::any::type_name::<T>().ends_with("Sum")
}

#[test]
fn big_tiles_take_the_parallel_paths_and_agree() {
    let (r, c) = (300, 700);
    let data = ints(r * c, 99);
    for (shape, strides) in [
        (vec![r, c], vec![c as isize, 1]),
        (vec![c, r], vec![1, c as isize]),
        (vec![r / 2, c / 2], vec![2 * c as isize, 2]),
    ] {
        let v = ViewN::new(data.len(), shape, strides, 0).unwrap();
        for axes in [vec![0], vec![1], vec![0, 1]] {
            assert_eq!(
                reduce(&data, &v, &axes, &Max, Some(4), &NEVER).unwrap(),
                naive(&data, &v, &axes, &Max)
            );
            assert_eq!(
                reduce(&data, &v, &axes, &ArgMin, Some(4), &NEVER).unwrap(),
                naive(&data, &v, &axes, &ArgMin)
            );
            assert_eq!(
                reduce(&data, &v, &axes, &Sum, Some(4), &NEVER).unwrap(),
                naive(&data, &v, &axes, &Sum)
            );
        }
    }
}

#[test]
fn nan_rules_follow_numpy() {
    let data = [1.0, f64::NAN, 3.0, f64::NAN, f64::NAN, f64::NAN];
    let v = ViewN::new(6, vec![2, 3], vec![3, 1], 0).unwrap();
    let max = reduce(&data, &v, &[1], &Max, None, &NEVER).unwrap();
    assert!(max[0].is_nan() && max[1].is_nan());
    let nanmax = reduce(&data, &v, &[1], &NanMax, None, &NEVER).unwrap();
    assert_eq!(nanmax[0], 3.0);
    assert!(nanmax[1].is_nan(), "an all-NaN slice stays NaN");
    assert_eq!(
        reduce(&data, &v, &[1], &ArgMax, None, &NEVER).unwrap()[0].1,
        1,
        "first NaN wins argmax"
    );
    assert_eq!(
        reduce(&data, &v, &[1], &NanArgMax, None, &NEVER).unwrap()[1].1,
        NO_INDEX
    );
}

#[test]
fn an_unallocatable_result_is_an_error_not_an_abort() {
    let data = [1i64, 2, 3];
    let v = ViewN::new(3, vec![1 << 50, 0], vec![0, 1], 0).unwrap();
    let got = reduce(&data, &v, &[1], &Sum, None, &NEVER);
    assert!(
        matches!(got, Err(ndreduce_core::Error::TooLarge { .. })),
        "{got:?}"
    );
    let v2 = ndreduce_core::View2::new(3, [1, 1 << 50], [0, 0], 0).unwrap();
    let got = ndreduce_core::max(&data, &v2, 0, ndreduce_core::Strategy::Auto, None, &NEVER);
    assert!(
        matches!(got, Err(ndreduce_core::Error::TooLarge { .. })),
        "{got:?}"
    );
}
