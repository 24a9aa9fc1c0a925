//! Stage 3, resolve: `defaults` + the environment it `extends` (merged the same way, up its
//! chain) + `environments.<name>` overrides + built-in defaults → one [`ResolvedEnvironment`]
//! per environment, with the origin of every effective value. An environment's merged tree is
//! built from its parent's, and the trees of environments others extend are kept once built,
//! so long chains cost linear time.
//!
//! Merging happens on the positioned YAML tree, so every value keeps the line it came from:
//! mappings merge key by key, anything else (scalars, lists) is replaced by the override, and an
//! explicit `null` in an environment removes the inherited value (back to the built-in default).
//! The merged tree, with its mapping keys sorted, is the index of origins
//! ([`origins::Origins`]): no path string is built per value. It is built when asked for and
//! dropped with whoever asked ([`origins::Sections`]): resolving and policy each hold two at a
//! time (one per thread, [`crate::parallel::in_order_on`]; one at a time below
//! [`crate::parallel::VALIDATION_THREADS_FROM`] services).

pub mod origins;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Span, Suggester};
use crate::load::{Key, Node, NodeKind};
use crate::source::FileId;

use crate::model::{
    AlertKind, AlertRuleSpec, Config, Cpu, Duration, EnvironmentOptions, Memory, Privacy, Protocol,
    Sandbox, SecretSource, ServiceSpec, Settings, Severity, Tier, VolumeType,
};
pub use origins::{Layer, Origin, Origins, Sections};

/// Keys of `environments.<name>` that are environment options rather than setting overrides.
pub const ENVIRONMENT_OPTION_KEYS: [&str; 5] = [
    "extends",
    "tier",
    "scaleway_project",
    "promote_from",
    "github_environment",
];

/// Environment options an environment never inherits from another one (through `extends`):
/// they identify it. `tier` is inherited (a production-like environment is production), and so
/// are the `state` and `registry` templates: `{env}` in them names the inheriting environment,
/// and a literal state bucket two environments would share is rejected by policy (TG024).
pub const NOT_INHERITED: [&str; 4] = [
    "extends",
    "scaleway_project",
    "promote_from",
    "github_environment",
];

/// Built-in defaults, applied when neither `defaults` nor the environment sets a value.
pub mod builtin {
    use crate::model::{Cpu, Duration, Memory};

    /// Scaleway region.
    pub const REGION: &str = "fr-par";
    /// State bucket name template.
    pub const STATE_BUCKET: &str = "{project}-tfstate-{env}";
    /// State object key template.
    pub const STATE_KEY: &str = "{env}/terraform.tfstate";
    /// Days non-current state versions are kept.
    pub const STATE_KEEP_VERSIONS_DAYS: u64 = 90;
    /// Registry namespace template.
    pub const REGISTRY_NAMESPACE: &str = "{project}-{env}";
    /// Container CPU limit (Scaleway's default).
    pub const CPU: Cpu = Cpu { millis: 1000 };
    /// Container memory limit (Scaleway's default).
    pub const MEMORY: Memory = Memory {
        bytes: 2_048_000_000,
    };
    /// Minimum instances.
    pub const MIN_SCALE: u32 = 1;
    /// Maximum instances.
    pub const MAX_SCALE: u32 = 5;
    /// Request timeout.
    pub const TIMEOUT: Duration = Duration::from_secs(300);
    /// Probe interval.
    pub const PROBE_INTERVAL: Duration = Duration::from_secs(10);
    /// Probe timeout.
    pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
    /// Liveness failures before restart.
    pub const LIVENESS_FAILURES: u32 = 3;
    /// Startup failures before the deploy is aborted.
    pub const STARTUP_FAILURES: u32 = 30;
    /// Database engine.
    pub const DB_ENGINE: &str = "PostgreSQL-16";
    /// Database node type.
    pub const DB_NODE_TYPE: &str = "DB-DEV-S";
    /// Database volume size.
    pub const DB_VOLUME: Memory = Memory {
        bytes: 10_000_000_000,
    };
    /// Daily backup retention.
    pub const DAILY_RETENTION: Duration = Duration::from_secs(7 * 86_400);
    /// Weekly backup cron (Sunday 03:00).
    pub const WEEKLY_SCHEDULE: &str = "0 3 * * 0";
    /// Monthly backup cron (1st of the month, 04:00).
    pub const MONTHLY_SCHEDULE: &str = "0 4 1 * *";
    /// Weekly retention.
    pub const WEEKLY_RETENTION: Duration = Duration::from_secs(90 * 86_400);
    /// Monthly retention.
    pub const MONTHLY_RETENTION: Duration = Duration::from_secs(365 * 86_400);
    /// Backup job time zone.
    pub const BACKUP_TIMEZONE: &str = "Europe/Paris";
    /// Generated secret length.
    pub const SECRET_LENGTH: u32 = 48;
    /// URL scheme of `database` secrets.
    pub const DATABASE_URL_SCHEME: &str = "postgresql";
    /// Rule-group evaluation interval.
    pub const EVALUATION_INTERVAL: Duration = Duration::from_secs(30);
    /// Default `for` of an alert.
    pub const ALERT_FOR: Duration = Duration::from_secs(120);
    /// Scaleway CLI image tag of backup jobs.
    pub const SCALEWAY_CLI: &str = "v2.61.0";
    /// CI runner.
    pub const RUNNER: &str = "ubuntu-24.04";
    /// Deploy branch.
    pub const BRANCH: &str = "main";
}

/// Everything the emitters need: project-wide settings and every environment, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The configuration's path relative to the repository root, as every generated header and
    /// every generated `tofugen` command names it: set by [`crate::pipeline::compile`] to the
    /// name it was given; [`resolve`] alone sets the default, `environments.yaml`.
    #[serde(skip)]
    pub config_path: String,
    /// Project name (resource-name prefix).
    pub project: String,
    /// Pinned versions.
    pub versions: ResolvedVersions,
    /// GitHub Actions settings.
    pub ci: ResolvedCi,
    /// Environments, in the order of the file.
    pub environments: Vec<ResolvedEnvironment>,
    /// The repository directory holding the modules, or `None` for the vendored library.
    pub modules_path: Option<String>,
    /// Every `policy.overrides` entry that names a known rule, in file order (see
    /// [`crate::policy::overrides`]).
    pub policy_overrides: Vec<crate::policy::PolicyOverride>,
    /// [`Resolved::environment`]'s index, built on its first call.
    #[serde(skip)]
    by_name: NameIndex,
    /// Errors found while resolving where a stand-in let resolution go on (a service without
    /// an `image` gets `<no image for NAME>`, which no image can equal), so that the rules still check every environment
    /// in the same run (sweep 47: a missing image hid every rule's finding). The compilation
    /// that takes them ([`crate::pipeline`]) has errors and writes nothing; [`resolve`] returns
    /// them as its error.
    #[serde(skip)]
    pub deferred: Vec<Diagnostic>,
}

/// The position of each environment by name, built on the first lookup: the rules look
/// environments up by name for each environment (its `promote_from`, the section a value came
/// from), which a linear search made quadratic (30 000 environments: seconds). `environments`
/// is not changed after [`resolve`] builds it; a hit is checked against the name anyway, and a
/// debug build checks a miss too. A clone starts without it, and it takes no part in equality.
#[derive(Default)]
struct NameIndex(std::sync::OnceLock<std::collections::HashMap<String, usize>>);

impl Clone for NameIndex {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for NameIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameIndex")
    }
}

/// Below this many environments a linear search is as fast as building the index.
const INDEX_FROM: usize = 16;

impl Resolved {
    /// How many services there are over every environment (a service counted once per
    /// environment it is in): the size by which the stages decide whether threads are worth
    /// starting.
    pub fn services(&self) -> usize {
        self.environments.iter().map(|e| e.services.len()).sum()
    }

    /// The environment named `name`.
    pub fn environment(&self, name: &str) -> Option<&ResolvedEnvironment> {
        if self.environments.len() < INDEX_FROM {
            return self.environments.iter().find(|e| e.name == name);
        }
        let index = self.by_name.0.get_or_init(|| {
            self.environments
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.clone(), i))
                .collect()
        });
        match index.get(name) {
            Some(&i) => self
                .environments
                .get(i)
                .filter(|e| e.name == name)
                .or_else(|| self.environments.iter().find(|e| e.name == name)),
            None => {
                debug_assert!(!self.environments.iter().any(|e| e.name == name));
                None
            }
        }
    }

    /// The environment every push to the deploy branch deploys: `ci.deploy_to` when given,
    /// else the only environment that promotes from none. `None` when that is ambiguous or
    /// names nothing (policy reports it); never the first environment of the file by default.
    pub fn deploy_head(&self) -> Option<&ResolvedEnvironment> {
        if let Some(name) = &self.ci.deploy_to {
            return self.environment(name);
        }
        let mut heads = self
            .environments
            .iter()
            .filter(|e| e.promote_from.is_none());
        let head = heads.next()?;
        heads.next().is_none().then_some(head)
    }

    /// Drops where every value came from: the [`Sections`] behind every environment's
    /// [`Origins`] (`defaults`, each environment's section, the merged trees kept for
    /// environments others extend) and any merged tree a question built. `generate` and `check`
    /// do it once policy has reported its findings, since emitting never looks at origins.
    pub fn forget_origins(&mut self) {
        for env in &mut self.environments {
            env.origins = Origins::default();
        }
    }
}

/// Pinned versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedVersions {
    /// Exact OpenTofu version for CI.
    pub opentofu: String,
    /// Exact Scaleway provider version.
    pub scaleway_provider: String,
    /// Exact random provider version.
    pub random_provider: String,
    /// Scaleway CLI image tag for backup jobs.
    pub scaleway_cli: String,
}

