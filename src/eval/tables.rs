//! The decision-table evaluator: what [`crate::Policy::evaluate`] runs.
//!
//! Facts sit in slots, so a column that reads a fact costs one array access; computed
//! columns (builtins, arithmetic) are evaluated at most once, on first use, into a
//! per-thread scratch buffer. When a table has a hash index, only the rows that can
//! match the indexed column's value are visited. A row stops at its first failing
//! test; a rule instance stops at its first row that holds. Nothing on this path
//! allocates for tables whose columns are facts.
//!
//! Shadow rows never decide; they only tell which settings an old SDK left
//! `not_enforced`.

use super::facts::Facts;
use super::{decide, reasons, DecisionResult, EvalError, Fired};
use crate::check::ir::Program;
use crate::compile::plan::{interval, Lookup, Plan};
use crate::compile::{CExpr, Compiled, Dnf, Row, Table, Test};
use crate::semantics::logic::Tri;
pub use crate::semantics::outcome::{Outcome, OutcomeSet, MAX_OUTCOMES};
pub use crate::semantics::test::{check, test};
use crate::syntax::ast::HitPolicy;
use crate::value::{Value, Version};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::sync::Arc;

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
    let mut out = IndexMap::with_capacity_and_hasher(c.tables.len(), Default::default());
    for t in &c.tables {
        if let Some(d) = decision(c, t, facts)? {
            out.insert(t.name.clone(), d);
        }
    }
    Ok(super::Decisions { decisions: out })
}

/// One decision with its reasons: built straight from the rows that fired when no
/// fired rule sets outputs or depends on the SDK, by [`eval_table`] otherwise.
pub fn decision(
    c: &Compiled,
    t: &Table,
    facts: &Facts,
) -> Result<Option<DecisionResult>, EvalError> {
    let fired = match simple(c, t, facts)? {
        Simple::NotTaken => return Ok(None),
        Simple::Full => return eval_table(c, t, facts, None),
        Simple::Fired(f) => f,
    };
    let program = &*c.program;
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
    let reasons = fired
        .iter()
        .map(|(_, r)| super::Reason::new(&r.about_name, &r.outcome, &r.message, &r.rule_name))
        .collect();
    Ok(Some(DecisionResult {
        name: t.name.clone(),
        field: t.field.clone(),
        policy: def.policy,
        outcomes,
        outputs: IndexMap::new(),
        reports: reports(t, facts, program),
        reasons,
        not_enforced: Vec::new(),
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

/// Per-instance state: a bit for "some row held", a bit for "some row was unknown".
struct Bits<'s> {
    fired: &'s mut [u64],
    unknown: &'s mut [u64],
}

impl Bits<'_> {
    #[inline]
    fn fired(&self, i: usize) -> bool {
        self.fired
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }

    #[inline]
    fn unknown(&self, i: usize) -> bool {
        self.unknown
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }

    #[inline]
    fn record(&mut self, i: usize, r: Tri) {
        let slot = match r {
            Tri::True => self.fired.get_mut(i >> 6),
            Tri::Unknown => self.unknown.get_mut(i >> 6),
            Tri::False => None,
        };
        if let Some(w) = slot {
            *w |= 1 << (i & 63);
        }
    }

    /// The instances with a row that held or was unknown, in order: only the set
    /// bits are visited, so a large table with few candidates stays cheap.
    fn touched(&self) -> impl Iterator<Item = usize> + '_ {
        self.fired
            .iter()
            .zip(self.unknown.iter())
            .enumerate()
            .flat_map(|(w, (f, u))| {
                let mut m = f | u;
                std::iter::from_fn(move || {
                    if m == 0 {
                        return None;
                    }
                    let b = m.trailing_zeros() as usize;
                    m &= m - 1;
                    Some(w * 64 + b)
                })
            })
    }

    /// The instance's condition: true if a row held, else unknown if a row was unknown.
    fn state(&self, i: usize) -> Tri {
        if self.fired(i) {
            Tri::True
        } else if self.unknown(i) {
            Tri::Unknown
        } else {
            Tri::False
        }
    }
}

/// Runs `f` with bitsets for `n` instances: on the stack when small.
fn with_bits<R>(n: usize, f: impl FnOnce(&mut Bits) -> R) -> R {
    let words = n.div_ceil(64);
    if words <= 8 {
        let mut a = [0u64; 8];
        let mut b = [0u64; 8];
        let mut bits = Bits {
            fired: &mut a[..words],
            unknown: &mut b[..words],
        };
        f(&mut bits)
    } else {
        let mut a = vec![0u64; words];
        let mut b = vec![0u64; words];
        let mut bits = Bits {
            fired: &mut a,
            unknown: &mut b,
        };
        f(&mut bits)
    }
}

#[derive(Default)]
struct Scratch {
    cache: Vec<Option<Value>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with a cache for the table's computed columns: this thread's scratch
/// buffer when the table has any, an empty slice otherwise.
fn with_cache<R>(t: &Table, f: impl FnOnce(&mut [Option<Value>]) -> R) -> R {
    if !t.computed {
        return f(&mut []);
    }
    let mut s = SCRATCH.with(|s| {
        s.try_borrow_mut()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    });
    s.cache.clear();
    s.cache.resize(t.columns.len(), None);
    let r = f(&mut s.cache);
    SCRATCH.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = s;
        }
    });
    r
}

