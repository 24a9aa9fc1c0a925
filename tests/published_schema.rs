//! The published JSON Schema (`schema/environments.schema.json`, what an editor reads) accepts
//! the `null` removals tofugen accepts in an environment, and refuses those it refuses: judged
//! by the `jsonschema` crate on the document as written (no `null` left out), and by the real
//! check-jsonschema when the offline validators are installed (`TOFUGEN_VALIDATORS`).

mod common;

use std::path::Path;
use std::process::Command;

/// Every kind of removal the README documents, each removing something inherited: a service, a
/// secret, a variable, a database setting, an alert rule, and an option back to its default.
const REMOVALS: &str = "\
project: demo
versions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}
defaults:
  secrets:
    API_KEY: {source: operator}
    OLD_KEY: {source: operator}
  services:
    web:
      image: demo-web
      port: 8080
      privacy: public
      cpu: 500m
      probes: {startup: {path: /h}, liveness: {path: /h}}
      secrets: [API_KEY]
      env: {LOG_LEVEL: info, DEBUG: '1'}
    worker: {image: demo-worker, port: 8080, privacy: private, probes: {startup: {path: /h}, liveness: {path: /h}}}
  database:
    settings: {max_connections: '200'}
  alerts:
    contacts: [ops@example.org]
    rules:
      slow: {expr: 'up == 0', for: 5m, severity: warning}
environments:
  staging:
    services:
      worker: null
      web: {cpu: null, env: {DEBUG: null}}
    secrets: {OLD_KEY: null}
    database: {settings: {max_connections: null}}
    alerts: {rules: {slow: null}}
  production:
    promote_from: staging
    secrets: {OLD_KEY: null}
    services:
      web: {scale: {min: 2, max: 4}}
      worker: {scale: {min: 2, max: 4}}
";

/// `null`s tofugen refuses in the schema stage, each with the key its error names: in
/// `defaults` there is nothing to remove; an environment itself, and a list's item, are not
/// removals; a key the schema does not know removes nothing (a misspelt option, at any depth:
/// it was left out without a word, review of stop 58).
const REFUSED: [(&str, &str); 5] = [
    ("defaults:\n  services:\n    web: null\n", "web"),
    ("  staging: null\n", "staging"),
    ("  staging:\n    alerts: {contacts: [null]}\n", "contacts"),
    ("  staging:\n    regoin: null\n", "regoin"),
    (
        "  staging:\n    services: {web: {image: w, portt: null}}\n",
        "portt",
    ),
];

fn published_schema() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/environments.schema.json"),
        )
        .unwrap(),
    )
    .unwrap()
}

/// The document as written, `null`s and all, as JSON.
fn as_json(yaml: &str) -> serde_json::Value {
    let (_, file) = tofugen::source::SourceMap::single("environments.yaml");
    let (_, tree) = tofugen::load::load(file, yaml.as_bytes()).expect("loads");
    tree.to_json()
}

/// tofugen's `validate` on `yaml`: its exit code and output.
fn tofugen_validate(yaml: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("environments.yaml"), yaml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .args(["validate", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// check-jsonschema's verdict on `yaml` against the published schema, when installed.
fn check_jsonschema(yaml: &str) -> Option<(bool, String)> {
    let v = common::validators()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("environments.yaml");
    std::fs::write(&file, yaml).unwrap();
    let o = Command::new(v.join("venv/bin/check-jsonschema"))
        .arg("--schemafile")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/environments.schema.json"))
        .arg(&file)
        .output()
        .expect("run check-jsonschema");
    Some((
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    ))
}

#[test]
fn every_removal_tofugen_accepts_the_published_schema_accepts() {
    let (code, out) = tofugen_validate(REMOVALS);
    assert!(
        !out.contains("\"code\": \"schema\"") && !out.contains("\"code\":\"schema\""),
        "{out}"
    );
    assert!(matches!(code, Some(0 | 1)), "{code:?} {out}");
    let schema = published_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&as_json(REMOVALS))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    if let Some((ok, out)) = check_jsonschema(REMOVALS) {
        assert!(ok, "check-jsonschema refused the removals:\n{out}");
    }
}

#[test]
fn a_null_tofugen_refuses_the_published_schema_refuses() {
    let schema = published_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let head = "project: demo\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\n";
    for (part, key) in REFUSED {
        let yaml = if part.starts_with("defaults") {
            format!("{head}{part}environments:\n  staging: {{}}\n")
        } else {
            format!("{head}environments:\n{part}")
        };
        let (code, out) = tofugen_validate(&yaml);
        assert_eq!(code, Some(1), "{yaml}\n{out}");
        assert!(
            out.contains("\"code\": \"schema\"") && out.contains(key),
            "{yaml}\n{out}"
        );
        assert!(!validator.is_valid(&as_json(&yaml)), "{yaml}");
        if let Some((ok, out)) = check_jsonschema(&yaml) {
            assert!(!ok, "check-jsonschema accepted:\n{yaml}\n{out}");
        }
    }
}
