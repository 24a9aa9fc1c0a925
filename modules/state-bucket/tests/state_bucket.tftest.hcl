# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {}

variables {
  name               = "evalap-tfstate-production"
  region             = "fr-par"
  project_id         = "11111111-2222-3333-4444-555555555555"
  keep_versions_days = 90
  tags               = { environment = "production" }
}

run "versioned_encrypted_bucket" {
  assert {
    condition     = scaleway_object_bucket.this.versioning[0].enabled == true
    error_message = "state buckets must be versioned"
  }

  assert {
    condition     = scaleway_object_bucket.this.lifecycle_rule[0].enabled && scaleway_object_bucket.this.lifecycle_rule[0].abort_incomplete_multipart_upload_days == 1
    error_message = "incomplete multipart uploads must be aborted after 1 day"
  }

  assert {
    condition     = scaleway_object_bucket.this.lifecycle_rule[0].noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "noncurrent versions must expire after keep_versions_days"
  }

  assert {
    condition     = one(scaleway_object_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "server-side encryption must be AES256"
  }

  assert {
    condition     = scaleway_object_bucket.this.project_id == var.project_id && scaleway_object_bucket.this.force_destroy == false
    error_message = "the bucket belongs to the environment project and is never force-destroyed"
  }
}

run "rejects_uppercase_name" {
  command = plan

  variables {
    name = "Evalap-State"
  }

  expect_failures = [var.name]
}

run "rejects_zero_days" {
  command = plan

  variables {
    keep_versions_days = 0
  }

  expect_failures = [var.keep_versions_days]
}
