//! The `tofugen` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    tofugen::cli::main()
}

// The pipeline allocates many small strings; mimalloc makes large configurations markedly faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
