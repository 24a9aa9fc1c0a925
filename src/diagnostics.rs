//! Diagnostics: what every stage reports, and how it is shown (human, JSON, GitHub annotations).
//!
//! A [`Diagnostic`] names a file, a position (`line:col`, 1-based), what is wrong, what was
//! expected and, when there is one, the likely fix. Stages collect diagnostics and keep going,
//! so a run reports every problem at once.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config as TermConfig};
use serde::Serialize;

use crate::source::{FileId, SourceMap};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported, but output is still produced.
    Warning,
    /// Blocks generation.
    Error,
}

/// A position in a source file: byte range plus 1-based line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl Span {
    /// The start of a file, 1:1, empty: where a finding about the whole file points.
    pub const FILE_START: Span = Span {
        start: 0,
        end: 0,
        line: 1,
        col: 1,
    };

    /// The byte range, for renderers.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end.max(self.start)
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// Stable code, e.g. `yaml-syntax`, `schema`, `TG001`.
    pub code: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// File the finding is in, in the run's [`SourceMap`] (its name as given on the command
    /// line, or relative to the repository root); `None` for a finding about no file.
    pub file: Option<FileId>,
    /// Where in the file ([`Span::FILE_START`] for a finding about the whole file's contents);
    /// `None` when no place in the file is meant (a path that cannot be read as a file, a
    /// warning about a change between two configurations).
    pub span: Option<Span>,
    /// What was expected there.
    pub expected: Option<String>,
    /// The likely fix, e.g. a did-you-mean.
    pub help: Option<String>,
    /// Further context lines.
    pub notes: Vec<String>,
    /// When this diagnostic counts problems instead of describing one (see [`cap_per_code`]),
    /// how many; 0, and absent from JSON, for an ordinary diagnostic.
    pub omitted: usize,
}

/// A diagnostic as the JSON format writes it: the file by its name.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    level: Level,
    code: &'a str,
    message: &'a str,
    file: &'a str,
    span: Option<Span>,
    expected: Option<&'a str>,
    help: Option<&'a str>,
    notes: &'a [String],
    #[serde(skip_serializing_if = "is_zero")]
    omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Most diagnostics of one code a run describes, in every format: past that, one diagnostic
/// at the first of the rest counts them ([`Diagnostic::omitted`]). A run still finds every
/// problem; tens of thousands of one kind (a mistake repeated in every service) are not
/// described one by one. The schema stage describes at most
/// [`crate::schema_check::MAX_SCHEMA_REPORTED`] violations and as many string problems, which
/// stays within this.
pub const MAX_PER_CODE: usize = 200;

/// Keeps, for each code, the first `max` diagnostics of `diags` (sorted, see [`sort`]) and
/// replaces the rest of that code by one diagnostic at the first of them, at the highest
/// level among them, counting them. Diagnostics that already count others are kept and do not
/// count. Sorted again after.
pub fn cap_per_code(diags: &mut Vec<Diagnostic>, max: usize, sources: &SourceMap) {
    if diags.len() <= max {
        return;
    }
    let mut described: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut counted: std::collections::BTreeMap<String, Diagnostic> =
        std::collections::BTreeMap::new();
    let mut kept = Vec::with_capacity(diags.len().min(64 * max));
    for d in diags.drain(..) {
        if d.omitted > 0 {
            kept.push(d);
            continue;
        }
        let n = described.entry(d.code.clone()).or_default();
        *n += 1;
        if *n <= max {
            kept.push(d);
            continue;
        }
        match counted.get_mut(&d.code) {
            Some(summary) => {
                summary.omitted += 1;
                summary.level = summary.level.max(d.level);
            }
            None => {
                let summary = Diagnostic {
                    omitted: 1,
                    notes: Vec::new(),
                    ..d
                };
                counted.insert(summary.code.clone(), summary);
            }
        }
    }
    for summary in counted.into_values() {
        let omitted = summary.omitted;
        kept.push(summary.counting_described(omitted, max));
    }
    sort(&mut kept, sources);
    *diags = kept;
}

impl Diagnostic {
    /// A new error with a code and message.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            code: code.into(),
            message: message.into(),
            file: None,
            span: None,
            expected: None,
            help: None,
            notes: Vec::new(),
            omitted: 0,
        }
    }

    /// A new warning with a code and message.
    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets the file and position.
    pub fn at(mut self, file: FileId, span: Option<Span>) -> Self {
        self.file = Some(file);
        self.span = span;
        self
    }

    /// Sets what was expected.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Sets the suggested fix.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Marks the diagnostic as counting `n` problems it does not describe.
    pub fn counting(mut self, n: usize) -> Self {
        self.omitted = n;
        self
    }

    /// This diagnostic (the first of its code not described) turned into the one that counts
    /// `n` problems of its code past the first `max` described: its message, expectation and
    /// fix say so, its notes are dropped ([`cap_per_code`], and the loader's own caps).
    pub fn counting_described(mut self, n: usize, max: usize) -> Self {
        let code = &self.code;
        self.message = format!(
            "{n} more `{code}` problems from here on are counted, not described (the first \
             {max} are)"
        );
        self.expected = Some(format!("at most {max} `{code}` problems described per run"));
        self.help = Some(if code.starts_with("TG") {
            format!(
                "fix the ones described (one change in `defaults` often fixes many), then run \
                 again; `tofugen rules {code}` explains the rule"
            )
        } else {
            "fix the ones described, then run again".to_string()
        });
        self.notes = Vec::new();
        self.omitted = n;
        self
    }

    /// `file:line:col` (or just `file`), the file named in `sources`.
    pub fn location(&self, sources: &SourceMap) -> String {
        let file = file_name(self.file, sources);
        match self.span {
            Some(s) => format!("{file}:{}:{}", s.line, s.col),
            None => file.to_string(),
        }
    }
}

/// The name of `file` in `sources` (empty for a finding about no file).
pub fn file_name(file: Option<FileId>, sources: &SourceMap) -> &str {
    file.map_or("", |f| sources.name(f))
}

