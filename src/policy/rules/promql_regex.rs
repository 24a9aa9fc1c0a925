//! The regular expressions of TG105's label matchers (`{job=~"api|web"}`, `!~`), held to the
//! syntax Prometheus reads them with, and checked without compiling them.
//!
//! Prometheus parses a matcher's regex with Go's `regexp/syntax` and the `syntax.Perl` flags
//! (`model/labels/regexp.go`, `NewFastRegexMatcher`: `syntax.Parse(v, syntax.Perl)`, then
//! `regexp.Compile("^(?:" + ... + ")$")`; Prometheus 3 adds `syntax.DotNL`, which changes what
//! `.` matches, not what parses). That is RE2's syntax, not Rust's: the parser TG105 runs,
//! `promql-parser`, compiles each matcher with Rust's `regex`, which accepts `(?x)`, `[a--b]`,
//! `\u{263A}` or `x{1001}` (Go refuses them) and refuses `\Q.\E` (Go reads it); and compiling is
//! what cost: a `\pL{200}` is about 10 MB of automaton and tens of milliseconds, so a few
//! kilobytes of matchers took tens of seconds and gigabytes (sweep 10, finding 1).
//!
//! `label_replace`'s regex (its fifth argument), which Prometheus compiles at each evaluation
//! the same way (`promql/functions.go`), is held to the same syntax ([`super::promql::outside`]);
//! `promql-parser` does not compile that one.
//!
//! So TG105 finds every matcher's string literal first ([`matchers`]), unquotes it as
//! PromQL does (Go's `strconv.Unquote` rules, any length between single quotes), checks the
//! regex here ([`check`]: Rust's `regex-syntax` parses it to a syntax tree, linear in its
//! length, then everything Go's parser refuses is refused), and hands `promql-parser` the
//! expression with each matcher's regex replaced by as many `x` ([`masked`]), byte offsets
//! unchanged. What Go's parser refuses, from `src/regexp/syntax/parse.go` (Go 1.26, the
//! toolchain here; `tests/promql_regex.rs` runs Go's parser over the same corpus and
//! compares):
//! - flags other than `i`, `m`, `s` and `U` (`(?x)`, `(?u)`, `(?R)` are Rust's);
//! - `\u`/`\U` escapes and `\x{...}` beyond U+10FFFF, a lone `\1`-`\7` (a backreference), the
//!   special word boundaries `\<`, `\>`, `\b{start}`, ...;
//! - class set operations (`&&`, `--`, `~~`) and classes nested in classes (in Go a `[` inside
//!   a class is a literal: the two read such a class differently, so it is refused);
//! - Unicode classes other than `Any`, the general categories and the scripts, by their exact
//!   names (`\pL`, `\p{Greek}`; not `\p{greek}`, `\p{Letter}`, `\p{Script=Greek}`);
//! - capture names of other than letters, digits and `_`, and `(?<name>...)` (Go 1.22's: the
//!   Go 1.19 of Prometheus 2.42 knows only `(?P<name>...)`);
//! - a repetition operator right after another (`a**`, `a{2}{3}`);
//! - a repeat count over 1000, or nested counts whose product is over 1000 (`repeatIsValid`);
//! - a program over `maxSize` instructions (128 MiB of 40-byte instructions), estimated as
//!   `calcSize` does.
//!
//! The categories and scripts accepted are those of Go 1.19 (Unicode 13.0, the Go of Debian
//! bookworm's Prometheus 2.42 that `.ci/run` tests with): Go 1.26 also knows `Cn`, `LC` and
//! the scripts of Unicode 14 and 15 (`Cypro_Minoan`, `Old_Uyghur`, `Tangsa`, `Toto`,
//! `Vithkuqi`, `Kawi`, `Nag_Mundari`), which an older promtool calls unknown.

use std::ops::Range;

use regex_syntax::ast::{self, Ast, ClassSet, ClassSetItem};

