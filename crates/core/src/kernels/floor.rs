//! The memory-bandwidth floor: one parallel pass that reads every byte of a
//! buffer once and does nothing else. Any kernel over the same buffer that
//! beats it means this loop is not tight enough.

use rayon::prelude::*;

use crate::kernels::simd::xor_fold;

/// Folds all of `data` with XOR, one large contiguous chunk per thread.
/// The result is returned so the compiler cannot drop the reads.
pub fn read_everything(data: &[i64], threads: usize) -> i64 {
    if threads <= 1 {
        return xor_fold(data);
    }
    let chunk = data.len().div_ceil(threads).max(1);
    data.par_chunks(chunk).map(xor_fold).reduce(|| 0, |a, b| a ^ b)
}
