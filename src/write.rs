//! Stage 6, write: the generated tree on disk, with a manifest, atomic writes and `check`.
//!
//! # What tofugen may touch: the owned set
//! [`OwnedPaths`] is the one definition of the paths tofugen may write or delete
//! (by default `generated/**`, `.github/workflows/tofugen-*.yml` and
//! `schema/environments.schema.json`), plus its bookkeeping files at the root ([`LOCK_PATH`],
//! [`JOURNAL_PATH`]) and the temp files next to owned paths. A generated file outside the set
//! is a tofugen bug: `generate` and `check` refuse it before touching anything. A manifest or
//! journal entry outside the set, under `.git` (any case), or otherwise invalid was not written
//! by tofugen: it is reported, naming the entry, and never acted on, `--force` or not. A
//! symlinked directory on the way to an owned path is refused, wherever it points.
//!
//! # Ownership: the manifest
//! [`MANIFEST_PATH`] lists every file tofugen wrote and the sha256 of what it wrote (sorted,
//! pretty JSON, byte-stable; it is itself part of the output and is committed). A file whose
//! on-disk hash differs from the manifest was edited by hand: `generate` refuses to overwrite it
//! without `--force`. A file that is not in the manifest was not written by tofugen: it is never
//! deleted, and overwriting it also needs `--force`. A file no longer generated is deleted only
//! when it still holds what tofugen wrote, checked right before the deletion; one edited by hand
//! is never deleted, even with `--force` (which then leaves it in place and says so).
//!
//! # Crash safety: a two-phase journal
//! A run that changes anything (the files arrive in batches, one environment at a time, see
//! [`Generation`]):
//! 1. each time the new or changed files not staged yet reach a few MiB ([`STAGE_BYTES`]),
//!    rewrites the journal [`JOURNAL_PATH`] in state `prepared`, listing with its sha256 every
//!    write planned so far (atomically: temp file, fsync, rename, fsync of the root), then
//!    writes each of those files to `.NAME.tofugen-tmp` next to its destination and asks the
//!    kernel to start writing it back (on Linux; durability still comes from step 2); a temp
//!    file is never created before a prepared journal lists it;
//! 2. once every batch is in, writes the final prepared journal (every write, the manifest last,
//!    and every removal), the temp files of the files not staged yet and the manifest's, then
//!    makes all the temp files and their directories durable in one batch (one `syncfs` per
//!    filesystem on Linux, an fsync per file and directory elsewhere), while two more threads
//!    read every temp file back and check its hash against the journal (a mismatch stops the
//!    run here, uncommitted);
//! 3. flips the journal to `committed` (the commit point);
//! 4. renames every temp file over its destination (the manifest last; when recovering a
//!    committed journal, each temp file's hash is checked right before its rename),
//!    removes the orphans that still hold their recorded hash and the directories they leave
//!    empty, makes the touched directories durable (batched the same way);
//! 5. deletes the journal.
//!
//! The next run (under the lock) first recovers, after verifying the journal (see the `journal`
//! module: paths in the owned set, temp files holding the recorded hashes, consistency with the
//! manifest it commits): a `prepared` journal is rolled back (temp files deleted, nothing else
//! was touched), a `committed` one is rolled forward. A journal that fails verification is
//! reported, naming each problem, and nothing is done. So a killed run leaves either the old
//! tree or, after the next run, the new one; never a mix. `check` verifies a pending journal the
//! same way before it suggests running `generate`.
//!
//! # Concurrency
//! `generate` holds an exclusive `flock` on [`LOCK_PATH`] (fails fast if another run holds it);
//! `check` takes a shared lock only when the lock file already exists, and writes nothing. The
//! lock file must be a regular file (see the `lock` module).
//!
//! # Path safety
//! Paths are relative, normalized, `/`-separated, with segments of `[A-Za-z0-9._-]` only (no
//! `.`/`..`, no empty segment, no `.git`), and their existing parent directories must be real
//! directories: a symlink among them is refused, even one that stays inside the owned set (two
//! paths would reach one file). Only the root itself may be reached through a symlink.

mod check;
mod journal;
mod lock;
mod owned;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::diagnostics::{Diagnostic, Span};
use crate::load::{ReadError, kind_of};
use crate::source::FileId;
pub use check::{Checking, Difference, DifferenceKind, check, check_from, check_owned};
use journal::{Journal, State};
pub use owned::{OwnedPaths, OwnedRule};

/// The manifest of generated files, relative to the repository root (committed).
pub const MANIFEST_PATH: &str = "generated/.tofugen-manifest.json";
/// The lock file `generate` holds while it runs (keep it out of git).
pub const LOCK_PATH: &str = ".tofugen.lock";
/// The journal of an in-progress `generate` (exists only during a run or after a crash).
pub const JOURNAL_PATH: &str = ".tofugen-journal.json";
/// Suffix of the temporary files written next to their destination.
pub const TMP_SUFFIX: &str = ".tofugen-tmp";

const MANIFEST_FORMAT: u32 = 1;
/// How many bytes of new and changed files [`Generation`] gathers before it stages them under
/// one rewrite of the prepared journal (the rest is staged under the final one): at 1000
/// services x 10 environments from an empty tree, 18 journal writes instead of 43, each
/// with two fsyncs, for at most this much more held in memory.
pub const STAGE_BYTES: usize = 4 << 20;

/// Largest manifest or journal read back (they list paths and hashes: a few MiB at most).
const MAX_BOOKKEEPING_BYTES: usize = 16 * 1024 * 1024;
/// Most files one configuration may generate.
pub const MAX_GENERATED_FILES: usize = 10_000;
/// Most environments one configuration may declare: 1 248, the most whose trees fit in
/// [`MAX_GENERATED_FILES`] ([`crate::emit::max_environments`]). A configuration with more
/// would be refused for its file count anyway; the pipeline refuses it right after loading, so
/// that no stage works on tens of thousands of environments (a 1 MB file can declare 54 000).
pub const MAX_ENVIRONMENTS: usize = crate::emit::max_environments(MAX_GENERATED_FILES);
/// Most bytes one configuration may generate by default, all files together (`--max-output-mib`
/// raises it, up to [`MAX_OUTPUT_MIB_CEILING`] MiB). It bounds the work a small configuration
/// can cause (a 1.6 MB file can ask for 225 MB of roots): at this size `generate` and `check`
/// stay under 2 s on a 2-core VM (`tests/bounded_work.rs`). It is about twice what one Scaleway
/// Organization can run at most: 1 000 containers (the product's ceiling, on request to
/// support; the default quota is 25, TG115), about 9 KB of output each.
pub const MAX_GENERATED_BYTES: usize = 20 * 1024 * 1024;
/// The largest `--max-output-mib`.
pub const MAX_OUTPUT_MIB_CEILING: usize = 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    #[serde(default)]
    comment: String,
    format: u32,
    /// The version of tofugen that wrote the tree (absent in trees written before 0.2.0).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    tofugen: String,
    /// The configuration the tree was generated from, as its headers name it (relative to the
    /// repository root); absent in trees written before it was recorded, or without one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    config: String,
    /// Path → sha256 (lowercase hex) of the content tofugen wrote.
    files: BTreeMap<String, String>,
}

/// Writes `files` (path relative to `root` → contents) under `root`, removes the files the
/// previous run generated that are no longer generated, and updates the manifest; only paths
/// in the default [`OwnedPaths`] are ever written or deleted.
///
/// Refuses (writing nothing) to overwrite a file edited by hand, or a file tofugen did not
/// write, unless `force`; never deletes a file edited by hand. Returns a one-line summary such
/// as `generated: 3 written, 45 unchanged, 1 removed`. [`Generation`] does the same with the
/// files given one batch at a time.
pub fn generate(
    root: &Path,
    files: &BTreeMap<String, String>,
    force: bool,
) -> anyhow::Result<String> {
    generate_owned(root, &OwnedPaths::default(), files, force)
}

/// [`generate`] with another set of owned paths.
pub fn generate_owned(
    root: &Path,
    owned: &OwnedPaths,
    files: &BTreeMap<String, String>,
    force: bool,
) -> anyhow::Result<String> {
    run_generate(root, owned, files, force, None).map(|(summary, _)| summary)
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
        /// Like `AfterOps`, then fails as an I/O error there would (the process lives on).
        FailAfterOps(usize),
    }

    /// Like [`super::generate`] but stops at `at`, leaving journal and temp files behind.
    /// Returns whether it stopped (false: the run finished before reaching `at`).
    pub fn generate_interrupted(
        root: &Path,
        files: &BTreeMap<String, String>,
        force: bool,
        at: Interrupt,
    ) -> anyhow::Result<bool> {
        let owned = super::OwnedPaths::default();
        super::run_generate(root, &owned, files, force, Some(at)).map(|(_, stopped)| stopped)
    }
}

use testing::Interrupt;

