//! The journal of a run: its format, reading it back, and verifying it before anything acts on
//! it.
//!
//! A journal found on disk may have been planted (committed by anyone who can push a branch),
//! along with temp files, a manifest and symlinks. Before a journal is rolled back or forward,
//! or reported by `check` as something `generate` would complete, [`verify`] holds it to
//! everything a journal written by tofugen satisfies:
//! - every path is valid, inside the owned set, not under `.git`, not reserved, and listed once;
//!   the manifest is only ever written, and last; no path is both written and removed;
//! - (committed) each write's temp file is a regular file holding exactly the recorded sha256,
//!   or, when already renamed, the destination holds it;
//! - (committed) each removal's path resolves inside the owned set (the file is deleted only
//!   if it still holds the recorded sha256, checked right before; otherwise it is left in place);
//! - (committed) the manifest the run commits (its temp file, or the one on disk when the run
//!   did not rewrite it) is valid, lists every written file with the same sha256 and none of
//!   the removed ones.
//!
//! A prepared journal is only rolled back: its temp files (tofugen's own scratch names, next to
//! owned paths) are deleted, and nothing else is touched, so its paths are all that is checked;
//! its temp files may be partial, so their hashes are not.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::ErrorKind;

use serde::{Deserialize, Serialize};

use super::{
    Existing, JOURNAL_PATH, MANIFEST_PATH, MAX_BOOKKEEPING_BYTES, Tree, existing, is_sha256_hex,
    parse_manifest, sha256_hex, tmp_path,
};

/// The journal format this version writes and reads.
pub(super) const FORMAT: u32 = 2;

/// Whether the run had reached its commit point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum State {
    /// Temp files may be partly written; the tree is untouched.
    Prepared,
    /// Every temp file is complete; renames and removals may be partly done.
    Committed,
}

/// A file the run writes: its path and the sha256 of its new content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Entry {
    /// Path relative to the repository root.
    pub path: String,
    /// sha256 (lowercase hex) of the content written, or that a removed file must still hold.
    pub sha256: String,
}

/// What an interrupted run was doing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Journal {
    /// [`FORMAT`].
    pub format: u32,
    /// Whether the commit point was reached.
    pub state: State,
    /// Files to rename into place, the manifest (if rewritten) last.
    pub writes: Vec<Entry>,
    /// Files to delete, with the sha256 they must still hold.
    pub removes: Vec<Entry>,
}

/// Reads the journal: `Ok(None)` when there is none. A journal that is a symlink or special
/// file, too large, not JSON or of another format is an error saying what is wrong (with
/// `line:col` for JSON errors).
pub(super) fn read(tree: &Tree) -> Result<Option<Journal>, String> {
    let path = tree.root.join(JOURNAL_PATH);
    let bytes = match crate::load::read_regular(&path, MAX_BOOKKEEPING_BYTES, false) {
        Ok(b) => b,
        Err(crate::load::ReadError::Io(e)) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{JOURNAL_PATH}: {e}")),
    };
    let journal: Journal =
        serde_json::from_slice(&bytes).map_err(|e| super::json_error(JOURNAL_PATH, &bytes, &e))?;
    if journal.format != FORMAT {
        return Err(format!(
            "{JOURNAL_PATH}: format {} is not the journal format {FORMAT} of this tofugen (an \
             older or newer tofugen wrote it, or it was not written by tofugen)",
            journal.format
        ));
    }
    Ok(Some(journal))
}

/// Every reason `journal` is not one tofugen could have written for this tree, or could act on
/// safely (see the module documentation). Empty when it can be rolled back or forward.
pub(super) fn verify(tree: &mut Tree, journal: &Journal) -> Vec<String> {
    let mut problems = check_paths(tree, journal);
    if !problems.is_empty() || journal.state == State::Prepared {
        return problems;
    }
    let mut new_manifest = None;
    for w in &journal.writes {
        match verify_write(tree, w) {
            Ok(bytes) if w.path == MANIFEST_PATH => new_manifest = Some(bytes),
            Ok(_) => {}
            Err(p) => problems.push(format!("  {}: {p}", w.path)),
        }
    }
    for r in &journal.removes {
        if let Err(p) = verify_remove(tree, r) {
            problems.push(format!("  {}: {p}", r.path));
        }
    }
    if problems.is_empty() {
        problems.extend(check_manifest(tree, journal, new_manifest));
    }
    problems
}

