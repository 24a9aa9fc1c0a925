# CI credentials of one environment, created by the human-applied bootstrap root. Every policy
# rule is scoped to projects (project_ids); nothing is granted organization-wide, and no CI key
# has IAM rights (IAM managers can grant themselves anything).
#
# * deployer: `tofu apply` on the deploy branch (GitHub environment with reviewers in
#   production). Full access to the products the environment roots manage in the environment
#   project, and to the jobs and alerts of its backup project. Object Storage: the state's
#   objects only (read, write, and delete for the lock file) and the buckets' metadata; no right
#   to delete a bucket or change its versioning, lifecycle or policy. No Serverless Jobs: the
#   backup jobs live in the backup project.
# * planner: `tofu plan` on pull requests. Read-only everywhere. It can read the secret data of
#   the environment project (SecretManagerSecretAccess: the plan reads the secret versions that
#   modules/service injects into containers), and the objects of the project's buckets (the
#   state; permission sets cannot be narrowed to one bucket), but writes none (plans run with
#   -lock=false: it cannot write the lock file, the state, or anything else).
# * backup (with a backup project, var.backup): the API key of the weekly/monthly backup jobs, which may
#   manage the environment's databases. Its two halves are stored in the *backup project's*
#   Secret Manager, where the planner cannot read secret data: no plan can escalate to it.
# * registry reader (registry_reader = true): pulls images of this environment's registry, for
#   the promotion of this environment's releases into another environment.

locals {
  deployer_permission_sets = [
    "ContainersFullAccess",
    "RelationalDatabasesFullAccess",
    "SecretManagerFullAccess",
    "ContainerRegistryFullAccess",
    "ObjectStorageBucketsRead",
    "ObjectStorageObjectsRead",
    "ObjectStorageObjectsWrite",
    "ObjectStorageObjectsDelete",
    "ObservabilityFullAccess",
    "VPCFullAccess",
    "PrivateNetworksFullAccess",
    "IPAMReadOnly",
  ]

  # What the environment root manages in the backup project: the job definitions (which
  # reference the key secrets by ID), and the project's Cockpit alert manager and rules token.
  # SecretManagerSecretAccess: Scaleway's Serverless Jobs docs say a job "consumes data from
  # Secret Manager" only with it, and ServerlessJobsFullAccess to start it (docs-content
  # pages/serverless-jobs/how-to/run-job.mdx, "Permissions and product dependencies", since
  # docs-content#5955): without it the runbook's `scw jobs definition start` with this key
  # fails, and so may the scheduled runs of the jobs this key defines (whose rights a
  # scheduled run is checked against is not documented; not tried without an account). It
  # reaches no further: this key defines the jobs that receive the backup key already.
  deployer_backup_permission_sets = [
    "ServerlessJobsFullAccess",
    "SecretManagerReadOnly",
    "SecretManagerSecretAccess",
    "ObservabilityFullAccess",
  ]

  planner_permission_sets = [
    "ContainersReadOnly",
    "RelationalDatabasesReadOnly",
    "SecretManagerReadOnly",
    "SecretManagerSecretAccess",
    "ContainerRegistryReadOnly",
    "ObservabilityReadOnly",
    "VPCReadOnly",
    "PrivateNetworksReadOnly",
    "IPAMReadOnly",
    "ObjectStorageBucketsRead",
    "ObjectStorageObjectsRead",
  ]

  # Metadata only in the backup project: SecretManagerReadOnly "does not include permissions
  # for data (versions) accessing or editing" (Scaleway IAM permission sets reference).
  planner_backup_permission_sets = [
    "ServerlessJobsReadOnly",
    "SecretManagerReadOnly",
    "ObservabilityReadOnly",
  ]

  # Whether the backup application, key and secrets exist: decided by whether var.backup is
  # null, never by its project_id. The bootstrap root creates the backup project in the same
  # apply, so that ID is unknown while planning, and a count or for_each depending on it fails
  # the plan ("Invalid count argument"); the object itself is known.
  has_backup = var.backup != null
}

resource "scaleway_iam_application" "deployer" {
  name            = "${var.project_name}-ci-deployer"
  description     = "CI apply of the ${var.environment} environment (project ${var.project_name}, state bucket ${var.state_bucket})"
  organization_id = var.organization_id
  tags            = var.tags
}

resource "scaleway_iam_policy" "deployer" {
  name            = "${var.project_name}-ci-deployer"
  description     = "Apply rights on project ${var.project_name}${local.has_backup ? " and its backup project" : ""} only"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.deployer.id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = local.deployer_permission_sets
  }

  dynamic "rule" {
    for_each = local.has_backup ? [var.backup.project_id] : []
    content {
      project_ids          = [rule.value]
      permission_set_names = local.deployer_backup_permission_sets
    }
  }
}

resource "scaleway_iam_api_key" "deployer" {
  application_id     = scaleway_iam_application.deployer.id
  description        = "GitHub Actions, environment ${var.environment}: tofu apply"
  default_project_id = var.project_id
  expires_at         = var.api_key_expires_at

  # A new expires_at replaces the key (the provider forces it): the new key first, so that a
  # day Scaleway refuses leaves the old one working. OpenTofu makes what a key depends on
  # (its application) create-before-destroy too: only a replaced application (a -replace)
  # would then exist twice for a moment.
  lifecycle {
    create_before_destroy = true
  }
}

