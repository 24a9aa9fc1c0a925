//! Emits the GitHub Actions workflows under `.github/workflows/`:
//!
//! - `tofugen-pr.yml`: checks the generated tree, HCL and alert rules, computes the affected
//!   environments (`tofugen affected`) and plans them with read-only credentials;
//! - `tofugen-deploy.yml`: builds every image once, deploys the first environment, smoke-tests it
//!   and rolls back automatically;
//! - `tofugen-promote.yml`: copies a tested release by digest into an environment with
//!   `promote_from`, behind that environment's reviewers;
//! - `tofugen-rollback.yml`: redeploys the previous (or a chosen) recorded release.
//!
//! The YAML comes from minijinja templates in `templates/`, rendered from the resolved
//! configuration. Every action is pinned by commit SHA (see [`PINS`]).

use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};

use super::GeneratedFile;
use crate::model::Privacy;
use crate::resolve::{Resolved, ResolvedEnvironment};

/// Directory of the generated workflows, relative to the repository root.
pub const WORKFLOWS_DIR: &str = ".github/workflows";

/// Every action the workflows use, pinned by full commit SHA with its release as a comment
/// (from `research/github-actions-pins.md`). Template name → `uses:` value.
pub const PINS: [(&str, &str); 8] = [
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
];

/// The templates, by file name: (template name, source).
const TEMPLATES: [(&str, &str); 5] = [
    ("macros.j2", include_str!("templates/macros.j2")),
    (
        "tofugen-pr.yml",
        include_str!("templates/tofugen-pr.yml.j2"),
    ),
    (
        "tofugen-deploy.yml",
        include_str!("templates/tofugen-deploy.yml.j2"),
    ),
    (
        "tofugen-promote.yml",
        include_str!("templates/tofugen-promote.yml.j2"),
    ),
    (
        "tofugen-rollback.yml",
        include_str!("templates/tofugen-rollback.yml.j2"),
    ),
];

/// Directory of an environment's generated root, relative to the repository root.
pub fn root_dir(env: &str) -> String {
    format!("generated/{env}")
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

/// The workflow files.
pub fn emit(resolved: &Resolved, source: &str) -> Vec<GeneratedFile> {
    if resolved.environments.is_empty() {
        return Vec::new();
    }
    let env = environment(&resolved.versions.opentofu);
    let ctx = context(resolved);
    let has_promotions = resolved
        .environments
        .iter()
        .any(|e| e.promote_from.is_some());
    let header = super::header("#", source);
    TEMPLATES
        .iter()
        .filter(|(name, _)| name.ends_with(".yml"))
        // Without `promote_from`, there is nothing to promote (and no choice to offer).
        .filter(|(name, _)| has_promotions || *name != "tofugen-promote.yml")
        .map(|(name, _)| {
            let body = env
                .get_template(name)
                .and_then(|t| t.render(&ctx))
                // The templates are part of tofugen and tested: a failure here is a tofugen bug.
                .unwrap_or_else(|e| panic!("workflow template {name} failed to render: {e:#}"));
            (
                format!("{WORKFLOWS_DIR}/{name}"),
                format!("{header}{}", tidy(&body)),
            )
        })
        .collect()
}

/// Removes trailing blanks and runs of blank lines left by template tags; ends with one `\n`.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if blank > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn environment(tofu_version: &str) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            // `${{ }}` (GitHub expressions) and `${#x}` (bash) pass through untouched.
            .block_delimiters("[%", "%]")
            .variable_delimiters("[[", "]]")
            .comment_delimiters("[#", "#]")
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("valid syntax config"),
    );
    env.add_filter("shq", |s: String| shell_quote(&s));
    env.add_filter("json", |s: String| json_string(&s));
    env.add_filter("ghstr", |s: String| format!("'{}'", s.replace('\'', "''")));
    // Globals, because imported macros do not see the render context.
    env.add_global("tofu_version", tofu_version.to_string());
    for (name, pin) in PINS {
        env.add_global(format!("pin_{name}"), pin);
    }
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("workflow template {name} does not parse: {e:#}"));
    }
    env
}

/// `s` as one single-quoted shell word.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as a JSON (and so YAML flow) string.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let object: std::collections::BTreeMap<String, Value> =
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Value::from(object)
}

fn registry_host(env: &ResolvedEnvironment) -> String {
    format!("rg.{}.scw.cloud", env.region)
}

