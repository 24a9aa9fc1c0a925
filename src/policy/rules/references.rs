//! References between values: `${services.NAME.url}`, `${environment}`, `${project}`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diagnostics::{Level, Suggester, did_you_mean};
use crate::load::{Node, NodeKind};
use crate::model::Privacy;
use crate::policy::{Checker, ENV, Place, Rule, Safety, list};
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
    safety: Safety::Required,
    title: "service URL references form no cycle, and a service does not reference itself",
    rationale: "each URL is an OpenTofu dependency: a cycle cannot be planned",
    bad: "defaults:\n  services:\n    web:\n      env:\n        SELF_URL: \"${services.web.url}\"\n",
    good: "defaults:\n  services:\n    worker:\n      image: demo-worker\n      port: 8080\n      scale: { min: 2 }\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\n      env:\n        WEB_URL: \"${services.web.url}\"\n",
};

/// TG126: references are read in `env` values only.
pub const TG126: Rule = Rule {
    code: "TG126",
    name: "reference-outside-env",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a service's `command`, `args` and `description` hold no tofugen reference (`${services.NAME.url}`, `${environment}`, `${project}`)",
    rationale: "tofugen replaces references in `env` values only: elsewhere the text reaches the container or the console as written, `${environment}` included; a shell variable such as `${PORT}` is not a tofugen reference and is left alone",
    bad: "defaults:\n  services:\n    web:\n      args: [--name, \"${project}-${environment}\"]\n",
    good: "defaults:\n  services:\n    web:\n      env:\n        APP_NAME: \"${project}-${environment}\"\n",
};

