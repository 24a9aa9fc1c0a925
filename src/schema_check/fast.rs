//! A quick yes-or-unsure validity check of an instance against the derived JSON Schema, so that
//! the `jsonschema` validator (most of a small run's instructions to build: the schema is
//! compiled, regexes and all) is built only when a document may have errors to describe.
//!
//! It knows exactly the keywords the derived schema uses (`$ref` into `$defs`, `type`,
//! `properties`, `additionalProperties`, `required`, `items`, `anyOf`, `oneOf`, `allOf`,
//! `enum`, `const`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
//! `minLength`, `maxLength`, `minItems`, `maxItems`) with the semantics `jsonschema` gives them
//! (an integer is a number without a fractional part, as in JSON Schema; numbers compare by
//! value; patterns are ECMA-262, translated as `jsonschema` translates them; `format` is an
//! annotation). Anything else (another keyword, a pattern it cannot compile, a `$ref` it cannot
//! follow) makes the verdict [`Verdict::Unsure`], and the caller asks `jsonschema`. Only
//! [`Verdict::Valid`] lets the caller skip it; the tests compare both on every corpus.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Number, Value};

/// The outcome of [`verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The instance is valid.
    Valid,
    /// The instance is invalid.
    Invalid,
    /// The check met something it does not know: ask the full validator.
    Unsure,
}

impl Verdict {
    fn and(self, other: impl FnOnce() -> Verdict) -> Verdict {
        match self {
            Verdict::Invalid => Verdict::Invalid,
            Verdict::Valid => other(),
            Verdict::Unsure => match other() {
                Verdict::Invalid => Verdict::Invalid,
                _ => Verdict::Unsure,
            },
        }
    }
}

/// Keywords that do not constrain the instance (annotations), or that a containing keyword
/// reads (`$defs`).
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$defs",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
];

/// Nested `$ref`s followed without descending into the instance before giving up.
const MAX_REF_CHAIN: usize = 32;

/// Whether `instance` is valid against `root` (a schema whose `$ref`s point into itself).
pub fn verdict(root: &Value, instance: &Value) -> Verdict {
    let root = Root {
        schema: root,
        ignore_property_names: false,
    };
    check(root, root.schema, instance, 0)
}

/// [`verdict`] against `root` with every `propertyNames` keyword removed (for a caller that
/// checks key names itself), without copying the schema to remove them.
pub fn verdict_ignoring_property_names(root: &Value, instance: &Value) -> Verdict {
    let root = Root {
        schema: root,
        ignore_property_names: true,
    };
    check(root, root.schema, instance, 0)
}

/// The schema `$ref`s point into, and how `propertyNames` is read.
#[derive(Clone, Copy)]
struct Root<'a> {
    schema: &'a Value,
    /// `propertyNames` is taken as absent (else it is a keyword this check does not know).
    ignore_property_names: bool,
}

