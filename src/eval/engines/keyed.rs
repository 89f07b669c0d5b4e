//! How a kernel reads its interval and inline enumeration columns: a function for
//! their counts ([`keyed_for`]), so that both loops are unrolled — no loop counter, no
//! bounds check, no branch on the data. The columns are built by `kernel::build`.

#[cfg(doc)]
use crate::eval::keys::ABSENT;
use crate::eval::keys::{Keys, NarrowIndex, WideIndex};

/// Interval columns with at most this many starts get a [`Small`] lookup.
pub(super) const SMALL: usize = 3;

/// Enumeration columns with at most this many values (booleans too) get a [`Few`]
/// lookup.
pub(super) const FEW: usize = 7;
// A position is at most `FEW`: masking with it keeps the index in bounds.
const _: () = assert!((FEW + 1).is_power_of_two());

/// A boolean or enumeration column of at most [`FEW`] values whose keys are bytes: for
/// key `k` (a position, below `FEW`), the rows it does not fail and the rows it leaves
/// unknown; the entries from the column's count of positions on (the last,
/// `masks[FEW]`, included) hold an absent value's. A byte slot holds a position, the
/// absent byte (`NARROW_ABSENT`, `FEW` once masked) or the wide one (never read: a
/// record with a wide key goes to the plan), so the key masked by `FEW` is the index,
/// with no compare.
#[derive(Clone, Debug)]
pub(super) struct Few {
    /// The fact's byte slot.
    pub(super) slot: NarrowIndex,
    pub(super) masks: [(u64, u64); FEW + 1],
}

/// An integer or version column of at most [`SMALL`] starts, as keys, padded with
/// [`ABSENT`]: the count of starts at or below a present key is its interval (`0` below
/// the first start), and [`SMALL`] + 1 for an absent value, whatever the key.
#[derive(Clone, Debug)]
pub(super) struct Small {
    /// The fact's `u64` key slot.
    pub(super) slot: WideIndex,
    pub(super) starts: [u64; SMALL + 1],
    /// `masks[i]`: interval `i`; `masks[SMALL + 1]`: an absent value (rows not failed
    /// by it); the others are never read. Untested rows are set in every mask.
    pub(super) masks: [u64; 8],
    /// `unknowns[SMALL + 1]`: the tested rows that are unknown on an absent value;
    /// the others are 0.
    pub(super) unknowns: [u64; 8],
}

impl Small {
    /// The rows not failed by key `k`, and the rows it leaves unknown.
    #[inline(always)]
    fn at(&self, k: u64) -> (u64, u64) {
        let i: usize = self.starts.iter().map(|s| usize::from(*s <= k)).sum();
        // `i <= SMALL + 1 < 8`: the mask keeps it in bounds without a check.
        (self.masks[i & 7], self.unknowns[i & 7])
    }

    /// [`Small::at`] for a fact never absent in a bound record: the first [`SMALL`]
    /// starts only (the one past them is [`ABSENT`]), no unknown rows; one select
    /// per start.
    #[inline(always)]
    fn at_present(&self, k: u64) -> u64 {
        let [s0, s1, s2, _] = self.starts;
        let mut m = self.masks[0];
        m = if s0 <= k { self.masks[1] } else { m };
        m = if s1 <= k { self.masks[2] } else { m };
        if s2 <= k {
            self.masks[3]
        } else {
            m
        }
    }
}

/// How a kernel reads its `small` and `few` columns: the rows they do not fail and
/// the rows they leave unknown.
pub(super) type Keyed = fn(&[Small], &[Few], &Keys) -> (u64, u64);

/// The columns of each kind [`keyed_for`] unrolls.
pub(super) const UNROLLED: usize = 6;

