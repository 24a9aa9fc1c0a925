//! `tofugen init`: a starter repository in an empty directory.
//!
//! Writes a commented `environments.yaml` (one HTTP service, a PostgreSQL database, `staging`
//! and a `production` that promotes from it, every production rule satisfied) and a
//! `.gitignore` for tofugen's and OpenTofu's local files; the command line then runs `generate`.
//! Never overwrites: an existing file, or any path `generate` would own, stops it before it
//! writes anything. It asks no question: the project name and the region are flags.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::Path;

use crate::versions;

/// The lines `init` puts in `.gitignore`: OpenTofu's working files, the bootstrap root's local
/// state (it holds CI keys), and tofugen's lock, journal and temp files.
pub const GITIGNORE: &str = "\
# OpenTofu working directories, plans and provider lock files (the providers are pinned by
# exact version in the generated roots).
.terraform/
*.tfplan
.terraform.lock.hcl
# The bootstrap root's local state holds the CI keys: keep it safe, never commit it.
/generated/bootstrap/terraform.tfstate
/generated/bootstrap/terraform.tfstate.*
# tofugen's lock, and what an interrupted `tofugen generate` leaves until the next run.
.tofugen.lock
.tofugen-journal.json
*.tofugen-tmp
";

/// What `init` needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The project name (`^[a-z][a-z0-9-]*$`, at most 20 characters); default: derived from the
    /// directory's name.
    pub project: Option<String>,
    /// The Scaleway region (`fr-par`, `nl-ams` or `pl-waw`).
    pub region: String,
}

/// The files `init` created, relative to the root, in the order it wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The paths written.
    pub files: Vec<String>,
    /// The project name used.
    pub project: String,
    /// Lines the existing `.gitignore` lacks, which `init` did not add (it never edits a file
    /// it did not create).
    pub gitignore_missing: Vec<String>,
}

/// Longest project name `init` accepts: every resource name is `<project>-<env>-<service>`,
/// at most 63 characters.
pub const MAX_PROJECT: usize = 20;

