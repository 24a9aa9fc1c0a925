//! A corpus of real-looking secrets: the policy must reject each one in a plain environment
//! variable (without echoing it), and no generated file may ever contain one.
//!
//! The values are built at test time from their published formats with a fixed seed, so the
//! repository itself holds no secret-looking literal for scanners to flag.

use tofugen::diagnostics::Level;
use tofugen::pipeline::compile;

/// A tiny deterministic generator (xorshift), enough to make varied fake keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| chars[(self.next() % chars.len() as u64) as usize])
            .collect()
    }
}

const UPPER_ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &str = "0123456789abcdef";

/// (description, environment variable name, value).
fn corpus() -> Vec<(&'static str, &'static str, String)> {
    let mut r = Rng(0x5eed_1234_abcd_ef01);
    let uuid = |r: &mut Rng| {
        format!(
            "{}-{}-4{}-a{}-{}",
            r.pick(HEX, 8),
            r.pick(HEX, 4),
            r.pick(HEX, 3),
            r.pick(HEX, 3),
            r.pick(HEX, 12)
        )
    };
    vec![
        (
            "Scaleway access key",
            "SCW_ACCESS_KEY",
            format!("SCW{}", r.pick(UPPER_ALNUM, 17)),
        ),
        (
            "Scaleway access key under a neutral name",
            "UPLOAD_ID",
            format!("SCW{}", r.pick(UPPER_ALNUM, 17)),
        ),
        ("Scaleway secret key", "SCW_SECRET_KEY", uuid(&mut r)),
        (
            "OpenAI key",
            "OPENAI_API_KEY",
            format!("sk-proj-{}", r.pick(ALNUM, 48)),
        ),
        (
            "OpenAI key under a neutral name",
            "LLM_CONFIG",
            format!("sk-{}", r.pick(ALNUM, 48)),
        ),
        (
            "Anthropic key",
            "CLAUDE",
            format!("sk-ant-api03-{}", r.pick(ALNUM, 80)),
        ),
        ("Mistral key", "MISTRAL_API_KEY", r.pick(ALNUM, 32)),
        ("high-entropy token", "SESSION_SIGNING", r.pick(ALNUM, 40)),
        (
            "password in a URL",
            "DATABASE",
            format!(
                "postgresql://evalap:{}@db.internal:5432/evalap",
                r.pick(ALNUM, 20)
            ),
        ),
        (
            "password= fragment",
            "CONNECTION_OPTIONS",
            format!("host=db user=evalap password={}", r.pick(ALNUM, 16)),
        ),
        (
            "JWT",
            "BEARER",
            format!(
                "eyJ{}.eyJ{}.{}",
                r.pick(ALNUM, 30),
                r.pick(ALNUM, 40),
                r.pick(ALNUM, 43)
            ),
        ),
        (
            "PEM private key",
            "TLS",
            "-----BEGIN PRIVATE KEY-----".to_string() + &r.pick(ALNUM, 64),
        ),
        ("GitHub token", "GH", format!("ghp_{}", r.pick(ALNUM, 36))),
        // Names that say they hold a secret with a short word or a final `KEY`.
        (
            "password under a `_PASS` name",
            "DB_PASS",
            r.pick(ALNUM, 10),
        ),
        (
            "password under a `_PWD` name",
            "MYSQL_PWD",
            r.pick(ALNUM, 10),
        ),
        ("key under a `_KEY` name", "STRIPE_KEY", r.pick(ALNUM, 10)),
        (
            "Scaleway secret key inside a value",
            "SCW_CONFIG",
            format!("key:{}", uuid(&mut r)),
        ),
        // Review of stop 61, F1: a signed URL, a DER key's base64 without its PEM header, and
        // `curl -u user:password`.
        (
            "Azure shared access signature",
            "BLOB_URL",
            format!(
                "https://acct.blob.core.windows.net/c?sv=2021-08-06&sig={}%3D",
                r.pick(ALNUM, 40)
            ),
        ),
        (
            "S3 presigned URL",
            "DOWNLOAD",
            format!(
                "https://b.s3.fr-par.scw.cloud/k?X-Amz-Credential=x&X-Amz-Signature={}",
                r.pick(HEX, 64)
            ),
        ),
        (
            "DER private key body",
            "TLS_BODY",
            format!("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{}", r.pick(ALNUM, 64)),
        ),
        (
            "credentials of curl -u",
            "HEALTHCHECK",
            format!("curl -u admin:{} https://x", r.pick(ALNUM, 14)),
        ),
        // Review of stop 61, s80 F1: a URL with a password, percent-encoded as a query
        // parameter carries it.
        (
            "percent-encoded URL with a password",
            "LOGIN_REDIRECT",
            format!(
                "https://sso.example.org/login?next=postgres%3A%2F%2Fapp%3A{}%40db%3A5432",
                r.pick(ALNUM, 14)
            ),
        ),
        (
            "percent-encoded URL with a password and a literal @",
            "LOGIN_REDIRECT",
            format!(
                "https://sso.example.org/login?next=postgres%3A%2F%2Fapp%3A{}@db",
                r.pick(ALNUM, 14)
            ),
        ),
    ]
}

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml")).unwrap()
}

