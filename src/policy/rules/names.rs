//! Names that become Scaleway resource names, HCL identifiers, SQL identifiers and bucket names.

use crate::diagnostics::Level;
use crate::policy::{
    Checker, ENV, Place, Rule, Safety, limits, name_fix, valid_bucket, valid_name,
};
use crate::resolve::{ResolvedEnvironment, ResolvedService};

/// TG020: valid resource, HCL and SQL names.
pub const TG020: Rule = Rule {
    code: "TG020",
    name: "resource-names",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "names are valid: project `^[a-z][a-z0-9-]*$`, `<project>-<env>-<service>` <= 63 chars, database name and user are PostgreSQL identifiers",
    rationale: "names become Scaleway resource names, HCL identifiers and SQL identifiers",
    bad: "defaults:\n  database:\n    name: demo-app\n",
    good: "defaults:\n  database:\n    name: demo_app\n",
};

/// TG022: state bucket names are S3 bucket names.
pub const TG022: Rule = Rule {
    code: "TG022",
    name: "state-bucket-name",
    level: Level::Error,
    safety: Safety::Ordinary,
    title: "state bucket names are valid S3 bucket names (3-63 chars, lowercase, digits, `-` and `.`)",
    rationale: "Object Storage rejects other names at bootstrap time",
    bad: "defaults:\n  state:\n    bucket: \"Demo_State_{env}\"\n",
    good: "defaults:\n  state:\n    bucket: \"demo-tfstate-{env}\"\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG020, TG022];

/// A PostgreSQL identifier that needs no quoting.
pub(crate) fn valid_sql_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
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
            "lowercase letters, digits and `-`, starting with a letter",
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
    if !valid_bucket(&env.state.bucket) {
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
    if !valid_name(&env.name) {
        let place = c.env_place(env);
        c.push(
            &TG020,
            Some(env),
            place,
            format!(
                "environment name `{}` is not a valid resource name",
                env.name
            ),
            "lowercase letters, digits and `-`, starting with a letter",
            "rename the environment",
        );
    }
    if env.scaleway_project.is_empty() || env.scaleway_project.len() > 64 {
        let place = c.option_at(&env.name, "scaleway_project");
        c.push(
            &TG020,
            Some(env),
            place,
            format!(
                "Scaleway project name of {ENV} is {} characters long",
                env.scaleway_project.len()
            ),
            "1 to 64 characters",
            format!("use `scaleway_project: {project}-{}`", env.name),
        );
    }
}

/// The service's resource name.
pub(crate) fn service(c: &mut Checker<'_>, env: &ResolvedEnvironment, s: &ResolvedService) {
    // `<project>-<environment>-<service>`, measured before it is built: most names fit.
    let length = c.resolved.project.len() + env.name.len() + s.name.len() + 2;
    if length > limits::RESOURCE_NAME {
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
}

/// The database name and user.
pub(crate) fn database(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    let Some(db) = &env.database else {
        return;
    };
    for (field, value) in [("name", &db.name), ("user", &db.user)] {
        if !valid_sql_identifier(value) {
            let path = format!("database.{field}");
            let place = if c.written(env, &path) {
                c.at(env, &path)
            } else {
                Place::new(path, c.key_at(env, "database").span)
            };
            c.push(
                &TG020,
                Some(env),
                place,
                format!("database {field} `{value}` is not a plain PostgreSQL identifier"),
                "lowercase letters, digits and `_`, starting with a letter or `_`, at most 63 characters",
                format!(
                    "set `{field}: {}` under `database`",
                    value.to_ascii_lowercase().replace('-', "_")
                ),
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
}
