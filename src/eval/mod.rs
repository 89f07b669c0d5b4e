//! Step four: evaluation. Facts in, decisions out.
//!
//! Two evaluators share the semantics defined here ([`decide`]): the decision-table
//! evaluator ([`tables`]), which is what the library runs, and the reference
//! interpreter ([`interp`]), which reads like the language reference and is tested
//! against the tables.

pub mod bind;
mod bytes;
pub mod engines;
pub mod explain;
pub mod facts;
mod schema;
mod seeds;
pub use schema::Schema;
pub mod interp;
pub mod keys;
mod scan;
pub mod tables;

use crate::check::ir::{DecisionDef, SettingId};
pub use crate::semantics::reason::Reason;
use crate::syntax::ast::HitPolicy;
use crate::value::Value;
use indexmap::IndexMap;
use serde::Serialize;
use std::sync::Arc;
use thiserror::Error;

/// Evaluation failed: a rule needs a fact the input lacks.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EvalError {
    /// A decision depends on a fact that is absent.
    #[error("decision `{decision}` needs fact `{fact}`, which is missing (rule `{rule}`)")]
    MissingFact {
        /// The decision.
        decision: String,
        /// The fact (or group) that is missing.
        fact: String,
        /// The rule that needs it.
        rule: String,
    },
    /// Integer arithmetic over the facts overflowed 64 bits: never taken as a missing
    /// fact, never a guess.
    #[error(
        "decision `{decision}`: integer overflow computing with fact `{fact}` (rule `{rule}`)"
    )]
    Overflow {
        /// The decision.
        decision: String,
        /// A fact the overflowing expression reads.
        fact: String,
        /// The rule.
        rule: String,
    },
}

impl EvalError {
    /// The error for a condition that is unknown: an overflow when one happened,
    /// a missing fact otherwise.
    pub(crate) fn unknown(
        decision: String,
        fact: String,
        rule: String,
        overflow: bool,
    ) -> EvalError {
        if overflow {
            EvalError::Overflow {
                decision,
                fact,
                rule,
            }
        } else {
            EvalError::MissingFact {
                decision,
                fact,
                rule,
            }
        }
    }
}

/// A rule instance that fired.
#[derive(Clone, Debug)]
pub struct Fired {
    /// Rule index.
    pub rule: usize,
    /// The rule's name.
    pub rule_name: Arc<str>,
    /// The name of the setting it is about.
    pub about_name: Option<Arc<str>>,
    /// Its outcome.
    pub outcome: Value,
    /// Its outputs (index into the decision's outputs).
    pub outputs: Vec<(usize, Value)>,
    /// Its message.
    pub message: Arc<str>,
    /// The setting it is about.
    pub about: Option<SettingId>,
}

/// One decision's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionResult {
    /// The decision's name.
    pub name: Arc<str>,
    /// The JSON field of the outcome (`outcome`, `steps`...).
    pub field: Arc<str>,
    /// The hit policy.
    pub policy: HitPolicy,
    /// The outcome (priority and first), or every outcome (collect).
    pub outcomes: Vec<Arc<str>>,
    /// Outputs set by the winning rules.
    pub outputs: IndexMap<String, Value>,
    /// Values reported from the facts.
    pub reports: IndexMap<String, Value>,
    /// The rules that fired.
    pub reasons: Vec<Reason>,
    /// Settings skipped because the app's SDK is too old, where they would have
    /// changed the result.
    pub not_enforced: Vec<String>,
}

impl DecisionResult {
    /// The outcome of a priority or first decision.
    pub fn outcome(&self) -> Option<&str> {
        match self.policy {
            HitPolicy::Collect => None,
            _ => self.outcomes.first().map(|o| &**o),
        }
    }

    /// The JSON shape of the spec: reports, the outcome field, outputs, `reasons`,
    /// `not_enforced`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for DecisionResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (k, v) in &self.reports {
            if *v != Value::Absent {
                m.serialize_entry(k, v)?;
            }
        }
        match self.policy {
            HitPolicy::Collect => m.serialize_entry(&*self.field, &self.outcomes)?,
            _ => m.serialize_entry(&*self.field, &self.outcomes.first())?,
        }
        for (k, v) in &self.outputs {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("reasons", &self.reasons)?;
        m.serialize_entry("not_enforced", &self.not_enforced)?;
        m.end()
    }
}

/// Every decision taken for one set of facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decisions {
    /// By decision name, in declaration order; decisions whose `only when` does not
    /// hold are left out.
    pub decisions: IndexMap<Arc<str>, DecisionResult, rustc_hash::FxBuildHasher>,
}

impl Decisions {
    /// One decision.
    pub fn get(&self, name: &str) -> Option<&DecisionResult> {
        self.decisions.get(name)
    }

    /// The JSON object `eval` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for Decisions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.decisions.iter())
    }
}

/// What the fired rules decide: outcomes and outputs, by the hit policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// The outcome, or every outcome for collect.
    pub outcomes: Vec<Arc<str>>,
    /// The outputs of the winning rules.
    pub outputs: IndexMap<String, Value>,
}

/// Applies a decision's hit policy to the rules that fired, in rule order.
pub fn decide(def: &DecisionDef, fired: &[&Fired]) -> Decided {
    let rank = |v: &Value| v.as_text().and_then(|t| def.outcomes.index(t)).unwrap_or(0) as u16;
    let selection = def.policy.select(fired.iter().map(|f| rank(&f.outcome)));
    let winners: Vec<&Fired> = fired
        .iter()
        .enumerate()
        .filter(|(i, f)| selection.picks(*i, rank(&f.outcome)))
        .map(|(_, f)| *f)
        .collect();
    // The outcome of a winner of that rank, as the rule gave it.
    let name = |r: u16| {
        winners.iter().find_map(|f| match &f.outcome {
            Value::Enum(o) if rank(&f.outcome) == r => Some(o.clone()),
            _ => None,
        })
    };
    let outcomes: Vec<Arc<str>> = match selection {
        crate::semantics::outcome::Selection::Nothing => match &def.default {
            Some(Value::Enum(o)) => vec![o.clone()],
            _ => Vec::new(),
        },
        s => s.ranks().iter().filter_map(name).collect(),
    };
    let mut outputs: IndexMap<String, Value> = IndexMap::new();
    for f in &winners {
        for (i, v) in &f.outputs {
            let Some((name, _)) = def.outputs.get(*i) else {
                continue;
            };
            if *v == Value::Absent {
                continue;
            }
            match (outputs.get_mut(name), v) {
                (Some(Value::List(acc)), Value::List(items)) => {
                    let mut merged: Vec<Value> = acc.as_ref().clone();
                    for it in items.iter() {
                        if !merged.contains(it) {
                            merged.push(it.clone());
                        }
                    }
                    *acc = Arc::new(merged);
                }
                (Some(_), _) => {}
                (None, v) => {
                    outputs.insert(name.clone(), v.clone());
                }
            }
        }
    }
    outputs.retain(|_, v| !matches!(v, Value::List(items) if items.is_empty()));
    Decided { outcomes, outputs }
}

/// The reasons for a list of fired rules.
pub fn reasons(fired: &[&Fired]) -> Vec<Reason> {
    fired
        .iter()
        .map(|f| Reason::new(&f.about_name, &f.outcome, &f.message, &f.rule_name))
        .collect()
}