/// A label matcher's regex in an expression: its string literal, and its value.
#[derive(Debug, PartialEq)]
pub struct Matcher {
    /// Byte range of the string literal in the expression, its quotes included.
    pub literal: Range<usize>,
    /// The string's value, or why it is not a valid PromQL string.
    pub value: Result<String, String>,
}

/// Every `=~` and `!~` matcher's regex in `expr` whose string literal is closed, in order
/// (strings and `#` comments are skipped as PromQL's lexer skips them).
pub fn matchers(expr: &str) -> Vec<Matcher> {
    let bytes = expr.as_bytes();
    let mut found = Vec::new();
    // The last two significant bytes (outside strings, comments and whitespace).
    let mut last = [0u8; 2];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(end) = super::promql::skip_string_or_comment(bytes, i) {
            if b != b'#' {
                if closed(bytes, i, end) && (&last == b"=~" || &last == b"!~") {
                    found.push(Matcher {
                        literal: i..end,
                        value: unquote(&expr[i..end]),
                    });
                }
                last = [b, b];
            }
            i = end;
            continue;
        }
        if !b.is_ascii_whitespace() {
            last = [last[1], b];
        }
        i += 1;
    }
    found
}

/// Whether the string literal `bytes[start..end]` (as `skip_string_or_comment` found it) ends
/// with its closing quote, not at the end of the text.
fn closed(bytes: &[u8], start: usize, end: usize) -> bool {
    let quote = bytes[start];
    if end - start < 2 || bytes[end - 1] != quote {
        return false;
    }
    if quote == b'`' {
        return true;
    }
    // The last quote may be escaped: the string then ran to the end.
    let mut j = start + 1;
    while j < end - 1 {
        j += if bytes[j] == b'\\' { 2 } else { 1 };
    }
    j == end - 1
}

/// `expr` as `promql-parser` is handed it: the regex of each of `matchers` replaced by a regex
/// of as many bytes that compiles at once and matches the empty string exactly when the regex
/// does (`^^^…` or `xxx…`: the parser refuses a selector whose every matcher matches the empty
/// string, as Prometheus does, and asks it of the regex), and every other backquoted string
/// holding a backslash written between double quotes with the same value: Prometheus reads a
/// backquoted string raw, `promql-parser` 0.11 reads escapes there (`` \` `` did not end the
/// string for it, which put the two out of step and had it compile every regex after; `` `\d` ``
/// was "unknown escape sequence"). TG105 takes no position from the parser.
pub fn for_parser(expr: &str, matchers: &[Matcher]) -> String {
    let bytes = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut copied = 0;
    let mut i = 0;
    let mut next_matcher = matchers.iter().peekable();
    while i < bytes.len() {
        let Some(end) = super::promql::skip_string_or_comment(bytes, i) else {
            i += 1;
            continue;
        };
        let quote = bytes[i];
        if quote != b'#' {
            while next_matcher.peek().is_some_and(|m| m.literal.start < i) {
                next_matcher.next();
            }
            let body = closed(bytes, i, end).then(|| &expr[i + 1..end - 1]);
            let replacement = match (next_matcher.peek(), body) {
                (Some(m), Some(body)) if m.literal.start == i && !body.is_empty() => {
                    let empty = m.value.as_deref().is_ok_and(matches_empty);
                    Some(format!(
                        "{q}{}{q}",
                        if empty { "^" } else { "x" }.repeat(body.len()),
                        q = quote as char
                    ))
                }
                (_, Some(body)) if quote == b'`' && body.contains('\\') => {
                    let value = body.replace('\r', "");
                    let mut quoted = String::with_capacity(value.len() + 8);
                    quoted.push('"');
                    for c in value.chars() {
                        match c {
                            '\\' => quoted.push_str("\\\\"),
                            '"' => quoted.push_str("\\\""),
                            '\n' => quoted.push_str("\\n"),
                            c => quoted.push(c),
                        }
                    }
                    quoted.push('"');
                    Some(quoted)
                }
                _ => None,
            };
            if let Some(r) = replacement {
                out.push_str(&expr[copied..i]);
                out.push_str(&r);
                copied = end;
            }
        }
        i = end;
    }
    out.push_str(&expr[copied..]);
    out
}

