# Runs offline with a mocked Scaleway provider (OpenTofu >= 1.12.2 for the mock-provider fix,
# opentofu/opentofu#4251). The provider validates IDs even when mocked: mocked applications get
# real-looking UUIDs.

mock_provider "scaleway" {
  mock_resource "scaleway_iam_application" {
    defaults = {
      id = "aaaaaaaa-0000-0000-0000-000000000001"
    }
  }

  mock_resource "scaleway_secret" {
    defaults = {
      id = "fr-par/bbbbbbbb-0000-0000-0000-000000000002"
    }
  }
}

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
    error_message = "without a backup project, every rule targets var.project_id only, never the organization"
  }

  assert {
    condition     = contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ContainersFullAccess") && length(scaleway_iam_policy.deployer.rule[0].permission_set_names) == 12
    error_message = "the deployer gets exactly the twelve project-scoped permission sets"
  }

  # The state's objects, not its bucket: no ObjectStorageFullAccess (which may delete the state
  # bucket or suspend its versioning), and no Serverless Jobs in the environment project (the
  # backup jobs live in the backup project).
  assert {
    condition     = !contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ObjectStorageFullAccess") && !contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ServerlessJobsFullAccess") && contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ObjectStorageObjectsDelete")
    error_message = "the deployer writes the state's objects and lock file, and nothing else of Object Storage or Serverless Jobs"
  }
}

# The planner can change nothing: no FullAccess, no object write or delete (no state, no lock
# file: plans run with -lock=false), nothing but reads.
run "the_planner_cannot_modify_anything" {
  assert {
    condition     = alltrue([for s in scaleway_iam_policy.planner.rule[0].permission_set_names : endswith(s, "ReadOnly") || endswith(s, "Read") || s == "SecretManagerSecretAccess"])
    error_message = "every planner permission set must be a read-only one"
  }

  assert {
    condition     = !contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "ObjectStorageObjectsWrite") && !contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "ObjectStorageObjectsDelete")
    error_message = "the planner must not write or delete objects (the state bucket)"
  }

  assert {
    condition     = contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "ObjectStorageObjectsRead") && contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "SecretManagerSecretAccess")
    error_message = "the planner reads the state and the secret versions the plan injects"
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

run "no_backup_or_reader_by_default" {
  assert {
    condition     = length(scaleway_iam_application.backup) == 0 && length(scaleway_iam_api_key.backup) == 0 && length(scaleway_secret.backup) == 0 && length(scaleway_iam_application.registry_reader) == 0
    error_message = "without a backup project, no backup application, key or secret; no registry reader unless asked"
  }

  assert {
    condition     = output.backup_application_id == null && output.backup_access_key == null && length(output.backup_secret_ids) == 0 && output.registry_reader_secret_key == null
    error_message = "backup and reader outputs are null/empty by default"
  }
}

