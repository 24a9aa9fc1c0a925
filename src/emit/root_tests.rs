//! Emits `generated/<env>/tests/workflows.tftest.hcl`: a `tofu test` suite that replays, with
//! mocked providers, what the generated workflows do to the environment's root, in order:
//!
//! 1. the first deploy of an empty project (the release of the head of the promotion chain, or
//!    a promoted release): one full apply from an empty state, as the workflow does it (the
//!    registry namespace and the operator secrets come from the bootstrap root, so no targeted
//!    apply precedes it);
//! 2. a second deploy (or promotion) with new tags and digests;
//! 3. a rollback to the previous release;
//!
//! and the failures that must stop a deploy: a container that is not `ready` after the apply, a
//! tag whose registry digest is not the recorded one, a release missing a service, and (with
//! operator secrets) an operator secret without a value.
//!
//! Mocked providers recompute every computed value on each plan, so these tests prove what the
//! root passes where, and which conditions stop a run; what Scaleway itself does is not proven
//! here (see README.md, "What CI proves").
//!
//! Also `generated/bootstrap/tests/plan.tftest.hcl` ([`emit_bootstrap`]): the bootstrap's first
//! plan, from an empty state, with the *real* Scaleway provider. A mocked provider invents a
//! value for every computed attribute already during the plan (OpenTofu's mocks do), so a
//! `count` or `for_each` that depends on an ID only the apply creates passes under a mock and
//! fails the real `tofu plan` ("Invalid count argument"). The bootstrap's plan reads nothing from
//! Scaleway (the root has no data source), so the real provider plans it offline, without
//! credentials.

use super::GeneratedFile;
use super::hcl::{Block, Body, Expr, File};
use super::roots::{has_backup_jobs, operator_secrets};
use crate::resolve::{Resolved, ResolvedEnvironment};

/// The mocked project and backup project ids.
const PROJECT_ID: &str = "11111111-1111-4111-8111-111111111111";
const BACKUP_PROJECT_ID: &str = "22222222-2222-4222-8222-222222222222";

/// A mocked release: every service gets its own tag and digest, made of the release's hex
/// digit and a hash of the service's name (so a service wired to another's tag shows, and
/// adding, removing or renaming a service changes no other service's values).
#[derive(Debug, Clone, Copy)]
struct Release(char);

impl Release {
    fn tag(self, service: &str) -> String {
        let mut t: String = std::iter::repeat_n(self.0, 24).collect();
        t.push_str(&format!("{:016x}", name_hash(service)));
        t
    }

    fn digest(self, service: &str) -> String {
        let mut d: String = std::iter::repeat_n(self.0, 48).collect();
        d.push_str(&format!("{:016x}", name_hash(service)));
        format!("sha256:{d}")
    }
}

/// FNV-1a (64 bits) of a service name: stable across runs and platforms, and cheap enough to
/// compute for every value of every service.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A regional UUID of the mock whose last digit group is `n`.
fn regional_id(region: &str, n: u32) -> String {
    format!("{region}/00000000-0000-4000-8000-{n:012}")
}

/// An `assert` block: `condition` (an HCL expression, written as it is) and its error message.
fn assert_block(condition: impl Into<String>, message: impl Into<String>) -> Block {
    let mut body = Body::new();
    body.attr("condition", Expr::raw(condition.into()))
        .attr("error_message", Expr::str(message.into()));
    Block::plain("assert").with_body(body)
}

