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
