//! Column plans: a table of at most 128 rows evaluated column by column.
//!
//! For each column some row tests, the plan holds a lookup from the column's value to
//! the set of rows (a `u128` bitmask) whose tests on that column pass: sorted interval
//! starts for integer and version ranges (one binary search), a short list of values
//! for enumerations, strings and booleans. Rows are then combined with bit operations:
//! a row holds when every column it tests passes. Absent values have their own masks
//! (pass, or unknown). Columns no lookup can describe (lists, interpreter columns)
//! evaluate the tested rows one by one.
//!
//! The masks are computed with the evaluator's own [`check`] on representative values,
//! so the plan cannot disagree with row-by-row evaluation; the property tests compare
//! both with the reference interpreter.

use crate::compile::{CExpr, Row};
use crate::semantics::logic::Tri;
use crate::semantics::test::check;
use crate::semantics::test::{Check, Test};
use crate::value::{Value, Version};
use std::collections::HashMap;

/// Tables with more rows than this are evaluated row by row (with the hash index).
pub const PLAN_MAX_ROWS: usize = 128;

/// The column-wise plan of a table.
#[derive(Clone, Debug)]
pub struct Plan {
    /// All rows.
    pub all: u128,
    /// Shadow rows.
    pub shadow: u128,
    /// One entry per tested column.
    pub columns: Vec<ColumnPlan>,
}

/// How one column narrows the rows.
#[derive(Clone, Debug)]
pub struct ColumnPlan {
    /// The column.
    pub column: u32,
    /// The fact the column reads, when it is a plain fact (read without dispatch).
    pub fact: Option<u32>,
    /// Rows that test it.
    pub tested: u128,
    /// Tested rows that pass / are unknown when the value is absent.
    pub absent: (u128, u128),
    /// Tested rows that pass, by value.
    pub lookup: Lookup,
}

/// From a present value to the tested rows that pass.
#[derive(Clone, Debug)]
pub enum Lookup {
    /// Integer ranges: `masks[i]` holds for values in `starts[i]..starts[i+1]`.
    Ints {
        /// Sorted interval starts; the first is `i64::MIN`.
        starts: Vec<i64>,
        /// One mask per interval.
        masks: Vec<u128>,
    },
    /// Version ranges, as packed integers.
    Versions {
        /// Sorted interval starts; the first is 0.
        starts: Vec<u128>,
        /// One mask per interval.
        masks: Vec<u128>,
    },
    /// A boolean column: the rows that pass when it is true, and when it is false.
    Bool {
        /// Rows passing on `true`.
        if_true: u128,
        /// Rows passing on `false`.
        if_false: u128,
    },
    /// Values listed by some test, and the mask of every other value.
    Values {
        /// Listed values and their masks.
        listed: Vec<(Value, u128)>,
        /// The same, hashed, when there are many.
        hashed: Option<HashMap<Value, u128>>,
        /// Rows that pass for a value no test lists.
        other: u128,
    },
    /// Evaluate each tested row's checks on the value.
    Rows(Vec<(u32, Vec<Check>)>),
}

impl ColumnPlan {
    /// Whether rows `a` and `b` (bits of the plan's masks) fare alike on every value
    /// of the column, an absent one included: both tested or neither, and every mask
    /// holds both or neither. `false` for a lookup that checks rows one by one.
    pub fn treats_alike(&self, a: usize, b: usize) -> bool {
        let same = |m: &u128| (m >> a & 1) == (m >> b & 1);
        same(&self.tested)
            && same(&self.absent.0)
            && same(&self.absent.1)
            && match &self.lookup {
                Lookup::Ints { masks, .. } | Lookup::Versions { masks, .. } => {
                    masks.iter().all(same)
                }
                Lookup::Bool { if_true, if_false } => same(if_true) && same(if_false),
                Lookup::Values { listed, other, .. } => {
                    same(other) && listed.iter().all(|(_, m)| same(m))
                }
                Lookup::Rows(_) => false,
            }
    }
}

