//! The proof of the module library this binary embeds, known before any run.
//!
//! Every `check` proves the modules the roots call: the repository's own (`modules: { path }`,
//! in tofugen's repository the library's sources) or the vendored copy under
//! `generated/modules/`. When a module directory holds exactly one of the library's modules
//! (the same `.tf` files, byte for byte, with or without the stamp `generate` vendors them
//! with), its proof is a constant of this binary: no finding, and the interface in the committed
//! table `library_interfaces.json`, next to this file. The directory is then not parsed (87 KB
//! of HCL, a third of a committed `check`'s instructions).
//!
//! The table is only used when it was computed from the library this binary embeds (its
//! fingerprint equals [`crate::modules::TF_FINGERPRINT`]); otherwise every directory is parsed
//! and proved as before. A test parses and proves the library, checks that it has no finding and
//! that its interfaces are the table's, and fails when the table is stale (set
//! `TOFUGEN_UPDATE_LIBRARY_TABLE=1` to rewrite it).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::modules::Interface;
use crate::modules;

/// The committed table: the library's module interfaces and the fingerprint of the `.tf` files
/// they were computed from.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// [`crate::modules::TF_FINGERPRINT`] of the library the interfaces were computed from.
    pub fingerprint: String,
    /// Each module's interface, by name.
    pub modules: BTreeMap<String, Interface>,
}

/// The committed table, as text.
pub const TABLE_JSON: &str = include_str!("library_interfaces.json");

/// The table, when it was computed from this binary's library (read once).
fn table() -> Option<&'static Table> {
    static TABLE: OnceLock<Option<Table>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            serde_json::from_str::<Table>(TABLE_JSON)
                .ok()
                .filter(|t| t.fingerprint == modules::TF_FINGERPRINT)
        })
        .as_ref()
}

