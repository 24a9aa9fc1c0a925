# Runs offline: the Scaleway provider is mocked; the random provider is real (it only computes).
# Needs an OpenTofu release that includes the fix for opentofu/opentofu#4251 (mock providers
# whose schema declares ephemeral resources).

mock_provider "scaleway" {
  # The provider validates IDs even when mocked: real-looking regional UUIDs.
  mock_resource "scaleway_rdb_instance" {
    defaults = {
      id = "fr-par/11111111-1111-1111-1111-111111111111"
    }
  }

  mock_resource "scaleway_secret" {
    defaults = {
      id = "fr-par/22222222-2222-2222-2222-222222222222"
    }
  }

  # Every new secret version is revision 1 unless a run overrides it.
  mock_resource "scaleway_secret_version" {
    defaults = {
      revision = "1"
    }
  }
}

variables {
  name                   = "evalap-production-db"
  region                 = "fr-par"
  engine                 = "PostgreSQL-16"
  node_type              = "DB-PRO2-XS"
  volume_type            = "sbs_5k"
  volume_size_in_gb      = 50
  ha                     = true
  read_replicas          = 2
  database_name          = "evalap"
  user_name              = "evalap"
  private_network_id     = "fr-par/99999999-8888-7777-6666-555555555555"
  backup_frequency_hours = 24
  backup_retention_days  = 30
  secret_path            = "/evalap/production"
  protected              = true
  tags                   = ["env:production"]
}

run "private_encrypted_instance" {
  assert {
    condition     = scaleway_rdb_instance.this.encryption_at_rest == true && scaleway_rdb_instance.this.is_ha_cluster == true
    error_message = "the instance must be encrypted at rest and follow var.ha"
  }

  assert {
    condition     = scaleway_rdb_instance.this.private_network[0].pn_id == var.private_network_id && scaleway_rdb_instance.this.private_network[0].enable_ipam == true
    error_message = "the instance must sit on the Private Network with IPAM"
  }

  assert {
    condition     = length(scaleway_rdb_instance.this.load_balancer) == 0
    error_message = "the instance must have no public (load_balancer) endpoint"
  }

  assert {
    condition     = scaleway_rdb_instance.this.disable_backup == false && scaleway_rdb_instance.this.backup_schedule_frequency == 24 && scaleway_rdb_instance.this.backup_schedule_retention == 30
    error_message = "automatic backups must be on with the requested schedule"
  }

  assert {
    condition     = scaleway_rdb_instance.this.backup_same_region == false
    error_message = "logical backups must be stored in another region by default (Scaleway's default, sent explicitly)"
  }

  assert {
    condition     = scaleway_rdb_instance.this.user_name == "evalap_admin" && scaleway_rdb_instance.this.password_wo_version == 1
    error_message = "the admin user must be <user_name>_admin with a write-only password"
  }

  assert {
    condition     = scaleway_rdb_instance.this.volume_size_in_gb == 50
    error_message = "sbs volumes take volume_size_in_gb"
  }
}

run "application_database_user_and_privilege" {
  assert {
    condition     = scaleway_rdb_database.app.name == "evalap" && scaleway_rdb_user.app.name == "evalap" && scaleway_rdb_user.app.is_admin == false
    error_message = "the app database and a non-admin app user must be created"
  }

  assert {
    condition     = scaleway_rdb_privilege.app.permission == "all" && scaleway_rdb_privilege.app.user_name == "evalap" && scaleway_rdb_privilege.app.database_name == "evalap"
    error_message = "the app user needs all privileges on the app database (migrations)"
  }

  assert {
    condition     = output.database_name == "evalap"
    error_message = "database_name output must be the app database"
  }
}

run "replicas_in_other_zones_on_the_private_network" {
  assert {
    condition     = length(scaleway_rdb_read_replica.this) == 2
    error_message = "one read replica per var.read_replicas"
  }

  assert {
    condition     = alltrue([for r in scaleway_rdb_read_replica.this : r.same_zone == false && r.private_network[0].private_network_id == var.private_network_id && length(r.direct_access) == 0])
    error_message = "replicas must be in another zone, on the Private Network only"
  }
}

