//! The synthetic configurations used by the benchmarks are valid and scale linearly.

use tofugen::pipeline::compile;

#[test]
fn synthetic_configs_are_valid() {
    for (services, envs) in [(1, 1), (10, 2), (30, 10)] {
        let text = tofugen::synthetic::config(services, envs);
        let c = compile("synthetic.yaml", text.as_bytes(), true);
        let errors: Vec<_> = c
            .diagnostics
            .iter()
            .map(|d| d.location(&c.sources) + " " + &d.message)
            .collect();
        assert!(!c.has_errors(), "{services}x{envs}: {errors:#?}");
        let resolved = c.resolved.expect("resolved");
        assert_eq!(resolved.environments.len(), envs);
        assert_eq!(resolved.environments[0].services.len(), services);
    }
}
