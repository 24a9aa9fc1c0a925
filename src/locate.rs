//! Where the generated tree goes, and how the configuration is named inside it.
//!
//! The repository root is `--root` when given; otherwise the nearest directory, from the
//! configuration's own directory upwards, that holds a `.git` entry (so `--config
//! infra/envs.yaml` run anywhere in a repository writes the workflows to the root's
//! `.github/workflows/`, where GitHub reads them); otherwise the configuration's directory.
//!
//! The configuration's path relative to that root is written into every generated header and
//! into the workflows (which read it at the base commit of a pull request): it must be inside
//! the root and made of portable characters only, so no encoder has to guess how to quote it.

use std::path::{Component, Path, PathBuf};

/// The default configuration file name.
pub const DEFAULT_CONFIG: &str = "environments.yaml";

/// The repository root and the configuration's path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The repository root the generated tree is written under.
    pub root: PathBuf,
    /// The configuration file relative to `root`, `/`-separated (`infra/envs.yaml`).
    pub config: String,
}

/// Finds the repository root for `config` (`root` when given) and the configuration's path
/// relative to it. The error says what is wrong and how to fix it.
pub fn locate(config: &Path, root: Option<&Path>) -> Result<Placement, String> {
    let dir = match config.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = config
        .file_name()
        .ok_or_else(|| format!("`{}` does not name a file", config.display()))?;
    let abs_dir = canonical_dir(&dir).map_err(|e| {
        format!(
            "cannot resolve the directory of `{}`: {e}",
            config.display()
        )
    })?;
    let root = match root {
        // A root given on the command line must be a directory that exists: a missing one was
        // reported as the configuration being "outside the repository root", a file as an
        // I/O error (exit 1) once writing (sweep 38b R4).
        Some(r) => match std::fs::metadata(r) {
            Ok(m) if m.is_dir() => r.to_path_buf(),
            Ok(_) => {
                return Err(format!(
                    "`--root {}` is not a directory: pass the repository's directory",
                    r.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "`--root {}` cannot be used: {e}; pass the repository's directory",
                    r.display()
                ));
            }
        },
        None => repository_of(&abs_dir).unwrap_or_else(|| dir.clone()),
    };
    let abs_root = canonical_dir(&root)
        .map_err(|e| format!("cannot resolve the root `{}`: {e}", root.display()))?;
    let rel = abs_dir.join(name);
    let rel = rel.strip_prefix(&abs_root).map_err(|_| {
        format!(
            "the configuration `{}` is outside the repository root `{}`; pass `--root` with \
             the repository that holds it",
            config.display(),
            root.display()
        )
    })?;
    let mut parts = Vec::new();
    for c in rel.components() {
        let Component::Normal(s) = c else {
            return Err(format!("`{}`: unexpected path component", rel.display()));
        };
        let s = s.to_str().filter(|s| portable(s)).ok_or_else(|| {
            format!(
                "the configuration's path `{}` must be made of letters, digits, `.`, `_`, `-` \
                 and `/`, no part starting with `-` (it is written into every generated \
                 header and into the workflows, where a part starting with `-` would read as \
                 an option); rename it",
                rel.display().to_string().escape_debug()
            )
        })?;
        parts.push(s);
    }
    let config = parts.join("/");
    // tofugen replaces and deletes the files of its output set and its bookkeeping files: a
    // configuration among them would be overwritten (`generate --force`) or never up to date.
    let owned = crate::write::OwnedPaths::default();
    let written = |path: &str| {
        owned.contains(path)
            || [crate::write::LOCK_PATH, crate::write::JOURNAL_PATH].contains(&path)
            || path.ends_with(crate::write::TMP_SUFFIX)
    };
    if written(&config) {
        return Err(format!(
            "the configuration `{config}` is among the files tofugen writes ({owned}, and its \
             bookkeeping files): `generate` would overwrite or delete it; move it, e.g. to \
             `environments.yaml` at the repository root"
        ));
    }
    // The same through a symlink: the file it names would be replaced, and the configuration
    // with it (`generate --force` wrote a workflow over it: sweep 10, finding 3). A hard link
    // is safe: a replaced file is renamed over, which leaves the other name's contents.
    if let Ok(target) = abs_dir.join(name).canonicalize()
        && let Ok(inside) = target.strip_prefix(&abs_root)
    {
        let inside = inside.to_string_lossy().replace('\\', "/");
        if inside != config && written(&inside) {
            return Err(format!(
                "the configuration `{config}` is a link to `{}`, among the files tofugen \
                 writes ({owned}, and its bookkeeping files): `generate` would overwrite it \
                 through the link; keep the configuration in a file of its own, e.g. \
                 `environments.yaml` at the repository root",
                inside.escape_debug()
            ));
        }
    }
    Ok(Placement { root, config })
}

