//! The offline proof of the HCL: provider-schema and module-interface findings on small
//! fixtures (`tests/fixtures/hcl/`), and zero findings on the repository's own tree.

mod common;
use common::copy_tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tofugen::diagnostics::{self, Diagnostic, Format};
use tofugen::prove::provider as provider_check;
use tofugen::prove::{Proof, check_sources, check_tree};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hcl")
}

/// Renders findings the way `tofugen check` does: each against its file's text, kept by the
/// proof for the files with findings.
fn render(proof: &Proof) -> String {
    diagnostics::render(&proof.findings, &proof.sources, Format::Human, false)
}

/// Where each finding is (`file:line:col`).
fn locations(proof: &Proof) -> Vec<String> {
    proof
        .findings
        .iter()
        .map(|d| d.location(&proof.sources))
        .collect()
}

fn provider_fixture(name: &str) -> (Proof, String) {
    let path = fixtures().join("provider").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let sources = BTreeMap::from([(format!("provider/{name}"), text)]);
    let proof = check_sources(&sources);
    let rendered = render(&proof);
    (proof, rendered)
}

#[test]
fn good_file_has_no_findings() {
    let (proof, rendered) = provider_fixture("good.tf");
    assert!(proof.findings.is_empty(), "{rendered}");
}

macro_rules! bad_fixture {
    ($test:ident, $file:literal, $($needle:literal),+) => {
        #[test]
        fn $test() {
            let (proof, rendered) = provider_fixture($file);
            let findings = &proof.findings;
            assert!(!findings.is_empty());
            assert!(findings.iter().all(|d| d.code == "provider-schema" || d.code == "hcl-syntax"));
            assert!(findings.iter().all(|d| d.span.is_some() && d.expected.is_some()));
            $(assert!(rendered.contains($needle), "missing {:?} in:\n{rendered}", $needle);)+
            insta::assert_snapshot!(stringify!($test), rendered);
        }
    };
}

bad_fixture!(
    unknown_types,
    "unknown_type.tf",
    "did you mean `scaleway_container`?",
    "did you mean `scaleway_secret_version`?",
    "is a data source: write `data"
);
bad_fixture!(
    unknown_attributes_and_blocks,
    "unknown_attribute.tf",
    "did you mean `min_scale`?",
    "unknown attribute `zzzzzz_qqqqqq`",
    "unknown nested block `htpp`",
    "did you mean `startup_probe`?",
    "unknown nested block `startup_probes`",
    "unknown attribute `path` in block `liveness_probe`"
);
bad_fixture!(
    missing_required,
    "missing_required.tf",
    "required attribute `memory_limit` is missing",
    "required attribute `local_storage_capacity` is missing",
    "required nested block `rule` is missing",
    "required attribute `failure_threshold` is missing"
);
bad_fixture!(
    too_many_blocks,
    "too_many_blocks.tf",
    "too many `liveness_probe` blocks (2 given, at most 1)"
);
bad_fixture!(
    deprecated,
    "deprecated.tf",
    "attribute `memory_limit` is deprecated",
    "Please use memory_limit_bytes instead",
    "nested block `health_check` is deprecated",
    "resource type `scaleway_container_cron` is deprecated",
    "`max_concurrency` was removed from the provider",
    "data source `scaleway_cockpit` is deprecated",
    "backend \"s3\": attribute `force_path_style` is deprecated",
    "OpenTofu does not support `action` blocks"
);
bad_fixture!(
    block_attribute_shape,
    "shape.tf",
    "`liveness_probe` is a nested block, not an attribute",
    "`environment_variables` is an attribute, not a nested block"
);
bad_fixture!(
    computed_only,
    "computed.tf",
    "`public_endpoint` is computed by the provider"
);
bad_fixture!(
    literal_values,
    "values.tf",
    "did you mean \"stopped\"?",
    "`retention_days` = 400 is out of range",
    "not a multiple of 5",
    "`is_ha_cluster` is a string, but its type is `bool`",
    "reserved value",
    "`port` is a string, but its type is `number`",
    "`tags` is a string, but its type is `list(string)`"
);
bad_fixture!(
    conflicts,
    "conflicts.tf",
    "`image` and `registry_image` are both set",
    "`local_storage_limit_bytes` conflicts with `local_storage_limit`",
    "`password` and `password_wo` are both set",
    "exactly one of `password`, `password_wo` must be set",
    "`password_wo` requires `password_wo_version`",
    "exactly one of `image`, `registry_image` must be set"
);
bad_fixture!(syntax_error, "syntax.tf", "HCL syntax error");

