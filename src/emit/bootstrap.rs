//! Emits the bootstrap part of the generated tree.

use super::GeneratedFile;
use crate::resolve::Resolved;

/// The bootstrap files.
pub fn emit(_resolved: &Resolved, _source: &str) -> Vec<GeneratedFile> {
    Vec::new()
}
