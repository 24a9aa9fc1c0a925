# Serverless Containers namespace of one environment. Since provider v2.75 a namespace no
# longer creates a registry (the deprecated registry_* / destroy_registry attributes are not
# used; see modules/registry) and VPC integration is always on: the Private Network is set
# per container (modules/service).

resource "scaleway_container_namespace" "this" {
  name        = var.name
  region      = var.region
  description = var.description == "" ? null : var.description
  tags        = var.tags
}
