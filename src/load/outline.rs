//! The outline of a YAML file, line by line, read without the parser: which lines hold a node
//! of the block structure, how far each one is indented, and which ones can start a block that
//! reads the same on its own as in the file. [`super::build`] reads on from those after the
//! parser stopped at a problem.
//!
//! Only lines that start a node of the block structure count. A line inside a block scalar
//! (`|`, `>`), or inside a quoted scalar or a flow collection (`[`, `{`) opened on a line
//! before it, is text or flow content: read on its own it would mean something else (sweep 21:
//! `key: [x` inside a block scalar, the `},` lines of a file written in JSON style, each read
//! as a block of its own, were reported as errors). Neither are blank lines, comments and lines
//! indented with a tab (which are errors of their own, [`super::leading_tabs`]).

/// What is open at the end of a line, and indented how far was the line that opened it: the
/// lines after it indented further belong to it.
#[derive(Clone, Copy)]
enum Open {
    /// Nothing: the next line starts a node.
    Nothing,
    /// A block scalar, its header on a line indented `indent`.
    BlockScalar { indent: usize },
    /// A plain scalar, continued on the lines indented further than `indent` (its key's column,
    /// or its entry's `-`).
    Plain { indent: usize },
    /// A flow collection `depth` levels deep and/or a quoted scalar (`quote`, its quote
    /// character), opened on a line indented `indent`.
    Inline {
        indent: usize,
        depth: usize,
        quote: Option<u8>,
        /// The outermost flow collection still open (none when only a quote is open): the
        /// byte offset in the file of its bracket, that bracket, and the (0-based) line after
        /// the one holding it.
        opener: Option<(usize, u8, usize)>,
    },
}

/// A flow collection (`[`, `{`) open at the end of the line that opened it ([`Outline::flows`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Flow {
    /// The (0-based) lines inside it, after the one that opened it: `from..to`.
    pub from: usize,
    /// See [`Flow::from`]: the line after the one that closed it, or, when it was left open
    /// ([`Flow::cut`]), the line indented no further than the one that opened it where the
    /// parser stops (one past the last line when the file ends inside it).
    pub to: usize,
    /// Whether it was left open: ended by a line indented no further than the one that opened
    /// it, or by the end of the file.
    pub cut: bool,
    /// The byte offset in the file of its opening bracket.
    pub offset: usize,
    /// That bracket: `[` or `{`.
    pub bracket: u8,
}

/// The outline of a file: for each line (0-based), its indentation when it starts a node of
/// the block structure ([`Outline::indents`]), and whether a block read from it on its own reads
/// as in the file ([`Outline::starts`]).
pub(super) struct Outline {
    /// Spaces before each line that starts a node of the block structure; `None` for blank
    /// lines, comments, lines indented with a tab and lines inside a block scalar, a quoted
    /// scalar or a flow collection opened on an earlier line.
    pub indents: Vec<Option<usize>>,
    /// Whether each line can start a block read on its own: it starts a node, holds a mapping
    /// key (a `:` outside quotes and brackets, followed by a space or the line's end) or a
    /// sequence entry (`- `), and is indented as a line that starts a node before it, or further
    /// than the last one (its first child), or not at all: a key indented one space less than
    /// its siblings starts no block.
    pub starts: Vec<bool>,
    /// Whether each line that starts a node starts a sequence entry (`- `).
    pub entries: Vec<bool>,
    /// Whether each line that starts a node holds a mapping key or starts a sequence entry: a
    /// line that holds neither (the rest of a flow collection or of a plain scalar, written
    /// less indented than the line that opened it) says nothing of the levels of the block
    /// structure.
    pub keys: Vec<bool>,
    /// The flow collections open at the end of the line that opened them, outermost only, in
    /// the file's order.
    pub flows: Vec<Flow>,
}

