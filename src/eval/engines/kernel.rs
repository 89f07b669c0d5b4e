//! Kernels: the column plan of a small table, flattened for the hot path.
//!
//! A table of at most 64 rows whose tested columns are all plain facts, each described
//! by an interval, boolean or value lookup, gets a kernel: the plan's lookups grouped
//! by type (no dispatch on the lookup kind), masks in one `u64` with untested rows
//! already set (one `and` per column), and the hit policy precomputed
//! ([`RankMasks`]: the rows of each outcome rank as one mask, so the outcome is a
//! fixed run of `and`s over the ranks, whatever rows held — no loop over the rows,
//! no branch that distinct records mispredict).
//!
//! A kernel is derived from the [`Plan`] and answers exactly as it does; it never
//! decides when a row is unknown (a missing fact): then the caller takes the general
//! path, which names the missing fact.

use super::plan::{Lookup, Plan};
use crate::compile::Row;
use crate::semantics::outcome::{Outcome, RankMasks};
use crate::syntax::ast::HitPolicy;
use crate::value::{Value, Version};

/// Tables with more rows than this have no kernel.
pub const KERNEL_MAX_ROWS: usize = 64;

/// The flattened plan of a small table.
#[derive(Clone, Debug)]
pub struct Kernel {
    /// All rows.
    all: u64,
    /// Shadow rows.
    shadow: u64,
    /// Columns of at most [`SMALL`] interval starts, in fixed arrays (no loop, no
    /// branch on the value); the others, searched.
    small_versions: Box<[Small<u128>]>,
    small_ints: Box<[Small<i64>]>,
    versions: Box<[Ranges<u128>]>,
    ints: Box<[Ranges<i64>]>,
    bools: Box<[Bools]>,
    values: Box<[Values]>,
    /// The hit policy on the rows that held.
    select: RankMasks,
    /// For each row, the rows of its rule instance (the alternatives of one `or`).
    siblings: Box<[u64]>,
}

/// What every column kind shares: the fact, and the masks for an absent value.
#[derive(Clone, Debug)]
struct Col {
    fact: u32,
    /// Rows that test the column.
    tested: u64,
    /// Rows not failed by an absent value (untested, passing or unknown).
    absent_ok: u64,
    /// Tested rows that are unknown on an absent value.
    absent_unknown: u64,
}

/// An integer or version column: `masks[0]` holds below `starts[0]`, `masks[i]` from
/// `starts[i - 1]` (inclusive) up to `starts[i]`; untested rows are set in every mask.
#[derive(Clone, Debug)]
struct Ranges<T> {
    col: Col,
    starts: Box<[T]>,
    masks: Box<[u64]>,
}

/// Interval columns with at most this many starts get a [`Small`] lookup.
const SMALL: usize = 3;

/// An integer or version column of at most [`SMALL`] starts: the starts padded with
/// the type's largest value, the masks with copies of the last one, so the index is
/// the count of starts at or below the value, whatever it is, and always in bounds.
#[derive(Clone, Debug)]
struct Small<T> {
    col: Col,
    starts: [T; SMALL],
    masks: [u64; SMALL + 1],
}

impl<T: Ord + Copy> Small<T> {
    fn new(r: &Ranges<T>, max: T) -> Option<Small<T>> {
        if r.starts.len() > SMALL || r.masks.len() != r.starts.len() + 1 {
            return None;
        }
        let last = r.masks.last().copied().unwrap_or(0);
        Some(Small {
            col: r.col.clone(),
            starts: std::array::from_fn(|i| r.starts.get(i).copied().unwrap_or(max)),
            masks: std::array::from_fn(|i| r.masks.get(i).copied().unwrap_or(last)),
        })
    }

    #[inline(always)]
    fn at(&self, x: &T) -> u64 {
        let i: usize = self.starts.iter().map(|s| usize::from(s <= x)).sum();
        // `i <= SMALL`, and `SMALL + 1` is a power of two: the mask keeps it in
        // bounds without a check.
        self.masks[i & SMALL]
    }
}

