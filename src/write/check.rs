//! `check`: every difference between what `generate` would write and the tree on disk.
//!
//! Read-only: writes nothing, not even the lock file. Besides the generated files and the
//! manifest's orphans, it walks `generated/` for files tofugen did not write: OpenTofu loads
//! every `.tf` file of a root's directory, so a stray file there would be planned and applied
//! with the generated code. OpenTofu's own local artifacts (`.terraform/`, lock files, plans,
//! local state) are expected and never reported.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::journal::{self, State};
use super::{
    Existing, Expected, JOURNAL_PATH, LOCK_PATH, MANIFEST_PATH, OwnedPaths, OwnedRule, TMP_SUFFIX,
    Tree, existing, existing_unless_same, hashes_of, lock, manifest_text, read_manifest,
    sha256_hex, unified_diff,
};

/// The directory every generated root lives under.
const GENERATED_DIR: &str = "generated";
/// Most entries the walk of [`GENERATED_DIR`] visits before it gives up with an error.
const MAX_WALK_ENTRIES: usize = 200_000;
/// Deepest directory nesting the walk follows.
const MAX_WALK_DEPTH: usize = 32;

/// What kind of difference `check` found; [`DifferenceKind::code`] names it in machine output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DifferenceKind {
    /// A generated file is not on disk.
    Missing,
    /// A file holds what an older run generated: `generate` rewrites it.
    Stale,
    /// A generated file was edited by hand since tofugen wrote it: `generate` needs `--force`.
    EditedByHand,
    /// A file tofugen would generate exists but was not written by tofugen.
    NotWrittenByTofugen,
    /// Something other than a regular file sits where a generated file goes.
    NotARegularFile,
    /// A file no longer generated is still on disk, as tofugen wrote it.
    Orphan,
    /// A file no longer generated is still on disk, edited by hand since.
    EditedOrphan,
    /// A file under `generated/` that tofugen never wrote.
    Unknown,
    /// An interrupted `generate` left its journal.
    Journal,
    /// `generate` refuses the tree as it is: a newer tofugen wrote it, or another
    /// configuration (the manifest says which); `--force` goes through on purpose.
    Refused,
}

impl DifferenceKind {
    /// A stable, kebab-case name for machine output (`edited-by-hand`).
    pub fn code(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "missing",
            DifferenceKind::Stale => "stale",
            DifferenceKind::EditedByHand => "edited-by-hand",
            DifferenceKind::NotWrittenByTofugen => "not-written-by-tofugen",
            DifferenceKind::NotARegularFile => "not-a-regular-file",
            DifferenceKind::Orphan => "orphan",
            DifferenceKind::EditedOrphan => "edited-orphan",
            DifferenceKind::Unknown => "unknown-file",
            DifferenceKind::Journal => "interrupted-run",
            DifferenceKind::Refused => "generate-refused",
        }
    }

    /// Whether `generate --force` is what resolves it (the file holds someone's edits).
    pub fn needs_force(self) -> bool {
        matches!(
            self,
            DifferenceKind::EditedByHand
                | DifferenceKind::NotWrittenByTofugen
                | DifferenceKind::Refused
        )
    }

    /// Whether `generate` resolves it at all (an unknown file or an edited orphan must be
    /// moved or deleted by hand: tofugen never deletes what it did not write).
    pub fn fixed_by_generate(self) -> bool {
        !matches!(
            self,
            DifferenceKind::Unknown
                | DifferenceKind::EditedOrphan
                | DifferenceKind::NotARegularFile
        )
    }
}

/// One difference between the generated tree and the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The path, relative to the repository root.
    pub path: String,
    /// What kind of difference.
    pub kind: DifferenceKind,
    /// What is wrong and what fixes it, in one sentence.
    pub message: String,
    /// A unified diff from the disk to what `generate` would write, when both are text.
    pub diff: Option<String>,
}

impl Difference {
    fn new(path: &str, kind: DifferenceKind, message: impl Into<String>) -> Self {
        Difference {
            path: path.to_string(),
            kind,
            message: message.into(),
            diff: None,
        }
    }

