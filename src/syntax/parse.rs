//! Step one: text → AST.
//!
//! The pest grammar (`grammar/apprules.pest`) recognises the text; this module walks
//! the parse tree into [`ast`](super::ast) nodes, each with its span. Before pest runs,
//! the text is checked against the [`Limits`] so that hostile input (huge files,
//! deep nesting) gets a clear error instead of a stack overflow.

use super::ast::*;
use crate::codes::ParseError;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

/// The pest parser generated from the grammar (its `Rule` enum names the grammar rules).
#[allow(missing_docs)]
mod generated {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/apprules.pest"]
    pub struct Grammar;
}
use generated::{Grammar, Rule};

/// Limits on rule files, so that hostile input cannot exhaust memory or the stack.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of brackets and quantifiers.
    pub max_depth: usize,
    /// Most declarations in one file.
    pub max_items: usize,
    /// Longest string literal, in bytes.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 16 << 20,
            max_depth: 48,
            max_items: 200_000,
            max_string_bytes: 64 << 10,
        }
    }
}

/// Parses one file with the default limits.
pub fn parse(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    parse_with_limits(file, text, &Limits::default())
}

/// Parses one file.
pub fn parse_with_limits(
    file: FileId,
    text: &str,
    limits: &Limits,
) -> Result<File, Vec<Diagnostic>> {
    precheck(file, text, limits)?;
    let pairs = Grammar::parse(Rule::file, text).map_err(|e| vec![syntax_error(file, text, e)])?;
    let mut b = Builder {
        file,
        text,
        diags: Vec::new(),
        max_depth: limits.max_depth,
    };
    let mut items = Vec::new();
    for pair in pairs.flatten().take(1) {
        for p in pair.into_inner() {
            if p.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = b.item(p) {
                items.push(item);
            }
        }
    }
    if items.len() > limits.max_items {
        return Err(vec![Diagnostic::error(
            ParseError::TooLarge,
            Span::new(file, 0, 0),
            format!(
                "too many declarations: {} (the limit is {})",
                items.len(),
                limits.max_items
            ),
        )]);
    }
    if !b.diags.is_empty() {
        return Err(b.diags);
    }
    if items.is_empty() {
        return Err(vec![Diagnostic::error(
            ParseError::Empty,
            Span::new(file, 0, 0),
            "the file declares nothing",
        )
        .with_help(
            "a rule file holds declarations such as `use intune`, `setting`, `rule`",
        )]);
    }
    Ok(File {
        items,
        comments: comments(file, text),
    })
}

