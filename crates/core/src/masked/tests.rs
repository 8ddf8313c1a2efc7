use super::*;
use crate::reductions::reduce_data;
use crate::{Schedule, NEVER};

fn request(shape: &[usize], strides: &[isize], offset: usize, axes: &[usize]) -> Request {
    Request {
        shape: shape.into(),
        strides: strides.into(),
        offset,
        axes: axes.into(),
        threads: None,
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    }
}

fn c_strides(shape: &[usize]) -> Axes<isize> {
    let mut s: Axes<isize> = smallvec::smallvec![0; shape.len()];
    let mut step = 1isize;
    for k in (0..shape.len()).rev() {
        s[k] = step;
        step *= shape[k] as isize;
    }
    s
}

/// A small deterministic generator (no dependency for a test).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 17) as f64 - 8.0
        })
        .collect()
}

#[test]
fn an_all_ones_mask_gives_the_unmasked_result() {
    let shape = [3usize, 4, 5];
    let data = values(60, 1);
    let ones = vec![1u8; 60];
    let layout = MaskLayout {
        strides: c_strides(&shape),
        offset: 0,
    };
    for axes in [&[0usize][..], &[1], &[2], &[0, 2], &[0, 1, 2]] {
        let r = request(&shape, &c_strides(&shape), 0, axes);
        for op in [
            "min",
            "max",
            "sum",
            "prod",
            "mean",
            "var",
            "argmin",
            "argmax",
            "ptp",
            "any",
            "all",
            "countNonzero",
        ] {
            let op: Reduction = op.parse().unwrap();
            let plain = reduce_data(Data::F64(&data), &r, op, &NEVER).unwrap();
            let masked = reduce_masked(
                Data::F64(&data),
                &r,
                Data::U8(&ones),
                &layout,
                op,
                false,
                &NEVER,
            )
            .unwrap();
            match (&plain, &masked) {
                // Variance folds in another order (one element at a time):
                // the same to rounding.
                (Output::F64(p), Output::F64(m)) if op == Reduction::Var => {
                    for (a, b) in p.iter().zip(m) {
                        assert!(
                            (a - b).abs() <= 1e-12 * a.abs(),
                            "{op:?} over {axes:?}: {a} {b}"
                        );
                    }
                }
                _ => assert_eq!(plain, masked, "{op:?} over {axes:?}"),
            }
        }
    }
}

#[test]
fn a_mask_equals_the_reduction_of_the_kept_elements() {
    // Reduced along axis 1 of [4, 50] (lanes) and axis 0 of its
    // transpose-like layout [50, 4] (rows), with a mask broadcast along
    // axis 0 from a [1, 50] f32 row in reverse order.
    let data = values(200, 7);
    let row: Vec<f32> = (0..50)
        .map(|k| if k % 3 == 0 { 0.0 } else { -0.5 })
        .collect();
    let kept: Vec<usize> = (0..50).rev().filter(|&k| k % 3 != 0).collect();
    let r = request(&[4, 50], &[50, 1], 0, &[1]);
    let layout = MaskLayout {
        strides: smallvec::smallvec![0, -1],
        offset: 49,
    };
    let got = reduce_masked(
        Data::F64(&data),
        &r,
        Data::F32(&row),
        &layout,
        Reduction::Sum,
        false,
        &NEVER,
    )
    .unwrap();
    let want: Vec<f64> = (0..4)
        .map(|i| {
            (0..50)
                .filter(|&j| kept.contains(&(49 - j)))
                .map(|j| data[i * 50 + j])
                .sum()
        })
        .collect();
    assert_eq!(got, Output::F64(want));
    // The same data seen as [50, 4] with strides [1, 50], reduced along axis 0.
    let r = request(&[50, 4], &[1, 50], 0, &[0]);
    let layout = MaskLayout {
        strides: smallvec::smallvec![-1, 0],
        offset: 49,
    };
    let got = reduce_masked(
        Data::F64(&data),
        &r,
        Data::F32(&row),
        &layout,
        Reduction::ArgMax,
        false,
        &NEVER,
    )
    .unwrap();
    let want: Vec<f64> = (0..4)
        .map(|i| {
            let mut best: Option<(f64, usize)> = None;
            for j in 0..50 {
                if row[49 - j] != 0.0 && best.is_none_or(|b| data[i * 50 + j] > b.0) {
                    best = Some((data[i * 50 + j], j));
                }
            }
            best.unwrap().1 as f64
        })
        .collect();
    assert_eq!(got, Output::F64(want));
}