/// The committed config with `NAME: "value"` added to the api service's plain env.
fn with_plain_env(name: &str, value: &str) -> (String, usize) {
    let text = committed();
    let anchor = "        DB_NAME: evalap\n";
    assert!(
        text.contains(anchor),
        "the committed config changed: update this test"
    );
    let line = text[..text.find(anchor).unwrap()].lines().count() + 2;
    (
        text.replacen(anchor, &format!("{anchor}        {name}: \"{value}\"\n"), 1),
        line,
    )
}

#[test]
fn every_corpus_secret_is_rejected_in_plain_env() {
    for (what, name, value) in corpus() {
        let (text, line) = with_plain_env(name, &value);
        let out = compile("environments.yaml", text.as_bytes(), true);
        let hits: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error && d.span.is_some_and(|s| s.line == line))
            .collect();
        assert!(
            !hits.is_empty(),
            "{what} ({name}) was accepted: {:#?}",
            out.diagnostics
        );
        for d in &out.diagnostics {
            let rendered = format!("{d:?}");
            assert!(
                !rendered.contains(&value),
                "{what}: a diagnostic echoes the secret: {rendered}"
            );
        }
        assert!(out.files.is_empty(), "{what}: files were generated");
    }
}

#[test]
fn ordinary_values_are_not_flagged() {
    for (name, value) in [
        ("LOG_LEVEL", "info"),
        ("PUBLIC_URL", "https://evalap.etalab.gouv.fr/docs"),
        ("DEFAULT_JUDGE_MODEL", "gpt-4o-mini"),
        ("TOKEN_LIMIT", "4096"),
        ("CACHE_KEY", "v1"),
        ("AUTH_ENDPOINT", "http://token-service:8080/v1"),
        ("PASSWORD_URL", "https://auth.example.org/reset"),
        ("REQUEST_ID_HEADER", "x-request-id"),
        ("RUN_AS", "docker run -u 1000:1000 app"),
        ("SEARCH_URL", "https://example.org/?q=sig=1"),
        ("MIIT", "MIIT campus"),
        (
            "LOGIN_REDIRECT",
            "https://sso.example.org/login?next=https%3A%2F%2Fapp.example.org%3A8443%2Fhome",
        ),
        // A port, `mailto:` or a time, then an e-mail, in an encoded URL's query (review of
        // 79230b4, D1: each was taken for a password).
        (
            "INVITE_REDIRECT",
            "https://sso.example.org/login?next=https%3A%2F%2Fapp.example.org%3A8443%2Finvite%3Femail%3Dbob%40example.org",
        ),
        (
            "SHARE_REDIRECT",
            "https://sso.example.org/login?next=https%3A%2F%2Fapp.example.org%2Fshare%3Fto%3Dmailto%3Abob%40example.org",
        ),
        (
            "EVENT_REDIRECT",
            "https://cal.example.org/r?u=https%3A%2F%2Fapp.example.org%2Fevents%3Fat%3D10%3A30%26by%3Dbob%40example.org",
        ),
    ] {
        let (text, _) = with_plain_env(name, value);
        let out = compile("environments.yaml", text.as_bytes(), true);
        assert!(!out.has_errors(), "{name}={value}: {:#?}", out.diagnostics);
    }
}

