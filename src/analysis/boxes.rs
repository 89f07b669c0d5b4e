//! Boxes of classes: what a row can do on a box, the split that decides most rows,
//! boxes narrowed to what the facts allow, a concrete witness per box.

use super::*;

/// What a row can be on a box: (can be true, can be false, surely unknown).
pub(super) fn range(row: &SymRow, b: &Boxed) -> (bool, bool, bool) {
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
pub(super) fn surely_fails(rows: &[SymRow], b: &Boxed) -> bool {
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
pub(super) enum Status {
    Decided,
    /// Undecided: a cell takes several results on the box.
    Split,
}

pub(super) fn status(row: &SymRow, b: &Boxed) -> Status {
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
pub(super) fn choose_split(rows: &[&SymRow], b: &Boxed) -> Option<(usize, Vec<usize>)> {
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
pub(super) fn normalize(space: &Space, b: &mut Boxed) -> bool {
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
pub(super) fn witness(space: &Space, b: &Boxed) -> Option<(Vec<usize>, J)> {
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

pub(super) fn fact_json(v: &Value) -> J {
    match v {
        Value::Version(x) => J::String(x.to_string()),
        other => other.to_json(),
    }
}

pub(super) fn insert(root: &mut J, name: &str, v: J) {
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
