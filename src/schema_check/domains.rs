//! Value domains: what a string field may hold, once, for the JSON Schema and for messages.
//!
//! A field of [`crate::model`] names its domain with a schemars extension:
//! `x-domain` (the value), `x-key-domain` (the keys of a mapping) or `x-item-domain` (the items
//! of a list). [`super::derive_schema`] turns each into JSON Schema keywords (`pattern`, `enum`,
//! `propertyNames`), so editors check them too; [`super::check`] explains a violation in words,
//! with a suggested fix, and runs the checks a regular expression cannot express well (git
//! branch structure, cron field ranges, Go templates) as [`Domain::check`].

use super::template;

/// A domain's problem beyond its pattern: where in the value and what is wrong (never the whole
/// value, which may be long or hostile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    /// Byte offset in the value of the first offending character, when there is one.
    pub offset: Option<usize>,
    /// Length in bytes of the offending part (at least 1 when `offset` is set).
    pub len: usize,
    /// What is wrong, in a few words.
    pub message: String,
}

impl DomainError {
    /// An error at `offset..offset + len`.
    pub fn at(offset: usize, len: usize, message: impl Into<String>) -> Self {
        DomainError {
            offset: Some(offset),
            len: len.max(1),
            message: message.into(),
        }
    }

    /// An error about the value as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        DomainError {
            offset: None,
            len: 0,
            message: message.into(),
        }
    }

    /// The problems of one value, in the order found, as one error: their messages joined by
    /// `; `, underlined from the first to the end of the last (about the whole value if one
    /// is); `None` when there are none. A value with several problems is fixed in one run
    /// (sweep 57, H3-8).
    pub fn all(problems: Vec<DomainError>) -> Option<DomainError> {
        let mut problems = problems.into_iter();
        let mut joined = problems.next()?;
        for p in problems {
            match (joined.offset, p.offset) {
                (Some(first), Some(at)) => {
                    joined.len = (at + p.len).max(first + joined.len) - first
                }
                _ => (joined.offset, joined.len) = (None, 0),
            }
            joined.message.push_str("; ");
            joined.message.push_str(&p.message);
        }
        Some(joined)
    }
}

/// A check beyond a domain's pattern.
pub type DomainCheck = fn(&str) -> Result<(), DomainError>;

/// One value domain.
#[derive(Debug, Clone, Copy)]
pub struct Domain {
    /// Its name, as written in `x-domain` and friends.
    pub name: &'static str,
    /// What a value is, for messages (`image repository name`).
    pub what: &'static str,
    /// JSON Schema `pattern` (ECMA-262 and Rust `regex` compatible: no look-around).
    pub pattern: Option<&'static str>,
    /// The closed list of values, when there is one (JSON Schema `enum`).
    pub values: &'static [&'static str],
    /// Values refused although the pattern accepts them.
    pub reserved: &'static [&'static str],
    /// What is expected, in words.
    pub expected: &'static str,
    /// An example value.
    pub example: &'static str,
    /// Checks beyond the pattern, run on values the pattern accepts.
    pub check: Option<DomainCheck>,
    /// A corrected value, when the intent is clear.
    pub fix: Option<fn(&str) -> Option<String>>,
    /// What to add after the fix for a value of some shape (an image given with its registry
    /// or tag: that tofugen builds its images), when there is something to say.
    pub fix_note: Option<fn(&str) -> Option<&'static str>>,
    /// Help when there is no fix and an example would not help.
    pub hint: Option<&'static str>,
    /// The most bytes a value may have (JSON Schema `maxLength`), when the pattern does not
    /// bound it.
    pub max_len: Option<usize>,
}

const fn domain(name: &'static str, what: &'static str, expected: &'static str) -> Domain {
    Domain {
        name,
        what,
        pattern: None,
        values: &[],
        reserved: &[],
        expected,
        example: "",
        check: None,
        fix: None,
        fix_note: None,
        hint: None,
        max_len: None,
    }
}

/// Regions that offer Serverless Containers, Managed PostgreSQL and Cockpit.
pub const REGIONS: [&str; 3] = ["fr-par", "nl-ams", "pl-waw"];
/// Their zones.
pub const ZONES: [&str; 9] = [
    "fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2",
    "pl-waw-3",
];
/// Longest environment variable and secret name: the provider's `MapKeyLenBetween(0, 100)` on
/// a container's `environment_variables` and `secret_environment_variables`.
pub const MAX_ENV_VAR_NAME: usize = 100;
/// Longest repository path of an image, namespace included (distribution/reference,
/// `RepositoryNameTotalLengthMax`).
pub const MAX_IMAGE_PATH: usize = 255;
/// Environment names that are directories of the generated tree.
pub const RESERVED_ENVIRONMENTS: [&str; 2] = ["bootstrap", "modules"];

