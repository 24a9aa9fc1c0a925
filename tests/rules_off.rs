//! Turning a rule off never makes tofugen write workflows GitHub refuses: every rule's bad
//! example, with an override turning the rule off, either does not compile (another rule or a
//! refused override stops it) or generates workflows actionlint accepts. Sweep 27 found TG119
//! off generating `needs: []` in the deploy workflow, and TG023 off `jobs: {}` in the promote
//! workflow: both rules are now required (`Safety::Required`), and this test finds the next
//! one. (`src/policy/tests.rs`, `a_rule_turned_off_never_breaks_the_generated_roots`, does the
//! same for the roots with the proof.)

mod common;

use std::process::Command;

use tofugen::policy::examples::with_fragment;
use tofugen::policy::{Safety, registry};

/// `fragment` merged into the minimal configuration, with `policy.overrides` turning `code` off.
fn with_rule_off(fragment: &str, code: &str) -> String {
    let mut text = with_fragment(fragment).unwrap();
    assert!(text.starts_with('{'));
    text.insert_str(
        1,
        &format!(
            "\n  \"policy\": {{ \"overrides\": [ {{ \"rule\": \"{code}\", \"level\": \"off\", \
             \"reason\": \"the example says so\" }} ] }},"
        ),
    );
    text
}

#[test]
fn a_rule_turned_off_never_breaks_the_workflows() {
    let Some(validators) = common::validators() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut flows = Vec::new();
    let mut compiled = Vec::new();
    for rule in registry() {
        let c = tofugen::pipeline::compile(
            "example.yaml",
            with_rule_off(rule.bad, rule.code).as_bytes(),
            true,
        );
        if c.has_errors() {
            assert!(c.files.is_empty(), "{}", rule.code);
            continue;
        }
        assert_ne!(
            rule.safety,
            Safety::Required,
            "{} was turned off",
            rule.code
        );
        compiled.push(rule.code);
        for (path, text) in c.files.iter().filter(|(p, _)| p.starts_with(".github/")) {
            let to = dir.path().join(rule.code).join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, text).unwrap();
            flows.push(to);
        }
    }
    // Most bad examples compile with their rule off (62 of them when this was written): the
    // test judges something.
    assert!(compiled.len() >= 40, "{compiled:?}");
    assert!(flows.len() >= 3 * compiled.len(), "{}", flows.len());
    // One run over every file: shellcheck and pyflakes are not what is judged here.
    let out = Command::new(validators.join("venv/bin/actionlint"))
        .args(["-no-color", "-shellcheck=", "-pyflakes="])
        .args(&flows)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint refused workflows generated with a rule off (the directory is the rule):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
