//! Emits the Cockpit alert rules of every environment, with a promtool unit test per group.
//!
//! Per environment, under `generated/<env>/alerts/`:
//! - `<project>-<env>-scaleway.yml`: rules on Scaleway product metrics (containers, database,
//!   backup jobs, and custom `expr`s that select only those, [`crate::metrics`]), to be pushed
//!   to the built-in "Scaleway Metrics" data source;
//! - `<project>-<env>-application.yml`: rules with a custom `expr` on application metrics, to
//!   be pushed to the custom metrics data source;
//! - `<group>.test.yml` beside each group: `promtool test rules` input that feeds synthetic
//!   series which must fire every alert, and series which must not.
//!
//! A group holds at most [`MAX_RULES_PER_GROUP`] rules (Cockpit's limit); more are split into
//! numbered groups (`…-scaleway-1`, `…-scaleway-2`). Files are plain Prometheus rule files
//! (`groups:`), so `promtool check rules` reads them; Cockpit's ruler API takes one group per
//! request, i.e. `.groups[0]` of each file.
//!
//! Built-in kinds compile to PromQL on metric names Scaleway documents ([`metric_source`] says
//! where; one, the instance count, is marked unconfirmed in every rule that uses it),
//! filtered by the Scaleway resource names the roots create: containers `<project>-<env>-<service>`,
//! the database `<project>-<env>-db`, backup jobs `<project>-<env>-backup-weekly|monthly`. Every
//! expression is aggregated `by (resource_name)`, so alert labels do not depend on which extra
//! labels Scaleway attaches.

use std::fmt::Write as _;

use super::GeneratedFile;
use super::yaml::{self, Dialect, MapBuilder, Yaml};
use crate::model::{AlertKind, Duration, Severity};
use crate::resolve::{Resolved, ResolvedAlertRule, ResolvedEnvironment, ResolvedService};

/// Cockpit's limit of rules in one group.
pub const MAX_RULES_PER_GROUP: usize = 20;

/// Refresh interval of Managed Database metrics in Cockpit ("refreshed every minute").
pub const DATABASE_METRICS_REFRESH: Duration = Duration::from_secs(60);
/// Assumed refresh interval of Serverless Containers metrics. Scaleway documents no figure;
/// the product metrics in Cockpit are published at one-minute resolution like the database's,
/// so a one-minute worst case is assumed.
pub const CONTAINER_METRICS_REFRESH: Duration = Duration::from_secs(60);
/// Assumed refresh interval of Serverless Jobs run metrics (no documented figure; as containers).
pub const JOB_METRICS_REFRESH: Duration = Duration::from_secs(60);

/// The backup job tiers that run as Serverless Jobs.
pub const BACKUP_TIERS: [&str; 2] = ["weekly", "monthly"];

/// Which Cockpit data source a rule is pushed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The environment project's built-in "Scaleway Metrics" data source (product metrics of
    /// the containers and the database).
    Scaleway,
    /// The backup project's built-in "Scaleway Metrics" data source (the backup jobs' runs).
    Backups,
    /// The environment project's custom metrics data source (application metrics, custom `expr`).
    Application,
}

impl Source {
    /// Every source, in file order.
    pub const ALL: [Source; 3] = [Source::Scaleway, Source::Backups, Source::Application];

    /// Name of the source's directory under `alerts/`, and its key in the root output
    /// `alert_rule_targets`.
    pub fn slug(self) -> &'static str {
        match self {
            Source::Scaleway => "scaleway",
            Source::Backups => "backups",
            Source::Application => "application",
        }
    }
}

/// What one alert watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A Serverless Container, by service name.
    Service(String),
    /// The environment's database.
    Database,
    /// A backup job tier (`weekly` or `monthly`).
    BackupJob(String),
    /// A custom expression (optionally labelled with a service).
    Custom(Option<String>),
}

/// The worst-case time from a failure to the alert firing, and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delay {
    /// How long until the failure shows in the metric.
    pub refresh: Duration,
    /// What `refresh` is, e.g. "database metrics refresh every 60s (documented)".
    pub refresh_note: String,
    /// Short name of the metric family, e.g. "database metrics".
    pub metrics: String,
    /// Rule-group evaluation interval.
    pub evaluation: Duration,
    /// The rule's `for`, rounded up to whole evaluation intervals.
    pub hold: Duration,
    /// `refresh + evaluation + hold`.
    pub total: Duration,
}

impl Delay {
    /// The largest part of the delay, in words.
    pub fn limiting_factor(&self) -> String {
        if self.hold >= self.refresh && self.hold >= self.evaluation && self.hold.seconds > 0 {
            format!("`for: {}` holds the alert for {}", self.hold, self.hold)
        } else if self.refresh >= self.evaluation {
            self.refresh_note.clone()
        } else {
            format!("rules are evaluated every {}", self.evaluation)
        }
    }

    /// The smallest delay reachable by lowering `for` to zero.
    pub fn floor(&self) -> Duration {
        Duration::from_secs(self.refresh.seconds + self.evaluation.seconds)
    }
}

/// One Prometheus alerting rule, compiled from one `alerts.rules` entry (a `*` rule or a
/// backup rule compiles to several).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInstance {
    /// The `alerts.rules` key it comes from.
    pub rule: String,
    /// The Prometheus `alert:` name (also the runbook anchor).
    pub alert: String,
    /// Built-in kind, `None` for a custom expression.
    pub kind: Option<AlertKind>,
    /// Data source it goes to.
    pub source: Source,
    /// What it watches.
    pub target: Target,
    /// Scaleway resource name it filters on (built-in kinds).
    pub resource_name: Option<String>,
    /// Effective threshold (built-in kinds that take one).
    pub threshold: Option<f64>,
    /// `min_scale` compared against (`container_instances_below_min`).
    pub min_scale: Option<u32>,
    /// PromQL.
    pub expr: String,
    /// Hold duration.
    pub for_: Duration,
    /// Labels, sorted by name: their values, escaped by [`go_template_text`] when written.
    pub labels: Vec<(String, String)>,
    /// Annotations, sorted by name: Go templates, every copied value escaped by
    /// [`go_template_text`].
    pub annotations: Vec<(String, String)>,
    /// Extra YAML comment lines (e.g. an unconfirmed metric name).
    pub notes: Vec<String>,
    /// Whether a built-in kind's rule has its own `summary` or `description` with template
    /// actions (`{{`): the promtool tests cannot know what they render to.
    pub own_templates: bool,
    /// Worst-case detection delay.
    pub delay: Delay,
}

/// A rule that compiles to no alert in an environment, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The `alerts.rules` key.
    pub rule: String,
    /// Why no alert is emitted.
    pub reason: String,
}

/// Kebab-case alert name of a built-in kind; also its anchor in `docs/runbooks.md`.
pub fn alert_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::ContainerError => "container-error",
        AlertKind::ContainerCpu => "container-cpu",
        AlertKind::ContainerMemory => "container-memory",
        AlertKind::ContainerInstancesBelowMin => "container-instances-below-min",
        AlertKind::DatabaseCpu => "database-cpu",
        AlertKind::DatabaseStorage => "database-storage",
        AlertKind::DatabaseMemory => "database-memory",
        AlertKind::DatabaseConnections => "database-connections",
        AlertKind::DatabaseReplicationLag => "database-replication-lag",
        AlertKind::BackupJobFailed => "backup-job-failed",
    }
}

