//! Cache prefetch hints: ask the processor to start loading memory that a coming step will
//! read, so that the load overlaps the work before it instead of stalling that step.
//!
//! A discrete-event simulation of a large network spends much of its time waiting for memory:
//! each event concerns a different link, packet and host, usually out of the cache. The next
//! event is known one event ahead (the event queue's second entry), so its state can be
//! requested while the current event runs. A prefetch is only a hint: it never faults (any
//! address may be given), never changes memory and never changes what a program computes;
//! on targets without one it is nothing.

/// Cache line size assumed for spacing prefetches (x86-64 and most AArch64 cores).
pub const LINE: usize = 64;

/// Hints that the first `bytes` bytes (at least one line) of `*value` are about to be read.
#[inline(always)]
pub fn prefetch_bytes<T: ?Sized>(value: &T, bytes: usize) {
    let start = (value as *const T).cast::<u8>();
    let mut off = 0;
    loop {
        hint(start.wrapping_add(off));
        off += LINE;
        if off >= bytes {
            break;
        }
    }
}

/// Hints that the line holding the start of `*value` is about to be read.
#[inline(always)]
pub fn prefetch_line<T: ?Sized>(value: &T) {
    hint((value as *const T).cast::<u8>());
}

/// Hints that all of `*value` is about to be read.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    prefetch_bytes(value, std::mem::size_of::<T>());
}

#[inline(always)]
#[allow(unsafe_code)]
fn hint(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint (PREFETCHT0): it reads no memory architecturally,
    // cannot fault on any address, and SSE is part of the x86-64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
