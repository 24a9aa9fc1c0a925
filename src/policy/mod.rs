//! Stage 4, policy: semantic rules over the resolved environments, each with a stable code.
//!
//! The schema says what the file may hold; these rules say what makes sense on Scaleway and in
//! production. The rules form a registry, the way a linter's do: every [`Rule`] has a stable
//! code (`TG001`), a kebab-case name (`production-min-instances`), a default level, a title, a
//! rationale and two example fragments (`bad` and `good`). Each rule family lives in one file
//! under [`rules`], its rules' metadata beside their checks; [`registry`] lists them all.
//!
//! Every finding names the rule, the environment and the effective path of the value it is
//! about (`services.api.scale.min`), and points at that value; when the value is a built-in
//! default (nothing written), it points at the key of the service, database or environment that
//! inherits it, and the help says what to write where. The `policy.overrides` section of the
//! configuration turns a rule off or changes its level, by environment and by path
//! ([`overrides`]); a value written under `defaults:` is checked once per environment that
//! inherits it, and the same finding at the same place is reported once, naming every
//! environment concerned.
//!
//! # Adding a rule
//! 1. Pick the family file under `src/policy/rules/` (or add one and list it in
//!    [`rules::FAMILIES`]); declare a `pub const TGxxx: Rule` with the next free code, a name,
//!    a level, a title, a rationale and a `bad` and a `good` fragment;
//! 2. add it to the family's `RULES` list and report findings with `c.push(&TGxxx, …)`;
//! 3. run `TOFUGEN_UPDATE_README=1 cargo test` to refresh the README's table. The tests check
//!    that `bad` triggers the rule and `good` does not, once merged into [`examples::BASE`].

pub mod examples;
pub mod named_values;
pub mod overrides;
pub mod rules;
pub mod secret_scan;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Level, Span, did_you_mean};
use crate::load::{Key, Node};
use crate::resolve::{Resolved, ResolvedEnvironment};
use crate::schema_check::SourceIndex;
use crate::source::FileId;

pub use overrides::PolicyOverride;

/// Why turning a rule off deserves a warning on every run, or is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// An ordinary rule: overrides are listed by `explain` but are otherwise silent.
    Ordinary,
    /// The rule keeps production available or its data safe.
    Production,
    /// The rule keeps credentials out of the repository and the outputs.
    Security,
    /// tofugen's output depends on it: with it off, the generated files would be invalid (a
    /// workflow GitHub refuses, a root `tofu validate` refuses on a module's `validation`, alert
    /// rules promtool refuses) or say something the configuration does not (a port nobody
    /// wrote, a secret silently left out). `policy.overrides` cannot turn it off or lower it to
    /// a warning (sweep 27, F5 and F6: TG119 off generated `needs: []`, TG009 off a hidden port
    /// 8080; sweep 56: nineteen rules whose bounds the modules or Prometheus enforce again, or
    /// whose absence dropped a secret).
    Required,
}

/// One policy rule: its identity, its default level, what it demands and why, with examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable code, e.g. `TG001`. Codes are never reused.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `production-min-instances`; `policy.overrides` accepts it
    /// wherever it accepts the code.
    pub name: &'static str,
    /// Level of its findings unless `policy.overrides` says otherwise.
    pub level: Level,
    /// Whether turning it off prints a warning on every run.
    pub safety: Safety,
    /// One line: what the rule demands.
    pub title: &'static str,
    /// Why it exists.
    pub rationale: &'static str,
    /// A configuration fragment that breaks the rule, merged into [`examples::BASE`].
    pub bad: &'static str,
    /// The same fragment, fixed.
    pub good: &'static str,
}

/// A code that is no longer a policy rule, and why: codes are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retired {
    /// The former code.
    pub code: &'static str,
    /// The former name.
    pub name: &'static str,
    /// What replaced it.
    pub reason: &'static str,
}

/// Codes that were rules once; `policy.overrides` refuses them with this explanation.
pub const RETIRED: [Retired; 2] = [
    Retired {
        code: "TG021",
        name: "env-var-names",
        reason: "the schema requires environment variable names to match `^[A-Z_][A-Z0-9_]*$` and secret names `^[A-Z][A-Z0-9_]*$`, both of at most 100 characters",
    },
    Retired {
        code: "TG045",
        name: "region-products",
        reason: "the schema accepts only the regions that offer every product the generated roots use (fr-par, nl-ams, pl-waw)",
    },
];

/// Every policy rule, in code order.
pub fn registry() -> &'static [Rule] {
    static ALL: OnceLock<Vec<Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Rule> = rules::FAMILIES
            .iter()
            .flat_map(|(_, rules)| rules.iter().copied())
            .collect();
        all.sort_by_key(|r| r.code);
        all
    })
}

/// The family (file under `src/policy/rules/`) a rule belongs to.
pub fn family(rule: &Rule) -> &'static str {
    rules::FAMILIES
        .iter()
        .find(|(_, rules)| rules.iter().any(|r| r.code == rule.code))
        .map(|(name, _)| *name)
        .unwrap_or("")
}

