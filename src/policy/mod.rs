//! Stage 4, policy: semantic rules over the resolved environments, each with a stable code.
//!
//! The schema says what the file may hold; these rules say what makes sense on Scaleway and in
//! production. Every rule has a code (`TG0xx`), a title and a rationale ([`rules`],
//! [`rules_table`]). Every finding points at the value that causes it; when the value is a
//! built-in default (nothing written), it points at the key of the service, database or
//! environment that inherits it, and the help says what to write where.
//!
//! A value written under `defaults:` is checked once per environment that inherits it; the same
//! finding at the same place is reported once, naming every environment concerned.

pub mod alerts;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::diagnostics::{Diagnostic, Level, Span, did_you_mean};
use crate::load::{Node, NodeKind};
use crate::model::{SecretSource, VolumeType};
use crate::resolve::{
    ProbeCheck, Resolved, ResolvedEnvironment, ResolvedService, ScalingSignal, TemplatePart,
};

/// One policy rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable code, e.g. `TG001`.
    pub code: &'static str,
    /// Whether a finding blocks generation (error) or is advice (warning).
    pub level: Level,
    /// One line: what the rule demands.
    pub title: &'static str,
    /// Why it exists.
    pub why: &'static str,
}

const fn error(code: &'static str, title: &'static str, why: &'static str) -> Rule {
    Rule {
        code,
        level: Level::Error,
        title,
        why,
    }
}

const fn warning(code: &'static str, title: &'static str, why: &'static str) -> Rule {
    Rule {
        code,
        level: Level::Warning,
        title,
        why,
    }
}

/// Bounds used by the rules, with their sources.
pub mod limits {
    /// Container CPU, mvCPU (Scaleway containers-limitations.mdx, validated 2025-09-17).
    pub const CPU_MILLIS: (u32, u32) = (70, 6000);
    /// Container memory, MB (same page; "12228 MB" as Scaleway documents it).
    pub const MEMORY_MB: (u64, u64) = (128, 12228);
    /// Largest `max_scale` (same page).
    pub const MAX_SCALE: u32 = 50;
    /// Concurrent requests per instance (same page: "80 per instance").
    pub const CONCURRENCY: (u32, u32) = (1, 80);
    /// Container request timeout, seconds (API range 10 s to 60 min).
    pub const TIMEOUT_SECS: (u64, u64) = (10, 3600);
    /// Ports the Serverless Containers platform reserves.
    pub const RESERVED_PORTS: [u16; 6] = [8008, 8012, 8013, 8022, 9090, 9091];
    /// Native daily backup retention, days. Scaleway documents no maximum (research §2); 365 d
    /// is tofugen's sane bound: longer retention belongs to the monthly tier.
    pub const DAILY_RETENTION_DAYS: (u64, u64) = (1, 365);
    /// Weekly and monthly job retention, days: the CLI's `expires-at=+Nd` has no documented
    /// maximum either; ten years is tofugen's bound.
    pub const JOB_RETENTION_DAYS: (u64, u64) = (1, 3650);
    /// Production retention minimums: daily, weekly, monthly (the issue's backup policy).
    pub const PRODUCTION_RETENTION_DAYS: (u64, u64, u64) = (30, 90, 365);
    /// Longest Scaleway resource name tofugen builds (`<project>-<env>-<service>`).
    pub const RESOURCE_NAME: usize = 63;
    /// Minimum OpenTofu version (write-only attributes, ephemeral resources).
    pub const OPENTOFU: (u64, u64, u64) = (1, 11, 0);
    /// Minimum Scaleway provider version (container v1 API).
    pub const SCALEWAY_PROVIDER: (u64, u64, u64) = (2, 75, 0);
    /// Minimum random provider version (ephemeral `random_password`).
    pub const RANDOM_PROVIDER: (u64, u64, u64) = (3, 7, 1);
    /// Generated secret length.
    pub const SECRET_LENGTH: (u32, u32) = (16, 1024);
    /// Regions offering Serverless Containers, Managed PostgreSQL and Cockpit.
    pub const REGIONS: [&str; 3] = ["fr-par", "nl-ams", "pl-waw"];
}

static RULES: [Rule; 33] = [
    error(
        "TG001",
        "production services run at least 2 instances (`scale.min >= 2`)",
        "one instance is a single point of failure, and scale-to-zero adds cold starts to the first request",
    ),
    error(
        "TG002",
        "a production database is highly available (`ha: true`)",
        "a standalone node is down for the whole of a maintenance or a node failure; HA fails over in about 10 s",
    ),
    error(
        "TG003",
        "backup tiers are ordered: daily retention < weekly < monthly",
        "a longer tier that expires sooner than a shorter one adds cost without adding any restore point",
    ),
    error(
        "TG004",
        "production keeps daily >= 30d, weekly >= 90d and monthly >= 365d backups, all three enabled",
        "the backup policy of the issue: a month of daily, a quarter of weekly, a year of monthly restore points",
    ),
    error(
        "TG005",
        "backup retention and schedules are within accepted bounds (daily 1-365d, jobs 1-3650d, 5-field cron)",
        "Scaleway documents no maximum, so tofugen keeps sane bounds; a bad cron only fails at apply time",
    ),
    error(
        "TG006",
        "every HTTP service has a liveness and a startup probe",
        "without a startup probe a broken revision receives traffic; without liveness a hung instance is never restarted",
    ),
    error(
        "TG007",
        "a probe's timeout is shorter than its interval",
        "a probe that may outlast its interval overlaps the next one and reports stale health",
    ),
    error(
        "TG008",
        "a probe is one HTTP path starting with `/`, or `tcp: true`",
        "Scaleway takes precisely one of http/tcp, and an HTTP path is requested as written",
    ),
    error(
        "TG009",
        "every service has an HTTP `port` (Serverless Containers route only HTTP)",
        "a container without an HTTP port (e.g. a ZeroMQ runner) gets no inbound traffic: there is no private ingress",
    ),
    error(
        "TG010",
        "every secret a service lists is declared under `secrets:`",
        "an undeclared secret would be injected empty, or fail the apply",
    ),
    error(
        "TG011",
        "`source: database` secrets and `database: true` need an enabled database, and such secrets need `database: true`",
        "the connection URL only exists with a database, and only reaches services attached to its private network",
    ),
    error(
        "TG012",
        "no secret in plain `env`, `command` or `args`",
        "plain values are committed to git and shown in the Scaleway console; secrets belong in Secret Manager",
    ),
    error(
        "TG013",
        "`${...}` references name an enabled service (`${services.NAME.url}`), `${environment}` or `${project}`",
        "an unknown reference would be passed to the container literally",
    ),
    error(
        "TG014",
        "service URL references form no cycle, and a service does not reference itself",
        "each URL is an OpenTofu dependency: a cycle cannot be planned",
    ),
    error(
        "TG015",
        "container CPU is 70-6000 mvCPU and memory 128-12228 MB",
        "Scaleway's Serverless Containers limits (containers-limitations, validated 2025-09-17)",
    ),
    error(
        "TG016",
        "scaling: min <= max <= 50, concurrent requests 1-80, CPU/memory percent 1-100 with min >= 1",
        "Scaleway's limits; CPU and memory signals cannot scale from zero",
    ),
    error(
        "TG017",
        "container timeout is between 10s and 60m",
        "the range the Serverless Containers API accepts",
    ),
    error(
        "TG018",
        "the port is 1-65535 and not one the platform reserves (8008, 8012, 8013, 8022, 9090, 9091)",
        "Serverless Containers use those ports internally; the container would not receive traffic",
    ),
    error(
        "TG019",
        "database volumes: block (`sbs_*`) sizes are multiples of 5GB and >= 5GB; `lssd` only on DB-DEV/DB-GP node types",
        "Scaleway Block Storage is sized in 5 GB steps, and local storage exists only on first-generation nodes",
    ),
    error(
        "TG020",
        "names are valid: project `^[a-z][a-z0-9-]*$`, `<project>-<env>-<service>` <= 63 chars, database name and user are PostgreSQL identifiers",
        "names become Scaleway resource names, HCL identifiers and SQL identifiers",
    ),
    error(
        "TG021",
        "secret and environment variable names match `^[A-Z_][A-Z0-9_]*$`",
        "they are injected as environment variables; other names cannot be read reliably",
    ),
    error(
        "TG022",
        "state bucket names are valid S3 bucket names (3-63 chars, lowercase, digits, `-` and `.`)",
        "Object Storage rejects other names at bootstrap time",
    ),
    error(
        "TG023",
        "`promote_from` names another existing environment, without cycles",
        "promotion copies tested images from that environment; a missing or circular source has none",
    ),
    error(
        "TG024",
        "Scaleway project names and state buckets are unique across environments",
        "environments are isolated: sharing a project or a state bucket lets one overwrite the other",
    ),
    error(
        "TG025",
        "versions are exact `X.Y.Z`: OpenTofu >= 1.11, scaleway provider >= 2.75, random >= 3.7.1",
        "write-only attributes and ephemeral resources need OpenTofu 1.11; the container v1 API needs provider 2.75; ephemeral random_password needs random 3.7.1",
    ),
    error(
        "TG026",
        "alert contacts are e-mail addresses",
        "Cockpit contact points are e-mail addresses; anything else silently drops the alerts",
    ),
    error(
        "TG027",
        "generated secrets are 16-1024 characters long",
        "shorter values are guessable; longer ones exceed what applications expect",
    ),
    error(
        "TG028",
        "the zone belongs to the region",
        "a zone of another region cannot host the region's resources",
    ),
    warning(
        "TG040",
        "every declared secret is used by a service",
        "an unused secret is a value to rotate and protect for nothing",
    ),
    warning(
        "TG041",
        "production databases do not use development node types (DB-DEV, DB-PLAY)",
        "development nodes share CPU and are sized for tests, not production load",
    ),
    warning(
        "TG042",
        "public services refuse plain HTTP (`https_only: true`)",
        "plain HTTP exposes tokens and cookies on the wire",
    ),
    warning(
        "TG044",
        "an enabled database is used by at least one service (`database: true`)",
        "a database no service reaches costs money and holds no application data",
    ),
    warning(
        "TG045",
        "the region is one where Serverless Containers, Managed PostgreSQL and Cockpit are offered (fr-par, nl-ams, pl-waw)",
        "other regions may lack one of the products the generated roots use",
    ),
];

