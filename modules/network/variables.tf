variable "name" {
  type        = string
  description = "Full Scaleway name of the VPC and of its Private Network, e.g. \"shop-production\"."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.name))
    error_message = "The name must be 1 to 63 characters of lowercase letters, digits and hyphens, starting with a letter or digit (e.g. \"shop-production\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the VPC and Private Network, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the VPC and the Private Network."
  default     = []
}
