//! The generated GitHub Actions workflows (snapshots and security properties) and
//! `tofugen affected`.

use std::collections::BTreeMap;

use serde_json::Value;
use tofugen::affected::{affected, compile_base, parse_changed_paths, to_json};
use tofugen::emit::workflows::PINS;
use tofugen::pipeline::{Compilation, compile};
use tofugen::write::MAX_GENERATED_BYTES as MAX;

const COMMITTED: &str = include_str!("../environments.yaml");

fn compiled(text: &str) -> Compilation {
    let c = compile("environments.yaml", text.as_bytes(), true);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c
}

fn workflows(text: &str) -> BTreeMap<String, String> {
    compiled(text)
        .files
        .into_iter()
        .filter(|(p, _)| p.starts_with(".github/workflows/"))
        .collect()
}

/// A workflow as JSON, parsed with tofugen's own YAML loader.
fn parse(path: &str, text: &str) -> Value {
    match tofugen::load::load(tofugen::source::SourceMap::single(path).1, text.as_bytes()) {
        Ok((_, node)) => node.to_json(),
        Err((_, diags)) => panic!("{path} is not valid YAML: {diags:#?}"),
    }
}

#[test]
fn snapshots_of_the_committed_configuration() {
    let files = workflows(COMMITTED);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".github/workflows/tofugen-deploy.yml",
            ".github/workflows/tofugen-pr.yml",
            ".github/workflows/tofugen-promote.yml",
            ".github/workflows/tofugen-rollback.yml",
        ]
    );
    for (path, text) in &files {
        let name = path.rsplit('/').next().unwrap();
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn every_action_is_pinned_by_sha_with_a_version_comment() {
    let pin =
        regex::Regex::new(r"^\s*(- )?uses: ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@([0-9a-f]{40})$")
            .unwrap();
    let release = regex::Regex::new(r"^\s*# [a-z_]+: (v[0-9]+\.[0-9]+\.[0-9]+|master)$").unwrap();
    let mut used = std::collections::BTreeSet::new();
    for (path, text) in workflows(COMMITTED) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("uses:"))
        {
            let caps = pin
                .captures(line)
                .unwrap_or_else(|| panic!("{path}: `{line}` is not pinned as `owner/repo@<sha>`"));
            assert!(
                release.is_match(lines[i - 1]),
                "{path}: `{line}` lacks its release comment above it: `{}`",
                lines[i - 1]
            );
            used.insert(format!("{}@{}", &caps[2], &caps[3]));
            // Only the pins from the research table.
            let value = format!("{}@{}", &caps[2], &caps[3]);
            assert!(
                PINS.iter()
                    .any(|(_, p)| p.starts_with(&format!("{value} # "))),
                "{path}: `{line}` is not one of the known pins"
            );
        }
    }
    assert!(
        used.len() >= 7,
        "expected the workflows to use the pinned actions, got {used:?}"
    );
}

#[test]
fn workflows_start_with_the_header_and_are_deterministic() {
    let a = workflows(COMMITTED);
    let b = workflows(COMMITTED);
    assert_eq!(a, b);
    for (path, text) in &a {
        assert!(
            text.starts_with(&tofugen::emit::header("#", "environments.yaml")),
            "{path} lacks the generated header"
        );
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "{path} ending"
        );
        assert!(
            !text.lines().any(|l| l.ends_with(' ')),
            "{path} has trailing blanks"
        );
    }
}

#[test]
fn least_privilege_and_no_untrusted_expansion_in_shell() {
    for (path, text) in workflows(COMMITTED) {
        let wf = parse(&path, &text);
        assert_eq!(
            wf["permissions"],
            serde_json::json!({}),
            "{path}: top-level permissions"
        );
        assert!(wf["on"].get("pull_request_target").is_none(), "{path}");
        for (job_id, job) in wf["jobs"].as_object().unwrap() {
            assert!(
                job["permissions"].is_object(),
                "{path}: {job_id} has no permissions"
            );
            assert!(
                job["timeout-minutes"].is_u64(),
                "{path}: {job_id} has no timeout"
            );
            let uses_secrets = job.to_string().contains("secrets.");
            if uses_secrets {
                assert!(
                    job["environment"].is_string(),
                    "{path}: {job_id} reads secrets outside a GitHub environment"
                );
            }
            for step in job["steps"].as_array().unwrap() {
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{path}: {job_id}: expression in run: {run}"
                    );
                }
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
                {
                    assert_eq!(
                        step["with"]["persist-credentials"],
                        Value::Bool(false),
                        "{path}: {job_id}: checkout persists credentials"
                    );
                }
            }
        }
    }
}

