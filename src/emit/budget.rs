//! How long an apply may take, from the configuration: the wait of each container (emitted as
//! its `timeouts {}`, see `modules/service`) and the `timeout-minutes` of every workflow job
//! that applies an environment (deploy, promote, rollback).
//!
//! Why it matters: GitHub cancels a job that outlives its `timeout-minutes`, and a cancelled job
//! runs no `if: failure()` step. A deploy cancelled mid-apply is not rolled back, and `tofu` is
//! killed holding the state lock. So every applying job gets a budget that covers its worst
//! case, term by term (the numbers come from the scripts of `super::workflows` and from the
//! Scaleway provider v2.81.0):
//!
//! - **Container wait.** The provider waits for a container to leave its transient states for
//!   `defaultContainerTimeout = 12*time.Minute + 30*time.Second`
//!   (`internal/services/container/helpers_container.go:24`), overridable by the resource's
//!   `timeouts { create, update }` (`container.go:32-38`; `d.Timeout(...)` at `:437`, `:519-556`).
//!   A startup probe window (`interval × failure_threshold`) longer than that makes a healthy
//!   but slow release fail and be rolled back. So every container waits
//!   [`container_wait_seconds`]: the window plus [`START_ALLOWANCE`] (pull, scheduling), and
//!   never less than the provider default.
//! - **Apply.** An update waits before and after `UpdateContainer` (`container.go:525`, `:541`):
//!   up to two waits per container. OpenTofu applies [`TOFU_PARALLELISM`] resources at a time, so
//!   `n` independent containers take `ceil(n / 10)` rounds. A service whose variables name
//!   another's URL (`${services.api.url}`) is applied after it: a chain of `L` such services
//!   takes `L` waits one after the other, and the containers take at most Graham's bound for a
//!   greedy schedule, `(n + 9 L) / 10` rounds, never more than `n` ([`container_rounds_tenths`];
//!   sweep 31: EvalAP's ui waits for its api, and the budget had counted one round for both).
//!   Before the containers come the other resources,
//!   [`APPLY_OTHER`], and a database instance ([`DATABASE_WAIT`]: the provider's
//!   `defaultInstanceTimeout = 30 * time.Minute`, `internal/services/rdb/helpers.go:20`) that the
//!   containers read their URL from.
//! - **Smoke test.** One `curl --connect-timeout 10 --max-time 30 --retry 12 --retry-delay 5`
//!   per public service with an HTTP health path, one after the other: [`SMOKE_PER_SERVICE`].
//! - **Then either** the automatic rollback (a second apply of the containers and a second smoke
//!   test) **or** the alert rules push ([`RULES_PER_TARGET`] per Cockpit target): the longer.
//! - Set-up ([`SETUP`]: check-out, OpenTofu, `tofu init`, the state reads, the guards), image
//!   copies for a promotion ([`COPY_PER_IMAGE`]) and a [`MARGIN`].

use crate::resolve::{ResolvedEnvironment, ResolvedService};

/// The provider's own wait for a container: `12*time.Minute + 30*time.Second`.
pub const PROVIDER_CONTAINER_WAIT: u64 = 12 * 60 + 30;
/// Added to a startup window for pulling the image and scheduling the instance.
pub const START_ALLOWANCE: u64 = 5 * 60;
/// Longest container wait `modules/service` accepts (`ready_wait_seconds`, 5 days: the longest a
/// GitHub Actions job may run, on a self-hosted runner); TG120 refuses a startup window whose
/// wait ([`container_wait_seconds`]) is longer, which the module's validation would refuse at
/// `tofu validate`.
pub const MAX_CONTAINER_WAIT: u64 = 5 * 24 * 60 * 60;
/// OpenTofu's default `-parallelism`.
pub const TOFU_PARALLELISM: u64 = 10;
/// Waits of one container in one apply: before and after `UpdateContainer`.
pub const WAITS_PER_CONTAINER: u64 = 2;
/// Refresh, plan and every resource besides the containers and the database instance.
pub const APPLY_OTHER: u64 = 10 * 60;
/// The provider's wait for a database instance (`defaultInstanceTimeout`).
pub const DATABASE_WAIT: u64 = 30 * 60;
/// One smoke-tested service: 13 attempts of at most 30 s, 12 pauses of 5 s.
pub const SMOKE_PER_SERVICE: u64 = 13 * 30 + 12 * 5;
/// Check-out, OpenTofu set-up, `tofu init`, the state reads and the guard steps.
pub const SETUP: u64 = 5 * 60;
/// `skopeo copy` of one image between registries (three attempts).
pub const COPY_PER_IMAGE: u64 = 10 * 60;
/// One Cockpit target of the alert rules push: 30 waits of 20 s for its data source, and the
/// pushes.
pub const RULES_PER_TARGET: u64 = 30 * 20 + 5 * 60;
/// Kept on top of the sum.
pub const MARGIN: u64 = 10 * 60;
/// GitHub's limit for one job on a GitHub-hosted runner, in minutes (policy rule TG118).
pub const GITHUB_JOB_LIMIT_MINUTES: u64 = 360;