/// The instance of the generic function `$f::<S, F>` for `$s` small and `$n` few
/// columns, as a `$ty`, or `$any` past [`UNROLLED`] of either kind: a function for
/// those counts, so that the compiler unrolls both loops (no loop counter, no bounds
/// check, no branch).
macro_rules! by_counts {
    ($f:ident, $any:expr, $ty:ty, $s:expr, $n:expr) => {
        by_counts!(@s $f, $any, $ty, $s, $n; 0 1 2 3 4 5 6)
    };
    (@s $f:ident, $any:expr, $ty:ty, $s:expr, $n:expr; $($si:literal)*) => {
        match $s {
            $($si => by_counts!(@f $f, $any, $ty, $si, $n; 0 1 2 3 4 5 6),)*
            _ => $any,
        }
    };
    (@f $f:ident, $any:expr, $ty:ty, $si:literal, $n:expr; $($fi:literal)*) => {
        match $n {
            $($fi => $f::<$si, $fi> as $ty,)*
            _ => $any,
        }
    };
}
pub(super) use by_counts;
// The arms of `by_counts` are the counts up to `UNROLLED`.
const _: () = assert!(UNROLLED == 6);

/// The [`Keyed`] for `s` small and `f` few columns.
pub(super) fn keyed_for(s: usize, f: usize) -> Keyed {
    by_counts!(keyed, keyed_any as Keyed, Keyed, s, f)
}

/// [`Keyed`] for `S` small and `F` few columns (the loops for others: never, as
/// [`keyed_for`] picks it).
fn keyed<const S: usize, const F: usize>(small: &[Small], few: &[Few], keys: &Keys) -> (u64, u64) {
    match (<&[Small; S]>::try_from(small), <&[Few; F]>::try_from(few)) {
        (Ok(small), Ok(few)) => columns(small, few, keys),
        _ => keyed_any(small, few, keys),
    }
}

/// [`Keyed`] for any counts.
fn keyed_any(small: &[Small], few: &[Few], keys: &Keys) -> (u64, u64) {
    columns(small, few, keys)
}

/// The rows not failed by `small` and `few` columns, and the rows they leave unknown.
#[inline(always)]
pub(super) fn columns(small: &[Small], few: &[Few], keys: &Keys) -> (u64, u64) {
    columns_of::<false>(small, few, keys)
}

/// [`columns`], where `PRESENT` says that no `small` column's fact is ever absent in
/// a bound record ([`Small::at_present`]).
#[inline(always)]
pub(super) fn columns_of<const PRESENT: bool>(
    small: &[Small],
    few: &[Few],
    keys: &Keys,
) -> (u64, u64) {
    let (mut alive, mut unknown) = (u64::MAX, 0u64);
    for c in small {
        let k = keys.wide_at(c.slot);
        if PRESENT {
            alive &= c.at_present(k);
        } else {
            let (m, u) = c.at(k);
            alive &= m;
            unknown |= u;
        }
    }
    for c in few {
        // The mask keeps the index in bounds without a check (see [`Few`]).
        let (m, u) = c.masks[usize::from(keys.narrow_at(c.slot)) & FEW];
        alive &= m;
        unknown |= u;
    }
    (alive, unknown)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::eval::keys::{ABSENT, WIDE};

    /// The fixed-array lookup gives the searched one's mask for every key, the
    /// largest present one included, over every sorted run of up to `SMALL` starts;
    /// an absent key gives the absent mask.
    #[test]
    fn small_lookups_agree_with_searched_ones() {
        let points = [0, 1, 5, 7, 1 << 63, WIDE - 2, WIDE - 1];
        let mut runs: Vec<Vec<u64>> = vec![Vec::new()];
        for _ in 0..SMALL {
            let longer: Vec<Vec<u64>> = runs
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
            let mut m = [0u64; 8];
            m[..masks.len()].copy_from_slice(&masks);
            m[SMALL + 1] = 0x8000;
            let s = Small {
                slot: WideIndex::W0,
                starts: std::array::from_fn(|i| starts.get(i).copied().unwrap_or(ABSENT)),
                masks: m,
                unknowns: [0; 8],
            };
            for k in points.iter().chain(&[2, 6, 8, (1 << 63) + 1]) {
                let searched = masks[starts.partition_point(|s| s <= k)];
                assert_eq!(s.at(*k).0, searched, "{starts:?} at {k}");
            }
            assert_eq!(s.at(ABSENT).0, 0x8000, "{starts:?} absent");
        }
    }
}