fn run_generate(
    root: &Path,
    owned: &OwnedPaths,
    files: &BTreeMap<String, String>,
    force: bool,
    interrupt: Option<Interrupt>,
) -> anyhow::Result<(String, bool)> {
    let mut run = Generation::start(root, owned, force)?;
    run.interrupt = interrupt;
    run.add(files.iter().map(|(p, c)| (p.clone(), c.clone())).collect())?;
    run.finish_run().map(|r| (r.summary, r.stopped))
}

/// A `generate` given the generated files one batch at a time (as [`crate::emit::each`] emits
/// them). Each file is compared with the disk as it arrives: an unchanged one is dropped, a new
/// or changed one is written to its temp file at once (after the prepared journal lists it, so
/// that a crash leaves nothing a rollback cannot find) and dropped too. Memory holds one batch,
/// and paths and hashes. The caps ([`MAX_GENERATED_FILES`], [`MAX_GENERATED_BYTES`]) are
/// checked after every batch, so an oversized configuration stops early.
///
/// Nothing outside temp files changes before [`Generation::finish`], which plans the removals
/// and the manifest, then commits through the journal as [`generate`] does. A run refused (a
/// file that needs `--force`, a path that is not tofugen's, a cap), failed or dropped before
/// `finish` deletes its temp files and its journal: it leaves the tree as it found it (and the
/// lock file).
pub struct Generation {
    tree: Tree,
    _lock: lock::Lock,
    force: bool,
    interrupt: Option<Interrupt>,
    recovered: Option<(State, Vec<String>)>,
    old: BTreeMap<String, String>,
    /// The configuration the manifest names ("" when none, or not a portable path).
    old_config: String,
    /// The configuration this run generates from ([`Generation::from_config`]; "" when none).
    config: String,
    expected: Expected,
    plan: Plan,
    blocked: Vec<String>,
    /// The prepared journal last written, once a temp file is to be staged.
    journal: Option<Journal>,
    /// The temp files staged, and the directories that hold (or gained) them.
    staged: Vec<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    /// New and changed files not staged yet, and their size: staged together once they reach
    /// [`STAGE_BYTES`], so that the journal is not rewritten (and synced) for every batch.
    pending: Vec<(String, String)>,
    pending_bytes: usize,
    /// The journal was committed (or deliberately left by a simulated crash): not rolled back
    /// when dropped.
    done: bool,
}

impl Generation {
    /// Opens the tree under `root`, takes the exclusive lock, completes or undoes an
    /// interrupted run (once its journal is verified) and reads the manifest.
    pub fn start(root: &Path, owned: &OwnedPaths, force: bool) -> anyhow::Result<Generation> {
        let mut tree = Tree::open(root, owned)?;
        let lock = lock::exclusive(&tree.root.join(LOCK_PATH), LOCK_PATH)?;
        let recovered = recover(&mut tree)?;
        let (old, old_config) = previous_files(&mut tree, force)?;
        Ok(Generation {
            tree,
            _lock: lock,
            force,
            interrupt: None,
            recovered,
            old,
            old_config,
            config: String::new(),
            expected: Expected::default(),
            plan: Plan::default(),
            blocked: Vec::new(),
            journal: None,
            staged: Vec::new(),
            dirs: BTreeSet::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            done: false,
        })
    }

    /// Refuses, before any file is given, a tree announced to hold more than
    /// [`MAX_GENERATED_FILES`] files (see `emit::file_count`).
    pub fn expect_files(&self, files: usize) -> anyhow::Result<()> {
        check_planned(files)
    }

    /// Names the configuration this run generates from (relative to the root, as the headers
    /// name it), recorded in the manifest. Refuses, unless `--force`, a tree the manifest says
    /// another configuration generated: this run would replace that configuration's tree with
    /// its own, its environments' roots removed (two configurations in one repository).
    pub fn from_config(&mut self, config: &str) -> anyhow::Result<()> {
        if !self.force
            && let Some(refusal) = other_config(&self.old_config, config)
        {
            bail!(refusal);
        }
        self.config = config.to_string();
        Ok(())
    }

    /// Sets the byte cap of the tree ([`MAX_GENERATED_BYTES`] by default).
    pub fn max_bytes(&mut self, bytes: usize) {
        self.expected.max_bytes = bytes;
    }

    /// Takes one batch of generated files (path relative to the root, contents): compares
    /// each with the disk and stages the new and changed ones, [`STAGE_BYTES`] at a time (the
    /// rest when the run commits). Fails when the tree grows over the caps.
    pub fn add(&mut self, files: Vec<(String, String)>) -> anyhow::Result<()> {
        self.add_hashed(Hashed::new(files))
    }

    /// [`Generation::add`] for a batch hashed already (on the thread that made it).
    pub fn add_hashed(&mut self, batch: Hashed) -> anyhow::Result<()> {
        let Hashed { files, hashes } = batch;
        let valid = self.expected.add(&self.tree.owned, &files, hashes)?;
        for ((rel, content), valid) in files.into_iter().zip(valid) {
            if valid && self.plan_file(&rel, &content)? {
                self.pending_bytes += content.len();
                self.pending.push((rel, content));
            }
        }
        if self.refused() {
            // The run will be refused: the rest is only planned, for the complete message.
            self.pending.clear();
            self.pending_bytes = 0;
            return Ok(());
        }
        if self.pending_bytes < STAGE_BYTES {
            return Ok(());
        }
        self.pending_bytes = 0;
        let files = std::mem::take(&mut self.pending);
        self.stage(files)
    }

    /// Whether the run is already known to be refused.
    fn refused(&self) -> bool {
        !self.blocked.is_empty() || (!self.force && self.plan.needs_force())
    }

    /// What to do with one file; true when it is to be written (the disk does not hold it).
    fn plan_file(&mut self, rel: &str, content: &str) -> anyhow::Result<bool> {
        let path = self.tree.resolve(rel)?;
        let Some(found) = existing_unless_same(&path, content.as_bytes())? else {
            self.plan.unchanged += 1;
            return Ok(false);
        };
        match found {
            // The same bytes with an execute bit: only the mode is rewritten.
            Existing::File(bytes) if bytes == content.as_bytes() => {}
            Existing::File(bytes) => match self.old.get(rel) {
                Some(h) if *h == sha256_hex(&bytes) => {}
                Some(_) => self
                    .plan
                    .overwrites
                    .push((rel.to_string(), Overwrite::Edited)),
                None => self
                    .plan
                    .overwrites
                    .push((rel.to_string(), Overwrite::Foreign)),
            },
            Existing::Missing => {}
            Existing::Other(kind) => {
                self.blocked.push(format!("  {rel}: is a {kind}"));
                return Ok(false);
            }
        }
        let sha256 = self.expected.hashes.get(rel).cloned().unwrap_or_default();
        self.plan.writes.push(journal::Entry {
            path: rel.to_string(),
            sha256,
        });
        Ok(true)
    }

