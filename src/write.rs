//! Stage 6, write: the generated tree on disk, with a manifest, atomic writes and `check`.
//!
//! # Ownership: the manifest
//! [`MANIFEST_PATH`] lists every file tofugen wrote and the sha256 of what it wrote (sorted,
//! pretty JSON, byte-stable; it is itself part of the output and is committed). A file whose
//! on-disk hash differs from the manifest was edited by hand: `generate` refuses to overwrite or
//! delete it without `--force`. A file that is not in the manifest was not written by tofugen:
//! it is never deleted, and overwriting it also needs `--force`.
//!
//! # Crash safety: a two-phase journal
//! A run that changes anything:
//! 1. writes the journal [`JOURNAL_PATH`] in state `prepared`, listing every write (path and
//!    sha256) and every removal (atomically: temp file, fsync, rename, fsync of the root);
//! 2. writes each new file to `.NAME.tofugen-tmp` next to its destination and fsyncs it and its
//!    directory;
//! 3. flips the journal to `committed` (the commit point);
//! 4. renames every temp file over its destination (the manifest last), removes the orphans and
//!    the directories they leave empty, fsyncs the touched directories;
//! 5. deletes the journal.
//!
//! The next run (under the lock) first recovers: a `prepared` journal is rolled back (temp files
//! deleted, nothing else was touched), a `committed` one is rolled forward (renames whose temp
//! file is gone are verified by hash). So a killed run leaves either the old tree or, after the
//! next run, the new one; never a mix. `check` reports a pending journal.
//!
//! # Concurrency
//! `generate` holds an exclusive `flock` on [`LOCK_PATH`] (fails fast if another run holds it);
//! `check` takes a shared lock only when the lock file already exists, and writes nothing.
//!
//! # Path safety
//! Generated paths are relative, normalized, `/`-separated, with segments of
//! `[A-Za-z0-9._-]` only (no `.`/`..`, no empty segment, no control character), and their
//! existing parent directories are resolved through symlinks and must stay under the root.
//! Paths read back from the manifest or the journal are held to the same rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The manifest of generated files, relative to the repository root (committed).
pub const MANIFEST_PATH: &str = "generated/.tofugen-manifest.json";
/// The lock file `generate` holds while it runs (keep it out of git).
pub const LOCK_PATH: &str = ".tofugen.lock";
/// The journal of an in-progress `generate` (exists only during a run or after a crash).
pub const JOURNAL_PATH: &str = ".tofugen-journal.json";
/// Suffix of the temporary files written next to their destination.
pub const TMP_SUFFIX: &str = ".tofugen-tmp";

const MANIFEST_FORMAT: u32 = 1;
const JOURNAL_FORMAT: u32 = 1;
/// Longest segment: the temp name `.{segment}.tofugen-tmp` must fit in 255 bytes.
const MAX_SEGMENT: usize = 255 - 1 - TMP_SUFFIX.len();

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    #[serde(default)]
    comment: String,
    format: u32,
    /// Path → sha256 (lowercase hex) of the content tofugen wrote.
    files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum JournalState {
    Prepared,
    Committed,
}

#[derive(Debug, Serialize, Deserialize)]
struct JournalWrite {
    path: String,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    format: u32,
    state: JournalState,
    writes: Vec<JournalWrite>,
    removes: Vec<String>,
}

/// Writes `files` (path relative to `root` → contents) under `root`, removes the files the
/// previous run generated that are no longer generated, and updates the manifest.
///
/// Refuses (writing nothing) to overwrite or delete a file edited by hand, or to overwrite a
/// file tofugen did not write, unless `force`. Returns a one-line summary such as
/// `generated: 3 written, 45 unchanged, 1 removed`.
pub fn generate(
    root: &Path,
    files: &BTreeMap<String, String>,
    force: bool,
) -> anyhow::Result<String> {
    run_generate(root, files, force, None).map(|(summary, _)| summary)
}

