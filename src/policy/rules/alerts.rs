//! Alerting: contacts, rules that can fire, PromQL that parses, detection objectives, and
//! backup jobs that are watched. (The schema checks rule names, `service` values, runbook URLs
//! and the Go templates of `summary` and `description`.)

use std::collections::{HashMap, HashSet};

use crate::diagnostics::{Level, Span};
use crate::emit::alerts::{
    MAX_RULES_PER_GROUP, check_threshold, detection_delay, enabled_job_tiers, is_container_kind,
    is_database_kind, kind_key, planned_group_count, planned_per_source,
};
use crate::load::Node;
use crate::model::{AlertKind, Duration};
use crate::policy::{Checker, ENV, Place, Rule, Safety};
use crate::resolve::ResolvedEnvironment;

/// TG026: contacts are distinct e-mail addresses.
pub const TG026: Rule = Rule {
    code: "TG026",
    name: "alert-contact-email",
    level: Level::Error,
    safety: Safety::Required,
    title: "alert contacts are distinct e-mail addresses",
    rationale: "Cockpit contact points are e-mail addresses; anything else silently drops the alerts, and modules/monitoring refuses a contact listed twice",
    bad: "defaults:\n  alerts:\n    contacts: [ops-team]\n",
    good: "defaults:\n  alerts:\n    contacts: [ops-team@example.org]\n",
};

/// TG100: detection within the objective.
pub const TG100: Rule = Rule {
    code: "TG100",
    name: "detection-objective",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "an alert's worst-case detection delay exceeds the detection objective",
    rationale: "an alert that fires after the objective does not meet it: shorten `for` or relax the objective",
    bad: "defaults:\n  alerts:\n    detection_objective: 10m\n    rules:\n      errors: { kind: container_error, service: \"*\", for: 15m }\n",
    good: "defaults:\n  alerts:\n    detection_objective: 10m\n    rules:\n      errors: { kind: container_error, service: \"*\", for: 1m }\n",
};

/// TG101: a watched service exists.
pub const TG101: Rule = Rule {
    code: "TG101",
    name: "alert-unknown-service",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an alert names a service the environment does not have",
    rationale: "a rule on a service that does not exist never fires",
    bad: "defaults:\n  alerts:\n    rules:\n      api-errors: { kind: container_error, service: api }\n",
    good: "defaults:\n  alerts:\n    rules:\n      web-errors: { kind: container_error, service: web }\n",
};

/// TG102: container kinds name a service.
pub const TG102: Rule = Rule {
    code: "TG102",
    name: "alert-service-required",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a container alert kind has no `service`",
    rationale: "container kinds filter on one service's container",
    bad: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error }\n",
    good: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error, service: \"*\" }\n",
};

/// TG103: database kinds need a database.
pub const TG103: Rule = Rule {
    code: "TG103",
    name: "alert-without-database",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a database alert kind in an environment without a database",
    rationale: "without a database there are no database metrics: the rule could never fire",
    bad: "environments:\n  staging:\n    database: { enabled: false }\n    alerts:\n      rules:\n        db-cpu: { kind: database_cpu }\n",
    good: "environments:\n  staging:\n    database: { enabled: true }\n    alerts:\n      rules:\n        db-cpu: { kind: database_cpu }\n",
};

/// TG104: built-in or custom, not both.
pub const TG104: Rule = Rule {
    code: "TG104",
    name: "alert-kind-or-expr",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an alert rule needs exactly one of `kind` and `expr`",
    rationale: "a rule is either built-in or custom; both at once is ambiguous",
    bad: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error, service: \"*\", expr: \"up == 0\" }\n",
    good: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error, service: \"*\" }\n",
};

/// TG105: custom expressions are PromQL.
pub const TG105: Rule = Rule {
    code: "TG105",
    name: "alert-promql",
    level: Level::Error,
    safety: Safety::Required,
    title: "a custom alert `expr` is valid PromQL that Prometheus 2 (2.42 or later) and 3 both run (no experimental function, no quoted name) and gives an instant vector or a scalar, its label matcher regexes in Go's RE2 syntax (checked without compiling them), within 16 KiB, 64 nested brackets and 256 operators (checked before parsing)",
    rationale: "Cockpit rejects a rule group with invalid PromQL when it is pushed, the PR workflow's promtool (the runner's Ubuntu package, a Prometheus 2) rejects Prometheus 3's additions, and a rule giving a string or a range vector fails every evaluation and never fires; Prometheus reads a matcher's regex with Go's regexp (`(?x)`, `\\u263A` or `x{1001}` are not Go's); the limits keep validation fast and the parser's recursion bounded",
    bad: "defaults:\n  alerts:\n    rules:\n      slow: { expr: \"sum(rate(http_requests_total[5m]) > 1\", summary: Too many requests }\n",
    good: "defaults:\n  alerts:\n    rules:\n      slow: { expr: \"sum(rate(http_requests_total[5m])) > 1\", summary: Too many requests }\n",
};

