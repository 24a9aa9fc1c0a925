//! Recognises secret values by their shape, without ever returning them: a [`Hit`] says which
//! shape matched and where (a byte range), never what.
//!
//! Shapes, in the order they are tried: PEM blocks (header, body and footer), JSON Web Tokens,
//! GitHub tokens, Scaleway access keys, AWS access key ids, Slack tokens and webhooks, Google API
//! keys, `sk-` API keys, bearer and basic authorization values, URLs with a password (any
//! scheme, empty user, any characters), `password=`-style pairs however prefixed or suffixed
//! (`DB_PASSWORD=x`, `--db-password=x`, `SCW_SECRET_KEY=x`, `pass: x`, `pwd=x`), and the
//! argument that follows a `--password`-like flag (the first of `args` follows the last of
//! `command`), and base64 tokens that `/` splits into short pieces (a 40-character token of
//! mixed case and digits, pieces that each look random) or that decode to a PEM header. Then,
//! by context: a UUID (the shape of a Scaleway secret key) anywhere in an
//! environment value or as a value under a secret-sounding name, any value under a
//! secret-sounding name (`..._PASSWORD`, `..._TOKEN`, `DB_PASS`, `STRIPE_KEY`), and long
//! random-looking tokens in environment values, engine settings and command arguments.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use regex::Regex;

use crate::diagnostics::{Diagnostic, Span};
use crate::load::{Key, Node, NodeKind};

/// Where a value sits: decides which heuristics apply on top of the shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context<'a> {
    /// A plain environment variable value, under its name. `${...}` references are not values.
    EnvValue(&'a str),
    /// A database engine setting, under its name.
    Setting(&'a str),
    /// An item of `command` or `args`, with the item before it.
    Argument {
        /// The previous item of the same list, if any.
        previous: Option<&'a str>,
    },
    /// Any other text: descriptions, paths, URLs, annotations, names.
    Text,
}

/// A secret found in a value: the shape that matched and its byte range in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// What matched, e.g. `a GitHub token` (never the value).
    pub shape: &'static str,
    /// Byte offset of the start of the secret in the value.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
}

/// The fewest characters a number under a secret's name has to be masked as one: shorter
/// ones are settings (`PASSWORD_MIN_LENGTH: 12`, a score, a port), and masking them would
/// redact the same digits in every message.
pub(crate) const SECRET_NUMBER_MIN: usize = 8;

/// Name fragments that mark a variable, setting or flag as holding a secret.
const SECRET_NAMES: [&str; 13] = [
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "ACCESS_KEY",
    "AUTH_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
];
/// Name endings that hold configuration about a secret, not the secret.
const NOT_SECRET_SUFFIXES: [&str; 14] = [
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_PATH",
    "_FILE",
    "_TTL",
    "_EXPIRY",
    "_EXPIRES",
    "_LENGTH",
    "_SIZE",
    "_HEADER",
    "_NAME",
    "_ID_NAME",
    "_REF",
];
/// Minimum length of a token examined for entropy.
const ENTROPY_MIN_LEN: usize = 20;
/// A token is flagged when its Shannon entropy reaches this fraction of the maximum its length
/// allows (`log2(min(len, 64))` bits per character, 64 being the base64 alphabet). Random keys
/// come within a few percent of that maximum (a 20-character random alnum key averages ~4.0 of
/// 4.32 bits, 0.93); identifiers, model names and words repeat letters and stay below ~0.85
/// (e.g. `mistral-large-2411-instruct`: 3.6 of 4.75 bits, 0.76).
const ENTROPY_RATIO: f64 = 0.88;
/// Hex tokens (digests, keys) have at most 4 bits per character: examined from 32 characters,
/// flagged from 3.0 bits (the classic truffleHog threshold).
const HEX_MIN_LEN: usize = 32;
const HEX_ENTROPY: f64 = 3.0;

/// A shape as written: pattern, capture group, description, extra test.
type ShapeSpec = (&'static str, usize, &'static str, fn(&str) -> bool);

fn always(_: &str) -> bool {
    true
}

/// All the shape patterns at once, to skip strings that match none.
fn shape_set() -> &'static regex::RegexSet {
    static SET: OnceLock<regex::RegexSet> = OnceLock::new();
    SET.get_or_init(|| regex::RegexSet::new(SHAPES.iter().map(|s| s.0)).expect("valid patterns"))
}

/// Literals that every match of a case-sensitive shape contains, one per shape or more.
const SHAPE_LITERALS: [&str; 23] = [
    "-----BEGIN ",
    "MII",
    "sig=",
    "signature=",
    "Signature=",
    "eyJ",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "SCW",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "xox",
    "hooks.slack.com/",
    "AIza",
    "k_live_",
    "k_test_",
    "sk-",
];

/// Whether `text` may match one of [`SHAPES`]: `false` only when it holds none of the literals
/// every match contains, so the shape set (about 1 ms to compile, most of a small run's
/// secret scan) is built only for strings that need it. Exact for ASCII text; text with
/// another character always goes to the set (Unicode case folding: `(?i)k` also matches
/// U+212A KELVIN SIGN). A test holds this a superset of the set on hostile strings.
fn may_match_a_shape(text: &str) -> bool {
    if !text.is_ascii() {
        return true;
    }
    let prefilter = prefilter();
    if prefilter.literals.is_match(text) {
        return true;
    }
    // An authorization header value: `bearer`, `basic` or `token` in any case, blanks, 8 token
    // characters (`ADMIN_TOKEN` and `API token (...)` are not). None of the three words
    // overlaps itself or another, so every occurrence is found.
    let header = prefilter
        .header_words
        .find_overlapping_iter(text)
        .any(|m| blanks_then_token(&text.as_bytes()[m.end()..]));
    // A URL with a password: `//`, then `:`, then `@`.
    let url = text
        .find("//")
        .map(|i| &text[i + 2..])
        .and_then(|rest| rest.find(':').map(|c| &rest[c..]))
        .is_some_and(|rest| rest.contains('@'));
    // The same URL percent-encoded: `%2F%2F` and `%40`, in any case.
    let encoded = text.contains('%') && prefilter.encoded_url.is_match(text);
    // A `password=`-style pair: a secret word in any case, and `=` or `:`.
    let pair = (text.contains('=') || text.contains(':')) && prefilter.pair_words.is_match(text);
    header || url || encoded || pair
}

/// Whether `rest` (what follows a header word) starts with blanks, then at least 8 token
/// characters: the value of an authorization header.
fn blanks_then_token(rest: &[u8]) -> bool {
    // ASCII `\s` (Unicode White_Space), and the separators 0x1C-0x1F to be safe.
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b'\t'..=b'\r' | b' ' | 0x1c..=0x1f))
        .count();
    let token = rest[blanks..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b"._~+/=-".contains(b))
        .count();
    blanks > 0 && token >= 8
}

/// The automata of [`may_match_a_shape`], built once: one pass over a string for all the
/// literals (they were 19 substring searches, a searcher built for each, about a tenth of a
/// 1000 x 10 `validate`), and ASCII case-insensitive passes for the words (no lowercase copy).
struct Prefilter {
    literals: aho_corasick::AhoCorasick,
    header_words: aho_corasick::AhoCorasick,
    pair_words: aho_corasick::AhoCorasick,
    encoded_url: aho_corasick::AhoCorasick,
}

/// The automata's kind: a noncontiguous NFA, the cheapest to build. The builder's default for
/// so few patterns is a DFA, built on every run: a committed `validate` 10.99 -> 10.44 M
/// instructions (callgrind) without it, a 1000 x 10 `validate`, which scans many more strings,
/// 1 614 -> 1 621 M.
const KIND: aho_corasick::AhoCorasickKind = aho_corasick::AhoCorasickKind::NoncontiguousNFA;

fn prefilter() -> &'static Prefilter {
    static PREFILTER: OnceLock<Prefilter> = OnceLock::new();
    PREFILTER.get_or_init(|| {
        let words = |words: &[&str]| {
            aho_corasick::AhoCorasick::builder()
                .kind(Some(KIND))
                .ascii_case_insensitive(true)
                .build(words)
                .expect("valid words")
        };
        Prefilter {
            literals: aho_corasick::AhoCorasick::builder()
                .kind(Some(KIND))
                .build(SHAPE_LITERALS)
                .expect("valid literals"),
            header_words: words(&["bearer", "basic", "token"]),
            pair_words: words(&["pass", "secret", "token", "key", "pw"]),
            encoded_url: words(&["%2f%2f"]),
        }
    })
}

/// The compiled pattern of shape `i`, built the first time a string may match it (most runs
/// meet none: the set alone decides).
fn shape_re(i: usize) -> &'static Regex {
    static RES: [OnceLock<Regex>; SHAPES.len()] = [const { OnceLock::new() }; SHAPES.len()];
    RES[i].get_or_init(|| Regex::new(SHAPES[i].0).expect("valid pattern"))
}

/// The shapes: pattern, the capture group holding the secret (0: the whole match),
/// description, and an extra test on the captured text (placeholders, ports; `true` keeps the
/// hit).
const SHAPES: [ShapeSpec; 18] = [
    // A PEM block is its header, its body and its footer: the hit runs to the footer, or to
    // the end of the text when there is none (a body is never shown without its header).
    (
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?s:.*?)(?:-----END [A-Z0-9 ]*-----|\z)",
        0,
        "a PEM private key",
        always,
    ),
    (
        r"-----BEGIN [A-Z0-9 ]+-----(?s:.*?)(?:-----END [A-Z0-9 ]*-----|\z)",
        0,
        "a PEM block",
        always,
    ),
    (
        // The base64 of a DER key or certificate without its PEM header (an ASN.1 SEQUENCE
        // of 256 bytes or more starts `MII`): pasted from a PEM file's body (review of stop
        // 61, F1).
        r"(?:^|[^A-Za-z0-9+/])(MII[A-Za-z0-9+/]{60,}={0,2})",
        1,
        "the base64 body of a DER key",
        always,
    ),
    (
        // A signed URL's signature: Azure's shared access signature (`sig=`), S3's and
        // Google Cloud Storage's presigned URLs (`X-Amz-Signature=`, `X-Goog-Signature=`),
        // `signature=` (review of stop 61, F1).
        r"[?&](?:sig|signature|X-Amz-Signature|X-Goog-Signature)=([^&\s#]{16,})",
        1,
        "a signed URL's signature",
        always,
    ),
    (
        r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        0,
        "a JSON Web Token",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9_])((?:gh[pousr]_[A-Za-z0-9]{30,255})|(?:github_pat_[A-Za-z0-9_]{22,255}))",
        1,
        "a GitHub token",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])(SCW[A-Z0-9]{17})(?:[^A-Za-z0-9]|$)",
        1,
        "a Scaleway access key",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?:[^A-Za-z0-9]|$)",
        1,
        "an AWS access key",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])(xox[abposre]-[A-Za-z0-9-]{10,})",
        1,
        "a Slack token",
        always,
    ),
    (
        r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{16,}",
        0,
        "a Slack webhook URL",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])(AIza[0-9A-Za-z_-]{35})",
        1,
        "a Google API key",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,})",
        1,
        "a Stripe key",
        always,
    ),
    (
        r"(?:^|[^A-Za-z0-9])(sk-[A-Za-z0-9_-]{20,})",
        1,
        "an `sk-` API key",
        always,
    ),
    (
        r"(?i)(?:^|[^a-z])(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{8,})",
        1,
        "an authorization header value",
        token_like,
    ),
    (
        // scheme://user:password@ — the user may be empty, the password anything but
        // blanks and `@`; the scheme may be left out (`//user:password@host`, a
        // scheme-relative URL).
        r"(?i)(?:[a-z][a-z0-9+.-]*:)?//[^\s/?#@:]*:([^\s@]+)@",
        1,
        "a URL with a password",
        url_password,
    ),
    (
        // The same URL percent-encoded, as a query parameter carries it
        // (`?next=postgres%3A%2F%2Fapp%3Ahunter2%40db`): `%2F%2F`, a user, `%3A`, the
        // password, `%40` or `@` (review of stop 61, s80 F1: it passed validate and reached
        // main.tf). The user and the password hold no `/`, `?`, `#`, `&` or `@`, written or
        // encoded (`%2F`, `%3F`, `%23`, `%26`, `%40`), and the user no `%3A`: the `%3A` and the
        // `%40` are inside one URL's authority, not a port and an e-mail later in its query
        // (review of 79230b4, D1).
        r"(?i)%2F%2F(?:[^\s/?#@&%]|%2[0-245789A-E]|%3[0-9B-E]|%4[1-9A-F]|%[015-9A-F][0-9A-F])*%3A((?:[^\s/?#@&%]|%2[0-245789A-E]|%3[0-9A-E]|%4[1-9A-F]|%[015-9A-F][0-9A-F])+)(?:%40|@)",
        1,
        "a percent-encoded URL with a password",
        url_password,
    ),
    (
        // `password=x`, `DB_PASSWORD=x`, `--db-password=x`, `client_secret: x`, and names
        // that go on after the word and a `_` or `-` (`SCW_SECRET_KEY=x`,
        // `client_secret_value: x`, `aws_secret_access_key=x`; not a plural: `secrets: [A]`
        // names secrets). A name about a secret (`TOKEN_URL=`, `SECRET_NAME=`) is not one: see
        // `pair_name`. Quotes may be escaped (`{\"password\": \"x\"}` in a double-quoted YAML
        // scalar, as a source excerpt shows it); the value stops at quotes, brackets and
        // backquotes. YAML tags and anchors before it (`TOKEN: !Secret x`, `TOKEN: &a x`, on
        // a line refused for them) are skipped: the value is masked, not the tag (sweep 30, F2).
        r#"(?i)(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)((?:[_-][A-Za-z0-9_-]*)?)\\?["']?\s*(=|:)\s*(?:[!&][^\s"']*\s+)*\\?["']?([^\s"',;&\\`\[\](){}]+)"#,
        3,
        "a `password=`-style pair",
        always,
    ),
    (
        // Short names need a boundary: `pass: x`, `pwd=x`, but not `bypass: x`.
        r#"(?i)(?:^|[^a-z])(?:pass|pwd|pw)()\\?["']?\s*(=|:)\s*(?:[!&][^\s"']*\s+)*\\?["']?([^\s"',;&\\`\[\](){}]+)"#,
        3,
        "a `password=`-style pair",
        always,
    ),
];

