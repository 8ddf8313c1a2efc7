//! Quick kernel timings without Node in the way, for tuning block sizes:
//! `cargo run --release -p ndreduce-core --example timing [rows cols threads]`.
//! The published figures come from `npm run bench`, not from here.

use std::time::Instant;

use ndreduce_core::{max, read_floor, Strategy, View2, NEVER};

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..11)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[0] // min: the machine is shared, min is the least noisy estimate
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (rows, cols, threads) = (
        *args.first().unwrap_or(&100),
        *args.get(1).unwrap_or(&1_000_000),
        *args.get(2).unwrap_or(&2),
    );
    let mut s = 42u64;
    let data: Vec<i64> = (0..rows * cols)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 100_000) as i64
        })
        .collect();
    let arr = View2::row_major(data.len(), rows, cols).unwrap();
    let floor = median_ms(|| {
        std::hint::black_box(read_floor(&data, Some(threads)).unwrap());
    });
    println!("floor {floor:.1} ms");
    for (name, v) in [("arr", arr), ("arr.T", arr.transposed())] {
        for s in [Strategy::Auto, Strategy::Serial, Strategy::Lockfree] {
            let t = median_ms(|| {
                std::hint::black_box(max(&data, &v, 0, s, Some(threads), &NEVER).unwrap());
            });
            println!("{name} {s:?} {t:.1} ms ({:.2}x floor)", t / floor);
        }
    }
    // The general engine on the same numbers, as int64 and as float64.
    use ndreduce_core::engine::reduce;
    use ndreduce_core::ops::{ArgMax, Max, Sum};
    let floats: Vec<f64> = data.iter().map(|&x| x as f64).collect();
    for (name, shape, strides) in [
        ("arr", vec![rows, cols], vec![cols as isize, 1]),
        ("arr.T", vec![cols, rows], vec![1, cols as isize]),
    ] {
        let v = ndreduce_core::ViewN::new(data.len(), shape, strides, 0).unwrap();
        let t = median_ms(|| {
            std::hint::black_box(reduce(&data, &v, &[0], &Max, Some(threads), &NEVER).unwrap());
        });
        let f = median_ms(|| {
            std::hint::black_box(reduce(&floats, &v, &[0], &Max, Some(threads), &NEVER).unwrap());
        });
        let a = median_ms(|| {
            std::hint::black_box(reduce(&data, &v, &[0], &ArgMax, Some(threads), &NEVER).unwrap());
        });
        let s = median_ms(|| {
            std::hint::black_box(reduce(&data, &v, &[0], &Sum, Some(threads), &NEVER).unwrap());
        });
        println!("{name} engine: i64 max {t:.1} ms ({:.2}x floor), f64 max {f:.1}, i64 argmax {a:.1}, i64 sum {s:.1}", t / floor);
    }
}
