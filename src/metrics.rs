//! Which Cockpit data source a custom alert expression reads: the metric names it selects,
//! found by a linear scan of the PromQL text (no parse: the policy stage parses and checks the
//! expression, TG105; this only names what it selects).
//!
//! Cockpit keeps Scaleway's product metrics (Serverless Containers and Jobs, Managed Databases)
//! in each project's built-in "Scaleway Metrics" data source, and what an application pushes in
//! a custom metrics data source; a rule is evaluated against one of them. So a custom rule on
//! `rdb_instance_…` or `serverless_…` metrics goes with the built-in kinds (which use those
//! metrics, `src/emit/alerts.rs`), one on other metrics to the custom data source, and one that
//! reads both could never match anything in either (TG122).

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
    /// A `__name__` matcher whose names cannot be told from its text (a regex that may match
    /// both kinds, or an escape tofugen does not read): refused rather than guessed.
    Unknown,
}

/// Whether `name` is a Scaleway product metric ([`SCALEWAY_METRIC_PREFIXES`]).
pub fn is_scaleway_metric(name: &str) -> bool {
    SCALEWAY_METRIC_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// What a selector of an expression names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// A metric name, as written or as a `__name__="…"` matcher's value.
    Name(String),
    /// A `__name__=~"…"` regex: the literal text every name it matches starts with.
    Prefix(String),
    /// A `__name__` matcher tofugen cannot read (an escape it does not decode, a regex with
    /// alternatives at its start).
    Unreadable,
}

/// Where the metrics `expr` selects live ([`selected`]).
pub fn source_of(expr: &str) -> MetricSource {
    let (mut scaleway, mut other, mut unknown) = (false, false, false);
    for s in selected(expr) {
        match s {
            Selected::Name(n) if is_scaleway_metric(&n) => scaleway = true,
            Selected::Name(_) => other = true,
            Selected::Prefix(p) if is_scaleway_metric(&p) => scaleway = true,
            // A prefix that no Scaleway name can start with (`app_`), else undecided (`rdb`,
            // `s`, ``).
            Selected::Prefix(p)
                if !SCALEWAY_METRIC_PREFIXES
                    .iter()
                    .any(|sp| sp.starts_with(p.as_str())) =>
            {
                other = true
            }
            Selected::Prefix(_) | Selected::Unreadable => unknown = true,
        }
    }
    match (unknown, scaleway, other) {
        (true, _, _) => MetricSource::Unknown,
        (_, true, true) => MetricSource::Mixed,
        (_, true, false) => MetricSource::Scaleway,
        _ => MetricSource::Application,
    }
}

