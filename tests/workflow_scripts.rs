//! The release-finding, recording and rollback steps of the generated workflows, run for real:
//! each job's `run:` steps go through `bash --noprofile --norc -eo pipefail` (what GitHub runs
//! for `shell: bash`) in order, with the step's `env:` (its `${{ }}` expressions substituted),
//! `if:` evaluated, and `upload-artifact` simulated. Fake `gh` (the workflow-runs and artifacts
//! APIs, paginated, and `gh run download`), `tofu` (state in a file; the root's `release`
//! validation), `curl` (the smoke test) and `skopeo` (a registry of manifests) are written to a
//! temporary directory put first on the PATH, then the jq of GitHub's ubuntu-24.04 runners, 1.7.1,
//! which `.ci/toolchain --jq` builds on first use (Debian 12's jq 1.6 takes 17 ms to start instead
//! of 2, and these scenarios start it hundreds of times). Needs `bash`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tofugen::pipeline::compile;

const COMMITTED: &str = include_str!("../environments.yaml");
/// This repository's id; a fork's is [`FORK`].
const REPO: u64 = 1;
const FORK: u64 = 2;

/// `gh api [--paginate] URL [--jq FILTER]` over $WORLD/runs.jsonl (a run per line) and
/// $WORLD/artifacts/*/meta.json (newest first, `per_page` honoured: one page unless
/// --paginate; a runs query with `branch`, `event` or `created` gets the newest 1,000 at
/// most, as GitHub documents for "List workflow runs for a workflow"), and
/// `gh run download RUN --repo R --name N --dir D`.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
set -eo pipefail
shopt -s nullglob
printf 'gh %s\n' "$*" >> "$WORLD/gh.log"
if [ "$1" = api ]; then
  shift
  paginate=false; filter="."; url=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --paginate) paginate=true ;;
      --jq) filter="$2"; shift ;;
      *) url="$1" ;;
    esac
    shift
  done
  path="${url%%\?*}"; query=""
  [[ $url != *\?* ]] || query="${url#*\?}"
  name=""; branch=""; event=""; per=30; cap=1000000; from=""; to=""; after=""
  IFS='&' read -ra kvs <<< "$query"
  for kv in "${kvs[@]}"; do
    case "$kv" in
      name=*) name="${kv#name=}" ;;
      branch=*) branch="${kv#branch=}"; cap=1000 ;;
      event=*) event="${kv#event=}"; cap=1000 ;;
      created=%3E%3D*) from="${kv#created=%3E%3D}"; cap=1000 ;;
      created=*T*..\*) after="${kv#created=}"; after="${after%..*}"; cap=1000 ;;
      created=*..*) from="${kv#created=}"; to="${from#*..}"; from="${from%..*}"; cap=1000 ;;
      per_page=*) per="${kv#per_page=}" ;;
    esac
  done
  case "$path" in
    repos/org/infra/actions/artifacts)
      key=artifacts; files=("$WORLD"/artifacts/*/meta.json)
      select='select($name == "" or .name == $name)' ;;
    repos/org/infra/git/ref/heads/*)
      jq -rn --arg sha "$TIP" '{object: {sha: $sha}}' | jq -r "$filter"
      exit 0 ;;
    repos/org/infra/actions/runs/*)
      # One run; a run without `created_at` (on every day a query asks for) was created at
      # `created_time` on the clock the recordings are uploaded by.
      jq -c --argjson id "${path##*/}" \
        'select(.id == $id) | {id, created_at: (.created_at // .created_time)}' \
        "$WORLD/runs.jsonl" | jq -r "$filter"
      exit 0 ;;
    repos/org/infra/actions/workflows/*/runs)
      key=workflow_runs; files=("$WORLD/runs.jsonl")
      name="${path#repos/org/infra/actions/workflows/}"; name="${name%/runs}"
      # A run without `created_at` was created on every day the query asks for.
      select='select(.workflow == $name and ($branch == "" or .head_branch == $branch)
                     and ($event == "" or .event == $event)
                     and ($after == "" or (.created_at // .created_time) >= $after)
                     and (.created_at == null or (($from == "" or .created_at[:10] >= $from)
                                                  and ($to == "" or .created_at[:10] <= $to))))' ;;
    *) echo "fake gh: unexpected api $url" >&2; exit 2 ;;
  esac
  # Newest first, in pages of $per: only the first unless --paginate; --jq applies to each
  # (strings printed raw, as gh prints them).
  jq -c -r -s --arg name "$name" --arg branch "$branch" --arg after "$after" \
    --arg event "$event" --argjson cap "$cap" --arg from "$from" --arg to "$to" \
    --arg key "$key" --argjson per "$per" --argjson all "$paginate" "
    [.[] | $select] | sort_by(.created_at // .id) | reverse | .[:\$cap]
    | [range(0; if \$all then ([length, 1] | max) else 1 end; \$per) as \$i
       | {total_count: length, (\$key): .[\$i:\$i + \$per]}]
    | .[] | ($filter)" "${files[@]}" < /dev/null
elif [ "$1 $2" = "run download" ]; then
  run="$3"; shift 3
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) want="$2"; shift ;;
      --dir) dir="$2"; shift ;;
    esac
    shift
  done
  [ -f "$WORLD/by-run/$run/$want" ] || { echo "fake gh: no artifact $want in run $run" >&2; exit 1; }
  mkdir -p "$dir"
  cp "$WORLD/by-run/$run/$want" "$dir/release.json"
else
  echo "fake gh: unexpected $*" >&2
  exit 2
fi
"#;

/// The tip of `ci.branch`, and the commit of every run (the runs are never re-runs).
const TIP: &str = "7777777777777777777777777777777777777777";

/// State in $WORLD/state/$ENVIRONMENT.json; `apply` refuses, as the root's `release`
/// validation does, a release without every service listed in $WORLD/services-$ENVIRONMENT.
const FAKE_TOFU: &str = r#"#!/usr/bin/env bash
set -eo pipefail
state="$WORLD/state/$ENVIRONMENT.json"
case "$1" in
  init) ;;
  output)
    # Every output (`tofu output -json`): `{}` without a state, as OpenTofu 1.12.6 prints it;
    # $WORLD/output-fails makes it fail as a state that cannot be read.
    if [ "${*: -1}" = -json ]; then
      [ ! -f "$WORLD/output-fails" ] || { echo "Error: StatusCode: 503, SlowDown" >&2; exit 1; }
      [ -f "$state" ] || { echo '{}'; exit 0; }
      jq '{release: {sensitive: false, value: .release}}' "$state"
      exit 0
    fi
    [ -f "$state" ] || { echo "No outputs found" >&2; exit 1; }
    case "${*: -1}" in
      release) jq .release "$state" ;;
      service_urls) jq '.release | with_entries(.value = "https://\(.key).example")' "$state" ;;
      service_images) jq '.release | map_values("img@" + .digest)' "$state" ;;
      *) echo "fake tofu: no output ${*: -1}" >&2; exit 1 ;;
    esac ;;
  plan)
    # The saved plan is the release's variables file; $WORLD/other-changes.json, when present,
    # holds the plan's changes besides the release (resource_changes entries).
    for a in "${@:2}"; do
      case "$a" in -var-file=*) file="${a#-var-file=}" ;; -out=*) out="${a#-out=}" ;; esac
    done
    cp "$file" "$out"
    echo "fake plan of $(jq -c '.release | map_values(.tag)' "$file")" ;;
  show)
    # `show -no-color -json PLAN`: an in-place update of each service's container whose release
    # differs from the state's, as modules/service derives it (image, registry_sha256 and
    # TOFUGEN_RELEASE; the other attributes stand for the rest), then the other changes.
    # $WORLD/other-changes-<plan file name>.json, when present, stands for that plan's own.
    other="$WORLD/other-changes.json" saved="${*: -1}"
    # $WORLD/show-fails-<plan file name> makes it fail on that plan.
    [ ! -f "$WORLD/show-fails-${saved##*/}" ] || { echo "Error: Failed to read the given file" >&2; exit 1; }
    [ ! -f "$WORLD/other-changes-${saved##*/}.json" ] || other="$WORLD/other-changes-${saved##*/}.json"
    jq -n --slurpfile plan "${*: -1}" --slurpfile state <(cat "$state" 2> /dev/null || echo {}) \
      --slurpfile other <(cat "$other" 2> /dev/null || echo '[]') '
      def container: if . == null then null else {image: "rg/evalap:\(.tag)", registry_sha256: .digest,
        environment_variables: {LOG_LEVEL: "info", TOFUGEN_RELEASE: .tag}, min_scale: 2} end;
      {format_version: "1.2", resource_changes: ([$plan[0].release | to_entries[]
        | (($state[0].release // {})[.key] | container) as $before
        | (.value | container) as $after
        | {address: "module.service_\(.key).scaleway_container.this", mode: "managed",
           type: "scaleway_container", name: "this",
           change: {actions: (if $before == null then ["create"] elif $before == $after then ["no-op"]
                              else ["update"] end),
                    before: $before, after: $after, after_unknown: {}}}] + $other[0])}' ;;
  apply)
    for a in "${@:2}"; do
      case "$a" in -var-file=*) file="${a#-var-file=}" ;; -*) ;; *) file="$a" ;; esac
    done
    jq -e --arg s "$(cat "$WORLD/services-$ENVIRONMENT")" \
      '.release as $r | all($s | split(" ")[]; . as $n | $n == "" or ($r | has($n)))' "$file" > /dev/null || {
      echo "Error: Invalid value for variable: the release must give every service of $ENVIRONMENT" >&2
      exit 1
    }
    jq -c --arg e "$ENVIRONMENT" '{env: $e, release: (.release | map_values(.tag))}' "$file" >> "$WORLD/applies.log"
    jq '{release: .release}' "$file" > "$state" ;;
  *) echo "fake tofu: unexpected $*" >&2; exit 2 ;;
esac
"#;

/// Fails for a URL https://<service>.example/... while `<service>=<tag running>` is a line of
/// $WORLD/bad-smoke.
const FAKE_CURL: &str = r#"#!/usr/bin/env bash
url="${*: -1}"
service="${url#https://}"; service="${service%%.*}"
tag="$(jq -r --arg s "$service" '.release[$s].tag' "$WORLD/state/$ENVIRONMENT.json")"
if grep -qxF "$service=$tag" "$WORLD/bad-smoke" 2> /dev/null; then
  echo "curl: (22) The requested URL returned error: 500" >&2
  exit 22