/// TG122: a custom expression reads one Cockpit data source.
pub const TG122: Rule = Rule {
    code: "TG122",
    name: "alert-one-data-source",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a custom alert `expr` reads Scaleway product metrics (`serverless_…`, `rdb_instance_…`) or application metrics, not both",
    rationale: "Cockpit evaluates a rule against one data source: Scaleway's product metrics are in the project's built-in \"Scaleway Metrics\" data source, where tofugen sends a rule that reads only them, and application metrics in the custom data source, where it sends the others; a rule reading both finds half its series missing wherever it runs, and never fires",
    bad: "defaults:\n  alerts:\n    rules:\n      busy: { expr: \"app_queue_depth > on() serverless_container_instances_total\", summary: Busy }\n",
    good: "defaults:\n  alerts:\n    rules:\n      busy: { expr: \"app_queue_depth > 100\", summary: Busy }\n",
};

/// TG106: a backup alert has jobs to watch.
pub const TG106: Rule = Rule {
    code: "TG106",
    name: "backup-alert-without-jobs",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`backup_job_failed` without any weekly or monthly backup job",
    rationale: "the rule would watch backup jobs that do not exist",
    bad: "environments:\n  staging:\n    database:\n      backups:\n        weekly: { enabled: false }\n        monthly: { enabled: false }\n",
    good: "environments:\n  staging:\n    database:\n      backups:\n        weekly: { enabled: false }\n        monthly: { enabled: false }\n    alerts:\n      rules:\n        backup-failed: { enabled: false }\n",
};

/// TG107: backup jobs are watched.
pub const TG107: Rule = Rule {
    code: "TG107",
    name: "backup-job-unwatched",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an enabled backup job tier has no `backup_job_failed` alert",
    rationale: "a silent backup failure is found only at restore time",
    bad: "defaults:\n  alerts:\n    rules:\n      backup-failed: { enabled: false }\n",
    good: "defaults:\n  alerts:\n    rules:\n      backup-failed: { enabled: true }\n",
};

/// TG108: thresholds a metric can cross.
pub const TG108: Rule = Rule {
    code: "TG108",
    name: "alert-threshold-range",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an alert threshold is out of range for its kind",
    rationale: "a threshold outside the metric's range can never be crossed",
    bad: "defaults:\n  alerts:\n    rules:\n      cpu: { kind: container_cpu, service: \"*\", threshold: 150 }\n",
    good: "defaults:\n  alerts:\n    rules:\n      cpu: { kind: container_cpu, service: \"*\", threshold: 90 }\n",
};

/// TG109: production alerts reach someone.
pub const TG109: Rule = Rule {
    code: "TG109",
    name: "production-alert-contacts",
    level: Level::Error,
    safety: Safety::Production,
    title: "a production environment has no alert contacts",
    rationale: "production alerts must reach someone",
    bad: "environments:\n  production:\n    alerts:\n      contacts: []\n",
    good: "environments:\n  production:\n    alerts:\n      contacts: [oncall@example.org]\n",
};

/// TG110: `service` only where it means something.
pub const TG110: Rule = Rule {
    code: "TG110",
    name: "alert-service-not-applicable",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`service` on an alert kind that does not watch a container",
    rationale: "`service` is ignored by this kind, which is a sign of a mistake",
    bad: "defaults:\n  alerts:\n    rules:\n      db-cpu: { kind: database_cpu, service: web }\n",
    good: "defaults:\n  alerts:\n    rules:\n      db-cpu: { kind: database_cpu }\n",
};

/// TG111: replication lag needs a replica.
pub const TG111: Rule = Rule {
    code: "TG111",
    name: "replication-lag-without-replica",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a replication-lag alert on a database without HA or read replicas",
    rationale: "replication lag exists only with a standby or a read replica",
    bad: "environments:\n  staging:\n    database: { ha: false }\n    alerts:\n      rules:\n        lag: { kind: database_replication_lag }\n",
    good: "environments:\n  staging:\n    database: { ha: true }\n    alerts:\n      rules:\n        lag: { kind: database_replication_lag }\n",
};

/// TG112: Cockpit's rule groups per project.
pub const TG112: Rule = Rule {
    code: "TG112",
    name: "cockpit-rule-groups",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an environment's alerts compile to more rule groups than Cockpit accepts in a project",
    rationale: "Cockpit accepts at most 70 rule groups of at most 20 rules per project (`ruler_max_rule_groups_per_tenant`, `ruler_max_rules_per_rule_group` in Scaleway's Cockpit limits); the groups over the limit would be refused when the deploy pushes them",
    bad: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error, service: \"*\" }   # 1 500 services: 75 groups\n",
    good: "defaults:\n  alerts:\n    rules:\n      errors: { kind: container_error, service: web }\n",
};

/// TG116: durations Prometheus can hold.
pub const TG116: Rule = Rule {
    code: "TG116",
    name: "prometheus-duration-range",
    level: Level::Error,
    safety: Safety::Required,
    title: "an alert's `for` or `evaluation_interval` is longer than a Prometheus duration can be, or `evaluation_interval` is 0s",
    rationale: "Prometheus parses `for` and a group's `interval` into a Go time.Duration, nanoseconds in an int64: 9223372036s (about 292 years) at most (prometheus/common model.ParseDuration: `duration out of range`), and promtool and Cockpit refuse the whole rule file beyond it; a group `interval` of 0 means the ruler's default, not 0 (prometheus rules/manager.go LoadGroups: `if rg.Interval != 0`), so the detection delays tofugen states would be wrong",
    bad: "defaults:\n  alerts:\n    rules:\n      down: { expr: 'up == 0', for: 300y }\n",
    good: "defaults:\n  alerts:\n    rules:\n      down: { expr: 'up == 0', for: 5m }\n",
};