/// The bootstrap root's test: the plan of its first apply (README.md, section 1), from an
/// empty state, with the real provider (see the module documentation): every ID the apply
/// creates is unknown, as in the real first plan.
pub fn emit_bootstrap(resolved: &Resolved) -> GeneratedFile {
    let header = super::header("#", &resolved.config_path);
    let mut file = File::new(&header);
    file.comment(
        "The first plan of this root, from an empty state (tofu test in this directory, after\n\
         tofu init): README.md's `tofu plan -out bootstrap.tfplan` before anything exists. The\n\
         Scaleway provider is the real one, not a mock: a mock invents every computed value during\n\
         the plan, so under a mock a count or for_each depending on an ID that only the apply\n\
         creates (a new project's) would pass, and the real plan fail. This root reads nothing\n\
         from Scaleway while planning, so the test runs offline, without credentials, and creates\n\
         nothing.",
    );
    let mut vars = Body::new();
    vars.attr("organization_id", Expr::str(PROJECT_ID)).attr(
        "state_passphrase",
        Expr::str("not-a-secret-test-passphrase"),
    );
    file.block(Block::plain("variables").with_body(vars))
        .blank();
    let mut run = Body::new();
    run.attr("command", Expr::raw("plan"));
    for env in &resolved.environments {
        let id = super::bootstrap::env_ident(&env.name);
        let (condition, message) = if has_backup_jobs(env) {
            (
                format!(
                    "toset(keys(module.iam_{id}.backup_secret_ids)) == toset([\"access_key\", \"secret_key\"])"
                ),
                format!(
                    "{}: the first plan creates the backup key's two secrets in the backup project it creates",
                    env.name
                ),
            )
        } else {
            (
                format!("length(module.iam_{id}.backup_secret_ids) == 0"),
                format!(
                    "{}: without weekly/monthly backups, no backup key",
                    env.name
                ),
            )
        };
        run.blank().block(assert_block(condition, message));
    }
    file.block(Block::new("run", ["first_plan_from_an_empty_organization"]).with_body(run));
    (
        format!("{}/tests/plan.tftest.hcl", super::bootstrap::BOOTSTRAP_DIR),
        file.finish(),
    )
}

/// The tests of `env`'s root.
pub fn emit_environment(resolved: &Resolved, env: &ResolvedEnvironment) -> GeneratedFile {
    let header = super::header("#", &resolved.config_path);
    (
        format!(
            "{}/tests/workflows.tftest.hcl",
            super::roots::root_dir(&env.name)
        ),
        {
            let mut file = File::new(&header);
            suite(resolved, env, &mut file);
            file.finish()
        },
    )
}

