//! Cells: the tests of one row on one column merged into the fewest equivalent tests.

use super::*;

/// Merges tests on one column into fewer; `None` when no present value passes all.
pub(super) fn merge_tests(tests: &[Test]) -> Option<Vec<Test>> {
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

pub(super) fn intersect(cur: Option<Vec<Value>>, with: &[Value]) -> Vec<Value> {
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

pub(super) fn tighter_lo(cur: &(Value, bool), new: &(Value, bool)) -> bool {
    match crate::value::compare(&cur.0, &new.0, None, false) {
        Some(std::cmp::Ordering::Greater) => true,
        Some(std::cmp::Ordering::Equal) => !cur.1 || new.1,
        _ => false,
    }
}

pub(super) fn tighter_hi(cur: &(Value, bool), new: &(Value, bool)) -> bool {
    match crate::value::compare(&cur.0, &new.0, None, false) {
        Some(std::cmp::Ordering::Less) => true,
        Some(std::cmp::Ordering::Equal) => !cur.1 || new.1,
        _ => false,
    }
}
