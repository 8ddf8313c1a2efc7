//! `by` with `where` equals, group by group, the masked reduction whose
//! mask also drops every position of the other groups (the plain masked
//! engine, a different walk), in both loop orders, on strided, negative
//! and broadcast views of the data and of the mask.

use super::*;
use crate::masked::reduce_masked;
use crate::reductions::no_identity;
use crate::{Schedule, NEVER};

fn request(shape: &[usize], strides: &[isize], offset: usize, axis: usize) -> Request {
    Request {
        shape: shape.into(),
        strides: strides.into(),
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
        Output::I64(v) => v.into_iter().map(|x| x as f64).collect(),
        Output::U8(v) => v.into_iter().map(f64::from).collect(),
        _ => panic!("unexpected output"),
    }
}

/// The flat C-order index of each element of `shape`, as `(index, coords)`.
fn coords(shape: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    (0..n)
        .map(|mut p| {
            let mut c = vec![0; shape.len()];
            for k in (0..shape.len()).rev() {
                c[k] = p % shape[k];
                p /= shape[k];
            }
            c
        })
        .collect()
}

/// The reference: for each group, the plain masked reduction with a
/// C-order mask that keeps what `mask` keeps at the group's positions.
#[allow(clippy::too_many_arguments)]
fn by_hand(
    data: &[f64],
    r: &Request,
    op: Reduction,
    labels: &[i32],
    groups: usize,
    mask: &[f64],
    ml: &MaskLayout,
) -> Result<Vec<f64>, Error> {
    let axis = r.axes[0];
    let (before, after): (usize, usize) = (
        r.shape[..axis].iter().product(),
        r.shape[axis + 1..].iter().product(),
    );
    let mut out = vec![f64::NAN; before * groups * after];
    let all = coords(&r.shape);
    let mut strides: Vec<isize> = vec![0; r.shape.len()];
    let mut step = 1isize;
    for k in (0..r.shape.len()).rev() {
        strides[k] = step;
        step *= r.shape[k] as isize;
    }
    let own = MaskLayout {
        strides: strides.into_iter().collect(),
        offset: 0,
    };
    for g in 0..groups {
        let keep: Vec<u8> = all
            .iter()
            .map(|c| {
                let at: isize = ml.offset as isize
                    + c.iter()
                        .zip(&ml.strides)
                        .map(|(&i, &s)| i as isize * s)
                        .sum::<isize>();
                u8::from(labels[c[axis]] == g as i32 && mask[at as usize] != 0.0)
            })
            .collect();
        let got = doubles(reduce_masked(
            Data::F64(data),
            r,
            Data::U8(&keep),
            &own,
            op,
            true,
            &NEVER,
        )?);
        for b in 0..before {
            for a in 0..after {
                out[(b * groups + g) * after + a] = got[b * after + a];
            }
        }
    }
    Ok(out)
}

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
fn grouped_masked_equals_each_groups_masked_reduction() {
    let mut data = values(4 * 5 * 6, 7);
    data[13] = f64::NAN;
    data[40] = f64::NAN;
    let mask: Vec<f64> = values(4 * 5 * 6, 11)
        .iter()
        .map(|v| f64::from(*v > -3.0))
        .collect();
    let labels = [2, 0, -1, 2, 1];
    // (data layout, mask layout): C order, the reduced axis outermost and
    // innermost, reversed, strided, a broadcast mask.
    let c3 = |o| MaskLayout {
        strides: [30, 6, 1].into_iter().collect(),
        offset: o,
    };
    let cases = [
        (request(&[4, 5, 6], &[30, 6, 1], 0, 1), c3(0)),
        (
            request(&[5, 24], &[24, 1], 0, 0),
            MaskLayout {
                strides: [24, 1].into_iter().collect(),
                offset: 0,
            },
        ),
        (
            request(&[24, 5], &[1, 24], 0, 1),
            MaskLayout {
                strides: [5, 1].into_iter().collect(),
                offset: 0,
            },
        ),
        (request(&[4, 5, 6], &[-30, 6, -1], 95, 1), c3(0)),
        (
            request(&[5, 3, 2], &[2, 0, -10], 49, 0),
            MaskLayout {
                strides: [1, 0, 7].into_iter().collect(),
                offset: 3,
            },
        ),
        (
            request(&[4, 5, 6], &[30, 6, 1], 0, 2),
            MaskLayout {
                strides: [0, 6, -1].into_iter().collect(),
                offset: 5,
            },
        ),
    ];
    let labels6 = [1, 1, 0, -4, 2, 0];
    // The ops without identity: no group empty by its labels, each of two
    // positions, and a mask that keeps most, so that most results exist.
    let (full5, full6) = ([0, 1, 0, 1, -1], [1, 1, 0, -4, 0, 1]);
    let dense: Vec<f64> = values(4 * 5 * 6, 13)
        .iter()
        .map(|v| f64::from(*v > -8.0))
        .collect();
    let mut compared = std::collections::HashMap::new();
    use Reduction::*;
    for (r, ml) in &cases {
        for op in [
            Sum,
            NanSum,
            Mean,
            NanMean,
            Var,
            NanStd,
            Prod,
            Max,
            NanMin,
            Ptp,
            ArgMax,
            NanArgMin,
            Any,
            All,
            CountNonzero,
        ] {
            let six = r.shape[r.axes[0]] == 6;
            let strict = no_identity(op).is_some();
            let (l, groups, mask): (&[i32], usize, &[f64]) = match (strict, six) {
                (false, false) => (&labels, 4, &mask), // group 3 is empty by its labels
                (false, true) => (&labels6, 4, &mask),
                (true, false) => (&full5, 2, &dense),
                (true, true) => (&full6, 2, &dense),
            };
            let labels = Labels::new(l, groups).unwrap();
            let res = reduce_grouped_masked(
                Data::F64(&data),
                r,
                op,
                &labels,
                Data::F64(mask),
                ml,
                true,
                &NEVER,
            );
            let want = by_hand(&data, r, op, l, groups, mask, ml);
            // An empty position of an arg op: both say so (`AllNan`).
            let (got, want) = match (res.map(doubles), want) {
                (Ok(got), Ok(want)) => (got, want),
                (got, want) => {
                    assert_eq!(got.map(|_| ()), want.map(|_| ()), "{op:?} {r:?}");
                    continue;
                }
            };
            assert_eq!(got.len(), want.len());
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                let same = a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-9 * b.abs();
                assert!(same, "{op:?} {r:?} at {k}: {a} vs {b}");
            }
            *compared.entry(format!("{op:?}")).or_insert(0) += 1;
        }
    }
    // Every op was compared on most layouts (not only errors on both sides).
    assert!(
        compared.len() == 15 && compared.values().all(|&n| n >= 3),
        "{compared:?}"
    );
}