/// TG127: a service given the URL of a private one can be refused.
pub const TG127: Rule = Rule {
    code: "TG127",
    name: "private-service-url",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a service given another's URL (`${services.NAME.url}`) can call it: the other is public, or the caller has a key",
    rationale: "Scaleway refuses (403) a call to a private container that does not send, as `X-Auth-Token`, the secret key of an IAM API key allowed `ContainersPrivateAccess` (Scaleway docs, \"How to manage authentication for private containers\"); tofugen creates no such key for the caller, so a call made with the URL alone is refused at run time, while every check passes",
    bad: "defaults:\n  services:\n    admin:\n      image: demo-admin\n      port: 8080\n      privacy: private\n      scale: { min: 2 }\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\n    web:\n      env:\n        ADMIN_URL: \"${services.admin.url}\"\n",
    good: "defaults:\n  services:\n    worker:\n      image: demo-worker\n      port: 8080\n      privacy: private\n      scale: { min: 2 }\n      probes:\n        startup: { path: /healthz }\n        liveness: { path: /healthz }\n      env:\n        WEB_URL: \"${services.web.url}\"\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG013, TG014, TG126, TG127, TG133];

/// TG133: a service an environment adds is not a near miss of a default service.
pub const TG133: Rule = Rule {
    code: "TG133",
    name: "misspelt-service",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a service an environment adds (one `defaults.services` does not have) is not a near miss of a default service's name",
    rationale: "a misspelt override (`webb:` for `web:`) adds a new service instead of changing one: the service meant keeps its defaults, and the new one's errors ask for an image, a port and probes nobody meant to write",
    bad: "environments:\n  staging:\n    services:\n      webb:\n        image: demo-web\n        port: 8080\n        privacy: public\n        probes:\n          startup: { path: /healthz }\n          liveness: { path: /healthz }\n",
    good: "environments:\n  staging:\n    services:\n      web: { scale: { min: 1 } }\n",
};

/// TG133 in one environment: each service its own `services:` adds that is a typo of a service
/// of `defaults.services` ([`Checker::added_typos`]).
pub(crate) fn misspelt_services(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let found = c.added_typos(env, &["services"], |_| false);
    for (name, span, meant) in found {
        c.push(
            &TG133,
            Some(env),
            Place::new(format!("services.{name}"), Some(span)),
            format!(
                "{ENV} adds a service `{name}`, which `defaults.services` does not have: a near \
                 miss of `{meant}`"
            ),
            format!("the name of a service `defaults.services` has, such as `{meant}`, or a new service's"),
            format!(
                "did you mean `{meant}`? Rename the key to change that service in this \
                 environment; keep it only if `{name}` is a new service"
            ),
        );
    }
}

/// The tofugen references in `text` that are not escaped (`$${` is a literal `${`), as
/// written: `${environment}`, `${project}`, `${services.NAME.url}`.
fn tofugen_references(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut at = 0;
    while let Some(i) = rest.find("${") {
        let start = at + i;
        let escaped = text[..start].ends_with('$');
        let body = &text[start + 2..];
        if let Some(end) = body.find('}') {
            let name = &body[..end];
            let ours = matches!(name, "environment" | "project")
                || name
                    .strip_prefix("services.")
                    .and_then(|n| n.strip_suffix(".url"))
                    .is_some_and(|n| !n.is_empty() && !n.contains(['.', '$', '{']));
            if ours && !escaped {
                out.push(&text[start..start + 2 + end + 1]);
            }
        }
        at = start + 2;
        rest = &text[at..];
    }
    out
}

/// TG126 on every service of `env`: `command`, `args` and `description`.
pub(crate) fn outside_env(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    for s in &env.services {
        let fields = s
            .command
            .iter()
            .enumerate()
            .map(|(i, t)| ("command", Some(i), t.as_str()))
            .chain(
                s.args
                    .iter()
                    .enumerate()
                    .map(|(i, t)| ("args", Some(i), t.as_str())),
            )
            .chain(
                s.description
                    .iter()
                    .map(|t| ("description", None, t.as_str())),
            );
        for (field, index, text) in fields {
            let Some(first) = tofugen_references(text).first().copied() else {
                continue;
            };
            let path = format!("services.{}.{field}", s.name);
            // A list item's own place, as written; else the value's.
            let item =
                index.and_then(
                    |i| match &c.raw_at(env, &["services", &s.name, field])?.kind {
                        NodeKind::Seq(items) => items.get(i).map(|n| n.span),
                        _ => None,
                    },
                );
            let place = match item {
                Some(span) => Place::new(path, Some(span)),
                None => c.at(env, &path),
            };
            c.push(
                &TG126,
                Some(env),
                place,
                format!(
                    "`{first}` in `{field}` of `{}` is passed as written: tofugen replaces references in `env` only",
                    s.name
                ),
                "references in `env` values",
                format!(
                    "set an environment variable in `env` (`NAME: \"{first}\"`) and read it in the program (`sh -c '... $NAME'`)"
                ),
            );
        }
    }
}

const SUPPORTED_REFERENCES: &str = "`${services.NAME.url}`, `${environment}`, `${project}`";

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let enabled: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    let enabled_set: HashSet<&str> = enabled.iter().copied().collect();
    // Did-you-mean within a share of the budget per environment: bounded over the whole run.
    let mut suggester = c.env_suggester(enabled.iter().copied());
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
                            if env
                                .service(target)
                                .is_some_and(|t| t.privacy == Privacy::Private)
                            {
                                let place = place(c);
                                c.push(
                                    &TG127,
                                    Some(env),
                                    place,
                                    format!(
                                        "`env.{key}` of `{}` is the URL of private service `{target}` in {ENV}: Scaleway refuses a call to it without an IAM key's secret (`X-Auth-Token`), and tofugen gives `{}` none",
                                        s.name, s.name
                                    ),
                                    format!("a public `{target}`, or a key `{}` sends", s.name),
                                    format!(
                                        "give `{}` the secret key of an IAM API key allowed `ContainersPrivateAccess` on the environment's project (an operator secret under `secrets:`, sent as `X-Auth-Token`), then turn this warning off for `services.{}.env.{key}` with that reason; or make `{target}` `privacy: public`",
                                        s.name, s.name
                                    ),
                                );
                            }
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
    // TG014: cycles, each reported once at the reference that closes it.
    let mut steps = MAX_CYCLE_STEPS / c.resolved.environments.len().max(1);
    for found in reference_cycles(&edges, &mut steps) {
        let place = c.at(env, found.closing);
        c.push(
            &TG014,
            Some(env),
            place,
            format!("service URLs reference each other in a cycle: {}", found.names.join(" → ")),
            "references that form no cycle",
            "break the cycle: one of the services must learn the other's URL another way (e.g. at runtime)",
        );
    }
}

/// A cycle of URL references: its services from the first (in name order) back to it, and
/// the path of the reference that closes it.
struct Cycle<'e> {
    names: Vec<&'e str>,
    closing: &'e str,
}

