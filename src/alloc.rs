//! The `tofugen` binary's global allocator: mimalloc for every block under [`LARGE`] bytes, the
//! kernel's pages for the others (`mmap`; grown, shrunk or moved by `mremap`; given back by
//! `munmap`), with at most [`CACHED_BYTES`] of freed mappings kept for the next large blocks.
//!
//! Why: the large blocks are the generated files (a root of 1 000 services is megabytes), built
//! on an emitting thread and freed on another once written, compared or proved. mimalloc keeps
//! the pages of a freed block in a segment of the thread that allocated it, for that thread
//! only, once the free has reached it; the emitting threads then took new pages for the next
//! environments' files, and the peak RSS of a large run grew with the environments instead of
//! staying at what is alive. A mapping freed by any thread is reusable by every thread, and the
//! pages past the cache go back to the kernel at once.
//!
//! Measured at 1 000 services x 10 environments (2-core VM, alternating runs): peak RSS of
//! `generate` with nothing to change 92 -> 69 MiB, 299 against 304 ms (8 pairs), `check` 130 ->
//! 104 MiB, 638 against 658 ms (6 pairs); without the cache the same RSS but 3-4 % slower (36 000
//! page faults against 21 000: each new mapping is faulted in page by page); a 1 MiB threshold
//! kept 75 MiB. docs/benchmarks.md ("After mapping the generated files from the kernel") has the
//! profile behind it.
//! Only Linux maps blocks itself (`mremap` is Linux's); elsewhere every block is mimalloc's.

use std::alloc::{GlobalAlloc, Layout};

/// mimalloc's `mi_option_purge_delay`: its index in `mi_option_e` (include/mimalloc.h of the
/// mimalloc v2 sources, 2.3.2, that libmimalloc-sys 0.1.49 builds with its `v2` feature, the same
/// index in its v3 sources; default 10 ms in v2's src/options.c). `libmimalloc_sys` does not name
/// it; the binary's tests check the index against that default.
pub const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's `mi_option_destroy_on_exit`: its index in `mi_option_e` (include/mimalloc.h of the
/// same v2 sources, right after `mi_option_max_segment_reclaim`, which `libmimalloc_sys` names
/// as 21). Unnamed by `libmimalloc_sys` too; the binary's tests check its neighbours' defaults.
pub const MI_OPTION_DESTROY_ON_EXIT: libmimalloc_sys::mi_option_t = 22;

/// Makes mimalloc skip its work at process exit (the binary calls it first thing). Linked
/// statically, mimalloc's exit handler (`mi_process_done`, src/init.c of the v2 sources) collects
/// the main heap, forced: it walks every page and gives the free ones back to the kernel with
/// `madvise` (nine calls on the committed configuration's `check`), a moment before the kernel
/// takes the whole address space back anyway. `_mi_auto_process_done`, the handler registered
/// at exit, returns at once when `destroy_on_exit` is above 1 (src/init.c); at 0, its default,
/// and at 1 it runs. Output is flushed by Rust's runtime, not by this handler.
pub fn skip_exit_collection() {
    // SAFETY: sets an integer option; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2) };
}

/// mimalloc's purge delay while tofugen runs ([`keep_freed_pages`]): one hour, longer than any
/// run, so that freed pages are never purged on a timer, only when [`release_freed_pages`] asks.
/// Not -1 ("never purge"): mimalloc v2 fixes whether a segment may ever be purged when it
/// creates the segment (`segment->allow_purge = ... && purge_delay >= 0`, src/segment.c of the
/// v2 sources libmimalloc-sys 0.1.49 builds), so under -1 every segment made before
/// [`release_freed_pages`] kept its freed pages through it.
pub const KEEP_DELAY_MS: std::ffi::c_long = 60 * 60 * 1000;

