output "job_definition_ids" {
  description = "Job definition ID of every enabled tier: tier (\"weekly\", \"monthly\") -> ID."
  value       = { for tier, j in scaleway_job_definition.backup : tier => j.id }
}

output "job_names" {
  description = "Job name of every enabled tier: tier -> name (the resource_name label of the serverless_job_run metrics, used by backup-failure alerts)."
  value       = { for tier, j in scaleway_job_definition.backup : tier => j.name }
}