/// The concurrency groups of the jobs of `files` that run `tofu apply`, as `job:group`: the
/// job's own group, else its workflow's. Panics when an applying job holds none, and when a job
/// names its own workflow's group: GitHub cancels such a job ("a deadlock for concurrency group
/// ... was detected between 'top level workflow' and '<job>'", actions/languageservices#237,
/// github/vscode-github-actions#135), so the deploy would never run.
fn apply_locks(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut seen = Vec::new();
    for (path, text) in files {
        let wf = parse(path, text);
        let workflow_group = wf["concurrency"]["group"].as_str();
        for (job_id, job) in wf["jobs"].as_object().unwrap() {
            let own = job["concurrency"]["group"].as_str();
            assert!(
                own.is_none() || own != workflow_group,
                "{path}: {job_id} names its workflow's concurrency group {own:?}: a deadlock"
            );
            if job.to_string().contains("tofu apply") {
                let (group, cancel) = match own {
                    Some(g) => (g, &job["concurrency"]["cancel-in-progress"]),
                    None => (
                        workflow_group.unwrap_or_else(|| {
                            panic!("{path}: {job_id} applies without a concurrency group")
                        }),
                        &wf["concurrency"]["cancel-in-progress"],
                    ),
                };
                assert!(
                    group.starts_with("tofugen-deploy-"),
                    "{path}: {job_id}: {group}"
                );
                assert_eq!(cancel, &Value::Bool(false), "{path}: {job_id}");
                seen.push(format!("{job_id}:{group}"));
            }
        }
    }
    seen
}

#[test]
fn deploy_jobs_hold_the_environment_lock() {
    let seen = apply_locks(&workflows(COMMITTED));
    for expected in [
        "deploy-staging:tofugen-deploy-staging",
        "promote-production:tofugen-deploy-production",
        "rollback-staging:tofugen-deploy-staging",
        "rollback-production:tofugen-deploy-production",
    ] {
        assert!(
            seen.contains(&expected.to_string()),
            "{expected} in {seen:?}"
        );
    }
    // Every valid fixture too: chains of promotions, three environments, one environment.
    for (name, files) in valid_fixtures() {
        let workflows = files
            .into_iter()
            .filter(|(p, _)| p.starts_with(".github/workflows/"))
            .collect();
        assert!(!apply_locks(&workflows).is_empty(), "{name}");
    }
}

/// The generated files of every valid fixture under `tests/fixtures/valid/` (at least four),
/// by fixture file name.
fn valid_fixtures() -> Vec<(String, BTreeMap<String, String>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let c = compile("environments.yaml", text.as_bytes(), true);
            if !c.has_errors() {
                out.push((path.display().to_string(), c.files));
            }
        }
    }
    assert!(out.len() > 3, "{} fixtures", out.len());
    out
}

/// The lines of a generated YAML file over yamllint's `line-length` limit as `.ci/run` applies
/// it (160 characters, `../shared/validators/yamllint.yml`), as `path:line: length`. Mirrors
/// yamllint's default `allow-non-breakable-words` (yamllint/rules/line_length.py): a line whose
/// content after the indentation (and a leading `# ` or `- `) has no space may overflow.
fn long_lines(path: &str, text: &str) -> Vec<String> {
    const MAX: usize = 160;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let length = line.chars().count();
        if length <= MAX {
            continue;
        }
        let content = line.trim_start_matches(' ');
        let word = if let Some(rest) = content.strip_prefix('#') {
            rest.trim_start_matches('#').get(1..).unwrap_or("")
        } else if content.starts_with('-') {
            content.get(2..).unwrap_or("")
        } else {
            content
        };
        if word.contains(' ') {
            out.push(format!("{path}:{}: {length} characters", i + 1));
        }
    }
    out
}