#[derive(Clone, Debug)]
struct Bools {
    col: Col,
    if_true: u64,
    if_false: u64,
}

#[derive(Clone, Debug)]
struct Values {
    col: Col,
    listed: Box<[(Value, u64)]>,
    other: u64,
}

impl<T: Ord> Ranges<T> {
    #[inline(always)]
    fn at(&self, x: &T) -> u64 {
        let i = if self.starts.len() <= 8 {
            self.starts.iter().filter(|s| *s <= x).count()
        } else {
            self.starts.partition_point(|s| s <= x)
        };
        self.masks.get(i).copied().unwrap_or(0)
    }
}

/// Lowers 128-bit row masks to 64 bits (the kernel only exists for ≤ 64 rows).
fn low(m: u128) -> u64 {
    m as u64
}

/// Builds the kernel of a table: `None` when it has more than [`KERNEL_MAX_ROWS`]
/// rows or a column the kernel cannot read.
pub fn build(plan: &Plan, rows: &[Row], policy: HitPolicy, default_rank: u16) -> Option<Kernel> {
    if rows.len() > KERNEL_MAX_ROWS {
        return None;
    }
    let all = low(plan.all);
    let mut k = Kernel {
        all,
        shadow: low(plan.shadow),
        small_versions: Box::new([]),
        small_ints: Box::new([]),
        versions: Box::new([]),
        ints: Box::new([]),
        bools: Box::new([]),
        values: Box::new([]),
        select: RankMasks::new(
            policy,
            &rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            default_rank,
        ),
        siblings: rows
            .iter()
            .map(|r| {
                rows.iter()
                    .enumerate()
                    .filter(|(_, o)| o.instance == r.instance)
                    .fold(0u64, |m, (i, _)| m | 1 << i)
            })
            .collect(),
    };
    let (mut versions, mut ints, mut bools, mut values) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for cp in &plan.columns {
        let tested = low(cp.tested);
        let untested = all & !tested;
        let col = Col {
            fact: cp.fact?,
            tested,
            absent_ok: untested | low(cp.absent.0 | cp.absent.1),
            absent_unknown: low(cp.absent.1) & tested,
        };
        let widen = |ms: &[u128]| ms.iter().map(|m| low(*m) | untested).collect();
        match &cp.lookup {
            Lookup::Versions { starts, masks } => versions.push(Ranges {
                col,
                starts: starts.iter().skip(1).copied().collect(),
                masks: widen(masks),
            }),
            Lookup::Ints { starts, masks } => ints.push(Ranges {
                col,
                starts: starts.iter().skip(1).copied().collect(),
                masks: widen(masks),
            }),
            Lookup::Bool { if_true, if_false } => bools.push(Bools {
                col,
                if_true: low(*if_true) | untested,
                if_false: low(*if_false) | untested,
            }),
            Lookup::Values { listed, other, .. } if listed.len() <= 16 => values.push(Values {
                col,
                listed: listed
                    .iter()
                    .map(|(v, m)| (v.clone(), low(*m) | untested))
                    .collect(),
                other: low(*other) | untested,
            }),
            _ => return None,
        }
    }
    (k.small_versions, k.versions) = split_small(versions, u128::MAX);
    (k.small_ints, k.ints) = split_small(ints, i64::MAX);
    k.bools = bools.into();
    k.values = values.into();
    Some(k)
}

/// The columns with a [`Small`] lookup, and the others.
#[allow(clippy::type_complexity)]
fn split_small<T: Ord + Copy>(cols: Vec<Ranges<T>>, max: T) -> (Box<[Small<T>]>, Box<[Ranges<T>]>) {
    let (mut small, mut large) = (Vec::new(), Vec::new());
    for r in cols {
        match Small::new(&r, max) {
            Some(s) => small.push(s),
            None => large.push(r),
        }
    }
    (small.into(), large.into())
}

