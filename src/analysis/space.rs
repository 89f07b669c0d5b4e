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

/// Constants the tests and columns of a dimension mention.
#[derive(Default)]
struct Mentions {
    values: Vec<Value>,
    /// Constant arguments of builtin calls (schemes, patterns).
    args: Vec<Value>,
    /// Whether a builtin reads the dimension (string candidates are then built).
    builtin: bool,
    arith: Vec<i64>,
}

fn mention_test(t: &Test, m: &mut Mentions) {
    match t {
        Test::Eq(v) | Test::Contains(v) | Test::NotContains(v) => m.values.push(v.clone()),
        Test::In(vs) | Test::NotIn(vs) => m.values.extend(vs.iter().cloned()),
        Test::Range { lo, hi } => {
            for (v, _) in lo.iter().chain(hi.iter()) {
                m.values.push(v.clone());
            }
        }
        Test::Present | Test::Absent => {}
    }
}

fn mention_column(c: &CExpr, m: &mut Mentions) {
    match c {
        CExpr::Const(v) => {
            match v {
                Value::List(items) => m.args.extend(items.iter().cloned()),
                v => m.args.push(v.clone()),
            }
            if let Value::Int(i) = v {
                m.arith.push(*i);
            }
        }
        CExpr::Call(_, args) => {
            m.builtin = true;
            args.iter().for_each(|a| mention_column(a, m));
        }
        CExpr::Arith(_, a, b) => {
            mention_column(a, m);
            mention_column(b, m);
        }
        _ => {}
    }
}

/// Candidate values of a fact of type `ty`, nicest first.
fn candidates(ty: &Type, m: &Mentions) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let push = |v: Value, out: &mut Vec<Value>| {
        if !out.contains(&v) {
            out.push(v);
        }
    };
    match ty {
        Type::Bool => {
            push(Value::Bool(false), &mut out);
            push(Value::Bool(true), &mut out);
        }
        Type::Enum(e) => {
            for v in &e.variants {
                push(Value::enum_(v), &mut out);
            }
        }
        Type::Int { min } => {
            let lo = min.unwrap_or(i64::MIN);
            let mut points: Vec<i64> = vec![lo.max(0)];
            let mut ks: Vec<i64> = m.arith.clone();
            ks.push(1);
            for v in &m.values {
                if let Value::Int(c) = v {
                    for k in &ks {
                        for x in [
                            c.saturating_sub(*k),
                            c.saturating_add(*k),
                            k.saturating_sub(*c),
                            if *k != 0 { c / k } else { *c },
                        ] {
                            for d in [-1i64, 0, 1] {
                                points.push(x.saturating_add(d));
                            }
                        }
                    }
                }
            }
            points.retain(|p| *p >= lo);
            points.sort_unstable();
            points.dedup();
            for p in points {
                push(Value::Int(p), &mut out);
            }
        }
        Type::Version => {
            let mut points: Vec<u128> = vec![0];
            for v in &m.values {
                if let Value::Version(Version(c)) = v {
                    points.push(*c);
                    points.push(c.saturating_add(1));
                    // A nicer version just below: the last non-zero component less one.
                    if let Some(shift) = (0..4).find(|i| (c >> (32 * i)) & 0xffff_ffff != 0) {
                        points.push(c - (1u128 << (32 * shift)));
                    }
                    points.push(c.saturating_sub(1));
                }
            }
            // Nicest first: fewer components.
            points.sort_unstable();
            points.dedup();
            for p in points {
                push(Value::Version(Version(p)), &mut out);
            }
        }
        Type::Str { nocase } => {
            let norm = |s: &str| {
                if *nocase {
                    Value::str(&s.to_ascii_lowercase())
                } else {
                    Value::str(s)
                }
            };
            for v in m.values.iter().chain(m.args.iter()) {
                if let Some(s) = v.as_text() {
                    push(norm(s), &mut out);
                }
            }
            push(norm("other-value"), &mut out);
            if m.builtin {
                for s in builtin_candidates(m) {
                    push(norm(&s), &mut out);
                }
            }
        }
        Type::List(inner) => {
            let elems: Vec<Value> = match &**inner {
                Type::Enum(e) if e.variants.len() <= 8 => {
                    e.variants.iter().map(|v| Value::enum_(v)).collect()
                }
                _ => {
                    let mut es: Vec<Value> = m.values.clone();
                    es.dedup();
                    es.truncate(8);
                    if let Type::Str { .. } = &**inner {
                        es.push(Value::str("other-value"));
                    }
                    es
                }
            };
            for mask in 0u32..(1 << elems.len()) {
                let items: Vec<Value> = elems
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, v)| v.clone())
                    .collect();
                push(Value::List(std::sync::Arc::new(items)), &mut out);
            }
        }
        _ => {}
    }
    out
}

