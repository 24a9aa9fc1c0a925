# Weekly and monthly logical backups of the application database, kept longer than the
# instance's automatic daily backups (modules/database). Each tier is a Serverless Job on a cron
# schedule running the pinned Scaleway CLI image with backup.sh (next to this file): one backup
# named <tier>-YYYY-MM-DD per day, reused across retries, and a job run that fails unless that
# backup is `ready`.
#
# The jobs live in the environment's *backup project* (the scaleway provider given to this
# module), not in the environment project: their API key may manage the environment's
# databases, and the environment's CI planner can read every secret of the environment
# project (it must, to plan containers). In the backup project only the key's own secrets
# exist, and the planner cannot read secret data there. The key (IAM application
# "<project>-backup", RelationalDatabasesFullAccess on the environment project only) and its two
# secrets are created by the human-applied bootstrap root; they are looked up here and
# referenced natively by the jobs. The jobs call the public Scaleway API (Serverless Jobs have
# no Private Network).

locals {
  tiers = { for tier, t in { weekly = var.weekly, monthly = var.monthly } : tier => t if t != null }

  instance_uuid = reverse(split("/", var.instance_id))[0]
  script        = file("${path.module}/backup.sh")
}

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
  project_id  = var.project_id
  description = "${title(each.key)} logical backup of ${var.database_name}, kept ${each.value.retention_days} days"

  image_uri              = var.cli_image
  cpu_limit              = 140
  memory_limit           = 256
  local_storage_capacity = 1000
  timeout                = "${var.timeout_minutes}m"

  # `startup_command` + `args` (the deprecated `command` is not used). The script reads every
  # value from `env`: nothing from the configuration is pasted into shell code.
  startup_command = ["/bin/sh", "-c"]
  args            = [local.script]

  env = {
    TIER                   = each.key
    INSTANCE_ID            = local.instance_uuid
    DATABASE_NAME          = var.database_name
    RETENTION_DAYS         = tostring(each.value.retention_days)
    WAIT_TIMEOUT           = "${var.timeout_minutes - 10}m"
    SCW_DEFAULT_PROJECT_ID = var.database_project_id
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

  # A retry finds the day's backup and waits for it, or replaces it if it failed.
  retry_policy {
    max_retries = 2
  }
}
