//! Emits `generated/bootstrap/`: the root a human applies once, with local (encrypted) state,
//! that creates per environment the Scaleway project, the state bucket, the CI IAM applications
//! and, with weekly/monthly backups, the backup jobs' API key (kept in the environment's Secret
//! Manager), plus a README saying how to apply it and where the CI credentials go.

use super::GeneratedFile;
use super::hcl::{Block, Body, Expr, render};
use super::roots::{
    BACKUP_ACCESS_KEY_SECRET, BACKUP_SECRET_KEY_SECRET, encryption, has_backup_jobs, module_source,
    required_providers, secret_path, state_passphrase_variable, uuid_variable,
};
use crate::resolve::{Resolved, ResolvedEnvironment};

/// Directory of the bootstrap root, relative to the repository root.
pub const BOOTSTRAP_DIR: &str = "generated/bootstrap";

/// GitHub environment secret holding an environment's access key.
pub const SECRET_ACCESS_KEY: &str = "SCW_ACCESS_KEY";
/// GitHub environment secret holding an environment's secret key.
pub const SECRET_SECRET_KEY: &str = "SCW_SECRET_KEY";
/// GitHub environment secret holding an environment's state passphrase.
pub const SECRET_STATE_PASSPHRASE: &str = "STATE_PASSPHRASE";
/// GitHub environment variable holding an environment's Scaleway project id.
pub const VARIABLE_PROJECT_ID: &str = "SCW_PROJECT_ID";

/// GitHub environment holding the read-only (planner) credentials of `github_environment`.
pub fn plan_environment(github_environment: &str) -> String {
    format!("{github_environment}-plan")
}

/// An HCL identifier for an environment name (block labels of resources and modules).
pub fn env_ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert_str(0, "env_");
    }
    s
}

/// The bootstrap files.
pub fn emit(resolved: &Resolved, source: &str) -> Vec<GeneratedFile> {
    let header = super::header("#", source);
    let Some(first) = resolved.environments.first() else {
        return Vec::new();
    };
    let parts = [
        ("versions.tf", versions(resolved)),
        ("providers.tf", providers(first)),
        ("variables.tf", variables()),
        ("main.tf", main(resolved)),
        ("outputs.tf", outputs(resolved)),
    ];
    let mut files: Vec<GeneratedFile> = parts
        .into_iter()
        .map(|(file, body)| (format!("{BOOTSTRAP_DIR}/{file}"), render(&header, &body)))
        .collect();
    files.push((
        format!("{BOOTSTRAP_DIR}/README.md"),
        readme(resolved, source),
    ));
    files
}

fn versions(resolved: &Resolved) -> Body {
    let mut terraform = Body::new();
    terraform
        .attr(
            "required_version",
            Expr::str(super::roots::REQUIRED_VERSION),
        )
        .blank()
        .block(required_providers(resolved))
        .blank()
        .comment(
            "No backend: local state, applied once by a human. It holds the CI secret keys, so it\n\
             is encrypted; keep terraform.tfstate and the passphrase safe, never commit them.",
        )
        .block(encryption());
    let mut b = Body::new();
    b.block(Block::plain("terraform").with_body(terraform));
    b
}

fn providers(first: &ResolvedEnvironment) -> Body {
    let mut p = Body::new();
    p.attr("region", Expr::str(&first.region))
        .attr("zone", Expr::str(&first.zone))
        .attr("organization_id", Expr::raw("var.organization_id"));
    let mut b = Body::new();
    b.block(Block::new("provider", ["scaleway"]).with_body(p));
    b
}

fn variables() -> Body {
    let mut b = Body::new();
    b.block(uuid_variable(
        "organization_id",
        "UUID of the Scaleway organization the environment projects are created in.",
        "organization_id",
    ))
    .blank()
    .block(state_passphrase_variable(
        "Passphrase encrypting the bootstrap's local state (at least 16 characters).",
    ));
    b
}