fn check(root: Root<'_>, schema: &Value, instance: &Value, refs: usize) -> Verdict {
    let map = match schema {
        Value::Bool(true) => return Verdict::Valid,
        Value::Bool(false) => return Verdict::Invalid,
        Value::Object(map) => map,
        _ => return Verdict::Unsure,
    };
    let mut out = Verdict::Valid;
    for (keyword, value) in map {
        let v = match keyword.as_str() {
            "$ref" => {
                let target = value
                    .as_str()
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|p| root.schema.pointer(p));
                match target {
                    Some(t) if refs < MAX_REF_CHAIN => check(root, t, instance, refs + 1),
                    _ => Verdict::Unsure,
                }
            }
            "type" => types(value, instance),
            "enum" => match value {
                Value::Array(options) => valid_if(options.iter().any(|o| equal(o, instance))),
                _ => Verdict::Unsure,
            },
            "const" => valid_if(equal(value, instance)),
            "pattern" => match (value.as_str(), instance) {
                (Some(p), Value::String(s)) => match matches(p, s) {
                    Some(m) => valid_if(m),
                    None => Verdict::Unsure,
                },
                (Some(_), _) => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                match (value, instance) {
                    (Value::Number(limit), Value::Number(n)) => bound(keyword, limit, n),
                    (Value::Number(_), _) => Verdict::Valid,
                    _ => Verdict::Unsure,
                }
            }
            "minLength" | "maxLength" => match (value.as_u64(), instance) {
                (Some(limit), Value::String(s)) => length(keyword, limit, s.chars().count()),
                (Some(_), _) => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "minItems" | "maxItems" => match (value.as_u64(), instance) {
                (Some(limit), Value::Array(items)) => length(keyword, limit, items.len()),
                (Some(_), _) => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "required" => match (value, instance) {
                (Value::Array(names), Value::Object(obj)) => {
                    let mut v = Verdict::Valid;
                    for n in names {
                        match n.as_str() {
                            Some(n) if obj.contains_key(n) => {}
                            Some(_) => return Verdict::Invalid,
                            None => v = Verdict::Unsure,
                        }
                    }
                    v
                }
                (Value::Array(_), _) => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "properties" => match (value, instance) {
                (Value::Object(props), Value::Object(obj)) => {
                    let mut v = Verdict::Valid;
                    for (k, sub) in props {
                        if let Some(x) = obj.get(k) {
                            v = v.and(|| check(root, sub, x, 0));
                            if v == Verdict::Invalid {
                                break;
                            }
                        }
                    }
                    v
                }
                (Value::Object(_), _) => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "additionalProperties" => match instance {
                Value::Object(obj) => {
                    if map.contains_key("patternProperties") {
                        Verdict::Unsure
                    } else {
                        let props = map.get("properties").and_then(Value::as_object);
                        let mut v = Verdict::Valid;
                        for (k, x) in obj {
                            if props.is_some_and(|p| p.contains_key(k)) {
                                continue;
                            }
                            v = v.and(|| check(root, value, x, 0));
                            if v == Verdict::Invalid {
                                break;
                            }
                        }
                        v
                    }
                }
                _ => Verdict::Valid,
            },
            "items" => match instance {
                Value::Array(items) if value.is_object() || value.is_boolean() => {
                    let mut v = Verdict::Valid;
                    for x in items {
                        v = v.and(|| check(root, value, x, 0));
                        if v == Verdict::Invalid {
                            break;
                        }
                    }
                    v
                }
                _ if value.is_object() || value.is_boolean() => Verdict::Valid,
                _ => Verdict::Unsure,
            },
            "anyOf" => match value {
                Value::Array(branches) if !branches.is_empty() => {
                    let mut v = Verdict::Invalid;
                    for b in branches {
                        match check(root, b, instance, refs) {
                            Verdict::Valid => {
                                v = Verdict::Valid;
                                break;
                            }
                            Verdict::Unsure => v = Verdict::Unsure,
                            Verdict::Invalid => {}
                        }
                    }
                    v
                }
                _ => Verdict::Unsure,
            },
            "allOf" => match value {
                Value::Array(branches) if !branches.is_empty() => {
                    let mut v = Verdict::Valid;
                    for b in branches {
                        v = v.and(|| check(root, b, instance, refs));
                    }
                    v
                }
                _ => Verdict::Unsure,
            },
            "oneOf" => match value {
                Value::Array(branches) if !branches.is_empty() => {
                    let verdicts: Vec<Verdict> = branches
                        .iter()
                        .map(|b| check(root, b, instance, refs))
                        .collect();
                    let valid = verdicts.iter().filter(|v| **v == Verdict::Valid).count();
                    let unsure = verdicts.iter().filter(|v| **v == Verdict::Unsure).count();
                    match (valid, unsure) {
                        (2.., _) => Verdict::Invalid,
                        (1, 0) => Verdict::Valid,
                        (0, 0) => Verdict::Invalid,
                        _ => Verdict::Unsure,
                    }
                }
                _ => Verdict::Unsure,
            },
            "propertyNames" if root.ignore_property_names => Verdict::Valid,
            k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => Verdict::Valid,
            _ => Verdict::Unsure,
        };
        out = out.and(|| v);
        if out == Verdict::Invalid {
            return out;
        }
    }
    out
}

fn valid_if(ok: bool) -> Verdict {
    if ok { Verdict::Valid } else { Verdict::Invalid }
}

/// The `type` keyword: a name or a list of names.
fn types(value: &Value, instance: &Value) -> Verdict {
    let one = |name: &Value| -> Option<bool> {
        Some(match (name.as_str()?, instance) {
            ("null", Value::Null)
            | ("boolean", Value::Bool(_))
            | ("string", Value::String(_))
            | ("array", Value::Array(_))
            | ("object", Value::Object(_))
            | ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => is_integer(n),
            ("null" | "boolean" | "string" | "array" | "object" | "number" | "integer", _) => false,
            _ => return None,
        })
    };
    match value {
        Value::String(_) => one(value).map_or(Verdict::Unsure, valid_if),
        Value::Array(names) => {
            let mut v = Verdict::Invalid;
            for n in names {
                match one(n) {
                    Some(true) => return Verdict::Valid,
                    Some(false) => {}
                    None => v = Verdict::Unsure,
                }
            }
            v
        }
        _ => Verdict::Unsure,
    }
}

/// JSON Schema's integer: any number without a fractional part (`1.0` included).
fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Numbers compare by value (`1` equals `1.0`); everything else structurally.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// `minimum` and friends, exactly for integers, by `f64` otherwise; unsure where `f64` cannot
/// compare exactly (integers beyond 2^53 against a fractional limit).
fn bound(keyword: &str, limit: &Number, n: &Number) -> Verdict {
    use std::cmp::Ordering;
    let order = match (n.as_i64(), limit.as_i64()) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => {
            let exact =
                |x: &Number| x.is_f64() || x.as_i64().is_some_and(|i| i.unsigned_abs() <= 1 << 53);
            let (Some(a), Some(b), true, true) =
                (n.as_f64(), limit.as_f64(), exact(n), exact(limit))
            else {
                return Verdict::Unsure;
            };
            match a.partial_cmp(&b) {
                Some(o) => o,
                None => return Verdict::Unsure,
            }
        }
    };
    valid_if(match keyword {
        "minimum" => order != Ordering::Less,
        "maximum" => order != Ordering::Greater,
        "exclusiveMinimum" => order == Ordering::Greater,
        _ => order == Ordering::Less,
    })
}

fn length(keyword: &str, limit: u64, len: usize) -> Verdict {
    let len = len as u64;
    valid_if(if keyword.starts_with("min") {
        len >= limit
    } else {
        len <= limit
    })
}

/// Whether `text` matches the ECMA-262 `pattern` (anywhere, as JSON Schema's `pattern` does);
/// `None` when the pattern cannot be translated or compiled as `jsonschema` would.
fn matches(pattern: &str, text: &str) -> Option<bool> {
    type Cache = Mutex<HashMap<String, Option<&'static super::domains::Matcher>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let re = *cache.entry(pattern.to_string()).or_insert_with(|| {
        // A domain's pattern is the regex the domain check already compiled when it translates
        // to itself: shared, not compiled twice. Without escapes it does (a test checks every
        // one), and is not even translated; escapes may translate (ECMA-262's `\S` is not
        // Rust's).
        let domain = super::domains::compiled_for(pattern);
        if let Some(re) = domain
            && !pattern.contains('\\')
        {
            return Some(re);
        }
        // A domain pattern with an escape was translated by `build.rs` (and its translation
        // compiled, when it differs): a run neither translates nor compiles it.
        let translated = match super::domains::translation(pattern) {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => jsonschema_regex::to_rust_regex(pattern).ok()?,
        };
        if let Some(re) = domain
            && translated == pattern
        {
            return Some(re);
        }
        let re = super::domains::Matcher::new(&translated).ok()?;
        Some(&*Box::leak(Box::new(re)))
    });
    re.map(|re| re.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(schema: Value, instance: Value) -> Verdict {
        verdict(&schema, &instance)
    }

    /// [`matches`] uses a domain's compiled pattern without translating it when it has no
    /// escape: every such domain pattern translates (as `jsonschema` translates ECMA-262
    /// patterns) to itself.
    #[test]
    fn every_domain_pattern_without_escapes_translates_to_itself() {
        let mut patterns = 0;
        for pattern in super::super::domains::DOMAINS
            .iter()
            .filter_map(|d| d.pattern)
            .filter(|p| !p.contains('\\'))
        {
            assert_eq!(
                jsonschema_regex::to_rust_regex(pattern).ok().as_deref(),
                Some(pattern)
            );
            patterns += 1;
        }
        assert!(patterns > 15, "{patterns}");
    }

    #[test]
    fn keywords_decide_like_json_schema() {
        assert_eq!(v(json!({"type": "integer"}), json!(1.0)), Verdict::Valid);
        assert_eq!(v(json!({"type": "integer"}), json!(1.5)), Verdict::Invalid);
        assert_eq!(
            v(json!({"type": ["string", "null"]}), json!(null)),
            Verdict::Valid
        );
        assert_eq!(v(json!({"enum": [1]}), json!(1.0)), Verdict::Valid);
        assert_eq!(v(json!({"pattern": "^a"}), json!("ab")), Verdict::Valid);
        assert_eq!(v(json!({"pattern": "b"}), json!("ab")), Verdict::Valid);
        assert_eq!(v(json!({"pattern": "^b"}), json!("ab")), Verdict::Invalid);
        assert_eq!(v(json!({"pattern": "^b"}), json!(3)), Verdict::Valid);
        assert_eq!(v(json!({"minimum": 1}), json!(0)), Verdict::Invalid);
        assert_eq!(
            v(json!({"exclusiveMinimum": 0}), json!(0.5)),
            Verdict::Valid
        );
        assert_eq!(
            v(json!({"exclusiveMinimum": 0}), json!(0)),
            Verdict::Invalid
        );
        assert_eq!(
            v(
                json!({"properties": {"a": {"type": "string"}}, "additionalProperties": false, "required": ["a"]}),
                json!({"a": "x"})
            ),
            Verdict::Valid
        );
        assert_eq!(
            v(
                json!({"properties": {"a": {}}, "additionalProperties": false}),
                json!({"b": 1})
            ),
            Verdict::Invalid
        );
        assert_eq!(v(json!({"required": ["a"]}), json!({})), Verdict::Invalid);
        assert_eq!(
            v(
                json!({"oneOf": [{"type": "string"}, {"const": "x"}]}),
                json!("x")
            ),
            Verdict::Invalid
        );
        assert_eq!(
            v(
                json!({"$defs": {"A": {"type": "string"}}, "items": {"$ref": "#/$defs/A"}}),
                json!(["a", 1])
            ),
            Verdict::Invalid
        );
    }

    #[test]
    fn unknown_keywords_and_broken_refs_are_unsure() {
        assert_eq!(v(json!({"uniqueItems": true}), json!([1])), Verdict::Unsure);
        assert_eq!(v(json!({"$ref": "#/nope"}), json!(1)), Verdict::Unsure);
        assert_eq!(v(json!({"$ref": "#"}), json!(1)), Verdict::Unsure);
        assert_eq!(
            v(
                json!({"anyOf": [{"uniqueItems": true}, {"type": "string"}]}),
                json!(1)
            ),
            Verdict::Unsure
        );
        // An unsure part does not hide a sure violation.
        assert_eq!(
            v(json!({"uniqueItems": true, "type": "string"}), json!(1)),
            Verdict::Invalid
        );
    }
}
