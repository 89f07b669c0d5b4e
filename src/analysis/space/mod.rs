//! The fact space two policies' tables read: one dimension per fact and per fact
//! group, each cut into classes — values that every cell of every row of both policies
//! treats alike. A class has a representative value, so any box of classes has a
//! concrete facts document (a witness).
//!
//! Classes are found from the tables alone: the bounds of interval tests (integers,
//! versions), the values of equality and membership tests (enums, strings, list
//! elements), and for builtin columns (`url_scheme(request.url)`, `len(request.pin)`,
//! `link_matches(...)`) candidate values of the underlying fact built from the tests'
//! constants (URLs from schemes and link patterns, PINs of each tested length and mix
//! of character classes). Candidates that give every cell the same result are one
//! class.

use super::DiffError;
use crate::check::ir::Program;
use crate::compile::table::{CExpr, Table, Test};
use crate::compile::Compiled;
use crate::semantics::logic::Tri;
use crate::value::{Type, Value, Version};
use std::collections::HashMap;

mod candidates;
use candidates::*;

/// What a dimension is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A fact.
    Fact,
    /// A fact group (`request`): present or absent.
    Group,
}

/// One class of a dimension.
#[derive(Clone, Debug)]
pub(crate) struct Class {
    /// The representative value (`Absent` for the absent class; `Bool(true)` for a
    /// present group).
    pub value: Value,
    /// Every candidate value of the class (for describing it), representative first.
    pub members: Vec<Value>,
}

/// A fact or a group.
#[derive(Clone, Debug)]
pub(crate) struct Dim {
    /// The dotted name.
    pub name: String,
    /// Fact or group.
    pub kind: Kind,
    /// The fact's type (without `optional`).
    pub ty: Type,
    /// The classes; the absent class, when there is one, is last.
    pub classes: Vec<Class>,
    /// The group it is in (a dimension index): absent group, absent fact.
    pub group: Option<usize>,
    /// The fact declared at a prefix of its path (`request.source` for
    /// `request.source.scheme`): a value there leaves no object for this one.
    pub leaf: Option<usize>,
    /// Columns over this dimension (display text), for describing classes.
    pub columns: Vec<(String, CExpr, usize)>,
    /// Whether the dimension decides something by its presence on one side only (a
    /// fact required by one policy, optional in the other): it is split on absence.
    pub forced: bool,
}

impl Dim {
    /// Index of the absent class, if any.
    pub fn absent(&self) -> Option<usize> {
        self.classes
            .iter()
            .position(|c| matches!(c.value, Value::Absent))
    }
}

/// A cell of a row: the dimension it reads, and its result for each class.
#[derive(Clone, Debug)]
pub(crate) struct Cell {
    pub dim: usize,
    pub tri: Vec<Tri>,
}

/// A row (or an alternative of `only when`) as cells.
#[derive(Clone, Debug, Default)]
pub(crate) struct SymRow {
    pub cells: Vec<Cell>,
    /// The row's result when it has no cell on a dimension (constant columns folded).
    pub constant: Option<Tri>,
    /// The rule instance it is an alternative of (`None`: an `only when` alternative).
    pub instance: Option<u32>,
    /// A shadow row (it only tells `not_enforced`; unknown there is no error).
    pub shadow: bool,
}

/// The space, and every decision's rows on both sides.
#[derive(Debug)]
pub(crate) struct Space {
    pub dims: Vec<Dim>,
    /// Per side, per decision name: the rows (and `only when` alternatives).
    pub rows: [HashMap<String, Vec<SymRow>>; 2],
    /// Per side, per table, per column: the dimension it reads.
    cols: [Vec<Vec<Option<usize>>>; 2],
}