/// TG134: an alert rule an environment adds is not a near miss of a default rule.
pub const TG134: Rule = Rule {
    code: "TG134",
    name: "misspelt-alert-rule",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "an alert rule an environment adds is not a near miss of a `defaults.alerts.rules` name, and no two rule names differ only by `_` and `-`",
    rationale: "a misspelt override (`backup_failed:` for `backup-failed:`) adds a new rule instead of changing one: the rule meant keeps its defaults and the new one fires beside it; rules of one built-in kind share that kind's alert name (`backup-job-failed`), told apart only by their `rule` label, so two rules whose names read the same notify as one alert twice",
    bad: "environments:\n  staging:\n    tier: staging\n    alerts:\n      rules:\n        backup_failed: { kind: backup_job_failed, for: 5m }\n",
    good: "environments:\n  staging:\n    tier: staging\n    alerts:\n      rules:\n        backup-failed: { for: 5m }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[
    TG026, TG100, TG101, TG102, TG103, TG104, TG105, TG106, TG107, TG108, TG109, TG110, TG111,
    TG112, TG116, TG122, TG134,
];

/// Longest duration Prometheus accepts, in whole seconds: `model.ParseDuration` of
/// prometheus/common (model/time.go, v0.67.5) refuses a total over `1<<63-1` nanoseconds
/// ("duration out of range", the most a Go `time.Duration` holds), and tofugen writes whole
/// seconds.
pub const MAX_PROMETHEUS_SECONDS: u64 = (i64::MAX as u64) / 1_000_000_000;

/// Most rule groups Cockpit accepts for one project (Scaleway's Cockpit limits,
/// `ruler_max_rule_groups_per_tenant`: "Number of rule groups for a Project ID").
pub const MAX_RULE_GROUPS_PER_PROJECT: usize = 70;

/// Longest custom `expr` parsed, in bytes; longer ones are reported without being parsed.
pub const MAX_EXPR_LEN: usize = 16 * 1024;
/// Deepest bracket nesting of a custom `expr` that is parsed.
pub const MAX_EXPR_DEPTH: usize = 64;
/// Most operators (binary and unary) in a custom `expr` that is parsed.
pub const MAX_EXPR_OPERATORS: usize = 256;

/// An address of printable ASCII only: a zero-width space, a Cyrillic `а` in place of a Latin
/// `a`, and every other invisible or look-alike character would send the alerts elsewhere (or
/// nowhere) while reading the same. An internationalized domain is written in its ASCII form
/// (`xn--…`, RFC 5890); SMTPUTF8 local parts (RFC 6531) are refused. The local part is a
/// dot-atom (RFC 5322, 3.2.3: letters, digits and ``!#$%&'*+-/=?^_`{|}~``, dots between them; a
/// quoted local part is refused), the domain two or more labels of letters, digits and inner
/// hyphens, each of 63 characters at most (RFC 1035, 2.3.1): `<ops@example.org>` or
/// `ops@exa_mple.org` passed and reached Cockpit.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    let dot_atom = |part: &str| {
        !part.is_empty()
            && part
                .split('.')
                .all(|atom| !atom.is_empty() && atom.bytes().all(atext))
    };
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    dot_atom(local) && domain.split('.').count() >= 2 && domain.split('.').all(label)
}

/// TG026 on the environment's contacts. (Production without contacts is TG109.)
pub(crate) fn contacts(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    // The first position of each address, by its lowercase spelling: one lookup per contact
    // (a search through the earlier ones was quadratic: 64 000 contacts, 40 s).
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, contact) in env.alerts.contacts.iter().enumerate() {
        // The same mailbox in another case is a duplicate: domains are case-insensitive
        // (RFC 5321, 2.4), and mail systems treat local parts so in practice.
        let first = *seen.entry(contact.to_ascii_lowercase()).or_insert(i);
        if first != i {
            let place = c.at(env, &format!("alerts.contacts.{i}"));
            let earlier = c.first_at(env, &format!("alerts.contacts.{first}"));
            c.push(
                &TG026,
                Some(env),
                place,
                format!("alert contact `{contact}` is listed twice{earlier}"),
                "distinct contacts (modules/monitoring refuses duplicates)",
                "remove this item of `alerts.contacts`",
            );
        } else if !looks_like_email(contact)
            // A secret-shaped value (a URL with a password) is TG012's error at the same place,
            // which does not show it; this message would quote it.
            && crate::policy::secret_scan::secret_ranges(contact, 1).is_empty()
            && !crate::policy::secret_scan::looks_secret(contact)
        {
            let place = c.at(env, &format!("alerts.contacts.{i}"));
            c.push(
                &TG026,
                Some(env),
                place,
                format!("alert contact `{contact}` is not an e-mail address"),
                "an e-mail address such as `ops@example.org`: no brackets, quotes, spaces or commas, the domain's labels of letters, digits and hyphens (an internationalized domain in its `xn--` form)",
                "write the address of a mailbox or list that someone reads",
            );
        }
    }
}

