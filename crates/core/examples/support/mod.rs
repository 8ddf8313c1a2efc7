//! What the timing examples share: the array size from the command line,
//! and the times of repeated calls.

use std::time::Instant;

/// `rows cols [more..]` from the command line: rows and cols default to
/// the article's 100 x 1,000,000; `more` is whatever numbers follow.
pub fn sizes() -> (usize, usize, Vec<usize>) {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: rows cols ..."))
        .collect();
    let rows = *args.first().unwrap_or(&100);
    let cols = *args.get(1).unwrap_or(&1_000_000);
    (rows, cols, args.into_iter().skip(2).collect())
}

/// Milliseconds of `runs` calls of `f` after one warm-up call, fastest
/// first.
pub fn times_ms(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t
}
