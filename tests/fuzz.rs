//! Property-based fuzzing of the whole pipeline, bytes → generated tree: it never panics,
//! never hangs, and every rejection carries a position (or is a whole-file problem).
//!
//! Failures found by proptest are persisted in `proptest-regressions/` and replayed first on
//! every run; inputs that once crashed tofugen are also kept in `tests/fuzz-corpus/`.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use tofugen::diagnostics::Level;
use tofugen::pipeline::compile;

/// Diagnostic codes that concern the whole file and so have no position.
const WHOLE_FILE: &[&str] = &["empty", "too-large"];

fn assert_well_formed(bytes: &[u8]) {
    let start = Instant::now();
    let out = compile("fuzz.yaml", bytes, true);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    for d in &out.diagnostics {
        assert!(!d.message.is_empty());
        if d.level == Level::Error && d.span.is_none() {
            assert!(
                WHOLE_FILE.contains(&d.code.as_str()),
                "error without position: {d:?}"
            );
        }
    }
    if out.has_errors() {
        assert!(out.files.is_empty(), "files emitted despite errors");
    }
}

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap()
}

/// One edit of the committed configuration.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    ReplaceChar(usize, char),
    InsertText(usize, String),
    Indent(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<char>()).prop_map(|(i, c)| Edit::ReplaceChar(i, c)),
        (
            any::<usize>(),
            prop_oneof![
                Just(": ".to_string()),
                Just("- ".to_string()),
                Just("{".to_string()),
                Just("&a ".to_string()),
                Just("*a".to_string()),
                Just("null".to_string()),
                Just("${services.".to_string()),
                Just("\t".to_string()),
                Just("999999999999999999999".to_string()),
                Just("-1".to_string()),
                "[a-z_]{1,8}".prop_map(|s| s),
            ]
        )
            .prop_map(|(i, s)| Edit::InsertText(i, s)),
        (any::<usize>(), 0usize..8).prop_map(|(i, n)| Edit::Indent(i, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::ReplaceChar(i, c) => {
                let line = &mut lines[i % n];
                let chars: Vec<char> = line.chars().collect();
                if !chars.is_empty() {
                    let k = i / n % chars.len();
                    *line = chars[..k]
                        .iter()
                        .chain(std::iter::once(c))
                        .chain(&chars[k + 1..])
                        .collect();
                }
            }
            Edit::InsertText(i, s) => {
                let line = &mut lines[i % n];
                let k = line
                    .char_indices()
                    .map(|(k, _)| k)
                    .nth(i / n % (line.chars().count() + 1))
                    .unwrap_or(line.len());
                line.insert_str(k, s);
            }
            Edit::Indent(i, w) => {
                let line = &mut lines[i % n];
                *line = format!("{}{}", " ".repeat(*w), line.trim_start());
            }
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        assert_well_formed(&bytes);
    }

    #[test]
    fn arbitrary_yaml_like_text_never_panics(text in "([a-z_]{1,6}: ?(\\[|\\{|-|[0-9]{1,4}|[a-z]{1,5}|\"[^\"]{0,5}\")?\n {0,6}){0,30}") {
        assert_well_formed(text.as_bytes());
    }

    #[test]
    fn edited_committed_config_never_panics(edits in proptest::collection::vec(edit(), 1..6)) {
        let text = apply(&committed(), &edits);
        assert_well_formed(text.as_bytes());
    }
}

#[test]
fn corpus_replays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("tests/fuzz-corpus") {
        let path = entry.unwrap().path();
        assert_well_formed(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "the corpus is empty");
}

#[test]
fn resource_limits_are_bounded() {
    // 50 MB file, 10,000-deep nesting, alias bomb: each a clear error, quickly.
    let huge = vec![b'a'; 50 * 1024 * 1024];
    let deep = "a: ".to_string() + &"[".repeat(10_000);
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    for (name, bytes, code) in [
        ("huge", huge.as_slice(), "too-large"),
        ("deep", deep.as_bytes(), "too-deep"),
        ("bomb", bomb.as_bytes(), "yaml-anchor"),
    ] {
        let start = Instant::now();
        let out = compile("limits.yaml", bytes, true);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{name}: {:?}",
            start.elapsed()
        );
        assert!(
            out.diagnostics.iter().any(|d| d.code == code),
            "{name}: {:?}",
            out.diagnostics
        );
        // Each has a position, the whole file's at 1:1 (sweep 38, F4).
        assert!(
            out.diagnostics.iter().all(|d| d.span.is_some()),
            "{name}: {:?}",
            out.diagnostics
        );
    }
}