/// TG116 on `evaluation_interval` and every rule's `for`.
pub(crate) fn durations(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let max = Duration::from_secs(MAX_PROMETHEUS_SECONDS);
    let check = |c: &mut Checker<'_>, path: String, what: String, d: Duration| {
        if d <= max {
            return;
        }
        let span = env.origins.span(&path);
        c.push(
            &TG116,
            Some(env),
            Place::new(path, span),
            format!(
                "{what} in `{}` is {d}, longer than Prometheus can hold",
                env.name
            ),
            format!(
                "at most {MAX_PROMETHEUS_SECONDS}s ({}, about 292 years: a Go time.Duration)",
                max.prometheus()
            ),
            "write a duration of minutes or hours: an alert that waits years never fires",
        );
    };
    check(
        c,
        "alerts.evaluation_interval".into(),
        "`alerts.evaluation_interval`".into(),
        env.alerts.evaluation_interval,
    );
    // 0 is the ruler's default interval, not 0 (sweep 29, F4: the rule file said `interval:
    // 0s`, and the stated worst-case detection left the default out).
    if env.alerts.evaluation_interval == Duration::from_secs(0) {
        let path = "alerts.evaluation_interval".to_string();
        let span = env.origins.span(&path);
        c.push(
            &TG116,
            Some(env),
            Place::new(path, span),
            format!(
                "`alerts.evaluation_interval` in `{}` is 0s, which Prometheus reads as its default interval",
                env.name
            ),
            "an interval of at least 1s",
            "write the interval the rules should be evaluated at, such as `30s` or `1m`",
        );
    }
    for rule in &env.alerts.rules {
        check(
            c,
            format!("alerts.rules.{}.for", rule.name),
            format!("`for` of alert rule `{}`", rule.name),
            rule.for_,
        );
    }
}

/// TG112: the groups `env`'s alerts compile to (as `emit::alerts` groups them: per data
/// source, [`crate::emit::alerts::MAX_RULES_PER_GROUP`] rules each) fit in one project.
pub(crate) fn rule_groups(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    // Counted, not planned: the groups are all this rule needs.
    let groups = planned_group_count(env);
    if groups <= MAX_RULE_GROUPS_PER_PROJECT {
        return;
    }
    let rules: usize = planned_per_source(env).iter().sum();
    let place = c.at(env, "alerts.rules");
    c.push(
        &TG112,
        Some(env),
        place,
        format!(
            "the alerts of `{}` compile to {} rules in {groups} rule groups; Cockpit accepts {MAX_RULE_GROUPS_PER_PROJECT} groups of {MAX_RULES_PER_GROUP} rules per project",
            env.name, rules
        ),
        format!(
            "at most {} rules ({MAX_RULE_GROUPS_PER_PROJECT} groups) in one environment",
            MAX_RULE_GROUPS_PER_PROJECT * MAX_RULES_PER_GROUP
        ),
        "watch fewer services with per-service kinds (`service: \"*\"` makes one rule per service), disable rules in this environment (`NAME: { enabled: false }`), or split the services across environments (projects)",
    );
}

/// A rule name as an alert reads it: `_` and `-` alike.
fn spelled(name: &str) -> String {
    name.replace('_', "-")
}

/// TG134 in one environment: each rule its own `alerts.rules` adds that is a typo of a rule of
/// `defaults.alerts.rules` ([`Checker::added_typos`]), and each rule whose name differs from an
/// earlier one's only by `_` and `-`, wherever the two were written.
pub(crate) fn misspelt_rules(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let defaults: HashSet<&str> = c
        .original
        .get("defaults")
        .and_then(|d| d.get("alerts"))
        .and_then(|a| a.get("rules"))
        .map_or(&[][..], Node::entries)
        .iter()
        .map(|(k, _)| k.name.as_str())
        .collect();
    let mut found = Vec::new();
    // Names that read the same: the later one, against the first (in the merged order).
    let mut seen: HashMap<String, &str> = HashMap::new();
    for rule in &env.alerts.rules {
        let name = rule.name.as_str();
        match seen.get(&spelled(name)) {
            // The one `defaults` does not have is the one to rename, when one is.
            Some(&first) if defaults.contains(name) && !defaults.contains(first) => {
                found.push((first.to_string(), rule.name.clone(), true));
            }
            Some(&first) => found.push((rule.name.clone(), first.to_string(), true)),
            None => {
                seen.insert(spelled(name), name);
            }
        }
    }
    let twins: HashSet<String> = found.iter().map(|(n, _, _)| n.clone()).collect();
    found.extend(
        c.added_typos(env, &["alerts", "rules"], |n| twins.contains(n))
            .into_iter()
            .map(|(name, _, meant)| (name, meant, false)),
    );
    for (name, meant, twin) in found {
        let path = format!("alerts.rules.{name}");
        let span = env.origins.key_span(&path);
        let (message, help) = if twin {
            (
                format!(
                    "the alert rules `{meant}` and `{name}` of {ENV} differ only by `_` and `-`: two rules whose names read the same"
                ),
                format!(
                    "keep one name: write `{meant}` where `{name}` is to change that rule, or give the new rule a name of its own"
                ),
            )
        } else {
            (
                format!(
                    "{ENV} adds an alert rule `{name}`, which `defaults.alerts.rules` does not have: a near miss of `{meant}`"
                ),
                format!(
                    "did you mean `{meant}`? Rename the key to change that rule in this environment; keep it only if `{name}` is a new rule"
                ),
            )
        };
        c.push(
            &TG134,
            Some(env),
            Place::new(path, span),
            message,
            format!("the name of a rule `defaults.alerts.rules` has, such as `{meant}`, or a new rule's own name"),
            help,
        );
    }
}

