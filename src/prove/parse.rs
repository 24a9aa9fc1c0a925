//! A hand-written parser of the HCL native syntax into the proof's tree ([`crate::prove::ast`]),
//! for the HCL tofugen emits and most of what people write.
//!
//! It is held to one contract: whatever it builds, hcl-edit's parser (`hcl_edit::parser::
//! parse_body`) builds too, converted by [`crate::prove::ast::from_hcl_edit`]: the same
//! structures, values and spans. It follows hcl-edit's grammar to its details (which whitespace
//! each construct allows, where newlines become insignificant, how heredocs and directives end)
//! and declines ([`Declined`]) on anything invalid or rare: the caller then parses the text with
//! hcl-edit, which also reports the errors. It declines in particular on
//!
//! - any byte outside the ASCII range outside strings, heredocs and comments (identifiers may be
//!   Unicode in HCL),
//! - heredocs whose first line ends them (hcl-edit then reads on to the next delimiter),
//! - nesting deeper than [`MAX_DEPTH`] and more than [`MAX_BINARY_OPS`] binary operators in one
//!   attribute value (hcl-edit rejects nesting deeper than 64 levels and chains of more than 128
//!   operators),
//! - objects with two keys that are neither names nor plain strings (whose equality, which
//!   hcl-edit rejects, it does not decide).
//!
//! It reads each byte once or a bounded number of times (linear time), borrows every name and
//! every string without escapes from the text, and allocates only the tree's vectors and boxes.

use std::borrow::Cow;

use crate::prove::ast::{
    Attribute, BinaryOperator, Block, Body, Element, Expr, Expression, ForDirective, ForExpr,
    FuncCall, Ident, IfDirective, Label, Number, ObjectKey, Structure, Template, Traversal,
    TraversalOperator, UnaryOperator,
};

/// Why the fast parser did not build a tree: the caller then parses the text with hcl-edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declined;

/// The result of each step: declining stops the whole parse.
type R<T> = Result<T, Declined>;

/// The deepest nesting parsed (expressions, blocks, directives), well below hcl-edit's 64.
pub const MAX_DEPTH: u32 = 48;

/// The most binary operators in one attribute value, below hcl-edit's 128 on any path.
pub const MAX_BINARY_OPS: u32 = 100;

/// Parses `text` as an HCL body (the OpenTofu native syntax), or declines.
pub fn parse_body(text: &str) -> Result<Body<'_>, Declined> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        depth: 0,
        binops: 0,
    };
    let body = p.body()?;
    if p.pos != p.b.len() {
        return Err(Declined);
    }
    Ok(body)
}

/// Whether `c` starts an identifier (ASCII only: other bytes decline).
fn is_id_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// Whether `c` continues an identifier (ASCII only).
fn is_id_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// What ends a template's literal text.
#[derive(Clone, Copy)]
enum Mode<'d> {
    /// A quoted string: `"`, with backslash escapes.
    Quoted,
    /// A heredoc: a line holding only its delimiter (after spaces).
    Heredoc(&'d [u8]),
    /// A directive's body: only `${` and `%{`.
    Inner,
}

/// The parser's state: the text and where it is.
struct Parser<'a> {
    /// The text.
    s: &'a str,
    /// The text's bytes.
    b: &'a [u8],
    /// The current byte offset.
    pos: usize,
    /// The current nesting depth.
    depth: u32,
    /// Binary operators in the current attribute value.
    binops: u32,
}

impl<'a> Parser<'a> {
    /// The byte at the current position, `0` at the end.
    #[inline]
    fn peek(&self) -> u8 {
        self.b.get(self.pos).copied().unwrap_or(0)
    }

    /// The byte `n` after the current position, `0` past the end.
    #[inline]
    fn peek_at(&self, n: usize) -> u8 {
        self.b.get(self.pos + n).copied().unwrap_or(0)
    }

    /// Whether the rest starts with `t`.
    #[inline]
    fn starts(&self, t: &[u8]) -> bool {
        self.b[self.pos..].starts_with(t)
    }