#[test]
fn no_generated_file_contains_a_corpus_value() {
    let out = compile("environments.yaml", committed().as_bytes(), true);
    assert!(!out.has_errors());
    assert!(!out.files.is_empty());
    for (what, _, value) in corpus() {
        for (path, contents) in &out.files {
            assert!(!contents.contains(&value), "{what} found in {path}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every shape, in every field that reaches an output
// ---------------------------------------------------------------------------------------------

use tofugen::policy::examples::with_fragment;

/// (shape, value): one value per shape the secret rule knows, generated from the published
/// formats. Every value fits on one line.
fn shapes() -> Vec<(&'static str, String)> {
    let mut r = Rng(0x0dd5_ec12_7a1e_5eed);
    let uuid = |r: &mut Rng| {
        format!(
            "{}-{}-4{}-8{}-{}",
            r.pick(HEX, 8),
            r.pick(HEX, 4),
            r.pick(HEX, 3),
            r.pick(HEX, 3),
            r.pick(HEX, 12)
        )
    };
    let b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = vec![
        (
            "Scaleway access key",
            format!("SCW{}", r.pick(UPPER_ALNUM, 17)),
        ),
        (
            "JWT",
            format!(
                "eyJ{}.eyJ{}.{}",
                r.pick(b64, 24),
                r.pick(b64, 40),
                r.pick(b64, 43)
            ),
        ),
        (
            "PEM private key header",
            "-----BEGIN EC PRIVATE KEY-----".to_string(),
        ),
        (
            "PEM block",
            "-----BEGIN OPENSSH PRIVATE KEY-----".to_string(),
        ),
        ("AWS access key", format!("AKIA{}", r.pick(UPPER_ALNUM, 16))),
        (
            "Slack bot token",
            format!("xoxb-{}-{}", r.pick("0123456789", 12), r.pick(ALNUM, 24)),
        ),
        (
            "Slack webhook",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                r.pick(UPPER_ALNUM, 8),
                r.pick(UPPER_ALNUM, 8),
                r.pick(ALNUM, 24)
            ),
        ),
        ("OpenAI key", format!("sk-proj-{}", r.pick(ALNUM, 40))),
        ("bearer token", format!("Bearer {}", r.pick(ALNUM, 32))),
        (
            "URL with a password",
            format!(
                "postgresql://app:{}@db.internal:5432/app",
                r.pick(ALNUM, 14)
            ),
        ),
        (
            "URL with an empty user",
            format!("redis://:{}@cache.internal:6379/0", r.pick(ALNUM, 14)),
        ),
        (
            "URL with a password of any characters",
            format!(
                "amqp://svc:{}%2F;!({}@mq.internal",
                r.pick(ALNUM, 6),
                r.pick(ALNUM, 6)
            ),
        ),
        (
            "prefixed password pair",
            format!("DB_PASSWORD={}", r.pick(ALNUM, 12)),
        ),
        (
            "flag password pair",
            format!("--db-password={}", r.pick(ALNUM, 12)),
        ),
        (
            "colon password pair",
            format!("pass: {}9", r.pick(ALNUM, 10)),
        ),
        ("pwd pair", format!("user=app pwd={}", r.pick(ALNUM, 10))),
        (
            "JSON password pair",
            format!("{{\"password\": \"{}\"}}", r.pick(ALNUM, 12)),
        ),
        (
            "secret after a flag, same string",
            format!("tool --token {}", r.pick(ALNUM, 16)),
        ),
        (
            "secret after -p, same string",
            format!("mysql -u root -p {}", r.pick(ALNUM, 12)),
        ),
        ("high-entropy token", r.pick(ALNUM, 40)),
        (
            "client secret pair",
            format!("client_secret={}", uuid(&mut r)),
        ),
        // Pair names that go on after their secret word.
        (
            "secret key pair",
            format!("SCW_SECRET_KEY={}", uuid(&mut r)),
        ),
        (
            "client secret value pair",
            format!("client_secret_value: {}9", r.pick(ALNUM, 12)),
        ),
        // A PEM block is shown neither by its header nor by its body.
        (
            "PEM block with its body",
            format!(
                "-----BEGIN PRIVATE KEY-----{}-----END PRIVATE KEY-----",
                r.pick(ALNUM, 64)
            ),
        ),
    ];
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        out.push(("GitHub token", format!("{prefix}{}", r.pick(ALNUM, 36))));
    }
    out.push((
        "GitHub fine-grained token",
        format!("github_pat_{}_{}", r.pick(ALNUM, 22), r.pick(ALNUM, 59)),
    ));
    out
}

/// A field that reaches an output, as a fragment of configuration holding `value` (a JSON
/// string, which is YAML too).
struct Field {
    name: &'static str,
    fragment: fn(&str) -> String,
}

fn fields() -> Vec<Field> {
    vec![
        Field {
            name: "env value",
            fragment: |v| {
                format!("defaults: {{ services: {{ web: {{ env: {{ EXTRA: {v} }} }} }} }}")
            },
        },
        Field {
            name: "command item",
            fragment: |v| {
                format!("defaults: {{ services: {{ web: {{ command: [\"/app/run\", {v}] }} }} }}")
            },
        },
        Field {
            name: "args item",
            fragment: |v| {
                format!("defaults: {{ services: {{ web: {{ args: [\"--verbose\", {v}] }} }} }}")
            },
        },
        Field {
            name: "service description",
            fragment: |v| format!("defaults: {{ services: {{ web: {{ description: {v} }} }} }}"),
        },
        Field {
            name: "build context",
            fragment: |v| {
                format!("defaults: {{ services: {{ web: {{ build: {{ context: {v} }} }} }} }}")
            },
        },
        Field {
            name: "dockerfile",
            fragment: |v| {
                format!("defaults: {{ services: {{ web: {{ build: {{ dockerfile: {v} }} }} }} }}")
            },
        },
        Field {
            name: "probe path",
            fragment: |v| {
                format!(
                    "defaults: {{ services: {{ web: {{ probes: {{ liveness: {{ path: {v} }} }} }} }} }}"
                )
            },
        },
        Field {
            name: "secret description",
            fragment: |v| {
                format!("defaults: {{ secrets: {{ DATABASE_URL: {{ description: {v} }} }} }}")
            },
        },
        Field {
            name: "database setting",
            fragment: |v| {
                format!("defaults: {{ database: {{ settings: {{ application_name: {v} }} }} }}")
            },
        },
        Field {
            name: "alert summary",
            fragment: |v| {
                format!(
                    "defaults: {{ alerts: {{ rules: {{ custom: {{ expr: \"up == 0\", summary: {v} }} }} }} }}"
                )
            },
        },
        Field {
            name: "alert description",
            fragment: |v| {
                format!(
                    "defaults: {{ alerts: {{ rules: {{ custom: {{ expr: \"up == 0\", description: {v} }} }} }} }}"
                )
            },
        },
        Field {
            name: "runbook URL",
            fragment: |v| format!("defaults: {{ alerts: {{ runbook_url: {v} }} }}"),
        },
        Field {
            name: "alert contact",
            fragment: |v| format!("defaults: {{ alerts: {{ contacts: [{v}] }} }}"),
        },
        Field {
            name: "staging environment override",
            fragment: |v| {
                format!(
                    "environments: {{ staging: {{ services: {{ web: {{ description: {v} }} }} }} }}"
                )
            },
        },
        Field {
            name: "policy reason",
            fragment: |v| {
                format!("policy: {{ overrides: [{{ rule: TG040, level: off, reason: {v} }}] }}")
            },
        },
    ]
}

/// Every text of every diagnostic, as shown to people.
fn shown(out: &tofugen::pipeline::Compilation) -> Vec<String> {
    out.diagnostics
        .iter()
        .map(|d| format!("{} {:?} {:?} {:?}", d.message, d.expected, d.help, d.notes))
        .collect()
}

/// The secret part of a corpus value: what must never be shown (the value itself, or the part
/// after the `=`, `:`, flag or user of a URL).
fn secret_parts(value: &str) -> Vec<String> {
    let mut parts = vec![value.to_string()];
    for sep in ["=", ": ", " -p ", " --token ", ":", "@"] {
        if let Some((_, rest)) = value.rsplit_once(sep) {
            parts.push(rest.trim_matches(['"', '}']).to_string());
        }
    }
    if let Some(body) = value
        .strip_prefix("-----BEGIN PRIVATE KEY-----")
        .and_then(|rest| rest.strip_suffix("-----END PRIVATE KEY-----"))
    {
        parts.push(body.to_string());
    }
    parts.retain(|p| p.len() >= 6 && !p.starts_with("//") && !p.contains(".internal"));
    parts
}

/// Every shape in every field is reported at its line, and no text of a diagnostic, nor the
/// source excerpt `validate` prints under it, shows the secret.
#[test]
fn every_shape_is_found_in_every_field_and_never_shown() {
    let mut failures = Vec::new();
    for field in fields() {
        for (shape, value) in shapes() {
            let json = serde_json::to_string(&value).unwrap();
            let text = with_fragment(&(field.fragment)(&json)).expect("fragment is YAML");
            let line = text
                .lines()
                .position(|l| l.contains(&json))
                .map(|i| i + 1)
                .unwrap_or_else(|| panic!("{}: value not found in {text}", field.name));
            let out = compile("environments.yaml", text.as_bytes(), true);
            let found = out.diagnostics.iter().any(|d| {
                d.code == "TG012"
                    && d.level == Level::Error
                    && d.span.is_some_and(|s| s.line == line)
            });
            if !found {
                failures.push(format!(
                    "{shape} in {}: not reported: {:#?}",
                    field.name,
                    shown(&out)
                ));
            }
            if !out.files.is_empty() {
                failures.push(format!("{shape} in {}: files were generated", field.name));
            }
            for text in shown(&out) {
                for part in secret_parts(&value) {
                    if text.contains(&part) {
                        failures.push(format!("{shape} in {}: shown in {text}", field.name));
                    }
                }
            }
            // What `validate` prints, source excerpts included (a CI log keeps it).
            let printed = tofugen::diagnostics::render(
                &out.diagnostics,
                &out.sources,
                tofugen::diagnostics::Format::Human,
                false,
            );
            // (Parts of 12 characters or more: the short ones are the port and path after a
            // URL's password, which the excerpt shows, the password masked.)
            for part in secret_parts(&value).into_iter().filter(|p| p.len() >= 12) {
                if printed.contains(&part) {
                    failures.push(format!(
                        "{shape} in {}: printed in the source excerpt:\n{printed}",
                        field.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The position of a finding is the secret itself, inside the value.
#[test]
fn findings_point_at_the_secret_inside_the_value() {
    let mut r = Rng(42);
    let token = format!("ghp_{}", r.pick(ALNUM, 36));
    let fragment = format!(
        "defaults: {{ services: {{ web: {{ description: \"calls the API with {token} daily\" }} }} }}"
    );
    let text = with_fragment(&fragment).unwrap();
    let out = compile("environments.yaml", text.as_bytes(), false);
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code == "TG012")
        .expect("found");
    let s = d.span.unwrap();
    assert_eq!(&text[s.start..s.end], token);
    assert!(d.message.contains("services.web.description") && d.message.contains("a GitHub token"));
}

/// A secret in a field another rule echoes (a contact, a version, a bucket) is not shown by
/// that rule either.
#[test]
fn other_rules_do_not_show_a_secret_they_echo() {
    let mut r = Rng(7);
    let key = format!("SCW{}", r.pick(UPPER_ALNUM, 17));
    for fragment in [
        format!("defaults: {{ alerts: {{ contacts: [\"{key}\"] }} }}"),
        format!("versions: {{ scaleway_cli: \"{key}\" }}"),
        format!("defaults: {{ state: {{ bucket: \"{key}\" }} }}"),
        format!("environments: {{ production: {{ promote_from: \"{key}\" }} }}"),
        format!("defaults: {{ region: \"{key}\" }}"),
        format!("defaults: {{ services: {{ web: {{ image: \"{key}\" }} }} }}"),
        format!("ci: {{ branch: \"{key}\" }}"),
    ] {
        let text = with_fragment(&fragment).unwrap();
        let out = compile("environments.yaml", text.as_bytes(), false);
        assert!(out.has_errors(), "{fragment}");
        for t in shown(&out) {
            assert!(!t.contains(&key), "{fragment}: shown in {t}");
        }
    }
}

/// Values that look a little like secrets but are not: references, plain URLs, URLs without a
/// password, health paths, identifiers, prose about secrets.
#[test]
fn lookalikes_are_not_flagged_in_any_field() {
    let env_only = [
        "${services.api.url}",
        "${project}-${environment}",
        "https://${services.api.url}/v1",
        "11111111-2222-3333-4444-555555555555-not-a-uuid",
    ];
    let anywhere = [
        "https://evalap.example.org/docs",
        "postgresql://db.internal:5432/app",
        "redis://cache.internal:6379/0",
        "https://example.org:8443/@team",
        "/health",
        "/_stcore/health",
        "Admin API token",
        "JSON map of user names to API keys",
        "PostgreSQL connection URL without the database name",
        "token: rotated monthly by the platform team",
        "mistral-large-2411-instruct",
        "gpt-4o-mini",
        "4096",
        "MAX_TOKENS=4096",
        "--password-file /run/secrets/db",
        "-p 8080",
        "Bearer tokens are checked by the gateway",
        "secret_name=db-password",
        "TOKEN_URL=https://auth.example.org/token",
        "token-service:8080/v1",
        "--password-file=/run/secrets/db",
        "https://github.com/acme/infra/blob/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b/docs/runbooks.md",
        // Runner labels and other lowercase identifiers of words joined by `-`/`_` (sweep 16:
        // `self-hosted-linux_x64` was refused as a secret).
        "self-hosted-linux_x64",
        "arc-runner-set-linux-x64-gpu",
        "ubuntu-latest-16-cores_amd64",
        "eval-worker-queue_high-priority",
        "fr-par-2_gpu-h100-sxm-2-80g",
    ];
    let mut failures = Vec::new();
    for field in fields() {
        let values: Vec<&str> = if field.name == "env value" {
            env_only.iter().chain(&anywhere).copied().collect()
        } else {
            anywhere.to_vec()
        };
        for value in values {
            let json = serde_json::to_string(value).unwrap();
            let text = with_fragment(&(field.fragment)(&json)).unwrap();
            let out = compile("environments.yaml", text.as_bytes(), false);
            if let Some(d) = out.diagnostics.iter().find(|d| d.code == "TG012") {
                failures.push(format!("`{value}` in {}: {}", field.name, d.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Turning TG012 off for one path, with a reason, silences exactly that finding, and says so
/// with a warning on every run.
#[test]
fn a_false_positive_is_silenced_by_path_with_a_reason() {
    let fragment = "policy: { overrides: [{ rule: plaintext-secret, level: off, path: services.web.env.PROJECT_ID, reason: the project ID is an identifier }] }\ndefaults: { services: { web: { env: { PROJECT_ID: 0f8e6c8e-1111-4c4c-9a9a-123456789abc, OTHER_ID: 0f8e6c8e-2222-4c4c-9a9a-123456789abc } } } }";
    let text = with_fragment(fragment).unwrap();
    let out = compile("environments.yaml", text.as_bytes(), false);
    let tg012: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "TG012")
        .collect();
    assert_eq!(tg012.len(), 1, "{:#?}", out.diagnostics);
    assert!(tg012[0].message.contains("OTHER_ID"));
    assert!(
        out.diagnostics.iter().any(|d| d.code == "policy"
            && d.level == Level::Warning
            && d.message.contains("TG012"))
    );
}

/// The secret after a `--password`-like flag is found when the flag ends `command` and the
/// value starts `args`: the container runs them as one command line.
#[test]
fn a_secret_flag_at_the_end_of_command_covers_the_first_argument() {
    let mut r = Rng(11);
    let value = r.pick(ALNUM, 10);
    let fragment = format!(
        "defaults: {{ services: {{ web: {{ command: [/app/run, --password], args: [\"{value}\", --verbose] }} }} }}"
    );
    let text = with_fragment(&fragment).unwrap();
    let out = compile("environments.yaml", text.as_bytes(), false);
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code == "TG012")
        .unwrap_or_else(|| panic!("not found: {:#?}", out.diagnostics));
    let s = d.span.unwrap();
    assert_eq!(&text[s.start..s.end], value);
    for t in shown(&out) {
        assert!(!t.contains(&value), "shown in {t}");
    }
}

/// A secret on a line that a diagnostic shows is never printed, in any format, whatever stage
/// found the problem and whether or not the file parsed: in a comment, on a line YAML cannot
/// parse, in a duplicate key, under an anchor, next to a NUL byte or a tab.
#[test]
fn no_diagnostic_of_any_stage_prints_a_secret_on_its_line() {
    use tofugen::diagnostics::{Format, render};
    type Carrier = fn(&str, &str) -> String;
    let carriers: [(&str, Carrier); 7] = [
        ("comment on a line with a type error", |_, raw| {
            format!("        EXTRA: [1]  # {raw}\n")
        }),
        ("comment on a line with a schema error", |_, raw| {
            format!("        \"bad name\": x  # {raw}\n")
        }),
        ("duplicate key", |json, _| {
            format!("        {json}: a\n        {json}: b\n")
        }),
        ("anchor", |json, _| format!("        EXTRA: &a {json}\n")),
        ("unterminated quote", |_, raw| {
            format!("        EXTRA: '{}\n", raw.replace('\'', ""))
        }),
        ("NUL byte", |json, _| format!("        EXTRA: {json}\0\n")),
        ("tab indentation", |json, _| format!("\tEXTRA: {json}\n")),
    ];
    let anchor = "        DB_NAME: evalap\n";
    let base = committed();
    let mut failures = Vec::new();
    for (carrier, make) in carriers {
        for (shape, value) in shapes() {
            let json = serde_json::to_string(&value).unwrap();
            let text = base.replacen(anchor, &format!("{anchor}{}", make(&json, &value)), 1);
            let out = compile("environments.yaml", text.as_bytes(), false);
            if !out.has_errors() {
                failures.push(format!("{shape} in a {carrier}: accepted"));
                continue;
            }
            for format in [Format::Human, Format::Json, Format::Github] {
                let printed = render(&out.diagnostics, &out.sources, format, false);
                for part in secret_parts(&value).into_iter().filter(|p| p.len() >= 12) {
                    if printed.contains(&part) {
                        failures.push(format!(
                            "{shape} in a {carrier}: printed ({format:?}):\n{printed}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A secret where only a name or a declaration may stand is never printed, in any format: a
/// Scaleway secret key (a UUID) pasted as an environment's name, a service's name or inside a
/// variable's name (sweep 58c, F1: each invalid name's error showed it), and a secret's value
/// pasted into its declaration instead of its source, even one with no shape of a secret
/// (sweep 58a, M2: `DB_PASSWORD: correcthorsebatterystaple` was shown). The declaration's
/// error says to declare the source instead.
#[test]
fn a_secret_pasted_where_a_name_or_a_declaration_stands_is_never_printed() {
    use tofugen::diagnostics::{Format, render};
    let mut r = Rng(0x58c0_f1f1_0000_0001);
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        r.pick(HEX, 8),
        r.pick(HEX, 4),
        r.pick(HEX, 3),
        r.pick(HEX, 3),
        r.pick(HEX, 12)
    );
    let words = format!(
        "{}horsebattery{}",
        r.pick("abcdefghij", 6),
        r.pick("klmnop", 5)
    );
    let base = committed();
    let edit = |anchor: &str, with: String| {
        assert!(
            base.contains(anchor),
            "the committed config changed: update this test"
        );
        base.replacen(anchor, &with, 1)
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an environment's name",
            format!("{base}\n  {uuid}:\n    tier: development\n"),
            &uuid,
        ),
        (
            "a service's name",
            edit("\n    ui:\n", format!("\n    {uuid}:\n")),
            &uuid,
        ),
        (
            "inside a variable's name",
            edit(
                "        DB_NAME: evalap\n",
                format!("        DB_NAME: evalap\n        X{uuid}: y\n"),
            ),
            &uuid,
        ),
        (
            "a declaration's value",
            edit(
                "\n  secrets:\n",
                format!("\n  secrets:\n    EXTRA_PASSWORD: {words}\n"),
            ),
            &words,
        ),
        (
            "a declaration's numeric value",
            edit(
                "\n  secrets:\n",
                "\n  secrets:\n    EXTRA_PIN: 73915046\n".into(),
            ),
            "73915046",
        ),
        // Inside the declaration (review of this fix): as its source, or under a key it lacks.
        (
            "inside a declaration, as its source",
            edit(
                "\n  secrets:\n",
                format!("\n  secrets:\n    EXTRA_KEY: {{ source: {words} }}\n"),
            ),
            &words,
        ),
        (
            "inside a declaration, under a key it lacks",
            edit(
                "\n  secrets:\n",
                format!("\n  secrets:\n    EXTRA_KEY: {{ source: operator, value: {words} }}\n"),
            ),
            &words,
        ),
    ];
    let mut failures = Vec::new();
    for (place, text, secret) in &cases {
        let out = compile("environments.yaml", text.as_bytes(), false);
        if !out.has_errors() {
            failures.push(format!("{place}: accepted"));
            continue;
        }
        for format in [Format::Human, Format::Json, Format::Github] {
            let printed = render(&out.diagnostics, &out.sources, format, false);
            // The secret, and the same characters in another case or with other separators
            // (a suggested rename).
            let canonical = |s: &str| -> String {
                s.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .collect()
            };
            if canonical(&printed).contains(&canonical(secret)) {
                failures.push(format!("{place}: printed ({format:?}):\n{printed}"));
            }
        }
        if place.starts_with("a declaration's") {
            let help = out
                .diagnostics
                .iter()
                .filter_map(|d| d.help.as_deref())
                .collect::<Vec<_>>()
                .join("\n");
            if !help
                .contains("a secret is declared by its source, never by its value: write `EXTRA_")
                || !help.contains(": { source: operator }`")
            {
                failures.push(format!("{place}: no advice to declare the source:\n{help}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