/// The outline of `text`, whose lines start at the byte offsets `lines`.
pub(super) fn outline(text: &str, lines: &[usize]) -> Outline {
    let mut indents = Vec::with_capacity(lines.len());
    let mut starts = Vec::with_capacity(lines.len());
    let mut entries = Vec::with_capacity(lines.len());
    let mut keys = Vec::with_capacity(lines.len());
    let mut flows = Vec::new();
    let close = |flows: &mut Vec<Flow>, opener: Option<(usize, u8, usize)>, to, cut| {
        if let Some((offset, bracket, from)) = opener {
            flows.push(Flow {
                from,
                to,
                cut,
                offset,
                bracket,
            });
        }
    };
    // Indentations of the lines that started a node so far.
    let mut levels = std::collections::BTreeSet::new();
    // The indentation of the last of them.
    let mut last = 0;
    let mut open = Open::Nothing;
    for (i, &start) in lines.iter().enumerate() {
        let end = lines.get(i + 1).copied().unwrap_or(text.len());
        let line = text[start..end].trim_end_matches(['\n', '\r']).as_bytes();
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let rest = &line[indent..];
        let blank = rest.iter().all(|b| b.is_ascii_whitespace());
        // Inside what an earlier line opened: blank lines, and lines indented further.
        let inside = match open {
            Open::Nothing => false,
            Open::BlockScalar { indent: o }
            | Open::Plain { indent: o }
            | Open::Inline { indent: o, .. } => blank || indent > o,
        };
        if let Open::Inline {
            depth,
            quote,
            opener,
            ..
        } = &mut open
        {
            let scanned = scan(rest, *depth, *quote);
            // A line indented too little that closes a quoted scalar left open is its last
            // line, not a node (the parser refuses the scalar, pointing at its opening quote;
            // sweep 21: the line read as a block of its own made up an error).
            let closes = quote.is_some() && scanned.quote.is_none();
            if inside || closes {
                // Closed and another one opened on this line: that one is the collection now.
                if let Some((at, bracket)) = scanned.opened {
                    close(&mut flows, opener.take(), i + 1, false);
                    *opener = Some((start + indent + at, bracket, i + 1));
                }
                (*depth, *quote) = (scanned.depth, scanned.quote);
                if *depth == 0 {
                    close(&mut flows, opener.take(), i + 1, false);
                }
                if (*depth == 0 && quote.is_none()) || !inside {
                    // Left open: a quote closed on a line indented too little.
                    close(&mut flows, opener.take(), i + 1, true);
                    open = Open::Nothing;
                }
                indents.push(None);
                starts.push(false);
                entries.push(false);
                keys.push(false);
                continue;
            }
        } else if inside {
            indents.push(None);
            starts.push(false);
            entries.push(false);
            keys.push(false);
            continue;
        }
        // A line indented no further than the line that opened something closes it (the
        // parser stops there when a bracket or a quote is left open).
        if let Open::Inline {
            depth: 1.., opener, ..
        } = open
        {
            close(&mut flows, opener, i, true);
        }
        open = Open::Nothing;
        let tabbed = rest.first() == Some(&b'\t');
        if blank || rest.first() == Some(&b'#') {
            indents.push(None);
            starts.push(false);
            entries.push(false);
            keys.push(false);
            continue;
        }
        // A line indented with a tab starts no block, but what it opens is open after it (its
        // indentation counted in characters, a tab as one).
        let (indent_chars, rest) = if tabbed {
            let white = rest
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            (indent + white, &rest[white..])
        } else {
            (indent, rest)
        };
        let scanned = scan(rest, 0, None);
        if scanned.depth > 0 || scanned.quote.is_some() {
            // `rest` starts this many bytes into the line.
            let skipped = line.len() - rest.len();
            open = Open::Inline {
                indent: indent_chars,
                depth: scanned.depth,
                quote: scanned.quote,
                opener: scanned
                    .opened
                    .filter(|_| scanned.depth > 0)
                    .map(|(at, bracket)| (start + skipped + at, bracket, i + 1)),
            };
        } else if scanned.block_scalar {
            open = Open::BlockScalar {
                indent: indent_chars,
            };
        } else if let Some(column) = scanned.plain.filter(|_| !tabbed) {
            // (A tabbed line's columns are not the parser's: nothing is taken to continue it.)
            open = Open::Plain {
                indent: indent_chars + column,
            };
        }
        if tabbed {
            indents.push(None);
            starts.push(false);
            entries.push(false);
            keys.push(false);
            continue;
        }
        let entry = rest == b"-" || rest.starts_with(b"- ");
        let level = indent == 0 || indent > last || levels.contains(&indent);
        starts.push((scanned.key || entry) && level);
        entries.push(entry);
        keys.push(scanned.key || entry);
        indents.push(Some(indent));
        levels.insert(indent);
        last = indent;
    }
    if let Open::Inline {
        depth: 1.., opener, ..
    } = open
    {
        close(&mut flows, opener, lines.len(), true);
    }
    Outline {
        indents,
        starts,
        entries,
        keys,
        flows,
    }
}

