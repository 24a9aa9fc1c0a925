# Runs offline: the Scaleway provider is mocked.

mock_provider "scaleway" {}

variables {
  name   = "shop-production"
  region = "nl-ams"
  tags   = ["env:production"]
}

run "creates_the_namespace" {
  assert {
    condition     = scaleway_container_namespace.this.name == "shop-production" && scaleway_container_namespace.this.region == "nl-ams"
    error_message = "the namespace must take var.name and var.region"
  }

  assert {
    condition     = scaleway_container_namespace.this.tags == tolist(["env:production"])
    error_message = "the namespace must carry var.tags"
  }

  assert {
    condition     = scaleway_container_namespace.this.description == null
    error_message = "an empty description must be sent as null, not as an empty string"
  }

  assert {
    condition     = output.namespace_id == scaleway_container_namespace.this.id
    error_message = "namespace_id must be the namespace's ID"
  }
}

run "keeps_a_description" {
  variables {
    description = "Serverless Containers of shop-production"
  }

  assert {
    condition     = scaleway_container_namespace.this.description == "Serverless Containers of shop-production"
    error_message = "a description must reach the namespace"
  }
}

run "rejects_a_double_hyphen" {
  command = plan

  variables {
    name = "shop--production"
  }

  expect_failures = [var.name]
}

run "rejects_a_trailing_hyphen" {
  command = plan

  variables {
    name = "shop-production-"
  }

  expect_failures = [var.name]
}

run "rejects_a_name_over_63_characters" {
  command = plan

  variables {
    name = "a234567890123456789012345678901234567890123456789012345678901234"
  }

  expect_failures = [var.name]
}
