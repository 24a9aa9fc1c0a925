//! Alert rules: PromQL per kind, detection delays, group splitting, `*` expansion, snapshots of
//! the files generated from the committed `environments.yaml`, and `promtool` on them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use tofugen::diagnostics::{Diagnostic, Level};
use tofugen::emit::alerts::{self, ALL_KINDS, MAX_RULES_PER_GROUP};
use tofugen::model::AlertKind;
use tofugen::pipeline::{self, Compilation};
use tofugen::resolve::ResolvedEnvironment;

const COMMITTED: &str = include_str!("../environments.yaml");

fn compile(text: &str) -> Compilation {
    pipeline::compile("environments.yaml", text.as_bytes(), true)
}

fn alert_files(c: &Compilation) -> Vec<(&String, &String)> {
    c.files
        .iter()
        .filter(|(p, _)| p.contains("/alerts/"))
        .collect()
}

/// The promtool test files of `c`, one after the other.
fn promtool_tests(c: &Compilation) -> String {
    alert_files(c)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".test.yml"))
        .map(|(_, t)| t.as_str())
        .collect()
}

/// The top-level comment lines of `text`, without their `# `, joined by spaces.
fn comments_of(text: &str) -> String {
    text.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn promtool() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PROMTOOL") {
        return Some(PathBuf::from(p));
    }
    let default = Path::new("/work/.validators/prom/usr/bin/promtool");
    default.exists().then(|| default.to_path_buf())
}

