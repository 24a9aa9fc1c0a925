//! Proof without a cloud account: every module call checked against the called module's
//! interface.
//!
//! For each `module "x" { source = "../../modules/NAME" ... }` the module's `variable` and
//! `output` blocks are read (from every `*.tf` in its directory). Findings: a `source` that does
//! not exist, an unknown argument, a missing required variable (no `default`), a literal value of
//! the wrong type (`string`, `number`, `bool`, collections, `object({...})` with `optional(...)`),
//! and a `module.x.y` reference to an output the module does not declare. Expressions other than
//! literals are not evaluated, so they are never reported.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::ast::{Block, Body, Expr, Expression, FuncCall, ObjectKey, TraversalOperator};

use super::provider::HclFile;
use crate::diagnostics::{Diagnostic, did_you_mean};

/// Diagnostic code of every module-interface finding.
pub const CODE: &str = "module-interface";

/// Arguments of a `module` block that are not input variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
];

/// An OpenTofu type constraint, as written in a `variable` block or in a provider schema.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Type {
    /// `any`, or a constraint this checker does not understand: everything is accepted.
    Any,
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `tuple([T, ...])`.
    Tuple(Vec<Type>),
    /// `object({ name = T, other = optional(T) })`: attribute → (type, optional).
    Object(BTreeMap<String, (Type, bool)>),
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (name, (t, optional))) in attrs.iter().enumerate() {
                    f.write_str(if i > 0 { ", " } else { " " })?;
                    if *optional {
                        write!(f, "{name} = optional({t})")?;
                    } else {
                        write!(f, "{name} = {t}")?;
                    }
                }
                f.write_str(if attrs.is_empty() { "})" } else { " })" })
            }
        }
    }
}

impl Type {
    /// Parses a type constraint expression (`list(object({ a = optional(string) }))`).
    /// Unknown or malformed constraints become [`Type::Any`], so they never cause findings.
    pub fn from_expr(expr: &Expression) -> Type {
        match &expr.unparenthesized().kind {
            Expr::Variable(v) => match v.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                _ => Type::Any,
            },
            Expr::FuncCall(call) => Type::from_call(call),
            _ => Type::Any,
        }
    }

    fn from_call(call: &FuncCall) -> Type {
        let args: Vec<&Expression> = call.args.iter().collect();
        let one = || {
            args.first()
                .map(|a| Type::from_expr(a))
                .unwrap_or(Type::Any)
        };
        match call.name.as_str() {
            "list" => Type::List(Box::new(one())),
            "set" => Type::Set(Box::new(one())),
            "map" => Type::Map(Box::new(one())),
            "tuple" => match args.first().map(|a| &a.kind) {
                Some(Expr::Array(items)) => {
                    Type::Tuple(items.iter().map(Type::from_expr).collect())
                }
                _ => Type::Any,
            },
            "object" => match args.first().map(|a| &a.kind) {
                Some(Expr::Object(obj)) => {
                    let mut attrs = BTreeMap::new();
                    for (key, value) in obj.iter() {
                        let Some(name) = object_key_name(key) else {
                            return Type::Any;
                        };
                        let (ty, optional) = match &value.kind {
                            Expr::FuncCall(c) if c.name.as_str() == "optional" => (
                                c.args.first().map(Type::from_expr).unwrap_or(Type::Any),
                                true,
                            ),
                            _ => (Type::from_expr(value), false),
                        };
                        attrs.insert(name, (ty, optional));
                    }
                    Type::Object(attrs)
                }
                _ => Type::Any,
            },
            _ => Type::Any,
        }
    }

    /// Converts a provider-schema type (`"string"`, `["list","string"]`, `["object",{...}]`).
    pub fn from_cty_json(value: &serde_json::Value) -> Type {
        use serde_json::Value;
        match value {
            Value::String(s) => match s.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                _ => Type::Any,
            },
            Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
                (Some("list"), Some(t)) => Type::List(Box::new(Type::from_cty_json(t))),
                (Some("set"), Some(t)) => Type::Set(Box::new(Type::from_cty_json(t))),
                (Some("map"), Some(t)) => Type::Map(Box::new(Type::from_cty_json(t))),
                (Some("tuple"), Some(Value::Array(ts))) => {
                    Type::Tuple(ts.iter().map(Type::from_cty_json).collect())
                }
                (Some("object"), Some(Value::Object(attrs))) => {
                    let optional: BTreeSet<&str> = parts
                        .get(2)
                        .and_then(Value::as_array)
                        .map(|o| o.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    Type::Object(
                        attrs
                            .iter()
                            .map(|(k, t)| {
                                (
                                    k.clone(),
                                    (Type::from_cty_json(t), optional.contains(k.as_str())),
                                )
                            })
                            .collect(),
                    )
                }
                _ => Type::Any,
            },
            _ => Type::Any,
        }
    }
}

