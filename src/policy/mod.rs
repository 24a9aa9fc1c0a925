//! Stage 4, policy: semantic rules over the resolved environments, each with a stable code.

pub mod alerts;

use crate::diagnostics::Diagnostic;
use crate::resolve::Resolved;

/// Checks every rule on every environment.
pub fn check(file: &str, resolved: &Resolved) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for env in &resolved.environments {
        diags.extend(alerts::check(file, resolved, env));
    }
    diags
}

/// The rules as a table (`tofugen rules`).
pub fn rules_table() -> String {
    String::new()
}
