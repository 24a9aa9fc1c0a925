//! An HCL document model and printer whose output is byte-identical to `tofu fmt`.
//!
//! `tofu fmt` is `hclwrite.Format` plus a few rewrites. hclwrite never moves line breaks: it
//! re-indents (two spaces per open bracket level), normalises the spaces between tokens and
//! aligns the `=` of runs of consecutive lines that each hold a complete `name = value`
//! assignment. This printer chooses the line breaks itself and reproduces those three passes:
//!
//! - indentation: two spaces per nesting level (block body, multi-line list or object);
//! - spacing: the canonical spacing of every expression it can print (`["a", "b"]`,
//!   `{ k = v }`, `f(x)`, `a.b["c"]`, `"${x}"`);
//! - alignment: the file is cut into lines; a line whose value is complete on the line takes
//!   part in a run, any other line (blank, comment, block header, `}`, `name = {` opening a
//!   multi-line value, list item) ends it; within a run every name is padded so that the `=`
//!   sits one space after the longest name.
//!
//! Strings are escaped here ([`quote`]): `"`, `\` and control characters as hcl-rs escaped
//! them, and the template markers as hclwrite does (`${` → `$${`, `%{` → `%%{`, a `$` or `%`
//! doubled exactly when a `{` follows it); the real OpenTofu reads every short string over
//! `$ % { } \ "` back as written (`tests/tofu.rs`).

use std::fmt::Write as _;

/// Longest single-line list, in characters, before it is printed one item per line.
const MAX_INLINE_LIST: usize = 80;

/// An HCL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction (printed with Rust's shortest round-trip form).
    Float(f64),
    /// A quoted string; escaped when printed.
    Str(String),
    /// A tuple `[a, b]`: one line when short and flat, else one item per line.
    List(Vec<Expr>),
    /// An object, always one `key = value` per line (keys aligned); `{}` when empty.
    Object(Vec<(String, Expr)>),
    /// An object printed on one line: `{ s3 = "https://…" }`.
    InlineObject(Vec<(String, Expr)>),
    /// An expression written verbatim: a traversal (`module.network.private_network_id`),
    /// a function call, a type (`map(string)`). Must be single-line and canonical.
    Raw(String),
    /// A template string mixing literal text and interpolations.
    Template(Vec<Part>),
}

/// One piece of a [`Expr::Template`].
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text (escaped when printed).
    Lit(String),
    /// `${expr}`; the expression must print on one line.
    Interp(Expr),
}

impl Expr {
    /// A quoted string.
    pub fn str(s: impl Into<String>) -> Self {
        Expr::Str(s.into())
    }

    /// A verbatim expression (traversal, function call, type).
    pub fn raw(s: impl Into<String>) -> Self {
        Expr::Raw(s.into())
    }

    /// A whole number.
    pub fn int(n: impl Into<i64>) -> Self {
        Expr::Int(n.into())
    }

    /// A whole number from a `u64`, e.g. a byte count (saturates at `i64::MAX`).
    pub fn uint(n: u64) -> Self {
        Expr::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// A list of quoted strings.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Self {
        Expr::List(items.into_iter().map(|s| Expr::str(s.as_ref())).collect())
    }

    /// A multi-line object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Expr::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// A traversal: `root` followed by steps, e.g. `module.secrets.secret_ids["ADMIN_TOKEN"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Traversal(String);

impl Traversal {
    /// Starts at a root name (`module`, `var`, `local`...).
    pub fn root(name: &str) -> Self {
        Traversal(name.to_string())
    }

    /// `.name` (quoted as an index when `name` is not an identifier).
    pub fn attr(mut self, name: &str) -> Self {
        if is_identifier(name) {
            self.0.push('.');
            self.0.push_str(name);
            self
        } else {
            self.key(name)
        }
    }

    /// `["key"]`.
    pub fn key(mut self, key: &str) -> Self {
        self.0.push('[');
        self.0.push_str(&quote(key));
        self.0.push(']');
        self
    }

    /// The expression.
    pub fn expr(self) -> Expr {
        Expr::Raw(self.0)
    }
}

/// An attribute, a block, a blank line or a comment: one item of a [`Body`].
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `name = value`.
    Attr(String, Expr),
    /// A nested block.
    Block(Block),
    /// A blank line (dropped at the start and end of a body and when doubled).
    Blank,
    /// `# text`, one comment line per line of text.
    Comment(String),
}

/// The body of a file or block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// The items, in order.
    pub items: Vec<Item>,
}

impl Body {
    /// An empty body.
    pub fn new() -> Self {
        Body::default()
    }

    /// Appends `name = value`.
    pub fn attr(&mut self, name: &str, value: Expr) -> &mut Self {
        self.items.push(Item::Attr(name.to_string(), value));
        self
    }

    /// Appends a block.
    pub fn block(&mut self, block: Block) -> &mut Self {
        self.items.push(Item::Block(block));
        self
    }

    /// Appends a blank line.
    pub fn blank(&mut self) -> &mut Self {
        self.items.push(Item::Blank);
        self
    }

