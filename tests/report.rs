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
    insta::assert_snapshot!(report::explain(env, "environments.yaml", None));
}

#[test]
fn diff_staging_production() {
    let r = resolved();
    let a = r.environment("staging").unwrap();
    let b = r.environment("production").unwrap();
    insta::assert_snapshot!(report::diff(a, b));
}

#[test]
fn diff_of_an_environment_with_itself_is_empty() {
    let r = resolved();
    let a = r.environment("staging").unwrap();
    assert_eq!(
        report::diff(a, a),
        "# 0 effective difference(s) between `staging` and `staging`\n"
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
    let explained = report::explain(&hostile, "environments.yaml", None);
    let diffed = report::diff(&clean, &hostile);
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
    let clean_explained = report::explain(&clean, "environments.yaml", None);
    assert_eq!(explained.lines().count(), clean_explained.lines().count());
    assert_eq!(diffed.lines().count(), 3, "{diffed}");
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
    let explained = report::explain(&hostile, "environments.yaml", None);
    assert!(!explained.contains(is_control), "{explained:?}");
    assert!(!explained.contains("\n  forged: line"), "{explained}");
    assert!(explained.contains("\\u{a}  forged: line\\u{d}\\u{85}\\u{2028}\\u{1b}[2J\\u{7}"));
    // The annotations are shown, and nothing adds a line.
    assert!(explained.contains(".summary: x\\u{a}"), "{explained}");
    let clean_explained = report::explain(&clean_annotated, "environments.yaml", None);
    assert_eq!(
        explained.lines().count(),
        clean_explained.lines().count(),
        "{explained}\n---\n{clean_explained}"
    );
    let diffed = report::diff(&clean_annotated, &hostile);
    assert!(!diffed.contains(is_control), "{diffed:?}");
    assert!(!diffed.contains("\n  forged: line"), "{diffed}");
}
