#!/usr/bin/env python3
"""Writes a Terramate project equivalent to tofugen's synthetic configuration (src/synthetic.rs),
and checks that it generates the same OpenTofu roots as tofugen.

    python3 bench/terramate_setup.py SERVICES ENVIRONMENTS OUT_DIR
    python3 bench/terramate_setup.py --verify TOFUGEN_GENERATED_DIR TERRAMATE_STACKS_DIR

OUT_DIR gets:
  terramate.tm.hcl           project root (required_version makes it one without git;
                             telemetry off)
  globals.tm.hcl             the data of the environments.yaml that `synthetic_config SERVICES
                             ENVIRONMENTS` writes: project, versions, the defaults (region, zone,
                             one literal entry per service with image, port, privacy, cpu,
                             memory, scale, probes, database, env, secrets; the database; the
                             secrets; the alert contacts), the environments as a list in the
                             file's order with their overrides (promote_from; production: the
                             scale of every service, an HA database, weekly and monthly
                             backups), and tofugen's built-in defaults
  imports/environment.tm.hcl imported by every environment stack: the resolve step as globals,
                             evaluated per stack (the environment picked by the stack's name,
                             scale overrides merged, cpu, memory, volume and retentions turned
                             into numbers, probe and secret defaults, `${services.X.url}` in env
                             values turned into references), and the generate_hcl blocks of a
                             root: versions.tf, providers.tf (with the backup project's provider
                             where there are backup jobs), variables.tf, main.tf (network, the
                             registry namespace lookup, containers, secrets, database, backups
                             and the backup project's monitoring where configured, one
                             `module "service_<name>"` per service through tm_dynamic,
                             monitoring), release.tf (three `data` blocks per service through one
                             tm_dynamic, so that they come in tofugen's order) and outputs.tf
  imports/bootstrap.tm.hcl   imported by the bootstrap stack: per environment, through tm_dynamic
                             over the list of environments, its project, state bucket, registry
                             namespace, CI IAM (a registry reader for promotion sources, the
                             backup jobs' key and project where there are backup jobs) and
                             outputs
  vendor.tm.hcl              generate_file blocks (context = root) vendoring the module library
                             into stacks/modules/, as tofugen vendors it into generated/modules/:
                             a stamp line, then the file read with tm_file
  library/                   the library the vendoring reads: the repository's modules/ without
                             tests/, .terraform/ and dot files (what build.rs embeds in tofugen)
  stacks/<env>/stack.tm.hcl  one stack per environment (env0..env{M-2}, production), importing
                             imports/environment.tm.hcl
  stacks/bootstrap/stack.tm.hcl  the bootstrap stack, importing imports/bootstrap.tm.hcl

stacks/ is laid out like generated/ and the roots call `../modules/<name>`, as tofugen's do.
The work scales with SERVICES x ENVIRONMENTS: every stack evaluates the globals of every
service and emits one module block and three release checks per service.

--verify compares every directory of TOFUGEN_GENERATED_DIR with the one of the same name in
TERRAMATE_STACKS_DIR (the same set of directories on both sides):

  * roots (every environment, and bootstrap): the same .tf files, each parsed as HCL on both
    sides (a small reader below, standard library only) and compared structurally: the same
    blocks (type and labels) in the same order, recursively, and in every block the same
    arguments with the same values. Values are compared in full whatever their layout: strings
    by their decoded text and interpolations, objects by their keys and values, lists element
    by element, any other expression token by token (references, function calls, operators,
    `for` expressions, type constraints).
  * modules/ (the vendored library): the same files, byte for byte once the first-line stamp
    is removed on both sides.
  * Any other file is a difference, except the tofugen-only ones below.

Named exceptions, differences Terramate cannot reproduce (listed when verify passes):
  comments               generate_hcl cannot emit comments (and Terramate writes its own
                         header comment): the reader skips comments on both sides.
  argument and key order Terramate writes the arguments of a generated block sorted by name
                         (hclwrite; SortRawAttributes in genhcl.copyBody) and object keys
                         sorted: arguments and object keys are compared as sets. OpenTofu
                         does not read their order.
  bootstrap block order  in bootstrap/main.tf tofugen writes each environment's `resource`
                         and `module` blocks together. A tm_dynamic's label, the block type it
                         emits, is static, so Terramate can only write all the projects
                         (`resource`) and then all the modules. The order is compared within
                         each block type, not across types. (release.tf needs no exception: its
                         blocks are all `data` blocks, emitted by one loop.)
  vendoring stamp        the first line of every vendored file names the tool that vendored it.
Not compared, tofugen only (outputs beyond the roots): README.md, alerts/ (Cockpit alert rules
and their tests) and tests/ (`tofu test` files) of every root, and .tofugen-manifest.json;
.github/ and schema/ are outside generated/.

The project models what the synthetic configuration uses. Arguments tofugen writes only for
features the synthetic configuration never sets (operator secrets, a service's command and
args, database settings, application metrics) are not modelled.
"""

import os
import re
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def environment_names(environments):
    return [f"env{e}" for e in range(environments - 1)] + ["production"]


