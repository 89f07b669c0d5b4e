//! The decision-table evaluator: what [`crate::Policy::evaluate`] runs.
//!
//! For each table, column values are computed at most once, on first use; a row is
//! skipped as soon as one of its cells fails; rule instances whose rows are all
//! false do not fire. Shadow rows never decide; they only tell which settings an
//! old SDK left `not_enforced`.

use super::facts::Facts;
use super::{decide, reasons, DecisionResult, EvalError, Fired};
use crate::check::ir::Program;
use crate::compile::{CExpr, Compiled, Dnf, Row, Table, Test};
use crate::logic::Tri;
use crate::value::{compare, Value};
use indexmap::IndexMap;
use std::cmp::Ordering;

/// Why a rule instance fired or not: for `explain`.
#[derive(Clone, Debug)]
pub struct RowTrace {
    /// The rule.
    pub rule: usize,
    /// The instance.
    pub instance: u32,
    /// Whether the row held.
    pub result: Tri,
    /// For a row that did not hold: the column, its value, and the failed test.
    pub failed: Option<(usize, Value, Test)>,
    /// Shadow row (an SDK too old) for this setting.
    pub shadow: Option<usize>,
}

/// Evaluates every table of a compiled policy.
pub fn evaluate(c: &Compiled, facts: &Facts) -> Result<super::Decisions, EvalError> {
    let mut out = IndexMap::new();
    for t in &c.tables {
        if let Some(d) = eval_table(c, t, facts, None)? {
            out.insert(t.name.clone(), d);
        }
    }
    Ok(super::Decisions { decisions: out })
}

/// The value of a column.
pub fn column_value(c: &CExpr, facts: &Facts, program: &Program) -> Value {
    match c {
        CExpr::Const(v) => v.clone(),
        CExpr::Fact(f) => facts.get(*f).clone(),
        CExpr::Group(g) => {
            if facts.groups.get(*g).copied().unwrap_or(false) {
                Value::Bool(true)
            } else {
                Value::Absent
            }
        }
        CExpr::Call(b, args) => {
            let vals: Vec<Value> = args
                .iter()
                .map(|a| column_value(a, facts, program))
                .collect();
            if vals.contains(&Value::Absent) {
                return Value::Absent;
            }
            b.apply(&vals).unwrap_or(Value::Absent)
        }
        CExpr::Arith(op, a, b) => match (
            column_value(a, facts, program),
            column_value(b, facts, program),
        ) {
            (Value::Int(x), Value::Int(y)) => crate::compile::arith(*op, x, y)
                .map(Value::Int)
                .unwrap_or(Value::Absent),
            _ => Value::Absent,
        },
        CExpr::Interp(e, env) => {
            let mut env = env.as_ref().clone();
            match super::interp::eval_with(program, &[], facts, e, &mut env) {
                Ok(Value::Bool(b)) => Value::Bool(b),
                _ => Value::Absent,
            }
        }
    }
}

/// Whether a value passes a test.
pub fn test(t: &Test, v: &Value) -> Tri {
    match t {
        Test::Present => return Tri::from_bool(*v != Value::Absent),
        Test::Absent => return Tri::from_bool(*v == Value::Absent),
        _ if *v == Value::Absent => return Tri::Unknown,
        _ => {}
    }
    Tri::from_bool(match t {
        Test::Eq(x) => v == x,
        Test::In(xs) => xs.contains(v),
        Test::NotIn(xs) => !xs.contains(v),
        Test::Range { lo, hi } => {
            let lo_ok = lo
                .as_ref()
                .is_none_or(|(l, inc)| match compare(v, l, None, false) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => *inc,
                    _ => false,
                });
            lo_ok
                && hi
                    .as_ref()
                    .is_none_or(|(h, inc)| match compare(v, h, None, false) {
                        Some(Ordering::Less) => true,
                        Some(Ordering::Equal) => *inc,
                        _ => false,
                    })
        }
        Test::Contains(x) => matches!(v, Value::List(items) if items.contains(x)),
        Test::NotContains(x) => !matches!(v, Value::List(items) if items.contains(x)),
        Test::Present | Test::Absent => true,
    })
}

struct Columns<'a> {
    table: &'a Table,
    facts: &'a Facts,
    program: &'a Program,
    cache: Vec<Option<Value>>,
}

impl Columns<'_> {
    fn get(&mut self, i: usize) -> &Value {
        if self.cache[i].is_none() {
            let v = match self.table.columns.get(i) {
                Some(c) => column_value(c, self.facts, self.program),
                None => Value::Absent,
            };
            self.cache[i] = Some(v);
        }
        self.cache[i].as_ref().unwrap_or(&Value::Absent)
    }

    /// A row: false as soon as a cell fails; unknown if a cell is unknown and none fails.
    fn row(&mut self, row: &Row) -> (Tri, Option<(usize, Test)>) {
        let mut result = Tri::True;
        let mut first_unknown = None;
        for (i, cell) in row.cells.iter().enumerate() {
            for t in cell {
                match test(t, self.get(i)) {
                    Tri::False => return (Tri::False, Some((i, t.clone()))),
                    Tri::Unknown => {
                        result = Tri::Unknown;
                        if first_unknown.is_none() {
                            first_unknown = Some((i, t.clone()));
                        }
                    }
                    Tri::True => {}
                }
            }
        }
        (result, first_unknown)
    }

    fn dnf(&mut self, d: &Dnf) -> (Tri, Option<usize>) {
        let mut acc = Tri::False;
        let mut unknown = None;
        for alt in &d.alternatives {
            let mut r = Tri::True;
            for (c, t) in alt {
                let x = test(t, self.get(*c));
                if x == Tri::Unknown && unknown.is_none() {
                    unknown = Some(*c);
                }
                r = r.and(x);
                if r == Tri::False {
                    break;
                }
            }
            acc = acc.or(r);
            if acc == Tri::True {
                break;
            }
        }
        (acc, unknown)
    }
}

