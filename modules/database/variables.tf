variable "name" {
  type        = string
  description = "Full Scaleway name of the Database Instance, e.g. \"shop-production-db\"."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 63
    error_message = "The name must be at most 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (e.g. \"shop-production-db\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the Database Instance, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "engine" {
  type        = string
  description = "PostgreSQL engine and major version, e.g. \"PostgreSQL-16\" (list them with `scw rdb engine list`). A change triggers a blue/green major upgrade."

  validation {
    condition     = can(regex("^PostgreSQL-[0-9]{2}$", var.engine))
    error_message = "The engine must be \"PostgreSQL-<major>\" such as \"PostgreSQL-16\" or \"PostgreSQL-17\": this module manages PostgreSQL only."
  }
}

variable "node_type" {
  type        = string
  description = "Node type, e.g. \"DB-DEV-S\", \"DB-PLAY2-NANO\", \"DB-PRO2-XS\", \"DB-POP2-2C-8G\" (list them with `scw rdb node-type list`). Changed in place."

  validation {
    condition     = can(regex("^(?i)db-[a-z0-9]+(-[a-z0-9]+)*$", var.node_type))
    error_message = "The node_type must be a Scaleway Database node type such as \"DB-DEV-S\" or \"DB-PRO2-XS\"."
  }
}

variable "volume_type" {
  type        = string
  description = "Storage: \"sbs_5k\" or \"sbs_15k\" (Block Storage, 5000/15000 IOPS; size set by volume_size_in_gb) or \"lssd\" (local SSD, first-generation DB-DEV/DB-GP node types only; size fixed by the node type)."

  validation {
    condition     = contains(["sbs_5k", "sbs_15k", "lssd"], var.volume_type)
    error_message = "The volume_type must be \"sbs_5k\", \"sbs_15k\" or \"lssd\"."
  }
}

variable "volume_size_in_gb" {
  type        = number
  description = "Block Storage size in GB (multiple of 5). Ignored for lssd, whose size comes from the node type."

  validation {
    condition     = var.volume_size_in_gb >= 5 && var.volume_size_in_gb <= 10000 && var.volume_size_in_gb % 5 == 0
    error_message = "The volume_size_in_gb must be a multiple of 5 between 5 and 10000."
  }
}

variable "ha" {
  type        = bool
  description = "High availability: a hot standby node with synchronous replication and automatic failover. Can be enabled later but never disabled."
}

variable "read_replicas" {
  type        = number
  description = "Number of read replicas, each in another zone (same_zone = false) and on the Private Network. Replicas are not promoted automatically."

  validation {
    condition     = var.read_replicas >= 0 && var.read_replicas <= 3 && floor(var.read_replicas) == var.read_replicas
    error_message = "The read_replicas must be a whole number between 0 and 3."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the application database, e.g. \"shop\"."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "The database_name must be 1 to 63 lowercase letters, digits and \"_\", not starting with a digit (e.g. \"shop\")."
  }

  # The names scaleway_rdb_database refuses (terraform-provider-scaleway v2.81.0,
  # internal/services/rdb/database.go:58-68, validation.StringNotInSlice), refused here at
  # validate time rather than at plan time.
  validation {
    condition     = !contains(["information_schema", "mysql", "performance_schema", "postgres", "rdb", "sys", "template0", "template1"], var.database_name)
    error_message = "The database_name must not be information_schema, mysql, performance_schema, postgres, rdb, sys, template0 or template1: Scaleway reserves them."
  }
}

variable "user_name" {
  type        = string
  description = "Name of the application user (owner-level rights on database_name). The instance admin user is \"<user_name>_admin\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,56}$", var.user_name))
    error_message = "The user_name must be 1 to 57 lowercase letters, digits and \"_\", starting with a letter (e.g. \"shop\"); the admin user \"<user_name>_admin\" must fit in 63 characters."
  }

  # PostgreSQL refuses role names starting with "pg_" (since 9.6: "role name ... is reserved",
  # "Role names starting with \"pg_\" are reserved", src/backend/commands/user.c).
  validation {
    condition     = !startswith(var.user_name, "pg_")
    error_message = "The user_name must not start with \"pg_\": PostgreSQL reserves those role names."
  }

  # PostgreSQL refuses "public" and "none" as role names, quoted or not (src/backend/parser/gram.y,
  # RoleId and RoleSpec: "role name ... is reserved").
  validation {
    condition     = !contains(["public", "none"], var.user_name)
    error_message = "The user_name must not be \"public\" or \"none\": PostgreSQL reserves those role names."
  }
}

variable "private_network_id" {
  type        = string
  description = "Private Network the instance and its replicas are reachable on (IPAM). The instance has no public endpoint."

  validation {
    condition     = can(regex("^([a-z]{2}-[a-z]{3}/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.private_network_id))
    error_message = "The private_network_id must be a UUID, optionally prefixed by its region (\"fr-par/<uuid>\")."
  }
}

variable "daily_backups" {
  type        = bool
  description = "Scaleway's automatic backups of the instance (every backup_frequency_hours, kept backup_retention_days). false sets disable_backup; the schedule inputs are still sent but unused."
  default     = true
}

variable "backup_same_region" {
  type        = bool
  description = "Store the instance's logical backups in its own region. false (Scaleway's default) stores them on a backend in another region than the instance."
  default     = false
}

variable "backup_frequency_hours" {
  type        = number
  description = "Interval in hours between automatic backups (24 = daily)."

  validation {
    condition     = var.backup_frequency_hours >= 1 && var.backup_frequency_hours <= 168 && floor(var.backup_frequency_hours) == var.backup_frequency_hours
    error_message = "The backup_frequency_hours must be a whole number of hours between 1 and 168 (one week)."
  }
}

variable "backup_retention_days" {
  type        = number
  description = "Days each automatic backup is kept."

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 365 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "The backup_retention_days must be a whole number of days between 1 and 365."
  }
}

variable "settings" {
  type        = map(string)
  description = "PostgreSQL settings applied to the instance, e.g. { max_connections = \"200\" }. Empty: the engine's defaults, left as the API returns them."
  default     = {}
  nullable    = false
}

variable "password_secret_name" {
  type        = string
  description = "Name of the Secret Manager secret (under secret_path) holding the application user's password, e.g. \"database-password\"."
  default     = "database-password"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", var.password_secret_name))
    error_message = "The password secret name must be letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit."
  }
}

variable "password_version" {
  type        = number
  description = "Rotation counter of the application user's password: increase it by one to write a new password to the user and to its secret in one apply."
  default     = 1

  validation {
    condition     = var.password_version >= 1 && floor(var.password_version) == var.password_version
    error_message = "The password_version must be a whole number of at least 1 (the provider never sends a password for version 0)."
  }
}

variable "secret_path" {
  type        = string
  description = "Secret Manager folder of the password secret, e.g. \"/shop/production\"."

  validation {
    condition     = can(regex("^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", var.secret_path))
    error_message = "The secret_path must be an absolute Secret Manager folder such as \"/shop/production\" (starts with \"/\", no trailing \"/\")."
  }
}

variable "protected" {
  type        = bool
  description = "Protect the password secret against deletion (use true in production)."
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the instance and the password secret."
  default     = []
}