/// Whether the rest of a pair's name after its secret word (`_KEY` in `SECRET_KEY=`) still
/// names the secret, rather than something about it (`_URL`, `_NAME`, `_LENGTH`, ...).
fn pair_name(rest: &str) -> bool {
    let upper = rest.to_ascii_uppercase().replace(['-', '.'], "_");
    !NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// `8080`, `8080/v1`: the port (and path) after a host name.
fn port_like(v: &str) -> bool {
    let head = v.split('/').next().unwrap_or("");
    !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit())
}

/// A token with a digit, a symbol or mixed case: not a plain word (`Bearer authentication`).
fn token_like(t: &str) -> bool {
    let digit = t.bytes().any(|b| b.is_ascii_digit());
    let symbol = t.bytes().any(|b| !b.is_ascii_alphanumeric());
    let lower = t.bytes().any(|b| b.is_ascii_lowercase());
    let upper = t.bytes().skip(1).any(|b| b.is_ascii_uppercase());
    !placeholder(t) && (digit || symbol || (lower && upper))
}

/// `:8080/path@x` is a port, not a password; `${VAR}`, `$VAR`, `%s`, `***` are placeholders.
fn url_password(p: &str) -> bool {
    let port = p
        .split('/')
        .next()
        .is_some_and(|head| !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()))
        && p.contains('/');
    !port && !placeholder(p)
}

/// Text standing for a value rather than being one: a reference or a template, whole
/// (`$VAR`, `${VAR}`, `$(command)`, `%s`, `%(name)s`, `%VAR%`, `{name}`, `{{ .Values.x }}`,
/// `<your token>`), a mask (`***`, `xxxx`), or a word that is no value (`changeme`, `null`).
/// Only the whole text: a value that only starts like one (`$ecret correct horse`, `<a> b`)
/// is a value (review of stop 61, F7: a prefix test let TG012 pass it, and `generate` wrote it
/// into the roots).
pub(crate) fn placeholder(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '\'']);
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    let inside = |open: &str, close: &str| {
        v.strip_prefix(open)
            .and_then(|r| r.strip_suffix(close))
            .filter(|r| !r.contains(close))
    };
    // `{name}`, and any `{{ ... }}` template (`{{ .Values.x | quote }}`).
    let braces = inside("{{", "}}").is_some()
        || inside("{", "}").is_some_and(|r| word(r.trim().trim_start_matches('.')));
    // `$(command)`, nested ones included.
    let command = v.starts_with("$(") && v.ends_with(')') && {
        let mut depth = 0i64;
        v.bytes().all(|b| {
            depth += match b {
                b'(' => 1,
                b')' => -1,
                _ => 0,
            };
            depth >= 0
        }) && depth == 0
    };
    // `%s`, `%d` and separators only (`%s:%s`).
    let printf = (v.contains("%s") || v.contains("%d"))
        && !v
            .replace("%s", "")
            .replace("%d", "")
            .contains(|c: char| c.is_alphanumeric() || c.is_whitespace());
    v.is_empty()
        || inside("${", "}").is_some()
        // tofugen's escape of a literal `${`: `$${NAME}`.
        || inside("$${", "}").is_some()
        // `$NAME`, `$NAME/path`.
        || v.strip_prefix('$').is_some_and(|r| {
            let (name, path) = r.split_once('/').unwrap_or((r, ""));
            word(name) && !path.contains(char::is_whitespace)
        })
        || command
        || printf
        || inside("%(", ")s").is_some_and(word)
        || inside("%", "%").is_some_and(word)
        || braces
        || inside("<", ">").is_some_and(|r| {
            !r.trim().is_empty()
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-' | b'.'))
        })
        || v.bytes()
            .all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'-'))
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "null" | "none" | "true" | "false" | "changeme" | "redacted" | "secret"
        )
}

/// Whether `b` is exactly a UUID: `8-4-4-4-12` ASCII hex digits, either case.
fn is_uuid(b: &[u8]) -> bool {
    b.len() == UUID_LEN
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Bytes in a UUID (`8-4-4-4-12` hex digits).
const UUID_LEN: usize = 36;

/// Whether `text` is long enough and has the dashes to hold a UUID: [`uuid_word`] looks only
/// in text that may hold one.
fn may_hold_a_uuid(text: &str) -> bool {
    text.len() >= UUID_LEN && text.bytes().filter(|b| *b == b'-').count() >= 4
}

/// The byte range of the first UUID standing as a word of `text` (not part of a longer dashed
/// name): neither preceded nor followed by an ASCII letter, digit, `_` or `-`. What the pattern
/// `(?:^|[^0-9A-Za-z_-])(UUID)(?:[^0-9A-Za-z_-]|$)` captures (a property test compares them),
/// without compiling it on every run. Linear: a UUID is tried only where a word starts, and a
/// try that reads `k` bytes leaves no word start among them.
fn uuid_word(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    (0..=b.len().checked_sub(UUID_LEN)?)
        .find(|&p| {
            (p == 0 || !word(b[p - 1]))
                && is_uuid(&b[p..p + UUID_LEN])
                && b.get(p + UUID_LEN).is_none_or(|c| !word(*c))
        })
        .map(|p| (p, p + UUID_LEN))
}

/// Whether `text` holds a UUID anywhere, even inside a longer word (`X3f2b…`): what a name (an
/// environment, a service, a variable) never is, and a Scaleway secret key always is. Names
/// holding one are masked like secrets (sweep 58c, F1: a secret key pasted as an environment
/// name was shown by its `invalid environment name` error, its line and `explain`).
pub fn holds_uuid(text: &str) -> bool {
    may_hold_a_uuid(text) && text.as_bytes().windows(UUID_LEN).any(is_uuid)
}

/// The words a flag naming a secret ends with ([`secret_flag`]), lowercase.
const SECRET_FLAG_WORDS: [&str; 21] = [
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "token",
    "secret",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "access-key",
    "secretkey",
    "secret_key",
    "secret-key",
    "privatekey",
    "private_key",
    "private-key",
    "credential",
    "credentials",
];

/// Whether `flag` names a secret (`--password`, `-db-token`, `--API_KEY`): one or two dashes,
/// then letters, digits, `_` and `-`, ending with one of [`SECRET_FLAG_WORDS`], letters in any
/// case. Decides exactly as the regular expression
/// `(?i)^-{1,2}[a-z0-9_-]*(password|passwd|passphrase|pass|pwd|token|secret|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?)$`
/// (a property test compares them), without compiling it (about a tenth of a small
/// configuration's `validate`): `-{1,2}` then `[a-z0-9_-]*` is one dash then the class, which
/// holds the words; and case-insensitive `[a-z]` also matches the two characters whose simple
/// case folding is an ASCII letter, `ſ` (long s) and `K` (Kelvin sign).
fn secret_flag(flag: &str) -> bool {
    /// The character of `[a-z0-9_-]` (case-insensitive) that `c` is, lowercase.
    fn fold(c: char) -> Option<u8> {
        match c {
            'a'..='z' | '0'..='9' | '_' | '-' => Some(c as u8),
            'A'..='Z' => Some(c.to_ascii_lowercase() as u8),
            '\u{17F}' => Some(b's'),
            '\u{212A}' => Some(b'k'),
            _ => None,
        }
    }
    let Some(rest) = flag.strip_prefix('-') else {
        return false;
    };
    let Some(folded) = rest.chars().map(fold).collect::<Option<Vec<u8>>>() else {
        return false;
    };
    SECRET_FLAG_WORDS
        .iter()
        .any(|word| folded.ends_with(word.as_bytes()))
}

/// Shannon entropy of `s`, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let term = |k: usize, n: f64| {
        let p = k as f64 / n;
        -p * p.log2()
    };
    if s.is_ascii() {
        // A table instead of a map: most scanned text is ASCII.
        let mut counts = [0usize; 128];
        for b in s.bytes() {
            counts[b as usize] += 1;
        }
        let n = s.len() as f64;
        return counts.iter().filter(|&&k| k > 0).map(|&k| term(k, n)).sum();
    }
    let mut counts = BTreeMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts.values().map(|&k| term(k, n)).sum()
}

/// The first long random-looking token of `value`, as a byte range. Hex tokens (digests,
/// commit hashes) count only when `hex` is set and `value` is not a URL, where they name a
/// commit or an object rather than hold a secret.
fn high_entropy_token(value: &str, hex: bool) -> Option<(usize, usize)> {
    let hex = hex && !value.contains("://");
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | '_' | '-');
    runs(value, is_token_char).find(|&(s, e)| {
        let t = &value[s..e];
        let len = t.len();
        if t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return hex && len >= HEX_MIN_LEN && entropy(t) >= HEX_ENTROPY;
        }
        let classes = [
            t.bytes().any(|b| b.is_ascii_lowercase()),
            t.bytes().any(|b| b.is_ascii_uppercase()),
            t.bytes().any(|b| b.is_ascii_digit()),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        len >= ENTROPY_MIN_LEN && classes >= 2 && random_looking(t) && !words_joined(t)
    })
}

/// Whether `t` reads as lowercase words joined by `-` or `_`, as runner labels, host names and
/// other identifiers do (`self-hosted-linux_x64`): no uppercase letter, at least three parts of
/// at most 10 characters, and at least half of them words (three letters or more, a vowel
/// among them). Many distinct letters give such identifiers a random string's entropy (sweep
/// 16); a random key rarely has this shape: mixed case, long runs between separators, or
/// parts without vowels (`k3j5-h2g8-f9d1`).
fn words_joined(t: &str) -> bool {
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let parts: Vec<&str> = t.split(['-', '_']).collect();
    if parts.len() < 3 || parts.iter().any(|p| p.is_empty() || p.len() > 10) {
        return false;
    }
    let words = parts
        .iter()
        .filter(|p| {
            p.bytes().filter(u8::is_ascii_alphabetic).count() >= 3
                && p.bytes().any(|b| b"aeiouy".contains(&b))
        })
        .count();
    2 * words >= parts.len()
}

/// The maximal runs of characters of `value` that `is_char` accepts, as byte ranges, in order.
fn runs<'a>(
    value: &'a str,
    is_char: impl Fn(char) -> bool + 'a,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut start = None;
    value
        .char_indices()
        .map(Some)
        .chain([None])
        .filter_map(move |item| match item {
            Some((i, c)) => match (is_char(c), start) {
                (true, None) => {
                    start = Some(i);
                    None
                }
                (false, Some(s)) => {
                    start = None;
                    Some((s, i))
                }
                _ => None,
            },
            None => start.take().map(|s| (s, value.len())),
        })
}

/// Length of the base64 tokens that are secret-shaped with `/` inside (AWS secret access keys
/// are 40 characters of the base64 alphabet).
const SLASHED_KEY_LEN: usize = 40;
/// Shortest path segment that counts as random in a slashed token.
const SEGMENT_MIN_LEN: usize = 8;

/// Whether `t` holds lowercase letters, uppercase letters and digits.
pub(super) fn mixed_case_and_digits(t: &str) -> bool {
    t.bytes().any(|b| b.is_ascii_lowercase())
        && t.bytes().any(|b| b.is_ascii_uppercase())
        && t.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `t` has close to the entropy of a random string of its length.
fn random_looking(t: &str) -> bool {
    entropy(t) >= ENTROPY_RATIO * (t.len().min(64) as f64).log2()
}

/// The first base64-alphabet token of `value` that is secret-shaped although `/` splits it into
/// short words (which [`high_entropy_token`] takes one by one), with what it looks like: a
/// 40-character token of mixed case and digits (an AWS secret key's shape), a token whose
/// `/`-separated segments are each random-looking, or base64 of a PEM header
/// (`LS0tLS1CRUdJTi...`: `-----BEGIN ...`). A path (`/app/supervisord.conf`), an image
/// (`rg.fr-par.scw.cloud/namespace/image`) or a repository (`etalab-ia/evalap`) has words for
/// segments, and `.` and `:` end a token.
fn slashed_or_encoded_token(value: &str) -> Option<(usize, usize, &'static str)> {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-');
    runs(value, is_b64).find_map(|(s, e)| {
        // A leading `/` (an absolute path) and trailing padding are not part of the key.
        let lead = value[s..e].len() - value[s..e].trim_start_matches('/').len();
        let (s, t) = (s + lead, value[s + lead..e].trim_end_matches('/'));
        let e = s + t.len();
        if pem_in_base64(t) {
            return Some((s, e, "base64 of a PEM private key or certificate"));
        }
        if !t.contains('/') {
            return None;
        }
        let body = t.trim_end_matches('=');
        if body.len() == SLASHED_KEY_LEN
            && !body.contains(['_', '-', '='])
            && mixed_case_and_digits(body)
            && random_looking(body)
        {
            return Some((
                s,
                e,
                "a 40-character base64 key, the shape of a cloud secret key",
            ));
        }
        // `t` holds a `/`: two segments at least.
        let random_segments = t.split('/').all(|seg| {
            seg.len() >= SEGMENT_MIN_LEN && mixed_case_and_digits(seg) && random_looking(seg)
        });
        let joined = t.len() - t.matches('/').count();
        (random_segments && joined >= ENTROPY_MIN_LEN).then_some((
            s,
            e,
            "a long random-looking string split by `/`",
        ))
    })
}

