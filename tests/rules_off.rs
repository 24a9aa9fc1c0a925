//! Turning a rule off never makes tofugen write workflows GitHub refuses, nor alert rules
//! Prometheus refuses: every rule's bad example, with an override turning the rule off, either
//! does not compile (another rule or a refused override stops it) or generates workflows
//! actionlint accepts and alert rules `promtool check rules` accepts. Sweep 27 found TG119
//! off generating `needs: []` in the deploy workflow, and TG023 off `jobs: {}` in the promote
//! workflow: both rules are now required (`Safety::Required`), and this test finds the next
//! one. (`src/policy/tests.rs`, `a_rule_turned_off_never_breaks_the_generated_roots`, does the
//! same for the roots with the proof, and `tests/tofu.rs`,
//! `tofu_validates_the_roots_of_every_rule_turned_off`, with the real OpenTofu.)

mod common;

use std::process::Command;

use tofugen::policy::{Safety, registry};

#[test]
fn a_rule_turned_off_never_breaks_the_workflows() {
    let Some(validators) = common::validators() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut flows = Vec::new();
    let mut alert_rules = Vec::new();
    let mut compiled = Vec::new();
    for rule in registry() {
        let c = tofugen::pipeline::compile(
            "example.yaml",
            tofugen::policy::examples::with_rule_off(rule.bad, rule.code)
                .unwrap()
                .as_bytes(),
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
        for (path, text) in &c.files {
            let to = dir.path().join(rule.code).join(path);
            let flow = path.starts_with(".github/");
            let rules = path.contains("/alerts/") && !path.ends_with(".test.yml");
            if !flow && !rules {
                continue;
            }
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, text).unwrap();
            if flow {
                flows.push(to);
            } else {
                alert_rules.push(to);
            }
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
    // The alert rules too (sweep 56: with TG105 off an `expr` Prometheus cannot parse, with TG116
    // off a `for` past a Prometheus duration; both rules are required now).
    assert!(
        alert_rules.len() >= 2 * compiled.len(),
        "{}",
        alert_rules.len()
    );
    let promtool = std::env::var_os("PROMTOOL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| validators.join("prom/usr/bin/promtool"));
    let out = Command::new(&promtool)
        .args(["check", "rules"])
        .args(&alert_rules)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", promtool.display()));
    assert!(
        out.status.success(),
        "promtool refused alert rules generated with a rule off (the directory is the rule):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
