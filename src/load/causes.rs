//! The causes of YAML syntax errors the parser describes only by what it found where it
//! stopped: a quote left open, a file cut short, a `}` that closes nothing, a list entry among
//! keys, a half of a surrogate pair, a no-break space taken for indentation. Each function
//! below adds a note (and a sharper `expected` and help) to a `yaml-syntax` diagnostic that
//! [`super::build`] has not explained otherwise; it changes no position the parser gave, except
//! to underline the character at fault on the line it points at.
//!
//! Sweep 57, H3-4: 12 of 15 syntax errors of a garbage corpus said only "expected valid YAML"
//! and "check indentation and quoting", some of them about a cause that was neither.

use super::outline::Outline;
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
pub(super) fn line_text<'t>(text: &'t str, lines: &[usize], l: usize) -> &'t str {
    let end = lines.get(l + 1).copied().unwrap_or(text.len());
    text[lines[l]..end].trim_end_matches(['\n', '\r'])
}

/// A line at or just before the stop, that starts with a space other than U+0020 (after
/// U+0020 spaces, if any): the parser reads the line as text at the column of that character,
/// not as the indentation it shows. Checked before the indentation is described
/// ([`super::name_misaligned`] would count such a line as indented 0 spaces).
pub(super) fn name_lookalike_indent(
    d: &mut Diagnostic,
    text: &str,
    lines: &[usize],
    outline: &Outline,
) {
    let Some(span) = d.span.filter(|_| unexplained(d)) else {
        return;
    };
    let stop = span.line - 1;
    // The line the parser stopped at and the two before it that start a node holding a key:
    // not the text of a block scalar or of a value continued on the next lines, where such a
    // space is a character of the value (review of stop 59, F4).
    let candidates = (0..=stop.min(lines.len().saturating_sub(1)))
        .rev()
        .filter(|&l| !line_text(text, lines, l).trim().is_empty())
        .take(3)
        .filter(|&l| outline.indents.get(l).is_some_and(Option::is_some) && outline.keys[l]);
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
pub(super) fn name_cause(d: &mut Diagnostic, text: &str, lines: &[usize], outline: &Outline) {
    let Some(span) = d.span.filter(|_| unexplained(d)) else {
        return;
    };
    if span.start > text.len() || span.line == 0 || span.line > lines.len() {
        return;
    }
    let _ = bad_escape(d, text, span)
        || open_quote(d, text, lines, span)
        || cut_short(d, text, lines, span, outline)
        || closes_nothing(d, text, span)
        || entry_among_keys(d, text, lines, span);
}

/// The parser's messages about a quoted value it could not finish: it points at the opening
/// quote. ("invalid trailing content after double-quoted scalar" is about text after a closed
/// one: review of stop 59, F1.)
const UNFINISHED_QUOTE: [&str; 3] = [
    "invalid indentation in quoted scalar",
    "while scanning a quoted scalar, found unexpected end of stream",
    "while scanning a quoted scalar, found unexpected document indicator",
];

/// Escapes YAML 1.2 knows after a `\` in a double-quoted value (section 5.7), a line break
/// (a continued line) and `x`, `u` and `U` aside.
const SIMPLE_ESCAPES: &[u8] = b"0abt\tnvfre \"/\\N_LP\n\r";

/// `"…\ud800…"`, `"\U00110000"`, `"\d"`: the parser says an escape is invalid or unknown and
/// points at the opening quote. The escape is named and underlined, on whichever line of the
/// value it is (review of stop 59, F3: on a later line it was taken for a quote left open).
fn bad_escape(d: &mut Diagnostic, text: &str, span: Span) -> bool {
    let unknown = d.message.contains("unknown escape character");
    if !unknown
        && !d.message.contains("invalid Unicode character escape")
        && !d.message.contains("expected hexadecimal number")
    {
        return false;
    }
    let rest = &text[span.start..];
    if !rest.starts_with('"') {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(&letter) = bytes.get(i + 1) else {
            return false;
        };
        let digits = match letter {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            c if SIMPLE_ESCAPES.contains(&c) => {
                i += 2;
                continue;
            }
            _ => 0,
        };
        let hex = rest.get(i + 2..i + 2 + digits).unwrap_or("");
        let code =
            (digits > 0 && hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(hex, 16).ok())
                .flatten();
        let letter = rest[i + 1..].chars().next().unwrap_or('?');
        let (why, len) = match code {
            Some(c) if char::from_u32(c).is_some() => {
                i += 2 + digits;
                continue;
            }
            _ if digits == 0 => (
                format!(
                    "`\\{letter}` is not an escape YAML knows (`\\n`, `\\t`, `\\\\`, `\\\"`, `\\uXXXX`, …)"
                ),
                1 + letter.len_utf8(),
            ),
            Some(c @ 0xd800..=0xdfff) => (
                format!(
                    "`\\{letter}{hex}` is half of a UTF-16 surrogate pair (U+{c:04X}), not a \
                     character: YAML escapes characters only"
                ),
                2 + digits,
            ),
            Some(c) => (
                format!("U+{c:X} is past the last Unicode character, U+10FFFF"),
                2 + digits,
            ),
            None => (
                format!("`\\{letter}` takes exactly {digits} hexadecimal digits"),
                2 + hex.bytes().take_while(u8::is_ascii_hexdigit).count(),
            ),
        };
        // The escape's line and column: the value may run over several lines.
        let before = &rest[..i];
        let (line, col) = match before.rfind('\n') {
            Some(nl) => (
                span.line + before.matches('\n').count(),
                before[nl + 1..].chars().count() + 1,
            ),
            None => (span.line, span.col + before.chars().count()),
        };
        d.span = Some(Span {
            start: span.start + i,
            end: span.start + i + len,
            line,
            col,
        });
        d.notes.push(why);
        if digits == 0 {
            d.expected = Some("an escape YAML knows".to_string());
            d.help = Some(
                "write `\\\\` for a backslash, or quote the value with `'` (where `\\` is an \
                 ordinary character)"
                    .to_string(),
            );
        } else {
            d.expected = Some("the escape of a character".to_string());
            d.help = Some(
                "write the character itself, or its code point as `\\UXXXXXXXX` (a pair such as \
                 `\\ud83d\\ude00` is read as the one character it encodes)"
                    .to_string(),
            );
        }
        return true;
    }
    false
}

/// `description: "Public storefront` (no closing quote on the line): YAML reads a quoted value
/// on across lines to its closing quote, and the parser stops at a later line indented less
/// than the value, or at the end of the file, pointing at the opening quote. When the next
/// line holds the closing quote, the value is closed but continued too little indented.
fn open_quote(d: &mut Diagnostic, text: &str, lines: &[usize], span: Span) -> bool {
    if !UNFINISHED_QUOTE.iter().any(|m| d.message.ends_with(m)) {
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
    let next = (span.line < lines.len()).then(|| line_text(text, lines, span.line));
    if let Some(next) = next.filter(|n| ends_the_value(n, quote)) {
        let indent = next.len() - next.trim_start_matches(' ').len();
        d.notes.push(format!(
            "the value opened by the `{quote}` at line {}, column {} goes on to line {}, which \
             closes it, but line {} is indented {indent} spaces: the lines of a quoted value \
             are indented further than its key",
            span.line,
            span.col,
            span.line + 1,
            span.line + 1,
        ));
        d.expected = Some(format!(
            "line {} indented further than the key of the value",
            span.line + 1
        ));
        d.help = Some(format!(
            "indent line {} further, or join it to line {}",
            span.line + 1,
            span.line
        ));
        return true;
    }
    let how = if d.message.contains("end of stream") {
        "the file ends before it is closed".to_string()
    } else {
        format!(
            "YAML reads the next lines as the rest of that value, up to the next `{quote}`, and \
             stopped at a line indented less than the value"
        )
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

/// Whether `line`, the line after one that opened a quoted value, reads as that value's end: its
/// first closing quote ends it, and no key comes before (review of stop 59: `image:
/// "nginx:1.27"` after a quote left open was taken for the rest of the value).
fn ends_the_value(line: &str, quote: char) -> bool {
    let t = line.trim();
    let Some(body) = t.strip_suffix(quote) else {
        return false;
    };
    !body.is_empty() && !closes(body, quote) && !body.contains(": ") && !body.ends_with(':')
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

/// The parser stopped at the end of the file, in the middle of its last line: the file may
/// have been cut short (an interrupted save, a partial paste), or that line is unfinished. A
/// flow collection the file ends in is named ([`Outline::flows`], which knows plain and block
/// scalars: review of stop 59, F6).
fn cut_short(
    d: &mut Diagnostic,
    text: &str,
    lines: &[usize],
    span: Span,
    outline: &Outline,
) -> bool {
    if !text[span.start..].trim().is_empty() || text.ends_with('\n') || text.ends_with('\r') {
        return false;
    }
    // The last line holds something (a line of spaces at the end is not where a file was cut).
    if line_text(text, lines, lines.len() - 1).trim().is_empty() {
        return false;
    }
    let open = outline
        .flows
        .last()
        .filter(|f| f.cut && f.to >= lines.len())
        .and_then(|f| {
            super::open_brackets(text, f.offset, text.len())
                .last()
                .copied()
        });
    let inside = match open {
        Some(at) => {
            let line = lines.partition_point(|&l| l <= at);
            let col = text[lines[line - 1]..at].chars().count() + 1;
            let bracket = text.as_bytes()[at] as char;
            format!(", inside the `{bracket}` opened at line {line}, column {col}")
        }
        None => String::new(),
    };
    d.notes.push(format!(
        "the file ends here, in the middle of its last line{inside}: either that line is \
         unfinished, or the file was cut short (an interrupted save or copy)"
    ));
    d.expected = Some("the rest of the line".to_string());
    d.help = Some(
        "complete the last line; if the file was cut short, restore its end (`git diff` shows \
         what is missing against the last commit)"
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
    // The entries of the list before this line, at its indentation: the lines indented further
    // are their contents; a line indented less, or a key at this indentation, ends the list.
    let mut entries = Vec::new();
    for l in (0..stop).rev() {
        let t = line_text(text, lines, l);
        let rest = t.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        let spaces = t.len() - rest.len();
        if spaces > indent {
            continue;
        }
        if spaces < indent || !(rest == "-" || rest.starts_with("- ")) {
            break;
        }
        entries.push(l + 1);
    }
    let (Some(&last), Some(&first)) = (entries.first(), entries.last()) else {
        return false;
    };
    let where_ = if first == last {
        format!("line {first}")
    } else {
        format!("lines {first} to {last}")
    };
    d.notes.push(format!(
        "{where_} start{} a list entry (`- `) at this indentation, and this line a key: the \
         items of one collection are all list entries or all keys",
        if first == last { "s" } else { "" }
    ));
    d.expected = Some("a list entry (`- `), as on the lines before".to_string());
    let each = if first == last { "the" } else { "each" };
    d.help = Some(format!(
        "if these are keys of one mapping (tofugen's sections are mappings of names), remove \
         {each} `- ` on {where_}; if they are list entries, start this line with `- `"
    ));
    true
}
