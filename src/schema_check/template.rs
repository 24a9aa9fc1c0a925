//! A strict checker of the Go template subset alert annotations need.
//!
//! Prometheus expands `{{ … }}` in alert summaries and descriptions with Go's `text/template`,
//! which can also loop, define templates and run queries. tofugen accepts only what an
//! annotation needs, so that a value can never change what the rule does:
//!
//! - values: `$value`, `$labels.NAME`, `$externalLabels.NAME`, `$externalURL`, and their
//!   dot forms `.Value`, `.Labels.NAME`, `.ExternalLabels.NAME`; string and number literals;
//! - functions: `humanize`, `humanize1024`, `humanizePercentage`, `humanizeDuration`,
//!   `humanizeTimestamp`, `toUpper`, `toLower`, `title` (one value each) and `printf` (a format
//!   literal, then values);
//! - pipelines: `{{ $value | humanize }}`, `{{ printf "%.2f" $value }}`, `{{ $value | printf "%.1f" }}`;
//! - trim markers `{{-` and `-}}`.
//!
//! Anything else inside `{{ }}`, and unbalanced `{{` or `}}`, is an error at its position.

use super::domains::DomainError;

/// Functions of one value.
const ONE_VALUE: [&str; 8] = [
    "humanize",
    "humanize1024",
    "humanizePercentage",
    "humanizeDuration",
    "humanizeTimestamp",
    "toUpper",
    "toLower",
    "title",
];

/// What the checker accepts, for messages.
const ACCEPTED: &str = "`$value`, `$labels.NAME`, `$externalLabels.NAME`, `humanize`, `humanizePercentage`, `humanizeDuration` and `printf`";

#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    /// A value: variable, field or literal.
    Value,
    /// A function name.
    Func(&'a str),
    /// A string literal, with its text (for `printf` formats).
    Str(&'a str),
    /// `|`.
    Pipe,
}

/// Checks `text`; the error names the offset of the first problem.
pub fn check(text: &str) -> Result<(), DomainError> {
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let open = rest.find("{{");
        let close = rest.find("}}");
        match (open, close) {
            (None, None) => return Ok(()),
            (Some(o), Some(c)) if c < o => {
                return Err(DomainError::at(
                    i + c,
                    2,
                    "`}}` without an opening `{{` (write `{{ \"}}\" }}` for the text `}}`)",
                ));
            }
            (None, Some(c)) => {
                return Err(DomainError::at(
                    i + c,
                    2,
                    "`}}` without an opening `{{` (write `{{ \"}}\" }}` for the text `}}`)",
                ));
            }
            (Some(o), _) => {
                let start = i + o;
                let end = action_end(text, start + 2)
                    .ok_or_else(|| DomainError::at(start, 2, "`{{` without its closing `}}`"))?;
                action(text, start + 2, end)?;
                i = end + 2;
            }
        }
    }
    Ok(())
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
    if inner.trim_start().starts_with("/*") {
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
    for (n, (pipe, command)) in commands.iter().enumerate() {
        let Some((at, first)) = command.first() else {
            return Err(DomainError::at(*pipe, 1, "an empty command around `|`"));
        };
        let piped = n > 0;
        match first {
            Token::Func(name) => {
                let args = &command[1..];
                if args.iter().any(|(_, t)| matches!(t, Token::Func(_))) {
                    let (p, _) = args
                        .iter()
                        .find(|(_, t)| matches!(t, Token::Func(_)))
                        .expect("found");
                    return Err(DomainError::at(
                        *p,
                        1,
                        "a function can only be applied with `|`, e.g. `{{ $value | humanize }}`",
                    ));
                }
                let count = args.len() + usize::from(piped);
                if *name == "printf" {
                    match args.first() {
                        Some((p, Token::Str(format))) => printf_format(format, *p)?,
                        _ => {
                            return Err(DomainError::at(
                                *at,
                                6,
                                "`printf` needs a format string first, e.g. `printf \"%.2f\" $value`",
                            ));
                        }
                    }
                    if count < 2 {
                        return Err(DomainError::at(
                            *at,
                            6,
                            "`printf` needs a value after its format",
                        ));
                    }
                } else if count != 1 {
                    return Err(DomainError::at(
                        *at,
                        name.len(),
                        format!("`{name}` takes exactly one value"),
                    ));
                }
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
            }
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
                let mut j = i + 1;
                while j < end && (ident_char(bytes[j]) || bytes[j] == b'.') {
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
                out.push((i, Token::Value));
                i = j;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let mut j = i + 1;
                while j < end && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                    j += 1;
                }
                if text[i..j]
                    .trim_start_matches(['-', '+'])
                    .parse::<f64>()
                    .is_err()
                {
                    return Err(DomainError::at(i, j - i, "not a number"));
                }
                out.push((i, Token::Value));
                i = j;
            }
            b if b.is_ascii_alphabetic() => {
                let mut j = i + 1;
                while j < end && ident_char(bytes[j]) {
                    j += 1;
                }
                let word = &text[i..j];
                if word == "printf" || ONE_VALUE.contains(&word) {
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

/// A `printf` format: text and verbs `%[flags][width][.precision]verb`.
fn printf_format(format: &str, at: usize) -> Result<(), DomainError> {
    let bytes = format.as_bytes();
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
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
        match bytes.get(i) {
            Some(
                b'v' | b'd' | b'f' | b'F' | b'g' | b'G' | b'e' | b'E' | b's' | b'q' | b'x' | b'X'
                | b'%',
            ) => i += 1,
            _ => {
                return Err(DomainError::at(
                    at + 1 + start,
                    i - start + 1,
                    "a `printf` verb must be one of %v %d %f %g %e %s %q %x %%",
                ));
            }
        }
    }
    Ok(())
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
            "{{ \"}}\" }}",
            "a { b } c",
            "",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
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
            ("{{ $value $value }}", 10, "one value"),
            ("{{ $value | $value }}", 12, "function"),
            ("{{ template \"x\" }}", 3, "`template`"),
            ("{{/* c */}}", 2, "comments"),
            ("{{ (1) }}", 3, "syntax"),
            ("{{ $x := 1 }}", 3, "`$x`"),
            ("{{ \"a\\x41\" }}", 5, "escapes"),
        ];
        for (text, offset, words) in cases {
            let e = check(text).unwrap_err();
            assert_eq!(e.offset, Some(offset), "{text}: {e:?}");
            assert!(e.message.contains(words), "{text}: {}", e.message);
        }
    }
}
