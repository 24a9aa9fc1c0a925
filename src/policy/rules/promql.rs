//! The PromQL dialect TG105 accepts: what every Prometheus that checks or runs tofugen's rules
//! understands, not only what the parser (`promql-parser`, which follows Prometheus 3 and its
//! experimental functions) reads.
//!
//! The rules meet three engines: the `promtool` the generated PR workflow installs from the
//! runner's Ubuntu packages (a Prometheus 2: 2.45 on `ubuntu-24.04`, the default runner, by
//! Ubuntu's package index; not checked here), the one `.ci/run` uses (Debian bookworm's 2.42,
//! which the tests run), and Cockpit's (Grafana Mimir, which follows Prometheus 3 and keeps
//! experimental functions behind a flag; its version is not published). So the dialect is
//! Prometheus 2.45's functions and aggregations that Prometheus 3 still has without a feature
//! flag (and that 2.42 has too, as `tests/alerts.rs` shows):
//! - functions: the keys of `promql/parser/functions.go` at prometheus/prometheus v2.45.0,
//!   less `holt_winters` (renamed `double_exponential_smoothing` in Prometheus 3, and experimental
//!   there); every one of them is in that file at d15adb9ad7 (2026-08-21) without
//!   `Experimental: true`. Left out, besides: what Prometheus 3 added (`first_over_time`,
//!   `histogram_avg`, `histogram_stddev`, `histogram_stdvar`) and its experimental functions
//!   (`info`, `mad_over_time`, `sort_by_label`, `ts_of_max_over_time`, ...), which promtool 2.45
//!   calls unknown;
//! - aggregations: the keys of `promql/parser/lex.go` at v2.45.0 (Prometheus 3 adds `limitk`
//!   and `limit_ratio`, experimental: `IsExperimentalAggregator`);
//! - label and metric names unquoted (Prometheus 3's UTF-8 names, `{"job"="x"}` or `{"up"}`,
//!   are a syntax error for promtool 2.45);
//! - a result that is an instant vector or a scalar: an alerting rule's expression of another
//!   type (a string, a range vector) loads, but fails at every evaluation ("rule result is not
//!   a vector or scalar", promtool's unit tests say it too) and never fires.
//!
//! `tests/alerts.rs` runs the real promtool over one call of every function here, and over every
//! refused form.

use promql_parser::parser::{Expr, value::ValueType};

/// The functions of the dialect (see the module documentation), sorted.
pub const FUNCTIONS: &[&str] = &[
    "abs",
    "absent",
    "absent_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_sum",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "pi",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "time",
    "timestamp",
    "vector",
    "year",
];

/// The aggregation operators of the dialect, sorted.
pub const AGGREGATIONS: &[&str] = &[
    "avg",
    "bottomk",
    "count",
    "count_values",
    "group",
    "max",
    "min",
    "quantile",
    "stddev",
    "stdvar",
    "sum",
    "topk",
];

/// A parsed expression outside the dialect: where (a byte offset in the expression), what,
/// and how to fix it.
#[derive(Debug, PartialEq)]
pub struct Outside {
    /// Byte offset of the first byte of the offending part.
    pub offset: usize,
    /// What is outside the dialect.
    pub message: String,
    /// The likely fix.
    pub help: String,
}

