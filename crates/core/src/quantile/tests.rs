//! The selection driver against the obvious version: sort each lane, then
//! apply the same index rules.

use super::*;
use crate::cancel::NEVER;
use crate::engine::Schedule;

fn request(shape: &[usize], strides: &[isize], offset: usize, axes: &[usize]) -> Request {
    let mut packed = vec![0.0, offset as f64, shape.len() as f64];
    packed.extend(shape.iter().map(|&n| n as f64));
    packed.extend(strides.iter().map(|&s| s as f64));
    packed.push(axes.len() as f64);
    packed.extend(axes.iter().map(|&a| a as f64));
    Request::unpack(&packed, Schedule::Auto).unwrap()
}

/// Sorted lanes of a 2-D view reduced along `axis`, in the kept axis' order.
fn sorted_lanes(
    data: &[f64],
    shape: [usize; 2],
    strides: [isize; 2],
    offset: usize,
    axis: usize,
) -> Vec<Vec<f64>> {
    let kept = 1 - axis;
    (0..shape[kept])
        .map(|i| {
            let mut lane: Vec<f64> = (0..shape[axis])
                .map(|j| {
                    let (r, c) = if axis == 0 { (j, i) } else { (i, j) };
                    data[(offset as isize + r as isize * strides[0] + c as isize * strides[1])
                        as usize]
                })
                .collect();
            lane.sort_by(|a, b| a.partial_cmp(b).unwrap());
            lane
        })
        .collect()
}

fn reference(lane: &[f64], method: Method, q: f64) -> f64 {
    match pick(method, lane.len(), q) {
        Pick::Take(k) => lane[k],
        Pick::Lerp {
            below,
            above,
            gamma,
        } => lerp(lane[below], lane[above], gamma),
    }
}

#[test]
fn every_method_matches_sorting_on_strided_and_reversed_views() {
    let data: Vec<f64> = (0..300)
        .map(|i| ((i * 7919) % 211) as f64 * 0.5 - 20.0)
        .collect();
    let qs = vec![0.0, 0.1, 0.25, 0.5, 0.77, 1.0];
    let layouts: [([usize; 2], [isize; 2], usize); 3] = [
        ([10, 30], [30, 1], 0),
        ([13, 7], [1, 20], 5),
        ([9, 11], [-30, -2], 290),
    ];
    for (shape, strides, offset) in layouts {
        for axis in 0..2 {
            let lanes = sorted_lanes(&data, shape, strides, offset, axis);
            let r = request(&shape, &strides, offset, &[axis]);
            for method in Method::names().map(|n| n.parse::<Method>().unwrap()) {
                let stat = Statistic::Quantiles {
                    method,
                    qs: qs.clone(),
                };
                let Output::F64(got) =
                    quantile_data(Data::F64(&data), &r, &stat, false, &NEVER).unwrap()
                else {
                    panic!()
                };
                for (qi, &q) in qs.iter().enumerate() {
                    for (l, lane) in lanes.iter().enumerate() {
                        assert_eq!(
                            got[qi * lanes.len() + l].to_bits(),
                            reference(lane, method, q).to_bits(),
                            "{method:?} q {q} lane {l} axis {axis}"
                        );
                    }
                }
            }
            let Output::F64(med) =
                quantile_data(Data::F64(&data), &r, &Statistic::Median, false, &NEVER).unwrap()
            else {
                panic!()
            };
            for (l, lane) in lanes.iter().enumerate() {
                let n = lane.len();
                let want = if n % 2 == 1 {
                    lane[n / 2]
                } else {
                    (lane[n / 2 - 1] + lane[n / 2]) / 2.0
                };
                assert_eq!(med[l], want);
            }
        }
    }
}