fi
"#;

/// A registry of manifests: $WORLD/blobs/<hex> holds the manifest of digest sha256:<hex>.
const FAKE_SKOPEO: &str = r#"#!/usr/bin/env bash
set -eo pipefail
refs=()
for a in "$@"; do case "$a" in docker://*) refs+=("${a#docker://}") ;; esac; done
case "$1" in
  login) cat > /dev/null ;;
  copy)
    cp "$WORLD/blobs/${refs[0]##*@sha256:}" "$WORLD/tags/$(tr '/:' '__' <<< "${refs[1]}")" ;;
  inspect) cat "$WORLD/tags/$(tr '/:' '__' <<< "${refs[0]}")" ;;
  *) echo "fake skopeo: unexpected $*" >&2; exit 2 ;;
esac
"#;

/// Each step run so far: its outcome (`success`, `failure`, `skipped`) and outputs.
type Steps = BTreeMap<String, (&'static str, BTreeMap<String, String>)>;

/// The generated workflows of the committed configuration, as JSON (compiled once). With
/// TOFUGEN_WORKFLOWS_FROM=<dir>, the workflow files of that directory instead: how these
/// scenarios were run against the workflows of the commit before them (they failed there).
fn workflows() -> &'static BTreeMap<String, Value> {
    static WORKFLOWS: std::sync::OnceLock<BTreeMap<String, Value>> = std::sync::OnceLock::new();
    WORKFLOWS.get_or_init(|| match std::env::var_os("TOFUGEN_WORKFLOWS_FROM") {
        Some(dir) => std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter_map(|path| {
                let name = path.file_name()?.to_str()?.to_string();
                let text = std::fs::read_to_string(&path).ok()?;
                let (_, node) = tofugen::load::load(
                    tofugen::source::SourceMap::single(&name).1,
                    text.as_bytes(),
                )
                .ok()?;
                Some((name, node.to_json()))
            })
            .collect(),
        None => compile_workflows(),
    })
}

fn compile_workflows() -> BTreeMap<String, Value> {
    let c = compile("environments.yaml", COMMITTED.as_bytes(), true);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c.files
        .into_iter()
        .filter_map(|(path, text)| {
            let name = path.strip_prefix(".github/workflows/")?.to_string();
            let (_, node) =
                tofugen::load::load(tofugen::source::SourceMap::single(&path).1, text.as_bytes())
                    .ok()?;
            Some((name, node.to_json()))
        })
        .collect()
}

/// A 40-hex application commit made of one repeated hex digit (`sha('a')`), or of a number.
fn sha(c: char) -> String {
    c.to_string().repeat(40)
}

fn sha_n(n: u64) -> String {
    format!("{n:040x}")
}

/// Who started a run: this repository's push to main, or a fork's pull request.
#[derive(Clone, Copy)]
struct Origin {
    event: &'static str,
    head_repo: u64,
    head_branch: &'static str,
}

const PUSH: Origin = Origin {
    event: "push",
    head_repo: REPO,
    head_branch: "main",
};
const DISPATCH: Origin = Origin {
    event: "workflow_dispatch",
    head_repo: REPO,
    head_branch: "main",
};

/// The time `tick` of the world's clock, which orders the runs and the recordings.
fn clock_time(tick: u64) -> String {
    format!(
        "2026-03-01T{:02}:{:02}:{:02}Z",
        tick / 3600,
        tick / 60 % 60,
        tick % 60
    )
}

/// The outcome of one job: whether it succeeded, and its log.
struct Job {
    ok: bool,
    log: String,
    /// The job's `outputs:`, evaluated once its steps ran.
    outputs: BTreeMap<String, String>,
}

