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

/// The chunk `src` compressed with `codec`, decoded to exactly `expected`
/// bytes. With `swap` > 1 each element of that many bytes is reversed
/// afterwards (a big-endian `bytes` codec).
pub fn decode(src: &[u8], codec: Codec, expected: usize, swap: usize) -> Result<Vec<u8>, Error> {
    let mut out = match codec {
        Codec::Raw => {
            if src.len() != expected {
                return Err(length_error("raw", src.len(), expected));
            }
            let mut v = zeroed(0)?;
            v.try_reserve_exact(expected)
                .map_err(|_| Error::TooLarge { elements: expected })?;
            v.extend_from_slice(src);
            v
        }
        Codec::Gzip => inflate("gzip", flate2::bufread::MultiGzDecoder::new(src), expected)?,
        Codec::Zlib => inflate("zlib", flate2::bufread::ZlibDecoder::new(src), expected)?,
        Codec::Zstd => {
            let mut out = zeroed(expected)?;
            zstd_into(src, &mut out)?;
            out
        }
        Codec::Lz4 => lz4_numcodecs(src, expected)?,
        Codec::Blosc => blosc::decode(src, expected)?,
    };
    if swap > 1 {
        if !expected.is_multiple_of(swap) {
            return Err(corrupt(
                "bytes",
                format!("{expected} bytes are not whole elements of {swap} bytes"),
            ));
        }
        out.chunks_exact_mut(swap).for_each(<[u8]>::reverse);
    }
    Ok(out)
}

fn length_error(codec: &'static str, got: usize, expected: usize) -> Error {
    corrupt(
        codec,
        format!("decodes to {got} bytes, expected {expected}"),
    )
}

/// A deflate stream read to its end, but never past `expected + 1` bytes:
/// a stream that would inflate further is cut there and rejected.
fn inflate(codec: &'static str, reader: impl Read, expected: usize) -> Result<Vec<u8>, Error> {
    let mut out = zeroed(0)?;
    out.try_reserve_exact(expected.saturating_add(1))
        .map_err(|_| Error::TooLarge { elements: expected })?;
    reader
        .take(expected as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| corrupt(codec, e.to_string()))?;
    if out.len() != expected {
        return Err(length_error(codec, out.len(), expected));
    }
    Ok(out)
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

fn lz4_numcodecs(src: &[u8], expected: usize) -> Result<Vec<u8>, Error> {
    let Some((head, body)) = src.split_first_chunk::<4>() else {
        return Err(corrupt("lz4", "shorter than its 4-byte header"));
    };
    let declared = u32::from_le_bytes(*head) as usize;
    if declared != expected {
        return Err(length_error("lz4", declared, expected));
    }
    let mut out = zeroed(expected)?;
    lz4_into("lz4", body, &mut out)?;
    Ok(out)
}