    /// Lists `files` in the prepared journal (with every write planned so far), then writes
    /// their temp files. Durability comes once, for all of them, before the commit.
    fn stage(&mut self, files: Vec<(String, String)>) -> anyhow::Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let journal = Journal {
            format: journal::FORMAT,
            state: State::Prepared,
            writes: self.plan.writes.clone(),
            removes: Vec::new(),
        };
        write_journal(&self.tree, &journal)?;
        self.journal = Some(journal);
        for (rel, content) in files {
            self.stage_file(&rel, content.as_bytes())?;
        }
        Ok(())
    }

    fn stage_file(&mut self, rel: &str, content: &[u8]) -> anyhow::Result<()> {
        let dst = self.tree.resolve(rel)?;
        let parent = dst.parent().unwrap_or(&self.tree.root).to_path_buf();
        create_dirs(&parent, &mut self.dirs)
            .with_context(|| format!("cannot create the directory of {rel}"))?;
        let tmp = tmp_path(&dst);
        let file = create_new(&tmp, content).with_context(|| format!("cannot write {rel}"))?;
        start_writeback(&file);
        self.staged.push(tmp);
        self.dirs.insert(parent);
        Ok(())
    }

    /// Plans the removals and the manifest, refuses what needs `--force` without it, then
    /// commits through the journal. Returns the one-line summary.
    pub fn finish(self) -> anyhow::Result<String> {
        self.finish_run().map(|r| r.summary)
    }

    /// [`Generation::finish`], with the warning of each environment whose root the run removed
    /// or left edited (its resources still exist: the summary ends with the same warnings,
    /// [`retired_warning`]).
    pub fn finish_retired(self) -> anyhow::Result<(String, Vec<String>)> {
        self.finish_run().map(|r| (r.summary, r.retired))
    }

    fn finish_run(mut self) -> anyhow::Result<Finished> {
        self.expected.finish(&self.tree.owned)?;
        let generated = &self.expected.hashes;
        for (rel, hash) in self.old.iter().filter(|(p, _)| !generated.contains_key(*p)) {
            let path = self.tree.resolve(rel)?;
            // A symlink or directory there now is not ours: it is left alone.
            if let Existing::File(bytes) = existing(&path)? {
                if sha256_hex(&bytes) == *hash {
                    self.plan.removes.push(journal::Entry {
                        path: rel.clone(),
                        sha256: hash.clone(),
                    });
                } else {
                    self.plan.kept.push(rel.clone());
                }
            }
        }
        let manifest = manifest_text(generated, &self.config);
        let manifest_path = self.tree.resolve(MANIFEST_PATH)?;
        let manifest_changed = match existing_unless_same(&manifest_path, manifest.as_bytes())? {
            None => false,
            Some(Existing::File(_) | Existing::Missing) => true,
            Some(Existing::Other(kind)) => {
                self.blocked.push(format!("  {MANIFEST_PATH}: is a {kind}"));
                false
            }
        };
        if !self.blocked.is_empty() {
            bail!(
                "cannot write generated files where something else is:\n{}\nmove these away and \
                 re-run `tofugen generate`",
                self.blocked.join("\n")
            );
        }
        if !self.force && self.plan.needs_force() {
            bail!(self.plan.refusal());
        }
        if manifest_changed {
            // Last, so that a complete manifest means a complete tree.
            self.plan.writes.push(journal::Entry {
                path: MANIFEST_PATH.to_string(),
                sha256: sha256_hex(manifest.as_bytes()),
            });
        }
        let mut outcome = Outcome::default();
        if !self.plan.writes.is_empty() || !self.plan.removes.is_empty() {
            outcome = self.commit(manifest_changed.then_some(manifest.as_bytes()))?;
        }
        let mut summary = summary(&self.plan, &outcome, self.recovered.as_ref(), self.force);
        // What `check` would refuse and `generate` leaves alone: said here, once the tree is
        // written, rather than first in CI.
        match check::unknown_files(&mut self.tree, &self.expected.hashes, &self.old) {
            Ok(unknown) if unknown.is_empty() => {}
            Ok(mut unknown) => {
                unknown.sort();
                let _ = write!(
                    summary,
                    "; not written by tofugen, left in place ({}; delete, move or rename them, \
                     `tofugen check` fails until then): {}",
                    check::unknown_reason(
                        unknown
                            .iter()
                            .find(|r| check::loaded_by_opentofu(r))
                            .unwrap_or(&unknown[0])
                    ),
                    // Names found on disk: each on one line (sweep 28, F3).
                    unknown
                        .iter()
                        .map(|p| crate::diagnostics::escape_for_terminal(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Err(e) => {
                let _ = write!(
                    summary,
                    "; could not look for files tofugen did not write in generated/: {e:#}"
                );
            }
        }
        // Last, on lines of their own: an environment's root removed.
        // Its `main.tf` removed, or left in place because edited by hand (`--force` then).
        // Sets: a run may retire thousands of environments, each looked up once.
        let removed = retired_environments(self.plan.removes.iter().map(|e| e.path.as_str()));
        let left = retired_environments(self.plan.kept.iter().map(String::as_str));
        let retired: Vec<String> = removed
            .union(&left)
            .map(|env| retired_warning(env, left.contains(env)))
            .collect();
        for warning in &retired {
            let _ = write!(summary, "\nwarning: {warning}");
        }
        Ok(Finished {
            summary,
            stopped: outcome.stopped,
            retired,
        })
    }

    /// The final prepared journal (every write and removal), the manifest's temp file, one
    /// batch of durability, the commit point, then the renames and removals.
    fn commit(&mut self, manifest: Option<&[u8]>) -> anyhow::Result<Outcome> {
        let mut journal = Journal {
            format: journal::FORMAT,
            state: State::Prepared,
            writes: self.plan.writes.clone(),
            removes: self.plan.removes.clone(),
        };
        write_journal(&self.tree, &journal)?;
        self.journal = Some(journal.clone());
        // The files not staged yet are listed in this journal.
        for (rel, content) in std::mem::take(&mut self.pending) {
            self.stage_file(&rel, content.as_bytes())?;
        }
        if let Some(m) = manifest {
            self.stage_file(MANIFEST_PATH, m)?;
        }
        // Reading the temp files back to check their hashes is most of the renames' time: it
        // is done on another thread while the filesystem syncs, before the commit point, so a
        // temp file that does not hold what the journal records stops the run uncommitted (its
        // temp files are then deleted) rather than half-way through the renames.
        let staged = journal
            .writes
            .iter()
            .map(|w| Ok((w, tmp_path(&self.tree.resolve(&w.path)?))))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (durable, checked) = std::thread::scope(|scope| {
            let checking = scope.spawn(|| check_staged(&staged));
            let durable = make_durable(&self.staged, &self.dirs);
            let checked = checking
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (durable, checked)
        });
        durable?;
        checked?;
        if self.interrupt == Some(Interrupt::BeforeCommit) {
            self.done = true;
            return Ok(Outcome {
                stopped: true,
                kept: Vec::new(),
            });
        }
        journal.state = State::Committed;
        // On failure the run is dropped uncommitted: its temp files and journal are deleted.
        write_journal(&self.tree, &journal)?;
        self.done = true;
        roll_forward(&mut self.tree, &journal, self.interrupt, Staged::Checked)
    }
}

/// Checks that each temp file holds the content its journal entry records (see
/// [`Generation::commit`]). [`crate::parallel::THREADS`] threads read and hash them (on a
/// large tree this is what the end of a run waits for); the first file in `staged` that fails
/// is the one reported.
fn check_staged(staged: &[(&journal::Entry, PathBuf)]) -> anyhow::Result<()> {
    let checked = crate::parallel::in_order(staged, |_, (w, tmp)| {
        let holds = match existing(tmp)? {
            Existing::File(bytes) => sha256_hex(&bytes) == w.sha256,
            Existing::Missing | Existing::Other(_) => false,
        };
        if !holds {
            bail!(
                "{}: its temp file {} no longer holds what this run wrote (is another process \
                 writing in the tree?); nothing was committed: re-run `tofugen generate`",
                w.path,
                tmp.display()
            );
        }
        Ok(())
    });
    checked.into_iter().collect()
}

/// Whether the temp files of a committed journal were checked by the run that wrote them
/// ([`check_staged`]), or must be checked as they are renamed (recovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Staged {
    /// Checked before the commit point: renamed without reading them again.
    Checked,
    /// Left by an interrupted run: each is checked right before its rename.
    Unchecked,
}

impl Drop for Generation {
    /// A run that ends before its journal is committed deletes its temp files and journal.
    fn drop(&mut self) {
        if !self.done
            && let Some(journal) = self.journal.take()
        {
            let _ = roll_back(&mut self.tree, &journal);
        }
    }
}

/// The files the previous run wrote, from the manifest. With `force`, an unreadable manifest
/// lists nothing (every existing file is then treated as unknown, and overwritten; none is
/// deleted); invalid entries are an error whatever `force` says.
fn previous_files(
    tree: &mut Tree,
    force: bool,
) -> anyhow::Result<(BTreeMap<String, String>, String)> {
    match read_manifest(tree) {
        Ok(Some(m)) => {
            if !force {
                refuse_downgrade(&m.tofugen, env!("CARGO_PKG_VERSION"))?;
            }
            let config = if portable_config(&m.config) {
                m.config
            } else {
                String::new()
            };
            Ok((m.files, config))
        }
        Ok(None) => Ok((BTreeMap::new(), String::new())),
        Err(ManifestError::Unreadable(_) | ManifestError::Conflict(..)) if force => {
            Ok((BTreeMap::new(), String::new()))
        }
        Err(e @ ManifestError::Conflict(..)) => bail!(e),
        Err(e @ ManifestError::Unreadable(_)) => bail!(
            "{e}\nrestore the manifest from git, or re-run with `tofugen generate --force` \
             (every existing file is then overwritten, none is deleted)"
        ),
        Err(e @ (ManifestError::Entries(_) | ManifestError::NotAFile(_))) => bail!(e),
    }
}

/// Refuses to regenerate, with `current`, a tree the manifest says a newer tofugen (`written`)
/// wrote: the older version's output would replace the newer one's in every file, the fixes of
/// the newer release undone in one diff that reads like a regeneration (a developer's older
/// install against a tree CI or a teammate generated). `--force` skips it. A version either side
/// cannot read as `MAJOR.MINOR.PATCH` (a tree written before the manifest named it, a hand-made
/// manifest) is not compared.
fn refuse_downgrade(written: &str, current: &str) -> anyhow::Result<()> {
    match newer_tofugen(written, current) {
        Some(refusal) => bail!(refusal),
        None => Ok(()),
    }
}

/// Why `generate` refuses a tree the manifest says a newer tofugen (`written`) wrote, with the
/// fix on a second line; `None` when `current` is as new ([`refuse_downgrade`]).
fn newer_tofugen(written: &str, current: &str) -> Option<String> {
    let (w, c) = (release_of(written)?, release_of(current)?);
    // The release as parsed, not the manifest's text: its suffix is anyone's to write.
    let written = format!("{}.{}.{}", w.0, w.1, w.2);
    (w > c).then(|| {
        format!(
            "{MANIFEST_PATH} says tofugen {written} generated this tree, a newer version than \
             this tofugen ({current}): generating would replace its output with this older \
             version's\ninstall tofugen {written} or newer (the generated workflows install the \
             version `ci.tofugen` names), or run `tofugen generate --force` to go back to \
             {current} on purpose"
        )
    })
}

/// Why `generate` from the configuration `config` refuses a tree the manifest says `old`
/// generated (another configuration: "" when the manifest names none), with the fix on a
/// second line; `None` when they agree ([`Generation::from_config`]).
fn other_config(old: &str, config: &str) -> Option<String> {
    (!old.is_empty() && old != config).then(|| {
        format!(
            "{MANIFEST_PATH} says `{old}` generated this tree, not `{config}`: generating would \
             replace that configuration's tree with this one's (the roots of its environments \
             removed)\nrun `tofugen --config {old} generate`, or `tofugen --config {config} \
             generate --force` to switch the tree to `{config}` on purpose"
        )
    })
}

/// Why `generate` would refuse the tree whose manifest names the tofugen `written` and the
/// configuration `old` (a portable path, or ""), run by this tofugen from `config`: what
/// `check` reports first, as `generate` would (its message, the fix on a second line).
fn generate_refusal(written: &str, old: &str, config: &str) -> Option<String> {
    newer_tofugen(written, env!("CARGO_PKG_VERSION")).or_else(|| other_config(old, config))
}

/// Whether a configuration path read from a manifest may be compared and shown: short, and
/// made of the characters `locate` allows in one (ASCII letters, digits, `.`, `_`, `-`, `/`).
/// Anything else is anyone's text, never echoed: the tree is then not tied to a configuration.
fn portable_config(config: &str) -> bool {
    !config.is_empty()
        && config.len() <= 1024
        && config
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

/// `MAJOR.MINOR.PATCH` of a version (a pre-release or build suffix ignored), when it has that
/// shape: what [`refuse_downgrade`] compares.
fn release_of(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| {
        if p.is_empty() || p.len() > 19 || !p.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            p.parse::<u64>().ok()
        }
    });
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// Why a file is in [`Plan::overwrites`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overwrite {
    /// tofugen wrote it, and it was edited since.
    Edited,
    /// tofugen never wrote it (at a path tofugen writes).
    Foreign,
}

impl Overwrite {
    /// How the refusal lists it.
    fn why(self) -> &'static str {
        match self {
            Overwrite::Edited => "edited by hand since tofugen generated it",
            Overwrite::Foreign => "exists but was not written by tofugen",
        }
    }
}

