//! Tests of the variance moments: every way of folding against exact
//! rational variances.
use super::*;

/// The lane, 1.7e9 + k/1000: every value is a multiple of
/// 2^-22 below 2^31, so the exact variance is a ratio of i128s.
fn lane() -> Vec<f64> {
    (0..1000).map(|k| 1.7e9 + k as f64 / 1000.0).collect()
}

fn exact(xs: &[f64]) -> f64 {
    let ints: Vec<i128> = xs.iter().map(|x| (x * 4194304.0) as i128).collect();
    assert!(ints
        .iter()
        .zip(xs)
        .all(|(&i, &x)| i as f64 / 4194304.0 == x));
    let n = xs.len() as i128;
    let s1: i128 = ints.iter().sum();
    let s2: i128 = ints.iter().map(|i| i * i).sum();
    // (n*s2 - s1^2) / n^2, scaled back by 2^-44.
    ((n * s2 - s1 * s1) as f64 / (n * n) as f64) / 2f64.powi(44)
}

#[test]
fn every_way_of_folding_is_exact_to_rounding_with_a_mean_1e9_times_the_spread() {
    let xs = lane();
    let want = exact(&xs);
    let op = Var::<false>;
    let pushed = xs.iter().fold(Moments::EMPTY, |a, &x| {
        <Var<false> as Op<f64>>::fold(&op, a, x, 0)
    });
    let run = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &xs, 0);
    let halves = xs.chunks(333).fold(Moments::EMPTY, |a, c| {
        a.merge(<Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, c, 0))
    });
    let mixed = <Var<false> as Op<f64>>::fold_run(&op, pushed, &xs, 0);
    for (how, m, w) in [
        ("push", pushed, want),
        ("run", run, want),
        ("merged runs", halves, want),
        ("twice", mixed, want),
    ] {
        let got = m.variance(0.0);
        assert!(
            ((got - w) / w).abs() <= 4.0 * f64::EPSILON,
            "{how}: {got} vs {w}"
        );
    }
    assert!((run.mean() - 1.7e9 - 0.4995).abs() < 1e-6);
}

/// Rows folded in groups (`fold_rows`, as the engine does along a
/// leading axis), with and without a state from before, on lanes whose
/// mean jumps by 1e6 (a centre far from the later groups) and on the
/// issue's lane.
#[test]
fn groups_of_rows_are_exact_to_rounding() {
    let jump: Vec<f64> = (0..1000)
        .map(|k| if k < 20 { 0.0 } else { 1e6 } + k as f64 / 1024.0)
        .collect();
    let lanes = [lane(), jump, (0..37).map(|k| k as f64).collect()];
    let op = Var::<false>;
    for xs in &lanes {
        let want = exact(xs);
        // Three columns, the lane in each, rows in groups of 16 (the
        // middle column starts from a pushed state of the first rows).
        let mut acc = [Moments::EMPTY; 3];
        let pre = 5;
        acc[1] = xs[..pre].iter().fold(Moments::EMPTY, |a, &x| {
            <Var<false> as Op<f64>>::fold(&op, a, x, 0)
        });
        let rows: Vec<[f64; 3]> = xs.iter().map(|&x| [x, x, x]).collect();
        for (g, group) in rows.chunks(16).enumerate() {
            let refs: Vec<&[f64]> = group.iter().map(|r| &r[..]).collect();
            let mut before = acc;
            <Var<false> as Op<f64>>::fold_rows(&op, &mut acc, &refs, g * 16);
            if g * 16 < pre {
                // The middle column had these rows already: redo it
                // from its pushed state with the rows past `pre`.
                let tail: Vec<&[f64]> = group[pre - g * 16..].iter().map(|r| &r[..]).collect();
                <Var<false> as Op<f64>>::fold_rows(&op, &mut before, &tail, pre);
                acc[1] = before[1];
            }
        }
        for m in acc {
            let got = m.variance(0.0);
            assert!(
                ((got - want) / want).abs() <= 4.0 * f64::EPSILON,
                "{got} vs {want}"
            );
        }
    }
}

#[test]
fn an_overflowing_m2_stays_infinite_and_nan_stays_nan() {
    let op = Var::<false>;
    let big = [1e200, -1e200, 1e200];
    let m = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &big, 0);
    assert_eq!(m.variance(0.0), f64::INFINITY);
    // Groups of rows (the leading-axis path): the same, and an infinite
    // element is NaN (inf - inf), as NumPy's var.
    let rows: Vec<[f64; 2]> = vec![[1e200, 1.0], [-1e200, f64::INFINITY], [1e200, 2.0]];
    let refs: Vec<&[f64]> = rows.iter().map(|r| &r[..]).collect();
    let mut acc = [Moments::EMPTY; 2];
    <Var<false> as Op<f64>>::fold_rows(&op, &mut acc, &refs, 0);
    assert_eq!(acc[0].variance(0.0), f64::INFINITY);
    assert!(acc[1].variance(0.0).is_nan());
    let m = big.iter().fold(Moments::EMPTY, |a, &x| {
        <Var<false> as Op<f64>>::fold(&op, a, x, 0)
    });
    assert_eq!(m.variance(0.0), f64::INFINITY);
    let m = <Var<false> as Op<f64>>::fold_run(&op, Moments::EMPTY, &[1.0, f64::NAN], 0);
    assert!(m.variance(0.0).is_nan());
}
