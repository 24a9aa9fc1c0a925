//! JSON's UTF-16 surrogate pairs in double-quoted scalars.
//!
//! YAML 1.2 is meant to read every JSON text, and JSON writes a character beyond the Basic
//! Multilingual Plane as a pair of escapes (`"\uD83D\uDE00"` for U+1F600: Python's
//! `json.dumps` does so by default, `jq` with `--ascii-output` too). YAML's own `\u` escape
//! takes one code point, and saphyr-parser, like the YAML 1.2 specification, refuses a
//! surrogate code point alone: a configuration generated from JSON with such a character did
//! not load (sweep 10).
//!
//! Only a YAML scanner knows whether a `\u` is an escape inside a double-quoted scalar or text
//! elsewhere (a comment, a plain or single-quoted scalar). So the text is not decoded here:
//! each pair of escapes is rewritten, at the same length, as two escapes of private-use
//! placeholder characters that occur nowhere in the file (neither as characters nor as
//! escapes), the rewritten text is parsed, and [`Surrogates::restore`] gives every scalar its
//! true value: in a double-quoted scalar a placeholder pair decodes to the character the
//! surrogate pair encodes; elsewhere the rewritten escape text is put back as it was written.
//! Positions are unchanged (same bytes, same lines, same columns). A surrogate that is not
//! part of a pair stays an error, as in JSON parsers that check (it is not a character).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::ScalarStyle;

/// Placeholders: Unicode's Private Use Area in the Basic Multilingual Plane, written as a
/// six-byte `\uXXXX` escape like the surrogates they stand for.
const PRIVATE_USE: std::ops::RangeInclusive<u32> = 0xE000..=0xF8FF;

/// The placeholders of one file: what each stands for.
#[derive(Debug, Default)]
pub(super) struct Surrogates {
    /// Placeholder → (the surrogate it stands for, the six-byte escape as written).
    by_placeholder: HashMap<char, (u32, String)>,
}

/// The value of the `\uXXXX` escape starting at `i` in `bytes`, if there is one.
fn escape_at(bytes: &[u8], i: usize) -> Option<u32> {
    if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
        return None;
    }
    let hex = bytes.get(i + 2..i + 6)?;
    let hex = std::str::from_utf8(hex).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Whether the backslash at `i` starts an escape: an even number of backslashes before it.
fn escapes(bytes: &[u8], i: usize) -> bool {
    bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
}

/// The code points every `\uXXXX` and `\UXXXXXXXX` escape of `text` stands for, wherever it
/// is, and the private-use characters written as they are: none of them can be a placeholder.
fn taken(text: &str) -> HashSet<u32> {
    let bytes = text.as_bytes();
    let mut taken: HashSet<u32> = text
        .chars()
        .map(u32::from)
        .filter(|c| PRIVATE_USE.contains(c))
        .collect();
    for (i, _) in text.match_indices('\\') {
        let width = match bytes.get(i + 1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => continue,
        };
        if let Some(hex) = bytes.get(i + 2..i + 2 + width)
            && hex.iter().all(u8::is_ascii_hexdigit)
            && let Ok(code) = u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("x"), 16)
        {
            taken.insert(code);
        }
    }
    taken
}

/// `text` with each surrogate pair of `\u` escapes replaced by two placeholder escapes of the
/// same length, and the placeholders; `None` when the text has no such pair (the usual case:
/// no copy is made). A pair is left as written when the Private Use Area has no free
/// placeholder left (the file then fails to load as before).
pub(super) fn rewrite(text: &str) -> Option<(String, Surrogates)> {
    let bytes = text.as_bytes();
    let is_pair = |i: usize| {
        escapes(bytes, i)
            && escape_at(bytes, i).is_some_and(|hi| (0xD800..=0xDBFF).contains(&hi))
            && escape_at(bytes, i + 6).is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo))
    };
    let mut pairs = text
        .match_indices("\\u")
        .map(|(i, _)| i)
        .filter(|&i| is_pair(i));
    let first = pairs.next()?;
    let taken = taken(text);
    let mut free = PRIVATE_USE
        .filter(move |c| !taken.contains(c))
        .filter_map(char::from_u32);
    let mut by_text: HashMap<&str, char> = HashMap::new();
    let mut surrogates = Surrogates::default();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some(i) = next {
        next = pairs.next();
        // Pairs do not overlap: a pair's low half is not the high half of another.
        if i < copied {
            continue;
        }
        let halves = [&text[i..i + 6], &text[i + 6..i + 12]];
        let mut placeholders = ['\0'; 2];
        for (slot, half) in placeholders.iter_mut().zip(halves) {
            *slot = match by_text.get(half) {
                Some(&p) => p,
                None => match free.next() {
                    Some(p) => {
                        by_text.insert(half, p);
                        let code = escape_at(half.as_bytes(), 0).unwrap_or_default();
                        surrogates
                            .by_placeholder
                            .insert(p, (code, half.to_string()));
                        p
                    }
                    None => '\0',
                },
            };
        }
        if placeholders.contains(&'\0') {
            continue;
        }
        out.push_str(&text[copied..i]);
        for p in placeholders {
            out.push_str(&format!("\\u{:04X}", u32::from(p)));
        }
        copied = i + 12;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some((out, surrogates))
}

