output "instance_id" {
  description = "ID of the Database Instance (regional form, e.g. \"fr-par/<uuid>\")."
  value       = scaleway_rdb_instance.this.id
}

output "host" {
  description = "Private hostname of the instance on the Private Network (IPAM *.internal name; its IP if none)."
  value       = local.host
}

output "port" {
  description = "PostgreSQL port of the Private Network endpoint."
  value       = local.endpoint.port
}

output "url_secret_id" {
  description = "Secret Manager ID of the connection URL secret (postgresql+psycopg2://user:password@host:port)."
  value       = scaleway_secret.url.id

  # Consumers read the "latest" version: make them wait until it exists.
  depends_on = [scaleway_secret_version.url]
}

output "database_name" {
  description = "Name of the application database (the application appends it to the URL)."
  value       = scaleway_rdb_database.app.name
}