/// Runs `f` on the table's columns when its `only when` holds; `None` when it does not.
fn when_taken<R>(
    c: &Compiled,
    t: &Table,
    facts: &Facts,
    f: impl FnOnce(&mut Columns) -> Result<R, EvalError>,
) -> Result<Option<R>, EvalError> {
    with_cache(t, |cache| {
        let mut cols = Columns {
            table: t,
            facts,
            program: &c.program,
            cache,
        };
        if !only_when(&mut cols, t)? {
            return Ok(None);
        }
        f(&mut cols).map(Some)
    })
}

struct Columns<'a, 'c> {
    table: &'a Table,
    facts: &'a Facts,
    program: &'a Program,
    cache: &'c mut [Option<Value>],
}

impl Columns<'_, '_> {
    #[inline]
    fn get(&mut self, i: usize) -> &Value {
        match self.table.columns.get(i) {
            Some(CExpr::Fact(f)) => self.facts.get(*f),
            Some(c) => {
                let Some(slot) = self.cache.get_mut(i) else {
                    return &Value::Absent;
                };
                if slot.is_none() {
                    *slot = Some(column_value(c, self.facts, self.program));
                }
                slot.as_ref().unwrap_or(&Value::Absent)
            }
            None => &Value::Absent,
        }
    }

    /// A row: false as soon as a test fails; unknown if a test is unknown and none fails.
    #[inline]
    fn row(&mut self, row: &Row) -> (Tri, Option<(usize, Test)>) {
        let mut result = Tri::True;
        let mut first_unknown = None;
        for (c, t) in &row.tests {
            match test(t, self.get(*c as usize)) {
                Tri::False => return (Tri::False, Some((*c as usize, t.clone()))),
                Tri::Unknown => {
                    result = Tri::Unknown;
                    if first_unknown.is_none() {
                        first_unknown = Some((*c as usize, t.clone()));
                    }
                }
                Tri::True => {}
            }
        }
        (result, first_unknown)
    }