/// The interface of the module in `dir` (its `.tf` files: path, contents, in path order), when
/// they are exactly one of the library's modules (the module named like `dir`) and the table is
/// up to date: that module proves without a finding, so it need not be parsed. `None` otherwise.
pub fn known_interface(dir: &Path, files: &[(&str, &str)]) -> Option<&'static Interface> {
    let name = dir.file_name()?.to_str()?;
    let interface = table()?.modules.get(name)?;
    let mut library = modules::files().iter().filter(|(path, _)| {
        path.strip_prefix(name)
            .and_then(|p| p.strip_prefix('/'))
            .is_some_and(|file| !file.contains('/') && file.ends_with(".tf"))
    });
    for &(path, text) in files {
        let (library_path, contents) = library.next()?;
        let same_name = Path::new(path).file_name() == Path::new(library_path).file_name();
        let same_text =
            text == *contents || text.strip_prefix(modules::HCL_STAMP) == Some(*contents);
        if !same_name || !same_text {
            return None;
        }
    }
    library.next().is_none().then_some(interface)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prove::Prover;
    use std::path::PathBuf;

    /// The library's `.tf` files under `prefix` (`modules`, `generated/modules`), stamped as
    /// vendored when `vendored`.
    fn library_under(prefix: &str, vendored: bool) -> BTreeMap<String, String> {
        modules::files()
            .iter()
            .filter(|(p, _)| p.ends_with(".tf"))
            .map(|(p, c)| {
                let text = if vendored {
                    modules::vendored(p, c)
                } else {
                    c.to_string()
                };
                (format!("{prefix}/{p}"), text)
            })
            .collect()
    }

    /// Parses and proves `files` without the table: the findings and the interfaces learned.
    fn prove_parsing(
        files: &BTreeMap<String, String>,
        chunked: bool,
    ) -> (
        Vec<crate::diagnostics::Diagnostic>,
        BTreeMap<PathBuf, Interface>,
    ) {
        let mut prover = Prover {
            prove_library: true,
            ..Prover::default()
        };
        let borrowed: BTreeMap<&str, &str> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        prover.check(&borrowed, chunked);
        (prover.diags, prover.interfaces)
    }

    #[test]
    fn the_library_proves_clean_and_the_committed_table_is_its_interfaces() {
        // As the repository's own modules (parsed whole) and as vendored (parsed in chunks).
        let (diags, interfaces) = prove_parsing(&library_under("modules", false), false);
        assert!(diags.is_empty(), "the library has findings: {diags:#?}");
        let (vendored_diags, vendored) =
            prove_parsing(&library_under("generated/modules", true), true);
        assert!(vendored_diags.is_empty(), "{vendored_diags:#?}");
        let modules: BTreeMap<String, Interface> = interfaces
            .into_iter()
            .map(|(dir, i)| (dir.file_name().unwrap().to_str().unwrap().to_string(), i))
            .collect();
        assert_eq!(modules.len(), modules::names().len());
        for (dir, i) in &vendored {
            assert_eq!(
                Some(i),
                modules.get(dir.file_name().unwrap().to_str().unwrap())
            );
        }
        let computed = Table {
            fingerprint: modules::TF_FINGERPRINT.to_string(),
            modules,
        };
        let json = serde_json::to_string_pretty(&computed).unwrap() + "\n";
        if std::env::var_os("TOFUGEN_UPDATE_LIBRARY_TABLE").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/prove/library_interfaces.json"
            );
            std::fs::write(path, &json).unwrap();
            return;
        }
        assert!(
            TABLE_JSON == json,
            "src/prove/library_interfaces.json is not the library's interfaces (a module \
             changed): run `TOFUGEN_UPDATE_LIBRARY_TABLE=1 cargo test --lib prove::library` \
             and commit the file"
        );
        assert_eq!(table(), Some(&computed));
    }

    #[test]
    fn only_a_module_that_is_exactly_the_library_s_is_known() {
        let repo = library_under("modules", false);
        let vendored = library_under("generated/modules", true);
        let files = |tree: &BTreeMap<String, String>, dir: &str| -> Vec<(String, String)> {
            tree.iter()
                .filter(|(p, _)| Path::new(p.as_str()).parent() == Some(Path::new(dir)))
                .map(|(p, t)| (p.clone(), t.clone()))
                .collect()
        };
        let known = |dir: &str, files: &[(String, String)]| {
            let borrowed: Vec<(&str, &str)> = files
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            known_interface(Path::new(dir), &borrowed).is_some()
        };
        for name in modules::names() {
            let dir = format!("modules/{name}");
            let own = files(&repo, &dir);
            assert!(known(&dir, &own), "{dir}");
            let vendored_dir = format!("generated/modules/{name}");
            assert!(known(&vendored_dir, &files(&vendored, &vendored_dir)));
            // One byte more, one file fewer, one file more, another module's name.
            let mut changed = own.clone();
            changed[0].1.push(' ');
            assert!(!known(&dir, &changed), "{dir}: a changed file");
            assert!(!known(&dir, &own[1..]), "{dir}: a missing file");
            let mut extra = own.clone();
            extra.push((format!("{dir}/zz.tf"), String::new()));
            assert!(!known(&dir, &extra), "{dir}: an extra file");
            let renamed: Vec<(String, String)> = own
                .iter()
                .map(|(p, t)| (p.replace(&dir, "modules/other"), t.clone()))
                .collect();
            assert!(
                !known("modules/other", &renamed),
                "{dir} under another name"
            );
            // A file of the same contents under another name.
            let mut moved = own.clone();
            moved[0].0 = format!("{dir}/aa.tf");
            assert!(!known(&dir, &moved), "{dir}: a renamed file");
        }
    }

    #[test]
    fn the_repository_s_own_modules_are_known_without_parsing() {
        // What a `check` of tofugen's repository does: `modules: { path: modules }`.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let prover = Prover::new(root, Some("modules"));
        assert!(prover.findings().is_empty(), "{:#?}", prover.findings());
        assert_eq!(
            prover.dirs_parsed(),
            0,
            "a module of the library was parsed"
        );
        assert_eq!(prover.interfaces.len(), modules::names().len());
    }

    #[test]
    fn a_prover_takes_the_library_from_the_table_and_parses_anything_else() {
        // The library with one variable added to `network`: that module is parsed (its
        // interface has the variable), the others come from the table, and the findings and
        // interfaces are those of parsing everything.
        let mut tree = library_under("generated/modules", true);
        tree.get_mut("generated/modules/network/variables.tf")
            .unwrap()
            .push_str("\nvariable \"extra\" {\n  type = string\n}\n");
        let borrowed: BTreeMap<&str, &str> =
            tree.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let mut prover = Prover::default();
        prover.check(&borrowed, true);
        let (diags, interfaces) = prove_parsing(&tree, true);
        assert_eq!(prover.dirs_parsed(), 1, "only the changed module is parsed");
        assert_eq!(prover.diags, diags);
        assert_eq!(prover.interfaces, interfaces);
        assert!(
            prover.interfaces[Path::new("generated/modules/network")]
                .variables
                .contains_key("extra")
        );
    }
}
