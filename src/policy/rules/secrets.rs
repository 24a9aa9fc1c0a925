//! Secrets: declared, used, of a sane length, and never written as plain values anywhere in
//! the configuration (see [`crate::policy::secret_scan`] for the shapes recognised).

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diagnostics::{Level, Span};
use crate::load::{Key, Node};
use crate::model::SecretSource;
use crate::policy::secret_scan::{self, Hit, Section};
use crate::policy::{Checker, ENV, Place, Rule, Safety, limits, list};
use crate::resolve::ResolvedEnvironment;

/// TG010: every secret a service lists is declared.
pub const TG010: Rule = Rule {
    code: "TG010",
    name: "undeclared-secret",
    level: Level::Error,
    safety: Safety::Required,
    title: "every secret a service lists is declared under `secrets:`",
    rationale: "an undeclared secret would be injected empty, or fail the apply",
    bad: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, API_TOKEN]\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, API_TOKEN]\n  secrets:\n    API_TOKEN: { source: operator }\n",
};

/// TG012: no secret values in the configuration.
pub const TG012: Rule = Rule {
    code: "TG012",
    name: "plaintext-secret",
    level: Level::Error,
    safety: Safety::Security,
    title: "no secret value in any string of the configuration: `env`, `command`, `args`, descriptions, settings, alert texts, URLs, paths",
    rationale: "the configuration is committed to git and its values reach generated files, CI logs and the Scaleway console; secrets belong in Secret Manager",
    bad: "defaults:\n  services:\n    web:\n      env:\n        API_TOKEN: example-not-a-real-token\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, API_TOKEN]\n  secrets:\n    API_TOKEN: { source: operator }\n",
};

/// TG027: generated secrets of a sane length.
pub const TG027: Rule = Rule {
    code: "TG027",
    name: "generated-secret-length",
    level: Level::Error,
    safety: Safety::Required,
    title: "generated secrets are 16-1000 characters long",
    rationale: "shorter values are guessable; the Scaleway provider (2.81.0) takes container secret environment variable values of at most 1000 bytes (modules/secrets and modules/service refuse longer ones at plan time)",
    bad: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, SESSION_KEY]\n  secrets:\n    SESSION_KEY: { source: generated, length: 8 }\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, SESSION_KEY]\n  secrets:\n    SESSION_KEY: { source: generated, length: 48 }\n",
};

/// TG040: every declared secret is used.
pub const TG040: Rule = Rule {
    code: "TG040",
    name: "unused-secret",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "every declared secret is used by a service",
    rationale: "an unused secret is a value to rotate and protect for nothing",
    bad: "defaults:\n  secrets:\n    OLD_TOKEN: { source: operator }\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, OLD_TOKEN]\n  secrets:\n    OLD_TOKEN: { source: operator }\n",
};

/// TG130: a service lists each secret once.
pub const TG130: Rule = Rule {
    code: "TG130",
    name: "duplicate-secret",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a service lists each secret once",
    rationale: "a secret listed twice is injected once (the root writes the service's secrets as a map), so the second item does nothing but show twice in the environment's README and `explain`",
    bad: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, DATABASE_URL]\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL]\n",
};

/// TG132: a secret's options are those of its source.
pub const TG132: Rule = Rule {
    code: "TG132",
    name: "secret-option-source",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`length` is written only on `source: generated` secrets, `scheme` and `include_database` only on `source: database` ones",
    rationale: "an option of another source is ignored without a word: a declaration that lost its `source: generated` line became an `operator` secret (the default), whose value a person must store before the next deploy, and its `length` still read as if OpenTofu generated it",
    bad: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, SESSION_KEY]\n  secrets:\n    SESSION_KEY: { length: 48 }\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, SESSION_KEY]\n  secrets:\n    SESSION_KEY: { source: generated, length: 48 }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG010, TG012, TG027, TG040, TG130, TG132];