/// Whether the base64 text `t` starts with the encoding of a PEM header (`-----BEGIN `).
fn pem_in_base64(t: &str) -> bool {
    const HEADER: &[u8] = b"-----BEGIN ";
    let sextet = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut decoded = Vec::with_capacity(HEADER.len() + 2);
    for chunk in t.as_bytes().chunks(4).take(HEADER.len().div_ceil(3)) {
        if chunk.len() < 4 {
            return false;
        }
        let mut n = 0u32;
        for &c in chunk {
            match sextet(c) {
                Some(v) => n = (n << 6) | v,
                None => return false,
            }
        }
        decoded.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    decoded.starts_with(HEADER)
}

/// Words of a name that mark it as holding a secret on their own (`DB_PASS`, `MYSQL_PWD`).
const SECRET_WORDS: [&str; 3] = ["PASS", "PWD", "PW"];
/// What a secret word glued to it at its end makes a secret's name (`PGPASS`, `SMTPPASS`,
/// `ROOTPW`, `DBPWD`; review of 7b9b2a6, F7: their values passed `validate` and reached
/// `main.tf`): the accounts and services a password is for. Not any word: `LOWPASS`,
/// `BANDPASS`, `RENDERPASS`, `GOPASS_HOMEDIR`, `WEATHER_EPW` name no secret (review of
/// 39092c1, N1).
const GLUED_SECRET_PREFIXES: [&str; 22] = [
    "PG", "DB", "SQL", "MYSQL", "MARIADB", "MONGO", "REDIS", "AMQP", "RABBIT", "SMTP", "MAIL",
    "IMAP", "LDAP", "FTP", "SFTP", "SSH", "ROOT", "ADMIN", "USER", "MASTER", "SA", "SYS",
];
/// Last words of a name that mark it as holding a secret (`AUTH`, `BASIC_AUTH`,
/// `PROXY_AUTHORIZATION`, `DB_CREDS`), but not when another word follows (`AUTH_MODE`).
const SECRET_LAST_WORDS: [&str; 3] = ["AUTH", "AUTHORIZATION", "CREDS"];
/// Words before a final `KEY` that name something else than a secret (`CACHE_KEY`).
const NOT_SECRET_KEYS: [&str; 12] = [
    "CACHE",
    "SORT",
    "PRIMARY",
    "PARTITION",
    "ROUTING",
    "PUBLIC",
    "IDEMPOTENCY",
    "FOREIGN",
    "SHARD",
    "LOOKUP",
    "GROUP",
    "REDIS",
];

/// Whether a variable, setting or flag name says it holds a secret: it contains a secret word
/// (`PASSWORD`, `TOKEN`, ...), has a word `PASS` or `PWD`, ends with a word `AUTH`,
/// `AUTHORIZATION` or `CREDS`, or ends with a word `KEY` (`STRIPE_KEY`, `JWT_KEY`; not
/// `CACHE_KEY`), and does not end with a suffix that names something about the secret
/// (`_URL`, `_LENGTH`, ...).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace(['-', '.'], "_");
    let words: Vec<&str> = upper.split('_').filter(|w| !w.is_empty()).collect();
    let named = SECRET_NAMES.iter().any(|n| upper.contains(n))
        || words.iter().any(|w| {
            SECRET_WORDS.iter().any(|s| {
                w.strip_suffix(s).is_some_and(|prefix| {
                    prefix.is_empty() || GLUED_SECRET_PREFIXES.contains(&prefix)
                })
            })
        })
        || words.last().is_some_and(|w| SECRET_LAST_WORDS.contains(w))
        || (words.last() == Some(&"KEY")
            && !words
                .len()
                .checked_sub(2)
                .is_some_and(|i| NOT_SECRET_KEYS.contains(&words[i])));
    named && !NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// `value` with every `${...}` reference (and `$${` escape) blanked out, byte for byte, so
/// that offsets are kept and references are never taken for values.
pub fn mask_references(value: &str) -> String {
    let mut out = value.as_bytes().to_vec();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            if i > 0 && bytes[i - 1] == b'$' {
                // `$${`: a literal `${`.
                i += 2;
                continue;
            }
            match value[i + 2..].find('}') {
                Some(end) => {
                    let stop = i + 2 + end + 1;
                    out[i..stop].fill(b' ');
                    i = stop;
                }
                None => break,
            }
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes of whole characters were replaced: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| value.to_string())
}

/// The groups of one match of a shape: the one it reports (`group`), and a pair's name
/// after its secret word (1) and its separator (2).
struct ShapeCaptures<'t> {
    group: Option<(usize, usize)>,
    rest: Option<&'t str>,
    separator: Option<&'t str>,
}

/// Bytes of a match the capture groups are read in: a pair's value, its last group, runs to
/// the match's end, however long. Captures are read by a slower engine than matches (the
/// regex crate's PikeVM, on a long match): a 4 MiB value of glued `password=` pairs took
/// 0.5 s there alone (review of 7b9b2a6, F5).
const CAPTURE_WINDOW: usize = 4096;

/// The matches of a shape's regex in `text`, in order, with their groups ([`ShapeCaptures`]).
/// For a pair (`group` 3, its value, the regex's last group), the groups are read in the
/// first [`CAPTURE_WINDOW`] bytes of the match and the value runs to the match's end; in the
/// whole match when that does not find the same match.
fn shape_captures<'t>(
    re: &'t Regex,
    text: &'t str,
    group: usize,
) -> impl Iterator<Item = ShapeCaptures<'t>> + 't {
    re.find_iter(text).map(move |found| {
        let mut cut = (found.start() + CAPTURE_WINDOW).min(found.end());
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        // The value stretched to the match's end must be one run of a value's characters:
        // else the cut made the regex read something else as the value (a tag of more than
        // 4 KiB before it; review of 39092c1, N2).
        let value_run = |v: &str| {
            v.chars()
                .all(|c| !c.is_whitespace() && !"\"',;&\\`[](){}".contains(c))
        };
        let caps = if group == 3 && cut < found.end() {
            re.captures_at(&text[..cut], found.start())
                .filter(|c| c.get(0).is_some_and(|m| m.start() == found.start()))
                .filter(|c| {
                    c.get(3)
                        .is_some_and(|m| m.end() == cut && value_run(&text[m.start()..found.end()]))
                })
        } else {
            None
        };
        let (caps, stretched) = match caps {
            Some(c) => (c, true),
            None => (
                re.captures_at(text, found.start())
                    .expect("the match found there"),
                false,
            ),
        };
        ShapeCaptures {
            group: caps.get(group).map(|m| {
                let end = if stretched { found.end() } else { m.end() };
                (m.start(), end)
            }),
            rest: caps.get(1).map(|m| &text[m.start()..m.end()]),
            separator: caps.get(2).map(|m| &text[m.start()..m.end()]),
        }
    })
}

/// Why `value` looks like a secret in `context`, and where; `None` when it does not.
pub fn scan(value: &str, context: Context<'_>) -> Option<Hit> {
    let masked;
    let text = if let Context::EnvValue(_) = context {
        masked = mask_references(value);
        masked.as_str()
    } else {
        value
    };
    // One pass of a set of all the shapes finds which may match; most strings match none, and
    // most hold none of the shapes' literals, so the set is not even built for them.
    let candidates = may_match_a_shape(text).then(|| shape_set().matches(text));
    for i in candidates.iter().flat_map(regex::SetMatches::iter) {
        let (_, group, what, keep) = SHAPES[i];
        for caps in shape_captures(shape_re(i), text, group) {
            let Some((start, end)) = caps.group else {
                continue;
            };
            let value = &text[start..end];
            let pair = group == 3;
            // In a pair, `:` is also prose (`token: rotated monthly`): the value must then look
            // like a token; after `=` any value counts.
            let prose = pair && caps.separator == Some(":");
            let about_a_secret = pair && caps.rest.is_some_and(|rest| !pair_name(rest));
            // `token-service:8080/v1` is a host and its port.
            let port = prose && port_like(value);
            // After `:`, a YAML tag or anchor with no value after it on the line (`KEY: ! {`,
            // `KEY: !Custom {`): not a value (sweep 32, F3: the tag was masked).
            let yaml_node_property = prose && (value.starts_with('!') || value.starts_with('&'));
            let harmless =
                about_a_secret || port || yaml_node_property || (pair && value_is_harmless(value));
            let kept = keep(value) && !harmless && (!prose || token_like(value));
            if kept {
                return Some(Hit {
                    shape: what,
                    start,
                    end,
                });
            }
        }
    }
    if let Some(hit) = flag_argument(text, context) {
        return Some(hit);
    }
    // No length limit: every heuristic below reads the value once (token by token), so a
    // key hidden after 4 KB of prose is found like one alone.
    let trimmed_start = text.len() - text.trim_start().len();
    let v = text.trim();
    let whole = Hit {
        shape: "",
        start: trimmed_start,
        end: trimmed_start + v.len(),
    };
    let name = match context {
        Context::EnvValue(n) | Context::Setting(n) => n,
        Context::Argument { previous } => previous.unwrap_or(""),
        Context::Text => "",
    };
    if let Context::EnvValue(_) = context
        && may_hold_a_uuid(text)
        && let Some((start, end)) = uuid_word(text)
    {
        // Anywhere in the value: `key:<uuid>`, `SCW=<uuid>`.
        return Some(Hit {
            shape: "a bare UUID, the shape of a Scaleway secret key",
            start,
            end,
        });
    }
    if is_uuid(v.as_bytes()) && (secret_name(name) || name.to_ascii_uppercase().contains("KEY")) {
        return Some(Hit {
            shape: "a UUID-shaped key under a secret name",
            ..whole
        });
    }
    if matches!(context, Context::Text) {
        // Prose and paths: only long random mixed-case tokens, not hex digests.
        return high_entropy_token(text, false)
            .map(|(s, e)| {
                let (start, end) = whole_token(text, s, e);
                Hit {
                    shape: "a long random-looking string",
                    start,
                    end,
                }
            })
            .or_else(|| slashed_hit(text));
    }
    // URLs without a password: a URL then more words is a value.
    let url = !v.contains('@') && v.split_whitespace().all(|w| w.contains("://"));
    let harmless = v.is_empty() || value_is_harmless(v) || url;
    if matches!(context, Context::EnvValue(_) | Context::Setting(_))
        && secret_name(name)
        && !harmless
    {
        return Some(Hit {
            shape: "its name says it holds a secret",
            ..whole
        });
    }
    if let Some((s, e)) = high_entropy_token(text, true) {
        let (start, end) = whole_token(text, s, e);
        return Some(Hit {
            shape: "a long random-looking string",
            start,
            end,
        });
    }
    slashed_hit(text)
}

/// The random run `start..end` of `text` ([`high_entropy_token`], which splits on `/`, `.` and
/// `~`), widened to the whole token around it: across each `/`, `.` or `~`, the run of letters,
/// digits, `+`, `=`, `_` and `-` on the other side, as long as it holds an uppercase letter or a
/// digit (a word or a path segment in lowercase is left shown). A base64 secret holds `/` (an
/// AWS secret access key of 40 characters, most of the time), an Azure client secret `~`: only
/// the longest run was masked, and the rest of the key was shown under the diagnostic (sweep 57,
/// H3-1: `"********************/Y1dF4gH6jK0sA2eU9iQ"`).
fn whole_token(text: &str, start: usize, end: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let run = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'=' | b'_' | b'-');
    let separator = |c: u8| matches!(c, b'/' | b'.' | b'~');
    let random = |seg: &[u8]| {
        seg.iter()
            .any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    let mut s = start;
    while s > 0 && run(b[s - 1]) {
        s -= 1;
    }
    while s > 0 && separator(b[s - 1]) {
        let mut t = s - 1;
        while t > 0 && run(b[t - 1]) {
            t -= 1;
        }
        if !random(&b[t..s - 1]) {
            break;
        }
        s = t;
    }
    let mut e = end;
    while e < b.len() && run(b[e]) {
        e += 1;
    }
    while e < b.len() && separator(b[e]) {
        let mut t = e + 1;
        while t < b.len() && run(b[t]) {
            t += 1;
        }
        if !random(&b[e + 1..t]) {
            break;
        }
        e = t;
    }
    (s, e)
}

/// [`slashed_or_encoded_token`] as a hit.
fn slashed_hit(text: &str) -> Option<Hit> {
    slashed_or_encoded_token(text).map(|(start, end, shape)| Hit { shape, start, end })
}

/// Numbers, booleans and placeholders are not secrets.
fn value_is_harmless(v: &str) -> bool {
    let v = v.trim();
    placeholder(v)
        || v.parse::<f64>().is_ok()
        // URLs only (a URL with a password is a shape of its own), not a URL then more words.
        || v.split_whitespace().all(|w| w.starts_with("http://") || w.starts_with("https://"))
}

