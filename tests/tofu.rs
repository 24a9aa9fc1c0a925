//! Real OpenTofu judges what tofugen emits and ships: `tofu fmt`, `tofu init -backend=false` +
//! `tofu validate` on every generated root (the committed tree, `generated/bootstrap` included,
//! and the tree of every valid fixture), `tofu validate` + `tofu test` on every module, and
//! `tofu test` on the generated roots' own test suites (which replay the workflows with mocked
//! providers). The bootstrap's suite, its first plan from an empty state with the real provider,
//! runs on the committed tree, on a fresh `init` and on every valid fixture; the real provider
//! runs offline (no credentials, an API address nothing listens on).
//!
//! The toolchain (OpenTofu and the providers, built from the Go module proxy) comes from
//! `.ci/toolchain`, which builds it on first use into a cache outside the repository (several
//! minutes, once) and answers in milliseconds afterwards. `TOFUGEN_TOFU=skip` skips these tests
//! explicitly (a skip is printed, never silent); CI never sets it.

mod common;
use common::copy_tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use tofugen::emit::hcl::{Block, Body, Expr, Part, Traversal, render};

/// How to run the real `tofu`: its path and the environment pointing at the offline mirror.
#[derive(Debug, Clone)]
struct Toolchain {
    tofu: PathBuf,
    env: Vec<(String, String)>,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The toolchain, built or found once per test process; `None` when skipped on purpose.
fn toolchain() -> Option<&'static Toolchain> {
    static TOOLCHAIN: OnceLock<Option<Toolchain>> = OnceLock::new();
    TOOLCHAIN
        .get_or_init(|| {
            if std::env::var("TOFUGEN_TOFU").as_deref() == Ok("skip") {
                eprintln!("SKIPPED: real-OpenTofu proofs (TOFUGEN_TOFU=skip)");
                return None;
            }
            // .ci/toolchain prints `export NAME=VALUE` lines (values shell-quoted with %q);
            // its build log goes to stderr, which stays visible.
            let out = Command::new("bash")
                .arg(repo().join(".ci/toolchain"))
                .arg("--env")
                .stderr(std::process::Stdio::inherit())
                .output()
                .expect("run .ci/toolchain");
            assert!(
                out.status.success(),
                ".ci/toolchain failed: it needs Go >= 1.26 and the Go module proxy (or set \
                 TOFUGEN_TOFU=skip to skip the real-OpenTofu proofs)"
            );
            let mut env = Vec::new();
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let Some((name, value)) =
                    line.strip_prefix("export ").and_then(|l| l.split_once('='))
                else {
                    continue;
                };
                if name == "PATH" {
                    continue;
                }
                env.push((name.to_string(), unquote(value)));
            }
            let tofu = env
                .iter()
                .find(|(k, _)| k == "TOFUGEN_TOFU")
                .map(|(_, v)| PathBuf::from(v))
                .expect(".ci/toolchain --env gives TOFUGEN_TOFU");
            Some(Toolchain { tofu, env })
        })
        .as_ref()
}

/// Undoes bash's `printf %q` for the plain paths the toolchain prints (no quotes needed) and
/// for backslash-escaped ones.
fn unquote(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Toolchain {
    /// Runs `tofu ARGS` in `dir`, offline, without color or prompts.
    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.tofu);
        cmd.args(args)
            .current_dir(dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DATA_DIR");
        // The bootstrap's plan test runs the real Scaleway provider: no credentials, and an API
        // address nothing listens on, so a proof that reached Scaleway would fail, never act.
        for k in ["SCW_ACCESS_KEY", "SCW_SECRET_KEY", "SCW_PROFILE"] {
            cmd.env_remove(k);
        }
        for (k, v) in SCALEWAY_OFFLINE {
            cmd.env(k, v);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("run {} in {}: {e}", self.tofu.display(), dir.display()))
    }
}

/// The text of a failed command, for the report.
fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}: exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `job` on every item with a few threads; returns every failure message.
fn parallel<T: Sync>(items: &[T], job: impl Fn(&T) -> Result<(), String> + Sync) -> Vec<String> {
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .min(items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(item) = items.get(i) else { break };
                    if let Err(e) = job(item) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let mut f = failures.into_inner().unwrap();
    f.sort();
    f
}

fn assert_no_failures(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} {what} failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Writes generated `files` under `dir`.
fn write_files(dir: &Path, files: &BTreeMap<String, String>) {
    for (path, contents) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
    }
}

/// Every directory under `dir` holding `.tf` files directly (the roots), sorted.
fn roots_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        if entry.extension().is_some_and(|e| e == "tf") {
            let parent = entry.parent().unwrap().to_path_buf();
            if !out.contains(&parent) {
                out.push(parent);
            }
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == ".terraform") {
            continue;
        }
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `tofu init -backend=false` then `tofu validate` in `dir`; with `test`, `tofu test` too when
/// the directory has a `tests/` suite. `tree` is [`tree_key`] of the directory the root can
/// read from (its modules included), computed before any proof of that tree starts: a proof
/// that passed before on the same bytes with the same toolchain is not run again
/// ([`Passed`]).
fn prove(tc: &Toolchain, tree: &str, label: &str, dir: &Path, test: bool) -> Result<bool, String> {
    let passed = Passed::get(tc);
    let key = passed.key(tree, label, test);
    if passed.contains(&key) {
        return Ok(true);
    }
    let init = tc.run(
        dir,
        &["init", "-backend=false", "-input=false", "-no-color"],
    );
    if !init.status.success() {
        return Err(describe(&format!("{label}: tofu init"), &init));
    }
    let validate = tc.run(dir, &["validate", "-no-color"]);
    if !validate.status.success() {
        return Err(describe(&format!("{label}: tofu validate"), &validate));
    }
    if test && dir.join("tests").is_dir() {
        let t = tc.run(dir, &["test", "-no-color"]);
        if !t.status.success() {
            return Err(describe(&format!("{label}: tofu test"), &t));
        }
    }
    passed.record(&key, label);
    Ok(false)
}