/// The one-line summary of a run: counts, what `--force` did, what was left in place, and the
/// recovery of an interrupted run.
fn summary(
    plan: &Plan,
    outcome: &Outcome,
    recovered: Option<&(State, Vec<String>)>,
    force: bool,
) -> String {
    let mut summary = plan.summary(outcome.kept.len());
    if force && !plan.overwrites.is_empty() {
        let _ = write!(
            summary,
            " ({} file(s) overwritten by --force)",
            plan.overwrites.len()
        );
    }
    let recovered_kept = recovered.map_or(&[][..], |(_, k)| k.as_slice());
    let kept: Vec<&str> = plan
        .kept
        .iter()
        .chain(&outcome.kept)
        .chain(recovered_kept)
        .map(String::as_str)
        .collect();
    if !kept.is_empty() {
        let _ = write!(
            summary,
            "; left in place, no longer generated but edited by hand (tofugen never deletes \
             them): {}",
            kept.join(", ")
        );
    }
    // The bootstrap root is applied by a person, not by CI (sweep 58a, M1: a new operator secret
    // or environment changed it, and the next plan failed inside the provider, "no element found
    // with the name", before anything said to apply it).
    let bootstrap = format!("{}/", crate::emit::bootstrap::BOOTSTRAP_DIR);
    if plan
        .writes
        .iter()
        .chain(&plan.removes)
        .any(|e| e.path.starts_with(&bootstrap))
    {
        let _ = write!(
            summary,
            "; {bootstrap} changed: once merged, a person applies it before the next deploy \
             (CI never does; {bootstrap}README.md)"
        );
    }
    match recovered.map(|(state, _)| state) {
        Some(State::Committed) => summary.push_str("; completed an interrupted run first"),
        Some(State::Prepared) => summary.push_str("; rolled back an interrupted run first"),
        None => {}
    }
    summary
}

#[derive(Default)]
struct Plan {
    /// Files to write, with the hash of their content (the manifest last).
    writes: Vec<journal::Entry>,
    /// Orphans to delete, with the hash they must still hold.
    removes: Vec<journal::Entry>,
    /// Files that exist and are not what tofugen wrote: overwritten only with `--force`.
    overwrites: Vec<(String, Overwrite)>,
    /// Orphans edited by hand: never deleted.
    kept: Vec<String>,
    unchanged: usize,
}

impl Plan {
    fn needs_force(&self) -> bool {
        !self.overwrites.is_empty() || !self.kept.is_empty()
    }

    /// The error of a run without `--force` that would overwrite or leave behind edited files.
    fn refusal(&self) -> String {
        // Files left in place are not overwritten (sweep 57, #4: the heading said so of them).
        let mut msg = String::from(if self.overwrites.is_empty() {
            "refusing to go on: files tofugen no longer generates were edited by hand:\n"
        } else {
            "refusing to overwrite files that tofugen did not write as they are:\n"
        });
        for (rel, why) in &self.overwrites {
            let _ = writeln!(msg, "  {rel}: {}", why.why());
        }
        for rel in &self.kept {
            let _ = writeln!(
                msg,
                "  {rel}: no longer generated, and edited by hand (tofugen never deletes it: \
                 delete it yourself, or --force leaves it in place)"
            );
        }
        // What to do, for the kinds listed (sweep 55c, #3: one closing sentence said to make
        // the change in the configuration, which holds no file of a user's own, and that
        // `--force` overwrites files it leaves in place).
        let edited = self
            .overwrites
            .iter()
            .any(|(_, why)| *why == Overwrite::Edited);
        let foreign = self
            .overwrites
            .iter()
            .any(|(_, why)| *why == Overwrite::Foreign);
        let mut steps = Vec::new();
        if edited {
            steps.push(
                "make the edits in the configuration instead (these files are generated from \
                 it)",
            );
        }
        if foreign {
            steps.push(
                "move or rename each file tofugen did not write (tofugen writes that path: no \
                 configuration keeps a file of your own there)",
            );
        }
        if !self.kept.is_empty() {
            steps.push("delete each file no longer generated");
        }
        let force = match (edited || foreign, !self.kept.is_empty()) {
            (true, true) => {
                "`tofugen generate --force` overwrites the files above and leaves \
                             those no longer generated in place"
            }
            (true, false) => {
                "`tofugen generate --force` overwrites the files above, losing \
                              what they hold"
            }
            _ => "`tofugen generate --force` leaves them in place",
        };
        let _ = write!(
            msg,
            "nothing was written. To go on, {}; or re-run: {force}",
            steps.join("; ")
        );
        msg
    }

    fn summary(&self, kept_late: usize) -> String {
        let written = self
            .writes
            .iter()
            .filter(|w| w.path != MANIFEST_PATH)
            .count();
        let removed = self.removes.len() - kept_late;
        let mut summary = format!(
            "generated: {written} written, {} unchanged, {removed} removed",
            self.unchanged,
        );
        // The manifest alone (it was missing or changed): "0 written" would say nothing was.
        if written == 0 && removed == 0 && self.writes.iter().any(|w| w.path == MANIFEST_PATH) {
            summary.push_str("; the manifest was rewritten");
        }
        summary
    }
}

/// The environments whose root `removes` deletes (its `main.tf`), in path order: the
/// directories of `generated/` but `bootstrap` and the vendored modules.
/// What [`Generation::finish_run`] returns.
struct Finished {
    /// The one-line summary, then a warning line per environment in `retired`.
    summary: String,
    /// Whether a simulated crash stopped the run ([`testing`]).
    stopped: bool,
    /// The warning of each environment whose root the run removed ([`retired_warning`]).
    retired: Vec<String>,
}

/// The warning of an environment whose root a run removed (`env`: a name the configuration
/// allowed, a path segment of `generated/`), or whose `main.tf`, edited by hand, it left in
/// place (`main_left`): what still exists and how to retire or keep it.
pub fn retired_warning(env: &str, main_left: bool) -> String {
    let what = if main_left {
        "its main.tf, edited by hand, was left in place"
    } else {
        "was removed"
    };
    format!(
        "the root of environment `{env}` is no longer generated and {what}, but if it was \
         ever applied, its Scaleway resources still exist and nothing applies them any more (a \
         root never applied, such as `tofugen init`'s starter, has none: nothing to do). To \
         retire it: check \
         out the last commit that has `generated/{env}/`, run `tofu destroy` there (with that \
         environment's deployer key and state passphrase), then apply `generated/bootstrap`, \
         which deletes its project, keys and registry (its state bucket must be emptied first). \
         To keep it, restore it in the configuration and run generate again."
    )
}