fn main(resolved: &Resolved) -> Body {
    let mut b = Body::new();
    for env in &resolved.environments {
        let id = env_ident(&env.name);
        let project_ref = format!("scaleway_account_project.{id}.id");

        let mut project = Body::new();
        project
            .attr("name", Expr::str(&env.scaleway_project))
            .attr(
                "description",
                Expr::str(format!(
                    "{} {} environment (managed by tofugen)",
                    resolved.project, env.name
                )),
            )
            .attr("organization_id", Expr::raw("var.organization_id"));
        b.comment(&format!(
            "Environment {}: its Scaleway project, state bucket and CI credentials.",
            env.name
        ))
        .block(Block::new("resource", ["scaleway_account_project", &id]).with_body(project))
        .blank();

        let mut state = Body::new();
        state
            .attr("source", Expr::str(module_source("state-bucket")))
            .blank()
            .attr("name", Expr::str(&env.state.bucket))
            .attr("region", Expr::str(&env.region))
            .attr("project_id", Expr::raw(&project_ref))
            .attr(
                "keep_versions_days",
                Expr::uint(env.state.keep_versions_days),
            )
            .attr(
                "tags",
                Expr::InlineObject(vec![
                    ("managed_by".to_string(), Expr::str("tofugen")),
                    ("project".to_string(), Expr::str(&resolved.project)),
                    ("environment".to_string(), Expr::str(&env.name)),
                ]),
            );
        b.block(Block::new("module", [format!("state_{id}")]).with_body(state))
            .blank();

        let mut iam = Body::new();
        iam.attr("source", Expr::str(module_source("iam")))
            .blank()
            .attr("environment", Expr::str(&env.name))
            .attr("project_id", Expr::raw(&project_ref))
            .attr("project_name", Expr::str(&env.scaleway_project))
            .attr("organization_id", Expr::raw("var.organization_id"))
            .attr(
                "state_bucket",
                Expr::raw(format!("module.state_{id}.bucket_name")),
            )
            .attr("tags", Expr::strs(super::roots::tags(resolved, env)));
        if has_backup_jobs(env) {
            iam.blank()
                .comment(
                    "API key of the weekly/monthly backup jobs, stored in the environment's Secret\n\
                     Manager where generated/<env> (modules/backups) reads it.",
                )
                .attr("backup_credentials", Expr::Bool(true))
                .attr("region", Expr::str(&env.region))
                .attr("secret_path", Expr::str(secret_path(resolved, env)))
                .attr(
                    "backup_access_key_secret_name",
                    Expr::str(BACKUP_ACCESS_KEY_SECRET),
                )
                .attr(
                    "backup_secret_key_secret_name",
                    Expr::str(BACKUP_SECRET_KEY_SECRET),
                );
        }
        b.block(Block::new("module", [format!("iam_{id}")]).with_body(iam))
            .blank();
    }
    b
}

fn outputs(resolved: &Resolved) -> Body {
    let mut b = Body::new();
    let mut output = |name: String, description: String, value: String, sensitive: bool| {
        let mut o = Body::new();
        o.attr("description", Expr::str(description))
            .attr("value", Expr::raw(value));
        if sensitive {
            o.attr("sensitive", Expr::Bool(true));
        }
        b.block(Block::new("output", [name]).with_body(o)).blank();
    };
    for env in &resolved.environments {
        let id = env_ident(&env.name);
        let n = &env.name;
        let gh = &env.github_environment;
        let plan = plan_environment(gh);
        output(
            format!("{id}_project_id"),
            format!(
                "Project of {n}: GitHub variable {VARIABLE_PROJECT_ID} of environments {gh} and {plan}."
            ),
            format!("scaleway_account_project.{id}.id"),
            false,
        );
        output(
            format!("{id}_state_bucket"),
            format!("State bucket of {n}."),
            format!("module.state_{id}.bucket_name"),
            false,
        );
        for (role, environment) in [("deployer", gh.clone()), ("planner", plan.clone())] {
            output(
                format!("{id}_{role}_access_key"),
                format!(
                    "{role} access key of {n}: secret {SECRET_ACCESS_KEY} of GitHub environment {environment}."
                ),
                format!("module.iam_{id}.{role}_access_key"),
                false,
            );
            output(
                format!("{id}_{role}_secret_key"),
                format!(
                    "{role} secret key of {n}: secret {SECRET_SECRET_KEY} of GitHub environment {environment}."
                ),
                format!("module.iam_{id}.{role}_secret_key"),
                true,
            );
        }
    }
    b
}