/// A literal value that does not fit a type: where, what is wrong, what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Byte range of the offending (sub-)expression.
    pub range: Range<usize>,
    /// What is wrong, e.g. "`scaling.metric`: a number where a string is expected" .
    pub message: String,
    /// The expected type or attribute set.
    pub expected: String,
    /// A likely fix.
    pub help: Option<String>,
}

/// The name of a literal key (`name` or `"name"`) of an object constructor.
pub(crate) fn object_key_name(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        ObjectKey::Expression(e) => e.as_str().map(str::to_string),
    }
}

fn kind_of(expr: &Expression) -> Option<&'static str> {
    Some(match expr.kind {
        Expr::String(_) => "a string",
        Expr::Number(_) => "a number",
        Expr::Bool(_) => "a bool",
        Expr::Array(_) => "a list",
        Expr::Object(_) => "an object",
        _ => return None,
    })
}

fn range_of(expr: &Expression) -> Range<usize> {
    expr.span().unwrap_or(0..0)
}

/// Checks a literal `expr` against `ty`. Non-literal parts (references, function calls,
/// templates, conditionals) are accepted unchecked. `what` names the value in messages.
/// Conversions OpenTofu performs implicitly (number or bool → string, `"5"` → number,
/// `"true"` → bool) are accepted.
pub fn check_literal(expr: &Expression, ty: &Type, what: &str) -> Result<(), Mismatch> {
    check_at(expr, ty, &What::Name(what))
}