#[test]
fn findings_point_at_the_attribute() {
    let (proof, _) = provider_fixture("unknown_attribute.tf");
    let d = proof
        .findings
        .iter()
        .find(|d| d.message.contains("min_scael"))
        .unwrap();
    assert_eq!(
        d.location(&proof.sources),
        "provider/unknown_attribute.tf:4:3"
    );
}

/// The fixture tree: modules on disk, roots given in memory as `generate` would produce them.
fn fixture_tree() -> (PathBuf, BTreeMap<String, String>) {
    let root = fixtures().join("tree");
    let mut generated = BTreeMap::new();
    for env in ["production", "staging"] {
        let rel = format!("generated/{env}/main.tf");
        generated.insert(
            rel.clone(),
            std::fs::read_to_string(root.join(&rel)).unwrap(),
        );
    }
    generated.insert("generated/README.md".into(), "module \"x\" {".into());
    (root, generated)
}

#[test]
fn module_calls_are_type_checked() {
    let (root, generated) = fixture_tree();
    let proof = check_tree(&root, &generated, Some("modules"));
    let rendered = render(&proof);
    assert!(
        locations(&proof)
            .iter()
            .all(|l| l.starts_with("generated/production/main.tf:")),
        "the staging root and the modules are valid:\n{rendered}"
    );
    for needle in [
        "has no variable `tags`",
        "did you mean `name`?",
        "`port` is a string, but its type is `number`",
        "`https_only` is a string, but its type is `bool`",
        "`command` is a string, but its type is `list(string)`",
        "`scaling` has no attribute `treshold`",
        "`environment_variables.ENV` is a list",
        "`liveness_probe` lacks the required attribute `failure_threshold`",
        "requires variable `name`",
        "source `../../modules/database` does not exist",
        "has no output `urls`",
        "did you mean `module.service_api.url`?",
        "`module.netwrk` is not a module call of this root",
        "`module.per_tier` is not a module call of this root",
        "has no output `uri`",
    ] {
        assert!(
            rendered.contains(needle),
            "missing {needle:?} in:\n{rendered}"
        );
    }
    insta::assert_snapshot!("module_calls", rendered);
}

#[test]
fn missing_modules_directory_fails_the_proof() {
    let (_, generated) = fixture_tree();
    let empty = tempfile::tempdir().unwrap();
    let proof = check_tree(empty.path(), &generated, Some("modules"));
    let findings = &proof.findings;
    let missing: Vec<&Diagnostic> = findings
        .iter()
        .filter(|d| d.message.contains("does not exist"))
        .collect();
    // network + service_api in both roots, per_tier in staging, database in production.
    assert_eq!(missing.len(), 6, "{findings:#?}");
}

#[test]
fn schema_index_knows_the_provider() {
    assert!(provider_check::type_names("resource").contains(&"scaleway_container"));
    assert!(provider_check::type_names("data").contains(&"scaleway_secret_version"));
    assert!(provider_check::type_names("ephemeral").contains(&"scaleway_secret_version"));
    assert!(provider_check::type_names("module").is_empty());
}

/// The repository's own tree: modules/ on disk and the roots generated from the committed
/// environments.yaml must prove clean. Generated roots call modules, so an empty modules/
/// fails here (source does not exist).
#[test]
fn committed_tree_has_no_findings() {
    prove_clean("environments.yaml");
}

/// The trees generated from the valid fixtures (read replicas, TCP probes, private h2c
/// services, monthly-only backups, twelve services) prove clean against the same modules.
#[test]
fn fixture_trees_have_no_findings() {
    for fixture in ["minimal", "three-envs", "many-services"] {
        prove_clean(&format!("tests/fixtures/valid/{fixture}.yaml"));
    }
}

fn prove_clean(config: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join(config)).unwrap();
    let compilation = tofugen::pipeline::compile("environments.yaml", &bytes, true);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let tf = compilation
        .files
        .keys()
        .filter(|p| p.ends_with(".tf"))
        .count();
    assert!(
        tf > 0,
        "the generated tree has no .tf file: nothing was proven"
    );
    let start = std::time::Instant::now();
    let modules = compilation
        .resolved
        .as_ref()
        .and_then(|r| r.modules_path.as_deref());
    let proof = check_tree(root, &compilation.files, modules);
    let elapsed = start.elapsed();
    assert!(proof.findings.is_empty(), "{}", render(&proof));
    eprintln!("check_tree: {tf} generated .tf files in {elapsed:?}");
}

