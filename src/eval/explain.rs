//! A readable trace of a decision: which rules fired, and why the others did not.
//! [`trace`] gathers it as data (`explain --format json`); [`explain`] writes it as
//! text.

use super::engines::Prepared;
use super::facts::Facts;
use super::tables::{eval_table, RowTrace};
use super::EvalError;
use crate::compile::print::column_name;
use crate::semantics::logic::Tri;
use crate::syntax::ast::HitPolicy;

/// One decision's trace.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DecisionTrace {
    /// The decision.
    pub decision: String,
    /// Whether its `only when` held (the rest is empty when not).
    pub taken: bool,
    /// The outcomes (one, or the collected ones).
    pub outcomes: Vec<String>,
    /// Whether the decision collects outcomes.
    pub collect: bool,
    /// Outputs, as text.
    pub outputs: Vec<(String, String)>,
    /// The rules that fired.
    pub fired: Vec<FiredRule>,
    /// Settings an old Intune SDK does not enforce.
    pub not_enforced: Vec<String>,
    /// The rules that did not fire, with the first test that failed.
    pub not_fired: Vec<NotFired>,
}

/// A rule that fired.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FiredRule {
    /// The rule.
    pub rule: String,
    /// The setting it is about.
    pub setting: Option<String>,
    /// Its outcome.
    pub outcome: String,
    /// Its message.
    pub message: String,
}

/// A rule that did not fire.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NotFired {
    /// The rule.
    pub rule: String,
    /// The fact expression whose test failed.
    pub column: Option<String>,
    /// Its value.
    pub value: Option<String>,
    /// The test it failed.
    pub needs: Option<String>,
}

/// Traces every decision for the facts.
pub fn trace(c: &Prepared, facts: &Facts) -> Result<Vec<DecisionTrace>, EvalError> {
    let p = c.program();
    let mut out = Vec::new();
    for t in &c.tables {
        let mut rows: Vec<RowTrace> = Vec::new();
        let Some(result) = eval_table(c, t, facts, Some(&mut rows))? else {
            out.push(DecisionTrace {
                decision: t.name.to_string(),
                taken: false,
                outcomes: Vec::new(),
                collect: false,
                outputs: Vec::new(),
                fired: Vec::new(),
                not_enforced: Vec::new(),
                not_fired: Vec::new(),
            });
            continue;
        };
        let fired_instances: Vec<u32> = rows
            .iter()
            .filter(|r| r.result == Tri::True)
            .map(|r| r.instance)
            .collect();
        // Instances that did not fire: the first failed test of their first row.
        let mut seen: Vec<u32> = Vec::new();
        let mut not_fired = Vec::new();
        for r in &rows {
            if r.shadow.is_some()
                || fired_instances.contains(&r.instance)
                || seen.contains(&r.instance)
            {
                continue;
            }
            seen.push(r.instance);
            let rule = p
                .rules
                .get(r.rule)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            not_fired.push(match &r.failed {
                Some((col, value, test)) => NotFired {
                    rule,
                    column: t.columns.get(*col).map(|c| column_name(c, p)),
                    value: Some(value.to_string()),
                    needs: Some(test.to_string()),
                },
                None => NotFired {
                    rule,
                    column: None,
                    value: None,
                    needs: None,
                },
            });
        }
        out.push(DecisionTrace {
            decision: t.name.to_string(),
            taken: true,
            outcomes: result.outcomes.iter().map(|o| o.to_string()).collect(),
            collect: result.policy == HitPolicy::Collect,
            outputs: result
                .outputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fired: result
                .reasons
                .iter()
                .map(|r| FiredRule {
                    rule: r.rule.to_string(),
                    setting: r.setting.as_deref().map(str::to_string),
                    outcome: r.outcome.to_string(),
                    message: r.message.to_string(),
                })
                .collect(),
            not_enforced: result.not_enforced.clone(),
            not_fired,
        });
    }
    Ok(out)
}

/// Explains every decision for the facts, as text.
pub fn explain(c: &Prepared, facts: &Facts) -> Result<String, EvalError> {
    let mut out = String::new();
    for d in trace(c, facts)? {
        if !d.taken {
            out.push_str(&format!(
                "{}: not taken (its `only when` does not hold)\n\n",
                d.decision
            ));
            continue;
        }
        let shown = if d.collect {
            format!("[{}]", d.outcomes.join(", "))
        } else {
            d.outcomes.join(", ")
        };
        out.push_str(&format!("{} = {shown}", d.decision));
        for (k, v) in &d.outputs {
            out.push_str(&format!(" ({k} = {v})"));
        }
        out.push('\n');
        if d.fired.is_empty() {
            out.push_str("  no rule fired: the default applies\n");
        }
        for r in &d.fired {
            let about = r
                .setting
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  fired: {}{about} => {}: {}\n",
                r.rule, r.outcome, r.message
            ));
        }
        if !d.not_enforced.is_empty() {
            out.push_str(&format!(
                "  not enforced (Intune SDK too old): {}\n",
                d.not_enforced.join(", ")
            ));
        }
        for n in &d.not_fired {
            match (&n.column, &n.value, &n.needs) {
                (Some(col), Some(value), Some(test)) => out.push_str(&format!(
                    "  not fired: {}: {col} is {value}, needs {test}\n",
                    n.rule
                )),
                _ => out.push_str(&format!("  not fired: {}\n", n.rule)),
            }
        }
        out.push('\n');
    }
    Ok(out)
}
