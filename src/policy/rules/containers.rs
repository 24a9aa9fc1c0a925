//! Serverless Containers settings: HTTP port, CPU and memory, request timeout, plain HTTP.

use crate::diagnostics::Level;
use crate::model::Privacy;
use crate::policy::{Checker, ENV, Place, Rule, Safety, limits};
use crate::resolve::{ResolvedEnvironment, ResolvedService};

/// TG009: every service has an HTTP port.
pub const TG009: Rule = Rule {
    code: "TG009",
    name: "http-port-required",
    level: Level::Error,
    safety: Safety::Required,
    title: "every service has an HTTP `port` (Serverless Containers route only HTTP)",
    rationale: "a container without an HTTP port (a worker speaking ZeroMQ or another TCP protocol) gets no inbound traffic: there is no private ingress; the generated root must name a port, and tofugen does not invent one",
    bad: "defaults:\n  services:\n    web:\n      port: null   # no HTTP port\n",
    good: "defaults:\n  services:\n    web:\n      port: 8080\n",
};

/// TG030: an ENTRYPOINT override names an executable.
pub const TG030: Rule = Rule {
    code: "TG030",
    name: "command-executable",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "a service's `command` starts with an executable (its first item is not empty)",
    rationale: "`command` replaces the image's ENTRYPOINT and its first item is the program the container runs: an empty one cannot be executed, so every revision would fail to start (later items are arguments, where an empty string is a valid argument)",
    bad: "defaults:\n  services:\n    web:\n      command: ['', serve]\n",
    good: "defaults:\n  services:\n    web:\n      command: [/app/server, serve]\n",
};

/// TG015: CPU and memory within Scaleway's limits.
pub const TG015: Rule = Rule {
    code: "TG015",
    name: "container-resources",
    level: Level::Error,
    safety: Safety::Required,
    title: "container CPU is 70-6000 mvCPU and memory 128-12228 MB",
    rationale: "Scaleway's Serverless Containers limits (containers-limitations, validated 2025-09-17)",
    bad: "defaults:\n  services:\n    web:\n      memory: 64MB\n",
    good: "defaults:\n  services:\n    web:\n      memory: 512MB\n",
};

/// TG017: request timeout within the API's range.
pub const TG017: Rule = Rule {
    code: "TG017",
    name: "container-timeout",
    level: Level::Error,
    safety: Safety::Required,
    title: "container timeout is between 10s and 60m",
    rationale: "Scaleway documents the HTTP request duration (timeout) of Serverless Containers as 10 seconds to 60 minutes (containers-limitations, validated 2025-09-17; its version of 2025-03-13 said at most 15 minutes). Provider 2.81.0 does not check `timeout`; the service module's `timeout_seconds` validation refuses another value at `tofu validate`",
    bad: "defaults:\n  services:\n    web:\n      timeout: 2h\n",
    good: "defaults:\n  services:\n    web:\n      timeout: 5m\n",
};

/// TG018: a port the platform does not reserve.
pub const TG018: Rule = Rule {
    code: "TG018",
    name: "reserved-port",
    level: Level::Error,
    safety: Safety::Required,
    title: "the port is 1-65535 and not one the platform reserves (8008, 8012, 8013, 8022, 9090, 9091)",
    rationale: "Serverless Containers use those ports internally; the container would not receive traffic",
    bad: "defaults:\n  services:\n    web:\n      port: 9090\n",
    good: "defaults:\n  services:\n    web:\n      port: 8080\n",
};

/// TG042: public services refuse plain HTTP.
pub const TG042: Rule = Rule {
    code: "TG042",
    name: "https-only",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "public services refuse plain HTTP (`https_only: true`)",
    rationale: "plain HTTP exposes tokens and cookies on the wire",
    bad: "defaults:\n  services:\n    web:\n      https_only: false\n",
    good: "defaults:\n  services:\n    web:\n      https_only: true\n",
};

/// TG047: whether a service is reachable from the internet is said, not defaulted.
pub const TG047: Rule = Rule {
    code: "TG047",
    name: "explicit-privacy",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "every service says `privacy: public` or `privacy: private` (the built-in default is public)",
    rationale: "a service left at the default is reachable by anyone on the internet; an internal service (a worker, an admin API) should be private, and a public one should say so where reviewers see it",
    bad: "defaults:\n  services:\n    web:\n      privacy: null\n",
    good: "defaults:\n  services:\n    web:\n      privacy: public\n",
};

