# The provider sets public_endpoint to the full URL ("https://<host>", the API's value since the
# v1 container API). Normalise both ways so `url` and `endpoint` stay right either way.
locals {
  endpoint_host = trimprefix(scaleway_container.this.public_endpoint, "https://")
}

output "container_id" {
  description = "ID of the container (regional form, e.g. \"fr-par/<uuid>\")."
  value       = scaleway_container.this.id
}

output "url" {
  description = "HTTPS URL of the container's public endpoint (\"https://<endpoint>\")."
  value       = "https://${local.endpoint_host}"
}

output "endpoint" {
  description = "Hostname of the container's public endpoint, without scheme."
  value       = local.endpoint_host
}

output "image" {
  description = "Image reference the container runs (\"<registry endpoint>/<name>:<tag>\")."
  value       = local.image
}
