//! Tests of the registry as a whole: identities, examples, the README table, overrides.

use super::*;
use crate::diagnostics::Level;
use crate::pipeline::{Compilation, compile};

fn compile_example(what: &str, fragment: &str) -> Compilation {
    let text = examples::with_fragment(fragment)
        .unwrap_or_else(|e| panic!("{what}: the fragment is not YAML: {e}"));
    compile("example.yaml", text.as_bytes(), false)
}

/// The first finding of `code` in `c`; `what` names the case when there is none.
fn finding<'c>(c: &'c Compilation, code: &str, what: &str) -> &'c crate::diagnostics::Diagnostic {
    c.diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("{what}: no {code} in {:#?}", codes(c)))
}

fn codes(c: &Compilation) -> Vec<String> {
    c.diagnostics
        .iter()
        .map(|d| format!("{} {:?}: {}", d.code, d.level, d.message))
        .collect()
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for r in registry() {
        assert!(
            r.code.len() == 5
                && r.code.starts_with("TG")
                && r.code[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            r.code
        );
        assert!(
            r.name.split('-').all(|w| !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{} is not kebab-case",
            r.name
        );
        assert!(seen.insert(r.code), "{} twice", r.code);
        assert!(seen.insert(r.name), "{} twice", r.name);
        assert!(!r.title.is_empty() && !r.rationale.is_empty());
        assert!(!r.bad.is_empty() && !r.good.is_empty() && r.bad != r.good);
        assert_eq!(find_rule(r.code), Some(r));
        assert_eq!(find_rule(r.name), Some(r));
        assert!(!family(r).is_empty());
    }
    for r in RETIRED {
        assert!(find_rule(r.code).is_none() && find_rule(r.name).is_none());
        assert!(
            seen.insert(r.code) && seen.insert(r.name),
            "{} reused",
            r.code
        );
    }
    // The production rules the configuration documents are protected.
    for code in ["TG001", "TG002", "TG004"] {
        assert_eq!(
            find_rule(code).unwrap().safety,
            Safety::Production,
            "{code}"
        );
    }
    assert_eq!(find_rule("TG012").unwrap().safety, Safety::Security);
}

/// Texts describe rules in general terms: no project, no tracker.
#[test]
fn texts_name_no_project() {
    for r in registry() {
        for text in [r.title, r.rationale, r.bad, r.good] {
            let lower = text.to_ascii_lowercase();
            for word in ["evalap", "etalab", "the issue", "issue #"] {
                assert!(!lower.contains(word), "{}: `{word}` in {text}", r.code);
            }
        }
    }
}

#[test]
fn the_base_configuration_is_clean() {
    let c = compile_example("base", "{}");
    assert!(c.diagnostics.is_empty(), "{:#?}", codes(&c));
}

/// Rules whose `bad` example cannot be written in a few lines (it needs a configuration of
/// many services, 26 for TG115 or a thousand for TG112, a value of over a thousand
/// characters): each has its own test below instead.
const EXAMPLES_TOO_LARGE: &[&str] = &["TG112", "TG114", "TG115"];

/// Every rule's `bad` example, merged into the base configuration, is reported by that rule;
/// its `good` example is not, and leaves no error at all.
#[test]
fn every_example_shows_its_rule() {
    for r in registry() {
        if EXAMPLES_TOO_LARGE.contains(&r.code) {
            let good = compile_example(r.code, r.good);
            assert!(!good.has_errors(), "{}: {:#?}", r.code, codes(&good));
            continue;
        }
        let bad = compile_example(r.code, r.bad);
        // The environment placeholder is replaced wherever a finding says something (TG029's
        // help showed it raw).
        for d in &bad.diagnostics {
            let texts = [&d.message]
                .into_iter()
                .chain(&d.expected)
                .chain(&d.help)
                .chain(&d.notes);
            for text in texts {
                assert!(
                    !text.contains(crate::policy::ENV),
                    "{}: a placeholder is left in {text:?}",
                    r.code
                );
            }
        }
        assert!(
            bad.diagnostics
                .iter()
                .any(|d| d.code == r.code && d.level == r.level),
            "{} {}: the bad example is not reported by the rule (at its level); got {:#?}",
            r.code,
            r.name,
            codes(&bad)
        );
        let good = compile_example(r.code, r.good);
        assert!(
            !good.diagnostics.iter().any(|d| d.code == r.code),
            "{} {}: the good example is reported: {:#?}",
            r.code,
            r.name,
            codes(&good)
        );
        assert!(
            !good.has_errors(),
            "{} {}: the good example has errors: {:#?}",
            r.code,
            r.name,
            codes(&good)
        );
    }
}

fn with_override(fragment: &str, entry: &str) -> String {
    examples::with_overrides(fragment, entry).unwrap()
}

/// Compiles `r`'s bad example with an override turning `r` off; `emit` as in [`compile`].
fn compile_with_rule_off(r: &Rule, emit: bool) -> Compilation {
    let text = examples::with_rule_off(r.bad, r.code).unwrap();
    compile("example.yaml", text.as_bytes(), emit)
}

/// `level: off` silences every rule on its bad example; safety rules say so with a warning.
/// A required rule cannot be turned off: the override is an error at its `level`, and the
/// rule still reports.
#[test]
fn every_rule_can_be_turned_off_with_a_reason() {
    for r in registry() {
        let c = compile_with_rule_off(r, false);
        if r.safety == Safety::Required {
            assert_required_override_refused(r, &c, "turned off");
            continue;
        }
        assert!(
            !c.diagnostics.iter().any(|d| d.code == r.code),
            "{}: still reported: {:#?}",
            r.code,
            codes(&c)
        );
        let warned = c
            .diagnostics
            .iter()
            .any(|d| d.code == "policy" && d.level == Level::Warning && d.message.contains(r.code));
        assert_eq!(
            warned,
            r.safety != Safety::Ordinary,
            "{}: {:#?}",
            r.code,
            codes(&c)
        );
    }
}

/// `c` compiled `r`'s bad example with an override lowering the required rule `r`: the
/// override is refused (an error at its `level` value, saying `how` and why) and the rule
/// reports as if there were none.
fn assert_required_override_refused(r: &Rule, c: &Compilation, how: &str) {
    let refused: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "policy" && d.message.contains(r.code))
        .collect();
    assert_eq!(refused.len(), 1, "{}: {:#?}", r.code, codes(c));
    let d = refused[0];
    assert_eq!(d.level, Level::Error, "{}", r.code);
    assert!(
        d.message.contains(&format!(
            "cannot be {how}: with it off, what tofugen generates would be refused"
        )),
        "{}: {}",
        r.code,
        d.message
    );
    let span = d.span.expect("at the override's level");
    assert_eq!(span.line, 2, "{}: {span:?}", r.code);
    // (An example too large to write out does not break its rule: its own test shows it.)
    assert!(
        EXAMPLES_TOO_LARGE.contains(&r.code)
            || c.diagnostics
                .iter()
                .any(|d| d.code == r.code && d.level == r.level),
        "{}: the rule still reports: {:#?}",
        r.code,
        codes(c)
    );
    assert!(c.files.is_empty(), "{}", r.code);
}

/// Changing the level by name changes the level of the findings, and says why.
#[test]
fn every_rule_can_change_level_by_name() {
    for r in registry() {
        if EXAMPLES_TOO_LARGE.contains(&r.code) {
            continue;
        }
        let other = match r.level {
            Level::Error => "warning",
            Level::Warning => "error",
        };
        let entry = format!(
            "{{ \"rule\": \"{}\", \"level\": \"{other}\", \"reason\": \"testing levels\" }}",
            r.name
        );
        let c = compile(
            "example.yaml",
            with_override(r.bad, &entry).as_bytes(),
            false,
        );
        if r.safety == Safety::Required && r.level == Level::Error {
            assert_required_override_refused(r, &c, "lowered to a warning");
            continue;
        }
        let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == r.code).collect();
        assert!(!found.is_empty(), "{}: {:#?}", r.code, codes(&c));
        for d in found {
            assert_ne!(d.level, r.level, "{}", r.code);
            assert!(
                d.notes.iter().any(|n| n.contains("testing levels")),
                "{}: {d:#?}",
                r.code
            );
        }
    }
}

const README_START: &str = "<!-- rules:start -->\n";
const README_END: &str = "<!-- rules:end -->";

/// The README's rules table is the registry's rendering. `TOFUGEN_UPDATE_README=1 cargo test`
/// rewrites it.
#[test]
fn readme_rules_table_is_generated_from_the_registry() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(README_START)
        .expect("README.md has a `<!-- rules:start -->` line")
        + README_START.len();
    let end = start
        + readme[start..]
            .find(README_END)
            .expect("README.md has a `<!-- rules:end -->` line after the start marker");
    let expected = rules_markdown();
    if readme[start..end] == expected {
        return;
    }
    if std::env::var_os("TOFUGEN_UPDATE_README").is_some() {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("README.md is writable");
        return;
    }
    panic!(
        "the rules table in README.md differs from the registry (src/policy/rules/): run \
         `TOFUGEN_UPDATE_README=1 cargo test readme_rules_table` to rewrite it, or paste the \
         output of `tofugen rules --markdown` between the markers"
    );
}