/// Runs `promtool check rules` and `promtool test rules` on every alert file of `c`.
fn run_promtool(c: &Compilation) {
    let files = alert_files(c);
    assert!(!files.is_empty());
    let Some(promtool) = promtool() else {
        common::skip_unless_required("promtool (set $PROMTOOL)");
        return;
    };
    // Its verdict on the same files is remembered ([`common::tool_verdict`]).
    let inputs: Vec<(&[u8], &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_bytes(), t.as_bytes()))
        .collect();
    let Some((verdicts, key)) = common::tool_verdict(
        "promtool",
        include_bytes!("alerts.rs"),
        &[(&promtool, "--version")],
        &["check rules", "test rules"],
        &inputs,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in &files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    for (path, _) in &files {
        let p = dir.path().join(path);
        let args: &[&str] = if path.ends_with(".test.yml") {
            &["test", "rules"]
        } else {
            &["check", "rules"]
        };
        let out = Command::new(&promtool)
            .args(args)
            .arg(p.file_name().unwrap())
            .current_dir(p.parent().unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?} {path} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    verdicts.record(&key, "promtool check rules, test rules");
}

#[test]
fn committed_rules_pass_promtool() {
    let c = compile(COMMITTED);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    run_promtool(&c);
}

/// Writes the generated alert files to `$TOFUGEN_ALERTS_OUT` for manual inspection.
#[test]
fn dump_when_asked() {
    let Ok(dir) = std::env::var("TOFUGEN_ALERTS_OUT") else {
        return;
    };
    let c = compile(COMMITTED);
    for (path, text) in alert_files(&c) {
        let p = Path::new(&dir).join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A small configuration: services `api` (min 2), `ui` (min 1) and `docs` (min 0), a database,
/// and the given `alerts:` body and extra production settings.
fn config(alerts_yaml: &str, database_yaml: &str) -> String {
    format!(
        r#"project: evalap
versions: {{ opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }}
defaults:
  services:
    api: {{ image: evalap-api, port: 8000, scale: {{ min: 2, max: 4 }} }}
    ui: {{ image: evalap-ui, port: 8501, scale: {{ min: 1, max: 2 }} }}
    docs: {{ image: evalap-docs, port: 8080, scale: {{ min: 0, max: 2 }} }}
{database_yaml}
environments:
  production:
    tier: production
    alerts:
{alerts_yaml}
"#
    )
}

const DB: &str = "  database: { ha: true }";
const DB_JOBS: &str =
    "  database: { ha: true, backups: { weekly: { enabled: true }, monthly: { enabled: true } } }";

fn env_of(c: &Compilation) -> &ResolvedEnvironment {
    c.resolved
        .as_ref()
        .expect("resolves")
        .environment("production")
        .expect("production")
}

fn policy(c: &Compilation) -> Vec<&Diagnostic> {
    c.diagnostics
        .iter()
        .filter(|d| d.code.starts_with("TG1"))
        .collect()
}

fn only(c: &Compilation, code: &str) -> Diagnostic {
    let found: Vec<_> = policy(c).into_iter().filter(|d| d.code == code).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code}, got {:#?}",
        c.diagnostics
    );
    found[0].clone()
}

fn parses(expr: &str) {
    if let Err(e) = promql_parser::parser::parse(expr) {
        panic!("`{expr}` does not parse: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// PromQL per kind
// ---------------------------------------------------------------------------------------------

#[test]
fn every_kind_compiles_to_parsable_promql_on_confirmed_metrics() {
    for kind in ALL_KINDS {
        let expr = alerts::kind_expr(kind, "evalap-production-api", 85.0, 2);
        parses(&expr);
        assert!(
            expr.contains("resource_name=\"evalap-production-api\""),
            "{expr}"
        );
        // The unconfirmed instances metric appears only in its own kind.
        assert_eq!(
            expr.contains("serverless_container_instances_total"),
            kind == AlertKind::ContainerInstancesBelowMin,
            "{expr}"
        );
        match alerts::threshold_unit(kind) {
            alerts::ThresholdUnit::None => assert!(!expr.contains("85"), "{expr}"),
            _ => assert!(expr.ends_with("> 85"), "{expr}"),
        }
    }
}

#[test]
fn kind_expressions_use_the_documented_metrics() {
    let e = |k| alerts::kind_expr(k, "r", 90.0, 2);
    assert!(e(AlertKind::ContainerError).contains("serverless_container_status{status=\"error\""));
    assert!(e(AlertKind::ContainerError).ends_with("== 1"));
    assert!(e(AlertKind::ContainerCpu).contains("serverless_container_cpu_usage_ratio{"));
    let mem = e(AlertKind::ContainerMemory);
    assert!(
        mem.contains("serverless_container_memory_usage_bytes{"),
        "{mem}"
    );
    assert!(mem.contains("/ max by (resource_name) (serverless_container_memory_limit_bytes{"));
    assert!(e(AlertKind::ContainerInstancesBelowMin).ends_with("< 2"));
    let cpu = e(AlertKind::DatabaseCpu);
    assert!(cpu.contains("irate(rdb_instance_postgresql_node_cpu_seconds_total{mode=\"idle\""));
    assert!(e(AlertKind::DatabaseStorage).contains(
        "rdb_instance_postgresql_node_filesystem_avail_bytes{resource_name=\"r\"} / rdb_instance_postgresql_node_filesystem_size_bytes"
    ));
    assert!(e(AlertKind::DatabaseMemory).contains("_MemAvailable_bytes{"));
    assert!(e(AlertKind::DatabaseConnections).contains("pg_settings_max_connections"));
    assert!(e(AlertKind::DatabaseReplicationLag).contains("pg_replication_lag"));
    let job = e(AlertKind::BackupJobFailed);
    assert!(job.contains("serverless_job_run:state_failed{resource_name=\"r\"}"));
    assert!(job.contains("or serverless_job_run:state_internal_error{resource_name=\"r\"}"));
}

#[test]
fn instances_below_min_compares_with_the_environment_min_scale_and_skips_scale_to_zero() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        below: { kind: container_instances_below_min, service: \"*\" }",
        DB,
    ));
    let env = env_of(&c);
    let (instances, skipped) = alerts::plan("evalap", env);
    let exprs: Vec<_> = instances.iter().map(|a| a.expr.clone()).collect();
    assert_eq!(exprs.len(), 2, "{exprs:#?}");
    assert!(exprs[0].contains("evalap-production-api") && exprs[0].ends_with("< 2"));
    assert!(exprs[1].contains("evalap-production-ui") && exprs[1].ends_with("< 1"));
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].reason.contains("`docs` has min_scale 0"));
    let explain = alerts::explain_alerts(env);
    assert!(explain.contains("skipped: `below`"), "{explain}");
    assert!(explain.contains("min_scale 0"), "{explain}");
    // The rule file says the metric is unconfirmed.
    // (The policy rejects this production config for its scale-to-zero services, so the
    // emitter is called directly.)
    let files = alerts::emit_environment(c.resolved.as_ref().unwrap(), env);
    let file = &files
        .iter()
        .find(|(p, _)| p.ends_with("evalap-production-scaleway.yml"))
        .unwrap()
        .1;
    assert!(file.contains("UNCONFIRMED metric: serverless_container_instances_total"));
}

/// A configuration of `n` services `s00`, `s01`, ... (HTTP probes set) and one environment,
/// `staging`, with the given `alerts.rules` entries (each line indented under `rules:`).
fn staging_with_services(n: usize, rules: &str) -> String {
    let services: String = (0..n)
        .map(|i| {
            format!(
                "    s{i:02}: {{ image: img, port: 8000, probes: {{ liveness: {{ path: /h }}, startup: {{ path: /h }} }} }}\n"
            )
        })
        .collect();
    format!(
        r#"project: p
versions: {{ opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }}
defaults:
  services:
{services}environments:
  staging:
    alerts:
      rules:
{rules}"#
    )
}

/// A built-in kind's rule takes the `summary` and `description` written on it, in every
/// instance it expands to, and the kind's own texts otherwise (they were accepted, shown by
/// `explain` and dropped: sweep 12, finding 3); the files pass promtool.
#[test]
fn a_kind_rule_uses_its_own_summary_and_description() {
    let text = staging_with_services(
        3,
        r#"        cpu: { kind: container_cpu, service: "*", threshold: 80, summary: "CPU high on {{ $labels.service }}", description: "Look at the \"api\" dashboard" }
        mem: { kind: container_memory, service: s00, threshold: 80, summary: Memory high }
        mem1: { kind: container_memory, service: s01, threshold: 80 }
"#,
    );
    let c = compile(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let env = c.resolved.as_ref().unwrap().environment("staging").unwrap();
    let (instances, _) = alerts::plan("p", env);
    let cpu: Vec<_> = instances.iter().filter(|a| a.rule == "cpu").collect();
    assert_eq!(cpu.len(), 3, "{cpu:#?}");
    for a in cpu {
        let texts: std::collections::BTreeMap<_, _> = a.annotations.iter().cloned().collect();
        assert_eq!(texts["summary"], "CPU high on {{ $labels.service }}");
        assert_eq!(texts["description"], "Look at the \"api\" dashboard");
    }
    let summary = |rule: &str| {
        let a = instances.iter().find(|a| a.rule == rule).unwrap();
        a.annotations
            .iter()
            .find(|(k, _)| k == "summary")
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(summary("mem"), "Memory high");
    assert!(summary("mem1").contains("memory"), "the kind's own text");
    let file = |suffix: &str| {
        alert_files(&c)
            .into_iter()
            .find(|(p, _)| p.ends_with(suffix))
            .unwrap()
            .1
            .clone()
    };
    let rules = file("p-staging-scaleway.yml");
    assert_eq!(
        rules.matches("CPU high on {{ $labels.service }}").count(),
        3,
        "{rules}"
    );
    // promtool's tests expect the texts they render: a plain own text is simulated with it, a
    // templated one is not simulated, and the file says so.
    let tests = file("p-staging-scaleway.test.yml");
    assert!(tests.contains("summary: Memory high"), "{tests}");
    assert!(
        tests.contains("template actions, whose text tofugen cannot predict (cpu)"),
        "{tests}"
    );
    assert!(!tests.contains("rule: cpu"), "{tests}");
    assert!(tests.contains("rule: mem1"), "{tests}");
    run_promtool(&c);
}

// ---------------------------------------------------------------------------------------------
// `*` expansion and the 20-rule split
// ---------------------------------------------------------------------------------------------

#[test]
fn star_expands_to_one_rule_per_enabled_service() {
    let c = compile(&config(
        "      rules:\n        err: { kind: container_error, service: \"*\", severity: critical }",
        DB,
    ));
    let (instances, skipped) = alerts::plan("evalap", env_of(&c));
    assert!(skipped.is_empty());
    let services: Vec<_> = instances
        .iter()
        .map(|a| {
            a.labels
                .iter()
                .find(|(k, _)| k == "service")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(services, ["api", "docs", "ui"]);
    assert!(instances.iter().all(|a| a.alert == "container-error"));
    assert!(
        instances[1]
            .expr
            .contains("resource_name=\"evalap-production-docs\"")
    );
    assert!(
        instances[0]
            .labels
            .contains(&("severity".to_string(), "critical".to_string()))
    );
}

#[test]
fn more_than_twenty_rules_split_into_numbered_groups_that_pass_promtool() {
    let text = staging_with_services(
        23,
        r#"        cpu: { kind: container_cpu, service: "*", threshold: 75.5 }
        app: { expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1', summary: API errors }
"#,
    );
    let c = compile(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let env = c.resolved.as_ref().unwrap().environment("staging").unwrap();
    let (instances, _) = alerts::plan("p", env);
    assert_eq!(instances.len(), 24);
    let groups = alerts::groups("p-staging", &instances);
    let names: Vec<_> = groups
        .iter()
        .map(|g| (g.name.as_str(), g.alerts.len()))
        .collect();
    assert_eq!(
        names,
        [
            ("p-staging-scaleway-1", MAX_RULES_PER_GROUP),
            ("p-staging-scaleway-2", 3),
            ("p-staging-application", 1)
        ]
    );
    // `group_count` (what the file cap and TG112 count) agrees with `groups` at every size
    // around the group limit, for each source, and the groups keep the plan's order.
    let (scaleway, application): (Vec<_>, Vec<_>) = instances
        .iter()
        .partition(|a| a.source == alerts::Source::Scaleway);
    for n in 0..=2 * MAX_RULES_PER_GROUP + 1 {
        for m in [0, 1, MAX_RULES_PER_GROUP, MAX_RULES_PER_GROUP + 1] {
            let mix: Vec<alerts::AlertInstance> = (0..n.max(m))
                .flat_map(|i| {
                    let s = (i < n).then(|| scaleway[i % scaleway.len()].clone());
                    let a = (i < m).then(|| application[0].clone());
                    s.into_iter().chain(a)
                })
                .collect();
            let groups = alerts::groups("p", &mix);
            assert_eq!(alerts::group_count(&mix), groups.len(), "{n} + {m}");
            assert!(groups.iter().all(|g| g.alerts.len() <= MAX_RULES_PER_GROUP));
            let flat: Vec<&alerts::AlertInstance> = groups
                .iter()
                .flat_map(|g| g.alerts.iter().copied())
                .collect();
            let by_source: Vec<&alerts::AlertInstance> = alerts::Source::ALL
                .iter()
                .flat_map(|s| mix.iter().filter(move |a| a.source == *s))
                .collect();
            assert_eq!(flat, by_source, "{n} + {m}");
        }
    }
    let paths: Vec<_> = alert_files(&c)
        .into_iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "generated/staging/alerts/application/p-staging-application.test.yml",
            "generated/staging/alerts/application/p-staging-application.yml",
            "generated/staging/alerts/scaleway/p-staging-scaleway-1.test.yml",
            "generated/staging/alerts/scaleway/p-staging-scaleway-1.yml",
            "generated/staging/alerts/scaleway/p-staging-scaleway-2.test.yml",
            "generated/staging/alerts/scaleway/p-staging-scaleway-2.yml",
        ]
    );
    run_promtool(&c);
}

/// A custom rule goes to the data source its metrics live in (sweep 16: one on Scaleway's
/// database metrics went to the custom data source, where those series do not exist, and could
/// never fire): Scaleway product metrics to the project's "Scaleway Metrics" file, application
/// metrics to the custom data source's, and one reading both is refused (TG122). Without an
/// application rule, the root makes no custom data source target.
#[test]
fn custom_rules_go_to_the_data_source_of_their_metrics() {
    let text = staging_with_services(
        1,
        r#"        conns: { expr: 'rdb_instance_postgresql_pg_stat_database_numbackends{resource_name="p-staging-db"} > 50', summary: Connections }
        app: { expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1', summary: API errors }
"#,
    );
    let c = compile(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let env = c.resolved.as_ref().unwrap().environment("staging").unwrap();
    let (instances, _) = alerts::plan("p", env);
    let source = |rule: &str| {
        instances
            .iter()
            .find(|a| a.rule == rule)
            .map(|a| a.source)
            .unwrap_or_else(|| panic!("{rule}"))
    };
    assert_eq!(source("conns"), alerts::Source::Scaleway);
    assert_eq!(source("app"), alerts::Source::Application);
    let files = alert_files(&c);
    let file = |suffix: &str| {
        files
            .iter()
            .find(|(p, _)| p.ends_with(suffix))
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("{suffix}"))
    };
    assert!(file("scaleway.yml").contains("alert: conns"));
    assert!(!file("application.yml").contains("alert: conns"));
    assert!(file("application.yml").contains("alert: app"));
    run_promtool(&c);

    // Only Scaleway metrics: no custom data source target in the root.
    let text = staging_with_services(
        1,
        r#"        conns: { expr: 'rdb_instance_postgresql_pg_stat_database_numbackends > 50', summary: Connections }
"#,
    );
    let c = compile(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    assert!(
        alert_files(&c)
            .iter()
            .all(|(p, _)| !p.contains("application"))
    );
    let main = &c.files["generated/staging/main.tf"];
    assert!(
        !main.contains("-application\""),
        "no custom data source: {main}"
    );

    // Both: refused where the expression is written.
    let text = staging_with_services(
        1,
        r#"        mixed: { expr: 'app_queue_depth > on() serverless_container_instances_total', summary: Busy }
"#,
    );
    let c = compile(&text);
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG122")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", c.diagnostics);
    assert!(
        found[0].contains("`serverless_container_instances_total`")
            && found[0].contains("`app_queue_depth`"),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Detection delay
// ---------------------------------------------------------------------------------------------

#[test]
fn detection_delay_is_refresh_plus_evaluation_plus_for_rounded_to_evaluations() {
    let c = compile(&config(
        "      evaluation_interval: 30s\n      rules:\n        db: { kind: database_cpu, for: 5m }\n        err: { kind: container_error, service: api, for: 45s }\n        app: { expr: 'up == 0', for: 0s }",
        DB,
    ));
    let delays = alerts::detection_delays(env_of(&c));
    let by_name = |n: &str| delays.iter().find(|d| d.0 == n).unwrap().clone();
    // 60s database refresh + 30s evaluation + 5m for.
    assert_eq!(by_name("db").1.seconds, 60 + 30 + 300);
    assert!(by_name("db").2.contains("`for: 5m`"), "{:?}", by_name("db"));
    // `for: 45s` is reached at the second 30s evaluation: 60s.
    assert_eq!(by_name("err").1.seconds, 60 + 30 + 60);
    // Application metrics: no known refresh; the evaluation interval limits.
    assert_eq!(by_name("app").1.seconds, 30);
    assert!(by_name("app").2.contains("evaluated every 30s"));
}

#[test]
fn a_30s_objective_is_unreachable_on_database_metrics() {
    let c = compile(&config(
        "      contacts: [ops@example.org]\n      detection_objective: 30s\n      rules:\n        db: { kind: database_storage, for: 0s }",
        DB,
    ));
    let d = only(&c, "TG100");
    assert_eq!(d.level, Level::Warning);
    assert!(
        d.message.contains("database metrics refresh every 60s")
            && d.message.contains("so 30s is not reachable"),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap().contains("at least 1m30s"));
    let delays = alerts::detection_delays(env_of(&c));
    assert_eq!(delays[0].1.seconds, 90);
    assert!(delays[0].2.contains("database metrics refresh every 60s"));
}

#[test]
fn a_long_for_gets_a_warning_naming_the_for_it_could_have() {
    let c = compile(&config(
        "      contacts: [ops@example.org]\n      detection_objective: 3m\n      rules:\n        db: { kind: database_cpu, for: 5m }",
        DB,
    ));
    let d = only(&c, "TG100");
    assert!(
        d.message.contains("6m30s") && d.message.contains("`for: 5m`"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap().contains("at most 1m30s"),
        "{:?}",
        d.help
    );
    // Points at the `for` value.
    let s = d.span.unwrap();
    let line = c.source().unwrap().lines().nth(s.line - 1).unwrap();
    assert_eq!(&line[s.col - 1..s.col + 1], "5m");
}

/// A `for` of days made the promtool tests simulate days of evaluations (`for: 7d`: 44 s for
/// one alert; a year: over half an hour of CI). Beyond `MAX_SIMULATED_FOR` (6h) the alert, and
/// the rules sharing its series, are only loaded and evaluated, and the test file says so.
#[test]
fn alerts_with_a_for_of_days_are_loaded_but_not_simulated() {
    let c = compile(
        r#"project: p
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
defaults:
  services:
    api: { image: img, port: 8000, probes: { liveness: { path: /h }, startup: { path: /h } } }
  database: {}
environments:
  staging:
    alerts:
      rules:
        slow: { kind: database_cpu, for: 365d }
        slow-too: { kind: database_cpu, threshold: 95, for: 1m }
        edge: { kind: database_memory, for: 6h }
"#,
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let all = promtool_tests(&c);
    let comments = comments_of(&all);
    assert!(
        comments.contains("longer than 6h") && comments.contains("(slow `365d`, slow-too `1m`)"),
        "{comments}"
    );
    // The 6h rule is simulated; nothing is simulated for longer than 6h and a few minutes.
    let eval_times: Vec<&str> = all
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- eval_time: "))
        .collect();
    assert!(
        eval_times.iter().any(|t| t.starts_with("6h")),
        "{eval_times:?}"
    );
    assert!(
        eval_times
            .iter()
            .all(|t| !t.contains('d') && !t.contains('y') && !t.starts_with("7h")),
        "{eval_times:?}"
    );
    let start = std::time::Instant::now();
    run_promtool(&c);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

/// Sweep 38, F1: the evaluation interval set how long every test ran (`365d`: 17 s and 448 MB
/// of promtool; `53370d`: over 17 GB; `53380d`: an `eval_time` promtool refuses). Past
/// `MAX_SIMULATED_FOR` nothing is simulated, the test file says why, and promtool is quick.
#[test]
fn a_slow_evaluation_interval_is_loaded_but_not_simulated() {
    for interval in ["7h", "365d", "53380d"] {
        let c = compile(&format!(
            r#"project: p
versions: {{ opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }}
defaults:
  services:
    api: {{ image: img, port: 8000, probes: {{ liveness: {{ path: /h }}, startup: {{ path: /h }} }} }}
  database: {{}}
environments:
  staging:
    alerts:
      evaluation_interval: {interval}
      rules:
        cpu: {{ kind: database_cpu }}
        errors: {{ kind: container_error, service: api }}
"#
        ));
        assert!(!c.has_errors(), "{interval}: {:#?}", c.diagnostics);
        let all = promtool_tests(&c);
        let comments = comments_of(&all);
        assert!(
            comments.contains(&format!(
                "the evaluation interval, {interval}, is longer than 6h"
            )) && comments.contains("(cpu")
                && comments.contains("errors"),
            "{interval}: {comments}"
        );
        assert!(!all.contains("eval_time"), "{interval}: {all}");
        let start = std::time::Instant::now();
        run_promtool(&c);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{interval}: {:?}",
            start.elapsed()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Policy errors
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_service_suggests_the_closest() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        x: { kind: container_cpu, service: aip }",
        DB,
    ));
    let d = only(&c, "TG101");
    assert_eq!(d.help.as_deref(), Some("did you mean `api`?"));
    let s = d.span.unwrap();
    assert_eq!((s.line, s.col), (15, 44));
    assert!(d.expected.unwrap().contains("`api`, `docs`, `ui`"));
}

#[test]
fn container_kind_needs_service_and_database_kind_refuses_one() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        x: { kind: container_error }\n        y: { kind: database_cpu, service: api }",
        DB,
    ));
    assert!(only(&c, "TG102").help.unwrap().contains("service: \"*\""));
    assert_eq!(only(&c, "TG110").span.unwrap().line, 16);
}

#[test]
fn database_kind_without_database() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        x: { kind: database_memory }",
        "",
    ));
    let d = only(&c, "TG103");
    assert!(d.message.contains("has none"));
    assert_eq!(d.span.unwrap().line, 15);
}

#[test]
fn custom_rules_need_exactly_one_of_kind_and_expr() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        both: { kind: database_cpu, expr: 'up == 0' }\n        none: { severity: info }",
        DB,
    ));
    let found: Vec<_> = policy(&c)
        .into_iter()
        .filter(|d| d.code == "TG104")
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("both `kind` and `expr`"))
    );
    assert!(found.iter().any(|d| d.message.contains("neither")));
}