/// GitHub Actions settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedCi {
    /// Runner label.
    pub runner: String,
    /// Branch whose pushes deploy [`Resolved::deploy_head`].
    pub branch: String,
    /// Repository with the application sources, when it is not this one.
    pub app_repository: Option<String>,
    /// Whether the workflows check the application repository out with the repository secret
    /// `APP_REPOSITORY_TOKEN` (`ci.app_repository_private`).
    pub app_repository_private: bool,
    /// The environment pushes deploy to, when given explicitly.
    pub deploy_to: Option<String>,
    /// How CI installs tofugen.
    pub tofugen: ResolvedTofugen,
}

/// How CI installs tofugen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedTofugen {
    /// Install method.
    pub install: crate::model::InstallMethod,
    /// Pinned version.
    pub version: String,
    /// Git repository (with `git`).
    pub git: Option<String>,
    /// Commit of that repository to install instead of the version's tag (with `git`).
    pub rev: Option<String>,
}

/// GitHub environment holding the read-only (planner) credentials of `github_environment`:
/// pull requests plan with them. Named here, where `github_environment` is resolved, for the
/// workflows, the bootstrap and the policy check that no two environments share one.
pub fn plan_environment(github_environment: &str) -> String {
    format!("{github_environment}-plan")
}

/// One environment with every setting decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedEnvironment {
    /// Environment name (`staging`).
    pub name: String,
    /// Tier; `production` enables the production policy.
    pub tier: Tier,
    /// Scaleway project name.
    pub scaleway_project: String,
    /// Environment whose images this one receives.
    pub promote_from: Option<String>,
    /// GitHub environment name.
    pub github_environment: String,
    /// Scaleway region.
    pub region: String,
    /// Scaleway zone.
    pub zone: String,
    /// State backend.
    pub state: ResolvedState,
    /// Registry namespace name.
    pub registry_namespace: String,
    /// Enabled services, in name order (byte order: [`ResolvedEnvironment::service`] searches
    /// them by it).
    pub services: Vec<ResolvedService>,
    /// The database, when enabled.
    pub database: Option<ResolvedDatabase>,
    /// Declared secrets, by name.
    pub secrets: Vec<ResolvedSecret>,
    /// Alerting.
    pub alerts: ResolvedAlerts,
    /// The day every API key of the environment expires (`api_keys.expire_on`, `YYYY-MM-DD`),
    /// or `None` for keys that never expire.
    pub api_keys_expire_on: Option<String>,
    /// The `policy.overrides` entries that apply in this environment (rules turned off or set
    /// to another level, with their reasons), in file order.
    pub policy_overrides: Vec<Arc<crate::policy::PolicyOverride>>,
    /// Where each value came from.
    #[serde(skip)]
    pub origins: Origins,
    /// The project name (for [`baseline`]).
    #[serde(skip)]
    pub project: String,
}

impl ResolvedEnvironment {
    /// The service named `name`, found by binary search: [`ResolvedEnvironment::services`] is
    /// in name order (a scan per alert rule made 12 000 rules over 12 000 services quadratic;
    /// sweep 59a, F2).
    pub fn service(&self, name: &str) -> Option<&ResolvedService> {
        self.services
            .binary_search_by(|s| s.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.services[i])
    }

    /// Resource-name prefix: `<project>-<env>`.
    pub fn prefix(&self, project: &str) -> String {
        format!("{project}-{}", self.name)
    }

    /// Scaleway name of the database instance (`<project>-<env>-db`): the roots name it so and
    /// the alert rules filter on it.
    pub fn database_resource_name(&self, project: &str) -> String {
        format!("{}-db", self.prefix(project))
    }

    /// Scaleway name of a service's container (`<project>-<env>-<service>`).
    pub fn container_resource_name(&self, project: &str, service: &str) -> String {
        format!("{}-{service}", self.prefix(project))
    }

    /// Whether the production policy applies.
    pub fn is_production(&self) -> bool {
        self.tier == Tier::Production
    }
}

/// State backend of one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedState {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Days non-current versions are kept.
    pub keep_versions_days: u64,
}

/// One Serverless Container with every setting decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedService {
    /// Service name (`api`).
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// Image repository name in the registry namespace.
    pub image: String,
    /// Build context.
    pub build_context: String,
    /// Dockerfile path, when not `<context>/Dockerfile`.
    pub dockerfile: Option<String>,
    /// HTTP port; `None` means the service has none (rejected by policy).
    pub port: Option<u16>,
    /// HTTP protocol.
    pub protocol: Protocol,
    /// CPU limit.
    pub cpu: Cpu,
    /// Memory limit.
    pub memory: Memory,
    /// Minimum instances.
    pub min_scale: u32,
    /// Maximum instances.
    pub max_scale: u32,
    /// The scaling signal, when one is set.
    pub scaling: Option<ScalingSignal>,
    /// Liveness probe.
    pub liveness: Option<Probe>,
    /// Startup probe.
    pub startup: Option<Probe>,
    /// Privacy.
    pub privacy: Privacy,
    /// Refuse plain HTTP.
    pub https_only: bool,
    /// Plain environment variables.
    pub env: EnvVars,
    /// Secret names injected as environment variables.
    pub secrets: Vec<String>,
    /// Attached to the private network to reach the database.
    pub database: bool,
    /// ENTRYPOINT override.
    pub command: Vec<String>,
    /// CMD override.
    pub args: Vec<String>,
    /// Request timeout.
    pub timeout: Duration,
    /// Sandbox.
    pub sandbox: Sandbox,
}

impl ResolvedService {
    /// The secret names the service lists, sorted, as the root's map and every listing show
    /// them (the order of the list means nothing); a name listed twice stays twice (TG130).
    pub fn sorted_secrets(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The Dockerfile CI builds the image from: `dockerfile`, else `<context>/Dockerfile`.
    pub fn dockerfile_path(&self) -> String {
        self.dockerfile.clone().unwrap_or_else(|| {
            if self.build_context == "." {
                "Dockerfile".to_string()
            } else {
                format!("{}/Dockerfile", self.build_context.trim_end_matches('/'))
            }
        })
    }

    /// What the image is built from: the context and the Dockerfile (a `dockerfile` written as
    /// `<context>/Dockerfile` is the same build as none). The schema's domains leave no other
    /// spelling of one path (no `./`), and resolution drops a context's trailing `/`.
    pub fn build_identity(&self) -> (&str, String) {
        (&self.build_context, self.dockerfile_path())
    }

    /// The health path smoke tests call: the startup probe's, else the liveness probe's.
    pub fn health_path(&self) -> Option<&str> {
        [&self.startup, &self.liveness]
            .into_iter()
            .flatten()
            .find_map(|p| match &p.check {
                ProbeCheck::Http(path) => Some(path.as_str()),
                ProbeCheck::Tcp => None,
            })
    }
}

/// The one autoscaling signal of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingSignal {
    /// Concurrent requests per instance.
    ConcurrentRequests(u32),
    /// CPU usage, percent.
    CpuPercent(u32),
    /// Memory usage, percent.
    MemoryPercent(u32),
}

/// A health probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// What is checked.
    pub check: ProbeCheck,
    /// Time between probes.
    pub interval: Duration,
    /// Time a probe may take.
    pub timeout: Duration,
    /// Consecutive failures before the instance counts as failed.
    pub failure_threshold: u32,
}

/// What a probe checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeCheck {
    /// An HTTP GET on this path.
    Http(String),
    /// A TCP connection.
    Tcp,
}

/// The plain environment variables of a service, sorted by name, each once: a sorted list
/// rather than a `BTreeMap`, whose smallest node (11 slots of name and value) takes 544 bytes
/// for the two or three variables a service usually has. Kept for every service of every
/// environment until the emission ends: at 1 000 services x 10 environments the maps held 5.4
/// MB of the 14.7 MB the resolved configuration keeps alive (heaptrack).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvVars(Vec<(String, Template)>);

impl EnvVars {
    /// The variables, sorted by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Template)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The values, in the order of their names.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Template> {
        self.0.iter().map(|(_, v)| v)
    }

    /// How many variables.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Sorted by name; a name given twice keeps its last value (as a map collected from the same
/// pairs would).
impl FromIterator<(String, Template)> for EnvVars {
    fn from_iter<I: IntoIterator<Item = (String, Template)>>(iter: I) -> Self {
        let mut vars: Vec<(String, Template)> = iter.into_iter().collect();
        // Stable: of equal names, the last given ends last, and is the one kept.
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(String, Template)> = Vec::with_capacity(vars.len());
        for (k, v) in vars {
            match kept.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => kept.push((k, v)),
            }
        }
        kept.shrink_to_fit();
        EnvVars(kept)
    }
}

impl<'a> IntoIterator for &'a EnvVars {
    type Item = (&'a String, &'a Template);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Template)>,
        fn(&'a (String, Template)) -> (&'a String, &'a Template),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// As a map from name to value (as the `BTreeMap` it replaces).
impl Serialize for EnvVars {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A plain environment value, possibly with references: `${services.api.url}`,
/// `${environment}`, `${project}`. `$${` writes a literal `${`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// The pieces, in order.
    pub parts: Vec<TemplatePart>,
}

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// `${services.NAME.url}`: the HTTPS URL of another service.
    ServiceUrl(String),
    /// A reference tofugen does not know (reported by policy).
    Unknown(String),
}

