//! Health probes: present, consistent, and checking one thing. (The schema requires a probe
//! `path` to be an absolute URL path.)

use crate::diagnostics::Level;
use crate::load::NodeKind;
use crate::policy::{Checker, ENV, Place, Rule, Safety};
use crate::resolve::{ResolvedEnvironment, ResolvedService};

/// TG006: liveness and startup probes on every service.
pub const TG006: Rule = Rule {
    code: "TG006",
    name: "probes-required",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "every HTTP service has a liveness and a startup probe",
    rationale: "without a startup probe a broken revision receives traffic; without liveness a hung instance is never restarted",
    bad: "defaults:\n  services:\n    web:\n      probes:\n        startup: null   # no startup probe\n        liveness: { path: /healthz }\n",
    good: "defaults:\n  services:\n    web:\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\n",
};

/// TG007: a probe finishes before the next one starts.
pub const TG007: Rule = Rule {
    code: "TG007",
    name: "probe-timeout-below-interval",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a probe's timeout is shorter than its interval",
    rationale: "a probe that may outlast its interval overlaps the next one and reports stale health",
    bad: "defaults:\n  services:\n    web:\n      probes:\n        liveness: { path: /healthz, interval: 5s, timeout: 5s }\n",
    good: "defaults:\n  services:\n    web:\n      probes:\n        liveness: { path: /healthz, interval: 5s, timeout: 2s }\n",
};

/// TG008: a probe checks an HTTP path or a TCP connection, not both, not neither.
pub const TG008: Rule = Rule {
    code: "TG008",
    name: "probe-check",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a probe is one HTTP path starting with `/`, or `tcp: true`",
    rationale: "Scaleway takes precisely one of http/tcp, and an HTTP path is requested as written",
    bad: "defaults:\n  services:\n    web:\n      probes:\n        liveness: { path: /healthz, tcp: true }\n",
    good: "defaults:\n  services:\n    web:\n      probes:\n        liveness: { path: /healthz, tcp: false }\n",
};

/// TG118: the worst case of every job applying the environment fits one GitHub job.
pub const TG118: Rule = Rule {
    code: "TG118",
    name: "apply-job-budget",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "the worst case of a job applying the environment fits GitHub's 6-hour job limit",
    rationale: "the deploy, promote and rollback jobs get a `timeout-minutes` covering their worst case (each container's wait, derived from its startup probe window, the smoke tests and the automatic rollback); a job past GitHub's 360 minutes (on a GitHub-hosted runner: \"each job in a workflow can run for up to 6 hours of execution time\", GitHub Docs, Actions usage limits) may be cancelled mid-apply, and a cancelled job is never rolled back; a warning, as the worst case is rare and self-hosted runners allow longer",
    bad: "defaults:\n  services:\n    web:\n      probes:\n        startup: { path: /healthz, interval: 60s, timeout: 5s, failure_threshold: 180 }   # 3 hours\n",
    good: "defaults:\n  services:\n    web:\n      probes:\n        startup: { path: /healthz, interval: 10s, timeout: 5s, failure_threshold: 60 }   # 10 minutes\n",
};

