//! The one Markdown encoder: every value that reaches a generated README goes through it.
//!
//! Configuration values are validated upstream (names are identifiers, descriptions carry no
//! control characters), but the encoder does not rely on that: whatever it is given, the
//! result is one piece of inline text that cannot open a block, close a table cell, start a
//! link or raw HTML, or hide text. Mermaid labels have their own encoder ([`mermaid_label`]),
//! because Mermaid's syntax is not Markdown's.

/// `s` as inline text: Markdown punctuation is backslash-escaped, HTML-significant characters
/// become entities, line breaks and other control characters become spaces (so a value never
/// starts a new block or table row).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '"' | '\'' | '$' | ':' | '@' | '=' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_invisible(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` as an inline code span: wrapped in enough backticks that none inside can close it,
/// padded when it starts or ends with a backtick, control characters replaced by spaces, and
/// every `|` backslash-escaped so the span is safe inside a table cell too (see [`row`]).
pub fn code(s: &str) -> String {
    span(s, true)
}

/// `s` as an inline code span in running text, outside a table: as [`code`], but a `|` is
/// left as it is (a code span has no escapes: outside a table `\|` shows its backslash, sweep
/// 38 R7). Never inside a table row.
pub fn code_in_text(s: &str) -> String {
    span(s, false)
}

/// The code span of [`code`] and [`code_in_text`]; `for_table` escapes the `|`s.
fn span(s: &str, for_table: bool) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let longest = clean.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // GitHub renders `\|` inside code spans in tables as `|`; elsewhere `|` is harmless. A `|`
    // after an odd run of backslashes is already escaped for the table.
    let body = if for_table {
        escape_pipes(&clean)
    } else {
        clean
    };
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// One row of a Markdown table, `cells` already encoded (by [`text`], [`code`] or as literal
/// text of the emitter): every `|` that is not already backslash-escaped is escaped and line
/// breaks become spaces, so the row has exactly `cells.len()` cells whatever the cells hold.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = String::from("|");
    for cell in cells {
        out.push(' ');
        out.push_str(&escape_pipes(cell.as_ref()));
        out.push_str(" |");
    }
    out
}

/// `s` with every `|` that a GFM table would take for a cell delimiter (one not preceded by an
/// odd number of backslashes) escaped, and control and invisible characters written as spaces.
fn escape_pipes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut backslashes = 0;
    for c in s.chars() {
        match c {
            '|' if backslashes % 2 == 0 => out.push_str("\\|"),
            c if c.is_control() || is_invisible(c) => out.push(' '),
            c => out.push(c),
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    out
}

/// `s` as the text of a Mermaid node or edge label inside `["..."]`: every character outside
/// a small safe set becomes a Mermaid entity code (`#35;`), so no label can end the node, add
/// an edge, a `click` line or a style.
pub fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ',' | '/' | ':') {
            out.push(c);
        } else if c.is_control() || is_invisible(c) {
            out.push(' ');
        } else {
            out.push_str(&format!("#{};", u32::from(c)));
        }
    }
    out
}

/// A Mermaid node id for `name`: ASCII letters, digits and `_` only, never a Mermaid keyword.
pub fn mermaid_id(prefix: &str, name: &str) -> String {
    let mut out = String::from(prefix);
    out.push('_');
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", u32::from(c)));
        }
    }
    out
}

/// Characters that change how text is displayed without being visible ([`crate::text`]).
fn is_invisible(c: char) -> bool {
    crate::text::invisible(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_open_blocks_links_or_html() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("[x](javascript:y)"), "\\[x\\]\\(javascript\\:y\\)");
        assert_eq!(text("<img src=x>"), "&lt;img src\\=x&gt;");
        assert_eq!(text("line\n# title"), "line \\# title");
        assert_eq!(text("a\u{202e}b"), "a b");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("api"), "`api`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code_in_text("a|b"), "`a|b`");
        assert_eq!(code_in_text("`x` | y"), "`` `x` | y ``");
        assert_eq!(code("a\nb"), "`a b`");
        // A backslash before `|` in the value does not unescape it for the table.
        assert_eq!(code("a\\|b"), "`a\\|b`");
        assert_eq!(code("a\\\\|b"), "`a\\\\\\|b`");
    }

    #[test]
    fn rows_keep_their_cell_count() {
        assert_eq!(row(&["a", "b"]), "| a | b |");
        // A raw `|` (literal text of the emitter) is escaped; an escaped one is left alone; an
        // escaped backslash before a `|` does not escape it.
        assert_eq!(row(&["`x | y`"]), "| `x \\| y` |");
        assert_eq!(row(&[text("a|b")]), "| a\\|b |");
        assert_eq!(row(&["a\\\\|b"]), "| a\\\\\\|b |");
        assert_eq!(row(&["a\nb\r\u{2028}c"]), "| a b  c |");
        for hostile in ["|", "\\|", "\\\\|", "a\n| b |", "`|`", "``|``"] {
            for encoded in [text(hostile), code(hostile), hostile.to_string()] {
                let r = row(&[encoded.as_str(), "x"]);
                let mut cells = 0;
                let mut backslashes = 0;
                for c in r.chars() {
                    if c == '|' && backslashes % 2 == 0 {
                        cells += 1;
                    }
                    backslashes = if c == '\\' { backslashes + 1 } else { 0 };
                }
                assert_eq!(cells, 3, "{hostile:?} -> {r:?}");
                assert!(!r.contains('\n'));
            }
        }
    }

    #[test]
    fn mermaid_labels_and_ids_are_inert() {
        assert_eq!(mermaid_label("api"), "api");
        assert_eq!(
            mermaid_label("x\"] --> Y\nclick Y"),
            "x#34;#93; --#62; Y click Y"
        );
        assert_eq!(mermaid_id("svc", "api-v2"), "svc_api_2d_v2");
    }
}
