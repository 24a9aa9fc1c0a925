# Runs offline: the Scaleway provider is mocked.

mock_provider "scaleway" {}

variables {
  name   = "shop-production"
  region = "fr-par"
  tags   = ["env:production"]
}

run "creates_one_vpc_and_its_private_network" {
  assert {
    condition     = scaleway_vpc.this.name == "shop-production" && scaleway_vpc.this.region == "fr-par"
    error_message = "the VPC must take var.name and var.region"
  }

  assert {
    condition     = scaleway_vpc_private_network.this.name == "shop-production" && scaleway_vpc_private_network.this.region == "fr-par"
    error_message = "the Private Network must take var.name and var.region"
  }

  assert {
    condition     = scaleway_vpc_private_network.this.vpc_id == scaleway_vpc.this.id
    error_message = "the Private Network must be inside the module's VPC"
  }

  assert {
    condition     = scaleway_vpc.this.tags == tolist(["env:production"]) && scaleway_vpc_private_network.this.tags == tolist(["env:production"])
    error_message = "both resources must carry var.tags"
  }

  assert {
    condition     = output.vpc_id == scaleway_vpc.this.id && output.private_network_id == scaleway_vpc_private_network.this.id
    error_message = "the outputs must be the IDs of the module's VPC and Private Network"
  }
}

run "rejects_an_uppercase_name" {
  command = plan

  variables {
    name = "Shop-production"
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

run "rejects_a_zone_as_region" {
  command = plan

  variables {
    region = "fr-par-1"
  }

  expect_failures = [var.region]
}
