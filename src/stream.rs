//! Emit → write (→ prove), one batch at a time: what `generate` and `check` run once
//! [`crate::pipeline::compile`] has resolved a valid configuration.
//!
//! [`crate::emit::each`] hands the tree out in batches (the files of no environment, then each
//! environment's root, tests, alert rules and README), emitting two environments at once;
//! [`crate::write::Generation`] and [`crate::write::Checking`] take them as they come, in order,
//! and [`crate::prove::Prover`]s prove them on two more threads, so that memory holds a few
//! batches, never the whole tree. The file count is checked against the cap before
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
    emit::each_within(resolved, source_name, max_bytes, |batch| run.add(batch))?;
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

/// The findings of a proving thread, and the text of the files they are in.
type Proved = (Vec<Diagnostic>, BTreeMap<String, String>);
/// A proving thread of [`check`]: where to send it batches, and its result.
type ProvingThread<'scope> = (
    std::sync::mpsc::SyncSender<Vec<(String, String)>>,
    std::thread::ScopedJoinHandle<'scope, Proved>,
);

/// Threads proving the environments' roots in [`check`].
pub const PROVERS: usize = 2;

/// Compares the tree of `resolved` with the disk under `root` ([`write::Checking`], on this
/// thread, as [`emit::each`] emits it on its own threads) and proves it ([`prove::Prover`], with
/// the repository's own modules from `resolved.modules_path` when the roots call them): the
/// first batch (the files of no environment, with the module library the roots call) here,
/// then each batch with `.tf` files on one of [`PROVERS`] threads in turn, each a fork of the
/// first prover (it knows the modules' interfaces). Each proving thread holds at most one batch
/// waiting. A tree over `max_bytes` bytes is an error in `differences`.
pub fn check(root: &Path, source_name: &str, resolved: &Resolved, max_bytes: usize) -> Checked {
    let modules = resolved.modules_path.as_deref();
    let mut files = 0;
    let (differences, findings, sources) = std::thread::scope(|scope| {
        let mut first = Some(prove::Prover::new(root, modules));
        let mut first_findings = Vec::new();
        let mut sources = BTreeMap::new();
        let mut threads: Vec<ProvingThread<'_>> = Vec::new();
        let mut turn = 0;
        let differences = (|| {
            let mut checking = write::Checking::start(root, &OwnedPaths::default())?;
            checking.max_bytes(max_bytes);
            checking.expect_files(emit::file_count(resolved))?;
            emit::each_within(resolved, source_name, max_bytes, |batch| {
                checking.add(&batch)?;
                if !batch.iter().any(|(p, _)| p.ends_with(".tf")) {
                    return Ok::<(), anyhow::Error>(());
                }
                if let Some(mut prover) = first.take() {
                    prove_batch(&mut prover, &batch, &mut sources);
                    for _ in 0..PROVERS {
                        let mut fork = prover.fork();
                        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(String, String)>>(1);
                        let handle = scope.spawn(move || {
                            let mut sources = BTreeMap::new();
                            for batch in rx {
                                prove_batch(&mut fork, &batch, &mut sources);
                            }
                            (fork.finish(), sources)
                        });
                        threads.push((tx, handle));
                    }
                    first_findings = prover.finish();
                    return Ok(());
                }
                // A proving thread ends only when its sender is dropped: it cannot be gone.
                let _ = threads[turn % PROVERS].0.send(batch);
                turn += 1;
                Ok(())
            })?;
            files = checking.files();
            checking.finish()
        })();
        let mut findings = match first {
            // No batch had a `.tf` file: the repository's modules were still proved.
            Some(prover) => prover.finish(),
            None => first_findings,
        };
        for (tx, handle) in threads {
            drop(tx);
            let (found, texts) = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            findings.extend(found);
            sources.extend(texts);
        }
        crate::diagnostics::sort(&mut findings);
        (differences, findings, sources)
    });
    Checked {
        differences,
        findings,
        sources,
        files,
    }
}

/// Proves `batch` with `prover`, keeping in `sources` the text of the files with findings.
fn prove_batch(
    prover: &mut prove::Prover,
    batch: &[(String, String)],
    sources: &mut BTreeMap<String, String>,
) {
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
        for (p, t) in batch {
            if paths.contains(p.as_str()) {
                sources.insert(p.clone(), t.clone());
            }
        }
    }
}
