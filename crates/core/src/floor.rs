//! The memory-bandwidth floor: one parallel pass that reads every byte of a
//! buffer once and does nothing else. Any kernel over the same buffer that
//! beats it means this loop is not tight enough.

use multiversion::multiversion;
use rayon::prelude::*;

use crate::error::Error;
use crate::pool::run_with_threads;

/// Elements per work item: 8 MiB, large enough that each is one long
/// sequential stream, small enough that idle threads can steal the rest
/// when another is descheduled.
const CHUNK: usize = 1 << 20;

/// Folds every value into a checksum: the cheapest loop that still
/// touches each byte.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
fn xor_fold(values: &[i64]) -> i64 {
    values.iter().fold(0, |a, &v| a ^ v)
}

/// One parallel read of every element of `data`; the result is returned
/// so the compiler cannot drop the reads.
pub fn read_floor(data: &[i64], threads: Option<usize>) -> Result<i64, Error> {
    run_with_threads(threads, || {
        data.par_chunks(CHUNK)
            .map(xor_fold)
            .reduce(|| 0, |a, b| a ^ b)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_floor_is_the_xor_of_all_values() {
        let v: Vec<i64> = (0..3_000_000).map(|i| i * 31 + 7).collect();
        assert_eq!(
            super::read_floor(&v, Some(2)),
            Ok(v.iter().fold(0, |a, b| a ^ b))
        );
    }
}