fn readme(resolved: &Resolved, source: &str) -> String {
    let mut s = format!(
        "<!-- Generated by tofugen from {source}. DO NOT EDIT. -->\n\
         <!-- Change {source} and run `cargo run -- generate` instead. -->\n\n\
         # Bootstrap: projects, state buckets and CI credentials\n\n\
         This root is applied **once, by a human**, before CI can deploy anything. It creates, for\n\
         every environment of `{source}`:\n\n\
         - a Scaleway project;\n\
         - the Object Storage bucket holding that environment's OpenTofu state (versioned,\n  \
           encrypted at rest);\n\
         - two IAM applications scoped to that project only: a *deployer* (applies) and a *planner*\n  \
           (read-only plans on pull requests), each with an API key;\n\
         - for an environment with weekly/monthly database backups, a third application allowed to\n  \
           manage that project's databases only, whose API key goes straight into the project's\n  \
           Secret Manager (secrets `{access}` and `{secret}` under the\n  \
           environment's secret path), where the backup jobs read it. The CI deployer has no IAM\n  \
           rights, so it cannot create that key itself.\n\n\
         Its own state is local (`terraform.tfstate` in this directory) and encrypted with a\n\
         passphrase. It contains the CI secret keys: keep it and the passphrase in a safe place\n\
         (password manager, encrypted backup), and never commit it.\n\n\
         ## Apply it\n\n\
         You need OpenTofu {opentofu} and an API key of an organization administrator.\n\n\
         ```sh\n\
         cd {BOOTSTRAP_DIR}\n\
         export SCW_ACCESS_KEY=...   # your own administrator key, not a CI key\n\
         export SCW_SECRET_KEY=...\n\
         export TF_VAR_organization_id=...   # Scaleway organization UUID\n\
         export TF_VAR_state_passphrase=...  # at least 16 characters, keep it safe\n\
         tofu init\n\
         tofu plan -out bootstrap.tfplan\n\
         tofu apply bootstrap.tfplan\n\
         ```\n\n\
         Run it again when an environment is added to `{source}`, or\n\
         gains weekly/monthly backups: the environment's plan reads the backup key secrets and\n\
         fails until they exist.\n\n\
         ## Copy the CI credentials into GitHub\n\n\
         For every environment below, in the repository's *Settings → Environments*, create the two\n\
         GitHub environments and set their secrets and variable. Read each value with\n\
         `tofu output -raw <output>` (secret keys are sensitive outputs: they are only printed when\n\
         asked for by name). The state passphrase of an environment is a new random value you choose\n\
         (e.g. `openssl rand -base64 32`); give the **same** value to both GitHub environments of\n\
         that environment, and keep a copy: without it, the state cannot be read.\n",
        opentofu = resolved.versions.opentofu,
        access = BACKUP_ACCESS_KEY_SECRET,
        secret = BACKUP_SECRET_KEY_SECRET,
    );
    for env in &resolved.environments {
        let id = env_ident(&env.name);
        let gh = &env.github_environment;
        let plan = plan_environment(gh);
        s.push_str(&format!(
            "\n### {name}\n\n\
             | GitHub environment | Kind | Name | Value |\n\
             |---|---|---|---|\n\
             | `{gh}` | secret | `{SECRET_ACCESS_KEY}` | `tofu output -raw {id}_deployer_access_key` |\n\
             | `{gh}` | secret | `{SECRET_SECRET_KEY}` | `tofu output -raw {id}_deployer_secret_key` |\n\
             | `{gh}` | secret | `{SECRET_STATE_PASSPHRASE}` | the state passphrase of {name} |\n\
             | `{gh}` | variable | `{VARIABLE_PROJECT_ID}` | `tofu output -raw {id}_project_id` |\n\
             | `{plan}` | secret | `{SECRET_ACCESS_KEY}` | `tofu output -raw {id}_planner_access_key` |\n\
             | `{plan}` | secret | `{SECRET_SECRET_KEY}` | `tofu output -raw {id}_planner_secret_key` |\n\
             | `{plan}` | secret | `{SECRET_STATE_PASSPHRASE}` | the state passphrase of {name} |\n\
             | `{plan}` | variable | `{VARIABLE_PROJECT_ID}` | `tofu output -raw {id}_project_id` |\n",
            name = env.name,
        ));
        if env.is_production() {
            s.push_str(&format!(
                "\nProtect `{gh}` with required reviewers: its credentials can change production.\n"
            ));
        }
    }
    s.push_str(
        "\nThen clear your shell history of the values and delete any copy outside the password\n\
         manager. To rotate a CI key, taint its `scaleway_iam_api_key` in this root, apply, and\n\
         update the GitHub secrets. Rotating a backup key (`scaleway_iam_api_key.backup`) needs\n\
         no copy: new secret versions are written and the jobs read the latest one.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_identifiers_are_valid_hcl_names() {
        assert_eq!(env_ident("production"), "production");
        assert_eq!(env_ident("eu.prod"), "eu_prod");
        assert_eq!(env_ident("2024"), "env_2024");
        assert!(super::super::hcl::is_identifier(&env_ident("é-1")));
    }

    #[test]
    fn backup_credentials_only_for_environments_with_backup_jobs() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
        let yaml = std::fs::read(path).expect("read environments.yaml");
        let c = crate::pipeline::compile("environments.yaml", &yaml, true);
        assert!(!c.has_errors(), "{:#?}", c.diagnostics);
        let main = &c.files[&format!("{BOOTSTRAP_DIR}/main.tf")];
        let block = |env: &str| {
            let start = main
                .find(&format!("module \"iam_{env}\" {{"))
                .expect("iam call");
            let len = main[start..].find("\n}\n").expect("closing brace");
            main[start..=start + len].to_string()
        };
        let production = block("production");
        assert!(production.contains("backup_credentials            = true\n"));
        assert!(production.contains("secret_path                   = \"/evalap/production\"\n"));
        assert!(production.contains(&format!(
            "backup_secret_key_secret_name = \"{BACKUP_SECRET_KEY_SECRET}\"\n"
        )));
        assert!(!block("staging").contains("backup_credentials"));
    }
}
