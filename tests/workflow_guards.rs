//! Executes the generated scripts of the guard steps, not just reads them: each script is
//! taken from the generated workflow, given the step's `env:` (its `${{ }}` values replaced by
//! test values, as the runner does) and run as GitHub runs `shell: bash`
//! (`bash --noprofile --norc -eo pipefail`), with stub `gh` and `git` first on the `PATH`.
//!
//! - Every job that applies an environment first refuses unless the run's commit is the tip of
//!   `ci.branch`: a re-run keeps its original commit (`GITHUB_SHA`) and would apply that
//!   commit's generated tree over newer state.
//! - The deploy workflow resolves the application commit once (job `app-commit`) and every build
//!   checks out that commit, so two builds cannot get two commits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tofugen::pipeline::compile;

mod common;

const COMMITTED: &str = include_str!("../environments.yaml");

const TIP: &str = "1111111111111111111111111111111111111111";
const OLD: &str = "2222222222222222222222222222222222222222";
const APP: &str = "0123456789abcdef0123456789abcdef01234567";

/// The workflows generated from `config`, parsed to JSON.
fn workflows(config: &str) -> BTreeMap<String, Value> {
    let c = compile("environments.yaml", config.as_bytes(), true);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c.files
        .into_iter()
        .filter(|(p, _)| p.starts_with(".github/workflows/"))
        .map(|(p, text)| {
            let (_, node) =
                tofugen::load::load(tofugen::source::SourceMap::single(&p).1, text.as_bytes())
                    .unwrap_or_else(|(_, d)| panic!("{p}: {d:#?}"));
            (p, node.to_json())
        })
        .collect()
}

/// The jobs that apply an environment: those with a step running `tofu apply`.
fn applying_jobs(workflows: &BTreeMap<String, Value>) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, w) in workflows {
        for (id, job) in w["jobs"].as_object().expect("jobs") {
            let applies = steps(job).iter().any(|s| run(s).contains("tofu apply"));
            if applies {
                out.push((format!("{path}:{id}"), job));
            }
        }
    }
    out
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_array().expect("steps")
}

fn run(step: &Value) -> &str {
    step["run"].as_str().unwrap_or("")
}

fn named<'a>(job: &'a Value, prefix: &str) -> &'a Value {
    steps(job)
        .iter()
        .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no step named `{prefix}…` in {job:#}"))
}

/// A temporary directory with `bin/` holding executable stubs.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(stubs: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        for (name, body) in stubs {
            let path = bin.join(name);
            std::fs::write(&path, format!("#!/bin/bash\n{body}")).expect("stub");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Sandbox { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `step`'s script as GitHub does, with its `env:` (expressions replaced from
    /// `exprs`) and `extra`; returns (success, stdout + stderr, $GITHUB_OUTPUT).
    fn run(
        &self,
        step: &Value,
        exprs: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> (bool, String, String) {
        let script = run(step);
        assert!(
            !script.contains("${{"),
            "a value reaches the script only through env: {script}"
        );
        let file = self.path("script.sh");
        std::fs::write(&file, script).expect("script");
        let output = self.path("github_output");
        std::fs::write(&output, "").expect("output");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(self.dir.path())
            .env_clear()
            .env(
                "PATH",
                common::path_with_runner_jq(&self.path("bin"), "/usr/bin:/bin")
                    .unwrap_or_else(|| format!("{}:/usr/bin:/bin", self.path("bin").display())),
            )
            .env("GITHUB_OUTPUT", &output)
            // What the runner sets for a run's first attempt (the re-run guards read them).
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("STUBS", self.dir.path());
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                let v = v.as_str().expect("env values are strings");
                let value = match v.strip_prefix("${{ ").and_then(|e| e.strip_suffix(" }}")) {
                    Some(expr) => exprs
                        .iter()
                        .find(|(e, _)| *e == expr)
                        .unwrap_or_else(|| panic!("no test value for `{expr}`"))
                        .1
                        .to_string(),
                    None => {
                        assert!(!v.contains("${{"), "{k}: {v}");
                        v.to_string()
                    }
                };
                cmd.env(k, value);
            }
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let github_output = std::fs::read_to_string(&output).expect("read output");
        (out.status.success(), text, github_output)
    }
}