#[test]
fn a_group_the_mask_empties_is_named() {
    // Two groups along axis 1 of a 2 x 4 array; the mask keeps nothing of
    // group 1 in row 1 (result index 1 * 2 + 1).
    let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let mask = [1u8, 1, 1, 0, 1, 0, 1, 0];
    let labels = Labels::new(&[0, 1, 0, 1], 2).unwrap();
    let r = request(&[2, 4], &[4, 1], 0, 1);
    let ml = MaskLayout {
        strides: [4, 1].into_iter().collect(),
        offset: 0,
    };
    let run = |op, empty_ok| {
        reduce_grouped_masked(
            Data::F64(&data),
            &r,
            op,
            &labels,
            Data::U8(&mask),
            &ml,
            empty_ok,
            &NEVER,
        )
    };
    let err = run(Reduction::Max, false).unwrap_err();
    assert_eq!(
        err,
        Error::EmptyGroup {
            op: "maximum",
            group: 1,
            index: 3
        }
    );
    assert!(
        err.to_string().contains("group 1 at output index 3"),
        "{err}"
    );
    // With `initial` coming (empty_ok) the position holds the op's start.
    assert_eq!(
        doubles(run(Reduction::Max, true).unwrap()),
        [3.0, 2.0, 7.0, f64::NEG_INFINITY]
    );
    assert_eq!(
        doubles(run(Reduction::Sum, false).unwrap()),
        [4.0, 2.0, 12.0, 0.0]
    );
    let mean = doubles(run(Reduction::Mean, false).unwrap());
    assert_eq!(mean[..3], [2.0, 2.0, 6.0]);
    assert!(mean[3].is_nan());
    // The arg ops have no `initial`: their empty group is the error too.
    let err = run(Reduction::NanArgMin, false).unwrap_err();
    assert_eq!(
        err,
        Error::EmptyGroup {
            op: "nanargmin",
            group: 1,
            index: 3
        }
    );
}
