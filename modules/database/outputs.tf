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
  description = "Secret Manager ID of the application user's password (regional form). Read it at password_revision."
  # Through the version, so that readers wait until the password is written.
  value = scaleway_secret_version.password.secret_id
}

output "password_revision" {
  description = "Revision of the password's current secret version. Read the password at this revision (modules/service database_url.password_revision): a new version is unknown until applied, so readers wait for it in the same apply."
  value       = scaleway_secret_version.password.revision
}

output "user_name" {
  description = "Name of the application user, known to readers once it holds its privileges on the application database: a container that connects with it (modules/service database_url.user) is created after both."
  value       = scaleway_rdb_user.app.name
  # The privilege needs the database and the user: without this, a container could start (and
  # run its migrations) before the database exists or before its user may use it.
  depends_on = [scaleway_rdb_privilege.app]
}

output "database_name" {
  description = "Name of the application database (database_url.database of modules/service ends the connection URL with it)."
  value       = scaleway_rdb_database.app.name
}