/// Every difference between `files` and the tree under `root`, in path order, each a
/// self-contained text ending in a newline: missing files, stale files (with a unified diff),
/// files edited by hand, orphans still on disk, an interrupted run's journal.
///
/// Read-only: writes nothing, not even the lock file. Empty when the tree is up to date.
pub fn check(root: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<Vec<String>> {
    validate_all(files)?;
    let mut tree = Tree::open(root)?;
    let lock_path = tree.root.join(LOCK_PATH);
    let lock = match File::open(&lock_path) {
        Ok(f) => Some(fd_lock::RwLock::new(f)),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", lock_path.display())),
    };
    let _guard = match &lock {
        Some(l) => Some(l.try_read().map_err(|e| lock_error(&lock_path, e))?),
        None => None,
    };

    let mut out: Vec<(String, String)> = Vec::new();
    if fs::symlink_metadata(tree.root.join(JOURNAL_PATH)).is_ok() {
        out.push((
            String::new(),
            format!(
                "{JOURNAL_PATH}: an interrupted `tofugen generate` left this journal; run \
                 `tofugen generate` to complete it\n"
            ),
        ));
    }
    let old = read_manifest(&mut tree)?
        .map(|m| m.files)
        .unwrap_or_default();
    let manifest = manifest_text(files);
    let expected = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .chain([(MANIFEST_PATH, manifest.as_str())]);
    for (rel, content) in expected {
        let path = tree.resolve(rel)?;
        let entry = match existing(&path)? {
            Existing::Missing => format!("{rel}: missing (generate would create it)\n"),
            Existing::File(bytes) if bytes == content.as_bytes() => continue,
            Existing::File(bytes) => {
                let what = if rel == MANIFEST_PATH {
                    "stale (generate would rewrite it)"
                } else {
                    match old.get(rel) {
                        Some(h) if *h == sha256_hex(&bytes) => "stale (generate would rewrite it)",
                        Some(_) => {
                            "edited by hand since tofugen generated it (generate refuses to \
                             overwrite it without --force)"
                        }
                        None => {
                            "exists but was not written by tofugen (generate refuses to \
                             overwrite it without --force)"
                        }
                    }
                };
                format!("{rel}: {what}\n{}", unified_diff(rel, &bytes, content))
            }
            Existing::Other(kind) => format!(
                "{rel}: is a {kind}, not a regular file (generate refuses to replace it; move it \
                 away)\n"
            ),
        };
        out.push((rel.to_string(), entry));
    }
    for (rel, hash) in old.iter().filter(|(p, _)| !files.contains_key(*p)) {
        let path = tree.resolve(rel)?;
        if let Existing::File(bytes) = existing(&path)? {
            let entry = if sha256_hex(&bytes) == *hash {
                format!(
                    "{rel}: orphan: no longer generated but still on disk (generate would remove it)\n"
                )
            } else {
                format!(
                    "{rel}: orphan: no longer generated, and edited by hand since (generate \
                     refuses to remove it without --force)\n"
                )
            };
            out.push((rel.clone(), entry));
        }
    }
    out.sort();
    Ok(out.into_iter().map(|(_, e)| e).collect())
}

/// Hooks for the crash-safety tests: run `generate` but stop as if the process were killed.
#[doc(hidden)]
pub mod testing {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// Where the simulated crash happens.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Interrupt {
        /// After the temp files are written, before the journal is committed.
        BeforeCommit,
        /// After the journal is committed and this many renames/removals are done.
        AfterOps(usize),
    }

    /// Like [`super::generate`] but stops at `at`, leaving journal and temp files behind.
    /// Returns whether it stopped (false: the run finished before reaching `at`).
    pub fn generate_interrupted(
        root: &Path,
        files: &BTreeMap<String, String>,
        force: bool,
        at: Interrupt,
    ) -> anyhow::Result<bool> {
        super::run_generate(root, files, force, Some(at)).map(|(_, stopped)| stopped)
    }
}

use testing::Interrupt;