/// [`prove`] on every root of `roots` (under `base`), on every core; `tree` gives the key of
/// the tree a root is in, `test` whether its `tofu test` suite runs. Says how many passed
/// before on the same bytes, and returns the failures.
fn prove_all<'t>(
    tc: &Toolchain,
    what: &str,
    base: &Path,
    roots: &[PathBuf],
    tree: impl Fn(&Path) -> &'t str + Sync,
    test: fn(&Path) -> bool,
) -> Vec<String> {
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let failures = parallel(roots, |dir| {
        if prove(tc, tree(dir), &label(base, dir), dir, test(dir))? {
            reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    let reused = reused.into_inner();
    if reused > 0 {
        // Straight to stderr, not `eprintln!`: the test harness would hide it for a passing test.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "{what}: {reused} of {} proofs passed before on the same bytes with this toolchain, \
             not run again (TOFUGEN_TEST_CACHE=off runs them all)",
            roots.len()
        );
    }
    failures
}

/// The Scaleway environment of every `tofu` run: an API address nothing listens on, and no
/// configuration file (a real provider that tried to call Scaleway would fail).
const SCALEWAY_OFFLINE: [(&str, &str); 2] = [
    ("SCW_API_URL", "http://127.0.0.1:9"),
    ("SCW_CONFIG_PATH", "/nonexistent/scw-config.yaml"),
];

/// What the proofs run, in the key of a passed proof: a change here runs every proof again.
const PROOF_COMMANDS: &str = "init -backend=false -input=false -no-color; validate -no-color; \
                              test -no-color when tests/ exists; \
                              SCW_API_URL=http://127.0.0.1:9, no Scaleway credentials";

/// Proofs that passed, remembered as Bazel remembers test results: one empty file per passed
/// proof in `passed/` beside the toolchain's provider mirror (whose directory name holds the
/// OpenTofu, provider and Go versions), named by the SHA-256 of everything the proof read
/// ([`tree_key`]: every file of the tree, path and bytes), the root's place in it, whether
/// `tofu test` ran, [`PROOF_COMMANDS`] and the toolchain's environment. The same bytes proven
/// by the same toolchain give the same result, so a warm `cargo test` runs only the proofs of
/// what changed. `TOFUGEN_TEST_CACHE=off` runs every proof (`.ci/run` sets it: CI always
/// executes them); failures are never remembered.
struct Passed {
    store: common::Remembered,
    toolchain: String,
}

impl Passed {
    fn get(tc: &Toolchain) -> &'static Passed {
        static PASSED: OnceLock<Passed> = OnceLock::new();
        PASSED.get_or_init(|| {
            let store = tc
                .env
                .iter()
                .find(|(k, _)| k == "TOFUGEN_PROVIDER_MIRROR")
                .and_then(|(_, v)| Path::new(v).parent().map(|p| p.join("passed")))
                .map_or_else(common::Remembered::nowhere, common::Remembered::under);
            let mut toolchain = tc.tofu.display().to_string();
            for (k, v) in &tc.env {
                toolchain.push_str(&format!("\n{k}={v}"));
            }
            Passed { store, toolchain }
        })
    }

    fn key(&self, tree: &str, label: &str, test: bool) -> String {
        common::Remembered::key(&[
            PROOF_COMMANDS.as_bytes(),
            self.toolchain.as_bytes(),
            tree.as_bytes(),
            label.as_bytes(),
            &[u8::from(test)],
        ])
    }

    fn contains(&self, key: &str) -> bool {
        self.store.contains(key)
    }

    fn record(&self, key: &str, label: &str) {
        self.store.record(key, label);
    }
}

/// A scenario of real OpenTofu (a plan, a graph, an apply) whose pass is remembered as a
/// proof's is ([`Passed`]), keyed by the scenario's name, the source of this file and of
/// `tests/common` (all the scenario writes and asserts), `inputs` (every byte it takes from the
/// repository or from tofugen: the compiled workflows' scripts, the modules it copies, the HCL
/// the printer rendered), the toolchain, and the `bash` and `jq` the workflows' steps run with
/// (the first on the `PATH`, by [`common::tool_identity`]). A warm `cargo test` with none of
/// those changed does not run it again; `TOFUGEN_TEST_CACHE=off` (CI) always does. The
/// machine's coreutils are not in the key: CI runs them all.
struct Scenario {
    key: String,
    name: &'static str,
    passed: &'static Passed,
}

impl Scenario {
    /// `None` when the scenario passed before on the same bytes (said on stderr, straight: the
    /// harness hides a passing test's `eprintln!`); otherwise the scenario to run, and to mark
    /// [`Scenario::passed`] at its end.
    fn start(tc: &Toolchain, name: &'static str, inputs: &[&[u8]]) -> Option<Scenario> {
        let sources: [&[u8]; 2] = [include_bytes!("tofu.rs"), include_bytes!("common/mod.rs")];
        static SHELL: OnceLock<String> = OnceLock::new();
        let shell = SHELL.get_or_init(|| {
            ["bash", "jq"]
                .iter()
                .map(|t| {
                    common::tool_identity(&common::on_path(t).unwrap_or_default(), "--version")
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
        let parts: Vec<&[u8]> = sources
            .iter()
            .copied()
            .chain(inputs.iter().copied())
            .chain([shell.as_bytes()])
            .collect();
        let passed = Passed::get(tc);
        let key = passed.key(
            &common::Remembered::key(&parts),
            &format!("scenario {name}"),
            false,
        );
        if passed.contains(&key) {
            common::say_reused(name);
            return None;
        }
        Some(Scenario { key, name, passed })
    }

    /// Remembers the pass: call it after the scenario's last assertion.
    fn passed(self) {
        self.passed.record(&self.key, self.name);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of every file under `base` (path relative to it, and bytes), `.terraform`
/// directories left out: all a proof of a root under `base` can read.
fn tree_key(base: &Path) -> String {
    use sha2::Digest as _;
    let mut files = walk(base);
    files.sort();
    let mut h = sha2::Sha256::new();
    for f in files {
        let rel = f
            .strip_prefix(base)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&f).unwrap_or_default();
        h.update((rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    hex(&h.finalize())
}

/// Whether `dir` is a bootstrap root: the roots of fixtures and of a fresh `init` run only its
/// test suite (its first plan, with the real provider: what differs from one configuration to
/// another), not the environments' mocked replays of the workflows, which the committed roots
/// run.
fn is_bootstrap(dir: &Path) -> bool {
    dir.ends_with("generated/bootstrap")
}

/// Label of a root for reports: its path relative to the scratch directory.
fn label(base: &Path, dir: &Path) -> String {
    dir.strip_prefix(base).unwrap_or(dir).display().to_string()
}

#[test]
fn tofu_fmt_agrees_with_the_committed_hcl() {
    let Some(tc) = toolchain() else { return };
    for dir in ["generated", "modules"] {
        let out = tc.run(
            repo(),
            &["fmt", "-check", "-recursive", "-diff", "-no-color", dir],
        );
        assert!(
            out.status.success(),
            "{}",
            describe(&format!("tofu fmt -check -recursive {dir}"), &out)
        );
    }
}

#[test]
fn tofu_validates_and_tests_every_module() {
    let Some(tc) = toolchain() else { return };
    let scratch = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("modules"), &scratch.path().join("modules"));
    let modules = roots_under(&scratch.path().join("modules"))
        .into_iter()
        .filter(|d| d.parent().is_some_and(|p| p.ends_with("modules")))
        .collect::<Vec<_>>();
    assert!(modules.len() >= 10, "modules found: {modules:?}");
    let tree = tree_key(scratch.path());
    let failures = prove_all(
        tc,
        "module proofs",
        scratch.path(),
        &modules,
        |_| &tree,
        |_| true,
    );
    assert_no_failures("module proofs", failures);
}

#[test]
fn tofu_validates_and_tests_the_committed_roots() {
    let Some(tc) = toolchain() else { return };
    let scratch = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("generated"), &scratch.path().join("generated"));
    copy_tree(&repo().join("modules"), &scratch.path().join("modules"));
    let roots = roots_under(&scratch.path().join("generated"))
        .into_iter()
        .filter(|d| !d.ends_with("tests"))
        .collect::<Vec<_>>();
    assert!(
        roots.iter().any(|r| r.ends_with("bootstrap")),
        "no bootstrap root in {roots:?}"
    );
    let tree = tree_key(scratch.path());
    let failures = prove_all(
        tc,
        "committed-root proofs",
        scratch.path(),
        &roots,
        |_| &tree,
        |_| true,
    );
    assert_no_failures("committed-root proofs", failures);
}

#[test]
fn tofu_validates_the_tree_of_every_valid_fixture() {
    let Some(tc) = toolchain() else { return };
    let fixtures = repo().join("tests/fixtures/valid");
    let mut configs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    configs.sort();
    assert!(!configs.is_empty());
    let scratch = tempfile::tempdir().unwrap();
    let mut roots = Vec::new();
    for config in &configs {
        let name = config.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(config).unwrap();
        let c = tofugen::pipeline::compile("environments.yaml", &bytes, true);
        assert!(!c.has_errors(), "{name}: {:#?}", c.diagnostics);
        let dir = scratch.path().join(&name);
        write_files(&dir, &c.files);
        // A fixture with `modules.path` (every-field.yaml sets every field) uses the
        // repository's copy of the library, at that path; the others have it vendored.
        match c.resolved.as_ref().and_then(|r| r.modules_path.as_deref()) {
            Some(path) => copy_tree(&repo().join("modules"), &dir.join(path)),
            None => assert!(
                c.files
                    .keys()
                    .any(|p| p.starts_with("generated/modules/service/")),
                "{name}: the module library is vendored"
            ),
        }
        roots.extend(
            roots_under(&dir.join("generated"))
                .into_iter()
                .filter(|d| !d.ends_with("tests") && !d.starts_with(dir.join("generated/modules"))),
        );
    }
    // Each fixture's tree is keyed on its own: a change to one fixture's output proves that
    // fixture's roots again.
    let trees: BTreeMap<String, String> = configs
        .iter()
        .map(|c| {
            let name = c.file_stem().unwrap().to_string_lossy().into_owned();
            let key = tree_key(&scratch.path().join(&name));
            (name, key)
        })
        .collect();
    let fixture_of = |dir: &Path| {
        let rel = dir.strip_prefix(scratch.path()).unwrap();
        let name = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        trees[name.as_ref()].as_str()
    };
    let mut failures = prove_all(
        tc,
        "fixture-root proofs",
        scratch.path(),
        &roots,
        fixture_of,
        is_bootstrap,
    );
    for config in &configs {
        let name = config.file_stem().unwrap().to_string_lossy().into_owned();
        let generated = scratch.path().join(&name).join("generated");
        let out = tc.run(
            &generated,
            &["fmt", "-check", "-recursive", "-diff", "-no-color", "."],
        );
        if !out.status.success() {
            failures.push(describe(&format!("{name}: tofu fmt -check"), &out));
        }
    }
    assert_no_failures("fixture-root proofs", failures);
}

/// Turning a rule off never makes tofugen write roots OpenTofu refuses: every rule's bad example,
/// with an override turning the rule off (`tofugen::policy::examples::with_rule_off`), either
/// does not compile or generates roots that `tofu init` and `tofu validate` accept. Sweep 56 (F1) found thirteen rules
/// whose bound the modules' `validation` blocks (or OpenTofu's graph: a reference cycle) enforce
/// again: turned off, `generate` and `check` passed (the proof checks the provider schema and the
/// modules' interfaces, not their validations) and `tofu validate` refused the roots. They are
/// required now; this test finds the next one. Identical roots (most examples change one
/// environment) are validated once.
#[test]
fn tofu_validates_the_roots_of_every_rule_turned_off() {
    let Some(tc) = toolchain() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let mut keys: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut compiled = Vec::new();
    let mut other_provider = Vec::new();
    let mut unexercised = Vec::new();
    for rule in tofugen::policy::registry() {
        let text = tofugen::policy::examples::with_rule_off(rule.bad, rule.code).unwrap();
        let c = tofugen::pipeline::compile("environments.yaml", text.as_bytes(), true);
        if c.has_errors() {
            assert!(c.files.is_empty(), "{}", rule.code);
            if rule.safety != tofugen::policy::Safety::Required {
                unexercised.push(rule.code);
            }
            continue;
        }
        let versions = &c.resolved.as_ref().expect("compiled").versions;
        // The toolchain's mirror holds the pinned providers only: an example pinning another
        // cannot be initialised here (its roots are the same as with the pinned one otherwise).
        if versions.scaleway_provider != tofugen::versions::SCALEWAY_PROVIDER {
            other_provider.push(rule.code);
            continue;
        }
        compiled.push(rule.code);
        let dir = scratch.path().join(rule.code);
        write_files(&dir, &c.files);
        let modules = tree_key(&dir.join("generated/modules"));
        for root in roots_under(&dir.join("generated")) {
            let rel = root.strip_prefix(&dir).unwrap().to_path_buf();
            if rel.starts_with("generated/modules") || rel.ends_with("tests") {
                continue;
            }
            let key = format!("{}:{}:{modules}", rel.display(), tree_key(&root));
            if seen.insert(key.clone()) {
                keys.insert(root, key);
            }
        }
    }
    assert_eq!(
        other_provider,
        ["TG046"],
        "examples pinning another provider"
    );
    // The rules that may be turned off but whose bad example this test cannot judge: another rule
    // refuses the example too (TG003 by TG004, TG103 and TG135 by TG011 and TG106, TG115 by TG001
    // and TG006). (TG112's example is a placeholder, too large to write out: it compiles without
    // breaking the rule.) The README says so; a rule added to this list is a rule no test turns
    // off.
    assert_eq!(
        unexercised,
        ["TG003", "TG103", "TG115", "TG135"],
        "rules that may be turned off, whose bad example does not compile with the rule off"
    );
    // Most bad examples compile with their rule off: the test judges something.
    assert!(compiled.len() >= 40, "{compiled:?}");
    let roots: Vec<PathBuf> = keys.keys().cloned().collect();
    assert!(roots.len() >= 3, "{roots:?}");
    let failures = prove_all(
        tc,
        "rule-off root proofs",
        scratch.path(),
        &roots,
        |dir| keys[dir].as_str(),
        |_| false,
    );
    assert_no_failures("rule-off root proofs", failures);
}

/// A document exercising every layout rule of the printer.
fn stress() -> String {
    let mut b = Body::new();
    b.comment("Stress fixture for the HCL printer.\n\nSecond paragraph.");
    b.attr("a", Expr::int(1))
        .attr(
            "a_much_longer_attribute_name_than_the_others",
            Expr::Bool(false),
        )
        .attr("neg", Expr::int(-42))
        .attr("frac", Expr::Float(0.25))
        .attr("nothing", Expr::Null)
        .attr(
            "escaped",
            Expr::str("quote \" backslash \\ ${not} %{nope} tab\t nl\n é"),
        )
        .attr(
            "tags",
            Expr::object([
                ("short", Expr::str("x")),
                ("a-dashed-key", Expr::str("y")),
                ("clé_unicode", Expr::int(3)),
                (
                    "nested",
                    Expr::object([
                        ("deep", Expr::strs(["a", "b"])),
                        ("d", Expr::object::<&str>([])),
                    ]),
                ),
                ("after_nested", Expr::Bool(true)),
            ]),
        )
        .attr("short_list", Expr::strs(["one", "two", "three"]))
        .attr(
            "long_list",
            Expr::strs((0..10).map(|i| format!("a-rather-long-list-item-{i}"))),
        )
        .attr(
            "list_of_objects",
            Expr::List(vec![
                Expr::object([("name", Expr::str("first")), ("value", Expr::int(1))]),
                Expr::object([
                    ("name", Expr::str("second")),
                    ("a_longer_key", Expr::List(vec![])),
                ]),
            ]),
        )
        .attr("empty_list", Expr::List(vec![]))
        .attr(
            "inline",
            Expr::InlineObject(vec![(
                "s3".into(),
                Expr::str("https://s3.fr-par.scw.cloud"),
            )]),
        )
        .attr(
            "image",
            Expr::Template(vec![
                Part::Interp(Expr::raw("module.registry.endpoint")),
                Part::Lit("/evalap-api:".into()),
                Part::Interp(
                    Traversal::root("var")
                        .attr("release")
                        .key("api")
                        .attr("tag")
                        .expr(),
                ),
            ]),
        )
        .attr(
            "lone",
            Expr::Template(vec![Part::Interp(Expr::raw("module.service_api.url"))]),
        )
        .attr(
            "call",
            Expr::raw("base64decode(data.scaleway_secret_version.x.data)"),
        )
        .attr(
            "type",
            Expr::raw("map(object({ tag = string, digest = string }))"),
        )
        .blank();
    let mut inner = Body::new();
    inner
        .attr("x", Expr::int(1))
        .attr("yyyyyyyyyy", Expr::str("v"))
        .block(Block::new("nested_block", ["label with space"]).with_body({
            let mut n = Body::new();
            n.attr("deep_attribute", Expr::int(7)).attr(
                "m",
                Expr::object([("k", Expr::List(vec![Expr::object([("z", Expr::int(1))])]))]),
            );
            n
        }))
        .block(Block::plain("empty"))
        .comment("a comment between")
        .attr("tail", Expr::str("t"));
    b.block(
        Block::new(
            "resource",
            ["scaleway_thing", "a_very_long_resource_name_indeed"],
        )
        .with_body(inner),
    );
    // Declarations of what the expressions above refer to (hcl2json checks references).
    b.blank().block(Block::new("variable", ["release"]));
    for (name, source) in [("registry", "./registry"), ("service_api", "./service")] {
        let mut m = Body::new();
        m.attr("source", Expr::str(source));
        b.block(Block::new("module", [name]).with_body(m));
    }
    b.block(Block::new("data", ["scaleway_secret_version", "x"]));
    render(&tofugen::emit::header("#", "stress.yaml"), &b)
}

#[test]
fn tofu_fmt_agrees_with_the_printer_on_every_layout_rule() {
    let Some(tc) = toolchain() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stress.tf"), stress()).unwrap();
    let out = tc.run(
        dir.path(),
        &["fmt", "-check", "-diff", "-no-color", "stress.tf"],
    );
    assert!(
        out.status.success(),
        "{}",
        describe("tofu fmt -check stress.tf", &out)
    );
}

/// The scaleway provider's schema as the real, pinned provider reports it
/// (`tofu providers schema -json`), in the vendored file's layout.
fn real_provider_schema(tc: &Toolchain) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let config = repo().join("environments.yaml");
    let text = std::fs::read_to_string(config).unwrap();
    let c = tofugen::pipeline::compile("environments.yaml", text.as_bytes(), false);
    let versions = &c
        .resolved
        .as_ref()
        .expect("committed config resolves")
        .versions;
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    scaleway = {{\n      source  = \"scaleway/scaleway\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
            versions.scaleway_provider
        ),
    )
    .unwrap();
    let init = tc.run(
        dir.path(),
        &["init", "-backend=false", "-input=false", "-no-color"],
    );
    assert!(init.status.success(), "{}", describe("tofu init", &init));
    let out = tc.run(dir.path(), &["providers", "schema", "-json"]);
    assert!(
        out.status.success(),
        "{}",
        describe("tofu providers schema", &out)
    );
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    let key = "registry.opentofu.org/scaleway/scaleway";
    serde_json::json!({
        "format_version": all["format_version"],
        "provider_schemas": { key: all["provider_schemas"][key] },
        "x_generated_from": {
            "command": "tofu providers schema -json",
            "opentofu": versions.opentofu,
            "provider": format!("scaleway/scaleway {}", versions.scaleway_provider),
        },
    })
}

/// The protocol-level facts of a block (what `tofu providers schema` reports), by attribute
/// and nested-block path: type, required/optional/computed, deprecated, sensitive,
/// write-only, nesting and item bounds. Descriptions and the vendored file's extra `x_*`
/// validator keys (which only the static extraction knows) are left out.
fn protocol_facts(block: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    let flag = |v: &serde_json::Value, k: &str| v[k].as_bool().unwrap_or(false);
    if let Some(attrs) = block["attributes"].as_object() {
        for (name, a) in attrs {
            out.insert(
                format!("{prefix}{name}"),
                format!(
                    "type={} required={} optional={} computed={} deprecated={} sensitive={} write_only={}",
                    a["type"],
                    flag(a, "required"),
                    flag(a, "optional"),
                    flag(a, "computed"),
                    flag(a, "deprecated"),
                    flag(a, "sensitive"),
                    flag(a, "write_only")
                ),
            );
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, b) in blocks {
            out.insert(
                format!("{prefix}{name}{{}}"),
                format!(
                    "nesting={} min={} max={}",
                    b["nesting_mode"],
                    b["min_items"].as_u64().unwrap_or(0),
                    b["max_items"].as_u64().unwrap_or(0)
                ),
            );
            protocol_facts(&b["block"], &format!("{prefix}{name}."), out);
        }
    }
}

/// Every `resource`, `data` and `ephemeral` type of the scaleway provider that the modules or
/// the generated tree use: `(schema kind, type)`.
fn used_types() -> std::collections::BTreeSet<(&'static str, String)> {
    let re =
        regex::Regex::new(r#"(?m)^\s*(resource|data|ephemeral) "(scaleway_[a-z0-9_]+)""#).unwrap();
    let mut out = std::collections::BTreeSet::new();
    for dir in ["modules", "generated"] {
        for file in walk(&repo().join(dir)) {
            if file.extension().is_none_or(|e| e != "tf") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for c in re.captures_iter(&text) {
                let kind = match &c[1] {
                    "resource" => "resource_schemas",
                    "data" => "data_source_schemas",
                    _ => "ephemeral_resource_schemas",
                };
                out.insert((kind, c[2].to_string()));
            }
        }
    }
    out
}

/// The vendored schema (schema/scaleway-provider-schema.json, extracted statically from the
/// provider's source with its validators as extra `x_*` keys, read by tofugen's offline
/// provider checker) agrees with the real, pinned provider on every resource, data source and
/// ephemeral resource tofugen uses: every attribute and block, with its type and flags.
#[test]
fn vendored_provider_schema_agrees_with_the_real_provider() {
    let Some(tc) = toolchain() else { return };
    let real = real_provider_schema(tc);
    let key = "registry.opentofu.org/scaleway/scaleway";
    let path = repo().join("schema/scaleway-provider-schema.json");
    let vendored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let used = used_types();
    assert!(used.len() > 20, "types used: {used:?}");
    let mut differences = Vec::new();
    for (kind, ty) in &used {
        let facts = |schema: &serde_json::Value| {
            let mut out = BTreeMap::new();
            protocol_facts(
                &schema["provider_schemas"][key][*kind][ty.as_str()]["block"],
                "",
                &mut out,
            );
            out
        };
        let (v, r) = (facts(&vendored), facts(&real));
        if r.is_empty() {
            differences.push(format!("{kind} {ty}: not in the real provider"));
            continue;
        }
        for name in v
            .keys()
            .chain(r.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if v.get(name) != r.get(name) {
                differences.push(format!(
                    "{kind} {ty}.{name}: vendored {:?}, real {:?}",
                    v.get(name),
                    r.get(name)
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "schema/scaleway-provider-schema.json disagrees with `tofu providers schema -json` of \
         the pinned provider:\n{}",
        differences.join("\n")
    );
}

/// A new user's repository: `tofugen init` with the configuration at `infra/envs.yaml`, then
/// `tofu init -backend=false` + `tofu validate` on every root it generated (the vendored module
/// library included, as a user gets it), and the bootstrap's first plan (`tofu test`). The project is hyphenated, as a directory's name often
/// is: modules/database's validations then see the database name and user derived from it.
#[test]
fn tofu_validates_the_roots_of_a_fresh_init() {
    let Some(tc) = toolchain() else { return };
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir(scratch.path().join(".git")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .args([
            "--config",
            "infra/envs.yaml",
            "init",
            "--project",
            "my-shop",
        ])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe("tofugen init", &out));
    let roots = roots_under(&scratch.path().join("generated"))
        .into_iter()
        .filter(|d| {
            !d.ends_with("tests") && !d.starts_with(scratch.path().join("generated/modules"))
        })
        .collect::<Vec<_>>();
    assert_eq!(roots.len(), 3, "bootstrap, staging, production: {roots:?}");
    let tree = tree_key(scratch.path());
    let failures = prove_all(
        tc,
        "fresh-init root proofs",
        scratch.path(),
        &roots,
        |_| &tree,
        is_bootstrap,
    );
    assert_no_failures("fresh-init root proofs", failures);
}

/// Every string of up to `len` characters over `alphabet`.
fn strings_over(alphabet: &[char], len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..len {
        last = last
            .iter()
            .flat_map(|s| {
                alphabet.iter().map(move |c| {
                    let mut t = s.clone();
                    t.push(*c);
                    t
                })
            })
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}

/// The real OpenTofu reads every string and template tofugen prints back as the value it
/// stands for: every string of up to four characters over `$ % { } a \ "` and a line feed, and
/// every template of literal text around an interpolation (and two literals side by side) over
/// `$ % { a`, up to three characters each. Each value is evaluated by `tofu apply` into an
/// output and compared with what the parts say (sweep 12, finding 1: hcl-rs's escaping left
/// `%${...}` after a `${` live, an interpolation OpenTofu evaluated).
#[test]
fn tofu_reads_back_every_string_and_template_as_written() {
    let Some(tc) = toolchain() else { return };
    let mut body = Body::new();
    let mut expected: Vec<String> = Vec::new();
    let mut values: Vec<Expr> = Vec::new();
    for s in strings_over(&['$', '%', '{', '}', 'a', '\\', '"', '\n'], 4) {
        values.push(Expr::str(s.clone()));
        expected.push(s);
    }
    let short = strings_over(&['$', '%', '{', 'a'], 3);
    for p in &short {
        for q in &short {
            values.push(Expr::Template(vec![
                Part::Lit(p.clone()),
                Part::Interp(Expr::raw("local.r")),
                Part::Lit(q.clone()),
            ]));
            expected.push(format!("{p}R{q}"));
            values.push(Expr::Template(vec![
                Part::Lit(p.clone()),
                Part::Lit(q.clone()),
                Part::Interp(Expr::raw("local.r")),
            ]));
            expected.push(format!("{p}{q}R"));
        }
    }
    let mut locals = Body::new();
    locals.attr("r", Expr::str("R"));
    locals.attr("all", Expr::List(values));
    body.block(Block::plain("locals").with_body(locals));
    let mut output = Body::new();
    output.attr("value", Expr::raw("jsonencode(local.all)"));
    body.block(Block::new("output", ["all"]).with_body(output));
    let text = render("", &body);
    let Some(scenario) = Scenario::start(
        tc,
        "tofu_reads_back_every_string_and_template_as_written",
        &[text.as_bytes()],
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    for args in [
        &["init", "-no-color"][..],
        &["apply", "-auto-approve", "-no-color"],
    ] {
        let out = tc.run(dir.path(), args);
        assert!(out.status.success(), "{}", describe(&args.join(" "), &out));
    }
    let out = tc.run(dir.path(), &["output", "-raw", "all"]);
    assert!(out.status.success(), "{}", describe("tofu output", &out));
    let read: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read.len(), expected.len());
    let wrong: Vec<String> = read
        .iter()
        .zip(&expected)
        .filter(|(r, e)| r != e)
        .take(20)
        .map(|(r, e)| format!("wrote {e:?}, OpenTofu read {r:?}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} values differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    scenario.passed();
}

/// The rollback's plan step ("Plan the release for production", [`PLAN_RELEASE`] in
/// src/emit/workflows.rs) run on plans of the real OpenTofu and Scaleway provider: a root
/// calling the repository's `modules/service` (no secrets and no database, so that nothing is
/// read from Scaleway), a state that already runs release A (its attributes taken from the
/// real plan of a create, the computed ones filled in), then the step's own script, with
/// `tofu plan` given `-refresh=false` (a refresh needs Scaleway). A new release changes the
/// container in place, and only what the step lets through (`image`, `registry_sha256`,
/// `TOFUGEN_RELEASE`); a changed `min_scale` and a renamed container are refused, named.
/// The generated roots also encrypt plans: `tofu show -json` of such a plan reads the
/// passphrase from `TF_VAR_state_passphrase`, as the step's env gives it (checked by hand with
/// this toolchain, not here: the state below is written in clear).
#[test]
fn the_rollback_plan_step_reads_real_plans() {
    let Some(tc) = toolchain() else { return };
    let c = tofugen::pipeline::compile(
        "environments.yaml",
        &std::fs::read(repo().join("environments.yaml")).unwrap(),
        true,
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let workflow = &c.files[".github/workflows/tofugen-rollback.yml"];
    let (_, node) = tofugen::load::load(
        tofugen::source::SourceMap::single("rollback").1,
        workflow.as_bytes(),
    )
    .unwrap();
    let step = node.to_json()["jobs"]["rollback-production"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Plan the release for production")
        .expect("the rollback's plan step")
        .clone();
    let script = step["run"].as_str().unwrap().to_string();
    let containers = step["env"]["CONTAINERS"].as_str().unwrap().to_string();
    let module = tree_key(&repo().join("modules/service"));
    let Some(scenario) = Scenario::start(
        tc,
        "the_rollback_plan_step_reads_real_plans",
        &[script.as_bytes(), containers.as_bytes(), module.as_bytes()],
    ) else {
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let svc = root.join("svc");
    std::fs::create_dir_all(&svc).unwrap();
    for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
        std::fs::copy(repo().join("modules/service").join(f), svc.join(f)).unwrap();
    }
    let main = |min_scale: u32, name: &str| {
        format!(
            r#"terraform {{
  required_providers {{
    scaleway = {{ source = "scaleway/scaleway", version = "2.81.0" }}
  }}
}}

variable "release" {{
  type = map(object({{ tag = string, digest = string }}))
}}

provider "scaleway" {{
  region = "fr-par"
}}

module "service_api" {{
  source = "./svc"

  name                  = "{name}"
  namespace_id          = "fr-par/11111111-1111-1111-1111-111111111111"
  region                = "fr-par"
  registry_endpoint     = "rg.fr-par.scw.cloud/evalap"
  image                 = {{ name = "evalap", tag = var.release["api"].tag, digest = var.release["api"].digest }}
  port                  = 8000
  cpu_limit             = 1000
  memory_limit_bytes    = 2000000000
  min_scale             = {min_scale}
  max_scale             = 4
  privacy               = "public"
  protocol              = "http1"
  https_only            = true
  sandbox               = "v2"
  timeout_seconds       = 600
  environment_variables = {{ ENV = "prod" }}
}}
"#
        )
    };
    std::fs::write(root.join("main.tf"), main(2, "evalap-production-api")).unwrap();
    let release = |c: char| {
        json_release(
            &c.to_string().repeat(40),
            &format!("sha256:{}", c.to_string().repeat(64)),
        )
    };
    let (a, b) = (release('a'), release('b'));

    let path = no_refresh_path(tc, dir.path());
    let credentials = FAKE_CREDENTIALS;
    let tofu = |args: &[&str]| tofu_in(tc, &root, args);
    tofu(&["init", "-input=false", "-no-color"]);

    // The state running release A: the planned attributes of a create, the computed ones
    // filled in by their type in the provider's schema.
    std::fs::write(root.join("a.tfvars.json"), format!("{{\"release\": {a}}}")).unwrap();
    tofu(&[
        "plan",
        "-refresh=false",
        "-input=false",
        "-no-color",
        "-var-file=a.tfvars.json",
        "-out=create.tfplan",
    ]);
    let plan: serde_json::Value =
        serde_json::from_slice(&tofu(&["show", "-no-color", "-json", "create.tfplan"])).unwrap();
    let attributes = created_attributes(
        &plan["resource_changes"][0]["change"],
        &scaleway_resource_schemas(tc, &root)["scaleway_container"]["block"],
        "fr-par/22222222-2222-2222-2222-222222222222",
    );
    write_state(
        &root,
        "3f1c2a44-0000-4000-8000-000000000001",
        serde_json::json!([{
            "module": "module.service_api", "mode": "managed", "type": "scaleway_container",
            "name": "this", "provider": SCALEWAY_IN_STATE,
            "instances": [{
                "schema_version": 0, "attributes": attributes,
                "sensitive_attributes": [[{"type": "get_attr", "value": "secret_environment_variables"}]],
                "private": "bnVsbA=="
            }]
        }]),
    );

    let run = |release: &str| {
        let temp = dir.path().join("runner-temp");
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir(&temp).unwrap();
        std::fs::write(temp.join("release.json"), release).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
            .current_dir(&root)
            .env("TF_IN_AUTOMATION", "1")
            .envs(credentials)
            .envs(SCALEWAY_OFFLINE)
            .envs(tc.env.iter().map(|(k, v)| (k, v)))
            .env("PATH", &path)
            .env("RUNNER_TEMP", &temp)
            .env("ENVIRONMENT", "production")
            .env("CONTAINERS", &containers)
            .env("APPLY_OTHER_CHANGES", "false");
        let out = cmd.output().unwrap();
        assert!(
            !temp.join("plan.json").exists(),
            "the plan's JSON (secret values in clear) was left behind"
        );
        let saved = temp.join("release.tfplan").exists();
        (out, saved)
    };

    let (out, saved) = run(&a);
    assert!(
        out.status.success(),
        "{}",
        describe("the same release", &out)
    );
    assert!(saved, "no saved plan to apply");
    let (out, _) = run(&b);
    assert!(out.status.success(), "{}", describe("a new release", &out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("The plan changes the release's containers only."),
        "{}",
        describe("a new release", &out)
    );

    std::fs::write(root.join("main.tf"), main(3, "evalap-production-api")).unwrap();
    let (out, _) = run(&b);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "a changed min_scale went through:\n{text}"
    );
    assert!(
        text.contains("  module.service_api.scaleway_container.this: update (min_scale)\n"),
        "{text}"
    );

    std::fs::write(root.join("main.tf"), main(2, "evalap-production-api2")).unwrap();
    let (out, _) = run(&b);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a replaced container went through:\n{text}"
    );
    assert!(
        text.contains("  module.service_api.scaleway_container.this: delete then create\n"),
        "{text}"
    );
    scenario.passed();
}

/// A `PATH` with a `tofu` wrapper first, in `dir/bin`: `tofu plan` without a refresh (there is
/// no account to refresh against), everything else as is.
fn no_refresh_path(tc: &Toolchain, dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let wrapper = bin.join("tofu");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = plan ]; then shift; exec '{0}' plan -refresh=false \"$@\"; fi\nexec '{0}' \"$@\"\n",
            tc.tofu.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Credentials of the shape the provider checks, for plans that never reach Scaleway.
const FAKE_CREDENTIALS: [(&str, &str); 3] = [
    ("SCW_ACCESS_KEY", "SCWXXXXXXXXXXXXXXXXX"),
    ("SCW_SECRET_KEY", "11111111-1111-1111-1111-111111111111"),
    (
        "SCW_DEFAULT_PROJECT_ID",
        "11111111-1111-1111-1111-111111111111",
    ),
];

/// `tofu ARGS` in `root` with [`FAKE_CREDENTIALS`], offline; its stdout, asserting success.
fn tofu_in(tc: &Toolchain, root: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = Command::new(&tc.tofu);
    cmd.args(args)
        .current_dir(root)
        .env("TF_IN_AUTOMATION", "1");
    cmd.envs(FAKE_CREDENTIALS).envs(SCALEWAY_OFFLINE);
    cmd.envs(tc.env.iter().map(|(k, v)| (k, v)));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", describe(&args.join(" "), &out));
    out.stdout
}

/// The attributes of a planned creation (`change`) as a state would hold them: the computed
/// ones (`after_unknown`) filled in by their type in the resource's schema (`block`), `id` as
/// given.
fn created_attributes(
    change: &serde_json::Value,
    block: &serde_json::Value,
    id: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut attributes = change["after"].as_object().unwrap().clone();
    for (name, unknown) in change["after_unknown"].as_object().unwrap() {
        if unknown != true {
            continue;
        }
        let value = match name.as_str() {
            "id" => serde_json::json!(id),
            "region" => serde_json::json!("fr-par"),
            _ if block["block_types"].get(name).is_some() => serde_json::json!([]),
            _ => match &block["attributes"][name]["type"] {
                serde_json::Value::String(t) if t == "string" => serde_json::json!(""),
                serde_json::Value::String(t) if t == "number" => serde_json::json!(0),
                serde_json::Value::String(t) if t == "bool" => serde_json::json!(false),
                serde_json::Value::Array(t) if t[0] == "map" => serde_json::json!({}),
                serde_json::Value::Array(t) if t[0] == "list" || t[0] == "set" => {
                    serde_json::json!([])
                }
                other => panic!("no filler for {name}: {other}"),
            },
        };
        attributes.insert(name.clone(), value);
    }
    attributes
}

/// The Scaleway provider's address in a state file.
const SCALEWAY_IN_STATE: &str = "provider[\"registry.opentofu.org/scaleway/scaleway\"]";

/// The Scaleway provider's resource schemas, as `tofu providers schema -json` gives them in
/// `root` (initialised).
fn scaleway_resource_schemas(tc: &Toolchain, root: &Path) -> serde_json::Value {
    let schema: serde_json::Value =
        serde_json::from_slice(&tofu_in(tc, root, &["providers", "schema", "-json"])).unwrap();
    schema["provider_schemas"]["registry.opentofu.org/scaleway/scaleway"]["resource_schemas"]
        .clone()
}

/// Writes `root/terraform.tfstate`: a version-4 state of OpenTofu 1.12.6 holding `resources`,
/// with the given lineage.
fn write_state(root: &Path, lineage: &str, resources: serde_json::Value) {
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.12.6", "serial": 1,
        "lineage": lineage, "outputs": {}, "resources": resources
    });
    std::fs::write(root.join("terraform.tfstate"), state.to_string()).unwrap();
}

/// `{"api": {"tag": TAG, "digest": DIGEST}}`.
fn json_release(tag: &str, digest: &str) -> String {
    serde_json::json!({"api": {"tag": tag, "digest": digest}}).to_string()
}

/// The data guard of the deploy, promote and rollback jobs ("Refuse to destroy data") on plans
/// of OpenTofu 1.12.6 and the Scaleway provider 2.81.0 built here, saved by the deploy's own plan
/// step: with a secret, a container namespace and a database instance in the state (no
/// refresh: no account here), a plan changing nothing passes, a new engine passes (the provider
/// upgrades in place), a new region for the instance is refused (a replacement), a plan deleting
/// the namespace passes (it holds no data), a plan deleting the secret is refused and names it,
/// and `allow_data_loss` lets it through with a warning. The plan's JSON is removed whatever the outcome.
#[test]
fn the_data_guard_reads_real_plans() {
    let Some(tc) = toolchain() else { return };
    let c = tofugen::pipeline::compile(
        "environments.yaml",
        &std::fs::read(repo().join("environments.yaml")).unwrap(),
        true,
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let (_, node) = tofugen::load::load(
        tofugen::source::SourceMap::single("deploy").1,
        c.files[".github/workflows/tofugen-deploy.yml"].as_bytes(),
    )
    .unwrap();
    let steps = node.to_json()["jobs"]["deploy-staging"]["steps"].clone();
    let named = |name: &str| {
        steps
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}"))
            .clone()
    };
    let plan_script = named("Plan the release for staging")["run"]
        .as_str()
        .unwrap()
        .to_string();
    let guard = named("Refuse to destroy data");
    let guard_script = guard["run"].as_str().unwrap().to_string();
    let data_types = guard["env"]["DATA_TYPES"].as_str().unwrap().to_string();
    let Some(scenario) = Scenario::start(
        tc,
        "the_data_guard_reads_real_plans",
        &[
            plan_script.as_bytes(),
            guard_script.as_bytes(),
            data_types.as_bytes(),
        ],
    ) else {
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    // The database instance's engine and region (`None`: no instance).
    let main = |secret: bool, namespace: bool, instance: Option<(&str, &str)>| {
        let mut text = String::from(
            r#"terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "2.81.0" }
  }
}

variable "release" {
  type = map(object({ tag = string, digest = string }))
}

provider "scaleway" {
  region = "fr-par"
}
"#,
        );
        if secret {
            text.push_str(
                "\nresource \"scaleway_secret\" \"db\" {\n  name = \"database-password\"\n  path = \"/evalap/staging\"\n}\n",
            );
        }
        if namespace {
            text.push_str(
                "\nresource \"scaleway_container_namespace\" \"this\" {\n  name = \"evalap-staging\"\n}\n",
            );
        }
        if let Some((engine, region)) = instance {
            text.push_str(&format!(
                "\nresource \"scaleway_rdb_instance\" \"db\" {{\n  name      = \"evalap-staging\"\n  node_type = \"DB-DEV-S\"\n  engine    = \"{engine}\"\n  region    = \"{region}\"\n}}\n"
            ));
        }
        text
    };
    let instance = Some(("PostgreSQL-16", "fr-par"));
    std::fs::write(root.join("main.tf"), main(true, true, instance)).unwrap();
    let path = no_refresh_path(tc, dir.path());
    let credentials = FAKE_CREDENTIALS;
    let tofu = |args: &[&str]| tofu_in(tc, &root, args);
    tofu(&["init", "-input=false", "-no-color"]);
    let release = json_release(&"a".repeat(40), &format!("sha256:{}", "a".repeat(64)));
    std::fs::write(
        root.join("a.tfvars.json"),
        format!("{{\"release\": {release}}}"),
    )
    .unwrap();

    // The state holding both: the planned attributes of their creation, the computed ones
    // filled in by their type in the provider's schema.
    tofu(&[
        "plan",
        "-refresh=false",
        "-input=false",
        "-no-color",
        "-var-file=a.tfvars.json",
        "-out=create.tfplan",
    ]);
    let plan: serde_json::Value =
        serde_json::from_slice(&tofu(&["show", "-no-color", "-json", "create.tfplan"])).unwrap();
    let schemas = scaleway_resource_schemas(tc, &root);
    let mut resources = Vec::new();
    for (i, rc) in plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let attributes = created_attributes(
            &rc["change"],
            &schemas[rc["type"].as_str().unwrap()]["block"],
            &format!("fr-par/2222222{i}-2222-2222-2222-222222222222"),
        );
        resources.push(serde_json::json!({
            "mode": "managed", "type": rc["type"], "name": rc["name"],
            "provider": SCALEWAY_IN_STATE,
            "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]
        }));
    }
    assert_eq!(resources.len(), 3, "{plan}");
    write_state(
        &root,
        "3f1c2a44-0000-4000-8000-000000000002",
        serde_json::Value::Array(resources),
    );

    let run = |allow: &str| {
        let temp = dir.path().join("runner-temp");
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir(&temp).unwrap();
        std::fs::write(temp.join("release.json"), &release).unwrap();
        let mut outputs = Vec::new();
        for script in [&plan_script, &guard_script] {
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(&root)
                .env("TF_IN_AUTOMATION", "1")
                .envs(credentials)
                .envs(SCALEWAY_OFFLINE)
                .envs(tc.env.iter().map(|(k, v)| (k, v)))
                .env("PATH", &path)
                .env("RUNNER_TEMP", &temp)
                .env("ENVIRONMENT", "staging")
                .env("DATA_TYPES", &data_types)
                .env("ALLOW_DATA_LOSS", allow);
            let out = cmd.output().unwrap();
            assert!(
                !temp.join("plan.json").exists(),
                "the plan's JSON (secret values in clear) was left behind"
            );
            let failed = !out.status.success();
            outputs.push(out);
            if failed {
                break;
            }
        }
        assert!(
            outputs[0].status.success(),
            "{}",
            describe("the plan step", &outputs[0])
        );
        let guard = outputs.get(1).expect("the guard ran");
        // The plan step's output (the plan in words), then the guard's.
        let text = format!(
            "{}{}{}",
            String::from_utf8_lossy(&outputs[0].stdout),
            String::from_utf8_lossy(&guard.stdout),
            String::from_utf8_lossy(&guard.stderr)
        );
        (guard.status.success(), text)
    };

    let (ok, text) = run("");
    assert!(ok, "a plan changing nothing was refused:\n{text}");
    assert!(
        text.contains("The plan destroys or replaces no resource holding data."),
        "{text}"
    );
    // Another engine is a major upgrade the provider makes in place (`MajorUpgradeWorkflow`,
    // internal/services/rdb/instance.go): planned as an update, which the guard lets through
    // (docs/runbooks.md, data-loss-refused, says so). Another region replaces the instance.
    std::fs::write(
        root.join("main.tf"),
        main(true, true, Some(("PostgreSQL-17", "fr-par"))),
    )
    .unwrap();
    let (ok, text) = run("");
    assert!(ok, "an engine upgrade was refused:\n{text}");
    assert!(
        text.contains("scaleway_rdb_instance.db will be updated in-place")
            && text.contains("The plan destroys or replaces no resource holding data."),
        "{text}"
    );
    std::fs::write(
        root.join("main.tf"),
        main(true, true, Some(("PostgreSQL-16", "nl-ams"))),
    )
    .unwrap();
    let (ok, text) = run("");
    assert!(
        !ok,
        "moving the database to another region went through:\n{text}"
    );
    assert!(
        text.contains("scaleway_rdb_instance.db must be replaced")
            && text.contains("  scaleway_rdb_instance.db: "),
        "{text}"
    );
    std::fs::write(root.join("main.tf"), main(true, false, instance)).unwrap();
    let (ok, text) = run("");
    assert!(ok, "deleting a container namespace was refused:\n{text}");
    std::fs::write(root.join("main.tf"), main(false, false, instance)).unwrap();
    let (ok, text) = run("");
    assert!(!ok, "deleting the secret went through:\n{text}");
    assert!(
        text.contains("  scaleway_secret.db: delete\n")
            && text.contains("::error::the plan destroys or replaces 1 resource(s) holding data"),
        "{text}"
    );
    let (ok, text) = run("true");
    assert!(ok, "allow_data_loss did not let it through:\n{text}");
    assert!(
        text.contains("::warning::destroying or replacing 1 resource(s) holding data, as asked"),
        "{text}"
    );
    scenario.passed();
}

/// The engine settings Scaleway returns for a PostgreSQL instance created without any: the six
/// of the provider's own recording (v2.81.0,
/// `internal/services/rdb/testdata/instance-basic.cassette.yaml`, made with no `settings` in its
/// configuration; its responses carry these six).
const POSTGRESQL_DEFAULT_SETTINGS: [(&str, &str); 6] = [
    ("effective_cache_size", "1300"),
    ("maintenance_work_mem", "150"),
    ("max_connections", "100"),
    ("max_parallel_workers", "0"),
    ("max_parallel_workers_per_gather", "0"),
    ("work_mem", "4"),
];

/// The second plan of a database configured without settings changes none: `modules/database`
/// leaves `settings` unset (the provider's attribute is Optional and Computed), so the engine
/// defaults the API returned stay in state. Sent as an empty map, as the module did, every plan
/// removed all six. The real provider plans offline: the state is built from the first plan's
/// attributes, the settings filled in as the API returns them.
#[test]
fn a_database_without_settings_plans_no_change_to_the_engine_defaults() {
    let Some(tc) = toolchain() else { return };
    let module = tree_key(&repo().join("modules/database"));
    let Some(scenario) = Scenario::start(
        tc,
        "a_database_without_settings_plans_no_change_to_the_engine_defaults",
        &[module.as_bytes()],
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let db = root.join("db");
    std::fs::create_dir_all(&db).unwrap();
    for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
        std::fs::copy(repo().join("modules/database").join(f), db.join(f)).unwrap();
    }
    std::fs::write(
        root.join("main.tf"),
        r#"terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "2.81.0" }
  }
}

provider "scaleway" {
  region     = "fr-par"
  zone       = "fr-par-1"
  project_id = "11111111-1111-1111-1111-111111111111"
}

module "database" {
  source = "./db"

  name                   = "evalap-staging-db"
  region                 = "fr-par"
  engine                 = "PostgreSQL-16"
  node_type              = "DB-DEV-S"
  volume_type            = "sbs_5k"
  volume_size_in_gb      = 20
  ha                     = false
  read_replicas          = 0
  database_name          = "evalap"
  user_name              = "evalap"
  private_network_id     = "fr-par/22222222-2222-2222-2222-222222222222"
  backup_frequency_hours = 24
  backup_retention_days  = 7
  secret_path            = "/evalap/staging"
  protected              = false
}
"#,
    )
    .unwrap();
    let tofu = |args: &[&str]| tofu_in(tc, &root, args);
    tofu(&["init", "-input=false", "-no-color"]);
    let instance = "module.database.scaleway_rdb_instance.this";
    let target = format!("-target={instance}");
    let plan = |out: &str| -> serde_json::Value {
        tofu(&[
            "plan",
            "-refresh=false",
            "-input=false",
            "-no-color",
            &target,
            &format!("-out={out}"),
        ]);
        let plan: serde_json::Value =
            serde_json::from_slice(&tofu(&["show", "-no-color", "-json", out])).unwrap();
        plan["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == instance)
            .unwrap_or_else(|| panic!("no change for {instance} in {plan}"))["change"]
            .clone()
    };
    let created = plan("create.tfplan");
    let mut attributes = created_attributes(
        &created,
        &scaleway_resource_schemas(tc, &root)["scaleway_rdb_instance"]["block"],
        "fr-par/33333333-3333-3333-3333-333333333333",
    );
    let defaults: serde_json::Map<String, serde_json::Value> = POSTGRESQL_DEFAULT_SETTINGS
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    attributes.insert(
        "settings".into(),
        serde_json::Value::Object(defaults.clone()),
    );
    write_state(
        &root,
        "3f1c2a44-0000-4000-8000-000000000003",
        serde_json::json!([{
            "module": "module.database", "mode": "managed", "type": "scaleway_rdb_instance",
            "name": "this", "provider": SCALEWAY_IN_STATE,
            "instances": [{"schema_version": 0, "attributes": attributes, "private": "bnVsbA=="}]
        }]),
    );
    let second = plan("second.tfplan");
    assert_eq!(
        second["before"]["settings"],
        serde_json::Value::Object(defaults),
        "the state holds the defaults"
    );
    assert_eq!(
        second["after"]["settings"], second["before"]["settings"],
        "the second plan changes the engine settings: {second}"
    );
    scenario.passed();
}

/// Every container that connects to the database is created after the database and after its
/// user's privileges on it, as real OpenTofu orders the committed roots (`tofu graph -type=plan`,
/// a local backend in place of the S3 one). Without it, the first apply could start the API (and
/// its migrations) before the database it connects to exists.
#[test]
fn containers_that_use_the_database_wait_for_its_privileges() {
    let Some(tc) = toolchain() else { return };
    let (generated, modules) = (
        tree_key(&repo().join("generated")),
        tree_key(&repo().join("modules")),
    );
    let Some(scenario) = Scenario::start(
        tc,
        "containers_that_use_the_database_wait_for_its_privileges",
        &[generated.as_bytes(), modules.as_bytes()],
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("generated"), &dir.path().join("generated"));
    copy_tree(&repo().join("modules"), &dir.path().join("modules"));
    let mut checked = 0;
    for env in ["staging", "production"] {
        let root = dir.path().join("generated").join(env);
        let main = std::fs::read_to_string(root.join("main.tf")).unwrap();
        // The service modules that set database_url: `module "service_NAME" {` up to the next
        // top-level block.
        let users: Vec<String> = main
            .split("\nmodule \"")
            .skip(1)
            .filter(|block| block.contains("\n  database_url "))
            .filter_map(|block| block.split('"').next())
            .filter(|name| name.starts_with("service_"))
            .map(|name| format!("[root] module.{name}.scaleway_container.this (expand)"))
            .collect();
        assert!(!users.is_empty(), "{env}: no service sets database_url");
        std::fs::write(
            root.join("backend_override.tf"),
            "terraform {\n  backend \"local\" {}\n}\n",
        )
        .unwrap();
        let run = |args: &[&str]| {
            let out = Command::new(&tc.tofu)
                .args(args)
                .current_dir(&root)
                .env("TF_IN_AUTOMATION", "1")
                .env("TF_VAR_state_passphrase", "p".repeat(32))
                .envs(SCALEWAY_OFFLINE)
                .envs(tc.env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", describe(&args.join(" "), &out));
            String::from_utf8(out.stdout).unwrap()
        };
        run(&["init", "-input=false", "-no-color"]);
        let dot = run(&["graph", "-type=plan", "-no-color"]);
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for line in dot.lines() {
            let Some((from, to)) = line.trim().split_once(" -> ") else {
                continue;
            };
            edges
                .entry(from.trim_matches('"'))
                .or_default()
                .push(to.trim_matches('"'));
        }
        for container in &users {
            let mut seen = std::collections::BTreeSet::new();
            let mut stack = vec![container.as_str()];
            while let Some(node) = stack.pop() {
                for &next in edges.get(node).map(Vec::as_slice).unwrap_or_default() {
                    if seen.insert(next) {
                        stack.push(next);
                    }
                }
            }
            assert!(
                !seen.is_empty(),
                "{env}: {container} is not in the graph:\n{dot}"
            );
            for needed in [
                "[root] module.database.scaleway_rdb_database.app (expand)",
                "[root] module.database.scaleway_rdb_privilege.app (expand)",
            ] {
                assert!(
                    seen.contains(needed),
                    "{env}: {container} does not wait for {needed}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "{checked} containers checked");
    scenario.passed();
}
