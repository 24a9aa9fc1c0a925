output "namespace_id" {
  description = "ID of the Serverless Containers namespace, passed to every modules/service call."
  value       = scaleway_container_namespace.this.id
}
