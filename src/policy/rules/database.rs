//! The Managed PostgreSQL database: who is attached to it, its volume, whether it is used.

use crate::diagnostics::Level;
use crate::diagnostics::Span;
use crate::model::{SecretSource, VolumeType};
use crate::policy::{Checker, ENV, Place, Rule, Safety, limits};
use crate::resolve::{Layer, ResolvedEnvironment};

/// TG011: database secrets and attachments need a database, and database secrets need the
/// attachment.
pub const TG011: Rule = Rule {
    code: "TG011",
    name: "database-attachment",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "`source: database` secrets and `database: true` need an enabled database, and such secrets need `database: true`",
    rationale: "the connection URL only exists with a database, and only reaches services attached to its private network",
    bad: "defaults:\n  services:\n    web:\n      database: false\n",
    good: "defaults:\n  services:\n    web:\n      database: true\n",
};

/// TG019: volume sizes and types Scaleway accepts.
pub const TG019: Rule = Rule {
    code: "TG019",
    name: "database-volume",
    level: Level::Error,
    safety: Safety::Required,
    title: "database volumes: sizes are multiples of 5GB from 5GB to 10000GB (modules/database checks them even for `lssd`); `lssd` only on DB-DEV/DB-GP node types",
    rationale: "Scaleway Block Storage is sized in 5 GB steps, and local storage exists only on first-generation nodes (Managed Databases concepts page); the upper bound of 10000 GB is tofugen's own, checked by modules/database, not a limit Scaleway documents: a size the node type cannot have is refused by the API at apply time",
    bad: "defaults:\n  database:\n    volume: { size: 12GB }\n",
    good: "defaults:\n  database:\n    volume: { size: 15GB }\n",
};

/// TG044: a database some service uses.
pub const TG044: Rule = Rule {
    code: "TG044",
    name: "unused-database",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "an enabled database is used by at least one service (`database: true`)",
    rationale: "a database no service reaches costs money and holds no application data",
    bad: "defaults:\n  services:\n    web:\n      database: false\n      secrets: []\n",
    good: "defaults:\n  services:\n    web:\n      database: true\n      secrets: [DATABASE_URL]\n",
};

/// TG121: at most one database URL per service.
pub const TG121: Rule = Rule {
    code: "TG121",
    name: "one-database-url",
    level: Level::Error,
    safety: Safety::Required,
    title: "a service uses at most one `source: database` secret",
    rationale: "`modules/service` builds one connection URL (`database_url`) per container; a second `source: database` secret on the same service would be silently left out of its root, and the container would start without that variable",
    bad: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL, DATABASE_URL_ASYNC]\n  secrets:\n    DATABASE_URL_ASYNC: { source: database, scheme: postgresql+asyncpg }\n",
    good: "defaults:\n  services:\n    web:\n      secrets: [DATABASE_URL]\n",
};

/// TG131: the weekly and monthly tiers need a volume Scaleway can back up on demand.
pub const TG131: Rule = Rule {
    code: "TG131",
    name: "logical-backup-size",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "with weekly or monthly backups, a Block Storage database volume is at most 585GB",
    rationale: "the weekly and monthly tiers are manual backups a job takes (`scw rdb backup create`, modules/backups), and Scaleway creates manual backups of a Database Instance with Block Storage only when its storage is inferior or equal to 585 GB (Scaleway docs-content, managed-databases-for-postgresql-and-mysql/how-to/manage-manual-backups.mdx, read at 38bdaa9): above it every run of those jobs would fail, and the tiers stop accumulating. Production requires both tiers (TG004), so its volume stays at most 585GB; local volumes (`lssd`) have no such limit",
    bad: "defaults:\n  database:\n    volume: { size: 600GB }\n    backups:\n      weekly: { enabled: true, schedule: \"0 3 * * 0\", retention: 90d }\n",
    good: "defaults:\n  database:\n    volume: { size: 585GB }\n    backups:\n      weekly: { enabled: true, schedule: \"0 3 * * 0\", retention: 90d }\n",
};

/// Largest Block Storage volume, in GB, of which Scaleway takes a manual (logical) backup: see
/// [`TG131`].
pub const MANUAL_BACKUP_MAX_GB: u64 = 585;

