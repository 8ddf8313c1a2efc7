//! Decoders for the bytes-to-bytes codecs Zarr arrays are most often
//! stored with: gzip, zlib, zstd, lz4 (numcodecs' framing) and blosc v1
//! frames. A chunk's decoded length is known from its shape and dtype
//! before anything is decoded, so the output is allocated once at that
//! size and no decoder may write past it; a stream that decodes to any
//! other length is an error, never a short or padded chunk.

mod blosc;
mod shuffle;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::str::FromStr;

use crate::Error;

/// The compression of one chunk; `Raw` is the `bytes` codec alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Raw,
    Gzip,
    Zlib,
    Zstd,
    /// numcodecs' LZ4: a little-endian u32 decoded length, then one block.
    Lz4,
    Blosc,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Raw => "raw",
            Codec::Gzip => "gzip",
            Codec::Zlib => "zlib",
            Codec::Zstd => "zstd",
            Codec::Lz4 => "lz4",
            Codec::Blosc => "blosc",
        }
    }

    pub const ALL: [Codec; 6] = [
        Codec::Raw,
        Codec::Gzip,
        Codec::Zlib,
        Codec::Zstd,
        Codec::Lz4,
        Codec::Blosc,
    ];
}

impl FromStr for Codec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::BadOption {
                field: "codec",
                value: format!("{s:?} (expected one of raw, gzip, zlib, zstd, lz4, blosc)"),
            })
    }
}

pub(crate) fn corrupt(codec: &'static str, message: impl Into<String>) -> Error {
    Error::Codec {
        codec,
        message: message.into(),
    }
}

/// A zeroed buffer of `n` bytes, or [`Error::TooLarge`] (never an abort).
pub(crate) fn zeroed(n: usize) -> Result<Vec<u8>, Error> {
    crate::error::try_filled(n, 0u8)
}

/// The chunk `src` compressed with `codec`, decoded into `dst`, which it
/// must fill exactly (a caller reuses one buffer for chunk after chunk, and
/// pays no fresh pages per chunk). With `swap` > 1 each element of that
/// many bytes is reversed afterwards (a big-endian `bytes` codec).
pub fn decode_into(src: &[u8], codec: Codec, dst: &mut [u8], swap: usize) -> Result<(), Error> {
    if swap > 1 && !dst.len().is_multiple_of(swap) {
        return Err(corrupt(
            "bytes",
            format!("{} bytes are not whole elements of {swap} bytes", dst.len()),
        ));
    }
    check_declared(src, codec, dst.len())?;
    match codec {
        Codec::Raw => dst.copy_from_slice(src),
        Codec::Gzip => inflate_into("gzip", flate2::bufread::MultiGzDecoder::new(src), dst)?,
        Codec::Zlib => inflate_into("zlib", flate2::bufread::ZlibDecoder::new(src), dst)?,
        Codec::Zstd => zstd_into(src, dst)?,
        Codec::Lz4 => lz4_numcodecs(src, dst)?,
        Codec::Blosc => blosc::decode_into(src, dst)?,
    }
    if swap > 1 {
        dst.chunks_exact_mut(swap).for_each(<[u8]>::reverse);
    }
    Ok(())
}

/// A chunk whose own header (or, raw, its length) says it decodes to other
/// than `expected` bytes is refused before any output is allocated.
fn check_declared(src: &[u8], codec: Codec, expected: usize) -> Result<(), Error> {
    let declared = match codec {
        Codec::Raw => Some(src.len()),
        Codec::Lz4 => src
            .first_chunk::<4>()
            .map(|h| u32::from_le_bytes(*h) as usize),
        Codec::Blosc => blosc::declared(src),
        Codec::Gzip | Codec::Zlib | Codec::Zstd => None,
    };
    match declared {
        Some(n) if n != expected => Err(length_error(codec.name(), n, expected)),
        _ => Ok(()),
    }
}

/// The most bytes any of the codecs above writes for a chunk of `n` bytes
/// (zstd's and lz4's bounds are under n/128 plus a few dozen bytes, a
/// memcpyed blosc frame is n + 16): a larger file is not a chunk of `n`.
fn encoded_bound(n: usize) -> usize {
    n.saturating_add(n / 64).saturating_add(1 << 16)
}

