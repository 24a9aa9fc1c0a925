# One regional VPC per environment and one regional Private Network inside it.
# The database is reachable only through this Private Network; containers attach to it
# for egress (Serverless Containers have no private ingress).

resource "scaleway_vpc" "this" {
  name   = var.name
  region = var.region
  tags   = var.tags
}

# Private Networks are regional: never set the deprecated `zone` / `is_regional`.
resource "scaleway_vpc_private_network" "this" {
  name   = var.name
  region = var.region
  vpc_id = scaleway_vpc.this.id
  tags   = var.tags
}
