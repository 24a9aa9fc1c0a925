//! Embeds the module library (`modules/`) in the binary: `generate` vendors it into a user's
//! repository (`generated/modules/`), pinned to the tofugen version that wrote it. Test suites
//! (`modules/*/tests/`) stay in tofugen's repository: they are tofugen's proof, not the user's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let modules = root.join("modules");
    println!("cargo:rerun-if-changed=modules");
    let mut files = Vec::new();
    collect(&modules, &modules, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of the module library: path relative to `modules/`, contents.\n\
         pub static FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            modules.join(rel).display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("modules.rs");
    std::fs::write(dest, out).expect("write modules.rs");
}

/// Every regular file under `dir` (relative to `base`, `/`-separated), outside `tests/`
/// directories and OpenTofu working directories.
fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ty) = entry.file_type() else { continue };
        if ty.is_dir() {
            if name != "tests" && name != ".terraform" {
                collect(base, &path, out);
            }
        } else if ty.is_file()
            && !name.starts_with('.')
            && let Ok(rel) = path.strip_prefix(base)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
