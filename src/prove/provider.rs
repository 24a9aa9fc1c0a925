//! Proof without a cloud account: every `scaleway_*` block checked against the vendored
//! provider schema (`schema/scaleway-provider-schema.json`, `tofu providers schema -json`
//! format, extended with the provider's static validators as `x_*` keys).
//!
//! [`super::check_tree`] parses every `*.tf` of `modules/` and of the generated tree (with
//! [`super::parse`], or hcl-edit's parser when that one declines) and reports, for each
//! `resource`, `data` and `ephemeral` block of a `scaleway_*` type and the `provider "scaleway"`
//! block: unknown types, attributes and nested blocks (with
//! did-you-mean), missing required attributes and nested blocks, too many nested blocks,
//! deprecated types, attributes and blocks, attributes written as blocks and the reverse,
//! computed-only attributes that are set, literal values of the wrong type or outside the
//! static enum/range, and conflicting / exactly-one-of / required-with attribute sets.
//! Module calls are checked by [`super::modules`].
//!
//! The schema is embedded; only its top level is parsed (lazily, once), and the schema of a
//! type is deserialized when a block of that type is met.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use super::ast::{Block, Body, Expr, Expression, Structure};
use serde::Deserialize;
use serde_json::Value;

use super::modules::{Type, check_literal};
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::source::FileId;

/// Diagnostic code of every provider-schema finding.
pub const CODE: &str = "provider-schema";
/// Diagnostic code of a file that does not parse as HCL.
pub const SYNTAX_CODE: &str = "hcl-syntax";

/// The vendored provider schema, unchanged from `tofu providers schema -json` extraction.
pub const SCHEMA_JSON: &str = include_str!("../../schema/scaleway-provider-schema.json");

// ---------------------------------------------------------------------------------------------
// Source positions

/// Byte offset → 1-based line and column, for one file or one chunk of it ([`chunks`]): a
/// chunk's offsets are relative to the chunk, and its index adds where the chunk starts.
/// It borrows the text: the generated files are held once, by their owner.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// Byte offset and number of lines of the file before the chunk (0 for a whole file).
    byte_base: usize,
    line_base: usize,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> Self {
        Self::at(text, 0, 0)
    }

    /// Indexes `text`, a chunk that starts `byte_base` bytes and `line_base` lines into its
    /// file (at the start of a line).
    pub fn at(text: &'t str, byte_base: usize, line_base: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            byte_base,
            line_base,
        }
    }

    /// The [`Span`] (in the file) of a byte range of the indexed text.
    pub fn span(&self, range: Range<usize>) -> Span {
        let start = range.start.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= start);
        let line_start = self.starts[line - 1];
        let col = self
            .text
            .get(line_start..start)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        Span {
            start: self.byte_base + start,
            end: self.byte_base + range.end.max(start),
            line: self.line_base + line,
            col,
        }
    }
}

/// Bytes of HCL parsed at once at least (see [`chunks`]).
const CHUNK_BYTES: usize = 64 * 1024;

/// Splits `text` into chunks of about `CHUNK_BYTES` or more, each ending after a line that is
/// exactly `}` (the end of a top-level block or value, as `tofu fmt` lays it out) outside any
/// heredoc or block comment, with the byte offset and line number (0-based) where each starts.
/// Parsing the chunks one at a time keeps one chunk's syntax tree in memory, not a whole
/// multi-megabyte root's. The chunks are consecutive whole lines and a body is a sequence of
/// newline-separated items, so a file parses if and only if its chunks do, unless a cut falls
/// inside a multi-line construct the scan does not see (a multi-line interpolation): that chunk
/// does not parse, a finding, never a silent pass. A small file is one chunk.
pub fn chunks(text: &str) -> Vec<(usize, usize, &str)> {
    // A cut needs `CHUNK_BYTES` before it: a file no longer is one chunk, unscanned (every root
    // of a small tree).
    if text.len() <= CHUNK_BYTES {
        return vec![(0, 0, text)];
    }
    let mut out = Vec::new();
    let (mut start, mut line, mut lines_in_chunk) = (0, 0, 0);
    let mut pos = 0;
    // The delimiter of the heredoc the scan is in; whether it is in a block comment.
    let mut heredoc: Option<&str> = None;
    let mut comment = false;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let l = &text[pos..end];
        lines_in_chunk += 1;
        if let Some(delimiter) = heredoc {
            if l.trim() == delimiter {
                heredoc = None;
            }
        } else if comment {
            comment = !(l.as_bytes().contains(&b'*') && l.contains("*/"));
        } else if end - start >= CHUNK_BYTES && l == "}\n" {
            out.push((start, line, &text[start..end]));
            line += lines_in_chunk;
            lines_in_chunk = 0;
            start = end;
        } else {
            heredoc = heredoc_start(l);
            comment = l.as_bytes().contains(&b'*')
                && l.rfind("/*").is_some_and(|i| !l[i..].contains("*/"));
        }
        pos = end;
    }
    if start < text.len() || out.is_empty() {
        out.push((start, line, &text[start..]));
    }
    out
}

/// The delimiter of a heredoc a line opens (`<<ID` or `<<-ID` at its end), over-approximated:
/// a `<<ID` in a string also stops the cuts until a line `ID`, which only makes chunks larger.
fn heredoc_start(line: &str) -> Option<&str> {
    // Most lines hold no `<`: a byte search rules them out before a substring search (whose
    // searcher costs more to build than the line to scan).
    if !line.as_bytes().contains(&b'<') {
        return None;
    }
    let l = line.trim_end();
    let i = l.rfind("<<")?;
    let id = l[i + 2..].trim_start_matches('-');
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(id)
}

