//! Emits the GitHub Actions workflows under `.github/workflows/`:
//!
//! - `tofugen-pr.yml`: checks the generated tree, HCL and alert rules, runs the roots' tests,
//!   computes the affected environments (`tofugen affected`) and plans them with read-only
//!   credentials (never for pull requests from forks);
//! - `tofugen-deploy.yml`: builds every image once, pushes it to the registry of the head of
//!   the promotion chain (never re-pushing a tag), applies the release there, smoke-tests it and
//!   rolls back automatically;
//! - `tofugen-promote.yml`: copies a tested release by digest into an environment with
//!   `promote_from`, behind that environment's reviewers;
//! - `tofugen-rollback.yml`: redeploys the release deployed before the current deployment (or
//!   a chosen recorded one), and records it. Promote and rollback trust only the recordings of
//!   this repository's own deploy, promote and rollback runs on `ci.branch` ([`FIND_RELEASE`]).
//!
//! Each workflow is a [`Yaml`] document built here and printed by [`super::yaml`]. Every
//! configuration value is a YAML string (encoded), or a literal in a condition (encoded); shell
//! scripts are `&'static str` constants of this file and read configuration only from `env:`.
//! Every action is pinned by commit SHA ([`PINS`]).

use std::collections::{BTreeMap, BTreeSet};

use super::GeneratedFile;
use super::budget::Job;
use super::yaml::{Cond, Dialect, MapBuilder, Piece, Yaml};
use crate::model::{InstallMethod, Privacy};
use crate::resolve::{Resolved, ResolvedEnvironment};

/// The expression of the secret a private application repository is checked out with
/// (`ci.app_repository_private`), a secret of the head environment: a fixed name, so no
/// configuration value ever reaches a workflow expression.
pub const APP_REPOSITORY_TOKEN: &str = "secrets.APP_REPOSITORY_TOKEN";

/// Directory of the generated workflows, relative to the repository root.
pub const WORKFLOWS_DIR: &str = ".github/workflows";

/// Every action the workflows use, pinned by full commit SHA with its release as a comment
/// (from `research/github-actions-pins.md`).
pub const PINS: [(&str, &str); 10] = [
    (
        "checkout",
        "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    ),
    (
        "setup_opentofu",
        "opentofu/setup-opentofu@a1320f892987e89d278cc92dc5adc984fb93aca4 # v2.0.2",
    ),
    (
        "rust_toolchain",
        // The `master` commit is the sturdy pin: the `stable` branch commit is re-created.
        "dtolnay/rust-toolchain@3c5f7ea28cd621ae0bf5283f0e981fb97b8a7af9 # master",
    ),
    (
        "rust_cache",
        "Swatinem/rust-cache@6323deb102c322ba6fcbdcafc7e3dddab59af2b6 # v2.9.2",
    ),
    (
        "cache",
        "actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5",
    ),
    (
        "docker_login",
        "docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0",
    ),
    (
        "setup_buildx",
        "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0",
    ),
    (
        "build_push",
        "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0",
    ),
    (
        "upload_artifact",
        "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
    ),
    (
        "download_artifact",
        "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1",
    ),
];

/// The `uses:` value of the pinned action `name`.
fn pin(name: &str) -> Yaml {
    let value = PINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no pin named {name}: a tofugen bug"));
    // `uses:` takes `owner/repo@sha`; the release is kept as a trailing YAML comment, which the
    // printer cannot express on a value: split it off into the step's comment instead.
    Yaml::str(value.split(" # ").next().unwrap_or(value))
}

/// The release a pinned action's SHA belongs to (for the comment above its step).
fn pin_release(name: &str) -> String {
    PINS.iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.split(" # ").nth(1))
        .map(|r| format!("{name}: {r}"))
        .unwrap_or_default()
}

/// Directory of an environment's generated root, relative to the repository root.
pub fn root_dir(env: &str) -> String {
    super::roots::root_dir(env)
}

/// A GitHub Actions job id for `prefix` and `name`: `[A-Za-z0-9_-]` only.
pub fn job_id(prefix: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{clean}")
}

/// Job ids for `names`, made unique with a numeric suffix where two names clean to one id: the
/// first keeps the id, the next get `-2`, `-3`, ..., skipping every suffixed id that is taken
/// or that another name cleans to (images `a-b`, `a.b` and `a-b-2` give `build-a-b`,
/// `build-a-b-3` and `build-a-b-2`, not two jobs `build-a-b-2`).
fn job_ids<'a>(prefix: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let natural: Vec<String> = names.into_iter().map(|n| job_id(prefix, n)).collect();
    let reserved: BTreeSet<&str> = natural.iter().map(String::as_str).collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    natural
        .iter()
        .map(|id| {
            let mut candidate = id.clone();
            let mut n = 1;
            while taken.contains(&candidate) || (n > 1 && reserved.contains(candidate.as_str())) {
                n += 1;
                candidate = format!("{id}-{n}");
            }
            taken.insert(candidate.clone());
            candidate
        })
        .collect()
}

/// What the emitters need to know besides the configuration.
struct Ctx<'a> {
    resolved: &'a Resolved,
    /// The configuration file, relative to the repository root.
    config: &'a str,
    /// The comment lines every workflow file starts with.
    header: String,
}

/// GitHub's limit on one workflow file: "A workflow file larger than 500 KB will not start
/// runs" (GitHub Docs, "Actions limits", existing system limits), counted here as 500,000
/// bytes, the smaller reading of "KB". GitHub refuses such a file without a failed run.
pub const GITHUB_WORKFLOW_FILE_LIMIT: usize = 500_000;

/// The workflow files among `files` (generated files, path relative to the repository) over
/// [`GITHUB_WORKFLOW_FILE_LIMIT`], each with its size in bytes: what `generate` and `check` see
/// of the files they emit, at no cost of its own (sweep 57, H3-6).
pub fn oversized(files: &[GeneratedFile]) -> Vec<(String, usize)> {
    files
        .iter()
        .filter(|(path, text)| {
            text.len() > GITHUB_WORKFLOW_FILE_LIMIT
                && path
                    .strip_prefix(WORKFLOWS_DIR)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .map(|(path, text)| (path.clone(), text.len()))
        .collect()
}

/// The warning for a generated workflow file (`path`, `bytes` long) over
/// [`GITHUB_WORKFLOW_FILE_LIMIT`], at the `environments:` key of the configuration `file`
/// (`key`): the environments and their services are what make it long (sweep 57, H3-6: a
/// deploy workflow of 100 services, a rollback workflow of 10 environments, written without a
/// word, and GitHub would never have started them). A warning: the roots are right, and a
/// team may deploy them with workflows of its own.
pub fn too_large(
    file: crate::source::FileId,
    key: Option<crate::diagnostics::Span>,
    path: &str,
    bytes: usize,
) -> crate::diagnostics::Diagnostic {
    let limit = GITHUB_WORKFLOW_FILE_LIMIT;
    let what = if path.ends_with("tofugen-deploy.yml") {
        "the deploy workflow has a build job per image"
    } else {
        "the promote and rollback workflows have jobs per environment, each with steps for every service"
    };
    crate::diagnostics::Diagnostic::warning(
        "workflow-too-large",
        format!(
            "`{path}` is {bytes} bytes, over GitHub's limit of 500 KB ({limit} bytes) per \
             workflow file: GitHub does not start runs of a larger workflow (GitHub Docs, \
             \"Actions limits\"), and says nothing"
        ),
    )
    .at(file, key)
    .expected(format!(
        "every generated workflow file at most {limit} bytes"
    ))
    .help(format!(
        "{what}: fewer services or environments per configuration (one repository per group of \
         them), or deploy these roots with workflows of your own"
    ))
}

/// The workflow files.
pub fn emit(resolved: &Resolved) -> Vec<GeneratedFile> {
    if resolved.environments.is_empty() {
        return Vec::new();
    }
    let source = resolved.config_path.as_str();
    let ctx = Ctx {
        resolved,
        config: source,
        header: super::header("#", source),
    };
    let mut files = vec![(format!("{WORKFLOWS_DIR}/tofugen-pr.yml"), pr(&ctx))];
    if let Some(head) = resolved.deploy_head() {
        files.push((
            format!("{WORKFLOWS_DIR}/tofugen-deploy.yml"),
            deploy(&ctx, head),
        ));
    }
    if resolved
        .environments
        .iter()
        .any(|e| e.promote_from.is_some())
    {
        files.push((
            format!("{WORKFLOWS_DIR}/tofugen-promote.yml"),
            promote(&ctx),
        ));
    }
    files.push((
        format!("{WORKFLOWS_DIR}/tofugen-rollback.yml"),
        rollback(&ctx),
    ));
    files
}

// ---------------------------------------------------------------------------------------------
// Shell scripts. Constants only: every value they need comes from the step's `env:`.
// ---------------------------------------------------------------------------------------------

/// Installs promtool from Ubuntu's prometheus package (unpacked, no service started).
const INSTALL_PROMTOOL: &str = r####"cd "$RUNNER_TEMP"
sudo apt-get update -q
apt-get download prometheus
dpkg-deb -x prometheus_*.deb prometheus
echo "$RUNNER_TEMP/prometheus/usr/bin" >> "$GITHUB_PATH"
"####;

/// `promtool check rules` on every rule file, `promtool test rules` on every test file, of
/// every environment ($GENERATED: the generated directory).
const PROMTOOL: &str = r####"shopt -s nullglob
rules=()
tests=()
for file in "$GENERATED"/*/alerts/*/*.yml; do
  case "$file" in
    *.test.yml) tests+=("$file") ;;
    *) rules+=("$file") ;;
  esac
done
if [ "${#rules[@]}" -eq 0 ]; then
  echo "no alert rule file under $GENERATED/*/alerts/"
  exit 0
fi
promtool check rules "${rules[@]}"
for file in "${tests[@]}"; do
  (cd "$(dirname "$file")" && promtool test rules "$(basename "$file")")
done
"####;

/// A shell function, `refuse_local_files`, that fails in a root directory holding OpenTofu's
/// local files (`.terraform/`, `.terraform.lock.hcl`, a local state, a saved plan, or
/// `terraform.d/`, the implicit provider mirror OpenTofu reads in the working directory:
/// opentofu v1.12.6 `cmd/tofu/provider_source.go`, `addLocalDir(filepath.Join(
/// originalWorkingDir, "terraform.d/plugins"))`; a provider planted there was installed and ran
/// with the job's keys, sweep 57, H2-F2). tofugen
/// never generates them, and `tofugen check` ignores them because a developer's `tofu init`
/// leaves them beside the generated files; in a job's fresh checkout they can only have been
/// committed, and `tofu init` would reuse them: a provider under `.terraform/providers` that a
/// committed lock file names runs with the job's secrets. Every script that runs `tofu init`
/// calls it first.
macro_rules! refuse_local_files {
    () => {
        r####"refuse_local_files() {
  local found
  found="$(find . -maxdepth 1 \( -name .terraform -o -name .terraform.lock.hcl -o -name 'terraform.tfstate*' \
    -o -name .terraform.tfstate.lock.info -o -name '*.tfplan' -o -name terraform.d \) -printf '%f ')"
  if [ -n "$found" ]; then
    local what="OpenTofu local files from the checkout: ${found% }"
    echo "::error::$(basename "$PWD") holds $what; tofugen never generates them, so they were committed: remove them from git"
    return 1
  fi
}
"####
    };
}

/// `tofu init -backend=false`, `validate` and (with a tests/ directory) `test` in every root of
/// $ROOTS (a JSON list of directories), each refused first if it holds OpenTofu's local files.
const VALIDATE_ROOTS: &str = concat!(
    refuse_local_files!(),
    r####"export TF_PLUGIN_CACHE_DIR="$RUNNER_TEMP/tofu-plugins"
mkdir -p "$TF_PLUGIN_CACHE_DIR"
status=0
while read -r dir; do
  echo "::group::$dir"
  if ! (cd "$dir" && refuse_local_files && tofu init -backend=false -input=false -no-color > /dev/null \
    && tofu validate -no-color); then
    echo "::error::tofu validate failed in $dir"
    status=1
  elif [ -d "$dir/tests" ] && ! (cd "$dir" && tofu test -no-color); then
    echo "::error::tofu test failed in $dir"
    status=1
  fi
  echo "::endgroup::"
done < <(jq -r '.[]' <<< "$ROOTS")
exit "$status"
"####
);

/// The configuration at the base of the pull request, the changed paths, and
/// `tofugen affected`: writes the output `environments` (a JSON list of names), and its
/// warnings (a removed environment, a moved state, another application repository) as
/// annotations of the pull request (`--format github`; sweep 39, #2). The paths
/// are listed without rename detection, so that a file moved out of a module directory is
/// listed where it was too (sweep 28, F1: `git diff` listed only its new name, and `affected`
/// saw no module change).
const AFFECTED: &str = r####"git show "${BASE_SHA}:${CONFIG}" > "$RUNNER_TEMP/base-config.yaml" 2> /dev/null \
  || : > "$RUNNER_TEMP/base-config.yaml"
git diff --no-renames --name-only "${BASE_SHA}...HEAD" > "$RUNNER_TEMP/changed-paths.txt"
tofugen --format github --config "$CONFIG" --root . affected "$RUNNER_TEMP/base-config.yaml" \
  --changed-paths "$RUNNER_TEMP/changed-paths.txt" > "$RUNNER_TEMP/affected.json"
environments="$(jq -c '[.[].name]' "$RUNNER_TEMP/affected.json")"
echo "environments=$environments" >> "$GITHUB_OUTPUT"
echo "Affected: $environments"
"####;

/// A read-only plan of $ENVIRONMENT with the release deployed now (from the state), without
/// the state lock; the summary goes to the job summary.
const PLAN: &str = concat!(
    refuse_local_files!(),
    r####"refuse_local_files
tofu init -input=false -no-color
# Every output: `{}` when the state has none (no deploy yet); an error is an error, not "never
# deployed" (`tofu output -json release` fails alike for both, sweep 57, H2-F6).
if ! tofu output -no-color -json > "$RUNNER_TEMP/outputs.json"; then
  echo "::error::could not read the outputs of the $ENVIRONMENT state (above): nothing was planned"
  exit 1
fi
jq '.release.value // {}' "$RUNNER_TEMP/outputs.json" > "$RUNNER_TEMP/release.json"
if ! jq -e 'type == "object" and length > 0' "$RUNNER_TEMP/release.json" > /dev/null; then
  echo "### $ENVIRONMENT: not planned, no release deployed yet (the first deploy creates it)" >> "$GITHUB_STEP_SUMMARY"
  exit 0
fi
jq '{release: .}' "$RUNNER_TEMP/release.json" > "$RUNNER_TEMP/release.tfvars.json"
status=0
tofu plan -lock=false -input=false -no-color -detailed-exitcode \
  -var-file="$RUNNER_TEMP/release.tfvars.json" > "$RUNNER_TEMP/plan.txt" 2>&1 || status=$?
{
  echo "### Plan for $ENVIRONMENT"
  case "$status" in
    0) echo "No changes." ;;
    2) grep -E '^(Plan|Changes to Outputs):' "$RUNNER_TEMP/plan.txt" || true
       grep -E '^ +# .* (will be destroyed|must be replaced)' "$RUNNER_TEMP/plan.txt" | sed 's/^ *# /- **/; s/$/**/' || true ;;
    *) echo "**tofu plan failed** (exit $status)" ;;
  esac
  echo
  echo "<details><summary>tofu plan output</summary>"
  echo
  echo '```'
  head -c 60000 "$RUNNER_TEMP/plan.txt"
  echo '```'
  echo "</details>"
} >> "$GITHUB_STEP_SUMMARY"
cat "$RUNNER_TEMP/plan.txt"
if [ "$status" -eq 1 ]; then
  exit 1
