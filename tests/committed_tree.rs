//! The committed generated tree and schema are exactly what the code produces now.
//! (CI also runs `tofugen check`; this keeps `cargo test` alone honest.)

use std::path::Path;

#[test]
fn committed_generated_tree_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("environments.yaml")).unwrap();
    let out = tofugen::pipeline::compile("environments.yaml", &bytes, true);
    assert!(!out.has_errors(), "{:#?}", out.diagnostics);
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
