//! The engine, under every schedule, against naive loops on random N-d
//! views and axes; plus the cases that once crashed, hung or leaked.

use std::time::{Duration, Instant};

use ndreduce_core::engine::{reduce, Schedule};
use ndreduce_core::ops::{
    Arg, CountNonzero, Max, Min, MinMax, Moments, NanMax, NanMin, Op, Prod,
    Sum, Truth, Var, NO_INDEX,
};
use ndreduce_core::reductions::{
    reduce_data, reduce_data_into, Data, Dest, Output, Reduction, Request,
};
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
const ARG_MAX: Arg = Arg { max: true, skip_nan: false };
const ARG_MIN: Arg = Arg { max: false, skip_nan: false };
const NAN_ARG_MAX: Arg = Arg { max: true, skip_nan: true };

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
                    if reduced_len == 0 && !has_identity($data, &$op) { prop_assert_eq!(got.is_err(), true); continue; }
                    let got = got.unwrap();
                    let want = naive($data, &$v, &axes, &$op);
                    prop_assert_eq!(same(&got, &want), true, "{:?}: {:?} vs {:?}", s, got, want);
                }
            }};
        }
        check!(vi, &i, Max); check!(vi, &i, Min); check!(vi, &i, ARG_MAX); check!(vi, &i, ARG_MIN); check!(vi, &i, Sum::<false>); check!(vi, &i, MinMax { skip_nan: false });
        check!(vf, &f, Max); check!(vf, &f, NanMax); check!(vf, &f, ARG_MAX); check!(vf, &f, NAN_ARG_MAX); check!(vf, &f, MinMax { skip_nan: true });
        check!(vi, &i, Truth { all: true }); check!(vi, &i, Truth { all: false }); check!(vf, &f, CountNonzero);
        let small: Vec<i64> = i.iter().map(|x| x.rem_euclid(5) - 2).collect();
        let vs = View::new(&small, &shape, &strides, offset).unwrap();
        check!(vs, &small, Prod);
        // Moments merge in a different order than the naive fold: compare values.
        for s in SCHEDULES {
            let Ok(got) = reduce(&vs, &axes, &Var::<false>, s, Some(3), &NEVER) else { continue };
            let want = naive(&small, &vs, &axes, &Var::<false>);
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(g.n, w.n);
                prop_assert_eq!((g.variance(0.0) - w.variance(0.0)).abs() < 1e-9 || (g.n == 0.0), true, "{:?} {:?}", g, w);
            }
        }
    }
}

fn has_identity<T: Scalar, O: Op<T>>(_: &[T], _: &O) -> bool {
    O::HAS_IDENTITY
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
                    reduce(&v, &axes, &ARG_MIN, s, threads, &NEVER).unwrap(),
                    naive(&data, &v, &axes, &ARG_MIN)
                );
                assert_eq!(
                    reduce(&v, &axes, &Sum::<false>, s, threads, &NEVER).unwrap(),
                    naive(&data, &v, &axes, &Sum::<false>)
                );
                assert_eq!(
                    reduce(&vf, &axes, &NAN_ARG_MAX, s, threads, &NEVER).unwrap(),
                    naive(&f, &vf, &axes, &NAN_ARG_MAX)
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
        reduce(&v, &[1], &ARG_MAX, auto, None, &NEVER).unwrap()[0].1,
        1,
        "first NaN wins argmax"
    );
    assert_eq!(
        reduce(&v, &[1], &NAN_ARG_MAX, auto, None, &NEVER).unwrap()[1].1,
        NO_INDEX
    );
}

#[test]
fn an_unallocatable_result_is_an_error_not_an_abort() {
    let data = [1i64, 2, 3];
    let v = View::new(&data, &[1 << 50, 0], &[0, 1], 0).unwrap();
    let got = reduce(&v, &[1], &Sum::<false>, Schedule::Auto, None, &NEVER);
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
        reduce(
            &small,
            &[0, 1, 2],
            &Sum::<false>,
            Schedule::Auto,
            None,
            &NEVER
        ),
        Ok(vec![(1 << 13) * 2])
    );
    assert_eq!(
        reduce(&small, &[0, 1, 2], &ARG_MIN, Schedule::Auto, None, &NEVER),
        Ok(vec![(-1, 2)])
    );
}

