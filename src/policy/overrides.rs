//! `policy.overrides`: turning a rule off or changing its level, with a reason, optionally only
//! in some environments and only for findings about one value (a path, as `tofugen explain`
//! prints it) and what lies under it.
//!
//! ```yaml
//! policy:
//!   overrides:
//!     - rule: plaintext-secret            # or TG012
//!       level: off                        # off, warning or error
//!       environments: [staging]           # optional (default: every environment)
//!       path: services.api.env.PROJECT_ID # optional (default: every finding of the rule)
//!       reason: the project ID is an identifier, not a credential
//! ```
//!
//! When several entries match a finding, the last one wins. Turning off a rule whose
//! [`Safety`] is not ordinary prints a warning on every run. The resolved entries are
//! [`crate::resolve::Resolved::policy_overrides`] (all of them) and
//! [`crate::resolve::ResolvedEnvironment::policy_overrides`] (those that apply to one
//! environment), for `explain` and the generated READMEs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Level, SUGGESTION_BUDGET, Span, Suggester};
use crate::load::{Node, NodeKind};
use crate::model::{Config, RuleLevel};
use crate::resolve::Resolved;
use crate::source::FileId;

use super::{Finding, Rule, Safety, find_rule, join_names};

/// Code of the diagnostics about `policy.overrides` itself.
pub const CODE: &str = "policy";

/// One `policy.overrides` entry, resolved to its rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyOverride {
    /// The rule it overrides.
    pub rule: &'static Rule,
    /// The new level; `None` turns the rule off.
    pub level: Option<Level>,
    /// The environments it applies to; `None` for every environment (and for project-wide
    /// findings, which belong to no environment).
    pub environments: Option<Vec<String>>,
    /// The effective path it applies to (`services.api.env.PROJECT_ID`): findings about this
    /// value or anything under it; `None` for every finding of the rule.
    pub path: Option<String>,
    /// Why, as written.
    pub reason: String,
    /// Position of the entry in `policy.overrides` (its 0-based index is `index`).
    pub span: Span,
    /// Position of its `level:` value.
    pub level_span: Span,
    /// Index of the entry in `policy.overrides`.
    pub index: usize,
}

impl PolicyOverride {
    /// `off`, `warning` or `error`.
    pub fn level_text(&self) -> &'static str {
        match self.level {
            None => "off",
            Some(Level::Warning) => "warning",
            Some(Level::Error) => "error",
        }
    }

    /// Whether it turns its rule off.
    pub fn is_off(&self) -> bool {
        self.level.is_none()
    }

    /// Whether it would turn off or lower a [`Safety::Required`] rule: refused by [`validate`],
    /// and never applied.
    pub fn refused(&self) -> bool {
        self.rule.safety == Safety::Required && self.level.is_none_or(|l| l < self.rule.level)
    }

    /// Whether it applies in environment `env`.
    pub fn applies_to_environment(&self, env: &str) -> bool {
        self.environments
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == env))
    }

    /// Whether it applies to a finding of `rule` in `env` (`None`: project-wide) about `path`.
    pub fn matches(&self, rule: &Rule, env: Option<&str>, path: &str) -> bool {
        if self.rule.code != rule.code {
            return false;
        }
        // A project-wide finding belongs to no environment: only an override of every one.
        let env_ok = match env {
            None => self.environments.is_none(),
            Some(e) => self.applies_to_environment(e),
        };
        let path_ok = self.path.as_deref().is_none_or(|p| {
            path == p || (path.starts_with(p) && path.as_bytes().get(p.len()) == Some(&b'.'))
        });
        env_ok && path_ok
    }

    /// One line for people: `TG012 plaintext-secret: off in `staging` for services.api.env.X — reason`.
    pub fn describe(&self) -> String {
        let envs = match &self.environments {
            None => "every environment".to_string(),
            Some(names) => join_names(names),
        };
        let path = self
            .path
            .as_deref()
            .map(|p| format!(", for `{p}`"))
            .unwrap_or_default();
        format!(
            "{} {}: {} in {envs}{path} (default {}): {}",
            self.rule.code,
            self.rule.name,
            self.level_text(),
            match self.rule.level {
                Level::Error => "error",
                Level::Warning => "warning",
            },
            self.reason
        )
    }
}