def globals_file(services, environments):
    """The data of the synthetic environments.yaml, and tofugen's built-in defaults."""
    out = []
    w = out.append
    w("globals {")
    w('  project  = "synth"')
    w('  versions = { opentofu = "1.12.6", scaleway_provider = "2.81.0", random_provider = "3.7.2" }')
    w("  defaults = {")
    w('    region = "fr-par"')
    w('    zone   = "fr-par-1"')
    w("    services = {")
    for i in range(services):
        env = '{ LOG_LEVEL = "info" }' if i == 0 else '{ LOG_LEVEL = "info", UPSTREAM_URL = "$${services.svc0.url}" }'
        w(f"      svc{i} = {{")
        w(f'        image    = "synth-svc{i}"')
        w("        port     = 8000")
        w('        privacy  = "public"')
        w('        cpu      = "500m"')
        w('        memory   = "1GB"')
        w("        scale    = { min = 1, max = 4, concurrent_requests = 40 }")
        w('        probes   = { startup = { path = "/health" }, liveness = { path = "/health" } }')
        w("        database = true")
        w(f"        env      = {env}")
        w('        secrets  = ["POSTGRES_URL", "APP_TOKEN"]')
        w("      }")
    w("    }")
    w('    database = { engine = "PostgreSQL-16", node_type = "DB-DEV-S", volume = { type = "sbs_5k", size = "20GB" } }')
    w('    secrets  = { POSTGRES_URL = { source = "database" }, APP_TOKEN = { source = "generated" } }')
    w('    alerts   = { contacts = ["ops@example.org"] }')
    w("  }")
    # In the order of environments.yaml (tofugen keeps it in the bootstrap root).
    w("  environments = [")
    names = environment_names(environments)
    for e, name in enumerate(names):
        if name != "production":
            promote = ', promote_from = "env0"' if e > 0 else ""
            w(f'    {{ name = "{name}", tier = "staging"{promote} }},')
            continue
        w("    {")
        w('      name         = "production"')
        w('      tier         = "production"')
        if environments > 1:
            w(f'      promote_from = "env{environments - 2}"')
        w("      services = {")
        for i in range(services):
            w(f"        svc{i} = {{ scale = {{ min = 2, max = 6 }} }}")
        w("      }")
        w("      database = {")
        w("        ha      = true")
        w('        backups = { daily = { retention = "30d" }, weekly = { retention = "90d" }, monthly = { retention = "365d" } }')
        w("      }")
        w("    },")
    w("  ]")
    w("  # tofugen's built-in defaults (src/resolve/mod.rs, mod builtin) and the constants of its roots.")
    w("  builtin = {")
    w('    required_version         = ">= 1.12.2"')
    w('    scaleway_cli             = "v2.61.0"')
    w("    state_keep_versions_days = 90")
    w("    port                     = 8080")
    w('    protocol                 = "http1"')
    w("    https_only               = true")
    w('    sandbox                  = "v2"')
    w("    timeout_seconds          = 300")
    w('    probe_interval           = "10s"')
    w('    probe_timeout            = "5s"')
    w("    liveness_failures        = 3")
    w("    startup_failures         = 30")
    w('    daily_retention          = "7d"')
    w('    weekly_schedule          = "0 3 * * 0"')
    w('    monthly_schedule         = "0 4 1 * *"')
    w('    weekly_retention         = "90d"')
    w('    monthly_retention        = "365d"')
    w('    backup_timezone          = "Europe/Paris"')
    w("    secret_length            = 48")
    w('    database_url_scheme      = "postgresql"')
    w('    database_password_secret = "database-password"')
    w('    backup_access_key_secret = "backup-scw-access-key"')
    w('    backup_secret_key_secret = "backup-scw-secret-key"')
    w("  }")
    w("}")
    return "\n".join(out) + "\n"


# Versions and encryption, shared by the environment roots and the bootstrap root.
def terraform_block(backend):
    return '''
    terraform {
      required_version = global.builtin.required_version
      required_providers {
        scaleway = {
          source  = "scaleway/scaleway"
          version = global.versions.scaleway_provider
        }
        random = {
          source  = "hashicorp/random"
          version = global.versions.random_provider
        }
      }''' + backend + '''
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
    }'''


BACKEND = '''
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
      }'''

UUID_REGEX = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def uuid_variable(name, description):
    return f'''
    variable "{name}" {{
      type        = string
      description = {description}
      validation {{
        condition     = can(regex("{UUID_REGEX}", var.{name}))
        error_message = "{name} must be a lower-case UUID."
      }}
    }}'''


def passphrase_variable(description):
    return f'''
    variable "state_passphrase" {{
      type        = string
      description = "{description}"
      sensitive   = true
      ephemeral   = true
      validation {{
        condition     = length(var.state_passphrase) >= 16
        error_message = "The state passphrase must be at least 16 characters long."
      }}
    }}'''


ENVIRONMENT_GLOBALS = r'''
# The resolve step of one environment (the stack's name), evaluated per stack.
globals {
  env         = terramate.stack.name
  environment = { for e in global.environments : e.name => e }[global.env]
  production  = global.environment.tier == "production"
  prefix      = "${global.project}-${global.env}"
  region      = tm_try(global.environment.region, global.defaults.region)
  zone        = tm_try(global.environment.zone, global.defaults.zone)
  tags        = ["tofugen", "project:${global.project}", "env:${global.env}"]
  secret_path = "/${global.project}/${global.env}"
  contacts    = tm_try(global.environment.alerts.contacts, global.defaults.alerts.contacts)

  db_overrides = tm_try(global.environment.database, {})
  backups      = tm_try(global.db_overrides.backups, {})
  db = {
    name                  = global.project
    user                  = global.project
    engine                = tm_try(global.db_overrides.engine, global.defaults.database.engine)
    node_type             = tm_try(global.db_overrides.node_type, global.defaults.database.node_type)
    volume_type           = tm_try(global.db_overrides.volume.type, global.defaults.database.volume.type)
    volume_gb             = tm_tonumber(tm_trimsuffix(tm_try(global.db_overrides.volume.size, global.defaults.database.volume.size), "GB"))
    ha                    = tm_try(global.db_overrides.ha, tm_try(global.defaults.database.ha, false))
    daily_retention_days  = tm_tonumber(tm_trimsuffix(tm_try(global.backups.daily.retention, global.builtin.daily_retention), "d"))
  }
  # Weekly and monthly backup jobs, the ones configured (a null object global would not do:
  # Terramate v0.17.2 panics on it).
  backup_jobs = {
    for tier in ["weekly", "monthly"] : tier => {
      schedule       = tm_try(global.backups[tier].schedule, global.builtin["${tier}_schedule"])
      retention_days = tm_tonumber(tm_trimsuffix(tm_try(global.backups[tier].retention, global.builtin["${tier}_retention"]), "d"))
    } if tm_try(global.backups[tier], null) != null
  }
  has_backup_jobs = tm_length(global.backup_jobs) > 0

  generated_secrets = {
    for k, s in global.defaults.secrets : k => { description = tm_try(s.description, ""), length = tm_try(s.length, global.builtin.secret_length) }
    if s.source == "generated"
  }

  # Every service with this environment's overrides; values as tofugen writes them.
  services = {
    for k, s in global.defaults.services : k => {
      image              = s.image
      description        = tm_try(s.description, "")
      port               = tm_try(s.port, global.builtin.port)
      protocol           = tm_try(s.protocol, global.builtin.protocol)
      privacy            = tm_try(s.privacy, "public")
      https_only         = tm_try(s.https_only, global.builtin.https_only)
      sandbox            = tm_try(s.sandbox, global.builtin.sandbox)
      timeout_seconds    = tm_try(s.timeout_seconds, global.builtin.timeout_seconds)
      cpu_limit          = tm_tonumber(tm_trimsuffix(s.cpu, "m"))
      memory_limit_bytes = tm_tonumber(tm_trimsuffix(s.memory, "GB")) * 1000000000
      scale              = tm_merge(s.scale, tm_try(global.environment.services[k].scale, {}))
      probes = {
        for p, v in s.probes : p => tm_merge(v, {
          interval          = global.builtin.probe_interval
          timeout           = global.builtin.probe_timeout
          failure_threshold = p == "startup" ? global.builtin.startup_failures : global.builtin.liveness_failures
        })
      }
      # HCL text of each value: `${services.X.url}` alone is a reference to the service's URL,
      # inside text it becomes an interpolation.
      env = {
        for n, v in s.env : n => (
          tm_length(tm_regexall("^\\$\\{services\\.([A-Za-z0-9_-]+)\\.url\\}$", v)) > 0
          ? "module.service_${tm_join("", tm_flatten(tm_regexall("^\\$\\{services\\.([A-Za-z0-9_-]+)\\.url\\}$", v)))}.url"
          : tm_jsonencode(tm_replace(v, "/\\$\\{services\\.([A-Za-z0-9_-]+)\\.url\\}/", "$${module.service_$1.url}"))
        )
      }
      # HCL text of the secret ids; the database secret becomes the database_url object.
      secret_ids = {
        for n in tm_sort(tm_distinct(s.secrets)) : n => (
          global.defaults.secrets[n].source == "operator" ? "data.scaleway_secret.${n}.id" : "module.secrets.secret_ids[\"${n}\"]"
        ) if global.defaults.secrets[n].source != "database"
      }
      database_secret = [for n in tm_sort(tm_distinct(s.secrets)) : n if global.defaults.secrets[n].source == "database"][0]
      database        = s.database
    }
  }

  # release.tf: three checks per service, in tofugen's order.
  release_checks = tm_flatten([
    for k in tm_keys(global.services) : [{ kind = "image", svc = k }, { kind = "tag", svc = k }, { kind = "container", svc = k }]
  ])
}
'''


