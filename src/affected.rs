//! `tofugen affected BASE`: which environments a pull request changes, for the plan matrix.
//!
//! Both configurations are compiled with [`crate::pipeline::compile`] under the same file name
//! (so headers do not differ), without emitting; the files of an environment present in both are
//! emitted for that environment only ([`crate::emit::environment`]), compared and dropped, so
//! memory holds one environment's files at a time. An environment of the head configuration is
//! affected when:
//! - it is new, or the base configuration is missing or invalid;
//! - its effective view ([`crate::report::effective_view`]) differs;
//! - any file generated under `generated/<env>/` differs;
//! - a changed path of the pull request lies under `generated/<env>/` (generator changes) or
//!   under a module directory: the vendored library `generated/modules/`, the configured
//!   `modules.path`, or `modules/` (every environment uses the modules; a tofugen upgrade
//!   changes the vendored library while both configurations emit the same roots).
//!
//! The output is one JSON line: the affected environments in file order, each with what the plan
//! job needs (`name`, `github_environment`, `plan_environment`, `root`, `region`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::diagnostics::Span;
use crate::emit::bootstrap::plan_environment;
use crate::emit::workflows::root_dir;
use crate::pipeline::Compilation;
use crate::report::effective_view;
use crate::resolve::{Resolved, ResolvedEnvironment};

/// One affected environment, as the plan matrix receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedEnvironment {
    /// Environment name.
    pub name: String,
    /// GitHub environment with the deploy credentials.
    pub github_environment: String,
    /// GitHub environment with the read-only plan credentials.
    pub plan_environment: String,
    /// Generated root directory.
    pub root: String,
    /// Scaleway region.
    pub region: String,
    /// Why it is affected (for people; not part of the JSON).
    #[serde(skip)]
    pub reasons: Vec<String>,
}

/// Whether the changed path `path` is the directory `dir` or under it: the directory itself
/// is listed when it became a file or a symlink (sweep 28, F2: `modules` replaced by a symlink
/// to another directory matched no `modules/` prefix).
fn is_under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The resolved configurations of a valid `base` and of `head`, when both are: what
/// [`removed`] and [`unsafe_changes`] compare.
fn both_resolved<'a>(
    base: Option<&'a Compilation>,
    head: &'a Compilation,
) -> Option<(&'a Resolved, &'a Resolved)> {
    let base = base
        .filter(|b| !b.has_errors())
        .and_then(|b| b.resolved.as_ref())?;
    Some((base, head.resolved.as_ref()?))
}

/// The environments of a valid `base` that `head` no longer has, in the base's order: no
/// plan can show what removing one does (its root is gone), and its resources stay (runbook
/// `environment-retire`).
pub fn removed(base: Option<&Compilation>, head: &Compilation) -> Vec<String> {
    let Some((base, head)) = both_resolved(base, head) else {
        return Vec::new();
    };
    base.environments
        .iter()
        .filter(|e| head.environment(&e.name).is_none())
        .map(|e| e.name.clone())
        .collect()
}

