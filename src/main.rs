//! The `tofugen` command line.

use std::process::ExitCode;

/// mimalloc's `mi_option_purge_delay`: its index in `mi_option_e` (include/mimalloc.h of the
/// mimalloc v3 sources libmimalloc-sys 0.1.49 builds; default 1000 ms in src/options.c).
/// `libmimalloc_sys` names it for v2 only.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Never give freed memory back to the OS during a run: tofugen runs for seconds at most,
    // and memory purged while it runs is faulted in (and zeroed, 2 MiB at a time with
    // transparent huge pages) again by the next environment. Measured on `check` of the
    // largest valid configuration (3 483 services x 2 environments, 2-core VM, `perf stat -r 4`):
    // 11 071 -> 669 page faults, 19% less CPU time, peak RSS 512 -> 550 MB.
    // SAFETY: sets an integer option; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // No transparent huge pages: mimalloc advises them for its arenas, and the kernel then
    // zeroes 2 MiB at the first touch of each region, most of which a thread's pages never use.
    // Measured on the 1000 x 10 benchmark (2-core VM, alternating runs): peak RSS of
    // `generate` from empty 157-182 -> 122-129 MB, with nothing to change 157-166 -> 139-145 MB,
    // `check` 192-210 -> 155-169 MB, times within the noise. With flags 0 the kernel disables
    // huge pages for the whole process whatever the global setting, and the flag is inherited
    // across fork and kept across execve (man7.org, PR_SET_THP_DISABLE(2const)); mimalloc's own
    // `allow_thp` option makes the same call, but only when it initialises, before `main`
    // (libmimalloc-sys 0.1.49, c_src/mimalloc/v3/src/prim/unix/prim.c, `_mi_prim_mem_init`).
    #[cfg(target_os = "linux")]
    // SAFETY: takes integers, touches no memory; an error leaves huge pages allowed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
    };
    tofugen::cli::main()
}

// The pipeline allocates many small strings; mimalloc makes large configurations markedly faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod tests {
    /// The index is mimalloc's purge delay: unset, it holds that option's v3 default (1000 ms);
    /// an upgrade that reorders the options fails here instead of tuning another option.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads an integer option.
        let value = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(value, 1000);
    }
}
