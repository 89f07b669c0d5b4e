//! The decision-table evaluator: what [`crate::Policy::evaluate`] runs.
//!
//! Facts sit in slots, so a column that reads a fact costs one array access; computed
//! columns (builtins, arithmetic) are evaluated at most once, on first use, into a
//! cache on the stack (tables of at most 16 columns) or in a per-thread scratch
//! buffer. When a table has a hash index, only the rows that can
//! match the indexed column's value are visited. A row stops at its first failing
//! test; a rule instance stops at its first row that holds. Nothing on this path
//! allocates for tables whose columns are facts.
//!
//! Shadow rows never decide; they only tell which settings an old SDK left
//! `not_enforced`.

use super::engines::index::Index;
use super::engines::plan::{interval, Lookup, Plan};
use super::engines::{Finder, Prepared, Ready};
use super::facts::Facts;
use super::{decide, reasons, DecisionResult, EvalError, Fired};
use crate::check::ir::Program;
use crate::compile::{CExpr, Dnf, Row, Test};
use crate::semantics::logic::Tri;
pub use crate::semantics::outcome::{Outcome, OutcomeSet, MAX_OUTCOMES};
pub use crate::semantics::test::{check, test};
use crate::syntax::ast::HitPolicy;
use crate::value::{Value, Version};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::sync::Arc;

mod results;
mod rows;
mod writer;
pub use results::eval_table;
use results::*;
use rows::*;
pub use writer::write_json;
use writer::*;

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
pub fn evaluate(c: &Prepared, facts: &Facts) -> Result<super::Decisions, EvalError> {
    let mut out = IndexMap::with_capacity_and_hasher(c.tables.len(), Default::default());
    for t in &c.tables {
        if let Some(d) = decision(c, t, facts)? {
            out.insert(t.name.clone(), d);
        }
    }
    Ok(super::Decisions { decisions: out })
}

/// One decision with its reasons: built straight from the rows that fired when no
/// fired rule sets outputs, by [`eval_table`] otherwise.
pub fn decision(
    c: &Prepared,
    t: &Ready,
    facts: &Facts,
) -> Result<Option<DecisionResult>, EvalError> {
    let fired = match simple(c, t, facts)? {
        Simple::NotTaken => return Ok(None),
        Simple::Full => return eval_table(c, t, facts, None),
        Simple::Fired(f) => f,
    };
    let program = c.program();
    let Some((_, def)) = program.decisions.get_index(t.decision) else {
        return Ok(None);
    };
    let name_of = |rank: u16| -> Option<Arc<str>> {
        match fired
            .iter()
            .find(|(_, r)| r.rank == rank)
            .map(|(_, r)| &r.outcome)
        {
            Some(Value::Enum(o)) => Some(o.clone()),
            _ => None,
        }
    };
    let mut outcomes: Vec<Arc<str>> = picked(t, &fired).filter_map(name_of).collect();
    if outcomes.is_empty() && t.policy != HitPolicy::Collect {
        if let Some(Value::Enum(o)) = &def.default {
            outcomes.push(o.clone());
        }
    }
    let reasons = deciding(&fired)
        .map(|(_, r)| super::Reason::new(&r.about_name, &r.outcome, &r.message, &r.rule_name))
        .collect();
    let not_enforced = unenforced(t, &fired)
        .into_iter()
        .filter_map(|s| program.settings.get_index(s).map(|(n, _)| n.clone()))
        .collect();
    Ok(Some(DecisionResult {
        name: t.name.clone(),
        field: t.field.clone(),
        policy: def.policy,
        outcomes,
        outputs: IndexMap::new(),
        reports: reports(t, facts, program),
        reasons,
        not_enforced,
    }))
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
            (Value::Int(x), Value::Int(y)) => crate::semantics::ops::arith(*op, x, y)
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

impl Bits<'_> {}

impl Columns<'_, '_> {}

/// The first fact a column reads, for error messages.
pub fn column_fact(c: &CExpr, program: &Program) -> String {
    match c {
        CExpr::Fact(f) => program.fact_name(*f).to_string(),
        CExpr::Group(g) => program.group_name(*g).to_string(),
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
                        name = program.fact_name(*f).to_string();
                    }
                }
            });
            name
        }
        CExpr::Const(_) => String::new(),
    }
}

/// The outcome of one table, without reasons, outputs or `not_enforced`: the fast path.
#[inline]
pub fn outcome(c: &Prepared, t: &Ready, facts: &Facts) -> Result<Outcome, EvalError> {
    if let (Finder::Kernel { ranked, .. }, true) = (&t.finder, t.always) {
        if let Some(o) = ranked.outcome(facts) {
            return Ok(o);
        }
    }
    outcome_general(c, t, facts)
}

/// [`outcome`] without a kernel, or when the kernel met a missing fact.
#[inline(never)]
fn outcome_general(c: &Prepared, t: &Ready, facts: &Facts) -> Result<Outcome, EvalError> {
    let taken = when_taken(c, t, facts, |cols| {
        // Masks straight to ranks, for the engines that give masks.
        if let Some((held, unknown)) = cols.masks(true) {
            if unknown != 0 {
                if let Some(inst) = unknown_instance(t, held, unknown) {
                    return Err(missing(cols, t, inst));
                }
            }
            let ranks = set_bits(held).filter_map(|i| t.rows.get(i)).map(|r| r.rank);
            return Ok(hit(t, ranks));
        }
        with_bits(t.instances as usize, |bits| {
            cols.find(bits, true);
            let decides = |(inst, row): &(usize, &Row)| {
                row.shadow.is_none() && bits.state(*inst) != Tri::False
            };
            for (inst, _) in touched_rows(t, bits).filter(decides) {
                if bits.state(inst) == Tri::Unknown {
                    return Err(missing(cols, t, inst));
                }
            }
            Ok(hit(
                t,
                touched_rows(t, bits).filter(decides).map(|(_, r)| r.rank),
            ))
        })
    })?;
    Ok(taken.unwrap_or(Outcome::NotTaken))
}

/// The hit policy on the ranks of the rows that held, in row order.
fn hit(t: &Ready, ranks: impl Iterator<Item = u16>) -> Outcome {
    t.policy.select(ranks).outcome(t.default_rank)
}
