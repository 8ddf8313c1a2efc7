//! Masked (`where`) and grouped (`by`) timings next to the plain calls,
//! without Node in the way, for profiling their drivers:
//! `cargo run --release -p ndreduce-core --example where_timing [rows cols]`.
//! The published figures come from `npm run bench`, not from here.

use ndreduce_core::dtype::Data;
use ndreduce_core::groups::{reduce_grouped, Labels};
use ndreduce_core::masked::{reduce_masked, MaskLayout};
use ndreduce_core::reductions::{reduce_data, Reduction, Request};
use ndreduce_core::{Schedule, NEVER};

mod support;

fn best_ms(f: impl FnMut()) -> f64 {
    support::times_ms(5, f)[0]
}

fn main() {
    let (rows, cols, _) = support::sizes();
    // A cheap deterministic spread of values and a mask of about half ones.
    let data: Vec<f64> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1_000_003) as f64 - 5e5)
        .collect();
    let mask: Vec<u8> = (0..rows * cols)
        .map(|i| ((i.wrapping_mul(2654435761) >> 7) & 1) as u8)
        .collect();
    let request = |axis: usize| Request {
        shape: [rows, cols].into_iter().collect(),
        strides: [cols as isize, 1].into_iter().collect(),
        offset: 0,
        axes: [axis].into_iter().collect(),
        threads: None,
        schedule: Schedule::Auto,
        ddof: 0.0,
        float_result: false,
    };
    let layout = MaskLayout {
        strides: [cols as isize, 1].into_iter().collect(),
        offset: 0,
    };
    for axis in [0, 1] {
        let r = request(axis);
        for op in [Reduction::Sum, Reduction::Max] {
            let plain = best_ms(|| {
                reduce_data(Data::F64(&data), &r, op, &NEVER).unwrap();
            });
            let masked = best_ms(|| {
                let m = Data::U8(&mask);
                reduce_masked(Data::F64(&data), &r, m, &layout, op, false, &NEVER).unwrap();
            });
            println!(
                "{op:?} axis {axis}: plain {plain:.1} ms, masked {masked:.1} ms ({:.2}x)",
                masked / plain
            );
        }
        let n = [rows, cols][axis];
        let labels: Vec<i32> = (0..n).map(|i| (i % 12) as i32).collect();
        let labels = Labels::new(&labels, 12).unwrap();
        let plain = best_ms(|| {
            reduce_data(Data::F64(&data), &r, Reduction::Mean, &NEVER).unwrap();
        });
        let grouped = best_ms(|| {
            reduce_grouped(Data::F64(&data), &r, Reduction::Mean, &labels, &NEVER).unwrap();
        });
        println!(
            "Mean axis {axis}: plain {plain:.1} ms, by 12 groups {grouped:.1} ms ({:.2}x)",
            grouped / plain
        );
    }
}