/// Every policy rule, in code order.
pub fn rules() -> &'static [Rule] {
    &RULES
}

/// The rules as a Markdown table (`tofugen rules`): code, rule (warnings marked), why.
pub fn rules_table() -> String {
    let mut out = String::from("| code | rule | why |\n|---|---|---|\n");
    for r in rules() {
        let level = match r.level {
            Level::Error => "",
            Level::Warning => " (warning)",
        };
        let _ = writeln!(
            out,
            "| {} | {}{level} | {} |",
            r.code,
            r.title.replace('|', "\\|"),
            r.why.replace('|', "\\|")
        );
    }
    for (code, level, summary) in alerts::RULES {
        let level = if level == "warning" { " (warning)" } else { "" };
        let _ = writeln!(
            out,
            "| {code} | {}{level} | {} |",
            summary.replace('|', "\\|"),
            alert_rule_why(code)
        );
    }
    out
}

/// Why each alert rule (`alerts::RULES`) exists.
fn alert_rule_why(code: &str) -> &'static str {
    match code {
        "TG100" => {
            "an alert that fires after the objective does not meet it: shorten `for` or relax the objective"
        }
        "TG101" => "a rule on a service that does not exist never fires",
        "TG102" => "container kinds filter on one service's container",
        "TG103" => "without a database there are no database metrics: the rule could never fire",
        "TG104" => "a rule is either built-in or custom; both at once is ambiguous",
        "TG105" => "Cockpit rejects a rule group with invalid PromQL when it is pushed",
        "TG106" => "the rule would watch backup jobs that do not exist",
        "TG107" => "a silent backup failure is found only at restore time",
        "TG108" => "a threshold outside the metric's range can never be crossed",
        "TG109" => "production alerts must reach someone",
        "TG110" => "`service` is ignored by this kind, which is a sign of a mistake",
        "TG111" => "replication lag exists only with a standby or a read replica",
        _ => "",
    }
}

fn rule(code: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.code == code)
        .expect("every code used is in RULES")
}

/// Placeholder for the environment name(s) in a finding's message.
const ENV: &str = "\u{1}ENV\u{1}";

/// A finding before findings of several environments at the same place are merged.
struct Finding {
    code: &'static str,
    env: Option<String>,
    span: Option<Span>,
    message: String,
    expected: String,
    help: String,
    notes: Vec<String>,
}

/// Collects findings for one run.
struct Checker<'a> {
    root: &'a Node,
    resolved: &'a Resolved,
    findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
    fn push(
        &mut self,
        code: &'static str,
        env: Option<&ResolvedEnvironment>,
        span: Option<Span>,
        message: String,
        expected: impl Into<String>,
        help: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            code,
            env: env.map(|e| e.name.clone()),
            span,
            message,
            expected: expected.into(),
            help: help.into(),
            notes: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// Position of the key of environment `name` in `environments:`.
    fn env_key(&self, name: &str) -> Option<Span> {
        self.root
            .get("environments")
            .and_then(|e| e.entry(name))
            .map(|(k, _)| k.span)
            .or(Some(self.root.span))
    }

    /// Position of a value at dotted `path`: the value itself when written; otherwise (a
    /// built-in default) the key of the closest enclosing entry that was written, else the
    /// environment's key.
    fn at(&self, env: &ResolvedEnvironment, path: &str) -> Option<Span> {
        if let Some(o) = env.origins.get(path) {
            return Some(o.span);
        }
        self.key_above(env, path)
    }

    /// Position of the key that set `path`, else as [`Checker::at`].
    fn key_at(&self, env: &ResolvedEnvironment, path: &str) -> Option<Span> {
        env.origins
            .key_spans
            .get(path)
            .copied()
            .or_else(|| self.at(env, path))
    }

    fn key_above(&self, env: &ResolvedEnvironment, path: &str) -> Option<Span> {
        let mut p = path;
        while let Some(i) = p.rfind('.') {
            p = &p[..i];
            if let Some(s) = env.origins.key_spans.get(p) {
                return Some(*s);
            }
        }
        self.env_key(&env.name)
    }

    /// Whether `path` was written in the file (not a built-in default).
    fn written(&self, env: &ResolvedEnvironment, path: &str) -> bool {
        env.origins.get(path).is_some()
    }

    /// The raw node of `path` as written (in the environment's section or in `defaults:`).
    fn raw(&self, env: &ResolvedEnvironment, path: &str) -> Option<&'a Node> {
        let origin = env.origins.get(path)?;
        let base = match origin.layer {
            crate::resolve::Layer::Defaults => self.root.get("defaults")?,
            crate::resolve::Layer::Environment => self.root.get("environments")?.get(&env.name)?,
        };
        let pointer: String = path
            .split('.')
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect();
        let (node, _) = base.pointer(&pointer);
        (node.span == origin.span).then_some(node)
    }
}

/// Checks every rule on every environment. `root` is the loaded tree (for positions of values
/// that are not per-environment, and of environments' keys).
pub fn check(file: &str, root: &Node, resolved: &Resolved) -> Vec<Diagnostic> {
    let mut c = Checker {
        root,
        resolved,
        findings: Vec::new(),
    };
    project_wide(&mut c);
    for env in &resolved.environments {
        environment(&mut c, env);
        for service in &env.services {
            service_rules(&mut c, env, service);
        }
        references(&mut c, env);
        secrets_rules(&mut c, env);
        database_rules(&mut c, env);
    }
    let mut diags = merge(file, c.findings);
    for env in &resolved.environments {
        diags.extend(alerts::check(file, resolved, env));
    }
    diags
}