/// Every built-in kind.
pub const ALL_KINDS: [AlertKind; 10] = [
    AlertKind::ContainerError,
    AlertKind::ContainerCpu,
    AlertKind::ContainerMemory,
    AlertKind::ContainerInstancesBelowMin,
    AlertKind::DatabaseCpu,
    AlertKind::DatabaseStorage,
    AlertKind::DatabaseMemory,
    AlertKind::DatabaseConnections,
    AlertKind::DatabaseReplicationLag,
    AlertKind::BackupJobFailed,
];

/// The `snake_case` spelling of a kind, as written in `environments.yaml`.
pub fn kind_key(kind: AlertKind) -> String {
    alert_name(kind).replace('-', "_")
}

/// Whether the kind watches a Serverless Container (and so needs `service`).
pub fn is_container_kind(kind: AlertKind) -> bool {
    matches!(
        kind,
        AlertKind::ContainerError
            | AlertKind::ContainerCpu
            | AlertKind::ContainerMemory
            | AlertKind::ContainerInstancesBelowMin
    )
}

/// Whether the kind watches the database (and so needs one).
pub fn is_database_kind(kind: AlertKind) -> bool {
    matches!(
        kind,
        AlertKind::DatabaseCpu
            | AlertKind::DatabaseStorage
            | AlertKind::DatabaseMemory
            | AlertKind::DatabaseConnections
            | AlertKind::DatabaseReplicationLag
    )
}

/// How a kind's threshold is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdUnit {
    /// The kind takes no threshold.
    None,
    /// Percent, `0 <= t < 100`.
    Percent,
    /// Seconds, `t > 0`.
    Seconds,
}

/// The unit of a kind's threshold.
pub fn threshold_unit(kind: AlertKind) -> ThresholdUnit {
    match kind {
        AlertKind::ContainerError
        | AlertKind::ContainerInstancesBelowMin
        | AlertKind::BackupJobFailed => ThresholdUnit::None,
        AlertKind::DatabaseReplicationLag => ThresholdUnit::Seconds,
        _ => ThresholdUnit::Percent,
    }
}

/// The threshold used when a rule gives none.
pub fn default_threshold(kind: AlertKind) -> Option<f64> {
    match kind {
        AlertKind::ContainerCpu | AlertKind::ContainerMemory | AlertKind::DatabaseMemory => {
            Some(90.0)
        }
        AlertKind::DatabaseCpu | AlertKind::DatabaseStorage | AlertKind::DatabaseConnections => {
            Some(80.0)
        }
        AlertKind::DatabaseReplicationLag => Some(30.0),
        _ => None,
    }
}

/// Checks a threshold against its kind's range; `Err` says what is expected.
pub fn check_threshold(kind: AlertKind, t: f64) -> Result<(), String> {
    match threshold_unit(kind) {
        ThresholdUnit::None => Err(format!(
            "no `threshold`: `{}` fires on a state, not on a level",
            kind_key(kind)
        )),
        ThresholdUnit::Percent if !(t.is_finite() && (0.0..100.0).contains(&t)) => {
            Err("a percentage from 0 up to (not including) 100, e.g. `90`".to_string())
        }
        ThresholdUnit::Seconds if !(t.is_finite() && t > 0.0 && t <= 86_400.0) => {
            Err("a number of seconds above 0 (at most 86400), e.g. `30`".to_string())
        }
        _ => Ok(()),
    }
}

fn num(t: f64) -> String {
    format!("{t}")
}

/// PromQL of a built-in kind for the resource `resource`. `threshold` is the effective
/// threshold (kinds that take one) and `min_scale` the compared minimum (instances kind).
/// `s` as a PromQL string literal: double-quoted, `\` and `"` escaped, control characters as
/// escapes. The one way a value enters a PromQL expression or series selector.
pub fn promql_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Where the metric names of a built-in kind come from, written above each of its rules, so
/// that every rule says whether its metric is documented (sweep 37, #3: only one did). The
/// pages are in Scaleway's documentation repository (github.com/scaleway/docs-content, read
/// 2026-12-06); the preconfigured rules are those the provider v2.81.0 records in
/// `internal/services/cockpit/testdata/data-source-cockpit-preconfigured-alert-basic.cassette.yaml`.
pub fn metric_source(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::ContainerError | AlertKind::ContainerCpu | AlertKind::ContainerMemory => {
            "Metric documented by Scaleway: \"How to configure alerts for a container\" (docs-content pages/serverless-containers/how-to/configure-alerts-containers.mdx)."
        }
        AlertKind::ContainerInstancesBelowMin => {
            "UNCONFIRMED metric: serverless_container_instances_total is named by third-party sources only; check it with GET <scaleway-metrics-url>/prometheus/api/v1/label/__name__/values."
        }
        AlertKind::DatabaseCpu => {
            "Metric documented by Scaleway: \"How to monitor your Database Instance with Scaleway Cockpit\" (docs-content pages/managed-databases-for-postgresql-and-mysql/how-to/monitor-databases-cockpit.mdx), and used by Scaleway's preconfigured alert rules."
        }
        // The page's table misspells these two names (`db_instance_..._filesystem_avail_byte`,
        // `..._pg_settings_max_connection`); the preconfigured rules spell them as here (sweep
        // 48, #7).
        AlertKind::DatabaseStorage | AlertKind::DatabaseConnections => {
            "Metric documented by Scaleway: \"How to monitor your Database Instance with Scaleway Cockpit\" (docs-content pages/managed-databases-for-postgresql-and-mysql/how-to/monitor-databases-cockpit.mdx), whose table misspells this name; spelled as here by Scaleway's preconfigured alert rules (provider v2.81.0's recording internal/services/cockpit/testdata/data-source-cockpit-preconfigured-alert-basic.cassette.yaml)."
        }
        AlertKind::DatabaseMemory => {
            "Metric documented by Scaleway: \"How to monitor your Database Instance with Scaleway Cockpit\" (docs-content pages/managed-databases-for-postgresql-and-mysql/how-to/monitor-databases-cockpit.mdx), which spells MemAvailable's name without its leading `r`; tofugen uses the `rdb_instance_` prefix of every other name there: check once on real data."
        }
        AlertKind::DatabaseReplicationLag => {
            "Metric documented by Scaleway: \"How to monitor your Database Instance with Scaleway Cockpit\" (docs-content pages/managed-databases-for-postgresql-and-mysql/how-to/monitor-databases-cockpit.mdx), in seconds."
        }
        AlertKind::BackupJobFailed => {
            "Metric documented by Scaleway: \"How to configure alerts for a job\" (docs-content pages/serverless-jobs/how-to/configure-alerts-jobs.mdx, states `failed` and `internal_error`; a run in another end state, such as `interrupted`, does not fire)."
        }
    }
}

