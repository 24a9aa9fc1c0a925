//! Pinned versions: OpenTofu, the providers and the Scaleway CLI image.

use crate::diagnostics::Level;
use crate::load::NodeKind;
use crate::model::InstallMethod;
use crate::policy::{Checker, Place, Rule, Safety, limits};
use crate::versions;

/// TG025: exact versions, new enough for what the roots use.
pub const TG025: Rule = Rule {
    code: "TG025",
    name: "pinned-versions",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "versions are exact `X.Y.Z`: OpenTofu >= 1.12.2, scaleway provider >= 2.81.0, random >= 3.7.1",
    rationale: "write-only attributes and ephemeral resources need OpenTofu 1.11, and the generated roots' tests need the mock-provider fix of 1.12.2 (opentofu#4251); the modules are proven (real `tofu validate` and `tofu test`) with provider 2.81.0 only, and older releases lack blocks they use (`retry_policy` on job definitions came in 2.78.0, `noncurrent_version_expiration` on buckets in 2.76.0); ephemeral random_password needs random 3.7.1",
    bad: "versions:\n  opentofu: 1.11.5\n",
    good: "versions:\n  opentofu: 1.12.6\n",
};

/// TG046: a provider newer than the schema tofugen proves the HCL against.
pub const TG046: Rule = Rule {
    code: "TG046",
    name: "provider-newer-than-schema",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "`versions.scaleway_provider` is not newer than the provider schema tofugen checks against (2.81.0)",
    rationale: "`tofugen check` proves every generated `scaleway_*` block against the vendored schema of one provider release; a newer provider may rename, deprecate or remove what the roots use, and only `tofu validate` with that provider (which the generated PR workflow runs) would tell",
    bad: "versions:\n  scaleway_provider: 2.99.0\n",
    good: "versions:\n  scaleway_provider: 2.81.0\n",
};

