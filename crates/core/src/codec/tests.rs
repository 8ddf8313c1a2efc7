use super::shuffle::{bitunshuffle, unshuffle};
use super::*;
use std::io::Write;

/// The chunk decoded into a new vector of `expected` bytes (never an
/// abort for a huge one: headers are checked first, then the allocation).
fn decode(src: &[u8], codec: Codec, expected: usize, swap: usize) -> Result<Vec<u8>, Error> {
    check_declared(src, codec, expected)?;
    let mut out = zeroed(expected)?;
    decode_into(src, codec, &mut out, swap)?;
    Ok(out)
}

fn sample(n: usize) -> Vec<u8> {
    (0..n as u32)
        .flat_map(|i| (i * 7 + i / 3).to_le_bytes())
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn lz4(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_le_bytes().to_vec();
    v.extend(lz4_flex::block::compress(data));
    v
}

/// A blosc frame of one byte-shuffled block, split in `typesize` LZ4
/// streams (what c-blosc writes for shuffle + lz4).
fn blosc_lz4_shuffled(data: &[u8], typesize: usize) -> Vec<u8> {
    blosc_shuffled_storing(data, typesize, |_| false)
}

/// The same, with the streams `raw(i)` names stored as they are (what
/// c-blosc does with a stream that does not compress).
fn blosc_shuffled_storing(data: &[u8], typesize: usize, raw: impl Fn(usize) -> bool) -> Vec<u8> {
    let n = data.len() / typesize;
    let mut shuffled = vec![0u8; data.len()];
    for j in 0..n {
        for i in 0..typesize {
            shuffled[i * n + j] = data[j * typesize + i];
        }
    }
    let mut body = Vec::new();
    for (i, part) in shuffled.chunks(n).enumerate() {
        let c = if raw(i) {
            part.to_vec()
        } else {
            lz4_flex::block::compress(part)
        };
        body.extend((c.len() as u32).to_le_bytes());
        body.extend(c);
    }
    let mut f = vec![2, 1, DOSHUFFLE_LZ4, typesize as u8];
    let total = 16 + 4 + body.len();
    for v in [data.len(), data.len(), total] {
        f.extend((v as u32).to_le_bytes());
    }
    f.extend(20u32.to_le_bytes());
    f.extend(body);
    f
}
const DOSHUFFLE_LZ4: u8 = 0x1 | (1 << 5);

#[test]
fn each_codec_round_trips() {
    let data = sample(4096);
    let n = data.len();
    assert_eq!(decode(&data, Codec::Raw, n, 0).unwrap(), data);
    assert_eq!(decode(&gzip(&data), Codec::Gzip, n, 0).unwrap(), data);
    assert_eq!(decode(&zlib(&data), Codec::Zlib, n, 0).unwrap(), data);
    assert_eq!(
        decode(&zstd::bulk::compress(&data, 1).unwrap(), Codec::Zstd, n, 0).unwrap(),
        data
    );
    assert_eq!(decode(&lz4(&data), Codec::Lz4, n, 0).unwrap(), data);
    assert_eq!(
        decode(&blosc_lz4_shuffled(&data, 4), Codec::Blosc, n, 0).unwrap(),
        data
    );
}

#[test]
fn big_endian_elements_are_swapped() {
    let out = decode(&[1, 2, 3, 4, 5, 6, 7, 8], Codec::Raw, 8, 4).unwrap();
    assert_eq!(out, [4, 3, 2, 1, 8, 7, 6, 5]);
}

#[test]
fn bitunshuffle_matches_the_definition() {
    let typesize = 3;
    let n = 16;
    let elems: Vec<u8> = (0..n * typesize).map(|i| (i * 37 + 11) as u8).collect();
    // Bit b of byte j of element e goes to bit (8j + b) * n + e.
    let mut shuffled = vec![0u8; elems.len()];
    for e in 0..n {
        for j in 0..typesize {
            for b in 0..8 {
                if (elems[e * typesize + j] >> b) & 1 == 1 {
                    let k = (8 * j + b) * n + e;
                    shuffled[k / 8] |= 1 << (k % 8);
                }
            }
        }
    }
    let mut out = vec![0u8; elems.len()];
    bitunshuffle(typesize, &shuffled, &mut out);
    assert_eq!(out, elems);
}

#[test]
fn unshuffle_of_each_size_matches_the_general_loop() {
    // Counts below, at and past the SIMD loop's 16 elements per step.
    for (typesize, elements) in
        (1..=9).flat_map(|t| [0, 1, 13, 15, 16, 17, 33, 100, 1000].map(|e| (t, e)))
    {
        let src: Vec<u8> = (0..typesize * elements + (typesize - 1).min(5))
            .map(|i| (i * 31 + 7) as u8)
            .collect();
        let n = src.len() / typesize;
        let mut want = src.clone();
        for j in 0..n {
            for i in 0..typesize {
                want[j * typesize + i] = src[i * n + j];
            }
        }
        let mut got = vec![0u8; src.len()];
        unshuffle(typesize, &src, &mut got);
        assert_eq!(got, want, "typesize {typesize}, {elements} elements");
    }
}

#[test]
fn unshuffle_keeps_trailing_bytes() {
    let src = [0, 2, 1, 3, 9];
    let mut dst = [0u8; 5];
    unshuffle(2, &src, &mut dst);
    assert_eq!(dst, [0, 1, 2, 3, 9]);
}

fn is_codec_error(r: Result<Vec<u8>, Error>) -> bool {
    matches!(r, Err(Error::Codec { .. }) | Err(Error::TooLarge { .. }))
}

#[test]
fn wrong_lengths_are_errors() {
    let data = sample(1000);
    let n = data.len();
    for (codec, bytes) in [
        (Codec::Gzip, gzip(&data)),
        (Codec::Zlib, zlib(&data)),
        (Codec::Zstd, zstd::bulk::compress(&data, 1).unwrap()),
        (Codec::Lz4, lz4(&data)),
        (Codec::Blosc, blosc_lz4_shuffled(&data, 4)),
        (Codec::Raw, data.clone()),
    ] {
        for expected in [0, n - 1, n + 1, n * 2] {
            assert!(
                is_codec_error(decode(&bytes, codec, expected, 0)),
                "{codec:?} {expected}"
            );
        }
    }
}

#[test]
fn truncated_and_garbage_input_is_an_error_not_a_panic() {
    let data = sample(2000);
    let n = data.len();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (codec, bytes) in [
        (Codec::Gzip, gzip(&data)),
        (Codec::Zlib, zlib(&data)),
        (Codec::Zstd, zstd::bulk::compress(&data, 1).unwrap()),
        (Codec::Lz4, lz4(&data)),
        (Codec::Blosc, blosc_lz4_shuffled(&data, 4)),
    ] {
        for cut in [0, 1, 3, 4, 15, 16, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                decode(&bytes[..cut], codec, n, 0).is_err(),
                "{codec:?} cut at {cut}"
            );
        }
        for _ in 0..300 {
            let mut bad = bytes.clone();
            for _ in 0..1 + rand() % 4 {
                let at = (rand() as usize) % bad.len();
                bad[at] = rand() as u8;
            }
            // Either an error or some output of exactly the chunk's length.
            if let Ok(out) = decode(&bad, codec, n, 0) {
                assert_eq!(out.len(), n);
            }
        }
        let noise: Vec<u8> = (0..500).map(|_| rand() as u8).collect();
        assert!(decode(&noise, codec, n, 0).is_err(), "{codec:?} noise");
    }
}