/// yamllint (in `.ci/run`, over the workflows) refuses a line over 160 characters; `cargo test`
/// checks the same limit on the generated workflows of the committed configuration and of every
/// valid fixture, so that a long line fails here and not only in CI (a 289-character script
/// line once did).
#[test]
fn generated_yaml_lines_fit_yamllint_limit() {
    let mut sets = vec![("environments.yaml".to_string(), compiled(COMMITTED).files)];
    sets.extend(valid_fixtures());
    let mut long = Vec::new();
    let mut files = 0;
    for (name, generated) in &sets {
        for (path, text) in generated {
            if path.starts_with(".github/workflows/") {
                files += 1;
                long.extend(
                    long_lines(path, text)
                        .into_iter()
                        .map(|l| format!("{name}: {l}")),
                );
            }
        }
    }
    assert!(files > 20, "{files} workflows");
    assert!(
        long.is_empty(),
        "lines yamllint refuses:\n{}",
        long.join("\n")
    );
}

#[test]
fn long_lines_follow_yamllint() {
    let long = format!("    run: {}", "echo word ".repeat(20));
    let url = format!("    - https://example.com/{}", "a".repeat(200));
    let comment = format!("  # {}", "b".repeat(200));
    let text = format!("{long}\n{url}\n{comment}\nshort: line\n");
    assert_eq!(long_lines("f.yml", &text), vec!["f.yml:1: 209 characters"]);
}

#[test]
fn plans_never_run_for_forks() {
    let files = workflows(COMMITTED);
    let pr = parse("pr", &files[".github/workflows/tofugen-pr.yml"]);
    for env in ["staging", "production"] {
        let plan = &pr["jobs"][format!("plan-{env}")];
        let cond = plan["if"].as_str().unwrap();
        assert!(
            cond.contains("github.event.pull_request.head.repo.full_name == github.repository"),
            "{cond}"
        );
        assert!(
            cond.contains(&format!(
                "contains(fromJSON(needs.affected.outputs.environments), '{env}')"
            )),
            "{cond}"
        );
        assert_eq!(plan["environment"], format!("{env}-plan"));
        assert!(plan.to_string().contains("-lock=false"));
    }
}

#[test]
fn services_and_environments_come_from_the_configuration() {
    // Rename a service image, change the runner and drop promote_from: the workflows follow.
    let text = COMMITTED
        .replace("      image: evalap\n", "      image: evalap-app\n")
        .replace("runner: ubuntu-24.04", "runner: ubuntu-22.04")
        .replace("    promote_from: staging\n", "")
        .replace(
            "  production:\n",
            "  production:\n    scaleway_project: evalap-prod\n",
        );
    // Without promote_from, two environments promote from none: `ci.deploy_to` picks one.
    let text = text.replace("  branch: main\n", "  branch: main\n  deploy_to: staging\n");
    let files = workflows(&text);
    assert!(!files.contains_key(".github/workflows/tofugen-promote.yml"));
    let deploy = &files[".github/workflows/tofugen-deploy.yml"];
    assert!(
        deploy.contains("'rg.fr-par.scw.cloud/evalap-staging/evalap-app:${{"),
        "{deploy}"
    );
    assert!(!deploy.contains("/evalap:"));
    assert!(deploy.contains("runs-on: ubuntu-22.04"));
    assert!(!deploy.contains("ubuntu-24.04"));
}

// ------------------------------------------------------------------------------------------
// tofugen affected
// ------------------------------------------------------------------------------------------

fn affected_names(base: &str, head: &str, changed: &[&str]) -> Vec<String> {
    let base = compile_base("environments.yaml", base.as_bytes(), MAX);
    let head = compiled(head);
    let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    affected(base.as_ref(), &head, &changed, false, MAX)
        .into_iter()
        .map(|e| e.name)
        .collect()
}

/// A change that no effective value shows but the generated files do (the provider version
/// pinned in every root's versions.tf) affects every environment, naming the files: each
/// environment's files are emitted for both configurations and compared.
#[test]
fn affected_sees_generated_files_that_differ() {
    let head = COMMITTED.replace("scaleway_provider: 2.81.0", "scaleway_provider: 2.82.0");
    assert_ne!(head, COMMITTED);
    let base = compile_base("environments.yaml", COMMITTED.as_bytes(), MAX);
    let envs = affected(base.as_ref(), &compiled(&head), &[], false, MAX);
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["staging", "production"]);
    for e in &envs {
        let files = e
            .reasons
            .iter()
            .find(|r| r.starts_with("generated files differ: "))
            .unwrap_or_else(|| panic!("{}: {:?}", e.name, e.reasons));
        assert!(
            files.contains(&format!("generated/{}/versions.tf", e.name)),
            "{files}"
        );
        assert!(
            !files.contains("main.tf"),
            "only versions.tf changes: {files}"
        );
    }
}

