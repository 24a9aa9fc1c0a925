# Runs offline with a mocked Scaleway provider (OpenTofu >= 1.12.2 for the mock-provider fix,
# opentofu/opentofu#4251). The script itself (backup.sh) is tested by tests/backup_job.rs.

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
  name                = "evalap-production-backup"
  region              = "fr-par"
  project_id          = "11111111-2222-3333-4444-555555555555"
  database_project_id = "66666666-7777-8888-9999-000000000000"
  instance_id         = "fr-par/99999999-8888-7777-6666-555555555555"
  database_name       = "evalap"
  cli_image           = "docker.io/scaleway/cli:v2.61.0"
  timezone            = "Europe/Paris"
  weekly              = { schedule = "0 3 * * 0", retention_days = 90 }
  monthly             = { schedule = "0 4 1 * *", retention_days = 365 }
  secret_path         = "/evalap/production"
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
    condition     = scaleway_job_definition.backup["monthly"].image_uri == "docker.io/scaleway/cli:v2.61.0"
    error_message = "jobs must run the pinned CLI image"
  }
}

run "backup_command" {
  assert {
    condition     = scaleway_job_definition.backup["weekly"].startup_command == tolist(["/bin/sh", "-c"]) && scaleway_job_definition.backup["weekly"].args == tolist([file("${path.module}/backup.sh")])
    error_message = "every job runs backup.sh, verbatim, in a shell"
  }

  assert {
    condition = scaleway_job_definition.backup["weekly"].env == tomap({
      TIER                   = "weekly"
      INSTANCE_ID            = "99999999-8888-7777-6666-555555555555"
      DATABASE_NAME          = "evalap"
      RETENTION_DAYS         = "90"
      WAIT_TIMEOUT           = "350m"
      SCW_DEFAULT_PROJECT_ID = "66666666-7777-8888-9999-000000000000"
      SCW_DEFAULT_REGION     = "fr-par"
    })
    error_message = "the script's inputs are plain env vars: tier, bare instance UUID, database, retention, wait timeout, and the database's project and region; no key"
  }

  assert {
    condition     = scaleway_job_definition.backup["monthly"].env["RETENTION_DAYS"] == "365" && scaleway_job_definition.backup["monthly"].timeout == "360m"
    error_message = "monthly: 365-day retention; the job outlives the script's wait"
  }

  assert {
    condition     = scaleway_job_definition.backup["weekly"].project_id == var.project_id
    error_message = "the jobs live in the backup project"
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
    error_message = "the key secrets are looked up by their well-known names under secret_path in the backup project"
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
    cli_image = "docker.io/scaleway/cli:latest"
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