/// The rule whose code or name is `text` (codes are matched without regard to case).
pub fn find_rule(text: &str) -> Option<&'static Rule> {
    let text = text.trim();
    registry()
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(text) || r.name == text)
}

/// The retired code or name `text`, if it is one.
pub fn find_retired(text: &str) -> Option<&'static Retired> {
    let text = text.trim();
    RETIRED
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(text) || r.name == text)
}

/// The closest rule code or name to `text`, for did-you-mean.
pub fn suggest_rule(text: &str) -> Option<&'static str> {
    if text.len() > 64 {
        return None;
    }
    let candidates = registry()
        .iter()
        .flat_map(|r| [r.code, r.name])
        .chain(RETIRED.iter().flat_map(|r| [r.code, r.name]));
    did_you_mean(text, candidates)
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

fn level_cell(rule: &Rule) -> String {
    match rule.safety {
        Safety::Ordinary => level_word(rule.level).to_string(),
        Safety::Production => format!("{} (production safety)", level_word(rule.level)),
        Safety::Security => format!("{} (security)", level_word(rule.level)),
        Safety::Required => format!("{} (required)", level_word(rule.level)),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The registry as the Markdown table of the README (between `<!-- rules:start -->` and
/// `<!-- rules:end -->`), printed by `tofugen rules --markdown`.
pub fn rules_markdown() -> String {
    let mut out = String::from("| code | name | level | rule | why |\n|---|---|---|---|---|\n");
    for r in registry() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            r.code,
            r.name,
            level_cell(r),
            cell(r.title),
            cell(r.rationale)
        );
    }
    out.push('\n');
    let retired: Vec<String> = RETIRED
        .iter()
        .map(|r| format!("{} (`{}`: {})", r.code, r.name, r.reason))
        .collect();
    let _ = writeln!(out, "Retired codes, never reused: {}.", retired.join("; "));
    out
}

/// The registry as an aligned text table, printed by `tofugen rules`.
pub fn rules_text() -> String {
    let rows: Vec<[String; 4]> = registry()
        .iter()
        .map(|r| {
            [
                r.code.to_string(),
                r.name.to_string(),
                level_cell(r),
                r.title.to_string(),
            ]
        })
        .collect();
    let header = [
        "CODE".to_string(),
        "NAME".to_string(),
        "LEVEL".to_string(),
        "RULE".to_string(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
    }
    out.push_str(
        "\n`tofugen rules CODE` shows a rule's rationale and examples; `policy.overrides` in the configuration turns a rule off or changes its level.\n",
    );
    out
}

/// One rule in full, printed by `tofugen rules CODE`: title, rationale, examples and how to
/// override it.
pub fn describe_rule(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}: {}", rule.code, rule.name, rule.title);
    let _ = writeln!(out);
    let _ = writeln!(out, "level:  {}", level_cell(rule));
    let _ = writeln!(out, "family: {}", family(rule));
    let _ = writeln!(out, "why:    {}", rule.rationale);
    match rule.safety {
        Safety::Ordinary => {}
        Safety::Required => {
            let _ = writeln!(out, "        {REQUIRED_NOTE}.");
        }
        _ => {
            let _ = writeln!(
                out,
                "        Turning it off needs a reason and prints a warning on every run."
            );
        }
    }
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let _ = writeln!(
        out,
        "\nbad (merged into a minimal valid configuration, this is reported):"
    );
    out.push_str(&indent(rule.bad));
    let _ = writeln!(out, "\ngood:");
    out.push_str(&indent(rule.good));
    if rule.safety != Safety::Required {
        let _ = writeln!(out, "\nto turn it off or change its level, with a reason:");
        out.push_str(&indent(&override_example(rule)));
    }
    out
}

/// What the rule listings say of a [`Safety::Required`] rule.
const REQUIRED_NOTE: &str = "Required: with it off, what tofugen generates would be refused (by \
                             OpenTofu, Prometheus or GitHub) or say what the configuration does \
                             not, so `policy.overrides` cannot turn it off or lower it to a warning";

/// The `policy.overrides` entry that turns `rule` off, with its optional keys.
fn override_example(rule: &Rule) -> String {
    format!(
        "policy:\n  overrides:\n    - rule: {}\n      level: off            # or warning, error\n      environments: [staging]  # optional: default every environment\n      path: services.api       # optional: only findings about this value and below\n      reason: why this rule does not apply here",
        rule.name
    )
}

/// One rule in full as Markdown, printed by `tofugen rules CODE --markdown`: what
/// [`describe_rule`] prints, with the examples in fenced YAML blocks.
pub fn describe_rule_markdown(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {} `{}`\n", rule.code, rule.name);
    let _ = writeln!(out, "{}\n", rule.title);
    let _ = writeln!(
        out,
        "- level: {}\n- family: {}\n- why: {}",
        level_cell(rule),
        family(rule),
        rule.rationale
    );
    match rule.safety {
        Safety::Ordinary => {}
        Safety::Required => {
            let _ = writeln!(out, "- {}", REQUIRED_NOTE.to_lowercase());
        }
        _ => {
            let _ = writeln!(
                out,
                "- turning it off needs a reason and prints a warning on every run"
            );
        }
    }
    let _ = writeln!(
        out,
        "\nBad (merged into a minimal valid configuration, this is reported):\n"
    );
    out.push_str(&fenced_yaml(rule.bad));
    let _ = writeln!(out, "\nGood:\n");
    out.push_str(&fenced_yaml(rule.good));
    if rule.safety != Safety::Required {
        let _ = writeln!(
            out,
            "\nTo turn it off or change its level, with a reason:\n"
        );
        out.push_str(&fenced_yaml(&override_example(rule)));
    }
    out
}

/// `body` in a fenced `yaml` block whose fence is longer than any run of backticks in it.
fn fenced_yaml(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}yaml\n{}\n{fence}\n", body.trim_end_matches('\n'))
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

/// Placeholder for the environment name(s) in a finding's message, `expected`, help and notes.
pub(crate) const ENV: &str = "\u{1}ENV\u{1}";

/// What a finding is about: the effective dotted path of the value (`services.api.scale.min`,
/// matched by `policy.overrides[].path`) and where to point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    /// Effective path, as `tofugen explain` prints it; empty for the environment itself.
    pub path: String,
    /// Position in the file.
    pub span: Option<Span>,
}