/// The options of a secret's declaration that only one source reads: (option, that source).
const SOURCE_OPTIONS: [(&str, SecretSource, &str); 3] = [
    ("length", SecretSource::Generated, "generated"),
    ("scheme", SecretSource::Database, "database"),
    ("include_database", SecretSource::Database, "database"),
];

/// TG010, TG027 and TG040 in one environment.
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let declared: Vec<&str> = env.secrets.iter().map(|s| s.name.as_str()).collect();
    let declared_set: HashSet<&str> = declared.iter().copied().collect();
    // Did-you-mean within a share of the budget per environment: bounded over the whole run.
    let mut suggester = c.env_suggester(declared.iter().copied());
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for s in &env.services {
        // The first index of each name: one lookup per item (sweep 57, #1: a name listed twice
        // passed, then showed twice in the README and `explain`).
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, secret) in s.secrets.iter().enumerate() {
            let at = *first.entry(secret.as_str()).or_insert(i);
            if at != i {
                let place = c.at(env, &format!("services.{}.secrets.{i}", s.name));
                let earlier = c.first_at(env, &format!("services.{}.secrets.{at}", s.name));
                c.push(
                    &TG130,
                    Some(env),
                    place,
                    format!(
                        "service `{}` lists secret `{secret}` twice{earlier}",
                        s.name
                    ),
                    "each secret once",
                    format!("remove this item of `services.{}.secrets`", s.name),
                );
                continue;
            }
            used.insert(secret.as_str());
            // A declaration the schema refused (a name over 100 characters) is reported there;
            // the service's use of it would only repeat that error.
            if declared_set.contains(secret.as_str()) || c.refused_secrets.contains(secret.as_str())
            {
                continue;
            }
            let place = c.at(env, &format!("services.{}.secrets.{i}", s.name));
            // Removed here with `null`, or declared in another environment only: say so.
            let removed_here = c
                .env_nodes
                .get(env.name.as_str())
                .and_then(|(_, node)| node.get("secrets"))
                .and_then(|secrets| secrets.get(secret))
                .is_some_and(|v| matches!(v.kind, crate::load::NodeKind::Null));
            let help = match suggester.suggest(secret) {
                _ if removed_here => format!(
                    "`{}` removes `{secret}` with `{secret}: null`: keep the declaration, or take \
                     `{secret}` out of `services.{}.secrets` in this environment",
                    env.name, s.name
                ),
                Some(m) => format!("did you mean `{m}`?"),
                None if c.declared_secrets.contains(secret.as_str()) => format!(
                    "declare it: `secrets: {{ {secret}: {{ source: operator }} }}` under `defaults` \
                     (it is declared in another environment, which does not reach this one)"
                ),
                None => format!(
                    "declare it: `secrets: {{ {secret}: {{ source: operator }} }}` under `defaults`"
                ),
            };
            c.push(
                &TG010,
                Some(env),
                place,
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
        }
    }
    for secret in &env.secrets {
        let path = format!("secrets.{}", secret.name);
        for (option, source, source_name) in SOURCE_OPTIONS {
            if secret.source == source
                || !c.written_at(env, &["secrets", secret.name.as_str(), option])
            {
                continue;
            }
            let written = c.written_at(env, &["secrets", secret.name.as_str(), "source"]);
            let actual = match secret.source {
                SecretSource::Operator => "operator",
                SecretSource::Generated => "generated",
                SecretSource::Database => "database",
            };
            let place = c.at(env, &format!("{path}.{option}"));
            c.push(
                &TG132,
                Some(env),
                place,
                format!(
                    "secret `{}` has `{option}`, which only `source: {source_name}` reads: its \
                     source is `{actual}`{}, and `{option}` is ignored",
                    secret.name,
                    if written {
                        ""
                    } else {
                        " (the default: no `source` is written)"
                    }
                ),
                format!("`{option}` only with `source: {source_name}`"),
                if written {
                    format!("remove `{option}`, or set `source: {source_name}`")
                } else {
                    format!(
                        "write `source: {source_name}` if OpenTofu is to make the value, or \
                         remove `{option}` (a person then stores the value)"
                    )
                },
            );
        }
        if secret.source == SecretSource::Generated {
            let (lo, hi) = limits::SECRET_LENGTH;
            if !(lo..=hi).contains(&secret.length) {
                let place = c.at(env, &format!("{path}.length"));
                c.push(
                    &TG027,
                    Some(env),
                    place,
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
            let place = c.key_at(env, &path);
            c.push(
                &TG040,
                Some(env),
                place,
                format!("secret `{}` is used by no service in {ENV}", secret.name),
                "each declared secret listed by at least one service",
                "list it in a service's `secrets:`, or remove it",
            );
        }
    }
}

/// TG012: every string of the file, keys included, once per environment it reaches (values no
/// environment uses are still committed, and reported without one).
pub(crate) fn plaintext(c: &mut Checker<'_>) {
    let root = c.original;
    secret_scan::for_each_string(root, |site| {
        let Some(hit) = secret_scan::scan(site.text, site.context) else {
            return;
        };
        c.secrets.push(site.text[hit.start..hit.end].to_string());
        // A key joining a secret's name and its value: all of the value, which the shape
        // ends at its first blank.
        if let Some((_, value)) = site.key.and_then(|k| secret_scan::glued_value(&k.name)) {
            c.secrets.push(value.to_string());
        }
        match site.key {
            Some(key) => scan_key(c, key, site.path, site.section, hit),
            None => scan_value(c, site.node, site.text, site.path, site.section, hit),
        }
    });
    split_flag_arguments(c);
}

/// `args` follow `command` on the container's command line across layers too: `command: [app,
/// --password]` in `defaults` and `args: [hunter2]` in an environment. The file walk above pairs
/// the two within one mapping; this pairs them as each environment runs them, and reports the
/// argument when only the flag before it makes it a secret.
fn split_flag_arguments(c: &mut Checker<'_>) {
    let resolved = c.resolved;
    for env in &resolved.environments {
        for svc in &env.services {
            let (Some(last), Some(first)) = (svc.command.last(), svc.args.first()) else {
                continue;
            };
            let arg_path = format!("services.{}.args.0", svc.name);
            let (Some(command), Some(arg)) = (
                env.origins.get(&format!("services.{}.command", svc.name)),
                env.origins.get(&arg_path),
            ) else {
                continue;
            };
            // One section's mapping holds both: the file walk has paired them.
            if command.layer == arg.layer
                || secret_scan::scan(first, secret_scan::Context::Argument { previous: None })
                    .is_some()
            {
                continue;
            }
            let Some(hit) = secret_scan::scan(
                first,
                secret_scan::Context::Argument {
                    previous: Some(last),
                },
            ) else {
                continue;
            };
            c.secrets.push(first[hit.start..hit.end].to_string());
            c.push(
                &TG012,
                Some(env),
                Place::new(&arg_path, Some(arg.span)),
                format!(
                    "the first `args` item of service `{}` looks like a secret ({}): it follows `{}`, the last item of `command` set in another section",
                    svc.name,
                    hit.shape,
                    secret_scan::hide(last)
                ),
                "no secret values in `command` or `args`".to_string(),
                "declare the value under `secrets:`, list it in the service's `secrets:` and read it from the environment variable".to_string(),
            );
        }
    }
}

/// The environments a value at effective `path` with position `span` reaches.
fn reached<'r>(
    c: &Checker<'r>,
    path: &str,
    span: Span,
    section: Section<'_>,
) -> Vec<&'r ResolvedEnvironment> {
    let resolved = c.resolved;
    match section {
        Section::Project => Vec::new(),
        Section::Environment(name) => resolved.environment(name).into_iter().collect(),
        Section::Defaults => resolved
            .environments
            .iter()
            .filter(|e| e.origins.get(path).is_some_and(|o| o.span == span))
            .collect(),
    }
}