    /// Appends comment lines.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        self.items.push(Item::Comment(text.to_string()));
        self
    }

    /// Whether the body holds no attribute and no block.
    pub fn is_empty(&self) -> bool {
        !self
            .items
            .iter()
            .any(|i| matches!(i, Item::Attr(..) | Item::Block(_)))
    }
}

/// A block: `kind "label" ... { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Block type (`module`, `terraform`, `backend`...).
    pub kind: String,
    /// Labels, printed quoted.
    pub labels: Vec<String>,
    /// Contents.
    pub body: Body,
}

impl Block {
    /// A block with labels.
    pub fn new<S: AsRef<str>>(kind: &str, labels: impl IntoIterator<Item = S>) -> Self {
        Block {
            kind: kind.to_string(),
            labels: labels.into_iter().map(|s| s.as_ref().to_string()).collect(),
            body: Body::new(),
        }
    }

    /// A block without labels.
    pub fn plain(kind: &str) -> Self {
        Block::new::<&str>(kind, [])
    }

    /// Builder: sets the body.
    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// Whether `s` may be written bare as an object key or traversal step: an ASCII identifier that
/// is not an HCL keyword (`true`, `false`, `null`, `for`, `in`, `if` would change meaning).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            s,
            "true" | "false" | "null" | "for" | "in" | "if" | "endfor" | "endif"
        )
}

/// `s` as a quoted, escaped HCL string (template markers escaped too).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(s, &mut out);
    out
}

/// Appends `s` quoted and escaped ([`quote`]) to `out`.
fn quote_into(s: &str, out: &mut String) {
    out.push('"');
    escape_into(s, Next::End, out);
    out.push('"');
}

/// What follows a literal text in a quoted template.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Next {
    /// The closing quote.
    End,
    /// More literal text, starting with this character.
    Text(char),
    /// An interpolation (`${`) tofugen builds.
    Interpolation,
}

/// What follows part `i` of a template: the next non-empty literal's first character, an
/// interpolation, or the end.
fn next_after(parts: &[Part], i: usize) -> Next {
    for p in &parts[i + 1..] {
        match p {
            Part::Lit(l) => {
                if let Some(c) = l.chars().next() {
                    return Next::Text(c);
                }
            }
            Part::Interp(_) => return Next::Interpolation,
        }
    }
    Next::End
}

/// Appends `s` escaped as literal text inside a quoted HCL template, so that OpenTofu reads
/// back exactly `s`, followed by `next`.
///
/// The escapes are hcl-rs's (`\"`, `\\`, `\n`, `\r`, `\t`, `\u00XX` for the other control
/// characters), so the output is what it was; the template markers are escaped as hclwrite's
/// `escapeQuotedStringLit` does (hashicorp/hcl v2.24.0 `hclwrite/generate.go`, read in the Go
/// module cache that builds OpenTofu 1.12.6): a `$` or `%` is doubled
/// only when a `{` follows it, so `$${` reads back as `${`, and `$$${` as `$${`. hcl-rs 0.20
/// (hcl-primitives 0.1.13 `escape_markers`) did not look at the character after a `$` or `%`
/// it had passed: in `${a} %${b}` the second marker was left live, an interpolation OpenTofu
/// evaluated (sweep 12, finding 1). HCL has no escape for a `$` before an interpolation (`$${`
/// is the escaped marker), so a text ending in `$` before one ends in `\u0024`.
fn escape_into(s: &str, next: Next, out: &mut String) {
    // The common case, nothing to escape (hot with many services).
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'$' | b'%'))
    {
        out.push_str(s);
        return;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' => match (chars.peek(), next) {
                (Some('{'), _) | (None, Next::Text('{')) => {
                    out.push(c);
                    out.push(c);
                }
                (None, Next::Interpolation) if c == '$' => out.push_str("\\u0024"),
                _ => out.push(c),
            },
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
}

/// An object key as printed: bare when an identifier without `-`, else quoted.
fn key_text(k: &str) -> std::borrow::Cow<'_, str> {
    if is_identifier(k) && !k.contains('-') {
        std::borrow::Cow::Borrowed(k)
    } else {
        std::borrow::Cow::Owned(quote(k))
    }
}

fn format_float(f: f64) -> String {
    if f.is_finite() {
        let s = format!("{f}");
        s
    } else {
        // HCL has no literal for these; never produced by tofugen's emitters.
        "null".to_string()
    }
}

/// The expression on one line, or `None` when it must span several lines.
#[cfg(test)]
fn inline(e: &Expr) -> Option<String> {
    let mut s = String::new();
    inline_into(e, &mut s).then_some(s)
}

