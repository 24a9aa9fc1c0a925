variable "name" {
  type        = string
  description = "Full Scaleway name of the container, e.g. \"shop-production-api\". Changing it recreates the container."

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 63
    error_message = "The container name must be at most 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (e.g. \"shop-production-api\")."
  }
}

variable "namespace_id" {
  type        = string
  description = "ID of the Serverless Containers namespace (output namespace_id of modules/containers)."

  validation {
    condition     = can(regex("^([a-z]{2}-[a-z]{3}/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.namespace_id))
    error_message = "The namespace_id must be a UUID, optionally prefixed by its region (\"fr-par/11111111-2222-3333-4444-555555555555\")."
  }
}

variable "region" {
  type        = string
  description = "Scaleway region of the container, e.g. \"fr-par\"."

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]{3}$", var.region))
    error_message = "The region must look like \"fr-par\", \"nl-ams\" or \"pl-waw\"."
  }
}

variable "description" {
  type        = string
  description = "Free-text description of the container."
  default     = ""
}

variable "registry_endpoint" {
  type        = string
  description = "Endpoint of the environment's Container Registry namespace, e.g. \"rg.fr-par.scw.cloud/shop-production\"."

  validation {
    condition     = can(regex("^rg\\.[a-z]{2}-[a-z]{3}\\.scw\\.cloud/[a-z0-9]+(-[a-z0-9]+)*$", var.registry_endpoint))
    error_message = "The registry endpoint must be \"rg.<region>.scw.cloud/<namespace>\" (e.g. \"rg.fr-par.scw.cloud/shop-production\")."
  }
}

variable "image" {
  type = object({
    name   = string
    tag    = string
    digest = string
  })
  description = "The image to run: repository name in the registry namespace (\"shop\"), immutable tag (the application's git commit SHA) and the registry digest recorded for that tag (\"sha256:<64 hex>\"). The digest is sent as registry_sha256, so a new digest redeploys even under the same tag (the generated roots check it against the registry before the apply)."

  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", var.image.name))
    error_message = "The image name must be a lowercase repository path such as \"shop\" or \"team/api\"."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image.tag))
    error_message = "The image tag must be a Docker tag: letters, digits, \"_\", \".\" and \"-\", at most 128 characters."
  }

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.image.digest))
    error_message = "The image digest must be \"sha256:\" followed by 64 lowercase hex digits, as printed by `docker buildx imagetools inspect`."
  }
}

variable "port" {
  type        = number
  description = "TCP port the application listens on (also injected as $PORT)."

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port && !contains([8008, 8012, 8013, 8022, 9090, 9091], var.port)
    error_message = "The port must be a whole number between 1 and 65535 and not one of the ports reserved by Serverless Containers (8008, 8012, 8013, 8022, 9090, 9091)."
  }
}

variable "protocol" {
  type        = string
  description = "Protocol between the platform and the container: \"http1\" (HTTP/1.1, WebSockets) or \"h2c\" (cleartext HTTP/2, gRPC)."

  validation {
    condition     = contains(["http1", "h2c"], var.protocol)
    error_message = "The protocol must be \"http1\" or \"h2c\"."
  }
}

variable "cpu_limit" {
  type        = number
  description = "CPU limit of one instance in mvCPU (1000 = 1 vCPU)."

  validation {
    condition     = var.cpu_limit >= 70 && var.cpu_limit <= 6000 && floor(var.cpu_limit) == var.cpu_limit
    error_message = "The cpu_limit must be a whole number of mvCPU between 70 and 6000 (1000 = 1 vCPU)."
  }
}

variable "memory_limit_bytes" {
  type        = number
  description = "Memory limit of one instance in decimal bytes (1 MB = 1000000 bytes; 2 GB = 2000000000)."

  validation {
    condition     = var.memory_limit_bytes >= 128000000 && var.memory_limit_bytes <= 12228000000
    error_message = "The memory_limit_bytes must be between 128000000 (128 MB) and 12228000000 (12228 MB), the limits Scaleway documents (containers-limitations)."
  }

  validation {
    condition     = var.memory_limit_bytes % 1000000 == 0
    error_message = "The memory_limit_bytes must be a whole number of decimal megabytes (a multiple of 1000000): Scaleway counts 1 MB as 1000000 bytes, so 2 GB is 2000000000, not 2147483648."
  }
}

variable "min_scale" {
  type        = number
  description = "Minimum number of instances (0 allows scale-to-zero)."

  validation {
    condition     = var.min_scale >= 0 && var.min_scale <= 50 && floor(var.min_scale) == var.min_scale
    error_message = "The min_scale must be a whole number between 0 and 50."
  }
}

