output "alert_manager_url" {
  description = "URL of the project's Cockpit alert manager."
  value       = scaleway_cockpit_alert_manager.this.alert_manager_url
}

output "rules_token" {
  description = "Secret key of the Cockpit token that pushes the alert rule groups (scopes: query_metrics, setup_metrics_rules, setup_alerts)."
  value       = scaleway_cockpit_token.rules.secret_key
  sensitive   = true
}

output "preconfigured_alert_ids" {
  description = "IDs of the preconfigured rules enabled on the alert manager."
  value       = local.preconfigured_alert_ids
}

output "application_metrics_push_url" {
  description = "Where the application pushes its metrics (Prometheus remote write / OTLP), or null without an application metrics source."
  value       = one(scaleway_cockpit_source.application[*].push_url)
}