/// The entries of `policy.overrides` that name a known rule, in file order. (Unknown and
/// retired rules are reported by the schema check.)
pub fn from_config(root: &Node, config: &Config) -> Vec<PolicyOverride> {
    let Some(spec) = &config.policy else {
        return Vec::new();
    };
    let nodes: &[Node] = match root
        .get("policy")
        .and_then(|p| p.get("overrides"))
        .map(|n| &n.kind)
    {
        Some(NodeKind::Seq(items)) => items,
        _ => &[],
    };
    spec.overrides
        .iter()
        .enumerate()
        .filter_map(|(index, o)| {
            let rule = find_rule(&o.rule)?;
            let node = nodes.get(index);
            let span = node.map(|n| n.span).unwrap_or(root.span);
            let level_span = node
                .and_then(|n| n.get("level"))
                .map(|n| n.span)
                .unwrap_or(span);
            Some(PolicyOverride {
                rule,
                level: match o.level {
                    RuleLevel::Off => None,
                    RuleLevel::Warning => Some(Level::Warning),
                    RuleLevel::Error => Some(Level::Error),
                },
                environments: o.environments.clone(),
                path: o.path.clone().map(|p| p.trim().to_string()),
                reason: o.reason.trim().to_string(),
                span,
                level_span,
                index,
            })
        })
        .collect()
}

/// Applies the overrides to the findings: the last matching entry decides the level or drops
/// the finding; a changed level is noted with the reason.
pub(crate) fn apply(
    _file: FileId,
    overrides: &[PolicyOverride],
    findings: Vec<Finding>,
) -> Vec<Finding> {
    if overrides.is_empty() {
        return findings;
    }
    findings
        .into_iter()
        .filter_map(|mut f| {
            let Some(o) = overrides
                .iter()
                .rev()
                .find(|o| !o.refused() && o.matches(f.rule, f.env.as_deref(), &f.place.path))
            else {
                return Some(f);
            };
            let level = o.level?;
            if level != f.level {
                f.notes.push(format!(
                    "{} by `policy.overrides` (line {}): {}",
                    match level {
                        Level::Warning => "downgraded to a warning",
                        Level::Error => "raised to an error",
                    },
                    o.span.line,
                    o.reason
                ));
            }
            f.level = level;
            Some(f)
        })
        .collect()
}

/// Checks what the schema cannot: environment names and paths that exist. Also warns, on every
/// run, about safety rules turned off.
pub fn validate(file: FileId, root: &Node, resolved: &Resolved) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let items: &[Node] = match root
        .get("policy")
        .and_then(|p| p.get("overrides"))
        .map(|n| &n.kind)
    {
        Some(NodeKind::Seq(items)) => items,
        _ => &[],
    };
    let names: Vec<&str> = resolved
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let names_set: HashSet<&str> = names.iter().copied().collect();
    let mut suggester = Suggester::new(names.iter().copied());
    let mut known = KnownPaths::new(resolved);
    for o in &resolved.policy_overrides {
        let Some(item) = items.get(o.index) else {
            continue;
        };
        if let Some(NodeKind::Seq(envs)) = item.get("environments").map(|n| &n.kind) {
            for e in envs {
                let NodeKind::Str(name) = &e.kind else {
                    continue;
                };
                if names_set.contains(name.as_str()) {
                    continue;
                }
                let mut d = Diagnostic::error(
                    CODE,
                    format!("`policy.overrides` names environment `{name}`, which does not exist"),
                )
                .at(file, Some(e.span))
                .expected(format!("one of: {}", super::list(&names)));
                d = match suggester.suggest(name) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help("name environments defined under `environments:`"),
                };
                out.push(d);
            }
        }
        if let Some(path) = &o.path {
            let span = item.get("path").map(|n| n.span).or(Some(o.span));
            if let Some(d) = check_path(file, span, path, o, &mut known) {
                out.push(d);
            }
        }
        if o.refused() {
            out.push(
                Diagnostic::error(
                    CODE,
                    format!(
                        "rule {} (`{}`) cannot be {}: with it off, what tofugen generates would be refused (by OpenTofu, Prometheus or GitHub) or say what the configuration does not",
                        o.rule.code,
                        o.rule.name,
                        if o.is_off() {
                            "turned off"
                        } else {
                            "lowered to a warning"
                        }
                    ),
                )
                .at(file, Some(o.level_span))
                .expected("no override of this rule (or `level: error`)")
                .help(format!(
                    "remove this override and fix what {} reports: {}",
                    o.rule.code, o.rule.title
                ))
                .note(format!("rule {}: {}", o.rule.code, o.rule.rationale)),
            );
        } else if o.is_off() && o.rule.safety != Safety::Ordinary {
            let kind = match o.rule.safety {
                Safety::Production => "production safety",
                _ => "security",
            };
            let envs = match &o.environments {
                None => "every environment".to_string(),
                // The schema refuses an empty list; never end the sentence on nothing.
                Some(n) if n.is_empty() => "no environment".to_string(),
                Some(n) => join_names(n),
            };
            let scope = o
                .path
                .as_deref()
                .map(|p| format!(" for `{p}`"))
                .unwrap_or_default();
            out.push(
                Diagnostic::warning(
                    CODE,
                    format!(
                        "{kind} rule {} (`{}`) is turned off in {envs}{scope}",
                        o.rule.code, o.rule.name
                    ),
                )
                .at(file, Some(o.level_span))
                .expected(format!("{kind} rules left on"))
                .help("remove this override as soon as its reason no longer holds; `tofugen explain` lists every override")
                .note(format!("reason given: {}", o.reason))
                .note(format!("rule {}: {}", o.rule.code, o.rule.rationale)),
            );
        }
    }
    out
}