/// Sorts diagnostics by file name (in `sources`) and position, errors before warnings at the
/// same place.
pub fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    let name = |d: &Diagnostic| file_name(d.file, sources);
    diags.sort_by(|a, b| {
        (
            name(a),
            a.span.map(|s| (s.line, s.col)),
            b.level,
            &a.code,
            &a.message,
        )
            .cmp(&(
                name(b),
                b.span.map(|s| (s.line, s.col)),
                a.level,
                &b.code,
                &b.message,
            ))
    });
}

/// Longest word (and candidate), in bytes, [`did_you_mean`] compares: the edit distance is
/// quadratic in the lengths, and no name in environments.yaml is longer.
pub const MAX_SUGGESTION_LEN: usize = 64;

/// Did-you-mean: the closest candidate to `word`, if it is close enough to be a likely typo.
/// Words and candidates longer than [`MAX_SUGGESTION_LEN`] bytes are not compared.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > MAX_SUGGESTION_LEN {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.len() <= MAX_SUGGESTION_LEN)
        .filter_map(|c| {
            let other = c.to_ascii_lowercase();
            let distance = strsim::osa_distance(&lower, &other);
            let close = distance <= (lower.len().max(other.len()) / 3).max(1)
                || strsim::jaro_winkler(&lower, &other) >= 0.9
                || (lower.len() >= 3 && other.starts_with(&lower))
                // A word cut short with one wrong last letter (`prodd` for `production`:
                // sweep 33, #8).
                || (lower.len() >= 5
                    && lower.is_char_boundary(lower.len() - 1)
                    && other.len() > lower.len()
                    && other.starts_with(&lower[..lower.len() - 1]));
            close.then_some((distance, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Whether `word` reads as a typo of `meant` (a near miss [`did_you_mean`] found), rather than
/// another name built on it: at most two edits apart (optimal string alignment), and not one
/// of them the other with more `-` or `_` separated words. A new entry named
/// `container-error-api` or `worker-eu` beside a default `container-error` or `worker` is a
/// variant, not a misspelling (review of stop 54: TG134 flagged four such names in a copy of
/// EvalAP's configuration); `webb` beside `web` is one.
pub fn is_typo_of(word: &str, meant: &str) -> bool {
    let (a, b) = (word.to_ascii_lowercase(), meant.to_ascii_lowercase());
    let extends = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.starts_with(['-', '_']))
    };
    !extends(&a, &b) && !extends(&b, &a) && strsim::osa_distance(&a, &b) <= 2
}

/// Work, in cells of the edit-distance table (letters of the word x letters of a candidate),
/// that one [`Suggester`] spends on did-you-mean before it falls back to exact
/// (case-insensitive) matches: tens of milliseconds. A file of normal size never reaches it;
/// 20 000 unknown names against 20 000 candidates would otherwise take minutes.
pub const SUGGESTION_BUDGET: usize = 4_000_000;

/// Did-you-mean for many words against one set of candidates, with bounded total work: each
/// word is compared with every candidate ([`did_you_mean`]) while the budget lasts, then only
/// looked up by its lowercase spelling (a hash lookup), which finds the suggestion the full
/// comparison would give when a candidate differs from the word in case only.
pub struct Suggester<'a> {
    candidates: Vec<&'a str>,
    /// Every candidate by its lowercase spelling, each list sorted.
    by_lower: std::collections::HashMap<String, Vec<&'a str>>,
    /// The sum over candidates of their length + 1: a word of `n` letters costs `n + 1` times it.
    cost_per_letter: usize,
    budget: usize,
}

impl<'a> Suggester<'a> {
    /// A suggester over `candidates` with [`SUGGESTION_BUDGET`].
    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> Self {
        Self::with_budget(candidates, SUGGESTION_BUDGET)
    }

    /// A suggester over `candidates` that spends at most `budget` cells on comparisons.
    pub fn with_budget(candidates: impl IntoIterator<Item = &'a str>, budget: usize) -> Self {
        let candidates: Vec<&'a str> = candidates
            .into_iter()
            .filter(|c| c.len() <= MAX_SUGGESTION_LEN)
            .collect();
        let mut by_lower: std::collections::HashMap<String, Vec<&'a str>> =
            std::collections::HashMap::new();
        for c in &candidates {
            by_lower.entry(c.to_ascii_lowercase()).or_default().push(c);
        }
        for list in by_lower.values_mut() {
            list.sort_unstable();
        }
        let cost_per_letter = candidates.iter().map(|c| c.len() + 1).sum();
        Self {
            candidates,
            by_lower,
            cost_per_letter,
            budget,
        }
    }

    /// The closest candidate to `word` ([`did_you_mean`]), within the budget.
    pub fn suggest(&mut self, word: &str) -> Option<&'a str> {
        self.suggest_except(word, None)
    }

    /// The budget left, for a suggester over other candidates that shares it.
    pub fn remaining(&self) -> usize {
        self.budget
    }

    /// As [`Suggester::suggest`], never suggesting `except` (the name being defined itself).
    pub fn suggest_except(&mut self, word: &str, except: Option<&str>) -> Option<&'a str> {
        if word.len() > MAX_SUGGESTION_LEN {
            return None;
        }
        let cost = (word.len() + 1).saturating_mul(self.cost_per_letter);
        if cost <= self.budget {
            self.budget -= cost;
            return did_you_mean(
                word,
                self.candidates
                    .iter()
                    .copied()
                    .filter(|c| Some(*c) != except),
            );
        }
        self.budget = 0;
        self.by_lower
            .get(&word.to_ascii_lowercase())?
            .iter()
            .copied()
            .find(|c| Some(*c) != except)
    }
}

/// Output format of diagnostics on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpt with a caret, for people.
    Human,
    /// One JSON array, for tools.
    Json,
    /// `::error file=…,line=…,col=…::…` workflow commands, for GitHub Actions annotations.
    Github,
}

