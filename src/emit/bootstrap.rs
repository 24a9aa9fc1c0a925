//! Emits `generated/bootstrap/`: the root a human applies once, with local (encrypted) state,
//! that creates per environment everything CI needs before its first run and cannot create
//! itself: the Scaleway project, the state bucket, the registry namespace (images are pushed
//! before the first apply), the operator secrets (empty: humans store their values before the
//! first deploy), the CI IAM applications and, with weekly/monthly backups, the backup project
//! with the backup jobs' API key; plus a README saying how to apply it, where the CI
//! credentials go and which secret values to store.

use super::GeneratedFile;
use super::hcl::{Block, Body, Expr, render};
use super::markdown::{code, code_in_text, row, text};
use super::roots::{
    BACKUP_ACCESS_KEY_SECRET, BACKUP_SECRET_KEY_SECRET, backup_project_name, encryption,
    has_backup_jobs, module_source, operator_secrets, required_providers, secret_path,
    state_passphrase_variable, uuid_variable,
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
/// GitHub environment variable holding an environment's backup project id.
pub const VARIABLE_BACKUP_PROJECT_ID: &str = "SCW_BACKUP_PROJECT_ID";
/// GitHub environment secret holding the registry reader key of the environment a promotion
/// copies images from.
pub const SECRET_SOURCE_SECRET_KEY: &str = "SOURCE_SCW_SECRET_KEY";

/// Whether another environment promotes releases from `env` (it then needs a registry reader).
pub fn is_promotion_source(resolved: &Resolved, env: &ResolvedEnvironment) -> bool {
    resolved
        .environments
        .iter()
        .any(|e| e.promote_from.as_deref() == Some(env.name.as_str()))
}

pub use crate::resolve::plan_environment;

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

/// How many files [`emit`] writes when there is an environment: five `.tf` files, a README and
/// the plan test (`tests/plan.tftest.hcl`, [`super::root_tests::emit_bootstrap`]).
pub const FILES: usize = 7;

/// The bootstrap root's files (none without an environment).
pub fn emit(resolved: &Resolved) -> Vec<GeneratedFile> {
    let header = super::header("#", &resolved.config_path);
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
    files.push((format!("{BOOTSTRAP_DIR}/README.md"), readme(resolved)));
    files.push(super::root_tests::emit_bootstrap(resolved));
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
        let tags = super::roots::tags(resolved, env);
        let path = secret_path(resolved, env);

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
            "Environment {}: its Scaleway project, state bucket, registry namespace, operator\n\
             secrets and CI credentials.",
            env.name
        ))
        .block(Block::new("resource", ["scaleway_account_project", &id]).with_body(project))
        .blank();

        let mut state = Body::new();
        state
            .attr("source", Expr::str(module_source(resolved, "state-bucket")))
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

        let mut registry = Body::new();
        registry
            .attr("source", Expr::str(module_source(resolved, "registry")))
            .blank()
            .attr("name", Expr::str(&env.registry_namespace))
            .attr("region", Expr::str(&env.region))
            .attr("project_id", Expr::raw(&project_ref));
        b.block(Block::new("module", [format!("registry_{id}")]).with_body(registry))
            .blank();

        let operator = operator_secrets(env);
        if !operator.is_empty() {
            let mut secrets = Body::new();
            secrets
                .attr("source", Expr::str(module_source(resolved, "secrets")))
                .blank()
                .attr("path", Expr::str(&path))
                .attr("region", Expr::str(&env.region))
                .attr("project_id", Expr::raw(&project_ref))
                .attr("protected", Expr::Bool(env.is_production()))
                .attr(
                    "operator_secrets",
                    Expr::Object(
                        operator
                            .iter()
                            .map(|s| {
                                (
                                    s.name.clone(),
                                    Expr::InlineObject(vec![(
                                        "description".to_string(),
                                        Expr::str(s.description.clone().unwrap_or_default()),
                                    )]),
                                )
                            })
                            .collect(),
                    ),
                )
                .attr("tags", Expr::strs(&tags));
            b.comment(
                "Empty secrets whose values a human stores before the first deploy (see README.md).",
            )
            .block(Block::new("module", [format!("secrets_{id}")]).with_body(secrets))
            .blank();
        }

        let backup_id = format!("{id}_backup");
        if has_backup_jobs(env) {
            let mut backup = Body::new();
            backup
                .attr("name", Expr::str(backup_project_name(env)))
                .attr(
                    "description",
                    Expr::str(format!(
                        "{} {} database backup jobs and their key (managed by tofugen)",
                        resolved.project, env.name
                    )),
                )
                .attr("organization_id", Expr::raw("var.organization_id"));
            b.comment(
                "The backup project: the weekly/monthly backup jobs and their API key, out of reach of\n\
                 the CI planner, which can read every secret of the environment project.",
            )
            .block(
                Block::new("resource", ["scaleway_account_project", &backup_id])
                    .with_body(backup),
            )
            .blank();
        }

        let mut iam = Body::new();
        iam.attr("source", Expr::str(module_source(resolved, "iam")))
            .blank()
            .attr("environment", Expr::str(&env.name))
            .attr("project_id", Expr::raw(&project_ref))
            .attr("project_name", Expr::str(&env.scaleway_project))
            .attr("organization_id", Expr::raw("var.organization_id"))
            .attr(
                "state_bucket",
                Expr::raw(format!("module.state_{id}.bucket_name")),
            )
            .attr("tags", Expr::strs(&tags));
        if is_promotion_source(resolved, env) {
            iam.attr("registry_reader", Expr::Bool(true));
        }
        if let Some(day) = &env.api_keys_expire_on {
            iam.comment(
                "`api_keys.expire_on`: every key below expires then. A new date replaces them all.",
            )
            .attr("api_key_expires_at", Expr::str(format!("{day}T00:00:00Z")));
        }
        if has_backup_jobs(env) {
            // An object, not a nullable ID: the backup project is created in this same apply,
            // so its ID is unknown while planning, and modules/iam decides what to create from
            // whether `backup` is null (known), never from the ID.
            iam.blank()
                .comment(
                    "API key of the backup jobs, stored in the backup project's Secret Manager.",
                )
                .attr("protected", Expr::Bool(env.is_production()))
                .attr(
                    "backup",
                    Expr::Object(vec![
                        (
                            "project_id".to_string(),
                            Expr::raw(format!("scaleway_account_project.{backup_id}.id")),
                        ),
                        ("region".to_string(), Expr::str(&env.region)),
                        ("secret_path".to_string(), Expr::str(&path)),
                        (
                            "access_key_secret_name".to_string(),
                            Expr::str(BACKUP_ACCESS_KEY_SECRET),
                        ),
                        (
                            "secret_key_secret_name".to_string(),
                            Expr::str(BACKUP_SECRET_KEY_SECRET),
                        ),
                    ]),
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
        if has_backup_jobs(env) {
            output(
                format!("{id}_backup_project_id"),
                format!(
                    "Backup project of {n}: GitHub variable {VARIABLE_BACKUP_PROJECT_ID} of environments {gh} and {plan}."
                ),
                format!("scaleway_account_project.{id}_backup.id"),
                false,
            );
        }
        output(
            format!("{id}_state_bucket"),
            format!("State bucket of {n}."),
            format!("module.state_{id}.bucket_name"),
            false,
        );
        output(
            format!("{id}_registry_endpoint"),
            format!("Registry namespace of {n}: CI pushes its images there."),
            format!("module.registry_{id}.endpoint"),
            false,
        );
        if !operator_secrets(env).is_empty() {
            output(
                format!("{id}_operator_secret_ids"),
                format!("The secrets of {n} whose values a human stores, by name."),
                format!("module.secrets_{id}.secret_ids"),
                false,
            );
        }
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
        if is_promotion_source(resolved, env) {
            output(
                format!("{id}_registry_reader_secret_key"),
                format!(
                    "Key that pulls {n}'s images: secret {SECRET_SOURCE_SECRET_KEY} of the GitHub environments that promote from {n}."
                ),
                format!("module.iam_{id}.registry_reader_secret_key"),
                true,
            );
        }
    }
    b
}

