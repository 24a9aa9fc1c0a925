locals {
  # Exactly one scaling_option field is set, chosen by var.scaling.metric.
  scaling_field = {
    concurrent_requests = "concurrent_requests_threshold"
    cpu_percent         = "cpu_usage_threshold"
    memory_percent      = "memory_usage_threshold"
  }

  # Every secret environment variable: the ones read from Secret Manager, plus the database
  # URL assembled from the password secret and the endpoint (so an endpoint change never
  # needs a new password, and a new password reaches the URL on the next apply).
  secret_values = merge(
    { for name, version in data.scaleway_secret_version.this : name => base64decode(version.data) },
    var.database_url == null ? {} : {
      (var.database_url.env_name) = format(
        "%s://%s:%s@%s:%d%s",
        var.database_url.scheme,
        var.database_url.user,
        base64decode(one(data.scaleway_secret_version.database_password).data),
        var.database_url.host,
        var.database_url.port,
        var.database_url.database == null ? "" : "/${var.database_url.database}",
      )
    },
  )
  secret_names         = keys(local.secret_values)
  env_and_secret_names = setintersection(keys(var.environment_variables), local.secret_names)

  # The Scaleway provider rejects container secret values over 1000 bytes (its validation
  # StringLenBetween(0, 1000)), and the provider's error would print the value: refuse first,
  # naming only the variable.
  # Only whether a value is too long is revealed (nonsensitive), never the value.
  oversized_secrets = sort([for name, value in local.secret_values : name if nonsensitive(length(value) > 1000)])

  image = "${var.registry_endpoint}/${var.image.name}:${var.image.tag}"
}

# Serverless Containers have no native Secret Manager reference (unlike Serverless Jobs'
# secret_reference), and ephemeral values cannot feed secret_environment_variables (it is not a
# write-only attribute). So the latest version of each secret is read here and injected as a
# secret environment variable. The plaintext passes through the plan and this data source's
# state: that is why every generated root enforces OpenTofu state and plan encryption. The
# Scaleway API itself only keeps an argon2id hash of secret environment variables.
data "scaleway_secret_version" "this" {
  for_each = var.secret_ids

  secret_id = each.value
  region    = var.region
  revision  = "latest"
}

# Read at the revision modules/database outputs, not "latest": when the password is rotated (its
# secret version replaced), that revision is unknown at plan time, so OpenTofu reads this data
# source during the apply, after the new version exists, and the container gets the new password
# in the same apply as the database user.
data "scaleway_secret_version" "database_password" {
  count = var.database_url == null ? 0 : 1

  secret_id = var.database_url.password_secret_id
  region    = var.region
  revision  = var.database_url.password_revision
}

resource "scaleway_container" "this" {
  name         = var.name
  namespace_id = var.namespace_id
  region       = var.region
  description  = var.description == "" ? null : var.description
  tags         = var.tags

  # The release's tag (the application commit SHA) plus its registry digest, which the generated
  # roots check against the registry before the apply (release.tf). Scaleway runs the image by
  # its tag: provider v2.81.0 sends `registry_sha256` to no API (helpers_container.go: a change
  # re-sends the image), and Scaleway's registry does not make tags immutable, so a later push
  # of the same tag is what new instances pull. Only the deploy workflow pushes these tags.
  image           = local.image
  registry_sha256 = var.image.digest

  port                   = var.port
  protocol               = var.protocol
  cpu_limit              = var.cpu_limit
  memory_limit_bytes     = var.memory_limit_bytes
  min_scale              = var.min_scale
  max_scale              = var.max_scale
  privacy                = var.privacy
  https_connections_only = var.https_only
  sandbox                = var.sandbox
  timeout                = var.timeout_seconds
  private_network_id     = var.private_network_id

  command = length(var.command) == 0 ? null : var.command
  args    = length(var.args) == 0 ? null : var.args

  # TOFUGEN_RELEASE: the release tag, so the application can report which release it runs
  # (the deploy workflow's smoke test fetches a health path; it does not read this).
  environment_variables        = merge(var.environment_variables, { TOFUGEN_RELEASE = var.image.tag })
  secret_environment_variables = local.secret_values

  dynamic "scaling_option" {
    for_each = var.scaling == null ? [] : [var.scaling]
    content {
      concurrent_requests_threshold = local.scaling_field[scaling_option.value.metric] == "concurrent_requests_threshold" ? scaling_option.value.threshold : null
      cpu_usage_threshold           = local.scaling_field[scaling_option.value.metric] == "cpu_usage_threshold" ? scaling_option.value.threshold : null
      memory_usage_threshold        = local.scaling_field[scaling_option.value.metric] == "memory_usage_threshold" ? scaling_option.value.threshold : null
    }
  }

  dynamic "startup_probe" {
    for_each = var.startup_probe == null ? [] : [var.startup_probe]
    content {
      failure_threshold = startup_probe.value.failure_threshold
      interval          = startup_probe.value.interval
      timeout           = startup_probe.value.timeout
      tcp               = startup_probe.value.tcp ? true : null

      dynamic "http" {
        for_each = startup_probe.value.path == null ? [] : [startup_probe.value.path]
        content {
          path = http.value
        }
      }
    }
  }

  dynamic "liveness_probe" {
    for_each = var.liveness_probe == null ? [] : [var.liveness_probe]
    content {
      failure_threshold = liveness_probe.value.failure_threshold
      interval          = liveness_probe.value.interval
      timeout           = liveness_probe.value.timeout
      tcp               = liveness_probe.value.tcp ? true : null

      dynamic "http" {
        for_each = liveness_probe.value.path == null ? [] : [liveness_probe.value.path]
        content {
          path = http.value
        }
      }
    }
  }

  # The provider waits for the container to be ready, before and after an update, 12 min 30 s
  # by default (v2.81.0 defaultContainerTimeout): a startup probe window longer than that would
  # fail a healthy release. The read that follows a create or an update uses the create timeout.
  timeouts {
    create = "${var.ready_wait_seconds}s"
    update = "${var.ready_wait_seconds}s"
  }

  lifecycle {
    precondition {
      condition     = var.max_scale >= var.min_scale
      error_message = "max_scale (${var.max_scale}) must be at least min_scale (${var.min_scale})."
    }

    precondition {
      condition     = var.scaling == null ? true : (var.scaling.metric == "concurrent_requests" || var.min_scale >= 1)
      error_message = "Scaling on cpu_percent or memory_percent needs min_scale >= 1: an instance that does not run reports no CPU or memory. Use concurrent_requests to scale to zero."
    }

    precondition {
      condition     = length(local.env_and_secret_names) == 0
      error_message = "These names are both plain environment variables and secrets: ${join(", ", sort(tolist(local.env_and_secret_names)))}. Keep each name in one of the two maps."
    }

    precondition {
      condition     = var.database_url == null || !contains(keys(var.secret_ids), try(var.database_url.env_name, ""))
      error_message = "The database URL variable ${try(var.database_url.env_name, "")} is also in secret_ids. Keep each name in one place."
    }

    precondition {
      condition     = length(local.oversized_secrets) == 0
      error_message = "These secret environment variables are over the 1000 bytes the Scaleway provider accepts for a container secret: ${join(", ", local.oversized_secrets)}. Store a shorter value (for a large document, keep it in Secret Manager or Object Storage and let the application fetch it at start-up)."
    }
  }
}