/// The effective paths of the environments, for the overrides' `path`s: each environment's
/// found once, when an override first needs it, and all of them together for the overrides
/// that apply to every environment. Looking a path up is a search in a sorted set, so that
/// checking K overrides against S services is K log S, not K x S.
struct KnownPaths<'r> {
    resolved: &'r Resolved,
    index: HashMap<&'r str, usize>,
    /// Paths outside any environment (`project`, `versions.*`, `ci.*`).
    base: BTreeSet<String>,
    per_env: Vec<Option<BTreeSet<String>>>,
    all: Option<BTreeSet<String>>,
    /// The children under a prefix, by the overrides' `environments` and the prefix: found
    /// once for the suggestions of the overrides that share them.
    children: HashMap<(Option<Vec<String>>, String), Vec<String>>,
    /// Work left for did-you-mean over the whole run (see [`Suggester`]).
    budget: usize,
}

impl<'r> KnownPaths<'r> {
    fn new(resolved: &'r Resolved) -> Self {
        let mut base: BTreeSet<String> = BTreeSet::new();
        base.insert("project".to_string());
        for key in [
            "opentofu",
            "scaleway_provider",
            "random_provider",
            "scaleway_cli",
        ] {
            base.insert(format!("versions.{key}"));
        }
        for key in ["runner", "branch", "app_repository"] {
            base.insert(format!("ci.{key}"));
        }
        let index = resolved
            .environments
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        Self {
            resolved,
            index,
            base,
            per_env: vec![None; resolved.environments.len()],
            all: None,
            children: HashMap::new(),
            budget: SUGGESTION_BUDGET,
        }
    }

    fn paths_of(env: &crate::resolve::ResolvedEnvironment) -> BTreeSet<String> {
        let mut known: BTreeSet<String> = crate::report::effective_view(env).into_keys().collect();
        // On a copy: the merged tree built for it is dropped with it.
        known.extend(env.origins.clone().paths());
        known
    }

    /// The sets of paths an override applies to, built if needed.
    fn sets(&mut self, o: &PolicyOverride) -> Vec<&BTreeSet<String>> {
        match &o.environments {
            None => {
                if self.all.is_none() {
                    let mut all = BTreeSet::new();
                    for env in &self.resolved.environments {
                        all.extend(Self::paths_of(env));
                    }
                    self.all = Some(all);
                }
                let all = self.all.as_ref().expect("built above");
                vec![&self.base, all]
            }
            Some(names) => {
                let mut wanted: Vec<usize> = names
                    .iter()
                    .filter_map(|n| self.index.get(n.as_str()).copied())
                    .collect();
                wanted.sort_unstable();
                wanted.dedup();
                for &i in &wanted {
                    if self.per_env[i].is_none() {
                        self.per_env[i] = Some(Self::paths_of(&self.resolved.environments[i]));
                    }
                }
                let mut out = vec![&self.base];
                out.extend(wanted.iter().filter_map(|&i| self.per_env[i].as_ref()));
                out
            }
        }
    }
}

/// Whether `p`, or a path under it, is in `set`.
fn has_path(set: &BTreeSet<String>, p: &str) -> bool {
    if set.contains(p) {
        return true;
    }
    let under = format!("{p}.");
    set.range::<str, _>((Bound::Included(under.as_str()), Bound::Unbounded))
        .next()
        .is_some_and(|k| k.starts_with(&under))
}

/// The first steps of the paths under `prefix` (every path's first step when it is empty).
fn children_in<'s>(set: &'s BTreeSet<String>, prefix: &str, out: &mut BTreeSet<&'s str>) {
    if prefix.is_empty() {
        out.extend(set.iter().map(|k| k.split('.').next().unwrap_or(k)));
        return;
    }
    let under = format!("{prefix}.");
    for k in set.range::<str, _>((Bound::Included(under.as_str()), Bound::Unbounded)) {
        let Some(rest) = k.strip_prefix(under.as_str()) else {
            break;
        };
        out.insert(rest.split('.').next().unwrap_or(rest));
    }
}