struct World {
    dir: tempfile::TempDir,
    workflows: &'static BTreeMap<String, Value>,
    next_run: u64,
    clock: u64,
    /// The `PATH` of every step: the fakes, then the runners' jq, then the test's own `PATH`.
    search_path: String,
    /// `GITHUB_RUN_ATTEMPT` of the next job: 1, a run's first attempt, unless a scenario
    /// re-runs a job.
    attempt: u32,
    /// The run the next job belongs to when a scenario re-runs a job of it; else a new run.
    rerun: Option<u64>,
    /// The run of the last job run.
    last_run: u64,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        for d in ["bin", "artifacts", "state", "blobs", "tags"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("runs.jsonl"), "").unwrap();
        for (name, text) in [
            ("gh", FAKE_GH),
            ("tofu", FAKE_TOFU),
            ("curl", FAKE_CURL),
            ("skopeo", FAKE_SKOPEO),
        ] {
            let path = dir.path().join("bin").join(name);
            std::fs::write(&path, text).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let world = World {
            dir,
            workflows: workflows(),
            next_run: 100,
            clock: 0,
            search_path: String::new(),
            attempt: 1,
            rerun: None,
            last_run: 0,
        };
        world.set_services("staging", &["api", "ui"]);
        world.set_services("production", &["api", "ui"]);
        world
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The services the root of `env` requires (its `release` validation).
    fn set_services(&self, env: &str, services: &[&str]) {
        std::fs::write(
            self.path().join(format!("services-{env}")),
            services.join(" "),
        )
        .unwrap();
    }

    /// The release `env`'s state records as deployed.
    fn set_state(&self, env: &str, release: &Value) {
        let state = json!({ "release": release }).to_string();
        std::fs::write(self.path().join(format!("state/{env}.json")), state).unwrap();
    }

    fn bad_smoke(&self, lines: &[String]) {
        std::fs::write(self.path().join("bad-smoke"), lines.join("\n") + "\n").unwrap();
    }

    /// The tag each service of `env` runs.
    fn running(&self, env: &str) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.path().join(format!("state/{env}.json"))).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["release"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, r)| (k.clone(), r["tag"].as_str().unwrap().to_string()))
            .collect()
    }

    /// The one tag `env` runs.
    fn tag(&self, env: &str) -> String {
        let tags: std::collections::BTreeSet<String> = self.running(env).into_values().collect();
        assert_eq!(tags.len(), 1, "{env} runs {tags:?}");
        tags.into_iter().next().unwrap()
    }

    /// The digest of `image` at `tag`, its manifest stored in the fake registry.
    fn digest(&self, tag: &str, image: &str) -> String {
        let manifest = format!("manifest of {image} at {tag}\n");
        let hex: String = Sha256::digest(manifest.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(self.path().join("blobs").join(&hex), manifest).unwrap();
        format!("sha256:{hex}")
    }

    /// A release of `services` at `tag`.
    fn release(&self, tag: &str, services: &[&str]) -> Value {
        Value::Object(
            services
                .iter()
                .map(|s| {
                    (
                        s.to_string(),
                        json!({"tag": tag, "digest": self.digest(tag, s)}),
                    )
                })
                .collect(),
        )
    }

    /// Registers a run of `workflow`; returns its id.
    fn new_run(&mut self, workflow: &str, origin: Origin) -> u64 {
        self.new_run_on(workflow, origin, None)
    }

    /// Registers a run of `workflow` created on `day` (`YYYY-MM-DD`; none: on every day a
    /// query asks for); returns its id.
    fn new_run_on(&mut self, workflow: &str, origin: Origin, day: Option<&str>) -> u64 {
        assert!(
            day.is_none() || DAY_KEYED.with(std::cell::Cell::get),
            "a scenario with dated runs depends on the day: list it in DATED"
        );
        self.next_run += 1;
        self.clock += 1;
        let id = self.next_run;
        let mut run = json!({
            "id": id, "workflow": workflow, "event": origin.event,
            "head_branch": origin.head_branch,
            "head_repository": {"id": origin.head_repo}, "repository": {"id": REPO},
            "created_time": clock_time(self.clock),
        });
        if let Some(day) = day {
            run["created_at"] = json!(format!("{day}T12:00:00Z"));
        }
        // One file for every run: the fake `gh` reads thousands of them per query in the
        // scenarios of a busy history, one `cat` of a file each took most of their time.
        use std::io::Write as _;
        let mut runs = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path().join("runs.jsonl"))
            .unwrap();
        writeln!(runs, "{run}").unwrap();
        id
    }

    /// Stores the artifact `name` (holding `release.json`) of run `run`, newer than every other.
    fn upload(&mut self, run: u64, origin: Origin, name: &str, release: &Value) {
        self.clock += 1;
        let dir = self.path().join(format!("artifacts/{:05}", self.clock));
        std::fs::create_dir_all(&dir).unwrap();
        let c = self.clock;
        let meta = json!({
            "name": name, "expired": false,
            "created_at": clock_time(c),
            "workflow_run": {"id": run, "repository_id": REPO, "head_repository_id": origin.head_repo,
                             "head_branch": origin.head_branch, "head_sha": sha('f')},
        });
        std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
        std::fs::write(dir.join("release.json"), release.to_string()).unwrap();
        let by_run = self.path().join(format!("by-run/{run}"));
        std::fs::create_dir_all(&by_run).unwrap();
        std::fs::write(by_run.join(name), release.to_string()).unwrap();
    }

    /// What a successful deploy (staging) or promotion (production) of `tag` leaves: its
    /// recording, uploaded by a run of this repository's workflow, and the state. Faster than
    /// running the job, for the history a scenario starts from.
    fn deployed(&mut self, env: &str, tag: &str, services: &[&str]) {
        let (workflow, origin) = match env {
            "staging" => ("tofugen-deploy.yml", PUSH),
            _ => ("tofugen-promote.yml", DISPATCH),
        };
        let run = self.new_run(workflow, origin);
        let release = self.release(tag, services);
        self.upload(run, origin, &format!("release-{env}-{tag}"), &release);
        self.set_state(env, &release);
    }

    /// Marks every recording named `name` expired.
    fn expire(&self, name: &str) {
        for entry in std::fs::read_dir(self.path().join("artifacts")).unwrap() {
            let meta = entry.unwrap().path().join("meta.json");
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
            if v["name"] == name {
                v["expired"] = json!(true);
                std::fs::write(&meta, v.to_string()).unwrap();
            }
        }
    }

    /// Runs `job` of `workflow` as a run started by `origin`.
    fn run_job(
        &mut self,
        workflow: &str,
        job: &str,
        origin: Origin,
        inputs: Value,
        needs: Value,
    ) -> Job {
        let run = match self.rerun {
            Some(run) => run,
            None => self.new_run(workflow, origin),
        };
        self.last_run = run;
        let wf = &self.workflows[workflow];
        let steps = wf["jobs"][job]["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{workflow} has no job {job}"));
        let temp = tempfile::tempdir_in(self.path()).unwrap();
        let mut outputs: Steps = BTreeMap::new();
        let mut failed = false;
        let mut log = String::new();
        let expression = regex::Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").unwrap();
        for (i, step) in steps.iter().enumerate() {
            let name = step["name"].as_str().unwrap_or("").to_string();
            let id = step["id"].as_str().map_or(format!("_{i}"), str::to_string);
            let run_it = match step["if"].as_str() {
                Some(cond) => Cond::new(cond, failed, &outputs, &inputs).eval(),
                None => !failed,
            };
            let uses = step["uses"].as_str().unwrap_or("");
            // Checkout, set-up and the Cockpit push are not what these tests exercise.
            let exercised = step["run"].is_string() && !name.starts_with("Push the alert rules")
                || uses.starts_with("actions/upload-artifact");
            if !run_it || !exercised {
                log.push_str(&format!(
                    "--- {} {name}\n",
                    if run_it { "not run here:" } else { "skip" }
                ));
                outputs.insert(id, ("skipped", BTreeMap::new()));
                continue;
            }
            let subst = |v: &Value| -> String {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                expression
                    .replace_all(&text, |c: &regex::Captures| {
                        expr(&c[1], &inputs, &needs, &outputs, temp.path())
                    })
                    .into_owned()
            };
            let mut env: BTreeMap<String, String> = BTreeMap::new();
            for scope in [&wf["env"], &step["env"]] {
                if let Some(map) = scope.as_object() {
                    for (k, v) in map {
                        env.insert(k.clone(), subst(v));
                    }
                }
            }
            let (ok, out) = if uses.is_empty() {
                let out_file = temp.path().join(format!("output-{i}"));
                std::fs::write(&out_file, "").unwrap();
                let result = Command::new("bash")
                    .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                    .arg(step["run"].as_str().unwrap())
                    .env_clear()
                    .env("PATH", &self.search_path)
                    .env("HOME", self.path())
                    .envs(&env)
                    .env("WORLD", self.path())
                    .env("RUNNER_TEMP", temp.path())
                    .env("GITHUB_OUTPUT", &out_file)
                    .env("GITHUB_STEP_SUMMARY", temp.path().join("summary"))
                    .env("GITHUB_REPOSITORY", "org/infra")
                    .env("TIP", TIP)
                    .env("GITHUB_RUN_ID", run.to_string())
                    .env("GITHUB_RUN_ATTEMPT", self.attempt.to_string())
                    .current_dir(temp.path())
                    .output()
                    .unwrap();
                log.push_str(&format!("--- {name}\n"));
                log.push_str(&String::from_utf8_lossy(&result.stdout));
                log.push_str(&String::from_utf8_lossy(&result.stderr));
                let out = std::fs::read_to_string(&out_file)
                    .unwrap()
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                (result.status.success(), out)
            } else {
                let with = &step["with"];
                let artifact = subst(&with["name"]);
                let file = PathBuf::from(subst(&with["path"]));
                let release: Value =
                    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
                log.push_str(&format!("--- {name}: uploaded {artifact}\n"));
                self.upload(run, origin, &artifact, &release);
                (true, BTreeMap::new())
            };
            outputs.insert(id, (if ok { "success" } else { "failure" }, out));
            if !ok {
                failed = true;
            }
        }
        let job_outputs = wf["jobs"][job]["outputs"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let text = v.as_str().unwrap_or_default();
                        let value = expression
                            .replace_all(text, |c: &regex::Captures| {
                                expr(&c[1], &inputs, &needs, &outputs, temp.path())
                            })
                            .into_owned();
                        (k.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Job {
            ok: !failed,
            log,
            outputs: job_outputs,
        }
    }

    /// The deploy workflow's deploy job, started by a push, with every build outputting `tag`
    /// (the application's default branch is at `tag`).
    fn deploy(&mut self, tag: &str) -> Job {
        self.deploy_as(tag, PUSH, json!({}))
    }

    /// The deploy job of a dispatch whose `app_ref` input chose the application commit `tag`.
    fn deploy_ref(&mut self, tag: &str) -> Job {
        self.deploy_as(tag, DISPATCH, json!({ "app_ref": tag }))
    }

    fn deploy_as(&mut self, tag: &str, origin: Origin, inputs: Value) -> Job {
        let wf = &self.workflows["tofugen-deploy.yml"];
        let job = &wf["jobs"]["deploy-staging"];
        let builds: Value = job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|s| s["env"]["BUILDS"].as_str())
            .map(|b| serde_json::from_str(b).unwrap())
            .unwrap();
        let mut needs = serde_json::Map::new();
        // One output per build job (named "Build <image>"), whatever services share it.
        for build in builds.as_object().unwrap().values() {
            let build = build.as_str().unwrap();
            let image = wf["jobs"][build]["name"].as_str().unwrap();
            needs.insert(
                build.to_string(),
                json!({"result": "success", "outputs": {"tag": tag, "digest": self.digest(tag, image)}}),
            );
        }
        self.run_job(
            "tofugen-deploy.yml",
            "deploy-staging",
            origin,
            inputs,
            Value::Object(needs),
        )
    }

    /// A rollback of `env` to `release_sha` (empty: the previous release), as GitHub runs it:
    /// the job that notes the deployment in force at dispatch, then, when it succeeded, the
    /// rollback job (with the first one's outputs as its `needs`); the log holds both.
    fn rollback(&mut self, env: &str, release_sha: &str) -> Job {
        let inputs = json!({"environment": env, "release_sha": release_sha});
        self.rollback_with(env, inputs, |_| {})
    }

    /// A rollback of `env` to `release_sha` (empty: the previous release) dispatched with
    /// `apply_other_changes` checked.
    fn rollback_applying_other_changes(&mut self, env: &str, release_sha: &str) -> Job {
        let inputs =
            json!({"environment": env, "release_sha": release_sha, "apply_other_changes": true});
        self.rollback_with(env, inputs, |_| {})
    }

    /// A rollback of `env` dispatched with `inputs`: the dispatch job, then `while_waiting` (what
    /// runs before the rollback job gets the environment's concurrency group), then the
    /// rollback job.
    fn rollback_with(
        &mut self,
        env: &str,
        inputs: Value,
        while_waiting: impl FnOnce(&mut World),
    ) -> Job {
        self.job_after_job(
            "tofugen-rollback.yml",
            env,
            ("dispatched", "rollback"),
            inputs,
            while_waiting,
        )
    }

    /// Changes the next plans show besides the release (`resource_changes` entries).
    fn other_changes(&self, changes: &Value) {
        std::fs::write(self.path().join("other-changes.json"), changes.to_string()).unwrap();
    }

    /// A promotion to production dispatched with `release_sha`: the job that picks the release,
    /// then, when it succeeded, the job that deploys it (with the first one's outputs as its
    /// `needs`, as GitHub runs them); the log holds both.
    fn promote(&mut self, release_sha: &str) -> Job {
        let inputs = json!({"environment": "production", "release_sha": release_sha});
        self.job_after_job(
            "tofugen-promote.yml",
            "production",
            ("release", "promote"),
            inputs,
            |_| {},
        )
    }

    /// A promotion to production dispatched with no `release_sha`: the job that picks the
    /// release (what staging runs now), then `while_waiting` (what happens while production's
    /// reviewers decide), then the promotion job with the first one's outputs as its `needs`.
    /// Returns both jobs.
    fn promote_picked(&mut self, while_waiting: impl FnOnce(&mut World)) -> (Job, Job) {
        let inputs = json!({"environment": "production", "release_sha": ""});
        let (picked, promoted) = self.two_jobs(
            "tofugen-promote.yml",
            "production",
            ("release", "promote"),
            inputs,
            while_waiting,
        );
        ok(&picked, "pick the release");
        (picked, promoted.expect("the promotion job ran"))
    }

    /// The two jobs of a dispatch of `workflow` for `env` (`jobs`: the prefixes of their ids),
    /// as GitHub runs them: the first, then `while_waiting`, then, when the first succeeded, the
    /// second with the first one's outputs as its `needs`. Returns the first job, and the second
    /// when it ran.
    fn two_jobs(
        &mut self,
        workflow: &str,
        env: &str,
        (first, second): (&str, &str),
        inputs: Value,
        while_waiting: impl FnOnce(&mut World),
    ) -> (Job, Option<Job>) {
        let first_id = format!("{first}-{env}");
        let before = self.run_job(workflow, &first_id, DISPATCH, inputs.clone(), json!({}));
        if !before.ok {
            return (before, None);
        }
        while_waiting(self);
        let needs = json!({ first_id: {"result": "success", "outputs": before.outputs} });
        let after = self.run_job(
            workflow,
            &format!("{second}-{env}"),
            DISPATCH,
            inputs,
            needs,
        );
        (before, Some(after))
    }

    /// [`World::two_jobs`] as one job: the second (or the first, when it failed), its log
    /// preceded by the first one's.
    fn job_after_job(
        &mut self,
        workflow: &str,
        env: &str,
        jobs: (&str, &str),
        inputs: Value,
        while_waiting: impl FnOnce(&mut World),
    ) -> Job {
        match self.two_jobs(workflow, env, jobs, inputs, while_waiting) {
            (before, None) => before,
            (before, Some(mut after)) => {
                after.log = format!("{}{}", before.log, after.log);
                after
            }
        }
    }

    fn gh_calls(&self) -> String {
        std::fs::read_to_string(self.path().join("gh.log")).unwrap_or_default()
    }
}