impl Place {
    /// A place at `span` about `path`.
    pub fn new(path: impl Into<String>, span: Option<Span>) -> Self {
        Place {
            path: path.into(),
            span,
        }
    }
}

/// A finding before overrides are applied and findings of several environments at the same
/// place are merged.
pub(crate) struct Finding {
    pub rule: &'static Rule,
    pub env: Option<String>,
    pub place: Place,
    pub level: Level,
    pub message: String,
    pub expected: String,
    pub help: String,
    pub notes: Vec<String>,
}

/// Collects findings for one run; the rule families push into it.
pub(crate) struct Checker<'a> {
    /// The tree the rules check (without values the schema rejected).
    pub root: &'a Node,
    /// The whole tree, as written.
    pub original: &'a Node,
    pub resolved: &'a Resolved,
    pub source: Option<&'a SourceIndex<'a>>,
    pub findings: Vec<Finding>,
    /// The secret parts of strings TG012 found, so that no diagnostic shows them.
    pub secrets: Vec<String>,
    /// Every secret name declared in `original` (under `defaults.secrets` or an environment's
    /// `secrets`) and nowhere in `root`: a declaration the schema refused, reported there.
    /// TG010 does not report a service's use of it again. Empty without schema errors: a name
    /// declared in another environment, or removed with `null`, is not declared here (sweep
    /// 38b R1: such a service deployed without the secret).
    pub refused_secrets: &'a HashSet<&'a str>,
    /// Every secret name declared somewhere in `root` (`defaults` or an environment): TG010's
    /// help says when the name is declared, but not where the service runs.
    pub declared_secrets: &'a HashSet<&'a str>,
    /// Each environment of `root` by name (its key and its node), found once: a lookup per
    /// finding in a list of 30 000 environments was quadratic.
    pub env_nodes: &'a HashMap<&'a str, (&'a Key, &'a Node)>,
    /// The containers and the memory at maximum scale of every environment together, each
    /// with the environment that needs the most (TG115, TG117), once known.
    pub(crate) totals: Option<rules::containers::Totals<'a>>,
    /// TG105's verdict on each alert expression seen, shared by the environments' checkers.
    pub promql: &'a rules::alerts::PromqlVerdicts,
    /// The values the schema refused ([`refused_values`]), found the first time
    /// [`Checker::refused_at`] is asked (only with schema errors).
    pub refused: &'a OnceLock<Refused<'a>>,
}

/// How many environments up an `extends` chain [`Checker::refused_at`] looks: configurations
/// have a few; a longer chain is read no further, and its finding is reported (marked as a
/// possible consequence), so that a hostile chain of 1 000 costs no more per finding.
const REFUSED_CHAIN: usize = 8;

/// The values of a tree the schema refused, and its `null` removals, by their path inside their
/// section (`services.api.port`), with the sections that wrote them (`None` for `defaults`, else
/// the environment's name) and whether each refused it (`true`) or removes it (`false`).
pub(crate) type Refused<'a> = HashMap<String, Vec<(Option<&'a str>, bool)>>;

