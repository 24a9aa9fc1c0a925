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