/// `mock_resource`/`mock_data` defaults: real-looking regional IDs where the provider
/// validates them, and the values the root's conditions read.
fn mocks(env: &ResolvedEnvironment, alias: Option<&str>) -> Block {
    let r = &env.region;
    let mut b = Body::new();
    if let Some(alias) = alias {
        b.attr("alias", Expr::str(alias)).blank();
    }
    let resources = [
        "scaleway_vpc",
        "scaleway_vpc_private_network",
        "scaleway_container_namespace",
        "scaleway_container",
        "scaleway_secret",
        "scaleway_rdb_instance",
        "scaleway_rdb_database",
        "scaleway_rdb_user",
        "scaleway_rdb_privilege",
        "scaleway_rdb_read_replica",
        "scaleway_job_definition",
        "scaleway_cockpit_alert_manager",
        "scaleway_cockpit_token",
        "scaleway_cockpit_source",
    ];
    for (i, ty) in resources.iter().enumerate() {
        let mut defaults = vec![("id".to_string(), Expr::str(regional_id(r, i as u32 + 1)))];
        if *ty == "scaleway_rdb_instance" {
            // The endpoint the services build the database URL from.
            defaults.push((
                "private_network".to_string(),
                Expr::InlineObject(vec![
                    (
                        "hostname".to_string(),
                        Expr::str("database.private.internal"),
                    ),
                    ("ip".to_string(), Expr::str("10.0.0.4")),
                    ("port".to_string(), Expr::Int(5432)),
                ]),
            ));
        }
        let mut body = Body::new();
        body.attr("defaults", Expr::Object(defaults));
        b.block(Block::new("mock_resource", [*ty]).with_body(body));
    }
    // Secret versions: numeric revisions (the database user's password version reads one).
    let mut sv = Body::new();
    sv.attr(
        "defaults",
        Expr::Object(vec![
            ("id".to_string(), Expr::str(regional_id(r, 90))),
            ("revision".to_string(), Expr::str("1")),
        ]),
    );
    b.block(Block::new("mock_resource", ["scaleway_secret_version"]).with_body(sv));
    let data: Vec<(&str, Vec<(String, Expr)>)> = vec![
        (
            "scaleway_registry_namespace",
            vec![
                ("id".to_string(), Expr::str(regional_id(r, 100))),
                (
                    "endpoint".to_string(),
                    Expr::str(format!("rg.{r}.scw.cloud/{}", env.registry_namespace)),
                ),
            ],
        ),
        (
            "scaleway_secret",
            vec![
                ("id".to_string(), Expr::str(regional_id(r, 101))),
                ("version_count".to_string(), Expr::Int(1)),
            ],
        ),
        (
            "scaleway_secret_version",
            vec![
                // base64 of "mock-secret-value", decoded by the services.
                ("data".to_string(), Expr::str("bW9jay1zZWNyZXQtdmFsdWU=")),
            ],
        ),
        (
            "scaleway_registry_image",
            vec![("id".to_string(), Expr::str(regional_id(r, 102)))],
        ),
        (
            "scaleway_cockpit_preconfigured_alert",
            vec![("alerts".to_string(), Expr::List(Vec::new()))],
        ),
    ];
    for (ty, defaults) in data {
        let mut body = Body::new();
        body.attr("defaults", Expr::Object(defaults));
        b.block(Block::new("mock_data", [ty]).with_body(body));
    }
    Block::new("mock_provider", ["scaleway"]).with_body(b)
}

/// The `release` variable: every service at `(tag, digest)`.
fn release_value(env: &ResolvedEnvironment, r: Release) -> Expr {
    Expr::Object(
        env.services
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    Expr::InlineObject(vec![
                        ("tag".to_string(), Expr::str(r.tag(&s.name))),
                        ("digest".to_string(), Expr::str(r.digest(&s.name))),
                    ]),
                )
            })
            .collect(),
    )
}

/// The image reference service `s` of `env` runs for release `r`.
fn image_ref(env: &ResolvedEnvironment, s: &crate::resolve::ResolvedService, r: Release) -> String {
    format!(
        "rg.{}.scw.cloud/{}/{}:{}",
        env.region,
        env.registry_namespace,
        s.image,
        r.tag(&s.name)
    )
}

/// The registry (tag digest) and the read-back container of every service as Scaleway would
/// report them after deploying release `r`; `broken` names a service that ends in `error`.
fn overrides(env: &ResolvedEnvironment, r: Release, broken: Option<&str>) -> Vec<Block> {
    let mut out = Vec::new();
    for s in &env.services {
        let mut tag = Body::new();
        tag.attr(
            "target",
            Expr::raw(format!("data.scaleway_registry_image_tag.{}", s.name)),
        )
        .attr(
            "values",
            Expr::Object(vec![("digest".to_string(), Expr::str(r.digest(&s.name)))]),
        );
        out.push(Block::plain("override_data").with_body(tag));
        let mut status = vec![
            (
                "status".to_string(),
                Expr::str(if broken == Some(s.name.as_str()) {
                    "error"
                } else {
                    "ready"
                }),
            ),
            ("image".to_string(), Expr::str(image_ref(env, s, r))),
        ];
        if broken == Some(s.name.as_str()) {
            status.push((
                "error_message".to_string(),
                Expr::str("startup probe failed"),
            ));
        }
        let mut container = Body::new();
        container
            .attr(
                "target",
                Expr::raw(format!("data.scaleway_container.{}", s.name)),
            )
            .attr("values", Expr::Object(status));
        out.push(Block::plain("override_data").with_body(container));
    }
    out
}