/// The PromQL of a built-in kind on the Scaleway resource `resource`.
pub fn kind_expr(kind: AlertKind, resource: &str, threshold: f64, min_scale: u32) -> String {
    let rn = format!("resource_name={}", promql_str(resource));
    let t = num(threshold);
    match kind {
        AlertKind::ContainerError => format!(
            "max by (resource_name) (serverless_container_status{{status=\"error\", {rn}}}) == 1"
        ),
        AlertKind::ContainerCpu => {
            format!("max by (resource_name) (serverless_container_cpu_usage_ratio{{{rn}}}) > {t}")
        }
        AlertKind::ContainerMemory => format!(
            "100 * max by (resource_name) (serverless_container_memory_usage_bytes{{{rn}}}) / max by (resource_name) (serverless_container_memory_limit_bytes{{{rn}}}) > {t}"
        ),
        AlertKind::ContainerInstancesBelowMin => format!(
            "max by (resource_name) (serverless_container_instances_total{{{rn}}}) < {min_scale}"
        ),
        AlertKind::DatabaseCpu => format!(
            "100 * max by (resource_name) (1 - avg by (resource_name, instance) (irate(rdb_instance_postgresql_node_cpu_seconds_total{{mode=\"idle\", {rn}}}[5m]))) > {t}"
        ),
        AlertKind::DatabaseStorage => format!(
            "100 * max by (resource_name) (1 - rdb_instance_postgresql_node_filesystem_avail_bytes{{{rn}}} / rdb_instance_postgresql_node_filesystem_size_bytes{{{rn}}}) > {t}"
        ),
        AlertKind::DatabaseMemory => format!(
            "100 * max by (resource_name) (1 - rdb_instance_postgresql_node_memory_MemAvailable_bytes{{{rn}}} / rdb_instance_postgresql_node_memory_MemTotal_bytes{{{rn}}}) > {t}"
        ),
        AlertKind::DatabaseConnections => format!(
            "100 * max by (resource_name) (sum by (resource_name, instance) (rdb_instance_postgresql_pg_stat_database_numbackends{{{rn}}}) / max by (resource_name, instance) (rdb_instance_postgresql_pg_settings_max_connections{{{rn}}})) > {t}"
        ),
        AlertKind::DatabaseReplicationLag => format!(
            "max by (resource_name) (rdb_instance_postgresql_pg_replication_lag{{{rn}}}) > {t}"
        ),
        AlertKind::BackupJobFailed => format!(
            // Each side filtered first, as Scaleway's own rule (configure-alerts-jobs.mdx):
            // `or` keeps a left series and drops the right one with the same labels, so
            // `failed` at 0 hid `internal_error` at 1 (sweep 48, #1).
            "max by (resource_name) (serverless_job_run:state_failed{{{rn}}} == 1 or serverless_job_run:state_internal_error{{{rn}}} == 1)"
        ),
    }
}

/// The worst-case detection delay of `rule` in `env`: metric refresh + one evaluation
/// interval (the failure may land just after an evaluation) + `for` rounded up to whole
/// evaluation intervals (Prometheus fires at the first evaluation after `for` has elapsed).
/// Alertmanager grouping (`group_wait`) comes on top and is not counted.
pub fn detection_delay(env: &ResolvedEnvironment, rule: &ResolvedAlertRule) -> Delay {
    let (refresh, metrics, note) = match rule.kind {
        Some(k) if is_container_kind(k) => (
            CONTAINER_METRICS_REFRESH,
            "container metrics",
            format!(
                "container metrics refresh every {}s (assumed: Scaleway documents no figure for containers, 60s as for databases)",
                CONTAINER_METRICS_REFRESH.seconds
            ),
        ),
        Some(k) if is_database_kind(k) => (
            DATABASE_METRICS_REFRESH,
            "database metrics",
            format!(
                "database metrics refresh every {}s (documented by Scaleway)",
                DATABASE_METRICS_REFRESH.seconds
            ),
        ),
        Some(_) => (
            JOB_METRICS_REFRESH,
            "job run metrics",
            format!(
                "job run metrics refresh every {}s (assumed, as container metrics)",
                JOB_METRICS_REFRESH.seconds
            ),
        ),
        None => {
            let names = crate::metrics::metric_names(rule.expr.as_deref().unwrap_or(""));
            if names.iter().any(|n| n.starts_with("rdb_instance_")) {
                (
                    DATABASE_METRICS_REFRESH,
                    "database metrics",
                    format!(
                        "database metrics refresh every {}s (documented by Scaleway)",
                        DATABASE_METRICS_REFRESH.seconds
                    ),
                )
            } else if names.iter().any(|n| n.starts_with("serverless_")) {
                (
                    CONTAINER_METRICS_REFRESH,
                    "Scaleway serverless metrics",
                    format!(
                        "Scaleway serverless metrics refresh every {}s (assumed)",
                        CONTAINER_METRICS_REFRESH.seconds
                    ),
                )
            } else {
                (
                    Duration::from_secs(0),
                    "application metrics",
                    "application metrics arrive when the application pushes them (counted as 0s: tofugen does not know the push interval)".to_string(),
                )
            }
        }
    };
    let evaluation = env.alerts.evaluation_interval;
    let step = evaluation.seconds.max(1);
    let hold = Duration::from_secs(rule.for_.seconds.div_ceil(step) * step);
    Delay {
        total: Duration::from_secs(refresh.seconds + evaluation.seconds + hold.seconds),
        refresh,
        refresh_note: note,
        metrics: metrics.to_string(),
        evaluation,
        hold,
    }
}

/// Worst-case detection delay of every enabled rule of `env`: (rule name, delay, the factor
/// that limits it).
pub fn detection_delays(env: &ResolvedEnvironment) -> Vec<(String, Duration, String)> {
    env.alerts
        .rules
        .iter()
        .map(|r| {
            let d = detection_delay(env, r);
            (r.name.clone(), d.total, d.limiting_factor())
        })
        .collect()
}

fn severity_text(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// Scaleway name of the backup job of `tier` (`weekly`, `monthly`).
pub fn backup_job_name(project: &str, env: &str, tier: &str) -> String {
    format!("{project}-{env}-backup-{tier}")
}

/// The enabled backup job tiers of `env`.
pub fn enabled_job_tiers(env: &ResolvedEnvironment) -> Vec<&'static str> {
    let Some(db) = &env.database else {
        return Vec::new();
    };
    let mut tiers = Vec::new();
    if db.backups.weekly.is_some() {
        tiers.push("weekly");
    }
    if db.backups.monthly.is_some() {
        tiers.push("monthly");
    }
    tiers
}

/// `text` as literal text of a Go `text/template`, the language Prometheus expands alerting
/// rules' annotations and labels with (`rules/alerting.go`: `expand` on every annotation and
/// label value). Every value tofugen copies into an annotation or a label goes through here: a
/// PromQL label matcher may hold `{{ }}`, and copied raw it would be run (`{{ with query … }}`)
/// or refused by promtool.
///
/// Each maximal run of braces holding `{{` or `}}` becomes the string literal of an action,
/// `{{ "RUN" }}`: in an action Go's lexer reads a quoted string whole (`lexQuote` in Go's
/// `src/text/template/parse/lex.go`), and a brace needs no escape in a Go string. `}}` is text
/// to Go, but escaped too so that the output passes tofugen's own template check; the run being
/// maximal, no brace next to an escape can form a new delimiter with it.
pub fn go_template_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['{', '}']) {
        out.push_str(&rest[..start]);
        let run_len = rest[start..]
            .find(|c| c != '{' && c != '}')
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        if run.contains("{{") || run.contains("}}") {
            out.push_str("{{ \"");
            out.push_str(run);
            out.push_str("\" }}");
        } else {
            out.push_str(run);
        }
        rest = &rest[start + run_len..];
    }
    out.push_str(rest);
    out
}

/// What Prometheus prints for a template made of [`go_template_text`] pieces and the value
/// templates of [`value_template`] already expanded: the inverse of the escape (for the tests'
/// expected texts).
fn rendered_text(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{ \"") {
        let inner = &rest[start + 4..];
        let run_len = inner.find(|c| c != '{' && c != '}').unwrap_or(inner.len());
        if run_len > 0 && inner[run_len..].starts_with("\" }}") {
            out.push_str(&rest[..start]);
            out.push_str(&inner[..run_len]);
            rest = &inner[run_len + 4..];
        } else {
            out.push_str(&rest[..start + 4]);
            rest = inner;
        }
    }
    out.push_str(rest);
    out
}

