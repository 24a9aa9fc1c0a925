//! Deserializing straight from the loaded tree: what `serde_json::from_value(node.to_json())`
//! gives, without building the JSON document first (converting each environment's merged tree
//! to JSON was about a seventh of a 1000 x 10 `validate`). Tests compare the two on hand-written
//! documents, and on each environment's options and settings of every fixture.
//!
//! It mirrors `serde_json::Value`'s deserializer: a non-negative integer is a `u64`, a negative
//! one an `i64`; a float that JSON cannot hold (NaN, infinities) is `null`, as
//! [`Node::to_json`] makes it; an option is `None` only for `null`; an enum is a string (a unit
//! variant) or a mapping of one entry; lists and mappings must be consumed whole. Errors are
//! [`Error`]s: serde's message, plus the span of the innermost node being decoded when it
//! failed and the path of keys and indexes to it, so that a diagnostic points at the value.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::{Key, Node, NodeKind};
use crate::diagnostics::Span;

/// A decoding error: serde's message, where it happened (the innermost node that was being
/// decoded) and the path of keys and list indexes from the decoded root to that node.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What went wrong, as serde says it (`invalid type: ..., expected u16`).
    message: String,
    /// What was expected, when serde said (`u16`, `a duration such as ...`).
    expected: Option<String>,
    /// The value found, when it was a floating-point number with a fraction part of zero
    /// (`8000.0`, `1e3`) where an integer was expected.
    whole_float: Option<f64>,
    /// The value found was `null` where a value was expected: in an environment, a `null`
    /// that removes nothing (nothing of that name is inherited).
    null: bool,
    /// The innermost node being decoded when the error was raised.
    span: Option<Span>,
    /// Keys and indexes from the root, innermost last (built innermost first while unwinding).
    path: Vec<String>,
}

impl Error {
    /// The span of the value the error is about, if a node was being decoded.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The dotted path to the value (`defaults.services.api.port`), empty at the root.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for step in self.path.iter().rev() {
            if !out.is_empty() && !step.starts_with('[') {
                out.push('.');
            }
            out.push_str(step);
        }
        out
    }

    /// Adds `step` (a key, or `[i]`) in front of the path, as the error leaves a node.
    pub fn under(mut self, step: impl Into<String>) -> Self {
        self.path.push(step.into());
        self
    }

    /// Places the error at `span` unless a nearer node already placed it.
    fn within(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }

    /// serde's message, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the value should be, in words (`a whole number from 0 to 65535`).
    pub fn expected(&self) -> String {
        if self.null {
            return "a value, or the name of an inherited one for `null` to remove".to_string();
        }
        if let Some(max) = self.at_most() {
            return format!("an amount tofugen reads (up to {max}), within the field's own limits");
        }
        match self.expected.as_deref() {
            Some(e) => match integer_range(e) {
                Some((lo, hi)) => format!("a whole number from {lo} to {hi}"),
                // serde names the Rust type (`struct SecretSpec`): not the user's words.
                None if e.starts_with("struct ") || e == "a map" => "a mapping".to_string(),
                None if e.starts_with("enum ") => {
                    "one of the values `tofugen schema` lists".to_string()
                }
                None => e.to_string(),
            },
            None => "a value of the type the schema describes".to_string(),
        }
    }

    /// The largest amount tofugen reads, when the message says the value is too large to read
    /// (the unit types say so: [`crate::model::READS_UP_TO`]).
    fn at_most(&self) -> Option<&str> {
        let (_, max) = self.message.split_once(crate::model::READS_UP_TO)?;
        Some(max.split_whitespace().next().unwrap_or(max))
    }

    /// How to fix the value.
    pub fn help(&self) -> String {
        if self.at_most().is_some() {
            return "use the amount you meant: once it reads, the rules check it against the \
                    field's own limits (Scaleway's, for a service's CPU and memory or a volume's \
                    size)"
                .to_string();
        }
        if self.null {
            return "remove the line, or check the name it is under (a misspelling?): a `null` \
                    removes an inherited value, and nothing of that name is inherited here"
                .to_string();
        }
        match self.expected.as_deref().and_then(integer_range) {
            Some(_) if let Some(f) = self.whole_float => match whole(f) {
                Some(digits) => format!(
                    "write `{digits}`: a whole number in digits, without a fraction part or an \
                     exponent"
                ),
                None => "write a whole number in digits, without a fraction part or an exponent \
                         (`8000`, not `8000.0` or `8e3`)"
                    .to_string(),
            },
            Some((lo, hi)) => format!("use a whole number from {lo} to {hi}"),
            None => "run `tofugen schema` to see the expected structure".to_string(),
        }
    }
}

/// `f` (a whole number) in digits, when it is small enough to be written exactly.
fn whole(f: f64) -> Option<String> {
    (f.abs() < 1e18).then(|| format!("{}", f as i64))
}

