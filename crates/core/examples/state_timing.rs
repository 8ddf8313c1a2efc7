//! A partial's state (`state::fold_state` then `state_value`) over a
//! [rows, cols] float64 array pushed as ten chunks of rows, next to the
//! one-shot call, without Node in the way, for profiling:
//! `cargo run --release -p ndreduce-core --example state_timing [rows cols]`.
//! The published figures come from `npm run bench`, not from here.

use std::time::Instant;

use ndreduce_core::dtype::Data;
use ndreduce_core::reductions::{reduce_data, Reduction, Request};
use ndreduce_core::state::{fold_state, state_value, StateKind, Statistic};
use ndreduce_core::{Schedule, NEVER};

mod support;

fn median_ms(f: impl FnMut()) -> f64 {
    support::times_ms(9, f)[4]
}

fn main() {
    let (rows, cols, _) = support::sizes();
    let data: Vec<f64> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1_000_003) as f64 * 1e-3)
        .collect();
    let request = |rows: usize, offset: usize| Request {
        shape: [rows, cols].into_iter().collect(),
        strides: [cols as isize, 1].into_iter().collect(),
        offset,
        axes: [0].into_iter().collect(),
        threads: None,
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    };
    let step = rows.div_ceil(10);
    for (op, kind, stat) in [
        (Reduction::Mean, StateKind::Sum, Statistic::Mean),
        (Reduction::Std, StateKind::Moments, Statistic::Std),
    ] {
        let whole = request(rows, 0);
        let one = median_ms(|| {
            reduce_data(Data::F64(&data), &whole, op, &NEVER).unwrap();
        });
        let (mut first, mut rest, mut value) = (0.0, 0.0, 0.0);
        let partial = median_ms(|| {
            let mut state = vec![0.0; kind.width() * cols];
            let mut count = 0.0;
            for r0 in (0..rows).step_by(step) {
                let n = step.min(rows - r0);
                let s = Instant::now();
                fold_state(
                    Data::F64(&data),
                    &request(n, r0 * cols),
                    kind,
                    count,
                    &mut state,
                    &NEVER,
                )
                .unwrap();
                let t = s.elapsed().as_secs_f64() * 1e3;
                if count == 0.0 {
                    first = t;
                } else {
                    rest = t;
                }
                count += n as f64;
            }
            let s = Instant::now();
            let mut out = vec![0.0; cols];
            state_value(kind, count, &state, stat, 0.0, None, &mut out).unwrap();
            value = s.elapsed().as_secs_f64() * 1e3;
        });
        println!(
            "{op:?}: one-shot {one:.1} ms, partial {partial:.1} ms ({:.2}x; last run: first push {first:.1}, a later one {rest:.1}, value {value:.1})",
            partial / one
        );
    }
}
