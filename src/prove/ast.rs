//! The syntax tree the proof reads: what [`crate::prove::provider`] and
//! [`crate::prove::modules`] look at in an HCL file (structures, expressions, the position of
//! each), borrowing its names and plain strings from the source text.
//!
//! Two parsers build it: [`crate::prove::parse`] (hand-written, for the HCL tofugen emits and
//! most of what people write) and, when that one declines a text, hcl-edit's parser, whose tree
//! [`from_hcl_edit`] converts. The tests hold the first to the second: on every text it accepts,
//! it builds exactly the tree the conversion of hcl-edit's builds, spans included.
//!
//! Positions are byte ranges of the parsed text, as hcl-edit reports them (`span()`).

use std::borrow::Cow;
use std::ops::Range;

pub use hcl_edit::Number;

/// A name (attribute key, block type, variable, function, traversal step) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident<'a> {
    /// The name.
    pub name: Cow<'a, str>,
    /// Where it is.
    pub span: Range<usize>,
}

impl Ident<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Where it is (always known: an `Option` as hcl-edit's `span()`).
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.clone())
    }
}

/// A body: attributes and blocks, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body<'a> {
    /// The attributes and blocks.
    pub structures: Vec<Structure<'a>>,
}

impl<'a> Body<'a> {
    /// The blocks, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block<'a>> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Block(b) => Some(b),
            Structure::Attribute(_) => None,
        })
    }

    /// The attributes, in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute<'a>> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Attribute(a) => Some(a),
            Structure::Block(_) => None,
        })
    }

    /// The blocks of type `ident`.
    pub fn get_blocks<'s>(&'s self, ident: &'s str) -> impl Iterator<Item = &'s Block<'a>> {
        self.blocks().filter(move |b| b.ident.as_str() == ident)
    }

    /// The first attribute named `key`.
    pub fn get_attribute(&self, key: &str) -> Option<&Attribute<'a>> {
        self.attributes().find(|a| a.key.as_str() == key)
    }

    /// Whether an attribute is named `key`.
    pub fn has_attribute(&self, key: &str) -> bool {
        self.get_attribute(key).is_some()
    }
}

/// An attribute or a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Structure<'a> {
    /// `key = value`.
    Attribute(Attribute<'a>),
    /// `type "label" { ... }`.
    Block(Block<'a>),
}

/// `key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<'a> {
    /// The key.
    pub key: Ident<'a>,
    /// The value.
    pub value: Expression<'a>,
}

/// `type "label" label { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block<'a> {
    /// The block type.
    pub ident: Ident<'a>,
    /// The labels, quoted or bare.
    pub labels: Vec<Label<'a>>,
    /// The body.
    pub body: Body<'a>,
}

/// A block label: its value (a quoted label unescaped) and where it is (quotes included).
#[derive(Debug, Clone, PartialEq)]
pub struct Label<'a> {
    /// The value.
    pub value: Cow<'a, str>,
    /// Whether it was quoted.
    pub quoted: bool,
    /// Where it is.
    pub span: Range<usize>,
}

impl Label<'_> {
    /// The value.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Where it is.
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.clone())
    }
}

/// An expression and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression<'a> {
    /// What it is.
    pub kind: Expr<'a>,
    /// Where it is.
    pub span: Range<usize>,
}

impl<'a> Expression<'a> {
    /// Where it is.
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.clone())
    }

    /// The string, when the expression is a quoted string without interpolation (as
    /// hcl-edit's `Expression::as_str`).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The expression inside any parentheses.
    pub fn unparenthesized(&self) -> &Expression<'a> {
        match &self.kind {
            Expr::Parenthesis(inner) => inner.unparenthesized(),
            _ => self,
        }
    }
}