/// Makes mimalloc keep the pages it frees for the rest of the run (purge delay
/// [`KEEP_DELAY_MS`]; the binary calls it first thing): tofugen runs for seconds at most, and
/// memory purged while it runs is faulted in (and zeroed) again by the next environment.
/// Measured on `check` of the largest valid configuration (3 483 services x 2 environments then,
/// 2-core VM, `perf stat -r 4`): 11 071 -> 669 page faults, 19% less CPU time, peak RSS 512 ->
/// 550 MB (mimalloc v3, against the 10 ms default). A delay of one hour instead of "never" (-1),
/// with [`release_freed_pages`] then able to give pages back, measured alternating (release
/// builds, 2-core VM): at 1000 services x 10 environments, peak RSS of `generate` from an empty
/// tree 63.4-65.0 -> 53.2-54.7 MiB (725 against 731 ms, 10 pairs), with nothing to change
/// 56.5-61.2 -> 46.5-48.1 MiB (372 against 370 ms), `check` 49.1-49.5 -> 42.4-42.9 MiB (592
/// against 598 ms; 6 pairs each); at 2000 x 20, `generate` from empty 136-145 -> 110 MiB (2.28
/// against 2.11 s), with nothing to change 137-144 -> 111 MiB, `check` 114 -> 98 MiB (3 pairs);
/// the committed configuration's `check` 6.9 against 6.7 ms, `generate` 5.4 against 5.1 ms,
/// `validate` 3.2 against 3.0 ms (40 pairs).
pub fn keep_freed_pages() {
    // SAFETY: sets an integer option; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, KEEP_DELAY_MS) };
}

/// Gives back to the kernel, once, the pages mimalloc holds free and can give back (free spans
/// of its segments, free segments of its arenas: `mi_collect(true)`, a forced collection); the
/// pages freed afterwards are kept as before ([`keep_freed_pages`]). `generate` and
/// `check` call it between validation and emission: what validation freed (the loaded tree, the
/// policy's working sets) is not what the emitting threads reuse, and it would otherwise stay
/// resident under everything they allocate. Only the segments mimalloc made while purging was
/// allowed can give pages back (see [`KEEP_DELAY_MS`]). Measured at 1000 services x 10
/// environments (alternating): `generate` peak RSS 69 -> 66 MiB and `check` 104 -> 101 MiB,
/// the same times (8 and 6 pairs), while the delay was -1 and this call set it to 0 around the
/// collection; that left the arenas' scheduled purges undone (mimalloc's `mi_arenas_try_purge`
/// returns at once under a delay of 0 or less, src/arena.c), so the collection now runs under
/// [`KEEP_DELAY_MS`], forced: 10 MiB less again (see [`keep_freed_pages`]).
///
/// A process whose resident set never reached [`RELEASE_FROM_BYTES`] gives nothing back: there
/// the collection only cost time, its `madvise` calls and the page faults of the pages it gave
/// back when the emission touched them again (see [`RELEASE_FROM_BYTES`]).
pub fn release_freed_pages() {
    if peak_resident_bytes().is_some_and(|peak| peak < RELEASE_FROM_BYTES) {
        return;
    }
    // SAFETY: asks mimalloc to collect its own free memory; no block in use is touched.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// The peak resident set under which [`release_freed_pages`] gives nothing back: 32 MiB, three
/// times the committed configuration's whole run (11-12 MiB) and above the 100 services x 10
/// environments benchmark's (25 MiB), where what validation frees is a few MiB at most.
pub const RELEASE_FROM_BYTES: u64 = 32 * 1024 * 1024;

/// The peak resident set of this process so far (`getrusage`, kernel's `ru_maxrss` in KiB), or
/// `None` where it cannot be read.
pub fn peak_resident_bytes() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: an all-zero `rusage` is a valid value of the plain C struct, which
        // `getrusage` fills in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable `rusage`.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return None;
        }
        u64::try_from(usage.ru_maxrss).ok().map(|kib| kib * 1024)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Blocks of at least this many bytes are mapped from the kernel instead of taken from mimalloc.
pub const LARGE: usize = 256 * 1024;

/// Bytes of freed mappings kept for reuse, at most (see [`Allocator`]).
pub const CACHED_BYTES: usize = 8 * 1024 * 1024;

/// Freed mappings kept for reuse, at most (and at most [`CACHED_BYTES`] together).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const CACHE_SLOTS: usize = 4;

/// The smallest page size of a Linux system: a mapping is aligned to it, so it serves any block
/// aligned to at most this many bytes.
const MIN_PAGE: usize = 4096;