impl Template {
    /// Parses `text`, substituting `${environment}` and `${project}` immediately.
    pub fn parse(text: &str, environment: &str, project: &str) -> Template {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            if i > 0 && rest[..i].ends_with('$') {
                literal.push_str(&rest[..i - 1]);
                literal.push_str("${");
                rest = &rest[i + 2..];
                continue;
            }
            literal.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                literal.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let reference = after[..end].trim();
            match reference {
                "environment" => literal.push_str(environment),
                "project" => literal.push_str(project),
                r => {
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                    }
                    let service = r
                        .strip_prefix("services.")
                        .and_then(|s| s.strip_suffix(".url"))
                        .filter(|s| !s.is_empty() && !s.contains('.'));
                    parts.push(match service {
                        Some(name) => TemplatePart::ServiceUrl(name.to_string()),
                        None => TemplatePart::Unknown(r.to_string()),
                    });
                }
            }
            rest = &after[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        Template { parts }
    }

    /// The literal text, when the template has no references.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [TemplatePart::Literal(s)] => Some(s),
            _ => None,
        }
    }

    /// Display form, with references written back as `${…}`.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => s.replace("${", "$${"),
                TemplatePart::ServiceUrl(n) => format!("${{services.{n}.url}}"),
                TemplatePart::Unknown(r) => format!("${{{r}}}"),
            })
            .collect()
    }
}

/// The database with every setting decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedDatabase {
    /// Engine and version.
    pub engine: String,
    /// Node type.
    pub node_type: String,
    /// Volume type.
    pub volume_type: VolumeType,
    /// Volume size.
    pub volume_size: Memory,
    /// High availability.
    pub ha: bool,
    /// Read replicas.
    pub read_replicas: u32,
    /// Application database name.
    pub name: String,
    /// Application user.
    pub user: String,
    /// Engine settings.
    pub settings: BTreeMap<String, String>,
    /// Backup tiers.
    pub backups: ResolvedBackups,
}

/// Backup tiers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedBackups {
    /// Native daily backups (every 24 h) and their retention, when enabled.
    pub daily: Option<Duration>,
    /// Weekly job tier, when enabled.
    pub weekly: Option<BackupJob>,
    /// Monthly job tier, when enabled.
    pub monthly: Option<BackupJob>,
    /// Time zone of the job schedules.
    pub timezone: String,
    /// Whether Scaleway stores the logical backups in the instance's region (`true`) or in
    /// another region (`false`, its default).
    pub same_region: bool,
}

/// A scheduled backup job tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupJob {
    /// Cron schedule.
    pub schedule: String,
    /// Retention of each backup.
    pub retention: Duration,
}

/// A declared secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedSecret {
    /// Name (also the environment variable name).
    pub name: String,
    /// Where its value comes from.
    pub source: SecretSource,
    /// What it is for.
    pub description: Option<String>,
    /// Length of a generated value.
    pub length: u32,
    /// URL scheme of a `database` secret.
    pub scheme: String,
    /// Whether a `database` secret's URL ends with the database name.
    pub include_database: bool,
}

/// Alerting settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedAlerts {
    /// Contact e-mail addresses.
    pub contacts: Vec<String>,
    /// Detection objective.
    pub detection_objective: Option<Duration>,
    /// Rule-group evaluation interval.
    pub evaluation_interval: Duration,
    /// Runbook base URL.
    pub runbook_url: Option<String>,
    /// Enabled rules, by name.
    pub rules: Vec<ResolvedAlertRule>,
}

/// One enabled alert rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedAlertRule {
    /// Rule name (key in `alerts.rules`).
    pub name: String,
    /// Built-in kind, or `None` for a custom `expr`.
    pub kind: Option<AlertKind>,
    /// Watched service (container kinds); `*` is expanded by the emitter.
    pub service: Option<String>,
    /// Custom PromQL.
    pub expr: Option<String>,
    /// Threshold of a built-in kind (`None`: the kind's default).
    pub threshold: Option<f64>,
    /// Hold duration.
    pub for_: Duration,
    /// Severity.
    pub severity: Severity,
    /// Summary (a built-in kind's own when absent).
    pub summary: Option<String>,
    /// Description (a built-in kind's own when absent).
    pub description: Option<String>,
}

impl ResolvedAlertRule {
    /// Where the metrics of a custom `expr` live ([`crate::metrics::source_of`]); `None` for a
    /// built-in kind.
    pub fn metric_source(&self) -> Option<crate::metrics::MetricSource> {
        self.expr.as_deref().map(crate::metrics::source_of)
    }
}

/// Resolves a schema-valid document. `root` is the loaded tree, `config` the same document
/// deserialized. Every problem is returned, not just the first.
pub fn resolve(file: FileId, root: &Node, config: &Config) -> Result<Resolved, Vec<Diagnostic>> {
    let resolved = resolve_with_limit(
        file,
        root,
        config,
        max_merged_values(crate::write::MAX_GENERATED_BYTES),
    )?;
    if resolved.deferred.is_empty() {
        Ok(resolved)
    } else {
        Err(resolved.deferred)
    }
}

/// [`resolve`], refusing environments that would merge into more than `max_merged` values
/// ([`max_merged_values`]).
pub fn resolve_with_limit(
    file: FileId,
    root: &Node,
    config: &Config,
    max_merged: usize,
) -> Result<Resolved, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let empty = Node {
        kind: NodeKind::Map(Vec::new()),
        span: Span::default(),
    };
    let defaults_node = root.get("defaults").unwrap_or(&empty);
    let env_entries = root.get("environments").unwrap_or(&empty).entries();
    // Sorted once: every environment merges its section onto this tree, or onto the merged
    // tree of the environment it extends.
    let parents = inheritance(file, env_entries, &mut diags);
    if let Some(d) = expansion_limit(file, defaults_node, env_entries, &parents, root, max_merged) {
        diags.push(d);
        return Err(diags);
    }
    // One merged tree per thread at a time: each environment's is built, read and dropped (the
    // trees of environments others extend are kept by `sections`, so that a chain is merged
    // once, or twice when both threads race to it).
    let sections = Arc::new(Sections::new(
        root.entry("defaults").map(|(k, _)| k.span),
        env_entries,
        parents,
        Arc::new(origins::sorted(defaults_node)),
    ));
    // Two environments at a time, results in configuration order, unless the configuration
    // is too small to be worth a thread: its services counted over every environment, each
    // with the defaults' (what an environment inherits through `extends` is not counted).
    let defaults_services = config.defaults.services.as_ref().map_or(0, BTreeMap::len);
    let services = config
        .environments
        .values()
        .map(|e| defaults_services + e.settings.services.as_ref().map_or(0, BTreeMap::len))
        .sum();
    let threads =
        crate::parallel::worth_threads(services, crate::parallel::VALIDATION_THREADS_FROM);
    let chain_tiers = chain_tiers(&sections);
    let results = crate::parallel::in_order_on(threads, env_entries, |index, (env_key, _)| {
        let section = Section {
            index,
            key: env_key,
        };
        let tree = sections.tree_of(index);
        let chain_tier = chain_tiers.get(index).copied().flatten();
        resolve_environment(file, &config.project, tree, &sections, section, chain_tier)
    });
    let mut environments = Vec::new();
    let mut missing = Vec::new();
    for (result, (env_key, _)) in results.into_iter().zip(env_entries) {
        match result {
            Ok((env, later)) => {
                environments.push(env);
                missing.push((env_key.name.clone(), later));
            }
            Err((mut d, later)) => {
                diags.append(&mut d);
                missing.push((env_key.name.clone(), later));
            }
        }
    }
    let mut deferred = missing_images(file, &config.project, missing);
    if environments.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error("no-environments", "no environment is defined")
                .at(
                    file,
                    root.get("environments").map(|n| n.span).or(Some(root.span)),
                )
                .expected("at least one entry under `environments:`")
                .help("add `staging:` and `production:` under `environments:`"),
        );
    }
    if !diags.is_empty() {
        diags.append(&mut deferred);
        return Err(diags);
    }
    let policy_overrides = crate::policy::overrides::from_config(root, config);
    // Each environment's overrides, in file order, shared (not copied: 300 overrides listing
    // 300 environments each were 27 million names, 1 GB, sweep 37 F1), found by reading each
    // override's list once.
    let shared: Vec<Arc<crate::policy::PolicyOverride>> =
        policy_overrides.iter().cloned().map(Arc::new).collect();
    let mut listed: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut everywhere: Vec<usize> = Vec::new();
    for (i, o) in shared.iter().enumerate() {
        match &o.environments {
            None => everywhere.push(i),
            Some(names) => {
                for name in names {
                    let of = listed.entry(name.as_str()).or_default();
                    if of.last() != Some(&i) {
                        of.push(i);
                    }
                }
            }
        }
    }
    for env in &mut environments {
        let mut own: Vec<usize> = everywhere.clone();
        if let Some(more) = listed.get(env.name.as_str()) {
            own.extend(more);
            own.sort_unstable();
            own.dedup();
        }
        env.policy_overrides = own.into_iter().map(|i| Arc::clone(&shared[i])).collect();
    }
    Ok(Resolved {
        config_path: crate::locate::DEFAULT_CONFIG.to_string(),
        by_name: NameIndex::default(),
        deferred,
        policy_overrides,
        project: config.project.clone(),
        versions: ResolvedVersions {
            opentofu: config.versions.opentofu.clone(),
            scaleway_provider: config.versions.scaleway_provider.clone(),
            random_provider: config.versions.random_provider.clone(),
            scaleway_cli: config
                .versions
                .scaleway_cli
                .clone()
                .unwrap_or_else(|| builtin::SCALEWAY_CLI.to_string()),
        },
        ci: ResolvedCi {
            runner: config
                .ci
                .runner
                .clone()
                .unwrap_or_else(|| builtin::RUNNER.to_string()),
            branch: config
                .ci
                .branch
                .clone()
                .unwrap_or_else(|| builtin::BRANCH.to_string()),
            app_repository: config.ci.app_repository.clone(),
            app_repository_private: config.ci.app_repository_private == Some(true),
            deploy_to: config.ci.deploy_to.clone(),
            tofugen: {
                let t = config.ci.tofugen.clone().unwrap_or_default();
                ResolvedTofugen {
                    install: t.install.unwrap_or(crate::model::InstallMethod::Crates),
                    version: t
                        .version
                        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
                    git: t.git,
                    rev: t.rev,
                }
            },
        },
        environments,
        modules_path: config
            .modules
            .as_ref()
            .and_then(|m| m.path.clone())
            .map(|p| p.trim_end_matches('/').to_string()),
    })
}