#[test]
fn invalid_promql_points_inside_the_value() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        app: { expr: 'sum(rate(x[5m]) > 1' }",
        DB,
    ));
    let d = only(&c, "TG105");
    let s = d.span.unwrap();
    // Line 15 is `        app: { expr: 'sum(rate(x[5m]) > 1' }`; the unclosed `(` of
    // `sum(` is at column 26.
    assert_eq!((s.line, s.col), (15, 26), "{d:#?}");
    let line = c.source().unwrap().lines().nth(14).unwrap();
    assert_eq!(&line[s.col - 1..s.col], "(");
    assert!(d.message.contains("not valid PromQL"));
    // A parse error without a bracket problem still points at the value.
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        app: { expr: 'up ==' }",
        DB,
    ));
    let s = only(&c, "TG105").span.unwrap();
    let line = c.source().unwrap().lines().nth(s.line - 1).unwrap();
    assert_eq!(&line[s.col - 1..], "'up ==' }");
}

/// A label matcher's regex is held to Go's syntax, which Prometheus reads it with: a Rust-only
/// form is refused at its string, in every environment at once; regexes that are costly to
/// compile (`\pL{200}`: about 10 MB of automaton each) are checked without compiling them
/// (sweep 10: 250 of them took 25 s and 2.4 GB).
#[test]
fn label_matcher_regexes_are_gos_and_are_not_compiled() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        app: { expr: 'up{job=~\"(?x) a b\"} > 0' }",
        DB,
    ));
    let d = only(&c, "TG105");
    assert!(
        d.message.contains("label matcher regex") && d.message.contains("(?x"),
        "{d:#?}"
    );
    let s = d.span.unwrap();
    let line = c.source().unwrap().lines().nth(s.line - 1).unwrap();
    assert!(line[s.col - 1..].starts_with("\"(?x) a b\""), "{line}");
    // Go's own forms pass (a quoted literal, a script, a count of 1000).
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        app: { expr: 'up{job=~\"\\\\Q.*\\\\E|\\\\p{Greek}{1000}\"} > 0' }",
        DB,
    ));
    assert!(
        policy(&c).iter().all(|d| d.code != "TG105"),
        "{:#?}",
        c.diagnostics
    );
    // 250 costly matchers in one expression, 40 rules: fast, and small.
    let matchers = vec![r#"l=~"\\pL{200}""#; 250].join(", ");
    let rules: String = (0..40)
        .map(|i| format!("        r{i}: {{ expr: 'up{{{matchers}, i=\"{i}\"}} > 0' }}\n"))
        .collect();
    let start = std::time::Instant::now();
    let c = compile(&config(
        &format!("      contacts: [a@b.c]\n      rules:\n{rules}"),
        DB,
    ));
    assert!(
        policy(&c).iter().all(|d| d.code != "TG105"),
        "{:#?}",
        c.diagnostics
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// What the parser is handed keeps what Prometheus reads (sweep 11): a backquoted string is
/// raw (`` `\` `` ends there; `promql-parser` took `` \` `` for an escape and then compiled
/// every regex after it: 800 matchers took 42 s), a backslash in one is no escape, and a
/// selector whose only matcher matches the empty string is refused, by the real regex.
#[test]
fn the_parser_reads_strings_and_empty_matchers_as_prometheus_does() {
    let tg105 = |expr: &str| {
        let c = compile(&config(
            &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: {expr} }}"),
            DB,
        ));
        policy(&c)
            .into_iter()
            .filter(|d| d.code == "TG105")
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    // Accepted by promtool 2.42 (sweep 11), and so here.
    assert_eq!(
        tg105(r#"'label_replace(up{a=`b\d`}, "x", "$1", "job", `(\d+)`) > 0'"#),
        Vec::<String>::new()
    );
    assert_eq!(tg105(r#"'{job!~".*"} > 0'"#), Vec::<String>::new());
    // Refused by promtool: "vector selector must contain at least one non-empty matcher".
    for expr in [r#"'{job=~".*"} > 0'"#, r#"'{job=~"a|"} > 0'"#] {
        let found = tg105(expr);
        assert!(
            found.len() == 1 && found[0].contains("non-empty"),
            "{expr}: {found:?}"
        );
    }
    // A raw string ending in a backslash, then 800 costly matchers: fast.
    let matchers = vec![r#"c=~"\\pL{200}""#; 800].join(", ");
    let expr = format!("'up{{a=`\\`, {matchers}}} > 0'");
    let start = std::time::Instant::now();
    let found = tg105(&expr);
    assert!(found.is_empty(), "{found:?}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn backup_rules_and_job_tiers_must_match() {
    // A backup rule with no job tier.
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        b: { kind: backup_job_failed }",
        DB,
    ));
    assert!(only(&c, "TG106").message.contains("no weekly or monthly"));
    // Job tiers without a backup rule: one error per tier, at the tier.
    let c = compile(&config("      contacts: [a@b.c]", DB_JOBS));
    let found: Vec<_> = policy(&c)
        .into_iter()
        .filter(|d| d.code == "TG107")
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].message.contains("weekly") && found[1].message.contains("monthly"));
    assert_eq!(found[0].span.unwrap().line, 8);
    // Both present: fine, and one alert per tier on the job names the roots use.
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        b: { kind: backup_job_failed, for: 0s }",
        DB_JOBS,
    ));
    assert!(policy(&c).is_empty(), "{:#?}", c.diagnostics);
    let (instances, _) = alerts::plan("evalap", env_of(&c));
    let jobs: Vec<_> = instances
        .iter()
        .map(|a| a.resource_name.clone().unwrap())
        .collect();
    assert_eq!(
        jobs,
        [
            "evalap-production-backup-weekly",
            "evalap-production-backup-monthly"
        ]
    );
}

