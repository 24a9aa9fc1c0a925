//! Helpers shared by the integration tests. Each test crate uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Copies `src` to `dst` recursively (regular files and directories only), leaving out
/// OpenTofu's working files (`.terraform/`, lock files) that a developer's local `tofu test`
/// leaves in `modules/`.
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name == ".terraform.lock.hcl" {
            continue;
        }
        let ty = entry.file_type().unwrap();
        let to = dst.join(&name);
        if ty.is_dir() {
            copy_tree(&entry.path(), &to);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Skips what needs `what` (saying so on stderr), unless `TOFUGEN_REQUIRE_TOOLS=1` (CI), where
/// a missing tool fails the test instead.
pub fn skip_unless_required(what: &str) {
    assert!(
        std::env::var("TOFUGEN_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "{what} is required (TOFUGEN_REQUIRE_TOOLS=1)"
    );
    eprintln!("SKIPPED: {what} not found");
}

/// Whether every one of `commands` runs (`<command> --version`); when one does not, see
/// [`skip_unless_required`].
pub fn commands_available(commands: &[&str]) -> bool {
    let found = commands.iter().all(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        skip_unless_required(&commands.join(" and "));
    }
    found
}

/// The jq the generated workflows' scripts meet on GitHub's `ubuntu-24.04` runners.
pub const RUNNER_JQ: &str = "jq-1.7.1";

/// The `PATH` for a test that runs the generated workflows' scripts with bash and jq: `first`,
/// then the directory of the runners' jq ([`RUNNER_JQ`], built on first use by `.ci/toolchain
/// --jq` into its cache outside the repository, about 30 s cold), then `rest`. `None` (the test
/// skips, saying so) when bash is missing, or when that jq cannot be built here and the `PATH`
/// has no jq either; another jq on the `PATH` (Debian 12's 1.6, 8 times slower to start) is used
/// then, saying so. With `TOFUGEN_REQUIRE_TOOLS=1` (CI) only the runners' jq will do.
pub fn path_with_runner_jq(first: &Path, rest: &str) -> Option<String> {
    static JQ_DIR: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let jq_dir = JQ_DIR.get_or_init(|| {
        let out = std::process::Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/toolchain"))
            .arg("--jq")
            .stderr(std::process::Stdio::inherit())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let dir = String::from_utf8(out.stdout).ok()?.trim_end().to_string();
        let version = std::process::Command::new(Path::new(&dir).join("jq"))
            .arg("--version")
            .output()
            .ok()?;
        (String::from_utf8_lossy(&version.stdout).trim() == RUNNER_JQ).then_some(dir)
    });
    if !commands_available(&["bash"]) {
        return None;
    }
    match jq_dir {
        Some(dir) => Some(format!("{}:{dir}:{rest}", first.display())),
        None => {
            assert!(
                std::env::var("TOFUGEN_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "the runners' {RUNNER_JQ} is required (TOFUGEN_REQUIRE_TOOLS=1): .ci/toolchain --jq failed"
            );
            if !commands_available(&["jq"]) {
                return None;
            }
            eprintln!("NOTE: the runners' {RUNNER_JQ} could not be built: using the PATH's jq");
            Some(format!("{}:{rest}", first.display()))
        }
    }
}

/// The offline validators' directory (`TOFUGEN_VALIDATORS`, as `.ci/run` installs them, else
/// `~/.cache/tofugen-ci/validators`), with actionlint and zizmor in `venv/bin/`; `None`
/// (printed) when absent and not required ([`skip_unless_required`]).
pub fn validators() -> Option<PathBuf> {
    let dir = std::env::var_os("TOFUGEN_VALIDATORS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tofugen-ci/validators"))
        })
        .filter(|d| d.join("venv/bin/actionlint").is_file());
    if dir.is_none() {
        skip_unless_required("actionlint and zizmor (set TOFUGEN_VALIDATORS)");
    }
    dir
}
