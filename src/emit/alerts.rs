//! Emits the alerts part of the generated tree.

use super::GeneratedFile;
use crate::resolve::Resolved;

/// The alerts files.
pub fn emit(_resolved: &Resolved, _source: &str) -> Vec<GeneratedFile> {
    Vec::new()
}
