output "vpc_id" {
  description = "ID of the VPC (regional form, e.g. \"fr-par/<uuid>\")."
  value       = scaleway_vpc.this.id
}

output "private_network_id" {
  description = "ID of the Private Network the database and the containers attach to."
  value       = scaleway_vpc_private_network.this.id
}
