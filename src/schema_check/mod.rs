//! Stage 2, schema check: the loaded tree against the JSON Schema derived from [`crate::model`].
//!
//! The `jsonschema` crate finds the violations; this module turns each into a positioned,
//! human diagnostic (code `schema`). What was expected is read from the schema at the failing
//! location (property names, enum values, unit descriptions), so messages stay in step with
//! [`crate::model`]. `anyOf` noise (the `null` branch of every optional field, the number branch
//! of a CPU amount) is reduced to the most specific error.

use std::collections::HashSet;
use std::sync::OnceLock;

use jsonschema::error::{ValidationError, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

pub mod domains;
pub mod fast;
mod nullable;
mod scalar;
pub mod strings;
pub mod template;
pub mod timezones;

pub use scalar::SourceIndex;

use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::load::{Node, NodeKind, pointer_steps};
use crate::model::Config;
use crate::source::FileId;

/// Name pattern of services and environments: Scaleway resource names and HCL identifiers.
/// The modules check every Scaleway name these become part of against
/// `^[a-z0-9]+(-[a-z0-9]+)*$`: no leading, trailing or double `-`.
pub const NAME_PATTERN: &str = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/// The longest project, environment or service name: a Scaleway resource name built from them
/// has at most 63 characters, and no message repeats a longer one for every service.
pub const MAX_NAME_LEN: usize = 63;
/// Name pattern of secrets and environment variables.
pub const ENV_VAR_PATTERN: &str = "^[A-Z_][A-Z0-9_]*$";

/// At most this many schema violations are described one by one; the rest are counted.
pub const MAX_SCHEMA_REPORTED: usize = 100;
/// At most this many schema violations are examined; past them, [`prune`] gives up.
const MAX_SCHEMA_ERRORS: usize = 1000;
/// At most this many values left out by [`prune`] are listed for the notes of later findings.
const MAX_PRUNED_LISTED: usize = 1000;

/// The JSON Schema of `environments.yaml`, as [`derive_schema`] derives it, embedded at compile
/// time (pretty-printed, ending in a newline): a run parses it instead of deriving it. A test
/// fails when it differs from what the model derives, and `TOFUGEN_UPDATE_SCHEMA=1 cargo test
/// --lib schema_check` rewrites it.
pub const EMBEDDED_SCHEMA: &str = include_str!("environments.schema.json");

/// The JSON Schema of `environments.yaml` as the model derives it: the schemars output, with the
/// value domains the model's fields name (`x-domain`, `x-key-domain`, `x-item-domain`) turned
/// into `enum`, `pattern` and `propertyNames` keywords (see [`domains`]), and the `null`s an
/// environment may write to remove an inherited value allowed ([`nullable`]). What runs use is the
/// same schema embedded at compile time ([`EMBEDDED_SCHEMA`]).
pub fn derive_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Config)).expect("schema");
    apply_domains(&mut schema);
    bound_integers(&mut schema);
    choices_as_enums(&mut schema);
    nullable::allow_removals(&mut schema);
    schema
}

/// Other names of an allowed value, which a spelling distance would not find (`http2` is one
/// letter from `http1`, the wrong protocol): the value written, and the one it means. Used
/// only where the meant value is allowed.
/// The third item says why.
const ENUM_ALIASES: &[(&str, &str, &str)] = &[
    ("http2", "h2c", H2C),
    ("h2", "h2c", H2C),
    ("http/2", "h2c", H2C),
    ("grpc", "h2c", H2C),
    ("http", "http1", HTTP1),
    ("http/1.1", "http1", HTTP1),
    ("http1.1", "http1", HTTP1),
];

/// Why `h2c` is HTTP/2's name in [`ENUM_ALIASES`].
const H2C: &str = "Serverless Containers take HTTP/2 (gRPC included) as `h2c`, HTTP/2 in clear \
                   text, the only other value of scaleway-sdk-go's `ContainerProtocol`";

/// Why `http1` is HTTP/1.1's name in [`ENUM_ALIASES`].
const HTTP1: &str = "Serverless Containers name HTTP/1.1 `http1`";

/// Rewrites every `oneOf` whose branches are all string `const`s (what schemars derives for a
/// unit enum whose variants have doc comments) as one `enum`, each branch's description kept
/// in the schema's (`` `crates`: From crates.io… ``): the schema stage describes an `enum`
/// error with the allowed values and a "did you mean", where a `oneOf` error only says that no
/// branch matched.
fn choices_as_enums(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let choices = map
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|branches| {
                    branches
                        .iter()
                        .map(|b| {
                            let name = b.get("const")?.as_str()?;
                            let only_known = b
                                .as_object()?
                                .keys()
                                .all(|k| matches!(k.as_str(), "const" | "description" | "type"));
                            (only_known && b.get("type").is_none_or(|t| t == "string")).then(|| {
                                (
                                    name.to_string(),
                                    b.get("description")
                                        .and_then(Value::as_str)
                                        .map(str::to_string),
                                )
                            })
                        })
                        .collect::<Option<Vec<_>>>()
                });
            if let Some(choices) = choices {
                map.remove("oneOf");
                let mut description = map
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                for (name, text) in &choices {
                    if let Some(text) = text {
                        if !description.is_empty() {
                            description.push(' ');
                        }
                        description.push_str(&format!("`{name}`: {text}"));
                    }
                }
                if !description.is_empty() {
                    map.insert("description".into(), Value::from(description));
                }
                map.insert("type".into(), Value::from("string"));
                map.insert(
                    "enum".into(),
                    Value::Array(choices.into_iter().map(|(n, _)| Value::from(n)).collect()),
                );
            }
            map.values_mut().for_each(choices_as_enums);
        }
        Value::Array(items) => items.iter_mut().for_each(choices_as_enums),
        _ => {}
    }
}

/// Gives every integer of a Rust type whose bound the schema can state (`format: uint32`,
/// which schemars leaves without a `maximum`) that bound, so that a value the type cannot
/// hold is reported by the schema stage, at the value, with the allowed maximum.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let max = match map.get("format").and_then(Value::as_str) {
                Some("uint8") => Some(u64::from(u8::MAX)),
                Some("uint16") => Some(u64::from(u16::MAX)),
                Some("uint32") => Some(u64::from(u32::MAX)),
                _ => None,
            };
            if let Some(max) = max {
                map.entry("maximum").or_insert(Value::from(max));
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// Adds the keywords of every domain named in `value` and below.
fn apply_domains(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("x-domain").and_then(Value::as_str) {
                let d = domains::find(name).expect("the model names known domains");
                value_keywords(map, d);
            }
            if let Some(name) = map.get("x-item-domain").and_then(Value::as_str) {
                let d = domains::find(name).expect("the model names known domains");
                if let Some(Value::Object(items)) = map.get_mut("items") {
                    items.insert("x-domain".to_string(), Value::String(d.name.to_string()));
                    value_keywords(items, d);
                }
            }
            if let Some(name) = map.get("x-key-domain").and_then(Value::as_str) {
                let d = domains::find(name).expect("the model names known domains");
                let mut names = serde_json::Map::new();
                if let Some(p) = d.pattern {
                    names.insert("pattern".to_string(), Value::String(p.to_string()));
                }
                if let Some(max) = d.max_len {
                    names.insert("maxLength".to_string(), Value::from(max));
                }
                if !d.reserved.is_empty() {
                    names.insert("not".to_string(), serde_json::json!({ "enum": d.reserved }));
                }
                map.insert("propertyNames".to_string(), Value::Object(names));
            }
            for v in map.values_mut() {
                apply_domains(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(apply_domains),
        _ => {}
    }
}

/// `enum` (with `null` when the field may be null) or `pattern` for domain `d`.
fn value_keywords(map: &mut serde_json::Map<String, Value>, d: &domains::Domain) {
    if !d.values.is_empty() {
        let nullable = match map.get("type") {
            Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
            _ => false,
        };
        let mut values: Vec<Value> = d
            .values
            .iter()
            .map(|v| Value::String(v.to_string()))
            .collect();
        if nullable {
            values.push(Value::Null);
        }
        map.insert("enum".to_string(), Value::Array(values));
    } else if let Some(p) = d.pattern {
        map.insert("pattern".to_string(), Value::String(p.to_string()));
    }
    if let Some(max) = d.max_len {
        map.insert("maxLength".to_string(), Value::from(max));
    }
}

/// The JSON Schema of `environments.yaml`, pretty-printed, ending in a newline.
pub fn schema_json() -> String {
    EMBEDDED_SCHEMA.to_string()
}

/// [`derive_schema`] as [`EMBEDDED_SCHEMA`] holds it: pretty-printed, ending in a newline.
pub fn derive_schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&derive_schema()).expect("schema serializes");
    s.push('\n');
    s
}

/// The schema as a value. Key names are checked by `strings`, in one pass with the same
/// domains, so what is validated is the schema without `propertyNames` (the validator's errors
/// for a mapping with many bad keys would each copy the mapping): the quick check ignores them
/// ([`fast::verdict_ignoring_property_names`]) and the validator gets a copy without them.
/// Parsed once per process.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA
        .get_or_init(|| serde_json::from_str(EMBEDDED_SCHEMA).expect("the embedded schema is JSON"))
}

/// The schema without its annotations (`title`, `description`, `default`, `examples`,
/// `$comment`), compact, as `build.rs` writes it: what a valid configuration is checked against
/// ([`fast`] and [`strings`] never read an annotation), a third of [`EMBEDDED_SCHEMA`]'s text
/// (parsing the full schema was 130-200 us of every run). The full schema ([`schema`]) is parsed
/// only to describe errors. Parsed once per process.
fn quick_schema() -> &'static Value {
    static QUICK: OnceLock<Value> = OnceLock::new();
    QUICK.get_or_init(|| {
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/quick_schema.json")))
            .expect("the quick schema is JSON")
    })
}

/// The compiled `jsonschema` validator of the schema without `propertyNames`, built on first
/// use only: a document that [`fast`] finds valid never needs it, so a valid configuration is
/// checked without compiling it (most of a small run's instructions: the schema is compiled,
/// regexes and all) or copying the schema.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let mut without_property_names = schema().clone();
        strip_property_names(&mut without_property_names);
        jsonschema::draft202012::options()
            .build(&without_property_names)
            .expect("the derived schema compiles")
    })
}

/// Whether `instance` is valid: the quick check, else the full validator.
fn is_valid(instance: &Value) -> bool {
    match fast::verdict_ignoring_property_names(quick_schema(), instance) {
        fast::Verdict::Valid => true,
        fast::Verdict::Invalid => false,
        fast::Verdict::Unsure => validator().is_valid(instance),
    }
}

/// Removes every `propertyNames` keyword under `value`.
fn strip_property_names(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("propertyNames");
            map.values_mut().for_each(strip_property_names);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_property_names),
        _ => {}
    }
}

