//! Reports for people: `explain` (the effective configuration of an environment, with the origin
//! of every value) and `diff` (the effective differences between two environments).
//!
//! Both work on the same flat view: dotted paths shaped like `environments.yaml`
//! (`services.api.scale.min`), so a reviewer can find each line in the file.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::diagnostics::escape_for_terminal;

use crate::resolve::{
    Probe, ProbeCheck, Resolved, ResolvedEnvironment, ScalingSignal, TemplatePart,
};

/// One effective value: its display text.
pub type View = BTreeMap<String, String>;

/// A string of the configuration as `explain` and `diff` show it: as written when that reads
/// back as one value, else in double quotes (`"` and `\` escaped with `\`). Quoted: an empty string, one with
/// edge spaces, a line break, a control or invisible character, a ` #` (read as the origin
/// comment `explain` adds: `a  # environments.yaml:5 (built-in default)` printed a fake
/// origin), a `→` (read as `diff`'s arrow), or a leading quote or bracket, or `(unset)` (sweep
/// 26, F4).
fn shown(s: &str) -> String {
    shown_as(s, &[])
}

/// [`shown`], also quoting a value holding one of `more` (a list's separators).
fn shown_as(s: &str, more: &[char]) -> String {
    let plain = !s.is_empty()
        && s == s.trim()
        && s != "(unset)"
        && !s.contains(" #")
        && !s.starts_with(['"', '\'', '[', '{'])
        && !s
            .chars()
            .any(|c| c.is_control() || c == '→' || crate::text::invisible(c) || more.contains(&c));
    if plain {
        return s.to_string();
    }
    // `"` and `\` escaped here; controls and invisible characters later, as every value is,
    // by the terminal escaping (`\u{1b}`), so that one escape style is shown.
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A list of configuration strings as `explain` and `diff` show it: `[a, b]`, an item quoted
/// as [`shown`] says, or when it holds `,`, `[` or `]` (`[a@b.c", "x]` read as two items).
fn shown_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| shown_as(i.as_ref(), &[',', '[', ']']))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The effective configuration of `env` as dotted paths → values.
pub fn effective_view(env: &ResolvedEnvironment) -> View {
    let mut v = View::new();
    let mut put = |k: String, val: String| {
        v.insert(k, val);
    };
    put("tier".into(), format!("{:?}", env.tier).to_lowercase());
    put("scaleway_project".into(), shown(&env.scaleway_project));
    if let Some(p) = &env.promote_from {
        put("promote_from".into(), shown(p));
    }
    put("github_environment".into(), shown(&env.github_environment));
    put("region".into(), shown(&env.region));
    put("zone".into(), shown(&env.zone));
    put("state.bucket".into(), shown(&env.state.bucket));
    put("state.key".into(), shown(&env.state.key));
    put(
        "state.keep_versions".into(),
        format!("{}d", env.state.keep_versions_days),
    );
    put("registry.namespace".into(), shown(&env.registry_namespace));
    if let Some(day) = &env.api_keys_expire_on {
        put("api_keys.expire_on".into(), shown(day));
    }
    for s in &env.services {
        let p = format!("services.{}", s.name);
        put(format!("{p}.image"), shown(&s.image));
        if let Some(d) = &s.description {
            put(format!("{p}.description"), shown(d));
        }
        put(format!("{p}.build.context"), shown(&s.build_context));
        if let Some(d) = &s.dockerfile {
            put(format!("{p}.build.dockerfile"), shown(d));
        }
        if let Some(port) = s.port {
            put(format!("{p}.port"), port.to_string());
        }
        put(
            format!("{p}.protocol"),
            format!("{:?}", s.protocol).to_lowercase(),
        );
        put(format!("{p}.cpu"), s.cpu.to_string());
        put(format!("{p}.memory"), s.memory.to_string());
        put(format!("{p}.scale.min"), s.min_scale.to_string());
        put(format!("{p}.scale.max"), s.max_scale.to_string());
        match s.scaling {
            Some(ScalingSignal::ConcurrentRequests(n)) => {
                put(format!("{p}.scale.concurrent_requests"), n.to_string())
            }
            Some(ScalingSignal::CpuPercent(n)) => {
                put(format!("{p}.scale.cpu_percent"), n.to_string())
            }
            Some(ScalingSignal::MemoryPercent(n)) => {
                put(format!("{p}.scale.memory_percent"), n.to_string())
            }
            None => {}
        }
        for (kind, probe) in [("liveness", &s.liveness), ("startup", &s.startup)] {
            if let Some(probe) = probe {
                probe_view(&mut put, &format!("{p}.probes.{kind}"), probe);
            }
        }
        put(
            format!("{p}.privacy"),
            format!("{:?}", s.privacy).to_lowercase(),
        );
        put(format!("{p}.https_only"), s.https_only.to_string());
        for (k, t) in &s.env {
            put(format!("{p}.env.{k}"), shown(&t.display()));
        }
        if !s.secrets.is_empty() {
            // Sorted: two orders are one value (sweep 55c, #2: a reordered list was a change
            // to plan).
            put(format!("{p}.secrets"), shown_list(&s.sorted_secrets()));
        }
        put(format!("{p}.database"), s.database.to_string());
        if !s.command.is_empty() {
            put(format!("{p}.command"), format!("{:?}", s.command));
        }
        if !s.args.is_empty() {
            put(format!("{p}.args"), format!("{:?}", s.args));
        }
        put(format!("{p}.timeout"), s.timeout.to_string());
        put(
            format!("{p}.sandbox"),
            format!("{:?}", s.sandbox).to_lowercase(),
        );
    }
    if let Some(db) = &env.database {
        let p = "database";
        // Shown both ways, as the backup tiers are: a database turned on in one environment
        // only is `false → true` in `diff`, and `explain` shows where it was turned on (sweep
        // 40, #3: `diff` read `false → (unset)`, and `explain` hid the line that created it).
        put(format!("{p}.enabled"), "true".into());
        put(format!("{p}.engine"), shown(&db.engine));
        put(format!("{p}.node_type"), shown(&db.node_type));
        put(
            format!("{p}.volume.type"),
            serde_json::to_value(db.volume_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        put(format!("{p}.volume.size"), db.volume_size.to_string());
        put(format!("{p}.ha"), db.ha.to_string());
        put(format!("{p}.read_replicas"), db.read_replicas.to_string());
        put(format!("{p}.name"), shown(&db.name));
        put(format!("{p}.user"), shown(&db.user));
        for (k, val) in &db.settings {
            put(format!("{p}.settings.{k}"), shown(val));
        }
        let b = &db.backups;
        // `enabled` is shown both ways: a tier turned on in one environment and off in another
        // is one key with two values in `diff`, not `false → (unset)`.
        put(
            format!("{p}.backups.daily.enabled"),
            b.daily.is_some().to_string(),
        );
        if let Some(r) = b.daily {
            put(format!("{p}.backups.daily.retention"), r.to_string());
        }
        for (tier, job) in [("weekly", &b.weekly), ("monthly", &b.monthly)] {
            put(
                format!("{p}.backups.{tier}.enabled"),
                job.is_some().to_string(),
            );
            if let Some(j) = job {
                put(format!("{p}.backups.{tier}.schedule"), shown(&j.schedule));
                put(
                    format!("{p}.backups.{tier}.retention"),
                    j.retention.to_string(),
                );
            }
        }
        put(format!("{p}.backups.timezone"), shown(&b.timezone));
        put(
            format!("{p}.backups.same_region"),
            b.same_region.to_string(),
        );
    } else {
        put("database.enabled".into(), "false".into());
    }
    for s in &env.secrets {
        let p = format!("secrets.{}", s.name);
        put(
            format!("{p}.source"),
            format!("{:?}", s.source).to_lowercase(),
        );
        if let Some(d) = &s.description {
            put(format!("{p}.description"), shown(d));
        }
        if s.source == crate::model::SecretSource::Generated {
            put(format!("{p}.length"), s.length.to_string());
        }
    }
    let a = &env.alerts;
    if !a.contacts.is_empty() {
        put("alerts.contacts".into(), shown_list(&a.contacts));
    }
    if let Some(o) = a.detection_objective {
        put("alerts.detection_objective".into(), o.to_string());
    }
    put(
        "alerts.evaluation_interval".into(),
        a.evaluation_interval.to_string(),
    );
    if let Some(u) = &a.runbook_url {
        put("alerts.runbook_url".into(), shown(u));
    }
    for r in &a.rules {
        let p = format!("alerts.rules.{}", r.name);
        if let Some(k) = r.kind {
            put(
                format!("{p}.kind"),
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            );
        }
        if let Some(s) = &r.service {
            put(format!("{p}.service"), shown(s));
        }
        if let Some(e) = &r.expr {
            put(format!("{p}.expr"), shown(e));
        }
        if let Some(t) = r.threshold {
            put(format!("{p}.threshold"), t.to_string());
        }
        put(format!("{p}.for"), r.for_.to_string());
        put(
            format!("{p}.severity"),
            format!("{:?}", r.severity).to_lowercase(),
        );
        if let Some(t) = &r.summary {
            put(format!("{p}.summary"), shown(t));
        }
        if let Some(t) = &r.description {
            put(format!("{p}.description"), shown(t));
        }
    }
    v
}

fn probe_view(put: &mut impl FnMut(String, String), p: &str, probe: &Probe) {
    match &probe.check {
        ProbeCheck::Http(path) => put(format!("{p}.path"), shown(path)),
        ProbeCheck::Tcp => put(format!("{p}.tcp"), "true".into()),
    }
    put(format!("{p}.interval"), probe.interval.to_string());
    put(format!("{p}.timeout"), probe.timeout.to_string());
    put(
        format!("{p}.failure_threshold"),
        probe.failure_threshold.to_string(),
    );
}

/// Where the value at `path` came from, for `explain`.
pub fn origin_label(env: &ResolvedEnvironment, file: &str, path: &str) -> String {
    // Paths whose YAML spelling differs from the view are looked up under their parent too
    // (a database is enabled by its written section, `database:`, without `enabled: true`).
    let lookup = env.origins.get(path).or_else(|| {
        let (parent, _) = path.rsplit_once('.')?;
        env.origins.get(parent).filter(|_| {
            path.ends_with(".secrets") || parent.ends_with(".command") || path == "database.enabled"
        })
    });
    match lookup {
        Some(o) => {
            format!(
                "{file}:{} ({})",
                o.span.line,
                env.origins.layer_name(o.layer)
            )
        }
        None => "built-in default".to_string(),
    }
}

/// The inheritance chain of `env`, nearest last: `production-eu <- production <- defaults`.
pub fn chain(env: &ResolvedEnvironment) -> String {
    let mut parts = vec![env.name.as_str()];
    parts.extend(env.origins.chain());
    parts.push("defaults");
    parts.join(" <- ")
}

/// Keys a policy rule asks to write even when they equal the built-in default (TG047
/// `explicit-privacy`): never reported as redundant.
pub const ALWAYS_EXPLICIT: [&str; 1] = ["privacy"];

/// Keys a policy rule asks to write somewhere although the model has a built-in default for
/// them: a probe says what it checks, `path` or `tcp: true` (TG008 `probe-checks-nothing`;
/// deleting a probe's only `tcp: true` is an error even though TCP is the model's default).
/// Redundant when a layer under the line writes the same value, never as the built-in default.
pub const WRITTEN_FOR_POLICY: [&str; 1] = ["tcp"];

/// Values `env` writes that are redundant: each one equal to what it would be if its line were
/// deleted (inherited from a layer under it, else the built-in default), by path, with what it
/// equals (`inherited from FILE:LINE (LAYER)` or `built-in default`) and where it is written;
/// and redundant for every other environment of `resolved` that reads the same line too (an
/// environment that `extends` this one, or any, for a line of `defaults`): `tier: production`
/// in `production` is the built-in default there (from its name), and an environment extending
/// it is judged by its own baseline, which does not follow `extends` (a development tier
/// there), so the line is not called redundant: conservative, never wrong. When more environments
/// read a line than are worth checking ([`MAX_READERS_CHECKED`]), it is not called redundant:
/// a line left out is never wrong, one wrongly called deletable is.
pub fn redundant(
    resolved: &Resolved,
    env: &ResolvedEnvironment,
    file: &str,
) -> BTreeMap<String, Redundant> {
    let mut own = redundant_alone(env, file);
    let mut others: HashMap<&str, BTreeMap<String, Redundant>> = HashMap::new();
    let mut lookups = 0usize;
    own.retain(|path, red| {
        let Some(span) = env.origins.node(path).map(|n| n.span) else {
            return false;
        };
        for other in &resolved.environments {
            if other.name == env.name {
                continue;
            }
            lookups += 1;
            if lookups > MAX_LINE_LOOKUPS {
                return false;
            }
            if other.origins.node(path).map(|n| n.span) != Some(span) {
                continue;
            }
            if !others.contains_key(other.name.as_str()) {
                if others.len() >= MAX_READERS_CHECKED {
                    return false;
                }
                others.insert(&other.name, redundant_alone(other, file));
            }
            if others[other.name.as_str()].get(path).map(|r| &r.at) != Some(&red.at) {
                return false;
            }
        }
        true
    });
    own
}

/// How many other environments [`redundant`] checks its lines against, at most.
pub const MAX_READERS_CHECKED: usize = 64;

/// How many (line, environment) pairs [`redundant`] looks at, at most: a fraction of a second.
const MAX_LINE_LOOKUPS: usize = 200_000;

/// As [`redundant`], for `env` alone.
fn redundant_alone(env: &ResolvedEnvironment, file: &str) -> BTreeMap<String, Redundant> {
    let view = effective_view(env);
    let baseline = crate::resolve::baseline(env).map(|b| effective_view(&b));
    let mut out = BTreeMap::new();
    for (path, value) in &view {
        let last = path.rsplit('.').next().unwrap_or(path);
        if crate::resolve::BASELINE_KEPT.contains(&last) || ALWAYS_EXPLICIT.contains(&last) {
            continue;
        }
        let Some(written) = env.origins.node(path) else {
            continue;
        };
        let layer = env.origins.layer_of(written.span);
        let same_as = match env.origins.inherited(path, layer) {
            Some((o, lower)) => same_value(last, lower, written).then(|| {
                format!(
                    "inherited from {file}:{} ({})",
                    o.span.line,
                    env.origins.layer_name(o.layer)
                )
            }),
            None if WRITTEN_FOR_POLICY.contains(&last) => None,
            None => baseline
                .as_ref()
                .and_then(|b| b.get(path))
                .filter(|b| *b == value)
                .map(|_| "built-in default".to_string()),
        };
        if let Some(same_as) = same_as {
            out.insert(
                path.clone(),
                Redundant {
                    same_as,
                    at: format!("{file}:{}:{}", written.span.line, written.span.col),
                    layer: env.origins.layer_name(layer),
                },
            );
        }
    }
    out
}

/// Whether two written values of the key `key` mean the same: equal as written, or the same
/// amount in another spelling for the unit-typed keys (`cpu: 1` and `cpu: 1000m`, `2000MB` and
/// `2GB`, `60s` and `1m`).
fn same_value(key: &str, a: &crate::load::Node, b: &crate::load::Node) -> bool {
    use crate::model::{Cpu, Duration, Memory};
    let (a, b) = (a.to_json(), b.to_json());
    if a == b {
        return true;
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let (Some(a), Some(b)) = (text(&a), text(&b)) else {
        return false;
    };
    match key {
        "cpu" => matches!((Cpu::parse(&a), Cpu::parse(&b)), (Ok(x), Ok(y)) if x == y),
        "memory" | "size" => {
            matches!((Memory::parse(&a), Memory::parse(&b)), (Ok(x), Ok(y)) if x == y)
        }
        "timeout"
        | "interval"
        | "for"
        | "retention"
        | "keep_versions"
        | "detection_objective"
        | "evaluation_interval" => {
            matches!((Duration::parse(&a), Duration::parse(&b)), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

/// A value written in the file that equals what it would be without its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redundant {
    /// What it equals: `built-in default` or `inherited from FILE:LINE (LAYER)`.
    pub same_as: String,
    /// Where it is written: `FILE:LINE:COL`.
    pub at: String,
    /// The layer it is written in.
    pub layer: String,
}

/// `tofugen explain ENV [SERVICE]`: every effective value with its origin.
pub fn explain(
    resolved: &Resolved,
    env: &ResolvedEnvironment,
    file: &str,
    service: Option<&str>,
) -> String {
    let view = effective_view(env);
    let redundant = redundant(resolved, env, file);
    let prefix = service.map(|s| format!("services.{s}."));
    // Values come from the configuration: escaped, each stays one visible line.
    let rows: Vec<(&String, Cow<'_, str>, Cow<'_, str>)> = view
        .iter()
        .filter(|(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())))
        .map(|(k, v)| (k, escape_for_terminal(k), escape_for_terminal(v)))
        .collect();
    // Align the origin comments, but do not let one long value push every comment far right.
    let width = rows
        .iter()
        .map(|(_, k, v)| k.chars().count() + v.chars().count() + 2)
        .filter(|w| *w <= 72)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let env_name = escape_for_terminal(&env.name);
    let _ = match service {
        Some(s) => writeln!(
            out,
            "# effective configuration of service `{}` in `{env_name}`",
            escape_for_terminal(s)
        ),
        None => writeln!(out, "# effective configuration of environment `{env_name}`"),
    };
    let _ = writeln!(out, "# inherits: {}", escape_for_terminal(&chain(env)));
    for (key, k, v) in &rows {
        let cell = format!("{k}: {v}");
        let mut label = origin_label(env, file, key);
        if let Some(r) = redundant.get(key.as_str()) {
            label = format!("set in {} ({}), same as {}", r.at, r.layer, r.same_as);
        }
        let _ = writeln!(
            out,
            "{cell:<width$}  # {}",
            escape_for_terminal(&label),
            width = width
        );
    }
    if service.is_none() {
        out.push('\n');
        out.push_str(&crate::emit::alerts::explain_alerts(env));
    }
    out.push_str(&explain_overrides(env, file, service));
    for s in env
        .services
        .iter()
        .filter(|s| service.is_none_or(|n| n == s.name))
    {
        for (k, t) in &s.env {
            for part in &t.parts {
                if let TemplatePart::ServiceUrl(target) = part {
                    let _ = writeln!(
                        out,
                        "# services.{}.env.{} refers to the URL of service `{}` (an HCL reference, not a literal)",
                        escape_for_terminal(&s.name),
                        escape_for_terminal(k),
                        escape_for_terminal(target)
                    );
                }
            }
        }
    }
    out
}

/// The `policy.overrides` entries in effect in `env` (for `service`: those about it or about
/// everything), one comment line each with its reason and origin; empty when there are none.
pub fn explain_overrides(env: &ResolvedEnvironment, file: &str, service: Option<&str>) -> String {
    let prefix = service.map(|s| format!("services.{s}"));
    let shown: Vec<_> = env
        .policy_overrides
        .iter()
        .filter(|o| match (&prefix, &o.path) {
            (Some(p), Some(path)) => {
                path == p
                    || path.starts_with(&format!("{p}."))
                    || p.starts_with(&format!("{path}."))
            }
            _ => true,
        })
        .collect();
    if shown.is_empty() {
        return String::new();
    }
    // The reason and the path are configuration: escaped, each entry stays one visible line.
    let mut out = format!(
        "\n# policy rules overridden in `{}` (`policy.overrides`):\n",
        escape_for_terminal(&env.name)
    );
    for o in shown {
        let _ = writeln!(
            out,
            "#   {}  ({}:{})",
            escape_for_terminal(&o.describe()),
            escape_for_terminal(file),
            o.span.line
        );
    }
    out
}

/// `tofugen diff A B`: the effective differences, key by key (`key: a → b`), then the values
/// either environment sets explicitly to what they would be anyway (`file` names the
/// configuration in their positions).
pub fn diff(
    resolved: &Resolved,
    a: &ResolvedEnvironment,
    b: &ResolvedEnvironment,
    file: &str,
) -> String {
    let va = effective_view(a);
    let vb = effective_view(b);
    let mut keys: Vec<&String> = va.keys().chain(vb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::new();
    let mut changes = 0;
    for key in keys {
        let k = escape_for_terminal(key);
        let x = va.get(key).map(|v| escape_for_terminal(v));
        let y = vb.get(key).map(|v| escape_for_terminal(v));
        match (x, y) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => {
                changes += 1;
                let _ = writeln!(out, "{k}: {x} → {y}");
            }
            (Some(x), None) => {
                changes += 1;
                let _ = writeln!(out, "{k}: {x} → (unset)");
            }
            (None, Some(y)) => {
                changes += 1;
                let _ = writeln!(out, "{k}: (unset) → {y}");
            }
            (None, None) => {}
        }
    }
    let header = format!(
        "# {changes} effective difference(s) between `{}` and `{}`\n",
        escape_for_terminal(&a.name),
        escape_for_terminal(&b.name)
    );
    // Values redundant in both (written once, e.g. in `defaults`) are listed once.
    let ra = redundant(resolved, a, file);
    let rb = if std::ptr::eq(a, b) {
        ra.clone()
    } else {
        redundant(resolved, b, file)
    };
    let mut same = String::new();
    let mut line = |who: &str, path: &str, value: &str, r: &Redundant| {
        let _ = writeln!(
            same,
            "#   {}: {}: {}  (set in {} ({}), same as {})",
            escape_for_terminal(who),
            escape_for_terminal(path),
            escape_for_terminal(value),
            escape_for_terminal(&r.at),
            escape_for_terminal(&r.layer),
            escape_for_terminal(&r.same_as),
        );
    };
    let both = format!("{} and {}", a.name, b.name);
    for (path, r) in &ra {
        let value = va.get(path).map_or("", String::as_str);
        if rb.get(path).is_some_and(|o| o.at == r.at) {
            let who = if std::ptr::eq(a, b) || a.name == b.name {
                a.name.as_str()
            } else {
                both.as_str()
            };
            line(who, path, value, r);
        } else {
            line(&a.name, path, value, r);
        }
    }
    for (path, r) in &rb {
        if ra.get(path).is_some_and(|o| o.at == r.at) {
            continue;
        }
        let value = vb.get(path).map_or("", String::as_str);
        line(&b.name, path, value, r);
    }
    if !same.is_empty() {
        out.push_str(
            "\n# set explicitly to the value they would have anyway (the lines can be deleted):\n",
        );
        out.push_str(&same);
    }
    header + &out
}