/// How an annotation shows the value of a kind.
fn value_template(kind: Option<AlertKind>) -> &'static str {
    match kind.map(threshold_unit) {
        Some(ThresholdUnit::Percent) => "{{ $value | humanize }}%",
        Some(ThresholdUnit::Seconds) => "{{ $value | humanizeDuration }}",
        _ => "{{ $value | humanize }}",
    }
}

fn texts(
    kind: AlertKind,
    resource: &str,
    threshold: Option<f64>,
    min_scale: u32,
) -> (String, String) {
    let t = threshold.map(num).unwrap_or_default();
    let v = value_template(Some(kind));
    let resource = go_template_text(resource);
    match kind {
        AlertKind::ContainerError => (
            format!("Container {resource} is in error"),
            format!(
                "Scaleway reports the container {resource} in error status (status value {v}): its last deployment or its instances failed."
            ),
        ),
        AlertKind::ContainerCpu => (
            format!("Container {resource} CPU above {t}%"),
            format!("CPU usage of {resource} is {v}, above {t}%."),
        ),
        AlertKind::ContainerMemory => (
            format!("Container {resource} memory above {t}%"),
            format!("Memory usage of {resource} is {v} of its limit, above {t}%."),
        ),
        // With one instance wanted, fewer is none: the service is down, not less redundant
        // (sweep 58b, L5).
        AlertKind::ContainerInstancesBelowMin if min_scale <= 1 => (
            format!("Container {resource} runs no instance"),
            format!(
                "{resource} runs {v} instance(s), below its min_scale of {min_scale}: it is down."
            ),
        ),
        AlertKind::ContainerInstancesBelowMin => (
            format!("Container {resource} runs fewer than {min_scale} instances"),
            format!(
                "{resource} runs {v} instance(s), below its min_scale of {min_scale}: redundancy is lost."
            ),
        ),
        AlertKind::DatabaseCpu => (
            format!("Database {resource} CPU above {t}%"),
            format!("CPU usage of the busiest node of {resource} is {v}, above {t}%."),
        ),
        AlertKind::DatabaseStorage => (
            format!("Database {resource} storage above {t}%"),
            format!("Disk usage of {resource} is {v}, above {t}%: the volume will fill up."),
        ),
        AlertKind::DatabaseMemory => (
            format!("Database {resource} memory above {t}%"),
            format!("Memory usage of the busiest node of {resource} is {v}, above {t}%."),
        ),
        AlertKind::DatabaseConnections => (
            format!("Database {resource} connections above {t}% of max_connections"),
            format!("{resource} uses {v} of its max_connections, above {t}%."),
        ),
        AlertKind::DatabaseReplicationLag => (
            format!("Database {resource} replication lag above {t}s"),
            format!("Replication lag of {resource} is {v}, above {t}s."),
        ),
        AlertKind::BackupJobFailed => (
            format!("Backup job {resource} failed"),
            format!(
                "The last run of the backup job {resource} failed (value {v}): this backup tier has no fresh backup until it runs again."
            ),
        ),
    }
}

/// Compiles the enabled rules of `env` into alert instances, and lists the rules that compile
/// to nothing. Invalid rules (reported by the policy stage) are skipped, never a panic.
pub fn plan(project: &str, env: &ResolvedEnvironment) -> (Vec<AlertInstance>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let db_name = env.database_resource_name(project);
    for rule in &env.alerts.rules {
        let delay = detection_delay(env, rule);
        let mut base_labels = vec![
            ("environment".to_string(), env.name.clone()),
            ("rule".to_string(), rule.name.clone()),
            (
                "severity".to_string(),
                severity_text(rule.severity).to_string(),
            ),
        ];
        match (rule.kind, &rule.expr) {
            (Some(kind), None) => {
                let threshold = rule.threshold.or(default_threshold(kind));
                if threshold_unit(kind) != ThresholdUnit::None
                    && threshold.is_none_or(|t| check_threshold(kind, t).is_err())
                {
                    skipped.push(Skipped {
                        rule: rule.name.clone(),
                        reason: "its threshold is out of range".into(),
                    });
                    continue;
                }
                let mut targets: Vec<(Target, String, u32)> = Vec::new();
                if is_container_kind(kind) {
                    let services: Vec<_> = match rule.service.as_deref() {
                        Some("*") => env.services.iter().collect(),
                        Some(name) => env.service(name).into_iter().collect(),
                        None => Vec::new(),
                    };
                    if services.is_empty() {
                        skipped.push(Skipped {
                            rule: rule.name.clone(),
                            reason: "it names no enabled service".into(),
                        });
                    }
                    for s in services {
                        if kind == AlertKind::ContainerInstancesBelowMin && s.min_scale == 0 {
                            skipped.push(Skipped {
                                rule: rule.name.clone(),
                                reason: format!(
                                    "service `{}` has min_scale 0 (scale-to-zero), so there is no minimum to fall below",
                                    s.name
                                ),
                            });
                            continue;
                        }
                        targets.push((
                            Target::Service(s.name.clone()),
                            env.container_resource_name(project, &s.name),
                            s.min_scale,
                        ));
                    }
                } else if is_database_kind(kind) {
                    if env.database.is_some() {
                        targets.push((Target::Database, db_name.clone(), 0));
                    } else {
                        skipped.push(Skipped {
                            rule: rule.name.clone(),
                            reason: "the environment has no database".into(),
                        });
                    }
                } else {
                    let tiers = enabled_job_tiers(env);
                    if tiers.is_empty() {
                        skipped.push(Skipped {
                            rule: rule.name.clone(),
                            reason: "no weekly or monthly backup job is enabled".into(),
                        });
                    }
                    for tier in tiers {
                        targets.push((
                            Target::BackupJob(tier.to_string()),
                            backup_job_name(project, &env.name, tier),
                            0,
                        ));
                    }
                }
                for (target, resource, min_scale) in targets {
                    let mut labels = base_labels.clone();
                    match &target {
                        Target::Service(s) => labels.push(("service".into(), s.clone())),
                        Target::Database => labels.push(("database".into(), db_name.clone())),
                        Target::BackupJob(tier) => {
                            labels.push(("database".into(), db_name.clone()));
                            labels.push(("backup".into(), tier.clone()));
                        }
                        Target::Custom(_) => {}
                    }
                    labels.sort();
                    let alert = alert_name(kind).to_string();
                    // The rule's own texts, when written, replace the kind's (they were
                    // accepted and dropped, sweep 12 finding 3); both are checked templates.
                    let (summary, description) = texts(kind, &resource, threshold, min_scale);
                    let own_templates = [&rule.summary, &rule.description]
                        .into_iter()
                        .any(|t| t.as_deref().is_some_and(|t| t.contains("{{")));
                    let summary = rule.summary.clone().unwrap_or(summary);
                    let description = rule.description.clone().unwrap_or(description);
                    let mut annotations = vec![
                        ("description".to_string(), description),
                        ("summary".to_string(), summary),
                    ];
                    if let Some(url) = &env.alerts.runbook_url {
                        annotations.push((
                            "runbook_url".into(),
                            go_template_text(&format!("{url}#{alert}")),
                        ));
                    }
                    let mut notes = vec![metric_source(kind).to_string()];
                    if kind == AlertKind::ContainerCpu {
                        notes.push(
                            "serverless_container_cpu_usage_ratio is compared in percent, as in Scaleway's documentation (a third-party note says 0-1: check once on real data).".to_string(),
                        );
                    }
                    out.push(AlertInstance {
                        rule: rule.name.clone(),
                        expr: kind_expr(kind, &resource, threshold.unwrap_or(0.0), min_scale),
                        alert,
                        kind: Some(kind),
                        source: if matches!(target, Target::BackupJob(_)) {
                            Source::Backups
                        } else {
                            Source::Scaleway
                        },
                        target,
                        resource_name: Some(resource),
                        threshold,
                        min_scale: (kind == AlertKind::ContainerInstancesBelowMin)
                            .then_some(min_scale),
                        for_: rule.for_,
                        labels,
                        annotations,
                        notes,
                        own_templates,
                        delay: delay.clone(),
                    });
                }
            }
            (None, Some(expr)) => {
                if let Some(s) = &rule.service
                    && s != "*"
                {
                    base_labels.push(("service".into(), s.clone()));
                    base_labels.sort();
                }
                // `summary` and `description` written by the user are templates (the schema
                // checks them against an allow-list); the defaults copy names and the
                // expression, which are text.
                let summary = rule.summary.clone().unwrap_or_else(|| {
                    go_template_text(&format!("{} fired in {}", rule.name, env.name))
                });
                let description = rule.description.clone().unwrap_or_else(|| {
                    format!(
                        "`{}` is true (value {}).",
                        go_template_text(expr.trim()),
                        value_template(None)
                    )
                });
                let mut annotations = vec![
                    ("description".to_string(), description),
                    ("summary".to_string(), summary),
                ];
                if let Some(url) = &env.alerts.runbook_url {
                    annotations.push((
                        "runbook_url".into(),
                        go_template_text(&format!("{url}#{}", rule.name)),
                    ));
                }
                out.push(AlertInstance {
                    rule: rule.name.clone(),
                    alert: rule.name.clone(),
                    kind: None,
                    source: custom_source(rule.metric_source()),
                    target: Target::Custom(rule.service.clone()),
                    resource_name: None,
                    threshold: None,
                    min_scale: None,
                    expr: expr.trim().to_string(),
                    for_: rule.for_,
                    labels: base_labels,
                    annotations,
                    notes: Vec::new(),
                    own_templates: false,
                    delay,
                });
            }
            _ => skipped.push(Skipped {
                rule: rule.name.clone(),
                reason: "it needs exactly one of `kind` and `expr`".into(),
            }),
        }
    }
    (out, skipped)
}

