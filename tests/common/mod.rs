//! Helpers shared by the integration tests.

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
