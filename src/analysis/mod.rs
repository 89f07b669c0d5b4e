//! Reasoning about policies: which facts two policies decide differently.
//!
//! A consumer of compiled tables, beside the evaluators. [`diff`] cuts the fact space
//! into classes ([`space`]), then splits boxes of classes only where a row of either
//! policy is undecided, until every row of both is decided on the box: all facts in
//! it then get the same decisions, so one witness (a complete facts document inside
//! the box, evaluated by the real evaluator on both sides) tells whether the box
//! differs. Differing boxes of the same change are merged where adjacent and
//! described as constraints. [`fleet`] counts the changes on real records.

pub mod fleet;
mod space;

use crate::semantics::logic::Tri;
use crate::value::{Type, Value};
use crate::Policy;
use serde_json::{json, Value as J};
use space::{Kind, Space, SymRow};
use std::collections::HashMap;

/// Why two policies cannot be compared.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiffError {
    /// A condition the analysis does not reason about.
    #[error("`apprules diff` cannot reason about {0} yet")]
    Unsupported(String),
    /// The policies' facts do not agree.
    #[error("the policies cannot be compared: {0}")]
    Mismatch(String),
    /// The space splits into more regions than the limit.
    #[error("more than {0} regions to examine for decision `{1}`: the policies are too far apart to list (compare them on a fleet with `--facts`)")]
    TooMany(usize, String),
}

/// What to compare.
#[derive(Clone, Debug)]
pub struct Options {
    /// Compare reasons and `not_enforced` too (not only outcomes and outputs).
    pub reasons: bool,
    /// The most boxes examined per decision.
    pub max_boxes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            reasons: false,
            max_boxes: 2_000_000,
        }
    }
}

/// One region of facts where a decision changes.
#[derive(Clone, Debug)]
pub struct Region {
    /// The region as readable constraints (`device.os_version < 16.0`).
    pub constraints: Vec<String>,
    /// The decision under the old policy (its JSON, or `{"error": ...}`), as compared.
    pub old: J,
    /// The same under the new policy.
    pub new: J,
    /// A complete facts document inside the region.
    pub witness: J,
    /// Rules that fired on the witness under the old policy.
    pub old_rules: Vec<String>,
    /// The same under the new policy.
    pub new_rules: Vec<String>,
    /// The classes of each dimension in the region.
    cells: Vec<Vec<bool>>,
}

/// The changes of one decision.
#[derive(Clone, Debug)]
pub struct DecisionDiff {
    /// The decision.
    pub decision: String,
    /// Regions where it changes.
    pub regions: Vec<Region>,
    /// Boxes examined (leaves of the search).
    pub boxes: usize,
}

/// The difference of two policies.
#[derive(Debug)]
pub struct Diff {
    /// Per decision in both policies.
    pub decisions: Vec<DecisionDiff>,
    /// Decisions only the old policy takes.
    pub only_old: Vec<String>,
    /// Decisions only the new policy takes.
    pub only_new: Vec<String>,
    space: Space,
    options: Options,
}

/// A box: for each dimension, which of its classes are in.
type Boxed = Vec<Vec<bool>>;

