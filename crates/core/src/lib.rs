//! ndreduce-core: one view type that borrows its data, one planner, one
//! engine and the ops it folds. No JavaScript here: bindings convert
//! arguments and map [`Error`] to their own errors.
//!
//! ```
//! use ndreduce_core::{engine::{reduce, Schedule}, ops::Max, View, NEVER};
//! let data = [1i64, 5, 3, 4, 2, 6];
//! let x = View::contiguous(&data, &[2, 3]).unwrap();
//! assert_eq!(reduce(&x, &[0], &Max, Schedule::Auto, None, &NEVER), Ok(vec![4, 5, 6]));
//! ```

mod alloc;
mod cancel;
pub mod codec;
mod convert;
pub mod dtype;
pub mod engine;
mod error;
mod floor;
pub mod groups;
pub mod jobs;
pub mod masked;
pub mod moving;
pub mod ops;
pub mod plan;
mod pool;
pub mod quantile;
pub mod reductions;
pub mod state;
mod request;
mod scalar;
pub mod stream;
mod view;

pub use alloc::advise_output;
pub use cancel::{Cancel, NEVER};
pub use dtype::Dtype;
pub use engine::Schedule;
pub use error::{Error, ErrorKind};
pub use floor::read_floor;
pub use pool::{check_threads, default_threads, run_with_threads, MAX_THREADS};
pub use request::{count_from_f64, integer_from_f64, MAX_SAFE_INTEGER};
pub use scalar::Scalar;
pub use view::{Axes, View, MAX_DIMS};

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