/// The environments whose root's `main.tf` is among `paths` (bootstrap and the vendored
/// modules aside), sorted, each once.
fn retired_environments<'a>(paths: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    paths
        .filter_map(|path| {
            path.strip_prefix("generated/")?
                .strip_suffix("/main.tf")
                .filter(|env| !env.contains('/') && *env != "bootstrap" && *env != "modules")
        })
        .collect()
}

/// What executing a journal did.
#[derive(Debug, Default)]
struct Outcome {
    /// A simulated crash stopped it.
    stopped: bool,
    /// Removals skipped because the file no longer held the recorded content.
    kept: Vec<String>,
}

/// Makes `files` (just written) and the entries of `dirs` durable, as one batch: on Linux, one
/// `syncfs(2)` per filesystem they are on, so the kernel writes everything back together
/// instead of waiting for one `fsync` per file (since Linux 5.8 `syncfs` reports writeback
/// errors like `fsync` does); elsewhere an `fsync` per file, then per directory. Either way it
/// happens before the journal is committed, so the crash-safety argument is unchanged: a
/// committed journal names only durable temp files.
fn make_durable(files: &[PathBuf], dirs: &BTreeSet<PathBuf>) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt as _;
        let _ = files;
        let mut filesystems: BTreeMap<u64, &Path> = BTreeMap::new();
        for d in dirs {
            let dev = fs::metadata(d)
                .with_context(|| format!("cannot inspect {}", d.display()))?
                .dev();
            filesystems.entry(dev).or_insert(d);
        }
        for d in filesystems.values() {
            sync_filesystem(d)
                .with_context(|| format!("cannot sync the filesystem of {}", d.display()))?;
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for f in files {
            fs::File::open(f)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot fsync {}", f.display()))?;
        }
        sync_dirs(dirs)
    }
}

/// `syncfs(2)` on the filesystem holding the directory `dir`.
#[cfg(target_os = "linux")]
fn sync_filesystem(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let d = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
        .open(dir)?;
    // SAFETY: `d` is an open file descriptor for the duration of the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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
    create_new(path, content)?.sync_all()
}

/// Asks the kernel to start writing `file` back now, without waiting
/// (`sync_file_range(2)` with `SYNC_FILE_RANGE_WRITE`, Linux only): the files of a run are made
/// durable by one `syncfs` at the end, which then finds most of them written already instead of
/// a run's worth of dirty pages. Only a hint: an error is ignored (the final sync reports any),
/// and nothing is durable before the final sync. Measured on 1000 services x 10 environments
/// from an empty tree (2-core VM, `sync` before each run, alternating): 1.18-1.59 s (0.51-0.75 s
/// of system time) against 1.84-2.15 s (1.18-1.44 s), 6 pairs.
fn start_writeback(file: &fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        // SAFETY: a valid descriptor, integers; touches no memory.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Creates `path` afresh (never through an existing file or symlink) with `content`; the
/// caller makes it durable.
fn create_new(path: &Path, content: &[u8]) -> io::Result<fs::File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(content)?;
    Ok(f)
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

/// Finishes a committed journal: renames (each temp file's hash checked first), removals (each
/// file's hash checked first; a file that changed is left in place), empty directories, fsyncs,
/// journal removal. `stop_after` simulates a crash after that many operations.
fn roll_forward(
    tree: &mut Tree,
    journal: &Journal,
    interrupt: Option<Interrupt>,
    staged: Staged,
) -> anyhow::Result<Outcome> {
    // Past the commit point a failure cannot be undone: every error says what the tree holds
    // now and what finishes it (the next run rolls the committed journal forward).
    put_in_place(tree, journal, interrupt, staged).map_err(|e| {
        e.context(after_commit_point(
            journal.writes.len() + journal.removes.len(),
        ))
    })
}

/// The renames and removals of [`roll_forward`], stopping (or failing) where `interrupt`
/// says, for the crash-safety tests.
fn put_in_place(
    tree: &mut Tree,
    journal: &Journal,
    interrupt: Option<Interrupt>,
    staged: Staged,
) -> anyhow::Result<Outcome> {
    let mut dirs = BTreeSet::new();
    let mut outcome = Outcome::default();
    let stop_after = match interrupt {
        Some(Interrupt::AfterOps(n) | Interrupt::FailAfterOps(n)) => Some(n),
        _ => None,
    };
    let interrupted = |mut outcome: Outcome| {
        if let Some(Interrupt::FailAfterOps(n)) = interrupt {
            bail!("simulated I/O error after {n} change(s)");
        }
        outcome.stopped = true;
        Ok(outcome)
    };
    let mut done = 0;
    for w in &journal.writes {
        if stop_after == Some(done) {
            return interrupted(outcome);
        }
        let dst = rename_into_place(tree, w, staged)?;
        if let Some(p) = dst.parent() {
            dirs.insert(p.to_path_buf());
        }
        done += 1;
    }
    for r in &journal.removes {
        if stop_after == Some(done) {
            return interrupted(outcome);
        }
        let path = tree.resolve(&r.path)?;
        match existing(&path)? {
            Existing::File(bytes) if sha256_hex(&bytes) == r.sha256 => {
                fs::remove_file(&path).with_context(|| format!("cannot remove {}", r.path))?;
            }
            Existing::File(_) => outcome.kept.push(r.path.clone()),
            Existing::Missing | Existing::Other(_) => {}
        }
        if let Some(p) = path.parent() {
            dirs.insert(p.to_path_buf());
        }
        remove_empty_parents(tree, &r.path, &mut dirs);
        done += 1;
    }
    // Directories removed above no longer need (nor allow) an fsync.
    dirs.retain(|d| d.exists());
    make_durable(&[], &dirs)?;
    remove_journal(tree)?;
    Ok(outcome)
}

/// Renames `w`'s temp file over its destination once its hash is checked: before the commit
/// point ([`Staged::Checked`]), else here (or, when the rename was done before a crash, checks
/// the destination). Returns the destination.
fn rename_into_place(
    tree: &mut Tree,
    w: &journal::Entry,
    staged: Staged,
) -> anyhow::Result<PathBuf> {
    let dst = tree.resolve(&w.path)?;
    let tmp = tmp_path(&dst);
    if staged == Staged::Checked {
        fs::rename(&tmp, &dst).with_context(|| format!("cannot rename into {}", w.path))?;
        return Ok(dst);
    }
    let (found, renamed) = match existing(&tmp)? {
        Existing::File(bytes) => (bytes, false),
        Existing::Missing => match existing(&dst)? {
            Existing::File(bytes) => (bytes, true),
            _ => (Vec::new(), true),
        },
        Existing::Other(kind) => bail!(
            "{}: temp file {} is a {kind}, not a regular file; nothing was renamed",
            w.path,
            tmp.display()
        ),
    };
    if sha256_hex(&found) != w.sha256 {
        let which = if renamed { "the file" } else { "its temp file" };
        bail!(
            "cannot complete the run recorded in {JOURNAL_PATH}: {}: {which} does not hold the \
             content the journal records; nothing more was done. Delete {JOURNAL_PATH} and the \
             `*{TMP_SUFFIX}` files, then re-run `tofugen generate`",
            w.path
        );
    }
    if !renamed {
        fs::rename(&tmp, &dst).with_context(|| format!("cannot rename into {}", w.path))?;
    }
    Ok(dst)
}

/// Undoes a prepared journal: deletes its temp files (regular files with tofugen's temp name
/// next to owned paths) and the directories they leave empty.
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

/// Why the journal's temp file (`.tofugen-journal.json.tofugen-tmp`) under `root` stops
/// `generate`, if it does: it is a symlink or not a regular file (a directory), which tofugen
/// neither follows nor removes. `check` reports it too: committed, it passed `check` and broke
/// every `generate`, naming the journal instead (sweep 28, W1).
fn journal_tmp_problem(root: &Path) -> Option<String> {
    let name = format!("{JOURNAL_PATH}{TMP_SUFFIX}");
    let meta = fs::symlink_metadata(root.join(&name)).ok()?;
    let kind = if meta.file_type().is_symlink() {
        "symlink"
    } else if meta.is_file() {
        return None;
    } else {
        crate::load::kind_of(&meta.file_type())
    };
    Some(format!(
        "{name} is a {kind}, where tofugen writes its journal's temp file: `tofugen generate` \
         neither follows nor removes it\nmove it away, then run `tofugen generate`"
    ))
}

/// Completes or undoes the journal an interrupted run left, once verified. Returns its state,
/// if there was one, and the files whose removal it skipped because they changed since. A
/// journal that fails verification is an error, and nothing is done.
fn recover(tree: &mut Tree) -> anyhow::Result<Option<(State, Vec<String>)>> {
    // A run killed while writing the journal itself leaves its temp file: the journal it was
    // replacing (if any) is still the truth, so the temp file is only garbage.
    let journal_tmp = tree.root.join(format!("{JOURNAL_PATH}{TMP_SUFFIX}"));
    if let Some(problem) = journal_tmp_problem(&tree.root) {
        bail!(problem);
    }
    match fs::remove_file(&journal_tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot remove {}", journal_tmp.display()));
        }
    }
    let journal = match journal::read(tree) {
        Ok(Some(j)) => j,
        Ok(None) => return Ok(None),
        Err(e) => bail!(
            "{e}\nit is not a journal tofugen can act on; nothing was done: inspect it, delete \
             it and re-run `tofugen generate`"
        ),
    };
    let problems = journal::verify(tree, &journal);
    if !problems.is_empty() {
        bail!(journal::rejection(&journal, &problems));
    }
    let kept = match journal.state {
        State::Prepared => {
            roll_back(tree, &journal)?;
            Vec::new()
        }
        State::Committed => roll_forward(tree, &journal, None, Staged::Unchecked)?.kept,
    };
    Ok(Some((journal.state, kept)))
}