fn run_generate(
    root: &Path,
    files: &BTreeMap<String, String>,
    force: bool,
    interrupt: Option<Interrupt>,
) -> anyhow::Result<(String, bool)> {
    validate_all(files)?;
    let mut tree = Tree::open(root)?;
    let lock_path = tree.root.join(LOCK_PATH);
    refuse_symlink(&lock_path, LOCK_PATH)?;
    let lock_file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .with_context(|| format!("cannot create the lock file {}", lock_path.display()))?;
    let mut lock = fd_lock::RwLock::new(lock_file);
    let _guard = lock.try_write().map_err(|e| lock_error(&lock_path, e))?;

    let recovered = recover(&mut tree)?;
    let old = match read_manifest(&mut tree) {
        Ok(m) => m.map(|m| m.files).unwrap_or_default(),
        // --force: every existing file is treated as unknown, and overwritten.
        Err(_) if force => BTreeMap::new(),
        Err(e) => bail!(
            "{e:#}\nrestore the manifest from git, or re-run with `tofugen generate --force` \
             (every existing file is then overwritten, none is deleted)"
        ),
    };
    let manifest = manifest_text(files);
    let plan = plan(&mut tree, files, &old, &manifest, force)?;
    if !plan.conflicts.is_empty() && !force {
        let mut msg = String::from(
            "refusing to overwrite or delete files that tofugen did not write as they are:\n",
        );
        for (rel, why) in &plan.conflicts {
            let _ = writeln!(msg, "  {rel}: {why}");
        }
        msg.push_str(
            "nothing was written. Make the change in the configuration instead, or re-run with \
             `tofugen generate --force` to overwrite (and delete) these files, losing the edits",
        );
        bail!(msg);
    }
    let mut stopped = false;
    if !plan.writes.is_empty() || !plan.removes.is_empty() {
        stopped = apply(&mut tree, &plan, interrupt)?;
    }
    let mut summary = format!(
        "generated: {} written, {} unchanged, {} removed",
        plan.written, plan.unchanged, plan.removed
    );
    if force && !plan.conflicts.is_empty() {
        let _ = write!(
            summary,
            " ({} file(s) overwritten or removed by --force)",
            plan.conflicts.len()
        );
    }
    match recovered {
        Some(JournalState::Committed) => summary.push_str("; completed an interrupted run first"),
        Some(JournalState::Prepared) => summary.push_str("; rolled back an interrupted run first"),
        None => {}
    }
    Ok((summary, stopped))
}

fn lock_error(lock_path: &Path, e: io::Error) -> anyhow::Error {
    if e.kind() == ErrorKind::WouldBlock {
        anyhow::anyhow!(
            "another `tofugen generate` is running in this repository (it holds the lock {}); \
             retry when it has finished",
            lock_path.display()
        )
    } else {
        anyhow::Error::new(e).context(format!("cannot lock {}", lock_path.display()))
    }
}

struct PlannedWrite<'a> {
    rel: &'a str,
    content: &'a [u8],
}

struct Plan<'a> {
    writes: Vec<PlannedWrite<'a>>,
    removes: Vec<String>,
    conflicts: Vec<(String, &'static str)>,
    written: usize,
    unchanged: usize,
    removed: usize,
}

fn plan<'a>(
    tree: &mut Tree,
    files: &'a BTreeMap<String, String>,
    old: &BTreeMap<String, String>,
    manifest: &'a str,
    force: bool,
) -> anyhow::Result<Plan<'a>> {
    let mut p = Plan {
        writes: Vec::new(),
        removes: Vec::new(),
        conflicts: Vec::new(),
        written: 0,
        unchanged: 0,
        removed: 0,
    };
    let mut blocked = Vec::new();
    for (rel, content) in files {
        let path = tree.resolve(rel)?;
        match existing(&path)? {
            Existing::File(bytes) if bytes == content.as_bytes() => {
                p.unchanged += 1;
                continue;
            }
            Existing::File(bytes) => match old.get(rel) {
                Some(h) if *h == sha256_hex(&bytes) => {}
                Some(_) => p
                    .conflicts
                    .push((rel.clone(), "edited by hand since tofugen generated it")),
                None => p
                    .conflicts
                    .push((rel.clone(), "exists but was not written by tofugen")),
            },
            Existing::Missing => {}
            Existing::Other(kind) => {
                blocked.push(format!("  {rel}: is a {kind}"));
                continue;
            }
        }
        p.written += 1;
        p.writes.push(PlannedWrite {
            rel,
            content: content.as_bytes(),
        });
    }
    for (rel, hash) in old.iter().filter(|(p, _)| !files.contains_key(*p)) {
        let path = tree.resolve(rel)?;
        // A symlink or directory there now is not ours: it is left alone.
        if let Existing::File(bytes) = existing(&path)? {
            if sha256_hex(&bytes) != *hash {
                p.conflicts.push((
                    rel.clone(),
                    "no longer generated, and edited by hand (generate would delete it)",
                ));
                if !force {
                    continue;
                }
            }
            p.removed += 1;
            p.removes.push(rel.clone());
        }
    }
    let manifest_path = tree.resolve(MANIFEST_PATH)?;
    match existing(&manifest_path)? {
        Existing::File(bytes) if bytes == manifest.as_bytes() => {}
        Existing::Other(kind) => blocked.push(format!("  {MANIFEST_PATH}: is a {kind}")),
        _ => {
            // Last, so that a complete manifest means a complete tree.
            p.writes.push(PlannedWrite {
                rel: MANIFEST_PATH,
                content: manifest.as_bytes(),
            });
        }
    }
    if !blocked.is_empty() {
        bail!(
            "cannot write generated files where something else is:\n{}\nmove these away and \
             re-run `tofugen generate`",
            blocked.join("\n")
        );
    }
    Ok(p)
}

