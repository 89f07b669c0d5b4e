//! What a decision answers: one outcome's index, or the set of outcomes collected, and
//! the hit policy that picks them ([`Selection`]). Below compile and both evaluators, so
//! the kernel, the column plans and the checker's bound on outcomes agree on one width.

use super::ops::HitPolicy;

/// The outcome of a decision without its reasons: what the fast path computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The decision's `only when` does not hold.
    NotTaken,
    /// Priority and first: the index of the outcome among the decision's outcomes.
    One(u16),
    /// Collect: the indexes of the outcomes collected.
    Set(OutcomeSet),
}

/// A set of outcome indexes: every outcome a decision can declare
/// ([`MAX_OUTCOMES`], checked where the decision is declared).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OutcomeSet([u64; OUTCOME_WORDS]);

const OUTCOME_WORDS: usize = 4;

/// The most outcomes a decision may list (the checker rejects more, E0208).
pub const MAX_OUTCOMES: usize = OUTCOME_WORDS * 64;

impl OutcomeSet {
    /// The empty set.
    pub const EMPTY: OutcomeSet = OutcomeSet([0; OUTCOME_WORDS]);

    /// Adds outcome `rank`; `false` (and the set unchanged) when it is beyond
    /// [`MAX_OUTCOMES`].
    #[inline]
    pub fn insert(&mut self, rank: u16) -> bool {
        let r = rank as usize;
        match self.0.get_mut(r / 64) {
            Some(w) => {
                *w |= 1 << (r % 64);
                true
            }
            None => false,
        }
    }

    /// Whether outcome `rank` is in the set.
    pub fn contains(&self, rank: u16) -> bool {
        let r = rank as usize;
        self.0.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The outcome indexes, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = u16> {
        self.0.into_iter().enumerate().flat_map(|(i, w)| {
            let mut m = w;
            std::iter::from_fn(move || {
                if m == 0 {
                    return None;
                }
                let b = m.trailing_zeros() as usize;
                m &= m - 1;
                Some((i * 64 + b) as u16)
            })
        })
    }
}

impl FromIterator<u16> for OutcomeSet {
    fn from_iter<I: IntoIterator<Item = u16>>(iter: I) -> Self {
        let mut s = OutcomeSet::EMPTY;
        for r in iter {
            s.insert(r);
        }
        s
    }
}

/// Which of the rows that fired win, by the hit policy: what [`HitPolicy::select`]
/// finds from their ranks. The one definition of the hit policy: the outcome path,
/// the result path (reasons and outputs) and the JSON writer all select with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// No row fired (priority, first): the decision's default.
    Nothing,
    /// Priority: every row of the highest rank wins; the outcome is that rank.
    Top(u16),
    /// First: the first row that fired wins; the outcome is its rank.
    First(u16),
    /// Collect: every row wins; the outcome is the set of their ranks.
    All(OutcomeSet),
}

impl HitPolicy {
    /// Applies the hit policy to the ranks of the rows that fired, in row order.
    #[inline]
    pub fn select(self, ranks: impl IntoIterator<Item = u16>) -> Selection {
        let mut ranks = ranks.into_iter();
        match self {
            HitPolicy::Priority => ranks.max().map_or(Selection::Nothing, Selection::Top),
            HitPolicy::First => ranks.next().map_or(Selection::Nothing, Selection::First),
            HitPolicy::Collect => Selection::All(ranks.collect()),
        }
    }
}

impl Selection {
    /// The decision's outcome; `default_rank` when no row fired (priority, first).
    #[inline]
    pub fn outcome(self, default_rank: u16) -> Outcome {
        match self {
            Selection::Nothing => Outcome::One(default_rank),
            Selection::Top(r) | Selection::First(r) => Outcome::One(r),
            Selection::All(s) => Outcome::Set(s),
        }
    }

