//! The engine, under every schedule, against naive loops on random N-d
//! views and axes; plus the cases that once crashed, hung or leaked.

use std::time::{Duration, Instant};

use ndreduce_core::engine::{reduce, Schedule};
use ndreduce_core::ops::{ArgMax, ArgMin, Max, Min, MinMax, NanArgMax, NanMax, Op, Sum, NO_INDEX};
use ndreduce_core::{Cancel, Error, Scalar, View, NEVER};
use proptest::prelude::{prop_assert_eq, proptest, ProptestConfig, Strategy as _};

/// Naive: every kept position in C order, every reduced position in C order.
fn naive<T: Scalar, O: Op<T>>(data: &[T], v: &View<T>, axes: &[usize], op: &O) -> Vec<O::Acc> {
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

const SCHEDULES: [Schedule; 4] = [
    Schedule::Auto,
    Schedule::Serial,
    Schedule::Mutex,
    Schedule::Lockfree,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]
    #[test]
    fn random_nd_reductions_match_naive_loops((shape, strides, offset, mask, seed) in any_case()) {
        let len = 400;
        let axes: Vec<usize> = (0..shape.len()).filter(|k| mask & (1 << k) != 0).collect();
        let i = ints(len, seed);
        let f = floats(len, seed);
        let Ok(vi) = View::new(&i, &shape, &strides, offset) else { return Ok(()) };
        let vf = View::new(&f, &shape, &strides, offset).unwrap();
        let reduced_len: usize = axes.iter().map(|&a| shape[a]).product();
        // The article's schedules exist for 2-D views along one axis.
        let article = shape.len() == 2 && axes.len() == 1;
        macro_rules! check {
            ($v:expr, $data:expr, $op:expr) => {{
                for s in SCHEDULES {
                    let got = reduce(&$v, &axes, &$op, s, Some(3), &NEVER);
                    if s != Schedule::Auto && !article { prop_assert_eq!(got.is_err(), true); continue; }
                    if reduced_len == 0 && !is_sum(&$op) { prop_assert_eq!(got.is_err(), true); continue; }
                    let got = got.unwrap();
                    let want = naive($data, &$v, &axes, &$op);
                    prop_assert_eq!(same(&got, &want), true, "{:?}: {:?} vs {:?}", s, got, want);
                }
            }};
        }
        check!(vi, &i, Max); check!(vi, &i, Min); check!(vi, &i, ArgMax); check!(vi, &i, ArgMin); check!(vi, &i, Sum); check!(vi, &i, MinMax::<false>);
        check!(vf, &f, Max); check!(vf, &f, NanMax); check!(vf, &f, ArgMax); check!(vf, &f, NanArgMax); check!(vf, &f, MinMax::<true>);
    }
}

fn is_sum<T>(_: &T) -> bool {
    std::any::type_name::<T>().ends_with("Sum")
}

#[test]
fn big_tiles_take_the_parallel_paths_and_agree() {
    let (r, c) = (300, 700);
    let data = ints(r * c, 99);
    let f: Vec<f64> = data.iter().map(|&x| x as f64).collect();
    for (shape, strides) in [
        (vec![r, c], vec![c as isize, 1]),
        (vec![c, r], vec![1, c as isize]),
        (vec![r / 2, c / 2], vec![2 * c as isize, 2]),
        (vec![r, c], vec![-(c as isize), 1]),
        (vec![2, r * c / 2], vec![1, 2]),
        (vec![r * c / 2, 2], vec![2, 1]),
    ] {
        let offset = if strides[0] < 0 { (r - 1) * c } else { 0 };
        let v = View::new(&data, &shape, &strides, offset).unwrap();
        let vf = View::new(&f, &shape, &strides, offset).unwrap();
        for axes in [vec![0], vec![1], vec![0, 1]] {
            for threads in [Some(1), Some(2), Some(4)] {
                let s = Schedule::Auto;
                assert_eq!(
                    reduce(&v, &axes, &Max, s, threads, &NEVER).unwrap(),
                    naive(&data, &v, &axes, &Max)
                );
                assert_eq!(
                    reduce(&v, &axes, &ArgMin, s, threads, &NEVER).unwrap(),
                    naive(&data, &v, &axes, &ArgMin)
                );
                assert_eq!(
                    reduce(&v, &axes, &Sum, s, threads, &NEVER).unwrap(),
                    naive(&data, &v, &axes, &Sum)
                );
                assert_eq!(
                    reduce(&vf, &axes, &NanArgMax, s, threads, &NEVER).unwrap(),
                    naive(&f, &vf, &axes, &NanArgMax)
                );
            }
        }
    }
}

#[test]
fn nan_rules_follow_numpy() {
    let data = [1.0, f64::NAN, 3.0, f64::NAN, f64::NAN, f64::NAN];
    let v = View::contiguous(&data, &[2, 3]).unwrap();
    let auto = Schedule::Auto;
    let max = reduce(&v, &[1], &Max, auto, None, &NEVER).unwrap();
    assert!(max[0].is_nan() && max[1].is_nan());
    let nanmax = reduce(&v, &[1], &NanMax, auto, None, &NEVER).unwrap();
    assert_eq!(nanmax[0], 3.0);
    assert!(nanmax[1].is_nan(), "an all-NaN slice stays NaN");
    assert_eq!(
        reduce(&v, &[1], &ArgMax, auto, None, &NEVER).unwrap()[0].1,
        1,
        "first NaN wins argmax"
    );
    assert_eq!(
        reduce(&v, &[1], &NanArgMax, auto, None, &NEVER).unwrap()[1].1,
        NO_INDEX
    );
}

