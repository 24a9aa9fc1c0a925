//! Source files by id, as codespan keeps them: a stage is handed the [`FileId`] of the file it
//! works on (4 bytes, `Copy`) and every [`crate::diagnostics::Diagnostic`] it makes carries that
//! id; the file's name, and its text when a diagnostic's excerpt must show it, are kept once, in
//! a [`SourceMap`], and looked up only when diagnostics are sorted or rendered.
//!
//! The configuration is the first file of the map a compilation makes
//! ([`crate::pipeline::compile`]); the proof adds the generated and on-disk `.tf` files it has
//! findings in ([`crate::prove::Prover`]), named by their path relative to the repository root.

use std::collections::HashMap;

/// A file of a [`SourceMap`]: an index into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

/// The files diagnostics point into: each one's name (as shown: the path given on the command
/// line, or relative to the repository root) and, when known, its text.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Every file by its name, for [`SourceMap::intern`].
    by_name: HashMap<String, FileId>,
}

#[derive(Debug, Clone)]
struct SourceFile {
    name: String,
    text: Option<String>,
    /// Bytes of the file before its text (a UTF-8 byte order mark the loader strips).
    skipped: usize,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map of one file, `name`, with no text yet, and its id.
    pub fn single(name: &str) -> (Self, FileId) {
        let mut map = Self::new();
        let id = map.intern(name);
        (map, id)
    }

    /// The id of the file named `name`, added (with no text) when the map does not have it.
    pub fn intern(&mut self, name: &str) -> FileId {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(SourceFile {
            name: name.to_string(),
            text: None,
            skipped: 0,
        });
        self.by_name.insert(name.to_string(), id);
        id
    }

    /// The name of `file` (as diagnostics show it).
    pub fn name(&self, file: FileId) -> &str {
        &self.files[file.0 as usize].name
    }

    /// Renames `file` (the configuration, shown as the user named it on the command line).
    pub fn rename(&mut self, file: FileId, name: &str) {
        let old = std::mem::replace(&mut self.files[file.0 as usize].name, name.to_string());
        if self.by_name.get(&old) == Some(&file) {
            self.by_name.remove(&old);
        }
        self.by_name.insert(name.to_string(), file);
    }

    /// The text of `file`, when it was set ([`SourceMap::set_text`]).
    pub fn text(&self, file: FileId) -> Option<&str> {
        self.files[file.0 as usize].text.as_deref()
    }

    /// The text of `file`, to edit in place (secrets masked before it is shown).
    pub fn text_mut(&mut self, file: FileId) -> Option<&mut String> {
        self.files[file.0 as usize].text.as_mut()
    }

    /// Sets the text of `file`.
    pub fn set_text(&mut self, file: FileId, text: String) {
        self.files[file.0 as usize].text = Some(text);
    }

    /// Records that the file's text starts `bytes` into the file (a stripped byte order mark):
    /// spans are offsets in the text, and the JSON format adds this to give offsets in the file.
    pub fn set_skipped(&mut self, file: FileId, bytes: usize) {
        self.files[file.0 as usize].skipped = bytes;
    }

    /// Bytes of `file` before its text (see [`SourceMap::set_skipped`]).
    pub fn skipped(&self, file: FileId) -> usize {
        self.files[file.0 as usize].skipped
    }

    /// Whether `file` has a text.
    pub fn has_text(&self, file: FileId) -> bool {
        self.files[file.0 as usize].text.is_some()
    }

    /// Every file, in the order added.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + use<> {
        (0..self.files.len() as u32).map(FileId)
    }

    /// Adds every file of `other` to this map (a text this map lacks is taken from `other`) and
    /// returns, for each id of `other`, its id here: the diagnostics made against `other` are
    /// moved to this map with [`FileMapping::apply`].
    pub fn absorb(&mut self, other: SourceMap) -> FileMapping {
        let mut ids = Vec::with_capacity(other.files.len());
        for file in other.files {
            let id = self.intern(&file.name);
            if let Some(text) = file.text
                && !self.has_text(id)
            {
                self.set_text(id, text);
            }
            ids.push(id);
        }
        FileMapping(ids)
    }
}

/// Where the files of a map [`SourceMap::absorb`]ed are in the map that took them.
#[derive(Debug)]
pub struct FileMapping(Vec<FileId>);

impl FileMapping {
    /// The id in the map that took them of `file`, an id of the map absorbed.
    pub fn apply(&self, file: FileId) -> FileId {
        self.0[file.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_finds_a_name_once_and_absorbing_maps_ids_by_name() {
        let (mut map, config) = SourceMap::single("environments.yaml");
        let a = map.intern("generated/a/main.tf");
        assert_eq!(map.intern("generated/a/main.tf"), a);
        assert_ne!(a, config);
        assert_eq!(map.name(a), "generated/a/main.tf");
        assert_eq!(map.text(a), None);
        map.set_text(config, "x: 1\n".to_string());
        assert_eq!(map.text(config), Some("x: 1\n"));

        let mut other = SourceMap::new();
        let b = other.intern("generated/b/main.tf");
        let a2 = other.intern("generated/a/main.tf");
        other.set_text(a2, "a".to_string());
        other.set_text(b, "b".to_string());
        let mapping = map.absorb(other);
        assert_eq!(mapping.apply(a2), a);
        assert_eq!(map.text(a), Some("a"));
        let b_here = mapping.apply(b);
        assert_eq!(map.name(b_here), "generated/b/main.tf");
        assert_eq!(map.text(b_here), Some("b"));
        assert_eq!(map.ids().count(), 3);

        map.rename(config, "./conf/environments.yaml");
        assert_eq!(map.name(config), "./conf/environments.yaml");
        assert_eq!(map.intern("./conf/environments.yaml"), config);
        assert_ne!(map.intern("environments.yaml"), config);
    }
}