/// A `${{ }}` expression of the generated steps.
fn expr(e: &str, inputs: &Value, needs: &Value, outputs: &Steps, temp: &Path) -> String {
    // The promotion job's release: the `sha` (or `run`) output of its one need.
    if let Some(key) = e
        .strip_prefix("join(needs.*.outputs.")
        .and_then(|r| r.strip_suffix(", '')"))
    {
        return needs
            .as_object()
            .map(|n| {
                n.values()
                    .filter_map(|j| j["outputs"][key].as_str())
                    .collect()
            })
            .unwrap_or_default();
    }
    // Whether an input was left empty (GitHub renders a comparison as `true` or `false`).
    if let Some(name) = e
        .strip_prefix("inputs.")
        .and_then(|r| r.strip_suffix(" == ''"))
    {
        return inputs[name].as_str().is_some_and(str::is_empty).to_string();
    }
    let parts: Vec<&str> = e.split('.').collect();
    match parts.as_slice() {
        ["toJSON(needs)"] => needs.to_string(),
        // A boolean input is `true` or `false` in a step's env, as GitHub renders it.
        ["inputs", name] => match &inputs[*name] {
            Value::Bool(b) => b.to_string(),
            v => v.as_str().unwrap_or("").to_string(),
        },
        ["secrets", name] => format!("secret-{name}"),
        ["vars", name] => format!("var-{name}"),
        ["github", "token"] => "gh-token".into(),
        ["github", "repository"] => "org/infra".into(),
        // The run's commit is the tip of the branch (the fake gh's `git/ref/heads/…`): the
        // re-run guard lets it through (tests/workflow_guards.rs tests the guard itself).
        ["github", "sha"] => TIP.into(),
        ["github", "ref"] => "refs/heads/main".into(),
        ["runner", "temp"] => temp.display().to_string(),
        ["steps", id, "outputs", key] => outputs
            .get(*id)
            .and_then(|(_, o)| o.get(*key))
            .cloned()
            .unwrap_or_default(),
        _ => panic!("unknown expression {e}"),
    }
}

/// An `if:` condition: `failure()`, `success()`, `cancelled()`, `always()`,
/// `steps.<id>.outputs.<key> == '<v>'`, `steps.<id>.outcome == '<v>'`, `inputs.<name>` (alone or compared), `&&`, `||`,
/// parentheses.
struct Cond<'a> {
    tokens: Vec<String>,
    at: usize,
    failed: bool,
    outputs: &'a Steps,
    inputs: &'a Value,
}

impl<'a> Cond<'a> {
    fn new(text: &str, failed: bool, outputs: &'a Steps, inputs: &'a Value) -> Cond<'a> {
        let re = regex::Regex::new(r"&&|\|\||==|!=|\(\)|[()]|'[^']*'|[A-Za-z0-9_.\-]+").unwrap();
        let tokens = re.find_iter(text).map(|m| m.as_str().to_string()).collect();
        Cond {
            tokens,
            at: 0,
            failed,
            outputs,
            inputs,
        }
    }

    fn eval(&mut self) -> bool {
        let v = self.or();
        assert_eq!(self.at, self.tokens.len(), "condition {:?}", self.tokens);
        v
    }

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> String {
        self.at += 1;
        self.tokens[self.at - 1].clone()
    }

    fn or(&mut self) -> bool {
        let mut v = self.and();
        while self.peek() == Some("||") {
            self.next();
            v |= self.and();
        }
        v
    }

    fn and(&mut self) -> bool {
        let mut v = self.atom();
        while self.peek() == Some("&&") {
            self.next();
            v &= self.atom();
        }
        v
    }

    fn value(&mut self) -> String {
        let t = self.next();
        if let Some(s) = t.strip_prefix('\'') {
            return s.trim_end_matches('\'').to_string();
        }
        let parts: Vec<&str> = t.split('.').collect();
        let step = |id: &str| self.outputs.get(id);
        match parts.as_slice() {
            ["steps", id, "outputs", key] => step(id)
                .and_then(|(_, o)| o.get(*key))
                .cloned()
                .unwrap_or_default(),
            ["steps", id, "outcome"] => step(id).map_or("", |(o, _)| o).to_string(),
            // A boolean input renders as `true` or `false`; an unset one is `false`.
            ["inputs", name] => match &self.inputs[*name] {
                Value::Bool(b) => b.to_string(),
                Value::Null => "false".into(),
                v => v.as_str().unwrap_or("").to_string(),
            },
            _ => panic!("unknown value {t}"),
        }
    }

    fn atom(&mut self) -> bool {
        match self.peek() {
            Some("(") => {
                self.next();
                let v = self.or();
                assert_eq!(self.next(), ")");
                v
            }
            Some("failure" | "success" | "cancelled" | "always") => {
                let f = self.next();
                assert_eq!(self.next(), "()");
                match f.as_str() {
                    "failure" => self.failed,
                    "success" => !self.failed,
                    "cancelled" => false,
                    _ => true,
                }
            }
            _ => {
                let a = self.value();
                // A bare operand (a boolean input): true when it renders `true`.
                if !matches!(self.peek(), Some("==" | "!=")) {
                    return a == "true";
                }
                let op = self.next();
                let b = self.value();
                match op.as_str() {
                    "==" => a == b,
                    "!=" => a != b,
                    _ => panic!("unknown operator {op}"),
                }
            }
        }
    }
}

/// Runs `f` with a fresh world when bash and jq are here (the runners' jq: see
/// [`common::path_with_runner_jq`]), unless the scenario passed before on the same bytes
/// ([`remembered`]).
fn with_world(f: impl FnOnce(&mut World)) {
    let mut world = World::new();
    let path = std::env::var("PATH").unwrap_or_default();
    if let Some(path) = common::path_with_runner_jq(&world.path().join("bin"), &path) {
        let remembered = remembered();
        if let Some((store, key, name)) = &remembered
            && store.contains(key)
        {
            common::say_reused(name);
            return;
        }
        world.search_path = path;
        f(&mut world);
        if let Some((store, key, name)) = remembered {
            store.record(&key, &name);
        }
    }
}

/// The scenarios whose runs carry a creation date ([`World::new_run_on`]): what they do depends
/// on the day they run, so the day is in their key ([`remembered`]).
const DATED: &[&str] = &["a_busy_history_is_read_a_week_at_a_time"];