ENVIRONMENT_GENERATE = r'''
generate_hcl "versions.tf" {
  content {''' + terraform_block(BACKEND) + r'''
  }
}

generate_hcl "providers.tf" {
  content {
    provider "scaleway" {
      region     = global.region
      zone       = global.zone
      project_id = var.project_id
    }
    tm_dynamic "provider" {
      condition = global.has_backup_jobs
      labels    = ["scaleway"]
      content {
        alias      = "backup"
        region     = global.region
        zone       = global.zone
        project_id = var.backup_project_id
      }
    }
  }
}

generate_hcl "variables.tf" {
  content {''' + uuid_variable(
    "project_id",
    '"UUID of the Scaleway project of ${global.env} (created by generated/bootstrap; CI passes TF_VAR_project_id)."',
) + r'''
    tm_dynamic "variable" {
      condition = global.has_backup_jobs
      labels    = ["backup_project_id"]
      content {
        type        = string
        description = "UUID of the backup project of ${global.env} (created by generated/bootstrap; CI passes TF_VAR_backup_project_id)."
        validation {
          condition     = can(regex("''' + UUID_REGEX + '''", var.backup_project_id))
          error_message = "backup_project_id must be a lower-case UUID."
        }
      }
    }''' + passphrase_variable(
    "Passphrase encrypting this environment's state and plans (at least 16 characters)."
) + r'''
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
      tm_dynamic "validation" {
        condition = tm_length(global.services) > 0
        content {
          condition     = tm_hcl_expression("alltrue([for s in ${tm_jsonencode(tm_keys(global.services))} : contains(keys(var.release), s)])")
          error_message = "The release must give a tag and digest for every service of ${global.env}: ${tm_join(", ", tm_keys(global.services))}."
        }
      }
    }
  }
}

generate_hcl "main.tf" {
  content {
    module "network" {
      source = "../modules/network"
      name   = global.prefix
      region = global.region
      tags   = global.tags
    }

    data "scaleway_registry_namespace" "this" {
      name       = global.prefix
      region     = global.region
      project_id = var.project_id
    }

    module "containers" {
      source      = "../modules/containers"
      name        = global.prefix
      region      = global.region
      description = "${global.project} ${global.env} services (managed by tofugen)"
      tags        = global.tags
    }

    tm_dynamic "module" {
      condition = tm_length(global.generated_secrets) > 0
      labels    = ["secrets"]
      content {
        source            = "../modules/secrets"
        path              = global.secret_path
        region            = global.region
        protected         = global.production
        generated_secrets = global.generated_secrets
        tags              = global.tags
      }
    }

    module "database" {
      source                 = "../modules/database"
      name                   = "${global.prefix}-db"
      region                 = global.region
      engine                 = global.db.engine
      node_type              = global.db.node_type
      volume_type            = global.db.volume_type
      volume_size_in_gb      = global.db.volume_gb
      ha                     = global.db.ha
      read_replicas          = 0
      database_name          = global.db.name
      user_name              = global.db.user
      private_network_id     = module.network.private_network_id
      daily_backups          = true
      backup_frequency_hours = 24
      backup_retention_days  = global.db.daily_retention_days
      password_secret_name   = global.builtin.database_password_secret
      secret_path            = global.secret_path
      protected              = global.production
      tags                   = global.tags
    }

    tm_dynamic "module" {
      condition = global.has_backup_jobs
      labels    = ["backups"]
      content {
        source                 = "../modules/backups"
        providers              = { scaleway = scaleway.backup }
        name                   = "${global.prefix}-backup"
        region                 = global.region
        project_id             = var.backup_project_id
        database_project_id    = var.project_id
        instance_id            = module.database.instance_id
        database_name          = global.db.name
        cli_image              = "scaleway/cli:${global.builtin.scaleway_cli}"
        timezone               = global.builtin.backup_timezone
        weekly                 = tm_try(global.backup_jobs.weekly, null)
        monthly                = tm_try(global.backup_jobs.monthly, null)
        secret_path            = global.secret_path
        access_key_secret_name = global.builtin.backup_access_key_secret
        secret_key_secret_name = global.builtin.backup_secret_key_secret
      }
    }

    tm_dynamic "module" {
      for_each = global.services
      iterator = svc
      labels   = ["service_${svc.key}"]
      content {
        source                = "../modules/service"
        name                  = "${global.prefix}-${svc.key}"
        namespace_id          = module.containers.namespace_id
        region                = global.region
        description           = svc.value.description
        registry_endpoint     = data.scaleway_registry_namespace.this.endpoint
        image                 = { name = svc.value.image, tag = var.release[svc.key].tag, digest = var.release[svc.key].digest }
        port                  = svc.value.port
        protocol              = svc.value.protocol
        cpu_limit             = svc.value.cpu_limit
        memory_limit_bytes    = svc.value.memory_limit_bytes
        min_scale             = svc.value.scale.min
        max_scale             = svc.value.scale.max
        scaling               = { metric = "concurrent_requests", threshold = svc.value.scale.concurrent_requests }
        liveness_probe        = svc.value.probes.liveness
        startup_probe         = svc.value.probes.startup
        privacy               = svc.value.privacy
        https_only            = svc.value.https_only
        sandbox               = svc.value.sandbox
        timeout_seconds       = svc.value.timeout_seconds
        environment_variables = { for k, e in svc.value.env : k => tm_hcl_expression(e) }
        secret_ids            = { for k, e in svc.value.secret_ids : k => tm_hcl_expression(e) }
        database_url = {
          env_name           = svc.value.database_secret
          scheme             = global.builtin.database_url_scheme
          user               = module.database.user_name
          host               = module.database.host
          port               = module.database.port
          database           = global.db.name
          password_secret_id = module.database.password_secret_id
          password_revision  = module.database.password_revision
        }
        private_network_id = module.network.private_network_id
        tags               = global.tags
      }
    }

    module "monitoring" {
      source                 = "../modules/monitoring"
      project_id             = var.project_id
      region                 = global.region
      contacts               = global.contacts
      preconfigured_products = ["PostgreSQL"]
    }

    tm_dynamic "module" {
      condition = global.has_backup_jobs
      labels    = ["monitoring_backups"]
      content {
        source     = "../modules/monitoring"
        providers  = { scaleway = scaleway.backup }
        project_id = var.backup_project_id
        region     = global.region
        contacts   = global.contacts
      }
    }
  }
}

generate_hcl "release.tf" {
  content {
    # One loop for the three data blocks of each service, so that they come in tofugen's
    # order: a tm_dynamic has one body, so each kind's arguments are picked from an object.
    tm_dynamic "data" {
      for_each = global.release_checks
      iterator = chk
      labels = [
        { image = "scaleway_registry_image", tag = "scaleway_registry_image_tag", container = "scaleway_container" }[chk.value.kind],
        chk.value.svc,
      ]
      attributes = {
        image = {
          name         = global.services[chk.value.svc].image
          namespace_id = tm_hcl_expression("data.scaleway_registry_namespace.this.id")
          region       = global.region
        }
        tag = {
          image_id = tm_hcl_expression("data.scaleway_registry_image.${chk.value.svc}.id")
          name     = tm_hcl_expression("var.release[${tm_jsonencode(chk.value.svc)}].tag")
          region   = global.region
        }
        container = {
          container_id = tm_hcl_expression("module.service_${chk.value.svc}.container_id")
          namespace_id = tm_hcl_expression("module.containers.namespace_id")
          region       = global.region
          depends_on   = tm_hcl_expression("[module.service_${chk.value.svc}]")
        }
      }[chk.value.kind]
      content {
        tm_dynamic "lifecycle" {
          condition = chk.value.kind != "image"
          content {
            tm_dynamic "postcondition" {
              condition = chk.value.kind == "tag"
              content {
                condition     = self.digest == var.release[chk.value.svc].digest
                error_message = "The registry tag ${global.services[chk.value.svc].image}:${var.release[chk.value.svc].tag} now has digest ${self.digest}, not ${var.release[chk.value.svc].digest} as recorded in the release: the tag was pushed again. Deploy a release whose digests match, or build a new one."
              }
            }
            tm_dynamic "postcondition" {
              condition = chk.value.kind == "container"
              content {
                condition     = self.status == "ready"
                error_message = "Service ${chk.value.svc} is ${self.status}, not ready${self.error_message == null || self.error_message == "" ? "" : ": ${self.error_message}"}. Its logs are in Cockpit (Serverless Containers logs); the deploy workflow rolls back to the previous release."
              }
            }
            tm_dynamic "postcondition" {
              condition = chk.value.kind == "container"
              content {
                condition     = tm_hcl_expression("self.image == module.service_${chk.value.svc}.image")
                error_message = tm_hcl_expression("\"Service ${chk.value.svc} runs $${self.image}, not $${module.service_${chk.value.svc}.image}: the release did not reach it.\"")
              }
            }
          }
        }
      }
    }
  }
}

generate_hcl "outputs.tf" {
  content {
    output "service_urls" {
      description = "Public HTTPS URL of every service, by name."
      value       = { for k, s in global.services : k => tm_hcl_expression("module.service_${k}.url") }
    }
    output "service_images" {
      description = "Image every service runs, as read back from Scaleway after the apply, by name."
      value       = { for k, s in global.services : k => tm_hcl_expression("data.scaleway_container.${k}.image") }
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
      value       = data.scaleway_registry_namespace.this.endpoint
    }
    output "release" {
      description = "Image tag and digest of every service as deployed (the rollback target of the next deploy)."
      value       = var.release
    }
    output "alert_manager_url" {
      description = "Cockpit alert manager URL."
      value       = module.monitoring.alert_manager_url
    }
    output "alert_rule_targets" {
      description = "Where the deploy workflow pushes the rule files of alerts/<key>/: the Scaleway project whose metrics they watch, and the Cockpit token that may write its rules."
      value = {
        for k, t in {
          scaleway = { project_id = tm_hcl_expression("var.project_id"), token = tm_hcl_expression("module.monitoring.rules_token") }
          backups  = { project_id = tm_hcl_expression("var.backup_project_id"), token = tm_hcl_expression("module.monitoring_backups.rules_token") }
        } : k => t if k != "backups" || global.has_backup_jobs
      }
      sensitive = true
    }
  }
}
'''


