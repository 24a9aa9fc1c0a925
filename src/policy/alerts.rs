//! Policy rules for alerts and backups (unknown services, PromQL that does not parse,
//! detection objectives).
//!
//! Codes:
//! - `TG100` (warning): a rule's worst-case detection delay exceeds `detection_objective`.
//! - `TG101`: `service` names no enabled service of the environment.
//! - `TG102`: a container kind without `service`.
//! - `TG103`: a database kind in an environment without a database.
//! - `TG104`: a rule with both `kind` and `expr`, or neither.
//! - `TG105`: a custom `expr` that is not valid PromQL.
//! - `TG106`: `backup_job_failed` with no weekly or monthly job tier enabled.
//! - `TG107`: an enabled weekly or monthly job tier that no `backup_job_failed` rule watches.
//! - `TG108`: a threshold out of range for its kind, or given to a kind that takes none.
//! - `TG109`: no alert contacts in a production environment.
//! - `TG110`: `service` on a kind that does not watch a container.
//! - `TG111` (warning): replication-lag alert on a database without HA or read replicas.

use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::emit::alerts::{
    check_threshold, detection_delay, enabled_job_tiers, is_container_kind, is_database_kind,
    kind_key,
};
use crate::model::{AlertKind, Duration};
use crate::resolve::{Resolved, ResolvedEnvironment};

/// One row per rule code: (code, level, summary), for `tofugen rules`.
pub const RULES: [(&str, &str, &str); 12] = [
    (
        "TG100",
        "warning",
        "an alert's worst-case detection delay exceeds the detection objective",
    ),
    (
        "TG101",
        "error",
        "an alert names a service the environment does not have",
    ),
    ("TG102", "error", "a container alert kind has no `service`"),
    (
        "TG103",
        "error",
        "a database alert kind in an environment without a database",
    ),
    (
        "TG104",
        "error",
        "an alert rule needs exactly one of `kind` and `expr`",
    ),
    (
        "TG105",
        "error",
        "a custom alert `expr` is not valid PromQL",
    ),
    (
        "TG106",
        "error",
        "`backup_job_failed` without any weekly or monthly backup job",
    ),
    (
        "TG107",
        "error",
        "an enabled backup job tier has no `backup_job_failed` alert",
    ),
    (
        "TG108",
        "error",
        "an alert threshold is out of range for its kind",
    ),
    (
        "TG109",
        "error",
        "a production environment has no alert contacts",
    ),
    (
        "TG110",
        "error",
        "`service` on an alert kind that does not watch a container",
    ),
    (
        "TG111",
        "warning",
        "a replication-lag alert on a database without HA or read replicas",
    ),
];