thread_local! {
    /// Whether the running scenario's key holds the day (or no pass of it is remembered).
    static DAY_KEYED: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Where the running scenario's pass is remembered, its key and its name: the scenarios are
/// deterministic given their inputs, so a warm `cargo test` need not run those whose inputs did
/// not change ([`common::Remembered`]). The key holds the test's name and the how-manieth world
/// it is in that test, this file's source and `tests/common`'s (the fakes, the expression
/// evaluator, every assertion), the workflows as compiled (or as read with
/// TOFUGEN_WORKFLOWS_FROM), the runners' jq (its directory names its version) and bash's
/// version; for the scenarios of [`DATED`], whose runs carry a creation date the scripts compare
/// with the clock (91-day windows, weeks), the day too ([`World::new_run_on`] refuses a dated
/// run in any other). Not in it: coreutils (`date`, `wc`, `cp`), which CI runs anyway
/// (`TOFUGEN_TEST_CACHE=off`). `None` with another jq than the runners', or outside a test
/// thread.
fn remembered() -> Option<(common::Remembered, String, String)> {
    use std::sync::OnceLock;
    thread_local!(static WORLDS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    let name = std::thread::current().name()?.to_string();
    if name == "main" {
        return None;
    }
    let jq = common::runner_jq_dir()?;
    let bash = common::tool_identity(&common::on_path("bash").unwrap_or_default(), "--version");
    static WORKFLOWS: OnceLock<String> = OnceLock::new();
    let workflows = WORKFLOWS.get_or_init(|| serde_json::to_string(workflows()).unwrap());
    let world = WORLDS.with(|w| {
        w.set(w.get() + 1);
        w.get()
    });
    let dated = DATED.contains(&name.as_str());
    DAY_KEYED.with(|k| k.set(dated));
    let day = if dated {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 86_400)
    } else {
        0
    };
    let key = common::Remembered::key(&[
        name.as_bytes(),
        &world.to_le_bytes(),
        include_bytes!("workflow_scripts.rs"),
        include_bytes!("common/mod.rs"),
        workflows.as_bytes(),
        jq.as_bytes(),
        bash.as_bytes(),
        &day.to_le_bytes(),
    ]);
    let store =
        common::Remembered::under(Path::new(jq).parent()?.join("passed-workflow-scenarios"));
    Some((store, key, name))
}

fn ok(job: &Job, what: &str) {
    assert!(job.ok, "{what} failed:\n{}", job.log);
}

fn refused(job: &Job, what: &str, message: &str) {
    assert!(!job.ok, "{what} succeeded:\n{}", job.log);
    logged(job, message);
}

/// Asserts that `text` is in the log of `job`.
fn logged(job: &Job, text: &str) {
    assert!(job.log.contains(text), "no `{text}` in:\n{}", job.log);
}

/// Finding 2: a fork's pull-request run uploads `release-staging-<X>` for the image that
/// failed staging; promote (default and by SHA) and rollback must not take it.
#[test]
fn a_forked_recording_is_never_trusted() {
    with_world(|w| {
        // Staging runs A; X failed its smoke test there and was rolled back (not recorded).
        let (a, x) = (sha('a'), sha('e'));
        w.deployed("staging", &a, &["api", "ui"]);
        // The fork's run: its pull request modified tofugen-deploy.yml to upload a recording,
        // from a branch it named main.
        let fork = Origin {
            event: "pull_request",
            head_repo: FORK,
            head_branch: "main",
        };
        let run = w.new_run("tofugen-deploy.yml", fork);
        let forged = w.release(&x, &["api", "ui"]);
        w.upload(run, fork, &format!("release-staging-{x}"), &forged);
        // A same-repository pull request from a branch: not main, not trusted either.
        let branch = Origin {
            event: "pull_request",
            head_repo: REPO,
            head_branch: "feature",
        };
        let run = w.new_run("tofugen-deploy.yml", branch);
        w.upload(run, branch, &format!("release-staging-{x}"), &forged);

        let job = w.promote("");
        logged(&job, &format!("Using release-staging-{a}"));
        ok(&job, "promote the default release");
        assert_eq!(w.tag("production"), a, "production gets what staging runs");
        let job = w.promote(&x);
        refused(
            &job,
            "promote X",
            &format!("no unexpired recording release-staging-{x}"),
        );
        assert_eq!(w.tag("production"), a);
    });
}

/// Staging deploys A, then B, then a rollback takes B back: returns A, what staging runs.
fn staging_rolled_back_from_b(w: &mut World) -> String {
    let (a, b) = (sha('a'), sha('b'));
    w.deployed("staging", &a, &["api", "ui"]);
    w.deployed("staging", &b, &["api", "ui"]);
    ok(&w.rollback("staging", ""), "roll staging back from B");
    assert_eq!(w.tag("staging"), a);
    a
}

/// Sweep 59b, F1: GitHub lists at most 1,000 runs for a query with `branch` or `created`, and a
/// fork's pull-request runs from a branch it named main are in that list. A thousand of them
/// after a rollback pushed the trusted runs out of the window: the rollback was forgotten and
/// the promotion offered the release staging had rolled back. The runs are asked for by event
/// (push, workflow_dispatch), which a fork cannot start here.
#[test]
fn a_flood_of_forked_runs_does_not_push_the_history_out() {
    with_world(|w| {
        let a = staging_rolled_back_from_b(w);
        let fork = Origin {
            event: "pull_request",
            head_repo: FORK,
            head_branch: "main",
        };
        for workflow in [
            "tofugen-deploy.yml",
            "tofugen-promote.yml",
            "tofugen-rollback.yml",
        ] {
            for _ in 0..1000 {
                w.new_run(workflow, fork);
            }
        }
        let job = w.promote("");
        logged(&job, &format!("Using release-staging-{a}"));
        ok(&job, "promote what staging runs");
        assert_eq!(
            w.tag("production"),
            a,
            "not the release staging rolled back"
        );
    });
}

/// A thousand trusted runs of one workflow in the 91 days (about eleven merges a day) are read
/// a week at a time, and the history is whole: the deployment behind them is still found
/// (review of stop 54: a refusal there stopped every deploy). A thousand in one week, past
/// GitHub's window even then, are refused, naming the workflow and the week: the runs beyond
/// would be missing without a word.
#[test]
fn a_busy_history_is_read_a_week_at_a_time() {
    with_world(|w| {
        let a = staging_rolled_back_from_b(w);
        // Each day of the window, once (`date`, as the workflow's script computes it).
        let days: Vec<String> = (0..=90)
            .map(|n| {
                let out = Command::new("date")
                    .args(["-u", "-d", &format!("{n} days ago"), "+%Y-%m-%d"])
                    .output()
                    .unwrap();
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            })
            .collect();
        let days_ago = |n: usize| days[n].as_str();
        // 1,040 more pushes, 80 a week over 13 weeks.
        for i in 0..1040 {
            w.new_run_on("tofugen-deploy.yml", PUSH, Some(days_ago(i / 12 + 1)));
        }
        let job = w.promote("");
        logged(&job, "tofugen-deploy.yml (push): 1,000 runs or more since ");
        logged(&job, &format!("Using release-staging-{a}"));
        ok(&job, "promote what staging runs");
        assert_eq!(
            w.tag("production"),
            a,
            "not the release staging rolled back"
        );

        // A thousand in one week.
        for _ in 0..1000 {
            w.new_run_on("tofugen-deploy.yml", PUSH, Some(days_ago(3)));
        }
        let job = w.promote("");
        refused(
            &job,
            "promote with 1,000 deploy runs in a week",
            "GitHub lists at most 1,000 runs of a workflow per query, and these weeks reached it: tofugen-deploy.yml (push, ",
        );
        logged(&job, "nothing was done, release_sha or not");
    });
}

/// Sweep 59b, F2: the job that runs before the reviewers approve says what the dispatch asks:
/// `allow_data_loss` and `apply_other_changes` as warnings, and whether the release was named by
/// `release_sha` (GitHub shows a dispatch's inputs neither on the run page nor in the review
/// dialog).
#[test]
fn what_a_dispatch_asks_is_said_before_the_approval() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        w.deployed("staging", &b, &["api", "ui"]);
        let release = |w: &mut World, inputs: Value| {
            w.run_job(
                "tofugen-promote.yml",
                "release-production",
                DISPATCH,
                inputs,
                json!({}),
            )
        };
        let job = release(
            w,
            json!({"environment": "production", "release_sha": "", "allow_data_loss": true}),
        );
        ok(&job, "pick the release");
        logged(
            &job,
            "::warning::this run was dispatched with allow_data_loss: its apply in production may destroy or replace data",
        );
        logged(
            &job,
            "- allow_data_loss: the apply goes ahead even when the plan destroys",
        );
        logged(&job, "- release_sha empty: the release named above");
        let job = release(w, json!({"environment": "production", "release_sha": a}));
        ok(&job, "pick the named release");
        logged(
            &job,
            &format!(
                "- release_sha {a}: the release the dispatch named, whatever staging runs now"
            ),
        );
        logged(
            &job,
            "- allow_data_loss off: a plan that destroys data is refused",
        );
        assert!(
            !job.log.contains("::warning::this run was dispatched"),
            "{}",
            job.log
        );

        let job = w.run_job(
            "tofugen-rollback.yml",
            "dispatched-staging",
            DISPATCH,
            json!({"environment": "staging", "release_sha": "", "apply_other_changes": true}),
            json!({}),
        );
        ok(&job, "note the deployment in force");
        logged(
            &job,
            "::warning::this run was dispatched with apply_other_changes: its apply in staging may change more than the release",
        );
        assert!(!job.log.contains("allow_data_loss:"), "{}", job.log);
        logged(
            &job,
            "- release_sha empty: the rollback job goes back to the release before the one in force (the step before names that one)",
        );
    });
}

/// Finding 3: every apply is recorded, rollbacks included; a rollback goes to the release
/// deployed before the current deployment, and promote's default is what the source runs now.
#[test]
fn rollbacks_are_recorded_and_the_history_is_what_was_deployed() {
    with_world(|w| {
        let (a, b, c, d) = (sha('a'), sha('b'), sha('c'), sha('d'));
        for t in [&a, &b, &c] {
            w.deployed("staging", t, &["api", "ui"]);
        }
        let job = w.rollback("staging", "");
        ok(&job, "rollback C");
        assert_eq!(w.tag("staging"), b);
        logged(&job, &format!("uploaded release-staging-{b}"));
        ok(&w.promote(""), "promote the default");
        assert_eq!(w.tag("production"), b, "not C, which staging just rejected");
        let job = w.deploy(&d);
        ok(&job, "deploy D");
        logged(&job, &format!("uploaded release-staging-{d}"));
        ok(&w.rollback("staging", ""), "rollback D");
        assert_eq!(w.tag("staging"), b, "the release deployed before D, not C");
        ok(&w.rollback("staging", ""), "rollback B");
        assert_eq!(
            w.tag("staging"),
            a,
            "one more release back, never forward to D or C"
        );
    });
}

/// Sweep 37, #2: a rollback dispatched with a later release (a roll forward) is a deployment
/// like a deploy: the next default rollback goes back to the release it replaced, not one more
/// back; re-applying the release in force changes nothing.
#[test]
fn a_roll_forward_keeps_the_release_it_replaced() {
    with_world(|w| {
        let (a, b, c) = (sha('a'), sha('b'), sha('c'));
        for t in [&a, &b, &c] {
            w.deployed("staging", t, &["api", "ui"]);
        }
        ok(&w.rollback("staging", ""), "rollback C");
        assert_eq!(w.tag("staging"), b);
        ok(&w.rollback("staging", &c), "roll forward to C");
        assert_eq!(w.tag("staging"), c);
        ok(&w.rollback("staging", &c), "apply C again");
        assert_eq!(w.tag("staging"), c);
        ok(&w.rollback("staging", ""), "rollback C again");
        assert_eq!(w.tag("staging"), b, "the release C replaced, not A");
    });
}

/// Sweep 37, #1: a rollback whose target fails its smoke test restores the release it was to
/// replace, and says so: not that the environment was rolled back (the runbook tells the on-call
/// engineer not to roll back again after that message).
#[test]
fn a_failed_rollback_says_it_restored_the_release_it_replaced() {
    with_world(|w| {
        let (a, b, c) = (sha('a'), sha('b'), sha('c'));
        for t in [&a, &b, &c] {
            w.deployed("staging", t, &["api", "ui"]);
        }
        w.bad_smoke(&[format!("api={b}")]);
        let job = w.rollback("staging", "");
        assert!(!job.ok, "B fails its smoke test:\n{}", job.log);
        assert_eq!(w.tag("staging"), c, "{}", job.log);
        logged(
            &job,
            "::error::this rollback failed: staging was restored to the release it ran before this run",
        );
        assert!(
            !job.log
                .contains("staging was rolled back to the release deployed before"),
            "{}",
            job.log
        );
    });
}

/// Sweep 57, H2-F4: a deploy whose release fails its smoke test, and whose automatic rollback to
/// the release before it fails too, says so and names that release for the rollback workflow's
/// `release_sha` (the run recorded nothing, and an empty `release_sha` would not pick it);
/// without the step's `ERR` trap it ended at the failed smoke test without a word.
#[test]
fn a_failed_automatic_rollback_names_the_release_to_deploy() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        w.bad_smoke(&[format!("api={a}"), format!("api={b}")]);
        let job = w.deploy(&b);
        assert!(!job.ok, "{}", job.log);
        logged(
            &job,
            "::error::the automatic rollback of staging failed (line ",
        );
        logged(
            &job,
            &format!(
                "its apply succeeded, so staging runs the release deployed before this run ({a})"
            ),
        );
        logged(
            &job,
            &format!(
                "(release_sha={a} is the one deployed before this run): tofugen runbook apply-interrupted, fix 3"
            ),
        );
        assert!(
            !job.log
                .contains("staging was rolled back to the release deployed before"),
            "{}",
            job.log
        );
        assert!(
            !job.log.contains(&format!("uploaded release-staging-{b}")),
            "{}",
            job.log
        );

        // A failure inside one of the step's functions (`tofu show` of the rollback's plan, in
        // `data_loss`): said once (errtrace), before any apply of the rollback.
        w.bad_smoke(&[format!("api={b}")]);
        std::fs::write(w.path().join("show-fails-rollback.tfplan"), "").unwrap();
        let job = w.deploy(&b);
        assert!(!job.ok, "{}", job.log);
        let said = job
            .log
            .matches("::error::the automatic rollback of staging failed (line ")
            .count();
        assert_eq!(said, 1, "{}", job.log);
        logged(
            &job,
            &format!(
                "staging may run this run's release, the one deployed before it ({a}) or a mix of both"
            ),
        );
    });
}

