//! Names that become Scaleway resource names, HCL identifiers, SQL identifiers and bucket names.

use crate::diagnostics::Level;
use crate::policy::{
    Checker, ENV, Place, Rule, Safety, limits, name_fix, valid_bucket, valid_module_name,
    valid_name,
};
use crate::resolve::{ResolvedEnvironment, ResolvedService};
use crate::schema_check::domains::MAX_IMAGE_PATH;

/// TG020: valid resource, HCL and SQL names.
pub const TG020: Rule = Rule {
    code: "TG020",
    name: "resource-names",
    level: Level::Error,
    safety: Safety::Required,
    title: "names are valid: project and environment `^[a-z][a-z0-9]*(-[a-z0-9]+)*$` (environment <= 31 chars), Scaleway project and registry namespace names, `<project>-<env>-<service>` <= 63 chars, `<project>-<env>-backup` <= 55, database name and user are PostgreSQL identifiers (user <= 57 chars, starting with a letter, not `pg_`, `public` or `none`; the name not one Scaleway reserves, such as `postgres` or `rdb`)",
    rationale: "names become Scaleway resource names, HCL identifiers and SQL identifiers; the modules refuse other names at plan time",
    bad: "defaults:\n  database:\n    name: demo-app\n",
    good: "defaults:\n  database:\n    name: demo_app\n",
};

