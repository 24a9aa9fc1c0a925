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