/// Executes `plan` through the journal. Returns whether a simulated crash stopped it.
fn apply(tree: &mut Tree, plan: &Plan<'_>, interrupt: Option<Interrupt>) -> anyhow::Result<bool> {
    let mut journal = Journal {
        format: JOURNAL_FORMAT,
        state: JournalState::Prepared,
        writes: plan
            .writes
            .iter()
            .map(|w| JournalWrite {
                path: w.rel.to_string(),
                sha256: sha256_hex(w.content),
            })
            .collect(),
        removes: plan.removes.clone(),
    };
    write_journal(tree, &journal)?;
    let staged = stage(tree, plan);
    if interrupt == Some(Interrupt::BeforeCommit) {
        return staged.map(|()| true);
    }
    if let Err(e) = staged {
        let _ = roll_back(tree, &journal);
        return Err(e);
    }
    journal.state = JournalState::Committed;
    if let Err(e) = write_journal(tree, &journal) {
        let _ = roll_back(tree, &journal);
        return Err(e);
    }
    let stop = match interrupt {
        Some(Interrupt::AfterOps(n)) => Some(n),
        _ => None,
    };
    roll_forward(tree, &journal, stop)
}

/// Writes every temp file and makes them durable.
fn stage(tree: &mut Tree, plan: &Plan<'_>) -> anyhow::Result<()> {
    let mut dirs = BTreeSet::new();
    for w in &plan.writes {
        let dst = tree.resolve(w.rel)?;
        let parent = dst.parent().unwrap_or(&tree.root).to_path_buf();
        create_dirs(&parent, &mut dirs)
            .with_context(|| format!("cannot create the directory of {}", w.rel))?;
        write_new(&tmp_path(&dst), w.content).with_context(|| format!("cannot write {}", w.rel))?;
        dirs.insert(parent);
    }
    sync_dirs(&dirs)
}

/// Creates `dir` and its missing ancestors, remembering which directories to fsync.
fn create_dirs(dir: &Path, sync: &mut BTreeSet<PathBuf>) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut cur = dir;
    while fs::symlink_metadata(cur).is_err() {
        missing.push(cur.to_path_buf());
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
    fs::create_dir_all(dir)?;
    for m in missing {
        if let Some(p) = m.parent() {
            sync.insert(p.to_path_buf());
        }
    }
    Ok(())
}

/// Creates `path` afresh (never through an existing file or symlink) with `content`, fsynced.
fn write_new(path: &Path, content: &[u8]) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

fn write_journal(tree: &Tree, journal: &Journal) -> anyhow::Result<()> {
    let path = tree.root.join(JOURNAL_PATH);
    refuse_symlink(&path, JOURNAL_PATH)?;
    let mut text = serde_json::to_string_pretty(journal)?;
    text.push('\n');
    let tmp = tree.root.join(format!("{JOURNAL_PATH}{TMP_SUFFIX}"));
    write_new(&tmp, text.as_bytes())
        .and_then(|()| fs::rename(&tmp, &path))
        .and_then(|()| sync_dir(&tree.root))
        .with_context(|| format!("cannot write the journal {}", path.display()))
}

fn remove_journal(tree: &Tree) -> anyhow::Result<()> {
    let path = tree.root.join(JOURNAL_PATH);
    fs::remove_file(&path)
        .and_then(|()| sync_dir(&tree.root))
        .with_context(|| format!("cannot remove the journal {}", path.display()))
}

