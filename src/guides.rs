//! tofugen's guides, embedded in the binary: the pages that generated files and messages send a
//! reader to (`tofugen docs deploy-flow`). A team using tofugen outside its repository has the
//! binary, not tofugen's `docs/` (sweep 57, H3-10: the workflows and the bootstrap README named
//! `docs/deploy-flow.md` and `docs/security.md`, which such a team cannot open). The pages are
//! those of the tofugen version that wrote the tree: the generated workflows install that same
//! version.

/// A guide: its name, what it covers, and its Markdown text.
pub struct Guide {
    /// The name `tofugen docs NAME` takes.
    pub name: &'static str,
    /// What it covers, in a line.
    pub summary: &'static str,
    /// The page, as in tofugen's `docs/`.
    pub text: &'static str,
}

/// Every guide, by name.
pub const GUIDES: [Guide; 3] = [
    Guide {
        name: "deploy-flow",
        summary: "how a release moves: pull request, deploy, promotion, rollback, and every guard",
        text: include_str!("../docs/deploy-flow.md"),
    },
    Guide {
        name: "runbooks",
        summary: "what to do for each alert and procedure (also `tofugen runbook NAME`)",
        text: crate::runbooks::PAGE,
    },
    Guide {
        name: "security",
        summary: "assets, actors, permissions, and the residual risks",
        text: include_str!("../docs/security.md"),
    },
];

/// The guide named `name`.
pub fn guide(name: &str) -> Option<&'static Guide> {
    GUIDES.iter().find(|g| g.name == name)
}

/// The list `tofugen docs` prints: one line per guide.
pub fn listing() -> String {
    let width = GUIDES.iter().map(|g| g.name.len()).max().unwrap_or(0);
    GUIDES
        .iter()
        .map(|g| format!("{:width$}  {}\n", g.name, g.summary))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page a generated file or message names as `tofugen docs NAME` is a guide, and each
    /// section it names there (`"1,000 runs"`) is in that page.
    #[test]
    fn the_pages_generated_output_names_are_embedded() {
        let flow = guide("deploy-flow").unwrap().text;
        assert!(
            flow.contains("1,000 runs"),
            "docs/deploy-flow.md lost its section"
        );
        let security = guide("security").unwrap().text;
        assert!(
            security.contains("backup key"),
            "docs/security.md lost the backup key"
        );
        assert!(guide("nothing").is_none());
        assert_eq!(listing().lines().count(), GUIDES.len());
    }
}