/// A `run` that applies release `r` and checks that every service runs it.
fn deploy_run(name: &str, comment: &str, env: &ResolvedEnvironment, r: Release) -> Body {
    let mut run = Body::new();
    let mut vars = Body::new();
    vars.attr("release", release_value(env, r));
    run.block(Block::plain("variables").with_body(vars));
    for o in overrides(env, r, None) {
        run.blank().block(o);
    }
    let recorded = assert_block(
        "jsonencode(output.release) == jsonencode(var.release)",
        "the release output (the next deploy's rollback target) must be this release",
    );
    // What the root configures from var.release: each service gets its own tag.
    for s in &env.services {
        run.blank().block(assert_block(
            format!(
                "module.{}.image == {}",
                super::roots::service_module(&s.name),
                super::hcl::quote(&image_ref(env, s, r))
            ),
            format!("service {} must be given its image of this release", s.name),
        ));
    }
    run.blank().block(recorded);
    let mut b = Body::new();
    b.comment(comment)
        .block(Block::new("run", [name]).with_body(run))
        .blank();
    b
}

/// Prints the suite into `b` as it is built: each run block is rendered, then dropped.
fn suite(resolved: &Resolved, env: &ResolvedEnvironment, b: &mut File) {
    let _ = resolved;
    let promoted = env.promote_from.as_deref();
    b.comment(&format!(
        "Replays, with mocked providers, what the workflows do to this root (tofu test in this\n\
         directory, after tofu init -backend=false). {}",
        match promoted {
            Some(from) => format!(
                "{} receives releases by promotion from {from}: the\n\
                 promote workflow copies the images by digest, then applies the release here.",
                env.name
            ),
            None => format!(
                "{} is deployed by the deploy workflow: it builds the\n\
                 images, pushes them, then applies the release here.",
                env.name
            ),
        }
    ));
    b.block(mocks(env, None)).blank();
    if has_backup_jobs(env) {
        b.block(mocks(env, Some("backup"))).blank();
    }
    b.block(Block::new("mock_provider", ["random"])).blank();
    let mut vars = Body::new();
    vars.attr("project_id", Expr::str(PROJECT_ID));
    if has_backup_jobs(env) {
        vars.attr("backup_project_id", Expr::str(BACKUP_PROJECT_ID));
    }
    vars.attr(
        "state_passphrase",
        Expr::str("not-a-secret-test-passphrase"),
    );
    b.block(Block::plain("variables").with_body(vars)).blank();

    let first = Release('a');
    let second = Release('b');
    let third = Release('c');
    let verb = if promoted.is_some() {
        "promotion"
    } else {
        "deploy"
    };
    b.extend(deploy_run(
        &format!("first_{verb}_to_an_empty_project"),
        "The first release: one full apply from an empty state (no targeted apply first: the\n\
             registry namespace and the operator secrets come from the bootstrap root).",
        env,
        first,
    ));
    b.extend(deploy_run(
        &format!("second_{verb}_with_new_digests"),
        "The next release: new tags and digests reach every service.",
        env,
        second,
    ));
    b.extend(deploy_run(
        "rollback_to_the_previous_release",
        "Rollback: the workflow applies the release recorded before the current one.",
        env,
        first,
    ));

    if let Some(broken) = env.services.first() {
        let mut run = Body::new();
        let mut vars = Body::new();
        vars.attr("release", release_value(env, third));
        run.block(Block::plain("variables").with_body(vars));
        for o in overrides(env, third, Some(&broken.name)) {
            run.blank().block(o);
        }
        run.blank().attr(
            "expect_failures",
            Expr::List(vec![Expr::raw(format!(
                "data.scaleway_container.{}",
                broken.name
            ))]),
        );
        b.comment(&format!(
            "A failed rollout: {} ends in `error` after the apply. The provider only warns; the\n\
             root must fail the apply, so the workflow rolls back and records nothing.",
            broken.name
        ))
        .block(Block::new("run", ["a_container_not_ready_fails_the_apply"]).with_body(run))
        .blank();

        let mut run = Body::new();
        run.attr("command", Expr::raw("plan")).blank();
        let mut vars = Body::new();
        vars.attr("release", release_value(env, first));
        run.block(Block::plain("variables").with_body(vars));
        for other in env.services.iter().filter(|s| s.name != broken.name) {
            let mut ok = Body::new();
            ok.attr(
                "target",
                Expr::raw(format!("data.scaleway_registry_image_tag.{}", other.name)),
            )
            .attr(
                "values",
                Expr::Object(vec![(
                    "digest".to_string(),
                    Expr::str(first.digest(&other.name)),
                )]),
            );
            run.blank()
                .block(Block::plain("override_data").with_body(ok));
        }
        let mut tag = Body::new();
        tag.attr(
            "target",
            Expr::raw(format!("data.scaleway_registry_image_tag.{}", broken.name)),
        )
        .attr(
            "values",
            Expr::Object(vec![(
                "digest".to_string(),
                Expr::str(third.digest(&broken.name)),
            )]),
        );
        run.blank()
            .block(Block::plain("override_data").with_body(tag))
            .blank()
            .attr(
                "expect_failures",
                Expr::List(vec![Expr::raw(format!(
                    "data.scaleway_registry_image_tag.{}",
                    broken.name
                ))]),
            );
        b.comment(
            "A tag pushed again after its release was recorded: the registry's digest is not the\n\
             release's, and the plan stops instead of deploying untested bytes.",
        )
        .block(Block::new("run", ["a_re_pushed_tag_fails_the_plan"]).with_body(run))
        .blank();

        let mut run = Body::new();
        run.attr("command", Expr::raw("plan")).blank();
        let mut vars = Body::new();
        let partial: Vec<(String, Expr)> = match release_value(env, first) {
            Expr::Object(mut entries) => {
                entries.retain(|(k, _)| k != &broken.name);
                entries
            }
            _ => Vec::new(),
        };
        vars.attr("release", Expr::Object(partial));
        run.block(Block::plain("variables").with_body(vars))
            .blank()
            .attr(
                "expect_failures",
                Expr::List(vec![Expr::raw("var.release")]),
            );
        b.comment(&format!(
            "A release that does not name every service (here without {}) is refused.",
            broken.name
        ))
        .block(Block::new("run", ["a_release_missing_a_service_is_refused"]).with_body(run))
        .blank();
    }

    if let Some(secret) = operator_secrets(env).first() {
        let mut run = Body::new();
        run.attr("command", Expr::raw("plan")).blank();
        let mut vars = Body::new();
        vars.attr("release", release_value(env, first));
        run.block(Block::plain("variables").with_body(vars));
        for o in overrides(env, first, None) {
            run.blank().block(o);
        }
        let mut empty = Body::new();
        empty
            .attr(
                "target",
                Expr::raw(format!("data.scaleway_secret.{}", secret.name)),
            )
            .attr(
                "values",
                Expr::Object(vec![
                    ("id".to_string(), Expr::str(regional_id(&env.region, 101))),
                    ("version_count".to_string(), Expr::Int(0)),
                ]),
            );
        run.blank()
            .block(Block::plain("override_data").with_body(empty))
            .blank()
            .attr(
                "expect_failures",
                Expr::List(vec![Expr::raw(format!(
                    "data.scaleway_secret.{}",
                    secret.name
                ))]),
            );
        b.comment(&format!(
            "The first deploy before an operator stored the secrets' values (here {}): the plan\n\
             stops, with one error per empty secret naming it and the command that fills it.",
            secret.name
        ))
        .block(
            Block::new("run", ["an_operator_secret_without_a_value_stops_the_plan"]).with_body(run),
        )
        .blank();
    }
}
