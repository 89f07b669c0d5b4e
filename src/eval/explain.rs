//! A readable trace of a decision: which rules fired, and why the others did not.

use super::facts::Facts;
use super::tables::{eval_table, RowTrace};
use super::EvalError;
use crate::compile::print::column_name;
use crate::compile::Compiled;
use crate::logic::Tri;
use crate::syntax::ast::HitPolicy;

/// Explains every decision for the facts.
pub fn explain(c: &Compiled, facts: &Facts) -> Result<String, EvalError> {
    let p = &*c.program;
    let mut out = String::new();
    for t in &c.tables {
        let mut trace: Vec<RowTrace> = Vec::new();
        let Some(result) = eval_table(c, t, facts, Some(&mut trace))? else {
            out.push_str(&format!(
                "{}: not taken (its `only when` does not hold)\n\n",
                t.name
            ));
            continue;
        };
        let shown = match result.policy {
            HitPolicy::Collect => format!("[{}]", result.outcomes.join(", ")),
            _ => result.outcomes.join(", "),
        };
        out.push_str(&format!("{} = {shown}", t.name));
        for (k, v) in &result.outputs {
            out.push_str(&format!(" ({k} = {v})"));
        }
        out.push('\n');
        if result.reasons.is_empty() {
            out.push_str("  no rule fired: the default applies\n");
        }
        for r in &result.reasons {
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
        if !result.not_enforced.is_empty() {
            out.push_str(&format!(
                "  not enforced (Intune SDK too old): {}\n",
                result.not_enforced.join(", ")
            ));
        }
        // Instances that did not fire: the first failed test of their first row.
        let mut seen: Vec<u32> = Vec::new();
        let fired: Vec<u32> = trace
            .iter()
            .filter(|r| r.result == Tri::True)
            .map(|r| r.instance)
            .collect();
        for r in &trace {
            if r.shadow.is_some() || fired.contains(&r.instance) || seen.contains(&r.instance) {
                continue;
            }
            seen.push(r.instance);
            let name = p.rules.get(r.rule).map(|x| x.name.as_str()).unwrap_or("");
            match &r.failed {
                Some((col, value, test)) => {
                    let col = t
                        .columns
                        .get(*col)
                        .map(|c| column_name(c, p))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "  not fired: {name}: {col} is {value}, needs {test}\n"
                    ));
                }
                None => out.push_str(&format!("  not fired: {name}\n")),
            }
        }
        out.push('\n');
    }
    Ok(out)
}
