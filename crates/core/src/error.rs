use std::fmt;

/// Which JavaScript error class a binding should raise for an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Type,
    Range,
    Abort,
    /// A bug on our side (a caught panic): a plain `Error`.
    Internal,
}

/// Every way a call into the core can fail; each names the offending field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A number that must be a safe non-negative (or, for strides, signed) integer is not.
    NotAnInteger { field: &'static str, value: String },
    /// A non-negative field received a negative value.
    Negative { field: &'static str, value: i64 },
    /// The product of the shape does not fit the address space.
    ShapeOverflow { shape: Vec<usize> },
    /// The view addresses an element outside `data`.
    OutOfBounds {
        field: &'static str,
        index: i128,
        len: usize,
    },
    /// A reduction without identity over an empty axis (NumPy's wording).
    ZeroSize { op: &'static str },
    /// A reduction without identity over a lane where `where` keeps no
    /// element (NumPy's wording, and the first such output position).
    EmptyLane { op: &'static str, index: usize },
    /// The same for a group of a reduction by label (`by` with `where`):
    /// the group the mask empties, and its first output position.
    EmptyGroup {
        op: &'static str,
        group: usize,
        index: usize,
    },
    /// An option with a value that is not one of its choices.
    BadOption { field: &'static str, value: String },
    /// An integer sum that does not fit the documented result type.
    Overflow {
        op: &'static str,
        index: usize,
        target: &'static str,
    },
    /// A NaN-skipping arg reduction over a slice of only NaN (NumPy raises too).
    AllNan { op: &'static str },
    /// The result would not fit in memory.
    TooLarge { elements: usize },
    /// The caller aborted the computation.
    Aborted,
    /// The input is not a numeric typed array (`field` names what was given).
    BadArray { field: &'static str, value: String },
    /// An asynchronous call was given memory that JavaScript may free or
    /// move while a thread reads it (anything but a SharedArrayBuffer).
    NotShared,
    /// A kernel panicked; the message is kept for the report.
    Panicked(String),
    /// A .npy file that cannot be read as its header says (it shrank while
    /// being read, or the operating system refused it).
    File { message: String },
    /// A compressed chunk that does not decode to its expected length.
    Codec {
        codec: &'static str,
        message: String,
    },
    /// A chunk compressed in a way the core does not decode (callers fall
    /// back to another decoder).
    CodecUnsupported { what: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotAnInteger { .. } | Error::BadArray { .. } | Error::NotShared => {
                ErrorKind::Type
            }
            Error::Panicked(_) => ErrorKind::Internal,
            Error::Aborted => ErrorKind::Abort,
            _ => ErrorKind::Range,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotAnInteger { field, value } => {
                write!(f, "{field} must be a safe integer, got {value}")
            }
            Error::Negative { field, value } => {
                write!(f, "{field} must be non-negative, got {value}")
            }
            Error::ShapeOverflow { shape } => {
                write!(f, "shape {shape:?} has more elements than can be addressed")
            }
            Error::OutOfBounds { field, index, len } => write!(
                f,
                "{field} addresses element {index}, outside data of length {len}"
            ),
            Error::ZeroSize { op } => write!(
                f,
                "zero-size array to reduction operation {op} which has no identity"
            ),
            Error::EmptyLane { op, index } => write!(
                f,
                "zero-size array to reduction operation {op} which has no identity: options.where keeps no element at output index {index}"
            ),
            Error::EmptyGroup { op, group, index } => write!(
                f,
                "zero-size array to reduction operation {op} which has no identity: options.where keeps no element of group {group} at output index {index}"
            ),
            Error::BadOption { field, value } => write!(f, "{field} is invalid: {value}"),
            Error::Overflow { op, index, target } => {
                write!(f, "{op} at output index {index} does not fit {target}")
            }
            Error::AllNan { op } => write!(f, "All-NaN slice encountered in {op}"),
            Error::TooLarge { elements } => {
                write!(f, "a result of {elements} elements cannot be allocated")
            }
            Error::Aborted => write!(f, "The operation was aborted"),
            Error::BadArray { field, value } => {
                write!(f, "{field} must be a numeric typed array, got {value}")
            }
            Error::NotShared => write!(
                f,
                "data must be over a SharedArrayBuffer for an asynchronous call (an ordinary buffer can be transferred and freed while a thread reads it)"
            ),
            Error::Panicked(msg) => write!(f, "internal error in a kernel: {msg}"),
            Error::File { message } => write!(f, "npy: {message}"),
            Error::Codec { codec, message } => write!(f, "corrupt {codec} data: {message}"),
            Error::CodecUnsupported { what } => write!(f, "{what} is not decoded natively"),
        }
    }
}

impl std::error::Error for Error {}

/// The stable `code` of each variant, written once: [`Error::code`] and
/// [`Error::CODES`] (the list bindings export) both come from this table.
macro_rules! codes {
    ($($variant:pat => $code:literal,)*) => {
        impl Error {
            /// The stable `code` bindings attach to the error they raise.
            pub fn code(&self) -> &'static str {
                match self {
                    $($variant => $code,)*
                }
            }

            /// Every code [`Error::code`] can return.
            pub const CODES: &'static [&'static str] = &[$($code),*];
        }
    };
}

codes! {
    Error::NotAnInteger { .. } => "ERR_NDREDUCE_NOT_INTEGER",
    Error::Negative { .. } => "ERR_NDREDUCE_NEGATIVE",
    Error::ShapeOverflow { .. } => "ERR_NDREDUCE_SHAPE_OVERFLOW",
    Error::OutOfBounds { .. } => "ERR_NDREDUCE_OUT_OF_BOUNDS",
    Error::ZeroSize { .. } => "ERR_NDREDUCE_ZERO_SIZE",
    Error::EmptyLane { .. } => "ERR_NDREDUCE_ZERO_SIZE",
    Error::EmptyGroup { .. } => "ERR_NDREDUCE_ZERO_SIZE",
    Error::BadOption { .. } => "ERR_NDREDUCE_BAD_OPTION",
    Error::Overflow { .. } => "ERR_NDREDUCE_OVERFLOW",
    Error::AllNan { .. } => "ERR_NDREDUCE_ALL_NAN",
    Error::TooLarge { .. } => "ERR_NDREDUCE_TOO_LARGE",
    Error::Aborted => "ABORT_ERR",
    Error::BadArray { .. } => "ERR_NDREDUCE_BAD_ARRAY",
    Error::NotShared => "ERR_NDREDUCE_NOT_SHARED",
    Error::Panicked(_) => "ERR_NDREDUCE_PANIC",
    Error::File { .. } => "ERR_NDREDUCE_BAD_NPY",
    Error::Codec { .. } => "ERR_NDREDUCE_CODEC",
    Error::CodecUnsupported { .. } => "ERR_NDREDUCE_CODEC_UNSUPPORTED",
}

/// A vector of `n` copies of `value`, or [`Error::TooLarge`]. A failed
/// allocation aborts a Rust process, so every allocation that grows with
/// the output (a broadcast view can have trillions of kept positions) goes
/// through here.
pub fn try_filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>, Error> {
    let mut v: Vec<T> = crate::alloc::reserve(n)?;
    v.resize(n, value);
    Ok(v)
}
