//! Hostile strings in every string field of the model (values and keys): `validate` rejects
//! them with a diagnostic at their line, or accepts them; it never panics, and every error has
//! a position. The fields come from the JSON Schema (`schema_check::string_fields`), so a new
//! field is covered without touching this file.
//!
//! Values are written as JSON strings (which are YAML double-quoted scalars): control
//! characters arrive as escapes, everything else literally.

use proptest::prelude::*;
use serde_json::{Value, json};
use tofugen::diagnostics::Level;
use tofugen::pipeline::{Compilation, compile};
use tofugen::policy::examples::with_fragment;
use tofugen::schema_check::{StringField, string_fields, strings::forbidden};

/// Diagnostic codes about the whole file, which have no position.
const WHOLE_FILE: &[&str] = &["empty", "binary", "too-large"];

fn base() -> Value {
    serde_json::from_str(&with_fragment("{}").unwrap()).unwrap()
}

/// The key standing for `*` under `parent`.
fn any_key(parent: &str) -> &'static str {
    match parent {
        "environments" => "staging",
        "services" => "web",
        "env" => "HOSTILE",
        "secrets" => "DATABASE_URL",
        "rules" => "backup-failed",
        "settings" => "application_name",
        _ => "x",
    }
}

/// A valid value for a new key of the mapping `parent`.
fn value_for_key(parent: &str) -> Value {
    match parent {
        "services" => json!({ "image": "demo-web", "port": 8080 }),
        "secrets" => json!({ "source": "operator" }),
        "rules" => json!({ "kind": "container_error", "service": "*" }),
        "env" | "settings" => json!("x"),
        _ => json!({}),
    }
}

/// A valid item for a new list `name`.
fn item_for_list(name: &str) -> Value {
    match name {
        "overrides" => json!({ "rule": "TG040", "level": "off", "reason": "r" }),
        _ => json!("x"),
    }
}

/// The configuration with `text` at `field` (as the value, or as a new key).
fn place(field: &StringField, text: &str) -> Value {
    let mut doc = base();
    let steps: Vec<&str> = field.path.split('.').collect();
    let mut node = &mut doc;
    let mut parent = "";
    for (i, raw) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (name, list) = match raw.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (*raw, false),
        };
        let name = if name == "*" { any_key(parent) } else { name };
        if !node.is_object() {
            *node = json!({});
        }
        let map = node.as_object_mut().unwrap();
        if last && !list && !field.key {
            map.insert(name.to_string(), Value::String(text.to_string()));
            return doc;
        }
        let child = map
            .entry(name.to_string())
            .or_insert(if list { json!([]) } else { json!({}) });
        if list {
            if !child.is_array() {
                *child = json!([]);
            }
            let items = child.as_array_mut().unwrap();
            if last {
                items.insert(0, Value::String(text.to_string()));
                return doc;
            }
            if items.is_empty() {
                items.push(item_for_list(name));
            }
            node = &mut items[0];
        } else {
            node = child;
        }
        parent = name;
    }
    // A new key of the mapping at `field.path`.
    if !node.is_object() {
        *node = json!({});
    }
    node.as_object_mut()
        .unwrap()
        .insert(text.to_string(), value_for_key(parent));
    doc
}

/// Whether no output may receive `text` in `field`.
fn must_reject(field: &StringField, text: &str) -> bool {
    text.contains("${{")
        || text
            .chars()
            .any(|c| forbidden(c, field.multiline && !field.key).is_some())
}

fn check(field: &StringField, text: &str) -> Result<(), TestCaseError> {
    let doc = place(field, text);
    let yaml = serde_json::to_string_pretty(&doc).unwrap();
    let encoded = serde_json::to_string(text).unwrap();
    let needle = if field.key {
        format!("{encoded}:")
    } else {
        encoded
    };
    let line = yaml
        .lines()
        .position(|l| l.contains(&needle))
        .map(|i| i + 1);
    let out: Compilation = compile("hostile.yaml", yaml.as_bytes(), true);
    for d in &out.diagnostics {
        prop_assert!(
            d.span.is_some() || WHOLE_FILE.contains(&d.code.as_str()),
            "{}: error without a position: {d:?}",
            field.path
        );
    }
    if out.has_errors() {
        prop_assert!(out.files.is_empty(), "{}: files despite errors", field.path);
    }
    if must_reject(field, text) {
        let line = line.expect("the value is on one line of the JSON document");
        prop_assert!(
            out.diagnostics
                .iter()
                .any(|d| d.level == Level::Error && d.span.is_some_and(|s| s.line == line)),
            "{}{}: {text:?} accepted, or rejected elsewhere than line {line}: {:#?}",
            field.path,
            if field.key { " (key)" } else { "" },
            out.diagnostics
        );
    }
    Ok(())
}

