//! Runs the stages in order: load → schema check → resolve → policy → emit.
//!
//! Every stage reports all it finds; a later stage runs only when the earlier ones found no
//! error, because it would otherwise report consequences instead of causes.

use std::collections::BTreeMap;

use crate::diagnostics::{self, Diagnostic, Level};
use crate::load::{self, Node};
use crate::model::Config;
use crate::resolve::{self, Resolved};
use crate::{emit, policy, schema_check};

/// The outcome of compiling one `environments.yaml`.
#[derive(Debug, Default)]
pub struct Compilation {
    /// Source text (for rendering diagnostics); `None` when the file could not be read as text.
    pub source: Option<String>,
    /// Every error and warning, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// The loaded tree, when the file parsed.
    pub tree: Option<Node>,
    /// The resolved environments, when the configuration is valid enough to resolve.
    pub resolved: Option<Resolved>,
    /// Every generated file by path relative to the repository root; empty on error.
    pub files: BTreeMap<String, String>,
}

impl Compilation {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }
}

/// Compiles `bytes`, the contents of the file named `file` (used in diagnostics and headers).
/// With `emit_files` false, stops after validation.
///
/// When there are diagnostics, every secret-looking part of a value is masked in
/// [`Compilation::source`] (see [`mask_secrets`]): the source excerpts of diagnostics never
/// show one, in a terminal or a CI log.
pub fn compile(file: &str, bytes: &[u8], emit_files: bool) -> Compilation {
    let mut out = compile_unmasked(file, bytes, emit_files);
    if !out.diagnostics.is_empty()
        && let (Some(tree), Some(source)) = (&out.tree, &mut out.source)
    {
        let secrets = policy::secret_scan::secrets_to_hide(tree);
        mask_secrets(source, &secrets);
        // Notes added after the policy stage (values left out because of schema errors) name
        // paths, which may hold a secret key.
        policy::secret_scan::redact(&mut out.diagnostics, &secrets);
    }
    out
}

/// Every occurrence in `source` of a secret of [`policy::secret_scan::secrets_to_hide`] (3
/// characters or more) written as `*`, one per byte: every position still points where it
/// did.
pub fn mask_secrets(source: &mut String, secrets: &[String]) {
    for s in secrets.iter().filter(|s| s.trim().len() >= 3) {
        if source.contains(s.as_str()) {
            *source = source.replace(s.as_str(), &"*".repeat(s.len()));
        }
    }
}

fn compile_unmasked(file: &str, bytes: &[u8], emit_files: bool) -> Compilation {
    let mut out = Compilation::default();
    let (source, tree) = match load::load(file, bytes) {
        Ok(pair) => pair,
        Err((source, diags)) => {
            out.source = source;
            out.diagnostics = diags;
            diagnostics::sort(&mut out.diagnostics);
            return out;
        }
    };
    out.diagnostics = schema_check::check_with_source(file, Some(&source), &tree);
    out.source = Some(source);
    // With schema errors, the later stages run on the tree without the rejected values (when
    // that is schema-valid), so one run reports every problem; nothing is emitted.
    let tree = if out.has_errors() {
        match schema_check::prune(&tree) {
            Some((pruned, removed)) => {
                let schema_errors = std::mem::take(&mut out.diagnostics);
                let mut later =
                    compile_valid(file, out.source.as_deref(), Some(&tree), pruned, false);
                for d in &mut later.diagnostics {
                    let Some(span) = d.span else { continue };
                    let related: Vec<String> = removed
                        .iter()
                        .filter(|p| {
                            p.owners.contains(&span)
                                || (p.span.start <= span.start && span.end <= p.span.end)
                        })
                        .map(|p| format!("`{}` (line {})", p.path, p.span.line))
                        .collect();
                    if !related.is_empty() {
                        d.notes.push(format!(
                            "ignored because of schema errors: {}; this finding may be a consequence",
                            related.join(", ")
                        ));
                    }
                }
                later.diagnostics.extend(schema_errors);
                diagnostics::sort(&mut later.diagnostics);
                later.diagnostics.dedup();
                later.source = out.source;
                later.tree = Some(tree);
                later.files.clear();
                return later;
            }
            None => {
                out.tree = Some(tree);
                diagnostics::sort(&mut out.diagnostics);
                return out;
            }
        }
    } else {
        tree
    };
    let mut rest = compile_valid(file, out.source.as_deref(), None, tree, emit_files);
    rest.source = out.source;
    rest
}

/// Resolve, policy and emit, on a schema-valid tree. `original` is the tree before the values
/// the schema rejected were left out: the secret rule scans it whole.
fn compile_valid(
    file: &str,
    source: Option<&str>,
    original: Option<&Node>,
    tree: Node,
    emit_files: bool,
) -> Compilation {
    let mut out = Compilation::default();
    let config: Config = match serde_json::from_value(schema_check::instance(&tree)) {
        Ok(c) => c,
        Err(e) => {
            // The schema is derived from the same types, so this is a tofugen bug if reached.
            out.diagnostics.push(
                Diagnostic::error("schema", format!("the configuration does not match: {e}"))
                    .at(file, Some(tree.span))
                    .help("run `tofugen schema` to see the expected structure"),
            );
            out.tree = Some(tree);
            return out;
        }
    };
    match resolve::resolve(file, &tree, &config) {
        Ok(resolved) => {
            out.diagnostics.extend(policy::check_pruned(
                file, source, original, &tree, &resolved,
            ));
            out.resolved = Some(resolved);
        }
        Err(diags) => out.diagnostics.extend(diags),
    }
    out.tree = Some(tree);
    diagnostics::sort(&mut out.diagnostics);
    if emit_files
        && !out.has_errors()
        && let Some(resolved) = &out.resolved
    {
        out.files = emit::emit(resolved, file);
    }
    out
}
