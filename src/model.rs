//! The shape of `environments.yaml`: the types the JSON Schema is derived from.
//!
//! Every setting that an environment may override lives in [`Settings`]; every field there is
//! optional, because `defaults:` and each `environments.<name>:` section may give only a part of
//! it. The `resolve` stage merges `defaults` with one environment's overrides and turns the result
//! into a [`crate::resolve::ResolvedEnvironment`] with built-in defaults applied.
//!
//! Units are written in the value, the way humans write them: `512MB`, `2GB`, `1000m` (mvCPU),
//! `10s`, `30d`. The unit types below ([`Memory`], [`Cpu`], [`Duration`]) parse them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Root of `environments.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tofugen environments.yaml")]
pub struct Config {
    /// Short project name, used as a prefix of every Scaleway resource name (e.g. `shop`).
    #[schemars(extend("x-domain" = "project-name"))]
    pub project: String,
    /// Pinned tool and provider versions, shared by every environment.
    pub versions: Versions,
    /// Settings every environment inherits unless it overrides them.
    #[serde(default)]
    pub defaults: Settings,
    /// The environments, by name (e.g. `staging`, `production`). Each one is an isolated
    /// Scaleway project with its own state, registry, network, database and services.
    #[schemars(extend("x-key-domain" = "environment-name"))]
    pub environments: BTreeMap<String, EnvironmentSpec>,
    /// GitHub Actions settings for the generated workflows.
    #[serde(default)]
    pub ci: CiSpec,
    /// Where the generated roots find their modules (default: tofugen's module library,
    /// vendored into `generated/modules/`).
    #[serde(default)]
    pub modules: Option<ModulesSpec>,
    /// Policy rule overrides: turn a rule off or change its level, with a reason
    /// (`tofugen rules` lists the rules).
    #[serde(default)]
    pub policy: Option<PolicySpec>,
}

/// Where the generated roots find their modules.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ModulesSpec {
    /// A directory of this repository, relative to its root, holding the modules instead of
    /// the vendored library (e.g. `modules` in tofugen's own repository, where the library's
    /// sources live). Nothing is vendored then.
    #[serde(default)]
    #[schemars(extend("x-domain" = "repository-dir"))]
    pub path: Option<String>,
}

/// How the policy rules apply to this configuration.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Rule overrides, in order; when several match a finding, the last one wins.
    #[serde(default)]
    pub overrides: Vec<PolicyOverrideSpec>,
}

/// One rule override: a rule turned off or set to another level, optionally only in some
/// environments and only for one value and what lies under it, always with a reason.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverrideSpec {
    /// The rule: its code (`TG040`) or its name (`unused-secret`).
    pub rule: String,
    /// `off`, `warning` or `error`.
    pub level: RuleLevel,
    /// Environments it applies to (default: every environment). An empty list is refused: it
    /// would match no environment; leave the key out to mean every environment.
    #[serde(default)]
    #[schemars(length(min = 1))]
    #[schemars(extend(
        "x-item-domain" = "environment-name",
        "x-empty-help" = "remove the `environments` key to apply the override to every environment, or name at least one environment"
    ))]
    pub environments: Option<Vec<String>>,
    /// Effective path of the value it applies to, as `tofugen explain` prints it (e.g.
    /// `services.api.env.PROJECT_ID`); findings about that value and anything under it
    /// (default: every finding of the rule).
    #[serde(default)]
    #[schemars(extend("x-domain" = "policy-path"))]
    pub path: Option<String>,
    /// Why the rule does not apply here: `tofugen explain` shows it, the generated files do
    /// not.
    #[schemars(extend("x-domain" = "reason"))]
    pub reason: String,
}

/// Level of a rule's findings: `off` (none), `warning` (reported, output still produced) or
/// `error` (nothing is generated).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Warning,
    Error,
}

/// Pinned versions of OpenTofu, the providers and the Scaleway CLI image used by backup jobs.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Versions {
    /// Exact OpenTofu version CI installs (e.g. `1.12.6`); the roots require at least 1.12.2.
    #[schemars(extend("x-domain" = "version-constraint"))]
    pub opentofu: String,
    /// Exact `scaleway/scaleway` provider version (e.g. `2.81.0`).
    #[schemars(extend("x-domain" = "version-constraint"))]
    pub scaleway_provider: String,
    /// Exact `hashicorp/random` provider version (e.g. `3.7.2`).
    #[schemars(extend("x-domain" = "version-constraint"))]
    pub random_provider: String,
    /// Scaleway CLI image tag used by the backup jobs (e.g. `v2.61.0`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "image-tag"))]
    pub scaleway_cli: Option<String>,
}