/// Strings for builtin columns: URLs from schemes and link patterns, and PINs of each
/// length a test mentions, in every mix of character classes, simple or not.
fn builtin_candidates(m: &Mentions) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new(), "x".into(), "ftp://x.example/".into()];
    let mut schemes: Vec<String> = vec!["http".into(), "https".into()];
    for v in m.values.iter().chain(m.args.iter()) {
        if let Some(s) = v.as_text() {
            if s.contains("://") {
                for fill in ["x", "", "x/y"] {
                    let u = s.replace('*', fill);
                    out.push(u.clone());
                    out.push(format!("{u}/"));
                    // The same host under another scheme, and a longer host.
                    if let Some((_, rest)) = u.split_once("://") {
                        out.push(format!("https://{rest}"));
                        out.push(format!("http://{rest}"));
                        out.push(format!("https://{rest}.other.example/"));
                    }
                }
            } else if !s.is_empty()
                && s.len() <= 32
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                schemes.push(s.to_string());
            }
        }
    }
    for s in &schemes {
        out.push(format!("{s}://other.example/a"));
        out.push(format!("{s}:x"));
    }
    // Up to 8: room for a simple run of 3 and every class besides.
    let mut lengths: Vec<i64> = (0..=8).collect();
    for v in &m.values {
        if let Value::Int(c) = v {
            // Longer PINs than this are not built (a class of them has no witness).
            if (0..=1 << 16).contains(c) {
                lengths.extend([c - 1, *c, c + 1]);
            }
        }
    }
    lengths.retain(|l| *l >= 0);
    lengths.sort_unstable();
    lengths.dedup();
    // Two characters per class, alternating: never 3 alike or ascending by one.
    const CLASSES: [[char; 2]; 4] = [['1', '3'], ['a', 'c'], ['!', '#'], [' ', '\t']];
    for &len in &lengths {
        let len = len as usize;
        for set in 1u8..16 {
            let cls: Vec<[char; 2]> = (0..4)
                .filter(|i| set & (1 << i) != 0)
                .map(|i| CLASSES[i])
                .collect();
            if cls.len() > len {
                continue;
            }
            for simple in [false, true] {
                if simple && len < 3 {
                    continue;
                }
                let mut s: Vec<char> = Vec::with_capacity(len);
                if simple {
                    s.extend([cls[0][0]; 3]);
                }
                // After a simple prefix, the other classes first.
                let mut i = usize::from(simple);
                while s.len() < len {
                    let c = cls[i % cls.len()];
                    s.push(c[(i / cls.len()) % 2]);
                    i += 1;
                }
                // Every class in the set must appear.
                if cls.iter().all(|c| s.iter().any(|x| c.contains(x))) {
                    out.push(s.into_iter().collect());
                }
            }
        }
        if len == 0 {
            out.push(String::new());
        }
    }
    out
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

/// The member a witness shows: a version with few components (then the largest: the
/// one nearest the boundary), a URL for URL-like strings, the shortest other text.
fn nicest(members: &[Value], url_like: bool) -> &Value {
    let rank = |v: &Value| -> (i64, i128) {
        match v {
            Value::Version(x) => {
                let parts = x.to_string().split('.').count() as i64;
                (parts, -(x.0 as i128 >> 1))
            }
            Value::Str(s) if &**s == "other-value" => (1000, 0),
            Value::Str(s) => (
                (url_like && !s.contains("://")) as i64 * 100 + s.len() as i64,
                0,
            ),
            _ => (0, 0),
        }
    };
    members
        .iter()
        .min_by_key(|v| rank(v))
        .unwrap_or(&Value::Absent)
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
