//! The values that a source line gives to a secret-sounding key (`DB_PASSWORD: x`), read from
//! the line's text alone: for the source excerpts of diagnostics raised before there is a tree
//! (a YAML syntax error), or about a value the tree does not read as an environment variable
//! (a mapping where a string was expected).
//!
//! The shapes of [`super::secret_scan`] end a `password: x` pair at the first blank, so that
//! `DB_PASSWORD: hunter2: correct horse battery staple` (the syntax error a `: ` in a value
//! makes) showed `******** correct horse battery staple` (review of stop 59). Here the value
//! runs as YAML reads it: to the end of the line or a comment, to a flow indicator inside
//! `{ }` or `[ ]`, or to its closing quote.

use super::secret_scan::{SECRET_NUMBER_MIN, placeholder, secret_name};

include!(concat!(env!("OUT_DIR"), "/schema_keys.rs"));

/// Whether `key` is a property name of the configuration's schema ([`SCHEMA_KEYS`]): its
/// value is a setting (`state.key` is an object key template, `secrets:` lists names, a
/// secret's `source:` says where it comes from), shown even where [`secret_name`] would take
/// the key for a secret's, or under one.
fn schema_key(key: &str) -> bool {
    SCHEMA_KEYS.binary_search(&key).is_ok()
}

/// The byte ranges in `line` (one line, without its line break) of every scalar value under a
/// key that [`secret_name`] takes for a secret, except the schema's own ([`schema_key`]), and
/// of every scalar in a flow collection under such a key: a quoted value without its quotes,
/// a plain one without the blanks around it. Placeholders (`changeme`, `${VAR}`), short
/// numbers, block scalars and aliases give none. Linear in the line's length.
pub fn named_values(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Indentation and block sequence markers (`- - KEY: x`), then a key may start.
    loop {
        i = skip_blanks(b, i);
        if b.get(i) == Some(&b'-') && b.get(i + 1).is_none_or(|c| blank(*c)) {
            i += 1;
        } else {
            break;
        }
    }
    let mut depth = 0usize;
    let mut key_here = true;
    // The depth at which a collection under a secret-named key opened: every scalar inside
    // it is that secret's (`DB_PASSWORD: [x]`, `TOKEN: { value: x }`).
    let mut secret_below: Option<usize> = None;
    while i < b.len() {
        i = skip_blanks(b, i);
        if i >= b.len() || comment_at(b, i) {
            break;
        }
        if key_here {
            key_here = false;
            if let Some((key, after)) = key_at(line, i, depth) {
                let setting = schema_key(key);
                let named = secret_name(key) && !setting;
                let (value, next) = value_at(line, after, depth);
                match value {
                    Some(range) if named || (secret_below.is_some() && !setting) => {
                        push(line, range, &mut out);
                    }
                    None if named && secret_below.is_none() => {
                        if matches!(b.get(next), Some(b'{' | b'[')) {
                            secret_below = Some(depth);
                        }
                    }
                    _ => {}
                }
                i = next;
                continue;
            }
        }
        match b[i] {
            b'{' | b'[' => {
                depth += 1;
                i += 1;
                key_here = true;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if secret_below.is_some_and(|d| depth <= d) {
                    secret_below = None;
                }
                i += 1;
            }
            b',' if depth > 0 => {
                i += 1;
                key_here = true;
            }
            b'"' | b'\'' => {
                let (end, after) = quoted_end(b, i);
                if secret_below.is_some() && end > i + 1 {
                    push(line, (i + 1, end), &mut out);
                }
                i = after;
            }
            _ => {
                let end = plain_end(b, i, depth).max(i + 1);
                if secret_below.is_some() {
                    push(line, (i, end), &mut out);
                }
                i = end;
            }
        }
    }
    out
}

