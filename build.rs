//! Embeds the module library (`modules/`) in the binary: `generate` vendors it into a user's
//! repository (`generated/modules/`), pinned to the tofugen version that wrote it. Test suites
//! (`modules/*/tests/`) stay in tofugen's repository: they are tofugen's proof, not the user's.
//!
//! Also indexes the vendored provider schema (`schema/scaleway-provider-schema.json`, embedded by
//! `src/prove/provider.rs`): the byte range of the provider's own schema and of each type's, so
//! that a run parses only the types it meets instead of scanning the whole file (1.1 MB).
//!
//! And compiles the domain patterns (`src/schema_check/domains.rs`) and the translations of the
//! JSON Schema's patterns to DFAs, so that a run deserializes them instead of compiling them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let modules = root.join("modules");
    println!("cargo:rerun-if-changed=modules");
    let mut files = Vec::new();
    collect(&modules, &modules, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of the module library: path relative to `modules/`, contents.\n\
         pub static FILES: &[(&str, &str)] = &[\n",
    );
    // Named from the crate's own directory when it is compiled, not from this script's: a
    // target directory shared by checkouts at other paths (as CI's cache is) reuses this output.
    for rel in &files {
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
            format!("/modules/{rel}")
        );
    }
    out.push_str("];\n");
    // FNV-1a (64 bits) of every `.tf` file, path then contents, each followed by a NUL: what
    // `prove::library`'s committed table of interfaces was computed from.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for rel in files.iter().filter(|r| r.ends_with(".tf")) {
        let contents = std::fs::read(modules.join(rel)).expect("read a module file");
        for b in rel.bytes().chain([0]).chain(contents).chain([0]) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let _ = writeln!(
        out,
        "/// FNV-1a (64 bits) of the library's `.tf` files (build.rs).\n\
         pub const TF_FINGERPRINT: &str = \"{hash:016x}\";"
    );
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out_dir.join("modules.rs"), out).expect("write modules.rs");
    provider_index(&root, &out_dir);
    domain_dfas(&root, &out_dir);
    quick_schema(&root, &out_dir);
}

/// Keywords whose value is one subschema, a map of subschemas, or an array of subschemas: where
/// [`strip_annotations`] descends. Anything else (`enum`, `const`, `default`, `x-*`) is data.
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
];
const SUBSCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];
const SUBSCHEMA_ARRAYS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// The annotations [`strip_annotations`] removes: what the valid path never reads.
const ANNOTATIONS: &[&str] = &["$comment", "title", "description", "default", "examples"];

/// Removes the [`ANNOTATIONS`] of `schema` and of its subschemas, and only there: a property
/// named `description` stays a property.
fn strip_annotations(schema: &mut serde_json::Value) {
    let serde_json::Value::Object(map) = schema else {
        return;
    };
    map.retain(|k, _| !ANNOTATIONS.contains(&k.as_str()));
    for (key, value) in map.iter_mut() {
        if SUBSCHEMA.contains(&key.as_str()) {
            strip_annotations(value);
        } else if SUBSCHEMA_MAPS.contains(&key.as_str()) {
            if let serde_json::Value::Object(m) = value {
                m.values_mut().for_each(strip_annotations);
            }
        } else if SUBSCHEMA_ARRAYS.contains(&key.as_str())
            && let serde_json::Value::Array(a) = value
        {
            a.iter_mut().for_each(strip_annotations);
        }
    }
}

/// Writes `quick_schema.json` into `out_dir`: the embedded JSON Schema without its annotations
/// ([`strip_annotations`]), compact. A valid configuration is checked against it
/// (`schema_check::quick_schema`): a third of the text to parse on each run; the full schema is
/// parsed only to describe errors.
fn quick_schema(root: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-changed=src/schema_check/environments.schema.json");
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src/schema_check/environments.schema.json"))
            .expect("read src/schema_check/environments.schema.json"),
    )
    .expect("the embedded JSON Schema parses");
    strip_annotations(&mut schema);
    schema_keys(&schema, out_dir);
    std::fs::write(
        out_dir.join("quick_schema.json"),
        serde_json::to_string(&schema).expect("serializes"),
    )
    .expect("write quick_schema.json");
}