/// Whether Prometheus's anchored form of `regex` (`^(?:regex)$`) matches the empty string, read
/// from its syntax tree: an empty regex, a repeat that may run zero times, the zero-width
/// assertions other than `\b` (which needs a word character beside it). `false` for a regex
/// that does not parse.
pub fn matches_empty(regex: &str) -> bool {
    fn empty(node: &Ast) -> bool {
        use ast::AssertionKind as A;
        match node {
            Ast::Empty(_) | Ast::Flags(_) => true,
            Ast::Literal(_)
            | Ast::Dot(_)
            | Ast::ClassUnicode(_)
            | Ast::ClassPerl(_)
            | Ast::ClassBracketed(_) => false,
            Ast::Assertion(a) => !matches!(a.kind, A::WordBoundary),
            Ast::Repetition(r) => {
                use ast::{RepetitionKind as K, RepetitionRange as R};
                let min = match &r.op.kind {
                    K::ZeroOrOne | K::ZeroOrMore => 0,
                    K::OneOrMore => 1,
                    K::Range(R::Exactly(n) | R::AtLeast(n) | R::Bounded(n, _)) => *n,
                };
                min == 0 || empty(&r.ast)
            }
            Ast::Group(g) => empty(&g.ast),
            Ast::Alternation(a) => a.asts.iter().any(empty),
            Ast::Concat(c) => c.asts.iter().all(empty),
        }
    }
    syntax_tree(regex).is_ok_and(|(_, tree)| empty(&tree))
}

/// `regex` as Rust's parser reads it (`\Q...\E` written out, [`quoted_literals`]) and its
/// syntax tree (octal escapes on, as Go reads them), or why it does not parse.
fn syntax_tree(regex: &str) -> Result<(String, Ast), String> {
    let regex = quoted_literals(regex)?;
    let tree = ast::parse::ParserBuilder::new()
        .octal(true)
        .build()
        .parse(&regex)
        .map_err(|e| e.kind().to_string())?;
    Ok((regex, tree))
}