/// The first fact a column reads, for error messages.
pub fn column_fact(c: &CExpr, program: &Program) -> String {
    match c {
        CExpr::Fact(f) => program
            .facts
            .get_index(*f)
            .map(|(k, _)| k.clone())
            .unwrap_or_default(),
        CExpr::Group(g) => program
            .groups
            .get_index(*g)
            .map(|(k, _)| k.clone())
            .unwrap_or_default(),
        CExpr::Call(_, args) => args
            .iter()
            .map(|a| column_fact(a, program))
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        CExpr::Arith(_, a, b) => {
            let s = column_fact(a, program);
            if s.is_empty() {
                column_fact(b, program)
            } else {
                s
            }
        }
        CExpr::Interp(e, _) => {
            let mut name = String::new();
            e.walk(&mut |x| {
                if let crate::check::ir::TExpr::Fact(f) = x {
                    if name.is_empty() {
                        name = program
                            .facts
                            .get_index(*f)
                            .map(|(k, _)| k.clone())
                            .unwrap_or_default();
                    }
                }
            });
            name
        }
        CExpr::Const(_) => String::new(),
    }
}

/// Evaluates one table. `None` when its `only when` does not hold.
pub fn eval_table(
    c: &Compiled,
    t: &Table,
    facts: &Facts,
    mut trace: Option<&mut Vec<RowTrace>>,
) -> Result<Option<DecisionResult>, EvalError> {
    let program = &*c.program;
    let Some((_, def)) = program.decisions.get_index(t.decision) else {
        return Ok(None);
    };
    let mut cols = Columns {
        table: t,
        facts,
        program,
        cache: vec![None; t.columns.len()],
    };
    if let Some(w) = &t.only_when {
        match cols.dnf(w) {
            (Tri::False, _) => return Ok(None),
            (Tri::Unknown, col) => {
                return Err(EvalError::MissingFact {
                    decision: t.name.clone(),
                    fact: col
                        .and_then(|i| t.columns.get(i))
                        .map(|c| column_fact(c, program))
                        .unwrap_or_default(),
                    rule: "only when".into(),
                })
            }
            (Tri::True, _) => {}
        }
    }
    let n = t.instances as usize;
    let mut state = vec![Tri::False; n];
    let mut unknown_at: Vec<Option<usize>> = vec![None; n];
    let mut first_row: Vec<Option<usize>> = vec![None; n];
    for (ri, row) in t.rows.iter().enumerate() {
        let inst = row.instance as usize;
        if first_row[inst].is_none() {
            first_row[inst] = Some(ri);
        }
        if state[inst] == Tri::True {
            continue;
        }
        let (r, failed) = cols.row(row);
        if r == Tri::Unknown && unknown_at[inst].is_none() {
            unknown_at[inst] = failed.as_ref().map(|(c, _)| *c);
        }
        state[inst] = state[inst].or(r);
        if let Some(tr) = trace.as_deref_mut() {
            let failed = match (r, failed) {
                (Tri::True, _) | (_, None) => None,
                (_, Some((c, t))) => Some((c, cols.get(c).clone(), t)),
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
    let mut fired: Vec<(Fired, &Row)> = Vec::new();
    for (inst, s) in state.iter().enumerate() {
        let Some(row) = first_row[inst].and_then(|r| t.rows.get(r)) else {
            continue;
        };
        match s {
            Tri::True => {
                let outputs = row
                    .outputs
                    .iter()
                    .map(|(i, e)| (*i, column_value(e, facts, program)))
                    .collect();
                fired.push((
                    Fired {
                        rule: row.rule,
                        outcome: row.outcome.clone(),
                        outputs,
                        message: row.message.clone(),
                        about: row.about,
                    },
                    row,
                ));
            }
            Tri::Unknown if row.shadow.is_none() => {
                return Err(EvalError::MissingFact {
                    decision: t.name.clone(),
                    fact: unknown_at[inst]
                        .and_then(|i| t.columns.get(i))
                        .map(|c| column_fact(c, program))
                        .unwrap_or_default(),
                    rule: program
                        .rules
                        .get(row.rule)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                })
            }
            _ => {}
        }
    }
    let actual: Vec<&Fired> = fired
        .iter()
        .filter(|(_, r)| r.shadow.is_none())
        .map(|(f, _)| f)
        .collect();
    let decided = decide(def, &actual);
    // not_enforced: settings whose enforcement would change the result.
    let mut candidates: Vec<usize> = Vec::new();
    for (_, r) in &fired {
        for s in r.fallback.iter().chain(r.shadow.iter()) {
            if !candidates.contains(s) {
                candidates.push(*s);
            }
        }
    }
    candidates.sort_unstable();
    let mut not_enforced = Vec::new();
    for x in candidates {
        let alt: Vec<&Fired> = fired
            .iter()
            .filter(|(_, r)| match r.shadow {
                Some(s) => s == x,
                None => !r.fallback.contains(&x),
            })
            .map(|(f, _)| f)
            .collect();
        if decide(def, &alt) != decided {
            if let Some((name, _)) = program.settings.get_index(x) {
                not_enforced.push(name.clone());
            }
        }
    }
    let mut reports = IndexMap::new();
    for (name, e) in &t.reports {
        reports.insert(name.clone(), column_value(e, facts, program));
    }
    Ok(Some(DecisionResult {
        name: t.name.clone(),
        field: def.field.clone(),
        policy: def.policy,
        outcomes: decided.outcomes,
        outputs: decided.outputs,
        reports,
        reasons: reasons(program, &actual),
        not_enforced,
    }))
}