/// Where a value sits, written out only for a mismatch: `x`, `x[1]`, `x.y`.
enum What<'a> {
    Name(&'a str),
    Item(&'a What<'a>, usize),
    Attr(&'a What<'a>, &'a str),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Name(name) => f.write_str(name),
            What::Item(parent, i) => write!(f, "{parent}[{i}]"),
            What::Attr(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}

/// [`check_literal`] of the value at `what`.
fn check_at(expr: &Expression, ty: &Type, what: &What<'_>) -> Result<(), Mismatch> {
    if let Expr::Parenthesis(inner) = &expr.kind {
        return check_at(inner, ty, what);
    }
    let Some(found) = kind_of(expr) else {
        return Ok(()); // null, references and other expressions: not checked
    };
    let mismatch = |help: Option<String>| Mismatch {
        range: range_of(expr),
        message: format!("`{what}` is {found}, but its type is `{ty}`"),
        expected: format!("a value of type `{ty}`"),
        help,
    };
    match (ty, &expr.kind) {
        (Type::Any, _) => Ok(()),
        (Type::String, Expr::String(_) | Expr::Number(_) | Expr::Bool(_)) => Ok(()),
        (Type::Number, Expr::Number(_)) => Ok(()),
        (Type::Number, Expr::String(s)) if s.trim().parse::<f64>().is_ok() => Ok(()),
        (Type::Bool, Expr::Bool(_)) => Ok(()),
        (Type::Bool, Expr::String(s)) if matches!(&**s, "true" | "false") => Ok(()),
        (Type::Number, Expr::String(s)) => Err(mismatch(Some(format!(
            "write a number without quotes, not \"{s}\""
        )))),
        (Type::Bool, Expr::String(_)) => Err(mismatch(Some(
            "write `true` or `false` without quotes".into(),
        ))),
        (Type::List(t) | Type::Set(t), Expr::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_at(item, t, &What::Item(what, i))?;
            }
            Ok(())
        }
        (Type::Tuple(ts), Expr::Array(items)) => {
            if ts.len() != items.len() {
                return Err(Mismatch {
                    message: format!(
                        "`{what}` has {} element(s), but its type `{ty}` has {}",
                        items.len(),
                        ts.len()
                    ),
                    ..mismatch(None)
                });
            }
            for (i, (item, t)) in items.iter().zip(ts).enumerate() {
                check_at(item, t, &What::Item(what, i))?;
            }
            Ok(())
        }
        (Type::Map(t), Expr::Object(obj)) => {
            for (key, value) in obj.iter() {
                let name = object_key_name(key).unwrap_or_else(|| "?".into());
                check_at(value, t, &What::Attr(what, &name))?;
            }
            Ok(())
        }
        (Type::Object(attrs), Expr::Object(obj)) => {
            let mut seen = BTreeSet::new();
            let mut dynamic_keys = false;
            for (key, value) in obj.iter() {
                let Some(name) = object_key_name(key) else {
                    dynamic_keys = true;
                    continue;
                };
                let Some((t, _)) = attrs.get(&name) else {
                    let help = did_you_mean(&name, attrs.keys().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("remove `{name}`"));
                    return Err(Mismatch {
                        range: key.span().unwrap_or_else(|| range_of(expr)),
                        message: format!("`{what}` has no attribute `{name}`"),
                        expected: format!("attributes of `{ty}`"),
                        help: Some(help),
                    });
                };
                check_at(value, t, &What::Attr(what, &name))?;
                seen.insert(name);
            }
            if !dynamic_keys
                && let Some((missing, (t, _))) = attrs
                    .iter()
                    .find(|(name, (_, optional))| !optional && !seen.contains(name.as_str()))
            {
                return Err(Mismatch {
                    message: format!("`{what}` lacks the required attribute `{missing}`"),
                    expected: format!("a value of type `{ty}`"),
                    help: Some(format!("add `{missing} = <{t}>`")),
                    range: range_of(expr),
                });
            }
            Ok(())
        }
        _ => Err(mismatch(None)),
    }
}

/// One input variable of a module.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Variable {
    /// The declared type (`any` when absent).
    pub ty: Type,
    /// Whether a `default` is declared (then the argument is optional).
    pub has_default: bool,
}

/// The interface of a module directory: its variables and outputs.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interface {
    /// Input variables by name.
    pub variables: BTreeMap<String, Variable>,
    /// Output names.
    pub outputs: BTreeSet<String>,
}

impl Interface {
    /// Reads the `variable` and `output` blocks of one parsed file into the interface.
    pub fn add_body(&mut self, body: &Body) {
        for block in body.blocks() {
            let Some(name) = block.labels.first().map(|l| l.as_str().to_string()) else {
                continue;
            };
            match block.ident.as_str() {
                "variable" => {
                    let ty = block
                        .body
                        .get_attribute("type")
                        .map(|a| Type::from_expr(&a.value))
                        .unwrap_or(Type::Any);
                    let has_default = block.body.has_attribute("default");
                    self.variables.insert(name, Variable { ty, has_default });
                }
                "output" => {
                    self.outputs.insert(name);
                }
                _ => {}
            }
        }
    }
}

/// Lexically normalises `dir/source` (a relative path from the repository root); `None` when
/// it climbs above the root.
pub fn resolve_source(dir: &Path, source: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in dir.join(source).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// A module call of a root, as the references need it.
struct Call<'a> {
    /// The `source` as written.
    source: String,
    /// The module's interface, when the source is local and the directory has `*.tf` files.
    interface: Option<&'a Interface>,
}

/// The module calls and `module.x.y` references of one root directory, checked one file at a
/// time (each file's syntax tree can be dropped once it is added): the calls are checked as
/// they are found, the references once every file is in ([`RootCheck::finish`]).
pub struct RootCheck<'a> {
    dir: PathBuf,
    calls: BTreeMap<String, Call<'a>>,
    /// File, position and `module.NAME.OUTPUT` of every reference found.
    refs: Vec<(
        crate::source::FileId,
        Option<crate::diagnostics::Span>,
        String,
        Option<String>,
    )>,
}

