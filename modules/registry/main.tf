# Private container registry namespace of one environment. Each environment has its own
# namespace in its own project: production never pulls from staging. CI promotes a release by
# copying the same digest from staging's namespace into production's (see README.md).
# Registry namespaces have no tags, so this module takes none.

resource "scaleway_registry_namespace" "this" {
  name        = var.name
  region      = var.region
  description = "Container images of ${var.name}"
  is_public   = var.is_public
}
