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

#[cfg(test)]
mod tests {
    use super::*;

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