/// The alert rules and backup tiers of `env`.
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let e = &env.name;
    // Why the environment has no database (TG103, TG106), worked out once.
    let off_note = super::database::InheritedOff::of(c, env).map(|o| o.note(e));
    let services: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    let service_set: HashSet<&str> = services.iter().copied().collect();
    // Budgeted, shared by the environments: a thousand rules naming near misses of a thousand
    // services took seconds per environment (sweep 59a, F2).
    let mut suggester = c.env_suggester(services.iter().copied());
    for rule in &env.alerts.rules {
        let path = format!("alerts.rules.{}", rule.name);
        let place = |field: &str| {
            let p = format!("{path}.{field}");
            let span = env.origins.span(&p);
            Place::new(p, span)
        };
        let key_place = Place::new(&path, env.origins.key_span(&path));
        let n = &rule.name;

        match (rule.kind, &rule.expr) {
            (Some(kind), Some(_)) => {
                c.push(
                    &TG104,
                    Some(env),
                    place("expr"),
                    format!("alert rule `{n}` in `{e}` has both `kind` and `expr`"),
                    "either a built-in `kind` or a custom `expr`, not both",
                    format!(
                        "remove `expr` to use the built-in `{}` rule, or remove `kind` to keep your expression",
                        kind_key(kind)
                    ),
                );
            }
            (None, None) => {
                c.push(
                    &TG104,
                    Some(env),
                    key_place.clone(),
                    format!("alert rule `{n}` in `{e}` has neither `kind` nor `expr`"),
                    "`kind: <built-in kind>` or `expr: <PromQL>`",
                    "add e.g. `kind: container_error` with `service: \"*\"`, or a PromQL `expr`",
                );
            }
            _ => {}
        }

        if let Some(expr) = &rule.expr {
            promql(c, env, place("expr"), n, expr);
            let source = crate::metrics::source_of(expr);
            if source == crate::metrics::MetricSource::Unknown {
                c.push(
                    &TG122,
                    Some(env),
                    place("expr"),
                    format!(
                        "alert rule `{n}` in `{e}` selects metrics by a `__name__` matcher tofugen cannot place in one Cockpit data source (a regex that may match Scaleway product metrics and others, or an escape it does not read)"
                    ),
                    "`__name__` matchers that name the metrics, or a regex starting with `serverless_`, `rdb_instance_` or another literal prefix",
                    "write the metric names (`rdb_instance_x > 1`), or start the regex with its literal prefix (`{__name__=~\"rdb_instance_.*\"}`)",
                );
            }
            if source == crate::metrics::MetricSource::Mixed {
                let names = crate::metrics::metric_names(expr);
                let scw = names
                    .iter()
                    .find(|m| crate::metrics::is_scaleway_metric(m))
                    .map_or_else(|| "a `__name__` pattern".to_string(), |m| format!("`{m}`"));
                let app = names
                    .iter()
                    .find(|m| !crate::metrics::is_scaleway_metric(m))
                    .map_or_else(|| "a `__name__` pattern".to_string(), |m| format!("`{m}`"));
                c.push(
                    &TG122,
                    Some(env),
                    place("expr"),
                    format!(
                        "alert rule `{n}` in `{e}` reads the Scaleway product metric {scw} and the application metric {app}, which are in different Cockpit data sources: it could never match"
                    ),
                    "an `expr` on Scaleway product metrics only (`serverless_…`, `rdb_instance_…`), or on application metrics only",
                    "split it into two rules, one per data source",
                );
            }
        }

        // Which service the rule watches.
        match (rule.kind, rule.service.as_deref()) {
            (Some(kind), None) if is_container_kind(kind) => {
                c.push(
                    &TG102,
                    Some(env),
                    key_place.clone(),
                    format!(
                        "alert rule `{n}` in `{e}` is a container kind (`{}`) without `service`",
                        kind_key(kind)
                    ),
                    "`service: <name>` or `service: \"*\"` for every service",
                    format!(
                        "add `service: \"*\"` (services here: {})",
                        crate::policy::list(&services)
                    ),
                );
            }
            (Some(kind), Some(_)) if !is_container_kind(kind) => {
                c.push(
                    &TG110,
                    Some(env),
                    place("service"),
                    format!(
                        "alert rule `{n}` in `{e}`: `service` does not apply to `{}`",
                        kind_key(kind)
                    ),
                    "no `service` on database and backup kinds",
                    "remove `service`",
                );
            }
            (_, Some(s)) if s != "*" && !service_set.contains(s) => {
                let help = match suggester.suggest(s) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!(
                        "if `{s}` is disabled in `{e}`, disable this rule there too (`{n}: {{ enabled: false }}`)"
                    ),
                };
                c.push(
                    &TG101,
                    Some(env),
                    place("service"),
                    format!("alert rule `{n}` in `{e}` watches unknown service `{s}`"),
                    format!(
                        "one of the services enabled in `{e}` ({}) or `*`",
                        crate::policy::list(&services)
                    ),
                    help,
                );
            }
            _ => {}
        }

        if let Some(kind) = rule.kind {
            if is_database_kind(kind) && env.database.is_none() {
                let f = c.push(
                    &TG103,
                    Some(env),
                    key_place.clone(),
                    format!(
                        "alert rule `{n}` (`{}`) watches the database, but `{e}` has none",
                        kind_key(kind)
                    ),
                    "a database in this environment",
                    format!(
                        "disable the rule in `{e}` (`{n}: {{ enabled: false }}`) or enable `database`"
                    ),
                );
                f.notes.extend(off_note.clone());
            }
            if kind == AlertKind::BackupJobFailed && enabled_job_tiers(env).is_empty() {
                // Without a database, its backup tiers are not in force, whatever they say.
                let (why, fix, off) = if env.database.is_some() {
                    (
                        "enables no weekly or monthly backup job",
                        "enable a job tier",
                        None,
                    )
                } else {
                    (
                        "has no database (so no backup job)",
                        "enable the database in this environment, with a weekly or monthly backup job",
                        off_note.clone(),
                    )
                };
                let f = c.push(
                    &TG106,
                    Some(env),
                    key_place.clone(),
                    format!("alert rule `{n}` watches backup jobs, but `{e}` {why}"),
                    "`database.backups.weekly` or `.monthly` enabled",
                    format!(
                        "{fix}, or disable the rule in `{e}` (`{n}: {{ enabled: false }}`); daily backups are Scaleway's own schedule and have no job to watch"
                    ),
                );
                f.notes.extend(off);
            }
            if kind == AlertKind::DatabaseReplicationLag
                && let Some(db) = &env.database
                && !db.ha
                && db.read_replicas == 0
            {
                c.push(
                    &TG111,
                    Some(env),
                    key_place.clone(),
                    format!(
                        "alert rule `{n}` watches replication lag, but the database of `{e}` has no HA standby or read replica"
                    ),
                    "`database.ha: true` or `read_replicas` above 0",
                    format!("disable the rule in `{e}`: it can never fire"),
                );
            }
            if let Some(t) = rule.threshold
                && let Err(expected) = check_threshold(kind, t)
            {
                c.push(
                    &TG108,
                    Some(env),
                    place("threshold"),
                    format!(
                        "alert rule `{n}` in `{e}`: threshold `{t}` does not fit `{}`",
                        kind_key(kind)
                    ),
                    expected,
                    "fix or remove `threshold` (each kind has a sensible default)",
                );
            }
        }

        if let Some(objective) = env.alerts.detection_objective {
            let d = detection_delay(env, rule);
            if d.total > objective {
                let (message, help) = if d.floor() > objective {
                    (
                        format!(
                            "alert rule `{n}` in `{e}` cannot meet the {objective} detection objective: {}, so {objective} is not reachable (worst case {} even with `for: 0s`)",
                            d.refresh_note,
                            d.floor().prometheus()
                        ),
                        format!(
                            "raise `alerts.detection_objective` to at least {}, or alert on application metrics the API pushes itself",
                            d.floor().prometheus()
                        ),
                    )
                } else {
                    let room = objective.seconds - d.floor().seconds;
                    let step = d.evaluation.seconds.max(1);
                    let max_for = Duration::from_secs(room / step * step);
                    (
                        format!(
                            "alert rule `{n}` in `{e}` is detected in {} at worst, over the {objective} detection objective; limited by {}",
                            d.total.prometheus(),
                            d.limiting_factor()
                        ),
                        format!(
                            "lower `for` to at most {} ({} refresh + {} evaluation leave that much), or raise `alerts.detection_objective`",
                            max_for.prometheus(),
                            d.refresh.prometheus(),
                            d.evaluation.prometheus()
                        ),
                    )
                };
                c.push(
                    &TG100,
                    Some(env),
                    place("for"),
                    message,
                    format!("a worst-case detection delay within {objective}"),
                    help,
                );
            }
        }
    }

    for tier in enabled_job_tiers(env) {
        let watched = env
            .alerts
            .rules
            .iter()
            .any(|r| r.kind == Some(AlertKind::BackupJobFailed) && r.expr.is_none());
        if !watched {
            let path = format!("database.backups.{tier}");
            let span = env.origins.key_span(&path);
            c.push(
                &TG107,
                Some(env),
                Place::new(path, span),
                format!("the {tier} backup job of `{e}` has no failure alert"),
                "a `backup_job_failed` rule under `alerts.rules`",
                format!(
                    "add `backup-failed: {{ kind: backup_job_failed, for: 0s, severity: critical }}` under `alerts.rules` of `{e}`"
                ),
            );
        }
    }

    if env.is_production() && env.alerts.contacts.is_empty() {
        let span = env
            .origins
            .span("alerts.contacts")
            .or_else(|| env.origins.key_span(e));
        c.push(
            &TG109,
            Some(env),
            Place::new("alerts.contacts", span),
            format!("production environment `{e}` has no alert contacts"),
            "at least one e-mail address under `alerts.contacts`",
            "add `alerts: { contacts: [team@example.org] }` in `defaults` or in this environment",
        );
    }
}

