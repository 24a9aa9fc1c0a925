//! Positions inside YAML scalars: from a byte offset of a decoded value back to the file.

use crate::diagnostics::Span;

/// The source text with its line starts, to turn byte offsets into [`Span`]s and to find a
/// character inside a YAML scalar (plain, single- or double-quoted with escapes and folded
/// lines, or a literal block).
#[derive(Debug, Clone)]
pub struct SourceIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

/// The character a YAML double-quoted escape `\\e` stands for (`x`, `u`, `U` aside).
fn unescape(e: char) -> Option<char> {
    Some(match e {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
}

/// One decoded character of a scalar: its byte offset in the value and the byte range of what
/// wrote it in the source (one character, or an escape sequence).
#[derive(Debug, Clone, Copy)]
struct Mapped {
    value: usize,
    start: usize,
    end: usize,
    ch: char,
}

impl<'a> SourceIndex<'a> {
    /// Indexes `text` (linear).
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceIndex { text, line_starts }
    }

    /// The span of the source bytes `start..end`, with the line and column of `start`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let mut start = start.min(self.text.len());
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= start);
        let line_start = self.line_starts[line - 1];
        let col = self.text[line_start..start].chars().count() + 1;
        Span {
            start,
            end: end.max(start).min(self.text.len()),
            line,
            col,
        }
    }

    /// The position of bytes `start..end` of `value`, the scalar whose node is at `node`. When
    /// the scalar's text cannot be followed (a folded block), the part is searched for in the
    /// scalar's text; failing that, the scalar's own position is returned.
    pub fn span_in_scalar(&self, node: Span, value: &str, start: usize, end: usize) -> Span {
        if let Some(map) = self.decode(node, value) {
            let first = map.iter().find(|m| m.value >= start);
            let last = map.iter().rev().find(|m| m.value < end.max(start + 1));
            if let (Some(f), Some(l)) = (first, last) {
                return self.span_near(node, f.start, l.end.max(f.end));
            }
        }
        // Fallback: the text of the part, written literally inside the scalar.
        if let (Some(part), Some(raw)) = (
            value.get(start..end.max(start)),
            self.text.get(node.start..node.end.max(node.start)),
        ) && !part.is_empty()
            && let Some(i) = raw.find(part)
        {
            return self.span_near(node, node.start + i, node.start + i + part.len());
        }
        node
    }

    /// [`SourceIndex::span`] of bytes `start..end` inside the scalar at `node`, whose line and
    /// column are known: on `node`'s line, the column is counted from `node`, not from the
    /// line's start (sweep 36, F2: 40 000 items of one flow list counted the line's characters
    /// before each of them, 2 s).
    fn span_near(&self, node: Span, start: usize, end: usize) -> Span {
        let line_end = self
            .line_starts
            .get(node.line)
            .copied()
            .unwrap_or(self.text.len());
        if node.start <= start
            && start < line_end
            && node.line >= 1
            && self.text.is_char_boundary(start)
            && let Some(before) = self.text.get(node.start..start)
        {
            return Span {
                start,
                end: end.max(start).min(self.text.len()),
                line: node.line,
                col: node.col + before.chars().count(),
            };
        }
        self.span(start, end)
    }

    /// Maps every character of `value` to the source, when the scalar at `node` decodes to
    /// exactly `value`.
    fn decode(&self, node: Span, value: &str) -> Option<Vec<Mapped>> {
        let rest = self.text.get(node.start..)?;
        let map = match rest.chars().next()? {
            '"' => self.flow(node.start + 1, Some('"')),
            '\'' => self.flow(node.start + 1, Some('\'')),
            '|' => self.literal_block(node.start),
            '>' => None,
            _ => self.plain(node, value),
        }?;
        // The decoding must give back the value, character for character.
        let chars: Vec<(usize, char)> = value.char_indices().collect();
        if chars.len() != map.len() || chars.iter().zip(&map).any(|((_, c), m)| *c != m.ch) {
            return None;
        }
        Some(
            map.into_iter()
                .zip(chars)
                .map(|(m, (i, _))| Mapped { value: i, ..m })
                .collect(),
        )
    }

    /// A plain scalar: its text as written when it is on one line.
    fn plain(&self, node: Span, value: &str) -> Option<Vec<Mapped>> {
        let raw = self.text.get(node.start..)?;
        if !raw.starts_with(value) || value.contains('\n') {
            return None;
        }
        // `raw` starts with `value`, which holds no line feed: it ends on the node's line
        // (searching for the line's end was quadratic on a long flow list, sweep 36, F2).
        Some(
            value
                .char_indices()
                .map(|(i, c)| Mapped {
                    value: i,
                    start: node.start + i,
                    end: node.start + i + c.len_utf8(),
                    ch: c,
                })
                .collect(),
        )
    }

    /// A quoted flow scalar starting at byte `from` (just after the quote): escapes (double
    /// quotes), `''` (single quotes) and line folding.
    fn flow(&self, from: usize, quote: Option<char>) -> Option<Vec<Mapped>> {
        let text = self.text;
        let double = quote == Some('"');
        let mut out: Vec<Mapped> = Vec::new();
        // Index in `out` after the last character that is not foldable white space.
        let mut keep = 0;
        let mut i = from;
        loop {
            let c = text[i..].chars().next()?;
            let w = c.len_utf8();
            match c {
                '"' if double => break,
                '\'' if !double => {
                    if text[i + 1..].starts_with('\'') {
                        out.push(Mapped {
                            value: 0,
                            start: i,
                            end: i + 2,
                            ch: '\'',
                        });
                        keep = out.len();
                        i += 2;
                        continue;
                    }
                    break;
                }
                '\\' if double => {
                    let e = text[i + 1..].chars().next()?;
                    let len = match e {
                        'x' => 2,
                        'u' => 4,
                        'U' => 8,
                        _ => 0,
                    };
                    if e == '\n' || e == '\r' {
                        // An escaped line break: nothing, and the next line's indentation is
                        // skipped.
                        i += 1 + e.len_utf8();
                        while text[i..].starts_with([' ', '\t']) {
                            i += 1;
                        }
                        keep = out.len();
                        continue;
                    }
                    let end = i + 1 + e.len_utf8() + len;
                    let ch = if len > 0 {
                        let hex = text.get(i + 2..end)?;
                        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                    } else {
                        unescape(e)?
                    };
                    out.push(Mapped {
                        value: 0,
                        start: i,
                        end,
                        ch,
                    });
                    keep = out.len();
                    i = end;
                }
                '\n' | '\r' => {
                    // Folding: trailing blanks go, the break becomes a space, or one newline
                    // per empty line that follows.
                    out.truncate(keep);
                    let brk = i;
                    let mut empty = 0;
                    i += w;
                    loop {
                        while text[i..].starts_with([' ', '\t']) {
                            i += 1;
                        }
                        if text[i..].starts_with("\r\n") {
                            i += 2;
                            empty += 1;
                        } else if text[i..].starts_with('\n') {
                            i += 1;
                            empty += 1;
                        } else {
                            break;
                        }
                    }
                    if empty == 0 {
                        out.push(Mapped {
                            value: 0,
                            start: brk,
                            end: brk + 1,
                            ch: ' ',
                        });
                    }
                    for _ in 0..empty {
                        out.push(Mapped {
                            value: 0,
                            start: brk,
                            end: brk + 1,
                            ch: '\n',
                        });
                    }
                    keep = out.len();
                }
                ' ' | '\t' => {
                    out.push(Mapped {
                        value: 0,
                        start: i,
                        end: i + 1,
                        ch: c,
                    });
                    i += 1;
                }
                _ => {
                    out.push(Mapped {
                        value: 0,
                        start: i,
                        end: i + w,
                        ch: c,
                    });
                    keep = out.len();
                    i += w;
                }
            }
        }
        Some(out)
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose indicator is at byte `at`.
    fn literal_block(&self, at: usize) -> Option<Vec<Mapped>> {
        let text = self.text;
        let header_end = at + text[at..].find('\n')?;
        let header = text[at + 1..header_end].split('#').next()?.trim();
        if header.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let chomp = header.chars().next();
        let mut lines: Vec<(usize, &str)> = Vec::new();
        let mut pos = header_end + 1;
        let mut indent: Option<usize> = None;
        while pos < text.len() {
            let end = text[pos..]
                .find('\n')
                .map(|e| pos + e)
                .unwrap_or(text.len());
            let line = &text[pos..end];
            let spaces = line.len() - line.trim_start_matches(' ').len();
            if line.trim().is_empty() {
                lines.push((pos, ""));
            } else {
                let n = *indent.get_or_insert(spaces);
                if spaces < n {
                    break;
                }
                lines.push((pos + n, &line[n..]));
            }
            pos = end + 1;
        }
        indent?;
        let mut out: Vec<Mapped> = Vec::new();
        for (start, line) in &lines {
            for (i, c) in line.char_indices() {
                out.push(Mapped {
                    value: 0,
                    start: start + i,
                    end: start + i + c.len_utf8(),
                    ch: c,
                });
            }
            let brk = start + line.len();
            out.push(Mapped {
                value: 0,
                start: brk,
                end: brk + 1,
                ch: '\n',
            });
        }
        // Chomping: trailing line breaks.
        let content_end = lines
            .iter()
            .rposition(|(_, l)| !l.is_empty())
            .map(|i| {
                lines[..=i]
                    .iter()
                    .map(|(_, l)| l.chars().count() + 1)
                    .sum::<usize>()
            })
            .unwrap_or(0);
        match chomp {
            Some('-') => out.truncate(content_end.saturating_sub(1)),
            Some('+') => {}
            _ => out.truncate(content_end),
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Node, NodeKind, load};

    /// The value at `key` of the top-level mapping of `text`, with its span.
    fn scalar(text: &str, key: &str) -> (String, Span) {
        let (_, root) = load(
            crate::source::SourceMap::single("t.yaml").1,
            text.as_bytes(),
        )
        .expect("loads");
        let node: &Node = root.get(key).expect("key");
        match &node.kind {
            NodeKind::Str(s) => (s.clone(), node.span),
            other => panic!("{other:?}"),
        }
    }

    /// Where `needle` of the value of `key` is reported: the source text at the span.
    fn at<'t>(text: &'t str, key: &str, needle: &str) -> (&'t str, usize, usize) {
        let (value, span) = scalar(text, key);
        let start = value.find(needle).expect("needle in value");
        let index = SourceIndex::new(text);
        let s = index.span_in_scalar(span, &value, start, start + needle.len());
        (&text[s.start..s.end], s.line, s.col)
    }

    #[test]
    fn plain_and_quoted_scalars() {
        let text = "a: plain value here\nb: 'it''s X'\nc: \"tab\\there \\u0007 and \\e[1m\"\n";
        assert_eq!(at(text, "a", "value"), ("value", 1, 10));
        assert_eq!(at(text, "b", "X"), ("X", 2, 11));
        assert_eq!(at(text, "b", "'s"), ("''s", 2, 7));
        assert_eq!(at(text, "c", "\t"), ("\\t", 3, 8));
        assert_eq!(at(text, "c", "\u{7}"), ("\\u0007", 3, 15));
        assert_eq!(at(text, "c", "\u{1b}"), ("\\e", 3, 26));
    }

    #[test]
    fn folded_quoted_and_literal_blocks() {
        let text = "a: \"first\n  second\n\n  third \\x07\"\nb: |\n  one\n  two \u{202e} x\nc: x\n";
        assert_eq!(at(text, "a", "second"), ("second", 2, 3));
        assert_eq!(at(text, "a", "\u{7}"), ("\\x07", 4, 9));
        assert_eq!(at(text, "b", "\u{202e}"), ("\u{202e}", 7, 7));
        let (value, _) = scalar(text, "b");
        assert_eq!(value, "one\ntwo \u{202e} x\n");
    }

    #[test]
    fn literal_block_chomping_and_unknown_shapes_fall_back() {
        let text = "a: |-\n  keep\n  this\n\nb: >\n  folded \u{7} text\n";
        assert_eq!(at(text, "a", "this"), ("this", 3, 3));
        // Folded blocks are not followed; the text is searched for instead.
        assert_eq!(at(text, "b", "\u{7}"), ("\u{7}", 6, 10));
    }
}
