# Managed PostgreSQL reachable only on the environment's Private Network.
#
# Passwords never appear in code, plan or state: each one is an ephemeral random_password
# written through write-only arguments (password_wo, data_wo). The `*_wo_version` arguments
# stay at 1, so later runs keep the passwords set at creation. The admin password is not kept
# anywhere: reset it with `scw rdb user update` if a human ever needs it. See README.md for
# rotation.
#
# Deletion protection: `lifecycle { prevent_destroy }` cannot be driven by a variable in HCL,
# so it is not set here; production safety relies on reviewed plans (a destroy shows up as
# such in the plan), on `protected` secrets and on the backups. See README.md.

locals {
  admin_user_name = "${var.user_name}_admin"
  # lssd volumes take their size from the node type.
  volume_size_in_gb = var.volume_type == "lssd" ? null : var.volume_size_in_gb
}

# Special characters are limited to URL-unreserved ones: the password is embedded verbatim in
# the connection URL. Scaleway requires 8-128 characters with an upper, a lower, a digit and a
# special character.
ephemeral "random_password" "admin" {
  length           = 32
  override_special = "-_."
  min_upper        = 1
  min_lower        = 1
  min_numeric      = 1
  min_special      = 1
}

ephemeral "random_password" "app" {
  length           = 32
  override_special = "-_."
  min_upper        = 1
  min_lower        = 1
  min_numeric      = 1
  min_special      = 1
}

resource "scaleway_rdb_instance" "this" {
  name      = var.name
  region    = var.region
  engine    = var.engine
  node_type = var.node_type
  tags      = var.tags

  volume_type       = var.volume_type
  volume_size_in_gb = local.volume_size_in_gb

  is_ha_cluster      = var.ha
  encryption_at_rest = true
  settings           = var.settings

  user_name           = local.admin_user_name
  password_wo         = ephemeral.random_password.admin.result
  password_wo_version = 1

  disable_backup            = !var.daily_backups
  backup_schedule_frequency = var.backup_frequency_hours
  backup_schedule_retention = var.backup_retention_days

  # Private Network only, with IPAM (gives the *.internal hostname). No load_balancer block:
  # the instance gets no public endpoint.
  private_network {
    pn_id       = var.private_network_id
    enable_ipam = true
  }
}

resource "scaleway_rdb_database" "app" {
  instance_id = scaleway_rdb_instance.this.id
  region      = var.region
  name        = var.database_name
}

resource "scaleway_rdb_user" "app" {
  instance_id         = scaleway_rdb_instance.this.id
  region              = var.region
  name                = var.user_name
  is_admin            = false
  password_wo         = ephemeral.random_password.app.result
  password_wo_version = 1
}

# "all" rather than "readwrite": the application runs its own schema migrations (Alembic).
resource "scaleway_rdb_privilege" "app" {
  instance_id   = scaleway_rdb_instance.this.id
  region        = var.region
  database_name = scaleway_rdb_database.app.name
  user_name     = scaleway_rdb_user.app.name
  permission    = "all"
}

resource "scaleway_rdb_read_replica" "this" {
  count = var.read_replicas

  instance_id = scaleway_rdb_instance.this.id
  region      = var.region
  same_zone   = false

  private_network {
    private_network_id = var.private_network_id
    enable_ipam        = true
  }
}

locals {
  endpoint = scaleway_rdb_instance.this.private_network[0]
  # IPAM endpoints have a *.internal hostname; fall back to the IP if the API returns none.
  host = coalesce(local.endpoint.hostname, local.endpoint.ip)
}

resource "scaleway_secret" "url" {
  name        = var.url_secret_name
  path        = var.secret_path
  region      = var.region
  description = "PostgreSQL connection URL of ${var.name} for user ${var.user_name}, without the database name (the application appends /<DB_NAME>)"
  protected   = var.protected
  tags        = var.tags
}

# Built from the same ephemeral password as scaleway_rdb_user.app in the same apply, and written
# write-only: the URL is stored in Secret Manager only.
# The description stays constant on purpose: anything that replaced this version on its own
# would write a fresh password that the database user does not have.
resource "scaleway_secret_version" "url" {
  secret_id       = scaleway_secret.url.id
  region          = var.region
  description     = "Connection URL of the ${var.user_name} user (written by OpenTofu)"
  data_wo         = "postgresql+psycopg2://${var.user_name}:${ephemeral.random_password.app.result}@${local.host}:${local.endpoint.port}"
  data_wo_version = 1

  # Written once the user exists with this password.
  depends_on = [scaleway_rdb_privilege.app]

  lifecycle {
    # A new user (new password) or a new endpoint must be reflected in the URL.
    replace_triggered_by = [
      scaleway_rdb_user.app.id,
      scaleway_rdb_instance.this.private_network[0].hostname,
    ]
  }
}