/// One parsed HCL file: path relative to the repository root, positions and body.
#[derive(Debug)]
pub struct HclFile<'t> {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// The file, in the proof's [`crate::source::SourceMap`].
    pub file: FileId,
    /// Line index of the source (borrowing it).
    pub lines: LineIndex<'t>,
    /// The parsed body.
    pub body: Body<'t>,
}

impl<'t> HclFile<'t> {
    /// Parses `text`, the file at `path` (`file` in the proof's map); a syntax error becomes
    /// an `hcl-syntax` diagnostic.
    pub fn parse(path: &str, file: FileId, text: &'t str) -> Result<HclFile<'t>, Diagnostic> {
        Self::parse_chunk(path, file, (0, 0, text))
    }

    /// Parses one chunk of a file (from [`chunks`]: byte offset, 0-based line, text); positions
    /// are the file's.
    pub fn parse_chunk(
        path: &str,
        file: FileId,
        (byte_base, line_base, text): (usize, usize, &'t str),
    ) -> Result<HclFile<'t>, Diagnostic> {
        let lines = LineIndex::at(text, byte_base, line_base);
        // The fast parser builds the tree hcl-edit's would (its tests hold it to that) or
        // declines; then hcl-edit parses, and reports the syntax errors.
        if let Ok(body) = super::parse::parse_body(text) {
            return Ok(HclFile {
                path: path.to_string(),
                file,
                lines,
                body,
            });
        }
        match hcl_edit::parser::parse_body(text) {
            Ok(body) => Ok(HclFile {
                path: path.to_string(),
                file,
                lines,
                body: super::ast::from_hcl_edit(&body),
            }),
            Err(e) => {
                let loc = e.location();
                let span = Span {
                    start: byte_base + loc.offset(),
                    end: byte_base + loc.offset(),
                    line: line_base + loc.line(),
                    col: loc.column(),
                };
                Err(
                    Diagnostic::error(SYNTAX_CODE, format!("HCL syntax error: {}", e.message()))
                        .at(file, Some(span))
                        .expected("valid HCL (the OpenTofu native syntax)")
                        .help(format!("fix the line `{}`", e.line().trim())),
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema

/// The byte ranges of the embedded schema's parts, computed by `build.rs`.
mod built {
    include!(concat!(env!("OUT_DIR"), "/provider_index.rs"));
}

/// The provider's configuration schema, unparsed (a slice of [`SCHEMA_JSON`], from the range
/// `build.rs` computed: a run never scans the whole file).
fn provider_schema() -> &'static str {
    let (start, end) = built::PROVIDER;
    &SCHEMA_JSON[start..end]
}

/// The types of one kind: name and byte range of its schema in [`SCHEMA_JSON`], sorted by name
/// (`build.rs` writes them from a sorted map; a test compares them with a full parse).
fn types(kind: Kind) -> &'static [(&'static str, usize, usize)] {
    built::TYPES[kind.slot()]
}

/// The unparsed schema of type `name` of `kind`, found by binary search: nothing is built at
/// run time (no map of every type name, as there was).
fn type_schema(kind: Kind, name: &str) -> Option<&'static str> {
    let types = types(kind);
    let i = types.binary_search_by(|&(n, _, _)| n.cmp(name)).ok()?;
    let (_, start, end) = types[i];
    Some(&SCHEMA_JSON[start..end])
}

/// The type names of one kind, sorted.
fn names(kind: Kind) -> impl Iterator<Item = &'static str> {
    types(kind).iter().map(|&(name, _, _)| name)
}

/// The three kinds of typed blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Resource,
    Data,
    Ephemeral,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Resource, Kind::Data, Kind::Ephemeral];

    fn from_ident(ident: &str) -> Option<Kind> {
        match ident {
            "resource" => Some(Kind::Resource),
            "data" => Some(Kind::Data),
            "ephemeral" => Some(Kind::Ephemeral),
            _ => None,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }

    fn ident(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::Data => "data",
            Kind::Ephemeral => "ephemeral",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Resource => "resource type",
            Kind::Data => "data source",
            Kind::Ephemeral => "ephemeral resource",
        }
    }
}

#[derive(Debug, Deserialize)]
struct TypeSchema {
    block: BlockSchema,
}