/// The range of a Rust integer type named as serde names it (`u32`), as text.
fn integer_range(name: &str) -> Option<(String, String)> {
    let (lo, hi) = match name {
        "u8" => (0, i128::from(u8::MAX)),
        "u16" => (0, i128::from(u16::MAX)),
        "u32" => (0, i128::from(u32::MAX)),
        "u64" => (0, i128::from(u64::MAX)),
        "i8" => (i128::from(i8::MIN), i128::from(i8::MAX)),
        "i16" => (i128::from(i16::MIN), i128::from(i16::MAX)),
        "i32" => (i128::from(i32::MIN), i128::from(i32::MAX)),
        "i64" => (i128::from(i64::MIN), i128::from(i64::MAX)),
        _ => return None,
    };
    Some((lo.to_string(), hi.to_string()))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path() {
            p if p.is_empty() => f.write_str(&self.message),
            p => write!(f, "`{p}`: {}", self.message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            expected: None,
            whole_float: None,
            null: false,
            span: None,
            path: Vec::new(),
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let mut e = match unexp {
            // serde says "invalid type: floating point `1000.0`, expected u16" of `1e3`: say
            // what the value was read as, in words.
            de::Unexpected::Float(f)
                if f.fract() == 0.0 && integer_range(&exp.to_string()).is_some() =>
            {
                let mut e = Self::custom(format_args!(
                    "found the floating-point number {f:?} (YAML reads a number with a fraction \
                     part or an exponent as one), where a whole number is expected"
                ));
                e.whole_float = Some(f);
                e
            }
            de::Unexpected::Unit => {
                let mut e = Self::custom(
                    "`null` here removes nothing: nothing of that name is inherited to remove",
                );
                e.null = true;
                e
            }
            _ => Self::custom(format_args!("invalid type: {unexp}, expected {exp}")),
        };
        e.expected = Some(exp.to_string());
        e
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let mut e = Self::custom(format_args!("invalid value: {unexp}, expected {exp}"));
        e.expected = Some(exp.to_string());
        e
    }
}

/// Deserializes `T` from the mapping entries `entries` (a mapping's, or a selection of them).
pub fn from_entries<'de, T, I>(entries: I) -> Result<T, Error>
where
    T: de::Deserialize<'de>,
    I: Iterator<Item = &'de (Key, Node)>,
{
    T::deserialize(Entries(entries))
}

/// Deserializes `T` from `node`; an error is placed at the innermost node being decoded.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(node)
}

/// Whether `node` is what JSON holds as `null`.
fn is_null(node: &Node) -> bool {
    match node.kind {
        NodeKind::Null => true,
        NodeKind::Float(f) => !f.is_finite(),
        _ => false,
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.any(visitor).map_err(|e| e.within(self.span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if is_null(self) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
        .map_err(|e| e.within(self.span))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.within(self.span))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.variant(visitor).map_err(|e| e.within(self.span))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl Node {
    /// `deserialize_any`, before the error is placed at this node.
    fn any<'de, V: Visitor<'de>>(&'de self, visitor: V) -> Result<V::Value, Error> {
        match &self.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => match u64::try_from(*i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(*i),
            },
            NodeKind::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            NodeKind::Float(_) => visitor.visit_unit(),
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Seq(items) => {
                let mut seq = Items(items.iter().enumerate());
                let value = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(
                        items.len(),
                        &"fewer elements in the list",
                    )),
                }
            }
            NodeKind::Map(entries) => {
                de::Deserializer::deserialize_any(Entries(entries.iter()), visitor)
            }
        }
    }

    /// `deserialize_enum`, before the error is placed at this node.
    fn variant<'de, V: Visitor<'de>>(&'de self, visitor: V) -> Result<V::Value, Error> {
        match &self.kind {
            NodeKind::Str(s) => {
                visitor.visit_enum(de::value::BorrowedStrDeserializer::<Error>::new(s))
            }
            NodeKind::Map(entries) if entries.len() == 1 => visitor.visit_enum(Variant {
                name: &entries[0].0.name,
                value: &entries[0].1,
            }),
            NodeKind::Map(_) => Err(de::Error::invalid_value(
                de::Unexpected::Map,
                &"a map with a single key",
            )),
            _ => Err(de::Error::invalid_type(unexpected(self), &"string or map")),
        }
    }
}

/// What `node` is, for a type error.
fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.kind {
        NodeKind::Null => de::Unexpected::Unit,
        NodeKind::Bool(b) => de::Unexpected::Bool(*b),
        NodeKind::Int(i) => match u64::try_from(*i) {
            Ok(u) => de::Unexpected::Unsigned(u),
            Err(_) => de::Unexpected::Signed(*i),
        },
        NodeKind::Float(f) if f.is_finite() => de::Unexpected::Float(*f),
        NodeKind::Float(_) => de::Unexpected::Unit,
        NodeKind::Str(s) => de::Unexpected::Str(s),
        NodeKind::Seq(_) => de::Unexpected::Seq,
        NodeKind::Map(_) => de::Unexpected::Map,
    }
}

/// The items of a list, with their indexes (for an error's path).
struct Items<I>(I);