#[test]
fn nan_propagates_or_is_skipped_and_the_input_is_untouched() {
    let data = [3.0, f64::NAN, 1.0, f64::NAN, f64::NAN, f64::NAN];
    let copy = data;
    let r = request(&[2, 3], &[3, 1], 0, &[1]);
    let got = quantile_data(Data::F64(&data), &r, &Statistic::Median, false, &NEVER).unwrap();
    let Output::F64(v) = got else { panic!() };
    assert!(v[0].is_nan() && v[1].is_nan());
    let Output::F64(v) =
        quantile_data(Data::F64(&data), &r, &Statistic::Median, true, &NEVER).unwrap()
    else {
        panic!()
    };
    assert_eq!(v[0], 2.0);
    assert!(v[1].is_nan());
    assert_eq!(data.map(f64::to_bits), copy.map(f64::to_bits));
}

#[test]
fn picking_methods_keep_the_element_type_and_many_axes_work() {
    let data: Vec<i64> = (0..24).map(|i| (i * 5) % 24 - 3).collect();
    let r = request(&[2, 3, 4], &[12, 4, 1], 0, &[0, 2]);
    let stat = Statistic::Quantiles {
        method: Method::Higher,
        qs: vec![0.5, 1.0],
    };
    let Output::I64(v) = quantile_data(Data::I64(&data), &r, &stat, false, &NEVER).unwrap() else {
        panic!()
    };
    for m in 0..3 {
        let mut lane: Vec<i64> = (0..2)
            .flat_map(|a| (0..4).map(move |c| (a, c)))
            .map(|(a, c)| data[a * 12 + m * 4 + c])
            .collect();
        lane.sort();
        assert_eq!(v[m], lane[4]);
        assert_eq!(v[3 + m], lane[7]);
    }
    let empty = request(&[0, 3], &[3, 1], 0, &[0]);
    assert_eq!(
        quantile_data(Data::I64(&[]), &empty, &stat, true, &NEVER),
        Err(Error::ZeroSize { op: "quantile" })
    );
    assert!(quantile_data(
        Data::I64(&data),
        &r,
        &Statistic::Quantiles {
            method: Method::Linear,
            qs: vec![1.5]
        },
        false,
        &NEVER
    )
    .is_err());
}

/// A mask of a test: its data, its layout and which (row, column) it keeps.
type TestMask<'a> = (Data<'a>, &'a MaskLayout, &'a dyn Fn(usize, usize) -> bool);

