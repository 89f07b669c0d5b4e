//! Where a kernel puts each row: the bit of each row in a kernel's `u64` masks, and
//! the plan's 128-bit row masks lowered to them. The outcome's own kernel sorts a
//! priority table's rows by rank ([`Order::Ranked`]), so that its hit policy is
//! `first`'s.

use crate::compile::Row;
use crate::syntax::ast::HitPolicy;

/// Where a kernel puts each row: its bit in the kernel's masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Row `i` is bit `i`: what the callers of
    /// [`Kernel::run`](super::kernel::Kernel::run) read (rules by row).
    Rows,
    /// For [`Kernel::outcome`](super::kernel::Kernel::outcome): a `priority` table's
    /// rows by rank, the highest first (in row order among equals), so that the first
    /// row that held is one of the highest rank that did, and the hit policy is
    /// `first`'s (one `tzcnt` and a lookup). Other tables keep their rows.
    Ranked,
}

/// The bit of each row, and the 128-bit row masks of the plan lowered to the
/// kernel's 64 bits (the kernel only exists for ≤ 64 rows).
pub(super) struct Bits {
    /// `by[j]`: the row at bit `j`.
    pub(super) by: Vec<usize>,
    /// `to[i]`: the bit of row `i`; empty for the identity.
    to: Vec<u32>,
}

impl Bits {
    /// The bits of `rows` in `order`, and the hit policy on them (`first`'s for a
    /// ranked priority table); `None` for more rows than bits (never: the kernel
    /// exists for at most 64).
    pub(super) fn new(order: Order, policy: HitPolicy, rows: &[Row]) -> Option<(Bits, HitPolicy)> {
        let (by, policy): (Vec<usize>, HitPolicy) = match (order, policy) {
            (Order::Ranked, HitPolicy::Priority) => {
                let mut by: Vec<usize> = (0..rows.len()).collect();
                by.sort_by_key(|i| std::cmp::Reverse(rows.get(*i).map_or(0, |r| r.rank)));
                (by, HitPolicy::First)
            }
            _ => ((0..rows.len()).collect(), policy),
        };
        let mut to = vec![0u32; rows.len()];
        for (j, i) in by.iter().enumerate() {
            *to.get_mut(*i)? = u32::try_from(j).ok()?;
        }
        if by.iter().enumerate().all(|(j, i)| j == *i) {
            to.clear();
        }
        Some((Bits { by, to }, policy))
    }

    /// A plan's row mask as the kernel's bits.
    pub(super) fn mask(&self, m: u128) -> u64 {
        if self.to.is_empty() {
            return m as u64;
        }
        self.to
            .iter()
            .enumerate()
            .filter(|(i, _)| m >> i & 1 == 1)
            .fold(0u64, |acc, (_, b)| acc | 1u64 << b)
    }
}