/// What an error past the commit point means for the tree: some of the `changes` renames and
/// removals of a committed journal are done, the others are not, and the journal (kept on
/// disk) lets the next run finish them.
fn after_commit_point(changes: usize) -> String {
    format!(
        "the run was committed but stopped while putting its {changes} change(s) in place: until \
         a run completes it, the tree mixes old and new generated files (do not commit it); \
         {JOURNAL_PATH} records the rest, and the next `tofugen generate` finishes it once the \
         cause that follows is fixed (`tofugen check` meanwhile reports the interrupted run)"
    )
}

/// Why the manifest cannot be used.
#[derive(Debug)]
enum ManifestError {
    /// Not readable as a manifest (not a file, not JSON, wrong format): `--force` rebuilds it.
    Unreadable(anyhow::Error),
    /// It lists entries tofugen never writes or with invalid hashes: never acted on, never
    /// overridden.
    Entries(Vec<String>),
    /// Not a regular file (a directory, a FIFO, a device): `--force` cannot replace it.
    NotAFile(String),
    /// Merge-conflict markers (at this line, which reads so): two branches changed the tree.
    /// `--force` rebuilds it, as an unreadable one, but taking either side is the safe way.
    Conflict(usize, String),
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManifestError::Unreadable(e) => write!(f, "{e:#}"),
            // Sweep 55c, #4: the most frequent conflict of a busy repository (every pull
            // request rewrites the manifest) got a JSON error, and `--force` as the way out.
            ManifestError::Conflict(line, text) => write!(
                f,
                "the manifest of generated files has merge-conflict markers: \
                 {MANIFEST_PATH}:{line}:1\n  | {text}\ntake either side (`git checkout --ours \
                 {MANIFEST_PATH}`), then run `tofugen generate`: it rewrites the manifest, keeps \
                 every file that holds what it would write, and refuses only files that differ \
                 from it and from the manifest (merge those as any conflict)"
            ),
            ManifestError::NotAFile(what) => write!(
                f,
                "the manifest of generated files is not valid: {MANIFEST_PATH} {what}\nmove it \
                 away (tofugen writes its manifest there; `--force` does not replace it), then \
                 run `tofugen generate` again"
            ),
            ManifestError::Entries(entries) => write!(
                f,
                "the manifest of generated files is not valid: {MANIFEST_PATH} lists entries \
                 tofugen never writes; they are not acted on (nothing is deleted, renamed or \
                 written), --force included:\n{}\nremove these entries (restore the manifest \
                 from git, or delete it and run `tofugen generate --force`)",
                entries.join("\n")
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

/// The configuration the manifest under `root` says generated the tree, when there is a valid
/// manifest (a regular file, within the root) naming a portable path other than `except`, and
/// that file exists: what a missing configuration's help points at (a tree generated with
/// `--config infra/envs.yaml`, then `tofugen check` run without it; sweep 27, F2). Read only,
/// bounded, never followed through a symlink out of `root`.
pub fn manifest_config(root: &Path, except: &str) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let path = root.join(MANIFEST_PATH);
    if !path.parent()?.canonicalize().ok()?.starts_with(&root) {
        return None;
    }
    let bytes = crate::load::read_regular(&path, MAX_BOOKKEEPING_BYTES, false).ok()?;
    let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
    let config = manifest.config;
    (manifest.format == MANIFEST_FORMAT
        && portable_config(&config)
        && config != except
        && !config
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && root.join(&config).is_file())
    .then_some(config)
}

/// Reads the manifest: `None` when there is none, an error when it is not a valid manifest.
fn read_manifest(tree: &mut Tree) -> Result<Option<Manifest>, ManifestError> {
    let path = tree
        .resolve(MANIFEST_PATH)
        .map_err(ManifestError::Unreadable)?;
    let bytes = match crate::load::read_regular(&path, MAX_BOOKKEEPING_BYTES, false) {
        Ok(b) => b,
        Err(crate::load::ReadError::Io(e)) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e @ crate::load::ReadError::NotRegular(_)) => {
            return Err(ManifestError::NotAFile(e.to_string()));
        }
        Err(e) => {
            return Err(ManifestError::Unreadable(anyhow::anyhow!(
                "the manifest of generated files is not valid: {MANIFEST_PATH}: {e}"
            )));
        }
    };
    parse_manifest(&tree.owned, &bytes).map(Some)
}

/// Parses and validates a manifest's bytes: format, and every entry (owned path, sha256).
fn parse_manifest(owned: &OwnedPaths, bytes: &[u8]) -> Result<Manifest, ManifestError> {
    // git's conflict markers start a line: `<<<<<<< ` (then `=======`, `>>>>>>> `), maybe
    // after a byte-order mark, maybe before a CR (sweep 57, #2).
    if let Some((line, text)) = bytes.split(|&b| b == b'\n').enumerate().find(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let l = if *i == 0 {
            l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l)
        } else {
            l
        };
        l.starts_with(b"<<<<<<< ") || l == b"<<<<<<<"
    }) {
        let text = String::from_utf8_lossy(text);
        return Err(ManifestError::Conflict(
            line + 1,
            crate::diagnostics::escape_for_terminal(text.trim_end_matches('\r')).to_string(),
        ));
    }
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| anyhow::anyhow!(json_error(MANIFEST_PATH, bytes, &e)))
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
        .context("the manifest of generated files is not valid")
        .map_err(ManifestError::Unreadable)?;
    let invalid: Vec<String> = manifest
        .files
        .iter()
        .filter_map(|(p, h)| match check_entry(owned, p) {
            Err(e) => Some(format!("  {p:?}: {e}")),
            Ok(()) if !is_sha256_hex(h) => Some(format!("  {p:?}: `{h}` is not a sha256")),
            Ok(()) => None,
        })
        .collect();
    if !invalid.is_empty() {
        return Err(ManifestError::Entries(invalid));
    }
    Ok(manifest)
}

/// Why a path read back from the manifest or the journal may not be acted on, if it may not.
fn check_entry(owned: &OwnedPaths, path: &str) -> Result<(), String> {
    owned.check(path)?;
    if is_reserved(path) {
        return Err("the name is reserved for tofugen's own bookkeeping".into());
    }
    // Never one of tofugen's files: an entry naming one (with its hash) would have `generate`
    // delete a provider lock or a local state it does not own (sweep 10).
    if check::is_local_artifact(path) {
        return Err(
            "the name is one of OpenTofu's local files (`.terraform/`, the lock file, local \
             state, plans), which tofugen never writes"
                .into(),
        );
    }
    Ok(())
}

/// A JSON error in `name` as `NAME:LINE:COL: message`, followed by the offending line.
fn json_error(name: &str, bytes: &[u8], e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&suffix).unwrap_or(&msg);
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let line = crate::diagnostics::escape_for_terminal(line);
    format!("{name}:{}:{}: {msg}\n  | {line}", e.line(), e.column())
}