/// Checks `root` against the schema; every violation becomes a positioned diagnostic.
pub fn check(file: FileId, root: &Node) -> Vec<Diagnostic> {
    check_with_source(file, None, root)
}

/// As [`check`]; with the source text, a problem inside a string (a control character, `${{`,
/// a wrong cron field) points at the character rather than at the value's start.
pub fn check_with_source(file: FileId, source: Option<&str>, root: &Node) -> Vec<Diagnostic> {
    check_keeping_instance(file, source, root).0
}

/// As [`check_with_source`], also returning the document as it was validated ([`instance`]):
/// the next stage deserializes the configuration from it instead of converting the tree again.
pub fn check_keeping_instance(
    file: FileId,
    source: Option<&str>,
    root: &Node,
) -> (Vec<Diagnostic>, Value) {
    let (mut diags, instance) = check_schema(file, root);
    let index = source.map(SourceIndex::new);
    let problems = strings::problems(quick_schema(), root);
    for p in problems.iter().take(strings::MAX_REPORTED) {
        diags.push(p.diagnostic(file, index.as_ref()));
    }
    if let (Some(source), Some(index)) = (source, index.as_ref()) {
        diags.extend(comment_controls(file, source, index, root));
    }
    if !diags.is_empty() {
        // No message shows a secret value, even one that is also out of its domain.
        crate::policy::secret_scan::redact(
            &mut diags,
            &crate::policy::secret_scan::not_public(
                crate::policy::secret_scan::secrets_in(root),
                root,
            ),
        );
    }
    if let Some(first) = problems.get(strings::MAX_REPORTED) {
        let more = problems.len() - strings::MAX_REPORTED;
        diags.push(
            Diagnostic::error(
                "schema",
                format!("{more} more strings have control characters, `${{{{` or values outside their domain"),
            )
            .at(file, Some(first.span))
            .expected("text without control characters or `${{`")
            .help(format!(
                "fix the first {} reported, then run `tofugen validate` again",
                strings::MAX_REPORTED
            ))
            .counting(more),
        );
    }
    (diags, instance)
}

/// The characters no value may hold found outside every key and value
/// ([`strings::controls_outside_values`]): at most [`strings::MAX_REPORTED`] one by one, the rest
/// counted.
fn comment_controls(
    file: FileId,
    source: &str,
    index: &SourceIndex<'_>,
    root: &Node,
) -> Vec<Diagnostic> {
    let found = strings::controls_outside_values(source, root);
    let mut diags: Vec<Diagnostic> = found
        .iter()
        .take(strings::MAX_REPORTED)
        .map(|&at| {
            let c = source[at..].chars().next().unwrap_or(' ');
            let d = if strings::bidirectional(c) {
                Diagnostic::error(
                    "schema",
                    format!(
                        "a comment contains a bidirectional-text control (U+{:04X}), which makes the \
                         rest of its line display in another order than YAML reads it",
                        c as u32
                    ),
                )
                .expected("comments without bidirectional-text controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069)")
                .help("remove the character: right-to-left text displays in its order without it")
            } else {
                let what = strings::forbidden(c, true).unwrap_or("a control character");
                Diagnostic::error(
                    "schema",
                    format!(
                        "a comment contains {what}; a terminal, an editor or another YAML reader \
                         may show this line otherwise than tofugen reads it"
                    ),
                )
                .expected("comments of printable text: no control, line-separator or invisible character")
                .help("remove the character (or write its name in words)")
            };
            d.at(file, Some(index.span(at, at + c.len_utf8())))
        })
        .collect();
    if let Some(&first) = found.get(strings::MAX_REPORTED) {
        let more = found.len() - strings::MAX_REPORTED;
        diags.push(
            Diagnostic::error(
                "schema",
                format!("{more} more control or invisible characters are in comments"),
            )
            .at(file, Some(index.span(first, first)))
            .expected("comments of printable text")
            .help(format!(
                "remove the first {} reported, then run `tofugen validate` again",
                strings::MAX_REPORTED
            ))
            .counting(more),
        );
    }
    diags
}

/// The JSON Schema violations and the rule names of `policy.overrides`, and the document as it
/// was validated.
fn check_schema(file: FileId, root: &Node) -> (Vec<Diagnostic>, Value) {
    let (errors, unexamined, instance) = errors(root);
    let leaves = leaves(&errors);
    // A value of the wrong type also fails its enum or pattern: the type error says it all.
    let mistyped: HashSet<&str> = leaves
        .iter()
        .filter(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }))
        .map(|e| e.instance_path().as_str())
        .collect();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut seen: HashSet<(String, Option<Span>, Option<String>)> = HashSet::new();
    let mut omitted = 0usize;
    let mut first_omitted: Option<Span> = None;
    for error in &leaves {
        if matches!(
            error.kind(),
            ValidationErrorKind::Enum { .. } | ValidationErrorKind::Pattern { .. }
        ) && mistyped.contains(error.instance_path().as_str())
        {
            continue;
        }
        // Bounded work: past a hundred, violations are counted, not described.
        if diags.len() >= MAX_SCHEMA_REPORTED {
            omitted += 1;
            if first_omitted.is_none() {
                let (node, key) = root.pointer(error.instance_path().as_str());
                first_omitted = Some(key.map_or(node.span, |k| k.span));
            }
            continue;
        }
        for d in describe(file, root, schema(), error) {
            if seen.insert((d.message.clone(), d.span, d.help.clone())) {
                diags.push(d);
            }
        }
    }
    omitted += unexamined;
    if first_omitted.is_none() && unexamined > 0 {
        first_omitted = Some(root.span);
    }
    if omitted > 0 {
        diags.push(
            Diagnostic::error(
                "schema",
                format!("{omitted} more schema violations are not described"),
            )
            .at(file, first_omitted)
            .expected("a configuration that matches the schema")
            .help(format!(
                "fix the first {MAX_SCHEMA_REPORTED} reported, then run `tofugen validate` again"
            ))
            .counting(omitted),
        );
    }
    diags.extend(policy_rules(file, root));
    (diags, instance)
}

/// Every `policy.overrides[].rule` names a rule of the registry (by code or name).
fn policy_rules(file: FileId, root: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(NodeKind::Seq(items)) = root
        .get("policy")
        .and_then(|p| p.get("overrides"))
        .map(|n| &n.kind)
    else {
        return out;
    };
    for item in items {
        let Some(node) = item.get("rule") else {
            continue;
        };
        let NodeKind::Str(text) = &node.kind else {
            continue;
        };
        if crate::policy::find_rule(text).is_some() {
            continue;
        }
        let d = match crate::policy::find_retired(text) {
            Some(r) => Diagnostic::error(
                crate::policy::overrides::CODE,
                format!("rule {} (`{}`) is retired: {}", r.code, r.name, r.reason),
            )
            .at(file, Some(node.span))
            .expected("a current rule code or name (`tofugen rules` lists them)")
            .help("remove this override: the rule no longer exists"),
            None => {
                let shown: String = text
                    .chars()
                    .take(40)
                    .collect::<String>()
                    .escape_debug()
                    .to_string();
                let d = Diagnostic::error(
                    crate::policy::overrides::CODE,
                    format!("unknown rule `{shown}` in `policy.overrides`"),
                )
                .at(file, Some(node.span))
                .expected("a rule code such as `TG012` or a name such as `plaintext-secret`");
                match crate::policy::suggest_rule(text) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help("`tofugen rules` lists the rules with their codes and names"),
                }
            }
        };
        out.push(d);
    }
    out
}

/// The tree without the values the schema rejects (unknown keys and invalid values removed, so
/// built-in defaults apply), when that leaves a schema-valid document; `None` when it cannot
/// (e.g. a required key is missing). Later stages run on it, so that one run reports the
/// semantic problems too, not only the schema violations.
pub fn prune(root: &Node) -> Option<(Node, Vec<Pruned>)> {
    let (errors, unexamined, _) = errors(root);
    if unexamined > 0 {
        return None;
    }
    let mut pointers: Vec<String> = Vec::new();
    for error in leaves(&errors) {
        let pointer = error.instance_path().as_str().to_string();
        // A policy override with any invalid part is left out whole: a partial override
        // would apply more widely than written.
        if let Some(entry) = override_entry(&pointer) {
            pointers.push(entry);
            continue;
        }
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => pointers.extend(
                unexpected
                    .iter()
                    .map(|name| format!("{pointer}/{}", escape(name))),
            ),
            // Elsewhere, a missing key leaves nothing valid to check further.
            ValidationErrorKind::Required { .. } => return None,
            _ if pointer.is_empty() => return None,
            _ => pointers.push(pointer),
        }
    }
    // Strings no output may receive are left out too (later stages could echo them).
    for p in strings::problems(quick_schema(), root) {
        match override_entry(&p.pointer) {
            Some(entry) => pointers.push(entry),
            None if p.pointer.is_empty() => return None,
            None => pointers.push(p.pointer),
        }
    }
    pointers.sort_by_key(|p| pointer_order(p));
    pointers.dedup();
    let removed: Vec<Pruned> = pointers
        .iter()
        .take(MAX_PRUNED_LISTED)
        .map(|p| pruned_at(root, p))
        .collect();
    let set: HashSet<&str> = pointers.iter().map(String::as_str).collect();
    let pruned = without(root, &set, &mut String::new());
    is_valid(&instance(&pruned)).then_some((pruned, removed))
}

/// `/policy/overrides/N` when `pointer` is that entry or lies inside it.
fn override_entry(pointer: &str) -> Option<String> {
    let steps: Vec<String> = pointer_steps(pointer).collect();
    match steps.as_slice() {
        [p, o, n, ..] if p == "policy" && o == "overrides" && n.parse::<usize>().is_ok() => {
            Some(format!("/policy/overrides/{n}"))
        }
        _ => None,
    }
}

/// Sort key of a pointer (file order): its steps, list indexes compared as numbers.
fn pointer_order(pointer: &str) -> Vec<(u8, usize, String)> {
    pointer_steps(pointer)
        .map(|s| match s.parse::<usize>() {
            Ok(i) => (0, i, String::new()),
            Err(_) => (1, 0, s),
        })
        .collect()
}

/// A value [`prune`] left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Pruned {
    /// Dotted path of the value (`defaults.services.api.port`).
    pub path: String,
    /// Where the value was.
    pub span: Span,
    /// Keys of the mappings that held it, below the section and environment levels, and for a
    /// value of `defaults` the same keys under every environment: a later finding pointing at
    /// one of them may be a consequence of the removal.
    pub owners: Vec<Span>,
    /// The mapping that held it when all its values are scalars (`scale: { min: 2, max: … }`):
    /// a later finding on a sibling value (`scale.min` above a `scale.max` left out, so
    /// defaulted) may be a consequence too.
    pub within: Option<Span>,
}

