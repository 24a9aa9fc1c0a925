variable "project_id" {
  type        = string
  description = "UUID of the environment's Scaleway project whose Cockpit is configured."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID such as \"11111111-2222-3333-4444-555555555555\"."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the Cockpit alert manager and data sources, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "contacts" {
  type        = list(string)
  description = "E-mail addresses receiving the alerts (Cockpit contact points)."

  validation {
    condition     = length(var.contacts) >= 1 && alltrue([for c in var.contacts : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", c))])
    error_message = "The contacts must be a non-empty list of e-mail addresses such as \"ops@example.org\"."
  }

  validation {
    condition     = length(distinct(var.contacts)) == length(var.contacts)
    error_message = "The contacts must not repeat an address."
  }
}

variable "preconfigured_products" {
  type        = list(string)
  description = "Products whose Scaleway preconfigured alert rules are enabled (product_name of data.scaleway_cockpit_preconfigured_alert)."
  default     = ["PostgreSQL", "Serverless Containers", "Serverless Jobs"]

  validation {
    condition     = alltrue([for p in var.preconfigured_products : trimspace(p) != ""])
    error_message = "The preconfigured_products must be product names such as \"PostgreSQL\" or \"Serverless Containers\", not empty strings."
  }
}

variable "secret_path" {
  type        = string
  description = "Secret Manager folder where the alert-rules token is stored, e.g. \"/evalap/production\"."

  validation {
    condition     = can(regex("^/([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", var.secret_path))
    error_message = "The secret_path must be an absolute Secret Manager folder such as \"/evalap/production\" (starts with \"/\", no trailing \"/\")."
  }
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the token secret (Cockpit alert managers and tokens have no tags)."
  default     = []
}