/// A rule group: its name and its alerts (borrowed from the plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Group<'a> {
    /// Group name (also the file stem).
    pub name: String,
    /// Data source.
    pub source: Source,
    /// The alerts, at most [`MAX_RULES_PER_GROUP`].
    pub alerts: Vec<&'a AlertInstance>,
}

/// How many alerts of `alerts` go to each data source, in [`Source::ALL`]'s order.
fn per_source(alerts: &[AlertInstance]) -> [usize; Source::ALL.len()] {
    Source::ALL.map(|source| alerts.iter().filter(|a| a.source == source).count())
}

/// How many alert instances [`plan`] makes of `env`'s rules for each data source (in
/// [`Source::ALL`]'s order), without building them (no label, expression or text): all that
/// [`crate::emit::file_count`] needs. It follows [`plan`]'s choices (the rules skipped for a
/// threshold out of range, the services a rule names, scale-to-zero, no database, the backup
/// job tiers); a test compares the two on every fixture.
pub fn planned_per_source(env: &ResolvedEnvironment) -> [usize; Source::ALL.len()] {
    let mut counts = [0; Source::ALL.len()];
    let mut add = |source: Source, n: usize| {
        if let Some(i) = Source::ALL.iter().position(|s| *s == source) {
            counts[i] += n;
        }
    };
    for rule in &env.alerts.rules {
        match (rule.kind, &rule.expr) {
            (Some(kind), None) => {
                let threshold = rule.threshold.or(default_threshold(kind));
                if threshold_unit(kind) != ThresholdUnit::None
                    && threshold.is_none_or(|t| check_threshold(kind, t).is_err())
                {
                    continue;
                }
                if is_container_kind(kind) {
                    let watched = |s: &ResolvedService| {
                        !(kind == AlertKind::ContainerInstancesBelowMin && s.min_scale == 0)
                    };
                    let n = match rule.service.as_deref() {
                        Some("*") => env.services.iter().filter(|s| watched(s)).count(),
                        Some(name) => env.service(name).into_iter().filter(|s| watched(s)).count(),
                        None => 0,
                    };
                    add(Source::Scaleway, n);
                } else if is_database_kind(kind) {
                    add(Source::Scaleway, usize::from(env.database.is_some()));
                } else {
                    add(Source::Backups, enabled_job_tiers(env).len());
                }
            }
            (None, Some(_)) => add(custom_source(rule.metric_source()), 1),
            _ => {}
        }
    }
    counts
}

/// How many groups [`groups`] makes of the alerts [`plan`] makes of `env`, without planning
/// them ([`planned_per_source`]).
pub fn planned_group_count(env: &ResolvedEnvironment) -> usize {
    groups_of(planned_per_source(env))
}

/// How many groups alerts counted per data source make ([`MAX_RULES_PER_GROUP`] rules each).
fn groups_of(per_source: [usize; Source::ALL.len()]) -> usize {
    per_source
        .into_iter()
        .map(|n| n.div_ceil(MAX_RULES_PER_GROUP))
        .sum()
}

/// How many groups [`groups`] makes of `alerts`, without building them.
pub fn group_count(alerts: &[AlertInstance]) -> usize {
    groups_of(per_source(alerts))
}

/// Splits alerts into groups per data source, numbered when one source needs more than
/// [`MAX_RULES_PER_GROUP`] rules.
pub fn groups<'a>(prefix: &str, alerts: &'a [AlertInstance]) -> Vec<Group<'a>> {
    let mut out = Vec::new();
    for (source, n) in Source::ALL.into_iter().zip(per_source(alerts)) {
        let numbered = n > MAX_RULES_PER_GROUP;
        let mut of = alerts.iter().filter(|a| a.source == source).peekable();
        let mut i = 0;
        while of.peek().is_some() {
            i += 1;
            let name = if numbered {
                format!("{prefix}-{}-{i}", source.slug())
            } else {
                format!("{prefix}-{}", source.slug())
            };
            out.push(Group {
                name,
                source,
                alerts: of.by_ref().take(MAX_RULES_PER_GROUP).collect(),
            });
        }
    }
    out
}