/// Merges findings that differ only by environment, and turns them into diagnostics.
fn merge(file: &str, findings: Vec<Finding>) -> Vec<Diagnostic> {
    let mut groups: Vec<(Finding, Vec<String>)> = Vec::new();
    for f in findings {
        let same = groups.iter_mut().find(|(g, _)| {
            g.code == f.code
                && g.span == f.span
                && g.message == f.message
                && g.expected == f.expected
                && g.help == f.help
        });
        match same {
            Some((_, envs)) => envs.extend(f.env),
            None => {
                let envs = f.env.iter().cloned().collect();
                groups.push((f, envs));
            }
        }
    }
    groups
        .into_iter()
        .map(|(f, envs)| {
            let r = rule(f.code);
            let names = join_names(&envs);
            let message = f.message.replace(ENV, &names);
            let mut d = match r.level {
                Level::Error => Diagnostic::error(f.code, message),
                Level::Warning => Diagnostic::warning(f.code, message),
            }
            .at(file, f.span)
            .expected(f.expected)
            .help(f.help);
            for n in f.notes {
                d = d.note(n);
            }
            d.note(format!("rule {}: {}", r.code, r.why))
        })
        .collect()
}

fn join_names(envs: &[String]) -> String {
    let quoted: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Project-wide rules
// ---------------------------------------------------------------------------------------------

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.');
    let mut next = || -> Option<u64> {
        let p = parts.next()?;
        (!p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0')))
        .then(|| p.parse().ok())
        .flatten()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

fn project_wide(c: &mut Checker<'_>) {
    let versions = [
        (
            "opentofu",
            "OpenTofu",
            c.resolved.versions.opentofu.clone(),
            limits::OPENTOFU,
            "1.11.5",
            "write-only attributes and ephemeral resources",
        ),
        (
            "scaleway_provider",
            "the scaleway/scaleway provider",
            c.resolved.versions.scaleway_provider.clone(),
            limits::SCALEWAY_PROVIDER,
            "2.81.0",
            "the container v1 API",
        ),
        (
            "random_provider",
            "the hashicorp/random provider",
            c.resolved.versions.random_provider.clone(),
            limits::RANDOM_PROVIDER,
            "3.7.2",
            "the ephemeral `random_password`",
        ),
    ];
    for (key, what, value, min, example, needs) in versions {
        let span = c
            .root
            .get("versions")
            .and_then(|v| v.get(key))
            .map(|n| n.span);
        let min_text = format!("{}.{}.{}", min.0, min.1, min.2);
        match parse_version(&value) {
            None => {
                c.push(
                    "TG025",
                    None,
                    span,
                    format!("`versions.{key}` is `{value}`, not an exact version"),
                    format!("an exact version `X.Y.Z`, at least {min_text}"),
                    format!("pin an exact release, e.g. `{key}: {example}`"),
                );
            }
            Some(v) if v < min => {
                c.push(
                    "TG025",
                    None,
                    span,
                    format!(
                        "{what} {value} is too old: the generated roots need {min_text} or later"
                    ),
                    format!("a version >= {min_text}"),
                    format!("use `{key}: {example}` ({what} >= {min_text} has {needs})"),
                );
            }
            Some(_) => {}
        }
    }
    if let Some(cli) = c.root.get("versions").and_then(|v| v.get("scaleway_cli"))
        && let NodeKind::Str(s) = &cli.kind
        && s.strip_prefix('v').and_then(parse_version).is_none()
    {
        c.push(
            "TG025",
            None,
            Some(cli.span),
            format!("`versions.scaleway_cli` is `{s}`, not an exact image tag"),
            "an exact tag `vX.Y.Z` of the scaleway/cli image",
            "pin an exact tag, e.g. `scaleway_cli: v2.61.0`",
        );
    }

    let project = c.resolved.project.clone();
    let span = c.root.get("project").map(|n| n.span);
    if !valid_name(&project) {
        let fix = name_fix(&project);
        c.push(
            "TG020",
            None,
            span,
            format!("project name `{project}` is not a valid resource name"),
            "lowercase letters, digits and `-`, starting with a letter",
            match fix {
                Some(f) => format!("use `project: {f}`"),
                None => "use a short lowercase name, e.g. `project: shop`".to_string(),
            },
        );
    }

    // Unique Scaleway projects and state buckets.
    let mut projects: BTreeMap<String, &str> = BTreeMap::new();
    let mut buckets: BTreeMap<String, &str> = BTreeMap::new();
    let resolved = c.resolved;
    for env in &resolved.environments {
        if let Some(first) = projects.get(&env.scaleway_project) {
            let span = c.key_at(env, "scaleway_project");
            let span = if env.origins.key_spans.contains_key("scaleway_project") {
                span
            } else {
                c.raw_option_span(&env.name, "scaleway_project")
            };
            c.push(
                "TG024",
                Some(env),
                span,
                format!(
                    "{ENV} uses the Scaleway project `{}`, already used by `{first}`",
                    env.scaleway_project
                ),
                "a Scaleway project of its own",
                format!(
                    "set `scaleway_project: {}-{}` on `{}`",
                    resolved.project, env.name, env.name
                ),
            );
        } else {
            projects.insert(env.scaleway_project.clone(), &env.name);
        }
        if let Some(first) = buckets.get(&env.state.bucket) {
            let span = c.at(env, "state.bucket");
            c.push(
                "TG024",
                Some(env),
                span,
                format!(
                    "{ENV} keeps its state in bucket `{}`, already used by `{first}`",
                    env.state.bucket
                ),
                "a state bucket of its own (a template with `{env}`)",
                "write the bucket as a template, e.g. `bucket: \"{project}-tfstate-{env}\"`",
            );
        } else {
            buckets.insert(env.state.bucket.clone(), &env.name);
        }
    }

    // promote_from: existing, not circular (each cycle reported once).
    let mut cycles: BTreeSet<Vec<String>> = BTreeSet::new();
    let names: Vec<&str> = resolved
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    for env in &resolved.environments {
        let Some(from) = &env.promote_from else {
            continue;
        };
        let span = c.raw_option_span(&env.name, "promote_from");
        if !names.contains(&from.as_str()) {
            let others: Vec<&str> = names.iter().copied().filter(|n| *n != env.name).collect();
            let help = match did_you_mean(from, others.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("use one of: {}", list(&others)),
            };
            c.push(
                "TG023",
                Some(env),
                span,
                format!("{ENV} promotes from `{from}`, which is not an environment"),
                format!("one of: {}", list(&others)),
                help,
            );
            continue;
        }
        // Walk the chain; a cycle returns to `env`.
        let mut seen = vec![env.name.as_str()];
        let mut current = from.as_str();
        loop {
            if current == env.name {
                let mut members: Vec<String> = seen.iter().map(|s| s.to_string()).collect();
                members.sort();
                if !cycles.insert(members) {
                    break;
                }
                seen.push(current);
                c.push(
                    "TG023",
                    Some(env),
                    span,
                    format!("promotion is circular: {}", seen.join(" → ")),
                    "a chain of promotions that starts at an environment built from source",
                    "remove `promote_from` from the first environment of the chain (usually staging)",
                );
                break;
            }
            if seen.contains(&current) {
                break;
            }
            seen.push(current);
            match resolved
                .environment(current)
                .and_then(|e| e.promote_from.as_deref())
            {
                Some(next) => current = next,
                None => break,
            }
        }
    }
}

impl Checker<'_> {
    /// Position of an environment option value (`tier`, `promote_from`, ...), else the
    /// environment's key.
    fn raw_option_span(&self, env: &str, key: &str) -> Option<Span> {
        self.root
            .get("environments")
            .and_then(|e| e.get(env))
            .and_then(|e| e.get(key))
            .map(|n| n.span)
            .or_else(|| self.env_key(env))
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// A valid Scaleway/HCL name close to `name` (`My_API` → `my-api`), when there is one.
pub(crate) fn name_fix(name: &str) -> Option<String> {
    let fixed: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let fixed = fixed.trim_matches('-').to_string();
    (valid_name(&fixed) && fixed != name).then_some(fixed)
}

/// `^[A-Z_][A-Z0-9_]*$`.
pub fn valid_env_var(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A PostgreSQL identifier that needs no quoting.
fn valid_sql_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// An S3 bucket name: 3-63 characters, lowercase letters, digits, `-` and `.`, starting and
/// ending with a letter or digit, no `..`, not shaped like an IP address.
pub fn valid_bucket(name: &str) -> bool {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let edges = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ip_like = name.split('.').count() == 4
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (3..=63).contains(&name.len())
        && ok_chars
        && edges(name.as_bytes().first())
        && edges(name.as_bytes().last())
        && !name.contains("..")
        && !ip_like
}

// ---------------------------------------------------------------------------------------------
// Environment-level rules
// ---------------------------------------------------------------------------------------------

fn environment(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let project = c.resolved.project.clone();
    // Region and zone.
    if !limits::REGIONS.contains(&env.region.as_str()) {
        let span = c.at(env, "region");
        c.push(
            "TG045",
            Some(env),
            span,
            format!("{ENV} uses region `{}`", env.region),
            format!("one of: {}", list(&limits::REGIONS)),
            match did_you_mean(&env.region, limits::REGIONS) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "check that every product is offered there, or use `fr-par`".to_string(),
            },
        );
    }
    if !env
        .zone
        .strip_prefix(env.region.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        let span = c.at(env, "zone");
        c.push(
            "TG028",
            Some(env),
            span,
            format!(
                "zone `{}` is not in region `{}` in {ENV}",
                env.zone, env.region
            ),
            format!("a zone of `{}`, e.g. `{}-1`", env.region, env.region),
            format!("use `zone: {}-1`", env.region),
        );
    }
    // State bucket name.
    if !valid_bucket(&env.state.bucket) {
        let span = c.at(env, "state.bucket");
        let fixed: String = env.state.bucket.to_ascii_lowercase().replace('_', "-");
        let help = if valid_bucket(&fixed) {
            format!("use lowercase letters, digits and `-` only: `{fixed}` would be valid")
        } else {
            "use lowercase letters, digits and `-`, 3 to 63 characters in all".to_string()
        };
        c.push(
            "TG022",
            Some(env),
            span,
            format!(
                "state bucket `{}` of {ENV} is not a valid bucket name",
                env.state.bucket
            ),
            "3 to 63 lowercase letters, digits, `-` or `.`, starting and ending with a letter or digit",
            help,
        );
    }
    // Environment name length in resource names.
    if !valid_name(&env.name) {
        let span = c.env_key(&env.name);
        c.push(
            "TG020",
            Some(env),
            span,
            format!(
                "environment name `{}` is not a valid resource name",
                env.name
            ),
            "lowercase letters, digits and `-`, starting with a letter",
            "rename the environment",
        );
    }
    if env.scaleway_project.is_empty() || env.scaleway_project.len() > 64 {
        let span = c.raw_option_span(&env.name, "scaleway_project");
        c.push(
            "TG020",
            Some(env),
            span,
            format!(
                "Scaleway project name of {ENV} is {} characters long",
                env.scaleway_project.len()
            ),
            "1 to 64 characters",
            format!("use `scaleway_project: {project}-{}`", env.name),
        );
    }
    // Production without contacts is `alerts::check`'s TG109.
    for (i, contact) in env.alerts.contacts.iter().enumerate() {
        if !looks_like_email(contact) {
            let span = c.at(env, &format!("alerts.contacts.{i}"));
            c.push(
                "TG026",
                Some(env),
                span,
                format!("alert contact `{contact}` is not an e-mail address"),
                "an e-mail address such as `ops@example.org`",
                "write the address of a mailbox or list that someone reads",
            );
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
        && domain
            .split_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.ends_with('.'))
}

// ---------------------------------------------------------------------------------------------
// Service rules
// ---------------------------------------------------------------------------------------------

fn service_rules(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    let base = format!("services.{}", s.name);
    let p = |rest: &str| format!("{base}.{rest}");
    let name = &s.name;
    let project = c.resolved.project.clone();

    // Names.
    let full = format!("{project}-{}-{}", env.name, name);
    if full.len() > limits::RESOURCE_NAME {
        let span = c.key_at(env, &base);
        c.push(
            "TG020",
            Some(env),
            span,
            format!(
                "resource name `{full}` is {} characters long in {ENV}",
                full.len()
            ),
            format!(
                "`<project>-<environment>-<service>` of at most {} characters",
                limits::RESOURCE_NAME
            ),
            "shorten the service, environment or project name",
        );
    }

    // TG009: an HTTP port.
    let Some(port) = s.port else {
        let span = c.key_at(env, &base);
        c.push(
            "TG009",
            Some(env),
            span,
            format!("service `{name}` has no HTTP `port` in {ENV}"),
            "`port: <the HTTP port the container listens on>`",
            "add the HTTP port; if the process speaks no HTTP (e.g. a ZeroMQ worker), see the notes",
        )
        .notes
        .extend([
            "Serverless Containers route only HTTP to one port, and a Private Network gives them no inbound traffic: a ZeroMQ/TCP worker cannot be reached".to_string(),
            "option 1: co-locate it with an HTTP service in one image (supervisord), as EvalAP runs its ZeroMQ runners next to the API".to_string(),
            "option 2: replace the ZeroMQ hop with Scaleway Queues or NATS and a container trigger (`scaleway_container_trigger`)".to_string(),
            "option 3: run it on Instances or Kapsule, outside tofugen".to_string(),
        ]);
        return;
    };
    if port == 0 || limits::RESERVED_PORTS.contains(&port) {
        let span = c.at(env, &p("port"));
        c.push(
            "TG018",
            Some(env),
            span,
            format!("service `{name}` listens on port {port}, which the platform reserves"),
            "a port from 1 to 65535 other than 8008, 8012, 8013, 8022, 9090 and 9091",
            "make the application listen on another port (e.g. 8080) and set `port:` to it",
        );
    }

    // TG015: CPU and memory.
    let (lo, hi) = limits::CPU_MILLIS;
    if !(lo..=hi).contains(&s.cpu.millis) {
        let span = c.at(env, &p("cpu"));
        let fix = s.cpu.millis.clamp(lo, hi);
        c.push(
            "TG015",
            Some(env),
            span,
            format!("service `{name}` asks for {} of CPU", s.cpu),
            format!("{lo}m to {hi}m (Scaleway Serverless Containers limits)"),
            format!("use `cpu: {fix}m`"),
        );
    }
    let (lo, hi) = limits::MEMORY_MB;
    let mb = s.memory.megabytes();
    if !(lo..=hi).contains(&mb) {
        let span = c.at(env, &p("memory"));
        let fix = if mb < lo { "128MB" } else { "12GB" };
        c.push(
            "TG015",
            Some(env),
            span,
            format!("service `{name}` asks for {} of memory", s.memory),
            format!("{lo}MB to {hi}MB (Scaleway Serverless Containers limits)"),
            format!("use `memory: {fix}`"),
        );
    }

    // TG016: scaling.
    if s.min_scale > s.max_scale {
        let span = c.at(env, &p("scale.min"));
        c.push(
            "TG016",
            Some(env),
            span,
            format!(
                "service `{name}` has `scale.min` {} above `scale.max` {} in {ENV}",
                s.min_scale, s.max_scale
            ),
            format!("`min` at most `max` ({})", s.max_scale),
            format!(
                "raise `scale.max` to at least {} or lower `scale.min`",
                s.min_scale
            ),
        );
    }
    if s.max_scale > limits::MAX_SCALE || s.max_scale == 0 {
        let span = c.at(env, &p("scale.max"));
        c.push(
            "TG016",
            Some(env),
            span,
            format!("service `{name}` has `scale.max` {}", s.max_scale),
            format!("1 to {} instances (Scaleway's limit)", limits::MAX_SCALE),
            format!("use `max: {}`", s.max_scale.clamp(1, limits::MAX_SCALE)),
        );
    }
    match s.scaling {
        Some(ScalingSignal::ConcurrentRequests(n)) => {
            let (lo, hi) = limits::CONCURRENCY;
            if !(lo..=hi).contains(&n) {
                let span = c.at(env, &p("scale.concurrent_requests"));
                c.push(
                    "TG016",
                    Some(env),
                    span,
                    format!("service `{name}` scales at {n} concurrent requests per instance"),
                    format!("{lo} to {hi} (Scaleway serves at most {hi} per instance)"),
                    format!("use `concurrent_requests: {}`", n.clamp(lo, hi)),
                );
            }
        }
        Some(ScalingSignal::CpuPercent(n)) | Some(ScalingSignal::MemoryPercent(n)) => {
            let key = if matches!(s.scaling, Some(ScalingSignal::CpuPercent(_))) {
                "cpu_percent"
            } else {
                "memory_percent"
            };
            if !(1..=100).contains(&n) {
                let span = c.at(env, &p(&format!("scale.{key}")));
                c.push(
                    "TG016",
                    Some(env),
                    span,
                    format!("service `{name}` scales at {n}% ({key})"),
                    "a percentage from 1 to 100",
                    format!("use `{key}: {}`", n.clamp(1, 100)),
                );
            }
            if s.min_scale == 0 {
                let span = c.at(env, &p("scale.min"));
                c.push(
                    "TG016",
                    Some(env),
                    span,
                    format!("service `{name}` scales on {key} but may scale to zero in {ENV}"),
                    "`scale.min` of at least 1 with a CPU or memory signal",
                    "set `scale.min: 1`, or scale on `concurrent_requests` to keep scale-to-zero",
                );
            }
        }
        None => {}
    }
    let signals = ["concurrent_requests", "cpu_percent", "memory_percent"]
        .into_iter()
        .filter(|k| c.written(env, &p(&format!("scale.{k}"))))
        .collect::<Vec<_>>();
    if signals.len() > 1 {
        let span = c.at(env, &p(&format!("scale.{}", signals[1])));
        c.push(
            "TG016",
            Some(env),
            span,
            format!(
                "service `{name}` sets {} scaling signals in {ENV}: {}",
                signals.len(),
                list(&signals)
            ),
            "at most one of `concurrent_requests`, `cpu_percent` and `memory_percent`",
            format!("keep `{}` and remove the others", signals[0]),
        );
    }

    // TG001: production redundancy.
    if env.is_production() && s.min_scale < 2 {
        let span = c.at(env, &p("scale.min"));
        c.push(
            "TG001",
            Some(env),
            span,
            format!(
                "service `{name}` may run {} instance(s){} in production environment {ENV}",
                s.min_scale,
                builtin_note(c.written(env, &p("scale.min")))
            ),
            "`scale.min` of at least 2 in production",
            format!(
                "set `scale: {{ min: 2 }}` under `environments.{}.services.{name}`",
                env.name
            ),
        );
    }

    // TG017: timeout.
    let (lo, hi) = limits::TIMEOUT_SECS;
    if !(lo..=hi).contains(&s.timeout.seconds) {
        let span = c.at(env, &p("timeout"));
        c.push(
            "TG017",
            Some(env),
            span,
            format!("service `{name}` has a {} request timeout", s.timeout),
            "10s to 60m",
            if s.timeout.seconds < lo {
                "use `timeout: 10s` or more".to_string()
            } else {
                "use `timeout: 60m` at most; move longer work to a job or a queue".to_string()
            },
        );
    }

    // TG006-TG008: probes.
    for (kind, probe) in [("startup", &s.startup), ("liveness", &s.liveness)] {
        let ppath = p(&format!("probes.{kind}"));
        let Some(probe) = probe else {
            let span = c.key_at(env, &base);
            let health = s.health_path().unwrap_or("/health");
            c.push(
                "TG006",
                Some(env),
                span,
                format!("service `{name}` has no {kind} probe in {ENV}"),
                format!("`probes.{kind}` with an HTTP `path`"),
                format!("add `probes: {{ {kind}: {{ path: {health} }} }}` under `services.{name}`"),
            );
            continue;
        };
        if probe.timeout >= probe.interval {
            let span = c.at(env, &format!("{ppath}.timeout"));
            c.push(
                "TG007",
                Some(env),
                span,
                format!(
                    "the {kind} probe of `{name}` may take {} but runs every {}",
                    probe.timeout, probe.interval
                ),
                format!("a timeout shorter than the interval ({})", probe.interval),
                format!(
                    "lower `timeout` below {} or raise `interval`",
                    probe.interval
                ),
            );
        }
        let has_path = c.written(env, &format!("{ppath}.path"));
        let tcp = c
            .raw(env, &format!("{ppath}.tcp"))
            .is_some_and(|n| n.kind == NodeKind::Bool(true));
        if has_path && tcp {
            let span = c.at(env, &format!("{ppath}.tcp"));
            c.push(
                "TG008",
                Some(env),
                span,
                format!("the {kind} probe of `{name}` sets both `path` and `tcp: true`"),
                "either an HTTP `path` or `tcp: true`",
                "remove `tcp: true` to probe over HTTP (recommended)",
            );
        } else if !has_path && !tcp {
            let span = c.key_at(env, &ppath);
            c.push(
                "TG008",
                Some(env),
                span,
                format!("the {kind} probe of `{name}` checks nothing"),
                "an HTTP `path` or `tcp: true`",
                "add `path: /health` (or the application's health path)",
            );
        }
        if let ProbeCheck::Http(path) = &probe.check
            && !path.starts_with('/')
        {
            let span = c.at(env, &format!("{ppath}.path"));
            c.push(
                "TG008",
                Some(env),
                span,
                format!("the {kind} probe path `{path}` of `{name}` does not start with `/`"),
                "an absolute path such as `/health`",
                format!("write `path: /{}`", path.trim_start_matches(['.', '/'])),
            );
        }
    }

    // TG042: plain HTTP on a public service.
    if !s.https_only && s.privacy == crate::model::Privacy::Public {
        let span = c.at(env, &p("https_only"));
        c.push(
            "TG042",
            Some(env),
            span,
            format!("public service `{name}` accepts plain HTTP"),
            "`https_only: true` on public services",
            "remove `https_only: false`; Scaleway redirects HTTP clients to HTTPS",
        );
    }

    // TG012: secrets in plain values; TG021: env var names.
    for (key, template) in &s.env {
        let vpath = p(&format!("env.{key}"));
        if !valid_env_var(key) {
            let span = c.key_at(env, &vpath);
            c.push(
                "TG021",
                Some(env),
                span,
                format!("environment variable name `{key}` of `{name}` is not valid"),
                "uppercase letters, digits and `_`, not starting with a digit",
                format!(
                    "rename it to `{}`",
                    key.to_ascii_uppercase().replace('-', "_")
                ),
            );
        }
        let literal: String = template
            .parts
            .iter()
            .filter_map(|p| match p {
                TemplatePart::Literal(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let only_refs = literal.trim().is_empty();
        if let Some(why) = secrets::looks_secret(key, &literal, only_refs) {
            let span = c.key_at(env, &vpath);
            c.push(
                "TG012",
                Some(env),
                span,
                format!("`env.{key}` of service `{name}` looks like a secret ({why})"),
                "no secret values in `env`: they are committed and shown in the console",
                format!(
                    "declare `{key}: {{ source: operator }}` under `secrets:`, list `{key}` in the service's `secrets:` and remove it from `env`; rotate the value if it was ever committed"
                ),
            );
        }
    }
    for (field, items) in [("command", &s.command), ("args", &s.args)] {
        for (i, item) in items.iter().enumerate() {
            if let Some(why) = secrets::looks_secret("", item, false) {
                let span = c.at(env, &p(&format!("{field}.{i}")));
                c.push(
                    "TG012",
                    Some(env),
                    span,
                    format!("`{field}` item {i} of service `{name}` looks like a secret ({why})"),
                    "no secret values in `command` or `args`",
                    "declare the value under `secrets:`, list it in the service's `secrets:` and read it from the environment variable",
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// References between services
// ---------------------------------------------------------------------------------------------

const SUPPORTED_REFERENCES: &str = "`${services.NAME.url}`, `${environment}`, `${project}`";

fn references(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let enabled: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    let declared = declared_services(c.root);
    let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for s in &env.services {
        for (key, template) in &s.env {
            let vpath = format!("services.{}.env.{key}", s.name);
            let span = c.at(env, &vpath);
            if let Some(raw) = c.raw(env, &vpath)
                && let NodeKind::Str(text) = &raw.kind
                && has_unterminated_reference(text)
            {
                c.push(
                    "TG013",
                    Some(env),
                    span,
                    format!(
                        "`env.{key}` of `{}` has a `${{` without its closing `}}`",
                        s.name
                    ),
                    format!("a complete reference: {SUPPORTED_REFERENCES}"),
                    "close the reference with `}`, or write `$${` for a literal `${`",
                );
            }
            for part in &template.parts {
                match part {
                    TemplatePart::Literal(_) => {}
                    TemplatePart::Unknown(r) => {
                        let help = unknown_reference_help(r, &enabled);
                        c.push(
                            "TG013",
                            Some(env),
                            span,
                            format!(
                                "unknown reference `${{{r}}}` in `env.{key}` of `{}`",
                                s.name
                            ),
                            format!("one of {SUPPORTED_REFERENCES}"),
                            help,
                        );
                    }
                    TemplatePart::ServiceUrl(target) => {
                        if target == &s.name {
                            c.push(
                                "TG014",
                                Some(env),
                                span,
                                format!("service `{}` references its own URL in `env.{key}`", s.name),
                                "a reference to another service",
                                "read the service's own URL from the request (Host header) or configure it after the first deploy",
                            );
                        } else if enabled.contains(&target.as_str()) {
                            edges
                                .entry(s.name.as_str())
                                .or_default()
                                .push((target.as_str(), vpath.clone()));
                        } else if declared.contains(target.as_str()) {
                            c.push(
                                "TG013",
                                Some(env),
                                span,
                                format!(
                                    "`env.{key}` of `{}` references service `{target}`, which is disabled in {ENV}",
                                    s.name
                                ),
                                format!("an enabled service: {}", list(&enabled)),
                                format!(
                                    "enable `{target}` in `{}` or override `env.{key}` there",
                                    env.name
                                ),
                            );
                        } else {
                            let help = match did_you_mean(target, enabled.iter().copied()) {
                                Some(m) => format!("did you mean `${{services.{m}.url}}`?"),
                                None => format!("use one of: {}", list(&enabled)),
                            };
                            c.push(
                                "TG013",
                                Some(env),
                                span,
                                format!(
                                    "`env.{key}` of `{}` references service `{target}`, which does not exist",
                                    s.name
                                ),
                                format!("a service of this environment: {}", list(&enabled)),
                                help,
                            );
                        }
                    }
                }
            }
        }
    }
    // TG014: cycles, each reported once at the reference that closes it.
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    for start in edges.keys().copied() {
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        while let Some((node, path)) = stack.pop() {
            for (next, _) in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
                if *next == start {
                    let mut cycle = path.clone();
                    let mut key = cycle.clone();
                    key.sort();
                    if reported.insert(key) {
                        cycle.push(start);
                        let closing = edges[node]
                            .iter()
                            .find(|(t, _)| *t == start)
                            .map(|(_, p)| p.clone())
                            .unwrap_or_default();
                        let span = c.at(env, &closing);
                        c.push(
                            "TG014",
                            Some(env),
                            span,
                            format!("service URLs reference each other in a cycle: {}", cycle.join(" → ")),
                            "references that form no cycle",
                            "break the cycle: one of the services must learn the other's URL another way (e.g. at runtime)",
                        );
                    }
                } else if !path.contains(next) {
                    let mut p = path.clone();
                    p.push(next);
                    stack.push((next, p));
                }
            }
        }
    }
}

fn declared_services<'a>(root: &'a Node) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    let mut add = |settings: Option<&'a Node>| {
        if let Some(services) = settings.and_then(|s| s.get("services")) {
            for (k, _) in services.entries() {
                out.insert(k.name.as_str());
            }
        }
    };
    add(root.get("defaults"));
    if let Some(envs) = root.get("environments") {
        for (_, e) in envs.entries() {
            add(Some(e));
        }
    }
    out
}

fn has_unterminated_reference(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if i > 0 && rest[..i].ends_with('$') {
            rest = &rest[i + 2..];
            continue;
        }
        match rest[i + 2..].find('}') {
            Some(end) => rest = &rest[i + 2 + end + 1..],
            None => return true,
        }
    }
    false
}

fn unknown_reference_help(r: &str, enabled: &[&str]) -> String {
    let parts: Vec<&str> = r.split('.').collect();
    match parts.as_slice() {
        ["services" | "service", name, attr] => {
            let name = did_you_mean(name, enabled.iter().copied()).unwrap_or(name);
            if *attr != "url" {
                format!("only the URL of a service is available: `${{services.{name}.url}}`")
            } else {
                format!("write `${{services.{name}.url}}`")
            }
        }
        ["services" | "service", name] => format!("write `${{services.{name}.url}}`"),
        [one] => match did_you_mean(one, ["environment", "project", "env"]) {
            Some("env") => "write `${environment}`".to_string(),
            Some(m) => format!("did you mean `${{{m}}}`?"),
            None => format!("use one of {SUPPORTED_REFERENCES}; write `$${{` for a literal `${{`"),
        },
        _ => format!("use one of {SUPPORTED_REFERENCES}; write `$${{` for a literal `${{`"),
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

fn secrets_rules(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let declared: Vec<&str> = env.secrets.iter().map(|s| s.name.as_str()).collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for s in &env.services {
        for (i, secret) in s.secrets.iter().enumerate() {
            used.insert(secret.as_str());
            let span = c.at(env, &format!("services.{}.secrets.{i}", s.name));
            let Some(spec) = env.secrets.iter().find(|d| &d.name == secret) else {
                let help = match did_you_mean(secret, declared.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!(
                        "declare it: `secrets: {{ {secret}: {{ source: operator }} }}` under `defaults`"
                    ),
                };
                c.push(
                    "TG010",
                    Some(env),
                    span,
                    format!(
                        "service `{}` uses secret `{secret}`, which is not declared in {ENV}",
                        s.name
                    ),
                    if declared.is_empty() {
                        "a secret declared under `secrets:`".to_string()
                    } else {
                        format!("a declared secret: {}", list(&declared))
                    },
                    help,
                );
                continue;
            };
            if spec.source == SecretSource::Database && !s.database {
                c.push(
                    "TG011",
                    Some(env),
                    span,
                    format!(
                        "service `{}` uses the database secret `{secret}` but is not attached to the database",
                        s.name
                    ),
                    "`database: true` on services that use `source: database` secrets",
                    format!("add `database: true` under `services.{}`", s.name),
                );
            }
        }
        if s.database && env.database.is_none() {
            let span = c.at(env, &format!("services.{}.database", s.name));
            c.push(
                "TG011",
                Some(env),
                span,
                format!("service `{}` has `database: true` but {ENV} has no database", s.name),
                "an enabled `database:` section",
                "add a `database:` section (or remove `enabled: false` from it), or remove `database: true`",
            );
        }
    }
    for secret in &env.secrets {
        let path = format!("secrets.{}", secret.name);
        if !valid_env_var(&secret.name) {
            let span = c.key_at(env, &path);
            c.push(
                "TG021",
                Some(env),
                span,
                format!(
                    "secret name `{}` is not a valid environment variable name",
                    secret.name
                ),
                "uppercase letters, digits and `_`, not starting with a digit",
                format!(
                    "rename it to `{}`",
                    secret.name.to_ascii_uppercase().replace('-', "_")
                ),
            );
        }
        if secret.source == SecretSource::Database && env.database.is_none() {
            let span = c.at(env, &format!("{path}.source"));
            c.push(
                "TG011",
                Some(env),
                span,
                format!(
                    "secret `{}` comes from the database, but {ENV} has no database",
                    secret.name
                ),
                "an enabled `database:` section",
                "enable the database in this environment, or use `source: operator`",
            );
        }
        if secret.source == SecretSource::Generated {
            let (lo, hi) = limits::SECRET_LENGTH;
            if !(lo..=hi).contains(&secret.length) {
                let span = c.at(env, &format!("{path}.length"));
                c.push(
                    "TG027",
                    Some(env),
                    span,
                    format!(
                        "generated secret `{}` is {} characters long",
                        secret.name, secret.length
                    ),
                    format!("{lo} to {hi} characters"),
                    "use `length: 48`",
                );
            }
        }
        if !used.contains(secret.name.as_str()) {
            let span = c.key_at(env, &path);
            c.push(
                "TG040",
                Some(env),
                span,
                format!("secret `{}` is used by no service in {ENV}", secret.name),
                "each declared secret listed by at least one service",
                "list it in a service's `secrets:`, or remove it",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

fn database_rules(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let Some(db) = &env.database else {
        return;
    };
    let dbkey = c.key_at(env, "database");
    if env.is_production() && !db.ha {
        let span = c.at(env, "database.ha");
        c.push(
            "TG002",
            Some(env),
            span,
            format!("the database of production environment {ENV} is not highly available"),
            "`ha: true` in production",
            format!(
                "set `database: {{ ha: true }}` under `environments.{}`",
                env.name
            ),
        );
    }
    let node = db.node_type.to_ascii_uppercase();
    if env.is_production() && (node.starts_with("DB-DEV") || node.starts_with("DB-PLAY")) {
        let span = c.at(env, "database.node_type");
        c.push(
            "TG041",
            Some(env),
            span,
            format!(
                "production database of {ENV} runs on development node type `{}`",
                db.node_type
            ),
            "a production node type such as `DB-PRO2-XS` or `DB-POP2-2C-8G`",
            format!(
                "set `node_type: DB-PRO2-XS` under `environments.{}.database`",
                env.name
            ),
        );
    }
    // Volume.
    match db.volume_type {
        VolumeType::Lssd => {
            if !(node.starts_with("DB-DEV") || node.starts_with("DB-GP")) {
                let span = c.at(env, "database.volume.type");
                c.push(
                    "TG019",
                    Some(env),
                    span,
                    format!(
                        "`lssd` volumes need a first-generation node type, not `{}`",
                        db.node_type
                    ),
                    "`sbs_5k` or `sbs_15k` on this node type",
                    "use `volume: { type: sbs_5k }`",
                );
            }
        }
        VolumeType::Sbs5k | VolumeType::Sbs15k => {
            let bytes = db.volume_size.bytes;
            let step = 5_000_000_000u64;
            if bytes < step || !bytes.is_multiple_of(step) {
                let span = c.at(env, "database.volume.size");
                let up = bytes.div_ceil(step).max(1) * 5;
                c.push(
                    "TG019",
                    Some(env),
                    span,
                    format!(
                        "database volume size {} is not a multiple of 5GB",
                        db.volume_size
                    ),
                    "a multiple of 5GB, at least 5GB",
                    format!("use `size: {up}GB`"),
                );
            }
        }
    }
    // Names.
    for (field, value) in [("name", &db.name), ("user", &db.user)] {
        if !valid_sql_identifier(value) {
            let span = if c.written(env, &format!("database.{field}")) {
                c.at(env, &format!("database.{field}"))
            } else {
                dbkey
            };
            c.push(
                "TG020",
                Some(env),
                span,
                format!("database {field} `{value}` is not a plain PostgreSQL identifier"),
                "lowercase letters, digits and `_`, starting with a letter or `_`, at most 63 characters",
                format!("set `{field}: {}` under `database`", value.to_ascii_lowercase().replace('-', "_")),
            );
        }
    }
    // Used by a service.
    if !env.services.iter().any(|s| s.database) {
        c.push(
            "TG044",
            Some(env),
            dbkey,
            format!("the database of {ENV} is used by no service"),
            "at least one service with `database: true`",
            "add `database: true` to the services that use it, or set `database: { enabled: false }`",
        );
    }
    backups(c, env, db);
}

fn backups(c: &mut Checker<'_>, env: &ResolvedEnvironment, db: &crate::resolve::ResolvedDatabase) {
    let b = &db.backups;
    let tiers = [
        ("daily", b.daily),
        ("weekly", b.weekly.as_ref().map(|j| j.retention)),
        ("monthly", b.monthly.as_ref().map(|j| j.retention)),
    ];
    let span_of = |c: &Checker<'_>, tier: &str| {
        let path = format!("database.backups.{tier}.retention");
        if c.written(env, &path) {
            c.at(env, &path)
        } else {
            c.key_above(env, &path)
        }
    };
    // TG005: bounds.
    for (tier, retention) in tiers {
        let Some(r) = retention else { continue };
        let (lo, hi) = if tier == "daily" {
            limits::DAILY_RETENTION_DAYS
        } else {
            limits::JOB_RETENTION_DAYS
        };
        if r.seconds % 86_400 != 0 || !(lo..=hi).contains(&r.days()) {
            let span = span_of(c, tier);
            c.push(
                "TG005",
                Some(env),
                span,
                format!("{tier} backup retention {r} is out of bounds"),
                format!("whole days from {lo}d to {hi}d"),
                if tier == "daily" {
                    "keep daily backups up to 365d; use the monthly tier for longer retention"
                        .to_string()
                } else {
                    format!("use a retention from {lo}d to {hi}d")
                },
            );
        }
    }
    for (tier, job) in [("weekly", &b.weekly), ("monthly", &b.monthly)] {
        if let Some(job) = job
            && !valid_cron(&job.schedule)
        {
            let path = format!("database.backups.{tier}.schedule");
            let span = c.at(env, &path);
            c.push(
                "TG005",
                Some(env),
                span,
                format!(
                    "{tier} backup schedule `{}` is not a cron expression",
                    job.schedule
                ),
                "5 fields: minute hour day-of-month month day-of-week",
                if tier == "weekly" {
                    "e.g. `schedule: \"0 3 * * 0\"` (Sundays at 03:00)"
                } else {
                    "e.g. `schedule: \"0 4 1 * *\"` (the 1st at 04:00)"
                },
            );
        }
    }
    // TG003: ordering among enabled tiers.
    let enabled: Vec<(&str, crate::model::Duration)> = tiers
        .iter()
        .filter_map(|(t, r)| r.map(|r| (*t, r)))
        .collect();
    for pair in enabled.windows(2) {
        let ((short, rs), (long, rl)) = (pair[0], pair[1]);
        if rs >= rl {
            let span = span_of(c, long);
            c.push(
                "TG003",
                Some(env),
                span,
                format!(
                    "{long} backups are kept {rl}, not longer than {short} backups ({rs}) in {ENV}"
                ),
                format!("{long} retention longer than {short} retention ({rs})"),
                format!("keep {long} backups longer than {rs}, or turn the {long} tier off"),
            );
        }
    }
    // TG004: production minimums.
    if env.is_production() {
        let (d, w, m) = limits::PRODUCTION_RETENTION_DAYS;
        for ((tier, retention), min) in tiers.iter().zip([d, w, m]) {
            match retention {
                None => {
                    let path = format!("database.backups.{tier}.enabled");
                    let span = if c.written(env, &path) {
                        c.at(env, &path)
                    } else {
                        c.key_above(env, &path)
                    };
                    c.push(
                        "TG004",
                        Some(env),
                        span,
                        format!("{tier} backups are off in production environment {ENV}"),
                        format!("{tier} backups kept at least {min}d"),
                        format!(
                            "set `{tier}: {{ enabled: true, retention: {min}d }}` under `environments.{}.database.backups`",
                            env.name
                        ),
                    );
                }
                Some(r) if r.days() < min => {
                    let span = span_of(c, tier);
                    c.push(
                        "TG004",
                        Some(env),
                        span,
                        format!(
                            "{tier} backups are kept {r}{} in production environment {ENV}",
                            builtin_note(c.written(
                                env,
                                &format!("database.backups.{tier}.retention")
                            ))
                        ),
                        format!("at least {min}d"),
                        format!(
                            "set `{tier}: {{ retention: {min}d }}` under `environments.{}.database.backups`",
                            env.name
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

/// ` (the built-in default)` when a value was not written in the file.
fn builtin_note(written: bool) -> &'static str {
    if written {
        ""
    } else {
        " (the built-in default)"
    }
}

/// A 5-field cron expression with the characters cron accepts.
fn valid_cron(s: &str) -> bool {
    let fields: Vec<&str> = s.split_whitespace().collect();
    fields.len() == 5
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/'))
        })
}

/// Heuristics that recognise secret values, without ever returning the value.
mod secrets {
    use std::sync::OnceLock;

    use regex::Regex;

    /// Name fragments that mark a variable as holding a secret.
    const SECRET_NAMES: [&str; 11] = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "ACCESS_KEY",
        "AUTH_KEY",
        "SIGNING_KEY",
    ];
    /// Name endings that hold configuration about a secret, not the secret.
    const NOT_SECRET_SUFFIXES: [&str; 12] = [
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_PATH",
        "_FILE",
        "_TTL",
        "_EXPIRY",
        "_EXPIRES",
        "_LENGTH",
        "_SIZE",
        "_HEADER",
        "_NAME",
    ];
    /// Minimum length of a token examined for entropy.
    const ENTROPY_MIN_LEN: usize = 20;
    /// A token is flagged when its Shannon entropy reaches this fraction of the maximum its
    /// length allows (`log2(min(len, 64))` bits per character, 64 being the base64 alphabet).
    /// Random keys come within a few percent of that maximum (a 20-character random alnum key
    /// averages ~4.0 of 4.32 bits, 0.93); identifiers, model names and words repeat letters
    /// and stay below ~0.85 (e.g. `mistral-large-2411-instruct`: 3.6 of 4.75 bits, 0.76).
    const ENTROPY_RATIO: f64 = 0.88;
    /// Hex tokens (digests, keys) have at most 4 bits per character: examined from 32
    /// characters, flagged from 3.0 bits (the classic truffleHog threshold).
    const HEX_MIN_LEN: usize = 32;
    const HEX_ENTROPY: f64 = 3.0;

    fn patterns() -> &'static [(Regex, &'static str)] {
        static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
        P.get_or_init(|| {
            [
                (r"-----BEGIN [A-Z ]*PRIVATE KEY", "a PEM private key"),
                (r"-----BEGIN ", "a PEM block"),
                (
                    r"(?i)[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
                    "a URL with a password",
                ),
                (
                    r"(?i)(^|[^a-z])(password|passwd|pwd)\s*=\s*[^\s;&$]",
                    "a `password=` fragment",
                ),
                (
                    r"(^|[^A-Za-z0-9])SCW[A-Z0-9]{17}([^A-Za-z0-9]|$)",
                    "a Scaleway access key",
                ),
                (r"(^|[^A-Za-z0-9])sk-[A-Za-z0-9_-]{20,}", "an `sk-` API key"),
                (
                    r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
                    "a JSON Web Token",
                ),
                (
                    r"(^|[^A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36}",
                    "a GitHub token",
                ),
                (r"(^|[^A-Za-z0-9])AKIA[0-9A-Z]{16}", "an AWS access key"),
                (
                    r"(^|[^A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}",
                    "a Slack token",
                ),
            ]
            .into_iter()
            .map(|(p, why)| (Regex::new(p).expect("valid pattern"), why))
            .collect()
        })
    }

    fn uuid() -> &'static Regex {
        static U: OnceLock<Regex> = OnceLock::new();
        U.get_or_init(|| {
            Regex::new(
                r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            )
            .expect("valid pattern")
        })
    }

    /// Shannon entropy of `s`, in bits per character.
    pub fn entropy(s: &str) -> f64 {
        let mut counts = std::collections::BTreeMap::new();
        for c in s.chars() {
            *counts.entry(c).or_insert(0usize) += 1;
        }
        let n = s.chars().count() as f64;
        counts
            .values()
            .map(|&k| {
                let p = k as f64 / n;
                -p * p.log2()
            })
            .sum()
    }

    fn high_entropy_token(value: &str) -> bool {
        value
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | '_' | '-')))
            .any(|t| {
                let len = t.chars().count();
                let hex = t.bytes().all(|b| b.is_ascii_hexdigit());
                if hex {
                    return len >= HEX_MIN_LEN && entropy(t) >= HEX_ENTROPY;
                }
                let classes = [
                    t.bytes().any(|b| b.is_ascii_lowercase()),
                    t.bytes().any(|b| b.is_ascii_uppercase()),
                    t.bytes().any(|b| b.is_ascii_digit()),
                ]
                .iter()
                .filter(|x| **x)
                .count();
                len >= ENTROPY_MIN_LEN
                    && classes >= 2
                    && entropy(t) >= ENTROPY_RATIO * (len.min(64) as f64).log2()
            })
    }

    fn secret_name(name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        SECRET_NAMES.iter().any(|n| upper.contains(n))
            && !NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
    }

    /// Why `value` (of variable `name`; empty for command arguments) looks like a secret, or
    /// `None`. `only_references` is true when the value is made only of `${...}` references.
    pub fn looks_secret(name: &str, value: &str, only_references: bool) -> Option<&'static str> {
        for (re, why) in patterns() {
            if re.is_match(value) {
                return Some(why);
            }
        }
        let v = value.trim();
        let upper = name.to_ascii_uppercase();
        if upper.contains("KEY") && uuid().is_match(v) {
            return Some("a UUID-shaped key under a secret name");
        }
        let harmless = v.is_empty()
            || only_references
            || v.parse::<f64>().is_ok()
            || matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "false" | "none" | "null"
            )
            || (v.contains("://") && !v.contains('@'));
        if secret_name(name) && !harmless {
            return Some("its name says it holds a secret");
        }
        if high_entropy_token(v) {
            return Some("a long random-looking string");
        }
        None
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn recognises_secrets() {
            let cases = [
                ("DB_PASSWORD", "hunter2"),
                ("DATABASE_URL", "postgres://app:s3cret@db.internal:5432/app"),
                ("DSN", "host=db user=app password=abc"),
                ("X", "SCWABCDEFGHIJ12345678"),
                ("SCW_KEY", "11111111-2222-3333-4444-555555555555"),
                ("LLM", "sk-proj-abcdefghijklmnopqrstuvwx"),
                ("J", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
                ("CERT", "-----BEGIN RSA PRIVATE KEY-----"),
                ("RANDOM", "q8Zr2LxT0vKp9WmN4sYb7HcJ"),
                (
                    "DIGEST",
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                ),
            ];
            for (name, value) in cases {
                assert!(looks_secret(name, value, false).is_some(), "{name}");
            }
        }

        #[test]
        fn leaves_ordinary_values_alone() {
            let cases = [
                ("MAX_TOKENS", "4096"),
                ("TOKEN_URL", "https://auth.example.org/token"),
                ("ENV", "prod"),
                ("MODEL", "mistral-large-2411-instruct"),
                (
                    "API_URL",
                    "https://evalap-staging-api.functions.fnc.fr-par.scw.cloud",
                ),
                ("PATH_PREFIX", "/usr/local/lib/python3.12/site-packages"),
                ("UPSTREAM_TOKEN", "${services.auth.url}"),
                ("LOG_FORMAT", "%(asctime)s %(levelname)s %(message)s"),
                ("REQUEST_ID", "11111111-2222-3333-4444-555555555555"),
            ];
            for (name, value) in cases {
                let only_refs = value.starts_with("${");
                assert_eq!(looks_secret(name, value, only_refs), None, "{name}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_documented() {
        let mut codes: Vec<&str> = rules().iter().map(|r| r.code).collect();
        codes.sort();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
        let table = rules_table();
        for r in rules() {
            assert!(table.contains(r.code));
            assert!(!r.title.is_empty() && !r.why.is_empty());
        }
    }

    #[test]
    fn versions_are_exact() {
        assert_eq!(parse_version("1.11.5"), Some((1, 11, 5)));
        assert_eq!(parse_version("1.11"), None);
        assert_eq!(parse_version("~> 1.11.0"), None);
        assert_eq!(parse_version("1.011.0"), None);
        assert_eq!(parse_version("1.11.0-rc1"), None);
    }

    #[test]
    fn names() {
        assert!(valid_bucket("evalap-tfstate-staging"));
        assert!(!valid_bucket("Evalap_tfstate"));
        assert!(!valid_bucket("ab"));
        assert!(!valid_bucket("192.168.1.1"));
        assert!(valid_env_var("DB_URL") && !valid_env_var("db-url") && !valid_env_var("1X"));
        assert!(valid_sql_identifier("evalap") && !valid_sql_identifier("my-shop"));
        assert!(looks_like_email("ops@data.gouv.fr") && !looks_like_email("ops team"));
        assert!(!looks_like_email("ops@localhost"));
        assert!(valid_cron("0 3 * * 0") && !valid_cron("weekly"));
        assert!(has_unterminated_reference("x ${services.api.url"));
        assert!(!has_unterminated_reference("$${literal and ${project}"));
    }
}
