use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

/// A flag a caller may raise from another thread to stop a kernel; kernels
/// poll it between blocks of work, so the reaction time is one block.
#[derive(Debug, Default)]
pub struct Cancel(AtomicBool);

impl Cancel {
    pub const fn new() -> Self {
        Cancel(AtomicBool::new(false))
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    #[inline(always)]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Aborted)` once cancelled; kernels call it after their loops.
    pub fn check(&self) -> Result<(), Error> {
        if self.is_cancelled() {
            Err(Error::Aborted)
        } else {
            Ok(())
        }
    }
}

/// The flag synchronous calls pass: never raised.
pub static NEVER: Cancel = Cancel::new();