    /// Like [`Columns::row`], with the compiled checks and without the failing test.
    #[inline]
    fn holds(&mut self, row: &Row) -> Tri {
        let mut result = Tri::True;
        for (c, k) in &row.checks {
            match check(k, self.get(*c as usize)) {
                Tri::False => return Tri::False,
                Tri::Unknown => result = Tri::Unknown,
                Tri::True => {}
            }
        }
        result
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

    /// The column-wise plan: the rows that hold, and the rows that are unknown.
    #[inline]
    fn plan(&mut self, plan: &Plan, skip_shadows: bool) -> (u128, u128) {
        let mut alive = if skip_shadows {
            plan.all & !plan.shadow
        } else {
            plan.all
        };
        let mut unknown = 0u128;
        for cp in &plan.columns {
            if alive & cp.tested == 0 {
                continue;
            }
            let v = match cp.fact {
                Some(f) => self.facts.get(f as usize),
                None => self.get(cp.column as usize),
            };
            // The usual case first: a present value, a lookup that only passes or fails.
            let (pass, unk) = match (&cp.lookup, v) {
                (_, Value::Absent) => cp.absent,
                (Lookup::Ints { starts, masks }, Value::Int(x)) => (interval(starts, masks, x), 0),
                (Lookup::Versions { starts, masks }, Value::Version(Version(x))) => {
                    (interval(starts, masks, x), 0)
                }
                (Lookup::Bool { if_true, if_false }, Value::Bool(b)) => {
                    (if *b { *if_true } else { *if_false }, 0)
                }
                (lookup, v) => lookup.pass(v),
            };
            alive &= !(cp.tested & !(pass | unk));
            unknown |= unk & cp.tested;
            if alive == 0 {
                break;
            }
        }
        (alive & !unknown, alive & unknown)
    }

    /// Evaluates the rows into the per-instance bits: with the plan when the table
    /// has one, row by row otherwise.
    fn evaluate(&mut self, bits: &mut Bits, skip_shadows: bool) {
        let t = self.table;
        let (held, unknown) = match (&t.kernel, &t.plan) {
            (Some(k), _) => {
                let (h, u) = k.run(&self.facts.values, skip_shadows);
                (u128::from(h), u128::from(u))
            }
            (None, Some(plan)) => self.plan(plan, skip_shadows),
            (None, None) => {
                self.run(bits, skip_shadows);
                return;
            }
        };
        for (mask, r) in [(held, Tri::True), (unknown, Tri::Unknown)] {
            for row in set_bits(mask).filter_map(|i| t.rows.get(i)) {
                bits.record(row.instance as usize, r);
            }
        }
    }

    /// Evaluates the candidate rows into the per-instance bits (shadow rows too,
    /// unless `skip_shadows`).
    fn run(&mut self, bits: &mut Bits, skip_shadows: bool) {
        let t = self.table;
        let visit = |cols: &mut Self, bits: &mut Bits, ri: u32| {
            let Some(row) = t.rows.get(ri as usize) else {
                return;
            };
            if skip_shadows && row.shadow.is_some() {
                return;
            }
            let inst = row.instance as usize;
            if !bits.fired(inst) {
                bits.record(inst, cols.holds(row));
            }
        };
        let Some(index) = &t.index else {
            for ri in 0..t.rows.len() as u32 {
                visit(self, bits, ri);
            }
            return;
        };
        let key = self.get(index.column as usize).clone();
        if matches!(key, Value::Absent) {
            // Every test on an absent value is unknown, not false: visit every row.
            for ri in 0..t.rows.len() as u32 {
                visit(self, bits, ri);
            }
            return;
        }
        let hits: &[u32] = index.by_value.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        // Merge the two sorted candidate lists, so rows are visited in order.
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (hits.get(i), index.others.get(j)) {
                (Some(a), Some(b)) if a < b => {
                    i += 1;
                    *a
                }
                (_, Some(b)) => {
                    j += 1;
                    *b
                }
                (Some(a), None) => {
                    i += 1;
                    *a
                }
                (None, None) => break,
            };
            visit(self, bits, next);
        }
    }
}

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