BOOTSTRAP = r'''
# The bootstrap root: per environment, in the order of the configuration.
globals {
  promotion_sources = tm_distinct([for e in global.environments : e.promote_from if tm_try(e.promote_from, null) != null])
  bootstrap_envs = [
    for e in global.environments : {
      name       = e.name
      id         = tm_replace(e.name, "/[^A-Za-z0-9_-]/", "_")
      project    = tm_try(e.scaleway_project, "${global.project}-${e.name}")
      github     = tm_try(e.github_environment, e.name)
      region     = tm_try(e.region, global.defaults.region)
      production = e.tier == "production"
      source     = tm_contains(global.promotion_sources, e.name)
      backups    = tm_try(e.database.backups.weekly, null) != null || tm_try(e.database.backups.monthly, null) != null
    }
  ]
  bootstrap_projects = [
    for p in tm_flatten([
      for e in global.bootstrap_envs : [
        { when = true, id = e.id, name = e.project, description = "${global.project} ${e.name} environment (managed by tofugen)" },
        { when = e.backups, id = "${e.id}_backup", name = "${e.project}-backup", description = "${global.project} ${e.name} database backup jobs and their key (managed by tofugen)" },
      ]
    ]) : p if p.when
  ]
  bootstrap_modules = tm_flatten([for e in global.bootstrap_envs : [{ kind = "state", env = e }, { kind = "registry", env = e }, { kind = "iam", env = e }]])
  bootstrap_outputs = [
    for o in tm_flatten([
      for e in global.bootstrap_envs : [
        { when = true, name = "${e.id}_project_id", sensitive = false, value = "scaleway_account_project.${e.id}.id",
          description = "Project of ${e.name}: GitHub variable SCW_PROJECT_ID of environments ${e.github} and ${e.github}-plan." },
        { when = e.backups, name = "${e.id}_backup_project_id", sensitive = false, value = "scaleway_account_project.${e.id}_backup.id",
          description = "Backup project of ${e.name}: GitHub variable SCW_BACKUP_PROJECT_ID of environments ${e.github} and ${e.github}-plan." },
        { when = true, name = "${e.id}_state_bucket", sensitive = false, value = "module.state_${e.id}.bucket_name",
          description = "State bucket of ${e.name}." },
        { when = true, name = "${e.id}_registry_endpoint", sensitive = false, value = "module.registry_${e.id}.endpoint",
          description = "Registry namespace of ${e.name}: CI pushes its images there." },
        { when = true, name = "${e.id}_deployer_access_key", sensitive = false, value = "module.iam_${e.id}.deployer_access_key",
          description = "deployer access key of ${e.name}: secret SCW_ACCESS_KEY of GitHub environment ${e.github}." },
        { when = true, name = "${e.id}_deployer_secret_key", sensitive = true, value = "module.iam_${e.id}.deployer_secret_key",
          description = "deployer secret key of ${e.name}: secret SCW_SECRET_KEY of GitHub environment ${e.github}." },
        { when = true, name = "${e.id}_planner_access_key", sensitive = false, value = "module.iam_${e.id}.planner_access_key",
          description = "planner access key of ${e.name}: secret SCW_ACCESS_KEY of GitHub environment ${e.github}-plan." },
        { when = true, name = "${e.id}_planner_secret_key", sensitive = true, value = "module.iam_${e.id}.planner_secret_key",
          description = "planner secret key of ${e.name}: secret SCW_SECRET_KEY of GitHub environment ${e.github}-plan." },
        { when = e.source, name = "${e.id}_registry_reader_secret_key", sensitive = true, value = "module.iam_${e.id}.registry_reader_secret_key",
          description = "Key that pulls ${e.name}'s images: secret SOURCE_SCW_SECRET_KEY of the GitHub environments that promote from ${e.name}." },
      ]
    ]) : o if o.when
  ]
}

generate_hcl "versions.tf" {
  content {''' + terraform_block("") + r'''
  }
}

generate_hcl "providers.tf" {
  content {
    provider "scaleway" {
      region          = global.bootstrap_envs[0].region
      zone            = tm_try(global.environments[0].zone, global.defaults.zone)
      organization_id = var.organization_id
    }
  }
}

generate_hcl "variables.tf" {
  content {''' + uuid_variable(
    "organization_id",
    '"UUID of the Scaleway organization the environment projects are created in."',
) + passphrase_variable(
    "Passphrase encrypting the bootstrap's local state (at least 16 characters)."
) + r'''
  }
}

generate_hcl "main.tf" {
  content {
    tm_dynamic "resource" {
      for_each = global.bootstrap_projects
      iterator = p
      labels   = ["scaleway_account_project", p.value.id]
      content {
        name            = p.value.name
        description     = p.value.description
        organization_id = var.organization_id
      }
    }

    tm_dynamic "module" {
      for_each = global.bootstrap_modules
      iterator = m
      labels   = ["${m.value.kind}_${m.value.env.id}"]
      attributes = {
        state = {
          source             = "../modules/state-bucket"
          name               = "${global.project}-tfstate-${m.value.env.name}"
          region             = m.value.env.region
          project_id         = tm_hcl_expression("scaleway_account_project.${m.value.env.id}.id")
          keep_versions_days = global.builtin.state_keep_versions_days
          tags               = { managed_by = "tofugen", project = global.project, environment = m.value.env.name }
        }
        registry = {
          source     = "../modules/registry"
          name       = m.value.env.project
          region     = m.value.env.region
          project_id = tm_hcl_expression("scaleway_account_project.${m.value.env.id}.id")
        }
        iam = {
          for k, v in {
            source                        = "../modules/iam"
            environment                   = m.value.env.name
            project_id                    = tm_hcl_expression("scaleway_account_project.${m.value.env.id}.id")
            project_name                  = m.value.env.project
            organization_id               = tm_hcl_expression("var.organization_id")
            state_bucket                  = tm_hcl_expression("module.state_${m.value.env.id}.bucket_name")
            tags                          = ["tofugen", "project:${global.project}", "env:${m.value.env.name}"]
            registry_reader               = true
            backup_project_id             = tm_hcl_expression("scaleway_account_project.${m.value.env.id}_backup.id")
            region                        = m.value.env.region
            secret_path                   = "/${global.project}/${m.value.env.name}"
            protected                     = m.value.env.production
            backup_access_key_secret_name = global.builtin.backup_access_key_secret
            backup_secret_key_secret_name = global.builtin.backup_secret_key_secret
          } : k => v
          if k == "registry_reader" ? m.value.env.source : (tm_contains(["backup_project_id", "region", "secret_path", "protected", "backup_access_key_secret_name", "backup_secret_key_secret_name"], k) ? m.value.env.backups : true)
        }
      }[m.value.kind]
    }
  }
}

generate_hcl "outputs.tf" {
  content {
    tm_dynamic "output" {
      for_each   = global.bootstrap_outputs
      iterator   = o
      labels     = [o.value.name]
      attributes = { for k, v in { sensitive = true } : k => v if o.value.sensitive }
      content {
        description = o.value.description
        value       = tm_hcl_expression(o.value.value)
      }
    }
  }
}
'''