/// The mappings of an environment's settings whose keys are names the user chooses (the JSON
/// Schema's mappings with `additionalProperties` under `environments.*`: the test
/// `named_maps_are_the_schemas` derives them from the schema), each with what an entry is.
/// A `null` merged into one removes the inherited entry of its name.
const NAMED_MAPS: &[(&[&str], &str)] = &[
    (&["alerts", "rules"], "alert rule"),
    (&["database", "settings"], "database setting"),
    (&["secrets"], "secret"),
    (&["services"], "service"),
    (&["services", "*", "env"], "variable"),
];

/// The `null`s of environment `index` that remove nothing: in a named mapping
/// ([`NAMED_MAPS`]) of its section, with nothing of their name in the tree it is merged onto
/// (most often a misspelt name, and the entry meant stays deployed). Returns an error for each,
/// with the inherited name nearest its own, and whether the settings can be decoded: not when
/// one was found, nor when `tree` (the merged tree) holds a `null` in a named mapping, which a
/// new entry brings with it (`services: { new: { env: { A: null } } }`, here or in the
/// environment this one extends, which reports it) and which the decoding would report again.
/// `defaults` holds none: the schema refuses them there.
fn null_removals(
    file: FileId,
    tree: &Node,
    sections: &Sections,
    index: usize,
    env: &str,
) -> (bool, Vec<Diagnostic>) {
    /// What is done with each mapping found: its path, the mapping, and `base`'s.
    type Found<'t, 'f> = dyn FnMut(&[&'t str], &'t Node, Option<&'t Node>) + 'f;
    /// Visits the mappings at `pattern` (`*`: every entry) under `own`, with `base`'s mapping
    /// at the same keys, `path` leading to them.
    fn visit<'t>(
        own: &'t Node,
        base: Option<&'t Node>,
        pattern: &[&str],
        path: &mut Vec<&'t str>,
        found: &mut Found<'t, '_>,
    ) {
        let mut step = |k: &'t Key,
                        v: &'t Node,
                        b: Option<&'t Node>,
                        rest: &[&str],
                        path: &mut Vec<&'t str>| {
            path.push(&k.name);
            visit(v, b, rest, path, found);
            path.pop();
        };
        match pattern.split_first() {
            None => found(path, own, base),
            Some((&"*", rest)) => {
                // `base`'s entries by name, looked up once per entry of `own`: a scan of them
                // for each made 25 000 services added over 25 000 inherited ones quadratic
                // (sweep 59a, F2).
                // Small mappings (most) are scanned: building the index costs more there.
                let entries = base.map(Node::entries).unwrap_or_default();
                let names: Option<std::collections::HashMap<&str, &'t Node>> =
                    (own.entries().len() > 16 && entries.len() > 16)
                        .then(|| entries.iter().map(|(k, v)| (k.name.as_str(), v)).collect());
                for (k, v) in own.entries() {
                    let b = match &names {
                        Some(names) => names.get(k.name.as_str()).copied(),
                        None => base.and_then(|b| b.get(&k.name)),
                    };
                    step(k, v, b, rest, path);
                }
            }
            Some((key, rest)) => {
                if let Some((k, v)) = own.entry(key) {
                    step(k, v, base.and_then(|b| b.get(&k.name)), rest, path);
                }
            }
        }
    }
    let is_null = |n: &Node| n.kind == NodeKind::Null;
    let mut diags = Vec::new();
    let mut left = false;
    let mut budget = crate::diagnostics::SUGGESTION_BUDGET;
    let (own, base) = sections.own_and_base(index);
    for (pattern, what) in NAMED_MAPS {
        if let Some(own) = own {
            visit(
                own,
                base,
                pattern,
                &mut Vec::new(),
                &mut |path, map, base_map| {
                    // The inherited names, for a suggestion: built for a mapping with a `null`
                    // only, all of them sharing one budget (many `null`s among many names
                    // would be quadratic).
                    let mut suggester: Option<Suggester<'_>> = None;
                    for (key, _) in map.entries().iter().filter(|(_, v)| is_null(v)) {
                        let inherited = base_map.and_then(|b| b.get(&key.name));
                        if inherited.is_some_and(|v| !is_null(v)) {
                            continue;
                        }
                        let suggester = suggester.get_or_insert_with(|| {
                            let names = base_map
                                .map(Node::entries)
                                .unwrap_or_default()
                                .iter()
                                .filter(|(_, v)| !is_null(v))
                                .map(|(k, _)| k.name.as_str());
                            Suggester::with_budget(names, budget)
                        });
                        let near = suggester.suggest(&key.name);
                        budget = suggester.remaining();
                        let fix = match near {
                            Some(near) => format!("did you mean `{near}`? A"),
                            None => "a".to_string(),
                        };
                        let place = path.join(".");
                        diags.push(
                            Diagnostic::error(
                                "resolve",
                                format!(
                                    "environment `{env}`: `{place}.{}: null` removes nothing: no \
                                 {what} `{}` is inherited here",
                                    key.name, key.name
                                ),
                            )
                            .at(file, Some(key.span))
                            .expected(format!(
                                "the name of an inherited {what}, for `null` to remove"
                            ))
                            .help(format!(
                                "{fix} `null` removes the {what} of its name inherited from \
                             `defaults` or the environment this one extends: correct the name, \
                             or remove the line; `tofugen explain {env}` shows what is inherited"
                            )),
                        );
                    }
                },
            );
        }
        visit(tree, None, pattern, &mut Vec::new(), &mut |_, map, _| {
            left |= map.entries().iter().any(|(_, v)| is_null(v));
        });
    }
    (diags.is_empty() && !left, diags)
}

/// One entry of `environments:`: its index in file order and its key.
#[derive(Clone, Copy)]
struct Section<'a> {
    index: usize,
    key: &'a Key,
}

/// The names in `names` but `except`, quoted, at most ten of them; `total` is their number.
fn name_list_except(names: &[&str], except: &str, total: usize) -> String {
    let mut out: Vec<String> = names
        .iter()
        .filter(|n| **n != except)
        .take(10)
        .map(|n| format!("`{n}`"))
        .collect();
    if total > 10 {
        out.push(format!("and {} more", total - 10));
    }
    out.join(", ")
}

/// The environment each environment `extends` (index in file order), with every problem
/// reported: an unknown target, an environment extending itself, a cycle (once, at its first
/// environment in file order). A broken link is left out (`None`): that environment then
/// inherits `defaults` only, so its other problems are still reported. Linear in the number of
/// environments: each has at most one parent, so each chain is walked once.
fn inheritance(
    file: FileId,
    envs: &[(Key, Node)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<usize>> {
    let index: std::collections::HashMap<&str, usize> = envs
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.name.as_str(), i))
        .collect();
    let names: Vec<&str> = envs.iter().map(|(k, _)| k.name.as_str()).collect();
    let mut times: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for n in &names {
        *times.entry(n).or_default() += 1;
    }
    let mut suggester = crate::diagnostics::Suggester::new(names.iter().copied());
    let mut parents: Vec<Option<usize>> = vec![None; envs.len()];
    // Where each environment says what it extends, for the cycle report.
    let mut spans: Vec<Option<Span>> = vec![None; envs.len()];
    for (i, (key, section)) in envs.iter().enumerate() {
        let Some(target) = section.get("extends") else {
            continue;
        };
        let NodeKind::Str(target_name) = &target.kind else {
            // `null` extends nothing; other types are schema errors.
            continue;
        };
        spans[i] = Some(target.span);
        let name = &key.name;
        // The other environments, listed without copying them all for each environment.
        let others_len = names.len() - times.get(name.as_str()).copied().unwrap_or(0);
        let others = || name_list_except(&names, name, others_len);
        match index.get(target_name.as_str()) {
            Some(&j) if j == i => diags.push(
                Diagnostic::error("extends", format!("`{name}` extends itself"))
                    .at(file, Some(target.span))
                    .expected(if others_len == 0 {
                        "the name of another environment".to_string()
                    } else {
                        format!("another environment: {}", others())
                    })
                    .help(
                        "remove `extends` (every environment inherits `defaults` already), or name the environment to inherit from",
                    ),
            ),
            Some(&j) => parents[i] = Some(j),
            None => {
                let help = if target_name == "defaults" {
                    "every environment inherits `defaults` already: remove `extends`".to_string()
                } else {
                    match suggester.suggest_except(target_name, Some(name)) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None if others_len == 0 => {
                            "remove `extends`: there is no other environment".to_string()
                        }
                        None => format!("use one of: {}", others()),
                    }
                };
                diags.push(
                    Diagnostic::error(
                        "extends",
                        format!(
                            "`{name}` extends `{}`, which is not an environment",
                            crate::schema_check::shown(target_name)
                        ),
                    )
                    .at(file, Some(target.span))
                    .expected(if others_len == 0 {
                        "the name of another environment".to_string()
                    } else {
                        format!("one of: {}", others())
                    })
                    .help(help),
                );
            }
        }
    }
    let cycles = crate::graph::cycles(&parents);
    for cycle in cycles {
        // Reported at its first environment in file order, followed from there.
        let first_pos = (0..cycle.len())
            .min_by_key(|&p| cycle[p])
            .expect("non-empty cycle");
        let first = cycle[first_pos];
        let mut members: Vec<&str> = (0..cycle.len())
            .map(|k| names[cycle[(first_pos + k) % cycle.len()]])
            .collect();
        members.push(names[first]);
        let shown_chain = if members.len() > 12 {
            format!(
                "{} → … → {}",
                members[..5].join(" → "),
                members[members.len() - 5..].join(" → ")
            )
        } else {
            members.join(" → ")
        };
        diags.push(
            Diagnostic::error("extends", format!("inheritance is circular: {shown_chain}"))
                .at(file, spans[first])
                .expected("a chain of `extends` that ends at an environment extending none")
                .help(format!(
                    "remove `extends` from one environment of the cycle, e.g. `{}`",
                    names[first]
                )),
        );
        for &member in &cycle {
            parents[member] = None;
        }
    }
    parents
}