/// A YAML scalar: plain when unambiguous, else single-quoted, else double-quoted (JSON).
pub fn yaml_str(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else if s.chars().all(|c| !c.is_control()) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// The data source a custom rule goes to: the project's "Scaleway Metrics" when it reads only
/// Scaleway product metrics ([`crate::metrics`]), else the custom metrics data source (a rule
/// reading both is refused by TG122 before anything is emitted).
fn custom_source(metrics: Option<crate::metrics::MetricSource>) -> Source {
    match metrics {
        Some(crate::metrics::MetricSource::Scaleway) => Source::Scaleway,
        _ => Source::Application,
    }
}

fn delay_comment(a: &AlertInstance) -> String {
    let d = &a.delay;
    let what = match &a.target {
        Target::Service(s) => format!("service {s}"),
        Target::Database => "the database".to_string(),
        Target::BackupJob(t) => format!("the {t} backup job"),
        Target::Custom(_) => "a custom expression".to_string(),
    };
    format!(
        "{} (rule `{}`, {what}): worst-case detection {} = {} + {} evaluation interval + {} `for`.",
        a.alert,
        a.rule,
        d.total.prometheus(),
        d.refresh_note,
        d.evaluation.prometheus(),
        d.hold.prometheus()
    )
}

/// The rule file of one group.
pub fn rule_file(env: &ResolvedEnvironment, group: &Group<'_>, source: &str) -> String {
    let where_to = match group.source {
        Source::Scaleway => {
            "Rules on Scaleway product metrics: push `.groups[0]` to the built-in \"Scaleway Metrics\" data source of the environment project"
        }
        Source::Backups => {
            "Rules on the backup jobs' runs: push `.groups[0]` to the built-in \"Scaleway Metrics\" data source of the environment's backup project"
        }
        Source::Application => {
            "Rules on application metrics: push `.groups[0]` to the custom metrics data source"
        }
    };
    let mut header = crate::emit::header("#", source);
    header.push_str(&yaml::comment(
        0,
        &format!(
            "Cockpit alert rules of environment `{}`. {where_to} (POST <data-source-url>/prometheus/config/v1/rules/<namespace>, header X-Token). Tested by {}.test.yml with `promtool test rules`.",
            env.name, group.name
        ),
    ));
    let pairs = |pairs: &[(String, String)]| {
        Yaml::map(pairs.iter().map(|(k, v)| (k.clone(), Yaml::str(v))))
    };
    let rules: Vec<Yaml> = group
        .alerts
        .iter()
        .map(|a| {
            let mut rule = MapBuilder::new().comment(&delay_comment(a));
            for n in &a.notes {
                rule = rule.comment(n);
            }
            rule.entry("alert", Yaml::str(&a.alert))
                .entry("expr", Yaml::str(&a.expr))
                .entry("for", Yaml::str(a.for_.prometheus()))
                // Labels hold their values (the tests expect them as they are), and
                // Prometheus expands them as templates too: escaped here.
                .entry(
                    "labels",
                    Yaml::map(
                        a.labels
                            .iter()
                            .map(|(k, v)| (k.clone(), Yaml::str(go_template_text(v)))),
                    ),
                )
                .entry("annotations", pairs(&a.annotations))
                .build()
        })
        .collect();
    let doc = Yaml::map([(
        "groups",
        Yaml::Seq(vec![Yaml::map([
            ("name", Yaml::str(&group.name)),
            (
                "interval",
                Yaml::str(env.alerts.evaluation_interval.prometheus()),
            ),
            ("rules", Yaml::Seq(rules)),
        ])]),
    )]);
    yaml::render(Dialect::Plain, &header, &doc)
}

// ---------------------------------------------------------------------------------------------
// promtool unit tests
// ---------------------------------------------------------------------------------------------

/// Go's `humanize` template function for the values the tests use.
pub fn humanize(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return go_g4(v);
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
        return format!("{}{prefix}", go_g4(v));
    }
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}", go_g4(v))
}

/// Go's `humanizeDuration` template function for whole seconds >= 1.
pub fn humanize_duration(v: f64) -> String {
    let s = v as i64;
    let (days, hours, minutes, seconds) = (s / 86_400, (s / 3_600) % 24, (s / 60) % 60, s % 60);
    if days != 0 {
        format!("{days}d {hours}h {minutes}m {seconds}s")
    } else if hours != 0 {
        format!("{hours}h {minutes}m {seconds}s")
    } else if minutes != 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{}s", go_g4(v))
    }
}

/// Go's `%.4g` for values with at most 4 significant digits before the point (the tests use
/// whole numbers below 1000).
fn go_g4(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = v.abs().log10().floor() as i32 + 1;
    let decimals = (4 - digits).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Synthetic input: (series selector, promtool values notation).
type Series = Vec<(String, String)>;

/// Series making `a`'s expression evaluate to `value` for `minutes` minutes (one sample per
/// minute), and how long after the start the expression first has a value.
fn synthetic(a: &AlertInstance, value: u32, minutes: u64) -> (Series, u64) {
    let rn = a.resource_name.clone().unwrap_or_default();
    let n = minutes;
    let constant = |metric: &str, extra: &str, v: String| {
        (
            format!("{metric}{{{extra}resource_name={}}}", promql_str(&rn)),
            format!("{v}x{n}"),
        )
    };
    let pct_rest = |v: u32| format!("{}", u64::from(100 - v.min(100)) * 10_000_000);
    match a.kind {
        Some(AlertKind::ContainerError) => (
            vec![constant(
                "serverless_container_status",
                "status=\"error\", ",
                value.to_string(),
            )],
            0,
        ),
        Some(AlertKind::ContainerCpu) => (
            vec![constant(
                "serverless_container_cpu_usage_ratio",
                "",
                value.to_string(),
            )],
            0,
        ),
        Some(AlertKind::ContainerMemory) => (
            vec![
                constant(
                    "serverless_container_memory_usage_bytes",
                    "resource_instance=\"i-0\", ",
                    (u64::from(value) * 10_000_000).to_string(),
                ),
                constant(
                    "serverless_container_memory_limit_bytes",
                    "",
                    "1000000000".into(),
                ),
            ],
            0,
        ),
        Some(AlertKind::ContainerInstancesBelowMin) => (
            vec![constant(
                "serverless_container_instances_total",
                "",
                value.to_string(),
            )],
            0,
        ),
        Some(AlertKind::DatabaseCpu) => {
            // Idle CPU seconds grow by 60 * (1 - busy) per one-minute sample.
            let idle = 60 * (100 - value.min(100));
            (
                vec![(
                    format!(
                        "rdb_instance_postgresql_node_cpu_seconds_total{{cpu=\"0\", instance=\"node-0\", mode=\"idle\", resource_name={}}}",
                        promql_str(&rn)
                    ),
                    format!("0+{}.{:02}x{n}", idle / 100, idle % 100),
                )],
                60,
            )
        }
        Some(AlertKind::DatabaseStorage) => (
            vec![
                constant(
                    "rdb_instance_postgresql_node_filesystem_avail_bytes",
                    "instance=\"node-0\", mountpoint=\"/var/lib/postgresql\", ",
                    pct_rest(value),
                ),
                constant(
                    "rdb_instance_postgresql_node_filesystem_size_bytes",
                    "instance=\"node-0\", mountpoint=\"/var/lib/postgresql\", ",
                    "1000000000".into(),
                ),
            ],
            0,
        ),
        Some(AlertKind::DatabaseMemory) => (
            vec![
                constant(
                    "rdb_instance_postgresql_node_memory_MemAvailable_bytes",
                    "instance=\"node-0\", ",
                    pct_rest(value),
                ),
                constant(
                    "rdb_instance_postgresql_node_memory_MemTotal_bytes",
                    "instance=\"node-0\", ",
                    "1000000000".into(),
                ),
            ],
            0,
        ),
        Some(AlertKind::DatabaseConnections) => (
            vec![
                constant(
                    "rdb_instance_postgresql_pg_stat_database_numbackends",
                    "datname=\"app\", instance=\"node-0\", ",
                    value.to_string(),
                ),
                constant(
                    "rdb_instance_postgresql_pg_settings_max_connections",
                    "instance=\"node-0\", ",
                    "100".into(),
                ),
            ],
            0,
        ),
        Some(AlertKind::DatabaseReplicationLag) => (
            vec![constant(
                "rdb_instance_postgresql_pg_replication_lag",
                "instance=\"node-1\", ",
                value.to_string(),
            )],
            0,
        ),
        // 1: the run failed; INTERNAL_ERROR: it ended in `internal_error`, `failed` at 0.
        Some(AlertKind::BackupJobFailed) => {
            let (failed, internal) = match value {
                INTERNAL_ERROR => (0, 1),
                v => (v, 0),
            };
            (
                vec![
                    constant("serverless_job_run:state_failed", "", failed.to_string()),
                    constant(
                        "serverless_job_run:state_internal_error",
                        "",
                        internal.to_string(),
                    ),
                ],
                0,
            )
        }
        None => (Vec::new(), 0),
    }
}

/// Whether `a` fires when its expression's underlying value is `value`.
fn condition(a: &AlertInstance, value: u32) -> bool {
    let v = f64::from(value);
    match a.kind {
        Some(AlertKind::ContainerError) => value == 1,
        Some(AlertKind::BackupJobFailed) => value == 1 || value == INTERNAL_ERROR,
        Some(AlertKind::ContainerInstancesBelowMin) => value < a.min_scale.unwrap_or(0),
        Some(_) => a.threshold.is_some_and(|t| v > t),
        None => false,
    }
}

/// The synthetic value of a backup job whose run ended in `internal_error` (its `failed`
/// series at 0): the expression's value is then 1, as for a failed run.
const INTERNAL_ERROR: u32 = 2;

/// The values of `a`'s promtool tests: one that fires it, one that keeps it quiet, and for a
/// backup job a run ended in `internal_error` (a second way to fire).
fn test_values(a: &AlertInstance) -> Vec<u32> {
    let (fire, quiet) = fire_and_quiet(a);
    match a.kind {
        Some(AlertKind::BackupJobFailed) => vec![fire, INTERNAL_ERROR, quiet],
        _ => vec![fire, quiet],
    }
}

/// Values making `a` fire and stay quiet.
fn fire_and_quiet(a: &AlertInstance) -> (u32, u32) {
    match a.kind {
        Some(AlertKind::ContainerError | AlertKind::BackupJobFailed) => (1, 0),
        Some(AlertKind::ContainerInstancesBelowMin) => {
            let m = a.min_scale.unwrap_or(1);
            (m.saturating_sub(1), m)
        }
        _ => {
            let t = a.threshold.unwrap_or(0.0).max(0.0);
            // Just above the threshold, and just below it.
            ((t.floor() as u32) + 1, (t.ceil() as u32).saturating_sub(1))
        }
    }
}

fn value_text(kind: Option<AlertKind>, value: u32) -> String {
    let v = f64::from(value);
    match kind.map(threshold_unit) {
        Some(ThresholdUnit::Percent) => format!("{}%", humanize(v)),
        Some(ThresholdUnit::Seconds) => humanize_duration(v),
        _ => humanize(v),
    }
}

fn expand(template: &str, kind: Option<AlertKind>, value: u32) -> String {
    rendered_text(&template.replace(value_template(kind), &value_text(kind, value)))
}

fn flow(pairs: &[(String, String)]) -> Yaml {
    Yaml::FlowMap(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Yaml::str(v)))
            .collect(),
    )
}

