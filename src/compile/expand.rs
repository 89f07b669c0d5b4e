//! Rule expansion: one instance per `for` item, settings folded in, each condition in
//! normal form as rows; a rule that cannot compile blames the settings it reads.

use super::*;

/// A rule that cannot compile with these settings: the error names the settings it
/// reads, and points at the user's `set` line of one of them when there is one (the
/// value came from there, not from the rule); a value from JSON settings is named.
pub(super) fn blame_settings(
    program: &Program,
    rule: &crate::check::ir::RuleDef,
    e: Fault,
) -> Diagnostic {
    let mut read: Vec<usize> = rule.about.into_iter().collect();
    let exprs = rule
        .for_each
        .iter()
        .flat_map(|(l, w)| std::iter::once(l).chain(w.iter()))
        .chain(std::iter::once(&rule.when));
    for x in exprs {
        for id in x.settings() {
            if !read.contains(&id) {
                read.push(id);
            }
        }
    }
    let names: Vec<String> = read
        .iter()
        .filter_map(|id| {
            program
                .settings
                .get_index(*id)
                .map(|(n, _)| format!("`{n}`"))
        })
        .collect();
    let set_line = program
        .overrides
        .iter()
        .find(|(id, _, _)| read.contains(id))
        .map(|(_, _, span)| *span);
    let message = if names.is_empty() {
        e.to_string()
    } else {
        format!("setting {}: {e}", names.join(", "))
    };
    match set_line {
        Some(span) => Diagnostic::error(CompileError::RuleFails, span, message)
            .with_label(format!("this value makes rule `{}` fail", rule.name)),
        None => Diagnostic::error(CompileError::RuleFails, rule.span, message)
            .with_label(format!("in rule `{}`", rule.name))
            .with_help("check the value given to the setting (`--settings`, `--graph` or `set`)"),
    }
}

/// Settings a rule reads, directly or through its `for` list, outputs and message.
pub(super) fn rule_settings(rule: &RuleDef) -> Vec<SettingId> {
    let mut exprs: Vec<&TExpr> = vec![&rule.when, &rule.outcome];
    if let Some((l, f)) = &rule.for_each {
        exprs.push(l);
        if let Some(f) = f {
            exprs.push(f);
        }
    }
    exprs.extend(rule.outputs.iter().map(|(_, e)| e));
    exprs.extend(rule.message.iter().filter_map(|p| match p {
        MsgPart::Expr(e) => Some(e),
        MsgPart::Text(_) => None,
    }));
    let mut out = Vec::new();
    for e in exprs {
        for s in e.settings() {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub(super) fn expand_rule(
    program: &Program,
    base: &[Value],
    ri: usize,
    rule: &RuleDef,
    def: &DecisionDef,
    cols: &mut Columns,
    rows: &mut Vec<Row>,
    instance: &mut u32,
) -> Result<(), Fault> {
    let gated: Vec<(SettingId, &GateDef)> = rule_settings(rule)
        .into_iter()
        .filter_map(|s| {
            let g = program.settings.get_index(s)?.1.gate.as_ref()?;
            base.get(s).filter(|v| g.affects(v)).map(|_| (s, g))
        })
        .collect();
    if gated.len() > MAX_GATES_PER_RULE {
        return Err(Fault::TooManyGates(gated.len()));
    }
    let k = gated.len();
    // (fallback mask, shadow index)
    let mut variants: Vec<(u32, Option<usize>)> = (0..1u32 << k).map(|m| (m, None)).collect();
    for i in 0..k {
        for m in 0..1u32 << k {
            if m & (1 << i) == 0 {
                variants.push((m, Some(i)));
            }
        }
    }
    let mut rows_of_rule = 0usize;
    for (mask, shadow) in variants {
        let mut settings = base.to_vec();
        let mut guards: Vec<(usize, bool)> = Vec::new(); // (gate index, enforced)
        let mut fallback = Vec::new();
        for (j, (s, g)) in gated.iter().enumerate() {
            let is_fallback = mask & (1 << j) != 0;
            if is_fallback {
                settings[*s] = g.fallback.clone();
                fallback.push(*s);
            }
            guards.push((j, !is_fallback && shadow != Some(j)));
        }
        let mut pe = Pe {
            program,
            settings: &settings,
            cols,
        };
        let mut guard_fs = Vec::new();
        for (j, enforced) in guards {
            let cond = pe.eval(&gated[j].1.condition, &mut Vec::new())?;
            let f = pe.formula(cond)?;
            guard_fs.push(if enforced { f } else { F::Not(Box::new(f)) });
        }
        let items: Vec<Option<Value>> = match &rule.for_each {
            Some((list, _)) => match pe.eval(list, &mut Vec::new())? {
                PV::Val(Value::List(items)) => items.iter().cloned().map(Some).collect(),
                PV::Val(Value::Absent) => Vec::new(),
                _ => return Err(Fault::ForListNotKnown),
            },
            None => vec![None],
        };
        for item in items {
            let mut env: Vec<Value> = item.into_iter().collect();
            let mut parts = guard_fs.clone();
            if let Some((_, Some(filter))) = &rule.for_each {
                let pv = pe.eval(filter, &mut env)?;
                let f = pe.formula(pv)?;
                if matches!(f, F::Const(false)) {
                    continue;
                }
                parts.push(f);
            }
            let pv = pe.eval(&rule.when, &mut env)?;
            parts.push(pe.formula(pv)?);
            let f = nnf(F::And(parts), false);
            let alts = dnf(&f, &pe.cols.list, program)?;
            if alts.is_empty() {
                continue;
            }
            let outcome = match pe.eval(&rule.outcome, &mut env)? {
                PV::Val(Value::Enum(o)) if def.outcomes.index(&o).is_some() => Value::Enum(o),
                PV::Val(v) => {
                    return Err(Fault::NotAnOutcome {
                        value: v,
                        decision: def.name.clone(),
                        outcomes: def.outcomes.variants.join(", "),
                    })
                }
                _ => return Err(Fault::OutcomeNotKnown),
            };
            let mut outputs = Vec::new();
            for (i, e) in &rule.outputs {
                let pv = pe.eval(e, &mut env)?;
                outputs.push((*i, pe.value_expr(pv)?));
            }
            let message: Arc<str> = Arc::from(pe.message(&rule.message, &mut env)?);
            rows_of_rule += alts.len();
            if rows_of_rule > MAX_ROWS_PER_RULE {
                return Err(Fault::RuleTooLarge);
            }
            let rank = def
                .outcomes
                .index(outcome.as_text().unwrap_or_default())
                .unwrap_or(0) as u16;
            let rule_name: Arc<str> = Arc::from(rule.name.as_str());
            let about_name: Option<Arc<str>> = rule
                .about
                .and_then(|s| program.settings.get_index(s))
                .map(|(k, _)| Arc::from(k.as_str()));
            for mut alt in alts {
                alt.sort_by_key(|(c, _)| *c);
                let tests: Vec<(u32, Test)> = alt.into_iter().map(|(c, t)| (c as u32, t)).collect();
                rows.push(Row {
                    rule: ri,
                    rule_name: rule_name.clone(),
                    about_name: about_name.clone(),
                    instance: *instance,
                    checks: tests.iter().map(|(c, t)| (*c, Check::new(t))).collect(),
                    tests,
                    outcome: outcome.clone(),
                    rank,
                    outputs: outputs.clone(),
                    message: message.clone(),
                    about: rule.about,
                    fallback: fallback.clone(),
                    shadow: shadow.map(|i| gated[i].0),
                });
            }
            *instance += 1;
        }
    }
    Ok(())
}
