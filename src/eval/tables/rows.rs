//! Finding the rows that hold: per-instance bits, the column cache, and the row
//! engines (the kernel, the column plan, row by row with the hash index) behind
//! `Columns::find`;
//! unknown rows turned into the missing fact's error.

use super::*;

/// Per-instance state: a bit for "some row held", a bit for "some row was unknown".
pub(super) struct Bits<'s> {
    fired: &'s mut [u64],
    unknown: &'s mut [u64],
}

/// Runs `f` with bitsets for `n` instances: on the stack when small.
pub(super) fn with_bits<R>(n: usize, f: impl FnOnce(&mut Bits) -> R) -> R {
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
pub(super) struct Scratch {
    cache: Vec<Option<Value>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Tables with at most this many columns keep their cache on the stack.
const STACK_CACHE: usize = 16;

/// Runs `f` with a cache for the table's computed columns: an empty slice when it has
/// none, on the stack for a table of few columns, else this thread's scratch buffer.
pub(super) fn with_cache<R>(t: &Ready, f: impl FnOnce(&mut [Option<Value>]) -> R) -> R {
    if !t.computed {
        return f(&mut []);
    }
    if t.columns.len() <= STACK_CACHE {
        let mut cache: [Option<Value>; STACK_CACHE] = [const { None }; STACK_CACHE];
        return f(cache.get_mut(..t.columns.len()).unwrap_or_default());
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
pub(super) fn when_taken<R>(
    c: &Prepared,
    t: &Ready,
    facts: &Facts,
    f: impl FnOnce(&mut Columns) -> Result<R, EvalError>,
) -> Result<Option<R>, EvalError> {
    // An `only when` that is a group's presence is read from the facts, before any
    // cache is set up for a decision that is not taken.
    let holds = match t.when_group {
        Some(g) if !facts.groups.get(g).copied().unwrap_or(false) => return Ok(None),
        Some(_) => true,
        None => false,
    };
    with_cache(t, |cache| {
        let mut cols = Columns {
            table: t,
            facts,
            program: c.program(),
            cache,
        };
        if !holds && !only_when(&mut cols, t)? {
            return Ok(None);
        }
        f(&mut cols).map(Some)
    })
}

pub(super) struct Columns<'a, 'c> {
    table: &'a Ready,
    facts: &'a Facts,
    program: &'a Program,
    cache: &'c mut [Option<Value>],
}

/// The instances whose bits are set, with their first row.
pub(super) fn touched_rows<'t: 'b, 'b>(
    t: &'t Ready,
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

/// The instances of the rows of a row mask, as a mask; `None` when one does not fit in
/// a `u128` (never from the engines that give masks: their tables have at most 128
/// rows, so at most 128 instances).
pub(super) fn instance_mask(t: &Ready, rows: u128) -> Option<u128> {
    set_bits(rows).try_fold(0u128, |m, i| {
        Some(m | 1u128.checked_shl(t.rows.get(i)?.instance)?)
    })
}

/// The first instance, in row order, with an unknown row and no row that held, if
/// any. Should the instances not fit in a mask, every unknown row's instance counts
/// as undecided: the record then fails closed.
pub(super) fn unknown_instance(t: &Ready, held: u128, unknown: u128) -> Option<usize> {
    let held = instance_mask(t, held);
    set_bits(unknown)
        .filter_map(|i| t.rows.get(i).map(|r| r.instance))
        .find(|inst| held.is_none_or(|h| h.checked_shr(*inst).is_none_or(|b| b & 1 == 0)))
        .map(|inst| inst as usize)
}

/// The error for an instance whose condition is unknown: re-evaluates its rows to
/// find the column (only on the error path).
pub(super) fn missing(cols: &mut Columns, t: &Ready, inst: usize) -> EvalError {
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
        if let (Tri::Unknown, Some(i)) = cols.row(row) {
            let column = row.tests.get(i).map(|(c, _)| *c as usize);
            if let Some(c) = column.and_then(|c| t.columns.get(c)) {
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
pub(super) fn overflowed(c: &CExpr, facts: &Facts, program: &Program) -> bool {
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

pub(super) fn only_when(cols: &mut Columns, t: &Ready) -> Result<bool, EvalError> {
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

/// The positions of the set bits of a row mask, lowest first.
pub(super) fn set_bits(mut m: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let i = m.trailing_zeros() as usize;
        m &= m - 1;
        Some(i)
    })
}

impl Bits<'_> {
    #[inline]
    pub(super) fn fired(&self, i: usize) -> bool {
        self.fired
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }
    #[inline]
    pub(super) fn unknown(&self, i: usize) -> bool {
        self.unknown
            .get(i >> 6)
            .is_some_and(|w| w & (1 << (i & 63)) != 0)
    }
    #[inline]
    pub(super) fn record(&mut self, i: usize, r: Tri) {
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
    pub(super) fn touched(&self) -> impl Iterator<Item = usize> + '_ {
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
    pub(super) fn state(&self, i: usize) -> Tri {
        if self.fired(i) {
            Tri::True
        } else if self.unknown(i) {
            Tri::Unknown
        } else {
            Tri::False
        }
    }
}

impl Columns<'_, '_> {
    #[inline]
    pub(super) fn get(&mut self, i: usize) -> &Value {
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
    /// A row, with its compiled checks: false as soon as a test fails, unknown if a
    /// test is unknown and none fails; with the position in `row.tests` of the test
    /// that failed, or else of the first that was unknown. The one row test of every
    /// row-by-row path.
    #[inline]
    pub(super) fn row(&mut self, row: &Row) -> (Tri, Option<usize>) {
        let mut result = Tri::True;
        let mut first_unknown = None;
        for (i, (c, k)) in row.checks.iter().enumerate() {
            match check(k, self.get(*c as usize)) {
                Tri::False => return (Tri::False, Some(i)),
                Tri::Unknown => {
                    result = Tri::Unknown;
                    first_unknown = first_unknown.or(Some(i));
                }
                Tri::True => {}
            }
        }
        (result, first_unknown)
    }
    pub(super) fn dnf(&mut self, d: &Dnf) -> (Tri, Option<usize>) {
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
    pub(super) fn plan(&mut self, plan: &Plan, skip_shadows: bool) -> (u128, u128) {
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
    /// The rows that hold and the rows that are unknown, as masks, when the table's
    /// engine gives masks (the kernel, the column plan); `None` for the row engine.
    #[inline]
    pub(super) fn masks(&mut self, skip_shadows: bool) -> Option<(u128, u128)> {
        match &self.table.finder {
            Finder::Kernel { kernel, plan, .. } => match kernel.run(self.facts, skip_shadows) {
                Some((h, u)) => Some((u128::from(h), u128::from(u))),
                None => Some(self.plan(plan, skip_shadows)),
            },
            Finder::Plan(plan) => Some(self.plan(plan, skip_shadows)),
            Finder::Rows(_) => None,
        }
    }
    /// Finds the rows that hold or are unknown, into the per-instance bits (shadow
    /// rows too, unless `skip_shadows`), with the table's engine: the one call every
    /// path but `explain` (which traces each row) takes, through [`Columns::masks`]
    /// for the engines that give masks.
    pub(super) fn find(&mut self, bits: &mut Bits, skip_shadows: bool) {
        let t = self.table;
        let Some((held, unknown)) = self.masks(skip_shadows) else {
            if let Finder::Rows(index) = &t.finder {
                self.rows(index.as_ref(), bits, skip_shadows);
            }
            return;
        };
        for (mask, r) in [(held, Tri::True), (unknown, Tri::Unknown)] {
            for row in set_bits(mask).filter_map(|i| t.rows.get(i)) {
                bits.record(row.instance as usize, r);
            }
        }
    }
    /// Evaluates the candidate rows into the per-instance bits (shadow rows too,
    /// unless `skip_shadows`).
    fn rows(&mut self, index: Option<&Index>, bits: &mut Bits, skip_shadows: bool) {
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
                bits.record(inst, cols.row(row).0);
            }
        };
        let Some(index) = index else {
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