/// Appends the expression on one line to `out` and returns `true`, or returns `false` with
/// `out` as it was when it must span several lines.
fn inline_into(e: &Expr, out: &mut String) -> bool {
    let mark = out.len();
    let fits = match e {
        Expr::Null => {
            out.push_str("null");
            true
        }
        Expr::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            true
        }
        Expr::Int(n) => {
            let _ = write!(out, "{n}");
            true
        }
        Expr::Float(f) => {
            out.push_str(&format_float(*f));
            true
        }
        Expr::Str(s) => {
            quote_into(s, out);
            true
        }
        Expr::Raw(r) => {
            out.push_str(r);
            true
        }
        Expr::Template(parts) => template_into(parts, out),
        Expr::List(items) => {
            out.push('[');
            let mut fits = true;
            for (i, item) in items.iter().enumerate() {
                if matches!(
                    item,
                    Expr::List(_) | Expr::Object(_) | Expr::InlineObject(_)
                ) {
                    fits = false;
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                if !inline_into(item, out) {
                    fits = false;
                    break;
                }
            }
            out.push(']');
            // An empty list always fits; a longer one only within the line length.
            fits && (items.is_empty() || out[mark..].chars().count() <= MAX_INLINE_LIST)
        }
        Expr::Object(entries) if entries.is_empty() => {
            out.push_str("{}");
            true
        }
        Expr::Object(_) => false,
        Expr::InlineObject(entries) if entries.is_empty() => {
            out.push_str("{}");
            true
        }
        Expr::InlineObject(entries) => {
            out.push_str("{ ");
            let mut fits = true;
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&key_text(k));
                out.push_str(" = ");
                if !inline_into(v, out) {
                    fits = false;
                    break;
                }
            }
            out.push_str(" }");
            fits
        }
    };
    if !fits {
        out.truncate(mark);
    }
    fits
}

/// A template string. A template that is exactly one interpolation prints as the bare
/// expression, as `tofu fmt` rewrites `"${x}"` to `x`.
fn template_into(parts: &[Part], out: &mut String) -> bool {
    if let [Part::Interp(e)] = parts {
        return inline_into(e, out);
    }
    let mark = out.len();
    out.push('"');
    for (i, p) in parts.iter().enumerate() {
        match p {
            Part::Lit(l) => {
                escape_into(l, next_after(parts, i), out);
            }
            Part::Interp(e) => {
                out.push_str("${");
                if !inline_into(e, out) {
                    out.truncate(mark);
                    return false;
                }
                out.push('}');
            }
        }
    }
    out.push('"');
    true
}

/// One line of a run of complete assignments, held until the run ends: its lead (the text
/// before `=`) and its value are in [`Printer::run_text`], the lead from where the previous
/// line's value ends.
#[derive(Debug, Clone, Copy)]
struct RunLine {
    depth: usize,
    lead_end: usize,
    lead_chars: usize,
    value_end: usize,
}

/// Writes a file's lines as they are produced, holding back only the current run of complete
/// assignments (their `=` share a column, known when the run ends) and blank lines that may
/// still turn out to end a body (dropped then). Memory is the output plus one run, whatever
/// the size of the document.
#[derive(Debug, Default)]
struct Printer {
    out: String,
    run_text: String,
    run: Vec<RunLine>,
    /// Blank lines asked for and not yet written.
    blanks: usize,
}

impl Printer {
    /// Writes the pending run: hclwrite's formatCells, every `=` one space after the longest
    /// name (indentation included).
    fn flush_run(&mut self) {
        let max = self
            .run
            .iter()
            .map(|l| 2 * l.depth + l.lead_chars)
            .max()
            .unwrap_or(0);
        let mut start = 0;
        for l in &self.run {
            indent(&mut self.out, l.depth);
            self.out.push_str(&self.run_text[start..l.lead_end]);
            for _ in 0..=(max - 2 * l.depth - l.lead_chars) {
                self.out.push(' ');
            }
            self.out.push_str("= ");
            self.out.push_str(&self.run_text[l.lead_end..l.value_end]);
            self.out.push('\n');
            start = l.value_end;
        }
        self.run.clear();
        self.run_text.clear();
    }

    /// Before any line: the blank lines asked for before it (they end a run).
    fn before_line(&mut self) {
        if self.blanks > 0 {
            self.flush_run();
            for _ in 0..self.blanks {
                self.out.push('\n');
            }
            self.blanks = 0;
        }
    }

    /// Starts a line that takes no part in a run (it ends the pending one): the caller writes
    /// its text into `out`, then `\n`.
    fn begin_line(&mut self, depth: usize) -> &mut String {
        self.before_line();
        self.flush_run();
        indent(&mut self.out, depth);
        &mut self.out
    }
}

/// Two spaces per level.
fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// `name = value` (`name` already printed: an attribute name or an object key): one line of
/// the run when the value fits on it, else a multi-line value.
fn assignment(p: &mut Printer, depth: usize, name: &str, value: &Expr) {
    p.before_line();
    let mark = p.run_text.len();
    p.run_text.push_str(name);
    let lead_end = p.run_text.len();
    if inline_into(value, &mut p.run_text) {
        p.run.push(RunLine {
            depth,
            lead_end,
            lead_chars: name.chars().count(),
            value_end: p.run_text.len(),
        });
    } else {
        p.run_text.truncate(mark);
        multiline(p, depth, Some(name), value, "");
    }
}

