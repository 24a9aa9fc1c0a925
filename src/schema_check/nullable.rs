//! The `null`s an environment may write, in the published schema.
//!
//! In an environment, `key: null` removes the inherited value (back to the built-in default, or
//! the inherited service, secret, variable, database setting or alert rule of that name:
//! `crate::resolve`), and the schema stage validates the document without those entries
//! ([`super::instance`]). The schema derived from the model refused most of them (a service's
//! entry must be a service): an editor reading the published schema underlined `services:
//! { worker: null }`, which the README documents and tofugen accepts (sweep 57, H3-9).
//!
//! [`allow_removals`] makes the schema say what tofugen accepts: under `environments`, a
//! property's value may be `null` exactly when leaving the property out is valid (it is not
//! `required`), and a named mapping's entry (`additionalProperties`) may always be `null`.
//! `defaults` holds no removal (there is nothing to remove), so the definitions it uses are
//! unchanged: the environment's are copies (`<Name>InEnvironment`). Since the schema stage never
//! sees those `null`s, what it accepts and how it describes an error are the same as before.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// The definition of an environment's section, which only `environments` uses.
const ENVIRONMENT: &str = "EnvironmentSpec";
/// The suffix of a definition's copy for environments.
const SUFFIX: &str = "InEnvironment";

/// Rewrites `schema` (with its `$defs`) so that, under `environments`, every removal tofugen
/// accepts is valid: see the module documentation.
pub fn allow_removals(schema: &mut Value) {
    let Some(defs) = schema.get("$defs").and_then(Value::as_object) else {
        return;
    };
    let copied = definitions_to_copy(defs);
    let mut copies: BTreeMap<String, Value> = BTreeMap::new();
    for name in &copied {
        let mut copy = defs[name.as_str()].clone();
        rewrite(&mut copy, &copied);
        copies.insert(format!("{name}{SUFFIX}"), copy);
    }
    let defs = schema
        .get_mut("$defs")
        .and_then(Value::as_object_mut)
        .expect("checked above");
    if let Some(environment) = defs.get_mut(ENVIRONMENT) {
        rewrite(environment, &copied);
    }
    defs.extend(copies);
}

/// The definitions the environment's section reaches (through `$ref`s, transitively) that hold
/// an object schema, or reach one: each needs a copy whose properties may be `null`.
fn definitions_to_copy(defs: &Map<String, Value>) -> BTreeSet<String> {
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<&str> = vec![ENVIRONMENT];
    while let Some(name) = queue.pop() {
        let mut refs = Vec::new();
        if let Some(def) = defs.get(name) {
            references(def, &mut refs);
        }
        for r in refs {
            if defs.contains_key(r) && reached.insert(r.to_string()) {
                queue.push(r);
            }
        }
    }
    reached.remove(ENVIRONMENT);
    // Those holding an object schema, then those reaching a copied one, until none is added.
    let mut copied: BTreeSet<String> = reached
        .iter()
        .filter(|name| holds_object(&defs[name.as_str()]))
        .cloned()
        .collect();
    loop {
        let more: Vec<String> = reached
            .iter()
            .filter(|name| !copied.contains(*name))
            .filter(|name| {
                let mut refs = Vec::new();
                references(&defs[name.as_str()], &mut refs);
                refs.iter().any(|r| copied.contains(*r))
            })
            .cloned()
            .collect();
        if more.is_empty() {
            return copied;
        }
        copied.extend(more);
    }
}

/// The definitions `value` names in its `$ref`s (`#/$defs/<name>`), at every depth.
fn references<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    let Value::Object(map) = value else {
        return;
    };
    if let Some(name) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        out.push(name);
    }
    for sub in subschemas(map) {
        references(sub, out);
    }
}

/// Whether `value` (a schema) is, or holds, an object schema with properties or entries.
fn holds_object(value: &Value) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    map.contains_key("properties")
        || map
            .get("additionalProperties")
            .is_some_and(Value::is_object)
        || subschemas(map).any(holds_object)
}

/// The schemas `map` (a schema) holds directly: its properties', its entries', its items', its
/// branches' (never an annotation's: a `default` or an example is data).
fn subschemas(map: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    map.iter()
        .flat_map(|(key, v)| -> Box<dyn Iterator<Item = &Value> + '_> {
            match (key.as_str(), v) {
                ("properties" | "patternProperties", Value::Object(named)) => {
                    Box::new(named.values())
                }
                (_, Value::Array(branches)) if is_schema_keyword(key) => Box::new(branches.iter()),
                (_, Value::Object(_)) if is_schema_keyword(key) => Box::new(std::iter::once(v)),
                _ => Box::new(std::iter::empty()),
            }
        })
}

/// Whether `key`'s value is a schema, or schemas: what the rewriting walks into (never an
/// annotation: a `default` or an example is data).
fn is_schema_keyword(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "additionalProperties"
            | "items"
            | "prefixItems"
            | "anyOf"
            | "oneOf"
            | "allOf"
            | "not"
            | "if"
            | "then"
            | "else"
    )
}