#[test]
fn an_unallocatable_result_is_an_error_not_an_abort() {
    let data = [1i64, 2, 3];
    let v = View::new(&data, &[1 << 50, 0], &[0, 1], 0).unwrap();
    let got = reduce(&v, &[1], &Sum, Schedule::Auto, None, &NEVER);
    assert!(matches!(got, Err(Error::TooLarge { .. })), "{got:?}");
    let v = View::new(&data, &[1, 1 << 50], &[0, 0], 0).unwrap();
    for s in SCHEDULES {
        let got = reduce(&v, &[0], &Max, s, None, &NEVER);
        assert!(matches!(got, Err(Error::TooLarge { .. })), "{s:?}: {got:?}");
    }
}

#[test]
fn a_broadcast_reduction_allocates_nothing_that_grows_with_the_broadcast() {
    let data = [3i64, -1];
    let v = View::new(&data, &[1 << 28, 2, 2], &[0, 1, 0], 0).unwrap();
    assert_eq!(
        reduce(&v, &[0, 1, 2], &Max, Schedule::Auto, None, &NEVER),
        Ok(vec![3])
    );
    assert_eq!(
        reduce(&v, &[0, 1, 2], &Min, Schedule::Auto, None, &NEVER),
        Ok(vec![-1])
    );
    let small = View::new(&data, &[1 << 12, 2, 2], &[0, 1, 0], 0).unwrap();
    assert_eq!(
        reduce(&small, &[0, 1, 2], &Sum, Schedule::Auto, None, &NEVER),
        Ok(vec![(1 << 13) * 2])
    );
    assert_eq!(
        reduce(&small, &[0, 1, 2], &ArgMin, Schedule::Auto, None, &NEVER),
        Ok(vec![(-1, 2)])
    );
}

/// Raises `cancel` after `after`, then measures how long `run` goes on.
fn stop_time(after: Duration, run: impl FnOnce(&Cancel) -> Result<(), Error> + Send) -> Duration {
    let cancel = Cancel::new();
    std::thread::scope(|s| {
        let c = &cancel;
        let h = s.spawn(move || {
            let r = run(c);
            (r, Instant::now())
        });
        std::thread::sleep(after);
        let raised = Instant::now();
        cancel.cancel();
        let (r, done) = h.join().unwrap();
        assert_eq!(r, Err(Error::Aborted));
        done.saturating_duration_since(raised)
    })
}

#[test]
fn a_raised_cancel_flag_stops_every_layout_and_schedule_quickly() {
    let n = 1 << 22;
    let data: Vec<i64> = (0..n as i64).collect();
    // Views large enough to run for seconds: strided, broadcast, contiguous.
    let cases: Vec<(Vec<usize>, Vec<isize>, Vec<usize>)> = vec![
        (vec![1 << 16, 1 << 16], vec![0, 1], vec![0, 1]), // broadcast sum
        (vec![1 << 20, 1 << 12], vec![1, 0], vec![0]),    // strided, few outputs
        (vec![1 << 12, 1 << 20], vec![0, 3], vec![0]),    // strided columns
        (vec![1 << 20, 4, 1 << 8], vec![4, 1, 0], vec![1, 2]), // many tiles
    ];
    for (shape, strides, axes) in cases {
        let v = View::new(&data, &shape, &strides, 0).unwrap();
        let took = stop_time(Duration::from_millis(30), |c| {
            reduce(&v, &axes, &Sum, Schedule::Auto, Some(2), c).map(|_| ())
        });
        assert!(
            took < Duration::from_millis(100),
            "{shape:?} {strides:?}: {took:?}"
        );
    }
    let v = View::new(&data, &[1 << 16, 1 << 16], &[0, 1], 0).unwrap();
    for s in SCHEDULES {
        let took = stop_time(Duration::from_millis(30), |c| {
            reduce(&v, &[0], &Sum, s, Some(2), c).map(|_| ())
        });
        assert!(took < Duration::from_millis(100), "{s:?}: {took:?}");
    }
}

#[test]
fn article_schedules_need_a_2d_view_along_one_axis() {
    let data = [1i32; 8];
    let v = View::contiguous(&data, &[2, 2, 2]).unwrap();
    assert!(matches!(
        reduce(&v, &[0], &Max, Schedule::Mutex, None, &NEVER),
        Err(Error::BadOption {
            field: "schedule",
            ..
        })
    ));
    let v = View::contiguous(&data, &[2, 4]).unwrap();
    assert!(reduce(&v, &[0, 1], &Max, Schedule::Lockfree, None, &NEVER).is_err());
    assert_eq!(
        reduce(&v, &[1], &Sum, Schedule::Lockfree, Some(2), &NEVER),
        Ok(vec![4, 4])
    );
    assert!(matches!(
        reduce(&v, &[1], &Max, Schedule::Serial, Some(0), &NEVER),
        Err(Error::BadOption {
            field: "threads",
            ..
        })
    ));
}