/// Writes `schema_keys.rs` into `out_dir`: every property name of the schema, sorted
/// (`policy::named_values` shows their values: they hold settings, not secrets).
fn schema_keys(schema: &serde_json::Value, out_dir: &Path) {
    let mut keys = std::collections::BTreeSet::new();
    let mut todo = vec![schema];
    while let Some(v) = todo.pop() {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                    keys.extend(props.keys().cloned());
                }
                todo.extend(map.values());
            }
            serde_json::Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    let mut out = String::from(
        "/// Every property name of the configuration's schema, sorted (build.rs).\n\
         pub(crate) const SCHEMA_KEYS: &[&str] = &[\n",
    );
    for key in &keys {
        let _ = writeln!(out, "    {key:?},");
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("schema_keys.rs"), out).expect("write schema_keys.rs");
}

/// Writes `domain_dfas.bin` and `domain_dfas.rs` into `out_dir`: every domain pattern of
/// `src/schema_check/domains.rs` (each `pattern: Some(r"...")`) compiled to a dense DFA (the
/// regex crate's syntax and semantics, unanchored searches), serialized for the target's
/// endianness, each at an offset that is a multiple of 8; and the index of the blob (pattern,
/// offset, length). `schema_check::domains::Matcher` deserializes them instead of compiling the
/// patterns on each run; a pattern missing here is compiled at run time, and a test checks that
/// none is missing. Also the translations (ECMA-262 to the regex crate, as `jsonschema` makes
/// them) of the escaped domain patterns and of every `pattern` of the embedded JSON Schema, in
/// `TRANSLATIONS`, each compiled too.
fn domain_dfas(root: &Path, out_dir: &Path) {
    use regex_automata::dfa::{StartKind, dense};
    println!("cargo:rerun-if-changed=src/schema_check/domains.rs");
    let text = std::fs::read_to_string(root.join("src/schema_check/domains.rs"))
        .expect("read src/schema_check/domains.rs");
    let little = std::env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() != Ok("big");
    let mut patterns: Vec<&str> = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("pattern: Some(") {
        rest = rest[at + "pattern: Some(".len()..].trim_start();
        // Raw strings without `#`: the patterns hold no `"`.
        let Some(body) = rest.strip_prefix("r\"") else {
            continue;
        };
        let Some(end) = body.find('"') else {
            break;
        };
        if !patterns.contains(&&body[..end]) {
            patterns.push(&body[..end]);
        }
        rest = &body[end..];
    }
    // A pattern with an escape may mean something else in ECMA-262 (the schema's dialect, e.g.
    // `\S`): the schema check matches its translation, as `jsonschema` translates it. Every
    // such translation is listed, and those not compiled already are compiled too, so that no
    // run translates or compiles a pattern of the schema.
    let mut translations = String::from(
        "/// Each domain pattern with an escape and each other pattern of the JSON Schema, and its \
         translation from ECMA-262 to the regex crate's syntax as `jsonschema` translates it (often \
         the same pattern).\n\
         pub static TRANSLATIONS: &[(&str, &str)] = &[\n",
    );
    // The JSON Schema's own `pattern`s (the domains', and the unit types' such as durations and
    // sizes) are translated and compiled the same way: the schema check matches them all.
    println!("cargo:rerun-if-changed=src/schema_check/environments.schema.json");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src/schema_check/environments.schema.json"))
            .expect("read src/schema_check/environments.schema.json"),
    )
    .expect("the embedded JSON Schema parses");
    let mut schema_patterns: Vec<String> = Vec::new();
    collect_patterns(&schema, &mut schema_patterns);
    let mut translated: Vec<String> = Vec::new();
    let escaped = patterns
        .iter()
        .filter(|p| p.contains('\\'))
        .map(|p| p.to_string());
    let mut to_translate: Vec<String> = escaped.collect();
    for p in schema_patterns {
        // A domain pattern without escapes is used as written: no translation needed.
        let as_written = patterns.contains(&p.as_str()) && !p.contains('\\');
        if !as_written && !to_translate.contains(&p) {
            to_translate.push(p);
        }
    }
    for pattern in &to_translate {
        let rust = jsonschema_regex::to_rust_regex(pattern)
            .unwrap_or_else(|e| panic!("pattern {pattern:?} does not translate: {e:?}"))
            .into_owned();
        let _ = writeln!(translations, "    ({pattern:?}, {rust:?}),");
        if !patterns.contains(&rust.as_str()) && !translated.contains(&rust) {
            translated.push(rust);
        }
    }
    translations.push_str("];\n");
    let mut blob: Vec<u8> = Vec::new();
    let mut index = String::from(
        "/// Every domain pattern, and each translation in `TRANSLATIONS`, compiled to a dense DFA: \
         pattern, offset and length in the blob.\n\
         pub static DFAS: &[(&str, usize, usize)] = &[\n",
    );
    for pattern in patterns
        .iter()
        .copied()
        .chain(translated.iter().map(String::as_str))
    {
        let dfa = dense::Builder::new()
            .configure(dense::Config::new().start_kind(StartKind::Unanchored))
            .build(pattern)
            .unwrap_or_else(|e| panic!("domain pattern {pattern:?}: {e}"));
        let (bytes, pad) = if little {
            dfa.to_bytes_little_endian()
        } else {
            dfa.to_bytes_big_endian()
        };
        while !blob.len().is_multiple_of(8) {
            blob.push(0);
        }
        let _ = writeln!(
            index,
            "    ({pattern:?}, {}, {}),",
            blob.len(),
            bytes.len() - pad
        );
        blob.extend_from_slice(&bytes[pad..]);
    }
    index.push_str("];\n");
    index.push_str(&translations);
    std::fs::write(out_dir.join("domain_dfas.bin"), blob).expect("write domain_dfas.bin");
    std::fs::write(out_dir.join("domain_dfas.rs"), index).expect("write domain_dfas.rs");
}