/// `tofugen check` in a scratch repository: the repository's environments.yaml and modules/,
/// plus `extra` module files. Returns the exit code.
fn run_check(extra: &[(&str, &str)], generate_first: bool) -> u8 {
    use clap::Parser as _;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo.join("environments.yaml"),
        dir.path().join("environments.yaml"),
    )
    .unwrap();
    if repo.join("modules").is_dir() {
        copy_tree(&repo.join("modules"), &dir.path().join("modules"));
    }
    // The configuration builds tofugen from the repository (`install: source`).
    for name in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo.join(name), dir.path().join(name)).unwrap();
    }
    for (path, text) in extra {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let config = dir.path().join("environments.yaml");
    let args = |cmd: &str| {
        tofugen::cli::Cli::try_parse_from([
            "tofugen",
            "--color",
            "never",
            "--config",
            config.to_str().unwrap(),
            cmd,
        ])
        .unwrap()
    };
    if generate_first {
        assert_eq!(tofugen::cli::run(&args("generate")), 0);
    }
    tofugen::cli::run(&args("check"))
}

#[test]
fn check_exits_invalid_on_findings() {
    let bad = "resource \"scaleway_containr\" \"x\" {\n  namespace_id = \"x\"\n}\n";
    assert_eq!(
        run_check(&[("modules/zz-bad/main.tf", bad)], true),
        tofugen::cli::EXIT_INVALID
    );
}

#[test]
fn check_passes_a_clean_generated_tree() {
    let good = std::fs::read_to_string(fixtures().join("provider/good.tf")).unwrap();
    assert_eq!(run_check(&[("modules/zz-good/main.tf", &good)], true), 0);
}

/// Bad input never panics: every prefix of every fixture (most are syntax errors, some cut a
/// block in half) is checked without a panic, and syntax errors point inside the file.
#[test]
fn truncated_files_never_panic() {
    for entry in std::fs::read_dir(fixtures().join("provider")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let sources = BTreeMap::from([("f.tf".to_string(), text[..cut].to_string())]);
                for d in check_sources(&sources).findings {
                    let span = d.span.expect("every finding has a position");
                    assert!(
                        span.start <= cut && span.line >= 1 && span.col >= 1,
                        "{d:?}"
                    );
                }
            }
            cut += 5;
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Arbitrary text, and arbitrary values in a scaleway block, never panic.
    #[test]
    fn arbitrary_input_never_panics(text in "\\PC{0,200}", value in "\\PC{0,40}") {
        let sources = BTreeMap::from([
            ("a.tf".to_string(), text),
            (
                "b.tf".to_string(),
                format!("resource \"scaleway_container\" \"x\" {{\n  port = {value}\n}}\n"),
            ),
        ]);
        let _ = check_sources(&sources);
    }
}

