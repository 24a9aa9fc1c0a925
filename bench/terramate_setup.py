#!/usr/bin/env python3
"""Writes a Terramate project equivalent to tofugen's synthetic configuration (src/synthetic.rs).

    python3 bench/terramate_setup.py SERVICES ENVIRONMENTS OUT_DIR
    python3 bench/terramate_setup.py --verify TOFUGEN_GENERATED_DIR TERRAMATE_STACKS_DIR

OUT_DIR gets:
  terramate.tm.hcl           project root (required_version makes it one without git;
                             telemetry off)
  globals.tm.hcl             the defaults of environments.yaml: project, versions, database,
                             secrets, and one literal entry per service (image, port, cpu,
                             memory, scale, probes, env, secrets), plus the derived values
                             (tags, effective database, effective services) as `for`
                             expressions and tm_ functions, evaluated per stack
  generate.tm.hcl            generate_hcl blocks inherited by every stack: main.tf (network,
                             registry, containers, secrets, database, [backups], one
                             `module "service_<name>"` per service through tm_dynamic,
                             monitoring), versions.tf, providers.tf, variables.tf, outputs.tf
  stacks/<env>/stack.tm.hcl  one stack per environment (env0..env{M-2}, production), with the
                             production overrides as stack globals (scale of every service,
                             HA database and its backups), like environments.yaml's overrides
  modules/                   not written: link or copy tofugen's modules/ here if you want to
                             run `tofu validate` on the stacks (generation does not read them)

The module arguments are the ones tofugen emits for the same synthetic configuration (see
generated/<env>/main.tf after `tofugen generate`); comments are not reproduced (generate_hcl
cannot emit them). The work scales with SERVICES x ENVIRONMENTS: every stack evaluates the
globals of every service and emits one module block per service.
"""

import os
import re
import sys