/// The longest `for` a promtool unit test simulates. promtool evaluates the group at every
/// evaluation interval up to the test's `eval_time`: one alert with `for: 7d` (two tests, one
/// that fires and one that stays quiet) took 44 s on this project's 2-core VM, and `for: 365d`
/// would take over half an hour of the workflow's time. An alert whose `for`, or a sibling's,
/// is longer is only loaded and evaluated, as custom expressions are, and the test file says so.
pub const MAX_SIMULATED_FOR: Duration = Duration::from_secs(6 * 3600);

/// The alerts of `group` with `a`'s name on `a`'s resource, `a` included: they see the same
/// series, so one test covers them together.
fn siblings<'g>(group: &Group<'g>, a: &AlertInstance) -> Vec<&'g AlertInstance> {
    group
        .alerts
        .iter()
        .copied()
        .filter(|b| b.alert == a.alert && b.resource_name == a.resource_name)
        .collect()
}

/// Whether the promtool tests simulate `a` (see [`MAX_SIMULATED_FOR`]).
fn simulated(group: &Group<'_>, a: &AlertInstance) -> bool {
    a.kind.is_some()
        && siblings(group, a)
            .iter()
            .all(|b| b.for_.seconds <= MAX_SIMULATED_FOR.seconds && !b.own_templates)
}

/// One promtool test: the series of `a` at `value` (see [`test_values`]), and the alerts
/// expected.
fn test_case(group: &Group<'_>, a: &AlertInstance, value: u32, eval_interval: u64) -> Yaml {
    let fire = condition(a, value);
    let siblings = siblings(group, a);
    let longest_for = siblings.iter().map(|b| b.for_.seconds).max().unwrap_or(0);
    let (_, warmup) = synthetic(a, value, 0);
    let eval_secs = (warmup + longest_for + 2 * eval_interval.max(60)).div_ceil(60) * 60;
    let minutes = eval_secs / 60 + 1;
    let (series, _) = synthetic(a, value, minutes);
    let what = if fire { "fires" } else { "stays quiet" };
    // The expression's value, which the annotations show, and the case in words.
    let (shown, at) = match a.kind {
        Some(AlertKind::BackupJobFailed) if value == INTERNAL_ERROR => {
            (1, "when a run ends in `internal_error`".to_string())
        }
        _ => (value, format!("at value {value}")),
    };
    let expected: Vec<Yaml> = siblings
        .iter()
        .filter(|b| condition(b, value))
        .map(|b| {
            let mut labels = b.labels.clone();
            if let Some(rn) = &b.resource_name {
                labels.push(("resource_name".into(), rn.clone()));
            }
            labels.sort();
            let annotations: Vec<(String, String)> = b
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), expand(v, b.kind, shown)))
                .collect();
            Yaml::map([
                ("exp_labels", flow(&labels)),
                ("exp_annotations", flow(&annotations)),
            ])
        })
        .collect();
    MapBuilder::new()
        .comment(&format!(
            "{} (rule `{}`, {}) {what} {at}.",
            a.alert,
            a.rule,
            a.resource_name.as_deref().unwrap_or("")
        ))
        .entry("interval", Yaml::str("1m"))
        .entry(
            "input_series",
            Yaml::Seq(
                series
                    .into_iter()
                    .map(|(s, v)| Yaml::map([("series", Yaml::str(s)), ("values", Yaml::str(v))]))
                    .collect(),
            ),
        )
        .entry(
            "alert_rule_test",
            Yaml::Seq(vec![Yaml::map([
                (
                    "eval_time",
                    Yaml::str(Duration::from_secs(eval_secs).prometheus()),
                ),
                ("alertname", Yaml::str(&a.alert)),
                ("exp_alerts", Yaml::Seq(expected)),
            ])]),
        )
        .build()
}