/// Compares two policies everywhere.
pub fn diff(old: &Policy, new: &Policy, options: &Options) -> Result<Diff, DiffError> {
    let sides = [old.compiled(), new.compiled()];
    let space = Space::new(sides)?;
    let names = |p: &Policy| -> Vec<String> {
        p.compiled()
            .tables
            .iter()
            .map(|t| t.name.to_string())
            .collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    let mut decisions = Vec::new();
    for d in old_names.iter().filter(|d| new_names.contains(d)) {
        let one = |p: &Policy| {
            p.only_decisions(std::slice::from_ref(d))
                .map(|p| p.allowing_unknown_facts(true))
                .map_err(DiffError::Mismatch)
        };
        let (po, pn) = (one(old)?, one(new)?);
        decisions.push(decision_diff(&space, d, [&po, &pn], options)?);
    }
    Ok(Diff {
        decisions,
        only_old: old_names
            .iter()
            .filter(|d| !new_names.contains(d))
            .cloned()
            .collect(),
        only_new: new_names
            .iter()
            .filter(|d| !old_names.contains(d))
            .cloned()
            .collect(),
        space,
        options: options.clone(),
    })
}

/// What a row can be on a box: (can be true, can be false, surely unknown).
fn range(row: &SymRow, b: &Boxed) -> (bool, bool, bool) {
    let (mut can_true, mut can_false, mut sure_unknown) = (true, false, false);
    match row.constant {
        Some(Tri::False) => return (false, true, false),
        Some(Tri::Unknown) => {
            can_true = false;
            sure_unknown = true;
        }
        _ => {}
    }
    for cell in &row.cells {
        let mut seen = [false; 3];
        for (i, t) in cell.tri.iter().enumerate() {
            if b[cell.dim][i] {
                seen[*t as usize] = true;
            }
        }
        can_true &= seen[0];
        can_false |= seen[1];
        if seen == [false, false, true] {
            sure_unknown = true;
        }
    }
    (can_true, can_false, sure_unknown && !can_false)
}

/// Whether every fact in the box makes this side's decision fail: a rule instance
/// that is surely unknown (none of its alternatives can hold, one is surely
/// unknown), once `only when` is decided.
fn surely_fails(rows: &[SymRow], b: &Boxed) -> bool {
    let gates_decided = rows
        .iter()
        .filter(|r| r.instance.is_none())
        .all(|r| matches!(status(r, b), Status::Decided));
    if !gates_decided {
        return false;
    }
    // An `only when` alternative that surely holds: the decision is taken.
    let gates: Vec<&SymRow> = rows.iter().filter(|r| r.instance.is_none()).collect();
    let taken = gates.is_empty() || gates.iter().any(|g| range(g, b) == (true, false, false));
    if !taken {
        return false;
    }
    let mut by_instance: HashMap<u32, (bool, bool)> = HashMap::new();
    for r in rows.iter().filter(|r| !r.shadow) {
        let Some(i) = r.instance else { continue };
        let (can_true, _, unknown) = range(r, b);
        let e = by_instance.entry(i).or_insert((false, false));
        e.0 |= can_true;
        e.1 |= unknown;
    }
    by_instance
        .values()
        .any(|(can_true, unknown)| !can_true && *unknown)
}

/// How a row stands on a box.
enum Status {
    Decided,
    /// Undecided: a cell takes several results on the box.
    Split,
}

fn status(row: &SymRow, b: &Boxed) -> Status {
    if row.constant == Some(Tri::False) {
        return Status::Decided;
    }
    let mut split = false;
    for cell in &row.cells {
        let mut seen = [false; 3];
        for (i, t) in cell.tri.iter().enumerate() {
            if b[cell.dim][i] {
                seen[match t {
                    Tri::True => 0,
                    Tri::False => 1,
                    Tri::Unknown => 2,
                }] = true;
            }
        }
        if seen == [false, true, false] {
            return Status::Decided;
        }
        split |= seen.iter().filter(|x| **x).count() > 1;
    }
    if split {
        Status::Split
    } else {
        Status::Decided
    }
}

/// The dimension undecided in the most rows, split by what all their cells on it say
/// (`request.kind` first: it decides every request row at once).
fn choose_split(rows: &[&SymRow], b: &Boxed) -> Option<(usize, Vec<usize>)> {
    let mut count: HashMap<usize, usize> = HashMap::new();
    for r in rows {
        if let Status::Split = status(r, b) {
            for cell in &r.cells {
                let mut seen = [false; 3];
                for (i, t) in cell.tri.iter().enumerate() {
                    if b[cell.dim][i] {
                        seen[*t as usize] = true;
                    }
                }
                if seen.iter().filter(|x| **x).count() > 1 {
                    *count.entry(cell.dim).or_default() += 1;
                }
            }
        }
    }
    let (&dim, _) = count
        .iter()
        .max_by_key(|(d, n)| (**n, std::cmp::Reverse(**d)))?;
    // Classes grouped by the results of every undecided cell on the dimension.
    let mut sig: Vec<Vec<Tri>> = vec![Vec::new(); b[dim].len()];
    for r in rows {
        if let Status::Split = status(r, b) {
            for cell in r.cells.iter().filter(|c| c.dim == dim) {
                for (k, t) in cell.tri.iter().enumerate() {
                    sig[k].push(*t);
                }
            }
        }
    }
    let mut groups: Vec<&Vec<Tri>> = Vec::new();
    let labels: Vec<usize> = sig
        .iter()
        .map(|s| match groups.iter().position(|x| *x == s) {
            Some(g) => g,
            None => {
                groups.push(s);
                groups.len() - 1
            }
        })
        .collect();
    Some((dim, labels))
}

/// Applies the shape of a facts document: an absent group holds no fact, a fact
/// with a value at a path leaves no object there. `false` when the box is empty.
fn normalize(space: &Space, b: &mut Boxed) -> bool {
    loop {
        let mut changed = false;
        for (i, dim) in space.dims.iter().enumerate() {
            let absent = dim.absent();
            let only_absent = |b: &Boxed, d: usize| {
                let a = space.dims[d].absent();
                b[d].iter().enumerate().all(|(k, on)| !on || Some(k) == a)
            };
            let no_absent = |b: &Boxed, d: usize| match space.dims[d].absent() {
                Some(a) => !b[d][a],
                None => true,
            };
            // In an absent group (or under a leaf with a value), only absent.
            let parent_absent = dim.group.is_some_and(|g| only_absent(b, g));
            let leaf_valued = dim.leaf.is_some_and(|l| no_absent(b, l));
            if parent_absent || leaf_valued {
                if let Some(a) = absent {
                    for (k, on) in b[i].iter_mut().enumerate() {
                        if *on && k != a {
                            *on = false;
                            changed = true;
                        }
                    }
                }
            }
            // A fact with a value needs its group, and no value at its leaf.
            if no_absent(b, i) && dim.kind == Kind::Fact {
                if let Some(g) = dim.group {
                    if let Some(a) = space.dims[g].absent() {
                        if b[g][a] {
                            b[g][a] = false;
                            changed = true;
                        }
                    }
                }
                if let Some(l) = dim.leaf {
                    for (k, on) in b[l].iter_mut().enumerate() {
                        if *on && Some(k) != space.dims[l].absent() {
                            *on = false;
                            changed = true;
                        }
                    }
                }
            }
            if no_absent(b, i) && dim.kind == Kind::Group {
                if let Some(g) = dim.group {
                    if let Some(a) = space.dims[g].absent() {
                        if b[g][a] {
                            b[g][a] = false;
                            changed = true;
                        }
                    }
                }
            }
            if !b[i].iter().any(|x| *x) {
                return false;
            }
        }
        if !changed {
            return true;
        }
    }
}

/// The first class of each dimension in the box, consistent with the document's
/// shape; its facts document.
fn witness(space: &Space, b: &Boxed) -> Option<(Vec<usize>, J)> {
    let mut order: Vec<usize> = (0..space.dims.len()).collect();
    order.sort_by(|x, y| space.dims[*x].name.cmp(&space.dims[*y].name));
    let mut pick: Vec<Option<usize>> = vec![None; space.dims.len()];
    for &i in &order {
        let dim = &space.dims[i];
        let absent = dim.absent();
        let forced_absent = dim
            .group
            .is_some_and(|g| pick[g].is_some() && pick[g] == space.dims[g].absent())
            || dim
                .leaf
                .is_some_and(|l| pick[l].is_some() && pick[l] != space.dims[l].absent());
        let choice = if forced_absent {
            absent.filter(|a| b[i][*a])?
        } else if dim.kind == Kind::Group && absent.is_some_and(|a| b[i][a]) {
            // A group the box lets be absent is left out: a shorter witness.
            absent?
        } else {
            // Prefer a value; absent only when nothing else is in the box.
            (0..dim.classes.len())
                .find(|k| b[i][*k] && Some(*k) != absent)
                .or_else(|| absent.filter(|a| b[i][*a]))?
        };
        pick[i] = Some(choice);
    }
    let picks: Vec<usize> = pick.into_iter().collect::<Option<Vec<_>>>()?;
    // A fact whose value is set needs an object at every prefix: groups too.
    let mut doc = J::Object(Default::default());
    for &i in &order {
        let dim = &space.dims[i];
        let v = &dim.classes[picks[i]].value;
        if matches!(v, Value::Absent) {
            continue;
        }
        let j = match dim.kind {
            Kind::Group => J::Object(Default::default()),
            Kind::Fact => fact_json(v),
        };
        insert(&mut doc, &dim.name, j);
    }
    Some((picks, doc))
}

fn fact_json(v: &Value) -> J {
    match v {
        Value::Version(x) => J::String(x.to_string()),
        other => other.to_json(),
    }
}

fn insert(root: &mut J, name: &str, v: J) {
    let segs: Vec<&str> = name.split('.').collect();
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        let J::Object(map) = cur else { return };
        if i + 1 == segs.len() {
            if !map.contains_key(*seg) || !v.is_object() {
                map.insert(seg.to_string(), v);
            }
            return;
        }
        cur = map
            .entry(seg.to_string())
            .or_insert_with(|| J::Object(Default::default()));
    }
}