#[test]
fn blosc_headers_that_lie_are_errors() {
    let data = sample(512);
    let good = blosc_lz4_shuffled(&data, 4);
    let n = data.len();
    let patch = |at: usize, v: u32| {
        let mut f = good.clone();
        f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        f
    };
    for bad in [
        patch(8, 0),            // block size 0
        patch(8, 1),            // a million blocks, no table for them
        patch(12, u32::MAX),    // cbytes beyond the frame
        patch(16, u32::MAX),    // block offset beyond the frame
        patch(16, 3),           // block offset inside the header
        patch(20, 0x7fff_ffff), // stream length beyond the frame
    ] {
        assert!(is_codec_error(decode(&bad, Codec::Blosc, n, 0)));
    }
    let mut zero_type = good.clone();
    zero_type[3] = 0;
    assert!(is_codec_error(decode(&zero_type, Codec::Blosc, n, 0)));
    let mut blosclz = good.clone();
    blosclz[2] &= 0x1f;
    assert!(matches!(
        decode(&blosclz, Codec::Blosc, n, 0),
        Err(Error::CodecUnsupported { .. })
    ));
}

#[test]
fn huge_declared_sizes_do_not_allocate() {
    // The expected size comes from the chunk's shape; a frame claiming
    // more is refused before any allocation.
    let mut f = vec![2, 1, DOSHUFFLE_LZ4, 8];
    for v in [u32::MAX, 1 << 16, 32] {
        f.extend(v.to_le_bytes());
    }
    assert!(is_codec_error(decode(&f, Codec::Blosc, 64, 0)));
    let mut l = u32::MAX.to_le_bytes().to_vec();
    l.extend([0u8; 8]);
    assert!(is_codec_error(decode(&l, Codec::Lz4, 64, 0)));
}

