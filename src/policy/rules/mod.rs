//! The rule families: one file each, every rule's metadata beside its check.
//!
//! [`FAMILIES`] is what [`super::registry`] reads; `check_all` runs every family in a fixed
//! order, so output is deterministic.

pub mod alerts;
pub mod backups;
pub mod containers;
pub mod database;
pub mod environments;
pub mod images;
pub mod names;
pub mod probes;
pub mod production;
pub mod promql;
pub mod promql_regex;
pub mod references;
pub mod regions;
pub mod scaling;
pub mod secrets;
pub mod urls;
pub mod versions;

use super::{Checker, Finding, Rule};

/// Every family by name, with its rules.
pub const FAMILIES: &[(&str, &[Rule])] = &[
    ("alerts", alerts::RULES),
    ("backups", backups::RULES),
    ("containers", containers::RULES),
    ("database", database::RULES),
    ("environments", environments::RULES),
    ("images", images::RULES),
    ("names", names::RULES),
    ("probes", probes::RULES),
    ("production", production::RULES),
    ("references", references::RULES),
    ("regions", regions::RULES),
    ("scaling", scaling::RULES),
    ("secrets", secrets::RULES),
    ("urls", urls::RULES),
    ("versions", versions::RULES),
];

/// Runs every family on the whole configuration: the project-wide rules, then each
/// environment's, two environments at a time ([`crate::parallel::in_order_on`]; one at a time
/// below [`crate::parallel::VALIDATION_THREADS_FROM`] services). Each holds a
/// copy of its environment and that copy's merged tree while its rules run: measured on
/// `validate` at 1000 x 10 (16 alternating pairs), 137 -> 109 ms of wall time for a peak RSS
/// of 54 -> 56 MiB (under the 64 MB goal of issue 13; when first tried, the rest of `validate`
/// held more and two at a time went over it).
///
/// The findings go to `sink` as they are found, in that order: the project-wide rules', then
/// those of a few environments at a time (about `per_round` services together,
/// [`SERVICES_PER_ROUND`] in a run, and at least as many environments as threads),
/// so that memory holds a round's findings, not every environment's (review of stop 61: 20 000
/// services without a port in 32 environments were 1.3 million findings, 2.3 GB).
pub(crate) fn check_all(c: &mut Checker<'_>, per_round: usize, sink: &mut dyn FnMut(Vec<Finding>)) {
    let resolved = c.resolved;
    versions::check(c);
    versions::install(c);
    names::project(c);
    environments::check(c);
    secrets::plaintext(c);
    sink(std::mem::take(&mut c.findings));
    // Two environments at a time (`parallel::in_order_on`) unless the configuration is too
    // small to be worth a thread, each with its own findings, kept in the environments'
    // order: the same findings, in the same order, as one at a time.
    let (root, original, source, refused_secrets, declared_secrets, env_nodes) = (
        c.root,
        c.original,
        c.source,
        c.refused_secrets,
        c.declared_secrets,
        c.env_nodes,
    );
    let (promql, refused) = (c.promql, c.refused);
    let totals = Some(containers::totals(resolved));
    let threads = crate::parallel::worth_threads(
        resolved.services(),
        crate::parallel::VALIDATION_THREADS_FROM,
    );
    // Rounds of as many environments each (the last may hold fewer), so that no round is left
    // with one environment for a thread: about `per_round` services each, and at least as
    // many environments as threads.
    let environments = &resolved.environments;
    let services: usize = environments.iter().map(|e| e.services.len()).sum();
    let rounds = (services / per_round.max(1)).max(1);
    let per = environments.len().div_ceil(rounds).max(threads).max(1);
    for round in environments.chunks(per) {
        let found = crate::parallel::in_order_on(threads, round, |_, env| {
            let mut own = Checker {
                root,
                original,
                resolved,
                source,
                findings: Vec::new(),
                secrets: Vec::new(),
                refused_secrets,
                declared_secrets,
                env_nodes,
                totals,
                promql,
                refused,
            };
            check_environment(&mut own, env);
            (own.findings, own.secrets)
        });
        for (findings, secrets) in found {
            sink(findings);
            c.secrets.extend(secrets);
        }
    }
}

/// About how many services (over its environments) a round of [`check_all`] checks: the
/// findings of so many services are held at once. A configuration of fewer services is one
/// round.
pub const SERVICES_PER_ROUND: usize = 8192;

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
    containers::memory_quota(c, env);
    for service in &env.services {
        names::service(c, env, service);
        containers::check(c, env, service);
        scaling::check(c, env, service);
        production::service(c, env, service);
        // The probes check the port: without one, TG009 says what to do (a review found
        // TG006's help pointing at a port the service does not have).
        if service.port.is_some() {
            probes::check(c, env, service);
        }
    }
    probes::budget(c, env);
    images::check(c, env);
    references::check(c, env);
    references::outside_env(c, env);
    references::misspelt_services(c, env);
    urls::check(c, env);
    secrets::check(c, env);
    database::check(c, env);
    production::database(c, env);
    production::tier_by_name(c, env);
    names::database(c, env);
    backups::check(c, env);
    alerts::check(c, env);
    alerts::misspelt_rules(c, env);
    alerts::rule_groups(c, env);
    alerts::durations(c, env);
}