/// A multi-line list or object: the opening line is `name = ` (when named) and the bracket,
/// then the contents one level deeper, then the closing bracket and `suffix`.
fn multiline(p: &mut Printer, depth: usize, name: Option<&str>, value: &Expr, suffix: &str) {
    let open = |p: &mut Printer, bracket: char| {
        let out = p.begin_line(depth);
        if let Some(name) = name {
            out.push_str(name);
            out.push_str(" = ");
        }
        out.push(bracket);
        out.push('\n');
    };
    match value {
        Expr::List(items) => {
            open(p, '[');
            for item in items {
                let out = p.begin_line(depth + 1);
                if inline_into(item, out) {
                    out.push_str(",\n");
                } else {
                    // Nothing was written after the indentation: take it back.
                    let trimmed = out.len() - 2 * (depth + 1);
                    out.truncate(trimmed);
                    multiline(p, depth + 1, None, item, ",");
                }
            }
            let out = p.begin_line(depth);
            out.push(']');
            out.push_str(suffix);
            out.push('\n');
        }
        Expr::Object(entries) | Expr::InlineObject(entries) => {
            open(p, '{');
            for (k, v) in entries {
                let key = key_text(k);
                assignment(p, depth + 1, &key, v);
            }
            let out = p.begin_line(depth);
            out.push('}');
            out.push_str(suffix);
            out.push('\n');
        }
        // Scalars always fit on one line; a template holding a multi-line interpolation is
        // not something the emitters build. Print what we can.
        other => {
            let out = p.begin_line(depth);
            if let Some(name) = name {
                out.push_str(name);
                out.push_str(" = ");
            }
            let _ = inline_into(other, out);
            out.push_str(suffix);
            out.push('\n');
        }
    }
}

fn body_lines(p: &mut Printer, depth: usize, body: &Body) {
    let mut previous_blank = true; // no blank line at the start of a body
    for item in &body.items {
        item_lines(p, depth, item, &mut previous_blank);
    }
    // No blank line at the end of a body.
    p.blanks = 0;
}

/// One item of a body at `depth`; `previous_blank` says whether the body so far ends with a
/// blank line (or is empty), so that blank lines are never doubled nor leading.
fn item_lines(p: &mut Printer, depth: usize, item: &Item, previous_blank: &mut bool) {
    match item {
        Item::Blank => {
            if !*previous_blank {
                p.blanks += 1;
                *previous_blank = true;
            }
            return;
        }
        Item::Attr(name, value) => assignment(p, depth, name, value),
        Item::Block(block) => block_lines(p, depth, block),
        Item::Comment(text) => {
            for l in comment_lines(text) {
                let l = l.trim_end();
                let out = p.begin_line(depth);
                out.push('#');
                if !l.is_empty() {
                    out.push(' ');
                    out.push_str(l);
                }
                out.push('\n');
            }
        }
    }
    *previous_blank = false;
}

/// The lines of a comment's text: split at every line break HCL or an editor knows (`\n`,
/// `\r`, NEL, U+2028, U+2029), every other control or invisible character (bidirectional,
/// zero-width) written as a space. Each line is printed after `# `, so no text can end the
/// comment early or start a line of code.
fn comment_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let mut lines: Vec<String> = text
        .split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(|l| {
            l.chars()
                .map(|c| if unsafe_in_comment(c) { ' ' } else { c })
                .collect()
        })
        .collect();
    // Like `str::lines`: a final line break ends the last line, it does not start one.
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Characters a comment never shows: controls and the invisible ones ([`crate::text`]).
fn unsafe_in_comment(c: char) -> bool {
    c.is_control() || crate::text::invisible(c)
}

/// A configuration value for the text of a comment: on one line (line breaks, controls and
/// invisible characters become spaces), so it never adds a line to the comment it is part of.
pub fn comment_value(s: &str) -> String {
    comment_lines(s).join(" ")
}

fn block_lines(p: &mut Printer, depth: usize, block: &Block) {
    let out = p.begin_line(depth);
    out.push_str(&block.kind);
    for label in &block.labels {
        out.push(' ');
        quote_into(label, out);
    }
    if block.body.is_empty() && block.body.items.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    body_lines(p, depth + 1, &block.body);
    let out = p.begin_line(depth);
    out.push_str("}\n");
}

/// Prints `body` as a whole file: `header` (already commented lines, may be empty), a blank
/// line, then the body; exactly one trailing newline.
pub fn render(header: &str, body: &Body) -> String {
    let mut file = File::new(header);
    for item in &body.items {
        file.item(item);
    }
    file.finish()
}

/// A file printed as its top-level items are given, each dropped once printed: what
/// [`render`] prints for the [`Body`] of the same items, while only one item is held at a
/// time (the tests of a root with many services are tens of megabytes as a document model).
/// The builder methods mirror [`Body`]'s.
#[derive(Debug)]
pub struct File {
    p: Printer,
    previous_blank: bool,
}

impl File {
    /// A file starting with `header` (already commented lines, may be empty).
    pub fn new(header: &str) -> Self {
        let mut p = Printer::default();
        if !header.is_empty() {
            p.out.push_str(header.trim_end_matches('\n'));
            p.out.push_str("\n\n");
        }
        File {
            p,
            previous_blank: true,
        }
    }

    fn item(&mut self, item: &Item) -> &mut Self {
        item_lines(&mut self.p, 0, item, &mut self.previous_blank);
        self
    }

    /// Prints `name = value`.
    pub fn attr(&mut self, name: &str, value: Expr) -> &mut Self {
        self.item(&Item::Attr(name.to_string(), value))
    }