/// What is compared of one decision's result: outcome and outputs (and reasons and
/// `not_enforced` with `--reasons`); an error is `{"error": ...}` (two errors are the
/// same: both refuse).
fn compared(p: &Policy, decision: &str, w: &J, reasons: bool) -> (J, Vec<String>) {
    match p.evaluate_str(&w.to_string()) {
        Ok(d) => match d.get(decision) {
            Some(r) => {
                let mut j = r.to_json();
                let rules: Vec<String> = j
                    .get("reasons")
                    .and_then(J::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.get("rule").and_then(J::as_str).map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                if !reasons {
                    if let J::Object(m) = &mut j {
                        m.remove("reasons");
                        m.remove("not_enforced");
                    }
                }
                (j, rules)
            }
            None => (json!({"not_taken": true}), Vec::new()),
        },
        Err(_) => (json!({"error": true}), Vec::new()),
    }
}

/// The decision's regions of change.
fn decision_diff(
    space: &Space,
    decision: &str,
    sides: [&Policy; 2],
    options: &Options,
) -> Result<DecisionDiff, DiffError> {
    let empty = Vec::new();
    let side_rows = [
        space.rows[0].get(decision).unwrap_or(&empty),
        space.rows[1].get(decision).unwrap_or(&empty),
    ];
    let full: Boxed = space
        .dims
        .iter()
        .map(|d| vec![true; d.classes.len()])
        .collect();
    let mut stack = vec![full];
    let mut leaves: Vec<(Boxed, J, J)> = Vec::new();
    let mut boxes = 0usize;
    while let Some(mut b) = stack.pop() {
        if !normalize(space, &mut b) {
            continue;
        }
        // A side that surely fails on the box needs no more splitting: both failing
        // is no change; one failing, the other side's rows decide.
        let fails = [
            surely_fails(side_rows[0], &b),
            surely_fails(side_rows[1], &b),
        ];
        if fails[0] && fails[1] {
            boxes += 1;
            continue;
        }
        let rows: Vec<&SymRow> = (0..2)
            .filter(|s| !fails[*s])
            .flat_map(|s| side_rows[s].iter())
            .collect();
        let split = choose_split(&rows, &b);
        let split = split.or_else(|| {
            // A fact required on one side only: split on its absence.
            space.dims.iter().enumerate().find_map(|(i, dim)| {
                let a = dim.absent()?;
                let mixed = dim.forced && b[i][a] && b[i].iter().filter(|x| **x).count() > 1;
                mixed.then(|| {
                    (
                        i,
                        (0..dim.classes.len())
                            .map(|k| usize::from(k == a))
                            .collect(),
                    )
                })
            })
        });
        match split {
            Some((d, labels)) => {
                if std::env::var_os("APPRULES_DIFF_DEBUG").is_some() {
                    eprintln!("split {} {:?}", space.dims[d].name, labels);
                }
                let most = labels.iter().copied().max().unwrap_or(0);
                for want in 0..=most {
                    let mut part = b.clone();
                    let mut any = false;
                    for (k, on) in part[d].iter_mut().enumerate() {
                        *on = *on && labels[k] == want;
                        any |= *on;
                    }
                    if any {
                        stack.push(part);
                    }
                }
            }
            None => {
                boxes += 1;
                if boxes > options.max_boxes {
                    return Err(DiffError::TooMany(options.max_boxes, decision.to_string()));
                }
                let Some((_, w)) = witness(space, &b) else {
                    continue;
                };
                let (o, _) = compared(sides[0], decision, &w, options.reasons);
                let (n, _) = compared(sides[1], decision, &w, options.reasons);
                if o != n {
                    leaves.push((b, o, n));
                }
            }
        }
    }
    let merged = merge(space, leaves);
    let mut regions = Vec::new();
    for (b, _, _) in merged {
        let Some((_, w)) = witness(space, &b) else {
            continue;
        };
        let (wo, old_rules) = compared(sides[0], decision, &w, options.reasons);
        let (wn, new_rules) = compared(sides[1], decision, &w, options.reasons);
        // Every witness differs as its region says (the boxes were decided).
        if wo == wn {
            continue;
        }
        regions.push(Region {
            constraints: describe(space, &b),
            old: wo,
            new: wn,
            witness: w,
            old_rules,
            new_rules,
            cells: b,
        });
    }
    Ok(DecisionDiff {
        decision: decision.to_string(),
        regions,
        boxes,
    })
}

/// Merges boxes of the same change that differ in one dimension only, until none do.
fn merge(space: &Space, leaves: Vec<(Boxed, J, J)>) -> Vec<(Boxed, J, J)> {
    let mut items = leaves;
    loop {
        let mut changed = false;
        for d in 0..space.dims.len() {
            let mut by_rest: HashMap<(String, Vec<Vec<bool>>), usize> = HashMap::new();
            let mut out: Vec<(Boxed, J, J)> = Vec::new();
            for (b, o, n) in items.drain(..) {
                let mut rest = b.clone();
                rest[d] = Vec::new();
                let key = (format!("{o}\u{0}{n}"), rest);
                match by_rest.get(&key) {
                    Some(&i) => {
                        for (x, y) in out[i].0[d].iter_mut().zip(&b[d]) {
                            *x |= *y;
                        }
                        changed = true;
                    }
                    None => {
                        by_rest.insert(key, out.len());
                        out.push((b, o, n));
                    }
                }
            }
            items = out;
        }
        if !changed {
            return items;
        }
    }
}

/// A box as readable constraints, one per dimension it restricts.
fn describe(space: &Space, b: &Boxed) -> Vec<String> {
    let mut out = Vec::new();
    let only_absent = |d: usize| {
        let a = space.dims[d].absent();
        b[d].iter().enumerate().all(|(k, on)| !on || Some(k) == a)
    };
    let valued = |d: usize| space.dims[d].absent().is_none_or(|a| !b[d][a]);
    let restricted = |d: usize| !b[d].iter().all(|x| *x);
    for (i, dim) in space.dims.iter().enumerate() {
        if !restricted(i) {
            continue;
        }
        // Implied by another constraint: a fact of an absent group, one below a
        // fact with a value, a group one of whose facts has a value.
        if dim.group.is_some_and(only_absent) || dim.leaf.is_some_and(valued) {
            continue;
        }
        if dim.kind == Kind::Group
            && valued(i)
            && space
                .dims
                .iter()
                .enumerate()
                .any(|(k, d)| d.group == Some(i) && restricted(k) && valued(k))
        {
            continue;
        }
        let absent = dim.absent();
        let with_absent = absent.is_some_and(|a| b[i][a]);
        let values: Vec<&Value> = dim
            .classes
            .iter()
            .enumerate()
            .filter(|(k, _)| b[i][*k] && Some(*k) != absent)
            .flat_map(|(_, c)| c.members.iter())
            .collect();
        let text = match dim.kind {
            Kind::Group if with_absent => format!("no {}", dim.name),
            Kind::Group => format!("{} present", dim.name),
            Kind::Fact if values.is_empty() => format!("{} absent", dim.name),
            Kind::Fact => {
                let t = describe_values(space, i, b, &values);
                if with_absent {
                    format!("({t} or {} absent)", dim.name)
                } else {
                    t
                }
            }
        };
        out.push(text);
    }
    out
}

fn describe_values(space: &Space, i: usize, b: &Boxed, values: &[&Value]) -> String {
    let dim = &space.dims[i];
    let name = &dim.name;
    let has_builtin = dim
        .columns
        .iter()
        .any(|(_, c, _)| !matches!(c, crate::compile::table::CExpr::Fact(_)));
    match &dim.ty {
        Type::Int { .. } | Type::Version => intervals(space, i, b),
        Type::List(_) => {
            // By element: in every list of the region, or in none.
            let lists: Vec<&Value> = values.to_vec();
            let mut elems: Vec<&Value> = Vec::new();
            for c in &dim.classes {
                for m in &c.members {
                    if let Value::List(items) = m {
                        for e in items.iter() {
                            if !elems.contains(&e) {
                                elems.push(e);
                            }
                        }
                    }
                }
            }
            let has = |l: &Value, e: &Value| matches!(l, Value::List(items) if items.contains(e));
            let mut parts = Vec::new();
            for e in elems {
                let shown = crate::semantics::display::display_plain(e);
                if lists.iter().all(|l| has(l, e)) {
                    parts.push(format!("{shown} in {name}"));
                } else if lists.iter().all(|l| !has(l, e)) {
                    parts.push(format!("{shown} not in {name}"));
                }
            }
            if parts.is_empty() {
                format!("{name} in some of its values")
            } else {
                parts.join(" and ")
            }
        }
        Type::Str { .. } if has_builtin => {
            // By what the builtins say of it.
            let mut parts = Vec::new();
            for (text, col, _) in &dim.columns {
                if matches!(col, crate::compile::table::CExpr::Fact(_)) {
                    continue;
                }
                let vals = |pred: &dyn Fn(usize) -> bool| {
                    let mut vs: Vec<String> = dim
                        .classes
                        .iter()
                        .enumerate()
                        .filter(|(k, c)| pred(*k) && !matches!(c.value, Value::Absent))
                        .flat_map(|(_, c)| c.members.iter())
                        .map(|m| {
                            crate::semantics::display::display_plain(&space::column_value(col, m))
                        })
                        .collect();
                    vs.sort();
                    vs.dedup();
                    vs
                };
                let inside = vals(&|k| b[i][k]);
                let all = vals(&|_| true);
                if inside != all {
                    parts.push(if inside.len() == 1 {
                        format!("{text} = {}", inside[0])
                    } else {
                        format!("{text} in [{}]", inside.join(", "))
                    });
                }
            }
            if parts.is_empty() {
                format!("{name} present")
            } else {
                parts.join(" and ")
            }
        }
        _ => {
            let all: Vec<&Value> = dim
                .classes
                .iter()
                .filter(|c| !matches!(c.value, Value::Absent))
                .flat_map(|c| c.members.iter())
                .collect();
            let show = |v: &Value| match v {
                Value::Str(s) if &**s == "other-value" => "any other".to_string(),
                v => crate::semantics::display::display_plain(v),
            };
            let outside: Vec<&&Value> = all.iter().filter(|v| !values.contains(v)).collect();
            if values.len() == 1 {
                format!("{name} = {}", show(values[0]))
            } else if outside.len() == 1 && values.len() > 2 {
                format!("{name} != {}", show(outside[0]))
            } else {
                let shown: Vec<String> = values.iter().map(|v| show(v)).collect();
                format!("{name} in [{}]", shown.join(", "))
            }
        }
    }
}

/// Numeric classes as intervals between the candidates, merged where adjacent.
fn intervals(space: &Space, i: usize, b: &Boxed) -> String {
    let dim = &space.dims[i];
    let name = &dim.name;
    // Every candidate, sorted, with whether it is in the box.
    let mut points: Vec<(Value, bool)> = dim
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c.value, Value::Absent))
        .flat_map(|(k, c)| c.members.iter().map(move |m| (m.clone(), b[i][k])))
        .collect();
    points.sort_by(|x, y| {
        crate::value::compare(&x.0, &y.0, None, false).unwrap_or(std::cmp::Ordering::Equal)
    });
    // Runs of points in the box: [start, next point outside).
    let mut runs: Vec<(Option<Value>, Option<Value>)> = Vec::new();
    let mut k = 0;
    while k < points.len() {
        if !points[k].1 {
            k += 1;
            continue;
        }
        let start = if k == 0 {
            None
        } else {
            Some(points[k].0.clone())
        };
        let mut e = k;
        while e < points.len() && points[e].1 {
            e += 1;
        }
        let end = points.get(e).map(|p| p.0.clone());
        runs.push((start, end));
        k = e;
    }
    let show = crate::semantics::display::display_plain;
    let parts: Vec<String> = runs
        .iter()
        .map(|(s, e)| match (s, e) {
            (None, None) => format!("{name} any"),
            (None, Some(e)) => format!("{name} < {}", show(e)),
            (Some(s), None) => format!("{name} >= {}", show(s)),
            (Some(s), Some(e)) => format!("{name} in [{}, {})", show(s), show(e)),
        })
        .collect();
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", parts.join(" or "))
    }
}

