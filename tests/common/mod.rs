//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The offline validators directory (`TOFUGEN_VALIDATORS`, else `/work/.validators`), if present.
pub fn validators() -> Option<PathBuf> {
    let dir = std::env::var_os("TOFUGEN_VALIDATORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/.validators"));
    dir.join("node_modules").is_dir().then_some(dir)
}

/// Runs `tests/check-hcl-format.sh` (tofu fmt check + HCL syntax) on `dir`, or prints that the
/// check was skipped when the validators are not installed.
pub fn check_hcl_format(dir: &Path) {
    let Some(validators) = validators() else {
        eprintln!("SKIPPED: HCL format check (no validators; set TOFUGEN_VALIDATORS)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check-hcl-format.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(dir)
        .env("TOFUGEN_VALIDATORS", validators)
        .output()
        .expect("run check-hcl-format.sh");
    assert!(
        out.status.success(),
        "HCL format check failed on {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