/// `check --format json` prints one JSON document holding the HCL findings, and exits 1.
#[test]
fn check_json_is_one_document() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo.join("environments.yaml"),
        dir.path().join("environments.yaml"),
    )
    .unwrap();
    if repo.join("modules").is_dir() {
        copy_tree(&repo.join("modules"), &dir.path().join("modules"));
    }
    for name in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("modules/zz-bad")).unwrap();
    std::fs::write(
        dir.path().join("modules/zz-bad/main.tf"),
        "resource \"scaleway_container\" \"x\" {\n  namespace_id = \"x\"\n  image = \"a\"\n  min_scael = 1\n}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(dir.path())
        .args(["--format", "json", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json_end = stdout.rfind(']').expect("a JSON array") + 1;
    let parsed: serde_json::Value = serde_json::from_str(&stdout[..json_end]).unwrap();
    let findings = parsed.as_array().unwrap();
    let ours: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|d| d["code"] == "provider-schema")
        .collect();
    assert_eq!(ours.len(), 1, "{stdout}");
    assert_eq!(ours[0]["file"], "modules/zz-bad/main.tf");
    assert_eq!(ours[0]["span"]["line"], 4);
    assert_eq!(ours[0]["help"], "did you mean `min_scale`?");
}

/// A generated root of many megabytes is proved in chunks (a top-level block or a run of them
/// at a time, `provider::chunks`), not as one syntax tree: the findings of every chunk are
/// reported, each at its line and column in the whole file, and a syntax error in a late chunk
/// is found too. (A file of 2 MB holds about 32 chunks.)
#[test]
fn large_generated_files_are_proved_in_chunks_with_file_positions() {
    let good = std::fs::read_to_string(fixtures().join("provider/good.tf")).unwrap();
    let bad = std::fs::read_to_string(fixtures().join("provider/unknown_attribute.tf")).unwrap();
    let mut text = String::new();
    let mut expected = Vec::new();
    for i in 0..1200 {
        text.push_str(&good);
        text.push('\n');
        if i % 300 == 299 {
            // `min_scael` is on the fourth line of the bad block.
            expected.push(format!(
                "generated/big/main.tf:{}:3",
                text.matches('\n').count() + 4
            ));
            text.push_str(&bad);
            text.push('\n');
        }
    }
    let cuts = provider_check::chunks(&text).len();
    assert!(cuts > 20, "{cuts} chunks");
    let sources = BTreeMap::from([("generated/big/main.tf".to_string(), text.clone())]);
    let proof = check_tree(&fixtures(), &sources, None);
    let found: Vec<String> = proof
        .findings
        .iter()
        .filter(|d| d.message.contains("min_scael"))
        .map(|d| d.location(&proof.sources))
        .collect();
    assert_eq!(found, expected);

    // A broken line in the last chunk: the syntax error names its line in the file.
    let line = text.matches('\n').count() + 1;
    text.push_str("resource \"scaleway_container\" \"broken\" {\n  image = \n}\n");
    let sources = BTreeMap::from([("generated/big/main.tf".to_string(), text)]);
    let proof = check_tree(&fixtures(), &sources, None);
    let syntax: Vec<String> = proof
        .findings
        .iter()
        .filter(|d| d.code == provider_check::SYNTAX_CODE)
        .map(|d| d.location(&proof.sources))
        .collect();
    assert_eq!(syntax.len(), 1, "{syntax:?}");
    assert!(
        syntax[0].starts_with(&format!("generated/big/main.tf:{}:", line + 1)),
        "{syntax:?} (the block starts at line {line})"
    );
}

/// `check` proves the environments' roots on several threads, each with what the first batch
/// taught it (the interfaces of the repository's modules): a module that lost a variable every
/// root passes is found in every root (three environments, so the threads take turns and one
/// takes two), with the text of each root kept to show the lines, and the findings sorted as one
/// thread would sort them. The same with one proving thread (which proves the modules and every
/// batch), with two, and with more threads than the tree has batches with `.tf` files; and with
/// none, the comparing thread proving each batch itself (as `check` does on a small tree).
#[test]
fn every_root_is_proved_against_the_modules_whatever_thread_proves_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo.join("modules"), &dir.path().join("modules"));
    let vars = dir.path().join("modules/service/variables.tf");
    let text = std::fs::read_to_string(&vars).unwrap();
    let start = text.find("variable \"registry_endpoint\"").unwrap();
    let end = start + text[start..].find("\n}\n").unwrap() + 3;
    std::fs::write(&vars, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let config = std::fs::read_to_string(repo.join("environments.yaml"))
        .unwrap()
        .replace(
            "environments:\n",
            "environments:\n  preview:\n    tier: staging\n    promote_from: staging\n",
        );
    let c = tofugen::pipeline::compile("environments.yaml", config.as_bytes(), false);
    let resolved = c
        .resolved
        .as_ref()
        .unwrap_or_else(|| panic!("{:#?}", c.diagnostics));
    assert_eq!(resolved.environments.len(), 3);
    let mut first: Option<tofugen::stream::Checked> = None;
    // This configuration (the committed one with a third environment) is below
    // `THREADS_FROM_SERVICES`: `check` proves it on the calling thread, the first case.
    assert_eq!(tofugen::stream::provers(resolved), 0);
    // The modules read from the walk `check` shares with the placement checks, and walked by
    // the prover itself: the same proof.
    let listing = tofugen::modules::list_own(dir.path(), "modules");
    let tofugen::modules::Listing::Complete(own) = &listing else {
        panic!("{listing:?}");
    };
    assert!(
        own.tf_files
            .contains(&"modules/service/variables.tf".to_string())
    );
    for provers in [0, 1, 2, 3, 8] {
        for own_modules in [None, Some(&listing)] {
            let checked = tofugen::stream::check_with(
                dir.path(),
                resolved,
                tofugen::write::MAX_GENERATED_BYTES,
                provers,
                own_modules,
            );
            every_root_has_the_finding(resolved, &checked);
            let case = format!("provers {provers}, listed {}", own_modules.is_some());
            match &first {
                None => first = Some(checked),
                Some(first) => {
                    assert_eq!(shown(&checked), shown(first), "{case}");
                    assert_eq!(checked.files, first.files, "{case}");
                }
            }
        }
    }
}