/// TG113: environment variable names the platform or tofugen reserves.
pub const TG113: Rule = Rule {
    code: "TG113",
    name: "reserved-env-var",
    level: Level::Error,
    safety: Safety::Required,
    title: "a service sets an environment variable the platform (`PORT`, `SCW_*`) or tofugen (`TOFUGEN_RELEASE`) reserves, or one that is also one of its secrets",
    rationale: "Scaleway reserves `PORT` (the container's port) and `SCW_*` (product configuration) for Serverless Containers; tofugen sets `TOFUGEN_RELEASE` to the deployed tag. A service's own value would be refused or overwritten; a name both plain and secret is refused by modules/service at plan time",
    bad: "defaults:\n  services:\n    web:\n      env:\n        PORT: \"9000\"\n",
    good: "defaults:\n  services:\n    web:\n      env:\n        APP_PORT: \"9000\"\n",
};

/// TG114: Serverless Containers limits on environment variables.
pub const TG114: Rule = Rule {
    code: "TG114",
    name: "env-var-limits",
    level: Level::Error,
    safety: Safety::Required,
    title: "a container has more than 200 environment variables or secret environment variables, or a value over 1000 characters (a `${services.NAME.url}` counted as written: the URL is known only once deployed)",
    rationale: "Scaleway accepts at most 200 environment variables and 200 secret environment variables per container (namespace included), and plain values of at most 1000 characters; the deploy would be refused",
    bad: "defaults:\n  services:\n    web:\n      env:\n        BANNER: \"<1 001 characters>\"\n",
    good: "defaults:\n  services:\n    web:\n      env:\n        BANNER_URL: \"https://example.org/banner.txt\"\n",
};

/// Where the Organization quotas below come from: the "Serverless Containers" section of
/// scaleway/docs-content `pages/organizations-and-projects/additional-content/organization-quotas.mdx`
/// (read at f28f367).
const QUOTA_SOURCE: &str = "Scaleway's Organization quotas page";

/// Containers one Scaleway Organization may run by default: "Number of containers, 25" with a
/// validated payment method and with a validated identity alike ([`QUOTA_SOURCE`]); support
/// raises it on request. Not the product's ceiling of 1 000 ("Max number 1000" in
/// `pages/serverless-containers/reference-content/containers-limitations.mdx`), which an
/// Organization reaches only through support (sweep 57, H1-F8).
pub const DEFAULT_CONTAINERS_PER_ORGANIZATION: usize = 25;

/// TG115: the Organization's container quota.
pub const TG115: Rule = Rule {
    code: "TG115",
    name: "container-quota",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "the environments have more services than a Scaleway Organization may run containers by default (25)",
    rationale: "Scaleway's default Organization quota is 25 containers (with a validated payment method, and with a validated identity alike; higher on request to support). Every environment's services count: containers past the quota are refused at apply time. tofugen does not know which environments share an Organization, so it warns when one environment passes the quota, or all of them together; an Organization whose quota was raised turns the rule off with `policy.overrides` and the reason",
    bad: "defaults:\n  services:\n    svc0: { image: svc0, port: 8000 }\n    # ... 26 services in all\n",
    good: "defaults:\n  services:\n    web: { image: web, port: 8000 }\n",
};

/// Memory one Scaleway Organization may allocate to its containers by default, in (decimal)
/// bytes: "Maximum RAM, 25 GB" with a validated payment method, 100 GB once the identity is
/// validated too, "obtained by multiplying the maximum scale factor of your container by the
/// selected RAM quantity" ([`QUOTA_SOURCE`]); support raises it on request. Not the product's
/// ceiling of 600 GiB (containers-limitations.mdx, "Total container memory"), reached only
/// through support (sweep 57, H1-F8: 103 GB passed silently).
pub const DEFAULT_CONTAINER_MEMORY_PER_ORGANIZATION: u64 = 25_000_000_000;

/// TG117: the Organization's container memory quota.
pub const TG117: Rule = Rule {
    code: "TG117",
    name: "container-memory-quota",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "the services' memory at maximum scale (`memory` x `scale.max`, summed) stays within the 25 GB a Scaleway Organization may allocate to containers by default",
    rationale: "Scaleway counts the memory of every container at its maximum scale against an Organization quota: 25 GB by default, 100 GB once the Organization's identity is validated, higher on request to support. A deploy past it is refused at apply time. tofugen does not know which environments share an Organization, so it warns when one environment passes 25 GB, or all of them together; an Organization whose quota is higher turns the rule off with `policy.overrides` and the reason",
    bad: "defaults:\n  services:\n    web:\n      memory: 4GB\n      scale: { max: 10 }\n",
    good: "defaults:\n  services:\n    web:\n      memory: 1GB\n      scale: { max: 4 }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[
    TG009, TG015, TG017, TG018, TG030, TG042, TG047, TG113, TG114, TG115, TG117,
];

