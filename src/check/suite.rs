//! The test sub-language, checked: named fact sets, tests with their expectations,
//! properties. Apart from the policy's [`Program`](super::ir::Program): evaluating a
//! policy never needs it; the test runner and the language server read both.

use super::ir::{DecisionId, FactId, TExpr};
use crate::source::Span;
use crate::value::Value;
use indexmap::IndexMap;

/// The tests of checked files.
#[derive(Clone, Debug, Default)]
pub struct Suite {
    /// Named fact sets, with their declaration.
    pub fact_sets: IndexMap<String, (serde_json::Value, Span)>,
    /// Tests, in file order.
    pub tests: Vec<TestDef>,
    /// Properties, in file order.
    pub properties: Vec<PropertyDef>,
}

/// A test inside a rule file.
#[derive(Clone, Debug)]
pub struct TestDef {
    /// Name.
    pub name: String,
    /// The facts (named base merged with the patch).
    pub facts: serde_json::Value,
    /// Setting overrides as JSON.
    pub settings: Option<serde_json::Value>,
    /// Expectations.
    pub expect: Vec<Expect>,
    /// Declaration.
    pub span: Span,
}

/// One expectation of a test.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Evaluation fails.
    Error,
    /// A decision field has a value.
    Field {
        /// The decision.
        decision: DecisionId,
        /// `outcome`, the collect field, `not_enforced`, an output or a report.
        field: String,
        /// The expected value.
        value: Value,
        /// Where.
        span: Span,
    },
}

/// A property: a law over generated facts.
#[derive(Clone, Debug)]
pub struct PropertyDef {
    /// Name.
    pub name: String,
    /// Base facts to start generation from (generated otherwise).
    pub given: Option<String>,
    /// Setting overrides.
    pub settings: Option<serde_json::Value>,
    /// Only facts that satisfy this are tested.
    pub filter: Option<TExpr>,
    /// `varying FACT`: the fact generated anew for the second world (`varied.`).
    pub varying: Option<FactId>,
    /// The law, over facts and decision outcomes.
    pub expect: TExpr,
    /// Declaration.
    pub span: Span,
}