def library_files(library):
    """The module library's files, as build.rs embeds them: outside tests/ and .terraform/,
    no dot files. Paths relative to the library, sorted."""
    out = []
    for d, dirs, files in os.walk(library):
        dirs[:] = sorted(x for x in dirs if x not in ("tests", ".terraform"))
        for f in files:
            if not f.startswith("."):
                out.append(os.path.relpath(os.path.join(d, f), library).replace(os.sep, "/"))
    return sorted(out)


STAMP = "Vendored from library/ by `terramate generate`. DO NOT EDIT."


def vendor_file(files):
    out = ["# The module library, vendored into stacks/modules/ (tofugen: generated/modules/)."]
    for rel in files:
        stamp = f"<!-- {STAMP} -->\\n\\n" if rel.endswith(".md") else f"# {STAMP}\\n"
        out.append(f'''
generate_file "/stacks/modules/{rel}" {{
  context = root
  content = "{stamp}${{tm_file("library/{rel}")}}"
}}''')
    return "\n".join(out) + "\n"


def stack_file(name, imports):
    return f'stack {{\n  name = {hcl_str(name)}\n  id   = {hcl_str(name)}\n}}\n\nimport {{\n  source = "{imports}"\n}}\n'


# ---------------------------------------------------------------------------------------------
# --verify: an HCL reader (the subset both tools write: blocks, arguments, expressions) and a
# structural comparison.

