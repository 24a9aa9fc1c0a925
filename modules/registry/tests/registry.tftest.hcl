# Runs offline: the Scaleway provider is mocked; the endpoint the API computes is given to the
# mock, to check that the module passes it through.

mock_provider "scaleway" {
  mock_resource "scaleway_registry_namespace" {
    defaults = {
      endpoint = "rg.pl-waw.scw.cloud/shop-production"
    }
  }
}

variables {
  name       = "shop-production"
  region     = "pl-waw"
  project_id = "0b6c6d1e-3f2a-4c5b-9d8e-7f6a5b4c3d2e"
}

run "creates_a_private_namespace_in_the_project" {
  assert {
    condition     = scaleway_registry_namespace.this.name == "shop-production" && scaleway_registry_namespace.this.region == "pl-waw"
    error_message = "the namespace must take var.name and var.region"
  }

  assert {
    condition     = scaleway_registry_namespace.this.is_public == false
    error_message = "the namespace must be private by default"
  }

  assert {
    condition     = scaleway_registry_namespace.this.project_id == "0b6c6d1e-3f2a-4c5b-9d8e-7f6a5b4c3d2e"
    error_message = "the namespace must belong to var.project_id"
  }

  assert {
    condition     = scaleway_registry_namespace.this.description == "Container images of shop-production"
    error_message = "the description must name the namespace"
  }

  assert {
    condition     = output.namespace_id == scaleway_registry_namespace.this.id
    error_message = "namespace_id must be the namespace's ID"
  }

  assert {
    condition     = output.endpoint == "rg.pl-waw.scw.cloud/shop-production"
    error_message = "endpoint must be the namespace's endpoint"
  }
}

run "rejects_an_uppercase_project_id" {
  command = plan

  variables {
    project_id = "0B6C6D1E-3F2A-4C5B-9D8E-7F6A5B4C3D2E"
  }

  expect_failures = [var.project_id]
}

run "rejects_an_underscore_in_the_name" {
  command = plan

  variables {
    name = "shop_production"
  }

  expect_failures = [var.name]
}
