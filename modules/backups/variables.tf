variable "name" {
  type        = string
  description = "Name prefix of the backup jobs, e.g. \"shop-production-backup\". Jobs are \"<name>-weekly\" and \"<name>-monthly\"."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 55
    error_message = "The name must be at most 55 lowercase letters, digits and single hyphens (room for the \"-monthly\" suffix), e.g. \"shop-production-backup\"."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the jobs, the key secrets and the database, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "project_id" {
  type        = string
  description = "UUID of the environment's backup project (created by the bootstrap root): holds the jobs and the key secrets."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lower-case UUID."
  }
}

variable "database_project_id" {
  type        = string
  description = "UUID of the environment project holding the database (SCW_DEFAULT_PROJECT_ID of the jobs)."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.database_project_id))
    error_message = "The database_project_id must be a lower-case UUID."
  }
}

variable "instance_id" {
  type        = string
  description = "ID of the Database Instance to back up, as a UUID or in regional form (\"fr-par/<uuid>\", the output of modules/database)."

  validation {
    condition     = can(regex("^([a-z]{2}-[a-z]{3}/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.instance_id))
    error_message = "The instance_id must be a UUID, optionally prefixed by its region (\"fr-par/<uuid>\")."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the database to back up (logical backup of this database)."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "The database_name must be 1 to 63 lowercase letters, digits and \"_\", not starting with a digit."
  }
}

variable "cli_image" {
  type        = string
  description = "Pinned Scaleway CLI image running the backups, e.g. \"docker.io/scaleway/cli:v2.61.0\" (the registry named in full, as in the Scaleway provider's own tests)."

  validation {
    condition     = can(regex("^[a-z0-9._/:-]+:v[0-9]+\\.[0-9]+\\.[0-9]+$", var.cli_image))
    error_message = "The cli_image must be pinned to a full version tag such as \"docker.io/scaleway/cli:v2.61.0\" (never \"latest\")."
  }
}

variable "timezone" {
  type        = string
  description = "IANA time zone of the cron schedules, e.g. \"Europe/Paris\" or \"UTC\"."

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$", var.timezone))
    error_message = "The timezone must be an IANA time zone name such as \"Europe/Paris\" or \"UTC\"."
  }
}

variable "weekly" {
  type = object({
    schedule       = string
    retention_days = number
  })
  description = "Weekly tier: cron schedule (5 fields, e.g. \"0 3 * * 0\") and days each backup is kept. null disables the tier."
  default     = null

  validation {
    condition     = alltrue([for t in(var.weekly == null ? [] : [var.weekly]) : can(regex("^[0-9A-Za-z*/,-]+( [0-9A-Za-z*/,-]+){4}$", t.schedule))])
    error_message = "The weekly schedule must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \"0 3 * * 0\"."
  }

  validation {
    condition     = alltrue([for t in(var.weekly == null ? [] : [var.weekly]) : t.retention_days >= 7 && t.retention_days <= 3650 && floor(t.retention_days) == t.retention_days])
    error_message = "The weekly retention_days must be a whole number between 7 and 3650."
  }
}

variable "monthly" {
  type = object({
    schedule       = string
    retention_days = number
  })
  description = "Monthly tier: cron schedule (5 fields, e.g. \"0 4 1 * *\") and days each backup is kept. null disables the tier."
  default     = null

  validation {
    condition     = alltrue([for t in(var.monthly == null ? [] : [var.monthly]) : can(regex("^[0-9A-Za-z*/,-]+( [0-9A-Za-z*/,-]+){4}$", t.schedule))])
    error_message = "The monthly schedule must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \"0 4 1 * *\"."
  }

  validation {
    condition     = alltrue([for t in(var.monthly == null ? [] : [var.monthly]) : t.retention_days >= 28 && t.retention_days <= 3650 && floor(t.retention_days) == t.retention_days])
    error_message = "The monthly retention_days must be a whole number between 28 and 3650."
  }
}

variable "timeout_minutes" {
  type        = number
  description = "Longest run of one backup job, in minutes; the script waits up to 10 minutes less for the backup, then fails the run (a retry resumes the wait)."
  default     = 360

  validation {
    condition     = var.timeout_minutes >= 30 && var.timeout_minutes <= 1440 && floor(var.timeout_minutes) == var.timeout_minutes
    error_message = "The timeout_minutes must be a whole number between 30 and 1440."
  }
}

variable "secret_path" {
  type        = string
  description = "Secret Manager folder of the backup project holding the backup key secrets (created by modules/iam in the bootstrap root), e.g. \"/shop/production\"."

  validation {
    condition     = can(regex("^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", var.secret_path))
    error_message = "The secret_path must be an absolute Secret Manager folder such as \"/shop/production\" (starts with \"/\", no trailing \"/\")."
  }
}

variable "access_key_secret_name" {
  type        = string
  description = "Name of the secret under secret_path holding the backup API access key (SCW_ACCESS_KEY of the jobs)."
  default     = "backup-scw-access-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", var.access_key_secret_name))
    error_message = "The secret name must be 1 to 255 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."
  }
}

variable "secret_key_secret_name" {
  type        = string
  description = "Name of the secret under secret_path holding the backup API secret key (SCW_SECRET_KEY of the jobs)."
  default     = "backup-scw-secret-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", var.secret_key_secret_name))
    error_message = "The secret name must be 1 to 255 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."
  }
}
