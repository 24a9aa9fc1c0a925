//! A new user's first minutes, end to end, with the installed binary in an empty repository:
//! `tofugen init`, `generate`, `check` (exit 0), the generated workflows judged by actionlint
//! and zizmor and free of `cargo run`; the same with the configuration at `infra/envs.yaml`.
//! (`tests/tofu.rs` runs `tofu init` + `tofu validate` on the roots of the same starter.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tofugen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tofugen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run tofugen")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An empty repository: a `.git` directory is what tofugen looks for.
fn empty_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

/// actionlint and zizmor (low severity and up, offline) pass `flows`; skipped as
/// [`common::validators`] says when they are absent.
fn lint_workflows(flows: &[PathBuf]) {
    let Some(v) = common::validators() else {
        return;
    };
    // Their verdict on the same bytes is remembered ([`common::tool_verdict`]).
    let (actionlint, zizmor) = (v.join("venv/bin/actionlint"), v.join("venv/bin/zizmor"));
    let shellcheck = common::on_path("shellcheck").unwrap_or_default();
    let zizmor_args = [
        "--offline",
        "--no-progress",
        "--color",
        "never",
        "--min-severity",
        "low",
    ];
    let files: Vec<(Vec<u8>, Vec<u8>)> = flows
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().as_encoded_bytes().to_vec(),
                std::fs::read(f).unwrap(),
            )
        })
        .collect();
    let files: Vec<(&[u8], &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_slice(), b.as_slice()))
        .collect();
    let mut args = vec!["-no-color"];
    args.extend(zizmor_args);
    let Some((verdicts, key)) = common::tool_verdict(
        "actionlint and zizmor",
        include_bytes!("e2e.rs"),
        &[
            (&actionlint, "-version"),
            (&zizmor, "--version"),
            (&shellcheck, "--version"),
        ],
        &args,
        &files,
    ) else {
        return;
    };
    let o = Command::new(&actionlint)
        .arg("-no-color")
        .args(flows)
        .output()
        .unwrap();
    assert!(o.status.success(), "actionlint: {}", text(&o));
    let o = Command::new(&zizmor)
        .args(zizmor_args)
        .args(flows)
        .output()
        .unwrap();
    assert!(o.status.success(), "zizmor: {}", text(&o));
    // zizmor exits 0 when it could not parse an expression and skipped audits on it (a
    // single-quoted `run-name` with `''`, sweep 57 I2): every warning fails the test.
    let warnings: Vec<&str> = std::str::from_utf8(&o.stderr)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(" WARN ") || l.starts_with("WARN"))
        .collect();
    assert!(
        warnings.is_empty(),
        "zizmor warned:\n{}",
        warnings.join("\n")
    );
    verdicts.record(&key, "actionlint and zizmor");
}