class HclError(Exception):
    pass


OPS3 = ("...",)
OPS2 = ("==", "!=", "<=", ">=", "&&", "||", "=>", "::")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def lex(s, i=0, template=False):
    """Tokens of s from i: ("nl",), ("id", name), ("num", text), ("str", parts), ("op", text).
    In a template interpolation (template=True), stops after the `}` that closes it."""
    toks, depth, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t\r":
            i += 1
        elif c == "\n":
            toks.append(("nl",))
            i += 1
        elif c == "#" or s.startswith("//", i):
            while i < n and s[i] != "\n":
                i += 1
        elif s.startswith("/*", i):
            j = s.find("*/", i + 2)
            if j < 0:
                raise HclError("unterminated /* comment")
            toks.extend([("nl",)] * s.count("\n", i, j))
            i = j + 2
        elif c == '"':
            parts, i = lex_string(s, i + 1)
            toks.append(("str", parts))
        elif s.startswith("<<", i) and re.match(r"<<-?[A-Za-z_]", s[i:i + 4]):
            raise HclError("heredoc strings are not supported by this reader")
        elif c.isalpha() or c == "_":
            m = IDENT.match(s, i)
            toks.append(("id", m.group()))
            i = m.end()
        elif c.isdigit():
            m = NUMBER.match(s, i)
            toks.append(("num", m.group()))
            i = m.end()
        else:
            if template and c == "~" and (s.startswith("~}", i) or (toks == [] and depth == 0)):
                i += 1  # strip markers
                continue
            if template and c == "{":
                depth += 1
            if template and c == "}":
                if depth == 0:
                    return toks, i + 1
                depth -= 1
            for op in OPS3 + OPS2:
                if s.startswith(op, i):
                    toks.append(("op", op))
                    i += len(op)
                    break
            else:
                if c not in "{}[]()=:?,.*+-/%!<>":
                    raise HclError(f"unexpected character {c!r}")
                toks.append(("op", c))
                i += 1
    if template:
        raise HclError("unterminated template interpolation")
    return toks, i


ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def lex_string(s, i):
    """A quoted template from i (after the opening quote): [("lit", text) | ("interp", tokens)
    | ("directive", tokens)], escapes decoded, and the index after the closing quote."""
    parts, buf, n = [], [], len(s)

    def flush():
        if buf:
            parts.append(("lit", "".join(buf)))
            buf.clear()

    while i < n:
        c = s[i]
        if c == '"':
            flush()
            return parts, i + 1
        if c == "\n":
            break
        if c == "\\":
            e = s[i + 1:i + 2]
            if e in ESCAPES:
                buf.append(ESCAPES[e])
                i += 2
            elif e == "u":
                buf.append(chr(int(s[i + 2:i + 6], 16)))
                i += 6
            elif e == "U":
                buf.append(chr(int(s[i + 2:i + 10], 16)))
                i += 10
            else:
                raise HclError(f"unknown escape \\{e}")
        elif s.startswith("$${", i) or s.startswith("%%{", i):
            buf.append(s[i + 1:i + 3])
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            flush()
            toks, i = lex(s, i + 2, template=True)
            parts.append(("interp" if c == "$" else "directive", toks))
        else:
            buf.append(c)
            i += 1
    raise HclError("unterminated string")


def matching(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j]
        if t[0] == "op" and t[1] in "([{":
            depth += 1
        elif t[0] == "op" and t[1] in ")]}":
            depth -= 1
            if depth == 0:
                return j
    raise HclError("unbalanced brackets")


def split_top(toks, seps):
    """toks split at top-level separators (("op", ",") and/or ("nl",)), empty pieces dropped."""
    pieces, cur, depth = [], [], 0
    for t in toks:
        if t[0] == "op" and t[1] in "([{":
            depth += 1
        elif t[0] == "op" and t[1] in ")]}":
            depth -= 1
        if depth == 0 and t in seps:
            if cur:
                pieces.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        pieces.append(cur)
    return pieces


def canon_number(text):
    v = float(text)
    return str(int(v)) if v.is_integer() and abs(v) < 2**63 else repr(v)


def canon_string(parts):
    out = []
    for kind, v in parts:
        if kind == "lit":
            if out and out[-1][0] == "lit":
                out[-1] = ("lit", out[-1][1] + v)
            elif v:
                out.append(("lit", v))
        else:
            out.append((kind, canon(v)))
    if not out:
        return ("str", "")
    if len(out) == 1 and out[0][0] == "lit":
        return ("str", out[0][1])
    return ("template", tuple(out))


def object_key(toks):
    if len(toks) == 1 and toks[0][0] == "id":
        return toks[0][1]
    if len(toks) == 1 and toks[0][0] == "str":
        c = canon_string(toks[0][1])
        if c[0] == "str":
            return c[1]
    return ("key", canon(toks))


