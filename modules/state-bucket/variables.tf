variable "name" {
  type        = string
  description = "Bucket name, e.g. \"shop-tfstate-production\". Globally unique across Scaleway Object Storage."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) && !strcontains(var.name, "..")
    error_message = "The bucket name must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (e.g. \"shop-tfstate-production\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the bucket, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "project_id" {
  type        = string
  description = "UUID of the environment's project that owns the bucket (the CI API keys' default project, which Object Storage uses)."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID such as \"11111111-2222-3333-4444-555555555555\"."
  }
}

variable "keep_versions_days" {
  type        = number
  description = "Days a superseded (noncurrent) state version is kept before it expires: the window in which an older state can be restored."

  validation {
    condition     = var.keep_versions_days >= 1 && var.keep_versions_days <= 3650 && floor(var.keep_versions_days) == var.keep_versions_days
    error_message = "The keep_versions_days must be a whole number between 1 and 3650."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the bucket (Object Storage tags are key/value pairs)."
  default     = {}
}