/// Whether `line` (after its indentation) holds a mapping key's `:` outside brackets and quotes,
/// read as a line that starts a node.
pub(super) fn holds_key(line: &[u8]) -> bool {
    scan(line, 0, None).key
}

/// What [`scan`] found on a line.
struct Scanned {
    /// Brackets left open at its end.
    depth: usize,
    /// The quote of a quoted scalar left open at its end.
    quote: Option<u8>,
    /// It ends with a block scalar's header (`|`, `>`, with their indicators).
    block_scalar: bool,
    /// It holds a mapping key's `:` outside brackets and quotes.
    key: bool,
    /// It ends inside a plain scalar, a mapping's value or a sequence's entry, which the lines
    /// indented further than this column (of the value's key or entry's `-`) continue.
    plain: Option<usize>,
    /// The offset in the line of the last bracket it opened outside every other one (where the
    /// flow collection left open at its end, if any, starts), and that bracket.
    opened: Option<(usize, u8)>,
}

/// Reads one line's text (after its indentation) from inside `depth` brackets and the quoted
/// scalar `quote`, if any: what it leaves open, and whether it holds a key or ends with a block
/// scalar's header. A quote or a bracket opens only where a node starts (the line's start,
/// after `: `, `- `, `? `, `[`, `{` or `,`): the apostrophe of `upstream's` is text.
fn scan(line: &[u8], mut depth: usize, mut quote: Option<u8>) -> Scanned {
    let mut key = false;
    let mut block_scalar = false;
    // Whether a node may start here (only spaces since the last indicator).
    let mut node_start = quote.is_none();
    // Where the node being read started, the last key started, and the last `- ` is.
    let (mut node, mut key_at, mut dash_at) = (0, None, None);
    // The column a plain scalar being read (outside brackets) continues beyond, if any.
    let mut plain = None;
    let mut opened = None;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        let next = line.get(i + 1).copied();
        if let Some(q) = quote {
            match (c, q) {
                (b'\\', b'"') => i += 1,
                (b'\'', b'\'') if next == Some(b'\'') => i += 1,
                _ if c == q => {
                    quote = None;
                    node_start = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let spaced = next.is_none_or(|n| n == b' ' || n == b'\t');
        match c {
            b' ' | b'\t' => {}
            b'#' if i == 0 || matches!(line[i - 1], b' ' | b'\t') => {
                // A comment ends a plain scalar: nothing continues it.
                plain = None;
                break;
            }
            b'"' | b'\'' if node_start => {
                quote = Some(c);
                node = i;
                plain = None;
            }
            b'[' | b'{' if node_start => {
                if depth == 0 {
                    opened = Some((i, c));
                }
                depth += 1;
                plain = None;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            b',' if depth > 0 => node_start = true,
            b':' if spaced || (depth > 0 && matches!(next, Some(b',' | b']' | b'}'))) => {
                // `: v` after a `? k` line: a value, not a key (its key is on the line before).
                if depth == 0 && i > 0 {
                    key = true;
                    key_at = Some(node);
                }
                node_start = true;
                plain = None;
            }
            b'-' | b'?' if node_start && spaced => {
                if depth == 0 {
                    dash_at = Some(i);
                    key_at = None;
                }
            }
            b'|' | b'>' if node_start && depth == 0 => {
                // A header: indicators (`+`, `-`, a digit), then nothing but a comment.
                let tail = &line[i + 1..];
                let indicators = tail
                    .iter()
                    .take_while(|b| matches!(b, b'+' | b'-' | b'0'..=b'9'))
                    .count();
                let after = &tail[indicators..];
                let trimmed = after.trim_ascii_start();
                block_scalar = trimmed.is_empty()
                    || (trimmed.starts_with(b"#") && trimmed.len() < after.len());
                node_start = false;
                if block_scalar {
                    break;
                }
            }
            _ => {
                if node_start && depth == 0 {
                    // A plain scalar starts: a value (continued beyond its key's column), an
                    // entry (beyond its `-`), or a key, still to find its `:`.
                    node = i;
                    plain = key_at.or(dash_at);
                }
                node_start = false;
            }
        }
        i += 1;
    }
    Scanned {
        depth,
        quote,
        block_scalar,
        key,
        plain: plain.filter(|_| depth == 0 && quote.is_none()),
        opened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> (Vec<Option<usize>>, Vec<bool>) {
        let o = outline(text, &super::super::line_starts(text));
        (o.indents, o.starts)
    }

    #[test]
    fn lines_inside_scalars_and_flows_start_nothing() {
        // A block scalar's text, after a key and after a sequence entry (`- |`), with key-like
        // lines, a blank line with more spaces and a comment-like line.
        let (indents, starts) =
            of("a:\n  s: |\n    k: [v\n        \n    # x\n  l:\n    - >-\n      k: 1\n  b: 1\n");
        assert_eq!(
            indents,
            [
                Some(0),
                Some(2),
                None,
                None,
                None,
                Some(2),
                Some(4),
                None,
                Some(2)
            ]
        );
        assert_eq!(
            starts,
            [true, true, false, false, false, true, true, false, true]
        );
        // A flow mapping and a double-quoted scalar across lines; a file in JSON style.
        let (indents, _) = of("a:\n  b: { x: 1,\n    y: 2 }\n  c: \"x\n    y: z\"\n  d: 1\n");
        assert_eq!(indents, [Some(0), Some(2), None, Some(2), None, Some(2)]);
        let (indents, starts) = of("{\n  \"a\": 1,\n  \"b\": {\n    \"c\": 1\n  },\n}\n");
        assert_eq!(indents, [Some(0), None, None, None, None, Some(0)]);
        assert_eq!(starts, [false; 6]);
    }

    #[test]
    fn an_unclosed_bracket_or_quote_ends_at_a_line_indented_no_further() {
        let (indents, _) = of("a:\n  b: [1\n  c: \"x\n  d: 1\ne: 1\n");
        assert_eq!(indents, [Some(0), Some(2), Some(2), Some(2), Some(0)]);
    }

    #[test]
    fn a_plain_value_continues_beyond_its_key() {
        // A value continued on deeper lines (one like an entry); an entry's mapping, whose
        // keys are siblings at the key's column; a `? k` / `: v` pair, whose `: v` is no key.
        let (indents, starts) = of("a: foo\n  - bar\nb:\n  - k: x\n    j: y\n      z\n? k\n: v\n");
        assert_eq!(
            indents,
            [
                Some(0),
                None,
                Some(0),
                Some(2),
                Some(4),
                None,
                Some(0),
                Some(0)
            ]
        );
        assert_eq!(starts, [true, false, true, true, true, false, false, false]);
    }

    #[test]
    fn what_a_tabbed_line_opens_stays_open() {
        let (indents, _) = of("a:\n\t flow: {a: 1,\n     b: [2, 3],\n     c: 4}\n  d: 1\n");
        assert_eq!(indents, [Some(0), None, None, None, Some(2)]);
    }

    #[test]
    fn apostrophes_and_brackets_in_plain_text_open_nothing() {
        let (indents, _) = of("a: upstream's image[1] {x}\nb: it's\nc: 1\n");
        assert_eq!(indents, [Some(0), Some(0), Some(0)]);
    }

    #[test]
    fn keys_entries_and_levels() {
        // A key one space off starts no block; nor a tabbed line, nor plain text; a sequence
        // entry and a non-ASCII key do.
        let (indents, starts) =
            of("a:\n  b: 1\n c: 2\n\td: 3\n  text\n  - e: 1\n  \u{e9}t\u{e9}: |\n    x\n");
        assert_eq!(
            indents,
            [
                Some(0),
                Some(2),
                Some(1),
                None,
                Some(2),
                Some(2),
                Some(2),
                None
            ]
        );
        assert_eq!(starts, [true, true, false, false, false, true, true, false]);
    }
}
