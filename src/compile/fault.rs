//! Why a rule, a lint or an `only when` cannot be compiled under the settings given:
//! the compiler's internal error, turned into a diagnostic (`E0303` for a rule, `E0304`
//! for a lint) that blames the settings it reads.

use crate::value::Value;
use thiserror::Error;

/// A rule, lint or condition that does not compile.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum Fault {
    /// The rule reads more gated settings than the limit.
    #[error("the rule reads {0} settings with `requires` (the limit is {limit})", limit = super::MAX_GATES_PER_RULE)]
    TooManyGates(usize),
    /// The rule's outcome, once settings are known, is not one of its decision's.
    #[error(
        "the outcome `{value}` is not an outcome of decision `{decision}` (one of {outcomes})"
    )]
    NotAnOutcome {
        /// The value the outcome expression gave.
        value: Value,
        /// The decision.
        decision: String,
        /// Its outcomes, listed.
        outcomes: String,
    },
    /// A `for` list that depends on facts.
    #[error("the list of a `for` must be known when the policy is compiled")]
    ForListNotKnown,
    /// The outcome depends on facts.
    #[error("the outcome must be known when the policy is compiled")]
    OutcomeNotKnown,
    /// A rule expands to more rows than the limit.
    #[error("the rule expands to more than {limit} rows; simplify its condition", limit = super::MAX_ROWS_PER_RULE)]
    RuleTooLarge,
    /// A condition's normal form has more alternatives than the limit.
    #[error("the condition expands to more than {limit} rows", limit = super::MAX_ROWS_PER_RULE)]
    ConditionTooLarge,
    /// Two settings' values compared, one of them not configured.
    #[error("cannot compare `{0}` {1} `{2}`: a setting it reads is not configured; test it with `present(...)` first")]
    CompareNotConfigured(Value, &'static str, Value),
    /// Arithmetic on settings overflowed.
    #[error("integer overflow in `{0} {1} {2}`")]
    Overflow(i64, &'static str, i64),
    /// Arithmetic on a setting that is not configured.
    #[error("arithmetic on a setting that is not configured; test it with `present(...)` first")]
    ArithNotConfigured,
    /// A builtin applied to a setting that is not configured.
    #[error("`{0}` of a value that is not configured")]
    CallNotConfigured(&'static str),
    /// A value where a condition is needed.
    #[error("expected a condition, found the value `{0}`")]
    NotACondition(Value),
    /// A condition where a value is needed.
    #[error("a condition cannot be used as a value here")]
    NotAValue,
    /// A message part that reads facts.
    #[error("a message can only show settings and the loop variable")]
    MessageReadsFacts,
    /// A quantifier over something that is not a list.
    #[error("a quantifier needs a list")]
    NotAList,
    /// Decisions or `varied.` read outside a property.
    #[error("decisions and `varied.` can only be read in properties")]
    OnlyInProperties,
    /// A field of a fact expression, which the tables cannot take apart.
    #[error("field `{0}` of a fact expression")]
    FieldOfFact(String),
    /// What the checker rules out: never on checked input.
    #[error("internal: {0}")]
    Internal(&'static str),
}