#[derive(Debug, Default, Deserialize)]
struct BlockSchema {
    #[serde(default)]
    attributes: BTreeMap<String, AttrSchema>,
    #[serde(default)]
    block_types: BTreeMap<String, BlockType>,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    deprecation_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Bounds {
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct AttrSchema {
    #[serde(default, rename = "type")]
    ty: Option<Value>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    deprecation_message: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    x_allowed_values: Option<Vec<Value>>,
    #[serde(default)]
    x_disallowed_values: Option<Vec<Value>>,
    #[serde(default)]
    x_int_range: Option<Bounds>,
    #[serde(default)]
    x_string_length: Option<Bounds>,
    #[serde(default)]
    x_int_divisible_by: Option<i64>,
    #[serde(default)]
    x_element_string_length: Option<Bounds>,
    #[serde(default)]
    x_element_disallowed_values: Option<Vec<Value>>,
    // The relations between arguments: fields of their own, not a `#[serde(flatten)]`
    // struct, for which serde buffers every entry no other field takes (descriptions too).
    #[serde(default)]
    x_conflicts_with: Vec<String>,
    #[serde(default)]
    x_exactly_one_of: Vec<String>,
    #[serde(default)]
    x_at_least_one_of: Vec<String>,
    #[serde(default)]
    x_required_with: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct BlockType {
    #[serde(default)]
    nesting_mode: String,
    #[serde(default)]
    min_items: Option<u64>,
    #[serde(default)]
    max_items: Option<u64>,
    #[serde(default)]
    block: BlockSchema,
    // As in `AttrSchema` (a flattened struct would buffer the nested block's entries too).
    #[serde(default)]
    x_conflicts_with: Vec<String>,
    #[serde(default)]
    x_exactly_one_of: Vec<String>,
    #[serde(default)]
    x_at_least_one_of: Vec<String>,
    #[serde(default)]
    x_required_with: Vec<String>,
}

/// Loads schemas on demand and remembers them for one run (shared across its files).
#[derive(Default)]
pub struct Schemas {
    cache: HashMap<(Kind, String), Option<TypeSchema>>,
    provider: Option<TypeSchema>,
}

impl Schemas {
    fn get(&mut self, kind: Kind, name: &str) -> Option<&TypeSchema> {
        self.cache
            .entry((kind, name.to_string()))
            .or_insert_with(|| serde_json::from_str(type_schema(kind, name)?).ok())
            .as_ref()
    }

    fn provider(&mut self) -> Option<&TypeSchema> {
        if self.provider.is_none() {
            self.provider = serde_json::from_str(provider_schema()).ok();
        }
        self.provider.as_ref()
    }
}

// ---------------------------------------------------------------------------------------------
// Checking

/// Arguments the provider removed (so the schema no longer knows them), with their
/// replacement (research: scaleway-platform.md §8).
const REMOVED: &[(&str, &str, &str)] = &[
    (
        "scaleway_container",
        "max_concurrency",
        "removed in provider v2.75: use `scaling_option { concurrent_requests_threshold = N }`",
    ),
    (
        "scaleway_container_namespace",
        "activate_vpc_integration",
        "removed in provider v2.75 (VPC integration is always on): delete it",
    ),
];

/// Deprecated arguments of the `s3` backend, with their replacement.
const S3_BACKEND_DEPRECATED: &[(&str, &str)] = &[
    ("endpoint", "use `endpoints = { s3 = \"https://...\" }`"),
    ("force_path_style", "use `use_path_style = true`"),
];

/// Meta-arguments every resource, data and ephemeral block accepts.
const META_ATTRS: &[&str] = &["count", "for_each", "depends_on", "provider"];
/// Meta-blocks every resource, data and ephemeral block accepts.
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
/// Meta-arguments of a `provider` block.
const PROVIDER_META: &[&str] = &["alias", "version"];

/// How many nested blocks of one type a body has: the static ones' spans, and whether a
/// `dynamic` block may add more.
#[derive(Default)]
struct Count {
    blocks: Vec<Range<usize>>,
    dynamic: bool,
}

/// `rule.0.action` → `rule.action`: paths as people write them.
fn display_path(path: &str) -> String {
    path.split('.')
        .filter(|seg| !seg.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Distinct values, comma-separated, in schema order.
fn list_values(values: &[Value]) -> String {
    let mut seen = BTreeSet::new();
    values
        .iter()
        .map(value_to_string)
        .filter(|v| seen.insert(v.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A relation between attributes to evaluate once the whole block is known.
struct RelCheck {
    /// Absolute path of the attribute or block (`name`, `rule.0.action`).
    path: String,
    /// Prefix of the block instance holding it (`""`, `rule.0.`).
    prefix: String,
    /// Whether the attribute is set.
    is_set: bool,
    range: Range<usize>,
    owner: Range<usize>,
    conflicts_with: Vec<String>,
    exactly_one_of: Vec<String>,
    at_least_one_of: Vec<String>,
    required_with: Vec<String>,
}

struct Checker<'f> {
    file: &'f HclFile<'f>,
    diags: Vec<Diagnostic>,
    /// What is being checked, e.g. `resource "scaleway_container" "api"`.
    subject: String,
    set: BTreeSet<String>,
    rels: Vec<RelCheck>,
}

fn is_null(expr: &Expression) -> bool {
    matches!(expr.unparenthesized().kind, Expr::Null)
}

fn value_to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A literal scalar as JSON, for enum comparisons.
fn literal_scalar(expr: &Expression) -> Option<Value> {
    match &expr.unparenthesized().kind {
        Expr::String(s) => Some(Value::String(s.to_string())),
        Expr::Bool(b) => Some(Value::Bool(*b)),
        Expr::Number(n) => match n.as_i64() {
            Some(i) => Some(Value::Number(i.into())),
            None => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
        },
        _ => None,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn bounds_text(b: &Bounds, unit: &str) -> String {
    match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("{unit}between {lo} and {hi}"),
        (Some(lo), None) => format!("{unit}at least {lo}"),
        (None, Some(hi)) => format!("{unit}at most {hi}"),
        (None, None) => "any".into(),
    }
}

fn outside(b: &Bounds, x: f64) -> bool {
    b.min.is_some_and(|lo| x < lo) || b.max.is_some_and(|hi| x > hi)
}

impl<'f> Checker<'f> {
    fn span(&self, range: Range<usize>) -> Option<Span> {
        Some(self.file.lines.span(range))
    }

    fn push(
        &mut self,
        range: Range<usize>,
        message: String,
        expected: String,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(CODE, format!("{}: {message}", self.subject))
            .at(self.file.file, self.span(range))
            .expected(expected);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diags.push(d);
    }

    fn unknown(
        &mut self,
        range: Range<usize>,
        word: &str,
        what: &str,
        schema: &BlockSchema,
        place: &str,
    ) {
        if let Some((_, _, removed)) = REMOVED
            .iter()
            .find(|(ty, attr, _)| self.subject.contains(&format!("\"{ty}\"")) && *attr == word)
        {
            self.push(
                range,
                format!("`{word}` was removed from the provider"),
                "an argument of the pinned provider version".into(),
                Some((*removed).to_string()),
            );
            return;
        }
        let candidates = schema
            .attributes
            .keys()
            .chain(schema.block_types.keys())
            .map(String::as_str);
        let help = match did_you_mean(word, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("remove `{word}`; see the provider documentation for {place}"),
        };
        let mut names: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|(_, a)| (a.required || a.optional) && !a.deprecated)
            .map(|(n, _)| n.as_str())
            .chain(
                schema
                    .block_types
                    .iter()
                    .filter(|(_, b)| !b.block.deprecated)
                    .map(|(n, _)| n.as_str()),
            )
            .collect();
        names.sort_unstable();
        self.push(
            range,
            format!("unknown {what} `{word}` in {place}"),
            format!("one of: {}", names.join(", ")),
            Some(help),
        );
    }

    /// Checks `body` against `schema`. `prefix` is the path of the block instance (`""` at the
    /// top), `owner` the span of the block's header, `top` whether meta-arguments are allowed.
    fn check_body(
        &mut self,
        body: &Body,
        schema: &BlockSchema,
        prefix: &str,
        owner: Range<usize>,
        meta_attrs: &[&str],
        meta_blocks: &[&str],
    ) {
        let place = if prefix.is_empty() {
            "this block".to_string()
        } else {
            format!("block `{}`", display_path(prefix.trim_end_matches('.')))
        };
        let mut counts: BTreeMap<&str, Count> = BTreeMap::new();
        for structure in &body.structures {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    let range = attr.key.span().unwrap_or(0..0);
                    if meta_attrs.contains(&key) {
                        continue;
                    }
                    if let Some(a) = schema.attributes.get(key) {
                        let is_set = !is_null(&attr.value);
                        self.check_attribute(key, a, &attr.value, range.clone(), is_set);
                        if is_set {
                            self.set.insert(format!("{prefix}{key}"));
                        }
                        self.rels.push(RelCheck {
                            path: format!("{prefix}{key}"),
                            prefix: prefix.to_string(),
                            is_set,
                            range,
                            owner: owner.clone(),
                            conflicts_with: a.x_conflicts_with.clone(),
                            exactly_one_of: a.x_exactly_one_of.clone(),
                            at_least_one_of: a.x_at_least_one_of.clone(),
                            required_with: a.x_required_with.clone(),
                        });
                    } else if schema.block_types.contains_key(key) {
                        self.push(
                            range,
                            format!("`{key}` is a nested block, not an attribute"),
                            format!("a block `{key} {{ ... }}`"),
                            Some(format!("write `{key} {{ ... }}` without `=`")),
                        );
                    } else {
                        self.unknown(range, key, "attribute", schema, &place);
                    }
                }
                Structure::Block(block) => {
                    let ident = block.ident.as_str();
                    let range = block.ident.span().unwrap_or(0..0);
                    if meta_blocks.contains(&ident) {
                        continue;
                    }
                    if ident == "dynamic" {
                        self.check_dynamic(block, schema, prefix, &place, &mut counts);
                        continue;
                    }
                    self.check_nested(
                        block,
                        ident,
                        range,
                        schema,
                        prefix,
                        &place,
                        &mut counts,
                        false,
                    );
                }
            }
        }
        self.check_presence(schema, prefix, owner, &counts);
    }

    #[allow(clippy::too_many_arguments)]
    fn check_nested<'s>(
        &mut self,
        block: &Block,
        ident: &str,
        range: Range<usize>,
        schema: &'s BlockSchema,
        prefix: &str,
        place: &str,
        counts: &mut BTreeMap<&'s str, Count>,
        dynamic: bool,
    ) {
        if let Some((name, bt)) = schema.block_types.get_key_value(ident) {
            let entry = counts.entry(name.as_str()).or_default();
            let index = entry.blocks.len();
            if dynamic {
                entry.dynamic = true;
            } else {
                entry.blocks.push(range.clone());
            }
            if bt.block.deprecated {
                let help = bt.block.deprecation_message.clone();
                self.push(
                    range.clone(),
                    format!("nested block `{ident}` is deprecated"),
                    "no deprecated block".into(),
                    help,
                );
            }
            let path = format!("{prefix}{ident}");
            self.set.insert(path.clone());
            self.rels.push(RelCheck {
                path: path.clone(),
                prefix: prefix.to_string(),
                is_set: true,
                range: range.clone(),
                owner: range.clone(),
                conflicts_with: bt.x_conflicts_with.clone(),
                exactly_one_of: bt.x_exactly_one_of.clone(),
                at_least_one_of: bt.x_at_least_one_of.clone(),
                required_with: bt.x_required_with.clone(),
            });
            self.set.insert(format!("{path}.{index}"));
            let inner_prefix = format!("{path}.{index}.");
            self.check_body(&block.body, &bt.block, &inner_prefix, range, &[], &[]);
        } else if let Some(a) = schema.attributes.get(ident) {
            let shape = match a.ty.as_ref().map(Type::from_cty_json) {
                Some(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => "[{ ... }]",
                _ => "{ ... }",
            };
            self.push(
                range,
                format!("`{ident}` is an attribute, not a nested block"),
                format!("`{ident} = {shape}`"),
                Some(format!("write `{ident} = {shape}` with `=`")),
            );
        } else {
            self.unknown(range, ident, "nested block", schema, place);
        }
    }

    fn check_dynamic<'s>(
        &mut self,
        block: &Block,
        schema: &'s BlockSchema,
        prefix: &str,
        place: &str,
        counts: &mut BTreeMap<&'s str, Count>,
    ) {
        let Some(label) = block.labels.first() else {
            return; // tofu reports the missing label itself; nothing to check against
        };
        let name = label.as_str();
        let range = label
            .span()
            .unwrap_or_else(|| block.ident.span().unwrap_or(0..0));
        match block.body.get_blocks("content").next() {
            Some(content) => {
                self.check_nested(content, name, range, schema, prefix, place, counts, true);
            }
            None => {
                if let Some(name) = schema.block_types.keys().find(|k| k.as_str() == name) {
                    counts.entry(name.as_str()).or_default().dynamic = true;
                }
                self.push(
                    range,
                    format!("dynamic block `{name}` has no `content` block"),
                    "`content { ... }` inside the dynamic block".into(),
                    Some("add `content { ... }` with the block's arguments".into()),
                );
            }
        }
    }

    fn check_presence(
        &mut self,
        schema: &BlockSchema,
        prefix: &str,
        owner: Range<usize>,
        counts: &BTreeMap<&str, Count>,
    ) {
        for (name, a) in &schema.attributes {
            if a.required && !self.set.contains(&format!("{prefix}{name}")) {
                let ty = a.ty.as_ref().map(Type::from_cty_json).unwrap_or(Type::Any);
                self.push(
                    owner.clone(),
                    format!("required attribute `{name}` is missing"),
                    format!("`{name} = <{ty}>`"),
                    Some(format!("add `{name} = ...`")),
                );
            }
            // Exactly-one-of / at-least-one-of groups where nothing is set.
            for (group, what) in [
                (&a.x_exactly_one_of, "exactly one"),
                (&a.x_at_least_one_of, "at least one"),
            ] {
                if group.is_empty() {
                    continue;
                }
                self.rels.push(RelCheck {
                    path: format!("{prefix}{name}"),
                    prefix: prefix.to_string(),
                    is_set: false,
                    range: owner.clone(),
                    owner: owner.clone(),
                    conflicts_with: Vec::new(),
                    exactly_one_of: if what == "exactly one" {
                        group.clone()
                    } else {
                        Vec::new()
                    },
                    at_least_one_of: if what == "at least one" {
                        group.clone()
                    } else {
                        Vec::new()
                    },
                    required_with: Vec::new(),
                });
            }
        }
        for (name, bt) in &schema.block_types {
            let (blocks, dynamic) = counts
                .get(name.as_str())
                .map(|c| (c.blocks.as_slice(), c.dynamic))
                .unwrap_or((&[], false));
            let count = blocks.len() as u64;
            let min = bt.min_items.unwrap_or(0);
            let max = bt.max_items.or((bt.nesting_mode == "single").then_some(1));
            if count < min && !dynamic {
                self.push(
                    owner.clone(),
                    format!(
                        "required nested block `{name}` is missing ({count} given, at least {min})"
                    ),
                    format!("at least {min} `{name} {{ ... }}` block(s)"),
                    Some(format!("add `{name} {{ ... }}`")),
                );
            }
            if let Some(max) = max
                && count > max
            {
                self.push(
                    blocks
                        .get(max as usize)
                        .cloned()
                        .unwrap_or_else(|| owner.clone()),
                    format!("too many `{name}` blocks ({count} given, at most {max})"),
                    format!("at most {max} `{name}` block(s)"),
                    Some(format!("merge or remove the extra `{name}` blocks")),
                );
            }
        }
    }

    fn check_attribute(
        &mut self,
        key: &str,
        a: &AttrSchema,
        value: &Expression,
        range: Range<usize>,
        is_set: bool,
    ) {
        if !is_set {
            return;
        }
        if a.computed && !a.optional && !a.required {
            self.push(
                range.clone(),
                format!("`{key}` is computed by the provider and cannot be set"),
                "no value (read it as an attribute of the resource instead)".into(),
                Some(format!("remove `{key}`")),
            );
        }
        let described_deprecated = a
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("[DEPRECATED]"));
        if a.deprecated || described_deprecated {
            self.push(
                range.clone(),
                format!("attribute `{key}` is deprecated"),
                "no deprecated attribute".into(),
                a.deprecation_message
                    .clone()
                    .or_else(|| a.description.clone()),
            );
        }
        let value_range = value.span().unwrap_or(range);
        if let Some(ty) = a.ty.as_ref().map(Type::from_cty_json)
            && let Err(m) = check_literal(value, &ty, key)
        {
            self.push(m.range, m.message, m.expected, m.help);
            return;
        }
        let Some(lit) = literal_scalar(value) else {
            if let Expr::Array(items) = &value.kind {
                for item in items {
                    self.check_element(key, a, item);
                }
            } else if let Expr::Object(obj) = &value.kind {
                for (_, v) in obj {
                    self.check_element(key, a, v);
                }
            }
            return;
        };
        let shown = value_to_string(&lit);
        if let Some(allowed) = &a.x_allowed_values
            && !allowed.iter().any(|v| same_value(v, &lit))
        {
            let names: Vec<String> = allowed.iter().map(value_to_string).collect();
            let help = did_you_mean(&shown, names.iter().map(String::as_str))
                .map(|s| format!("did you mean \"{s}\"?"))
                .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
            self.push(
                value_range.clone(),
                format!("`{key}` = \"{shown}\" is not an allowed value"),
                format!("one of: {}", names.join(", ")),
                Some(help),
            );
        }
        if let Some(denied) = &a.x_disallowed_values
            && denied.iter().any(|v| same_value(v, &lit))
        {
            self.push(
                value_range.clone(),
                format!("`{key}` = \"{shown}\" is a reserved value"),
                format!("anything but: {}", list_values(denied)),
                Some(format!("choose another `{key}`")),
            );
        }
        if let Some(x) = lit.as_f64() {
            if let Some(b) = &a.x_int_range
                && outside(b, x)
            {
                self.push(
                    value_range.clone(),
                    format!("`{key}` = {shown} is out of range"),
                    bounds_text(b, ""),
                    Some(format!("set `{key}` {}", bounds_text(b, ""))),
                );
            }
            if let Some(d) = a.x_int_divisible_by
                && d != 0
                && x % d as f64 != 0.0
            {
                let down = (x / d as f64).floor() * d as f64;
                self.push(
                    value_range.clone(),
                    format!("`{key}` = {shown} is not a multiple of {d}"),
                    format!("a multiple of {d}"),
                    Some(format!("use {down} or {}", down + d as f64)),
                );
            }
        }
        if let (Some(b), Value::String(s)) = (&a.x_string_length, &lit) {
            let len = s.chars().count() as f64;
            if outside(b, len) {
                self.push(
                    value_range,
                    format!("`{key}` is {len} characters long"),
                    format!("a length {}", bounds_text(b, "")),
                    Some(format!("shorten or lengthen `{key}`")),
                );
            }
        }
    }

    fn check_element(&mut self, key: &str, a: &AttrSchema, item: &Expression) {
        let Some(Value::String(s)) = literal_scalar(item) else {
            return;
        };
        let range = item.span().unwrap_or(0..0);
        if let Some(b) = &a.x_element_string_length {
            let len = s.chars().count() as f64;
            if outside(b, len) {
                self.push(
                    range.clone(),
                    format!("an element of `{key}` is {len} characters long"),
                    format!("elements of length {}", bounds_text(b, "")),
                    Some("shorten the value".into()),
                );
            }
        }
        if let Some(denied) = &a.x_element_disallowed_values
            && denied.iter().any(|v| v.as_str() == Some(s.as_str()))
        {
            self.push(
                range,
                format!("\"{s}\" is not allowed in `{key}`"),
                format!("anything but: {}", list_values(denied)),
                Some(format!("remove \"{s}\"")),
            );
        }
    }

    /// Whether `path` is set: an attribute, a block, or a block instance (`cron.0`) with
    /// anything set inside.
    fn is_set(&self, path: &str) -> bool {
        let inner = format!("{path}.");
        self.set.contains(path)
            || self
                .set
                .range(inner.clone()..)
                .next()
                .is_some_and(|p| p.starts_with(&inner))
    }

    /// Resolves a relation key: dotted keys are absolute (`root_volume.0.volume_id`), plain ones
    /// name a sibling in the same block instance.
    fn resolve(prefix: &str, key: &str) -> String {
        if key.contains('.') {
            key.to_string()
        } else {
            format!("{prefix}{key}")
        }
    }

    fn check_relations(&mut self) {
        let rels = std::mem::take(&mut self.rels);
        let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
        for r in &rels {
            let shown = |p: &str| format!("`{}`", display_path(p));
            if r.is_set {
                for key in &r.conflicts_with {
                    let other = Self::resolve(&r.prefix, key);
                    let mut pair = vec![r.path.clone(), other.clone()];
                    pair.sort();
                    if other != r.path && self.is_set(&other) && reported.insert(pair) {
                        self.push(
                            r.range.clone(),
                            format!(
                                "{} conflicts with {}: set only one",
                                shown(&r.path),
                                shown(&other)
                            ),
                            format!("either {} or {}", shown(&r.path), shown(&other)),
                            Some(format!("remove {} or {}", shown(&r.path), shown(&other))),
                        );
                    }
                }
                for key in &r.required_with {
                    let other = Self::resolve(&r.prefix, key);
                    if !self.is_set(&other)
                        && reported.insert(vec![r.path.clone(), "requires".into(), other.clone()])
                    {
                        self.push(
                            r.range.clone(),
                            format!(
                                "{} requires {}, which is not set",
                                shown(&r.path),
                                shown(&other)
                            ),
                            format!("{} together with {}", shown(&other), shown(&r.path)),
                            Some(format!("add {}", shown(&other))),
                        );
                    }
                }
            }
            for (group, exactly) in [(&r.exactly_one_of, true), (&r.at_least_one_of, false)] {
                if group.is_empty() {
                    continue;
                }
                let mut members: Vec<String> =
                    group.iter().map(|k| Self::resolve(&r.prefix, k)).collect();
                if !members.contains(&r.path) {
                    members.push(r.path.clone());
                }
                members.sort();
                members.dedup();
                let set: Vec<&String> = members.iter().filter(|m| self.is_set(m)).collect();
                let list = members
                    .iter()
                    .map(|m| shown(m))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut tag = members.clone();
                tag.push(if exactly { "exactly" } else { "at least" }.into());
                if set.is_empty() {
                    if reported.insert(tag) {
                        self.push(
                            r.owner.clone(),
                            format!(
                                "{} of {list} must be set",
                                if exactly {
                                    "exactly one"
                                } else {
                                    "at least one"
                                }
                            ),
                            format!(
                                "{} of {list}",
                                if exactly {
                                    "exactly one"
                                } else {
                                    "at least one"
                                }
                            ),
                            Some(format!("add {}", shown(&members[0]))),
                        );
                    }
                } else if exactly && set.len() > 1 && r.is_set && reported.insert(tag) {
                    let both = set
                        .iter()
                        .map(|m| shown(m))
                        .collect::<Vec<_>>()
                        .join(" and ");
                    self.push(
                        r.range.clone(),
                        format!("{both} are both set, but exactly one of {list} is allowed"),
                        format!("exactly one of {list}"),
                        Some(format!("keep only one of {both}")),
                    );
                }
            }
        }
    }
}

/// Checks the `scaleway_*` blocks and the `provider "scaleway"` block of one parsed file.
pub fn check_file(file: &HclFile<'_>) -> Vec<Diagnostic> {
    let mut schemas = Schemas::default();
    check_file_with(file, &mut schemas)
}

/// As [`check_file`], with the type schemas deserialized so far (shared across files).
pub fn check_file_with(file: &HclFile<'_>, schemas: &mut Schemas) -> Vec<Diagnostic> {
    // `check` blocks may hold scoped `data` blocks: check those too.
    let scoped = file
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "check")
        .flat_map(|b| b.body.blocks().filter(|d| d.ident.as_str() == "data"));
    let mut out = Vec::new();
    for block in file.body.blocks().chain(scoped) {
        let ident = block.ident.as_str();
        let header = block.ident.span().unwrap_or(0..0);
        let mut checker = Checker {
            file,
            diags: Vec::new(),
            subject: String::new(),
            set: BTreeSet::new(),
            rels: Vec::new(),
        };
        if ident == "action" {
            checker.subject = "action block".into();
            checker.push(
                header,
                "OpenTofu does not support `action` blocks".into(),
                "resources, data sources and ephemeral resources only".into(),
                Some("remove the `action` block (it is Terraform-only)".into()),
            );
            out.extend(checker.diags);
            continue;
        }
        if ident == "terraform" {
            checker.subject = "backend \"s3\"".into();
            for backend in block.body.blocks().filter(|b| {
                b.ident.as_str() == "backend" && b.labels.first().map(|l| l.as_str()) == Some("s3")
            }) {
                for attr in backend.body.attributes() {
                    let key = attr.key.as_str();
                    if let Some((_, help)) = S3_BACKEND_DEPRECATED.iter().find(|(k, _)| *k == key) {
                        checker.push(
                            attr.key.span().unwrap_or(0..0),
                            format!("attribute `{key}` is deprecated"),
                            "no deprecated attribute".into(),
                            Some((*help).to_string()),
                        );
                    }
                }
            }
            out.extend(checker.diags);
            continue;
        }
        if ident == "provider" {
            if block.labels.first().map(|l| l.as_str()) != Some("scaleway") {
                continue;
            }
            let Some(schema) = schemas.provider() else {
                continue;
            };
            checker.subject = "provider \"scaleway\"".into();
            checker.check_body(&block.body, &schema.block, "", header, PROVIDER_META, &[]);
            checker.check_relations();
            out.extend(checker.diags);
            continue;
        }
        let Some(kind) = Kind::from_ident(ident) else {
            continue;
        };
        let Some(label) = block.labels.first() else {
            continue;
        };
        let ty = label.as_str();
        if !ty.starts_with("scaleway_") {
            continue; // other providers (random, ...) are not ours to check
        }
        let name = block.labels.get(1).map(|l| l.as_str()).unwrap_or("");
        checker.subject = format!("{} \"{ty}\" \"{name}\"", kind.ident());
        let label_range = label.span().unwrap_or(header.clone());
        let Some(schema) = schemas.get(kind, ty) else {
            checker.push(
                label_range,
                unknown_type_message(kind, ty),
                format!("a {} of provider scaleway/scaleway", kind.noun()),
                Some(unknown_type_help(kind, ty)),
            );
            out.extend(checker.diags);
            continue;
        };
        if schema.block.deprecated {
            checker.push(
                label_range.clone(),
                format!("{} `{ty}` is deprecated", kind.noun()),
                format!("a {} that is not deprecated", kind.noun()),
                schema.block.deprecation_message.clone(),
            );
        }
        checker.check_body(
            &block.body,
            &schema.block,
            "",
            label_range,
            META_ATTRS,
            META_BLOCKS,
        );
        checker.check_relations();
        out.extend(checker.diags);
    }
    out
}

fn unknown_type_message(kind: Kind, ty: &str) -> String {
    format!("unknown {} `{ty}`", kind.noun())
}

fn unknown_type_help(kind: Kind, ty: &str) -> String {
    if let Some(other) = Kind::ALL
        .into_iter()
        .find(|&k| k != kind && type_schema(k, ty).is_some())
    {
        return format!(
            "`{ty}` is a {}: write `{} \"{ty}\" ...`",
            other.noun(),
            other.ident()
        );
    }
    match did_you_mean(ty, names(kind)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "see the scaleway/scaleway provider documentation for the {} names",
            kind.noun()
        ),
    }
}

/// Every type name of one kind (`resource`, `data`, `ephemeral`), for tests and tooling.
pub fn type_names(kind: &str) -> Vec<&'static str> {
    Kind::from_ident(kind)
        .map(|k| names(k).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// The schema's top level, parsed the slow way: what `build.rs`'s ranges must agree with.
    #[derive(Deserialize)]
    struct TopLevel<'a> {
        #[serde(borrow)]
        provider_schemas: BTreeMap<&'a str, ProviderSchemas<'a>>,
    }