run "backup_project" {
  variables {
    backup = {
      project_id  = "99999999-2222-3333-4444-555555555555"
      region      = "fr-par"
      secret_path = "/evalap/production"
    }
    protected = true
  }

  assert {
    condition     = length(scaleway_iam_policy.backup) == 1 && length(scaleway_iam_policy.backup[0].rule) == 1 && scaleway_iam_policy.backup[0].rule[0].project_ids == tolist([var.project_id]) && scaleway_iam_policy.backup[0].rule[0].permission_set_names == toset(["RelationalDatabasesFullAccess"])
    error_message = "the backup application may only manage databases of the environment project"
  }

  assert {
    condition     = alltrue([for s in scaleway_secret.backup : s.path == "/evalap/production" && s.project_id == var.backup.project_id && s.region == "fr-par" && s.protected])
    error_message = "the key secrets live in the backup project, protected, not in the environment project the planner can read"
  }

  assert {
    condition     = alltrue([for k, v in scaleway_secret_version.backup : v.secret_id == scaleway_secret.backup[k].id && v.data_wo_version == 1 && v.data_wo == null])
    error_message = "each key is written write-only into its own secret"
  }

  assert {
    condition     = length(scaleway_iam_policy.planner.rule) == 2 && scaleway_iam_policy.planner.rule[1].project_ids == tolist([var.backup.project_id]) && !contains(scaleway_iam_policy.planner.rule[1].permission_set_names, "SecretManagerSecretAccess") && alltrue([for s in scaleway_iam_policy.planner.rule[1].permission_set_names : endswith(s, "ReadOnly")])
    error_message = "in the backup project the planner reads metadata only: never the key's secret data"
  }

  assert {
    condition     = length(scaleway_iam_policy.deployer.rule) == 2 && scaleway_iam_policy.deployer.rule[1].project_ids == tolist([var.backup.project_id]) && contains(scaleway_iam_policy.deployer.rule[1].permission_set_names, "ServerlessJobsFullAccess")
    error_message = "the deployer manages the jobs of the backup project"
  }

  # Starting a job that reads Secret Manager takes SecretManagerSecretAccess (Scaleway's
  # Serverless Jobs docs, run-job.mdx); the planner still reads no secret data there.
  assert {
    condition     = contains(scaleway_iam_policy.deployer.rule[1].permission_set_names, "SecretManagerSecretAccess") && !contains(scaleway_iam_policy.planner.rule[1].permission_set_names, "SecretManagerSecretAccess")
    error_message = "the deployer can start the backup jobs, which read the backup key's secrets; the planner cannot read them"
  }

  assert {
    condition     = output.backup_access_key == scaleway_iam_api_key.backup[0].access_key && length(output.backup_secret_ids) == 2
    error_message = "the access key and the secret ids are outputs (never the secret key)"
  }
}

run "registry_reader" {
  variables {
    registry_reader = true
  }

  assert {
    condition     = scaleway_iam_policy.registry_reader[0].rule[0].permission_set_names == toset(["ContainerRegistryReadOnly"]) && scaleway_iam_policy.registry_reader[0].rule[0].project_ids == tolist([var.project_id])
    error_message = "the registry reader may only pull this environment's images"
  }
}

run "a_backup_project_needs_a_secret_path" {
  command = plan

  variables {
    backup = {
      project_id  = "99999999-2222-3333-4444-555555555555"
      region      = "fr-par"
      secret_path = null
    }
  }

  expect_failures = [var.backup]
}

run "rejects_bad_project_id" {
  command = plan

  variables {
    project_id = "production"
  }

  expect_failures = [var.project_id]
}

run "keys_never_expire_by_default" {
  command = plan

  assert {
    condition     = scaleway_iam_api_key.deployer.expires_at == null && scaleway_iam_api_key.planner.expires_at == null
    error_message = "without api_key_expires_at, the keys have no expiry"
  }
}

# An Organization that enforces a maximum API key lifetime refuses keys without an expiry
# (sweep 57, H1-F2): every key of the module takes the one given.
run "every_key_expires_when_asked" {
  variables {
    api_key_expires_at = "2027-06-30T00:00:00Z"
    registry_reader    = true
    backup = {
      project_id  = "99999999-2222-3333-4444-555555555555"
      region      = "fr-par"
      secret_path = "/evalap/production"
    }
  }

  assert {
    condition = alltrue([
      for k in [scaleway_iam_api_key.deployer, scaleway_iam_api_key.planner, scaleway_iam_api_key.backup[0], scaleway_iam_api_key.registry_reader[0]] :
      k.expires_at == "2027-06-30T00:00:00Z"
    ])
    error_message = "the deployer, planner, backup and registry reader keys all expire at api_key_expires_at"
  }
}

run "rejects_an_expiry_without_a_time" {
  command = plan

  variables {
    api_key_expires_at = "2027-06-30"
  }

  expect_failures = [var.api_key_expires_at]
}

run "rejects_an_expiry_on_no_day" {
  command = plan

  variables {
    api_key_expires_at = "2027-02-30T00:00:00Z"
  }

  expect_failures = [var.api_key_expires_at]
}