/// The dimension a column reads: `None` for a constant; an error for a column of
/// several facts or one the interpreter computes.
fn column_dim(
    c: &CExpr,
    program: &Program,
    names: &HashMap<String, usize>,
) -> Result<Option<usize>, DiffError> {
    let mut found: Option<usize> = None;
    let mut visit = |name: &str| -> Result<(), DiffError> {
        let d = names
            .get(name)
            .copied()
            .ok_or_else(|| DiffError::Unsupported(format!("column over `{name}`")))?;
        match found {
            Some(x) if x != d => Err(DiffError::Unsupported(format!(
                "a column that reads two facts (`{}`)",
                crate::compile::print::column_name(c, program)
            ))),
            _ => {
                found = Some(d);
                Ok(())
            }
        }
    };
    fn walk(
        c: &CExpr,
        program: &Program,
        visit: &mut dyn FnMut(&str) -> Result<(), DiffError>,
    ) -> Result<(), DiffError> {
        match c {
            CExpr::Const(_) => Ok(()),
            CExpr::Fact(f) => visit(program.fact_name(*f)),
            CExpr::Group(g) => visit(program.group_name(*g)),
            CExpr::Call(_, args) => args.iter().try_for_each(|a| walk(a, program, visit)),
            CExpr::Arith(_, a, b) => {
                walk(a, program, visit)?;
                walk(b, program, visit)
            }
            CExpr::Interp(..) => Err(DiffError::Unsupported(format!(
                "a condition the interpreter computes (`{}`: two facts compared, or a quantifier over a fact list)",
                crate::compile::print::column_name(c, program)
            ))),
        }
    }
    walk(c, program, &mut visit)?;
    Ok(found)
}

/// The value of a column when its one dimension has value `v`.
pub(crate) fn column_value(c: &CExpr, v: &Value) -> Value {
    match c {
        CExpr::Const(x) => x.clone(),
        CExpr::Fact(_) => v.clone(),
        CExpr::Group(_) => match v {
            Value::Absent => Value::Absent,
            _ => Value::Bool(true),
        },
        CExpr::Call(b, args) => {
            let vals: Vec<Value> = args.iter().map(|a| column_value(a, v)).collect();
            if vals.contains(&Value::Absent) {
                return Value::Absent;
            }
            b.apply(&vals).unwrap_or(Value::Absent)
        }
        CExpr::Arith(op, a, b) => match (column_value(a, v), column_value(b, v)) {
            (Value::Int(x), Value::Int(y)) => crate::semantics::ops::arith(*op, x, y)
                .map(Value::Int)
                .unwrap_or(Value::Absent),
            _ => Value::Absent,
        },
        CExpr::Interp(..) => Value::Absent,
    }
}

/// A cell's result on a value.
fn cell_at(tests: &[&Test], col: &CExpr, v: &Value) -> Tri {
    let x = column_value(col, v);
    tests.iter().fold(Tri::True, |acc, t| {
        acc.and(crate::eval::tables::test(t, &x))
    })
}