#[test]
fn renderings_list_every_rule() {
    let md = rules_markdown();
    let text = rules_text();
    for r in registry() {
        assert!(md.contains(&format!("| {} | `{}` |", r.code, r.name)));
        assert!(text.contains(r.code) && text.contains(r.name));
        let one = describe_rule(r);
        assert!(one.contains(r.rationale) && one.contains(r.bad.lines().next().unwrap()));
    }
    for r in RETIRED {
        assert!(md.contains(r.code));
    }
}

/// `tofugen rules CODE --markdown`: every rule's examples come back out of its fenced blocks
/// byte for byte (the fence outlasts any backticks in them), and the override block names it
/// (a required rule has none).
#[test]
fn one_rule_as_markdown_fences_its_examples() {
    for r in registry() {
        let md = describe_rule_markdown(r);
        assert!(
            md.starts_with(&format!("### {} `{}`\n", r.code, r.name)),
            "{md}"
        );
        let blocks: Vec<&str> = md
            .split("```yaml\n")
            .skip(1)
            .map(|b| b.split_once("\n```\n").expect("a closing fence").0)
            .collect();
        assert_eq!(blocks[0], r.bad.trim_end_matches('\n'));
        assert_eq!(blocks[1], r.good.trim_end_matches('\n'));
        // A required rule has no override to show: `policy.overrides` refuses one.
        if r.safety == Safety::Required {
            assert_eq!(blocks.len(), 2, "{md}");
            assert!(md.contains("cannot turn it off"), "{md}");
        } else {
            assert_eq!(blocks.len(), 3, "{md}");
            assert!(blocks[2].contains(&format!("- rule: {}\n", r.name)));
        }
    }
    // A body holding a run of three backticks gets a longer fence.
    assert_eq!(fenced_yaml("a: ```x```\n"), "````yaml\na: ```x```\n````\n");
}

/// Overrides are exposed per environment and shown by `explain`, with their reasons.
#[test]
fn overrides_reach_the_resolved_model_and_explain() {
    let entries = r#"{ "rule": "unused-secret", "level": "off", "reason": "kept for the next release" },
        { "rule": "TG001", "level": "warning", "environments": ["production"], "path": "services.web.scale.min", "reason": "stateless front" }"#;
    let c = compile(
        "example.yaml",
        with_override(find_rule("TG001").unwrap().bad, entries).as_bytes(),
        false,
    );
    assert!(!c.has_errors(), "{:#?}", codes(&c));
    let resolved = c.resolved.as_ref().unwrap();
    assert_eq!(resolved.policy_overrides.len(), 2);
    let staging = resolved.environment("staging").unwrap();
    let production = resolved.environment("production").unwrap();
    assert_eq!(staging.policy_overrides.len(), 1);
    assert_eq!(production.policy_overrides.len(), 2);
    assert_eq!(production.policy_overrides[1].level, Some(Level::Warning));
    assert_eq!(
        production.policy_overrides[1].path.as_deref(),
        Some("services.web.scale.min")
    );
    let text = crate::report::explain(resolved, production, "example.yaml", None);
    assert!(
        text.contains("# policy rules overridden in `production`"),
        "{text}"
    );
    assert!(text.contains("TG040 unused-secret: off in every environment (default warning): kept for the next release"), "{text}");
    assert!(text.contains("TG001 production-min-instances: warning in `production`, for `services.web.scale.min` (default error): stateless front"), "{text}");
    // The finding is now a warning, and says why.
    let d = c.diagnostics.iter().find(|d| d.code == "TG001").unwrap();
    assert_eq!(d.level, Level::Warning);
    // Without overrides, explain says nothing about them.
    assert!(!crate::report::explain(resolved, staging, "x", Some("web")).contains("TG001"));
}

/// A path or environment scope limits an override to the findings it names.
#[test]
fn scoped_overrides_leave_other_findings_alone() {
    // The bad TG040 example declares OLD_TOKEN in defaults: a finding in both environments.
    let bad = find_rule("TG040").unwrap().bad;
    let entry =
        r#"{ "rule": "TG040", "level": "off", "environments": ["staging"], "reason": "r" }"#;
    let c = compile("x.yaml", with_override(bad, entry).as_bytes(), false);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG040").collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    assert!(found[0].message.contains("`production`") && !found[0].message.contains("staging"));
    let entry = r#"{ "rule": "TG040", "level": "off", "path": "secrets.OTHER", "reason": "r" }"#;
    let c = compile("x.yaml", with_override(bad, entry).as_bytes(), false);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "policy" && d.level == Level::Error)
    );
    let entry =
        r#"{ "rule": "TG040", "level": "off", "path": "secrets.OLD_TOKEN", "reason": "r" }"#;
    let c = compile("x.yaml", with_override(bad, entry).as_bytes(), false);
    assert!(c.diagnostics.is_empty(), "{:#?}", codes(&c));
}

/// TG112 (Cockpit's 70 rule groups per project): in the one (production) environment of a
/// synthetic configuration, 1 000 services watched by one wildcard rule compile to 52 groups
/// (1 000 `container_error` rules and `db-storage` in 51 groups of at most 20 on the Scaleway
/// metrics source, the 2 backup-job rules in one more), accepted; a second wildcard rule adds
/// 1 000 rules: 2 003 rules in 101 + 1 = 102 groups, refused at the environment's own
/// `alerts.rules` (the environment is what is over the limit), with the counts.
#[test]
fn cockpit_rule_groups_over_the_project_limit_are_refused() {
    let fits = crate::synthetic::config(1000, 1);
    let c = compile("synthetic.yaml", fits.as_bytes(), false);
    assert!(!c.has_errors(), "{:#?}", codes(&c));
    let over = fits.replacen(
        "      db-storage:",
        "      cpu: { kind: container_cpu, service: \"*\" }\n      db-storage:",
        1,
    );
    let c = compile("synthetic.yaml", over.as_bytes(), false);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG112").collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    let d = found[0];
    assert!(
        d.message.contains("2003 rules in 102 rule groups") && d.message.contains("70 groups"),
        "{}",
        d.message
    );
    let lines: Vec<&str> = over.lines().collect();
    // The value of production's `rules:` (the mapping starts at its first entry, next line).
    let line = lines.iter().rposition(|l| *l == "      rules:").unwrap() + 2;
    assert_eq!(
        d.span.map(|s| s.line),
        Some(line),
        "at the rules of production"
    );
}

/// Lists of names stop at `MAX_LISTED` and count the rest: a finding about 1 500 environments
/// stays one readable line.
#[test]
fn long_lists_of_names_are_counted_not_spelled_out() {
    let names: Vec<String> = (0..1500).map(|i| format!("env{i}")).collect();
    let joined = join_names(&names);
    assert!(joined.ends_with("`env7` and 1492 more"), "{joined}");
    assert_eq!(joined.matches('`').count(), 2 * MAX_LISTED);
    assert_eq!(join_names(&names[..3]), "`env0`, `env1` and `env2`");
    assert_eq!(join_names(&names[..MAX_LISTED]).matches(" and ").count(), 1);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(list(&refs[..2]), "`env0`, `env1`");
    assert!(list(&refs).ends_with("`env7` and 1492 more"));
}

/// TG114 (Serverless Containers: 200 variables, 200 secret variables, 1000 characters per
/// value): 199 variables of 1000 characters pass (tofugen's `TOFUGEN_RELEASE` makes 200); one
/// more variable, or one more character, is refused at the service's `env` or at the value.
#[test]
fn env_var_limits_are_the_platform_s() {
    let with = |count: usize, chars: usize| {
        let mut vars = String::new();
        for i in 0..count {
            let value = if i == 0 {
                "x".repeat(chars)
            } else {
                "v".to_string()
            };
            vars.push_str(&format!("        VAR_{i}: \"{value}\"\n"));
        }
        compile_example(
            "TG114",
            &format!("defaults:\n  services:\n    web:\n      env:\n{vars}"),
        )
    };
    let ok = with(199, 1000);
    assert!(
        !ok.diagnostics.iter().any(|d| d.code == "TG114"),
        "{:#?}",
        codes(&ok)
    );
    let long = with(199, 1001);
    let found: Vec<_> = long
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG114")
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&long));
    assert!(found[0].message.contains("`VAR_0`") && found[0].message.contains("1001 characters"));
    let many = with(200, 10);
    let found: Vec<_> = many
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG114")
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&many));
    assert!(
        found[0].message.contains("201 environment variables"),
        "{}",
        found[0].message
    );
}

