//! TG105's label-matcher regexes against Go's own parser: `tests/go/regex_verdicts.go` runs
//! what Prometheus's `NewFastRegexMatcher` runs (`syntax.Parse(v, syntax.Perl)`, then
//! `regexp.Compile("^(?:" + v + ")$")`, whose only other failure, a program too large, Go's
//! parser finds in the anchored form) over a corpus, and tofugen's check
//! (`policy::rules::promql_regex::check`, which compiles nothing) must never accept what Go
//! refuses. Where tofugen is stricter, it is on purpose and listed (`STRICTER`).

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use tofugen::policy::rules::promql_regex::check;

/// Hand-picked cases: RE2 and Rust syntax where they differ, Go's limits at their bounds.
const CORPUS: &[&str] = &[
    "api|web",
    "5..",
    r"\pL{200}",
    r"\p{Greek}+",
    r"\PL",
    r"\p{Any}",
    r"\pX",
    r"\p{Lu}",
    r"(?i)foo",
    r"(?i:foo)bar",
    r"(?is-mU)x",
    r"(?x) a b",
    r"(?R)x",
    r"(?u)x",
    r"(?P<n>a)",
    r"(?P<n1_x>a)",
    r"(?P<a.b>x)",
    r"(?P<n>a)(?P<n>b)",
    r"\Q.*\E.",
    r"\Q.*",
    r"[\Q]\E]",
    r"[[:alpha:]]",
    r"[[:word:]]",
    r"[[:foo:]]",
    r"\x{263A}",
    r"\x{110000}",
    r"\x41",
    r"\u263A",
    r"\U0001F600",
    r"\012",
    r"\0",
    r"\1",
    r"\8",
    r"\<a",
    r"\b{start}",
    r"\bx\B",
    r"\Ax\z",
    r"\Z",
    r"\e",
    r"\!\-\~",
    r"[a--b]",
    r"[a&&b]",
    r"[a~~b]",
    r"[]a]",
    r"[^]a]",
    r"[z-a]",
    r"x{1000}",
    r"x{1001}",
    r"x{2,1}",
    r"x{,3}",
    r"(a{100}){20}",
    r"(a{100}){10}",
    r"((((((((((aaaaaaaaaa){10}){10}){10}){1}){1}){1}){1}){1}){1}){1}",
    r"a**",
    r"a*+",
    r"a{2}{0}",
    r"(a*)*",
    r"a*?",
    r"a??",
    r"(",
    r")",
    r"a)|(b",
    r"[",
    r"]",
    r"{",
    r"a{",
    r"a{1",
    r"|",
    r"()",
    r"(?:)",
    r"\d+\.\d+",
    r"[\d\s\w]",
    r"[\pL\p{Greek}]",
    // Sweep 11: `[:alpha:]` inside a class does not end it; Go does not look inside `{0}`.
    r"[[:alpha:]\Q*\E]",
    r"[[:alpha:]\Q]\E]",
    r"((a{100}){0}){20}",
];

/// Go-valid regexes tofugen refuses on purpose, because Rust's parser (which tofugen's check
/// runs) reads them otherwise or not at all, and the fix is one backslash: a `[` inside a class
/// (Rust reads a nested class, Go a literal), `&&` and `~~` in a class (Rust set operations),
/// `\<` and `\b{start}` (Rust word boundaries, Go a literal `<` and `{start}`), a `{` that does
/// not start a repeat (Go reads it as a literal: `x{,3}`, `a{`); and a name given to two
/// groups (Go's parser does not look: regexp/syntax/parse.go has no such check).
const STRICTER: &[&str] = &[
    r"[\Q]\E]",
    r"[a&&b]",
    r"[a~~b]",
    r"\<a",
    r"\b{start}",
    r"x{,3}",
    "{",
    "a{",
    "a{1",
    r"(?P<n>a)(?P<n>b)",
];

/// Go's verdict on each regex: `None` when Go parses and compiles it, else its error.
fn go_verdicts(regexes: &[String]) -> Option<Vec<Option<String>>> {
    let go = Command::new("go").arg("version").output();
    if !go.is_ok_and(|o| o.status.success()) {
        common::skip_unless_required("go (the Go toolchain)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("regex_verdicts");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/regex_verdicts.go");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&src)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "off")
        .status()
        .expect("go build");
    assert!(built.success(), "go build of {}", src.display());
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for r in regexes {
        input.push_str(&serde_json::to_string(r).unwrap());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let verdicts: Vec<Option<String>> = text
        .lines()
        .map(|l| (l != "ok").then(|| l.to_string()))
        .collect();
    assert_eq!(verdicts.len(), regexes.len());
    Some(verdicts)
}

/// Regexes built from pieces of both syntaxes, deterministically (a linear congruential
/// generator): what no one would write by hand.
fn generated(n: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "a",
        "b",
        ".",
        r"\d",
        r"\w",
        "[a-z]",
        "[^x]",
        "(",
        ")",
        "(?:",
        "(?i)",
        "(?P<g>",
        "|",
        "*",
        "+",
        "?",
        "{2}",
        "{1,3}",
        "{0}",
        "{1000}",
        "{1001}",
        r"\pL",
        r"\p{Greek}",
        r"\b",
        "^",
        "$",
        r"\Q",
        r"\E",
        "[[:alpha:]]",
        r"\x41",
        r"\x{41}",
        r"\101",
        r"\1",
        r"\u0041",
        "[",
        "]",
        "{",
        "}",
        "-",
        "&&",
        "--",
        r"\z",
        r"\A",
        r"\<",
        "(?x)",
        " ",
        "é",
        r"\\",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let len = 1 + next() % 7;
            (0..len).map(|_| PIECES[next() % PIECES.len()]).collect()
        })
        .collect()
}

#[test]
fn tofugen_never_accepts_a_regex_go_refuses() {
    let mut regexes: Vec<String> = CORPUS.iter().map(|s| s.to_string()).collect();
    // Go's size limit at its bound (`maxSize`: 279 accepted, 280 too large).
    regexes.push("(aaaaaaaaaa){1000}".repeat(279));
    regexes.push("(aaaaaaaaaa){1000}".repeat(280));
    let hand = regexes.len();
    regexes.extend(generated(3000));
    let Some(go) = go_verdicts(&regexes) else {
        return;
    };
    let mut unsafe_ = Vec::new();
    let mut stricter = Vec::new();
    for (i, (r, go)) in regexes.iter().zip(&go).enumerate() {
        match (check(r), go) {
            (Ok(()), Some(e)) => unsafe_.push(format!("{r:?}: Go says {e}")),
            (Err(e), None) if i < hand && !STRICTER.contains(&r.as_str()) => {
                stricter.push(format!("{r:?}: tofugen says {e}, Go accepts it"));
            }
            _ => {}
        }
    }
    assert!(
        unsafe_.is_empty(),
        "accepted, but Go refuses:\n{}",
        unsafe_.join("\n")
    );
    assert!(
        stricter.is_empty(),
        "refused, but Go accepts:\n{}",
        stricter.join("\n")
    );
    // The corpus is not trivial: Go refuses a good share of it, and accepts a good share.
    let refused = go.iter().filter(|v| v.is_some()).count();
    assert!(
        refused > 500 && regexes.len() - refused > 500,
        "{refused} of {}",
        regexes.len()
    );
}