/// What `environments.<name>` may hold: environment-only options plus any [`Settings`] override.
///
/// Only used to describe the file (JSON Schema); the `resolve` stage reads the options and the
/// overrides separately.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[schemars(deny_unknown_fields)]
pub struct EnvironmentSpec {
    #[serde(flatten)]
    pub options: EnvironmentOptions,
    #[serde(flatten)]
    pub settings: Settings,
}

/// Options that only make sense on one environment.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
pub struct EnvironmentOptions {
    /// Another environment whose settings this one inherits (after `defaults`, before its own
    /// section), e.g. `production-eu` extends `production`. Chains are followed; identity
    /// options (`scaleway_project`, `promote_from`, `github_environment`, `extends`) are never
    /// inherited.
    #[serde(default)]
    #[schemars(extend("x-domain" = "environment-name"))]
    pub extends: Option<String>,
    /// `production` turns on the production policy rules (redundancy, HA, backup retention).
    /// Inherited through `extends`; default: from the name (`production`/`prod`, `staging`,
    /// else `development`).
    #[serde(default)]
    pub tier: Option<Tier>,
    /// Name of this environment's Scaleway project (default: `<project>-<environment>`).
    #[serde(default)]
    pub scaleway_project: Option<String>,
    /// Environment whose tested images this one receives (e.g. production promotes from staging).
    #[serde(default)]
    pub promote_from: Option<String>,
    /// GitHub environment holding this environment's secrets and reviewers (default: its name).
    #[serde(default)]
    #[schemars(extend("x-domain" = "github-environment"))]
    pub github_environment: Option<String>,
}

/// Everything an environment can override. Absent fields inherit from `defaults`, then from
/// tofugen's built-in defaults.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Scaleway region: `fr-par`, `nl-ams` or `pl-waw`.
    #[serde(default)]
    #[schemars(extend("x-domain" = "region"))]
    pub region: Option<String>,
    /// Scaleway zone inside the region: `<region>-1` to `<region>-3` (e.g. `fr-par-1`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "zone"))]
    pub zone: Option<String>,
    /// Where OpenTofu keeps this environment's state.
    #[serde(default)]
    pub state: Option<StateSpec>,
    /// Container Registry namespace for this environment's images.
    #[serde(default)]
    pub registry: Option<RegistrySpec>,
    /// The Serverless Containers, by name.
    #[serde(default)]
    #[schemars(extend("x-key-domain" = "service-name"))]
    pub services: Option<BTreeMap<String, ServiceSpec>>,
    /// The Managed PostgreSQL database.
    #[serde(default)]
    pub database: Option<DatabaseSpec>,
    /// The secrets, by the environment variable name services read them under. Values never
    /// appear here: only where they come from.
    #[serde(default)]
    #[schemars(extend("x-key-domain" = "secret-name"))]
    pub secrets: Option<BTreeMap<String, SecretSpec>>,
    /// Cockpit alerting: contacts, detection objective and rules.
    #[serde(default)]
    pub alerts: Option<AlertsSpec>,
    /// The API keys the bootstrap root creates for this environment (CI's deployer and
    /// planner, a promotion source's registry reader, the backup jobs').
    #[serde(default)]
    pub api_keys: Option<ApiKeysSpec>,
}

/// The API keys of an environment's IAM applications.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ApiKeysSpec {
    /// The day every API key of the environment expires, at 00:00 UTC: `YYYY-MM-DD` (default:
    /// the keys never expire). Required in an Organization that enforces a maximum API key
    /// lifetime, where keys without one are refused. Changing it replaces every key of the
    /// environment (the provider forces a new key when its expiry changes): update the GitHub
    /// secrets after the bootstrap apply. The bootstrap README also says how to keep the keys.
    #[serde(default)]
    #[schemars(extend("x-domain" = "date"))]
    pub expire_on: Option<String>,
}

/// Environment tier; `production` enables the production policy.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Development,
    Staging,
    Production,
}

/// The S3 backend on Scaleway Object Storage. `{project}` and `{env}` are replaced.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// Bucket name template (default: `{project}-tfstate-{env}`).
    #[serde(default)]
    pub bucket: Option<String>,
    /// Object key template (default: `{env}/terraform.tfstate`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "state-key"))]
    pub key: Option<String>,
    /// How long non-current state versions are kept: whole days, `1d` to `3650d` (default: 90d).
    #[serde(default)]
    pub keep_versions: Option<Duration>,
}

