//! Blosc's two shuffles undone, over one block: the byte shuffle stores
//! byte `i` of every element together; the bit shuffle stores bit `k` of
//! every element together (a bit matrix transposed), in groups of 8
//! elements, with the bytes past the last whole group left as they were.

/// `src` (byte-shuffled, `typesize` streams) into `dst` (elements).
pub(super) fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize;
    let whole = n * typesize;
    match typesize {
        2 => return unshuffle_fixed::<2>(src, dst, n),
        4 => return unshuffle_fixed::<4>(src, dst, n),
        8 => return unshuffle_fixed::<8>(src, dst, n),
        _ => {}
    }
    for (i, stream) in src[..whole].chunks_exact(n).enumerate() {
        for (j, &byte) in stream.iter().enumerate() {
            dst[j * typesize + i] = byte;
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
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

/// [`unshuffle`] for a size known at compile time: one element written
/// whole per step (several times faster than the general loop).
fn unshuffle_fixed<const T: usize>(src: &[u8], dst: &mut [u8], n: usize) {
    let whole = n * T;
    let streams: [&[u8]; T] = std::array::from_fn(|i| &src[i * n..(i + 1) * n]);
    for (j, out) in dst[..whole].chunks_exact_mut(T).enumerate() {
        let mut e = [0u8; T];
        for (b, s) in e.iter_mut().zip(&streams) {
            *b = s[j];
        }
        out.copy_from_slice(&e);
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}
