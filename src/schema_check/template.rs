//! A strict checker of the Go template subset alert annotations need.
//!
//! Prometheus expands `{{ … }}` in alert summaries and descriptions with Go's `text/template`,
//! which can also loop, define templates and run queries. tofugen accepts only what an
//! annotation needs, so that a value can never change what the rule does:
//!
//! - values: `$value`, `$labels.NAME`, `$externalLabels.NAME`, `$externalURL`, and their
//!   dot forms `.Value`, `.Labels.NAME`, `.ExternalLabels.NAME`; string and number literals;
//! - functions: `humanize`, `humanize1024`, `humanizePercentage`, `humanizeDuration`,
//!   `humanizeTimestamp` (one number each: `$value`, a number, a numeric string or a label),
//!   `toUpper`, `toLower`, `title` (one string each: not `$value` or a number) and `printf` (a
//!   format literal, then one value per verb, of the verb's type);
//! - pipelines: `{{ $value | humanize }}`, `{{ printf "%.2f" $value }}`, `{{ $value | printf "%.1f" }}`;
//! - trim markers `{{-` and `-}}`.
//!
//! Anything else inside `{{ }}`, and unbalanced `{{` or `}}`, is an error at its position. The
//! types matter because Go checks them only when the alert fires, and Prometheus then puts
//! `<error expanding template: …>` in the notification instead of the text (promtool 2.42:
//! `humanize "x"` fails in `strconv.ParseFloat`, `toUpper $value` with "wrong type for value",
//! and `printf "%s %s" $value` prints `%!s(float64=0) %!s(MISSING)`). The function signatures are
//! Prometheus's `template/template.go` (`humanize*` convert their value with `convertToFloat`;
//! `toUpper`, `toLower` and `title` are Go's `strings` functions of one string).

use super::domains::DomainError;

/// Functions of one number.
const OF_A_NUMBER: [&str; 5] = [
    "humanize",
    "humanize1024",
    "humanizePercentage",
    "humanizeDuration",
    "humanizeTimestamp",
];

/// Functions of one string.
const OF_A_STRING: [&str; 3] = ["toUpper", "toLower", "title"];

/// What a value is when the template runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `$value`, `.Value` or a number literal: a Go `float64`.
    Number,
    /// A string literal that reads as a number (`"12"`): a string `humanize` can convert.
    NumericText,
    /// A label value: a string, numeric or not depending on the series.
    Label,
    /// Any other string: a literal, `$externalURL`, a function's result.
    Text,
}

impl Kind {
    fn of_str(text: &str) -> Kind {
        if go_parses_float(text) {
            Kind::NumericText
        } else {
            Kind::Text
        }
    }

    /// Whether a `humanize*` function can convert it.
    fn is_number(self) -> bool {
        self != Kind::Text
    }

    /// Whether Go passes it as a string.
    fn is_string(self) -> bool {
        self != Kind::Number
    }
}

/// Whether Go's `strconv.ParseFloat(text, 64)` reads `text` without an error, as Prometheus's
/// `convertToFloat` (template/template.go) does for a string handed to `humanize*`: no spaces
/// around it, a finite number (`1e400` is `ErrRange` in Go, infinity in Rust), or `inf` /
/// `infinity` with a sign or not, or `nan` without one, in any case (Go's `special`, read in
/// Go 1.26's `src/strconv/atof.go`, and checked with `go run` here: `" 12"`, `"1e400"` and
/// `"+nan"` are errors, `"NaN"`, `"-Inf"`, `"infinity"` are not). Go also reads hexadecimal
/// floats (`0x1p-2`) and `_` between digits (`1_000`), which Rust's parser does not: those are
/// refused, stricter (sweep 13, finding 2: `humanize " 12"` passed and failed when the alert
/// fired).
fn go_parses_float(text: &str) -> bool {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => true,
        Ok(f) if f.is_nan() => text.eq_ignore_ascii_case("nan"),
        Ok(_) => {
            let body = text.strip_prefix(['+', '-']).unwrap_or(text);
            body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity")
        }
        Err(_) => false,
    }
}

