//! Assembly: a decision's rows into its table, with the JSON fragments the writer
//! copies and the hash index on the column most rows test for equality.

use super::*;

pub(super) fn compile_table(
    program: &Program,
    base: &[Value],
    d: DecisionId,
    def: &DecisionDef,
) -> Result<Table, Vec<Diagnostic>> {
    let mut cols = Columns::default();
    let mut rows: Vec<Row> = Vec::new();
    let mut errors = Vec::new();
    let mut instance: u32 = 0;
    for (ri, rule) in program
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.decision == d)
    {
        if let Err(e) = expand_rule(
            program,
            base,
            ri,
            rule,
            def,
            &mut cols,
            &mut rows,
            &mut instance,
        ) {
            errors.push(blame_settings(program, rule, e));
        }
    }
    let only_when = match &def.only_when {
        Some(w) => {
            let mut pe = Pe {
                program,
                settings: base,
                cols: &mut cols,
            };
            match pe.eval(w, &mut Vec::new()).and_then(|pv| pe.formula(pv)) {
                Ok(f) => match dnf(&nnf(f, false), &pe.cols.list, program) {
                    Ok(alts) => Some(Dnf { alternatives: alts }),
                    Err(e) => {
                        errors.push(Diagnostic::error(CompileError::RuleFails, def.span, e));
                        None
                    }
                },
                Err(e) => {
                    errors.push(Diagnostic::error(CompileError::RuleFails, def.span, e));
                    None
                }
            }
        }
        None => None,
    };
    let mut reports = Vec::new();
    for (name, e) in &def.reports {
        let mut pe = Pe {
            program,
            settings: base,
            cols: &mut cols,
        };
        match pe.eval(e, &mut Vec::new()).and_then(|pv| pe.value_expr(pv)) {
            Ok(c) => reports.push((name.clone(), c)),
            Err(e) => errors.push(Diagnostic::error(CompileError::RuleFails, def.span, e)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut instance_rows = vec![0u32; instance as usize];
    for (i, r) in rows.iter().enumerate().rev() {
        if let Some(slot) = instance_rows.get_mut(r.instance as usize) {
            *slot = i as u32;
        }
    }
    let index = build_index(&rows, INDEX_MIN_ROWS);
    let computed = cols.list.iter().any(|c| !matches!(c, CExpr::Fact(_)));
    let plan = plan::build(&rows, &cols.list);
    let default_rank = def
        .default
        .as_ref()
        .and_then(|v| v.as_text())
        .and_then(|v| def.outcomes.index(v))
        .unwrap_or(0) as u16;
    let kernel = plan
        .as_ref()
        .and_then(|p| kernel::build(p, &rows, def.policy, default_rank));
    let json = json_parts(def, &rows, &reports);
    Ok(Table {
        json,
        plan,
        kernel,
        default_rank,
        computed,
        decision: d,
        name: Arc::from(def.name.as_str()),
        field: Arc::from(def.field.as_str()),
        policy: def.policy,
        columns: cols.list,
        rows,
        only_when,
        reports,
        instances: instance,
        instance_rows,
        index,
    })
}

/// The JSON text of a decision's result that does not depend on the facts.
pub(super) fn json_parts(
    def: &DecisionDef,
    rows: &[Row],
    reports: &[(String, CExpr)],
) -> table::JsonParts {
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "null".into());
    let default = match &def.default {
        Some(Value::Enum(o)) => text(o),
        _ => "null".into(),
    };
    table::JsonParts {
        open: format!("{}:{{", text(&def.name)),
        field: format!("{}:", text(&def.field)),
        outcomes: def.outcomes.variants.iter().map(|o| text(o)).collect(),
        default,
        reasons: rows
            .iter()
            .map(|r| {
                let reason = crate::semantics::reason::Reason::new(
                    &r.about_name,
                    &r.outcome,
                    &r.message,
                    &r.rule_name,
                );
                serde_json::to_string(&reason).unwrap_or_else(|_| "null".into())
            })
            .collect(),
        reports: reports
            .iter()
            .map(|(k, _)| format!("{}:", text(k)))
            .collect(),
    }
}

/// Rows that test one column for equality, at least this many, get a hash index.
pub const INDEX_MIN_ROWS: usize = 16;

/// Indexes the column that the most rows test with `=` or `in`, if at least
/// `min_rows` do ([`INDEX_MIN_ROWS`] when compiling).
pub fn build_index(rows: &[Row], min_rows: usize) -> Option<Index> {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for r in rows {
        for (c, t) in &r.tests {
            if matches!(t, Test::Eq(_) | Test::In(_)) {
                *counts.entry(*c).or_default() += 1;
            }
        }
    }
    let (&column, &count) = counts
        .iter()
        .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))?;
    if count < min_rows.max(1) {
        return None;
    }
    let mut index = Index {
        column,
        ..Index::default()
    };
    for (i, r) in rows.iter().enumerate() {
        let values: Option<Vec<&Value>> = r.tests.iter().find_map(|(c, t)| match t {
            Test::Eq(v) if *c == column => Some(vec![v]),
            Test::In(vs) if *c == column => Some(vs.iter().collect()),
            _ => None,
        });
        match values {
            Some(vs) => {
                for v in vs {
                    let list = index.by_value.entry(v.clone()).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
            None => index.others.push(i as u32),
        }
    }
    Some(index)
}