/// Every domain.
pub const DOMAINS: &[Domain] = &[
    Domain {
        values: &REGIONS,
        example: "fr-par",
        ..domain(
            "region",
            "region",
            "a Scaleway region that offers Serverless Containers, Managed PostgreSQL and Cockpit",
        )
    },
    Domain {
        values: &ZONES,
        example: "fr-par-1",
        ..domain("zone", "zone", "a zone of a supported region")
    },
    Domain {
        pattern: Some(
            r"^(\{project\}|\{env\}|[a-z0-9])((\{project\}|\{env\}|[a-z0-9-])*(\{project\}|\{env\}|[a-z0-9]))?$",
        ),
        example: "{project}-{env}",
        fix: Some(fix_lower_dashes),
        ..domain(
            "registry-namespace",
            "registry namespace",
            "a registry namespace: lowercase letters, digits and `-`, with the placeholders `{project}` and `{env}`, not starting or ending with `-`",
        )
    },
    Domain {
        // OpenTofu's s3 backend refuses an empty key and one starting or ending with `/`
        // (opentofu/opentofu internal/backend/remote-state/s3/backend.go, `PrepareConfig`:
        // "Invalid key value"), at `tofu init`. tofugen also refuses empty and `.`/`..`
        // segments: the backend joins a workspace's key with `path.Join` (backend_state.go,
        // `Backend.path`), which cleans them away, so the object is not the one written here.
        // Characters: the safe characters of S3 object keys (AWS, "Naming Amazon S3 objects",
        // object-keys.html), and the placeholders `{project}` and `{env}`.
        pattern: Some(
            r"^([A-Za-z0-9!_.*'()-]|\{project\}|\{env\})+(/([A-Za-z0-9!_.*'()-]|\{project\}|\{env\})+)*$",
        ),
        example: "{env}/terraform.tfstate",
        check: Some(check_state_key),
        fix: Some(fix_state_key),
        ..domain(
            "state-key",
            "state object key",
            "an object key template: segments of letters, digits, `!`, `_`, `.`, `*`, `'`, `(`, `)`, `-` and the placeholders `{project}` and `{env}`, separated by single `/`; not empty, not starting or ending with `/`, no `.` or `..` segment",
        )
    },
    Domain {
        // modules/service `image` refuses the `__` and `--` separators the OCI distribution
        // grammar allows: tofugen keeps to the module (names_agree_with_the_modules_validations).
        pattern: Some(r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"),
        example: "shop-api",
        fix: Some(fix_image),
        fix_note: Some(image_fix_note),
        // A repository path has at most 255 characters (distribution/reference, reference.go:
        // `RepositoryNameTotalLengthMax`); TG020 checks it with the namespace in front. An
        // unbounded name also made a deploy job's key past YAML's 1 024-character limit on
        // implicit keys, which GitHub refuses (sweep 47, #1).
        max_len: Some(MAX_IMAGE_PATH),
        ..domain(
            "image",
            "image repository name",
            "a repository name in the registry namespace: lowercase letters and digits, parts joined by one `.`, `_` or `-`, path components by `/`; no registry host and no tag",
        )
    },
    Domain {
        pattern: Some(r"^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$"),
        example: "acme/shop",
        check: Some(check_repository),
        fix: Some(fix_repository),
        ..domain(
            "github-repository",
            "GitHub repository",
            "a GitHub repository `owner/name`: the owner of letters, digits and single `-` (at most 39), the name of letters, digits, `.`, `_` and `-`",
        )
    },
    Domain {
        pattern: Some(r"^[A-Za-z0-9._/-]+$"),
        example: "main",
        check: Some(check_branch),
        ..domain(
            "git-branch",
            "git branch name",
            "a git branch name (its short name, not `refs/heads/...`, and not `HEAD`): letters, digits, `.`, `_`, `/` and `-`, not starting with `-` or `/`, without `..` or `//`, not ending with `/`, `.` or `.lock`",
        )
    },
    Domain {
        pattern: Some(r"^[A-Za-z0-9._-]+$"),
        example: "ubuntu-24.04",
        ..domain(
            "runner-label",
            "runner label",
            "a runner label: letters, digits, `.`, `_` and `-`",
        )
    },
    Domain {
        pattern: Some(r"^/([A-Za-z0-9._~!&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$"),
        example: "/health",
        fix: Some(fix_probe_path),
        ..domain(
            "probe-path",
            "probe path",
            "an absolute URL path: `/` then letters, digits, `-._~!&'()*+,;=:@/` or `%` and two hex digits; no query, fragment, blank, `$` or `{`",
        )
    },
    Domain {
        pattern: Some(r"^PostgreSQL-[0-9]{2}$"),
        example: "PostgreSQL-16",
        fix: Some(fix_engine),
        ..domain(
            "database-engine",
            "database engine",
            "`PostgreSQL-` and a two-digit major version",
        )
    },
    Domain {
        pattern: Some(r"^[Dd][Bb]-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"),
        example: "DB-PRO2-XS",
        fix: Some(fix_node_type),
        ..domain(
            "database-node-type",
            "database node type",
            "a node type: `DB-` then letters and digits in `-`-separated parts",
        )
    },
    Domain {
        pattern: Some(
            // No `?`: modules/backups' schedule pattern refuses it.
            r"^[0-9*,/-]+ +[0-9*,/-]+ +[0-9*,/-]+ +[0-9A-Za-z*,/-]+ +[0-9A-Za-z*,/-]+$",
        ),
        example: "0 3 * * 0",
        check: Some(check_cron),
        ..domain(
            "cron",
            "cron schedule",
            "a cron schedule of exactly 5 fields, minute hour day-of-month month day-of-week, separated by spaces and with nothing after them",
        )
    },
    Domain {
        pattern: Some(r"^[a-z][a-z0-9_-]*$"),
        example: "api-errors",
        fix: Some(fix_identifier),
        ..domain(
            "alert-rule-name",
            "alert rule name",
            "lowercase letters, digits, `_` and `-`, starting with a letter",
        )
    },
    Domain {
        pattern: Some(r"^(\*|[a-z][a-z0-9-]*)$"),
        example: "api",
        ..domain(
            "alert-service",
            "alert service",
            "a service name, or `*` for every service",
        )
    },
    Domain {
        pattern: Some(
            r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$",
        ),
        example: "https://example.org/runbooks.md",
        ..domain(
            "runbook-url",
            "runbook URL",
            "an `https://` URL: a host, an optional port and a path, without blanks, quotes, `{`, `}`, `?` or `#` (tofugen appends `#<alert-name>`)",
        )
    },
    Domain {
        // GitHub documents only the length: "An environment name may not exceed 255 characters
        // and must be unique within the repository", and names are not case sensitive
        // (docs.github.com, Actions, Managing environments for deployment). tofugen keeps 250
        // for the planner's `<name>-plan`, and the characters that stay one word unquoted in a
        // URL path segment (`gh api …/environments/NAME`), a shell command, Markdown and YAML.
        pattern: Some(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,249}$"),
        example: "production",
        ..domain(
            "github-environment",
            "GitHub environment name",
            "letters, digits, `.`, `_` and `-`, starting with a letter or a digit, at most 250 characters (GitHub takes 255; tofugen adds `-plan` for the planner's environment)",
        )
    },
    Domain {
        check: Some(template::check),
        example: "{{ $labels.instance }} is at {{ $value | humanizePercentage }}",
        max_len: Some(template::MAX_TEXT),
        ..domain(
            "alert-template",
            "alert text",
            "text, with Prometheus template actions limited to `{{ $labels.NAME }}`, `{{ $value }}`, `{{ $externalLabels.NAME }}`, `humanize*` functions and `printf`",
        )
    },
    Domain {
        pattern: Some(super::NAME_PATTERN),
        reserved: &RESERVED_ENVIRONMENTS,
        example: "staging",
        fix: Some(fix_name),
        max_len: Some(super::MAX_NAME_LEN),
        ..domain(
            "environment-name",
            "environment name",
            "at most 63 lowercase letters, digits and single `-`, starting with a letter and not ending with `-` (`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`): it becomes part of Scaleway resource names",
        )
    },
    Domain {
        pattern: Some(super::NAME_PATTERN),
        example: "api",
        fix: Some(fix_name),
        max_len: Some(super::MAX_NAME_LEN),
        ..domain(
            "service-name",
            "service name",
            "at most 63 lowercase letters, digits and single `-`, starting with a letter and not ending with `-` (`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`): it becomes part of Scaleway resource names",
        )
    },
    // A loose pattern: what may reach a file name or an identifier even with TG020 turned off
    // (`a/b` would make directories). Policy (TG020) explains the exact rule, with the names
    // built from it, while the other stages still run. The length bounds what every message
    // built from it repeats.
    Domain {
        pattern: Some(r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
        example: "shop",
        fix: Some(fix_name),
        max_len: Some(super::MAX_NAME_LEN),
        ..domain(
            "project-name",
            "project name",
            "at most 63 letters, digits, `_` and `-`, starting with a letter or digit (TG020 then asks for lowercase letters, digits and single `-`): it prefixes every Scaleway resource name and file name",
        )
    },
    Domain {
        // At most 100 characters: a key of the container's `environment_variables`, which
        // Scaleway's provider bounds with `validation.MapKeyLenBetween(0, 100)`
        // (terraform-provider-scaleway v2.81.0, internal/services/container/container.go:81;
        // jobs.go:104 for jobs). modules/service checks the same (`environment_variables`).
        pattern: Some(r"^[A-Z_][A-Z0-9_]*$"),
        example: "LOG_LEVEL",
        fix: Some(fix_env_var),
        max_len: Some(MAX_ENV_VAR_NAME),
        ..domain(
            "env-var-name",
            "environment variable name",
            "1 to 100 uppercase letters, digits and `_`, not starting with a digit (`^[A-Z_][A-Z0-9_]*$`)",
        )
    },
    Domain {
        // Also a Secret Manager name (modules/secrets: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`),
        // and a key of `secret_environment_variables`, bounded to 100 characters like
        // `environment_variables` (container.go:92).
        pattern: Some(r"^[A-Z][A-Z0-9_]*$"),
        example: "API_TOKEN",
        fix: Some(fix_secret_name),
        max_len: Some(MAX_ENV_VAR_NAME),
        ..domain(
            "secret-name",
            "secret name",
            "an environment variable and Secret Manager name: 1 to 100 uppercase letters, digits and `_`, starting with a letter (`^[A-Z][A-Z0-9_]*$`)",
        )
    },
    Domain {
        pattern: Some(r"^[a-z_][a-z0-9_.]*$"),
        example: "max_connections",
        fix: Some(fix_setting),
        ..domain(
            "database-setting",
            "database setting name",
            "a PostgreSQL setting name: lowercase letters, digits, `_` and `.`",
        )
    },
    Domain {
        pattern: Some(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_.-]+)*$"),
        example: "services.api.env.PROJECT_ID",
        ..domain(
            "policy-path",
            "configuration path",
            "a dotted path as `tofugen explain` prints it, e.g. `services.api.env.PROJECT_ID`",
        )
    },
    Domain {
        // OpenTofu's version constraint syntax (what `required_providers` takes): one or more
        // comma-separated `[operator] version`; TG025 then asks for one exact version. With
        // TG025 off a range is accepted, but never an arbitrary string.
        pattern: Some(
            r"^ *(=|!=|>=|<=|>|<|~>)? *[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.]+)? *(, *(=|!=|>=|<=|>|<|~>)? *[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.]+)? *)*$",
        ),
        example: "2.81.0",
        ..domain(
            "version-constraint",
            "version or version constraint",
            "a version `X.Y.Z`, or a constraint such as `>= 2.75, < 3.0` (TG025 asks for an exact version)",
        )
    },
    Domain {
        // A Docker image tag (the distribution reference grammar's `tag`).
        pattern: Some(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
        example: "v2.61.0",
        ..domain(
            "image-tag",
            "image tag",
            "an image tag: letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters",
        )
    },
    Domain {
        pattern: Some(r"^[0-9]+\.[0-9]+\.[0-9]+$"),
        example: "0.2.0",
        ..domain(
            "exact-version",
            "exact version",
            "an exact version `X.Y.Z` (no range, no `v` prefix)",
        )
    },
    Domain {
        pattern: Some(r"^[0-9a-f]{40}$"),
        example: "0123456789abcdef0123456789abcdef01234567",
        ..domain(
            "commit-sha",
            "commit SHA",
            "a full commit SHA: 40 lowercase hexadecimal digits",
        )
    },
    Domain {
        pattern: Some(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)+$"),
        example: "https://github.com/acme/tofugen",
        ..domain(
            "git-url",
            "git repository URL",
            "an `https://` URL of a git repository: a host and a path of letters, digits, `.`, `_`, `~` and `-`",
        )
    },
    Domain {
        pattern: Some(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"),
        example: "modules",
        check: Some(check_repository_dir),
        hint: Some("keep your modules out of `generated/` (for example in `modules`)"),
        ..domain(
            "repository-dir",
            "directory of the repository",
            "a directory relative to the repository root: segments of letters, digits, `.`, `_` and `-`, not starting with `.` or `-`, separated by `/`",
        )
    },
    Domain {
        // Segments that are names (`web`, `.docker`), never `.`/`..` past the first, never an
        // option (`-x`), an absolute path or a URL (a remote build context).
        pattern: Some(
            r"^(\.|([A-Za-z0-9_][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*)(/([A-Za-z0-9_][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*))*)/?$",
        ),
        example: "web",
        fix: Some(fix_context),
        hint: Some(
            "write a directory of the application repository relative to its root (`.` for the root, `services/web`); the build never reads outside the checkout",
        ),
        ..domain(
            "build-context",
            "build context",
            "a directory relative to the application repository root: `.`, or names of letters, digits, `.`, `_` and `-` separated by `/`; no `..`, absolute path, URL or leading `-`",
        )
    },
    Domain {
        pattern: Some(
            r"^([A-Za-z0-9_][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*)(/([A-Za-z0-9_][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*))*$",
        ),
        example: "web/Dockerfile",
        fix: Some(fix_relative_file),
        hint: Some(
            "write the Dockerfile's path in the application repository relative to its root (`web/Dockerfile`)",
        ),
        ..domain(
            "build-file",
            "Dockerfile path",
            "a file relative to the application repository root: names of letters, digits, `.`, `_` and `-` separated by `/`; no `..`, absolute path, URL or leading `-`",
        )
    },
    Domain {
        // IANA time zone names: `UTC`, `Europe/Paris`, `America/Argentina/Buenos_Aires`,
        // `Etc/GMT+1`. The pattern is modules/backups' `timezone` one (the schema gives it to
        // editors); the check then asks for a name of the tz database ([`super::timezones`]):
        // `Europe/Pari` has the shape, and Scaleway's jobs would refuse it at apply time.
        pattern: Some(r"^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$"),
        example: "Europe/Paris",
        check: Some(check_timezone),
        fix: Some(fix_timezone),
        ..domain(
            "timezone",
            "time zone",
            "an IANA time zone name (`Europe/Paris`, `UTC`)",
        )
    },
    Domain {
        // A calendar day: the pattern gives editors the shape, the check the calendar
        // (`2027-02-30` has the shape; the provider's RFC 3339 parser would refuse it at plan
        // time).
        pattern: Some(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
        example: "2027-06-30",
        check: Some(check_date),
        ..domain(
            "date",
            "date",
            "a calendar day `YYYY-MM-DD` (e.g. `2027-06-30`)",
        )
    },
    Domain {
        pattern: Some(r"^[a-z][a-z0-9+.-]*$"),
        example: "postgresql+psycopg2",
        ..domain(
            "url-scheme",
            "URL scheme",
            "a URL scheme: lowercase letters, digits, `+`, `.` and `-`, starting with a letter (e.g. `postgresql` or `postgresql+psycopg2`)",
        )
    },
    Domain {
        pattern: Some(r"\S"),
        example: "the project ID is an identifier, not a credential",
        hint: Some(
            "say in a few words why the rule does not apply here; `tofugen explain` and the generated READMEs show it",
        ),
        ..domain(
            "reason",
            "reason",
            "a reason saying why the rule does not apply here (not empty)",
        )
    },
];

/// The domain named `name`.
pub fn find(name: &str) -> Option<&'static Domain> {
    DOMAINS.iter().find(|d| d.name == name)
}

impl Domain {
    /// The help for a wrong `value`: its fix when there is one, else the hint or an example.
    pub fn help(&self, value: &str) -> String {
        if let Some(max) = self.max_len.filter(|max| value.len() > *max) {
            let shape = Domain {
                max_len: None,
                ..*self
            };
            if shape.validate(value).is_ok() {
                return format!("shorten it to at most {max} characters");
            }
        }
        let secret = super::looks_secret_as_written_or_read(value);
        // Noted only where the characters are why the value fails: an alert text may hold
        // any letter (review of stop 60).
        let non_ascii = (!secret && !self.pattern_matches(value))
            .then(|| crate::text::non_ascii(value))
            .flatten();
        let fix = if secret {
            None
        } else {
            ascii_fix(self, value, non_ascii.as_ref())
        };
        let help = match fix.filter(|f| f != value && self.validate(f).is_ok()) {
            Some(f) => match self.fix_note.and_then(|note| note(value)) {
                Some(note) => format!("write `{}`: {note}", super::shown(&f)),
                None => format!("write `{}`", super::shown(&f)),
            },
            None => self.help_without_the_value(),
        };
        // The line shown reads like a valid value when a letter is a lookalike (sweep 57,
        // H3-2): the help says which character it is.
        match non_ascii {
            Some(n) => format!("{}: {help}", n.note),
            None => help,
        }
    }

    /// The help for a value not to be repeated (one that may be a secret): the domain's hint,
    /// or an example.
    pub fn help_without_the_value(&self) -> String {
        match self.hint {
            Some(h) => h.to_string(),
            None => format!("write it like `{}`", self.example),
        }
    }

    /// Whether `value` matches the pattern (or closed list) of the domain, within its length.
    pub fn pattern_matches(&self, value: &str) -> bool {
        if self.max_len.is_some_and(|max| value.len() > max) {
            return false;
        }
        if !self.values.is_empty() {
            return self.values.contains(&value);
        }
        match self.pattern {
            Some(p) => compiled(p).is_match(value),
            None => true,
        }
    }

    /// Every problem of `value`: pattern, reserved names and [`Domain::check`].
    pub fn validate(&self, value: &str) -> Result<(), DomainError> {
        if let Some(max) = self.max_len.filter(|max| value.len() > *max) {
            let shape = Domain {
                max_len: None,
                ..*self
            };
            if shape.pattern_matches(value) {
                return Err(DomainError::whole(format!(
                    "it is {} characters long, and {} has at most {max}",
                    value.len(),
                    self.a_what()
                )));
            }
        }
        if !self.pattern_matches(value) {
            return Err(DomainError::whole(format!("it is not {}", self.a_what())));
        }
        if self.reserved.contains(&value) {
            return Err(DomainError::whole(format!(
                "`{value}` is reserved: it is a directory of the generated tree"
            )));
        }
        match self.check {
            Some(check) => check(value),
            None => Ok(()),
        }
    }

    /// `an image repository name`, `a zone`.
    pub fn a_what(&self) -> String {
        let article = if self.what.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.what)
    }
}

/// A compiled pattern that only answers whether a value matches. A domain pattern is a dense
/// DFA that `build.rs` compiled (the regex crate's syntax and semantics), read from the binary
/// without copying it; any other pattern is the `regex` crate's engine (`regex_automata::meta`,
/// same syntax and semantics as `regex::Regex`) built without the lazy DFA, the one-pass DFA and
/// the reverse NFA that finding where a match starts needs. Values are short, and a run needs
/// one pattern per domain it meets: compiling them was a quarter of a small configuration's
/// `validate` (15 % after the meta engine was trimmed so).
#[derive(Debug)]
pub struct Matcher(Engine);

/// How a [`Matcher`] matches.
#[derive(Debug)]
enum Engine {
    /// A DFA compiled by `build.rs`, and its pattern (compiled again if a search ever fails).
    Dfa(
        Box<regex_automata::dfa::dense::DFA<&'static [u32]>>,
        &'static str,
    ),
    /// Compiled at run time.
    Meta(regex_automata::meta::Regex),
}

/// The DFAs `build.rs` compiled the domain patterns to.
mod precompiled {
    include!(concat!(env!("OUT_DIR"), "/domain_dfas.rs"));
}

/// Bytes aligned as a DFA's transition table needs (its `u32`s), for [`BLOB`].
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

/// The serialized DFAs, each at an offset that is a multiple of 8 (see `build.rs`).
static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/domain_dfas.bin"
)));