def canon(toks):
    """A layout-independent form of an expression: objects as sorted (key, value) pairs, lists
    element by element, strings decoded, anything else as its sequence of tokens with nested
    brackets in canonical form."""
    out, i = [], 0
    toks = [t for t in toks]
    while i < len(toks):
        t = toks[i]
        if t[0] == "nl":
            i += 1
            continue
        if t[0] == "op" and t[1] in "([{":
            j = matching(toks, i)
            inner = toks[i + 1:j]
            first = next((x for x in inner if x[0] != "nl"), None)
            if t[1] == "(":
                args = split_top(inner, [("op", ","), ("nl",)])
                out.append(("call" if out and out[-1][0] == "id" else "paren",
                            tuple(canon(a) for a in args)))
            elif first == ("id", "for"):
                out.append(("for", t[1], canon(inner)))
            elif t[1] == "[":
                out.append(("list", tuple(canon(e) for e in split_top(inner, [("op", ","), ("nl",)]))))
            else:
                items = {}
                for item in split_top(inner, [("op", ","), ("nl",)]):
                    k = next((n for n, x in enumerate(item) if x in (("op", "="), ("op", ":"))), None)
                    if k is None:
                        raise HclError("object item without = or :")
                    key = object_key(item[:k])
                    if key in items:
                        raise HclError(f"duplicate object key {key}")
                    items[key] = canon(item[k + 1:])
                out.append(("object", tuple(sorted(items.items(), key=lambda kv: repr(kv[0])))))
            i = j + 1
            continue
        if t[0] == "str":
            out.append(canon_string(t[1]))
        elif t[0] == "num":
            out.append(("num", canon_number(t[1])))
        else:
            out.append(t)
        i += 1
    if len(out) == 1:
        return out[0]
    return ("expr", tuple(out))


def show(v, limit=160):
    """A short HCL-like rendering of a canonical value, for messages."""
    def r(v):
        k = v[0]
        if k == "str":
            return '"' + v[1].replace('"', '\\"') + '"'
        if k == "template":
            return '"' + "".join(p[1] if p[0] == "lit" else "${" + r(p[1]) + "}" for p in v[1]) + '"'
        if k in ("num", "id", "op"):
            return v[1]
        if k == "list":
            return "[" + ", ".join(r(e) for e in v[1]) + "]"
        if k == "object":
            return "{ " + ", ".join(f"{key if isinstance(key, str) else r(key[1])} = {r(val)}" for key, val in v[1]) + " }"
        if k == "for":
            return v[1] + r(v[2]) + ("]" if v[1] == "[" else "}")
        if k in ("call", "paren"):
            return "(" + ", ".join(r(a) for a in v[1]) + ")"
        if k == "expr":
            s, prev = "", ("op",)
            for x in v[1]:
                t = r(x)
                glue = (not s or (x[0] == "op" and x[1] == ".") or s.endswith(".") or x[0] == "call"
                        or (x[0] == "list" and prev[0] in ("id", "list", "call")
                            and prev[1:2] not in (("in",), ("if",), ("for",))))
                prev = x
                s += t if glue else " " + t
            return s
        return repr(v)
    s = r(v)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def parse_body(toks, i=0, nested=False):
    """A body: {"attrs": {name: canonical value}, "blocks": [(header, body)]} and the index
    after it (after its closing brace when nested)."""
    body = {"attrs": {}, "blocks": [], "dups": []}
    n = len(toks)
    while i < n:
        t = toks[i]
        if t[0] == "nl":
            i += 1
            continue
        if nested and t == ("op", "}"):
            return body, i + 1
        if t[0] != "id":
            raise HclError(f"expected an argument or block name, got {t}")
        name = t[1]
        i += 1
        if i < n and toks[i] == ("op", "="):
            j, depth = i + 1, 0
            while j < n:
                x = toks[j]
                if x[0] == "op" and x[1] in "([{":
                    depth += 1
                elif x[0] == "op" and x[1] in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif x[0] == "nl" and depth == 0:
                    break
                j += 1
            if name in body["attrs"]:
                body["dups"].append(name)
            body["attrs"][name] = canon(toks[i + 1:j])
            i = j
            continue
        labels = []
        while i < n and toks[i][0] in ("id", "str"):
            labels.append(toks[i][1] if toks[i][0] == "id" else canon_string(toks[i][1])[1])
            i += 1
        if i >= n or toks[i] != ("op", "{"):
            raise HclError(f"expected {{ after block {name} {labels}")
        inner, i = parse_body(toks, i + 1, nested=True)
        header = name + "".join(f' "{label}"' for label in labels)
        body["blocks"].append((header, inner))
    if nested:
        raise HclError("unterminated block")
    return body, i


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    toks, _ = lex(text)
    return parse_body(toks)[0]


class Comparison:
    def __init__(self):
        self.problems = []
        self.values = 0
        self.blocks = 0

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def bodies(self, where, a, b, by_type=False):
        """a: Terramate's body, b: tofugen's."""
        for name in a["dups"]:
            self.problem(where, f"argument {name} set twice in Terramate's file")
        for name in b["dups"]:
            self.problem(where, f"argument {name} set twice in tofugen's file")
        only_a = sorted(set(a["attrs"]) - set(b["attrs"]))
        only_b = sorted(set(b["attrs"]) - set(a["attrs"]))
        if only_a:
            self.problem(where, f"arguments only in Terramate's: {only_a}")
        if only_b:
            self.problem(where, f"arguments only in tofugen's: {only_b}")
        for name in sorted(set(a["attrs"]) & set(b["attrs"])):
            self.values += 1
            if a["attrs"][name] != b["attrs"][name]:
                self.problem(f"{where} .{name}",
                             f"Terramate {show(a['attrs'][name])} vs tofugen {show(b['attrs'][name])}")
        ha = [h for h, _ in a["blocks"]]
        hb = [h for h, _ in b["blocks"]]
        if by_type:  # the bootstrap block order exception: order compared within each type
            ha_t = sorted(set(h.split(" ")[0] for h in ha))
            if ha_t != sorted(set(h.split(" ")[0] for h in hb)):
                self.problem(where, f"block types differ: {ha_t} vs {sorted(set(h.split(' ')[0] for h in hb))}")
                return
            pairs_a, pairs_b = [], []
            for typ in ha_t:
                pairs_a += [blk for blk in a["blocks"] if blk[0].split(" ")[0] == typ]
                pairs_b += [blk for blk in b["blocks"] if blk[0].split(" ")[0] == typ]
        else:
            pairs_a, pairs_b = a["blocks"], b["blocks"]
        if [h for h, _ in pairs_a] != [h for h, _ in pairs_b]:
            la, lb = [h for h, _ in pairs_a], [h for h, _ in pairs_b]
            k = next((k for k in range(min(len(la), len(lb))) if la[k] != lb[k]), min(len(la), len(lb)))
            self.problem(where, f"blocks differ ({len(la)} in Terramate's, {len(lb)} in tofugen's); first at "
                                f"#{k}: {la[k] if k < len(la) else 'none'} vs {lb[k] if k < len(lb) else 'none'}"
                                f"; only in Terramate's: {sorted(set(la) - set(lb))[:4]}, only in tofugen's: "
                                f"{sorted(set(lb) - set(la))[:4]}")
            return
        seen = {}
        for (h, ba), (_, bb) in zip(pairs_a, pairs_b):
            seen[h] = seen.get(h, 0) + 1
            self.blocks += 1
            self.bodies(f"{where} {h}" + (f"[{seen[h]}]" if seen[h] > 1 else ""), ba, bb)