/// Review of stop 57, R1: re-running a job that applies, in an old run, once a later run
/// started, applies nothing: the branch did not move (a dispatch deployed a newer application
/// commit), so only the later run tells. Nor once the environment recorded a deployment since
/// the run was created, by a run created before it (a dispatch waiting for its approval while
/// this run's first attempt failed; review of stop 58). With neither, a re-run applies (a
/// transient failure is re-run).
#[test]
fn a_rerun_of_an_applying_job_after_a_later_run_applies_nothing() {
    with_world(|w| {
        let (a, b, c, d) = (sha('a'), sha('b'), sha('c'), sha('d'));
        w.deployed("staging", &a, &["api", "ui"]);
        ok(&w.deploy(&b), "deploy B");
        let run_b = w.last_run;
        let rerun = |w: &mut World, run: u64, tag: &str| {
            w.attempt = 2;
            w.rerun = Some(run);
            let job = w.deploy(tag);
            w.attempt = 1;
            w.rerun = None;
            job
        };
        let again = rerun(w, run_b, &b);
        ok(&again, "B's deploy re-run with no later run");
        logged(
            &again,
            "attempt 2: no run of tofugen-deploy.yml tofugen-promote.yml tofugen-rollback.yml started, and no release-staging-* recorded, since this one",
        );
        ok(
            &w.deploy_ref(&c),
            "a dispatch deploys C, the branch unmoved",
        );
        let run_c = w.last_run;
        assert_eq!(w.tag("staging"), c);
        let stale = rerun(w, run_b, &b);
        refused(
            &stale,
            "B's deploy re-run after C's",
            &format!(
                "later runs or recordings of this environment are: {run_c} (tofugen-deploy.yml), {run_c} (its recording release-staging-{c}). Re-run, this job would apply"
            ),
        );
        logged(&stale, "--- skip Apply the release to staging");
        assert_eq!(w.tag("staging"), c, "C stays");

        // A dispatch created before D's run deploys after D's first attempt failed (D fails
        // its smoke test and is rolled back to C): no run is later than D's, its recording is.
        let early = w.new_run("tofugen-deploy.yml", DISPATCH);
        w.bad_smoke(&[format!("api={d}")]);
        assert!(!w.deploy(&d).ok, "D fails its smoke test");
        let run_d = w.last_run;
        assert_eq!(w.tag("staging"), c, "rolled back to C");
        w.bad_smoke(&[]);
        w.rerun = Some(early);
        ok(&w.deploy_ref(&b), "the earlier dispatch deploys B");
        w.rerun = None;
        let stale = rerun(w, run_d, &d);
        refused(
            &stale,
            "D's deploy re-run after B's recording",
            &format!(
                "later runs or recordings of this environment are: {early} (its recording release-staging-{b})."
            ),
        );
        assert_eq!(w.tag("staging"), b, "B stays");
    });
}

/// Finding 4: more than one page of artifacts (100 staging deploys after two promotions).
#[test]
fn recordings_are_read_past_the_first_page() {
    with_world(|w| {
        // Production was promoted P1 then P2, before 120 staging deploys.
        let (p1, p2) = (sha('1'), sha('2'));
        for tag in [&p1, &p2] {
            w.deployed("production", tag, &["api", "ui"]);
        }
        for n in 0..120 {
            let run = w.new_run("tofugen-deploy.yml", PUSH);
            let tag = sha_n(1000 + n);
            let release = w.release(&tag, &["api", "ui"]);
            w.upload(run, PUSH, &format!("release-staging-{tag}"), &release);
        }
        ok(&w.rollback("production", ""), "rollback production");
        assert_eq!(w.tag("production"), p1);
        // A release_sha recorded on the second page, by name.
        ok(
            &w.promote(&sha_n(1000)),
            "promote a release of the second page",
        );
        assert_eq!(w.tag("production"), sha_n(1000));
    });
}

/// Finding 4: the current release has no recording left (expired): rollback fails, it never
/// rolls forward to the newest recording.
#[test]
fn an_expired_current_recording_stops_the_rollback() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        w.deployed("staging", &b, &["api", "ui"]);
        ok(&w.rollback("staging", ""), "rollback B");
        assert_eq!(w.tag("staging"), a);
        w.expire(&format!("release-staging-{a}"));
        let job = w.rollback("staging", "");
        refused(
            &job,
            "rollback with A's recordings expired",
            "is not the newest recorded deployment",
        );
        assert_eq!(w.tag("staging"), a, "never forward to B");
    });
}

/// Finding 5: the release before lacks a service the configuration added: the automatic and
/// the manual rollback keep that service's new image, and the rest goes back.
#[test]
fn a_rollback_across_an_added_service_keeps_its_image() {
    with_world(|w| {
        let (p, n, m) = (sha('a'), sha('b'), sha('c'));
        // P was deployed when staging ran only api.
        w.deployed("staging", &p, &["api"]);
        // The configuration now adds ui; N fails its smoke test: automatic rollback.
        w.set_services("staging", &["api", "ui"]);
        w.bad_smoke(&[format!("api={n}")]);
        let job = w.deploy(&n);
        assert!(!job.ok, "N fails its smoke test");
        let running = w.running("staging");
        assert_eq!(running["api"], p, "{}", job.log);
        assert_eq!(running["ui"], n, "ui keeps N's image");
        logged(&job, "ui is not in the release deployed before");
        logged(
            &job,
            "::error::staging was rolled back to the release deployed before this run",
        );
        // M passes; a manual rollback goes back to P, ui keeping M's image.
        ok(&w.deploy(&m), "deploy M");
        let job = w.rollback("staging", "");
        ok(&job, "rollback M");
        let running = w.running("staging");
        assert_eq!(running["api"], p);
        assert_eq!(running["ui"], m);
        logged(&job, "the release lacks ui");
        logged(&job, &format!("uploaded release-staging-{p}"));
    });
}

/// Sweep 19: the configuration added ui, which production has never run (no promotion since):
/// a production rollback has no image of ui to keep. It stops before any apply and names the
/// service and the fix, instead of failing the release check on a `null` image.
#[test]
fn a_rollback_across_a_service_never_deployed_names_it() {
    with_world(|w| {
        let (p1, p2) = (sha('1'), sha('2'));
        for tag in [&p1, &p2] {
            w.deployed("production", tag, &["api"]);
        }
        let job = w.rollback("production", "");
        refused(
            &job,
            "rollback production across ui",
            "neither the release nor this environment has an image of: ui",
        );
        logged(&job, "revert the configuration change that added it");
        assert_eq!(w.tag("production"), p2, "nothing applied");
    });
}

/// Finding 8: after a rollback, a push to this repository (an infrastructure change) finds the
/// application's default branch still at the rolled-back commit: the deploy keeps the release
/// deployed now instead of bringing the rejected commit back. `app_ref` deploys it on purpose;
/// a new application commit deploys as usual.
#[test]
fn a_push_after_a_rollback_keeps_the_deployed_release() {
    with_world(|w| {
        let (a, b, c, d) = (sha('a'), sha('b'), sha('c'), sha('d'));
        for t in [&a, &b, &c] {
            w.deployed("staging", t, &["api", "ui"]);
        }
        ok(&w.rollback("staging", ""), "rollback C");
        assert_eq!(w.tag("staging"), b);
        let job = w.deploy(&c);
        ok(&job, "push with the application still at C");
        assert_eq!(w.tag("staging"), b, "C stays rolled back:\n{}", job.log);
        logged(
            &job,
            &format!("::warning::the application commit {c} was rolled back from staging"),
        );
        logged(&job, &format!("uploaded release-staging-{b}"));
        let job = w.deploy_ref(&c);
        ok(&job, "dispatch with app_ref=C");
        assert_eq!(w.tag("staging"), c, "app_ref deploys what it names");
        ok(&w.rollback("staging", ""), "rollback C again");
        assert_eq!(w.tag("staging"), b);
        ok(&w.deploy(&d), "push with a new application commit D");
        assert_eq!(w.tag("staging"), d);
        // A commit that was never deployed here is not held back by an older rollback.
        ok(&w.deploy(&d), "push again at D");
        assert_eq!(w.tag("staging"), d);
    });
}

/// Finding 8: the release deployed now cannot stand in for the rolled-back commit when it lacks
/// a service the configuration adds: the deploy is refused and nothing is applied.
#[test]
fn a_rolled_back_commit_is_not_replaced_by_a_release_lacking_a_service() {
    with_world(|w| {
        let (a, c) = (sha('a'), sha('c'));
        // When staging ran only api: A, C, then a rollback to A (as its run records it).
        w.deployed("staging", &a, &["api"]);
        w.deployed("staging", &c, &["api"]);
        let run = w.new_run("tofugen-rollback.yml", DISPATCH);
        let release = w.release(&a, &["api"]);
        w.upload(run, DISPATCH, &format!("release-staging-{a}"), &release);
        w.set_state("staging", &release);
        // The configuration now adds ui; the application is still at C.
        let job = w.deploy(&c);
        refused(
            &job,
            "push adding ui with the application still at C",
            "cannot stand in for it (it lacks ui), so nothing was applied",
        );
        assert_eq!(w.running("staging")["api"], a);
        assert!(!job.log.contains("--- Apply the release"), "{}", job.log);
    });
}

/// Finding 9: release_sha is matched as a whole string: a second line is refused before any
/// API call, and never printed as a workflow command.
#[test]
fn a_multi_line_release_sha_is_refused() {
    with_world(|w| {
        let a = sha('a');
        w.deployed("staging", &a, &["api", "ui"]);
        let before = w.gh_calls();
        for (input, name) in [
            (
                format!("{a}\n::warning title=spoofed::rolled back by the security team"),
                "rollback",
            ),
            (format!("{a}\n"), "rollback"),
            (format!("{a}\n::warning title=spoofed::promoted"), "promote"),
        ] {
            let job = if name == "rollback" {
                w.rollback("staging", &input)
            } else {
                w.promote(&input)
            };
            refused(&job, name, "release_sha must be a full 40-character");
            assert!(
                !job.log
                    .lines()
                    .any(|l| l.starts_with("::warning title=spoofed")),
                "{}",
                job.log
            );
        }
        // Only the re-run guard's reads of the branch tip, which come first in every job.
        let after = w.gh_calls();
        let new_calls: Vec<&str> = after[before.len()..]
            .lines()
            .filter(|l| !l.contains("/git/ref/heads/"))
            .collect();
        assert!(
            after.starts_with(&before) && new_calls.is_empty(),
            "no API call with an invalid release_sha: {new_calls:?}"
        );
        assert_eq!(w.tag("staging"), a);
    });
}

