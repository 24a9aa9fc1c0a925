//! Stage 6, prove: the generated HCL checked without a cloud account, against the vendored
//! provider schema ([`provider`]) and the interfaces of the modules the roots call
//! ([`modules`]).
//!
//! Bounded memory: the files are grouped by directory (a root or a module) before any is
//! parsed, and each directory is parsed, checked and dropped before the next one; only the
//! module interfaces (variables and outputs) are kept, each parsed once. The generated text is
//! borrowed from its owner, never copied. A directory that is exactly one of the embedded
//! library's modules is not parsed at all: its proof is known ([`library`]).

pub mod ast;
pub mod library;
pub mod modules;
pub mod parse;
pub mod provider;

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{self, Diagnostic};
use crate::source::{FileId, SourceMap};
use modules::Interface;
use provider::{HclFile, Schemas};

/// Checks every generated `.tf` file (`generated`: path relative to `root` → contents, as
/// `generate` would write them, the vendored module library included) and, when the roots call
/// the repository's own modules (`modules_dir`, relative to `root`), every `*.tf` there (read
/// from disk), against the provider schema and the modules' interfaces. Returns the findings,
/// sorted. [`Prover`] does the same with the files given one batch at a time.
pub fn check_tree(
    root: &Path,
    generated: &BTreeMap<String, String>,
    modules_dir: Option<&str>,
) -> Proof {
    let mut prover = Prover::new(root, modules_dir);
    let batch: Vec<(&str, &str)> = generated
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    prover.add(&batch);
    prover.finish()
}

/// Checks in-memory `.tf` sources (path relative to the repository root → contents). Module
/// sources resolve against the same map. Returns the findings, sorted.
pub fn check_sources(sources: &BTreeMap<String, String>) -> Proof {
    let borrowed: BTreeMap<&str, &str> = sources
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut prover = Prover::default();
    prover.check(&borrowed, false);
    prover.finish()
}

/// What a proof found: its findings, sorted, and the files they point into (each one's path
/// relative to the repository root and, for the files with findings, its text).
#[derive(Debug, Default)]
pub struct Proof {
    /// Every finding, sorted by file and position.
    pub findings: Vec<Diagnostic>,
    /// The files of [`Proof::findings`].
    pub sources: SourceMap,
}

impl Proof {
    /// Adds the findings of `other` (moved to this proof's map), sorted again.
    pub fn absorb(&mut self, other: Proof) {
        let found = other.into_map(&mut self.sources);
        self.findings.extend(found);
        diagnostics::sort(&mut self.findings, &self.sources);
    }

    /// The findings, their files added to `sources` (the map of another run's diagnostics)
    /// and their ids moved there.
    pub fn into_map(self, sources: &mut SourceMap) -> Vec<Diagnostic> {
        let mapping = sources.absorb(self.sources);
        self.findings
            .into_iter()
            .map(|mut d| {
                d.file = d.file.map(|f| mapping.apply(f));
                d
            })
            .collect()
    }
}

/// The proof of a generated tree given one batch of files at a time (as
/// [`crate::emit::each`] emits them: the vendored modules come first). Each batch is parsed,
/// checked and dropped; only the provider schemas used and the module interfaces (variables and
/// outputs) are kept for the next batches.
#[derive(Default)]
pub struct Prover {
    schemas: Schemas,
    /// Interfaces of the module directories seen so far, by directory.
    interfaces: BTreeMap<PathBuf, Interface>,
    /// The repository's own modules, checked first in a batch that holds them.
    modules_first: Option<PathBuf>,
    diags: Vec<Diagnostic>,
    /// The files proved so far, by path; the text of those with findings.
    sources: SourceMap,
    /// Parse and prove the directories that are exactly one of the library's modules too,
    /// instead of taking their proof from [`library`]'s table (the tests that compute it).
    prove_library: bool,
    /// How many directories were parsed (the others were known from [`library`]'s table).
    dirs_parsed: usize,
}

impl Prover {
    /// A prover for the tree under `root`; when the roots call the repository's own modules
    /// (`modules_dir`, relative to `root`), every `*.tf` there is read from disk and checked
    /// now (a file that cannot be read is a finding).
    pub fn new(root: &Path, modules_dir: Option<&str>) -> Prover {
        Prover::with_listing(root, modules_dir, None)
    }

