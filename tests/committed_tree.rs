//! The committed generated tree and schema are exactly what the code produces now.
//! (CI also runs `tofugen check`; this keeps `cargo test` alone honest.)

use std::path::Path;

use tofugen::pipeline::Compilation;

/// The repository's root, and the committed configuration compiled (with its files).
fn committed() -> (&'static Path, Compilation) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("environments.yaml")).unwrap();
    let out = tofugen::pipeline::compile("environments.yaml", &bytes, true);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
    (root, out)
}

#[test]
fn committed_generated_tree_is_up_to_date() {
    let (root, out) = committed();
    let differences =
        tofugen::write::check_from(root, "environments.yaml", &out.files).expect("check");
    assert!(
        differences.is_empty(),
        "the committed tree is stale: run `cargo run -- generate` and commit\n{}",
        differences
            .iter()
            .map(tofugen::write::Difference::text)
            .collect::<String>()
    );
}

/// README's figure of EvalAP's generated tree (files and size) is the tree's: what the
/// compiler emits from the committed configuration, rounded to a tenth of a megabyte.
#[test]
fn the_readme_states_the_size_of_the_committed_tree() {
    let (root, out) = committed();
    let files = out.files.len();
    let total: usize = out.files.values().map(String::len).sum();
    let stated = format!(
        "EvalAP's tree is about {:.1} MB ({files} files)",
        total as f64 / 1e6
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&stated),
        "README should say \"{stated}\" ({total} bytes)"
    );
}

/// Every page the generated files send a reader to is one the installed binary prints
/// (`tofugen docs NAME`, `tofugen runbook NAME`): a team using tofugen outside its repository
/// has no `docs/` of tofugen's (sweep 57, H3-10: the workflows named "tofugen's
/// docs/deploy-flow.md", the bootstrap README "docs/security.md in tofugen's source").
#[test]
fn the_generated_files_refer_only_to_pages_the_binary_prints() {
    let (_, out) = committed();
    let mut named = 0;
    for (path, text) in &out.files {
        assert!(
            !text.contains("tofugen's docs/") && !text.contains("in tofugen's source"),
            "{path} sends the reader to tofugen's source tree"
        );
        for (at, _) in text.match_indices("tofugen docs ") {
            let name: String = text[at + "tofugen docs ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            assert!(
                tofugen::guides::guide(&name).is_some(),
                "{path} names `tofugen docs {name}`, which is no guide"
            );
            named += 1;
        }
    }
    // The deploy workflow's 1,000-runs refusal and the bootstrap README's backup-key advice.
    assert!(named >= 2, "{named}");
}