#[test]
fn affected_nothing_when_nothing_changes() {
    assert!(affected_names(COMMITTED, COMMITTED, &[]).is_empty());
    // A comment changes no effective value and no generated file.
    let commented = COMMITTED.replace("project: evalap", "project: evalap # the name");
    assert!(affected_names(COMMITTED, &commented, &["environments.yaml"]).is_empty());
}

#[test]
fn affected_only_the_environment_whose_effective_config_changes() {
    let head = COMMITTED.replace("        memory: 4GB\n", "        memory: 6GB\n");
    assert_ne!(head, COMMITTED);
    assert_eq!(affected_names(COMMITTED, &head, &[]), ["production"]);
    let head = COMMITTED.replace(
        "        scale: { min: 0, max: 1 }\n",
        "        scale: { min: 0, max: 2 }\n",
    );
    assert_ne!(head, COMMITTED);
    assert_eq!(affected_names(COMMITTED, &head, &[]), ["staging"]);
}

#[test]
fn affected_both_when_a_default_changes() {
    let head = COMMITTED.replace("DB_NAME: evalap\n", "DB_NAME: evalap2\n");
    assert_ne!(head, COMMITTED);
    assert_eq!(
        affected_names(COMMITTED, &head, &[]),
        ["staging", "production"]
    );
}

#[test]
fn affected_by_changed_paths() {
    assert_eq!(
        affected_names(
            COMMITTED,
            COMMITTED,
            &["generated/staging/main.tf", "README.md"]
        ),
        ["staging"]
    );
    assert_eq!(
        affected_names(COMMITTED, COMMITTED, &["modules/service/main.tf"]),
        ["staging", "production"]
    );
    // `generated/stagingfoo/` is not `generated/staging/`.
    assert!(affected_names(COMMITTED, COMMITTED, &["generated/stagingfoo/x.tf"]).is_empty());
}

/// A tofugen upgrade changes the vendored modules while both configurations emit the same
/// roots: every environment is affected (sweep 34: `[]`, so the upgrade planned nothing). So
/// for a configured `modules.path`.
#[test]
fn affected_by_the_vendored_or_configured_modules() {
    let vendored = COMMITTED.replace("modules: { path: modules }\n", "");
    assert_ne!(vendored, COMMITTED);
    assert_eq!(
        affected_names(&vendored, &vendored, &["generated/modules/service/main.tf"]),
        ["staging", "production"]
    );
    // A team's own `modules/`, which the vendored roots do not call, affects nothing (sweep
    // 46, #4: every environment was planned, production's approval asked for).
    assert!(affected_names(&vendored, &vendored, &["modules/custom/main.tf"]).is_empty());
    let own = COMMITTED.replace(
        "modules: { path: modules }",
        "modules: { path: infra/mods }",
    );
    assert_eq!(
        affected_names(&own, &own, &["infra/mods/iam/main.tf"]),
        ["staging", "production"]
    );
    // `infra/modsx/` is not `infra/mods/`.
    assert!(affected_names(&own, &own, &["infra/modsx/iam/main.tf"]).is_empty());
}

#[test]
fn affected_by_the_modules_flag() {
    let head = compiled(COMMITTED);
    let base = compile_base("environments.yaml", COMMITTED.as_bytes(), MAX);
    assert_eq!(affected(base.as_ref(), &head, &[], true, MAX).len(), 2);
}

#[test]
fn affected_everything_when_the_base_is_missing_or_invalid() {
    assert_eq!(
        affected_names("", COMMITTED, &[]),
        ["staging", "production"]
    );
    assert_eq!(
        affected_names("project: [unclosed", COMMITTED, &[]),
        ["staging", "production"]
    );
}

#[test]
fn affected_a_new_environment() {
    let base = COMMITTED.replace("    promote_from: staging\n", "");
    let base = base.split("\n  production:\n").next().unwrap().to_string() + "\n";
    assert_eq!(affected_names(&base, COMMITTED, &[]), ["production"]);
}

