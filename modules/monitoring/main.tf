# Cockpit alerting of one environment: the project's alert manager with e-mail contact points
# and Scaleway's preconfigured rules for the chosen products, plus a token CI uses to push the
# generated Prometheus rule groups to the Scaleway metrics data source.
# The deprecated `scaleway_cockpit` resource and `enable_managed_alerts` are never used.

data "scaleway_cockpit_preconfigured_alert" "this" {
  project_id = var.project_id
  region     = var.region
}

locals {
  preconfigured_alert_ids = sort(distinct([
    for a in data.scaleway_cockpit_preconfigured_alert.this.alerts : a.preconfigured_rule_id
    if contains(var.preconfigured_products, a.product_name)
  ]))
}

resource "scaleway_cockpit_alert_manager" "this" {
  project_id              = var.project_id
  region                  = var.region
  preconfigured_alert_ids = local.preconfigured_alert_ids

  dynamic "contact_points" {
    for_each = var.contacts
    content {
      email = contact_points.value
    }
  }
}

# Only what pushing and checking rule groups needs: write the rules (setup_metrics_rules,
# setup_alerts) and query them back (query_metrics). Every write/ingest scope is off.
resource "scaleway_cockpit_token" "rules" {
  project_id = var.project_id
  region     = var.region
  name       = "ci-alert-rules"

  scopes {
    query_metrics       = true
    setup_metrics_rules = true
    setup_alerts        = true
    write_metrics       = false
    query_logs          = false
    write_logs          = false
    setup_logs_rules    = false
    query_traces        = false
    write_traces        = false
  }
}

resource "scaleway_secret" "rules_token" {
  name        = "COCKPIT_RULES_TOKEN"
  path        = var.secret_path
  region      = var.region
  description = "Cockpit token CI uses to push the alert rule groups (scopes: query_metrics, setup_metrics_rules, setup_alerts)"
  tags        = var.tags
}

# Write-only copy of the token; a new token (replacement) writes a new version.
resource "scaleway_secret_version" "rules_token" {
  secret_id       = scaleway_secret.rules_token.id
  region          = var.region
  description     = "Secret key of Cockpit token ${scaleway_cockpit_token.rules.name}"
  data_wo         = scaleway_cockpit_token.rules.secret_key
  data_wo_version = 1

  lifecycle {
    replace_triggered_by = [scaleway_cockpit_token.rules.id]
  }
}

# Scaleway product metrics (serverless_container_*, rdb_*, serverless_job_run:*) live in the
# built-in "Scaleway Metrics" source; rules about them must be pushed to that source.
data "scaleway_cockpit_sources" "scaleway_metrics" {
  project_id = var.project_id
  region     = var.region
  origin     = "scaleway"
  type       = "metrics"

  lifecycle {
    postcondition {
      condition     = length(self.sources) >= 1
      error_message = "Cockpit has no Scaleway metrics data source in this project and region yet. It appears once Cockpit is active for the project; open Cockpit in the console once, then re-run."
    }
  }
}