/// TG135: an environment's own `database:` section is not switched off by an `enabled: false`
/// it inherits.
pub const TG135: Rule = Rule {
    code: "TG135",
    name: "database-disabled-by-inheritance",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "an environment's own `database:` section says `enabled: true` when it inherits `enabled: false`",
    rationale: "`database.enabled: false` in `defaults` (or in an environment it extends) is inherited like any other key: an environment's own section with a node type, HA and backups but no `enabled: true` creates no database, and when no service uses it nothing else says so",
    bad: "defaults:\n  database: { enabled: false }\nenvironments:\n  staging:\n    database: { enabled: true }\n  production:\n    database: { ha: true }\n",
    good: "defaults:\n  database: { enabled: false }\nenvironments:\n  staging:\n    database: { enabled: true }\n  production:\n    database: { enabled: true, ha: true }\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG011, TG019, TG044, TG121, TG131, TG135];

/// An environment's own `database:` section, switched off by an `enabled: false` it inherits.
pub(crate) struct InheritedOff {
    /// The key of the environment's own `database:` section.
    pub section: Span,
    /// Where the `enabled: false` in force is written.
    pub enabled: Span,
    /// The section that writes it (`defaults`, `environments.NAME via extends`).
    pub from: String,
}

impl InheritedOff {
    /// `env` has no database although it has a `database:` section of its own (a mapping, even
    /// empty): that section does not say `enabled`, and the `enabled: false` in force comes
    /// from another section. `None` in every other case (an environment that writes `enabled: false`
    /// itself says what it means).
    pub(crate) fn of(c: &Checker<'_>, env: &ResolvedEnvironment) -> Option<InheritedOff> {
        if env.database.is_some() {
            return None;
        }
        let (key, own) = c.env_nodes.get(env.name.as_str())?.1.entry("database")?;
        // `database: {}` too: an empty section of its own reads as "a database here" (review
        // of stop 55, L6), and `enabled: false` inherited leaves it without one.
        if !matches!(own.kind, crate::load::NodeKind::Map(_)) || own.get("enabled").is_some() {
            return None;
        }
        let enabled = env.origins.get("database.enabled")?;
        if enabled.layer == Layer::Environment {
            return None;
        }
        Some(InheritedOff {
            section: key.span,
            enabled: enabled.span,
            from: env.origins.layer_name(enabled.layer),
        })
    }

    /// Says why, for a finding about the missing database.
    pub(crate) fn note(&self, env: &str) -> String {
        format!(
            "`environments.{env}.database` (line {}) does not say `enabled`, so it inherits `enabled: false` from `{}` (line {}): add `enabled: true` to it",
            self.section.line, self.from, self.enabled.line
        )
    }
}

/// TG135: the environment's own section, switched off by an inherited `enabled: false`.
fn inherited_off(c: &mut Checker<'_>, env: &ResolvedEnvironment, off: Option<&InheritedOff>) {
    let Some(off) = off else {
        return;
    };
    c.push(
        &TG135,
        Some(env),
        Place::new("database", Some(off.section)),
        format!(
            "{ENV} has a `database:` section of its own but no database: it inherits `enabled: false` from `{}` (line {})",
            off.from, off.enabled.line
        ),
        "`enabled: true` in an environment's own `database:` section when another section disables the database",
        format!(
            "add `enabled: true` under `environments.{}.database`, or remove that section if {ENV} needs no database",
            env.name
        ),
    );
}

pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    // Why the environment has no database, worked out once for every finding that says so.
    let off = InheritedOff::of(c, env);
    attachments(c, env, off.as_ref());
    inherited_off(c, env, off.as_ref());
    let Some(db) = &env.database else {
        return;
    };
    let node = db.node_type.to_ascii_uppercase();
    if matches!(db.volume_type, VolumeType::Lssd)
        && !(node.starts_with("DB-DEV") || node.starts_with("DB-GP"))
    {
        let place = c.at(env, "database.volume.type");
        c.push(
            &TG019,
            Some(env),
            place,
            format!(
                "`lssd` volumes need a first-generation node type, not `{}`",
                db.node_type
            ),
            "`sbs_5k` or `sbs_15k` on this node type",
            "use `volume: { type: sbs_5k }`",
        );
    }
    // modules/database checks the size whatever the type (even `lssd`, which ignores it).
    let bytes = db.volume_size.bytes;
    let step = 5_000_000_000u64;
    if bytes < step || !bytes.is_multiple_of(step) {
        let place = c.at(env, "database.volume.size");
        let up = bytes.div_ceil(step).max(1) * 5;
        c.push(
            &TG019,
            Some(env),
            place,
            format!(
                "database volume size {} is not a multiple of 5GB",
                db.volume_size
            ),
            "a multiple of 5GB, at least 5GB",
            format!("use `size: {up}GB`"),
        );
    }
    let gb = db.volume_size.gigabytes();
    if gb > limits::DATABASE_VOLUME_GB {
        let place = c.at(env, "database.volume.size");
        c.push(
            &TG019,
            Some(env),
            place,
            format!(
                "database volume size {} is over {}GB",
                db.volume_size,
                limits::DATABASE_VOLUME_GB
            ),
            format!(
                "at most {}GB (modules/database)",
                limits::DATABASE_VOLUME_GB
            ),
            format!("use `size: {}GB`", limits::DATABASE_VOLUME_GB),
        );
    }
    let jobs: Vec<&str> = [
        ("weekly", db.backups.weekly.is_some()),
        ("monthly", db.backups.monthly.is_some()),
    ]
    .into_iter()
    .filter_map(|(tier, on)| on.then_some(tier))
    .collect();
    if !matches!(db.volume_type, VolumeType::Lssd) && gb > MANUAL_BACKUP_MAX_GB && !jobs.is_empty()
    {
        let place = c.at(env, "database.volume.size");
        c.push(
            &TG131,
            Some(env),
            place,
            format!(
                "the {} backups of {ENV} cannot be taken of a {} Block Storage volume: Scaleway \
                 takes manual backups of volumes of at most {MANUAL_BACKUP_MAX_GB}GB, and every \
                 run of the backup jobs would fail",
                jobs.join(" and "),
                db.volume_size
            ),
            format!("at most {MANUAL_BACKUP_MAX_GB}GB while weekly or monthly backups are on"),
            format!(
                "use `size: {MANUAL_BACKUP_MAX_GB}GB` or less; outside production you may \
                 instead turn the weekly and monthly tiers off (`enabled: false`) and keep the \
                 daily snapshots"
            ),
        );
    }
    if !env.services.iter().any(|s| s.database) {
        let place = c.key_at(env, "database");
        c.push(
            &TG044,
            Some(env),
            place,
            format!("the database of {ENV} is used by no service"),
            "at least one service with `database: true`",
            "add `database: true` to the services that use it, or set `database: { enabled: false }`",
        );
    }
}