impl Space {
    /// The space of two compiled policies.
    pub fn new(sides: [&Compiled; 2]) -> Result<Space, DiffError> {
        let mut dims: Vec<Dim> = Vec::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        // Per dimension: may it be absent on each side.
        let mut absent_ok: Vec<[bool; 2]> = Vec::new();
        for (side, c) in sides.iter().enumerate() {
            let p = &c.program;
            // The dimension of a name, added on first sight.
            let mut dim_of = |name: &str, kind: Kind, ty: &Type| -> usize {
                *names.entry(name.to_string()).or_insert_with(|| {
                    dims.push(Dim {
                        name: name.to_string(),
                        kind,
                        ty: ty.clone(),
                        classes: Vec::new(),
                        group: None,
                        leaf: None,
                        columns: Vec::new(),
                        forced: false,
                    });
                    absent_ok.push([true, true]);
                    dims.len() - 1
                })
            };
            let mut seen: Vec<(usize, Kind, Option<Type>)> = Vec::new();
            for (name, _) in &p.groups {
                seen.push((dim_of(name, Kind::Group, &Type::Bool), Kind::Group, None));
            }
            for (name, def) in &p.facts {
                seen.push((
                    dim_of(name, Kind::Fact, &def.ty),
                    Kind::Fact,
                    Some(def.ty.clone()),
                ));
            }
            for (d, kind, ty) in seen {
                let name = &dims[d].name;
                if dims[d].kind != kind {
                    return Err(DiffError::Mismatch(format!(
                        "`{name}` is a fact in one policy and a fact group in the other"
                    )));
                }
                if ty.is_some_and(|t| t != dims[d].ty) {
                    return Err(DiffError::Mismatch(format!(
                        "fact `{name}` has different types in the two policies"
                    )));
                }
            }
            for (name, def) in &p.facts {
                let Some(&d) = names.get(name) else { continue };
                absent_ok[d][side] = def.optional || def.group.is_some() || def.default.is_some();
            }
        }
        // Groups and leaves, by name.
        let all: Vec<(String, Kind)> = dims.iter().map(|d| (d.name.clone(), d.kind)).collect();
        for d in dims.iter_mut() {
            let within = |other: &str| d.name.starts_with(&format!("{other}."));
            d.group = all
                .iter()
                .enumerate()
                .filter(|(_, (n, k))| *k == Kind::Group && within(n))
                .max_by_key(|(_, (n, _))| n.len())
                .map(|(i, _)| i);
            d.leaf = all
                .iter()
                .enumerate()
                .filter(|(_, (n, k))| *k == Kind::Fact && within(n))
                .max_by_key(|(_, (n, _))| n.len())
                .map(|(i, _)| i);
        }
        for (d, ok) in dims.iter_mut().zip(&absent_ok) {
            d.forced = d.kind == Kind::Fact && ok[0] != ok[1];
        }
        // Every column and test, by dimension.
        let mut mentions: Vec<Mentions> = dims.iter().map(|_| Mentions::default()).collect();
        let mut cols: [Vec<Vec<Option<usize>>>; 2] = [Vec::new(), Vec::new()];
        for (side, c) in sides.iter().enumerate() {
            for t in &c.tables {
                let mut per_col = Vec::with_capacity(t.columns.len());
                for col in &t.columns {
                    let d = column_dim(col, &c.program, &names)?;
                    if let Some(d) = d {
                        mention_column(col, &mut mentions[d]);
                        let text = crate::compile::print::column_name(col, &c.program);
                        if !dims[d].columns.iter().any(|(x, _, _)| *x == text) {
                            dims[d].columns.push((text, col.clone(), side));
                        }
                    }
                    per_col.push(d);
                }
                for r in &t.rows {
                    for (ci, test) in &r.tests {
                        if let Some(Some(d)) = per_col.get(*ci as usize) {
                            mention_test(test, &mut mentions[*d]);
                        }
                    }
                }
                for alt in t.only_when.iter().flat_map(|w| &w.alternatives) {
                    for (ci, test) in alt {
                        if let Some(Some(d)) = per_col.get(*ci) {
                            mention_test(test, &mut mentions[*d]);
                        }
                    }
                }
                cols[side].push(per_col);
            }
        }
        // Classes: candidates grouped by what every cell says of them.
        for (di, dim) in dims.iter_mut().enumerate() {
            let mut cands: Vec<Value> = match dim.kind {
                Kind::Group => vec![Value::Bool(true)],
                Kind::Fact => candidates(&dim.ty, &mentions[di]),
            };
            if cands.is_empty() {
                cands.push(Value::Absent);
            }
            let can_be_absent = dim.kind == Kind::Group
                || absent_ok[di].iter().any(|x| *x)
                || dim.group.is_some()
                || dim.leaf.is_some();
            let url_like = dim
                .columns
                .iter()
                .any(|(t, _, _)| t.contains("url") || t.contains("link"));
            let mut sigs: Vec<(Vec<Tri>, Class)> = Vec::new();
            for v in cands {
                let sig = signature(sides, &cols, di, &v);
                match sigs.iter_mut().find(|(s, _)| *s == sig) {
                    Some((_, c)) => c.members.push(v),
                    None => sigs.push((
                        sig,
                        Class {
                            value: v.clone(),
                            members: vec![v],
                        },
                    )),
                }
            }
            dim.classes = sigs
                .into_iter()
                .map(|(_, mut c)| {
                    c.value = nicest(&c.members, url_like).clone();
                    c
                })
                .collect();
            if can_be_absent && !dim.classes.iter().any(|c| c.value == Value::Absent) {
                dim.classes.push(Class {
                    value: Value::Absent,
                    members: vec![Value::Absent],
                });
            }
        }
        // Rows as cells.
        let mut rows: [HashMap<String, Vec<SymRow>>; 2] = [HashMap::new(), HashMap::new()];
        for (side, c) in sides.iter().enumerate() {
            for (ti, t) in c.tables.iter().enumerate() {
                let per_col = &cols[side][ti];
                let mut out = Vec::new();
                for r in &t.rows {
                    let tests: Vec<(usize, &Test)> =
                        r.tests.iter().map(|(c, t)| (*c as usize, t)).collect();
                    let mut row = sym_row(&tests, t, per_col, &dims, &c.program);
                    row.instance = Some(r.instance);
                    row.shadow = r.shadow.is_some();
                    out.push(row);
                }
                for alt in t.only_when.iter().flat_map(|w| &w.alternatives) {
                    let tests: Vec<(usize, &Test)> = alt.iter().map(|(c, t)| (*c, t)).collect();
                    out.push(sym_row(&tests, t, per_col, &dims, &c.program));
                }
                rows[side].insert(t.name.to_string(), out);
            }
        }
        Ok(Space { dims, rows, cols })
    }

