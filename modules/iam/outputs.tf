output "deployer_application_id" {
  description = "ID of the IAM application CI uses for tofu apply."
  value       = scaleway_iam_application.deployer.id
}

output "planner_application_id" {
  description = "ID of the IAM application CI uses for tofu plan."
  value       = scaleway_iam_application.planner.id
}

output "deployer_access_key" {
  description = "Access key of the deployer API key (SCW_ACCESS_KEY / AWS_ACCESS_KEY_ID of the apply job)."
  value       = scaleway_iam_api_key.deployer.access_key
}

output "deployer_secret_key" {
  description = "Secret key of the deployer API key. Copy it into the GitHub environment secret by hand (`tofu output -raw`); it is never printed."
  value       = scaleway_iam_api_key.deployer.secret_key
  sensitive   = true
}

output "planner_access_key" {
  description = "Access key of the planner API key (SCW_ACCESS_KEY / AWS_ACCESS_KEY_ID of the plan job)."
  value       = scaleway_iam_api_key.planner.access_key
}

output "planner_secret_key" {
  description = "Secret key of the planner API key. Copy it into the GitHub environment secret by hand (`tofu output -raw`); it is never printed."
  value       = scaleway_iam_api_key.planner.secret_key
  sensitive   = true
}

output "backup_application_id" {
  description = "ID of the IAM application of the database backup jobs (null without a backup project)."
  value       = one(scaleway_iam_application.backup[*].id)
}

output "backup_access_key" {
  description = "Access key of the backup jobs' API key (null without a backup project). Its secret key is only in Secret Manager (and this root's encrypted state), never an output."
  value       = one(scaleway_iam_api_key.backup[*].access_key)
}

output "backup_secret_ids" {
  description = "Secret Manager IDs of the backup key secrets: { access_key, secret_key } (empty without a backup project)."
  value       = { for k, s in scaleway_secret.backup : k => s.id }

  depends_on = [scaleway_secret_version.backup]
}

output "registry_reader_secret_key" {
  description = "Secret key of the registry reader (null unless registry_reader): the password `docker login`/`skopeo` use to pull this environment's images when promoting them."
  value       = one(scaleway_iam_api_key.registry_reader[*].secret_key)
  sensitive   = true
}