/// A stub `gh` that logs its arguments to $STUBS/gh.log and prints $STUBS/tip (or fails when
/// the file is absent), as `gh api … --jq .object.sha` prints the tip's SHA.
const GH: &str = r#"printf '%s\n' "$*" >> "$STUBS/gh.log"
[ -f "$STUBS/tip" ] || { echo "gh: HTTP 404" >&2; exit 1; }
cat "$STUBS/tip"
"#;

/// A stub `git` answering `rev-parse HEAD` with $STUBS/head.
const GIT: &str = r#"[ "$*" = "rev-parse HEAD" ] || { echo "unexpected git $*" >&2; exit 2; }
cat "$STUBS/head"
"#;

fn guard_exprs(run_sha: &str, reference: &str) -> Vec<(&'static str, String)> {
    vec![
        ("github.token", "token".into()),
        ("github.repository", "acme/infra".into()),
        ("github.sha", run_sha.into()),
        ("github.ref", reference.into()),
    ]
}

/// Runs the guard of `job` with the branch tip `tip` (`None`: the API call fails) and the
/// run's commit `run_sha`.
fn guard(job: &Value, tip: Option<&str>, run_sha: &str) -> (bool, String, String) {
    guard_on(job, tip, run_sha, "refs/heads/main")
}

/// [`guard`] in a run of `reference` (`github.ref`).
fn guard_on(
    job: &Value,
    tip: Option<&str>,
    run_sha: &str,
    reference: &str,
) -> (bool, String, String) {
    let sandbox = Sandbox::new(&[("gh", GH)]);
    if let Some(tip) = tip {
        std::fs::write(sandbox.path("tip"), tip).expect("tip");
    }
    let exprs = guard_exprs(run_sha, reference);
    let exprs: Vec<(&str, &str)> = exprs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (ok, text, _) = sandbox.run(named(job, "Refuse unless"), &exprs, &[]);
    let log = std::fs::read_to_string(sandbox.path("gh.log")).unwrap_or_default();
    (ok, text, log)
}

#[test]
fn every_applying_job_refuses_a_commit_that_is_not_the_tip_of_the_branch() {
    let workflows = workflows(COMMITTED);
    let jobs = applying_jobs(&workflows);
    // deploy-staging, promote-production, rollback-staging, rollback-production.
    assert_eq!(
        jobs.len(),
        4,
        "{:?}",
        jobs.iter().map(|j| &j.0).collect::<Vec<_>>()
    );
    for (name, job) in jobs {
        // The guard is the first step: before any check-out, copy or apply.
        let first = &steps(job)[0];
        assert!(
            first["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Refuse unless")),
            "{name}: the first step is {first:#}"
        );
        assert_eq!(
            job["permissions"]["contents"], "read",
            "{name}: the guard reads the branch with contents: read"
        );

        // The tip: accepted, after asking for the configured branch of this repository.
        let (ok, text, log) = guard(job, Some(TIP), TIP);
        assert!(ok, "{name}: the tip must be accepted: {text}");
        assert_eq!(
            log.trim(),
            "api repos/acme/infra/git/ref/heads/main --jq .object.sha",
            "{name}"
        );

        // A re-run of an older commit: refused, telling the operator what to do.
        let (ok, text, _) = guard(job, Some(TIP), OLD);
        assert!(
            !ok,
            "{name}: a re-run of an old commit must be refused: {text}"
        );
        assert!(
            text.contains(&format!(
                "::error::this run is for {OLD} but main is now at {TIP}"
            )) && text.contains("Start a new run of this workflow from main"),
            "{name}: {text}"
        );

        // A run of another branch (or a tag) at the tip's commit: refused before any call (its
        // workflow files decide what it runs).
        for reference in [
            "refs/heads/feature",
            "refs/tags/v1",
            "refs/heads/main-2",
            "",
        ] {
            let (ok, text, log) = guard_on(job, Some(TIP), TIP, reference);
            assert!(
                !ok,
                "{name}: a run of {reference:?} must be refused: {text}"
            );
            assert!(
                text.contains("not refs/heads/main: another branch's"),
                "{name}: {text}"
            );
            assert!(log.is_empty(), "{name}: {log}");
        }

        // The tip cannot be read, or is not one SHA: refused (fail closed).
        for bad in [
            None,
            Some(""),
            Some("11111111"),
            Some(
                "1111111111111111111111111111111111111111\n2222222222222222222222222222222222222222",
            ),
        ] {
            let (ok, text, _) = guard(job, bad, TIP);
            assert!(!ok, "{name}: tip {bad:?} must be refused: {text}");
        }
        // The run's commit is not one SHA (multi-line, short): refused before any call.
        for bad in [
            format!("{TIP}\n::warning::spoofed"),
            "1111111".to_string(),
            String::new(),
        ] {
            let (ok, text, log) = guard(job, Some(TIP), &bad);
            assert!(!ok, "{name}: run commit {bad:?} must be refused: {text}");
            assert!(log.is_empty(), "{name}: {log}");
        }
    }
}