/// Whether `value`, after `flag` (a list item or a word before it), is a secret's value.
fn flag_value(flag: &str, value: &str) -> bool {
    // A long number after a secret's flag is a secret's value (a PIN, a numeric password), as
    // under a secret's name (review of 7b9b2a6, F6: `--password 98231746502` passed).
    let long_number = value.len() >= SECRET_NUMBER_MIN && value.parse::<f64>().is_ok();
    if value.starts_with('-') || (value_is_harmless(value) && !(long_number && secret_flag(flag))) {
        return false;
    }
    if flag == "-u" || flag == "--user" {
        // `curl -u user:password` (review of stop 61, F1); not `docker run -u 1000:1000`
        // (a user and a group, numbers) nor `-u app:app`.
        return value.split_once(':').is_some_and(|(user, password)| {
            !user.is_empty()
                && !password.is_empty()
                && password != user
                && !password.bytes().all(|b| b.is_ascii_digit())
                && !value_is_harmless(password)
        });
    }
    if flag == "-p" || flag == "-P" {
        // `-p 8080` and `-p 8080:80` are ports.
        let port_like = value
            .split(':')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
        return !port_like;
    }
    secret_flag(flag)
}

/// Whether an item may be a flag whose value [`flag_value`] judges (`--password`, `-p`,
/// `-u`).
fn flag_like(item: &str) -> bool {
    matches!(item, "-u" | "--user" | "-p" | "-P") || secret_flag(item)
}

/// The argument after a `--password`-like flag: the next list item, or the next word of the
/// same string (`sh -c "tool --token abc"`).
fn flag_argument(text: &str, context: Context<'_>) -> Option<Hit> {
    if let Context::Argument {
        previous: Some(flag),
    } = context
        && flag_value(flag.trim(), text.trim())
    {
        let start = text.len() - text.trim_start().len();
        return Some(Hit {
            shape: "the value of a secret flag",
            start,
            end: start + text.trim().len(),
        });
    }
    // Words of the same string. In prose (`use --token to pass it`), the word after a flag
    // counts only when it looks like a token.
    let prose = matches!(context, Context::Text);
    let mut previous: Option<&str> = None;
    let mut offset = 0;
    for word in text.split(' ') {
        let trimmed = word.trim_matches(['"', '\'']);
        if let Some(flag) = previous
            && flag_value(flag, trimmed)
            && (!prose || token_like(trimmed))
        {
            let lead = word.len() - word.trim_start_matches(['"', '\'']).len();
            return Some(Hit {
                shape: "the value of a secret flag",
                start: offset + lead,
                end: offset + lead + trimmed.len(),
            });
        }
        if !word.is_empty() {
            previous = Some(trimmed);
        }
        offset += word.len() + 1;
    }
    None
}

/// Which part of the file a string is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section<'n> {
    /// Project-wide: `project`, `versions`, `ci`, `policy`.
    Project,
    /// `defaults:`: every environment that inherits the value.
    Defaults,
    /// `environments.<name>:`.
    Environment(&'n str),
}

/// One string of the file: a value or a key, with its effective path and context.
pub struct Site<'n> {
    /// The effective path (`services.api.env.X`, `versions.opentofu`); for a key, the path of
    /// the entry.
    pub path: &'n str,
    /// Where in the file.
    pub section: Section<'n>,
    /// The node of the value (for a key: the value under it).
    pub node: &'n Node,
    /// The key, when the string is a key.
    pub key: Option<&'n Key>,
    /// The text.
    pub text: &'n str,
    /// How to read it.
    pub context: Context<'n>,
}

/// The secret context of the value at effective `path`; `previous` is set for list items.
fn context_of<'v>(path: &'v str, previous: Option<Option<&'v str>>) -> Context<'v> {
    let steps: Vec<&str> = path.split('.').collect();
    match (steps.as_slice(), previous) {
        (["services", _, "env", name], None) => Context::EnvValue(name),
        (["database", "settings", name], None) => Context::Setting(name),
        (["services", _, "command" | "args", _], Some(previous)) => Context::Argument { previous },
        // Any other list's item after a flag (`OPTS: [--password, x]` where a string belongs,
        // a list nested in `command`): the flag's value (review of 7b9b2a6, F1).
        (_, Some(Some(previous))) if flag_like(previous.trim()) => Context::Argument {
            previous: Some(previous),
        },
        _ => Context::Text,
    }
}

fn join(path: &str, step: &str) -> String {
    if path.is_empty() {
        step.to_string()
    } else {
        format!("{path}.{step}")
    }
}

/// Calls `f` on every string of the file (values and keys), in file order.
pub fn for_each_string(root: &Node, mut f: impl FnMut(Site<'_>)) {
    for (key, node) in root.entries() {
        match key.name.as_str() {
            "defaults" => walk(node, "", Section::Defaults, &mut f),
            "environments" => {
                for (env_key, env_node) in node.entries() {
                    walk(env_node, "", Section::Environment(&env_key.name), &mut f);
                }
            }
            name => {
                f(Site {
                    path: name,
                    section: Section::Project,
                    node,
                    key: Some(key),
                    text: &key.name,
                    context: Context::Text,
                });
                walk(node, name, Section::Project, &mut f);
            }
        }
    }
}

fn walk(node: &Node, path: &str, section: Section<'_>, f: &mut impl FnMut(Site<'_>)) {
    match &node.kind {
        NodeKind::Str(text) => f(Site {
            path,
            section,
            node,
            key: None,
            text,
            context: context_of(path, None),
        }),
        NodeKind::Map(entries) => {
            // `args` follow `command` on the container's command line: the first argument's
            // previous item is the command's last (`command: [app, --password]`, `args: [x]`).
            let command_last = entries
                .iter()
                .find(|(k, _)| k.name == "command")
                .and_then(|(_, v)| match &v.kind {
                    NodeKind::Seq(items) => items.last(),
                    _ => None,
                })
                .and_then(|n| match &n.kind {
                    NodeKind::Str(t) => Some(t.as_str()),
                    _ => None,
                });
            for (k, v) in entries {
                let child = join(path, &k.name);
                f(Site {
                    path: &child,
                    section,
                    node: v,
                    key: Some(k),
                    text: &k.name,
                    context: Context::Text,
                });
                match (&v.kind, k.name.as_str()) {
                    (NodeKind::Seq(items), "args") => {
                        walk_items(items, &child, section, command_last, f);
                    }
                    // `args` written as a mapping where a list belongs, after a command
                    // ending with a flag: its first value may be the flag's (F1).
                    (NodeKind::Map(args), "args") => {
                        walk(v, &child, section, f);
                        if let Some((key, first)) = args.first()
                            && let NodeKind::Str(text) = &first.kind
                            && command_last.is_some_and(|c| flag_like(c.trim()))
                        {
                            f(Site {
                                path: &join(&child, &key.name),
                                section,
                                node: first,
                                key: None,
                                text,
                                context: Context::Argument {
                                    previous: command_last,
                                },
                            });
                        }
                    }
                    _ => walk(v, &child, section, f),
                }
            }
        }
        NodeKind::Seq(items) => walk_items(items, path, section, None, f),
        _ => {}
    }
}

/// The items of a list at `path`; `previous` is the item before the first one, if any.
fn walk_items<'n>(
    items: &'n [Node],
    path: &str,
    section: Section<'_>,
    mut previous: Option<&'n str>,
    f: &mut impl FnMut(Site<'_>),
) {
    for (i, item) in items.iter().enumerate() {
        let child = join(path, &i.to_string());
        match &item.kind {
            NodeKind::Str(text) => {
                f(Site {
                    path: &child,
                    section,
                    node: item,
                    key: None,
                    text,
                    context: context_of(&child, Some(previous)),
                });
                previous = Some(text);
            }
            // A list in a list goes on from the item before it (`[--password, [x]]`, F1).
            NodeKind::Seq(inner) => {
                walk_items(inner, &child, section, previous, f);
                previous = None;
            }
            _ => {
                walk(item, &child, section, f);
                previous = None;
            }
        }
    }
}

/// Every number of at least [`SECRET_NUMBER_MIN`] characters in a list right after a flag
/// whose value it is ([`flag_value`]: `command: [app, --password, 98231746502]`, which the
/// schema refuses, and whose message quoted the number: review of 7b9b2a6, F6), lists in lists
/// included, with its span.
fn flag_numbers(node: &Node, out: &mut impl FnMut(Span, String)) {
    match &node.kind {
        NodeKind::Seq(items) => {
            let mut previous: Option<&str> = None;
            for item in items {
                let number = match &item.kind {
                    NodeKind::Int(i) => Some(i.to_string()),
                    NodeKind::Float(f) => Some(f.to_string()),
                    _ => None,
                };
                match number {
                    Some(text)
                        if text.len() >= SECRET_NUMBER_MIN
                            && previous.is_some_and(|p| flag_value(p, &text)) =>
                    {
                        out(item.span, text);
                    }
                    _ => flag_numbers(item, out),
                }
                previous = match &item.kind {
                    NodeKind::Str(s) => Some(s.trim()),
                    _ => None,
                };
            }
        }
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| flag_numbers(v, out)),
        _ => {}
    }
}

/// The value a secret's declaration (`secrets.<NAME>` of `defaults` or of an environment) holds
/// when it is a string or a number instead of a mapping: the secret's value, pasted where only
/// its source may be written (sweep 58a, M2: `DB_PASSWORD: correcthorsebatterystaple` was shown
/// in the schema error, its line and its annotation, as it has no shape of a secret). `site` is
/// the declaration's key.
fn pasted_secret(site: &Site<'_>) -> Option<String> {
    if site.key.is_none() || matches!(site.section, Section::Project) {
        return None;
    }
    let steps: Vec<&str> = site.path.split('.').collect();
    let text = match &site.node.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        _ => return None,
    };
    let pasted = match steps.as_slice() {
        ["secrets", _] => true,
        // Inside the declaration: a key it does not have (`value:`, `password:`), or a
        // `source` that is no source, nor a near miss of one (review of sweep 58a, M2).
        ["secrets", _, "source"] => {
            const SOURCES: [&str; 3] = ["operator", "generated", "database"];
            !SOURCES.contains(&text.as_str())
                && crate::diagnostics::did_you_mean(&text, SOURCES).is_none()
        }
        ["secrets", _, field] => !matches!(
            *field,
            "description" | "length" | "scheme" | "include_database"
        ),
        _ => false,
    };
    (pasted && text.trim().len() >= 3).then_some(text)
}

/// The secret parts of every string of the file, for [`redact`]; and every secret value pasted
/// into a declaration ([`pasted_secret`]).
pub fn secrets_in(root: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for_each_string(root, |site| {
        if let Some(pasted) = pasted_secret(&site) {
            out.push(pasted);
        }
        // A key holding a UUID: no name does ([`holds_uuid`]).
        if site.key.is_some() && holds_uuid(site.text) {
            out.push(site.text.to_string());
        }
        if let Some((_, value)) = site.key.and_then(|k| glued_value(&k.name)) {
            out.push(value.to_string());
        }
        if let Some(hit) = scan(site.text, site.context) {
            out.push(site.text[hit.start..hit.end].to_string());
        }
    });
    flag_numbers(root, &mut |_, text| out.push(text));
    out.sort();
    out.dedup();
    out
}

/// The value in a key that joins a secret's name and its value with a `:` and no blank
/// (`DB_PASSWORD:hunter2 correct: x` is valid YAML, its key `DB_PASSWORD:hunter2 correct`): all
/// of it after the `:`, blanks and all, where the `password=`-style shape stops at the first
/// blank (review of b49d5a9, A3: `correct` was shown in every format). `KEY:\u{a0}value` (a
/// no-break space, no separator for YAML) is left to that shape and to the source lines'
/// reading (`named_values`).
/// The name is the text since the key's previous `:` (`X:DB_PASSWORD:hunter2`: the value is
/// `hunter2`; review of 6450b74, A4). Returns the value and where it starts in `key`.
pub(crate) fn glued_value(key: &str) -> Option<(usize, &str)> {
    let mut name_start = 0;
    for (colon, _) in key.match_indices(':') {
        let value = &key[colon + 1..];
        if !value.starts_with(char::is_whitespace) && secret_name(key[name_start..colon].trim()) {
            let value = value.trim_end();
            return (value.len() >= 3 && !placeholder(value)).then_some((colon + 1, value));
        }
        name_start = colon + 1;
    }
    None
}

/// Where the secrets of the file are, for masking the source excerpts of diagnostics: the
/// position of each string holding a secret (the key's, for a key) and the secret part. Both
/// the secrets [`secrets_in`] finds and every key or scalar that has the shape of a secret
/// wherever it stands (a key the schema rejected, which the policy stage never saw). One scan
/// per string: linear in the size of the file.
pub fn secret_spans(root: &Node) -> Vec<(Span, String)> {
    secret_spans_where(root, |_| true)
}