    /// Whether the input is over.
    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    /// Consumes `c`, or declines.
    #[inline]
    fn eat(&mut self, c: u8) -> R<()> {
        if self.peek() == c && !self.at_end() {
            self.pos += 1;
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// Consumes `c` if it is next.
    #[inline]
    fn opt(&mut self, c: u8) {
        if self.peek() == c && !self.at_end() {
            self.pos += 1;
        }
    }

    /// Enters one nesting level, declining past [`MAX_DEPTH`].
    #[inline]
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Declined);
        }
        Ok(())
    }

    /// Leaves a nesting level.
    #[inline]
    fn leave(&mut self) {
        self.depth -= 1;
    }

    // -----------------------------------------------------------------------------------------
    // Whitespace and comments

    /// `/* ... */` (at `/*`); declines when it is not closed.
    fn block_comment(&mut self) -> R<()> {
        match self.s[self.pos + 2..].find("*/") {
            Some(i) => {
                self.pos += 2 + i + 2;
                Ok(())
            }
            None => Err(Declined),
        }
    }

    /// `# ...` or `// ...` up to (not including) the line ending; declines on a lone `\r`.
    fn line_comment(&mut self) -> R<()> {
        let rest = &self.b[self.pos..];
        match rest.iter().position(|&c| c == b'\n' || c == b'\r') {
            None => self.pos = self.b.len(),
            Some(i) => {
                self.pos += i;
                if self.b[self.pos] == b'\r' && self.peek_at(1) != b'\n' {
                    return Err(Declined);
                }
            }
        }
        Ok(())
    }

    /// Spaces, tabs and inline comments (hcl-edit's `sp`).
    fn sp(&mut self) -> R<()> {
        loop {
            while matches!(self.peek(), b' ' | b'\t') {
                self.pos += 1;
            }
            if self.peek() == b'/' && self.peek_at(1) == b'*' {
                self.block_comment()?;
            } else {
                return Ok(());
            }
        }
    }

    /// Whitespace, newlines and comments of any kind (hcl-edit's `ws`).
    fn ws(&mut self) -> R<()> {
        loop {
            while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            }
            match (self.peek(), self.peek_at(1)) {
                (b'#', _) | (b'/', b'/') => self.line_comment()?,
                (b'/', b'*') => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// [`Self::ws`] where newlines are insignificant, else [`Self::sp`].
    #[inline]
    fn ws_or_sp(&mut self, nl: bool) -> R<()> {
        if nl { self.ws() } else { self.sp() }
    }

    /// Consumes `\n` or `\r\n` if next.
    #[inline]
    fn line_ending(&mut self) -> bool {
        match self.peek() {
            b'\n' => {
                self.pos += 1;
                true
            }
            b'\r' if self.peek_at(1) == b'\n' => {
                self.pos += 2;
                true
            }
            _ => false,
        }
    }

    /// An identifier (ASCII; declines on a non-ASCII byte that could continue it).
    fn ident(&mut self) -> R<Ident<'a>> {
        let start = self.pos;
        if !is_id_start(self.peek()) {
            return Err(Declined);
        }
        self.pos += 1;
        while is_id_continue(self.peek()) {
            self.pos += 1;
        }
        if self.peek() >= 0x80 {
            return Err(Declined);
        }
        Ok(Ident {
            name: Cow::Borrowed(&self.s[start..self.pos]),
            span: start..self.pos,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Structures

    /// A body: structures each ended by a line ending or the end of the text, then whitespace.
    fn body(&mut self) -> R<Body<'a>> {
        let mut structures = Vec::new();
        loop {
            let save = self.pos;
            self.ws()?;
            let c = self.peek();
            if c >= 0x80 {
                return Err(Declined);
            }
            if !is_id_start(c) {
                self.pos = save;
                break;
            }
            structures.push(self.structure()?);
            self.sp()?;
            if self.peek() == b'#' || self.starts(b"//") {
                self.line_comment()?;
            }
            if self.at_end() {
                break;
            }
            if !self.line_ending() {
                return Err(Declined);
            }
        }
        self.ws()?;
        check_unique_attributes(&structures)?;
        Ok(Body { structures })
    }

    /// An attribute or a block (at an identifier).
    fn structure(&mut self) -> R<Structure<'a>> {
        let ident = self.ident()?;
        self.sp()?;
        match self.peek() {
            b'=' => {
                self.pos += 1;
                self.sp()?;
                let value = self.root_expr()?;
                Ok(Structure::Attribute(Attribute { key: ident, value }))
            }
            c if c == b'{' || c == b'"' || is_id_start(c) => {
                let mut labels = Vec::new();
                loop {
                    let start = self.pos;
                    match self.peek() {
                        b'"' => {
                            self.pos += 1;
                            let value = self.literal(Mode::Quoted)?.unwrap_or(Cow::Borrowed(""));
                            self.eat(b'"')?;
                            labels.push(Label {
                                value,
                                quoted: true,
                                span: start..self.pos,
                            });
                        }
                        c if is_id_start(c) => {
                            let i = self.ident()?;
                            labels.push(Label {
                                value: i.name,
                                quoted: false,
                                span: i.span,
                            });
                        }
                        _ => break,
                    }
                    self.sp()?;
                }
                let body = self.block_body()?;
                Ok(Structure::Block(Block {
                    ident,
                    labels,
                    body,
                }))
            }
            _ => Err(Declined),
        }
    }

    /// `{` body `}`: a multi-line body or a one-line one (at most one attribute).
    fn block_body(&mut self) -> R<Body<'a>> {
        self.eat(b'{')?;
        self.enter()?;
        let after = self.pos;
        self.sp()?;
        if self.peek() == b'#' || self.starts(b"//") {
            self.line_comment()?;
        }
        let body = if self.line_ending() {
            self.body()?
        } else {
            self.pos = after;
            self.sp()?;
            let mut structures = Vec::new();
            let c = self.peek();
            if c >= 0x80 {
                return Err(Declined);
            }
            if is_id_start(c) {
                let key = self.ident()?;
                self.sp()?;
                self.eat(b'=')?;
                self.sp()?;
                let value = self.root_expr()?;
                self.sp()?;
                structures.push(Structure::Attribute(Attribute { key, value }));
            }
            Body { structures }
        };
        self.eat(b'}')?;
        self.leave();
        Ok(body)
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    /// An attribute's value.
    fn root_expr(&mut self) -> R<Expression<'a>> {
        self.binops = 0;
        let e = self.expr(false)?;
        if self.binops > MAX_BINARY_OPS {
            return Err(Declined);
        }
        Ok(e)
    }

    /// An expression: a term, binary operators, a conditional. `nl`: whether newlines are
    /// insignificant between its parts (it becomes so after an array, a call or a `{for}`).
    fn expr(&mut self, mut nl: bool) -> R<Expression<'a>> {
        self.enter()?;
        let start = self.pos;
        let mut e = self.term(&mut nl)?;
        loop {
            let save = self.pos;
            self.ws_or_sp(nl)?;
            if self.pos + 1 >= self.b.len() {
                self.pos = save;
                break;
            }
            let (c0, c1) = (self.peek(), self.peek_at(1));
            if c0 == b'?' {
                self.pos += 1;
                self.ws_or_sp(nl)?;
                let t = self.expr(nl)?;
                self.ws_or_sp(nl)?;
                self.eat(b':')?;
                self.ws_or_sp(nl)?;
                let f = self.expr(nl)?;
                let span = start..f.span.end;
                e = Expression {
                    kind: Expr::Conditional(Box::new([e, t, f])),
                    span,
                };
                break;
            }
            let is_op = !(c0 == b'/' && (c1 == b'/' || c1 == b'*'))
                && ((c0 == b'=' && c1 == b'=')
                    || matches!(
                        c0,
                        b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|'
                    ));
            self.pos = save;
            if !is_op {
                break;
            }
            e = self.binary_ops(e, nl)?;
        }
        self.leave();
        Ok(e)
    }

    /// A chain of binary operators after `first`, grouped by precedence (left-associative).
    fn binary_ops(&mut self, first: Expression<'a>, nl: bool) -> R<Expression<'a>> {
        use BinaryOperator as B;
        let mut out: Vec<Expression<'a>> = vec![first];
        let mut stack: Vec<B> = Vec::new();
        let mut count = 0u32;
        loop {
            let save = self.pos;
            self.ws_or_sp(nl)?;
            let (op, len) = match (self.peek(), self.peek_at(1)) {
                (b'=', b'=') => (B::Eq, 2),
                (b'!', b'=') => (B::NotEq, 2),
                (b'<', b'=') => (B::LessEq, 2),
                (b'<', _) => (B::Less, 1),
                (b'>', b'=') => (B::GreaterEq, 2),
                (b'>', _) => (B::Greater, 1),
                (b'+', _) => (B::Plus, 1),
                (b'-', _) => (B::Minus, 1),
                (b'*', _) => (B::Mul, 1),
                (b'/', c) if c != b'/' && c != b'*' => (B::Div, 1),
                (b'%', _) => (B::Mod, 1),
                (b'&', b'&') => (B::And, 2),
                (b'|', b'|') => (B::Or, 2),
                _ => {
                    if count == 0 {
                        return Err(Declined);
                    }
                    self.pos = save;
                    break;
                }
            };
            self.pos += len;
            self.ws_or_sp(nl)?;
            let mut nl2 = nl;
            let rhs = self.term(&mut nl2)?;
            count += 1;
            self.binops += 1;
            if self.binops > MAX_BINARY_OPS {
                return Err(Declined);
            }
            while let Some(&top) = stack.last() {
                if precedence(top) >= precedence(op) {
                    stack.pop();
                    reduce(&mut out, top);
                } else {
                    break;
                }
            }
            stack.push(op);
            out.push(rhs);
        }
        while let Some(op) = stack.pop() {
            reduce(&mut out, op);
        }
        out.pop().ok_or(Declined)
    }

    /// A term and the traversal after it, if any.
    fn term(&mut self, nl: &mut bool) -> R<Expression<'a>> {
        let start = self.pos;
        let kind = match self.peek() {
            b'"' => self.stringlike()?,
            b'[' => {
                *nl = true;
                self.array()?
            }
            b'{' => self.object(nl)?,
            b'0'..=b'9' => Expr::Number(self.number()?),
            b'<' => self.heredoc()?,
            b'-' => {
                self.pos += 1;
                self.sp()?;
                if self.peek().is_ascii_digit() {
                    Expr::Number(-self.number()?)
                } else {
                    Expr::UnaryOp(UnaryOperator::Neg, Box::new(self.unary_operand(*nl)?))
                }
            }
            b'!' => {
                self.pos += 1;
                self.sp()?;
                Expr::UnaryOp(UnaryOperator::Not, Box::new(self.unary_operand(*nl)?))
            }
            b'(' => {
                self.pos += 1;
                self.ws()?;
                let inner = self.expr(true)?;
                self.ws()?;
                self.eat(b')')?;
                Expr::Parenthesis(Box::new(inner))
            }
            c if is_id_start(c) => self.identlike(nl)?,
            _ => return Err(Declined),
        };
        let e = Expression {
            kind,
            span: start..self.pos,
        };
        let save = self.pos;
        self.ws_or_sp(*nl)?;
        let (c0, c1) = (self.peek(), self.peek_at(1));
        let traversal = self.pos + 1 < self.b.len()
            && (c0 == b'[' || c0 == b'.')
            && !(c0 == b'.' && c1 == b'.');
        self.pos = save;
        if traversal {
            self.traversal(e, start, *nl)
        } else {
            Ok(e)
        }
    }

    /// The operand of `-` or `!`: a term, one level deeper.
    fn unary_operand(&mut self, nl: bool) -> R<Expression<'a>> {
        self.enter()?;
        let mut nl2 = nl;
        let e = self.term(&mut nl2)?;
        self.leave();
        Ok(e)
    }

    /// The traversal operators after `base` (which starts at `start`).
    fn traversal(&mut self, base: Expression<'a>, start: usize, nl: bool) -> R<Expression<'a>> {
        let mut operators = Vec::new();
        loop {
            let save = self.pos;
            self.ws_or_sp(nl)?;
            if self.starts(b"..") {
                self.pos = save;
                break;
            }
            let op = match self.peek() {
                b'.' => {
                    self.pos += 1;
                    self.ws()?;
                    match self.peek() {
                        b'*' => {
                            self.pos += 1;
                            TraversalOperator::AttrSplat
                        }
                        b'0' => {
                            self.pos += 1;
                            if self.peek().is_ascii_digit() {
                                return Err(Declined);
                            }
                            TraversalOperator::LegacyIndex(0)
                        }
                        b'1'..=b'9' => {
                            let s = self.pos;
                            while self.peek().is_ascii_digit() {
                                self.pos += 1;
                            }
                            let n = self.s[s..self.pos].parse().map_err(|_| Declined)?;
                            TraversalOperator::LegacyIndex(n)
                        }
                        _ => TraversalOperator::GetAttr(self.ident()?),
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.ws()?;
                    let op = if self.peek() == b'*' {
                        self.pos += 1;
                        TraversalOperator::FullSplat
                    } else {
                        TraversalOperator::Index(self.expr(true)?)
                    };
                    self.ws()?;
                    self.eat(b']')?;
                    op
                }
                _ => {
                    self.pos = save;
                    break;
                }
            };
            operators.push(op);
        }
        Ok(Expression {
            kind: Expr::Traversal(Box::new(Traversal {
                expr: base,
                operators,
            })),
            span: start..self.pos,
        })
    }

    /// A number: digits, an optional fraction and exponent (hcl-edit's `number`).
    fn number(&mut self) -> R<Number> {
        let start = self.pos;
        self.digits();
        let mut float = false;
        if self.peek() == b'.' && self.peek_at(1).is_ascii_digit() {
            self.pos += 1;
            self.digits();
            float = true;
            if matches!(self.peek(), b'e' | b'E') {
                self.exponent()?;
            }
        } else if matches!(self.peek(), b'e' | b'E') {
            self.exponent()?;
            float = true;
        }
        let text = &self.s[start..self.pos];
        if !float && let Ok(n) = text.parse::<u64>() {
            return Ok(Number::from(n));
        }
        let f: f64 = text.parse().map_err(|_| Declined)?;
        Number::from_f64(f).ok_or(Declined)
    }

    /// Skips ASCII digits.
    #[inline]
    fn digits(&mut self) {
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
    }

    /// `e`, an optional sign and digits (required).
    fn exponent(&mut self) -> R<()> {
        self.pos += 1;
        if matches!(self.peek(), b'+' | b'-') {
            self.pos += 1;
        }
        if !self.peek().is_ascii_digit() {
            return Err(Declined);
        }
        self.digits();
        Ok(())
    }

    /// A name, `null`/`true`/`false`, or a function call (`nl` becomes true after a call).
    fn identlike(&mut self, nl: &mut bool) -> R<Expr<'a>> {
        let id = self.ident()?;
        let save = self.pos;
        self.ws_or_sp(*nl)?;
        let call = self.pos + 1 < self.b.len() && (self.starts(b"::") || self.peek() == b'(');
        if !call {
            self.pos = save;
            return Ok(match id.as_str() {
                "null" => Expr::Null,
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                _ => Expr::Variable(id),
            });
        }
        let mut namespace = Vec::new();
        let mut name = id;
        while self.starts(b"::") {
            self.pos += 2;
            self.ws_or_sp(*nl)?;
            let next = self.ident()?;
            self.ws_or_sp(*nl)?;
            namespace.push(std::mem::replace(&mut name, next));
        }
        *nl = true;
        self.eat(b'(')?;
        let mut args = Vec::new();
        let mut expand_final = false;
        let after = self.pos;
        self.ws()?;
        if matches!(self.peek(), b',' | b'.' | b')') {
            self.pos = after;
            self.ws()?;
        } else {
            loop {
                args.push(self.expr(true)?);
                self.ws()?;
                match self.peek() {
                    b',' => {
                        let comma = self.pos;
                        self.pos += 1;
                        self.ws()?;
                        if matches!(self.peek(), b',' | b'.' | b')') {
                            self.pos = comma + 1;
                            self.ws()?;
                            break;
                        }
                    }
                    b'.' => {
                        if !self.starts(b"...") {
                            return Err(Declined);
                        }
                        self.pos += 3;
                        expand_final = true;
                        self.ws()?;
                        break;
                    }
                    _ => break,
                }
            }
        }
        self.eat(b')')?;
        Ok(Expr::FuncCall(Box::new(FuncCall {
            namespace,
            name,
            args,
            expand_final,
        })))
    }

    /// Whether a `for` expression follows (hcl-edit's look-ahead: `for` then a space, a tab, a
    /// newline or a comment start).
    fn for_ahead(&mut self) -> R<bool> {
        let save = self.pos;
        self.ws()?;
        let yes =
            self.starts(b"for") && matches!(self.peek_at(3), b' ' | b'\t' | b'#' | b'/' | b'\n');
        self.pos = save;
        Ok(yes)
    }

    /// `for k, v in coll :` (at `for`): the variables and the collection.
    #[allow(clippy::type_complexity)]
    fn for_intro(&mut self) -> R<(Option<Ident<'a>>, Ident<'a>, Expression<'a>)> {
        self.ws()?;
        self.pos += 3;
        self.ws()?;
        let intro = self.for_variables()?;
        self.ws()?;
        self.eat(b':')?;
        Ok(intro)
    }

    /// `k, v in coll` or `v in coll` (at the first variable), as `for` expressions and `%{for}`
    /// directives write it: the key variable, the value variable and the collection.
    #[allow(clippy::type_complexity)]
    fn for_variables(&mut self) -> R<(Option<Ident<'a>>, Ident<'a>, Expression<'a>)> {
        let first = self.ident()?;
        self.ws()?;
        let second = if self.peek() == b',' {
            self.pos += 1;
            self.ws()?;
            let v = self.ident()?;
            self.ws()?;
            Some(v)
        } else {
            None
        };
        if !self.starts(b"in") {
            return Err(Declined);
        }
        self.pos += 2;
        self.ws()?;
        let collection = self.expr(false)?;
        Ok(match second {
            Some(v) => (Some(first), v, collection),
            None => (None, first, collection),
        })
    }

    /// `if cond` of a for expression, if any (`nl` as the enclosing expression's).
    fn for_cond(&mut self, nl: bool) -> R<Option<Expression<'a>>> {
        let save = self.pos;
        self.ws()?;
        if !self.starts(b"if") {
            self.pos = save;
            return Ok(None);
        }
        self.pos += 2;
        self.ws()?;
        let cond = self.expr(nl)?;
        self.ws()?;
        Ok(Some(cond))
    }

    /// `[a, b]` or `[for ...]` (at `[`).
    fn array(&mut self) -> R<Expr<'a>> {
        self.pos += 1;
        if self.for_ahead()? {
            let (key_var, value_var, collection) = self.for_intro()?;
            self.ws()?;
            let value_expr = self.expr(true)?;
            self.ws()?;
            let cond = self.for_cond(true)?;
            self.eat(b']')?;
            return Ok(Expr::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection,
                key_expr: None,
                value_expr,
                grouping: false,
                cond,
            })));
        }
        let mut items = Vec::new();
        self.ws()?;
        if self.peek() != b']' {
            loop {
                items.push(self.expr(true)?);
                self.ws()?;
                if self.peek() == b',' {
                    self.pos += 1;
                    self.ws()?;
                    if self.peek() == b']' {
                        break;
                    }
                } else {
                    break;
                }
            }
        }
        self.eat(b']')?;
        Ok(Expr::Array(items))
    }

    /// `{ k = v }` or `{for ...}` (at `{`).
    fn object(&mut self, nl: &mut bool) -> R<Expr<'a>> {
        self.pos += 1;
        if self.for_ahead()? {
            *nl = true;
            let (key_var, value_var, collection) = self.for_intro()?;
            self.ws()?;
            let key = self.expr(false)?;
            self.ws()?;
            if !self.starts(b"=>") {
                return Err(Declined);
            }
            self.pos += 2;
            self.ws()?;
            let value_expr = self.expr(false)?;
            self.ws()?;
            let grouping = self.starts(b"...");
            if grouping {
                self.pos += 3;
                self.ws()?;
            }
            let cond = self.for_cond(true)?;
            self.eat(b'}')?;
            return Ok(Expr::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection,
                key_expr: Some(key),
                value_expr,
                grouping,
                cond,
            })));
        }
        let mut items = Vec::new();
        loop {
            self.ws()?;
            if self.peek() == b'}' {
                self.pos += 1;
                break;
            }
            let key = match self.expr(false)? {
                Expression {
                    kind: Expr::Variable(id),
                    ..
                } => ObjectKey::Ident(id),
                e => ObjectKey::Expression(e),
            };
            self.sp()?;
            match self.peek() {
                b'=' | b':' => self.pos += 1,
                _ => return Err(Declined),
            }
            self.sp()?;
            let value = self.expr(false)?;
            self.sp()?;
            items.push((key, value));
            match self.peek() {
                b'}' => {
                    self.pos += 1;
                    break;
                }
                b',' => self.pos += 1,
                b'#' | b'/' => {
                    if self.peek() == b'/' && self.peek_at(1) != b'/' {
                        return Err(Declined);
                    }
                    self.line_comment()?;
                    if !self.line_ending() {
                        return Err(Declined);
                    }
                }
                _ => {
                    if !self.line_ending() {
                        return Err(Declined);
                    }
                }
            }
        }
        check_unique_keys(&items)?;
        Ok(Expr::Object(items))
    }

    // -----------------------------------------------------------------------------------------
    // Strings and templates

    /// A quoted string, plain or a template (at `"`).
    fn stringlike(&mut self) -> R<Expr<'a>> {
        let start = self.pos;
        self.pos += 1;
        let lit = self.literal(Mode::Quoted)?;
        if self.peek() == b'"' && !self.at_end() {
            self.pos += 1;
            return Ok(Expr::String(lit.unwrap_or(Cow::Borrowed(""))));
        }
        self.pos = start + 1;
        let t = self.template(Mode::Quoted)?;
        self.eat(b'"')?;
        Ok(Expr::StringTemplate(t))
    }

    /// A run of literal text (unescaped) up to what ends it in `mode`, `None` when empty.
    fn literal(&mut self, mode: Mode<'_>) -> R<Option<Cow<'a, str>>> {
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut seg = start;
        let n = self.b.len();
        while self.pos < n {
            let c = self.b[self.pos];
            if !matches!(c, b'$' | b'%' | b'"' | b'\\' | b'\n' | b'\r') {
                self.pos += 1;
                continue;
            }
            match c {
                b'$' | b'%' => {
                    if self.peek_at(1) == c && self.peek_at(2) == b'{' {
                        let o = owned.get_or_insert_with(String::new);
                        o.push_str(&self.s[seg..self.pos]);
                        o.push(c as char);
                        o.push('{');
                        self.pos += 3;
                        seg = self.pos;
                        continue;
                    }
                    if self.peek_at(1) == b'{' {
                        break;
                    }
                    self.pos += 1;
                }
                b'"' if matches!(mode, Mode::Quoted) => break,
                b'\\' if matches!(mode, Mode::Quoted) => {
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(&self.s[seg..self.pos]);
                    let (ch, len) = match self.peek_at(1) {
                        b'n' => ('\n', 2),
                        b'r' => ('\r', 2),
                        b't' => ('\t', 2),
                        b'\\' => ('\\', 2),
                        b'"' => ('"', 2),
                        b'u' => (self.hex_escape(4)?, 6),
                        b'U' => (self.hex_escape(8)?, 10),
                        _ => return Err(Declined),
                    };
                    o.push(ch);
                    self.pos += len;
                    seg = self.pos;
                }
                b'\n' | b'\r' => {
                    if let Mode::Heredoc(delim) = mode
                        && self.heredoc_end_at(self.pos, delim)?
                    {
                        break;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        if self.pos == start {
            return Ok(None);
        }
        Ok(Some(match owned {
            Some(mut o) => {
                o.push_str(&self.s[seg..self.pos]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&self.s[start..self.pos]),
        }))
    }

    /// The character of `\uXXXX` (`n` = 4) or `\UXXXXXXXX` (`n` = 8) at the current position.
    fn hex_escape(&self, n: usize) -> R<char> {
        let digits = self.b.get(self.pos + 2..self.pos + 2 + n).ok_or(Declined)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(Declined);
        }
        let text = &self.s[self.pos + 2..self.pos + 2 + n];
        let v = u32::from_str_radix(text, 16).map_err(|_| Declined)?;
        char::from_u32(v).ok_or(Declined)
    }

    /// Whether a heredoc ends at `i`: a line ending, spaces, the delimiter, then no identifier
    /// character.
    fn heredoc_end_at(&self, mut i: usize, delim: &[u8]) -> R<bool> {
        let b = self.b;
        if b[i] == b'\r' {
            if b.get(i + 1) != Some(&b'\n') {
                return Ok(false);
            }
            i += 1;
        }
        i += 1;
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if !b[i..].starts_with(delim) {
            return Ok(false);
        }
        match b.get(i + delim.len()) {
            None => Ok(true),
            Some(&c) if c >= 0x80 => Err(Declined),
            Some(&c) => Ok(!is_id_continue(c)),
        }
    }

    /// Template elements up to what ends them in `mode` (left unconsumed), or up to a directive
    /// other than `if` and `for` (`else`, `endif`, `endfor`: the caller's to read).
    fn template(&mut self, mode: Mode<'_>) -> R<Template<'a>> {
        let mut elements = Vec::new();
        loop {
            if let Some(l) = self.literal(mode)? {
                elements.push(Element::Literal(l));
            }
            if self.starts(b"${") {
                self.pos += 2;
                self.opt(b'~');
                self.ws()?;
                let e = self.expr(true)?;
                self.ws()?;
                self.opt(b'~');
                self.eat(b'}')?;
                elements.push(Element::Interpolation(e));
            } else if self.starts(b"%{") {
                let save = self.pos;
                self.pos += 2;
                self.opt(b'~');
                self.ws()?;
                if self.starts(b"if") {
                    self.pos += 2;
                    elements.push(self.if_directive()?);
                } else if self.starts(b"for") {
                    self.pos += 3;
                    elements.push(self.for_directive()?);
                } else {
                    self.pos = save;
                    break;
                }
            } else {
                break;
            }
        }
        Ok(Template { elements })
    }

    /// A directive's body, one level deeper.
    fn inner_template(&mut self) -> R<Template<'a>> {
        self.enter()?;
        let t = self.template(Mode::Inner)?;
        self.leave();
        Ok(t)
    }

    /// `%{` `~`? whitespace `keyword`: consumed if so.
    fn directive_start(&mut self, keyword: &[u8]) -> R<bool> {
        let save = self.pos;
        if !self.starts(b"%{") {
            return Ok(false);
        }
        self.pos += 2;
        self.opt(b'~');
        self.ws()?;
        if self.starts(keyword) {
            self.pos += keyword.len();
            Ok(true)
        } else {
            self.pos = save;
            Ok(false)
        }
    }

    /// Whitespace, `~`?, `}`: the end of a directive's tag.
    fn directive_end(&mut self) -> R<()> {
        self.ws()?;
        self.opt(b'~');
        self.eat(b'}')
    }

    /// `%{if cond}...%{else}...%{endif}` (after `if`).
    fn if_directive(&mut self) -> R<Element<'a>> {
        self.ws()?;
        let cond = self.expr(false)?;
        self.directive_end()?;
        let then = self.inner_template()?;
        let otherwise = if self.directive_start(b"else")? {
            self.directive_end()?;
            Some(self.inner_template()?)
        } else {
            None
        };
        if !self.directive_start(b"endif")? {
            return Err(Declined);
        }
        self.directive_end()?;
        Ok(Element::If(Box::new(IfDirective {
            cond,
            then,
            otherwise,
        })))
    }

    /// `%{for k, v in coll}...%{endfor}` (after `for`).
    fn for_directive(&mut self) -> R<Element<'a>> {
        self.ws()?;
        let (key_var, value_var, collection) = self.for_variables()?;
        self.directive_end()?;
        let template = self.inner_template()?;
        if !self.directive_start(b"endfor")? {
            return Err(Declined);
        }
        self.directive_end()?;
        Ok(Element::For(Box::new(ForDirective {
            key_var,
            value_var,
            collection,
            template,
        })))
    }

    /// `<<EOT` ... `EOT` or `<<-EOT` (at `<`); declines on a heredoc its first line ends.
    fn heredoc(&mut self) -> R<Expr<'a>> {
        if !self.starts(b"<<") {
            return Err(Declined);
        }
        self.pos += 2;
        let indented = self.peek() == b'-';
        if indented {
            self.pos += 1;
        }
        let delim = self.ident()?.span;
        let delim = &self.b[delim];
        if !self.line_ending() {
            return Err(Declined);
        }
        // hcl-edit reads a heredoc whose first line is its delimiter up to the next delimiter.
        let mut i = self.pos;
        while matches!(self.b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if self.b[i..].starts_with(delim) {
            match self.b.get(i + delim.len()) {
                Some(&c) if c < 0x80 && is_id_continue(c) => {}
                _ => return Err(Declined),
            }
        }
        let mut t = self.template(Mode::Heredoc(delim))?;
        let le = self.pos;
        if !self.line_ending() {
            return Err(Declined);
        }
        let ending = &self.s[le..self.pos];
        match t.elements.last_mut() {
            Some(Element::Literal(l)) => match l {
                // A borrowed literal ends where the line ending starts: extend it.
                Cow::Borrowed(b)
                    if b.as_ptr() as usize + b.len() == self.s.as_ptr() as usize + le =>
                {
                    let offset = le - b.len();
                    *l = Cow::Borrowed(&self.s[offset..self.pos]);
                }
                _ => l.to_mut().push_str(ending),
            },
            _ => t.elements.push(Element::Literal(Cow::Borrowed(ending))),
        }
        while matches!(self.peek(), b' ' | b'\t') {
            self.pos += 1;
        }
        if !self.starts(delim) {
            return Err(Declined);
        }
        self.pos += delim.len();
        let c = self.peek();
        if c >= 0x80 || is_id_continue(c) {
            return Err(Declined);
        }
        if indented {
            dedent(&mut t);
        }
        Ok(Expr::HeredocTemplate(t))
    }
}

/// Strips the indentation of an indented heredoc (`<<-`) as hcl-edit does
/// (`Template::dedent`): by the least leading whitespace of the lines of its top-level literals
/// (a literal with an unindented line counts for nothing), unless an interpolation or a
/// directive starts a line.
fn dedent(t: &mut Template<'_>) {
    let mut indent: Option<usize> = None;
    let mut skip_first_line = false;
    for element in &t.elements {
        if let Element::Literal(literal) = element {
            if let Some(leading) = min_leading_whitespace(literal, skip_first_line) {
                indent = Some(indent.map_or(leading, |indent| indent.min(leading)));
            }
            skip_first_line = !literal.ends_with('\n');
        } else if !skip_first_line {
            return;
        }
    }
    let Some(indent) = indent else {
        return;
    };
    skip_first_line = false;
    for element in &mut t.elements {
        if let Element::Literal(literal) = element {
            *literal = Cow::Owned(dedent_by(literal, indent, skip_first_line));
            skip_first_line = !literal.ends_with('\n');
        } else if !skip_first_line {
            skip_first_line = true;
        }
    }
}

/// `s` without `n` leading characters on each line (but the first if `skip_first`), its line
/// endings made `\n` (hcl-edit's `dedent_by`).
fn dedent_by(s: &str, n: usize, skip_first: bool) -> String {
    let mut dedented = String::with_capacity(s.len());
    for (i, line) in s.lines().enumerate() {
        if i == 0 && skip_first {
            dedented.push_str(line);
        } else if !line.is_empty() {
            dedented.extend(line.chars().skip(n));
        }
        dedented.push('\n');
    }
    if dedented.ends_with('\n') && !s.ends_with('\n') {
        dedented.pop();
    }
    dedented
}

/// The least leading whitespace of the non-empty lines of `s` (but the first if `skip_first`),
/// `None` if one has none (hcl-edit's `min_leading_whitespace`).
fn min_leading_whitespace(s: &str, skip_first: bool) -> Option<usize> {
    let mut leading: Option<usize> = None;
    for (i, line) in s.lines().enumerate() {
        if (i == 0 && skip_first) || line.is_empty() {
            continue;
        }
        let n = line.chars().take_while(|c| c.is_whitespace()).count();
        if n == 0 {
            return None;
        }
        leading = Some(leading.map_or(n, |l| l.min(n)));
    }
    leading
}

/// A binary operator's precedence (hcl-edit's).
fn precedence(op: BinaryOperator) -> u8 {
    use BinaryOperator as B;
    match op {
        B::Mul | B::Div | B::Mod => 6,
        B::Plus | B::Minus => 5,
        B::LessEq | B::GreaterEq | B::Less | B::Greater => 4,
        B::Eq | B::NotEq => 3,
        B::And => 2,
        B::Or => 1,
    }
}

/// Replaces the two last operands of `out` by their operation `op`.
fn reduce<'a>(out: &mut Vec<Expression<'a>>, op: BinaryOperator) {
    if let (Some(rhs), Some(lhs)) = (out.pop(), out.pop()) {
        let span = lhs.span.start..rhs.span.end;
        out.push(Expression {
            kind: Expr::BinaryOp(Box::new((lhs, op, rhs))),
            span,
        });
    }
}

/// Declines when two attributes of a body share a key (hcl-edit rejects it).
fn check_unique_attributes(structures: &[Structure<'_>]) -> R<()> {
    /// An attribute's key.
    fn key<'k>(s: &'k Structure<'_>) -> Option<&'k str> {
        match s {
            Structure::Attribute(a) => Some(a.key.as_str()),
            Structure::Block(_) => None,
        }
    }
    if structures.len() <= 12 {
        for (i, s) in structures.iter().enumerate() {
            if let Some(k) = key(s)
                && structures[i + 1..].iter().any(|t| key(t) == Some(k))
            {
                return Err(Declined);
            }
        }
        return Ok(());
    }
    let mut keys: Vec<&str> = structures.iter().filter_map(key).collect();
    unique(&mut keys)
}

/// Declines when two keys of an object may be equal (hcl-edit rejects a repeated key): names
/// and plain strings are compared, other keys decline when there are two of them.
fn check_unique_keys(items: &[(ObjectKey<'_>, Expression<'_>)]) -> R<()> {
    /// A key as compared: a name, a plain string or another expression.
    fn key<'k>(k: &'k ObjectKey<'_>) -> (u8, &'k str) {
        match k {
            ObjectKey::Ident(i) => (0, i.as_str()),
            ObjectKey::Expression(Expression {
                kind: Expr::String(s),
                ..
            }) => (1, s),
            ObjectKey::Expression(_) => (2, ""),
        }
    }
    if items.len() <= 12 {
        for (i, (k, _)) in items.iter().enumerate() {
            let k = key(k);
            if items[i + 1..].iter().any(|(t, _)| key(t) == k) {
                return Err(Declined);
            }
        }
        return Ok(());
    }
    let mut keys: Vec<(u8, &str)> = items.iter().map(|(k, _)| key(k)).collect();
    unique(&mut keys)
}

/// Declines when `keys` holds a value twice (sorts `keys`).
fn unique<T: Ord>(keys: &mut [T]) -> R<()> {
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(Declined);
    }
    Ok(())
}

