//! The invalid-configuration corpus: every file under `tests/fixtures/invalid/` holds one kind
//! of problem (one holds many); each must fail with positioned, actionable diagnostics. The
//! rendered human output of each is an insta snapshot.

use std::path::{Path, PathBuf};

use tofugen::diagnostics::{self, Format, Level};
use tofugen::pipeline::{self, Compilation};

/// Diagnostic codes about the file as a whole, which have no position.
const WHOLE_FILE_CODES: [&str; 2] = ["empty", "too-large"];

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn render(c: &Compilation) -> String {
    diagnostics::render(
        &c.diagnostics,
        c.source.as_deref().unwrap_or(""),
        Format::Human,
        false,
    )
}

/// Checks the invariants every invalid input must satisfy and returns the rendered output.
fn check_invalid(name: &str, bytes: &[u8]) -> String {
    let c = pipeline::compile(name, bytes, false);
    assert!(
        c.diagnostics.iter().any(|d| d.level == Level::Error),
        "{name}: expected at least one error, got {:#?}",
        c.diagnostics
    );
    for d in &c.diagnostics {
        assert_eq!(
            d.file, name,
            "{name}: diagnostic names another file: {d:#?}"
        );
        if !WHOLE_FILE_CODES.contains(&d.code.as_str()) {
            assert!(
                d.span.is_some(),
                "{name}: diagnostic without a position: {d:#?}"
            );
        }
        assert!(
            d.expected.is_some(),
            "{name}: diagnostic without `expected`: {d:#?}"
        );
        assert!(
            d.help.is_some(),
            "{name}: diagnostic without `help`: {d:#?}"
        );
    }
    render(&c)
}

#[test]
fn corpus_is_large_enough() {
    assert!(fixtures().len() >= 25, "only {} fixtures", fixtures().len());
}

#[test]
fn every_invalid_fixture_is_reported_with_a_position() {
    for path in fixtures() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).expect("fixture");
        let rendered = check_invalid(&format!("{name}.yaml"), &bytes);
        insta::assert_snapshot!(name, rendered);
    }
}

/// Inputs that cannot live comfortably in a committed text file.
#[test]
fn hostile_inputs_built_in_the_test() {
    let mut deep = String::from("project: x\nnested: ");
    deep.push_str(&"[".repeat(200));
    deep.push_str(&"]".repeat(200));
    deep.push('\n');
    let cases: [(&str, Vec<u8>); 4] = [
        ("non-utf8", b"project: caf\xe9\nversions: {}\n".to_vec()),
        ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec()),
        ("deep-nesting", deep.into_bytes()),
        (
            "only-comments",
            b"# nothing here\n\n# still nothing\n".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let rendered = check_invalid(&format!("{name}.yaml"), &bytes);
        insta::assert_snapshot!(format!("hostile-{name}"), rendered);
    }
}

#[test]
fn the_committed_environments_yaml_is_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml");
    let bytes = std::fs::read(&path).expect("environments.yaml");
    let c = pipeline::compile("environments.yaml", &bytes, false);
    assert!(
        c.diagnostics.is_empty(),
        "environments.yaml has findings:\n{}",
        render(&c)
    );
}

/// Mutations of the committed configuration (each line removed; each value replaced by values
/// of other types and out-of-range values) never panic, and every error has a position.
#[test]
fn mutations_of_the_committed_config_never_panic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml");
    let text = std::fs::read_to_string(&path).expect("environments.yaml");
    let lines: Vec<&str> = text.lines().collect();
    let replacements = [
        "",
        "0",
        "-1",
        "99999999999999999999",
        "x",
        "[]",
        "{}",
        "null",
        "true",
        "1.5",
        "\"${\"",
        "${services.nope.url}",
        "0s",
        "0MB",
        "0m",
    ];
    let mut runs = 0;
    for i in 0..lines.len() {
        let mut variants = vec![
            lines
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n"),
        ];
        if let Some((key, _)) = lines[i].split_once(": ")
            && !lines[i].trim_start().starts_with('#')
        {
            for r in replacements {
                let mut copy = lines.clone();
                let replaced = format!("{key}: {r}");
                copy[i] = &replaced;
                variants.push(copy.join("\n"));
            }
        }
        for v in variants {
            let c = pipeline::compile("environments.yaml", v.as_bytes(), false);
            for d in &c.diagnostics {
                if !WHOLE_FILE_CODES.contains(&d.code.as_str()) {
                    assert!(d.span.is_some(), "line {i}: no position: {d:#?}");
                }
            }
            runs += 1;
        }
    }
    assert!(runs > lines.len());
}

/// Findings about secrets in plain values name the variable, never the value.
#[test]
fn secret_findings_do_not_echo_the_value() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/invalid/policy-plaintext-secrets.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let c = pipeline::compile("s.yaml", text.as_bytes(), false);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG012").collect();
    assert!(found.len() >= 8, "{found:#?}");
    for d in found {
        let line = text.lines().nth(d.span.unwrap().line - 1).unwrap();
        // `KEY: value` for env entries; the quoted list item for args.
        let value = line
            .split_once(": ")
            .map(|(_, v)| v.trim().trim_matches(['"', '[', ']']).to_string())
            .unwrap();
        let secretish: Vec<&str> = value
            .split([',', ' ', '"'])
            .filter(|t| t.len() >= 8)
            .collect();
        let shown = format!("{} {:?} {:?} {:?}", d.message, d.expected, d.help, d.notes);
        for t in secretish {
            assert!(!shown.contains(t), "`{t}` is echoed in {shown}");
        }
    }
}
