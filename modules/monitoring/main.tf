# Cockpit alerting of one Scaleway project: the project's alert manager with e-mail contact
# points and Scaleway's preconfigured rules for the chosen products, plus a token CI uses to push
# the generated Prometheus rule groups to the project's Scaleway metrics data source.
#
# The token's secret key is a sensitive output, kept in the (encrypted) state: the deploy
# workflow reads it with `tofu output` and pushes the rule groups with it. The Scaleway metrics
# data source exists only once the project has resources that report to Cockpit (a new project
# has none, see the provider's TestAccCockpitSources_DataSource_Empty), so it is not looked up
# here: the workflow finds it through the Cockpit API after the apply, and waits for it.
# The deprecated `scaleway_cockpit` resource and `enable_managed_alerts` are never used.

data "scaleway_cockpit_preconfigured_alert" "this" {
  count = length(var.preconfigured_products) == 0 ? 0 : 1

  project_id = var.project_id
  region     = var.region
}

locals {
  preconfigured_alert_ids = sort(distinct([
    for a in try(data.scaleway_cockpit_preconfigured_alert.this[0].alerts, []) : a.preconfigured_rule_id
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
  name       = var.token_name

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

# Where the application pushes its own metrics (rules with a custom `expr` watch them): a custom
# metrics data source, created only when the environment has such rules.
resource "scaleway_cockpit_source" "application" {
  count = var.application_metrics_source == null ? 0 : 1

  project_id     = var.project_id
  region         = var.region
  name           = var.application_metrics_source
  type           = "metrics"
  retention_days = 31
}