/// The values of `original` (the tree as written) that `checked` (the same tree without the
/// values the schema refused) lacks, and the `null`s it keeps, under `defaults` and each
/// environment: a walk of both trees side by side, linear in their size (the keys `checked`
/// kept are in the same order). Sequences are not entered.
fn refused_values<'a>(original: &'a Node, checked: &Node) -> Refused<'a> {
    /// The entries of `original` beside what `checked` (the same mapping less some entries, in
    /// the same order) kept of each.
    fn beside<'o, 'c>(
        original: &'o Node,
        checked: &'c Node,
    ) -> impl Iterator<Item = (&'o Key, &'o Node, Option<&'c Node>)> {
        let mut kept = checked.entries().iter().peekable();
        original.entries().iter().map(move |(key, value)| {
            let kept = kept.next_if(|(k, _)| k.name == key.name).map(|(_, v)| v);
            (key, value, kept)
        })
    }
    fn walk<'a>(
        original: &'a Node,
        checked: &Node,
        path: &mut String,
        section: Option<&'a str>,
        out: &mut Refused<'a>,
    ) {
        for (key, value, kept) in beside(original, checked) {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key.name);
            match kept {
                Some(v) => {
                    if matches!(v.kind, crate::load::NodeKind::Null) {
                        out.entry(path.clone()).or_default().push((section, false));
                    }
                    walk(value, v, path, section, out);
                }
                None => out.entry(path.clone()).or_default().push((section, true)),
            }
            path.truncate(len);
        }
    }
    let mut out = Refused::new();
    let mut path = String::new();
    if let (Some(o), Some(c)) = (original.get("defaults"), checked.get("defaults")) {
        walk(o, c, &mut path, None, &mut out);
    }
    let (Some(o), Some(c)) = (original.get("environments"), checked.get("environments")) else {
        return out;
    };
    for (key, value, kept) in beside(o, c) {
        if let Some(v) = kept {
            walk(value, v, &mut path, Some(&key.name), &mut out);
        }
    }
    out
}

impl<'a> Checker<'a> {
    /// Whether the schema refused the value at `keys` (a path in an environment's section,
    /// `["services", name, "port"]`) that `env` would have had: the first of its own section,
    /// those it `extends` (up to [`REFUSED_CHAIN`] levels) and `defaults` that writes the path
    /// either had it refused or removes it with `null` (then `false`: the finding stands). A
    /// rule about a missing value (asked only once the value is missing) says nothing of a
    /// refused one: the schema error reports it, with its fix (s81, P1-3: `path: health` was a
    /// schema error, and TG008 said the probe checked nothing). `false` without schema errors.
    /// One lookup in [`refused_values`] per call; the index is built the first time it is
    /// asked.
    pub fn refused_at(&self, env: &str, keys: &[&str]) -> bool {
        if std::ptr::eq(self.original, self.root) {
            return false;
        }
        let refused = self
            .refused
            .get_or_init(|| refused_values(self.original, self.root));
        let Some(sections) = refused.get(&keys.join(".")) else {
            return false;
        };
        let decided = |section: Option<&str>| {
            sections
                .iter()
                .find(|(s, _)| *s == section)
                .map(|(_, refused)| *refused)
        };
        let mut name = Some(env);
        for _ in 0..=REFUSED_CHAIN {
            let Some(n) = name else { break };
            if let Some(refused) = decided(Some(n)) {
                return refused;
            }
            name = self.option_node(n, "extends").and_then(|e| match &e.kind {
                crate::load::NodeKind::Str(s) => Some(s.as_str()),
                _ => None,
            });
        }
        decided(None).unwrap_or(false)
    }

