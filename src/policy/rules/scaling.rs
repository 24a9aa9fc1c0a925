//! Autoscaling bounds and signals.

use crate::diagnostics::Level;
use crate::policy::{Checker, ENV, Rule, Safety, limits, list};
use crate::resolve::{ResolvedEnvironment, ResolvedService, ScalingSignal};

/// TG016: scaling within Scaleway's limits, one signal.
pub const TG016: Rule = Rule {
    code: "TG016",
    name: "scaling-bounds",
    level: Level::Error,
    safety: Safety::Required,
    title: "scaling: min <= max <= 50, concurrent requests 1-80, CPU/memory percent 1-100 with min >= 1",
    rationale: "Scaleway's limits; CPU and memory signals cannot scale from zero",
    bad: "defaults:\n  services:\n    web:\n      scale: { max: 80 }\n",
    good: "defaults:\n  services:\n    web:\n      scale: { max: 8 }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG016];

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    // Paths are built only for a finding: most services have none.
    let p = |rest: &str| format!("services.{}.{rest}", s.name);
    let name = &s.name;
    if s.min_scale > s.max_scale {
        let place = c.at(env, &p("scale.min"));
        c.push(
            &TG016,
            Some(env),
            place,
            format!(
                "service `{name}` has `scale.min` {} above `scale.max` {} in {ENV}",
                s.min_scale, s.max_scale
            ),
            format!("`min` at most `max` ({})", s.max_scale),
            format!(
                "raise `scale.max` to at least {} or lower `scale.min`",
                s.min_scale
            ),
        );
    }
    if s.max_scale > limits::MAX_SCALE || s.max_scale == 0 {
        let place = c.at(env, &p("scale.max"));
        c.push(
            &TG016,
            Some(env),
            place,
            format!("service `{name}` has `scale.max` {}", s.max_scale),
            format!("1 to {} instances (Scaleway's limit)", limits::MAX_SCALE),
            format!("use `max: {}`", s.max_scale.clamp(1, limits::MAX_SCALE)),
        );
    }
    match s.scaling {
        Some(ScalingSignal::ConcurrentRequests(n)) => {
            let (lo, hi) = limits::CONCURRENCY;
            if !(lo..=hi).contains(&n) {
                let place = c.at(env, &p("scale.concurrent_requests"));
                c.push(
                    &TG016,
                    Some(env),
                    place,
                    format!("service `{name}` scales at {n} concurrent requests per instance"),
                    format!("{lo} to {hi} (Scaleway serves at most {hi} per instance)"),
                    format!("use `concurrent_requests: {}`", n.clamp(lo, hi)),
                );
            }
        }
        Some(ScalingSignal::CpuPercent(n)) | Some(ScalingSignal::MemoryPercent(n)) => {
            let key = if matches!(s.scaling, Some(ScalingSignal::CpuPercent(_))) {
                "cpu_percent"
            } else {
                "memory_percent"
            };
            if !(1..=100).contains(&n) {
                let place = c.at(env, &p(&format!("scale.{key}")));
                c.push(
                    &TG016,
                    Some(env),
                    place,
                    format!("service `{name}` scales at {n}% ({key})"),
                    "a percentage from 1 to 100",
                    format!("use `{key}: {}`", n.clamp(1, 100)),
                );
            }
            if s.min_scale == 0 {
                let place = c.at(env, &p("scale.min"));
                c.push(
                    &TG016,
                    Some(env),
                    place,
                    format!("service `{name}` scales on {key} but may scale to zero in {ENV}"),
                    "`scale.min` of at least 1 with a CPU or memory signal",
                    "set `scale.min: 1`, or scale on `concurrent_requests` to keep scale-to-zero",
                );
            }
        }
        None => {}
    }
    // Written with a value: a `null` sets nothing (it keeps the default, or removes an
    // inherited signal).
    let signals = ["concurrent_requests", "cpu_percent", "memory_percent"]
        .into_iter()
        .filter(|k| {
            c.raw_at(env, &["services", name, "scale", k])
                .is_some_and(|n| !matches!(n.kind, crate::load::NodeKind::Null))
        })
        .collect::<Vec<_>>();
    if signals.len() > 1 {
        let place = c.at(env, &p(&format!("scale.{}", signals[1])));
        c.push(
            &TG016,
            Some(env),
            place,
            format!(
                "service `{name}` sets {} scaling signals in {ENV}: {}",
                signals.len(),
                list(&signals)
            ),
            "at most one of `concurrent_requests`, `cpu_percent` and `memory_percent`",
            format!("keep `{}` and remove the others", signals[0]),
        );
    }
}