#[test]
fn affected_json_is_what_the_plan_matrix_reads() {
    let head = COMMITTED.replace("        memory: 4GB\n", "        memory: 6GB\n");
    let base = compile_base("environments.yaml", COMMITTED.as_bytes(), MAX);
    let envs = affected(base.as_ref(), &compiled(&head), &[], false, MAX);
    assert!(
        envs[0].reasons[0].contains("services.api.memory"),
        "{:?}",
        envs[0].reasons
    );
    assert_eq!(
        to_json(&envs),
        r#"[{"name":"production","github_environment":"production","plan_environment":"production-plan","root":"generated/production","region":"fr-par"}]"#
    );
    assert_eq!(to_json(&[]), "[]");
}

#[test]
fn changed_paths_ignore_blank_lines() {
    assert_eq!(parse_changed_paths("a\n\n  b  \n"), ["a", "b"]);
}

/// The changed paths as real git writes them (`git diff --name-only`, which the plan workflow
/// runs): the paths git quotes (a byte over 0x7f, a tab, `"`, `\\`) come back as the files'
/// names, so that a changed module file with such a name still marks `modules/` changed; a
/// line that only looks quoted is kept as it is.
#[test]
fn changed_paths_decode_what_git_quotes() {
    let names = [
        "modules/x/caf\u{e9}.tf",
        "modules/x/tab\tq\"b\\s.tf",
        "modules/x/sp ace.tf",
        "modules/x/\u{65e5}\u{672c}.tf",
        "modules/x/bell\u{7}.tf",
    ];
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git (.ci/run's machine has it)");
        assert!(o.status.success(), "git {args:?}: {o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    std::fs::create_dir_all(dir.path().join("modules/x")).unwrap();
    for name in names {
        std::fs::write(dir.path().join(name), "x").unwrap();
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "head"]);
    let listed = git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert!(
        listed.contains("\"modules/x/caf\\303\\251.tf\""),
        "git quotes: {listed}"
    );
    let mut got = parse_changed_paths(&listed);
    got.sort();
    let mut want: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    // Not git's quoting (a dangling or unknown escape, a fourth octal digit's overflow): kept.
    for line in [r#""a\""#, r#""a\q""#, r#""a\400""#, r#""a"#] {
        assert_eq!(parse_changed_paths(line), [line]);
    }
}

/// A module file moved out of its directory changes what the roots run: the PR workflow lists
/// the changed paths without rename detection, so the old path is listed and `affected` plans
/// every environment (sweep 28, F1: `git diff --name-only` listed only the new name, and
/// `affected` printed `[]`). The command is run as the generated workflow writes it.
#[test]
fn a_module_file_moved_away_marks_modules_changed() {
    let pr = &workflows(COMMITTED)[".github/workflows/tofugen-pr.yml"];
    let command = pr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("git diff "))
        .expect("the PR workflow lists the changed paths with git diff");
    assert_eq!(
        command,
        "git diff --no-renames --name-only \"${BASE_SHA}...HEAD\" > \"$RUNNER_TEMP/changed-paths.txt\""
    );
    let dir = tempfile::tempdir().unwrap();
    let run = |script: &str| {
        let o = std::process::Command::new("bash")
            .args(["-ec", script])
            .current_dir(dir.path())
            .env("RUNNER_TEMP", dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("bash and git (.ci/run's machine has them)");
        assert!(o.status.success(), "{script}: {o:?}");
    };
    run(
        "git init -q && mkdir -p modules/database && echo 'resource \"x\" \"y\" {}' > modules/database/privilege.tf \
         && git add -A && git -c user.name=t -c user.email=t@example.org commit -qm base \
         && mkdir docs && git mv modules/database/privilege.tf docs/notes.tf.txt \
         && git -c user.name=t -c user.email=t@example.org commit -qm head",
    );
    run(&format!("BASE_SHA=$(git rev-parse HEAD~1); {command}"));
    let listed = std::fs::read_to_string(dir.path().join("changed-paths.txt")).unwrap();
    let paths = parse_changed_paths(&listed);
    assert_eq!(
        paths,
        ["docs/notes.tf.txt", "modules/database/privilege.tf"]
    );
    let base = compile_base("environments.yaml", COMMITTED.as_bytes(), MAX);
    let envs = affected(base.as_ref(), &compiled(COMMITTED), &paths, false, MAX);
    assert_eq!(envs.len(), 2, "{envs:?}");
    assert!(
        envs.iter()
            .all(|e| e.reasons.iter().any(|r| r == "modules/ changed")),
        "{envs:?}"
    );
    // The module directory itself (made a file or a symlink), and an environment's root.
    for (path, expected) in [
        ("modules", 2),
        ("generated/staging", 1),
        ("modulesx/a.tf", 0),
        ("generated/stagingx", 0),
    ] {
        let envs = affected(
            base.as_ref(),
            &compiled(COMMITTED),
            &[path.to_string()],
            false,
            MAX,
        );
        assert_eq!(envs.len(), expected, "{path}: {envs:?}");
    }
}

/// Past the output cap (`--max-output-mib`), `affected` stops emitting: an environment whose
/// files it could not compare counts as affected, and says why.
#[test]
fn affected_over_the_output_cap_counts_the_environment_as_affected() {
    let base = compile_base("environments.yaml", COMMITTED.as_bytes(), MAX);
    let envs = affected(base.as_ref(), &compiled(COMMITTED), &[], false, 4096);
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["staging", "production"]);
    for e in &envs {
        assert!(
            e.reasons
                .iter()
                .any(|r| r.starts_with("generated files not compared")),
            "{:?}",
            e.reasons
        );
    }
}