    /// A did-you-mean over `candidates` within one environment's share of
    /// [`crate::diagnostics::SUGGESTION_BUDGET`]: the per-environment rules together stay within
    /// the budget over the whole run, however many environments there are.
    pub(crate) fn env_suggester<'c>(
        &self,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> crate::diagnostics::Suggester<'c> {
        let share = crate::diagnostics::SUGGESTION_BUDGET / self.resolved.environments.len().max(1);
        crate::diagnostics::Suggester::with_budget(candidates, share)
    }

    /// The keys `env`'s own section adds under `path` (`["services"]`, `["alerts", "rules"]`)
    /// that `defaults` does not have and that are typos of a name `defaults` has there
    /// ([`crate::diagnostics::is_typo_of`]): each with its span and the name meant. `skip`
    /// leaves names out (found otherwise).
    pub(crate) fn added_typos(
        &self,
        env: &ResolvedEnvironment,
        path: &[&str],
        skip: impl Fn(&str) -> bool,
    ) -> Vec<(String, Span, String)> {
        let at = |mut node: Option<&'a Node>| {
            for key in path {
                node = node.and_then(|n| n.get(key));
            }
            node
        };
        let Some(own) = at(self.env_nodes.get(env.name.as_str()).map(|(_, node)| *node)) else {
            return Vec::new();
        };
        let defaults: HashSet<&str> = at(self.original.get("defaults"))
            .map_or(&[][..], Node::entries)
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        // Budgeted: thousands of near misses against thousands of default names took minutes
        // (sweep 59a, F2).
        let mut suggester = self.env_suggester(defaults.iter().copied());
        own.entries()
            .iter()
            .filter(|(key, _)| !defaults.contains(key.name.as_str()) && !skip(&key.name))
            .filter_map(|(key, _)| {
                let meant = suggester
                    .suggest(&key.name)
                    .filter(|m| crate::diagnostics::is_typo_of(&key.name, m))?;
                Some((key.name.clone(), key.span, meant.to_string()))
            })
            .collect()
    }

    /// Records a finding of `rule` in `env` (`None`: project-wide) at `place`.
    pub fn push(
        &mut self,
        rule: &'static Rule,
        env: Option<&ResolvedEnvironment>,
        place: Place,
        message: String,
        expected: impl Into<String>,
        help: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            rule,
            env: env.map(|e| e.name.clone()),
            place,
            level: rule.level,
            message,
            expected: expected.into(),
            help: help.into(),
            notes: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// Position of the key of environment `name` in `environments:`.
    pub fn env_key(&self, name: &str) -> Option<Span> {
        self.env_nodes
            .get(name)
            .map(|(k, _)| k.span)
            .or(Some(self.root.span))
    }

    /// The environment itself (its key).
    pub fn env_place(&self, env: &ResolvedEnvironment) -> Place {
        Place::new("", self.env_key(&env.name))
    }

    /// " (first at line L, column C)": where the first of a repeated item is, by its line in the
    /// file rather than a list index (after the schema left an item out, indexes would not be
    /// the file's); empty when `path` has no position.
    pub fn first_at(&self, env: &ResolvedEnvironment, path: &str) -> String {
        match self.at(env, path).span {
            Some(s) => format!(" (first at line {}, column {})", s.line, s.col),
            None => String::new(),
        }
    }

    /// The value at dotted `path`: the value itself when written; otherwise (a built-in
    /// default) the key of the closest enclosing entry that was written, else the environment's
    /// key.
    pub fn at(&self, env: &ResolvedEnvironment, path: &str) -> Place {
        if let Some(o) = env.origins.get(path) {
            return Place::new(path, Some(o.span));
        }
        self.key_above(env, path)
    }

    /// The key that set `path`, else as [`Checker::at`].
    pub fn key_at(&self, env: &ResolvedEnvironment, path: &str) -> Place {
        match env.origins.key(path) {
            Some(s) => Place::new(path, Some(s)),
            None => self.at(env, path),
        }
    }

    /// `path`, positioned at the key of the closest enclosing entry that was written.
    pub fn key_above(&self, env: &ResolvedEnvironment, path: &str) -> Place {
        match env.origins.enclosing_key(path) {
            Some(s) => Place::new(path, Some(s)),
            None => Place::new(path, self.env_key(&env.name)),
        }
    }

    /// Whether `path` was written in the file (not a built-in default).
    pub fn written(&self, env: &ResolvedEnvironment, path: &str) -> bool {
        env.origins.contains(path)
    }

    /// As [`Checker::written`], for a path given as its keys (`["services", name, "port"]`):
    /// nothing is formatted or split, for the rules that ask about every service.
    pub fn written_at(&self, env: &ResolvedEnvironment, keys: &[&str]) -> bool {
        env.origins.contains_at(keys)
    }

    /// The effective node of a path given as its keys (`["services", name, "env", key]`), as
    /// written (in whichever section set it).
    pub fn raw_at<'e>(&self, env: &'e ResolvedEnvironment, keys: &[&str]) -> Option<&'e Node> {
        env.origins.node_at(keys)
    }

    /// An environment option (`tier`, `promote_from`, ...) as written for `env` (not `null`),
    /// looked up in the index of environments (never a scan of them).
    pub fn option_node(&self, env: &str, key: &str) -> Option<&Node> {
        self.env_nodes
            .get(env)
            .and_then(|(_, e)| e.get(key))
            .filter(|n| !matches!(n.kind, crate::load::NodeKind::Null))
    }

    /// An environment option (`tier`, `promote_from`, ...): its value, else the environment's
    /// key.
    pub fn option_at(&self, env: &str, key: &str) -> Place {
        let span = self
            .env_nodes
            .get(env)
            .and_then(|(_, e)| e.get(key))
            .map(|n| n.span)
            .or_else(|| self.env_key(env));
        Place::new(key, span)
    }
}

/// Checks every rule on every environment, applies `policy.overrides`, and returns the
/// diagnostics. `root` is the loaded tree (for positions of values that are not
/// per-environment, and of environments' keys).
pub fn check(file: FileId, root: &Node, resolved: &Resolved) -> Vec<Diagnostic> {
    check_with_source(file, None, root, resolved)
}

/// As [`check`]; with the source text, findings inside a value (a secret in a long string)
/// point at the character instead of the value's start.
pub fn check_with_source(
    file: FileId,
    source: Option<&str>,
    root: &Node,
    resolved: &Resolved,
) -> Vec<Diagnostic> {
    check_pruned(file, source, None, root, resolved)
}

