//! Emits one OpenTofu root per environment, `generated/<env>/`, as the module-interface
//! contract (`SPEC-module-interfaces.md`) describes: `versions.tf` (pinned providers, S3 backend
//! on Scaleway Object Storage, state and plan encryption), `providers.tf`, `variables.tf`,
//! `main.tf` (one module call per component) and `outputs.tf`.
//!
//! Values known when generating are written as literals, so a reviewer reads the numbers in the
//! pull-request diff; only values known at apply time are references (module outputs,
//! `var.project_id`, `var.release`).

use super::GeneratedFile;
use super::hcl::{Block, Body, Expr, Part, Traversal, render};
use crate::model::{Privacy, Protocol, Sandbox, SecretSource, VolumeType};
use crate::resolve::{
    Probe, ProbeCheck, Resolved, ResolvedEnvironment, ResolvedService, ScalingSignal, TemplatePart,
    builtin,
};

/// Minimum OpenTofu version: write-only attributes and ephemeral resources.
pub const REQUIRED_VERSION: &str = ">= 1.11.0";

/// Module source directory, relative to a generated root.
pub fn module_source(module: &str) -> String {
    format!("../../modules/{module}")
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

/// Secret (under [`secret_path`]) holding the access key of the backup jobs, written by
/// modules/iam in the bootstrap root and read by modules/backups.
pub const BACKUP_ACCESS_KEY_SECRET: &str = "backup-scw-access-key";
/// Secret (under [`secret_path`]) holding the secret key of the backup jobs.
pub const BACKUP_SECRET_KEY_SECRET: &str = "backup-scw-secret-key";

/// Whether an environment has weekly or monthly backup jobs (modules/backups), hence needs the
/// backup API key that the bootstrap root creates.
pub fn has_backup_jobs(env: &ResolvedEnvironment) -> bool {
    env.database
        .as_ref()
        .is_some_and(|d| d.backups.weekly.is_some() || d.backups.monthly.is_some())
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

/// The roots files.
pub fn emit(resolved: &Resolved, source: &str) -> Vec<GeneratedFile> {
    let header = super::header("#", source);
    let mut files = Vec::new();
    for env in &resolved.environments {
        let dir = root_dir(&env.name);
        let parts = [
            ("versions.tf", versions(resolved, env)),
            ("providers.tf", providers(env)),
            ("variables.tf", variables(env)),
            ("main.tf", main(resolved, env)),
            ("outputs.tf", outputs(env)),
        ];
        for (file, body) in parts {
            files.push((format!("{dir}/{file}"), render(&header, &body)));
        }
    }
    files
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
    .blank()
    .block(state_passphrase_variable(
        "Passphrase encrypting this environment's state and plans (at least 16 characters).",
    ))
    .blank()
    .block(Block::new("variable", ["release"]).with_body(release));
    b
}

/// A module call: a comment, `source`, a blank line, then `attrs`.
fn module_call(name: &str, module: &str, comment: &str, attrs: Vec<(&str, Expr)>) -> Body {
    let mut m = Body::new();
    m.attr("source", Expr::str(module_source(module))).blank();
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

/// The name of the secret holding the database URL: the first `source: database` secret.
fn database_secret_name(env: &ResolvedEnvironment) -> String {
    env.secrets
        .iter()
        .find(|s| s.source == SecretSource::Database)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "DATABASE_URL".to_string())
}

fn main(resolved: &Resolved, env: &ResolvedEnvironment) -> Body {
    let prefix = env.prefix(&resolved.project);
    let region = || ("region", Expr::str(&env.region));
    let tag_list = tags(resolved, env);
    let tags = || ("tags", str_list(&tag_list));
    let path = secret_path(resolved, env);
    let production = env.is_production();
    let mut b = Body::new();

    b.items.extend(
        module_call(
            "network",
            "network",
            "VPC and private network: the database and the services that reach it attach here.",
            vec![("name", Expr::str(&prefix)), region(), tags()],
        )
        .items,
    );
    b.items.extend(
        module_call(
            "registry",
            "registry",
            "Container Registry namespace of this environment's images.",
            vec![
                ("name", Expr::str(&env.registry_namespace)),
                region(),
                ("is_public", Expr::Bool(false)),
            ],
        )
        .items,
    );
    b.items.extend(
        module_call(
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
        )
        .items,
    );

    let described = |s: &crate::resolve::ResolvedSecret| {
        (
            "description",
            Expr::str(s.description.clone().unwrap_or_default()),
        )
    };
    let operator: Vec<(String, Expr)> = env
        .secrets
        .iter()
        .filter(|s| s.source == SecretSource::Operator)
        .map(|s| {
            let (k, v) = described(s);
            (s.name.clone(), Expr::InlineObject(vec![(k.to_string(), v)]))
        })
        .collect();
    let generated: Vec<(String, Expr)> = env
        .secrets
        .iter()
        .filter(|s| s.source == SecretSource::Generated)
        .map(|s| {
            let (k, v) = described(s);
            (
                s.name.clone(),
                Expr::InlineObject(vec![
                    (k.to_string(), v),
                    ("length".to_string(), Expr::int(s.length)),
                ]),
            )
        })
        .collect();
    b.items.extend(
        module_call(
            "secrets",
            "secrets",
            "Secret Manager secrets. Operator secrets get their value from a human (scw secret\nversion create); generated ones from OpenTofu, write-only. No value is in this code.",
            vec![
                ("path", Expr::str(&path)),
                region(),
                ("protected", Expr::Bool(production)),
                ("operator_secrets", Expr::Object(operator)),
                ("generated_secrets", Expr::Object(generated)),
                tags(),
            ],
        )
        .items,
    );

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
        ];
        if !db.settings.is_empty() {
            attrs.push((
                "settings",
                Expr::object(db.settings.iter().map(|(k, v)| (k.clone(), Expr::str(v)))),
            ));
        }
        attrs.extend([
            ("url_secret_name", Expr::str(database_secret_name(env))),
            ("secret_path", Expr::str(&path)),
            ("protected", Expr::Bool(production)),
            tags(),
        ]);
        let comment = format!(
            "Managed PostgreSQL on the private network only; its connection URL is a secret.\nDaily backups: {}.",
            match daily {
                Some(d) => format!("Scaleway's automatic backups, kept {} days", d.days()),
                None => "off (daily_backups = false)".to_string(),
            }
        );
        b.items
            .extend(module_call("database", "database", &comment, attrs).items);

        if has_backup_jobs(env) {
            let tier = |t: &Option<crate::resolve::BackupJob>| match t {
                Some(j) => Expr::InlineObject(vec![
                    ("schedule".to_string(), Expr::str(&j.schedule)),
                    ("retention_days".to_string(), Expr::uint(j.retention.days())),
                ]),
                None => Expr::Null,
            };
            b.items.extend(
                module_call(
                    "backups",
                    "backups",
                    "Weekly and monthly database backups: scheduled Serverless Jobs running the Scaleway CLI.\nTheir API key is created by generated/bootstrap and read from the two secrets below.",
                    vec![
                        ("name", Expr::str(format!("{prefix}-backup"))),
                        region(),
                        ("project_id", Expr::raw("var.project_id")),
                        ("instance_id", Expr::raw("module.database.instance_id")),
                        ("database_name", Expr::str(&db.name)),
                        (
                            "cli_image",
                            Expr::str(format!("scaleway/cli:{}", resolved.versions.scaleway_cli)),
                        ),
                        ("timezone", Expr::str(&db.backups.timezone)),
                        ("weekly", tier(&db.backups.weekly)),
                        ("monthly", tier(&db.backups.monthly)),
                        ("secret_path", Expr::str(&path)),
                        ("access_key_secret_name", Expr::str(BACKUP_ACCESS_KEY_SECRET)),
                        ("secret_key_secret_name", Expr::str(BACKUP_SECRET_KEY_SECRET)),
                    ],
                )
                .items,
            );
        }
    }

    let mut services: Vec<&ResolvedService> = env.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    for s in services {
        b.items
            .extend(service_call(env, &prefix, s, &tag_list).items);
    }

    let mut products = vec![];
    if env.database.is_some() {
        products.push("PostgreSQL".to_string());
    }
    products.push("Serverless Containers".to_string());
    if has_backup_jobs(env) {
        products.push("Serverless Jobs".to_string());
    }
    b.items.extend(
        module_call(
            "monitoring",
            "monitoring",
            "Cockpit alert manager, its contacts and Scaleway's preconfigured alerts; a token for CI\nto push the alert rules of generated/alerts/.",
            vec![
                ("project_id", Expr::raw("var.project_id")),
                region(),
                ("contacts", str_list(&env.alerts.contacts)),
                ("preconfigured_products", str_list(&products)),
                ("secret_path", Expr::str(&path)),
                tags(),
            ],
        )
        .items,
    );
    b
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
/// template mixing both.
fn env_value(t: &crate::resolve::Template) -> Expr {
    let parts = t
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Literal(s) => Part::Lit(s.clone()),
            TemplatePart::ServiceUrl(name) => Part::Interp(
                Traversal::root("module")
                    .attr(&service_module(name))
                    .attr("url")
                    .expr(),
            ),
            // Reported by policy before emitting; kept as literal text if ever reached.
            TemplatePart::Unknown(r) => Part::Lit(format!("${{{r}}}")),
        })
        .collect::<Vec<_>>();
    match parts.as_slice() {
        [Part::Lit(s)] => Expr::str(s),
        _ => Expr::Template(parts),
    }
}