fn workflows(root: &Path) -> Vec<PathBuf> {
    let mut w: Vec<PathBuf> = std::fs::read_dir(root.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    w.sort();
    w
}

fn first_minutes(config: Option<&str>) {
    let repo = empty_repository();
    let root = repo.path();
    let with = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = config
            .map(|c| vec!["--config".to_string(), c.to_string()])
            .unwrap_or_default();
        v.extend(args.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: &[&str]| {
        let args = with(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tofugen(root, &args)
    };
    let o = run(&["init", "--project", "shop", "--region", "nl-ams"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let name = config.unwrap_or("environments.yaml");
    // The closing message says how CI installs tofugen, and what to do until that version is
    // on crates.io (sweep 36, new user F7).
    let said = String::from_utf8_lossy(&o.stdout);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        said.contains(&format!("cargo install tofugen@{version}"))
            && said.contains("until that version is published there")
            && said.contains("install: git"),
        "{said}"
    );
    assert!(root.join(name).is_file());
    assert!(
        std::fs::read_to_string(root.join(".gitignore"))
            .unwrap()
            .contains(".tofugen.lock")
    );
    // Run twice, init refuses to touch anything.
    let before = std::fs::read(root.join(name)).unwrap();
    let o = run(&["init", "--project", "other"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(std::fs::read(root.join(name)).unwrap(), before);

    let o = run(&["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(" 0 written"),
        "{}",
        text(&o)
    );
    let o = run(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("up to date"));

    // The editor modeline names the schema `generate` wrote, from the configuration's directory
    // (sweep 34: `infra/envs.yaml` named `./schema/…`, which is not there).
    let first = std::fs::read_to_string(root.join(name)).unwrap();
    let schema = first
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
        .unwrap_or_else(|| panic!("no modeline: {first}"));
    let dir = root.join(name).parent().unwrap().to_path_buf();
    assert!(
        dir.join(schema).is_file(),
        "{schema} from {}",
        dir.display()
    );

    // Everything lands at the repository root, and names the configuration as it is.
    let flows = workflows(root);
    assert!(flows.len() >= 3, "{flows:?}");
    assert!(root.join("generated/staging/main.tf").is_file());
    assert!(root.join("generated/modules/service/main.tf").is_file());
    assert!(!root.join("infra/.github").exists() && !root.join("infra/generated").exists());
    let generate = match config {
        Some(c) => format!("`tofugen --config {c} generate`"),
        None => "`tofugen generate`".to_string(),
    };
    for f in flows
        .iter()
        .chain([&root.join("generated/staging/main.tf")])
    {
        let content = std::fs::read_to_string(f).unwrap();
        assert!(!content.contains("cargo run"), "{}", f.display());
        assert!(!content.contains("cargo test"), "{}", f.display());
        assert!(
            content.contains(&format!("Generated by tofugen from {name}.")),
            "{}",
            f.display()
        );
        assert!(content.contains(&generate), "{}", f.display());
    }
    let pr = std::fs::read_to_string(root.join(".github/workflows/tofugen-pr.yml")).unwrap();
    assert!(pr.contains(&format!("CONFIG: {name}")), "{pr}");
    assert!(
        pr.contains("cargo install --locked --version \"$TOFUGEN_VERSION\" tofugen"),
        "{pr}"
    );
    assert!(
        pr.contains(&format!("TOFUGEN_VERSION: '{}'", env!("CARGO_PKG_VERSION"))),
        "{pr}"
    );

    // A hand edit is found, with the way out.
    let main = root.join("generated/staging/main.tf");
    let mut edited = std::fs::read_to_string(&main).unwrap();
    edited.push_str("# edited\n");
    std::fs::write(&main, edited).unwrap();
    let o = run(&["check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("tofugen generate --force"),
        "{}",
        text(&o)
    );

    lint_workflows(&flows);
}

/// A private application repository (sweep 16, sweep 17 finding 2: the workflow's own token
/// cannot read another private repository): both checkouts of it take the repository secret
/// `APP_REPOSITORY_TOKEN`, nothing else does, the bootstrap README asks for it as a secret of
/// the deployed environment (sweep 57, H2-F7), and actionlint
/// and zizmor pass the workflows. Set alone, the flag is refused (TG123).
#[test]
fn a_private_application_repository_is_checked_out_with_its_token() {
    let repo = empty_repository();
    let root = repo.path();
    let o = tofugen(root, &["init", "--project", "shop"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let config = root.join("environments.yaml");
    let starter = std::fs::read_to_string(&config).unwrap();
    let line = "  # app_repository: owner/app\n";
    assert!(starter.contains(line), "{starter}");
    std::fs::write(
        &config,
        starter.replace(line, "  app_repository_private: true\n"),
    )
    .unwrap();
    let o = tofugen(root, &["generate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("TG123"), "{}", text(&o));
    std::fs::write(
        &config,
        starter.replace(
            line,
            "  app_repository: acme/shop-app\n  app_repository_private: true\n",
        ),
    )
    .unwrap();
    let o = tofugen(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let token = "token: ${{ secrets.APP_REPOSITORY_TOKEN }}";
    let flows = workflows(root);
    for f in &flows {
        let content = std::fs::read_to_string(f).unwrap();
        let expected = if f.ends_with("tofugen-deploy.yml") {
            2
        } else {
            0
        };
        assert_eq!(content.matches(token).count(), expected, "{}", f.display());
        if expected > 0 {
            assert_eq!(content.matches("repository: acme/shop-app").count(), 2);
        }
    }
    let bootstrap = std::fs::read_to_string(root.join("generated/bootstrap/README.md")).unwrap();
    assert!(
        bootstrap.contains("secret `APP_REPOSITORY_TOKEN` to the GitHub environment `staging`")
            && bootstrap.contains("`acme/shop-app`"),
        "{bootstrap}"
    );
    lint_workflows(&flows);
}

#[test]
fn init_generate_check_with_the_default_config() {
    first_minutes(None);
}

#[test]
fn init_generate_check_with_the_config_in_a_subdirectory() {
    first_minutes(Some("infra/envs.yaml"));
}

/// `check` reports stale files in the machine formats too: JSON is one document, GitHub gets
/// one annotation per file, and the exit code says stale.
#[test]
fn check_reports_stale_files_in_every_format() {
    let repo = empty_repository();
    let root = repo.path();
    let o = tofugen(root, &["init", "--project", "shop"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::remove_file(root.join("generated/staging/outputs.tf")).unwrap();
    std::fs::write(root.join("generated/staging/extra.tf"), "locals {}\n").unwrap();
    let o = tofugen(root, &["--format", "json", "check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let codes: Vec<(&str, &str)> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("generated/staging/extra.tf", "unknown-file"),
            ("generated/staging/outputs.tf", "missing"),
        ]
    );
    let o = tofugen(root, &["--format", "github", "check"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 2, "{stdout}");
    assert!(annotations[0].starts_with("::error file=generated/staging/extra.tf,"));
    assert!(annotations[1].starts_with("::error file=generated/staging/outputs.tf,"));
}

/// A directory named like a random token (a hash, a generated id) gives a project name the
/// secret scan refuses (TG012): `init` says to pass `--project`, does not call it a bug, does
/// not echo the name, and writes nothing (sweep 12, finding 2).
#[test]
fn init_in_a_directory_named_like_a_token_asks_for_a_project_name() {
    for (dir, args) in [
        ("infra-3f9a2b7c1d8e4f6a", &["init"][..]),
        ("Ab3dEf6hIj9kLm2nOpQ", &["init"][..]),
        ("shop", &["init", "--project", "k3f9a2b7c1d8e4f6a9b0"][..]),
        // Credential-shaped names: never cut into a project name, never echoed (sweep 13).
        ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", &["init"][..]),
        ("AKIAIOSFODNN7EXAMPLE", &["init"][..]),
        ("11111111-2222-3333-4444-555555555555", &["init"][..]),
    ] {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join(dir);
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let o = tofugen(&root, args);
        let all = text(&o);
        assert_ne!(o.status.code(), Some(0), "{dir}: {all}");
        assert!(all.contains("pass `--project NAME`"), "{dir}: {all}");
        assert!(!all.contains("a bug in tofugen"), "{dir}: {all}");
        let name = args
            .last()
            .filter(|_| args.len() > 1)
            .copied()
            .unwrap_or(dir);
        assert!(
            !all.to_lowercase().contains(&name[3..].to_lowercase()),
            "{dir}: {all}"
        );
        let left: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [".git"], "{dir}: nothing written");
    }
}

/// The README's example: `init` in a directory named `shop-infra` (the project defaults to the
/// directory's name), and `init --project my-shop`. A hyphenated project once made the starter's
/// database name and user (`shop-infra`, not PostgreSQL identifiers) fail its own validation,
/// leaving `environments.yaml` behind for a second `init` to refuse.
#[test]
fn init_with_a_hyphenated_project_validates_and_generates() {
    for args in [&["init"][..], &["init", "--project", "my-shop"]] {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("shop-infra");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let o = tofugen(&root, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        let config = std::fs::read_to_string(root.join("environments.yaml")).unwrap();
        let project = if args.len() == 1 {
            "shop-infra"
        } else {
            "my-shop"
        };
        assert!(
            config.contains(&format!("project: {project}\n")),
            "{config}"
        );
        // A derived name says where it came from (a name can lose characters: `é-café` gives
        // `caf`), a given one does not (sweep 38, R8).
        assert_eq!(
            text(&o).contains("from the directory's name;"),
            args.len() == 1,
            "{}",
            text(&o)
        );
        for command in ["validate", "check"] {
            let o = tofugen(&root, &[command]);
            assert_eq!(o.status.code(), Some(0), "{command}: {}", text(&o));
        }
        let main = std::fs::read_to_string(root.join("generated/staging/main.tf")).unwrap();
        let db = project.replace('-', "_");
        for key in ["database_name", "user_name"] {
            assert!(
                main.lines().any(|l| l.trim_start().starts_with(key)
                    && l.ends_with(&format!("= \"{db}\""))),
                "{key}: {main}"
            );
        }
    }
}

/// A directory name `init` shortens or changes is shown beside the project name it made, so
/// that the cut is seen (sweep of stop 55, L6: `acme-payments-platform-infra` became
/// `acme-payments-platfo` without a word).
#[test]
fn init_says_when_it_shortened_the_directory_name() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("acme-payments-platform-infra");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let o = tofugen(&root, &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "project `acme-payments-platfo` (from the directory's name `acme-payments-platform-infra`, made a valid project name of at most 20 characters; to choose another"
        ),
        "{}",
        text(&o)
    );
}