/// Three services, three images: three build jobs.
fn three_images() -> String {
    tofugen::synthetic::config(3, 2)
}

#[test]
fn the_application_commit_is_resolved_once_for_every_build() {
    let workflows = workflows(&three_images());
    let deploy = &workflows[".github/workflows/tofugen-deploy.yml"]["jobs"];
    let jobs = deploy.as_object().expect("jobs");
    let builds: Vec<(&String, &Value)> = jobs
        .iter()
        .filter(|(id, _)| id.starts_with("build-"))
        .collect();
    assert_eq!(builds.len(), 3, "{:?}", jobs.keys().collect::<Vec<_>>());
    let app = &deploy["app-commit"];
    assert_eq!(app["outputs"]["sha"], "${{ steps.commit.outputs.sha }}");
    let checkout = named(app, "Check out the application");
    assert_eq!(checkout["with"]["ref"], "${{ inputs.app_ref }}");
    for (id, build) in &builds {
        assert_eq!(build["needs"], serde_json::json!(["app-commit"]), "{id}");
        let checkout = named(build, "Check out the application");
        assert_eq!(
            checkout["with"]["ref"], "${{ needs.app-commit.outputs.sha }}",
            "{id}: every build checks out the one resolved commit"
        );
    }

    // The checkout fetches every branch and tag, which the resolving step looks the commit up
    // in (sweep 55b, #1).
    assert_eq!(checkout["with"]["fetch-depth"], 0);
    assert_eq!(checkout["with"]["filter"], "blob:none");
    let resolve = named(app, "Resolve the application commit");
    resolving_needs_a_branch_or_tag(resolve);

    // The resolving step, executed: anything but one 40-hex SHA fails with no output.
    let sandbox = Sandbox::new(&[("git", GIT)]);
    for bad in [
        format!("{APP}\n{OLD}\n"),
        format!("{APP}\nsha={OLD}\n"),
        "0123456\n".to_string(),
        format!("{}\n", APP.to_uppercase()),
        String::new(),
    ] {
        std::fs::write(sandbox.path("head"), &bad).expect("head");
        let (ok, text, output) = sandbox.run(resolve, &[], &[]);
        assert!(!ok, "{bad:?} must be refused: {text}");
        assert!(output.is_empty(), "{bad:?}: {output}");
        assert!(text.contains("::error::"), "{text}");
    }

    // Each build checks that it checked out that commit.
    for (id, build) in &builds {
        let source = named(build, "Commit being built");
        std::fs::write(sandbox.path("head"), format!("{APP}\n")).expect("head");
        let exprs = [("needs.app-commit.outputs.sha", APP)];
        let (ok, text, output) = sandbox.run(source, &exprs, &[]);
        assert!(ok, "{id}: {text}");
        assert_eq!(output, format!("sha={APP}\n"), "{id}");
        // A build that got another commit (the default branch moved) stops.
        std::fs::write(sandbox.path("head"), format!("{OLD}\n")).expect("head");
        let (ok, text, output) = sandbox.run(source, &exprs, &[]);
        assert!(!ok, "{id}: {text}");
        assert!(output.is_empty(), "{id}: {output}");
    }
}

