# Managed PostgreSQL reachable only on the environment's Private Network.
#
# Passwords never appear in code, plan or state: each one is an ephemeral random_password
# written through write-only arguments (password_wo, data_wo). The admin password is not kept
# anywhere: reset it with `scw rdb user update` if a human ever needs it.
#
# The application user's password lives in its own Secret Manager secret. The user and that
# secret always receive the same value in the same run:
#   - the secret version is written first; the user's password_wo_version is that version's
#     revision, so every new version (first apply, rotation with var.password_version,
#     `-replace` of the version) also re-sends the password to the user (the provider sends
#     password_wo only when password_wo_version changes);
#   - a new user (new name or new instance: both force a new user, which is created with the
#     run's password) replaces the secret version through terraform_data.app_user.
# Consumers build the connection URL from this secret and the endpoint (modules/service), so a
# new endpoint never needs a new password. See README.md for rotation.
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
  # Unset when empty: `settings` is Optional and Computed (provider v2.81.0,
  # internal/services/rdb/instance.go), and the API returns the engine's defaults (six for
  # PostgreSQL, internal/services/rdb/testdata/instance-basic.cassette.yaml); an empty map would
  # plan their removal on every run.
  settings = length(var.settings) == 0 ? null : var.settings

  user_name           = local.admin_user_name
  password_wo         = ephemeral.random_password.admin.result
  password_wo_version = 1

  disable_backup            = !var.daily_backups
  backup_schedule_frequency = var.backup_frequency_hours
  backup_schedule_retention = var.backup_retention_days
  # Provider v2.81.0 (internal/services/rdb/instance.go) creates the instance with false, then
  # sends this value in the update it makes right after, only with backups on (L606-609); with
  # daily_backups = false, a later apply sends it (L1256, on a change).
  backup_same_region = var.backup_same_region

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

# The identity of the application user: its replacement (a new name, a new instance) must
# write a new password version, which the new user is created with.
resource "terraform_data" "app_user" {
  input = {
    instance_id = scaleway_rdb_instance.this.id
    name        = var.user_name
  }
}

resource "scaleway_secret" "password" {
  name        = var.password_secret_name
  path        = var.secret_path
  region      = var.region
  description = "Password of the ${var.user_name} user of ${var.name} (written by OpenTofu, write-only)"
  protected   = var.protected
  tags        = var.tags
}

resource "scaleway_secret_version" "password" {
  secret_id       = scaleway_secret.password.id
  region          = var.region
  description     = "Application user password of ${var.name}, rotation ${var.password_version}"
  data_wo         = ephemeral.random_password.app.result
  data_wo_version = var.password_version

  lifecycle {
    replace_triggered_by = [terraform_data.app_user]
  }
}

resource "scaleway_rdb_user" "app" {
  instance_id = scaleway_rdb_instance.this.id
  region      = var.region
  name        = var.user_name
  is_admin    = false
  password_wo = ephemeral.random_password.app.result
  # A new secret version (new revision) re-sends the password: both always agree.
  password_wo_version = tonumber(scaleway_secret_version.password.revision)
}

# "all" rather than "readwrite": the application runs its own schema migrations.
resource "scaleway_rdb_privilege" "app" {
  instance_id   = scaleway_rdb_instance.this.id
  region        = var.region
  database_name = scaleway_rdb_database.app.name
  user_name     = scaleway_rdb_user.app.name
  permission    = "all"

  # Granted once, at creation. Scaleway reports the permission as "custom" as soon as the
  # application creates a table ("When you add database objects like tables or sequences, your
  # configured permissions are automatically set to Custom", Managed Databases docs, "How to
  # manage users"), and provider 2.81.0 writes what it reads into `permission`
  # (internal/services/rdb/privilege.go, setPrivilegeState): every plan after a migration then
  # re-granted "all", and the rollback workflow, which refuses changes besides the release,
  # stopped on it. Run with the real provider against a stand-in of the API (sweep 57,
  # H1-F4): without this, `tofu plan` exits 2 (`permission = "custom" -> "all"`); with it, 0.
  lifecycle {
    ignore_changes = [permission]
  }
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