/// The paths and hashes alone: syntax, owned set, reserved names, duplicates, manifest last.
fn check_paths(tree: &Tree, journal: &Journal) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let last = journal.writes.len().saturating_sub(1);
    let writes = journal.writes.iter().enumerate().map(|(i, e)| (e, Some(i)));
    let removes = journal.removes.iter().map(|e| (e, None));
    for (entry, write_index) in writes.chain(removes) {
        let path = &entry.path;
        let why = if path == MANIFEST_PATH {
            match write_index {
                Some(i) if i == last => Ok(()),
                Some(_) => Err("the manifest is written last, after every other file".into()),
                None => Err("the manifest is never removed".into()),
            }
        } else {
            super::check_entry(&tree.owned, path)
        };
        let why = why.and_then(|()| {
            if !is_sha256_hex(&entry.sha256) {
                Err(format!("`{}` is not a sha256", entry.sha256))
            } else if !seen.insert(path.as_str()) {
                Err("listed more than once".into())
            } else {
                Ok(())
            }
        });
        if let Err(why) = why {
            problems.push(format!("  {path:?}: {why}"));
        }
    }
    problems
}

/// A committed write: the temp file holds the recorded content, or was already renamed and the
/// destination holds it. Returns that content.
fn verify_write(tree: &mut Tree, w: &Entry) -> Result<Vec<u8>, String> {
    let dst = tree.resolve(&w.path).map_err(|e| format!("{e:#}"))?;
    let tmp = tmp_path(&dst);
    let (what, found) = match existing(&tmp).map_err(|e| format!("{e:#}"))? {
        Existing::File(bytes) => ("its temp file", bytes),
        Existing::Other(kind) => {
            return Err(format!(
                "its temp file {} is a {kind}, not a regular file",
                tmp.display()
            ));
        }
        Existing::Missing => match existing(&dst).map_err(|e| format!("{e:#}"))? {
            Existing::File(bytes) => ("the file (its temp file is gone)", bytes),
            _ => return Err("neither its temp file nor the file exists".into()),
        },
    };
    if sha256_hex(&found) == w.sha256 {
        Ok(found)
    } else {
        Err(format!(
            "{what} does not hold the content the journal records (sha256 {})",
            w.sha256
        ))
    }
}

/// A committed removal: its path resolves inside the owned set. (Whether the file still holds
/// the recorded content is checked right before deleting it: one that does not is left in
/// place, which is safe whoever wrote the journal.)
fn verify_remove(tree: &mut Tree, r: &Entry) -> Result<(), String> {
    tree.resolve(&r.path)
        .map(drop)
        .map_err(|e| format!("{e:#}"))
}

/// The manifest the run commits lists every written file with its hash, and no removed one.
fn check_manifest(tree: &mut Tree, journal: &Journal, new: Option<Vec<u8>>) -> Vec<String> {
    let files: BTreeMap<String, String> = match new {
        Some(bytes) => match parse_manifest(&tree.owned, &bytes) {
            Ok(m) => m.files,
            Err(e) => return vec![format!("  the manifest it writes is not valid: {e:#}")],
        },
        None => match super::read_manifest(tree) {
            Ok(Some(m)) => m.files,
            Ok(None) => {
                return vec![format!(
                    "  it writes no manifest, and {MANIFEST_PATH} is missing"
                )];
            }
            Err(e) => return vec![format!("  {e:#}")],
        },
    };
    let mut problems = Vec::new();
    for w in journal.writes.iter().filter(|w| w.path != MANIFEST_PATH) {
        if files.get(&w.path) != Some(&w.sha256) {
            problems.push(format!(
                "  {}: the manifest the run commits does not list it with this content",
                w.path
            ));
        }
    }
    for r in journal
        .removes
        .iter()
        .filter(|r| files.contains_key(&r.path))
    {
        problems.push(format!(
            "  {}: removed, yet listed by the manifest the run commits",
            r.path
        ));
    }
    problems
}

/// The error for a journal that failed [`verify`]: what is wrong, and what to do.
pub(super) fn rejection(journal: &Journal, problems: &[String]) -> String {
    let state = match journal.state {
        State::Prepared => "prepared",
        State::Committed => "committed",
    };
    format!(
        "{JOURNAL_PATH} ({state}) is not a journal tofugen can act on; nothing was done:\n{}\n\
         tofugen did not write it as it is (it may have been committed or edited): inspect it, \
         delete it and the `*{}` files it names, then re-run `tofugen generate`",
        problems.join("\n"),
        super::TMP_SUFFIX
    )
}

/// Whether a journal file (or its temp file) exists, without following symlinks.
pub(super) fn exists(tree: &Tree) -> bool {
    fs::symlink_metadata(tree.root.join(JOURNAL_PATH)).is_ok()
}
