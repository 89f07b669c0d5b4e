//! Step three: checked IR + setting values → decision tables.
//!
//! Settings are constants once a policy is compiled, so every condition on settings
//! folds away: what remains are tests on facts. The compiler
//!
//! 1. expands each rule: one instance per item of its `for` list, and — for settings
//!    that an old Intune SDK does not enforce (`requires ... else ...`) — one variant
//!    with the setting as configured and one with its fallback, each guarded by the
//!    gate condition, plus *shadow* variants that tell whether the setting would have
//!    changed the outcome (`not_enforced`);
//! 2. partially evaluates the condition (`Pe`) into a formula over atoms
//!    `column test`, where a column is a fact expression;
//! 3. puts the formula in disjunctive normal form: each conjunction is a row, its
//!    atoms grouped by column into cells, contradictory cells detected.

pub mod kernel;
pub mod plan;
pub mod print;
pub mod table;

use crate::check::ir::*;
use crate::codes::CompileError;
use crate::diag::Diagnostic;
use crate::semantics::display::display_plain;
use crate::semantics::logic::{cmp, Tri};
use crate::semantics::ops::arith;
use crate::syntax::ast::CmpOp;
use crate::value::{Type, Value};
use std::collections::HashMap;
use std::sync::Arc;
pub use table::{CExpr, Check, Dnf, Index, Row, Table, Test};

/// Most rows one rule may expand to.
pub const MAX_ROWS_PER_RULE: usize = 4096;
/// Most gated settings one rule may read.
pub const MAX_GATES_PER_RULE: usize = 4;

/// A compiled policy: the program, its setting values and one table per decision.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The checked program.
    pub program: Arc<Program>,
    /// The effective value of every setting.
    pub settings: Vec<Value>,
    /// One table per decision, in declaration order.
    pub tables: Vec<Table>,
    /// Lint warnings.
    pub warnings: Vec<Diagnostic>,
}