/// `dir` made absolute and free of symlinks: its nearest existing ancestor canonicalized, then
/// the components that do not exist yet (`tofugen init --config infra/envs.yaml` creates them).
fn canonical_dir(dir: &Path) -> std::io::Result<PathBuf> {
    let mut missing = Vec::new();
    let mut cur = dir;
    loop {
        match cur.canonicalize() {
            Ok(abs) => return Ok(missing.iter().rev().fold(abs, |p, c| p.join(c))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) else {
                    return Err(e);
                };
                missing.push(name.to_owned());
                cur = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
            }
            Err(e) => return Err(e),
        }
    }
}

/// A path segment made of `[A-Za-z0-9._-]`, not `.` or `..`, not starting with `-`.
fn portable(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.starts_with('-')
        && s.len() <= 255
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Most directories [`found_above`] climbs from where tofugen runs.
const MAX_LEVELS_UP: usize = 64;

/// The configuration named `name` (a bare file name, as the default `environments.yaml` is) in
/// a directory above `start`, when `start` has none: `(levels up, that directory)`. The climb
/// stops at the nearest directory holding `.git` (a repository's configuration is never looked
/// for outside it) and after [`MAX_LEVELS_UP`] directories. What a missing default
/// configuration's help points at: tofugen run from `generated/production/` in a repository
/// whose configuration is at its root.
pub fn found_above(start: &Path, name: &Path) -> Option<(usize, PathBuf)> {
    let mut parts = name.components();
    let (Some(Component::Normal(_)), None) = (parts.next(), parts.next()) else {
        return None;
    };
    let start = start.canonicalize().ok()?;
    if holds_git(&start) {
        return None;
    }
    for (levels, dir) in start.ancestors().enumerate().skip(1).take(MAX_LEVELS_UP) {
        if dir.join(name).is_file() {
            return Some((levels, dir.to_path_buf()));
        }
        if holds_git(dir) {
            return None;
        }
    }
    None
}

/// Why the configuration at `config` must not be read, if it must not: within a repository
/// (`root` when given, else the nearest directory holding `.git` above the configuration's
/// directory, as written), the file it resolves to (every symlink followed) is outside that
/// repository or inside its `.git`. A pull request could replace `environments.yaml` by a
/// symlink to the runner's `~/.docker/config.json` or `/proc/self/environ`, whose lines the
/// diagnostics would then show in a public log (sweep 26, F3). `None` outside a repository and
/// for a path that does not resolve (reading it reports that). Returns the message and the
/// fix: a symlink to replace, or (a file outside as written, no symlink involved: sweep 38, F6)
/// a configuration to move or a `--root` to change.
pub fn escapes_repository(config: &Path, root: Option<&Path>) -> Option<(String, &'static str)> {
    let cwd = std::env::current_dir().ok()?;
    let repository = repository_for(config, root)?;
    let target = cwd.join(config).canonicalize().ok()?;
    let in_git = target.starts_with(repository.join(".git"));
    if target.starts_with(&repository) && !in_git {
        return None;
    }
    let place = if in_git {
        "inside the `.git` directory of"
    } else {
        "outside"
    };
    // Where the path leads read as written (`..` taken lexically) from the canonical current
    // directory: elsewhere than `target`, a symlink took it there.
    let mut lexical = cwd.canonicalize().unwrap_or(cwd);
    for part in config.components() {
        match part {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    Some(if lexical != target {
        (
            format!(
                "`{}` resolves to `{}`, {place} the repository `{}`: tofugen reads only a \
                 configuration of the repository it generates for, never a file a symlink \
                 points to elsewhere",
                config.display(),
                target.display(),
                repository.display()
            ),
            "replace the symlink by the file itself, committed in the repository, or pass \
             --config with the configuration's path in the repository",
        )
    } else {
        (
            format!(
                "`{}` is {place} the repository `{}`: tofugen reads only a configuration of the \
                 repository it generates for",
                config.display(),
                repository.display()
            ),
            "move the configuration into the repository, or pass --root with the repository \
             that holds it",
        )
    })
}

/// The repository of the configuration at `config` (relative to the current directory, or
/// absolute), canonical: `root` when given, else the nearest directory holding `.git` above the
/// configuration's directory as written. Found on the path as written, not on where its
/// symlinks lead: a configuration under a symlinked directory (`infra -> /etc`) belongs to the
/// repository holding the link, and [`escapes_repository`] then refuses it.
pub fn repository_for(config: &Path, root: Option<&Path>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let repository = match root {
        Some(root) => cwd.join(root),
        None => repository_of(&cwd.join(config.parent().unwrap_or(Path::new(""))))?,
    };
    repository.canonicalize().ok()
}

/// The nearest directory holding `.git` from `dir` up: the repository `dir` is in, if any.
pub fn repository_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| holds_git(a))
        .map(Path::to_path_buf)
}

/// Whether `dir` holds a `.git` entry (a directory, or the file of a worktree or submodule): a
/// repository's root.
fn holds_git(dir: &Path) -> bool {
    dir.join(".git").symlink_metadata().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_git_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("infra/envs")).unwrap();
        let config = dir.path().join("infra/envs/prod.yaml");
        let p = locate(&config, None).unwrap();
        assert_eq!(p.root, dir.path().canonicalize().unwrap());
        assert_eq!(p.config, "infra/envs/prod.yaml");
    }

    #[test]
    fn without_git_the_root_is_the_configs_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("infra")).unwrap();
        let config = dir.path().join("infra/envs.yaml");
        let p = locate(&config, None).unwrap();
        assert_eq!(p.root, dir.path().join("infra"));
        assert_eq!(p.config, "envs.yaml");
    }

    #[test]
    fn an_explicit_root_must_hold_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        let e = locate(&dir.path().join("a/x.yaml"), Some(&dir.path().join("b"))).unwrap_err();
        assert!(e.contains("outside the repository root"), "{e}");
        let p = locate(&dir.path().join("a/x.yaml"), Some(dir.path())).unwrap();
        assert_eq!(p.config, "a/x.yaml");
        // A root that is missing, or a file, is said to be so (sweep 38b R4).
        let e = locate(&dir.path().join("a/x.yaml"), Some(&dir.path().join("nope"))).unwrap_err();
        assert!(e.contains("--root") && e.contains("No such file"), "{e}");
        std::fs::write(dir.path().join("f"), "").unwrap();
        let e = locate(&dir.path().join("a/x.yaml"), Some(&dir.path().join("f"))).unwrap_err();
        assert!(e.contains("is not a directory"), "{e}");
    }

    #[test]
    fn a_configuration_among_the_files_tofugen_writes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "generated/envs.yaml",
            "generated/staging/main.tf",
            ".github/workflows/tofugen-pr.yml",
            "schema/environments.schema.json",
            ".tofugen.lock",
            ".tofugen-journal.json",
            "envs.yaml.tofugen-tmp",
        ] {
            let e = locate(&dir.path().join(name), Some(dir.path())).unwrap_err();
            assert!(e.contains("among the files tofugen writes"), "{name}: {e}");
        }
        for name in [
            ".github/workflows/envs.yaml",
            "schema/envs.yaml",
            "infra/generated.yaml",
        ] {
            assert!(
                locate(&dir.path().join(name), Some(dir.path())).is_ok(),
                "{name}"
            );
        }
        // Through a symlink (sweep 10, finding 3), whichever way it is written; a link to a
        // file of the repository's own stays usable.
        let workflows = dir.path().join(".github/workflows");
        std::fs::create_dir_all(&workflows).unwrap();
        std::fs::write(workflows.join("tofugen-pr.yml"), "project: x\n").unwrap();
        std::fs::write(dir.path().join("infra.yaml"), "project: x\n").unwrap();
        let link = dir.path().join("environments.yaml");
        for target in [
            ".github/workflows/tofugen-pr.yml",
            "./.github/../.github/workflows/tofugen-pr.yml",
        ] {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(target, &link).unwrap();
            let e = locate(&link, Some(dir.path())).unwrap_err();
            assert!(
                e.contains("is a link to `.github/workflows/tofugen-pr.yml`"),
                "{target}: {e}"
            );
        }
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink("infra.yaml", &link).unwrap();
        assert!(locate(&link, Some(dir.path())).is_ok());
    }

    #[test]
    fn unportable_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a b.yaml",
            "x\n# y.yaml",
            "-f.yaml",
            "é.yaml",
            "a$(id).yaml",
        ] {
            let e = locate(&dir.path().join(name), Some(dir.path())).unwrap_err();
            assert!(e.contains("must be made of letters"), "{name}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    /// A missing default configuration is looked for upwards, within the repository only.
    #[test]
    fn the_configuration_is_found_above_within_the_repository() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        let deep = repo.join("generated/production");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(&deep).expect("mkdir");
        let name = Path::new("environments.yaml");
        assert_eq!(found_above(&deep, name), None, "none yet");
        std::fs::write(repo.join("environments.yaml"), "x").expect("write");
        let (levels, at) = found_above(&deep, name).expect("found");
        assert_eq!(levels, 2);
        assert_eq!(at, repo.canonicalize().expect("canonical"));
        // Not from the repository root itself (the file would have been read), nor past it.
        assert_eq!(found_above(&repo, Path::new("other.yaml")), None);
        std::fs::write(dir.path().join("other.yaml"), "x").expect("write");
        assert_eq!(found_above(&deep, Path::new("other.yaml")), None, "outside");
        // A path with a directory part was given on purpose: not looked for elsewhere.
        assert_eq!(found_above(&deep, Path::new("./environments.yaml")), None);
        assert_eq!(found_above(&deep, Path::new("sub/environments.yaml")), None);
        // A nested repository bounds the climb.
        let nested = repo.join("vendor/lib");
        std::fs::create_dir_all(nested.join(".git")).expect("mkdir");
        std::fs::create_dir_all(nested.join("src")).expect("mkdir");
        assert_eq!(found_above(&nested.join("src"), name), None);
    }
}
