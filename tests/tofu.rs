//! Real OpenTofu judges what tofugen emits and ships: `tofu fmt`, `tofu init -backend=false` +
//! `tofu validate` on every generated root (the committed tree, `generated/bootstrap` included,
//! and the tree of every valid fixture), `tofu validate` + `tofu test` on every module, and
//! `tofu test` on the generated roots' own test suites (which replay the workflows).
//!
//! The toolchain (OpenTofu and the providers, built from the Go module proxy) comes from
//! `.ci/toolchain`, which builds it on first use into a cache outside the repository (several
//! minutes, once) and answers in milliseconds afterwards. `TOFUGEN_TOFU=skip` skips these tests
//! explicitly (a skip is printed, never silent); CI never sets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

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

/// Copies `src` to `dst` recursively (regular files and directories only; `.terraform` and
/// lock files are left behind).
fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name == ".terraform.lock.hcl" {
            continue;
        }
        let ty = entry.file_type().unwrap();
        let to = dst.join(&name);
        if ty.is_dir() {
            copy_tree(&entry.path(), &to);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
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
/// the directory has a `tests/` suite.
fn prove(tc: &Toolchain, label: &str, dir: &Path, test: bool) -> Result<(), String> {
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
    Ok(())
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
    let failures = parallel(&modules, |dir| {
        prove(tc, &label(scratch.path(), dir), dir, true)
    });
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
    let failures = parallel(&roots, |dir| {
        prove(tc, &label(scratch.path(), dir), dir, true)
    });
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
        copy_tree(&repo().join("modules"), &dir.join("modules"));
        roots.extend(
            roots_under(&dir.join("generated"))
                .into_iter()
                .filter(|d| !d.ends_with("tests")),
        );
    }
    let failures = parallel(&roots, |dir| {
        prove(tc, &label(scratch.path(), dir), dir, false)
    });
    assert_no_failures("fixture-root proofs", failures);
}
