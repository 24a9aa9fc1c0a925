//! The command line, end to end: exit codes, output formats, explain/diff, generate/check.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tofugen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run tofugen")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// A temporary repository holding a copy of the committed environments.yaml.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("environments.yaml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml"),
        &config,
    )
    .unwrap();
    // The generated roots call the repository's modules; `check` proves the calls against them.
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/modules"),
        dir.path().join("modules"),
    )
    .unwrap();
    (dir, config)
}

#[test]
fn validate_accepts_the_committed_config() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn invalid_config_exits_1_with_position_and_suggestion() {
    let (dir, config) = repo();
    let original = std::fs::read_to_string(&config).unwrap();
    let anchor = "      scale: { min: 1, max: 1, concurrent_requests: 40 }";
    assert!(
        original.contains(anchor),
        "the committed config changed: update this test"
    );
    let line = original[..original.find(anchor).unwrap()].lines().count() + 1;
    let yaml = original.replacen(
        anchor,
        "      scale: { mni: 1, max: 1, concurrent_requests: 40 }",
        1,
    );
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("environments.yaml:{line}:")), "{out}");
    assert!(out.contains("did you mean `min`?"), "{out}");

    let o = tofugen(dir.path(), &["validate", "--format", "github"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(&format!("::error file=environments.yaml,line={line},col=")),
        "{out}"
    );

    let o = tofugen(dir.path(), &["validate", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json diagnostics");
    assert_eq!(json[0]["span"]["line"], line);
}

#[test]
fn usage_errors_exit_2() {
    let (dir, _) = repo();
    assert_eq!(tofugen(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let o = tofugen(dir.path(), &["explain", "prod"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("did you mean `production`?"),
        "{}",
        text(&o)
    );
    let o = tofugen(dir.path(), &["explain", "production", "apii"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("did you mean `api`?"), "{}", text(&o));
}

#[test]
fn explain_shows_values_with_origins() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["explain", "production", "api"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("services.api.scale.min: 2 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("environments.yaml:") && line.ends_with("(environment)"),
        "{line}"
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("services.api.sandbox: v2 "))
        .unwrap();
    assert!(line.ends_with("# built-in default"), "{line}");
    assert!(
        !out.contains("services.ui."),
        "only the api service is shown"
    );
}

#[test]
fn diff_lists_effective_differences() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["diff", "staging", "production"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("services.api.scale.min: 1 → 2\n"), "{out}");
    assert!(out.contains("database.ha: false → true\n"), "{out}");
    assert!(
        !out.contains("services.api.port"),
        "equal values are not listed"
    );
}

#[test]
fn generate_then_check_then_detect_staleness() {
    let (dir, config) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = tofugen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A change to the configuration makes the committed tree stale.
    let yaml = std::fs::read_to_string(&config).unwrap().replacen(
        "scale: { min: 2, max: 4 }",
        "scale: { min: 3, max: 4 }",
        1,
    );
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("generated/production/"), "{out}");
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let o = tofugen(Path::new(env!("CARGO_MANIFEST_DIR")), &["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/environments.schema.json"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), committed);
}

#[test]
fn schema_and_policy_errors_are_reported_in_one_run() {
    let (dir, config) = repo();
    let yaml = std::fs::read_to_string(&config)
        .unwrap()
        .replacen("memory: 2GB", "memory: 2GiB", 1)
        .replace("${services.api.url}", "${services.apii.url}");
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[schema]"), "{out}");
    assert!(out.contains("error[TG013]"), "{out}");
    assert!(out.contains("did you mean `${services.api.url}`?"), "{out}");
}
