//! Candidate values: for each fact, the constants the tables test, the bounds of
//! their intervals, and values the builtins tell apart (URLs from schemes and link
//! patterns, PINs of every tested length in every mix of character classes).

use super::*;

/// Constants the tests and columns of a dimension mention.
#[derive(Default)]
pub(super) struct Mentions {
    values: Vec<Value>,
    /// Constant arguments of builtin calls (schemes, patterns).
    args: Vec<Value>,
    /// Whether a builtin reads the dimension (string candidates are then built).
    builtin: bool,
    arith: Vec<i64>,
    /// Integer arithmetic over the dimension (its overflow edges part classes).
    arith_columns: Vec<CExpr>,
}

pub(super) fn mention_test(t: &Test, m: &mut Mentions) {
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

pub(super) fn mention_column(c: &CExpr, m: &mut Mentions) {
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
            m.arith_columns.push(c.clone());
            mention_column(a, m);
            mention_column(b, m);
        }
        _ => {}
    }
}

/// Candidate values of a fact of type `ty`, nicest first.
pub(super) fn candidates(ty: &Type, m: &Mentions) -> Vec<Value> {
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
            for col in &m.arith_columns {
                points.extend(overflow_edges(col));
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

/// The integers on either side of where an arithmetic column over one integer
/// starts to overflow (its value there is unknown, which is a class of its own).
/// A column of `+`, `-` and `*` over one fact and constants is defined on one
/// interval of the fact's values: its ends are found by bisection from zero.
fn overflow_edges(col: &CExpr) -> Vec<i64> {
    let defined = |x: i64| column_value(col, &Value::Int(x)) != Value::Absent;
    let Some(seed) = [0, 1, -1].into_iter().find(|x| defined(*x)) else {
        return Vec::new();
    };
    // The last defined value from `seed` towards `end` (in i128: the distance
    // between the ends does not fit an i64).
    let edge = |end: i64| -> Option<[i64; 2]> {
        if defined(end) {
            return None;
        }
        let (mut ok, mut bad) = (i128::from(seed), i128::from(end));
        while (bad - ok).abs() > 1 {
            let mid = ok + (bad - ok) / 2;
            if defined(i64::try_from(mid).ok()?) {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        Some([i64::try_from(ok).ok()?, i64::try_from(bad).ok()?])
    };
    let mut out = Vec::new();
    for [ok, bad] in [edge(i64::MAX), edge(i64::MIN)].into_iter().flatten() {
        out.extend([ok, bad, ok + (ok - bad).signum()]);
    }
    out.push(i64::MAX);
    out
}

/// Strings for builtin columns: URLs from schemes and link patterns, and PINs of each
/// length a test mentions, in every mix of character classes, simple or not.
pub(super) fn builtin_candidates(m: &Mentions) -> Vec<String> {
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

/// The member a witness shows: a version with few components (then the largest: the
/// one nearest the boundary), a URL for URL-like strings, the shortest other text.
pub(super) fn nicest(members: &[Value], url_like: bool) -> &Value {
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
