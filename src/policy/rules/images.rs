//! Images: what builds each image repository, and what a promotion copies into it.
//!
//! The deploy workflow builds the images of one environment (the deploy target): one build job
//! per image repository, so services sharing an `image` run one image. A promotion copies the
//! source environment's image of each service, by digest, into the target's registry
//! namespace, under the target's `image` name, and checks that the source's release names every
//! service the target runs. An environment that promotes from another builds nothing.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::diagnostics::{Level, Span};
use crate::policy::{Checker, ENV, Rule, Safety};
use crate::resolve::{Layer, Resolved, ResolvedEnvironment, ResolvedService};

/// TG031: one image repository, one build; one source image per promoted image.
pub const TG031: Rule = Rule {
    code: "TG031",
    name: "one-build-per-image",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "services sharing an `image` share its `build`; a promotion copies one source image into each image of its target",
    rationale: "the deploy workflow builds each image repository once, from the first service naming it, so a second `build` for the same image would be ignored and its service would run the other's image; a promotion copies each service's source image into the target's image of that service, so two source images copied into one image overwrite each other's tag and every promotion fails",
    bad: "defaults:\n  services:\n    worker:\n      image: demo-web\n      build: { context: worker }\n      port: 8080\n      privacy: private\n      scale: { min: 2, max: 4 }\n      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }\n",
    good: "defaults:\n  services:\n    worker:\n      image: demo-worker\n      build: { context: worker }\n      port: 8080\n      privacy: private\n      scale: { min: 2, max: 4 }\n      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }\n",
};

/// TG032: a promotion target runs only services its source runs.
pub const TG032: Rule = Rule {
    code: "TG032",
    name: "promoted-services",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "an environment that promotes from another runs only services enabled there too",
    rationale: "a promotion copies the images its source deployed and recorded in a release; a service the source does not run has no image there, so every promotion would fail at \"Check the release\" (and the service would reach the target untested)",
    bad: "defaults:\n  services:\n    worker:\n      enabled: false\n      image: demo-worker\n      port: 8080\n      privacy: private\n      scale: { min: 2, max: 4 }\n      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }\nenvironments:\n  production:\n    services:\n      worker: { enabled: true }\n",
    good: "defaults:\n  services:\n    worker:\n      enabled: false\n      image: demo-worker\n      port: 8080\n      privacy: private\n      scale: { min: 2, max: 4 }\n      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }\nenvironments:\n  staging:\n    services:\n      worker: { enabled: true }\n  production:\n    services:\n      worker: { enabled: true }\n",
};

/// TG033: a `build` nothing builds from.
pub const TG033: Rule = Rule {
    code: "TG033",
    name: "unused-build",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`build` is not set in an environment that promotes from another (it builds nothing)",
    rationale: "an environment with `promote_from` runs its source's images, copied by digest: a `build` written for it is never used, so the file would say its images are built one way while they are built as its source says (the build belongs to the environment the deploy workflow builds, or to `defaults`)",
    bad: "environments:\n  production:\n    services:\n      web:\n        build: { dockerfile: Dockerfile.prod }\n",
    good: "defaults:\n  services:\n    web:\n      build: { dockerfile: Dockerfile.prod }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG031, TG032, TG033];

/// Whether the deploy workflow may build the images of `env`: it promotes from no other
/// environment, or it is `ci.deploy_to`. (Which one it builds is TG029's.)
pub(crate) fn builds(resolved: &Resolved, env: &ResolvedEnvironment) -> bool {
    env.promote_from.is_none() || resolved.ci.deploy_to.as_deref() == Some(env.name.as_str())
}

/// Every rule of this family on environment `env`.
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let resolved = c.resolved;
    if builds(resolved, env) {
        shared_builds(c, env);
        return;
    }
    unused_builds(c, env);
    let Some(source) = env
        .promote_from
        .as_deref()
        .filter(|s| *s != env.name)
        .and_then(|s| resolved.environment(s))
    else {
        // A missing source is TG023's.
        return;
    };
    promotion(c, env, source);
}

fn at_line(span: Option<Span>) -> String {
    span.map(|s| format!(" (line {}, column {})", s.line, s.col))
        .unwrap_or_default()
}

/// TG031 in an environment that builds: services sharing an image share its build.
fn shared_builds(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let mut first: HashMap<&str, &ResolvedService> = HashMap::new();
    for s in &env.services {
        let f = match first.entry(s.image.as_str()) {
            Entry::Vacant(v) => {
                v.insert(s);
                continue;
            }
            Entry::Occupied(o) => *o.get(),
        };
        let (mine, theirs) = (s.build_identity(), f.build_identity());
        if mine == theirs {
            continue;
        }
        let image = &s.image;
        let first_at = c.at(env, &format!("services.{}.image", f.name)).span;
        let place = c.at(env, &format!("services.{}.image", s.name));
        c.push(
            &TG031,
            Some(env),
            place,
            format!(
                "in {ENV}, services `{}` and `{}` share the image `{image}` but not its build: `{}` is built from context `{}` with `{}`, `{}` from context `{}` with `{}`",
                f.name, s.name, f.name, theirs.0, theirs.1, s.name, mine.0, mine.1
            ),
            format!("one build (context and Dockerfile) for the image `{image}`"),
            format!(
                "give `{}` an image of its own (e.g. `image: {}-{}`), or the same `build` as `{}`",
                s.name, c.resolved.project, s.name, f.name
            ),
        )
        .notes
        .push(format!(
            "the deploy workflow builds `{image}` once, from `{}`'s settings{}; `{}` would run that image",
            f.name,
            at_line(first_at),
            s.name
        ));
    }
}

