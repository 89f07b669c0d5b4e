//! Full results: outcomes with outputs, reasons, reports and the settings not
//! enforced.

use super::*;
use smallvec::SmallVec;

/// Evaluates one table. `None` when its `only when` does not hold. With `trace`,
/// every row is evaluated and recorded (for `explain`).
pub fn eval_table(
    c: &Prepared,
    t: &Ready,
    facts: &Facts,
    trace: Option<&mut Vec<RowTrace>>,
) -> Result<Option<DecisionResult>, EvalError> {
    let program = c.program();
    let Some((_, def)) = program.decisions.get_index(t.decision) else {
        return Ok(None);
    };
    when_taken(c, t, facts, |cols| {
        let fired: Vec<(Fired, &Row)> = with_bits(t.instances as usize, |bits| {
            match trace {
                None => cols.find(bits, false),
                Some(tr) => {
                    for row in &t.rows {
                        let (r, failed) = cols.row(row);
                        bits.record(row.instance as usize, r);
                        let failed = match (r, failed) {
                            (Tri::True, _) | (_, None) => None,
                            (_, Some(i)) => row.tests.get(i).map(|(col, test)| {
                                let col = *col as usize;
                                (col, cols.get(col).clone(), test.clone())
                            }),
                        };
                        tr.push(RowTrace {
                            rule: row.rule,
                            instance: row.instance,
                            result: r,
                            failed,
                            shadow: row.shadow,
                        });
                    }
                }
            }
            let mut fired: Vec<(Fired, &Row)> = Vec::new();
            for (inst, row) in touched_rows(t, bits) {
                match bits.state(inst) {
                    Tri::True => {
                        let outputs = row
                            .outputs
                            .iter()
                            .map(|(i, e)| (*i, column_value(e, facts, program)))
                            .collect();
                        fired.push((
                            Fired {
                                rule: row.rule,
                                rule_name: row.rule_name.clone(),
                                about_name: row.about_name.clone(),
                                outcome: row.outcome.clone(),
                                outputs,
                                message: row.message.clone(),
                                about: row.about,
                            },
                            row,
                        ));
                    }
                    Tri::Unknown if row.shadow.is_none() => return Err(missing(cols, t, inst)),
                    _ => {}
                }
            }
            Ok(fired)
        })?;
        let actual: Vec<&Fired> = fired
            .iter()
            .filter(|(_, r)| r.shadow.is_none())
            .map(|(f, _)| f)
            .collect();
        let decided = decide(def, &actual);
        let not_enforced = not_enforced(program, def, &fired, &decided);
        Ok(DecisionResult {
            name: t.name.clone(),
            field: t.field.clone(),
            policy: def.policy,
            outcomes: decided.outcomes,
            outputs: decided.outputs,
            reports: reports(t, facts, program),
            reasons: reasons(&actual),
            not_enforced,
        })
    })
}

/// The values a decision reports from the facts.
pub(super) fn reports(t: &Ready, facts: &Facts, program: &Program) -> IndexMap<String, Value> {
    t.reports
        .iter()
        .map(|(name, e)| (name.clone(), column_value(e, facts, program)))
        .collect()
}

/// The gated settings whose enforcement would change the result: for each, the
/// decision is taken again with the setting's fallback rows replaced by its shadows.
pub(super) fn not_enforced(
    program: &Program,
    def: &crate::check::ir::DecisionDef,
    fired: &[(Fired, &Row)],
    decided: &crate::eval::Decided,
) -> Vec<String> {
    let mut out = Vec::new();
    for x in gated_settings(fired.iter().map(|(_, r)| *r)) {
        let alt: Vec<&Fired> = fired
            .iter()
            .filter(|(_, r)| r.decides_when_enforced(x))
            .map(|(f, _)| f)
            .collect();
        if decide(def, &alt) != *decided {
            if let Some((name, _)) = program.settings.get_index(x) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// The gated settings some of `rows` take part in (at their fallback, or shadowed),
/// in setting order, each once: the candidates for `not_enforced`.
#[inline]
pub(super) fn gated_settings<'r>(rows: impl Iterator<Item = &'r Row>) -> SmallVec<[usize; 4]> {
    let mut settings: SmallVec<[usize; 4]> = SmallVec::new();
    for s in rows.flat_map(Row::gates) {
        if !settings.contains(&s) {
            settings.push(s);
        }
    }
    settings.sort_unstable();
    settings
}
