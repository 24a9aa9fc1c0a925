# CI credentials of one environment, created by the human-applied bootstrap root. Two IAM
# applications, each with one policy whose only rule is scoped to this environment's project
# (project_ids = [project_id]); nothing is granted organization-wide.
#
# * deployer: used by `tofu apply` on the main branch (GitHub environment with reviewers).
# * planner: used by `tofu plan` on pull requests: read-only, plus what planning needs.

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
