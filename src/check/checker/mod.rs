//! Step two: AST → checked IR.
//!
//! The checker resolves every name (facts, settings, decisions, lets, loop variables,
//! enum values), checks every type, and reports all the errors of all files at once.
//! It recurses over expressions; the parser's nesting limit bounds the depth.

use super::ir::*;
pub use super::suggest::suggest;
use super::suite::*;
use crate::builtins::Builtin;
use crate::codes::CheckError;
use crate::diag::Diagnostic;
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, CmpOp, ExprKind, HitPolicy, Item, TypeKind, ValueKind};
use crate::value::{EnumType, Type, Value, Version};
use indexmap::IndexMap;
use std::sync::Arc;

mod compare;
mod decls;
mod expr;
mod literals;
mod rules;
mod testlang;
mod types;
use literals::*;

/// Checks parsed files (in order: the bundled policy first, then custom files).
/// Returns the program, its tests and its warnings, or every diagnostic when there are errors.
pub fn check(
    sources: Sources,
    files: &[ast::File],
) -> Result<(Program, Suite, Vec<Diagnostic>), Vec<Diagnostic>> {
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
        },
        suite: Suite::default(),
    };
    let items: Vec<&Item> = files.iter().flat_map(|f| f.items.iter()).collect();
    c.run(&items);
    let Checker {
        diags, p, suite, ..
    } = c;
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok((p, suite, diags))
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
    /// The tests, fact sets and properties, apart from the program.
    suite: Suite,
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
                    if self.suite.fact_sets.contains_key(&f.name.text) {
                        let d = self.err(
                            CheckError::Duplicate,
                            f.name.span,
                            format!("fact set `{}` is declared twice", f.name.text),
                        );
                        self.push(d);
                    }
                    self.suite
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