/// The global allocator (see the module's documentation). A block of at least [`LARGE`] bytes
/// (aligned to at most a page) is a mapping of its own: a freed one is kept, up to
/// [`CACHED_BYTES`] in `CACHE_SLOTS` (4) mappings, and the next large block takes the largest kept
/// one, resized (its pages already touched, so not faulted in again); past that, it is unmapped.
pub struct Allocator;

/// Whether a block of `layout` is mapped from the kernel: a pure function of the layout, as
/// `dealloc` and `realloc` are given the layout the block was allocated with.
#[inline]
fn mapped(layout: Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= LARGE && layout.align() <= MIN_PAGE
}

#[cfg(target_os = "linux")]
mod pages {
    use std::sync::Mutex;

    /// `size` bytes of new zeroed pages, or null.
    pub(super) fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address the kernel chooses touches no
        // existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// Unmaps the mapping of `size` bytes at `p`.
    ///
    /// # Safety
    /// `p` and `size` describe one live mapping of this module, used no more.
    pub(super) unsafe fn unmap(p: *mut u8, size: usize) {
        // SAFETY: per the contract; the kernel rounds the length up to whole pages, as `mmap`
        // and `mremap` did.
        unsafe { libc::munmap(p.cast(), size) };
    }

    /// The mapping of `old` bytes at `p` resized to `new` bytes (moved when it cannot grow in
    /// place, its contents kept up to the smaller size), or null (the old mapping is then
    /// unchanged).
    ///
    /// # Safety
    /// As [`unmap`]'s; on success the old address is no longer used.
    pub(super) unsafe fn remap(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: per the contract.
        let q = unsafe { libc::mremap(p.cast(), old, new, libc::MREMAP_MAYMOVE) };
        if q == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            q.cast()
        }
    }

    /// Freed mappings kept for reuse: (address, size) in `slots[..len]`.
    struct Cache {
        slots: [(usize, usize); super::CACHE_SLOTS],
        len: usize,
    }

    impl Cache {
        /// Bytes kept, all mappings together.
        fn bytes(&self) -> usize {
            self.slots[..self.len].iter().map(|&(_, size)| size).sum()
        }
    }

    /// The process's kept mappings. A `Mutex` does not allocate (a futex on Linux), and nothing
    /// allocates or panics while it is held.
    static CACHE: Mutex<Cache> = Mutex::new(Cache {
        slots: [(0, 0); super::CACHE_SLOTS],
        len: 0,
    });

    /// The largest kept mapping, removed from the cache, or `None`.
    fn take() -> Option<(usize, usize)> {
        let mut cache = CACHE.lock().ok()?;
        let len = cache.len;
        let best = (0..len).max_by_key(|&i| cache.slots[i].1)?;
        let taken = cache.slots[best];
        cache.slots[best] = cache.slots[len - 1];
        cache.len = len - 1;
        Some(taken)
    }

    /// A kept mapping resized to `size` bytes (its contents unspecified), or null when none is
    /// kept.
    pub(super) fn reuse(size: usize) -> *mut u8 {
        let Some((p, old)) = take() else {
            return std::ptr::null_mut();
        };
        let p = p as *mut u8;
        if old == size {
            return p;
        }
        // SAFETY: the cache held this live mapping of `old` bytes, now ours alone.
        let q = unsafe { remap(p, old, size) };
        if q.is_null() {
            // SAFETY: as above; the failed resize left it unchanged.
            unsafe { unmap(p, old) };
        }
        q
    }

    /// Keeps the mapping of `size` bytes at `p` for reuse when the cache has room, else unmaps
    /// it.
    ///
    /// # Safety
    /// As [`unmap`]'s.
    pub(super) unsafe fn release(p: *mut u8, size: usize) {
        if let Ok(mut cache) = CACHE.lock()
            && cache.len < super::CACHE_SLOTS
            && cache.bytes() + size <= super::CACHED_BYTES
        {
            let len = cache.len;
            cache.slots[len] = (p as usize, size);
            cache.len = len + 1;
            return;
        }
        // SAFETY: per the contract.
        unsafe { unmap(p, size) };
    }

    /// Bytes of mappings kept now.
    pub(super) fn cached_bytes() -> usize {
        CACHE.lock().map(|c| c.bytes()).unwrap_or(0)
    }
}