variable "max_scale" {
  type        = number
  description = "Maximum number of instances (at least min_scale)."

  validation {
    condition     = var.max_scale >= 1 && var.max_scale <= 50 && floor(var.max_scale) == var.max_scale
    error_message = "The max_scale must be a whole number between 1 and 50."
  }
}

variable "scaling" {
  type = object({
    metric    = string
    threshold = number
  })
  description = "Autoscaling trigger: metric \"concurrent_requests\" (requests per instance, 1-80), \"cpu_percent\" or \"memory_percent\" (1-100). null keeps the platform default."
  default     = null

  validation {
    condition     = alltrue([for s in(var.scaling == null ? [] : [var.scaling]) : contains(["concurrent_requests", "cpu_percent", "memory_percent"], s.metric)])
    error_message = "The scaling metric must be \"concurrent_requests\", \"cpu_percent\" or \"memory_percent\"."
  }

  validation {
    condition = alltrue([
      for s in(var.scaling == null ? [] : [var.scaling]) :
      floor(s.threshold) == s.threshold && s.threshold >= 1 && s.threshold <= (s.metric == "concurrent_requests" ? 80 : 100)
    ])
    error_message = "The scaling threshold must be a whole number: 1-80 concurrent requests per instance, or 1-100 percent for cpu_percent / memory_percent."
  }
}

variable "liveness_probe" {
  type = object({
    path              = optional(string)
    tcp               = optional(bool, false)
    interval          = string
    timeout           = string
    failure_threshold = number
  })
  description = "Liveness probe: an instance failing it is restarted and receives no traffic. Exactly one of path (HTTP GET, 2xx/3xx is healthy) or tcp = true. interval and timeout are Go durations (\"10s\", \"1m30s\"). null disables it."
  default     = null

  validation {
    condition     = alltrue([for p in(var.liveness_probe == null ? [] : [var.liveness_probe]) : (p.path != null) != p.tcp])
    error_message = "The liveness_probe must set exactly one of path (HTTP check) or tcp = true."
  }

  validation {
    condition     = alltrue([for p in(var.liveness_probe == null ? [] : [var.liveness_probe]) : p.path == null || can(regex("^/", p.path))])
    error_message = "The liveness_probe path must start with \"/\" (e.g. \"/health\")."
  }

  validation {
    condition = alltrue([
      for p in(var.liveness_probe == null ? [] : [var.liveness_probe]) :
      can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", p.interval)) && can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", p.timeout))
    ])
    error_message = "The liveness_probe interval and timeout must be Go durations such as \"500ms\", \"10s\" or \"1m30s\"."
  }

  validation {
    condition     = alltrue([for p in(var.liveness_probe == null ? [] : [var.liveness_probe]) : p.failure_threshold >= 1 && floor(p.failure_threshold) == p.failure_threshold])
    error_message = "The liveness_probe failure_threshold must be a whole number of at least 1."
  }
}

variable "startup_probe" {
  type = object({
    path              = optional(string)
    tcp               = optional(bool, false)
    interval          = string
    timeout           = string
    failure_threshold = number
  })
  description = "Startup probe, run only while an instance starts; the liveness probe waits for it. Same shape as liveness_probe. null disables it."
  default     = null

  validation {
    condition     = alltrue([for p in(var.startup_probe == null ? [] : [var.startup_probe]) : (p.path != null) != p.tcp])
    error_message = "The startup_probe must set exactly one of path (HTTP check) or tcp = true."
  }

  validation {
    condition     = alltrue([for p in(var.startup_probe == null ? [] : [var.startup_probe]) : p.path == null || can(regex("^/", p.path))])
    error_message = "The startup_probe path must start with \"/\" (e.g. \"/health\")."
  }

  validation {
    condition = alltrue([
      for p in(var.startup_probe == null ? [] : [var.startup_probe]) :
      can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", p.interval)) && can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", p.timeout))
    ])
    error_message = "The startup_probe interval and timeout must be Go durations such as \"500ms\", \"5s\" or \"1m30s\"."
  }

  validation {
    condition     = alltrue([for p in(var.startup_probe == null ? [] : [var.startup_probe]) : p.failure_threshold >= 1 && floor(p.failure_threshold) == p.failure_threshold])
    error_message = "The startup_probe failure_threshold must be a whole number of at least 1."
  }
}

variable "privacy" {
  type        = string
  description = "\"public\" (anyone can call the endpoint) or \"private\" (callers need an IAM token with ContainersPrivateAccess)."

  validation {
    condition     = contains(["public", "private"], var.privacy)
    error_message = "The privacy must be \"public\" or \"private\"."
  }
}

variable "https_only" {
  type        = bool
  description = "Redirect plain HTTP to HTTPS (https_connections_only)."
}

