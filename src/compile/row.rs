//! Rows and columns: a column's fact expression, and one row of a decision table
//! (a rule instance's tests by column, its outcome and what it reports). What the
//! table, the column plan and the kernel are all made of.

use crate::builtins::Builtin;
use crate::check::ir::{FactId, SettingId, TExpr};
use crate::semantics::test::{Check, Test};
use crate::syntax::ast::ArithOp;
use crate::value::Value;
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
    #[inline]
    pub fn gated(&self) -> bool {
        self.shadow.is_some() || !self.fallback.is_empty()
    }

    /// The gated settings the row takes part in: those it takes at their fallback,
    /// and the one it shadows.
    #[inline]
    pub fn gates(&self) -> impl Iterator<Item = SettingId> + '_ {
        self.fallback.iter().chain(self.shadow.iter()).copied()
    }

    /// Whether the row decides when gated setting `s` is enforced: its shadow row for
    /// `s`, or a row that does not take `s` at its fallback.
    #[inline]
    pub fn decides_when_enforced(&self, s: SettingId) -> bool {
        match self.shadow {
            Some(x) => x == s,
            None => !self.fallback.contains(&s),
        }
    }
}
