# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {}

override_resource {
  target = scaleway_secret.api_key
  values = {
    id = "fr-par/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
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
    condition     = one(scaleway_job_definition.backup["weekly"].secret_reference).environment == "SCW_SECRET_KEY" && one(scaleway_job_definition.backup["weekly"].secret_reference).secret_version == "latest"
    error_message = "the secret key must come from Secret Manager as SCW_SECRET_KEY"
  }

  assert {
    condition     = one(scaleway_job_definition.backup["weekly"].secret_reference).secret_id == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    error_message = "the secret reference takes the bare secret UUID"
  }

  assert {
    condition     = !contains(keys(scaleway_job_definition.backup["weekly"].env), "SCW_SECRET_KEY") && scaleway_job_definition.backup["weekly"].env["SCW_DEFAULT_PROJECT_ID"] == var.project_id
    error_message = "the secret key must never be a plain env var"
  }

  assert {
    condition     = scaleway_iam_policy.backup.rule[0].project_ids == tolist([var.project_id]) && scaleway_iam_policy.backup.rule[0].permission_set_names == toset(["RelationalDatabasesFullAccess"]) && scaleway_iam_policy.backup.rule[0].organization_id == null
    error_message = "the backup application may only manage databases of var.project_id"
  }

  assert {
    condition     = scaleway_iam_api_key.backup.default_project_id == var.project_id
    error_message = "the API key defaults to the environment project"
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