fn service_call(
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
            "image",
            Expr::Template(vec![
                Part::Interp(Expr::raw("module.registry.endpoint")),
                Part::Lit(format!("/{}:", s.image)),
                Part::Interp(release().attr("tag").expr()),
            ]),
        ),
        ("image_digest", release().attr("digest").expr()),
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
            Expr::object(s.env.iter().map(|(k, v)| (k.clone(), env_value(v)))),
        ));
    }
    let mut secret_names: Vec<&String> = s.secrets.iter().collect();
    secret_names.sort();
    secret_names.dedup();
    let secret_ids: Vec<(String, Expr)> = secret_names
        .into_iter()
        .filter_map(|name| {
            let secret = env.secrets.iter().find(|x| &x.name == name)?;
            let id = match secret.source {
                SecretSource::Database => {
                    env.database.as_ref()?;
                    Expr::raw("module.database.url_secret_id")
                }
                SecretSource::Operator | SecretSource::Generated => Traversal::root("module")
                    .attr("secrets")
                    .attr("secret_ids")
                    .key(name)
                    .expr(),
            };
            Some((name.clone(), id))
        })
        .collect();
    if !secret_ids.is_empty() {
        attrs.push(("secret_ids", Expr::Object(secret_ids)));
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
        .map(|d| format!("Service {}: {d}.", s.name))
        .unwrap_or_else(|| format!("Service {}.", s.name));
    module_call(&service_module(&s.name), "service", &what, attrs)
}