/// The metric names `expr` selects by name ([`selected`]'s names), in order.
pub fn metric_names(expr: &str) -> Vec<String> {
    selected(expr)
        .into_iter()
        .filter_map(|s| match s {
            Selected::Name(n) => Some(n),
            _ => None,
        })
        .collect()
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

/// What `expr` selects, in order: every name outside strings, comments, label matchers (`{…}`)
/// and ranges (`[…]`) that is not a function or aggregation (a name followed, comments and
/// blanks aside, by `(` or by `by`/`without`), a keyword, or a label name in a `by (…)`-like
/// list; plus what each `__name__` matcher names. Linear in the length of `expr`.
pub fn selected(expr: &str) -> Vec<Selected> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' | b'`' => i = skip_string(bytes, i),
            b'#' => i = skip_comment(bytes, i),
            b'{' => i = matchers(expr, i, &mut out),
            b'[' => i = skip_group(bytes, i, b']'),
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
                let next = skip_trivia(bytes, i);
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
                    if bytes.get(next) == Some(&b'(') {
                        i = skip_group(bytes, next, b')');
                    }
                } else if !call && !KEYWORDS.contains(&lower.as_str()) {
                    out.push(Selected::Name(word.to_string()));
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// The index of the first byte from `i` that is neither a blank nor in a comment.
fn skip_trivia(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'#') {
            i = skip_comment(bytes, i);
        } else {
            return i;
        }
    }
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

/// The index after the `close` that ends the group opening at `i`, strings and comments
/// skipped (groups of these kinds do not nest in PromQL: label lists and ranges hold no
/// brackets).
fn skip_group(bytes: &[u8], i: usize, close: u8) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'"' | b'\'' | b'`' => j = skip_string(bytes, j),
            b'#' => j = skip_comment(bytes, j),
            b if b == close => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The value of the string literal at `i` (its quote) and the index after it: Go's escapes
/// `\\ \" \' \n \t \r \a \b \f \v` decoded, `None` for any other escape (`\x41`,
/// `\u…`: not read, so the name is unknown) or an unclosed string.
fn string_value(bytes: &[u8], i: usize) -> (Option<String>, usize) {
    let quote = bytes[i];
    let end = skip_string(bytes, i);
    if end > bytes.len() || end < i + 2 || bytes[end - 1] != quote {
        return (None, end);
    }
    let body = &bytes[i + 1..end - 1];
    if quote == b'`' {
        return (String::from_utf8(body.to_vec()).ok(), end);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut k = 0;
    while k < body.len() {
        if body[k] == b'\\' {
            let decoded = match body.get(k + 1) {
                Some(b'\\') => b'\\',
                Some(b'"') => b'"',
                Some(b'\'') => b'\'',
                Some(b'n') => b'\n',
                Some(b't') => b'\t',
                Some(b'r') => b'\r',
                Some(b'a') => 0x07,
                Some(b'b') => 0x08,
                Some(b'f') => 0x0c,
                Some(b'v') => 0x0b,
                _ => return (None, end),
            };
            out.push(decoded);
            k += 2;
        } else {
            out.push(body[k]);
            k += 1;
        }
    }
    (String::from_utf8(out).ok(), end)
}

/// The literal text every string a Prometheus regex (anchored at both ends) matches starts
/// with; `None` when its start is an alternative (`a|b`) or a group.
fn regex_prefix(re: &str) -> Option<String> {
    let chars: Vec<char> = re.chars().collect();
    let mut prefix = String::new();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if matches!(
            c,
            '.' | '[' | '(' | ')' | '*' | '+' | '?' | '{' | '}' | '^' | '$' | '\\'
        ) {
            break;
        }
        if c == '|' {
            // The whole regex is an alternative: its branches may start anywhere.
            return None;
        }
        prefix.push(c);
        k += 1;
    }
    // A quantifier after the last literal makes it optional.
    if matches!(chars.get(k), Some('*' | '?' | '{')) {
        prefix.pop();
    }
    // An alternative later in the regex (outside a class) may start differently.
    if chars[k..].contains(&'|') {
        return None;
    }
    Some(prefix)
}

/// Scans the label matchers opening at `i` (`{`), adding what a `__name__` matcher selects to
/// `out`; returns the index after the closing `}`. A matcher list it cannot follow is skipped
/// whole.
fn matchers(expr: &str, i: usize, out: &mut Vec<Selected>) -> usize {
    let bytes = expr.as_bytes();
    let mut j = skip_trivia(bytes, i + 1);
    loop {
        match bytes.get(j) {
            None => return bytes.len(),
            Some(b'}') => return j + 1,
            Some(b',') => {
                j = skip_trivia(bytes, j + 1);
                continue;
            }
            _ => {}
        }
        // The label name: a word, or a quoted name (Prometheus 3).
        let (label, after) = if bytes[j] == b'"' || bytes[j] == b'\'' || bytes[j] == b'`' {
            string_value(bytes, j)
        } else if is_name_start(bytes[j]) {
            let mut e = j;
            while e < bytes.len() && is_name_byte(bytes[e]) {
                e += 1;
            }
            (Some(expr[j..e].to_string()), e)
        } else {
            return skip_group(bytes, i, b'}');
        };
        let k = skip_trivia(bytes, after);
        let op_len = match (bytes.get(k), bytes.get(k + 1)) {
            (Some(b'='), Some(b'~')) | (Some(b'!'), Some(b'=')) | (Some(b'!'), Some(b'~')) => 2,
            (Some(b'='), _) => 1,
            // `{"metric"}`: a quoted name alone is a metric name (Prometheus 3).
            (Some(b',' | b'}'), _) => {
                match label {
                    Some(name) => out.push(Selected::Name(name)),
                    None => out.push(Selected::Unreadable),
                }
                j = k;
                continue;
            }
            _ => return skip_group(bytes, i, b'}'),
        };
        let op = &expr[k..k + op_len];
        let v = skip_trivia(bytes, k + op_len);
        if !matches!(bytes.get(v), Some(b'"' | b'\'' | b'`')) {
            return skip_group(bytes, i, b'}');
        }
        let (value, end) = string_value(bytes, v);
        if label.as_deref() == Some("__name__") {
            match (op, value) {
                ("=", Some(name)) => out.push(Selected::Name(name)),
                ("=~", Some(re)) => out.push(match regex_prefix(&re) {
                    Some(p) => Selected::Prefix(p),
                    None => Selected::Unreadable,
                }),
                ("=" | "=~", None) => out.push(Selected::Unreadable),
                // `!=`/`!~` select no name.
                _ => {}
            }
        }
        j = skip_trivia(bytes, end);
    }
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

    /// The shapes adversarial sweep 18 misrouted or refused: comments inside groups and
    /// before `(`, backtick and escaped `__name__` values, `__name__` inside another label's
    /// name or value, and `__name__` regexes (placed by their literal prefix, or refused).
    #[test]
    fn comments_strings_and_name_matchers_are_read_as_prometheus_does() {
        use MetricSource::*;
        for (expr, want) in [
            ("{__name__=~\"serverless_container_cpu.*\"} > 1", Scaleway),
            ("count({__name__=~\"rdb_instance_.*\"}) > 1", Scaleway),
            ("{__name__=~\"app_.*\"} > 1", Application),
            ("{__name__=~\".*\"} > 1", Unknown),
            ("{__name__=~\"rdb.*\"} > 1", Unknown),
            ("{__name__=~\"serverless_x|app_y\"} > 1", Unknown),
            ("{__name__=~\"s?erverless_x\"} > 1", Unknown),
            ("{__name__=`serverless_x`} > 1", Scaleway),
            ("{__name__=\"serverless_\\x41\"} > 1", Unknown),
            ("{__name__=\"serverless_\\\"x\"} > 1", Scaleway),
            (
                "sum by (a # don't\n) (serverless_x) > 0 unless on() rdb_instance_y # it's\n",
                Scaleway,
            ),
            (
                "{job=\"x\", a='__name__=\"serverless_x\"'} > 1",
                Application,
            ),
            ("sum # total\n  (serverless_x) > 1", Scaleway),
            ("rate # c\n(serverless_x[5m]) > 0", Scaleway),
            ("sum without # c\n (a) (serverless_x) > 0", Scaleway),
            (
                "serverless_x > on(a) group_left # c\n(resource_name) serverless_y",
                Scaleway,
            ),
            ("sum by (a # c ) app_y\n) (serverless_x) > 0", Scaleway),
            ("serverless_x{a=\"b\" # } app_y\n} > 1", Scaleway),
            ("app_x{x__name__=\"serverless_x\"} > 1", Application),
            ("app_x{a='__name__=\"serverless_x\"'} > 1", Application),
            (
                "app_x{ # it's\n job=\"a\"} > 1 unless on() serverless_y # '",
                Mixed,
            ),
            ("{\"serverless_x\"} > 1", Scaleway),
            ("{__name__!=\"serverless_x\", job=\"a\"} > 1", Application),
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
        /// Any text scans without a panic, and every name found is text of it.
        #[test]
        fn any_text_scans(expr in "[a-z_:{}()\\[\\]\"'`#=~!,. 0-9\\n\\\\é]{0,60}") {
            for name in metric_names(&expr) {
                // Decoded escapes aside, a name is text of the expression.
                proptest::prop_assert!(expr.contains(name.as_str()) || expr.contains('\\'));
            }
        }
    }
}
