//! The module library, embedded in the binary at build time (`build.rs`).
//!
//! `generate` vendors it into `generated/modules/` of the user's repository, each file stamped
//! with the tofugen version that wrote it; the generated roots call `../modules/<name>`. In
//! tofugen's own repository, `modules:` `{ path: modules }` in the configuration makes the
//! roots call the repository's `modules/` (the library's source) instead, and nothing is
//! vendored.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/modules.rs"));
}

/// Directory the library is vendored into, relative to the repository root.
pub const VENDOR_DIR: &str = "generated/modules";

/// Every file of the library: path relative to the library root (`service/main.tf`), and its
/// contents as in tofugen's sources.
pub fn files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

/// A fingerprint of the library's `.tf` files (their paths and contents), computed by
/// `build.rs`: what [`crate::prove::library`]'s committed table was computed from, when it is
/// up to date.
pub const TF_FINGERPRINT: &str = embedded::TF_FINGERPRINT;

/// The do-not-edit sentence of every vendored file, naming the tofugen version that wrote it.
macro_rules! stamp {
    () => {
        concat!(
            "Vendored by tofugen ",
            env!("CARGO_PKG_VERSION"),
            " from its module library. DO NOT EDIT: `tofugen generate` rewrites it; upgrading tofugen updates it."
        )
    };
}

/// The stamp [`vendored`] puts on the first line of a vendored `.tf` file (newline included);
/// shell scripts get it too.
pub const HCL_STAMP: &str = concat!("# ", stamp!(), "\n");

/// The stamp [`vendored`] puts at the top of a vendored Markdown file (blank line included).
const MARKDOWN_STAMP: &str = concat!("<!-- ", stamp!(), " -->\n\n");

/// The names of the library's modules (`backups`, `containers`, …), sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = files()
        .iter()
        .filter_map(|(p, _)| p.split('/').next())
        .collect();
    names.dedup();
    names
}

/// The vendored copy of a library file: the contents with a do-not-edit stamp in the file's
/// own comment syntax, naming the tofugen version that wrote it.
pub fn vendored(path: &str, contents: &str) -> String {
    let stamp = if path.ends_with(".md") {
        MARKDOWN_STAMP
    } else {
        // HCL (`#` comments) and shell scripts.
        HCL_STAMP
    };
    format!("{stamp}{contents}")
}

/// What one walk of a repository's own module directory (`modules.path`) found ([`list_own`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// The first symlink met (a path relative to the repository root), on the way to the
    /// directory or below it.
    Symlink(String),
    /// No symlink: what the directory holds.
    Complete(OwnModules),
    /// The walk stopped (an unreadable directory, or more than [`MAX_OWN_ENTRIES`] entries):
    /// nothing is known, and whoever needs the files reads the directory again.
    Incomplete,
}

/// A repository's own module directory, as listed by [`list_own`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnModules {
    /// The module directories (`<path>/<name>`) holding a `.tf` file, by name.
    pub with_tf: std::collections::BTreeSet<String>,
    /// Every `.tf` file at any depth, relative to the repository root (`/`-separated), sorted.
    pub tf_files: Vec<String>,
}

/// Most entries [`list_own`] looks at under the modules directory.
pub const MAX_OWN_ENTRIES: usize = 100_000;

