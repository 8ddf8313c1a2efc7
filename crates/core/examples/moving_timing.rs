//! Moving-window timings without Node in the way, for profiling the
//! driver: `cargo run --release -p ndreduce-core --example moving_timing
//! [rows cols threads only]`. The published figures come from `npm run bench`.

use std::time::Instant;

use ndreduce_core::dtype::Data;
use ndreduce_core::moving::{move_data, MoveRequest, Moving};
use ndreduce_core::NEVER;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |k: usize, d: usize| args.get(k).map_or(d, |a| a.parse().unwrap());
    let (rows, cols, threads) = (num(0, 100), num(1, 1_000_000), num(2, 2));
    let only = args.get(3).cloned().unwrap_or_default();
    // A cheap deterministic stand-in for normal data.
    let mut seed = 42u64;
    let data: Vec<f64> = (0..rows * cols)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect();
    let c = |w: usize, axis: usize, op: Moving| (rows, cols, 1isize, cols as isize, axis, w, op);
    let tasks = [
        ("mean axis 1", c(100, 1, Moving::Mean)),
        ("std axis 1", c(100, 1, Moving::Std)),
        ("max axis 1", c(100, 1, Moving::Max)),
        ("max w1 axis 1", c(1, 1, Moving::Max)),
        ("argmin axis 1", c(100, 1, Moving::ArgMin)),
        ("max axis 0 w10", c(10, 0, Moving::Max)),
        // The window is at most the rows.
        ("max axis 0 w1000", c(rows.min(1000), 0, Moving::Max)),
        ("median axis 1", c(100, 1, Moving::Median)),
        ("mean axis 0 w10", c(10, 0, Moving::Mean)),
        ("mean of T axis 0", (cols, rows, cols as isize, 1, 0, 100, Moving::Mean)),
        ("max of T axis 1 w10", (cols, rows, cols as isize, 1, 1, 10, Moving::Max)),
    ];
    for (name, (r, k, s1, s0, axis, window, op)) in tasks {
        if !only.is_empty() && !name.contains(&only) {
            continue;
        }
        let req = MoveRequest {
            shape: [r, k].into_iter().collect(),
            strides: [s0, s1].into_iter().collect(),
            offset: 0,
            axis,
            window,
            min_count: window,
            ddof: 0.0,
            threads: Some(threads),
        };
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let out = move_data(Data::F64(&data), &req, op, &NEVER).unwrap();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(out);
        }
        println!("{name}: {best:.1} ms");
    }
}