/// The cycles of `edges` (each service's references, in order, with their paths), each once,
/// in the order of their first service by name, then as a depth-first search from it finds
/// them. That search, from each service, goes through the services after it (Johnson's
/// restriction: a cycle through an earlier service was found from there), on one path that is
/// extended and cut back; and it runs only inside the strongly connected component of the
/// service among the services from it on ([`crate::graph::components`]), recomputed only
/// inside each component of the whole graph: a chain has no component to search, one long
/// cycle is searched once, many small cycles each in their own. All of it counts `steps` and
/// stops when they run out: a graph with exponentially many cycles stops early.
fn reference_cycles<'e>(
    edges: &'e BTreeMap<&'e str, Vec<(&'e str, String)>>,
    steps: &mut usize,
) -> Vec<Cycle<'e>> {
    // Services by index, in name order; each service's references to a distinct service
    // once: where its last one is written (a search through every reference visits the
    // services from the last one written, and a repeated service's paths again after the
    // first visit, finding nothing new), with the path of its first one (the reference that
    // closes a cycle is the first one to its start).
    let mut names: Vec<&str> = edges
        .iter()
        .flat_map(|(from, to)| std::iter::once(*from).chain(to.iter().map(|(t, _)| *t)))
        .collect();
    names.sort_unstable();
    names.dedup();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut adj: Vec<Vec<(usize, &str)>> = vec![Vec::new(); names.len()];
    for (from, to) in edges {
        let mut first: HashMap<usize, &str> = HashMap::new();
        for (t, path) in to {
            first.entry(index[t]).or_insert(path.as_str());
        }
        let out = &mut adj[index[from]];
        for (t, _) in to.iter().rev() {
            if let Some(path) = first.remove(&index[t]) {
                out.push((index[t], path));
            }
        }
        out.reverse();
    }
    let plain = |adj: &[Vec<(usize, &str)>]| -> Vec<Vec<usize>> {
        adj.iter()
            .map(|out| out.iter().map(|(t, _)| *t).collect())
            .collect()
    };
    // The components' edges count against `steps` too (each call is linear, and the next
    // one is made only while steps remain).
    let components = |adj: &[Vec<usize>], from: usize, steps: &mut usize| {
        let mut used = 0;
        let comp = crate::graph::components(adj, from, &mut used);
        *steps = steps.saturating_sub(used);
        comp
    };
    let whole = components(&plain(&adj), 0, steps);
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, comp) in whole.iter().enumerate() {
        groups.entry(*comp).or_default().push(i);
    }
    // (first service, cycle), sorted by first service at the end: each component's search
    // finds its own cycles in order.
    let mut found: Vec<(usize, Cycle<'e>)> = Vec::new();
    'groups: for members in groups.values().filter(|m| m.len() > 1) {
        // The component alone, with local indices in the same order.
        let local: HashMap<usize, usize> =
            members.iter().enumerate().map(|(l, g)| (*g, l)).collect();
        let sub: Vec<Vec<(usize, &str)>> = members
            .iter()
            .map(|g| {
                adj[*g]
                    .iter()
                    .filter_map(|(t, p)| local.get(t).map(|l| (*l, *p)))
                    .collect()
            })
            .collect();
        let sub_plain = plain(&sub);
        let mut from = 0;
        loop {
            if *steps == 0 {
                break 'groups;
            }
            let comp = components(&sub_plain, from, steps);
            let mut sizes: HashMap<usize, usize> = HashMap::new();
            for c in &comp[from..] {
                *sizes.entry(*c).or_default() += 1;
            }
            let Some(start) = (from..sub.len()).find(|i| sizes[&comp[*i]] > 1) else {
                break;
            };
            let inside = |i: usize| comp[i] == comp[start];
            let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
            let mut path: Vec<usize> = vec![start];
            let mut on_path = vec![false; sub.len()];
            on_path[start] = true;
            // For each service on the path, the services still to visit after it, the last
            // first.
            let mut pending: Vec<Vec<usize>> = Vec::new();
            let mut node = start;
            'search: loop {
                let mut children = Vec::new();
                for &(next, closing) in &sub[node] {
                    if *steps == 0 {
                        break 'groups;
                    }
                    *steps -= 1;
                    if next == start {
                        let mut key = path.clone();
                        key.sort_unstable();
                        if reported.insert(key) {
                            let mut cycle: Vec<&str> =
                                path.iter().map(|l| names[members[*l]]).collect();
                            cycle.push(names[members[start]]);
                            found.push((
                                members[start],
                                Cycle {
                                    names: cycle,
                                    closing,
                                },
                            ));
                        }
                    } else if next > start && inside(next) && !on_path[next] {
                        children.push(next);
                    }
                }
                pending.push(children);
                // The next service to visit: the last child pushed, of the deepest service
                // with one.
                loop {
                    let Some(top) = pending.last_mut() else {
                        break 'search;
                    };
                    if let Some(next) = top.pop() {
                        path.push(next);
                        on_path[next] = true;
                        node = next;
                        break;
                    }
                    pending.pop();
                    if let Some(done) = path.pop() {
                        on_path[done] = false;
                    }
                }
            }
            from = start + 1;
        }
    }
    found.sort_by_key(|(first, _)| *first);
    found.into_iter().map(|(_, cycle)| cycle).collect()
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

    /// tofugen's own references, not a shell's, and not after a `$` (`$${`).
    #[test]
    fn tofugen_references_are_told_from_shell_variables() {
        assert_eq!(
            tofugen_references("--url ${services.web.url} --env ${environment}-${project}"),
            ["${services.web.url}", "${environment}", "${project}"]
        );
        for text in [
            "${PORT}",
            "$${project}",
            "${services.web.host}",
            "${services..url}",
            "${environment",
            "${ project }",
            "",
        ] {
            assert!(tofugen_references(text).is_empty(), "{text}");
        }
    }

    /// The search before components: from each service (in name order), every path through
    /// the services after it.
    fn cycles_by_brute_force<'e>(
        edges: &'e BTreeMap<&'e str, Vec<(&'e str, String)>>,
    ) -> Vec<(Vec<&'e str>, &'e str)> {
        fn walk<'e>(
            edges: &'e BTreeMap<&'e str, Vec<(&'e str, String)>>,
            path: &mut Vec<&'e str>,
            reported: &mut BTreeSet<Vec<&'e str>>,
            out: &mut Vec<(Vec<&'e str>, &'e str)>,
        ) {
            let (start, node) = (path[0], *path.last().expect("non-empty"));
            let mut children = Vec::new();
            for (next, closing) in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
                if *next == start {
                    let mut key = path.clone();
                    key.sort_unstable();
                    if reported.insert(key) {
                        let mut cycle = path.clone();
                        cycle.push(start);
                        out.push((cycle, closing.as_str()));
                    }
                } else if *next > start && !path.contains(next) {
                    children.push(*next);
                }
            }
            while let Some(next) = children.pop() {
                path.push(next);
                walk(edges, path, reported, out);
                path.pop();
            }
        }
        let mut out = Vec::new();
        let mut reported = BTreeSet::new();
        for start in edges.keys() {
            walk(edges, &mut vec![*start], &mut reported, &mut out);
        }
        out
    }

    #[test]
    fn reference_cycles_are_those_of_a_search_from_every_service_in_the_same_order() {
        let names: Vec<String> = (0..7).map(|i| format!("s{i}")).collect();
        // A small linear congruential generator: the same graphs on every run.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        let mut with_cycles = 0;
        for _ in 0..2_000 {
            let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
            let count = next() % 16;
            for e in 0..count {
                let (a, b) = (next() % names.len(), next() % names.len());
                if a != b {
                    edges
                        .entry(&names[a])
                        .or_default()
                        .push((&names[b], format!("services.{}.env.U{e}", names[a])));
                }
            }
            let expected = cycles_by_brute_force(&edges);
            let mut steps = usize::MAX;
            let got: Vec<(Vec<&str>, &str)> = reference_cycles(&edges, &mut steps)
                .into_iter()
                .map(|c| (c.names, c.closing))
                .collect();
            assert_eq!(got, expected, "{edges:?}");
            with_cycles += usize::from(!expected.is_empty());
        }
        assert!(with_cycles > 500, "{with_cycles} graphs with a cycle");
    }

    #[test]
    fn a_long_chain_or_cycle_of_references_is_searched_in_linear_steps() {
        let n = 12_000;
        let names: Vec<String> = (0..n).map(|i| format!("s{i:05}")).collect();
        for cycle in [false, true] {
            let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
            for i in 0..n {
                if cycle || i + 1 < n {
                    edges
                        .entry(&names[i])
                        .or_default()
                        .push((&names[(i + 1) % n], format!("services.{}.env.U", names[i])));
                }
            }
            let budget = 10 * n;
            let mut steps = budget;
            let found = reference_cycles(&edges, &mut steps);
            assert_eq!(found.len(), usize::from(cycle));
            assert!(budget - steps <= 4 * n, "{} steps", budget - steps);
        }
    }

    #[test]
    fn unterminated_references() {
        assert!(has_unterminated_reference("x ${services.api.url"));
        assert!(!has_unterminated_reference("$${literal and ${project}"));
    }
}
