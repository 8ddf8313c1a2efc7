//! ndreduce-core: strided 2-D views, their O(1) validation, and the
//! column-max kernels (the article's three designs plus a layout-following
//! one). No JavaScript here: bindings convert arguments and map [`Error`].

mod cancel;
mod element;
pub mod engine;
mod error;
pub mod kernels;
pub mod nd;
pub mod ops;
mod pool;
pub mod reductions;
mod scalar;
mod view;

pub use cancel::{Cancel, NEVER};
pub use element::Element;
pub use error::{Error, ErrorKind};
pub use nd::ViewN;
pub use pool::{check_threads, effective_threads, run_with_threads, MAX_THREADS};
pub use scalar::Scalar;
pub use view::{count_from_f64, integer_from_f64, View2, MAX_SAFE_INTEGER};

use kernels::{article, layout};

/// Which kernel computes a reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// The article's serial loop, column by column.
    Serial,
    /// One rayon task per column, output behind `Arc<Mutex<…>>`.
    Mutex,
    /// One rayon task per column, disjoint unlocked writes.
    Lockfree,
    /// Follow the memory layout (ours; the default).
    Auto,
}

impl std::str::FromStr for Strategy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "serial" => Ok(Strategy::Serial),
            "mutex" => Ok(Strategy::Mutex),
            "lockfree" => Ok(Strategy::Lockfree),
            "auto" => Ok(Strategy::Auto),
            other => Err(Error::BadOption {
                field: "strategy",
                value: format!(
                    "{other:?} (expected \"auto\", \"serial\", \"mutex\" or \"lockfree\")"
                ),
            }),
        }
    }
}

/// Parses an axis of a 2-D array (negative counts from the end, as NumPy).
pub fn parse_axis(axis: i64) -> Result<usize, Error> {
    match axis {
        0 | -2 => Ok(0),
        1 | -1 => Ok(1),
        other => Err(Error::BadOption {
            field: "axis",
            value: format!("{other} (axis out of range for a 2-D array: expected 0, 1, -1 or -2)"),
        }),
    }
}

/// The maximum along `axis` of a validated view of `data`.
///
/// Axis 0 gives one value per column, axis 1 one per row. Reducing an
/// empty axis is an error, as in NumPy; an empty result is not.
pub fn max<T: Element>(
    data: &[T],
    view: &View2,
    axis: usize,
    strategy: Strategy,
    threads: Option<usize>,
    cancel: &Cancel,
) -> Result<Vec<T>, Error> {
    check_threads(threads)?;
    let v = if axis == 1 { view.transposed() } else { *view };
    if v.rows() == 0 {
        return Err(Error::ZeroSize { op: "maximum" });
    }
    if v.cols() == 0 {
        return Ok(Vec::new());
    }
    error::ensure_allocatable::<T>(v.cols())?;
    match strategy {
        Strategy::Serial => article::serial(data, &v, cancel),
        Strategy::Mutex => run_with_threads(threads, || article::mutex(data, &v, cancel))?,
        Strategy::Lockfree => run_with_threads(threads, || article::lockfree(data, &v, cancel))?,
        // Small inputs stay on the calling thread: handing them to a pool
        // costs more (about 15 us) than reducing them.
        Strategy::Auto if v.rows() * v.cols() < layout::SMALL => layout::auto(data, &v, 1, cancel),
        Strategy::Auto => run_with_threads(threads, || {
            layout::auto(data, &v, effective_threads(None), cancel)
        })?,
    }
}

/// One parallel read of every element of `data`: the benchmark's floor.
pub fn read_floor(data: &[i64], threads: Option<usize>) -> Result<i64, Error> {
    run_with_threads(threads, || {
        kernels::floor::read_everything(data, effective_threads(None))
    })
}

/// Panics on a rayon worker thread. Exists so that bindings can prove a
/// kernel panic reaches their caller as an error, not a process abort.
#[doc(hidden)]
pub fn panic_in_worker_for_tests() -> Result<(), Error> {
    use rayon::prelude::*;
    run_with_threads(Some(2), || {
        (0..4).into_par_iter().for_each(|i| {
            if i == 3 {
                panic!("deliberate test panic")
            }
        })
    })
}