    /// [`Prover::new`], with the modules directory as [`crate::modules::list_own`] found it
    /// (`listing`, when the caller listed it already): its `.tf` files are read from that list.
    /// Without a complete listing, the directory is walked here (following no link, as
    /// `list_own`, and skipping `.terraform`).
    pub fn with_listing(
        root: &Path,
        modules_dir: Option<&str>,
        listing: Option<&crate::modules::Listing>,
    ) -> Prover {
        let mut prover = Prover {
            modules_first: modules_dir.map(PathBuf::from),
            ..Prover::default()
        };
        let files: Vec<String> = match (modules_dir, listing) {
            (None, _) => Vec::new(),
            (Some(_), Some(crate::modules::Listing::Complete(own))) => own.tf_files.clone(),
            (Some(dir), _) => walk_tf_files(root, dir),
        };
        let mut on_disk: Vec<(String, String)> = Vec::with_capacity(files.len());
        for rel in files {
            match std::fs::read_to_string(root.join(&rel)) {
                Ok(text) => on_disk.push((rel, text)),
                Err(e) => prover.diags.push(
                    Diagnostic::error("io", format!("cannot read {rel}: {e}"))
                        .at(prover.sources.intern(&rel), None)
                        .expected("a readable UTF-8 .tf file")
                        .help("fix the file's permissions or encoding"),
                ),
            }
        }
        let sources: BTreeMap<&str, &str> = on_disk
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        prover.check(&sources, false);
        prover
    }

    /// Checks one batch of generated files (path relative to the root, contents); files other
    /// than `.tf` are skipped. Returns how many findings the batch added.
    pub fn add(&mut self, files: &[(&str, &str)]) -> usize {
        let before = self.diags.len();
        let sources: BTreeMap<&str, &str> = files
            .iter()
            .filter(|(p, _)| p.ends_with(".tf"))
            .copied()
            .collect();
        self.check(&sources, true);
        self.diags.len() - before
    }

    /// A prover that knows what this one learned (the module interfaces, where the
    /// repository's own modules are) and has no findings: it proves later batches on another
    /// thread, and its findings are added to this one's.
    pub fn fork(&self) -> Prover {
        Prover {
            schemas: Schemas::default(),
            interfaces: self.interfaces.clone(),
            modules_first: self.modules_first.clone(),
            diags: Vec::new(),
            sources: SourceMap::new(),
            prove_library: self.prove_library,
            dirs_parsed: 0,
        }
    }

    /// The findings so far, in the order found.
    pub fn findings(&self) -> &[Diagnostic] {
        &self.diags
    }

    /// How many directories this prover parsed: the others were one of the library's modules,
    /// whose proof is known ([`library`]).
    pub fn dirs_parsed(&self) -> usize {
        self.dirs_parsed
    }

    /// Every finding, sorted, with the files they point into.
    pub fn finish(mut self) -> Proof {
        diagnostics::sort(&mut self.diags, &self.sources);
        Proof {
            findings: self.diags,
            sources: self.sources,
        }
    }

