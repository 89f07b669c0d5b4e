//! Step two: AST → checked IR.
//!
//! The checker resolves every name (facts, settings, decisions, lets, loop variables,
//! enum values), checks every type, and reports all the errors of all files at once.
//! It recurses over expressions; the parser's nesting limit bounds the depth.

use super::ir::*;
use crate::builtins::Builtin;
use crate::codes::CheckError;
use crate::diag::Diagnostic;
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, CmpOp, ExprKind, HitPolicy, Item, TypeKind, ValueKind};
use crate::value::{EnumType, Type, Value, Version};
use indexmap::IndexMap;
use std::sync::Arc;

/// Checks parsed files (in order: the bundled policy first, then custom files).
/// Returns the program and its warnings, or every diagnostic when there are errors.
pub fn check(
    sources: Sources,
    files: &[ast::File],
) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut c = Checker {
        diags: Vec::new(),
        types: IndexMap::new(),
        type_state: std::collections::HashMap::new(),
        lets: IndexMap::new(),
        let_sizes: IndexMap::new(),
        budget: MAX_EXPANDED_NODES,
        p: Program {
            sources,
            key_paths: std::sync::OnceLock::new(),
            facts: IndexMap::new(),
            groups: IndexMap::new(),
            settings: IndexMap::new(),
            decisions: IndexMap::new(),
            rules: Vec::new(),
            lints: Vec::new(),
            overrides: Vec::new(),
            default_sets: IndexMap::new(),
            fact_sets: IndexMap::new(),
            tests: Vec::new(),
            properties: Vec::new(),
        },
    };
    let items: Vec<&Item> = files.iter().flat_map(|f| f.items.iter()).collect();
    c.run(&items);
    let Checker { diags, p, .. } = c;
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok((p, diags))
    }
}

struct Checker {
    diags: Vec<Diagnostic>,
    types: IndexMap<String, (ast::TypeExpr, Option<Type>, Span)>,
    /// Named types being resolved (`false`) or that failed (`true`): a cycle is
    /// found by meeting a type being resolved, and a failed type is reported once.
    type_state: std::collections::HashMap<String, bool>,
    lets: IndexMap<String, (TExpr, Type, Span)>,
    /// Size and depth of each `let` once its uses of other lets are expanded.
    let_sizes: IndexMap<String, (usize, usize)>,
    /// Nodes the current declaration may still expand from lets.
    budget: usize,
    p: Program,
}

/// Most nodes one declaration may hold once its lets are expanded.
pub const MAX_EXPANDED_NODES: usize = 100_000;
/// Deepest a `let` may nest once expanded.
pub const MAX_EXPANDED_DEPTH: usize = 256;
/// How deep lists and records may nest in a type, through `type` declarations too.
pub const MAX_TYPE_DEPTH: usize = 32;

/// Size and depth of an expression (bounded: lets are checked as they are declared).
fn size_depth(e: &TExpr) -> (usize, usize) {
    let mut size = 0usize;
    let mut depth = 0usize;
    fn go(e: &TExpr, d: usize, size: &mut usize, depth: &mut usize) {
        *size += 1;
        *depth = (*depth).max(d);
        match e {
            TExpr::Field(x, _) | TExpr::Present(x) | TExpr::Not(x) => go(x, d + 1, size, depth),
            TExpr::And(xs) | TExpr::Or(xs) | TExpr::List(xs) | TExpr::Call(_, xs) => {
                for x in xs {
                    go(x, d + 1, size, depth);
                }
            }
            TExpr::Cmp(_, a, b, _) | TExpr::Arith(_, a, b) => {
                go(a, d + 1, size, depth);
                go(b, d + 1, size, depth);
            }
            TExpr::Quant { list, body, .. } => {
                go(list, d + 1, size, depth);
                go(body, d + 1, size, depth);
            }
            _ => {}
        }
    }
    go(e, 1, &mut size, &mut depth);
    (size, depth)
}

/// What an expression may refer to.
#[derive(Clone, Default)]
struct Cx {
    facts: bool,
    decisions: bool,
    /// In a `varying` property: `varied.NAME` reads the second world.
    varying: bool,
    vars: Vec<(String, Type)>,
    what: &'static str,
}

impl Cx {
    fn facts(what: &'static str) -> Cx {
        Cx {
            facts: true,
            what,
            ..Cx::default()
        }
    }
    fn settings_only(what: &'static str) -> Cx {
        Cx {
            what,
            ..Cx::default()
        }
    }
}

const BAD: (TExpr, Type) = (TExpr::Const(Value::Absent), Type::Unknown);

impl Checker {
    fn err(&mut self, code: CheckError, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, span, msg)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn run(&mut self, items: &[&Item]) {
        // Pass 1: types, facts, settings, decisions (so order does not matter).
        for item in items {
            if let Item::Type(t) = item {
                if self.types.contains_key(&t.name.text) {
                    let d = self.err(
                        CheckError::Duplicate,
                        t.name.span,
                        format!("type `{}` is declared twice", t.name.text),
                    );
                    self.push(d);
                }
                self.types
                    .insert(t.name.text.clone(), (t.ty.clone(), None, t.name.span));
            }
        }
        let names: Vec<String> = self.types.keys().cloned().collect();
        for n in names {
            self.resolve_named_type(&n, 0);
        }
        for item in items {
            match item {
                Item::Fact(f) => self.fact(f),
                Item::Setting(s) => self.setting_decl(s),
                _ => {}
            }
        }
        self.assign_groups();
        for item in items {
            if let Item::Decision(d) = item {
                self.decision(d);
            }
        }
        // Gates need facts; checked once all facts are known.
        for item in items {
            if let Item::Setting(s) = item {
                self.gate(s);
            }
        }
        for item in items {
            match item {
                Item::Let(l) => self.let_decl(l),
                Item::Facts(f) => {
                    if !f.facts.value.is_object() {
                        let d = self.err(
                            CheckError::FactSetNotAnObject,
                            f.facts.span,
                            "a fact set must be a JSON object",
                        );
                        self.push(d);
                    }
                    if self.p.fact_sets.contains_key(&f.name.text) {
                        let d = self.err(
                            CheckError::Duplicate,
                            f.name.span,
                            format!("fact set `{}` is declared twice", f.name.text),
                        );
                        self.push(d);
                    }
                    self.p
                        .fact_sets
                        .insert(f.name.text.clone(), (f.facts.value.clone(), f.span));
                }
                _ => {}
            }
        }
        for item in items {
            match item {
                Item::Rule(r) => self.rule(r),
                Item::Lint(l) => self.lint(l),
                Item::Set(s) => self.set(s),
                Item::Test(t) => self.test(t),
                Item::Property(p) => self.property(p),
                Item::Use(u) if u.text != "intune" && u.text != "intune_current" => {
                    let d = self
                        .err(CheckError::Unknown, u.span, format!("unknown policy `{}`", u.text))
                        .with_help("the bundled policies are `use intune` (the seed's defaults) and `use intune_current` (today's portal defaults)");
                    self.push(d);
                }
                _ => {}
            }
        }
        let mut seen: IndexMap<&str, Span> = IndexMap::new();
        for r in &self.p.rules {
            if let Some(prev) = seen.insert(r.name.as_str(), r.span) {
                let _ = prev;
                self.diags.push(
                    Diagnostic::error(
                        CheckError::Duplicate,
                        r.span,
                        format!("rule `{}` is declared twice", r.name),
                    )
                    .with_help("give each rule its own name"),
                );
            }
        }
    }