/// Finishes a committed journal: renames, removals, empty directories, fsyncs, journal removal.
/// `stop_after` simulates a crash after that many operations (returns `Ok(true)`).
fn roll_forward(
    tree: &mut Tree,
    journal: &Journal,
    stop_after: Option<usize>,
) -> anyhow::Result<bool> {
    let mut dirs = BTreeSet::new();
    let mut done = 0;
    for w in &journal.writes {
        if stop_after == Some(done) {
            return Ok(true);
        }
        let dst = tree.resolve(&w.path)?;
        let tmp = tmp_path(&dst);
        match fs::symlink_metadata(&tmp) {
            Ok(m) if m.is_file() => {
                fs::rename(&tmp, &dst).with_context(|| format!("cannot rename into {}", w.path))?
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // Renamed before the crash: the destination must hold what was written.
                let ok = matches!(existing(&dst)?, Existing::File(b) if sha256_hex(&b) == w.sha256);
                if !ok {
                    bail!(
                        "cannot complete the interrupted run recorded in {JOURNAL_PATH}: {} has \
                         neither its temp file nor the content the run wrote; delete \
                         {JOURNAL_PATH} and re-run `tofugen generate --force`",
                        w.path
                    );
                }
            }
            Ok(_) => bail!(
                "{}: temp file {} is not a regular file",
                w.path,
                tmp.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", tmp.display())),
        }
        if let Some(p) = dst.parent() {
            dirs.insert(p.to_path_buf());
        }
        done += 1;
    }
    for rel in &journal.removes {
        if stop_after == Some(done) {
            return Ok(true);
        }
        let path = tree.resolve(rel)?;
        if let Existing::File(_) = existing(&path)? {
            fs::remove_file(&path).with_context(|| format!("cannot remove {rel}"))?;
        }
        if let Some(p) = path.parent() {
            dirs.insert(p.to_path_buf());
        }
        remove_empty_parents(tree, rel, &mut dirs);
        done += 1;
    }
    // Directories removed above no longer need (nor allow) an fsync.
    dirs.retain(|d| d.exists());
    sync_dirs(&dirs)?;
    remove_journal(tree)?;
    Ok(false)
}

/// Undoes a prepared journal: deletes its temp files and the directories they leave empty.
fn roll_back(tree: &mut Tree, journal: &Journal) -> anyhow::Result<()> {
    let mut dirs = BTreeSet::new();
    for w in &journal.writes {
        let tmp = tmp_path(&tree.resolve(&w.path)?);
        if fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_file()) {
            fs::remove_file(&tmp).with_context(|| format!("cannot remove {}", tmp.display()))?;
        }
        remove_empty_parents(tree, &w.path, &mut dirs);
    }
    dirs.retain(|d| d.exists());
    sync_dirs(&dirs)?;
    remove_journal(tree)
}

/// Removes the now-empty directories above `rel`, deepest first, stopping at the first that is
/// not empty (or not a real directory) and never removing the root.
fn remove_empty_parents(tree: &Tree, rel: &str, dirs: &mut BTreeSet<PathBuf>) {
    let mut cur = rel;
    while let Some((parent, _)) = cur.rsplit_once('/') {
        let dir = tree.root.join(parent);
        let is_dir = fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir());
        if !is_dir || fs::remove_dir(&dir).is_err() {
            break;
        }
        if let Some(p) = dir.parent() {
            dirs.insert(p.to_path_buf());
        }
        cur = parent;
    }
}

/// Completes or undoes the journal an interrupted run left. Returns its state, if there was one.
fn recover(tree: &mut Tree) -> anyhow::Result<Option<JournalState>> {
    // A run killed while writing the journal itself leaves its temp file: the journal it was
    // replacing (if any) is still the truth, so the temp file is only garbage.
    let journal_tmp = tree.root.join(format!("{JOURNAL_PATH}{TMP_SUFFIX}"));
    refuse_symlink(&journal_tmp, JOURNAL_PATH)?;
    match fs::remove_file(&journal_tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot remove {}", journal_tmp.display()));
        }
    }
    let path = tree.root.join(JOURNAL_PATH);
    refuse_symlink(&path, JOURNAL_PATH)?;
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let journal: Journal = serde_json::from_str(&text)
        .ok()
        .filter(|j: &Journal| j.format == JOURNAL_FORMAT)
        .with_context(|| {
            format!(
                "{JOURNAL_PATH} (left by an interrupted run) is not a valid tofugen journal: \
                 delete it and re-run `tofugen generate`"
            )
        })?;
    let invalid: Vec<String> = journal
        .writes
        .iter()
        .map(|w| w.path.as_str())
        .chain(journal.removes.iter().map(String::as_str))
        .filter_map(|p| {
            validate_path(p)
                .err()
                .filter(|_| p != MANIFEST_PATH)
                .map(|e| format!("  {p:?}: {e}"))
        })
        .collect();
    if !invalid.is_empty() {
        bail!(
            "{JOURNAL_PATH} lists invalid paths:\n{}\ndelete it and re-run `tofugen generate`",
            invalid.join("\n")
        );
    }
    match journal.state {
        JournalState::Prepared => roll_back(tree, &journal)?,
        JournalState::Committed => {
            roll_forward(tree, &journal, None)?;
        }
    }
    Ok(Some(journal.state))
}