impl<'a> RootCheck<'a> {
    /// A check of the root in `dir` (relative to the repository root).
    pub fn new(dir: &Path) -> RootCheck<'a> {
        RootCheck {
            dir: dir.to_path_buf(),
            calls: BTreeMap::new(),
            refs: Vec::new(),
        }
    }

    /// Checks the module calls of `file` against the interfaces `interface` finds (by module
    /// directory relative to the repository root) and records its references.
    pub fn add_file(
        &mut self,
        file: &HclFile<'_>,
        interface: &dyn Fn(&Path) -> Option<&'a Interface>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for block in file.body.blocks() {
            if block.ident.as_str() != "module" {
                continue;
            }
            let Some(name) = block.labels.first().map(|l| l.as_str().to_string()) else {
                continue;
            };
            let iface = check_call(&self.dir, file, block, &name, interface, diags);
            let source = block
                .body
                .get_attribute("source")
                .and_then(|a| a.value.as_str())
                .unwrap_or("?")
                .to_string();
            self.calls.insert(
                name,
                Call {
                    source,
                    interface: iface,
                },
            );
        }
        for (range, module, output) in module_refs(&file.body) {
            let span = Some(file.lines.span(range));
            self.refs.push((file.file, span, module, output));
        }
    }

    /// Checks every reference recorded against the calls of the whole root.
    pub fn finish(self, diags: &mut Vec<Diagnostic>) {
        let calls = self.calls;
        for (path, span, module, output) in self.refs {
            let Some(call) = calls.get(&module) else {
                let names: Vec<&str> = calls.keys().map(String::as_str).collect();
                let mut d = Diagnostic::error(
                    CODE,
                    format!("`module.{module}` is not a module call of this root"),
                )
                .at(path, span)
                .expected(format!("one of: {}", names.join(", ")));
                d = match did_you_mean(&module, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `module.{s}`?")),
                    None => d.help(format!(
                        "add `module \"{module}\" {{ source = ... }}` to this root, or fix the reference"
                    )),
                };
                diags.push(d);
                continue;
            };
            let (Some(iface), Some(output)) = (call.interface, output) else {
                continue;
            };
            if iface.outputs.contains(&output) {
                continue;
            }
            let source = &call.source;
            let mut d = Diagnostic::error(
                CODE,
                format!("module `{module}` ({source}) has no output `{output}`"),
            )
            .at(path, span)
            .expected(format!(
                "one of its outputs: {}",
                iface.outputs.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
            d = match did_you_mean(&output, iface.outputs.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `module.{module}.{s}`?")),
                None => d.help(format!(
                    "declare `output \"{output}\"` in the module, or use an existing output"
                )),
            };
            diags.push(d);
        }
    }
}

fn check_call<'a>(
    dir: &Path,
    file: &HclFile<'_>,
    block: &Block,
    name: &str,
    interface: &dyn Fn(&Path) -> Option<&'a Interface>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Interface> {
    let block_span = Some(file.lines.span(block.ident.span().unwrap_or(0..0)));
    let Some(source_attr) = block.body.get_attribute("source") else {
        diags.push(
            Diagnostic::error(CODE, format!("module `{name}` has no `source`"))
                .at(file.file, block_span)
                .expected("`source = \"../../modules/NAME\"`")
                .help("add the path of the module directory as `source`"),
        );
        return None;
    };
    let source_span = Some(file.lines.span(source_attr.value.span().unwrap_or(0..0)));
    let source = source_attr.value.as_str()?;
    if !is_local_source(source) {
        return None; // registry or remote module: its interface is not available offline
    }
    let resolved = resolve_source(dir, source);
    let iface = resolved.as_deref().and_then(interface);
    let Some(iface) = iface else {
        let shown = resolved
            .as_ref()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|| source.to_string());
        diags.push(
            Diagnostic::error(
                CODE,
                format!(
                    "module `{name}`: source `{source}` does not exist ({shown} has no *.tf file)"
                ),
            )
            .at(file.file, source_span)
            .expected("a module directory relative to this file")
            .help(format!("create `{shown}/variables.tf`, or fix the path")),
        );
        return None;
    };
    let mut given = BTreeSet::new();
    for attr in block.body.attributes() {
        let key = attr.key.as_str();
        if META_ARGUMENTS.contains(&key) {
            continue;
        }
        given.insert(key.to_string());
        let span = Some(file.lines.span(attr.key.span().unwrap_or(0..0)));
        let Some(var) = iface.variables.get(key) else {
            let mut d = Diagnostic::error(
                CODE,
                format!("module `{name}` ({source}) has no variable `{key}`"),
            )
            .at(file.file, span)
            .expected(format!(
                "one of its variables: {}",
                iface
                    .variables
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            d = match did_you_mean(key, iface.variables.keys().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "remove `{key}` or declare `variable \"{key}\"` in the module"
                )),
            };
            diags.push(d);
            continue;
        };
        if let Err(m) = check_literal(&attr.value, &var.ty, key) {
            let mut d = Diagnostic::error(CODE, format!("module `{name}`: {}", m.message))
                .at(file.file, Some(file.lines.span(m.range)))
                .expected(m.expected);
            if let Some(h) = m.help {
                d = d.help(h);
            }
            diags.push(d);
        }
    }
    for block_arg in block.body.blocks() {
        let ident = block_arg.ident.as_str();
        if iface.variables.contains_key(ident) {
            diags.push(
                Diagnostic::error(
                    CODE,
                    format!("module `{name}`: variable `{ident}` is written as a block"),
                )
                .at(
                    file.file,
                    Some(file.lines.span(block_arg.ident.span().unwrap_or(0..0))),
                )
                .expected(format!("`{ident} = <value>`"))
                .help(format!("write `{ident} = {{ ... }}`")),
            );
            given.insert(ident.to_string());
        } else if ident != "lifecycle" {
            diags.push(
                Diagnostic::error(CODE, format!("module `{name}`: unexpected block `{ident}`"))
                    .at(
                        file.file,
                        Some(file.lines.span(block_arg.ident.span().unwrap_or(0..0))),
                    )
                    .expected("only arguments (`name = value`) in a module call")
                    .help(format!("remove the `{ident}` block")),
            );
        }
    }
    let missing: Vec<(&String, &Variable)> = iface
        .variables
        .iter()
        .filter(|(n, v)| !v.has_default && !given.contains(n.as_str()))
        .collect();
    for (var, v) in missing {
        diags.push(
            Diagnostic::error(
                CODE,
                format!("module `{name}` ({source}) requires variable `{var}`, which is not set"),
            )
            .at(file.file, block_span)
            .expected(format!("`{var} = <{}>`", v.ty))
            .help(format!("add `{var} = ...` to module \"{name}\"")),
        );
    }
    Some(iface)
}