/// As [`check_with_source`] on `root`, a tree without the values the schema rejected; the
/// secret rule scans `original`, the whole tree, when given: a secret is reported even in a
/// value that is also out of its domain.
pub fn check_pruned(
    file: FileId,
    source: Option<&str>,
    original: Option<&Node>,
    root: &Node,
    resolved: &Resolved,
) -> Vec<Diagnostic> {
    check_pruned_in_rounds(
        file,
        source,
        original,
        root,
        resolved,
        rules::SERVICES_PER_ROUND,
    )
}

/// [`check_pruned`], the environments checked in rounds of `per_round` services at least
/// ([`rules::check_all`]): the same diagnostics whatever the rounds.
pub(crate) fn check_pruned_in_rounds(
    file: FileId,
    source: Option<&str>,
    original: Option<&Node>,
    root: &Node,
    resolved: &Resolved,
    per_round: usize,
) -> Vec<Diagnostic> {
    let index = source.map(SourceIndex::new);
    let original = original.unwrap_or(root);
    let declared_secrets = written_secrets(root);
    let refused_secrets = if std::ptr::eq(original, root) {
        HashSet::new()
    } else {
        let mut refused = written_secrets(original);
        refused.retain(|name| !declared_secrets.contains(name));
        refused
    };
    let env_nodes = env_nodes(root);
    let promql = rules::alerts::PromqlVerdicts::default();
    let mut c = Checker {
        original,
        root,
        resolved,
        source: index.as_ref(),
        findings: Vec::new(),
        secrets: Vec::new(),
        refused_secrets: &refused_secrets,
        declared_secrets: &declared_secrets,
        env_nodes: &env_nodes,
        totals: None,
        promql: &promql,
        refused: &OnceLock::new(),
    };
    // Merged as they come, a few environments at a time: 20 000 services without a port in
    // 32 environments were 1.3 million findings held at once (review of stop 61).
    let mut merger = Merger::default();
    rules::check_all(&mut c, per_round, &mut |found| {
        merger.add(overrides::apply(file, &resolved.policy_overrides, found));
    });
    let mut diags = overrides::validate(file, root, resolved);
    diags.extend(rules::production::downgraded_tiers(&c, file));
    diags.extend(merger.finish(file));
    secret_scan::redact(&mut diags, &secret_scan::not_public(c.secrets, root));
    diags
}

/// The environments of `root` by name, with their keys.
fn env_nodes(root: &Node) -> HashMap<&str, (&Key, &Node)> {
    root.get("environments")
        .map_or(&[][..], Node::entries)
        .iter()
        .map(|(k, n)| (k.name.as_str(), (k, n)))
        .collect()
}

/// Every secret name declared in `original` as written: the keys of `defaults.secrets` and of
/// each environment's `secrets`.
fn written_secrets(original: &Node) -> HashSet<&str> {
    fn keys(n: &Node) -> Vec<&str> {
        n.get("secrets")
            .map(|s| s.entries().iter().map(|(k, _)| k.name.as_str()).collect())
            .unwrap_or_default()
    }
    let mut out: HashSet<&str> = HashSet::new();
    out.extend(original.get("defaults").map(keys).unwrap_or_default());
    for (_, env) in original.get("environments").map_or(&[][..], Node::entries) {
        out.extend(keys(env));
    }
    out
}

/// The verbs findings put right after [`ENV`], and their plural: the form a merged finding
/// about several environments takes.
const PLURAL_VERBS: [(&str, &str); 11] = [
    ("has", "have"),
    ("is", "are"),
    ("does", "do"),
    ("uses", "use"),
    ("promotes", "promote"),
    ("gets", "get"),
    ("runs", "run"),
    ("allows", "allow"),
    ("keeps", "keep"),
    ("pushes", "push"),
    ("enables", "enable"),
];

/// Findings that differ only by environment, merged as they are added ([`Merger::add`], in
/// the order the rules found them) and turned into diagnostics at the end
/// ([`Merger::finish`]): memory holds one group per finding and place, not every
/// environment's copy.
#[derive(Default)]
struct Merger {
    /// The groups by the hash of a finding's rule, place and message ([`Merger::hash`]); the
    /// index keeps this linear, and nothing is copied to look a finding up.
    index: HashMap<u64, Vec<usize>>,
    /// Each group's first finding and its environments, in the order first found.
    groups: Vec<(Finding, Vec<String>)>,
}

impl Merger {
    /// Adds `findings` to their groups, or starts new ones.
    fn add(&mut self, findings: Vec<Finding>) {
        for f in findings {
            let candidates = self.index.entry(Self::hash(&f)).or_default();
            let found = candidates
                .iter()
                .copied()
                .find(|&i| Self::same_group(&self.groups[i].0, &f));
            match found {
                // The same environment again (copies of one aliased value, all at its anchor:
                // sweep 36, F6) is listed once.
                Some(i) => {
                    let envs = &mut self.groups[i].1;
                    if let Some(env) = f.env
                        && envs.last() != Some(&env)
                    {
                        envs.push(env);
                    }
                }
                None => {
                    candidates.push(self.groups.len());
                    let envs = f.env.iter().cloned().collect();
                    self.groups.push((f, envs));
                }
            }
        }
    }