/// Container Registry namespace. `{project}` and `{env}` are replaced.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RegistrySpec {
    /// Namespace name template (default: `{project}-{env}`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "registry-namespace"))]
    pub namespace: Option<String>,
}

/// One Serverless Container.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Set to `false` to leave this service out of an environment.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// One line saying what the service is.
    #[serde(default)]
    pub description: Option<String>,
    /// Image repository name in the environment's registry namespace (e.g. `shop-api`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "image"))]
    pub image: Option<String>,
    /// How CI builds the image.
    #[serde(default)]
    pub build: Option<BuildSpec>,
    /// The HTTP port the container listens on. Serverless Containers route only HTTP.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub port: Option<u16>,
    /// `http1` (default) or `h2c`.
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// CPU limit: `1000m` (mvCPU) or a number of vCPU (`1`, `0.5`).
    #[serde(default)]
    pub cpu: Option<Cpu>,
    /// Memory limit: `512MB`, `2GB` (decimal units, as Scaleway bills them).
    #[serde(default)]
    pub memory: Option<Memory>,
    /// Autoscaling bounds and the one scaling signal.
    #[serde(default)]
    pub scale: Option<ScaleSpec>,
    /// Health probes.
    #[serde(default)]
    pub probes: Option<ProbesSpec>,
    /// `public` (reachable from the internet) or `private` (callers need an IAM token). The
    /// built-in default is `public`, and rule TG047 warns when a service leaves it unsaid.
    #[serde(default)]
    pub privacy: Option<Privacy>,
    /// Refuse plain HTTP (default: true).
    #[serde(default)]
    pub https_only: Option<bool>,
    /// Plain environment variables. `${services.NAME.url}` refers to another service's URL.
    /// Never put a secret here: list it under `secrets`.
    #[serde(default)]
    #[schemars(extend("x-key-domain" = "env-var-name"))]
    pub env: Option<BTreeMap<String, String>>,
    /// Names of secrets (declared under `secrets:`) injected as environment variables.
    #[serde(default)]
    #[schemars(extend("x-item-domain" = "secret-name"))]
    pub secrets: Option<Vec<String>>,
    /// Whether the service reaches the database (attaches it to the private network).
    #[serde(default)]
    pub database: Option<bool>,
    /// Overrides the image ENTRYPOINT.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Overrides the image CMD.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Maximum request duration (default: `300s`; Scaleway allows 10s to 60m).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// `v2` (gVisor, default) or `v1` (legacy, full syscalls).
    #[serde(default)]
    pub sandbox: Option<Sandbox>,
}

/// How CI builds a service image.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    /// Build context, relative to the application repository root (default: `.`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "build-context"))]
    pub context: Option<String>,
    /// Dockerfile path, relative to the application repository root.
    #[serde(default)]
    #[schemars(extend("x-domain" = "build-file"))]
    pub dockerfile: Option<String>,
}

/// HTTP protocol between the Scaleway edge and the container.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http1,
    H2c,
}

/// Who may call the container.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    Public,
    Private,
}

/// Container sandbox.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sandbox {
    V1,
    V2,
}

/// Autoscaling. Give at most one of the three signals.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ScaleSpec {
    /// Instances kept running (0 allows scale-to-zero).
    #[serde(default)]
    pub min: Option<u32>,
    /// Maximum instances (Scaleway allows up to 50).
    #[serde(default)]
    pub max: Option<u32>,
    /// Scale out above this many concurrent requests per instance (1 to 80).
    #[serde(default)]
    pub concurrent_requests: Option<u32>,
    /// Scale out above this CPU usage, in percent.
    #[serde(default)]
    pub cpu_percent: Option<u32>,
    /// Scale out above this memory usage, in percent.
    #[serde(default)]
    pub memory_percent: Option<u32>,
}

/// Liveness and startup probes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProbesSpec {
    /// Restarts the instance when it fails; unhealthy instances get no traffic.
    #[serde(default)]
    pub liveness: Option<ProbeSpec>,
    /// Runs only while the instance starts; a failing new revision aborts the deploy.
    #[serde(default)]
    pub startup: Option<ProbeSpec>,
}

