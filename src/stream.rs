//! Emit → write (→ prove), one batch at a time: what `generate` and `check` run once
//! [`crate::pipeline::compile`] has resolved a valid configuration.
//!
//! [`crate::emit::each`] hands the tree out in batches (the files of no environment, then each
//! environment's root, tests, alert rules and README); [`crate::write::Generation`] takes them as
//! two threads emit two environments at once, and [`crate::write::Checking`] as the thread that
//! compares emits them itself ([`CHECK_EMITTERS`]), while [`crate::prove::Prover`]s prove them on
//! [`PROVERS`] more threads, so that memory holds a few batches, never the whole tree. The file
//! count is checked against the cap before anything is emitted ([`crate::emit::file_count`]).

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
    // Each batch is hashed on the thread that emitted it.
    emit::each_prepared(
        resolved,
        source_name,
        max_bytes,
        emit::EMITTERS,
        write::Hashed::new,
        |batch| run.add_hashed(batch),
    )?;
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
/// A batch of generated files (path, contents) handed to a proving thread.
type Batch = Vec<(String, String)>;
/// A proving thread of [`check`]: where to send it batches, and its result.
type ProvingThread<'scope> = (
    std::sync::mpsc::SyncSender<Batch>,
    std::thread::ScopedJoinHandle<'scope, Proved>,
);

/// Threads proving the tree in [`check`]: one. Since the proof parses with
/// [`crate::prove::parse`] (7-9x faster than hcl-edit), one proving thread keeps up with the
/// thread that emits and compares the tree, and a second only holds a batch more. Measured
/// alternating against two (release builds, 2-core VM): 1000 services x 10 environments 567
/// against 572 ms and 49 against 53 MiB peak RSS (6 pairs); 100 x 10 63.4 against 63.0 ms, 20
/// against 22 MiB (10 pairs); 2000 x 20 2.17 s both, 108 against 116 MiB (3 pairs). With
/// hcl-edit two were faster from 60 services over every environment on.
pub const PROVERS: usize = 1;

/// Threads emitting the tree in [`check`]: one, the thread that compares it with the disk, which
/// emits each batch, compares it and hands it to a proving thread before emitting the next.
/// With the fast proof ([`PROVERS`]), a second emitting thread makes 1000 x 10 faster (480
/// against 572 ms) but holds more batches in flight: peak RSS 80 against 53 MiB, over the 64 MiB
/// the large trees are held to; with one batch ahead per thread instead of
/// [`crate::emit::BATCHES_AHEAD`], 512 ms and 76 MiB (6 pairs each). Before it, the proof was
/// the slower side of `check`: a second emitting thread (as `generate` has) only ran
/// further ahead of the proving threads, its batches and pages held meanwhile. Measured
/// alternating against [`crate::emit::EMITTERS`] (two), release builds: peak RSS at 1000
/// services x 10 environments 100 -> 72 MiB, 647 against 661 ms of wall and 1.17 against 1.14 s
/// of CPU (6 pairs); 2000 x 20 209 -> 162 MiB, 2.49 against 2.52 s (3 pairs); 100 x 10 37 -> 30
/// MiB, 76.3 against 77.6 ms (10 pairs); the committed configuration 5.8 against 5.9 ms of wall,
/// 6.4 against 5.8 ms of CPU (60 pairs).
pub const CHECK_EMITTERS: usize = 1;

/// Compares the tree of `resolved` with the disk under `root` ([`write::Checking`], on this
/// thread, which emits it too: [`CHECK_EMITTERS`]) and proves it ([`prove::Prover`], with
/// the repository's own modules from `resolved.modules_path` when the roots call them) on
/// [`PROVERS`] threads, while the tree is emitted and compared. The first proving thread reads
/// and proves the repository's modules from the start, then proves the first batch with `.tf`
/// files (the files of no environment, with the vendored module library when the roots call
/// it): after it, every module interface is known, and each other proving thread starts from a
/// fork of that prover. The later batches go to the proving threads in turn, as they are
/// emitted; each proving thread holds at most one batch waiting, past which the emission waits.
/// A tree over `max_bytes` bytes is an error in `differences`; every batch compared before the
/// error is still proved.
pub fn check(root: &Path, source_name: &str, resolved: &Resolved, max_bytes: usize) -> Checked {
    check_with(root, source_name, resolved, max_bytes, PROVERS)
}

/// [`check`] with `provers` proving threads (at least one) instead of [`PROVERS`]: the same
/// result whatever their number (the tests compare them).
pub fn check_with(
    root: &Path,
    source_name: &str,
    resolved: &Resolved,
    max_bytes: usize,
    provers: usize,
) -> Checked {
    let modules = resolved.modules_path.as_deref();
    let mut files = 0;
    let (differences, findings, sources) = std::thread::scope(|scope| {
        let mut threads: Vec<ProvingThread<'_>> = Vec::new();
        let mut forks = Vec::new();
        for _ in 1..provers.max(1) {
            let (fork_tx, fork_rx) = std::sync::mpsc::sync_channel::<prove::Prover>(1);
            forks.push(fork_tx);
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
            let handle = scope.spawn(move || {
                let mut sources = BTreeMap::new();
                // No fork comes when the first thread panicked: its join re-raises the panic.
                let Ok(mut prover) = fork_rx.recv() else {
                    return (Vec::new(), sources);
                };
                for batch in rx {
                    prove_batch(&mut prover, &batch, &mut sources);
                }
                (prover.finish(), sources)
            });
            threads.push((tx, handle));
        }
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
        let first = scope.spawn(move || {
            let mut prover = prove::Prover::new(root, modules);
            let mut sources = BTreeMap::new();
            let mut batches = rx.into_iter();
            if let Some(batch) = batches.next() {
                prove_batch(&mut prover, &batch, &mut sources);
            }
            // Every module interface is known now: the other threads start from here.
            for fork in forks {
                let _ = fork.send(prover.fork());
            }
            for batch in batches {
                prove_batch(&mut prover, &batch, &mut sources);
            }
            (prover.finish(), sources)
        });
        threads.insert(0, (tx, first));
        let mut turn = 0;
        let differences = (|| {
            let mut checking = write::Checking::start(root, &OwnedPaths::default())?;
            checking.max_bytes(max_bytes);
            checking.expect_files(emit::file_count(resolved))?;
            emit::each_prepared(
                resolved,
                source_name,
                max_bytes,
                CHECK_EMITTERS,
                |batch| batch,
                |batch| {
                    checking.add(&batch)?;
                    if batch.iter().any(|(p, _)| p.ends_with(".tf")) {
                        // A proving thread ends only when its sender is dropped (or when it
                        // panicked, which its join re-raises): a failed send loses nothing.
                        let _ = threads[turn % threads.len()].0.send(batch);
                        turn += 1;
                    }
                    Ok::<(), anyhow::Error>(())
                },
            )?;
            files = checking.files();
            checking.finish()
        })();
        // Every batch sent is proved, whether or not the comparison went to the end.
        let mut findings = Vec::new();
        let mut sources = BTreeMap::new();
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