/// The manifest listing `hashes` (path → sha256 of the content): sorted, pretty JSON with a
/// final newline.
fn manifest_text(hashes: &BTreeMap<String, String>, config: &str) -> String {
    let manifest = Manifest {
        comment: "Written by `tofugen generate`: the files it generated and the sha256 of \
                  their content. Do not edit."
            .to_string(),
        format: MANIFEST_FORMAT,
        tofugen: env!("CARGO_PKG_VERSION").to_string(),
        config: config.to_string(),
        files: hashes.clone(),
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

/// Largest file (on disk or generated) a difference is computed for: a diff of files over it
/// says so instead (a 99 MB file planted at a generated path cost `check` 7 s to diff; sweep
/// 59a, F3).
const MAX_DIFF_INPUT_BYTES: usize = 8 << 20;

/// Time a diff may take before it is cut to a coarser one (`similar`'s deadline).
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

fn unified_diff(rel: &str, old: &[u8], new: &str) -> String {
    if old.len() > MAX_DIFF_INPUT_BYTES || new.len() > MAX_DIFF_INPUT_BYTES {
        return format!(
            "(no diff: the file on disk has {} bytes and tofugen's {}, and diffs are computed up to {} bytes)\n",
            old.len(),
            new.len(),
            MAX_DIFF_INPUT_BYTES
        );
    }
    let old = String::from_utf8_lossy(old);
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old.as_ref(), new)
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

/// Makes the entries of `dir` durable. Opened as a directory only, never blocking.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
            .open(dir)?
            .sync_all()
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

/// The most bytes read back from one file of the tree: the most tofugen ever writes (a whole
/// tree at the largest `--max-output-mib`). It was the default cap, so that one generated file
/// over 20 MiB under a raised cap could never be written: its own temp file read back as "no
/// longer holds what this run wrote" (sweep 37, F4).
const MAX_READ_BACK_BYTES: usize = MAX_OUTPUT_MIB_CEILING << 20;

/// What is at `path`, read without following a final symlink, without blocking on a FIFO
/// (even one swapped in after a check) and without reading more than tofugen ever writes.
fn existing(path: &Path) -> anyhow::Result<Existing> {
    found_at(
        path,
        crate::load::read_regular(path, MAX_READ_BACK_BYTES, false),
    )
}

/// What reading `path` found, as [`existing`] says it.
fn found_at(path: &Path, read: Result<Vec<u8>, ReadError>) -> anyhow::Result<Existing> {
    match read {
        Ok(bytes) => Ok(Existing::File(bytes)),
        Err(ReadError::NotRegular(kind)) => Ok(Existing::Other(kind)),
        Err(ReadError::TooLarge(_)) => Ok(Existing::Other("file larger than tofugen ever writes")),
        Err(ReadError::Io(e)) if e.kind() == ErrorKind::NotFound => Ok(Existing::Missing),
        Err(ReadError::Io(e)) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// [`existing`], unless `path` holds exactly `content`: then `None`, found by comparing the file
/// a chunk at a time as it is read ([`crate::load::read_regular_unless`]), without holding it.
/// A file holding `content` with an execute bit set is not the same: git records the mode,
/// and generated files are never executable (they are written `0666` less the umask), so it
/// is given back as a file of those same bytes, which `generate` rewrites (resetting the mode)
/// and `check` reports.
fn existing_unless_same(path: &Path, content: &[u8]) -> anyhow::Result<Option<Existing>> {
    use crate::load::Compared;
    match crate::load::read_regular_unless(path, MAX_READ_BACK_BYTES, false, content) {
        Ok(Compared::Same(meta)) if is_executable(&meta) => {
            Ok(Some(Existing::File(content.to_vec())))
        }
        Ok(Compared::Same(_)) => Ok(None),
        Ok(Compared::Other(bytes)) => found_at(path, Ok(bytes)).map(Some),
        Err(e) => found_at(path, Err(e)).map(Some),
    }
}

/// Whether a file of this metadata (read from the open file, so never a symlink's) has an
/// execute bit set.
#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o111 != 0
}

/// Whether a file of this metadata has an execute bit set: never, off Unix.
#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Names tofugen uses for its own bookkeeping: never a generated file, manifest or journal
/// entry.
fn is_reserved(path: &str) -> bool {
    path.ends_with(TMP_SUFFIX) || path == MANIFEST_PATH || path == LOCK_PATH || path == JOURNAL_PATH
}

/// A batch of generated files (path relative to the root, contents) with the sha256 of each,
/// computed where the batch was made: `generate` hashes each batch on the thread that emitted
/// it, so that the thread writing the tree does not (on a large tree it is the one the run
/// waits for).
#[derive(Debug)]
pub struct Hashed {
    files: Vec<(String, String)>,
    /// The sha256 (lowercase hex) of each file's contents, in the order of `files`.
    hashes: Vec<String>,
}

impl Hashed {
    /// Hashes each file of `files`.
    pub fn new(files: Vec<(String, String)>) -> Hashed {
        let hashes = hashes_of(&files);
        Hashed { files, hashes }
    }

    /// The files (path, contents), in the order they were given.
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }
}

/// The sha256 (lowercase hex) of each file's contents, in order.
fn hashes_of(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .map(|(_, c)| sha256_hex(c.as_bytes()))
        .collect()
}

/// The generated tree as far as it was given: every path with the sha256 of its content, the
/// running size, and the invalid paths found. Paths and hashes only, so it stays small.
struct Expected {
    /// Path → sha256 (lowercase hex) of its content.
    hashes: BTreeMap<String, String>,
    bytes: usize,
    files: usize,
    problems: Vec<String>,
    /// The byte cap ([`MAX_GENERATED_BYTES`] unless raised).
    max_bytes: usize,
}

impl Default for Expected {
    fn default() -> Self {
        Expected {
            hashes: BTreeMap::new(),
            bytes: 0,
            files: 0,
            problems: Vec::new(),
            max_bytes: MAX_GENERATED_BYTES,
        }
    }
}

impl Expected {
    /// Records a batch; returns, per file, whether its path is valid (an invalid one is
    /// reported by [`Expected::finish`] and never acted on). Fails at once when the tree is
    /// over the caps.
    /// `hashes` holds the sha256 of each file of `files`, in order ([`hashes_of`], computed
    /// where the batch was made for `generate`: see [`Hashed`]).
    fn add(
        &mut self,
        owned: &OwnedPaths,
        files: &[(String, String)],
        hashes: Vec<String>,
    ) -> anyhow::Result<Vec<bool>> {
        self.files += files.len();
        self.bytes += files.iter().map(|(_, c)| c.len()).sum::<usize>();
        check_size(self.files, self.bytes, self.max_bytes)?;
        let mut valid = Vec::with_capacity(files.len());
        for ((path, _), hash) in files.iter().zip(hashes) {
            if let Err(e) = check_entry(owned, path) {
                self.problems.push(format!("  {path:?}: {e}"));
                valid.push(false);
                continue;
            }
            let first = self.hashes.insert(path.clone(), hash).is_none();
            if !first {
                self.problems.push(format!("  {path:?}: generated twice"));
            }
            valid.push(first);
        }
        Ok(valid)
    }

    /// Once every batch is in: refuses, reporting them all at once, the invalid paths, a file
    /// that is also the directory of another, and an unowned manifest. An invalid path is a
    /// tofugen bug: nothing is written.
    fn finish(&self, owned: &OwnedPaths) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if let Err(e) = owned.check(MANIFEST_PATH) {
            problems.push(format!("  {MANIFEST_PATH:?} (the manifest): {e}"));
        }
        problems.extend(self.problems.iter().cloned());
        for path in self.hashes.keys() {
            // A file cannot also be a directory of another generated file (or of the manifest).
            let mut cur = path.as_str();
            while let Some((parent, _)) = cur.rsplit_once('/') {
                if self.hashes.contains_key(parent) {
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
                "refusing to write: invalid generated path(s):\n{}\ngenerated paths must be \
                 relative, normalized and inside the paths tofugen owns ({owned}); nothing was \
                 written (this is a tofugen bug)",
                problems.join("\n")
            );
        }
        Ok(())
    }
}

/// A generated tree refused for its size ([`MAX_GENERATED_FILES`] files, or the byte cap): the
/// command line shows it as a diagnostic of the configuration (at its `environments:` key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// What is too large.
    pub message: String,
    /// What is accepted.
    pub expected: String,
    /// What to do.
    pub help: String,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refusing to write: {}; {}", self.message, self.help)
    }
}

impl std::error::Error for TooLarge {}

impl TooLarge {
    /// A tree of more than [`MAX_GENERATED_FILES`] files, saying so in `message`.
    fn too_many_files(message: String) -> TooLarge {
        TooLarge {
            message,
            expected: format!("at most {MAX_GENERATED_FILES} generated files"),
            help: "check the number of environments and services in the configuration".into(),
        }
    }

    /// The refusal of a configuration declaring `count` environments, more than
    /// [`MAX_ENVIRONMENTS`].
    pub fn environments(count: usize) -> TooLarge {
        TooLarge {
            message: format!(
                "{count} environments, over the limit of {MAX_ENVIRONMENTS}: each adds at least \
                 {} generated files, and a tree holds at most {MAX_GENERATED_FILES}",
                crate::emit::MIN_FILES_PER_ENVIRONMENT
            ),
            expected: format!("at most {MAX_ENVIRONMENTS} environments"),
            help: "remove the environments no longer deployed, or split them across \
                   configurations (one repository each)"
                .into(),
        }
    }

    /// The refusal of a tree of `files` files (counted before any is emitted,
    /// `emit::file_count`) when that is over [`MAX_GENERATED_FILES`].
    pub fn planned(files: usize) -> Option<TooLarge> {
        (files > MAX_GENERATED_FILES).then(|| {
            TooLarge::too_many_files(format!(
                "the configuration would generate {files} files, over the limit of \
                 {MAX_GENERATED_FILES} files"
            ))
        })
    }

    /// This refusal as a diagnostic of the configuration `file`, at `environments_key`, the
    /// span of its `environments:` key (what multiplies the output; [`crate::load::Node::key_span`]), so
    /// that the line is shown.
    pub fn diagnostic(&self, file: FileId, environments_key: Option<Span>) -> Diagnostic {
        Diagnostic::error("too-large", self.message.clone())
            .at(file, environments_key)
            .expected(self.expected.clone())
            .help(self.help.clone())
    }
}