impl<'de, I: Iterator<Item = (usize, &'de Node)>> SeqAccess<'de> for Items<I> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|(i, n)| seed.deserialize(n).map_err(|e| e.under(format!("[{i}]"))))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        match self.0.size_hint() {
            (lo, Some(hi)) if lo == hi => Some(lo),
            _ => None,
        }
    }
}

/// Mapping entries, deserialized as a mapping (every entry must be consumed).
struct Entries<I>(I);

impl<'de, I: Iterator<Item = &'de (Key, Node)>> de::Deserializer<'de> for Entries<I> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut map = EntryAccess {
            entries: self.0,
            value: None,
        };
        let value = visitor.visit_map(&mut map)?;
        match map.entries.next() {
            None => Ok(value),
            Some(_) => Err(de::Error::invalid_length(
                0,
                &"every entry of the mapping consumed",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// The entries of a mapping, one key then its value.
struct EntryAccess<'de, I> {
    entries: I,
    /// The entry whose key was just read.
    value: Option<&'de (Key, Node)>,
}

impl<'de, I: Iterator<Item = &'de (Key, Node)>> MapAccess<'de> for EntryAccess<'de, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some(entry) => {
                let k = &entry.0;
                self.value = Some(entry);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(&k.name))
                    .map(Some)
                    .map_err(|e: Error| e.within(k.span).under(k.name.as_str()))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some((k, v)) => seed
                .deserialize(v)
                .map_err(|e| e.within(v.span).under(k.name.as_str())),
            None => Err(de::Error::custom("a value asked for before its key")),
        }
    }
}

/// An enum written as a mapping of one entry: the variant's name, then its content.
struct Variant<'de> {
    name: &'de str,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = VariantContent<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantContent<'de>), Error> {
        let variant =
            seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(self.name))?;
        Ok((
            variant,
            VariantContent {
                name: self.name,
                value: self.value,
            },
        ))
    }
}

/// The content of an enum variant written as a mapping of one entry: errors inside it name
/// the variant in their path.
struct VariantContent<'de> {
    name: &'de str,
    value: &'de Node,
}

impl<'de> de::VariantAccess<'de> for VariantContent<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::VariantAccess::unit_variant(self.value).map_err(|e| e.under(self.name))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        de::VariantAccess::newtype_variant_seed(self.value, seed).map_err(|e| e.under(self.name))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        de::VariantAccess::tuple_variant(self.value, len, visitor).map_err(|e| e.under(self.name))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::VariantAccess::struct_variant(self.value, fields, visitor)
            .map_err(|e| e.under(self.name))
    }
}

impl<'de> de::VariantAccess<'de> for &'de Node {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        delta: Option<i64>,
        #[serde(default)]
        ratio: Option<f64>,
        #[serde(default)]
        flags: Vec<bool>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        more: BTreeMap<String, serde_json::Value>,
        #[serde(default)]
        pair: Option<(u8, String)>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Sized(u32),
        Shaped { width: u32, height: u32 },
        Listed(u8, u8),
    }

    /// Whatever the document, deserializing from the tree gives what deserializing its JSON
    /// gives: the same value, or an error both ways.
    #[test]
    fn the_tree_deserializes_as_its_json() {
        let docs = [
            "name: a\ncount: 3\ndelta: -4\nratio: 0.5\nflags: [true, false]\n",
            "kind: plain\n",
            "kind: { sized: 7 }\n",
            "kind: { shaped: { width: 2, height: 3 } }\n",
            "kind: { listed: [1, 2] }\n",
            "kind: { listed: [1, 2, 3] }\n",
            "kind: { plain: null }\n",
            "kind: { sized: 1, plain: null }\n",
            "kind: other\n",
            "kind: [plain]\n",
            "count: -1\n",
            "count: 4294967296\n",
            "count: 1.5\n",
            "count: \"3\"\n",
            // `.nan` and `.inf` are refused by the loader (`yaml-number`): text in quotes.
            "ratio: \".nan\"\n",
            "ratio: 1e308\n",
            "ratio: 3\n",
            "name: null\n",
            "name: 12\n",
            "flags: null\n",
            "flags: [1]\n",
            "more: { a: 1, b: [x, { c: -2.5 }], d: null, e: \".inf\", f: true }\n",
            "pair: [1, x]\n",
            "pair: [1]\n",
            "pair: [1, x, y]\n",
            "unknown: 1\n",
            "{}\n",
        ];
        for doc in docs {
            let (_, node) =
                crate::load::load(crate::source::SourceMap::single("t.yaml").1, doc.as_bytes())
                    .expect("loads");
            let from_json = serde_json::from_value::<Doc>(node.to_json());
            let from_tree = from_entries::<Doc, _>(node.entries().iter());
            match (&from_json, &from_tree) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{doc}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{doc}: {from_json:?} from JSON, {from_tree:?} from the tree"),
            }
            let value = serde_json::from_value::<serde_json::Value>(node.to_json()).ok();
            let from_tree = from_entries::<serde_json::Value, _>(node.entries().iter()).ok();
            assert_eq!(value, from_tree, "{doc}");
        }
    }
}
