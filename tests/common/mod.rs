//! Helpers shared by the integration tests. Each test crate uses some of them.
#![allow(dead_code)]

use std::path::Path;

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