/// [`secret_spans`] of the strings whose position (a value's, or its key's) `wanted` accepts:
/// the others are not scanned. Masking the source excerpts of a few diagnostics needs only the
/// strings on their lines.
pub fn secret_spans_where(root: &Node, wanted: impl Fn(Span) -> bool) -> Vec<(Span, String)> {
    fn take(span: Span, text: &str, out: &mut Vec<(Span, String)>) {
        if let Some(hit) = scan(text, Context::Argument { previous: None }) {
            out.push((span, text[hit.start..hit.end].to_string()));
        }
    }
    /// Every scalar under a variable or setting named like a secret whose value is not a
    /// string (`API_TOKEN: 84123456789012345`, `[x]`, `{value: x}`): the schema refuses it, and
    /// its error's excerpt showed it in clear (sweep 45, #3). Booleans and short numbers are
    /// no secrets (`TOKEN_CHECK_ENABLED: true`, `PASSWORD_MIN_SCORE: 3000`): masking them would
    /// also redact `true` or `3000` in every other message (review of 21e988b).
    fn leaves(node: &Node, wanted: &dyn Fn(Span) -> bool, out: &mut Vec<(Span, String)>) {
        let text = match &node.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Bool(_) | NodeKind::Null => return,
            NodeKind::Seq(items) => {
                return items.iter().for_each(|i| leaves(i, wanted, out));
            }
            NodeKind::Map(entries) => {
                return entries.iter().for_each(|(_, v)| leaves(v, wanted, out));
            }
        };
        if text.len() >= SECRET_NUMBER_MIN && wanted(node.span) {
            out.push((node.span, text));
        }
    }
    fn walk(node: &Node, wanted: &dyn Fn(Span) -> bool, out: &mut Vec<(Span, String)>) {
        match &node.kind {
            NodeKind::Str(s) if wanted(node.span) => take(node.span, s, out),
            NodeKind::Map(entries) => {
                for (key, value) in entries {
                    if wanted(key.span) {
                        take(key.span, &key.name, out);
                        if let Some((_, v)) = glued_value(&key.name) {
                            out.push((key.span, v.to_string()));
                        }
                    }
                    walk(value, wanted, out);
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|i| walk(i, wanted, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for_each_string(root, |site| {
        // The value of a variable or setting named like a secret (where `context_of` finds
        // one: a service's `env`, the database's `settings`), when it is not a string.
        if site.key.is_some()
            && !matches!(site.node.kind, NodeKind::Str(_))
            && matches!(context_of(site.path, None),
                Context::EnvValue(name) | Context::Setting(name) if secret_name(name))
        {
            leaves(site.node, &wanted, &mut out);
        }
        if let Some(pasted) = pasted_secret(&site).filter(|_| wanted(site.node.span)) {
            out.push((site.node.span, pasted));
        }
        if let Some(key) = site.key.filter(|k| wanted(k.span) && holds_uuid(&k.name)) {
            out.push((key.span, key.name.clone()));
        }
        if !wanted(site.node.span) && !site.key.is_some_and(|k| wanted(k.span)) {
            return;
        }
        let span = site.key.map_or(site.node.span, |k| k.span);
        if let Some(hit) = scan(site.text, site.context) {
            out.push((span, site.text[hit.start..hit.end].to_string()));
        }
    });
    walk(root, &wanted, &mut out);
    flag_numbers(root, &mut |span, text| {
        if wanted(span) {
            out.push((span, text));
        }
    });
    out
}

/// `text` with every part that has the shape of a secret wherever it stands replaced by
/// `[redacted]`: for texts that quote paths or values after the policy stage.
pub fn hide(text: &str) -> std::borrow::Cow<'_, str> {
    let mut hits = all_hits(text, Context::Argument { previous: None }, 16);
    // A path's key joining a secret's name and its value (`env.DB_PASSWORD:hunter2 correct`):
    // all of the value ([`glued_value`]), where the shape stops at its first blank.
    if text.contains(':') {
        let mut at = 0;
        for segment in text.split('.') {
            if let Some((start, v)) = glued_value(segment) {
                hits.push((at + start, at + start + v.len()));
            }
            at += segment.len() + 1;
        }
        merge_overlapping(&mut hits);
    }
    replace_hits(text, &hits)
}

/// `ranges` sorted, each run of overlapping ranges made one.
fn merge_overlapping(ranges: &mut Vec<(usize, usize)>) {
    ranges.sort_unstable();
    ranges.dedup_by(|b, a| {
        b.0 < a.1 && {
            a.1 = a.1.max(b.1);
            true
        }
    });
}

/// `text` with each of `hits` (sorted, disjoint) replaced by `[redacted]`.
fn replace_hits<'t>(text: &'t str, hits: &[(usize, usize)]) -> std::borrow::Cow<'t, str> {
    if hits.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(start, end) in hits {
        out.push_str(&text[last..start]);
        out.push_str("[redacted]");
        last = end;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// Whether `text` has the shape of a secret wherever it stands (shapes, flag arguments, long
/// random tokens): messages then do not show it.
pub fn looks_secret(text: &str) -> bool {
    scan(text, Context::Argument { previous: None }).is_some()
}

/// Byte ranges of every part of `text` that has the shape of a secret wherever it stands, read
/// as prose ([`Context::Text`]), in order. After `max` of them, the parts not scanned yet are
/// ranges whole: the work stays bounded (each hit rescans the parts around it), and a text
/// with more secrets than that is hidden rather than shown.
pub fn secret_ranges(text: &str, max: usize) -> Vec<(usize, usize)> {
    all_hits(text, Context::Text, max)
}

/// [`secret_ranges`], plus every bare UUID (the shape of a Scaleway secret key, which prose
/// alone does not flag: a UUID may be an ID): for the source lines a diagnostic shows, where a
/// comment beside an error could hold a key (sweep 38b R4: `# old key <uuid>` was printed
/// while the same UUID in a value was masked).
pub fn secret_ranges_in_excerpt(text: &str, max: usize) -> Vec<(usize, usize)> {
    let mut out = secret_ranges(text, max);
    let mut at = 0;
    while at < text.len() && may_hold_a_uuid(&text[at..]) {
        let Some((start, end)) = uuid_word(&text[at..]) else {
            break;
        };
        out.push((at + start, at + end));
        at += end;
    }
    out.sort_unstable();
    out
}

/// Every hit of `context`'s shapes in `text`: [`scan`] finds one (the first shape that
/// matches, not the leftmost), so the parts before and after it are scanned again. After `max`
/// hits, the parts left are hits whole.
fn all_hits(text: &str, context: Context<'_>, max: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut todo = vec![(0, text.len())];
    while let Some((start, end)) = todo.pop() {
        if start >= end {
            continue;
        }
        if out.len() >= max {
            out.push((start, end));
            continue;
        }
        let Some(h) = scan(&text[start..end], context) else {
            continue;
        };
        if h.end <= h.start {
            continue;
        }
        out.push((start + h.start, start + h.end));
        todo.push((start, start + h.start));
        todo.push((start + h.end, end));
    }
    out.sort_unstable();
    out
}

/// `text` with every part [`secret_ranges`] finds replaced by `[redacted]`: for diagnostics
/// written before any value was read as a secret (a duplicate key, an anchor's name).
pub fn hide_prose(text: &str) -> std::borrow::Cow<'_, str> {
    replace_hits(text, &secret_ranges(text, 16))
}

/// Replaces every occurrence of a secret (3 characters or more) in the texts of `diags` by
/// `[redacted]`: a safety net under the rule that no diagnostic shows a secret value.
///
/// Also what a rule derives from a secret to suggest a fix (sweep 19: TG020 suggested
/// `scaleway_project: akiaiosfodnn7example` for the masked `AKIAIOSFODNN7EXAMPLE`, an access key
/// recoverable from its lowercase): the match ignores ASCII case, each secret also stands as its
/// slug (every run of other characters than ASCII letters and digits made one `-`), and a text
/// holding [`DERIVED_PREFIX`] bytes of either, from its start or from any [`WINDOW_STEP`]-th
/// byte of it (a suggestion cut short at either end), is redacted as far as it goes on with
/// it, both ways; a secret's slug is also looked for in each text's slug, so that other
/// separators than the secret's do not hide it (sweep 34, F1; sweep 36, F3).
pub fn redact(diags: &mut [Diagnostic], secrets: &[String]) {
    redact_texts(
        diags.iter_mut().flat_map(|d| {
            std::iter::once(&mut d.message)
                .chain(d.expected.as_mut())
                .chain(d.help.as_mut())
                .chain(d.notes.iter_mut())
        }),
        secrets,
    );
}

/// [`redact`] on a text that is no diagnostic: what `explain` and `diff` print.
pub fn redact_text(text: &mut String, secrets: &[String]) {
    redact_texts(std::iter::once(text), secrets);
}

/// [`redact`] on each of `texts`, with the matchers built once.
fn redact_texts<'t>(texts: impl Iterator<Item = &'t mut String>, secrets: &[String]) {
    let mut variants: Vec<String> = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    // Each secret once: a value flagged at 52 000 places was 52 000 variants sharing every
    // window, each compared with each match.
    let mut unique: Vec<&String> = secrets.iter().filter(|s| s.trim().len() >= 3).collect();
    unique.sort_unstable();
    unique.dedup();
    for s in unique {
        variants.push(s.clone());
        // And as the ASCII it looks like: a fix proposes a name with each lookalike letter
        // made ASCII (`text::non_ascii`), which neither the secret nor its slug matches
        // (review of stop 60).
        // At least 3 bytes, as a secret itself must be: a lookalike takes 2 or 3 bytes and
        // reads as 1, so `ａ` would have redacted every `a` (review of stop 60).
        let ascii = crate::text::non_ascii(s)
            .and_then(|n| n.ascii)
            .filter(|a| a.trim().len() >= 3);
        for form in std::iter::once(s.as_str()).chain(ascii.as_deref()) {
            if form != s.as_str() {
                variants.push(form.to_string());
            }
            let slug = slug_of(form);
            if slug.len() >= 3 {
                if !slug.eq_ignore_ascii_case(form) {
                    variants.push(slug.clone());
                }
                // A slug with no `-` (letters and digits only, in ASCII) is found as it is in
                // a text wherever it is found in the text's slug: `exact` has it (a 4 MB
                // random value's windows were indexed twice, review of 7b9b2a6, F4).
                if slug.contains('-') {
                    slugs.push(slug);
                }
            }
        }
    }
    if variants.is_empty() {
        return;
    }
    let exact = Matcher::new(variants, true);
    // The slugs again, looked for in each text's slug: a suggestion that joins a secret's parts
    // with other separators than the secret's (`3f1c2b7e_9a4d_…` for a UUID, sweep 34, F1) is
    // caught whatever they are.
    let separated = Matcher::new(slugs, false);
    let scrub = |text: &mut String| {
        let hits = exact.ranges(text);
        if !hits.is_empty() {
            *text = replace_hits(text, &hits).into_owned();
        }
        let (canonical, at) = slug_with_positions(text);
        let hits: Vec<(usize, usize)> = separated
            .ranges(&canonical)
            .into_iter()
            .filter_map(|(mut start, mut end)| {
                // A separator the range starts or ends on stays (it stands for the text's own).
                let c = canonical.as_bytes();
                while end > start && c[end - 1] == b'-' {
                    end -= 1;
                }
                while start < end && c[start] == b'-' {
                    start += 1;
                }
                (start < end).then(|| (at[start], at[end]))
            })
            .collect();
        if !hits.is_empty() {
            *text = replace_hits(text, &hits).into_owned();
        }
        join_redacted(text);
    };
    // A text met again is scrubbed as it was the first time (scrubbing depends on the text
    // alone): the expected, help and notes of one rule's findings are the same texts.
    let mut seen: HashMap<String, Option<String>> = HashMap::new();
    for text in texts {
        if let Some(done) = seen.get(text.as_str()) {
            if let Some(scrubbed) = done {
                text.clone_from(scrubbed);
            }
            continue;
        }
        let before = text.clone();
        scrub(text);
        let done = (*text != before).then(|| text.clone());
        seen.insert(before, done);
    }
}

/// Two `[redacted]` of `text` with only separators of a token between them (`_-./:+=`, the two
/// passes of [`redact`] over one secret, `[redacted]_[redacted]`) made one.
fn join_redacted(text: &mut String) {
    const MARK: &str = "[redacted]";
    if text.matches(MARK).nth(1).is_none() {
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i]);
        out.push_str(MARK);
        rest = &rest[i + MARK.len()..];
        loop {
            let gap = rest.len() - rest.trim_start_matches(|c| "_-./:+=".contains(c)).len();
            if rest[gap..].starts_with(MARK) {
                rest = &rest[gap + MARK.len()..];
            } else {
                break;
            }
        }
    }
    out.push_str(rest);
    *text = out;
}

/// The texts [`redact`] looks for, and how.
struct Matcher {
    /// The texts.
    variants: Vec<String>,
    /// One automaton for every text: linear in the texts searched, however many secrets the
    /// file has (a text per secret per diagnostic was quadratic: minutes for 60 000 flagged
    /// values). It holds windows of [`DERIVED_PREFIX`] bytes of each text, not the text (a 4 MB
    /// secret made a 2 GB automaton): its first bytes, and every [`WINDOW_STEP`] bytes after,
    /// its last bytes included, those holding a digit, so that a part of a secret is found wherever it starts (sweep
    /// 36, F3: a suggestion that dropped a UUID's first character showed the other 35). One
    /// pattern per distinct window, ASCII case folded as the automaton matches (secrets sharing
    /// their first bytes, `ghp_0000…` tokens, made its build quadratic: sweep 47, 48 000 of
    /// them, 3 s). The windows of [`DERIVED_PREFIX`] bytes, nearly all of them, are in
    /// `windows`; the automaton holds only the shorter ones (a text shorter than that, a first
    /// window cut at a character boundary), at most one per text. `None` when too large to
    /// build.
    automaton: Option<aho_corasick::AhoCorasick>,
    /// The group of each of the automaton's patterns.
    short_groups: Vec<usize>,
    /// Each window of [`DERIVED_PREFIX`] bytes, ASCII lowercase, and its group: looked up at
    /// each position of a text searched. Linear to build however long the texts: an automaton
    /// of every window took seconds to build for a 400 kB random value (100 000 windows), and
    /// 20 s for 4 MB (review of 7b9b2a6, F4).
    windows: HashMap<[u8; DERIVED_PREFIX], usize>,
    /// The first two bytes of each of `windows`, as a set of 65 536 bits: a position whose
    /// two bytes are none of them is not looked up (a lookup at every byte of every message
    /// made a run of 220 000 findings and one secret 30 % slower; review of 39092c1, N3).
    starts: Vec<u64>,
    /// For each window (a group), the texts it is a window of, with the window's offset in
    /// each.
    groups: Vec<Vec<(usize, usize)>>,
    /// Whether a window too many texts share is widened to the token around it (in a text
    /// as written); else only the window is a range (in a slug, where `-` joins words too).
    widen: bool,
}