/// Checks the alert rules and backup tiers of `env`.
pub fn check(file: &str, _resolved: &Resolved, env: &ResolvedEnvironment) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let e = &env.name;
    let services: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    for rule in &env.alerts.rules {
        let path = format!("alerts.rules.{}", rule.name);
        let key_span = env.origins.key_span(&path);
        let at = |field: &str| env.origins.span(&format!("{path}.{field}"));
        let n = &rule.name;

        match (rule.kind, &rule.expr) {
            (Some(kind), Some(_)) => diags.push(
                Diagnostic::error(
                    "TG104",
                    format!("alert rule `{n}` in `{e}` has both `kind` and `expr`"),
                )
                .at(file, at("expr"))
                .expected("either a built-in `kind` or a custom `expr`, not both")
                .help(format!(
                    "remove `expr` to use the built-in `{}` rule, or remove `kind` to keep your expression",
                    kind_key(kind)
                )),
            ),
            (None, None) => diags.push(
                Diagnostic::error(
                    "TG104",
                    format!("alert rule `{n}` in `{e}` has neither `kind` nor `expr`"),
                )
                .at(file, key_span)
                .expected("`kind: <built-in kind>` or `expr: <PromQL>`")
                .help("add e.g. `kind: container_error` with `service: \"*\"`, or a PromQL `expr`"),
            ),
            _ => {}
        }

        if let Some(expr) = &rule.expr
            && let Err(message) = promql_parser::parser::parse(expr)
        {
            let value_span = at("expr");
            let span = first_problem(expr)
                .and_then(|offset| value_span.map(|s| inside(s, expr, offset)))
                .or(value_span);
            diags.push(
                Diagnostic::error(
                    "TG105",
                    format!("alert rule `{n}` in `{e}`: `expr` is not valid PromQL: {message}"),
                )
                .at(file, span)
                .expected("a PromQL expression, e.g. `rate(http_requests_total{status=~\"5..\"}[5m]) > 1`")
                .help("check brackets, quotes and label matchers; try the expression in Cockpit's Explore view"),
            );
        }

        // Which service the rule watches.
        match (rule.kind, rule.service.as_deref()) {
            (Some(kind), None) if is_container_kind(kind) => diags.push(
                Diagnostic::error(
                    "TG102",
                    format!(
                        "alert rule `{n}` in `{e}` is a container kind (`{}`) without `service`",
                        kind_key(kind)
                    ),
                )
                .at(file, key_span)
                .expected("`service: <name>` or `service: \"*\"` for every service")
                .help(format!(
                    "add `service: \"*\"` (services here: {})",
                    services.join(", ")
                )),
            ),
            (Some(kind), Some(_)) if !is_container_kind(kind) => diags.push(
                Diagnostic::error(
                    "TG110",
                    format!(
                        "alert rule `{n}` in `{e}`: `service` does not apply to `{}`",
                        kind_key(kind)
                    ),
                )
                .at(file, at("service"))
                .expected("no `service` on database and backup kinds")
                .help("remove `service`"),
            ),
            (_, Some(s)) if s != "*" && !services.contains(&s) => {
                let mut d = Diagnostic::error(
                    "TG101",
                    format!("alert rule `{n}` in `{e}` watches unknown service `{s}`"),
                )
                .at(file, at("service"))
                .expected(format!(
                    "one of the services enabled in `{e}` ({}) or `*`",
                    services.join(", ")
                ));
                d = match did_you_mean(s, services.iter().copied()) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help(format!(
                        "if `{s}` is disabled in `{e}`, disable this rule there too (`{n}: {{ enabled: false }}`)"
                    )),
                };
                diags.push(d);
            }
            _ => {}
        }

        if let Some(kind) = rule.kind {
            if is_database_kind(kind) && env.database.is_none() {
                diags.push(
                    Diagnostic::error(
                        "TG103",
                        format!(
                            "alert rule `{n}` (`{}`) watches the database, but `{e}` has none",
                            kind_key(kind)
                        ),
                    )
                    .at(file, key_span)
                    .expected("a database in this environment")
                    .help(format!(
                        "disable the rule in `{e}` (`{n}: {{ enabled: false }}`) or enable `database`"
                    )),
                );
            }
            if kind == AlertKind::BackupJobFailed && enabled_job_tiers(env).is_empty() {
                diags.push(
                    Diagnostic::error(
                        "TG106",
                        format!(
                            "alert rule `{n}` watches backup jobs, but `{e}` enables no weekly or monthly backup job"
                        ),
                    )
                    .at(file, key_span)
                    .expected("`database.backups.weekly` or `.monthly` enabled")
                    .help(format!(
                        "enable a job tier, or disable the rule in `{e}` (`{n}: {{ enabled: false }}`); daily backups are Scaleway's own schedule and have no job to watch"
                    )),
                );
            }
            if kind == AlertKind::DatabaseReplicationLag
                && let Some(db) = &env.database
                && !db.ha
                && db.read_replicas == 0
            {
                diags.push(
                    Diagnostic::warning(
                        "TG111",
                        format!(
                            "alert rule `{n}` watches replication lag, but the database of `{e}` has no HA standby or read replica"
                        ),
                    )
                    .at(file, key_span)
                    .expected("`database.ha: true` or `read_replicas` above 0")
                    .help(format!("disable the rule in `{e}`: it can never fire")),
                );
            }
            if let Some(t) = rule.threshold
                && let Err(expected) = check_threshold(kind, t)
            {
                diags.push(
                    Diagnostic::error(
                        "TG108",
                        format!(
                            "alert rule `{n}` in `{e}`: threshold `{t}` does not fit `{}`",
                            kind_key(kind)
                        ),
                    )
                    .at(file, at("threshold"))
                    .expected(expected)
                    .help("fix or remove `threshold` (each kind has a sensible default)"),
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
                diags.push(
                    Diagnostic::warning("TG100", message)
                        .at(file, at("for"))
                        .expected(format!("a worst-case detection delay within {objective}"))
                        .help(help),
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
            diags.push(
                Diagnostic::error(
                    "TG107",
                    format!("the {tier} backup job of `{e}` has no failure alert"),
                )
                .at(
                    file,
                    env.origins.key_span(&format!("database.backups.{tier}")),
                )
                .expected("a `backup_job_failed` rule under `alerts.rules`")
                .help(format!(
                    "add `backup-failed: {{ kind: backup_job_failed, for: 0s, severity: critical }}` under `alerts.rules` of `{e}`"
                )),
            );
        }
    }

    if env.is_production() && env.alerts.contacts.is_empty() {
        diags.push(
            Diagnostic::error("TG109", format!("production environment `{e}` has no alert contacts"))
                .at(
                    file,
                    env.origins
                        .span("alerts.contacts")
                        .or_else(|| env.origins.key_span(e)),
                )
                .expected("at least one e-mail address under `alerts.contacts`")
                .help("add `alerts: { contacts: [team@example.org] }` in `defaults` or in this environment"),
        );
    }
    diags
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
