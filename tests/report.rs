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
