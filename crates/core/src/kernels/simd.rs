//! Contiguous inner loops, compiled once per instruction set and chosen at
//! run time (the package build stays portable: no `target-cpu=native`).
//!
//! Checked by disassembling a release build that instantiates them
//! (`objdump -d target/release/examples/timing`): the AVX-512 clones of
//! `max_into`/`max_into4` are `vpmaxsq zmm` loops, the AVX2 clones
//! `vpcmpgtq` + `vblendvpd` on `ymm`, and `max_reduce` keeps four `zmm`
//! accumulators in flight before one horizontal merge.

use multiversion::multiversion;

use crate::element::Element;

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

/// `acc[k] = max(acc[k], a[k], b[k], c[k], d[k])`: four rows per pass over
/// the running-max block, so the block is loaded and stored a quarter as
/// often as with four calls to [`max_into`].
#[multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512bw",
    "x86_64+avx2+avx+sse4.2",
    "x86_64+sse4.2",
    "aarch64+neon"
))]
pub fn max_into4<T: Element>(acc: &mut [T], a: &[T], b: &[T], c: &[T], d: &[T]) {
    let n = acc.len();
    let (a, b, c, d) = (&a[..n], &b[..n], &c[..n], &d[..n]);
    for k in 0..n {
        acc[k] = acc[k].max_of(a[k]).max_of(b[k]).max_of(c[k]).max_of(d[k]);
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
    // A plain fold: LLVM recognises the max reduction and vectorises it with
    // several interleaved vector accumulators. A hand-made `[T; 16]` lane
    // array was scalarised into 16 registers and ran 7x slower.
    values.iter().fold(init, |m, &v| m.max_of(v))
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
    values.iter().fold(0, |a, &v| a ^ v)
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