/// Writes the starter configuration at `root/config` and `root/.gitignore`. Fails, writing
/// nothing, when the configuration or any path `generate` would own already exists, or when the
/// project name or region is not valid; the error says how to fix it.
pub fn init(root: &Path, config: &str, options: &Options) -> Result<Created, String> {
    let project = match &options.project {
        Some(p) => check_project(p)?,
        None => default_project(root)?,
    };
    if !crate::schema_check::domains::REGIONS.contains(&options.region.as_str()) {
        return Err(format!(
            "unknown region `{}`: use one of {} (`--region`)",
            options.region.escape_debug(),
            crate::schema_check::domains::REGIONS.join(", ")
        ));
    }
    let mut existing: Vec<&str> = [
        config,
        "generated",
        crate::emit::SCHEMA_PATH,
        crate::emit::workflows::WORKFLOWS_DIR,
    ]
    .into_iter()
    .filter(|p| root.join(p).symlink_metadata().is_ok())
    .collect();
    // Other workflows are the user's: only tofugen's own names are in the way.
    existing.retain(|p| {
        *p != crate::emit::workflows::WORKFLOWS_DIR || has_tofugen_workflows(&root.join(p))
    });
    if !existing.is_empty() {
        return Err(format!(
            "refusing to initialize: {} already {}; `tofugen init` never overwrites. Run \
             `tofugen generate` to work with an existing configuration, or init in an empty \
             directory",
            existing
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if existing.len() == 1 {
                "exists"
            } else {
                "exist"
            }
        ));
    }
    let text = starter(&project, &options.region).replacen(
        "$schema=./schema/environments.schema.json",
        &format!("$schema={}", schema_from(config)),
        1,
    );
    // The starter must be valid for this project and region before anything is written: a
    // refused starter would leave a configuration behind that a second `init` refuses to
    // overwrite (a hyphenated project once made an invalid database name).
    let compiled = crate::pipeline::compile(config, text.as_bytes(), false);
    // A project name shaped like a random token (a directory named after a hash or a
    // generated id) is one the secret scan refuses wherever it stands (TG012): the name's
    // fault, not tofugen's, and not echoed (sweep 12, finding 2).
    if compiled.diagnostics.iter().any(|d| d.code == "TG012") {
        let whose = if options.project.is_some() {
            "the project name given"
        } else {
            "the project name derived from the directory's name"
        };
        return Err(format!(
            "{whose} looks like a random token (a secret, to the secret scan TG012, which \
             would refuse the configuration); nothing was written: pass `--project NAME` with a \
             readable name, e.g. `--project shop`"
        ));
    }
    if compiled.has_errors() {
        let shown = if crate::policy::secret_scan::looks_secret(&project) {
            "[redacted]"
        } else {
            &project
        };
        return Err(format!(
            "the starter configuration for project `{shown}` in `{}` is not valid (a bug in \
             tofugen; nothing was written):\n{}",
            options.region,
            crate::diagnostics::render(
                &compiled.diagnostics,
                &compiled.sources,
                crate::diagnostics::Format::Human,
                false
            )
            .trim_end()
        ));
    }
    let mut files = Vec::new();
    if let Some(parent) = Path::new(config).parent() {
        fs::create_dir_all(root.join(parent))
            .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    }
    write_new(&root.join(config), &text).map_err(|e| format!("cannot write `{config}`: {e}"))?;
    files.push(config.to_string());
    let gitignore = root.join(".gitignore");
    let mut gitignore_missing = Vec::new();
    match write_new(&gitignore, GITIGNORE) {
        Ok(()) => files.push(".gitignore".to_string()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let current = crate::load::read_regular(&gitignore, 1 << 20, false)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let present: Vec<&str> = current.lines().map(str::trim).collect();
            gitignore_missing = GITIGNORE
                .lines()
                .filter(|l| !l.starts_with('#') && !present.contains(l))
                .map(str::to_string)
                .collect();
        }
        Err(e) => return Err(format!("cannot write `.gitignore`: {e}")),
    }
    Ok(Created {
        files,
        project,
        gitignore_missing,
    })
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

fn has_tofugen_workflows(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("tofugen-") && n.ends_with(".yml"))
        })
    })
}

/// Why the starter cannot use `p`, a valid project name: its database takes its name and user
/// from the project, and one of them is reserved (sweep 45, #2: `--project postgres` was
/// refused as "a bug in tofugen"). `None` when it can.
fn reserved_for_starter(p: &str) -> Option<String> {
    crate::policy::rules::names::reserved_by_default_database(p).map(|why| {
        format!(
            "the database's name and user default to `{}`, and {why}; choose another name, e.g. \
             `--project shop`",
            p.replace('-', "_")
        )
    })
}

/// Whether `p` has the shape of a project name (letters, digits, single `-`, bounded).
fn project_shaped(p: &str) -> bool {
    p.len() <= MAX_PROJECT
        && p.starts_with(|c: char| c.is_ascii_lowercase())
        && !p.ends_with('-')
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && crate::policy::valid_name(p)
}

fn check_project(p: &str) -> Result<String, String> {
    if project_shaped(p) {
        match reserved_for_starter(p) {
            Some(why) => Err(format!(
                "project name `{p}` cannot be used by the starter: {why}"
            )),
            None => Ok(p.to_string()),
        }
    } else {
        Err(format!(
            "invalid project name `{}`: expected lowercase letters, digits and single `-`, \
             starting with a letter, at most {MAX_PROJECT} characters (it prefixes every \
             Scaleway resource name); e.g. `--project shop`",
            p.escape_debug()
        ))
    }
}