/// What the checker accepts, for messages.
const ACCEPTED: &str = "`$value`, `$labels.NAME`, `$externalLabels.NAME`, `humanize`, `humanizePercentage`, `humanizeDuration` and `printf`";

#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    /// A value: variable, field or number literal.
    Value(Kind),
    /// A function name.
    Func(&'a str),
    /// A string literal, with its text (for `printf` formats).
    Str(&'a str),
    /// `|`.
    Pipe,
}

/// Checks `text`: the first problem of each action, and a `}}` or `{{` left alone, in one
/// error ([`DomainError::all`]; sweep 57, H3-8: three problems took three runs).
pub fn check(text: &str) -> Result<(), DomainError> {
    let mut problems = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let open = rest.find("{{");
        let close = rest.find("}}");
        match (open, close) {
            (None, None) => break,
            (Some(o), Some(c)) if c < o => {
                problems.push(lone_closing(i + c));
                i += c + 2;
            }
            (None, Some(c)) => {
                problems.push(lone_closing(i + c));
                i += c + 2;
            }
            (Some(o), _) => {
                let start = i + o;
                // A comment ends at the `}}` after its `*/` (Go's text/template lexer): a `}}`
                // inside it is text, not a second problem (review of stop 59, F8).
                let inner = text[start + 2..].trim_start_matches('-').trim_start();
                let comment_end = inner
                    .starts_with("/*")
                    .then(|| {
                        let from = text.len() - inner.len() + 2;
                        let close = from + text[from..].find("*/")? + 2;
                        Some(close + text[close..].find("}}")?)
                    })
                    .flatten();
                let Some(end) = comment_end.or_else(|| action_end(text, start + 2)) else {
                    problems.push(DomainError::at(start, 2, "`{{` without its closing `}}`"));
                    break;
                };
                if let Err(e) = action(text, start + 2, end) {
                    problems.push(e);
                }
                i = end + 2;
            }
        }
    }
    match DomainError::all(problems) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A `}}` at `at` that no `{{` opened.
fn lone_closing(at: usize) -> DomainError {
    DomainError::at(
        at,
        2,
        "`}}` without an opening `{{` (write `{{ \"}}\" }}` for the text `}}`)",
    )
}

/// Byte offset of the `}}` that closes the action opened before `from`, skipping string
/// literals.
fn action_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
                i += 1;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Checks the action between `start` (after `{{`) and `end` (at `}}`).
fn action(text: &str, start: usize, end: usize) -> Result<(), DomainError> {
    let mut inner_start = start;
    let mut inner_end = end;
    let inner = &text[start..end];
    // Trim markers: `{{- ` and ` -}}` (the marker needs a blank next to it).
    if inner.starts_with("- ") || inner == "-" {
        inner_start += 1;
    }
    if inner.len() >= 2 && inner.ends_with(" -") {
        inner_end -= 1;
    }
    // `{{/* … */}}` and `{{- /* … */ -}}`, the form Go documents with trim markers.
    if inner.trim_start_matches('-').trim_start().starts_with("/*") {
        return Err(DomainError::at(
            start,
            inner.len().clamp(1, 2),
            "template comments are not supported: remove the action",
        ));
    }
    let tokens = tokenize(text, inner_start, inner_end)?;
    if tokens.is_empty() {
        return Err(DomainError::at(start - 2, 2, "an empty action `{{ }}`"));
    }
    // Commands separated by `|`; after the first, each command is a function.
    // Each command with the position of the `|` before it (the action's start for the first).
    let mut commands: Vec<(usize, Vec<(usize, Token)>)> = vec![(inner_start, Vec::new())];
    for t in tokens {
        if t.1 == Token::Pipe {
            commands.push((t.0, Vec::new()));
        } else {
            commands.last_mut().expect("one command at least").1.push(t);
        }
    }
    // The value a command passes on through `|`.
    let mut passed = Kind::Text;
    for (n, (pipe, command)) in commands.iter().enumerate() {
        let Some((at, first)) = command.first() else {
            return Err(DomainError::at(*pipe, 1, "an empty command around `|`"));
        };
        let piped = n > 0;
        passed = match first {
            Token::Func(name) => {
                let args = &command[1..];
                if let Some((p, _)) = args.iter().find(|(_, t)| matches!(t, Token::Func(_))) {
                    return Err(DomainError::at(
                        *p,
                        1,
                        "a function can only be applied with `|`, e.g. `{{ $value | humanize }}`",
                    ));
                }
                // What the function receives, each with where to point: its arguments, then
                // the piped value (Go passes it last), pointed at by the function's name.
                let mut values: Vec<(usize, usize, Kind)> =
                    args.iter().map(|(p, t)| (*p, 1, kind_of(t))).collect();
                if piped {
                    values.push((*at, name.len(), passed));
                }
                if *name == "printf" {
                    printf(*at, args, &values)?;
                } else if values.len() != 1 {
                    return Err(DomainError::at(
                        *at,
                        name.len(),
                        format!("`{name}` takes exactly one value"),
                    ));
                } else {
                    let (p, len, kind) = values[0];
                    if OF_A_NUMBER.contains(name) && !kind.is_number() {
                        return Err(DomainError::at(
                            p,
                            len,
                            format!(
                                "`{name}` needs a number (`$value`, a number or a label holding one), not text: Prometheus fails to convert it when the alert fires"
                            ),
                        ));
                    }
                    if OF_A_STRING.contains(name) && !kind.is_string() {
                        return Err(DomainError::at(
                            p,
                            len,
                            format!(
                                "`{name}` needs a string (a label or text), not a number: Go refuses the value when the alert fires; format the number first, e.g. `{{{{ $value | humanize }}}}`"
                            ),
                        ));
                    }
                }
                Kind::Text
            }
            _ if piped => {
                return Err(DomainError::at(
                    *at,
                    1,
                    "after `|` comes a function, e.g. `| humanize`",
                ));
            }
            _ => {
                if command.len() > 1 {
                    return Err(DomainError::at(
                        command[1].0,
                        1,
                        "one value per action; apply functions with `|`",
                    ));
                }
                kind_of(first)
            }
        };
    }
    Ok(())
}

/// What a value token is.
fn kind_of(token: &Token<'_>) -> Kind {
    match token {
        Token::Value(kind) => *kind,
        Token::Str(text) => Kind::of_str(text),
        Token::Func(_) | Token::Pipe => Kind::Text,
    }
}

/// Checks a `printf` at `at`: its format literal first (`args[0]`), then one value per verb
/// (`values[1..]`, the piped one last), each of a type its verb prints.
fn printf(
    at: usize,
    args: &[(usize, Token<'_>)],
    values: &[(usize, usize, Kind)],
) -> Result<(), DomainError> {
    let Some((p, Token::Str(format))) = args.first() else {
        return Err(DomainError::at(
            at,
            6,
            "`printf` needs a format string first, e.g. `printf \"%.2f\" $value`",
        ));
    };
    let verbs = printf_format(format, *p)?;
    let operands = &values[1..];
    if operands.is_empty() {
        return Err(DomainError::at(
            at,
            6,
            "`printf` needs a value after its format",
        ));
    }
    if verbs.len() != operands.len() {
        return Err(DomainError::at(
            *p,
            format.len() + 2,
            format!(
                "the format has {} verb{} for {} value{}: Go prints `%!v(MISSING)` or `%!(EXTRA …)` instead",
                verbs.len(),
                if verbs.len() == 1 { "" } else { "s" },
                operands.len(),
                if operands.len() == 1 { "" } else { "s" },
            ),
        ));
    }
    for (&(offset, len, verb), &(_, _, kind)) in verbs.iter().zip(operands) {
        let fits = match verb {
            b'v' | b'x' | b'X' => true,
            b'f' | b'F' | b'g' | b'G' | b'e' | b'E' => kind == Kind::Number,
            b's' | b'q' => kind.is_string(),
            _ => false,
        };
        if !fits {
            let (what, instead) = match kind {
                Kind::Number => ("a number", "`%f`, `%.2f`, `%g` or `%v`"),
                _ => ("text", "`%s` or `%v`"),
            };
            return Err(DomainError::at(
                offset,
                len,
                format!(
                    "`{}` cannot print {what} (template values are Go float64 numbers or strings): use {instead}",
                    &format[offset - p - 1..offset - p - 1 + len]
                ),
            ));
        }
    }
    Ok(())
}

fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The tokens of `text[start..end]`, each with its offset.
fn tokenize(text: &str, start: usize, end: usize) -> Result<Vec<(usize, Token<'_>)>, DomainError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'|' => {
                out.push((i, Token::Pipe));
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                while j < end && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        if !matches!(bytes.get(j + 1), Some(b'"' | b'\\' | b'n' | b't')) {
                            return Err(DomainError::at(
                                j,
                                2,
                                "only the escapes `\\\"`, `\\\\`, `\\n` and `\\t` are supported in template strings",
                            ));
                        }
                        j += 1;
                    }
                    j += 1;
                }
                if j >= end {
                    return Err(DomainError::at(i, 1, "a string without its closing `\"`"));
                }
                out.push((i, Token::Str(&text[i + 1..j])));
                i = j + 1;
            }
            b'$' | b'.' => {
                // Bytes of non-ASCII characters too, so that `$labels.é` is shown whole (and
                // refused: label names are ASCII).
                let mut j = i + 1;
                while j < end && (ident_char(bytes[j]) || bytes[j] == b'.' || bytes[j] >= 0x80) {
                    j += 1;
                }
                let word = &text[i..j];
                if !valid_reference(word) {
                    let shown = if word.len() <= 64 {
                        word
                    } else {
                        "this reference"
                    };
                    return Err(DomainError::at(
                        i,
                        word.len().max(1),
                        format!("unsupported reference `{shown}`: use {ACCEPTED}"),
                    ));
                }
                let kind = if word == "$value" || word == ".Value" {
                    Kind::Number
                } else if word == "$externalURL" {
                    Kind::Text
                } else {
                    Kind::Label
                };
                out.push((i, Token::Value(kind)));
                i = j;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let mut j = i + 1;
                while j < end && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                    j += 1;
                }
                // An exponent (`1e3`, `2.5E-2`), which Go's template lexer reads too.
                if j < end && matches!(bytes[j], b'e' | b'E') {
                    let mut k = j + 1;
                    if k < end && matches!(bytes[k], b'+' | b'-') {
                        k += 1;
                    }
                    if k < end && bytes[k].is_ascii_digit() {
                        while k < end && bytes[k].is_ascii_digit() {
                            k += 1;
                        }
                        j = k;
                    }
                }
                // A finite number: Go's template parser refuses `1e400` (out of range).
                let literal = text[i..j].strip_prefix(['-', '+']).unwrap_or(&text[i..j]);
                if !literal.parse::<f64>().is_ok_and(f64::is_finite) {
                    return Err(DomainError::at(i, j - i, "not a number"));
                }
                out.push((i, Token::Value(Kind::Number)));
                i = j;
            }
            b if b.is_ascii_alphabetic() => {
                let mut j = i + 1;
                while j < end && ident_char(bytes[j]) {
                    j += 1;
                }
                let word = &text[i..j];
                if word == "printf" || OF_A_NUMBER.contains(&word) || OF_A_STRING.contains(&word) {
                    out.push((i, Token::Func(word)));
                } else {
                    let shown = if word.len() <= 64 { word } else { "this word" };
                    return Err(DomainError::at(
                        i,
                        word.len(),
                        format!(
                            "unsupported template function or keyword `{shown}`: use {ACCEPTED}"
                        ),
                    ));
                }
                i = j;
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                return Err(DomainError::at(
                    i,
                    len,
                    format!("unsupported template syntax: use {ACCEPTED}"),
                ));
            }
        }
    }
    Ok(out)
}

