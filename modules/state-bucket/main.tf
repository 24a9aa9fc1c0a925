# OpenTofu state bucket of one environment, created by the human-applied bootstrap root.
# Versioned, so every state write can be rolled back; the lifecycle rule keeps the version
# history bounded (the lock file of use_lockfile churns on every run) and cleans up
# incomplete multipart uploads. Encrypted at rest with SSE (AES256) on top of OpenTofu's own
# client-side state encryption. Access is private (no deprecated `acl` attribute: the default
# private ACL applies).

resource "scaleway_object_bucket" "this" {
  name          = var.name
  region        = var.region
  project_id    = var.project_id
  tags          = var.tags
  force_destroy = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    id                                     = "state-housekeeping"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 1

    noncurrent_version_expiration {
      noncurrent_days = var.keep_versions_days
    }
  }
}

resource "scaleway_object_bucket_server_side_encryption_configuration" "this" {
  bucket     = scaleway_object_bucket.this.name
  region     = var.region
  project_id = var.project_id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