thread_local! {
    /// A job thread's compressed bytes, reused from chunk to chunk.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`decode_into`] of bytes that other threads may write while they are
/// read (a SharedArrayBuffer): they are copied once into the buffer this
/// thread keeps for [`decode_file`], and the decoder reads that one
/// snapshot, so a length or offset it checked is the one it uses.
pub fn decode_shared(src: &[u8], codec: Codec, dst: &mut [u8], swap: usize) -> Result<(), Error> {
    with_scratch(|copy| {
        copy.try_reserve(src.len()).map_err(|_| Error::TooLarge {
            elements: src.len(),
        })?;
        copy.extend_from_slice(src);
        decode_into(copy, codec, dst, swap)
    })
}

/// `f` of this thread's buffer for compressed bytes, emptied first and
/// kept for the next chunk, unless it grew unusually large.
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> Result<R, Error>) -> Result<R, Error> {
    SCRATCH.with(|scratch| {
        let mut src = scratch.borrow_mut();
        src.clear();
        let result = f(&mut src);
        if src.capacity() > 1 << 28 {
            *src = Vec::new();
        }
        result
    })
}

/// The chunk stored in the file at `path`, read on this thread and decoded
/// into `dst` as [`decode_into`] does; `Ok(false)` when there is no such
/// file (Zarr's missing chunk, which the caller fills). The compressed
/// bytes go through a buffer this thread keeps, so a file store's chunks
/// cost no allocation and no copy beyond the read itself.
pub fn decode_file(
    path: &std::path::Path,
    codec: Codec,
    dst: &mut [u8],
    swap: usize,
) -> Result<bool, Error> {
    let io = |e: std::io::Error| Error::File {
        message: format!("{}: {e}", path.display()),
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io(e)),
    };
    let bound = encoded_bound(dst.len());
    with_scratch(|src| {
        (&mut file)
            .take(bound as u64 + 1)
            .read_to_end(src)
            .map_err(io)?;
        if src.len() > bound {
            return Err(corrupt(
                codec.name(),
                format!(
                    "a file of more than {bound} bytes cannot hold a chunk of {} bytes",
                    dst.len()
                ),
            ));
        }
        decode_into(src, codec, dst, swap)
    })?;
    Ok(true)
}

fn length_error(codec: &'static str, got: usize, expected: usize) -> Error {
    corrupt(
        codec,
        format!("decodes to {got} bytes, expected {expected}"),
    )
}

/// A deflate stream decoded into `dst`, which it must fill and not pass.
pub(crate) fn inflate_into(
    codec: &'static str,
    mut reader: impl Read,
    dst: &mut [u8],
) -> Result<(), Error> {
    let mut filled = 0;
    while filled < dst.len() {
        match reader.read(&mut dst[filled..]) {
            Ok(0) => return Err(length_error(codec, filled, dst.len())),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(corrupt(codec, e.to_string())),
        }
    }
    // A stream longer than its chunk is as corrupt as a shorter one.
    let mut extra = [0u8; 1];
    loop {
        match reader.read(&mut extra) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                return Err(corrupt(
                    codec,
                    format!("decodes to more than {} bytes", dst.len()),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(corrupt(codec, e.to_string())),
        }
    }
}

/// One or more zstd frames decoded into `dst`, which they must fill.
pub(crate) fn zstd_into(src: &[u8], dst: &mut [u8]) -> Result<(), Error> {
    // libzstd bounds every write by the capacity it is given, and reports
    // a too-small destination as an error.
    let n =
        zstd::bulk::decompress_to_buffer(src, dst).map_err(|e| corrupt("zstd", e.to_string()))?;
    if n != dst.len() {
        return Err(length_error("zstd", n, dst.len()));
    }
    Ok(())
}

/// One LZ4 block decoded into `dst`, which it must fill.
pub(crate) fn lz4_into(codec: &'static str, src: &[u8], dst: &mut [u8]) -> Result<(), Error> {
    let n =
        lz4_flex::block::decompress_into(src, dst).map_err(|e| corrupt(codec, e.to_string()))?;
    if n != dst.len() {
        return Err(length_error(codec, n, dst.len()));
    }
    Ok(())
}

fn lz4_numcodecs(src: &[u8], dst: &mut [u8]) -> Result<(), Error> {
    let Some((head, body)) = src.split_first_chunk::<4>() else {
        return Err(corrupt("lz4", "shorter than its 4-byte header"));
    };
    // The header's length was checked against dst (`check_declared`).
    debug_assert_eq!(u32::from_le_bytes(*head) as usize, dst.len());
    lz4_into("lz4", body, dst)
}
