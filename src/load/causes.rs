//! The causes of YAML syntax errors the parser describes only by what it found where it
//! stopped: a quote left open, a file cut short, a `}` that closes nothing, a list entry among
//! keys, a half of a surrogate pair, a no-break space taken for indentation. Each function
//! below adds a note (and a sharper `expected` and help) to a `yaml-syntax` diagnostic that
//! [`super::build`] has not explained otherwise; it changes no position the parser gave, except
//! to underline the character at fault on the line it points at.
//!
//! Sweep 57, H3-4: 12 of 15 syntax errors of a garbage corpus said only "expected valid YAML"
//! and "check indentation and quoting", some of them about a cause that was neither.

use crate::diagnostics::{Diagnostic, Span};

/// The help of a syntax error whose cause is not known: where to look.
pub(super) const GENERIC_HELP: &str =
    "check indentation and quoting on this line and the one before";

/// Whether `d` is a syntax error no one has explained yet: the parser's words and the generic
/// help only.
fn unexplained(d: &Diagnostic) -> bool {
    d.code == "yaml-syntax" && d.notes.is_empty() && d.help.as_deref() == Some(GENERIC_HELP)
}

/// Spaces other than U+0020 that editors and web pages put at the start of a line and that
/// look like one: YAML indents with U+0020 only, and reads these as text.
fn lookalike_space(c: char) -> bool {
    matches!(
        c,
        '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// The text of line `l` (0-based), without its line break.
fn line_text<'t>(text: &'t str, lines: &[usize], l: usize) -> &'t str {
    let end = lines.get(l + 1).copied().unwrap_or(text.len());
    text[lines[l]..end].trim_end_matches(['\n', '\r'])
}

/// A line at or just before the stop, that starts with a space other than U+0020 (after
/// U+0020 spaces, if any): the parser reads the line as text at the column of that character,
/// not as the indentation it shows. Checked before the indentation is described
/// ([`super::name_misaligned`] would count such a line as indented 0 spaces).
pub(super) fn name_lookalike_indent(d: &mut Diagnostic, text: &str, lines: &[usize]) {
    let Some(span) = d.span.filter(|_| unexplained(d)) else {
        return;
    };
    let stop = span.line - 1;
    // The line the parser stopped at and the two before it that hold anything.
    let candidates = (0..=stop.min(lines.len().saturating_sub(1)))
        .rev()
        .filter(|&l| !line_text(text, lines, l).trim().is_empty())
        .take(3);
    for l in candidates {
        let line = line_text(text, lines, l);
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let Some(c) = line[spaces..]
            .chars()
            .next()
            .filter(|&c| lookalike_space(c))
        else {
            continue;
        };
        let col = spaces + 1;
        d.notes.push(format!(
            "line {} starts with U+{:04X} ({}) at column {col}: it looks like a space, but YAML \
             indents with plain spaces only and reads it as text, so the line is not indented \
             as it shows",
            l + 1,
            c as u32,
            space_name(c),
        ));
        d.help = Some(format!(
            "replace the U+{:04X} at line {}, column {col}, with a plain space (often pasted \
             from a web page or a word processor)",
            c as u32,
            l + 1
        ));
        return;
    }
}

/// The usual name of a [`lookalike_space`].
fn space_name(c: char) -> &'static str {
    match c {
        '\u{a0}' => "a no-break space",
        '\u{202f}' => "a narrow no-break space",
        '\u{3000}' => "an ideographic space",
        _ => "a Unicode space",
    }
}

/// The cause of a syntax error still unexplained after the brackets and the indentation were
/// looked at: the first of these shapes that matches.
pub(super) fn name_cause(d: &mut Diagnostic, text: &str, lines: &[usize]) {
    let Some(span) = d.span.filter(|_| unexplained(d)) else {
        return;
    };
    if span.start > text.len() || span.line == 0 || span.line > lines.len() {
        return;
    }
    let _ = bad_escape(d, text, span)
        || open_quote(d, text, span)
        || cut_short(d, text, lines, span)
        || closes_nothing(d, text, span)
        || entry_among_keys(d, text, lines, span);
}

