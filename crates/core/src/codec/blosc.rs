//! Blosc v1 frames (what numcodecs' Blosc writes): a 16-byte header, a
//! table of block offsets, and per block one or `typesize` compressed
//! streams, then the block's byte or bit shuffle undone. Every offset and
//! length read from the frame is checked against the frame and against
//! the block it fills before it is used.

use smallvec::SmallVec;

use super::shuffle::{bitunshuffle, unshuffle, unshuffle_streams};
use super::{corrupt, inflate_into, length_error, lz4_into, zeroed};
use crate::Error;

const HEADER: usize = 16;
const DOSHUFFLE: u8 = 0x1;
const MEMCPYED: u8 = 0x2;
const DOBITSHUFFLE: u8 = 0x4;
const DODELTA: u8 = 0x8;
const NOSPLIT: u8 = 0x10;

fn u32_at(src: &[u8], at: usize) -> Result<u32, Error> {
    src.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| {
            corrupt(
                "blosc",
                format!("frame of {} bytes ends before offset {}", src.len(), at + 4),
            )
        })
}

/// The internal codec a frame's flags name (bits 5 to 7).
#[derive(Clone, Copy)]
enum Inner {
    Lz4,
    Zlib,
    Zstd,
}

fn inner_of(flags: u8) -> Result<Inner, Error> {
    match flags >> 5 {
        1 => Ok(Inner::Lz4),
        3 => Ok(Inner::Zlib),
        4 => Ok(Inner::Zstd),
        0 => Err(Error::CodecUnsupported {
            what: "blosc with its blosclz compressor".into(),
        }),
        2 => Err(Error::CodecUnsupported {
            what: "blosc with its snappy compressor".into(),
        }),
        n => Err(corrupt("blosc", format!("unknown compressor code {n}"))),
    }
}

fn stream_into(
    inner: Inner,
    src: &[u8],
    dst: &mut [u8],
    zstd: &mut Option<zstd::bulk::Decompressor<'static>>,
) -> Result<(), Error> {
    match inner {
        Inner::Lz4 => lz4_into("blosc", src, dst),
        Inner::Zlib => inflate_into("blosc", flate2::bufread::ZlibDecoder::new(src), dst),
        Inner::Zstd => {
            if zstd.is_none() {
                *zstd = Some(
                    zstd::bulk::Decompressor::new().map_err(|e| corrupt("blosc", e.to_string()))?,
                );
            }
            let ctx = zstd.as_mut().expect("just set");
            let n = ctx
                .decompress_to_buffer(src, dst)
                .map_err(|e| corrupt("blosc", format!("zstd stream: {e}")))?;
            if n != dst.len() {
                return Err(length_error("blosc", n, dst.len()));
            }
            Ok(())
        }
    }
}

/// The decoded length a frame's header gives, if it has a header.
pub(super) fn declared(src: &[u8]) -> Option<usize> {
    (src.len() >= HEADER)
        .then(|| u32_at(src, 4).ok())
        .flatten()
        .map(|n| n as usize)
}

/// A whole blosc frame decoded into `out`, which it must fill exactly.
pub(super) fn decode_into(src: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let expected = out.len();
    if src.len() < HEADER {
        return Err(corrupt(
            "blosc",
            format!("frame of {} bytes is shorter than its header", src.len()),
        ));
    }
    let (version, flags, typesize) = (src[0], src[2], src[3] as usize);
    if version == 0 || version > 2 {
        // numcodecs writes format 2 (c-blosc 1.x); anything else is not a
        // v1 frame at all.
        return Err(corrupt("blosc", format!("frame format version {version}")));
    }
    let nbytes = u32_at(src, 4)? as usize;
    let blocksize = u32_at(src, 8)? as usize;
    let cbytes = u32_at(src, 12)? as usize;
    if nbytes != expected {
        return Err(length_error("blosc", nbytes, expected));
    }
    if cbytes > src.len() {
        return Err(corrupt(
            "blosc",
            format!("header says {cbytes} bytes, frame has {}", src.len()),
        ));
    }
    if flags & DODELTA != 0 {
        return Err(Error::CodecUnsupported {
            what: "blosc's delta filter".into(),
        });
    }
    if flags & MEMCPYED != 0 {
        // Stored as is (incompressible), shuffle not applied.
        let body = &src[HEADER..];
        if body.len() < nbytes {
            return Err(length_error("blosc", body.len(), nbytes));
        }
        out.copy_from_slice(&body[..nbytes]);
        return Ok(());
    }
    if nbytes == 0 {
        return Ok(());
    }
    if blocksize == 0 || typesize == 0 {
        return Err(corrupt(
            "blosc",
            format!("block size {blocksize}, type size {typesize}"),
        ));
    }
    let inner = inner_of(flags)?;
    let nblocks = nbytes.div_ceil(blocksize);
    let table = HEADER + 4 * nblocks;
    if table > src.len() {
        return Err(corrupt(
            "blosc",
            format!(
                "{nblocks} block offsets do not fit a frame of {} bytes",
                src.len()
            ),
        ));
    }
    TMP.with(|tmp| {
        // No block is longer than the chunk: a header's larger block size
        // must not make the thread keep that much.
        let need = blocksize.min(nbytes);
        let mut tmp = tmp.borrow_mut();
        if tmp.len() < need {
            *tmp = zeroed(need)?;
        }
        blocks(
            src,
            out,
            &mut tmp[..need],
            Frame {
                flags,
                typesize,
                blocksize,
                inner,
                table,
            },
        )
    })?;
    Ok(())
}

