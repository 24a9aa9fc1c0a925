# Runs offline: the Scaleway provider is mocked; the random provider is real (it only computes).
# Needs an OpenTofu release that includes the fix for opentofu/opentofu#4251 (mock providers
# whose schema declares ephemeral resources).

mock_provider "scaleway" {}

variables {
  path      = "/evalap/test"
  region    = "fr-par"
  protected = true
  operator_secrets = {
    OPENAI_API_KEY = { description = "OpenAI API key" }
    USER_API_KEYS  = { description = "JSON map of user names to API keys" }
  }
  generated_secrets = {
    ADMIN_TOKEN = { description = "Admin API token", length = 48 }
  }
  tags = ["env:test"]
}

run "creates_every_secret_and_versions_only_generated_ones" {
  assert {
    condition     = toset(keys(output.secret_ids)) == toset(["ADMIN_TOKEN", "OPENAI_API_KEY", "USER_API_KEYS"])
    error_message = "secret_ids must list both operator and generated secrets"
  }

  assert {
    condition     = alltrue([for s in scaleway_secret.this : s.path == "/evalap/test" && s.protected && s.region == "fr-par"])
    error_message = "every secret must be created under var.path, protected, in var.region"
  }

  assert {
    condition     = toset(keys(scaleway_secret_version.generated)) == toset(["ADMIN_TOKEN"])
    error_message = "only generated secrets get a version; operator secrets are filled by a human"
  }

  assert {
    condition     = scaleway_secret_version.generated["ADMIN_TOKEN"].data_wo_version == 1
    error_message = "the generated value is written once, with data_wo_version = 1"
  }
}

run "rejects_short_generated_secret" {
  command = plan

  variables {
    generated_secrets = {
      ADMIN_TOKEN = { description = "too short", length = 8 }
    }
  }

  expect_failures = [var.generated_secrets]
}

run "rejects_relative_path" {
  command = plan

  variables {
    path = "evalap/test/"
  }

  expect_failures = [var.path]
}

run "rejects_name_declared_twice" {
  command = plan

  variables {
    operator_secrets = {
      ADMIN_TOKEN = { description = "operator copy" }
    }
  }

  expect_failures = [scaleway_secret.this]
}
