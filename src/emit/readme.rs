//! Emits `generated/<env>/README.md`: the environment at a glance for reviewers on GitHub —
//! a short description, a Mermaid diagram of services, database, network and registry, and a
//! table of the services with their effective settings.

use std::fmt::Write as _;

use super::GeneratedFile;
use crate::resolve::{Resolved, ResolvedEnvironment, ResolvedService, ScalingSignal, TemplatePart};

/// One README per environment.
pub fn emit(resolved: &Resolved, source: &str) -> Vec<GeneratedFile> {
    resolved
        .environments
        .iter()
        .map(|env| {
            (
                format!("generated/{}/README.md", env.name),
                environment_readme(resolved, env, source),
            )
        })
        .collect()
}

fn environment_readme(resolved: &Resolved, env: &ResolvedEnvironment, source: &str) -> String {
    let project = &resolved.project;
    let mut out = String::new();
    out.push_str(&super::markdown_header(source));
    let _ = writeln!(out, "# `{}` environment of {project}\n", env.name);
    let tier = format!("{:?}", env.tier).to_lowercase();
    let _ = writeln!(
        out,
        "Tier **{tier}**, Scaleway project `{}`, region `{}` (zone `{}`). \
         State: `s3://{}/{}` (locked with `use_lockfile`, encrypted with OpenTofu state encryption).",
        env.scaleway_project, env.region, env.zone, env.state.bucket, env.state.key
    );
    if let Some(from) = &env.promote_from {
        let _ = writeln!(
            out,
            "\nImages are promoted from `{from}` by digest: nothing is rebuilt for this environment."
        );
    }
    let _ = writeln!(
        out,
        "\nSee `{}` for every effective value and where it comes from.\n",
        super::command(source, &format!("explain {}", env.name))
    );

    // Diagram.
    let _ = writeln!(out, "```mermaid\nflowchart LR");
    let _ = writeln!(out, "  users((Users)) --> edge[Scaleway edge HTTPS]");
    let _ = writeln!(
        out,
        "  registry[(Container Registry<br/>{})]",
        env.registry_namespace
    );
    let _ = writeln!(out, "  subgraph pn[Private network {project}-{}]", env.name);
    if let Some(db) = &env.database {
        let ha = if db.ha { "HA" } else { "single node" };
        let _ = writeln!(
            out,
            "    db[(PostgreSQL<br/>{} {}<br/>{ha})]",
            db.engine, db.node_type
        );
    }
    let _ = writeln!(out, "  end");
    for s in &env.services {
        let id = mermaid_id(&s.name);
        let _ = writeln!(
            out,
            "  {id}[{}<br/>{}..{} instances]",
            s.name, s.min_scale, s.max_scale
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
            let _ = writeln!(out, "  {id} -- HTTPS --> {}", mermaid_id(t));
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
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} | {}–{} | {} | {} | {} | {} |",
            s.name,
            s.image,
            s.port.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
            s.cpu,
            s.memory,
            s.min_scale,
            s.max_scale,
            scaling(s),
            probes(s),
            format!("{:?}", s.privacy).to_lowercase(),
            if s.secrets.is_empty() {
                "—".to_string()
            } else {
                s.secrets.join(", ")
            }
        );
    }

    if let Some(db) = &env.database {
        let _ = writeln!(out, "\n## Database\n");
        let _ = writeln!(out, "| setting | value |\n|---|---|");
        let _ = writeln!(out, "| engine | {} |", db.engine);
        let _ = writeln!(out, "| node type | {} |", db.node_type);
        let _ = writeln!(
            out,
            "| volume | {} {} |",
            db.volume_size,
            serde_json::to_value(db.volume_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
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
        for (name, job) in [("weekly", &b.weekly), ("monthly", &b.monthly)] {
            let _ = writeln!(
                out,
                "| {name} backups | {} |",
                job.as_ref()
                    .map(|j| format!("`{}` ({}), kept {}", j.schedule, b.timezone, j.retention))
                    .unwrap_or_else(|| "off".into())
            );
        }
    }

    if !env.secrets.is_empty() {
        let _ = writeln!(out, "\n## Secrets (Secret Manager, by name only)\n");
        let _ = writeln!(out, "| name | source | used by |\n|---|---|---|");
        for secret in &env.secrets {
            let users: Vec<&str> = env
                .services
                .iter()
                .filter(|s| s.secrets.contains(&secret.name))
                .map(|s| s.name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                secret.name,
                format!("{:?}", secret.source).to_lowercase(),
                if users.is_empty() {
                    "—".to_string()
                } else {
                    users.join(", ")
                }
            );
        }
    }

    if !env.alerts.rules.is_empty() {
        let _ = writeln!(out, "\n## Alerts\n");
        let contacts = if env.alerts.contacts.is_empty() {
            "no contact".to_string()
        } else {
            env.alerts.contacts.join(", ")
        };
        let _ = writeln!(
            out,
            "{} rule(s), evaluated every {}, sent to {contacts}. Rule files are in `alerts/`.",
            env.alerts.rules.len(),
            env.alerts.evaluation_interval
        );
    }
    out
}

fn mermaid_id(name: &str) -> String {
    format!(
        "svc_{}",
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
    )
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
            crate::resolve::ProbeCheck::Http(path) => format!("`{path}`"),
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
