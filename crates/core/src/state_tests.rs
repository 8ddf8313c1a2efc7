//! Tests of `state`: chunks folded in place equal one-shot results, and bad states are refused.

use super::*;
use crate::engine::Schedule;
use crate::NEVER;

fn request(shape: &[usize], axes: &[usize]) -> Request {
    let mut strides = vec![1isize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1] as isize;
    }
    Request {
        shape: shape.iter().copied().collect(),
        strides: strides.into_iter().collect(),
        offset: 0,
        axes: axes.iter().copied().collect(),
        threads: None,
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    }
}

/// `fold_state` of float64 data, which must succeed.
fn fold(data: &[f64], r: &Request, kind: StateKind, count: f64, state: &mut [f64]) {
    fold_state(Data::F64(data), r, kind, count, state, &NEVER).unwrap();
}

#[test]
fn chunks_folded_into_a_state_equal_the_whole() {
    let whole: Vec<f64> = (0..60).map(|i| ((i * 37) % 11) as f64 + 1e6).collect();
    let (rows, cols) = (20, 3);
    // In place (rows of contiguous columns) and through the engine (the
    // transposed chunk), which must agree. Garbage in a fresh state is
    // ignored: a count of 0 says there is nothing in it.
    let mut state = vec![f64::NAN; 4 * cols];
    let mut through = vec![7.0; 4 * cols];
    let mut count = 0.0;
    for chunk in whole.chunks(5 * cols) {
        let r = request(&[chunk.len() / cols, cols], &[0]);
        fold(chunk, &r, StateKind::Moments, count, &mut state);
        let mut t = request(&[cols, chunk.len() / cols], &[1]);
        t.strides = [1, cols as isize].into_iter().collect();
        fold(chunk, &t, StateKind::Moments, count, &mut through);
        count += (chunk.len() / cols) as f64;
    }
    assert_eq!(count, rows as f64);
    for j in 0..cols {
        let column: Vec<f64> = (0..rows).map(|i| whole[i * cols + j]).collect();
        let mean = column.iter().sum::<f64>() / rows as f64;
        let m2: f64 = column.iter().map(|x| (x - mean) * (x - mean)).sum();
        for s in [&state, &through] {
            assert!((s[j] + s[2 * cols + j] - mean).abs() <= 1e-9);
            assert!((s[cols + j] + s[3 * cols + j] - m2).abs() <= 1e-6 * m2.max(1.0));
        }
        let mut out = vec![0.0; cols];
        for (stat, want) in [
            (Statistic::Mean, mean),
            (Statistic::Var, m2 / (rows - 1) as f64),
            (Statistic::Std, (m2 / (rows - 1) as f64).sqrt()),
        ] {
            state_value(StateKind::Moments, count, &state, stat, 1.0, None, &mut out).unwrap();
            assert!(
                (out[j] - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{stat:?} of column {j}: {} vs {want}",
                out[j]
            );
        }
    }
    let mut sums = vec![f64::NAN; 2 * cols];
    let mut count = 0.0;
    for chunk in whole.chunks(4 * cols) {
        let r = request(&[chunk.len() / cols, cols], &[0]);
        fold(chunk, &r, StateKind::Sum, count, &mut sums);
        count += (chunk.len() / cols) as f64;
    }
    let mut means = vec![0.0; cols];
    state_value(
        StateKind::Sum,
        count,
        &sums,
        Statistic::Mean,
        0.0,
        None,
        &mut means,
    )
    .unwrap();
    for j in 0..cols {
        let exact: f64 = (0..rows).map(|i| whole[i * cols + j]).sum();
        assert_eq!(sums[2 * j] + sums[2 * j + 1], exact);
        assert_eq!(means[j], exact / rows as f64);
    }
}

#[test]
fn a_state_value_over_many_blocks_equals_one_position_at_a_time() {
    // Past SMALL, so that the blocks run on the pool.
    let kept = SMALL + 3 * ROW_BLOCK + 1;
    let state: Vec<f64> = (0..4 * kept)
        .map(|i| ((i * 7919) % 1009) as f64 * 0.5)
        .collect();
    let mut out = vec![0.0; kept];
    state_value(
        StateKind::Moments,
        9.0,
        &state,
        Statistic::Std,
        1.0,
        Some(2),
        &mut out,
    )
    .unwrap();
    for (k, o) in out.iter().enumerate() {
        let m2 = state[kept + k] + state[3 * kept + k];
        assert_eq!(*o, (m2 / 8.0).sqrt(), "position {k}");
    }
}

#[test]
fn variance_by_block_equals_the_engines() {
    use crate::engine::reduce;
    // Wide enough for several blocks and threads; a NaN for nanvar.
    let (rows, cols) = (37, 3 * ROW_BLOCK + 5);
    let mut data: Vec<f64> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1009) as f64 * 0.25 + 1e6)
        .collect();
    data[5 * cols + 7] = f64::NAN;
    let v = View::contiguous(&data, &[rows, cols]).unwrap();
    for skip in [false, true] {
        let mut r = request(&[rows, cols], &[0]);
        r.ddof = 1.0;
        let got = variance_of_rows(&v, &r, skip, true, &NEVER, None)
            .unwrap()
            .unwrap();
        // Written into the caller's result: the same bits, nothing returned.
        let mut into = vec![f64::NAN; cols];
        let left = variance_of_rows(&v, &r, skip, true, &NEVER, Some(&mut into)).unwrap();
        assert_eq!(left.map(|o| o.len()), Some(0));
        assert!(into
            .iter()
            .zip(&got)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        let e = variance_of_rows(&v, &r, skip, true, &NEVER, Some(&mut into[1..]));
        assert!(matches!(e, Err(Error::BadArray { field: "out", .. })));
        let want = if skip {
            reduce(&v, &[0], &Var::<true>, Schedule::Auto, None, &NEVER)
        } else {
            reduce(&v, &[0], &Var::<false>, Schedule::Auto, None, &NEVER)
        }
        .unwrap();
        for (k, (g, m)) in got.iter().zip(&want).enumerate() {
            let w = m.variance(1.0).sqrt();
            assert!(
                (g - w).abs() <= 1e-12 * w || (g.is_nan() && w.is_nan()),
                "skip {skip}, column {k}: {g} vs {w}"
            );
        }
        assert_eq!(got[7].is_nan(), !skip);
    }
    // Columns of the transposed view are rows over contiguous columns;
    // its rows are not, and are left to the engine.
    let t = v.transposed();
    let by_rows = |axis: usize| {
        variance_of_rows(
            &t,
            &request(&[cols, rows], &[axis]),
            false,
            false,
            &NEVER,
            None,
        )
        .unwrap()
        .is_some()
    };
    assert!(by_rows(1));
    assert!(!by_rows(0));
}