/// Bytes of allowed output per merged value: [`max_merged_values`] is the output cap over this.
const OUTPUT_BYTES_PER_MERGED_VALUE: usize = 32;

/// Most values the merged environments may hold together under an output cap of
/// `max_output_bytes` (`--max-output-mib`): each environment's merged tree is its own copy,
/// so `defaults` and long `extends` chains multiply what the file holds (2 000 environments
/// chained, each adding 100 values, would merge 200 million), and resolving and checking them
/// costs about a microsecond per value. One value per 32 bytes of allowed output: 655 360 with
/// the default 20 MiB (the synthetic 1 000 services x 10 environments merge about 570 000 and
/// generate 89 MB, about 156 bytes per value, so the output cap refuses such a file first).
pub fn max_merged_values(max_output_bytes: usize) -> usize {
    max_output_bytes / OUTPUT_BYTES_PER_MERGED_VALUE
}

/// Number of values in `node` (itself included), a string counting one more per
/// [`OUTPUT_BYTES_PER_MERGED_VALUE`] bytes: merging copies it whole into every environment that
/// inherits it, so one 3.5 MB value under `defaults` took 2.2 GB over 640 environments while
/// counting as one value (sweep 59a, F1).
fn count_values(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(_, v)| count_values(v))
            .fold(0, usize::saturating_add),
        NodeKind::Seq(items) => items
            .iter()
            .map(count_values)
            .fold(0, usize::saturating_add),
        NodeKind::Str(text) => text.len() / OUTPUT_BYTES_PER_MERGED_VALUE,
        _ => 0,
    }
}

/// An error when the merged environments would hold more than `max_merged` values, by an
/// upper bound computed before merging anything (a merged tree holds at most its base's
/// values plus its section's): linear in the size of the file.
fn expansion_limit(
    file: FileId,
    defaults: &Node,
    envs: &[(Key, Node)],
    parents: &[Option<usize>],
    root: &Node,
    max_merged: usize,
) -> Option<Diagnostic> {
    let base = count_values(defaults);
    let own: Vec<usize> = envs.iter().map(|(_, n)| count_values(n)).collect();
    // What each section adds to the trees that inherit from it: not its own root, nor the
    // options that are never inherited.
    let passed_on: Vec<usize> = envs
        .iter()
        .zip(&own)
        .map(|((_, n), &all)| {
            let kept: usize = n
                .entries()
                .iter()
                .filter(|(k, _)| NOT_INHERITED.contains(&k.name.as_str()))
                .map(|(_, v)| count_values(v))
                .sum();
            all.saturating_sub(1 + kept)
        })
        .collect();
    // Upper bounds of what each environment passes on, in an order where parents come first
    // (`parents` is acyclic).
    let mut bound: Vec<Option<usize>> = vec![None; envs.len()];
    let mut total: usize = 0;
    for start in 0..envs.len() {
        let mut pending = Vec::new();
        let mut i = Some(start);
        while let Some(j) = i {
            if bound[j].is_some() || pending.len() > envs.len() {
                break;
            }
            pending.push(j);
            i = parents[j];
        }
        for &j in pending.iter().rev() {
            let inherited = parents[j].and_then(|p| bound[p]).unwrap_or(base);
            bound[j] = Some(inherited.saturating_add(passed_on[j]));
            total = total.saturating_add(inherited.saturating_add(own[j]));
        }
        if total > max_merged {
            return Some(
                Diagnostic::error(
                    "too-large",
                    format!(
                        "the environments would merge into more than {max_merged} values"
                    ),
                )
                .at(file, Some(root.key_span("environments")))
                .expected(format!(
                    "at most {max_merged} values across every environment once `defaults` and `extends` are merged in (a string counts one per {OUTPUT_BYTES_PER_MERGED_VALUE} bytes)"
                ))
                .help("share less through `defaults` and long `extends` chains, or split the configuration; if it is right, raise the limit with `--max-output-mib N` (one value per 32 bytes of allowed output)"),
            );
        }
    }
    None
}

/// The JSON of the top-level entries of `tree` that `keep` accepts: what the environments'
/// options and settings were deserialized from before [`crate::load::de`] (the tests compare).
#[cfg(test)]
fn json_of(tree: &Node, keep: impl Fn(&str) -> bool) -> serde_json::Value {
    serde_json::Value::Object(
        tree.entries()
            .iter()
            .filter(|(k, _)| keep(&k.name))
            .map(|(k, v)| (k.name.clone(), v.to_json()))
            .collect(),
    )
}

/// The tier an environment's name says (`production` or `prod`; `staging`), if any.
fn tier_of_name(name: &str) -> Option<Tier> {
    match name {
        "production" | "prod" => Some(Tier::Production),
        "staging" => Some(Tier::Staging),
        _ => None,
    }
}

/// For each environment, the tier it gets when it sets none (itself or through `extends`): that
/// of the first name along its chain that names one ([`tier_of_name`]), its own first, then the
/// environment it extends, and so on; `None` (development) when no name does. An environment
/// extending `production` is production, as one extending an environment with `tier:
/// production` is (sweep 17 left it: `eu: { extends: production }` got the development tier,
/// and none of the production rules). Memoized along the chains: linear in the environments,
/// however long the chains (a cycle, reported by `inheritance`, ends the walk).
fn chain_tiers(sections: &Sections) -> Vec<Option<Tier>> {
    let n = sections.environments();
    let mut memo: Vec<Option<Option<Tier>>> = vec![None; n];
    let mut path = Vec::new();
    for start in 0..n {
        path.clear();
        let mut found = None;
        let mut at = Some(start);
        while let Some(i) = at {
            if let Some(known) = memo[i] {
                found = known;
                break;
            }
            path.push(i);
            if let Some(tier) = tier_of_name(sections.name(i)) {
                found = Some(tier);
                break;
            }
            if path.len() > n {
                break;
            }
            at = sections.parent_of(i);
        }
        for &i in &path {
            memo[i] = Some(found);
        }
    }
    memo.into_iter().map(Option::flatten).collect()
}