/// The first part of `expr` (which parsed into `ast`) outside the dialect, if any.
pub fn outside(expr: &str, ast: &Expr) -> Option<Outside> {
    if let Some(offset) = quoted_name(expr) {
        return Some(Outside {
            offset,
            message: "a quoted label or metric name is Prometheus 3 syntax (UTF-8 names), which \
                      promtool 2.x rejects"
                .to_string(),
            help: "write the name unquoted (`{job=\"api\"}`, `up{...}`)".to_string(),
        });
    }
    // Every node, without recursion (the depth is bounded by TG105's limits, the walk needs not be).
    let mut stack = vec![ast];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Call(call) => {
                let name = call.func.name;
                if FUNCTIONS.binary_search(&name).is_err() {
                    return Some(Outside {
                        offset: word(expr, name).unwrap_or(0),
                        message: format!(
                            "`{name}` is not a function of every Prometheus that checks or runs \
                             the rules (Prometheus 2.45's, less those Prometheus 3 removed or \
                             keeps behind a feature flag)"
                        ),
                        help: "use a function available in both Prometheus 2.45 and 3, or a \
                               recording rule in Cockpit"
                            .to_string(),
                    });
                }
                // `label_replace`'s regex is compiled by Prometheus at each evaluation, with
                // Go's `regexp` (`^(?:` + regex + `)$`): one Go refuses fails every evaluation.
                if name == "label_replace"
                    && let Some(Expr::StringLiteral(regex)) =
                        call.args.args.get(4).map(|a| a.as_ref())
                    && let Err(why) = super::promql_regex::check(&regex.val)
                {
                    return Some(Outside {
                        offset: word(expr, name).unwrap_or(0),
                        message: format!(
                            "the regex of `label_replace` is not one Prometheus accepts \
                             (Go's RE2 syntax): {why}; every evaluation of the rule would fail"
                        ),
                        help: "write the regex in Go's RE2 syntax \
                               (https://github.com/google/re2/wiki/Syntax)"
                            .to_string(),
                    });
                }
                stack.extend(call.args.args.iter().map(|a| a.as_ref()));
            }
            Expr::Aggregate(agg) => {
                let op = agg.op.to_string();
                if AGGREGATIONS.binary_search(&op.as_str()).is_err() {
                    return Some(Outside {
                        offset: word(expr, &op).unwrap_or(0),
                        message: format!(
                            "`{op}` is an experimental aggregation of Prometheus 3, which \
                             promtool 2.x does not know and Cockpit keeps behind a feature flag"
                        ),
                        help: "use `topk`/`bottomk`, or another aggregation of Prometheus 2.45"
                            .to_string(),
                    });
                }
                stack.push(&agg.expr);
                stack.extend(agg.param.as_deref());
            }
            Expr::Unary(u) => stack.push(&u.expr),
            Expr::Binary(b) => {
                stack.push(&b.lhs);
                stack.push(&b.rhs);
            }
            Expr::Paren(p) => stack.push(&p.expr),
            Expr::Subquery(s) => stack.push(&s.expr),
            Expr::NumberLiteral(_)
            | Expr::StringLiteral(_)
            | Expr::VectorSelector(_)
            | Expr::MatrixSelector(_)
            | Expr::Extension(_) => {}
        }
    }
    let kind = match ast.value_type() {
        ValueType::Vector | ValueType::Scalar => return None,
        ValueType::Matrix => "a range vector",
        ValueType::String => "a string",
    };
    Some(Outside {
        offset: 0,
        message: format!(
            "the expression gives {kind}: an alerting rule needs an instant vector or a scalar \
             (Prometheus fails every evaluation of this rule, and it never fires)"
        ),
        help: "compare an instant vector, e.g. `rate(x[5m]) > 1` rather than `x[5m]`".to_string(),
    })
}

/// Byte offset of the first quote where a label or metric name is expected: right after `{` or
/// a `,` inside braces, or inside the label list of `by`, `without`, `on`, `ignoring`,
/// `group_left` or `group_right`. Strings and comments are skipped.
fn quoted_name(expr: &str) -> Option<usize> {
    const LISTS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let b = expr.as_bytes();
    let mut i = 0;
    // Inside braces or a label list, and whether a name may start here.
    let mut names = false;
    let mut name_here = false;
    let mut word_start: Option<usize> = None;
    let mut last_word = "";
    while i < b.len() {
        let c = b[i];
        if is_ident(c) {
            word_start.get_or_insert(i);
            name_here = false;
            i += 1;
            continue;
        }
        if let Some(s) = word_start.take() {
            last_word = &expr[s..i];
        }
        if let Some(end) = skip_string_or_comment(b, i) {
            if c != b'#' {
                if names && name_here {
                    return Some(i);
                }
                name_here = false;
                last_word = "";
            }
            i = end;
            continue;
        }
        match c {
            b'{' => (names, name_here) = (true, true),
            b'(' if LISTS.contains(&last_word) => (names, name_here) = (true, true),
            b'}' | b')' => (names, name_here) = (false, false),
            b',' if names => name_here = true,
            c if c.is_ascii_whitespace() => {}
            _ => {
                name_here = false;
                last_word = "";
            }
        }
        i += 1;
    }
    None
}

