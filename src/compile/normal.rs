//! Normal forms: negation pushed to the atoms (NNF), then alternatives of
//! conjunctions (DNF), each simplified.

use super::*;

/// Negation normal form: negations pushed into the tests.
pub(super) fn nnf(f: F, neg: bool) -> F {
    match f {
        F::Const(b) => F::Const(b != neg),
        F::Atom(c, t) if !neg => F::Atom(c, t),
        F::Atom(c, t) => negate(c, t),
        F::Not(x) => nnf(*x, !neg),
        F::And(xs) => {
            let xs = xs.into_iter().map(|x| nnf(x, neg)).collect();
            if neg {
                F::Or(xs)
            } else {
                F::And(xs)
            }
        }
        F::Or(xs) => {
            let xs = xs.into_iter().map(|x| nnf(x, neg)).collect();
            if neg {
                F::And(xs)
            } else {
                F::Or(xs)
            }
        }
    }
}

pub(super) fn negate(c: usize, t: Test) -> F {
    match t {
        Test::Eq(v) => F::Atom(c, Test::NotIn(vec![v])),
        Test::In(vs) => F::Atom(c, Test::NotIn(vs)),
        Test::NotIn(mut vs) if vs.len() == 1 => F::Atom(c, Test::Eq(vs.remove(0))),
        Test::NotIn(vs) => F::Atom(c, Test::In(vs)),
        Test::Range { lo, hi } => {
            let mut alts = Vec::new();
            if let Some((v, inc)) = lo {
                alts.push(F::Atom(
                    c,
                    Test::Range {
                        lo: None,
                        hi: Some((v, !inc)),
                    },
                ));
            }
            if let Some((v, inc)) = hi {
                alts.push(F::Atom(
                    c,
                    Test::Range {
                        lo: Some((v, !inc)),
                        hi: None,
                    },
                ));
            }
            F::Or(alts)
        }
        Test::Contains(v) => F::Atom(c, Test::NotContains(v)),
        Test::NotContains(v) => F::Atom(c, Test::Contains(v)),
        Test::Present => F::Atom(c, Test::Absent),
        Test::Absent => F::Atom(c, Test::Present),
    }
}

/// Disjunctive normal form of an NNF formula; contradictory conjunctions dropped.
pub(super) fn dnf(
    f: &F,
    cols: &[CExpr],
    program: &Program,
) -> Result<Vec<Vec<(usize, Test)>>, Fault> {
    let raw = dnf_raw(f)?;
    let mut out = Vec::new();
    for conj in raw {
        if let Some(mut c) = simplify(conj, cols, program) {
            // Sorted value lists: the evaluator binary-searches them.
            for (_, t) in c.iter_mut() {
                if let Test::In(vs) | Test::NotIn(vs) = t {
                    vs.sort();
                    vs.dedup();
                }
            }
            out.push(c);
        }
    }
    Ok(out)
}

pub(super) fn dnf_raw(f: &F) -> Result<Vec<Vec<(usize, Test)>>, Fault> {
    Ok(match f {
        F::Const(true) => vec![Vec::new()],
        F::Const(false) => Vec::new(),
        F::Atom(c, t) => vec![vec![(*c, t.clone())]],
        F::Not(_) => return Err(Fault::Internal("negation left after normalisation")),
        F::Or(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(dnf_raw(x)?);
                if out.len() > MAX_ROWS_PER_RULE {
                    return Err(Fault::ConditionTooLarge);
                }
            }
            out
        }
        F::And(xs) => {
            let mut acc: Vec<Vec<(usize, Test)>> = vec![Vec::new()];
            for x in xs {
                let d = dnf_raw(x)?;
                if acc.len().saturating_mul(d.len()) > MAX_ROWS_PER_RULE {
                    return Err(Fault::ConditionTooLarge);
                }
                let mut next = Vec::new();
                for a in &acc {
                    for b in &d {
                        let mut c = a.clone();
                        c.extend(b.iter().cloned());
                        next.push(c);
                    }
                }
                if next.len() > MAX_ROWS_PER_RULE {
                    return Err(Fault::ConditionTooLarge);
                }
                acc = next;
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
    })
}

/// Whether a column's value can be unknown at evaluation time: an absent fact, or
/// integer arithmetic that overflows (Kleene logic: `A and not A` is unknown, not
/// false, when `A` is).
pub(super) fn may_be_unknown(c: &CExpr, program: &Program) -> bool {
    match c {
        CExpr::Const(v) => *v == Value::Absent,
        CExpr::Fact(f) => program
            .facts
            .get_index(*f)
            .is_none_or(|(_, d)| (d.optional || d.group.is_some()) && d.default.is_none()),
        CExpr::Group(_) => true,
        CExpr::Call(_, args) => args.iter().any(|a| may_be_unknown(a, program)),
        CExpr::Arith(..) => true,
        CExpr::Interp(..) => true,
    }
}

/// Merges the tests on each column of a conjunction; `None` when they contradict.
pub(super) fn simplify(
    conj: Vec<(usize, Test)>,
    cols: &[CExpr],
    program: &Program,
) -> Option<Vec<(usize, Test)>> {
    let mut by_col: Vec<(usize, Vec<Test>)> = Vec::new();
    for (c, t) in conj {
        match by_col.iter_mut().find(|(k, _)| *k == c) {
            Some((_, ts)) => {
                if !ts.contains(&t) {
                    ts.push(t)
                }
            }
            None => by_col.push((c, vec![t])),
        }
    }
    let mut out = Vec::new();
    for (c, tests) in by_col {
        match merge_tests(&tests) {
            Some(merged) => out.extend(merged.into_iter().map(|t| (c, t))),
            None => {
                if !cols.get(c).is_some_and(|e| may_be_unknown(e, program)) {
                    return None;
                }
                // Contradictory on known values, unknown on absent or overflowing ones:
                // keep the tests so that both evaluators agree on them.
                out.extend(tests.into_iter().map(|t| (c, t)));
            }
        }
    }
    Some(out)
}
