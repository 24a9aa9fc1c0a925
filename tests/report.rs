//! `explain` and `diff` output for the committed environments.yaml, pinned by snapshots.

use tofugen::pipeline::compile;
use tofugen::report;

fn resolved() -> tofugen::resolve::Resolved {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap();
    let out = compile("environments.yaml", &bytes, false);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
    out.resolved.unwrap()
}

#[test]
fn explain_production() {
    let r = resolved();
    let env = r.environment("production").unwrap();
    insta::assert_snapshot!(report::explain(&r, env, "environments.yaml", None));
}

#[test]
fn diff_staging_production() {
    let r = resolved();
    let a = r.environment("staging").unwrap();
    let b = r.environment("production").unwrap();
    insta::assert_snapshot!(report::diff(&r, a, b, "environments.yaml"));
}

/// A backup tier turned on in production reads as turned on, in `diff` and in `explain` (sweep
/// 34: `diff` printed `false → (unset)`, which reads as "turned off", and `explain` had no
/// `enabled` line).
#[test]
fn a_backup_tier_turned_on_reads_as_on() {
    let r = resolved();
    let a = r.environment("staging").unwrap();
    let b = r.environment("production").unwrap();
    let diff = report::diff(&r, a, b, "environments.yaml");
    for tier in ["weekly", "monthly"] {
        let line = format!("database.backups.{tier}.enabled: false → true\n");
        assert!(diff.contains(&line), "{diff}");
    }
    let explain = report::explain(&r, b, "environments.yaml", None);
    assert!(
        explain.contains("database.backups.weekly.enabled: true "),
        "{explain}"
    );
}

/// A database turned on in one environment only reads as turned on (sweep 40, #3: `diff`
/// printed `database.enabled: false → (unset)`, and `explain` hid the line that created it).
#[test]
fn a_database_turned_on_in_one_environment_reads_as_on() {
    let text = "project: shop
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
ci: { deploy_to: staging }
defaults:
  services:
    api:
      image: shop-api
      port: 8000
      privacy: public
      probes: { startup: { path: /health }, liveness: { path: /health } }
  database:
    enabled: false
environments:
  staging: {}
  production:
    promote_from: staging
    services:
      api: { scale: { min: 2 }, database: true }
    database:
      enabled: true
      ha: true
      node_type: DB-PRO2-XS
      backups:
        daily: { retention: 30d }
        weekly: { retention: 90d }
        monthly: { retention: 365d }
    alerts:
      contacts: [ops@example.org]
      rules:
        backups: { kind: backup_job_failed }
";
    let out = compile("environments.yaml", text.as_bytes(), false);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
    let r = out.resolved.unwrap();
    let (a, b) = (
        r.environment("staging").unwrap(),
        r.environment("production").unwrap(),
    );
    assert!(a.database.is_none() && b.database.is_some());
    let diff = report::diff(&r, a, b, "environments.yaml");
    assert!(diff.contains("database.enabled: false → true\n"), "{diff}");
    let line = 1 + text
        .lines()
        .position(|l| l == "      enabled: true")
        .unwrap();
    let explain = report::explain(&r, b, "environments.yaml", None);
    assert!(
        explain
            .lines()
            .any(|l| l.starts_with("database.enabled: true ")
                && l.ends_with(&format!("# environments.yaml:{line} (environment)"))),
        "{explain}"
    );
}

#[test]
fn diff_of_an_environment_with_itself_is_empty() {
    let r = resolved();
    let a = r.environment("staging").unwrap();
    let out = report::diff(&r, a, a, "environments.yaml");
    assert!(
        out.starts_with("# 0 effective difference(s) between `staging` and `staging`\n"),
        "{out}"
    );
    assert!(!out.contains('→'), "{out}");
}

