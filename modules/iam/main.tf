# CI credentials of one environment, created by the human-applied bootstrap root. Two IAM
# applications, each with one policy whose only rule is scoped to this environment's project
# (project_ids = [project_id]); nothing is granted organization-wide.
#
# * deployer: used by `tofu apply` on the main branch (GitHub environment with reviewers).
# * planner: used by `tofu plan` on pull requests: read-only, plus what planning needs.
# * backup (only with backup_credentials): the API key of the weekly/monthly backup jobs of
#   modules/backups, stored in this project's Secret Manager. It lives here because the
#   deployer has no IAM rights (IAM managers can grant themselves anything).

locals {
  # Apply rights on every product the environment root manages.
  deployer_permission_sets = [
    "ContainersFullAccess",
    "ServerlessJobsFullAccess",
    "RelationalDatabasesFullAccess",
    "SecretManagerFullAccess",
    "ContainerRegistryFullAccess",
    "ObjectStorageFullAccess",
    "ObservabilityFullAccess",
    "VPCFullAccess",
    "PrivateNetworksFullAccess",
    "IPAMReadOnly",
  ]

  planner_permission_sets = [
    # Read-only view of every product the environment root manages.
    "ContainersReadOnly",
    "ServerlessJobsReadOnly",
    "RelationalDatabasesReadOnly",
    "SecretManagerReadOnly",
    "ContainerRegistryReadOnly",
    "ObservabilityReadOnly",
    "VPCReadOnly",
    "PrivateNetworksReadOnly",
    "IPAMReadOnly",
    "ObjectStorageBucketsRead",
    # The plan reads secret values: modules/service uses data "scaleway_secret_version"
    # (SecretManagerReadOnly covers metadata only).
    "SecretManagerSecretAccess",
    # State: read it, and write/delete the `.tflock` object that `use_lockfile = true` creates
    # and removes around every plan. Permission sets cannot be narrowed to one object, so the
    # planner can also write other objects of this project's buckets; the state itself is
    # client-side encrypted and versioned. Drop these two and run `tofu plan -lock=false` to
    # avoid that, at the cost of unlocked plans.
    "ObjectStorageObjectsRead",
    "ObjectStorageObjectsWrite",
    "ObjectStorageObjectsDelete",
  ]
}

resource "scaleway_iam_application" "deployer" {
  name            = "${var.project_name}-ci-deployer"
  description     = "CI apply of the ${var.environment} environment (project ${var.project_name}, state bucket ${var.state_bucket})"
  organization_id = var.organization_id
  tags            = var.tags
}

resource "scaleway_iam_policy" "deployer" {
  name            = "${var.project_name}-ci-deployer"
  description     = "Apply rights on project ${var.project_name} only"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.deployer.id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = local.deployer_permission_sets
  }
}

resource "scaleway_iam_api_key" "deployer" {
  application_id     = scaleway_iam_application.deployer.id
  description        = "GitHub Actions, environment ${var.environment}: tofu apply"
  default_project_id = var.project_id
}

resource "scaleway_iam_application" "planner" {
  name            = "${var.project_name}-ci-planner"
  description     = "CI plan of the ${var.environment} environment (project ${var.project_name}, state bucket ${var.state_bucket})"
  organization_id = var.organization_id
  tags            = var.tags
}

resource "scaleway_iam_policy" "planner" {
  name            = "${var.project_name}-ci-planner"
  description     = "Read-only rights (plus secret access and state lock file) on project ${var.project_name} only"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.planner.id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = local.planner_permission_sets
  }
}

resource "scaleway_iam_api_key" "planner" {
  application_id     = scaleway_iam_application.planner.id
  description        = "GitHub Actions, environment ${var.environment}: tofu plan"
  default_project_id = var.project_id
}

resource "scaleway_iam_application" "backup" {
  count = var.backup_credentials ? 1 : 0

  name            = "${var.project_name}-backup"
  description     = "Weekly and monthly database backup jobs of the ${var.environment} environment (project ${var.project_name})"
  organization_id = var.organization_id
  tags            = var.tags

  lifecycle {
    precondition {
      condition     = var.region != null && var.secret_path != null
      error_message = "backup_credentials = true needs region and secret_path (where the backup key is stored)."
    }
  }
}

# Project-scoped only: the key can manage Managed Databases of this project and nothing else.
resource "scaleway_iam_policy" "backup" {
  count = var.backup_credentials ? 1 : 0

  name            = "${var.project_name}-backup"
  description     = "Database backups on project ${var.project_name} only"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.backup[0].id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = ["RelationalDatabasesFullAccess"]
  }
}

resource "scaleway_iam_api_key" "backup" {
  count = var.backup_credentials ? 1 : 0

  application_id     = scaleway_iam_application.backup[0].id
  description        = "Serverless Jobs of the ${var.environment} environment: database backups"
  default_project_id = var.project_id
}

locals {
  # Secrets modules/backups looks up by name under secret_path: secret name -> key attribute.
  backup_secrets = var.backup_credentials ? {
    access_key = {
      name        = var.backup_access_key_secret_name
      description = "Access key of the ${var.project_name}-backup IAM application (SCW_ACCESS_KEY of the backup jobs)"
    }
    secret_key = {
      name        = var.backup_secret_key_secret_name
      description = "Secret key of the ${var.project_name}-backup IAM application (SCW_SECRET_KEY of the backup jobs)"
    }
  } : {}
}

# In the environment's project (the provider of the bootstrap root has no default project).
resource "scaleway_secret" "backup" {
  for_each = local.backup_secrets

  name        = each.value.name
  path        = var.secret_path
  region      = var.region
  project_id  = var.project_id
  description = each.value.description
  tags        = var.tags
}

# Write-only: the key reaches Secret Manager without a copy in the secret version's state. A new
# API key (replacement, i.e. rotation) writes new versions; the jobs read "latest".
resource "scaleway_secret_version" "backup" {
  for_each = local.backup_secrets

  secret_id       = scaleway_secret.backup[each.key].id
  region          = var.region
  description     = "Written by the bootstrap root for API key ${scaleway_iam_api_key.backup[0].access_key}"
  data_wo         = each.key == "access_key" ? scaleway_iam_api_key.backup[0].access_key : scaleway_iam_api_key.backup[0].secret_key
  data_wo_version = 1

  lifecycle {
    replace_triggered_by = [scaleway_iam_api_key.backup[0].id]
  }
}