#[test]
fn empty_lanes_follow_each_reductions_rule() {
    let data = [1.0f64, 2.0, 3.0, 4.0];
    let mask = [1u8, 1, 0, 0];
    let r = request(&[2, 2], &[2, 1], 0, &[1]);
    let layout = MaskLayout {
        strides: c_strides(&[2, 2]),
        offset: 0,
    };
    let go = |op: &str, empty_ok| {
        reduce_masked(
            Data::F64(&data),
            &r,
            Data::U8(&mask),
            &layout,
            op.parse().unwrap(),
            empty_ok,
            &NEVER,
        )
    };
    assert_eq!(
        go("max", false),
        Err(Error::EmptyLane {
            op: "maximum",
            index: 1
        })
    );
    assert_eq!(
        go("argmin", false),
        Err(Error::EmptyLane {
            op: "argmin",
            index: 1
        })
    );
    assert_eq!(
        go("max", true),
        Ok(Output::F64(vec![2.0, f64::NEG_INFINITY]))
    );
    assert_eq!(go("sum", false), Ok(Output::F64(vec![3.0, 0.0])));
    assert_eq!(go("prod", false), Ok(Output::F64(vec![2.0, 1.0])));
    assert_eq!(go("all", false), Ok(Output::U8(vec![1, 1])));
    let Ok(Output::F64(mean)) = go("mean", false) else {
        panic!()
    };
    assert_eq!(mean[0], 1.5);
    assert!(mean[1].is_nan());
}

#[test]
fn long_masked_views_split_across_threads_as_one_pass_would() {
    // Big enough to take the parallel paths: rows, lanes and a split lane.
    let n = 1 << 17;
    let data = values(2 * n, 3);
    let mask: Vec<i16> = (0..2 * n).map(|k| (k % 5 == 1) as i16).collect();
    let strides = c_strides(&[2, n]);
    let layout = MaskLayout {
        strides: strides.clone(),
        offset: 0,
    };
    for axes in [&[0usize][..], &[1], &[0, 1]] {
        let r = request(&[2, n], &strides, 0, axes);
        let got = reduce_masked(
            Data::F64(&data),
            &r,
            Data::I16(&mask),
            &layout,
            Reduction::CountNonzero,
            false,
            &NEVER,
        )
        .unwrap();
        let Output::F64(got) = got else { panic!() };
        let total: f64 = got.iter().sum();
        let want = (0..2 * n).filter(|&k| k % 5 == 1 && data[k] != 0.0).count();
        assert_eq!(total, want as f64, "{axes:?}");
    }
}

#[test]
fn the_neutral_element_stands_for_dropped_elements_in_both_orders() {
    // NaN, both zeros and both infinities among the values, a mask of
    // mixed flags: each lane equals the plain reduction of its kept
    // elements, gathered by hand, for every op that folds blocks with a
    // neutral element, along both axes of a [6, 37] view with a stride of 2.
    let (rows, cols) = (6usize, 37usize);
    let specials = [f64::NAN, 0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY];
    let data: Vec<f64> = values(2 * rows * cols, 11)
        .into_iter()
        .enumerate()
        .map(|(k, v)| if k % 7 == 3 { specials[(k / 7) % 5] } else { v })
        .collect();
    let mask: Vec<u8> = (0..rows * cols).map(|k| (k * 5 % 3 != 0) as u8).collect();
    let (xs, ms) = ([2 * cols as isize, 2], [cols as isize, 1]);
    let layout = MaskLayout {
        strides: ms[..].into(),
        offset: 0,
    };
    let at = |i: usize, j: usize| (data[i * 2 * cols + 2 * j], mask[i * cols + j] != 0);
    let ops = [
        "max",
        "min",
        "nanmax",
        "nanmin",
        "sum",
        "nansum",
        "mean",
        "nanmean",
        "any",
        "all",
        "countNonzero",
    ];
    for axis in [0usize, 1] {
        let r = request(&[rows, cols], &xs, 0, &[axis]);
        let lanes = if axis == 0 { cols } else { rows };
        let len = if axis == 0 { rows } else { cols };
        for op in ops {
            let op: Reduction = op.parse().unwrap();
            let got = reduce_masked(
                Data::F64(&data),
                &r,
                Data::U8(&mask),
                &layout,
                op,
                true,
                &NEVER,
            )
            .unwrap();
            let got = match got {
                Output::F64(v) => v,
                Output::U8(v) => v.into_iter().map(f64::from).collect(),
                _ => panic!("unexpected output"),
            };
            assert_eq!(got.len(), lanes);
            for (lane, &g) in got.iter().enumerate() {
                let kept: Vec<f64> = (0..len)
                    .map(|k| if axis == 0 { at(k, lane) } else { at(lane, k) })
                    .filter(|e| e.1)
                    .map(|e| e.0)
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                let one = request(&[kept.len()], &[1], 0, &[0]);
                let want = match reduce_data(Data::F64(&kept), &one, op, &NEVER).unwrap() {
                    Output::F64(v) => v[0],
                    Output::U8(v) => f64::from(v[0]),
                    _ => panic!("unexpected output"),
                };
                let same = g.to_bits() == want.to_bits()
                    || (g.is_nan() && want.is_nan())
                    || (g - want).abs() <= 1e-12 * want.abs();
                assert!(same, "{op:?} axis {axis} lane {lane}: {g} vs {want}");
            }
        }
    }
}