/// Refuses a tree announced to hold more than [`MAX_GENERATED_FILES`] files, before any is
/// emitted.
fn check_planned(files: usize) -> anyhow::Result<()> {
    match TooLarge::planned(files) {
        Some(mut refused) => {
            refused.message.push_str("; nothing was emitted or written");
            Err(refused.into())
        }
        None => Ok(()),
    }
}

/// Refuses a generated tree larger than [`MAX_GENERATED_FILES`] files or `max_bytes` bytes
/// (checked as it is emitted, so that the rest is never emitted).
fn check_size(files: usize, bytes: usize, max_bytes: usize) -> anyhow::Result<()> {
    if files > MAX_GENERATED_FILES {
        return Err(TooLarge::too_many_files(format!(
            "the configuration generates more than {MAX_GENERATED_FILES} files; nothing was \
             written"
        ))
        .into());
    }
    if bytes > max_bytes {
        let mib = max_bytes / (1024 * 1024);
        return Err(TooLarge {
            message: format!(
                "the configuration generates more than {mib} MiB of files; nothing was written"
            ),
            expected: format!(
                "at most {mib} MiB of generated files (`--max-output-mib`, which bounds the work a \
                 configuration can cause)"
            ),
            help: format!(
                "check the number of environments and services in the configuration; if it is \
                 right, raise the limit with `--max-output-mib N` (at most \
                 {MAX_OUTPUT_MIB_CEILING})"
            ),
        }
        .into());
    }
    Ok(())
}

/// Checks a `--max-output-mib` value: the byte cap it sets.
pub fn max_output_bytes(mib: usize) -> Result<usize, String> {
    if (1..=MAX_OUTPUT_MIB_CEILING).contains(&mib) {
        Ok(mib * 1024 * 1024)
    } else {
        Err(format!("expected 1 to {MAX_OUTPUT_MIB_CEILING} (MiB)"))
    }
}

/// The repository root, with the resolution of its directories cached.
struct Tree {
    /// The canonical root.
    root: PathBuf,
    /// The paths tofugen may write or delete.
    owned: OwnedPaths,
    dirs: HashMap<String, PathBuf>,
}

impl Tree {
    fn open(root: &Path, owned: &OwnedPaths) -> anyhow::Result<Tree> {
        let canonical = fs::canonicalize(root)
            .with_context(|| format!("the output root {} does not exist", root.display()))?;
        if !canonical.is_dir() {
            bail!("the output root {} is not a directory", root.display());
        }
        let mut tree = Tree {
            root: canonical,
            owned: owned.clone(),
            dirs: HashMap::new(),
        };
        // Every run reads or writes the manifest: its location is checked first.
        tree.resolve(MANIFEST_PATH)?;
        Ok(tree)
    }

    /// Where a validated relative path lives: its existing parent directories must be real
    /// directories (a symlink among them is refused, [`Tree::resolve_dir`]), so the path is
    /// where it says, inside the owned set; the last component is not followed.
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
                // Even inside the owned set: `generated/production -> staging` made two
                // generated paths one file, so `--force` wrote production's root over
                // staging's, and each run flipped it back.
                let shown = target.strip_prefix(&self.root).map_or_else(
                    |_| target.display().to_string(),
                    |p| p.display().to_string(),
                );
                bail!(
                    "refusing to write through the symlink `{rel}` (it points to `{shown}`): \
                     tofugen writes real directories only, so that one path never reaches a file \
                     of another; replace the symlink with a directory"
                );
            }
            Ok(m) if m.is_dir() => candidate,
            Ok(_) => bail!("`{rel}` is a file, but a generated path needs it to be a directory"),
        };
        self.dirs.insert(rel.to_string(), resolved.clone());
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diff is computed up to [`MAX_DIFF_INPUT_BYTES`] on either side; past it, the report
    /// says so with both sizes (a 99 MB file planted at a generated path took `check` 7 s to
    /// diff; sweep 59a, F3). Under it, a unified diff as before.
    #[test]
    fn diffs_of_huge_files_are_not_computed() {
        let huge = vec![b'a'; MAX_DIFF_INPUT_BYTES + 1];
        let started = std::time::Instant::now();
        let text = unified_diff("generated/x/main.tf", &huge, "b\n");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(
            text,
            format!(
                "(no diff: the file on disk has {} bytes and tofugen's 2, and diffs are computed up to {MAX_DIFF_INPUT_BYTES} bytes)\n",
                MAX_DIFF_INPUT_BYTES + 1
            )
        );
        let text = unified_diff("generated/x/main.tf", b"a\n", "b\n");
        assert!(text.contains("-a\n+b\n"), "{text}");
    }

    /// Every temp file is read back (on several threads), and the error names the first one,
    /// in the journal's order, that does not hold what the journal records: changed, missing
    /// or not a regular file.
    #[test]
    fn staged_files_are_all_checked_and_the_first_that_changed_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let entries: Vec<journal::Entry> = (0..7)
            .map(|i| journal::Entry {
                path: format!("generated/f{i}.tf"),
                sha256: sha256_hex(format!("content {i}").as_bytes()),
            })
            .collect();
        let staged: Vec<(&journal::Entry, PathBuf)> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let tmp = dir.path().join(format!(".f{i}.tf{TMP_SUFFIX}"));
                fs::write(&tmp, format!("content {i}")).expect("write");
                (e, tmp)
            })
            .collect();
        check_staged(&staged).expect("every temp file holds its content");
        // Three files go wrong; the first of them in the list is named, whichever thread
        // read it.
        fs::write(&staged[6].1, "changed").expect("write");
        fs::remove_file(&staged[5].1).expect("remove");
        fs::write(&staged[3].1, "content 4").expect("write");
        let e = check_staged(&staged)
            .expect_err("changed temp files")
            .to_string();
        assert!(e.starts_with("generated/f3.tf: its temp file "), "{e}");
        assert!(e.contains("no longer holds what this run wrote"), "{e}");
        fs::write(&staged[3].1, "content 3").expect("write");
        let e = check_staged(&staged)
            .expect_err("a missing temp file")
            .to_string();
        assert!(e.starts_with("generated/f5.tf: "), "{e}");
        fs::remove_file(&staged[6].1).expect("remove");
        fs::create_dir(&staged[6].1).expect("mkdir");
        fs::write(&staged[5].1, "content 5").expect("write");
        let e = check_staged(&staged).expect_err("a directory").to_string();
        assert!(e.starts_with("generated/f6.tf: "), "{e}");
    }

    /// Only a tree a newer release wrote is refused; what cannot be read as a release is not
    /// compared.
    #[test]
    fn a_newer_tree_is_refused_an_older_or_unreadable_one_is_not() {
        for (written, current) in [
            ("0.2.0", "0.1.0"),
            ("1.0.0", "0.9.9"),
            ("0.1.10", "0.1.9"),
            ("0.2.0-rc.1", "0.1.0"),
            ("0.2.0+build.5", "0.1.0"),
            ("0.2.0-AKIAIOSFODNN7EXAMPLE", "0.1.0"),
        ] {
            let e = refuse_downgrade(written, current)
                .expect_err(written)
                .to_string();
            let release = written.split(['-', '+']).next().unwrap_or_default();
            assert!(
                e.contains(&format!("tofugen {release} generated this tree")),
                "{e}"
            );
            assert!(
                !e.contains(written) || written == release,
                "the manifest's suffix is not echoed: {e}"
            );
            assert!(e.contains("`tofugen generate --force`"), "{e}");
        }
        for (written, current) in [
            ("0.1.0", "0.1.0"),
            ("0.1.0", "0.2.0"),
            ("0.1.9", "0.1.10"),
            ("0.1.0-rc.1", "0.1.0"),
            ("", "0.1.0"),
            ("garbage", "0.1.0"),
            ("1.2", "0.1.0"),
            ("1.2.3.4", "0.1.0"),
            ("9.x.0", "0.1.0"),
            ("+1.0.0", "0.1.0"),
            ("99999999999999999999.0.0", "0.1.0"),
            ("2.0.0", "not a version"),
        ] {
            assert!(
                refuse_downgrade(written, current).is_ok(),
                "{written} against {current}"
            );
        }
    }

    /// A manifest's `config` is compared and shown only when it is a short portable path.
    #[test]
    fn only_a_portable_configuration_path_ties_a_tree() {
        for ok in ["environments.yaml", "infra/envs.yaml", "a_b-c.1/x.yml"] {
            assert!(portable_config(ok), "{ok}");
        }
        let long = "a".repeat(1025);
        for bad in [
            "",
            "a b.yaml",
            "x\n::error::y",
            "AKIA`x`",
            "envs.yaml\u{202e}",
            long.as_str(),
        ] {
            assert!(!portable_config(bad), "{bad:?}");
        }
    }
}