/// The memory `env`'s containers may allocate at their maximum scale, in bytes.
fn memory_at_max_scale(env: &ResolvedEnvironment) -> u64 {
    env.services
        .iter()
        .map(|s| s.memory.bytes.saturating_mul(u64::from(s.max_scale)))
        .fold(0, u64::saturating_add)
}

/// One Organization-wide amount, summed over every environment, with the environment that
/// needs the most (the first of equals): the one place a finding about all of them is
/// reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Total<'a, T> {
    /// Every environment's amount together.
    pub all: T,
    /// The environment with the largest amount.
    pub largest: &'a str,
}

/// The Organization-wide totals TG115 and TG117 compare with the quotas, computed once per run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Totals<'a> {
    /// Containers (one per service and environment).
    pub containers: Total<'a, u64>,
    /// Memory at maximum scale, in bytes.
    pub memory: Total<'a, u64>,
}

/// `amount` summed over the environments of `resolved`, with the one that needs the most.
fn total<'a>(
    resolved: &'a crate::resolve::Resolved,
    amount: impl Fn(&ResolvedEnvironment) -> u64,
) -> Total<'a, u64> {
    let mut all = 0u64;
    let mut largest = (0u64, "");
    for env in &resolved.environments {
        let own = amount(env);
        all = all.saturating_add(own);
        if own > largest.0 || largest.1.is_empty() {
            largest = (own, env.name.as_str());
        }
    }
    Total {
        all,
        largest: largest.1,
    }
}

/// The containers and the memory at maximum scale of every environment together.
pub(crate) fn totals(resolved: &crate::resolve::Resolved) -> Totals<'_> {
    Totals {
        containers: total(resolved, |e| e.services.len() as u64),
        memory: total(resolved, memory_at_max_scale),
    }
}

/// Most environments one quota finding names.
const MAX_NAMED: usize = 100;

/// The environments of `c`, named in code (at most [`MAX_NAMED`]: the message is built for
/// one environment only, but listing 1 248 names is no help).
fn environment_names(c: &Checker<'_>) -> String {
    let environments = &c.resolved.environments;
    let mut names: Vec<String> = environments
        .iter()
        .take(MAX_NAMED)
        .map(|e| format!("`{}`", e.name))
        .collect();
    if environments.len() > MAX_NAMED {
        names.push(format!("and {} more", environments.len() - MAX_NAMED));
    }
    names.join(", ")
}

/// `bytes` in GB (decimal, as the configuration writes memory and Scaleway states the quota).
fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// A quota, a whole number of GB, as Scaleway states it (`25 GB`).
fn whole_gb(bytes: u64) -> String {
    format!("{} GB", bytes / 1_000_000_000)
}

/// `; <total> with every environment together` when other environments add to `own`.
fn with_the_others(own: u64, total: Total<'_, u64>, show: impl Fn(u64) -> String) -> String {
    if total.all > own {
        format!("; {} with every environment together", show(total.all))
    } else {
        String::new()
    }
}

/// Which of an environment's own amount and the total of all is over `quota`, if it is the
/// environment that reports it: its own, else (once, at the environment that needs the most)
/// all of them together. Reported at each, the finding about all of them repeated once per
/// environment (sweep 38b R2: 500 copies, each naming 100 environments).
fn over_quota(
    own: u64,
    total: Total<'_, u64>,
    env: &ResolvedEnvironment,
    quota: u64,
) -> Option<bool> {
    if own == 0 || total.all <= quota {
        None
    } else if own > quota {
        Some(true)
    } else {
        (env.name == total.largest).then_some(false)
    }
}