/// Size and nesting limits, checked on the raw text before pest (which recurses) runs.
fn precheck(file: FileId, text: &str, limits: &Limits) -> Result<(), Vec<Diagnostic>> {
    if text.len() > limits.max_file_bytes {
        return Err(vec![Diagnostic::error(
            ParseError::TooLarge,
            Span::new(file, 0, 0),
            format!(
                "file is too large: {} bytes (the limit is {})",
                text.len(),
                limits.max_file_bytes
            ),
        )]);
    }
    let bytes = text.as_bytes();
    // What the parser's recursion follows: brackets, and the chains of `any`, `all`
    // and `list of` (each one's body or element type nests one level deeper, up to
    // the end of the enclosing bracket or declaration). `open` holds, for each open
    // bracket, the chain length outside it.
    let mut open: Vec<usize> = Vec::new();
    let mut chain = 0usize;
    let too_deep = |at: usize, len: usize| {
        vec![Diagnostic::error(
            ParseError::TooDeep,
            Span::new(file, at, at + len),
            format!(
                "nesting is too deep (the limit is {}): brackets, `any`, `all` and `list of` nest",
                limits.max_depth
            ),
        )
        .with_help(
            "split the expression with `let` declarations, or the type with `type` declarations",
        )]
    };
    let word_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'"' || c == b'\n' {
                        break;
                    }
                    if c == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i - start > limits.max_string_bytes {
                    return Err(vec![Diagnostic::error(
                        ParseError::TooLarge,
                        Span::new(file, start, start + 1),
                        format!(
                            "string is too long: {} bytes (the limit is {})",
                            i - start,
                            limits.max_string_bytes
                        ),
                    )]);
                }
            }
            b'(' | b'[' | b'{' => {
                open.push(chain);
                if open.len() + chain > limits.max_depth {
                    return Err(too_deep(i, 1));
                }
            }
            b')' | b']' | b'}' => {
                if let Some(outside) = open.pop() {
                    chain = outside;
                }
            }
            c if word_byte(c) => {
                let after_dot = i > 0 && bytes.get(i - 1) == Some(&b'.');
                let start = i;
                while bytes.get(i).copied().is_some_and(word_byte) {
                    i += 1;
                }
                let word = bytes.get(start..i).unwrap_or_default();
                if !after_dot {
                    match word {
                        b"any" | b"all" | b"list" => {
                            chain += 1;
                            if open.len() + chain > limits.max_depth {
                                return Err(too_deep(start, word.len()));
                            }
                        }
                        // Keywords are reserved: at the top level, these only start a
                        // declaration, which ends every chain.
                        b"use" | b"type" | b"fact" | b"setting" | b"set" | b"decision" | b"let"
                        | b"rule" | b"lint" | b"facts" | b"test" | b"property"
                            if open.is_empty() =>
                        {
                            chain = 0
                        }
                        _ => {}
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The comments of a file, found by a small scan that skips string literals.
fn comments(file: FileId, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut line_has_code = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => line_has_code = false,
            '"' => {
                line_has_code = true;
                while let Some((_, c)) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' || c == '\n' {
                        break;
                    }
                }
            }
            '#' => {
                let mut end = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c == '\n' {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                out.push(Comment {
                    text: text.get(i + 1..end).unwrap_or("").trim_end().to_string(),
                    span: Span::new(file, i, end),
                    trailing: line_has_code,
                });
            }
            c if !c.is_whitespace() => line_has_code = true,
            _ => {}
        }
    }
    out
}

fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match e.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let found = text
        .get(start..)
        .and_then(|s| s.split(|c: char| c.is_whitespace()).next())
        .filter(|s| !s.is_empty())
        .map(|s| format!("`{}`", s.chars().take(20).collect::<String>()))
        .unwrap_or_else(|| "the end of the file".to_string());
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names.join(", ")
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = end
        .max(start + found.len().saturating_sub(2))
        .min(text.len());
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {expected}, found {found}")
    };
    Diagnostic::error(
        ParseError::Grammar,
        Span::new(file, start, end.max(start)),
        message,
    )
    .with_label("syntax error here")
}

fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "the end of the file",
        Rule::use_decl => "`use`",
        Rule::type_decl => "`type`",
        Rule::fact_decl => "`fact`",
        Rule::setting_decl => "`setting`",
        Rule::set_decl => "`set`",
        Rule::decision_decl => "`decision`",
        Rule::let_decl => "`let`",
        Rule::rule_decl => "`rule`",
        Rule::lint_decl => "`lint`",
        Rule::facts_decl => "`facts`",
        Rule::test_decl => "`test`",
        Rule::property_decl => "`property`",
        Rule::ident => "a name",
        Rule::path => "a name",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr => "an expression",
        Rule::cmp_op => "a comparison",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::type_expr => "a type",
        Rule::value => "a value",
        Rule::string_lit | Rule::doc | Rule::message => "a string",
        Rule::int_lit => "an integer",
        Rule::version_lit => "a version",
        Rule::json_object => "a JSON object",
        Rule::json_value => "a JSON value",
        Rule::then_clause => "`then`",
        Rule::when_clause => "`when`",
        Rule::for_clause => "`for`",
        Rule::about => "`about`",
        Rule::gate => "`requires`",
        Rule::priority_policy => "`priority`",
        Rule::first_policy => "`first`",
        Rule::collect_policy => "`collect`",
        Rule::only_when => "`only when`",
        Rule::default_clause => "`default`",
        Rule::output_clause => "`output`",
        Rule::report_clause => "`report`",
        Rule::as_clause => "`as`",
        Rule::with_clause => "`with`",
        Rule::expectation => "`expect`",
        Rule::given => "`given`",
        Rule::test_settings => "`settings`",
        Rule::lint_level => "`warning` or `error`",
        Rule::quantifier => "`any` or `all`",
        Rule::list_type
        | Rule::record_type
        | Rule::prim_type
        | Rule::enum_type
        | Rule::ordered_enum => "a type",
        Rule::field_type | Rule::field_value => "a field",
        Rule::for_all => "`for all facts`",
        Rule::varying => "`varying`",
        Rule::for_where => "`where`",
        Rule::not_op => "`not`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::paren => "`(`",
        Rule::call => "a call",
        Rule::list_lit | Rule::value_list => "a list",
        Rule::nocase => "`ignoring case`",
        _ => return None,
    })
}