/// A tree over the byte cap is refused by `check` whichever thread proves, on the committed
/// configuration (below `THREADS_FROM_SERVICES`, so `check` itself takes the calling thread):
/// with a cap between the size of the first batch (the files of no environment) and the
/// tree's, the comparison stops at an environment's batch with the cap's error, without a
/// panic and without reporting a compared tree.
#[test]
fn a_tree_over_the_cap_is_refused_whatever_thread_proves_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo.join("modules"), &dir.path().join("modules"));
    let config = std::fs::read_to_string(repo.join("environments.yaml")).unwrap();
    let c = tofugen::pipeline::compile("environments.yaml", config.as_bytes(), false);
    let resolved = c
        .resolved
        .as_ref()
        .unwrap_or_else(|| panic!("{:#?}", c.diagnostics));
    let size = |files: &[(String, String)]| files.iter().map(|(_, c)| c.len()).sum::<usize>();
    let first = size(&tofugen::emit::global(resolved));
    let tree: Vec<(String, String)> = tofugen::emit::emit(resolved).into_iter().collect();
    let cap = first + (size(&tree) - first) / 2;
    assert!(first < cap && cap < size(&tree), "{first} {cap}");
    for provers in [0, 1] {
        let checked = tofugen::stream::check_with(dir.path(), resolved, cap, provers, None);
        let e = checked.differences.expect_err("over the cap").to_string();
        assert!(
            e.contains("the configuration generates more than 0 MiB of files"),
            "provers {provers}: {e}"
        );
        assert_eq!(checked.files, 0, "provers {provers}");
    }
}

/// The findings of a `check` as JSON (the files by name), and the text kept of each file.
fn shown(checked: &tofugen::stream::Checked) -> (String, Vec<(String, Option<String>)>) {
    let proof = &checked.proof;
    let json = diagnostics::render(&proof.findings, &proof.sources, Format::Json, false);
    let mut texts: Vec<(String, Option<String>)> = proof
        .sources
        .ids()
        .filter(|&f| proof.sources.has_text(f))
        .map(|f| {
            (
                proof.sources.name(f).to_string(),
                proof.sources.text(f).map(str::to_string),
            )
        })
        .collect();
    texts.sort();
    (json, texts)
}

/// The findings of [`every_root_is_proved_against_the_modules_whatever_thread_proves_it`].
fn every_root_has_the_finding(
    resolved: &tofugen::resolve::Resolved,
    checked: &tofugen::stream::Checked,
) {
    assert!(
        checked.differences.as_ref().is_ok_and(|d| !d.is_empty()),
        "nothing was generated in the directory: every file differs"
    );
    let proof = &checked.proof;
    let files: std::collections::BTreeSet<&str> = proof
        .findings
        .iter()
        .filter(|d| d.message.contains("registry_endpoint"))
        .map(|d| diagnostics::file_name(d.file, &proof.sources))
        .collect();
    let expected: std::collections::BTreeSet<String> = resolved
        .environments
        .iter()
        .map(|e| format!("generated/{}/main.tf", e.name))
        .collect();
    assert_eq!(
        files,
        expected.iter().map(String::as_str).collect(),
        "{:#?}",
        proof.findings
    );
    for f in &expected {
        let id = proof.sources.ids().find(|&i| proof.sources.name(i) == f);
        assert!(id.is_some_and(|i| proof.sources.has_text(i)), "{f}");
    }
    let mut sorted = proof.findings.clone();
    tofugen::diagnostics::sort(&mut sorted, &proof.sources);
    assert_eq!(sorted, proof.findings);
}
