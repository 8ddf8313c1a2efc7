//! Contiguous inner loops, compiled once per instruction set and chosen at
//! run time (the package build stays portable: no `target-cpu=native`).
//!
//! Checked by reading the assembly of the release build
//! (`cargo rustc --release -p ndreduce-core -- --emit asm`): the AVX-512
//! clone of `max_into` is a `vpmaxsq zmm` loop, the AVX2 clone
//! `vpcmpgtq` + `vblendvpd` on `ymm`, and `max_reduce` keeps several vector
//! accumulators in flight before one horizontal merge.

use multiversion::multiversion;

use crate::element::Element;

/// Independent accumulators in `max_reduce`: enough to hide the latency of
/// the compare/select chain and let LLVM use several vector registers.
const LANES: usize = 16;

/// `acc[k] = max(acc[k], row[k])` for every k: the running-max row update.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
pub fn max_into<T: Element>(acc: &mut [T], row: &[T]) {
    for (a, &r) in acc.iter_mut().zip(row) {
        *a = a.max_of(r);
    }
}

/// The maximum of a contiguous slice, starting from `init`.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
pub fn max_reduce<T: Element>(init: T, values: &[T]) -> T {
    let mut lanes = [init; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = l.max_of(v);
        }
    }
    let mut m = init;
    for &v in chunks.remainder().iter().chain(lanes.iter()) {
        m = m.max_of(v);
    }
    m
}

/// Reads every value once and folds it into a checksum: the cheapest loop
/// that still touches each byte, used as the memory-bandwidth floor.
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
pub fn xor_fold(values: &[i64]) -> i64 {
    let mut lanes = [0i64; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l ^= v;
        }
    }
    chunks.remainder().iter().chain(lanes.iter()).fold(0, |a, &v| a ^ v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_into_and_reduce_agree_with_iterators() {
        let row: Vec<i64> = (0..1000).map(|i| (i * 7919) % 1013 - 500).collect();
        let mut acc = vec![0i64; 1000];
        max_into(&mut acc, &row);
        for (a, r) in acc.iter().zip(&row) {
            assert_eq!(*a, (*r).max(0));
        }
        for n in [0, 1, 15, 16, 17, 999] {
            let expect = row[..n].iter().copied().fold(i64::MIN, i64::max);
            assert_eq!(max_reduce(i64::MIN, &row[..n]), expect);
        }
        assert_eq!(max_reduce(i64::MIN, &[i64::MIN, i64::MAX]), i64::MAX);
    }

    #[test]
    fn xor_fold_is_the_xor_of_all_values() {
        let v: Vec<i64> = (0..100).map(|i| i * 31 + 7).collect();
        assert_eq!(xor_fold(&v), v.iter().fold(0, |a, b| a ^ b));
    }
}