/// The resolving step run by real git in a repository laid out as actions/checkout leaves one
/// with `fetch-depth: 0` (branches under refs/remotes/origin/, tags under refs/tags/, a pull
/// request's head under refs/remotes/pull/): a commit on a branch (its tip or an ancestor) or a
/// tag is the output; a pull request's commit, on no branch or tag, or only on a merge queue's
/// temporary branches, is refused with no output.
fn resolving_needs_a_branch_or_tag(resolve: &Value) {
    if !common::commands_available(&["git"]) {
        return;
    }
    let sandbox = Sandbox::new(&[]);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(sandbox.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", sandbox.dir.path())
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    let commit = |message: &str| {
        git(&["commit", "-q", "--allow-empty", "-m", message]);
        git(&["rev-parse", "HEAD"])
    };
    let first = commit("first");
    let tip = commit("tip of main");
    git(&["update-ref", "refs/remotes/origin/main", &tip]);
    let pull = commit("a pull request's commit");
    git(&["update-ref", "refs/remotes/pull/7/merge", &pull]);
    let queued = commit("a merge queue's commit");
    git(&[
        "update-ref",
        "refs/remotes/origin/gh-readonly-queue/main/pr-7-abc",
        &queued,
    ]);
    git(&[
        "update-ref",
        "refs/remotes/origin/mergify/merge-queue/x",
        &queued,
    ]);
    git(&["checkout", "-q", "--detach", &first]);
    let tagged = commit("a tagged release, on no branch");
    git(&["update-ref", "refs/tags/v1", &tagged]);
    let exprs = [];
    for (head, built) in [
        (&first, true),
        (&tip, true),
        (&tagged, true),
        (&pull, false),
        (&queued, false),
    ] {
        git(&["checkout", "-q", "--detach", head]);
        let (ok, text, output) = sandbox.run(resolve, &exprs, &[("APP_REPOSITORY", "acme/app")]);
        if built {
            assert!(ok, "{head}: {text}");
            assert_eq!(output, format!("sha={head}\n"));
        } else {
            assert!(!ok, "{head} must be refused: {text}");
            assert!(output.is_empty(), "{output}");
            assert!(
                text.contains(&format!(
                    "::error::the application commit {head} is on no branch or tag of acme/app"
                )),
                "{text}"
            );
        }
    }
}

/// A stub `tofu` that logs its arguments to $STUBS/tofu.log; `tofu output` finds no state.
const TOFU: &str = r#"printf '%s\n' "$*" >> "$STUBS/tofu.log"
# `tofu output -json` of a state without outputs, as OpenTofu 1.12.6 prints it.
[ "$1" != output ] || { echo '{}'; exit 0; }
"#;

/// Every `${{ }}` expression of `step`'s `env:`, given a placeholder value.
fn placeholder_exprs(step: &Value) -> Vec<(&str, &str)> {
    step["env"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_str()?.strip_prefix("${{ ")?.strip_suffix(" }}"))
        .map(|e| (e, "placeholder"))
        .collect()
}

/// Every step that runs `tofu init` refuses a root holding OpenTofu's local files, which in a
/// job's fresh checkout were committed (`tofugen check` ignores them: a developer's own `tofu
/// init` leaves them): a provider under `.terraform/providers` that a committed lock file
/// names would run with the job's secrets. Without them, `tofu init` runs.
#[test]
fn every_tofu_init_refuses_committed_opentofu_local_files() {
    if common::path_with_runner_jq(Path::new("/"), "").is_none()
        || !common::commands_available(&["find"])
    {
        return;
    }
    let workflows = workflows(COMMITTED);
    let mut scripts: BTreeMap<String, Value> = BTreeMap::new();
    for (path, w) in &workflows {
        for (id, job) in w["jobs"].as_object().expect("jobs") {
            for step in steps(job) {
                if run(step).contains("tofu init") {
                    scripts.entry(run(step).to_string()).or_insert_with(|| {
                        let mut s = step.clone();
                        s["at"] = Value::String(format!("{path}:{id}"));
                        s
                    });
                }
            }
        }
    }
    // The PR workflow's validation of every root, the plan, and the deploy's init.
    assert!(scripts.len() >= 3, "{:#?}", scripts.keys());
    let planted: [(&str, bool); 6] = [
        (".terraform/providers/registry.opentofu.org/x", true),
        // OpenTofu's implicit provider mirror in the working directory (sweep 57, H2-F2).
        (
            "terraform.d/plugins/registry.opentofu.org/scaleway/scaleway/2.81.0/linux_amd64",
            true,
        ),
        ("terraform.d", false),
        (".terraform.lock.hcl", false),
        ("terraform.tfstate", false),
        ("saved.tfplan", false),
    ];
    for step in scripts.values() {
        let at = step["at"].as_str().expect("at");
        let roots = ["generated/bootstrap", "generated/staging"];
        for plant in std::iter::once(None).chain(planted.iter().map(Some)) {
            let sandbox = Sandbox::new(&[("tofu", TOFU)]);
            std::fs::create_dir(sandbox.path("tmp")).expect("tmp");
            // The step runs in the root (working-directory) or, for the PR's validation, in the
            // checkout with $ROOTS: plant in both.
            let mut dirs = vec![sandbox.path("")];
            dirs.extend(roots.iter().map(|r| sandbox.path(r)));
            for dir in &dirs {
                std::fs::create_dir_all(dir).expect("root");
                if let Some((name, is_dir)) = plant {
                    let p = dir.join(name);
                    if *is_dir {
                        std::fs::create_dir_all(&p).expect("plant");
                    } else {
                        std::fs::write(&p, "planted").expect("plant");
                    }
                }
            }
            let roots_json = serde_json::to_string(&roots).expect("json");
            let tmp = sandbox.path("tmp");
            let summary = sandbox.path("summary");
            let extra = [
                ("ROOTS", roots_json.as_str()),
                ("RUNNER_TEMP", tmp.to_str().expect("utf-8")),
                ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
            ];
            let (ok, text, _) = sandbox.run(step, &placeholder_exprs(step), &extra);
            let log = std::fs::read_to_string(sandbox.path("tofu.log")).unwrap_or_default();
            let inits = log.lines().filter(|l| l.starts_with("init")).count();
            match plant {
                None => assert!(inits > 0, "{at}: tofu init did not run: {text}"),
                Some((name, _)) => {
                    let top = name.split('/').next().expect("name");
                    assert!(!ok, "{at}: {name} planted, yet the step succeeded: {text}");
                    assert_eq!(inits, 0, "{at}: {name} planted, yet tofu init ran: {log}");
                    assert!(
                        text.contains("holds OpenTofu local files from the checkout")
                            && text.contains(top),
                        "{at}: {text}"
                    );
                }
            }
        }
    }
}

/// A stub `tofu output -json alert_rule_targets`: the environment's project and the backup
/// project (the committed configuration's production has both).
const TARGETS_TOFU: &str = r#"[ "$*" = "output -no-color -json alert_rule_targets" ] || { echo "unexpected tofu $*" >&2; exit 2; }
echo '{"scaleway": {"project_id": "env-project", "token": "t1"}, "backups": {"project_id": "backup-project", "token": "t2"}}'
"#;

/// A stub `curl` that logs its arguments and lists no data source in any project.
const NO_SOURCE_CURL: &str = r#"printf '%s\n' "$*" >> "$STUBS/curl.log"
echo '{"data_sources": []}'
"#;

/// The step of the committed configuration's promotion to production that pushes its alert
/// rules.
fn production_rules_push(workflows: &BTreeMap<String, Value>) -> &Value {
    let job = workflows[".github/workflows/tofugen-promote.yml"]["jobs"]
        .as_object()
        .expect("jobs")
        .values()
        .find(|j| {
            j["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Promote "))
        })
        .expect("a promotion job");
    named(job, "Push the alert rules of production")
}

