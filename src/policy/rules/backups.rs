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
    safety: Safety::Required,
    title: "backup retention is within accepted bounds (daily 1-365d, weekly 7-3650d, monthly 28-3650d, whole days), and non-current state versions are kept 1-3650 whole days; the schema checks the cron schedules",
    rationale: "Scaleway documents no maximum, so tofugen keeps sane bounds; longer retention belongs to a longer tier. modules/backups refuses weekly backups kept under a week and monthly ones under 28 days (the tier would have days without a restore point), and modules/state-bucket keeps state versions 1-3650 days",
    bad: "defaults:\n  database:\n    backups:\n      daily: { retention: 400d }\n",
    good: "defaults:\n  database:\n    backups:\n      daily: { retention: 60d }\n",
};

/// TG128: a weekly job runs weekly, a monthly job monthly.
pub const TG128: Rule = Rule {
    code: "TG128",
    name: "backup-cadence",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "the weekly backup job runs at least every 7 days and the monthly one at least every 31, once on each day they run",
    rationale: "a tier's retention promises restore points of its cadence: `0 3 29 2 *` as the weekly schedule passes every other check and leaves four years between two weekly backups, and `* * * * *` keeps a dump of every minute for the tier's retention (525 600 a year for the monthly tier)",
    bad: "defaults:\n  database:\n    backups:\n      weekly: { enabled: true, schedule: \"0 3 29 2 *\" }\n",
    good: "defaults:\n  database:\n    backups:\n      weekly: { enabled: true, schedule: \"0 3 * * 0\" }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG003, TG004, TG005, TG128];

/// TG128 on the weekly and monthly jobs of `env`: the longest gap between two days a schedule
/// runs on, over four years ([`crate::schema_check::domains::cron_days`]), against the tier's
/// cadence, and its runs on each of those days.
fn cadence(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let Some(db) = &env.database else {
        return;
    };
    for (tier, job, most) in [
        ("weekly", &db.backups.weekly, 7u32),
        ("monthly", &db.backups.monthly, 31),
    ] {
        let Some(job) = job else { continue };
        let Some((days, runs)) = crate::schema_check::domains::cron_days(&job.schedule) else {
            continue;
        };
        let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
            continue;
        };
        // Four years of days; the days before the first run and after the last count too
        // (the calendar does not wrap: 2028-01-01 is not a Monday as 2024-01-01 was).
        const DAYS: u32 = 4 * 365 + 1;
        let gap = days
            .windows(2)
            .map(|w| w[1] - w[0])
            .chain([first, DAYS - 1 - last])
            .max()
            .unwrap_or(DAYS);
        let path = format!("database.backups.{tier}.schedule");
        let place = if c.written(env, &path) {
            c.at(env, &path)
        } else {
            c.key_above(env, &path)
        };
        let schedule = &job.schedule;
        if gap > most {
            c.push(
                &TG128,
                Some(env),
                place.clone(),
                format!(
                    "the {tier} backup job of {ENV} (`{schedule}`) can go {gap} days without running"
                ),
                format!("a schedule that runs at least every {most} days"),
                if tier == "weekly" {
                    "run it on one day of every week, e.g. `0 3 * * 0` (Sundays at 03:00)"
                } else {
                    "run it on one day of every month, e.g. `0 4 1 * *` (the 1st at 04:00)"
                },
            );
        }
        if runs > 1 {
            c.push(
                &TG128,
                Some(env),
                place,
                format!(
                    "the {tier} backup job of {ENV} (`{schedule}`) runs {runs} times on each day it runs, and keeps every run {}",
                    job.retention
                ),
                "one run on each day the job runs",
                "give the minute and the hour one value each, e.g. `0 3` for 03:00",
            );
        }
    }
}

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    state_versions(c, env);
    cadence(c, env);
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