variable "sandbox" {
  type        = string
  description = "Execution environment: \"v2\" (gVisor, faster cold starts, recommended) or \"v1\" (legacy, full syscall compatibility)."

  validation {
    condition     = contains(["v1", "v2"], var.sandbox)
    error_message = "The sandbox must be \"v1\" or \"v2\"."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Maximum time in seconds a request may take before the platform stops it."

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 3600 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "The timeout_seconds must be a whole number between 10 and 3600 (10 s to 60 min)."
  }
}

variable "ready_wait_seconds" {
  type        = number
  description = "How long the provider waits for the container to be ready after a create or an update (its timeouts block). Cover the startup probe window (interval x failure_threshold) plus the image pull: the provider's own default, 750 s (12 min 30 s), fails a healthy release that starts more slowly. tofugen passes the window plus 300 s, at least 750 s."
  default     = 750

  validation {
    condition     = var.ready_wait_seconds >= 750 && var.ready_wait_seconds <= 432000 && floor(var.ready_wait_seconds) == var.ready_wait_seconds
    error_message = "The ready_wait_seconds must be a whole number between 750 (the provider's default, 12 min 30 s) and 432000 (5 days, the longest a GitHub Actions job may run, on a self-hosted runner)."
  }
}

variable "command" {
  type        = list(string)
  description = "Overrides the image ENTRYPOINT. Empty keeps the image's."
  default     = []
}

variable "args" {
  type        = list(string)
  description = "Overrides the image CMD. Empty keeps the image's."
  default     = []
}

variable "environment_variables" {
  type        = map(string)
  description = "Plain (non-secret) environment variables: name -> value."
  default     = {}

  validation {
    # At most 100 characters: scaleway_container's validation.MapKeyLenBetween(0, 100)
    # (terraform-provider-scaleway v2.81.0, internal/services/container/container.go:81).
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,99}$", k))])
    error_message = "Environment variable names must be 1 to 100 letters, digits and \"_\", not starting with a digit (e.g. \"DB_NAME\")."
  }

  validation {
    condition     = !contains(keys(var.environment_variables), "TOFUGEN_RELEASE")
    error_message = "TOFUGEN_RELEASE is set by the module itself (the release tag); choose another name."
  }

  validation {
    condition     = alltrue([for v in values(var.environment_variables) : length(v) <= 1000])
    error_message = "Environment variable values are limited to 1000 characters by Serverless Containers."
  }
}

variable "secret_ids" {
  type        = map(string)
  description = "Secret environment variables: name -> Secret Manager secret ID. The module reads the latest version of each secret and injects its value."
  default     = {}

  validation {
    # At most 100 characters: secret_environment_variables' validation.MapKeyLenBetween(0, 100)
    # (same file, line 92).
    condition     = alltrue([for k in keys(var.secret_ids) : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,99}$", k))])
    error_message = "Secret environment variable names must be 1 to 100 letters, digits and \"_\", not starting with a digit (e.g. \"API_TOKEN\")."
  }
}

variable "database_url" {
  type = object({
    env_name           = string
    scheme             = string
    user               = string
    host               = string
    port               = number
    database           = optional(string)
    password_secret_id = string
    password_revision  = optional(string, "latest")
  })
  description = "Injects the database connection URL as the secret environment variable env_name: \"<scheme>://<user>:<password>@<host>:<port>[/<database>]\", the password read from password_secret_id at password_revision (pass modules/database's password_secret_id and password_revision, so a rotated password reaches the container in the same apply). null: no database URL."
  default     = null

  validation {
    condition     = var.database_url == null || can(regex("^[a-z][a-z0-9+.-]*$", try(var.database_url.scheme, "")))
    error_message = "The database_url scheme must be a URL scheme such as \"postgresql\" or \"postgresql+psycopg2\"."
  }

  validation {
    condition     = var.database_url == null || can(regex("^[A-Za-z_][A-Za-z0-9_]{0,99}$", try(var.database_url.env_name, "")))
    error_message = "The database_url env_name must be an environment variable name of at most 100 characters (e.g. \"DATABASE_URL\")."
  }
}

variable "private_network_id" {
  type        = string
  description = "Private Network the container egresses through (reach the database). null: no Private Network. Serverless Containers have no private ingress."
  default     = null

  validation {
    condition     = var.private_network_id == null ? true : can(regex("^([a-z]{2}-[a-z]{3}/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.private_network_id))
    error_message = "The private_network_id must be a UUID, optionally prefixed by its region (\"fr-par/<uuid>\"), or null."
  }
}

variable "tags" {
  type        = list(string)
  description = "Tags applied to the container."
  default     = []
}