/// Renders diagnostics in `format`; `sources` names their files and holds the texts their
/// excerpts show (a file without a text shows none).
pub fn render(diags: &[Diagnostic], sources: &SourceMap, format: Format, color: bool) -> String {
    match format {
        Format::Human => render_human(diags, sources, color),
        Format::Json => {
            let json: Vec<JsonDiagnostic<'_>> = diags
                .iter()
                .map(|d| JsonDiagnostic {
                    level: d.level,
                    code: &d.code,
                    message: &d.message,
                    file: file_name(d.file, sources),
                    // Offsets in the file, a stripped byte order mark counted (sweep 14, D1).
                    span: d.span.map(|s| {
                        let skipped = d.file.map_or(0, |f| sources.skipped(f));
                        Span {
                            start: s.start + skipped,
                            end: s.end + skipped,
                            ..s
                        }
                    }),
                    expected: d.expected.as_deref(),
                    help: d.help.as_deref(),
                    notes: &d.notes,
                    omitted: d.omitted,
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&json).expect("diagnostics serialize");
            s.push('\n');
            json_for_terminal(&s).into_owned()
        }
        Format::Github => render_github(diags, sources),
    }
}

/// Most diagnostics rendered for people; the rest are counted (JSON and GitHub list them all).
const MAX_RENDERED: usize = 200;

/// Codes rendered for people even past [`MAX_RENDERED`]: a problem that stopped the reading
/// says that what came before is not all (sweep 59a, F4: `too-large` at line 60 001 was
/// counted among "1 more not shown", and the 60 001 errors read as the whole count).
const ALWAYS_RENDERED: [&str; 1] = ["too-large"];

fn render_human(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = Vec::new();
    let config = TermConfig::default();
    // The first ones, and every diagnostic counting others (it says what is not shown).
    let shown_diags: Vec<&Diagnostic> = diags
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            *i < MAX_RENDERED || d.omitted > 0 || ALWAYS_RENDERED.contains(&d.code.as_str())
        })
        .map(|(_, d)| d)
        .collect();
    // Each file's text as shown, keeping whole the places its diagnostics point at.
    let text = |file: Option<FileId>| file.and_then(|f| sources.text(f)).unwrap_or("");
    let mut points: std::collections::BTreeMap<Option<FileId>, Vec<usize>> =
        std::collections::BTreeMap::new();
    for d in &shown_diags {
        if let Some(s) = d.span {
            let r = clamp(s.range(), text(d.file));
            points.entry(d.file).or_default().extend([r.start, r.end]);
        }
    }
    let shown: std::collections::BTreeMap<Option<FileId>, ShownSource<'_>> = points
        .iter()
        .map(|(&file, points)| (file, ShownSource::new(text(file), points)))
        .collect();
    for &d in &shown_diags {
        let name = escape_for_terminal(file_name(d.file, sources));
        let source = text(d.file);
        let d = escaped(d);
        let severity = match d.level {
            Level::Error => CsSeverity::Error,
            Level::Warning => CsSeverity::Warning,
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.code.clone())
            .with_message(d.message.clone());
        // A position in a file whose text was not read (one too large to read) has no line to
        // show: it is named, `file:line:col`, on the first line instead.
        let has_text = d.file.and_then(|f| sources.text(f)).is_some();
        let shown = d.span.filter(|_| has_text).and_then(|_| shown.get(&d.file));
        if let (Some(span), Some(shown)) = (d.span, shown) {
            let range = shown.map(clamp(span.range(), source));
            let label_text = d
                .expected
                .as_ref()
                .map(|e| format!("expected {e}"))
                .unwrap_or_default();
            cs = cs.with_labels(vec![Label::primary((), range).with_message(label_text)]);
        }
        let mut notes = Vec::new();
        if shown.is_none()
            && let Some(e) = &d.expected
        {
            notes.push(format!("expected {e}"));
        }
        notes.extend(d.notes.iter().cloned());
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        if !notes.is_empty() {
            cs = cs.with_notes(notes);
        }
        let Some(shown) = shown else {
            // codespan prints no location without a label: say it ourselves.
            let place = match d.span {
                Some(span) => format!("{name}:{}:{}", span.line, span.col),
                None => name.to_string(),
            };
            let _ = writeln!(
                WriteAdapter(&mut out),
                "{}: {}[{}]: {}",
                place,
                match d.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                },
                d.code,
                d.message
            );
            for n in &cs.notes {
                let _ = writeln!(WriteAdapter(&mut out), "  = {n}");
            }
            let _ = writeln!(WriteAdapter(&mut out));
            continue;
        };
        let file = NamedSource { name: &name, shown };
        if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            let _ = term::emit_to_write_style(&mut buffer, &config, &file, &cs);
            out.extend_from_slice(buffer.as_slice());
        } else {
            let mut text = String::new();
            let _ = term::emit_to_string(&mut text, &config, &file, &cs);
            out.extend_from_slice(text.as_bytes());
        }
    }
    if diags.len() > shown_diags.len() {
        let _ = writeln!(
            WriteAdapter(&mut out),
            "… and {} more not shown (`--format json` lists them all)\n",
            diags.len() - shown_diags.len()
        );
    }
    // Every problem, those counted and not described included.
    let count = |level: Level| -> usize {
        diags
            .iter()
            .filter(|d| d.level == level)
            .map(|d| d.omitted.max(1))
            .sum()
    };
    let (errors, warnings) = (count(Level::Error), count(Level::Warning));
    if !diags.is_empty() {
        let _ = writeln!(
            WriteAdapter(&mut out),
            "{errors} error(s), {warnings} warning(s)"
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `d` with every text field escaped for a terminal (see [`escape_for_terminal`]).
fn escaped(d: &Diagnostic) -> Diagnostic {
    let esc = |s: &str| escape_for_terminal(s).into_owned();
    Diagnostic {
        level: d.level,
        code: esc(&d.code),
        message: esc(&d.message),
        file: d.file,
        span: d.span,
        expected: d.expected.as_deref().map(esc),
        help: d.help.as_deref().map(esc),
        notes: d.notes.iter().map(|n| esc(n)).collect(),
        omitted: d.omitted,
    }
}

/// Whether `c` would control a terminal or reorder the text around it: C0 controls, DEL, C1
/// controls, bidi embeddings, overrides, isolates and marks, and the Unicode line and paragraph
/// separators.
fn is_terminal_control(c: char) -> bool {
    // `text::invisible` holds the bidi marks, embeddings, overrides and isolates, and the line
    // and paragraph separators, with every other character that prints as nothing.
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}') || crate::text::invisible(c)
}

/// Escapes, as `\u{…}`, every character of `s` that would control a terminal or reorder the
/// text around it (see the list below), newlines and tabs included: the value then prints as
/// one visible line. Borrowed when there is nothing to escape.
///
/// Escaped: C0 controls (U+0000–U+001F), DEL and C1 controls (U+007F–U+009F), the bidi
/// embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and marks (U+200E,
/// U+200F, U+061C), the line and paragraph separators (U+2028, U+2029), and the characters
/// that print as nothing ([`crate::text::invisible`]: U+FEFF, U+200B, U+2060, ...).
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    escape_chars(s, |_| true)
}

