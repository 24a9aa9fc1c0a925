# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {}

# The key secrets are created by modules/iam (bootstrap root); here they are looked up.
override_data {
  target = data.scaleway_secret.access_key
  values = {
    id = "fr-par/aaaaaaaa-bbbb-cccc-dddd-000000000001"
  }
}

override_data {
  target = data.scaleway_secret.secret_key
  values = {
    id = "fr-par/aaaaaaaa-bbbb-cccc-dddd-000000000002"
  }
}

variables {
  name          = "evalap-production-backup"
  region        = "fr-par"
  project_id    = "11111111-2222-3333-4444-555555555555"
  instance_id   = "fr-par/99999999-8888-7777-6666-555555555555"
  database_name = "evalap"
  cli_image     = "scaleway/cli:v2.61.0"
  timezone      = "Europe/Paris"
  weekly        = { schedule = "0 3 * * 0", retention_days = 90 }
  monthly       = { schedule = "0 4 1 * *", retention_days = 365 }
  secret_path   = "/evalap/production"
}

run "one_job_per_tier" {
  assert {
    condition     = length(output.job_names) == 2 && output.job_names["weekly"] == "evalap-production-backup-weekly" && output.job_names["monthly"] == "evalap-production-backup-monthly"
    error_message = "job names must be <name>-<tier>"
  }

  assert {
    condition     = scaleway_job_definition.backup["weekly"].cron[0].schedule == "0 3 * * 0" && scaleway_job_definition.backup["weekly"].cron[0].timezone == "Europe/Paris"
    error_message = "the weekly job must run on the weekly schedule in var.timezone"
  }

  assert {
    condition     = scaleway_job_definition.backup["monthly"].image_uri == "scaleway/cli:v2.61.0"
    error_message = "jobs must run the pinned CLI image"
  }
}

run "backup_command" {
  assert {
    condition     = scaleway_job_definition.backup["weekly"].startup_command == tolist(["/bin/sh", "-c"])
    error_message = "the command runs in a shell (date-stamped name)"
  }

  assert {
    condition     = scaleway_job_definition.backup["weekly"].args[0] == "/scw rdb backup create region=fr-par instance-id=99999999-8888-7777-6666-555555555555 database-name=evalap name=weekly-$(date +%F) expires-at=+90d --wait"
    error_message = "weekly: backup create with the bare instance UUID, a dated name and a 90-day expiry"
  }

  assert {
    condition     = strcontains(scaleway_job_definition.backup["monthly"].args[0], "name=monthly-$(date +%F) expires-at=+365d --wait")
    error_message = "monthly: dated name and a 365-day expiry"
  }
}

run "credentials" {
  assert {
    condition = alltrue([for j in scaleway_job_definition.backup : toset([for r in j.secret_reference : "${r.environment}=${r.secret_id}@${r.secret_version}"]) == toset([
      "SCW_ACCESS_KEY=aaaaaaaa-bbbb-cccc-dddd-000000000001@latest",
      "SCW_SECRET_KEY=aaaaaaaa-bbbb-cccc-dddd-000000000002@latest",
    ])])
    error_message = "every job must take both keys from Secret Manager (bare secret UUIDs, latest version)"
  }

  assert {
    condition     = data.scaleway_secret.access_key.name == "backup-scw-access-key" && data.scaleway_secret.secret_key.name == "backup-scw-secret-key" && data.scaleway_secret.secret_key.path == "/evalap/production" && data.scaleway_secret.secret_key.project_id == var.project_id
    error_message = "the key secrets are looked up by their well-known names under secret_path in the environment project"
  }

  assert {
    condition     = keys(scaleway_job_definition.backup["weekly"].env) == tolist(["SCW_DEFAULT_PROJECT_ID", "SCW_DEFAULT_REGION"]) && scaleway_job_definition.backup["weekly"].env["SCW_DEFAULT_PROJECT_ID"] == var.project_id
    error_message = "only the project and region are plain env vars: no key may be one"
  }
}

run "custom_secret_names" {
  command = plan

  variables {
    access_key_secret_name = "ak"
    secret_key_secret_name = "sk"
  }

  assert {
    condition     = data.scaleway_secret.access_key.name == "ak" && data.scaleway_secret.secret_key.name == "sk"
    error_message = "the secret names are inputs"
  }
}

run "weekly_only" {
  variables {
    monthly = null
  }

  assert {
    condition     = length(output.job_definition_ids) == 1 && contains(keys(output.job_definition_ids), "weekly")
    error_message = "a null tier must create no job"
  }
}

run "rejects_latest_cli_image" {
  command = plan

  variables {
    cli_image = "scaleway/cli:latest"
  }

  expect_failures = [var.cli_image]
}

run "rejects_six_field_cron" {
  command = plan

  variables {
    weekly = { schedule = "0 0 3 * * 0", retention_days = 90 }
  }

  expect_failures = [var.weekly]
}

run "rejects_short_monthly_retention" {
  command = plan

  variables {
    monthly = { schedule = "0 4 1 * *", retention_days = 7 }
  }

  expect_failures = [var.monthly]
}

run "rejects_relative_secret_path" {
  command = plan

  variables {
    secret_path = "evalap/production/"
  }

  expect_failures = [var.secret_path]
}