/// Changes from a valid `base` to `head` that no plan shows as a danger, one sentence each, in
/// the head's order (sweep 34, F4 and F5):
/// - an environment whose state moves (another bucket or key): its next plan starts from an
///   empty state, creates everything again beside what exists (a new, empty database the
///   services are pointed at), and deletes nothing, so the data guard lets it through;
/// - an environment that leaves the production tier: its secrets lose their protection
///   (`protected`) in an update, and the production rules stop applying, which no deletion shows;
/// - services an environment no longer deploys (removed or renamed): their containers are
///   deleted with their URLs, which the data guard lets through (containers hold no data);
/// - another application repository (`ci.app_repository`): the deploys build their images from
///   it, and those images run with every environment's secrets, while no root changes and no
///   plan runs (sweep 39, #3: a one-letter change passed unseen);
/// - a database volume made smaller: the plan shows an update in place, and the apply fails
///   part-way (sweep 41, #4);
/// - an environment in another region: its state backend is the region's endpoint, where its
///   state is not, so it moves as above; and the bootstrap root replaces its regional
///   resources (sweep 46, #1: no command said anything);
/// - another `ci.runner` that GitHub does not host: every job moves to it, those holding the
///   environments' secrets and those a fork's pull request starts;
/// - another expiry of an environment's API keys (`api_keys.expire_on`): only the bootstrap
///   root changes, which CI never applies, so the keys keep their old day until a person
///   applies it (review of stop 60: "a later day" merged reads as done).
///
/// Each with where it points in `head`: the `ci` key, or the environment's key (review of
/// stop 61: the warnings named no line, so GitHub could not attach them to one).
pub fn unsafe_changes(
    base: Option<&Compilation>,
    head_compilation: &Compilation,
) -> Vec<(String, Option<Span>)> {
    let Some((base, head)) = both_resolved(base, head_compilation) else {
        return Vec::new();
    };
    let key_span = |name: &str| {
        head_compilation
            .tree
            .as_ref()
            .and_then(|t| t.entry(name))
            .map(|(k, _)| k.span)
    };
    // The place of each warning pushed so far ([`Vec::resize`] as each part ends).
    let mut spans: Vec<Option<Span>> = Vec::new();
    let mut place = key_span("ci");
    let mut out = Vec::new();
    // Every job runs on `ci.runner`: those holding the environments' secrets (plans, applies,
    // promotions) and those a fork's pull request starts (sweep 55b, #4: a change to
    // `self-hosted` passed unseen; GitHub: self-hosted runners "can be persistently
    // compromised by untrusted code in a workflow").
    if base.ci.runner != head.ci.runner && !github_hosted(&head.ci.runner) {
        out.push(format!(
            "every job now runs on `{}` instead of `{}`: the deploy, promote and rollback jobs (with the environments' secrets) and the pull request jobs (a fork's included) share those runners; on self-hosted runners, require approval for workflows from forks and keep those runners for this repository",
            head.ci.runner, base.ci.runner
        ));
    }
    if base.ci.app_repository != head.ci.app_repository {
        let name = |r: &Option<String>| {
            r.as_deref()
                .map_or_else(|| "this repository".to_string(), |r| format!("`{r}`"))
        };
        out.push(format!(
            "the images are now built from {} instead of {}: its code runs in every environment, with the environments' secrets, and no plan shows it; check the repository's name and owner",
            name(&head.ci.app_repository),
            name(&base.ci.app_repository)
        ));
    }
    for env in &head.environments {
        spans.resize(out.len(), place);
        place = env.origins.environment_key;
        let Some(before) = base.environment(&env.name) else {
            // A new environment that promotes from another needs that source's key as well.
            if let Some(from) = &env.promote_from {
                out.push(source_key_warning(env, from, None));
            }
            continue;
        };
        if before.state.bucket != env.state.bucket || before.state.key != env.state.key {
            out.push(format!(
                "environment `{}` moves its state from `{}/{}` to `{}/{}`: its next plan starts from an empty state and creates every resource again beside those that exist (a new, empty database among them), which the data guard does not refuse; move the state object first (tofu init -migrate-state), or revert the change",
                env.name, before.state.bucket, before.state.key, env.state.bucket, env.state.key
            ));
        }
        // The backend's endpoint is the region's (`s3.<region>.scw.cloud`); `region` is ForceNew
        // on every regional resource of provider v2.81.0 (internal/locality/regional/
        // schemas.go): the bootstrap root's bucket, registry namespace and secrets are
        // replaced, and Scaleway moves nothing between regions.
        if before.region != env.region {
            out.push(format!(
                "environment `{}` moves from region `{}` to `{}`: its state backend moves with it (bucket `{}` at s3.{}.scw.cloud, where its state is not), so its next plan starts from an empty state and creates every resource again in the new region beside those that exist (a new, empty database among them); and the bootstrap root replaces its state bucket, registry namespace (with its images) and secrets (with their versions), as `region` forces a new resource; to move, create an environment in the new region and retire this one (tofugen runbook environment-retire), or revert the change",
                env.name, before.region, env.region, env.state.bucket, env.region
            ));
        }
        // A promotion logs in to its source's registry with `SOURCE_SCW_SECRET_KEY`, a secret
        // of the target's GitHub environment that no generated file holds: another source
        // needs that source's registry reader key there (sweep 46, #6: inserting `preprod`
        // changed one row of the bootstrap README).
        if let Some(from) = &env.promote_from
            && before.promote_from.as_ref() != Some(from)
        {
            out.push(source_key_warning(
                env,
                from,
                before.promote_from.as_deref(),
            ));
        }
        if before.api_keys_expire_on != env.api_keys_expire_on {
            let day = |d: &Option<String>| {
                d.as_deref()
                    .map_or_else(|| "never".to_string(), |d| format!("on `{d}`"))
            };
            out.push(format!(
                "environment `{}` changes when its API keys expire (from {} to {}): only generated/bootstrap changes, which CI never applies, so the keys keep their old expiry until a person applies it; then every key of the environment is replaced (unless each was moved first with `scw iam api-key update`), and its GitHub secrets must be updated (generated/bootstrap/README.md)",
                env.name,
                day(&before.api_keys_expire_on),
                day(&env.api_keys_expire_on)
            ));
        }
        if before.is_production() && !env.is_production() {
            out.push(format!(
                "environment `{}` leaves the production tier: its secrets (the database password's among them) lose their protection from deletion, and the production rules (instances, HA, backups) no longer apply to it; check that this is intended",
                env.name
            ));
        }
        // A container's `name` is ForceNew (provider v2.81.0, internal/services/container/
        // container.go): a service removed, or renamed, is a container deleted, and its URL
        // with it; the data guard does not cover containers, which hold no data (sweep 37).
        let gone: Vec<&str> = before
            .services
            .iter()
            .map(|s| s.name.as_str())
            .filter(|name| env.service(name).is_none())
            .collect();
        // Provider v2.81.0 refuses a smaller block volume in the instance's Update, at apply
        // time ("volume_size_in_gb cannot be decreased", internal/services/rdb/instance.go),
        // after a plan that showed an update in place; local volumes (lssd) have no size of
        // their own.
        if let (Some(was), Some(now)) = (&before.database, &env.database)
            && was.volume_type != crate::model::VolumeType::Lssd
            && now.volume_type != crate::model::VolumeType::Lssd
            && now.volume_size < was.volume_size
        {
            out.push(format!(
                "environment `{}` makes its database volume smaller, from {} to {}: the plan shows an update, and the apply fails part-way (the Scaleway provider refuses to decrease `volume_size_in_gb`); a volume can only grow: keep {}, or move the data to a new instance",
                env.name, was.volume_size, now.volume_size, was.volume_size
            ));
        }
        if !gone.is_empty() {
            out.push(format!(
                "environment `{}` no longer deploys {}: the next apply deletes {} and {} URL (a renamed service is a new container, at a new URL); check that no caller still uses {}",
                env.name,
                gone.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                if gone.len() == 1 { "its container" } else { "their containers" },
                if gone.len() == 1 { "its" } else { "their" },
                if gone.len() == 1 { "it" } else { "them" },
            ));
        }
    }
    spans.resize(out.len(), place);
    out.into_iter().zip(spans).collect()
}