/// A promotion copies each service's image from the source environment's image of the same
/// service, which may be named differently from the target's.
#[test]
fn promotion_copies_from_the_source_environments_image_of_each_service() {
    let text = COMMITTED.replace(
        "      ui:\n        scale: { min: 2, max: 4 }\n",
        "      ui:\n        image: evalap-ui-prod\n        scale: { min: 2, max: 4 }\n",
    );
    assert_ne!(text, COMMITTED);
    let files = workflows(&text);
    let promote = parse("promote", &files[".github/workflows/tofugen-promote.yml"]);
    let job = &promote["jobs"]["promote-production"];
    let copies = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["env"]["COPIES"].as_str())
        .expect("a COPIES variable");
    // A YAML string holding JSON.
    let copies: Value = serde_json::from_str(copies).unwrap();
    let ui = copies
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == "ui")
        .expect("the ui service is copied");
    assert_eq!(ui["source_image"], "evalap");
    assert_eq!(ui["image"], "evalap-ui-prod");
    let api = copies
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == "api")
        .unwrap();
    assert_eq!(api["source_image"], "evalap");
    assert_eq!(api["image"], "evalap");
}

/// `ci.tofugen` with `install: git` and `rev`: every workflow installs that commit (`--rev`,
/// the SHA through `env:`), cached under a key naming it; without `rev`, the version's tag. A
/// `git` given with another method, or `install: git` without `git`, is TG050 (sweep 34: the
/// starter's `crates` default cannot install an unpublished tofugen, and a commit could not be
/// pinned).
#[test]
fn tofugen_is_installed_from_a_pinned_commit() {
    let rev = "0123456789abcdef0123456789abcdef01234567";
    let text = COMMITTED.replace(
        "  tofugen: { install: source }\n",
        &format!(
            "  tofugen: {{ install: git, git: \"https://example.org/acme/tofugen\", rev: {rev} }}\n"
        ),
    );
    assert_ne!(text, COMMITTED);
    let files = workflows(&text);
    let pr = &files[".github/workflows/tofugen-pr.yml"];
    assert!(
        pr.contains(r#"cargo install --locked --git "$TOFUGEN_GIT" --rev "$TOFUGEN_REV" tofugen"#),
        "{pr}"
    );
    assert!(pr.contains(&format!("TOFUGEN_REV: '{rev}'")), "{pr}");
    assert!(
        pr.contains(&format!("key: 'tofugen-git-0.1.0-{rev}-")),
        "{pr}"
    );
    assert!(!pr.contains("--tag"), "{pr}");
    let tag = workflows(&text.replace(&format!(", rev: {rev}"), ""));
    let tag = &tag[".github/workflows/tofugen-pr.yml"];
    assert!(tag.contains(r#"--tag "v$TOFUGEN_VERSION""#));
    // The cache key names the method and the repository (sweep 17: `install: git` without
    // `rev` shared the crates key, so switching restored the other build): the same version
    // from crates.io, from this repository and from another one are three keys.
    let key = |w: &str| {
        w.lines()
            .find(|l| l.trim_start().starts_with("key: 'tofugen-"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{w}"))
    };
    let crates = workflows(&COMMITTED.replace(
        "  tofugen: { install: source }\n",
        "  tofugen: { install: crates }\n",
    ));
    let crates = &crates[".github/workflows/tofugen-pr.yml"];
    let other = workflows(
        &text
            .replace(&format!(", rev: {rev}"), "")
            .replace("acme", "other"),
    );
    let other = &other[".github/workflows/tofugen-pr.yml"];
    assert!(
        key(crates).contains("'tofugen-crates-0.1.0-"),
        "{}",
        key(crates)
    );
    assert!(key(tag).contains("'tofugen-git-0.1.0-"), "{}", key(tag));
    let keys: std::collections::BTreeSet<String> =
        [crates, tag, other].iter().map(|w| key(w)).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");

    for bad in [
        "  tofugen: { install: git }\n",
        "  tofugen: { install: crates, git: \"https://example.org/acme/tofugen\" }\n",
        &format!("  tofugen: {{ rev: {rev} }}\n"),
    ] {
        let c = compile(
            "environments.yaml",
            COMMITTED
                .replace("  tofugen: { install: source }\n", bad)
                .as_bytes(),
            true,
        );
        assert!(
            c.diagnostics.iter().any(|d| d.code == "TG050"),
            "{bad}: {:#?}",
            c.diagnostics
        );
    }
}

/// Every job that reads a secret other than the workflow's own token runs in a GitHub
/// environment: an environment's secrets reach only its jobs, on its deployment branches,
/// while a repository secret reaches every run, a pull request's included (sweep 57, H2-F7:
/// `APP_REPOSITORY_TOKEN` was read by a job without one). Checked on the committed
/// configuration and with a private application repository.
#[test]
fn every_job_reading_a_secret_runs_in_an_environment() {
    let private = COMMITTED.replace(
        "  app_repository: etalab-ia/evalap\n",
        "  app_repository: etalab-ia/evalap\n  app_repository_private: true\n",
    );
    assert_ne!(private, COMMITTED);
    // Any use of the `secrets` context in an expression (inside `${{ }}`, or an `if:`), in any
    // case and form (`secrets.X`, `secrets['X']`, `toJSON(secrets)`), but the workflow's own
    // token. Text outside expressions ("update the GitHub secrets") is not a read. Not seen: a
    // `}}` inside a string literal of an expression ends it early here, and `secrets: inherit`
    // (the generated workflows call no reusable workflow) is not an expression.
    let context = regex::Regex::new(r"(?i)\bsecrets\b(\s*\.\s*github_token\b)?").unwrap();
    fn expressions(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
        match v {
            Value::String(s) if key == Some("if") => out.push(s.clone()),
            Value::String(s) => {
                let mut rest = s.as_str();
                while let Some(i) = rest.find("${{") {
                    let end = rest[i..].find("}}").map_or(rest.len(), |e| i + e);
                    out.push(rest[i + 3..end].to_string());
                    rest = &rest[end..];
                }
            }
            Value::Array(items) => items.iter().for_each(|i| expressions(i, None, out)),
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| expressions(v, Some(k.as_str()), out)),
            _ => {}
        }
    }
    let reads = |v: &Value| {
        let mut found = Vec::new();
        expressions(v, None, &mut found);
        found
            .iter()
            .any(|e| context.captures_iter(e).any(|c| c.get(1).is_none()))
    };
    let mut readers = 0;
    for config in [COMMITTED, private.as_str()] {
        for (path, text) in workflows(config) {
            let mut flow = parse(&path, &text);
            let jobs = flow.as_object_mut().unwrap().remove("jobs").unwrap();
            // Outside the jobs (the workflow's `env:`, `run-name`...), every job would read it.
            assert!(!reads(&flow), "{path} reads a secret outside its jobs");
            for (id, job) in jobs.as_object().unwrap() {
                if reads(job) {
                    readers += 1;
                    assert!(
                        job["environment"].is_string(),
                        "{path}: job {id} reads a secret outside any environment"
                    );
                }
            }
        }
    }
    // The deploy, promote, rollback and plan jobs at least, and the private checkout's.
    assert!(readers > 8, "{readers}");
    let private_deploy = &workflows(&private)[".github/workflows/tofugen-deploy.yml"];
    let flow = parse("deploy", private_deploy);
    assert_eq!(flow["jobs"]["app-commit"]["environment"], "staging");
    assert!(
        flow["jobs"]["app-commit"]
            .to_string()
            .contains("secrets.APP_REPOSITORY_TOKEN")
    );
}