/// Reads the manifest: `None` when there is none, an error when it is not a valid manifest.
fn read_manifest(tree: &mut Tree) -> anyhow::Result<Option<Manifest>> {
    let path = tree.resolve(MANIFEST_PATH)?;
    let bytes = match existing(&path)? {
        Existing::Missing => return Ok(None),
        Existing::File(b) => b,
        Existing::Other(kind) => bail!("{MANIFEST_PATH} is a {kind}, not a tofugen manifest"),
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| json_error(&bytes, &e))
        .and_then(|m: Manifest| {
            if m.format == MANIFEST_FORMAT {
                Ok(m)
            } else {
                bail!(
                    "{MANIFEST_PATH}: unsupported format {}, expected {MANIFEST_FORMAT}",
                    m.format
                )
            }
        })
        .context("the manifest of generated files is not valid")?;
    let invalid: Vec<String> = manifest
        .files
        .iter()
        .filter_map(|(p, h)| match validate_path(p) {
            Err(e) => Some(format!("  {p:?}: {e}")),
            Ok(()) if !is_sha256_hex(h) => Some(format!("  {p}: `{h}` is not a sha256")),
            Ok(()) => None,
        })
        .collect();
    if !invalid.is_empty() {
        bail!(
            "the manifest of generated files is not valid: {MANIFEST_PATH} lists\n{}",
            invalid.join("\n")
        );
    }
    Ok(Some(manifest))
}

/// A JSON error in the manifest as `PATH:LINE:COL: message`, followed by the offending line.
fn json_error(bytes: &[u8], e: &serde_json::Error) -> anyhow::Error {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&suffix).unwrap_or(&msg);
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    anyhow::anyhow!(
        "{MANIFEST_PATH}:{}:{}: {msg}\n  | {line}",
        e.line(),
        e.column()
    )
}

/// The manifest for `files`: sorted, pretty JSON with a final newline.
fn manifest_text(files: &BTreeMap<String, String>) -> String {
    let manifest = Manifest {
        comment: "Written by `tofugen generate`: the files it generated and the sha256 of \
                  their content. Do not edit."
            .to_string(),
        format: MANIFEST_FORMAT,
        files: files
            .iter()
            .map(|(p, c)| (p.clone(), sha256_hex(c.as_bytes())))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    text
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn unified_diff(rel: &str, old: &[u8], new: &str) -> String {
    let old = String::from_utf8_lossy(old);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{rel}"), &format!("b/{rel}"))
        .to_string();
    if diff.is_empty() {
        "(the files differ only in bytes that are not valid UTF-8)\n".to_string()
    } else {
        diff
    }
}

fn tmp_path(dst: &Path) -> PathBuf {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    dst.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}

fn refuse_symlink(path: &Path, name: &str) -> anyhow::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!("{name} is a symlink; tofugen refuses to follow it: remove it");
    }
    Ok(())
}