/// The DFA `build.rs` compiled `pattern` to, if it is a domain pattern.
fn precompiled_dfa(pattern: &str) -> Option<Engine> {
    let &(pattern, offset, len) = precompiled::DFAS.iter().find(|(p, _, _)| *p == pattern)?;
    let (dfa, _) =
        regex_automata::dfa::dense::DFA::from_bytes(BLOB.0.get(offset..offset + len)?).ok()?;
    Some(Engine::Dfa(Box::new(dfa), pattern))
}

/// `pattern` compiled at run time.
fn meta(
    pattern: &str,
) -> Result<regex_automata::meta::Regex, Box<regex_automata::meta::BuildError>> {
    regex_automata::meta::Regex::builder()
        .configure(
            regex_automata::meta::Config::new()
                .hybrid(false)
                .dfa(false)
                .onepass(false)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit),
        )
        .build(pattern)
        .map_err(Box::new)
}

impl Matcher {
    /// Compiles `pattern` (Rust `regex` syntax), or reads its DFA if it is a domain pattern.
    pub fn new(pattern: &str) -> Result<Matcher, Box<regex_automata::meta::BuildError>> {
        match precompiled_dfa(pattern) {
            Some(dfa) => Ok(Matcher(dfa)),
            None => meta(pattern).map(|re| Matcher(Engine::Meta(re))),
        }
    }