    /// The class of a value of a dimension (as bound facts hold it), if any.
    pub fn class_of(&self, sides: [&Compiled; 2], d: usize, v: &Value) -> Option<usize> {
        let dim = self.dims.get(d)?;
        if matches!(v, Value::Absent) {
            return dim.absent();
        }
        let sig = signature(sides, &self.cols, d, v);
        dim.classes.iter().position(|c| {
            !matches!(c.value, Value::Absent) && signature(sides, &self.cols, d, &c.value) == sig
        })
    }
}

/// What every cell over dimension `d` says of value `v` (on each side: a fact absent
/// there takes that side's default).
fn signature(
    sides: [&Compiled; 2],
    cols: &[Vec<Vec<Option<usize>>>; 2],
    d: usize,
    v: &Value,
) -> Vec<Tri> {
    let mut sig = Vec::new();
    for (side, c) in sides.iter().enumerate() {
        for (ti, t) in c.tables.iter().enumerate() {
            let per_col = &cols[side][ti];
            let mut cell = |tests: &[(usize, &Test)]| {
                let mut by_col: Vec<(usize, Vec<&Test>)> = Vec::new();
                for (ci, test) in tests {
                    if per_col.get(*ci).copied().flatten() == Some(d) {
                        match by_col.iter_mut().find(|(c, _)| c == ci) {
                            Some((_, ts)) => ts.push(test),
                            None => by_col.push((*ci, vec![test])),
                        }
                    }
                }
                for (ci, ts) in by_col {
                    sig.push(cell_at(&ts, &t.columns[ci], v));
                }
            };
            for r in &t.rows {
                let tests: Vec<(usize, &Test)> =
                    r.tests.iter().map(|(c, t)| (*c as usize, t)).collect();
                cell(&tests);
            }
            for alt in t.only_when.iter().flat_map(|w| &w.alternatives) {
                let tests: Vec<(usize, &Test)> = alt.iter().map(|(c, t)| (*c, t)).collect();
                cell(&tests);
            }
        }
    }
    sig
}

/// A row's cells, each with its result per class of its dimension.
fn sym_row(
    tests: &[(usize, &Test)],
    t: &Table,
    per_col: &[Option<usize>],
    dims: &[Dim],
    program: &Program,
) -> SymRow {
    let mut by_col: Vec<(usize, Vec<&Test>)> = Vec::new();
    for (ci, test) in tests {
        match by_col.iter_mut().find(|(c, _)| c == ci) {
            Some((_, ts)) => ts.push(test),
            None => by_col.push((*ci, vec![test])),
        }
    }
    let mut row = SymRow::default();
    for (ci, ts) in by_col {
        let col = &t.columns[ci];
        match per_col.get(ci).copied().flatten() {
            Some(d) => {
                let dim = &dims[d];
                let default = if dim.kind == Kind::Fact {
                    program
                        .facts
                        .get(&dim.name)
                        // In a present group a missing fact takes its default; in an
                        // absent group the fact is the absent class alone (one point),
                        // so the witness's evaluation decides either way.
                        .and_then(|f| f.default.clone())
                } else {
                    None
                };
                let tri = dim
                    .classes
                    .iter()
                    .map(|c| {
                        let v = match (&c.value, &default) {
                            (Value::Absent, Some(d)) => d.clone(),
                            (v, _) => v.clone(),
                        };
                        cell_at(&ts, col, &v)
                    })
                    .collect();
                row.cells.push(Cell { dim: d, tri });
            }
            None => {
                let r = cell_at(&ts, col, &Value::Absent);
                row.constant = Some(row.constant.unwrap_or(Tri::True).and(r));
            }
        }
    }
    row
}
