//! Which Cockpit data source a custom alert expression reads: the metric names it selects,
//! found by a linear scan of the PromQL text (no parse: the policy stage parses and checks the
//! expression, TG105; this only names what it selects).
//!
//! Cockpit keeps Scaleway's product metrics (Serverless Containers and Jobs, Managed Databases)
//! in each project's built-in "Scaleway Metrics" data source, and what an application pushes in
//! a custom metrics data source; a rule is evaluated against one of them. So a custom rule on
//! `rdb_instance_…` or `serverless_…` metrics goes with the built-in kinds (which use those
//! metrics, `src/emit/alerts.rs`), one on other metrics to the custom data source, and one that
//! reads both could never match anything in either (TG123).

/// Metric name prefixes of the Scaleway products tofugen's roots create, as the built-in alert
/// kinds use them: Serverless Containers and Jobs (`serverless_container_…`,
/// `serverless_job_run:…`) and Managed Databases (`rdb_instance_…`).
pub const SCALEWAY_METRIC_PREFIXES: &[&str] = &["serverless_", "rdb_instance_"];

/// Where the metrics a custom expression selects live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricSource {
    /// No Scaleway product metric: the custom metrics data source (also an expression that
    /// selects no metric at all, such as `vector(1)`).
    Application,
    /// Only Scaleway product metrics ([`SCALEWAY_METRIC_PREFIXES`]): the project's built-in
    /// "Scaleway Metrics" data source.
    Scaleway,
    /// Both: no single data source has every series it reads.
    Mixed,
}

/// Whether `name` is a Scaleway product metric ([`SCALEWAY_METRIC_PREFIXES`]).
pub fn is_scaleway_metric(name: &str) -> bool {
    SCALEWAY_METRIC_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Where the metrics `expr` selects live ([`metric_names`]).
pub fn source_of(expr: &str) -> MetricSource {
    let (mut scaleway, mut other) = (false, false);
    for name in metric_names(expr) {
        if is_scaleway_metric(name) {
            scaleway = true;
        } else {
            other = true;
        }
    }
    match (scaleway, other) {
        (true, true) => MetricSource::Mixed,
        (true, false) => MetricSource::Scaleway,
        _ => MetricSource::Application,
    }
}

/// Words that are PromQL syntax, not metric names (compared in lower case, as PromQL reads
/// them): binary operators, modifiers and the special numbers.
const KEYWORDS: &[&str] = &[
    "and",
    "atan2",
    "bool",
    "by",
    "group_left",
    "group_right",
    "ignoring",
    "inf",
    "nan",
    "offset",
    "on",
    "or",
    "unless",
    "without",
];

/// Keywords followed by a parenthesised list of label names, not expressions.
const LABEL_LISTS: &[&str] = &[
    "by",
    "group_left",
    "group_right",
    "ignoring",
    "on",
    "without",
];

/// The metric names `expr` selects, in order: every name outside strings, comments, label
/// matchers (`{…}`) and ranges (`[…]`) that is not a function or aggregation (a name followed
/// by `(`), a keyword, or a label name in a `by (…)`-like list; plus the value of a
/// `__name__="…"` matcher. Linear in the length of `expr`.
pub fn metric_names(expr: &str) -> Vec<&str> {
    let bytes = expr.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' | b'`' => i = skip_string(bytes, i),
            b'#' => i = skip_comment(bytes, i),
            b'{' => i = matchers(expr, i, &mut names),
            b'[' => i = skip_until(bytes, i, b']'),
            b'0'..=b'9' | b'.' => {
                // A number or a duration (`5m`, `1e3`, `0x1f`): never a name.
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
                {
                    i += 1;
                }
            }
            _ if is_name_start(b) => {
                let start = i;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
                let word = &expr[start..i];
                let lower = word.to_ascii_lowercase();
                let mut next = i;
                while next < bytes.len() && bytes[next].is_ascii_whitespace() {
                    next += 1;
                }
                // A call, or an aggregation with its modifier first (`sum by (a) (x)`).
                let call = bytes.get(next) == Some(&b'(') || {
                    let mut end = next;
                    while end < bytes.len() && is_name_byte(bytes[end]) {
                        end += 1;
                    }
                    let following = expr[next..end].to_ascii_lowercase();
                    following == "by" || following == "without"
                };
                if LABEL_LISTS.contains(&lower.as_str()) {
                    if call {
                        i = skip_until(bytes, next, b')');
                    }
                } else if !call && !KEYWORDS.contains(&lower.as_str()) {
                    names.push(word);
                }
            }
            _ => i += 1,
        }
    }
    names
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// The index after the string starting at `i` (its quote), escapes included (none in a
/// backtick string); the end of the text when it is not closed.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == b'\\' && quote != b'`' {
            j += 2;
            continue;
        }
        if bytes[j] == quote {
            return j + 1;
        }
        j += 1;
    }
    bytes.len()
}