/// Keeps `range` of `line` unless it stands for no value (a placeholder, `true`) or is a
/// short number: a setting under a secret's name (`PASSWORD_MIN_SCORE: 3000`), as
/// [`super::secret_scan`] leaves it in the tree.
fn push(line: &str, (s, e): (usize, usize), out: &mut Vec<(usize, usize)>) {
    let v = &line[s..e];
    let quoted = s > 0 && matches!(line.as_bytes()[s - 1], b'"' | b'\'');
    let short_number = !quoted
        && v.len() < SECRET_NUMBER_MIN
        && (v.parse::<i64>().is_ok() || v.parse::<f64>().is_ok());
    if !placeholder(v) && !short_number {
        out.push((s, e));
    }
}

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| blank(*c)) {
        i += 1;
    }
    i
}

/// A comment starts at `i`: a `#` at the start or after a blank.
fn comment_at(b: &[u8], i: usize) -> bool {
    b[i] == b'#' && (i == 0 || blank(b[i - 1]))
}

/// Where a flow indicator ends a plain scalar: inside brackets only.
fn flow_end(c: u8, depth: usize) -> bool {
    depth > 0 && matches!(c, b',' | b'{' | b'}' | b'[' | b']')
}

/// The end of the plain scalar starting at `i` (its blanks before a comment or a flow
/// indicator trimmed).
fn plain_end(b: &[u8], i: usize, depth: usize) -> usize {
    let mut j = i;
    while j < b.len() && !flow_end(b[j], depth) && !(j > i && comment_at(b, j)) {
        j += 1;
    }
    while j > i && blank(b[j - 1]) {
        j -= 1;
    }
    j
}

/// The inside of the quoted scalar at `i` (its end, or the line's if it is not closed) and
/// the position after its closing quote. `\` escapes in double quotes, `''` in single ones.
fn quoted_end(b: &[u8], i: usize) -> (usize, usize) {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if quote == b'"' => j += 2,
            b'\'' if quote == b'\'' && b.get(j + 1) == Some(&b'\'') => j += 2,
            c if c == quote => return (j, j + 1),
            _ => j += 1,
        }
    }
    (b.len(), b.len())
}

/// The key at `i` and the position after its `:`, when a key starts there: a quoted or plain
/// scalar followed by `:` and a blank (or the line's end, or a flow indicator inside
/// brackets).
fn key_at(line: &str, i: usize, depth: usize) -> Option<(&str, usize)> {
    let b = line.as_bytes();
    let (key, mut j) = match b[i] {
        b'"' | b'\'' => {
            let (end, after) = quoted_end(b, i);
            (&line[i + 1..end], after)
        }
        b'{' | b'[' | b'}' | b']' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' => {
            return None;
        }
        _ => {
            let mut j = i;
            loop {
                let c = *b.get(j)?;
                if flow_end(c, depth) || (j > i && comment_at(b, j)) {
                    return None;
                }
                if c == b':'
                    && b.get(j + 1)
                        .is_none_or(|n| blank(*n) || flow_end(*n, depth))
                {
                    break;
                }
                j += 1;
            }
            (line[i..j].trim_end_matches([' ', '\t']), j)
        }
    };
    j = skip_blanks(b, j);
    (b.get(j) == Some(&b':')).then_some((key, j + 1))
}