fi
"####
);

/// Output `sha`: the application commit every image of this run is built from, resolved once
/// so that a commit landing upstream between two builds cannot give them two tags.
const APP_COMMIT: &str = r####"sha="$(git rev-parse HEAD)"
if ! [[ $sha =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::the application commit is not one 40-hex SHA"
  exit 1
fi
# app_ref can name any commit GitHub serves through the repository, a pull request's (a fork's
# included) among them: only a commit on one of its branches or tags is built. The checkout
# fetched them all (fetch-depth 0) under refs/remotes/origin/ and refs/tags/. A merge queue's
# temporary branches (GitHub's gh-readonly-queue/<base>/…, Mergify's mergify/merge-queue/…)
# hold pull requests not merged yet: they do not count.
# (grep reads every line: no early exit, so no broken pipe for pipefail to see.)
if ! git for-each-ref --contains "$sha" --format='%(refname)' refs/remotes/origin/ refs/tags/ \
  | grep -v -e '^refs/remotes/origin/gh-readonly-queue/' -e '^refs/remotes/origin/mergify/merge-queue/' > /dev/null; then
  msg="the application commit $sha is on no branch or tag of $APP_REPOSITORY: a pull request's commit"
  msg+=" (a fork's included) is never built; merge it, or push it to a branch of $APP_REPOSITORY, and dispatch again"
  echo "::error::$msg"
  exit 1
fi
echo "sha=$sha" >> "$GITHUB_OUTPUT"
echo "Every image of this run is built from $sha"
"####;

/// Refuses a later attempt of the run ($GITHUB_RUN_ATTEMPT, which the runner sets: 1 for the
/// run's first attempt, one more for each re-run) in a job that decides what a later job of
/// the run deploys. A re-run of this job runs its dependents again, and "any deployment
/// protection rules that passed in the previous run will automatically pass in the re-run"
/// (GitHub Docs, "Re-running workflows and jobs"): it would pick again (what the source runs
/// now, the release before the one in force now, the application ref's newest commit) and
/// deploy that with the first attempt's approval (sweep 57, F1). "Re-run failed jobs" of a
/// later job does not run this one again: it reuses its outputs, the release approved.
const REFUSE_A_RERUN: &str = r####"if [ "$GITHUB_RUN_ATTEMPT" != 1 ]; then
  msg="this is attempt ${GITHUB_RUN_ATTEMPT:-?} of the run: re-run, this job would pick the release again, and GitHub"
  msg+=" would pass the first attempt's approval to what it picks; nothing was picked. Start a new run of this"
  msg+=" workflow instead (\"Re-run failed jobs\" of a later job keeps what this job picked)."
  echo "::error::$msg"
  exit 1
fi
"####;

/// The step that runs [`REFUSE_A_RERUN`]: the first of a job whose outputs decide what a later
/// job of the run deploys.
fn refuse_a_rerun() -> Yaml {
    step("Refuse a re-run of this job")
        .entry("run", Yaml::Script(REFUSE_A_RERUN))
        .build()
}

/// Output `sha`: the commit being built, which must be $APP_COMMIT.
const SOURCE_SHA: &str = r####"sha="$(git rev-parse HEAD)"
if [ "$sha" != "$APP_COMMIT" ]; then
  echo "::error::checked out $sha, not the application commit of this run ($APP_COMMIT)"
  exit 1
fi
echo "sha=$sha" >> "$GITHUB_OUTPUT"
"####;

/// Refuses to apply unless this run's commit ($RUN_SHA) is the tip of $BRANCH in $REPO: a
/// re-run keeps the commit of its original event, and would apply that commit's generated tree
/// over newer state (with the environment's approvals passing again). A re-run (attempt > 1)
/// is also refused once a later run of a deploying workflow ($WORKFLOWS, pushed to or
/// dispatched on $BRANCH) started: the branch need not move for a later run to deploy a newer
/// release (a dispatch, a promotion, a rollback), which the re-run would undo with the first
/// attempt's approval (review of stop 57, R1). Any later run counts, whatever it did: a re-run
/// refused is started again as a new run.
const TIP_GUARD: &str = r####"if [ "$RUN_REF" != "refs/heads/$BRANCH" ]; then
  msg="this run is for ${RUN_REF:-no ref}, not refs/heads/$BRANCH: another branch's (or a tag's) workflow files"
  msg+=" would decide what it applies, even at the same commit, so nothing was applied."
  msg+=" Start a new run of this workflow from $BRANCH."
  echo "::error::$msg"
  exit 1
fi
if [ "$GITHUB_RUN_ATTEMPT" != 1 ]; then
  if ! [[ $GITHUB_RUN_ID =~ ^[0-9]+$ ]]; then
    echo "::error::GITHUB_RUN_ID is not a run ID: nothing was applied"
    exit 1
  fi
  created="$(gh api "repos/$REPO/actions/runs/$GITHUB_RUN_ID" --jq .created_at)"
  if ! [[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]; then
    echo "::error::could not read when this run was created: nothing was applied"
    exit 1
  fi
  # GitHub REST: GET /repos/{owner}/{repo}/actions/runs/{run_id} (created_at), and a workflow's
  # runs with the query created=TIME..* (its search syntax: a range open at its end, >= TIME;
  # this run itself is left out by its ID, a run of the same second is not).
  branch_query="$(jq -rn --arg b "$BRANCH" '$b | @uri')"
  : > "$RUNNER_TEMP/later-runs.txt"
  for workflow in $WORKFLOWS; do
    for event in push workflow_dispatch; do
      gh api "repos/$REPO/actions/workflows/$workflow/runs?branch=${branch_query}&event=${event}&created=${created}..*&per_page=100" \
        --jq ".workflow_runs[] | select(.id != $GITHUB_RUN_ID) | \"\\(.id) ($workflow)\"" >> "$RUNNER_TEMP/later-runs.txt"
    done
  done
  # And the recordings of this environment uploaded since, by a run of this repository: a run
  # created before this one (a dispatch waiting for its approval) may have deployed after this
  # run's first attempt failed.
  gh api --paginate "repos/$REPO/actions/artifacts?per_page=100" \
    --jq ".artifacts[] | select((.name | startswith(\"$PREFIX\")) and .created_at > \"$created\"
      and .workflow_run.id != $GITHUB_RUN_ID and .workflow_run.head_repository_id == .workflow_run.repository_id)
      | \"\\(.workflow_run.id) (its recording \\(.name))\"" >> "$RUNNER_TEMP/later-runs.txt"
  if [ -s "$RUNNER_TEMP/later-runs.txt" ]; then
    later="$(paste -sd, - < "$RUNNER_TEMP/later-runs.txt" | sed 's/,/, /g')"
    msg="this is attempt $GITHUB_RUN_ATTEMPT of a run created at $created, and later runs or recordings of"
    msg+=" this environment are: $later."
    msg+=" Re-run, this job would apply this run's release over what they deployed, with the first"
    msg+=" attempt's approval; nothing was applied. Start a new run of this workflow instead."
    echo "::error::$msg"
    exit 1
  fi
  echo "attempt $GITHUB_RUN_ATTEMPT: no run of $WORKFLOWS started, and no ${PREFIX}* recorded, since this one ($created)"
fi
if ! [[ $RUN_SHA =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::the commit of this run is not one 40-hex SHA"
  exit 1
fi
tip="$(gh api "repos/$REPO/git/ref/heads/$BRANCH" --jq .object.sha)"
if ! [[ $tip =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::could not read the tip of $BRANCH: nothing was applied"
  exit 1
fi
if [ "$tip" != "$RUN_SHA" ]; then
  msg="this run is for $RUN_SHA but $BRANCH is now at $tip: a re-run (or a run of another branch)"
  msg+=" would apply an older generated tree over newer state, so nothing was applied."
  msg+=" Start a new run of this workflow from $BRANCH instead (a push to $BRANCH deploys by itself)."
  echo "::error::$msg"
  exit 1
fi
echo "$RUN_SHA is the tip of $BRANCH"
"####;

/// Whether $REGISTRY/$IMAGE:$TAG exists; outputs `exists` and `digest`. A tag is never pushed
/// twice: registries have no immutable tags, and a rebuild gives new bytes. An image built
/// with other build settings than $BUILD (its label [`BUILD_LABEL`], read from the image
/// config, `{{json .Image}}` of buildx's imagetools inspect) is still reused, with a warning
/// (sweep 55b, #2: a changed `build.dockerfile` deployed the old image with no word).
const EXISTING_IMAGE: &str = r####"ref="$REGISTRY/$IMAGE:$TAG"
if manifest="$(docker buildx imagetools inspect "$ref" --format '{{json .Manifest}}' 2> /dev/null)" \
  && digest="$(jq -er .digest <<< "$manifest")"; then
  echo "exists=true" >> "$GITHUB_OUTPUT"
  echo "digest=$digest" >> "$GITHUB_OUTPUT"
  echo "$ref already exists ($digest): reused, never pushed again"
  # Whoever pushed the tag wrote the label: one line, no control character, reaches the log.
  built="$(docker buildx imagetools inspect "$ref" --format '{{json .Image}}' 2> /dev/null \
    | jq -r --arg l "$LABEL" '.config.Labels[$l] // empty' | tr -d '\000-\037\177')" || built=""
  if [ "$built" != "$BUILD" ]; then
    if [ -n "$built" ]; then
      msg="$ref was built with $built, not with this configuration's $BUILD: it is reused all the same (a tag is"
      msg+=" never pushed twice), so the new build settings take effect with the next application commit"
    else
      msg="$ref carries no build settings (built before tofugen recorded them, or by another pipeline): it is reused"
      msg+=" as it is; if this configuration's $BUILD changed since, the change takes effect with the next application commit"
    fi
    echo "::warning::$msg"
    echo "- $msg" >> "$GITHUB_STEP_SUMMARY"
  fi
else
  echo "exists=false" >> "$GITHUB_OUTPUT"
  echo "$ref does not exist yet: building it"
fi
"####;

/// The label every built image carries: its build settings ([`build_settings`]).
const BUILD_LABEL: &str = "dev.tofugen.build";

/// The build settings of `s`'s image, as the label [`BUILD_LABEL`] records them:
/// `context=<dir>;file=<Dockerfile>;platforms=linux/amd64`.
fn build_settings(s: &crate::resolve::ResolvedService) -> String {
    let (context, file) = s.build_identity();
    format!("context={context};file={file};platforms=linux/amd64")
}

/// Output `digest`: the existing image's or the one just pushed.
const PICK_DIGEST: &str = r####"digest="${EXISTING_DIGEST:-$BUILT_DIGEST}"
if ! [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::no digest for $IMAGE"
  exit 1
fi
echo "digest=$digest" >> "$GITHUB_OUTPUT"
"####;

/// $RUNNER_TEMP/candidate.json from the build jobs' outputs: $NEEDS (toJSON(needs)) and
/// $BUILDS ({service: build job id}).
const COLLECT_BUILDS: &str = r####"jq -n --argjson needs "$NEEDS" --argjson builds "$BUILDS" \
  '$builds | with_entries(.value = {tag: $needs[.value].outputs.tag, digest: $needs[.value].outputs.digest})' \
  > "$RUNNER_TEMP/candidate.json"
"####;

/// Checks $RUNNER_TEMP/candidate.json ({service: {tag, digest}}) against $SERVICES and writes
/// $RUNNER_TEMP/release.json with exactly those services; output `sha`: the one tag of its
/// services, those listed in $RUNNER_TEMP/kept.json (a rollback's, [`KEEP_DEPLOYED`]) left out.
const CHECK_RELEASE: &str = r####"jq -e --argjson services "$SERVICES" '
  type == "object"
  and ($services - keys | length == 0)
  and all(.[]; (.tag | type == "string" and test("\\A[0-9a-f]{40}\\z"))
               and (.digest | type == "string" and test("\\Asha256:[0-9a-f]{64}\\z")))
' "$RUNNER_TEMP/candidate.json" > /dev/null || {
  echo "::error::the release must give a 40-hex tag and a sha256 digest for each of $(jq -c . <<< "$SERVICES")"
  exit 1
}
jq --argjson services "$SERVICES" 'with_entries(select(.key as $k | $services | index($k)))' \
  "$RUNNER_TEMP/candidate.json" > "$RUNNER_TEMP/release.json"
kept='[]'
[ ! -f "$RUNNER_TEMP/kept.json" ] || kept="$(cat "$RUNNER_TEMP/kept.json")"
tags="$(jq -r --argjson kept "$kept" \
  '[to_entries[] | select(.key as $k | $kept | index($k) | not) | .value.tag] | unique | join(" ")' \
  "$RUNNER_TEMP/release.json")"
case "$tags" in
  "") echo "::error::the release gives none of $(jq -c . <<< "$SERVICES")"; exit 1 ;;
  *" "*) echo "::error::the services of one release must share one tag, got: $tags"; exit 1 ;;
esac
echo "sha=$tags" >> "$GITHUB_OUTPUT"
jq . "$RUNNER_TEMP/release.json"
"####;

/// A rollback's release lacks the services added since it was recorded, and the root refuses a
/// release without every service: each of $SERVICES absent from $RUNNER_TEMP/candidate.json
/// keeps the image deployed now ($RUNNER_TEMP/current.json), listed in $RUNNER_TEMP/kept.json.
/// A service the environment does not run either (added to the configuration since its last
/// deploy or promotion: production before its first promotion) has no image to keep: the step
/// stops and names it, instead of the release check failing on a `null` image.
const KEEP_DEPLOYED: &str = r####"jq --argjson services "$SERVICES" '. as $c | [$services[] | select(. as $s | $c | has($s) | not)]' \
  "$RUNNER_TEMP/candidate.json" > "$RUNNER_TEMP/kept.json"
never=()
while read -r service; do
  image="$(jq -c --arg s "$service" '.[$s] // empty' "$RUNNER_TEMP/current.json")"
  if [ -z "$image" ]; then
    never+=("$service")
    continue
  fi
  echo "::warning::the release lacks $service (added since): $service keeps the image deployed now, $image"
done < <(jq -r '.[]' "$RUNNER_TEMP/kept.json")
if [ "${#never[@]}" -gt 0 ]; then
  msg="neither the release nor this environment has an image of: ${never[*]} (added to the configuration"
  msg+=" since this environment's last deploy or promotion); revert the configuration change that added"
  msg+=" it, then run the rollback again (runbook: tofugen runbook container-error)"
  echo "::error::$msg"
  exit 1
fi
jq --slurpfile kept "$RUNNER_TEMP/kept.json" --slurpfile current "$RUNNER_TEMP/current.json" \
  '. + ($current[0] | with_entries(select(.key as $k | $kept[0] | index($k))))' \
  "$RUNNER_TEMP/candidate.json" > "$RUNNER_TEMP/candidate-kept.json"
mv "$RUNNER_TEMP/candidate-kept.json" "$RUNNER_TEMP/candidate.json"
"####;

/// `tofu init` of the environment root, refused if the checkout holds OpenTofu's local files.
const INIT: &str = concat!(
    refuse_local_files!(),
    "refuse_local_files\ntofu init -input=false -no-color\n"
);

/// Output `found`: whether the state records a deployed release (saved to previous.json). The
/// state's outputs are read whole: `{}` when it has none (no deploy yet); an error stops the job
/// before it applies, instead of reading as "nothing deployed" and applying without a rollback
/// to fall back on (sweep 57, H2-F6).
const PREVIOUS_RELEASE: &str = r####"if ! tofu output -no-color -json > "$RUNNER_TEMP/outputs.json"; then
  echo "::error::could not read the outputs of the $ENVIRONMENT state (above): nothing was applied"
  exit 1
fi
jq '.release.value // {}' "$RUNNER_TEMP/outputs.json" > "$RUNNER_TEMP/previous.json"
if jq -e 'type == "object" and length > 0' "$RUNNER_TEMP/previous.json" > /dev/null; then
  echo "found=true" >> "$GITHUB_OUTPUT"
  echo "Deployed before this run:"
  jq . "$RUNNER_TEMP/previous.json"
else
  echo "found=false" >> "$GITHUB_OUTPUT"
  echo "::warning::no release recorded in the $ENVIRONMENT state: nothing to roll back to if this deploy fails"
fi
"####;

/// A rollback's plan of $RUNNER_TEMP/release.json, saved to $RUNNER_TEMP/release.tfplan for
/// [`APPLY_PLANNED`], refused when it changes anything besides the release: every change of a
/// resource other than an in-place update of a release's container ($CONTAINERS, their
/// addresses) whose only differences are `image`, `registry_sha256` and the
/// `TOFUGEN_RELEASE` environment variable (what `modules/service` derives from the release).
/// Such changes are the root's, merged since the environment's last deploy or promotion, or
/// made outside OpenTofu (a refresh finds them); `$APPLY_OTHER_CHANGES` = `true` applies them
/// too, after a warning. The plan's JSON holds secret values in clear: only jq reads it, and it
/// is removed at once; the listing names addresses, actions and attribute names, never values.
const PLAN_RELEASE: &str = r####"jq '{release: .}' "$RUNNER_TEMP/release.json" > "$RUNNER_TEMP/release.tfvars.json"
tofu plan -input=false -no-color -var-file="$RUNNER_TEMP/release.tfvars.json" -out="$RUNNER_TEMP/release.tfplan"
trap 'rm -f "$RUNNER_TEMP/plan.json"' EXIT
tofu show -no-color -json "$RUNNER_TEMP/release.tfplan" > "$RUNNER_TEMP/plan.json"
jq -r --argjson containers "$CONTAINERS" '
  def release_free: if type == "object"
    then del(.image, .registry_sha256, .environment_variables.TOFUGEN_RELEASE) else . end;
  (.resource_changes // [])[]
  | select(.change.actions != ["no-op"] and .change.actions != ["read"])
  | (.address as $a | $containers | index($a) != null) as $container
  | .change as $c
  | (if $container then ($c.before | release_free) else $c.before end) as $b
  | (if $container then ($c.after | release_free) else $c.after end) as $f
  | select(($container and $c.actions == ["update"] and $b == $f) | not)
  | [(($b // {}) | keys) + (($f // {}) | keys) | unique[] | select(. as $k | $b[$k] != $f[$k])] as $keys
  | "\(.address): \($c.actions | join(" then "))"
    + if $c.actions == ["update"] then " (\($keys | join(", ")))" else "" end
' "$RUNNER_TEMP/plan.json" > "$RUNNER_TEMP/other-changes.txt"
rm -f "$RUNNER_TEMP/plan.json"
if [ ! -s "$RUNNER_TEMP/other-changes.txt" ]; then
  echo "The plan changes the release's containers only."
  exit 0
fi
count="$(wc -l < "$RUNNER_TEMP/other-changes.txt")"
echo "Besides the release, the plan changes (address: actions (attributes)):"
sed 's/^/  /' "$RUNNER_TEMP/other-changes.txt"
if [ "$APPLY_OTHER_CHANGES" = true ]; then
  echo "::warning::applying $count change(s) besides the release, as asked (apply_other_changes)"
  exit 0
fi
msg="the rollback would also apply $count change(s) besides the release (listed above, detailed in the"
msg+=" plan): changes to generated/$ENVIRONMENT merged since this environment's last deploy or promotion,"
msg+=" a new secret version, or changes made outside OpenTofu. Nothing was applied. Review them, then run"
msg+=" the rollback again with apply_other_changes, or revert them first (runbook: tofugen runbook rollback-other-changes)"
echo "::error::$msg"
exit 1
"####;

/// The plan of $RUNNER_TEMP/release.json that a deploy or a promotion applies, saved to
/// $RUNNER_TEMP/release.tfplan: [`DATA_GUARD`] reads it, [`APPLY_PLANNED`] applies it.
const PLAN_SAVED: &str = r####"jq '{release: .}' "$RUNNER_TEMP/release.json" > "$RUNNER_TEMP/release.tfvars.json"
tofu plan -input=false -no-color -var-file="$RUNNER_TEMP/release.tfvars.json" -out="$RUNNER_TEMP/release.tfplan"
"####;

/// The resource types whose destruction loses what they hold ([`DATA_GUARD`]): a database
/// instance and its databases, the backups' bucket, a secret (its versions), a registry
/// namespace (its images) and a Cockpit data source (the application metrics it keeps for
/// `retention_days`; sweep 39, #5). Not a secret version: a rotation replaces one by design.
pub const DATA_TYPES: [&str; 6] = [
    "scaleway_rdb_instance",
    "scaleway_rdb_database",
    "scaleway_object_bucket",
    "scaleway_secret",
    "scaleway_registry_namespace",
    "scaleway_cockpit_source",
];

/// Lists, from the saved plan `$1`, the deletes and replaces of resources of $DATA_TYPES
/// into $RUNNER_TEMP/data-loss.txt (address: actions, never values), through a JSON it
/// removes at once (it holds secret values in clear). Shared by [`DATA_GUARD`] and
/// [`ROLLBACK`].
macro_rules! data_loss_function {
    () => {
        r####"data_loss() {
  trap 'rm -f "$RUNNER_TEMP/plan.json"' EXIT
  tofu show -no-color -json "$1" > "$RUNNER_TEMP/plan.json"
  jq -r --argjson kept "$DATA_TYPES" '
    (.resource_changes // [])[]
    | select(.mode == "managed" and (.type as $t | $kept | index($t) != null))
    | select(any(.change.actions[]; . == "delete"))
    | "\(.address): \(.change.actions | join(" then "))"
  ' "$RUNNER_TEMP/plan.json" > "$RUNNER_TEMP/data-loss.txt"
  rm -f "$RUNNER_TEMP/plan.json"
}
"####
    };
}

/// Refuses the saved plan $RUNNER_TEMP/release.tfplan when it destroys or replaces (an action
/// `delete`) a managed resource of a type of $DATA_TYPES, unless $ALLOW_DATA_LOSS is `true`
/// (the `allow_data_loss` input of a dispatched run; a push has no inputs). The deploy and
/// promote jobs applied with `-auto-approve` and their reviewers approve before any plan exists
/// (sweep 31, #1): a change of configuration replacing the production database went through.
/// The plan's JSON holds secret values in clear: only jq reads it, and it is removed at once;
/// the listing names addresses and actions, never values.
const DATA_GUARD: &str = concat!(
    data_loss_function!(),
    r####"data_loss "$RUNNER_TEMP/release.tfplan"
if [ ! -s "$RUNNER_TEMP/data-loss.txt" ]; then
  echo "The plan destroys or replaces no resource holding data."
  exit 0
fi
count="$(wc -l < "$RUNNER_TEMP/data-loss.txt")"
echo "The plan destroys or replaces resources holding data (address: actions):"
sed 's/^/  /' "$RUNNER_TEMP/data-loss.txt"
if [ "$ALLOW_DATA_LOSS" = true ]; then
  echo "::warning::destroying or replacing $count resource(s) holding data, as asked (allow_data_loss)"
  exit 0
fi
msg="the plan destroys or replaces $count resource(s) holding data (listed above): what they hold would be lost."
msg+=" Nothing was applied. If that is intended, back it up, then run this workflow again with allow_data_loss"
msg+=" (runbook: tofugen runbook data-loss-refused)"
echo "::error::$msg"
exit 1
"####
);

/// Applies the plan [`PLAN_RELEASE`] or [`PLAN_SAVED`] saved, once checked: what was checked
/// is what is applied.
/// The root fails the apply unless every container ends `ready` and runs its release
/// (release.tf).
const APPLY_PLANNED: &str = r####"tofu apply -input=false -no-color "$RUNNER_TEMP/release.tfplan"
"####;

/// The smoke-test function: prints the images read back from Scaleway, then GETs every
/// public service's health path ($SMOKE: {service: {path} | {skip: reason}}).
macro_rules! smoke_function {
    () => {
        r####"smoke_all() {
  local urls images status=0 service path why url
  urls="$(tofu output -no-color -json service_urls)"
  images="$(tofu output -no-color -json service_images)"
  echo "Images running, as read back from Scaleway after the apply:"
  jq . <<< "$images"
  while read -r service; do
    path="$(jq -r --arg s "$service" '.[$s].path // empty' <<< "$SMOKE")"
    why="$(jq -r --arg s "$service" '.[$s].skip // empty' <<< "$SMOKE")"
    if [ -z "$path" ]; then
      echo "$service: not smoke-tested ($why)"
      continue
    fi
    url="$(jq -er --arg s "$service" '.[$s]' <<< "$urls")$path"
    echo "GET $url"
    if ! curl --fail --silent --show-error --output /dev/null --connect-timeout 10 --max-time 30 \
      --retry 12 --retry-delay 5 --retry-all-errors "$url"; then
      echo "::error::$service: GET $url failed"
      status=1
    fi
  done < <(jq -r 'keys[]' <<< "$SMOKE")
  return "$status"
}
"####
    };
}

/// The smoke test of the release just applied.
const SMOKE: &str = concat!(smoke_function!(), "smoke_all\n");

/// Re-applies the release deployed before this run, smoke-tests it, and fails the job, saying
/// which it was ($RUN_KIND `rollback`: a failed rollback, the environment back on the release it
/// was to replace; else a deploy or promotion rolled back, sweep 37 #1). A
/// service of $SERVICES that release lacks (added by this run's configuration, which the root
/// requires) keeps the image of the release this run applied. It plans first, and refuses, as
/// [`DATA_GUARD`] does, a plan destroying data unless $ALLOW_DATA_LOSS (sweep 32, F5: a plan
/// made after a failed apply may differ from the one the guard read). When any of it fails, an
/// `ERR` trap says so, names the release deployed before this run (when it is one commit) and
/// points at the runbook: the environment may then run either release or a mix, and the run
/// recorded nothing, so the rollback workflow without `release_sha` would not pick the release
/// this run replaced (sweep 57, H2-F4).
const ROLLBACK: &str = concat!(
    smoke_function!(),
    data_loss_function!(),
    r####"# shellcheck disable=SC2317 # run by the ERR trap below
rollback_failed() {
  local before msg
  # Once: with errtrace, a failure inside a function or a command substitution runs the trap
  # there, then again where it returns.
  [ ! -e "$RUNNER_TEMP/rollback-failed" ] || return 0
  : > "$RUNNER_TEMP/rollback-failed"
  before="$(jq -r '[.[].tag] | unique | join(" ")' "$RUNNER_TEMP/previous.json" 2>/dev/null || true)"
  msg="the automatic rollback of $ENVIRONMENT failed (line $1, exit $2): "
  if [ "${applied:-}" = 1 ]; then
    msg+="its apply succeeded, so $ENVIRONMENT runs the release deployed before this run (${before:-unknown}),"
    msg+=" which failed its smoke test too; this run recorded nothing."
  else
    msg+="$ENVIRONMENT may run this run's release, the one deployed before it (${before:-unknown})"
    msg+=" or a mix of both, and this run recorded nothing."
  fi
  msg+=" Deploy a release you know is healthy with the rollback workflow and its release_sha"
  if [[ $before =~ ^[0-9a-f]{40}$ ]]; then
    msg+=" (release_sha=$before is the one deployed before this run)"
  fi
  msg+=": tofugen runbook apply-interrupted, fix 3"
  echo "::error::$msg"
}
# errtrace: the trap runs for a failure inside smoke_all and data_loss too.
set -E
trap 'rollback_failed "$LINENO" "$?"' ERR
jq --argjson services "$SERVICES" --slurpfile applied "$RUNNER_TEMP/release.json" '
  . as $p
  | . + ($applied[0] | with_entries(select(.key as $k | ($services | index($k)) and ($p | has($k) | not))))
' "$RUNNER_TEMP/previous.json" > "$RUNNER_TEMP/rollback.json"
while read -r service; do
  image="$(jq -c --arg s "$service" '.[$s]' "$RUNNER_TEMP/rollback.json")"
  echo "::warning::$service is not in the release deployed before: it keeps the image of this run's release, $image"
done < <(jq -r --slurpfile p "$RUNNER_TEMP/previous.json" 'keys - ($p[0] | keys) | .[]' "$RUNNER_TEMP/rollback.json")
jq '{release: .}' "$RUNNER_TEMP/rollback.json" > "$RUNNER_TEMP/rollback.tfvars.json"
tofu plan -input=false -no-color -var-file="$RUNNER_TEMP/rollback.tfvars.json" -out="$RUNNER_TEMP/rollback.tfplan"
data_loss "$RUNNER_TEMP/rollback.tfplan"
if [ -s "$RUNNER_TEMP/data-loss.txt" ] && [ "$ALLOW_DATA_LOSS" != true ]; then
  sed 's/^/  /' "$RUNNER_TEMP/data-loss.txt"
  msg="the automatic rollback's plan destroys or replaces $(wc -l < "$RUNNER_TEMP/data-loss.txt") resource(s) holding data"
  msg+=" (listed above): it was not applied, and $ENVIRONMENT runs what the failed apply left"
  msg+=" (runbooks: tofugen runbook data-loss-refused, tofugen runbook apply-interrupted)"
  echo "::error::$msg"
  exit 1
fi
tofu apply -input=false -no-color "$RUNNER_TEMP/rollback.tfplan"
applied=1
smoke_all
if [ "$RUN_KIND" = rollback ]; then
  # A failed rollback: the environment is back on the release the rollback was to replace.
  echo "::error::this rollback failed: $ENVIRONMENT was restored to the release it ran before this run, the one the rollback was to replace"
  heading="### the rollback failed: $ENVIRONMENT restored"
else
  echo "::error::$ENVIRONMENT was rolled back to the release deployed before this run"
  heading="### $ENVIRONMENT rolled back"
fi
{
  echo "$heading"
  echo '```json'
  jq . "$RUNNER_TEMP/rollback.json"
  echo '```'
} >> "$GITHUB_STEP_SUMMARY"
exit 1
"####
);

/// Pushes every rule group of alerts/<target>/ to the Cockpit metrics data source of the
/// target's project (root output alert_rule_targets: project, token, custom source name), and
/// deletes the groups of the namespace that are no longer generated. The Scaleway metrics
/// data source of a new project appears once its resources report to Cockpit: it is waited for.
/// The backup project's reports only once a backup job has run, which no apply starts (the
/// jobs run on their schedule; sweep 55a, #1: every deploy before the first run failed after
/// ten minutes of waiting): its rules wait for a later run of this step, with a warning.
const PUSH_RULES: &str = r####"shopt -s nullglob
targets="$(tofu output -no-color -json alert_rule_targets)"
while read -r token; do
  echo "::add-mask::$token"
done < <(jq -r '.[].token' <<< "$targets")
umask 077
printf 'X-Auth-Token: %s\n' "$SCW_SECRET_KEY" > "$RUNNER_TEMP/iam.header"
for dir in alerts/*/; do
  key="$(basename "$dir")"
  project="$(jq -er --arg k "$key" '.[$k].project_id' <<< "$targets")"
  name="$(jq -r --arg k "$key" '.[$k].source_name // empty' <<< "$targets")"
  jq -er --arg k "$key" '.[$k].token' <<< "$targets" | sed 's/^/X-Token: /' > "$RUNNER_TEMP/cockpit.header"
  origin=scaleway
  [ -z "$name" ] || origin=custom
  url=""
  # The backup project's data source appears once a backup job has reported a run, which no
  # apply starts: waiting longer cannot help.
  attempts=30
  [ "$key" != backups ] || attempts=3
  for attempt in $(seq 1 "$attempts"); do
    url="$(curl --fail --silent --show-error -H @"$RUNNER_TEMP/iam.header" \
      "https://api.scaleway.com/cockpit/v1/regions/${SCW_DEFAULT_REGION}/data-sources?project_id=${project}&origin=${origin}&types=metrics" \
      | jq -r --arg n "$name" '[.data_sources[] | select($n == "" or .name == $n)][0].url // empty')" || url=""
    [ -n "$url" ] && break
    echo "waiting for the $origin metrics data source of project $project ($attempt/$attempts)"
    [ "$attempt" = "$attempts" ] || sleep 20
  done
  if [ -z "$url" ] && [ "$key" = backups ]; then
    msg="no Scaleway metrics data source in the backup project $project yet: it appears once a backup job has run"
    msg+=" (the first on its schedule); the backups alert rules were not pushed, and the next run of this step after"
    msg+=" that pushes them (to push them now, start a run of a backup job in the backup project, then dispatch the rollback"
    msg+=" workflow with release_sha = the release this environment runs and apply_other_changes; a re-run of this job"
    msg+=" plans and applies again, then fails at its release recording, which exists, before this step)"
    echo "::warning::$msg"
    echo "- $msg" >> "$GITHUB_STEP_SUMMARY"
    continue
  fi
  if [ -z "$url" ]; then
    echo "::error::no $origin metrics data source in project $project: the $key alert rules were not pushed"
    exit 1
  fi
  namespace="${RULES_NAMESPACE}-${key}"
  rules_url="${url%/}/prometheus/config/v1/rules/${namespace}"
  : > "$RUNNER_TEMP/pushed-groups.txt"
  for file in "$dir"*.yml; do
    case "$file" in *.test.yml) continue ;; esac
    count="$(yq '.groups | length' "$file")"
    for i in $(seq 0 $((count - 1))); do
      group="$(yq ".groups[$i].name" "$file")"
      echo "POST rule group $group to $namespace"
      yq ".groups[$i]" "$file" | curl --fail --silent --show-error -X POST \
        -H @"$RUNNER_TEMP/cockpit.header" -H 'Content-Type: application/yaml' \
        --data-binary @- "$rules_url"
      echo "$group" >> "$RUNNER_TEMP/pushed-groups.txt"
    done
  done
  remote="$(curl --fail --silent --show-error -H @"$RUNNER_TEMP/cockpit.header" "$rules_url" || true)"
  if [ -n "$remote" ]; then
    yq ".[\"${namespace}\"][].name" <<< "$remote" | while read -r group; do
      if ! grep -qxF "$group" "$RUNNER_TEMP/pushed-groups.txt"; then
        echo "DELETE stale rule group $group"
        curl --fail --silent --show-error -X DELETE -H @"$RUNNER_TEMP/cockpit.header" \
          "${rules_url}/$(jq -rn --arg g "$group" '$g | @uri')"
      fi
    done
  fi
done
"####;

/// The trusted recordings `$PREFIX<sha>` of an environment and its deployments in force, in
/// $RUNNER_TEMP/recordings.json and $RUNNER_TEMP/deployments.json ([{sha, run, created_at,
/// rollback}], oldest first). Only recordings of this repository's own workflows ($WORKFLOWS) on
/// $BRANCH count (a fork's pull-request run can upload an artifact of any name). Replayed oldest
/// first they give the deployments in force: a deploy or promotion adds one, a rollback undoes
/// the newest. With $RELEASE_SHA (40-hex, checked before), only the recordings of that release
/// are listed, unless $IN_FORCE is `true` (every recording, to check that release is still in force). The text of [`FIND_RELEASE`] and [`KEEP_IF_ROLLED_BACK`] holds it; its inputs are
/// [`recordings_env`].
macro_rules! recordings_script {
    () => {
        r####"# Trusted recordings only: uploaded by a run of this repository's deploy, promote or rollback
# workflow ($WORKFLOWS) that a push to $BRANCH or a dispatch on it started. A pull request's run
# (a fork's included) runs the workflow files of the pull request and can upload any artifact.
# GitHub REST fields: a workflow run's event, head_branch, head_repository.id, repository.id
# (GET /repos/{owner}/{repo}/actions/workflows/{file}/runs, query branch, event and created); an
# artifact's workflow_run.id, .repository_id, .head_repository_id, .head_branch
# (GET /repos/{owner}/{repo}/actions/artifacts, query name). Every page is read (--paginate).
# The runs are asked for by event: GitHub returns at most 1,000 runs for a query with branch,
# event or created, and a fork's pull-request runs (a fork may name its branch main) would
# otherwise fill that window and push the trusted runs, and their recordings, out of it. A
# workflow whose own runs of one event reach 1,000 in the window is asked again a week at a time.
branch_query="$(jq -rn --arg b "$BRANCH" '$b | @uri')"
since="$(date -u -d '91 days ago' +%Y-%m-%d)"
runs_of() {
  gh api --paginate \
    "repos/${GITHUB_REPOSITORY}/actions/workflows/$1/runs?branch=${branch_query}&event=$2&created=$3&per_page=100" \
    --jq '.workflow_runs[] | {id, event, head_branch, head: .head_repository.id, repository: .repository.id}' \
    | jq -c --arg workflow "$1" '. + {workflow: $workflow}'
}
full=""
: > "$RUNNER_TEMP/runs-listed.json"
for workflow in $WORKFLOWS; do
  for event in push workflow_dispatch; do
    runs_of "$workflow" "$event" "%3E%3D${since}" > "$RUNNER_TEMP/runs-part.json"
    if [ "$(wc -l < "$RUNNER_TEMP/runs-part.json")" -ge 1000 ]; then
      echo "$workflow ($event): 1,000 runs or more since $since (GitHub's most): asking a week at a time"
      : > "$RUNNER_TEMP/runs-part.json"
      for week in $(seq 0 13); do
        from="$(date -u -d "$since + $((7 * week)) days" +%Y-%m-%d)"
        to="$(date -u -d "$since + $((7 * week + 6)) days" +%Y-%m-%d)"
        runs_of "$workflow" "$event" "${from}..${to}" > "$RUNNER_TEMP/runs-week.json"
        [ "$(wc -l < "$RUNNER_TEMP/runs-week.json")" -lt 1000 ] || full+=" $workflow ($event, $from..$to)"
        cat "$RUNNER_TEMP/runs-week.json" >> "$RUNNER_TEMP/runs-part.json"
      done
    fi
    cat "$RUNNER_TEMP/runs-part.json" >> "$RUNNER_TEMP/runs-listed.json"
  done
done
# Past 1,000 runs in one week, the runs beyond GitHub's window (and the deployments they
# recorded) would be missing from the history without a word.
if [ -n "$full" ]; then
  msg="GitHub lists at most 1,000 runs of a workflow per query, and these weeks reached it:$full. Runs past"
  msg+=" it are missing, so the deployments in force are unknown and nothing was done, release_sha or not"
  msg+=" (\`tofugen docs deploy-flow\`, \"1,000 runs\")"
  echo "::error::$msg"
  exit 1
fi
jq -s --arg branch "$BRANCH" '
  map(select((.event == "push" or .event == "workflow_dispatch")
             and .head_branch == $branch and .head != null and .head == .repository)
      | {key: (.id | tostring), value: .workflow})
  | from_entries
' "$RUNNER_TEMP/runs-listed.json" > "$RUNNER_TEMP/runs.json"
query="per_page=100"
[ -z "$RELEASE_SHA" ] || [ "$IN_FORCE" = true ] || query="name=${PREFIX}${RELEASE_SHA}&per_page=100"
gh api --paginate "repos/${GITHUB_REPOSITORY}/actions/artifacts?${query}" \
  --jq '.artifacts[] | {name, expired, created_at, run: .workflow_run}' \
  | jq -s --arg prefix "$PREFIX" --arg branch "$BRANCH" --slurpfile runs "$RUNNER_TEMP/runs.json" '
  $runs[0] as $runs
  | [.[]
     | select((.expired | not) and (.name | startswith($prefix))
              and .run.head_repository_id == .run.repository_id and .run.head_branch == $branch
              and $runs[.run.id | tostring] != null)
     | {sha: (.name | ltrimstr($prefix)), run: .run.id, created_at,
        rollback: ($runs[.run.id | tostring] == "tofugen-rollback.yml")}
     | select(.sha | test("\\A[0-9a-f]{40}\\z"))]
  | sort_by(.created_at, .run)
' > "$RUNNER_TEMP/recordings.json"
# The deployments in force, oldest first: a deploy or promotion adds one; a rollback to a
# release deployed before the newest goes back to that deployment; a rollback to the release in
# force changes nothing; one to any other release (a roll forward) adds it, like a deploy.
jq 'reduce .[] as $r ([];
  if $r.rollback then
    ((.[:-1] | map(.sha) | indices($r.sha) | last) as $i
     | if $i != null then .[:$i + 1]
       elif (last | .sha?) == $r.sha then .
       else . + [$r] end)
  else . + [$r] end)' "$RUNNER_TEMP/recordings.json" > "$RUNNER_TEMP/deployments.json"
echo "Deployments in force, oldest first (from the trusted recordings ${PREFIX}*):"
jq -r '.[] | "  \(.created_at) \(.sha) run \(.run)\(if .rollback then " (rollback)" else "" end)"' \
  "$RUNNER_TEMP/deployments.json"
"####
    };
}

/// Finds a release recorded as the artifact `$PREFIX<sha>` ([`recordings_script`]) and copies
/// its release.json to $RUNNER_TEMP/candidate.json. $RELEASE_SHA (input) picks a release; else
/// $MODE `latest` takes the deployment in force (what the environment runs now), `previous` the
/// one before it, after checking that the newest is the release in current.json.
const FIND_RELEASE: &str = concat!(
    r####"if [ -n "$RELEASE_SHA" ] && ! [[ $RELEASE_SHA =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::release_sha must be a full 40-character lower-case commit SHA"
  exit 1
fi
"####,
    recordings_script!(),
    r####"if [ -n "$RELEASE_SHA" ]; then
  selection="$(jq -r --arg s "$RELEASE_SHA" 'map(select(.sha == $s)) | last // empty | "\(.run) \(.sha)"' \
    "$RUNNER_TEMP/recordings.json")"
  if [ -z "$selection" ]; then
    echo "::error::no unexpired recording ${PREFIX}${RELEASE_SHA} uploaded by this repository's workflows on ${BRANCH}"
    exit 1
  fi
  # IN_FORCE: the release was picked as what the environment ran when the run started, the
  # deployment recorded by run $PICKED_RUN; a rollback since then (while the promotion waited
  # for its reviewers) took that deployment back. The deployment, not the commit: the same
  # commit may be deployed again below it.
  if [ "$IN_FORCE" = true ] && { ! [[ $PICKED_RUN =~ ^[0-9]+$ ]] \
    || ! jq -e --argjson r "$PICKED_RUN" --arg s "$RELEASE_SHA" 'any(.[]; .run == $r and .sha == $s)' \
      "$RUNNER_TEMP/deployments.json" > /dev/null; }; then
    msg="the deployment of ${RELEASE_SHA} this run picked (recorded by run ${PICKED_RUN:-?}) is no longer among the"
    msg+=" deployments in force listed above: a rollback took it back, so it is not deployed; dispatch again to promote"
    msg+=" what runs now, or pass release_sha=${RELEASE_SHA} to deploy it deliberately"
    echo "::error::$msg"
    exit 1
  fi
elif [ "$MODE" = latest ]; then
  selection="$(jq -r 'last // empty | "\(.run) \(.sha)"' "$RUNNER_TEMP/deployments.json")"
  if [ -z "$selection" ]; then
    echo "::error::no unexpired recording ${PREFIX}* uploaded by this repository's workflows on ${BRANCH}: pass release_sha"
    exit 1
  fi
else
  top="$(jq -r 'last // empty | .sha' "$RUNNER_TEMP/deployments.json")"
  deployed="$(jq -r '[.[].tag] | unique | join(" ")' "$RUNNER_TEMP/current.json")"
  if [ -z "$top" ] || ! jq -e --arg t "$top" '[.[].tag] | index($t)' "$RUNNER_TEMP/current.json" > /dev/null; then
    msg="the release deployed now ($deployed) is not the newest recorded deployment (${top:-none}):"
    msg+=" its recording expired or another route deployed it; pass release_sha to choose the release"
    echo "::error::$msg"
    exit 1
  fi
  # PICKED_RUN, PICKED_SHA (a rollback): the deployment in force when this rollback was
  # dispatched, noted by its first job. A deploy, promotion or rollback of the environment
  # recorded since (this job waited for it) moved what "the release before" means: going back
  # from its release could bring back the very release this rollback was dispatched to remove.
  top_run="$(jq -r 'last // empty | .run' "$RUNNER_TEMP/deployments.json")"
  if ! [[ $PICKED_RUN =~ ^[0-9]+$ ]]; then
    echo "::error::this rollback's first job noted no deployment in force (run '${PICKED_RUN}'): nothing was applied; pass release_sha"
    exit 1
  fi
  if [ "$top_run" != "$PICKED_RUN" ]; then
    if jq -e --argjson r "$GITHUB_RUN_ID" 'any(.[]; .run == $r)' "$RUNNER_TEMP/recordings.json" > /dev/null; then
      msg="an earlier attempt of this run already rolled back and recorded it: $top runs now. A re-run does not roll"
      msg+=" back again; to apply the root again with what runs now (and push the alert rules), dispatch with"
      msg+=" release_sha=$top and apply_other_changes"
    elif ! jq -e --argjson r "$PICKED_RUN" 'any(.[]; .run == $r)' "$RUNNER_TEMP/deployments.json" > /dev/null; then
      msg="another rollback recorded since this one was dispatched already took back ${PICKED_SHA:-the release} it was"
      msg+=" dispatched to remove (recorded by run $PICKED_RUN): $top runs now, and nothing was applied. Dispatch"
      msg+=" again only to go one more release back, or pass release_sha"
    else
      msg="the deployments in force changed after this rollback was dispatched: a deploy, promotion or rollback"
      msg+=" recorded $top (run ${top_run:-?}) over ${PICKED_SHA:-the release} (run $PICKED_RUN), and nothing was"
      msg+=" applied. Dispatch again to roll back from $top, or pass release_sha to choose the release"
    fi
    echo "::error::$msg"
    exit 1
  fi
  selection="$(jq -r --arg t "$top" '[.[] | select(.sha != $t)] | last // empty | "\(.run) \(.sha)"' \
    "$RUNNER_TEMP/deployments.json")"
  if [ -z "$selection" ]; then
    echo "::error::no unexpired recording of a release deployed before $top: pass release_sha to choose the release"
    exit 1
  fi
fi
read -r run_id sha <<< "$selection"
echo "Using ${PREFIX}${sha} from run $run_id"
gh run download "$run_id" --repo "$GITHUB_REPOSITORY" --name "${PREFIX}${sha}" --dir "$RUNNER_TEMP/found"
cp "$RUNNER_TEMP/found/release.json" "$RUNNER_TEMP/candidate.json"
echo "sha=$sha" >> "$GITHUB_OUTPUT"
echo "run=$run_id" >> "$GITHUB_OUTPUT"
"####
);

/// On a deploy that no `app_ref` chose (a push, or a dispatch left on the default branch): when
/// the application commit of $RUNNER_TEMP/candidate.json was deployed to $ENVIRONMENT and then
/// rolled back (recorded, and not among the deployments in force), the release deployed now
/// ($RUNNER_TEMP/previous.json) replaces the candidate, so that an infrastructure change does not
/// bring back a rejected application commit. Refuses when the deployed release cannot stand in
/// (it lacks a service of the candidate, or mixes commits). `app_ref` deploys what it names.
const KEEP_IF_ROLLED_BACK: &str = concat!(
    r####"if [ -n "$APP_REF" ]; then
  echo "app_ref chose the application commit: it is deployed even if it was rolled back before"
  exit 0
fi
if [ "$FOUND" != true ]; then
  echo "no release deployed in $ENVIRONMENT yet: nothing was rolled back"
  exit 0
fi
sha="$(jq -r '[.[].tag] | unique | if length == 1 then .[0] else "" end' "$RUNNER_TEMP/candidate.json")"
# Not one 40-hex commit: the next step refuses the release.
[[ $sha =~ ^[0-9a-f]{40}$ ]] || exit 0
"####,
    recordings_script!(),
    r####"if ! jq -e --arg s "$sha" 'any(.[]; .sha == $s and (.rollback | not))' "$RUNNER_TEMP/recordings.json" > /dev/null \
  || jq -e --arg s "$sha" 'any(.[]; .sha == $s)' "$RUNNER_TEMP/deployments.json" > /dev/null; then
  echo "$sha was not rolled back from $ENVIRONMENT: deploying it"
  exit 0
fi
deployed="$(jq -r '[.[].tag] | unique | join(" ")' "$RUNNER_TEMP/previous.json")"
missing="$(jq -r --slurpfile c "$RUNNER_TEMP/candidate.json" '($c[0] | keys) - keys | join(" ")' \
  "$RUNNER_TEMP/previous.json")"
if [ -n "$missing" ] || [[ $deployed == *" "* ]]; then
  why="it mixes the commits $deployed"
  [ -z "$missing" ] || why="it lacks $missing"
  msg="the application commit $sha was rolled back from $ENVIRONMENT, and the release deployed now"
  msg+=" cannot stand in for it ($why), so nothing was applied. Push a fixed application commit,"
  msg+=" or start this workflow with app_ref=$sha to deploy the rolled-back commit deliberately."
  echo "::error::$msg"
  exit 1
fi
msg="the application commit $sha was rolled back from $ENVIRONMENT: this run keeps the release"
msg+=" deployed now ($deployed) and applies the infrastructure with it. To deploy $sha again,"
msg+=" start this workflow with app_ref=$sha."
echo "::warning::$msg"
cp "$RUNNER_TEMP/previous.json" "$RUNNER_TEMP/candidate.json"
"####
);

/// Writes the deployed release to current.json (the rollback's starting point).
const CURRENT_RELEASE: &str = r####"tofu output -no-color -json release > "$RUNNER_TEMP/current.json"
echo "Deployed now:"
jq . "$RUNNER_TEMP/current.json"
"####;

/// Copies every image of release.json by digest from $SOURCE_REGISTRY to $TARGET_REGISTRY
/// ($COPIES: [{service, source_image, image}]), and checks the copied digests.
const COPY_IMAGES: &str = r####"umask 077
printf '%s' "$SOURCE_SCW_SECRET_KEY" | skopeo login --authfile "$RUNNER_TEMP/source-auth.json" \
  --username nologin --password-stdin "${SOURCE_REGISTRY%%/*}"
printf '%s' "$SCW_SECRET_KEY" | skopeo login --authfile "$RUNNER_TEMP/target-auth.json" \
  --username nologin --password-stdin "${TARGET_REGISTRY%%/*}"
while read -r copy; do
  service="$(jq -r .service <<< "$copy")"
  source_image="$(jq -r .source_image <<< "$copy")"
  image="$(jq -r .image <<< "$copy")"
  tag="$(jq -er --arg s "$service" '.[$s].tag' "$RUNNER_TEMP/release.json")"
  digest="$(jq -er --arg s "$service" '.[$s].digest' "$RUNNER_TEMP/release.json")"
  echo "$SOURCE_REGISTRY/$source_image@$digest -> $TARGET_REGISTRY/$image:$tag"
  skopeo copy --all --preserve-digests --retry-times 3 \
    --src-authfile "$RUNNER_TEMP/source-auth.json" --dest-authfile "$RUNNER_TEMP/target-auth.json" \
    "docker://$SOURCE_REGISTRY/$source_image@$digest" "docker://$TARGET_REGISTRY/$image:$tag"
  copied="sha256:$(skopeo inspect --raw --authfile "$RUNNER_TEMP/target-auth.json" \
    "docker://$TARGET_REGISTRY/$image:$tag" | sha256sum | cut -d ' ' -f 1)"
  if [ "$copied" != "$digest" ]; then
    echo "::error::$TARGET_REGISTRY/$image:$tag has digest $copied, expected $digest"
    exit 1
  fi
done < <(jq -c '.[]' <<< "$COPIES")
"####;

/// `tofugen check` of the configuration.
const TOFUGEN_CHECK: &str = r####"tofugen --config "$CONFIG" --root . check
"####;

/// `tofu fmt -check` of the generated HCL.
const TOFU_FMT: &str = r####"tofu fmt -check -diff -recursive "$GENERATED"
"####;

/// Installs the pinned tofugen from crates.io (when the cache missed).
const INSTALL_TOFUGEN_CRATES: &str = r####"cargo install --locked --version "$TOFUGEN_VERSION" tofugen
"####;

/// Installs the pinned tofugen from its git repository's tag (when the cache missed).
const INSTALL_TOFUGEN_GIT: &str = r####"cargo install --locked --git "$TOFUGEN_GIT" --tag "v$TOFUGEN_VERSION" tofugen
"####;

/// Installs tofugen from one commit of its git repository (when the cache missed).
const INSTALL_TOFUGEN_REV: &str = r####"cargo install --locked --git "$TOFUGEN_GIT" --rev "$TOFUGEN_REV" tofugen
"####;

/// Builds tofugen from this repository's sources and puts it on the PATH.
const BUILD_TOFUGEN: &str = r####"cargo build --locked --release --bin tofugen
echo "$PWD/target/release" >> "$GITHUB_PATH"
"####;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

impl MapBuilder {
    /// A job's `runs-on` (the configured runner), `timeout-minutes` and read-only `contents`
    /// permission: the jobs that write nothing to the repository.
    fn runs_read_only(self, runner: &str, timeout: i64) -> Self {
        self.entry("runs-on", Yaml::str(runner))
            .entry("timeout-minutes", Yaml::Int(timeout))
            .entry("permissions", Yaml::map([("contents", Yaml::str("read"))]))
    }
}

/// A step: name, optional id, then the given entries.
fn step(name: impl Into<String>) -> MapBuilder {
    MapBuilder::new().entry("name", Yaml::str(name))
}

/// Adds `uses:` of the pinned action `name`, with its release as a comment.
fn uses(b: MapBuilder, name: &str) -> MapBuilder {
    b.comment(&pin_release(name)).entry("uses", pin(name))
}

/// `env:` of a step from `(name, value)` pairs.
fn env_map(entries: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::map(entries)
}

fn checkout() -> Yaml {
    uses(step("Check out"), "checkout")
        .entry(
            "with",
            Yaml::map([("persist-credentials", Yaml::Bool(false))]),
        )
        .build()
}

fn setup_tofu(ctx: &Ctx) -> Yaml {
    uses(step("Set up OpenTofu"), "setup_opentofu")
        .entry(
            "with",
            Yaml::map([
                ("tofu_version", Yaml::str(&ctx.resolved.versions.opentofu)),
                ("tofu_wrapper", Yaml::Bool(false)),
            ]),
        )
        .build()
}

/// The steps that put the pinned tofugen on the PATH.
fn install_tofugen(ctx: &Ctx) -> Vec<Yaml> {
    let t = &ctx.resolved.ci.tofugen;
    match t.install {
        InstallMethod::Source => vec![
            uses(step("Set up Rust"), "rust_toolchain")
                .entry("with", Yaml::map([("toolchain", Yaml::str("stable"))]))
                .build(),
            uses(step("Cache Rust builds"), "rust_cache").build(),
            step("Build tofugen from this repository")
                .entry("run", Yaml::Script(BUILD_TOFUGEN))
                .build(),
        ],
        InstallMethod::Crates | InstallMethod::Git => {
            let (script, git, rev) = match (t.install, &t.rev) {
                (InstallMethod::Git, Some(rev)) => (INSTALL_TOFUGEN_REV, t.git.clone(), Some(rev)),
                (InstallMethod::Git, None) => (INSTALL_TOFUGEN_GIT, t.git.clone(), None),
                _ => (INSTALL_TOFUGEN_CRATES, None, None),
            };
            let mut env = vec![("TOFUGEN_VERSION", Yaml::str(&t.version))];
            if let Some(url) = git {
                env.push(("TOFUGEN_GIT", Yaml::str(url)));
            }
            if let Some(rev) = rev {
                env.push(("TOFUGEN_REV", Yaml::str(rev)));
            }
            // The cache holds one build, keyed by where it comes from: a commit's, a git
            // repository's version (its URL hashed), or a crates.io version. Switching
            // `install` (or the repository) never restores the other's binary (sweep 17).
            let cached = match (t.install, rev, &t.git) {
                (InstallMethod::Git, Some(r), _) => format!("git-{}-{r}", t.version),
                (InstallMethod::Git, None, Some(url)) => {
                    format!("git-{}-{}", t.version, short_hash(url))
                }
                _ => format!("crates-{}", t.version),
            };
            vec![
                uses(
                    step("Cache tofugen").entry("id", Yaml::str("tofugen-cache")),
                    "cache",
                )
                .entry(
                    "with",
                    Yaml::map([
                        ("path", Yaml::str("~/.cargo/bin/tofugen")),
                        (
                            "key",
                            Yaml::Template(vec![
                                Piece::Text(format!("tofugen-{cached}-")),
                                Piece::Expr("runner.os"),
                            ]),
                        ),
                    ]),
                )
                .build(),
                step(format!("Install tofugen {}", t.version))
                    .entry(
                        "if",
                        Yaml::Cond(Cond::Raw("steps.tofugen-cache.outputs.cache-hit != 'true'")),
                    )
                    .entry("env", env_map(env))
                    .entry("run", Yaml::Script(script))
                    .build(),
            ]
        }
    }
}

/// The first 12 hex digits of the SHA-256 of `text`: a cache key part naming a URL without
/// its characters.
fn short_hash(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The credentials and variables of an environment's GitHub environment, for a tofu step.
fn tofu_env(env: &ResolvedEnvironment) -> Vec<(&'static str, Yaml)> {
    let mut v = vec![
        ("AWS_ACCESS_KEY_ID", Yaml::Expr("secrets.SCW_ACCESS_KEY")),
        (
            "AWS_SECRET_ACCESS_KEY",
            Yaml::Expr("secrets.SCW_SECRET_KEY"),
        ),
        ("SCW_ACCESS_KEY", Yaml::Expr("secrets.SCW_ACCESS_KEY")),
        ("SCW_SECRET_KEY", Yaml::Expr("secrets.SCW_SECRET_KEY")),
        ("SCW_DEFAULT_PROJECT_ID", Yaml::Expr("vars.SCW_PROJECT_ID")),
        ("SCW_DEFAULT_REGION", Yaml::str(&env.region)),
        ("TF_VAR_project_id", Yaml::Expr("vars.SCW_PROJECT_ID")),
    ];
    if super::roots::has_backup_jobs(env) {
        v.push((
            "TF_VAR_backup_project_id",
            Yaml::Expr("vars.SCW_BACKUP_PROJECT_ID"),
        ));
    }
    v.push((
        "TF_VAR_state_passphrase",
        Yaml::Expr("secrets.STATE_PASSPHRASE"),
    ));
    v.push(("ENVIRONMENT", Yaml::str(&env.name)));
    v
}

/// A step running `script` in the environment's root with its credentials, plus `extra` env.
fn tofu_step(
    name: String,
    env: &ResolvedEnvironment,
    id: Option<&str>,
    extra: Vec<(&'static str, Yaml)>,
    script: &'static str,
) -> MapBuilder {
    let mut vars = tofu_env(env);
    vars.extend(extra);
    let mut s = step(name);
    if let Some(id) = id {
        s = s.entry("id", Yaml::str(id));
    }
    s.entry("working-directory", Yaml::str(root_dir(&env.name)))
        .entry("env", env_map(vars))
        .entry("run", Yaml::Script(script))
}

/// `{service: {path}|{skip: reason}}` as JSON, for the smoke test.
fn smoke_json(env: &ResolvedEnvironment) -> Yaml {
    let mut map = serde_json::Map::new();
    for s in &env.services {
        let value = match (s.privacy, s.health_path()) {
            (Privacy::Public, Some(path)) => serde_json::json!({ "path": path }),
            (Privacy::Private, _) => {
                serde_json::json!({ "skip": "private: callers need an IAM token" })
            }
            (Privacy::Public, None) => {
                serde_json::json!({ "skip": "no HTTP health path (TCP probes only)" })
            }
        };
        map.insert(s.name.clone(), value);
    }
    Yaml::Json(serde_json::Value::Object(map))
}

/// The service names of an environment, as a JSON list.
fn services_json(env: &ResolvedEnvironment) -> Yaml {
    Yaml::Json(serde_json::Value::Array(
        env.services
            .iter()
            .map(|s| serde_json::Value::String(s.name.clone()))
            .collect(),
    ))
}

/// The addresses of an environment's containers in its root, as a JSON list: what a release
/// changes ([`PLAN_RELEASE`]).
fn containers_json(env: &ResolvedEnvironment) -> Yaml {
    Yaml::Json(serde_json::Value::Array(
        env.services
            .iter()
            .map(|s| {
                serde_json::Value::String(format!(
                    "module.{}.scaleway_container.this",
                    super::roots::service_module(&s.name)
                ))
            })
            .collect(),
    ))
}

/// The registry of an environment: `rg.<region>.scw.cloud/<namespace>`.
fn registry(env: &ResolvedEnvironment) -> String {
    format!("rg.{}.scw.cloud/{}", env.region, env.registry_namespace)
}

/// The steps of a job applying the release in $RUNNER_TEMP/release.json to `env`: check-out,
/// set-up, init, the deployed release read (previous.json, output `found` of step `previous`),
/// `before_apply`, the `plan` step (which saves $RUNNER_TEMP/release.tfplan), the data guard
/// ([`DATA_GUARD`]), the apply of that saved plan ([`APPLY_PLANNED`]), the smoke test, the
/// automatic rollback on failure ([`ROLLBACK`]; in the rollback workflow, `rollback`, it restores
/// the release the failed rollback was to replace, and says so), the recording and (with
/// `rules`) the alert rules push.
fn deploy_sequence(
    ctx: &Ctx,
    env: &ResolvedEnvironment,
    before_apply: Vec<Yaml>,
    plan: Yaml,
    rules: bool,
    rollback: bool,
) -> Vec<Yaml> {
    let mut steps = vec![
        checkout(),
        setup_tofu(ctx),
        tofu_step(format!("tofu init ({})", env.name), env, None, vec![], INIT).build(),
        tofu_step(
            "Read the deployed release (restored if this deploy fails)".into(),
            env,
            Some("previous"),
            vec![],
            PREVIOUS_RELEASE,
        )
        .build(),
    ];
    steps.extend(before_apply);
    steps.extend([
        plan,
        tofu_step(
            "Refuse to destroy data".into(),
            env,
            None,
            vec![
                ("DATA_TYPES", Yaml::Json(serde_json::json!(DATA_TYPES))),
                ("ALLOW_DATA_LOSS", Yaml::Expr("inputs.allow_data_loss")),
            ],
            DATA_GUARD,
        )
        .comment_on(
            "run",
            "A plan destroying or replacing a database, a bucket, a secret, a registry or a metrics source is refused unless the run was dispatched with `allow_data_loss`.",
        )
        .build(),
        tofu_step(
            format!("Apply the release to {}", env.name),
            env,
            Some("apply"),
            vec![],
            APPLY_PLANNED,
        )
        .comment_on(
            "run",
            "The apply fails unless every container ends ready and runs the release (release.tf).",
        )
        .build(),
        tofu_step(
            format!("Smoke test {}", env.name),
            env,
            Some("smoke"),
            vec![("SMOKE", smoke_json(env))],
            SMOKE,
        )
        .build(),
        tofu_step(
            if rollback {
                format!("Restore {} if this rollback failed", env.name)
            } else {
                format!("Roll back {} to the previous release", env.name)
            },
            env,
            None,
            vec![
                (
                    "RUN_KIND",
                    Yaml::str(if rollback { "rollback" } else { "deploy" }),
                ),
                ("SMOKE", smoke_json(env)),
                ("SERVICES", services_json(env)),
                ("DATA_TYPES", Yaml::Json(serde_json::json!(DATA_TYPES))),
                ("ALLOW_DATA_LOSS", Yaml::Expr("inputs.allow_data_loss")),
            ],
            ROLLBACK,
        )
        .entry(
            "if",
            Yaml::Cond(Cond::Raw(
                "failure() && steps.previous.outputs.found == 'true' && (steps.apply.outcome == 'failure' || steps.smoke.outcome == 'failure')",
            )),
        )
        .build(),
    ]);
    steps.push(
        uses(step("Record the release"), "upload_artifact")
            .entry(
                "with",
                MapBuilder::new()
                    .entry(
                        "name",
                        Yaml::Template(vec![
                            Piece::Text(format!("release-{}-", env.name)),
                            Piece::Expr("steps.release.outputs.sha"),
                        ]),
                    )
                    .entry(
                        "path",
                        Yaml::Template(vec![
                            Piece::Expr("runner.temp"),
                            Piece::Text("/release.json".into()),
                        ]),
                    )
                    .entry("if-no-files-found", Yaml::str("error"))
                    .entry("retention-days", Yaml::Int(90))
                    .build(),
            )
            .build(),
    );
    if rules {
        steps.push(push_rules(ctx, env).build());
    }
    steps
}

/// The step pushing the alert rules of `env` to Cockpit ([`PUSH_RULES`]).
fn push_rules(ctx: &Ctx, env: &ResolvedEnvironment) -> MapBuilder {
    tofu_step(
        format!("Push the alert rules of {} to Cockpit", env.name),
        env,
        None,
        vec![(
            "RULES_NAMESPACE",
            Yaml::str(env.prefix(&ctx.resolved.project)),
        )],
        PUSH_RULES,
    )
}

/// The plan step of a deploy or a promotion ([`PLAN_SAVED`]).
fn plan_saved(env: &ResolvedEnvironment) -> Yaml {
    tofu_step(
        format!("Plan the release for {}", env.name),
        env,
        None,
        vec![],
        PLAN_SAVED,
    )
    .build()
}

/// The `allow_data_loss` input of a dispatched deploy, promotion or rollback ([`DATA_GUARD`]).
fn allow_data_loss_input() -> (&'static str, Yaml) {
    (
        "allow_data_loss",
        Yaml::map([
            (
                "description",
                Yaml::str(
                    "Apply a plan that destroys a database, a bucket, a secret, a registry or a metrics source (refused otherwise); back them up first",
                ),
            ),
            ("type", Yaml::str("boolean")),
            ("required", Yaml::Bool(false)),
            ("default", Yaml::Bool(false)),
        ]),
    )
}

/// The concurrency group every run that applies `env` holds: one apply of an environment at a
/// time, across the deploy, promote and rollback workflows, queued rather than cancelled.
fn deploy_lock(env: &ResolvedEnvironment) -> Yaml {
    Yaml::map([
        ("group", Yaml::str(format!("tofugen-deploy-{}", env.name))),
        ("cancel-in-progress", Yaml::Bool(false)),
    ])
}

/// A budget's `timeout-minutes`.
fn minutes(budget: super::budget::Budget) -> i64 {
    i64::try_from(budget.minutes()).unwrap_or(i64::MAX)
}

/// Who holds `env`'s [`deploy_lock`] while an [`environment_job`] runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    /// The job itself (promote, rollback: their workflows apply one environment per job).
    Job,
    /// The whole workflow run (deploy: builds included). The job must not name the group
    /// again: GitHub cancels a job whose group its own run holds ("a deadlock ... was detected
    /// between 'top level workflow' and '<job>'"; actions/languageservices#237).
    Workflow,
}

/// The first step of every job that applies: refuses unless the run's commit is the tip of
/// `ci.branch` ([`TIP_GUARD`]).
fn tip_guard(ctx: &Ctx, env: &ResolvedEnvironment) -> Yaml {
    step(format!(
        "Refuse unless this run's commit is the tip of {}",
        ctx.resolved.ci.branch
    ))
    .entry(
        "env",
        env_map(vec![
            ("GH_TOKEN", Yaml::Expr("github.token")),
            ("REPO", Yaml::Expr("github.repository")),
            ("BRANCH", Yaml::str(&ctx.resolved.ci.branch)),
            ("RUN_SHA", Yaml::Expr("github.sha")),
            ("RUN_REF", Yaml::Expr("github.ref")),
            ("WORKFLOWS", Yaml::str(recording_workflows(ctx.resolved))),
            ("PREFIX", Yaml::str(format!("release-{}-", env.name))),
        ]),
    )
    .entry("run", Yaml::Script(TIP_GUARD))
    .build()
}

/// A job running in `env`'s GitHub environment, under its deploy concurrency group.
fn environment_job(
    ctx: &Ctx,
    name: String,
    env: &ResolvedEnvironment,
    cond: Option<Cond>,
    (timeout, lock): (i64, Lock),
    actions_read: bool,
    steps: Vec<Yaml>,
) -> Yaml {
    let mut permissions = MapBuilder::new();
    if actions_read {
        permissions = permissions.entry("actions", Yaml::str("read"));
    }
    permissions = permissions.entry("contents", Yaml::str("read"));
    let steps = std::iter::once(tip_guard(ctx, env)).chain(steps).collect();
    MapBuilder::new()
        .entry("name", Yaml::str(name))
        .entry_opt("if", cond.map(Yaml::Cond))
        .entry("runs-on", Yaml::str(&ctx.resolved.ci.runner))
        .comment(
            "The worst case of this job plus a margin (how it is counted: `tofugen rules TG118`): a job cancelled by its timeout runs no rollback step.",
        )
        .entry("timeout-minutes", Yaml::Int(timeout))
        .entry("permissions", permissions.build())
        .entry("environment", Yaml::str(&env.github_environment))
        .entry_opt("concurrency", (lock == Lock::Job).then(|| deploy_lock(env)))
        .entry("steps", Yaml::Seq(steps))
        .build()
}

/// A workflow file: the settings every workflow has (name, triggers, permissions, concurrency,
/// defaults and env), then its jobs, each printed as soon as it is built (see
/// [`super::yaml::render_last_lazily`]): only one job's tree is alive at a time.
fn workflow(
    ctx: &Ctx,
    name: &str,
    run_name: Option<Yaml>,
    on: Yaml,
    concurrency: Option<Yaml>,
    jobs: impl IntoIterator<Item = (String, Yaml)>,
) -> String {
    let settings = MapBuilder::new()
        .entry("name", Yaml::str(name))
        .entry_opt("run-name", run_name)
        .entry("on", on)
        .entry("permissions", Yaml::Map(Vec::new()))
        .entry_opt("concurrency", concurrency)
        .entry(
            "defaults",
            Yaml::map([("run", Yaml::map([("shell", Yaml::str("bash"))]))]),
        )
        .entry(
            "env",
            Yaml::map([
                ("TF_IN_AUTOMATION", Yaml::str("true")),
                ("TF_INPUT", Yaml::str("false")),
            ]),
        )
        .into_entries();
    super::yaml::render_last_lazily(
        Dialect::GitHub,
        &ctx.header,
        &settings,
        "jobs",
        jobs.into_iter().map(|(key, value)| super::yaml::Entry {
            comments: Vec::new(),
            key,
            value,
        }),
    )
}

/// `workflow_dispatch` with an environment choice and an optional release SHA.
fn dispatch(
    envs: &[&ResolvedEnvironment],
    what: &str,
    release_help: &str,
    more: Vec<(&'static str, Yaml)>,
) -> Yaml {
    let inputs = [
        (
            "environment",
            Yaml::map([
                ("description", Yaml::str(what)),
                ("type", Yaml::str("choice")),
                ("required", Yaml::Bool(true)),
                ("options", Yaml::strs(envs.iter().map(|e| e.name.as_str()))),
            ]),
        ),
        (
            "release_sha",
            Yaml::map([
                ("description", Yaml::str(release_help)),
                ("type", Yaml::str("string")),
                ("required", Yaml::Bool(false)),
                ("default", Yaml::str("")),
            ]),
        ),
    ];
    Yaml::map([(
        "workflow_dispatch",
        Yaml::map([("inputs", Yaml::map(inputs.into_iter().chain(more)))]),
    )])
}

/// The workflow files whose runs record releases: the deploy, promote and rollback workflows
/// that [`emit`] writes for this configuration.
fn recording_workflows(r: &Resolved) -> String {
    let mut files = Vec::new();
    if r.deploy_head().is_some() {
        files.push("tofugen-deploy.yml");
    }
    if r.environments.iter().any(|e| e.promote_from.is_some()) {
        files.push("tofugen-promote.yml");
    }
    // FIND_RELEASE knows this one by name: its recordings undo a deployment.
    files.push("tofugen-rollback.yml");
    files.join(" ")
}

/// The inputs of [`recordings_script`] for the recordings of `env_name`, then `extra`.
fn recordings_env(
    ctx: &Ctx,
    env_name: &str,
    extra: Vec<(&'static str, Yaml)>,
) -> Vec<(&'static str, Yaml)> {
    let mut vars = vec![
        ("GH_TOKEN", Yaml::Expr("github.token")),
        ("PREFIX", Yaml::str(format!("release-{env_name}-"))),
        ("BRANCH", Yaml::str(&ctx.resolved.ci.branch)),
        ("WORKFLOWS", Yaml::str(recording_workflows(ctx.resolved))),
    ];
    vars.extend(extra);
    vars
}

/// What a job that finds a release knows from a job before it, which picked at the run's start
/// what the environment ran then ([`find_release`]).
#[derive(Clone, Copy)]
enum Picked {
    /// Nothing: the job looks the release up alone.
    No,
    /// A promotion: `release_sha` was picked as what the source ran at the run's start when
    /// this expression is true. The release must still be among the source's deployments in
    /// force (a promotion approved after a rollback of its source deployed the rolled-back
    /// release, sweep 55b, #3).
    InForce(&'static str),
    /// A rollback to the previous release: the deployment in force when the rollback was
    /// dispatched must still be the newest (a rollback that waited for a deploy of the same
    /// environment went back from that deploy's release, and could bring back the release it
    /// was dispatched to remove, sweep 58b, #3).
    AtDispatch,
}

/// Finds a recorded release of `env_name` (see [`FIND_RELEASE`]), the one `release_sha` names
/// when it is not empty (an expression: the dispatch's input, or the release job's output);
/// `picked` says what the job before it picked (its `run` output, `PICKED_RUN`).
fn find_release(
    ctx: &Ctx,
    env_name: &str,
    mode: &str,
    release_sha: &'static str,
    picked: Picked,
) -> Yaml {
    let mut vars = vec![
        ("RELEASE_SHA", Yaml::Expr(release_sha)),
        ("MODE", Yaml::str(mode)),
    ];
    if let Picked::InForce(e) = picked {
        vars.push(("IN_FORCE", Yaml::Expr(e)));
    }
    if !matches!(picked, Picked::No) {
        vars.push(("PICKED_RUN", Yaml::Expr("join(needs.*.outputs.run, '')")));
    }
    if matches!(picked, Picked::AtDispatch) {
        vars.push(("PICKED_SHA", Yaml::Expr("join(needs.*.outputs.sha, '')")));
    }
    step(format!("Find the release recorded for {env_name}"))
        .entry("id", Yaml::str("find"))
        .entry("env", env_map(recordings_env(ctx, env_name, vars)))
        .entry("run", Yaml::Script(FIND_RELEASE))
        .build()
}

/// Names, in the job's summary, the release a promotion will deploy ($SHA, recorded for
/// $SOURCE), before the job that deploys it waits for $TARGET's reviewers.
const NAME_THE_RELEASE: &str = r####"{
  echo "### Release to promote from $SOURCE to $TARGET: \`$SHA\`"
  echo
  echo "The promotion job deploys this release, recorded for $SOURCE, once $TARGET's reviewers approve it."
} >> "$GITHUB_STEP_SUMMARY"
echo "Release to promote from $SOURCE to $TARGET: $SHA"
"####;

/// Says, in the job's summary and its log, what the dispatch asks of the job that waits for
/// $ENVIRONMENT's reviewers, before they approve it: the `release_sha` it names ($RELEASE_SHA,
/// 40-hex: the step that found it checked it; the release is then not looked up among
/// $SOURCE's deployments), and the switches that widen what the apply may do
/// ($ALLOW_DATA_LOSS; $APPLY_OTHER_CHANGES, a rollback's).
/// GitHub shows a dispatch's inputs neither on the run's page nor in the review dialog
/// (sweep 59b, F2: a reviewer approved `allow_data_loss` without seeing it).
const DISPATCH_ASKS: &str = r####"{
  echo "### What this run was dispatched with"
  echo
  if [ -n "$RELEASE_SHA" ]; then
    echo "- \`release_sha\` \`$RELEASE_SHA\`: the release the dispatch named, whatever $SOURCE runs now"
  else
    echo "- \`release_sha\` empty: $DEFAULT_RELEASE"
  fi
  if [ "$APPLY_OTHER_CHANGES" = true ]; then
    echo -n "- **\`apply_other_changes\`**: the plan's changes besides the release are applied too"
    echo " (the job's log lists them once it has run the plan)"
  fi
  if [ "$ALLOW_DATA_LOSS" = true ]; then
    echo -n "- **\`allow_data_loss\`**: the apply goes ahead even when the plan destroys or replaces"
    echo " a database, a bucket, a secret, a registry or a metrics source"
  else
    echo "- \`allow_data_loss\` off: a plan that destroys data is refused"
  fi
} > "$RUNNER_TEMP/asks.md"
cat "$RUNNER_TEMP/asks.md" >> "$GITHUB_STEP_SUMMARY"
sed 's/[*`]//g' "$RUNNER_TEMP/asks.md"
if [ "$ALLOW_DATA_LOSS" = true ]; then
  echo "::warning::this run was dispatched with allow_data_loss: its apply in $ENVIRONMENT may destroy or replace data"
fi
if [ "$APPLY_OTHER_CHANGES" = true ]; then
  echo "::warning::this run was dispatched with apply_other_changes: its apply in $ENVIRONMENT may change more than the release"
fi
"####;

/// The step that runs [`DISPATCH_ASKS`] for a dispatch into `env` whose release is looked up
/// among `source`'s deployments; a rollback's (`rollback`) has `apply_other_changes`, and
/// without `release_sha` goes back to the deployment before the one in force.
fn dispatch_asks(source: &str, env: &ResolvedEnvironment, rollback: bool) -> Yaml {
    let apply_other_changes = rollback;
    let default_release = if rollback {
        "the rollback job goes back to the release before the one in force (the step before names that one)"
    } else {
        "the release named above"
    };
    step("Say what the dispatch asks")
        .entry(
            "env",
            env_map(vec![
                ("SOURCE", Yaml::str(source)),
                ("DEFAULT_RELEASE", Yaml::str(default_release)),
                ("ENVIRONMENT", Yaml::str(&env.name)),
                ("RELEASE_SHA", Yaml::Expr("inputs.release_sha")),
                ("ALLOW_DATA_LOSS", Yaml::Expr("inputs.allow_data_loss")),
                (
                    "APPLY_OTHER_CHANGES",
                    if apply_other_changes {
                        Yaml::Expr("inputs.apply_other_changes")
                    } else {
                        Yaml::str("")
                    },
                ),
            ]),
        )
        .entry("run", Yaml::Script(DISPATCH_ASKS))
        .build()
}

/// The `run-name` of a dispatched promotion or rollback: `prefix`, the environment, and
/// `allow_data_loss` in capitals when it is on, so that the run list and the run's page show
/// it to the reviewers (GitHub shows no dispatch inputs there; sweep 59b, F2). The other inputs
/// are in the first job's summary ([`DISPATCH_ASKS`]); with them the line would pass
/// yamllint's 160 characters.
fn dispatch_run_name(prefix: &str) -> Yaml {
    Yaml::Template(vec![
        Piece::Text(prefix.to_string()),
        Piece::Expr("inputs.environment"),
        Piece::Expr("inputs.allow_data_loss && ' - ALLOWS DATA LOSS' || ''"),
    ])
}

/// The job that picks the release a promotion from `source` to `env` deploys (the dispatch's
/// `release_sha`, or what `source` runs now), before that promotion's job waits for `env`'s
/// reviewers: they approve a release named in this job's summary, and a deployment of `source`
/// recorded while they decide does not change it (sweep 44, #3: the promotion job looked the
/// release up after the approval). No environment, no secret: it reads the recordings.
fn release_to_promote(ctx: &Ctx, source: &str, env: &ResolvedEnvironment) -> Yaml {
    picking_job(
        ctx,
        format!("Release to promote from {source} to {}", env.name),
        env,
        vec![
            find_release(ctx, source, "latest", "inputs.release_sha", Picked::No),
            step("Name the release")
                .entry(
                    "env",
                    env_map(vec![
                        ("SOURCE", Yaml::str(source)),
                        ("TARGET", Yaml::str(&env.name)),
                        ("SHA", Yaml::Expr("steps.find.outputs.sha")),
                    ]),
                )
                .entry("run", Yaml::Script(NAME_THE_RELEASE))
                .build(),
            dispatch_asks(source, env, false),
        ],
    )
}

/// `job` (a map), made to wait for the job `id`: `needs`, after its name.
fn needs(mut job: Yaml, id: String) -> Yaml {
    if let Yaml::Map(entries) = &mut job {
        entries.insert(
            1,
            super::yaml::Entry {
                comments: Vec::new(),
                key: "needs".into(),
                value: Yaml::str(id),
            },
        );
    }
    job
}

/// The job that notes, as soon as a rollback of `env` is dispatched, the deployment in force
/// there (its recording's run, output `run`), before the rollback's job waits for a deploy,
/// promotion or rollback of `env` to end (one concurrency group) and for `env`'s reviewers: the
/// rollback goes back from that deployment or applies nothing ([`Picked::AtDispatch`]). With a
/// `release_sha`, it finds that release's recording (and the rollback applies it, whatever
/// ran in between). No environment, no secret: it reads the recordings.
fn release_at_dispatch(ctx: &Ctx, env: &ResolvedEnvironment) -> Yaml {
    picking_job(
        ctx,
        format!("Release {} runs at dispatch", env.name),
        env,
        vec![
            find_release(ctx, &env.name, "latest", "inputs.release_sha", Picked::No),
            dispatch_asks(&env.name, env, true),
        ],
    )
}

/// A job of a dispatch for `env` (when its `environment` input names it) that reads the
/// recordings only (`actions: read`), and outputs what its step `find` found (`sha`, `run`).
fn picking_job(ctx: &Ctx, name: String, env: &ResolvedEnvironment, steps: Vec<Yaml>) -> Yaml {
    MapBuilder::new()
        .entry("name", Yaml::str(name))
        .entry(
            "if",
            Yaml::Cond(Cond::Eq("inputs.environment", env.name.clone())),
        )
        .entry("runs-on", Yaml::str(&ctx.resolved.ci.runner))
        .entry("timeout-minutes", Yaml::Int(10))
        .entry("permissions", Yaml::map([("actions", Yaml::str("read"))]))
        .entry(
            "outputs",
            Yaml::map([
                ("sha", Yaml::Expr("steps.find.outputs.sha")),
                ("run", Yaml::Expr("steps.find.outputs.run")),
            ]),
        )
        .entry(
            "steps",
            Yaml::Seq(std::iter::once(refuse_a_rerun()).chain(steps).collect()),
        )
        .build()
}

/// Keeps the deployed release of `env` when the built application commit was rolled back
/// there (see [`KEEP_IF_ROLLED_BACK`]).
fn keep_if_rolled_back(ctx: &Ctx, env: &ResolvedEnvironment) -> Yaml {
    step("Keep the deployed release if this application commit was rolled back")
        .entry(
            "env",
            env_map(recordings_env(
                ctx,
                &env.name,
                vec![
                    ("APP_REF", Yaml::Expr("inputs.app_ref")),
                    ("FOUND", Yaml::Expr("steps.previous.outputs.found")),
                    ("ENVIRONMENT", Yaml::str(&env.name)),
                    // Every release's recordings: the script reads $RELEASE_SHA (shared with
                    // FIND_RELEASE), set here to nothing rather than left to what a job or
                    // workflow `env` might hold.
                    ("RELEASE_SHA", Yaml::str("")),
                ],
            )),
        )
        .entry("run", Yaml::Script(KEEP_IF_ROLLED_BACK))
        .build()
}

/// Checks the candidate release against `env`'s services.
fn check_release(env: &ResolvedEnvironment) -> Yaml {
    step("Check the release")
        .entry("id", Yaml::str("release"))
        .entry("env", env_map(vec![("SERVICES", services_json(env))]))
        .entry("run", Yaml::Script(CHECK_RELEASE))
        .build()
}

// ---------------------------------------------------------------------------------------------
// The workflows
// ---------------------------------------------------------------------------------------------

fn pr(ctx: &Ctx) -> String {
    let r = ctx.resolved;
    let mut roots: Vec<String> = vec![super::bootstrap::BOOTSTRAP_DIR.to_string()];
    roots.extend(r.environments.iter().map(|e| root_dir(&e.name)));
    let roots_json = Yaml::Json(roots.iter().map(|r| serde_json::json!(r)).collect());

    let mut check_steps = vec![checkout()];
    check_steps.extend(install_tofugen(ctx));
    check_steps.extend([
        step("The generated tree matches the configuration")
            .entry("env", env_map(vec![("CONFIG", Yaml::str(ctx.config))]))
            .entry("run", Yaml::Script(TOFUGEN_CHECK))
            .build(),
        setup_tofu(ctx),
        step("tofu fmt")
            .entry("env", env_map(vec![("GENERATED", Yaml::str("generated"))]))
            .entry("run", Yaml::Script(TOFU_FMT))
            .build(),
        step("tofu validate and tofu test (every root)")
            .comment("validate never reads state; the roots' encryption block only needs a value to parse.")
            .entry(
                "env",
                env_map(vec![
                    ("ROOTS", roots_json),
                    (
                        "TF_VAR_state_passphrase",
                        Yaml::str("validate-only-placeholder"),
                    ),
                ]),
            )
            .entry("run", Yaml::Script(VALIDATE_ROOTS))
            .build(),
        step("Install promtool")
            .entry("run", Yaml::Script(INSTALL_PROMTOOL))
            .build(),
        step("promtool check and test the alert rules")
            .entry("env", env_map(vec![("GENERATED", Yaml::str("generated"))]))
            .entry("run", Yaml::Script(PROMTOOL))
            .build(),
    ]);
    let check = MapBuilder::new()
        .entry("name", Yaml::str("Generated tree, HCL and alert rules"))
        .runs_read_only(&r.ci.runner, 30)
        .entry("steps", Yaml::Seq(check_steps))
        .build();

    let mut affected_steps = vec![
        uses(step("Check out"), "checkout")
            .entry(
                "with",
                Yaml::map([
                    ("fetch-depth", Yaml::Int(0)),
                    ("persist-credentials", Yaml::Bool(false)),
                ]),
            )
            .build(),
    ];
    affected_steps.extend(install_tofugen(ctx));
    affected_steps.push(
        step("Compare the base and head configurations")
            .entry("id", Yaml::str("affected"))
            .entry(
                "env",
                env_map(vec![
                    ("BASE_SHA", Yaml::Expr("github.event.pull_request.base.sha")),
                    ("CONFIG", Yaml::str(ctx.config)),
                ]),
            )
            .entry("run", Yaml::Script(AFFECTED))
            .build(),
    );
    let affected = MapBuilder::new()
        .entry("name", Yaml::str("Affected environments"))
        .runs_read_only(&r.ci.runner, 20)
        .entry(
            "outputs",
            Yaml::map([(
                "environments",
                Yaml::Expr("steps.affected.outputs.environments"),
            )]),
        )
        .entry("steps", Yaml::Seq(affected_steps))
        .build();

    let mut jobs = vec![
        ("check".to_string(), check),
        ("affected".to_string(), affected),
    ];
    let ids = job_ids("plan", r.environments.iter().map(|e| e.name.as_str()));
    for (env, id) in r.environments.iter().zip(ids) {
        let plan_env = super::bootstrap::plan_environment(&env.github_environment);
        let job = MapBuilder::new()
            .entry("name", Yaml::str(format!("Plan {}", env.name)))
            .entry(
                "needs",
                Yaml::FlowSeq(vec![Yaml::str("check"), Yaml::str("affected")]),
            )
            .comment(
                "Never for pull requests from forks; only for the environments the change affects.",
            )
            .entry(
                "if",
                Yaml::Cond(Cond::And(vec![
                    Cond::Raw("github.event.pull_request.head.repo.full_name == github.repository"),
                    Cond::Contains(
                        "fromJSON(needs.affected.outputs.environments)",
                        env.name.clone(),
                    ),
                ])),
            )
            .runs_read_only(&r.ci.runner, 20)
            .entry("environment", Yaml::str(plan_env))
            .entry(
                "steps",
                Yaml::Seq(vec![
                    checkout(),
                    setup_tofu(ctx),
                    tofu_step(
                        "Plan with the deployed release (read-only credentials, no state lock)"
                            .into(),
                        env,
                        None,
                        vec![],
                        PLAN,
                    )
                    .build(),
                ]),
            )
            .build();
        jobs.push((id, job));
    }
    let on = Yaml::map([(
        "pull_request",
        Yaml::map([("branches", Yaml::strs([&r.ci.branch]))]),
    )]);
    workflow(
        ctx,
        "tofugen PR",
        None,
        on,
        Some(Yaml::map([
            (
                "group",
                Yaml::Template(vec![
                    Piece::Text("tofugen-pr-".into()),
                    Piece::Expr("github.event.pull_request.number"),
                ]),
            ),
            ("cancel-in-progress", Yaml::Bool(true)),
        ])),
        jobs,
    )
}

/// The deploy workflow's job resolving the application commit once, for every build job.
const APP_COMMIT_JOB: &str = "app-commit";

fn deploy(ctx: &Ctx, head: &ResolvedEnvironment) -> String {
    let r = ctx.resolved;
    // One build per image repository: services sharing an image share its build (the first
    // service naming it), in the order the services first name them. Policy rule TG031 refuses
    // services that share an image but not its build, so "the first" is every one of them.
    let mut image_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut images: Vec<&crate::resolve::ResolvedService> = Vec::new();
    let service_images: Vec<usize> = head
        .services
        .iter()
        .map(|s| {
            *image_index.entry(s.image.as_str()).or_insert_with(|| {
                images.push(s);
                images.len() - 1
            })
        })
        .collect();
    let build_ids = job_ids("build", images.iter().map(|s| s.image.as_str()));
    let builds: BTreeMap<String, String> = head
        .services
        .iter()
        .zip(&service_images)
        .map(|(s, &i)| (s.name.clone(), build_ids[i].clone()))
        .collect();
    let registry = registry(head);
    let registry_host = format!("rg.{}.scw.cloud", head.region);

    // Built one at a time as the workflow is printed (see `workflow`).
    let build_job = |s: &crate::resolve::ResolvedService, id: &String| -> (String, Yaml) {
        let dockerfile = s.dockerfile_path();
        let mut checkout_with = MapBuilder::new();
        if let Some(repo) = &r.ci.app_repository {
            checkout_with = checkout_with.entry("repository", Yaml::str(repo));
            if r.ci.app_repository_private {
                checkout_with = checkout_with.entry("token", Yaml::Expr(APP_REPOSITORY_TOKEN));
            }
        }
        checkout_with = checkout_with
            .entry("ref", Yaml::Expr("needs.app-commit.outputs.sha"))
            .entry("persist-credentials", Yaml::Bool(false));
        let settings = build_settings(s);
        let image_env = || {
            env_map(vec![
                ("REGISTRY", Yaml::str(&registry)),
                ("IMAGE", Yaml::str(&s.image)),
                ("TAG", Yaml::Expr("steps.source.outputs.sha")),
                ("LABEL", Yaml::str(BUILD_LABEL)),
                ("BUILD", Yaml::str(&settings)),
            ])
        };
        let steps = vec![
            uses(step("Check out the application"), "checkout")
                .entry("with", checkout_with.build())
                .build(),
            step("Commit being built")
                .entry("id", Yaml::str("source"))
                .entry(
                    "env",
                    env_map(vec![(
                        "APP_COMMIT",
                        Yaml::Expr("needs.app-commit.outputs.sha"),
                    )]),
                )
                .entry("run", Yaml::Script(SOURCE_SHA))
                .build(),
            uses(step("Set up Buildx"), "setup_buildx")
                .build(),
            uses(step(format!("Log in to the {} registry", head.name)), "docker_login")
                .entry(
                    "with",
                    Yaml::map([
                        ("registry", Yaml::str(&registry_host)),
                        ("username", Yaml::str("nologin")),
                        ("password", Yaml::Expr("secrets.SCW_SECRET_KEY")),
                    ]),
                )
                .build(),
            step("Reuse the image if this commit was already built")
                .entry("id", Yaml::str("existing"))
                .entry("env", image_env())
                .entry("run", Yaml::Script(EXISTING_IMAGE))
                .build(),
            uses(
                step(format!("Build and push {}", s.image))
                    .entry("id", Yaml::str("build"))
                    .entry(
                        "if",
                        Yaml::Cond(Cond::Raw("steps.existing.outputs.exists != 'true'")),
                    ),
                "build_push",
            )
                .entry(
                    "with",
                    MapBuilder::new()
                        .entry("context", Yaml::str(&s.build_context))
                        .entry("file", Yaml::str(dockerfile))
                        .entry("platforms", Yaml::str("linux/amd64"))
                        .entry("push", Yaml::Bool(true))
                        .comment("One plain manifest per image, so the digest is the one the registry reports for the tag.")
                        .entry("provenance", Yaml::Bool(false))
                        .entry("sbom", Yaml::Bool(false))
                        .comment("The build settings, which a later run reusing this tag compares with its own.")
                        .entry("labels", Yaml::str(format!("{BUILD_LABEL}={settings}")))
                        .entry(
                            "tags",
                            Yaml::Template(vec![
                                Piece::Text(format!("{registry}/{}:", s.image)),
                                Piece::Expr("steps.source.outputs.sha"),
                            ]),
                        )
                        .build(),
                )
                .build(),
            step("Digest of the image")
                .entry("id", Yaml::str("digest"))
                .entry(
                    "env",
                    env_map(vec![
                        ("IMAGE", Yaml::str(&s.image)),
                        ("EXISTING_DIGEST", Yaml::Expr("steps.existing.outputs.digest")),
                        ("BUILT_DIGEST", Yaml::Expr("steps.build.outputs.digest")),
                    ]),
                )
                .entry("run", Yaml::Script(PICK_DIGEST))
                .build(),
        ];
        let job = MapBuilder::new()
            .entry("name", Yaml::str(format!("Build {}", s.image)))
            .entry("needs", Yaml::strs([APP_COMMIT_JOB]))
            .runs_read_only(&r.ci.runner, 30)
            .entry("environment", Yaml::str(&head.github_environment))
            .entry(
                "outputs",
                Yaml::map([
                    ("tag", Yaml::Expr("steps.source.outputs.sha")),
                    ("digest", Yaml::Expr("steps.digest.outputs.digest")),
                ]),
            )
            .entry("steps", Yaml::Seq(steps))
            .build();
        (id.clone(), job)
    };

    // The release is chosen once the deployed one is known: a rolled-back application commit
    // is not brought back by the next push (KEEP_IF_ROLLED_BACK).
    let before_apply = vec![
        step("Collect the built images")
            .entry(
                "env",
                env_map(vec![
                    ("NEEDS", Yaml::Expr("toJSON(needs)")),
                    ("BUILDS", Yaml::Json(serde_json::json!(builds))),
                ]),
            )
            .entry("run", Yaml::Script(COLLECT_BUILDS))
            .build(),
        keep_if_rolled_back(ctx, head),
        check_release(head),
    ];
    let steps = deploy_sequence(ctx, head, before_apply, plan_saved(head), true, false);
    let mut deploy_job = environment_job(
        ctx,
        format!("Deploy {}", head.name),
        head,
        None,
        (
            minutes(super::budget::job_budget(head, Job::Deploy)),
            Lock::Workflow,
        ),
        // The recordings of rolled-back releases (KEEP_IF_ROLLED_BACK).
        true,
        steps,
    );
    if let Yaml::Map(entries) = &mut deploy_job {
        entries.insert(
            1,
            super::yaml::Entry {
                comments: Vec::new(),
                key: "needs".into(),
                value: Yaml::strs(build_ids.iter()),
            },
        );
    }
    // The application commit, resolved once for every build.
    let mut app_checkout = MapBuilder::new();
    if let Some(repo) = &r.ci.app_repository {
        app_checkout = app_checkout.entry("repository", Yaml::str(repo));
        if r.ci.app_repository_private {
            app_checkout = app_checkout.entry("token", Yaml::Expr(APP_REPOSITORY_TOKEN));
        }
    }
    // Every branch and tag (`fetch-depth: 0`; commits and trees only, `blob:none`), for the
    // resolving step to check that the commit is on one of them (sweep 55b, #1: a pull
    // request's commit, a fork's included, was built and deployed).
    let app_checkout = app_checkout
        .entry("ref", Yaml::Expr("inputs.app_ref"))
        .entry("fetch-depth", Yaml::Int(0))
        .entry("filter", Yaml::str("blob:none"))
        .entry("persist-credentials", Yaml::Bool(false))
        .build();
    // A private application repository is read with a token: the job then runs in the head
    // environment, whose secret it is, as the build jobs do. A repository secret would reach
    // every workflow run of any branch, a pull request's included (sweep 57, H2-F7); an
    // environment's reaches only the jobs of that environment, on its deployment branches.
    let app_commit_job = MapBuilder::new()
        .entry("name", Yaml::str("Application commit"))
        .runs_read_only(&r.ci.runner, 10)
        .entry_opt(
            "environment",
            r.ci.app_repository_private
                .then(|| Yaml::str(&head.github_environment)),
        )
        .entry(
            "outputs",
            Yaml::map([("sha", Yaml::Expr("steps.commit.outputs.sha"))]),
        )
        .entry(
            "steps",
            Yaml::Seq(vec![
                refuse_a_rerun(),
                uses(step("Check out the application"), "checkout")
                    .entry("with", app_checkout)
                    .build(),
                step("Resolve the application commit")
                    .entry("id", Yaml::str("commit"))
                    .entry(
                        "env",
                        Yaml::map([(
                            "APP_REPOSITORY",
                            Yaml::str(r.ci.app_repository.as_deref().unwrap_or("this repository")),
                        )]),
                    )
                    .entry("run", Yaml::Script(APP_COMMIT))
                    .build(),
            ]),
        )
        .build();
    let jobs = std::iter::once((APP_COMMIT_JOB.to_string(), app_commit_job))
        .chain(
            images
                .iter()
                .zip(&build_ids)
                .map(|(s, id)| build_job(s, id)),
        )
        .chain(std::iter::once((job_id("deploy", &head.name), deploy_job)));

    let on = Yaml::map([
        (
            "push",
            Yaml::map([("branches", Yaml::strs([&r.ci.branch]))]),
        ),
        (
            "workflow_dispatch",
            Yaml::map([(
                "inputs",
                Yaml::map([
                    (
                        "app_ref",
                        Yaml::map([
                            (
                                "description",
                                Yaml::str(format!(
                                    "Branch, tag or commit of {} to build (default branch if empty)",
                                    r.ci.app_repository.as_deref().unwrap_or("this repository")
                                )),
                            ),
                            ("type", Yaml::str("string")),
                            ("required", Yaml::Bool(false)),
                            ("default", Yaml::str("")),
                        ]),
                    ),
                    allow_data_loss_input(),
                ]),
            )]),
        ),
    ]);
    workflow(
        ctx,
        "tofugen deploy",
        None,
        on,
        // One run at a time, in order: builds included, so an older run never deploys after a
        // newer one (a pending run is replaced by a newer one, never run after it).
        Some(deploy_lock(head)),
        jobs,
    )
}

fn promote(ctx: &Ctx) -> String {
    let r = ctx.resolved;
    let targets: Vec<&ResolvedEnvironment> = r
        .environments
        .iter()
        .filter(|e| e.promote_from.is_some())
        .collect();
    let ids = job_ids("promote", targets.iter().map(|e| e.name.as_str()));
    let release_ids = job_ids("release", targets.iter().map(|e| e.name.as_str()));
    // Built one at a time as the workflow is printed (see `workflow`): for each target, the job
    // that picks the release, then the one that deploys it.
    let jobs = targets
        .iter()
        .zip(ids)
        .zip(release_ids)
        .flat_map(|((env, id), release_id)| {
            let source = env
                .promote_from
                .as_deref()
                .and_then(|name| r.environment(name))?;
            // The source's image of each service, looked up by name (not scanned per service).
            let source_images: BTreeMap<&str, &str> = source
                .services
                .iter()
                .map(|f| (f.name.as_str(), f.image.as_str()))
                .collect();
            let copies: Vec<serde_json::Value> = env
                .services
                .iter()
                .map(|s| {
                    let from = source_images
                        .get(s.name.as_str())
                        .copied()
                        .unwrap_or(&s.image);
                    serde_json::json!({ "service": s.name, "source_image": from, "image": s.image })
                })
                .collect();
            // The release job's output: the one need of this job.
            let mut steps = vec![
                find_release(
                    ctx,
                    &source.name,
                    "latest",
                    "join(needs.*.outputs.sha, '')",
                    Picked::InForce("inputs.release_sha == ''"),
                ),
                check_release(env),
            ];
            steps.push(
                step(format!(
                    "Copy the images by digest from {} to {}",
                    source.name, env.name
                ))
                .entry(
                    "env",
                    env_map(vec![
                        ("SCW_SECRET_KEY", Yaml::Expr("secrets.SCW_SECRET_KEY")),
                        (
                            "SOURCE_SCW_SECRET_KEY",
                            Yaml::Expr("secrets.SOURCE_SCW_SECRET_KEY"),
                        ),
                        ("SOURCE_REGISTRY", Yaml::str(registry(source))),
                        ("TARGET_REGISTRY", Yaml::str(registry(env))),
                        ("COPIES", Yaml::Json(serde_json::Value::Array(copies))),
                    ]),
                )
                .entry("run", Yaml::Script(COPY_IMAGES))
                .build(),
            );
            steps.extend(deploy_sequence(
                ctx,
                env,
                Vec::new(),
                plan_saved(env),
                true,
                false,
            ));
            let promote_job = environment_job(
                ctx,
                format!("Promote {} to {}", source.name, env.name),
                env,
                Some(Cond::Eq("inputs.environment", env.name.clone())),
                (
                    minutes(super::budget::job_budget(
                        env,
                        Job::Promote {
                            images: super::budget::copied_images(env),
                        },
                    )),
                    Lock::Job,
                ),
                true,
                steps,
            );
            let release_job = release_to_promote(ctx, &source.name, env);
            Some([
                (release_id.clone(), release_job),
                (id, needs(promote_job, release_id)),
            ])
        });
    let jobs = jobs.flatten();
    workflow(
        ctx,
        "tofugen promote",
        Some(dispatch_run_name("tofugen promote to ")),
        dispatch(
            &targets,
            "Environment to promote into",
            "Release to promote (application commit SHA); empty = the release the source environment runs now (its newest recorded deployment)",
            vec![allow_data_loss_input()],
        ),
        None,
        jobs,
    )
}

fn rollback(ctx: &Ctx) -> String {
    let r = ctx.resolved;
    let envs: Vec<&ResolvedEnvironment> = r.environments.iter().collect();
    let ids = job_ids("rollback", envs.iter().map(|e| e.name.as_str()));
    let dispatch_ids = job_ids("dispatched", envs.iter().map(|e| e.name.as_str()));
    // Built one at a time as the workflow is printed (see `workflow`): for each environment, the
    // job that notes the deployment in force at dispatch, then the one that rolls back.
    let jobs = envs.iter().zip(ids).zip(dispatch_ids).flat_map(|((env, id), dispatch_id)| {
        let mut steps = vec![
            checkout(),
            setup_tofu(ctx),
            tofu_step(format!("tofu init ({})", env.name), env, None, vec![], INIT).build(),
            tofu_step(
                "Read the deployed release".into(),
                env,
                None,
                vec![],
                CURRENT_RELEASE,
            )
            .build(),
            find_release(
                ctx,
                &env.name,
                "previous",
                "inputs.release_sha",
                Picked::AtDispatch,
            ),
            step("Keep the deployed image of services the release lacks")
                .entry("env", env_map(vec![("SERVICES", services_json(env))]))
                .entry("run", Yaml::Script(KEEP_DEPLOYED))
                .build(),
            check_release(env),
        ];
        // Recorded like every apply: the history is what was deployed, and a recording of the
        // rollback workflow undoes the deployment it replaced (FIND_RELEASE).
        let plan = tofu_step(
            format!("Plan the release for {}", env.name),
            env,
            None,
            vec![
                ("CONTAINERS", containers_json(env)),
                ("APPLY_OTHER_CHANGES", Yaml::Expr("inputs.apply_other_changes")),
            ],
            PLAN_RELEASE,
        )
        .comment_on(
            "run",
            "A rollback changes the release's containers only, unless `apply_other_changes` is set: the plan's other changes are refused.",
        )
        .build();
        steps.extend(
            deploy_sequence(ctx, env, Vec::new(), plan, false, true)
                .into_iter()
                // The sequence starts with checkout, set-up and init: done above already.
                .skip(3),
        );
        // The alert rules do not depend on the release: pushed with the other changes only (an
        // alert-only fix reaches an environment that promotes this way, apply-a-fix; sweep 58b,
        // #1: no route but a promotion of new code pushed production's rules).
        steps.push(
            push_rules(ctx, env)
                .entry(
                    "if",
                    Yaml::Cond(Cond::Raw("success() && inputs.apply_other_changes")),
                )
                .build(),
        );
        let job = environment_job(
            ctx,
            format!("Roll back {}", env.name),
            env,
            Some(Cond::Eq("inputs.environment", env.name.clone())),
            (
                minutes(super::budget::job_budget(env, Job::Rollback)),
                Lock::Job,
            ),
            true,
            steps,
        );
        [
            (dispatch_id.clone(), release_at_dispatch(ctx, env)),
            (id, needs(job, dispatch_id)),
        ]
    });
    workflow(
        ctx,
        "tofugen rollback",
        Some(dispatch_run_name("tofugen rollback of ")),
        dispatch(
            &envs,
            "Environment to roll back",
            "Release to redeploy (application commit SHA); empty = the release deployed before the current one",
            vec![
                (
                    "apply_other_changes",
                    Yaml::map([
                        (
                            "description",
                            Yaml::str(
                                "Also apply the changes besides the release that the plan lists (refused otherwise); review them in a refused run's log first",
                            ),
                        ),
                        ("type", Yaml::str("boolean")),
                        ("required", Yaml::Bool(false)),
                        ("default", Yaml::Bool(false)),
                    ]),
                ),
                allow_data_loss_input(),
            ],
        ),
        None,
        jobs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_github_safe_and_unique() {
        assert_eq!(job_id("build", "api"), "build-api");
        assert_eq!(job_id("deploy", "eu.west 1"), "deploy-eu-west-1");
        assert_eq!(
            job_ids("build", ["a.b", "a-b", "c"]),
            ["build-a-b", "build-a-b-2", "build-c"]
        );
        // A suffixed id is never another name's own id (sweep 36: two jobs `build-a-b-2`).
        assert_eq!(
            job_ids("build", ["a-b", "a.b", "a-b-2"]),
            ["build-a-b", "build-a-b-3", "build-a-b-2"]
        );
        assert_eq!(
            job_ids("build", ["x", "x", "x-2", "x.2", "x_2", "x-3"]),
            [
                "build-x",
                "build-x-4",
                "build-x-2",
                "build-x-2-2",
                "build-x_2",
                "build-x-3"
            ]
        );
        // Unique for every list of names made of a few confusable pieces.
        let pieces = ["a", "-", ".", "2", "3"];
        let mut names = Vec::new();
        for i in 0..pieces.len().pow(4) {
            let mut n = String::new();
            let mut k = i;
            for _ in 0..4 {
                n.push_str(pieces[k % pieces.len()]);
                k /= pieces.len();
            }
            names.push(n);
        }
        let ids = job_ids("build", names.iter().map(String::as_str));
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
    }

    #[test]
    fn every_pin_is_a_full_commit_sha() {
        for (name, value) in PINS {
            let sha = value.split('@').nth(1).unwrap().split(' ').next().unwrap();
            assert_eq!(sha.len(), 40, "{name}");
            assert!(sha.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
        }
    }
}
