//! Prints a synthetic environments.yaml: `cargo run --example synthetic_config -- SERVICES ENVS`.

fn main() {
    let mut args = std::env::args().skip(1);
    let services = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let envs = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    print!("{}", tofugen::synthetic::config(services, envs));
}