resource "scaleway_iam_application" "planner" {
  name            = "${var.project_name}-ci-planner"
  description     = "CI plan of the ${var.environment} environment (project ${var.project_name}, state bucket ${var.state_bucket})"
  organization_id = var.organization_id
  tags            = var.tags
}

resource "scaleway_iam_policy" "planner" {
  name            = "${var.project_name}-ci-planner"
  description     = "Read-only rights on project ${var.project_name}${local.has_backup ? " and its backup project" : ""}, plus the secret data the plan injects into containers"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.planner.id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = local.planner_permission_sets
  }

  dynamic "rule" {
    for_each = local.has_backup ? [var.backup.project_id] : []
    content {
      project_ids          = [rule.value]
      permission_set_names = local.planner_backup_permission_sets
    }
  }
}

resource "scaleway_iam_api_key" "planner" {
  application_id     = scaleway_iam_application.planner.id
  description        = "GitHub Actions, environment ${var.environment}: tofu plan"
  default_project_id = var.project_id
  expires_at         = var.api_key_expires_at

  # A new expires_at replaces the key (the provider forces it): the new key first, so that a
  # day Scaleway refuses leaves the old one working. OpenTofu makes what a key depends on
  # (its application) create-before-destroy too: only a replaced application (a -replace)
  # would then exist twice for a moment.
  lifecycle {
    create_before_destroy = true
  }
}

resource "scaleway_iam_application" "backup" {
  count = local.has_backup ? 1 : 0

  name            = "${var.project_name}-backup"
  description     = "Weekly and monthly database backup jobs of the ${var.environment} environment (project ${var.project_name})"
  organization_id = var.organization_id
  tags            = var.tags
}

# The key can manage the databases of the environment project and nothing else.
resource "scaleway_iam_policy" "backup" {
  count = local.has_backup ? 1 : 0

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
  count = local.has_backup ? 1 : 0

  application_id     = scaleway_iam_application.backup[0].id
  description        = "Serverless Jobs of the ${var.environment} environment: database backups"
  default_project_id = var.project_id
  expires_at         = var.api_key_expires_at

  # A new expires_at replaces the key (the provider forces it): the new key first, so that a
  # day Scaleway refuses leaves the old one working. OpenTofu makes what a key depends on
  # (its application) create-before-destroy too: only a replaced application (a -replace)
  # would then exist twice for a moment.
  lifecycle {
    create_before_destroy = true
  }
}

locals {
  # Secrets modules/backups looks up by name under backup.secret_path in the backup project.
  backup_secrets = local.has_backup ? {
    access_key = {
      name        = var.backup.access_key_secret_name
      description = "Access key of the ${var.project_name}-backup IAM application (SCW_ACCESS_KEY of the backup jobs)"
    }
    secret_key = {
      name        = var.backup.secret_key_secret_name
      description = "Secret key of the ${var.project_name}-backup IAM application (SCW_SECRET_KEY of the backup jobs)"
    }
  } : {}
}

resource "scaleway_secret" "backup" {
  for_each = local.backup_secrets

  name        = each.value.name
  path        = var.backup.secret_path
  region      = var.backup.region
  project_id  = var.backup.project_id
  description = each.value.description
  protected   = var.protected
  tags        = var.tags
}

# Write-only: the key reaches Secret Manager without a copy in the secret version's state. A new
# API key (replacement, i.e. rotation) writes new versions; the jobs read "latest".
resource "scaleway_secret_version" "backup" {
  for_each = local.backup_secrets

  secret_id       = scaleway_secret.backup[each.key].id
  region          = var.backup.region
  description     = "Written by the bootstrap root for API key ${scaleway_iam_api_key.backup[0].access_key}"
  data_wo         = each.key == "access_key" ? scaleway_iam_api_key.backup[0].access_key : scaleway_iam_api_key.backup[0].secret_key
  data_wo_version = 1

  # Replaced with the key, and created before the old versions are deleted (as the key is): a
  # key Scaleway refuses leaves the jobs' latest version, the old key's, in place.
  lifecycle {
    replace_triggered_by  = [scaleway_iam_api_key.backup[0].id]
    create_before_destroy = true
  }
}

resource "scaleway_iam_application" "registry_reader" {
  count = var.registry_reader ? 1 : 0

  name            = "${var.project_name}-registry-reader"
  description     = "Pulls the images of ${var.project_name} to promote them into another environment"
  organization_id = var.organization_id
  tags            = var.tags
}

resource "scaleway_iam_policy" "registry_reader" {
  count = var.registry_reader ? 1 : 0

  name            = "${var.project_name}-registry-reader"
  description     = "Read-only Container Registry of project ${var.project_name}"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.registry_reader[0].id
  tags            = var.tags

  rule {
    project_ids          = [var.project_id]
    permission_set_names = ["ContainerRegistryReadOnly"]
  }
}

resource "scaleway_iam_api_key" "registry_reader" {
  count = var.registry_reader ? 1 : 0

  application_id     = scaleway_iam_application.registry_reader[0].id
  description        = "GitHub Actions: pull ${var.project_name} images for promotion"
  default_project_id = var.project_id
  expires_at         = var.api_key_expires_at

  # A new expires_at replaces the key (the provider forces it): the new key first, so that a
  # day Scaleway refuses leaves the old one working. OpenTofu makes what a key depends on
  # (its application) create-before-destroy too: only a replaced application (a -replace)
  # would then exist twice for a moment.
  lifecycle {
    create_before_destroy = true
  }
}