/// Like [`escape_for_terminal`] but keeps `\n` and `\t`: for multi-line text such as reports
/// and diffs.
pub fn escape_for_terminal_text(s: &str) -> Cow<'_, str> {
    escape_chars(s, |c| c != '\n' && c != '\t')
}

/// JSON text with the terminal controls serde_json leaves as they are (DEL, C1 controls, bidi
/// controls, line and paragraph separators) written as `\uXXXX` escapes: the same JSON value,
/// safe to print. (serde_json already escapes C0 controls; these characters can only occur in
/// strings, where the escape is valid.)
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json.contains(is_terminal_control) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_terminal_control(c) && c != '\n' {
            // JSON escapes UTF-16 code units: a character beyond U+FFFF is a surrogate pair.
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{:04x}", unit);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escapes the terminal controls of `s` for which `escape(c)` holds.
fn escape_chars(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_terminal_control(c) && escape(c);
    let Some(first) = s.find(unsafe_char) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Longest source line shown whole, in bytes; longer lines are shown as windows of
/// [`WINDOW_BYTES`] around the positions diagnostics point at, the rest elided as `…`.
const MAX_LINE_BYTES: usize = 1000;
/// Bytes kept on each side of a position in an overlong line.
const WINDOW_BYTES: usize = 80;
/// Every how many bytes [`ShownSource`] records how many characters came before.
const CHAR_CHECKPOINT_BYTES: usize = 4096;

/// A source text as shown in diagnostics: terminal controls escaped (newlines, tabs and the
/// `\r` of a `\r\n` kept), overlong lines cut down to windows around the positions shown,
/// with the mapping of byte offsets from the original to the shown text. Line and column
/// numbers stay those of the original.
struct ShownSource<'a> {
    original: &'a str,
    shown: Cow<'a, str>,
    /// Each piece of the original replaced in the shown text, in order.
    replaced: Vec<Replaced>,
    /// Byte offset of the start of each line of the shown text.
    line_starts: Vec<usize>,
    /// Characters of the original before every [`CHAR_CHECKPOINT_BYTES`]-th byte.
    char_checkpoints: Vec<usize>,
}

/// A piece of the original replaced in the shown text: an escaped character, or `…` for an
/// elided part of a long line.
#[derive(Debug, Clone, Copy)]
struct Replaced {
    original: usize,
    shown: usize,
    original_len: usize,
    shown_len: usize,
}

/// Whether the character at byte `i` of `text` is shown as it is in a source excerpt.
fn shown_as_is(text: &str, i: usize, c: char) -> bool {
    !is_terminal_control(c)
        || c == '\n'
        || c == '\t'
        || (c == '\r' && text[i + 1..].starts_with('\n'))
}

impl<'a> ShownSource<'a> {
    /// The shown text of `original`, keeping whole the neighbourhood of every byte offset in
    /// `points` (where labels start and end).
    fn new(original: &'a str, points: &[usize]) -> Self {
        let mut points = points.to_vec();
        points.sort_unstable();
        let plain = original.len() <= MAX_LINE_BYTES
            || !original.split('\n').any(|l| l.len() > MAX_LINE_BYTES);
        let (shown, replaced) = if plain
            && original
                .char_indices()
                .all(|(i, c)| shown_as_is(original, i, c))
        {
            (Cow::Borrowed(original), Vec::new())
        } else {
            let mut builder = Builder {
                out: String::with_capacity(original.len().min(1 << 20) + 16),
                replaced: Vec::new(),
            };
            let mut start = 0;
            for line in original.split_inclusive('\n') {
                builder.line(original, start, line.len(), &points);
                start += line.len();
            }
            (Cow::Owned(builder.out), builder.replaced)
        };
        let line_starts = std::iter::once(0)
            .chain(shown.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut char_checkpoints = Vec::with_capacity(original.len() / CHAR_CHECKPOINT_BYTES + 1);
        let mut chars = 0;
        for chunk in original.as_bytes().chunks(CHAR_CHECKPOINT_BYTES) {
            char_checkpoints.push(chars);
            chars += count_chars(chunk);
        }
        ShownSource {
            original,
            shown,
            replaced,
            line_starts,
            char_checkpoints,
        }
    }

    /// The shown range of an original byte range.
    fn map(&self, range: Range<usize>) -> Range<usize> {
        self.to_shown(range.start)..self.to_shown(range.end)
    }

    fn to_shown(&self, offset: usize) -> usize {
        let k = self.replaced.partition_point(|e| e.original < offset);
        match k.checked_sub(1).map(|i| self.replaced[i]) {
            None => offset,
            Some(e) if offset < e.original + e.original_len => e.shown,
            Some(e) => e.shown + e.shown_len + (offset - e.original - e.original_len),
        }
    }

    fn to_original(&self, offset: usize) -> usize {
        let k = self.replaced.partition_point(|e| e.shown <= offset);
        match k.checked_sub(1).map(|i| self.replaced[i]) {
            None => offset,
            Some(e) if offset < e.shown + e.shown_len => e.original,
            Some(e) => e.original + e.original_len + (offset - e.shown - e.shown_len),
        }
    }

    /// Characters of the original before byte `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let offset = offset.min(self.original.len());
        let k = offset / CHAR_CHECKPOINT_BYTES;
        let from = k * CHAR_CHECKPOINT_BYTES;
        self.char_checkpoints.get(k).copied().unwrap_or(0)
            + count_chars(&self.original.as_bytes()[from..offset])
    }
}

/// Characters starting in `bytes` (bytes that are not UTF-8 continuation bytes).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Builds the shown text of a [`ShownSource`], line by line.
struct Builder {
    out: String,
    replaced: Vec<Replaced>,
}

impl Builder {
    /// Appends the line of `text` at `start` (`len` bytes, its newline included).
    fn line(&mut self, text: &str, start: usize, len: usize, points: &[usize]) {
        let end = start + len;
        if len <= MAX_LINE_BYTES {
            self.kept(text, start..end);
            return;
        }
        let mut cursor = start;
        for window in windows(text, start..end, points) {
            if window.start > cursor {
                self.elided(cursor..window.start);
            }
            self.kept(text, window.start.max(cursor)..window.end);
            cursor = cursor.max(window.end);
        }
        if cursor < end {
            let newline = usize::from(text[..end].ends_with('\n'));
            if end - newline > cursor {
                self.elided(cursor..end - newline);
            }
            self.kept(text, (end - newline).max(cursor)..end);
        }
    }

    /// Appends `range` of `text`, its terminal controls escaped.
    fn kept(&mut self, text: &str, range: Range<usize>) {
        for (i, c) in text[range.clone()].char_indices() {
            let at = range.start + i;
            if shown_as_is(text, at, c) {
                self.out.push(c);
                continue;
            }
            let shown = self.out.len();
            let _ = write!(self.out, "\\u{{{:x}}}", c as u32);
            self.replaced.push(Replaced {
                original: at,
                shown,
                original_len: c.len_utf8(),
                shown_len: self.out.len() - shown,
            });
        }
    }

    /// Replaces `range` with `…`.
    fn elided(&mut self, range: Range<usize>) {
        let shown = self.out.len();
        self.out.push('…');
        self.replaced.push(Replaced {
            original: range.start,
            shown,
            original_len: range.len(),
            shown_len: '…'.len_utf8(),
        });
    }
}

/// The parts of the overlong `line` of `text` to show: its start, and [`WINDOW_BYTES`] around
/// each of the `points` in it, on character boundaries, merged, in order.
fn windows(text: &str, line: Range<usize>, points: &[usize]) -> Vec<Range<usize>> {
    let first = points.partition_point(|&p| p < line.start);
    let last = points.partition_point(|&p| p <= line.end);
    let centres = std::iter::once(line.start).chain(points[first..last].iter().copied());
    let mut out: Vec<Range<usize>> = Vec::new();
    for p in centres {
        let mut a = p.saturating_sub(WINDOW_BYTES).max(line.start);
        let mut b = (p + WINDOW_BYTES).min(line.end);
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        while !text.is_char_boundary(b) {
            b += 1;
        }
        match out.last_mut() {
            Some(prev) if a <= prev.end => prev.end = prev.end.max(b),
            _ => out.push(a..b),
        }
    }
    out
}

/// A [`ShownSource`] with a name: what codespan renders. Columns are counted in the original
/// text, in characters.
struct NamedSource<'a> {
    name: &'a str,
    shown: &'a ShownSource<'a>,
}

