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

output "password_secret_id" {
  description = "Secret Manager ID of the application user's password (regional form). Read its \"latest\" version."
  # Through the version, so that readers wait until the password is written.
  value = scaleway_secret_version.password.secret_id
}

output "user_name" {
  description = "Name of the application user."
  value       = scaleway_rdb_user.app.name
}

output "database_name" {
  description = "Name of the application database (database_url.database of modules/service ends the connection URL with it)."
  value       = scaleway_rdb_database.app.name
}
