//! The article's three kernels, column by column whatever the layout.

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::cancel::Cancel;
use crate::element::Element;
use crate::error::Error;
use crate::view::View2;

/// The running max of column `j`, starting from `T::LOWEST` as the article does.
#[inline(always)]
fn column_max<T: Element>(data: &[T], view: &View2, j: usize) -> T {
    let mut m = T::LOWEST;
    for i in 0..view.rows() {
        // SAFETY: `view` was built by `View2::new` against a slice of
        // `data.len()` elements, which guarantees `view.index(i, j) < data.len()`
        // for every `i < rows`, `j < cols`; callers pass the same `data`.
        m = m.max_of(unsafe { *data.get_unchecked(view.index(i, j)) });
    }
    m
}

/// Columns between two looks at the cancel flag in the serial loop.
const CANCEL_EVERY: usize = 4096;

/// The article's serial loop: one column after another.
pub fn serial<T: Element>(data: &[T], view: &View2, cancel: &Cancel) -> Result<Vec<T>, Error> {
    let mut out = Vec::with_capacity(view.cols());
    for j in 0..view.cols() {
        if j % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        out.push(column_max(data, view, j));
    }
    Ok(out)
}

/// The article's first parallel design: one rayon task per column, every
/// result written into an output shared behind `Arc<Mutex<…>>`.
pub fn mutex<T: Element>(data: &[T], view: &View2, cancel: &Cancel) -> Result<Vec<T>, Error> {
    let out = Arc::new(Mutex::new(vec![T::LOWEST; view.cols()]));
    (0..view.cols()).into_par_iter().for_each(|j| {
        if cancel.is_cancelled() {
            return;
        }
        let m = column_max(data, view, j);
        out.lock().unwrap_or_else(|e| e.into_inner())[j] = m;
    });
    cancel.check()?;
    // Every task has returned, so this is the last `Arc`.
    let out = Arc::into_inner(out).expect("no task outlives for_each");
    Ok(out.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// An output slice that several threads write at once, each at indices no
/// other thread touches. This is the article's `UnsafeCell` wrapper.
pub struct DisjointSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: std::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: writes go only through `write`, whose contract gives threads
// disjoint indices, so no element is accessed by two threads (no data
// race); `T: Send` because values move in from other threads.
unsafe impl<T: Send> Sync for DisjointSlice<'_, T> {}
// SAFETY: see the `Sync` impl above; the wrapper owns no thread-bound state.
unsafe impl<T: Send> Send for DisjointSlice<'_, T> {}

impl<'a, T> DisjointSlice<'a, T> {
    pub fn new(slice: &'a mut [T]) -> Self {
        DisjointSlice {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: std::marker::PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` at `index` without a bounds check or a lock.
    ///
    /// # Safety
    /// `index < self.len()`, and no other thread reads or writes `index`
    /// while this borrow lives.
    #[inline(always)]
    pub unsafe fn write(&self, index: usize, value: T) {
        debug_assert!(index < self.len);
        // SAFETY: the caller upholds `index < len` and exclusive use of the
        // index; `ptr` comes from a live `&mut [T]` of length `len`.
        unsafe { self.ptr.add(index).write(value) }
    }
}

/// The article's lock-free design: one task per column, each writing its
/// own output index through a [`DisjointSlice`].
pub fn lockfree<T: Element>(data: &[T], view: &View2, cancel: &Cancel) -> Result<Vec<T>, Error> {
    let mut out = vec![T::LOWEST; view.cols()];
    let writer = DisjointSlice::new(&mut out);
    (0..view.cols()).into_par_iter().for_each(|j| {
        if cancel.is_cancelled() {
            return;
        }
        let m = column_max(data, view, j);
        // SAFETY: `j < cols == writer.len()`, and the parallel iterator
        // yields each `j` exactly once, so no two tasks share an index.
        unsafe { writer.write(j, m) };
    });
    cancel.check()?;
    Ok(out)
}