fn env_value(resolved: &Resolved, env: &ResolvedEnvironment) -> Value {
    let services: Vec<Value> = env
        .services
        .iter()
        .map(|s| {
            let dockerfile = s.dockerfile.clone().unwrap_or_else(|| {
                if s.build_context == "." {
                    "Dockerfile".to_string()
                } else {
                    format!("{}/Dockerfile", s.build_context.trim_end_matches('/'))
                }
            });
            let smoke_path = match s.privacy {
                Privacy::Public => s.health_path().map(str::to_string),
                Privacy::Private => None,
            };
            let why_no_smoke = match (s.privacy, s.health_path()) {
                (Privacy::Private, _) => "private: callers need an IAM token",
                (Privacy::Public, None) => "no HTTP health path (TCP probes only)",
                (Privacy::Public, Some(_)) => "",
            };
            map(vec![
                ("name", Value::from(s.name.clone())),
                ("build_job", Value::from(job_id("build", &s.name))),
                ("image", Value::from(s.image.clone())),
                ("context", Value::from(s.build_context.clone())),
                ("dockerfile", Value::from(dockerfile)),
                ("smoke_path", Value::from(smoke_path)),
                ("why_no_smoke", Value::from(why_no_smoke)),
            ])
        })
        .collect();
    let host = registry_host(env);
    map(vec![
        ("name", Value::from(env.name.clone())),
        (
            "github_environment",
            Value::from(env.github_environment.clone()),
        ),
        (
            "plan_environment",
            Value::from(super::bootstrap::plan_environment(&env.github_environment)),
        ),
        ("root", Value::from(root_dir(&env.name))),
        ("region", Value::from(env.region.clone())),
        ("registry_host", Value::from(host.clone())),
        (
            "registry",
            Value::from(format!("{host}/{}", env.registry_namespace)),
        ),
        (
            "rules_namespace",
            Value::from(env.prefix(&resolved.project)),
        ),
        ("promote_from", Value::from(env.promote_from.clone())),
        ("deploy_job", Value::from(job_id("deploy", &env.name))),
        ("promote_job", Value::from(job_id("promote", &env.name))),
        ("rollback_job", Value::from(job_id("rollback", &env.name))),
        (
            "service_names",
            Value::from(
                serde_json::to_string(&env.services.iter().map(|s| &s.name).collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
        ),
        ("services", Value::from(services)),
    ])
}

fn context(resolved: &Resolved) -> Value {
    let environments: Vec<Value> = resolved
        .environments
        .iter()
        .map(|e| env_value(resolved, e))
        .collect();
    let promotions: Vec<Value> = resolved
        .environments
        .iter()
        .filter_map(|target| {
            let source = resolved.environment(target.promote_from.as_deref()?)?;
            let copies: Vec<Value> = target
                .services
                .iter()
                .map(|s| {
                    let from = source.service(&s.name).map_or(&s.image, |f| &f.image);
                    map(vec![
                        ("name", Value::from(s.name.clone())),
                        ("source_image", Value::from(from.clone())),
                        ("target_image", Value::from(s.image.clone())),
                    ])
                })
                .collect();
            Some(map(vec![
                ("copies", Value::from(copies)),
                ("target", env_value(resolved, target)),
                ("source", env_value(resolved, source)),
            ]))
        })
        .collect();
    let first = &resolved.environments[0];
    // Build job id → service name, for the deploy job to collect the digests.
    let build_jobs: serde_json::Map<String, serde_json::Value> = first
        .services
        .iter()
        .map(|s| (s.name.clone(), job_id("build", &s.name).into()))
        .collect();
    map(vec![
        ("project", Value::from(resolved.project.clone())),
        ("runner", Value::from(resolved.ci.runner.clone())),
        ("branch", Value::from(resolved.ci.branch.clone())),
        (
            "app_repository",
            Value::from(resolved.ci.app_repository.clone()),
        ),
        (
            "tofu_version",
            Value::from(resolved.versions.opentofu.clone()),
        ),
        ("environments", Value::from(environments.clone())),
        ("first", environments[0].clone()),
        ("promotions", Value::from(promotions)),
        (
            "build_jobs",
            Value::from(serde_json::Value::Object(build_jobs).to_string()),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_survives_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote("/health"), "'/health'");
    }

    #[test]
    fn job_ids_are_github_safe() {
        assert_eq!(job_id("build", "api"), "build-api");
        assert_eq!(job_id("deploy", "eu.west 1"), "deploy-eu-west-1");
    }

    #[test]
    fn tidy_collapses_blank_runs_and_trailing_space() {
        assert_eq!(tidy("a  \n\n\n\nb\n\n"), "a\n\nb\n");
    }
}
