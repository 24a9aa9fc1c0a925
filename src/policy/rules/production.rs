//! The production tier: redundant services and a highly available database on production
//! hardware. (Production backups are in [`super::backups`], production alert contacts in
//! [`super::alerts`].)

use crate::diagnostics::{Diagnostic, Level};
use crate::policy::{Checker, ENV, Rule, Safety, builtin_note};
use crate::resolve::{ResolvedEnvironment, ResolvedService};
use crate::source::FileId;

/// TG001: at least two instances of every production service.
pub const TG001: Rule = Rule {
    code: "TG001",
    name: "production-min-instances",
    level: Level::Error,
    safety: Safety::Production,
    title: "production services run at least 2 instances (`scale.min >= 2`)",
    rationale: "one instance is a single point of failure, and scale-to-zero adds cold starts to the first request",
    bad: "environments:\n  production:\n    services:\n      web: { scale: { min: 1 } }\n",
    good: "environments:\n  production:\n    services:\n      web: { scale: { min: 2 } }\n",
};

/// TG002: a highly available production database.
pub const TG002: Rule = Rule {
    code: "TG002",
    name: "production-database-ha",
    level: Level::Error,
    safety: Safety::Production,
    title: "a production database is highly available (`ha: true`)",
    rationale: "a standalone node is down for the whole of a maintenance or a node failure; with HA a standby node takes over: it begins handling writes 30 to 60 seconds after the main node goes down, longer under intense writes (Scaleway's Managed Databases docs, \"Understanding the autohealing feature\")",
    bad: "environments:\n  production:\n    database: { ha: false }\n",
    good: "environments:\n  production:\n    database: { ha: true }\n",
};

/// TG041: no development node types in production.
pub const TG041: Rule = Rule {
    code: "TG041",
    name: "production-database-node-type",
    level: Level::Warning,
    safety: Safety::Production,
    title: "production databases do not use development node types (DB-DEV, DB-PLAY)",
    rationale: "development nodes share CPU and are sized for tests, not production load",
    bad: "environments:\n  production:\n    database: { node_type: DB-DEV-S }\n",
    good: "environments:\n  production:\n    database: { node_type: DB-PRO2-XS }\n",
};

/// TG125: an environment named like production says its tier.
pub const TG125: Rule = Rule {
    code: "TG125",
    name: "production-like-name",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "an environment whose name has a `prod`, `production`, `prd` or `live` part sets its `tier`",
    rationale: "the tier is inferred only from the exact names `production`/`prod` (`staging` for staging), the environment's own or that of an environment it extends; `production-eu` or `live`, extending none of them, would silently get the development tier, and none of the production rules (two instances, an HA database, backups, alert contacts, protected secrets) would apply",
    bad: "environments:\n  production-eu: { promote_from: staging }\n",
    good: "environments:\n  production-eu: { tier: production, promote_from: staging }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG001, TG002, TG041, TG125];

/// Parts of an environment name (split at `-` and `_`) that say production.
const PRODUCTION_WORDS: &[&str] = &["prod", "production", "prd", "live"];

/// TG125: an environment named like production, not in the production tier, with no `tier`
/// written for it.
pub(crate) fn tier_by_name(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    if env.is_production() {
        return;
    }
    let named = env
        .name
        .split(['-', '_'])
        .any(|part| PRODUCTION_WORDS.contains(&part));
    // `tier: null` is not written (it leaves the inferred tier: adversarial sweep 18).
    if !named || c.option_node(&env.name, "tier").is_some() {
        return;
    }
    let place = c.env_place(env);
    let tier = format!("{:?}", env.tier).to_lowercase();
    c.push(
        &TG125,
        Some(env),
        place,
        format!(
            "{ENV} is named like a production environment but gets the {tier} tier (only the names `production` and `prod` are inferred, its own or those of the environments it extends): no production rule applies to it"
        ),
        "`tier:` written for an environment named like production",
        format!(
            "add `tier: production` under `environments.{}` (or `tier: {tier}` to keep the {tier} tier and silence this)",
            env.name
        ),
    );
}

/// The environments named exactly `production` or `prod` that a written `tier` (their own, or
/// one they inherit through `extends`) puts in another tier: a `warning[policy]` on every run,
/// which no override silences, as for a production safety rule turned off. One line, `tier:
/// staging`, otherwise turned off every production rule without a word (sweep 39, #1).
pub(crate) fn downgraded_tiers(c: &Checker<'_>, file: FileId) -> Vec<Diagnostic> {
    c.resolved
        .environments
        .iter()
        .filter(|env| matches!(env.name.as_str(), "production" | "prod") && !env.is_production())
        .map(|env| {
            let tier = format!("{:?}", env.tier).to_lowercase();
            let written = c.option_node(&env.name, "tier");
            let span = written
                .map(|n| n.span)
                .or_else(|| c.env_key(&env.name));
            let how = if written.is_some() {
                format!("remove `tier: {tier}` under `environments.{}`", env.name)
            } else {
                format!("add `tier: production` under `environments.{}` (the environment it extends sets `tier: {tier}`)", env.name)
            };
            Diagnostic::warning(
                crate::policy::overrides::CODE,
                format!(
                    "environment `{}` is in the {tier} tier: no production safety rule applies to it (two instances, an HA database, production backups, alert contacts, protected secrets)",
                    env.name
                ),
            )
            .at(file, span)
            .expected(format!("the production tier for an environment named `{}`", env.name))
            .help(format!("{how}; if it is not a production environment, give it another name"))
        })
        .collect()
}

/// TG001 on one service.
pub(crate) fn service(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    let name = &s.name;
    if env.is_production() && s.min_scale < 2 {
        let path = format!("services.{name}.scale.min");
        let place = c.at(env, &path);
        c.push(
            &TG001,
            Some(env),
            place,
            format!(
                "service `{name}` may run {} instance(s){} in production environment {ENV}",
                s.min_scale,
                builtin_note(c.written(env, &path))
            ),
            "`scale.min` of at least 2 in production",
            // With a maximum below 2, raising the minimum alone would trip TG016 (min above
            // max): both are set (sweep 33, #3).
            if s.max_scale < 2 {
                format!(
                    "set `scale: {{ min: 2, max: 2 }}` under `environments.{}.services.{name}` (its `scale.max` is {})",
                    env.name, s.max_scale
                )
            } else {
                format!(
                    "set `scale: {{ min: 2 }}` under `environments.{}.services.{name}`",
                    env.name
                )
            },
        );
    }
}

/// TG002 and TG041 on the environment's database.
pub(crate) fn database(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let Some(db) = &env.database else {
        return;
    };
    if !env.is_production() {
        return;
    }
    if !db.ha {
        let place = c.at(env, "database.ha");
        c.push(
            &TG002,
            Some(env),
            place,
            format!("the database of production environment {ENV} is not highly available"),
            "`ha: true` in production",
            format!(
                "set `database: {{ ha: true }}` under `environments.{}`",
                env.name
            ),
        );
    }
    let node = db.node_type.to_ascii_uppercase();
    if node.starts_with("DB-DEV") || node.starts_with("DB-PLAY") {
        let place = c.at(env, "database.node_type");
        c.push(
            &TG041,
            Some(env),
            place,
            format!(
                "production database of {ENV} runs on development node type `{}`",
                db.node_type
            ),
            "a production node type such as `DB-PRO2-XS` or `DB-POP2-2C-8G`",
            format!(
                "set `node_type: DB-PRO2-XS` under `environments.{}.database`",
                env.name
            ),
        );
    }
}
