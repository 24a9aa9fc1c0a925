//! Regions and zones. The schema accepts only known regions and zones (`fr-par`, `nl-ams`,
//! `pl-waw` and their zones 1-3); this family checks that they agree.

use crate::diagnostics::Level;
use crate::policy::{Checker, ENV, Rule, Safety};
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

/// The rules of this family.
pub const RULES: &[Rule] = &[TG028];

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
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
