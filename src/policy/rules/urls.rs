//! URLs written in `env` values: what a reviewer reads is where the application goes.

use crate::diagnostics::Level;
use crate::load::NodeKind;
use crate::policy::{Checker, ENV, Rule, Safety};
use crate::resolve::ResolvedEnvironment;

/// TG129: URL hosts are ASCII.
pub const TG129: Rule = Rule {
    code: "TG129",
    name: "url-host-ascii",
    level: Level::Warning,
    safety: Safety::Ordinary,
    title: "a URL in an `env` value has an ASCII host (an internationalized one in its `xn--` form)",
    rationale: "a host with a letter of another script reads like a familiar one in a pull request's diff (`api.openai.com` with the Cyrillic letter U+0435 for its first `e`), and the application sends its requests, and the keys they carry, there; the `xn--` form (IDNA) shows every such letter",
    bad: "defaults:\n  services:\n    web:\n      env:\n        API_BASE_URL: \"https://api.op\u{435}nai.com/v1\"\n",
    good: "defaults:\n  services:\n    web:\n      env:\n        API_BASE_URL: \"https://api.openai.com/v1\"\n",
};

/// The rules of this family.
pub const RULES: &[Rule] = &[TG129];

/// The hosts with a character outside ASCII of the URLs in `text` (what follows `://`, after
/// any `user@`, up to `/`, `:`, `?`, `#`, a space or the end), in order.
pub(crate) fn non_ascii_hosts(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let after = &rest[at + 3..];
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = host.split(':').next().unwrap_or(host);
        if !host.is_ascii() {
            out.push(host);
        }
        rest = &after[end..];
    }
    out
}

/// `host` with every character outside ASCII written as its code point: `op<U+0435>nai`.
fn shown(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("<U+{:04X}>", c as u32)
            }
        })
        .collect()
}

/// TG129 on every `env` value of `env`'s services, as written.
pub(crate) fn check(c: &mut Checker<'_>, env: &ResolvedEnvironment) {
    for s in &env.services {
        for (key, _) in &s.env {
            let Some(raw) = c.raw_at(env, &["services", &s.name, "env", key]) else {
                continue;
            };
            let NodeKind::Str(text) = &raw.kind else {
                continue;
            };
            let hosts: Vec<String> = non_ascii_hosts(text).into_iter().map(shown).collect();
            let Some(host) = hosts.first() else {
                continue;
            };
            let place = c.at(env, &format!("services.{}.env.{key}", s.name));
            c.push(
                &TG129,
                Some(env),
                place,
                format!(
                    "`env.{key}` of `{}` holds a URL whose host `{host}` has characters outside ASCII in {ENV}: it can read like another host",
                    s.name
                ),
                "an ASCII host (an internationalized one in its `xn--` form)",
                "write the host in its IDNA `xn--` form, which shows every letter outside ASCII; if it looks like a known host, check where the value came from",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::non_ascii_hosts;

    #[test]
    fn hosts_are_read_from_every_url() {
        assert_eq!(
            non_ascii_hosts("https://api.op\u{435}nai.com/v1"),
            vec!["api.op\u{435}nai.com"]
        );
        assert_eq!(
            non_ascii_hosts("x https://u:p@h\u{e9}.example:8443?q a http://ok.example/\u{e9}"),
            vec!["h\u{e9}.example"]
        );
        assert!(non_ascii_hosts("https://xn--h-9fa.example/caf\u{e9}").is_empty());
        assert!(non_ascii_hosts("caf\u{e9} no url").is_empty());
        assert_eq!(
            non_ascii_hosts("a://\u{24b6}\u{200d} b://ok c://\u{430}"),
            vec!["\u{24b6}\u{200d}", "\u{430}"]
        );
    }
}