    /// Prints a block.
    pub fn block(&mut self, block: Block) -> &mut Self {
        self.item(&Item::Block(block))
    }

    /// A blank line (dropped when doubled or at the end).
    pub fn blank(&mut self) -> &mut Self {
        self.item(&Item::Blank)
    }

    /// Prints comment lines.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        self.item(&Item::Comment(text.to_string()))
    }

    /// Prints every item of `body`, in order.
    pub fn extend(&mut self, body: Body) -> &mut Self {
        for item in &body.items {
            self.item(item);
        }
        self
    }

    /// The file's text, with exactly one trailing newline.
    pub fn finish(mut self) -> String {
        self.p.blanks = 0;
        self.p.flush_run();
        let mut out = self.p.out;
        while out.ends_with("\n\n") {
            out.pop();
        }
        if out.is_empty() {
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Expr)]) -> Body {
        let mut b = Body::new();
        for (k, v) in pairs {
            b.attr(k, v.clone());
        }
        b
    }

    #[test]
    fn comments_stay_comments() {
        let mut b = Body::new();
        b.comment("a\rb = 1\u{2028}c\u{85}d\r\ne\u{202e}\u{1b}[2J")
            .attr("x", Expr::int(1));
        assert_eq!(render("", &b), "# a\n# b = 1\n# c\n# d\n# e  [2J\nx = 1\n");
        assert_eq!(comment_value("a\n}\r\nb\u{2029}c"), "a } b c");
        let mut b = Body::new();
        b.comment(&format!(
            "Service x: {}.",
            comment_value("d\nresource \"x\" {}")
        ));
        assert_eq!(render("", &b), "# Service x: d resource \"x\" {}.\n");
    }

    #[test]
    fn runs_of_attributes_align_their_equals() {
        let b = attrs(&[
            ("a", Expr::int(1)),
            ("long_name", Expr::str("x")),
            ("mid", Expr::Bool(true)),
        ]);
        assert_eq!(
            render("", &b),
            "a         = 1\nlong_name = \"x\"\nmid       = true\n"
        );
    }

    #[test]
    fn blank_lines_comments_and_blocks_break_runs() {
        let mut b = Body::new();
        b.attr("a", Expr::int(1))
            .attr("bbbb", Expr::int(2))
            .blank()
            .attr("cc", Expr::int(3))
            .comment("note")
            .attr("dddddd", Expr::int(4))
            .block(Block::plain("x").with_body(attrs(&[("y", Expr::int(5))])))
            .attr("e", Expr::int(6));
        assert_eq!(
            render("", &b),
            "a    = 1\nbbbb = 2\n\ncc = 3\n# note\ndddddd = 4\nx {\n  y = 5\n}\ne = 6\n"
        );
    }

    #[test]
    fn multi_line_values_never_align_and_break_runs() {
        let mut b = Body::new();
        b.attr("a", Expr::int(1))
            .attr(
                "tags",
                Expr::object([("k", Expr::str("v")), ("longer", Expr::int(2))]),
            )
            .attr("much_longer_name", Expr::int(3))
            .attr("z", Expr::int(4));
        assert_eq!(
            render("", &b),
            "a = 1\ntags = {\n  k      = \"v\"\n  longer = 2\n}\nmuch_longer_name = 3\nz                = 4\n"
        );
    }

    #[test]
    fn short_lists_inline_long_lists_one_item_per_line() {
        let b = attrs(&[("l", Expr::strs(["a", "b"]))]);
        assert_eq!(render("", &b), "l = [\"a\", \"b\"]\n");
        let long: Vec<String> = (0..12).map(|i| format!("item-number-{i}")).collect();
        let b = attrs(&[("l", Expr::strs(&long)), ("e", Expr::List(vec![]))]);
        let out = render("", &b);
        assert!(out.starts_with("l = [\n  \"item-number-0\",\n"), "{out}");
        assert!(out.ends_with("  \"item-number-11\",\n]\ne = []\n"), "{out}");
    }

    #[test]
    fn lists_of_objects_nest() {
        let b = attrs(&[(
            "l",
            Expr::List(vec![Expr::object([
                ("a", Expr::int(1)),
                ("bb", Expr::int(2)),
            ])]),
        )]);
        assert_eq!(
            render("", &b),
            "l = [\n  {\n    a  = 1\n    bb = 2\n  },\n]\n"
        );
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("${x} %{y}"), r#""$${x} %%{y}""#);
        assert_eq!(quote("l1\nl2\t"), r#""l1\nl2\t""#);
        assert_eq!(quote("\u{1}\u{7f}é"), "\"\\u0001\u{7f}é\"");
        // Sweep 12, finding 1: after a first marker, hcl-rs left `%${`, `$%{` live and `$${`
        // one `$` short. A `$` or `%` is doubled exactly when a `{` follows it.
        assert_eq!(quote("API ${a} %${b}"), r#""API $${a} %$${b}""#);
        assert_eq!(
            quote("%{a} $%{if true}x%{endif}"),
            r#""%%{a} $%%{if true}x%%{endif}""#
        );
        assert_eq!(quote("$${x} $${z}"), r#""$$${x} $$${z}""#);
        assert_eq!(quote("$$ %% $ % {"), r#""$$ %% $ % {""#);
    }

    #[test]
    fn template_text_before_an_interpolation_keeps_its_dollar() {
        let t = |parts: Vec<Part>| inline(&Expr::Template(parts)).unwrap();
        let r = || Part::Interp(Expr::raw("local.r"));
        // `$${` is the escaped marker: a `$` just before `${` is written `\u0024`.
        assert_eq!(
            t(vec![Part::Lit("a$".into()), r()]),
            r#""a\u0024${local.r}""#
        );
        assert_eq!(t(vec![Part::Lit("a%".into()), r()]), r#""a%${local.r}""#);
        // Text split in two literals is escaped as one.
        assert_eq!(
            t(vec![Part::Lit("a$".into()), Part::Lit("{b".into()), r()]),
            r#""a$${b${local.r}""#
        );
    }

    proptest::proptest! {
        /// Without a template marker, strings print as hcl-rs printed them (the escaping was
        /// hcl-rs's until sweep 12): the committed outputs keep their bytes.
        #[test]
        fn strings_without_markers_print_as_hcl_rs_printed_them(s in "[a-z\"\\\\ \n\t\r\u{1}\u{1f}\u{7f}é€{}]{0,20}") {
            let before = hcl::format::to_string(&hcl::Expression::String(s.clone())).unwrap();
            proptest::prop_assert_eq!(quote(&s), before);
        }
    }

    #[test]
    fn keys_are_bare_when_identifiers() {
        let b = attrs(&[(
            "m",
            Expr::object([
                ("ENV", Expr::str("prod")),
                ("with-dash", Expr::int(1)),
                ("null", Expr::Null),
                ("1x", Expr::Float(0.5)),
            ]),
        )]);
        assert_eq!(
            render("", &b),
            "m = {\n  ENV         = \"prod\"\n  \"with-dash\" = 1\n  \"null\"      = null\n  \"1x\"        = 0.5\n}\n"
        );
        assert_eq!(
            render("", &attrs(&[("m", Expr::object::<&str>([]))])),
            "m = {}\n"
        );
    }

    #[test]
    fn inline_objects_and_traversals() {
        let t = Traversal::root("var")
            .attr("release")
            .key("api")
            .attr("tag")
            .expr();
        assert_eq!(inline(&t).unwrap(), r#"var.release["api"].tag"#);
        let o = Expr::InlineObject(vec![("s3".into(), Expr::str("https://x"))]);
        assert_eq!(inline(&o).unwrap(), r#"{ s3 = "https://x" }"#);
    }

    #[test]
    fn templates_mix_literals_and_interpolations() {
        let t = Expr::Template(vec![
            Part::Interp(Expr::raw("module.registry.endpoint")),
            Part::Lit("/evalap-api:".into()),
            Part::Interp(
                Traversal::root("var")
                    .attr("release")
                    .key("api")
                    .attr("tag")
                    .expr(),
            ),
            Part::Lit(" \"${literal}\"".into()),
        ]);
        assert_eq!(
            inline(&t).unwrap(),
            r#""${module.registry.endpoint}/evalap-api:${var.release["api"].tag} \"$${literal}\"""#
        );
        // A lone interpolation is the bare expression, as tofu fmt rewrites it.
        let lone = Expr::Template(vec![Part::Interp(Expr::raw("module.service_api.url"))]);
        assert_eq!(inline(&lone).unwrap(), "module.service_api.url");
    }

    #[test]
    fn blocks_with_labels_nest_and_blank_lines_are_normalised() {
        let mut inner = Body::new();
        inner
            .blank()
            .attr("x", Expr::int(1))
            .blank()
            .blank()
            .attr("yy", Expr::int(2))
            .blank();
        let mut b = Body::new();
        b.blank()
            .block(Block::new("module", ["net"]).with_body(inner))
            .blank()
            .blank()
            .block(Block::new("a", ["b", "c\"d"]))
            .blank();
        assert_eq!(
            render("# h\n", &b),
            "# h\n\nmodule \"net\" {\n  x = 1\n\n  yy = 2\n}\n\na \"b\" \"c\\\"d\" {}\n"
        );
    }

    /// The printer as it was before it streamed (ab7616a): every line of the file collected,
    /// the `=` columns computed over the whole list, then printed. The streaming printer must
    /// print exactly what it printed.
    #[allow(clippy::all)]
    mod whole_file {
        use crate::emit::hcl::*;

        /// The expression on one line, or `None` when it must span several lines.
        fn inline(e: &Expr) -> Option<String> {
            Some(match e {
                Expr::Null => "null".to_string(),
                Expr::Bool(b) => b.to_string(),
                Expr::Int(n) => n.to_string(),
                Expr::Float(f) => format_float(*f),
                Expr::Str(s) => quote(s),
                Expr::Raw(r) => r.clone(),
                Expr::Template(parts) => template(parts)?,
                Expr::List(items) => {
                    if items.is_empty() {
                        return Some("[]".to_string());
                    }
                    let mut texts = Vec::new();
                    for item in items {
                        if matches!(
                            item,
                            Expr::List(_) | Expr::Object(_) | Expr::InlineObject(_)
                        ) {
                            return None;
                        }
                        texts.push(inline(item)?);
                    }
                    let s = format!("[{}]", texts.join(", "));
                    if s.chars().count() > MAX_INLINE_LIST {
                        return None;
                    }
                    s
                }
                Expr::Object(entries) if entries.is_empty() => "{}".to_string(),
                Expr::Object(_) => return None,
                Expr::InlineObject(entries) => {
                    if entries.is_empty() {
                        return Some("{}".to_string());
                    }
                    let mut texts = Vec::new();
                    for (k, v) in entries {
                        texts.push(format!("{} = {}", key_text(k).into_owned(), inline(v)?));
                    }
                    format!("{{ {} }}", texts.join(", "))
                }
            })
        }

        /// A template string. A template that is exactly one interpolation prints as the bare
        /// expression, as `tofu fmt` rewrites `"${x}"` to `x`.
        fn template(parts: &[Part]) -> Option<String> {
            if let [Part::Interp(e)] = parts {
                return inline(e);
            }
            let mut s = String::from("\"");
            for (i, p) in parts.iter().enumerate() {
                match p {
                    Part::Lit(l) => {
                        escape_into(l, next_after(parts, i), &mut s);
                    }
                    Part::Interp(e) => {
                        s.push_str("${");
                        s.push_str(&inline(e)?);
                        s.push('}');
                    }
                }
            }
            s.push('"');
            Some(s)
        }

        /// One output line: indentation level, the text before `=` (or the whole line), and the value
        /// after `= ` when the line is a complete assignment that takes part in `=` alignment.
        #[derive(Debug, Clone)]
        struct Line {
            depth: usize,
            lead: String,
            assign: Option<String>,
        }

        impl Line {
            fn blank() -> Self {
                Line {
                    depth: 0,
                    lead: String::new(),
                    assign: None,
                }
            }
            fn text(depth: usize, lead: String) -> Self {
                Line {
                    depth,
                    lead,
                    assign: None,
                }
            }
        }

        /// Lines of `name = value` (`name` already printed: an attribute name or an object key), with
        /// `suffix` after the value (`,` for list items).
        fn assignment(lines: &mut Vec<Line>, depth: usize, name: String, value: &Expr) {
            match inline(value) {
                Some(v) => lines.push(Line {
                    depth,
                    lead: name,
                    assign: Some(v),
                }),
                None => multiline(lines, depth, format!("{name} = "), value, ""),
            }
        }

        /// A multi-line list or object: the opening line is `prefix` + bracket, then the contents one
        /// level deeper, then the closing bracket + `suffix`.
        fn multiline(
            lines: &mut Vec<Line>,
            depth: usize,
            prefix: String,
            value: &Expr,
            suffix: &str,
        ) {
            match value {
                Expr::List(items) => {
                    lines.push(Line::text(depth, format!("{prefix}[")));
                    for item in items {
                        match inline(item) {
                            Some(v) => lines.push(Line::text(depth + 1, format!("{v},"))),
                            None => multiline(lines, depth + 1, String::new(), item, ","),
                        }
                    }
                    lines.push(Line::text(depth, format!("]{suffix}")));
                }
                Expr::Object(entries) | Expr::InlineObject(entries) => {
                    lines.push(Line::text(depth, format!("{prefix}{{")));
                    for (k, v) in entries {
                        assignment(lines, depth + 1, key_text(k).into_owned(), v);
                    }
                    lines.push(Line::text(depth, format!("}}{suffix}")));
                }
                // Scalars always fit on one line; a template holding a multi-line interpolation is
                // not something the emitters build. Print what we can.
                other => lines.push(Line::text(
                    depth,
                    format!("{prefix}{}{suffix}", inline(other).unwrap_or_default()),
                )),
            }
        }

        fn body_lines(lines: &mut Vec<Line>, depth: usize, body: &Body) {
            let mut previous_blank = true; // no blank line at the start of a body
            let start = lines.len();
            for item in &body.items {
                match item {
                    Item::Blank => {
                        if !previous_blank {
                            lines.push(Line::blank());
                            previous_blank = true;
                        }
                        continue;
                    }
                    Item::Attr(name, value) => assignment(lines, depth, name.clone(), value),
                    Item::Block(block) => block_lines(lines, depth, block),
                    Item::Comment(text) => {
                        for l in comment_lines(text) {
                            let l = l.trim_end();
                            lines.push(Line::text(
                                depth,
                                if l.is_empty() {
                                    "#".to_string()
                                } else {
                                    format!("# {l}")
                                },
                            ));
                        }
                    }
                }
                previous_blank = false;
            }
            // No blank line at the end of a body.
            while lines.len() > start && lines.last().is_some_and(|l| l.lead.is_empty()) {
                lines.pop();
            }
        }

        fn block_lines(lines: &mut Vec<Line>, depth: usize, block: &Block) {
            let mut header = block.kind.clone();
            for label in &block.labels {
                header.push(' ');
                header.push_str(&quote(label));
            }
            if block.body.is_empty() && block.body.items.is_empty() {
                lines.push(Line::text(depth, format!("{header} {{}}")));
                return;
            }
            lines.push(Line::text(depth, format!("{header} {{")));
            body_lines(lines, depth + 1, &block.body);
            lines.push(Line::text(depth, "}".to_string()));
        }

        /// Prints `body` as a whole file: `header` (already commented lines, may be empty), a blank
        /// line, then the body; exactly one trailing newline.
        pub(super) fn render(header: &str, body: &Body) -> String {
            let mut lines = Vec::new();
            body_lines(&mut lines, 0, body);

            // hclwrite's formatCells: runs of consecutive complete assignments share the `=` column.
            let mut widths = vec![0usize; lines.len()];
            let mut i = 0;
            while i < lines.len() {
                if lines[i].assign.is_none() {
                    i += 1;
                    continue;
                }
                let start = i;
                let mut max = 0;
                while i < lines.len() && lines[i].assign.is_some() {
                    max = max.max(2 * lines[i].depth + lines[i].lead.chars().count());
                    i += 1;
                }
                for (j, w) in widths.iter_mut().enumerate().take(i).skip(start) {
                    *w = max - 2 * lines[j].depth;
                }
            }

            let mut out = String::new();
            if !header.is_empty() {
                out.push_str(header.trim_end_matches('\n'));
                out.push_str("\n\n");
            }
            for (line, width) in lines.iter().zip(widths) {
                if line.lead.is_empty() && line.assign.is_none() {
                    out.push('\n');
                    continue;
                }
                out.push_str(&"  ".repeat(line.depth));
                out.push_str(&line.lead);
                if let Some(value) = &line.assign {
                    let pad = width - line.lead.chars().count() + 1;
                    out.push_str(&" ".repeat(pad));
                    out.push_str("= ");
                    out.push_str(value);
                }
                out.push('\n');
            }
            while out.ends_with("\n\n") {
                out.pop();
            }
            if out.is_empty() {
                out.push('\n');
            }
            out
        }
    }

    fn any_expr() -> impl proptest::strategy::Strategy<Value = Expr> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Expr::Null),
            any::<bool>().prop_map(Expr::Bool),
            any::<i64>().prop_map(Expr::Int),
            "[a-z\"$%{}\\\\ \n\u{e9}]{0,30}".prop_map(Expr::Str),
            "[a-z_.]{1,10}".prop_map(Expr::Raw),
            prop::collection::vec(
                prop_oneof![
                    "[a-z$%{ ]{0,6}".prop_map(Part::Lit),
                    "[a-z.]{1,6}".prop_map(|r| Part::Interp(Expr::Raw(r))),
                ],
                0..4
            )
            .prop_map(Expr::Template),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..7).prop_map(Expr::List),
                prop::collection::vec(("[a-z_-]{1,8}", inner.clone()), 0..4).prop_map(Expr::Object),
                prop::collection::vec(("[a-z_-]{1,8}", inner), 0..3).prop_map(Expr::InlineObject),
            ]
        })
    }

    fn any_body() -> impl proptest::strategy::Strategy<Value = Body> {
        use proptest::prelude::*;
        let leaf_item = || {
            prop_oneof![
                Just(Item::Blank),
                "[a-z #\n]{0,10}".prop_map(Item::Comment),
                ("[a-z_]{1,12}", any_expr()).prop_map(|(n, e)| Item::Attr(n, e)),
            ]
        };
        prop::collection::vec(leaf_item(), 0..8)
            .prop_map(|items| Body { items })
            .prop_recursive(3, 48, 8, move |inner| {
                prop::collection::vec(
                    prop_oneof![
                        3 => leaf_item(),
                        1 => ("[a-z]{1,6}", prop::collection::vec("[a-z\"]{0,5}", 0..3), inner)
                            .prop_map(|(kind, labels, body)| Item::Block(Block { kind, labels, body })),
                    ],
                    0..8,
                )
                .prop_map(|items| Body { items })
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Holding back only one run of assignments and the pending blank lines prints what
        /// collecting the whole file printed: blank lines, comments, nested blocks, multi-line
        /// lists and objects, runs broken anywhere.
        #[test]
        fn the_streaming_printer_prints_what_the_whole_file_printer_printed(
            body in any_body(),
            header in proptest::prop_oneof![proptest::strategy::Just(String::new()), proptest::strategy::Just("# h\n# i\n".to_string())],
        ) {
            proptest::prop_assert_eq!(render(&header, &body), whole_file::render(&header, &body));
        }
    }

    #[test]
    fn output_parses_back_with_the_same_values() {
        let mut b = Body::new();
        b.attr("s", Expr::str("a\"b\\c ${x} %{y}\n"))
            .attr("n", Expr::uint(2_000_000_000))
            .attr("o", Expr::object([("k-1", Expr::strs(["p", "q"]))]));
        let parsed: serde_json::Value = hcl::from_str(&render("", &b)).unwrap();
        assert_eq!(parsed["s"], "a\"b\\c ${x} %{y}\n");
        assert_eq!(parsed["n"], 2_000_000_000u64);
        assert_eq!(parsed["o"]["k-1"][1], "q");
    }
}
