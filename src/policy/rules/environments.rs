//! Relations between environments: promotion chains and isolation.

use std::collections::{BTreeMap, HashMap};

use crate::diagnostics::{Level, Suggester, did_you_mean};
use crate::policy::{Checker, ENV, Place, Rule, Safety, list, list_except};
use crate::resolve::{Resolved, ResolvedEnvironment};

/// TG023: `promote_from` names an environment, without cycles.
pub const TG023: Rule = Rule {
    code: "TG023",
    name: "promotion-source",
    level: Level::Error,
    safety: Safety::Required,
    title: "`promote_from` names another existing environment, without cycles",
    rationale: "promotion copies tested images from that environment; a missing or circular source has none, and the promote workflow would have no job (`jobs: {}`, which GitHub's workflow syntax refuses)",
    bad: "environments:\n  production:\n    promote_from: stagin\n",
    good: "environments:\n  production:\n    promote_from: staging\n",
};

/// TG024: environments do not share a Scaleway project or a state bucket.
pub const TG024: Rule = Rule {
    code: "TG024",
    name: "isolated-environments",
    level: Level::Error,
    safety: Safety::Production,
    title: "Scaleway project names (backup projects `<scaleway_project>-backup` included), state buckets, registry namespaces (per region) and GitHub environments (with their `-plan` planners) are unique across environments",
    rationale: "environments are isolated: sharing a project, a state bucket or a registry namespace lets one overwrite the other (and two roots creating one name fail at apply), and sharing a GitHub environment hands one environment's credentials to the other's jobs",
    bad: "environments:\n  staging:\n    scaleway_project: demo-production\n",
    good: "environments:\n  staging:\n    scaleway_project: demo-staging\n",
};

/// TG029: pushes deploy one environment, never chosen by the order of the file, and never a
/// production environment.
pub const TG029: Rule = Rule {
    code: "TG029",
    name: "deploy-target",
    level: Level::Error,
    safety: Safety::Production,
    title: "pushes deploy one environment: `ci.deploy_to`, or the only one without `promote_from`; not a production one",
    rationale: "which environment a merge deploys must not depend on the order of the file; a production environment receives only releases promoted from a tested one, behind its reviewers",
    bad: "environments:\n  production:\n    promote_from: null\n",
    good: "ci:\n  deploy_to: staging\n",
};

/// TG048: every environment is applied by some workflow.
pub const TG048: Rule = Rule {
    code: "TG048",
    name: "undeployed-environment",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "every environment is deployed: it is the one pushes deploy, or it promotes from it (directly or through a chain of `promote_from`)",
    rationale: "the deploy workflow applies only the environment pushes deploy (`ci.deploy_to`), and the promote workflow only environments that promote from a deployed one: any other environment gets a Scaleway project, a state bucket, keys and pull-request plans, but no workflow ever applies it (and an environment promoting from it never finds a release)",
    bad: "ci:\n  deploy_to: staging\nenvironments:\n  dev: { tier: development }\n",
    good: "ci:\n  deploy_to: dev\nenvironments:\n  dev: { tier: development }\n  staging: { promote_from: dev }\n",
};

/// TG119: an environment runs at least one service.
pub const TG119: Rule = Rule {
    code: "TG119",
    name: "environment-without-services",
    level: Level::Error,
    safety: Safety::Required,
    title: "an environment has no service",
    rationale: "the workflows deploy an environment by building and releasing its services: with none, its deploy job needs no build (`needs: []`, which GitHub's workflow syntax refuses) and its release check can never pass, so no workflow could ever apply it",
    bad: "defaults:\n  services: null   # and none under the environments\n",
    good: "defaults:\n  services:\n    web: { image: demo-web, port: 8080 }\n",
};