/// One probe: an HTTP `path` or `tcp: true`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// HTTP path that answers 2xx/3xx when healthy (e.g. `/health`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "probe-path"))]
    pub path: Option<String>,
    /// Probe by opening a TCP connection instead of HTTP.
    #[serde(default)]
    pub tcp: Option<bool>,
    /// Time between probes (e.g. `10s`).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Time a probe may take (e.g. `5s`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Consecutive failures before the instance counts as failed.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub failure_threshold: Option<u32>,
}

/// The Managed PostgreSQL instance, on the private network only.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Set to `false` for an environment without a database.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Engine and major version, e.g. `PostgreSQL-16`.
    #[serde(default)]
    #[schemars(extend("x-domain" = "database-engine"))]
    pub engine: Option<String>,
    /// Node type, e.g. `DB-DEV-S`, `DB-PRO2-XS`.
    #[serde(default)]
    #[schemars(extend("x-domain" = "database-node-type"))]
    pub node_type: Option<String>,
    /// Block volume: type and size.
    #[serde(default)]
    pub volume: Option<VolumeSpec>,
    /// High availability (hot standby). Required in production.
    #[serde(default)]
    pub ha: Option<bool>,
    /// Read replicas, placed in another zone: at most 3 (modules/database `read_replicas`).
    #[serde(default)]
    #[schemars(range(max = 3))]
    pub read_replicas: Option<u32>,
    /// Application database name (default: the project name, `-` written `_`).
    #[serde(default)]
    pub name: Option<String>,
    /// Application user name (default: the project name, `-` written `_`).
    #[serde(default)]
    pub user: Option<String>,
    /// Engine settings (e.g. `max_connections: "200"`); unset, the engine's defaults. Scaleway
    /// returns every setting of the instance, its defaults included (six for PostgreSQL in the
    /// provider's own recording), so a setting left out of this map may show as removed in
    /// each plan: list the defaults you keep with the ones you change.
    #[serde(default)]
    #[schemars(extend("x-key-domain" = "database-setting"))]
    pub settings: Option<BTreeMap<String, String>>,
    /// Backup tiers.
    #[serde(default)]
    pub backups: Option<BackupsSpec>,
}

/// Database volume.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct VolumeSpec {
    /// `sbs_5k` (default), `sbs_15k` or `lssd` (first-generation node types only).
    #[serde(default, rename = "type")]
    pub kind: Option<VolumeType>,
    /// Size, a multiple of 5GB for block volumes (e.g. `20GB`).
    #[serde(default)]
    pub size: Option<Memory>,
}

/// Database volume type.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VolumeType {
    #[serde(rename = "sbs_5k")]
    Sbs5k,
    #[serde(rename = "sbs_15k")]
    Sbs15k,
    Lssd,
}

/// Backup tiers: daily (Scaleway's native schedule), weekly and monthly (scheduled jobs).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupsSpec {
    /// Native automatic backups, every 24 hours at a time Scaleway picks (no `schedule`).
    #[serde(default)]
    pub daily: Option<DailyBackupSpec>,
    /// Weekly backups made by a scheduled job.
    #[serde(default)]
    pub weekly: Option<BackupTierSpec>,
    /// Monthly backups made by a scheduled job.
    #[serde(default)]
    pub monthly: Option<BackupTierSpec>,
    /// Time zone of the job schedules (default: `Europe/Paris`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "timezone"))]
    pub timezone: Option<String>,
    /// Store the instance's logical backups (every tier) in its own region: `true`; or, by
    /// default (`false`, Scaleway's), on a backend in another region than the instance.
    #[serde(default)]
    pub same_region: Option<bool>,
}

/// The daily tier: Scaleway's native automatic backups. It has no `schedule`: provider
/// 2.81.0's `scaleway_rdb_instance` takes `backup_schedule_frequency` (hours) and
/// `backup_schedule_retention`, no start time, so a schedule would be accepted and not used.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DailyBackupSpec {
    /// Set to `false` to turn daily backups off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// How long each backup is kept (e.g. `30d`).
    #[serde(default)]
    pub retention: Option<Duration>,
}

/// A weekly or monthly backup tier (a scheduled job).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupTierSpec {
    /// Set to `false` to turn this tier off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// How long each backup is kept (e.g. `30d`, `90d`, `365d`).
    #[serde(default)]
    pub retention: Option<Duration>,
    /// Cron schedule, e.g. `0 3 * * 0`.
    #[serde(default)]
    #[schemars(extend("x-domain" = "cron"))]
    pub schedule: Option<String>,
}