    #[derive(Deserialize)]
    struct ProviderSchemas<'a> {
        #[serde(borrow)]
        provider: &'a RawValue,
        #[serde(borrow, default)]
        resource_schemas: BTreeMap<&'a str, &'a RawValue>,
        #[serde(borrow, default)]
        data_source_schemas: BTreeMap<&'a str, &'a RawValue>,
        #[serde(borrow, default)]
        ephemeral_resource_schemas: BTreeMap<&'a str, &'a RawValue>,
    }

    #[test]
    fn the_ranges_build_rs_computed_are_the_schemas_a_full_parse_finds() {
        let top: TopLevel<'_> = serde_json::from_str(SCHEMA_JSON).expect("parses");
        let (_, p) = top
            .provider_schemas
            .into_iter()
            .find(|(name, _)| name.ends_with("/scaleway"))
            .expect("scaleway");
        assert_eq!(provider_schema(), p.provider.get());
        let full = [
            p.resource_schemas,
            p.data_source_schemas,
            p.ephemeral_resource_schemas,
        ];
        for (kind, types) in Kind::ALL.into_iter().zip(full) {
            // In the same order as the sorted map: `type_schema`'s binary search may rely on it.
            let got: Vec<(&str, &str)> = names(kind)
                .map(|name| (name, type_schema(kind, name).expect("found")))
                .collect();
            let want: Vec<(&str, &str)> = types.iter().map(|(k, v)| (*k, v.get())).collect();
            assert_eq!(got, want, "{kind:?}");
            assert!(!got.is_empty() || kind == Kind::Ephemeral, "{kind:?}");
        }
    }

    #[test]
    fn line_index_counts_characters() {
        let idx = LineIndex::new("a = 1\né = \"x\"\n");
        let s = idx.span(6..7);
        assert_eq!((s.line, s.col), (2, 1));
        let s = idx.span(11..14); // the string after `é = `, `é` being two bytes
        assert_eq!((s.line, s.col), (2, 5));
        let s = idx.span(999..1000);
        assert_eq!(s.line, 3);
    }

    #[test]
    fn chunks_are_consecutive_lines_cut_after_top_level_closing_braces() {
        let block =
            |i: usize| format!("resource \"x\" \"b{i}\" {{\n  a = {{\n    b = 1\n  }}\n}}\n\n");
        let text: String = (0..3000).map(block).collect();
        let cut = chunks(&text);
        assert!(cut.len() > 2, "{}", cut.len());
        let mut line = 0;
        let mut offset = 0;
        for (i, &(start, first_line, chunk)) in cut.iter().enumerate() {
            assert_eq!((start, first_line), (offset, line));
            if i + 1 < cut.len() {
                assert!(chunk.len() >= CHUNK_BYTES && chunk.ends_with("\n}\n"));
            }
            offset += chunk.len();
            line += chunk.matches('\n').count();
        }
        assert_eq!(offset, text.len());
        // A small file, and an empty one, are one chunk.
        assert_eq!(chunks("a = 1\n"), vec![(0, 0, "a = 1\n")]);
        assert_eq!(chunks(""), vec![(0, 0, "")]);
        // As long as a chunk can be, with or without a cut at its end: one chunk too.
        for last in ["}\n", "# x\n"] {
            let text = format!("{}\n{last}", "#".repeat(CHUNK_BYTES - 1 - last.len()));
            assert_eq!(text.len(), CHUNK_BYTES);
            assert_eq!(chunks(&text), vec![(0, 0, text.as_str())]);
        }
    }

    #[test]
    fn chunks_never_cut_inside_a_heredoc_or_a_block_comment() {
        let filler =
            "# filler line of a comment, long enough to fill a chunk quickly.\n".repeat(2000);
        for inner in [
            "x = <<EOT\n}\nEOT\n",
            "x = <<-JSON\n  {\n}\n  JSON\n",
            "/* a comment\n}\n*/\n",
        ] {
            let first = format!("{filler}locals {{\n{inner}}}\n");
            let text = format!("{first}{filler}locals {{}}\n");
            let cut = chunks(&text);
            for (_, _, chunk) in &cut {
                assert!(hcl_edit::parser::parse_body(chunk).is_ok(), "{inner:?}");
            }
            // One cut, after the block that holds the construct.
            assert_eq!(cut.len(), 2, "{inner:?}");
            assert_eq!(cut[0].2, first, "{inner:?}");
        }
    }

    #[test]
    fn paths_drop_instance_indices() {
        assert_eq!(display_path("rule.0.action"), "rule.action");
        assert_eq!(display_path("image"), "image");
    }

    #[test]
    fn relation_keys_resolve_absolute_or_sibling() {
        assert_eq!(Checker::resolve("rule.0.", "action"), "rule.0.action");
        assert_eq!(
            Checker::resolve("rule.0.", "root_volume.0.volume_id"),
            "root_volume.0.volume_id"
        );
    }

    #[test]
    fn schema_types_load_on_demand() {
        let mut schemas = Schemas::default();
        let container = schemas.get(Kind::Resource, "scaleway_container").unwrap();
        assert!(container.block.attributes["namespace_id"].required);
        assert!(schemas.get(Kind::Resource, "scaleway_nope").is_none());
        assert_eq!(schemas.cache.len(), 2);
        assert!(
            schemas
                .provider()
                .unwrap()
                .block
                .attributes
                .contains_key("project_id")
        );
    }
}
