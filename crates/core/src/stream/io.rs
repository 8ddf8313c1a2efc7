//! Reading a file's elements: positioned reads into a buffer of primitive
//! numbers, never a mapping (a file that shrinks meanwhile is a short read
//! and an [`Error::File`], not a `SIGBUS`).

use std::fs::File;
use std::path::Path;

use crate::error::Error;
use crate::reductions::Typed;

/// The primitive numbers, whose bytes may be written freely: private, so
/// no other type can be read from a file as if it were one.
pub(super) trait Plain: Typed {}
macro_rules! plain {
    ($($t:ty),*) => {$( impl Plain for $t {} )*};
}
plain!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

fn bytes_of<T: Plain>(v: &mut [T]) -> &mut [u8] {
    // `Plain` is implemented only for primitive integers and floats (above,
    // and nowhere else: the trait is private); the borrow of `v` is held
    // for the result's life.
    // SAFETY: those types have no padding and every bit pattern is a valid
    // value; the length is exactly the slice's size; u8 needs no alignment.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// Fills `buf` from `offset`, or fails; a short read is `UnexpectedEof`.
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(file, buf, offset);
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset);
        match n {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fills `buf` with the elements from byte `from` of `file` (at `path`),
/// or says why not.
fn read_bytes(file: &File, path: &Path, buf: &mut [u8], from: u64) -> Result<(), Error> {
    read_at(file, buf, from).map_err(|e| Error::File {
        message: if e.kind() == std::io::ErrorKind::UnexpectedEof {
            format!(
                "{} shrank while being read: it ends before byte {}",
                path.display(),
                from + buf.len() as u64
            )
        } else {
            format!("reading {}: {e}", path.display())
        },
    })
}

/// Fills `buf` with the elements from byte `from` of `file`. `bools`:
/// the bytes are NumPy bools, any non-zero byte read as True (1), as
/// NumPy reads them (the caller checks that `T` is one byte).
#[inline]
pub(super) fn read_elements<T: Plain>(
    file: &File,
    path: &Path,
    buf: &mut [T],
    from: u64,
    bools: bool,
) -> Result<(), Error> {
    let bytes = bytes_of(buf);
    read_bytes(file, path, bytes, from)?;
    if bools {
        bytes.iter_mut().for_each(|b| *b = u8::from(*b != 0));
    }
    Ok(())
}

/// A copy of `opened` (which shares its file position and description),
/// or `path` opened; either way checked to be a regular file that holds
/// `needs` bytes from `data_offset`. A FIFO, a socket or a device is
/// refused before any read, which could otherwise block forever.
pub(super) fn open_checked(
    opened: Option<&File>,
    path: &Path,
    data_offset: u64,
    needs: u64,
    shape: &[usize],
) -> Result<File, Error> {
    let file = match opened {
        Some(f) => f.try_clone(),
        None => File::open(path),
    }
    .map_err(|e| Error::File {
        message: format!("opening {}: {e}", path.display()),
    })?;
    let meta = file.metadata().map_err(|e| Error::File {
        message: format!("reading {}: {e}", path.display()),
    })?;
    if !meta.is_file() {
        return Err(Error::File {
            message: format!("{} is not a regular file", path.display()),
        });
    }
    let has = meta.len().saturating_sub(data_offset);
    if has < needs {
        return Err(Error::File {
            message: format!(
                "data is truncated: shape {shape:?} needs {needs} bytes, the file has {has}"
            ),
        });
    }
    Ok(file)
}