/// A rule that cannot compile with these settings: the error names the settings it
/// reads, and points at the user's `set` line of one of them when there is one (the
/// value came from there, not from the rule); a value from JSON settings is named.
fn blame_settings(program: &Program, rule: &crate::check::ir::RuleDef, e: String) -> Diagnostic {
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
        e
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

/// Compiles a program with the given setting values (see [`crate::settings::resolve`]).
pub fn compile(program: Arc<Program>, settings: Vec<Value>) -> Result<Compiled, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for lint in &program.lints {
        let mut cols = Columns::default();
        let mut pe = Pe {
            program: &program,
            settings: &settings,
            cols: &mut cols,
        };
        match pe.eval(&lint.when, &mut Vec::new()) {
            Ok(PV::Val(Value::Bool(true))) => {
                let msg = match pe.message(&lint.message, &mut Vec::new()) {
                    Ok(m) => m,
                    Err(e) => e,
                };
                // Blame what made it fire: the user's `set` line of a setting the
                // lint reads, or the settings given as JSON; the lint itself only
                // when neither (the defaults).
                let read = lint.when.settings();
                let set_line = program
                    .overrides
                    .iter()
                    .rev()
                    .find(|(id, _, _)| read.contains(id))
                    .map(|(_, _, span)| *span);
                let from_json: Vec<String> = read
                    .iter()
                    .filter(|id| !program.overrides.iter().any(|(o, _, _)| o == *id))
                    .filter_map(|id| {
                        let (name, def) = program.settings.get_index(*id)?;
                        (settings.get(*id) != Some(&def.default)).then(|| format!("`{name}`"))
                    })
                    .collect();
                let span = set_line.unwrap_or(lint.span);
                let mut d = if lint.error {
                    Diagnostic::error(CompileError::LintError, span, msg)
                } else {
                    Diagnostic::warning(CompileError::LintWarning, span, msg)
                }
                .with_label(format!("lint `{}`", lint.name));
                if !from_json.is_empty() {
                    d = d.with_help(format!(
                        "set by the JSON settings: {}",
                        from_json.join(", ")
                    ));
                }
                if lint.error {
                    errors.push(d);
                } else {
                    warnings.push(d);
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(Diagnostic::error(CompileError::LintFails, lint.span, e)),
        }
    }
    let mut tables = Vec::new();
    for (d, def) in program.decisions.values().enumerate() {
        match compile_table(&program, &settings, d, def) {
            Ok(t) => tables.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Compiled {
        program,
        settings,
        tables,
        warnings,
    })
}

#[derive(Default)]
struct Columns {
    list: Vec<CExpr>,
    index: HashMap<CExpr, usize>,
}

impl Columns {
    fn get(&mut self, c: CExpr) -> usize {
        if let Some(i) = self.index.get(&c) {
            return *i;
        }
        let i = self.list.len();
        self.list.push(c.clone());
        self.index.insert(c, i);
        i
    }
}

/// A formula over column tests.
#[derive(Clone, Debug)]
enum F {
    Const(bool),
    Atom(usize, Test),
    Not(Box<F>),
    And(Vec<F>),
    Or(Vec<F>),
}

/// A partially evaluated expression.
#[derive(Clone, Debug)]
enum PV {
    Val(Value),
    Expr(CExpr),
    F(F),
}

/// The partial evaluator: settings known, facts not.
struct Pe<'a> {
    program: &'a Program,
    settings: &'a [Value],
    cols: &'a mut Columns,
}

fn compile_table(
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
    let index = build_index(&rows);
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
fn json_parts(def: &DecisionDef, rows: &[Row], reports: &[(String, CExpr)]) -> table::JsonParts {
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

/// Indexes the column that the most rows test with `=` or `in`, if enough do.
fn build_index(rows: &[Row]) -> Option<Index> {
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
    if count < INDEX_MIN_ROWS {
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

/// Settings a rule reads, directly or through its `for` list, outputs and message.
fn rule_settings(rule: &RuleDef) -> Vec<SettingId> {
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
fn expand_rule(
    program: &Program,
    base: &[Value],
    ri: usize,
    rule: &RuleDef,
    def: &DecisionDef,
    cols: &mut Columns,
    rows: &mut Vec<Row>,
    instance: &mut u32,
) -> Result<(), String> {
    let gated: Vec<(SettingId, &GateDef)> = rule_settings(rule)
        .into_iter()
        .filter_map(|s| {
            let g = program.settings.get_index(s)?.1.gate.as_ref()?;
            base.get(s).filter(|v| g.affects(v)).map(|_| (s, g))
        })
        .collect();
    if gated.len() > MAX_GATES_PER_RULE {
        return Err(format!(
            "the rule reads {} settings with `requires` (the limit is {MAX_GATES_PER_RULE})",
            gated.len()
        ));
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
                _ => {
                    return Err(
                        "the list of a `for` must be known when the policy is compiled".into(),
                    )
                }
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
                    return Err(format!(
                        "the outcome `{v}` is not an outcome of decision `{}` (one of {})",
                        def.name,
                        def.outcomes.variants.join(", ")
                    ))
                }
                _ => return Err("the outcome must be known when the policy is compiled".into()),
            };
            let mut outputs = Vec::new();
            for (i, e) in &rule.outputs {
                let pv = pe.eval(e, &mut env)?;
                outputs.push((*i, pe.value_expr(pv)?));
            }
            let message: Arc<str> = Arc::from(pe.message(&rule.message, &mut env)?);
            rows_of_rule += alts.len();
            if rows_of_rule > MAX_ROWS_PER_RULE {
                return Err(format!(
                    "the rule expands to more than {MAX_ROWS_PER_RULE} rows; simplify its condition"
                ));
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

impl Pe<'_> {
    fn eval(&mut self, e: &TExpr, env: &mut Vec<Value>) -> Result<PV, String> {
        Ok(match e {
            TExpr::Const(v) => PV::Val(v.clone()),
            TExpr::Setting(s) => PV::Val(self.settings.get(*s).cloned().unwrap_or(Value::Absent)),
            TExpr::Var(d) => match env.get(*d) {
                Some(v) => PV::Val(v.clone()),
                None => return Err("internal: unbound variable".into()),
            },
            TExpr::Fact(f) => PV::Expr(CExpr::Fact(*f)),
            TExpr::Group(g) => PV::Expr(CExpr::Group(*g)),
            TExpr::Decision(_) | TExpr::Varied(_) => {
                return Err("decisions and `varied.` can only be read in properties".into())
            }
            TExpr::Field(inner, name) => match self.eval(inner, env)? {
                PV::Val(Value::Absent) => PV::Val(Value::Absent),
                PV::Val(v) => PV::Val(v.field(name).cloned().unwrap_or(Value::Absent)),
                _ => return Err(format!("field `{name}` of a fact expression")),
            },
            TExpr::Present(inner) => match self.eval(inner, env)? {
                PV::Val(v) => PV::Val(Value::Bool(v != Value::Absent)),
                PV::Expr(c) => PV::F(F::Atom(self.cols.get(c), Test::Present)),
                PV::F(_) => PV::Val(Value::Bool(true)),
            },
            TExpr::Not(inner) => match self.eval(inner, env)? {
                PV::Val(Value::Bool(b)) => PV::Val(Value::Bool(!b)),
                pv => PV::F(F::Not(Box::new(self.formula(pv)?))),
            },
            TExpr::And(parts) | TExpr::Or(parts) => {
                let is_and = matches!(e, TExpr::And(_));
                let mut fs = Vec::new();
                for p in parts {
                    match self.eval(p, env)? {
                        PV::Val(Value::Bool(b)) => {
                            if b != is_and {
                                return Ok(PV::Val(Value::Bool(b)));
                            }
                        }
                        pv => fs.push(self.formula(pv)?),
                    }
                }
                if fs.is_empty() {
                    PV::Val(Value::Bool(is_and))
                } else if is_and {
                    PV::F(F::And(fs))
                } else {
                    PV::F(F::Or(fs))
                }
            }
            TExpr::Cmp(op, a, b, kind) => {
                let pa = self.eval(a, env)?;
                let pb = self.eval(b, env)?;
                match (pa, pb) {
                    (PV::Val(x), PV::Val(y)) => match cmp(*op, &x, &y, kind) {
                        Tri::True => PV::Val(Value::Bool(true)),
                        Tri::False => PV::Val(Value::Bool(false)),
                        Tri::Unknown => {
                            return Err(format!(
                                "cannot compare `{x}` {} `{y}`: a setting it reads is not configured; test it with `present(...)` first",
                                op.as_str()
                            ))
                        }
                    },
                    (PV::Expr(c), PV::Val(v)) => match self.atom(*op, c, v, kind, false) {
                        Some(pv) => pv,
                        None => self.interp(e, env)?,
                    },
                    (PV::Val(v), PV::Expr(c)) => match self.atom(*op, c, v, kind, true) {
                        Some(pv) => pv,
                        None => self.interp(e, env)?,
                    },
                    _ => self.interp(e, env)?,
                }
            }
            TExpr::Arith(op, a, b) => match (self.eval(a, env)?, self.eval(b, env)?) {
                (PV::Val(Value::Int(x)), PV::Val(Value::Int(y))) => match arith(*op, x, y) {
                    Some(v) => PV::Val(Value::Int(v)),
                    None => return Err(format!("integer overflow in `{x} {} {y}`", op.as_str())),
                },
                (PV::Val(Value::Absent), _) | (_, PV::Val(Value::Absent)) => {
                    return Err("arithmetic on a setting that is not configured; test it with `present(...)` first".into())
                }
                (pa, pb) => {
                    let ca = self.value_expr(pa)?;
                    let cb = self.value_expr(pb)?;
                    PV::Expr(CExpr::Arith(*op, Box::new(ca), Box::new(cb)))
                }
            },
            TExpr::Call(b, args) => {
                let mut vals = Vec::new();
                let mut exprs = Vec::new();
                let mut all_const = true;
                for a in args {
                    match self.eval(a, env)? {
                        PV::Val(v) => {
                            exprs.push(CExpr::Const(v.clone()));
                            vals.push(v);
                        }
                        pv => {
                            all_const = false;
                            exprs.push(self.value_expr(pv)?);
                        }
                    }
                }
                if all_const {
                    match b.apply(&vals) {
                        Some(v) => PV::Val(v),
                        None => {
                            return Err(format!("`{}` of a value that is not configured", b.name()))
                        }
                    }
                } else {
                    PV::Expr(CExpr::Call(*b, exprs))
                }
            }
            TExpr::List(items) => {
                let mut vals = Vec::new();
                for i in items {
                    match self.eval(i, env)? {
                        PV::Val(v) => vals.push(v),
                        _ => return self.interp(e, env),
                    }
                }
                PV::Val(Value::List(Arc::new(vals)))
            }
            TExpr::Quant {
                all, list, body, ..
            } => match self.eval(list, env)? {
                PV::Val(v) => {
                    let items = match v {
                        Value::List(items) => items,
                        Value::Absent => Arc::new(Vec::new()),
                        _ => return Err("a quantifier needs a list".into()),
                    };
                    let mut fs = Vec::new();
                    for item in items.iter() {
                        env.push(item.clone());
                        let r = self.eval(body, env);
                        env.pop();
                        match r? {
                            PV::Val(Value::Bool(b)) => {
                                if b != *all {
                                    return Ok(PV::Val(Value::Bool(b)));
                                }
                            }
                            pv => fs.push(self.formula(pv)?),
                        }
                    }
                    if fs.is_empty() {
                        PV::Val(Value::Bool(*all))
                    } else if *all {
                        PV::F(F::And(fs))
                    } else {
                        PV::F(F::Or(fs))
                    }
                }
                _ => self.interp(e, env)?,
            },
        })
    }

    /// A boolean expression the tables cannot split: a column computed by the interpreter.
    fn interp(&mut self, e: &TExpr, env: &[Value]) -> Result<PV, String> {
        let t = substitute(e, self.settings);
        let c = CExpr::Interp(Arc::new(t), Arc::new(env.to_vec()));
        Ok(PV::F(F::Atom(
            self.cols.get(c),
            Test::Eq(Value::Bool(true)),
        )))
    }

    fn formula(&mut self, pv: PV) -> Result<F, String> {
        Ok(match pv {
            PV::Val(Value::Bool(b)) => F::Const(b),
            PV::Val(v) => return Err(format!("expected a condition, found the value `{v}`")),
            PV::Expr(c) => F::Atom(self.cols.get(c), Test::Eq(Value::Bool(true))),
            PV::F(f) => f,
        })
    }

    fn value_expr(&mut self, pv: PV) -> Result<CExpr, String> {
        match pv {
            PV::Val(v) => Ok(CExpr::Const(v)),
            PV::Expr(c) => Ok(c),
            PV::F(_) => Err("a condition cannot be used as a value here".into()),
        }
    }

    fn column_type(&self, c: &CExpr) -> Option<Type> {
        match c {
            CExpr::Fact(f) => self.program.facts.get_index(*f).map(|(_, d)| d.ty.clone()),
            CExpr::Call(b, _) => Some(b.result()),
            CExpr::Arith(..) => Some(Type::Int { min: None }),
            CExpr::Group(_) | CExpr::Interp(..) => Some(Type::Bool),
            CExpr::Const(_) => None,
        }
    }

    /// `column op value` (or `value op column` when `flipped`) as a test.
    /// `None` when the comparison is not a test on one column (the caller falls back
    /// to an interpreter column).
    fn atom(&mut self, op: CmpOp, c: CExpr, v: Value, kind: &CmpKind, flipped: bool) -> Option<PV> {
        let ty = self.column_type(&c);
        let norm = |v: &Value| normalize(v, ty.as_ref());
        let col_is_list = matches!(ty, Some(Type::List(_)));
        let test = match op {
            CmpOp::In | CmpOp::NotIn if flipped => {
                // value in column: the column is a list of facts
                let v = match &ty {
                    Some(Type::List(inner)) => normalize(&v, Some(inner)),
                    _ => v,
                };
                if op == CmpOp::In {
                    Test::Contains(v)
                } else {
                    Test::NotContains(v)
                }
            }
            CmpOp::In | CmpOp::NotIn => {
                let items: Vec<Value> = match &v {
                    Value::List(items) => items.iter().map(norm).collect(),
                    _ => Vec::new(),
                };
                if op == CmpOp::In {
                    Test::In(items)
                } else {
                    Test::NotIn(items)
                }
            }
            CmpOp::Eq if !col_is_list => Test::Eq(norm(&v)),
            CmpOp::Ne if !col_is_list => Test::NotIn(vec![norm(&v)]),
            CmpOp::Eq | CmpOp::Ne => return None,
            _ => {
                let op = if flipped { flip(op) } else { op };
                let v = norm(&v);
                match kind {
                    CmpKind::Ordered(e) => {
                        let keep: Vec<Value> = e
                            .variants
                            .iter()
                            .map(|x| Value::enum_(x))
                            .filter(|x| cmp(op, x, &v, kind) == Tri::True)
                            .collect();
                        Test::In(keep)
                    }
                    CmpKind::Plain { .. } => match op {
                        CmpOp::Lt => Test::Range {
                            lo: None,
                            hi: Some((v, false)),
                        },
                        CmpOp::Le => Test::Range {
                            lo: None,
                            hi: Some((v, true)),
                        },
                        CmpOp::Gt => Test::Range {
                            lo: Some((v, false)),
                            hi: None,
                        },
                        _ => Test::Range {
                            lo: Some((v, true)),
                            hi: None,
                        },
                    },
                }
            }
        };
        let col = self.cols.get(c);
        Some(PV::F(F::Atom(col, test)))
    }

    fn message(&mut self, parts: &[MsgPart], env: &mut Vec<Value>) -> Result<String, String> {
        let mut s = String::new();
        for p in parts {
            match p {
                MsgPart::Text(t) => s.push_str(t),
                MsgPart::Expr(e) => match self.eval(e, env)? {
                    PV::Val(v) => s.push_str(&display_plain(&v)),
                    _ => {
                        return Err("a message can only show settings and the loop variable".into())
                    }
                },
            }
        }
        Ok(s)
    }
}

/// Makes a constant comparable with a column of type `ty` by plain equality:
/// enum names become strings for string columns (and back), nocase strings lowercase.
fn normalize(v: &Value, ty: Option<&Type>) -> Value {
    match (ty, v) {
        (Some(Type::Str { nocase }), Value::Enum(s) | Value::Str(s)) => {
            if *nocase {
                Value::str(&s.to_ascii_lowercase())
            } else {
                Value::Str(s.clone())
            }
        }
        (Some(Type::Enum(_)), Value::Str(s)) => Value::Enum(s.clone()),
        _ => v.clone(),
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// Replaces settings by their values (for interpreter columns).
fn substitute(e: &TExpr, settings: &[Value]) -> TExpr {
    let s = |x: &TExpr| Box::new(substitute(x, settings));
    match e {
        TExpr::Setting(id) => TExpr::Const(settings.get(*id).cloned().unwrap_or(Value::Absent)),
        TExpr::Field(x, n) => TExpr::Field(s(x), n.clone()),
        TExpr::Present(x) => TExpr::Present(s(x)),
        TExpr::Not(x) => TExpr::Not(s(x)),
        TExpr::And(xs) => TExpr::And(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Or(xs) => TExpr::Or(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::List(xs) => TExpr::List(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Call(b, xs) => TExpr::Call(*b, xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Cmp(op, a, b, k) => TExpr::Cmp(*op, s(a), s(b), k.clone()),
        TExpr::Arith(op, a, b) => TExpr::Arith(*op, s(a), s(b)),
        TExpr::Quant {
            all,
            var,
            list,
            body,
        } => TExpr::Quant {
            all: *all,
            var: *var,
            list: s(list),
            body: s(body),
        },
        other => other.clone(),
    }
}

/// Negation normal form: negations pushed into the tests.
fn nnf(f: F, neg: bool) -> F {
    match f {
        F::Const(b) => F::Const(b != neg),
        F::Atom(c, t) if !neg => F::Atom(c, t),
        F::Atom(c, t) => negate(c, t),
        F::Not(x) => nnf(*x, !neg),
        F::And(xs) => {
            let xs = xs.into_iter().map(|x| nnf(x, neg)).collect();
            if neg {
                F::Or(xs)
            } else {
                F::And(xs)
            }
        }
        F::Or(xs) => {
            let xs = xs.into_iter().map(|x| nnf(x, neg)).collect();
            if neg {
                F::And(xs)
            } else {
                F::Or(xs)
            }
        }
    }
}

fn negate(c: usize, t: Test) -> F {
    match t {
        Test::Eq(v) => F::Atom(c, Test::NotIn(vec![v])),
        Test::In(vs) => F::Atom(c, Test::NotIn(vs)),
        Test::NotIn(mut vs) if vs.len() == 1 => F::Atom(c, Test::Eq(vs.remove(0))),
        Test::NotIn(vs) => F::Atom(c, Test::In(vs)),
        Test::Range { lo, hi } => {
            let mut alts = Vec::new();
            if let Some((v, inc)) = lo {
                alts.push(F::Atom(
                    c,
                    Test::Range {
                        lo: None,
                        hi: Some((v, !inc)),
                    },
                ));
            }
            if let Some((v, inc)) = hi {
                alts.push(F::Atom(
                    c,
                    Test::Range {
                        lo: Some((v, !inc)),
                        hi: None,
                    },
                ));
            }
            F::Or(alts)
        }
        Test::Contains(v) => F::Atom(c, Test::NotContains(v)),
        Test::NotContains(v) => F::Atom(c, Test::Contains(v)),
        Test::Present => F::Atom(c, Test::Absent),
        Test::Absent => F::Atom(c, Test::Present),
    }
}

/// Disjunctive normal form of an NNF formula; contradictory conjunctions dropped.
fn dnf(f: &F, cols: &[CExpr], program: &Program) -> Result<Vec<Vec<(usize, Test)>>, String> {
    let raw = dnf_raw(f)?;
    let mut out = Vec::new();
    for conj in raw {
        if let Some(mut c) = simplify(conj, cols, program) {
            // Sorted value lists: the evaluator binary-searches them.
            for (_, t) in c.iter_mut() {
                if let Test::In(vs) | Test::NotIn(vs) = t {
                    vs.sort();
                    vs.dedup();
                }
            }
            out.push(c);
        }
    }
    Ok(out)
}

fn dnf_raw(f: &F) -> Result<Vec<Vec<(usize, Test)>>, String> {
    Ok(match f {
        F::Const(true) => vec![Vec::new()],
        F::Const(false) => Vec::new(),
        F::Atom(c, t) => vec![vec![(*c, t.clone())]],
        F::Not(_) => return Err("internal: negation left after normalisation".into()),
        F::Or(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(dnf_raw(x)?);
                if out.len() > MAX_ROWS_PER_RULE {
                    return Err(format!(
                        "the condition expands to more than {MAX_ROWS_PER_RULE} rows"
                    ));
                }
            }
            out
        }
        F::And(xs) => {
            let mut acc: Vec<Vec<(usize, Test)>> = vec![Vec::new()];
            for x in xs {
                let d = dnf_raw(x)?;
                if acc.len().saturating_mul(d.len()) > MAX_ROWS_PER_RULE {
                    return Err(format!(
                        "the condition expands to more than {MAX_ROWS_PER_RULE} rows"
                    ));
                }
                let mut next = Vec::new();
                for a in &acc {
                    for b in &d {
                        let mut c = a.clone();
                        c.extend(b.iter().cloned());
                        next.push(c);
                    }
                }
                if next.len() > MAX_ROWS_PER_RULE {
                    return Err(format!(
                        "the condition expands to more than {MAX_ROWS_PER_RULE} rows"
                    ));
                }
                acc = next;
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
    })
}

/// Whether a column's value can be absent at evaluation time.
fn may_be_absent(c: &CExpr, program: &Program) -> bool {
    match c {
        CExpr::Const(v) => *v == Value::Absent,
        CExpr::Fact(f) => program
            .facts
            .get_index(*f)
            .is_none_or(|(_, d)| (d.optional || d.group.is_some()) && d.default.is_none()),
        CExpr::Group(_) => true,
        CExpr::Call(_, args) => args.iter().any(|a| may_be_absent(a, program)),
        CExpr::Arith(_, a, b) => may_be_absent(a, program) || may_be_absent(b, program),
        CExpr::Interp(..) => true,
    }
}

/// Merges the tests on each column of a conjunction; `None` when they contradict.
fn simplify(
    conj: Vec<(usize, Test)>,
    cols: &[CExpr],
    program: &Program,
) -> Option<Vec<(usize, Test)>> {
    let mut by_col: Vec<(usize, Vec<Test>)> = Vec::new();
    for (c, t) in conj {
        match by_col.iter_mut().find(|(k, _)| *k == c) {
            Some((_, ts)) => {
                if !ts.contains(&t) {
                    ts.push(t)
                }
            }
            None => by_col.push((c, vec![t])),
        }
    }
    let mut out = Vec::new();
    for (c, tests) in by_col {
        match merge_tests(&tests) {
            Some(merged) => out.extend(merged.into_iter().map(|t| (c, t))),
            None => {
                if !cols.get(c).is_some_and(|e| may_be_absent(e, program)) {
                    return None;
                }
                // Contradictory on present values, unknown on absent ones: keep the
                // tests so that both evaluators agree on missing facts.
                out.extend(tests.into_iter().map(|t| (c, t)));
            }
        }
    }
    Some(out)
}

/// Merges tests on one column into fewer; `None` when no present value passes all.
fn merge_tests(tests: &[Test]) -> Option<Vec<Test>> {
    if tests.len() <= 1 {
        return Some(tests.to_vec());
    }
    if tests.iter().any(|t| matches!(t, Test::Absent)) {
        if tests.iter().any(|t| matches!(t, Test::Present)) {
            return None;
        }
        return Some(tests.to_vec());
    }
    let mut allowed: Option<Vec<Value>> = None;
    let mut excluded: Vec<Value> = Vec::new();
    let mut lo: Option<(Value, bool)> = None;
    let mut hi: Option<(Value, bool)> = None;
    let mut rest: Vec<Test> = Vec::new();
    for t in tests {
        match t {
            Test::Eq(v) => allowed = Some(intersect(allowed, std::slice::from_ref(v))),
            Test::In(vs) => allowed = Some(intersect(allowed, vs)),
            Test::NotIn(vs) => excluded.extend(vs.iter().cloned()),
            Test::Range { lo: l, hi: h } => {
                if let Some(l) = l {
                    lo = Some(match lo {
                        Some(cur) if tighter_lo(&cur, l) => cur,
                        _ => l.clone(),
                    });
                }
                if let Some(h) = h {
                    hi = Some(match hi {
                        Some(cur) if tighter_hi(&cur, h) => cur,
                        _ => h.clone(),
                    });
                }
            }
            Test::Present => {}
            t => rest.push(t.clone()),
        }
    }
    // The evaluator's own range test decides which listed values stay.
    let range = Test::Range {
        lo: lo.clone(),
        hi: hi.clone(),
    };
    let in_range = |v: &Value| crate::semantics::test::test(&range, v) == Tri::True;
    let mut out = Vec::new();
    // `present` is false, not unknown, on an absent value: keep it first.
    if tests.iter().any(|t| matches!(t, Test::Present)) {
        out.push(Test::Present);
    }
    if let Some(mut set) = allowed {
        let excluded: std::collections::HashSet<&Value> = excluded.iter().collect();
        set.retain(|v| !excluded.contains(v) && in_range(v));
        match set.len() {
            0 => return None,
            1 => out.push(Test::Eq(set.remove(0))),
            _ => out.push(Test::In(set)),
        }
    } else {
        if let (Some((l, li)), Some((h, hi_inc))) = (&lo, &hi) {
            match crate::value::compare(l, h, None, false) {
                Some(std::cmp::Ordering::Greater) => return None,
                Some(std::cmp::Ordering::Equal) if !(*li && *hi_inc) => return None,
                _ => {}
            }
        }
        if lo.is_some() || hi.is_some() {
            out.push(Test::Range { lo, hi });
        }
        if !excluded.is_empty() {
            excluded.sort();
            excluded.dedup();
            out.push(Test::NotIn(excluded));
        }
    }
    for t in &rest {
        let clash = rest.iter().any(|u| match (t, u) {
            (Test::Contains(a), Test::NotContains(b)) => a == b,
            _ => false,
        });
        if clash {
            return None;
        }
    }
    out.extend(rest);
    Some(out)
}

fn intersect(cur: Option<Vec<Value>>, with: &[Value]) -> Vec<Value> {
    match cur {
        None => {
            let mut v = with.to_vec();
            v.dedup();
            v
        }
        Some(c) => {
            let with: std::collections::HashSet<&Value> = with.iter().collect();
            c.into_iter().filter(|v| with.contains(v)).collect()
        }
    }
}

fn tighter_lo(cur: &(Value, bool), new: &(Value, bool)) -> bool {
    match crate::value::compare(&cur.0, &new.0, None, false) {
        Some(std::cmp::Ordering::Greater) => true,
        Some(std::cmp::Ordering::Equal) => !cur.1 || new.1,
        _ => false,
    }
}

fn tighter_hi(cur: &(Value, bool), new: &(Value, bool)) -> bool {
    match crate::value::compare(&cur.0, &new.0, None, false) {
        Some(std::cmp::Ordering::Less) => true,
        Some(std::cmp::Ordering::Equal) => !cur.1 || new.1,
        _ => false,
    }
}
