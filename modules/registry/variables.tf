variable "name" {
  type        = string
  description = "Registry namespace name, e.g. \"shop-production\". Unique per region across all of Scaleway; changing it recreates the namespace."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 63
    error_message = "The namespace name must be at most 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (e.g. \"shop-production\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the registry namespace, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "is_public" {
  type        = bool
  description = "Whether anyone may pull images without authentication. Keep false: the containers pull with the namespace's own IAM application."
  default     = false
}

variable "project_id" {
  type        = string
  description = "UUID of the environment's project the namespace belongs to (the bootstrap root's provider has no default project). null: the provider's default project."
  default     = null

  validation {
    condition     = var.project_id == null ? true : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID or null."
  }
}
