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
    /// The name of each gated setting some row takes part in, as a JSON string, by
    /// setting index (for `not_enforced`), in setting order.
    pub settings: Vec<(usize, String)>,
}

impl JsonParts {
    /// The name of gated setting `s` as a JSON string (`null` for a setting no row
    /// takes part in: never asked).
    pub fn setting(&self, s: usize) -> &str {
        self.settings
            .binary_search_by_key(&s, |(i, _)| *i)
            .ok()
            .and_then(|i| self.settings.get(i))
            .map_or("null", |(_, name)| name.as_str())
    }
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
        settings: {
            let mut gated: Vec<usize> = t.rows.iter().flat_map(|r| r.gates()).collect();
            gated.sort_unstable();
            gated.dedup();
            gated
                .into_iter()
                .filter_map(|s| program.settings.get_index(s).map(|(n, _)| (s, text(n))))
                .collect()
        },
    }
}