/// Why TG105 refuses an expression: where, what, how to fix it, and what kind of problem.
#[derive(Debug, Clone)]
pub(crate) struct PromqlProblem {
    offset: Option<usize>,
    message: String,
    help: String,
    what: &'static str,
}

/// TG105's verdict on each expression of a run, by its text (`None`: accepted): a rule of
/// `defaults` is checked once, not once per environment that inherits it (its expression is
/// parsed whole, with type checks that walk the operand tree once per operator).
pub(crate) type PromqlVerdicts =
    std::sync::Mutex<std::collections::HashMap<String, Option<PromqlProblem>>>;

/// TG105: the expression parses, within bounds (a long, deep or operator-heavy expression is
/// reported before the parser can exhaust the stack or take quadratic time: the parser's type
/// checks walk the operand tree once per operator), and its label matchers' regexes are Go's.
fn promql(c: &mut Checker<'_>, env: &ResolvedEnvironment, place: Place, n: &str, expr: &str) {
    let known = c
        .promql
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(expr)
        .cloned();
    let verdict = known.unwrap_or_else(|| {
        let verdict = promql_problem(expr);
        c.promql
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(expr.to_string(), verdict.clone());
        verdict
    });
    let Some(PromqlProblem {
        offset,
        message,
        help,
        what,
    }) = verdict
    else {
        return;
    };
    let e = &env.name;
    let span = match (offset, place.span, &c.source) {
        (Some(offset), Some(s), Some(source)) => {
            Some(source.span_in_scalar(s, expr, offset, offset + 1))
        }
        (Some(offset), Some(s), None) => Some(inside(s, expr, offset)),
        _ => place.span,
    };
    c.push(
        &TG105,
        Some(env),
        Place::new(place.path, span),
        format!("alert rule `{n}` in `{e}`: `expr` {what}: {message}"),
        "a PromQL expression, e.g. `rate(http_requests_total{status=~\"5..\"}[5m]) > 1`",
        help,
    );
}

