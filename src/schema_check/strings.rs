//! Every string of the configuration, keys included: no control characters, no `${{`, and the
//! checks of its domain that a pattern cannot express.
//!
//! - Control characters: C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), the bidirectional-text
//!   controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph
//!   separators (U+2028, U+2029) and U+FEFF are refused everywhere. The fields marked
//!   `x-multiline` in the schema (an alert's `expr` and `description`) accept line breaks and
//!   tabs; the emitters encode them.
//! - `${{` is refused everywhere: GitHub Actions evaluates it almost anywhere in a workflow.
//!
//! Each problem points at the offending character, inside the value.

use serde_json::Value;

use super::domains::{self, DomainError};
use super::scalar::SourceIndex;
use super::{alternatives, deref};
use crate::diagnostics::{Diagnostic, Span};
use crate::load::{Key, Node, NodeKind};
use crate::source::FileId;

/// At most this many string problems are reported one by one; the rest are summed up.
pub const MAX_REPORTED: usize = 100;

/// A problem with one string of the file.
#[derive(Debug, Clone)]
pub struct Problem {
    /// JSON pointer of the value, or of the entry when the key is the problem: what pruning
    /// removes.
    pub pointer: String,
    /// Where the value (or key) is.
    pub span: Span,
    /// The text, to find the offending part inside it.
    pub text: String,
    /// Byte range of the offending part in `text`, when it is a part.
    pub part: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: String,
    /// The likely fix.
    pub help: String,
}

impl Problem {
    /// The diagnostic, positioned with `source` when it is at hand.
    pub fn diagnostic(&self, file: FileId, source: Option<&SourceIndex<'_>>) -> Diagnostic {
        let span = match (self.part, source) {
            (Some((start, end)), Some(index)) => {
                index.span_in_scalar(self.span, &self.text, start, end)
            }
            _ => self.span,
        };
        Diagnostic::error("schema", self.message.clone())
            .at(file, Some(span))
            .expected(self.expected.clone())
            .help(self.help.clone())
    }
}

/// Every string problem of `root`, in file order.
pub fn problems(schema: &Value, root: &Node) -> Vec<Problem> {
    let mut walk = Walk {
        schema,
        out: Vec::new(),
    };
    let mut top = Vec::new();
    alternatives(schema, schema, &mut top);
    walk.node(root, &top, &mut Vec::new());
    walk.out
}

struct Walk<'s> {
    schema: &'s Value,
    out: Vec<Problem>,
}

fn escape(step: &str) -> String {
    step.replace('~', "~0").replace('/', "~1")
}

/// The JSON Pointer of `path` (`/services/api/command/1`).
fn pointer(path: &[(String, bool)]) -> String {
    path.iter()
        .map(|(step, _)| format!("/{}", escape(step)))
        .collect()
}