/// TG117 on one environment: its own total, else the total of every environment.
pub(crate) fn memory_quota(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let quota = DEFAULT_CONTAINER_MEMORY_PER_ORGANIZATION;
    let own = memory_at_max_scale(env);
    let total = c.totals.unwrap_or_else(|| totals(c.resolved)).memory;
    let Some(alone) = over_quota(own, total, env, quota) else {
        return;
    };
    // At the memory of the service that takes the most.
    let Some(largest) = env
        .services
        .iter()
        .max_by_key(|s| s.memory.bytes.saturating_mul(u64::from(s.max_scale)))
    else {
        return;
    };
    let place = c.at(env, &format!("services.{}.memory", largest.name));
    // Alone, the finding of several environments with the same amount is printed once with
    // their names (`policy::report`): "per environment" keeps it true then, and the total of
    // them all is said (review of stop 60: "`staging` and `preprod` have services that need
    // 600.0 GB" read as their sum).
    let message = if alone {
        format!(
            "services need {} of memory at maximum scale (`memory` x `scale.max`) in {ENV}, per environment, over the {} a Scaleway Organization may allocate to containers by default{}",
            gb(own),
            whole_gb(quota),
            with_the_others(own, total, gb)
        )
    } else {
        format!(
            "the environments {} need {} of memory at maximum scale together (`memory` x `scale.max`), over the {} a Scaleway Organization may allocate to containers by default, if they share one",
            environment_names(c),
            gb(total.all),
            whole_gb(quota)
        )
    };
    let help = format!(
        "lower `memory` or `scale.max` (the largest is here){}; if your Organization's quota is higher (100 GB once its identity is validated, more on request to support; the console's Organization quotas page shows it), turn TG117 off with `policy.overrides` and say so in its reason",
        if alone {
            ""
        } else {
            ", or keep the environments in separate Organizations"
        }
    );
    c.push(
        &TG117,
        Some(env),
        place,
        message,
        format!(
            "at most {} of container memory at maximum scale per Organization ({QUOTA_SOURCE}, default quota)",
            whole_gb(quota)
        ),
        help,
    );
}

/// TG115 on one environment: its own services, else the services of every environment.
pub(crate) fn quota(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let quota = DEFAULT_CONTAINERS_PER_ORGANIZATION as u64;
    let own = env.services.len() as u64;
    let total = c.totals.unwrap_or_else(|| totals(c.resolved)).containers;
    let Some(alone) = over_quota(own, total, env, quota) else {
        return;
    };
    let place = c.key_at(env, "services");
    let message = if alone {
        format!(
            "{own} services run in {ENV}, per environment, and a Scaleway Organization may run {quota} containers by default{}",
            with_the_others(own, total, |n| format!("{n} services"))
        )
    } else {
        format!(
            "the environments {} have {} services together, and a Scaleway Organization may run {quota} containers by default, if they share one",
            environment_names(c),
            total.all
        )
    };
    c.push(
        &TG115,
        Some(env),
        place,
        message,
        format!("at most {quota} containers per Organization ({QUOTA_SOURCE}, default quota)"),
        "keep fewer services, or the environments in separate Organizations; if your Organization's quota was raised (on request to support; the console's Organization quotas page shows it), turn TG115 off with `policy.overrides` and say so in its reason",
    );
}

/// Names Scaleway reserves in a container's environment ("Reserved environment variables" in
/// `pages/serverless-containers/reference-content/containers-limitations.mdx` of
/// scaleway/docs-content), and the one tofugen sets itself (modules/service).
fn reserved_env_name(name: &str) -> Option<&'static str> {
    if name == "PORT" {
        Some("Scaleway sets it to the container's port")
    } else if name.starts_with("SCW_") {
        Some("Scaleway reserves `SCW_*` for product configuration")
    } else if name == "TOFUGEN_RELEASE" {
        Some("tofugen sets it to the deployed image tag")
    } else {
        None
    }
}