/// What TG105 finds wrong with `expr`, if anything (see [`promql`]).
fn promql_problem(expr: &str) -> Option<PromqlProblem> {
    let problem = |offset, message, help, what| {
        Some(PromqlProblem {
            offset,
            message,
            help,
            what,
        })
    };
    const INVALID: &str = "is not valid PromQL";
    if let Some(b) = bounds(expr) {
        return problem(Some(b.offset), b.message, b.help, INVALID);
    }
    // The matchers' regexes are checked here, to Go's syntax, and the parser gets them masked:
    // it would compile each one with Rust's `regex` (`promql_regex`).
    let matchers = super::promql_regex::matchers(expr);
    for m in &matchers {
        let why = match &m.value {
            Err(e) => Some(e.clone()),
            Ok(v) => super::promql_regex::check(v).err().map(|why| {
                let mut shown: String = v.chars().take(80).collect();
                if shown.len() < v.len() {
                    shown.push('…');
                }
                format!("`{shown}`: {why}")
            }),
        };
        if let Some(why) = why {
            return problem(
                Some(m.literal.start),
                why,
                "write the regex in Go's RE2 syntax, which Prometheus uses \
                 (https://github.com/google/re2/wiki/Syntax), escaping with `\\` what should be \
                 read as itself; `promtool check rules` tells"
                    .to_string(),
                "has a label matcher regex Prometheus does not accept",
            );
        }
    }
    match promql_parser::parser::parse(&super::promql_regex::for_parser(expr, &matchers)) {
        Ok(ast) => super::promql::outside(expr, &ast).and_then(|o| {
            problem(
                Some(o.offset),
                o.message,
                o.help,
                "is PromQL that not every Prometheus checking or running it accepts",
            )
        }),
        Err(message) if message.contains("holt_winters") => problem(
            first_problem(expr),
            message,
            "`holt_winters` is Prometheus 2's; Prometheus 3 renamed it \
             `double_exponential_smoothing` and keeps it behind a feature flag: neither runs \
             everywhere the rules are checked and run"
                .to_string(),
            INVALID,
        ),
        Err(message) => problem(
            first_problem(expr),
            message,
            "check brackets, quotes and label matchers; try the expression in Cockpit's Explore view"
                .to_string(),
            INVALID,
        ),
    }
}

/// Why an expression is not parsed: where, what, and how to fix it.
#[derive(Debug, PartialEq)]
pub struct Bound {
    /// Byte offset in the expression of the first byte over a limit.
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// The first limit `expr` goes over, found in one linear scan without parsing: its length
/// ([`MAX_EXPR_LEN`]), its bracket nesting ([`MAX_EXPR_DEPTH`]) or its number of operators
/// ([`MAX_EXPR_OPERATORS`]: every `+ - * / % ^` counts, unary ones included, as does every
/// comparison and `and`/`or`/`unless`/`atan2`; nothing inside quotes, comments or label
/// matchers does).
pub fn bounds(expr: &str) -> Option<Bound> {
    let split = "move parts of it into recording rules, or use a `kind:` rule";
    if expr.len() > MAX_EXPR_LEN {
        let mut offset = MAX_EXPR_LEN;
        while !expr.is_char_boundary(offset) {
            offset -= 1;
        }
        return Some(Bound {
            offset,
            message: format!(
                "it is {} bytes long, over the {MAX_EXPR_LEN}-byte limit",
                expr.len()
            ),
            help: format!("shorten the expression: {split}"),
        });
    }
    let bytes = expr.as_bytes();
    let (mut depth, mut braces, mut operators) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if let Some(end) = super::promql::skip_string_or_comment(bytes, start) {
            i = end;
            continue;
        }
        i += 1;
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if b == b'{' {
                    braces += 1;
                }
                if depth > MAX_EXPR_DEPTH {
                    return Some(Bound {
                        offset: start,
                        message: format!("brackets nest deeper than the limit of {MAX_EXPR_DEPTH}"),
                        help: format!("remove redundant brackets, or {split}"),
                    });
                }
                continue;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if b == b'}' {
                    braces = braces.saturating_sub(1);
                }
                continue;
            }
            _ => {}
        }
        if braces > 0 {
            // Label matchers: `=`, `!=`, `=~`, `!~` are not operators.
            continue;
        }
        let counted = match b {
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' => true,
            b'=' | b'!' | b'<' | b'>' => {
                while i < bytes.len() && matches!(bytes[i], b'=' | b'!' | b'<' | b'>' | b'~') {
                    i += 1;
                }
                true
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b == b':' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b':'))
                {
                    i += 1;
                }
                matches!(
                    expr[start..i].to_ascii_lowercase().as_str(),
                    "and" | "or" | "unless" | "atan2"
                )
            }
            _ => false,
        };
        if counted {
            operators += 1;
            if operators > MAX_EXPR_OPERATORS {
                return Some(Bound {
                    offset: start,
                    message: format!("it has more than {MAX_EXPR_OPERATORS} operators"),
                    help: format!("simplify the expression: {split}"),
                });
            }
        }
    }
    None
}

