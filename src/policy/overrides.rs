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

use std::collections::BTreeSet;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Level, Span, did_you_mean};
use crate::load::{Node, NodeKind};
use crate::model::{Config, RuleLevel};
use crate::resolve::Resolved;

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
        let env_ok = match (env, &self.environments) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(e), Some(names)) => names.iter().any(|n| n == e),
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
    _file: &str,
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
                .find(|o| o.matches(f.rule, f.env.as_deref(), &f.place.path))
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
pub fn validate(file: &str, root: &Node, resolved: &Resolved) -> Vec<Diagnostic> {
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
    for o in &resolved.policy_overrides {
        let Some(item) = items.get(o.index) else {
            continue;
        };
        if let Some(NodeKind::Seq(envs)) = item.get("environments").map(|n| &n.kind) {
            for e in envs {
                let NodeKind::Str(name) = &e.kind else {
                    continue;
                };
                if names.contains(&name.as_str()) {
                    continue;
                }
                let mut d = Diagnostic::error(
                    CODE,
                    format!("`policy.overrides` names environment `{name}`, which does not exist"),
                )
                .at(file, Some(e.span))
                .expected(format!("one of: {}", super::list(&names)));
                d = match did_you_mean(name, names.iter().copied()) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help("name environments defined under `environments:`"),
                };
                out.push(d);
            }
        }
        if let Some(path) = &o.path {
            let span = item.get("path").map(|n| n.span).or(Some(o.span));
            if let Some(d) = check_path(file, span, path, o, resolved) {
                out.push(d);
            }
        }
        if o.is_off() && o.rule.safety != Safety::Ordinary {
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

/// An error when `path` names nothing in the environments the override applies to.
fn check_path(
    file: &str,
    span: Option<Span>,
    path: &str,
    o: &PolicyOverride,
    resolved: &Resolved,
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
    let mut known: BTreeSet<String> = BTreeSet::new();
    known.insert("project".to_string());
    for key in [
        "opentofu",
        "scaleway_provider",
        "random_provider",
        "scaleway_cli",
    ] {
        known.insert(format!("versions.{key}"));
    }
    for key in ["runner", "branch", "app_repository"] {
        known.insert(format!("ci.{key}"));
    }
    for env in &resolved.environments {
        if !o.applies_to_environment(&env.name) {
            continue;
        }
        known.extend(crate::report::effective_view(env).into_keys());
        // On a copy: the merged tree built for it is dropped with it.
        known.extend(env.origins.clone().paths());
    }
    let exists = |p: &str| {
        known
            .iter()
            .any(|k| k == p || (k.starts_with(p) && k.as_bytes().get(p.len()) == Some(&b'.')))
    };
    if exists(path) {
        return None;
    }
    // The longest prefix that exists, and a suggestion for the step after it.
    let steps: Vec<&str> = path.split('.').collect();
    let mut good = 0;
    while good < steps.len() && exists(&steps[..=good].join(".")) {
        good += 1;
    }
    let prefix = steps[..good].join(".");
    let children: BTreeSet<&str> = known
        .iter()
        .filter_map(|k| {
            let rest = if prefix.is_empty() {
                Some(k.as_str())
            } else {
                k.strip_prefix(prefix.as_str())?.strip_prefix('.')
            };
            rest.map(|r| r.split('.').next().unwrap_or(r))
        })
        .collect();
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
        did_you_mean(wrong, children.iter().copied())
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