impl<'a> Files<'a> for NamedSource<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.shown.shown)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, FilesError> {
        Ok(self
            .shown
            .line_starts
            .partition_point(|&s| s <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, FilesError> {
        let starts = &self.shown.line_starts;
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.shown.shown.len());
        Ok(start..end)
    }

    fn column_number(
        &'a self,
        (): (),
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let shown = self.shown;
        let line_start = shown.to_original(self.line_range((), line_index)?.start);
        let at = shown.to_original(byte_index).max(line_start);
        Ok(shown.chars_before(at) - shown.chars_before(line_start) + 1)
    }
}

struct WriteAdapter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for WriteAdapter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn clamp(range: Range<usize>, source: &str) -> Range<usize> {
    let mut start = range.start.min(source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, source.len());
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

fn render_github(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let d = escaped(d);
        let name = escape_for_terminal(file_name(d.file, sources));
        let mut props = format!("file={}", escape_property(&name));
        if let Some(s) = d.span {
            let _ = write!(props, ",line={},col={}", s.line, s.col);
        }
        let _ = write!(props, ",title={}", escape_property(&d.code));
        let mut message = d.message.clone();
        if let Some(e) = &d.expected {
            let _ = write!(message, "\nexpected {e}");
        }
        if let Some(h) = &d.help {
            let _ = write!(message, "\nhelp: {h}");
        }
        for n in &d.notes {
            let _ = write!(message, "\n{n}");
        }
        let _ = writeln!(out, "::{kind} {props}::{}", escape_data(&message));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Characters of a `` `code` `` span of a diagnostic's text past which [`shorten_code_spans`]
/// cuts it: longer than any name, path or fix tofugen writes itself.
pub const LONG_CODE: usize = 120;

/// Characters a cut `` `code` `` span keeps.
pub const LONG_CODE_KEPT: usize = 60;

/// `text` with every `` `code` `` span longer than [`LONG_CODE`] characters cut to its first
/// [`LONG_CODE_KEPT`], then `…`, its length said after it: a value of thousands of characters
/// named in a rule's message was repeated whole, in the message and again in the help (sweep
/// 43, #5), where the schema stage cut values to 40. `None` when nothing is cut.
pub fn shorten_code_spans(text: &str) -> Option<String> {
    if text.len() <= LONG_CODE {
        return None;
    }
    let mut out = String::with_capacity(text.len().min(4 * LONG_CODE));
    let mut cut = false;
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        let code = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..=open]);
        let chars = code.chars().count();
        if chars > LONG_CODE {
            out.extend(code.chars().take(LONG_CODE_KEPT));
            out.push_str(&format!("…` ({chars} characters)"));
            cut = true;
        } else {
            out.push_str(code);
            out.push('`');
        }
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    cut.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map of one file, `name`, holding `text`, and its id.
    fn one(name: &str, text: &str) -> (SourceMap, FileId) {
        let (mut map, id) = SourceMap::single(name);
        map.set_text(id, text.to_string());
        (map, id)
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = ["min", "max", "concurrent_requests"];
        assert_eq!(did_you_mean("mxa", keys), Some("max"));
        assert_eq!(
            did_you_mean("concurent_requests", keys),
            Some("concurrent_requests")
        );
        assert_eq!(did_you_mean("zzzzzz", keys), None);
        // Cut short with one wrong last letter (sweep 33, #8); not a word of its own.
        let envs = ["dev", "staging", "production"];
        assert_eq!(did_you_mean("prodd", envs), Some("production"));
        assert_eq!(did_you_mean("stagx", envs), Some("staging"));
        assert_eq!(did_you_mean("prox", envs), None);
        assert_eq!(did_you_mean("qa-env", envs), None);
    }