impl Diff {
    /// Whether the two policies decide the same everywhere.
    pub fn is_empty(&self) -> bool {
        self.only_old.is_empty()
            && self.only_new.is_empty()
            && self.decisions.iter().all(|d| d.regions.is_empty())
    }

    /// The region of each decision a facts document lies in (`None`: no change
    /// there); an error when a value of it falls in no class (a defect of the
    /// analysis, which the property tests look for).
    pub fn regions_of(
        &self,
        old: &Policy,
        new: &Policy,
        facts: &J,
    ) -> Result<Vec<Option<usize>>, String> {
        let sides = [old.compiled(), new.compiled()];
        let mut classes = Vec::with_capacity(self.space.dims.len());
        for (i, dim) in self.space.dims.iter().enumerate() {
            let v = value_at(&self.space, i, facts)?;
            let c = self
                .space
                .class_of(sides, i, &v)
                .ok_or_else(|| format!("`{}` = {v:?} is in no class", dim.name))?;
            classes.push(c);
        }
        Ok(self
            .decisions
            .iter()
            .map(|d| {
                d.regions
                    .iter()
                    .position(|r| classes.iter().enumerate().all(|(i, c)| r.cells[i][*c]))
            })
            .collect())
    }

    /// Whether results differ on a facts document, as the diff compares them.
    pub fn differs_on(&self, old: &Policy, new: &Policy, decision: &str, facts: &J) -> bool {
        let one = |p: &Policy| {
            p.only_decisions(&[decision.to_string()])
                .map(|p| p.allowing_unknown_facts(true))
        };
        match (one(old), one(new)) {
            (Ok(a), Ok(b)) => {
                compared(&a, decision, facts, self.options.reasons).0
                    != compared(&b, decision, facts, self.options.reasons).0
            }
            _ => true,
        }
    }

