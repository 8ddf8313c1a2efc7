//! The memory-bandwidth floor: one parallel pass that reads every byte of a
//! buffer once and does nothing else. Any kernel over the same buffer that
//! beats it means this loop is not tight enough.

use rayon::prelude::*;

use crate::kernels::simd::xor_fold;

/// Elements per work item: 8 MiB, large enough that each is one long
/// sequential stream, small enough that idle threads can steal the rest
/// when another is descheduled (one chunk per thread lost to that on a
/// shared machine, and then the layout kernels "beat" the floor).
const CHUNK: usize = 1 << 20;

/// Folds all of `data` with XOR in large contiguous chunks across the
/// current pool. The result is returned so the compiler cannot drop the reads.
pub fn read_everything(data: &[i64], threads: usize) -> i64 {
    if threads <= 1 {
        return xor_fold(data);
    }
    data.par_chunks(CHUNK)
        .map(xor_fold)
        .reduce(|| 0, |a, b| a ^ b)
}