/// The directory's name, lowercased, with every run of other characters turned into `-`.
fn default_project(root: &Path) -> Result<String, String> {
    let name = match root.canonicalize() {
        Ok(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        // The directory that would hold the configuration does not exist (yet): say so, not
        // "cannot derive a project name from the directory ``" (sweep 36, garbage F8).
        Err(e) => {
            return Err(format!(
                "cannot derive a project name from the directory `{}`: {e}; create it, or pass \
                 `--project NAME`",
                root.display().to_string().escape_debug()
            ));
        }
    };
    // A directory named like a credential (`ghp_...`, `AKIA...`, a UUID) would put part of it
    // in every generated name, lowercased and cut where the secret scan no longer sees it: it
    // is refused whole, and not echoed (sweep 13, finding 3).
    let secret_shaped = crate::policy::secret_scan::looks_secret(&name)
        || !crate::policy::secret_scan::secret_ranges_in_excerpt(&name, 1).is_empty();
    if secret_shaped {
        return Err(
            "the directory's name looks like a secret (a token, a key or a UUID): it is not made \
             a project name; pass `--project NAME` (lowercase letters, digits and `-`, starting \
             with a letter)"
                .to_string(),
        );
    }
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out = out.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let out: String = out.chars().take(MAX_PROJECT).collect();
    let out = out.trim_end_matches('-');
    if !project_shaped(out) {
        return Err(format!(
            "cannot derive a project name from the directory `{}`: pass `--project NAME` \
             (lowercase letters, digits and `-`, starting with a letter)",
            name.escape_debug()
        ));
    }
    // Valid, but reserved by the database's defaults: say why.
    match reserved_for_starter(out) {
        Some(why) => Err(format!(
            "cannot use the directory's name `{out}` as the project name: {why}"
        )),
        None => Ok(out.to_string()),
    }
}

/// The JSON Schema's path as the editor modeline of a configuration at `config` (relative to
/// the repository root, `/`-separated) must write it: yaml-language-server resolves it from the
/// configuration's directory, and `generate` writes the schema under the root.
fn schema_from(config: &str) -> String {
    let dirs: Vec<&str> = config
        .split('/')
        .rev()
        .skip(1)
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if dirs.is_empty() || dirs.contains(&"..") {
        return format!("./{}", crate::emit::SCHEMA_PATH);
    }
    format!("{}{}", "../".repeat(dirs.len()), crate::emit::SCHEMA_PATH)
}

/// A region other than `region`, for the starter's example of a second production (`init
/// --region nl-ams` showed "another region" as `nl-ams` again, sweep 38 R8).
fn other_region(region: &str) -> &'static str {
    // Not the default region either (three regions: one is always left).
    crate::schema_check::domains::REGIONS
        .into_iter()
        .find(|r| *r != region && *r != "fr-par")
        .unwrap_or("nl-ams")
}

/// The starter configuration for `project` in `region` (both already validated: plain YAML
/// scalars made of `[a-z0-9-]`).
pub fn starter(project: &str, region: &str) -> String {
    STARTER
        .replace("__PROJECT__", project)
        .replace("__REGION__", region)
        .replace("__OTHER_REGION__", other_region(region))
        .replace("__OPENTOFU__", versions::OPENTOFU)
        .replace("__SCALEWAY__", versions::SCALEWAY_PROVIDER)
        .replace("__RANDOM__", versions::RANDOM_PROVIDER)
        .replace("__CLI__", versions::SCALEWAY_CLI)
}

const STARTER: &str = r#"# yaml-language-server: $schema=./schema/environments.schema.json
#
# The one source of truth for __PROJECT__'s Scaleway environments. After every edit run
# `tofugen generate`, review the diff under generated/ and .github/workflows/, and commit both.
# `tofugen explain production` shows every effective value and where it comes from;
# `tofugen rules` lists the policy rules `tofugen validate` applies. Some lines spell out a
# built-in default so that you see it and can change it: `tofugen diff` lists them as lines
# that could be deleted, which changes nothing.

project: __PROJECT__

# Exact versions: CI installs these, the generated roots pin them.
versions:
  opentofu: __OPENTOFU__
  scaleway_provider: __SCALEWAY__
  random_provider: __RANDOM__
  scaleway_cli: __CLI__

