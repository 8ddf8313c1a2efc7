//! Blosc's two shuffles undone, over one block: the byte shuffle stores
//! byte `i` of every element together; the bit shuffle stores bit `k` of
//! every element together (a bit matrix transposed), in groups of 8
//! elements, with the bytes past the last whole group left as they were.

/// `src` (byte-shuffled, `typesize` streams) into `dst` (elements).
pub(super) fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize;
    let whole = n * typesize;
    // No whole element (a last block shorter than one, in a hostile or
    // odd frame): only the trailing bytes.
    let streams: smallvec::SmallVec<[&[u8]; 16]> = if n > 0 {
        src[..whole].chunks_exact(n).collect()
    } else {
        smallvec::SmallVec::new()
    };
    unshuffle_streams(typesize, &streams, &src[whole..], dst);
}

/// The byte shuffle undone from its streams (byte `i` of every element is
/// `streams[i]`; none, or `typesize` of equal length), wherever each one
/// lies, then `tail` (bytes past the last whole element) copied as is.
pub(super) fn unshuffle_streams(typesize: usize, streams: &[&[u8]], tail: &[u8], dst: &mut [u8]) {
    let n = streams.first().map_or(0, |s| s.len());
    assert!(
        streams.is_empty() || streams.len() == typesize && streams.iter().all(|s| s.len() == n)
    );
    assert_eq!(dst.len(), n * streams.len() + tail.len());
    let whole = n * streams.len();
    match (typesize, streams) {
        (2, &[a, b]) => unshuffle_fixed([a, b], dst, n),
        (4, &[a, b, c, d]) => unshuffle_fixed([a, b, c, d], dst, n),
        (8, &[a, b, c, d, e, f, g, h]) => unshuffle_fixed([a, b, c, d, e, f, g, h], dst, n),
        _ => {
            for (i, stream) in streams.iter().enumerate() {
                for (j, &byte) in stream.iter().enumerate() {
                    dst[j * typesize + i] = byte;
                }
            }
        }
    }
    dst[whole..].copy_from_slice(tail);
}