/// The `module.NAME[.OUTPUT]` traversals of `body`, with their byte ranges.
fn module_refs(body: &Body) -> Vec<(Range<usize>, String, Option<String>)> {
    let mut found = Vec::new();
    super::ast::each_traversal(body, &mut |node, span| {
        if let Expr::Variable(root) = &node.expr.kind
            && root.as_str() == "module"
            && let Some(TraversalOperator::GetAttr(m)) = node.operators.first()
        {
            // `module.x.y`, `module.x["key"].y`, `module.x[*].y`; `module.x` alone names no output.
            let output = node.operators[1..]
                .iter()
                .find(|o| {
                    !matches!(
                        o,
                        TraversalOperator::Index(_)
                            | TraversalOperator::LegacyIndex(_)
                            | TraversalOperator::FullSplat
                            | TraversalOperator::AttrSplat
                    )
                })
                .and_then(|o| match o {
                    TraversalOperator::GetAttr(o) => Some(o.as_str().to_string()),
                    _ => None,
                });
            found.push((span.clone(), m.as_str().to_string(), output));
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Type {
        let body = super::super::ast::from_hcl_edit(
            &hcl_edit::parser::parse_body(&format!("x = {src}\n")).unwrap(),
        );
        Type::from_expr(&body.get_attribute("x").unwrap().value)
    }

    fn check(ty_src: &str, value: &str) -> Result<(), String> {
        let body = super::super::ast::from_hcl_edit(
            &hcl_edit::parser::parse_body(&format!("x = {value}\n")).unwrap(),
        );
        check_literal(&body.get_attribute("x").unwrap().value, &ty(ty_src), "v")
            .map_err(|m| m.message)
    }

    #[test]
    fn parses_type_constraints() {
        assert_eq!(ty("string"), Type::String);
        assert_eq!(ty("list(string)"), Type::List(Box::new(Type::String)));
        assert_eq!(
            ty("object({ a = string, b = optional(number, 3) })").to_string(),
            "object({ a = string, b = optional(number) })"
        );
        assert_eq!(
            ty("map(object({ tag = string }))").to_string(),
            "map(object({ tag = string }))"
        );
        assert_eq!(
            ty("tuple([string, bool])").to_string(),
            "tuple([string, bool])"
        );
        assert_eq!(ty("whatever(1)"), Type::Any);
    }

    #[test]
    fn scalars_follow_tofu_conversions() {
        assert!(check("string", "1").is_ok());
        assert!(check("string", "true").is_ok());
        assert!(check("number", "\"5\"").is_ok());
        assert_eq!(
            check("number", "\"five\""),
            Err("`v` is a string, but its type is `number`".into())
        );
        assert!(check("bool", "\"true\"").is_ok());
        assert!(check("bool", "1").is_err());
        assert!(check("string", "[\"a\"]").is_err());
        assert!(check("number", "null").is_ok());
    }

    #[test]
    fn expressions_are_not_checked() {
        assert!(check("number", "var.x").is_ok());
        assert!(check("number", "\"${var.x}\"").is_ok());
        assert!(check("list(number)", "[var.a, 2]").is_ok());
        assert!(check("bool", "length(x) > 0").is_ok());
    }

    #[test]
    fn collections_check_their_elements() {
        assert!(check("list(string)", "[\"a\", \"b\"]").is_ok());
        assert_eq!(
            check("list(number)", "[1, \"x\"]"),
            Err("`v[1]` is a string, but its type is `number`".into())
        );
        assert!(check("map(string)", "{ A = \"1\" }").is_ok());
        assert!(check("map(number)", "{ A = [1] }").is_err());
        assert!(check("map(string)", "[\"a\"]").is_err());
        assert!(check("tuple([string, number])", "[\"a\", 1]").is_ok());
        assert!(check("tuple([string, number])", "[\"a\"]").is_err());
    }

    #[test]
    fn objects_check_attributes_and_optional() {
        let t =
            "object({ path = optional(string), interval = string, failure_threshold = number })";
        assert!(check(t, "{ interval = \"5s\", failure_threshold = 3 }").is_ok());
        assert_eq!(
            check(t, "{ interval = \"5s\" }"),
            Err("`v` lacks the required attribute `failure_threshold`".into())
        );
        assert_eq!(
            check(
                t,
                "{ interval = \"5s\", failure_threshold = 3, pth = \"/\" }"
            ),
            Err("`v` has no attribute `pth`".into())
        );
        assert_eq!(
            check(t, "{ interval = \"5s\", failure_threshold = \"x\" }"),
            Err("`v.failure_threshold` is a string, but its type is `number`".into())
        );
        assert!(check(t, "\"x\"").is_err());
    }

    #[test]
    fn cty_json_types() {
        let v: serde_json::Value = serde_json::json!(["map", ["list", "string"]]);
        assert_eq!(Type::from_cty_json(&v).to_string(), "map(list(string))");
        let v = serde_json::json!(["object", {"a": "bool"}, ["a"]]);
        assert_eq!(
            Type::from_cty_json(&v).to_string(),
            "object({ a = optional(bool) })"
        );
    }

    #[test]
    fn sources_resolve_relative_to_the_file() {
        assert_eq!(
            resolve_source(Path::new("generated/production"), "../../modules/service"),
            Some(PathBuf::from("modules/service"))
        );
        assert_eq!(resolve_source(Path::new("generated"), "../../x"), None);
    }
}
