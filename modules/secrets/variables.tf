variable "path" {
  type        = string
  description = "Secret Manager folder holding every secret of the environment, e.g. \"/shop/production\"."

  validation {
    condition     = can(regex("^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", var.path))
    error_message = "The path must be an absolute Secret Manager folder such as \"/shop/production\": it starts with \"/\", has no trailing \"/\" and uses letters, digits, \"_\", \".\" and \"-\"."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the secrets, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "protected" {
  type        = bool
  description = "Protect every secret against deletion (a protected secret cannot be destroyed until this is set back to false). Use true in production."
}

variable "operator_secrets" {
  type = map(object({
    description = string
  }))
  description = "Secrets whose value a human adds out of band (`scw secret version create`): name -> description. The module creates the secret but no version."
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.operator_secrets) : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", name))])
    error_message = "Operator secret names must be 1 to 255 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit (e.g. \"OPENAI_API_KEY\")."
  }
}

variable "generated_secrets" {
  type = map(object({
    description = string
    length      = number
  }))
  description = "Secrets whose value is a random password generated at creation (ephemeral random_password -> write-only data_wo, never stored in state): name -> description and length."
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.generated_secrets) : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", name))])
    error_message = "Generated secret names must be 1 to 255 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit (e.g. \"ADMIN_TOKEN\")."
  }

  validation {
    condition     = alltrue([for s in values(var.generated_secrets) : s.length >= 16 && s.length <= 1000 && floor(s.length) == s.length])
    error_message = "Every generated secret length must be a whole number between 16 and 1000 characters (the Scaleway provider 2.81.0 takes container secret values of at most 1000 bytes)."
  }
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to every secret."
  default     = []
}

variable "project_id" {
  type        = string
  description = "UUID of the project the secrets belong to (the bootstrap root's provider has no default project). null: the provider's default project."
  default     = null

  validation {
    condition     = var.project_id == null ? true : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID or null."
  }
}