fn pruned_at(root: &Node, pointer: &str) -> Pruned {
    let steps: Vec<String> = pointer_steps(pointer).collect();
    let path = root.path_to(pointer);
    // `defaults.<x>` has one level of section, `environments.<env>.<x>` two.
    let skip = if path
        .first()
        .and_then(|(k, _)| *k)
        .is_some_and(|k| k.name == "environments")
    {
        2
    } else {
        1
    };
    let mut owners: Vec<Span> = path
        .iter()
        .take(steps.len().saturating_sub(1))
        .skip(skip)
        .filter_map(|(k, _)| k.map(|k| k.span))
        .collect();
    // A value left out of `defaults` is missing from every environment that inherits it: the
    // same keys under each environment (`environments.<env>.services.api` for
    // `defaults.services.api.port`) own it too.
    if steps.len() > 2 && steps[0] == "defaults" {
        let inner: String = steps[1..steps.len() - 1]
            .iter()
            .map(|s| format!("/{}", escape(s)))
            .collect();
        for (env, _) in root.get("environments").map_or(&[][..], Node::entries) {
            let under = format!("/environments/{}{inner}", escape(&env.name));
            owners.extend(
                root.path_to(&under)
                    .iter()
                    .skip(2)
                    .filter_map(|(k, _)| k.map(|k| k.span)),
            );
        }
    }
    let span = match path.last() {
        Some((key, value)) if path.len() == steps.len() => key.map_or(value.span, |k| k.span),
        _ => root.span,
    };
    let within = match path.len().checked_sub(2).map(|i| path[i].1) {
        Some(parent) if path.len() == steps.len() => match &parent.kind {
            NodeKind::Map(entries)
                if entries
                    .iter()
                    .all(|(_, v)| !matches!(v.kind, NodeKind::Map(_) | NodeKind::Seq(_))) =>
            {
                // A mapping's own span may be its first token only: its extent runs from its
                // first key to its last value.
                let first = entries.first().map_or(parent.span, |(k, _)| k.span);
                let end = entries.iter().map(|(_, v)| v.span.end).max();
                Some(Span {
                    end: end.unwrap_or(first.end).max(first.end),
                    ..first
                })
            }
            _ => None,
        },
        _ => None,
    };
    Pruned {
        path: steps.join("."),
        span,
        owners,
        within,
    }
}

/// `root` without the value whose span is `span` (an entry's value or a list item), what was
/// left out, and the document it was validated as ([`instance`]), when what remains is
/// schema-valid: how the pipeline goes past a value the
/// schema accepts but the model cannot hold (a number too large), to report the next one and
/// check the rest. `None` when no value has that span, or when leaving it out breaks the schema
/// (a required key).
pub fn without_value_at(root: &Node, span: Span) -> Option<(Node, Pruned, Value)> {
    fn find(node: &Node, span: Span, pointer: &mut String) -> bool {
        let children: Vec<(String, &Node)> = match &node.kind {
            NodeKind::Map(entries) => entries.iter().map(|(k, v)| (escape(&k.name), v)).collect(),
            NodeKind::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return false,
        };
        for (step, child) in children {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&step);
            if child.span == span || find(child, span, pointer) {
                return true;
            }
            pointer.truncate(len);
        }
        false
    }
    let mut pointer = String::new();
    if !find(root, span, &mut pointer) {
        return None;
    }
    let removed: HashSet<&str> = [pointer.as_str()].into_iter().collect();
    let rest = without(root, &removed, &mut String::new());
    let document = instance(&rest);
    is_valid(&document).then(|| {
        let pruned = pruned_at(root, &pointer);
        (rest, pruned, document)
    })
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A value that stands in for an invalid one the schema requires, so that the later stages
/// still check the rest of the file in the same run: the versions tofugen pins. Without one,
/// `versions: { opentofu: latest }` hid every other problem until it was fixed (sweep 43, #1).
/// Findings at the value are marked as possible consequences, as for a value left out.
fn stand_in(pointer: &str) -> Option<&'static str> {
    match pointer {
        "/versions/opentofu" => Some(crate::versions::OPENTOFU),
        "/versions/scaleway_provider" => Some(crate::versions::SCALEWAY_PROVIDER),
        "/versions/random_provider" => Some(crate::versions::RANDOM_PROVIDER),
        _ => None,
    }
}

/// `node` without the entries and items whose JSON pointer is in `removed`, in one pass
/// (`pointer` is the pointer of `node`, used as scratch space); a required value that has a
/// [`stand_in`] is replaced by it instead.
fn without(node: &Node, removed: &HashSet<&str>, pointer: &mut String) -> Node {
    let kind = match &node.kind {
        NodeKind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(&k.name));
                if !removed.contains(pointer.as_str()) {
                    out.push((k.clone(), without(v, removed, pointer)));
                } else if let Some(value) = stand_in(pointer) {
                    let value = Node {
                        kind: NodeKind::Str(value.to_string()),
                        span: v.span,
                    };
                    out.push((k.clone(), value));
                }
                pointer.truncate(len);
            }
            NodeKind::Map(out)
        }
        NodeKind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                if !removed.contains(pointer.as_str()) {
                    out.push(without(v, removed, pointer));
                }
                pointer.truncate(len);
            }
            NodeKind::Seq(out)
        }
        other => other.clone(),
    };
    Node {
        kind,
        span: node.span,
    }
}

/// Every schema violation of `root`, and the document as it was validated ([`instance`]).
///
/// Bounded: at most [`MAX_SCHEMA_ERRORS`] are kept (an owned error may hold a copy of a large
/// part of the document); the second value counts the others.
fn errors(root: &Node) -> (Vec<ValidationError<'static>>, usize, Value) {
    let instance = instance(root);
    let mut kept = Vec::new();
    let mut more = 0;
    if fast::verdict_ignoring_property_names(quick_schema(), &instance) == fast::Verdict::Valid {
        return (kept, more, instance);
    }
    for e in validator().iter_errors(&instance) {
        if kept.len() < MAX_SCHEMA_ERRORS {
            kept.push(e.to_owned());
        } else {
            more += 1;
        }
    }
    (kept, more, instance)
}

/// The most specific parts of `errors` (see [`collect_leaves`]).
fn leaves<'a>(errors: &'a [ValidationError<'static>]) -> Vec<&'a ValidationError<'static>> {
    let mut out = Vec::new();
    for error in errors {
        collect_leaves(error, &mut out);
    }
    out
}

/// Reduces an error to its most specific parts: an `anyOf` failure is replaced by the errors of
/// the branch that came closest (a branch failing only on its type came nowhere near).
fn collect_leaves<'a>(
    error: &'a ValidationError<'static>,
    out: &mut Vec<&'a ValidationError<'static>>,
) {
    let ValidationErrorKind::AnyOf { context } = error.kind() else {
        out.push(error);
        return;
    };
    let path = error.instance_path().as_str();
    let type_only = |branch: &Vec<ValidationError<'static>>| {
        branch.iter().all(|e| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                && e.instance_path().as_str() == path
        })
    };
    let close: Vec<&Vec<ValidationError<'static>>> =
        context.iter().filter(|b| !type_only(b)).collect();
    // The branch with the fewest errors is the one the author most likely meant.
    match close.iter().min_by_key(|b| b.len()) {
        Some(best) => {
            for e in best.iter() {
                collect_leaves(e, out);
            }
        }
        // Wrong type for every branch: report it once, described from the schema.
        None => out.push(error),
    }
}

