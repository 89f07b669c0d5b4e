//! Decision tables: what the compiler produces and the evaluator runs.
//!
//! One table per decision. Columns are the fact expressions the rules test; rows are
//! rule instances (a rule with `for` gives one instance per item, and a condition with
//! `or` gives one row per alternative); cells are tests on one column.

pub use super::row::{CExpr, Row};
use crate::check::ir::DecisionId;
pub use crate::semantics::test::{Check, Test};
use crate::syntax::ast::HitPolicy;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

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
