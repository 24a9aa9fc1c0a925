//! Regions and zones. The schema accepts only known regions and zones (`fr-par`, `nl-ams`,
//! `pl-waw` and their zones 1-3); this family checks that they agree.

use crate::diagnostics::{Level, did_you_mean};
use crate::policy::{Checker, ENV, Rule, Safety, limits, list};
use crate::resolve::ResolvedEnvironment;

/// TG028: the zone is one of the region's.
pub const TG028: Rule = Rule {
    code: "TG028",
    name: "zone-in-region",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "the zone belongs to the region",
    rationale: "a zone of another region cannot host the region's resources",
    bad: "defaults:\n  region: fr-par\n  zone: nl-ams-1\n",
    good: "defaults:\n  region: fr-par\n  zone: fr-par-2\n",
};

/// TG045: a region with every product the roots use.
pub const TG045: Rule = Rule {
    code: "TG045",
    name: "region-products",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "the region is one where Serverless Containers, Managed PostgreSQL and Cockpit are offered (fr-par, nl-ams, pl-waw)",
    rationale: "other regions may lack one of the products the generated roots use",
    bad: "defaults:\n  region: fr-pra\n  zone: fr-pra-1\n",
    good: "defaults:\n  region: fr-par\n  zone: fr-par-1\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG028, TG045];

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    if !limits::REGIONS.contains(&env.region.as_str()) {
        let place = c.at(env, "region");
        c.push(
            &TG045,
            Some(env),
            place,
            format!("{ENV} uses region `{}`", env.region),
            format!("one of: {}", list(&limits::REGIONS)),
            match did_you_mean(&env.region, limits::REGIONS) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "check that every product is offered there, or use `fr-par`".to_string(),
            },
        );
    }
    let in_region = env
        .zone
        .strip_prefix(env.region.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !in_region {
        let place = c.at(env, "zone");
        c.push(
            &TG028,
            Some(env),
            place,
            format!(
                "zone `{}` is not in region `{}` in {ENV}",
                env.zone, env.region
            ),
            format!("a zone of `{}`, e.g. `{}-1`", env.region, env.region),
            format!("use `zone: {}-1`", env.region),
        );
    }
}