/// Converts a schema error into diagnostics.
fn describe(
    file: FileId,
    root: &Node,
    schema: &Value,
    error: &ValidationError<'_>,
) -> Vec<Diagnostic> {
    let segments = segments(error);
    let pointer = error.instance_path().as_str();
    let (node, key) = root.pointer(pointer);
    let here = display_path(root, &segments);
    // How to name the location in a message.
    let place_name = if here.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{here}`")
    };
    let subschemas = schema_at(schema, &segments);
    // A block mapping or sequence has an empty span where its first entry starts, on the line
    // after its key: a finding about the whole value is shown at the key (sweep 43, #4: `port:`
    // given an indented mapping was blamed on that mapping's first key, with an empty caret).
    let value_span = match (&node.kind, key) {
        (NodeKind::Map(_) | NodeKind::Seq(_), Some(k)) if node.span.start == node.span.end => {
            Some(k.span)
        }
        _ => Some(node.span),
    };
    let key_or_value = Some(key.map(|k| k.span).unwrap_or(node.span));
    let mut out = Vec::new();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = property_names(schema, &subschemas);
            // In the file's order (the validator lists them by name), the first hundred
            // described and the others counted: past a hundred, they had been dropped without
            // a word (sweep 30, F4).
            let wanted: std::collections::HashSet<&str> =
                unexpected.iter().map(String::as_str).collect();
            let mut names: Vec<(&str, Option<Span>)> = match &node.kind {
                NodeKind::Map(entries) => entries
                    .iter()
                    .filter(|(k, _)| wanted.contains(k.name.as_str()))
                    .map(|(k, _)| (k.name.as_str(), Some(k.span)))
                    .collect(),
                _ => Vec::new(),
            };
            if names.len() != unexpected.len() {
                names = unexpected.iter().map(|n| (n.as_str(), None)).collect();
            }
            if let Some(&(_, first)) = names.get(MAX_SCHEMA_REPORTED) {
                let more = names.len() - MAX_SCHEMA_REPORTED;
                out.push(
                    Diagnostic::error(
                        "schema",
                        format!("{more} more unknown keys {} are not described", if here.is_empty() { "at the top level".to_string() } else { format!("in `{here}`") }),
                    )
                    .at(file, first.or(value_span))
                    .expected(format!("one of: {}", allowed.join(", ")))
                    .help(format!(
                        "fix the first {MAX_SCHEMA_REPORTED} reported, then run `tofugen validate` again"
                    ))
                    .counting(more),
                );
            }
            for (name, span) in names.into_iter().take(MAX_SCHEMA_REPORTED) {
                let span = span.or(value_span);
                let place = if here.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `{here}`")
                };
                let mut d =
                    Diagnostic::error("schema", format!("unknown key `{}` {place}", shown(name)))
                        .at(file, span)
                        .expected(format!("one of: {}", allowed.join(", ")));
                d = match (
                    comma_split(node, name),
                    did_you_mean(name, allowed.iter().map(String::as_str)),
                ) {
                    (Some(help), _) => d.help(help),
                    (None, Some(m)) if near_miss_of(node, m, schema, &subschemas) == Some(name) => {
                        d.help(format!(
                            "did you mean `{m}`? It is required{}, and missing",
                            if here.is_empty() { " at the top level".to_string() } else { format!(" in `{here}`") }
                        ))
                    }
                    (None, Some(m)) => d.help(format!("did you mean `{m}`?")),
                    (None, None) => d.help(misplaced_help(name, &segments).unwrap_or_else(|| {
                        let homes = homes_of(schema, &subschemas, name);
                        let quoted: Vec<String> = homes.iter().map(|h| format!("`{h}`")).collect();
                        let list = match quoted.split_last() {
                            Some((last, rest)) if !rest.is_empty() => {
                                format!("{} or {last}", rest.join(", "))
                            }
                            _ => quoted.join(""),
                        };
                        // Not below: anywhere in the file, nearest to the top first (a key
                        // written in a sibling section: `contacts` under `database`).
                        let elsewhere = if homes.is_empty() {
                            homes_within(schema, &[schema], name, HOME_DEPTH + 2)
                        } else {
                            Vec::new()
                        };
                        let quoted_elsewhere: Vec<String> =
                            elsewhere.iter().map(|h| format!("`{h}`")).collect();
                        match homes.as_slice() {
                            [] if !elsewhere.is_empty() => format!(
                                "`{name}` is a key of {}, not of this section: move it there",
                                quoted_elsewhere.join(" or ")
                            ),
                            [] => "remove it; run `tofugen schema` to see the keys allowed here"
                                .to_string(),
                            [home] => format!(
                                "`{name}` is a key of `{home}`: move it under `{home}:`, indented as its other keys"
                            ),
                            _ => format!(
                                "`{name}` is a key of {list}: move it under the one you meant"
                            ),
                        }
                    })),
                };
                out.push(d);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            // An unknown key next to it that reads as this one (`version:` for `versions:`) is
            // reported as unknown, with `did you mean` and that the key is required: one
            // finding for one mistake (sweep 58c, F7).
            if near_miss_of(node, name, schema, &subschemas).is_some() {
                return out;
            }
            let place = if here.is_empty() {
                String::new()
            } else {
                format!(" in `{here}`")
            };
            let what = subschemas
                .iter()
                .find_map(|s| s.get("properties").and_then(|p| p.get(name)))
                .and_then(|p| p.get("description"))
                .and_then(Value::as_str)
                .map(first_sentence)
                .unwrap_or_default();
            let span = if segments.is_empty() {
                // The top-level mapping: point at its first key.
                root.entries().first().map(|(k, _)| k.span).or(value_span)
            } else {
                key_or_value
            };
            let mut d =
                Diagnostic::error("schema", format!("missing required key `{name}`{place}"))
                    .at(file, span)
                    .expected(format!("a `{name}:` entry{}", suffix(&what)))
                    .help(format!(
                        "add `{name}:`{place}; run `tofugen schema` for its shape"
                    ));
            if name == "versions" {
                d = d.help(
                    "add `versions:` with `opentofu: 1.12.6`, `scaleway_provider: 2.81.0` and \
                     `random_provider: 3.7.2`",
                );
            }
            out.push(d);
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|a| a.iter().filter(|v| !v.is_null()).map(value_text).collect())
                .unwrap_or_default();
            let found = match &node.kind {
                NodeKind::Str(s) => format!("`{}`", shown(s)),
                _ => found_text(node, &segments),
            };
            let mut d =
                Diagnostic::error("schema", format!("invalid value {found} for {place_name}"))
                    .at(file, value_span)
                    .expected(format!("one of: {}", allowed.join(", ")));
            let alias = match &node.kind {
                NodeKind::Str(s) => ENUM_ALIASES
                    .iter()
                    .find(|(a, m, _)| a.eq_ignore_ascii_case(s) && allowed.iter().any(|v| v == m)),
                _ => None,
            };
            if let Some((_, meant, why)) = alias {
                d = d.help(format!("write `{meant}`: {why}"));
            } else if let NodeKind::Str(s) = &node.kind
                && let Some(m) = did_you_mean(s, allowed.iter().map(String::as_str))
            {
                d = d.help(format!("did you mean `{m}`?"));
            } else {
                d = d.help(format!("use one of: {}", allowed.join(", ")));
            }
            out.push(d);
        }
        ValidationErrorKind::Type { .. } | ValidationErrorKind::AnyOf { .. } => {
            let expected = expected_text(schema, &subschemas);
            let found = found_text(node, &segments);
            let mut d = Diagnostic::error(
                "schema",
                format!("wrong type for {place_name}: expected {expected}, found {found}"),
            )
            .at(file, value_span)
            .expected(expected.clone());
            d = d.help(type_help(node, &expected, &segments, schema, &subschemas));
            out.push(d);
        }
        ValidationErrorKind::Pattern { pattern } => {
            let found = found_text(node, &segments);
            match unit_of(schema, &subschemas) {
                Some((unit, description)) => {
                    let text = match &node.kind {
                        NodeKind::Str(s) => s.as_str(),
                        _ => "",
                    };
                    let fix = suggest_unit(unit, text);
                    let mut d = Diagnostic::error(
                        "schema",
                        format!("{found} is not {description} ({place_name})"),
                    )
                    .at(file, value_span)
                    .expected(description.to_string());
                    d = match fix {
                        Some(f) => d.help(format!("write `{f}`")),
                        None => d.help(format!("write it like {}", unit_example(unit))),
                    };
                    out.push(d);
                }
                None => match domain_of(schema, &subschemas, "x-domain") {
                    Some(d) => {
                        let text = match &node.kind {
                            NodeKind::Str(s) => s.as_str(),
                            _ => "",
                        };
                        // In a list of secret names, a value that does not read as a name is
                        // more likely a secret pasted there: not quoted (sweep 32, F1), and
                        // no help built from it.
                        let hidden = d.name == "secret-name" && !domains::reads_as_name(text);
                        let help = if hidden {
                            d.help_without_the_value()
                        } else {
                            d.help(text)
                        };
                        let found = if hidden {
                            "a string that does not read as a name (not shown)".to_string()
                        } else {
                            found
                        };
                        out.push(
                            Diagnostic::error(
                                "schema",
                                format!("{found} is not {} ({place_name})", d.a_what()),
                            )
                            .at(file, value_span)
                            .expected(d.expected)
                            .help(help),
                        );
                    }
                    None => out.push(
                        Diagnostic::error("schema", format!("{found} does not match `{pattern}`"))
                            .at(file, value_span)
                            .expected(format!("text matching `{pattern}`"))
                            .help("fix the value; run `tofugen schema` for the expected form"),
                    ),
                },
            }
        }
        // An exclusive bound is said as one: `cpu: 0` was told "expected a number of at least
        // 0" and to "use a value of 0 or more" (sweep 29, F2).
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit }
        | ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            let (size, expected, help) = match error.kind() {
                // 0, the least an unsigned type holds: the rules may refuse it too (a
                // `scale.max`, a secret's `length`), so it is not proposed as the fix alone.
                ValidationErrorKind::Minimum { .. } if limit.as_u64() == Some(0) => (
                    "small",
                    format!("a number of at least {limit}"),
                    "use a value of 0 or more (negative numbers never fit here); the rules may \
                     ask for more (`tofugen rules` lists them)"
                        .to_string(),
                ),
                ValidationErrorKind::Minimum { .. } => (
                    "small",
                    format!("a number of at least {limit}"),
                    format!("use a value of {limit} or more"),
                ),
                ValidationErrorKind::ExclusiveMinimum { .. } => (
                    "small",
                    format!("a number greater than {limit}"),
                    format!("use a value greater than {limit}"),
                ),
                // A bound that is only the integer type's (u32, i64, u64): the rules limit the
                // value far below it, so proposing it proposed a value the next run refuses
                // (sweep 57, H3-3: `scale.max` was told "use a value of 4294967295 or less").
                ValidationErrorKind::Maximum { .. } if machine_bound(limit) => (
                    "large",
                    format!("a number of at most {limit}"),
                    format!(
                        "use a much smaller number: {limit} is only the largest that fits here, and the rules limit it further (`tofugen rules` lists them)"
                    ),
                ),
                ValidationErrorKind::Maximum { .. } => (
                    "large",
                    format!("a number of at most {limit}"),
                    format!("use a value of {limit} or less"),
                ),
                _ => (
                    "large",
                    format!("a number less than {limit}"),
                    format!("use a value less than {limit}"),
                ),
            };
            let found = found_text(node, &segments);
            out.push(
                Diagnostic::error("schema", format!("{found} is too {size} for {place_name}"))
                    .at(file, value_span)
                    .expected(expected)
                    .help(help),
            );
        }
        ValidationErrorKind::MinItems { limit } => {
            let count = match &node.kind {
                NodeKind::Seq(items) => items.len(),
                _ => 0,
            };
            // A list whose emptiness means something else than leaving the key out says so
            // (`x-empty-help`).
            let help = subschemas
                .iter()
                .find_map(|s| deref(schema, s).get("x-empty-help").and_then(Value::as_str))
                .map(str::to_string)
                .unwrap_or_else(|| "add the missing items, or remove the key".to_string());
            let message = if count == 0 {
                format!("{place_name} is an empty list")
            } else {
                format!("{place_name} has {count} item(s)")
            };
            out.push(
                Diagnostic::error("schema", message)
                    .at(file, value_span)
                    .expected(if *limit == 1 {
                        "a list of at least one item".to_string()
                    } else {
                        format!("a list of at least {limit} items")
                    })
                    .help(help),
            );
        }
        ValidationErrorKind::MaxLength { limit } => {
            let length = match &node.kind {
                NodeKind::Str(s) => s.chars().count(),
                _ => 0,
            };
            out.push(
                Diagnostic::error(
                    "schema",
                    format!("{place_name} is too long: {length} characters"),
                )
                .at(file, value_span)
                .expected(format!("at most {limit} characters"))
                .help("shorten it"),
            );
        }
        _ => out.push(
            Diagnostic::error("schema", format!("{place_name}: {error}"))
                .at(file, value_span)
                .expected("a value matching the schema")
                .help("run `tofugen schema` to see the expected structure"),
        ),
    }
    out
}

/// The domain named by `key` (`x-domain`, `x-key-domain`) in the schemas at the location.
fn domain_of(schema: &Value, subschemas: &[&Value], key: &str) -> Option<&'static domains::Domain> {
    subschemas
        .iter()
        .find_map(|s| deref(schema, s).get(key).and_then(Value::as_str))
        .and_then(domains::find)
}

/// Whether `text`, or the ASCII its lookalike letters read as (a fullwidth `ｓｋ－…`), looks
/// like a secret or holds a UUID.
pub fn looks_secret_as_written_or_read(text: &str) -> bool {
    use crate::policy::secret_scan::{holds_uuid, looks_secret};
    let secret = |t: &str| looks_secret(t) || holds_uuid(t);
    secret(text)
        || crate::text::non_ascii(text)
            .and_then(|n| n.ascii)
            .is_some_and(|a| secret(&a))
}

/// User text as it may appear in a message: control and bidirectional characters escaped, at
/// most 40 characters.
pub fn shown(text: &str) -> String {
    if looks_secret_as_written_or_read(text) {
        return "(not shown: it looks like a secret)".to_string();
    }
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        match strings::forbidden(c, false) {
            Some(_) => out.extend(c.escape_unicode()),
            None => out.push(c),
        }
    }
    out
}

fn suffix(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!(" ({what})")
    }
}

/// The first sentence of a doc comment (a `.` followed by a space and a capital letter ends it).
fn first_sentence(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let bytes = one_line.as_bytes();
    let end = (0..bytes.len().saturating_sub(2))
        .find(|&i| bytes[i] == b'.' && bytes[i + 1] == b' ' && bytes[i + 2].is_ascii_uppercase())
        .unwrap_or(one_line.len());
    one_line[..end].trim_end_matches('.').to_string()
}

/// Help for the unknown key `name` of `map` when it is the rest of the text value before it,
/// cut by an unquoted comma in a flow mapping: `{ reason: a team, apps elsewhere }` reads as
/// `reason: a team` and a key `apps elsewhere` with no value (sweep 27, F11: the help said to
/// run `tofugen schema`). Given when the key has no value and follows a text value on its
/// line.
fn comma_split(map: &Node, name: &str) -> Option<String> {
    let entries = map.entries();
    let at = entries.iter().position(|(k, _)| k.name == name)?;
    let (key, value) = &entries[at];
    let (before, previous) = entries.get(at.checked_sub(1)?)?;
    let NodeKind::Str(text) = &previous.kind else {
        return None;
    };
    // On the line of a text value: only in a flow mapping (a block mapping's keys start
    // lines). The key has no value (an explicit `null` cannot be told apart here; the advice
    // then still names the comma).
    let no_value = matches!(value.kind, NodeKind::Null);
    (no_value && previous.span.line == key.span.line && previous.span.end <= key.span.start).then(
        || {
            let whole = format!("{text}, {name}");
            // A JSON string is a YAML double-quoted scalar: `"` and `\` come escaped.
            let quoted = serde_json::to_string(&whole).unwrap_or_default();
            format!(
                "a comma ends a value in `{{ }}`: if `{whole}` is one value, quote it: \
                 `{}: {quoted}`",
                before.name
            )
        },
    )
}