/// The index after the comment starting at `i` (its `#`): the next line.
fn skip_comment(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p + 1)
}

/// The index after the `close` that ends the group opening at `i`, strings skipped (groups of
/// these kinds do not nest in PromQL: label lists and ranges hold no brackets).
fn skip_until(bytes: &[u8], i: usize, close: u8) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'"' | b'\'' | b'`' => j = skip_string(bytes, j),
            b if b == close => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Scans the label matchers opening at `i` (`{`), adding the value of a `__name__="…"` (or
/// `'…'`) matcher to `names`; returns the index after the closing `}`.
fn matchers<'a>(expr: &'a str, i: usize, names: &mut Vec<&'a str>) -> usize {
    let bytes = expr.as_bytes();
    let end = skip_until(bytes, i, b'}');
    // Without its `}` when closed; to the end of the text when not (both ASCII boundaries).
    let inner_end = if end > i + 1 && bytes[end - 1] == b'}' {
        end - 1
    } else {
        end
    };
    let inner = &expr[i + 1..inner_end];
    let mut rest = inner;
    while let Some(at) = rest.find("__name__") {
        let after = rest[at + "__name__".len()..].trim_start();
        if let Some(value) = after.strip_prefix('=')
            && !value.starts_with('=')
            && !value.starts_with('~')
        {
            let value = value.trim_start();
            if let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let body = &value[1..];
                if let Some(close) = body.find(q) {
                    let name = &body[..close];
                    if !name.contains('\\') && !name.is_empty() {
                        names.push(name);
                    }
                }
            }
        }
        rest = &rest[at + "__name__".len()..];
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_selected_metrics_only() {
        for (expr, want) in [
            ("up == 0", vec!["up"]),
            (
                "sum by (job, instance) (rate(http_requests_total{code=~\"5..\"}[5m])) / on(job) group_left(team) sum(rate(http_requests_total[5m])) > 0.05",
                vec!["http_requests_total", "http_requests_total"],
            ),
            (
                "max by (resource_name) (serverless_container_status{status=\"error\", resource_name=\"a-b\"}) == 1",
                vec!["serverless_container_status"],
            ),
            ("vector(1)", vec![]),
            (
                "absent(app_up offset 5m) AND ON() vector(1) unless bool x",
                vec!["app_up", "x"],
            ),
            (
                "{__name__=\"rdb_instance_x\", a=\"b\"} > 1",
                vec!["rdb_instance_x"],
            ),
            ("{__name__=~\"rdb.*\"} > 1", vec![]),
            ("a # comment serverless_x\n + b", vec!["a", "b"]),
            (
                "histogram_quantile(0.9, sum without (le) (rate(lat_bucket[1h:5m]))) > 1e3",
                vec!["lat_bucket"],
            ),
            (
                "label_replace(m, \"dst\", \"$1\", \"src\", \"(.*)\") > Inf",
                vec!["m"],
            ),
            ("sum(x) by (serverless_label) > NaN", vec!["x"]),
            ("job:requests:rate5m > 1", vec!["job:requests:rate5m"]),
        ] {
            assert_eq!(metric_names(expr), want, "{expr}");
        }
    }

    #[test]
    fn the_source_is_where_every_selected_metric_lives() {
        for (expr, want) in [
            (
                "rdb_instance_postgresql_pg_stat_database_numbackends{resource_name=\"x\"} > 50",
                MetricSource::Scaleway,
            ),
            (
                "serverless_container_status{status=\"error\"} == 1",
                MetricSource::Scaleway,
            ),
            ("app_queue_depth > 100", MetricSource::Application),
            ("vector(1)", MetricSource::Application),
            (
                "app_errors_total > on() serverless_container_instances_total",
                MetricSource::Mixed,
            ),
            (
                "sum by (rdb_instance_label) (app_x) > 1",
                MetricSource::Application,
            ),
        ] {
            assert_eq!(source_of(expr), want, "{expr}");
        }
    }

    #[test]
    fn unterminated_text_ends_the_scan() {
        for expr in ["a{b=\"", "a[5m", "\"x", "a{", "sum by (", "{__name__=\"x"] {
            let _ = metric_names(expr);
        }
        assert_eq!(metric_names("a{b=\"}\"} + c"), vec!["a", "c"]);
    }

    proptest::proptest! {
        /// Any text scans without a panic, and every name found is a substring of it.
        #[test]
        fn any_text_scans(expr in "[a-z_:{}()\\[\\]\"'`#=~!,. 0-9\\n\\\\é]{0,60}") {
            for name in metric_names(&expr) {
                proptest::prop_assert!(expr.contains(name));
            }
        }
    }
}