    #[test]
    fn suggester_matches_did_you_mean_within_its_budget() {
        let names = ["staging", "production", "Prod", "dev"];
        let mut s = Suggester::new(names);
        for word in ["stagin", "prod", "PRODUCTION", "zzzz", "de"] {
            assert_eq!(s.suggest(word), did_you_mean(word, names), "{word}");
        }
        assert_eq!(s.suggest_except("staging", Some("staging")), None);
        // Out of budget: only a spelling that differs in case is found.
        let mut s = Suggester::with_budget(names, 10);
        assert_eq!(s.suggest("stagin"), None);
        assert_eq!(s.suggest("STAGING"), Some("staging"));
        assert_eq!(s.suggest("prod"), Some("Prod"));
        assert_eq!(s.suggest_except("prod", Some("Prod")), None);
        assert_eq!(s.remaining(), 0);
    }

    #[test]
    fn did_you_mean_skips_long_names() {
        let long = "m".repeat(MAX_SUGGESTION_LEN) + "in";
        let candidate = long.clone() + "x";
        assert_eq!(did_you_mean(&long, ["min", candidate.as_str()]), None);
        let short = &long[..MAX_SUGGESTION_LEN];
        assert_eq!(did_you_mean(short, [candidate.as_str(), "min"]), None);
        let start = std::time::Instant::now();
        let huge = "x".repeat(1 << 20);
        for _ in 0..1000 {
            assert_eq!(did_you_mean(&huge, [huge.as_str()]), None);
        }
        assert!(start.elapsed().as_secs() < 2);
    }

    /// Every character a terminal would act on, or that reorders text.
    const CONTROLS: &[char] = &[
        '\u{0}',
        '\u{7}',
        '\u{8}',
        '\t',
        '\n',
        '\u{b}',
        '\r',
        '\u{1b}',
        '\u{7f}',
        '\u{85}',
        '\u{9b}',
        '\u{9f}',
        '\u{61c}',
        '\u{200e}',
        '\u{200f}',
        '\u{2028}',
        '\u{2029}',
        '\u{202a}',
        '\u{202e}',
        '\u{2066}',
        '\u{2069}',
        '\u{ad}',
        '\u{200b}',
        '\u{200d}',
        '\u{2060}',
        '\u{2064}',
        '\u{feff}',
        '\u{e0001}',
    ];

    fn has_control(s: &str, keep: &[char]) -> bool {
        s.chars()
            .any(|c| CONTROLS.contains(&c) && !keep.contains(&c))
    }

    #[test]
    fn escape_for_terminal_makes_every_control_visible() {
        let hostile: String = CONTROLS.iter().collect();
        let escaped = escape_for_terminal(&hostile);
        assert!(!has_control(&escaped, &[]), "{escaped:?}");
        assert!(escaped.starts_with("\\u{0}\\u{7}"), "{escaped}");
        assert!(escaped.contains("\\u{1b}") && escaped.contains("\\u{202e}"));
        let text = escape_for_terminal_text(&hostile);
        assert!(!has_control(&text, &['\n', '\t']), "{text:?}");
        assert!(text.contains('\n') && text.contains('\t'));
        // Nothing to escape: borrowed, unchanged (non-ASCII text included).
        assert!(matches!(escape_for_terminal("café → ü"), Cow::Borrowed(_)));
        // Characters that print as nothing are shown (sweep 38, R3).
        assert_eq!(
            escape_for_terminal("a\u{feff}b\u{200b}c\u{2060}"),
            "a\\u{feff}b\\u{200b}c\\u{2060}"
        );
    }

    /// A byte order mark inside the document: the parser's error underlines it, escaped, and
    /// names it instead of pointing at indentation (sweep 38, R3).
    #[test]
    fn an_invisible_character_in_a_syntax_error_is_shown_and_named() {
        let source = "project: \u{feff}demo\n";
        let (_, file) = SourceMap::single("f.yaml");
        let (shown, diags) = crate::load::load(file, source.as_bytes()).unwrap_err();
        let d = diags
            .iter()
            .find(|d| d.code == "yaml-syntax")
            .expect("a syntax error");
        assert!(
            d.help.as_deref().unwrap_or_default().contains("U+FEFF"),
            "{d:#?}"
        );
        let (map, _) = one("f.yaml", shown.as_deref().unwrap_or(source));
        let out = render(&diags, &map, Format::Human, false);
        let line = out
            .lines()
            .find(|l| l.contains("project:"))
            .expect("the line is shown");
        assert!(line.contains("\\u{feff}demo"), "{out}");
        let caret = out
            .lines()
            .skip_while(|l| !l.contains("project:"))
            .nth(1)
            .unwrap();
        assert_eq!(caret.find('^'), line.find("\\u{feff}"), "{out}");
        assert!(!out.contains('\u{feff}'), "{out}");
    }

    fn at(line: usize, col: usize, start: usize, end: usize) -> Option<Span> {
        Some(Span {
            start,
            end,
            line,
            col,
        })
    }

