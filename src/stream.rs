//! Emit → write (→ prove), one batch at a time: what `generate` and `check` run once
//! [`crate::pipeline::compile`] has resolved a valid configuration.
//!
//! [`crate::emit::each`] hands the tree out in batches (the files of no environment, then each
//! environment's root, tests, alert rules and README); [`crate::write::Generation`] takes them as
//! two threads emit two environments at once, and [`crate::write::Checking`] as the thread that
//! compares emits them itself ([`CHECK_EMITTERS`]), while [`crate::prove::Prover`]s prove them on
//! [`PROVERS`] more threads, so that memory holds a few batches, never the whole tree. Below
//! [`THREADS_FROM_SERVICES`] services the calling thread does it all. The file count is checked
//! against the cap before anything is emitted ([`crate::emit::file_count`]).

use std::path::Path;

use crate::resolve::Resolved;
use crate::write::{self, Difference, OwnedPaths};
use crate::{emit, prove};

/// What [`generate`] did.
#[derive(Debug)]
pub struct Generated {
    /// The one-line summary, with its warnings.
    pub summary: String,
    /// The warning of each environment whose root the run removed
    /// ([`write::Generation::finish_retired`]).
    pub retired: Vec<String>,
    /// The workflow files over GitHub's limit, with their sizes
    /// ([`emit::workflows::oversized`]).
    pub oversized: Vec<(String, usize)>,
}

/// Writes the tree of `resolved` under `root`: [`write::Generation`] fed batch by batch, refused past `max_bytes`
/// bytes of files.
pub fn generate(
    root: &Path,
    resolved: &Resolved,
    force: bool,
    max_bytes: usize,
) -> anyhow::Result<Generated> {
    let mut run = write::Generation::start(root, &OwnedPaths::default(), force)?;
    run.from_config(&resolved.config_path)?;
    run.max_bytes(max_bytes);
    run.expect_files(emit::file_count(resolved))?;
    let mut oversized = Vec::new();
    // Each batch is hashed on the thread that emitted it.
    emit::each_prepared(
        resolved,
        max_bytes,
        emitters(resolved),
        write::Hashed::new,
        |batch| {
            oversized.extend(emit::workflows::oversized(batch.files()));
            run.add_hashed(batch)
        },
    )?;
    let (summary, retired) = run.finish_retired()?;
    Ok(Generated {
        summary,
        retired,
        oversized,
    })
}

/// What [`check`] found.
#[derive(Debug)]
pub struct Checked {
    /// The differences between the tree and the disk, in path order; an error when the tree
    /// cannot be compared (an unverifiable journal, the caps, an unreadable file).
    pub differences: anyhow::Result<Vec<Difference>>,
    /// The proof's findings (provider schema, module interfaces), sorted, with the files they
    /// point into (and the generated text of those, to show their lines).
    pub proof: prove::Proof,
    /// How many files the tree has.
    pub files: usize,
    /// The workflow files over GitHub's limit, with their sizes
    /// ([`emit::workflows::oversized`]).
    pub oversized: Vec<(String, usize)>,
}

/// The findings of a proving thread, and the files they are in.
type Proved = prove::Proof;
/// A batch of generated files (path, contents) handed to a proving thread.
type Batch = Vec<(String, String)>;
/// A proving thread of [`check`]: where to send it batches, and its result.
type ProvingThread<'scope> = (
    std::sync::mpsc::SyncSender<Batch>,
    std::thread::ScopedJoinHandle<'scope, Proved>,
);

/// Services, over every environment, from which `generate` emits the environments on
/// [`emit::EMITTERS`] threads and `check` proves on a thread of its own ([`PROVERS`]); below,
/// the calling thread does it all, batch after batch. A small tree is not worth a thread:
/// starting one faults in its stack and allocator heap, and the thread may run late (on the
/// 2-core VM the benchmarks run on, a thread started while the calling one works ran 29-57 us
/// later in 8 runs of 15, 0.26-3.7 ms later in the others), which costs more than the work it
/// takes over. Measured alternating (release builds,
/// the calling thread alone against the threads, with `resolve` and `policy` on one thread in
/// both): `check` of the committed configuration (8 services) 6.8 against 7.3 ms and
/// `generate` with nothing to change 5.4 against 5.8 ms (40 pairs); 10 services x 4
/// environments 11.0 against 11.6 ms and 8.2 against 8.8 ms, 20 x 2 10.4 against 11.3 ms and
/// 9.1 against 9.0 ms; 30 x 3 15.4 against 13.4 ms and 11.5 against 11.4 ms (12-20 pairs).
pub const THREADS_FROM_SERVICES: usize = 64;