/// The promtool unit-test file of one group.
pub fn test_file(env: &ResolvedEnvironment, group: &Group<'_>, source: &str) -> String {
    let mut header = crate::emit::header("#", source);
    header.push_str(&yaml::comment(
        0,
        &format!(
            "promtool unit tests of {0}.yml: for every alert, synthetic series that must fire it (with its exact labels and annotations) and series that must not. Run: promtool test rules {0}.test.yml",
            group.name
        ),
    ));
    let eval = env.alerts.evaluation_interval;
    // Each test runs for at least two evaluation intervals: past MAX_SIMULATED_FOR, none is
    // simulated (sweep 38, F1: `evaluation_interval: 365d` took 17 s and 448 MB of promtool,
    // 53370d over 17 GB, 53380d an `eval_time` promtool refuses).
    let slow_evaluation = eval.seconds > MAX_SIMULATED_FOR.seconds;
    let (builtin, unsimulated): (Vec<&AlertInstance>, Vec<&AlertInstance>) = group
        .alerts
        .iter()
        .partition(|a| !slow_evaluation && simulated(group, a));
    let (custom, kinds): (Vec<&AlertInstance>, Vec<&AlertInstance>) =
        unsimulated.into_iter().partition(|a| a.kind.is_none());
    let (slow, kinds) = if slow_evaluation {
        (kinds, Vec::new())
    } else {
        (Vec::new(), kinds)
    };
    let (templated, long): (Vec<&AlertInstance>, Vec<&AlertInstance>) = kinds
        .into_iter()
        .partition(|a| siblings(group, a).iter().any(|b| b.own_templates));
    let tests: Vec<Yaml> = if builtin.is_empty() {
        vec![Yaml::map([
            ("interval", Yaml::str("1m")),
            ("input_series", Yaml::Seq(Vec::new())),
            ("alert_rule_test", Yaml::Seq(Vec::new())),
        ])]
    } else {
        builtin
            .into_iter()
            .flat_map(|a| {
                test_values(a)
                    .into_iter()
                    .map(|v| test_case(group, a, v, eval.seconds))
            })
            .collect()
    };
    let mut doc = MapBuilder::new()
        .entry("rule_files", Yaml::strs([format!("{}.yml", group.name)]))
        .entry("evaluation_interval", Yaml::str(eval.prometheus()));
    if !custom.is_empty() {
        doc = doc.comment(&format!(
            "Custom expressions ({}) cannot be fed synthetic series by tofugen: this file only proves that they load and evaluate. Test them against real data in Cockpit's Explore view.",
            custom
                .iter()
                .map(|a| a.rule.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !slow.is_empty() {
        let mut rules: Vec<&str> = slow.iter().map(|a| a.rule.as_str()).collect();
        rules.dedup();
        doc = doc.comment(&format!(
            "Not simulated: the evaluation interval, {}, is longer than {}, and promtool would evaluate the group for at least twice that long ({}). This file only proves that they load and evaluate.",
            eval.prometheus(),
            MAX_SIMULATED_FOR.prometheus(),
            rules.join(", ")
        ));
    }
    if !long.is_empty() {
        doc = doc.comment(&format!(
            "Not simulated: these rules have, or share their series with a rule that has, a `for` longer than {}, and promtool would evaluate the group for that long ({}). This file only proves that they load and evaluate.",
            MAX_SIMULATED_FOR.prometheus(),
            long.iter()
                .map(|a| format!("{} `{}`", a.rule, a.for_.prometheus()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !templated.is_empty() {
        let mut rules: Vec<&str> = templated.iter().map(|a| a.rule.as_str()).collect();
        rules.dedup();
        doc = doc.comment(&format!(
            "Not simulated: these rules have, or share their series with a rule that has, its own summary or description with template actions, whose text tofugen cannot predict ({}). This file only proves that they load and evaluate.",
            rules.join(", ")
        ));
    }
    let doc = doc.entry("tests", Yaml::Seq(tests)).build();
    yaml::render(Dialect::Plain, &header, &doc)
}

/// The rule files and promtool tests of `env`.
pub fn emit_environment(resolved: &Resolved, env: &ResolvedEnvironment) -> Vec<GeneratedFile> {
    let source = resolved.config_path.as_str();
    let mut files = Vec::new();
    let (alerts, _) = plan(&resolved.project, env);
    for group in groups(&env.prefix(&resolved.project), &alerts) {
        let dir = format!("generated/{}/alerts/{}", env.name, group.source.slug());
        files.push((
            format!("{dir}/{}.yml", group.name),
            rule_file(env, &group, source),
        ));
        files.push((
            format!("{dir}/{}.test.yml", group.name),
            test_file(env, &group, source),
        ));
    }
    files
}

/// `tofugen explain` section on alerts: every rule, what it compiles to, its worst-case
/// detection delay against the objective, and the rules that compile to nothing.
///
/// Every configuration value (environment, rule and service names, the reasons that quote
/// them) is escaped for a terminal here, newlines included: each value stays on its line, so
/// none can forge a line of the report (the caller escapes the whole text again, but keeps its
/// newlines).
pub fn explain_alerts(env: &ResolvedEnvironment) -> String {
    let v = |s: &str| crate::diagnostics::escape_for_terminal(s).into_owned();
    let mut out = String::new();
    let objective = env.alerts.detection_objective;
    let _ = writeln!(
        out,
        "alerts of `{}`: evaluated every {}, detection objective {}",
        v(&env.name),
        env.alerts.evaluation_interval,
        objective.map_or("none".to_string(), |o| o.to_string())
    );
    // Resource names need the project name; the explain view shows the service names.
    let (alerts, skipped) = plan("<project>", env);
    for rule in &env.alerts.rules {
        let d = detection_delay(env, rule);
        let what = match (rule.kind, &rule.expr) {
            (Some(k), _) => kind_key(k),
            (None, Some(_)) => "custom expr".to_string(),
            _ => "invalid".to_string(),
        };
        let targets: Vec<String> = alerts
            .iter()
            .filter(|a| a.rule == rule.name)
            .map(|a| match &a.target {
                Target::Service(s) => format!("service {}", v(s)),
                Target::Database => "database".to_string(),
                Target::BackupJob(t) => format!("{} backup job", v(t)),
                Target::Custom(_) if a.source == Source::Scaleway => {
                    "Scaleway product metrics".to_string()
                }
                Target::Custom(_) => "application metrics".to_string(),
            })
            .collect();
        let verdict = match objective {
            Some(o) if d.total > o => format!("  OVER the {o} objective"),
            Some(_) => "  within objective".to_string(),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {} ({what}) -> {}",
            v(&rule.name),
            if targets.is_empty() {
                "no alert".to_string()
            } else {
                targets.join(", ")
            }
        );
        let _ = writeln!(
            out,
            "    worst-case detection {} = {} refresh + {} evaluation + {} for; limited by {}{verdict}",
            d.total.prometheus(),
            d.refresh.prometheus(),
            d.evaluation.prometheus(),
            d.hold.prometheus(),
            d.limiting_factor()
        );
    }
    for s in &skipped {
        let _ = writeln!(
            out,
            "  skipped: `{}` emits no alert here: {}",
            v(&s.rule),
            v(&s.reason)
        );
    }
    let _ = writeln!(
        out,
        "  (Alertmanager grouping adds its group_wait on top of these delays.)"
    );
    out
}

#[cfg(test)]
mod escape_tests {
    use super::{go_template_text, rendered_text};

    #[test]
    fn braces_become_text_and_round_trip() {
        for (text, escaped) in [
            ("up == 0", "up == 0"),
            ("up{job=\"a\"}", "up{job=\"a\"}"),
            ("{{ x }}", "{{ \"{{\" }} x {{ \"}}\" }}"),
            ("{}}", "{{ \"{}}\" }}"),
            ("{{{x}}}", "{{ \"{{{\" }}x{{ \"}}}\" }}"),
            ("a{b}c", "a{b}c"),
        ] {
            assert_eq!(go_template_text(text), escaped);
            assert_eq!(rendered_text(escaped), text);
            crate::schema_check::template::check(escaped).unwrap();
        }
    }
}
