# Weekly and monthly logical backups of the application database, kept longer than the
# instance's automatic backups (modules/database). Each tier is a Serverless Job on a cron
# schedule running the pinned Scaleway CLI image:
#   scw rdb backup create ... name=<tier>-YYYY-MM-DD expires-at=+<retention>d --wait
# The job calls the public Scaleway API (Serverless Jobs have no Private Network), with the API
# key of a dedicated IAM application that may only manage databases of this project.
# This module creates no IAM resource and no secret: see data "scaleway_secret" below.

locals {
  tiers = { for tier, t in { weekly = var.weekly, monthly = var.monthly } : tier => t if t != null }

  instance_uuid = reverse(split("/", var.instance_id))[0]

  commands = {
    for tier, t in local.tiers : tier => join(" ", [
      "/scw rdb backup create",
      "region=${var.region}",
      "instance-id=${local.instance_uuid}",
      "database-name=${var.database_name}",
      "name=${tier}-$(date +%F)",
      "expires-at=+${t.retention_days}d",
      "--wait",
    ])
  }
}

# The API key (IAM application "<project>-backup", RelationalDatabasesFullAccess on this project
# only) is created by modules/iam in the human-applied bootstrap root: the CI deployer applying
# this module has no IAM rights. Its two halves are Secret Manager secrets with well-known names
# under secret_path; they are looked up here and referenced natively by the jobs.
data "scaleway_secret" "access_key" {
  name       = var.access_key_secret_name
  path       = var.secret_path
  region     = var.region
  project_id = var.project_id
}

data "scaleway_secret" "secret_key" {
  name       = var.secret_key_secret_name
  path       = var.secret_path
  region     = var.region
  project_id = var.project_id
}

resource "scaleway_job_definition" "backup" {
  for_each = local.tiers

  name        = "${var.name}-${each.key}"
  region      = var.region
  description = "${title(each.key)} logical backup of ${var.database_name}, kept ${each.value.retention_days} days"

  image_uri              = var.cli_image
  cpu_limit              = 140
  memory_limit           = 256
  local_storage_capacity = 1000
  timeout                = "2h"

  # `startup_command` + `args` (the deprecated `command` is not used). A shell is needed for the
  # date-stamped backup name.
  startup_command = ["/bin/sh", "-c"]
  args            = [local.commands[each.key]]

  env = {
    SCW_DEFAULT_PROJECT_ID = var.project_id
    SCW_DEFAULT_REGION     = var.region
  }

  # Native Secret Manager references: neither key appears in the job definition or the state.
  secret_reference {
    secret_id      = trimprefix(data.scaleway_secret.access_key.id, "${var.region}/")
    secret_version = "latest"
    environment    = "SCW_ACCESS_KEY"
  }

  secret_reference {
    secret_id      = trimprefix(data.scaleway_secret.secret_key.id, "${var.region}/")
    secret_version = "latest"
    environment    = "SCW_SECRET_KEY"
  }

  cron {
    schedule = each.value.schedule
    timezone = var.timezone
  }

  retry_policy {
    max_retries = 2
  }
}