/// `$value`, `$labels.x`, `.Labels.x`, ...
fn valid_reference(word: &str) -> bool {
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(ident_char) && !s.as_bytes()[0].is_ascii_digit();
    match word.split_once('.') {
        _ if word == "$value" || word == "$externalURL" || word == ".Value" => true,
        Some(("$labels" | "$externalLabels", name)) => ident(name),
        Some(("", rest)) => match rest.split_once('.') {
            Some(("Labels" | "ExternalLabels", name)) => ident(name),
            _ => false,
        },
        _ => false,
    }
}

/// The most characters an alert's `summary` or `description` may have (JSON Schema
/// `maxLength`, which counts characters): the text is expanded in
/// every notification of every firing series (sweep 56, F2). The longest built-in description
/// is under 1 KiB.
pub const MAX_TEXT: usize = 4096;

/// The most digits of a `printf` width or precision: `%99.99f` at most. Go's `fmt` pads to a
/// width of up to a million characters, so a 2 KB summary of `%1000000.1000000f` verbs expanded
/// to 50 MB each time the alert fired (sweep 56, F2).
pub const MAX_PRINTF_DIGITS: usize = 2;

/// The verbs of a `printf` format (text and verbs `%[flags][width][.precision]verb`), each
/// with its offset and length in the template (`at` is the opening quote's) and its letter;
/// `%%` is text.
fn printf_format(format: &str, at: usize) -> Result<Vec<(usize, usize, u8)>, DomainError> {
    let bytes = format.as_bytes();
    let mut verbs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && b"-+# 0".contains(&bytes[i]) {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - from
        };
        let width = digits(&mut i);
        let mut precision = 0;
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            precision = digits(&mut i);
        }
        if width.max(precision) > MAX_PRINTF_DIGITS {
            return Err(DomainError::at(
                at + 1 + start,
                i - start,
                "a `printf` width or precision has at most two digits (`%99.99f`): Go pads the \
                 text to that many characters in every notification of the alert",
            ));
        }
        match bytes.get(i) {
            Some(b'%') if i == start + 1 => i += 1,
            Some(
                &verb @ (b'v' | b'd' | b'f' | b'F' | b'g' | b'G' | b'e' | b'E' | b's' | b'q' | b'x'
                | b'X'),
            ) => {
                i += 1;
                verbs.push((at + 1 + start, i - start, verb));
            }
            _ => {
                return Err(DomainError::at(
                    at + 1 + start,
                    i - start + 1,
                    "a `printf` verb must be one of %v %d %f %g %e %s %q %x %%",
                ));
            }
        }
    }
    Ok(verbs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_annotations_need() {
        for ok in [
            "plain text, no actions",
            "{{ $labels.instance }} is down",
            "{{ $value }}",
            "{{ $value | humanize }}",
            "{{ $value | humanizePercentage }} of memory",
            "{{ humanizeDuration $value }}",
            "{{ printf \"%.2f\" $value }}",
            "{{ $value | printf \"%.1f%%\" }}",
            "{{- $labels.job -}}",
            "{{ .Labels.instance }} at {{ .Value }}",
            "{{ $externalLabels.cluster }} {{ $externalURL }}",
            "{{ humanize \"12\" }} {{ $labels.le | humanize }} {{ humanizeDuration 90 }}",
            "{{ $labels.job | toUpper }} {{ $value | humanize | toUpper }} {{ title \"x\" }}",
            "{{ printf \"%s is at %.1f%%\" $labels.job $value }} {{ printf \"%v %q\" 1 \"a\" }}",
            "{{ $value | printf \"%s: %g\" \"cpu\" }}",
            "{{ printf \"%-12s %99.99f %08.3e\" $labels.job $value $value }}",
            "{{ \"}}\" }}",
            // Exponents, and what Go's ParseFloat reads as a number (sweep 13, finding 2).
            "{{ 1e3 | humanize }} {{ humanize 2.5E-2 }} {{ humanize \"1e3\" }}",
            "{{ humanize \"-Inf\" }} {{ humanize \"infinity\" }} {{ humanize \"NaN\" }}",
            "a { b } c",
            "",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    /// Sweep 57, H3-8: every action's problem, and a `{{` left open after them, in one error
    /// underlined from the first to the last (three runs before).
    #[test]
    fn every_problem_of_a_text_is_reported_at_once() {
        let text = "{{ $value | exec }} {{ printf \"%999d\" 1 }} {{";
        let e = check(text).unwrap_err();
        let parts: Vec<&str> = e.message.split("; ").collect();
        assert_eq!(parts.len(), 3, "{e:?}");
        assert!(parts[0].contains("`exec`"), "{e:?}");
        assert!(parts[1].contains("two digits"), "{e:?}");
        assert!(parts[2].contains("without its closing"), "{e:?}");
        assert_eq!((e.offset, e.len), (Some(12), text.len() - 12));
        let e = check("{{- /* a */ -}}").unwrap_err();
        assert!(e.message.contains("comments"), "{e:?}");
        // A `}}` inside a comment is part of the comment: one problem, the comment.
        let e = check("{{/* see }} below */}} {{ $value }}").unwrap_err();
        assert!(!e.message.contains(';'), "{e:?}");
        assert!(e.message.contains("comments"), "{e:?}");
        // A lone `}}` does not hide the action after it.
        let e = check("a }} {{ $foo }}").unwrap_err();
        assert!(
            e.message.contains("opening") && e.message.contains("`$foo`"),
            "{e:?}"
        );
    }

    #[test]
    fn rejects_everything_else_at_its_position() {
        let cases = [
            ("{{ query \"up\" }}", 3, "`query`"),
            ("x {{ range $labels }}{{ end }}", 5, "`range`"),
            ("{{ $value", 0, "closing"),
            ("}} x", 0, "opening"),
            ("a }} {{ $value }}", 2, "opening"),
            ("{{ }}", 0, "empty"),
            ("{{ $foo }}", 3, "`$foo`"),
            ("{{ $labels }}", 3, "`$labels`"),
            ("{{ $value | }}", 10, "empty command"),
            ("{{ humanize }}", 3, "exactly one"),
            ("{{ humanize $value $value }}", 3, "exactly one"),
            ("{{ printf $value }}", 3, "format"),
            ("{{ printf \"%n\" $value }}", 11, "verb"),
            ("{{ printf \"%100f\" $value }}", 11, "two digits"),
            ("{{ printf \"%.100f\" $value }}", 11, "two digits"),
            (
                "{{ printf \"x %-1000000s\" $labels.job }}",
                13,
                "two digits",
            ),
            ("{{ $value $value }}", 10, "one value"),
            ("{{ $value | $value }}", 12, "function"),
            ("{{ template \"x\" }}", 3, "`template`"),
            ("{{/* c */}}", 2, "comments"),
            ("{{ (1) }}", 3, "syntax"),
            ("{{ $x := 1 }}", 3, "`$x`"),
            ("{{ \"a\\x41\" }}", 5, "escapes"),
            // Types Go checks only when the alert fires (promtool 2.42 prints an error or
            // `%!s(MISSING)` in the annotation).
            ("{{ humanize \"x\" }}", 12, "needs a number"),
            (
                "{{ $value | humanize | humanizePercentage }}",
                23,
                "needs a number",
            ),
            ("{{ toUpper $value }}", 11, "needs a string"),
            ("{{ $value | title }}", 12, "needs a string"),
            ("{{ title 3 }}", 9, "needs a string"),
            ("{{ printf \"%s %s\" $value }}", 10, "2 verbs for 1 value"),
            (
                "{{ printf \"%f\" $value $value }}",
                10,
                "1 verb for 2 values",
            ),
            (
                "{{ printf \"x %d\" $value }}",
                13,
                "`%d` cannot print a number",
            ),
            (
                "{{ printf \"%s\" $value }}",
                11,
                "`%s` cannot print a number",
            ),
            (
                "{{ printf \"%.2f\" $labels.job }}",
                11,
                "`%.2f` cannot print text",
            ),
            // Go's ParseFloat refuses spaces, out-of-range numbers and a signed NaN (sweep 13,
            // finding 2: promtool printed `<error expanding template: ...>` when it fired).
            ("{{ humanize \" 12\" }}", 12, "needs a number"),
            ("{{ humanize \"12 \" }}", 12, "needs a number"),
            ("{{ humanizeTimestamp \"1e400\" }}", 21, "needs a number"),
            ("{{ humanize \"+nan\" }}", 12, "needs a number"),
            ("{{ humanize 1e400 }}", 12, "not a number"),
            // Non-ASCII is part of the reference it is refused in.
            ("{{ $labels.é }}", 3, "`$labels.é`"),
        ];
        for (text, offset, words) in cases {
            let e = check(text).unwrap_err();
            assert_eq!(e.offset, Some(offset), "{text}: {e:?}");
            assert!(e.message.contains(words), "{text}: {}", e.message);
        }
    }
}
