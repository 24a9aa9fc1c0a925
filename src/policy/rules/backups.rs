//! Backup tiers: bounds, ordering and the production retention policy. (The schema checks
//! that job schedules are 5-field cron expressions with fields in range.)

use crate::diagnostics::Level;
use crate::policy::{Checker, ENV, Rule, Safety, builtin_note, limits};
use crate::resolve::ResolvedEnvironment;

/// TG003: longer tiers keep backups longer.
pub const TG003: Rule = Rule {
    code: "TG003",
    name: "backup-tier-order",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "backup tiers are ordered: daily retention < weekly < monthly",
    rationale: "a longer tier that expires sooner than a shorter one adds cost without adding any restore point",
    bad: "defaults:\n  database:\n    backups:\n      weekly: { retention: 20d }\n",
    good: "defaults:\n  database:\n    backups:\n      weekly: { retention: 120d }\n",
};

/// TG004: production keeps a month of daily, a quarter of weekly and a year of monthly backups.
pub const TG004: Rule = Rule {
    code: "TG004",
    name: "production-backup-retention",
    level: Level::Error,
    safety: Safety::Production,
    title: "production keeps daily >= 30d, weekly >= 90d and monthly >= 365d backups, all three enabled",
    rationale: "a month of daily, a quarter of weekly and a year of monthly restore points cover a late-noticed corruption as well as an audit",
    bad: "environments:\n  production:\n    database:\n      backups:\n        daily: { retention: 7d }\n",
    good: "environments:\n  production:\n    database:\n      backups:\n        daily: { retention: 35d }\n",
};

/// TG005: retention within tofugen's bounds.
pub const TG005: Rule = Rule {
    code: "TG005",
    name: "backup-retention-bounds",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "backup retention is within accepted bounds (daily 1-365d, weekly 7-3650d, monthly 28-3650d, whole days), and non-current state versions are kept 1-3650 whole days; the schema checks the cron schedules",
    rationale: "Scaleway documents no maximum, so tofugen keeps sane bounds; longer retention belongs to a longer tier. modules/backups refuses weekly backups kept under a week and monthly ones under 28 days (the tier would have days without a restore point), and modules/state-bucket keeps state versions 1-3650 days",
    bad: "defaults:\n  database:\n    backups:\n      daily: { retention: 400d }\n",
    good: "defaults:\n  database:\n    backups:\n      daily: { retention: 60d }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG003, TG004, TG005];

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    state_versions(c, env);
    let Some(db) = &env.database else {
        return;
    };
    let b = &db.backups;
    let tiers = [
        ("daily", b.daily),
        ("weekly", b.weekly.as_ref().map(|j| j.retention)),
        ("monthly", b.monthly.as_ref().map(|j| j.retention)),
    ];
    let place_of = |c: &Checker<'_>, tier: &str| {
        let path = format!("database.backups.{tier}.retention");
        if c.written(env, &path) {
            c.at(env, &path)
        } else {
            c.key_above(env, &path)
        }
    };
    // TG005: bounds.
    for (tier, retention) in tiers {
        let Some(r) = retention else { continue };
        let (lo, hi) = match tier {
            "daily" => limits::DAILY_RETENTION_DAYS,
            "weekly" => limits::WEEKLY_RETENTION_DAYS,
            _ => limits::MONTHLY_RETENTION_DAYS,
        };
        if r.seconds % 86_400 != 0 || !(lo..=hi).contains(&r.days()) {
            let place = place_of(c, tier);
            c.push(
                &TG005,
                Some(env),
                place,
                format!("{tier} backup retention {r} is out of bounds"),
                format!("whole days from {lo}d to {hi}d"),
                if tier == "daily" {
                    "keep daily backups up to 365d; use the monthly tier for longer retention"
                        .to_string()
                } else {
                    format!("use a retention from {lo}d to {hi}d")
                },
            );
        }
    }
    // TG003: ordering among enabled tiers.
    let enabled: Vec<(&str, crate::model::Duration)> = tiers
        .iter()
        .filter_map(|(t, r)| r.map(|r| (*t, r)))
        .collect();
    for pair in enabled.windows(2) {
        let ((short, rs), (long, rl)) = (pair[0], pair[1]);
        if rs >= rl {
            let place = place_of(c, long);
            c.push(
                &TG003,
                Some(env),
                place,
                format!(
                    "{long} backups are kept {rl}, not longer than {short} backups ({rs}) in {ENV}"
                ),
                format!("{long} retention longer than {short} retention ({rs})"),
                format!("keep {long} backups longer than {rs}, or turn the {long} tier off"),
            );
        }
    }
    // TG004: production minimums.
    if env.is_production() {
        let (d, w, m) = limits::PRODUCTION_RETENTION_DAYS;
        for ((tier, retention), min) in tiers.iter().zip([d, w, m]) {
            match retention {
                None => {
                    let path = format!("database.backups.{tier}.enabled");
                    let place = if c.written(env, &path) {
                        c.at(env, &path)
                    } else {
                        c.key_above(env, &path)
                    };
                    c.push(
                        &TG004,
                        Some(env),
                        place,
                        format!("{tier} backups are off in production environment {ENV}"),
                        format!("{tier} backups kept at least {min}d"),
                        format!(
                            "set `{tier}: {{ enabled: true, retention: {min}d }}` under `environments.{}.database.backups`",
                            env.name
                        ),
                    );
                }
                Some(r) if r.days() < min => {
                    let place = place_of(c, tier);
                    c.push(
                        &TG004,
                        Some(env),
                        place,
                        format!(
                            "{tier} backups are kept {r}{} in production environment {ENV}",
                            builtin_note(c.written(
                                env,
                                &format!("database.backups.{tier}.retention")
                            ))
                        ),
                        format!("at least {min}d"),
                        format!(
                            "set `{tier}: {{ retention: {min}d }}` under `environments.{}.database.backups`",
                            env.name
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

/// TG005: `state.keep_versions` is whole days within modules/state-bucket's bounds (`12h` would
/// be 0 days, which the bootstrap root refuses at `tofu validate`).
fn state_versions(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let path = "state.keep_versions";
    // The resolved environment keeps whole days only: the value as written says more.
    let Some(node) = c.raw_at(env, &["state", "keep_versions"]) else {
        return;
    };
    let crate::load::NodeKind::Str(text) = &node.kind else {
        return;
    };
    let Ok(d) = crate::model::Duration::parse(text) else {
        return;
    };
    let (lo, hi) = limits::KEEP_VERSIONS_DAYS;
    if d.seconds % 86_400 != 0 || !(lo..=hi).contains(&d.days()) {
        let place = c.at(env, path);
        c.push(
            &TG005,
            Some(env),
            place,
            format!("non-current state versions are kept {d}, out of bounds"),
            format!("whole days from {lo}d to {hi}d"),
            format!("use a duration from {lo}d to {hi}d, e.g. `keep_versions: 90d`"),
        );
    }
}
