variable "environment" {
  type        = string
  description = "Environment name, e.g. \"production\". Used in the names of the CI applications."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.environment))
    error_message = "The environment must be 1 to 31 lowercase letters, digits and hyphens, starting with a letter (e.g. \"production\")."
  }
}

variable "project_id" {
  type        = string
  description = "UUID of the environment's Scaleway project: the CI credentials act on it (and on the backup project, if any) and on nothing else."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID such as \"11111111-2222-3333-4444-555555555555\"."
  }
}

variable "project_name" {
  type        = string
  description = "Name of the environment's project, e.g. \"shop-production\". Prefix of the application and policy names."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.project_name)) && length(var.project_name) <= 50
    error_message = "The project_name must be at most 50 lowercase letters, digits and single hyphens (e.g. \"shop-production\")."
  }
}

variable "organization_id" {
  type        = string
  description = "UUID of the Scaleway organization the applications and policies belong to. null: the provider's default organization."
  default     = null

  validation {
    condition     = var.organization_id == null ? true : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.organization_id))
    error_message = "The organization_id must be a lowercase UUID or null."
  }
}

variable "state_bucket" {
  type        = string
  description = "Name of the environment's state bucket (modules/state-bucket), in the same project; recorded in the descriptions of the CI credentials."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "The state_bucket must be a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "backup" {
  type = object({
    project_id             = string
    region                 = string
    secret_path            = string
    access_key_secret_name = optional(string, "backup-scw-access-key")
    secret_key_secret_name = optional(string, "backup-scw-secret-key")
  })
  description = "The environment's backup project (weekly/monthly backups), or null without one. With it: the backup application, its key written into two secrets of that project (UUID project_id, created by the bootstrap root, so unknown until its first apply: only whether backup is null decides what is created) in region, under the Secret Manager folder secret_path, named access_key_secret_name and secret_key_secret_name (the names modules/backups looks up); and rules for the deployer and planner in that project."
  default     = null

  validation {
    condition     = var.backup == null ? true : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.backup.project_id))
    error_message = "The backup.project_id must be a lowercase UUID such as \"11111111-2222-3333-4444-555555555555\"."
  }

  validation {
    condition     = var.backup == null ? true : can(regex("^[a-z]{2}-[a-z]{3}$", var.backup.region))
    error_message = "The backup.region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }

  validation {
    condition     = var.backup == null ? true : can(regex("^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", var.backup.secret_path))
    error_message = "The backup.secret_path must be an absolute Secret Manager folder such as \"/shop/production\" (starts with \"/\", no trailing \"/\")."
  }

  validation {
    condition     = var.backup == null ? true : alltrue([for n in [var.backup.access_key_secret_name, var.backup.secret_key_secret_name] : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", n))])
    error_message = "The backup secret names must be 1 to 255 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."
  }
}

variable "registry_reader" {
  type        = bool
  description = "Create a read-only Container Registry application for this environment's project: another environment promotes this one's releases with its key."
  default     = false
}

variable "protected" {
  type        = bool
  description = "Protect the backup key secrets against deletion (production)."
  default     = false
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the IAM applications, policies and backup key secrets."
  default     = []
}

variable "api_key_expires_at" {
  type        = string
  description = "When every API key of this module expires, an RFC 3339 UTC time such as \"2027-06-30T00:00:00Z\", or null for keys that never expire. Required in an Organization that enforces a maximum API key lifetime (its security settings), where keys without an expiry are refused. The provider replaces a key whose expires_at changes: update the GitHub secrets after such an apply."
  default     = null

  validation {
    condition     = var.api_key_expires_at == null ? true : can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", var.api_key_expires_at)) && can(formatdate("YYYY", var.api_key_expires_at))
    error_message = "The api_key_expires_at must be null or an RFC 3339 UTC time such as \"2027-06-30T00:00:00Z\" (a real day of the calendar)."
  }
}
