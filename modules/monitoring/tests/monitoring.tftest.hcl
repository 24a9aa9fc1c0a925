# Runs offline with a mocked Scaleway provider (OpenTofu >= 1.12.2 for the mock-provider fix,
# opentofu/opentofu#4251). Product names are the ones the Cockpit API returns (provider v2.81.0
# recordings).

mock_provider "scaleway" {
  mock_data "scaleway_cockpit_preconfigured_alert" {
    defaults = {
      alerts = [
        { preconfigured_rule_id = "rdb-cpu", product_name = "PostgreSQL", product_family = "Databases", name = "PostgreSQLHighCPULoad", display_name = "", display_description = "", duration = "10m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "rdb-storage", product_name = "PostgreSQL", product_family = "Databases", name = "PostgreSQLHighStorageUsage", display_name = "", display_description = "", duration = "10m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "cockpit-x", product_name = "Cockpit", product_family = "Observability", name = "CockpitX", display_name = "", display_description = "", duration = "0s", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "redis-mem", product_name = "Redis", product_family = "Databases", name = "RedisHighMemory", display_name = "", display_description = "", duration = "5m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
      ]
    }
  }
}

variables {
  project_id             = "11111111-2222-3333-4444-555555555555"
  region                 = "fr-par"
  contacts               = ["ops@example.org", "oncall@example.org"]
  preconfigured_products = ["PostgreSQL", "Cockpit"]
}

run "alert_manager" {
  assert {
    condition     = scaleway_cockpit_alert_manager.this.preconfigured_alert_ids == toset(["cockpit-x", "rdb-cpu", "rdb-storage"])
    error_message = "only the preconfigured rules of the chosen products must be enabled"
  }

  assert {
    condition     = tolist([for c in scaleway_cockpit_alert_manager.this.contact_points : c.email]) == tolist(["ops@example.org", "oncall@example.org"])
    error_message = "one e-mail contact point per contact"
  }
}

run "product_filter" {
  variables {
    preconfigured_products = ["PostgreSQL"]
  }

  assert {
    condition     = scaleway_cockpit_alert_manager.this.preconfigured_alert_ids == toset(["rdb-cpu", "rdb-storage"])
    error_message = "preconfigured_products must filter by product_name"
  }
}

run "rules_token" {
  assert {
    condition     = scaleway_cockpit_token.rules.scopes[0].setup_alerts && scaleway_cockpit_token.rules.scopes[0].setup_metrics_rules && scaleway_cockpit_token.rules.scopes[0].query_metrics
    error_message = "the token needs setup_alerts, setup_metrics_rules and query_metrics"
  }

  assert {
    condition     = !scaleway_cockpit_token.rules.scopes[0].write_metrics && !scaleway_cockpit_token.rules.scopes[0].write_logs && !scaleway_cockpit_token.rules.scopes[0].write_traces
    error_message = "the rules token must not be able to ingest data"
  }

  assert {
    condition     = nonsensitive(output.rules_token == scaleway_cockpit_token.rules.secret_key)
    error_message = "the token's secret key is the (sensitive) output the deploy workflow reads"
  }
}

run "no_preconfigured_products" {
  variables {
    preconfigured_products = []
  }

  assert {
    condition     = length(scaleway_cockpit_alert_manager.this.preconfigured_alert_ids) == 0 && length(data.scaleway_cockpit_preconfigured_alert.this) == 0
    error_message = "without products, no preconfigured rule and no lookup"
  }
}

run "rejects_products_cockpit_does_not_have" {
  command = plan

  variables {
    preconfigured_products = ["Serverless Containers"]
  }

  expect_failures = [var.preconfigured_products]
}

run "rejects_invalid_contact" {
  command = plan

  variables {
    contacts = ["not-an-email"]
  }

  expect_failures = [var.contacts]
}

run "no_contact_notifies_no_one" {
  command = plan

  variables {
    contacts = []
  }

  assert {
    condition     = length(scaleway_cockpit_alert_manager.this.contact_points) == 0
    error_message = "no contact must give no contact point"
  }
}

run "application_metrics_source" {
  variables {
    application_metrics_source = "evalap-production-application"
  }

  assert {
    condition     = scaleway_cockpit_source.application[0].name == "evalap-production-application" && scaleway_cockpit_source.application[0].type == "metrics"
    error_message = "custom rules need a custom metrics source to watch"
  }
}
