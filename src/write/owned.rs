//! The paths tofugen owns: the only ones it may write or delete.
//!
//! [`OwnedPaths`] is built once from a small description (directories it owns entirely, files
//! it owns by name pattern, exact files). Every path the writer acts on is checked against it:
//! the files a run generates (a path outside the set is a tofugen bug), the entries of the
//! manifest and of the journal (an entry outside the set was not written by tofugen and is
//! never acted on). The writer follows no symlinked directory, so a path is where it says.

use std::fmt;

/// Longest path segment: the temp name `.{segment}.tofugen-tmp` must fit in 255 bytes.
const MAX_SEGMENT: usize = 255 - 1 - super::TMP_SUFFIX.len();

/// One rule of an [`OwnedPaths`] description. Directories are relative to the repository root,
/// `/`-separated, without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedRule {
    /// Every path strictly under this directory (`generated` owns `generated/**`).
    Tree(String),
    /// The files directly in `dir` whose name is `prefix`, then at least one character, then
    /// `suffix` (`.github/workflows`, `tofugen-`, `.yml` owns `.github/workflows/tofugen-*.yml`).
    Pattern {
        /// The directory the files are in.
        dir: String,
        /// How their name starts.
        prefix: String,
        /// How their name ends.
        suffix: String,
    },
    /// Exactly this file.
    File(String),
}

impl OwnedRule {
    /// Whether the rule matches `path` (a valid relative path).
    pub(super) fn matches(&self, path: &str) -> bool {
        match self {
            OwnedRule::Tree(dir) => path
                .strip_prefix(dir.as_str())
                .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/')),
            OwnedRule::Pattern {
                dir,
                prefix,
                suffix,
            } => {
                let Some(name) = path
                    .strip_prefix(dir.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                else {
                    return false;
                };
                !name.contains('/')
                    && name.len() > prefix.len() + suffix.len()
                    && name.starts_with(prefix.as_str())
                    && name.ends_with(suffix.as_str())
            }
            OwnedRule::File(file) => path == file,
        }
    }

    /// The path every rule is anchored at, for validation of the description.
    fn anchor(&self) -> &str {
        match self {
            OwnedRule::Tree(dir) | OwnedRule::Pattern { dir, .. } => dir,
            OwnedRule::File(file) => file,
        }
    }
}

impl fmt::Display for OwnedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnedRule::Tree(dir) => write!(f, "{dir}/**"),
            OwnedRule::Pattern {
                dir,
                prefix,
                suffix,
            } => write!(f, "{dir}/{prefix}*{suffix}"),
            OwnedRule::File(file) => f.write_str(file),
        }
    }
}

/// The set of paths (relative to the repository root) tofugen may write or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPaths {
    rules: Vec<OwnedRule>,
}

impl Default for OwnedPaths {
    /// The set tofugen writes today: `generated/**`, `.github/workflows/tofugen-*.yml` and
    /// `schema/environments.schema.json`.
    fn default() -> Self {
        OwnedPaths {
            rules: vec![
                OwnedRule::Tree("generated".into()),
                OwnedRule::Pattern {
                    dir: crate::emit::workflows::WORKFLOWS_DIR.into(),
                    prefix: "tofugen-".into(),
                    suffix: ".yml".into(),
                },
                OwnedRule::File(crate::emit::SCHEMA_PATH.into()),
            ],
        }
    }
}

impl OwnedPaths {
    /// A set from its rules. Fails when a rule's directory or file is not a valid relative
    /// path, is under `.git`, or when a pattern's prefix or suffix contains a `/`.
    pub fn new(rules: Vec<OwnedRule>) -> Result<Self, String> {
        for rule in &rules {
            check_syntax(rule.anchor()).map_err(|e| format!("owned path rule `{rule}`: {e}"))?;
            if let OwnedRule::Pattern { prefix, suffix, .. } = rule
                && (prefix.contains('/') || suffix.contains('/'))
            {
                return Err(format!(
                    "owned path rule `{rule}`: a pattern matches names in one directory"
                ));
            }
        }
        Ok(OwnedPaths { rules })
    }