    /// Whether the row at `position` among those that fired (from 0), of `rank`, wins.
    #[inline]
    pub fn picks(&self, position: usize, rank: u16) -> bool {
        match self {
            Selection::Nothing => false,
            Selection::Top(r) => rank == *r,
            Selection::First(_) => position == 0,
            Selection::All(_) => true,
        }
    }

    /// The ranks of the outcomes the winners give, lowest first (none when nothing
    /// fired: the default is the caller's).
    pub fn ranks(&self) -> OutcomeSet {
        match self {
            Selection::Nothing => OutcomeSet::EMPTY,
            Selection::Top(r) | Selection::First(r) => std::iter::once(*r).collect(),
            Selection::All(s) => *s,
        }
    }
}

/// The hit policy over a mask of at most 64 rows, for the kernel: the rows of each
/// rank as one mask, so selecting is a fixed run of `and`s over the ranks present (no
/// loop over the rows that held, no branch on the data). Its answer is
/// [`HitPolicy::select`]'s on the ranks of the rows that held, in row order (a
/// property test holds them together).
#[derive(Clone, Debug)]
pub struct RankMasks {
    policy: HitPolicy,
    default_rank: u16,
    /// Each rank some row has, lowest first, with the mask of its rows.
    ranks: Box<[(u16, u64)]>,
    /// For `first`: `firsts[i]`, the rank of row `i`; the default from the rows'
    /// count on (64 trailing zeros: no row held), so the pick needs no check.
    firsts: [u16; 65],
    /// For `priority`: `at_least[j]`, the rows of rank `ranks[j]` or higher (0
    /// past the ranks); and `picks`, the default, then each rank, lowest first. The
    /// count of `at_least` masks some held row meets is the position of the highest
    /// rank that fired in `picks`: a fixed run of `and`s and adds, no branch on the
    /// data. Priority decisions of more ranks than this array holds take the loop.
    at_least: [u64; PRIORITY_RANKS],
    picks: [u16; PICKS],
}

/// The ranks [`RankMasks`] selects among without a loop.
const PRIORITY_RANKS: usize = 8;
/// Priority decisions of at most this many ranks count only the first masks.
const FEW_RANKS: usize = 4;

/// How many of `masks` some row of `held` is in (a fixed run: no branch).
#[inline(always)]
fn count_met<const N: usize>(masks: &[u64; N], held: u64) -> usize {
    masks.iter().map(|m| usize::from(held & m != 0)).sum()
}

/// The length of `picks`: above [`PRIORITY_RANKS`], a power of two, so that an index
/// stays in bounds by a mask.
const PICKS: usize = 2 * PRIORITY_RANKS;

impl RankMasks {
    /// The masks of rows ranked `row_ranks` (row `i` is bit `i`; at most 64 rows).
    pub fn new(policy: HitPolicy, row_ranks: &[u16], default_rank: u16) -> RankMasks {
        let mut ranks: Vec<(u16, u64)> = Vec::new();
        for (i, r) in row_ranks.iter().enumerate().take(64) {
            match ranks.iter_mut().find(|(x, _)| x == r) {
                Some((_, m)) => *m |= 1 << i,
                None => ranks.push((*r, 1 << i)),
            }
        }
        ranks.sort_unstable();
        let (mut at_least, mut picks) = ([0u64; PRIORITY_RANKS], [default_rank; PICKS]);
        if ranks.len() <= PRIORITY_RANKS {
            let mut above = 0u64;
            for (j, (r, m)) in ranks.iter().enumerate().rev() {
                above |= m;
                at_least[j] = above;
                picks[j + 1] = *r;
            }
        }
        RankMasks {
            policy,
            default_rank,
            at_least,
            picks,
            ranks: ranks.into(),
            firsts: {
                let mut firsts = [default_rank; 65];
                for (f, r) in firsts.iter_mut().zip(row_ranks.iter().take(64)) {
                    *f = *r;
                }
                firsts
            },
        }
    }