fn resolve_environment(
    file: FileId,
    project: &str,
    tree: Arc<Node>,
    sections: &Arc<Sections>,
    section: Section<'_>,
    chain_tier: Option<Tier>,
) -> EnvironmentResult {
    let env_key = section.key;
    let name = env_key.name.clone();
    // A `null` that removes nothing: every one written in this environment is reported here,
    // at once, and the settings are not decoded (the decoding would stop at the first).
    let (decodable, null_diags) = null_removals(file, &tree, sections, section.index, &name);
    if !decodable {
        return Err((null_diags, Vec::new()));
    }
    let is_option = |k: &str| ENVIRONMENT_OPTION_KEYS.contains(&k);
    // Deserialized from the merged tree itself (no JSON copy), which is then freed (unless
    // another environment extends this one).
    let options = crate::load::de::from_entries::<EnvironmentOptions, _>(
        tree.entries().iter().filter(|(k, _)| is_option(&k.name)),
    );
    let settings = crate::load::de::from_entries::<Settings, _>(
        tree.entries().iter().filter(|(k, _)| !is_option(&k.name)),
    );
    // Where `promote_from` is written, for the error of a self-promotion (sweep 29, F6: it was
    // reported at the environment's key).
    let promote_span = tree.get("promote_from").map(|n| n.span);
    drop(tree);
    let origins = Origins::new(Arc::clone(sections), section.index, Some(env_key.span));
    let mut diags = Vec::new();
    let options: EnvironmentOptions = match options {
        Ok(o) => o,
        Err(e) => {
            diags.push(
                Diagnostic::error("resolve", format!("environment `{name}`: {e}"))
                    .at(file, Some(e.span().unwrap_or(env_key.span)))
                    .expected(e.expected())
                    .help(e.help()),
            );
            EnvironmentOptions::default()
        }
    };
    let mut settings: Settings = match settings {
        Ok(s) => s,
        Err(e) => {
            diags.push(
                Diagnostic::error("resolve", format!("environment `{name}`: {e}"))
                    .at(file, Some(e.span().unwrap_or(env_key.span)))
                    .expected(e.expected())
                    .help(format!(
                        "{}; `tofugen explain` on the environment shows the merged settings",
                        e.help()
                    )),
            );
            return Err((diags, Vec::new()));
        }
    };

    let project = &project.to_string();
    let subst = |template: &str| {
        template
            .replace("{project}", project)
            .replace("{env}", &name)
    };
    let tier = options.tier.or(chain_tier).unwrap_or(Tier::Development);
    let state = settings.state.clone().unwrap_or_default();
    let registry = settings.registry.clone().unwrap_or_default();

    let mut services = Vec::new();
    // Errors with a stand-in (see [`Resolved::deferred`]).
    let mut deferred = Vec::new();
    for (service_name, spec) in settings.services.take().unwrap_or_default() {
        if spec.enabled == Some(false) {
            continue;
        }
        let (service, error) = resolve_service(&name, project, &service_name, spec, &origins);
        services.push(service);
        deferred.extend(error);
    }
    // A map's order: what `ResolvedEnvironment::service` searches by.
    debug_assert!(services.is_sorted_by(|a: &ResolvedService, b| a.name < b.name));

    let database = settings
        .database
        .clone()
        .filter(|d| d.enabled != Some(false))
        .map(|d| {
            let backups = d.backups.clone().unwrap_or_default();
            let daily_on = backups
                .daily
                .as_ref()
                .is_none_or(|t| t.enabled != Some(false));
            ResolvedDatabase {
                engine: d.engine.unwrap_or_else(|| builtin::DB_ENGINE.to_string()),
                node_type: d
                    .node_type
                    .unwrap_or_else(|| builtin::DB_NODE_TYPE.to_string()),
                volume_type: d
                    .volume
                    .as_ref()
                    .and_then(|v| v.kind)
                    .unwrap_or(VolumeType::Sbs5k),
                volume_size: d
                    .volume
                    .as_ref()
                    .and_then(|v| v.size)
                    .unwrap_or(builtin::DB_VOLUME),
                ha: d.ha.unwrap_or(false),
                read_replicas: d.read_replicas.unwrap_or(0),
                // A project name may hold `-`, a PostgreSQL identifier may not (TG020, and
                // modules/database's validations): the defaults spell it with `_`.
                name: d.name.unwrap_or_else(|| project.replace('-', "_")),
                user: d.user.unwrap_or_else(|| project.replace('-', "_")),
                settings: d.settings.unwrap_or_default(),
                backups: ResolvedBackups {
                    daily: daily_on.then(|| {
                        backups
                            .daily
                            .as_ref()
                            .and_then(|t| t.retention)
                            .unwrap_or(builtin::DAILY_RETENTION)
                    }),
                    weekly: backups
                        .weekly
                        .as_ref()
                        .filter(|t| t.enabled != Some(false))
                        .map(|t| BackupJob {
                            schedule: t
                                .schedule
                                .clone()
                                .unwrap_or_else(|| builtin::WEEKLY_SCHEDULE.to_string()),
                            retention: t.retention.unwrap_or(builtin::WEEKLY_RETENTION),
                        }),
                    monthly: backups
                        .monthly
                        .as_ref()
                        .filter(|t| t.enabled != Some(false))
                        .map(|t| BackupJob {
                            schedule: t
                                .schedule
                                .clone()
                                .unwrap_or_else(|| builtin::MONTHLY_SCHEDULE.to_string()),
                            retention: t.retention.unwrap_or(builtin::MONTHLY_RETENTION),
                        }),
                    timezone: backups
                        .timezone
                        .unwrap_or_else(|| builtin::BACKUP_TIMEZONE.to_string()),
                    same_region: backups.same_region.unwrap_or(false),
                },
            }
        });

    let secrets = settings
        .secrets
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(secret_name, s)| ResolvedSecret {
            name: secret_name,
            source: s.source.unwrap_or(SecretSource::Operator),
            description: s.description,
            length: s.length.unwrap_or(builtin::SECRET_LENGTH),
            scheme: s
                .scheme
                .unwrap_or_else(|| builtin::DATABASE_URL_SCHEME.to_string()),
            include_database: s.include_database.unwrap_or(true),
        })
        .collect();

    let alerts_spec = settings.alerts.clone().unwrap_or_default();
    let alerts = ResolvedAlerts {
        contacts: alerts_spec.contacts.unwrap_or_default(),
        detection_objective: alerts_spec.detection_objective,
        evaluation_interval: alerts_spec
            .evaluation_interval
            .unwrap_or(builtin::EVALUATION_INTERVAL),
        runbook_url: alerts_spec.runbook_url,
        rules: alerts_spec
            .rules
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, r)| r.enabled != Some(false))
            .map(|(rule_name, r)| resolve_rule(rule_name, r))
            .collect(),
    };

    let region = settings
        .region
        .clone()
        .unwrap_or_else(|| builtin::REGION.to_string());
    if let Some(from) = &options.promote_from
        && from == &name
    {
        diags.push(
            Diagnostic::error("promote-self", format!("`{name}` promotes from itself"))
                .at(file, Some(promote_span.unwrap_or(env_key.span)))
                .expected("the name of another environment")
                .help("remove `promote_from` or name the environment images come from"),
        );
    }
    if !diags.is_empty() {
        return Err((diags, deferred));
    }
    let env = ResolvedEnvironment {
        scaleway_project: options
            .scaleway_project
            .clone()
            .unwrap_or_else(|| format!("{project}-{name}")),
        promote_from: options.promote_from.clone(),
        github_environment: options
            .github_environment
            .clone()
            .unwrap_or_else(|| name.clone()),
        region: region.clone(),
        // The default zone follows the region: its first zone.
        zone: settings
            .zone
            .clone()
            .unwrap_or_else(|| format!("{region}-1")),
        state: ResolvedState {
            bucket: subst(state.bucket.as_deref().unwrap_or(builtin::STATE_BUCKET)),
            key: subst(state.key.as_deref().unwrap_or(builtin::STATE_KEY)),
            keep_versions_days: state
                .keep_versions
                .map(|d| d.days())
                .unwrap_or(builtin::STATE_KEEP_VERSIONS_DAYS),
        },
        registry_namespace: subst(
            registry
                .namespace
                .as_deref()
                .unwrap_or(builtin::REGISTRY_NAMESPACE),
        ),
        services,
        database,
        secrets,
        alerts,
        api_keys_expire_on: settings.api_keys.as_ref().and_then(|k| k.expire_on.clone()),
        policy_overrides: Vec::new(),
        tier,
        name,
        origins,
        project: project.to_string(),
    };
    Ok((env, deferred))
}

/// Keys [`baseline`] keeps: without them an environment would not resolve, or would have other
/// values than the ones compared (services and rules are named by them; the zone follows the
/// region). Values under these keys are never reported as redundant.
pub const BASELINE_KEPT: [&str; 6] = ["image", "enabled", "kind", "service", "expr", "region"];

/// `env` with every value it writes removed but its structure (services, secrets, rules, their
/// images and kinds, the region): what each value would be if nothing set it, the built-in
/// default. `None` when that does not resolve.
pub fn baseline(env: &ResolvedEnvironment) -> Option<ResolvedEnvironment> {
    fn skeleton(node: &Node) -> Node {
        match &node.kind {
            NodeKind::Map(entries) => Node {
                kind: NodeKind::Map(
                    entries
                        .iter()
                        .filter(|(k, v)| {
                            matches!(v.kind, NodeKind::Map(_))
                                || BASELINE_KEPT.contains(&k.name.as_str())
                        })
                        .map(|(k, v)| (k.clone(), skeleton(v)))
                        .collect(),
                ),
                span: node.span,
            },
            _ => node.clone(),
        }
    }
    let tree = Arc::new(skeleton(env.origins.tree()));
    let key = Key {
        name: env.name.clone(),
        span: env.origins.environment_key.unwrap_or_default(),
    };
    let section = Section {
        index: usize::MAX,
        key: &key,
    };
    // Its findings are not reported: the file is no one's.
    let (_, file) = crate::source::SourceMap::single("");
    let resolved = resolve_environment(
        file,
        &env.project,
        Arc::clone(&tree),
        &Arc::default(),
        section,
        tier_of_name(&env.name),
    );
    resolved
        .ok()
        .filter(|(_, deferred)| deferred.is_empty())
        .map(|(mut b, _)| {
            b.origins =
                Origins::with_tree(tree, Arc::default(), usize::MAX, b.origins.environment_key);
            b
        })
}

fn resolve_rule(name: String, r: AlertRuleSpec) -> ResolvedAlertRule {
    ResolvedAlertRule {
        name,
        kind: r.kind,
        service: r.service,
        expr: r.expr,
        threshold: r.threshold,
        for_: r.for_.unwrap_or(builtin::ALERT_FOR),
        severity: r.severity.unwrap_or(Severity::Warning),
        summary: r.summary,
        description: r.description,
    }
}

/// An environment resolved, or its errors; with its services without an image either way.
type EnvironmentResult =
    Result<(ResolvedEnvironment, Vec<MissingImage>), (Vec<Diagnostic>, Vec<MissingImage>)>;

/// A service without an `image` in one environment, and where its key is written: reported
/// once per service and place, naming every environment ([`missing_images`]).
type MissingImage = (String, Option<Span>);