#[test]
fn thresholds_are_checked_per_kind() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        a: { kind: container_cpu, service: api, threshold: 150 }\n        b: { kind: container_error, service: api, threshold: 1 }\n        c: { kind: database_replication_lag, threshold: 0 }\n        d: { kind: database_storage, threshold: 99.5 }",
        DB,
    ));
    let found: Vec<_> = policy(&c)
        .into_iter()
        .filter(|d| d.code == "TG108")
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].expected.as_deref().unwrap().contains("percentage"));
    assert!(
        found[1]
            .expected
            .as_deref()
            .unwrap()
            .contains("no `threshold`")
    );
    assert!(found[2].expected.as_deref().unwrap().contains("seconds"));
}

#[test]
fn production_needs_contacts() {
    let c = compile(&config("      rules: {}", DB));
    let d = only(&c, "TG109");
    assert!(d.message.contains("no alert contacts"));
    let c = compile(&config("      contacts: [a@b.c]", DB));
    assert!(policy(&c).is_empty(), "{:#?}", c.diagnostics);
}

#[test]
fn replication_lag_without_standby_is_a_warning() {
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        lag: { kind: database_replication_lag }",
        "  database: { ha: false }",
    ));
    assert_eq!(only(&c, "TG111").level, Level::Warning);
}

