//! Diagnostics: what every stage reports, and how it is shown (human, JSON, GitHub annotations).
//!
//! A [`Diagnostic`] names a file, a position (`line:col`, 1-based), what is wrong, what was
//! expected and, when there is one, the likely fix. Stages collect diagnostics and keep going,
//! so a run reports every problem at once.

use std::fmt::Write as _;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config as TermConfig};
use serde::Serialize;

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
    /// The byte range, for renderers.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end.max(self.start)
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// Stable code, e.g. `yaml-syntax`, `schema`, `TG001`.
    pub code: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// File the finding is in (as given on the command line).
    pub file: String,
    /// Where in the file; `None` for whole-file findings.
    pub span: Option<Span>,
    /// What was expected there.
    pub expected: Option<String>,
    /// The likely fix, e.g. a did-you-mean.
    pub help: Option<String>,
    /// Further context lines.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error with a code and message.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            code: code.into(),
            message: message.into(),
            file: String::new(),
            span: None,
            expected: None,
            help: None,
            notes: Vec::new(),
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
    pub fn at(mut self, file: impl Into<String>, span: Option<Span>) -> Self {
        self.file = file.into();
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

    /// `file:line:col` (or just `file`).
    pub fn location(&self) -> String {
        match self.span {
            Some(s) => format!("{}:{}:{}", self.file, s.line, s.col),
            None => self.file.clone(),
        }
    }
}

/// Sorts diagnostics by file and position, errors before warnings at the same place.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            &a.file,
            a.span.map(|s| (s.line, s.col)),
            b.level,
            &a.code,
            &a.message,
        )
            .cmp(&(
                &b.file,
                b.span.map(|s| (s.line, s.col)),
                a.level,
                &b.code,
                &b.message,
            ))
    });
}

/// Did-you-mean: the closest candidate to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let other = c.to_ascii_lowercase();
            let distance = strsim::osa_distance(&lower, &other);
            let close = distance <= (lower.len().max(other.len()) / 3).max(1)
                || strsim::jaro_winkler(&lower, &other) >= 0.9;
            close.then_some((distance, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
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

/// Renders diagnostics in `format`. `source` is the text of the file they point into.
pub fn render(diags: &[Diagnostic], source: &str, format: Format, color: bool) -> String {
    match format {
        Format::Human => render_human(diags, source, color),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(diags).expect("diagnostics serialize");
            s.push('\n');
            s
        }
        Format::Github => render_github(diags),
    }
}

fn render_human(diags: &[Diagnostic], source: &str, color: bool) -> String {
    let mut out = Vec::new();
    let config = TermConfig::default();
    for d in diags {
        let file = SimpleFile::new(d.file.as_str(), source);
        let severity = match d.level {
            Level::Error => CsSeverity::Error,
            Level::Warning => CsSeverity::Warning,
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.code.clone())
            .with_message(d.message.clone());
        if let Some(span) = d.span {
            let range = clamp(span.range(), source);
            let label_text = d
                .expected
                .as_ref()
                .map(|e| format!("expected {e}"))
                .unwrap_or_default();
            cs = cs.with_labels(vec![Label::primary((), range).with_message(label_text)]);
        } else if let Some(e) = &d.expected {
            cs = cs.with_notes(vec![format!("expected {e}")]);
        }
        let mut notes = d.notes.clone();
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        if !notes.is_empty() {
            // `with_notes` appends.
            cs = cs.with_notes(notes);
        }
        if d.span.is_none() {
            // codespan prints no location without a label: say it ourselves.
            let _ = writeln!(
                WriteAdapter(&mut out),
                "{}: {}[{}]: {}",
                d.file,
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
        }
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
    let errors = diags.iter().filter(|d| d.level == Level::Error).count();
    let warnings = diags.len() - errors;
    if !diags.is_empty() {
        let _ = writeln!(
            WriteAdapter(&mut out),
            "{errors} error(s), {warnings} warning(s)"
        );
    }
    String::from_utf8_lossy(&out).into_owned()
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

fn render_github(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut props = format!("file={}", escape_property(&d.file));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = ["min", "max", "concurrent_requests"];
        assert_eq!(did_you_mean("mxa", keys), Some("max"));
        assert_eq!(
            did_you_mean("concurent_requests", keys),
            Some("concurrent_requests")
        );
        assert_eq!(did_you_mean("zzzzzz", keys), None);
    }

    #[test]
    fn github_annotations_escape_newlines_and_commas() {
        let d = Diagnostic::error("schema", "bad, value")
            .at(
                "env.yaml",
                Some(Span {
                    start: 0,
                    end: 1,
                    line: 3,
                    col: 5,
                }),
            )
            .help("use x");
        let out = render(&[d], "", Format::Github, false);
        assert_eq!(
            out,
            "::error file=env.yaml,line=3,col=5,title=schema::bad, value%0Ahelp: use x\n"
        );
    }
}