    /// Whether `value` holds a match (anywhere, as `regex::Regex::is_match`).
    pub fn is_match(&self, value: &str) -> bool {
        use regex_automata::dfa::Automaton;
        match &self.0 {
            Engine::Dfa(dfa, pattern) => {
                let input = regex_automata::Input::new(value).earliest(true);
                match dfa.try_search_fwd(&input) {
                    Ok(found) => found.is_some(),
                    // Only quit bytes and give-ups fail a search, and the DFAs have neither:
                    // were one to, the pattern is compiled for this value.
                    Err(_) => meta(pattern).is_ok_and(|re| re.is_match(value)),
                }
            }
            Engine::Meta(re) => re.is_match(value),
        }
    }

    /// Whether this matcher is a DFA compiled by `build.rs`.
    pub fn is_precompiled(&self) -> bool {
        matches!(self.0, Engine::Dfa(..))
    }
}

/// The translation from ECMA-262 to the regex crate's syntax (as `jsonschema` translates) of a
/// domain pattern with an escape, made by `build.rs` (whose translations that differ from their
/// pattern are precompiled DFAs too); `None` for any other pattern.
pub fn translation(pattern: &str) -> Option<&'static str> {
    precompiled::TRANSLATIONS
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, t)| *t)
}

/// The compiled pattern of the domain whose pattern is `pattern`, if any (the same one the
/// domain checks use).
pub fn compiled_for(pattern: &str) -> Option<&'static Matcher> {
    DOMAINS
        .iter()
        .filter_map(|d| d.pattern)
        .find(|p| *p == pattern)
        .map(compiled)
}