// ---------------------------------------------------------------------------------------------
// Committed configuration: snapshots, runbook anchors
// ---------------------------------------------------------------------------------------------

#[test]
fn committed_configuration_snapshots() {
    let c = compile(COMMITTED);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    for (path, text) in alert_files(&c) {
        let name = path.replace('/', "__");
        insta::assert_snapshot!(name, text);
    }
    let env = c.resolved.as_ref().unwrap();
    for e in &env.environments {
        insta::assert_snapshot!(
            format!("explain_alerts__{}", e.name),
            alerts::explain_alerts(e)
        );
    }
}

#[test]
fn every_alert_name_has_a_runbook_section() {
    let runbooks = include_str!("../docs/runbooks.md");
    for kind in ALL_KINDS {
        let heading = format!("\n## {}\n", alerts::alert_name(kind));
        assert!(
            runbooks.contains(&heading),
            "docs/runbooks.md lacks `{heading}`"
        );
    }
    // Every generated runbook link points at one of those headings.
    let c = compile(COMMITTED);
    for (_, text) in alert_files(&c) {
        for anchor in text.split("runbooks.md#").skip(1) {
            let name: String = anchor
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            assert!(
                runbooks.contains(&format!("\n## {name}\n")),
                "no runbook section for #{name}"
            );
        }
    }
}