    /// The diff as JSON, for tools.
    pub fn to_json(&self) -> J {
        json!({
            "equivalent": self.is_empty(),
            "only_old": self.only_old,
            "only_new": self.only_new,
            "decisions": self.decisions.iter().map(|d| json!({
                "decision": d.decision,
                "regions": d.regions.iter().map(|r| json!({
                    "constraints": r.constraints,
                    "old": r.old,
                    "new": r.new,
                    "old_rules": r.old_rules,
                    "new_rules": r.new_rules,
                    "witness": r.witness,
                })).collect::<Vec<_>>(),
                "boxes": d.boxes,
            })).collect::<Vec<_>>(),
        })
    }

    /// The diff as text: each region with its change, witness and rules, then a
    /// summary line per decision.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for d in &self.decisions {
            for r in &d.regions {
                let place = if r.constraints.is_empty() {
                    "everywhere".to_string()
                } else {
                    r.constraints.join(" and ")
                };
                s.push_str(&format!(
                    "{place}: {} {} → {}\n",
                    d.decision,
                    summary(&r.old),
                    summary(&r.new)
                ));
                s.push_str(&format!("  witness: {}\n", r.witness));
                s.push_str(&format!(
                    "  rules: old {} / new {}\n",
                    rules(&r.old_rules),
                    rules(&r.new_rules)
                ));
            }
        }
        for d in &self.decisions {
            s.push_str(&format!(
                "{}: {}\n",
                d.decision,
                match d.regions.len() {
                    0 => "the same everywhere".to_string(),
                    1 => "1 region differs".to_string(),
                    n => format!("{n} regions differ"),
                }
            ));
        }
        for d in &self.only_old {
            s.push_str(&format!("{d}: only in the old policy\n"));
        }
        for d in &self.only_new {
            s.push_str(&format!("{d}: only in the new policy\n"));
        }
        s
    }
}