/// Strings every field must survive.
const NASTY: [&str; 8] = [
    "\u{1b}[2J\u{1b}[H",
    "a\u{202e}b\u{2066}c",
    "${{ github.token }}",
    "first line\nsecond: line\n- item",
    "\"'\\|#: - {{ }} ${x} $${y}",
    "para\u{2028}graph",
    "nul\u{0}byte and del\u{7f}",
    "",
];

#[test]
fn every_field_survives_the_nasty_strings() {
    let fields = string_fields();
    assert!(fields.len() > 80);
    for field in &fields {
        for text in NASTY {
            if let Err(e) = check(field, text) {
                panic!("{e}");
            }
        }
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ./_-]{0,12}",
        2 => "\\PC{0,6}",
        1 => prop::sample::select(vec![
            "\n", "\r\n", "\t", "\u{0}", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{9b}",
            "\u{202a}", "\u{202e}", "\u{2066}", "\u{2069}", "\u{200f}", "\u{2028}", "\u{2029}",
            "\u{feff}", "${{", "${{ secrets.DEPLOY_KEY }}", "{{", "}}", "{{ $value }}",
            "{{ query \"up\" }}", "'", "\"", "\\", "|", ">", "#", ": ", "- ", "&a", "*a", "!!str",
            "${services.web.url}", "$${", "%", "`", "\u{d7ff}", "\u{e000}", "\u{10ffff}",
        ])
        .prop_map(str::to_string),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(piece(), 0..8).prop_map(|p| p.concat()),
        1 => (piece(), 1_000usize..40_000).prop_map(|(p, n)| format!("{}{p}", "a".repeat(n))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hostile_strings_are_rejected_at_their_line_or_accepted(
        index in any::<prop::sample::Index>(),
        text in hostile(),
    ) {
        let fields = string_fields();
        let field = &fields[index.index(fields.len())];
        check(field, &text)?;
    }
}

/// Paths read from a checkout: every field whose value names a file or directory of a
/// repository (by its domain) refuses what would leave the checkout or read as something
/// else (a parent, an absolute path, a remote URL, an option), at its line.
const PATH_DOMAINS: [&str; 3] = ["repository-dir", "build-context", "build-file"];
const ESCAPES: [&str; 13] = [
    "..",
    "-x",
    "../x",
    "x/../../y",
    "/",
    "/etc/passwd",
    "~/x",
    "https://evil.example/x.git",
    "git@github.com:evil/x.git",
    "git::https://evil.example/x",
    "--file=/etc/passwd",
    "x y",
    "x\\..\\y",
];

#[test]
fn path_fields_never_leave_the_checkout() {
    // The build paths are `build-context` and `build-file` fields: both are checked here.
    let fields: Vec<StringField> = string_fields()
        .into_iter()
        .filter(|f| f.domain.is_some_and(|d| PATH_DOMAINS.contains(&d)))
        .collect();
    let domains: Vec<_> = fields.iter().filter_map(|f| f.domain).collect();
    for d in PATH_DOMAINS {
        assert!(domains.contains(&d), "no field of domain {d}: {fields:?}");
    }
    for field in &fields {
        for text in ESCAPES {
            let doc = place(field, text);
            let yaml = serde_json::to_string_pretty(&doc).unwrap();
            let encoded = serde_json::to_string(text).unwrap();
            let line = yaml.lines().position(|l| l.contains(&encoded)).unwrap() + 1;
            let out = compile("hostile.yaml", yaml.as_bytes(), true);
            let d = out
                .diagnostics
                .iter()
                .find(|d| d.level == Level::Error && d.span.is_some_and(|s| s.line == line));
            let d = d.unwrap_or_else(|| {
                panic!("{} = {text:?} accepted: {:#?}", field.path, out.diagnostics)
            });
            assert!(d.help.is_some(), "{}: no suggestion: {d:?}", field.path);
            assert!(out.files.is_empty());
        }
    }
}