/// The rollback's rules push (with `apply_other_changes`, sweep 58b, #1) is the promotion's
/// step, the same script with the same environment, under a condition of its own: the tests of
/// the promotion's push (below) hold for it.
#[test]
fn the_rollback_pushes_the_rules_with_the_promotion_s_step() {
    let workflows = workflows(COMMITTED);
    let promote = production_rules_push(&workflows);
    let rollback = named(
        &workflows[".github/workflows/tofugen-rollback.yml"]["jobs"]["rollback-production"],
        "Push the alert rules of production",
    );
    assert_eq!(rollback["run"], promote["run"]);
    assert_eq!(rollback["env"], promote["env"]);
    assert_eq!(rollback["working-directory"], promote["working-directory"]);
    assert_eq!(rollback["if"], "success() && inputs.apply_other_changes");
    assert_eq!(promote["if"], Value::Null);
}

/// Runs the rules push `push` in `sandbox` with one rule file `content` in each of
/// `alerts/<dir>/`; returns (success, output, the job summary).
fn run_rules_push(
    sandbox: &Sandbox,
    push: &Value,
    dirs: &[&str],
    content: &str,
) -> (bool, String, String) {
    for dir in dirs {
        let alerts = sandbox.path(&format!("alerts/{dir}"));
        std::fs::create_dir_all(&alerts).expect("alerts");
        std::fs::write(alerts.join("rules.yml"), content).expect("rules");
    }
    let summary = sandbox.path("summary.md");
    let temp = sandbox.path("tmp");
    std::fs::create_dir(&temp).expect("tmp");
    let (summary_s, temp_s) = (summary.display().to_string(), temp.display().to_string());
    let (ok, text, _) = sandbox.run(
        push,
        &placeholder_exprs(push),
        &[
            ("GITHUB_STEP_SUMMARY", &summary_s),
            ("RUNNER_TEMP", &temp_s),
        ],
    );
    (
        ok,
        text,
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

/// The alert-rules push of a deploy, run with no Scaleway metrics data source in either project
/// (sweep 55a, #1): the backup project's appears only once a backup job has run, which no apply
/// starts, so its rules are left for a later run with a warning after three lookups; the
/// environment's own is waited for (30 lookups) and its absence fails the job.
#[test]
fn the_rules_push_waits_for_the_environment_source_and_not_for_the_backup_one() {
    if common::path_with_runner_jq(Path::new("/"), "").is_none() {
        return;
    }
    let workflows = workflows(COMMITTED);
    let push = production_rules_push(&workflows);
    for (dir, ok, lookups) in [("backups", true, 3), ("scaleway", false, 30)] {
        let sandbox = Sandbox::new(&[
            ("tofu", TARGETS_TOFU),
            ("curl", NO_SOURCE_CURL),
            ("sleep", "printf '%s\\n' \"$*\" >> \"$STUBS/sleep.log\"\n"),
        ]);
        let (succeeded, text, summary) = run_rules_push(&sandbox, push, &[dir], "groups: []\n");
        let curl = std::fs::read_to_string(sandbox.path("curl.log")).unwrap_or_default();
        assert_eq!(curl.lines().count(), lookups, "{dir}: {curl}");
        assert!(
            curl.lines().all(|l| !l.contains("-X POST")),
            "{dir}: {curl}"
        );
        let sleeps = std::fs::read_to_string(sandbox.path("sleep.log")).unwrap_or_default();
        assert_eq!(sleeps.lines().count(), lookups - 1, "{dir}: {sleeps}");
        assert_eq!(succeeded, ok, "{dir}: {text}");
        if ok {
            assert!(
                text.contains("::warning::no Scaleway metrics data source in the backup project backup-project yet: it appears once a backup job has run"),
                "{text}"
            );
            assert!(
                summary.contains("the backups alert rules were not pushed"),
                "{summary}"
            );
        } else {
            assert!(
                text.contains("::error::no scaleway metrics data source in project env-project: the scaleway alert rules were not pushed"),
                "{text}"
            );
        }
    }
}

/// A stub `docker buildx imagetools inspect REF --format F`: no image unless $STUBS/config.json
/// exists; then a manifest of one digest (`{{json .Manifest}}`) and that image config
/// (`{{json .Image}}`).
const IMAGETOOLS_DOCKER: &str = r#"[ "$1 $2 $3" = "buildx imagetools inspect" ] || { echo "unexpected docker $*" >&2; exit 2; }
[ -f "$STUBS/config.json" ] || { echo "not found" >&2; exit 1; }
case "$6" in
  '{{json .Manifest}}') echo '{"digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}' ;;
  '{{json .Image}}') cat "$STUBS/config.json" ;;
  *) echo "unexpected format $6" >&2; exit 2 ;;
