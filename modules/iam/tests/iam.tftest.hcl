# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {}

variables {
  environment  = "production"
  project_id   = "11111111-2222-3333-4444-555555555555"
  project_name = "evalap-production"
  state_bucket = "evalap-tfstate-production"
}

run "policies_are_project_scoped" {
  assert {
    condition = alltrue([
      for p in [scaleway_iam_policy.deployer, scaleway_iam_policy.planner] :
      length(p.rule) == 1 && p.rule[0].project_ids == tolist([var.project_id]) && p.rule[0].organization_id == null
    ])
    error_message = "every rule must target var.project_id only, never the organization"
  }

  assert {
    condition     = contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ContainersFullAccess") && length(scaleway_iam_policy.deployer.rule[0].permission_set_names) == 10
    error_message = "the deployer gets exactly the ten project-scoped permission sets"
  }

  assert {
    condition     = alltrue([for s in scaleway_iam_policy.planner.rule[0].permission_set_names : !endswith(s, "FullAccess")])
    error_message = "the planner must not get any FullAccess permission set"
  }

  assert {
    condition     = contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "SecretManagerSecretAccess") && contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "ObjectStorageObjectsDelete")
    error_message = "the planner needs secret access (data sources) and lock-file write/delete"
  }
}

run "keys_default_to_the_project" {
  assert {
    condition     = scaleway_iam_api_key.deployer.default_project_id == var.project_id && scaleway_iam_api_key.planner.default_project_id == var.project_id
    error_message = "API keys must default to the environment project (Object Storage uses it)"
  }

  assert {
    condition     = scaleway_iam_api_key.deployer.application_id == scaleway_iam_application.deployer.id && scaleway_iam_api_key.planner.application_id == scaleway_iam_application.planner.id
    error_message = "each key belongs to its own application"
  }
}

run "no_backup_credentials_by_default" {
  assert {
    condition     = length(scaleway_iam_application.backup) == 0 && length(scaleway_iam_api_key.backup) == 0 && length(scaleway_secret.backup) == 0
    error_message = "without backup_credentials, no backup application, key or secret"
  }

  assert {
    condition     = output.backup_application_id == null && output.backup_access_key == null && length(output.backup_secret_ids) == 0
    error_message = "backup outputs are null/empty without backup_credentials"
  }
}

run "backup_credentials" {
  variables {
    backup_credentials = true
    region             = "fr-par"
    secret_path        = "/evalap/production"
  }

  assert {
    condition     = length(scaleway_iam_policy.backup) == 1 && length(scaleway_iam_policy.backup[0].rule) == 1 && scaleway_iam_policy.backup[0].rule[0].project_ids == tolist([var.project_id]) && scaleway_iam_policy.backup[0].rule[0].permission_set_names == toset(["RelationalDatabasesFullAccess"]) && scaleway_iam_policy.backup[0].rule[0].organization_id == null
    error_message = "the backup application may only manage databases of var.project_id"
  }

  assert {
    condition     = scaleway_iam_policy.backup[0].application_id == scaleway_iam_application.backup[0].id && scaleway_iam_api_key.backup[0].application_id == scaleway_iam_application.backup[0].id && scaleway_iam_api_key.backup[0].default_project_id == var.project_id
    error_message = "the backup key belongs to the backup application and defaults to the environment project"
  }

  assert {
    condition     = scaleway_secret.backup["access_key"].name == "backup-scw-access-key" && scaleway_secret.backup["secret_key"].name == "backup-scw-secret-key"
    error_message = "the key secrets have the well-known names modules/backups looks up"
  }

  assert {
    condition     = alltrue([for s in scaleway_secret.backup : s.path == "/evalap/production" && s.project_id == var.project_id && s.region == "fr-par"])
    error_message = "the key secrets live under secret_path in the environment project, not the provider's default project"
  }

  assert {
    condition     = alltrue([for k, v in scaleway_secret_version.backup : v.secret_id == scaleway_secret.backup[k].id && v.data_wo_version == 1 && v.data_wo == null])
    error_message = "each key is written write-only into its own secret"
  }

  assert {
    condition     = output.backup_access_key == scaleway_iam_api_key.backup[0].access_key && length(output.backup_secret_ids) == 2
    error_message = "the access key and the secret ids are outputs (never the secret key)"
  }
}

run "backup_credentials_need_a_secret_path" {
  command = plan

  variables {
    backup_credentials = true
    region             = "fr-par"
  }

  expect_failures = [scaleway_iam_application.backup]
}

run "rejects_bad_project_id" {
  command = plan

  variables {
    project_id = "production"
  }

  expect_failures = [var.project_id]
}