fn scan_value(
    c: &mut Checker<'_>,
    node: &Node,
    value: &str,
    path: &str,
    section: Section<'_>,
    hit: Hit,
) {
    let span = position(c, node, value, hit);
    let steps: Vec<&str> = path.split('.').collect();
    let declared_where_reached = |key: &str| {
        let envs = reached(c, path, node.span, section);
        !envs.is_empty() && envs.iter().all(|e| e.secrets.iter().any(|s| s.name == key))
    };
    let (message, expected, help) = match steps.as_slice() {
        ["services", service, "env", key] => (
            format!("`env.{key}` of service `{service}` looks like a secret ({})", hit.shape),
            "no secret values in `env`: they are committed and shown in the console".to_string(),
            // Declared already in every environment the value reaches (a `source: database`
            // URL pasted into `env`, say): declaring it again would be a duplicate key (sweep
            // of stop 55, L3). Declared in another environment only, it is not (review).
            if declared_where_reached(key) {
                format!(
                    "`{key}` is declared under `secrets:` already: list `{key}` in the service's `secrets:` and remove it from `env`; rotate the value if it was ever committed"
                )
            } else {
                format!(
                    "declare `{key}: {{ source: operator }}` under `secrets:`, list `{key}` in the service's `secrets:` and remove it from `env`; rotate the value if it was ever committed"
                )
            },
        ),
        // Not the item's index: after the schema left an item out, later ones would be
        // miscounted. The position shows which item it is.
        ["services", service, field @ ("command" | "args"), _] => (
            format!(
                "an item of `{field}` of service `{service}` looks like a secret ({})",
                hit.shape
            ),
            "no secret values in `command` or `args`".to_string(),
            "declare the value under `secrets:`, list it in the service's `secrets:` and read it from the environment variable".to_string(),
        ),
        _ => (
            format!("`{path}` looks like it holds a secret ({})", hit.shape),
            "no secret values in the configuration: it is committed, and its values reach generated files".to_string(),
            "remove the value; keep it in Secret Manager (declare it under `secrets:` with `source: operator`) and rotate it if it was ever committed".to_string(),
        ),
    };
    report(c, path, span, node.span, section, message, expected, help);
}

