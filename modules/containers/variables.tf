variable "name" {
  type        = string
  description = "Serverless Containers namespace name, e.g. \"shop-production\"."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 63
    error_message = "The namespace name must be at most 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (e.g. \"shop-production\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the namespace, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "description" {
  type        = string
  description = "Free-text description of the namespace."
  default     = ""
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the namespace."
  default     = []
}