/// Two bytes as one number below 65 536 ([`Matcher::starts`]).
fn two_bytes(a: u8, b: u8) -> usize {
    usize::from(a) << 8 | usize::from(b)
}

/// Bytes between two windows of a secret that [`Matcher`] looks for: any part of a secret of
/// [`DERIVED_PREFIX`] + `WINDOW_STEP` - 1 bytes or more holds one.
const WINDOW_STEP: usize = 4;

impl Matcher {
    fn new(variants: Vec<String>, widen: bool) -> Self {
        let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut windows: HashMap<[u8; DERIVED_PREFIX], usize> =
            HashMap::with_capacity(variants.iter().map(|v| v.len() / WINDOW_STEP + 1).sum());
        let mut short: Vec<String> = Vec::new();
        let mut short_groups: Vec<usize> = Vec::new();
        let mut short_seen: HashMap<String, usize> = HashMap::new();
        // The window's group, a new one if it is the first of its text (ASCII case folded).
        let add = |group: Option<usize>, groups: &mut Vec<Vec<(usize, usize)>>, at| match group {
            Some(g) => {
                if groups[g].last() != Some(&at) {
                    groups[g].push(at);
                }
                g
            }
            None => {
                groups.push(vec![at]);
                groups.len() - 1
            }
        };
        for (i, s) in variants.iter().enumerate() {
            let mut offsets: Vec<usize> = (0..s.len().saturating_sub(DERIVED_PREFIX))
                .step_by(WINDOW_STEP)
                .collect();
            offsets.push(s.len().saturating_sub(DERIVED_PREFIX));
            for mut start in offsets {
                while !s.is_char_boundary(start) {
                    start += 1;
                }
                let mut end = (start + DERIVED_PREFIX).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let window = &s[start..end];
                // Past its start, a window with no digit may be words (a PEM header's
                // `PRIVATE KEY`, which took "private key" out of tofugen's own message).
                if end <= start
                    || (start > 0
                        && (end - start < DERIVED_PREFIX
                            || !window.bytes().any(|b| b.is_ascii_digit())))
                {
                    continue;
                }
                if let Ok(mut key) = <[u8; DERIVED_PREFIX]>::try_from(window.as_bytes()) {
                    key.make_ascii_lowercase();
                    match windows.entry(key) {
                        std::collections::hash_map::Entry::Occupied(e) => {
                            add(Some(*e.get()), &mut groups, (i, start));
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(add(None, &mut groups, (i, start)));
                        }
                    }
                } else {
                    let key = window.to_ascii_lowercase();
                    let known = short_seen.get(&key).copied();
                    let g = add(known, &mut groups, (i, start));
                    if known.is_none() {
                        short_seen.insert(key, g);
                        short.push(window.to_string());
                        short_groups.push(g);
                    }
                }
            }
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&short)
            .ok();
        let mut starts = vec![0u64; 1 << 10];
        for key in windows.keys() {
            let k = two_bytes(key[0], key[1]);
            starts[k >> 6] |= 1 << (k & 63);
        }
        Matcher {
            variants,
            automaton,
            short_groups,
            windows,
            starts,
            groups,
            widen,
        }
    }

    /// The leftmost match at or after `pos` of a window or of a shorter pattern, the longest
    /// of those starting there (a window is the longest a pattern is), as `(start, end,
    /// group)`. `short` is the automaton's next match, kept between calls (`None` inside once
    /// it has none left): each part of the text is searched once.
    fn next_match(
        &self,
        automaton: &aho_corasick::AhoCorasick,
        text: &str,
        lower: &[u8],
        pos: usize,
        short: &mut Option<Option<(usize, usize, usize)>>,
    ) -> Option<(usize, usize, usize)> {
        if short.is_none_or(|m| m.is_some_and(|(start, _, _)| start < pos)) {
            *short = Some(
                automaton
                    .find(aho_corasick::Input::new(text).range(pos..))
                    .map(|m| {
                        (
                            m.start(),
                            m.end(),
                            self.short_groups[m.pattern().as_usize()],
                        )
                    }),
            );
        }
        let short = short.flatten();
        let limit = short.map_or(lower.len(), |(start, _, _)| start);
        if !self.windows.is_empty() && lower.len() >= DERIVED_PREFIX {
            for p in pos..=limit.min(lower.len() - DERIVED_PREFIX) {
                let k = two_bytes(lower[p], lower[p + 1]);
                if self.starts[k >> 6] & (1 << (k & 63)) == 0 {
                    continue;
                }
                let key: &[u8; DERIVED_PREFIX] = lower[p..p + DERIVED_PREFIX]
                    .try_into()
                    .expect("a window's length");
                if let Some(&group) = self.windows.get(key) {
                    return Some((p, p + DERIVED_PREFIX, group));
                }
            }
        }
        short
    }

    /// The byte ranges of `text` to redact, in order and disjoint: each match of a window, as
    /// far as the text agrees with a text it is a window of, both ways (all of that text,
    /// usually; never before the previous range). Past [`MAX_GROUP_SCAN`] texts sharing the
    /// window, as far as the text goes on with a token's characters instead: bounded, and
    /// never less.
    fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        let Some(automaton) = &self.automaton else {
            // An automaton too large to build: the slow way, never no redaction.
            let lower = text.to_ascii_lowercase();
            for s in &self.variants {
                let s = s.to_ascii_lowercase();
                let mut from = 0;
                while let Some(i) = lower[from..].find(&s) {
                    out.push((from + i, from + i + s.len()));
                    from += i + s.len();
                }
            }
            merge_overlapping(&mut out);
            return out;
        };
        let bytes = text.as_bytes();
        let lower = text.to_ascii_lowercase().into_bytes();
        let mut pos = 0;
        let mut short = None;
        while let Some((m_start, m_end, group)) =
            self.next_match(automaton, text, &lower, pos, &mut short)
        {
            let floor = out.last().map_or(0, |&(_, end)| end);
            let group = &self.groups[group];
            let (mut start, mut end) = (m_start, m_end);
            if group.len() <= MAX_GROUP_SCAN {
                for &(i, offset) in group {
                    let v = self.variants[i].as_bytes();
                    let forward = bytes[m_start..]
                        .iter()
                        .zip(&v[offset..])
                        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                        .count();
                    let backward = bytes[floor..m_start]
                        .iter()
                        .rev()
                        .zip(v[..offset].iter().rev())
                        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                        .count();
                    start = start.min(m_start - backward);
                    end = end.max(m_start + forward);
                }
            } else if self.widen {
                let token = |b: &u8| b.is_ascii_alphanumeric() || b"_-/+=.".contains(b);
                end = end.max(m_start + bytes[m_start..].iter().take_while(|b| token(b)).count());
            }
            while !text.is_char_boundary(start) {
                start += 1;
            }
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let end = end.max(m_end);
            out.push((start.min(m_start), end));
            pos = end;
            if pos >= text.len() {
                break;
            }
        }
        out
    }
}

/// `text` as [`slug_of`] makes a secret (every run of other ASCII characters than letters and
/// digits one `-`; other characters kept), with, for each of its bytes and one past its end,
/// the byte of `text` it starts at: a range of the slug is the range of `text` from the first's
/// to the other's.
fn slug_with_positions(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut at = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            if !out.ends_with('-') {
                out.push('-');
                at.push(i);
            }
        } else {
            out.push(c);
            at.extend(std::iter::repeat_n(i, c.len_utf8()));
        }
    }
    at.push(text.len());
    (out, at)
}

/// `secrets` without those that are also a name the configuration gives by its structure (an
/// environment's or a service's key, the project), in any ASCII case: a value flagged for its
/// place (`--password production`) that is also an environment's name is shown by every
/// header and path anyway, and redacting it took the environment's name out of every message
/// (sweep 36, F5). A name holding a UUID stays a secret ([`holds_uuid`]).
pub fn not_public(secrets: Vec<String>, root: &Node) -> Vec<String> {
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    if let Some(NodeKind::Str(project)) = root.get("project").map(|n| &n.kind) {
        names.insert(project.to_ascii_lowercase());
    }
    let services = |n: Option<&Node>, names: &mut std::collections::HashSet<String>| {
        for (key, _) in n
            .and_then(|n| n.get("services"))
            .map_or(&[][..], Node::entries)
        {
            names.insert(key.name.to_ascii_lowercase());
        }
    };
    services(root.get("defaults"), &mut names);
    for (key, env) in root.get("environments").map_or(&[][..], Node::entries) {
        names.insert(key.name.to_ascii_lowercase());
        services(Some(env), &mut names);
    }
    if names.is_empty() {
        return secrets;
    }
    secrets
        .into_iter()
        .filter(|s| !names.contains(&s.to_ascii_lowercase()) || holds_uuid(s))
        .collect()
}

/// Secrets sharing one prefix that [`redact`] compares a match with, at most.
const MAX_GROUP_SCAN: usize = 64;

/// Bytes of a secret (or of its slug) in each window [`redact`] looks for: a text holding one
/// is redacted as far as it goes on with the secret. Short enough that a suggestion cut short
/// is caught; long enough that no word of tofugen's own messages is (a secret is flagged for
/// its randomness, so any 12 bytes of it are too).
pub const DERIVED_PREFIX: usize = 12;

