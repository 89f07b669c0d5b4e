//! Assembly: a decision's rows, its `only when` and its reports into its table.

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
                        errors.push(Diagnostic::error(
                            CompileError::RuleFails,
                            def.span,
                            e.to_string(),
                        ));
                        None
                    }
                },
                Err(e) => {
                    errors.push(Diagnostic::error(
                        CompileError::RuleFails,
                        def.span,
                        e.to_string(),
                    ));
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
            Err(e) => errors.push(Diagnostic::error(
                CompileError::RuleFails,
                def.span,
                e.to_string(),
            )),
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
    let default_rank = def
        .default
        .as_ref()
        .and_then(|v| v.as_text())
        .and_then(|v| def.outcomes.index(v))
        .unwrap_or(0) as u16;
    Ok(Table {
        default_rank,
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
    })
}