fn rules(r: &[String]) -> String {
    if r.is_empty() {
        "(none fired)".into()
    } else {
        r.join(", ")
    }
}

/// A compared result in a few words: the outcome (or steps), the outputs.
fn summary(j: &J) -> String {
    if j.get("error").is_some() {
        return "error".into();
    }
    if j.get("not_taken").is_some() {
        return "not taken".into();
    }
    let mut parts = Vec::new();
    if let J::Object(m) = j {
        for (k, v) in m {
            if k == "kind" {
                continue;
            }
            match v {
                J::String(s) if k == "outcome" => parts.insert(0, s.clone()),
                J::Array(items) if k == "steps" => parts.insert(
                    0,
                    format!(
                        "[{}]",
                        items
                            .iter()
                            .filter_map(J::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                other => parts.push(format!("{k} {other}")),
            }
        }
    }
    parts.join(" ")
}

/// The value of a dimension in a facts document, as binding reads it.
fn value_at(space: &Space, i: usize, facts: &J) -> Result<Value, String> {
    let dim = &space.dims[i];
    let mut cur = facts;
    for seg in dim.name.split('.') {
        match cur.get(seg) {
            Some(v) if !v.is_null() => cur = v,
            _ => return Ok(Value::Absent),
        }
    }
    // Under an absent group, or a leaf with a value: absent.
    if let Some(g) = dim.group {
        if value_at(space, g, facts)? == Value::Absent {
            return Ok(Value::Absent);
        }
    }
    match dim.kind {
        Kind::Group => Ok(if cur.is_object() {
            Value::Bool(true)
        } else {
            Value::Absent
        }),
        Kind::Fact => {
            let below = space.dims.iter().any(|d| d.leaf == Some(i));
            if below && cur.is_object() {
                return Ok(Value::Absent);
            }
            crate::value::decode(cur, &dim.ty, &dim.name).map_err(|e| e.to_string())
        }
    }
}