/// Pathological custom expressions are rejected before parsing, quickly, at the first byte
/// over a limit, with a suggestion: the PromQL parser's type checks walk the operand tree once
/// per operator (a 16 KiB chain of unary minus took about 6 s in a debug build), and its
/// recursion could exhaust a thread's stack.
#[test]
fn huge_promql_is_rejected_before_parsing_at_its_position() {
    use tofugen::policy::rules::alerts::{MAX_EXPR_DEPTH, MAX_EXPR_LEN, MAX_EXPR_OPERATORS};
    let terms = |n: usize| vec!["a"; n].join(" + ");
    let cases: Vec<(&str, String, usize, &str)> = vec![
        // (what, expression, byte offset of the error, what the message says)
        ("20k-term sum", terms(20_000), MAX_EXPR_LEN, "byte limit"),
        (
            "operators within the length",
            terms(4_000),
            2 + 4 * MAX_EXPR_OPERATORS,
            "operators",
        ),
        (
            "unary chain",
            format!("{}a", "-".repeat(16_000)),
            MAX_EXPR_OPERATORS,
            "operators",
        ),
        (
            "deep parentheses",
            format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000)),
            MAX_EXPR_DEPTH,
            "nest",
        ),
        (
            "deep calls",
            format!("{}a{}", "abs(".repeat(1_000), ")".repeat(1_000)),
            4 * MAX_EXPR_DEPTH + 3,
            "nest",
        ),
    ];
    for (what, expr, offset, says) in cases {
        let text = config(
            &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: '{expr}' }}"),
            DB,
        );
        let start = std::time::Instant::now();
        let c = compile(&text);
        let took = start.elapsed();
        assert!(took < std::time::Duration::from_secs(3), "{what}: {took:?}");
        let d = only(&c, "TG105");
        assert!(d.message.contains(says), "{what}: {d:#?}");
        assert!(
            d.help.as_deref().unwrap().contains("recording rules"),
            "{what}: {d:#?}"
        );
        let s = d.span.unwrap();
        let line = text.lines().nth(s.line - 1).unwrap();
        let value_col = line.find('\'').unwrap() + 2;
        assert_eq!((s.line, s.col), (15, value_col + offset), "{what}: {d:#?}");
    }
    // The worst expression within every limit still parses, quickly, in a test thread's stack.
    let worst = format!(
        "{}{}{}",
        "(".repeat(MAX_EXPR_DEPTH - 1),
        vec!["-a"; MAX_EXPR_OPERATORS / 2].join(" + "),
        ")".repeat(MAX_EXPR_DEPTH - 1)
    );
    assert!(tofugen::policy::rules::alerts::bounds(&worst).is_none());
    let start = std::time::Instant::now();
    let c = compile(&config(
        &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: '{worst}' }}"),
        DB,
    ));
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "TG105"),
        "{:#?}",
        c.diagnostics
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(3));
}

/// `planned_per_source` (what the file count uses, without building alerts) counts, for each
/// data source, exactly the alerts `plan` builds: on every fixture that resolves, and on the
/// committed configuration with rules that `plan` skips or expands (a threshold out of range,
/// a missing or unknown service, `*` over a scale-to-zero service, both or neither of `kind`
/// and `expr`, backup jobs where none is enabled).
#[test]
fn planned_counts_are_what_the_plan_builds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut texts: Vec<(String, String)> = vec![("committed".into(), COMMITTED.to_string())];
    for sub in ["fixtures/valid", "fixtures/invalid"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("fixtures") {
            let path = entry.expect("entry").path();
            if let Ok(text) = std::fs::read_to_string(&path) {
                texts.push((path.display().to_string(), text));
            }
        }
    }
    let extra = [
        "below-min-all: { kind: container_instances_below_min, service: \"*\" }",
        "ghost-error: { kind: container_error, service: ghost }",
        "no-service: { kind: container_error }",
        "too-hot: { kind: container_cpu, service: \"*\", threshold: 500 }",
        "custom: { expr: \"up == 0\" }",
        "both: { kind: container_error, service: \"*\", expr: \"up == 0\" }",
        "neither: { severity: warning }",
        "backups-everywhere: { kind: backup_job_failed }",
    ];
    for rule in extra {
        let text = COMMITTED.replacen("    rules:\n", &format!("    rules:\n      {rule}\n"), 1);
        assert_ne!(text, COMMITTED);
        texts.push((rule.to_string(), text));
    }
    let (mut environments, mut skipped, mut with_extra) = (0, 0, 0);
    for (name, text) in &texts {
        let c = pipeline::compile("environments.yaml", text.as_bytes(), false);
        let Some(resolved) = &c.resolved else {
            continue;
        };
        if extra.contains(&name.as_str()) {
            with_extra += 1;
        }
        for env in &resolved.environments {
            let (alerts, skips) = alerts::plan(&resolved.project, env);
            let built =
                alerts::Source::ALL.map(|s| alerts.iter().filter(|a| a.source == s).count());
            assert_eq!(
                alerts::planned_per_source(env),
                built,
                "{name}: {}",
                env.name
            );
            environments += 1;
            skipped += skips.len();
        }
    }
    assert_eq!(with_extra, extra.len(), "every variant resolves");
    assert!(
        environments > 30 && skipped > 10,
        "{environments} environments, {skipped} skipped"
    );
}