fn fixture(name: &str) -> tofugen::resolve::Resolved {
    let path = format!("{}/tests/fixtures/valid/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(path).unwrap();
    let out = compile("environments.yaml", &bytes, false);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
    out.resolved.unwrap()
}

/// `explain` of an environment that extends another: the chain, and each value's layer
/// (`environments.production via extends`).
#[test]
fn explain_extended_environment() {
    let r = fixture("extends.yaml");
    let env = r.environment("production-eu").unwrap();
    let out = report::explain(&r, env, "environments.yaml", None);
    assert!(
        out.contains("# inherits: production-eu <- production <- defaults\n"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

/// Values set explicitly to what they would be anyway are shown as set, with what they equal:
/// the built-in default, or the value inherited from a layer under them.
#[test]
fn explain_and_diff_show_values_equal_to_the_default() {
    let r = fixture("extends.yaml");
    let staging = r.environment("staging").unwrap();
    let explained = report::explain(&r, staging, "environments.yaml", None);
    let line = explained
        .lines()
        .find(|l| l.starts_with("services.api.timeout:"))
        .unwrap();
    assert!(
        line.contains("set in environments.yaml:40:18 (environment), same as built-in default"),
        "{line}"
    );
    let production = r.environment("production").unwrap();
    let diffed = report::diff(&r, staging, production, "environments.yaml");
    assert!(
        diffed.contains("#   staging: services.api.timeout: 5m  (set in environments.yaml:40:18 (environment), same as built-in default)"),
        "{diffed}"
    );
    insta::assert_snapshot!(diffed);
}

/// A value an environment sets to what it inherits is marked with where it is inherited from.
#[test]
fn a_value_equal_to_the_inherited_one_names_its_source() {
    let yaml = "project: acme\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\ndefaults:\n  services:\n    api: {image: acme-api, port: 8000, cpu: 500m, probes: {startup: {path: /h}, liveness: {path: /h}}}\nenvironments:\n  staging:\n    services:\n      api: {cpu: 500m}\n";
    let out = compile("environments.yaml", yaml.as_bytes(), false);
    let r = out.resolved.expect("resolves");
    let env = r.environment("staging").unwrap();
    let red = report::redundant(&r, env, "environments.yaml");
    let cpu = red.get("services.api.cpu").expect("cpu is redundant");
    assert_eq!(cpu.same_as, "inherited from environments.yaml:5 (defaults)");
    assert_eq!(cpu.layer, "environment");
    // The value it is inherited from is not itself redundant (500m is not the built-in 1000m).
    assert!(!red.contains_key("services.api.port"));

    // The same amount in another spelling is the same value.
    let yaml = yaml.replace("api: {cpu: 500m}", "api: {cpu: 0.5, timeout: 1m}");
    let yaml = yaml.replace("cpu: 500m,", "cpu: 500m, timeout: 60s,");
    let out = compile("environments.yaml", yaml.as_bytes(), false);
    let r = out.resolved.expect("resolves");
    let red = report::redundant(&r, r.environment("staging").unwrap(), "environments.yaml");
    assert!(red.contains_key("services.api.cpu"), "{red:#?}");
    assert!(red.contains_key("services.api.timeout"), "{red:#?}");
    assert!(
        red["services.api.timeout"]
            .same_as
            .starts_with("inherited from")
    );
}

/// Values printed by `explain` and `diff` are escaped: an escape sequence, a carriage return, a
/// newline, a C1 control or a bidi override in a value never reaches the terminal, and every
/// value stays on its line.
#[test]
fn explain_and_diff_escape_terminal_controls() {
    let r = resolved();
    let clean = r.environment("production").unwrap().clone();
    let mut hostile = clean.clone();
    let evil = "ok\u{1b}]0;pwned\u{7}\r\nservices.api.image: forged\u{9b}2J\u{202e}";
    hostile.services[0].description = Some(evil.to_string());
    hostile.registry_namespace = evil.to_string();
    let is_control = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let explained = report::explain(&r, &hostile, "environments.yaml", None);
    let diffed = report::diff(&r, &clean, &hostile, "environments.yaml");
    for out in [&explained, &diffed] {
        assert!(!out.contains(is_control), "{out:?}");
        assert!(!out.contains("\nservices.api.image: forged"), "{out}");
        assert!(
            out.contains(
                "ok\\u{1b}]0;pwned\\u{7}\\u{d}\\u{a}services.api.image: forged\\u{9b}2J\\u{202e}"
            ),
            "{out}"
        );
    }
    let clean_explained = report::explain(&r, &clean, "environments.yaml", None);
    assert_eq!(explained.lines().count(), clean_explained.lines().count());
    let differences = diffed.lines().take_while(|l| !l.is_empty()).count();
    assert_eq!(differences, 3, "{diffed}");
}

/// A value that would read as something else is quoted (sweep 26, F4): one holding ` #` printed
/// a fake origin comment in `explain`, one holding `→` blurred `diff`'s two sides, and a list
/// item holding `", "` read as two items. Other values are shown as written.
#[test]
fn explain_and_diff_quote_values_that_would_read_as_something_else() {
    let r = resolved();
    let clean = r.environment("production").unwrap().clone();
    let mut hostile = clean.clone();
    hostile.services[0].description = Some("a  # environments.yaml:5 (built-in default)".into());
    hostile.services[1].description = Some("old → new".into());
    hostile.alerts.contacts = vec!["a@b.c\", \"x".into(), "ops@example.org".into()];
    let api = hostile.services[0].name.clone();
    let ui = hostile.services[1].name.clone();
    let explained = report::explain(&r, &hostile, "environments.yaml", None);
    assert!(
        explained.contains(&format!(
            "services.{api}.description: \"a  # environments.yaml:5 (built-in default)\"  "
        )),
        "{explained}"
    );
    assert!(
        explained.contains("alerts.contacts: [\"a@b.c\\\", \\\"x\", ops@example.org]"),
        "{explained}"
    );
    let diffed = report::diff(&r, &clean, &hostile, "environments.yaml");
    assert!(
        diffed
            .lines()
            .any(|l| l.starts_with(&format!("services.{ui}.description: "))
                && l.ends_with(" → \"old → new\"")),
        "{diffed}"
    );
    // As written otherwise.
    let plain = report::explain(&r, &clean, "environments.yaml", None);
    assert!(
        plain.contains(&format!(
            "services.{api}.description: {}",
            clean.services[0].description.as_deref().unwrap()
        )),
        "{plain}"
    );
}

/// Every value `explain` prints, not only the effective view's: alert rule names, services and
/// annotations in the alerts section, and the reasons and paths of `policy.overrides`. A line
/// break of any kind (`\n`, `\r`, NEL, U+2028) or an escape sequence in one of them cannot
/// forge a line of the report or reach the terminal.
#[test]
fn explain_escapes_alert_annotations_names_and_override_reasons() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap();
    let mut text = String::from_utf8(bytes).unwrap();
    text.push_str("\npolicy:\n  overrides:\n    - { rule: TG040, level: warning, reason: r, path: services.api }\n");
    let out = compile("environments.yaml", text.as_bytes(), false);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
    let r = out.resolved.unwrap();
    let clean = r.environment("production").unwrap().clone();
    let evil = "x\n  forged: line\r\u{85}\u{2028}\u{1b}[2J\u{7}";
    let mut hostile = clean.clone();
    assert!(!hostile.policy_overrides.is_empty());
    for o in &mut hostile.policy_overrides {
        let o = std::sync::Arc::make_mut(o);
        o.reason = evil.to_string();
        o.path = Some(format!("services.api.{evil}"));
    }
    let service = hostile.services[0].name.clone();
    let renamed = format!("{service}{evil}");
    hostile.services[0].name = renamed.clone();
    for rule in &mut hostile.alerts.rules {
        rule.name = format!("{}{evil}", rule.name);
        rule.summary = Some(evil.to_string());
        rule.description = Some(evil.to_string());
        if rule.service.as_ref() == Some(&service) {
            rule.service = Some(renamed.clone());
        }
    }
    let mut clean_annotated = clean.clone();
    for rule in &mut clean_annotated.alerts.rules {
        rule.summary = Some("s".into());
        rule.description = Some("d".into());
    }
    let is_control =
        |c: char| (c.is_control() && c != '\n') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}');
    let explained = report::explain(&r, &hostile, "environments.yaml", None);
    assert!(!explained.contains(is_control), "{explained:?}");
    assert!(!explained.contains("\n  forged: line"), "{explained}");
    assert!(explained.contains("\\u{a}  forged: line\\u{d}\\u{85}\\u{2028}\\u{1b}[2J\\u{7}"));
    // The annotations are shown, and nothing adds a line.
    assert!(explained.contains(".summary: \"x\\u{a}"), "{explained}");
    let clean_explained = report::explain(&r, &clean_annotated, "environments.yaml", None);
    assert_eq!(
        explained.lines().count(),
        clean_explained.lines().count(),
        "{explained}\n---\n{clean_explained}"
    );
    let diffed = report::diff(&r, &clean_annotated, &hostile, "environments.yaml");
    assert!(!diffed.contains(is_control), "{diffed:?}");
    assert!(!diffed.contains("\n  forged: line"), "{diffed}");
}

/// Removes the mapping entry whose value starts at `line:col` and whose key is `key`, anywhere in
/// `node`; whether one was found.
fn remove_entry(node: &mut tofugen::load::Node, key: &str, line: usize, col: usize) -> bool {
    use tofugen::load::NodeKind;
    match &mut node.kind {
        NodeKind::Map(entries) => {
            if let Some(i) = entries
                .iter()
                .position(|(k, v)| k.name == key && v.span.line == line && v.span.col == col)
            {
                entries.remove(i);
                return true;
            }
            entries
                .iter_mut()
                .any(|(_, v)| remove_entry(v, key, line, col))
        }
        NodeKind::Seq(items) => items.iter_mut().any(|v| remove_entry(v, key, line, col)),
        _ => false,
    }
}

/// Every line `explain` and `diff` call redundant ("the lines can be deleted") can be deleted:
/// without it, the configuration is still valid, with no new warning, and every environment's
/// effective values are the same. Over the committed configuration, every valid fixture, the
/// `init` starter, and a file with the two cases sweep 36 found (`promote_from` repeated in an
/// environment that extends another, which does not inherit it: TG029 without it; and a probe's
/// only `tcp: true`, which TG008 requires although TCP is the model's default).
#[test]
fn every_line_called_redundant_can_be_deleted() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid");
    let mut configs: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect();
    configs.push((
        "environments.yaml".into(),
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap(),
    ));
    configs.push(("starter".into(), tofugen::init::starter("shop", "fr-par")));
    configs.push((
        "sweep 36".into(),
        "project: acme
versions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}
ci: {deploy_to: staging}
defaults:
  services:
    api:
      image: acme-api
      port: 8000
      scale: {min: 2}
      privacy: public
      probes:
        startup: {tcp: true, interval: 5s, timeout: 2s}
        liveness: {path: /h}
environments:
  staging: {}
  production: {tier: production, promote_from: staging, alerts: {contacts: [ops@example.org]}}
  production-eu: {extends: production, promote_from: staging, region: nl-ams}
"
        .into(),
    ));
    let mut checked = 0;
    for (name, text) in &configs {
        let out = compile("environments.yaml", text.as_bytes(), false);
        assert!(!out.has_errors(), "{name}: {:#?}", out.diagnostics);
        let before = out.resolved.unwrap();
        let warnings = out.diagnostics.len();
        let (_, tree) = tofugen::load::load(
            tofugen::source::SourceMap::single("environments.yaml").1,
            text.as_bytes(),
        )
        .unwrap();
        for env in &before.environments {
            for (path, red) in report::redundant(&before, env, "environments.yaml") {
                let mut at = red.at.rsplit(':');
                let col: usize = at.next().unwrap().parse().unwrap();
                let line: usize = at.next().unwrap().parse().unwrap();
                let key = path.rsplit('.').next().unwrap();
                let mut edited = tree.clone();
                if !remove_entry(&mut edited, key, line, col) {
                    // A path whose YAML spelling differs from the view: not checked here.
                    continue;
                }
                let yaml = serde_json::to_string(&edited.to_json()).unwrap();
                let after = compile("environments.yaml", yaml.as_bytes(), false);
                let context = format!(
                    "{name}: `{}` {path} at {} ({})",
                    env.name, red.at, red.same_as
                );
                assert!(!after.has_errors(), "{context}: {:#?}", after.diagnostics);
                assert!(
                    after.diagnostics.len() <= warnings,
                    "{context}: {:#?}",
                    after.diagnostics
                );
                let after = after.resolved.unwrap();
                for e in &before.environments {
                    let f = after.environment(&e.name).unwrap();
                    assert_eq!(
                        report::effective_view(e),
                        report::effective_view(f),
                        "{context}: `{}` changed",
                        e.name
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} redundant lines checked");
}