    #[test]
    fn human_output_escapes_values_and_the_source_line_keeping_positions() {
        let source = "a: 1\nkey\u{1b}[2J: \u{202e}x\u{9b}1m\nz: 2\n";
        // The span of `x`, after the escape sequence and the bidi override on line 2.
        let x = source.find('x').unwrap();
        let (map, f) = one("f\u{7}.yaml", source);
        let d = Diagnostic::error("schema", "unknown key `key\u{1b}[2J`\r\nerror: forged")
            .at(f, at(2, 11, x, x + 1))
            .expected("one of `a`\u{7}")
            .help("did you mean `a`?\u{202e}")
            .note("note\u{85}");
        // With colors, the only ESC bytes are the renderer's own color codes (`ESC[..m`).
        let colors = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        for color in [false, true] {
            let out = render(std::slice::from_ref(&d), &map, Format::Human, color);
            let plain = colors.replace_all(&out, "");
            assert!(!has_control(&plain, &['\n']), "{out:?}");
            assert!(plain.contains("f\\u{7}.yaml:2:11"), "{plain}");
            assert!(
                plain.contains("key\\u{1b}[2J: \\u{202e}x\\u{9b}1m"),
                "{plain}"
            );
            assert!(
                plain.contains("`key\\u{1b}[2J`\\u{d}\\u{a}error: forged"),
                "{plain}"
            );
            assert!(!plain.contains("\nerror: forged"), "{plain}");
        }
        let out = render(std::slice::from_ref(&d), &map, Format::Human, false);
        // The caret sits under `x`, after the escaped characters.
        let line = out.lines().position(|l| l.contains("key\\u{1b}")).unwrap();
        let snippet = out.lines().nth(line).unwrap();
        let caret = out.lines().nth(line + 1).unwrap();
        assert_eq!(
            caret.find('^'),
            snippet.find("x\\u{9b}"),
            "{snippet}\n{caret}"
        );
        // Position-less diagnostics are escaped too.
        let (map, f) = SourceMap::single("f\n");
        let whole = Diagnostic::error("io", "cannot read f\u{1b}]0;title\u{7}").at(f, None);
        let out = render(&[whole], &map, Format::Human, false);
        assert!(!has_control(&out, &['\n']), "{out:?}");
        assert!(
            out.starts_with("f\\u{a}: error[io]: cannot read f\\u{1b}]0;title\\u{7}\n"),
            "{out}"
        );
    }

