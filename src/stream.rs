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

/// The thread of [`check`] proving the repository's modules, then the first batch with `.tf`
/// files: where to send that batch, and its prover with the text of the files with findings.
type LibraryThread<'scope> = (
    std::sync::mpsc::SyncSender<Vec<(String, String)>>,
    std::thread::ScopedJoinHandle<'scope, (prove::Prover, BTreeMap<String, String>)>,
);

/// Threads proving the environments' roots in [`check`].
pub const PROVERS: usize = 2;

/// Compares the tree of `resolved` with the disk under `root` ([`write::Checking`], on this
/// thread, as [`emit::each`] emits it on its own threads) and proves it ([`prove::Prover`], with
/// the repository's own modules from `resolved.modules_path` when the roots call them). The
/// repository's modules are read and proved on a thread of their own from the start, while the
/// tree is emitted and compared, and that thread then proves the first batch with `.tf` files
/// (the files of no environment, with the vendored module library when the roots call it). The
/// later batches wait for that proof (at most [`WAITING_BATCHES`] of them, then the emission
/// waits too; none once it is done), and each is then proved on one of [`PROVERS`] threads in
/// turn, each a fork of that prover (it knows every module interface). Each proving thread
/// holds at most one batch waiting. A tree over `max_bytes` bytes is an error in
/// `differences`; every batch compared before the error is still proved.
pub fn check(root: &Path, source_name: &str, resolved: &Resolved, max_bytes: usize) -> Checked {
    check_waiting(root, source_name, resolved, max_bytes, WAITING_BATCHES)
}

/// [`check`] with at most `waiting` batches (at least one) waiting for the proof of the
/// repository's modules instead of [`WAITING_BATCHES`]: the same result whatever `waiting`
/// (the tests compare them).
pub fn check_waiting(
    root: &Path,
    source_name: &str,
    resolved: &Resolved,
    max_bytes: usize,
    waiting: usize,
) -> Checked {
    let modules = resolved.modules_path.as_deref();
    let mut files = 0;
    let (differences, findings, sources) = std::thread::scope(|scope| {
        // The repository's modules are read and proved on their own thread while the tree is
        // emitted and compared, then the first batch to prove; the later batches wait for that
        // proof (at most `WAITING_BATCHES` of them: past that, the emission waits too).
        let (first, first_rx) = std::sync::mpsc::sync_channel::<Vec<(String, String)>>(1);
        let library = scope.spawn(move || {
            let mut prover = prove::Prover::new(root, modules);
            let mut sources = BTreeMap::new();
            if let Ok(batch) = first_rx.recv() {
                prove_batch(&mut prover, &batch, &mut sources);
            }
            (prover, sources)
        });
        let mut provers = Provers {
            library: Some((first, library)),
            first_sent: false,
            waiting: Vec::new(),
            waiting_max: waiting.max(1),
            threads: Vec::new(),
            first_findings: Vec::new(),
            sources: BTreeMap::new(),
            turn: 0,
        };
        let differences = (|| {
            let mut checking = write::Checking::start(root, &OwnedPaths::default())?;
            checking.max_bytes(max_bytes);
            checking.expect_files(emit::file_count(resolved))?;
            emit::each_within(resolved, source_name, max_bytes, |batch| {
                checking.add(&batch)?;
                if batch.iter().any(|(p, _)| p.ends_with(".tf")) {
                    provers.take(batch, scope);
                }
                Ok::<(), anyhow::Error>(())
            })?;
            files = checking.files();
            checking.finish()
        })();
        // Every batch taken is proved, whether or not the comparison went to the end.
        provers.start(scope);
        let Provers {
            threads,
            first_findings: mut findings,
            mut sources,
            ..
        } = provers;
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

/// Batches with `.tf` files [`check`] holds while the repository's modules and the first batch
/// are being proved: once this many wait, the emission waits for that proof.
pub const WAITING_BATCHES: usize = 4;

/// The proof in [`check`]: the thread proving the repository's modules and then the first
/// batch, then [`PROVERS`] threads, each a fork of that thread's prover (so it knows every
/// module interface), taking the later batches in turn.
struct Provers<'scope> {
    /// The thread proving the repository's modules, then the first batch it is sent, until its
    /// prover is taken: where to send that batch, and the prover with the text of the files
    /// with findings.
    library: Option<LibraryThread<'scope>>,
    /// Whether the first batch was sent to the library's thread.
    first_sent: bool,
    /// Batches taken before the proving threads started, in order.
    waiting: Vec<Vec<(String, String)>>,
    /// How many batches may wait: once this many do, the proving threads are started (waiting
    /// for the proof of the modules and the first batch).
    waiting_max: usize,
    /// The proving threads, once started.
    threads: Vec<ProvingThread<'scope>>,
    /// The findings in the modules and the first batch.
    first_findings: Vec<Diagnostic>,
    /// The text of the files with findings.
    sources: BTreeMap<String, String>,
    /// The proving thread the next batch goes to.
    turn: usize,
}

impl<'scope> Provers<'scope> {
    /// Takes a batch to prove: the first to the library's thread; a later one to a proving
    /// thread once they run, else it waits (and once the library's thread is done, or past
    /// `waiting_max`, the proving threads are started, waiting for it if need be).
    fn take<'env>(
        &mut self,
        batch: Vec<(String, String)>,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) {
        if let Some((first, library)) = &self.library {
            if !self.first_sent {
                // Proved on the library's thread once the modules are: nothing waits for it.
                self.first_sent = true;
                let _ = first.send(batch);
                return;
            }
            let proved = library.is_finished();
            self.waiting.push(batch);
            if proved || self.waiting.len() >= self.waiting_max {
                self.start(scope);
            }
            return;
        }
        // A proving thread ends only when its sender is dropped: it cannot be gone.
        let _ = self.threads[self.turn % PROVERS].0.send(batch);
        self.turn += 1;
    }

    /// Waits for the library's thread (the modules' proof, then the first batch's, when one was
    /// sent), then starts the proving threads (forks of its prover) and hands them the batches
    /// waiting. Does nothing once started.
    fn start<'env>(&mut self, scope: &'scope std::thread::Scope<'scope, 'env>) {
        let Some((first, library)) = self.library.take() else {
            return;
        };
        // Without a first batch, the thread ends once the modules are proved.
        drop(first);
        let (prover, sources) = library
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        self.sources = sources;
        let waiting = std::mem::take(&mut self.waiting);
        if waiting.is_empty() {
            self.first_findings = prover.finish();
            return;
        }
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
            self.threads.push((tx, handle));
        }
        self.first_findings = prover.finish();
        for batch in waiting {
            self.take(batch, scope);
        }
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
