//! Decision tables: what the compiler produces and the evaluator runs.
//!
//! One table per decision. Columns are the fact expressions the rules test; rows are
//! rule instances (a rule with `for` gives one instance per item, and a condition with
//! `or` gives one row per alternative); cells are tests on one column.

pub use super::row::{CExpr, Row};
use crate::check::ir::DecisionId;
pub use crate::semantics::test::{Check, Test};
use crate::syntax::ast::HitPolicy;
use std::sync::Arc;

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
}