/// Byte offset of the first bracket or quote problem in `expr`, if it has one: an unclosed
/// `(`, `{` or `[`, a closing one that does not match, or an unterminated string.
pub fn first_problem(expr: &str) -> Option<usize> {
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == '\\' && c != '`' {
                        chars.next();
                    } else if d == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Some(i);
                }
            }
            '#' => {
                // A comment runs to the end of the line.
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '(' | '{' | '[' => stack.push((c, i)),
            ')' | '}' | ']' => {
                let open = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                match stack.pop() {
                    Some((o, _)) if o == open => {}
                    _ => return Some(i),
                }
            }
            _ => {}
        }
    }
    stack.first().map(|&(_, i)| i)
}

/// The position of byte `offset` of `value` inside the YAML scalar at `span`, when the scalar is
/// on one line and written plain or quoted without escapes; else the scalar's own position.
pub fn inside(span: Span, value: &str, offset: usize) -> Span {
    // The loader's span of a flow scalar may include one trailing blank.
    let written = span.end.saturating_sub(span.start);
    let shift = match written.checked_sub(value.len()) {
        Some(0 | 1) => 0,
        Some(2 | 3) => 1,
        _ => return span,
    };
    if value.contains('\n') || offset > value.len() {
        return span;
    }
    let col = value[..offset].chars().count() + shift;
    Span {
        start: span.start + shift + offset,
        end: span.start + shift + offset + 1,
        line: span.line,
        col: span.col + col,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(looks_like_email("ops@data.gouv.fr") && !looks_like_email("ops team"));
        assert!(!looks_like_email("ops@localhost"));
        for ok in [
            "a.b+alerts@x-y.example.org",
            "o'neil@example.fr",
            "ops@xn--bcher-kva.de",
        ] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "<ops@example.org>",
            "ops@example.org>",
            "\"ops\"@example.org",
            "ops..team@example.org",
            ".ops@example.org",
            "ops@exa_mple.org",
            "ops@-example.org",
            "ops@example..org",
            "ops@example.org.",
            "ops@@example.org",
            "o,ps@example.org",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn bounds_are_found_without_parsing() {
        // Within bounds: brackets in quotes, comments and matchers do not count, nor do
        // operators in label matchers, strings or names (`band`, `order`).
        let deep_quoted = format!("x{{a=\"{}\"}}", "(".repeat(100));
        assert_eq!(bounds(&deep_quoted), None);
        assert_eq!(bounds(&format!("x # {}\n", "(((-".repeat(100))), None);
        let names = vec!["band_order{a!=\"-\",b=~\"+\"}"; 300].join(" ");
        assert_eq!(bounds(&names), None);
        let ok = vec!["a"; MAX_EXPR_OPERATORS + 1].join(" + ");
        assert_eq!(bounds(&ok), None);
        let ok = format!(
            "{}a{}",
            "(".repeat(MAX_EXPR_DEPTH),
            ")".repeat(MAX_EXPR_DEPTH)
        );
        assert_eq!(bounds(&ok), None);
        // Over: each at the first byte over the limit.
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(bounds(&deep).unwrap().offset, MAX_EXPR_DEPTH);
        let plus = vec!["a"; MAX_EXPR_OPERATORS + 2].join(" + ");
        assert_eq!(bounds(&plus).unwrap().offset, 4 * MAX_EXPR_OPERATORS + 2);
        // Unary operators count one by one, however they are written.
        let unary = format!("{}a", "-".repeat(MAX_EXPR_OPERATORS + 1));
        assert_eq!(bounds(&unary).unwrap().offset, MAX_EXPR_OPERATORS);
        let words = vec!["a"; MAX_EXPR_OPERATORS + 2].join(" OR ");
        assert!(bounds(&words).unwrap().message.contains("operators"));
        let long = "é".repeat(MAX_EXPR_LEN);
        let b = bounds(&long).unwrap();
        assert!(long.is_char_boundary(b.offset) && b.offset <= MAX_EXPR_LEN);
        assert!(b.help.contains("recording rules"));
    }
}