/// Bytes of freed mappings the allocator keeps now (at most [`CACHED_BYTES`]).
pub fn cached_bytes() -> usize {
    #[cfg(target_os = "linux")]
    {
        pages::cached_bytes()
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

// SAFETY: every block is served by exactly one of two allocators, chosen by `mapped` from its
// layout alone, and freed or resized by the one that allocated it; a block `realloc` moves from
// one to the other is copied, then freed by the first. A mapping is kept by the cache or used
// by one block, never both.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if mapped(layout) {
            let p = pages::reuse(layout.size());
            return if p.is_null() {
                pages::map(layout.size())
            } else {
                p
            };
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if mapped(layout) {
            // New anonymous pages are zeroed (a kept mapping is not: none is taken here).
            return pages::map(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(target_os = "linux")]
        if mapped(layout) {
            // SAFETY: `ptr` is a mapping of `layout.size()` bytes (`alloc`, `realloc`).
            unsafe { pages::release(ptr, layout.size()) };
            return;
        }
        // SAFETY: `ptr` came from mimalloc for this layout.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `new_size` with the same alignment is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (mapped(layout), mapped(new_layout)) {
            // SAFETY: both blocks are mimalloc's.
            (false, false) => unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) },
            #[cfg(target_os = "linux")]
            // SAFETY: `ptr` is a mapping of `layout.size()` bytes.
            (true, true) => unsafe { pages::remap(ptr, layout.size(), new_size) },
            _ => {
                // From one allocator to the other: copy what both sizes hold, free the old block.
                // SAFETY: `new_layout` is valid (above); on failure the old block stays as it was.
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: two distinct live blocks, each at least the copied length.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Held by each test here: they share the process's kept mappings, and a test that frees
    /// blocks would otherwise see another's taken or added between its steps.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The offsets [`fill`] writes in a block of `len` bytes: one byte in every 509 (a prime
    /// under a page: every page of a mapping is written, at a different offset in each), so
    /// that a block of megabytes is checked in microseconds. The offsets of a shorter block are
    /// the first ones of a longer one: what a resize keeps is checked the same way.
    fn probes(len: usize) -> impl Iterator<Item = usize> {
        (0..len).step_by(509)
    }

    /// Writes the pattern of `seed` at the [`probes`] of the `len` bytes at `p`.
    fn fill(p: *mut u8, len: usize, seed: u8) {
        for i in probes(len) {
            // SAFETY: the tests pass live blocks of at least `len` bytes.
            unsafe { *p.add(i) = seed.wrapping_add((i % 251) as u8) };
        }
    }

    /// Whether the [`probes`] of the `len` bytes at `p` hold the pattern of `seed`.
    fn holds(p: *const u8, len: usize, seed: u8) -> bool {
        // SAFETY: as in `fill`.
        probes(len).all(|i| unsafe { *p.add(i) } == seed.wrapping_add((i % 251) as u8))
    }

    #[test]
    fn the_routing_depends_on_the_layout_alone() {
        let at = |size, align| mapped(Layout::from_size_align(size, align).unwrap());
        assert!(!at(LARGE - 1, 8));
        assert_eq!(at(LARGE, 8), cfg!(target_os = "linux"));
        assert_eq!(at(LARGE, MIN_PAGE), cfg!(target_os = "linux"));
        // Over a page of alignment, a mapping's alignment would not do: mimalloc serves it.
        assert!(!at(LARGE, 2 * MIN_PAGE));
    }

    #[test]
    fn blocks_keep_their_contents_across_every_resize() {
        let _serial = serial();
        let a = Allocator;
        // Small to small, small to large, large to larger, large to small, around the
        // threshold both ways.
        let sizes = [
            100,
            LARGE - 1,
            LARGE,
            LARGE + 1,
            3 * LARGE + 17,
            LARGE,
            LARGE - 1,
            40,
            5 * LARGE,
        ];
        let layout = Layout::from_size_align(sizes[0], 8).unwrap();
        // SAFETY: a valid non-zero layout; every pointer is the live block of its size.
        unsafe {
            let mut p = a.alloc(layout);
            assert!(!p.is_null());
            fill(p, sizes[0], 7);
            let mut old = sizes[0];
            for &size in &sizes[1..] {
                p = a.realloc(p, Layout::from_size_align(old, 8).unwrap(), size);
                assert!(!p.is_null(), "{old} -> {size}");
                assert!(holds(p, old.min(size), 7), "{old} -> {size}");
                fill(p, size, 7);
                old = size;
            }
            a.dealloc(p, Layout::from_size_align(old, 8).unwrap());
        }
    }

    #[test]
    fn zeroed_blocks_are_zeroed_even_after_a_large_block_was_kept() {
        let _serial = serial();
        let a = Allocator;
        let layout = Layout::from_size_align(2 * LARGE, 8).unwrap();
        // SAFETY: valid layouts; each block is freed once with its layout.
        unsafe {
            let p = a.alloc(layout);
            fill(p, layout.size(), 1);
            a.dealloc(p, layout);
            for size in [10, LARGE, 2 * LARGE] {
                let l = Layout::from_size_align(size, 8).unwrap();
                let z = a.alloc_zeroed(l);
                assert!(std::slice::from_raw_parts(z, size).iter().all(|b| *b == 0));
                a.dealloc(z, l);
            }
        }
    }

    #[test]
    fn the_kept_mappings_stay_within_their_bound() {
        let _serial = serial();
        let a = Allocator;
        let layout = Layout::from_size_align(3 * 1024 * 1024, 8).unwrap();
        // SAFETY: valid layouts; each block is freed once with its layout.
        unsafe {
            let blocks: Vec<*mut u8> = (0..CACHE_SLOTS + 1).map(|_| a.alloc(layout)).collect();
            for p in blocks {
                assert!(!p.is_null());
                fill(p, layout.size(), 5);
                a.dealloc(p, layout);
                assert!(cached_bytes() <= CACHED_BYTES, "{}", cached_bytes());
            }
        }
    }

    #[test]
    fn large_blocks_over_a_page_of_alignment_are_aligned() {
        let _serial = serial();
        let a = Allocator;
        let layout = Layout::from_size_align(LARGE, 4 * MIN_PAGE).unwrap();
        // SAFETY: a valid layout, freed once with it.
        unsafe {
            let p = a.alloc(layout);
            assert_eq!(p as usize % (4 * MIN_PAGE), 0);
            fill(p, LARGE, 3);
            a.dealloc(p, layout);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any sequence of allocations, resizes and frees from several threads at once: every
        /// block keeps its contents, and the kept mappings never exceed their bound.
        #[test]
        fn blocks_keep_their_contents_and_the_cache_its_bound(
            ops in proptest::collection::vec((0usize..6, 1usize..(4 * LARGE), any::<u8>()), 1..40),
        ) {
            let run = |ops: Vec<(usize, usize, u8)>| {
                let a = Allocator;
                let mut live: Vec<(*mut u8, usize, u8)> = Vec::new();
                for (op, size, seed) in ops {
                    // SAFETY: every block in `live` is live with its size; each is freed once.
                    unsafe {
                        match op {
                            0 | 1 if !live.is_empty() => {
                                let i = size % live.len();
                                let (p, old, s) = live[i];
                                let q = a.realloc(p, Layout::from_size_align(old, 8).unwrap(), size);
                                assert!(!q.is_null());
                                assert!(holds(q, old.min(size), s));
                                fill(q, size, seed);
                                live[i] = (q, size, seed);
                            }
                            2 if !live.is_empty() => {
                                let (p, old, s) = live.swap_remove(size % live.len());
                                assert!(holds(p, old, s));
                                a.dealloc(p, Layout::from_size_align(old, 8).unwrap());
                            }
                            _ => {
                                let p = a.alloc(Layout::from_size_align(size, 8).unwrap());
                                assert!(!p.is_null());
                                fill(p, size, seed);
                                live.push((p, size, seed));
                            }
                        }
                    }
                    assert!(cached_bytes() <= CACHED_BYTES);
                }
                for (p, size, s) in live {
                    assert!(holds(p, size, s));
                    // SAFETY: live, freed once.
                    unsafe { a.dealloc(p, Layout::from_size_align(size, 8).unwrap()) };
                }
            };
            let _serial = serial();
            let half = ops.len() / 2;
            let (mine, theirs) = (ops[..half].to_vec(), ops[half..].to_vec());
            std::thread::scope(|s| {
                s.spawn(|| run(theirs));
                run(mine);
            });
        }
    }
}
