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
    ShapeOverflow { rows: u64, cols: u64 },
    /// The view addresses an element outside `data`.
    OutOfBounds {
        field: &'static str,
        index: i128,
        len: usize,
    },
    /// A reduction without identity over an empty axis (NumPy's wording).
    ZeroSize { op: &'static str },
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
    /// A kernel panicked; the message is kept for the report.
    Panicked(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotAnInteger { .. } => ErrorKind::Type,
            Error::BadOption { field, .. } if *field == "strategy" => ErrorKind::Type,
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
            Error::ShapeOverflow { rows, cols } => {
                write!(
                    f,
                    "shape [{rows}, {cols}] has more elements than can be addressed"
                )
            }
            Error::OutOfBounds { field, index, len } => write!(
                f,
                "{field} addresses element {index}, outside data of length {len}"
            ),
            Error::ZeroSize { op } => write!(
                f,
                "zero-size array to reduction operation {op} which has no identity"
            ),
            Error::BadOption { field, value } => write!(f, "{field} is invalid: {value}"),
            Error::Overflow { op, index, target } => {
                write!(f, "{op} at output index {index} does not fit {target}")
            }
            Error::AllNan { op } => write!(f, "All-NaN slice encountered in {op}"),
            Error::TooLarge { elements } => {
                write!(f, "a result of {elements} elements cannot be allocated")
            }
            Error::Aborted => write!(f, "the operation was aborted"),
            Error::Panicked(msg) => write!(f, "internal error in a kernel: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that a result of `n` values can be allocated. A failed
/// allocation aborts a Rust process, so huge outputs (a broadcast view can
/// have trillions of columns) are refused with an error up front.
pub fn ensure_allocatable<T>(n: usize) -> Result<(), Error> {
    let mut probe: Vec<T> = Vec::new();
    probe
        .try_reserve_exact(n)
        .map_err(|_| Error::TooLarge { elements: n })
}