    /// The human report: `path: message`, then the diff.
    pub fn text(&self) -> String {
        // The path of a file found on disk is anyone's name: one line, whatever it holds (a
        // committed `a\n::error::…` printed a workflow command into the job's log; sweep 28,
        // F3). The machine formats carry it as it is, JSON-escaped.
        format!(
            "{}: {}\n{}",
            crate::diagnostics::escape_for_terminal(&self.path),
            self.message,
            self.diff.as_deref().unwrap_or("")
        )
    }
}

/// Every difference between `files` and the tree under `root`, in path order: missing files,
/// stale files (with a unified diff), files edited by hand, orphans still on disk, files under
/// `generated/` that tofugen did not write, an interrupted run's journal (verified first: a
/// journal tofugen cannot act on is an error saying what is wrong with it).
///
/// Empty when the tree is up to date. [`Checking`] does the same with the files given one
/// batch at a time.
pub fn check(root: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<Vec<Difference>> {
    check_owned(root, &OwnedPaths::default(), files)
}

/// [`check`] of a tree generated from the configuration `config` (relative to `root`, as the
/// generated headers name it): the manifest `generate` writes names it.
pub fn check_from(
    root: &Path,
    config: &str,
    files: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Difference>> {
    check_all(root, &OwnedPaths::default(), config, files)
}

/// [`check`] with another set of owned paths.
pub fn check_owned(
    root: &Path,
    owned: &OwnedPaths,
    files: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Difference>> {
    check_all(root, owned, "", files)
}

/// [`Checking`] of `files` in one batch, with the owned paths `owned` and the configuration
/// `config` ("" for none: the manifest then names none).
fn check_all(
    root: &Path,
    owned: &OwnedPaths,
    config: &str,
    files: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Difference>> {
    let mut run = Checking::start(root, owned)?;
    run.from_config(config);
    let batch: Vec<(String, String)> = files.iter().map(|(p, c)| (p.clone(), c.clone())).collect();
    run.add(&batch)?;
    run.finish()
}

/// A `check` given the generated files one batch at a time (as [`crate::emit::each`] emits
/// them): each file is compared with the disk as it arrives, then only its path and hash are
/// kept. Read-only; takes the shared lock only when the lock file exists.
pub struct Checking {
    tree: Tree,
    _lock: Option<super::lock::Lock>,
    old: BTreeMap<String, String>,
    /// The tofugen and the configuration (a portable path, or "") the manifest names.
    written_by: (String, String),
    /// The configuration ([`Checking::from_config`]; "" when none).
    config: String,
    expected: Expected,
    out: Vec<Difference>,
}

impl Checking {
    /// Opens the tree under `root`, reports a pending journal (verified first) and reads the
    /// manifest.
    pub fn start(root: &Path, owned: &OwnedPaths) -> anyhow::Result<Checking> {
        let mut tree = Tree::open(root, owned)?;
        let lock = lock::shared(&tree.root.join(LOCK_PATH), LOCK_PATH)?;
        let mut out = Vec::new();
        if let Some(d) = check_journal(&mut tree)? {
            out.push(d);
        }
        let (old, written_by) = match read_manifest(&mut tree)? {
            Some(m) => {
                let config = if super::portable_config(&m.config) {
                    m.config
                } else {
                    String::new()
                };
                (m.files, (m.tofugen, config))
            }
            None => Default::default(),
        };
        Ok(Checking {
            tree,
            _lock: lock,
            old,
            written_by,
            config: String::new(),
            expected: Expected::default(),
            out,
        })
    }

    /// Names the configuration the tree is compared for (relative to the root, as the headers
    /// name it): the manifest `generate` would write names it.
    pub fn from_config(&mut self, config: &str) {
        self.config = config.to_string();
    }

    /// Refuses, before any file is given, a tree announced to hold more than
    /// [`super::MAX_GENERATED_FILES`] files (see `emit::file_count`).
    pub fn expect_files(&self, files: usize) -> anyhow::Result<()> {
        super::check_planned(files)
    }

    /// Sets the byte cap of the tree ([`super::MAX_GENERATED_BYTES`] by default).
    pub fn max_bytes(&mut self, bytes: usize) {
        self.expected.max_bytes = bytes;
    }

    /// Compares one batch of generated files with the disk. Fails when the tree grows over
    /// the caps.
    pub fn add(&mut self, files: &[(String, String)]) -> anyhow::Result<()> {
        let valid = self
            .expected
            .add(&self.tree.owned, files, hashes_of(files))?;
        for ((rel, content), valid) in files.iter().zip(valid) {
            if valid && let Some(d) = check_file(&mut self.tree, &self.old, rel, content)? {
                self.out.push(d);
            }
        }
        Ok(())
    }

    /// How many generated files were given.
    pub fn files(&self) -> usize {
        self.expected.hashes.len()
    }

    /// The manifest, the orphans and the unknown files, then every difference in path order
    /// (an interrupted run first: it explains the rest).
    pub fn finish(mut self) -> anyhow::Result<Vec<Difference>> {
        self.expected.finish(&self.tree.owned)?;
        let files = &self.expected.hashes;
        let manifest = manifest_text(files, &self.config);
        if let Some(d) = check_file(&mut self.tree, &self.old, MANIFEST_PATH, &manifest)? {
            self.out.push(d);
        }
        for (rel, hash) in self.old.iter().filter(|(p, _)| !files.contains_key(*p)) {
            if let Some(d) = check_orphan(&mut self.tree, rel, hash)? {
                self.out.push(d);
            }
        }
        for rel in unknown_files(&mut self.tree, files, &self.old)? {
            // A file under generated/ is an addition to the generated tree, which belongs in
            // the configuration; a workflow of the user's own only needs another name (sweep
            // 55c, #3: both were told that changes belong in the configuration).
            let what = if rel.starts_with("generated/") {
                "delete or move it (tofugen never deletes a file it did not write); changes to \
                 the generated tree belong in the configuration"
            } else {
                "rename it without the `tofugen-` prefix, or delete it (tofugen never deletes a \
                 file it did not write)"
            };
            self.out.push(Difference::new(
                &rel,
                DifferenceKind::Unknown,
                format!("not written by tofugen: {}; {what}", unknown_reason(&rel)),
            ));
        }
        // What `generate` would refuse first, as it would: the other differences stand until
        // that is resolved.
        if !self.out.is_empty()
            && let Some(refusal) =
                super::generate_refusal(&self.written_by.0, &self.written_by.1, &self.config)
        {
            // Shown after the path: "generated/.tofugen-manifest.json: says tofugen …".
            let refusal = refusal
                .strip_prefix(&format!("{MANIFEST_PATH} "))
                .unwrap_or(&refusal);
            self.out.push(Difference::new(
                MANIFEST_PATH,
                DifferenceKind::Refused,
                refusal,
            ));
        }
        let mut out = self.out;
        // What stops `generate` first (a refusal, then a journal), then by path.
        out.sort_by(|a, b| {
            let rank = |d: &Difference| match d.kind {
                DifferenceKind::Refused => 0,
                DifferenceKind::Journal => 1,
                _ => 2,
            };
            (rank(a), &a.path, a.kind).cmp(&(rank(b), &b.path, b.kind))
        });
        Ok(out)
    }
}

/// `check`'s report of a pending journal, once verified; an error when it cannot be acted on.
fn check_journal(tree: &mut Tree) -> anyhow::Result<Option<Difference>> {
    if let Some(problem) = super::journal_tmp_problem(&tree.root) {
        bail!(problem);
    }
    if !journal::exists(tree) {
        return Ok(None);
    }
    let journal = match journal::read(tree) {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(None),
        Err(e) => bail!(
            "{e}\nit is not a journal tofugen can act on: `tofugen generate` refuses it too; \
             inspect it, delete it and re-run `tofugen generate`"
        ),
    };
    let problems = journal::verify(tree, &journal);
    if !problems.is_empty() {
        bail!(journal::rejection(&journal, &problems));
    }
    let action = match journal.state {
        State::Prepared => "roll it back (its temp files are deleted; nothing else changed)",
        State::Committed => "complete it (its files were verified against the journal)",
    };
    Ok(Some(Difference::new(
        JOURNAL_PATH,
        DifferenceKind::Journal,
        format!(
            "an interrupted `tofugen generate` left this journal ({} write(s), {} removal(s)); \
             run `tofugen generate` to {action}",
            journal.writes.len(),
            journal.removes.len()
        ),
    )))
}

/// `check`'s report of one expected file, `None` when it is up to date.
fn check_file(
    tree: &mut Tree,
    old: &BTreeMap<String, String>,
    rel: &str,
    content: &str,
) -> anyhow::Result<Option<Difference>> {
    let path = tree.resolve(rel)?;
    let Some(found) = existing_unless_same(&path, content.as_bytes())? else {
        return Ok(None);
    };
    let d = match found {
        Existing::Missing => Difference::new(
            rel,
            DifferenceKind::Missing,
            "missing (generate would create it)",
        ),
        Existing::File(bytes) if bytes == content.as_bytes() => Difference::new(
            rel,
            DifferenceKind::Stale,
            "executable: generated files are not, and git records the mode (generate would \
             rewrite it without the execute bit)",
        ),
        Existing::File(bytes) => {
            let (kind, what) = if rel == MANIFEST_PATH {
                (DifferenceKind::Stale, "stale (generate would rewrite it)")
            } else {
                match old.get(rel) {
                    Some(h) if *h == sha256_hex(&bytes) => {
                        (DifferenceKind::Stale, "stale (generate would rewrite it)")
                    }
                    Some(_) => (
                        DifferenceKind::EditedByHand,
                        "edited by hand since tofugen generated it: `tofugen generate` refuses to \
                         overwrite it; move the change into the configuration, then run \
                         `tofugen generate --force` to discard the edit",
                    ),
                    None => (
                        DifferenceKind::NotWrittenByTofugen,
                        "exists but was not written by tofugen: `tofugen generate` refuses to \
                         overwrite it; move it away, or run `tofugen generate --force` to \
                         replace it",
                    ),
                }
            };
            let mut d = Difference::new(rel, kind, what);
            d.diff = Some(unified_diff(rel, &bytes, content));
            d
        }
        Existing::Other(kind) => Difference::new(
            rel,
            DifferenceKind::NotARegularFile,
            format!(
                "is a {kind}, not a regular file (generate refuses to replace it; move it away)"
            ),
        ),
    };
    Ok(Some(d))
}

/// `check`'s report of a file no longer generated, `None` when it is gone.
fn check_orphan(tree: &mut Tree, rel: &str, hash: &str) -> anyhow::Result<Option<Difference>> {
    let path = tree.resolve(rel)?;
    let Existing::File(bytes) = existing(&path)? else {
        return Ok(None);
    };
    Ok(Some(if sha256_hex(&bytes) == hash {
        Difference::new(
            rel,
            DifferenceKind::Orphan,
            "orphan: no longer generated but still on disk (generate would remove it)",
        )
    } else {
        Difference::new(
            rel,
            DifferenceKind::EditedOrphan,
            "orphan: no longer generated, and edited by hand since (generate never deletes it: \
             delete it yourself if it is no longer needed)",
        )
    }))
}

/// Whether a path under `generated/` is one of OpenTofu's local artifacts or tofugen's own
/// bookkeeping, which are expected beside the generated files and ignored by git. Never a file
/// OpenTofu reads as code or values ([`read_by_opentofu`]), whatever else its name says: a
/// committed `terraform.tfstate.x.tf` in a vendored module passed `check` as local state, and
/// OpenTofu loaded it with the module (sweep 26, F1).
pub(super) fn is_local_artifact(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if read_by_opentofu(name) {
        return false;
    }
    rel.split('/').any(|s| s == ".terraform")
        || name == ".terraform.lock.hcl"
        || name == ".terraform.tfstate.lock.info"
        || name == "terraform.tfstate"
        || name.starts_with("terraform.tfstate.")
        || name.ends_with(".tfplan")
        || name.ends_with(TMP_SUFFIX)
}

/// Whether OpenTofu reads a file of this name as code or values somewhere: a configuration
/// file (`.tf`, `.tf.json`, `.tofu`, `.tofu.json`, in a root or module), a test file
/// (`.tftest.hcl`, `.tftest.json`, `.tofutest.hcl`, `.tofutest.json`, in a root or its `tests/`)
/// or a variables file (`.tfvars`, `.tfvars.json`: `terraform.tfvars` and `*.auto.tfvars` are
/// loaded without being named). Read in OpenTofu v1.12.6: `internal/configs/parser_config_dir.go`
/// (the extensions, `DefaultTestDirectory`), `internal/command/meta.go` (`isAutoVarFile`) and
/// `internal/command/meta_vars.go` (`DefaultVarsFilename`).
fn read_by_opentofu(name: &str) -> bool {
    [
        ".tf",
        ".tf.json",
        ".tofu",
        ".tofu.json",
        ".tftest.hcl",
        ".tftest.json",
        ".tofutest.hcl",
        ".tofutest.json",
        ".tfvars",
        ".tfvars.json",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Whether `rel` is named as `rule` gives tofugen a file but for the spelling: the other YAML
/// extension (`tofugen-*.yaml` for `tofugen-*.yml`), or other letter cases (`Tofugen-pr.YML`;
/// sweep 26, F6). GitHub runs workflows of every such name, so a hand-made one looks as
/// generated (and on a case-insensitive file system it is the generated file's own name).
/// Reported, never owned: tofugen does not write or delete it.
fn yaml_lookalike(rule: &OwnedRule, rel: &str) -> bool {
    let OwnedRule::Pattern {
        dir,
        prefix,
        suffix,
    } = rule
    else {
        return false;
    };
    if suffix != ".yml" {
        return false;
    }
    let Some(name) = rel
        .strip_prefix(dir.as_str())
        .and_then(|r| r.strip_prefix('/'))
        .filter(|name| !name.contains('/'))
    else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower.starts_with(&prefix.to_ascii_lowercase())
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
        && !rule.matches(rel)
}

/// Whether OpenTofu loads `rel` with the generated code: a configuration file (`.tf`,
/// `.tf.json`, `.tofu`, `.tofu.json`) directly in a root's directory (`generated/<root>/`) or a
/// vendored module's (`generated/modules/<module>/`), and not one OpenTofu ignores (a name
/// starting with `.`, ending with `~`, or `#...#`). Read in OpenTofu v1.12.6,
/// `internal/configs/parser_config_dir.go` (`IsIgnoredFile`, the extensions); it loads no
/// subdirectory (sweep 38b R4: `check` gave this reason for `sub/a.tf` and `.hidden.tf`).
pub(super) fn loaded_by_opentofu(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let Some(name) = parts.last() else {
        return false;
    };
    let configuration = [".tf", ".tf.json", ".tofu", ".tofu.json"]
        .iter()
        .any(|ext| name.ends_with(ext));
    let ignored = name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'));
    let in_a_root_or_module = match parts.as_slice() {
        ["generated", "modules", _, _] => true,
        ["generated", dir, _] => *dir != "modules",
        _ => false,
    };
    configuration && !ignored && in_a_root_or_module
}

/// Why a file [`unknown_files`] found must not stay where it is.
pub(super) fn unknown_reason(rel: &str) -> &'static str {
    if loaded_by_opentofu(rel) {
        "OpenTofu loads every configuration file of a root's or module's directory, so it would \
         be planned and applied with the generated code"
    } else if rel.starts_with("generated/") {
        "generated/ holds only tofugen's output"
    } else {
        "its name is one tofugen gives its own files, so reviewers would take it for generated \
         output"
    }
}

/// The files tofugen owns by location that are neither generated now, nor in the manifest
/// (those are orphans, reported apart), nor local artifacts: under `generated/`, and named as
/// tofugen names its workflows (`.github/workflows/tofugen-*.yml`, or `.yaml`: a hand-made one
/// there looked generated and `check` passed). The walk follows no link: a symlink is itself reported (the
/// writer refuses symlinked directories on generated paths).
pub(super) fn unknown_files(
    tree: &mut Tree,
    files: &BTreeMap<String, String>,
    old: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<String>> {
    let dir = tree.resolve_dir(GENERATED_DIR)?;
    let mut known = HashSet::new();
    for rel in files.keys().chain(old.keys()).map(String::as_str) {
        if rel.starts_with("generated/") {
            known.insert(tree.resolve(rel)?);
        }
    }
    known.insert(tree.resolve(MANIFEST_PATH)?);
    let mut out = Vec::new();
    let mut stack = vec![(dir, GENERATED_DIR.to_string(), 0usize)];
    let mut visited = 0usize;
    while let Some((dir, rel_dir, depth)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            visited += 1;
            if visited > MAX_WALK_ENTRIES {
                bail!(
                    "{GENERATED_DIR}/ holds more than {MAX_WALK_ENTRIES} entries: check cannot \
                     tell which ones tofugen wrote; remove what does not belong there"
                );
            }
            let rel = format!("{rel_dir}/{}", entry.file_name().to_string_lossy());
            if is_local_artifact(&rel) {
                continue;
            }
            let path = entry.path();
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot inspect {}", path.display()))?;
            if file_type.is_dir() {
                if depth + 1 < MAX_WALK_DEPTH {
                    stack.push((path, rel, depth + 1));
                } else {
                    out.push(rel);
                }
                continue;
            }
            if !known.contains(&path) {
                out.push(rel);
            }
        }
    }
    // The files a name pattern gives tofugen (one directory each, not walked further).
    let patterns: Vec<OwnedRule> = tree
        .owned
        .rules()
        .iter()
        .filter(|r| matches!(r, OwnedRule::Pattern { .. }))
        .cloned()
        .collect();
    for rule in &patterns {
        let OwnedRule::Pattern { dir: rel_dir, .. } = rule else {
            continue;
        };
        let dir = tree.resolve_dir(rel_dir)?;
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                continue;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries.take(MAX_WALK_ENTRIES) {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let rel = format!("{rel_dir}/{}", entry.file_name().to_string_lossy());
            let named = rule.matches(&rel) || yaml_lookalike(rule, &rel);
            if named && !files.contains_key(&rel) && !old.contains_key(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As OpenTofu v1.12.6 reads a directory (`internal/configs/parser_config_dir.go`).
    #[test]
    fn opentofu_loads_configuration_files_of_a_root_or_module_directory_only() {
        for p in [
            "generated/staging/evil.tf",
            "generated/staging/evil.tf.json",
            "generated/staging/evil.tofu",
            "generated/modules/container/evil.tofu.json",
        ] {
            assert!(loaded_by_opentofu(p), "{p}");
        }
        for p in [
            "generated/staging/sub/a.tf",
            "generated/staging/.hidden.tf",
            "generated/staging/a.tf~",
            "generated/staging/#a.tf#",
            "generated/user.tf",
            "generated/modules/x.tf",
            "generated/staging/notes.md",
        ] {
            assert!(!loaded_by_opentofu(p), "{p}");
        }
    }

    /// What `generated/.gitignore` keeps out of git is what `check` accepts beside the
    /// generated files: a file of each pattern is a local artifact.
    #[test]
    fn the_generated_gitignore_covers_the_local_artifacts() {
        for pattern in crate::emit::GITIGNORE_PATTERNS {
            let sample = pattern.replace('*', "release");
            let sample = match sample.strip_suffix('/') {
                Some(dir) => format!("{dir}/providers/x"),
                None => sample,
            };
            for root in ["bootstrap", "staging"] {
                let path = format!("generated/{root}/{sample}");
                assert!(is_local_artifact(&path), "{pattern}: {path}");
            }
        }
    }

    #[test]
    fn local_artifacts_are_recognised_and_code_is_not() {
        for p in [
            "generated/staging/.terraform/providers/x",
            "generated/staging/.terraform.lock.hcl",
            "generated/bootstrap/terraform.tfstate",
            "generated/bootstrap/terraform.tfstate.backup",
            "generated/staging/release.tfplan",
            "generated/staging/.main.tf.tofugen-tmp",
        ] {
            assert!(is_local_artifact(p), "{p}");
        }
        for p in [
            "generated/staging/evil.tf",
            "generated/staging/override.tf.json",
            "generated/staging/terraform.tfvars",
            "generated/staging/x.auto.tfvars",
            // Named as an artifact, read as code or values (sweep 26, F1).
            "generated/modules/service/terraform.tfstate.tf",
            "generated/bootstrap/terraform.tfstate.backup.tf",
            "generated/staging/terraform.tfstate.tofu",
            "generated/staging/terraform.tfstate.x.tf.json",
            "generated/staging/tests/terraform.tfstate.evil.tftest.hcl",
            "generated/staging/terraform.tfstate.evil.tofutest.json",
            "generated/staging/terraform.tfstate.auto.tfvars",
            "generated/staging/terraform.tfstate.auto.tfvars.json",
            "generated/staging/x.tfplan.tf",
            "generated/staging/.terraform/evil.tf",
            "generated/staging/main.tf.tofugen-tmp.tf",
        ] {
            assert!(!is_local_artifact(p), "{p}");
        }
    }
}