/// A custom rule's expression is copied into its default `description`, a Go template that
/// Prometheus expands: a label matcher holding `{{ }}` must come out as text, never as an
/// action (`function "x" not defined` from promtool, or a `query` run by the template). The
/// same for every copied value (found by an adversarial sweep).
#[test]
fn copied_text_is_escaped_for_go_templates() {
    let text = r#"project: p
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
defaults:
  services:
    api: { image: img, port: 8000, probes: { liveness: { path: /h }, startup: { path: /h } } }
environments:
  staging:
    alerts:
      runbook_url: https://example.org/runbooks.md
      rules:
        c1: { expr: 'up{job="{{ x }}"} == 0' }
        c2: { expr: 'up{job="{{ with query \"up\" }}{{ . }}{{ end }}"} == 0' }
        c3: { expr: 'up{job="{{{x}}}"} == 0' }
        cpu: { kind: container_cpu, service: "*" }
"#;
    let c = compile(text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let env = c.resolved.as_ref().unwrap().environment("staging").unwrap();
    let (planned, _) = alerts::plan("p", env);
    assert_eq!(planned.len(), 4);
    for a in &planned {
        for (_, v) in &a.annotations {
            // Every action left is an escaped `{{` or the value.
            let mut rest = v.replace("{{ $value | humanize }}", "");
            while let Some(i) = rest.find("{{ \"") {
                let run = rest[i + 4..].find(|c| c != '{' && c != '}').unwrap();
                assert!(rest[i + 4 + run..].starts_with("\" }}"), "{v}");
                rest.replace_range(i..i + 4 + run + 4, "");
            }
            assert!(!rest.contains("{{"), "{v}");
            tofugen::schema_check::template::check(v).unwrap();
        }
    }
    let files = alert_files(&c);
    let rules = files
        .iter()
        .find(|(p, _)| p.ends_with("application.yml"))
        .unwrap()
        .1;
    assert!(
        rules.contains(r#"`up{job="{{ "{{" }} x {{ "}}" }}"} == 0` is true"#),
        "{rules}"
    );
    run_promtool(&c);
}

/// Prometheus holds `for` and a group's `interval` in a Go time.Duration: over 9223372036s
/// promtool and Cockpit refuse the whole rule file, so tofugen refuses the value, at its place
/// (found by an adversarial sweep: 300y got only a TG100 warning).
#[test]
fn durations_over_what_prometheus_holds_are_refused() {
    use tofugen::policy::rules::alerts::MAX_PROMETHEUS_SECONDS;
    assert_eq!(MAX_PROMETHEUS_SECONDS, 9_223_372_036);
    let c = compile(&config(
        "      contacts: [a@b.c]\n      evaluation_interval: 300y\n      rules:\n        app: { expr: 'up == 0', for: 9223372037s }",
        DB,
    ));
    let found: Vec<_> = policy(&c)
        .into_iter()
        .filter(|d| d.code == "TG116")
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    let lines: Vec<usize> = found.iter().map(|d| d.span.unwrap().line).collect();
    assert_eq!(lines, [14, 16], "{found:#?}");
    // The largest value is accepted (and promtool takes it: see the comment on the constant).
    let c = compile(&config(
        "      contacts: [a@b.c]\n      rules:\n        app: { expr: 'up == 0', for: 9223372036s }",
        DB,
    ));
    assert!(policy(&c).iter().all(|d| d.code != "TG116"));
}

/// Alert contacts: an invisible character, a look-alike letter and another case of the same
/// address reached `contacts = [...]` (found by an adversarial sweep).
#[test]
fn contacts_are_ascii_and_distinct_in_any_case() {
    let text = config(
        "      contacts: [\"ops\\u200b@example.org\", \"ops@ex\\u0430mple.org\", ops@example.org, OPS@Example.ORG, ok@example.org]",
        DB,
    );
    let c = compile(&text);
    let found: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG026")
        .map(|d| d.message.clone())
        .collect();
    // The zero-width space is refused by the schema, as in any value; the look-alike and the
    // other case by TG026.
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "schema" && d.message.contains("invisible formatting character")),
        "{:#?}",
        c.diagnostics
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("not an e-mail address"), "{found:#?}");
    // The earlier item is named by its position in the file, not by an index in the list
    // without the refused item (it said "items 1 and 2" where the file has 2 and 3).
    let line = c
        .diagnostics
        .iter()
        .find(|d| d.code == "TG026" && d.message.contains("listed twice"))
        .and_then(|d| d.span)
        .expect("a position")
        .line;
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("ops@example.org,")
        .unwrap()
        + 1;
    assert!(
        found[1].contains(&format!(
            "`OPS@Example.ORG` is listed twice (first at line {line}, column {col})"
        )),
        "{found:#?}"
    );
}

/// One call of every function of TG105's dialect, as an alert expression (instant vector or
/// scalar compared into a vector).
fn dialect_examples() -> Vec<(&'static str, String)> {
    use tofugen::policy::rules::promql::FUNCTIONS;
    let example = |f: &str| -> String {
        let range = format!("{f}(up[5m])");
        match f {
            "absent_over_time" | "avg_over_time" | "changes" | "count_over_time" | "delta"
            | "deriv" | "idelta" | "increase" | "irate" | "last_over_time" | "max_over_time"
            | "min_over_time" | "present_over_time" | "rate" | "resets" | "stddev_over_time"
            | "stdvar_over_time" | "sum_over_time" => range,
            "clamp" => "clamp(up, 0, 1)".into(),
            "clamp_max" | "clamp_min" => format!("{f}(up, 1)"),
            "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour"
            | "minute" | "month" | "year" => format!("{f}()"),
            "histogram_fraction" => "histogram_fraction(0, 1, up)".into(),
            "histogram_quantile" => "histogram_quantile(0.9, up)".into(),
            "label_join" => "label_join(up, \"a\", \",\", \"b\")".into(),
            "label_replace" => "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")".into(),
            "predict_linear" => "predict_linear(up[5m], 60)".into(),
            "quantile_over_time" => "quantile_over_time(0.9, up[5m])".into(),
            "pi" | "time" => format!("vector({f}())"),
            "scalar" => "vector(scalar(up))".into(),
            "vector" => "vector(1)".into(),
            _ => format!("{f}(up)"),
        }
    };
    FUNCTIONS.iter().map(|f| (*f, example(f))).collect()
}

