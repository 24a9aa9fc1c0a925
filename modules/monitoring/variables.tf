variable "project_id" {
  type        = string
  description = "UUID of the Scaleway project whose Cockpit is configured."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "The project_id must be a lowercase UUID such as \"11111111-2222-3333-4444-555555555555\"."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the Cockpit alert manager, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "contacts" {
  type        = list(string)
  description = "E-mail addresses receiving the alerts (Cockpit contact points). Empty: the alerts fire in Cockpit but notify no one (tofugen refuses that in production, rule TG109)."

  validation {
    condition     = alltrue([for c in var.contacts : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", c))])
    error_message = "The contacts must be e-mail addresses such as \"ops@example.org\"."
  }

  validation {
    condition     = length(distinct(var.contacts)) == length(var.contacts)
    error_message = "The contacts must not repeat an address."
  }
}

variable "preconfigured_products" {
  type        = list(string)
  description = "Products whose Scaleway preconfigured alert rules are enabled (product_name of data.scaleway_cockpit_preconfigured_alert). Names seen in the API (provider v2.81.0 test recordings): Instance, Kubernetes, Data Warehouse, LB, MySQL, PostgreSQL, Redis, Cockpit, SQL Databases. Serverless Containers and Serverless Jobs have none."
  default     = []

  validation {
    condition     = alltrue([for p in var.preconfigured_products : contains(["Instance", "Kubernetes", "Data Warehouse", "LB", "MySQL", "PostgreSQL", "Redis", "Cockpit", "SQL Databases"], p)])
    error_message = "The preconfigured_products must be product names Cockpit has preconfigured alerts for: Instance, Kubernetes, Data Warehouse, LB, MySQL, PostgreSQL, Redis, Cockpit or SQL Databases."
  }
}

variable "token_name" {
  type        = string
  description = "Name of the Cockpit token CI pushes the alert rule groups with."
  default     = "ci-alert-rules"
}

variable "application_metrics_source" {
  type        = string
  description = "Name of a custom metrics data source to create for the application's own metrics (custom alert rules watch them), or null for none."
  default     = null
}