/// `"…\ud800…"`, `"\U00110000"`: the parser says an escape is invalid and points at the
/// opening quote. The escape is named and underlined.
fn bad_escape(d: &mut Diagnostic, text: &str, span: Span) -> bool {
    if !d.message.contains("invalid Unicode character escape") {
        return false;
    }
    let rest = &text[span.start..];
    if !rest.starts_with('"') {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let digits = match bytes.get(i + 1) {
            Some(b'x') => 2,
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => {
                i += 2;
                continue;
            }
        };
        let hex = rest.get(i + 2..i + 2 + digits).unwrap_or("");
        let code = (hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten();
        let (why, len) = match code {
            Some(c) if char::from_u32(c).is_some() => {
                i += 2 + digits;
                continue;
            }
            Some(c @ 0xd800..=0xdfff) => (
                format!(
                    "`\\{}{hex}` is half of a UTF-16 surrogate pair (U+{c:04X}), not a \
                     character: YAML escapes characters only",
                    bytes[i + 1] as char
                ),
                2 + digits,
            ),
            Some(c) => (
                format!("U+{c:X} is past the last Unicode character, U+10FFFF"),
                2 + digits,
            ),
            None => (
                format!(
                    "`\\{}` takes exactly {digits} hexadecimal digits",
                    bytes[i + 1] as char
                ),
                2 + hex.bytes().take_while(u8::is_ascii_hexdigit).count(),
            ),
        };
        let col = span.col + rest[..i].chars().count();
        d.span = Some(Span {
            start: span.start + i,
            end: span.start + i + len,
            line: span.line,
            col,
        });
        d.notes.push(why);
        d.expected = Some("the escape of a character".to_string());
        d.help = Some(
            "write the character itself, or its code point as `\\UXXXXXXXX` (a pair such as \
             `\\ud83d\\ude00` is read as the one character it encodes)"
                .to_string(),
        );
        return true;
    }
    false
}

/// `description: "Public storefront` (no closing quote on the line): YAML reads a quoted value
/// on across lines to its closing quote, and the parser stops at a later line indented less
/// than the value, or at the end of the file, pointing at the opening quote.
fn open_quote(d: &mut Diagnostic, text: &str, span: Span) -> bool {
    if !d.message.contains("quoted scalar") {
        return false;
    }
    let rest = &text[span.start..];
    let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        return false;
    };
    let eol = rest.find('\n').unwrap_or(rest.len());
    let after = &rest[quote.len_utf8()..eol];
    if closes(after, quote) {
        return false;
    }
    let how = if d.message.contains("end of stream") {
        "the file ends before it is closed".to_string()
    } else {
        "YAML reads the next lines as the rest of that value, up to the next `".to_string()
            + &quote.to_string()
            + "`, and stopped at a line indented less than the value"
    };
    d.notes.push(format!(
        "the `{quote}` at line {}, column {} opens a quoted value that is not closed on its \
         line: {how}",
        span.line, span.col
    ));
    d.expected = Some(format!(
        "a `{quote}` closing the value on line {}",
        span.line
    ));
    d.help = Some(format!(
        "add the closing `{quote}` at the end of the value on line {}",
        span.line
    ));
    true
}

/// Whether `after` (the rest of a line after an opening quote) holds the quote that closes it:
/// `\"` does not close a double-quoted value, and `''` is a quote inside a single-quoted one.
fn closes(after: &str, quote: char) -> bool {
    let mut chars = after.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            c if c == quote => {
                if quote == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The parser stopped at the end of the file, in the middle of something: the file was most
/// likely cut short (an interrupted save, a partial paste).
fn cut_short(d: &mut Diagnostic, text: &str, lines: &[usize], span: Span) -> bool {
    if !text[span.start..].trim().is_empty() {
        return false;
    }
    let open = super::open_brackets(text, 0, text.len());
    let inside = match open.last() {
        Some(&at) => {
            let line = lines.partition_point(|&l| l <= at);
            let col = text[lines[line - 1]..at].chars().count() + 1;
            let bracket = text.as_bytes()[at] as char;
            format!(", inside the `{bracket}` opened at line {line}, column {col}")
        }
        None => String::new(),
    };
    d.notes.push(format!(
        "the file ends here, in the middle of a line{inside}: it looks cut short (an \
         interrupted save or copy)"
    ));
    d.expected = Some("the rest of the file".to_string());
    d.help = Some(
        "restore the end of the file (`git diff` shows what is missing against the last \
         commit), or complete the last line"
            .to_string(),
    );
    true
}

/// `}` or `]` where no flow collection is open: the parser's "misplaced bracket".
fn closes_nothing(d: &mut Diagnostic, text: &str, span: Span) -> bool {
    let Some(c) = text[span.start..]
        .chars()
        .next()
        .filter(|c| matches!(c, '}' | ']'))
    else {
        return false;
    };
    if !d.message.contains("misplaced bracket") {
        return false;
    }
    let opening = if c == '}' { '{' } else { '[' };
    d.notes.push(format!(
        "this `{c}` closes no `{opening}`: no flow collection is open here"
    ));
    d.expected = Some(format!("a key, or a `{c}` only after its `{opening}`"));
    d.help = Some(format!(
        "remove the `{c}`, or add the `{opening}` it should close"
    ));
    true
}

/// A key at the indentation of a list's entries (`- web:` then `api:`): the parser's "did
/// not find expected '-' indicator".
fn entry_among_keys(d: &mut Diagnostic, text: &str, lines: &[usize], span: Span) -> bool {
    if !d.message.contains("expected '-' indicator") {
        return false;
    }
    let stop = span.line - 1;
    let indent = span.col - 1;
    let entry = (0..stop).rev().find(|&l| {
        let t = line_text(text, lines, l);
        let spaces = t.len() - t.trim_start_matches(' ').len();
        spaces == indent && (t[spaces..] == *"-" || t[spaces..].starts_with("- "))
    });
    let Some(entry) = entry else {
        return false;
    };
    d.notes.push(format!(
        "line {} starts a list entry (`- `) at this indentation, and this line a key: the items \
         of one collection are all list entries or all keys",
        entry + 1
    ));
    d.expected = Some("a list entry (`- `), as on the lines before".to_string());
    d.help = Some(format!(
        "if these are keys of one mapping (tofugen's sections are mappings of names), remove \
         the `- ` on line {}; if they are list entries, start this line with `- `",
        entry + 1
    ));
    true
}