/// The elements of each lane of a 2-D view reduced along `axis` that
/// `keep(row, column)` keeps, NaN dropped, sorted; in the kept axis' order.
fn kept_lanes(
    data: &[f64],
    (shape, strides, offset): ([usize; 2], [isize; 2], usize),
    axis: usize,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<Vec<f64>> {
    let kept = 1 - axis;
    (0..shape[kept])
        .map(|i| {
            let mut lane: Vec<f64> = (0..shape[axis])
                .map(|j| if axis == 0 { (j, i) } else { (i, j) })
                .filter(|&(r, c)| keep(r, c))
                .map(|(r, c)| {
                    data[(offset as isize + r as isize * strides[0] + c as isize * strides[1])
                        as usize]
                })
                .filter(|v| !v.is_nan())
                .collect();
            lane.sort_by(|a, b| a.partial_cmp(b).unwrap());
            lane
        })
        .collect()
}

#[test]
fn the_masked_gather_reads_the_mask_through_its_own_strides() {
    let data: Vec<f64> = (0..300)
        .map(|i| match i % 17 {
            5 => f64::NAN,
            _ => ((i * 7919) % 211) as f64 * 0.5 - 20.0,
        })
        .collect();
    let qs = vec![0.0, 0.3, 0.5, 0.9, 1.0];
    let layouts: [([usize; 2], [isize; 2], usize); 3] = [
        ([10, 30], [30, 1], 0),
        ([13, 7], [1, 20], 5),
        ([9, 11], [-30, -2], 290),
    ];
    for (shape, strides, offset) in layouts {
        // A uint8 mask in column-major order from offset 3 whose row 0 keeps
        // nothing, and a float32 row broadcast over the rows, reversed:
        // NaN keeps, -0.0 does not.
        let (s0, s1) = (shape[0], shape[1]);
        let bytes: Vec<u8> = (0..3 + s0 * s1)
            .map(|k| {
                if k < 3 || (k - 3) % s0 == 0 {
                    0
                } else {
                    ((k * 5) % 3 != 0) as u8
                }
            })
            .collect();
        let row: Vec<f32> = (0..s1)
            .map(|c| [f32::NAN, -0.0, 0.5, 0.0, 2.0][c % 5])
            .collect();
        let u8_keep = |r: usize, c: usize| bytes[3 + r + c * s0] != 0;
        let f32_keep = |_: usize, c: usize| row[s1 - 1 - c] != 0.0;
        let u8_layout = MaskLayout {
            strides: [1, s0 as isize].into_iter().collect(),
            offset: 3,
        };
        let f32_layout = MaskLayout {
            strides: [0, -1].into_iter().collect(),
            offset: s1 - 1,
        };
        let masks: [TestMask; 2] = [
            (Data::U8(&bytes), &u8_layout, &u8_keep),
            (Data::F32(&row), &f32_layout, &f32_keep),
        ];
        for (mask, layout, keep) in masks {
            for axis in 0..2 {
                let lanes = kept_lanes(&data, (shape, strides, offset), axis, keep);
                let r = request(&shape, &strides, offset, &[axis]);
                for method in Method::names().map(|n| n.parse::<Method>().unwrap()) {
                    let stat = Statistic::Quantiles {
                        method,
                        qs: qs.clone(),
                    };
                    let got =
                        quantile_masked(Data::F64(&data), &r, &stat, true, mask, layout, &NEVER);
                    let Ok(Output::F64(got)) = got else {
                        panic!("{got:?}")
                    };
                    for (qi, &q) in qs.iter().enumerate() {
                        for (l, lane) in lanes.iter().enumerate() {
                            let want = if lane.is_empty() {
                                f64::NAN
                            } else {
                                reference(lane, method, q)
                            };
                            assert_eq!(
                                got[qi * lanes.len() + l].to_bits(),
                                want.to_bits(),
                                "{method:?} q {q} lane {l} axis {axis} shape {shape:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_lane_the_mask_empties_is_nan_or_an_error_for_integers() {
    let data: Vec<i32> = (0..6).collect();
    let r = request(&[2, 3], &[3, 1], 0, &[1]);
    let mask = [1u8, 0, 1, 0, 0, 0];
    let layout = MaskLayout {
        strides: [3, 1].into_iter().collect(),
        offset: 0,
    };
    let lower = Statistic::Quantiles {
        method: Method::Lower,
        qs: vec![0.5],
    };
    assert_eq!(
        quantile_masked(
            Data::I32(&data),
            &r,
            &lower,
            false,
            Data::U8(&mask),
            &layout,
            &NEVER
        ),
        Err(Error::EmptyLane {
            op: "quantile",
            index: 1
        })
    );
    let got = quantile_masked(
        Data::I32(&data),
        &r,
        &Statistic::Median,
        false,
        Data::U8(&mask),
        &layout,
        &NEVER,
    );
    let Ok(Output::F64(v)) = got else {
        panic!("{got:?}")
    };
    assert!(v[0] == 1.0 && v[1].is_nan());
    let floats: Vec<f64> = (0..6).map(f64::from).collect();
    let got = quantile_masked(
        Data::F64(&floats),
        &r,
        &lower,
        false,
        Data::U8(&mask),
        &layout,
        &NEVER,
    );
    let Ok(Output::F64(v)) = got else {
        panic!("{got:?}")
    };
    assert!(v[0] == 0.0 && v[1].is_nan());
    // A mask that does not fit its data names `where`.
    let short = MaskLayout {
        strides: [3, 1].into_iter().collect(),
        offset: 1,
    };
    assert!(matches!(
        quantile_masked(
            Data::F64(&floats),
            &r,
            &lower,
            false,
            Data::U8(&mask),
            &short,
            &NEVER
        ),
        Err(Error::OutOfBounds { field: "where", .. })
    ));
}