    // ------------------------------------------------------------ types

    fn resolve_named_type(&mut self, name: &str, depth: usize) -> Option<Type> {
        let (te, resolved, span) = self.types.get(name)?.clone();
        if let Some(t) = resolved {
            return Some(t);
        }
        match self.type_state.get(name) {
            Some(true) => return None,
            Some(false) => {
                let d = self.err(
                    CheckError::CyclicType,
                    span,
                    format!("type `{name}` refers to itself"),
                );
                self.push(d);
                return None;
            }
            None => {}
        }
        if depth > MAX_TYPE_DEPTH {
            let d = self.err(
                CheckError::TypeTooDeep,
                span,
                format!("type `{name}` refers through more than {MAX_TYPE_DEPTH} other types"),
            );
            self.push(d);
            return None;
        }
        self.type_state.insert(name.to_string(), false);
        let t = self.type_expr_at(&te, depth + 1);
        let Some(mut t) = t else {
            self.type_state.insert(name.to_string(), true);
            return None;
        };
        self.type_state.remove(name);
        if let Type::Enum(e) = &t {
            t = Type::Enum(Arc::new(EnumType::new(
                Some(name.to_string()),
                e.variants.clone(),
                e.ordered,
            )));
        }
        if let Some(entry) = self.types.get_mut(name) {
            entry.1 = Some(t.clone());
        }
        Some(t)
    }

    fn type_expr(&mut self, te: &ast::TypeExpr) -> Option<Type> {
        self.type_expr_at(te, 0)
    }

    /// `None` (and an error) when a list or record of `inner` would nest deeper than
    /// [`MAX_TYPE_DEPTH`]: chains of `type` declarations build types level by level,
    /// so the bound is checked here, where each level is built.
    fn nest_ok(&mut self, inner: &Type, span: crate::source::Span) -> Option<()> {
        if inner.depth() < MAX_TYPE_DEPTH {
            return Some(());
        }
        let d = self.err(
            CheckError::TypeTooDeep,
            span,
            format!("this type nests deeper than {MAX_TYPE_DEPTH} levels of lists and records"),
        );
        self.push(d);
        None
    }

    fn type_expr_at(&mut self, te: &ast::TypeExpr, depth: usize) -> Option<Type> {
        let t = match &te.kind {
            TypeKind::Bool => Type::Bool,
            TypeKind::Int { min } => Type::Int { min: *min },
            TypeKind::String { nocase } => Type::Str { nocase: *nocase },
            TypeKind::Version => Type::Version,
            TypeKind::Group => Type::Group,
            TypeKind::List(inner) => {
                let inner = self.type_expr_at(inner, depth)?;
                self.nest_ok(&inner, te.span)?;
                Type::List(Box::new(inner))
            }
            TypeKind::Record(fields) => {
                let mut out: Vec<(String, Type)> = Vec::new();
                let mut names: std::collections::HashSet<&str> = std::collections::HashSet::new();
                for (n, t) in fields {
                    if !names.insert(n.text.as_str()) {
                        let d = self.err(
                            CheckError::Duplicate,
                            n.span,
                            format!("field `{}` is declared twice", n.text),
                        );
                        self.push(d);
                    }
                    let ft = self.type_expr_at(t, depth)?;
                    self.nest_ok(&ft, te.span)?;
                    out.push((n.text.clone(), ft));
                }
                Type::Record(Arc::new(out))
            }
            TypeKind::Enum { variants, ordered } => {
                let mut vs: Vec<String> = Vec::new();
                let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
                for v in variants {
                    if !seen.insert(v.text.as_str()) {
                        let d = self.err(
                            CheckError::Duplicate,
                            v.span,
                            format!("value `{}` is listed twice", v.text),
                        );
                        self.push(d);
                    }
                    vs.push(v.text.clone());
                }
                Type::Enum(Arc::new(EnumType::new(None, vs, *ordered)))
            }
            TypeKind::Ref(n) => match self.types.contains_key(&n.text) {
                true => self.resolve_named_type(&n.text, depth)?,
                false => {
                    let d = self
                        .err(
                            CheckError::Unknown,
                            n.span,
                            format!("unknown type `{}`", n.text),
                        )
                        .with_help(
                            "declare it with `type NAME = ...`, or list values with `a | b`",
                        );
                    self.push(d);
                    return None;
                }
            },
        };
        Some(if te.optional {
            Type::Optional(Box::new(t))
        } else {
            t
        })
    }

    // ------------------------------------------------------------ declarations

