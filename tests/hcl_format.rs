//! The HCL printer against HashiCorp's formatter: a stress document (long names, nested
//! objects and lists, escapes, templates, non-ASCII keys) must come out of `tofu fmt` unchanged.

mod common;

use tofugen::emit::hcl::{Block, Body, Expr, Part, Traversal, render};

/// A document exercising every layout rule of the printer.
fn stress() -> String {
    let mut b = Body::new();
    b.comment("Stress fixture for the HCL printer.\n\nSecond paragraph.");
    b.attr("a", Expr::int(1))
        .attr(
            "a_much_longer_attribute_name_than_the_others",
            Expr::Bool(false),
        )
        .attr("neg", Expr::int(-42))
        .attr("frac", Expr::Float(0.25))
        .attr("nothing", Expr::Null)
        .attr(
            "escaped",
            Expr::str("quote \" backslash \\ ${not} %{nope} tab\t nl\n é"),
        )
        .attr(
            "tags",
            Expr::object([
                ("short", Expr::str("x")),
                ("a-dashed-key", Expr::str("y")),
                ("clé_unicode", Expr::int(3)),
                (
                    "nested",
                    Expr::object([
                        ("deep", Expr::strs(["a", "b"])),
                        ("d", Expr::object::<&str>([])),
                    ]),
                ),
                ("after_nested", Expr::Bool(true)),
            ]),
        )
        .attr("short_list", Expr::strs(["one", "two", "three"]))
        .attr(
            "long_list",
            Expr::strs((0..10).map(|i| format!("a-rather-long-list-item-{i}"))),
        )
        .attr(
            "list_of_objects",
            Expr::List(vec![
                Expr::object([("name", Expr::str("first")), ("value", Expr::int(1))]),
                Expr::object([
                    ("name", Expr::str("second")),
                    ("a_longer_key", Expr::List(vec![])),
                ]),
            ]),
        )
        .attr("empty_list", Expr::List(vec![]))
        .attr(
            "inline",
            Expr::InlineObject(vec![(
                "s3".into(),
                Expr::str("https://s3.fr-par.scw.cloud"),
            )]),
        )
        .attr(
            "image",
            Expr::Template(vec![
                Part::Interp(Expr::raw("module.registry.endpoint")),
                Part::Lit("/evalap-api:".into()),
                Part::Interp(
                    Traversal::root("var")
                        .attr("release")
                        .key("api")
                        .attr("tag")
                        .expr(),
                ),
            ]),
        )
        .attr(
            "lone",
            Expr::Template(vec![Part::Interp(Expr::raw("module.service_api.url"))]),
        )
        .attr(
            "call",
            Expr::raw("base64decode(data.scaleway_secret_version.x.data)"),
        )
        .attr(
            "type",
            Expr::raw("map(object({ tag = string, digest = string }))"),
        )
        .blank();
    let mut inner = Body::new();
    inner
        .attr("x", Expr::int(1))
        .attr("yyyyyyyyyy", Expr::str("v"))
        .block(Block::new("nested_block", ["label with space"]).with_body({
            let mut n = Body::new();
            n.attr("deep_attribute", Expr::int(7)).attr(
                "m",
                Expr::object([("k", Expr::List(vec![Expr::object([("z", Expr::int(1))])]))]),
            );
            n
        }))
        .block(Block::plain("empty"))
        .comment("a comment between")
        .attr("tail", Expr::str("t"));
    b.block(
        Block::new(
            "resource",
            ["scaleway_thing", "a_very_long_resource_name_indeed"],
        )
        .with_body(inner),
    );
    // Declarations of what the expressions above refer to (hcl2json checks references).
    b.blank().block(Block::new("variable", ["release"]));
    for (name, source) in [("registry", "./registry"), ("service_api", "./service")] {
        let mut m = Body::new();
        m.attr("source", Expr::str(source));
        b.block(Block::new("module", [name]).with_body(m));
    }
    b.block(Block::new("data", ["scaleway_secret_version", "x"]));
    render(&tofugen::emit::header("#", "stress.yaml"), &b)
}

#[test]
fn stress_document_is_tofu_fmt_canonical() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stress.tf"), stress()).unwrap();
    if let Ok(out) = std::env::var("TOFUGEN_DUMP_STRESS") {
        std::fs::write(out, stress()).unwrap();
    }
    common::check_hcl_format(dir.path());
}