/// TG123: `ci.app_repository_private` only with `ci.app_repository`.
pub const TG123: Rule = Rule {
    code: "TG123",
    name: "app-repository-private",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`ci.app_repository_private` is only set with `ci.app_repository`",
    rationale: "the token secret is only used to check out another repository; set alone it would be silently not used, and the file would say the workflows read a private repository while they check out this one",
    bad: "ci:\n  app_repository_private: true\n",
    good: "ci:\n  app_repository: acme/shop\n  app_repository_private: true\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG023, TG024, TG029, TG048, TG119, TG123];

pub(crate) fn check(c: &mut Checker<'_>) {
    app_repository_private(c);
    without_services(c);
    isolation(c);
    let sources = promotion(c);
    deploy_target(c);
    undeployed(c, &sources);
}

/// TG123: a private application repository needs the repository.
fn app_repository_private(c: &mut Checker<'_>) {
    let ci = &c.resolved.ci;
    if !ci.app_repository_private || ci.app_repository.is_some() {
        return;
    }
    let span = c
        .root
        .get("ci")
        .and_then(|ci| ci.get("app_repository_private"))
        .map(|n| n.span);
    c.push(
        &TG123,
        None,
        Place::new("ci.app_repository_private".to_string(), span),
        "`ci.app_repository_private` is set, but `ci.app_repository` is not: the workflows check out this repository, with their own token".to_string(),
        "`ci.app_repository: owner/name` beside it",
        "add `app_repository: <owner>/<name>` under `ci:`, or remove `app_repository_private`",
    );
}

/// TG119: the environments without a service, each at its key.
fn without_services(c: &mut Checker<'_>) {
    let resolved = c.resolved;
    for env in resolved
        .environments
        .iter()
        .filter(|e| e.services.is_empty())
    {
        let place = c.env_place(env);
        c.push(
            &TG119,
            Some(env),
            place,
            format!("{ENV} has no service: no workflow could deploy it"),
            "at least one service, under `defaults.services` or the environment's `services`"
                .to_string(),
            format!(
                "add a service under `defaults.services` (every environment runs it) or under `environments.{}.services`",
                env.name
            ),
        );
    }
}

/// TG048: the environments no workflow applies. Only once the deploy target is decided
/// (otherwise TG029 says so); chains ending in a missing source or a cycle are TG023's. Each
/// environment that promotes from none and is not the deploy target is reported once, naming
/// the environments promoting from it. Linear: every chain is walked once. `sources` is
/// [`promotion`]'s: the index of each environment's existing source.
fn undeployed(c: &mut Checker<'_>, sources: &[Option<usize>]) {
    let resolved = c.resolved;
    let Some(head) = resolved.deploy_head() else {
        return;
    };
    let envs = &resolved.environments;
    // The environment each chain of `promote_from` ends at: `Some(i)` for an environment that
    // promotes from none (or the deploy target), `None` for a missing source or a cycle.
    let mut root: Vec<Option<Option<usize>>> = vec![None; envs.len()];
    for start in 0..envs.len() {
        let mut path = Vec::new();
        let mut i = start;
        let end = loop {
            if let Some(known) = root[i] {
                break known;
            }
            if path.contains(&i) || path.len() > envs.len() {
                break None;
            }
            path.push(i);
            let env = &envs[i];
            if env.name == head.name {
                break Some(i);
            }
            match (&env.promote_from, sources[i]) {
                (None, _) => break Some(i),
                (Some(_), Some(j)) => i = j,
                (Some(_), None) => break None,
            }
        };
        for i in path {
            root[i] = Some(end);
        }
    }
    // The environment the deploy target itself promotes from ends at, when the chain is whole:
    // pushes deploy an environment with `promote_from`, and the head of its chain is deployed
    // by nothing (sweep of stop 55: `dev` put before the starter's `staging`, `ci.deploy_to`
    // left at staging). The fix is the deploy target, not the head's `promote_from`.
    let head_index = envs.iter().position(|e| e.name == head.name);
    let upstream = head_index
        .and_then(|h| sources[h])
        .and_then(|j| root[j])
        .flatten();
    for (i, env) in envs.iter().enumerate() {
        if env.name == head.name || root[i] != Some(Some(i)) {
            continue;
        }
        let downstream: Vec<&str> = envs
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i && root[j] == Some(Some(i)))
            .map(|(_, e)| e.name.as_str())
            .collect();
        let place = c.env_place(env);
        // The chain the deploy target promotes from starts here: no `promote_from` can help
        // this environment (it would close a cycle), so no note suggests one (review of stop
        // 55: "give `dev` its own `promote_from: dev`").
        let chain_head = upstream == Some(i) && resolved.ci.deploy_to.is_some();
        let f = if chain_head {
            let from = head.promote_from.as_deref().unwrap_or_default();
            c.push(
                &TG048,
                Some(env),
                place,
                format!(
                    "no workflow deploys {ENV}: pushes deploy `{}` (`ci.deploy_to`), which promotes from `{from}`{}",
                    head.name,
                    if from == env.name {
                        String::new()
                    } else {
                        format!(" and so from {ENV}")
                    }
                ),
                format!(
                    "`ci.deploy_to` naming the first environment of the chain, `{}`",
                    env.name
                ),
                format!(
                    "set `ci.deploy_to: {}` (pushes then deploy it, and `{}` receives its releases through `promote_from`), or remove `promote_from` from `{}`; if `{}` is applied by hand on purpose, say so in `policy.overrides` (rule `undeployed-environment`, level `off`, `environments: [{}]`, with the reason)",
                    env.name, head.name, head.name, env.name, env.name
                ),
            )
        } else {
            let how = if resolved.ci.deploy_to.is_some() {
                "`ci.deploy_to`"
            } else {
                "the only environment without `promote_from`"
            };
            c.push(
                &TG048,
                Some(env),
                place,
                format!(
                    "no workflow deploys {ENV}: pushes deploy `{}` ({how}), and {ENV} does not promote from it",
                    head.name
                ),
                format!(
                    "every environment deployed by pushes, or promoting from `{}` (`promote_from`, directly or through another environment)",
                    head.name
                ),
                format!(
                    "give `{}` `promote_from: {}`, or remove it; if it is applied by hand on purpose, say so in `policy.overrides` (rule `undeployed-environment`, level `off`, `environments: [{}]`, with the reason)",
                    env.name, head.name, env.name
                ),
            )
        };
        // With `ci.deploy_to` set, an environment built on one that promotes is not a second
        // head (TG029) but an environment nothing deploys: the same surprise (sweep 55d, #1).
        if !chain_head && let Some(note) = not_inherited_note(resolved, env) {
            f.notes.push(note);
        }
        if !downstream.is_empty() {
            f.notes.push(format!(
                "{} promote{} from {ENV} (directly or through another), so {} never receive a release either",
                list(&downstream),
                if downstream.len() == 1 { "s" } else { "" },
                if downstream.len() == 1 { "it would" } else { "they would" }
            ));
        }
    }
}