/// One `missing-image` error per service and place, naming the environments of each (`missing`:
/// each environment's name and its services without an image, in configuration order). One
/// error per service and environment was 640 000 errors, 2.3 GB and 10 s for 20 000 services
/// without an image in 32 environments (review of stop 61).
fn missing_images(
    file: FileId,
    project: &str,
    missing: Vec<(String, Vec<MissingImage>)>,
) -> Vec<Diagnostic> {
    let mut index: HashMap<MissingImage, usize> = HashMap::new();
    let mut groups: Vec<(MissingImage, Vec<String>)> = Vec::new();
    for (env, services) in missing {
        for service in services {
            match index.get(&service) {
                Some(&i) => groups[i].1.push(env.clone()),
                None => {
                    index.insert(service.clone(), groups.len());
                    groups.push((service, vec![env.clone()]));
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|((name, span), envs)| {
            let place = match envs.len() {
                1 => format!("environment `{}`", envs[0]),
                _ => format!("environments {}", crate::text::join_names(&envs)),
            };
            Diagnostic::error(
                "missing-image",
                format!("service `{name}` has no `image` in {place}"),
            )
            .at(file, span)
            .expected("`image: <repository name in the registry>`")
            .help(format!(
                "add `image: {project}-{name}` under `services.{name}` in `defaults`"
            ))
        })
        .collect()
}

fn resolve_service(
    env: &str,
    project: &str,
    name: &str,
    spec: ServiceSpec,
    origins: &Origins,
) -> (ResolvedService, Option<MissingImage>) {
    // Without an image, the service is resolved with a stand-in no image can equal (it is
    // not a repository name: `<` and spaces), so that the rules still check it and the rest
    // without finding it shared (see [`Resolved::deferred`]; a review found TG031 on
    // `<project>-<service>`, another service's image).
    let (image, error) = match spec.image.clone() {
        Some(image) => (image, None),
        None => {
            let stand_in = format!("<no image for {name}>");
            let span = origins.key_span(&format!("services.{name}"));
            (stand_in, Some((name.to_string(), span)))
        }
    };
    let scale = spec.scale.clone().unwrap_or_default();
    let scaling = match (
        scale.concurrent_requests,
        scale.cpu_percent,
        scale.memory_percent,
    ) {
        (Some(n), _, _) => Some(ScalingSignal::ConcurrentRequests(n)),
        (None, Some(n), _) => Some(ScalingSignal::CpuPercent(n)),
        (None, None, Some(n)) => Some(ScalingSignal::MemoryPercent(n)),
        _ => None,
    };
    let probes = spec.probes.clone().unwrap_or_default();
    let probe = |p: &Option<crate::model::ProbeSpec>, failures: u32| {
        p.as_ref().map(|p| Probe {
            check: match (&p.path, p.tcp) {
                (Some(path), _) => ProbeCheck::Http(path.clone()),
                _ => ProbeCheck::Tcp,
            },
            interval: p.interval.unwrap_or(builtin::PROBE_INTERVAL),
            timeout: p.timeout.unwrap_or(builtin::PROBE_TIMEOUT),
            failure_threshold: p.failure_threshold.unwrap_or(failures),
        })
    };
    let build = spec.build.clone().unwrap_or_default();
    let service = ResolvedService {
        name: name.to_string(),
        description: spec.description.clone(),
        image,
        // One spelling of one directory: the schema allows a trailing `/`, which builds the
        // same (review of sweep 55b, #2: `evalap/` and `evalap` were two build settings).
        build_context: build.context.map_or_else(
            || ".".to_string(),
            |c| match c.trim_end_matches('/') {
                "" => c,
                trimmed => trimmed.to_string(),
            },
        ),
        dockerfile: build.dockerfile,
        port: spec.port,
        protocol: spec.protocol.unwrap_or(Protocol::Http1),
        cpu: spec.cpu.unwrap_or(builtin::CPU),
        memory: spec.memory.unwrap_or(builtin::MEMORY),
        min_scale: scale.min.unwrap_or(builtin::MIN_SCALE),
        max_scale: scale.max.unwrap_or(builtin::MAX_SCALE),
        scaling,
        liveness: probe(&probes.liveness, builtin::LIVENESS_FAILURES),
        startup: probe(&probes.startup, builtin::STARTUP_FAILURES),
        privacy: spec.privacy.unwrap_or(Privacy::Public),
        https_only: spec.https_only.unwrap_or(true),
        env: spec
            .env
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, Template::parse(&v, env, project)))
            .collect(),
        secrets: spec.secrets.clone().unwrap_or_default(),
        database: spec.database.unwrap_or(false),
        command: spec.command.clone().unwrap_or_default(),
        args: spec.args.clone().unwrap_or_default(),
        timeout: spec.timeout.unwrap_or(builtin::TIMEOUT),
        sandbox: spec.sandbox.unwrap_or(Sandbox::V2),
    };
    (service, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service without an image is one error per place it is written, naming its
    /// environments (review of stop 61: one per service and environment was 640 000 errors for
    /// 20 000 services in 32 environments).
    #[test]
    fn a_missing_image_is_reported_once_per_place() {
        let text = "project: demo\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\ndefaults:\n  services:\n    web: {port: 80}\nenvironments:\n  staging: {}\n  qa: {services: {admin: {port: 80}}}\n  production: {}\n";
        let c = crate::pipeline::compile("m.yaml", text.as_bytes(), false);
        let missing: Vec<&str> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == "missing-image")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            missing,
            [
                "service `web` has no `image` in environments `staging`, `qa` and `production`",
                "service `admin` has no `image` in environment `qa`",
            ]
        );
    }

    /// [`NAMED_MAPS`] is every mapping of an environment's settings whose keys are free names:
    /// those the JSON Schema gives `additionalProperties` (a schema, not `false`) under
    /// `environments.*`, found by walking the committed schema through its `$ref`s.
    #[test]
    fn named_maps_are_the_schemas() {
        fn walk(
            defs: &serde_json::Value,
            node: &serde_json::Value,
            path: &mut Vec<String>,
            out: &mut Vec<String>,
        ) {
            if path.len() > 6 {
                return;
            }
            if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
                let name = r.rsplit('/').next().unwrap();
                walk(defs, &defs[name], path, out);
            }
            for k in ["anyOf", "oneOf", "allOf"] {
                for x in node.get(k).and_then(|x| x.as_array()).into_iter().flatten() {
                    walk(defs, x, path, out);
                }
            }
            if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object()) {
                out.push(path.join("."));
                path.push("*".to_string());
                walk(defs, extra, path, out);
                path.pop();
            }
            if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
                for (k, v) in props {
                    path.push(k.clone());
                    walk(defs, v, path, out);
                    path.pop();
                }
            }
        }
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schema_check/environments.schema.json")).unwrap();
        let environment = &schema["properties"]["environments"]["additionalProperties"];
        let mut found = Vec::new();
        walk(&schema["$defs"], environment, &mut Vec::new(), &mut found);
        found.sort();
        found.dedup();
        let named: Vec<String> = NAMED_MAPS.iter().map(|(p, _)| p.join(".")).collect();
        assert_eq!(found, named);
    }

    /// Environment variables come out sorted by name, a name given twice keeping its last
    /// value, and serialize as the map they replace.
    #[test]
    fn environment_variables_are_sorted_last_value_kept_and_serialize_as_a_map() {
        let t = |s: &str| Template::parse(s, "staging", "p");
        let vars: EnvVars = [("B", "1"), ("A", "2"), ("B", "3"), ("C", "${environment}")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), t(v)))
            .collect();
        let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["A", "B", "C"]);
        let values: Vec<Option<&str>> = vars.values().map(Template::as_literal).collect();
        assert_eq!(values, [Some("2"), Some("3"), Some("staging")]);
        let map: BTreeMap<String, Template> =
            vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(
            serde_json::to_string(&vars).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert!(serde_json::to_string(&vars).unwrap().starts_with("{\"A\":"));
    }

    /// Each environment's options and settings, deserialized from its merged tree, are what
    /// deserializing the tree's JSON gave: on every fixture that resolves (the committed
    /// configuration, the valid fixtures, and the invalid ones whose later stages run).
    #[test]
    fn settings_from_the_tree_are_the_settings_from_its_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![dir.join("environments.yaml")];
        for sub in ["tests/fixtures/valid", "tests/fixtures/invalid"] {
            for entry in std::fs::read_dir(dir.join(sub)).expect("fixtures") {
                paths.push(entry.expect("entry").path());
            }
        }
        let is_option = |k: &str| ENVIRONMENT_OPTION_KEYS.contains(&k);
        let mut compared = 0;
        for path in paths {
            let bytes = std::fs::read(&path).expect("read");
            let c = crate::pipeline::compile("environments.yaml", &bytes, false);
            let Some(resolved) = &c.resolved else {
                continue;
            };
            for env in &resolved.environments {
                let tree = env.origins.tree();
                let options = || tree.entries().iter().filter(|(k, _)| is_option(&k.name));
                let settings = || tree.entries().iter().filter(|(k, _)| !is_option(&k.name));
                let from_json: EnvironmentOptions =
                    serde_json::from_value(json_of(tree, is_option)).expect("options");
                let from_tree: EnvironmentOptions =
                    crate::load::de::from_entries(options()).expect("options");
                assert_eq!(from_tree, from_json, "{}: {}", path.display(), env.name);
                let from_json: Settings =
                    serde_json::from_value(json_of(tree, |k| !is_option(k))).expect("settings");
                let from_tree: Settings =
                    crate::load::de::from_entries(settings()).expect("settings");
                assert_eq!(from_tree, from_json, "{}: {}", path.display(), env.name);
                compared += 1;
            }
        }
        assert!(compared > 30, "{compared} environments compared");
    }

    #[test]
    fn templates_parse_references() {
        let t = Template::parse("https://x/${services.api.url}/v1", "staging", "evalap");
        assert_eq!(
            t.parts,
            vec![
                TemplatePart::Literal("https://x/".into()),
                TemplatePart::ServiceUrl("api".into()),
                TemplatePart::Literal("/v1".into()),
            ]
        );
        let t = Template::parse("${project}-${environment}", "staging", "evalap");
        assert_eq!(t.as_literal(), Some("evalap-staging"));
        let t = Template::parse("$${literal}", "s", "p");
        assert_eq!(t.as_literal(), Some("${literal}"));
        let t = Template::parse("${services.api.host}", "s", "p");
        assert_eq!(
            t.parts,
            vec![TemplatePart::Unknown("services.api.host".into())]
        );
        assert_eq!(t.display(), "${services.api.host}");
    }
}

#[cfg(test)]
mod inheritance_tests {
    use crate::model::Tier;
    use crate::pipeline::compile;

    const HEAD: &str = "project: acme\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\ndefaults:\n  services:\n    api: {image: acme-api, port: 8000, probes: {startup: {path: /h}, liveness: {path: /h}}}\n";