/// The startup probe window of `s`: `interval × failure_threshold` (0 without a probe).
pub fn startup_window_seconds(s: &ResolvedService) -> u64 {
    s.startup.as_ref().map_or(0, |p| {
        p.interval
            .seconds
            .saturating_mul(u64::from(p.failure_threshold))
    })
}

/// How long the provider waits for `s` to be ready (its `timeouts { create, update }`): the
/// startup window plus [`START_ALLOWANCE`], at least [`PROVIDER_CONTAINER_WAIT`].
pub fn container_wait_seconds(s: &ResolvedService) -> u64 {
    startup_window_seconds(s)
        .saturating_add(START_ALLOWANCE)
        .max(PROVIDER_CONTAINER_WAIT)
}

/// What an applying job does besides the apply, smoke test and rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The deploy job: the alert rules are pushed after the smoke test.
    Deploy,
    /// A promotion: `images` images are copied first, the alert rules pushed after.
    Promote {
        /// How many images are copied.
        images: u64,
    },
    /// A rollback: apply, smoke test, the restore on failure and, when it applies the other
    /// changes too (`apply_other_changes`), the alert rules push.
    Rollback,
}

/// The worst case of one applying job, term by term, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Check-out, set-up, init, guards.
    pub setup: u64,
    /// Image copies (promotion).
    pub copies: u64,
    /// The apply of the release.
    pub apply: u64,
    /// Its smoke test.
    pub smoke: u64,
    /// The automatic rollback: a second apply of the containers and a second smoke test.
    pub rollback: u64,
    /// The alert rules push (skipped when the job rolls back).
    pub rules: u64,
    /// [`MARGIN`].
    pub margin: u64,
}

impl Budget {
    /// The whole budget in seconds: the rollback and the rules push exclude each other.
    pub fn seconds(&self) -> u64 {
        self.setup
            .saturating_add(self.copies)
            .saturating_add(self.apply)
            .saturating_add(self.smoke)
            .saturating_add(self.rollback.max(self.rules))
            .saturating_add(self.margin)
    }

    /// The job's `timeout-minutes`: [`Budget::seconds`] rounded up to whole minutes.
    pub fn minutes(&self) -> u64 {
        self.seconds().div_ceil(60)
    }
}

/// How many images a promotion into `env` copies: one per image repository.
pub fn copied_images(env: &ResolvedEnvironment) -> u64 {
    let images: std::collections::BTreeSet<&str> =
        env.services.iter().map(|s| s.image.as_str()).collect();
    images.len() as u64
}

/// The worst case of `job` applying `env`.
pub fn job_budget(env: &ResolvedEnvironment, job: Job) -> Budget {
    let longest = env
        .services
        .iter()
        .map(container_wait_seconds)
        .max()
        .unwrap_or(0);
    let containers_apply = container_rounds_tenths(env)
        .saturating_mul(WAITS_PER_CONTAINER)
        .saturating_mul(longest)
        .div_ceil(10);
    let database = if env.database.is_some() {
        DATABASE_WAIT
    } else {
        0
    };
    let smoked = env
        .services
        .iter()
        .filter(|s| s.privacy == crate::model::Privacy::Public && s.health_path().is_some())
        .count() as u64;
    let smoke = smoked.saturating_mul(SMOKE_PER_SERVICE);
    let targets = 1
        + u64::from(super::roots::has_application_rules(env))
        + u64::from(super::roots::has_backup_jobs(env));
    let (copies, rules) = match job {
        Job::Deploy | Job::Rollback => (0, targets * RULES_PER_TARGET),
        Job::Promote { images } => (
            images.saturating_mul(COPY_PER_IMAGE),
            targets * RULES_PER_TARGET,
        ),
    };
    Budget {
        setup: SETUP,
        copies,
        apply: APPLY_OTHER
            .saturating_add(database)
            .saturating_add(containers_apply),
        smoke,
        rollback: containers_apply.saturating_add(smoke),
        rules,
        margin: MARGIN,
    }
}

