# Private container registry namespace of one environment, created by the human-applied
# bootstrap root: CI pushes images before its first apply of the environment root, so the
# namespace must exist before any CI run (the environment root only looks it up). Each
# environment has its own namespace in its own project: production never pulls from staging. CI
# promotes a release by copying the same digest from staging's namespace into production's.
# Registry namespaces have no tags, so this module takes none.

resource "scaleway_registry_namespace" "this" {
  name        = var.name
  region      = var.region
  description = "Container images of ${var.name}"
  is_public   = var.is_public
  project_id  = var.project_id
}