ci:
  # Pushes to this branch build the images and deploy staging.
  branch: main
  # The environment pushes deploy; production only receives releases promoted from it.
  deploy_to: staging
  # The repository the images are built from (its Dockerfile), when it is not this one
  # (private: also `app_repository_private: true`, and the environment secret
  # APP_REPOSITORY_TOKEN the bootstrap README describes):
  # app_repository: owner/app
  # How CI installs tofugen: `cargo install tofugen@<the version that generated the tree>` by
  # default. Until that version is on crates.io, pin a commit of tofugen's repository:
  # tofugen: { install: git, git: "https://<tofugen's repository>", rev: <40-hex commit> }

# Every environment inherits these settings unless it overrides them.
defaults:
  region: __REGION__

  services:
    web:
      description: The application's HTTP service
      # Built from ./Dockerfile and pushed to the environment's Container Registry.
      image: __PROJECT__-web
      build: { context: ., dockerfile: Dockerfile }
      # The port the application listens on, on 0.0.0.0.
      port: 8080
      privacy: public
      cpu: 500m
      memory: 512MB
      scale: { min: 1, max: 2 }
      probes:
        # An HTTP route that answers 200 once the application is ready, without auth.
        startup: { path: /healthz, interval: 5s, timeout: 2s, failure_threshold: 30 }
        liveness: { path: /healthz, interval: 10s, timeout: 2s, failure_threshold: 3 }
      database: true
      # Names of secrets (below) the container receives as environment variables.
      secrets: [DATABASE_URL, SESSION_KEY]

  database:
    engine: PostgreSQL-16
    node_type: DB-DEV-S
    volume: { type: sbs_5k, size: 10GB }

  # Secret values never appear here: tofugen creates them in Scaleway Secret Manager.
  secrets:
    DATABASE_URL: { source: database, description: PostgreSQL connection URL }
    SESSION_KEY: { source: generated, length: 48, description: Session signing key }

  alerts:
    # Who Cockpit notifies.
    contacts: [ops@example.org]