/// TG011: the database secret reaches only attached services; attachments need a database.
fn attachments(c: &mut Checker<'_>, env: &ResolvedEnvironment, off: Option<&InheritedOff>) {
    let note = off.map(|o| o.note(&env.name));
    // What turns the database on, the same for every service attached to it.
    let attach_help = || match (off, env.origins.get("database.enabled")) {
        (Some(_), _) => format!(
            "add `enabled: true` under `environments.{}.database`, or remove `database: true`",
            env.name
        ),
        (None, Some(o)) if o.layer == Layer::Environment => format!(
            "remove `enabled: false` from `environments.{}.database` (line {}), or remove `database: true`",
            env.name, o.span.line
        ),
        (None, Some(o)) => format!(
            "add `database: {{ enabled: true }}` under `environments.{}` (`enabled: false` comes from `{}`, line {}), or remove `database: true`",
            env.name,
            env.origins.layer_name(o.layer),
            o.span.line
        ),
        (None, None) => "add a `database:` section, or remove `database: true`".to_string(),
    };
    // The first declaration of each name, looked up once per use.
    let mut declared: std::collections::HashMap<&str, &crate::resolve::ResolvedSecret> =
        std::collections::HashMap::new();
    for d in &env.secrets {
        declared.entry(d.name.as_str()).or_insert(d);
    }
    for s in &env.services {
        // The first `source: database` secret of the service: the one URL it gets.
        let mut url: Option<&str> = None;
        for (i, secret) in s.secrets.iter().enumerate() {
            let Some(spec) = declared.get(secret.as_str()) else {
                continue;
            };
            if spec.source == SecretSource::Database {
                match url {
                    None => url = Some(secret.as_str()),
                    Some(first) if first != secret.as_str() => {
                        let place = c.at(env, &format!("services.{}.secrets.{i}", s.name));
                        c.push(
                            &TG121,
                            Some(env),
                            place,
                            format!(
                                "service `{}` in {ENV} uses a second database URL, `{secret}`, besides `{first}`: the container gets one",
                                s.name
                            ),
                            "at most one `source: database` secret per service",
                            format!(
                                "keep one of `{first}` and `{secret}` (the application can derive another driver's URL from it at start-up)"
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
            if spec.source == SecretSource::Database && !s.database {
                let place = c.at(env, &format!("services.{}.secrets.{i}", s.name));
                c.push(
                    &TG011,
                    Some(env),
                    place,
                    format!(
                        "service `{}` uses the database secret `{secret}` but is not attached to the database",
                        s.name
                    ),
                    "`database: true` on services that use `source: database` secrets",
                    format!("add `database: true` under `services.{}`", s.name),
                );
            }
        }
        if s.database && env.database.is_none() {
            let place = c.at(env, &format!("services.{}.database", s.name));
            let f = c.push(
                &TG011,
                Some(env),
                place,
                format!(
                    "service `{}` has `database: true` but {ENV} has no database",
                    s.name
                ),
                "an enabled `database:` section",
                attach_help(),
            );
            f.notes.extend(note.clone());
        }
    }
    for secret in &env.secrets {
        if secret.source == SecretSource::Database && env.database.is_none() {
            let place = c.at(env, &format!("secrets.{}.source", secret.name));
            let f = c.push(
                &TG011,
                Some(env),
                place,
                format!(
                    "secret `{}` comes from the database, but {ENV} has no database",
                    secret.name
                ),
                "an enabled `database:` section",
                format!(
                    "enable the database in this environment, or leave the secret out of it: \
                     `secrets: {{ {name}: null }}` under `environments.{env}`, and `{name}` out \
                     of its services' `secrets` lists there",
                    name = secret.name,
                    env = env.name
                ),
            );
            f.notes.extend(note.clone());
        }
    }
}