fn readme(resolved: &Resolved) -> String {
    let source = resolved.config_path.as_str();
    // In running text: a `|` in the path stays as it is.
    let source_code = code_in_text(source);
    let mut s = format!(
        "{header}\n\
         # Bootstrap: what CI needs before its first run\n\n\
         This root is applied **by a human**, before CI can deploy anything, and again when an\n\
         environment, an operator secret or a backup tier is added to {source_code}. It creates,\n\
         for every environment:\n\n\
         - a Scaleway project;\n\
         - the Object Storage bucket holding that environment's OpenTofu state (versioned,\n  \
           encrypted at rest);\n\
         - the Container Registry namespace: CI pushes the first images before its first apply;\n\
         - the *operator secrets*, empty: their values are stored by a human (below) before the\n  \
           first deploy, and every plan stops, naming them, while one is missing;\n\
         - two IAM applications scoped to that project only: a *deployer* (applies) and a\n  \
           read-only *planner* (plans on pull requests, without the state lock), each with an API key;\n\
         - for an environment promoted into another one, a *registry reader* key that pulls its\n  \
           images;\n\
         - for an environment with weekly/monthly database backups, a *backup project* holding the\n  \
           backup jobs and the API key they use (allowed to manage the environment's databases\n  \
           only). It is a separate project because the planner can read every secret of the\n  \
           environment project (it must, to plan the containers' secrets), and must not reach a\n  \
           key that can change a database.\n\n\
         Its own state is local (`terraform.tfstate` in this directory) and encrypted with a\n\
         passphrase. It contains the CI secret keys: keep it and the passphrase in a safe place\n\
         (password manager, encrypted backup), and never commit it (`generated/.gitignore`,\n\
         which tofugen writes, excludes it).\n\n\
         ## 1. Apply it\n\n\
         You need OpenTofu {opentofu} and an API key of an organization administrator; step 3\n\
         also needs the Scaleway CLI (`scw`) and `jq`.\n\n\
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
         That first plan, from an empty state, is `tests/plan.tftest.hcl`: `tofu test` runs it with\n\
         the real Scaleway provider, offline and without credentials (it creates nothing), in CI on\n\
         every pull request.\n\n\
         If the apply fails because a name is already taken: a state bucket's name is shared by\n\
         every user of Object Storage in its region, and a registry namespace's name is part of\n\
         its endpoint (`rg.<region>.scw.cloud/<name>`), so a short project name may collide with\n\
         another customer's (not tried here: no Scaleway account). Choose other names with the\n\
         templates `state: {{ bucket: ... }}` and `registry: {{ namespace: ... }}` under `defaults:`\n\
         in the configuration (`{{project}}` and `{{env}}` are replaced), run `tofugen generate`,\n\
         and apply again.\n\n\
         If it fails at the first API key: an Organization may enforce a maximum API key lifetime\n\
         (its security settings), and then refuses keys that never expire. Give the keys an\n\
         expiry within it, `api_keys: {{ expire_on: YYYY-MM-DD }}` under `defaults:` or an\n\
         environment, run `tofugen generate`, and apply again.\n\n\
         ## 2. Copy the CI credentials into GitHub\n\n\
         For every environment below, in the repository's *Settings → Environments*, create the\n\
         GitHub environments and set their secrets and variables. Read each value with\n\
         `tofu output -raw <output>` (secret keys are sensitive outputs: they are only printed when\n\
         asked for by name). The state passphrase of an environment is a new random value you choose\n\
         (e.g. `openssl rand -base64 32`); give the **same** value to both GitHub environments of\n\
         that environment, and keep a copy: without it, the state cannot be read.\n\n\
         Leave the repository's artifact retention (*Settings → Actions → General*) at 90 days, the\n\
         most GitHub keeps: each deployment is recorded as an artifact kept that long, and a shorter\n\
         retention (the repository's or the organization's) shortens the history the rollback reads\n\
         (`tofugen docs deploy-flow`, \"History\").\n",
        header = super::markdown_header(source),
        opentofu = code(&resolved.versions.opentofu),
    );
    for env in &resolved.environments {
        let id = env_ident(&env.name);
        let gh = code(&env.github_environment);
        let plan = code(&plan_environment(&env.github_environment));
        let name = text(&env.name);
        s.push_str(&format!(
            "\n### {name}\n\n\
             | GitHub environment | Kind | Name | Value |\n\
             |---|---|---|---|\n\
             | {gh} | secret | `{SECRET_ACCESS_KEY}` | `tofu output -raw {id}_deployer_access_key` |\n\
             | {gh} | secret | `{SECRET_SECRET_KEY}` | `tofu output -raw {id}_deployer_secret_key` |\n\
             | {gh} | secret | `{SECRET_STATE_PASSPHRASE}` | the state passphrase of {name} |\n\
             | {gh} | variable | `{VARIABLE_PROJECT_ID}` | `tofu output -raw {id}_project_id` |\n"
        ));
        if has_backup_jobs(env) {
            s.push_str(&format!(
                "| {gh} | variable | `{VARIABLE_BACKUP_PROJECT_ID}` | `tofu output -raw {id}_backup_project_id` |\n"
            ));
        }
        if let Some(from) = &env.promote_from {
            s.push_str(&format!(
                "| {gh} | secret | `{SECRET_SOURCE_SECRET_KEY}` | `tofu output -raw {}_registry_reader_secret_key` (pulls {}'s images) |\n",
                env_ident(from),
                text(from)
            ));
        }
        s.push_str(&format!(
            "| {plan} | secret | `{SECRET_ACCESS_KEY}` | `tofu output -raw {id}_planner_access_key` |\n\
             | {plan} | secret | `{SECRET_SECRET_KEY}` | `tofu output -raw {id}_planner_secret_key` |\n\
             | {plan} | secret | `{SECRET_STATE_PASSPHRASE}` | the state passphrase of {name} |\n\
             | {plan} | variable | `{VARIABLE_PROJECT_ID}` | `tofu output -raw {id}_project_id` |\n"
        ));
        if has_backup_jobs(env) {
            s.push_str(&format!(
                "| {plan} | variable | `{VARIABLE_BACKUP_PROJECT_ID}` | `tofu output -raw {id}_backup_project_id` |\n"
            ));
        }
        s.push_str(&format!(
            "\nDeployment branches of {gh}: the deploy branch only ({branch}).",
            branch = code(&resolved.ci.branch)
        ));
        if env.is_production() {
            s.push_str(&format!(
                " Protect {gh} with **required reviewers**: its credentials change production. Protect\n\
                 {plan} with required reviewers too: a production plan reads production's secrets\n\
                 (the plan computes the containers' secret variables), so only the people who approve\n\
                 it can plan production from a pull request.\n"
            ));
        } else {
            s.push('\n');
        }
    }
    if resolved.ci.app_repository_private
        && let Some(repo) = &resolved.ci.app_repository
        && let Some(head_env) = resolved.deploy_head()
    {
        s.push_str(&format!(
            "\n### The application repository\n\n\
             {repo} is private (`ci.app_repository_private`), and the workflow's own token reads only\n\
             this repository: add the secret `APP_REPOSITORY_TOKEN` to the GitHub environment {gh},\n\
             a fine-grained token (or a GitHub App's) with read-only *Contents* access to {repo} and\n\
             nothing else. The deploy workflow's jobs that check the application out run in {gh}.\n\
             Not as a repository secret: every run of the repository could read it, a pull\n\
             request's from one of its branches included.\n",
            repo = code_in_text(repo),
            gh = code(&head_env.github_environment),
        ));
    }
    let expiring: Vec<String> = resolved
        .environments
        .iter()
        .filter_map(|e| {
            e.api_keys_expire_on
                .as_ref()
                .map(|day| format!("{} on {}", code(&e.name), code(day)))
        })
        .collect();
    if !expiring.is_empty() {
        s.push_str(&format!(
            "\nThe API keys expire (`api_keys.expire_on`): those of {}, at 00:00 UTC. Nothing\n\
             renews them and nothing alerts before: CI's deploys and plans, the promotions and the\n\
             backup jobs fail from that day. Before it, either:\n\n\
             - set a later day, run `tofugen generate`, apply this root, and update the GitHub\n  \
               secrets above: the provider replaces every key of the environment (a new\n  \
               `expires_at` forces a new key; the new one is created before the old one is\n  \
               deleted, and the backup key's secrets are rewritten);\n\
             - or keep the keys: move each one's expiry with `scw iam api-key update <access-key>\n  \
               expires-at=<day>T00:00:00Z` (Scaleway's API changes it in place), then set the same\n  \
               day in the configuration, so that this root's plan has nothing to replace (not\n  \
               tried without a Scaleway account: check that the plan shows no change).\n",
            expiring.join(", ")
        ));
    }
    s.push_str(
        "\nThen clear your shell history of the values and delete any copy outside the password\n\
         manager. To rotate a CI key, taint its `scaleway_iam_api_key` in this root, apply, and\n\
         update the GitHub secrets. Rotating a backup key (`scaleway_iam_api_key.backup`) needs\n\
         no copy: new secret versions are written and the jobs read the latest one. **Rotate an\n\
         environment's backup key whenever you rotate its deployer key:** the deployer defines the\n\
         backup jobs, which receive the backup key, so a leaked deployer key can obtain it (see\n\
         `tofugen docs security`).\n\n\
         ## 3. Store the operator secrets\n\n\
         These secrets hold values only a human has (API keys of other services). Store each one\n\
         once, before the first deploy: until then, every plan of the environment stops with one\n\
         error per empty secret, naming it and this command. The value is read from a file, so it\n\
         never lands in your shell history. The `*_operator_secret_ids` outputs hold regional IDs\n\
         (`<region>/<uuid>`), and `scw` puts the ID it is given into the request path as it is:\n\
         the command keeps the UUID only (`split(\"/\") | last`).\n\n\
         `data=@FILE` stores the file byte for byte: a final newline, which `echo` and most\n\
         editors add, becomes part of the secret, and the container gets it in its environment\n\
         variable (an API key ending in a newline is not a valid HTTP header value: a client may\n\
         raise, or drop the key). Write the file without one: for a one-line value,\n\
         `(umask 077; read -rs v && printf %s \"$v\" > FILE)` (nothing echoed, nothing in the\n\
         history); for a value of several lines (a JSON map), write it with an editor, then\n\
         `truncate -s -1 FILE` if it ends with a newline (`tail -c 1 FILE | od -c` shows the\n\
         last byte). Delete the file once stored.\n",
    );
    let mut any = false;
    for env in &resolved.environments {
        let operator = operator_secrets(env);
        if operator.is_empty() {
            continue;
        }
        any = true;
        let id = env_ident(&env.name);
        s.push_str(&format!(
            "\n### {}\n\n| Secret | What it is | Store it with |\n|---|---|---|\n",
            text(&env.name)
        ));
        for secret in operator {
            // One code span, its `|` escaped for the table. Secret names are identifiers (their
            // domain), so `.NAME` is a jq path and the command a valid shell line. The output
            // holds the regional ID (`fr-par/<uuid>`, modules/secrets); scw CLI v2.61.0 passes
            // a positional secret ID unchanged into `/secrets/{id}/versions`
            // (scaleway-sdk-go `CreateSecretVersion`), so only the UUID is given to it, as the
            // roots' own error message does (`trimprefix(self.id, ...)`, roots.rs).
            let command = format!(
                "scw secret version create \"$(tofu output -json {id}_operator_secret_ids | jq -r '.{} | split(\"/\") | last')\" region={} data=@FILE",
                secret.name, env.region,
            );
            s.push_str(&row(&[
                code(&secret.name),
                text(secret.description.as_deref().unwrap_or("")),
                code(&command),
            ]));
            s.push('\n');
        }
    }
    if !any {
        s.push_str("\nNo environment has operator secrets.\n");
    }
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

    /// The `module "iam_<env>"` block of the bootstrap root's `main`, braces included.
    fn iam_call(main: &str, env: &str) -> String {
        let start = main
            .find(&format!("module \"iam_{env}\" {{"))
            .expect("iam call");
        let len = main[start..].find("\n}\n").expect("closing brace");
        main[start..=start + len].to_string()
    }

    #[test]
    fn backup_project_only_for_environments_with_backup_jobs() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
        let yaml = std::fs::read(path).expect("read environments.yaml");
        let c = crate::pipeline::compile("environments.yaml", &yaml, true);
        assert!(!c.has_errors(), "{:#?}", c.diagnostics);
        let main = &c.files[&format!("{BOOTSTRAP_DIR}/main.tf")];
        let block = |env: &str| iam_call(main, env);
        let production = block("production");
        assert!(production.contains(
            "    project_id             = scaleway_account_project.production_backup.id\n"
        ));
        assert!(main.contains("resource \"scaleway_account_project\" \"production_backup\" {"));
        assert!(production.contains(&format!(
            "    secret_key_secret_name = \"{BACKUP_SECRET_KEY_SECRET}\"\n"
        )));
        assert!(!block("staging").contains("backup"));
        assert!(!main.contains("\"staging_backup\""));
        assert!(
            block("staging").contains("registry_reader = true"),
            "production promotes from staging"
        );
    }

    /// `api_keys.expire_on` reaches the environment's IAM call as an RFC 3339 time, inherited
    /// from `defaults` and overridden per environment; the README names each day and the
    /// rotation. Without it (EvalAP's configuration) no key expires and the README says nothing
    /// (sweep 57, H1-F2).
    #[test]
    fn api_keys_expire_when_asked() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
        let yaml = std::fs::read_to_string(path).expect("read environments.yaml");
        let compiled = |text: &str| {
            let c = crate::pipeline::compile("environments.yaml", text.as_bytes(), true);
            assert!(!c.has_errors(), "{:#?}", c.diagnostics);
            (
                c.files[&format!("{BOOTSTRAP_DIR}/main.tf")].clone(),
                c.files[&format!("{BOOTSTRAP_DIR}/README.md")].clone(),
            )
        };
        let (main, readme) = compiled(&yaml);
        assert!(!main.contains("api_key_expires_at"));
        assert!(!readme.contains("api_keys.expire_on`):"));
        let anchor = "defaults:\n";
        assert_eq!(yaml.matches(anchor).count(), 1);
        let expiring = yaml
            .replacen(
                anchor,
                "defaults:\n  api_keys: { expire_on: 2027-06-30 }\n",
                1,
            )
            .replacen(
                "  production:\n    tier: production\n",
                "  production:\n    tier: production\n    api_keys: { expire_on: 2027-03-31 }\n",
                1,
            );
        let (main, readme) = compiled(&expiring);
        let call = |env: &str| iam_call(&main, env);
        assert!(call("staging").contains("api_key_expires_at = \"2027-06-30T00:00:00Z\"\n"));
        assert!(call("production").contains("api_key_expires_at = \"2027-03-31T00:00:00Z\"\n"));
        assert!(
            readme.contains("those of `staging` on `2027-06-30`, `production` on `2027-03-31`"),
            "{readme}"
        );
    }
}