/// TG031 and TG032 across the promotion from `source` into `env`.
fn promotion(c: &mut Checker<'_>, env: &ResolvedEnvironment, source: &ResolvedEnvironment) {
    let source_images: HashMap<&str, &str> = source
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.image.as_str()))
        .collect();
    // Target image -> (the first service copied into it, its source image).
    let mut into: HashMap<&str, (&str, &str)> = HashMap::new();
    for s in &env.services {
        let name = &s.name;
        let Some(&from) = source_images.get(name.as_str()) else {
            let enabled = format!("services.{name}.enabled");
            let place = if c.written(env, &enabled) {
                c.at(env, &enabled)
            } else {
                c.key_at(env, &format!("services.{name}"))
            };
            c.push(
                &TG032,
                Some(env),
                place,
                format!(
                    "service `{name}` runs in {ENV}, which promotes from `{}`, where `{name}` is not enabled: `{}`'s releases hold no image of it, so every promotion would fail at \"Check the release\"",
                    source.name, source.name
                ),
                format!(
                    "only services `{}` runs (and so builds and tests) in an environment that promotes from it",
                    source.name
                ),
                format!(
                    "enable `{name}` in `{}` as well, so that it is built and tested there first, or leave it out of `{}` (`enabled: false`)",
                    source.name, env.name
                ),
            );
            continue;
        };
        let (first, first_from) = match into.entry(s.image.as_str()) {
            Entry::Vacant(v) => {
                v.insert((name, from));
                continue;
            }
            Entry::Occupied(o) => *o.get(),
        };
        if first_from == from {
            continue;
        }
        let image = &s.image;
        // The finding goes to the service renamed in `env` (its image here is not its image in
        // the source), else to the later one.
        let ((at, at_from), (other, other_from)) = if from == image && first_from != image {
            ((first, first_from), (name.as_str(), from))
        } else {
            ((name.as_str(), from), (first, first_from))
        };
        let other_at = c.at(env, &format!("services.{other}.image")).span;
        let place = c.at(env, &format!("services.{at}.image"));
        c.push(
            &TG031,
            Some(env),
            place,
            format!(
                "in {ENV}, services `{at}` and `{other}` share the image `{image}`, but in `{}`, which {ENV} promotes from, they have two images, `{at_from}` and `{other_from}`: a promotion would copy both into `{image}`, the second overwriting the first's tag, and every promotion would fail",
                source.name
            ),
            format!(
                "one image of `{}` copied into each image of `{}`",
                source.name, env.name
            ),
            format!(
                "give `{at}` the image it has in `{}` (`image: {at_from}`), or an image no other service of `{}` uses",
                source.name, env.name
            ),
        )
        .notes
        .push(format!(
            "`{other}` is copied from `{other_from}` into `{image}`{}",
            at_line(other_at)
        ));
    }
}

/// TG033: a `build` written for an environment that builds nothing (it promotes from
/// another), and not inherited by one that builds.
fn unused_builds(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let resolved = c.resolved;
    for s in &env.services {
        let name = &s.name;
        for part in ["context", "dockerfile"] {
            let path = format!("services.{name}.build.{part}");
            let Some(origin) = env.origins.get(&path) else {
                continue;
            };
            // The environment whose section holds the value.
            let section = match origin.layer {
                Layer::Defaults => continue,
                Layer::Environment => env.name.as_str(),
                Layer::Extended(i) => {
                    let section = env.origins.section_name(i);
                    // Written for another environment: if it builds, the value is used; if it
                    // does not, it reports its own line (once, not once per heir).
                    if resolved.environment(section).is_some() {
                        continue;
                    }
                    section
                }
            };
            let used = resolved
                .environments
                .iter()
                .filter(|b| builds(resolved, b))
                .any(|b| b.name == section || b.origins.chain().contains(&section));
            if used {
                continue;
            }
            let place = c.key_at(env, &path);
            let from = env.promote_from.as_deref().unwrap_or_default();
            c.push(
                &TG033,
                Some(env),
                place,
                format!(
                    "`services.{name}.build` is set for {ENV}, which promotes from `{from}` and builds nothing: `{name}` runs `{from}`'s image, built as `{from}` says"
                ),
                "`build` only where images are built: in `defaults`, or the environment the deploy workflow builds",
                format!(
                    "remove `build` from `{name}` here; to build `{name}` this way, set it in `defaults` (or in `{from}`'s section)"
                ),
            );
            break;
        }
    }
}
