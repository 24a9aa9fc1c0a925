//! Times each pipeline stage on a synthetic configuration:
//! `cargo run --release --example stage_times -- SERVICES ENVIRONMENTS`.

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let services: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let envs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let text = tofugen::synthetic::config(services, envs);
    let t = Instant::now();
    let (_, tree) = tofugen::load::load("synthetic.yaml", text.as_bytes()).expect("loads");
    println!("load          {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let diags = tofugen::schema_check::check("synthetic.yaml", &tree);
    assert!(diags.is_empty());
    println!("schema check  {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let config = serde_json::from_value(tofugen::schema_check::instance(&tree)).unwrap();
    let resolved = tofugen::resolve::resolve("synthetic.yaml", &tree, &config).expect("resolves");
    println!("resolve       {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let diags = tofugen::policy::check("synthetic.yaml", &tree, &resolved);
    println!(
        "policy        {:>8.1} ms ({} findings)",
        t.elapsed().as_secs_f64() * 1e3,
        diags.len()
    );
    let t = Instant::now();
    let files = tofugen::emit::emit(&resolved, "synthetic.yaml");
    println!(
        "emit          {:>8.1} ms ({} files)",
        t.elapsed().as_secs_f64() * 1e3,
        files.len()
    );
    for (name, f) in [
        (
            "  roots",
            tofugen::emit::roots::emit as fn(&_, &str) -> Vec<_>,
        ),
        ("  bootstrap", tofugen::emit::bootstrap::emit),
        ("  alerts", tofugen::emit::alerts::emit),
        ("  workflows", tofugen::emit::workflows::emit),
        ("  readme", tofugen::emit::readme::emit),
    ] {
        let t = Instant::now();
        let _ = f(&resolved, "synthetic.yaml");
        println!("{name:<13} {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
}