/// `schema` for an environment: its `$ref`s to copied definitions point at the copies, its
/// optional properties and its named mappings' entries may be `null`, at every depth.
fn rewrite(schema: &mut Value, copied: &BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
                && copied.contains(name)
            {
                *r = format!("#/$defs/{name}{SUFFIX}");
            }
            let required: BTreeSet<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    rewrite(property, copied);
                    if !required.contains(name) {
                        allow_null(property);
                    }
                }
            }
            if let Some(entry @ Value::Object(_)) = map.get_mut("additionalProperties") {
                rewrite(entry, copied);
                allow_null(entry);
            }
            for (key, v) in map.iter_mut() {
                if is_schema_keyword(key)
                    && !matches!(key.as_str(), "properties" | "additionalProperties")
                {
                    rewrite(v, copied);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, copied)),
        _ => {}
    }
}

/// `schema`, also accepting `null` (unchanged when it does already), in the shape schemars
/// gives an optional field: `"type": [T, "null"]` (with `null` in its `enum`), or an `anyOf`
/// with a `null` branch, its annotations kept outside.
fn allow_null(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if accepts_null(map) {
        return;
    }
    let null = || Value::String("null".into());
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), Value::Array(vec![Value::String(t), null()]));
            add_null_to_enum(map);
            return;
        }
        Some(Value::Array(types)) => {
            types.push(null());
            add_null_to_enum(map);
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        branches.push(serde_json::json!({ "type": "null" }));
        return;
    }
    // A `$ref` (or a `oneOf`, an `allOf`): moved into an `anyOf` beside a `null` branch, the
    // annotations left where an editor reads them.
    let mut branch = Map::new();
    for key in ["$ref", "oneOf", "allOf", "enum", "const"] {
        if let Some(v) = map.remove(key) {
            branch.insert(key.to_string(), v);
        }
    }
    if branch.is_empty() {
        // No keyword that could refuse `null`: it is accepted already (an empty schema).
        return;
    }
    map.insert(
        "anyOf".into(),
        Value::Array(vec![
            Value::Object(branch),
            serde_json::json!({ "type": "null" }),
        ]),
    );
}

/// Whether the schema `map` accepts `null` as it is: a `null` type, or a `null` branch of its
/// `anyOf`, or no keyword that would refuse it.
fn accepts_null(map: &Map<String, Value>) -> bool {
    let is_null = |t: &Value| t == "null";
    match map.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(types)) if types.iter().any(is_null) => {
            return map
                .get("enum")
                .and_then(Value::as_array)
                .is_none_or(|values| values.contains(&Value::Null));
        }
        Some(_) => return false,
        None => {}
    }
    if let Some(Value::Array(branches)) = map.get("anyOf") {
        return branches
            .iter()
            .any(|b| b.get("type").is_some_and(|t| t == "null"));
    }
    !["$ref", "oneOf", "allOf", "enum", "const", "not"]
        .iter()
        .any(|k| map.contains_key(*k))
}

/// Adds `null` to the `enum` of `map`, when it has one without it.
fn add_null_to_enum(map: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The rewriting on a small schema: an environment's named mapping and optional property
    /// may be `null`, a required one may not; `defaults`' definitions are untouched, and the
    /// environment's point at copies; a nested object is rewritten too.
    #[test]
    fn an_environment_may_remove_what_is_optional_and_nothing_required() {
        let mut schema = json!({
            "properties": {
                "defaults": {"$ref": "#/$defs/Settings"},
                "environments": {"additionalProperties": {"$ref": "#/$defs/EnvironmentSpec"}}
            },
            "$defs": {
                "Settings": {"type": "object", "properties": {
                    "services": {"type": ["object", "null"], "additionalProperties": {"$ref": "#/$defs/Service"}}
                }},
                "EnvironmentSpec": {"type": "object", "properties": {
                    "services": {"type": ["object", "null"], "additionalProperties": {"$ref": "#/$defs/Service"}},
                    "region": {"type": "string", "enum": ["fr-par", "nl-ams"], "description": "d"}
                }},
                "Service": {"type": "object", "required": ["image"], "properties": {
                    "image": {"type": "string"},
                    "privacy": {"$ref": "#/$defs/Privacy", "description": "p"},
                    "probe": {"type": "object", "properties": {"path": {"type": "string"}}}
                }},
                "Privacy": {"type": "string", "enum": ["public", "private"]}
            }
        });
        allow_removals(&mut schema);
        let defs = &schema["$defs"];
        assert_eq!(
            defs["EnvironmentSpec"]["properties"]["services"]["additionalProperties"],
            json!({"anyOf": [{"$ref": "#/$defs/ServiceInEnvironment"}, {"type": "null"}]})
        );
        assert_eq!(
            defs["EnvironmentSpec"]["properties"]["region"],
            json!({"type": ["string", "null"], "enum": ["fr-par", "nl-ams", null], "description": "d"})
        );
        // `defaults` is untouched: its services are still services.
        assert_eq!(
            defs["Settings"]["properties"]["services"]["additionalProperties"],
            json!({"$ref": "#/$defs/Service"})
        );
        assert_eq!(
            defs["Service"]["properties"]["image"],
            json!({"type": "string"})
        );
        let copy = &defs["ServiceInEnvironment"]["properties"];
        assert_eq!(copy["image"], json!({"type": "string"}), "required");
        assert_eq!(
            copy["privacy"],
            json!({"anyOf": [{"$ref": "#/$defs/Privacy"}, {"type": "null"}], "description": "p"})
        );
        assert_eq!(
            copy["probe"]["properties"]["path"],
            json!({"type": ["string", "null"]})
        );
        assert_eq!(copy["probe"]["type"], json!(["object", "null"]));
        // An enumeration holds no object: it is not copied.
        assert!(defs.get("PrivacyInEnvironment").is_none());
    }
}