/// Where the string or comment starting at `bytes[i]` ends (just past a string's closing
/// quote, at a comment's line break), or `None` when none starts there; an unterminated one
/// runs to the end. A `\` escapes the next byte in `"` and `'` strings, not in raw `` ` ``
/// ones. Every scanner of an expression that must not look inside them uses it
/// ([`outside`]'s, and TG105's bounds).
pub(crate) fn skip_string_or_comment(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        quote @ (b'"' | b'\'' | b'`') => {
            let mut j = i + 1;
            while j < bytes.len() {
                let d = bytes[j];
                j += 1;
                if d == b'\\' && quote != b'`' {
                    j += 1;
                } else if d == quote {
                    break;
                }
            }
            Some(j.min(bytes.len()))
        }
        b'#' => Some(
            bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| i + p),
        ),
        _ => None,
    }
}

/// A byte of a PromQL identifier.
fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Byte offset of the first `name` in `expr` standing as a whole word (not inside a longer
/// identifier); strings are not skipped (a position is only a pointer for the message).
fn word(expr: &str, name: &str) -> Option<usize> {
    let b = expr.as_bytes();
    expr.match_indices(name).map(|(i, _)| i).find(|&i| {
        (i == 0 || !is_ident(b[i - 1])) && b.get(i + name.len()).is_none_or(|&c| !is_ident(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expr: &str) -> Option<Outside> {
        let ast = promql_parser::parser::parse(expr).expect("parses");
        outside(expr, &ast)
    }

    #[test]
    fn the_lists_are_sorted_and_the_parser_knows_every_name() {
        assert!(FUNCTIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(AGGREGATIONS.windows(2).all(|w| w[0] < w[1]));
        for f in FUNCTIONS {
            // A call with no argument fails on its arguments, not on its name.
            let e = promql_parser::parser::parse(&format!("{f}()"))
                .err()
                .unwrap_or_default();
            assert!(!e.contains("unknown function"), "{f}: {e}");
        }
        for a in AGGREGATIONS {
            let expr = match *a {
                "topk" | "bottomk" | "quantile" => format!("{a}(1, up)"),
                "count_values" => format!("{a}(\"v\", up)"),
                _ => format!("{a}(up)"),
            };
            assert_eq!(check(&expr), None, "{expr}");
        }
    }

    #[test]
    fn refuses_what_promtool_2_or_cockpit_refuses_at_its_place() {
        let cases = [
            ("limitk(2, up) > 0", 0, "experimental aggregation"),
            ("sum(limit_ratio(0.5, up))", 4, "experimental aggregation"),
            ("sort_by_label(up, \"job\")", 0, "not a function"),
            ("up > mad_over_time(up[5m])", 5, "not a function"),
            ("info(up)", 0, "not a function"),
            ("1 + ts_of_max_over_time(up[5m])", 4, "not a function"),
            (
                "double_exponential_smoothing(up[5m], 0.5, 0.5)",
                0,
                "not a function",
            ),
            ("first_over_time(up[5m])", 0, "not a function"),
            ("up{\"job\"=\"x\"} > 0", 3, "quoted label"),
            ("{\"up\"}", 1, "quoted label"),
            ("up{job=\"a\", 'env'=\"b\"}", 12, "quoted label"),
            ("sum by (\"job\") (up)", 8, "quoted label"),
            ("\"str\"", 0, "a string"),
            ("up[5m]", 0, "a range vector"),
            ("rate(up[5m])[10m:1m]", 0, "a range vector"),
            (
                "1 + label_replace(up, \"a\", \"$1\", \"b\", \"(?x) a\")",
                4,
                "regex of `label_replace`",
            ),
        ];
        for (expr, offset, what) in cases {
            let found = check(expr).unwrap_or_else(|| panic!("{expr} is accepted"));
            assert_eq!(found.offset, offset, "{expr}: {found:?}");
            assert!(found.message.contains(what), "{expr}: {found:?}");
        }
    }

    #[test]
    fn accepts_the_dialect() {
        for expr in [
            "up == 0",
            "sum by (job) (rate(http_requests_total{status=~\"5..\", job='a,b'}[5m])) > 1",
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 0.5",
            "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\") # a {\"comment\"}",
            "time() - timestamp(up) > 60",
            "scalar(up) > bool 1",
            "max_over_time(rate(up[1m])[10m:1m]) > 0",
            "up * on (job) group_left (env) info_metric",
            "count_values(\"version\", build_info)",
            "absent(up{job=\"api\"})",
        ] {
            assert_eq!(check(expr), None, "{expr}");
        }
    }
}
