//! Synthetic configurations of any size, for benchmarks and property tests.
//!
//! [`config`] writes a valid `environments.yaml` with `services` services and `environments`
//! environments (the last one is production), in the same style as the real file.
//!
//! Every service is watched by a `container_error` alert, up to [`WATCHED_SERVICES`]: past
//! that, Cockpit's 70 rule groups of 20 rules per project (TG112) would refuse the rules, so
//! the first [`WATCHED_SERVICES`] services are named one by one instead of `service: "*"`.

use std::fmt::Write as _;

/// How many services the synthetic alerts watch at most (51 rule groups with the others).
pub const WATCHED_SERVICES: usize = 1000;

/// A valid configuration with `services` services and `environments` environments (≥ 1).
pub fn config(services: usize, environments: usize) -> String {
    let environments = environments.max(1);
    let mut y = String::new();
    y.push_str(
        "project: synth\nversions:\n  opentofu: 1.12.6\n  scaleway_provider: 2.81.0\n  random_provider: 3.7.2\n",
    );
    y.push_str("defaults:\n  region: fr-par\n  zone: fr-par-1\n  services:\n");
    for i in 0..services {
        let _ = write!(
            y,
            "    svc{i}:\n      image: synth-svc{i}\n      port: 8000\n      privacy: public\n      cpu: 500m\n      memory: 1GB\n      scale: {{ min: 1, max: 4, concurrent_requests: 40 }}\n      probes:\n        startup: {{ path: /health }}\n        liveness: {{ path: /health }}\n      database: true\n      env:\n        LOG_LEVEL: info\n"
        );
        if i > 0 {
            y.push_str("        UPSTREAM_URL: ${services.svc0.url}\n");
        }
        y.push_str("      secrets: [POSTGRES_URL, APP_TOKEN]\n");
    }
    y.push_str(
        "  database:\n    engine: PostgreSQL-16\n    node_type: DB-DEV-S\n    volume: { type: sbs_5k, size: 20GB }\n",
    );
    y.push_str("  secrets:\n    POSTGRES_URL: { source: database }\n    APP_TOKEN: { source: generated }\n");
    y.push_str("  alerts:\n    contacts: [ops@example.org]\n    rules:\n");
    if services <= WATCHED_SERVICES {
        y.push_str("      errors: { kind: container_error, service: \"*\", for: 1m }\n");
    } else {
        for i in 0..WATCHED_SERVICES {
            let _ = writeln!(
                y,
                "      errors-svc{i}: {{ kind: container_error, service: svc{i}, for: 1m }}"
            );
        }
    }
    y.push_str("      db-storage: { kind: database_storage, threshold: 80 }\n");
    if environments == 1 {
        y.push_str("policy:\n  overrides:\n    - { rule: deploy-target, level: off, reason: one environment only }\n");
    }
    y.push_str("environments:\n");
    for e in 0..environments {
        if e + 1 == environments {
            y.push_str("  production:\n    tier: production\n");
            if environments > 1 {
                let _ = writeln!(y, "    promote_from: env{}", e - 1);
            }
            y.push_str("    services:\n");
            for i in 0..services {
                let _ = writeln!(y, "      svc{i}: {{ scale: {{ min: 2, max: 6 }} }}");
            }
            y.push_str("    database:\n      ha: true\n      backups:\n        daily: { retention: 30d }\n        weekly: { retention: 90d }\n        monthly: { retention: 365d }\n");
            y.push_str("    alerts:\n      rules:\n        backups: { kind: backup_job_failed, for: 0s, severity: critical }\n");
        } else if e == 0 {
            let _ = writeln!(y, "  env{e}:\n    tier: staging");
        } else {
            // One head: pushes deploy env0; the others receive its releases.
            let _ = writeln!(y, "  env{e}:\n    tier: staging\n    promote_from: env0");
        }
    }
    y
}