/// Where a secret's value comes from. The value itself never appears in the repository.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    /// `operator` (a human stores the value in Secret Manager), `generated` (OpenTofu generates
    /// a random value, write-only) or `database` (the database connection URL).
    #[serde(default)]
    pub source: Option<SecretSource>,
    /// What the secret is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Length of a `generated` secret (default: 48).
    #[serde(default)]
    pub length: Option<u32>,
    /// URL scheme of a `database` secret (default: `postgresql`), e.g. `postgresql+psycopg2`
    /// for SQLAlchemy with psycopg2.
    #[serde(default)]
    #[schemars(extend("x-domain" = "url-scheme"))]
    pub scheme: Option<String>,
    /// Whether a `database` secret's URL ends with `/<database name>` (default: true). Set to
    /// false for applications that append the database name themselves.
    #[serde(default)]
    pub include_database: Option<bool>,
}

/// Where a secret's value comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecretSource {
    Operator,
    Generated,
    Database,
}

/// Cockpit alerting.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertsSpec {
    /// E-mail addresses of the alert manager's contact points.
    #[serde(default)]
    pub contacts: Option<Vec<String>>,
    /// Longest acceptable time between a failure and its alert (e.g. `5m`).
    #[serde(default)]
    pub detection_objective: Option<Duration>,
    /// Rule-group evaluation interval (default: `30s`).
    #[serde(default)]
    pub evaluation_interval: Option<Duration>,
    /// Runbook base URL; each alert links to `<runbook_url>#<alert-name>`.
    #[serde(default)]
    #[schemars(extend("x-domain" = "runbook-url"))]
    pub runbook_url: Option<String>,
    /// The alert rules, by name.
    #[serde(default)]
    #[schemars(extend("x-key-domain" = "alert-rule-name"))]
    pub rules: Option<BTreeMap<String, AlertRuleSpec>>,
}

/// One alert rule: a built-in `kind` (with `service` for container kinds) or a custom `expr`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleSpec {
    /// Set to `false` to drop this rule in an environment.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Built-in alert kind.
    #[serde(default)]
    pub kind: Option<AlertKind>,
    /// Service the rule watches (container kinds); `*` means every service.
    #[serde(default)]
    #[schemars(extend("x-domain" = "alert-service"))]
    pub service: Option<String>,
    /// Custom PromQL expression (instead of `kind`).
    #[serde(default)]
    #[schemars(extend("x-multiline" = true))]
    pub expr: Option<String>,
    /// Threshold the built-in kind compares against (percent, seconds or count by kind).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// How long the condition must hold before the alert fires (e.g. `2m`).
    #[serde(default, rename = "for")]
    pub for_: Option<Duration>,
    /// `critical`, `warning` or `info`.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// One-line summary (a built-in kind's own when absent).
    #[serde(default)]
    #[schemars(extend("x-domain" = "alert-template"))]
    pub summary: Option<String>,
    /// Longer description (a built-in kind's own when absent); may span several lines.
    #[serde(default)]
    #[schemars(extend("x-domain" = "alert-template", "x-multiline" = true))]
    pub description: Option<String>,
}

/// Built-in alert kinds.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    ContainerError,
    ContainerCpu,
    ContainerMemory,
    ContainerInstancesBelowMin,
    DatabaseCpu,
    DatabaseStorage,
    DatabaseMemory,
    DatabaseConnections,
    DatabaseReplicationLag,
    BackupJobFailed,
}

/// Alert severity.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// GitHub Actions settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct CiSpec {
    /// Runner label (default: `ubuntu-24.04`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "runner-label"))]
    pub runner: Option<String>,
    /// Branch whose pushes deploy one environment (default: `main`): `deploy_to`, else the
    /// only environment that promotes from none; never a production one (rule TG029).
    #[serde(default)]
    #[schemars(extend("x-domain" = "git-branch"))]
    pub branch: Option<String>,
    /// Repository holding the application sources and Dockerfiles, if not this one
    /// (e.g. `acme/shop`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "github-repository"))]
    pub app_repository: Option<String>,
    /// `true` when `app_repository` is private: the workflows check it out with the secret
    /// `APP_REPOSITORY_TOKEN` of the deployed environment's GitHub environment (a token that
    /// can read its contents), as the workflow's own token reads only this repository.
    #[serde(default)]
    pub app_repository_private: Option<bool>,
    /// The environment every push to `branch` deploys (default: the one environment that
    /// promotes from none; the others receive releases by promotion). Never inferred from
    /// the order of the environments in the file.
    #[serde(default)]
    #[schemars(extend("x-domain" = "environment-name"))]
    pub deploy_to: Option<String>,
    /// How the generated workflows install tofugen.
    #[serde(default)]
    pub tofugen: Option<TofugenInstallSpec>,
}