esac
"#;

/// A stub `curl` that logs its arguments: the environment's project has a Scaleway metrics
/// data source, the backup project none; every other call (the rules) answers nothing.
const ENV_SOURCE_CURL: &str = r#"printf '%s\n' "$*" >> "$STUBS/curl.log"
case "$*" in
  *data-sources*project_id=env-project*) echo '{"data_sources": [{"url": "https://source.example"}]}' ;;
  *data-sources*) echo '{"data_sources": []}' ;;
  *) cat > /dev/null ;;
esac
"#;

/// A stub `yq` for one rule file of one group `g`.
const ONE_GROUP_YQ: &str = r#"case "$1" in
  '.groups | length') echo 1 ;;
  '.groups[0].name') echo g ;;
  '.groups[0]') cat "$2" ;;
  *) cat > /dev/null ;;
esac
"#;

/// With both targets, the backup project's missing source skips only its own rules: the
/// environment's are still pushed (the review of sweep 55a, #1: each case ran alone).
#[test]
fn the_rules_push_goes_on_after_skipping_the_backup_rules() {
    if common::path_with_runner_jq(Path::new("/"), "").is_none() {
        return;
    }
    let workflows = workflows(COMMITTED);
    let push = production_rules_push(&workflows);
    let sandbox = Sandbox::new(&[
        ("tofu", TARGETS_TOFU),
        ("curl", ENV_SOURCE_CURL),
        ("yq", ONE_GROUP_YQ),
        ("sleep", ""),
    ]);
    let (ok, text, _) = run_rules_push(
        &sandbox,
        push,
        &["backups", "scaleway"],
        "groups: [{name: g}]\n",
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("::warning::no Scaleway metrics data source in the backup project"),
        "{text}"
    );
    let curl = std::fs::read_to_string(sandbox.path("curl.log")).expect("curl log");
    let posts: Vec<&str> = curl.lines().filter(|l| l.contains("-X POST")).collect();
    assert_eq!(posts.len(), 1, "{curl}");
    assert!(
        posts[0].ends_with(
            "https://source.example/prometheus/config/v1/rules/evalap-production-scaleway"
        ),
        "{curl}"
    );
}