/// Where a pair's last token ends: its last child's end, down to a leaf. pest lets a
/// rule's span run over whitespace skipped before an optional element that did not
/// match; tokens (leaves) end exactly. O(depth), bounded by the nesting limit.
fn tight_end(p: &P) -> usize {
    let mut cur = p.clone();
    while let Some(last) = cur.clone().into_inner().last() {
        cur = last;
    }
    cur.as_span().end()
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    diags: Vec<Diagnostic>,
    max_depth: usize,
}

type P<'a> = Pair<'a, Rule>;

impl Builder<'_> {
    /// The span of a pair, without the whitespace and comments pest skips after an
    /// optional element that did not match: it ends where its last token ends.
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        // Without the whitespace pest may have skipped at the end.
        let trimmed = self
            .text
            .get(s.start()..s.end())
            .map(|t| s.start() + t.trim_end().len())
            .unwrap_or(s.end());
        Span::new(self.file, s.start(), trimmed)
    }

    /// A declaration's span, ending at its last token (the formatter places comments
    /// by it).
    fn item_span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), tight_end(p).min(s.end()))
    }

    fn name(&self, p: P) -> Name {
        Name {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn item(&mut self, p: P) -> Option<Item> {
        let span = self.item_span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        Some(match rule {
            Rule::use_decl => Item::Use(self.name(it.next()?)),
            Rule::type_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let doc = it.next().and_then(|d| self.doc(d));
                Item::Type(TypeDecl {
                    name,
                    ty,
                    doc,
                    span,
                })
            }
            Rule::fact_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let mut default = None;
                let mut doc = None;
                for q in it {
                    match q.as_rule() {
                        Rule::value => default = Some(self.value(q)?),
                        Rule::doc => doc = self.doc(q),
                        _ => {}
                    }
                }
                Item::Fact(FactDecl {
                    name,
                    ty,
                    default,
                    doc,
                    span,
                })
            }
            Rule::setting_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let default = self.value(it.next()?)?;
                let mut doc = None;
                let mut gate = None;
                for q in it {
                    match q.as_rule() {
                        Rule::doc => doc = self.doc(q),
                        Rule::gate => gate = Some(self.gate(q)?),
                        _ => {}
                    }
                }
                Item::Setting(SettingDecl {
                    name,
                    ty,
                    default,
                    doc,
                    gate,
                    span,
                })
            }
            Rule::set_decl => {
                let mut first = it.next()?;
                let default = first.as_rule() == Rule::set_default;
                if default {
                    first = it.next()?;
                }
                let name = self.name(first);
                let value = self.value(it.next()?)?;
                Item::Set(SetDecl {
                    default,
                    name,
                    value,
                    span,
                })
            }
            Rule::decision_decl => self.decision(span, it)?,
            Rule::let_decl => {
                let name = self.name(it.next()?);
                let expr = self.expr(it.next()?)?;
                let doc = it.next().and_then(|d| self.doc(d));
                Item::Let(LetDecl {
                    name,
                    expr,
                    doc,
                    span,
                })
            }
            Rule::rule_decl => self.rule(span, it)?,
            Rule::lint_decl => {
                let error = it.next()?.as_str() == "error";
                let name = self.name(it.next()?);
                let when = self.expr(it.next()?)?;
                let message = self.string(it.next()?.into_inner().next()?);
                Item::Lint(LintDecl {
                    error,
                    name,
                    when,
                    message,
                    span,
                })
            }
            Rule::facts_decl => {
                let name = self.name(it.next()?);
                let facts = self.json(it.next()?)?;
                Item::Facts(FactsDecl { name, facts, span })
            }
            Rule::test_decl => self.test(span, it)?,
            Rule::property_decl => {
                let name = self.name(it.next()?);
                let mut doc = None;
                let mut given = None;
                let mut settings = None;
                let mut filter = None;
                let mut varying = None;
                let mut expect = None;
                for q in it {
                    match q.as_rule() {
                        Rule::doc => doc = self.doc(q),
                        Rule::ident | Rule::path => given = Some(self.name(q)),
                        Rule::test_settings => settings = Some(self.json(q.into_inner().next()?)?),
                        Rule::for_all => {
                            for r in q.into_inner() {
                                match r.as_rule() {
                                    Rule::varying => {
                                        varying = Some(self.name(r.into_inner().next()?))
                                    }
                                    _ => filter = Some(self.expr(r)?),
                                }
                            }
                        }
                        Rule::expr => expect = Some(self.expr(q)?),
                        _ => {}
                    }
                }
                Item::Property(PropertyDecl {
                    name,
                    doc,
                    given,
                    settings,
                    filter,
                    varying,
                    expect: expect?,
                    span,
                })
            }
            _ => return None,
        })
    }

    fn decision(&mut self, span: Span, mut it: pest::iterators::Pairs<Rule>) -> Option<Item> {
        let name = self.name(it.next()?);
        let pol = it.next()?;
        let policy = match pol.as_rule() {
            Rule::priority_policy => HitPolicy::Priority,
            Rule::first_policy => HitPolicy::First,
            _ => HitPolicy::Collect,
        };
        let outcomes = pol.into_inner().map(|q| self.name(q)).collect();
        let mut d = DecisionDecl {
            name,
            policy,
            outcomes,
            doc: None,
            only_when: None,
            default: None,
            outputs: Vec::new(),
            reports: Vec::new(),
            field: None,
            span,
        };
        for q in it {
            match q.as_rule() {
                Rule::doc => d.doc = self.doc(q),
                Rule::only_when => d.only_when = Some(self.expr(q.into_inner().next()?)?),
                Rule::default_clause => d.default = Some(self.name(q.into_inner().next()?)),
                Rule::as_clause => d.field = Some(self.name(q.into_inner().next()?)),
                Rule::output_clause => {
                    let mut qi = q.into_inner();
                    let n = self.name(qi.next()?);
                    let t = self.type_expr(qi.next()?)?;
                    d.outputs.push((n, t));
                }
                Rule::report_clause => {
                    let mut qi = q.into_inner();
                    let n = self.name(qi.next()?);
                    let e = self.expr(qi.next()?)?;
                    d.reports.push((n, e));
                }
                _ => {}
            }
        }
        Some(Item::Decision(d))
    }

    fn rule(&mut self, span: Span, mut it: pest::iterators::Pairs<Rule>) -> Option<Item> {
        let name = self.name(it.next()?);
        let mut about = None;
        let mut doc = None;
        let mut for_each = None;
        let mut when = None;
        let mut then = None;
        for q in it {
            match q.as_rule() {
                Rule::about => about = Some(self.name(q.into_inner().next()?)),
                Rule::doc => doc = self.doc(q),
                Rule::for_clause => {
                    let mut qi = q.into_inner();
                    let var = self.name(qi.next()?);
                    let list = self.expr(qi.next()?)?;
                    let filter = match qi.next() {
                        Some(w) => Some(self.expr(w.into_inner().next()?)?),
                        None => None,
                    };
                    for_each = Some(ForEach { var, list, filter });
                }
                Rule::when_clause => when = Some(self.expr(q.into_inner().next()?)?),
                Rule::then_clause => {
                    let tspan = self.span(&q);
                    let mut qi = q.into_inner();
                    let decision = self.name(qi.next()?);
                    let outcome = self.expr(qi.next()?)?;
                    let mut outputs = Vec::new();
                    let mut message = None;
                    for r in qi {
                        match r.as_rule() {
                            Rule::with_clause => {
                                let mut ri = r.into_inner();
                                let n = self.name(ri.next()?);
                                let e = self.expr(ri.next()?)?;
                                outputs.push((n, e));
                            }
                            Rule::message => message = Some(self.string(r.into_inner().next()?)),
                            _ => {}
                        }
                    }
                    then = Some(Then {
                        decision,
                        outcome,
                        outputs,
                        message,
                        span: tspan,
                    });
                }
                _ => {}
            }
        }
        Some(Item::Rule(RuleDecl {
            name,
            about,
            doc,
            for_each,
            when,
            then: then?,
            span,
        }))
    }

    fn test(&mut self, span: Span, mut it: pest::iterators::Pairs<Rule>) -> Option<Item> {
        let name = self.name(it.next()?);
        let mut doc = None;
        let mut given = Given {
            base: None,
            patch: None,
        };
        let mut settings = None;
        let mut expectations = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::doc => doc = self.doc(q),
                Rule::given => {
                    for g in q.into_inner() {
                        match g.as_rule() {
                            Rule::ident | Rule::path => given.base = Some(self.name(g)),
                            Rule::json_object => given.patch = Some(self.json(g)?),
                            _ => {}
                        }
                    }
                }
                Rule::test_settings => settings = Some(self.json(q.into_inner().next()?)?),
                Rule::expectation => {
                    let e = q.into_inner().next()?;
                    match e.as_rule() {
                        Rule::expect_error => expectations.push(Expectation::Error(self.span(&e))),
                        _ => {
                            let mut ei = e.into_inner();
                            let path = self.name(ei.next()?);
                            let value = self.value(ei.next()?)?;
                            expectations.push(Expectation::Value { path, value });
                        }
                    }
                }
                _ => {}
            }
        }
        Some(Item::Test(TestDecl {
            name,
            doc,
            given,
            settings,
            expectations,
            span,
        }))
    }

    fn doc(&mut self, p: P) -> Option<String> {
        Some(self.string(p.into_inner().next()?))
    }

    fn gate(&mut self, p: P) -> Option<Gate> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let condition = self.expr(it.next()?)?;
        let mut only_for = None;
        let mut fallback = None;
        for q in it {
            match q.as_rule() {
                Rule::gate_for => only_for = Some(self.value(q.into_inner().next()?)?),
                Rule::value => fallback = Some(self.value(q)?),
                _ => {}
            }
        }
        Some(Gate {
            condition,
            only_for,
            fallback: fallback?,
            span,
        })
    }

    /// Decodes a string literal's escapes.
    fn string(&mut self, p: P) -> String {
        unescape(p.into_inner().next().map(|i| i.as_str()).unwrap_or(""))
    }

    fn int(&mut self, p: &P) -> Option<i64> {
        match p.as_str().parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        self.span(p),
                        format!("integer `{}` is out of range", p.as_str()),
                    )
                    .with_help(format!(
                        "integers must lie between {} and {}",
                        i64::MIN,
                        i64::MAX
                    )),
                );
                None
            }
        }
    }

    fn type_expr(&mut self, p: P) -> Option<TypeExpr> {
        let span = self.span(&p);
        let mut optional = false;
        let mut kind = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::optional_kw => optional = true,
                _ => kind = Some(self.base_type(q)?),
            }
        }
        Some(TypeExpr {
            optional,
            kind: kind?,
            span,
        })
    }

    fn base_type(&mut self, p: P) -> Option<TypeKind> {
        Some(match p.as_rule() {
            Rule::list_type => {
                let inner = p.into_inner().next()?;
                let span = self.span(&inner);
                TypeKind::List(Box::new(TypeExpr {
                    optional: false,
                    kind: self.base_type(inner)?,
                    span,
                }))
            }
            Rule::record_type => {
                let mut fields = Vec::new();
                for f in p.into_inner() {
                    let mut fi = f.into_inner();
                    let n = self.name(fi.next()?);
                    let t = self.type_expr(fi.next()?)?;
                    fields.push((n, t));
                }
                TypeKind::Record(fields)
            }
            Rule::group_type => TypeKind::Group,
            Rule::prim_type => {
                let q = p.into_inner().next()?;
                match q.as_rule() {
                    Rule::bool_type => TypeKind::Bool,
                    Rule::int_type => {
                        let min = match q.into_inner().next() {
                            Some(i) => Some(self.int(&i)?),
                            None => None,
                        };
                        TypeKind::Int { min }
                    }
                    Rule::string_type => TypeKind::String {
                        nocase: q.into_inner().next().is_some(),
                    },
                    _ => TypeKind::Version,
                }
            }
            Rule::ordered_enum | Rule::enum_type => {
                let ordered = p.as_rule() == Rule::ordered_enum;
                TypeKind::Enum {
                    variants: p.into_inner().map(|q| self.name(q)).collect(),
                    ordered,
                }
            }
            Rule::type_ref => TypeKind::Ref(self.name(p.into_inner().next()?)),
            _ => return None,
        })
    }

    fn value(&mut self, p: P) -> Option<ValueLit> {
        let span = self.span(&p);
        let q = if p.as_rule() == Rule::value {
            p.into_inner().next()?
        } else {
            p
        };
        let kind = match q.as_rule() {
            Rule::value_list => {
                let mut items = Vec::new();
                for v in q.into_inner() {
                    items.push(self.value(v)?);
                }
                ValueKind::List(items)
            }
            Rule::value_record => {
                let mut fields = Vec::new();
                for f in q.into_inner() {
                    let mut fi = f.into_inner();
                    let n = self.name(fi.next()?);
                    let v = self.value(fi.next()?)?;
                    fields.push((n, v));
                }
                ValueKind::Record(fields)
            }
            Rule::version_lit => ValueKind::Version(q.as_str().to_string()),
            Rule::int_lit => ValueKind::Int(self.int(&q)?),
            Rule::string_lit => ValueKind::Str(self.string(q)),
            Rule::bool_lit => ValueKind::Bool(q.as_str() == "true"),
            _ => ValueKind::Ident(q.as_str().to_string()),
        };
        Some(ValueLit { kind, span })
    }

    fn json(&mut self, p: P) -> Option<Json> {
        let span = self.span(&p);
        Some(Json {
            value: self.json_value(p)?,
            span,
        })
    }

    fn json_value(&mut self, p: P) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        let q = if p.as_rule() == Rule::json_value {
            p.into_inner().next()?
        } else {
            p
        };
        Some(match q.as_rule() {
            Rule::json_object => {
                let mut map = serde_json::Map::new();
                for pair in q.into_inner() {
                    let mut pi = pair.into_inner();
                    let key = pi.next()?;
                    let key_span = self.span(&key);
                    let k = self.string(key);
                    let v = self.json_value(pi.next()?)?;
                    if map.contains_key(&k) {
                        // A duplicate key would be last-wins: never guess in a policy.
                        self.diags.push(Diagnostic::error(
                            ParseError::DuplicateKey,
                            key_span,
                            format!("key `{k}` appears twice in this JSON object"),
                        ));
                        return None;
                    }
                    map.insert(k, v);
                }
                J::Object(map)
            }
            Rule::json_array => {
                let mut items = Vec::new();
                for v in q.into_inner() {
                    items.push(self.json_value(v)?);
                }
                J::Array(items)
            }
            Rule::string_lit => J::String(self.string(q)),
            Rule::json_number => match serde_json::from_str::<J>(q.as_str()) {
                Ok(v) => v,
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        self.span(&q),
                        format!("number `{}` is out of range", q.as_str()),
                    ));
                    return None;
                }
            },
            Rule::json_true => J::Bool(true),
            Rule::json_false => J::Bool(false),
            _ => J::Null,
        })
    }

    fn expr(&mut self, p: P) -> Option<Expr> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let text = p.as_str();
        let mut it = p.into_inner();
        let kind = match rule {
            Rule::expr | Rule::paren => return self.expr(it.next()?),
            Rule::quantified => {
                let all = it.next()?.as_str() == "all";
                let var = self.name(it.next()?);
                let list = self.expr(it.next()?)?;
                let body = self.expr(it.next()?)?;
                ExprKind::Quant {
                    all,
                    var,
                    list: Box::new(list),
                    body: Box::new(body),
                }
            }
            Rule::or_expr | Rule::and_expr => {
                let mut parts = Vec::new();
                for q in it.filter(|q| !matches!(q.as_rule(), Rule::kw_and | Rule::kw_or)) {
                    parts.push(self.expr(q)?);
                }
                if parts.len() == 1 {
                    return parts.pop();
                }
                if rule == Rule::or_expr {
                    ExprKind::Or(parts)
                } else {
                    ExprKind::And(parts)
                }
            }
            Rule::not_expr => {
                let mut nots = 0usize;
                let mut inner = None;
                for q in it {
                    if q.as_rule() == Rule::not_op {
                        nots += 1;
                    } else {
                        inner = Some(self.expr(q)?);
                    }
                }
                let inner = inner?;
                if nots % 2 == 0 {
                    return Some(inner);
                }
                ExprKind::Not(Box::new(inner))
            }
            Rule::cmp_expr => {
                let lhs = self.expr(it.next()?)?;
                let Some(op) = it.next() else {
                    return Some(lhs);
                };
                let op = match op.as_str() {
                    "==" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<=" => CmpOp::Le,
                    ">=" => CmpOp::Ge,
                    "<" => CmpOp::Lt,
                    ">" => CmpOp::Gt,
                    "in" => CmpOp::In,
                    _ => CmpOp::NotIn,
                };
                let rhs = self.expr(it.next()?)?;
                ExprKind::Cmp(op, Box::new(lhs), Box::new(rhs))
            }
            Rule::add_expr | Rule::mul_expr => {
                let mut acc = self.expr(it.next()?)?;
                let mut ops = 0usize;
                while let Some(op) = it.next() {
                    // A chain of operators nests like brackets do: same limit.
                    ops += 1;
                    if ops > self.max_depth {
                        self.diags.push(
                            Diagnostic::error(
                                ParseError::TooDeep,
                                Span::new(self.file, op.as_span().start(), op.as_span().end()),
                                format!(
                                    "too many operators in a row (the limit is {})",
                                    self.max_depth
                                ),
                            )
                            .with_help("split the expression with `let` declarations"),
                        );
                        return None;
                    }
                    let op = match op.as_str() {
                        "+" => ArithOp::Add,
                        "-" => ArithOp::Sub,
                        _ => ArithOp::Mul,
                    };
                    let rhs = self.expr(it.next()?)?;
                    let s = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Arith(op, Box::new(acc), Box::new(rhs)),
                        span: s,
                    };
                }
                return Some(acc);
            }
            Rule::call => {
                let name = self.name(it.next()?);
                let mut args = Vec::new();
                for q in it {
                    args.push(self.expr(q)?);
                }
                ExprKind::Call(name, args)
            }
            Rule::list_lit => {
                let mut items = Vec::new();
                for q in it {
                    items.push(self.expr(q)?);
                }
                ExprKind::List(items)
            }
            Rule::version_lit => ExprKind::Version(text.to_string()),
            Rule::int_lit => match text.parse::<i64>() {
                Ok(v) => ExprKind::Int(v),
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        span,
                        format!("integer `{text}` is out of range"),
                    ));
                    return None;
                }
            },
            Rule::string_lit => {
                ExprKind::Str(unescape(it.next().map(|i| i.as_str()).unwrap_or("")))
            }
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::path => ExprKind::Path(text.to_string()),
            _ => return None,
        };
        Some(Expr { kind, span })
    }
}

/// Decodes the escapes of a string literal, as JSON does: `\"`, `\\`, `\/`, `\b`,
/// `\f`, `\n`, `\r`, `\t` and `\u` with four hex digits (surrogate pairs too). Any other escaped
/// character stands for itself.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<u32> {
                    let s: String = (0..4).filter_map(|_| chars.next()).collect();
                    if s.len() == 4 {
                        u32::from_str_radix(&s, 16).ok()
                    } else {
                        None
                    }
                };
                match hex(&mut chars) {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let mut look = chars.clone();
                        let lo = if look.next() == Some('\\') && look.next() == Some('u') {
                            hex(&mut look).filter(|lo| (0xDC00..=0xDFFF).contains(lo))
                        } else {
                            None
                        };
                        match lo {
                            Some(lo) => {
                                chars = look;
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                            }
                            None => out.push('\u{fffd}'),
                        }
                    }
                    Some(code) => out.push(char::from_u32(code).unwrap_or('\u{fffd}')),
                    None => out.push('\u{fffd}'),
                }
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}
