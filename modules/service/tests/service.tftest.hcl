# Runs offline with a mocked Scaleway provider (OpenTofu >= 1.12.2: the mock-provider fix for
# providers with ephemeral resources, opentofu/opentofu#4251). The provider still validates
# arguments, so mocked IDs are real-looking regional UUIDs.

mock_provider "scaleway" {
  # Secret Manager returns base64; the module must decode it.
  mock_data "scaleway_secret_version" {
    defaults = {
      data = "czNjcmV0" # "s3cret"
    }
  }

  mock_resource "scaleway_container" {
    defaults = {
      id              = "fr-par/dddddddd-dddd-dddd-dddd-dddddddddddd"
      public_endpoint = "https://evalapstagingabc-evalap-staging-api.functions.fnc.fr-par.scw.cloud"
    }
  }
}

variables {
  name              = "evalap-staging-api"
  namespace_id      = "fr-par/11111111-2222-3333-4444-555555555555"
  region            = "fr-par"
  registry_endpoint = "rg.fr-par.scw.cloud/evalap-staging"
  image = {
    name   = "evalap"
    tag    = "3f2c1e9a3f2c1e9a3f2c1e9a3f2c1e9a3f2c1e9a"
    digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  }
  port               = 8000
  protocol           = "http1"
  cpu_limit          = 1000
  memory_limit_bytes = 2000000000
  min_scale          = 0
  max_scale          = 2
  scaling            = { metric = "concurrent_requests", threshold = 40 }
  liveness_probe     = { path = "/health", interval = "10s", timeout = "5s", failure_threshold = 3 }
  startup_probe      = { tcp = true, interval = "5s", timeout = "3s", failure_threshold = 60 }
  privacy            = "public"
  https_only         = true
  sandbox            = "v2"
  timeout_seconds    = 600
  environment_variables = {
    DB_NAME = "evalap"
  }
  secret_ids = {
    ADMIN_TOKEN = "fr-par/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  }
  private_network_id = "fr-par/99999999-8888-7777-6666-555555555555"
}

run "container_follows_inputs" {
  assert {
    condition     = scaleway_container.this.image == "rg.fr-par.scw.cloud/evalap-staging/evalap:3f2c1e9a3f2c1e9a3f2c1e9a3f2c1e9a3f2c1e9a" && scaleway_container.this.registry_sha256 == var.image.digest
    error_message = "image must be <endpoint>/<name>:<tag> and registry_sha256 the release digest"
  }

  assert {
    condition     = scaleway_container.this.environment_variables["TOFUGEN_RELEASE"] == var.image.tag && scaleway_container.this.environment_variables["DB_NAME"] == "evalap"
    error_message = "the release tag must reach the container as TOFUGEN_RELEASE, next to the plain variables"
  }


  assert {
    condition     = scaleway_container.this.cpu_limit == 1000 && scaleway_container.this.memory_limit_bytes == 2000000000
    error_message = "cpu_limit and memory_limit_bytes must be passed through unchanged"
  }

  assert {
    condition     = scaleway_container.this.https_connections_only == true && scaleway_container.this.timeout == 600
    error_message = "https_only must map to https_connections_only and timeout_seconds to timeout"
  }

  assert {
    condition     = scaleway_container.this.private_network_id == var.private_network_id
    error_message = "the container must attach to the given Private Network"
  }

  assert {
    condition     = scaleway_container.this.command == null && scaleway_container.this.args == null
    error_message = "empty command/args must keep the image's ENTRYPOINT/CMD (null, not [])"
  }
}

run "exactly_one_scaling_field" {
  assert {
    condition     = one(scaleway_container.this.scaling_option).concurrent_requests_threshold == 40
    error_message = "concurrent_requests must map to concurrent_requests_threshold"
  }

  assert {
    condition     = one(scaleway_container.this.scaling_option).cpu_usage_threshold == null && one(scaleway_container.this.scaling_option).memory_usage_threshold == null
    error_message = "only one scaling_option field may be set"
  }
}

run "memory_scaling_uses_memory_threshold" {
  variables {
    min_scale = 1
    scaling   = { metric = "memory_percent", threshold = 80 }
  }

  assert {
    condition     = one(scaleway_container.this.scaling_option).memory_usage_threshold == 80 && one(scaleway_container.this.scaling_option).concurrent_requests_threshold == null
    error_message = "memory_percent must map to memory_usage_threshold only"
  }
}

run "no_scaling_block_when_null" {
  variables {
    scaling = null
  }

  assert {
    condition     = length(scaleway_container.this.scaling_option) == 0
    error_message = "scaling = null must not emit a scaling_option block"
  }
}

run "http_and_tcp_probes" {
  assert {
    condition     = scaleway_container.this.liveness_probe[0].http[0].path == "/health" && scaleway_container.this.liveness_probe[0].tcp == null
    error_message = "a path probe must be an http block, without tcp"
  }

  assert {
    condition     = scaleway_container.this.startup_probe[0].tcp == true && length(scaleway_container.this.startup_probe[0].http) == 0
    error_message = "a tcp probe must set tcp = true and no http block"
  }

  assert {
    condition     = scaleway_container.this.startup_probe[0].failure_threshold == 60 && scaleway_container.this.startup_probe[0].interval == "5s"
    error_message = "probe settings must be passed through"
  }
}

run "secrets_are_decoded" {
  assert {
    condition     = nonsensitive(scaleway_container.this.secret_environment_variables["ADMIN_TOKEN"] == "s3cret")
    error_message = "secret_environment_variables must hold base64decode() of the latest secret version"
  }

  assert {
    condition     = data.scaleway_secret_version.this["ADMIN_TOKEN"].revision == "latest"
    error_message = "the module must read the latest secret version"
  }
}

run "url_and_endpoint" {
  assert {
    condition     = output.url == "https://evalapstagingabc-evalap-staging-api.functions.fnc.fr-par.scw.cloud"
    error_message = "url must be https://<endpoint> without a doubled scheme"
  }

  assert {
    condition     = output.endpoint == "evalapstagingabc-evalap-staging-api.functions.fnc.fr-par.scw.cloud"
    error_message = "endpoint must be the bare hostname"
  }
}

run "rejects_binary_megabytes" {
  command = plan

  variables {
    memory_limit_bytes = 2147483648
  }

  expect_failures = [var.memory_limit_bytes]
}

run "rejects_cpu_below_minimum" {
  command = plan

  variables {
    cpu_limit = 50
  }

  expect_failures = [var.cpu_limit]
}

run "waits_the_given_time_for_the_container" {
  command = plan

  assert {
    condition     = scaleway_container.this.timeouts.create == "750s" && scaleway_container.this.timeouts.update == "750s"
    error_message = "without ready_wait_seconds the container waits the provider's default, 750 s"
  }
}

run "a_long_startup_window_extends_the_wait" {
  command = plan

  variables {
    startup_probe      = { path = "/health", interval = "10s", timeout = "5s", failure_threshold = 60 }
    ready_wait_seconds = 900
  }

  assert {
    condition     = scaleway_container.this.timeouts.create == "900s" && scaleway_container.this.timeouts.update == "900s"
    error_message = "ready_wait_seconds must become the create and update timeouts"
  }
}

run "rejects_a_wait_below_the_provider_default" {
  command = plan

  variables {
    ready_wait_seconds = 600
  }

  expect_failures = [var.ready_wait_seconds]
}

run "rejects_a_fractional_wait" {
  command = plan

  variables {
    ready_wait_seconds = 900.5
  }

  expect_failures = [var.ready_wait_seconds]
}

run "rejects_probe_with_path_and_tcp" {
  command = plan

  variables {
    liveness_probe = { path = "/health", tcp = true, interval = "10s", timeout = "5s", failure_threshold = 3 }
  }

  expect_failures = [var.liveness_probe]
}

run "rejects_duration_without_unit" {
  command = plan

  variables {
    startup_probe = { path = "/health", interval = "5", timeout = "3s", failure_threshold = 10 }
  }

  expect_failures = [var.startup_probe]
}

run "rejects_unknown_protocol" {
  command = plan

  variables {
    protocol = "http2"
  }

  expect_failures = [var.protocol]
}

run "rejects_cpu_scaling_with_scale_to_zero" {
  command = plan

  variables {
    min_scale = 0
    scaling   = { metric = "cpu_percent", threshold = 70 }
  }

  expect_failures = [scaleway_container.this]
}

run "rejects_max_below_min" {
  command = plan

  variables {
    min_scale = 3
    max_scale = 2
  }

  expect_failures = [scaleway_container.this]
}

run "database_url_is_assembled_from_the_password_secret" {
  variables {
    database_url = {
      env_name           = "POSTGRES_URL"
      scheme             = "postgresql+psycopg2"
      user               = "evalap"
      host               = "evalap-production-db.private.internal"
      port               = 5432
      password_secret_id = "fr-par/eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
    }
  }

  assert {
    condition     = nonsensitive(scaleway_container.this.secret_environment_variables["POSTGRES_URL"] == "postgresql+psycopg2://evalap:s3cret@evalap-production-db.private.internal:5432")
    error_message = "without a database name, the URL must end at the port"
  }

  assert {
    condition     = data.scaleway_secret_version.database_password[0].revision == "latest"
    error_message = "without a password_revision, the password is read at its latest version"
  }
}

# A rotation replaces the password's secret version; the root passes that version's revision, so
# the container reads the new password (during the apply, once the revision is known) and never
# the previous one.
run "database_password_is_read_at_the_given_revision" {
  command = plan

  variables {
    database_url = {
      env_name           = "DATABASE_URL"
      scheme             = "postgresql"
      user               = "app"
      host               = "10.0.0.4"
      port               = 5432
      password_secret_id = "fr-par/eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
      password_revision  = "3"
    }
  }

  assert {
    condition     = data.scaleway_secret_version.database_password[0].revision == "3"
    error_message = "the password must be read at the revision modules/database outputs"
  }
}

run "database_url_with_database_name" {
  variables {
    database_url = {
      env_name           = "DATABASE_URL"
      scheme             = "postgresql"
      user               = "app"
      host               = "10.0.0.4"
      port               = 5432
      database           = "app"
      password_secret_id = "fr-par/eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
    }
  }

  assert {
    condition     = nonsensitive(scaleway_container.this.secret_environment_variables["DATABASE_URL"] == "postgresql://app:s3cret@10.0.0.4:5432/app")
    error_message = "with a database name, the URL must end with /<database>"
  }
}

run "rejects_a_database_url_name_also_in_secret_ids" {
  command = plan

  variables {
    database_url = {
      env_name           = "ADMIN_TOKEN"
      scheme             = "postgresql"
      user               = "app"
      host               = "10.0.0.4"
      port               = 5432
      password_secret_id = "fr-par/eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
    }
  }

  expect_failures = [scaleway_container.this]
}

run "rejects_a_secret_over_1000_bytes_without_printing_it" {
  command = plan

  override_data {
    target = data.scaleway_secret_version.this
    values = {
      # base64 of 1001 times "x"
      data = "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg="
    }
  }

  expect_failures = [scaleway_container.this]
}

run "rejects_tofugen_release_in_plain_variables" {
  command = plan

  variables {
    environment_variables = { TOFUGEN_RELEASE = "x" }
  }

  expect_failures = [var.environment_variables]
}

run "rejects_an_environment_variable_name_over_100_characters" {
  command = plan

  variables {
    environment_variables = { "${join("", [for i in range(101) : "A"])}" = "x" }
  }

  expect_failures = [var.environment_variables]
}

run "rejects_a_secret_name_over_100_characters" {
  command = plan

  variables {
    secret_ids = { "${join("", [for i in range(101) : "S"])}" = "fr-par/11111111-1111-1111-1111-111111111111" }
  }

  expect_failures = [var.secret_ids]
}
