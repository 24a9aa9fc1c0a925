//! Emits one OpenTofu root per environment, `generated/<env>/`: `versions.tf` (pinned
//! providers, S3 backend on Scaleway Object Storage, state and plan encryption),
//! `providers.tf`, `variables.tf`, `main.tf` (one module call per component, plus the lookup of
//! the registry namespace the bootstrap root created) and `outputs.tf`.
//!
//! What the bootstrap root creates (project, state bucket, registry namespace, operator secrets,
//! backup project and keys) is only looked up here: CI's first apply needs nothing but the
//! release, and needs it in one full apply (no targeted step).
//!
//! Values known when generating are written as literals, so a reviewer reads the numbers in the
//! pull-request diff; only values known at apply time are references (module outputs,
//! `var.project_id`, `var.release`).

use super::GeneratedFile;
use super::hcl::{Block, Body, Expr, File, Part, Traversal};
use crate::model::{Privacy, Protocol, Sandbox, SecretSource, VolumeType};
use crate::resolve::{
    Probe, ProbeCheck, Resolved, ResolvedEnvironment, ResolvedService, ScalingSignal, TemplatePart,
    builtin,
};

/// Minimum OpenTofu version: write-only attributes and ephemeral resources (1.11), and the
/// mock-provider fix the generated tests need (opentofu/opentofu#4251, in 1.12.2).
pub const REQUIRED_VERSION: &str = ">= 1.12.2";

/// Module source directory, relative to a generated root (`generated/<name>/`): the vendored
/// library (`generated/modules/<module>`), or the repository's own module directory.
pub fn module_source(resolved: &Resolved, module: &str) -> String {
    match &resolved.modules_path {
        Some(path) => format!("../../{path}/{module}"),
        None => format!("../modules/{module}"),
    }
}

/// Directory of an environment's root, relative to the repository root.
pub fn root_dir(env: &str) -> String {
    format!("generated/{env}")
}

/// Name of the module call of a service (`service_api`).
pub fn service_module(service: &str) -> String {
    format!("service_{service}")
}

/// The tags every resource of an environment carries.
pub fn tags(resolved: &Resolved, env: &ResolvedEnvironment) -> Vec<String> {
    vec![
        "tofugen".to_string(),
        format!("project:{}", resolved.project),
        format!("env:{}", env.name),
    ]
}

/// Secret Manager folder of an environment (`/evalap/production`).
pub fn secret_path(resolved: &Resolved, env: &ResolvedEnvironment) -> String {
    format!("/{}/{}", resolved.project, env.name)
}

/// Secret (under [`secret_path`], in the backup project) holding the access key of the backup
/// jobs, written by modules/iam in the bootstrap root and read by modules/backups.
pub const BACKUP_ACCESS_KEY_SECRET: &str = "backup-scw-access-key";
/// Secret (under [`secret_path`], in the backup project) holding the secret key of the backup
/// jobs.
pub const BACKUP_SECRET_KEY_SECRET: &str = "backup-scw-secret-key";
/// Secret (under [`secret_path`]) holding the database application user's password.
pub const DATABASE_PASSWORD_SECRET: &str = "database-password";

/// Whether an environment has weekly or monthly backup jobs (modules/backups), hence a backup
/// project (created by the bootstrap root) holding them and their API key.
pub fn has_backup_jobs(env: &ResolvedEnvironment) -> bool {
    env.database
        .as_ref()
        .is_some_and(|d| d.backups.weekly.is_some() || d.backups.monthly.is_some())
}

/// Name of an environment's backup project (`<project>-<env>-backup`).
pub fn backup_project_name(env: &ResolvedEnvironment) -> String {
    format!("{}-backup", env.scaleway_project)
}

/// Whether an environment has alert rules on application metrics (a custom `expr` that reads
/// no Scaleway product metric, [`crate::metrics`]).
pub fn has_application_rules(env: &ResolvedEnvironment) -> bool {
    env.alerts.rules.iter().any(|r| {
        r.kind.is_none()
            && r.metric_source()
                .is_some_and(|m| m != crate::metrics::MetricSource::Scaleway)
    })
}

/// Name of the custom metrics data source the application pushes to (`<project>-<env>-application`).
pub fn application_source_name(resolved: &Resolved, env: &ResolvedEnvironment) -> String {
    format!("{}-application", env.prefix(&resolved.project))
}

/// The operator secrets of an environment (a human stores their values), by name.
pub fn operator_secrets(env: &ResolvedEnvironment) -> Vec<&crate::resolve::ResolvedSecret> {
    env.secrets
        .iter()
        .filter(|s| s.source == SecretSource::Operator)
        .collect()
}