/// How the generated workflows install tofugen.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TofugenInstallSpec {
    /// `crates` (default: `cargo install --locked tofugen@<version>`), `git` (`cargo install
    /// --locked --git <git> --tag v<version>`, or `--rev <rev>` when `rev` is given) or
    /// `source` (build the repository's own sources: for tofugen's own repository).
    #[serde(default)]
    pub install: Option<InstallMethod>,
    /// The tofugen version CI installs (default: the version that generated the tree).
    #[serde(default)]
    #[schemars(extend("x-domain" = "exact-version"))]
    pub version: Option<String>,
    /// Git repository URL of tofugen (with `install: git`).
    #[serde(default)]
    #[schemars(extend("x-domain" = "git-url"))]
    pub git: Option<String>,
    /// A full commit SHA of that repository to install instead of the tag `v<version>` (with
    /// `install: git`): a commit cannot move, and an untagged version can be pinned.
    #[serde(default)]
    #[schemars(extend("x-domain" = "commit-sha"))]
    pub rev: Option<String>,
}

/// How CI gets the tofugen binary.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InstallMethod {
    /// From crates.io, pinned to a version.
    Crates,
    /// From a git repository, pinned to a tag.
    Git,
    /// Built from this repository's sources.
    Source,
}

// ---------------------------------------------------------------------------------------------
// Unit types
// ---------------------------------------------------------------------------------------------

/// A size in decimal bytes, written `512MB`, `2GB` or `1TB` (Scaleway uses decimal units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Memory {
    /// Size in bytes.
    pub bytes: u64,
}

impl Memory {
    /// Parses `512MB`, `2GB`, `1TB` (decimal). Returns a message describing the expected form.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("`{t}` has no unit; expected e.g. `512MB` or `2GB`"))?;
        let (number, unit) = t.split_at(split);
        let unit = unit.trim();
        let factor: u64 = match unit {
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "TB" => 1_000_000_000_000,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` in `{t}`; expected MB, GB or TB (decimal)"
                ));
            }
        };
        whole_number(t, number, factor, unit).map(|bytes| Memory { bytes })
    }

    /// Size in megabytes (decimal).
    pub fn megabytes(&self) -> u64 {
        self.bytes / 1_000_000
    }

    /// Size in gigabytes (decimal).
    pub fn gigabytes(&self) -> u64 {
        self.bytes / 1_000_000_000
    }
}

/// The amount `number` (ASCII digits) times `factor`, for the text `t` whose unit is `unit`: an
/// empty number is not a number; one that overflows `u64` (digits or product) is too large,
/// and the message says the largest amount of that unit.
fn whole_number(t: &str, number: &str, factor: u64, unit: &str) -> Result<u64, String> {
    if number.is_empty() {
        return Err(format!("`{t}` does not start with a whole number"));
    }
    let max = u64::MAX / factor;
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| too_large(t, max, unit))
}

/// The message for an amount over `max` of `unit`, the most tofugen can hold: not a limit of
/// any field, which its rules check once the amount reads (sweep 29, F7: the help offered
/// `18446744073GB` of memory, which the Scaleway limits then refused).
fn too_large(t: &str, max: u64, unit: &str) -> String {
    format!("`{t}` is too large to read: {READS_UP_TO}`{max}{unit}`")
}

/// The words of [`too_large`] before the largest amount: the decoder finds that amount after
/// them.
pub const READS_UP_TO: &str = "tofugen reads amounts up to ";

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bytes.is_multiple_of(1_000_000_000) {
            write!(f, "{}GB", self.bytes / 1_000_000_000)
        } else {
            write!(f, "{}MB", self.bytes / 1_000_000)
        }
    }
}

/// A CPU limit in mvCPU (1000 = one vCPU), written `1000m` or as vCPU (`1`, `0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cpu {
    /// Thousandths of a vCPU.
    pub millis: u32,
}

impl Cpu {
    /// Parses `1000m`, `1`, `0.5`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if let Some(m) = t.strip_suffix('m') {
            if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) {
                return m
                    .parse::<u32>()
                    .map(|millis| Cpu { millis })
                    .map_err(|_| too_large(t, u64::from(u32::MAX), "m"));
            }
            return Err(match finer_than_millis(t) {
                Some(up) => format!("`{t}` is finer than 1 mvCPU: write `{up}m`"),
                None => format!("`{t}` is not a whole number of mvCPU like `1000m`"),
            });
        }
        // Scaleway takes whole mvCPU: a finer amount is refused, not rounded in silence.
        if let Some(up) = finer_than_millis(t) {
            return Err(format!(
                "`{t}` vCPU is finer than 1 mvCPU (0.001 vCPU): write `{up}m`"
            ));
        }
        let v: f64 = t
            .parse()
            .map_err(|_| format!("`{t}` is not a CPU amount; expected `1000m` or `1`"))?;
        Self::from_vcpu(v)
    }

    /// Converts a number of vCPU.
    pub fn from_vcpu(v: f64) -> Result<Self, String> {
        if v > 1000.0 {
            return Err(format!(
                "`{v}` vCPU is too large to read: {READS_UP_TO}`1000000m` (1000 vCPU)"
            ));
        }
        if !(v.is_finite() && v > 0.0 && v <= 1000.0) {
            return Err(format!("`{v}` vCPU is out of range"));
        }
        let millis = (v * 1000.0).round();
        Ok(Cpu {
            millis: millis as u32,
        })
    }
}