/// Every `pattern` keyword's string under `value`, once each, in document order.
fn collect_patterns(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("pattern", serde_json::Value::String(p)) => {
                        if !out.contains(p) {
                            out.push(p.clone());
                        }
                    }
                    _ => collect_patterns(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

/// Writes `provider_index.rs` into `out_dir`: the byte ranges, in the provider schema's text, of the
/// provider's configuration schema and of every resource, data source and ephemeral resource
/// schema (sorted by type name).
fn provider_index(root: &Path, out_dir: &Path) {
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;
    type Raws<'a> = BTreeMap<&'a str, &'a RawValue>;
    println!("cargo:rerun-if-changed=schema/scaleway-provider-schema.json");
    let path = root.join("schema/scaleway-provider-schema.json");
    let text = std::fs::read_to_string(&path).expect("read the provider schema");
    let range = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        (start, start + raw.get().len())
    };
    let top: Raws<'_> = serde_json::from_str(&text).expect("the provider schema is a JSON object");
    let schemas: Raws<'_> = serde_json::from_str(top["provider_schemas"].get())
        .expect("`provider_schemas` is an object");
    let (_, scaleway) = schemas
        .iter()
        .find(|(name, _)| name.ends_with("/scaleway"))
        .expect("the schema describes the scaleway provider");
    let scaleway: Raws<'_> = serde_json::from_str(scaleway.get()).expect("an object");
    let (start, end) = range(scaleway["provider"]);
    let mut out = format!(
        "/// Byte range of the provider's configuration schema.\n\
         pub static PROVIDER: (usize, usize) = ({start}, {end});\n\
         /// Per kind (resource, data source, ephemeral resource): type name and byte range of its\n\
         /// schema, sorted by name.\n\
         pub static TYPES: [&[(&str, usize, usize)]; 3] = [\n"
    );
    for key in [
        "resource_schemas",
        "data_source_schemas",
        "ephemeral_resource_schemas",
    ] {
        let types: Raws<'_> = match scaleway.get(key) {
            Some(raw) => serde_json::from_str(raw.get()).expect("an object"),
            None => BTreeMap::new(),
        };
        out.push_str("    &[\n");
        for (name, raw) in types {
            let (start, end) = range(raw);
            let _ = writeln!(out, "        ({name:?}, {start}, {end}),");
        }
        out.push_str("    ],\n");
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("provider_index.rs"), out).expect("write provider_index.rs");
}

/// Every regular file under `dir` (relative to `base`, `/`-separated), outside `tests/`
/// directories and OpenTofu working directories.
fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ty) = entry.file_type() else { continue };
        if ty.is_dir() {
            if name != "tests" && name != ".terraform" {
                collect(base, &path, out);
            }
        } else if ty.is_file()
            && !name.starts_with('.')
            && let Ok(rel) = path.strip_prefix(base)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