fn outputs(env: &ResolvedEnvironment) -> Body {
    let output = |b: &mut Body, name: &str, description: &str, value: Expr| {
        let mut o = Body::new();
        o.attr("description", Expr::str(description))
            .attr("value", value);
        b.block(Block::new("output", [name]).with_body(o)).blank();
    };
    let mut services: Vec<&ResolvedService> = env.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut b = Body::new();
    output(
        &mut b,
        "service_urls",
        "Public HTTPS URL of every service, by name.",
        Expr::object(services.iter().map(|s| {
            (
                s.name.clone(),
                Traversal::root("module")
                    .attr(&service_module(&s.name))
                    .attr("url")
                    .expr(),
            )
        })),
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
    );
    output(
        &mut b,
        "database_port",
        "Port of the database (null without a database).",
        db("port"),
    );
    output(
        &mut b,
        "registry_endpoint",
        "Registry endpoint images are pushed to.",
        Expr::raw("module.registry.endpoint"),
    );
    output(
        &mut b,
        "release",
        "Image tag and digest of every service as deployed (the rollback target of the next deploy).",
        Expr::raw("var.release"),
    );
    output(
        &mut b,
        "alert_manager_url",
        "Cockpit alert manager URL.",
        Expr::raw("module.monitoring.alert_manager_url"),
    );
    output(
        &mut b,
        "metrics_datasource_url",
        "Cockpit metrics data source URL (Prometheus API).",
        Expr::raw("module.monitoring.metrics_datasource_url"),
    );
    output(
        &mut b,
        "rules_token_secret_id",
        "Secret Manager id of the Cockpit token the deploy workflow pushes alert rules with.",
        Expr::raw("module.monitoring.rules_token_secret_id"),
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

    #[test]
    fn env_values_become_references_or_templates() {
        let lone = crate::resolve::Template::parse("${services.api.url}", "s", "p");
        assert_eq!(
            super::super::hcl::render("", &{
                let mut b = Body::new();
                b.attr("a", env_value(&lone)).attr(
                    "b",
                    env_value(&crate::resolve::Template::parse(
                        "${services.api.url}/v1 ${project}",
                        "s",
                        "p",
                    )),
                );
                b
            }),
            "a = module.service_api.url\nb = \"${module.service_api.url}/v1 p\"\n"
        );
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
