//! The JSON text of a decision's result that does not depend on the facts, escaped
//! once when a policy is prepared, for the evaluator's JSON writer.

use crate::check::ir::Program;
use crate::compile::Table;
use crate::semantics::reason::Reason;
use crate::value::Value;

/// Pieces of a decision's JSON result the writer copies.
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

/// The parts of one table's result.
pub fn parts(program: &Program, t: &Table) -> JsonParts {
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "null".into());
    let def = program.decisions.get_index(t.decision).map(|(_, d)| d);
    let default = match def.and_then(|d| d.default.as_ref()) {
        Some(Value::Enum(o)) => text(o),
        _ => "null".into(),
    };
    JsonParts {
        open: format!("{}:{{", text(&t.name)),
        field: format!("{}:", text(&t.field)),
        outcomes: def
            .map(|d| d.outcomes.variants.iter().map(|o| text(o)).collect())
            .unwrap_or_default(),
        default,
        reasons: t
            .rows
            .iter()
            .map(|r| {
                let reason = Reason::new(&r.about_name, &r.outcome, &r.message, &r.rule_name);
                serde_json::to_string(&reason).unwrap_or_else(|_| "null".into())
            })
            .collect(),
        reports: t
            .reports
            .iter()
            .map(|(k, _)| format!("{}:", text(k)))
            .collect(),
    }
}