/// A service URL reference counts at its written length toward a value's 1000 characters
/// (sweep 37, F7: counted as nothing, a value of 240 000 references passed).
#[test]
fn service_url_references_count_toward_the_value_length() {
    let with = |refs: usize| {
        let value = "${services.web.url}".repeat(refs);
        compile_example(
            "TG114",
            &format!(
                "defaults:\n  services:\n    web:\n      env:\n        SELF: x\n    api:\n      image: demo-api\n      port: 8080\n      privacy: public\n      probes: {{startup: {{path: /h}}, liveness: {{path: /h}}}}\n      env:\n        URLS: \"{value}\"\n"
            ),
        )
    };
    // 19 characters each: 52 are 988, 53 are 1007.
    let tg114 = |c: &Compilation| c.diagnostics.iter().filter(|d| d.code == "TG114").count();
    let ok = with(52);
    assert_eq!(tg114(&ok), 0, "{:#?}", codes(&ok));
    let long = with(53);
    assert_eq!(tg114(&long), 1, "{:#?}", codes(&long));
    assert!(
        long.diagnostics
            .iter()
            .any(|d| d.message.contains("1007 characters"))
    );
}

/// A `--password`-like flag ending `command` in `defaults` and its value as the first of `args`
/// in an environment's section: the file walk sees them in two mappings, the effective
/// command line pairs them (and the value is never printed).
#[test]
fn a_flag_and_its_secret_in_different_sections_are_paired() {
    let split = compile_example(
        "TG012",
        "defaults:\n  services:\n    web:\n      command: [app, --password]\nenvironments:\n  production:\n    services:\n      web:\n        args: [hunter2x]\n",
    );
    let found: Vec<_> = split
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG012")
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&split));
    assert!(
        found[0]
            .message
            .contains("the first `args` item of service `web`")
            && found[0].message.contains("set in another section"),
        "{}",
        found[0].message
    );
    assert!(!format!("{found:?}").contains("hunter2x"));
    // In one section, the walk pairs them: no second finding for the same value.
    let together = compile_example(
        "TG012",
        "defaults:\n  services:\n    web:\n      command: [app, --password]\n      args: [hunter2x]\n",
    );
    let found: Vec<_> = together
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG012")
        .collect();
    assert!(!found.is_empty(), "{:#?}", codes(&together));
    assert!(
        found
            .iter()
            .all(|d| !d.message.contains("set in another section")),
        "{:#?}",
        codes(&together)
    );
}

/// TG117 (Serverless Containers: 25 GB of container memory at maximum scale per Organization
/// by default, Scaleway's Organization quotas page; sweep 57 H1-F8): two environments of 16 GB
/// each are warned about once, together, at the first of equals; one of 28 GB is warned about
/// alone, and only it; the starter and EvalAP's configuration (23 GB) are not; EvalAP with
/// one more `api` instance in production (27 GB, the sweep's example) is.
#[test]
fn the_container_memory_quota_is_the_organization_s() {
    let base = crate::init::starter("shop", "fr-par");
    let found = |text: &str| -> Vec<crate::diagnostics::Diagnostic> {
        compile("environments.yaml", text.as_bytes(), false)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "TG117")
            .collect()
    };
    assert!(found(&base).is_empty());
    let both = base.replacen(
        "      memory: 512MB\n      scale: { min: 1, max: 2 }",
        "      memory: 4GB\n      scale: { min: 1, max: 4 }",
        1,
    );
    assert_ne!(both, base);
    let warned = found(&both);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert_eq!(warned[0].level, Level::Warning);
    assert!(
        warned[0].message.contains("32.0 GB")
            && warned[0].message.contains("`staging`, `production`")
            && warned[0].message.contains("together")
            && warned[0].message.contains("over the 25 GB"),
        "{:#?}",
        warned[0]
    );
    assert!(
        warned[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("policy.overrides")
    );
    assert!(warned[0].span.is_some());
    // Production alone over the quota: reported there, and not again as a total.
    let one = both.replacen("scale: { min: 2, max: 4 }", "scale: { min: 2, max: 7 }", 1);
    let warned = found(&one);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(
        warned[0].message.contains("services need 28.0 GB of memory at maximum scale (`memory` x `scale.max`) in `production`, per environment")
            && warned[0].message.contains("; 44.0 GB with every environment together"),
        "{:#?}",
        warned[0]
    );
    let evalap = include_str!("../../environments.yaml");
    assert!(found(evalap).is_empty(), "{:#?}", found(evalap));
    let api = "production requires them (rule TG001).\n        scale: { min: 2, max: 4 }";
    assert_eq!(evalap.matches(api).count(), 1);
    let more = evalap.replacen(api, &api.replace("max: 4", "max: 5"), 1);
    let warned = found(&more);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(warned[0].message.contains("27.0 GB"), "{:#?}", warned[0]);
}

/// TG115 (Serverless Containers: 25 containers per Organization by default): 25 services in
/// one environment are not warned about, 26 are; 13 in each of two environments are warned
/// about once, together.
#[test]
fn the_container_quota_is_the_organization_s() {
    let with = |services: usize, environments: usize| {
        let text = crate::synthetic::config(services, environments);
        compile("synthetic.yaml", text.as_bytes(), false)
    };
    let found = |c: &crate::pipeline::Compilation| -> Vec<crate::diagnostics::Diagnostic> {
        c.diagnostics
            .iter()
            .filter(|d| d.code == "TG115")
            .cloned()
            .collect()
    };
    let ok = with(25, 1);
    assert!(found(&ok).is_empty(), "{:#?}", codes(&ok));
    let over = with(26, 1);
    let warned = found(&over);
    assert_eq!(warned.len(), 1, "{:#?}", codes(&over));
    assert_eq!(warned[0].level, Level::Warning);
    assert!(
        warned[0].message.contains("26 services")
            && warned[0].message.contains("25 containers")
            && warned[0].span.is_some(),
        "{:#?}",
        warned[0]
    );
    let together = with(13, 2);
    let warned = found(&together);
    assert_eq!(warned.len(), 1, "{:#?}", codes(&together));
    assert!(
        warned[0].message.contains("26 services together"),
        "{:#?}",
        warned[0]
    );
}

/// Policy checks each environment on a copy whose merged tree is dropped with it
/// (`rules::check_environment`), so that memory holds one merged tree at a time: after compiling, no
/// environment keeps one, even when a rule inside the loop reported a finding (TG041 reads the
/// position of `database.node_type`). Asking again builds the tree.
#[test]
fn policy_leaves_no_merged_tree_behind() {
    let rule = find_rule("TG041").expect("TG041 exists");
    let c = compile_example("TG041", rule.bad);
    assert!(
        codes(&c).iter().any(|d| d.starts_with("TG041")),
        "{:#?}",
        codes(&c)
    );
    let resolved = c.resolved.as_ref().expect("a warning only: resolved");
    assert!(resolved.environments.len() >= 2);
    for env in &resolved.environments {
        assert!(!env.origins.is_built(), "{} kept its merged tree", env.name);
    }
    let production = resolved.environment("production").expect("production");
    assert!(production.origins.get("database.node_type").is_some());
    assert!(production.origins.is_built());
}

/// Turning a rule off never makes tofugen write roots its proof refuses: every bad example that
/// compiles with its rule off generates roots that pass the proof (provider schema and module
/// interfaces). TG013 off used to emit a call of a module that does not exist. The proof does not
/// evaluate the modules' `validation` blocks: `tests/tofu.rs`,
/// `tofu_validates_the_roots_of_every_rule_turned_off`, runs the real `tofu validate` on the
/// same roots (sweep 56 found thirteen rules the proof let through).
#[test]
fn a_rule_turned_off_never_breaks_the_generated_roots() {
    for r in registry() {
        let c = compile_with_rule_off(r, true);
        if c.has_errors() {
            // Another rule refuses the example too: nothing is generated.
            assert!(c.files.is_empty(), "{}", r.code);
            continue;
        }
        let tf: std::collections::BTreeMap<String, String> = c
            .files
            .into_iter()
            .filter(|(p, _)| p.ends_with(".tf"))
            .collect();
        assert!(!tf.is_empty(), "{}", r.code);
        let errors: Vec<_> = crate::prove::check_sources(&tf)
            .findings
            .into_iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(errors.is_empty(), "{} off: {errors:#?}", r.code);
    }
}