/// Walks the modules directory `path` (relative to the repository root `root`, as the schema
/// writes it: `/`-separated names) once, following no link, and lists what every command that
/// reads it needs: a symlink on the way to it or anywhere below (sweep 28, F2: `modules` made a
/// symlink to another directory, or a module file made a symlink to a file outside, and a pull
/// request changing what it points at changed the roots' code while `affected` planned nothing),
/// the modules holding a `.tf` file, and the `.tf` files the proof reads. `.terraform`
/// directories are skipped, as OpenTofu reads no code from a called module's `.terraform` (a
/// `tofu test` run in a module directory leaves one, whose providers may be symlinks into a
/// plugin cache).
pub fn list_own(root: &std::path::Path, path: &str) -> Listing {
    let mut rel = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str(part);
        match root.join(&rel).symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => return Listing::Symlink(rel),
            Ok(_) => {}
            Err(_) => return Listing::Incomplete,
        }
    }
    let mut own = OwnModules::default();
    // Each directory with the module it is in (`None` for the modules directory itself) and
    // whether it is that module's own directory.
    let mut todo: Vec<(String, Option<String>, bool)> = vec![(rel, None, false)];
    let mut seen = 0;
    while let Some((dir, module, at_top)) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            return Listing::Incomplete;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_OWN_ENTRIES {
                return Listing::Incomplete;
            }
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let name = format!("{dir}/{file_name}");
            match entry.file_type() {
                Ok(t) if t.is_symlink() => return Listing::Symlink(name),
                Ok(t) if t.is_dir() => {
                    if file_name == ".terraform" {
                        continue;
                    }
                    let (module, at_top) = match &module {
                        None => (Some(file_name), true),
                        Some(m) => (Some(m.clone()), false),
                    };
                    todo.push((name, module, at_top));
                }
                Ok(t) if t.is_file() && file_name.ends_with(".tf") => {
                    if at_top {
                        own.with_tf.extend(module.clone());
                    }
                    own.tf_files.push(name);
                }
                _ => {}
            }
        }
    }
    own.tf_files.sort();
    Listing::Complete(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One walk lists the `.tf` files at any depth (sorted, relative to the root), the modules
    /// with a `.tf` file of their own (a directory named like one is not a file, a file in a
    /// subdirectory is not the module's), and skips `.terraform`; a symlink anywhere on the way
    /// or below is the answer, and a missing directory is not a listing.
    #[cfg(unix)]
    #[test]
    fn one_walk_lists_the_own_modules() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        };
        write("infra/mods/b/main.tf");
        write("infra/mods/a/variables.tf");
        write("infra/mods/a/README.md");
        write("infra/mods/c/sub/inner.tf");
        std::fs::create_dir_all(root.join("infra/mods/d/dir.tf")).unwrap();
        write("infra/mods/b/.terraform/cached.tf");
        std::os::unix::fs::symlink("/elsewhere", root.join("infra/mods/b/.terraform/link"))
            .unwrap();
        let Listing::Complete(own) = list_own(root, "infra/mods") else {
            panic!("{:?}", list_own(root, "infra/mods"));
        };
        assert_eq!(
            own.tf_files,
            [
                "infra/mods/a/variables.tf",
                "infra/mods/b/main.tf",
                "infra/mods/c/sub/inner.tf"
            ]
        );
        assert_eq!(own.with_tf.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        std::os::unix::fs::symlink("../a/variables.tf", root.join("infra/mods/c/sub/x.tf"))
            .unwrap();
        assert_eq!(
            list_own(root, "infra/mods"),
            Listing::Symlink("infra/mods/c/sub/x.tf".into())
        );
        std::os::unix::fs::symlink("infra", root.join("link")).unwrap();
        assert_eq!(list_own(root, "link/mods"), Listing::Symlink("link".into()));
        assert_eq!(list_own(root, "infra/none"), Listing::Incomplete);
    }

    #[test]
    fn the_library_is_embedded_with_every_module() {
        let names = names();
        for m in [
            "backups",
            "database",
            "iam",
            "monitoring",
            "service",
            "state-bucket",
        ] {
            assert!(names.contains(&m), "{m} missing from {names:?}");
        }
        assert!(
            files().iter().all(|(p, _)| !p.contains("/tests/")),
            "module tests are not vendored"
        );
        let on_disk = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/modules/service/main.tf"
        ))
        .unwrap();
        let embedded = files()
            .iter()
            .find(|(p, _)| *p == "service/main.tf")
            .map(|(_, c)| *c)
            .unwrap();
        assert_eq!(embedded, on_disk, "the embedded copy is the source");
    }

    #[test]
    fn vendored_files_are_stamped_in_their_comment_syntax() {
        assert!(vendored("x/main.tf", "a\n").starts_with("# Vendored by tofugen "));
        assert!(vendored("x/README.md", "a\n").starts_with("<!-- Vendored by tofugen "));
        assert!(vendored("x/backup.sh", "a\n").ends_with("\na\n"));
    }
}
