//! The process's allocator (glibc malloc on Linux): large buffers go back to the system when
//! freed, and free heap is returned after plugins unload.
//!
//! glibc serves allocations of at least `M_MMAP_THRESHOLD` (128 KiB by default) with their own
//! mapping, unmapped on free. Left dynamic, the threshold rises to the size of the largest such
//! buffer freed (up to 32 MiB), and the trim threshold to twice that: after one 12-18 MB plugin
//! upload, every later buffer of that size is carved from a heap arena, and each arena (one per
//! busy thread, up to 8 per core) keeps up to ~36 MB of free memory it never gives back.
//! Setting the threshold fixes both at their defaults. BENCHMARKS.md ("Plugin memory (#18)")
//! has the figures.

/// Allocations from this size up get their own mapping, returned to the system when freed.
pub const MMAP_THRESHOLD: usize = 1 << 20;

/// Fixes the allocator's thresholds (see the module documentation). Call once, at start.
#[expect(unsafe_code, reason = "mallopt has no safe wrapper")]
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it takes no pointers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
    }
}

/// Returns the allocator's free memory to the system (free pages inside the heaps, which the
/// thresholds alone leave mapped until the top of a heap is free).
#[expect(unsafe_code, reason = "malloc_trim has no safe wrapper")]
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