impl Lookup {
    /// The tested rows that pass, and that are unknown, for a present value.
    #[inline]
    pub fn pass(&self, v: &Value) -> (u128, u128) {
        match (self, v) {
            (Lookup::Ints { starts, masks }, Value::Int(x)) => (interval(starts, masks, x), 0),
            (Lookup::Versions { starts, masks }, Value::Version(Version(x))) => {
                (interval(starts, masks, x), 0)
            }
            (Lookup::Bool { if_true, if_false }, Value::Bool(b)) => {
                (if *b { *if_true } else { *if_false }, 0)
            }
            (
                Lookup::Values {
                    listed,
                    hashed,
                    other,
                },
                v,
            ) => {
                let found = match hashed {
                    Some(h) => h.get(v).copied(),
                    None => listed.iter().find(|(x, _)| x == v).map(|(_, m)| *m),
                };
                (found.unwrap_or(*other), 0)
            }
            (Lookup::Rows(rows), v) => {
                let (mut pass, mut unknown) = (0u128, 0u128);
                for (r, checks) in rows {
                    let mut res = Tri::True;
                    for k in checks {
                        res = res.and(check(k, v));
                    }
                    match res {
                        Tri::True => pass |= 1 << r,
                        Tri::Unknown => unknown |= 1 << r,
                        Tri::False => {}
                    }
                }
                (pass, unknown)
            }
            // A value of another type than the checks expect: never after checking;
            // every tested row is unknown, which fails closed.
            _ => (0, u128::MAX),
        }
    }
}

/// The mask of the interval holding `x`: a scan for a few starts, a binary search
/// for many. `starts[0]` is the smallest value, so some interval always holds `x`.
#[inline(always)]
pub fn interval<T: Ord>(starts: &[T], masks: &[u128], x: &T) -> u128 {
    let i = if starts.len() <= 8 {
        starts.iter().take_while(|s| *s <= x).count()
    } else {
        starts.partition_point(|s| s <= x)
    };
    masks.get(i.wrapping_sub(1)).copied().unwrap_or(0)
}

/// Builds the plan of a table, when it has at most [`PLAN_MAX_ROWS`] rows.
pub fn build(rows: &[Row], columns: &[CExpr]) -> Option<Plan> {
    if rows.len() > PLAN_MAX_ROWS {
        return None;
    }
    let bit = |r: usize| 1u128 << r;
    let mut plan = Plan {
        all: if rows.len() == 128 {
            u128::MAX
        } else {
            (1u128 << rows.len()) - 1
        },
        shadow: 0,
        columns: Vec::new(),
    };
    for (r, row) in rows.iter().enumerate() {
        if row.shadow.is_some() {
            plan.shadow |= bit(r);
        }
    }
    for c in 0..columns.len() as u32 {
        let cells: Vec<(usize, Vec<&Check>)> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                (
                    r,
                    row.checks
                        .iter()
                        .filter(|(k, _)| *k == c)
                        .map(|(_, k)| k)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, ks)| !ks.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let tested = cells.iter().fold(0u128, |m, (r, _)| m | bit(*r));
        let mut absent = (0u128, 0u128);
        for (r, ks) in &cells {
            match ks
                .iter()
                .fold(Tri::True, |acc, k| acc.and(check(k, &Value::Absent)))
            {
                Tri::True => absent.0 |= bit(*r),
                Tri::Unknown => absent.1 |= bit(*r),
                Tri::False => {}
            }
        }
        let lookup = bools(&cells)
            .or_else(|| ints(&cells))
            .or_else(|| versions(&cells))
            .or_else(|| values(&cells))
            .unwrap_or_else(|| {
                Lookup::Rows(
                    cells
                        .iter()
                        .map(|(r, ks)| (*r as u32, ks.iter().map(|k| (*k).clone()).collect()))
                        .collect(),
                )
            });
        plan.columns.push(ColumnPlan {
            column: c,
            fact: match columns.get(c as usize) {
                Some(CExpr::Fact(f)) => u32::try_from(*f).ok(),
                _ => None,
            },
            tested,
            absent,
            lookup,
        });
    }
    Some(plan)
}