/// The value of a PromQL string literal (quotes included), as Prometheus reads it: between
/// backquotes the text as it is (less `\r`); between double or single quotes, of any length,
/// Go's escapes (`\a \b \f \n \r \t \v \\`, the quote itself, `\x` and two hex digits, three
/// octal digits, `\u` and four hex digits, `\U` and eight), no newline.
pub fn unquote(literal: &str) -> Result<String, String> {
    let quote = literal.as_bytes()[0];
    let body = &literal[1..literal.len() - 1];
    if quote == b'`' {
        return Ok(body.replace('\r', ""));
    }
    if body.contains('\n') {
        return Err("a quoted string holds a line break".to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.char_indices();
    let bad = |what: &str| Err(format!("invalid escape `{what}` in a string"));
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return bad("\\");
        };
        let simple = match e {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '\'' | '"' if e as u32 == u32::from(quote) => Some(quote),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let digits = |n: usize, radix: u32| -> Option<u32> {
            let s = body.get(i + 2..i + 2 + n)?;
            (s.len() == n && s.chars().all(|c| c.is_digit(radix)))
                .then(|| u32::from_str_radix(s, radix).ok())
                .flatten()
        };
        let (value, len, byte) = match e {
            'x' => (digits(2, 16), 2, true),
            'u' => (digits(4, 16), 4, false),
            'U' => (digits(8, 16), 8, false),
            '0'..='7' => {
                let s = body.get(i + 1..i + 4).unwrap_or("");
                let v = (s.len() == 3 && s.chars().all(|c| c.is_digit(8)))
                    .then(|| u32::from_str_radix(s, 8).ok())
                    .flatten()
                    .filter(|&v| v <= 255);
                (v, 2, true)
            }
            _ => (None, 0, false),
        };
        let shown = body.get(i..(i + 2 + len).min(body.len())).unwrap_or("\\");
        let Some(value) = value else {
            return bad(shown);
        };
        for _ in 0..len {
            chars.next();
        }
        if byte {
            out.push(value as u8);
        } else {
            match char::from_u32(value) {
                Some(c) => {
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                None => return bad(shown),
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the string's escapes make invalid UTF-8".to_string())
}

/// Go's `maxSize`: instructions of a compiled regexp (128 MiB of 40-byte `Inst`s).
const MAX_SIZE: u64 = (128 << 20) / 40;
/// Go's bound on a repeat count, and on the product of nested ones (`repeatIsValid`).
const MAX_REPEAT: u32 = 1000;

/// The general categories Go 1.19 knows (`unicode.Categories`), sorted.
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// The scripts Go 1.19 knows (`unicode.Scripts`, Unicode 13.0), sorted.
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Whether Prometheus (Go's `regexp/syntax`, Perl flags) parses `regex`; else why not. Linear
/// in the length of `regex`: nothing is compiled.
pub fn check(regex: &str) -> Result<(), String> {
    let (regex, tree) = syntax_tree(regex)?;
    let mut walk = Walk { regex: &regex };
    let size = walk.node(&tree, MAX_REPEAT)?;
    // `^(?:` ... `)$`: two more instructions.
    if size + 2 > MAX_SIZE {
        return Err("expression too large (Go's limit on the size of a compiled regexp)".into());
    }
    Ok(())
}

/// `regex` with every `\Q...\E` outside a class (Go's quoted literal text, to `\E` or the end)
/// written as escaped characters, which Rust's parser reads.
fn quoted_literals(regex: &str) -> Result<String, String> {
    if !regex.contains("\\Q") {
        return Ok(regex.to_string());
    }
    let mut out = String::with_capacity(regex.len() + 16);
    let mut chars = regex.chars().peekable();
    let mut in_class = false;
    // Characters of a class read so far (a `]` first in it is a literal).
    let mut class_len = 0;
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(&next) = chars.peek() else {
                out.push(c);
                break;
            };
            chars.next();
            if next == 'Q' && !in_class {
                let mut quoted = String::new();
                let mut ended = false;
                while let Some(q) = chars.next() {
                    if q == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        ended = true;
                        break;
                    }
                    quoted.push(q);
                }
                if !ended {
                    // Go reads it to the end; but Prometheus compiles `^(?:` + regex + `)$`,
                    // whose `)$` the quoted text would then swallow.
                    return Err("`\\Q` without its `\\E`: Prometheus wraps the regex in \
                                `^(?:...)$`, and the quoted text would take the closing `)$`"
                        .to_string());
                }
                out.push_str(&regex_syntax::escape(&quoted));
                continue;
            }
            out.push(c);
            out.push(next);
            class_len += 1;
            continue;
        }
        out.push(c);
        if in_class && c == '[' && chars.peek() == Some(&':') {
            // `[:alpha:]` inside a class is one item: its `]` does not end the class.
            let mut name = String::new();
            while let Some(&n) = chars.peek() {
                chars.next();
                name.push(n);
                if name.len() > 1 && name.ends_with(":]") {
                    break;
                }
            }
            out.push_str(&name);
            class_len += 1;
            continue;
        }
        if in_class {
            if c == ']' && class_len > 0 {
                in_class = false;
            } else if !(c == '^' && class_len == 0) {
                class_len += 1;
            }
        } else if c == '[' {
            in_class = true;
            class_len = 0;
        }
    }
    Ok(out)
}

/// The walk of [`check`] over the syntax tree: what Go refuses, and Go's size estimate.
struct Walk<'r> {
    regex: &'r str,
}

impl Walk<'_> {
    /// Go's `calcSize` of `node`, or why Go refuses it. `budget` is what the repeats around it
    /// leave of [`MAX_REPEAT`] (`repeatIsValid`).
    fn node(&mut self, node: &Ast, budget: u32) -> Result<u64, String> {
        Ok(match node {
            Ast::Empty(_) | Ast::Dot(_) | Ast::ClassPerl(_) => 1,
            Ast::Flags(f) => {
                self.flags(&f.flags)?;
                1
            }
            Ast::Literal(l) => {
                self.literal(l)?;
                1
            }
            Ast::Assertion(a) => {
                use ast::AssertionKind as K;
                match a.kind {
                    K::StartLine
                    | K::EndLine
                    | K::StartText
                    | K::EndText
                    | K::WordBoundary
                    | K::NotWordBoundary => 1,
                    _ => return Err(self.unsupported(&a.span, "this word boundary")),
                }
            }
            Ast::ClassUnicode(u) => {
                self.unicode(u)?;
                1
            }
            Ast::ClassBracketed(b) => {
                self.class_set(&b.kind)?;
                1
            }
            Ast::Repetition(r) => {
                if matches!(*r.ast, Ast::Repetition(_)) {
                    return Err(format!(
                        "invalid nested repetition operator `{}`",
                        &self.regex[r.op.span.start.offset..r.op.span.end.offset]
                    ));
                }
                use ast::{RepetitionKind as K, RepetitionRange as R};
                let (min, max) = match &r.op.kind {
                    K::ZeroOrOne => {
                        return Ok(1 + self.node(&r.ast, budget)?);
                    }
                    K::ZeroOrMore => return Ok(2 + self.node(&r.ast, budget)?),
                    K::OneOrMore => return Ok(1 + self.node(&r.ast, budget)?),
                    K::Range(R::Exactly(n)) => (*n, Some(*n)),
                    K::Range(R::AtLeast(n)) => (*n, None),
                    K::Range(R::Bounded(a, b)) => (*a, Some(*b)),
                };
                let count = &self.regex[r.op.span.start.offset..r.op.span.end.offset];
                if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                    return Err(format!("invalid repeat count `{count}` (at most 1000)"));
                }
                // `repeatIsValid`: a repeat of 2 or more divides what is left for those inside.
                let m = max.unwrap_or(min);
                // Go stops looking inside a repeat of at most zero (`repeatIsValid`: `m == 0`).
                let inner = if m == 0 {
                    MAX_REPEAT
                } else if min >= 2 || max.is_some_and(|m| m >= 2) {
                    if m > budget {
                        return Err(format!(
                            "invalid repeat count `{count}`: nested repeats over 1000 in all"
                        ));
                    }
                    budget.checked_div(m).unwrap_or(budget)
                } else {
                    budget
                };
                let sub = self.node(&r.ast, inner)?;
                match max {
                    None if min == 0 => 2 + sub,
                    None => 1 + u64::from(min) * sub,
                    Some(max) => u64::from(max) * sub + u64::from(max - min),
                }
            }
            Ast::Group(g) => {
                let sub = self.node(&g.ast, budget)?;
                match &g.kind {
                    ast::GroupKind::CaptureIndex(_) => 2 + sub,
                    ast::GroupKind::CaptureName {
                        name,
                        starts_with_p,
                    } => {
                        // `(?<name>` is Go 1.22's; Prometheus 2.42 (Go 1.19) refuses it.
                        if !starts_with_p {
                            return Err(self.unsupported(
                                &g.span,
                                "a `(?<name>...)` group (write `(?P<name>...)`)",
                            ));
                        }
                        if name.name.is_empty()
                            || !name
                                .name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            return Err(format!(
                                "invalid capture group name `{}` (letters, digits and `_` only)",
                                name.name
                            ));
                        }
                        2 + sub
                    }
                    ast::GroupKind::NonCapturing(flags) => {
                        self.flags(flags)?;
                        sub
                    }
                }
            }
            Ast::Alternation(a) => {
                let mut size = 0u64;
                for sub in &a.asts {
                    size = size.saturating_add(self.node(sub, budget)?);
                }
                size + (a.asts.len() as u64).saturating_sub(1)
            }
            Ast::Concat(c) => {
                let mut size = 0u64;
                for sub in &c.asts {
                    size = size.saturating_add(self.node(sub, budget)?);
                }
                size
            }
        }
        .clamp(1, MAX_SIZE + 1))
    }

    fn unsupported(&self, span: &ast::Span, what: &str) -> String {
        format!(
            "{what} (`{}`) is not in Go's regexp syntax, which Prometheus uses",
            &self.regex[span.start.offset..span.end.offset]
        )
    }

    fn flags(&self, flags: &ast::Flags) -> Result<(), String> {
        for item in &flags.items {
            if let ast::FlagsItemKind::Flag(f) = &item.kind {
                use ast::Flag as F;
                if matches!(f, F::Unicode | F::IgnoreWhitespace | F::CRLF) {
                    return Err(self.unsupported(&item.span, "this flag (Go has i, m, s and U)"));
                }
            }
        }
        Ok(())
    }

    fn literal(&self, l: &ast::Literal) -> Result<(), String> {
        use ast::{HexLiteralKind as H, LiteralKind as K};
        let text = &self.regex[l.span.start.offset..l.span.end.offset];
        match &l.kind {
            K::HexFixed(H::UnicodeShort | H::UnicodeLong)
            | K::HexBrace(H::UnicodeShort | H::UnicodeLong) => {
                Err(self.unsupported(&l.span, "a `\\u` escape (Go has `\\x{...}`)"))
            }
            // A lone digit 1-7 is a backreference in Go, which it refuses.
            K::Octal if text.len() == 2 && text != "\\0" => {
                Err(self.unsupported(&l.span, "a backreference"))
            }
            _ => Ok(()),
        }
    }

    fn unicode(&self, u: &ast::ClassUnicode) -> Result<(), String> {
        use ast::ClassUnicodeKind as K;
        let known = match &u.kind {
            K::OneLetter(c) => matches!(c, 'C' | 'L' | 'M' | 'N' | 'P' | 'S' | 'Z'),
            K::Named(name) => {
                name == "Any"
                    || CATEGORIES.binary_search(&name.as_str()).is_ok()
                    || SCRIPTS.binary_search(&name.as_str()).is_ok()
            }
            K::NamedValue { .. } => false,
        };
        if known {
            Ok(())
        } else {
            Err(self.unsupported(
                &u.span,
                "this Unicode class (Go knows `Any`, the general categories and the scripts, \
                 by their exact names: `\\pL`, `\\p{Lu}`, `\\p{Greek}`)",
            ))
        }
    }

    fn class_set(&self, set: &ClassSet) -> Result<(), String> {
        match set {
            ClassSet::BinaryOp(op) => {
                Err(self.unsupported(&op.span, "a class set operation (`&&`, `--`, `~~`)"))
            }
            ClassSet::Item(item) => self.class_item(item),
        }
    }

    fn class_item(&self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Empty(_) | ClassSetItem::Ascii(_) | ClassSetItem::Perl(_) => Ok(()),
            ClassSetItem::Literal(l) => self.literal(l),
            ClassSetItem::Range(r) => {
                self.literal(&r.start)?;
                self.literal(&r.end)
            }
            ClassSetItem::Unicode(u) => self.unicode(u),
            ClassSetItem::Bracketed(b) => Err(self.unsupported(
                &b.span,
                "a class inside a class (in Go, `[` there is a literal)",
            )),
            ClassSetItem::Union(u) => u.items.iter().try_for_each(|i| self.class_item(i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_tables_are_sorted() {
        assert!(CATEGORIES.is_sorted());
        assert!(SCRIPTS.is_sorted());
    }

    #[test]
    fn matchers_are_found_outside_strings_and_comments_and_masked_in_place() {
        let expr = r#"up{a=~"x\"y", b!~ 'z', c="=~\"n\""} # {d=~"no"}
 + up{e=~`r\d`}"#;
        let found = matchers(expr);
        let values: Vec<_> = found.iter().map(|m| m.value.clone().unwrap()).collect();
        assert_eq!(values, ["x\"y", "z", "r\\d"]);
        let masked = for_parser(expr, &found);
        assert_eq!(masked.len(), expr.len());
        assert!(
            masked.starts_with(r#"up{a=~"xxxx", b!~ 'x', c="=~\"n\""}"#),
            "{masked}"
        );
        assert!(masked.ends_with("up{e=~`xxx`}"), "{masked}");
        // An unterminated string is left to the parser.
        assert!(matchers(r#"up{a=~"x}"#).is_empty());
        assert!(matchers(r#"up{a=~"x\"}"#).is_empty());
        // A regex that matches the empty string is masked by one that does too (sweep 11,
        // finding 3); a backquoted string with a backslash is written between double quotes
        // with its raw value (finding 1: `promql-parser` read `` \` `` as an escape there).
        let expr = r#"{job=~".*", a=`b\`, c!~"a|", d=~"x+"} + up{e=~"\\pL"}"#;
        let parsed = for_parser(expr, &matchers(expr));
        assert_eq!(
            parsed,
            r#"{job=~"^^", a="b\\", c!~"^^", d=~"xx"} + up{e=~"xxxx"}"#
        );
    }

    #[test]
    fn matching_the_empty_string_is_read_from_the_tree() {
        for (regex, empty) in [
            ("", true),
            (".*", true),
            ("a|", true),
            ("(a?)(b*)", true),
            ("^$", true),
            (r"\B", true),
            ("x{0}", true),
            ("(?i)", true),
            (".+", false),
            ("a", false),
            (r"\b", false),
            ("a*b", false),
            ("[a-z]{1,3}", false),
        ] {
            assert_eq!(matches_empty(regex), empty, "{regex}");
        }
    }

    #[test]
    fn strings_unquote_as_go_reads_them() {
        assert_eq!(
            unquote(r#""a\tb\x41\101\u00e9\U0001F600""#).unwrap(),
            "a\tbAAé😀"
        );
        assert_eq!(unquote(r"'it\'s'").unwrap(), "it's");
        assert_eq!(unquote("`a\\d\r`").unwrap(), "a\\d");
        for bad in [
            r#""\'""#,
            r#"'\"'"#,
            r#""\q""#,
            r#""\x4""#,
            r#""\400""#,
            r#""\uD800""#,
            "\"a\nb\"",
        ] {
            assert!(unquote(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_syntax_is_enforced_without_compiling() {
        for ok in [
            "api|web",
            "5..",
            r"\pL{200}",
            r"\p{Greek}+",
            r"(?i)foo",
            r"(?P<n>a)",
            r"\Q.*\E.",
            r"[[:alpha:]]",
            r"\x{263A}",
            r"\012",
            r"((((((((((aaaaaaaaaa){10}){10}){10}){1}){1}){1}){1}){1}){1}){1}",
            // Go does not look inside a repeat of zero (sweep 11).
            r"((a{100}){0}){20}",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            r"(?x) a b",
            r"(?R)x",
            r"[a--b]",
            r"[a[bc]]",
            r"x{1001}",
            r"(a{100}){20}",
            r"\u263A",
            r"\1",
            r"\<a",
            r"\p{greek}",
            r"\p{Script=Greek}",
            r"\p{Kawi}",
            r"a**",
            r"(?P<a.b>x)",
            r"(?<m>b)",
            r"a{2}{0}",
            // `[:alpha:]` does not end the class: `\Q` inside a class is Go's error (sweep 11).
            r"[[:alpha:]\Q*\E]",
            r"[[:alpha:]\Q]\E]",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        // Go's size estimate: a captured ten literals repeated 1000 times is 12 000
        // instructions; 280 of them are over the 3 355 443 of `maxSize`, 279 are not.
        let big = "(aaaaaaaaaa){1000}".repeat(280);
        assert!(check(&big).unwrap_err().contains("too large"));
        assert_eq!(check(&"(aaaaaaaaaa){1000}".repeat(279)), Ok(()));
    }

    /// The work is linear: a hundred `\pL{200}` matchers are checked in milliseconds (compiled,
    /// they took seconds and a gigabyte).
    #[test]
    fn checking_is_fast_where_compiling_was_not() {
        let start = std::time::Instant::now();
        for _ in 0..100 {
            assert_eq!(check(r"\pL{200}"), Ok(()));
        }
        assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
    }
}
