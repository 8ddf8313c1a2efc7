//! Quick engine timings without Node in the way, for tuning block sizes:
//! `cargo run --release -p ndreduce-core --example timing [rows cols threads]`.
//! The published figures come from `npm run bench`, not from here.

use ndreduce_core::engine::{reduce, Schedule};
use ndreduce_core::ops::{Max, Sum, Var};
use ndreduce_core::{read_floor, View, NEVER};

mod support;

fn best_ms(f: impl FnMut()) -> f64 {
    support::times_ms(7, f)[0] // the least disturbed run on a shared machine
}

fn main() {
    let (rows, cols, more) = support::sizes();
    let threads = Some(*more.first().unwrap_or(&2));
    let data: Vec<i64> = (0..(rows * cols) as i64)
        .map(|i| (i * 7919) % 1_000_003)
        .collect();
    let floats: Vec<f64> = data.iter().map(|&x| x as f64).collect();
    let arr = View::contiguous(&data, &[rows, cols]).unwrap();
    let t = arr.transposed();
    let floor = best_ms(|| {
        read_floor(&data, threads).unwrap();
    });
    println!("floor {floor:.1} ms");
    for (name, v, axis) in [("arr", &arr, 0), ("arr.T", &t, 0)] {
        for s in [
            Schedule::Auto,
            Schedule::Serial,
            Schedule::Mutex,
            Schedule::Lockfree,
        ] {
            let ms = best_ms(|| {
                reduce(v, &[axis], &Max, s, threads, &NEVER).unwrap();
            });
            println!(
                "{name} axis {axis} max {s:?}: {ms:.1} ms ({:.2}x floor)",
                ms / floor
            );
        }
    }
    let fv = View::contiguous(&floats, &[rows, cols]).unwrap();
    let ms = best_ms(|| {
        reduce(&fv, &[0], &Max, Schedule::Auto, threads, &NEVER).unwrap();
    });
    println!("f64 arr max auto: {ms:.1} ms");
    let ft = fv.transposed();
    let ms = best_ms(|| {
        reduce(&ft, &[0], &Max, Schedule::Auto, threads, &NEVER).unwrap();
    });
    println!("f64 arr.T max auto: {ms:.1} ms");
    for (name, v) in [("arr", &fv), ("arr.T", &ft)] {
        let ms = best_ms(|| {
            reduce(v, &[0], &Sum::<false>, Schedule::Auto, threads, &NEVER).unwrap();
        });
        println!("f64 {name} compensated sum axis 0: {ms:.1} ms");
        let ms = best_ms(|| {
            reduce(v, &[0], &Var::<false>, Schedule::Auto, threads, &NEVER).unwrap();
        });
        println!("f64 {name} variance moments axis 0: {ms:.1} ms");
    }
    for (name, v) in [("arr", &arr), ("arr.T", &t)] {
        let ms = best_ms(|| {
            reduce(v, &[0], &Sum::<false>, Schedule::Auto, threads, &NEVER).unwrap();
        });
        println!("i64 {name} exact sum axis 0: {ms:.1} ms");
    }
    let fo = View::new(&data, &[cols, rows], &[1, cols as isize], 0).unwrap();
    let ms = best_ms(|| {
        reduce(&fo, &[0, 1], &Max, Schedule::Auto, threads, &NEVER).unwrap();
    });
    println!("F-order max over every axis: {ms:.1} ms");
}
