//! A grouped reduction equals the plain reduction of each group's slice,
//! gathered by hand, in both loop orders and on strided views.

use super::*;
use crate::reductions::reduce_data;
use crate::{Schedule, NEVER};

fn request(shape: &[usize], strides: &[isize], offset: usize, axis: usize) -> Request {
    Request {
        shape: shape.iter().copied().collect(),
        strides: strides.iter().copied().collect(),
        offset,
        axes: [axis].into_iter().collect(),
        threads: Some(2),
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    }
}

fn doubles(o: Output) -> Vec<f64> {
    match o {
        Output::F64(v) => v,
        Output::I32(v) => v.into_iter().map(f64::from).collect(),
        Output::I64(v) => v.into_iter().map(|x| x as f64).collect(),
        Output::U8(v) => v.into_iter().map(f64::from).collect(),
        _ => panic!("unexpected output"),
    }
}

/// The reference: group `g`'s positions gathered into a C-order copy and
/// reduced along the same axis with the plain engine.
fn by_hand(data: &[i32], r: &Request, op: Reduction, labels: &[i32], groups: usize) -> Vec<f64> {
    let axis = r.axes[0];
    let (before, after): (usize, usize) = (
        r.shape[..axis].iter().product(),
        r.shape[axis + 1..].iter().product(),
    );
    let mut out = vec![0.0; before * groups * after];
    for g in 0..groups {
        let picked: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i] == g as i32)
            .collect();
        if picked.is_empty() {
            continue;
        }
        let mut copy = Vec::new();
        for b in 0..before {
            for &i in &picked {
                for a in 0..after {
                    let mut at = r.offset as isize;
                    let (mut rest, mut k) = (b, axis);
                    while k > 0 {
                        k -= 1;
                        at += (rest % r.shape[k]) as isize * r.strides[k];
                        rest /= r.shape[k];
                    }
                    at += i as isize * r.strides[axis];
                    let mut rest = a;
                    for k in (axis + 1..r.shape.len()).rev() {
                        at += (rest % r.shape[k]) as isize * r.strides[k];
                        rest /= r.shape[k];
                    }
                    copy.push(data[at as usize]);
                }
            }
        }
        let mut shape = r.shape.clone();
        shape[axis] = picked.len();
        let strides = crate::view::View::contiguous(&copy, &shape)
            .unwrap()
            .strides()
            .to_vec();
        let sub = Request {
            offset: 0,
            strides: strides.into_iter().collect(),
            shape,
            ..r.clone()
        };
        let mut got = doubles(reduce_data(Data::I32(&copy), &sub, op, &NEVER).unwrap());
        if matches!(op, Reduction::ArgMax) {
            for v in &mut got {
                *v = picked[*v as usize] as f64;
            }
        }
        for b in 0..before {
            for a in 0..after {
                out[(b * groups + g) * after + a] = got[b * after + a];
            }
        }
    }
    out
}

#[test]
fn grouped_equals_each_groups_own_reduction() {
    let data: Vec<i32> = (0..4 * 5 * 6).map(|k| ((k * 37) % 23) - 11).collect();
    let labels = [2, 0, -1, 2, 1];
    let cases = [
        request(&[4, 5, 6], &[30, 6, 1], 0, 1),
        request(&[5, 24], &[24, 1], 0, 0),
        request(&[24, 5], &[1, 24], 0, 1),
        request(&[4, 5, 6], &[-30, 6, -1], 95, 1),
        request(&[5, 3, 2], &[2, 0, -10], 49, 0),
    ];
    for r in &cases {
        for op in [
            Reduction::Sum,
            Reduction::Mean,
            Reduction::Var,
            Reduction::Max,
            Reduction::ArgMax,
            Reduction::CountNonzero,
        ] {
            // The ops without identity get no empty group (the caller
            // rejects one); the others get group 3, empty.
            let groups = if matches!(op, Reduction::Max | Reduction::ArgMax) {
                3
            } else {
                4
            };
            let l = Labels::new(&labels, groups).unwrap();
            let got = doubles(reduce_grouped(Data::I32(&data), r, op, &l, &NEVER).unwrap());
            let want = by_hand(&data, r, op, &labels, groups);
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                // Group 3 is empty: NaN for mean and var, the identity for
                // sum and count (checked against NumPy in the node tests).
                if k / r.shape[r.axes[0] + 1..].iter().product::<usize>() % groups == 3 {
                    continue;
                }
                assert!(
                    a == b || (a - b).abs() < 1e-9 * b.abs(),
                    "{op:?} {r:?} at {k}: {a} vs {b}"
                );
            }
            assert_eq!(got.len(), want.len());
        }
    }
}

#[test]
fn labels_past_the_groups_are_rejected() {
    assert!(matches!(
        Labels::new(&[0, 3], 3),
        Err(Error::OutOfBounds {
            field: "by",
            index: 3,
            len: 3
        })
    ));
    let l = Labels::new(&[1, -5, 1, 0], 3).unwrap();
    assert_eq!(l.runs, vec![(0, 1, 1), (2, 3, 1), (3, 4, 0)]);
    assert_eq!((l.count(0), l.count(1), l.count(2)), (1.0, 2.0, 0.0));
}