/// `services.api.command[1]`.
fn display(path: &[String], list_index: &[bool]) -> String {
    let mut out = String::new();
    for (step, is_index) in path.iter().zip(list_index) {
        if *is_index {
            out.push_str(&format!("[{step}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(step);
        }
    }
    out
}

impl<'s> Walk<'s> {
    fn node(&mut self, node: &Node, here: &[&'s Value], path: &mut Vec<(String, bool)>) {
        match &node.kind {
            NodeKind::Str(text) => self.value(node, text, here, path),
            NodeKind::Map(entries) => {
                // The mapping's key names, gathered once when a key's fix is to be checked
                // against them (a mapping of 100 000 invalid keys stays linear).
                let names: std::cell::OnceCell<std::collections::HashSet<&str>> =
                    std::cell::OnceCell::new();
                let taken = |f: &str| {
                    names
                        .get_or_init(|| entries.iter().map(|(k, _)| k.name.as_str()).collect())
                        .contains(f)
                };
                for (key, value) in entries {
                    path.push((key.name.clone(), false));
                    self.key(key, &taken, here, path);
                    let mut next = Vec::new();
                    for s in here {
                        let child = s
                            .get("properties")
                            .and_then(|p| p.get(&key.name))
                            .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()));
                        if let Some(c) = child {
                            alternatives(self.schema, c, &mut next);
                        }
                    }
                    self.node(value, &next, path);
                    path.pop();
                }
            }
            NodeKind::Seq(items) => {
                let mut next = Vec::new();
                for s in here {
                    if let Some(i) = s.get("items").filter(|i| i.is_object()) {
                        alternatives(self.schema, i, &mut next);
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    path.push((i.to_string(), true));
                    self.node(item, &next, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn place(path: &[(String, bool)]) -> String {
        let steps: Vec<String> = path.iter().map(|(s, _)| s.clone()).collect();
        let flags: Vec<bool> = path.iter().map(|(_, i)| *i).collect();
        display(&steps, &flags)
    }

    fn key(
        &mut self,
        key: &Key,
        taken: &dyn Fn(&str) -> bool,
        parent: &[&'s Value],
        path: &[(String, bool)],
    ) {
        // Built only for a problem: most keys have none.
        let place = || {
            let parent_place = Self::place(&path[..path.len() - 1]);
            if parent_place.is_empty() {
                "a key at the top level".to_string()
            } else {
                format!("a key in `{parent_place}`")
            }
        };
        // The names a mapping accepts (its `propertyNames`), checked here in one pass rather
        // than by the validator, whose errors on a large mapping would each copy the mapping.
        let domain = parent
            .iter()
            .find_map(|s| {
                deref(self.schema, s)
                    .get("x-key-domain")
                    .and_then(Value::as_str)
            })
            .and_then(domains::find);
        if let Some(d) = domain
            && let Err(problem) = key_problem(d, &key.name, taken)
        {
            self.out.push(Problem {
                pointer: pointer(path),
                span: key.span,
                text: key.name.clone(),
                ..problem
            });
        }
        if let Some(p) = text_problem(&key.name, false, place) {
            self.out.push(Problem {
                pointer: pointer(path),
                span: key.span,
                text: key.name.clone(),
                ..p
            });
        }
    }

    fn value(&mut self, node: &Node, text: &str, here: &[&'s Value], path: &[(String, bool)]) {
        let multiline = here
            .iter()
            .any(|s| s.get("x-multiline").and_then(Value::as_bool) == Some(true));
        // Built only for a problem: most values have none.
        let place = || format!("`{}`", Self::place(path));
        if let Some(p) = text_problem(text, multiline, place) {
            self.out.push(Problem {
                pointer: pointer(path),
                span: node.span,
                text: text.to_string(),
                ..p
            });
            return;
        }
        let domain = here
            .iter()
            .find_map(|s| {
                deref(self.schema, s)
                    .get("x-domain")
                    .and_then(Value::as_str)
            })
            .and_then(domains::find);
        let Some(domain) = domain else {
            return;
        };
        // The pattern itself is the JSON Schema's to report; the rest is ours.
        let (Some(check), true) = (domain.check, domain.pattern_matches(text)) else {
            return;
        };
        if let Err(DomainError {
            offset,
            len,
            message,
        }) = check(text)
        {
            self.out.push(Problem {
                pointer: pointer(path),
                span: node.span,
                text: text.to_string(),
                part: offset.map(|o| (o, (o + len).min(text.len()))),
                message: format!("{} is not {}: {message}", place(), domain.a_what()),
                expected: domain.expected.to_string(),
                help: domain.help(text),
            });
        }
    }
}

/// A key outside the names its mapping accepts. `taken` says whether another key of the same
/// mapping has a name: a fix that is taken (`Staging` beside `staging`) is no fix.
fn key_problem(
    d: &domains::Domain,
    name: &str,
    taken: &dyn Fn(&str) -> bool,
) -> Result<(), Problem> {
    // Only an invalid key is shown (and scanned for secrets): most keys are valid.
    let shown = || super::shown(name);
    let blank = |message: String, expected: String, help: String| Problem {
        pointer: String::new(),
        span: Span::default(),
        text: String::new(),
        part: None,
        message,
        expected,
        help,
    };
    if let Some(max) = d.max_len.filter(|&max| name.chars().count() > max) {
        return Err(blank(
            format!(
                "{} `{}` is too long: {} characters",
                d.what,
                shown(),
                name.chars().count()
            ),
            d.expected.to_string(),
            format!("rename it to {} of at most {max} characters", d.a_what()),
        ));
    }
    if !d.pattern_matches(name) {
        let secret = super::looks_secret_as_written_or_read(name);
        let non_ascii = (!secret).then(|| crate::text::non_ascii(name)).flatten();
        let fix = if secret {
            None
        } else {
            // A fix with no letter or digit left (`😀` as `_`) is no suggestion (sweep 13).
            domains::ascii_fix(d, name, non_ascii.as_ref())
                .filter(|f| f != name && f.chars().any(|c| c.is_ascii_alphanumeric()))
        };
        let help = match fix {
            // Sweep 58c, F6: `Staging` beside `staging` was told to become `staging`.
            Some(f) if taken(&f) => format!(
                "`{}` is already a key here: merge the two entries into `{}`, or rename this one to another valid {}",
                super::shown(&f),
                super::shown(&f),
                d.what
            ),
            Some(f) => format!("rename it to `{}`", super::shown(&f)),
            None => format!("rename it to a valid {}", d.what),
        };
        // The line shown reads like a valid name when a letter is a lookalike (sweep 57, H3-2):
        // the help says which character it is.
        let help = match non_ascii {
            Some(n) => format!("{}: {help}", n.note),
            None => help,
        };
        return Err(blank(
            format!("invalid {} `{}`", d.what, shown()),
            d.expected.to_string(),
            help,
        ));
    }
    if d.reserved.contains(&name) {
        let shown = shown();
        let names: Vec<String> = d.reserved.iter().map(|r| format!("`{r}`")).collect();
        return Err(blank(
            format!(
                "`{shown}` is a reserved {}: it is a directory of the generated tree",
                d.what
            ),
            format!("a name other than {}", names.join(" and ")),
            format!("rename it, e.g. `{shown}-env`"),
        ));
    }
    Ok(())
}

/// A forbidden character: its code point and name.
pub fn forbidden(c: char, multiline: bool) -> Option<&'static str> {
    if multiline && (c == '\n' || c == '\t') {
        return None;
    }
    Some(match c {
        '\n' => "a line break (U+000A)",
        '\t' => "a tab (U+0009)",
        '\r' => "a carriage return (U+000D)",
        '\u{0}' => "a NUL character (U+0000)",
        '\u{1b}' => "an escape character (U+001B), which terminals interpret",
        '\u{1}'..='\u{1f}' => "a control character (C0, U+0001–U+001F)",
        '\u{7f}' => "a DEL character (U+007F)",
        '\u{80}'..='\u{9f}' => "a control character (C1, U+0080–U+009F)",
        c if bidirectional(c) => {
            "a bidirectional-text control (U+061C, U+200E/F, U+202A–U+202E or U+2066–U+2069), which makes text display in another order than it is read"
        }
        '\u{2028}' => "a line separator (U+2028)",
        '\u{2029}' => "a paragraph separator (U+2029)",
        '\u{feff}' => "a zero-width no-break space (U+FEFF)",
        '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{206a}'..='\u{206f}' | '\u{00ad}' => {
            "an invisible formatting character (U+00AD, U+200B, U+2060–U+2064 or U+206A–U+206F), which hides a difference between two texts that read the same"
        }
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' => {
            "a Hangul filler (U+115F, U+1160, U+3164 or U+FFA0), which displays as blank"
        }
        '\u{fff9}'..='\u{fffb}' => "an interlinear annotation character (U+FFF9–U+FFFB)",
        '\u{e0000}'..='\u{e007f}' => {
            "a tag character (U+E0000–U+E007F), invisible text that some tools still read"
        }
        '\u{fe00}'..='\u{fe0d}' | '\u{e0100}'..='\u{e01ef}' => {
            "a variation selector (U+FE00–U+FE0D or U+E0100–U+E01EF), invisible, which hides a difference between two texts that read the same"
        }
        '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{ffffd}' | '\u{100000}'..='\u{10fffd}' => {
            "a private-use character, which has no agreed meaning or appearance"
        }
        c if ('\u{fdd0}'..='\u{fdef}').contains(&c) || (c as u32) & 0xfffe == 0xfffe => {
            "a noncharacter (U+FDD0–U+FDEF or U+xFFFE/U+xFFFF), which Unicode reserves for internal use"
        }
        // The rest of what the emitters hide ([`crate::text::invisible`]: default-ignorable
        // code points, format controls), but the joiners and presentation selectors of emoji.
        c if crate::text::invisible(c)
            && !matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe0e}' | '\u{fe0f}') =>
        {
            "an invisible character (Unicode's default-ignorable code points, or a format control), which hides a difference between two texts that read the same"
        }
        _ => return None,
    })
}

/// Whether `c` is a bidirectional-text control: U+061C, U+200E, U+200F, U+202A–U+202E or
/// U+2066–U+2069 (the characters of "Trojan Source", CVE-2021-42574).
pub fn bidirectional(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Byte offsets in `source` of the characters no value may hold ([`forbidden`], line breaks and
/// tabs aside) outside every key and string of `root` (the tree read from `source`): in
/// comments, which no value check sees. A bidirectional-text control makes the comment, and the
/// rest of its line, display in another order than YAML reads it (sweep 34, F6); an escape or
/// backspace sequence redraws the line in a terminal, and a next-line or line separator (U+0085,
/// U+2028, U+2029) ends the line for YAML 1.1 readers (PyYAML) and some editors, so that a
/// reviewer reads a value that is not there (sweep 58d, F1: `command: [evil] # <ESC>[2K…
/// command: [harmless]` showed only the harmless one). YAML 1.2 itself allows no C0 or C1
/// control in a stream but TAB, LF, CR and NEL (§5.1, `c-printable`). A carriage return (CRLF
/// line ends; a lone one is refused as a line end) and a byte-order mark at the start are not
/// counted.
pub fn controls_outside_values(source: &str, root: &Node) -> Vec<usize> {
    // An ASCII file can hold only the C0 controls and DEL (the common case: none).
    let ascii_control = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f;
    if source.is_ascii() && !source.bytes().any(ascii_control) {
        return Vec::new();
    }
    // The tag characters of a flag's emoji tag sequence (U+1F3F4, tags, U+E007F cancel tag:
    // the flags of Scotland, Wales, England) show as one flag, not as hidden text (review of
    // sweep 58d, F1).
    let mut in_flag = false;
    let found: Vec<usize> = source
        .char_indices()
        .filter(|&(i, c)| {
            let tag = ('\u{e0020}'..='\u{e007f}').contains(&c);
            let flag_part = tag && in_flag;
            in_flag = c == '\u{1f3f4}' || (flag_part && c != '\u{e007f}');
            !flag_part && c != '\r' && !(i == 0 && c == '\u{feff}') && forbidden(c, true).is_some()
        })
        .map(|(i, _)| i)
        .collect();
    if found.is_empty() {
        return found;
    }
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Str(_) => spans.push((node.span.start, node.span.end)),
            NodeKind::Map(entries) => {
                for (key, value) in entries {
                    spans.push((key.span.start, key.span.end));
                    stack.push(value);
                }
            }
            NodeKind::Seq(items) => stack.extend(items),
            _ => {}
        }
    }
    // Scalars do not overlap (an alias's copy repeats its anchor's spans): the span that may
    // hold `at` is the last one starting at or before it.
    spans.sort_unstable();
    found
        .into_iter()
        .filter(|&at| {
            let before = spans.partition_point(|&(start, _)| start <= at);
            before == 0 || spans[before - 1].1 <= at
        })
        .collect()
}

/// The first character or sequence of `text` no output may receive.
fn text_problem(text: &str, multiline: bool, place: impl Fn() -> String) -> Option<Problem> {
    let bad = text
        .char_indices()
        .find_map(|(i, c)| forbidden(c, multiline).map(|what| (i, c, what)));
    let expr = text.find("${{");
    let blank = |message: String, expected: &str, help: &str, part: (usize, usize)| Problem {
        pointer: String::new(),
        span: Span::default(),
        text: String::new(),
        part: Some(part),
        message,
        expected: expected.to_string(),
        help: help.to_string(),
    };
    match (bad, expr) {
        (Some((i, c, what)), e) if e.is_none_or(|e| i < e) => Some(blank(
            format!("{} contains {what}", place()),
            if multiline {
                "text without control characters other than line breaks and tabs"
            } else {
                "text on one line, without control characters"
            },
            if c == '\n' {
                "write the value on one line"
            } else {
                "remove the character (it often comes with a copy-paste); no output of tofugen may receive it"
            },
            (i, i + c.len_utf8()),
        )),
        (_, Some(e)) => Some(blank(
            format!(
                "{} contains `${{{{`, which GitHub Actions evaluates as an expression",
                place()
            ),
            "text without `${{`",
            "remove it: configuration values never carry GitHub expressions into workflows (write `$ {{` to show the characters)",
            (e, e + 3),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        for c in [
            '\u{0}',
            '\u{7}',
            '\u{1b}',
            '\r',
            '\u{7f}',
            '\u{85}',
            '\u{9b}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{2028}',
            '\u{2029}',
            '\u{200f}',
            // Invisible or blank-looking: a value that reads like another (`prod\u{200b}`).
            '\u{200b}',
            '\u{2060}',
            '\u{ad}',
            '\u{3164}',
            '\u{115f}',
            '\u{fff9}',
            '\u{e0041}',
            '\u{e000}',
            '\u{f0000}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            // Default-ignorable (sweep 36, attack F3: `exa\u{180e}mple.org`).
            '\u{34f}',
            '\u{180e}',
            '\u{17b4}',
            '\u{2065}',
            '\u{fe00}',
            '\u{e0100}',
            '\u{1d173}',
            '\u{1bca0}',
            '\u{13430}',
        ] {
            assert!(forbidden(c, true).is_some(), "{:?}", c);
        }
        assert!(forbidden('\n', false).is_some() && forbidden('\n', true).is_none());
        assert!(forbidden('\t', false).is_some() && forbidden('\t', true).is_none());
        // Joiners and variation selectors shape scripts and emoji (`❤️`, `👩‍💻`).
        for c in [
            'a', ' ', 'é', '€', '\u{a0}', '日', '🙂', '\u{200c}', '\u{200d}', '\u{fe0e}',
            '\u{fe0f}',
        ] {
            assert!(forbidden(c, false).is_none(), "{:?}", c);
        }
    }

    #[test]
    fn first_problem_wins() {
        let x = || "`x`".to_string();
        let p = text_problem("ab${{ x }}\u{7}", false, x).unwrap();
        assert_eq!(p.part, Some((2, 5)));
        let p = text_problem("a\u{7}${{", false, x).unwrap();
        assert_eq!(p.part, Some((1, 2)));
        assert!(text_problem("${ {", false, x).is_none());
        assert!(text_problem("$${x} and {{ y }}", false, x).is_none());
    }
}

#[cfg(test)]
mod comment_tests {
    use super::controls_outside_values;
    use crate::source::SourceMap;

    /// The lines (1-based) of the controls found outside values in `text`.
    fn lines(text: &str) -> Vec<usize> {
        let (_, file) = SourceMap::single("t.yaml");
        let (source, root) = crate::load::load(file, text.as_bytes()).expect("loads");
        controls_outside_values(&source, &root)
            .into_iter()
            .map(|at| source[..at].matches('\n').count() + 1)
            .collect()
    }

    /// Comments are searched wherever they are; the values' own controls are not reported
    /// again (the value check reports them).
    #[test]
    fn controls_in_comments_only() {
        let text = "# head \u{202e}one\n\
                    a: x # after a value \u{2066}\n\
                    b: \"q\u{202e}uoted\"\n\
                    c: |\n  block \u{202e} text\n  # not a comment \u{2067}\n\
                    # after a block \u{202d}\n\
                    d: plain\u{200f}\n\
                    e\u{202e}: key\n\
                    f: [x, y] # flow \u{61c}\n\
                    g: >\n  folded\n\n  \u{2069}text\n\
                    h: z\n\
                    i: | # a block's header \u{202e}\n  text\n";
        assert_eq!(lines(text), vec![1, 2, 7, 10, 16]);
        assert!(lines("a: b # plain comment, é and 日本\n").is_empty());
        assert!(lines("a: b\n").is_empty());
    }
}
