//! The `tofugen` command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    tofugen::cli::main()
}
