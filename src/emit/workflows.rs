//! Emits the workflows part of the generated tree.

use super::GeneratedFile;
use crate::resolve::Resolved;

/// The workflows files.
pub fn emit(_resolved: &Resolved, _source: &str) -> Vec<GeneratedFile> {
    Vec::new()
}