    /// `first`'s pick when the rows of `held` fired: the rank of the first, or the
    /// default (no branch, no check).
    #[inline(always)]
    pub fn first(&self, held: u64) -> u16 {
        // At most 64 trailing zeros: in bounds.
        self.firsts[(held.trailing_zeros() as usize).min(64)]
    }

    /// The outcome when the rows of `held` fired.
    #[inline]
    pub fn outcome(&self, held: u64) -> Outcome {
        match self.policy {
            HitPolicy::Priority if self.ranks.len() <= PRIORITY_RANKS => {
                let above = match self.at_least.split_first_chunk::<FEW_RANKS>() {
                    // The masks past the ranks are 0: the first few are all there are.
                    Some((few, _)) if self.ranks.len() <= FEW_RANKS => count_met(few, held),
                    _ => count_met(&self.at_least, held),
                };
                // At most `PRIORITY_RANKS`: the mask keeps it in bounds without a check.
                Outcome::One(self.picks[above % PICKS])
            }
            HitPolicy::Priority => {
                let mut best = self.default_rank;
                for (r, m) in self.ranks.iter() {
                    best = if held & m != 0 { *r } else { best };
                }
                Outcome::One(best)
            }
            HitPolicy::First => Outcome::One(self.first(held)),
            HitPolicy::Collect => {
                let mut set = OutcomeSet::EMPTY;
                for (r, m) in self.ranks.iter() {
                    if held & m != 0 {
                        set.insert(*r);
                    }
                }
                Outcome::Set(set)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The rank masks answer as the hit policy on the ranks of the rows that held,
        /// for any ranks, any rows held, any default, every policy.
        #[test]
        fn rank_masks_are_the_hit_policy(row_ranks in proptest::collection::vec(prop_oneof![0u16..12, 0u16..MAX_OUTCOMES as u16], 0..=64), held in any::<u64>(), default in prop_oneof![0u16..12, 0u16..MAX_OUTCOMES as u16]) {
            let held = if row_ranks.len() < 64 { held & ((1u64 << row_ranks.len()) - 1) } else { held };
            for policy in [HitPolicy::Priority, HitPolicy::First, HitPolicy::Collect] {
                let masks = RankMasks::new(policy, &row_ranks, default);
                let fired = row_ranks.iter().enumerate().filter(|(i, _)| held & (1 << i) != 0).map(|(_, r)| *r);
                prop_assert_eq!(masks.outcome(held), policy.select(fired).outcome(default));
            }
        }
    }

    proptest! {
        /// The selection agrees with the hit policy as the language defines it, on
        /// any ranks in any order: priority the highest, first the first, collect all.
        #[test]
        fn select_is_the_hit_policy(ranks in proptest::collection::vec(0u16..300, 0..40), default in 0u16..300) {
            let (ranks, default) = (ranks.iter().map(|r| r % MAX_OUTCOMES as u16).collect::<Vec<_>>(), default % MAX_OUTCOMES as u16);
            let p = HitPolicy::Priority.select(ranks.iter().copied());
            prop_assert_eq!(p.outcome(default), Outcome::One(ranks.iter().copied().max().unwrap_or(default)));
            for (i, r) in ranks.iter().enumerate() {
                prop_assert_eq!(p.picks(i, *r), Some(r) == ranks.iter().max());
            }
            let f = HitPolicy::First.select(ranks.iter().copied());
            prop_assert_eq!(f.outcome(default), Outcome::One(ranks.first().copied().unwrap_or(default)));
            prop_assert_eq!(f.ranks().iter().collect::<Vec<_>>(), ranks.first().copied().into_iter().collect::<Vec<_>>());
            let c = HitPolicy::Collect.select(ranks.iter().copied());
            let mut all: Vec<u16> = ranks.clone();
            all.sort_unstable();
            all.dedup();
            prop_assert_eq!(c.ranks().iter().collect::<Vec<_>>(), all);
            prop_assert!(ranks.iter().enumerate().all(|(i, r)| c.picks(i, *r)));
        }
    }
}
