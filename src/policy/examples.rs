//! The configuration every rule example is merged into, and the merge.
//!
//! A rule's `bad` and `good` fragments are partial `environments.yaml` documents, written from
//! the top level. [`with_fragment`] merges one into [`BASE`] the way environments override
//! `defaults`: mappings key by key, anything else replaced, and `null` removes the value. So a
//! fragment shows only what matters to its rule, and stays a valid piece of configuration.

use serde_json::Value;

/// A minimal valid configuration with a staging and a production environment, on which no rule
/// reports anything.
pub const BASE: &str = r#"project: demo
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
defaults:
  region: fr-par
  zone: fr-par-1
  services:
    web:
      image: demo-web
      port: 8080
      privacy: public
      scale: { min: 2, max: 4 }
      probes:
        startup: { path: /healthz }
        liveness: { path: /healthz }
      database: true
      secrets: [DATABASE_URL]
  database:
    node_type: DB-PRO2-XS
    ha: true
    backups:
      daily: { retention: 30d }
      weekly: { enabled: true, retention: 90d }
      monthly: { enabled: true, retention: 365d }
  secrets:
    DATABASE_URL: { source: database }
  alerts:
    contacts: [ops@example.org]
    rules:
      backup-failed: { kind: backup_job_failed, for: 0s, severity: critical }
environments:
  staging: { tier: staging }
  production: { tier: production, promote_from: staging }
"#;

/// [`BASE`] with `fragment` merged in, as a JSON document (which is YAML too). An error names
/// the fragment's YAML problem.
pub fn with_fragment(fragment: &str) -> Result<String, String> {
    let base = parse(BASE)?;
    let fragment = parse(fragment)?;
    let mut merged = base;
    merge(&mut merged, fragment);
    Ok(serde_json::to_string_pretty(&merged).expect("JSON serializes"))
}

/// [`with_fragment`] with `policy.overrides` holding `entries` (JSON objects, separated by
/// commas) as the document's first key, on its second line: how the rules' tests turn a rule
/// off or change its level on an example.
pub fn with_overrides(fragment: &str, entries: &str) -> Result<String, String> {
    let mut text = with_fragment(fragment)?;
    // JSON text: `policy` goes in as the first key of the top-level object.
    assert!(text.starts_with('{'));
    text.insert_str(
        1,
        &format!("\n  \"policy\": {{ \"overrides\": [ {entries} ] }},"),
    );
    Ok(text)
}

/// [`with_overrides`] with one entry turning the rule `code` off ("the example says so").
pub fn with_rule_off(fragment: &str, code: &str) -> Result<String, String> {
    with_overrides(
        fragment,
        &format!(
            "{{ \"rule\": \"{code}\", \"level\": \"off\", \"reason\": \"the example says so\" }}"
        ),
    )
}

fn parse(text: &str) -> Result<Value, String> {
    let (sources, file) = crate::source::SourceMap::single("example.yaml");
    match crate::load::load(file, text.as_bytes()) {
        Ok((_, node)) => Ok(node.to_json()),
        Err((_, diags)) => Err(diags
            .iter()
            .map(|d| format!("{}: {}", d.location(&sources), d.message))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Deep merge: mappings key by key, `null` removes, anything else replaces.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(&k);
                } else if let Some(existing) = b.get_mut(&k) {
                    merge(existing, v);
                } else {
                    b.insert(k, v);
                }
            }
        }
        (b, o) => *b = o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_merge_and_null_removes() {
        let text = with_fragment(
            "defaults:\n  services:\n    web:\n      port: null\n      scale: { min: 3 }\n",
        )
        .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let web = &v["defaults"]["services"]["web"];
        assert!(web.get("port").is_none());
        assert_eq!(web["scale"]["min"], 3);
        assert_eq!(web["scale"]["max"], 4);
        assert_eq!(web["image"], "demo-web");
        assert!(with_fragment("a: [").is_err());
    }
}