/// Raises `cancel` after `after`, then measures how long `run` goes on.
/// The bound in the tests is loose (a loaded CI machine can deschedule a
/// thread for tens of ms); before work-based checks these ran for seconds.
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
            reduce(&v, &axes, &Sum::<false>, Schedule::Auto, Some(2), c).map(|_| ())
        });
        assert!(
            took < Duration::from_millis(1000),
            "{shape:?} {strides:?}: {took:?}"
        );
    }
    let v = View::new(&data, &[1 << 16, 1 << 16], &[0, 1], 0).unwrap();
    for s in SCHEDULES {
        let took = stop_time(Duration::from_millis(30), |c| {
            reduce(&v, &[0], &Sum::<false>, s, Some(2), c).map(|_| ())
        });
        assert!(took < Duration::from_millis(1000), "{s:?}: {took:?}");
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
        reduce(&v, &[1], &Sum::<false>, Schedule::Lockfree, Some(2), &NEVER),
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

fn request(shape: &[usize], axes: &[usize]) -> Request {
    let mut strides = vec![0isize; shape.len()];
    let mut step = 1;
    for k in (0..shape.len()).rev() {
        strides[k] = step;
        step *= shape[k] as isize;
    }
    Request {
        shape: shape.into(),
        strides: strides.into(),
        offset: 0,
        axes: axes.into(),
        threads: Some(2),
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    }
}

fn f64s(out: Output) -> Vec<f64> {
    match out {
        Output::F64(v) => v,
        other => panic!("expected float64, got {other:?}"),
    }
}

#[test]
fn compensated_sums_and_means_are_exact_on_ill_conditioned_data() {
    let data: Vec<f64> = (0..300_000).map(|i| [1e16, 1.0, -1e16][i % 3]).collect();
    let r = request(&[data.len()], &[0]);
    assert_eq!(
        f64s(reduce_data(Data::F64(&data), &r, Reduction::Sum, &NEVER).unwrap()),
        vec![100_000.0]
    );
    let mean = f64s(reduce_data(Data::F64(&data), &r, Reduction::Mean, &NEVER).unwrap());
    assert_eq!(mean, vec![100_000.0 / 300_000.0]);
    // Along axis 0 of a 2-D array (the row-streaming kernel) too.
    let r = request(&[100_000, 3], &[0]);
    let cols = f64s(reduce_data(Data::F64(&data), &r, Reduction::Sum, &NEVER).unwrap());
    assert_eq!(cols, vec![1e21, 100_000.0, -1e21]);
}

#[test]
fn variance_is_stable_far_from_zero() {
    // E[x^2] - E[x]^2 loses every digit here; Welford/Chan keeps them.
    let data: Vec<f64> = (0..1_000_000).map(|i| 1e9 + (i % 4) as f64).collect();
    let mut r = request(&[data.len()], &[0]);
    let var = f64s(reduce_data(Data::F64(&data), &r, Reduction::Var, &NEVER).unwrap())[0];
    assert!((var - 1.25).abs() < 1e-9, "{var}");
    r.ddof = 1.0;
    let std = f64s(reduce_data(Data::F64(&data), &r, Reduction::Std, &NEVER).unwrap())[0];
    assert!(
        (std - (1.25f64 * 1e6 / 999_999.0).sqrt()).abs() < 1e-9,
        "{std}"
    );
    r.ddof = 5e6;
    assert!(f64s(reduce_data(Data::F64(&data), &r, Reduction::Var, &NEVER).unwrap())[0].is_nan());
    let m = Moments::EMPTY;
    assert!(m.variance(0.0).is_nan());
}

#[test]
fn numpy_edge_rules_for_the_new_reductions() {
    let empty: [f64; 0] = [];
    let r = request(&[0], &[0]);
    assert!(f64s(reduce_data(Data::F64(&empty), &r, Reduction::Mean, &NEVER).unwrap())[0].is_nan());
    assert_eq!(
        reduce_data(Data::F64(&empty), &r, Reduction::Any, &NEVER),
        Ok(Output::U8(vec![0]))
    );
    assert_eq!(
        reduce_data(Data::F64(&empty), &r, Reduction::All, &NEVER),
        Ok(Output::U8(vec![1]))
    );
    assert!(matches!(
        reduce_data(Data::F64(&empty), &r, Reduction::Ptp, &NEVER),
        Err(Error::ZeroSize { .. })
    ));
    let nan = [f64::NAN, 0.0, 2.0, f64::NAN];
    let r = request(&[4], &[0]);
    assert_eq!(
        f64s(reduce_data(Data::F64(&nan), &r, Reduction::NanSum, &NEVER).unwrap()),
        vec![2.0]
    );
    assert_eq!(
        f64s(reduce_data(Data::F64(&nan), &r, Reduction::NanMean, &NEVER).unwrap()),
        vec![1.0]
    );
    assert_eq!(
        f64s(reduce_data(Data::F64(&nan), &r, Reduction::NanVar, &NEVER).unwrap()),
        vec![1.0]
    );
    assert_eq!(
        f64s(reduce_data(Data::F64(&nan), &r, Reduction::CountNonzero, &NEVER).unwrap()),
        vec![3.0]
    );
    assert!(f64s(reduce_data(Data::F64(&nan), &r, Reduction::Std, &NEVER).unwrap())[0].is_nan());
    let bytes = [-128i8, 127, 0];
    let r = request(&[3], &[0]);
    assert_eq!(
        reduce_data(Data::I8(&bytes), &r, Reduction::Ptp, &NEVER),
        Ok(Output::I8(vec![-1])),
        "wraps as NumPy's ptp"
    );
    assert_eq!(
        reduce_data(Data::I8(&bytes), &r, Reduction::Prod, &NEVER),
        Ok(Output::I64(vec![0]))
    );
    let big = [i64::MAX, i64::MAX, i64::MAX, 0];
    let r4 = request(&[4], &[0]);
    assert_eq!(
        reduce_data(Data::I64(&big), &r4, Reduction::Prod, &NEVER),
        Ok(Output::I64(vec![0])),
        "a zero factor wins over overflow"
    );
    let r3 = request(&[3], &[0]);
    assert!(matches!(
        reduce_data(Data::I64(&big[..3]), &r3, Reduction::Prod, &NEVER),
        Err(Error::Overflow { op: "prod", .. })
    ));
    let mut rf = r3.clone();
    rf.float_result = true;
    let p = f64s(reduce_data(Data::I64(&big[..3]), &rf, Reduction::Prod, &NEVER).unwrap())[0];
    assert!((p / (i64::MAX as f64).powi(3) - 1.0).abs() < 1e-12);
    // One lane past i128 sends every lane to doubles; the others keep
    // their exact products, and a zero factor after the overflow wins.
    let lanes = [i64::MAX, 2, 7, i64::MAX, 3, 0, i64::MAX, 4, 5, i64::MAX, 1, 0];
    let mut rl = request(&[4, 3], &[0]);
    rl.float_result = true;
    let p = f64s(reduce_data(Data::I64(&lanes), &rl, Reduction::Prod, &NEVER).unwrap());
    assert!((p[0] / (i64::MAX as f64).powi(4) - 1.0).abs() < 1e-12);
    assert_eq!(p[1..], [24.0, 0.0]);
    // Merges of partial products (threads' pieces of one lane), either
    // side past i128, keep the double product.
    let o = Prod;
    let past = (0..3).fold(Op::<i64>::init(&o), |a, _| Op::<i64>::fold(&o, a, i64::MAX, 0));
    let six = Op::<i64>::fold(&o, Op::<i64>::init(&o), 6, 0);
    let want = (i64::MAX as f64).powi(3) * 6.0;
    for m in [Op::<i64>::merge(&o, past, six), Op::<i64>::merge(&o, six, past)] {
        assert!(m.overflow && (m.double::<i64>() / want - 1.0).abs() < 1e-12);
    }
    let big = (0..2).fold(Op::<i64>::init(&o), |a, _| Op::<i64>::fold(&o, a, i64::MAX, 0));
    let m = Op::<i64>::merge(&o, big, big);
    assert!(m.overflow && (m.double::<i64>() / (i64::MAX as f64).powi(4) - 1.0).abs() < 1e-12);
    let ints = [1i32, 2, 3, 4];
    assert_eq!(
        reduce_data(Data::I32(&ints), &r4, Reduction::Mean, &NEVER),
        Ok(Output::F64(vec![2.5]))
    );
    let mut rf = r4.clone();
    rf.float_result = true;
    assert_eq!(
        reduce_data(Data::I32(&ints), &rf, Reduction::Sum, &NEVER),
        Ok(Output::F64(vec![10.0]))
    );
    assert_eq!(
        "countNonzero".parse::<Reduction>(),
        Ok(Reduction::CountNonzero)
    );
    assert!("count_nonzero".parse::<Reduction>().is_err());
}

#[test]
fn results_written_into_a_callers_slice_equal_the_allocated_ones() {
    let data: Vec<f64> = (0..60).map(|i| ((i * 37) % 23) as f64 - 7.5).collect();
    for axes in [vec![0], vec![1], vec![0, 2], vec![]] {
        let mut r = request(&[3, 4, 5], &axes);
        let kept: usize = (0..3)
            .filter(|a| !axes.contains(a))
            .map(|a| r.shape[a])
            .product();
        for schedule in [
            Schedule::Auto,
            Schedule::Serial,
            Schedule::Mutex,
            Schedule::Lockfree,
        ] {
            r.schedule = schedule;
            for op in [
                Reduction::Max,
                Reduction::NanMin,
                Reduction::Sum,
                Reduction::Std,
            ] {
                let want = reduce_data(Data::F64(&data), &r, op, &NEVER);
                let mut out = vec![f64::NAN; kept];
                let got = reduce_data_into(Data::F64(&data), &r, op, &NEVER, Dest::F64(&mut out));
                match want {
                    Ok(w) => {
                        assert_eq!(got, Ok(()), "{op:?} {axes:?} {schedule:?}");
                        assert_eq!(w, Output::F64(out), "{op:?} {axes:?} {schedule:?}");
                    }
                    // The article's schedules refuse anything but one axis of a 2-D view.
                    Err(e) => assert_eq!(got, Err(e)),
                }
            }
        }
    }
    // The wrong length or element type is an error naming `out`, never a partial write.
    let r = request(&[3, 4, 5], &[0]);
    let mut short = vec![0.0f64; 19];
    let mut ints = vec![0i64; 20];
    for (op, dest) in [
        (Reduction::Max, Dest::F64(&mut short)),
        (Reduction::Max, Dest::I64(&mut ints)),
    ] {
        assert!(matches!(
            reduce_data_into(Data::F64(&data), &r, op, &NEVER, dest),
            Err(Error::BadArray { field: "out", .. })
        ));
    }
    let mut sum = vec![0.0f64; 19];
    assert!(matches!(
        reduce_data_into(
            Data::F64(&data),
            &r,
            Reduction::Sum,
            &NEVER,
            Dest::F64(&mut sum)
        ),
        Err(Error::BadArray { field: "out", .. })
    ));
}

/// Long float runs take a plain compare a block at a time and fall back to
/// the exact compares where a block holds a NaN or its extremum is a zero:
/// every op, both float widths, NaN, zero and infinity placements, and
/// lengths around the block size, bit for bit against the one-by-one fold.
#[test]
fn long_float_runs_keep_the_nan_zero_and_infinity_rules() {
    fn check<T: Scalar + std::fmt::Debug>(cast: impl Fn(f64) -> T, bits: impl Fn(T) -> u64) {
        fn each<T: Scalar, O: Op<T, Acc = T>>(
            op: &O,
            run: &[T],
            bits: &impl Fn(T) -> u64,
            what: &str,
        ) {
            let want = run
                .iter()
                .enumerate()
                .fold(op.init(), |a, (i, &x)| op.fold(a, x, i));
            let got = op.fold_run(op.init(), run, 0);
            assert_eq!(
                bits(got),
                bits(want),
                "{} {what} of {} elements",
                O::NAME,
                run.len()
            );
        }
        for len in [1024, 1100, 2047, 2048, 2049, 4096, 5000] {
            let base: Vec<f64> = (0..len)
                .map(|i| ((i * 7919) % 1009) as f64 - 504.5)
                .collect();
            let mut cases: Vec<(&str, Vec<f64>)> = vec![("finite", base.clone())];
            for at in [0, len / 2, len - 1] {
                let mut v = base.clone();
                v[at] = f64::NAN;
                cases.push(("one NaN", v));
                let mut v = base.clone();
                v[at] = f64::INFINITY;
                cases.push(("+inf", v));
                let mut v = vec![-0.0; len];
                v[at] = 0.0;
                cases.push(("zeros, one +0", v));
                let mut v = vec![0.0; len];
                v[at] = -0.0;
                cases.push(("zeros, one -0", v));
                let mut v: Vec<f64> = base.iter().map(|x| -x.abs() - 1.0).collect();
                v[at] = -0.0;
                cases.push(("negatives and -0", v));
            }
            cases.push(("all -inf", vec![f64::NEG_INFINITY; len]));
            cases.push(("all +inf", vec![f64::INFINITY; len]));
            cases.push(("all NaN", vec![f64::NAN; len]));
            let mut v = base.clone();
            for x in v.iter_mut().skip(1).step_by(2) {
                *x = f64::NEG_INFINITY;
            }
            cases.push(("every other -inf", v));
            for (what, v) in &cases {
                let run: Vec<T> = v.iter().map(|&x| cast(x)).collect();
                each(&Max, &run, &bits, what);
                each(&Min, &run, &bits, what);
                each(&NanMax, &run, &bits, what);
                each(&NanMin, &run, &bits, what);
            }
        }
    }
    check(|x| x, f64::to_bits);
    check(|x| x as f32, |x: f32| u64::from(x.to_bits()));
}