/// The `(low, high)` of the first `FIELD >= LOW && FIELD <= HIGH` in a `validation` of
/// `variable "VARIABLE"` in `modules/MODULE/variables.tf`.
fn module_bounds(module: &str, variable: &str, field: &str) -> (u64, u64) {
    let path = format!(
        "{}/modules/{module}/variables.tf",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("module variables");
    let start = text
        .find(&format!("variable \"{variable}\""))
        .unwrap_or_else(|| panic!("{module}: no variable {variable}"));
    let block = &text[start..];
    let block = &block[..block[1..]
        .find("\nvariable \"")
        .map_or(block.len(), |e| e + 1)];
    let re = regex::Regex::new(r"([\w.]+) >= (\d+) && ([\w.]+) <= (\d+)").expect("compiles");
    re.captures_iter(block)
        .find(|c| &c[1] == field && &c[3] == field)
        .map(|c| (c[2].parse().unwrap(), c[4].parse().unwrap()))
        .unwrap_or_else(|| panic!("{module}: no bounds of {field} in variable {variable}"))
}

/// Every numeric bound a module's `validation` block puts on a value tofugen passes it from the
/// configuration is the bound tofugen enforces (schema or policy): change either side alone and
/// this fails. (Names and patterns: `names_agree_with_the_modules_validations`.)
#[test]
fn bounds_agree_with_the_modules_validations() {
    for (module, variable, field, ours) in [
        // TG120 (the most) and the provider's own wait (the least tofugen passes).
        (
            "service",
            "ready_wait_seconds",
            "var.ready_wait_seconds",
            (
                crate::emit::budget::PROVIDER_CONTAINER_WAIT,
                crate::emit::budget::MAX_CONTAINER_WAIT,
            ),
        ),
        (
            "backups",
            "weekly",
            "t.retention_days",
            limits::WEEKLY_RETENTION_DAYS,
        ),
        (
            "backups",
            "monthly",
            "t.retention_days",
            limits::MONTHLY_RETENTION_DAYS,
        ),
        (
            "database",
            "backup_retention_days",
            "var.backup_retention_days",
            limits::DAILY_RETENTION_DAYS,
        ),
        (
            "database",
            "read_replicas",
            "var.read_replicas",
            (0, u64::from(limits::READ_REPLICAS)),
        ),
        (
            "database",
            "volume_size_in_gb",
            "var.volume_size_in_gb",
            (5, limits::DATABASE_VOLUME_GB),
        ),
        (
            "state-bucket",
            "keep_versions_days",
            "var.keep_versions_days",
            limits::KEEP_VERSIONS_DAYS,
        ),
        (
            "service",
            "cpu_limit",
            "var.cpu_limit",
            (
                u64::from(limits::CPU_MILLIS.0),
                u64::from(limits::CPU_MILLIS.1),
            ),
        ),
        (
            "service",
            "timeout_seconds",
            "var.timeout_seconds",
            limits::TIMEOUT_SECS,
        ),
        (
            "service",
            "max_scale",
            "var.max_scale",
            (1, u64::from(limits::MAX_SCALE)),
        ),
        (
            "service",
            "min_scale",
            "var.min_scale",
            (0, u64::from(limits::MAX_SCALE)),
        ),
        (
            "secrets",
            "generated_secrets",
            "s.length",
            (
                u64::from(limits::SECRET_LENGTH.0),
                u64::from(limits::SECRET_LENGTH.1),
            ),
        ),
    ] {
        assert_eq!(
            module_bounds(module, variable, field),
            ours,
            "modules/{module} `{variable}` ({field}) vs tofugen"
        );
    }
    // Memory: the module and tofugen keep to the figure Scaleway documents (12228 MB; the
    // module allowed 12288 MB until sweep 35, #5), in decimal bytes there.
    let (lo, hi) = module_bounds("service", "memory_limit_bytes", "var.memory_limit_bytes");
    let (ours_lo, ours_hi) = limits::MEMORY_MB;
    assert_eq!((lo, hi), (ours_lo * 1_000_000, ours_hi * 1_000_000));
    // The schema carries the read replica bound, so editors see it too.
    let schema = crate::schema_check::derive_schema_json();
    let doc: serde_json::Value = serde_json::from_str(&schema).expect("JSON");
    let replicas = &doc["$defs"]["DatabaseSpec"]["properties"]["read_replicas"];
    assert_eq!(
        replicas["maximum"],
        serde_json::json!(limits::READ_REPLICAS),
        "{replicas}"
    );
}

/// Values inside every bound above pass, and the values just outside them are refused where
/// the configuration writes them (the examples of the sweep that found them).
#[test]
fn module_bounds_are_enforced_at_their_values() {
    let base = crate::init::starter("shop", "fr-par");
    let case = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        let text = base.replacen(from, to, 1);
        compile("environments.yaml", text.as_bytes(), false)
    };
    let errors = |c: &Compilation| -> Vec<String> {
        c.diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    };
    let weekly = "weekly: { enabled: true, retention: 90d }";
    let monthly = "monthly: { enabled: true, retention: 365d }";
    for (from, to, code) in [
        (weekly, "weekly: { enabled: true, retention: 6d }", "TG005"),
        (
            monthly,
            "monthly: { enabled: true, retention: 27d }",
            "TG005",
        ),
    ] {
        let c = case(from, to);
        assert!(
            errors(&c)
                .iter()
                .any(|e| e.starts_with(code) && e.contains("out of bounds")),
            "{to}: {:#?}",
            errors(&c)
        );
    }
    let region = "region: fr-par\n";
    for (keep, refused) in [
        ("12h", true),
        ("3651d", true),
        ("1d", false),
        ("3650d", false),
    ] {
        let c = case(
            region,
            &format!("region: fr-par\n  state: {{ keep_versions: {keep} }}\n"),
        );
        assert_eq!(
            errors(&c).iter().any(|e| e.starts_with("TG005")),
            refused,
            "{keep}: {:#?}",
            errors(&c)
        );
    }
}

/// The first `regex("...", ...)` pattern of `variable "VARIABLE"` in `modules/MODULE`.
pub(crate) fn module_regex(module: &str, variable: &str) -> regex::Regex {
    let path = format!(
        "{}/modules/{module}/variables.tf",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("module variables");
    let block = &text[text
        .find(&format!("variable \"{variable}\""))
        .expect("variable")..];
    let start = block.find("regex(\"").expect("regex(") + "regex(\"".len();
    let end = start + block[start..].find("\", ").expect("end of the pattern");
    regex::Regex::new(&block[start..end].replace("\\\\", "\\")).expect("compiles")
}

/// Domains whose values reach a module's pattern accept nothing the module refuses, on the
/// boundary values (a value the schema accepts that the module refuses would fail at
/// `tofu validate`): image names, backup schedules and time zones; and the probe failure
/// threshold's minimum.
#[test]
fn domains_agree_with_the_modules_patterns() {
    let domain = |name: &str| {
        let d = crate::schema_check::domains::find(name).expect("domain");
        move |v: &str| d.validate(v).is_ok()
    };
    let image = domain("image");
    let module = module_regex("service", "image");
    for v in [
        "shop",
        "shop-api",
        "team/api",
        "a.b_c-d",
        "a__b",
        "a--b",
        "a-",
        "-a",
        "a//b",
        "A",
        "a/b/c",
        "a..b",
        "a_b.c-d/e",
    ] {
        assert!(!image(v) || module.is_match(v), "image {v:?}");
    }
    let cron = domain("cron");
    let schedule = module_regex("backups", "weekly");
    for v in [
        "0 3 * * 0",
        "*/15 * * * *",
        "0 0 1-15/2 JAN-MAR mon,fri",
        "0 0 ? * 7",
        "0 0 * * 7",
    ] {
        // The schema is stricter in ranges and names; never laxer.
        assert!(!cron(v) || schedule.is_match(v), "cron {v:?}");
    }
    assert!(!cron("0 0 ? * 7"));
    assert!(image("a.b_c-d") && !image("a__b") && !image("a--b"));
    let timezone = domain("timezone");
    let module = module_regex("backups", "timezone");
    for v in [
        "UTC",
        "Europe/Paris",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+1",
        "E/Paris",
        "X",
        "europe/paris",
    ] {
        assert!(!timezone(v) || module.is_match(v), "timezone {v:?}");
    }
    assert!(timezone("Europe/Paris") && !timezone("E/Paris"));
    // modules/service: `p.failure_threshold >= 1`.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/modules/service/variables.tf"
    ))
    .unwrap();
    assert!(text.contains("p.failure_threshold >= 1 &&"));
    let schema: serde_json::Value =
        serde_json::from_str(&crate::schema_check::derive_schema_json()).unwrap();
    let threshold = &schema["$defs"]["ProbeSpec"]["properties"]["failure_threshold"];
    assert_eq!(threshold["minimum"], serde_json::json!(1), "{threshold}");
}

/// The codes of `c`'s diagnostics, once each.
fn code_set(c: &Compilation) -> std::collections::BTreeSet<String> {
    c.diagnostics.iter().map(|d| d.code.clone()).collect()
}