/// `secret` with every run of other characters than ASCII letters and digits made one `-`, and
/// none at either end: the shape of a name a rule suggests from a value.
fn slug_of(secret: &str) -> String {
    let mut slug = String::with_capacity(secret.len());
    for c in secret.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Lowercase words joined by `-`/`_` are identifiers; random keys of the same alphabet,
    /// mixed-case ones and UUIDs are not.
    #[test]
    fn words_joined_are_identifiers_and_keys_are_not() {
        for t in ["self-hosted-linux_x64", "arc-runner-set-linux-x64-gpu"] {
            assert!(words_joined(t), "{t}");
            assert_eq!(high_entropy_token(t, true), None, "{t}");
        }
        // Random-looking enough for the entropy test, but the shape keeps it a key.
        assert!(random_looking("k3j5-h2g8-f9d1-s7a6-q0w2"));
        assert!(high_entropy_token("k3j5-h2g8-f9d1-s7a6-q0w2", true).is_some());
        for t in [
            "k3j5-h2g8-f9d1-s7a6-q0w2",
            "Self-Hosted-Linux_x64",
            "3f9a2b7c-1d8e-4f6a-9b0c-2d4e6f8a0b1c",
            "selfhostedlinuxx64abc",
            "aB3_xY9-kLm2pQ7rT4zz",
        ] {
            assert!(!words_joined(t), "{t}");
        }
    }

    /// One of `pieces`, as a string: what the piece strategies below draw from.
    fn one_of(pieces: &[&'static str]) -> impl Strategy<Value = String> + use<> {
        prop::sample::select(pieces.to_vec()).prop_map(str::to_string)
    }

    /// Pieces of every shape (their literals in several cases, Unicode case-fold twins of
    /// their letters, separators and token characters): strings built from them match the
    /// shapes often, and miss them by one piece as often.
    fn hostile_piece() -> impl Strategy<Value = String> {
        let pieces = [
            "-----BEGIN ",
            "-----begin ",
            "PRIVATE KEY-----",
            "-----END X-----",
            "eyJ",
            "EYJ",
            "ghp_",
            "GHP_",
            "github_pat_",
            "gh",
            "SCW",
            "scw",
            "AKIA",
            "ASIA",
            "ABIA",
            "ACCA",
            "xox",
            "xoxb-",
            "https://hooks.slack.com/services/",
            "hooks.slack.com",
            "AIza",
            "sk_live_",
            "rk_test_",
            "sk-",
            "SK-",
            "Bearer ",
            "bAsIc\t",
            "token ",
            "\x0b",
            "\r",
            "(",
            "TO\u{212a}EN ",
            "to\u{17f}en",
            "pa\u{17f}\u{17f}",
            "//",
            "://",
            "%3A%2F%2F",
            "%2f%2F",
            "%3a",
            "%40",
            "user:",
            ":pw@",
            "@",
            "password",
            "PASSWD",
            "passphrase",
            "secret",
            "Secret_Key",
            "api-key",
            "access_key",
            "privateKEY",
            "pass",
            "pwd",
            "PW",
            "=",
            ":",
            " = ",
            "\"",
            "'",
            "\\",
            " ",
            "\n",
            "_",
            "-",
            ".",
            "/",
            "0123456789",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "abcdefghijklmnopqrstuvwxyz",
            "0a1b2c3d",
            "0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
            "0a1b2c3d-0a1b-0a1b",
            "é",
            "\u{2003}",
        ];
        one_of(&pieces)
    }

    /// [`may_match_a_shape`] as it was written before its automata: a substring search per
    /// literal and per word, on a lowercase copy.
    fn may_match_a_shape_by_searches(text: &str) -> bool {
        if !text.is_ascii() {
            return true;
        }
        if SHAPE_LITERALS.iter().any(|l| text.contains(l)) {
            return true;
        }
        let lower = text.to_ascii_lowercase();
        // An authorization header value: `bearer`, `basic` or `token`, blanks, 8 token characters
        // (`ADMIN_TOKEN` and `API token (...)` are not).
        let header = ["bearer", "basic", "token"].iter().any(|w| {
            lower
                .match_indices(w)
                .any(|(i, _)| blanks_then_token(&lower.as_bytes()[i + w.len()..]))
        });
        // A URL with a password: `//`, then `:`, then `@`.
        let url = lower
            .find("//")
            .map(|i| &lower[i + 2..])
            .and_then(|rest| rest.find(':').map(|c| &rest[c..]))
            .is_some_and(|rest| rest.contains('@'));
        // The same URL percent-encoded.
        let encoded = lower.contains("%2f%2f");
        // A `password=`-style pair: a secret word, and `=` or `:`.
        let pair = (text.contains('=') || text.contains(':'))
            && ["pass", "secret", "token", "key", "pw"]
                .iter()
                .any(|w| lower.contains(w));
        header || url || encoded || pair
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The automata decide as the substring searches did, on hostile strings (every
        /// literal, the header words in any case, blanks, URLs, pairs).
        #[test]
        fn the_prefilter_automata_decide_as_the_searches(
            pieces in prop::collection::vec(hostile_piece(), 1..12)
        ) {
            let text: String = pieces.concat();
            prop_assert_eq!(may_match_a_shape(&text), may_match_a_shape_by_searches(&text), "{:?}", text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The literal prefilter never hides a string from the shapes: whatever the set
        /// matches, [`may_match_a_shape`] lets through.
        #[test]
        fn the_literal_prefilter_is_a_superset_of_the_shapes(
            pieces in prop::collection::vec(hostile_piece(), 1..12)
        ) {
            let text: String = pieces.concat();
            if shape_set().is_match(&text) {
                prop_assert!(may_match_a_shape(&text), "{text:?}");
            }
            if uuid_word(&text).is_some() {
                prop_assert!(may_hold_a_uuid(&text), "{text:?}");
            }
        }
    }

    /// The patterns [`uuid_word`] and [`is_uuid`] stand for, compiled as they were before
    /// they were written out by hand.
    fn uuid_patterns() -> &'static (Regex, Regex) {
        static P: std::sync::LazyLock<(Regex, Regex)> = std::sync::LazyLock::new(|| {
            let uuid =
                "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
            (
                Regex::new(&format!("(?:^|[^0-9A-Za-z_-])({uuid})(?:[^0-9A-Za-z_-]|$)"))
                    .expect("valid"),
                Regex::new(&format!("^{uuid}$")).expect("valid"),
            )
        });
        &P
    }

    /// Pieces of UUID-like text: whole UUIDs (either case), UUIDs one character short or with
    /// a non-hex letter, their hex runs, dashes, non-hex letters, word and non-word separators,
    /// multi-byte characters.
    fn uuid_piece() -> impl Strategy<Value = String> {
        let pieces = [
            "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f",
            "3F2A9C1E-7B4D-4E8A-9C2F-1A2B3C4D5E6F",
            "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6",
            "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6g",
            "3f2a9c1e-7b4d-4e8a-9c2f-",
            "3f2a9c1e",
            "7B4D",
            "1a2b3c4d5e6f",
            "0",
            "ab",
            "-",
            "_",
            "g",
            "z",
            " ",
            ":",
            "=",
            ".",
            "é",
            "ü",
            "\n",
            "key:",
            "SCW=",
        ];
        one_of(&pieces)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The hand-written UUID matchers find what the patterns find: the same first UUID
        /// standing as a word (same range), and the same exact UUIDs.
        #[test]
        fn the_uuid_matchers_match_as_the_patterns(
            pieces in prop::collection::vec(uuid_piece(), 1..16)
        ) {
            let text: String = pieces.concat();
            let (word, exact) = uuid_patterns();
            // The pieces alone are exact UUIDs or not, whole or cut.
            for piece in &pieces {
                prop_assert_eq!(is_uuid(piece.as_bytes()), exact.is_match(piece), "{:?}", piece);
            }
            let expected = word
                .captures(&text)
                .and_then(|c| c.get(1))
                .map(|m| (m.start(), m.end()));
            prop_assert_eq!(uuid_word(&text), expected, "{:?}", text);
            prop_assert_eq!(is_uuid(text.as_bytes()), exact.is_match(&text), "{:?}", text);
        }
    }

    #[test]
    fn uuids_as_words_and_exact() {
        let u = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f";
        assert!(is_uuid(u.as_bytes()));
        assert!(!is_uuid(format!("{u}0").as_bytes()));
        assert!(!is_uuid(u.replace('3', "g").as_bytes()));
        assert_eq!(uuid_word(u), Some((0, 36)));
        assert_eq!(uuid_word(&format!("key:{u}")), Some((4, 40)));
        assert_eq!(uuid_word(&format!("é{u}é")), Some((2, 38)));
        // Part of a longer dashed name, or of a longer hex run: not a word.
        assert_eq!(uuid_word(&format!("x-{u}")), None);
        assert_eq!(uuid_word(&format!("{u}0")), None);
        assert_eq!(uuid_word(&format!("a{u} {u}")), Some((38, 74)));
    }

    /// Pieces of flags: dashes, the secret words and parts of them in several cases, the two
    /// characters that fold to ASCII letters (`ſ`, `K`), others that do not (`İ`, `ı`, `é`),
    /// digits, separators and blanks.
    fn flag_piece() -> impl Strategy<Value = String> {
        let pieces = [
            "-",
            "--",
            "_",
            "pass",
            "PASS",
            "Pa\u{17F}\u{17F}",
            "word",
            "WoRd",
            "wd",
            "phrase",
            "pwd",
            "token",
            "To\u{212A}en",
            "secret",
            "SECRET",
            "api",
            "key",
            "KEY",
            "\u{212A}ey",
            "access",
            "private",
            "credential",
            "credentials",
            "s",
            "S",
            "\u{17F}",
            "k",
            "\u{212A}",
            "x",
            "0",
            "9",
            " ",
            "\u{130}",
            "\u{131}",
            "\u{E9}",
            "\u{0}",
            ".",
            "=",
        ];
        one_of(&pieces)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// [`secret_flag`] decides as the regular expression it replaced.
        #[test]
        fn secret_flag_decides_as_the_regex(
            pieces in prop::collection::vec(flag_piece(), 0..6)
        ) {
            static ORACLE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
                Regex::new(
                    r"(?i)^-{1,2}[a-z0-9_-]*(password|passwd|passphrase|pass|pwd|token|secret|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?)$",
                )
                .unwrap()
            });
            let flag: String = pieces.concat();
            prop_assert_eq!(secret_flag(&flag), ORACLE.is_match(&flag), "{:?}", flag);
        }
    }

    /// The prefilter lets through one example of every shape, and stops plain text.
    #[test]
    fn the_literal_prefilter_passes_every_shape_and_stops_prose() {
        let examples = [
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_abcdefghijklmnopqrstuvwxyz",
            "SCWABCDEFGHIJKLMNOPQ",
            "AKIAABCDEFGHIJKLMNOP",
            "xoxb-1234567890-abc",
            "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "sk_live_abcdefghijklmnop",
            "sk-proj-abcdefghijklmnopqrstuvwx",
            "Authorization: Bearer abc.def-123",
            "token\x0babcdefgh",
            "token ://",
            "postgres://app:hunter2@db",
            "DB_PASSWORD=hunter2",
            "pwd: hunter2",
            "to\u{212a}en: s3cr3tvalue",
        ];
        for text in examples {
            assert!(shape_set().is_match(text), "not a shape: {text:?}");
            assert!(may_match_a_shape(text), "stopped: {text:?}");
        }
        for text in [
            "The EvalAP API (FastAPI), behind Serverless Containers",
            "https://evalap.etalab.gouv.fr/docs",
            "/healthz",
            "ghcr.io/etalab-ia/evalap",
            "OPENAI_API_KEY",
            "ADMIN_TOKEN",
            "Admin API token (header x-evalap-admin)",
            "postgresql+psycopg2://unused@localhost:5432",
        ] {
            assert!(!may_match_a_shape(text), "not stopped: {text:?}");
        }
    }

    /// Redacts `secrets` in `diags`, failing the test if that takes 2 s or more.
    fn redact_within_two_seconds(diags: &mut [Diagnostic], secrets: &[String]) {
        let start = std::time::Instant::now();
        redact(diags, secrets);
        let took = start.elapsed();
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }

    /// Redaction is linear: 20 000 secrets in 20 000 diagnostics (a file of flagged values)
    /// took minutes when each text was searched once per secret.
    #[test]
    fn redaction_of_many_secrets_is_fast_and_complete() {
        let secrets: Vec<String> = (0..20_000).map(|i| format!("tok{i:08}xyz")).collect();
        let mut diags: Vec<Diagnostic> = (0..20_000)
            .map(|i| {
                Diagnostic::error("TG012", format!("`env.S{i}` is `tok{i:08}xyz`"))
                    .note(format!("also tok{:08}xyz", 19_999 - i))
            })
            .collect();
        redact_within_two_seconds(&mut diags, &secrets);
        assert_eq!(diags[7].message, "`env.S7` is `[redacted]`");
        assert_eq!(diags[7].notes, ["also [redacted]"]);
        assert!(diags.iter().all(|d| !d.message.contains("tok")));
    }

    /// Secrets sharing their first bytes (48 000 `ghp_0…` tokens of one file) are redacted in
    /// bounded time (the automaton's build was quadratic in them: 3 s), whole, and the text
    /// after them stays.
    #[test]
    fn secrets_sharing_a_prefix_are_redacted_fast() {
        let secrets: Vec<String> = (0..48_000).map(|i| format!("ghp_{i:036}")).collect();
        let mut diags = vec![
            Diagnostic::error("TG012", format!("`k7` is `{}`, then text", secrets[7])),
            Diagnostic::error("TG012", "cut short: ghp_00000000000 and more"),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        assert_eq!(diags[0].message, "`k7` is `[redacted]`, then text");
        assert_eq!(diags[1].message, "cut short: [redacted] and more");
        // A few sharing one prefix: each compared, as far as the text agrees with one of them.
        let few = vec![
            "sharedprefixAAAA".to_string(),
            "sharedprefixBBBBBB".to_string(),
        ];
        let mut diags = vec![Diagnostic::error("x", "a sharedprefixBBBBBBzz b")];
        redact_within_two_seconds(&mut diags, &few);
        assert_eq!(diags[0].message, "a [redacted]zz b");
    }

    /// A name a rule suggests from a secret (its lowercase, its slug, cut short) is redacted
    /// as the secret is (sweep 19, F1).
    #[test]
    fn what_a_rule_derives_from_a_secret_is_redacted() {
        let secrets = vec![
            "AKIAIOSFODNN7EXAMPLE".to_string(),
            "Tk9/aB+xQ2==Zr8Lm4Pw".to_string(),
        ];
        let mut diags = vec![
            Diagnostic::error("TG020", "name `[redacted]` is not valid")
                .help("use a shorter name, e.g. `scaleway_project: akiaiosfodnn7example`"),
            Diagnostic::error("TG020", "x").help("cut short: `akiaiosfodnn7ex` and more"),
            Diagnostic::error("TG022", "y").help("`tk9-ab-xq2-zr8lm4pw` would be valid"),
            Diagnostic::error("TG022", "z").help("mixed: AkiaIosfodnn7Example!"),
            Diagnostic::error("TG022", "w").help("no secret here: akiaios and production"),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        let helps: Vec<&str> = diags.iter().filter_map(|d| d.help.as_deref()).collect();
        assert_eq!(
            helps,
            [
                "use a shorter name, e.g. `scaleway_project: [redacted]`",
                "cut short: `[redacted]` and more",
                "`[redacted]` would be valid",
                "mixed: [redacted]!",
                "no secret here: akiaios and production",
            ]
        );
    }

    /// A fix proposing the ASCII a secret's lookalike letters read as is redacted too (review
    /// of stop 60: `S\u{435}\u{441}ret-T\u{43e}ken-2024` also used as a key was told to become
    /// `SECRET_TOKEN_2024`, which neither the secret nor its slug matched).
    #[test]
    fn the_ascii_form_of_a_secret_with_lookalike_letters_is_redacted() {
        let secrets = vec!["S\u{435}\u{441}ret-T\u{43e}ken-2024-x9Qz".to_string()];
        let mut diags = vec![
            Diagnostic::error("schema", "invalid name")
                .help("rename it to `SECRET_TOKEN_2024_X9QZ`"),
            Diagnostic::error("schema", "x").help("no secret here: secretary"),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        let helps: Vec<&str> = diags.iter().filter_map(|d| d.help.as_deref()).collect();
        assert_eq!(
            helps,
            ["rename it to `[redacted]`", "no secret here: secretary"]
        );
        // A short one reads as fewer than 3 ASCII bytes: no letter of other texts is taken
        // for it.
        let short = vec![
            "\u{ff41}".to_string(),
            "\u{ff11}\u{ff12}".to_string(),
            "\u{430}\u{435}".to_string(),
        ];
        let mut diags = vec![Diagnostic::error("schema", "a value of 12 in area")];
        redact_within_two_seconds(&mut diags, &short);
        assert_eq!(diags[0].message, "a value of 12 in area");
    }

    /// A suggestion joining a secret's parts with other separators than the secret's is
    /// redacted as the secret is, whatever the separators (sweep 34, F1: TG020 suggested
    /// `user: 3f1c2b7e_9a4d_…` for a masked UUID); the text around it is kept whole.
    #[test]
    fn a_secret_rejoined_with_other_separators_is_redacted() {
        let secrets = vec![
            "3f1c2b7e-9a4d-4e5f-8b6a-1c2d3e4f5a6b".to_string(),
            "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA7".to_string(),
        ];
        let mut diags = vec![
            Diagnostic::error("TG020", "x")
                .help("set `user: 3f1c2b7e_9a4d_4e5f_8b6a_1c2d3e4f5a6b` under `database`"),
            Diagnostic::error("TG020", "x").help("or 3F1C2B7E.9A4D 4E5F/8B6A::1C2D3E4F5A6B, then"),
            Diagnostic::error("TG020", "x")
                .help("set `name: _____begin_rsa_private_key_____miieowibaakcaqea7` there"),
            Diagnostic::error("TG020", "x").help("the 3f1c2b7e_9a4d part alone: 3f1c2b7e fine"),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        let helps: Vec<&str> = diags.iter().filter_map(|d| d.help.as_deref()).collect();
        assert_eq!(
            helps,
            [
                "set `user: [redacted]` under `database`",
                "or [redacted], then",
                "set `name: _____[redacted]` there",
                "the [redacted] part alone: 3f1c2b7e fine",
            ]
        );
    }

    /// A part of a secret that does not start where it starts is redacted too, from
    /// [`DERIVED_PREFIX`] + [`WINDOW_STEP`] - 1 bytes on (sweep 36, F3: a rule's suggestion that
    /// dropped a UUID's first character showed the other 35).
    #[test]
    fn a_part_of_a_secret_from_anywhere_in_it_is_redacted() {
        let secrets = vec!["3f1c2b7e-9a4d-4c1e-8b2a-6d5e4f3a2b1c".to_string()];
        let mut diags = vec![
            Diagnostic::error("x", "x").help("rename it to `f1c2b7e-9a4d-4c1e-8b2a-6d5e4f3a2b1c`"),
            Diagnostic::error("x", "x").help("rename it to `a4d-4c1e-8b2a-6d5e4f3a2b1c`"),
            Diagnostic::error("x", "x").help("middle: 7e_9a4d_4c1e_8b, then"),
            Diagnostic::error("x", "x").help("short: 4c1e-8b2a ok"),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        let helps: Vec<&str> = diags.iter().filter_map(|d| d.help.as_deref()).collect();
        assert_eq!(
            helps,
            [
                "rename it to `[redacted]`",
                "rename it to `[redacted]`",
                "middle: [redacted], then",
                "short: 4c1e-8b2a ok",
            ]
        );
    }

    /// A long secret is redacted whole, and the automaton holds only its first bytes: a 4 MB
    /// secret built a 2 GB automaton. A text that holds a part of it from its start loses all
    /// of that part.
    #[test]
    fn long_secrets_are_redacted_whole_with_a_small_automaton() {
        let long: String = (0..200_000)
            .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
            .collect();
        let secrets = vec![long.clone(), "short-secret".to_string()];
        let mut diags = vec![
            Diagnostic::error("TG012", format!("x {long} y short-secret z")),
            Diagnostic::error("TG012", format!("starts {}…", &long[..300])),
        ];
        redact_within_two_seconds(&mut diags, &secrets);
        assert_eq!(diags[0].message, "x [redacted] y [redacted] z");
        assert!(
            !diags[1].message.contains(&long[..128]),
            "{}",
            diags[1].message
        );
        assert!(diags[1].message.starts_with("starts [redacted]"));
    }

    #[test]
    fn hide_redacts_secret_shapes_in_paths() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl";
        let path = format!("defaults.secrets.{jwt}X.source");
        let hidden = hide(&path);
        assert!(
            !hidden.contains(jwt) && hidden.contains("[redacted]"),
            "{hidden}"
        );
        assert!(matches!(
            hide("defaults.services.web.image"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    fn env(name: &str, value: &str) -> Option<&'static str> {
        scan(value, Context::EnvValue(name)).map(|h| h.shape)
    }

    /// A pair's groups are read in the first [`CAPTURE_WINDOW`] bytes of its match: a value
    /// longer than that is still the whole value, and a tag longer than that before the value
    /// does not make the tag the value (review of 39092c1, N2: the pair went unflagged).
    #[test]
    fn a_pair_longer_than_the_capture_window() {
        let value = "k3J9xQ2L".repeat(2 * CAPTURE_WINDOW / 8);
        let text = format!("password={value} end");
        let hit = scan(&text, Context::Argument { previous: None }).expect("a pair");
        assert_eq!(&text[hit.start..hit.end], value);
        let text = format!("echo token: !{} Hunter2Correct9", "x".repeat(5000));
        let hit = scan(&text, Context::Argument { previous: None }).expect("a pair");
        assert_eq!(&text[hit.start..hit.end], "Hunter2Correct9");
    }

    #[test]
    fn recognises_secrets() {
        let cases = [
            ("DB_PASSWORD", "hunter2"),
            ("DATABASE_URL", "postgres://app:s3cret@db.internal:5432/app"),
            ("DSN", "host=db user=app password=abc"),
            ("X", "SCWABCDEFGHIJ12345678"),
            ("SCW_KEY", "11111111-2222-3333-4444-555555555555"),
            ("LLM", "sk-proj-abcdefghijklmnopqrstuvwx"),
            ("J", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
            ("CERT", "-----BEGIN RSA PRIVATE KEY-----"),
            ("RANDOM", "q8Zr2LxT0vKp9WmN4sYb7HcJ"),
            (
                "DIGEST",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ),
            ("REQUEST_ID", "11111111-2222-3333-4444-555555555555"),
            ("OPTS", "--db-password=abc"),
            ("OPTS", "--token abc123"),
            ("AUTH", "Bearer abc.def.123"),
            ("U", "redis://:pa55@cache:6379"),
            ("U", "//app:pw9x8y@db:5432/app"),
            ("U", "see //:pw9x8y@db"),
            ("AUTH", "opensesame42"),
            ("BASIC_AUTH", "admin:hunter2"),
            ("PROXY_AUTHORIZATION", "abc123def"),
            ("SMTP_CREDS", "mailer:pa55"),
            // A secret word glued to another at its end (review of 7b9b2a6, F7).
            ("PGPASS", "opensesame42"),
            ("SMTPPASS", "opensesame42"),
            ("ROOTPW", "opensesame42"),
            ("MYSQL_DBPWD", "opensesame42"),
            ("S3_CONFIG", "k3J9xQ2Lm8vN/4pR7tY1wZ6s/D0fG5hA9cE2bU8i"),
            ("S3_CONFIG", "/k3J9xQ2Lm8vN/4pR7tY1wZ6s/D0fG5hA9cE2bU8i"),
            ("S3", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzqkr8sT2vW"),
            ("KEY_PEM", "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t"),
            ("CERT_B64", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM="),
        ];
        for (name, value) in cases {
            assert!(env(name, value).is_some(), "{name}");
        }
    }

    #[test]
    fn leaves_ordinary_values_alone() {
        let cases = [
            ("MAX_TOKENS", "4096"),
            ("MAX_TOKEN", "4096"),
            ("TOKEN_URL", "https://auth.example.org/token"),
            ("ENV", "prod"),
            ("MODEL", "mistral-large-2411-instruct"),
            (
                "API_URL",
                "https://evalap-staging-api.functions.fnc.fr-par.scw.cloud",
            ),
            ("PATH_PREFIX", "/usr/local/lib/python3.12/site-packages"),
            ("UPSTREAM_TOKEN", "${services.auth.url}"),
            ("DATABASE", "postgresql://host:5432/db"),
            ("HOME", "https://example.org:8443/@me"),
            ("LOG_FORMAT", "%(asctime)s %(levelname)s %(message)s"),
            ("OPTS", "-p 8080"),
            ("AUTH_MODE", "basic authentication"),
            ("AUTH_ENABLED", "yes"),
            ("OAUTH_PROVIDER", "keycloak"),
            ("AUTH", "true"),
            ("DSN", "postgresql://app:${services.db.url}@host/db"),
            ("IMAGE", "rg.fr-par.scw.cloud/namespace/image"),
            (
                "IMAGE",
                "rg.fr-par.scw.cloud/funcscwevalapstaging7f3a/api:v1.2.3",
            ),
            ("CONF", "/app/supervisord.conf"),
            ("SPEC", "/openapi.json"),
            ("REPO", "etalab-ia/evalap"),
            ("SCHEDULE", "*/15 * * * *"),
            (
                "DIR",
                "/home/runner/work/evalap/evalap/modules/ScalewayContainer",
            ),
            ("ROUTE", "/api/v1/Users2024/Profiles/Settings"),
            ("TZ", "Europe/Paris"),
            ("NOTE", "LS0tLS1 is how base64 dashes begin"),
            // Words that only end like a secret word (F7; review of 39092c1, N1).
            ("PROXY_BYPASS", "localhost"),
            ("COMPASS_MODE", "north"),
            ("OLDPWD", "previous"),
            ("AUDIO_LOWPASS", "butterworth"),
            ("RENDERPASS", "deferred"),
            ("GOPASS_HOMEDIR", "/home/app/.gopass"),
            ("WEATHER_EPW", "/data/paris.epw"),
        ];
        for (name, value) in cases {
            assert_eq!(env(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn hits_say_where_not_what() {
        let v = "prefix ghp_abcdefghijklmnopqrstuvwxyz0123456789 suffix";
        let h = scan(v, Context::Text).unwrap();
        assert_eq!(
            &v[h.start..h.end],
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
        );
        assert!(!h.shape.contains("ghp_abc"));
        let h = scan(
            " hunter2",
            Context::Argument {
                previous: Some("--password"),
            },
        )
        .unwrap();
        assert_eq!((h.start, h.end), (1, 8));
    }

    /// The heuristics have no length limit: a key after 4 KB of prose, in a description or a
    /// command argument, is found as it is alone (over 4096 bytes only the shapes used to run).
    #[test]
    fn a_key_after_long_prose_is_found() {
        let key = "k3J9xQ2Lm8vN4pR7tY1wZ6sD0fG5hA9cE2bU8iWq";
        let prose = "the evaluation runner reads its queue and writes results. ".repeat(80);
        assert!(prose.len() > 4096);
        for context in [Context::Text, Context::Argument { previous: None }] {
            let v = format!("{prose}{key}");
            let h = scan(&v, context).expect("found");
            assert_eq!(&v[h.start..h.end], key);
            assert_eq!(scan(&prose, context), None);
        }
    }

    #[test]
    fn text_is_scanned_for_shapes_only() {
        // A commit hash in a URL is not a secret; a prose word after `token:` is not either.
        assert_eq!(
            scan(
                "https://github.com/o/r/blob/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b/x.md",
                Context::Text
            ),
            None
        );
        assert_eq!(scan("Admin API token: rotated by ops", Context::Text), None);
        assert!(scan("use token: Zm9vYmFy1234", Context::Text).is_some());
    }

    /// Sweep 57, H3-1: a base64 secret with `/` in it (an AWS secret access key) is masked
    /// whole, in a value and on a source line, wherever its `/` falls; before, only its longest
    /// run was, and up to half of the key was shown under the diagnostic.
    #[test]
    fn a_slashed_secret_is_masked_whole() {
        for key in [
            "Zk3pQ9vT2mR8xWL5nB7c/Y1dF4gH6jK0sA2eU9iQ",
            "Zk3pQ9/vT2mR8xWL5nB7cY1dF4gH6jK0sA2eU9iQ",
            "k9Xw2/Lp4Qz/8Rt6Vn1Bm3Yc5Hd7Jf0Gs2Ka4Ne6Pu",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+Zk3pQ9vT2mR8xWL5nB",
            // The review of sweep 57: `.` and `~` split a key too.
            "Zk3pQ9vT2mR8xWL5nB7c.Y1dF4gH6jK0sA2eU9iQ",
            "Jx38Q~Zk3pQ9vT2mR8xWL5nB7cY1dF4gH6jK0sA2e",
        ] {
            let hit = scan(key, Context::EnvValue("NODE_ENV")).expect(key);
            assert_eq!((hit.start, hit.end), (0, key.len()), "{key}");
            let line = format!("        NODE_ENV: \"{key}\"   # set by ops");
            let ranges = secret_ranges_in_excerpt(&line, 16);
            let start = line.find(key).unwrap();
            assert!(
                ranges
                    .iter()
                    .any(|&(s, e)| s <= start && e >= start + key.len()),
                "{key}: {ranges:?} in {line:?}"
            );
        }
        // Prose around a key keeps its words, and a path its lowercase segments (the review
        // of sweep 57: `/srv/appdata/cache` was redacted in a sibling value).
        for (text, key) in [
            (
                "rotate Zk3pQ9vT2mR8xWL5nB7c/Y1dF4gH6jK0sA2eU9iQ monthly",
                "Zk3pQ9vT2mR8xWL5nB7c/Y1dF4gH6jK0sA2eU9iQ",
            ),
            (
                "/srv/appdata/Zk3pQ9vT2mR8xWL5nB7cY1dF4gH6jK0sA2eU9iQ/cache.db",
                "Zk3pQ9vT2mR8xWL5nB7cY1dF4gH6jK0sA2eU9iQ",
            ),
        ] {
            let hit = scan(text, Context::Text).unwrap();
            assert_eq!(&text[hit.start..hit.end], key, "{text}");
        }
    }

    #[test]
    fn masking_keeps_offsets() {
        let v = "a ${services.x.url} b $${literal}";
        let m = mask_references(v);
        assert_eq!(m.len(), v.len());
        assert!(!m.contains("services"));
        assert!(m.contains("$${literal}"));
    }
}
