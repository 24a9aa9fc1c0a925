//! Stage 6, prove: the generated HCL checked without a cloud account, against the vendored
//! provider schema ([`provider`]) and the interfaces of the modules the roots call
//! ([`modules`]).
//!
//! Bounded memory: the files are grouped by directory (a root or a module) before any is
//! parsed, and each directory is parsed, checked and dropped before the next one; only the
//! module interfaces (variables and outputs) are kept, each parsed once. The generated text is
//! borrowed from its owner, never copied.

pub mod modules;
pub mod provider;

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{self, Diagnostic};
use modules::Interface;
use provider::{HclFile, Schemas};

/// Checks every generated `.tf` file (`generated`: path relative to `root` → contents, as
/// `generate` would write them, the vendored module library included) and, when the roots call
/// the repository's own modules (`modules_dir`, relative to `root`), every `*.tf` there (read
/// from disk), against the provider schema and the modules' interfaces. Returns the findings,
/// sorted.
pub fn check_tree(
    root: &Path,
    generated: &BTreeMap<String, String>,
    modules_dir: Option<&str>,
) -> Vec<Diagnostic> {
    let mut on_disk: Vec<(String, String)> = Vec::new();
    let mut unreadable = Vec::new();
    if let Some(modules) = modules_dir.map(|d| root.join(d))
        && modules.is_dir()
    {
        for entry in walkdir::WalkDir::new(&modules)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = entry.path();
            if !entry.file_type().is_file() || p.extension().is_none_or(|e| e != "tf") {
                continue;
            }
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel.split('/').any(|c| c == ".terraform") {
                continue;
            }
            match std::fs::read_to_string(p) {
                Ok(text) => on_disk.push((rel, text)),
                Err(e) => unreadable.push(
                    Diagnostic::error("io", format!("cannot read {rel}: {e}"))
                        .at(rel.clone(), None)
                        .expected("a readable UTF-8 .tf file")
                        .help("fix the file's permissions or encoding"),
                ),
            }
        }
    }
    // Generated files win over files on disk at the same path, as when they are written.
    let mut sources: BTreeMap<&str, &str> = on_disk
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    for (path, text) in generated {
        if path.ends_with(".tf") {
            sources.insert(path, text);
        }
    }
    let mut diags = check(&sources, modules_dir.map(Path::new));
    diags.extend(unreadable);
    diagnostics::sort(&mut diags);
    diags
}

/// Checks in-memory `.tf` sources (path relative to the repository root → contents). Module
/// sources resolve against the same map. Returns the findings, sorted.
pub fn check_sources(sources: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    let borrowed: BTreeMap<&str, &str> = sources
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    check(&borrowed, None)
}

/// The files of one directory: path and text.
type Dir<'s> = Vec<(&'s str, &'s str)>;

/// Parses the files of one directory; a file that does not parse is a diagnostic.
fn parse<'s>(files: &Dir<'s>, diags: &mut Vec<Diagnostic>) -> Vec<HclFile<'s>> {
    let mut out = Vec::with_capacity(files.len());
    for &(path, text) in files {
        match HclFile::parse(path, text) {
            Ok(f) => out.push(f),
            Err(d) => diags.push(d),
        }
    }
    out
}

/// The interface declared by `files`.
fn interface_of(files: &[HclFile<'_>]) -> Interface {
    let mut iface = Interface::default();
    for f in files {
        iface.add_body(&f.body);
    }
    iface
}

/// The interface of directory `p`, parsed on first use.
fn lookup<'m>(
    interfaces: &'m BTreeMap<&Path, OnceCell<Interface>>,
    dirs: &BTreeMap<PathBuf, Dir<'_>>,
    p: &Path,
) -> Option<&'m Interface> {
    let cell = interfaces.get(p)?;
    Some(cell.get_or_init(|| interface_of(&parse(&dirs[p], &mut Vec::new()))))
}

/// Checks `sources` one directory at a time; the directories under `modules_first` (the
/// modules the roots call) are checked first, so that their interfaces come from the parse
/// that checks them.
fn check(sources: &BTreeMap<&str, &str>, modules_first: Option<&Path>) -> Vec<Diagnostic> {
    // Group files by directory: each directory is one root (or module).
    let mut dirs: BTreeMap<PathBuf, Dir<'_>> = BTreeMap::new();
    for (&path, &text) in sources {
        let dir = Path::new(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        dirs.entry(dir).or_default().push((path, text));
    }
    // Each directory's interface, filled when the directory is checked, or parsed on demand
    // (interface only) when a root calls it first.
    let interfaces: BTreeMap<&Path, OnceCell<Interface>> = dirs
        .keys()
        .map(|d| (d.as_path(), OnceCell::new()))
        .collect();
    let mut diags = Vec::new();
    let mut schemas = Schemas::default();
    let (first, rest): (Vec<_>, Vec<_>) = dirs
        .iter()
        .partition(|(d, _)| modules_first.is_some_and(|m| d.starts_with(m)));
    for (dir, files) in first.into_iter().chain(rest) {
        let parsed = parse(files, &mut diags);
        for f in &parsed {
            diags.extend(provider::check_file_with(f, &mut schemas));
        }
        if let Some(cell) = interfaces.get(dir.as_path()) {
            let _ = cell.get_or_init(|| interface_of(&parsed));
        }
        let refs: Vec<&HclFile<'_>> = parsed.iter().collect();
        modules::check_root(dir, &refs, &|p| lookup(&interfaces, &dirs, p), &mut diags);
    }
    diagnostics::sort(&mut diags);
    diags
}
