//! The `tofugen` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    tofugen::alloc::keep_freed_pages();
    tofugen::alloc::skip_exit_collection();
    // No transparent huge pages: mimalloc advised them for its arenas, and the kernel then
    // zeroes 2 MiB at the first touch of each region, most of which a thread's pages never use.
    // Measured on the 1000 x 10 benchmark (2-core VM, alternating runs): peak RSS of
    // `generate` from empty 157-182 -> 122-129 MB, with nothing to change 157-166 -> 139-145 MB,
    // `check` 192-210 -> 155-169 MB, times within the noise. With flags 0 the kernel disables
    // huge pages for the whole process whatever the global setting, and the flag is inherited
    // across fork and kept across execve (man7.org, PR_SET_THP_DISABLE(2const)); mimalloc's own
    // `allow_thp` option makes the same call, but only when it initialises, before `main`
    // (libmimalloc-sys 0.1.49, c_src/mimalloc/v2/src/prim/unix/prim.c, `_mi_prim_mem_init`).
    // Made here, the call comes after Rust's runtime has allocated: under the kernel's `madvise`
    // setting the arena's first 2 MiB region was already a huge page, zeroed at the first
    // allocation (9 % of the samples of `tofugen --version` under `perf`). mimalloc is now built
    // with its `no_thp` feature (MI_NO_THP: `unix_mmap` no longer calls `madvise(MADV_HUGEPAGE)`,
    // libmimalloc-sys 0.1.49 build.rs and c_src/mimalloc/v2/src/prim/unix/prim.c), so that
    // region is made of small pages; this call still covers the kernel's `always` setting.
    // Measured alternating against the build without it (60 pairs, committed configuration):
    // `check` 6.4 -> 6.2 ms, `generate` 5.0 -> 4.9 ms, `validate` 3.1 -> 3.0 ms; 1000 x 10 as
    // fast, the same peak RSS (6 pairs). Made from an ELF constructor instead (before any
    // allocation), the call was measured twice: 3-5 % slower on mimalloc v3 at one stop, 5 %
    // faster on v3 at another, and with the v2 sources as fast as here (committed `generate`,
    // `check` and `validate`, 80 alternating pairs each; 812 page faults against 621): not kept.
    #[cfg(target_os = "linux")]
    // SAFETY: takes integers, touches no memory; an error leaves huge pages allowed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
    };
    tofugen::cli::main()
}

// The pipeline allocates many small strings; mimalloc makes large configurations markedly faster.
// The generated files (megabytes each on a large tree) are mapped from the kernel instead: see
// `tofugen::alloc`.
#[global_allocator]
static GLOBAL: tofugen::alloc::Allocator = tofugen::alloc::Allocator;

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    /// Held by the tests that read or set mimalloc's purge delay, a process-wide option.
    static PURGE_DELAY: Mutex<()> = Mutex::new(());

    /// The index is mimalloc's purge delay: unset, it holds that option's v2 default (10 ms, in
    /// v2's src/options.c; the neighbouring options hold 0 or 1, or 10 for `arena_purge_mult`,
    /// which comes later); an upgrade that reorders the options fails here instead of tuning
    /// another option.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        let _held = PURGE_DELAY.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: reads an integer option.
        let value =
            unsafe { libmimalloc_sys::mi_option_get(tofugen::alloc::MI_OPTION_PURGE_DELAY) };
        assert_eq!(value, 10);
    }

    /// The index is mimalloc's `destroy_on_exit`: unset (the tests do not call
    /// `skip_exit_collection`), it holds that option's default, 0, between
    /// `max_segment_reclaim` (10 %) and `arena_reserve` (1 GiB, read in KiB), as in v2's
    /// src/options.c; an upgrade that reorders the options fails here.
    #[test]
    fn the_exit_option_is_the_one_set() {
        // SAFETY: reads integer options.
        let around = unsafe {
            [-1, 0, 1].map(|d| {
                libmimalloc_sys::mi_option_get(tofugen::alloc::MI_OPTION_DESTROY_ON_EXIT + d)
            })
        };
        assert_eq!(around, [10, 0, 1 << 20]);
    }

    /// The peak resident set `release_freed_pages` goes by is read, in bytes, and counts what
    /// this test touched.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_peak_resident_set_is_read() {
        let touched = vec![1u8; 2 * tofugen::alloc::RELEASE_FROM_BYTES as usize];
        let peak = tofugen::alloc::peak_resident_bytes().expect("getrusage");
        assert!(touched.iter().all(|&b| b == 1));
        // In bytes: the kernel counts KiB.
        assert!(peak >= touched.len() as u64, "{peak}");
    }

    /// Resident bytes of this process (`/proc/self/statm` counts pages).
    #[cfg(target_os = "linux")]
    fn resident() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
        let pages: usize = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .expect("the resident pages");
        // SAFETY: reads a system constant.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        pages * usize::try_from(page).expect("a page size")
    }

    /// Pages freed by a thread that allocated them after `keep_freed_pages` (as the validation's
    /// threads do) leave the resident set at `release_freed_pages`: most of 64 MiB of small
    /// blocks (mimalloc's, under `alloc::LARGE`). Fails with the delay "never" (-1), under which
    /// mimalloc makes its segments unpurgeable.
    #[cfg(target_os = "linux")]
    #[test]
    fn released_pages_leave_the_resident_set() {
        const MIB: usize = 1024 * 1024;
        let _held = PURGE_DELAY.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: reads an integer option.
        let before =
            unsafe { libmimalloc_sys::mi_option_get(tofugen::alloc::MI_OPTION_PURGE_DELAY) };
        tofugen::alloc::keep_freed_pages();
        std::thread::spawn(|| {
            let blocks: Vec<Box<[u8; 1024]>> =
                (0..64 * 1024).map(|_| Box::new([1; 1024])).collect();
            assert_eq!(blocks.len() * 1024, 64 * MIB);
        })
        .join()
        .expect("the allocating thread");
        let held = resident();
        tofugen::alloc::release_freed_pages();
        let released = held.saturating_sub(resident());
        // SAFETY: sets an integer option back; no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(tofugen::alloc::MI_OPTION_PURGE_DELAY, before) };
        assert!(
            released >= 32 * MIB,
            "{} MiB left the resident set of {} MiB",
            released / MIB,
            held / MIB
        );
    }
}