/// Writes `exprs` as one alerting rule each and runs `promtool check rules` on the file.
fn promtool_checks(promtool: &Path, exprs: &[String]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("groups:\n  - name: g\n    rules:\n");
    for (i, e) in exprs.iter().enumerate() {
        let e = serde_json::to_string(&format!("{e} > 0")).unwrap();
        yaml.push_str(&format!("      - alert: a{i}\n        expr: {e}\n"));
    }
    std::fs::write(dir.path().join("r.yml"), yaml).unwrap();
    Command::new(promtool)
        .args(["check", "rules", "r.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap()
}

/// TG105's dialect against the real promtool (Prometheus 2.42 in `.ci/run`, Debian bookworm's):
/// every function it accepts passes `promtool check rules`, and what it refuses for being
/// Prometheus 3's is refused by promtool too (sweep 38, R1: `limitk(2, up) > 0` and
/// `up{"job"="x"}` passed `tofugen check`, then failed the PR workflow's promtool).
#[test]
fn tg105_dialect_is_what_promtool_2_accepts() {
    let examples = dialect_examples();
    for (f, e) in &examples {
        let c = compile(&config(
            &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: '{e} > 0' }}"),
            DB,
        ));
        assert!(
            !c.diagnostics.iter().any(|d| d.code == "TG105"),
            "{f}: {e}: {:#?}",
            c.diagnostics
        );
    }
    let refused = [
        "limitk(2, up)",
        "sum(limit_ratio(0.5, up))",
        "sort_by_label(up, \"job\")",
        "mad_over_time(up[5m])",
        "info(up)",
        "ts_of_max_over_time(up[5m])",
        "double_exponential_smoothing(up[5m], 0.5, 0.5)",
        "first_over_time(up[5m])",
        "up{\"job\"=\"x\"}",
        "sum by (\"job\") (up)",
    ];
    for e in refused {
        let c = compile(&config(
            &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: '{e} > 0' }}"),
            DB,
        ));
        let d = only(&c, "TG105");
        assert!(d.message.contains("not every Prometheus"), "{e}: {d:#?}");
    }
    let Some(promtool) = promtool() else {
        common::skip_unless_required("promtool (set $PROMTOOL)");
        return;
    };
    let all: Vec<String> = examples.iter().map(|(_, e)| e.clone()).collect();
    let out = promtool_checks(&promtool, &all);
    assert!(
        out.status.success(),
        "promtool refuses a function TG105 accepts:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for e in refused {
        let out = promtool_checks(&promtool, &[e.to_string()]);
        assert!(!out.status.success(), "promtool accepts {e}");
    }
}

/// An alert whose expression gives a string or a range vector loads (`promtool check rules`
/// accepts it) but fails every evaluation (`promtool test rules` says "rule result is not a
/// vector or scalar"): TG105 refuses it (sweep 38, R1). The same harness passes an instant
/// vector, so the failure is the type's.
#[test]
fn tg105_refuses_a_result_that_fails_every_evaluation() {
    let promtool = promtool();
    for (expr, fails) in [("\"str\"", true), ("up[5m]", true), ("up > 0", false)] {
        let c = compile(&config(
            &format!("      contacts: [a@b.c]\n      rules:\n        app: {{ expr: '{expr}' }}"),
            DB,
        ));
        let tg105 = c.diagnostics.iter().find(|d| d.code == "TG105");
        assert_eq!(tg105.is_some(), fails, "{expr}: {:#?}", c.diagnostics);
        if let Some(d) = tg105 {
            assert!(d.message.contains("instant vector or a scalar"), "{d:#?}");
        }
        let Some(promtool) = &promtool else {
            common::skip_unless_required("promtool (set $PROMTOOL)");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let rule = serde_json::to_string(expr).unwrap();
        std::fs::write(
            dir.path().join("r.yml"),
            format!("groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: {rule}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("t.yml"),
            "rule_files: [r.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series: [{ series: 'up', values: '0x10' }]\n    alert_rule_test: [{ eval_time: 5m, alertname: a, exp_alerts: [] }]\n",
        )
        .unwrap();
        let run = |args: &[&str]| {
            Command::new(promtool)
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap()
        };
        assert!(run(&["check", "rules", "r.yml"]).status.success(), "{expr}");
        let tested = run(&["test", "rules", "t.yml"]);
        assert_eq!(
            !tested.status.success(),
            fails,
            "{expr}:\n{}{}",
            String::from_utf8_lossy(&tested.stdout),
            String::from_utf8_lossy(&tested.stderr)
        );
        if fails {
            assert!(
                String::from_utf8_lossy(&tested.stdout).contains("not a vector or scalar")
                    || String::from_utf8_lossy(&tested.stderr).contains("not a vector or scalar"),
                "{expr}"
            );
        }
    }
}

/// Sweep 37, #3: every rule of a built-in kind says, just above it, whether Scaleway documents
/// its metric (and where), or that it is unconfirmed; only one kind did.
#[test]
fn every_built_in_rule_says_where_its_metric_is_documented() {
    let kinds = [
        "container_error",
        "container_cpu",
        "container_memory",
        "container_instances_below_min",
        "database_cpu",
        "database_storage",
        "database_memory",
        "database_connections",
        "database_replication_lag",
        "backup_job_failed",
    ];
    let rules: String = kinds
        .iter()
        .map(|k| {
            let service = if k.starts_with("container") {
                ", service: api"
            } else {
                ""
            };
            format!(
                "        k-{}: {{ kind: {k}{service} }}\n",
                k.replace('_', "-")
            )
        })
        .collect();
    let anchor =
        "        backup-failed: { kind: backup_job_failed, for: 0s, severity: critical }\n";
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap();
    assert!(committed.contains(anchor));
    let c = compile(&committed.replacen(anchor, &format!("{anchor}{rules}"), 1));
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let files: Vec<(&String, &String)> = alert_files(&c)
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".test.yml"))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (path, text) in files {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(alert) = line.trim().strip_prefix("- alert: ") else {
                continue;
            };
            let above: Vec<&str> = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with('#'))
                .copied()
                .collect();
            let comment = above.join(" ");
            assert!(
                comment.contains("Metric documented by Scaleway: \"How to")
                    || comment.contains("UNCONFIRMED metric:"),
                "{path}: {alert}: {comment}"
            );
            seen.insert(alert.to_string());
        }
    }
    // Every kind's alert name is seen (the kind's name, dashed).
    for k in kinds {
        assert!(seen.contains(&k.replace('_', "-")), "{k}: {seen:?}");
    }
}