def hcl_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${") + '"'


ROOT = """\
terramate {
  required_version = "~> 0.17.0"
  config {
    telemetry {
      enabled = false
    }
  }
}
"""


def globals_file(services):
    out = []
    w = out.append
    w("globals {")
    w('  project = "synth"')
    w('  region  = "fr-par"')
    w('  zone    = "fr-par-1"')
    w('  tier    = "staging"')
    w('  versions = { opentofu = "1.11.5", scaleway_provider = "2.81.0", random_provider = "3.7.2" }')
    w("  database = {")
    w('    engine      = "PostgreSQL-16"')
    w('    node_type   = "DB-DEV-S"')
    w('    volume      = { type = "sbs_5k", size = "20GB" }')
    w("    ha          = false")
    w("    backups     = { daily = { retention = \"7d\" }, weekly = null, monthly = null }")
    w("  }")
    w("  database_overrides = {}")
    w("  secrets = {")
    w('    POSTGRES_URL = { source = "database", description = "" }')
    w('    APP_TOKEN    = { source = "generated", description = "", length = 48 }')
    w("  }")
    w('  contacts = ["ops@example.org"]')
    w("  services = {")
    for i in range(services):
        env_refs = '{ UPSTREAM_URL = "svc0" }' if i > 0 else "{}"
        w(f"    svc{i} = {{")
        w(f'      image       = "synth-svc{i}"')
        w('      description = ""')
        w("      port        = 8000")
        w('      cpu         = "500m"')
        w('      memory      = "1GB"')
        w("      scale       = { min = 1, max = 4, concurrent_requests = 40 }")
        w('      probes      = { startup = { path = "/health" }, liveness = { path = "/health" } }')
        w("      database    = true")
        w('      env         = { LOG_LEVEL = "info" }')
        w(f"      env_refs    = {env_refs}")
        w('      secrets     = ["POSTGRES_URL", "APP_TOKEN"]')
        w("    }")
    w("  }")
    w("  service_overrides = {}")
    w("}")
    w("")
    # Derived values: the resolve step (defaults + per-environment overrides, unit conversions).
    w("globals {")
    w("  env  = terramate.stack.name")
    w('  name = "${global.project}-${global.env}"')
    w('  tags = ["tofugen", "project:${global.project}", "env:${global.env}"]')
    w('  secret_path = "/${global.project}/${global.env}"')
    w('  protected   = global.tier == "production"')
    w("  db = tm_merge(global.database, global.database_overrides)")
    w("  db_retention_days = tm_tonumber(tm_trimsuffix(global.db.backups.daily.retention, \"d\"))")
    w("  db_volume_gb = tm_tonumber(tm_trimsuffix(global.db.volume.size, \"GB\"))")
    w("  has_backups = global.db.backups.weekly != null || global.db.backups.monthly != null")
    w("  effective_services = {")
    w("    for k, s in global.services : k => tm_merge(s, {")
    w("      scale     = tm_merge(s.scale, tm_try(global.service_overrides[k].scale, {}))")
    w('      cpu_limit = tm_tonumber(tm_trimsuffix(s.cpu, "m"))')
    w('      memory_bytes = tm_tonumber(tm_trimsuffix(s.memory, "GB")) * 1000000000')
    w("      probes = {")
    w("        for p, v in s.probes : p => tm_merge({ interval = \"10s\", timeout = \"5s\", failure_threshold = p == \"startup\" ? 30 : 3 }, v)")
    w("      }")
    w("    })")
    w("  }")
    w("  operator_secrets  = { for k, s in global.secrets : k => { description = s.description } if s.source == \"operator\" }")
    w("  generated_secrets = { for k, s in global.secrets : k => { description = s.description, length = s.length } if s.source == \"generated\" }")
    w("}")
    return "\n".join(out) + "\n"


GENERATE = r'''
generate_hcl "main.tf" {
  content {
    module "network" {
      source = "../../modules/network"
      name   = global.name
      region = global.region
      tags   = global.tags
    }

    module "registry" {
      source    = "../../modules/registry"
      name      = global.name
      region    = global.region
      is_public = false
    }

    module "containers" {
      source      = "../../modules/containers"
      name        = global.name
      region      = global.region
      description = "${global.project} ${global.env} services (managed by tofugen)"
      tags        = global.tags
    }

    module "secrets" {
      source            = "../../modules/secrets"
      path              = global.secret_path
      region            = global.region
      protected         = global.protected
      operator_secrets  = global.operator_secrets
      generated_secrets = global.generated_secrets
      tags              = global.tags
    }

    module "database" {
      source                 = "../../modules/database"
      name                   = "${global.name}-db"
      region                 = global.region
      engine                 = global.db.engine
      node_type              = global.db.node_type
      volume_type            = global.db.volume.type
      volume_size_in_gb      = global.db_volume_gb
      ha                     = global.db.ha
      read_replicas          = 0
      database_name          = global.project
      user_name              = global.project
      private_network_id     = module.network.private_network_id
      daily_backups          = true
      backup_frequency_hours = 24
      backup_retention_days  = global.db_retention_days
      url_secret_name        = "POSTGRES_URL"
      secret_path            = global.secret_path
      protected              = global.protected
      tags                   = global.tags
    }

    tm_dynamic "module" {
      condition = global.has_backups
      labels    = ["backups"]
      content {
        source                 = "../../modules/backups"
        name                   = "${global.name}-backup"
        region                 = global.region
        project_id             = var.project_id
        instance_id            = module.database.instance_id
        database_name          = global.project
        cli_image              = "scaleway/cli:v2.61.0"
        timezone               = "Europe/Paris"
        weekly                 = { schedule = global.db.backups.weekly.schedule, retention_days = tm_tonumber(tm_trimsuffix(global.db.backups.weekly.retention, "d")) }
        monthly                = { schedule = global.db.backups.monthly.schedule, retention_days = tm_tonumber(tm_trimsuffix(global.db.backups.monthly.retention, "d")) }
        secret_path            = global.secret_path
        access_key_secret_name = "backup-scw-access-key"
        secret_key_secret_name = "backup-scw-secret-key"
      }
    }

    tm_dynamic "module" {
      for_each = global.effective_services
      iterator = svc
      labels   = ["service_${svc.key}"]
      content {
        source             = "../../modules/service"
        name               = "${global.name}-${svc.key}"
        namespace_id       = module.containers.namespace_id
        region             = global.region
        description        = svc.value.description
        image              = "${module.registry.endpoint}/${svc.value.image}:${var.release[svc.key].tag}"
        image_digest       = var.release[svc.key].digest
        port               = svc.value.port
        protocol           = "http1"
        cpu_limit          = svc.value.cpu_limit
        memory_limit_bytes = svc.value.memory_bytes
        min_scale          = svc.value.scale.min
        max_scale          = svc.value.scale.max
        scaling            = { metric = "concurrent_requests", threshold = svc.value.scale.concurrent_requests }
        liveness_probe     = svc.value.probes.liveness
        startup_probe      = svc.value.probes.startup
        privacy            = "public"
        https_only         = true
        sandbox            = "v2"
        timeout_seconds    = 300
        environment_variables = tm_merge(svc.value.env, { for k, r in svc.value.env_refs : k => tm_hcl_expression("module.service_${r}.url") })
        secret_ids = {
          for s in svc.value.secrets : s => global.secrets[s].source == "database" ? tm_hcl_expression("module.database.url_secret_id") : tm_hcl_expression("module.secrets.secret_ids[\"${s}\"]")
        }
        private_network_id = module.network.private_network_id
        tags               = global.tags
      }
    }

    module "monitoring" {
      source                 = "../../modules/monitoring"
      project_id             = var.project_id
      region                 = global.region
      contacts               = global.contacts
      preconfigured_products = tm_concat(["PostgreSQL", "Serverless Containers"], global.has_backups ? ["Serverless Jobs"] : [])
      secret_path            = global.secret_path
      tags                   = global.tags
    }
  }
}

generate_hcl "versions.tf" {
  content {
    terraform {
      required_version = ">= 1.11.0"
      required_providers {
        scaleway = {
          source  = "scaleway/scaleway"
          version = global.versions.scaleway_provider
        }
        random = {
          source  = "hashicorp/random"
          version = global.versions.random_provider
        }
      }
      backend "s3" {
        bucket                      = "${global.project}-tfstate-${global.env}"
        key                         = "${global.env}/terraform.tfstate"
        region                      = global.region
        endpoints                   = { s3 = "https://s3.${global.region}.scw.cloud" }
        use_path_style              = true
        skip_credentials_validation = true
        skip_region_validation      = true
        skip_requesting_account_id  = true
        skip_metadata_api_check     = true
        skip_s3_checksum            = true
        use_lockfile                = true
      }
      encryption {
        key_provider "pbkdf2" "state" {
          passphrase = var.state_passphrase
        }
        method "aes_gcm" "state" {
          keys = key_provider.pbkdf2.state
        }
        state {
          method   = method.aes_gcm.state
          enforced = true
        }
        plan {
          method   = method.aes_gcm.state
          enforced = true
        }
      }
    }
  }
}

generate_hcl "providers.tf" {
  content {
    provider "scaleway" {
      region     = global.region
      zone       = global.zone
      project_id = var.project_id
    }
  }
}

generate_hcl "variables.tf" {
  content {
    variable "project_id" {
      type        = string
      description = "UUID of the Scaleway project of ${global.env} (created by generated/bootstrap; CI passes TF_VAR_project_id)."
      validation {
        condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
        error_message = "project_id must be a lower-case UUID."
      }
    }

    variable "state_passphrase" {
      type        = string
      description = "Passphrase encrypting this environment's state and plans (at least 16 characters)."
      sensitive   = true
      ephemeral   = true
      validation {
        condition     = length(var.state_passphrase) >= 16
        error_message = "The state passphrase must be at least 16 characters long."
      }
    }

    variable "release" {
      type        = map(object({ tag = string, digest = string }))
      description = "Image tag (git commit SHA) and registry digest (sha256:...) of every service; written by CI."
      validation {
        condition     = alltrue([for r in values(var.release) : can(regex("^[0-9a-f]{40}$", r.tag))])
        error_message = "Every release tag must be a full 40-character git commit SHA."
      }
      validation {
        condition     = alltrue([for r in values(var.release) : can(regex("^sha256:[0-9a-f]{64}$", r.digest))])
        error_message = "Every release digest must be a registry digest: sha256: followed by 64 hex digits."
      }
      validation {
        condition     = tm_hcl_expression("alltrue([for s in ${tm_jsonencode(tm_keys(global.effective_services))} : contains(keys(var.release), s)])")
        error_message = "The release must give a tag and digest for every service of ${global.env}: ${tm_join(", ", tm_keys(global.effective_services))}."
      }
    }
  }
}

generate_hcl "outputs.tf" {
  content {
    output "service_urls" {
      description = "Public HTTPS URL of every service, by name."
      value       = { for k, s in global.effective_services : k => tm_hcl_expression("module.service_${k}.url") }
    }
    output "database_host" {
      description = "Private hostname of the database (null without a database)."
      value       = module.database.host
    }
    output "database_port" {
      description = "Port of the database (null without a database)."
      value       = module.database.port
    }
    output "registry_endpoint" {
      description = "Registry endpoint images are pushed to."
      value       = module.registry.endpoint
    }
    output "release" {
      description = "Image tag and digest of every service as deployed (the rollback target of the next deploy)."
      value       = var.release
    }
    output "alert_manager_url" {
      description = "Cockpit alert manager URL."
      value       = module.monitoring.alert_manager_url
    }
    output "metrics_datasource_url" {
      description = "Cockpit metrics data source URL (Prometheus API)."
      value       = module.monitoring.metrics_datasource_url
    }
    output "rules_token_secret_id" {
      description = "Secret Manager id of the Cockpit token the deploy workflow pushes alert rules with."
      value       = module.monitoring.rules_token_secret_id
    }
  }
}
'''


def stack_file(env, production, services):
    out = [f"stack {{\n  name = {hcl_str(env)}\n  id   = {hcl_str(env)}\n}}"]
    if production:
        g = ["globals {", '  tier = "production"', "  service_overrides = {"]
        for i in range(services):
            g.append(f"    svc{i} = {{ scale = {{ min = 2, max = 6 }} }}")
        g.append("  }")
        g.append("  database_overrides = {")
        g.append('    volume  = { type = "sbs_5k", size = "20GB" }')
        g.append("    ha      = true")
        g.append("    backups = {")
        g.append('      daily   = { retention = "30d" }')
        g.append('      weekly  = { schedule = "0 3 * * 0", retention = "90d" }')
        g.append('      monthly = { schedule = "0 4 1 * *", retention = "365d" }')
        g.append("    }")
        g.append("  }")
        g.append("}")
        out.append("\n".join(g))
    return "\n\n".join(out) + "\n"


BLOCK = re.compile(r'^([A-Za-z_][\w-]*)((?: "[^"]*")*) \{$')
ARG = re.compile(r"^  ([A-Za-z_][\w-]*)\s*=\s*(.*)$")
NESTED = re.compile(r'^  ([A-Za-z_][\w-]*)((?: "[^"]*")*) \{$')


def blocks(path):
    """Top-level blocks of a formatted HCL file: {header: {argument: value or None}}. The value
    is kept for one-line scalars (strings, numbers, references), None for objects and lists,
    whose layout differs between the tools; nested blocks count as arguments."""
    out, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = BLOCK.match(line)
            if m:
                cur = out.setdefault(m.group(1) + m.group(2), {})
                continue
            if line == "}":
                cur = None
                continue
            if cur is None:
                continue
            m = ARG.match(line)
            if m:
                v = m.group(2).strip()
                cur[m.group(1)] = None if v[:1] in "{[" or v.startswith("map(") else v
                continue
            m = NESTED.match(line)
            if m:
                cur["<block " + m.group(1) + m.group(2) + ">"] = None
    return out


def verify(generated, stacks):
    """Checks that Terramate's stacks hold the same roots as tofugen's generated tree: the same
    environments and .tf files, the same blocks, the same arguments, the same one-line values."""
    envs = sorted(d for d in os.listdir(stacks) if os.path.isdir(os.path.join(stacks, d)))
    tofu_envs = sorted(d for d in os.listdir(generated)
                       if os.path.isdir(os.path.join(generated, d)) and d != "bootstrap")
    problems = []
    if envs != tofu_envs:
        problems.append(f"environments differ: terramate {envs} vs tofugen {tofu_envs}")
    compared = 0
    for env in envs:
        tm_files = sorted(f for f in os.listdir(os.path.join(stacks, env)) if f.endswith(".tf"))
        tg_files = sorted(f for f in os.listdir(os.path.join(generated, env)) if f.endswith(".tf"))
        if tm_files != tg_files:
            problems.append(f"{env}: files differ: {tm_files} vs {tg_files}")
            continue
        for name in tm_files:
            a = blocks(os.path.join(stacks, env, name))
            b = blocks(os.path.join(generated, env, name))
            if list(a) != list(b):
                problems.append(f"{env}/{name}: blocks differ: {sorted(set(a) ^ set(b))[:5]}")
                continue
            for header in a:
                if set(a[header]) != set(b[header]):
                    problems.append(f"{env}/{name} {header}: arguments differ: "
                                    f"{sorted(set(a[header]) ^ set(b[header]))}")
                for k, v in a[header].items():
                    w = b[header].get(k)
                    compared += 1
                    if v is not None and w is not None and v != w:
                        problems.append(f"{env}/{name} {header}.{k}: {v} vs {w}")
    for p in problems[:20]:
        print("verify:", p, file=sys.stderr)
    if problems:
        sys.exit(f"verify: {len(problems)} difference(s) between the Terramate and tofugen roots")
    print(f"verify: {len(envs)} environments, the same blocks and arguments ({compared} compared)")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--verify":
        verify(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    services, environments, out = int(sys.argv[1]), max(1, int(sys.argv[2])), sys.argv[3]
    os.makedirs(out, exist_ok=True)

    def write(rel, text):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    write("terramate.tm.hcl", ROOT)
    write("globals.tm.hcl", globals_file(services))
    write("generate.tm.hcl", GENERATE.lstrip("\n"))
    for e in range(environments):
        production = e + 1 == environments
        env = "production" if production else f"env{e}"
        write(f"stacks/{env}/stack.tm.hcl", stack_file(env, production, services))


if __name__ == "__main__":
    main()