/// The scalar value starting after a key's `:` at `i`, if it is one (after any tag and
/// anchor), and where scanning goes on: after it, or at the `{` or `[` that opens a
/// collection.
fn value_at(line: &str, i: usize, depth: usize) -> (Option<(usize, usize)>, usize) {
    let b = line.as_bytes();
    let mut i = skip_blanks(b, i);
    // `!tag` and `&anchor` before the value.
    while matches!(b.get(i), Some(b'!' | b'&')) {
        while i < b.len() && !blank(b[i]) {
            i += 1;
        }
        i = skip_blanks(b, i);
    }
    match b.get(i) {
        None => (None, i),
        Some(b'{' | b'[' | b'|' | b'>' | b'*' | b'}' | b']' | b',') => (None, i),
        Some(b'#') if comment_at(b, i) => (None, i),
        Some(b'"' | b'\'') => {
            let (end, after) = quoted_end(b, i);
            ((end > i + 1).then_some((i + 1, end)), after)
        }
        Some(_) => {
            let end = plain_end(b, i, depth);
            ((end > i).then_some((i, end)), end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<&str> {
        named_values(line)
            .into_iter()
            .map(|(s, e)| &line[s..e])
            .collect()
    }

    #[test]
    fn a_secret_keys_value_runs_as_yaml_reads_it() {
        let cases: [(&str, &[&str]); 21] = [
            (
                "        DB_PASSWORD: hunter2: correct horse battery staple",
                &["hunter2: correct horse battery staple"],
            ),
            (
                "DB_PASSWORD: Tr0ub4dor&3: x   # old one",
                &["Tr0ub4dor&3: x"],
            ),
            ("  - DB_PASSWORD: hunter2 horse", &["hunter2 horse"]),
            ("- - API_TOKEN: a b", &["a b"]),
            (
                r#"X: { DB_PASSWORD: hunter2 horse, A: b, TOKEN: "q \" r", S: 'it''s' }"#,
                &["hunter2 horse", r#"q \" r"#],
            ),
            ("X: [ { pwd: a#b c }, 1 ]", &["a#b c"]),
            ("\"DB_PASSWORD\": \"unclosed value", &["unclosed value"]),
            ("'client_secret' : !Secret &a s3cr3t #c", &["s3cr3t"]),
            ("DB_PASSWORD:\tx\ty", &["x\ty"]),
            // Inside a collection under a secret's name, every scalar.
            (
                "DB_PASSWORD: [Canary, 'b c', [d]], X: e",
                &["Canary", "b c", "d"],
            ),
            (
                "SIGNING_KEY: { value: Canary-88, n: 'q r' } # y",
                &["Canary-88", "q r"],
            ),
            // Not values: block scalars, aliases, comments, placeholders, short numbers.
            ("PASSWORD_MIN_SCORE: 3000", &[]),
            ("API_TOKEN: 84123456789012345", &["84123456789012345"]),
            ("API_TOKEN: '3000'", &["3000"]),
            ("DB_PASSWORD: |", &[]),
            ("DB_PASSWORD: *anchor", &[]),
            ("DB_PASSWORD: # later", &[]),
            ("DB_PASSWORD: ${VAR}", &[]),
            ("DB_PASSWORD: changeme", &[]),
            // Names that are not a secret's, and the schema's own keys.
            ("DB_PASSWORD_FILE: /run/x  # DB_PASSWORD: y", &[]),
            ("secrets: shh  # secrets: x", &[]),
        ];
        for (line, want) in cases {
            assert_eq!(values(line), want.to_vec(), "{line:?}");
        }
        // A value is under a key only where a key may start: not `a: b TOKEN: c` in a plain
        // value (the whole of `b TOKEN: c` is `a`'s), nor in a comment.
        assert_eq!(values("a: b TOKEN: c"), Vec::<&str>::new());
        assert_eq!(values("a: { b: c } # TOKEN: d"), Vec::<&str>::new());
    }

    /// The schema's own keys are known (sorted, for the binary search), and a secret's
    /// declaration shows its settings: `{ source: operator }` was masked as a collection
    /// under a secret's name.
    #[test]
    fn the_schema_keys_hold_settings() {
        assert!(SCHEMA_KEYS.windows(2).all(|w| w[0] < w[1]));
        for key in [
            "api_keys",
            "key",
            "secrets",
            "source",
            "length",
            "env",
            "expire_on",
        ] {
            assert!(schema_key(key), "{key}");
        }
        assert!(!schema_key("DB_PASSWORD") && !schema_key("value"));
        assert_eq!(
            values("    ADMIN_TOKEN: { source: generated, length: 48, value: s3cr3t }"),
            ["s3cr3t"]
        );
        assert_eq!(values("key: '{env}/state'"), Vec::<&str>::new());
    }

    #[test]
    fn long_lines_are_read_once() {
        // Linear: many flow keys and a long plain value.
        let line = format!("X: {{ {} }}", "TOKEN: a b, ".repeat(20_000));
        assert_eq!(named_values(&line).len(), 20_000);
        let line = format!("DB_PASSWORD: {}", "a: ".repeat(100_000));
        assert_eq!(named_values(&line).len(), 1);
    }
}
