//! Allocation of the large buffers a result is written into.

use crate::error::Error;

/// An empty vector with room for exactly `n` elements, or
/// [`Error::TooLarge`] (a failed allocation would abort the process).
/// Where the room is large, the kernel is asked to back it with huge pages
/// (as NumPy does for its arrays): a fresh result is written once, and a
/// 4 KiB page fault per 512 elements was a third of a moving mean's time.
pub(crate) fn reserve<T>(n: usize) -> Result<Vec<T>, Error> {
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::TooLarge { elements: n })?;
    advise_huge(
        v.as_mut_ptr().cast::<u8>(),
        n.saturating_mul(std::mem::size_of::<T>()),
    );
    Ok(v)
}

/// The same advice for a caller's buffer that a call is about to write
/// whole: a result that JavaScript allocated (`new Float64Array(n)`, fresh
/// zero pages that V8 frees at its next collection, unlike an external
/// buffer, whose release waits for the event loop to turn).
pub fn advise_output<T>(out: &mut [T]) {
    advise_huge(out.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(out));
}

/// Huge pages for the 2 MiB-aligned part of `len` bytes from `ptr`, when
/// that part is at least 4 MiB; only advice, and nothing if refused.
#[cfg(target_os = "linux")]
fn advise_huge(ptr: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize).saturating_add(len) / HUGE * HUGE;
    if end >= start + 2 * HUGE {
        // [start, end) is the allocation of `len` bytes at `ptr` rounded
        // inwards to whole huge pages; the vector keeps owning it.
        let (at, bytes) = (start as *mut libc::c_void, end - start);
        // SAFETY: madvise on a range inside this process's own allocation
        // (above); MADV_HUGEPAGE neither frees nor changes its contents.
        unsafe { libc::madvise(at, bytes, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_ptr: *mut u8, _len: usize) {}