/// An 8x8 bit matrix (row r = byte r) transposed: bit c of row r moves
/// to bit r of row c.
fn transpose8(x: u64) -> u64 {
    let mut x = x;
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x = x ^ t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x = x ^ t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// `src` (bit-shuffled) into `dst`: bit b of byte j of element e is bit
/// `(8j + b) * n + e` of `src`, counting bits from the least significant.
pub(super) fn bitunshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize;
    if !n.is_multiple_of(8) {
        dst.copy_from_slice(src);
        return;
    }
    let whole = n * typesize;
    let row = n / 8;
    for g in 0..row {
        for j in 0..typesize {
            // Row b of the matrix: the byte holding bit b of byte j for
            // elements 8g..8g+8.
            let mut m = 0u64;
            for b in 0..8 {
                m |= (src[(8 * j + b) * row + g] as u64) << (8 * b);
            }
            let t = transpose8(m);
            for k in 0..8 {
                dst[(8 * g + k) * typesize + j] = (t >> (8 * k)) as u8;
            }
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

/// [`unshuffle_streams`] for a size known at compile time: 16 elements
/// per step with SSE2 (about 3x the scalar loop on a 16 MiB float64
/// chunk), the rest one element written whole per step (several times
/// faster than the general loop). Each stream is `n` bytes.
fn unshuffle_fixed<const T: usize>(streams: [&[u8]; T], dst: &mut [u8], n: usize) {
    let whole = n * T;
    #[cfg(target_arch = "x86_64")]
    let first = unshuffle_sse2::<T>(streams, dst, n);
    #[cfg(not(target_arch = "x86_64"))]
    let first = 0;
    for (j, out) in dst[first * T..whole].chunks_exact_mut(T).enumerate() {
        let j = first + j;
        let mut e = [0u8; T];
        for (b, s) in e.iter_mut().zip(&streams) {
            *b = s[j];
        }
        out.copy_from_slice(&e);
    }
}

/// Elements `0..done` of a byte shuffle of `T` (2, 4 or 8) streams of `n`
/// bytes each undone 16 at a time with SSE2 (part of every x86_64 CPU): a
/// load from each stream, then log2(T) rounds of interleaving; returns
/// `done`, the elements written (a multiple of 16).
#[cfg(target_arch = "x86_64")]
fn unshuffle_sse2<const T: usize>(streams: [&[u8]; T], dst: &mut [u8], n: usize) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_setzero_si128, _mm_storeu_si128, _mm_unpackhi_epi16,
        _mm_unpackhi_epi32, _mm_unpackhi_epi8, _mm_unpacklo_epi16, _mm_unpacklo_epi32,
        _mm_unpacklo_epi8,
    };
    assert!(matches!(T, 2 | 4 | 8) && streams.iter().all(|s| s.len() >= n) && dst.len() >= n * T);
    let done = n / 16 * 16;
    let d = dst.as_mut_ptr();
    for j in (0..done).step_by(16) {
        // Unaligned loads and stores: no alignment is needed.
        // SAFETY: j + 16 <= n, so loads read streams[i][j..j + 16] (i < T)
        // and stores write dst[j*T..(j+16)*T], within the lengths asserted
        // above.
        unsafe {
            let mut v = [_mm_setzero_si128(); 8];
            for (r, s) in v.iter_mut().zip(&streams) {
                *r = _mm_loadu_si128(s.as_ptr().add(j).cast());
            }
            // Round 1: bytes of streams 2k and 2k+1, pairwise.
            let mut w = [_mm_setzero_si128(); 8];
            for k in 0..T / 2 {
                w[2 * k] = _mm_unpacklo_epi8(v[2 * k], v[2 * k + 1]);
                w[2 * k + 1] = _mm_unpackhi_epi8(v[2 * k], v[2 * k + 1]);
            }
            // The T vectors of 16 whole elements, in order (unused slots
            // hold anything).
            let out: [__m128i; 8] = match T {
                2 => [w[0], w[1], w[0], w[0], w[0], w[0], w[0], w[0]],
                4 => [
                    _mm_unpacklo_epi16(w[0], w[2]),
                    _mm_unpackhi_epi16(w[0], w[2]),
                    _mm_unpacklo_epi16(w[1], w[3]),
                    _mm_unpackhi_epi16(w[1], w[3]),
                    w[0],
                    w[0],
                    w[0],
                    w[0],
                ],
                _ => {
                    // Round 2: pairs of streams 0-1 with 2-3, 4-5 with 6-7.
                    let x = [
                        _mm_unpacklo_epi16(w[0], w[2]), // elements 0..4, bytes 0..4
                        _mm_unpackhi_epi16(w[0], w[2]), // elements 4..8
                        _mm_unpacklo_epi16(w[1], w[3]), // elements 8..12
                        _mm_unpackhi_epi16(w[1], w[3]), // elements 12..16
                        _mm_unpacklo_epi16(w[4], w[6]), // the same, bytes 4..8
                        _mm_unpackhi_epi16(w[4], w[6]),
                        _mm_unpacklo_epi16(w[5], w[7]),
                        _mm_unpackhi_epi16(w[5], w[7]),
                    ];
                    // Round 3: the low and high halves of each element.
                    [
                        _mm_unpacklo_epi32(x[0], x[4]),
                        _mm_unpackhi_epi32(x[0], x[4]),
                        _mm_unpacklo_epi32(x[1], x[5]),
                        _mm_unpackhi_epi32(x[1], x[5]),
                        _mm_unpacklo_epi32(x[2], x[6]),
                        _mm_unpackhi_epi32(x[2], x[6]),
                        _mm_unpacklo_epi32(x[3], x[7]),
                        _mm_unpackhi_epi32(x[3], x[7]),
                    ]
                }
            };
            for (k, o) in out.iter().enumerate().take(T) {
                _mm_storeu_si128(d.add(j * T + 16 * k).cast(), *o);
            }
        }
    }
    done
}