thread_local! {
    /// A thread's shuffled block, reused from frame to frame.
    static TMP: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What the header of a frame says, once checked.
#[derive(Clone, Copy)]
struct Frame {
    flags: u8,
    typesize: usize,
    blocksize: usize,
    inner: Inner,
    table: usize,
}

/// The frame's blocks decoded into `out`, through `tmp` (the longest
/// block's worth) where a shuffle must be undone.
fn blocks(src: &[u8], out: &mut [u8], tmp: &mut [u8], f: Frame) -> Result<(), Error> {
    let Frame {
        flags,
        typesize,
        blocksize,
        inner,
        table,
    } = f;
    let mut zstd = None;
    for (b, dst) in out.chunks_mut(blocksize).enumerate() {
        let bsize = dst.len();
        let leftover = bsize < blocksize;
        let start = u32_at(src, HEADER + 4 * b)? as usize;
        if start < table || start > src.len() {
            return Err(corrupt(
                "blosc",
                format!("block {b} starts at {start}, outside the frame"),
            ));
        }
        let nstreams = if flags & NOSPLIT == 0 && !leftover {
            typesize
        } else {
            1
        };
        if !bsize.is_multiple_of(nstreams) {
            return Err(corrupt(
                "blosc",
                format!("block of {bsize} bytes does not split into {nstreams} streams"),
            ));
        }
        let neblock = bsize / nstreams;
        // c-blosc's rule: the byte shuffle wins where both flags are set.
        let byte_shuffled = flags & DOSHUFFLE != 0 && typesize > 1;
        let bit_shuffled = !byte_shuffled && flags & DOBITSHUFFLE != 0 && bsize >= typesize;
        let shuffled = byte_shuffled || bit_shuffled;
        // One stream per byte of the element: a stream stored as is (the
        // noisy low bytes of floats) is unshuffled from the frame itself,
        // not copied first.
        let direct = byte_shuffled && nstreams == typesize;
        let mut stored: SmallVec<[Option<&[u8]>; 16]> = SmallVec::new();
        let target: &mut [u8] = if shuffled { &mut tmp[..bsize] } else { dst };
        let mut at = start;
        for part in target.chunks_mut(neblock) {
            let len = u32_at(src, at)? as i32;
            at += 4;
            stored.push(None);
            if len <= 0 {
                // A run of one byte value, stored in the length itself.
                part.fill(len.unsigned_abs() as u8);
                continue;
            }
            let len = len as usize;
            let body = src.get(at..at.saturating_add(len)).ok_or_else(|| {
                corrupt(
                    "blosc",
                    format!("block {b}: a stream of {len} bytes at {at} passes the frame's end"),
                )
            })?;
            at += len;
            if len != neblock {
                stream_into(inner, body, part, &mut zstd)?;
            } else if direct {
                *stored.last_mut().expect("pushed above") = Some(body);
            } else {
                part.copy_from_slice(body);
            }
        }
        if direct {
            let streams: SmallVec<[&[u8]; 16]> = stored
                .iter()
                .zip(tmp[..bsize].chunks(neblock))
                .map(|(s, decoded)| s.unwrap_or(decoded))
                .collect();
            unshuffle_streams(typesize, &streams, &[], dst);
        } else if byte_shuffled {
            unshuffle(typesize, &tmp[..bsize], dst);
        } else if bit_shuffled {
            bitunshuffle(typesize, &tmp[..bsize], dst);
        }
    }
    Ok(())
}