/// Threads emitting the environments in [`generate`]: [`emit::EMITTERS`], or one (the calling
/// thread) below [`THREADS_FROM_SERVICES`] services.
pub fn emitters(resolved: &Resolved) -> usize {
    if resolved.services() < THREADS_FROM_SERVICES {
        1
    } else {
        emit::EMITTERS
    }
}

/// Threads proving the tree in [`check`]: [`PROVERS`], or none below [`THREADS_FROM_SERVICES`]
/// services (the calling thread proves each batch once it has compared it).
pub fn provers(resolved: &Resolved) -> usize {
    if resolved.services() < THREADS_FROM_SERVICES {
        0
    } else {
        PROVERS
    }
}

/// Threads proving the tree in [`check`] from [`THREADS_FROM_SERVICES`] services on: one. Since
/// the proof parses with [`crate::prove::parse`] (7-9x faster than hcl-edit), one proving thread
/// keeps up with the thread that emits and compares the tree, and a second only holds a batch
/// more. Measured alternating against two (release builds, 2-core VM): 1000 services x 10
/// environments 567 against 572 ms and 49 against 53 MiB peak RSS (6 pairs); 100 x 10 63.4
/// against 63.0 ms, 20 against 22 MiB (10 pairs); 2000 x 20 2.17 s both, 108 against 116 MiB (3
/// pairs). With hcl-edit two were faster from 60 services over every environment on.
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
/// [`provers`] threads, while the tree is emitted and compared. The first proving thread reads
/// and proves the repository's modules from the start, then proves the first batch with `.tf`
/// files (the files of no environment, with the vendored module library when the roots call
/// it): after it, every module interface is known, and each other proving thread starts from a
/// fork of that prover. The later batches go to the proving threads in turn, as they are
/// emitted; each proving thread holds at most one batch waiting, past which the emission waits.
/// With no proving thread (a small tree), this thread proves each batch once it has compared
/// it. A tree over `max_bytes` bytes is an error in `differences`; every batch compared before
/// the error is still proved.
/// `own_modules` is the repository's modules directory as the caller listed it
/// ([`crate::modules::list_own`]), if it did: its `.tf` files are read without a second walk.
pub fn check(
    root: &Path,
    resolved: &Resolved,
    max_bytes: usize,
    own_modules: Option<&crate::modules::Listing>,
) -> Checked {
    check_with(root, resolved, max_bytes, provers(resolved), own_modules)
}

