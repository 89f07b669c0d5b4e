//! Describing regions: adjacent boxes of one change merged, each box said in the
//! facts' terms (values, intervals), and the diff as text or JSON.

use super::*;

/// Merges boxes of the same change that differ in one dimension only, until none do.
pub(super) fn merge(space: &Space, leaves: Vec<(Boxed, J, J)>) -> Vec<(Boxed, J, J)> {
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
pub(super) fn describe(space: &Space, b: &Boxed) -> Vec<String> {
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

pub(super) fn describe_values(space: &Space, i: usize, b: &Boxed, values: &[&Value]) -> String {
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
pub(super) fn intervals(space: &Space, i: usize, b: &Boxed) -> String {
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

pub(super) fn rules(r: &[String]) -> String {
    if r.is_empty() {
        "(none fired)".into()
    } else {
        r.join(", ")
    }
}

/// A compared result in a few words: the outcome (or steps), the outputs.
pub(super) fn summary(j: &J) -> String {
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

impl Diff {
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
