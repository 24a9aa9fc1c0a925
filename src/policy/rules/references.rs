//! References between values: `${services.NAME.url}`, `${environment}`, `${project}`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::diagnostics::{Level, SUGGESTION_BUDGET, Suggester, did_you_mean};
use crate::load::{Node, NodeKind};
use crate::policy::{Checker, ENV, Rule, Safety, list};
use crate::resolve::{ResolvedEnvironment, TemplatePart};

/// TG013: references name something that exists.
pub const TG013: Rule = Rule {
    code: "TG013",
    name: "unknown-reference",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`${...}` references name an enabled service (`${services.NAME.url}`), `${environment}` or `${project}`",
    rationale: "an unknown reference would be passed to the container literally",
    bad: "defaults:\n  services:\n    web:\n      env:\n        API_URL: \"${services.api.url}\"   # there is no `api` service\n",
    good: "defaults:\n  services:\n    web:\n      env:\n        APP_NAME: \"${project}-${environment}\"\n",
};

/// TG014: no reference cycles between services.
pub const TG014: Rule = Rule {
    code: "TG014",
    name: "reference-cycle",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "service URL references form no cycle, and a service does not reference itself",
    rationale: "each URL is an OpenTofu dependency: a cycle cannot be planned",
    bad: "defaults:\n  services:\n    web:\n      env:\n        SELF_URL: \"${services.web.url}\"\n",
    good: "defaults:\n  services:\n    worker:\n      image: demo-worker\n      port: 8080\n      scale: { min: 2 }\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\n      env:\n        WEB_URL: \"${services.web.url}\"\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG013, TG014];

const SUPPORTED_REFERENCES: &str = "`${services.NAME.url}`, `${environment}`, `${project}`";

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let enabled: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    let enabled_set: HashSet<&str> = enabled.iter().copied().collect();
    // Did-you-mean within a share of the budget per environment: bounded over the whole run.
    let share = SUGGESTION_BUDGET / c.resolved.environments.len().max(1);
    let mut suggester = Suggester::with_budget(enabled.iter().copied(), share);
    // Found when a reference first names a service that is not enabled: most environments
    // have none, and it is as long as the whole file.
    let root = c.root;
    let mut declared: Option<BTreeSet<&str>> = None;
    let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for s in &env.services {
        for (key, template) in &s.env {
            // The path and its place are built only for a finding or an edge: most values
            // have neither.
            let vpath = || format!("services.{}.env.{key}", s.name);
            let place = |c: &Checker<'_>| c.at(env, &vpath());
            if let Some(raw) = c.raw_at(env, &["services", &s.name, "env", key])
                && let NodeKind::Str(text) = &raw.kind
                && has_unterminated_reference(text)
            {
                let place = place(c);
                c.push(
                    &TG013,
                    Some(env),
                    place,
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
                        let help = unknown_reference_help(r, &mut suggester);
                        let place = place(c);
                        c.push(
                            &TG013,
                            Some(env),
                            place,
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
                            let place = place(c);
                            c.push(
                                &TG014,
                                Some(env),
                                place,
                                format!("service `{}` references its own URL in `env.{key}`", s.name),
                                "a reference to another service",
                                "read the service's own URL from the request (Host header) or configure it after the first deploy",
                            );
                        } else if enabled_set.contains(target.as_str()) {
                            edges
                                .entry(s.name.as_str())
                                .or_default()
                                .push((target.as_str(), vpath()));
                        } else if declared
                            .get_or_insert_with(|| declared_services(root))
                            .contains(target.as_str())
                        {
                            let place = place(c);
                            c.push(
                                &TG013,
                                Some(env),
                                place,
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
                            let help = match suggester.suggest(target) {
                                Some(m) => format!("did you mean `${{services.{m}.url}}`?"),
                                None => format!("use one of: {}", list(&enabled)),
                            };
                            let place = place(c);
                            c.push(
                                &TG013,
                                Some(env),
                                place,
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
    // TG014: cycles, each reported once at the reference that closes it, found from their
    // first service (in name order) by a depth-first search through the services after it
    // (Johnson's restriction: a cycle through an earlier service was found from there), on
    // one path that is extended and cut back, within a share of [`MAX_CYCLE_STEPS`] per
    // environment: a chain or one long cycle of 2 000 services is quadratic, not cubic, and
    // a graph with exponentially many cycles stops early.
    let mut steps = MAX_CYCLE_STEPS / c.resolved.environments.len().max(1);
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    'starts: for start in edges.keys().copied() {
        let mut path: Vec<&str> = vec![start];
        let mut on_path: HashSet<&str> = HashSet::from([start]);
        // For each service on the path, the services still to visit after it, the last first.
        let mut pending: Vec<Vec<&str>> = Vec::new();
        let mut node = start;
        loop {
            let mut children = Vec::new();
            for (next, _) in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
                if steps == 0 {
                    break 'starts;
                }
                steps -= 1;
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
                        let place = c.at(env, &closing);
                        c.push(
                            &TG014,
                            Some(env),
                            place.clone(),
                            format!("service URLs reference each other in a cycle: {}", cycle.join(" → ")),
                            "references that form no cycle",
                            "break the cycle: one of the services must learn the other's URL another way (e.g. at runtime)",
                        );
                    }
                } else if *next > start && !on_path.contains(next) {
                    children.push(*next);
                }
            }
            pending.push(children);
            // The next service to visit: the last child pushed, of the deepest service with one.
            loop {
                let Some(top) = pending.last_mut() else {
                    continue 'starts;
                };
                if let Some(next) = top.pop() {
                    path.push(next);
                    on_path.insert(next);
                    node = next;
                    break;
                }
                pending.pop();
                if let Some(done) = path.pop() {
                    on_path.remove(done);
                }
            }
        }
    }
}

/// Steps (references followed) the TG014 cycle search may take over all environments: a
/// fraction of a second.
const MAX_CYCLE_STEPS: usize = 8_000_000;

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

fn unknown_reference_help(r: &str, suggester: &mut Suggester<'_>) -> String {
    let parts: Vec<&str> = r.split('.').collect();
    match parts.as_slice() {
        ["services" | "service", name, attr] => {
            let name = suggester.suggest(name).unwrap_or(name);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unterminated_references() {
        assert!(has_unterminated_reference("x ${services.api.url"));
        assert!(!has_unterminated_reference("$${literal and ${project}"));
    }
}