/// A plan's change besides the release: the api container's `min_scale` from 2 to 3, its
/// secret variable's value (`hunter2`) in clear, as `tofu show -json` gives it.
fn api_min_scale_change() -> Value {
    let container = |scale: i64| {
        json!({"image": "rg/evalap:x", "registry_sha256": "sha256:0", "min_scale": scale,
               "environment_variables": {"TOFUGEN_RELEASE": "x"},
               "secret_environment_variables": {"DATABASE_URL": "postgres://u:hunter2@db/x"}})
    };
    json!({"address": "module.service_api.scaleway_container.this", "mode": "managed",
           "type": "scaleway_container", "name": "this",
           "change": {"actions": ["update"], "before": container(2), "after": container(3),
                      "after_unknown": {}}})
}

/// A rollback applies the environment's root at the tip of the branch: a change merged since the
/// last deploy or promotion (here a container's `min_scale`, a new bucket) or a new secret
/// version would be applied with the release. The plan step refuses anything besides the
/// release's container images, naming each change (attributes, never values), and applies
/// nothing; `apply_other_changes` applies them after a warning. The plan's JSON holds secret
/// values in clear: the step removes it.
#[test]
fn a_rollback_refuses_changes_besides_the_release_unless_asked() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        for t in [&a, &b] {
            w.deployed("production", t, &["api", "ui"]);
        }
        w.other_changes(&json!([
            api_min_scale_change(),
            {"address": "module.backups.scaleway_object_bucket.this", "mode": "managed",
             "type": "scaleway_object_bucket", "name": "this",
             "change": {"actions": ["create"], "before": null, "after": {"name": "b"},
                        "after_unknown": {"id": true}}},
            {"address": "data.scaleway_container.api", "mode": "data",
             "type": "scaleway_container", "name": "api",
             "change": {"actions": ["read"], "before": null, "after": {}, "after_unknown": {}}}
        ]));
        let job = w.rollback("production", "");
        refused(
            &job,
            "a rollback with other changes",
            "::error::the rollback would also apply 2 change(s) besides the release",
        );
        logged(
            &job,
            "  module.service_api.scaleway_container.this: update (min_scale)\n",
        );
        logged(
            &job,
            "  module.backups.scaleway_object_bucket.this: create\n",
        );
        logged(&job, "--- skip Apply the release to production");
        assert_eq!(w.tag("production"), b, "nothing applied");
        assert!(
            !job.log.contains("hunter2"),
            "a secret value in the log:\n{}",
            job.log
        );
        assert!(
            !job.log.contains("data.scaleway_container"),
            "a data source read is not a change:\n{}",
            job.log
        );
        let job = w.rollback_applying_other_changes("production", "");
        ok(&job, "the same rollback with apply_other_changes");
        logged(
            &job,
            "::warning::applying 2 change(s) besides the release, as asked (apply_other_changes)",
        );
        assert_eq!(w.tag("production"), a);
        // Without other changes, the plan of the release alone goes through.
        std::fs::remove_file(w.path().join("other-changes.json")).unwrap();
        let job = w.rollback("production", &b);
        ok(&job, "a rollback changing the release's containers only");
        logged(&job, "The plan changes the release's containers only.");
        assert_eq!(w.tag("production"), b);
    });
}

/// The runbooks' `apply-a-fix`: a configuration fix reaches production, without new
/// application code, through the rollback workflow dispatched with the release production runs
/// and `apply_other_changes`: it applies the change, keeps the release, and says so; without
/// `apply_other_changes` it stops and lists the change.
#[test]
fn a_rollback_to_the_running_release_applies_a_configuration_fix() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        for t in [&a, &b] {
            w.deployed("production", t, &["api", "ui"]);
        }
        w.other_changes(&json!([api_min_scale_change()]));
        let job = w.rollback("production", &b);
        refused(
            &job,
            "the fix without apply_other_changes",
            "::error::the rollback would also apply 1 change(s) besides the release",
        );
        assert_eq!(w.tag("production"), b, "nothing applied");
        let job = w.rollback_applying_other_changes("production", &b);
        ok(
            &job,
            "the fix with the running release and apply_other_changes",
        );
        logged(
            &job,
            "::warning::applying 1 change(s) besides the release, as asked (apply_other_changes)",
        );
        logged(
            &job,
            "  module.service_api.scaleway_container.this: update (min_scale)\n",
        );
        assert_eq!(w.tag("production"), b, "the release production ran");
        // Its alert rules are pushed too (an alert-only fix has no other route without new
        // code, sweep 58b, #1): the step runs (the harness runs no push; tests/workflow_guards.rs
        // runs the promotion's, the same `push_rules` step).
        logged(
            &job,
            "--- not run here: Push the alert rules of production to Cockpit\n",
        );
        // A rollback of the release alone pushes no rules.
        std::fs::remove_file(w.path().join("other-changes.json")).unwrap();
        let job = w.rollback("production", &a);
        ok(&job, "a rollback of the release alone");
        logged(
            &job,
            "--- skip Push the alert rules of production to Cockpit\n",
        );
        assert_eq!(w.tag("production"), a);
    });
}

/// Sweep 58b, #3: a rollback to the previous release goes back from the deployment in force
/// when it was dispatched. A deploy recorded while it waited for the environment (one
/// concurrency group) makes it stop, applying nothing: going back from the new deployment
/// would re-apply the release the on-call dispatched the rollback to remove. With nothing in
/// between, or with a `release_sha`, it goes ahead.
#[test]
fn a_rollback_waiting_behind_a_deploy_applies_nothing() {
    with_world(|w| {
        let (b, c, d) = (sha('b'), sha('c'), sha('d'));
        ok(&w.deploy(&b), "deploy B");
        ok(&w.deploy(&c), "deploy C (the bad release)");
        // Dispatched while C runs; a push deploys D before the rollback job starts.
        let job = w.rollback_with(
            "staging",
            json!({"environment": "staging", "release_sha": ""}),
            |w| ok(&w.deploy(&d), "deploy D while the rollback waits"),
        );
        refused(
            &job,
            "a rollback that waited for a deploy",
            &format!(
                "::error::the deployments in force changed after this rollback was dispatched: a deploy, promotion or rollback recorded {d}"
            ),
        );
        assert_eq!(
            w.tag("staging"),
            d,
            "nothing applied: C was not brought back"
        );
        // Dispatched again, it goes back from D.
        ok(&w.rollback("staging", ""), "rollback D");
        assert_eq!(w.tag("staging"), c);
        // A rollback recorded in between counts too (the newest deployment is then older).
        let job = w.rollback_with(
            "staging",
            json!({"environment": "staging", "release_sha": ""}),
            |w| ok(&w.rollback("staging", ""), "another rollback, of C"),
        );
        // What it was dispatched to remove is gone already: it says so, and does not send the
        // on-call one more release back (review of this fix).
        refused(
            &job,
            "a rollback that waited for another rollback",
            &format!(
                "::error::another rollback recorded since this one was dispatched already took back {c} it was dispatched to remove"
            ),
        );
        assert_eq!(w.tag("staging"), b);
        // A release_sha names the release, whatever ran in between.
        let job = w.rollback_with(
            "staging",
            json!({"environment": "staging", "release_sha": c}),
            |w| ok(&w.deploy(&d), "deploy D"),
        );
        ok(&job, "a rollback to C by SHA");
        assert_eq!(w.tag("staging"), c);
    });
}