ROOT_TOFUGEN_ONLY = ("README.md", "alerts", "tests")
GENERATED_TOFUGEN_ONLY = (".tofugen-manifest.json",)
VENDOR_STAMP = re.compile(r"^(# |<!-- )Vendored ")


def unstamped(path, rel):
    """A vendored file without its first-line stamp (and the blank line after it in Markdown);
    None when there is no stamp."""
    with open(path, "rb") as f:
        data = f.read()
    first, _, rest = data.partition(b"\n")
    if not VENDOR_STAMP.match(first.decode("utf-8", "replace")):
        return None
    if rel.endswith(".md") and rest.startswith(b"\n"):
        rest = rest[1:]
    return rest


def tree(d):
    out = []
    for base, dirs, files in os.walk(d):
        dirs.sort()
        out += [os.path.relpath(os.path.join(base, f), d) for f in files]
    return sorted(out)


def verify(generated, stacks):
    c = Comparison()
    top_g = sorted(os.listdir(generated))
    top_s = sorted(os.listdir(stacks))
    for f in top_g:
        if not os.path.isdir(os.path.join(generated, f)) and f not in GENERATED_TOFUGEN_ONLY:
            c.problem("generated", f"unexpected file {f}")
    for f in top_s:
        if not os.path.isdir(os.path.join(stacks, f)):
            c.problem("stacks", f"unexpected file {f}")
    dirs_g = [d for d in top_g if os.path.isdir(os.path.join(generated, d))]
    dirs_s = [d for d in top_s if os.path.isdir(os.path.join(stacks, d))]
    if dirs_g != dirs_s:
        c.problem("directories", f"Terramate {dirs_s} vs tofugen {dirs_g}")
    roots = tf_files = vendored = 0
    for d in sorted(set(dirs_g) & set(dirs_s)):
        g, s = os.path.join(generated, d), os.path.join(stacks, d)
        if d == "modules":
            fg, fs = tree(g), tree(s)
            if fg != fs:
                c.problem("modules", f"files only in Terramate's: {sorted(set(fs) - set(fg))[:5]}, "
                                     f"only in tofugen's: {sorted(set(fg) - set(fs))[:5]}")
            for rel in sorted(set(fg) & set(fs)):
                a, b = unstamped(os.path.join(s, rel), rel), unstamped(os.path.join(g, rel), rel)
                if a is None or b is None:
                    c.problem(f"modules/{rel}", "no vendoring stamp on its first line"
                              + (" (Terramate's)" if a is None else " (tofugen's)"))
                elif a != b:
                    c.problem(f"modules/{rel}", "contents differ")
                else:
                    vendored += 1
            continue
        roots += 1
        eg, es = sorted(os.listdir(g)), sorted(os.listdir(s))
        for f in eg:
            if not f.endswith(".tf") and f not in ROOT_TOFUGEN_ONLY:
                c.problem(d, f"unexpected entry in tofugen's root: {f}")
        for f in es:
            if not f.endswith(".tf") and f != "stack.tm.hcl":
                c.problem(d, f"unexpected entry in Terramate's stack: {f}")
        tg = [f for f in eg if f.endswith(".tf")]
        tm = [f for f in es if f.endswith(".tf")]
        if tg != tm:
            c.problem(d, f".tf files differ: Terramate {tm} vs tofugen {tg}")
        for f in sorted(set(tg) & set(tm)):
            tf_files += 1
            try:
                a = parse_file(os.path.join(s, f))
                b = parse_file(os.path.join(g, f))
            except HclError as e:
                c.problem(f"{d}/{f}", f"cannot read: {e}")
                continue
            c.bodies(f"{d}/{f}", a, b, by_type=(d == "bootstrap" and f == "main.tf"))
    for p in c.problems[:20]:
        print("verify:", p, file=sys.stderr)
    if len(c.problems) > 20:
        print(f"verify: ... and {len(c.problems) - 20} more", file=sys.stderr)
    if c.problems:
        sys.exit(f"verify: {len(c.problems)} difference(s) between the Terramate and tofugen roots")
    print(f"verify: {roots} roots ({roots - 1} environments and bootstrap), {tf_files} .tf files: the same "
          f"blocks and arguments ({c.blocks} blocks, {c.values} values compared); {vendored} vendored "
          f"module files identical")
    print("verify: named exceptions: comments; argument and object key order; bootstrap/main.tf block "
          "order across block types (resource, module); the vendoring stamp line")
    print("verify: tofugen only, not compared: README.md, alerts/ and tests/ of every root; "
          ".tofugen-manifest.json")


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

    library = os.path.join(REPO, "modules")
    files = library_files(library)
    if not files:
        sys.exit(f"terramate_setup: no module library at {library}")
    shutil.rmtree(os.path.join(out, "library"), ignore_errors=True)
    for rel in files:
        dst = os.path.join(out, "library", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(library, rel), dst)

    write("terramate.tm.hcl", ROOT)
    write("globals.tm.hcl", globals_file(services, environments))
    write("vendor.tm.hcl", vendor_file(files))
    write("imports/environment.tm.hcl", ENVIRONMENT_GLOBALS.lstrip("\n") + ENVIRONMENT_GENERATE)
    write("imports/bootstrap.tm.hcl", BOOTSTRAP.lstrip("\n"))
    for name in environment_names(environments):
        write(f"stacks/{name}/stack.tm.hcl", stack_file(name, "/imports/environment.tm.hcl"))
    write("stacks/bootstrap/stack.tm.hcl", stack_file("bootstrap", "/imports/bootstrap.tm.hcl"))


if __name__ == "__main__":
    main()
