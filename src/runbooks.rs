//! tofugen's runbooks (`docs/runbooks.md`), embedded in the binary: what `tofugen runbook`
//! prints, so that the generated workflows' messages and an on-call engineer in another
//! repository reach them without tofugen's source (sweep 27, F8: the rollback workflow said
//! "docs/runbooks.md, container-error", a file the adopting repository does not have).
//!
//! Each runbook is a `## NAME` section: the name of an alert of a built-in kind (the anchor its
//! `runbook_url` annotation links to) or of a procedure (`rollback-other-changes`,
//! `database-restore`).

/// The whole page, as in tofugen's source.
pub const PAGE: &str = include_str!("../docs/runbooks.md");

/// The sections outside fenced code blocks: `(name, text from its heading to the next one)`.
fn sections() -> Vec<(&'static str, &'static str)> {
    let mut starts = Vec::new();
    let mut fenced = false;
    let mut at = 0;
    for line in PAGE.split_inclusive('\n') {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && let Some(name) = line.strip_prefix("## ") {
            starts.push((name.trim(), at));
        }
        at += line.len();
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, (name, start))| {
            let end = starts.get(i + 1).map_or(PAGE.len(), |(_, s)| *s);
            (*name, PAGE[*start..end].trim_end())
        })
        .collect()
}

/// The runbooks' names, in the page's order.
pub fn names() -> Vec<&'static str> {
    sections().into_iter().map(|(name, _)| name).collect()
}

/// The runbook `name` (its section, heading included), if there is one.
pub fn runbook(name: &str) -> Option<&'static str> {
    sections()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text)
}

/// What `tofugen runbook` prints without a name: the names, one per line, each with the first
/// sentence of its section.
pub fn listing() -> String {
    let mut out = String::from(
        "tofugen's runbooks (`tofugen runbook NAME` prints one, `--all` the whole page):\n",
    );
    let sections = sections();
    let width = sections.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, text) in sections {
        let first = text
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let first = first.split(". ").next().unwrap_or(first);
        out.push_str(&format!("  {name:<width$}  {first}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each built-in alert kind has its runbook (the anchor its `runbook_url` links to); a
    /// heading inside a fenced block is not a section. (`tests/cli.rs` checks the runbooks the
    /// generated workflows name.)
    #[test]
    fn every_alert_kind_has_its_runbook() {
        let names = names();
        for kind in crate::emit::alerts::ALL_KINDS {
            let name = crate::emit::alerts::alert_name(kind);
            assert!(names.contains(&name), "{name}: {names:?}");
        }
        assert!(names.iter().all(|n| !n.contains(' ')), "{names:?}");
        assert!(names.contains(&"rollback-other-changes"), "{names:?}");
    }

    #[test]
    fn a_runbook_is_its_section() {
        let text = runbook("container-error").unwrap();
        assert!(text.starts_with("## container-error\n"), "{text}");
        assert!(!text.contains("\n## "), "{text}");
        assert!(runbook("container").is_none());
        let listing = listing();
        for name in names() {
            assert!(listing.contains(&format!("  {name} ")), "{listing}");
        }
    }
}