const WORKER: &str = "      port: 8080\n      privacy: private\n      scale: { min: 2, max: 4 }\n      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }\n";

/// TG031: one build per image. A `dockerfile` written as the default one is the same build;
/// any other context or Dockerfile is another (sweep 33, finding 1).
#[test]
fn services_sharing_an_image_share_its_build() {
    let same = format!(
        "defaults:\n  services:\n    web:\n      build: {{ context: app }}\n    worker:\n      image: demo-web\n      build: {{ context: app, dockerfile: app/Dockerfile }}\n{WORKER}"
    );
    let c = compile_example("same build", &same);
    assert!(!code_set(&c).contains("TG031"), "{:#?}", codes(&c));
    assert!(!c.has_errors(), "{:#?}", codes(&c));
    for other in [
        "{ context: app, dockerfile: app/Dockerfile.worker }",
        "{ context: worker }",
        "{ dockerfile: app/Dockerfile }",
    ] {
        let fragment = format!(
            "defaults:\n  services:\n    web:\n      build: {{ context: app }}\n    worker:\n      image: demo-web\n      build: {other}\n{WORKER}"
        );
        let c = compile_example(other, &fragment);
        let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG031").collect();
        // Reported once, in staging (production builds nothing), at the worker's image.
        assert_eq!(found.len(), 1, "{other}: {:#?}", codes(&c));
        assert!(
            found[0].message.contains("`staging`"),
            "{}",
            found[0].message
        );
        let span = found[0].span.expect("a position");
        let text = examples::with_fragment(&fragment).unwrap();
        assert_eq!(&text[span.start..span.end], "\"demo-web\"");
    }
}

/// TG031 across a promotion: two images of the source copied into one image of the target,
/// along a chain too; two services copied from one image into one image are fine.
#[test]
fn a_promotion_copies_one_source_image_into_each_image() {
    let worker = format!("defaults:\n  services:\n    worker:\n      image: demo-worker\n{WORKER}");
    let ok = format!(
        "{worker}environments:\n  production:\n    services:\n      worker: {{ image: demo-jobs }}\n"
    );
    let c = compile_example("renamed", &ok);
    assert!(!c.has_errors(), "{:#?}", codes(&c));
    let collide = format!(
        "{worker}environments:\n  production:\n    services:\n      worker: {{ image: demo-web }}\n"
    );
    let c = compile_example("collide", &collide);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG031").collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`image: demo-worker`"),
        "{:#?}",
        found[0]
    );
    // Along a chain: production-eu promotes from production.
    let chain = format!(
        "{worker}environments:\n  production-eu:\n    tier: production\n    region: nl-ams\n    promote_from: production\n    services:\n      worker: {{ image: demo-web }}\n"
    );
    let c = compile_example("chain", &chain);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG031").collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    assert!(
        found[0].message.contains("`production-eu`"),
        "{}",
        found[0].message
    );
}

/// TG032 along a chain, and TG033 only for a `build` no building environment inherits: a
/// promotion target that `extends` the environment that builds inherits its `build` without
/// a finding (sweep 33, findings 1 and 2).
#[test]
fn promotion_targets_run_and_build_only_what_their_source_gives() {
    let chain = format!(
        "defaults:\n  services:\n    worker:\n      enabled: false\n      image: demo-worker\n{WORKER}environments:\n  production:\n    services:\n      worker: {{ enabled: true }}\n  production-eu:\n    tier: production\n    region: nl-ams\n    promote_from: production\n"
    );
    let c = compile_example("chain", &chain);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG032").collect();
    // production runs worker, staging does not; production-eu runs none of it.
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    assert!(
        found[0].message.contains("`production`"),
        "{}",
        found[0].message
    );

    let inherited = "environments:\n  staging:\n    services:\n      web:\n        build: { dockerfile: Dockerfile.staging }\n  production:\n    extends: staging\n    promote_from: staging\n";
    let c = compile_example("inherited build", inherited);
    assert!(!code_set(&c).contains("TG033"), "{:#?}", codes(&c));
    // Written for production itself, and for an environment production-eu extends.
    let own = "environments:\n  production:\n    services:\n      web:\n        build: { context: web }\n  production-eu:\n    extends: production\n    tier: production\n    region: nl-ams\n    promote_from: production\n";
    let c = compile_example("own build", own);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG033").collect();
    // Reported once, by production, not again by production-eu that inherits the line.
    assert_eq!(found.len(), 1, "{:#?}", found);
    assert!(found[0].message.contains("`production`"), "{:#?}", found);
}

/// TG048: deployed along a chain of promotions; nothing said while TG029 has not decided the
/// deploy target (sweep 33, finding 7).
#[test]
fn every_environment_is_deployed_by_some_workflow() {
    let chain = "ci:\n  deploy_to: staging\nenvironments:\n  production-eu:\n    tier: production\n    region: nl-ams\n    promote_from: production\n";
    let c = compile_example("chain", chain);
    assert!(!code_set(&c).contains("TG048"), "{:#?}", codes(&c));
    let undecided = "environments:\n  dev: { tier: development }\n";
    let c = compile_example("undecided", undecided);
    let set = code_set(&c);
    assert!(
        set.contains("TG029") && !set.contains("TG048"),
        "{:#?}",
        codes(&c)
    );
    // An environment promoting from an undeployed one is named in its finding, not reported
    // on its own.
    let downstream = "ci:\n  deploy_to: staging\nenvironments:\n  dev: { tier: development }\n  demo: { tier: development, promote_from: dev }\n";
    let c = compile_example("downstream", downstream);
    let found: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG048").collect();
    assert_eq!(found.len(), 1, "{:#?}", codes(&c));
    assert!(found[0].message.contains("`dev`"), "{:#?}", found[0]);
    assert!(
        found[0].notes.iter().any(|n| n.contains("`demo`")),
        "{:#?}",
        found[0]
    );
}

/// The environment placeholder is replaced in a finding's help too: TG029's help about a
/// production deploy target printed it raw.
#[test]
fn findings_name_their_environments_everywhere() {
    let c = compile_example("deploy production", "ci:\n  deploy_to: production\n");
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "TG029")
        .expect("TG029");
    let help = d.help.as_deref().unwrap();
    assert!(!help.contains(crate::policy::ENV), "{help:?}");
    assert!(
        help.contains("where `production`'s promotion chain starts"),
        "{help:?}"
    );
}

/// TG001's fix, applied as written, leaves no error: with `scale.max` below 2 it raises both
/// bounds (sweep 33, #3: `scale: { min: 2 }` alone then tripped TG016, min above max).
#[test]
fn the_production_minimum_fix_works() {
    for scale in [
        "{ min: 1, max: 1 }",
        "{ min: 0, max: 1 }",
        "{ min: 1, max: 4 }",
    ] {
        let c = compile_example(
            scale,
            &format!("defaults:\n  services:\n    web:\n      scale: {scale}\n"),
        );
        let d = finding(&c, "TG001", scale);
        let help = d.help.as_deref().unwrap();
        let fix = help
            .strip_prefix("set `scale: ")
            .and_then(|h| h.split('`').next())
            .unwrap_or_else(|| panic!("{help}"));
        assert!(
            help.contains("under `environments.production.services.web`"),
            "{help}"
        );
        let fixed = compile_example(
            fix,
            &format!(
                "defaults:\n  services:\n    web:\n      scale: {scale}\nenvironments:\n  production:\n    services:\n      web:\n        scale: {fix}\n"
            ),
        );
        assert!(
            !fixed.has_errors(),
            "{scale} then {fix}: {:#?}",
            codes(&fixed)
        );
    }
}

/// A finding merged over several environments makes the verb that follows their names plural,
/// and only that one (sweep 33, #15: "`staging` and `production` has no database"; "the
/// database of `staging` and `production` is used by no service" keeps its verb).
#[test]
fn a_finding_about_several_environments_agrees_with_them() {
    let c = compile_example("no database", "defaults:\n  database: null\n");
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(
            &"service `web` has `database: true` but `production` and `staging` have no database"
        ),
        "{messages:#?}"
    );
    let c = compile_example(
        "unused database",
        "defaults:\n  services:\n    web:\n      database: false\n      secrets: []\n",
    );
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(&"the database of `production` and `staging` is used by no service"),
        "{messages:#?}"
    );
}