/// An error when `path` names nothing in the environments the override applies to.
fn check_path(
    file: FileId,
    span: Option<Span>,
    path: &str,
    o: &PolicyOverride,
    known: &mut KnownPaths<'_>,
) -> Option<Diagnostic> {
    let first = path.split('.').next().unwrap_or("");
    if first == "defaults" || first == "environments" {
        let rest: Vec<&str> = path.split('.').collect();
        let (fix, env) = match rest.as_slice() {
            ["defaults", tail @ ..] => (tail.join("."), None),
            ["environments", env, tail @ ..] => (tail.join("."), Some(*env)),
            _ => (String::new(), None),
        };
        let help = match env {
            Some(e) => format!("write `path: {fix}` with `environments: [{e}]`"),
            None => format!("write `path: {fix}`"),
        };
        return Some(
            Diagnostic::error(
                CODE,
                format!("`policy.overrides` path `{path}` is a place in the file, not an effective path"),
            )
            .at(file, span)
            .expected("an effective path as `tofugen explain` prints it, e.g. `services.api.env.PROJECT_ID`")
            .help(help),
        );
    }
    let mut budget = known.budget;
    let mut cache = std::mem::take(&mut known.children);
    let sets = known.sets(o);
    let exists = |p: &str| sets.iter().any(|s| has_path(s, p));
    if exists(path) {
        known.children = cache;
        return None;
    }
    // The longest prefix that exists, and a suggestion for the step after it.
    let steps: Vec<&str> = path.split('.').collect();
    let mut good = 0;
    while good < steps.len() && exists(&steps[..=good].join(".")) {
        good += 1;
    }
    let prefix = steps[..good].join(".");
    // The children under the prefix, found once for the overrides that share them.
    let children: &Vec<String> = cache
        .entry((o.environments.clone(), prefix.clone()))
        .or_insert_with(|| {
            let mut out = BTreeSet::new();
            for s in &sets {
                children_in(s, &prefix, &mut out);
            }
            out.into_iter().map(str::to_string).collect()
        });
    let wrong = steps.get(good).copied().unwrap_or("");
    let mut d = Diagnostic::error(
        CODE,
        format!("`policy.overrides` path `{path}` names nothing in the configuration"),
    )
    .at(file, span)
    .expected(if prefix.is_empty() {
        "an effective path as `tofugen explain` prints it, e.g. `services.api.env.PROJECT_ID`"
            .to_string()
    } else {
        format!("a path under `{prefix}`")
    });
    let suggestion = if wrong.len() <= 64 && children.len() <= 10_000 {
        let mut suggester = Suggester::with_budget(children.iter().map(String::as_str), budget);
        let m = suggester.suggest(wrong);
        budget = suggester.remaining();
        m
    } else {
        None
    };
    d = match suggestion {
        Some(m) => {
            let mut fixed: Vec<&str> = steps.clone();
            fixed[good] = m;
            let whole = fixed.join(".");
            if exists(&whole) {
                d.help(format!("did you mean `{whole}`?"))
            } else {
                d.help(format!(
                    "did you mean `{}`? (`tofugen explain ENV` shows what lies under it)",
                    fixed[..=good].join(".")
                ))
            }
        }
        None => d.help("run `tofugen explain ENV` to see the paths of the effective configuration"),
    };
    known.budget = budget;
    known.children = cache;
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(path: Option<&str>, envs: Option<&[&str]>) -> PolicyOverride {
        PolicyOverride {
            rule: find_rule("TG012").unwrap(),
            level: None,
            environments: envs.map(|e| e.iter().map(|s| s.to_string()).collect()),
            path: path.map(str::to_string),
            reason: "r".into(),
            span: Span::default(),
            level_span: Span::default(),
            index: 0,
        }
    }

    #[test]
    fn matching_by_rule_environment_and_path() {
        let tg012 = find_rule("plaintext-secret").unwrap();
        let tg001 = find_rule("TG001").unwrap();
        let any = o(None, None);
        assert!(any.matches(tg012, Some("staging"), "services.api.env.X"));
        assert!(any.matches(tg012, None, "versions.opentofu"));
        assert!(!any.matches(tg001, Some("staging"), ""));
        let scoped = o(Some("services.api"), Some(&["staging"]));
        assert!(scoped.matches(tg012, Some("staging"), "services.api.env.X"));
        assert!(scoped.matches(tg012, Some("staging"), "services.api"));
        assert!(!scoped.matches(tg012, Some("staging"), "services.apiary.env.X"));
        assert!(!scoped.matches(tg012, Some("production"), "services.api.env.X"));
        assert!(!scoped.matches(tg012, None, "services.api.env.X"));
    }
}
