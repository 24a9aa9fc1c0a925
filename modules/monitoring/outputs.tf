output "alert_manager_url" {
  description = "URL of the project's Cockpit alert manager."
  value       = scaleway_cockpit_alert_manager.this.alert_manager_url
}

output "metrics_datasource_url" {
  description = "URL of the built-in Scaleway metrics data source: push rule groups to <url>/prometheus/config/v1/rules/<namespace>."
  value       = data.scaleway_cockpit_sources.scaleway_metrics.sources[0].url
}

output "rules_token_secret_id" {
  description = "Secret Manager ID of the secret holding the Cockpit token CI uses to push alert rules."
  value       = scaleway_secret.rules_token.id

  depends_on = [scaleway_secret_version.rules_token]
}