/// TG006 names the TCP probe for a process that serves no HTTP route, and that probe, written
/// as the help says, satisfies it (sweep 33, #6).
#[test]
fn the_missing_probe_help_offers_a_tcp_probe_that_works() {
    let c = compile_example(
        "no probes",
        "defaults:\n  services:\n    web:\n      probes: null\n",
    );
    let helps: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG006")
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(helps.len(), 2, "{:#?}", codes(&c));
    for kind in ["startup", "liveness"] {
        assert!(
            helps.iter().any(|h| h.contains(&format!(
                "(or `{{ {kind}: {{ tcp: true }} }}` if it serves no HTTP route"
            ))),
            "{helps:#?}"
        );
    }
    let fixed = compile_example(
        "tcp probes",
        "defaults:\n  services:\n    web:\n      probes: { startup: { path: null, tcp: true }, liveness: { path: null, tcp: true } }\n",
    );
    assert!(!fixed.has_errors(), "{:#?}", codes(&fixed));
}

/// `ci.deploy_to` naming a production environment that promotes from another: TG029's fix
/// deploys the start of its promotion chain, and works as written (sweep 33, #5: it told
/// production to promote from the first other environment, skipping the chain's middle).
#[test]
fn deploying_production_directly_is_fixed_at_the_start_of_its_chain() {
    let three = "environments:\n  dev: { tier: development }\n  staging: { promote_from: dev }\n";
    let c = compile_example(
        "deploy_to production",
        &format!("ci:\n  deploy_to: production\n{three}"),
    );
    let d = finding(&c, "TG029", "deploy_to production");
    let help = d.help.as_deref().unwrap();
    assert_eq!(
        help,
        "set `ci.deploy_to: dev`, where `production`'s promotion chain starts"
    );
    let fixed = compile_example("fixed", &format!("ci:\n  deploy_to: dev\n{three}"));
    assert!(!fixed.has_errors(), "{:#?}", codes(&fixed));
}

/// `cpu: 500` (500 vCPU) is most likely `500m`: TG015 says so, and that fix works; an amount
/// that reads as no valid mvCPU either gets the nearest bound (sweep 33, #4: the help said
/// `cpu: 6000m` for `cpu: 500`).
#[test]
fn a_whole_cpu_count_meant_as_millis_is_named() {
    for (cpu, help) in [
        (
            "500",
            "write `cpu: 500m` if you meant 500 mvCPU (a number without `m` counts whole vCPU), else `cpu: 6000m` at most",
        ),
        ("7", "use `cpu: 6000m`"),
    ] {
        let c = compile_example(
            cpu,
            &format!("defaults:\n  services:\n    web:\n      cpu: {cpu}\n"),
        );
        let d = finding(&c, "TG015", cpu);
        assert_eq!(d.help.as_deref(), Some(help), "{cpu}");
    }
    let fixed = compile_example(
        "500m",
        "defaults:\n  services:\n    web:\n      cpu: 500m\n",
    );
    assert!(!fixed.has_errors(), "{:#?}", codes(&fixed));
}

/// Sweep 39, #1: `tier: staging` on the environment named `production` turned every production
/// rule off with no word; it is now a warning on every run, at the `tier`, that no override
/// silences. Writing the production tier, or another name, says nothing.
#[test]
fn a_production_named_environment_in_another_tier_is_reported() {
    let c = compile_example(
        "production in staging",
        "environments:\n  production:\n    tier: staging\n",
    );
    let d = finding(&c, "policy", "production in staging");
    assert_eq!(d.level, Level::Warning);
    assert!(
        d.message.starts_with(
            "environment `production` is in the staging tier: no production safety rule applies"
        ),
        "{}",
        d.message
    );
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .starts_with("remove `tier: staging` under `environments.production`"),
        "{:?}",
        d.help
    );
    let text =
        examples::with_fragment("environments:\n  production:\n    tier: staging\n").unwrap();
    let line = text.lines().nth(d.span.unwrap().line - 1).unwrap();
    assert!(line.contains("staging"), "{line}");
    // TG125 is not what reports it: turning that rule off changes nothing.
    let text = with_override(
        "environments:\n  production:\n    tier: staging\n",
        "{ rule: TG125, level: off, reason: quiet }",
    );
    let c = compile("example.yaml", text.as_bytes(), false);
    assert!(!c.has_errors(), "{:#?}", codes(&c));
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "policy" && d.message.starts_with("environment `production` is in")),
        "with TG125 off: {:#?}",
        codes(&c)
    );
    for fragment in [
        "environments:\n  production:\n    tier: production\n",
        "environments:\n  preview:\n    tier: staging\n",
    ] {
        let c = compile_example(fragment, fragment);
        assert!(
            !c.diagnostics.iter().any(|d| d.code == "policy"),
            "{fragment}: {:#?}",
            codes(&c)
        );
    }
}

/// Sweep 40, #4: a team with production only is told, in TG029's help, the override that is its
/// way; applied as written there, the error goes and the override's warning stays.
#[test]
fn a_production_only_team_is_told_its_override() {
    let config = "project: solo
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
defaults:
  services:
    web:
      image: solo-web
      port: 3000
      privacy: public
      scale: { min: 2, max: 4 }
      probes: { startup: { path: /healthz }, liveness: { path: /healthz } }
  database: { enabled: false }
  alerts: { contacts: [ops@solo.example] }
environments:
  production: {}
";
    let c = compile("solo.yaml", config.as_bytes(), false);
    let d = finding(&c, "TG029", "production only");
    let help = d.help.as_deref().unwrap();
    let start = help.find("`policy: ").expect("the override") + 1;
    let end = start + help[start..].find('`').unwrap();
    let fixed = format!(
        "{}\n",
        help[start..end].replace('…', "one environment only")
    );
    let c = compile("solo.yaml", format!("{config}{fixed}").as_bytes(), false);
    assert!(!c.has_errors(), "{fixed}: {:#?}", codes(&c));
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "policy" && d.message.contains("TG029")),
        "{:#?}",
        codes(&c)
    );
}

/// A scaling signal written `null` sets none: with `concurrent_requests` beside it, in
/// `defaults` or in an environment, TG016 counts one signal (sweep 43, #7: a `null` in
/// `defaults` counted as a second one).
#[test]
fn a_null_scaling_signal_is_not_a_second_one() {
    for (section, web) in [
        ("defaults", "/defaults/services/web"),
        ("environment", "/environments/production/services/web"),
    ] {
        let mut doc: serde_json::Value =
            serde_json::from_str(&examples::with_fragment("{}").unwrap()).unwrap();
        if section == "environment" {
            doc["environments"]["production"]["services"] = serde_json::json!({ "web": {} });
        }
        doc.pointer_mut(web).unwrap()["scale"] = serde_json::json!({
            "min": 2, "max": 4, "concurrent_requests": 50, "cpu_percent": null, "memory_percent": null
        });
        let c = compile("example.yaml", doc.to_string().as_bytes(), false);
        assert!(
            !c.diagnostics.iter().any(|d| d.code == "TG016"),
            "{section}: {:#?}",
            codes(&c)
        );
        // Two signals with values are still refused.
        doc.pointer_mut(web).unwrap()["scale"]["cpu_percent"] = serde_json::json!(70);
        let c = compile("example.yaml", doc.to_string().as_bytes(), false);
        assert!(
            c.diagnostics
                .iter()
                .any(|d| d.code == "TG016" && d.message.contains("2 scaling signals")),
            "{section}: {:#?}",
            codes(&c)
        );
    }
}

/// TG134: an alert rule an environment adds that reads as a default rule's name is named, at
/// the environment's key, whether it differs by `_` and `-` or by a typo; a rule of its own
/// with a name of its own is not; two default rules that read the same are named once for all
/// environments, at the later one.
#[test]
fn a_misspelt_alert_rule_is_named_where_it_was_added() {
    let warnings = |c: &Compilation| -> Vec<String> {
        c.diagnostics
            .iter()
            .filter(|d| d.code == "TG134")
            .map(|d| {
                let at = d.span.map(|s| s.start).unwrap_or_default();
                let line = c.source().unwrap_or_default()[..at].lines().count();
                format!("{line}: {}", d.message)
            })
            .collect()
    };
    for (added, meant) in [
        ("backup_failed", "backup-failed"),
        ("backup-faild", "backup-failed"),
    ] {
        let c = compile_example(
            added,
            &format!(
                "environments:\n  staging:\n    tier: staging\n    alerts:\n      rules:\n        {added}: {{ kind: backup_job_failed, for: 5m }}\n"
            ),
        );
        let text = c.source().unwrap_or_default().to_string();
        let line = text
            .lines()
            .position(|l| l.contains(&format!("\"{added}\"")))
            .unwrap()
            + 1;
        let found = warnings(&c);
        assert_eq!(found.len(), 1, "{added}: {found:#?}");
        assert!(
            found[0].starts_with(&format!("{line}: ")),
            "{added}: {found:#?}"
        );
        assert!(
            found[0].contains(&format!("`{added}`")) && found[0].contains(&format!("`{meant}`")),
            "{found:#?}"
        );
        assert!(found[0].contains("`staging`"), "{found:#?}");
    }
    // A rule of its own, and variants named after a default rule with more words (review of
    // stop 54: `backup-failed-critical` is not a misspelling of `backup-failed`).
    for own in ["db-cpu", "backup-failed-critical", "backup_failed_nightly"] {
        let c = compile_example(
            own,
            &format!(
                "environments:\n  staging:\n    tier: staging\n    alerts:\n      rules:\n        {own}: {{ kind: database_cpu, for: 5m }}\n"
            ),
        );
        assert_eq!(warnings(&c), Vec::<String>::new(), "{own}");
    }
    let twins = compile_example(
        "default twins",
        "defaults:\n  alerts:\n    rules:\n      backup_failed: { kind: backup_job_failed, for: 5m }\n",
    );
    let found = warnings(&twins);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("`backup-failed` and `backup_failed` of `production` and `staging` differ only by `_` and `-`"),
        "{found:#?}"
    );
}

