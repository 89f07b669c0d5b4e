//! The checked IR: names resolved to ids, every expression typed.
//!
//! The checker ([`super::checker`]) builds a [`Program`] from the AST. Nothing in the IR
//! can refer to an undeclared name or compare values of different types; the compiler
//! and the reference interpreter rely on that.

use crate::builtins::Builtin;
pub use crate::semantics::logic::CmpKind;
use crate::source::{Sources, Span};
use crate::syntax::ast::{ArithOp, CmpOp, HitPolicy};
use crate::value::{EnumType, Type, Value};
use indexmap::IndexMap;
use std::sync::Arc;

/// Index of a fact in [`Program::facts`].
pub type FactId = usize;
/// Index of a setting in [`Program::settings`].
pub type SettingId = usize;
/// Index of a decision in [`Program::decisions`].
pub type DecisionId = usize;

/// A checked policy: schema, settings, decisions, rules and lints (its tests are a
/// [`super::suite::Suite`] beside it).
#[derive(Clone, Debug)]
pub struct Program {
    /// The source files.
    pub sources: Sources,
    /// What [`Program::unknown_fact_key`] checks against, derived once.
    pub(crate) key_paths: std::sync::OnceLock<KeyPaths>,
    /// Declared facts, by dotted name.
    pub facts: IndexMap<String, FactDef>,
    /// Declared fact groups (`request`), by name.
    pub groups: IndexMap<String, GroupDef>,
    /// Declared settings, by dotted name.
    pub settings: IndexMap<String, SettingDef>,
    /// Declared decisions, by name.
    pub decisions: IndexMap<String, DecisionDef>,
    /// Rules, in file order.
    pub rules: Vec<RuleDef>,
    /// Lints over settings.
    pub lints: Vec<LintDef>,
    /// `set` overrides from the files, in order.
    pub overrides: Vec<(SettingId, Value, Span)>,
    /// Settings whose default a `set default` line changed, with the line.
    pub default_sets: IndexMap<SettingId, Span>,
}

/// A declared fact.
#[derive(Clone, Debug)]
pub struct FactDef {
    /// Dotted name.
    pub name: String,
    /// Its type (without `optional`).
    pub ty: Type,
    /// Whether it may be absent.
    pub optional: bool,
    /// Value taken when absent.
    pub default: Option<Value>,
    /// The optional group it belongs to, if any.
    pub group: Option<usize>,
    /// One-line doc.
    pub doc: String,
    /// Declaration.
    pub span: Span,
}

/// A declared group of facts (`fact request: optional group`).
#[derive(Clone, Debug)]
pub struct GroupDef {
    /// Name.
    pub name: String,
    /// One-line doc.
    pub doc: String,
    /// Declaration.
    pub span: Span,
}

/// A declared setting.
#[derive(Clone, Debug)]
pub struct SettingDef {
    /// Dotted name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Default value.
    pub default: Value,
    /// One-line doc.
    pub doc: String,
    /// When the setting is not always enforced.
    pub gate: Option<GateDef>,
    /// Declaration.
    pub span: Span,
}

/// `requires COND [for VALUE] else FALLBACK`.
#[derive(Clone, Debug)]
pub struct GateDef {
    /// Condition over facts under which the setting is enforced.
    pub condition: TExpr,
    /// Only this configured value is gated (others are always enforced).
    pub only_for: Option<Value>,
    /// The value taken when not enforced.
    pub fallback: Value,
    /// The clause.
    pub span: Span,
}

impl GateDef {
    /// Whether a configured value is affected by the gate.
    pub fn affects(&self, configured: &Value) -> bool {
        match &self.only_for {
            Some(v) => v == configured,
            None => configured != &self.fallback,
        }
    }
}

/// A declared decision.
#[derive(Clone, Debug)]
pub struct DecisionDef {
    /// Name.
    pub name: String,
    /// Hit policy.
    pub policy: HitPolicy,
    /// The outcomes: least severe first for `priority`.
    pub outcomes: Arc<EnumType>,
    /// Outcome when no rule fires (priority and first).
    pub default: Option<Value>,
    /// The decision is only taken when this holds.
    pub only_when: Option<TExpr>,
    /// Extra outputs rules may set.
    pub outputs: Vec<(String, Type)>,
    /// Values reported from facts.
    pub reports: Vec<(String, TExpr)>,
    /// JSON field of the outcome: `outcome`, or for collect `steps`-like names.
    pub field: String,
    /// One-line doc.
    pub doc: String,
    /// Declaration.
    pub span: Span,
}