    /// The hash of `f`'s rule, place and message, which tell most groups apart
    /// ([`Merger::same_group`] compares the rest).
    fn hash(f: &Finding) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        (f.rule.code, f.place.span, &f.message).hash(&mut h);
        h.finish()
    }

    /// Whether `a` and `b` differ by their environment only.
    fn same_group(a: &Finding, b: &Finding) -> bool {
        a.rule.code == b.rule.code
            && a.place.span == b.place.span
            && a.level == b.level
            && a.message == b.message
            && a.expected == b.expected
            && a.help == b.help
            && a.notes == b.notes
    }

    /// The diagnostics: one per group, naming its environments.
    fn finish(self, file: FileId) -> Vec<Diagnostic> {
        let groups = self.groups;
        // Messages that several groups print at one place (the same finding with another
        // `expected` or help in each environment) name their environments, or they read as one
        // finding repeated (sweep 58c, F8: TG013 once per environment, only its list differing).
        let mut printed: BTreeMap<(&'static str, Option<Span>, &str), usize> = BTreeMap::new();
        for (f, _) in &groups {
            *printed
                .entry((f.rule.code, f.place.span, f.message.as_str()))
                .or_default() += 1;
        }
        let repeated: Vec<bool> = groups
            .iter()
            .map(|(f, envs)| {
                !envs.is_empty()
                    && !f.message.contains(ENV)
                    && printed[&(f.rule.code, f.place.span, f.message.as_str())] > 1
            })
            .collect();
        groups
            .into_iter()
            .zip(repeated)
            .map(|((mut f, envs), repeated)| {
                if repeated {
                    f.message.push_str(" (in ");
                    f.message.push_str(ENV);
                    f.message.push(')');
                }
                let r = f.rule;
                let names = join_names(&envs);
                // The placeholder may be anywhere a finding says something; a verb right after it
                // agrees with several names (sweep 33, #15: "`dev`, `staging` and `production` has
                // no database").
                let several = envs.len() > 1;
                let named = |text: String| {
                    if !text.contains(ENV) {
                        return text;
                    }
                    if !several {
                        return text.replace(ENV, &names);
                    }
                    let mut out = String::with_capacity(text.len() + names.len());
                    for (i, part) in text.split(ENV).enumerate() {
                        // The names are the verb's subject unless they follow `of` or
                        // `environment` (`the database of {ENV} is used by no service`).
                        let subject = !(out.ends_with(" of ") || out.ends_with("environment "));
                        let part = match PLURAL_VERBS.iter().find(|(one, _)| {
                            i > 0 && subject && part.starts_with(&format!(" {one} "))
                        }) {
                            Some((one, many)) => format!(" {many}{}", &part[one.len() + 1..]),
                            None => part.to_string(),
                        };
                        if i > 0 {
                            out.push_str(&names);
                        }
                        out.push_str(&part);
                    }
                    out
                };
                let message = named(f.message);
                let mut d = match f.level {
                    Level::Error => Diagnostic::error(r.code, message),
                    Level::Warning => Diagnostic::warning(r.code, message),
                }
                .at(file, f.place.span)
                .expected(named(f.expected))
                .help(named(f.help));
                for n in f.notes {
                    d = d.note(named(n));
                }
                d.note(format!("rule {}: {}", r.code, r.rationale))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

pub(crate) use crate::text::{MAX_LISTED, join_names};

/// `` `a`, `b`, `c` ``; past [`MAX_LISTED`] items, `` `a`, …, `h` and 12 more ``.
pub(crate) fn list(items: &[&str]) -> String {
    let shown = items
        .iter()
        .take(MAX_LISTED)
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX_LISTED {
        format!("{shown} and {} more", items.len() - MAX_LISTED)
    } else {
        shown
    }
}

/// As [`list`] of `items` without those equal to `except` (`total` of them are not), without
/// copying or counting the items.
pub(crate) fn list_except(items: &[&str], except: &str, total: usize) -> String {
    let shown = items
        .iter()
        .filter(|i| **i != except)
        .take(MAX_LISTED)
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if total > MAX_LISTED {
        format!("{shown} and {} more", total - MAX_LISTED)
    } else {
        shown
    }
}

/// ` (the built-in default)` when a value was not written in the file.
pub(crate) fn builtin_note(written: bool) -> &'static str {
    if written {
        ""
    } else {
        " (the built-in default)"
    }
}

/// A Scaleway resource name part: [`crate::schema_check::NAME_PATTERN`] (no trailing or
/// double `-`, as the modules require).
pub(crate) fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase()) && valid_module_name(name, usize::MAX)
}

/// `name` as the modules check Scaleway names: `^[a-z0-9]+(-[a-z0-9]+)*$`, at most `max`.
pub(crate) fn valid_module_name(name: &str, max: usize) -> bool {
    name.len() <= max
        && !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A valid Scaleway/HCL name close to `name` (`My_API` → `my-api`), when there is one.
pub(crate) fn name_fix(name: &str) -> Option<String> {
    let fixed: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut fixed = fixed.trim_matches('-').to_string();
    while fixed.contains("--") {
        fixed = fixed.replace("--", "-");
    }
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
    /// Container request timeout, seconds: "HTTP request duration (timeout), Min/max, 10 seconds
    /// to 60 minutes" (containers-limitations.mdx of scaleway/docs-content, validated 2025-09-17,
    /// commit f7c83c74; the version validated 2025-03-13 said "Max HTTP request duration, 15
    /// minutes"). Provider 2.81.0 has no validation on `timeout`
    /// (internal/services/container/container.go:129-134).
    pub const TIMEOUT_SECS: (u64, u64) = (10, 3600);
    /// Ports the Serverless Containers platform reserves.
    pub const RESERVED_PORTS: [u16; 6] = [8008, 8012, 8013, 8022, 9090, 9091];
    /// Most environment variables, and most secret environment variables, of one container:
    /// "Environment variables, Max number, 200, Container + namespace" (containers-limitations.mdx,
    /// validated 2025-09-17, commit f7c83c74; the version validated 2025-03-13 said 100). tofugen
    /// sets no namespace variables.
    pub const ENV_VARS: usize = 200;
    /// Longest plain environment variable value, in characters (same page).
    pub const ENV_VALUE_CHARS: usize = 1000;
    /// Native daily backup retention, days. Scaleway documents no maximum; 365 d is tofugen's
    /// sane bound: longer retention belongs to the monthly tier.
    pub const DAILY_RETENTION_DAYS: (u64, u64) = (1, 365);
    /// Weekly job retention, days (modules/backups `weekly.retention_days`: a weekly backup kept
    /// less than a week leaves days without any restore point of the tier). The CLI's
    /// `expires-at=+Nd` has no documented maximum; ten years is tofugen's bound.
    pub const WEEKLY_RETENTION_DAYS: (u64, u64) = (7, 3650);
    /// Monthly job retention, days (modules/backups `monthly.retention_days`, same reasons).
    pub const MONTHLY_RETENTION_DAYS: (u64, u64) = (28, 3650);
    /// Most read replicas of a database (modules/database `read_replicas`).
    pub const READ_REPLICAS: u32 = 3;
    /// Days non-current state versions are kept (modules/state-bucket `keep_versions_days`).
    pub const KEEP_VERSIONS_DAYS: (u64, u64) = (1, 3650);
    /// Production retention minimums: daily, weekly, monthly.
    pub const PRODUCTION_RETENTION_DAYS: (u64, u64, u64) = (30, 90, 365);
    /// Largest database volume, GB (modules/database `volume_size_in_gb`).
    pub const DATABASE_VOLUME_GB: u64 = 10_000;
    /// Longest database user (modules/database `user_name`: `<user>_admin` fits in 63).
    pub const DATABASE_USER: usize = 57;
    /// Longest environment name (modules/iam `environment`).
    pub const ENVIRONMENT_NAME: usize = 31;
    /// Longest Scaleway project name (modules/iam `project_name`: room for the suffixes of
    /// the application and policy names).
    pub const PROJECT_NAME: usize = 50;
    /// Longest backup job prefix (modules/backups `name`: room for `-monthly`).
    pub const BACKUP_NAME: usize = 55;
    /// Longest Scaleway resource name tofugen builds (`<project>-<env>-<service>`).
    pub const RESOURCE_NAME: usize = 63;
    /// Minimum OpenTofu version (write-only attributes, ephemeral resources).
    pub const OPENTOFU: (u64, u64, u64) = (1, 12, 2);
    /// Minimum Scaleway provider version: the release the vendored schema is extracted from and
    /// real OpenTofu proves the modules with (tests/tofu.rs). Older releases lack blocks the
    /// modules use: `retry_policy` on `scaleway_job_definition` came in 2.78.0 (absent from
    /// v2.77.1 `internal/services/jobs/jobs.go`), `noncurrent_version_expiration` on
    /// `scaleway_object_bucket` in 2.76.0; the releases in between were never proven.
    pub const SCALEWAY_PROVIDER: (u64, u64, u64) = (2, 81, 0);
    /// Minimum random provider version (ephemeral `random_password`).
    pub const RANDOM_PROVIDER: (u64, u64, u64) = (3, 7, 1);
    /// Generated secret length.
    pub const SECRET_LENGTH: (u32, u32) = (16, 1000);
}

#[cfg(test)]
pub(crate) mod tests;