fn scan_key(c: &mut Checker<'_>, key: &Key, full: &str, section: Section<'_>, hit: Hit) {
    // The mapping's path: `full` without the key, which may itself hold dots.
    let parent = full
        .strip_suffix(key.name.as_str())
        .map_or("", |p| p.trim_end_matches('.'));
    let where_ = if parent.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{parent}`")
    };
    report(
        c,
        full,
        Some(key.span),
        key.span,
        section,
        format!("a key in {where_} looks like a secret ({})", hit.shape),
        "names, not secret values, as keys".to_string(),
        "rename the key and rotate the value if it was ever committed".to_string(),
    );
}

#[allow(clippy::too_many_arguments)]
fn report(
    c: &mut Checker<'_>,
    path: &str,
    span: Option<Span>,
    node_span: Span,
    section: Section<'_>,
    message: String,
    expected: String,
    help: String,
) {
    let envs = reached(c, path, node_span, section);
    if envs.is_empty() {
        c.push(
            &TG012,
            None,
            Place::new(path, span),
            message,
            expected,
            help,
        );
        return;
    }
    for env in envs {
        c.push(
            &TG012,
            Some(env),
            Place::new(path, span),
            message.clone(),
            expected.clone(),
            help.clone(),
        );
    }
}

/// The position of the secret inside the value, when the source is at hand.
fn position(c: &Checker<'_>, node: &Node, value: &str, hit: Hit) -> Option<Span> {
    Some(match &c.source {
        Some(source) => source.span_in_scalar(node.span, value, hit.start, hit.end),
        None => node.span,
    })
}
