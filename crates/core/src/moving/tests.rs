//! Every kernel against a slow, obvious per-window oracle, over layouts,
//! windows, min counts, NaN runs and pieces.

use super::*;
use crate::dtype::Data;
use crate::NEVER;

/// The obvious answer for one window (`vals`, oldest first, NaN included).
fn oracle(op: Moving, vals: &[f64], min_count: usize, ddof: f64) -> f64 {
    let finite: Vec<f64> = vals.iter().copied().filter(|v| !v.is_nan()).collect();
    let n = finite.len();
    if op == Moving::Rank {
        let newest = *vals.last().unwrap();
        if newest.is_nan() {
            return f64::NAN;
        }
    }
    if n < min_count || n == 0 {
        return f64::NAN;
    }
    let exact_sum = || {
        // Exact: every test value is a multiple of 2^-10 below 2^40.
        finite.iter().map(|&v| (v * 1024.0) as i128).sum::<i128>() as f64 / 1024.0
    };
    match op {
        Moving::Sum => exact_sum(),
        Moving::Mean => exact_sum() / n as f64,
        Moving::Var | Moving::Std => {
            let mean = exact_sum() / n as f64;
            let m2: f64 = finite.iter().map(|v| (v - mean) * (v - mean)).sum();
            let var = m2 / (n as f64 - ddof);
            if op == Moving::Std {
                var.sqrt()
            } else {
                var
            }
        }
        Moving::Min => finite.iter().copied().fold(f64::INFINITY, f64::min),
        Moving::Max => finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Moving::ArgMin | Moving::ArgMax => {
            let want = if op == Moving::ArgMin {
                finite.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            let at = vals.iter().rposition(|&v| v == want).unwrap();
            (vals.len() - 1 - at) as f64
        }
        Moving::Median => {
            let mut s = finite.clone();
            s.sort_by(f64::total_cmp);
            if n % 2 == 1 {
                s[n / 2]
            } else {
                (s[n / 2 - 1] + s[n / 2]) / 2.0
            }
        }
        Moving::Rank => {
            let newest = *vals.last().unwrap();
            if n == 1 {
                return 0.0;
            }
            let below = finite.iter().filter(|&&v| v < newest).count() as f64;
            let equal = finite.iter().filter(|&&v| v == newest).count() as f64;
            let r = 0.5 * (2.0 * below + equal - 1.0) / (n - 1) as f64;
            2.0 * (r - 0.5)
        }
    }
}

/// One lane of `len` elements, the window along it.
fn lane(len: usize, window: usize, min_count: usize, ddof: f64, threads: usize) -> MoveRequest {
    MoveRequest {
        shape: [len].into_iter().collect(),
        strides: [1].into_iter().collect(),
        offset: 0,
        axis: 0,
        window,
        min_count,
        ddof,
        threads: Some(threads),
    }
}

/// Axis 0 of a C-order [rows, cols] array: `cols` lanes side by side.
fn down(rows: usize, cols: usize, window: usize) -> MoveRequest {
    MoveRequest {
        shape: [rows, cols].into_iter().collect(),
        strides: [cols as isize, 1].into_iter().collect(),
        offset: 0,
        axis: 0,
        window,
        min_count: 1,
        ddof: 0.0,
        threads: Some(2),
    }
}

const OPS: [Moving; 10] = [
    Moving::Sum,
    Moving::Mean,
    Moving::Var,
    Moving::Std,
    Moving::Min,
    Moving::Max,
    Moving::ArgMin,
    Moving::ArgMax,
    Moving::Median,
    Moving::Rank,
];

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// A small pseudo-random series with NaN runs and ties.
fn series(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..len)
        .map(|i| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (s >> 33) % 64;
            if (i / 5) % 7 == 3 || r == 0 {
                f64::NAN
            } else {
                (r as f64 - 30.0) / 4.0
            }
        })
        .collect()
}