/// The instances whose bits are set, with their first row.
fn touched_rows<'t: 'b, 'b>(
    t: &'t Table,
    bits: &'b Bits,
) -> impl Iterator<Item = (usize, &'t Row)> + 'b {
    bits.touched().filter_map(|inst| {
        let row = t
            .instance_rows
            .get(inst)
            .and_then(|r| t.rows.get(*r as usize))?;
        Some((inst, row))
    })
}

/// The first instance with an unknown row and no row that held, if any.
fn unknown_instance(t: &Table, held: u128, unknown: u128) -> Option<usize> {
    let held_instances: Vec<u32> = set_bits(held)
        .filter_map(|j| t.rows.get(j))
        .map(|r| r.instance)
        .collect();
    set_bits(unknown)
        .filter_map(|i| t.rows.get(i))
        .map(|r| r.instance)
        .find(|inst| !held_instances.contains(inst))
        .map(|inst| inst as usize)
}

/// The error for an instance whose condition is unknown: re-evaluates its rows to
/// find the column (only on the error path).
fn missing(cols: &mut Columns, t: &Table, inst: usize) -> EvalError {
    let program = cols.program;
    let mut fact = String::new();
    let mut rule = String::new();
    let mut overflow = false;
    for row in t.rows.iter().filter(|r| r.instance as usize == inst) {
        rule = program
            .rules
            .get(row.rule)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        if let (Tri::Unknown, Some((c, _))) = cols.row(row) {
            if let Some(c) = t.columns.get(c) {
                fact = column_fact(c, program);
                overflow = overflowed(c, cols.facts, program);
            }
            break;
        }
    }
    EvalError::unknown(t.name.to_string(), fact, rule, overflow)
}

/// Whether a column is unknown because its integer arithmetic overflowed (rather
/// than because a fact is missing).
fn overflowed(c: &CExpr, facts: &Facts, program: &Program) -> bool {
    match c {
        CExpr::Arith(op, a, b) => {
            overflowed(a, facts, program)
                || overflowed(b, facts, program)
                || match (
                    column_value(a, facts, program),
                    column_value(b, facts, program),
                ) {
                    (Value::Int(x), Value::Int(y)) => {
                        crate::semantics::ops::arith(*op, x, y).is_none()
                    }
                    _ => false,
                }
        }
        CExpr::Call(_, args) => args.iter().any(|a| overflowed(a, facts, program)),
        _ => false,
    }
}

fn only_when(cols: &mut Columns, t: &Table) -> Result<bool, EvalError> {
    let Some(w) = &t.only_when else {
        return Ok(true);
    };
    match cols.dnf(w) {
        (Tri::False, _) => Ok(false),
        (Tri::Unknown, col) => {
            let c = col.and_then(|i| t.columns.get(i));
            Err(EvalError::unknown(
                t.name.to_string(),
                c.map(|c| column_fact(c, cols.program)).unwrap_or_default(),
                "only when".into(),
                c.is_some_and(|c| overflowed(c, cols.facts, cols.program)),
            ))
        }
        (Tri::True, _) => Ok(true),
    }
}

/// The outcome of one table, without reasons, outputs or `not_enforced`: the fast path.
#[inline]
pub fn outcome(c: &Compiled, t: &Table, facts: &Facts) -> Result<Outcome, EvalError> {
    if let (Some(k), None) = (&t.kernel, &t.only_when) {
        if let Some(o) = k.outcome(&facts.values) {
            return Ok(o);
        }
    }
    outcome_general(c, t, facts)
}

/// [`outcome`] without a kernel, or when the kernel met a missing fact.
#[inline(never)]
fn outcome_general(c: &Compiled, t: &Table, facts: &Facts) -> Result<Outcome, EvalError> {
    let taken = when_taken(c, t, facts, |cols| {
        if let Some(plan) = &t.plan {
            let (held, unknown) = cols.plan(plan, true);
            if unknown != 0 {
                if let Some(inst) = unknown_instance(t, held, unknown) {
                    return Err(missing(cols, t, inst));
                }
            }
            let ranks = set_bits(held).filter_map(|i| t.rows.get(i)).map(|r| r.rank);
            return Ok(hit(t, ranks));
        }
        with_bits(t.instances as usize, |bits| {
            cols.run(bits, true);
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
fn hit(t: &Table, ranks: impl Iterator<Item = u16>) -> Outcome {
    t.policy.select(ranks).outcome(t.default_rank)
}

/// The positions of the set bits of a row mask, lowest first.
fn set_bits(mut m: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let i = m.trailing_zeros() as usize;
        m &= m - 1;
        Some(i)
    })
}

/// Evaluates one table. `None` when its `only when` does not hold. With `trace`,
/// every row is evaluated and recorded (for `explain`).
pub fn eval_table(
    c: &Compiled,
    t: &Table,
    facts: &Facts,
    trace: Option<&mut Vec<RowTrace>>,
) -> Result<Option<DecisionResult>, EvalError> {
    let program = &*c.program;
    let Some((_, def)) = program.decisions.get_index(t.decision) else {
        return Ok(None);
    };
    when_taken(c, t, facts, |cols| {
        let fired: Vec<(Fired, &Row)> = with_bits(t.instances as usize, |bits| {
            match trace {
                None => cols.evaluate(bits, false),
                Some(tr) => {
                    for row in &t.rows {
                        let (r, failed) = cols.row(row);
                        bits.record(row.instance as usize, r);
                        let failed = match (r, failed) {
                            (Tri::True, _) | (_, None) => None,
                            (_, Some((col, test))) => Some((col, cols.get(col).clone(), test)),
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
fn reports(t: &Table, facts: &Facts, program: &Program) -> IndexMap<String, Value> {
    t.reports
        .iter()
        .map(|(name, e)| (name.clone(), column_value(e, facts, program)))
        .collect()
}

/// The gated settings whose enforcement would change the result: for each, the
/// decision is taken again with the setting's fallback rows replaced by its shadows.
fn not_enforced(
    program: &Program,
    def: &crate::check::ir::DecisionDef,
    fired: &[(Fired, &Row)],
    decided: &super::Decided,
) -> Vec<String> {
    if !fired.iter().any(|(_, r)| r.gated()) {
        return Vec::new();
    }
    let mut candidates: Vec<usize> = Vec::new();
    for (_, r) in fired {
        for s in r.fallback.iter().chain(r.shadow.iter()) {
            if !candidates.contains(s) {
                candidates.push(*s);
            }
        }
    }
    candidates.sort_unstable();
    let mut out = Vec::new();
    for x in candidates {
        let alt: Vec<&Fired> = fired
            .iter()
            .filter(|(_, r)| match r.shadow {
                Some(s) => s == x,
                None => !r.fallback.contains(&x),
            })
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

/// Writes every decision as JSON, byte for byte what `serde_json::to_writer` writes
/// for [`crate::eval::Decisions`], without building them: the outcome comes from the
/// ranks of the rows that held, the reasons from text escaped at compile time. A
/// decision whose winning rules set outputs, or that an old SDK may have left
/// `not_enforced`, is evaluated in full and serialized.
pub fn write_json(c: &Compiled, facts: &Facts, out: &mut Vec<u8>) -> Result<(), EvalError> {
    out.push(b'{');
    let mut first = true;
    for t in &c.tables {
        let start = out.len();
        if !first {
            out.push(b',');
        }
        if write_table(c, t, facts, out)? {
            first = false;
        } else {
            out.truncate(start);
        }
    }
    out.push(b'}');
    Ok(())
}

/// A decision taken by the fast paths, or why not.
enum Simple<'t> {
    /// Its `only when` does not hold.
    NotTaken,
    /// The rules that fired, in order: each instance's first row index and row.
    Fired(Vec<(usize, &'t Row)>),
    /// A rule that fired sets outputs or depends on an old SDK: the full path decides.
    Full,
}

/// The rules that fired, when no fired rule sets outputs or is gated by the SDK.
fn simple<'t>(c: &Compiled, t: &'t Table, facts: &Facts) -> Result<Simple<'t>, EvalError> {
    let taken = when_taken(c, t, facts, |cols| {
        with_bits(t.instances as usize, |bits| {
            cols.evaluate(bits, false);
            let mut fired: Vec<(usize, &Row)> = Vec::new();
            for (inst, row) in touched_rows(t, bits) {
                match bits.state(inst) {
                    Tri::True => {
                        if row.gated() || !row.outputs.is_empty() {
                            return Ok(Simple::Full);
                        }
                        let r = t.instance_rows.get(inst).copied().unwrap_or(0) as usize;
                        fired.push((r, row));
                    }
                    Tri::Unknown if row.shadow.is_none() => return Err(missing(cols, t, inst)),
                    _ => {}
                }
            }
            Ok(Simple::Fired(fired))
        })
    })?;
    Ok(taken.unwrap_or(Simple::NotTaken))
}

/// The ranks of the outcomes the winning rows give, lowest first.
fn picked(t: &Table, fired: &[(usize, &Row)]) -> impl Iterator<Item = u16> {
    t.policy
        .select(fired.iter().map(|(_, r)| r.rank))
        .ranks()
        .iter()
}

/// Writes one decision; `false` when its `only when` does not hold.
fn write_table(
    c: &Compiled,
    t: &Table,
    facts: &Facts,
    out: &mut Vec<u8>,
) -> Result<bool, EvalError> {
    let program = &*c.program;
    let fired = match simple(c, t, facts)? {
        Simple::NotTaken => return Ok(false),
        Simple::Fired(f) => f,
        Simple::Full => {
            let Some(d) = eval_table(c, t, facts, None)? else {
                return Ok(false);
            };
            out.extend_from_slice(t.json.open.as_bytes());
            // `{` is already written: serialize the object and drop its own brace.
            let mut buf = Vec::new();
            if serde_json::to_writer(&mut buf, &d).is_err() {
                buf = b"{}".to_vec();
            }
            out.extend_from_slice(buf.get(1..).unwrap_or_default());
            return Ok(true);
        }
    };
    out.extend_from_slice(t.json.open.as_bytes());
    for ((_, e), key) in t.reports.iter().zip(&t.json.reports) {
        let v = column_value(e, facts, program);
        if v != Value::Absent {
            out.extend_from_slice(key.as_bytes());
            if serde_json::to_writer(&mut *out, &v).is_err() {
                out.extend_from_slice(b"null");
            }
            out.push(b',');
        }
    }
    out.extend_from_slice(t.json.field.as_bytes());
    let outcome = |rank: u16| {
        t.json
            .outcomes
            .get(rank as usize)
            .map_or("null", String::as_str)
            .as_bytes()
    };
    let mut ranks = picked(t, &fired).peekable();
    match t.policy {
        HitPolicy::Collect => {
            out.push(b'[');
            for (i, rank) in ranks.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(outcome(rank));
            }
            out.push(b']');
        }
        _ => match ranks.next() {
            Some(rank) => out.extend_from_slice(outcome(rank)),
            None => out.extend_from_slice(t.json.default.as_bytes()),
        },
    }
    out.extend_from_slice(b",\"reasons\":[");
    for (i, (r, _)) in fired.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some(j) = t.json.reasons.get(*r) {
            out.extend_from_slice(j.as_bytes());
        }
    }
    out.extend_from_slice(b"],\"not_enforced\":[]}");
    Ok(true)
}