/// For a decimal amount finer than a whole unit of mvCPU (`1.0005` vCPU, `70.5m`), the
/// next whole number of mvCPU above it (`1001`, `71`); `None` for any other text.
pub fn finer_than_millis(text: &str) -> Option<u64> {
    let (number, scale) = match text.strip_suffix('m') {
        Some(m) => (m, 0),
        None => (text, 3),
    };
    let (int, frac) = number.split_once('.')?;
    if int.is_empty()
        || frac.is_empty()
        || int.len() > 9
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (kept, rest) = frac.split_at(frac.len().min(scale));
    if rest.bytes().all(|b| b == b'0') {
        return None;
    }
    let kept = format!("{kept:0<scale$}");
    let whole: u64 = format!("{int}{kept}").parse().ok()?;
    Some(whole + 1)
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}m", self.millis)
    }
}

/// A duration, written `30s`, `5m`, `1h`, `30d`, `2w` or `1y` (365 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    /// Whole seconds.
    pub seconds: u64,
}

impl Duration {
    /// Parses `30s`, `5m`, `1h`, `30d`, `2w`, `1y`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| {
            format!("`{t}` has no unit; expected a number and one of s, m, h, d, w, y (e.g. `30s`)")
        })?;
        let (number, unit) = t.split_at(split);
        let factor = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            "y" => 365 * 86_400,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{t}`; expected s, m, h, d, w or y"
                ));
            }
        };
        whole_number(t, number, factor, unit).map(|seconds| Duration { seconds })
    }

    /// Builds a duration from seconds.
    pub const fn from_secs(seconds: u64) -> Self {
        Duration { seconds }
    }

    /// Whole days (rounded down).
    pub fn days(&self) -> u64 {
        self.seconds / 86_400
    }

    /// Prometheus/Go duration text: `90s` → `1m30s`, `600s` → `10m`.
    pub fn prometheus(&self) -> String {
        if self.seconds == 0 {
            return "0s".to_string();
        }
        let mut rest = self.seconds;
        let mut out = String::new();
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= size {
                out.push_str(&format!("{}{}", rest / size, unit));
                rest %= size;
            }
        }
        out
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        if s == 0 {
            write!(f, "0s")
        } else if s.is_multiple_of(86_400) {
            write!(f, "{}d", s / 86_400)
        } else if s.is_multiple_of(3_600) {
            write!(f, "{}h", s / 3_600)
        } else if s.is_multiple_of(60) {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

macro_rules! unit_serde {
    ($ty:ty, $name:literal, $pattern:literal, $description:literal, $accept_numbers:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                match &value {
                    serde_json::Value::String(s) => <$ty>::parse(s).map_err(serde::de::Error::custom),
                    serde_json::Value::Number(n) if $accept_numbers => {
                        <$ty>::parse(&n.to_string()).map_err(serde::de::Error::custom)
                    }
                    other => Err(serde::de::Error::custom(format!(
                        "expected {}, found {other}",
                        $description
                    ))),
                }
            }
        }

        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                if $accept_numbers {
                    json_schema!({
                        "description": $description,
                        "anyOf": [
                            { "type": "string", "pattern": $pattern },
                            { "type": "number", "exclusiveMinimum": 0 }
                        ]
                    })
                } else {
                    json_schema!({
                        "description": $description,
                        "type": "string",
                        "pattern": $pattern
                    })
                }
            }
        }
    };
}

unit_serde!(
    Memory,
    "Memory",
    "^[0-9]+(MB|GB|TB)$",
    "a decimal size such as `512MB` or `2GB`",
    false
);
unit_serde!(
    Cpu,
    "Cpu",
    "^([0-9]+m|[0-9]+(\\.[0-9]{1,3}0*)?)$",
    "a CPU amount: mvCPU such as `1000m`, or vCPU such as `1` or `0.5`",
    true
);
unit_serde!(
    Duration,
    "Duration",
    "^[0-9]+(s|m|h|d|w|y)$",
    "a duration such as `30s`, `5m`, `1h`, `30d` or `1y`",
    false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_decimal() {
        assert_eq!(Memory::parse("2048MB").unwrap().bytes, 2_048_000_000);
        assert_eq!(Memory::parse("2GB").unwrap().bytes, 2_000_000_000);
        assert!(Memory::parse("2GiB").unwrap_err().contains("MB, GB or TB"));
        assert!(Memory::parse("512").is_err());
        assert_eq!(Memory::parse("2000MB").unwrap().to_string(), "2GB");
    }

    #[test]
    fn cpu_accepts_millis_and_vcpu() {
        assert_eq!(Cpu::parse("1000m").unwrap().millis, 1000);
        assert_eq!(Cpu::parse("0.5").unwrap().millis, 500);
        assert_eq!(Cpu::parse("2").unwrap().millis, 2000);
        assert!(Cpu::parse("fast").is_err());
    }

    /// An amount finer than 1 mvCPU is refused with the whole mvCPU above it, written in vCPU
    /// (`1.0005`, once rounded to 1001 in silence) as in mvCPU (`70.5m`).
    #[test]
    fn cpu_finer_than_one_millicpu_is_refused() {
        let e = Cpu::parse("1.0005").unwrap_err();
        assert!(
            e.contains("finer than 1 mvCPU") && e.contains("`1001m`"),
            "{e}"
        );
        let e = Cpu::parse("70.5m").unwrap_err();
        assert!(
            e.contains("finer than 1 mvCPU") && e.contains("`71m`"),
            "{e}"
        );
        assert_eq!(Cpu::parse("1.5000").unwrap().millis, 1500);
        assert_eq!(Cpu::parse("0.125").unwrap().millis, 125);
        assert_eq!(finer_than_millis("1.0005"), Some(1001));
        assert_eq!(finer_than_millis("0.0001"), Some(1));
        assert_eq!(finer_than_millis("70.5m"), Some(71));
        assert_eq!(finer_than_millis("1.250"), None);
        assert_eq!(finer_than_millis("70m"), None);
        assert_eq!(finer_than_millis("1"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(Duration::parse("30d").unwrap().seconds, 30 * 86_400);
        assert_eq!(Duration::parse("1y").unwrap().days(), 365);
        assert_eq!(Duration::parse("90s").unwrap().prometheus(), "1m30s");
        assert_eq!(Duration::parse("10m").unwrap().to_string(), "10m");
        assert!(Duration::parse("10 minutes").is_err());
        assert!(Duration::parse("99999999999999999999s").is_err());
        // Overflows say "too large" and give the largest amount of the unit.
        for (text, max) in [
            ("99999999999999999999s", "18446744073709551615s"),
            ("99999999999999999999y", "584942417355y"),
            ("18446744073709551615w", "30500568904943w"),
        ] {
            let e = Duration::parse(text).unwrap_err();
            assert_eq!(
                e,
                format!("`{text}` is too large to read: tofugen reads amounts up to `{max}`")
            );
        }
        for text in ["18446744073709551615GB", "99999999999999999999TB"] {
            let e = Memory::parse(text).unwrap_err();
            assert!(
                e.contains("is too large to read: tofugen reads amounts up to `"),
                "{e}"
            );
        }
        assert_eq!(
            Cpu::parse("184467440737095516160m").unwrap_err(),
            "`184467440737095516160m` is too large to read: tofugen reads amounts up to `4294967295m`"
        );
        assert_eq!(
            Cpu::parse("4294967296m").unwrap_err(),
            "`4294967296m` is too large to read: tofugen reads amounts up to `4294967295m`"
        );
        assert!(Cpu::parse("1e30").unwrap_err().contains("too large"));
        assert!(Duration::parse("s").unwrap_err().contains("whole number"));
    }
}