fn sync_dirs(dirs: &BTreeSet<PathBuf>) -> anyhow::Result<()> {
    for d in dirs {
        sync_dir(d).with_context(|| format!("cannot fsync {}", d.display()))?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// What is on disk at a path (its last component not followed).
enum Existing {
    Missing,
    File(Vec<u8>),
    Other(&'static str),
}

fn existing(path: &Path) -> anyhow::Result<Existing> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Existing::Missing),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", path.display())),
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        Ok(Existing::Other("symlink"))
    } else if ft.is_dir() {
        Ok(Existing::Other("directory"))
    } else if !ft.is_file() {
        Ok(Existing::Other("special file"))
    } else {
        fs::read(path)
            .map(Existing::File)
            .with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Why `path` is not an acceptable generated path, if it is not.
fn validate_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return Err(
            "absolute paths are not allowed: use a path relative to the repository root".into(),
        );
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(format!("control character {c:?} is not allowed"));
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("empty segment (`//` or a trailing `/`) is not allowed".into()),
            "." | ".." => {
                return Err(format!(
                    "`{segment}` segments are not allowed: paths must be normalized and stay \
                     under the repository root"
                ));
            }
            _ => {}
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "character {c:?} is not allowed (segments use only A-Z a-z 0-9 . _ -)"
            ));
        }
        if segment.len() > MAX_SEGMENT {
            return Err(format!("segment longer than {MAX_SEGMENT} bytes"));
        }
    }
    if path.ends_with(TMP_SUFFIX)
        || path == MANIFEST_PATH
        || path == LOCK_PATH
        || path == JOURNAL_PATH
    {
        return Err("the name is reserved for tofugen's own bookkeeping".into());
    }
    Ok(())
}

/// Validates every generated path, reporting all the invalid ones at once.
fn validate_all(files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for path in files.keys() {
        if let Err(e) = validate_path(path) {
            problems.push(format!("  {path:?}: {e}"));
            continue;
        }
        // A file cannot also be a directory of another generated file (or of the manifest).
        let mut cur = path.as_str();
        while let Some((parent, _)) = cur.rsplit_once('/') {
            if files.contains_key(parent) {
                problems.push(format!(
                    "  {parent:?}: is both a file and the directory of {path}"
                ));
            }
            cur = parent;
        }
        if MANIFEST_PATH.starts_with(&format!("{path}/")) {
            problems.push(format!("  {path:?}: is the directory of {MANIFEST_PATH}"));
        }
    }
    if !problems.is_empty() {
        bail!(
            "refusing to write: invalid generated path(s):\n{}\ngenerated paths must be relative, \
             normalized and stay under the repository root (this is a tofugen bug)",
            problems.join("\n")
        );
    }
    Ok(())
}

/// The repository root, with the resolution of its directories cached.
struct Tree {
    /// The canonical root.
    root: PathBuf,
    dirs: HashMap<String, PathBuf>,
}

impl Tree {
    fn open(root: &Path) -> anyhow::Result<Tree> {
        let canonical = fs::canonicalize(root)
            .with_context(|| format!("the output root {} does not exist", root.display()))?;
        if !canonical.is_dir() {
            bail!("the output root {} is not a directory", root.display());
        }
        Ok(Tree {
            root: canonical,
            dirs: HashMap::new(),
        })
    }

    /// Where a validated relative path lives: its existing parent directories are followed
    /// through symlinks, which must stay under the root; the last component is not followed.
    fn resolve(&mut self, rel: &str) -> anyhow::Result<PathBuf> {
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        Ok(self.resolve_dir(parent)?.join(name))
    }

    fn resolve_dir(&mut self, rel: &str) -> anyhow::Result<PathBuf> {
        if rel.is_empty() {
            return Ok(self.root.clone());
        }
        if let Some(p) = self.dirs.get(rel) {
            return Ok(p.clone());
        }
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let candidate = self.resolve_dir(parent)?.join(name);
        let resolved = match fs::symlink_metadata(&candidate) {
            Err(e) if e.kind() == ErrorKind::NotFound => candidate,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot inspect {}", candidate.display()));
            }
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::canonicalize(&candidate).with_context(|| {
                    format!("refusing to write through the broken symlink `{rel}`")
                })?;
                if !target.starts_with(&self.root) {
                    bail!(
                        "refusing to write through the symlink `{rel}`: it points to {}, outside \
                         the repository root {}",
                        target.display(),
                        self.root.display()
                    );
                }
                if !target.is_dir() {
                    bail!("`{rel}` is a symlink to a file, but it must be a directory");
                }
                target
            }
            Ok(m) if m.is_dir() => candidate,
            Ok(_) => bail!("`{rel}` is a file, but a generated path needs it to be a directory"),
        };
        self.dirs.insert(rel.to_string(), resolved.clone());
        Ok(resolved)
    }
}