/// A checked rule.
#[derive(Clone, Debug)]
pub struct RuleDef {
    /// Name.
    pub name: String,
    /// The setting this rule implements (shown in reasons).
    pub about: Option<SettingId>,
    /// One-line doc.
    pub doc: String,
    /// `for VAR in LIST [where COND]`: one instance per item (variable 0).
    pub for_each: Option<(TExpr, Option<TExpr>)>,
    /// The condition.
    pub when: TExpr,
    /// The decision it decides.
    pub decision: DecisionId,
    /// The outcome.
    pub outcome: TExpr,
    /// Outputs: index into the decision's outputs, and the value.
    pub outputs: Vec<(usize, TExpr)>,
    /// The message: text with `{name}` parts (settings, the loop variable) filled in
    /// when the policy is compiled.
    pub message: Vec<MsgPart>,
    /// Declaration.
    pub span: Span,
}

/// A piece of a rule's message.
#[derive(Clone, Debug, PartialEq)]
pub enum MsgPart {
    /// Literal text.
    Text(String),
    /// `{expr}`: a setting or the loop variable, shown as its value.
    Expr(TExpr),
}

/// `lint warning|error NAME when COND "message"`.
#[derive(Clone, Debug)]
pub struct LintDef {
    /// Error (policy rejected) or warning.
    pub error: bool,
    /// Name.
    pub name: String,
    /// Condition over settings.
    pub when: TExpr,
    /// Message.
    pub message: Vec<MsgPart>,
    /// Declaration.
    pub span: Span,
}

/// A typed expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TExpr {
    /// A constant.
    Const(Value),
    /// A fact.
    Fact(FactId),
    /// Whether a fact group is present.
    Group(usize),
    /// A setting (its effective value).
    Setting(SettingId),
    /// A loop or quantifier variable, by depth.
    Var(usize),
    /// A field of a record.
    Field(Box<TExpr>, String),
    /// Whether a value is present.
    Present(Box<TExpr>),
    /// Negation.
    Not(Box<TExpr>),
    /// Conjunction.
    And(Vec<TExpr>),
    /// Disjunction.
    Or(Vec<TExpr>),
    /// Comparison (`in`/`not in`: the right side is a list).
    Cmp(CmpOp, Box<TExpr>, Box<TExpr>, CmpKind),
    /// Integer arithmetic.
    Arith(ArithOp, Box<TExpr>, Box<TExpr>),
    /// A builtin call.
    Call(Builtin, Vec<TExpr>),
    /// A list.
    List(Vec<TExpr>),
    /// `any`/`all` VAR in LIST: BODY (variable at the given depth).
    Quant {
        /// `all` rather than `any`.
        all: bool,
        /// Variable depth.
        var: usize,
        /// The list.
        list: Box<TExpr>,
        /// The body.
        body: Box<TExpr>,
    },
    /// A decision's outcome (properties only).
    Decision(DecisionId),
    /// `varied.EXPR`: the expression in the second world of a `varying` property.
    Varied(Box<TExpr>),
}

impl TExpr {
    /// Whether the expression reads facts (or decisions).
    pub fn reads_facts(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if matches!(e, TExpr::Fact(_) | TExpr::Group(_) | TExpr::Decision(_)) {
                found = true;
            }
        });
        found
    }

    /// Calls `f` on every node, parents first.
    pub fn walk(&self, f: &mut dyn FnMut(&TExpr)) {
        f(self);
        match self {
            TExpr::Field(e, _) | TExpr::Present(e) | TExpr::Not(e) | TExpr::Varied(e) => e.walk(f),
            TExpr::And(es) | TExpr::Or(es) | TExpr::List(es) | TExpr::Call(_, es) => {
                for e in es {
                    e.walk(f);
                }
            }
            TExpr::Cmp(_, a, b, _) | TExpr::Arith(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            TExpr::Quant { list, body, .. } => {
                list.walk(f);
                body.walk(f);
            }
            _ => {}
        }
    }

    /// The settings the expression reads.
    pub fn settings(&self) -> Vec<SettingId> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let TExpr::Setting(s) = e {
                if !out.contains(s) {
                    out.push(*s);
                }
            }
        });
        out
    }
}

impl Program {
    /// The name of a fact (empty for an unknown id).
    pub fn fact_name(&self, id: FactId) -> &str {
        key_at(&self.facts, id)
    }

    /// The name of a fact group.
    pub fn group_name(&self, id: usize) -> &str {
        key_at(&self.groups, id)
    }

    /// The name of a setting.
    pub fn setting_name(&self, id: SettingId) -> &str {
        key_at(&self.settings, id)
    }

    /// The name of a decision.
    pub fn decision_name(&self, id: DecisionId) -> &str {
        key_at(&self.decisions, id)
    }
}