impl Surrogates {
    /// The true value of a scalar the parser read from the rewritten text.
    pub(super) fn restore<'a>(&self, value: Cow<'a, str>, style: ScalarStyle) -> Cow<'a, str> {
        if style == ScalarStyle::DoubleQuoted {
            if !value.chars().any(|c| self.by_placeholder.contains_key(&c)) {
                return value;
            }
            let mut out = String::with_capacity(value.len());
            let mut chars = value.chars().peekable();
            while let Some(c) = chars.next() {
                let high = self.by_placeholder.get(&c).map(|(code, _)| *code);
                let low = chars
                    .peek()
                    .and_then(|n| self.by_placeholder.get(n))
                    .map(|(code, _)| *code);
                match (high, low) {
                    (Some(hi @ 0xD800..=0xDBFF), Some(lo @ 0xDC00..=0xDFFF)) => {
                        chars.next();
                        let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        out.extend(char::from_u32(code));
                    }
                    _ => out.push(c),
                }
            }
            Cow::Owned(out)
        } else {
            // Outside a double-quoted scalar the escape was text: put it back as written. One
            // pass over the value, each `\uXXXX` looked up (a loop over the placeholders was
            // quadratic: 6 400 placeholders x 100 000 scalars, 23 s; sweep 13, finding 1).
            if !value.contains("\\u") {
                return value;
            }
            let bytes = value.as_bytes();
            let mut out = String::with_capacity(value.len());
            let mut copied = 0;
            for (i, _) in value.match_indices("\\u") {
                if i < copied {
                    continue;
                }
                let written = escape_at(bytes, i)
                    .and_then(char::from_u32)
                    .and_then(|p| self.by_placeholder.get(&p))
                    .map(|(_, written)| written);
                if let Some(written) = written {
                    out.push_str(&value[copied..i]);
                    out.push_str(written);
                    copied = i + 6;
                }
            }
            if copied == 0 {
                return value;
            }
            out.push_str(&value[copied..]);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restored(text: &str, value: &str, style: ScalarStyle) -> String {
        let (_, s) = rewrite(text).expect("a pair");
        s.restore(Cow::Borrowed(value), style).into_owned()
    }

    #[test]
    fn a_pair_becomes_two_placeholder_escapes_of_the_same_length() {
        let text = "a: \"x\\uD83D\\uDE00y\"\n";
        let (out, _) = rewrite(text).unwrap();
        assert_eq!(out, "a: \"x\\uE000\\uE001y\"\n");
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn no_pair_no_copy() {
        assert!(rewrite("a: \"\\u00e9 \\uD83D alone \\uDE00\"\n").is_none());
        // An escaped backslash: `\\uD83D` is text, then a lone low surrogate.
        assert!(rewrite("a: \"\\\\uD83D\\uDE00\"\n").is_none());
    }

    #[test]
    fn placeholders_avoid_what_the_file_holds() {
        let text = "a: \"\\uD83D\\uDE00\" # \\ue000 \u{e001} \\U0000E002\n";
        let (out, _) = rewrite(text).unwrap();
        assert!(out.starts_with("a: \"\\uE003\\uE004\""), "{out}");
    }

    #[test]
    fn double_quoted_values_decode_the_pair() {
        let text = "a: \"\\uD83D\\uDE00\"\n";
        assert_eq!(
            restored(text, "x\u{e000}\u{e001}y", ScalarStyle::DoubleQuoted),
            "x\u{1F600}y"
        );
    }

    #[test]
    fn other_scalars_get_the_text_back_as_written() {
        let text = "a: '\\ud83d\\uDE00'\n";
        assert_eq!(
            restored(text, "\\uE000\\uE001", ScalarStyle::SingleQuoted),
            "\\ud83d\\uDE00"
        );
        assert_eq!(
            restored(text, "\\uE000\\uE001", ScalarStyle::Plain),
            "\\ud83d\\uDE00"
        );
    }
}