fn compiled(pattern: &'static str) -> &'static Matcher {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static Matcher>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(pattern).or_insert_with(|| {
        Box::leak(Box::new(
            Matcher::new(pattern).expect("domain patterns compile"),
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Checks beyond patterns
// ---------------------------------------------------------------------------------------------

fn check_repository(value: &str) -> Result<(), DomainError> {
    let (owner, name) = value.split_once('/').unwrap_or((value, ""));
    if name == "." || name == ".." {
        return Err(DomainError::at(
            owner.len() + 1,
            name.len(),
            "a repository cannot be named `.` or `..`",
        ));
    }
    Ok(())
}

/// A directory of the repository that tofugen does not own: `generated/` is its output, written
/// and cleaned by `generate`, where hand-written modules would be reported as files tofugen did
/// not write.
fn check_repository_dir(value: &str) -> Result<(), DomainError> {
    let first = value.split('/').next().unwrap_or(value);
    if first.eq_ignore_ascii_case("generated") {
        return Err(DomainError::at(
            0,
            first.len(),
            "`generated/` holds tofugen's own output, not the repository's modules",
        ));
    }
    Ok(())
}

fn check_branch(value: &str) -> Result<(), DomainError> {
    // git refuses `HEAD` as a branch name (`git check-ref-format --branch HEAD`), and a full
    // ref (`refs/heads/main`) in a workflow's `branches:` filter matches only a branch whose
    // short name is that text: the deploy would never trigger.
    if value == "HEAD" {
        return Err(DomainError::at(
            0,
            4,
            "`HEAD` is not a branch name (git refuses it); name the branch, e.g. `main`",
        ));
    }
    if let Some(short) = value.strip_prefix("refs/") {
        let short = short.strip_prefix("heads/").unwrap_or(short);
        return Err(DomainError::at(
            0,
            value.len() - short.len(),
            format!("write the branch's short name (`{short}`), not a full ref"),
        ));
    }
    if value.starts_with('-') {
        return Err(DomainError::at(0, 1, "a branch name cannot start with `-`"));
    }
    if value.starts_with('/') {
        return Err(DomainError::at(0, 1, "a branch name cannot start with `/`"));
    }
    if let Some(i) = value.find("..") {
        return Err(DomainError::at(i, 2, "a branch name cannot contain `..`"));
    }
    if let Some(i) = value.find("//") {
        return Err(DomainError::at(i, 2, "a branch name cannot contain `//`"));
    }
    let mut offset = 0;
    for component in value.split('/') {
        if component.starts_with('.') {
            return Err(DomainError::at(
                offset,
                1,
                "a part of a branch name cannot start with `.`",
            ));
        }
        if component.ends_with(".lock") {
            return Err(DomainError::at(
                offset + component.len() - 5,
                5,
                "a part of a branch name cannot end with `.lock`",
            ));
        }
        offset += component.len() + 1;
    }
    if value.ends_with('/') || value.ends_with('.') {
        return Err(DomainError::at(
            value.len() - 1,
            1,
            "a branch name cannot end with `/` or `.`",
        ));
    }
    Ok(())
}

/// One cron field: its name, range and accepted names.
struct CronField {
    name: &'static str,
    range: (u32, u32),
    names: &'static [&'static str],
}

const CRON_FIELDS: [CronField; 5] = [
    CronField {
        name: "minute",
        range: (0, 59),
        names: &[],
    },
    CronField {
        name: "hour",
        range: (0, 23),
        names: &[],
    },
    CronField {
        name: "day-of-month",
        range: (1, 31),
        names: &[],
    },
    CronField {
        name: "month",
        range: (1, 12),
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    CronField {
        name: "day-of-week",
        range: (0, 7),
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
];

/// Longest state key tofugen writes: S3 keys are at most 1024 bytes (AWS, "Naming Amazon S3
/// objects"), and `use_lockfile` stores the lock at the key plus `.tflock`.
const STATE_KEY_BYTES: usize = 1024 - ".tflock".len();
/// Longest value a placeholder of a state key stands for: a resource name (TG020 bounds every
/// `<project>-<env>-...` name to 63 characters).
const PLACEHOLDER_BYTES: usize = 63;

/// Beyond [`DOMAINS`]' `state-key` pattern: no `.` or `..` segment, and short enough once the
/// placeholders are replaced.
fn check_state_key(value: &str) -> Result<(), DomainError> {
    let mut offset = 0;
    for segment in value.split('/') {
        if segment == "." || segment == ".." {
            return Err(DomainError::at(
                offset,
                segment.len(),
                format!(
                    "a `{segment}` segment (OpenTofu's s3 backend cleans it away in workspace paths)"
                ),
            ));
        }
        offset += segment.len() + 1;
    }
    let placeholders = value.matches("{project}").count() + value.matches("{env}").count();
    let longest = value.len()
        - value.matches("{project}").count() * "{project}".len()
        - value.matches("{env}").count() * "{env}".len()
        + placeholders * PLACEHOLDER_BYTES;
    if longest > STATE_KEY_BYTES {
        return Err(DomainError::whole(format!(
            "may be {longest} bytes long once `{{project}}` and `{{env}}` are replaced: S3 keys \
             are at most 1024 bytes, with the `.tflock` OpenTofu adds at most {STATE_KEY_BYTES}"
        )));
    }
    Ok(())
}

/// `/x/`, `a//b`, `./a` written as the key they look like.
fn fix_state_key(v: &str) -> Option<String> {
    let fixed: Vec<&str> = v
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    let fixed = fixed.join("/");
    // [`Domain::help`] offers it only when it is valid.
    (fixed != v && !fixed.is_empty()).then_some(fixed)
}

fn check_cron(value: &str) -> Result<(), DomainError> {
    never_fires(&cron_fields(value)?)
}

/// Each field of the cron schedule `value`: its text, its offset and the values it matches
/// (bit `n` for value `n`). Every field out of its range or syntax is the error, in one
/// message, underlined from the first to the last (sweep 57, H3-8: `61 25 32 13 8` took five
/// runs, one field each).
fn cron_fields(value: &str) -> Result<Vec<(&str, usize, u64)>, DomainError> {
    let mut offset = 0;
    let mut index = 0;
    // Each field's text, offset and the values it matches (bit `n` for value `n`).
    let mut fields: Vec<(&str, usize, u64)> = Vec::with_capacity(5);
    let mut wrong = Vec::new();
    for part in value.split(' ') {
        if part.is_empty() {
            offset += 1;
            continue;
        }
        let field = &CRON_FIELDS[index.min(4)];
        match check_cron_field(field, part) {
            Ok(set) => fields.push((part, offset, set)),
            Err((at, len, message)) => wrong.push(DomainError::at(
                offset + at,
                len,
                format!("the {} field: {message}", field.name),
            )),
        }
        index += 1;
        offset += part.len() + 1;
    }
    match DomainError::all(wrong) {
        Some(e) => Err(e),
        None => Ok(fields),
    }
}

/// The days (over four years, 2024 to 2027: a leap year included) on which the valid
/// five-field cron schedule `value` runs, as indexes from 2024-01-01, and its runs on each of
/// them (minutes x hours); `None` when `value` is not such a schedule. Days follow crontab(5):
/// with both day fields restricted (neither `*` nor `?`), a day matching either runs.
pub fn cron_days(value: &str) -> Option<(Vec<u32>, u32)> {
    let fields = cron_fields(value).ok()?;
    never_fires(&fields).ok()?;
    let [
        (_, _, minutes),
        (_, _, hours),
        (days_text, _, days),
        (_, _, months),
        (weekdays_text, _, mut weekdays),
    ] = fields[..]
    else {
        return None;
    };
    let any = |t: &str| matches!(t, "*" | "?");
    let (days_any, weekdays_any) = (any(days_text), any(weekdays_text));
    // Day 7 is Sunday too.
    if weekdays & (1 << 7) != 0 {
        weekdays |= 1;
    }
    let mut found = Vec::new();
    let mut index = 0u32;
    for year in 2024u32..=2027 {
        for month in 1..=12u32 {
            let length = match month {
                2 if year % 4 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            for day in 1..=length {
                // 2024-01-01 was a Monday (1).
                let weekday = (index + 1) % 7;
                let by_day = days & (1 << day) != 0;
                let by_weekday = weekdays & (1 << weekday) != 0;
                let runs = months & (1 << month) != 0
                    && match (days_any, weekdays_any) {
                        (false, false) => by_day || by_weekday,
                        _ => by_day && by_weekday,
                    };
                if runs {
                    found.push(index);
                }
                index += 1;
            }
        }
    }
    Some((found, minutes.count_ones() * hours.count_ones()))
}

/// A schedule whose days of the month exist in none of its months never runs: `0 3 31 2 *`
/// (February has at most 29 days), `0 3 31 4 *`. Only when the day-of-week field is `*` or
/// `?`: with both day fields restricted, cron runs on either (crontab(5)), so the
/// day-of-week days still come.
fn never_fires(fields: &[(&str, usize, u64)]) -> Result<(), DomainError> {
    let [
        _,
        _,
        (dom_text, dom_at, days),
        (_, _, months),
        (dow_text, _, _),
    ] = fields
    else {
        return Ok(());
    };
    if matches!(*dom_text, "*" | "?") || !matches!(*dow_text, "*" | "?") {
        return Ok(());
    }
    // The longest each month can be, leap years included.
    const LENGTH: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let fires = (1..=12u32)
        .filter(|m| months & (1 << m) != 0)
        .any(|m| (1..=LENGTH[m as usize - 1]).any(|d| days & (1 << d) != 0));
    if fires {
        return Ok(());
    }
    Err(DomainError::at(
        *dom_at,
        dom_text.len(),
        "the day-of-month field: none of these days exists in the months of the schedule (February has at most 29 days; April, June, September and November 30), so it never runs",
    ))
}

/// `*`, `?`, `a`, `a-b`, each optionally `/step`, separated by `,`: the values it matches
/// (bit `n` for value `n`).
fn check_cron_field(field: &CronField, text: &str) -> Result<u64, (usize, usize, String)> {
    let mut set = 0u64;
    let (lo, hi) = field.range;
    let value = |s: &str, at: usize| -> Result<u32, (usize, usize, String)> {
        if let Ok(n) = s.parse::<u32>() {
            if (lo..=hi).contains(&n) {
                return Ok(n);
            }
            return Err((at, s.len(), format!("`{s}` is out of range {lo}-{hi}")));
        }
        let upper = s.to_ascii_uppercase();
        match field.names.iter().position(|n| *n == upper) {
            Some(i) => Ok(i as u32 + lo),
            None if field.names.is_empty() => Err((
                at,
                s.len().max(1),
                format!("expected a number from {lo} to {hi}"),
            )),
            None => Err((
                at,
                s.len().max(1),
                format!(
                    "expected a number from {lo} to {hi} or a name ({})",
                    field.names.join(", ")
                ),
            )),
        }
    };
    let mut at = 0;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let mut every = 1;
        if let Some(step) = step {
            let step_at = at + range.len() + 1;
            match step.parse::<u32>() {
                Ok(n) if n >= 1 && n <= hi.max(1) => every = n,
                _ => {
                    return Err((
                        step_at,
                        step.len().max(1),
                        format!(
                            "the step after `/` must be a number from 1 to {}",
                            hi.max(1)
                        ),
                    ));
                }
            }
        }
        let (from, to) = match range {
            "*" => (lo, hi),
            "" => return Err((at, 1, "an empty value".to_string())),
            r => match r.split_once('-') {
                Some((a, b)) => {
                    let x = value(a, at)?;
                    let y = value(b, at + a.len() + 1)?;
                    if x > y {
                        return Err((at, r.len(), format!("the range `{r}` is reversed")));
                    }
                    (x, y)
                }
                // `a/step` runs from `a` to the end of the range.
                None => {
                    let x = value(r, at)?;
                    (x, if step.is_some() { hi } else { x })
                }
            },
        };
        set |= (from..=to)
            .step_by(every as usize)
            .fold(0u64, |s, v| s | (1 << v));
        at += item.len() + 1;
    }
    Ok(set)
}

// ---------------------------------------------------------------------------------------------
// Fixes
// ---------------------------------------------------------------------------------------------

fn fix_lower_dashes(v: &str) -> Option<String> {
    let fixed: String = v
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "{}".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    Some(fixed.trim_matches('-').to_string())
}

fn fix_image(v: &str) -> Option<String> {
    let mut s = v.trim().to_ascii_lowercase();
    // A registry host (`rg.fr-par.scw.cloud/ns/`) and a tag or digest are not part of it.
    if let Some((host, rest)) = s.split_once('/')
        && is_registry_host(host)
    {
        s = rest.to_string();
        if let Some((_, rest)) = s.split_once('/') {
            s = rest.to_string();
        }
    }
    if let Some(i) = s.find(['@', ':']) {
        s.truncate(i);
    }
    Some(s.replace(' ', "-"))
}

/// Whether the first component of an image reference is a registry host: it has a `.` or a
/// port, or is `localhost` (as Docker reads it: distribution/reference, `splitDockerDomain`).
fn is_registry_host(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost"
}

/// An image with a registry host, a tag or a digest is most likely one built elsewhere: the
/// fix says that tofugen builds its images, or it would silently turn "run nginx:1.27" into
/// "build ./Dockerfile as nginx" (sweep of stop 55, L4).
fn image_fix_note(v: &str) -> Option<&'static str> {
    let first = v.split_once('/').map(|(first, _)| first);
    (v.contains(['@', ':']) || first.is_some_and(is_registry_host)).then_some(
        "`image` is the name under which the deploy workflow pushes the image it builds from `build:` (./Dockerfile by default) to the environment's registry; an image built elsewhere, by tag or digest, has no field (README, \"What tofugen does not generate\")",
    )
}

fn fix_repository(v: &str) -> Option<String> {
    let mut s = v.trim();
    for prefix in ["https://", "http://", "git@", "ssh://git@"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s = s
        .strip_prefix("github.com/")
        .or_else(|| s.strip_prefix("github.com:"))
        .unwrap_or(s);
    let s = s.trim_end_matches('/').trim_end_matches(".git");
    let parts: Vec<&str> = s.split('/').collect();
    (parts.len() >= 2).then(|| format!("{}/{}", parts[0], parts[1]))
}

fn fix_probe_path(v: &str) -> Option<String> {
    let mut s = v.trim().to_string();
    if let Some(i) = s.find(['?', '#']) {
        s.truncate(i);
    }
    let s = s.trim_start_matches('.').trim_start_matches('/');
    Some(format!("/{}", s.replace(' ', "%20")))
}

/// A build context written as a shell would (`./admin`, `web/`, `./`): the same directory
/// as the schema spells it (`admin`, `web`, `.`). Review of stop 61 (s81, P1-2): `./admin`
/// was refused with only an example. Anything else (`..`, an absolute path) has no fix.
fn fix_context(v: &str) -> Option<String> {
    let path = relative_segments(v)?;
    Some(if path.is_empty() {
        ".".to_string()
    } else {
        path
    })
}

/// A Dockerfile path written as a shell would (`./web/Dockerfile`): the same file without the
/// `./` segments.
fn fix_relative_file(v: &str) -> Option<String> {
    relative_segments(v).filter(|p| !p.is_empty() && !v.ends_with('/'))
}

/// `v`'s segments without `.` and empty ones, joined by `/`; `None` for an absolute path or
/// one with `..` (those stay refused, with no fix).
fn relative_segments(v: &str) -> Option<String> {
    let v = v.trim();
    if v.starts_with('/') || v.split('/').any(|s| s == "..") {
        return None;
    }
    let kept: Vec<&str> = v
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    Some(kept.join("/"))
}

/// The fix of `value` in domain `d`: with its non-ASCII characters replaced by the ASCII ones
/// they look like, then the domain's own fix if that is not valid yet. No fix when a non-ASCII
/// character looks like no ASCII one: the domain's fixes turn each into `-` or drop it, and
/// `аdmin` (Cyrillic `а`) became `dmin`, `lеdger` became `l-dger` (sweep 57, H3-2).
pub fn ascii_fix(
    d: &Domain,
    value: &str,
    non_ascii: Option<&crate::text::NonAscii>,
) -> Option<String> {
    let Some(candidate) = non_ascii.map_or(Some(value), |n| n.ascii.as_deref()) else {
        // A letter that looks like no ASCII one (`é`): the domain's fix only if it puts a
        // letter or digit in its place, as a closest-name fix does (`Europe/Zürich` ->
        // `Europe/Zurich`), never a `-` or nothing (`café` -> `caf`; review of stop 60).
        return d
            .fix
            .and_then(|f| f(value))
            .filter(|f| keeps_letters(value, f));
    };
    if candidate != value && d.pattern_matches(candidate) && d.validate(candidate).is_ok() {
        return Some(candidate.to_string());
    }
    d.fix.and_then(|f| f(candidate))
}

/// Whether `fix` has as many characters as `value`, with an ASCII letter or digit where
/// `value` has a non-ASCII character.
fn keeps_letters(value: &str, fix: &str) -> bool {
    value.chars().count() == fix.chars().count()
        && value
            .chars()
            .zip(fix.chars())
            .all(|(v, f)| v.is_ascii() || f.is_ascii_alphanumeric())
}

/// A day of the Gregorian calendar, `YYYY-MM-DD`, from year 2000 (the pattern has the shape).
fn check_date(value: &str) -> Result<(), DomainError> {
    let part = |range: std::ops::Range<usize>| value.get(range).and_then(|p| p.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (part(0..4), part(5..7), part(8..10)) else {
        return Err(DomainError::whole(format!("`{value}` is not `YYYY-MM-DD`")));
    };
    if year < 2000 {
        return Err(DomainError::at(
            0,
            4,
            format!("year {year} is past: write a year from 2000"),
        ));
    }
    if !(1..=12).contains(&month) {
        return Err(DomainError::at(
            5,
            2,
            format!("there is no month {month:02}: write 01 to 12"),
        ));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return Err(DomainError::at(
            8,
            2,
            format!("month {month:02} of {year} has no day {day:02}: it has {days} days"),
        ));
    }
    Ok(())
}

/// A name of the tz database ([`super::timezones::TIMEZONES`]).
fn check_timezone(value: &str) -> Result<(), DomainError> {
    if super::timezones::TIMEZONES.binary_search(&value).is_ok() {
        return Ok(());
    }
    Err(DomainError::whole(format!(
        "`{value}` is not a zone of the IANA time zone database (tzdata {})",
        super::timezones::TZDATA_VERSION
    )))
}

/// The zone `v` most likely means: the same name in other case, else the closest one.
fn fix_timezone(v: &str) -> Option<String> {
    let zones = super::timezones::TIMEZONES;
    if let Some(z) = zones.iter().find(|z| z.eq_ignore_ascii_case(v)) {
        return Some(z.to_string());
    }
    // Compare the part after the area first (`Europe/Pari`), then the whole name (`Paris`).
    crate::diagnostics::did_you_mean(v, zones.iter().copied())
        .or_else(|| {
            let city = v.rsplit('/').next().unwrap_or(v);
            let cities = zones.iter().map(|z| z.rsplit('/').next().unwrap_or(z));
            let found = crate::diagnostics::did_you_mean(city, cities)?;
            zones
                .iter()
                .copied()
                .find(|z| z.rsplit('/').next() == Some(found))
        })
        .map(str::to_string)
}

fn fix_engine(v: &str) -> Option<String> {
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    let lower = v.to_ascii_lowercase();
    (lower.starts_with("postgres") && digits.len() == 2).then(|| format!("PostgreSQL-{digits}"))
}

fn fix_node_type(v: &str) -> Option<String> {
    let upper: String = v
        .trim()
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let upper = upper.trim_matches('-');
    Some(if upper.starts_with("DB-") {
        upper.to_string()
    } else {
        format!("DB-{upper}")
    })
}

fn fix_identifier(v: &str) -> Option<String> {
    let fixed: String = v
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let fixed = fixed
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .trim_end_matches('-')
        .to_string();
    (!fixed.is_empty()).then_some(fixed)
}

fn fix_name(v: &str) -> Option<String> {
    crate::policy::name_fix(v)
}

fn fix_env_var(v: &str) -> Option<String> {
    let fixed: String = v
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    (!fixed.is_empty() && !fixed.starts_with(|c: char| c.is_ascii_digit())).then_some(fixed)
}

/// Whether `v` holds only what a name is written with: ASCII letters, digits, ` `, `-`, `.`
/// and `_`. Anything else in a list of secret names is more likely a secret pasted there
/// (sweep 32, F1).
pub fn reads_as_name(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '_'))
}

/// An environment variable name fix without the leading `_` Secret Manager refuses, for a
/// value that reads as a name ([`reads_as_name`], at most 64 characters): another value would
/// be printed back, upper-cased.
fn fix_secret_name(v: &str) -> Option<String> {
    if v.len() > 64 || !reads_as_name(v) {
        return None;
    }
    fix_env_var(v)
        .map(|f| f.trim_start_matches('_').to_string())
        .filter(|f| f.starts_with(|c: char| c.is_ascii_uppercase()))
}

fn fix_setting(v: &str) -> Option<String> {
    let fixed: String = v
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!fixed.is_empty() && !fixed.starts_with(|c: char| c.is_ascii_digit())).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
        /// A [`Matcher`] answers as `regex::Regex::is_match` does, for every domain's pattern,
        /// on strings drawn from the characters the patterns name (and a few they do not):
        /// 16 cases of 200 strings, each pattern compiled once per case.
        #[test]
        fn matchers_match_as_the_regex_crate(
            values in proptest::collection::vec(
                "[a-zA-Z0-9._/:@~+=-]{0,12}|[ -~]{0,24}|[a-z0-9é\u{212a}\u{200b}\n-]{0,12}",
                200,
            )
        ) {
            for pattern in DOMAINS.iter().filter_map(|d| d.pattern) {
                let reference = regex::Regex::new(pattern).expect("compiles");
                for value in &values {
                    proptest::prop_assert_eq!(
                        compiled(pattern).is_match(value),
                        reference.is_match(value),
                        "{} on {:?}", pattern, value
                    );
                }
            }
        }
    }

    /// `build.rs` found every domain pattern in this file and compiled it: none is compiled at
    /// run time.
    #[test]
    fn every_domain_pattern_is_a_precompiled_dfa() {
        let mut patterns: Vec<&str> = DOMAINS.iter().filter_map(|d| d.pattern).collect();
        patterns.sort_unstable();
        patterns.dedup();
        for pattern in &patterns {
            assert!(compiled(pattern).is_precompiled(), "{pattern}");
        }
        let mut built: Vec<&str> = precompiled::DFAS.iter().map(|(p, _, _)| *p).collect();
        built.sort_unstable();
        // Every domain pattern, and every translation `build.rs` made.
        let mut expected = patterns.clone();
        expected.extend(precompiled::TRANSLATIONS.iter().map(|(_, t)| *t));
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(built, expected);
        assert!(!Matcher::new("^x+$").unwrap().is_precompiled());
    }

    /// `build.rs` translated every domain pattern with an escape and every `pattern` of the
    /// embedded JSON Schema as `jsonschema` translates them at run time, and compiled each
    /// translation: a DFA that matches as the regex crate does, on ECMA-262 and other
    /// whitespace and on the characters the patterns name. At least one translation differs
    /// from its pattern (ECMA-262's `\S`).
    #[test]
    fn build_rs_translates_every_schema_pattern_as_jsonschema_does() {
        let mut patterns = crate::schema_check::schema_patterns();
        let escaped = DOMAINS
            .iter()
            .filter_map(|d| d.pattern)
            .filter(|p| p.contains('\\'));
        patterns.extend(escaped.map(str::to_string));
        patterns.sort_unstable();
        patterns.dedup();
        assert!(patterns.len() > 20, "{patterns:?}");
        let values = [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}",
            "\u{feff}",
            "\u{2028}",
            "\t\n",
            "\u{85}",
            "\u{180e}",
            "30s",
            "5m",
            "1y",
            "10MB",
            "2GB",
            "3TB",
            "1000m",
            "0.5",
            "2",
            "1.",
            "m",
            "x-y",
            "a.b",
            "1.2.3",
            "*",
            "{project}-{env}",
            "DB-DEV-S",
            "PostgreSQL-16",
            "fr-par",
            "/a/b",
            "0 3 * * 0",
        ];
        let mut differ = 0;
        for pattern in &patterns {
            let domain = DOMAINS.iter().any(|d| d.pattern == Some(pattern.as_str()));
            let Some(t) = translation(pattern) else {
                // Only a domain pattern without escapes is used as written, untranslated.
                assert!(
                    domain && !pattern.contains('\\'),
                    "{pattern} not translated"
                );
                continue;
            };
            let expected = jsonschema_regex::to_rust_regex(pattern).expect("translates");
            assert_eq!(t, expected, "{pattern}");
            differ += usize::from(t != pattern);
            let matcher = Matcher::new(t).expect("compiles");
            assert!(matcher.is_precompiled(), "{t}");
            let reference = regex::Regex::new(t).expect("compiles");
            for value in values {
                assert_eq!(
                    matcher.is_match(value),
                    reference.is_match(value),
                    "{t} on {value:?}"
                );
            }
        }
        assert!(differ >= 1);
        assert_eq!(translation("^x+$"), None);
    }

    fn ok(domain: &str, value: &str) -> bool {
        find(domain).unwrap().validate(value).is_ok()
    }

    #[test]
    fn every_domain_pattern_compiles_and_accepts_its_example() {
        for d in DOMAINS {
            assert!(d.validate(d.example).is_ok(), "{}: {}", d.name, d.example);
            if let Some(p) = d.pattern {
                // No look-around: editors (ECMA-262) and the Rust engine must agree.
                assert!(!p.contains("(?=") && !p.contains("(?!") && !p.contains("(?<"));
                assert!(
                    !p.contains("(?i)"),
                    "{}: inline flags are not ECMA-262",
                    d.name
                );
            }
        }
    }

    #[test]
    fn regions_and_zones() {
        assert!(ok("region", "nl-ams") && !ok("region", "fr-pra") && !ok("region", "eu-west-1"));
        assert!(ok("zone", "pl-waw-3") && !ok("zone", "fr-par-4") && !ok("zone", "fr-par"));
    }

    #[test]
    fn images_repositories_branches_runners() {
        for good in ["shop-api", "team/shop-api", "a.b_c-d", "x9"] {
            assert!(ok("image", good), "{good}");
        }
        for bad in [
            "Shop-API",
            "shop-api:latest",
            "rg.fr-par.scw.cloud:443/ns/api",
            "-api",
            "a_",
            "a b",
            "a/",
            "a//b",
        ] {
            assert!(!ok("image", bad), "{bad}");
        }
        assert_eq!(
            fix_image("rg.fr-par.scw.cloud/ns/Shop-API:1.2").as_deref(),
            Some("shop-api")
        );
        assert!(
            ok("github-repository", "etalab-ia/evalap") && ok("github-repository", "a/b.c_d-e")
        );
        for bad in ["evalap", "-a/b", "a--b/c", "a/b/c", "a/..", "a/.", "a/b c"] {
            assert!(!ok("github-repository", bad), "{bad}");
        }
        assert_eq!(
            fix_repository("https://github.com/acme/shop.git").as_deref(),
            Some("acme/shop")
        );
        for good in ["main", "release/1.2", "feature/x_y-z", "v1.0"] {
            assert!(ok("git-branch", good), "{good}");
        }
        for bad in [
            "-x",
            "/x",
            "a..b",
            "x/",
            "x.lock",
            "a/.b",
            "a//b",
            "x.",
            "a b",
            "a~b",
            "${{x}}",
            "HEAD",
            "refs/heads/main",
            "refs/main",
        ] {
            assert!(!ok("git-branch", bad), "{bad}");
        }
        for good in [
            "1.12.6",
            ">= 2.75, < 3.0",
            "~> 2.81",
            "1.12.0-rc1",
            "= 3.7.2",
        ] {
            assert!(ok("version-constraint", good), "{good}");
        }
        for bad in [
            "1.12.6 || curl x",
            "latest",
            ">= 2.0; x",
            "",
            "v1.2.3",
            "1.2.3.4",
        ] {
            assert!(!ok("version-constraint", bad), "{bad}");
        }
        for good in ["v2.61.0", "latest", "2.61", "a_b-c.d"] {
            assert!(ok("image-tag", good), "{good}");
        }
        for bad in ["latest; x y", ".x", "-x", "a:b", "", &"x".repeat(129)] {
            assert!(!ok("image-tag", bad), "{bad}");
        }
        assert!(ok("runner-label", "ubuntu-24.04") && !ok("runner-label", "ubuntu latest"));
        assert!(!ok("runner-label", "x,y") && !ok("runner-label", ""));
    }

    #[test]
    fn module_directories_stay_out_of_the_generated_tree() {
        for good in [
            "modules",
            "infra/modules",
            "generated-modules",
            "x/generated",
        ] {
            assert!(ok("repository-dir", good), "{good}");
        }
        for bad in [
            "generated",
            "generated/modules",
            "Generated/x",
            "-x",
            ".hidden",
        ] {
            assert!(!ok("repository-dir", bad), "{bad}");
        }
    }

    /// A non-ASCII letter that looks like no ASCII one: the domain's closest-name fix when it
    /// puts a letter in its place (`Europe/Zürich`), no mangled fix otherwise (`café`), and
    /// no note where any letter is valid (an alert text). Review of stop 60.
    #[test]
    fn non_ascii_letters_get_a_fix_only_when_it_keeps_them() {
        let tz = find("timezone").unwrap().help("Europe/Z\u{fc}rich");
        assert!(
            tz.contains("(U+00FC) is not ASCII") && tz.ends_with("write `Europe/Zurich`"),
            "{tz}"
        );
        let name = find("service-name").unwrap();
        let cafe = name.help("caf\u{e9}");
        assert!(!cafe.contains("`caf`"), "{cafe}");
        assert!(
            ascii_fix(
                name,
                "caf\u{e9}",
                crate::text::non_ascii("caf\u{e9}").as_ref()
            )
            .is_none()
        );
        let text = find("alert-template").unwrap();
        let help = text.help("D\u{e9}bit {{ .Bad }}");
        assert!(!help.contains("not ASCII"), "{help}");
    }

    #[test]
    fn dates_are_days_of_the_calendar() {
        for good in ["2027-06-30", "2028-02-29", "2000-02-29", "9999-12-31"] {
            assert!(ok("date", good), "{good}");
        }
        for (bad, says) in [
            ("2027-02-29", "has no day 29: it has 28 days"),
            ("2100-02-29", "has no day 29"),
            ("2027-04-31", "has 30 days"),
            ("2027-13-01", "no month 13"),
            ("2027-00-10", "no month 00"),
            ("2027-06-00", "no day 00"),
            ("1999-12-31", "year 1999"),
            ("2027-6-30", ""),
            ("2027-06-30T00:00:00Z", ""),
            ("27-06-30", ""),
        ] {
            assert!(!ok("date", bad), "{bad}");
            if !says.is_empty() {
                let e = find("date").unwrap().validate(bad).unwrap_err();
                assert!(e.message.contains(says), "{bad}: {}", e.message);
            }
        }
    }

    #[test]
    fn build_paths_and_time_zones() {
        for good in [
            ".",
            "web",
            "web/",
            "services/web-2",
            ".docker",
            "a/.config/x_y",
        ] {
            assert!(ok("build-context", good), "{good}");
        }
        for bad in [
            "..",
            "../x",
            "web/../..",
            "/",
            "/srv",
            "-x",
            "--file=/etc/passwd",
            "https://evil.example/x.git",
            "git@github.com:evil/x.git",
            "a b",
            "a'b",
            "a#b",
            "",
        ] {
            assert!(!ok("build-context", bad), "{bad}");
        }
        for good in [
            "Dockerfile",
            "web/Dockerfile",
            "docker/web.Dockerfile",
            ".docker/Dockerfile",
        ] {
            assert!(ok("build-file", good), "{good}");
        }
        for bad in [
            "/etc/passwd",
            "../Dockerfile",
            "-",
            "https://evil/Dockerfile",
            ".",
            "a/",
        ] {
            assert!(!ok("build-file", bad), "{bad}");
        }
        for good in [
            "UTC",
            "Europe/Paris",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+1",
        ] {
            assert!(ok("timezone", good), "{good}");
        }
        for bad in [
            "../../etc/passwd",
            "Europe/Pa'ris",
            "europe/paris",
            "/Europe/Paris",
            "",
            // The shape of a zone, not a zone of the tz database (sweep 33, finding 5).
            "Mars/Olympus_Mons",
            "Europe/Pari",
            "Europe/Paris/Nord",
        ] {
            assert!(!ok("timezone", bad), "{bad}");
        }
        let tz = find("timezone").unwrap();
        // Paths written as a shell would: the same path as the schema spells it; `..` and
        // absolute paths get no fix (review of stop 61, s81 P1-2).
        let context = find("build-context").unwrap();
        assert_eq!(context.help("./admin"), "write `admin`");
        assert_eq!(context.help("./services//web/"), "write `services/web`");
        assert_eq!(context.help(".//"), "write `.`");
        assert!(!context.help("../admin").contains("write `"));
        assert!(!context.help("/srv/admin").contains("write `"));
        let file = find("build-file").unwrap();
        assert_eq!(file.help("./web/Dockerfile"), "write `web/Dockerfile`");
        assert!(!file.help("./web/").contains("write `"));
        assert!(!file.help("../Dockerfile").contains("write `"));
        assert_eq!(tz.help("Europe/Pari"), "write `Europe/Paris`");
        assert_eq!(tz.help("europe/paris"), "write `Europe/Paris`");
        assert_eq!(tz.help("America/New_Yrok"), "write `America/New_York`");
        assert_eq!(tz.help("Mars/Olympus_Mons"), "write it like `Europe/Paris`");
    }

    #[test]
    fn probe_paths() {
        for good in [
            "/",
            "/health",
            "/_stcore/health",
            "/a%20b",
            "/v1/ready;x=1",
            "/~u/@x",
        ] {
            assert!(ok("probe-path", good), "{good}");
        }
        for bad in [
            "health", "/a b", "/h?x=1", "/h#x", "/$x", "/{x}", "/%zz", "/a\nb", "//x\"y",
        ] {
            assert!(!ok("probe-path", bad), "{bad}");
        }
        assert_eq!(fix_probe_path("health?x=1").as_deref(), Some("/health"));
    }

    #[test]
    fn database_engine_and_node_type() {
        assert!(
            ok("database-engine", "PostgreSQL-16") && !ok("database-engine", "PostgreSQL-16.2")
        );
        assert!(!ok("database-engine", "postgresql-16") && !ok("database-engine", "MySQL-8"));
        assert_eq!(fix_engine("postgres 16").as_deref(), Some("PostgreSQL-16"));
        assert!(ok("database-node-type", "DB-DEV-S") && ok("database-node-type", "db-pro2-xs"));
        assert!(!ok("database-node-type", "DEV-S") && !ok("database-node-type", "DB-DEV-S "));
        assert_eq!(fix_node_type("pro2_xs").as_deref(), Some("DB-PRO2-XS"));
    }

    #[test]
    fn cron_schedules() {
        for good in [
            "0 3 * * 0",
            "*/15 * * * *",
            "0 4 1 * *",
            "0 0 1-15/2 JAN-MAR mon,fri",
            "0 0 * * 7",
        ] {
            assert!(ok("cron", good), "{good}");
        }
        for bad in [
            "weekly",
            "0 3 * *",
            "0 3 * * 0 2026",
            "0 3 * * 0 ",
            " 0 3 * * 0",
            "60 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "0 0 * FOO *",
            "*/0 * * * *",
            "5-1 * * * *",
            "@daily",
            "0 3 * * 0;rm",
            "0,,1 * * * *",
            "0 0 ? * 7",
        ] {
            assert!(!ok("cron", bad), "{bad}");
        }
        let e = find("cron").unwrap().validate("0 25 * * *").unwrap_err();
        assert_eq!(e.offset, Some(2));
        assert!(
            e.message.contains("hour") && e.message.contains("0-23"),
            "{e:?}"
        );
        // Every wrong field at once (sweep 57, H3-8), underlined from the first to the last.
        let e = find("cron").unwrap().validate("61 25 32 13 8").unwrap_err();
        assert_eq!(
            e.message,
            "the minute field: `61` is out of range 0-59; the hour field: `25` is out of range \
             0-23; the day-of-month field: `32` is out of range 1-31; the month field: `13` is \
             out of range 1-12; the day-of-week field: `8` is out of range 0-7"
        );
        assert_eq!((e.offset, e.len), (Some(0), 13));
        let e = find("cron").unwrap().validate("0 25 * 0 *").unwrap_err();
        assert_eq!((e.offset, e.len), (Some(2), 6), "{e:?}");
    }

    /// Day-of-month/month combinations that never come are refused: the backup jobs of such
    /// a schedule would meet the backup rules on paper and never run.
    #[test]
    fn cron_schedules_that_never_run() {
        for never in [
            "0 3 31 2 *",
            "0 4 30 2 *",
            "0 3 31 4 *",
            "0 3 30,31 FEB *",
            "0 3 31 4,6,9,11 *",
            "0 3 31/5 2 *",
        ] {
            let e = find("cron").unwrap().validate(never).unwrap_err();
            assert!(e.message.contains("never runs"), "{never}: {e:?}");
            assert_eq!(e.offset, Some(4), "{never}");
        }
        for runs in [
            // February 29 comes in leap years.
            "0 3 29 2 *",
            "0 3 31 1-4 *",
            "0 3 30,31 2,4 *",
            "0 3 31 * *",
            // Both day fields restricted: cron runs on either, so Mondays in February come.
            "0 3 31 2 1",
            "0 3 25/5 2 *",
        ] {
            assert!(ok("cron", runs), "{runs}");
        }
    }

    /// OpenTofu's s3 backend refuses an empty key and one starting or ending with `/`; tofugen
    /// also refuses empty and dot segments and unknown placeholders.
    #[test]
    fn state_keys() {
        for good in [
            "{env}/terraform.tfstate",
            "terraform.tfstate",
            "{project}/{env}/state.tfstate",
            "a.b/c_d-e/(1)!*'",
            ".hidden/x",
        ] {
            assert!(ok("state-key", good), "{good}");
        }
        for bad in [
            "",
            "/x",
            "x/",
            "{env}/x/",
            "a//b",
            ".",
            "..",
            "x/./y",
            "x/../y",
            "{unknown}/x",
            "{env",
            "env}",
            "a b",
            "a?b",
            "a\\b",
        ] {
            assert!(!ok("state-key", bad), "{bad:?}");
        }
        let long = format!("{}/x", "k".repeat(1016));
        assert!(!ok("state-key", &long));
        let fits = "k".repeat(1017);
        assert!(ok("state-key", &fits));
        let placeholders = "{env}".repeat(17) + "/x";
        assert!(
            !ok("state-key", &placeholders),
            "17 x 63 bytes once replaced"
        );
        assert!(ok("state-key", &("{env}".repeat(16) + "/x")));
        let d = find("state-key").unwrap();
        assert_eq!(d.help("/x/"), "write `x`");
        assert_eq!(d.help("a//b/./c"), "write `a/b/c`");
        let e = d.validate("x/../y").unwrap_err();
        assert_eq!((e.offset, e.len), (Some(2), 2));
    }

    /// An image given with a registry host, a tag or a digest: the fix says that tofugen builds
    /// its images (sweep of stop 55, L4); a mere misspelling gets the plain fix.
    #[test]
    fn an_image_built_elsewhere_is_told_that_tofugen_builds_images() {
        let d = find("image").unwrap();
        for (value, fixed) in [
            ("nginx:1.27", "nginx"),
            ("ghcr.io/acme/shop-web:v1.2.0", "shop-web"),
            ("rg.fr-par.scw.cloud/acme/shop-web", "shop-web"),
            ("shop@sha256:abc", "shop"),
            // A host with a port, or `localhost` (review of stop 55: `write localhost`).
            ("localhost:5000/shop", "shop"),
            ("myreg:5000/team/shop:1.0", "shop"),
        ] {
            let help = d.help(value);
            assert!(
                help.starts_with(&format!("write `{fixed}`: `image` is the name under which the deploy workflow pushes the image it builds")),
                "{value}: {help}"
            );
        }
        assert_eq!(d.help("Shop Web"), "write `shop-web`");
        assert_eq!(d.help("acme/Shop"), "write `acme/shop`");
    }

    #[test]
    fn names_and_reserved_environments() {
        assert!(ok("environment-name", "staging") && !ok("environment-name", "bootstrap"));
        assert!(!ok("environment-name", "modules") && !ok("environment-name", "Prod"));
        assert!(ok("alert-rule-name", "api_errors-5xx") && !ok("alert-rule-name", "API errors"));
        assert_eq!(fix_identifier("API errors!").as_deref(), Some("api-errors"));
        assert!(
            ok("alert-service", "*") && ok("alert-service", "api") && !ok("alert-service", "a*")
        );
        assert!(ok(
            "runbook-url",
            "https://github.com/o/r/blob/main/docs/runbooks.md"
        ));
        for bad in [
            "ftp://x",
            "https://x/a b",
            "https://x/{{ $value }}",
            "https://x/#a",
            "https://x/?a=1",
        ] {
            assert!(!ok("runbook-url", bad), "{bad}");
        }
        assert!(ok("reason", " x ") && !ok("reason", "  ") && !ok("reason", ""));
    }

    /// `github_environment` had no domain: `''` wrote `environment: ''` (actionlint refuses
    /// it) and a planner `-plan`; blanks, `: #` and names over GitHub's 255 characters were
    /// accepted (found by an adversarial sweep).
    #[test]
    fn github_environment_names() {
        for good in [
            "production",
            "Prod",
            "evalap.prod_2",
            "1st",
            &"a".repeat(250),
        ] {
            assert!(ok("github-environment", good), "{good}");
        }
        for bad in [
            "",
            " ",
            " prod",
            "prod ",
            "prod: x #y",
            "-prod",
            "prod/eu",
            "pröd",
            &"a".repeat(251),
        ] {
            assert!(!ok("github-environment", bad), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod cron_days_tests {
    use super::cron_days;

    /// Counted against Python's calendar (datetime, 2024-01-01 to 2027-12-31): 208 Sundays,
    /// 48 firsts of a month, 248 days that are a first or a Monday.
    #[test]
    fn days_and_runs_follow_the_calendar_and_crontab() {
        let (sundays, runs) = cron_days("0 3 * * 0").unwrap();
        assert_eq!((sundays.len(), &sundays[..2], runs), (208, &[6, 13][..], 1));
        assert_eq!(cron_days("0 3 * * 7").unwrap().0, sundays);
        assert_eq!(cron_days("0 3 * * SUN").unwrap().0, sundays);
        let (firsts, _) = cron_days("0 4 1 * *").unwrap();
        assert_eq!((firsts.len(), firsts[0]), (48, 0));
        // Both day fields restricted: either matches (crontab(5)).
        let (either, _) = cron_days("0 4 1 * 1").unwrap();
        assert_eq!((either.len(), &either[..3]), (248, &[0, 7, 14][..]));
        assert_eq!(cron_days("0 3 29 2 *").unwrap().0, vec![59]);
        assert_eq!(cron_days("*/15 */6 * * *").unwrap().1, 16);
        assert_eq!(cron_days("* * * * *").unwrap().1, 1440);
        assert!(cron_days("0 3 * *").is_none() && cron_days("61 3 * * *").is_none());
    }
}