/// The most services of `env` one chain of URL references holds (`api` <- `ui` when ui's
/// variables name `${services.api.url}`: 2), 0 without services. OpenTofu applies each after
/// the one whose URL it reads. References to services `env` does not deploy are not edges;
/// a cycle (which policy refuses before anything is emitted) counts every service. Linear in
/// the services and references (Kahn's order, no recursion).
pub fn longest_url_chain(env: &ResolvedEnvironment) -> u64 {
    use crate::resolve::TemplatePart;
    let index: std::collections::HashMap<&str, usize> = env
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let n = env.services.len();
    // `after[j]`: the services reading `j`'s URL; `waits[i]`: how many URLs `i` reads.
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waits = vec![0usize; n];
    for (i, s) in env.services.iter().enumerate() {
        let mut read: Vec<usize> = s
            .env
            .values()
            .flat_map(|t| t.parts.iter())
            .filter_map(|p| match p {
                TemplatePart::ServiceUrl(name) => index.get(name.as_str()).copied(),
                _ => None,
            })
            .filter(|&j| j != i)
            .collect();
        read.sort_unstable();
        read.dedup();
        waits[i] = read.len();
        for j in read {
            after[j].push(i);
        }
    }
    let mut depth = vec![1u64; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| waits[i] == 0).collect();
    let mut done = 0;
    while let Some(j) = ready.pop() {
        done += 1;
        for &i in &after[j] {
            depth[i] = depth[i].max(depth[j] + 1);
            waits[i] -= 1;
            if waits[i] == 0 {
                ready.push(i);
            }
        }
    }
    if done < n {
        return n as u64;
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Rounds of container waits of one apply of `env`, in tenths: `ceil(n / 10)` rounds for `n`
/// independent containers; with a chain of `L` > 1 ([`longest_url_chain`]), Graham's bound
/// for a greedy schedule on [`TOFU_PARALLELISM`] slots, `(n + 9 L) / 10`, and never more than
/// `n` rounds (one after the other).
pub fn container_rounds_tenths(env: &ResolvedEnvironment) -> u64 {
    let n = env.services.len() as u64;
    let chain = longest_url_chain(env);
    if chain <= 1 {
        return n.div_ceil(TOFU_PARALLELISM) * 10;
    }
    let tenths = n
        .saturating_add((TOFU_PARALLELISM - 1).saturating_mul(chain))
        .saturating_mul(10)
        / TOFU_PARALLELISM;
    tenths.min(n.saturating_mul(10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;
    use crate::resolve::{Probe, ProbeCheck};

    fn probe(interval: u64, failures: u32) -> Probe {
        Probe {
            check: ProbeCheck::Http("/health".into()),
            interval: Duration::from_secs(interval),
            timeout: Duration::from_secs(1),
            failure_threshold: failures,
        }
    }

    /// The staging environment of the committed `environments.yaml`.
    fn base() -> ResolvedEnvironment {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
        let yaml = std::fs::read_to_string(path).expect("read environments.yaml");
        let c = crate::pipeline::compile("environments.yaml", yaml.as_bytes(), false);
        let resolved = c.resolved.expect("environments.yaml resolves");
        resolved
            .environments
            .into_iter()
            .find(|e| e.name == "staging")
            .expect("a staging environment")
    }

    #[test]
    fn a_short_window_keeps_the_provider_default_wait() {
        let mut env = base();
        let s = &mut env.services[0];
        s.startup = Some(probe(5, 30)); // 150 s + 300 s < 750 s
        assert_eq!(container_wait_seconds(s), PROVIDER_CONTAINER_WAIT);
        s.startup = None;
        assert_eq!(container_wait_seconds(s), PROVIDER_CONTAINER_WAIT);
    }

    #[test]
    fn a_long_window_extends_the_wait_past_the_provider_default() {
        let mut env = base();
        let s = &mut env.services[0];
        s.startup = Some(probe(10, 60)); // 10 minutes, evalap's api
        assert_eq!(startup_window_seconds(s), 600);
        assert_eq!(container_wait_seconds(s), 900);
        s.startup = Some(probe(60, 50)); // 50 minutes: finding 7's repro
        assert_eq!(container_wait_seconds(s), 3300);
        s.startup = Some(probe(u64::MAX, u32::MAX));
        assert_eq!(container_wait_seconds(s), u64::MAX);
    }

    #[test]
    fn the_budget_adds_every_term_of_the_worst_case() {
        let mut env = base();
        env.database = None;
        env.services.truncate(1);
        let s = &mut env.services[0];
        s.privacy = crate::model::Privacy::Public;
        s.startup = Some(probe(10, 60));
        s.liveness = Some(probe(10, 3));
        let has_app = super::super::roots::has_application_rules(&env);
        let has_backups = super::super::roots::has_backup_jobs(&env);
        let targets = 1 + u64::from(has_app) + u64::from(has_backups);
        let b = job_budget(&env, Job::Deploy);
        // One container, two waits of 15 minutes, in one round.
        assert_eq!(b.apply, APPLY_OTHER + 2 * 900);
        assert_eq!(b.smoke, 450);
        assert_eq!(b.rollback, 2 * 900 + 450);
        assert_eq!(b.rules, targets * RULES_PER_TARGET);
        assert_eq!(
            b.seconds(),
            SETUP + APPLY_OTHER + 1800 + 450 + (1800 + 450).max(targets * 900) + MARGIN
        );
        assert_eq!(b.minutes(), b.seconds().div_ceil(60));

        // A rollback job may push the rules too (apply_other_changes): the deploy's budget; a
        // promotion copies its images first.
        let r = job_budget(&env, Job::Rollback);
        assert_eq!(r, b);
        let p = job_budget(&env, Job::Promote { images: 2 });
        assert_eq!(p.copies, 2 * COPY_PER_IMAGE);
        assert_eq!(p.seconds(), b.seconds() + 2 * COPY_PER_IMAGE);
    }

    #[test]
    fn the_budget_grows_with_rounds_private_services_and_the_database() {
        let mut env = base();
        env.database = None;
        env.services.truncate(1);
        env.services[0].startup = Some(probe(5, 10));
        env.services[0].privacy = crate::model::Privacy::Private;
        let one = job_budget(&env, Job::Rollback);
        assert_eq!(one.smoke, 0, "a private service is not smoke-tested");
        // Eleven containers: two rounds of OpenTofu's ten.
        let template = env.services[0].clone();
        for i in 1..11 {
            let mut s = template.clone();
            s.name = format!("s{i}");
            env.services.push(s);
        }
        let eleven = job_budget(&env, Job::Rollback);
        assert_eq!(eleven.apply - APPLY_OTHER, 2 * (one.apply - APPLY_OTHER));
        // A database instance comes before the containers that read its URL.
        let with_db = {
            let mut e = env.clone();
            e.database = base().database;
            assert!(
                e.database.is_some(),
                "the synthetic environment has a database"
            );
            job_budget(&e, Job::Rollback)
        };
        assert_eq!(with_db.apply, eleven.apply + DATABASE_WAIT);
    }

    /// Variables of `name` reading the URLs of `reads`.
    fn reading(name: &str, reads: &[&str]) -> crate::resolve::EnvVars {
        reads
            .iter()
            .map(|r| {
                (
                    format!("{}_URL", r.to_uppercase()),
                    crate::resolve::Template::parse(
                        &format!("${{services.{r}.url}}/v1"),
                        name,
                        "p",
                    ),
                )
            })
            .collect()
    }

    /// A service reading another's URL is applied after it (sweep 31: EvalAP's ui reads its
    /// api's URL, and the budget counted one round of waits for both).
    #[test]
    fn services_reading_another_url_wait_for_it() {
        let env = base();
        let names: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api", "ui"], "the committed staging");
        assert_eq!(longest_url_chain(&env), 2, "ui reads api's URL");
        let longest = env.services.iter().map(container_wait_seconds).max();
        let longest = longest.unwrap();
        let database = if env.database.is_some() {
            DATABASE_WAIT
        } else {
            0
        };
        let chained = job_budget(&env, Job::Deploy);
        assert_eq!(chained.apply, APPLY_OTHER + database + 2 * (2 * longest));
        assert_eq!(chained.rollback, 2 * (2 * longest) + chained.smoke);
        // Without the reference, both in one round.
        let mut flat = env.clone();
        for s in &mut flat.services {
            s.env = reading(&s.name, &[]);
        }
        assert_eq!(longest_url_chain(&flat), 1);
        assert_eq!(
            job_budget(&flat, Job::Deploy).apply,
            APPLY_OTHER + database + 2 * longest
        );
        // Twelve services in one chain: one after the other, twelve rounds (Graham's bound,
        // 12 + 9 x 12 tenths of ten, is capped there).
        let template = env.services[0].clone();
        let mut chain = env.clone();
        chain.services = (0..12)
            .map(|i| {
                let mut s = template.clone();
                s.name = format!("s{i}");
                let before = [format!("s{}", i.max(1) - 1)];
                let reads: Vec<&str> = before.iter().take(i.min(1)).map(String::as_str).collect();
                s.env = reading(&s.name, &reads);
                s
            })
            .collect();
        assert_eq!(longest_url_chain(&chain), 12);
        assert_eq!(container_rounds_tenths(&chain), 120);
        // Twenty independent services and a chain of three: (23 + 9 x 3) / 10 = 5 rounds,
        // against 3 (ceil(23 / 10)) if the chain were ignored.
        chain.services.truncate(3);
        for i in 0..20 {
            let mut s = template.clone();
            s.name = format!("free{i}");
            s.env = reading(&s.name, &[]);
            chain.services.push(s);
        }
        assert_eq!(longest_url_chain(&chain), 3);
        assert_eq!(container_rounds_tenths(&chain), 50);
        // A reference to a service not deployed here is no edge; a cycle counts every service.
        chain.services[0].env = reading("s0", &["gone", "s2"]);
        assert_eq!(longest_url_chain(&chain), 23);
    }
}