/// TG022: state bucket names are S3 bucket names.
pub const TG022: Rule = Rule {
    code: "TG022",
    name: "state-bucket-name",
    level: Level::Error,
    safety: Safety::Required,
    title: "state bucket names are valid S3 bucket names (3-63 chars, lowercase, digits, `-` and `.`)",
    rationale: "Object Storage rejects other names at bootstrap time",
    bad: "defaults:\n  state:\n    bucket: \"Demo_State_{env}\"\n",
    good: "defaults:\n  state:\n    bucket: \"demo-tfstate-{env}\"\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG020, TG022];

/// Database names Scaleway's provider refuses: `scaleway_rdb_database.name` has
/// `validation.StringNotInSlice([information_schema mysql performance_schema postgres rdb rdb sys
/// template0 template1], false)` (terraform-provider-scaleway v2.81.0,
/// `internal/services/rdb/database.go:58-68`; `rdb` is listed twice there). The comparison is
/// case-sensitive, and tofugen's database names are lowercase. modules/database refuses the same
/// list (`database_name`; `reserved_names_agree_with_the_modules_validations`).
pub(crate) const RESERVED_DATABASE_NAMES: [&str; 8] = [
    "information_schema",
    "mysql",
    "performance_schema",
    "postgres",
    "rdb",
    "sys",
    "template0",
    "template1",
];

/// The prefix of the role names PostgreSQL reserves: since 9.6, `CREATE ROLE pg_x` fails with
/// `role name "pg_x" is reserved` / `Role names starting with "pg_" are reserved.`
/// (postgres/postgres `src/backend/commands/user.c`, `CreateRole`, `IsReservedName`; commit
/// 293007898d3f "Reserve the \"pg_\" namespace for roles"; the regression test
/// `src/test/regress/expected/rolenames.out`). modules/database refuses it in `user_name`.
pub(crate) const RESERVED_ROLE_PREFIX: &str = "pg_";

/// Role names PostgreSQL refuses whole, quoted or not: `public` is the pseudo-role of every
/// role (src/backend/parser/gram.y, `RoleId`: ROLESPEC_PUBLIC, `role name "public" is
/// reserved`), and `none` is refused by `RoleSpec` and by older `CreateRole`
/// (src/backend/commands/user.c); the regression test `rolenames.out` covers both (sweep 47,
/// #2). modules/database refuses them in `user_name`.
pub(crate) const RESERVED_ROLE_NAMES: [&str; 2] = ["public", "none"];

/// Why `value`, a valid identifier, cannot be the database `field` (`name` or `user`).
fn reserved_sql_name(value: &str, field: &str) -> Option<String> {
    if field == "name" && RESERVED_DATABASE_NAMES.contains(&value) {
        Some(format!(
            "database name `{value}` is reserved: Scaleway refuses it (scaleway_rdb_database)"
        ))
    } else if field == "user" && value.starts_with(RESERVED_ROLE_PREFIX) {
        Some(format!(
            "database user `{value}` starts with `pg_`, which PostgreSQL reserves for its own roles"
        ))
    } else if field == "user" && RESERVED_ROLE_NAMES.contains(&value) {
        Some(format!(
            "database user `{value}` is a role name PostgreSQL reserves (`role name \"{value}\" is reserved`)"
        ))
    } else {
        None
    }
}

/// Why `project` cannot name a project whose database keeps its default name and user (the
/// project's name with `_` for `-`): Scaleway or PostgreSQL reserves one of them (`postgres`,
/// `public`, `pg_tools` for `pg-tools`). `None` when it can.
pub(crate) fn reserved_by_default_database(project: &str) -> Option<String> {
    let sql = project.replace('-', "_");
    reserved_sql_name(&sql, "name").or_else(|| reserved_sql_name(&sql, "user"))
}

/// A name close to the reserved `value` that is not reserved.
fn unreserved_fix(value: &str, field: &str) -> String {
    let fixed = if field == "user" && value.starts_with(RESERVED_ROLE_PREFIX) {
        value
            .trim_start_matches(RESERVED_ROLE_PREFIX)
            .trim_start_matches('_')
            .to_string()
    } else if field == "user" {
        cut(&format!("{value}_app"), limits::DATABASE_USER).to_string()
    } else {
        cut(&format!("{value}_app"), 63).to_string()
    };
    let ok = |v: &str| {
        valid_sql_identifier(v)
            && !v.starts_with('_')
            && v.len() <= limits::DATABASE_USER
            && reserved_sql_name(v, field).is_none()
    };
    if ok(&fixed) { fixed } else { "app".to_string() }
}

/// A PostgreSQL identifier that needs no quoting.
pub(crate) fn valid_sql_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A PostgreSQL name close to `value` for `field` (`name` or `user`).
fn sql_fix(value: &str, field: &str) -> String {
    let fixed = value.to_ascii_lowercase().replace('-', "_");
    if field == "user" {
        cut(fixed.trim_start_matches('_'), limits::DATABASE_USER).to_string()
    } else {
        fixed
    }
}

/// The names already reported invalid that others are built from (the project's and the
/// environment's), each with the name its finding suggests (or, without one, a valid name of
/// the same length).
fn refused_sources(project: &str, env: &ResolvedEnvironment) -> Vec<(String, String)> {
    [project, env.name.as_str()]
        .into_iter()
        .filter(|n| !n.is_empty() && !valid_name(n))
        .map(|n| {
            let fix = name_fix(n).unwrap_or_else(|| "a".repeat(n.len()));
            (n.to_string(), fix)
        })
        .collect()
}

/// Whether `value` holds one of the `refused` names and is valid once each is replaced by its
/// suggested fix: its finding would only repeat theirs (a Scaleway project `Shop_Front-staging`
/// after the project `Shop_Front`), so it is not reported. A value still invalid after the fix
/// (a database user `shop-front`) is.
fn repeats_a_finding(
    value: &str,
    refused: &[(String, String)],
    valid: impl Fn(&str) -> bool,
) -> bool {
    let mut fixed = value.to_string();
    for (name, fix) in refused {
        fixed = fixed.replace(name.as_str(), fix);
    }
    fixed != value && valid(&fixed)
}

/// The project name.
pub(crate) fn project(c: &mut Checker<'_>) {
    let project = c.resolved.project.clone();
    let span = c.root.get("project").map(|n| n.span);
    if !valid_name(&project) {
        let fix = name_fix(&project);
        c.push(
            &TG020,
            None,
            Place::new("project", span),
            format!("project name `{project}` is not a valid resource name"),
            "lowercase letters, digits and single `-`, starting with a letter, not ending with `-`",
            match fix {
                Some(f) => format!("use `project: {f}`"),
                None => "use a short lowercase name, e.g. `project: shop`".to_string(),
            },
        );
    }
}

/// The environment's name, Scaleway project name and state bucket.
pub(crate) fn environment(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let project = c.resolved.project.clone();
    let refused = refused_sources(&project, env);
    if !valid_bucket(&env.state.bucket)
        && !repeats_a_finding(&env.state.bucket, &refused, valid_bucket)
    {
        let place = c.at(env, "state.bucket");
        let fixed: String = env.state.bucket.to_ascii_lowercase().replace('_', "-");
        let help = if valid_bucket(&fixed) {
            format!("use lowercase letters, digits and `-` only: `{fixed}` would be valid")
        } else {
            "use lowercase letters, digits and `-`, 3 to 63 characters in all".to_string()
        };
        c.push(
            &TG022,
            Some(env),
            place,
            format!(
                "state bucket `{}` of {ENV} is not a valid bucket name",
                env.state.bucket
            ),
            "3 to 63 lowercase letters, digits, `-` or `.`, starting and ending with a letter or digit",
            help,
        );
    }
    if !valid_name(&env.name) || env.name.len() > limits::ENVIRONMENT_NAME {
        let place = c.env_place(env);
        let message = if valid_name(&env.name) {
            format!(
                "environment name `{}` is {} characters long",
                env.name,
                env.name.len()
            )
        } else {
            format!(
                "environment name `{}` is not a valid resource name",
                env.name
            )
        };
        // A shorter valid name no other environment has.
        let fixed = name_fix(&env.name).unwrap_or_else(|| env.name.clone());
        let short = cut_at_word(&fixed, limits::ENVIRONMENT_NAME);
        let taken = c.resolved.environments.iter().any(|e| e.name == short);
        let help = if valid_name(short) && short != env.name && !taken {
            format!("rename the environment, e.g. `{short}`, and every reference to it")
        } else {
            "rename the environment, and every reference to it".to_string()
        };
        c.push(
            &TG020,
            Some(env),
            place,
            message,
            format!(
                "at most {} lowercase letters, digits and single `-`, starting with a letter, not ending with `-` (modules/iam)",
                limits::ENVIRONMENT_NAME
            ),
            help,
        );
    }
    // modules/iam prefixes its application and policy names with it.
    let scw = &env.scaleway_project;
    let valid_project = |n: &str| valid_module_name(n, limits::PROJECT_NAME);
    if !valid_project(scw) && !repeats_a_finding(scw, &refused, valid_project) {
        let place = c.option_at(&env.name, "scaleway_project");
        let fix = name_fix(scw).unwrap_or_else(|| format!("{project}-{}", env.name));
        c.push(
            &TG020,
            Some(env),
            place,
            format!("Scaleway project name `{scw}` of {ENV} is not a valid name"),
            format!(
                "at most {} lowercase letters, digits and single `-` (modules/iam `project_name`)",
                limits::PROJECT_NAME
            ),
            format!(
                "use a shorter name, e.g. `scaleway_project: {}`",
                cut(&fix, limits::PROJECT_NAME)
            ),
        );
    }
    let valid_namespace = |n: &str| valid_module_name(n, limits::RESOURCE_NAME);
    if !valid_namespace(&env.registry_namespace)
        && !repeats_a_finding(&env.registry_namespace, &refused, valid_namespace)
    {
        let place = c.option_at(&env.name, "registry.namespace");
        c.push(
            &TG020,
            Some(env),
            place,
            format!(
                "registry namespace `{}` of {ENV} is not a valid name",
                env.registry_namespace
            ),
            format!(
                "at most {} lowercase letters, digits and single `-`, not starting or ending with `-` (modules/registry)",
                limits::RESOURCE_NAME
            ),
            "write `namespace: \"{project}-{env}\"` under `registry`",
        );
    }
    // The names modules/network, modules/containers, modules/database and modules/backups get.
    let prefix = env.prefix(&project);
    let mut derived = vec![(prefix.clone(), limits::RESOURCE_NAME)];
    if env.database.is_some() {
        derived.push((env.database_resource_name(&project), limits::RESOURCE_NAME));
    }
    if crate::emit::roots::has_backup_jobs(env) {
        derived.push((format!("{prefix}-backup"), limits::BACKUP_NAME));
    }
    for (name, max) in derived {
        if name.len() > max {
            let place = c.env_place(env);
            c.push(
                &TG020,
                Some(env),
                place,
                format!(
                    "resource name `{name}` is {} characters long in {ENV}",
                    name.len()
                ),
                format!("at most {max} characters"),
                "shorten the environment or project name",
            );
        }
    }
}

/// At most `max` characters of an ASCII name, without a trailing `-`.
fn cut(name: &str, max: usize) -> &str {
    name.get(..max).unwrap_or(name).trim_end_matches('-')
}

/// At most `max` characters of an ASCII name, cut after a whole `-`-separated word when one
/// fits (`staging-environment-name-too` rather than `staging-environment-name-too-lo`).
fn cut_at_word(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let head = cut(name, max);
    if name.as_bytes().get(max) == Some(&b'-') {
        return head;
    }
    match head.rfind('-') {
        Some(i) => &head[..i],
        None => head,
    }
}

/// The service's resource name.
pub(crate) fn service(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    // `<project>-<environment>-<service>`, measured before it is built: most names fit.
    let length = c.resolved.project.len() + env.name.len() + s.name.len() + 2;
    if !valid_name(&s.name) {
        let place = c.key_at(env, &format!("services.{}", s.name));
        c.push(
            &TG020,
            Some(env),
            place,
            format!("service name `{}` is not a valid resource name", s.name),
            "lowercase letters, digits and single `-`, starting with a letter, not ending with `-`",
            match name_fix(&s.name) {
                Some(f) => format!("rename the service `{f}`"),
                None => "rename the service, e.g. `api`".to_string(),
            },
        );
    } else if length > limits::RESOURCE_NAME {
        let full = format!("{}-{}-{}", c.resolved.project, env.name, s.name);
        let place = c.key_at(env, &format!("services.{}", s.name));
        c.push(
            &TG020,
            Some(env),
            place,
            format!(
                "resource name `{full}` is {} characters long in {ENV}",
                full.len()
            ),
            format!(
                "`<project>-<environment>-<service>` of at most {} characters",
                limits::RESOURCE_NAME
            ),
            "shorten the service, environment or project name",
        );
    }
    // The image's repository path in the registry, `<namespace>/<image>`, within the
    // distribution grammar's bound (the image alone is bounded by the schema).
    let path = env.registry_namespace.len() + 1 + s.image.len();
    if path > MAX_IMAGE_PATH && s.image.len() <= MAX_IMAGE_PATH {
        let place = c.at(env, &format!("services.{}.image", s.name));
        c.push(
            &TG020,
            Some(env),
            place,
            format!(
                "the repository path of service `{}`'s image, `{}/<image>`, is {path} characters long in {ENV}",
                s.name, env.registry_namespace
            ),
            format!("`<registry namespace>/<image>` of at most {MAX_IMAGE_PATH} characters (the image reference grammar)"),
            "shorten the image name",
        );
    }
}

/// Where a finding about `database.FIELD` points: at the value when the file writes it, else
/// at `database:` (the value is a default); and whether it is written.
fn database_place(c: &Checker<'_>, env: &ResolvedEnvironment, field: &str) -> (Place, bool) {
    let path = format!("database.{field}");
    if c.written(env, &path) {
        (c.at(env, &path), true)
    } else {
        (Place::new(path, c.key_at(env, "database").span), false)
    }
}

/// The database name and user.
pub(crate) fn database(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let Some(db) = &env.database else {
        return;
    };
    let refused = refused_sources(&c.resolved.project, env);
    for (field, value) in [("name", &db.name), ("user", &db.user)] {
        // modules/database: the user starts with a letter and leaves room for `_admin`.
        let valid = |v: &str| {
            valid_sql_identifier(v)
                && (field == "name" || (v.len() <= limits::DATABASE_USER && !v.starts_with('_')))
        };
        if !valid(value) && !repeats_a_finding(value, &refused, valid) {
            let (place, _) = database_place(c, env, field);
            c.push(
                &TG020,
                Some(env),
                place,
                format!("database {field} `{value}` is not a plain PostgreSQL identifier"),
                if field == "name" {
                    "lowercase letters, digits and `_`, starting with a letter or `_`, at most 63 characters".to_string()
                } else {
                    format!(
                        "lowercase letters, digits and `_`, starting with a letter, at most {} characters (modules/database adds `_admin`)",
                        limits::DATABASE_USER
                    )
                },
                {
                    // A fix that is still invalid (`""`, `123`) is no fix (sweep 58c, F6: `set
                    // user:  under database`): the project's name with `_app`, else `app`.
                    let fix = Some(sql_fix(value, field))
                        .filter(|f| valid(f))
                        .unwrap_or_else(|| {
                            let named = format!("{}_app", sql_fix(&c.resolved.project, "name"));
                            if valid(&named) { named } else { "app".to_string() }
                        });
                    format!("set `{field}: {fix}` under `database`")
                },
            );
        } else if let Some(message) = valid(value)
            .then(|| reserved_sql_name(value, field))
            .flatten()
        {
            let (place, written) = database_place(c, env, field);
            let fix = unreserved_fix(value, field);
            c.push(
                &TG020,
                Some(env),
                place,
                if written {
                    message
                } else {
                    format!("{message} (the default, built from the project name)")
                },
                if field == "name" {
                    format!(
                        "a database name other than {}",
                        RESERVED_DATABASE_NAMES.map(|n| format!("`{n}`")).join(", ")
                    )
                } else {
                    "a database user that does not start with `pg_`".to_string()
                },
                format!("set `{field}: {fix}` under `database`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::valid_env_var;

    #[test]
    fn names() {
        assert!(valid_bucket("evalap-tfstate-staging"));
        assert!(!valid_bucket("Evalap_tfstate"));
        assert!(!valid_bucket("ab"));
        assert!(!valid_bucket("192.168.1.1"));
        assert!(valid_env_var("DB_URL") && !valid_env_var("db-url") && !valid_env_var("1X"));
        assert!(valid_sql_identifier("evalap") && !valid_sql_identifier("my-shop"));
    }

    #[test]
    fn a_long_name_is_cut_after_a_whole_word() {
        assert_eq!(
            cut_at_word("staging-environment-name-too-long", 31),
            "staging-environment-name-too"
        );
        assert_eq!(
            cut_at_word("staging-integration-europe-west-region", 31),
            "staging-integration-europe-west"
        );
        assert_eq!(cut_at_word("abcdefghij", 4), "abcd");
        assert_eq!(cut_at_word("short", 31), "short");
    }

    #[test]
    fn a_name_built_from_a_refused_one_repeats_its_finding_only_when_the_fix_mends_it() {
        let refused = vec![("Shop_Front".to_string(), "shop-front".to_string())];
        let project = |n: &str| valid_module_name(n, limits::PROJECT_NAME);
        assert!(repeats_a_finding("Shop_Front-staging", &refused, project));
        assert!(repeats_a_finding(
            "Shop_Front-tfstate-staging",
            &refused,
            valid_bucket
        ));
        // Still invalid after the fix: its own finding.
        assert!(!repeats_a_finding(
            "Shop_Front",
            &refused,
            valid_sql_identifier
        ));
        let long = format!("Shop_Front-{}", "e".repeat(45));
        assert!(!repeats_a_finding(&long, &refused, project));
        // Not built from it, or nothing refused: its own finding.
        assert!(!repeats_a_finding("My_Project", &refused, project));
        assert!(!repeats_a_finding("Shop_Front-staging", &[], project));
    }

    /// The database names and the role prefix tofugen refuses are the ones modules/database's
    /// `validation` blocks refuse (which mirror the provider and PostgreSQL, cited there): change
    /// either side alone and this fails.
    #[test]
    fn reserved_names_agree_with_the_modules_validations() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/modules/database/variables.tf"
        ))
        .expect("module variables");
        let list = regex::Regex::new(r"!contains\(\[([^\]]*)\], var\.database_name\)")
            .unwrap()
            .captures(&text)
            .expect("modules/database refuses a list of database names");
        let mut module: Vec<&str> = list[1]
            .split(',')
            .map(|n| n.trim().trim_matches('"'))
            .collect();
        module.sort_unstable();
        let mut ours = RESERVED_DATABASE_NAMES.to_vec();
        ours.sort_unstable();
        assert_eq!(module, ours, "modules/database database_name vs tofugen");
        let prefix = regex::Regex::new(r#"!startswith\(var\.user_name, "([^"]*)"\)"#)
            .unwrap()
            .captures(&text)
            .expect("modules/database refuses a user_name prefix");
        assert_eq!(&prefix[1], RESERVED_ROLE_PREFIX);
        for name in RESERVED_DATABASE_NAMES {
            assert!(valid_sql_identifier(name), "{name} would be refused anyway");
            assert!(reserved_sql_name(name, "name").is_some());
            assert!(reserved_sql_name(&unreserved_fix(name, "name"), "name").is_none());
        }
        assert!(reserved_sql_name("pg_monitor2", "user").is_some());
        assert_eq!(unreserved_fix("pg_monitor2", "user"), "monitor2");
        assert_eq!(unreserved_fix("pg_", "user"), "app");
        assert!(reserved_sql_name("shop", "name").is_none());
        assert!(reserved_sql_name("pgshop", "user").is_none());
        // A database may be named like a reserved role, and a user like a reserved database.
        assert!(reserved_sql_name("pg_data", "name").is_none());
        assert!(reserved_sql_name("rdb", "user").is_none());
    }

    /// A reserved name is refused where it is written, and at `database:` when it is the
    /// default built from the project name (sweep 33, finding 3).
    #[test]
    fn reserved_database_names_are_refused_written_or_by_default() {
        let errors = |text: &str| -> Vec<String> {
            crate::pipeline::compile("environments.yaml", text.as_bytes(), false)
                .diagnostics
                .iter()
                .filter(|d| d.level == crate::diagnostics::Level::Error)
                .map(|d| format!("{} {}", d.code, d.message))
                .collect()
        };
        let starter = crate::init::starter("shop", "fr-par");
        assert!(errors(&starter).is_empty(), "{:#?}", errors(&starter));
        let from = "  database:\n";
        assert!(starter.contains(from));
        for (to, want) in [
            ("name: rdb", "database name `rdb` is reserved"),
            ("name: postgres", "database name `postgres` is reserved"),
            (
                "user: pg_monitor2",
                "database user `pg_monitor2` starts with `pg_`",
            ),
        ] {
            let text = starter.replacen(from, &format!("{from}    {to}\n"), 1);
            let found = errors(&text);
            assert!(
                found
                    .iter()
                    .any(|e| e.starts_with("TG020") && e.contains(want)),
                "{to}: {found:#?}"
            );
        }
        let found = errors(&crate::init::starter("postgres", "fr-par"));
        assert!(
            found.iter().any(|e| e.starts_with("TG020")
                && e.contains("`postgres` is reserved")
                && e.contains("the default")),
            "{found:#?}"
        );
    }

    /// Boundary values of names: tofugen accepts one only when the modules it reaches do.
    const NAMES: &[&str] = &[
        "a", "ab", "a1", "a-b", "a-", "-a", "a--b", "a_b", "A", "1a", "a.b", "", "a-1-b", "_a",
        "aé", "a b",
    ];

    /// Service and environment names (schema [`crate::schema_check::NAME_PATTERN`]) and the
    /// project name ([`valid_name`]) against every module that takes a name built from them,
    /// and database users, database names and secret names against theirs: change either side
    /// alone and this fails.
    #[test]
    fn names_agree_with_the_modules_validations() {
        let schema = regex::Regex::new(crate::schema_check::NAME_PATTERN).expect("pattern");
        let long = "a".repeat(64);
        let mut names: Vec<&str> = NAMES.to_vec();
        names.push(&long);
        for (module, variable, max) in [
            ("service", "name", 63),
            ("containers", "name", 63),
            ("database", "name", 63),
            ("registry", "name", 63),
            ("iam", "project_name", 50),
            ("backups", "name", 55),
        ] {
            let re = crate::policy::tests::module_regex(module, variable);
            for name in &names {
                // tofugen's names start with a letter (HCL identifiers): stricter by design.
                let module_ok = re.is_match(name) && name.len() <= max;
                let starts = name.starts_with(|c: char| c.is_ascii_lowercase());
                // The lengths are checked on the names built from them (`<project>-<env>-...`).
                let unbounded = re.is_match(name) && starts;
                assert_eq!(
                    valid_name(name),
                    unbounded,
                    "valid_name vs modules/{module}: {name:?}"
                );
                assert_eq!(
                    schema.is_match(name),
                    unbounded,
                    "schema vs modules/{module}: {name:?}"
                );
                assert_eq!(
                    valid_module_name(name, max),
                    module_ok,
                    "{name:?} vs modules/{module} {variable}"
                );
            }
        }
        let user = crate::policy::tests::module_regex("database", "user_name");
        let db_name = crate::policy::tests::module_regex("database", "database_name");
        let (u57, u58) = ("u".repeat(57), "u".repeat(58));
        let (n63, n64) = ("n".repeat(63), "n".repeat(64));
        for v in [
            "shop", "_shop", "1shop", "shop_1", "Shop", "sh-op", "", &u57, &u58, &n63, &n64,
        ] {
            let sql = valid_sql_identifier(v);
            let as_user = sql && v.len() <= limits::DATABASE_USER && !v.starts_with('_');
            assert_eq!(as_user, user.is_match(v), "database user {v:?}");
            assert_eq!(sql, db_name.is_match(v), "database name {v:?}");
        }
        let secret = crate::policy::tests::module_regex("secrets", "operator_secrets");
        let domain = crate::schema_check::domains::find("secret-name").expect("domain");
        let domain_ok = |v: &str| domain.validate(v).is_ok();
        let (s100, s101) = ("S".repeat(100), "S".repeat(101));
        let (s255, s256) = ("S".repeat(255), "S".repeat(256));
        for v in [
            "API_KEY", "_API_KEY", "1KEY", "K", &s100, &s101, &s255, &s256,
        ] {
            // Secret names are also environment variable names: uppercase only, by design, and
            // at most 100 characters (modules/service below); Secret Manager takes 255.
            assert_eq!(
                domain_ok(v),
                secret.is_match(v)
                    && !v.starts_with(|c: char| c.is_ascii_digit())
                    && v.len() <= 100,
                "secret {v:?}"
            );
        }
        // Environment variable and secret names are keys of the container's
        // `environment_variables` and `secret_environment_variables`, which the provider bounds
        // to 100 characters (v2.81.0 internal/services/container/container.go:81,92:
        // `validation.MapKeyLenBetween(0, 100)`); modules/service says so in its patterns.
        let (a100, a101) = ("A".repeat(100), "A".repeat(101));
        for (name, variable) in [
            ("env-var-name", "environment_variables"),
            ("secret-name", "secret_ids"),
        ] {
            let domain = crate::schema_check::domains::find(name).expect("domain");
            let module = crate::policy::tests::module_regex("service", variable);
            for v in ["A", "_A", "A_1", "1A", "a", "A-B", "", &a100, &a101] {
                // Uppercase only, by design: never laxer than the module.
                assert!(
                    domain.validate(v).is_err() || module.is_match(v),
                    "{name} {v:?} vs modules/service {variable}"
                );
            }
            assert!(
                module.is_match(&a100) && !module.is_match(&a101),
                "{variable}"
            );
            assert!(domain.validate(&a100).is_ok(), "{name}");
            assert!(domain.validate(&a101).is_err(), "{name}");
        }
    }
}