    #[test]
    fn json_output_escapes_every_control_and_stays_the_same_value() {
        let hostile: String = CONTROLS.iter().collect();
        let (map, f) = SourceMap::single("f");
        let d = Diagnostic::error("c", hostile.clone()).at(f, None);
        let out = render(std::slice::from_ref(&d), &map, Format::Json, false);
        assert!(!has_control(&out, &['\n']), "{out:?}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back[0]["message"], hostile.as_str());
    }

    #[test]
    fn overlong_lines_are_shown_around_the_position_only() {
        let long = format!(
            "k: [{}x\u{1b}, {}]\nnext: 1\n",
            "1, ".repeat(100_000),
            "2, ".repeat(100_000)
        );
        let x = long.find('x').unwrap();
        let (map, f) = one("f", &long);
        let d = Diagnostic::error("c", "m").at(f, at(1, 0, x, x + 1));
        let out = render(std::slice::from_ref(&d), &map, Format::Human, false);
        assert!(out.len() < 2_000, "{} bytes", out.len());
        // Columns are the original ones; the caret is under `x`.
        assert!(out.contains(&format!("f:1:{}", x + 1)), "{out}");
        let snippet = out.lines().find(|l| l.contains("x\\u{1b}")).unwrap();
        let caret = out.lines().find(|l| l.contains('^')).unwrap();
        let column = |line: &str, pat: &str| line.find(pat).map(|i| line[..i].chars().count());
        assert_eq!(column(snippet, "x\\u{1b}"), column(caret, "^"), "{out}");
        assert!(
            snippet.starts_with("1 │ k: [1, 1,") && snippet.contains('…'),
            "{snippet}"
        );
        assert!(snippet.ends_with('…'), "{snippet}");
        // A span over most of the line keeps both of its ends.
        let d = Diagnostic::error("c", "m").at(f, at(1, 1, 0, long.find('\n').unwrap()));
        let out = render(&[d], &map, Format::Human, false);
        assert!(out.len() < 2_000, "{out}");
        assert!(out.contains("2, 2, ]"), "{out}");
    }

    #[test]
    fn at_most_max_rendered_diagnostics_are_shown_all_are_counted() {
        let (map, f) = one("f", "a\n");
        let d = Diagnostic::error("c", "m").at(f, at(1, 1, 0, 1));
        let many = vec![d; MAX_RENDERED + 5];
        let out = render(&many, &map, Format::Human, false);
        assert_eq!(out.matches("error[c]").count(), MAX_RENDERED);
        assert!(out.contains("… and 5 more not shown"), "{out}");
        assert!(out.ends_with(&format!("{} error(s), 0 warning(s)\n", MAX_RENDERED + 5)));
        let json = render(&many, &map, Format::Json, false);
        assert_eq!(json.matches("\"code\"").count(), MAX_RENDERED + 5);
    }

    /// A typo is a near miss within two edits; a variant built on a name with more `-` or `_`
    /// separated words is not.
    #[test]
    fn typos_are_told_from_variants() {
        for (word, meant) in [
            ("webb", "web"),
            ("backup_failed", "backup-failed"),
            ("erors", "errors"),
            ("Api", "api"),
        ] {
            assert!(is_typo_of(word, meant), "{word} {meant}");
        }
        for (word, meant) in [
            ("container-error-api", "container-error"),
            ("worker-eu", "worker"),
            ("db", "db_cpu"),
            ("database-storage-critical", "database-storage"),
            ("apiserver", "api"),
        ] {
            assert!(!is_typo_of(word, meant), "{word} {meant}");
        }
    }

    /// A problem that stopped the reading (`too-large`) is shown even past [`MAX_RENDERED`]:
    /// hidden, the errors before it read as the whole count (sweep 59a, F4).
    #[test]
    fn a_stop_is_shown_past_the_rendered_ones() {
        let (map, f) = one("f", "a\n");
        let d = Diagnostic::error("c", "m").at(f, at(1, 1, 0, 1));
        let mut many = vec![d; MAX_RENDERED + 5];
        many.push(Diagnostic::error("too-large", "more than 120000 values").at(f, at(1, 1, 0, 1)));
        let out = render(&many, &map, Format::Human, false);
        assert!(
            out.contains("error[too-large]: more than 120000 values"),
            "{out}"
        );
        assert!(out.contains("… and 5 more not shown"), "{out}");
        assert!(out.ends_with(&format!("{} error(s), 0 warning(s)\n", MAX_RENDERED + 6)));
    }

    /// Past `max` of one code, one diagnostic at the first of the rest counts them, at their
    /// highest level; other codes and diagnostics that already count are untouched; the human
    /// output shows the counting one even past [`MAX_RENDERED`] and counts every problem
    /// (sweep 38, R2).
    #[test]
    fn cap_per_code_counts_the_rest_of_each_code_at_the_first_of_them() {
        let source = "x\n".repeat(MAX_RENDERED + 60);
        let (map, f) = one("f", &source);
        let at_line = |code: &str, line: usize, level: Level| Diagnostic {
            level,
            ..Diagnostic::error(code, format!("{code} at {line}")).at(f, at(line, 1, line, line))
        };
        let mut diags: Vec<Diagnostic> = (1..=10)
            .map(|l| at_line("A", l, Level::Warning))
            .chain([
                at_line("A", 11, Level::Error),
                at_line("B", 3, Level::Error),
            ])
            .chain([Diagnostic::error("A", "5 more not described").counting(5)])
            .collect();
        sort(&mut diags, &map);
        let before = diags.clone();
        cap_per_code(&mut diags, 20, &map);
        assert_eq!(diags, before, "nothing over the cap: unchanged");
        cap_per_code(&mut diags, 4, &map);
        let a: Vec<_> = diags.iter().filter(|d| d.code == "A").collect();
        // 4 described (lines 1-4), the earlier counting one, and one counting lines 5-11.
        assert_eq!(a.len(), 6, "{diags:#?}");
        let counting = a
            .iter()
            .find(|d| d.message.starts_with("7 more `A` problems"))
            .expect("one diagnostic counts the rest");
        assert_eq!(counting.omitted, 7);
        assert_eq!(counting.span.map(|s| s.line), Some(5));
        assert_eq!(
            counting.level,
            Level::Error,
            "the highest level of those it counts"
        );
        assert!(a.iter().any(|d| d.omitted == 5));
        assert_eq!(diags.iter().filter(|d| d.code == "B").count(), 1);
        // The human output: every problem counted, the counting diagnostics shown.
        let mut many: Vec<Diagnostic> = (1..=MAX_RENDERED + 50)
            .map(|l| at_line("A", l, Level::Error))
            .collect();
        cap_per_code(&mut many, MAX_RENDERED, &map);
        assert_eq!(many.len(), MAX_RENDERED + 1);
        let out = render(&many, &map, Format::Human, false);
        assert!(out.contains("50 more `A` problems"), "{out}");
        assert!(!out.contains("more not shown"), "{out}");
        assert!(out.ends_with(&format!("{} error(s), 0 warning(s)\n", MAX_RENDERED + 50)));
        let json = render(&many, &map, Format::Json, false);
        assert!(json.contains("\"omitted\": 50"), "{json}");
    }

    #[test]
    fn crlf_source_lines_render_without_escapes() {
        let source = "a: 1\r\nb: 2\r\n";
        let (map, f) = one("f", source);
        let d = Diagnostic::error("x", "y").at(f, at(2, 1, 6, 7));
        let out = render(&[d], &map, Format::Human, false);
        assert!(out.contains("f:2:1"), "{out}");
        assert!(!out.contains("\\u{d}"), "{out}");
    }

    #[test]
    fn github_annotations_escape_controls_and_workflow_command_syntax() {
        let (map, f) = SourceMap::single("a,b:c%.yaml");
        let d = Diagnostic::error("co:de,", "50% done\r\n::error::forged\u{1b}")
            .at(f, at(1, 2, 0, 1))
            .note("n\u{202e}");
        let out = render(&[d], &map, Format::Github, false);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!has_control(&out, &['\n']), "{out:?}");
        assert_eq!(
            out,
            "::error file=a%2Cb%3Ac%25.yaml,line=1,col=2,title=co%3Ade%2C::50%25 \
             done\\u{d}\\u{a}::error::forged\\u{1b}%0An\\u{202e}\n"
        );
    }

    #[test]
    fn github_annotations_escape_newlines_and_commas() {
        let (map, f) = SourceMap::single("env.yaml");
        let d = Diagnostic::error("schema", "bad, value")
            .at(
                f,
                Some(Span {
                    start: 0,
                    end: 1,
                    line: 3,
                    col: 5,
                }),
            )
            .help("use x");
        let out = render(&[d], &map, Format::Github, false);
        assert_eq!(
            out,
            "::error file=env.yaml,line=3,col=5,title=schema::bad, value%0Ahelp: use x\n"
        );
    }

    /// A long `code` span is cut to its first characters with its length; short ones, and text
    /// outside backticks, are left alone; an unpaired backtick ends the scan.
    #[test]
    fn long_code_spans_are_cut() {
        let long = "a".repeat(5000);
        let text = format!("service `{long}` is unknown; use `api` or `{long}`");
        let short = shorten_code_spans(&text).expect("cut");
        let kept = "a".repeat(LONG_CODE_KEPT);
        assert_eq!(
            short,
            format!(
                "service `{kept}…` (5000 characters) is unknown; use `api` or `{kept}…` (5000 characters)"
            )
        );
        assert_eq!(shorten_code_spans("use `api`"), None);
        let fits = format!("`{}` and `b", "é".repeat(LONG_CODE));
        assert_eq!(
            shorten_code_spans(&fits),
            None,
            "{LONG_CODE} characters fit"
        );
        let over = format!("`{}` and `b", "é".repeat(LONG_CODE + 1));
        assert!(
            shorten_code_spans(&over)
                .unwrap()
                .ends_with("…` (121 characters) and `b")
        );
    }
}