/// The note of an environment without `promote_from` that extends one with it: `extends` does
/// not carry `promote_from` (it says where an environment's images come from).
fn not_inherited_note(resolved: &Resolved, env: &ResolvedEnvironment) -> Option<String> {
    let parent = resolved.environment(env.origins.parent()?)?;
    let from = parent.promote_from.as_deref()?;
    if from == env.name {
        return None;
    }
    Some(format!(
        "`{}` extends `{}`, but `promote_from` is not inherited: give `{}` its own `promote_from: {from}`",
        env.name, parent.name, env.name
    ))
}

/// TG029: the deploy workflow's target is well defined and not production.
fn deploy_target(c: &mut Checker<'_>) {
    let resolved = c.resolved;
    let names: Vec<&str> = resolved
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let deploy_to = c
        .root
        .get("ci")
        .and_then(|ci| ci.get("deploy_to"))
        .map(|n| n.span);
    if let Some(name) = &resolved.ci.deploy_to
        && resolved.environment(name).is_none()
    {
        // Only the environments that can be the deploy target: not production, promoting from
        // none (sweep of stop 55, L5: the help offered production, which this rule refuses on
        // the next run).
        let targets: Vec<&str> = resolved
            .environments
            .iter()
            .filter(|e| !e.is_production() && e.promote_from.is_none())
            .map(|e| e.name.as_str())
            .collect();
        let help = match did_you_mean(name, targets.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None if !targets.is_empty() => format!("use one of: {}", list(&targets)),
            // A production-only team (review of stop 55, L5): name the typo, and its way out.
            None => format!(
                "{}no environment can be the deploy target (each is production or promotes from another): add a staging environment that production promotes from and name it here; a team with production only can deploy it with this rule turned off, with its reason (`policy: {{ overrides: [ {{ rule: deploy-target, level: off, reason: … }} ] }}`)",
                match did_you_mean(name, names.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`? But "),
                    None => String::new(),
                }
            ),
        };
        let expected = if targets.is_empty() {
            "a non-production environment that promotes from none".to_string()
        } else {
            format!("one of: {}", list(&targets))
        };
        c.push(
            &TG029,
            None,
            Place::new("ci.deploy_to", deploy_to),
            format!("`ci.deploy_to` is `{name}`, which is not an environment"),
            expected,
            help,
        );
        return;
    }
    let heads: Vec<&ResolvedEnvironment> = resolved
        .environments
        .iter()
        .filter(|e| e.promote_from.is_none())
        .collect();
    if resolved.ci.deploy_to.is_none() && heads.len() > 1 {
        let head_names: Vec<&str> = heads.iter().map(|e| e.name.as_str()).collect();
        let second = heads[1];
        let place = c.env_place(second);
        c.push(
            &TG029,
            None,
            place,
            format!(
                "pushes could deploy any of {}: none of them promotes from another",
                list(&head_names)
            ),
            "`ci.deploy_to`, or `promote_from` on every environment but one",
            format!(
                "set `ci.deploy_to: {}` (the environment a merge deploys), or `promote_from` on the others",
                heads[0].name
            ),
        );
        // `promote_from` identifies where an environment's images come from: `extends` does
        // not carry it, which surprises.
        let notes: Vec<String> = heads
            .iter()
            .filter_map(|h| not_inherited_note(resolved, h))
            .take(5)
            .collect();
        if let Some(f) = c.findings.last_mut() {
            f.notes.extend(notes);
        }
        return;
    }
    if let Some(head) = resolved.deploy_head()
        && head.is_production()
    {
        let place = match (&resolved.ci.deploy_to, deploy_to) {
            (Some(_), Some(span)) => Place::new("ci.deploy_to", Some(span)),
            _ => c.env_place(head),
        };
        let others: Vec<&str> = names.iter().copied().filter(|n| *n != head.name).collect();
        // Production promotes from an environment already: pushes deploy the start of that
        // chain (sweep 33, #5: the help said to make production promote from the first other
        // environment, which skipped staging in dev -> staging -> production).
        let mut start = head;
        let mut steps = 0;
        while let Some(from) = start
            .promote_from
            .as_deref()
            .and_then(|f| resolved.environment(f))
            && from.name != head.name
            && steps < resolved.environments.len()
        {
            start = from;
            steps += 1;
        }
        let help = match others.first() {
            Some(_) if start.name != head.name => format!(
                "set `ci.deploy_to: {}`, where {ENV}'s promotion chain starts",
                start.name
            ),
            Some(first) => format!(
                "deploy `{first}` (`ci.deploy_to: {first}`) and give {ENV} `promote_from: {first}`"
            ),
            // A team with one environment (sweep 40, #4): the override is its way, and it
            // stays a visible warning, as every production rule turned off does.
            None => "add a staging environment that production promotes from; a team with production only can turn this rule off with its reason (`policy: { overrides: [ { rule: deploy-target, level: off, reason: … } ] }`), which every run then shows as a warning".to_string(),
        };
        c.push(
            &TG029,
            Some(head),
            place,
            format!(
                "pushes to the deploy branch would deploy the production environment {ENV} directly"
            ),
            "a non-production environment as the deploy target; production promotes from it",
            help,
        );
    }
}

/// Unique Scaleway projects (with the backup projects built from them), state buckets,
/// registry namespaces and GitHub environments: the names every environment's resources take
/// in one Organization or region. Every one of them is lowercase by then (TG020, TG022 and the
/// `registry-namespace` domain), so comparing them as written is comparing them as Scaleway
/// does. Of two environments sharing a name, the finding goes to the one that wrote it (staging
/// writing production's namespace), else to the later one; whether a value was written is asked
/// only on a collision (it builds the environment's merged tree).
fn isolation(c: &mut Checker<'_>) {
    github_environments(c);
    let resolved = c.resolved;
    // Project name -> (environment, whether it is that environment's backup project).
    let mut projects: BTreeMap<String, (&ResolvedEnvironment, bool)> = BTreeMap::new();
    let mut buckets: BTreeMap<&str, &ResolvedEnvironment> = BTreeMap::new();
    // (region, namespace) -> environment: a namespace is a regional registry endpoint
    // (`rg.<region>.scw.cloud/<namespace>`), one name per region across all of Scaleway.
    let mut namespaces: BTreeMap<(&str, &str), &ResolvedEnvironment> = BTreeMap::new();
    let project_written = |e: &ResolvedEnvironment| e.origins.key("scaleway_project").is_some();
    for env in &resolved.environments {
        let mut names = vec![(env.scaleway_project.clone(), false)];
        if crate::emit::roots::has_backup_jobs(env) {
            names.push((crate::emit::roots::backup_project_name(env), true));
        }
        for (name, backup) in names {
            let Some(&(first, first_backup)) = projects.get(&name) else {
                projects.insert(name, (env, backup));
                continue;
            };
            // The environment to change: the one that wrote its project.
            let (at, at_backup, other, other_backup) =
                if !project_written(env) && project_written(first) {
                    (first, first_backup, env, backup)
                } else {
                    (env, backup, first, first_backup)
                };
            let place = if project_written(at) {
                c.key_at(at, "scaleway_project")
            } else {
                c.option_at(&at.name, "scaleway_project")
            };
            let (message, expected) = match (at_backup, other_backup) {
                (false, false) => (
                    format!(
                        "{ENV} uses the Scaleway project `{name}`, already used by `{}`",
                        other.name
                    ),
                    "a Scaleway project of its own",
                ),
                (false, true) => (
                    format!(
                        "{ENV} uses the Scaleway project `{name}`, the name of `{}`'s backup project (its Scaleway project and `-backup`)",
                        other.name
                    ),
                    "a Scaleway project of its own, not another environment's backup project",
                ),
                _ => (
                    format!(
                        "the backup project of {ENV} would be `{name}`, a Scaleway project `{}` already uses",
                        other.name
                    ),
                    "a Scaleway project whose `-backup` name no other environment uses",
                ),
            };
            c.push(
                &TG024,
                Some(at),
                place,
                message,
                expected,
                format!(
                    "set `scaleway_project: {}-{}` on `{}`",
                    resolved.project, at.name, at.name
                ),
            );
        }
        if let Some(&first) = buckets.get(env.state.bucket.as_str()) {
            let path = "state.bucket";
            let (at, other) = if !c.written(env, path) && c.written(first, path) {
                (first, env)
            } else {
                (env, first)
            };
            let place = c.at(at, path);
            c.push(
                &TG024,
                Some(at),
                place,
                format!(
                    "{ENV} keeps its state in bucket `{}`, already used by `{}`",
                    at.state.bucket, other.name
                ),
                "a state bucket of its own (a template with `{env}`)",
                "write the bucket as a template, e.g. `bucket: \"{project}-tfstate-{env}\"`",
            );
        } else {
            buckets.insert(&env.state.bucket, env);
        }
        let key = (env.region.as_str(), env.registry_namespace.as_str());
        if let Some(&first) = namespaces.get(&key) {
            let path = "registry.namespace";
            let (at, other) = if !c.written(env, path) && c.written(first, path) {
                (first, env)
            } else {
                (env, first)
            };
            let place = c.at(at, path);
            c.push(
                &TG024,
                Some(at),
                place,
                format!(
                    "{ENV} pushes its images to the registry namespace `{}` in {}, already used by `{}`",
                    at.registry_namespace, at.region, other.name
                ),
                "a registry namespace of its own (a template with `{env}`)",
                "write the namespace as a template, e.g. `namespace: \"{project}-{env}\"`",
            );
        } else {
            namespaces.insert(key, env);
        }
    }
}

/// `promote_from`: existing, not circular. Each cycle is reported once, at its first
/// environment in file order. Linear in the number of environments: every environment has at
/// most one source, so each chain is walked once. Returns the index of each environment's
/// source, when it exists.
fn promotion(c: &mut Checker<'_>) -> Vec<Option<usize>> {
    let resolved = c.resolved;
    let envs = &resolved.environments;
    let index: HashMap<&str, usize> = envs
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    let mut suggester = Suggester::new(names.iter().copied());
    // The source of each environment, when it exists.
    let mut next: Vec<Option<usize>> = vec![None; envs.len()];
    for (i, env) in envs.iter().enumerate() {
        let Some(from) = &env.promote_from else {
            continue;
        };
        match index.get(from.as_str()) {
            Some(&j) => next[i] = Some(j),
            None => {
                let place = c.option_at(&env.name, "promote_from");
                // The other environments, listed without copying them for each environment.
                // Environment names are distinct: all but this one.
                let others = list_except(&names, &env.name, names.len() - 1);
                // With no other environment, there is nothing to list (sweep 17: "expected
                // one of: " with nothing after it).
                let (expected, help) = if names.len() < 2 {
                    (
                        "the name of another environment (this is the only one)".to_string(),
                        format!(
                            "remove `promote_from` (an environment that promotes from none is \
                             deployed by pushes), or add the environment `{from}`"
                        ),
                    )
                } else {
                    let help = match suggester.suggest_except(from, Some(&env.name)) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("use one of: {others}"),
                    };
                    (format!("one of: {others}"), help)
                };
                c.push(
                    &TG023,
                    Some(env),
                    place,
                    format!("{ENV} promotes from `{from}`, which is not an environment"),
                    expected,
                    help,
                );
            }
        }
    }
    // Each cycle is reported at its first environment in file order.
    let mut cycles: Vec<usize> = crate::graph::cycles(&next)
        .iter()
        .map(|cycle| *cycle.iter().min().expect("non-empty cycle"))
        .collect();
    cycles.sort_unstable();
    for first in cycles {
        let mut members = vec![names[first]];
        let mut i = next[first].expect("on a cycle");
        while i != first {
            members.push(names[i]);
            i = next[i].expect("on a cycle");
        }
        members.push(names[first]);
        let env = &envs[first];
        let place = c.option_at(&env.name, "promote_from");
        c.push(
            &TG023,
            Some(env),
            place,
            format!("promotion is circular: {}", members.join(" → ")),
            "a chain of promotions that starts at an environment built from source",
            "remove `promote_from` from the first environment of the chain (usually staging)",
        );
    }
    next
}

