# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {}

variables {
  environment  = "production"
  project_id   = "11111111-2222-3333-4444-555555555555"
  project_name = "evalap-production"
  state_bucket = "evalap-tfstate-production"
}

run "policies_are_project_scoped" {
  assert {
    condition = alltrue([
      for p in [scaleway_iam_policy.deployer, scaleway_iam_policy.planner] :
      length(p.rule) == 1 && p.rule[0].project_ids == tolist([var.project_id]) && p.rule[0].organization_id == null
    ])
    error_message = "every rule must target var.project_id only, never the organization"
  }

  assert {
    condition     = contains(scaleway_iam_policy.deployer.rule[0].permission_set_names, "ContainersFullAccess") && length(scaleway_iam_policy.deployer.rule[0].permission_set_names) == 10
    error_message = "the deployer gets exactly the ten project-scoped permission sets"
  }

  assert {
    condition     = alltrue([for s in scaleway_iam_policy.planner.rule[0].permission_set_names : !endswith(s, "FullAccess")])
    error_message = "the planner must not get any FullAccess permission set"
  }

  assert {
    condition     = contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "SecretManagerSecretAccess") && contains(scaleway_iam_policy.planner.rule[0].permission_set_names, "ObjectStorageObjectsDelete")
    error_message = "the planner needs secret access (data sources) and lock-file write/delete"
  }
}

run "keys_default_to_the_project" {
  assert {
    condition     = scaleway_iam_api_key.deployer.default_project_id == var.project_id && scaleway_iam_api_key.planner.default_project_id == var.project_id
    error_message = "API keys must default to the environment project (Object Storage uses it)"
  }

  assert {
    condition     = scaleway_iam_api_key.deployer.application_id == scaleway_iam_application.deployer.id && scaleway_iam_api_key.planner.application_id == scaleway_iam_application.planner.id
    error_message = "each key belongs to its own application"
  }
}

run "rejects_bad_project_id" {
  command = plan

  variables {
    project_id = "production"
  }

  expect_failures = [var.project_id]
}