/// Where under the location (`subschemas`) a mapping has the key `name`: the paths of the
/// nearest such mappings (`versions`; `services.<name>`, through a map of named entries;
/// `startup` and `liveness`), at most [`MAX_HOMES`] of them, at most [`HOME_DEPTH`] keys down.
/// `scaleway_provider` written at the top level belongs under `versions` (sweep 30, F5: the
/// help said to remove it); `image` under an environment belongs under `services.<name>`, and
/// `failure_threshold` under `probes` under `startup` or `liveness` (sweep 43, #3: the help said
/// to remove them, which threw the setting away).
fn homes_of(schema: &Value, subschemas: &[&Value], name: &str) -> Vec<String> {
    homes_within(schema, subschemas, name, HOME_DEPTH)
}

/// [`homes_of`], `depth` keys down.
fn homes_within(schema: &Value, subschemas: &[&Value], name: &str, depth: usize) -> Vec<String> {
    let mut level: Vec<(String, &Value)> = subschemas.iter().map(|s| (String::new(), *s)).collect();
    for _ in 0..depth {
        let mut next: Vec<(String, &Value)> = Vec::new();
        for (path, s) in &level {
            let mut alts = Vec::new();
            alternatives(schema, s, &mut alts);
            for a in alts {
                let join = |key: &str| {
                    if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    }
                };
                if let Some(props) = a.get("properties").and_then(Value::as_object) {
                    next.extend(props.iter().map(|(k, child)| (join(k), child)));
                }
                if let Some(child) = a.get("additionalProperties").filter(|c| c.is_object()) {
                    next.push((join("<name>"), child));
                }
            }
        }
        let mut found: Vec<String> = Vec::new();
        for (path, child) in &next {
            let mut alts = Vec::new();
            alternatives(schema, child, &mut alts);
            let holds = alts.iter().any(|a| {
                a.get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| p.contains_key(name))
            });
            if holds && !found.contains(path) {
                found.push(path.clone());
            }
        }
        if !found.is_empty() {
            return if found.len() <= MAX_HOMES {
                found
            } else {
                Vec::new()
            };
        }
        level = next;
    }
    Vec::new()
}

/// Whether a schema bound is only an integer type's limit (`u32::MAX`, `i64::MAX`, `u64::MAX`),
/// not one of the domain's.
fn machine_bound(limit: &Value) -> bool {
    limit
        .as_u64()
        .is_some_and(|n| [u64::from(u32::MAX), i64::MAX as u64, u64::MAX].contains(&n))
}

/// Most places [`homes_of`] names for a key: past that, the key is too common to say where.
const MAX_HOMES: usize = 3;

/// How many keys down [`homes_of`] looks for a key's place.
const HOME_DEPTH: usize = 3;

/// Help for an unknown key that no allowed key resembles: where it belongs, for the keys this
/// knows; `None` for the others.
fn misplaced_help(name: &str, segments: &[String]) -> Option<String> {
    // Every key of `Settings` (a test holds the list to the schema's).
    const SETTINGS: [&str; 9] = [
        "region", "zone", "state", "registry", "services", "database", "secrets", "alerts",
        "api_keys",
    ];
    let options = crate::resolve::ENVIRONMENT_OPTION_KEYS;
    if segments.is_empty() && SETTINGS.contains(&name) {
        return Some(format!(
            "`{name}` belongs under `defaults:` or under an environment"
        ));
    }
    if name == "schedule" && segments.last().map(String::as_str) == Some("daily") {
        return Some(
            "the daily tier has no `schedule`: Scaleway takes its native daily backups at a \
             time it picks (provider 2.81.0's `scaleway_rdb_instance` has \
             `backup_schedule_frequency`, no start time): remove it, or use the `weekly` or \
             `monthly` tier's `schedule`"
                .to_string(),
        );
    }
    if segments.first().map(String::as_str) == Some("defaults") && options.contains(&name) {
        return Some(format!(
            "`{name}` is set per environment: move it under `environments.<name>:`"
        ));
    }
    None
}

fn segments(error: &ValidationError<'_>) -> Vec<String> {
    error
        .instance_path()
        .segments()
        .map(|s| match s {
            LocationSegment::Property(p) => p.to_string(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect()
}

/// `services.api.command[1]`: keys joined with `.`, list positions in brackets.
fn display_path(root: &Node, segments: &[String]) -> String {
    let mut out = String::new();
    let mut node = Some(root);
    for seg in segments {
        match node.map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => {
                out.push_str(&format!("[{seg}]"));
                node = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(seg);
                node = node.and_then(|n| n.get(seg));
            }
        }
    }
    out
}

/// Whether the value at `segments` is a plain environment variable value (never echoed: it
/// may be a secret pasted in the wrong place).
fn is_env_value(segments: &[String]) -> bool {
    segments.len() >= 2 && segments[segments.len() - 2] == "env"
}

/// The value's type and, when short and safe to show, the value itself.
fn found_text(node: &Node, segments: &[String]) -> String {
    let shown = match &node.kind {
        NodeKind::Null => return "nothing (null)".to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        // Beyond 2^53 a float no longer holds every whole number: the value shown would be
        // rounded (`123456789012345680000000000000` for `...678901234567890`). The excerpt
        // shows the value as written.
        NodeKind::Float(f) if f.abs() >= 9_007_199_254_740_992.0 || !f.is_finite() => {
            return node.type_name().to_string();
        }
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Str(s) => s.clone(),
        NodeKind::Seq(_) | NodeKind::Map(_) => return node.type_name().to_string(),
    };
    if is_env_value(segments) {
        return node.type_name().to_string();
    }
    // A plain number beyond the largest double (`1e400`): the loader keeps it as text, but it
    // was written as a number (sweep 43).
    if let NodeKind::Str(s) = &node.kind
        && is_overflowing_number(s)
    {
        return format!("a number too large to hold `{}`", self::shown(&shown));
    }
    format!("{} `{}`", node.type_name(), self::shown(&shown))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Follows `$ref`s to the definition.
fn deref<'a>(schema: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| schema.pointer(p)) {
                Some(target) => s = target,
                None => break,
            },
            None => break,
        }
    }
    s
}

/// The non-null alternatives of a schema, with `$ref`s and `anyOf`s flattened.
fn alternatives<'a>(schema: &'a Value, s: &'a Value, out: &mut Vec<&'a Value>) {
    let s = deref(schema, s);
    if let Some(Value::Array(branches)) = s.get("anyOf") {
        // Keep the schema itself too: it carries the description (unit types).
        out.push(s);
        for b in branches {
            alternatives(schema, b, out);
        }
        return;
    }
    if s.get("type").and_then(Value::as_str) == Some("null") {
        return;
    }
    out.push(s);
}

/// The schemas that apply at `segments`.
fn schema_at<'a>(schema: &'a Value, segments: &[String]) -> Vec<&'a Value> {
    let mut current = Vec::new();
    alternatives(schema, schema, &mut current);
    for seg in segments {
        let mut next = Vec::new();
        for s in &current {
            let child = s
                .get("properties")
                .and_then(|p| p.get(seg))
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
                .or_else(|| s.get("items").filter(|i| i.is_object()));
            if let Some(c) = child {
                alternatives(schema, c, &mut next);
            }
        }
        current = next;
    }
    current
}

/// The unknown key of the mapping `node` that reads as its missing required key `name` (the
/// first, in the file's order), when the location allows no other keys: `version:` where
/// `versions:` is required.
fn near_miss_of<'n>(
    node: &'n Node,
    name: &str,
    schema: &Value,
    subschemas: &[&Value],
) -> Option<&'n str> {
    let NodeKind::Map(entries) = &node.kind else {
        return None;
    };
    let closed = subschemas
        .iter()
        .any(|s| s.get("additionalProperties") == Some(&Value::Bool(false)));
    let required = subschemas.iter().any(|s| {
        s.get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(name)))
    });
    if !closed || !required || entries.iter().any(|(k, _)| k.name == name) {
        return None;
    }
    let allowed = property_names(schema, subschemas);
    entries
        .iter()
        .map(|(k, _)| k.name.as_str())
        .filter(|k| !allowed.iter().any(|a| a == k))
        .find(|k| did_you_mean(k, allowed.iter().map(String::as_str)) == Some(name))
}

