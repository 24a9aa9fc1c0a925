//! The command line, end to end: exit codes, output formats, explain/diff, generate/check.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tofugen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run tofugen")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Run from a subdirectory of the repository (`generated/production/`), a missing default
/// configuration names the one above and how to use it; nothing is read from there.
#[test]
fn a_configuration_above_is_named_not_used() {
    let (dir, _config) = repo();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let deep = dir.path().join("generated/production");
    fs::create_dir_all(&deep).unwrap();
    let out = tofugen(&deep, &["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("help: ../../environments.yaml exists: run tofugen from "),
        "{shown}"
    );
    assert!(
        shown.contains("or pass --config ../../environments.yaml"),
        "{shown}"
    );
    // The advice works.
    let out = tofugen(&deep, &["--config", "../../environments.yaml", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A tree generated from `--config infra/envs.yaml`, then checked without it (sweep 27, F2):
/// the missing default configuration's help named `tofugen init`, which refuses an existing
/// tree. It now names the configuration the manifest records, from wherever tofugen runs, and
/// the advice works.
#[test]
fn a_missing_configuration_names_the_one_the_manifest_records() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    fs::create_dir_all(dir.path().join("infra/deep")).unwrap();
    let out = tofugen(dir.path(), &["--config", "infra/envs.yaml", "init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for (cwd, path) in [
        ("", "infra/envs.yaml"),
        ("generated/staging", "../../infra/envs.yaml"),
        ("infra", "envs.yaml"),
        ("infra/deep", "../envs.yaml"),
    ] {
        let cwd = dir.path().join(cwd);
        let out = tofugen(&cwd, &["check"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let shown = text(&out);
        assert!(
            shown.contains(
                "help: generated/.tofugen-manifest.json says `infra/envs.yaml` generated this \
                 repository's tree: pass --config "
            ) && shown.contains(&format!("pass --config {path}\n")),
            "{}: {shown}",
            cwd.display()
        );
        let out = tofugen(&cwd, &["--config", path, "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    // Without a manifest naming an existing file, the help is the starter's.
    fs::rename(
        dir.path().join("infra/envs.yaml"),
        dir.path().join("infra/moved.yaml"),
    )
    .unwrap();
    let shown = text(&tofugen(dir.path(), &["check"]));
    assert!(shown.contains("help: run `tofugen init`"), "{shown}");
}

/// A configuration that resolves outside its repository, or into its `.git`, is not read: a
/// pull request replacing `environments.yaml` by a symlink to the runner's
/// `~/.docker/config.json` had its lines shown by every diagnostic (sweep 26, F3); the same
/// through a symlinked directory. A symlink to a file of the repository is read.
#[test]
fn a_configuration_resolving_outside_the_repository_is_not_read() {
    let (dir, config) = repo();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let docker = outside.path().join("config.json");
    let auth = "bm9sb2dpbjpzZWNyZXRrZXl2YWx1ZTEyMzQ1Njc4";
    fs::write(
        &docker,
        format!("{{\"auths\":{{\"rg\":{{\"auth\":\"{auth}\"}}}}}}\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join(".git/config"),
        format!("[x]\n\ttoken = {auth}\n"),
    )
    .unwrap();
    let link = |name: &str, to: &Path| {
        std::os::unix::fs::symlink(to, dir.path().join(name)).unwrap();
    };
    link("docker.yaml", &docker);
    link("git.yaml", Path::new(".git/config"));
    for (name, where_) in [
        ("docker.yaml", "outside"),
        ("git.yaml", "inside the `.git`"),
    ] {
        for format in ["human", "json"] {
            let out = tofugen(
                dir.path(),
                &["--config", name, "--format", format, "validate"],
            );
            assert_eq!(out.status.code(), Some(1), "{}", text(&out));
            let shown = text(&out);
            assert!(
                shown.contains(&format!("`{name}` resolves to ")) && shown.contains(where_),
                "{shown}"
            );
            assert!(!shown.contains(auth), "{shown}");
        }
    }
    // Nor through a symlinked directory leading out: the repository is the one holding the
    // link (found on the path as written), not whatever is above where it leads.
    link("infra", outside.path());
    let out = tofugen(dir.path(), &["--config", "infra/config.json", "validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("outside"), "{}", text(&out));
    assert!(!text(&out).contains(auth), "{}", text(&out));
    assert!(
        text(&out).contains("`infra/config.json` resolves to "),
        "{}",
        text(&out)
    );
    // A plain file outside, no symlink involved: no word of one (sweep 38, F6).
    let plain = outside.path().join("environments.yaml");
    fs::copy(&config, &plain).unwrap();
    let out = tofugen(
        dir.path(),
        &[
            "--config",
            plain.to_str().unwrap(),
            "--root",
            ".",
            "validate",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("is outside the repository")
            && text(&out).contains("move the configuration into the repository")
            && !text(&out).contains("symlink"),
        "{}",
        text(&out)
    );
    // A symlink within the repository is followed, as before.
    link("inside.yaml", &config);
    let out = tofugen(dir.path(), &["--config", "inside.yaml", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `tofugen runbook`: the runbooks the generated files name are printed by the binary, so
/// that a repository without tofugen's source reaches them (sweep 27, F8: the rollback
/// workflow named `docs/runbooks.md`, which the adopting repository does not have). Every
/// `tofugen runbook NAME` the committed configuration's workflows print exists.
#[test]
fn the_runbooks_the_workflows_name_are_printed_by_tofugen() {
    let (dir, _) = repo();
    let listing = tofugen(dir.path(), &["runbook"]);
    assert_eq!(listing.status.code(), Some(0), "{}", text(&listing));
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let bytes = fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap();
    let c = tofugen::pipeline::compile("environments.yaml", &bytes, true);
    let mut named = Vec::new();
    for (path, body) in c.files.iter().filter(|(p, _)| p.starts_with(".github/")) {
        for rest in body.split("tofugen runbook ").skip(1) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            named.push((path.clone(), name));
        }
    }
    assert!(named.len() >= 2, "{named:?}");
    for (path, name) in &named {
        assert!(
            listing.contains(&format!("  {name} ")),
            "{path}: {name}: {listing}"
        );
        let o = tofugen(dir.path(), &["runbook", name]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).starts_with(&format!("## {name}\n")),
            "{}",
            text(&o)
        );
    }
    let all = tofugen(dir.path(), &["runbook", "--all"]);
    assert_eq!(
        all.stdout,
        fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/runbooks.md")).unwrap()
    );
    let o = tofugen(dir.path(), &["runbook", "container-eror"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("did you mean `container-error`?"),
        "{}",
        text(&o)
    );
    // At most 64 characters of an unknown name come back (sweep 28, W4).
    let long = "x".repeat(100_000);
    let o = tofugen(dir.path(), &["runbook", &long]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(o.stderr.len() < 300, "{}", text(&o));
}

/// `ci.tofugen.install: source` outside tofugen's repository is refused at the setting, by
/// `validate`, `generate` and `check` (sweep 27, F7: a plain infrastructure repository passed,
/// and every generated workflow would fail at `cargo build --locked --bin tofugen`).
#[test]
fn building_tofugen_from_a_repository_without_its_sources_is_refused() {
    let (dir, config) = repo();
    let text_of = fs::read_to_string(&config).unwrap();
    let anchor = "tofugen: { install: source }";
    let at = text_of
        .find(anchor)
        .expect("the committed config builds from source");
    let position = format!(
        "environments.yaml:{}:{}",
        text_of[..at].matches('\n').count() + 1,
        at - text_of[..at].rfind('\n').map_or(0, |n| n + 1) + anchor.find("source").unwrap() + 1
    );
    let expect = |what: &str| {
        for command in ["validate", "generate", "check"] {
            let o = tofugen(dir.path(), &[command]);
            let out = text(&o);
            assert_eq!(o.status.code(), Some(1), "{command}: {out}");
            assert!(
                out.contains("error[tofugen-source]")
                    && out.contains(what)
                    && out.contains(&position),
                "{command}: {out}"
            );
        }
        assert!(!dir.path().join("generated").exists());
    };
    fs::remove_file(dir.path().join("Cargo.toml")).unwrap();
    expect("which has no `Cargo.toml`");
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"infra\"\n",
    )
    .unwrap();
    expect("of another package than `tofugen`");
    // A binary or a dependency named tofugen is not the package (sweep 28, W2).
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"evil\"\n[[bin]]\nname = \"tofugen\"\n[dependencies.x]\nname = \"tofugen\"\n",
    )
    .unwrap();
    expect("of another package than `tofugen`");
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"tofugen\" # this one\n",
    )
    .unwrap();
    fs::remove_file(dir.path().join("Cargo.lock")).unwrap();
    expect("has no `Cargo.lock`");
    fs::write(dir.path().join("Cargo.lock"), "").unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// A file name holding a line break cannot print a line of its own: a committed
/// `generated/staging/a\n::error title=x::…` printed a GitHub workflow command into the
/// `check` and `affected` job logs (sweep 28, F3). `check`, `generate`'s summary and
/// `affected`'s reasons show it on one line, escaped.
#[test]
fn a_file_name_with_a_line_break_prints_no_line_of_its_own() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let name = "a\n::error title=tofugen::forged\n.txt";
    fs::write(dir.path().join("generated/staging").join(name), "x").unwrap();
    let forged = |out: &str| out.lines().any(|l| l.trim_start().starts_with("::"));
    let o = tofugen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(!forged(&text(&o)), "{}", text(&o));
    assert!(
        text(&o).contains("a\\u{a}::error title=tofugen::forged\\u{a}.txt"),
        "{}",
        text(&o)
    );
    let o = tofugen(dir.path(), &["generate"]);
    assert!(!forged(&text(&o)), "{}", text(&o));
    assert!(text(&o).contains("left in place"), "{}", text(&o));
    fs::remove_file(dir.path().join("generated/staging").join(name)).unwrap();
    // `affected`, given the path as git quotes it.
    fs::copy(
        dir.path().join("environments.yaml"),
        dir.path().join("base.yaml"),
    )
    .unwrap();
    fs::write(
        dir.path().join("changed.txt"),
        "\"generated/staging/a\\n::error title=tofugen::forged\\n.txt\"\n",
    )
    .unwrap();
    let o = tofugen(
        dir.path(),
        &["affected", "base.yaml", "--changed-paths", "changed.txt"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!forged(&text(&o)), "{}", text(&o));
    assert!(
        text(&o).contains("the pull request changes generated/staging/a\\u{a}::error"),
        "{}",
        text(&o)
    );
}

/// A tree over the output cap: the configuration's warnings and the refusal are one report with
/// one summary line (sweep 29, F8: "0 error(s), 1 warning(s)", then the refusal and "1
/// error(s), 0 warning(s)").
#[test]
fn generate_over_the_cap_prints_one_report() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("environments.yaml"),
        tofugen::synthetic::config(40, 4),
    )
    .unwrap();
    let o = tofugen(dir.path(), &["generate", "--max-output-mib", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let shown = text(&o);
    let summaries: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains(" error(s), ") && l.ends_with("warning(s)"))
        .collect();
    assert_eq!(summaries.len(), 1, "{shown}");
    // The configuration's warnings are in the report (what printed a summary of their own).
    assert!(
        summaries[0].starts_with("1 error(s), ") && !summaries[0].starts_with("1 error(s), 0 "),
        "{shown}"
    );
    assert!(
        shown.contains("error[too-large]: refusing to write"),
        "{shown}"
    );
    assert!(!dir.path().join("generated").exists());
}

/// Sweep 57, H3-6: a generated workflow over GitHub's 500 KB (the deploy workflow of 120
/// services) is a warning of `generate` and `check`, at the `environments:` key, naming the
/// file and its size; the files are written and `check` passes. `validate` renders nothing and
/// says nothing of it (README, "Workflow size"); a smaller configuration gets no warning.
#[test]
fn a_workflow_over_githubs_limit_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let config = tofugen::synthetic::config(120, 2);
    fs::write(dir.path().join("environments.yaml"), &config).unwrap();
    let line = 1 + config.lines().position(|l| l == "environments:").unwrap();
    for command in ["generate", "check"] {
        let o = tofugen(dir.path(), &[command]);
        let shown = text(&o);
        assert_eq!(o.status.code(), Some(0), "{command}: {shown}");
        let deploy = fs::read(dir.path().join(".github/workflows/tofugen-deploy.yml")).unwrap();
        assert!(deploy.len() > 500_000, "{}", deploy.len());
        let warning = format!(
            "warning[workflow-too-large]: `.github/workflows/tofugen-deploy.yml` is {} bytes, over GitHub's limit of 500 KB",
            deploy.len()
        );
        assert!(shown.contains(&warning), "{command}: {shown}");
        assert!(
            shown.contains(&format!("environments.yaml:{line}:1")),
            "{command}: {shown}"
        );
        // The other workflows are under the limit.
        assert_eq!(shown.matches("workflow-too-large").count(), 1, "{shown}");
        // One report: the configuration's warnings and this one under one summary line
        // (review of stop 57, R7: `check` printed two).
        assert_eq!(
            shown.matches(" error(s), ").count(),
            1,
            "{command}: {shown}"
        );
    }
    let o = tofugen(dir.path(), &["check", "--format", "json"]);
    assert!(text(&o).contains("\"workflow-too-large\""), "{}", text(&o));
    let o = tofugen(dir.path(), &["validate"]);
    assert!(!text(&o).contains("workflow-too-large"), "{}", text(&o));
    let small = tempfile::tempdir().unwrap();
    fs::create_dir(small.path().join(".git")).unwrap();
    fs::write(
        small.path().join("environments.yaml"),
        tofugen::synthetic::config(20, 2),
    )
    .unwrap();
    let o = tofugen(small.path(), &["generate"]);
    assert!(!text(&o).contains("workflow-too-large"), "{}", text(&o));
}

/// A rule's suggestion derived from a secret (sweep 19, F1): TG020 offered the lowercase of an
/// access key as a valid name, which gives the key back. No form of it is printed, in any
/// format.
#[test]
fn a_name_suggested_from_a_secret_is_redacted() {
    let (dir, config) = repo();
    let text_before = fs::read_to_string(&config).unwrap();
    let edited = text_before
        .replacen("    name: evalap\n", "    name: AKIAIOSFODNN7EXAMPLE\n", 1)
        .replacen("    user: evalap\n", "    user: SCWABCDEFGHIJKLMNOPQ\n", 1);
    assert_ne!(edited, text_before);
    fs::write(&config, edited).unwrap();
    for format in ["human", "json", "github"] {
        let out = tofugen(dir.path(), &["--format", format, "validate"]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", text(&out));
        let shown = text(&out).to_ascii_lowercase();
        assert!(shown.contains("tg020"), "{format}: {shown}");
        for key in [
            "akiaiosfodnn7example",
            "scwabcdefghijklmnopq",
            "akiaiosfodnn",
            "scwabcdefghi",
        ] {
            assert!(!shown.contains(key), "{format} shows {key}: {shown}");
        }
    }
    // Sweep 34: a UUID as the user came back in TG020's fix with `_` for `-` (F1), and an
    // access key as `modules.path` in the `modules-path` error, added after the compilation
    // (F2).
    let edited = text_before
        .replacen(
            "    user: evalap\n",
            "    user: 3f1c2b7e-9a4d-4e5f-8b6a-1c2d3e4f5a6b\n",
            1,
        )
        .replacen(
            "modules: { path: modules }",
            "modules: { path: SCW1A2B3C4D5E6F7G8H9 }",
            1,
        );
    assert_eq!(
        edited.matches("3f1c2b7e").count() + edited.matches("SCW1A2B3").count(),
        2
    );
    fs::write(&config, edited).unwrap();
    for format in ["human", "json", "github"] {
        let out = tofugen(dir.path(), &["--format", format, "validate"]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", text(&out));
        let shown = text(&out).to_ascii_lowercase();
        assert!(
            shown.contains("tg020") && shown.contains("modules-path"),
            "{format}: {shown}"
        );
        for key in ["3f1c2b7e", "scw1a2b3c4d5"] {
            assert!(!shown.contains(key), "{format} shows {key}: {shown}");
        }
    }
    // Sweep 36: the line of a diagnostic added after the compilation was not masked (F4: a
    // token in the comment of the `modules:` line); a value flagged for its place that is also
    // an environment's name (`--password production`) took that name out of every message (F5).
    let edited = text_before
        .replacen(
            "modules: { path: modules }",
            "modules: { path: nope }  # ghp_R8xK2pQ7mZ4vN9wL3tY6bH1cJ5dF0gS8aE2u",
            1,
        )
        .replacen(
            "command: [supervisord, -c, /app/supervisord.conf]",
            "command: [supervisord, --password, production]",
            1,
        )
        .replacen("scale: { min: 2, max: 4 }", "scale: { min: 1, max: 4 }", 1);
    assert_eq!(
        edited.matches("ghp_R8x").count()
            + edited.matches("--password, production").count()
            + edited.matches("min: 1, max: 4").count(),
        3
    );
    fs::write(&config, edited).unwrap();
    for format in ["human", "json", "github"] {
        let out = tofugen(dir.path(), &["--format", format, "validate"]);
        let shown = text(&out);
        assert!(
            shown.contains("modules-path") && !shown.contains("ghp_R8x"),
            "{format}: {shown}"
        );
        assert!(
            shown.contains("in production environment `production`"),
            "{format}: {shown}"
        );
    }
}

/// Two configurations in one repository: the tree records the one that generated it, and
/// `generate` from the other is refused, writing nothing, until `--force` (it replaced the
/// first one's tree, its environments' roots removed).
#[test]
fn a_tree_generated_from_another_configuration_is_refused_until_force() {
    let (dir, config) = repo();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::copy(&config, dir.path().join("other.yaml")).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    let manifest_path = dir.path().join("generated/.tofugen-manifest.json");
    let manifest = fs::read_to_string(&manifest_path).unwrap();
    assert!(
        manifest.contains("\"config\": \"environments.yaml\""),
        "{manifest}"
    );
    let o = tofugen(dir.path(), &["--config", "other.yaml", "generate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("says `environments.yaml` generated this tree, not `other.yaml`"),
        "{}",
        text(&o)
    );
    // The switch it suggests names the configuration to switch to (sweep 27, F3: it said
    // `tofugen generate --force`, which regenerates from `environments.yaml`).
    assert!(
        text(&o).contains("or `tofugen --config other.yaml generate --force` to switch"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_to_string(&manifest_path).unwrap(), manifest);
    // `check` with the other configuration: the manifest is what differs, and `check` says
    // first that `generate` refuses, and its last line gives the fix `generate` would give.
    let o = tofugen(dir.path(), &["--config", "other.yaml", "check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let shown = text(&o);
    assert!(
        shown.starts_with(
            "generated/.tofugen-manifest.json: says `environments.yaml` generated this tree, \
             not `other.yaml`"
        ),
        "{shown}"
    );
    assert!(
        shown
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with(
                "`tofugen generate` refuses this tree as it is (generated/.tofugen-manifest.json \
             above): run `tofugen --config environments.yaml generate`, or"
            )),
        "{shown}"
    );
    let o = tofugen(
        dir.path(),
        &["--config", "other.yaml", "--format", "json", "check"],
    );
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let refused: Vec<_> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "generate-refused")
        .collect();
    assert_eq!(refused.len(), 1, "{found:#}");
    assert!(
        refused[0]["help"]
            .as_str()
            .unwrap()
            .starts_with("run `tofugen --config environments.yaml generate`"),
        "{found:#}"
    );
    let o = tofugen(
        dir.path(),
        &["--config", "other.yaml", "generate", "--force"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        fs::read_to_string(&manifest_path)
            .unwrap()
            .contains("\"config\": \"other.yaml\""),
    );
    let o = tofugen(dir.path(), &["--config", "other.yaml", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// A temporary repository holding a copy of the committed environments.yaml.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("environments.yaml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml"),
        &config,
    )
    .unwrap();
    // The generated roots call the repository's modules (a copy: `modules.path` refuses a
    // symlink); `check` proves the calls against them. The configuration builds tofugen from
    // the repository's sources (`install: source`), which `generate` and `check` look for: its
    // Cargo.toml and Cargo.lock.
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&repository.join("modules"), &dir.path().join("modules"));
    for name in ["Cargo.toml", "Cargo.lock"] {
        std::os::unix::fs::symlink(repository.join(name), dir.path().join(name)).unwrap();
    }
    (dir, config)
}

#[test]
fn validate_accepts_the_committed_config() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn invalid_config_exits_1_with_position_and_suggestion() {
    let (dir, config) = repo();
    let original = std::fs::read_to_string(&config).unwrap();
    let anchor = "      scale: { min: 1, max: 1, concurrent_requests: 40 }";
    assert!(
        original.contains(anchor),
        "the committed config changed: update this test"
    );
    let line = original[..original.find(anchor).unwrap()].lines().count() + 1;
    let yaml = original.replacen(
        anchor,
        "      scale: { mni: 1, max: 1, concurrent_requests: 40 }",
        1,
    );
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("environments.yaml:{line}:")), "{out}");
    assert!(out.contains("did you mean `min`?"), "{out}");

    let o = tofugen(dir.path(), &["validate", "--format", "github"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(&format!("::error file=environments.yaml,line={line},col=")),
        "{out}"
    );

    let o = tofugen(dir.path(), &["validate", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json diagnostics");
    assert_eq!(json[0]["span"]["line"], line);
}

#[test]
fn usage_errors_exit_2() {
    let (dir, _) = repo();
    assert_eq!(tofugen(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let o = tofugen(dir.path(), &["explain", "prod"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("did you mean `production`?"),
        "{}",
        text(&o)
    );
    let o = tofugen(dir.path(), &["explain", "production", "apii"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("did you mean `api`?"), "{}", text(&o));
}

#[test]
fn explain_shows_values_with_origins() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["explain", "production", "api"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("services.api.scale.min: 2 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("environments.yaml:") && line.ends_with("(environment)"),
        "{line}"
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("services.api.sandbox: v2 "))
        .unwrap();
    assert!(line.ends_with("# built-in default"), "{line}");
    assert!(
        !out.contains("services.ui."),
        "only the api service is shown"
    );
}

#[test]
fn diff_lists_effective_differences() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["diff", "staging", "production"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("services.api.scale.min: 1 → 2\n"), "{out}");
    assert!(out.contains("database.ha: false → true\n"), "{out}");
    assert!(
        !out.contains("services.api.port"),
        "equal values are not listed"
    );
}

#[test]
fn generate_then_check_then_detect_staleness() {
    let (dir, config) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = tofugen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A change to the configuration makes the committed tree stale.
    let yaml = std::fs::read_to_string(&config).unwrap().replacen(
        "scale: { min: 2, max: 4 }",
        "scale: { min: 3, max: 4 }",
        1,
    );
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("generated/production/"), "{out}");
}

/// Sweep 58a, M1: a change that reaches the bootstrap root (a new operator secret, created
/// empty there) says, in `generate`'s summary, that a person applies it again: CI never does,
/// and the next plan failed inside the provider without a word. A change elsewhere says nothing.
#[test]
fn generate_says_when_the_bootstrap_root_changed() {
    let (dir, config) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let notice =
        "generated/bootstrap/ changed: once merged, a person applies it before the next deploy";
    assert!(
        text(&o).contains(notice),
        "the first generate writes it:\n{}",
        text(&o)
    );
    // A change to one environment only.
    let yaml = fs::read_to_string(&config).unwrap().replacen(
        "scale: { min: 2, max: 4 }",
        "scale: { min: 3, max: 4 }",
        1,
    );
    fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("bootstrap"), "{}", text(&o));
    // A new operator secret is created (empty) by the bootstrap root.
    let yaml = fs::read_to_string(&config).unwrap().replacen(
        "        - ALBERT_API_KEY\n",
        "        - ALBERT_API_KEY\n        - SENTRY_DSN\n",
        1,
    );
    let yaml = yaml.replacen(
        "\n  secrets:\n    # SQLAlchemy",
        "\n  secrets:\n    SENTRY_DSN: { source: operator, description: error reports }\n    # SQLAlchemy",
        1,
    );
    fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(notice), "{}", text(&o));
}

/// A configuration path `generate` refuses (a newline, a space) is refused by `validate`,
/// `explain` and `diff` too, with the same message, the newline escaped: `validate` in a
/// pre-commit hook passed a file `generate` then refused (sweep 45, #5); its success line had
/// printed the newline raw before.
#[test]
fn every_command_refuses_a_configuration_path_generate_refuses() {
    let (dir, config) = repo();
    for name in ["env\nfake: line.yaml", "cfg with space.yaml"] {
        let odd = dir.path().join(name);
        std::fs::copy(&config, &odd).unwrap();
        let path = odd.to_str().unwrap();
        let generate = tofugen(dir.path(), &["--config", path, "generate"]);
        assert_eq!(generate.status.code(), Some(2), "{}", text(&generate));
        for args in [
            vec!["validate"],
            vec!["explain", "staging"],
            vec!["diff", "staging", "production"],
        ] {
            let o = tofugen(dir.path(), &[&["--config", path][..], &args[..]].concat());
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{name:?} {args:?}: {}", text(&o));
            assert_eq!(
                stderr,
                String::from_utf8_lossy(&generate.stderr),
                "{args:?}"
            );
            assert!(
                stderr.lines().count() == 1 && stderr.contains("must be made of letters"),
                "{stderr:?}"
            );
        }
    }
}

/// A secret pasted into a generated file by hand is not printed by `check`'s diff, in any
/// format (it printed a `ghp_` token and a Scaleway secret key verbatim into CI logs); the rest
/// of the diff, commit SHAs included, is shown.
#[test]
fn check_diffs_do_not_echo_secrets_from_hand_edits() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let main = dir.path().join("generated/staging/main.tf");
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB";
    let key = "11111111-2222-3333-4444-555555555555";
    let edited = std::fs::read_to_string(&main).unwrap().replacen(
        "\n",
        &format!(
            "\n# SCW_SECRET_KEY={key} {token} pinned@0123456789abcdef0123456789abcdef01234567\n"
        ),
        1,
    );
    std::fs::write(&main, edited).unwrap();
    for format in ["human", "json", "github"] {
        let o = tofugen(dir.path(), &["--format", format, "check"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(3), "{format}: {out}");
        assert!(
            !out.contains(token) && !out.contains(key),
            "{format}: {out}"
        );
        if format == "human" {
            assert!(
                out.contains("[redacted]")
                    && out.contains("pinned@0123456789abcdef0123456789abcdef01234567"),
                "{out}"
            );
        }
    }
}

/// A refusal of the writer reaches the machine formats: `generate --format json` printed `[]`
/// when it refused to overwrite a file edited by hand, and `check` when a symlink led out of
/// the root, so a tool reading the document saw no problem.
#[test]
fn writer_refusals_are_in_the_machine_formats() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let main = dir.path().join("generated/staging/main.tf");
    let edited = std::fs::read_to_string(&main).unwrap() + "# mine\n";
    std::fs::write(&main, edited).unwrap();
    std::fs::write(
        dir.path().join("environments.yaml"),
        std::fs::read_to_string(dir.path().join("environments.yaml"))
            .unwrap()
            .replacen("scale: { min: 2, max: 4 }", "scale: { min: 3, max: 4 }", 1),
    )
    .unwrap();
    let o = tofugen(dir.path(), &["--format", "json", "generate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let found = doc
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "write")
        .unwrap_or_else(|| panic!("no refusal in {doc}"));
    assert!(
        found["message"]
            .as_str()
            .unwrap()
            .contains("generated/staging/main.tf"),
        "{found}"
    );
    let o = tofugen(dir.path(), &["--format", "github", "generate"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("::error"),
        "{}",
        text(&o)
    );
    // `check` facing a symlink that leads out of the root.
    let outside = tempfile::tempdir().unwrap();
    std::fs::remove_dir_all(dir.path().join("generated/production")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("generated/production")).unwrap();
    let o = tofugen(dir.path(), &["--format", "json", "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(
        doc.as_array().unwrap().iter().any(|d| d["code"] == "write"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("generated/production")),
        "{doc}"
    );
}

/// `init` leaves nothing half done: when its `generate` fails (here `.github` is a file), the
/// configuration and `.gitignore` it created go again, so that a second `init` runs once the
/// obstruction is gone (it refused, the configuration being there).
#[test]
fn init_that_cannot_generate_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".github"), "not a directory\n").unwrap();
    let o = tofugen(dir.path(), &["init", "--project", "shop"]);
    let out = text(&o);
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(".github") && out.contains("removed"), "{out}");
    for gone in ["environments.yaml", ".gitignore", "generated"] {
        assert!(!dir.path().join(gone).exists(), "{gone} left: {out}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".github")).unwrap(),
        "not a directory\n"
    );
    std::fs::remove_file(dir.path().join(".github")).unwrap();
    let o = tofugen(dir.path(), &["init", "--project", "shop"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(dir.path().join("generated/staging/main.tf").exists());
}

/// A configuration kept among the files tofugen writes is refused before anything is written:
/// `generate --force` used to overwrite it with generated output.
#[test]
fn a_configuration_in_the_output_set_is_never_overwritten() {
    let (dir, config) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let inside = dir.path().join("generated/staging/main.tf");
    fs::rename(&config, &inside).unwrap();
    let before = fs::read(&inside).unwrap();
    for args in [&["generate", "--force"][..], &["check"][..]] {
        let mut all = vec!["--root", ".", "--config", "generated/staging/main.tf"];
        all.extend_from_slice(args);
        let o = tofugen(dir.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("among the files tofugen writes"),
            "{}",
            text(&o)
        );
        assert_eq!(fs::read(&inside).unwrap(), before, "{args:?}");
    }
}

/// `check` proves the generated roots against the modules they call, one environment at a
/// time on a second thread: a module that lost a variable the roots set is a finding in every
/// root that calls it, shown with its line of generated HCL (kept from the batch that held it),
/// and `check` exits 1 even though the tree is up to date.
#[test]
fn check_shows_findings_in_the_generated_hcl_with_their_lines() {
    let (dir, _) = repo();
    let modules = dir.path().join("modules");
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Drop `variable "namespace_id" { ... }` from the service module.
    let vars = modules.join("service/variables.tf");
    let hcl = fs::read_to_string(&vars).unwrap();
    let start = hcl.find("variable \"namespace_id\" {").unwrap();
    let end = start + hcl[start..].find("\n}\n").unwrap() + 3;
    fs::write(&vars, format!("{}{}", &hcl[..start], &hcl[end..])).unwrap();
    let o = tofugen(dir.path(), &["check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("finding(s) above say it would not work"),
        "{out}"
    );
    for env in ["staging", "production"] {
        let main = fs::read_to_string(dir.path().join(format!("generated/{env}/main.tf"))).unwrap();
        let (line, text_line) = main
            .lines()
            .enumerate()
            .find(|(_, l)| {
                l.trim_start().starts_with("namespace_id") && l.contains("module.containers")
            })
            .unwrap_or_else(|| panic!("{env}: no namespace_id argument in main.tf"));
        assert!(
            out.contains(&format!("generated/{env}/main.tf:{}:", line + 1)),
            "{env}: {out}"
        );
        assert!(
            out.contains(text_line.trim()),
            "{env}: the line is shown: {out}"
        );
    }
}

/// A small file can ask for a huge tree: 1 248 environments chained with `extends` (about
/// 110 KB; the most a configuration may declare) would generate over 10 000 files. The files
/// are counted without rendering any (`emit::file_count`): `validate` reports it at the
/// `environments:` key, and `generate` and `check` refuse at once, writing nothing. With more
/// environments than that, each command refuses right after reading the file, writing nothing.
#[test]
fn a_tree_over_the_file_cap_is_refused_before_anything_is_emitted() {
    let chain = |n: usize| {
        let mut yaml = String::from(
            "project: chain\nversions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }\n\
             defaults:\n  region: fr-par\n  services:\n    web: { image: web, port: 8000, privacy: public, probes: { startup: { path: /h }, liveness: { path: /h } } }\n\
             \x20 alerts: { contacts: [ops@example.org] }\nenvironments:\n  env0: { tier: staging }\n",
        );
        for i in 1..n {
            yaml.push_str(&format!(
                "  env{i}: {{ extends: env{}, tier: staging, promote_from: env0 }}\n",
                i - 1
            ));
        }
        yaml
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("environments.yaml"), chain(1_300)).unwrap();
    for cmd in ["validate", "generate", "check"] {
        let o = tofugen(dir.path(), &[cmd]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {out}");
        assert!(
            out.contains("error[too-large]: 1300 environments, over the limit of 1248")
                && out.contains("environments.yaml:1257:3")
                && out.contains("1 error(s), 0 warning(s)"),
            "{cmd}: {out}"
        );
    }
    std::fs::write(dir.path().join("environments.yaml"), chain(1_248)).unwrap();
    // With the default output cap, the chain is refused before merging (it would merge into
    // over 655 360 values); raised, it passes that and meets the file cap.
    let o = tofugen(dir.path(), &["validate"]);
    assert!(
        o.status.code() == Some(1) && text(&o).contains("would merge into more than 655360"),
        "{}",
        text(&o)
    );
    let raised = ["--max-output-mib", "1024"];
    for cmd in ["validate", "generate", "check"] {
        let started = std::time::Instant::now();
        let o = tofugen(dir.path(), &[cmd, raised[0], raised[1]]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {out}");
        assert!(
            out.contains("error[too-large]: the configuration would generate 1")
                && out.contains("over the limit of 10000 files")
                && out.contains("environments.yaml:8:1"),
            "{cmd}: {out}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{cmd}"
        );
    }
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".git", "environments.yaml"]);
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let o = tofugen(Path::new(env!("CARGO_MANIFEST_DIR")), &["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/environments.schema.json"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), committed);
}

/// `tofugen rules`: the table, one rule by code or name, either as Markdown with `--markdown`
/// before or after it (refused before stop 39, though the README shows both), a retired code,
/// and an unknown one (exit 2, with the nearest name).
#[test]
fn rules_lists_and_describes_in_text_and_markdown() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ok = |args: &[&str]| {
        let o = tofugen(here, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    assert!(ok(&["rules"]).contains("TG012  plaintext-secret"));
    assert!(ok(&["rules", "--markdown"]).starts_with("| code | name | level | rule | why |\n"));
    let one = ok(&["rules", "plaintext-secret"]);
    assert!(one.starts_with("TG012 plaintext-secret: "), "{one}");
    for args in [
        &["rules", "TG012", "--markdown"][..],
        &["rules", "--markdown", "plaintext-secret"],
        &["rules", "--markdown", "tg012"],
    ] {
        let md = ok(args);
        assert!(
            md.starts_with("### TG012 `plaintext-secret`\n"),
            "{args:?}: {md}"
        );
        assert!(md.contains("```yaml\ndefaults:\n"), "{md}");
    }
    assert!(ok(&["rules", "TG021"]).contains("retired"));
    let unknown = tofugen(here, &["rules", "plaintext-secrets", "--markdown"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown).contains("did you mean `plaintext-secret`?"),
        "{}",
        text(&unknown)
    );
}

#[test]
fn schema_and_policy_errors_are_reported_in_one_run() {
    let (dir, config) = repo();
    let yaml = std::fs::read_to_string(&config)
        .unwrap()
        .replacen("memory: 2GB", "memory: 2GiB", 1)
        .replace("${services.api.url}", "${services.apii.url}");
    std::fs::write(&config, yaml).unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[schema]"), "{out}");
    assert!(out.contains("error[TG013]"), "{out}");
    assert!(out.contains("did you mean `${services.api.url}`?"), "{out}");
}

/// Like [`tofugen`], but kills the run (and fails) if it has not finished within 10 s.
fn tofugen_within_10s(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run tofugen");
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() >= 10 {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("tofugen {args:?} blocked for 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Runs tofugen in `dir` with `stdin`/`stdout` given; returns its exit status and stderr.
fn run_with_stdout(
    dir: &Path,
    args: &[&str],
    stdout: std::process::Stdio,
) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run tofugen");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `tofugen … | head -c 10`: output to a pipe whose reader is gone (closed before the run, or
/// after reading 10 bytes) ends quietly: no panic message, no exit 101, no signal. 40 runs.
#[test]
fn output_to_a_closed_pipe_never_panics() {
    let (dir, _) = repo();
    let commands: &[&[&str]] = &[
        &["completions", "bash"],
        &["completions", "zsh"],
        &["schema"],
        &["rules"],
        &["explain", "production"],
        &["diff", "staging", "production"],
        &["validate", "--format", "json"],
        &["--help"],
        &["--version"],
    ];
    for i in 0..40 {
        let args = commands[i % commands.len()];
        let (reader, writer) = std::io::pipe().unwrap();
        let closed_early = i % 2 == 0;
        let reader = if closed_early {
            drop(reader);
            None
        } else {
            Some(std::thread::spawn(move || {
                let mut buf = [0u8; 10];
                let _ = std::io::Read::read_exact(&mut { reader }, &mut buf);
            }))
        };
        let (code, stderr) = run_with_stdout(dir.path(), args, writer.into());
        if let Some(r) = reader {
            r.join().unwrap();
        }
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            code.is_some_and(|c| c != 101),
            "{args:?} (closed early: {closed_early}): exit {code:?}\n{stderr}"
        );
    }
}

/// `--config` naming a FIFO, a directory or a device: a clear error naming the file, at once
/// (no blocking on the FIFO, no endless read of /dev/zero).
#[test]
fn a_config_that_is_not_a_regular_file_is_refused() {
    let (dir, _) = repo();
    let fifo = dir.path().join("fifo.yaml");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    fs::create_dir(dir.path().join("dir.yaml")).unwrap();
    let cases = [
        (
            "fifo.yaml",
            "fifo.yaml: error[io]: fifo.yaml is a FIFO (named pipe), not a regular file",
        ),
        (
            "dir.yaml",
            "dir.yaml: error[io]: dir.yaml is a directory, not a regular file",
        ),
        (
            "/dev/zero",
            "/dev/zero: error[io]: /dev/zero is a device, not a regular file",
        ),
    ];
    for (config, expected) in cases {
        for command in ["validate", "check", "generate"] {
            let o = tofugen_within_10s(dir.path(), &[command, "--config", config]);
            let out = text(&o);
            assert_eq!(o.status.code(), Some(1), "{out}");
            assert!(out.starts_with(expected), "{command} {config}: {out}");
            assert!(out.contains("help: pass a regular file"), "{out}");
        }
    }
}

/// A configuration path that cannot be read gets advice for the cause: a symbolic link that
/// points back at itself is named as such, not answered with "pass --config PATH" (sweep 58c,
/// F6). (Permission denied cannot be produced here: the tests run as root.)
#[test]
fn a_symlink_loop_as_config_is_named() {
    let (dir, _) = repo();
    std::os::unix::fs::symlink("loop.yaml", dir.path().join("loop.yaml")).unwrap();
    let o = tofugen_within_10s(dir.path(), &["validate", "--config", "loop.yaml"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[io]: cannot read loop.yaml"), "{out}");
    assert!(
        out.contains("help: a symbolic link on the path points back at itself, or the path goes through too many links (ELOOP)"),
        "{out}"
    );
}

/// Configuration values in diagnostics reach the terminal escaped, in every format: a value
/// with an escape sequence, a bell, a carriage return and a bidi override, and the same bytes
/// raw in the file.
#[test]
fn diagnostics_escape_terminal_controls_in_every_format() {
    let (dir, config) = repo();
    let yaml = fs::read_to_string(&config).unwrap().replacen(
        "      port: 8000\n",
        "      port: 8000\n      \"x\\e]0;pwned\\a\\r\\u202e\": 1\n",
        1,
    );
    assert_ne!(yaml, fs::read_to_string(&config).unwrap());
    fs::write(&config, &yaml).unwrap();
    let raw = dir.path().join("raw.yaml");
    fs::write(&raw, "project: \"a\u{1b}[2Jb\u{7}\"\nversions: {}\n").unwrap();
    let controls = |s: &str| {
        s.chars()
            .filter(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c))
            .collect::<String>()
    };
    for file in ["environments.yaml", "raw.yaml"] {
        for format in ["human", "github", "json"] {
            let o = tofugen(
                dir.path(),
                &["validate", "--config", file, "--format", format],
            );
            let out = text(&o);
            assert_eq!(o.status.code(), Some(1), "{file} {format}: {out}");
            assert_eq!(controls(&out), "", "{file} {format}: {out:?}");
        }
        let o = tofugen(dir.path(), &["validate", "--config", file]);
        assert!(text(&o).contains("\\u{1b}"), "{file}: {}", text(&o));
    }
}

/// `affected` against a base with the same bytes uses the head's compilation (nothing
/// affected); a changed base, an empty one and a missing one still give their answers; and the
/// output cap flag is checked.
#[test]
fn affected_compares_with_the_base_file() {
    let (dir, config) = repo();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::copy(&config, dir.path().join("base.yaml")).unwrap();
    let o = tofugen(dir.path(), &["affected", "base.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "[]\n");
    let changed = fs::read_to_string(&config)
        .unwrap()
        .replace("scaleway_provider: 2.81.0", "scaleway_provider: 2.82.0");
    fs::write(dir.path().join("base.yaml"), changed).unwrap();
    let o = tofugen(dir.path(), &["affected", "base.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("generated files differ"), "{}", text(&o));
    for base in ["empty.yaml", "missing.yaml"] {
        if base == "empty.yaml" {
            fs::write(dir.path().join(base), "").unwrap();
        }
        let o = tofugen(dir.path(), &["affected", base]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("\"staging\""),
            "{base}: {}",
            text(&o)
        );
    }
    // A base with an environment the head lacks: a warning names it (no plan can show it).
    let base = fs::read_to_string(&config).unwrap().replace(
        "environments:\n",
        "environments:\n  qa: { promote_from: staging }\n",
    );
    fs::write(dir.path().join("base.yaml"), base).unwrap();
    let o = tofugen(dir.path(), &["affected", "base.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "warning[environment-removed]: environment `qa` is removed: no plan shows it, and its Scaleway resources stay"
        ) && String::from_utf8_lossy(&o.stderr).contains("tofugen runbook environment-retire"),
        "{}",
        text(&o)
    );
    // A head that moves staging's state and takes production out of the production tier:
    // a warning each (sweep 34, F4, F5: no plan shows either as a danger). The base is the
    // committed configuration; the head is what the pull request makes of it.
    let original = fs::read_to_string(&config).unwrap();
    fs::write(dir.path().join("base.yaml"), &original).unwrap();
    // `affected base.yaml` with `head` as the configuration.
    let affected_with = |head: &str| {
        fs::write(&config, head).unwrap();
        tofugen(dir.path(), &["affected", "base.yaml"])
    };
    let head = original
        .replacen(
            "  staging:\n    tier: staging\n",
            "  staging:\n    tier: staging\n    state: { key: \"other/{env}.tfstate\" }\n",
            1,
        )
        .replacen("    tier: production\n", "    tier: development\n", 1);
    assert_ne!(head, original);
    let o = affected_with(&head);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        stderr.contains("warning[unsafe-change]: environment `staging` moves its state from `")
            && stderr.contains("/other/staging.tfstate`: its next plan starts from an empty state")
            && stderr.contains(
                "warning[unsafe-change]: environment `production` leaves the production tier"
            ),
        "{stderr}"
    );
    // Another application repository (sweep 39, #3): no root changes, no plan runs. In the
    // pull request workflow's format, each warning is an annotation, and stdout stays the
    // plan matrix (sweep 39, #2: the warnings were plain lines of a green job's log).
    let head = original.replacen(
        "app_repository: etalab-ia/evalap",
        "app_repository: etalab-la/evalap",
        1,
    );
    assert_ne!(head, original);
    fs::write(&config, &head).unwrap();
    let o = tofugen(dir.path(), &["--format", "github", "affected", "base.yaml"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        // At the `ci:` key (line 20), so that GitHub attaches it to the pull request's diff
        // (review of stop 61: the warnings named no line).
        stderr.contains("::warning file=environments.yaml,line=20,col=1,title=unsafe-change::the images are now built from `etalab-la/evalap` instead of `etalab-ia/evalap`"),
        "{stderr}"
    );
    let matrix: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert!(matrix.is_array(), "{matrix}");
    // `affected base.yaml` with `head`, a change of the committed configuration: it succeeds,
    // and each of `expected` is in its warnings.
    let warns = |head: &str, expected: &[&str]| {
        assert_ne!(head, original);
        let o = affected_with(head);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{}", text(&o));
        for e in expected {
            assert!(stderr.contains(e), "{e}:\n{stderr}");
        }
    };
    // A service production no longer deploys (sweep 37: a container's name is ForceNew, so a
    // rename deletes it too): its container and URL go, which the data guard lets through.
    warns(
        &original.replacen(
            "      ui:\n        scale: { min: 2, max: 4 }\n    database:",
            "      ui:\n        enabled: false\n    database:",
            1,
        ),
        &[
            "warning[unsafe-change]: environment `production` no longer deploys `ui`: the next apply deletes its container and its URL",
        ],
    );
    // Another expiry of the API keys (review of stop 60): only the bootstrap root changes, and
    // CI never applies it.
    warns(
        &original.replacen(
            "  production:\n    tier: production\n",
            "  production:\n    tier: production\n    api_keys: { expire_on: 2027-06-30 }\n",
            1,
        ),
        &[
            "warning[unsafe-change]: environment `production` changes when its API keys expire (from never to on `2027-06-30`): only generated/bootstrap changes, which CI never applies",
        ],
    );
    // A smaller database volume (sweep 41, #4): the plan shows an update in place, and the
    // provider refuses it during the apply.
    warns(
        &original.replacen("volume: { size: 50GB }", "volume: { size: 40GB }", 1),
        &[
            "warning[unsafe-change]: environment `production` makes its database volume smaller, from 50GB to 40GB",
            // At the environment's key, its line shown.
            "environments.yaml:189:3\n",
            "189 │   production:",
        ],
    );
    // Another region (sweep 46, #1): the backend's endpoint moves, and the bootstrap root's
    // regional resources are replaced; no plan shows it as a danger.
    warns(
        &original.replacen("  region: fr-par\n", "  region: pl-waw\n", 1),
        &[
            "warning[unsafe-change]: environment `staging` moves from region `fr-par` to `pl-waw`: its state backend moves with it",
            "warning[unsafe-change]: environment `production` moves from region `fr-par` to `pl-waw`: its state backend moves with it",
            "at s3.pl-waw.scw.cloud",
        ],
    );
    // Another promotion source (sweep 46, #6): the target's GitHub environment needs that
    // source's registry reader key, which no generated file holds.
    let with_qa = original.replacen(
        "environments:\n",
        "environments:\n  qa: { promote_from: staging }\n",
        1,
    );
    let head = with_qa.replacen("    promote_from: staging\n", "    promote_from: qa\n", 1);
    assert!(head.contains("    promote_from: qa\n"), "{head}");
    warns(
        &head,
        &[
            "warning[unsafe-change]: environment `production` now promotes from `qa` instead of `staging`: set its GitHub environment `production`'s secret SOURCE_SCW_SECRET_KEY to `qa`'s registry reader key (`tofu output -raw qa_registry_reader_secret_key`",
        ],
    );
    // A new environment that promotes from another needs that source's key too.
    warns(
        &with_qa,
        &[
            "warning[unsafe-change]: environment `qa` promotes from `staging`: set its GitHub environment `qa`'s secret SOURCE_SCW_SECRET_KEY",
        ],
    );
    // A reordered `secrets` list (sweep 55c, #2): a set, written as a map in the root, so
    // nothing is affected and no file changes (the README listed them in file order).
    let o = affected_with(&original.replacen(
        "        - EVALAP_FRONTEND_TOKEN\n        - OPENAI_API_KEY\n",
        "        - OPENAI_API_KEY\n        - EVALAP_FRONTEND_TOKEN\n",
        1,
    ));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "[]\n", "{}", text(&o));
    // Another runner (sweep 55b, #4): every job moves to it, those with the environments'
    // secrets and those a fork's pull request starts; no root changes.
    warns(
        &original.replacen("  runner: ubuntu-24.04\n", "  runner: self-hosted\n", 1),
        &[
            "warning[unsafe-change]: every job now runs on `self-hosted` instead of `ubuntu-24.04`: the deploy, promote and rollback jobs (with the environments' secrets) and the pull request jobs (a fork's included) share those runners",
            "staging: the runner changes from `ubuntu-24.04` to `self-hosted`: the plan runs on the new one",
            "production: the runner changes from `ubuntu-24.04` to `self-hosted`: the plan runs on the new one",
        ],
    );
    // Another GitHub-hosted image: planned, but no warning.
    let o = affected_with(&original.replacen(
        "  runner: ubuntu-24.04\n",
        "  runner: ubuntu-24.04-arm\n",
        1,
    ));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("production: the runner changes from `ubuntu-24.04` to `ubuntu-24.04-arm`"),
        "{}",
        text(&o)
    );
    // Another OpenTofu (sweep 55c, #1): no root names the version, so no file under
    // `generated/<env>` changes, yet every environment is planned and applied with it.
    let o = affected_with(&original.replacen("  opentofu: 1.12.6\n", "  opentofu: 1.13.0\n", 1));
    assert!(o.status.success(), "{}", text(&o));
    let matrix: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let planned: Vec<&str> = matrix
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["staging", "production"], "{matrix}");
    for name in planned {
        let line = format!(
            "{name}: OpenTofu changes from 1.12.6 to 1.13.0: the plan runs with the version this change sets"
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(&line),
            "{}",
            text(&o)
        );
    }
    // A larger one is what a volume can do: no warning.
    let head = original.replacen("volume: { size: 50GB }", "volume: { size: 60GB }", 1);
    let o = affected_with(&head);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        text(&o)
    );
    // Unchanged, neither.
    let o = affected_with(&original);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        text(&o)
    );
    for bad in ["0", "1025", "x"] {
        let o = tofugen(
            dir.path(),
            &["affected", "base.yaml", "--max-output-mib", bad],
        );
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
    }
}

/// The output cap: a tree over `--max-output-mib` is refused by `generate` (nothing written)
/// and by `check`, with the flag named in the message; the default (20 MiB) lets a tree of
/// about 1.8 MB (100 services x 2 environments) through.
#[test]
fn the_output_cap_refuses_a_large_tree_and_can_be_raised() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("environments.yaml"),
        tofugen::synthetic::config(100, 2),
    )
    .unwrap();
    // The refusal is a diagnostic of the configuration, at its `environments:` key.
    let config = fs::read_to_string(dir.path().join("environments.yaml")).unwrap();
    let line = config.lines().position(|l| l == "environments:").unwrap() + 1;
    for cmd in ["generate", "check"] {
        let o = tofugen(dir.path(), &[cmd, "--max-output-mib", "1"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", text(&o));
        assert!(
            text(&o).contains("error[too-large]: refusing to write: the configuration generates more than 1 MiB of files")
                && text(&o).contains(&format!("environments.yaml:{line}:1"))
                && text(&o).contains("--max-output-mib"),
            "{cmd}: {}",
            text(&o)
        );
        let o = tofugen(
            dir.path(),
            &[cmd, "--max-output-mib", "1", "--format", "json"],
        );
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            doc.as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == "too-large" && d["span"]["line"] == line),
            "{cmd}: {doc}"
        );
    }
    assert!(!dir.path().join("generated").exists());
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = tofugen(dir.path(), &["check", "--max-output-mib", "3"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// A `modules.path` that names no directory, or one without every module of the library, is
/// refused before anything is written, at the line of the setting, by `generate`, `check` and
/// `validate` alike (`validate` passed both, and `generate` passed a directory holding the three
/// modules the bootstrap root calls; sweep 27, F4).
#[test]
fn a_modules_path_that_is_not_a_directory_is_refused_before_writing() {
    let (dir, config) = repo();
    fs::remove_dir_all(dir.path().join("modules")).unwrap();
    let original = fs::read_to_string(&config).unwrap();
    let anchor = "modules: { path: modules }";
    let at = original
        .find(anchor)
        .expect("the committed config changed: update this test");
    let position = format!(
        "environments.yaml:{}:{}",
        original[..at].lines().count() + 1,
        anchor.find("modules }").unwrap() + 1
    );
    for command in ["generate", "check", "validate"] {
        let o = tofugen(dir.path(), &[command]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {out}");
        assert!(
            out.contains("error[modules-path]") && out.contains(&position),
            "{command}: {out}"
        );
        assert!(out.contains("remove `modules:`"), "{command}: {out}");
    }
    // With another error in the file, both in one run (sweep 30, F9: `modules.path` was
    // checked only once the rest was valid).
    fs::write(
        &config,
        original.replacen("region: fr-par", "region: fr-parx", 1),
    )
    .unwrap();
    assert_ne!(fs::read_to_string(&config).unwrap(), original);
    for command in ["generate", "validate"] {
        let o = tofugen(dir.path(), &[command]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {out}");
        assert!(
            out.contains("error[modules-path]") && out.contains("`fr-parx`"),
            "{command}: {out}"
        );
    }
    fs::write(&config, &original).unwrap();
    let written: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| {
            ![
                "environments.yaml",
                ".tofugen.lock",
                "Cargo.toml",
                "Cargo.lock",
            ]
            .contains(&n.as_str())
        })
        .collect();
    assert!(written.is_empty(), "{written:?}");
    // A file where the directory should be is no better.
    fs::write(dir.path().join("modules"), "").unwrap();
    assert_eq!(tofugen(dir.path(), &["generate"]).status.code(), Some(1));
    // Nor an empty directory: `generate` wrote roots calling modules that are not there, and
    // only `check` failed, on each call (found by an adversarial sweep).
    fs::remove_file(dir.path().join("modules")).unwrap();
    fs::create_dir_all(dir.path().join("modules/iam")).unwrap();
    let library = tofugen::modules::names();
    assert_eq!(library.len(), 10, "{library:?}");
    let listed = |names: &[&str]| {
        names
            .iter()
            .map(|m| format!("`modules/{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for command in ["generate", "check", "validate"] {
        let o = tofugen(dir.path(), &[command]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {out}");
        assert!(
            out.contains(&format!(
                "lacks modules of tofugen's library ({})",
                listed(&library)
            )) && out.contains(&position),
            "{command}: {out}"
        );
    }
    // Nor the three modules the bootstrap root calls, with their files: the others are named.
    let called = ["state-bucket", "registry", "iam"];
    for m in called {
        common::copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("modules")
                .join(m),
            &dir.path().join("modules").join(m),
        );
    }
    let others: Vec<&str> = library
        .iter()
        .copied()
        .filter(|m| !called.contains(m))
        .collect();
    for command in ["generate", "check", "validate"] {
        let o = tofugen(dir.path(), &[command]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {out}");
        assert!(
            out.contains(&format!(
                "lacks modules of tofugen's library ({})",
                listed(&others)
            )),
            "{command}: {out}"
        );
    }
    assert!(!dir.path().join("generated").exists());
    // The whole library: accepted.
    for m in &others {
        common::copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("modules")
                .join(m),
            &dir.path().join("modules").join(m),
        );
    }
    assert_eq!(tofugen(dir.path(), &["validate"]).status.code(), Some(0));
    // Not through a symlink, to the directory or in it: a change where it points is no change
    // under `modules/`, and `affected` would plan nothing for it (sweep 28, F2).
    fs::rename(dir.path().join("modules"), dir.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("elsewhere", dir.path().join("modules")).unwrap();
    let expect_link = |link: &str| {
        for command in ["generate", "check", "validate"] {
            let o = tofugen(dir.path(), &[command]);
            let out = text(&o);
            assert_eq!(o.status.code(), Some(1), "{command}: {out}");
            assert!(
                out.contains(&format!("and `{link}` is a symlink")) && out.contains(&position),
                "{command}: {out}"
            );
        }
    };
    expect_link("modules");
    fs::remove_file(dir.path().join("modules")).unwrap();
    fs::rename(dir.path().join("elsewhere"), dir.path().join("modules")).unwrap();
    let main = dir.path().join("modules/database/main.tf");
    fs::rename(&main, dir.path().join("shared.tf")).unwrap();
    std::os::unix::fs::symlink("../../shared.tf", &main).unwrap();
    expect_link("modules/database/main.tf");
    fs::remove_file(&main).unwrap();
    fs::rename(dir.path().join("shared.tf"), &main).unwrap();
    // A `.terraform` directory left in a module by `tofu test`, its providers symlinked into a
    // plugin cache: OpenTofu reads no code there when a root calls the module, and neither the
    // checks nor the proof look into it.
    let dot = dir.path().join("modules/database/.terraform/providers");
    fs::create_dir_all(&dot).unwrap();
    std::os::unix::fs::symlink("/nonexistent/plugin-cache", dot.join("scaleway")).unwrap();
    fs::write(dot.join("broken.tf"), "not HCL {").unwrap();
    for command in ["generate", "check"] {
        let o = tofugen(dir.path(), &[command]);
        assert!(o.status.success(), "{command}: {}", text(&o));
    }
}

/// In the machine formats, stdout is one document whatever the outcome: `generate` and
/// `check` print their summary or status line on stderr, and their diagnostics (none here,
/// one warning after an edit) as one JSON array on stdout.
#[test]
fn generate_and_check_in_json_print_one_document_on_stdout() {
    let (dir, config) = repo();
    let expect_diagnostics = |count: usize| {
        for cmd in ["generate", "check"] {
            let o = tofugen(dir.path(), &["--format", "json", cmd]);
            assert_eq!(o.status.code(), Some(0), "{cmd}: {}", text(&o));
            let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
                panic!("{cmd}: stdout is not one JSON document ({e}): {}", text(&o))
            });
            assert_eq!(doc.as_array().unwrap().len(), count, "{cmd}: {doc}");
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(
                stderr.contains(if cmd == "generate" {
                    "generated:"
                } else {
                    "up to date"
                }),
                "{cmd}: {stderr}"
            );
        }
    };
    expect_diagnostics(0);
    add_unused_secret(&config);
    expect_diagnostics(1);
}

/// Declares a secret no service uses in the configuration at `config` (a TG040 warning);
/// returns the configuration as it was.
fn add_unused_secret(config: &Path) -> String {
    let original = fs::read_to_string(config).unwrap();
    let anchor = "\n  secrets:\n    # SQLAlchemy";
    assert!(
        original.contains(anchor),
        "the committed config changed: update this test"
    );
    let unused = "\n  secrets:\n    UNUSED_TOKEN: { source: operator, description: not used }\n    # SQLAlchemy";
    fs::write(config, original.replacen(anchor, unused, 1)).unwrap();
    original
}

/// `explain`, `diff` and `affected` own their stdout: with a warning in the configuration and a
/// machine format, the warning goes to stderr and stdout is only the command's output
/// (`affected`: one JSON document).
#[test]
fn commands_with_their_own_output_print_warnings_on_stderr_in_every_format() {
    let (dir, config) = repo();
    let original = add_unused_secret(&config);
    fs::write(dir.path().join("base.yaml"), &original).unwrap();
    for format in ["human", "json", "github"] {
        for args in [
            vec!["explain", "staging"],
            vec!["diff", "staging", "production"],
            vec!["affected", "base.yaml"],
        ] {
            let mut all = vec!["--format", format];
            all.extend(&args);
            let o = tofugen(dir.path(), &all);
            assert_eq!(o.status.code(), Some(0), "{all:?}: {}", text(&o));
            let stdout = String::from_utf8_lossy(&o.stdout);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(stderr.contains("TG040"), "{all:?}: {stderr}");
            assert!(!stdout.contains("TG040"), "{all:?}: {stdout}");
            if args[0] == "affected" {
                let doc: serde_json::Value = serde_json::from_str(&stdout)
                    .unwrap_or_else(|e| panic!("{all:?}: not one JSON document ({e}): {stdout}"));
                assert!(doc.is_array(), "{all:?}: {doc}");
            }
        }
    }
}

/// A failure to write stdout other than a closed pipe fails the command (sweep 37, F5: with
/// stdout on a full disk, `schema`, `explain`, `affected` and `validate --format json` exited 0
/// with their output lost); a closed pipe (`| head`) still ends quietly.
#[test]
fn a_failed_write_to_stdout_fails_the_command() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [
        &["schema"][..],
        &["explain", "production"],
        &["--format", "json", "validate"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_tofugen"))
            .current_dir(root)
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("error: cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
    // A pipe closed by its reader.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .current_dir(root)
        .arg("schema")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stderr.is_empty(), "{}", text(&o));
}

/// Messages that once said something other than what was wrong (sweep 36, garbage F8).
#[test]
fn messages_say_what_is_wrong() {
    // An unquoted `1e400` is text (no finite number), not a quoted number.
    let yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml"))
            .unwrap()
            .replacen("port: 8000", "port: 1e400", 1);
    let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
    let port: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("1e400"))
        .collect();
    assert!(!port.is_empty(), "{:#?}", out.diagnostics);
    for d in &port {
        assert!(
            d.help
                .as_deref()
                .is_none_or(|h| !h.contains("remove the quotes")),
            "{d:#?}"
        );
    }
    // A quoted whole number is still told to lose its quotes.
    let yaml = yaml.replacen("port: 1e400", "port: \"8000\"", 1);
    let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.help.as_deref() == Some("remove the quotes (or the `!!str` tag): `8000`")),
        "{:#?}",
        out.diagnostics
    );
    // The number a port was read as, in words, and the digits to write (sweep 36, garbage F9):
    // `1e3` was "invalid type: floating point `1000.0`, expected u16", told to drop a fraction
    // part it does not have.
    let port_help = |value: &str| {
        let yaml = yaml.replacen("port: \"8000\"", &format!("port: {value}"), 1);
        let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
        out.diagnostics
            .iter()
            .find(|d| d.message.contains("defaults.services.api.port"))
            .map(|d| (d.message.clone(), d.help.clone().unwrap_or_default()))
    };
    let (message, help) = port_help("1e3").expect("1e3 is refused");
    assert!(
        message.contains("floating-point number 1000.0"),
        "{message}"
    );
    assert!(!message.contains("invalid type"), "{message}");
    assert!(help.starts_with("write `1000`"), "{help}");
    // `.inf` is refused where it is read (sweep 56, I1): a number no setting takes.
    let inf = yaml.replacen("port: \"8000\"", "port: .inf", 1);
    let out = tofugen::pipeline::compile("environments.yaml", inf.as_bytes(), false);
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code == "yaml-number")
        .unwrap_or_else(|| panic!(".inf is refused: {:#?}", out.diagnostics));
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("write a number in range"), "{help}");
    // `0x1F` is the core schema's 31, as YAML 1.2 editors read it.
    assert_eq!(port_help("0x1F"), None);
    // Sweep 58c, F6: no suggested fix that is itself refused: a negative duration is not told
    // to write `-1s`, an empty database user not `user: ` (a valid name instead).
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml"))
            .unwrap();
    let helps = |from: &str, to: &str| -> Vec<String> {
        assert!(
            committed.contains(from),
            "the committed config changed: {from}"
        );
        let yaml = committed.replacen(from, to, 1);
        let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
        out.diagnostics
            .iter()
            .filter_map(|d| d.help.clone())
            .collect()
    };
    let duration = helps("interval: 10s, timeout: 5s", "interval: 10s, timeout: -1");
    assert!(
        duration
            .iter()
            .any(|h| h == "write it like `30s`, `5m` or `30d`")
            && !duration.iter().any(|h| h.contains("-1s")),
        "{duration:#?}"
    );
    let user = helps(
        "    node_type: DB-DEV-S\n",
        "    node_type: DB-DEV-S\n    user: \"\"\n",
    );
    assert!(
        user.iter()
            .any(|h| h == "set `user: evalap_app` under `database`"),
        "{user:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()
        .unwrap();
    // `--changed-paths` naming nothing: the path, and the reason in plain words.
    let o = tofugen(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "affected",
            "environments.yaml",
            "--changed-paths",
            "/nonexistent/list.txt",
        ],
    );
    let said = text(&o);
    assert!(
        said.contains(
            "cannot read --changed-paths `/nonexistent/list.txt`: No such file or directory"
        ),
        "{said}"
    );
    // A configuration path with a part starting with `-`: that is what is wrong.
    std::fs::write(root.join("-rf.yaml"), "project: x\n").unwrap();
    let o = tofugen(root, &["--config", "./-rf.yaml", "generate"]);
    assert!(
        text(&o).contains("no part starting with `-`"),
        "{}",
        text(&o)
    );
    // `--config -`: not standard input, and it says so (sweep 37, F8).
    let o = tofugen(root, &["--config", "-", "validate"]);
    assert!(
        text(&o).contains("does not read the configuration from standard input"),
        "{}",
        text(&o)
    );
    // `init` outside a repository, into a directory that does not exist, names it and says so.
    let bare = tempfile::tempdir().unwrap();
    let o = tofugen(bare.path(), &["--config", "sub/dir/envs.yaml", "init"]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("sub/dir") && said.contains("No such file or directory"),
        "{said}"
    );
    // Sweep 38, R4: help that fits the input.
    // No configuration yet: `tofugen init` is the likely fix.
    let o = tofugen(root, &["generate"]);
    assert!(text(&o).contains("run `tofugen init`"), "{}", text(&o));
    // A file that is only `~`: there is no key to remove.
    std::fs::write(root.join("environments.yaml"), "~\n").unwrap();
    let o = tofugen(root, &["validate"]);
    let said = text(&o);
    assert!(said.contains("the file holds only `null`"), "{said}");
    assert!(!said.contains("remove the key"), "{said}");
    // `!!str 8080` has no quotes to remove: both are named.
    let yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml"))
            .unwrap()
            .replacen("port: 8000", "port: !!str 8080", 1);
    let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.help.as_deref() == Some("remove the quotes (or the `!!str` tag): `8080`")),
        "{:#?}",
        out.diagnostics
    );
}

/// Thousands of one problem: every format describes 200 of the code and counts the rest in
/// one more diagnostic (sweep 38, R2: 30 000 duplicate keys were 11.5 MB of JSON and 6.3 MB of
/// `::error` lines, while schema violations stopped at 100 in every format).
#[test]
fn every_format_describes_200_of_a_code_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "project: demo\n".repeat(1001);
    std::fs::write(dir.path().join("environments.yaml"), yaml).unwrap();
    let o = tofugen(dir.path(), &["--format", "json", "validate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let diags: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let dup: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "yaml-duplicate-key")
        .collect();
    assert_eq!(dup.len(), 201, "{diags:#?}");
    let counting = dup.iter().find(|d| d.get("omitted").is_some()).unwrap();
    assert_eq!(counting["omitted"], 800);
    assert_eq!(counting["span"]["line"], 202);
    let o = tofugen(dir.path(), &["--format", "github", "validate"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.contains("yaml-duplicate-key"))
            .count(),
        201
    );
    let o = tofugen(dir.path(), &["validate"]);
    let said = text(&o);
    assert!(
        said.contains("800 more `yaml-duplicate-key` problems"),
        "{said}"
    );
    // The tree the repeated keys leave is checked too: its schema errors come in the same run.
    assert!(said.contains("1002 error(s)"), "{said}");
    assert!(said.contains("missing required key `versions`"), "{said}");
}

/// `check` counts the stale files as the `generate` that fixes them counts what it writes: the
/// manifest apart (sweep 38, R8: "5 file(s) are out of date", then "4 written").
#[test]
fn check_counts_stale_files_as_generate_counts_writes() {
    let (dir, config) = repo();
    let o = tofugen(dir.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let yaml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, yaml.replacen("cpu: 1000m", "cpu: 2000m", 1)).unwrap();
    let o = tofugen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let said = text(&o);
    let stale: usize = said
        .split(" file(s) (and the manifest) are out of date")
        .next()
        .and_then(|s| s.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    let o = tofugen(dir.path(), &["generate"]);
    assert!(
        text(&o).contains(&format!("generated: {stale} written,")),
        "check: {stale}; {}",
        text(&o)
    );
}

/// The Organization's memory quota over all environments together is one finding, however
/// many environments override the service (sweep 38b, R2: 500 environments each overriding
/// `web` gave 200 copies of TG117, each naming 100 environments, and a count of 300 more).
#[test]
fn the_memory_quota_of_all_environments_is_one_finding() {
    let mut yaml = String::from(
        "project: demo\nversions:\n  opentofu: 1.12.6\n  scaleway_provider: 2.81.0\n  random_provider: 3.7.2\ndefaults:\n  services:\n    web:\n      image: demo-web\n      port: 8080\n      privacy: public\n      cpu: 500m\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\nenvironments:\n  e0: {}\n",
    );
    for i in 1..400 {
        yaml.push_str(&format!(
            "  e{i}:\n    promote_from: e0\n    services: {{ web: {{ cpu: {}m }} }}\n",
            100 + i
        ));
    }
    let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
    let tg117: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG117")
        .collect();
    assert_eq!(tg117.len(), 1, "{tg117:#?}");
    assert!(tg117[0].message.contains("together"), "{:#?}", tg117[0]);
}

/// A bare UUID (the shape of a Scaleway secret key) in a comment on a line a diagnostic shows
/// is masked, as it is in a value (sweep 38b, R4: `# old key <uuid>` was printed).
#[test]
fn a_uuid_in_a_comment_on_a_shown_line_is_masked() {
    let uuid = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b";
    let yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("environments.yaml"))
            .unwrap()
            .replacen("port: 8000", &format!("port: lots   # old key {uuid}"), 1);
    let out = tofugen::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
    assert!(out.has_errors());
    let rendered = tofugen::diagnostics::render(
        &out.diagnostics,
        &out.sources,
        tofugen::diagnostics::Format::Human,
        false,
    );
    assert!(
        rendered.contains("port: lots   # old key ****"),
        "{rendered}"
    );
    assert!(!rendered.contains(uuid), "{rendered}");
}

/// `explain ENV SERVICE` of a service the file declares but disables there says so, instead of
/// "has no service named" (sweep 38b, R4). The committed configuration disables `docs`.
#[test]
fn explain_of_a_disabled_service_says_it_is_disabled() {
    let (dir, _) = repo();
    let o = tofugen(dir.path(), &["explain", "production", "docs"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("service `docs` is disabled in environment `production`"),
        "{}",
        text(&o)
    );
    let o = tofugen(dir.path(), &["explain", "production", "dcos"]);
    assert!(
        text(&o).contains("has no service named `dcos`"),
        "{}",
        text(&o)
    );
}

/// The JSON format's spans are byte offsets in the file and lines that exist in it: after a
/// byte order mark (which the loader strips) and at the end of a file without a final line
/// feed (where the parser names the line after the last), as the human format shows them
/// (sweep 14, D1 and D2).
#[test]
fn json_spans_point_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (bytes, word, line, col) in [
        (&b"\xef\xbb\xbfproject: x\nbogus: 1\n"[..], "bogus", 2, 1),
        (&b"project: x\nbogus: 1\n"[..], "bogus", 2, 1),
    ] {
        std::fs::write(dir.path().join("e.yaml"), bytes).unwrap();
        let o = tofugen(
            dir.path(),
            &["--format", "json", "--config", "e.yaml", "validate"],
        );
        let diags: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        let d = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains(word))
            .unwrap_or_else(|| panic!("{diags:#?}"));
        let start = d["span"]["start"].as_u64().unwrap() as usize;
        let end = d["span"]["end"].as_u64().unwrap() as usize;
        assert_eq!(&bytes[start..end], word.as_bytes(), "{d:#?}");
        assert_eq!(
            (d["span"]["line"].as_u64(), d["span"]["col"].as_u64()),
            (Some(line), Some(col))
        );
    }
    std::fs::write(dir.path().join("e.yaml"), "a: [b").unwrap();
    for format in ["json", "github", "human"] {
        let o = tofugen(
            dir.path(),
            &["--format", format, "--config", "e.yaml", "validate"],
        );
        let out = text(&o);
        assert!(
            !out.contains("line=2") && !out.contains("\"line\": 2") && !out.contains("e.yaml:2:"),
            "{format}: {out}"
        );
        assert!(
            out.contains("line=1") || out.contains("\"line\": 1") || out.contains("e.yaml:1:"),
            "{format}: {out}"
        );
    }
}

/// Removing an environment from the configuration removes its root, and `generate` says its
/// resources still exist and how to retire it (sweep 17: "11 removed" was all it said, and the
/// next bootstrap apply would delete the keys of a running environment). Removing a service
/// says nothing of the kind.
#[test]
fn removing_an_environment_warns_that_its_resources_still_exist() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let o = tofugen(dir.path(), &["init", "--project", "shop"]);
    assert!(o.status.success(), "{}", text(&o));
    let config = dir.path().join("environments.yaml");
    let starter = fs::read_to_string(&config).unwrap();
    // A third environment, then without it.
    let with_qa = starter.replace(
        "environments:\n",
        "environments:\n  qa: { promote_from: staging }\n",
    );
    assert_ne!(with_qa, starter);
    fs::write(&config, &with_qa).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains("warning: the root of environment"),
        "{}",
        text(&o)
    );
    fs::write(&config, &starter).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("warning: the root of environment `qa` is no longer generated")
            && said.contains("`tofu destroy`")
            && !said.contains("environment `staging`"),
        "{said}"
    );
    assert!(!dir.path().join("generated/qa/main.tf").exists());
    // In the machine formats the warning is a diagnostic of the document on stdout (it was
    // only in the summary on stderr).
    fs::write(&config, &with_qa).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    fs::write(&config, &starter).unwrap();
    let o = tofugen(dir.path(), &["--format", "json", "generate"]);
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let found: Vec<&serde_json::Value> = doc
        .as_array()
        .expect("an array of diagnostics")
        .iter()
        .filter(|d| d["code"] == "environment-removed")
        .collect();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["level"], "warning", "{doc:#}");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("environment `qa` is no longer generated")),
        "{doc:#}"
    );
    // A root whose main.tf was edited by hand: `--force` leaves that file in place, and the
    // warning still comes (it was missing: only removed files were looked at).
    fs::write(&config, &with_qa).unwrap();
    let o = tofugen(dir.path(), &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    fs::write(dir.path().join("generated/qa/main.tf"), "# edited\n").unwrap();
    fs::write(&config, &starter).unwrap();
    let o = tofugen(dir.path(), &["generate", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains(
            "warning: the root of environment `qa` is no longer generated and its main.tf, \
             edited by hand, was left in place"
        ),
        "{said}"
    );
    assert!(dir.path().join("generated/qa/main.tf").exists());
}

/// Sweep 38, F3: with TG012 lowered to a warning, `explain` and `diff` printed the token the
/// warning had just masked. Both now mask every value the secret scan flags.
#[test]
fn explain_and_diff_mask_a_flagged_value_whatever_the_rule_s_level() {
    let (dir, config) = repo();
    fs::create_dir(dir.path().join(".git")).unwrap();
    // A GitHub token's shape, built here so that no scanner finds one in the repository.
    let token = format!("ghp_{}", "1234567890abcdefghijABCDEFGHIJ123456");
    let config_text = fs::read_to_string(&config)
        .unwrap()
        .replacen(
            "      ui:\n        scale: { min: 2, max: 4 }\n",
            &format!(
                "      ui:\n        scale: {{ min: 2, max: 4 }}\n        env: {{ API_TOKEN: {token} }}\n"
            ),
            1,
        )
        .replacen(
            "environments:\n",
            "policy:\n  overrides:\n    - { rule: TG012, level: warning, reason: the test says so }\nenvironments:\n",
            1,
        );
    fs::write(&config, config_text).unwrap();
    let o = tofugen(dir.path(), &["validate"]);
    assert!(text(&o).contains("TG012"), "{}", text(&o));
    for args in [
        &["diff", "staging", "production"][..],
        &["explain", "production"],
        &["explain", "production", "ui"],
    ] {
        let o = tofugen(dir.path(), args);
        let all = text(&o);
        assert!(o.status.success(), "{args:?}: {all}");
        assert!(!all.contains(&token), "{args:?}: {all}");
        assert!(
            all.contains("services.ui.env.API_TOKEN: ") && all.contains("[redacted]"),
            "{args:?}: {all}"
        );
    }
}
