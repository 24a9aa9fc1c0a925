//! The rule families: one file each, every rule's metadata beside its check.
//!
//! [`FAMILIES`] is what [`super::registry`] reads; `check_all` runs every family in a fixed
//! order, so output is deterministic.

pub mod alerts;
pub mod backups;
pub mod containers;
pub mod database;
pub mod environments;
pub mod names;
pub mod probes;
pub mod production;
pub mod references;
pub mod regions;
pub mod scaling;
pub mod secrets;
pub mod versions;

use super::{Checker, Rule};

/// Every family by name, with its rules.
pub const FAMILIES: &[(&str, &[Rule])] = &[
    ("alerts", alerts::RULES),
    ("backups", backups::RULES),
    ("containers", containers::RULES),
    ("database", database::RULES),
    ("environments", environments::RULES),
    ("names", names::RULES),
    ("probes", probes::RULES),
    ("production", production::RULES),
    ("references", references::RULES),
    ("regions", regions::RULES),
    ("scaling", scaling::RULES),
    ("secrets", secrets::RULES),
    ("versions", versions::RULES),
];

/// Runs every family on the whole configuration: the project-wide rules, then each
/// environment's, one environment at a time. (Checking two at a time on two threads was
/// measured on `validate` at 1000 x 10: 0.42 -> 0.34 s of wall time, but peak RSS 56-61 ->
/// 57-68 MiB, over the 64 MB goal of issue 13: not taken.)
pub(crate) fn check_all(c: &mut Checker<'_>) {
    let resolved = c.resolved;
    versions::check(c);
    names::project(c);
    environments::check(c);
    secrets::plaintext(c);
    for env in &resolved.environments {
        check_environment(c, env);
    }
}

/// Every per-environment rule on `original`.
fn check_environment(c: &mut Checker<'_>, original: &crate::resolve::ResolvedEnvironment) {
    // A copy, dropped after its rules: the merged tree the rules' positions come from is
    // built for it ([`crate::resolve::Origins`]) and freed before the next environment's.
    let copy = original.clone();
    let env = &copy;
    regions::check(c, env);
    names::environment(c, env);
    alerts::contacts(c, env);
    containers::quota(c, env);
    for service in &env.services {
        names::service(c, env, service);
        // Without an HTTP port, the other container settings are moot: TG009 says why.
        if !containers::check(c, env, service) {
            continue;
        }
        scaling::check(c, env, service);
        production::service(c, env, service);
        probes::check(c, env, service);
    }
    references::check(c, env);
    secrets::check(c, env);
    database::check(c, env);
    production::database(c, env);
    names::database(c, env);
    backups::check(c, env);
    alerts::check(c, env);
    alerts::rule_groups(c, env);
}
