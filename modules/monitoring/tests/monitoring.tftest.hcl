# Runs offline with a mocked Scaleway provider. Needs an OpenTofu release that includes the fix
# for opentofu/opentofu#4251 (mock providers whose schema declares ephemeral resources).

mock_provider "scaleway" {
  mock_data "scaleway_cockpit_preconfigured_alert" {
    defaults = {
      alerts = [
        { preconfigured_rule_id = "rdb-cpu", product_name = "PostgreSQL", product_family = "Databases", name = "PostgreSQLHighCPULoad", display_name = "", display_description = "", duration = "10m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "rdb-storage", product_name = "PostgreSQL", product_family = "Databases", name = "PostgreSQLHighStorageUsage", display_name = "", display_description = "", duration = "10m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "job-failed", product_name = "Serverless Jobs", product_family = "Serverless", name = "JobRunFailed", display_name = "", display_description = "", duration = "0s", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
        { preconfigured_rule_id = "redis-mem", product_name = "Redis", product_family = "Databases", name = "RedisHighMemory", display_name = "", display_description = "", duration = "5m", rule = "", rule_status = "enabled", state = "", data_source_id = "", annotations = {} },
      ]
    }
  }

  mock_data "scaleway_cockpit_sources" {
    defaults = {
      sources = [
        { id = "src", name = "Scaleway Metrics", origin = "scaleway", type = "metrics", url = "https://abc.metrics.cockpit.fr-par.scw.cloud", push_url = "", project_id = "11111111-2222-3333-4444-555555555555", region = "fr-par", retention_days = 31, synchronized_with_grafana = true, created_at = "", updated_at = "" },
      ]
    }
  }
}

variables {
  project_id  = "11111111-2222-3333-4444-555555555555"
  region      = "fr-par"
  contacts    = ["ops@example.org", "oncall@example.org"]
  secret_path = "/evalap/production"
}

run "alert_manager" {
  assert {
    condition     = scaleway_cockpit_alert_manager.this.preconfigured_alert_ids == toset(["rdb-cpu", "rdb-storage", "job-failed"])
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
    condition     = scaleway_secret.rules_token.path == "/evalap/production" && scaleway_secret_version.rules_token.data_wo_version == 1
    error_message = "the token must be stored (write-only) under secret_path"
  }
}

run "metrics_source_url" {
  assert {
    condition     = output.metrics_datasource_url == "https://abc.metrics.cockpit.fr-par.scw.cloud"
    error_message = "metrics_datasource_url must be the Scaleway metrics source URL"
  }

  assert {
    condition     = data.scaleway_cockpit_sources.scaleway_metrics.origin == "scaleway" && data.scaleway_cockpit_sources.scaleway_metrics.type == "metrics"
    error_message = "the source lookup must filter origin = scaleway, type = metrics"
  }
}

run "rejects_invalid_contact" {
  command = plan

  variables {
    contacts = ["not-an-email"]
  }

  expect_failures = [var.contacts]
}

run "rejects_no_contact" {
  command = plan

  variables {
    contacts = []
  }

  expect_failures = [var.contacts]
}