/// Masks of the rows whose checks all pass at `v`.
fn mask_at(cells: &[(usize, Vec<&Check>)], v: &Value) -> Option<u128> {
    let mut m = 0u128;
    for (r, ks) in cells {
        match ks.iter().fold(Tri::True, |acc, k| acc.and(check(k, v))) {
            Tri::True => m |= 1 << r,
            Tri::False => {}
            Tri::Unknown => return None,
        }
    }
    Some(m)
}

/// Interval starts and masks for a column whose every check is a range, read by
/// `range` (which also says what a value of the column is); `None` otherwise.
fn intervals<T: Ord + Copy + CheckedStep>(
    cells: &[(usize, Vec<&Check>)],
    min: T,
    range: impl Fn(&Check) -> Option<(T, T)>,
    value: impl Fn(T) -> Value,
) -> Option<(Vec<T>, Vec<u128>)> {
    let mut starts = vec![min];
    for (_, ks) in cells {
        for k in ks {
            let (lo, hi) = range(k)?;
            starts.push(lo);
            if let Some(h) = hi.next() {
                starts.push(h);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let masks = starts
        .iter()
        .map(|s| mask_at(cells, &value(*s)))
        .collect::<Option<Vec<_>>>()?;
    Some((starts, masks))
}

/// The successor of an integer, if any.
trait CheckedStep: Sized {
    fn next(self) -> Option<Self>;
}

impl CheckedStep for i64 {
    fn next(self) -> Option<i64> {
        self.checked_add(1)
    }
}

impl CheckedStep for u128 {
    fn next(self) -> Option<u128> {
        self.checked_add(1)
    }
}

fn bools(cells: &[(usize, Vec<&Check>)]) -> Option<Lookup> {
    if !cells
        .iter()
        .all(|(_, ks)| ks.iter().all(|k| matches!(k, Check::Bool(_))))
    {
        return None;
    }
    Some(Lookup::Bool {
        if_true: mask_at(cells, &Value::Bool(true))?,
        if_false: mask_at(cells, &Value::Bool(false))?,
    })
}

fn ints(cells: &[(usize, Vec<&Check>)]) -> Option<Lookup> {
    let range = |k: &Check| match k {
        Check::IntRange(lo, hi) => Some((*lo, *hi)),
        _ => None,
    };
    let (starts, masks) = intervals(cells, i64::MIN, range, Value::Int)?;
    Some(Lookup::Ints { starts, masks })
}

fn versions(cells: &[(usize, Vec<&Check>)]) -> Option<Lookup> {
    let range = |k: &Check| match k {
        Check::VersionRange(lo, hi) => Some((*lo, *hi)),
        _ => None,
    };
    let (starts, masks) = intervals(cells, 0u128, range, |x| Value::Version(Version(x)))?;
    Some(Lookup::Versions { starts, masks })
}

fn values(cells: &[(usize, Vec<&Check>)]) -> Option<Lookup> {
    let mut listed: Vec<Value> = Vec::new();
    let mut seen: std::collections::HashSet<Value> = std::collections::HashSet::new();
    let mut other = 0u128;
    for (r, ks) in cells {
        let mut passes_other = true;
        for k in ks {
            let vals: Vec<Value> = match k {
                Check::Bool(b) => vec![Value::Bool(*b), Value::Bool(!*b)],
                Check::Other(Test::Eq(v)) => {
                    passes_other = false;
                    vec![v.clone()]
                }
                Check::Other(Test::In(vs)) => {
                    passes_other = false;
                    vs.clone()
                }
                Check::Other(Test::NotIn(vs)) => vs.clone(),
                Check::Other(Test::Present) => Vec::new(),
                Check::Other(Test::Absent) => {
                    passes_other = false;
                    Vec::new()
                }
                _ => return None,
            };
            for v in vals {
                if seen.insert(v.clone()) {
                    listed.push(v);
                }
            }
        }
        if passes_other {
            other |= 1 << r;
        }
    }
    let listed: Vec<(Value, u128)> = listed
        .into_iter()
        .map(|v| mask_at(cells, &v).map(|m| (v, m)))
        .collect::<Option<Vec<_>>>()?;
    let hashed = (listed.len() > 8).then(|| listed.iter().cloned().collect());
    Some(Lookup::Values {
        listed,
        hashed,
        other,
    })
}