/// Checks `op` over a (rows, cols) C-order array and its transposed view
/// along both axes, against the oracle read lane by lane.
fn check(op: Moving, rows: usize, cols: usize, window: usize, min_count: usize, threads: usize) {
    let data = series(rows * cols, (rows * 31 + cols * 7 + window) as u64);
    for (shape, strides, offset) in [
        ([rows, cols], [cols as isize, 1], 0usize),
        ([cols, rows], [1, cols as isize], 0),
        ([rows, cols], [-(cols as isize), -1], rows * cols - 1),
    ] {
        for axis in 0..2 {
            if window > shape[axis] {
                continue;
            }
            let r = MoveRequest {
                shape: shape.iter().copied().collect(),
                strides: strides.iter().copied().collect(),
                offset,
                axis,
                window,
                min_count,
                ddof: 1.0,
                threads: Some(threads),
            };
            let got = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
            let at = |i: usize, j: usize| {
                data[(offset as isize + i as isize * strides[0] + j as isize * strides[1]) as usize]
            };
            for i in 0..shape[0] {
                for j in 0..shape[1] {
                    let t = if axis == 0 { i } else { j };
                    let lo = (t + 1).saturating_sub(window);
                    let vals: Vec<f64> = (lo..=t)
                        .map(|u| if axis == 0 { at(u, j) } else { at(i, u) })
                        .collect();
                    let want = oracle(op, &vals, min_count, 1.0);
                    let g = got[i * shape[1] + j];
                    assert!(close(g, want), "{op:?} shape {shape:?} axis {axis} w {window} mc {min_count} at ({i},{j}): {g} vs {want} of {vals:?}");
                }
            }
        }
    }
}

#[test]
fn every_kernel_matches_the_oracle() {
    for op in OPS {
        for (rows, cols) in [(1, 9), (7, 5), (40, 3), (3, 300)] {
            for window in [1, 2, 3, 5, 40, 300] {
                for min_count in [1, 2, window] {
                    if min_count <= window {
                        check(op, rows, cols, window, min_count, 2);
                    }
                }
            }
        }
    }
}

