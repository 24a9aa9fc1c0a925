# Weekly and monthly logical backups of the application database, kept longer than the
# instance's automatic backups (modules/database). Each tier is a Serverless Job on a cron
# schedule running the pinned Scaleway CLI image:
#   scw rdb backup create ... name=<tier>-YYYY-MM-DD expires-at=+<retention>d --wait
# The job calls the public Scaleway API (Serverless Jobs have no Private Network), with the API
# key of a dedicated IAM application that may only manage databases of this project.

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

resource "scaleway_iam_application" "backup" {
  name        = var.name
  description = "Runs the ${join(" and ", keys(local.tiers))} database backup jobs of ${var.name}"
  tags        = var.tags
}

# Project-scoped only: the key can manage Managed Databases of this project and nothing else.
resource "scaleway_iam_policy" "backup" {
  name           = var.name
  description    = "Database backups of project ${var.project_id} only"
  application_id = scaleway_iam_application.backup.id
  tags           = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = ["RelationalDatabasesFullAccess"]
  }
}

resource "scaleway_iam_api_key" "backup" {
  application_id     = scaleway_iam_application.backup.id
  description        = "Credentials of the ${var.name} backup jobs"
  default_project_id = var.project_id
}

resource "scaleway_secret" "api_key" {
  name        = "${var.name}-secret-key"
  region      = var.region
  description = "Secret key of the ${var.name} IAM application, injected into the backup jobs as SCW_SECRET_KEY"
  tags        = var.tags
}

# Write-only: the key is copied into Secret Manager without a second copy in state. A new API
# key (replacement) writes a new version.
resource "scaleway_secret_version" "api_key" {
  secret_id       = scaleway_secret.api_key.id
  region          = var.region
  description     = "Secret key of API key ${scaleway_iam_api_key.backup.access_key}"
  data_wo         = scaleway_iam_api_key.backup.secret_key
  data_wo_version = 1

  lifecycle {
    replace_triggered_by = [scaleway_iam_api_key.backup.id]
  }
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
    SCW_ACCESS_KEY         = scaleway_iam_api_key.backup.access_key
    SCW_DEFAULT_PROJECT_ID = var.project_id
    SCW_DEFAULT_REGION     = var.region
  }

  # Native Secret Manager reference: the secret key never appears in the job definition.
  secret_reference {
    secret_id      = trimprefix(scaleway_secret.api_key.id, "${var.region}/")
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

  depends_on = [scaleway_secret_version.api_key, scaleway_iam_policy.backup]
}