    fn fact(&mut self, f: &ast::FactDecl) {
        let Some(t) = self.type_expr(&f.ty) else {
            return;
        };
        if self.p.facts.contains_key(&f.name.text) || self.p.groups.contains_key(&f.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                f.name.span,
                format!("fact `{}` is declared twice", f.name.text),
            );
            self.push(d);
            return;
        }
        if t.strip_optional() == &Type::Group {
            self.p.groups.insert(
                f.name.text.clone(),
                GroupDef {
                    name: f.name.text.clone(),
                    doc: f.doc.clone().unwrap_or_default(),
                    span: f.span,
                },
            );
            return;
        }
        let optional = matches!(t, Type::Optional(_));
        let ty = t.strip_optional().clone();
        let default = match &f.default {
            Some(v) => self.lit_value(v, &ty),
            None => None,
        };
        self.p.facts.insert(
            f.name.text.clone(),
            FactDef {
                name: f.name.text.clone(),
                ty,
                optional,
                default,
                group: None,
                doc: f.doc.clone().unwrap_or_default(),
                span: f.span,
            },
        );
    }

    fn assign_groups(&mut self) {
        let groups: Vec<String> = self.p.groups.keys().cloned().collect();
        for f in self.p.facts.values_mut() {
            f.group = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| f.name.starts_with(&format!("{g}.")))
                .max_by_key(|(_, g)| g.len())
                .map(|(i, _)| i);
        }
        let settings: Vec<(String, Span)> = self
            .p
            .settings
            .iter()
            .map(|(k, s)| (k.clone(), s.span))
            .collect();
        for (name, span) in settings {
            if self.p.facts.contains_key(&name) || self.p.groups.contains_key(&name) {
                let d = self.err(
                    CheckError::Duplicate,
                    span,
                    format!("`{name}` is declared both as a fact and as a setting"),
                );
                self.push(d);
            }
        }
    }

    fn setting_decl(&mut self, s: &ast::SettingDecl) {
        let Some(ty) = self.type_expr(&s.ty) else {
            return;
        };
        if self.p.settings.contains_key(&s.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                s.name.span,
                format!("setting `{}` is declared twice", s.name.text),
            );
            self.push(d);
            return;
        }
        let Some(default) = self.lit_value(&s.default, &ty) else {
            return;
        };
        self.p.settings.insert(
            s.name.text.clone(),
            SettingDef {
                name: s.name.text.clone(),
                ty,
                default,
                doc: s.doc.clone().unwrap_or_default(),
                gate: None,
                span: s.span,
            },
        );
    }

    fn gate(&mut self, s: &ast::SettingDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let Some(g) = &s.gate else { return };
        let Some(ty) = self.p.settings.get(&s.name.text).map(|d| d.ty.clone()) else {
            return;
        };
        let condition = self.bool_expr(&g.condition, &Cx::facts("a `requires` condition"));
        let only_for = match &g.only_for {
            Some(v) => self.lit_value(v, &ty),
            None => None,
        };
        let Some(fallback) = self.lit_value(&g.fallback, &ty) else {
            return;
        };
        if let Some(def) = self.p.settings.get_mut(&s.name.text) {
            def.gate = Some(GateDef {
                condition,
                only_for,
                fallback,
                span: g.span,
            });
        }
    }

    fn decision(&mut self, d: &ast::DecisionDecl) {
        self.budget = MAX_EXPANDED_NODES;
        if self.p.decisions.contains_key(&d.name.text) {
            let e = self.err(
                CheckError::Duplicate,
                d.name.span,
                format!("decision `{}` is declared twice", d.name.text),
            );
            self.push(e);
            return;
        }
        let mut variants: Vec<String> = Vec::new();
        for o in &d.outcomes {
            if variants.contains(&o.text) {
                let e = self.err(
                    CheckError::Duplicate,
                    o.span,
                    format!("outcome `{}` is listed twice", o.text),
                );
                self.push(e);
            }
            variants.push(o.text.clone());
        }
        if variants.len() > crate::semantics::outcome::MAX_OUTCOMES {
            let e = self.err(
                CheckError::TooManyOutcomes,
                d.name.span,
                format!(
                    "decision `{}` lists {} outcomes; at most {} are allowed",
                    d.name.text,
                    variants.len(),
                    crate::semantics::outcome::MAX_OUTCOMES
                ),
            );
            self.push(e);
            return;
        }
        let outcomes = Arc::new(EnumType::new(
            Some(d.name.text.clone()),
            variants,
            d.policy == HitPolicy::Priority,
        ));
        let default = match &d.default {
            Some(n) if outcomes.index(&n.text).is_some() => Some(Value::enum_(&n.text)),
            Some(n) => {
                let e = self.err(
                    CheckError::UnknownOutcome,
                    n.span,
                    format!(
                        "default `{}` is not an outcome of decision `{}`",
                        n.text, d.name.text
                    ),
                );
                self.push(e);
                None
            }
            None if d.policy == HitPolicy::Collect => None,
            None => outcomes.variants.first().map(|v| Value::enum_(v)),
        };
        let only_when = d
            .only_when
            .as_ref()
            .map(|e| self.bool_expr(e, &Cx::facts("an `only when` condition")));
        let mut outputs = Vec::new();
        for (n, t) in &d.outputs {
            if let Some(t) = self.type_expr(t) {
                outputs.push((n.text.clone(), t));
            }
        }
        let mut reports = Vec::new();
        for (n, e) in &d.reports {
            let (te, _) = self.expr(e, &Cx::facts("a `report`"));
            reports.push((n.text.clone(), te));
        }
        let field = match (&d.field, d.policy) {
            (Some(f), _) => f.text.clone(),
            (None, HitPolicy::Collect) => "outcomes".to_string(),
            (None, _) => "outcome".to_string(),
        };
        self.p.decisions.insert(
            d.name.text.clone(),
            DecisionDef {
                name: d.name.text.clone(),
                policy: d.policy,
                outcomes,
                default,
                only_when,
                outputs,
                reports,
                field,
                doc: d.doc.clone().unwrap_or_default(),
                span: d.span,
            },
        );
    }

    fn let_decl(&mut self, l: &ast::LetDecl) {
        if self.lets.contains_key(&l.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                l.name.span,
                format!("`let {}` is declared twice", l.name.text),
            );
            self.push(d);
            return;
        }
        self.budget = MAX_EXPANDED_NODES;
        let (e, t) = self.expr(&l.expr, &Cx::facts("a `let`"));
        let (size, depth) = size_depth(&e);
        if depth > MAX_EXPANDED_DEPTH {
            let d = self.err(
                CheckError::LetTooLarge,
                l.name.span,
                format!("`let {}` nests {depth} deep once its lets are expanded (the limit is {MAX_EXPANDED_DEPTH})", l.name.text),
            );
            self.push(d);
            // Later uses see an unknown type rather than a cascade of errors.
            self.let_sizes.insert(l.name.text.clone(), (1, 1));
            self.lets
                .insert(l.name.text.clone(), (BAD.0, BAD.1, l.span));
            return;
        }
        self.let_sizes.insert(l.name.text.clone(), (size, depth));
        self.lets.insert(l.name.text.clone(), (e, t, l.span));
    }

    fn rule(&mut self, r: &ast::RuleDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let about = match &r.about {
            Some(n) => self.resolve(n, "setting"),
            None => None,
        };
        let mut cx = Cx::facts("a rule");
        let for_each = match &r.for_each {
            Some(fe) => {
                let (list, lt) = self.expr(&fe.list, &Cx::settings_only("the list of a `for`"));
                let item = match lt.strip_optional() {
                    Type::List(t) => (**t).clone(),
                    Type::Unknown => Type::Unknown,
                    other => {
                        let d = self.err(
                            CheckError::NotAList,
                            fe.list.span,
                            format!("`for` needs a list, found {other}"),
                        );
                        self.push(d);
                        Type::Unknown
                    }
                };
                cx.vars.push((fe.var.text.clone(), item));
                let filter = fe.filter.as_ref().map(|f| self.bool_expr(f, &cx));
                Some((list, filter))
            }
            None => None,
        };
        let when = match &r.when {
            Some(w) => self.bool_expr(w, &cx),
            None => TExpr::Const(Value::Bool(true)),
        };
        let Some(decision) = self.p.decisions.get_index_of(&r.then.decision.text) else {
            let d = self.unknown(r.then.decision.span, &r.then.decision.text, "decision");
            self.push(d);
            return;
        };
        let (outcomes, outputs_decl) = match self.p.decisions.get_index(decision) {
            Some((_, d)) => (d.outcomes.clone(), d.outputs.clone()),
            None => return,
        };
        let mut ocx = cx.clone();
        ocx.facts = false;
        ocx.what = "an outcome";
        let (outcome, ot) = self.expr(&r.then.outcome, &ocx);
        match ot.strip_optional() {
            Type::Literal(n) if outcomes.index(n).is_none() => {
                let d = self
                    .err(
                        CheckError::UnknownOutcome,
                        r.then.outcome.span,
                        format!(
                            "`{n}` is not an outcome of decision `{}`",
                            r.then.decision.text
                        ),
                    )
                    .with_help(format!("the outcomes are {}", outcomes.variants.join(", ")));
                self.push(d);
            }
            Type::Literal(_) | Type::Unknown => {}
            Type::Enum(e) if e.variants.iter().any(|v| outcomes.index(v).is_some()) => {}
            other => {
                let d = self.err(
                    CheckError::UnknownOutcome,
                    r.then.outcome.span,
                    format!(
                        "the outcome of decision `{}` must be one of its outcomes, found {other}",
                        r.then.decision.text
                    ),
                );
                self.push(d);
            }
        }
        let mut outputs = Vec::new();
        for (n, e) in &r.then.outputs {
            let Some(idx) = outputs_decl.iter().position(|(m, _)| *m == n.text) else {
                let d = self
                    .err(
                        CheckError::Unknown,
                        n.span,
                        format!(
                            "decision `{}` has no output `{}`",
                            r.then.decision.text, n.text
                        ),
                    )
                    .with_help("declare it in the decision with `output NAME: TYPE`");
                self.push(d);
                continue;
            };
            let want = outputs_decl[idx].1.clone();
            let te = self.expr_expecting(e, &want, &cx);
            outputs.push((idx, te));
        }
        let message = match &r.then.message {
            Some(m) => self.message(m, r.then.span, &ocx),
            None => vec![MsgPart::Text(
                r.doc
                    .clone()
                    .unwrap_or_else(|| r.name.text.replace('_', " ")),
            )],
        };
        self.p.rules.push(RuleDef {
            name: r.name.text.clone(),
            about,
            doc: r.doc.clone().unwrap_or_default(),
            for_each,
            when,
            decision,
            outcome,
            outputs,
            message,
            span: r.span,
        });
    }

    /// Splits `text {name} text` into parts; each `{...}` is a path expression.
    fn message(&mut self, m: &str, span: Span, cx: &Cx) -> Vec<MsgPart> {
        let mut parts = Vec::new();
        let mut rest = m;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            if open > 0 {
                parts.push(MsgPart::Text(rest[..open].to_string()));
            }
            let inner = rest[open + 1..open + close].trim();
            let e = ast::Expr {
                kind: ExprKind::Path(inner.to_string()),
                span,
            };
            let (te, _) = self.expr(&e, cx);
            parts.push(MsgPart::Expr(te));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(MsgPart::Text(rest.to_string()));
        }
        parts
    }

    fn lint(&mut self, l: &ast::LintDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let cx = Cx::settings_only("a lint");
        let when = self.bool_expr(&l.when, &cx);
        let message = self.message(&l.message, l.span, &cx);
        self.p.lints.push(LintDef {
            error: l.error,
            name: l.name.text.clone(),
            when,
            message,
            span: l.span,
        });
    }

    fn set(&mut self, s: &ast::SetDecl) {
        let Some((id, _, def)) = self.p.settings.get_full(&s.name.text) else {
            let d = self.unknown(s.name.span, &s.name.text, "setting");
            self.push(d);
            return;
        };
        let ty = def.ty.clone();
        if s.default {
            if let Some(first) = self.p.default_sets.get(&id) {
                let place = self.p.sources.locate(*first);
                let d = self
                    .err(
                        CheckError::Duplicate,
                        s.name.span,
                        format!(
                            "the default of setting `{}` is set twice (first at {place})",
                            s.name.text
                        ),
                    )
                    .with_help("keep one `set default` line per setting");
                self.push(d);
                return;
            }
            if let Some(v) = self.lit_value(&s.value, &ty) {
                self.p.default_sets.insert(id, s.span);
                if let Some((_, def)) = self.p.settings.get_index_mut(id) {
                    def.default = v;
                }
            }
            return;
        }
        // A second `set` of one setting (in one file or across files) would make the
        // order of the files decide: never guess which one counts.
        if let Some((_, _, first)) = self.p.overrides.iter().find(|(i, _, _)| *i == id) {
            let place = self.p.sources.locate(*first);
            let d = self
                .err(
                    CheckError::Duplicate,
                    s.name.span,
                    format!("setting `{}` is set twice (first at {place})", s.name.text),
                )
                .with_help("keep one `set` line per setting");
            self.push(d);
            return;
        }
        if let Some(v) = self.lit_value(&s.value, &ty) {
            self.p.overrides.push((id, v, s.span));
        }
    }

    fn test(&mut self, t: &ast::TestDecl) {
        let facts = self.given(&t.given);
        let mut expect = Vec::new();
        for e in &t.expectations {
            match e {
                ast::Expectation::Error(_) => expect.push(Expect::Error),
                ast::Expectation::Value { path, value } => {
                    if let Some(x) = self.expectation(path, value) {
                        expect.push(x);
                    }
                }
            }
        }
        self.p.tests.push(TestDef {
            name: t.name.text.clone(),
            facts,
            settings: t.settings.as_ref().map(|j| j.value.clone()),
            expect,
            span: t.span,
        });
    }

    fn given(&mut self, g: &ast::Given) -> serde_json::Value {
        let mut base = match &g.base {
            Some(n) => match self.p.fact_sets.get(fact_set_key(&n.text)) {
                Some((v, span)) => {
                    let (v, span) = (v.clone(), *span);
                    self.known_fact_keys(&v, span);
                    v
                }
                None => {
                    let d = self.unknown(n.span, &n.text, "fact set");
                    self.push(d);
                    serde_json::Value::Object(Default::default())
                }
            },
            None => serde_json::Value::Object(Default::default()),
        };
        if let Some(p) = &g.patch {
            self.known_fact_keys(&p.value, p.span);
            merge_json(&mut base, &p.value);
        }
        base
    }

    /// A key of test facts that no fact declares is an error (a typo would otherwise
    /// leave the fact as it was, and the test pass for the wrong reason).
    fn known_fact_keys(&mut self, json: &serde_json::Value, span: Span) {
        if let Some((key, at, hint)) = self.p.unknown_fact_key(json) {
            let path = if at.is_empty() {
                "$".to_string()
            } else {
                format!("$.{at}")
            };
            let mut d = self.err(
                CheckError::Unknown,
                span,
                format!("unknown fact key `{key}` at {path}"),
            );
            if let Some(h) = hint {
                d = d.with_help(h);
            }
            self.push(d);
        }
    }

    fn expectation(&mut self, path: &ast::Name, value: &ast::ValueLit) -> Option<Expect> {
        let (dname, field) = match path.text.split_once('.') {
            Some((d, f)) => (d, Some(f)),
            None => (path.text.as_str(), None),
        };
        let Some((decision, _, d)) = self.p.decisions.get_full(dname) else {
            let d = self.unknown(path.span, dname, "decision");
            self.push(d);
            return None;
        };
        let field = field.unwrap_or(d.field.as_str()).to_string();
        let outcome_ty = Type::Enum(d.outcomes.clone());
        let ty = if field == d.field {
            if d.policy == HitPolicy::Collect {
                Type::List(Box::new(outcome_ty))
            } else {
                outcome_ty
            }
        } else if field == "not_enforced" {
            Type::List(Box::new(Type::Str { nocase: false }))
        } else if let Some((_, t)) = d.outputs.iter().find(|(n, _)| *n == field) {
            t.clone()
        } else if d.reports.iter().any(|(n, _)| *n == field) {
            Type::Unknown
        } else {
            let mut fields = vec![d.field.clone(), "not_enforced".to_string()];
            fields.extend(d.outputs.iter().map(|(n, _)| n.clone()));
            fields.extend(d.reports.iter().map(|(n, _)| n.clone()));
            let e = self
                .err(
                    CheckError::Unknown,
                    path.span,
                    format!("decision `{dname}` has no field `{field}`"),
                )
                .with_help(format!("its fields are {}", fields.join(", ")));
            self.push(e);
            return None;
        };
        let value = if ty == Type::Unknown {
            match &value.kind {
                ValueKind::Ident(s) => Value::enum_(s),
                ValueKind::Str(s) => Value::str(s),
                _ => self.lit_value(value, &Type::Str { nocase: false })?,
            }
        } else {
            self.lit_value(value, &ty)?
        };
        Some(Expect::Field {
            decision,
            field,
            value,
            span: path.span,
        })
    }

    fn property(&mut self, p: &ast::PropertyDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let varying = match &p.varying {
            Some(n) => self.resolve(n, "fact"),
            None => None,
        };
        let cx = Cx {
            facts: true,
            decisions: true,
            varying: varying.is_some(),
            vars: Vec::new(),
            what: "a property",
        };
        if let Some(g) = &p.given {
            if !self.p.fact_sets.contains_key(fact_set_key(&g.text)) {
                let d = self.unknown(g.span, &g.text, "fact set");
                self.push(d);
            }
        }
        let filter = p.filter.as_ref().map(|f| self.bool_expr(f, &cx));
        let expect = self.bool_expr(&p.expect, &cx);
        self.p.properties.push(PropertyDef {
            name: p.name.text.clone(),
            given: p.given.as_ref().map(|g| fact_set_key(&g.text).to_string()),
            settings: p.settings.as_ref().map(|j| j.value.clone()),
            filter,
            varying,
            expect,
            span: p.span,
        });
    }

    // ------------------------------------------------------------ values

    /// A constant as written, checked against a type.
    fn lit_value(&mut self, lit: &ast::ValueLit, ty: &Type) -> Option<Value> {
        let mismatch = |c: &mut Checker| {
            let d = c.err(
                CheckError::BadValue,
                lit.span,
                format!(
                    "expected {}, found `{}`",
                    crate::value::expected_text(ty),
                    lit_text(lit)
                ),
            );
            c.push(d);
            None
        };
        match (ty, &lit.kind) {
            (Type::Optional(_), ValueKind::Ident(s)) if s == "not_configured" => {
                Some(Value::Absent)
            }
            (Type::Optional(inner), _) => self.lit_value(lit, inner),
            (Type::Bool, ValueKind::Bool(b)) => Some(Value::Bool(*b)),
            (Type::Int { min }, ValueKind::Int(i)) => {
                if min.is_some_and(|m| *i < m) {
                    return mismatch(self);
                }
                Some(Value::Int(*i))
            }
            (Type::Str { nocase }, ValueKind::Str(s)) => Some(if *nocase {
                Value::str(&s.to_ascii_lowercase())
            } else {
                Value::str(s)
            }),
            (Type::Version, ValueKind::Version(s) | ValueKind::Str(s)) => match Version::parse(s) {
                Some(v) => Some(Value::Version(v)),
                None => mismatch(self),
            },
            (Type::Enum(e), ValueKind::Ident(s)) => {
                if e.index(s).is_none() {
                    let d = self
                        .err(
                            CheckError::BadValue,
                            lit.span,
                            format!("`{s}` is not one of {}", e.variants.join(", ")),
                        )
                        .with_help(
                            suggest(s, e.variants.iter())
                                .unwrap_or_else(|| "check the spelling".into()),
                        );
                    self.push(d);
                    return None;
                }
                Some(Value::enum_(s))
            }
            (Type::List(inner), ValueKind::List(items)) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.lit_value(i, inner)?);
                }
                Some(Value::List(Arc::new(out)))
            }
            (Type::Record(fields), ValueKind::Record(given)) => {
                let mut out = Vec::new();
                for (n, _) in given {
                    if !fields.iter().any(|(f, _)| *f == n.text) {
                        let d = self.err(
                            CheckError::BadValue,
                            n.span,
                            format!(
                                "unknown field `{}`; the fields are {}",
                                n.text,
                                fields
                                    .iter()
                                    .map(|(f, _)| f.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        self.push(d);
                        return None;
                    }
                }
                for (f, ft) in fields.iter() {
                    match given.iter().find(|(n, _)| n.text == *f) {
                        Some((_, v)) => out.push((f.clone(), self.lit_value(v, ft)?)),
                        None if matches!(ft, Type::Optional(_)) => {
                            out.push((f.clone(), Value::Absent))
                        }
                        None => {
                            let d = self.err(
                                CheckError::BadValue,
                                lit.span,
                                format!("missing field `{f}`"),
                            );
                            self.push(d);
                            return None;
                        }
                    }
                }
                Some(Value::Record(Arc::new(out)))
            }
            _ => mismatch(self),
        }
    }

    // ------------------------------------------------------------ expressions

    /// The id of a declared setting or fact (`what`); an error naming it otherwise.
    fn resolve(&mut self, n: &ast::Name, what: &str) -> Option<usize> {
        let found = match what {
            "setting" => self.p.settings.get_index_of(&n.text),
            _ => self.p.facts.get_index_of(&n.text),
        };
        if found.is_none() {
            let d = self.unknown(n.span, &n.text, what);
            self.push(d);
        }
        found
    }

    fn unknown(&self, span: Span, name: &str, what: &str) -> Diagnostic {
        let candidates: Vec<&String> = match what {
            "setting" => self.p.settings.keys().collect(),
            "decision" => self.p.decisions.keys().collect(),
            "fact set" => self.p.fact_sets.keys().collect(),
            _ => self
                .p
                .facts
                .keys()
                .chain(self.p.settings.keys())
                .chain(self.lets.keys())
                .collect(),
        };
        let d = Diagnostic::error(
            CheckError::Unknown,
            span,
            format!("unknown {what} `{name}`"),
        );
        match suggest(name, candidates.into_iter()) {
            Some(h) => d.with_help(h),
            None => d,
        }
    }

    fn bool_expr(&mut self, e: &ast::Expr, cx: &Cx) -> TExpr {
        self.expr_expecting(e, &Type::Bool, cx)
    }

    fn expr_expecting(&mut self, e: &ast::Expr, want: &Type, cx: &Cx) -> TExpr {
        let (te, t) = self.expr(e, cx);
        if !self.assignable(&t, want) {
            let d = self.err(
                CheckError::TypeMismatch,
                e.span,
                format!("expected {want}, found {t}"),
            );
            self.push(d);
        }
        // Bare names in a list of an enum type become that enum's values.
        te
    }

    /// Whether a value of type `t` may be used where `want` is expected.
    fn assignable(&self, t: &Type, want: &Type) -> bool {
        match (t.strip_optional(), want.strip_optional()) {
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (Type::Literal(n), Type::Enum(e)) => e.index(n).is_some(),
            (Type::Enum(a), Type::Enum(b)) => a.variants.iter().all(|v| b.index(v).is_some()),
            (Type::Int { .. }, Type::Int { .. }) => true,
            (Type::Str { .. }, Type::Str { .. }) => true,
            (Type::List(a), Type::List(b)) => self.assignable(a, b),
            (a, b) => a == b,
        }
    }

    fn expr(&mut self, e: &ast::Expr, cx: &Cx) -> (TExpr, Type) {
        match &e.kind {
            ExprKind::Int(i) => (TExpr::Const(Value::Int(*i)), Type::Int { min: None }),
            ExprKind::Str(s) => (TExpr::Const(Value::str(s)), Type::Str { nocase: false }),
            ExprKind::Bool(b) => (TExpr::Const(Value::Bool(*b)), Type::Bool),
            ExprKind::Version(s) => {
                match Version::parse(s) {
                    Some(v) => (TExpr::Const(Value::Version(v)), Type::Version),
                    None => {
                        let d = self.err(CheckError::BadValue, e.span, format!("malformed version `{s}`")).with_help(
                        "a version has 2 to 4 numeric components, like `15.1` or `14.8.1.2`",
                    );
                        self.push(d);
                        BAD
                    }
                }
            }
            ExprKind::Path(p) => self.path(p, e.span, cx),
            ExprKind::List(items) => {
                let mut out = Vec::new();
                let mut ty = Type::Unknown;
                for i in items {
                    let (te, t) = self.expr(i, cx);
                    if ty == Type::Unknown || matches!(ty, Type::Literal(_)) {
                        ty = t;
                    }
                    out.push(te);
                }
                (TExpr::List(out), Type::List(Box::new(ty)))
            }
            ExprKind::Not(inner) => (TExpr::Not(Box::new(self.bool_expr(inner, cx))), Type::Bool),
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                let parts: Vec<TExpr> = parts.iter().map(|p| self.bool_expr(p, cx)).collect();
                if matches!(e.kind, ExprKind::And(_)) {
                    (TExpr::And(parts), Type::Bool)
                } else {
                    (TExpr::Or(parts), Type::Bool)
                }
            }
            ExprKind::Arith(op, a, b) => {
                let int = Type::Int { min: None };
                let ta = self.expr_expecting(a, &int, cx);
                let tb = self.expr_expecting(b, &int, cx);
                (TExpr::Arith(*op, Box::new(ta), Box::new(tb)), int)
            }
            ExprKind::Cmp(op, a, b) => self.cmp(*op, a, b, e.span, cx),
            ExprKind::Call(name, args) => self.call(name, args, e.span, cx),
            ExprKind::Quant {
                all,
                var,
                list,
                body,
            } => {
                let (tl, lt) = self.expr(list, cx);
                let item = match lt.strip_optional() {
                    Type::List(t) => (**t).clone(),
                    Type::Unknown => Type::Unknown,
                    other => {
                        let d = self.err(
                            CheckError::NotAList,
                            list.span,
                            format!(
                                "`{}` needs a list, found {other}",
                                if *all { "all" } else { "any" }
                            ),
                        );
                        self.push(d);
                        Type::Unknown
                    }
                };
                let mut inner = cx.clone();
                inner.vars.push((var.text.clone(), item));
                let depth = inner.vars.len() - 1;
                let tb = self.bool_expr(body, &inner);
                (
                    TExpr::Quant {
                        all: *all,
                        var: depth,
                        list: Box::new(tl),
                        body: Box::new(tb),
                    },
                    Type::Bool,
                )
            }
        }
    }

    fn path(&mut self, p: &str, span: Span, cx: &Cx) -> (TExpr, Type) {
        let segs: Vec<&str> = p.split('.').collect();
        if cx.varying && segs.len() > 1 && segs[0] == "varied" {
            let mut inner = cx.clone();
            inner.varying = false;
            let (te, t) = self.path(&segs[1..].join("."), span, &inner);
            return (TExpr::Varied(Box::new(te)), t);
        }
        // Loop and quantifier variables, innermost first.
        if let Some(depth) = cx.vars.iter().rposition(|(n, _)| n == segs[0]) {
            let t = cx.vars[depth].1.clone();
            return self.fields(TExpr::Var(depth), t, &segs[1..], span, p);
        }
        if segs.len() == 1 {
            if let Some((size, _)) = self.let_sizes.get(p) {
                if *size > self.budget {
                    let d = self.err(
                        CheckError::LetTooLarge,
                        span,
                        format!("expanding `{p}` here makes the declaration larger than {MAX_EXPANDED_NODES} nodes"),
                    );
                    self.push(d);
                    return BAD;
                }
                self.budget -= size;
            }
            if let Some((te, t, _)) = self.lets.get(p) {
                if te.reads_facts() && !cx.facts {
                    let d = self.err(
                        CheckError::FactsWhereSettings,
                        span,
                        format!("`{p}` reads facts, which {} cannot", cx.what),
                    );
                    self.push(d);
                    return BAD;
                }
                return (te.clone(), t.clone());
            }
        }
        if cx.decisions {
            if let Some((i, _, d)) = self.p.decisions.get_full(p) {
                let outcome = Type::Enum(d.outcomes.clone());
                let t = if d.policy == HitPolicy::Collect {
                    Type::List(Box::new(outcome))
                } else {
                    outcome
                };
                return (TExpr::Decision(i), t);
            }
        }
        if let Some((i, _, f)) = self.p.facts.get_full(p) {
            if !cx.facts {
                let d = self
                    .err(CheckError::FactsWhereSettings, span, format!("{} cannot read facts, and `{p}` is a fact", cx.what))
                    .with_help("settings are known when the policy is compiled; facts only when it is evaluated");
                self.push(d);
                return BAD;
            }
            let t = if f.optional {
                Type::Optional(Box::new(f.ty.clone()))
            } else {
                f.ty.clone()
            };
            return (TExpr::Fact(i), t);
        }
        if let Some(i) = self.p.groups.get_index_of(p) {
            return (TExpr::Group(i), Type::Group);
        }
        // The longest prefix that is a setting, then fields.
        for n in (1..=segs.len()).rev() {
            let name = segs[..n].join(".");
            if let Some((i, _, s)) = self.p.settings.get_full(&name) {
                let t = s.ty.clone();
                return self.fields(TExpr::Setting(i), t, &segs[n..], span, p);
            }
        }
        if segs.len() == 1 {
            return (TExpr::Const(Value::enum_(p)), Type::Literal(p.to_string()));
        }
        let d = self.unknown(span, p, "name");
        self.push(d);
        BAD
    }

    fn fields(
        &mut self,
        mut te: TExpr,
        mut t: Type,
        segs: &[&str],
        span: Span,
        whole: &str,
    ) -> (TExpr, Type) {
        for s in segs {
            let inner = t.strip_optional().clone();
            match inner {
                Type::Record(fields) => match fields.iter().find(|(n, _)| n == s) {
                    Some((_, ft)) => {
                        te = TExpr::Field(Box::new(te), s.to_string());
                        t = ft.clone();
                    }
                    None => {
                        let d = self.err(
                            CheckError::Unknown,
                            span,
                            format!(
                                "`{whole}` has no field `{s}`; the fields are {}",
                                fields
                                    .iter()
                                    .map(|(n, _)| n.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        self.push(d);
                        return BAD;
                    }
                },
                Type::Unknown => return BAD,
                other => {
                    let d = self.err(
                        CheckError::Unknown,
                        span,
                        format!("`{whole}`: {other} has no field `{s}`"),
                    );
                    self.push(d);
                    return BAD;
                }
            }
        }
        (te, t)
    }

    fn call(&mut self, name: &ast::Name, args: &[ast::Expr], span: Span, cx: &Cx) -> (TExpr, Type) {
        if name.text == "present" {
            if args.len() != 1 {
                let d = self.err(CheckError::BadCall, span, "`present` takes one argument");
                self.push(d);
                return BAD;
            }
            // `present(request)` means the fact group, even where decisions are visible.
            let mut inner = cx.clone();
            inner.decisions = false;
            let (te, t) = self.expr(&args[0], &inner);
            let ok = matches!(t, Type::Optional(_) | Type::Group | Type::Unknown)
                || matches!(&te, TExpr::Fact(f) if self.p.facts.get_index(*f).is_some_and(|(_, d)| d.group.is_some()));
            if !ok {
                let d = self.err(
                    CheckError::BadCall,
                    args[0].span,
                    "`present` needs an optional fact, a fact group, an optional setting or an optional field",
                );
                self.push(d);
            }
            return (TExpr::Present(Box::new(te)), Type::Bool);
        }
        let Some(b) = Builtin::by_name(&name.text) else {
            let mut names: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
            names.push("present");
            let d = self
                .err(
                    CheckError::Unknown,
                    name.span,
                    format!("unknown function `{}`", name.text),
                )
                .with_help(format!("the builtins are {}", names.join(", ")));
            self.push(d);
            return BAD;
        };
        match b.arity() {
            Some(n) if n != args.len() => {
                let d = self.err(
                    CheckError::BadCall,
                    span,
                    format!("`{}` takes {n} argument(s), found {}", b.name(), args.len()),
                );
                self.push(d);
                return BAD;
            }
            None if args.is_empty() => {
                let d = self.err(
                    CheckError::BadCall,
                    span,
                    format!("`{}` takes at least one argument", b.name()),
                );
                self.push(d);
                return BAD;
            }
            _ => {}
        }
        let mut targs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let (te, t) = self.expr(a, cx);
            // `link_matches(url, patterns)`: a list of patterns, any of them.
            let patterns = b == Builtin::LinkMatches
                && i == 1
                && matches!(t.strip_optional(), Type::List(inner) if matches!(**inner, Type::Str { .. } | Type::Unknown));
            let ok = patterns
                || matches!(
                    (b, t.strip_optional()),
                    (_, Type::Unknown)
                        | (Builtin::Len, Type::List(_))
                        | (
                            Builtin::Concat,
                            Type::Int { .. } | Type::Version | Type::Enum(_)
                        )
                        | (_, Type::Str { .. })
                );
            if !ok {
                let d = self.err(
                    CheckError::TypeMismatch,
                    a.span,
                    format!("`{}` needs a string, found {t}", b.name()),
                );
                self.push(d);
            }
            targs.push(te);
        }
        (TExpr::Call(b, targs), b.result())
    }

    fn cmp(
        &mut self,
        op: CmpOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        cx: &Cx,
    ) -> (TExpr, Type) {
        let (mut ta, at) = self.expr(a, cx);
        let (mut tb, bt) = self.expr(b, cx);
        let kind = if matches!(op, CmpOp::In | CmpOp::NotIn) {
            let elem = match bt.strip_optional() {
                Type::List(t) => (**t).clone(),
                Type::Unknown => Type::Unknown,
                other => {
                    let d = self.err(
                        CheckError::NotAList,
                        b.span,
                        format!("`{}` needs a list on its right, found {other}", op.as_str()),
                    );
                    self.push(d);
                    return BAD;
                }
            };
            // Check every literal of a literal list against the left side.
            if let TExpr::List(items) = &mut tb {
                for item in items.iter_mut() {
                    if let TExpr::Const(Value::Enum(n)) = item.clone() {
                        let n = n.to_string();
                        self.compatible(CmpOp::Eq, &at, &Type::Literal(n), b.span);
                    }
                    coerce_const(item, &at);
                }
            }
            self.compatible(CmpOp::Eq, &at, &elem, span)
        } else {
            coerce_const(&mut ta, &bt);
            coerce_const(&mut tb, &at);
            let at2 = const_type(&ta, &at);
            let bt2 = const_type(&tb, &bt);
            self.compatible(op, &at2, &bt2, span)
        };
        match kind {
            Some(k) => (TExpr::Cmp(op, Box::new(ta), Box::new(tb), k), Type::Bool),
            None => BAD,
        }
    }

    /// How two types compare with `op`, or a diagnostic.
    fn compatible(&mut self, op: CmpOp, a: &Type, b: &Type, span: Span) -> Option<CmpKind> {
        let ordering = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        let nocase = a.nocase() || b.nocase();
        let plain = Some(CmpKind::Plain { nocase });
        let (a, b) = (a.strip_optional(), b.strip_optional());
        let bad = |c: &mut Checker, why: String| {
            let d = c.err(CheckError::TypeMismatch, span, why);
            c.push(d);
            None
        };
        match (a, b) {
            (Type::Unknown, _) | (_, Type::Unknown) => plain,
            (Type::Literal(n), Type::Enum(e)) | (Type::Enum(e), Type::Literal(n)) => {
                if e.index(n).is_none() {
                    let d = self
                        .err(
                            CheckError::BadValue,
                            span,
                            format!("`{n}` is not one of {}", e.variants.join(", ")),
                        )
                        .with_help(
                            suggest(n, e.variants.iter())
                                .unwrap_or_else(|| "check the spelling".into()),
                        );
                    self.push(d);
                    return None;
                }
                if ordering {
                    if !e.ordered {
                        return bad(
                            self,
                            format!(
                                "`{}` compares ordered values only; {a} and {b} have no order",
                                op.as_str()
                            ),
                        );
                    }
                    return Some(CmpKind::Ordered(e.clone()));
                }
                plain
            }
            (Type::Literal(n), Type::Str { .. }) | (Type::Str { .. }, Type::Literal(n)) => {
                let d = self
                    .err(
                        CheckError::TypeMismatch,
                        span,
                        format!("`{n}` is not a declared name"),
                    )
                    .with_help(format!("to compare with the string, quote it: \"{n}\""));
                self.push(d);
                None
            }
            (Type::Literal(x), Type::Literal(y)) => {
                bad(self, format!("cannot compare the names `{x}` and `{y}`"))
            }
            (Type::Enum(x), Type::Enum(y)) => {
                if ordering {
                    if x.ordered && x.variants == y.variants {
                        return Some(CmpKind::Ordered(x.clone()));
                    }
                    return bad(
                        self,
                        format!(
                            "`{}` compares values of one ordered type; found {a} and {b}",
                            op.as_str()
                        ),
                    );
                }
                if x.variants.iter().any(|v| y.index(v).is_some()) {
                    plain
                } else {
                    bad(self, format!("{a} and {b} have no value in common"))
                }
            }
            (Type::Enum(_), Type::Str { .. }) | (Type::Str { .. }, Type::Enum(_)) if !ordering => {
                plain
            }
            (Type::Str { .. }, Type::Str { .. }) => plain,
            (Type::Int { .. }, Type::Int { .. }) | (Type::Version, Type::Version) => plain,
            (Type::Bool, Type::Bool) if !ordering => plain,
            _ => bad(
                self,
                format!("cannot compare {a} with {b} using `{}`", op.as_str()),
            ),
        }
    }
}

/// Turns a string constant into a version where a version is compared.
fn coerce_const(e: &mut TExpr, other: &Type) {
    if let (TExpr::Const(Value::Str(s)), Type::Version) = (&*e, other.strip_optional()) {
        if let Some(v) = Version::parse(s) {
            *e = TExpr::Const(Value::Version(v));
        }
    }
    if other.nocase() {
        if let TExpr::Const(v) = &*e {
            *e = TExpr::Const(v.lowercased());
        }
    }
}

fn const_type(e: &TExpr, t: &Type) -> Type {
    match (e, t) {
        (TExpr::Const(Value::Version(_)), Type::Str { .. }) => Type::Version,
        _ => t.clone(),
    }
}

fn lit_text(l: &ast::ValueLit) -> String {
    match &l.kind {
        ValueKind::Ident(s) | ValueKind::Version(s) => s.clone(),
        ValueKind::Str(s) => format!("\"{s}\""),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::List(_) => "[...]".into(),
        ValueKind::Record(_) => "{...}".into(),
    }
}

/// The fact set a `given` names: `intune.NAME` is the bundled policy's `NAME`.
fn fact_set_key(name: &str) -> &str {
    name.strip_prefix("intune.").unwrap_or(name)
}

/// "did you mean `x`?" for the closest candidate within a small edit distance.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<String> {
    let best = candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)?;
    Some(format!("did you mean `{}`?", best.1))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Deep-merges `patch` into `base` (objects merge; anything else replaces).
pub fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => merge_json(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}