/// Whether `label` names a runner GitHub hosts (its images are `ubuntu-*`, `windows-*` and
/// `macos-*`, GitHub Docs, "GitHub-hosted runners"): no one else's code ran there before.
fn github_hosted(label: &str) -> bool {
    ["ubuntu-", "windows-", "macos-"]
        .iter()
        .any(|p| label.starts_with(p))
}

/// The warning of an environment that promotes from `from` (new, or from `was` before): its
/// GitHub environment's `SOURCE_SCW_SECRET_KEY` must be `from`'s registry reader key.
fn source_key_warning(
    env: &crate::resolve::ResolvedEnvironment,
    from: &str,
    was: Option<&str>,
) -> String {
    let (what, instead) = match was {
        Some(b) => ("now promotes", format!(" instead of `{b}`")),
        None => ("promotes", String::new()),
    };
    format!(
        "environment `{}` {what} from `{from}`{instead}: set its GitHub environment `{}`'s secret SOURCE_SCW_SECRET_KEY to `{from}`'s registry reader key (`tofu output -raw {}_registry_reader_secret_key` in generated/bootstrap, after its apply), or its next promotion cannot pull the images",
        env.name,
        env.github_environment,
        crate::emit::bootstrap::env_ident(from),
    )
}

/// The affected environments of `head`, in file order. `base` is `None` when the base
/// configuration could not be read. `changed_paths` are the paths the pull request changes, relative to
/// the repository root.
pub fn affected(
    base: Option<&Compilation>,
    head: &Compilation,
    changed_paths: &[String],
    modules_changed: bool,
    max_bytes: usize,
) -> Vec<AffectedEnvironment> {
    // Both sides' emissions together stay within half the output cap (`--max-output-mib`), so
    // that two compilations and the comparison stay bounded like one `check`: past it, the files
    // are not compared and the environment counts as affected.
    let mut budget = Some(max_bytes / 2);
    // The head compared with itself (the base file has the same bytes): the same resolution
    // emits the same files, so there is nothing to emit.
    let same = base.is_some_and(|b| std::ptr::eq(b, head));
    let Some(head_resolved) = &head.resolved else {
        return Vec::new();
    };
    let base_ok = base.filter(|b| !b.has_errors() && b.resolved.is_some());
    // Where the roots of either side find their modules: the vendored library and the
    // configured `modules.path` (tofugen's own repository sets `modules`). A team's own
    // `modules/`, which no root calls, affects nothing (sweep 46, #4: every environment, a
    // production plan among them, was planned for it).
    let module_dirs: Vec<String> = [
        head.resolved.as_ref(),
        base_ok.and_then(|b| b.resolved.as_ref()),
    ]
    .into_iter()
    .flatten()
    .filter_map(|r| r.modules_path.as_deref())
    .chain([crate::modules::VENDOR_DIR])
    .map(|d| d.trim_end_matches('/').to_string())
    .collect();
    let modules_changed = modules_changed
        || changed_paths
            .iter()
            .any(|p| module_dirs.iter().any(|d| is_under(p, d)));
    // What every environment the base has plans for, found once: the workflows plan and apply
    // every root with `versions.opentofu` and on `ci.runner`, which no root names (the roots
    // require a minimum version), so a change of either changes no file under
    // `generated/<env>` (sweep 55c, #1: an OpenTofu bump planned nothing, then the merge
    // applied staging with it; the review of sweep 55b, #4: likewise the runner).
    let mut toolchain = Vec::new();
    if let Some(base_resolved) = base_ok.and_then(|b| b.resolved.as_ref()) {
        if base_resolved.versions.opentofu != head_resolved.versions.opentofu {
            toolchain.push(format!(
                "OpenTofu changes from {} to {}: the plan runs with the version this change sets",
                base_resolved.versions.opentofu, head_resolved.versions.opentofu
            ));
        }
        if base_resolved.ci.runner != head_resolved.ci.runner {
            toolchain.push(format!(
                "the runner changes from `{}` to `{}`: the plan runs on the new one",
                base_resolved.ci.runner, head_resolved.ci.runner
            ));
        }
    }
    // The first changed path under each root's directory (`generated/<name>` or below), found
    // in one pass: looking each environment up in the paths was environments x paths (sweep 29,
    // F1: 1 000 environments and 4 MiB of paths took 2.9 s, 16 MiB 19 s).
    let mut root_changes: HashMap<&str, &str> = HashMap::new();
    for p in changed_paths {
        if let Some(rest) = p.strip_prefix("generated/") {
            let name = rest.split('/').next().unwrap_or(rest);
            root_changes.entry(name).or_insert(p.as_str());
        }
    }
    head_resolved
        .environments
        .iter()
        .filter_map(|env| {
            let mut reasons = Vec::new();
            let root = root_dir(&env.name);
            match base_ok.and_then(|b| {
                let r = b.resolved.as_ref()?;
                Some((r, r.environment(&env.name)?))
            }) {
                None if base_ok.is_none() => {
                    reasons.push("the base configuration is missing or invalid".to_string())
                }
                None => reasons.push("new environment".to_string()),
                Some((base_resolved, base_env)) => {
                    reasons.extend(toolchain.iter().cloned());
                    let (old, new) = (effective_view(base_env), effective_view(env));
                    let changed: Vec<&String> = old
                        .keys()
                        .chain(new.keys())
                        .filter(|k| old.get(*k) != new.get(*k))
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    if !changed.is_empty() {
                        let shown: Vec<&str> = changed.iter().take(5).map(|s| s.as_str()).collect();
                        let more = changed.len().saturating_sub(shown.len());
                        reasons.push(format!(
                            "effective configuration changed: {}{}",
                            shown.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        ));
                    }
                    // Already affected: listing the files that differ would only add detail.
                    let (base_files, head_files) = if reasons.is_empty() && !same {
                        (
                            emit_within(base_resolved, base_env, &mut budget),
                            emit_within(head_resolved, env, &mut budget),
                        )
                    } else {
                        (Some(Vec::new()), Some(Vec::new()))
                    };
                    match base_files.zip(head_files) {
                        Some((base_files, head_files)) => {
                            let differing = differing_files(base_files, head_files);
                            if !differing.is_empty() {
                                reasons.push(format!(
                                    "generated files differ: {}",
                                    differing.join(", ")
                                ));
                            }
                        }
                        None => reasons.push(format!(
                            "generated files not compared: the trees are over the output \
                             limit ({} MiB, `--max-output-mib`)",
                            max_bytes / (1024 * 1024)
                        )),
                    }
                }
            }
            if let Some(p) = root_changes.get(env.name.as_str()) {
                // A changed path is anyone's name: one line (sweep 28, F3).
                reasons.push(format!(
                    "the pull request changes {}",
                    crate::diagnostics::escape_for_terminal(p)
                ));
            }
            if modules_changed {
                reasons.push("modules/ changed".to_string());
            }
            (!reasons.is_empty()).then(|| AffectedEnvironment {
                name: env.name.clone(),
                github_environment: env.github_environment.clone(),
                plan_environment: plan_environment(&env.github_environment),
                root,
                region: env.region.clone(),
                reasons,
            })
        })
        .collect()
}