/// TG113 and TG114 on one service's environment.
fn environment_variables(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    let name = &s.name;
    let base = format!("services.{name}");
    let secrets: std::collections::HashSet<&str> = s.secrets.iter().map(String::as_str).collect();
    for (var, value) in &s.env {
        let path = format!("{base}.env.{var}");
        if let Some(why) = reserved_env_name(var) {
            let place = c.key_at(env, &path);
            c.push(
                &TG113,
                Some(env),
                place,
                format!("service `{name}` sets `{var}` in {ENV}: {why}"),
                "a name that is not `PORT`, `SCW_*` or `TOFUGEN_RELEASE`",
                format!("rename it (e.g. `APP_{var}`) and read that name in the application"),
            );
        }
        if secrets.contains(var.as_str()) {
            let place = c.key_at(env, &path);
            c.push(
                &TG113,
                Some(env),
                place,
                format!("service `{name}` sets `{var}` both in `env` and in `secrets` in {ENV}"),
                "each name in one of `env` and `secrets` (modules/service refuses both)",
                format!("remove `{var}` from `env` (the secret's value wins), or from `secrets`"),
            );
        }
        // Its literal text, and each service URL reference at its written length
        // (`${services.NAME.url}`): the URL itself is known only once deployed. Counted as
        // nothing, a value of 240 000 references passed (sweep 37, F7) and became one HCL
        // template of 240 000 interpolations.
        let literal: usize = value
            .parts
            .iter()
            .map(|p| match p {
                crate::resolve::TemplatePart::Literal(t) => t.chars().count(),
                crate::resolve::TemplatePart::ServiceUrl(n) => {
                    "${services..url}".len() + n.chars().count()
                }
                crate::resolve::TemplatePart::Unknown(_) => 0,
            })
            .sum();
        if literal > limits::ENV_VALUE_CHARS {
            let place = c.at(env, &path);
            c.push(
                &TG114,
                Some(env),
                place,
                format!(
                    "environment variable `{var}` of service `{name}` is {literal} characters long in {ENV}"
                ),
                format!("at most {} characters (Serverless Containers)", limits::ENV_VALUE_CHARS),
                "put long values in a file of the image, or in a secret (up to 64 KiB)",
            );
        }
    }
    for secret in &s.secrets {
        if let Some(why) = reserved_env_name(secret) {
            let place = c.at(env, &format!("{base}.secrets"));
            c.push(
                &TG113,
                Some(env),
                place,
                format!("service `{name}` receives secret `{secret}` as an environment variable in {ENV}: {why}"),
                "a name that is not `PORT`, `SCW_*` or `TOFUGEN_RELEASE`",
                format!("rename the secret (e.g. `APP_{secret}`)"),
            );
        }
    }
    // The service module adds `TOFUGEN_RELEASE` to the plain variables.
    let plain = s.env.len() + 1;
    for (count, what, path) in [
        (
            plain,
            "environment variables (with tofugen's `TOFUGEN_RELEASE`)",
            "env",
        ),
        (s.secrets.len(), "secret environment variables", "secrets"),
    ] {
        if count > limits::ENV_VARS {
            let place = c.at(env, &format!("{base}.{path}"));
            c.push(
                &TG114,
                Some(env),
                place,
                format!("service `{name}` has {count} {what} in {ENV}"),
                format!("at most {} per container (Serverless Containers)", limits::ENV_VARS),
                "group settings into fewer variables (one JSON value, or a config file in the image)",
            );
        }
    }
}

