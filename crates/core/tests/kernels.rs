//! Every strategy against the obvious loop, on fixed layouts and on random
//! strided views drawn by proptest.

use ndreduce_core::{max, Cancel, Error, Strategy, View2, NEVER};
use proptest::prelude::{prop_assert, prop_assert_eq, proptest, ProptestConfig, Strategy as _};

const STRATEGIES: [Strategy; 4] = [
    Strategy::Serial,
    Strategy::Mutex,
    Strategy::Lockfree,
    Strategy::Auto,
];

fn reference(data: &[i64], v: &View2, axis: usize) -> Vec<i64> {
    let (outer, inner) = if axis == 0 {
        (v.cols(), v.rows())
    } else {
        (v.rows(), v.cols())
    };
    (0..outer)
        .map(|o| {
            (0..inner)
                .map(|k| {
                    if axis == 0 {
                        data[v.index(k, o)]
                    } else {
                        data[v.index(o, k)]
                    }
                })
                .fold(i64::MIN, i64::max)
        })
        .collect()
}

fn check_all(data: &[i64], v: &View2) {
    for axis in [0, 1] {
        let expect = reference(data, v, axis);
        for s in STRATEGIES {
            for threads in [None, Some(1), Some(3)] {
                let got = max(data, v, axis, s, threads, &NEVER).unwrap();
                assert_eq!(
                    got, expect,
                    "{s:?} axis {axis} threads {threads:?} view {v:?}"
                );
            }
        }
    }
}

fn values(n: usize) -> Vec<i64> {
    (0..n as i64)
        .map(|i| match i % 11 {
            0 => i64::MIN,
            5 => i64::MAX - i,
            _ => (i * 2_654_435_761) % 1_000_003 - 500_000,
        })
        .collect()
}

#[test]
fn fixed_layouts_match_the_reference() {
    // Large enough to take the parallel paths of `auto`.
    let (r, c) = (70, 1500);
    let data = values(r * c + 5);
    let layouts = [
        View2::new(data.len(), [r, c], [c as isize, 1], 0).unwrap(),
        View2::new(data.len(), [r, c], [1, r as isize], 0).unwrap(),
        View2::new(data.len(), [c, r], [1, c as isize], 0).unwrap(),
        View2::new(data.len(), [r, c], [-(c as isize), 1], (r - 1) * c).unwrap(),
        View2::new(data.len(), [r, c], [c as isize, -1], c - 1).unwrap(),
        View2::new(data.len(), [r, c], [c as isize, 1], 5).unwrap(),
        View2::new(data.len(), [r / 2, c / 2], [2 * c as isize, 2], 1).unwrap(),
        View2::new(data.len(), [1, r * c], [0, 1], 0).unwrap(),
        View2::new(data.len(), [r * c, 1], [1, 0], 0).unwrap(),
        View2::new(data.len(), [3, 4], [0, 0], 2).unwrap(),
    ];
    for v in &layouts {
        check_all(&data, v);
    }
}

#[test]
fn empty_reductions_follow_numpy() {
    let v = View2::new(0, [0, 3], [3, 1], 0).unwrap();
    assert_eq!(
        max::<i64>(&[], &v, 0, Strategy::Auto, None, &NEVER),
        Err(Error::ZeroSize { op: "maximum" })
    );
    let v = View2::new(0, [3, 0], [0, 1], 0).unwrap();
    assert_eq!(
        max::<i64>(&[], &v, 0, Strategy::Serial, None, &NEVER),
        Ok(vec![])
    );
    assert!(max::<i64>(&[], &v, 1, Strategy::Serial, None, &NEVER).is_err());
}

#[test]
fn a_raised_cancel_flag_aborts_every_strategy() {
    let data = values(200_000);
    let v = View2::row_major(data.len(), 100, 2000).unwrap();
    let cancel = Cancel::new();
    cancel.cancel();
    for s in STRATEGIES {
        assert_eq!(
            max(&data, &v, 0, s, Some(2), &cancel),
            Err(Error::Aborted),
            "{s:?}"
        );
    }
}

#[test]
fn thread_counts_are_bounded() {
    let data = values(4);
    let v = View2::row_major(4, 2, 2).unwrap();
    assert!(max(&data, &v, 0, Strategy::Auto, Some(0), &NEVER).is_err());
    assert!(max(&data, &v, 0, Strategy::Auto, Some(1_000_000), &NEVER).is_err());
}

/// A random view that fits `len` elements, or parameters that do not.
fn any_view() -> impl proptest::strategy::Strategy<Value = (usize, [usize; 2], [isize; 2], usize)> {
    (
        0usize..400,
        0usize..9,
        0usize..9,
        -12isize..12,
        -12isize..12,
        0usize..420,
    )
        .prop_map(|(len, r, c, s0, s1, off)| (len, [r, c], [s0, s1], off))
}

/// 2000 cases in `npm test`; `NDREDUCE_FUZZ_CASES=1000000` for a long run by hand.
fn fuzz_cases() -> u32 {
    std::env::var("NDREDUCE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]
    #[test]
    fn random_views_are_rejected_or_reduced_correctly((len, shape, strides, offset) in any_view()) {
        let data = values(len);
        match View2::new(len, shape, strides, offset) {
            Ok(v) => {
                // Accepted views really lie inside the data.
                for i in 0..v.rows() { for j in 0..v.cols() { prop_assert!(v.index(i, j) < len); } }
                for axis in [0, 1] {
                    let n_reduced = if axis == 0 { v.rows() } else { v.cols() };
                    for s in STRATEGIES {
                        let got = max(&data, &v, axis, s, Some(2), &NEVER);
                        if n_reduced == 0 { prop_assert!(got.is_err()); }
                        else { prop_assert_eq!(got.unwrap(), reference(&data, &v, axis)); }
                    }
                }
            }
            Err(_) => {
                // Rejected views really reach outside (or overflow).
                let [r, c] = shape;
                if r > 0 && c > 0 {
                    let reach = |n: usize, s: isize| (n as i128 - 1) * s as i128;
                    let lo = offset as i128 + reach(r, strides[0]).min(0) + reach(c, strides[1]).min(0);
                    let hi = offset as i128 + reach(r, strides[0]).max(0) + reach(c, strides[1]).max(0);
                    prop_assert!(lo < 0 || hi >= len as i128);
                } else {
                    prop_assert!(offset > len);
                }
            }
        }
    }
}
