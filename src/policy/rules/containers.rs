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
    safety: Safety::Ordinary,
    title: "every service has an HTTP `port` (Serverless Containers route only HTTP)",
    rationale: "a container without an HTTP port (e.g. a ZeroMQ runner) gets no inbound traffic: there is no private ingress",
    bad: "defaults:\n  services:\n    web:\n      port: null   # no HTTP port\n",
    good: "defaults:\n  services:\n    web:\n      port: 8080\n",
};

/// TG015: CPU and memory within Scaleway's limits.
pub const TG015: Rule = Rule {
    code: "TG015",
    name: "container-resources",
    level: Level::Error,
    safety: Safety::Ordinary,
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
    safety: Safety::Ordinary,
    title: "container timeout is between 10s and 60m",
    rationale: "the range the Serverless Containers API accepts",
    bad: "defaults:\n  services:\n    web:\n      timeout: 2h\n",
    good: "defaults:\n  services:\n    web:\n      timeout: 5m\n",
};

/// TG018: a port the platform does not reserve.
pub const TG018: Rule = Rule {
    code: "TG018",
    name: "reserved-port",
    level: Level::Error,
    safety: Safety::Ordinary,
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

/// The rules of this family.
pub const RULES: &[Rule] = &[TG009, TG015, TG017, TG018, TG042, TG047];

/// Checks one service; returns `false` when it has no HTTP port (the other service rules are
/// then skipped: the service cannot work as configured).
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) -> bool {
    let base = format!("services.{}", s.name);
    let p = |rest: &str| format!("{base}.{rest}");
    let name = &s.name;

    let Some(port) = s.port else {
        let place = Place::new(p("port"), c.key_at(env, &base).span);
        c.push(
            &TG009,
            Some(env),
            place,
            format!("service `{name}` has no HTTP `port` in {ENV}"),
            "`port: <the HTTP port the container listens on>`",
            "add the HTTP port; if the process speaks no HTTP (e.g. a ZeroMQ worker), see the notes",
        )
        .notes
        .extend([
            "Serverless Containers route only HTTP to one port, and a Private Network gives them no inbound traffic: a ZeroMQ/TCP worker cannot be reached".to_string(),
            "option 1: co-locate it with an HTTP service in one image (e.g. under supervisord), next to the process it serves".to_string(),
            "option 2: replace the ZeroMQ hop with Scaleway Queues or NATS and a container trigger (`scaleway_container_trigger`)".to_string(),
            "option 3: run it on Instances or Kapsule, outside tofugen".to_string(),
        ]);
        return false;
    };
    if port == 0 || limits::RESERVED_PORTS.contains(&port) {
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
        c.push(
            &TG015,
            Some(env),
            place,
            format!("service `{name}` asks for {} of CPU", s.cpu),
            format!("{lo}m to {hi}m (Scaleway Serverless Containers limits)"),
            format!("use `cpu: {fix}m`"),
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

    if s.privacy == Privacy::Public && !c.written(env, &p("privacy")) {
        // At the key that first declares the service (in `defaults`, else in the environment
        // furthest up the `extends` chain): one finding for every environment that inherits it.
        let span = env
            .origins
            .declaring_key(&base)
            .or(c.key_at(env, &base).span);
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
    true
}