/// A deploy, a promotion and a rollback apply the plan they saved, once the data guard has
/// read it: a plan destroying or replacing a resource that holds data (the database instance
/// replaced by a changed setting, a secret deleted) is refused, naming each (address and
/// actions, never values), and nothing is applied; a run dispatched with `allow_data_loss`
/// applies it after a warning. A push has no inputs: refused (sweep 31, #1: the jobs applied
/// with `-auto-approve`, and their reviewers approve before any plan exists). Replacing a
/// container, or updating the database in place, holds no data and goes through.
#[test]
fn a_plan_destroying_data_is_refused_unless_asked() {
    with_world(|w| {
        let (a, b, c) = (sha('a'), sha('b'), sha('c'));
        w.deployed("staging", &a, &["api", "ui"]);
        w.deployed("production", &a, &["api", "ui"]);
        let secret = "postgres://u:hunter2@db/x";
        let changes = |deletes: bool| {
            let mut list = vec![
                json!({"address": "module.service_api.scaleway_container.this", "mode": "managed",
                       "type": "scaleway_container", "name": "this",
                       "change": {"actions": ["delete", "create"], "before": {"name": "api"},
                                  "after": {"name": "api2"}, "after_unknown": {}}}),
                json!({"address": "module.database.scaleway_rdb_instance.this", "mode": "managed",
                       "type": "scaleway_rdb_instance", "name": "this",
                       "change": {"actions": ["update"], "before": {"node_type": "db-dev-s"},
                                  "after": {"node_type": "db-dev-m"}, "after_unknown": {}}}),
            ];
            if deletes {
                list.push(
                    json!({"address": "module.database.scaleway_rdb_instance.this",
                    "mode": "managed", "type": "scaleway_rdb_instance", "name": "this",
                    "change": {"actions": ["create", "delete"], "before": {"password": secret},
                               "after": {"password": secret}, "after_unknown": {}}}),
                );
                list.push(
                    json!({"address": "module.secrets.scaleway_secret.this[\"db\"]",
                    "mode": "managed", "type": "scaleway_secret", "name": "this",
                    "change": {"actions": ["delete"], "before": {"name": "db"}, "after": null,
                               "after_unknown": {}}}),
                );
            }
            Value::Array(list)
        };
        w.other_changes(&changes(true));
        let listed = [
            "  module.database.scaleway_rdb_instance.this: create then delete\n",
            "  module.secrets.scaleway_secret.this[\"db\"]: delete\n",
        ];
        let check_refused = |job: &Job, what: &str| {
            refused(
                job,
                what,
                "::error::the plan destroys or replaces 2 resource(s) holding data",
            );
            for line in listed {
                logged(job, line);
            }
            assert!(!job.log.contains("hunter2"), "a secret value:\n{}", job.log);
            // The guard's own listing: the two, not the replaced container.
            let guard = job
                .log
                .split("--- Refuse to destroy data")
                .nth(1)
                .unwrap_or("");
            let guard = guard.split("\n---").next().unwrap_or("");
            assert!(
                !guard.contains("scaleway_container") && guard.contains(listed[0]),
                "the guard's listing:\n{guard}"
            );
        };
        let job = w.deploy(&b);
        check_refused(&job, "a pushed deploy replacing the database");
        logged(&job, "--- skip Apply the release to staging");
        assert_eq!(w.tag("staging"), a, "nothing applied");
        let job = w.deploy_as(&b, DISPATCH, json!({"app_ref": b, "allow_data_loss": true}));
        ok(&job, "the deploy dispatched with allow_data_loss");
        logged(
            &job,
            "::warning::destroying or replacing 2 resource(s) holding data, as asked (allow_data_loss)",
        );
        assert_eq!(w.tag("staging"), b);

        let job = w.promote("");
        check_refused(&job, "a promotion replacing the database");
        assert_eq!(w.tag("production"), a, "nothing applied");
        let job = w.run_job(
            "tofugen-promote.yml",
            "promote-production",
            DISPATCH,
            json!({"environment": "production", "release_sha": "", "allow_data_loss": true}),
            json!({}),
        );
        ok(&job, "the promotion with allow_data_loss");
        assert_eq!(w.tag("production"), b);

        // A rollback's other changes, even when asked to apply them, are guarded too.
        w.deployed("production", &c, &["api", "ui"]);
        let job = w.rollback_applying_other_changes("production", "");
        check_refused(
            &job,
            "a rollback applying other changes that replace the database",
        );
        assert_eq!(w.tag("production"), c, "nothing applied");

        // Without a data resource destroyed, the same plans go through.
        w.other_changes(&changes(false));
        let job = w.deploy(&c);
        ok(&job, "a deploy replacing a container");
        logged(
            &job,
            "The plan destroys or replaces no resource holding data.",
        );
        assert_eq!(w.tag("staging"), c);

        // The automatic rollback plans again after a failed release, and that plan is guarded
        // too (sweep 32, F5): here it alone would replace the database. Not applied: staging
        // keeps what the failed deploy applied, and the job fails naming it.
        let d = sha('d');
        std::fs::write(
            w.path().join("other-changes-rollback.tfplan.json"),
            changes(true).to_string(),
        )
        .unwrap();
        w.bad_smoke(&[format!("api={d}")]);
        let job = w.deploy(&d);
        refused(
            &job,
            "a deploy whose automatic rollback would replace the database",
            "::error::the automatic rollback's plan destroys or replaces 2 resource(s) holding data",
        );
        logged(
            &job,
            "The plan destroys or replaces no resource holding data.",
        );
        assert_eq!(w.tag("staging"), d, "the rollback applied nothing");
        assert!(!job.log.contains("hunter2"), "a secret value:\n{}", job.log);
    });
}

/// Production runs A and staging has deployed `staging` in order; a promotion with no
/// `release_sha` picks the last of them, and staging is rolled back while production's
/// reviewers decide, to `rolled_back_to`. The promotion job must stop, deploying nothing;
/// returns its job.
fn promotion_after_a_staging_rollback(
    w: &mut World,
    staging: &[&String],
    rolled_back_to: &str,
) -> Job {
    let a = sha('a');
    w.deployed("production", &a, &["api", "ui"]);
    for tag in staging {
        w.deployed("staging", tag, &["api", "ui"]);
    }
    let (picked, job) = w.promote_picked(|w| ok(&w.rollback("staging", ""), "roll back"));
    assert_eq!(
        picked.outputs.get("sha"),
        staging.last().copied(),
        "{}",
        picked.log
    );
    assert_eq!(w.tag("staging"), rolled_back_to);
    assert!(!job.ok, "{}", job.log);
    logged(
        &job,
        "is no longer among the deployments in force listed above: a rollback took it back",
    );
    assert_eq!(w.tag("production"), a, "nothing was deployed");
    job
}

/// A promotion whose release staging rolled back while it waited for approval stops (sweep
/// 55b, #3: the release named at dispatch was deployed to production after staging had been
/// rolled back from it); dispatched again with that `release_sha`, deliberately, it deploys.
#[test]
fn a_promotion_refuses_a_release_rolled_back_while_it_waited() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        let job = promotion_after_a_staging_rollback(w, &[&a, &b], &a);
        logged(
            &job,
            &format!("::error::the deployment of {b} this run picked (recorded by run "),
        );
        // Named on purpose, the same release is deployed.
        let job = w.promote(&b);
        ok(&job, "promote B deliberately");
        assert_eq!(w.tag("production"), b);
    });
}

/// The same check is of the deployment picked, not of its commit (review of sweep 55b, #3):
/// staging deployed B, C, then B again; the promotion picks the second B; a rollback while it
/// waits takes staging back to C, and the first B, still among the deployments in force below
/// C, must not let the picked one through.
#[test]
fn a_promotion_refuses_a_rolled_back_deployment_of_a_commit_deployed_before() {
    with_world(|w| {
        let (b, c) = (sha('b'), sha('c'));
        promotion_after_a_staging_rollback(w, &[&b, &c, &b], &c);
    });
}

/// A promotion deploys the release named before its reviewers approve: the release job picks
/// what staging runs at dispatch (and says so in its summary); a staging deployment recorded
/// while the promotion waits for approval does not change what production receives (sweep 44,
/// #3: the promotion job looked the release up after the approval, and took the newer one).
#[test]
fn a_promotion_deploys_the_release_named_before_the_approval() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        // While production's reviewers decide, staging deploys B.
        let (picked, job) = w.promote_picked(|w| w.deployed("staging", &b, &["api", "ui"]));
        assert_eq!(picked.outputs.get("sha"), Some(&a), "{}", picked.log);
        logged(
            &picked,
            &format!("Release to promote from staging to production: {a}"),
        );
        ok(&job, "promote");
        assert_eq!(
            w.tag("production"),
            a,
            "the release named before the approval, not B"
        );
        // Without the release job's output, the promotion job would have taken B: the default
        // it looks up at run time is what staging runs then.
        assert_eq!(w.tag("staging"), b);
    });
}

/// Sweep 57, F1: re-running the job that picks what a promotion, a rollback or a deploy
/// deploys picked again, and GitHub passes the first attempt's approval to the re-run's
/// deploying job ("any deployment protection rules that passed in the previous run will
/// automatically pass in the re-run", GitHub Docs, "Re-running workflows and jobs"): a
/// promotion shipped what staging ran by then, a rollback went one more release back. Each
/// picking job refuses a later attempt, before it reads anything; its first attempt picks.
#[test]
fn a_rerun_of_a_picking_job_picks_nothing() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        w.deployed("staging", &b, &["api", "ui"]);
        w.deployed("production", &a, &["api", "ui"]);
        let picks = [
            (
                "tofugen-promote.yml",
                "release-production",
                json!({"environment": "production", "release_sha": ""}),
            ),
            (
                "tofugen-rollback.yml",
                "dispatched-production",
                json!({"environment": "production", "release_sha": ""}),
            ),
        ];
        for (workflow, job, inputs) in picks {
            let first = w.run_job(workflow, job, DISPATCH, inputs.clone(), json!({}));
            ok(&first, &format!("{workflow} {job}, attempt 1"));
            assert!(first.outputs["sha"].len() == 40, "{}", first.log);
            w.attempt = 2;
            let calls = w.gh_calls();
            let again = w.run_job(workflow, job, DISPATCH, inputs, json!({}));
            w.attempt = 1;
            refused(
                &again,
                &format!("{workflow} {job}, attempt 2"),
                "this is attempt 2 of the run",
            );
            assert_eq!(again.outputs["sha"], "", "{}", again.log);
            assert_eq!(w.gh_calls(), calls, "a refused attempt reads nothing");
        }
    });
}

/// Every job without an environment (so without reviewers) whose outputs a job with an
/// environment needs decides what that job deploys: its first step refuses a re-run (see
/// `a_rerun_of_a_picking_job_picks_nothing`), in every workflow.
#[test]
fn every_picking_job_refuses_a_rerun_first() {
    let mut guarded = Vec::new();
    for (name, wf) in workflows() {
        // The pull request's jobs with an environment plan and never apply.
        if name == "tofugen-pr.yml" {
            continue;
        }
        let jobs = wf["jobs"].as_object().unwrap();
        for (id, job) in jobs {
            if job["environment"].is_null() {
                continue;
            }
            let needs: Vec<&str> = match &job["needs"] {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for need in needs {
                let picker = &jobs[need];
                if !picker["environment"].is_null() || picker["outputs"].is_null() {
                    continue;
                }
                assert_eq!(
                    picker["steps"][0]["name"], "Refuse a re-run of this job",
                    "{name}: job {need}, needed by {id}"
                );
                guarded.push(format!("{name} {need}"));
            }
        }
    }
    guarded.sort();
    guarded.dedup();
    assert_eq!(
        guarded,
        [
            "tofugen-deploy.yml app-commit",
            "tofugen-promote.yml release-production",
            "tofugen-rollback.yml dispatched-production",
            "tofugen-rollback.yml dispatched-staging",
        ]
    );
}

/// Sweep 57, H2-F6: a state whose outputs cannot be read is not "never deployed": the deploy
/// stops before it applies (it went on without a release to roll back to), and says why.
#[test]
fn an_unreadable_state_stops_the_deploy() {
    with_world(|w| {
        let (a, b) = (sha('a'), sha('b'));
        w.deployed("staging", &a, &["api", "ui"]);
        std::fs::write(w.path().join("output-fails"), "").unwrap();
        let job = w.deploy(&b);
        refused(
            &job,
            "deploy over an unreadable state",
            "could not read the outputs of the staging state",
        );
        assert_eq!(w.tag("staging"), a, "nothing applied");
        std::fs::remove_file(w.path().join("output-fails")).unwrap();
        let job = w.deploy(&b);
        ok(&job, "deploy");
        assert_eq!(w.tag("staging"), b);
    });
}