fn property_names(_schema: &Value, subschemas: &[&Value]) -> Vec<String> {
    let mut names: Vec<String> = subschemas
        .iter()
        .filter_map(|s| s.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `Memory`, `Cpu` or `Duration` with its description, when the location holds a unit type.
fn unit_of<'a>(schema: &'a Value, subschemas: &[&'a Value]) -> Option<(&'static str, &'a str)> {
    let defs = schema.get("$defs")?;
    for unit in ["Memory", "Cpu", "Duration"] {
        let def = defs.get(unit)?;
        if subschemas.iter().any(|s| std::ptr::eq(*s, def)) {
            return Some((unit, def.get("description")?.as_str()?));
        }
    }
    None
}

fn unit_example(unit: &str) -> &'static str {
    match unit {
        "Memory" => "`512MB` or `2GB`",
        "Cpu" => "`1000m` or `0.5`",
        _ => "`30s`, `5m` or `30d`",
    }
}

/// A corrected unit value, when the intent is clear (`2 GB` → `2GB`, `10 minutes` → `10m`).
fn suggest_unit(unit: &str, text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Finer than 1 mvCPU (`1.0005`, `70.5m`): the whole mvCPU just above.
    if unit == "Cpu"
        && let Some(up) = crate::model::finer_than_millis(&compact)
    {
        return Some(format!("{up}m"));
    }
    let split = compact.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, word) = compact.split_at(split);
    if number.is_empty() {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let unit_text = match unit {
        "Memory" => match word.as_str() {
            "mb" | "mib" | "m" | "megabytes" => "MB",
            "gb" | "gib" | "g" | "gigabytes" => "GB",
            "tb" | "tib" | "t" | "terabytes" => "TB",
            _ => return None,
        },
        "Cpu" => match word.as_str() {
            "m" | "mvcpu" | "millicpu" | "millicores" => "m",
            "vcpu" | "cpu" | "cores" | "core" => "",
            _ => return None,
        },
        _ => match word.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            "min" | "mins" | "minute" | "minutes" => "m",
            "h" | "hr" | "hour" | "hours" => "h",
            "d" | "day" | "days" => "d",
            "w" | "week" | "weeks" => "w",
            "y" | "year" | "years" => "y",
            _ => return None,
        },
    };
    if number.contains('.') && unit != "Cpu" {
        return None;
    }

    let fixed = format!("{number}{unit_text}");
    (fixed != text).then_some(fixed)
}

fn type_word(t: &str) -> &'static str {
    match t {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "`true` or `false`",
        _ => "a value",
    }
}

fn expected_text(schema: &Value, subschemas: &[&Value]) -> String {
    if let Some((_, description)) = unit_of(schema, subschemas) {
        return description.to_string();
    }
    let mut words: Vec<&'static str> = Vec::new();
    for s in subschemas {
        if let Some(Value::Array(options)) = s.get("enum") {
            let list: Vec<String> = options
                .iter()
                .filter(|v| !v.is_null())
                .map(value_text)
                .collect();
            return format!("one of: {}", list.join(", "));
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for t in types {
            if t != "null" && !words.contains(&type_word(t)) {
                words.push(type_word(t));
            }
        }
    }
    match words.len() {
        0 => "a different value".to_string(),
        _ => words.join(" or "),
    }
}

fn type_help(
    node: &Node,
    expected: &str,
    segments: &[String],
    schema: &Value,
    subschemas: &[&Value],
) -> String {
    if let Some((unit, _)) = unit_of(schema, subschemas) {
        // A negative number, or one a float cannot hold exactly, makes no valid suggestion with
        // its unit (sweep 58c, F6: `-1s`; `1e30` printed with lost digits): the example instead.
        let raw = match &node.kind {
            NodeKind::Int(i) if *i >= 0 => Some(i.to_string()),
            NodeKind::Float(f) if *f >= 0.0 && *f < 1e15 => Some(f.to_string()),
            _ => None,
        };
        return match (unit, raw) {
            ("Memory", Some(n)) => format!("write the unit: `{n}MB` or `{n}GB`"),
            ("Duration", Some(n)) => format!("write the unit: `{n}s`, `{n}m` or `{n}d`"),
            _ => format!("write it like {}", unit_example(unit)),
        };
    }
    match (&node.kind, expected) {
        // Only for a number that would then be read as the one expected: `1e400` is text
        // (not a finite number) whether quoted or not, and a fraction is not a whole number.
        // Text because quoted, or tagged `!!str` (the tree keeps neither, so both are named).
        (NodeKind::Str(s), "a whole number") if s.trim().parse::<i64>().is_ok() => {
            format!("remove the quotes (or the `!!str` tag): `{}`", s.trim())
        }
        (NodeKind::Str(s), "a number") if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
            format!("remove the quotes (or the `!!str` tag): `{}`", s.trim())
        }
        // YAML 1.1's integers that YAML 1.2 reads as text (`1_000`, `0b101`, `1:30`): the
        // value the writer meant, in digits (review of stop 59).
        (NodeKind::Str(s), "a whole number" | "a number") if yaml11_integer(s).is_some() => {
            let n = yaml11_integer(s).unwrap_or_default();
            format!(
                "write `{n}`: YAML 1.2 reads `{}` as text (YAML 1.1 read it as {n})",
                s.trim()
            )
        }
        (NodeKind::Str(s), "a whole number" | "a number") if is_overflowing_number(s) => {
            format!(
                "write a number of at most about 1.8e308 (the largest 64-bit float): `{}` is beyond it",
                s.trim()
            )
        }
        (NodeKind::Str(s), "a whole number" | "a number") if is_infinity_or_nan(s) => {
            format!(
                "write a finite number: YAML 1.2 reads `{}` as infinity or NaN, which JSON (and \
                 so tofugen) cannot hold, so it is read as text",
                s.trim()
            )
        }
        // A value under a secret's name: quoting it would only make it a plaintext secret
        // (TG012's error, or none for digits); it goes in Secret Manager (sweep 45, #3).
        (NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Seq(_) | NodeKind::Map(_), "a string")
            if is_env_value(segments)
                && !matches!(&node.kind, NodeKind::Int(i)
                    if i.to_string().len() < crate::policy::secret_scan::SECRET_NUMBER_MIN)
                && segments
                    .last()
                    .is_some_and(|n| crate::policy::secret_scan::secret_name(n)) =>
        {
            let name = segments.last().map_or("", String::as_str);
            format!(
                "`{name}` names a secret: keep its value out of the configuration (in Secret Manager), remove it from `env`, list `{name}` in the service's `secrets`, and declare it under `defaults`: `secrets: {{ {name}: {{ source: operator }} }}`"
            )
        }
        (NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_), "a string") => {
            if is_env_value(segments) {
                "quote the value: environment values are strings".to_string()
            } else if let NodeKind::Float(f) = node.kind
                && !f.is_finite()
            {
                "YAML reads `.inf` and `.nan` as numbers: quote the value if it is text".to_string()
            } else if let NodeKind::Float(f) = node.kind
                && f.abs() >= 9_007_199_254_740_992.0
            {
                // Its text would be rounded (`123456789012345680000000000000` for
                // `...678901234567890`, sweep 58c, F6): the quotes go around the digits as written.
                "quote the value as you wrote it, digits and all: a number this long is read as a rounded float".to_string()
            } else {
                let shown = match &node.kind {
                    NodeKind::Int(i) => i.to_string(),
                    NodeKind::Float(f) => f.to_string(),
                    NodeKind::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                // Quoting helps only when the text is a value of the field (sweep 30, F10:
                // `scheme: 16` was told to quote it, then that `"16"` is not a URL scheme).
                let values: Vec<&str> = subschemas
                    .iter()
                    .filter_map(|s| deref(schema, s).get("enum").and_then(Value::as_array))
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                match domain_of(schema, subschemas, "x-domain") {
                    Some(d) if d.validate(&shown).is_err() => d.help(&shown),
                    _ if !values.is_empty() && !values.contains(&shown.as_str()) => {
                        format!("write one of: {}", values.join(", "))
                    }
                    _ => format!("quote the value: `\"{shown}\"`"),
                }
            }
        }
        (NodeKind::Str(s), "`true` or `false`") => match s.to_ascii_lowercase().as_str() {
            "yes" | "on" | "y" => "write `true` (YAML 1.2 reads `yes`/`on` as text)".to_string(),
            "no" | "off" | "n" => "write `false` (YAML 1.2 reads `no`/`off` as text)".to_string(),
            _ => "write `true` or `false`".to_string(),
        },
        (NodeKind::Null, _) if segments.is_empty() => {
            "the file holds only `null`: write the configuration as a mapping, `project:`, \
             `versions:` and `environments:` at the start of lines (`tofugen init` writes a \
             starter)"
                .to_string()
        }
        // `staging:` with nothing after it: an environment with only the defaults is `{}`, and
        // removing the key would remove the environment (sweep 17).
        (NodeKind::Null, _) if segments.len() == 2 && segments[0] == "environments" => format!(
            "write `{}: {{}}` for an environment with only the defaults",
            segments[1]
        ),
        // A key its mapping requires has no default to inherit (sweep 43, #6: `project: null`
        // was told to remove the key, which then fails as missing).
        (NodeKind::Null, _) if is_required(schema, segments) => format!(
            "give {expected}: `{}` is required and has no default",
            segments.last().map_or("", String::as_str)
        ),
        (NodeKind::Null, _) => "give a value, or remove the key to inherit the default".to_string(),
        (NodeKind::Str(s), "a list") if !is_env_value(segments) => {
            format!("write a list: `[{s}]`")
        }
        (_, "a list") => "write a list: `[a, b]` or one `- item` per line".to_string(),
        (_, "a mapping") if segments.is_empty() => {
            "write the file as a mapping: `project:`, `versions:` and `environments:` at the start of lines, without `- `".to_string()
        }
        // A secret's value pasted into its declaration (sweep 58a, M2): the declaration names
        // where the value comes from, never the value.
        (NodeKind::Str(_) | NodeKind::Int(_) | NodeKind::Float(_), "a mapping")
            if is_secret_declaration(segments) =>
        {
            format!(
                "a secret is declared by its source, never by its value: write `{}: {{ source: \
                 operator }}` and store the value in Secret Manager (generated/bootstrap/README.md \
                 says how), then remove the value from this file and its history",
                segments.last().map_or("", String::as_str)
            )
        }
        (_, "a mapping") => "write `key: value` entries indented under this key".to_string(),
        _ => format!("replace it with {expected}"),
    }
}

