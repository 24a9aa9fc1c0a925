//! Emit → write (→ prove), one batch at a time: what `generate` and `check` run once
//! [`crate::pipeline::compile`] has resolved a valid configuration.
//!
//! [`crate::emit::each`] hands the tree out in batches (the files of no environment, then each
//! environment's); [`crate::write::Generation`] and [`crate::write::Checking`] take them as
//! they come, and [`crate::prove::Prover`] proves them, so that memory holds about one
//! environment's files, never the whole tree. The file count is checked against the cap before
//! anything is emitted ([`crate::emit::file_count`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::resolve::Resolved;
use crate::write::{self, Difference, OwnedPaths};
use crate::{emit, prove};

/// Writes the tree of `resolved` under `root` (`source_name` names the configuration in the
/// generated headers): [`write::Generation`] fed batch by batch, refused past `max_bytes`
/// bytes of files. Returns the one-line summary.
pub fn generate(
    root: &Path,
    source_name: &str,
    resolved: &Resolved,
    force: bool,
    max_bytes: usize,
) -> anyhow::Result<String> {
    let mut run = write::Generation::start(root, &OwnedPaths::default(), force)?;
    run.max_bytes(max_bytes);
    run.expect_files(emit::file_count(resolved))?;
    emit::each(resolved, source_name, |batch| run.add(batch))?;
    run.finish()
}

/// What [`check`] found.
#[derive(Debug)]
pub struct Checked {
    /// The differences between the tree and the disk, in path order; an error when the tree
    /// cannot be compared (an unverifiable journal, the caps, an unreadable file).
    pub differences: anyhow::Result<Vec<Difference>>,
    /// The proof's findings (provider schema, module interfaces), sorted.
    pub findings: Vec<Diagnostic>,
    /// The generated text of the files with findings, to show their lines.
    pub sources: BTreeMap<String, String>,
    /// How many files the tree has.
    pub files: usize,
}

/// Compares the tree of `resolved` with the disk under `root` ([`write::Checking`], on this
/// thread) and proves it ([`prove::Prover`], on a second thread, with the repository's own
/// modules from `resolved.modules_path` when the roots call them). At most three batches are
/// alive at once: the one being emitted, one waiting, one being proved. A tree over
/// `max_bytes` bytes is an error in `differences`.
pub fn check(root: &Path, source_name: &str, resolved: &Resolved, max_bytes: usize) -> Checked {
    let modules = resolved.modules_path.as_deref();
    let mut files = 0;
    let (differences, (findings, sources)) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(String, String)>>(1);
        let prover = scope.spawn(move || {
            let mut prover = prove::Prover::new(root, modules);
            let mut sources = BTreeMap::new();
            for batch in rx {
                let borrowed: Vec<(&str, &str)> = batch
                    .iter()
                    .map(|(p, t)| (p.as_str(), t.as_str()))
                    .collect();
                let found = prover.add(&borrowed);
                if found > 0 {
                    let all = prover.findings();
                    let paths: BTreeSet<&str> = all[all.len() - found..]
                        .iter()
                        .map(|d| d.file.as_str())
                        .collect();
                    for (p, t) in &batch {
                        if paths.contains(p.as_str()) {
                            sources.insert(p.clone(), t.clone());
                        }
                    }
                }
            }
            (prover.finish(), sources)
        });
        let differences = (|| {
            let mut checking = write::Checking::start(root, &OwnedPaths::default())?;
            checking.max_bytes(max_bytes);
            checking.expect_files(emit::file_count(resolved))?;
            emit::each(resolved, source_name, |batch| {
                checking.add(&batch)?;
                // The prover ends only when this sender is dropped: it cannot be gone.
                let _ = tx.send(batch);
                Ok::<(), anyhow::Error>(())
            })?;
            files = checking.files();
            checking.finish()
        })();
        drop(tx);
        let proved = prover
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (differences, proved)
    });
    Checked {
        differences,
        findings,
        sources,
        files,
    }
}
