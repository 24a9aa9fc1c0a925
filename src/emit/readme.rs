//! Emits `generated/<env>/README.md`: the environment at a glance for reviewers on GitHub —
//! a short description, a Mermaid diagram of services, database, network and registry, and a
//! table of the services with their effective settings.

use std::fmt::Write as _;

use super::GeneratedFile;
use super::markdown::{code, code_in_text, mermaid_id, mermaid_label, row, text};
use crate::model::SecretSource;
use crate::resolve::{Resolved, ResolvedEnvironment, ResolvedService, ScalingSignal, TemplatePart};

/// The README of `env`'s root.
pub fn emit_environment(resolved: &Resolved, env: &ResolvedEnvironment) -> GeneratedFile {
    (
        format!("generated/{}/README.md", env.name),
        environment_readme(resolved, env),
    )
}

fn environment_readme(resolved: &Resolved, env: &ResolvedEnvironment) -> String {
    let source = resolved.config_path.as_str();
    // Every configuration value goes through an encoder of `super::markdown`: `code` for names,
    // paths and technical values, `text` for prose, `mermaid_label`/`mermaid_id` in the diagram.
    let project = &resolved.project;
    let mut out = super::markdown_header(source);
    let _ = writeln!(
        out,
        "# {} environment of {}\n",
        code_in_text(&env.name),
        text(project)
    );
    let tier = format!("{:?}", env.tier).to_lowercase();
    let _ = writeln!(
        out,
        "Tier **{tier}**, Scaleway project {}, region {} (zone {}). \
         State: {} (locked with `use_lockfile`, encrypted with OpenTofu state encryption).",
        code_in_text(&env.scaleway_project),
        code_in_text(&env.region),
        code_in_text(&env.zone),
        code_in_text(&format!("s3://{}/{}", env.state.bucket, env.state.key))
    );
    if let Some(from) = &env.promote_from {
        let _ = writeln!(
            out,
            "\nImages are promoted from {} by digest: nothing is rebuilt for this environment.",
            code_in_text(from)
        );
    }
    let _ = writeln!(
        out,
        "\nSee {} for every effective value and where it comes from.\n",
        code_in_text(&super::command(source, &format!("explain {}", env.name)))
    );

    // Diagram: node ids from `mermaid_id`, every label quoted and encoded by `mermaid_label`.
    let _ = writeln!(out, "```mermaid\nflowchart LR");
    let _ = writeln!(
        out,
        "  users((\"Users\")) --> edge[\"Scaleway edge HTTPS\"]"
    );
    let _ = writeln!(
        out,
        "  registry[(\"Container Registry<br/>{}\")]",
        mermaid_label(&env.registry_namespace)
    );
    let _ = writeln!(
        out,
        "  subgraph pn[\"Private network {}\"]",
        mermaid_label(&format!("{project}-{}", env.name))
    );
    if let Some(db) = &env.database {
        let ha = if db.ha { "HA" } else { "single node" };
        let _ = writeln!(
            out,
            "    db[(\"PostgreSQL<br/>{} {}<br/>{ha}\")]",
            mermaid_label(&db.engine),
            mermaid_label(&db.node_type)
        );
    }
    let _ = writeln!(out, "  end");
    for s in &env.services {
        let id = mermaid_id("svc", &s.name);
        let _ = writeln!(
            out,
            "  {id}[\"{}<br/>{}..{} instances\"]",
            mermaid_label(&s.name),
            s.min_scale,
            s.max_scale
        );
        let _ = writeln!(out, "  registry -. image .-> {id}");
        if s.privacy == crate::model::Privacy::Public {
            let _ = writeln!(out, "  edge --> {id}");
        }
        if s.database && env.database.is_some() {
            let _ = writeln!(out, "  {id} -- private network --> db");
        }
        let mut targets: Vec<&str> = s
            .env
            .values()
            .flat_map(|t| t.parts.iter())
            .filter_map(|p| match p {
                TemplatePart::ServiceUrl(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        targets.sort();
        targets.dedup();
        for t in targets {
            let _ = writeln!(out, "  {id} -- HTTPS --> {}", mermaid_id("svc", t));
        }
    }
    let _ = writeln!(out, "```\n");

    // Services table.
    let _ = writeln!(out, "## Services\n");
    let _ = writeln!(
        out,
        "| service | image | port | CPU | memory | instances | scaling | probes | privacy | secrets |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for s in &env.services {
        let cells = [
            code(&s.name),
            code(&s.image),
            s.port.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
            s.cpu.to_string(),
            s.memory.to_string(),
            format!("{}–{}", s.min_scale, s.max_scale),
            scaling(s),
            probes(s),
            format!("{:?}", s.privacy).to_lowercase(),
            codes(s.sorted_secrets().into_iter()),
        ];
        let _ = writeln!(out, "{}", row(&cells));
    }

    if let Some(db) = &env.database {
        let _ = writeln!(out, "\n## Database\n");
        let _ = writeln!(out, "| setting | value |\n|---|---|");
        let _ = writeln!(out, "{}", row(&["engine", &code(&db.engine)]));
        let _ = writeln!(out, "{}", row(&["node type", &code(&db.node_type)]));
        let volume_type = serde_json::to_value(db.volume_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}",
            row(&[
                "volume".to_string(),
                format!("{} {}", db.volume_size, code(&volume_type))
            ])
        );
        let _ = writeln!(
            out,
            "| high availability | {} |",
            if db.ha { "yes" } else { "no" }
        );
        let _ = writeln!(out, "| read replicas | {} |", db.read_replicas);
        let _ = writeln!(
            out,
            "| network | private network only (no public endpoint) |"
        );
        let b = &db.backups;
        let _ = writeln!(
            out,
            "| daily backups | {} |",
            b.daily
                .map(|r| format!("every 24 h, kept {r}"))
                .unwrap_or_else(|| "off".into())
        );
        let _ = writeln!(
            out,
            "| backups stored | {} |",
            match (
                b.daily.is_some() || b.weekly.is_some() || b.monthly.is_some(),
                b.same_region
            ) {
                (false, _) => "no backups",
                (true, true) => "in the instance's region",
                (true, false) => "in another region than the instance (Scaleway's default)",
            }
        );
        for (name, job) in [("weekly", &b.weekly), ("monthly", &b.monthly)] {
            let _ = writeln!(
                out,
                "{}",
                row(&[
                    format!("{name} backups"),
                    job.as_ref()
                        .map(|j| format!(
                            "{} ({}), kept {}",
                            code(&j.schedule),
                            text(&b.timezone),
                            j.retention
                        ))
                        .unwrap_or_else(|| "off".into())
                ])
            );
        }
    }

    if !env.secrets.is_empty() || env.database.is_some() {
        let path = super::roots::secret_path(resolved, env);
        let password = format!("{path}/{}", super::roots::DATABASE_PASSWORD_SECRET);
        let _ = writeln!(out, "\n## Secrets (by name only)\n");
        if !env.secrets.is_empty() {
            let _ = writeln!(out, "| name | source | used by |\n|---|---|---|");
        }
        for secret in &env.secrets {
            let users = env
                .services
                .iter()
                .filter(|s| s.secrets.contains(&secret.name))
                .map(|s| s.name.as_str());
            // Operator and generated secrets are Secret Manager secrets of that name; a
            // database secret is not: it is the connection URL, built at apply time from the
            // password secret and the instance's private endpoint (modules/service).
            let source = match secret.source {
                SecretSource::Operator => format!("operator: Secret Manager {}", code(&path)),
                SecretSource::Generated => format!("generated: Secret Manager {}", code(&path)),
                SecretSource::Database => {
                    format!(
                        "database URL, built from Secret Manager {}",
                        code(&password)
                    )
                }
            };
            let cells = [code(&secret.name), source, texts(users)];
            let _ = writeln!(out, "{}", row(&cells));
        }
        if env.database.is_some() {
            let _ = writeln!(
                out,
                "{}The database module keeps the application user's password in Secret Manager {} \
                 (generated at the first apply, never in code).",
                if env.secrets.is_empty() { "" } else { "\n" },
                code_in_text(&password)
            );
        }
    }

    if !env.alerts.rules.is_empty() {
        let _ = writeln!(out, "\n## Alerts\n");
        let contacts = if env.alerts.contacts.is_empty() {
            "no contact".to_string()
        } else {
            // Running text, not a table: a `|` stays as it is (sweep 12, finding 4).
            let spans: Vec<String> = env
                .alerts
                .contacts
                .iter()
                .map(|c| code_in_text(c))
                .collect();
            spans.join(", ")
        };
        // The rules as configured, and the alerting rules they compile to (one per service,
        // database or backup tier a rule watches: sweep 35, #13, the count alone read as the
        // count of the files' rules).
        let alerting: usize = crate::emit::alerts::planned_per_source(env).iter().sum();
        let _ = writeln!(
            out,
            "{} configured rule(s), compiled into {alerting} alerting rule(s) (one per service, \
             database or backup tier a rule watches), evaluated every {}, sent to {contacts}. \
             Rule files are in `alerts/`.",
            env.alerts.rules.len(),
            env.alerts.evaluation_interval
        );
        // Rules on application metrics watch a data source only the application fills: how
        // (sweep 33, #1: nothing said it, and such rules could never fire).
        if super::roots::has_application_rules(env) {
            let _ = writeln!(
                out,
                "\nThe rules on application metrics read the custom data source {}, which only \
                 the application fills: it pushes its metrics there (Prometheus remote write or OTLP, \
                 as Cockpit's documentation for custom data sources describes) to the URL \
                 `tofu output application_metrics_push_url` gives, with a Cockpit token that may write \
                 metrics (scope `write_metrics` of `scaleway_cockpit_token`). tofugen creates no \
                 such token (its own may only write rules): create one in this environment's \
                 project, store it in Secret Manager and list it under the service's `secrets:`. \
                 Until metrics arrive, these rules never fire.",
                code_in_text(&super::roots::application_source_name(resolved, env))
            );
        }
    }
    out
}

/// Names as code spans, comma-separated; `—` when there are none.
fn codes<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<String> = names.map(code).collect();
    if list.is_empty() {
        "—".to_string()
    } else {
        list.join(", ")
    }
}

/// Names as text, comma-separated; `—` when there are none.
fn texts<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<String> = names.map(text).collect();
    if list.is_empty() {
        "—".to_string()
    } else {
        list.join(", ")
    }
}

fn scaling(s: &ResolvedService) -> String {
    match s.scaling {
        Some(ScalingSignal::ConcurrentRequests(n)) => format!("{n} concurrent requests"),
        Some(ScalingSignal::CpuPercent(n)) => format!("CPU {n}%"),
        Some(ScalingSignal::MemoryPercent(n)) => format!("memory {n}%"),
        None => "default".into(),
    }
}

fn probes(s: &ResolvedService) -> String {
    let describe = |p: &Option<crate::resolve::Probe>| match p {
        Some(p) => match &p.check {
            crate::resolve::ProbeCheck::Http(path) => code(path),
            crate::resolve::ProbeCheck::Tcp => "tcp".into(),
        },
        None => "none".into(),
    };
    format!(
        "startup {}, liveness {}",
        describe(&s.startup),
        describe(&s.liveness)
    )
}