/// An image tag that already exists is reused (never pushed twice), and said to be built with
/// other settings when its label differs from the configuration's or is missing (sweep 55b, #2:
/// a changed `build.dockerfile` deployed the old image with no word); each build labels what it
/// pushes with those settings.
#[test]
fn a_reused_image_built_with_other_settings_is_named() {
    if common::path_with_runner_jq(Path::new("/"), "").is_none() {
        return;
    }
    let workflows = workflows(COMMITTED);
    let build = &workflows[".github/workflows/tofugen-deploy.yml"]["jobs"]["build-evalap"];
    let reuse = named(build, "Reuse the image if this commit was already built");
    let settings = "context=.;file=Dockerfile;platforms=linux/amd64";
    assert_eq!(reuse["env"]["BUILD"], settings);
    assert_eq!(
        named(build, "Build and push evalap")["with"]["labels"],
        format!("{}={settings}", reuse["env"]["LABEL"].as_str().unwrap())
    );
    // A context written with a trailing `/` is the same build (the review of sweep 55b, #2:
    // `app/` and `app` were two settings, and a reused tag warned at every deploy).
    for context in ["app", "app/"] {
        let config = COMMITTED.replace(
            "build: { context: ., dockerfile: Dockerfile }",
            &format!("build: {{ context: {context} }}"),
        );
        assert_ne!(config, COMMITTED);
        let compiled = self::workflows(&config);
        let build = &compiled[".github/workflows/tofugen-deploy.yml"]["jobs"]["build-evalap"];
        let reuse = named(build, "Reuse the image if this commit was already built");
        assert_eq!(
            reuse["env"]["BUILD"], "context=app;file=app/Dockerfile;platforms=linux/amd64",
            "{context}"
        );
    }
    let exprs = [("steps.source.outputs.sha", APP)];
    for (config, warned) in [
        (None, None),
        (
            Some(format!(r#"{{"config": {{"Labels": {{"dev.tofugen.build": "{settings}"}}}}}}"#)),
            None,
        ),
        (
            Some(r#"{"config": {"Labels": {"dev.tofugen.build": "context=.;file=Dockerfile.old;platforms=linux/amd64"}}}"#.to_string()),
            Some("was built with context=.;file=Dockerfile.old;platforms=linux/amd64, not with this configuration's context=.;file=Dockerfile;platforms=linux/amd64"),
        ),
        // A label pushed by anyone else cannot start a workflow command of its own.
        (
            Some(r#"{"config": {"Labels": {"dev.tofugen.build": "x\n::error::forged"}}}"#.to_string()),
            Some("was built with x::error::forged, not with"),
        ),
        (
            Some(r#"{"config": {}}"#.to_string()),
            Some("carries no build settings (built before tofugen recorded them, or by another pipeline): it is reused as it is; if this configuration's context=.;file=Dockerfile;platforms=linux/amd64 changed since"),
        ),
    ] {
        let sandbox = Sandbox::new(&[("docker", IMAGETOOLS_DOCKER)]);
        if let Some(c) = &config {
            std::fs::write(sandbox.path("config.json"), c).expect("config");
        }
        let summary = sandbox.path("summary.md");
        let summary_s = summary.display().to_string();
        let (ok, text, output) =
            sandbox.run(reuse, &exprs, &[("GITHUB_STEP_SUMMARY", &summary_s)]);
        assert!(ok, "{config:?}: {text}");
        let exists = config.is_some();
        assert!(output.contains(&format!("exists={exists}\n")), "{output}");
        let summary = std::fs::read_to_string(&summary).unwrap_or_default();
        match warned {
            Some(w) => {
                assert!(text.contains("::warning::") && text.contains(w), "{text}");
                assert!(!text.lines().any(|l| l.starts_with("::error::")), "{text}");
                assert!(summary.contains(w), "{summary}");
            }
            None => {
                assert!(!text.contains("::warning::"), "{config:?}: {text}");
                assert!(summary.is_empty(), "{summary}");
            }
        }
    }
}