#[test]
fn chunk_files_decode_into_a_reused_buffer() {
    let dir = std::env::temp_dir().join(format!("ndreduce-codec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = sample(4096);
    let n = data.len();
    let mut out = vec![0xAAu8; n];
    let encoded = [
        (Codec::Raw, data.clone()),
        (Codec::Gzip, gzip(&data)),
        (Codec::Zlib, zlib(&data)),
        (Codec::Zstd, zstd::bulk::compress(&data, 1).unwrap()),
        (Codec::Lz4, lz4(&data)),
        (Codec::Blosc, blosc_lz4_shuffled(&data, 4)),
    ];
    for (codec, bytes) in &encoded {
        let path = dir.join(codec.name());
        std::fs::write(&path, bytes).unwrap();
        out.fill(0xAA);
        assert_eq!(
            decode_file(&path, *codec, &mut out, 0),
            Ok(true),
            "{codec:?}"
        );
        assert_eq!(out, data, "{codec:?}");
        // A file one byte short, or one more than any encoding of n bytes,
        // is a codec error, never a short or padded chunk.
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(
            matches!(
                decode_file(&path, *codec, &mut out, 0),
                Err(Error::Codec { .. })
            ),
            "{codec:?}"
        );
        let mut long = bytes.clone();
        long.resize(encoded_bound(n) + 1, 0);
        std::fs::write(&path, &long).unwrap();
        assert!(
            matches!(
                decode_file(&path, *codec, &mut out, 0),
                Err(Error::Codec { .. })
            ),
            "{codec:?}"
        );
    }
    // No file: Zarr's missing chunk, and the buffer is left as it was.
    out.fill(7);
    assert_eq!(
        decode_file(&dir.join("absent"), Codec::Zstd, &mut out, 0),
        Ok(false)
    );
    assert!(out.iter().all(|&b| b == 7));
    // A directory where a chunk should be is an I/O error.
    assert!(matches!(
        decode_file(&dir, Codec::Raw, &mut out, 0),
        Err(Error::File { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stored_streams_are_unshuffled_from_the_frame() {
    // Streams stored as they are, compressed, and both, for each element
    // size the shuffle has a fixed path for (and one it has not).
    for typesize in [2, 4, 8, 3] {
        let data = sample(4096 * typesize / 4);
        for raw in [
            |_: usize| true,
            |i: usize| i.is_multiple_of(2),
            |i: usize| i == 1,
        ] {
            let frame = blosc_shuffled_storing(&data, typesize, raw);
            let mut out = vec![0u8; data.len()];
            decode_into(&frame, Codec::Blosc, &mut out, 0).unwrap();
            assert_eq!(out, data, "typesize {typesize}");
        }
    }
}