#[test]
fn results_are_the_same_into_any_alignment() {
    // Axis 0 of [30, 700]: rows of 128 results side by side, which go to
    // memory with streaming stores where they start on 16 bytes, and with
    // plain ones elsewhere (one element further on).
    let data = series(30 * 700, 11);
    let r = down(30, 700, 4);
    for op in [Moving::Mean, Moving::Std, Moving::Max] {
        let own = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
        for shift in [0, 1] {
            let mut buf = vec![0.0; data.len() + 1];
            let into = &mut buf[shift..shift + data.len()];
            move_data_into(Data::F64(&data), &r, op, &NEVER, into).unwrap();
            for (a, b) in own.iter().zip(&buf[shift..]) {
                assert!(a.to_bits() == b.to_bits(), "{op:?} shift {shift}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn infinities_and_nan_in_a_block_keep_the_counting_path_while_in_a_window() {
    // Lanes side by side (axis 0 of [80, 130]): a task's blocks are 64
    // rows, and only the rows after the last NaN or infinity entering or
    // leaving take the path that counts nothing, and only in chunks whose
    // windows hold no infinity. The values are small integers, so sums
    // are exact.
    let (rows, cols, window) = (80, 130, 20);
    let mut data: Vec<f64> = (0..rows * cols).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
    for (r, c, v) in [
        (5, 3, f64::INFINITY),
        (60, 7, f64::NEG_INFINITY),
        (2, 9, f64::NAN),
        (30, 11, f64::INFINITY),
        (35, 11, f64::NEG_INFINITY),
        (62, 120, f64::NAN),
    ] {
        data[r * cols + c] = v;
    }
    let r = down(rows, cols, window);
    for op in [Moving::Sum, Moving::Mean, Moving::Var] {
        let got = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
        for c in 0..cols {
            for t in 0..rows {
                let vals: Vec<f64> = ((t + 1).saturating_sub(window)..=t)
                    .map(|u| data[u * cols + c])
                    .filter(|v| !v.is_nan())
                    .collect();
                let n = vals.len() as f64;
                let (pos, neg) = (vals.contains(&f64::INFINITY), vals.contains(&f64::NEG_INFINITY));
                let sum: f64 = vals.iter().sum();
                let want = match op {
                    _ if n == 0.0 => f64::NAN,
                    Moving::Var if pos || neg => f64::NAN,
                    Moving::Var => {
                        let mean = sum / n;
                        vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
                    }
                    Moving::Mean => sum / n,
                    _ => sum,
                };
                let g = got[t * cols + c];
                assert!(close(g, want), "{op:?} at ({t}, {c}): {g} vs {want}");
            }
        }
    }
}

#[test]
fn long_lanes_split_into_pieces_give_the_same_answers() {
    // One lane of 100_000: the driver splits it (pieces overlap by window - 1).
    let data = series(100_000, 5);
    for op in OPS {
        for window in [1, 7, 1000] {
            let r = |threads| lane(data.len(), window, 1, 0.0, threads);
            let one = move_data(Data::F64(&data), &r(1), op, &NEVER).unwrap();
            let many = move_data(Data::F64(&data), &r(8), op, &NEVER).unwrap();
            for (a, b) in one.iter().zip(&many) {
                assert!(close(*a, *b), "{op:?} {window}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn sums_stay_exact_after_spikes() {
    let mut data: Vec<f64> = (0..5000)
        .map(|i| ((i * 37) % 101) as f64 * 0.001 + 0.1)
        .collect();
    data[100] = 1e16;
    data[2000] = -3e15;
    let window = 50;
    let r = lane(data.len(), window, 1, 0.0, 1);
    let got = move_data(Data::F64(&data), &r, Moving::Sum, &NEVER).unwrap();
    for t in 0..data.len() {
        // A two-pass Neumaier sum of the window alone: exact enough here.
        let lo = (t + 1).saturating_sub(window);
        let (mut s, mut c) = (0.0f64, 0.0f64);
        for &v in &data[lo..=t] {
            let (n, e) = exact::two_sum(s, v);
            s = n;
            c += e;
        }
        let want = s + c;
        assert!(
            (got[t] - want).abs() <= 2.0 * f64::EPSILON * want.abs(),
            "{t}: {} vs {want}",
            got[t]
        );
    }
    let var = move_data(Data::F64(&data), &r, Moving::Var, &NEVER).unwrap();
    for t in 200..data.len() {
        if (1990..2060).contains(&t) {
            continue;
        }
        let w = &data[t + 1 - window..=t];
        let mean = w.iter().sum::<f64>() / window as f64;
        let m2: f64 = w.iter().map(|v| (v - mean) * (v - mean)).sum();
        let want = m2 / window as f64;
        assert!(
            (var[t] - want).abs() <= 1e-12 * want,
            "{t}: {} vs {want}",
            var[t]
        );
    }
}

#[test]
fn a_rebuilt_lane_leaves_the_other_chunks_on_their_own_path() {
    // Axis 0 of a C-order [300, 200] array: a task runs 128 neighbouring
    // lanes, 16 per chunk. Chunk 0's lane 0 has a spike, so it is rebuilt
    // mid-block once the spike leaves; lanes of later chunks have NaN
    // values earlier in that block, so they must still count them.
    let (rows, cols, window) = (300, 200, 20);
    let mut data: Vec<f64> = (0..rows * cols).map(|i| ((i * 37) % 101) as f64 * 0.25).collect();
    // The spike leaves at row 22: NaN that entered lane 40 before then
    // has left too, so the rows after the rebuild hold no NaN at all.
    data[2 * cols] = 1e17;
    for t in 0..3 {
        data[t * cols + 40] = f64::NAN;
        data[(30 + t) * cols + 150] = f64::NAN;
    }
    for op in [Moving::Sum, Moving::Mean, Moving::Var] {
        let r = MoveRequest {
            ddof: 1.0,
            threads: Some(1),
            ..down(rows, cols, window)
        };
        let got = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
        for t in 0..rows {
            for l in 0..cols {
                let vals: Vec<f64> = ((t + 1).saturating_sub(window)..=t).map(|u| data[u * cols + l]).collect();
                let want = oracle(op, &vals, 1, 1.0);
                let g = got[t * cols + l];
                let near = (g.is_nan() && want.is_nan()) || (g - want).abs() <= 1e-9 * want.abs().max(1.0);
                assert!(near, "{op:?} ({t}, {l}): {g} vs {want}");
            }
        }
    }
}

#[test]
fn every_dtype_and_broadcast_views_read_correctly() {
    let ints: Vec<i8> = vec![3, -1, 4, 1, -5, 9];
    let r = MoveRequest {
        shape: [2, 6].into_iter().collect(),
        strides: [0, 1].into_iter().collect(),
        offset: 0,
        axis: 1,
        window: 2,
        min_count: 2,
        ddof: 0.0,
        threads: None,
    };
    let got = move_data(Data::I8(&ints), &r, Moving::Max, &NEVER).unwrap();
    let row = [f64::NAN, 3.0, 4.0, 4.0, 1.0, 9.0];
    for (k, g) in got.iter().enumerate() {
        assert!(close(*g, row[k % 6]));
    }
    let big: Vec<u64> = vec![u64::MAX, 1, 2];
    let r = MoveRequest {
        shape: [3].into_iter().collect(),
        strides: [1].into_iter().collect(),
        window: 1,
        min_count: 1,
        axis: 0,
        ..r
    };
    let got = move_data(Data::U64(&big), &r, Moving::Sum, &NEVER).unwrap();
    assert_eq!(got, vec![u64::MAX as f64, 1.0, 2.0]);
}

#[test]
fn bad_windows_and_min_counts_are_refused() {
    let d = [1.0f64; 4];
    let mut r = MoveRequest {
        shape: [4].into_iter().collect(),
        strides: [1].into_iter().collect(),
        offset: 0,
        axis: 0,
        window: 5,
        min_count: 1,
        ddof: 0.0,
        threads: None,
    };
    assert!(matches!(
        move_data(Data::F64(&d), &r, Moving::Sum, &NEVER),
        Err(Error::BadOption {
            field: "window",
            ..
        })
    ));
    r.window = 0;
    assert!(move_data(Data::F64(&d), &r, Moving::Sum, &NEVER).is_err());
    r.window = 2;
    r.min_count = 3;
    assert!(matches!(
        move_data(Data::F64(&d), &r, Moving::Sum, &NEVER),
        Err(Error::BadOption {
            field: "minCount",
            ..
        })
    ));
    r.min_count = 0;
    assert!(move_data(Data::F64(&d), &r, Moving::Sum, &NEVER).is_err());
    assert!(MoveRequest::unpack(&[0.0, 0.0, 1.0, 4.0, 1.0, 0.0, 2.0, 2.0], 0.0).is_ok());
    assert!(MoveRequest::unpack(&[0.0, 0.0, 1.0, 4.0, 1.0, 0.0, 2.5, 2.0], 0.0).is_err());
    assert!(MoveRequest::unpack(&[0.0, 0.0, 1.0, 4.0, 1.0, 1.0, 2.0, 2.0], 0.0).is_err());
}

#[test]
fn long_windows_switch_algorithms_and_match_the_oracle() {
    // Past 512 the median leaves its sorted array for a Fenwick tree, past
    // 4096 the extremes leave blocks for the deque.
    let data = series(9000, 11);
    for op in [Moving::Min, Moving::Max, Moving::ArgMin, Moving::ArgMax, Moving::Median] {
        for window in [512, 513, 4096, 4097, 6000] {
            let r = lane(data.len(), window, 3, 0.0, 2);
            let got = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
            for t in (0..data.len()).step_by(13) {
                let want = oracle(op, &data[(t + 1).saturating_sub(window)..=t], 3, 0.0);
                assert!(close(got[t], want), "{op:?} w {window} at {t}: {} vs {want}", got[t]);
            }
        }
    }
}

/// Values that test the extremes' rules: ties of -0.0 and 0.0 (the
/// newest decides the sign), both infinities, NaN alone and in runs that
/// fill whole windows (longer in some lanes than others).
fn extreme_series(len: usize, seed: u64) -> Vec<f64> {
    const VALUES: [f64; 9] = [-2.0, -1.0, -0.0, 0.0, 1.0, 3.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
    let mut s = seed;
    (0..len)
        .map(|i| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let r = (s >> 33) as usize;
            if i % 97 < 5 + i % 23 || (i / 13) % 41 == 7 {
                f64::NAN
            } else {
                VALUES[r % VALUES.len()]
            }
        })
        .collect()
}

#[test]
fn lockstep_min_and_max_match_the_per_lane_kernel_to_the_bit() {
    // (n along the axis, lanes): one position, fewer lanes than a chunk
    // (too few for the lockstep below 8), more than a group with a narrow
    // last one, and few long lanes cut into pieces that overlap.
    for (n, lanes, threads) in [(1, 9, 2), (9, 3, 1), (9, 8, 1), (100, 17, 2), (37, 300, 3), (40_000, 8, 4)] {
        let data = extreme_series(n * lanes, (n * 7 + lanes) as u64);
        // Axis 0 of C order, axis 1 of F order (`arr.T`), axis 0 of C
        // order read backwards, and the middle axis of a 3-D C-order array:
        // lanes side by side, so in lockstep.
        let layouts: [(Vec<usize>, Vec<isize>, usize, usize); 4] = [
            (vec![n, lanes], vec![lanes as isize, 1], 0, 0),
            (vec![lanes, n], vec![1, lanes as isize], 0, 1),
            (vec![n, lanes], vec![-(lanes as isize), -1], n * lanes - 1, 0),
            (vec![1, n, lanes], vec![(n * lanes) as isize, lanes as isize, 1], 0, 1),
        ];
        let mut windows = vec![1, 2, 7, 100, n];
        windows.retain(|&w| w <= n);
        windows.dedup();
        for (shape, strides, offset, axis) in &layouts {
            // Each output's (lane, position), and the lanes copied one
            // after the other: along their own contiguous positions the
            // moving calls run the per-lane kernel.
            let at: Vec<(usize, usize)> = (0..n * lanes)
                .map(|i| {
                    let (mut rest, mut lane, mut t) = (i, 0, 0);
                    let mut lane_scale = 1;
                    for d in (0..shape.len()).rev() {
                        let k = rest % shape[d];
                        rest /= shape[d];
                        if d == *axis {
                            t = k;
                        } else {
                            lane += k * lane_scale;
                            lane_scale *= shape[d];
                        }
                    }
                    (lane, t)
                })
                .collect();
            let v = View::new(&data[..], shape, strides, *offset).unwrap();
            let out = vec![std::mem::MaybeUninit::uninit(); v.len()];
            let suits = Lanes::of(&v, *axis, &out).is_some_and(|l| extreme_rows::suits(&l, 1));
            assert_eq!(suits, lanes >= 8, "n {n} lanes {lanes} strides {strides:?}");
            let mut contiguous = vec![0.0; n * lanes];
            for (i, &(l, t)) in at.iter().enumerate() {
                let mut rest = i;
                let mut k = *offset as isize;
                for d in (0..shape.len()).rev() {
                    k += (rest % shape[d]) as isize * strides[d];
                    rest /= shape[d];
                }
                contiguous[l * n + t] = data[k as usize];
            }
            for &window in &windows {
                let mut counts = vec![1, 2, window.div_ceil(2), window];
                counts.retain(|&c| c <= window);
                counts.dedup();
                for &min_count in &counts {
                    let what = format!("n {n} lanes {lanes} strides {strides:?} w {window} mc {min_count}");
                    let r = MoveRequest {
                        shape: shape.iter().copied().collect(),
                        strides: strides.iter().copied().collect(),
                        offset: *offset,
                        axis: *axis,
                        window,
                        min_count,
                        ddof: 0.0,
                        threads: Some(threads),
                    };
                    let per_lane = MoveRequest {
                        shape: [lanes, n].into_iter().collect(),
                        strides: [n as isize, 1].into_iter().collect(),
                        offset: 0,
                        axis: 1,
                        ..r.clone()
                    };
                    for op in [Moving::Min, Moving::Max] {
                        let got = move_data(Data::F64(&data), &r, op, &NEVER).unwrap();
                        let want = move_data(Data::F64(&contiguous), &per_lane, op, &NEVER).unwrap();
                        for (i, &(l, t)) in at.iter().enumerate() {
                            let (g, w) = (got[i], want[l * n + t]);
                            assert!(g.to_bits() == w.to_bits(), "{op:?}, {what}, lane {l} at {t}: {g} vs {w}");
                        }
                        if n * lanes * window > 3_000_000 {
                            continue;
                        }
                        // And the values are the oracle's (which ignores
                        // the sign of a zero).
                        for (i, &(l, t)) in at.iter().enumerate() {
                            let vals = &contiguous[l * n + (t + 1).saturating_sub(window)..=l * n + t];
                            let want = oracle(op, vals, min_count, 0.0);
                            assert!(close(got[i], want), "{op:?}, {what}, lane {l} at {t}: {} vs {want} of {vals:?}", got[i]);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn lanes_side_by_side_in_pieces_match_the_per_lane_path() {
    // Axis 0 of a C-order [rows, 130] float64 array: a group of 128 lanes
    // and one of 2 advance a row at a time, and 33_000 rows with 4 threads
    // cut each lane into pieces, each with its warm-up. The same values
    // laid out column by column take the per-lane path.
    let (rows, cols) = (33_000, 130);
    let mut data = series(rows * cols, 11);
    for (k, x) in data.iter_mut().enumerate() {
        if k % 10_007 == 5 {
            *x = if k % 2 == 0 { f64::INFINITY } else { f64::NEG_INFINITY };
        }
    }
    let columns: Vec<f64> = (0..rows * cols)
        .map(|k| data[(k % rows) * cols + k / rows])
        .collect();
    for op in OPS {
        for window in [1, 5, 65, 300] {
            let r = |strides: [isize; 2]| MoveRequest {
                shape: [rows, cols].into_iter().collect(),
                strides: strides.into_iter().collect(),
                offset: 0,
                axis: 0,
                window,
                min_count: 1.max(window / 2),
                ddof: 1.0,
                threads: Some(4),
            };
            let side = move_data(Data::F64(&data), &r([cols as isize, 1]), op, &NEVER).unwrap();
            let lanes = move_data(Data::F64(&columns), &r([1, rows as isize]), op, &NEVER).unwrap();
            for (k, (a, b)) in side.iter().zip(&lanes).enumerate() {
                assert!(close(*a, *b), "{op:?} w {window} at {k}: {a} vs {b}");
            }
            // And against the oracle (which takes finite values and NaN)
            // at every 997th position.
            for k in (0..rows * cols).step_by(997) {
                let (t, j) = (k / cols, k % cols);
                let vals: Vec<f64> = ((t + 1).saturating_sub(window)..=t)
                    .map(|u| data[u * cols + j])
                    .collect();
                if vals.iter().any(|x| x.is_infinite()) {
                    continue;
                }
                let want = oracle(op, &vals, 1.max(window / 2), 1.0);
                assert!(close(side[k], want), "{op:?} w {window} at ({t},{j}): {} vs {want}", side[k]);
            }
        }
    }
}