/// A duration as Go's `time.ParseDuration` reads it (`10s`, `1m30s`, `2h`).
pub fn go_duration(d: crate::model::Duration) -> String {
    if d.seconds == 0 {
        return "0s".to_string();
    }
    let mut rest = d.seconds;
    let mut out = String::new();
    for (unit, size) in [("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// How many files [`emit_environment`] writes.
pub const FILES_PER_ROOT: usize = 6;

/// The files of `env`'s root.
pub fn emit_environment(resolved: &Resolved, env: &ResolvedEnvironment) -> Vec<GeneratedFile> {
    let header = super::header("#", &resolved.config_path);
    let dir = root_dir(&env.name);
    // Each file is printed as it is built (`main.tf` and `release.tf` one item at a time), so
    // that an environment's document model is never held whole: at 1 000 services it was
    // about 10 MB per environment being emitted.
    let file = |name: &str, write: &dyn Fn(&mut File)| {
        let mut f = File::new(&header);
        write(&mut f);
        (format!("{dir}/{name}"), f.finish())
    };
    let files: [GeneratedFile; FILES_PER_ROOT] = [
        file("versions.tf", &|f| {
            f.extend(versions(resolved, env));
        }),
        file("providers.tf", &|f| {
            f.extend(providers(env));
        }),
        file("variables.tf", &|f| {
            f.extend(variables(env));
        }),
        file("main.tf", &|f| main(resolved, env, f)),
        file("release.tf", &|f| release_checks(env, f)),
        file("outputs.tf", &|f| {
            f.extend(outputs(resolved, env));
        }),
    ];
    files.into()
}

/// `required_providers`, shared with the bootstrap root.
pub fn required_providers(resolved: &Resolved) -> Block {
    let provider = |source: &str, version: &str| {
        Expr::object([
            ("source", Expr::str(source)),
            ("version", Expr::str(version)),
        ])
    };
    let mut b = Body::new();
    b.attr(
        "scaleway",
        provider("scaleway/scaleway", &resolved.versions.scaleway_provider),
    )
    .attr(
        "random",
        provider("hashicorp/random", &resolved.versions.random_provider),
    );
    Block::plain("required_providers").with_body(b)
}

/// The `encryption` block: state and plan encrypted with AES-GCM, key from a PBKDF2
/// passphrase (`var.state_passphrase`), enforced so a missing passphrase fails closed.
pub fn encryption() -> Block {
    let mut key_provider = Body::new();
    key_provider.attr("passphrase", Expr::raw("var.state_passphrase"));
    let mut method = Body::new();
    method.attr("keys", Expr::raw("key_provider.pbkdf2.state"));
    let target = || {
        let mut t = Body::new();
        t.attr("method", Expr::raw("method.aes_gcm.state"))
            .attr("enforced", Expr::Bool(true));
        t
    };
    let mut b = Body::new();
    b.block(Block::new("key_provider", ["pbkdf2", "state"]).with_body(key_provider))
        .block(Block::new("method", ["aes_gcm", "state"]).with_body(method))
        .block(Block::plain("state").with_body(target()))
        .block(Block::plain("plan").with_body(target()));
    Block::plain("encryption").with_body(b)
}

fn versions(resolved: &Resolved, env: &ResolvedEnvironment) -> Body {
    let mut backend = Body::new();
    backend
        .attr("bucket", Expr::str(&env.state.bucket))
        .attr("key", Expr::str(&env.state.key))
        .attr("region", Expr::str(&env.region))
        .attr(
            "endpoints",
            Expr::InlineObject(vec![(
                "s3".to_string(),
                Expr::str(format!("https://s3.{}.scw.cloud", env.region)),
            )]),
        )
        .attr("use_path_style", Expr::Bool(true))
        .attr("skip_credentials_validation", Expr::Bool(true))
        .attr("skip_region_validation", Expr::Bool(true))
        .attr("skip_requesting_account_id", Expr::Bool(true))
        .attr("skip_metadata_api_check", Expr::Bool(true))
        .attr("skip_s3_checksum", Expr::Bool(true))
        .attr("use_lockfile", Expr::Bool(true));

    let mut terraform = Body::new();
    terraform
        .attr("required_version", Expr::str(REQUIRED_VERSION))
        .blank()
        .block(required_providers(resolved))
        .blank()
        .comment(
            "State in this environment's bucket (created by generated/bootstrap), locked with a\n\
             lock file. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.",
        )
        .block(Block::new("backend", ["s3"]).with_body(backend))
        .blank()
        .comment("State and plans are encrypted; TF_VAR_state_passphrase must be set.")
        .block(encryption());
    let mut b = Body::new();
    b.block(Block::plain("terraform").with_body(terraform));
    b
}

fn providers(env: &ResolvedEnvironment) -> Body {
    let mut p = Body::new();
    p.attr("region", Expr::str(&env.region))
        .attr("zone", Expr::str(&env.zone))
        .attr("project_id", Expr::raw("var.project_id"));
    let mut b = Body::new();
    b.block(Block::new("provider", ["scaleway"]).with_body(p));
    if has_backup_jobs(env) {
        let mut backup = Body::new();
        backup
            .attr("alias", Expr::str("backup"))
            .attr("region", Expr::str(&env.region))
            .attr("zone", Expr::str(&env.zone))
            .attr("project_id", Expr::raw("var.backup_project_id"));
        b.blank()
            .comment(
                "The backup project: the backup jobs, their key's secrets and their alerts live\n\
                 there, out of reach of the planner's secret access (see modules/iam).",
            )
            .block(Block::new("provider", ["scaleway"]).with_body(backup));
    }
    b
}

/// A `validation` block.
pub fn validation(condition: &str, message: &str) -> Block {
    let mut v = Body::new();
    v.attr("condition", Expr::raw(condition))
        .attr("error_message", Expr::str(message));
    Block::plain("validation").with_body(v)
}

/// Regular expression of a lower-case UUID (Scaleway project and organization ids).
pub const UUID_REGEX: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/// The `state_passphrase` variable, shared with the bootstrap root.
pub fn state_passphrase_variable(description: &str) -> Block {
    let mut v = Body::new();
    v.attr("type", Expr::raw("string"))
        .attr("description", Expr::str(description))
        .attr("sensitive", Expr::Bool(true))
        .attr("ephemeral", Expr::Bool(true))
        .blank()
        .block(validation(
            "length(var.state_passphrase) >= 16",
            "The state passphrase must be at least 16 characters long.",
        ));
    Block::new("variable", ["state_passphrase"]).with_body(v)
}

/// A UUID variable with its validation.
pub fn uuid_variable(name: &str, description: &str, what: &str) -> Block {
    let mut v = Body::new();
    v.attr("type", Expr::raw("string"))
        .attr("description", Expr::str(description))
        .blank()
        .block(validation(
            &format!("can(regex({}, var.{name}))", super::hcl::quote(UUID_REGEX)),
            &format!("{what} must be a lower-case UUID."),
        ));
    Block::new("variable", [name]).with_body(v)
}

fn variables(env: &ResolvedEnvironment) -> Body {
    let mut release = Body::new();
    release
        .attr("type", Expr::raw("map(object({ tag = string, digest = string }))"))
        .attr(
            "description",
            Expr::str(
                "Image tag (git commit SHA) and registry digest (sha256:...) of every service; written by CI.",
            ),
        )
        .blank()
        .block(validation(
            "alltrue([for r in values(var.release) : can(regex(\"^[0-9a-f]{40}$\", r.tag))])",
            "Every release tag must be a full 40-character git commit SHA.",
        ))
        .blank()
        .block(validation(
            "alltrue([for r in values(var.release) : can(regex(\"^sha256:[0-9a-f]{64}$\", r.digest))])",
            "Every release digest must be a registry digest: sha256: followed by 64 hex digits.",
        ));
    if !env.services.is_empty() {
        let names: Vec<String> = env
            .services
            .iter()
            .map(|s| super::hcl::quote(&s.name))
            .collect();
        release.blank().block(validation(
            &format!(
                "alltrue([for s in [{}] : contains(keys(var.release), s)])",
                names.join(", ")
            ),
            &format!(
                "The release must give a tag and digest for every service of {}: {}.",
                env.name,
                env.services
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }

    let mut b = Body::new();
    b.block(uuid_variable(
        "project_id",
        &format!(
            "UUID of the Scaleway project of {} (created by generated/bootstrap; CI passes TF_VAR_project_id).",
            env.name
        ),
        "project_id",
    ))
    .blank();
    if has_backup_jobs(env) {
        b.block(uuid_variable(
            "backup_project_id",
            &format!(
                "UUID of the backup project of {} (created by generated/bootstrap; CI passes TF_VAR_backup_project_id).",
                env.name
            ),
            "backup_project_id",
        ))
        .blank();
    }
    b.block(state_passphrase_variable(
        "Passphrase encrypting this environment's state and plans (at least 16 characters).",
    ))
    .blank()
    .block(Block::new("variable", ["release"]).with_body(release));
    b
}

/// A module call: a comment, `source`, a blank line, then `attrs`.
fn module_call(
    resolved: &Resolved,
    name: &str,
    module: &str,
    comment: &str,
    attrs: Vec<(&str, Expr)>,
) -> Body {
    module_call_with(resolved, name, module, comment, None, attrs)
}

/// A module call given the `scaleway` provider configuration `provider` (an alias).
fn module_call_with(
    resolved: &Resolved,
    name: &str,
    module: &str,
    comment: &str,
    provider: Option<&str>,
    attrs: Vec<(&str, Expr)>,
) -> Body {
    let mut m = Body::new();
    m.attr("source", Expr::str(module_source(resolved, module)))
        .blank();
    if let Some(alias) = provider {
        m.attr(
            "providers",
            Expr::InlineObject(vec![(
                "scaleway".to_string(),
                Expr::raw(format!("scaleway.{alias}")),
            )]),
        )
        .blank();
    }
    for (k, v) in attrs {
        m.attr(k, v);
    }
    let mut b = Body::new();
    b.comment(comment)
        .block(Block::new("module", [name]).with_body(m))
        .blank();
    b
}

fn str_list(items: &[String]) -> Expr {
    Expr::strs(items)
}

fn main(resolved: &Resolved, env: &ResolvedEnvironment, b: &mut File) {
    let prefix = env.prefix(&resolved.project);
    let region = || ("region", Expr::str(&env.region));
    let tag_list = tags(resolved, env);
    let tags = || ("tags", str_list(&tag_list));
    let path = secret_path(resolved, env);
    let production = env.is_production();
    let backups = has_backup_jobs(env);

    b.extend(module_call(
        resolved,
        "network",
        "network",
        "VPC and private network: the database and the services that reach it attach here.",
        vec![("name", Expr::str(&prefix)), region(), tags()],
    ));

    let mut registry = Body::new();
    registry
        .attr("name", Expr::str(&env.registry_namespace))
        .attr("region", Expr::str(&env.region))
        .attr("project_id", Expr::raw("var.project_id"));
    b.comment(
        "Container Registry namespace of this environment's images, created by generated/bootstrap:\n\
         CI pushes the first images before its first apply of this root.",
    )
    .block(Block::new("data", ["scaleway_registry_namespace", "this"]).with_body(registry))
    .blank();

    b.extend(module_call(
        resolved,
        "containers",
        "containers",
        "Serverless Containers namespace holding every service.",
        vec![
            ("name", Expr::str(&prefix)),
            region(),
            (
                "description",
                Expr::str(format!(
                    "{} {} services (managed by tofugen)",
                    resolved.project, env.name
                )),
            ),
            tags(),
        ],
    ));

    let described =
        |s: &crate::resolve::ResolvedSecret| Expr::str(s.description.clone().unwrap_or_default());
    let operator = operator_secrets(env);
    if !operator.is_empty() {
        b.comment(
            "Secrets a human fills, created empty by generated/bootstrap. Each is looked up here, and\n\
             the plan stops, with one error per secret that has no value yet, naming the command that\n\
             stores it. No value is in this code.",
        );
        for secret in operator {
            let mut check = Body::new();
            check
                .attr("condition", Expr::raw("self.version_count > 0"))
                .attr(
                    "error_message",
                    Expr::Template(vec![
                        Part::Lit(format!(
                            "Secret {} ({path}) has no value yet. Store it before the deploy: scw secret version create ",
                            secret.name
                        )),
                        Part::Interp(Expr::raw(format!(
                            "trimprefix(self.id, \"{}/\")",
                            env.region
                        ))),
                        Part::Lit(format!(
                            " region={} data=@FILE (see generated/bootstrap/README.md).",
                            env.region
                        )),
                    ]),
                );
            let mut lifecycle = Body::new();
            lifecycle.block(Block::plain("postcondition").with_body(check));
            let mut data = Body::new();
            data.attr("name", Expr::str(&secret.name))
                .attr("path", Expr::str(&path))
                .attr("region", Expr::str(&env.region))
                .attr("project_id", Expr::raw("var.project_id"))
                .blank()
                .block(Block::plain("lifecycle").with_body(lifecycle));
            b.block(Block::new("data", ["scaleway_secret", &secret.name]).with_body(data))
                .blank();
        }
    }
    let generated: Vec<(String, Expr)> = env
        .secrets
        .iter()
        .filter(|s| s.source == SecretSource::Generated)
        .map(|s| {
            (
                s.name.clone(),
                Expr::InlineObject(vec![
                    ("description".to_string(), described(s)),
                    ("length".to_string(), Expr::int(s.length)),
                ]),
            )
        })
        .collect();
    if !generated.is_empty() {
        b.extend(
            module_call(
            resolved,
                "secrets",
                "secrets",
                "Generated secrets: random values written by OpenTofu, write-only (never in plan or state).",
                vec![
                    ("path", Expr::str(&path)),
                    region(),
                    ("protected", Expr::Bool(production)),
                    ("generated_secrets", Expr::Object(generated)),
                    tags(),
                ],
            ),
        );
    }

    if let Some(db) = &env.database {
        let daily = db.backups.daily;
        let mut attrs = vec![
            (
                "name",
                Expr::str(env.database_resource_name(&resolved.project)),
            ),
            region(),
            ("engine", Expr::str(&db.engine)),
            ("node_type", Expr::str(&db.node_type)),
            (
                "volume_type",
                Expr::str(match db.volume_type {
                    VolumeType::Sbs5k => "sbs_5k",
                    VolumeType::Sbs15k => "sbs_15k",
                    VolumeType::Lssd => "lssd",
                }),
            ),
            ("volume_size_in_gb", Expr::uint(db.volume_size.gigabytes())),
            ("ha", Expr::Bool(db.ha)),
            ("read_replicas", Expr::int(db.read_replicas)),
            ("database_name", Expr::str(&db.name)),
            ("user_name", Expr::str(&db.user)),
            (
                "private_network_id",
                Expr::raw("module.network.private_network_id"),
            ),
            ("daily_backups", Expr::Bool(daily.is_some())),
            ("backup_frequency_hours", Expr::int(24)),
            (
                "backup_retention_days",
                Expr::uint(daily.unwrap_or(builtin::DAILY_RETENTION).days()),
            ),
            ("backup_same_region", Expr::Bool(db.backups.same_region)),
        ];
        if !db.settings.is_empty() {
            attrs.push((
                "settings",
                Expr::object(db.settings.iter().map(|(k, v)| (k.clone(), Expr::str(v)))),
            ));
        }
        attrs.extend([
            ("password_secret_name", Expr::str(DATABASE_PASSWORD_SECRET)),
            ("secret_path", Expr::str(&path)),
            ("protected", Expr::Bool(production)),
            tags(),
        ]);
        let any_backups =
            daily.is_some() || db.backups.weekly.is_some() || db.backups.monthly.is_some();
        let comment = format!(
            "Managed PostgreSQL on the private network only. The application user's password is a\n\
             write-only secret; services build the connection URL from it.\n\
             Daily backups: {}.{}",
            match daily {
                Some(d) => format!("Scaleway's automatic backups, kept {} days", d.days()),
                None => "off (daily_backups = false)".to_string(),
            },
            match (any_backups, db.backups.same_region) {
                (false, _) => "",
                (true, true) => {
                    "\nLogical backups are stored in the instance's region (backup_same_region = true)."
                }
                (true, false) => {
                    "\nLogical backups are stored in another region than the instance (Scaleway's default)."
                }
            }
        );
        b.extend(module_call(
            resolved, "database", "database", &comment, attrs,
        ));

        if backups {
            let tier = |t: &Option<crate::resolve::BackupJob>| match t {
                Some(j) => Expr::InlineObject(vec![
                    ("schedule".to_string(), Expr::str(&j.schedule)),
                    ("retention_days".to_string(), Expr::uint(j.retention.days())),
                ]),
                None => Expr::Null,
            };
            b.extend(
                module_call_with(
                resolved,
                    "backups",
                    "backups",
                    "Weekly and monthly database backups: scheduled Serverless Jobs running the Scaleway CLI,\n\
                     in the backup project. Their API key is created by generated/bootstrap.",
                    Some("backup"),
                    vec![
                        ("name", Expr::str(format!("{prefix}-backup"))),
                        region(),
                        ("project_id", Expr::raw("var.backup_project_id")),
                        ("database_project_id", Expr::raw("var.project_id")),
                        ("instance_id", Expr::raw("module.database.instance_id")),
                        ("database_name", Expr::str(&db.name)),
                        (
                            "cli_image",
                            // Docker Hub's name in full, as every recorded Jobs API response of provider
                            // v2.81.0 has it (`docker.io/alpine:latest`, internal/services/jobs/
                            // testdata); the provider stores `image_uri` as the API returns it,
                            // with no normalisation (jobs.go), so a short name may be rewritten
                            // there and diff at every plan (sweep 55a, #2).
                            Expr::str(format!(
                                "docker.io/scaleway/cli:{}",
                                resolved.versions.scaleway_cli
                            )),
                        ),
                        ("timezone", Expr::str(&db.backups.timezone)),
                        ("weekly", tier(&db.backups.weekly)),
                        ("monthly", tier(&db.backups.monthly)),
                        ("secret_path", Expr::str(&path)),
                        ("access_key_secret_name", Expr::str(BACKUP_ACCESS_KEY_SECRET)),
                        ("secret_key_secret_name", Expr::str(BACKUP_SECRET_KEY_SECRET)),
                    ],
                ),
            );
        }
    }

    let mut services: Vec<&ResolvedService> = env.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    for s in services {
        b.extend(service_call(resolved, env, &prefix, s, &tag_list));
    }

    let products: Vec<String> = if env.database.is_some() {
        vec!["PostgreSQL".to_string()]
    } else {
        Vec::new()
    };
    let mut monitoring = vec![
        ("project_id", Expr::raw("var.project_id")),
        region(),
        ("contacts", str_list(&env.alerts.contacts)),
        ("preconfigured_products", str_list(&products)),
    ];
    if has_application_rules(env) {
        monitoring.push((
            "application_metrics_source",
            Expr::str(application_source_name(resolved, env)),
        ));
    }
    // What the comment names is what the call enables (sweep 55a, #3: an environment without
    // a database was said to get the preconfigured PostgreSQL alerts).
    let what = if products.is_empty() {
        "Cockpit alert manager and its contacts; a token the deploy workflow pushes the alert\n\
         rules of alerts/ with."
    } else {
        "Cockpit alert manager, its contacts and Scaleway's preconfigured PostgreSQL alerts; a token\n\
         the deploy workflow pushes the alert rules of alerts/ with."
    };
    b.extend(module_call(
        resolved,
        "monitoring",
        "monitoring",
        what,
        monitoring,
    ));
    if backups {
        b.extend(module_call_with(
            resolved,
            "monitoring_backups",
            "monitoring",
            "The backup project's own Cockpit: the backup jobs report their runs there, so the\n\
                 backup-failure alerts are evaluated and sent from there.",
            Some("backup"),
            vec![
                ("project_id", Expr::raw("var.backup_project_id")),
                region(),
                ("contacts", str_list(&env.alerts.contacts)),
            ],
        ));
    }
}

/// `release.tf`: the checks that make the release in `var.release` the one that runs, one
/// block per service (so that each reads as plain HCL, and tests can model each one).
fn release_checks(env: &ResolvedEnvironment, b: &mut File) {
    let mut services: Vec<&ResolvedService> = env.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    b.comment(
        "The release (var.release) is the image tag and registry digest of every service, written by\n\
         CI. Before the apply, the registry must still hold the recorded digest under each tag:\n\
         Scaleway registries have no immutable tags, and a tag pushed again would otherwise deploy\n\
         bytes that were never tested. After the apply, every container must be ready and run its\n\
         release: the provider only warns when a deploy ends in `error`, and `tofu apply` would\n\
         exit 0. The container is read after every change of its service (the provider waits for\n\
         each deploy to end), and at plan time when nothing changes: a broken container shows in\n\
         every plan.",
    );
    for s in services {
        let name = &s.name;
        let release = |field: &str| format!("var.release[{}].{field}", super::hcl::quote(name));
        b.blank().comment(&format!("Service {name}."));

        let mut image = Body::new();
        image
            .attr("name", Expr::str(&s.image))
            .attr(
                "namespace_id",
                Expr::raw("data.scaleway_registry_namespace.this.id"),
            )
            .attr("region", Expr::str(&env.region));
        b.block(Block::new("data", ["scaleway_registry_image", name]).with_body(image))
            .blank();

        let mut tag_check = Body::new();
        tag_check
            .attr(
                "condition",
                Expr::raw(format!("self.digest == {}", release("digest"))),
            )
            .attr(
                "error_message",
                Expr::Template(vec![
                    Part::Lit(format!("The registry tag {}:", s.image)),
                    Part::Interp(Expr::raw(release("tag"))),
                    Part::Lit(" now has digest ".into()),
                    Part::Interp(Expr::raw("self.digest")),
                    Part::Lit(", not ".into()),
                    Part::Interp(Expr::raw(release("digest"))),
                    Part::Lit(
                        " as recorded in the release: the tag was pushed again. Deploy a release whose digests match, or build a new one."
                            .into(),
                    ),
                ]),
            );
        let mut lifecycle = Body::new();
        lifecycle.block(Block::plain("postcondition").with_body(tag_check));
        let mut tag = Body::new();
        tag.attr(
            "image_id",
            Expr::raw(format!("data.scaleway_registry_image.{name}.id")),
        )
        .attr("name", Expr::raw(release("tag")))
        .attr("region", Expr::str(&env.region))
        .blank()
        .block(Block::plain("lifecycle").with_body(lifecycle));
        b.block(Block::new("data", ["scaleway_registry_image_tag", name]).with_body(tag))
            .blank();

        let module = service_module(name);
        let mut ready = Body::new();
        ready
            .attr("condition", Expr::raw("self.status == \"ready\""))
            .attr(
                "error_message",
                Expr::Template(vec![
                    Part::Lit(format!("Service {name} is ")),
                    Part::Interp(Expr::raw("self.status")),
                    Part::Lit(", not ready".into()),
                    Part::Interp(Expr::raw(
                        "self.error_message == null || self.error_message == \"\" ? \"\" : \": ${self.error_message}\"",
                    )),
                    Part::Lit(
                        ". Its logs are in Cockpit (Serverless Containers logs); the deploy workflow rolls back to the previous release."
                            .into(),
                    ),
                ]),
            );
        let mut runs = Body::new();
        runs.attr(
            "condition",
            Expr::raw(format!("self.image == module.{module}.image")),
        )
        .attr(
            "error_message",
            Expr::Template(vec![
                Part::Lit(format!("Service {name} runs ")),
                Part::Interp(Expr::raw("self.image")),
                Part::Lit(", not ".into()),
                Part::Interp(Expr::raw(format!("module.{module}.image"))),
                Part::Lit(": the release did not reach it.".into()),
            ]),
        );
        let mut lifecycle = Body::new();
        lifecycle
            .block(Block::plain("postcondition").with_body(ready))
            .blank()
            .block(Block::plain("postcondition").with_body(runs));
        let mut deployed = Body::new();
        deployed
            .attr(
                "container_id",
                Expr::raw(format!("module.{module}.container_id")),
            )
            .attr("namespace_id", Expr::raw("module.containers.namespace_id"))
            .attr("region", Expr::str(&env.region))
            .blank()
            .attr(
                "depends_on",
                Expr::List(vec![Expr::raw(format!("module.{module}"))]),
            )
            .blank()
            .block(Block::plain("lifecycle").with_body(lifecycle));
        b.block(Block::new("data", ["scaleway_container", name]).with_body(deployed));
    }
}

fn probe(p: &Option<Probe>) -> Expr {
    let Some(p) = p else {
        return Expr::Null;
    };
    let mut entries = vec![match &p.check {
        ProbeCheck::Http(path) => ("path".to_string(), Expr::str(path)),
        ProbeCheck::Tcp => ("tcp".to_string(), Expr::Bool(true)),
    }];
    entries.extend([
        ("interval".to_string(), Expr::str(go_duration(p.interval))),
        ("timeout".to_string(), Expr::str(go_duration(p.timeout))),
        (
            "failure_threshold".to_string(),
            Expr::int(p.failure_threshold),
        ),
    ]);
    Expr::InlineObject(entries)
}

/// A service's plain environment value: a string, a reference to another service's URL, or a
/// template mixing both. A reference to a service `env` does not have (TG013, which a policy
/// override may turn off) stays literal text, as the rule says: the root never calls a module
/// that does not exist.
fn env_value(t: &crate::resolve::Template, env: &ResolvedEnvironment) -> Expr {
    let parts = t
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Literal(s) => Part::Lit(s.clone()),
            TemplatePart::ServiceUrl(name) if env.services.iter().any(|s| &s.name == name) => {
                Part::Interp(
                    Traversal::root("module")
                        .attr(&service_module(name))
                        .attr("url")
                        .expr(),
                )
            }
            TemplatePart::ServiceUrl(name) => Part::Lit(format!("${{services.{name}.url}}")),
            TemplatePart::Unknown(r) => Part::Lit(format!("${{{r}}}")),
        })
        .collect::<Vec<_>>();
    match parts.as_slice() {
        [Part::Lit(s)] => Expr::str(s),
        _ => Expr::Template(parts),
    }
}

fn service_call(
    resolved: &Resolved,
    env: &ResolvedEnvironment,
    prefix: &str,
    s: &ResolvedService,
    tag_list: &[String],
) -> Body {
    let release = || Traversal::root("var").attr("release").key(&s.name);
    let mut attrs = vec![
        ("name", Expr::str(format!("{prefix}-{}", s.name))),
        ("namespace_id", Expr::raw("module.containers.namespace_id")),
        ("region", Expr::str(&env.region)),
        (
            "description",
            Expr::str(s.description.clone().unwrap_or_default()),
        ),
        (
            "registry_endpoint",
            Expr::raw("data.scaleway_registry_namespace.this.endpoint"),
        ),
        (
            "image",
            Expr::InlineObject(vec![
                ("name".to_string(), Expr::str(&s.image)),
                ("tag".to_string(), release().attr("tag").expr()),
                ("digest".to_string(), release().attr("digest").expr()),
            ]),
        ),
        // TG009 is required (`Safety::Required`): a configuration without a port is never
        // emitted, so this default is never written.
        ("port", Expr::int(s.port.unwrap_or(8080))),
        (
            "protocol",
            Expr::str(match s.protocol {
                Protocol::Http1 => "http1",
                Protocol::H2c => "h2c",
            }),
        ),
        ("cpu_limit", Expr::int(s.cpu.millis)),
        ("memory_limit_bytes", Expr::uint(s.memory.bytes)),
        ("min_scale", Expr::int(s.min_scale)),
        ("max_scale", Expr::int(s.max_scale)),
        (
            "scaling",
            match s.scaling {
                None => Expr::Null,
                Some(signal) => {
                    let (metric, threshold) = match signal {
                        ScalingSignal::ConcurrentRequests(n) => ("concurrent_requests", n),
                        ScalingSignal::CpuPercent(n) => ("cpu_percent", n),
                        ScalingSignal::MemoryPercent(n) => ("memory_percent", n),
                    };
                    Expr::InlineObject(vec![
                        ("metric".to_string(), Expr::str(metric)),
                        ("threshold".to_string(), Expr::int(threshold)),
                    ])
                }
            },
        ),
        ("liveness_probe", probe(&s.liveness)),
        ("startup_probe", probe(&s.startup)),
        (
            "privacy",
            Expr::str(match s.privacy {
                Privacy::Public => "public",
                Privacy::Private => "private",
            }),
        ),
        ("https_only", Expr::Bool(s.https_only)),
        (
            "sandbox",
            Expr::str(match s.sandbox {
                Sandbox::V1 => "v1",
                Sandbox::V2 => "v2",
            }),
        ),
        ("timeout_seconds", Expr::uint(s.timeout.seconds)),
        // The startup probe window plus the image pull, at least the provider's 12 min 30 s.
        (
            "ready_wait_seconds",
            Expr::uint(super::budget::container_wait_seconds(s)),
        ),
    ];
    if !s.command.is_empty() {
        attrs.push(("command", str_list(&s.command)));
    }
    if !s.args.is_empty() {
        attrs.push(("args", str_list(&s.args)));
    }
    if !s.env.is_empty() {
        attrs.push((
            "environment_variables",
            Expr::object(s.env.iter().map(|(k, v)| (k.clone(), env_value(v, env)))),
        ));
    }
    let mut secret_names = s.sorted_secrets();
    secret_names.dedup();
    let mut database_url = None;
    let mut secret_ids: Vec<(String, Expr)> = Vec::new();
    for name in secret_names {
        let Some(secret) = env.secrets.iter().find(|x| x.name == name) else {
            continue;
        };
        let module = match secret.source {
            SecretSource::Database => {
                if let Some(db) = &env.database {
                    database_url = Some(Expr::InlineObject(vec![
                        ("env_name".to_string(), Expr::str(name)),
                        ("scheme".to_string(), Expr::str(&secret.scheme)),
                        ("user".to_string(), Expr::raw("module.database.user_name")),
                        ("host".to_string(), Expr::raw("module.database.host")),
                        ("port".to_string(), Expr::raw("module.database.port")),
                        (
                            "database".to_string(),
                            if secret.include_database {
                                Expr::str(&db.name)
                            } else {
                                Expr::Null
                            },
                        ),
                        (
                            "password_secret_id".to_string(),
                            Expr::raw("module.database.password_secret_id"),
                        ),
                        (
                            "password_revision".to_string(),
                            Expr::raw("module.database.password_revision"),
                        ),
                    ]));
                }
                continue;
            }
            SecretSource::Operator => {
                secret_ids.push((
                    name.to_string(),
                    Expr::raw(format!("data.scaleway_secret.{name}.id")),
                ));
                continue;
            }
            SecretSource::Generated => "secrets",
        };
        secret_ids.push((
            name.to_string(),
            Traversal::root("module")
                .attr(module)
                .attr("secret_ids")
                .key(name)
                .expr(),
        ));
    }
    if !secret_ids.is_empty() {
        attrs.push(("secret_ids", Expr::Object(secret_ids)));
    }
    if let Some(url) = database_url {
        attrs.push(("database_url", url));
    }
    if s.database && env.database.is_some() {
        attrs.push((
            "private_network_id",
            Expr::raw("module.network.private_network_id"),
        ));
    }
    attrs.push(("tags", str_list(tag_list)));
    let what = s
        .description
        .as_deref()
        .map(|d| format!("Service {}: {}.", s.name, super::hcl::comment_value(d)))
        .unwrap_or_else(|| format!("Service {}.", s.name));
    module_call(resolved, &service_module(&s.name), "service", &what, attrs)
}

fn outputs(resolved: &Resolved, env: &ResolvedEnvironment) -> Body {
    let output = |b: &mut Body, name: &str, description: &str, value: Expr, sensitive: bool| {
        let mut o = Body::new();
        o.attr("description", Expr::str(description))
            .attr("value", value);
        if sensitive {
            o.attr("sensitive", Expr::Bool(true));
        }
        b.block(Block::new("output", [name]).with_body(o)).blank();
    };
    let mut services: Vec<&ResolvedService> = env.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut b = Body::new();
    output(
        &mut b,
        "service_urls",
        "HTTPS URL of every service's endpoint, by name (a `privacy: private` service's answers only callers with an IAM token).",
        Expr::object(services.iter().map(|s| {
            (
                s.name.clone(),
                Traversal::root("module")
                    .attr(&service_module(&s.name))
                    .attr("url")
                    .expr(),
            )
        })),
        false,
    );
    output(
        &mut b,
        "service_images",
        "Image every service runs, as read back from Scaleway after the apply, by name.",
        Expr::object(services.iter().map(|s| {
            (
                s.name.clone(),
                Expr::raw(format!("data.scaleway_container.{}.image", s.name)),
            )
        })),
        false,
    );
    let db = |attr: &str| {
        if env.database.is_some() {
            Expr::raw(format!("module.database.{attr}"))
        } else {
            Expr::Null
        }
    };
    output(
        &mut b,
        "database_host",
        "Private hostname of the database (null without a database).",
        db("host"),
        false,
    );
    output(
        &mut b,
        "database_port",
        "Port of the database (null without a database).",
        db("port"),
        false,
    );
    output(
        &mut b,
        "registry_endpoint",
        "Registry endpoint images are pushed to.",
        Expr::raw("data.scaleway_registry_namespace.this.endpoint"),
        false,
    );
    output(
        &mut b,
        "release",
        "Image tag and digest of every service as deployed (the rollback target of the next deploy).",
        Expr::raw("var.release"),
        false,
    );
    output(
        &mut b,
        "alert_manager_url",
        "Cockpit alert manager URL.",
        Expr::raw("module.monitoring.alert_manager_url"),
        false,
    );
    if has_application_rules(env) {
        output(
            &mut b,
            "application_metrics_push_url",
            "Where the application pushes the metrics its alert rules read (Prometheus remote write or OTLP), with a Cockpit token that may write metrics (the environment README says which).",
            Expr::raw("module.monitoring.application_metrics_push_url"),
            false,
        );
    }
    use super::alerts::Source;
    let mut targets = vec![(
        Source::Scaleway.slug().to_string(),
        Expr::InlineObject(vec![
            ("project_id".to_string(), Expr::raw("var.project_id")),
            (
                "token".to_string(),
                Expr::raw("module.monitoring.rules_token"),
            ),
        ]),
    )];
    if has_application_rules(env) {
        targets.push((
            Source::Application.slug().to_string(),
            Expr::InlineObject(vec![
                ("project_id".to_string(), Expr::raw("var.project_id")),
                (
                    "token".to_string(),
                    Expr::raw("module.monitoring.rules_token"),
                ),
                (
                    "source_name".to_string(),
                    Expr::str(application_source_name(resolved, env)),
                ),
            ]),
        ));
    }
    if has_backup_jobs(env) {
        targets.push((
            Source::Backups.slug().to_string(),
            Expr::InlineObject(vec![
                ("project_id".to_string(), Expr::raw("var.backup_project_id")),
                (
                    "token".to_string(),
                    Expr::raw("module.monitoring_backups.rules_token"),
                ),
            ]),
        ));
    }
    output(
        &mut b,
        "alert_rule_targets",
        "Where the deploy workflow pushes the rule files of alerts/<key>/: the Scaleway project whose metrics they watch, and the Cockpit token that may write its rules.",
        Expr::Object(targets),
        true,
    );
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(0)), "0s");
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(86_400 + 1)), "24h1s");
    }

    /// A reference to a service of the environment becomes the module's output; one to a
    /// service it does not have (TG013 turned off) stays the literal text the rule promises,
    /// never a call of a module that does not exist.
    #[test]
    fn env_values_become_references_or_stay_literal() {
        let files = compile_edited(|y| {
            let y = y.replacen(
                "EVALAP_API_URL: ${services.api.url}/v1",
                "EVALAP_API_URL: ${services.api.url}/v1\n        ELSEWHERE: ${services.nope.url}",
                1,
            );
            y.replacen(
                "defaults:",
                "policy:\n  overrides:\n    - { rule: TG013, level: off, reason: test }\n\ndefaults:",
                1,
            )
        });
        let main = &files["generated/staging/main.tf"];
        assert!(
            main.contains("EVALAP_API_URL = \"${module.service_api.url}/v1\""),
            "{main}"
        );
        assert!(
            main.contains("ELSEWHERE      = \"$${services.nope.url}\""),
            "{main}"
        );
        assert!(!main.contains("module.service_nope"), "{main}");
    }

    /// The committed `environments.yaml` with `edit` applied, compiled; its generated files.
    fn compile_edited(edit: impl Fn(&str) -> String) -> std::collections::BTreeMap<String, String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
        let yaml = edit(&std::fs::read_to_string(path).expect("read environments.yaml"));
        let c = crate::pipeline::compile("environments.yaml", yaml.as_bytes(), true);
        assert!(!c.has_errors(), "{:#?}", c.diagnostics);
        c.files
    }

    /// The `module "<name>"` block of a generated file.
    fn module_block<'a>(file: &'a str, name: &str) -> &'a str {
        let start = file
            .find(&format!("module \"{name}\" {{"))
            .unwrap_or_else(|| panic!("no module {name}"));
        let len = file[start..].find("\n}\n").expect("closing brace");
        &file[start..=start + len]
    }

    #[test]
    fn daily_backups_follow_the_daily_tier() {
        let yaml_daily = "daily: { retention: 7d }";
        let on = compile_edited(|y| y.to_string());
        let off = compile_edited(|y| {
            assert!(y.contains(yaml_daily), "environments.yaml changed");
            // Off in defaults (staging); production turns it back on explicitly.
            y.replacen(yaml_daily, "daily: { enabled: false }", 1)
                .replace(
                    "daily: { retention: 30d }",
                    "daily: { enabled: true, retention: 30d }",
                )
        });
        let db = |files: &std::collections::BTreeMap<String, String>| {
            module_block(&files["generated/staging/main.tf"], "database").to_string()
        };
        assert!(db(&on).contains("daily_backups          = true\n"));
        assert!(db(&on).contains("backup_retention_days  = 7\n"));
        assert!(db(&off).contains("daily_backups          = false\n"));
        assert!(
            off["generated/staging/main.tf"]
                .contains("# Daily backups: off (daily_backups = false).")
        );
    }

    /// `database.backups.same_region` reaches the module call and its comment; unset, the
    /// call says `false`, Scaleway's default, so the diff shows where backups live.
    #[test]
    fn backups_stay_in_the_region_only_when_asked() {
        let yaml_daily = "daily: { retention: 30d }";
        let same = compile_edited(|y| {
            assert!(y.contains(yaml_daily), "environments.yaml changed");
            y.replacen(
                yaml_daily,
                "daily: { retention: 30d }\n        same_region: true",
                1,
            )
        });
        let default = compile_edited(|y| y.to_string());
        let db = |files: &std::collections::BTreeMap<String, String>, env: &str| {
            module_block(&files[&format!("generated/{env}/main.tf")], "database").to_string()
        };
        assert!(db(&same, "production").contains("backup_same_region     = true\n"));
        assert!(same["generated/production/main.tf"].contains(
            "# Logical backups are stored in the instance's region (backup_same_region = true)."
        ));
        assert!(db(&same, "staging").contains("backup_same_region     = false\n"));
        assert!(db(&default, "production").contains("backup_same_region     = false\n"));
    }

    #[test]
    fn backups_read_the_key_secrets_of_the_environment() {
        let files = compile_edited(|y| y.to_string());
        let backups = module_block(&files["generated/production/main.tf"], "backups");
        assert!(backups.contains("secret_path            = \"/evalap/production\"\n"));
        assert!(backups.contains(&format!(
            "access_key_secret_name = \"{BACKUP_ACCESS_KEY_SECRET}\"\n"
        )));
        assert!(backups.contains(&format!(
            "secret_key_secret_name = \"{BACKUP_SECRET_KEY_SECRET}\"\n"
        )));
        assert!(
            !backups.contains("tags"),
            "modules/backups has no tags input"
        );
        assert!(
            !files["generated/staging/main.tf"].contains("module \"backups\""),
            "staging has no weekly/monthly tier"
        );
    }
}