/// Findings printed with one message at one place for different environments (another
/// `expected` or help in each) name their environments (sweep 58c, F8).
#[test]
fn one_message_in_several_environments_names_each() {
    let c = compile_example(
        "a reference to a service only one environment has",
        "defaults:\n  services:\n    web:\n      env:\n        API_URL: \"${services.apii.url}\"\nenvironments:\n  staging:\n    tier: staging\n    services:\n      api:\n        image: demo-api\n        port: 8080\n        privacy: private\n        scale: { min: 1 }\n        probes:\n          startup: { path: /healthz }\n          liveness: { path: /healthz }\n",
    );
    let messages: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG013")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{:#?}", codes(&c));
    assert!(
        messages.iter().any(|m| m.ends_with("(in `staging`)")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.ends_with("(in `production`)")),
        "{messages:#?}"
    );
}

/// An environment put before the deploy target, which then promotes from it, while
/// `ci.deploy_to` still names the target: TG048 asks for `ci.deploy_to` to move up the chain,
/// not for a `promote_from` that would close a cycle (sweep of stop 55, M1: the help said
/// `promote_from: staging` on `dev`, and TG023 then asked to undo it).
#[test]
fn an_environment_before_the_deploy_target_moves_the_deploy_target() {
    let c = compile_example(
        "dev before staging",
        "ci:\n  deploy_to: staging\nenvironments:\n  dev: { tier: development }\n  staging: { promote_from: dev }\n",
    );
    let f = finding(&c, "TG048", "dev before staging");
    assert!(
        f.message
            .contains("pushes deploy `staging` (`ci.deploy_to`), which promotes from `dev`"),
        "{f:#?}"
    );
    let help = f.help.as_deref().unwrap();
    assert!(
        help.starts_with("set `ci.deploy_to: dev`") && !help.contains("promote_from: staging"),
        "{help}"
    );
    // Two steps up: the help names the first environment of the chain.
    let c = compile_example(
        "dev, then qa, before staging",
        "ci:\n  deploy_to: staging\nenvironments:\n  dev: { tier: development }\n  qa: { tier: development, promote_from: dev }\n  staging: { promote_from: qa }\n",
    );
    let f = finding(&c, "TG048", "dev, then qa");
    // qa, between them, receives nothing either, and says so (review of stop 55, L5).
    assert!(
        f.notes
            .iter()
            .any(|n| n.starts_with("`qa` promotes from `dev`")),
        "{f:#?}"
    );
    assert!(
        f.message
            .contains("which promotes from `qa` and so from `dev`"),
        "{f:#?}"
    );
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .starts_with("set `ci.deploy_to: dev`"),
        "{f:#?}"
    );
    // The head extends the deploy target: no note asks it to promote from itself (review of
    // stop 55: "give `dev` its own `promote_from: dev`").
    let c = compile_example(
        "dev extends staging",
        "ci:\n  deploy_to: staging\nenvironments:\n  staging: { promote_from: dev }\n  dev: { extends: staging, tier: development }\n",
    );
    let f = finding(&c, "TG048", "dev extends staging");
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .starts_with("set `ci.deploy_to: dev`"),
        "{f:#?}"
    );
    assert!(
        !f.notes.iter().any(|n| n.contains("promote_from: dev")),
        "{f:#?}"
    );
    // An environment beside the chain keeps the usual help.
    let c = compile_example(
        "an environment beside the chain",
        "ci:\n  deploy_to: staging\nenvironments:\n  dev: { tier: development }\n",
    );
    let f = finding(&c, "TG048", "beside");
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .starts_with("give `dev` `promote_from: staging`"),
        "{f:#?}"
    );
}

/// `database.enabled: false` inherited by an environment's own `database:` section: TG135 says
/// so at that section, and the findings about the missing database (TG011, TG106) name the
/// inherited `enabled: false` and its line instead of asking for a section that is there
/// (sweep of stop 55, M2). An environment that writes `enabled: false` itself is not reported.
#[test]
fn a_database_section_switched_off_by_inheritance_is_named() {
    let fragment = "defaults:\n  database: { enabled: false }\nenvironments:\n  staging:\n    database: { enabled: true }\n  production:\n    database: { ha: true }\n";
    let c = compile_example("inherited enabled: false", fragment);
    let text = examples::with_fragment(fragment).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("no {needle} in {text}"))
    };
    let f = finding(&c, "TG135", "inherited enabled: false");
    assert_eq!(f.level, Level::Warning);
    assert!(
        f.message.starts_with("`production` has a `database:` section of its own but no database: it inherits `enabled: false` from `defaults`"),
        "{f:#?}"
    );
    let tg011: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "TG011").collect();
    assert!(!tg011.is_empty(), "{:#?}", codes(&c));
    for d in &tg011 {
        assert!(d.message.contains("`production`"), "{d:#?}");
        assert!(
            d.notes.iter().any(|n| n.contains(
                "does not say `enabled`, so it inherits `enabled: false` from `defaults`"
            )),
            "{d:#?}"
        );
    }
    let attached = tg011
        .iter()
        .find(|d| d.message.starts_with("service `web` has `database: true`"))
        .expect("the attachment finding");
    assert_eq!(
        attached.help.as_deref(),
        Some(
            "add `enabled: true` under `environments.production.database`, or remove `database: true`"
        )
    );
    let tg106 = finding(&c, "TG106", "inherited enabled: false");
    assert!(
        tg106
            .message
            .ends_with("but `production` has no database (so no backup job)"),
        "{tg106:#?}"
    );
    assert!(
        tg106
            .help
            .as_deref()
            .unwrap()
            .starts_with("enable the database in this environment, with a weekly or monthly backup job, or disable the rule"),
        "{tg106:#?}"
    );
    // The note's line is the file's (the fragment merged into the example base, as JSON).
    let line = line_of("\"enabled\": false");
    assert!(
        attached.notes[0].contains(&format!("from `defaults` (line {line})")),
        "{attached:#?}"
    );

    // TG011 on the service `web`'s attachment.
    let web_attachment = |c: &Compilation| {
        c.diagnostics
            .iter()
            .find(|d| d.code == "TG011" && d.message.starts_with("service `web`"))
            .cloned()
            .expect("TG011")
    };
    // `enabled: false` written by the environment itself: deliberate, no TG135; TG011 asks to
    // remove it, at its line.
    let c = compile_example(
        "own enabled: false",
        "environments:\n  production:\n    database: { enabled: false, ha: true }\n",
    );
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "TG135"),
        "{:#?}",
        codes(&c)
    );
    let f = web_attachment(&c);
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .starts_with("remove `enabled: false` from `environments.production.database` (line "),
        "{f:#?}"
    );
    // An empty section of its own reads as "a database here" too (review of stop 55, L6).
    let c = compile_example(
        "database: {}",
        "defaults:\n  database: { enabled: false }\nenvironments:\n  staging:\n    database: { enabled: true }\n  production:\n    database: {}\n",
    );
    let f = finding(&c, "TG135", "database: {}");
    assert!(
        f.message
            .starts_with("`production` has a `database:` section of its own"),
        "{f:#?}"
    );
    // No section of its own, the database disabled in `defaults`: add one.
    let c = compile_example(
        "defaults disabled",
        "defaults:\n  database: { enabled: false }\nenvironments:\n  staging:\n    database: { enabled: true }\n",
    );
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "TG135"),
        "{:#?}",
        codes(&c)
    );
    let f = web_attachment(&c);
    assert!(
        f.help.as_deref().unwrap().starts_with("add `database: { enabled: true }` under `environments.production` (`enabled: false` comes from `defaults`, line "),
        "{f:#?}"
    );
}