    /// Checks `sources` one directory at a time; the directories under `modules_first` (the
    /// modules the roots call) are checked first, so that their interfaces come from the parse
    /// that checks them. A module directory of this batch not checked yet when a root calls it
    /// is parsed for its interface only; the directories of earlier batches are known by their
    /// interfaces. With `chunked` (generated files: no heredocs, no block comments), each file
    /// is parsed in [`provider::chunks`]; files written by people are parsed whole, so that a
    /// heredoc holding a line `}` never becomes a false syntax error. A directory that is
    /// exactly one of the library's modules is not parsed: it has no finding and its interface
    /// is known ([`library`]).
    fn check(&mut self, sources: &BTreeMap<&str, &str>, chunked: bool) {
        // Group files by directory: each directory is one root (or module).
        let mut dirs: BTreeMap<PathBuf, Dir<'_>> = BTreeMap::new();
        let mut ids: BTreeMap<&str, FileId> = BTreeMap::new();
        for (&path, &text) in sources {
            ids.insert(path, self.sources.intern(path));
            let dir = Path::new(path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            dirs.entry(dir).or_default().push((path, text));
        }
        let batch: BTreeMap<&Path, OnceCell<Interface>> = dirs
            .keys()
            .map(|d| (d.as_path(), OnceCell::new()))
            .collect();
        let known = &self.interfaces;
        let from_table = |dir: &Path, files: &Dir<'_>| {
            (!self.prove_library)
                .then(|| library::known_interface(dir, files))
                .flatten()
        };
        let modules_first = self.modules_first.as_deref();
        let (first, rest): (Vec<_>, Vec<_>) = dirs
            .iter()
            .partition(|(d, _)| modules_first.is_some_and(|m| d.starts_with(m)));
        for (dir, files) in first.into_iter().chain(rest) {
            let found_before = self.diags.len();
            if let Some(iface) = from_table(dir, files) {
                if let Some(cell) = batch.get(dir.as_path()) {
                    let _ = cell.get_or_init(|| iface.clone());
                }
                continue;
            }
            self.dirs_parsed += 1;
            // One chunk's syntax tree at a time (a top-level block or a run of them): proved, read
            // for the directory's interface and its module calls and references, then dropped.
            let mut iface = Interface::default();
            let mut root = modules::RootCheck::new(dir);
            for &(path, text) in files {
                let chunks = if chunked {
                    provider::chunks(text)
                } else {
                    vec![(0, 0, text)]
                };
                for chunk in chunks {
                    let file = match HclFile::parse_chunk(path, ids[path], chunk) {
                        Ok(f) => f,
                        Err(d) => {
                            self.diags.push(d);
                            continue;
                        }
                    };
                    self.diags
                        .extend(provider::check_file_with(&file, &mut self.schemas));
                    iface.add_body(&file.body);
                    root.add_file(
                        &file,
                        &|p| lookup(&batch, known, (&dirs, &ids), &from_table, p),
                        &mut self.diags,
                    );
                }
            }
            root.finish(&mut self.diags);
            if let Some(cell) = batch.get(dir.as_path()) {
                let _ = cell.get_or_init(|| iface);
            }
            // The files with findings keep their text, for the excerpts.
            for d in &self.diags[found_before..] {
                if let Some(f) = d.file
                    && !self.sources.has_text(f)
                    && let Some(&(_, text)) = files.iter().find(|(p, _)| ids.get(p) == Some(&f))
                {
                    self.sources.set_text(f, text.to_string());
                }
            }
        }
        let learned: Vec<(PathBuf, Interface)> = batch
            .into_iter()
            .filter_map(|(d, cell)| cell.into_inner().map(|i| (d.to_path_buf(), i)))
            .collect();
        self.interfaces.extend(learned);
    }
}

/// The `.tf` files under `dir` (relative to `root`), at any depth, relative to `root`: regular
/// files only (no link is followed), none under a `.terraform` directory.
fn walk_tf_files(root: &Path, dir: &str) -> Vec<String> {
    let modules = root.join(dir);
    if !modules.is_dir() {
        return Vec::new();
    }
    walkdir::WalkDir::new(&modules)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "tf")
        })
        .filter_map(|entry| {
            let rel = entry.path().strip_prefix(root).ok()?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            (!rel.split('/').any(|c| c == ".terraform")).then_some(rel)
        })
        .collect()
}

/// The files of one directory: path and text.
type Dir<'s> = Vec<(&'s str, &'s str)>;

/// Parses the files of one directory (`ids`: each path's file in the proof's map); a file
/// that does not parse is a diagnostic.
fn parse<'s>(
    files: &Dir<'s>,
    ids: &BTreeMap<&str, FileId>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<HclFile<'s>> {
    let mut out = Vec::with_capacity(files.len());
    for &(path, text) in files {
        match HclFile::parse(path, ids[path], text) {
            Ok(f) => out.push(f),
            Err(d) => diags.push(d),
        }
    }
    out
}

/// The interface of directory `p`: from this batch (from the library's table when
/// `from_table` knows it, else parsed, on first use), else from an earlier batch.
fn lookup<'m, 's>(
    batch: &'m BTreeMap<&Path, OnceCell<Interface>>,
    known: &'m BTreeMap<PathBuf, Interface>,
    (dirs, ids): (&BTreeMap<PathBuf, Dir<'s>>, &BTreeMap<&str, FileId>),
    from_table: &dyn Fn(&Path, &Dir<'s>) -> Option<&'static Interface>,
    p: &Path,
) -> Option<&'m Interface> {
    match batch.get(p) {
        Some(cell) => Some(cell.get_or_init(|| match from_table(p, &dirs[p]) {
            Some(iface) => iface.clone(),
            None => interface_of(&parse(&dirs[p], ids, &mut Vec::new())),
        })),
        None => known.get(p),
    }
}

/// The interface declared by `files`.
fn interface_of(files: &[HclFile<'_>]) -> Interface {
    let mut iface = Interface::default();
    for f in files {
        iface.add_body(&f.body);
    }
    iface
}
