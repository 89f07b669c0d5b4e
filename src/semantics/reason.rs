//! Why a decision came out as it did: what the JSON result lists per fired rule. The
//! compiler renders each row's reason once; the evaluators return them.

use crate::value::Value;
use serde::Serialize;
use std::sync::Arc;

/// Why a decision came out as it did: one rule that fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The setting the rule implements (`null` for custom rules without `about`).
    pub setting: Option<Arc<str>>,
    /// The outcome the rule gave.
    pub outcome: Arc<str>,
    /// Why.
    pub message: Arc<str>,
    /// The rule's name.
    pub rule: Arc<str>,
}

impl Reason {
    /// The reason a rule gives: the setting it is about, its outcome, message and name.
    pub fn new(
        setting: &Option<Arc<str>>,
        outcome: &Value,
        message: &Arc<str>,
        rule: &Arc<str>,
    ) -> Reason {
        Reason {
            setting: setting.clone(),
            outcome: match outcome {
                Value::Enum(o) => o.clone(),
                other => Arc::from(other.to_string()),
            },
            message: message.clone(),
            rule: rule.clone(),
        }
    }
}