impl TExpr {
    /// The expression as rule text, with declared names.
    pub fn display(&self, p: &Program) -> String {
        let d = |e: &TExpr| e.display(p);
        let paren = |e: &TExpr| match e {
            TExpr::And(_) | TExpr::Or(_) | TExpr::Quant { .. } => format!("({})", e.display(p)),
            _ => e.display(p),
        };
        match self {
            TExpr::Const(v) => v.to_string(),
            TExpr::Fact(f) => p
                .facts
                .get_index(*f)
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
            TExpr::Group(g) => p
                .groups
                .get_index(*g)
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
            TExpr::Setting(s) => p
                .settings
                .get_index(*s)
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
            TExpr::Var(i) => format!("${i}"),
            TExpr::Field(e, n) => format!("{}.{n}", d(e)),
            TExpr::Present(e) => format!("present({})", d(e)),
            TExpr::Not(e) => format!("not {}", paren(e)),
            TExpr::And(es) => es.iter().map(paren).collect::<Vec<_>>().join(" and "),
            TExpr::Or(es) => es.iter().map(paren).collect::<Vec<_>>().join(" or "),
            TExpr::Cmp(op, a, b, _) => format!("{} {} {}", d(a), op.as_str(), d(b)),
            TExpr::Arith(op, a, b) => format!("{} {} {}", d(a), op.as_str(), d(b)),
            TExpr::Call(b, args) => format!(
                "{}({})",
                b.name(),
                args.iter().map(d).collect::<Vec<_>>().join(", ")
            ),
            TExpr::List(es) => format!("[{}]", es.iter().map(d).collect::<Vec<_>>().join(", ")),
            TExpr::Quant {
                all,
                var,
                list,
                body,
            } => format!(
                "{} ${var} in {}: {}",
                if *all { "all" } else { "any" },
                d(list),
                d(body)
            ),
            TExpr::Decision(i) => p
                .decisions
                .get_index(*i)
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
            TExpr::Varied(e) => format!("varied.{}", d(e)),
        }
    }
}

/// The name at position `i` of a declaration map; empty when there is none.
fn key_at<V>(map: &IndexMap<String, V>, i: usize) -> &str {
    map.get_index(i).map_or("", |(k, _)| k.as_str())
}

/// The key paths a facts document may hold, derived from the declared facts once
/// (on first use) rather than on every binding.
#[derive(Clone, Debug, Default)]
pub struct KeyPaths {
    /// Dotted paths of the objects whose keys are checked (`""` is the root).
    objects: std::collections::HashSet<String>,
    /// Every declared key path: facts, groups and the objects on their way.
    known: std::collections::HashSet<String>,
}

impl Program {
    fn key_paths(&self) -> &KeyPaths {
        self.key_paths.get_or_init(|| {
            let mut k = KeyPaths::default();
            k.objects.insert(String::new());
            for name in self.facts.keys().chain(self.groups.keys()) {
                k.known.insert(name.clone());
                for (i, _) in name.match_indices('.') {
                    if let Some(prefix) = name.get(..i) {
                        k.objects.insert(prefix.to_string());
                        k.known.insert(prefix.to_string());
                    }
                }
            }
            k.objects.extend(self.groups.keys().cloned());
            k
        })
    }

    /// Whether some fact is declared below `name` (`request.source.scheme` below
    /// `request.source`).
    pub fn has_facts_below(&self, name: &str) -> bool {
        let prefix = format!("{name}.");
        self.facts.keys().any(|k| k.starts_with(&prefix))
    }

    /// The first key of a facts document that no declared fact or group has on its
    /// path: the key, the dotted path of the object holding it (empty for the root),
    /// and the closest declared sibling.
    pub fn unknown_fact_key(
        &self,
        json: &serde_json::Value,
    ) -> Option<(String, String, Option<String>)> {
        let KeyPaths { objects, known } = self.key_paths();
        let mut pending: Vec<(String, &serde_json::Value)> = vec![(String::new(), json)];
        while let Some((at, v)) = pending.pop() {
            let serde_json::Value::Object(map) = v else {
                continue;
            };
            if !objects.contains(&at) {
                continue;
            }
            for (k, child) in map {
                let full = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                if known.contains(&full) {
                    pending.push((full, child));
                    continue;
                }
                // Only now, on the error path: the siblings, for the hint.
                let prefix = format!("{at}.");
                let siblings: Vec<String> = known
                    .iter()
                    .filter_map(|n| {
                        if at.is_empty() {
                            Some(n.as_str())
                        } else {
                            n.strip_prefix(&prefix)
                        }
                    })
                    .filter(|r| !r.contains('.'))
                    .map(str::to_string)
                    .collect();
                let hint = crate::check::suggest::suggest(k, siblings.iter());
                return Some((k.clone(), at, hint));
            }
        }
        None
    }
}