/// The kinds of expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A quoted string without interpolation or directive, unescaped.
    String(Cow<'a, str>),
    /// `[a, b]`.
    Array(Vec<Expression<'a>>),
    /// `{ k = v }`, in order (a key given twice as hcl-edit keeps it).
    Object(Vec<(ObjectKey<'a>, Expression<'a>)>),
    /// A quoted string with interpolations or directives.
    StringTemplate(Template<'a>),
    /// `<<EOT` ... `EOT` (or `<<-EOT`).
    HeredocTemplate(Template<'a>),
    /// `(expr)`.
    Parenthesis(Box<Expression<'a>>),
    /// A bare name: `var`, `local`, `each`.
    Variable(Ident<'a>),
    /// `cond ? a : b`.
    Conditional(Box<[Expression<'a>; 3]>),
    /// `name(args)`, `provider::p::name(args)`.
    FuncCall(Box<FuncCall<'a>>),
    /// `expr.a[0].*`.
    Traversal(Box<Traversal<'a>>),
    /// `-x`, `!x`.
    UnaryOp(UnaryOperator, Box<Expression<'a>>),
    /// `a + b`, `a && b`, ...
    BinaryOp(Box<(Expression<'a>, BinaryOperator, Expression<'a>)>),
    /// `[for ...]` or `{for ...}`.
    ForExpr(Box<ForExpr<'a>>),
}

/// An object key: a bare name or an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey<'a> {
    /// `name = ...`.
    Ident(Ident<'a>),
    /// `"name" = ...`, `(expr) = ...`.
    Expression(Expression<'a>),
}

impl ObjectKey<'_> {
    /// Where it is.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            ObjectKey::Ident(i) => i.span(),
            ObjectKey::Expression(e) => e.span(),
        }
    }
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall<'a> {
    /// `provider::p` in `provider::p::name`.
    pub namespace: Vec<Ident<'a>>,
    /// The function's name.
    pub name: Ident<'a>,
    /// The arguments.
    pub args: Vec<Expression<'a>>,
    /// Whether the last argument ends with `...`.
    pub expand_final: bool,
}

/// A traversal: an expression and the steps taken from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Traversal<'a> {
    /// What is traversed.
    pub expr: Expression<'a>,
    /// The steps.
    pub operators: Vec<TraversalOperator<'a>>,
}

/// One traversal step.
#[derive(Debug, Clone, PartialEq)]
pub enum TraversalOperator<'a> {
    /// `.*`.
    AttrSplat,
    /// `[*]`.
    FullSplat,
    /// `.name`.
    GetAttr(Ident<'a>),
    /// `[expr]`.
    Index(Expression<'a>),
    /// `.0`.
    LegacyIndex(u64),
}

/// `-` and `!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOperator {
    /// `-`.
    Neg,
    /// `!`.
    Not,
}

/// The binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinaryOperator {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

/// A for expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr<'a> {
    /// `k` in `for k, v in ...`.
    pub key_var: Option<Ident<'a>>,
    /// `v` in `for k, v in ...`.
    pub value_var: Ident<'a>,
    /// What is iterated.
    pub collection: Expression<'a>,
    /// `k =>` of an object for expression.
    pub key_expr: Option<Expression<'a>>,
    /// The value of each element.
    pub value_expr: Expression<'a>,
    /// `...` after the value (grouping).
    pub grouping: bool,
    /// `if cond`.
    pub cond: Option<Expression<'a>>,
}

/// The parts of a template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template<'a> {
    /// The parts.
    pub elements: Vec<Element<'a>>,
}

/// A template part.
#[derive(Debug, Clone, PartialEq)]
pub enum Element<'a> {
    /// Literal text, unescaped.
    Literal(Cow<'a, str>),
    /// `${expr}`.
    Interpolation(Expression<'a>),
    /// `%{if cond}...%{else}...%{endif}`.
    If(Box<IfDirective<'a>>),
    /// `%{for k, v in coll}...%{endfor}`.
    For(Box<ForDirective<'a>>),
}

/// `%{if}` directive.
#[derive(Debug, Clone, PartialEq)]
pub struct IfDirective<'a> {
    /// The condition.
    pub cond: Expression<'a>,
    /// The template when true.
    pub then: Template<'a>,
    /// The template after `%{else}`.
    pub otherwise: Option<Template<'a>>,
}

/// `%{for}` directive.
#[derive(Debug, Clone, PartialEq)]
pub struct ForDirective<'a> {
    /// `k` in `for k, v in ...`.
    pub key_var: Option<Ident<'a>>,
    /// `v`.
    pub value_var: Ident<'a>,
    /// What is iterated.
    pub collection: Expression<'a>,
    /// The template repeated.
    pub template: Template<'a>,
}

/// Calls `f` on every traversal in `body` (attribute values, nested blocks) with where it is,
/// outermost first, then on the traversals inside it (in its base expression, then its index
/// expressions): the order of hcl-edit's visitor.
pub fn each_traversal<'a>(body: &Body<'a>, f: &mut impl FnMut(&Traversal<'a>, &Range<usize>)) {
    for s in &body.structures {
        match s {
            Structure::Attribute(a) => each_traversal_in(&a.value, f),
            Structure::Block(b) => each_traversal(&b.body, f),
        }
    }
}

/// [`each_traversal`] in one expression.
pub fn each_traversal_in<'a>(
    expr: &Expression<'a>,
    f: &mut impl FnMut(&Traversal<'a>, &Range<usize>),
) {
    match &expr.kind {
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) | Expr::Variable(_) => {}
        Expr::Array(items) => items.iter().for_each(|e| each_traversal_in(e, f)),
        Expr::Object(items) => {
            for (k, v) in items {
                if let ObjectKey::Expression(k) = k {
                    each_traversal_in(k, f);
                }
                each_traversal_in(v, f);
            }
        }
        Expr::StringTemplate(t) | Expr::HeredocTemplate(t) => each_traversal_in_template(t, f),
        Expr::Parenthesis(e) | Expr::UnaryOp(_, e) => each_traversal_in(e, f),
        Expr::Conditional(parts) => parts.iter().for_each(|e| each_traversal_in(e, f)),
        Expr::FuncCall(call) => call.args.iter().for_each(|e| each_traversal_in(e, f)),
        Expr::Traversal(t) => {
            f(t, &expr.span);
            each_traversal_in(&t.expr, f);
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    each_traversal_in(e, f);
                }
            }
        }
        Expr::BinaryOp(op) => {
            each_traversal_in(&op.0, f);
            each_traversal_in(&op.2, f);
        }
        Expr::ForExpr(fe) => {
            each_traversal_in(&fe.collection, f);
            if let Some(k) = &fe.key_expr {
                each_traversal_in(k, f);
            }
            each_traversal_in(&fe.value_expr, f);
            if let Some(c) = &fe.cond {
                each_traversal_in(c, f);
            }
        }
    }
}

/// [`each_traversal`] in a template.
fn each_traversal_in_template<'a>(
    t: &Template<'a>,
    f: &mut impl FnMut(&Traversal<'a>, &Range<usize>),
) {
    for e in &t.elements {
        match e {
            Element::Literal(_) => {}
            Element::Interpolation(x) => each_traversal_in(x, f),
            Element::If(d) => {
                each_traversal_in(&d.cond, f);
                each_traversal_in_template(&d.then, f);
                if let Some(o) = &d.otherwise {
                    each_traversal_in_template(o, f);
                }
            }
            Element::For(d) => {
                each_traversal_in(&d.collection, f);
                each_traversal_in_template(&d.template, f);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// From hcl-edit's tree

use hcl_edit::expr as he;
use hcl_edit::structure as hs;
use hcl_edit::template as ht;

/// hcl-edit's span of a node, `0..0` when it has none (a parsed tree has them all).
fn span_of(node: &impl hcl_edit::Span) -> Range<usize> {
    node.span().unwrap_or(0..0)
}

/// An owned name.
fn ident(i: &hcl_edit::Decorated<hcl_edit::Ident>) -> Ident<'static> {
    Ident {
        name: Cow::Owned(i.as_str().to_string()),
        span: span_of(i),
    }
}

/// Converts a body hcl-edit parsed (the tree is owned: it outlives its parser's text).
pub fn from_hcl_edit(body: &hs::Body) -> Body<'static> {
    Body {
        structures: body
            .iter()
            .map(|s| match s {
                hs::Structure::Attribute(a) => Structure::Attribute(Attribute {
                    key: ident(&a.key),
                    value: expression(&a.value),
                }),
                hs::Structure::Block(b) => Structure::Block(Block {
                    ident: ident(&b.ident),
                    labels: b
                        .labels
                        .iter()
                        .map(|l| Label {
                            value: Cow::Owned(l.as_str().to_string()),
                            quoted: l.is_string(),
                            span: match l {
                                hs::BlockLabel::Ident(i) => span_of(i),
                                hs::BlockLabel::String(s) => span_of(s),
                            },
                        })
                        .collect(),
                    body: from_hcl_edit(&b.body),
                }),
            })
            .collect(),
    }
}

/// Converts one expression.
fn expression(e: &he::Expression) -> Expression<'static> {
    let kind = match e {
        he::Expression::Null(_) => Expr::Null,
        he::Expression::Bool(b) => Expr::Bool(*b.value()),
        he::Expression::Number(n) => Expr::Number(*n.value()),
        he::Expression::String(s) => Expr::String(Cow::Owned(s.value().clone())),
        he::Expression::Array(a) => Expr::Array(a.iter().map(expression).collect()),
        he::Expression::Object(o) => Expr::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        he::ObjectKey::Ident(i) => ObjectKey::Ident(ident(i)),
                        he::ObjectKey::Expression(x) => ObjectKey::Expression(expression(x)),
                    };
                    (key, expression(v.expr()))
                })
                .collect(),
        ),
        he::Expression::StringTemplate(t) => Expr::StringTemplate(template(t.iter())),
        he::Expression::HeredocTemplate(h) => Expr::HeredocTemplate(template(h.template.iter())),
        he::Expression::Parenthesis(p) => Expr::Parenthesis(Box::new(expression(p.inner()))),
        he::Expression::Variable(v) => Expr::Variable(ident(v)),
        he::Expression::Conditional(c) => Expr::Conditional(Box::new([
            expression(&c.cond_expr),
            expression(&c.true_expr),
            expression(&c.false_expr),
        ])),
        he::Expression::FuncCall(c) => Expr::FuncCall(Box::new(FuncCall {
            namespace: c.name.namespace.iter().map(ident).collect(),
            name: ident(&c.name.name),
            args: c.args.iter().map(expression).collect(),
            expand_final: c.args.expand_final(),
        })),
        he::Expression::Traversal(t) => Expr::Traversal(Box::new(Traversal {
            expr: expression(&t.expr),
            operators: t
                .operators
                .iter()
                .map(|op| match op.value() {
                    he::TraversalOperator::AttrSplat(_) => TraversalOperator::AttrSplat,
                    he::TraversalOperator::FullSplat(_) => TraversalOperator::FullSplat,
                    he::TraversalOperator::GetAttr(i) => TraversalOperator::GetAttr(ident(i)),
                    he::TraversalOperator::Index(x) => TraversalOperator::Index(expression(x)),
                    he::TraversalOperator::LegacyIndex(i) => {
                        TraversalOperator::LegacyIndex(*i.value())
                    }
                })
                .collect(),
        })),
        he::Expression::UnaryOp(u) => Expr::UnaryOp(
            match u.operator.value() {
                he::UnaryOperator::Neg => UnaryOperator::Neg,
                he::UnaryOperator::Not => UnaryOperator::Not,
            },
            Box::new(expression(&u.expr)),
        ),
        he::Expression::BinaryOp(b) => {
            use he::BinaryOperator as B;
            let op = match b.operator.value() {
                B::Eq => BinaryOperator::Eq,
                B::NotEq => BinaryOperator::NotEq,
                B::LessEq => BinaryOperator::LessEq,
                B::GreaterEq => BinaryOperator::GreaterEq,
                B::Less => BinaryOperator::Less,
                B::Greater => BinaryOperator::Greater,
                B::Plus => BinaryOperator::Plus,
                B::Minus => BinaryOperator::Minus,
                B::Mul => BinaryOperator::Mul,
                B::Div => BinaryOperator::Div,
                B::Mod => BinaryOperator::Mod,
                B::And => BinaryOperator::And,
                B::Or => BinaryOperator::Or,
            };
            Expr::BinaryOp(Box::new((
                expression(&b.lhs_expr),
                op,
                expression(&b.rhs_expr),
            )))
        }
        he::Expression::ForExpr(f) => Expr::ForExpr(Box::new(ForExpr {
            key_var: f.intro.key_var.as_ref().map(ident),
            value_var: ident(&f.intro.value_var),
            collection: expression(&f.intro.collection_expr),
            key_expr: f.key_expr.as_ref().map(expression),
            value_expr: expression(&f.value_expr),
            grouping: f.grouping,
            cond: f.cond.as_ref().map(|c| expression(&c.expr)),
        })),
    };
    Expression {
        kind,
        span: span_of(e),
    }
}

/// Converts a template's elements.
fn template<'t>(elements: impl Iterator<Item = &'t ht::Element>) -> Template<'static> {
    Template {
        elements: elements
            .map(|e| match e {
                ht::Element::Literal(s) => Element::Literal(Cow::Owned(s.value().clone())),
                ht::Element::Interpolation(i) => Element::Interpolation(expression(&i.expr)),
                ht::Element::Directive(d) => match &**d {
                    ht::Directive::If(d) => Element::If(Box::new(IfDirective {
                        cond: expression(&d.if_expr.cond_expr),
                        then: template(d.if_expr.template.iter()),
                        otherwise: d.else_expr.as_ref().map(|e| template(e.template.iter())),
                    })),
                    ht::Directive::For(d) => Element::For(Box::new(ForDirective {
                        key_var: d.for_expr.key_var.as_ref().map(ident),
                        value_var: ident(&d.for_expr.value_var),
                        collection: expression(&d.for_expr.collection_expr),
                        template: template(d.for_expr.template.iter()),
                    })),
                },
            })
            .collect(),
    }
}