/// The contract, held on tofugen's output, snippets of each construct and their mutants.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::prove::ast::from_hcl_edit;
    use proptest::prelude::*;
    use std::path::Path;

    /// Holds the contract on `text`: if the fast parser accepts it, hcl-edit accepts it too and
    /// builds the same tree. Returns whether the fast parser accepted it.
    fn check(text: &str) -> bool {
        let Ok(fast) = parse_body(text) else {
            return false;
        };
        let slow = match hcl_edit::parser::parse_body(text) {
            Ok(h) => from_hcl_edit(&h),
            Err(e) => panic!("accepted what hcl-edit rejects ({e}): {text:?}"),
        };
        if fast != slow {
            let i = (0..fast.structures.len().max(slow.structures.len()))
                .find(|&i| fast.structures.get(i) != slow.structures.get(i))
                .unwrap_or(0);
            panic!(
                "trees differ at structure {i} of {text:?}:\nfast: {:#?}\nslow: {:#?}",
                fast.structures.get(i),
                slow.structures.get(i)
            );
        }
        true
    }

    /// The `.tf` files under `dir` (relative to the crate), with their paths.
    fn tf_files(dir: &str) -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "tf") {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                out.push((entry.path().display().to_string(), text));
            }
        }
        out
    }

    /// Every `.tf` file tofugen generates: the committed tree, the module library and the trees
    /// compiled from the valid fixtures.
    fn tofugen_output() -> Vec<(String, String)> {
        let mut out = tf_files("generated");
        out.extend(tf_files("modules"));
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
        let mut names: Vec<_> = std::fs::read_dir(&fixtures)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        for path in names {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let compiled = crate::pipeline::compile(&name, &bytes, true);
            for (file, text) in compiled.files {
                if file.ends_with(".tf") {
                    out.push((format!("{name}: {file}"), text));
                }
            }
        }
        out
    }

    /// Every file tofugen generates parses on the fast path, to hcl-edit's tree.
    #[test]
    fn tofugen_output_parses_on_the_fast_path_as_hcl_edit_parses_it() {
        let files = tofugen_output();
        assert!(files.len() > 50, "only {} files", files.len());
        for (name, text) in &files {
            assert!(check(text), "declined {name}");
        }
    }

    /// The hand-written fixtures hold the contract, and the valid ones parse on the fast path.
    #[test]
    fn hand_written_fixtures_hold_the_contract() {
        for (name, text) in tf_files("tests/fixtures/hcl") {
            let valid = hcl_edit::parser::parse_body(&text).is_ok();
            assert!(check(&text) || !valid, "declined {name}");
        }
    }

    /// Snippets of each construct: each holds the contract; those marked `true` (what tofugen
    /// emits, or plainly common HCL) must parse on the fast path.
    const SNIPPETS: &[(&str, bool)] = &[
        ("", true),
        ("\n\n", true),
        ("# only a comment", true),
        ("a = 1", true),
        ("a = 1\n", true),
        ("a = 1\r\nb = 2\r\n", true),
        (
            "a = -1\nb = - 2.5\nc = 1.5e3\nd = 2E-2\ne = 18446744073709551616\nf = 007",
            true,
        ),
        (
            "a = true\nb = false\nc = null\nd = null.x\ne = true(1)",
            true,
        ),
        (
            "a = \"\"\nb = \"x\\n\\t\\\"\\\\\\r\"\nc = \"\\u00e9\\U0001F600\"",
            true,
        ),
        ("a = \"$${x} %%{y} $$ %% $ %\"", true),
        ("a = \"é ü 日本\"", true),
        ("a = \"${x}\"\nb = \"a${x.y}b${f(1)}c\"", true),
        ("a = \"${~ x ~}\"", true),
        ("a = \" a ${~ x ~} b %{~ if y ~} c %{~ endif ~} d \"", true),
        ("a = <<EOT\n  a ${~ x ~}\n  b\nEOT\n", true),
        ("a = \"%{ if x }y%{ else }z%{ endif }\"", true),
        ("a = \"%{~ if x ~}y%{~ endif ~}\"", true),
        ("a = \"%{ for k, v in m }${k}=${v},%{ endfor }\"", true),
        ("a = \"%{ for v in l }\\n%{ endfor }\"", true),
        ("a = \"%{ if x }\"q%{ endif }\"", true),
        ("a = \"${\"${\"x\"}\"}\"", true),
        ("a = <<EOT\nhello\n  ${name}\nEOT\n", true),
        ("a = <<EOT\r\nhello\r\nEOT\r\n", true),
        ("a = <<EOT\n${x}\nEOT", true),
        ("a = <<EOT\n  EOTX\n  EOT\nb = 1", true),
        ("a = <<EOT\n%{ if x }\nEOT\n%{ endif }\nEOT\n", false),
        ("a = <<EOT\nEOT\n", false),
        ("a = <<-EOT\n  x\n  EOT\n", true),
        ("a = <<-EOT\n    x\n  y\n\n   ${z} w\n  EOT\n", true),
        ("a = <<-EOT\r\n  x\r\n\ty\r\n  EOT\r\n", true),
        (
            "a = <<-EOT\n  x ${y}\n  %{ if z }\n    w\n  %{ endif }\n  EOT\n",
            true,
        ),
        ("a = <<-EOT\n  x\nz\n   ${y}\n EOT\n", true),
        ("a = <<-EOT\n${y}\n  x\n  EOT\n", true),
        ("a = <<-EOT\n  \u{3000}x\n  EOT\n", true),
        (
            "a = [1, 2, 3]\nb = []\nc = [\n  1,\n  2,\n]\nd = [ /* c */ ]",
            true,
        ),
        ("a = [\n  # c\n  1, // d\n  2 /* e */,\n]", true),
        (
            "a = {}\nb = { x = 1 }\nc = { x = 1, y = 2 }\nd = {\n  x = 1\n  y = 2\n}",
            true,
        ),
        ("a = { \"k\" = 1, (k) = 2, k: 3 }", true),
        ("a = { x = 1 # c\n y = 2 // d\n}", true),
        ("a = { x = 1, x = 2 }", false),
        ("a = { \"x\" = 1, \"x\" = 2 }", false),
        ("a = { x = 1, \"x\" = 2 }", true),
        ("a = { (a) = 1, (b) = 2 }", false),
        ("a = { null = 1, true = 2 }", false),
        ("a = { a.b = 1 }", true),
        (
            "a = f()\nb = f(1)\nc = f(1, 2,)\nd = f(a...)\ne = f(\n  1,\n  2\n)",
            true,
        ),
        ("a = provider::p::f(1)\nb = a :: b :: c ()", true),
        ("a = x.y[0].z.*.w[*].v.0.1", true),
        ("a = x[\"k\"][var.i]\nb = x . y", true),
        ("a = -x\nb = !x\nc = !!x\nd = - - 1\ne = -x.y", true),
        (
            "a = 1 + 2 * 3 - 4 / 5 % 6\nb = a == b && c != d || e < f && g <= h\nc = a > b || a >= b",
            true,
        ),
        ("a = 1 - -1\nb = a-b\nc = a -1\nd = 1 -1", true),
        (
            "a = x ? y : z\nb = x ? y ? 1 : 2 : z ? 3 : 4\nc = a + b ? c + d : e + f",
            true,
        ),
        ("a = (1 + 2) * 3\nb = (\n  x\n)\nc = ((x))", true),
        (
            "a = [for x in xs : x]\nb = [for i, x in xs : x if i > 0]",
            true,
        ),
        (
            "a = {for k, v in m : k => v}\nb = {for k, v in m : v => k... if k != \"\"}",
            true,
        ),
        ("a = [\n  for x in xs :\n  x\n  if x\n]", true),
        ("a = {\n  for k, v in m :\n  k => v\n}", true),
        (
            "a = [format(\"x\"), for_each]\nb = { format = 1 }\nc = [for]",
            true,
        ),
        ("a = [for x in xs : x ifx]", false),
        ("a = [1]\n+ 2", false),
        ("a = [1, 2]\n[0]", false),
        ("a = f(x)\n.y", false),
        ("a = { a = f(x)\n + 1 }", false),
        ("a = [f\n(1)]", false),
        ("a = 1 +\n2", false),
        ("a = x\n? 1 : 2", false),
        ("a = [\n x\n ? 1\n : 2\n]", true),
        ("a = [\n x\n +\n 2\n]", true),
        ("block {\n}\n", true),
        ("block {}\nblock \"a\" {}\nblock a \"b\" c {}", true),
        ("block \"a\" { x = 1 }", true),
        ("block \"a\" { x = 1 } # c", true),
        ("block { # c\n  x = 1\n}", true),
        ("block { /* c */ }", true),
        ("block {\n  x = 1 }", false),
        ("block { x = 1\n}", false),
        ("block { a {} }", false),
        ("block \"\\u0041\" \"${x}\" {}", false),
        ("block \"a\\tb\" {}", true),
        ("a = 1\na = 2", false),
        ("a = 1\nb {\n  a = 2\n}\nb {\n  a = 3\n}", true),
        ("a /* c */ = /* d */ 1 /* e */ # f", true),
        ("/* a */ a = 1 /* b\n c */\n", true),
        ("a = 1 // c\r\n", true),
        ("a = 1 # c\rb = 2", false),
        ("a = 1\r", false),
        ("a = x[*]\nb = x.*.y\nc = x[*].y[0]", true),
        ("a = 1.x\nb = 1.5.x", false),
        ("a = x.01", false),
        ("a = 1e", false),
        ("a = 1e999", false),
        ("a = 1..2", false),
        ("a = \"\\q\"", false),
        ("a = \"\\u12\"", false),
        ("a = \"\\ud800\"", false),
        ("a = \"x", false),
        ("a = x &", false),
        ("a = x & y", false),
        ("a = [,]", false),
        ("a = f(,)", false),
        ("a = f(a, ...)", false),
        ("a = [for x in xs: x]", true),
        ("é = 1", false),
        ("a = é", false),
        ("a = { k = \"v\" }.k", true),
        ("a = \"x\"[0]", true),
        ("a = <<EOT\nx\nEOT\n.y", false),
        (
            "a = \"%{ if x }a%{ endif }%{ for x in y }b%{ endfor }\"",
            true,
        ),
        ("a = \"%{ else }\"", false),
        ("a = \"%{ if x }\"", false),
        ("a = \"${}\"", false),
        ("a = x\n\n\n# trailing\n\n", true),
        ("a=1\nb{\nc=2\n}", true),
        (
            "a = {\n  b = {\n    c = {\n      d = x\n      e = [f(1), { g = 2 }]\n    }\n  }\n}",
            true,
        ),
        (
            "a = f(g(h({ x = [1,\n 2] }, i)))\nb = [{ c = [{ d = (x ? y : z) }] }]",
            true,
        ),
        (
            "a = { b = { c = { d = { e = x.y[0] + 1, f = \"${g}\" } } } }",
            true,
        ),
        ("a = x.\ny\nb = x . * . y\nc = x[ * ]\nd = x.y.0.z", true),
        ("a = f(\n)\nb = [\n]\nc = {\n}\nd = {\n  # c\n}", true),
        (
            "a = { x = 1 /* c */ }\nb = { x = 1, }\nc = x ? [1] : [2]",
            true,
        ),
        ("a = \"\\U0010FFFF\"\nb = \"\\U00110000\"", false),
        (
            "a = 0.5\nb = 1E+3\nc = 1.0\nd = 123456789012345678901234567890\ne = -0\nf = -0.0",
            true,
        ),
        (
            "a = \"${a}${b}\"\nb = \"$${a}${b}\"\nc = \"%%{\"\nd = \"$\"\ne = \"%\"\nf = \"$$\"",
            true,
        ),
        ("a = <<EOT\n$${x} %%{y}\nEOT\n", true),
        (
            "a = <<EOT\n%{ for x in xs }\n${x}\n%{ endfor }\nEOT\n",
            true,
        ),
        ("a = <<EOT\n${<<EOF\ninner\nEOF\n}\nEOT\n", true),
        ("a /* c */ \"b\" /* d */ c {}", true),
        ("  \n\t\n", true),
        ("a {\n}", true),
        ("a {\r\n  b = 1\r\n}\r\n", true),
        ("a = [1,\r2]\nb = 1\n\r\nc = 2", true),
        ("a = \"multi\nline\"", true),
        ("a = x /* c */ ? /* d */ y : z", true),
        (
            "a = \"%{ if a }%{ if b }x%{ endif }%{ else }y%{ endif }\"",
            true,
        ),
        (
            "a = \"%{for x in y}${x}%{endfor}\"\nb = \"%{forx in y}${x}%{endfor}\"",
            true,
        ),
        ("a = \"%{ifx}y%{endif}\"", true),
    ];

    /// Each snippet holds the contract, and those marked parse on the fast path.
    #[test]
    fn snippets_hold_the_contract() {
        for &(text, must) in SNIPPETS {
            let accepted = check(text);
            assert!(accepted || !must, "declined {text:?}");
        }
    }

    /// Deep nesting and long operator chains decline or parse, without overflowing the stack.
    #[test]
    fn deep_nesting_declines_without_overflowing() {
        for n in [40usize, 100, 10_000] {
            let text = format!("a = {}1{}", "[".repeat(n), "]".repeat(n));
            check(&text);
            let text = format!("a = {}1{}", "(".repeat(n), ")".repeat(n));
            check(&text);
            let text = format!("a = {}x", "-".repeat(n));
            check(&text);
            let text = format!("{}{}", "b {\n".repeat(n), "}\n".repeat(n));
            check(&text);
            let text = format!(
                "a = \"{}{}\"",
                "%{ if x }".repeat(n),
                "%{ endif }".repeat(n)
            );
            check(&text);
        }
        let text = format!("a = {}", vec!["x"; 200].join(" + "));
        check(&text);
    }

    /// Tokens the mutations insert: HCL's punctuation and keywords, and what ends lines.
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "\"",
        "=",
        ",",
        ".",
        "${",
        "%{",
        "<<EOT\n",
        "\nEOT\n",
        "\n",
        "\r\n",
        "\r",
        "#",
        "//",
        "/*",
        "*/",
        "~",
        ":",
        "?",
        "...",
        "=>",
        "-",
        "!",
        "\\",
        "EOT",
        "for ",
        "if ",
        " in ",
        "x",
        "1",
        "\t",
        " ",
        "*",
        "%%{",
        "$${",
        "==",
        "&&",
        "/",
        "<",
        "0",
        "null",
        "::",
        "\\u",
        "é",
        "}\n",
        "%{ endif }",
        "%{ else }",
        "e",
        "<<-EOT\n",
    ];

    /// What the mutations start from: the snippets and the paragraphs of tofugen's output.
    fn pool() -> &'static [String] {
        static POOL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        POOL.get_or_init(|| {
            let mut pool: Vec<String> = SNIPPETS.iter().map(|(s, _)| s.to_string()).collect();
            let mut files = tofugen_output();
            files.extend(tf_files("tests/fixtures/hcl"));
            let mut seen = std::collections::HashSet::new();
            for (_, text) in files {
                for chunk in text.split("\n\n") {
                    if chunk.len() < 3000 && seen.insert(chunk.to_string()) {
                        pool.push(format!("{chunk}\n"));
                    }
                }
            }
            pool
        })
    }

    /// Applies `(kind, position, token)` mutations to `text`: delete a character, insert a
    /// token, replace a character by a token.
    fn mutate(text: &str, mutations: &[(u8, usize, usize)]) -> String {
        let mut s = text.to_string();
        for &(kind, at, token) in mutations {
            let mut at = if s.is_empty() { 0 } else { at % (s.len() + 1) };
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            let token = TOKENS[token % TOKENS.len()];
            let next = s[at..].chars().next().map_or(0, char::len_utf8);
            match kind % 3 {
                0 => s.replace_range(at..at + next, ""),
                1 => s.insert_str(at, token),
                _ => s.replace_range(at..at + next, token),
            }
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300),
        ))]
        /// Mutants of HCL tofugen emits: the fast parser accepts only what hcl-edit accepts, and
        /// builds its tree.
        #[test]
        fn mutants_hold_the_contract(
            index in any::<usize>(),
            mutations in proptest::collection::vec((0u8..3, any::<usize>(), any::<usize>()), 1..6),
        ) {
            let pool = pool();
            // Half the cases start from a snippet (the constructs' corner cases).
            let start = if index % 2 == 0 { index / 2 % SNIPPETS.len() } else { index / 2 % pool.len() };
            let text = mutate(&pool[start], &mutations);
            check(&text);
        }
    }

    /// Times the fast parser against hcl-edit (parse and conversion) on the large generated
    /// files of `/tmp/g1c` (`cargo test --release --lib prove::parse -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn speed_against_hcl_edit() {
        use std::time::Instant;
        for file in [
            "/tmp/g1c/generated/env0/main.tf",
            "/tmp/g1c/generated/env0/release.tf",
        ] {
            let Ok(text) = std::fs::read_to_string(file) else {
                eprintln!("{file}: absent");
                continue;
            };
            assert!(check(&text), "declined {file}");
            let mb = text.len() as f64 / 1e6;
            let median = |f: &dyn Fn()| {
                let mut times: Vec<f64> = (0..9)
                    .map(|_| {
                        let t = Instant::now();
                        f();
                        t.elapsed().as_secs_f64() * 1e3
                    })
                    .collect();
                times.sort_by(f64::total_cmp);
                times[times.len() / 2]
            };
            let fast = median(&|| {
                std::hint::black_box(parse_body(&text).unwrap());
            });
            let slow = median(&|| {
                std::hint::black_box(hcl_edit::parser::parse_body(&text).unwrap());
            });
            let converted = median(&|| {
                let h = hcl_edit::parser::parse_body(&text).unwrap();
                std::hint::black_box(from_hcl_edit(&h));
            });
            eprintln!(
                "{file}: {mb:.2} MB; fast {fast:.1} ms ({:.1} ms/MB); hcl-edit {slow:.1} ms \
                 ({:.1} ms/MB), with conversion {converted:.1} ms; speedup {:.1}x ({:.1}x)",
                fast / mb,
                slow / mb,
                slow / fast,
                converted / fast
            );
        }
    }
}