/// The integer YAML 1.1 reads in `s` where YAML 1.2 (which tofugen reads) reads text:
/// digits with `_` separators (`1_000`), binary (`0b1010`), hexadecimal or octal with
/// separators (`0xFF_FF`, `0o7_7`), and base 60 (`1:30`, `1:30:00`), with an optional sign.
/// `None` for anything else, or past 64 bits.
fn yaml11_integer(s: &str) -> Option<i64> {
    let t = s.trim();
    let (negative, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = |text: &str, radix: u32| -> Option<i64> {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        let valid = !clean.is_empty()
            && !text.starts_with('_')
            && text.chars().all(|c| c == '_' || c.is_digit(radix));
        valid.then(|| i64::from_str_radix(&clean, radix).ok())?
    };
    let value = if let Some(b) = body.strip_prefix("0b") {
        digits(b, 2)?
    } else if let Some(h) = body.strip_prefix("0x").filter(|h| h.contains('_')) {
        digits(h, 16)?
    } else if let Some(o) = body.strip_prefix("0o").filter(|o| o.contains('_')) {
        digits(o, 8)?
    } else if body.contains(':') {
        // Base 60: the first part any digits, the others 0 to 59.
        let mut parts = body.split(':');
        let mut total = digits(parts.next()?, 10)?;
        for part in parts {
            let p = digits(part, 10).filter(|p| (0..60).contains(p) && part.len() <= 2)?;
            total = total.checked_mul(60)?.checked_add(p)?;
        }
        total
    } else if body.contains('_') && body.starts_with(|c: char| c.is_ascii_digit()) {
        digits(body, 10)?
    } else {
        return None;
    };
    if negative {
        value.checked_neg()
    } else {
        Some(value)
    }
}

/// Whether `segments` is a secret's declaration/// Whether `segments` is a secret's declaration: `defaults.secrets.<NAME>` or
/// `environments.<env>.secrets.<NAME>`.
fn is_secret_declaration(segments: &[String]) -> bool {
    match segments {
        [d, s, _] => d == "defaults" && s == "secrets",
        [e, _, s, _] => e == "environments" && s == "secrets",
        _ => false,
    }
}

/// Whether the last of `segments` is a key its mapping's schema lists as `required`.
fn is_required(schema: &Value, segments: &[String]) -> bool {
    let Some((key, parent)) = segments.split_last() else {
        return false;
    };
    schema_at(schema, parent).iter().any(|s| {
        s.get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(key)))
    })
}

/// Whether `s` is written as a YAML 1.2 number (digits, a point, an exponent) but is beyond
/// the largest double (`1e400`), which the loader keeps as text.
fn is_overflowing_number(s: &str) -> bool {
    let t = s.trim();
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && t.parse::<f64>().is_ok_and(f64::is_infinite)
}

/// Whether `s` is a plain scalar YAML 1.2's core schema reads as infinity or NaN (`.inf`,
/// `-.Inf`, `.NAN`), which the loader keeps as text.
fn is_infinity_or_nan(s: &str) -> bool {
    let s = s.trim();
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN")
}

/// The document as JSON, as it is validated: in an environment, an explicit `null` removes the
/// inherited value (see `resolve`), so it is not a value to validate and is left out, where the
/// schema knows the key (a property, or an entry of a named mapping: [`nullable`] lets the
/// published schema say so). A `null` under a key it does not know stays, and is reported as an
/// unknown key: `regoin: null` removed nothing without a word (review of stop 58).
pub fn instance(root: &Node) -> serde_json::Value {
    let mut instance = root.to_json();
    let schema = quick_schema();
    let defs = schema.get("$defs").unwrap_or(&Value::Null);
    if let (Some(envs), Some(environment)) = (
        instance
            .get_mut("environments")
            .and_then(|e| e.as_object_mut()),
        defs.get("EnvironmentSpec"),
    ) {
        for env in envs.values_mut() {
            strip_removals(env, environment, defs);
        }
    }
    instance
}

/// Removes, from the mappings under `value` (validated by `schema`), every `key: null` whose
/// key `schema` knows: a property, or any key of a mapping with entries
/// (`additionalProperties`).
fn strip_removals(value: &mut Value, schema: &Value, defs: &Value) {
    let Some(schema) = shape(schema, defs, &|s| {
        s.get("properties").is_some()
            || s.get("additionalProperties").is_some_and(Value::is_object)
            || s.get("items").is_some()
    }) else {
        return;
    };
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let entries = schema.get("additionalProperties").filter(|e| e.is_object());
            let known =
                |key: &str| properties.is_some_and(|p| p.contains_key(key)) || entries.is_some();
            map.retain(|key, v| !(v.is_null() && known(key)));
            for (key, v) in map.iter_mut() {
                if let Some(sub) = properties.and_then(|p| p.get(key)).or(entries) {
                    strip_removals(v, sub, defs);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                items.iter_mut().for_each(|v| strip_removals(v, item, defs));
            }
        }
        _ => {}
    }
}

/// The first schema `schema` is or leads to (through `$ref`s and `anyOf`/`oneOf`/`allOf`
/// branches, depth-first) for which `wanted` holds.
fn shape<'s>(
    schema: &'s Value,
    defs: &'s Value,
    wanted: &dyn Fn(&Value) -> bool,
) -> Option<&'s Value> {
    fn walk<'s>(
        schema: &'s Value,
        defs: &'s Value,
        wanted: &dyn Fn(&Value) -> bool,
        depth: usize,
    ) -> Option<&'s Value> {
        if depth > 16 {
            return None;
        }
        if wanted(schema) {
            return Some(schema);
        }
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            return walk(defs.get(name)?, defs, wanted, depth + 1);
        }
        ["anyOf", "oneOf", "allOf"].iter().find_map(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)?
                .iter()
                .find_map(|b| walk(b, defs, wanted, depth + 1))
        })
    }
    walk(schema, defs, wanted, 0)
}

/// One place of the model that holds a string: a value, or the keys of a mapping.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StringField {
    /// Dotted path from the top of the file; `*` stands for any key of a mapping, `[]` for
    /// any item of a list (`environments.*.services.*.command[]`).
    pub path: String,
    /// Whether the strings are the keys of the mapping at `path` (rather than values).
    pub key: bool,
    /// Whether the field may span several lines.
    pub multiline: bool,
    /// The value domain it belongs to (see [`domains`]), if any.
    pub domain: Option<&'static str>,
}

/// Every place of the model that holds a string, derived from the JSON Schema, sorted: what
/// property tests feed hostile strings into.
pub fn string_fields() -> Vec<StringField> {
    let schema = schema();
    let mut out = Vec::new();
    let mut here = Vec::new();
    alternatives(schema, schema, &mut here);
    collect_fields(schema, &here, String::new(), 0, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_fields(
    schema: &Value,
    here: &[&Value],
    path: String,
    depth: usize,
    out: &mut Vec<StringField>,
) {
    if depth > 16 {
        return;
    }
    let join = |step: &str| {
        if path.is_empty() {
            step.to_string()
        } else if step == "[]" {
            format!("{path}[]")
        } else {
            format!("{path}.{step}")
        }
    };
    let is_string = here.iter().any(|s| match s.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    });
    if is_string && !path.is_empty() {
        let domain = here
            .iter()
            .find_map(|s| s.get("x-domain").and_then(Value::as_str))
            .and_then(domains::find)
            .map(|d| d.name);
        out.push(StringField {
            path: path.clone(),
            key: false,
            multiline: here
                .iter()
                .any(|s| s.get("x-multiline").and_then(Value::as_bool) == Some(true)),
            domain,
        });
    }
    let mut properties: Vec<(&String, &Value)> = Vec::new();
    let mut any_key: Vec<&Value> = Vec::new();
    let mut items: Vec<&Value> = Vec::new();
    for s in here {
        if let Some(Value::Object(p)) = s.get("properties") {
            properties.extend(p.iter());
        }
        if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
            any_key.push(a);
        }
        if let Some(i) = s.get("items").filter(|i| i.is_object()) {
            items.push(i);
        }
    }
    for (name, sub) in properties {
        let mut next = Vec::new();
        alternatives(schema, sub, &mut next);
        collect_fields(schema, &next, join(name), depth + 1, out);
    }
    if !any_key.is_empty() {
        out.push(StringField {
            path: path.clone(),
            key: true,
            multiline: false,
            domain: here
                .iter()
                .find_map(|s| s.get("x-key-domain").and_then(Value::as_str))
                .and_then(domains::find)
                .map(|d| d.name),
        });
        let mut next = Vec::new();
        for a in any_key {
            alternatives(schema, a, &mut next);
        }
        collect_fields(schema, &next, join("*"), depth + 1, out);
    }
    if !items.is_empty() {
        let mut next = Vec::new();
        for i in items {
            alternatives(schema, i, &mut next);
        }
        collect_fields(schema, &next, join("[]"), depth + 1, out);
    }
}