    fn resolved(environments: &str) -> crate::resolve::Resolved {
        let yaml = format!("{HEAD}environments:\n{environments}");
        let c = compile("environments.yaml", yaml.as_bytes(), false);
        c.resolved
            .unwrap_or_else(|| panic!("does not resolve: {:#?}", c.diagnostics))
    }

    #[test]
    fn an_environment_without_a_tier_takes_it_from_the_names_along_its_chain() {
        let r = resolved(
            "  staging: {}\n  production: {promote_from: staging}\n  eu: {extends: production, promote_from: staging}\n  eu-2: {extends: eu, promote_from: staging}\n  preview: {extends: staging, promote_from: staging}\n  dev: {promote_from: staging}\n  qa: {extends: dev, promote_from: staging}\n  prod: {extends: qa, promote_from: staging}\n  lab: {extends: production, tier: development, promote_from: staging}\n",
        );
        let tier = |name: &str| r.environment(name).map(|e| e.tier);
        assert_eq!(tier("production"), Some(Tier::Production));
        assert_eq!(tier("eu"), Some(Tier::Production), "extends production");
        assert_eq!(tier("eu-2"), Some(Tier::Production), "two steps up");
        assert_eq!(tier("preview"), Some(Tier::Staging), "extends staging");
        assert_eq!(tier("qa"), Some(Tier::Development), "no name on its chain");
        assert_eq!(tier("prod"), Some(Tier::Production), "its own name first");
        assert_eq!(tier("lab"), Some(Tier::Development), "a written tier wins");
    }

    #[test]
    fn extends_merges_defaults_then_the_chain_then_the_environment() {
        let r = resolved(
            "  staging: {}\n  production:\n    tier: production\n    promote_from: staging\n    scaleway_project: acme-prod\n    github_environment: prod\n    region: nl-ams\n    services:\n      api: {cpu: 2000m, memory: 4GB, scale: {min: 2, max: 4}}\n  production-eu:\n    extends: production\n    promote_from: staging\n    region: pl-waw\n    services:\n      api: {memory: null, scale: {max: 8}}\n",
        );
        let eu = r.environment("production-eu").unwrap();
        // Inherited: tier, the api's cpu and min scale (deep merge of `scale`).
        assert!(eu.is_production());
        let api = eu.service("api").unwrap();
        assert_eq!(api.cpu.millis, 2000);
        assert_eq!((api.min_scale, api.max_scale), (2, 8));
        // `null` removes the inherited value: back to the built-in default.
        assert_eq!(api.memory, super::builtin::MEMORY);
        // Its own region, and identity options of its own.
        assert_eq!(eu.region, "pl-waw");
        assert_eq!(eu.zone, "pl-waw-1");
        assert_eq!(eu.scaleway_project, "acme-production-eu");
        assert_eq!(eu.github_environment, "production-eu");
        assert_eq!(eu.state.bucket, "acme-tfstate-production-eu");
        assert_eq!(eu.registry_namespace, "acme-production-eu");
        // Origins: the layer that wrote each value.
        let o = eu.origins.get("services.api.cpu").unwrap();
        assert_eq!(o.layer, super::Layer::Extended(1));
        assert_eq!(
            eu.origins.layer_name(o.layer),
            "environments.production via extends"
        );
        assert_eq!(
            eu.origins.get("region").unwrap().layer,
            super::Layer::Environment
        );
        assert_eq!(eu.origins.chain(), ["production"]);
        assert!(
            r.environment("production")
                .unwrap()
                .origins
                .chain()
                .is_empty()
        );
    }

    #[test]
    fn identity_options_are_not_inherited() {
        let r = resolved(
            "  staging:\n    scaleway_project: acme-stg\n    github_environment: stg\n  preview:\n    extends: staging\n    promote_from: staging\n",
        );
        let preview = r.environment("preview").unwrap();
        assert_eq!(preview.scaleway_project, "acme-preview");
        assert_eq!(preview.github_environment, "preview");
        assert_eq!(preview.promote_from.as_deref(), Some("staging"));
        assert!(!preview.origins.contains("scaleway_project"));
    }

    /// A change to an environment reaches the environments that extend it: `affected` plans
    /// them too (their effective configuration changed).
    #[test]
    fn a_change_to_an_extended_environment_affects_its_children() {
        let envs = |cpu: &str| {
            format!(
                "{HEAD}environments:\n  staging: {{}}\n  preview:\n    promote_from: staging\n    services: {{api: {{cpu: {cpu}}}}}\n  preview-eu:\n    extends: preview\n    promote_from: staging\n"
            )
        };
        let base = compile("environments.yaml", envs("1000m").as_bytes(), true);
        let head = compile("environments.yaml", envs("2000m").as_bytes(), true);
        assert!(!head.has_errors(), "{:#?}", head.diagnostics);
        let names: Vec<String> = crate::affected::affected(
            Some(&base),
            &head,
            &[],
            false,
            crate::write::MAX_GENERATED_BYTES,
        )
        .into_iter()
        .map(|e| e.name)
        .collect();
        assert_eq!(names, ["preview", "preview-eu"]);
    }

    /// A chain whose merged trees would be quadratic in the file is refused before merging.
    #[test]
    fn chains_that_would_expand_too_far_are_refused_quickly() {
        use std::fmt::Write as _;
        // As many environments as a configuration may declare (`crate::write::MAX_ENVIRONMENTS`).
        let mut yaml = format!("{HEAD}environments:\n  e0: {{}}\n");
        for i in 1..crate::write::MAX_ENVIRONMENTS {
            let _ = write!(
                yaml,
                "  e{i}:\n    extends: e{}\n    promote_from: e0\n    services:\n      api:\n        env:\n",
                i - 1
            );
            for v in 0..20 {
                let _ = writeln!(yaml, "          V{i}_{v}: x");
            }
        }
        let start = std::time::Instant::now();
        let c = compile("environments.yaml", yaml.as_bytes(), false);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
        let d = c
            .diagnostics
            .iter()
            .find(|d| d.code == "too-large")
            .unwrap_or_else(|| panic!("{:#?}", c.diagnostics));
        assert!(
            d.message.contains("would merge into more than"),
            "{}",
            d.message
        );
        assert!(d.span.is_some() && d.expected.is_some() && d.help.is_some());
    }

    /// The longest chain a configuration may declare (`crate::write::MAX_ENVIRONMENTS`, 1 248
    /// environments) resolves in linear time: each merged tree is built once from its parent's
    /// (memoized), never by re-merging the chain. Timed against a chain four times shorter
    /// (the fastest of 5 runs of each, alternating): linear work takes about 4 times as long,
    /// quadratic work 16 times; the bound is 10 (review of stop 58, F2b: a bound of 20 s alone
    /// would have passed a quadratic resolver at this size, 0.1 s in debug). Measured in debug
    /// on the 2-core VM: 35 ms against 9 ms (3.8x). It catches quadratic work that dominates,
    /// not every quadratic walk: `chain_tiers` without its memo (a name test per ancestor) made
    /// it 4.6x, and passes.
    #[test]
    fn long_chains_resolve_in_linear_time() {
        use std::fmt::Write as _;
        use std::time::{Duration, Instant};
        let chain = |n: usize| {
            let mut envs = String::from("  e0: {}\n");
            for i in 1..n {
                let _ = writeln!(envs, "  e{i}: {{extends: e{}, promote_from: e0}}", i - 1);
            }
            envs
        };
        let n = crate::write::MAX_ENVIRONMENTS;
        let (long, short) = (chain(n), chain(n / 4));
        let (mut t_long, mut t_short) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            let start = Instant::now();
            let r = resolved(&long);
            t_long = t_long.min(start.elapsed());
            let last = r.environment(&format!("e{}", n - 1)).unwrap();
            assert_eq!(last.origins.chain().len(), n - 1);
            let start = Instant::now();
            resolved(&short);
            t_short = t_short.min(start.elapsed());
        }
        assert!(t_long < Duration::from_secs(20), "{t_long:?}");
        let ratio = t_long.as_secs_f64() / t_short.as_secs_f64();
        assert!(
            ratio < 10.0,
            "{n} environments took {t_long:?}, {} took {t_short:?}: {ratio:.1}x for 4x the \
             chain, more than linear",
            n / 4
        );
    }
}

#[cfg(test)]
mod declaring_key_tests {
    use crate::pipeline::compile;

    /// TG047 and other findings about a whole service point at the key that first declared it:
    /// `defaults`, else the environment furthest up the chain.
    #[test]
    fn the_declaring_key_is_in_the_lowest_layer() {
        let yaml = "project: acme\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\ndefaults:\n  services:\n    api: {image: acme-api, port: 8000, privacy: public, probes: {startup: {path: /h}, liveness: {path: /h}}}\nenvironments:\n  staging: {}\n  production:\n    promote_from: staging\n    services:\n      worker: {image: acme-worker, port: 8000, probes: {startup: {path: /h}, liveness: {path: /h}}}\n  production-eu:\n    extends: production\n    promote_from: staging\n    services:\n      worker: {cpu: 500m}\n      api: {cpu: 500m}\n";
        let c = compile("environments.yaml", yaml.as_bytes(), false);
        let r = c.resolved.expect("resolves");
        let eu = r.environment("production-eu").unwrap();
        assert_eq!(eu.origins.declaring_key("services.api").unwrap().line, 5);
        assert_eq!(
            eu.origins.declaring_key("services.worker").unwrap().line,
            11
        );
        assert!(eu.origins.declaring_key("services.nothing").is_none());
        // TG047: the worker, declared in production without `privacy`, once for both.
        let tg047: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG047").collect();
        assert_eq!(tg047.len(), 1, "{tg047:#?}");
        assert_eq!(tg047[0].span.unwrap().line, 11);
        assert!(
            tg047[0]
                .message
                .contains("`production` and `production-eu`"),
            "{}",
            tg047[0].message
        );
    }
}
