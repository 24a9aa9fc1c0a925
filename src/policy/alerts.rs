//! Policy rules for alerts and backups (unknown services, PromQL that does not parse,
//! detection objectives).

use crate::diagnostics::Diagnostic;
use crate::resolve::{Resolved, ResolvedEnvironment};

/// Checks the alert rules and backup tiers of `env`.
pub fn check(_file: &str, _resolved: &Resolved, _env: &ResolvedEnvironment) -> Vec<Diagnostic> {
    Vec::new()
}
