//! Times each pipeline stage on a synthetic configuration, with the resident memory after it
//! (`VmRSS`, Linux): `cargo run --release --example stage_times -- SERVICES ENVIRONMENTS`.

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory of this process in MiB (`VmRSS` of /proc/self/status; 0 elsewhere).
fn rss() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let services: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let envs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let text = tofugen::synthetic::config(services, envs);
    println!(
        "config text   {:>8} KB  {:>7.1} MiB RSS",
        text.len() / 1024,
        rss()
    );
    let t = Instant::now();
    let (_, file) = tofugen::source::SourceMap::single("synthetic.yaml");
    let (_, tree) = tofugen::load::load(file, text.as_bytes()).expect("loads");
    println!(
        "load          {:>8.1} ms  {:>7.1} MiB RSS",
        t.elapsed().as_secs_f64() * 1e3,
        rss()
    );
    let t = Instant::now();
    let diags = tofugen::schema_check::check(file, &tree);
    assert!(diags.is_empty());
    println!(
        "schema check  {:>8.1} ms  {:>7.1} MiB RSS",
        t.elapsed().as_secs_f64() * 1e3,
        rss()
    );
    let t = Instant::now();
    let config = serde_json::from_value(tofugen::schema_check::instance(&tree)).unwrap();
    let resolved = tofugen::resolve::resolve(file, &tree, &config).expect("resolves");
    println!(
        "resolve       {:>8.1} ms  {:>7.1} MiB RSS",
        t.elapsed().as_secs_f64() * 1e3,
        rss()
    );
    let t = Instant::now();
    let diags = tofugen::policy::check(file, &tree, &resolved);
    println!(
        "policy        {:>8.1} ms  {:>7.1} MiB RSS ({} findings)",
        t.elapsed().as_secs_f64() * 1e3,
        rss(),
        diags.len()
    );
    let t = Instant::now();
    let files = tofugen::emit::emit(&resolved);
    println!(
        "emit          {:>8.1} ms  {:>7.1} MiB RSS ({} files, all held)",
        t.elapsed().as_secs_f64() * 1e3,
        rss(),
        files.len()
    );
    // Each family of files, over every environment (the global ones once).
    let time = |name: &str, f: &dyn Fn() -> usize| {
        let t = Instant::now();
        let files = f();
        println!(
            "  {name:<11} {:>8.1} ms ({files} files)",
            t.elapsed().as_secs_f64() * 1e3
        );
    };
    let (r, envs) = (&resolved, &resolved.environments);
    use tofugen::emit::{alerts, bootstrap, readme, root_tests, roots, workflows};
    time("roots", &|| {
        envs.iter()
            .map(|e| roots::emit_environment(r, e).len())
            .sum()
    });
    time("root tests", &|| {
        envs.iter()
            .filter(|e| !root_tests::emit_environment(r, e).1.is_empty())
            .count()
    });
    time("alerts", &|| {
        envs.iter()
            .map(|e| alerts::emit_environment(r, e).len())
            .sum()
    });
    time("readme", &|| {
        envs.iter()
            .filter(|e| !readme::emit_environment(r, e).1.is_empty())
            .count()
    });
    time("bootstrap", &|| bootstrap::emit(r).len());
    time("workflows", &|| workflows::emit(r).len());
    // What `check` does per batch: emit it, then prove it (on its second thread).
    let mut prover = tofugen::prove::Prover::new(std::path::Path::new("."), None);
    let t = Instant::now();
    let global = tofugen::emit::global(r);
    let emitted = t.elapsed();
    let t = Instant::now();
    let borrowed: Vec<(&str, &str)> = global
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    prover.add(&borrowed);
    println!(
        "batch global  emit {:>7.1} ms  prove {:>7.1} ms",
        emitted.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
    for env in envs {
        let t = Instant::now();
        let files = tofugen::emit::environment(r, env);
        let emitted = t.elapsed();
        let t = Instant::now();
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        prover.add(&borrowed);
        println!(
            "batch {:<7} emit {:>7.1} ms  prove {:>7.1} ms  {:>7.1} MiB RSS",
            env.name,
            emitted.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3,
            rss()
        );
    }
}