impl Kernel {
    /// The rows that hold and the rows that are unknown (shadow rows too, unless
    /// `skip_shadows`), as the plan computes them.
    #[inline]
    pub fn run(&self, facts: &[Value], skip_shadows: bool) -> (u64, u64) {
        let mut alive = if skip_shadows {
            self.all & !self.shadow
        } else {
            self.all
        };
        let mut unknown = 0u64;
        // An absent value narrows to the rows it does not fail; a value of another
        // type than the column's (never after checking) makes every tested row unknown.
        let mut other = |c: &Col, v: Option<&Value>, alive: &mut u64| match v {
            None | Some(Value::Absent) => {
                *alive &= c.absent_ok;
                unknown |= c.absent_unknown;
            }
            Some(_) => unknown |= c.tested,
        };
        macro_rules! ranges {
            ($cols:expr, $pat:pat => $x:expr) => {
                for c in $cols.iter() {
                    match facts.get(c.col.fact as usize) {
                        Some($pat) => alive &= c.at($x),
                        v => other(&c.col, v, &mut alive),
                    }
                }
            };
        }
        ranges!(self.small_versions, Value::Version(Version(x)) => x);
        ranges!(self.small_ints, Value::Int(x) => x);
        ranges!(self.versions, Value::Version(Version(x)) => x);
        ranges!(self.ints, Value::Int(x) => x);
        for c in self.bools.iter() {
            match facts.get(c.col.fact as usize) {
                Some(Value::Bool(b)) => alive &= if *b { c.if_true } else { c.if_false },
                v => other(&c.col, v, &mut alive),
            }
        }
        for c in self.values.iter() {
            match facts.get(c.col.fact as usize) {
                None | Some(Value::Absent) => other(&c.col, None, &mut alive),
                Some(v) => {
                    alive &= c
                        .listed
                        .iter()
                        .find(|(x, _)| x == v)
                        .map_or(c.other, |(_, m)| *m)
                }
            }
        }
        (alive & !unknown, alive & unknown)
    }

    /// The outcome, without reasons; `None` when some row is unknown (the caller
    /// then takes the general path, which reports the missing fact).
    #[inline]
    pub fn outcome(&self, facts: &[Value]) -> Option<Outcome> {
        let (held, mut unknown) = self.run(facts, true);
        // An unknown row whose rule instance holds through another of its rows is
        // decided (Kleene `or`): only the others send the record to the general path.
        let mut m = unknown;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            if self.siblings.get(i).is_some_and(|s| held & s != 0) {
                unknown &= !(1u64 << i);
            }
        }
        if unknown != 0 {
            return None;
        }
        // The rows that held (shadow rows skipped), by the hit policy.
        Some(self.select.outcome(held))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The fixed-array lookup gives the searched one's mask for every value, the
    /// largest included, over every sorted run of up to `SMALL` starts.
    #[test]
    fn small_lookups_agree_with_searched_ones() {
        let col = Col {
            fact: 0,
            tested: 0,
            absent_ok: 0,
            absent_unknown: 0,
        };
        let points = [i64::MIN, -5, 0, 1, 7, i64::MAX - 1, i64::MAX];
        let mut runs: Vec<Vec<i64>> = vec![Vec::new()];
        for _ in 0..SMALL {
            let longer: Vec<Vec<i64>> = runs
                .iter()
                .flat_map(|r| {
                    points
                        .iter()
                        .filter(move |p| r.last().is_none_or(|l| *p > l))
                        .map(move |p| [r.clone(), vec![*p]].concat())
                })
                .collect();
            runs.extend(longer);
        }
        runs.sort();
        runs.dedup();
        for starts in runs {
            let masks: Vec<u64> = (0..=starts.len() as u64).map(|i| 1 << i | 0x100).collect();
            let r = Ranges {
                col: col.clone(),
                starts: starts.clone().into(),
                masks: masks.into(),
            };
            let s = Small::new(&r, i64::MAX).unwrap();
            for x in points.iter().chain(&[-6, 2, 8]) {
                assert_eq!(s.at(x), r.at(x), "{starts:?} at {x}");
            }
        }
        let too_many = Ranges {
            col,
            starts: (0..=SMALL as i64).collect(),
            masks: vec![0; SMALL + 2].into(),
        };
        assert!(Small::new(&too_many, i64::MAX).is_none());
    }
}