#[test]
fn a_state_of_the_wrong_length_or_kind_is_refused() {
    let data = [1.0f64, 2.0, 3.0, 4.0];
    let r = request(&[2, 2], &[0]);
    let mut short = vec![0.0; 5];
    let e = fold_state(
        Data::F64(&data),
        &r,
        StateKind::Moments,
        0.0,
        &mut short,
        &NEVER,
    );
    assert!(matches!(e, Err(Error::BadArray { field: "state", .. })));
    let ints = [1i32, 2, 3, 4];
    let mut s = vec![0.0; 4];
    let e = fold_state(Data::I32(&ints), &r, StateKind::Sum, 0.0, &mut s, &NEVER);
    assert!(matches!(e, Err(Error::BadOption { field: "state", .. })));
    let mut s = vec![0.0; 8];
    for count in [-1.0, 0.5, f64::NAN, f64::INFINITY] {
        let e = fold_state(
            Data::F64(&data),
            &r,
            StateKind::Moments,
            count,
            &mut s,
            &NEVER,
        );
        assert!(
            matches!(e, Err(Error::BadOption { field: "count", .. })),
            "count {count}"
        );
    }
    let mut out = vec![0.0; 2];
    let e = state_value(
        StateKind::Sum,
        2.0,
        &[0.0; 4],
        Statistic::Std,
        0.0,
        None,
        &mut out,
    );
    assert!(matches!(
        e,
        Err(Error::BadOption {
            field: "statistic",
            ..
        })
    ));
    let e = state_value(
        StateKind::Moments,
        2.0,
        &[0.0; 4],
        Statistic::Std,
        0.0,
        None,
        &mut out,
    );
    assert!(matches!(e, Err(Error::BadArray { field: "state", .. })));
    assert!("median".parse::<StateKind>().is_err());
    assert!("median".parse::<Statistic>().is_err());
}

#[test]
fn wide_chunks_fold_on_the_pool_as_the_one_shot_variance() {
    // Past SMALL and several blocks wide, so that both the fresh state and
    // the later chunks run block by block on the pool.
    let (rows, cols) = (24, 2 * ROW_BLOCK + 77);
    assert!(6 * cols >= SMALL);
    let data: Vec<f64> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1009) as f64 * 0.125 + 3e5)
        .collect();
    let mut state = vec![f64::NAN; 4 * cols];
    let mut count = 0.0;
    for r0 in (0..rows).step_by(6) {
        let mut r = request(&[6, cols], &[0]);
        r.offset = r0 * cols;
        r.threads = Some(2);
        fold(&data, &r, StateKind::Moments, count, &mut state);
        count += 6.0;
    }
    let mut got = vec![0.0; cols];
    state_value(
        StateKind::Moments,
        count,
        &state,
        Statistic::Std,
        1.0,
        Some(2),
        &mut got,
    )
    .unwrap();
    let v = View::contiguous(&data, &[rows, cols]).unwrap();
    let mut whole = request(&[rows, cols], &[0]);
    whole.ddof = 1.0;
    let want = variance_of_rows(&v, &whole, false, true, &NEVER, None)
        .unwrap()
        .unwrap();
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-12 * w, "column {k}: {g} vs {w}");
    }
}