/// A `ci.deploy_to` naming no environment is offered only the environments that can be the
/// deploy target: not production, promoting from none (sweep of stop 55, L5: production was
/// offered, and TG029 refused it on the next run).
#[test]
fn a_misspelt_deploy_target_is_offered_only_possible_targets() {
    let c = compile_example("productio", "ci:\n  deploy_to: productio\n");
    let f = finding(&c, "TG029", "productio");
    assert_eq!(f.help.as_deref(), Some("use one of: `staging`"), "{f:#?}");
    assert_eq!(f.expected.as_deref(), Some("one of: `staging`"), "{f:#?}");
    let c = compile_example("stagin", "ci:\n  deploy_to: stagin\n");
    let f = finding(&c, "TG029", "stagin");
    assert_eq!(f.help.as_deref(), Some("did you mean `staging`?"), "{f:#?}");
    // Production only: no environment can be the target, and the help says what to add.
    let c = compile_example(
        "production only",
        "ci:\n  deploy_to: qa\nenvironments:\n  staging: null\n  production: { promote_from: null }\n",
    );
    let f = finding(&c, "TG029", "production only");
    let help = f.help.as_deref().unwrap();
    assert!(
        help.starts_with("no environment can be the deploy target")
            && help.contains("rule: deploy-target, level: off"),
        "{f:#?}"
    );
    // A typo of production's name is named, with why it cannot be the target (review of
    // stop 55, L5).
    let c = compile_example(
        "production only, misspelt",
        "ci:\n  deploy_to: productio\nenvironments:\n  staging: null\n  production: { promote_from: null }\n",
    );
    let f = finding(&c, "TG029", "production only, misspelt");
    assert!(
        f.help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `production`? But no environment can be the deploy target"),
        "{f:#?}"
    );
}

/// A secret value pasted into `env` under a name already declared (a database URL): TG012 asks
/// to list it, not to declare it again, which would be a duplicate key (sweep of stop 55, L3).
/// The value is never echoed.
#[test]
fn a_pasted_secret_with_a_declared_name_is_listed_not_declared_again() {
    let c = compile_example(
        "declared",
        "defaults:\n  services:\n    web:\n      env:\n        DATABASE_URL: \"postgres://shop:Xk29vLq7ZpT4@db.example.com:5432/shop\"\n",
    );
    let f = finding(&c, "TG012", "declared");
    assert_eq!(
        f.help.as_deref(),
        Some(
            "`DATABASE_URL` is declared under `secrets:` already: list `DATABASE_URL` in the service's `secrets:` and remove it from `env`; rotate the value if it was ever committed"
        )
    );
    // Declared in another environment only, or not at all: declare it where the value is (review
    // of stop 55). The value is never shown.
    for (case, config, name) in [
        (
            "declared elsewhere",
            "environments:\n  staging:\n    services:\n      web:\n        env:\n          SHOP_URL: \"postgres://shop:Xk29vLq7ZpT4@db.example.com:5432/shop\"\n  production:\n    secrets:\n      SHOP_URL: { source: operator }\n",
            "SHOP_URL",
        ),
        (
            "not declared",
            "defaults:\n  services:\n    web:\n      env:\n        SHOP_DB: \"postgres://shop:Xk29vLq7ZpT4@db.example.com:5432/shop\"\n",
            "SHOP_DB",
        ),
    ] {
        let c = compile_example(case, config);
        let f = finding(&c, "TG012", case);
        let declare = format!("declare `{name}: {{ source: operator }}` under `secrets:`");
        assert!(f.help.as_deref().unwrap().starts_with(&declare), "{f:#?}");
        for d in &c.diagnostics {
            assert!(!format!("{d:?}").contains("Xk29vLq7ZpT4"), "{case}: {d:#?}");
        }
    }
}

/// A value under a secret's name that only starts like a reference or a template is a value:
/// TG012 let `DB_PASSWORD: $ecret correct horse battery staple` pass, and `generate` wrote it
/// into the roots (review of stop 61, F7). Whole references and templates stay placeholders.
#[test]
fn a_value_that_only_starts_like_a_placeholder_is_a_secret() {
    for value in [
        "$ecret correct horse battery staple",
        "\"<hunter2> correct horse\"",
        "\"{hunter2 correct horse}\"",
        "\"%correct horse\"",
        "https://example.com correct-horse",
    ] {
        let c = compile_example(
            "TG012",
            &format!(
                "defaults:\n  services:\n    web:\n      env:\n        DB_PASSWORD: {value}\n"
            ),
        );
        assert!(
            c.diagnostics.iter().any(|d| d.code == "TG012"),
            "{value}: {:#?}",
            codes(&c)
        );
    }
    for value in [
        "$DB_PASSWORD",
        "\"${secrets.x}\"",
        "\"$(cat /run/secrets/db)\"",
        "\"%(password)s\"",
        "\"%DB_PASSWORD%\"",
        "\"{{ .Values.password }}\"",
        "\"<your password>\"",
        "changeme",
        "\"********\"",
        "https://vault.example.com/db",
        // Review of a314acf, N4.
        "$HOME/tokens",
        "\"$${DB_PASSWORD}\"",
        "\"%s:%s\"",
        "\"https://a.example.com https://b.example.com\"",
        "\"$(cat $(ls /run/secrets/db))\"",
        "\"{{ .Values.password | quote }}\"",
    ] {
        let c = compile_example(
            "TG012",
            &format!(
                "defaults:\n  services:\n    web:\n      env:\n        DB_PASSWORD: {value}\n"
            ),
        );
        assert!(
            !c.diagnostics.iter().any(|d| d.code == "TG012"),
            "{value}: {:#?}",
            codes(&c)
        );
    }
}

/// Findings are merged as each round of environments is checked ([`rules::check_all`]): the
/// diagnostics are the same, in the same order, whether every environment is one round or each
/// environment a round of its own (review of stop 61: all of them held at once were 1.3
/// million findings for 20 000 services in 32 environments).
#[test]
fn findings_merged_round_by_round_are_those_merged_at_once() {
    let mut text = String::from(
        "project: demo\nversions: {opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2}\ndefaults:\n  services:\n",
    );
    for i in 0..6 {
        text.push_str(&format!("    s{i}: {{image: demo-s{i}}}\n"));
    }
    text.push_str(
        "environments:\n  staging: {}\n  qa: {services: {s1: {image: other, port: 80}}}\n  e3: {}\n  production: {}\n",
    );
    let c = compile("r.yaml", text.as_bytes(), false);
    let (tree, resolved) = (c.tree.as_ref().unwrap(), c.resolved.as_ref().unwrap());
    let rounds = |per_round| {
        let found = check_pruned_in_rounds(c.file, c.source(), None, tree, resolved, per_round);
        found.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>()
    };
    let at_once = rounds(usize::MAX);
    assert_eq!(rounds(1), at_once);
    // Some name several environments, one names `qa` alone.
    assert!(
        at_once.iter().any(|d| d.contains("`e3` and `production`")),
        "{at_once:#?}"
    );
    assert!(at_once.len() > 12, "{at_once:#?}");
}

/// The values the schema refused, found by walking the tree as written beside the tree the
/// rules check: by their path in their section, with the sections that wrote them; and
/// `refused_at` follows `extends` (s81, P1-3).
#[test]
fn refused_values_are_found_by_section_and_through_extends() {
    let text = "\
project: shop
versions: { opentofu: 1.12.6, scaleway_provider: 2.81.0, random_provider: 3.7.2 }
defaults:
  services:
    api: { image: api, port: \"8000\", probes: { startup: { path: health } } }
    ui: { image: ui }
environments:
  staging:
    services:
      ui: { port: x }
  dev:
    extends: staging
  qa: {}
  uat:
    services:
      api: { port: null }
  production:
    services:
      ui: { port: 8501 }
";
    let file = crate::source::SourceMap::single("shop.yaml").1;
    let (_, original) = crate::load::load(file, text.as_bytes()).expect("YAML");
    let (checked, _) = crate::schema_check::prune(&original).expect("prunable");
    let refused = refused_values(&original, &checked);
    let mut found: Vec<_> = refused
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "services.api.port",
                &[(None, true), (Some("uat"), false)][..]
            ),
            ("services.api.probes.startup.path", &[(None, true)][..]),
            ("services.ui.port", &[(Some("staging"), true)][..]),
        ]
    );
    let c = compile("shop.yaml", text.as_bytes(), false);
    let missing_port: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG009")
        .map(|d| d.message.as_str())
        .collect();
    // The api's port is refused in `defaults` (every environment) but removed with `null` in
    // uat (review of 8f3e5b5, C1), the ui's refused in `staging` (and `dev`, which extends
    // it); production's ui has its port, and qa's and uat's ui never had one.
    assert_eq!(
        missing_port,
        [
            "service `ui` has no HTTP `port` in `qa` and `uat`",
            "service `api` has no HTTP `port` in `uat`",
        ],
        "{:#?}",
        codes(&c)
    );
    assert!(
        !codes(&c).iter().any(|c| c.starts_with("TG008")),
        "{:#?}",
        codes(&c)
    );
}