/// TG050: how CI installs tofugen, complete and without unused settings.
pub const TG050: Rule = Rule {
    code: "TG050",
    name: "tofugen-install",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`ci.tofugen.install: git` names its repository (`git`), and `git`/`rev` are only given with it",
    rationale: "the pull-request workflow installs tofugen before anything else (the deploy, promote and rollback workflows run OpenTofu only): `install: git` without `git` runs `cargo install --git \"\"` and fails every pull request, and a `git` or `rev` given with another method is silently not used, so the file would say CI installs one build while it installs another",
    bad: "ci:\n  tofugen: { install: git, version: 0.2.0 }\n",
    good: "ci:\n  tofugen: { install: git, git: \"https://github.com/acme/tofugen\", rev: 0123456789abcdef0123456789abcdef01234567 }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG025, TG046, TG050];

/// TG050 on `ci.tofugen`.
pub(crate) fn install(c: &mut Checker<'_>) {
    let Some(spec) = c.root.get("ci").and_then(|ci| ci.get("tofugen")) else {
        return;
    };
    let t = &c.resolved.ci.tofugen;
    let method = format!("{:?}", t.install).to_lowercase();
    if t.install == InstallMethod::Git && t.git.is_none() {
        let span = spec.get("install").map(|n| n.span).or(Some(spec.span));
        c.push(
            &TG050,
            None,
            Place::new("ci.tofugen.install", span),
            "`ci.tofugen.install` is `git` without `ci.tofugen.git`: the workflows would run \
             `cargo install --git \"\"`"
                .to_string(),
            "`git: <https URL of tofugen's repository>` beside `install: git`",
            "add `git: https://…` (and `rev: <commit SHA>` to pin a commit), or use `install: crates`",
        );
    }
    if t.install != InstallMethod::Git {
        for key in ["git", "rev"] {
            if let Some(node) = spec.get(key) {
                c.push(
                    &TG050,
                    None,
                    Place::new(format!("ci.tofugen.{key}"), Some(node.span)),
                    format!(
                        "`ci.tofugen.{key}` is not used: `install` is `{method}`, and only \
                         `install: git` reads it"
                    ),
                    format!("no `{key}` with `install: {method}`"),
                    format!(
                        "set `install: git` to install from that repository, or remove `{key}`"
                    ),
                );
            }
        }
    }
}

/// `X.Y.Z` without leading zeros or suffixes.
pub(crate) fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.');
    let mut next = || -> Option<u64> {
        let p = parts.next()?;
        (!p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0')))
        .then(|| p.parse().ok())
        .flatten()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

pub(crate) fn check(c: &mut Checker<'_>) {
    let versions = [
        (
            "opentofu",
            "OpenTofu",
            c.resolved.versions.opentofu.clone(),
            limits::OPENTOFU,
            versions::OPENTOFU,
            "write-only attributes, ephemeral resources and working mock providers in tests",
        ),
        (
            "scaleway_provider",
            "the scaleway/scaleway provider",
            c.resolved.versions.scaleway_provider.clone(),
            limits::SCALEWAY_PROVIDER,
            versions::SCALEWAY_PROVIDER,
            "every block the modules use, proven with real OpenTofu",
        ),
        (
            "random_provider",
            "the hashicorp/random provider",
            c.resolved.versions.random_provider.clone(),
            limits::RANDOM_PROVIDER,
            versions::RANDOM_PROVIDER,
            "the ephemeral `random_password`",
        ),
    ];
    for (key, what, value, min, example, needs) in versions {
        let span = c
            .root
            .get("versions")
            .and_then(|v| v.get(key))
            .map(|n| n.span);
        let place = Place::new(format!("versions.{key}"), span);
        let min_text = format!("{}.{}.{}", min.0, min.1, min.2);
        match parse_version(&value) {
            None => {
                c.push(
                    &TG025,
                    None,
                    place,
                    format!("`versions.{key}` is `{value}`, not an exact version"),
                    format!("an exact version `X.Y.Z`, at least {min_text}"),
                    format!("pin an exact release, e.g. `{key}: {example}`"),
                );
            }
            Some(v) if v < min => {
                c.push(
                    &TG025,
                    None,
                    place,
                    format!(
                        "{what} {value} is too old: the generated roots need {min_text} or later"
                    ),
                    format!("a version >= {min_text}"),
                    format!("use `{key}: {example}` ({what} >= {min_text} has {needs})"),
                );
            }
            Some(v)
                if key == "scaleway_provider"
                    && Some(v) > parse_version(versions::SCALEWAY_PROVIDER) =>
            {
                c.push(
                    &TG046,
                    None,
                    place,
                    format!(
                        "{what} {value} is newer than the provider schema tofugen checks the \
                         generated HCL against ({})",
                        versions::SCALEWAY_PROVIDER
                    ),
                    format!("a version <= {}", versions::SCALEWAY_PROVIDER),
                    format!(
                        "use `{key}: {}`, or keep {value} and rely on `tofu validate` in CI (the \
                         PR workflow runs it); a newer tofugen may vendor a newer schema",
                        versions::SCALEWAY_PROVIDER
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if let Some(cli) = c.root.get("versions").and_then(|v| v.get("scaleway_cli"))
        && let NodeKind::Str(s) = &cli.kind
        && s.strip_prefix('v').and_then(parse_version).is_none()
    {
        c.push(
            &TG025,
            None,
            Place::new("versions.scaleway_cli", Some(cli.span)),
            format!("`versions.scaleway_cli` is `{s}`, not an exact image tag"),
            "an exact tag `vX.Y.Z` of the scaleway/cli image",
            format!(
                "pin an exact tag, e.g. `scaleway_cli: {}`",
                versions::SCALEWAY_CLI
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_exact() {
        assert_eq!(parse_version("1.11.5"), Some((1, 11, 5)));
        assert_eq!(parse_version("1.11"), None);
        assert_eq!(parse_version("~> 1.11.0"), None);
        assert_eq!(parse_version("1.011.0"), None);
        assert_eq!(parse_version("1.11.0-rc1"), None);
    }
}
