output "namespace_id" {
  description = "ID of the registry namespace."
  value       = scaleway_registry_namespace.this.id
}

output "endpoint" {
  description = "Registry endpoint to push to and pull from, e.g. \"rg.fr-par.scw.cloud/shop-production\"."
  value       = scaleway_registry_namespace.this.endpoint
}
