//! Decision tables: what the compiler produces and the evaluator runs.
//!
//! One table per decision. Columns are the fact expressions the rules test; rows are
//! rule instances (a rule with `for` gives one instance per item, and a condition with
//! `or` gives one row per alternative); cells are tests on one column.

use crate::builtins::Builtin;
use crate::check::ir::{DecisionId, FactId, SettingId, TExpr};
pub use crate::semantics::test::{Check, Test};
use crate::syntax::ast::{ArithOp, HitPolicy};
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A fact expression: what a column computes from the facts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CExpr {
    /// A constant.
    Const(Value),
    /// A fact's value (absent when missing).
    Fact(FactId),
    /// Whether a fact group is present (a boolean).
    Group(usize),
    /// A builtin over fact expressions.
    Call(Builtin, Vec<CExpr>),
    /// Integer arithmetic.
    Arith(ArithOp, Box<CExpr>, Box<CExpr>),
    /// Anything else (comparisons of two facts, quantifiers over fact lists): a
    /// boolean computed by the reference interpreter, settings already substituted.
    Interp(Arc<TExpr>, Arc<Vec<Value>>),
}

/// One row of a decision table.
#[derive(Clone, Debug)]
pub struct Row {
    /// Index of the rule in the program.
    pub rule: usize,
    /// The rule's name (shared with the reasons).
    pub rule_name: Arc<str>,
    /// The name of the setting the rule is about.
    pub about_name: Option<Arc<str>>,
    /// Rows with the same instance come from one rule instance (alternatives of `or`).
    pub instance: u32,
    /// The row's tests, by column, in column order; a column not listed is "any".
    pub tests: Vec<(u32, Test)>,
    /// The same tests compiled for the evaluator (typed bounds, no generic compare).
    pub checks: Vec<(u32, Check)>,
    /// The outcome.
    pub outcome: Value,
    /// The outcome's position among the decision's outcomes (its severity for priority).
    pub rank: u16,
    /// Outputs: index into the decision's outputs, and the value.
    pub outputs: Vec<(usize, CExpr)>,
    /// The message, settings filled in.
    pub message: Arc<str>,
    /// The setting the rule is about.
    pub about: Option<SettingId>,
    /// Gated settings this row takes at their fallback (not enforced).
    pub fallback: Vec<SettingId>,
    /// When set, the row shows what would happen if this setting were enforced:
    /// it never decides, it only tells whether the setting is `not_enforced`.
    pub shadow: Option<SettingId>,
}

impl Row {
    /// The tests on one column (the cell), empty for "any".
    pub fn cell(&self, column: usize) -> impl Iterator<Item = &Test> {
        self.tests
            .iter()
            .filter(move |(c, _)| *c as usize == column)
            .map(|(_, t)| t)
    }

    /// Whether the row takes part in `not_enforced` (fallback or shadow).
    pub fn gated(&self) -> bool {
        self.shadow.is_some() || !self.fallback.is_empty()
    }
}

/// A hash index on one column: which rows can match a value of it.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The indexed column.
    pub column: u32,
    /// Rows whose test on the column is an equality or membership, by value.
    pub by_value: HashMap<Value, Vec<u32>>,
    /// Rows without such a test on the column: candidates for every value.
    pub others: Vec<u32>,
}

/// A condition in disjunctive normal form over the table's columns.
#[derive(Clone, Debug, Default)]
pub struct Dnf {
    /// Alternatives; each is a list of (column, test).
    pub alternatives: Vec<Vec<(usize, Test)>>,
}

/// The decision table of one decision.
#[derive(Clone, Debug)]
pub struct Table {
    /// The decision.
    pub decision: DecisionId,
    /// Its name.
    pub name: Arc<str>,
    /// The JSON field of its outcome.
    pub field: Arc<str>,
    /// Hit policy.
    pub policy: HitPolicy,
    /// The columns.
    pub columns: Vec<CExpr>,
    /// The rows, in rule order.
    pub rows: Vec<Row>,
    /// The decision is taken only when this holds (`None`: always).
    pub only_when: Option<Dnf>,
    /// Values reported from facts.
    pub reports: Vec<(String, CExpr)>,
    /// Number of rule instances.
    pub instances: u32,
    /// The first row of each instance.
    pub instance_rows: Vec<u32>,
    /// The rank of the default outcome (priority and first).
    pub default_rank: u16,
    /// The column-wise plan, for tables of at most 128 rows.
    pub plan: Option<super::plan::Plan>,
    /// JSON text the direct writer copies: see [`JsonParts`].
    pub json: JsonParts,
    /// The plan flattened for the hot path, for tables of at most 64 rows that
    /// test plain facts only.
    pub kernel: Option<super::kernel::Kernel>,
    /// Whether some column is computed (not a plain fact): the evaluator then needs a
    /// cache for column values.
    pub computed: bool,
    /// A hash index on the column most rows test for equality, when it pays.
    pub index: Option<Index>,
}

/// Pieces of a decision's JSON result that do not depend on the facts, escaped once at
/// compile time, for the evaluator's JSON writer.
#[derive(Clone, Debug, Default)]
pub struct JsonParts {
    /// `"name":{`
    pub open: String,
    /// `"field":`
    pub field: String,
    /// Each outcome as a JSON string, by rank.
    pub outcomes: Vec<String>,
    /// The outcome when no rule fires (priority and first): a JSON string or `null`.
    pub default: String,
    /// Each row's reason as a JSON object.
    pub reasons: Vec<String>,
    /// Each report's name as a JSON key: `"name":`.
    pub reports: Vec<String>,
}