/// Every `pattern` of the schema, sorted, once each (for the tests of how they match).
#[cfg(test)]
pub(crate) fn schema_patterns() -> Vec<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(p)) = m.get("pattern") {
                    out.push(p.clone());
                }
                m.values().for_each(|v| collect(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut patterns = Vec::new();
    collect(schema(), &mut patterns);
    patterns.sort();
    patterns.dedup();
    patterns
}

#[cfg(test)]
mod tests {
    use super::*;

    /// YAML 1.1's integer forms that YAML 1.2 reads as text are read back as YAML 1.1 read
    /// them; YAML 1.2's own integers, floats and other text are not.
    #[test]
    fn yaml_1_1_integers_are_read_back() {
        for (text, want) in [
            ("1_000", Some(1000)),
            ("-1_000", Some(-1000)),
            ("0b1010", Some(10)),
            ("+0b1_0", Some(2)),
            ("0xFF_FF", Some(65535)),
            ("0o7_7", Some(63)),
            ("1:30", Some(90)),
            ("1:30:00", Some(5400)),
            ("190:20:30", Some(685_230)),
            // Not YAML 1.1 integers, or YAML 1.2 ones (the loader read them as numbers).
            ("1:60", None),
            ("1:5:", None),
            (":30", None),
            ("_1", None),
            ("1__", Some(1)),
            ("0b", None),
            ("0b102", None),
            ("0xFF", None),
            ("1000", None),
            ("1.5", None),
            ("abc", None),
            ("1_000.5", None),
            ("9_223_372_036_854_775_808", None),
            ("", None),
        ] {
            assert_eq!(yaml11_integer(text), want, "{text}");
        }
    }

    /// The settings keys the misplaced-key help knows are every key of `Settings` in the
    /// schema: `api_keys`, added later, had no "belongs under `defaults:`" help (review of
    /// stop 60).
    #[test]
    fn the_misplaced_key_help_knows_every_setting() {
        let schema: serde_json::Value = serde_json::from_str(EMBEDDED_SCHEMA).unwrap();
        let mut keys: Vec<&str> = schema["$defs"]["Settings"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        for key in &keys {
            assert!(
                misplaced_help(key, &[]).is_some_and(|h| h.contains("under `defaults:`")),
                "{key}"
            );
        }
        assert_eq!(keys.len(), 9, "{keys:?}");
    }

    fn diags(text: &str) -> Vec<Diagnostic> {
        let (_, file) = crate::source::SourceMap::single("t.yaml");
        let (_, root) = crate::load::load(file, text.as_bytes()).expect("loads");
        check(file, &root)
    }

    /// The schema runs parse is the one the model derives: change the model (or a domain) and
    /// this fails until the embedded copy is rewritten (`TOFUGEN_UPDATE_SCHEMA=1`).
    #[test]
    fn the_embedded_schema_is_the_one_the_model_derives() {
        let derived = derive_schema_json();
        if std::env::var_os("TOFUGEN_UPDATE_SCHEMA").is_some() && derived != EMBEDDED_SCHEMA {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/schema_check/environments.schema.json"
            );
            std::fs::write(path, &derived).expect("writes the embedded schema");
            panic!("rewrote {path}: build again");
        }
        assert!(
            derived == EMBEDDED_SCHEMA,
            "src/schema_check/environments.schema.json is not the schema the model derives: \
             run `TOFUGEN_UPDATE_SCHEMA=1 cargo test --lib schema_check`, then `cargo run -- generate`"
        );
        assert_eq!(*schema(), derive_schema());
    }

    #[test]
    fn committed_config_is_schema_valid() {
        let text = include_str!("../../environments.yaml");
        assert_eq!(diags(text), Vec::new());
    }

    #[test]
    fn environment_sections_reject_unknown_keys() {
        let env = derive_schema();
        assert_eq!(
            env.pointer("/$defs/EnvironmentSpec/additionalProperties"),
            Some(&Value::Bool(false))
        );
        let d = diags(
            "project: p\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\nenvironments:\n  staging:\n    regoin: fr-par\n",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            "unknown key `regoin` in `environments.staging`"
        );
        assert_eq!(d[0].help.as_deref(), Some("did you mean `region`?"));
        assert_eq!((d[0].span.unwrap().line, d[0].span.unwrap().col), (5, 5));
    }

    /// Unknown keys of one mapping past the hundred described are counted in one more
    /// diagnostic, and the hundred described are the first in the file (the validator lists
    /// them by name): two had been dropped without a word (sweep 30, F4).
    #[test]
    fn unknown_keys_past_a_hundred_are_counted_in_file_order() {
        let keys: String = (0..102)
            .map(|i| format!("  z{:03}: 1\n", 101 - i))
            .collect();
        let text = format!(
            "project: p\nversions: {{opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}}\ndefaults:\n{keys}environments:\n  s: {{}}\n"
        );
        let (_, file) = crate::source::SourceMap::single("t.yaml");
        let (_, root) = crate::load::load(file, text.as_bytes()).expect("loads");
        let d = check_with_source(file, Some(&text), &root);
        let described: Vec<&str> = d
            .iter()
            .filter(|d| d.message.starts_with("unknown key"))
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(described.len(), 100, "{d:#?}");
        assert!(
            described[0].starts_with("unknown key `z101`"),
            "{described:?}"
        );
        let more: Vec<&Diagnostic> = d
            .iter()
            .filter(|d| d.message.starts_with("2 more unknown keys in `defaults`"))
            .collect();
        assert_eq!(more.len(), 1, "{d:#?}");
        assert_eq!(more[0].omitted, 2);
        // At the first key not described: `z001`, line 4 + 100.
        let at = more[0].span.expect("a position").start;
        assert!(text[at..].starts_with("z001"), "{}", &text[at..at + 10]);
    }

    #[test]
    fn every_error_is_reported_once() {
        let d = diags(
            "project: p\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0}\nenvironments:\n  s:\n    zone: 1\n    tier: x\n",
        );
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("random_provider")));
        assert!(messages.iter().any(|m| m.contains("`environments.s.zone`")));
        assert!(messages.iter().any(|m| m.contains("`environments.s.tier`")));
    }

    #[test]
    fn string_fields_cover_the_model() {
        let fields = string_fields();
        let has = |path: &str, key: bool| fields.iter().any(|f| f.path == path && f.key == key);
        for path in [
            "project",
            "versions.opentofu",
            "ci.branch",
            "defaults.region",
            "defaults.services.*.image",
            "defaults.services.*.env.*",
            "defaults.services.*.command[]",
            "defaults.services.*.probes.liveness.path",
            "defaults.database.settings.*",
            "defaults.alerts.rules.*.description",
            "environments.*.services.*.description",
            "environments.*.promote_from",
            "policy.overrides[].reason",
            "policy.overrides[].environments[]",
        ] {
            assert!(has(path, false), "{path}: {fields:#?}");
        }
        for path in [
            "environments",
            "defaults.services",
            "defaults.alerts.rules",
            "environments.*.secrets",
        ] {
            assert!(has(path, true), "{path}");
        }
        let expr = fields
            .iter()
            .find(|f| f.path == "defaults.alerts.rules.*.expr")
            .unwrap();
        assert!(expr.multiline);
        assert!(fields.len() > 80, "{}", fields.len());
    }

    /// The committed configuration, the fixtures and mutations of the committed configuration:
    /// where the quick check decides, it decides as `jsonschema` does; and it decides every
    /// valid document (else the validator would be built on every run again).
    #[test]
    fn the_quick_check_agrees_with_the_validator() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut docs: Vec<(String, bool, String)> = Vec::new();
        for (dir, valid) in [
            ("tests/fixtures/valid", true),
            ("tests/fixtures/invalid", false),
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let mut paths: Vec<_> = entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                docs.push((p.display().to_string(), valid, text));
            }
        }
        let committed = include_str!("../../environments.yaml");
        docs.push(("environments.yaml".into(), true, committed.to_string()));
        let lines: Vec<&str> = committed.lines().collect();
        for i in 0..lines.len() {
            let mut removed = lines.clone();
            removed.remove(i);
            docs.push((format!("line {i} removed"), false, removed.join("\n")));
            let Some((key, _)) = lines[i].split_once(": ") else {
                continue;
            };
            for r in ["-1", "1.5", "x", "[]", "null", "\"\u{a0}\"", "0s", "0MB"] {
                let mut copy = lines.clone();
                let replaced = format!("{key}: {r}");
                copy[i] = &replaced;
                docs.push((format!("line {i}: {r}"), false, copy.join("\n")));
            }
        }
        let mut stripped = schema().clone();
        strip_property_names(&mut stripped);
        assert_ne!(
            stripped,
            *schema(),
            "the schema has propertyNames to ignore"
        );
        let (mut decided, mut total) = (0, 0);
        for (name, must_be_valid, text) in &docs {
            let Ok((_, tree)) = crate::load::load(
                crate::source::SourceMap::single("t.yaml").1,
                text.as_bytes(),
            ) else {
                continue;
            };
            let instance = instance(&tree);
            let full = validator().is_valid(&instance);
            let quick = fast::verdict_ignoring_property_names(schema(), &instance);
            // The schema without annotations decides, and finds the same string problems, as
            // the full one (what a run uses, and what describes errors).
            assert_eq!(
                fast::verdict_ignoring_property_names(quick_schema(), &instance),
                quick,
                "{name}: the quick schema"
            );
            assert_eq!(
                format!("{:?}", strings::problems(quick_schema(), &tree)),
                format!("{:?}", strings::problems(schema(), &tree)),
                "{name}: string problems against the quick schema"
            );
            assert_eq!(
                quick,
                fast::verdict(&stripped, &instance),
                "{name}: ignoring propertyNames is removing them"
            );
            total += 1;
            if quick != fast::Verdict::Unsure {
                decided += 1;
                assert_eq!(quick == fast::Verdict::Valid, full, "{name}");
            }
            if *must_be_valid {
                assert_eq!(quick, fast::Verdict::Valid, "{name}: not decided");
            }
        }
        assert!(
            total > 500 && decided == total,
            "{decided} of {total} decided"
        );
    }

    #[test]
    fn the_quick_schema_is_the_schema_without_its_annotations() {
        let (full, quick) = (schema(), quick_schema());
        assert!(full.get("description").is_some() && full.get("title").is_some());
        assert_eq!(quick.get("description"), None);
        assert_eq!(quick.get("title"), None);
        assert!(serde_json::to_string(quick).unwrap().len() * 3 < EMBEDDED_SCHEMA.len() * 2);
        // Every definition keeps its properties, those named like an annotation too (a
        // service's `description`), each without its own annotations.
        let defs = |s: &'static Value| s["$defs"].as_object().expect("$defs");
        assert_eq!(
            defs(full).keys().collect::<Vec<_>>(),
            defs(quick).keys().collect::<Vec<_>>()
        );
        for (name, def) in defs(full) {
            let names = |d: &Value| {
                d.get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect::<Vec<_>>())
            };
            assert_eq!(names(def), names(&defs(quick)[name]), "{name}");
        }
        let (description, full_description) = (
            &defs(quick)["ServiceSpec"]["properties"]["description"],
            &defs(full)["ServiceSpec"]["properties"]["description"],
        );
        assert!(description["type"].to_string().contains("\"string\""));
        assert_eq!(description["type"], full_description["type"]);
        assert_eq!(description.get("description"), None);
        assert!(full_description["description"].is_string());
    }

    /// Each pattern of the schema matches what `jsonschema` matches, on text made to differ
    /// between regex dialects (Unicode digits, spaces and line breaks, case, edges).
    #[test]
    fn the_quick_check_matches_patterns_like_the_validator() {
        let patterns = super::schema_patterns();
        assert!(patterns.len() > 15, "{patterns:?}");
        let samples = [
            "",
            " ",
            "a",
            "A",
            "0",
            "9",
            "\u{661}",
            "\u{6f1}2",
            "12",
            "1.5",
            "500m",
            "0.5",
            "2GB",
            "2gb",
            "30s",
            "\u{a0}",
            "\u{feff}",
            "\u{2028}",
            "a\nb",
            "a\n",
            "\nb",
            "x\u{301}",
            "api",
            "api-2",
            "Api",
            "a_b",
            "a.b",
            "/health",
            "/h%2F",
            "/h%zz",
            "https://x.y/z",
            "http://x:8080/",
            "owner/name",
            "o/n/m",
            "PostgreSQL-16",
            "DB-DEV-S",
            "0 3 * * *",
            "1.12.6",
            "{project}-{env}",
            "x${{y",
            "\u{212a}",
            "\u{130}",
            "\u{1c5}",
        ];
        for p in &patterns {
            let schema = serde_json::json!({ "pattern": p });
            let full = jsonschema::draft202012::options().build(&schema).unwrap();
            for s in samples {
                let instance = Value::String(s.to_string());
                let quick = fast::verdict(&schema, &instance);
                assert_ne!(quick, fast::Verdict::Unsure, "{p}");
                assert_eq!(
                    quick == fast::Verdict::Valid,
                    full.is_valid(&instance),
                    "{p} on {s:?}"
                );
            }
        }
    }

    #[test]
    fn unit_suggestions() {
        assert_eq!(suggest_unit("Memory", "2 GiB").as_deref(), Some("2GB"));
        assert_eq!(
            suggest_unit("Duration", "10 minutes").as_deref(),
            Some("10m")
        );
        assert_eq!(suggest_unit("Cpu", "2 vcpu").as_deref(), Some("2"));
        assert_eq!(suggest_unit("Memory", "lots"), None);
        assert_eq!(
            first_sentence("Exact version (e.g. `3.7.2`). More."),
            "Exact version (e.g. `3.7.2`)"
        );
    }
}