/// Checks one service. A service without an HTTP port (TG009) is still checked by this
/// function's other rules and the scaling and production ones, which do not depend on the
/// port, so a mistake beside it is not found only once the port is fixed (sweep 45, #1:
/// `port: eighty` hid a timeout out of range); the probe rules, which name the port, are not
/// run for it (`rules::check_environment`).
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    // Paths are built only for a finding: most services have none.
    let base = || format!("services.{}", s.name);
    let p = |rest: &str| format!("services.{}.{rest}", s.name);
    let name = &s.name;

    environment_variables(c, env, s);

    if s.command.first().is_some_and(|e| e.trim().is_empty()) {
        let place = c.at(env, &p("command.0"));
        c.push(
            &TG030,
            Some(env),
            place,
            format!("the `command` of service `{name}` starts with an empty executable"),
            "the program to run first (e.g. `/app/server`), then its arguments",
            "write the executable first, or remove `command` to keep the image's ENTRYPOINT",
        );
    }

    // A port the schema refused (`port: "8000x"`) is reported there.
    if s.port.is_none() && !c.refused_at(&env.name, &["services", name, "port"]) {
        let place = Place::new(p("port"), c.key_at(env, &base()).span);
        c.push(
            &TG009,
            Some(env),
            place,
            format!("service `{name}` has no HTTP `port` in {ENV}"),
            "`port: <the HTTP port the container listens on>`",
            "add the HTTP port; if the process speaks no HTTP (a ZeroMQ or other TCP worker), see the notes",
        )
        .notes
        .extend([
            "Serverless Containers route only HTTP to one port, and a Private Network gives them no inbound traffic: a ZeroMQ/TCP worker cannot be reached".to_string(),
            "a worker that only reaches out (it polls a queue, a database or an API) still needs a `port`: make it listen there (a one-route HTTP server, or any TCP listener with `probes: { startup: { tcp: true }, liveness: { tcp: true } }`), and keep it `privacy: private`".to_string(),
            "option 1: co-locate it with an HTTP service in one image (under a process supervisor), next to the process it serves".to_string(),
            "option 2: replace the TCP hop (ZeroMQ, say) with Scaleway Queues or NATS and a container trigger (`scaleway_container_trigger`), which tofugen does not generate: create the queue and the trigger in a root of your own, outside generated/ (README, \"What tofugen does not generate\")".to_string(),
            "option 3: run it on Instances or Kapsule, outside tofugen".to_string(),
        ]);
    }
    if let Some(port) = s.port
        && (port == 0 || limits::RESERVED_PORTS.contains(&port))
    {
        let place = c.at(env, &p("port"));
        c.push(
            &TG018,
            Some(env),
            place,
            format!("service `{name}` listens on port {port}, which the platform reserves"),
            "a port from 1 to 65535 other than 8008, 8012, 8013, 8022, 9090 and 9091",
            "make the application listen on another port (e.g. 8080) and set `port:` to it",
        );
    }

    let (lo, hi) = limits::CPU_MILLIS;
    if !(lo..=hi).contains(&s.cpu.millis) {
        let place = c.at(env, &p("cpu"));
        let fix = s.cpu.millis.clamp(lo, hi);
        // A whole number of vCPU that reads as an amount in range once taken as mvCPU (`cpu:
        // 500` for `500m`) was most likely meant so (sweep 33, #4: the help said to use the
        // maximum).
        let whole = s.cpu.millis / 1000;
        let help = if s.cpu.millis > hi
            && s.cpu.millis.is_multiple_of(1000)
            && (lo..=hi).contains(&whole)
        {
            format!(
                "write `cpu: {whole}m` if you meant {whole} mvCPU (a number without `m` counts whole vCPU), else `cpu: {fix}m` at most"
            )
        } else {
            format!("use `cpu: {fix}m`")
        };
        c.push(
            &TG015,
            Some(env),
            place,
            format!("service `{name}` asks for {} of CPU", s.cpu),
            format!("{lo}m to {hi}m (Scaleway Serverless Containers limits)"),
            help,
        );
    }
    let (lo, hi) = limits::MEMORY_MB;
    let mb = s.memory.megabytes();
    if !(lo..=hi).contains(&mb) {
        let place = c.at(env, &p("memory"));
        let fix = if mb < lo { "128MB" } else { "12GB" };
        c.push(
            &TG015,
            Some(env),
            place,
            format!("service `{name}` asks for {} of memory", s.memory),
            format!("{lo}MB to {hi}MB (Scaleway Serverless Containers limits)"),
            format!("use `memory: {fix}`"),
        );
    }

    let (lo, hi) = limits::TIMEOUT_SECS;
    if !(lo..=hi).contains(&s.timeout.seconds) {
        let place = c.at(env, &p("timeout"));
        c.push(
            &TG017,
            Some(env),
            place,
            format!("service `{name}` has a {} request timeout", s.timeout),
            "10s to 60m",
            if s.timeout.seconds < lo {
                "use `timeout: 10s` or more".to_string()
            } else {
                "use `timeout: 60m` at most; move longer work to a job or a queue".to_string()
            },
        );
    }

    if s.privacy == Privacy::Public && !c.written_at(env, &["services", name, "privacy"]) {
        // At the key that first declares the service (in `defaults`, else in the environment
        // furthest up the `extends` chain): one finding for every environment that inherits it.
        let span = env
            .origins
            .declaring_key(&base())
            .or(c.key_at(env, &base()).span);
        let place = Place::new(p("privacy"), span);
        c.push(
            &TG047,
            Some(env),
            place,
            format!("service `{name}` is public by default in {ENV}: anyone on the internet can call it"),
            "`privacy: public` (reachable from the internet) or `privacy: private` (callers need an IAM token)",
            format!(
                "add `privacy: public` under `services.{name}` if browsers or other sites call it, `privacy: private` otherwise"
            ),
        );
    }

    if !s.https_only && s.privacy == Privacy::Public {
        let place = c.at(env, &p("https_only"));
        c.push(
            &TG042,
            Some(env),
            place,
            format!("public service `{name}` accepts plain HTTP"),
            "`https_only: true` on public services",
            "remove `https_only: false`; Scaleway redirects HTTP clients to HTTPS",
        );
    }
}