    /// The rules of the set.
    pub(super) fn rules(&self) -> &[OwnedRule] {
        &self.rules
    }

    /// Whether `path` is a valid relative path inside the set (see [`OwnedPaths::check`]).
    pub fn contains(&self, path: &str) -> bool {
        self.check(path).is_ok()
    }

    /// Why `path` may not be written or deleted by tofugen, if it may not: it is not a
    /// normalized relative path of `[A-Za-z0-9._-]` segments, it has a `.git` segment (in any
    /// case), or no rule of the set matches it.
    pub fn check(&self, path: &str) -> Result<(), String> {
        check_syntax(path)?;
        if self.rules.iter().any(|r| r.matches(path)) {
            Ok(())
        } else {
            Err(format!(
                "outside the paths tofugen writes ({self}); tofugen never writes nor deletes it"
            ))
        }
    }
}

impl fmt::Display for OwnedPaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

/// Why `path` is not a normalized relative path tofugen may act on, if it is not.
pub(super) fn check_syntax(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return Err(
            "absolute paths are not allowed: use a path relative to the repository root".into(),
        );
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(format!("control character {c:?} is not allowed"));
    }
    for segment in path.split('/') {
        check_segment(segment)?;
    }
    Ok(())
}

fn check_segment(segment: &str) -> Result<(), String> {
    match segment {
        "" => return Err("empty segment (`//` or a trailing `/`) is not allowed".into()),
        "." | ".." => {
            return Err(format!(
                "`{segment}` segments are not allowed: paths must be normalized and stay under \
                 the repository root"
            ));
        }
        _ => {}
    }
    if let Some(c) = segment
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "character {c:?} is not allowed (segments use only A-Z a-z 0-9 . _ -)"
        ));
    }
    if segment.len() > MAX_SEGMENT {
        return Err(format!("segment longer than {MAX_SEGMENT} bytes"));
    }
    // `.GIT` is `.git` on case-insensitive file systems, `.git.` is `.git` on Windows.
    if segment.trim_end_matches('.').eq_ignore_ascii_case(".git") {
        return Err("paths under `.git` belong to git; tofugen never touches them".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_set_owns_exactly_the_generated_outputs() {
        let owned = OwnedPaths::default();
        for ok in [
            "generated/production/main.tf",
            "generated/.tofugen-manifest.json",
            "generated/modules/network/main.tf",
            ".github/workflows/tofugen-deploy.yml",
            "schema/environments.schema.json",
        ] {
            assert_eq!(owned.check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "generated",
            "generatedx/a",
            "README.md",
            "src/lib.rs",
            ".github/workflows/deploy.yml",
            ".github/workflows/tofugen-.yml",
            ".github/workflows/tofugen-x.yaml",
            ".github/workflows/sub/tofugen-x.yml",
            ".github/workflows2/tofugen-x.yml",
            "schema/scaleway-provider-schema.json",
            "generated/.git/config",
            "generated/x/.GIT/hooks/pre-commit",
            "generated/.Git./x",
            ".git/config",
            "generated/../src/lib.rs",
            "/etc/passwd",
        ] {
            assert!(owned.check(bad).is_err(), "{bad}");
        }
        assert_eq!(
            owned.to_string(),
            "generated/**, .github/workflows/tofugen-*.yml, schema/environments.schema.json"
        );
    }

    #[test]
    fn a_description_is_validated() {
        assert!(OwnedPaths::new(vec![OwnedRule::Tree("../x".into())]).is_err());
        assert!(OwnedPaths::new(vec![OwnedRule::Tree(".git".into())]).is_err());
        assert!(OwnedPaths::new(vec![OwnedRule::File("a/".into())]).is_err());
        let bad_pattern = OwnedRule::Pattern {
            dir: "a".into(),
            prefix: "b/".into(),
            suffix: String::new(),
        };
        assert!(OwnedPaths::new(vec![bad_pattern]).is_err());
        let owned = OwnedPaths::new(vec![OwnedRule::Tree("out/tf".into())]).unwrap();
        assert!(owned.contains("out/tf/a.tf"));
        assert!(!owned.contains("out/a.tf"));
    }
}