/// The GitHub environments of an environment: its own, which holds its deploy credentials and
/// reviewers, and its planner's (`<name>-plan`, read-only credentials, used by pull requests).
/// No two environments may share one, as GitHub compares their names: case-insensitively
/// ("Environment names are not case sensitive", docs.github.com, Managing environments for
/// deployment). Otherwise a pull request's plan job of one environment, or another
/// environment's deploy, runs with the other's secrets: an environment named `staging-plan`
/// would deploy with the credentials `staging`'s planner reads.
fn github_environments(c: &mut Checker<'_>) {
    let resolved = c.resolved;
    // Lowercased name -> (environment, what it holds there, the name as it is written).
    let mut taken: HashMap<String, (&str, &str, String)> = HashMap::new();
    for env in &resolved.environments {
        let plan = crate::resolve::plan_environment(&env.github_environment);
        for (name, role) in [
            (env.github_environment.as_str(), "deploy credentials"),
            (plan.as_str(), "planner credentials"),
        ] {
            let key = name.to_lowercase();
            let Some((first, first_role, written)) = taken.get(&key) else {
                taken.insert(key, (&env.name, role, name.to_string()));
                continue;
            };
            let message = if written == name {
                format!(
                    "{ENV} keeps its {role} in the GitHub environment `{name}`, which already holds the {first_role} of `{first}`"
                )
            } else {
                format!(
                    "{ENV} keeps its {role} in the GitHub environment `{name}`, which GitHub takes for `{written}` (it compares environment names case-insensitively), where `{first}` keeps its {first_role}"
                )
            };
            let place = c.option_at(&env.name, "github_environment");
            c.push(
                &TG024,
                Some(env),
                place,
                message,
                "a GitHub environment of its own, and a planner environment (`<name>-plan`) of its own",
                format!(
                    "set `github_environment: {}-{}` on `{}`, or rename the environment",
                    resolved.project, env.name, env.name
                ),
            );
            // One finding per environment is enough: its other name follows from this one.
            break;
        }
    }
}