/// [`check`] with `provers` proving threads instead of [`provers`] (none: this thread proves):
/// the same result whatever their number (the tests compare them).
pub fn check_with(
    root: &Path,
    resolved: &Resolved,
    max_bytes: usize,
    provers: usize,
    own_modules: Option<&crate::modules::Listing>,
) -> Checked {
    let modules = resolved.modules_path.as_deref();
    let mut files = 0;
    let mut oversized = Vec::new();
    let (differences, proof) = if provers == 0 {
        let mut prover = prove::Prover::with_listing(root, modules, own_modules);
        let differences = compare(
            root,
            resolved,
            max_bytes,
            &mut files,
            &mut oversized,
            |batch| prove_batch(&mut prover, &batch),
        );
        (differences, prover.finish())
    } else {
        std::thread::scope(|scope| {
            let mut threads: Vec<ProvingThread<'_>> = Vec::new();
            let mut forks = Vec::new();
            for _ in 1..provers {
                let (fork_tx, fork_rx) = std::sync::mpsc::sync_channel::<prove::Prover>(1);
                forks.push(fork_tx);
                let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
                let handle = scope.spawn(move || {
                    // No fork comes when the first thread panicked: its join re-raises the panic.
                    let Ok(mut prover) = fork_rx.recv() else {
                        return prove::Proof::default();
                    };
                    for batch in rx {
                        prove_batch(&mut prover, &batch);
                    }
                    prover.finish()
                });
                threads.push((tx, handle));
            }
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
            let first = scope.spawn(move || {
                let mut prover = prove::Prover::with_listing(root, modules, own_modules);
                let mut batches = rx.into_iter();
                if let Some(batch) = batches.next() {
                    prove_batch(&mut prover, &batch);
                }
                // Every module interface is known now: the other threads start from here.
                for fork in forks {
                    let _ = fork.send(prover.fork());
                }
                for batch in batches {
                    prove_batch(&mut prover, &batch);
                }
                prover.finish()
            });
            threads.insert(0, (tx, first));
            let mut turn = 0;
            let differences = compare(
                root,
                resolved,
                max_bytes,
                &mut files,
                &mut oversized,
                |batch| {
                    // A proving thread ends only when its sender is dropped (or when it panicked,
                    // which its join re-raises): a failed send loses nothing.
                    let _ = threads[turn % threads.len()].0.send(batch);
                    turn += 1;
                },
            );
            // Every batch sent is proved, whether or not the comparison went to the end. Each
            // thread's findings come sorted (`Prover::finish`); together they are sorted again,
            // as one thread would have sorted them.
            let mut proof = prove::Proof::default();
            for (tx, handle) in threads {
                drop(tx);
                let found = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                proof.absorb(found);
            }
            (differences, proof)
        })
    };
    Checked {
        differences,
        proof,
        files,
        oversized,
    }
}

/// Emits the tree of `resolved` on this thread and compares it with the disk under `root`
/// ([`write::Checking`]), handing each batch with `.tf` files to `prove` once compared;
/// `files` gets how many files were compared, `oversized` the workflow files over GitHub's
/// limit ([`emit::workflows::oversized`]).
fn compare(
    root: &Path,
    resolved: &Resolved,
    max_bytes: usize,
    files: &mut usize,
    oversized: &mut Vec<(String, usize)>,
    mut prove: impl FnMut(Batch),
) -> anyhow::Result<Vec<Difference>> {
    let mut checking = write::Checking::start(root, &OwnedPaths::default())?;
    checking.from_config(&resolved.config_path);
    checking.max_bytes(max_bytes);
    checking.expect_files(emit::file_count(resolved))?;
    emit::each_prepared(
        resolved,
        max_bytes,
        CHECK_EMITTERS,
        |batch| batch,
        |batch| {
            oversized.extend(emit::workflows::oversized(&batch));
            checking.add(&batch)?;
            if batch.iter().any(|(p, _)| p.ends_with(".tf")) {
                prove(batch);
            }
            Ok::<(), anyhow::Error>(())
        },
    )?;
    *files = checking.files();
    checking.finish()
}

/// Proves `batch` with `prover` (which keeps the text of the files with findings).
fn prove_batch(prover: &mut prove::Prover, batch: &[(String, String)]) {
    let borrowed: Vec<(&str, &str)> = batch
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    prover.add(&borrowed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Below [`THREADS_FROM_SERVICES`] services over every environment, `generate` emits on
    /// the calling thread and `check` proves there; from it on, on their threads.
    #[test]
    fn small_trees_stay_on_the_calling_thread() {
        let half = THREADS_FROM_SERVICES / 2;
        for (services, envs, threads) in [
            (4, 2, false),
            (half - 1, 2, false),
            (half, 2, true),
            (THREADS_FROM_SERVICES - 1, 1, false),
            (THREADS_FROM_SERVICES, 1, true),
        ] {
            let config = crate::synthetic::config(services, envs);
            let c = crate::pipeline::compile("environments.yaml", config.as_bytes(), false);
            let resolved = c
                .resolved
                .as_ref()
                .expect("the synthetic configuration resolves");
            let (emitters, provers) = if threads {
                (emit::EMITTERS, PROVERS)
            } else {
                (1, 0)
            };
            assert_eq!(super::emitters(resolved), emitters, "{services} x {envs}");
            assert_eq!(super::provers(resolved), provers, "{services} x {envs}");
        }
    }
}
