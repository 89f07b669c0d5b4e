//! What a decision's fast path answers: one outcome's index, or the set of outcomes
//! collected. Below compile and both evaluators, so the kernel, the column plans and
//! the checker's bound on outcomes agree on one width.

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