run "password_secret" {
  assert {
    condition     = scaleway_secret.password.name == "database-password" && scaleway_secret.password.path == "/evalap/production" && scaleway_secret.password.protected == true
    error_message = "the password secret must be named password_secret_name under secret_path, protected"
  }

  assert {
    condition     = scaleway_secret_version.password.data_wo_version == 1 && scaleway_secret_version.password.secret_id == scaleway_secret.password.id
    error_message = "the password must be written write-only into its secret, at rotation 1"
  }

  assert {
    condition     = scaleway_rdb_user.app.password_wo_version == 1
    error_message = "the user's password version must be the secret version's revision"
  }

  assert {
    condition     = output.password_secret_id == scaleway_secret.password.id && output.user_name == "evalap"
    error_message = "the outputs must name the password secret and the user"
  }

  assert {
    condition     = output.host == coalesce(scaleway_rdb_instance.this.private_network[0].hostname, scaleway_rdb_instance.this.private_network[0].ip)
    error_message = "host must be the Private Network hostname"
  }
}

# Rotation: a new password_version writes a new secret version, and its new revision re-sends
# the same run's password to the user (password_wo is sent only when its version changes).
run "rotation_writes_the_user_and_the_secret_together" {
  variables {
    password_version = 2
  }

  override_resource {
    target = scaleway_secret_version.password
    values = {
      revision = "2"
    }
  }

  assert {
    condition     = scaleway_secret_version.password.data_wo_version == 2 && scaleway_rdb_user.app.password_wo_version == 2
    error_message = "a rotation must write a new secret version and re-send the password to the user"
  }

  # Consumers (modules/service) read the password at this revision, so they see the new one.
  assert {
    condition     = output.password_revision == "2"
    error_message = "password_revision must be the new secret version's revision"
  }
}

# Replacing the secret version by hand (-replace) must also re-send the password.
run "replacing_the_secret_version_re_sends_the_password" {
  variables {
    password_version = 2
  }

  plan_options {
    replace = [scaleway_secret_version.password]
  }

  override_resource {
    target = scaleway_secret_version.password
    values = {
      revision = "3"
    }
  }

  assert {
    condition     = scaleway_rdb_user.app.password_wo_version == 3
    error_message = "a new secret version must re-send the password to the user"
  }
}

# A new user (renamed, or on a new instance) is created with the run's password, so the secret
# version must be replaced in the same run (replace_triggered_by terraform_data.app_user). Mocked
# providers recompute every planned value, so a test here cannot tell a replacement from an
# update: tests/module_wiring.rs pins that wiring instead.
run "renaming_the_user_keeps_the_versions_in_step" {
  variables {
    password_version = 2
    user_name        = "evalap2"
  }

  assert {
    condition     = scaleway_rdb_user.app.name == "evalap2" && terraform_data.app_user.output.name == "evalap2"
    error_message = "the user identity must follow user_name"
  }

  assert {
    condition     = scaleway_rdb_user.app.password_wo_version == tonumber(scaleway_secret_version.password.revision)
    error_message = "the user's password version must always be the secret version's revision"
  }
}

run "rejects_password_version_zero" {
  command = plan

  variables {
    password_version = 0
  }

  expect_failures = [var.password_version]
}

run "daily_backups_off" {
  variables {
    daily_backups = false
  }

  assert {
    condition     = scaleway_rdb_instance.this.disable_backup == true
    error_message = "daily_backups = false must disable the automatic backups"
  }
}

run "backups_in_the_same_region" {
  variables {
    backup_same_region = true
  }

  assert {
    condition     = scaleway_rdb_instance.this.backup_same_region == true
    error_message = "backup_same_region = true must keep the logical backups in the instance's region"
  }
}

run "lssd_has_no_size" {
  variables {
    node_type   = "DB-DEV-S"
    volume_type = "lssd"
  }

  assert {
    condition     = scaleway_rdb_instance.this.volume_size_in_gb != 50
    error_message = "lssd volumes must not send volume_size_in_gb"
  }
}

run "rejects_unknown_volume_type" {
  command = plan

  variables {
    volume_type = "bssd"
  }

  expect_failures = [var.volume_type]
}

run "rejects_mysql" {
  command = plan

  variables {
    engine = "MySQL-8"
  }

  expect_failures = [var.engine]
}

run "rejects_volume_not_multiple_of_5" {
  command = plan

  variables {
    volume_size_in_gb = 22
  }

  expect_failures = [var.volume_size_in_gb]
}

run "rejects_too_many_replicas" {
  command = plan

  variables {
    read_replicas = 4
  }

  expect_failures = [var.read_replicas]
}

run "rejects_a_database_name_scaleway_reserves" {
  command = plan

  variables {
    database_name = "rdb"
  }

  expect_failures = [var.database_name]
}

run "rejects_a_pg_user_name" {
  command = plan

  variables {
    user_name = "pg_shop"
  }

  expect_failures = [var.user_name]
}

run "rejects_a_reserved_role_name" {
  command = plan

  variables {
    user_name = "public"
  }

  expect_failures = [var.user_name]
}