environments:
  staging:
    tier: staging

  production:
    tier: production
    promote_from: staging
    # Production rules (see `tofugen rules`): two instances or more, an HA database, backups.
    services:
      web:
        scale: { min: 2, max: 4 }
    database:
      node_type: DB-PRO2-XS
      ha: true
      backups:
        daily: { retention: 30d }
        weekly: { enabled: true, retention: 90d }
        monthly: { enabled: true, retention: 365d }
    alerts:
      rules:
        backup-failed: { kind: backup_job_failed, for: 0s, severity: critical }

  # A second production in another region is a few lines: `extends` inherits everything
  # production sets (identity options such as `promote_from` excepted).
  # production-eu:
  #   extends: production
  #   promote_from: staging
  #   region: __OTHER_REGION__
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modeline_is_relative_to_the_configuration() {
        assert_eq!(
            schema_from("environments.yaml"),
            "./schema/environments.schema.json"
        );
        assert_eq!(
            schema_from("infra/envs.yaml"),
            "../schema/environments.schema.json"
        );
        assert_eq!(
            schema_from("./a/b/envs.yaml"),
            "../../schema/environments.schema.json"
        );
    }

    /// The commented `extends` example is valid once uncommented, without warnings, and is in
    /// another region than the starter's, whichever that is.
    #[test]
    fn the_commented_extends_example_works() {
        for region in crate::schema_check::domains::REGIONS {
            let text = starter("shop", region)
                .replace("  # production-eu:", "  production-eu:")
                .replace("  #   ", "    ");
            assert!(text.contains("    extends: production\n"), "{text}");
            let out = crate::pipeline::compile("environments.yaml", text.as_bytes(), false);
            assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
            let r = out.resolved.unwrap();
            let eu = r.environment("production-eu").unwrap();
            assert!(eu.is_production());
            assert_ne!(&eu.region, region);
            assert_eq!(r.environment("production").unwrap().region, *region);
        }
    }

    #[test]
    fn the_starter_is_valid_without_warnings_in_every_region() {
        for region in crate::schema_check::domains::REGIONS {
            let text = starter("shop", region);
            let out = crate::pipeline::compile("environments.yaml", text.as_bytes(), true);
            assert!(
                out.diagnostics.is_empty(),
                "{region}: {:#?}",
                out.diagnostics
            );
            assert!(!out.files.is_empty());
        }
    }

    /// A hyphenated project (a directory named `shop-infra`) gives a starter that is valid:
    /// the database name and user default to the project with `_` for `-`.
    #[test]
    fn a_hyphenated_project_gives_a_valid_starter() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            project: Some("my-shop".into()),
            region: "fr-par".into(),
        };
        init(dir.path(), "environments.yaml", &options).unwrap();
        let text = fs::read_to_string(dir.path().join("environments.yaml")).unwrap();
        let out = crate::pipeline::compile("environments.yaml", text.as_bytes(), false);
        assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
        let r = out.resolved.unwrap();
        let db = r.environment("staging").unwrap().database.as_ref().unwrap();
        assert_eq!((db.name.as_str(), db.user.as_str()), ("my_shop", "my_shop"));
    }

    #[test]
    fn project_names_are_checked_and_derived() {
        assert!(check_project("shop-2").is_ok());
        for bad in [
            "Shop",
            "2shop",
            "shop-",
            "a b",
            "x\ny",
            "abcdefghijklmnopqrstu",
            "de--mo",
        ] {
            assert!(check_project(bad).is_err(), "{bad}");
        }
        // Valid names whose default database name or user is reserved (sweep 45, #2: the
        // starter was refused as "a bug in tofugen").
        for reserved in ["postgres", "rdb", "public", "none", "pg-tools", "template1"] {
            let e = check_project(reserved).unwrap_err();
            assert!(
                e.contains("cannot be used by the starter"),
                "{reserved}: {e}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("My Shop_Infra");
        fs::create_dir(&sub).unwrap();
        assert_eq!(default_project(&sub).unwrap(), "my-shop-infra");
        let sub = dir.path().join("postgres");
        fs::create_dir(&sub).unwrap();
        let e = default_project(&sub).unwrap_err();
        assert!(e.contains("`postgres`") && e.contains("--project"), "{e}");
        let sub = dir.path().join("2024");
        fs::create_dir(&sub).unwrap();
        assert!(default_project(&sub).unwrap_err().contains("--project"));
    }

    #[test]
    fn init_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            project: Some("shop".into()),
            region: "fr-par".into(),
        };
        fs::write(dir.path().join(".gitignore"), "target/\n.tofugen.lock\n").unwrap();
        let created = init(dir.path(), "environments.yaml", &options).unwrap();
        assert_eq!(created.files, ["environments.yaml"]);
        assert!(
            created
                .gitignore_missing
                .contains(&".terraform/".to_string())
        );
        assert!(
            !created
                .gitignore_missing
                .contains(&".tofugen.lock".to_string())
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
            "target/\n.tofugen.lock\n"
        );
        let before = fs::read_to_string(dir.path().join("environments.yaml")).unwrap();
        let e = init(dir.path(), "environments.yaml", &options).unwrap_err();
        assert!(e.contains("`environments.yaml` already exist"), "{e}");
        assert_eq!(
            fs::read_to_string(dir.path().join("environments.yaml")).unwrap(),
            before
        );
        // Any path generate would own stops it too.
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("generated")).unwrap();
        let e = init(dir.path(), "infra/envs.yaml", &options).unwrap_err();
        assert!(e.contains("`generated`"), "{e}");
        assert!(!dir.path().join("infra").exists());
        // Unknown regions are refused before anything is written.
        let dir = tempfile::tempdir().unwrap();
        let bad = Options {
            region: "us-east".into(),
            ..options
        };
        assert!(init(dir.path(), "environments.yaml", &bad).is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