/// Paths that exist in only one of `base` and `head` (one environment's files each) or differ.
/// The files of `env`, emitted batch by batch while `budget` (bytes left) lasts; `None`, and
/// the budget spent for every later call, once a batch goes over it.
fn emit_within(
    resolved: &Resolved,
    env: &ResolvedEnvironment,
    budget: &mut Option<usize>,
) -> Option<Vec<(String, String)>> {
    budget.as_ref()?;
    let mut files = Vec::new();
    crate::emit::environment_parts(resolved, env, |part| {
        let size: usize = part.iter().map(|(_, c)| c.len()).sum();
        *budget = budget.and_then(|left| left.checked_sub(size));
        files.extend(part);
        budget.map(|_| ()).ok_or(())
    })
    .ok()?;
    Some(files)
}

fn differing_files(base: Vec<(String, String)>, head: Vec<(String, String)>) -> Vec<String> {
    let base: BTreeMap<String, String> = base.into_iter().collect();
    let head: BTreeMap<String, String> = head.into_iter().collect();
    let mut out: Vec<String> = base
        .keys()
        .chain(head.keys())
        .filter(|p| base.get(*p) != head.get(*p))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The JSON line the workflow reads: the affected environments, in file order.
pub fn to_json(envs: &[AffectedEnvironment]) -> String {
    serde_json::to_string(envs).unwrap_or_else(|_| "[]".to_string())
}

/// Parses a list of changed paths: one per line, blank lines ignored, as `git diff
/// --name-only` writes them (a quoted path decoded: [`unquote_git_path`]).
pub fn parse_changed_paths(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(unquote_git_path)
        .collect()
}

/// `line`, decoded when git quoted it: with `core.quotePath` (the default), `git diff
/// --name-only` writes a path holding a byte over 0x7f, a control character, `"` or `\` between
/// double quotes, with C escapes (`\t`, `\"`, `\\`, ...) and other bytes in three octal digits
/// (git's `quote.c`, `quote_c_style`): `"modules/caf\303\251.tf"` is `modules/café.tf`, and
/// undecoded it would match no directory (a changed module file planning no environment). A
/// line that is not such a quoted path is kept as it is.
pub fn unquote_git_path(line: &str) -> String {
    let Some(inner) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else {
        return line.to_string();
    };
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let octal = |j: usize| {
            bytes
                .get(j)
                .filter(|d| (b'0'..=b'7').contains(d))
                .map(|d| d - b'0')
        };
        let (byte, len) = match bytes.get(i + 1) {
            Some(b'a') => (0x07, 2),
            Some(b'b') => (0x08, 2),
            Some(b't') => (b'\t', 2),
            Some(b'n') => (b'\n', 2),
            Some(b'v') => (0x0b, 2),
            Some(b'f') => (0x0c, 2),
            Some(b'r') => (b'\r', 2),
            Some(b'"') => (b'"', 2),
            Some(b'\\') => (b'\\', 2),
            _ => match (octal(i + 1), octal(i + 2), octal(i + 3)) {
                (Some(a @ 0..=3), Some(b), Some(c)) => ((a << 6) | (b << 3) | c, 4),
                // Not git's quoting: the line as it is.
                _ => return line.to_string(),
            },
        };
        out.push(byte);
        i += len;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Compiles the base configuration `base_bytes` under `file_name` (the head's name, so the
/// generated headers match), under the head's output cap `max_output_bytes`. An empty file
/// counts as missing.
pub fn compile_base(
    file_name: &str,
    base_bytes: &[u8],
    max_output_bytes: usize,
) -> Option<Compilation> {
    if base_bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(crate::pipeline::compile_with_limit(
        file_name,
        base_bytes,
        false,
        max_output_bytes,
    ))
}