/// TG120: the container wait a startup window needs is one `modules/service` accepts.
pub const TG120: Rule = Rule {
    code: "TG120",
    name: "startup-window-bounded",
    level: Level::Error,
    safety: Safety::Required,
    title: "a startup probe window plus 5 minutes is at most 5 days (the longest container wait the service module accepts)",
    rationale: "each container's apply waits for its startup probe window (`interval` x `failure_threshold`) plus 5 minutes for the image pull; `modules/service` refuses a wait over 432000 s (5 days, the longest a GitHub Actions job may run, on a self-hosted runner: GitHub Docs, usage limits for self-hosted runners), so the root would fail `tofu validate` on every pull request",
    bad: "defaults:\n  services:\n    web:\n      probes:\n        startup: { path: /healthz, interval: 1h, timeout: 5s, failure_threshold: 120 }   # 5 days\n",
    good: "defaults:\n  services:\n    web:\n      probes:\n        startup: { path: /healthz, interval: 10s, timeout: 5s, failure_threshold: 60 }   # 10 minutes\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG006, TG007, TG008, TG118, TG120];

/// TG118: the budget of the longest job applying `env` (see [`crate::emit::budget`]) is at
/// most GitHub's job limit. Reported at the startup probe with the longest window.
pub(crate) fn budget(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    use crate::emit::budget::{GITHUB_JOB_LIMIT_MINUTES, Job, copied_images, job_budget};
    let images = copied_images(env);
    // `max_by_key` keeps the last of equal budgets: the deploy job before the rollback job.
    let mut jobs = vec![
        ("rollback", job_budget(env, Job::Rollback)),
        ("deploy", job_budget(env, Job::Deploy)),
    ];
    if env.promote_from.is_some() {
        jobs.push(("promote", job_budget(env, Job::Promote { images })));
    }
    let Some((job, worst)) = jobs.into_iter().max_by_key(|(_, b)| b.seconds()) else {
        return;
    };
    if worst.minutes() <= GITHUB_JOB_LIMIT_MINUTES {
        return;
    }
    let Some(slowest) = env
        .services
        .iter()
        .max_by_key(|s| crate::emit::budget::startup_window_seconds(s))
    else {
        return;
    };
    let name = &slowest.name;
    let window = crate::emit::budget::startup_window_seconds(slowest);
    let place = if slowest.startup.is_some() {
        c.at(
            env,
            &format!("services.{name}.probes.startup.failure_threshold"),
        )
    } else {
        c.key_at(env, &format!("services.{name}"))
    };
    let mins = |s: u64| s.div_ceil(60);
    c.push(
        &TG118,
        Some(env),
        place,
        format!(
            "the {job} job of {ENV} may take {} minutes (set-up {}, apply {}, smoke test {}, rollback {}, alert rules {}, margin {}), over GitHub's {GITHUB_JOB_LIMIT_MINUTES}; the startup probe of `{name}` allows {} minutes",
            worst.minutes(),
            mins(worst.setup + worst.copies),
            mins(worst.apply),
            mins(worst.smoke),
            mins(worst.rollback),
            mins(worst.rules),
            mins(worst.margin),
            mins(window),
        ),
        format!("a worst case of at most {GITHUB_JOB_LIMIT_MINUTES} minutes"),
        format!(
            "shorten the startup window of `{name}` (`interval` x `failure_threshold`), or split the environment's services"
        ),
    );
}

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    let name = &s.name;
    let wait = crate::emit::budget::container_wait_seconds(s);
    if wait > crate::emit::budget::MAX_CONTAINER_WAIT
        && let Some(startup) = &s.startup
    {
        let place = c.at(
            env,
            &format!("services.{name}.probes.startup.failure_threshold"),
        );
        let max = crate::emit::budget::MAX_CONTAINER_WAIT;
        let allowance = crate::emit::budget::START_ALLOWANCE;
        let most = (max - allowance) / startup.interval.seconds.max(1);
        let window = crate::emit::budget::startup_window_seconds(s);
        let window = if window == u64::MAX {
            "more than 5 days".to_string()
        } else {
            format!("{window} s")
        };
        let help = if most == 0 {
            format!(
                "shorten `interval` ({}) to at most {} s: one interval alone is longer than the wait allows",
                startup.interval,
                max - allowance
            )
        } else {
            format!(
                "lower `failure_threshold` to at most {most} at `interval: {}` (or shorten the interval)",
                startup.interval
            )
        };
        c.push(
            &TG120,
            Some(env),
            place,
            format!(
                "the startup probe of `{name}` in {ENV} allows {window} (`interval` {} x `failure_threshold` {}): with the image pull, each apply would wait longer than the {max} s `modules/service` accepts",
                startup.interval,
                startup.failure_threshold,
            ),
            format!("a startup window of at most {} s", max - allowance),
            help,
        );
    }
    for (kind, probe) in [("startup", &s.startup), ("liveness", &s.liveness)] {
        // Paths are built only for a finding: most probes have none.
        let ppath = || format!("services.{name}.probes.{kind}");
        let Some(probe) = probe else {
            let base = format!("services.{name}");
            let place = Place::new(ppath(), c.key_at(env, &base).span);
            // A probe the schema refused is reported there.
            if c.refused_at(&env.name, &["services", name, "probes", kind]) {
                continue;
            }
            let health = s.health_path().unwrap_or("/health");
            c.push(
                &TG006,
                Some(env),
                place,
                format!("service `{name}` has no {kind} probe in {ENV}"),
                format!("`probes.{kind}` with an HTTP `path`"),
                // A process that serves no HTTP route has a TCP probe (sweep 33, #6: nothing
                // said so but the schema).
                format!(
                    "add `probes: {{ {kind}: {{ path: {health} }} }}` under `services.{name}` (or `{{ {kind}: {{ tcp: true }} }}` if it serves no HTTP route: the probe then only opens a connection to its `port`)"
                ),
            );
            continue;
        };
        if probe.timeout >= probe.interval {
            let place = c.at(env, &format!("{}.timeout", ppath()));
            c.push(
                &TG007,
                Some(env),
                place,
                format!(
                    "the {kind} probe of `{name}` may take {} but runs every {}",
                    probe.timeout, probe.interval
                ),
                format!("a timeout shorter than the interval ({})", probe.interval),
                format!(
                    "lower `timeout` below {} or raise `interval`",
                    probe.interval
                ),
            );
        }
        let has_path = c.written_at(env, &["services", name, "probes", kind, "path"]);
        let tcp = c
            .raw_at(env, &["services", name, "probes", kind, "tcp"])
            .is_some_and(|n| n.kind == NodeKind::Bool(true));
        if has_path && tcp {
            let place = c.at(env, &format!("{}.tcp", ppath()));
            c.push(
                &TG008,
                Some(env),
                place,
                format!("the {kind} probe of `{name}` sets both `path` and `tcp: true`"),
                "either an HTTP `path` or `tcp: true`",
                "remove `tcp: true` to probe over HTTP (recommended)",
            );
        } else if !has_path && !tcp {
            let place = c.key_at(env, &ppath());
            // A path the schema refused (`path: health`) is reported there, with its fix.
            if c.refused_at(&env.name, &["services", name, "probes", kind, "path"]) {
                continue;
            }
            c.push(
                &TG008,
                Some(env),
                place,
                format!("the {kind} probe of `{name}` checks nothing"),
                "an HTTP `path` or `tcp: true`",
                "add `path: /health` (or the application's health path)",
            );
        }
    }
}
