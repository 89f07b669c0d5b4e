//! Rule instances from row masks, for the JSON writer: which rules fired, as the
//! mask of their first rows, in a few mask operations instead of a walk over the
//! instances.
//!
//! A rule instance has one row per alternative of its condition; the reasons list
//! each instance once, by its first row. For a table of at most 128 rows whose
//! instances' first rows come in instance order (what the compiler assembles), the
//! first rows of the instances with a row in a mask are the mask's own first rows
//! plus the first row of each other row in it, and row order is instance order.

use crate::compile::Table;

/// Row masks to first-row masks, for one table.
#[derive(Clone, Debug)]
pub struct Firsts {
    /// The rows that are the first of their instance.
    own: u128,
    /// Rows `r` such that rows `r`, `r - 1`, … `r - 2^k + 1` are all not the first
    /// of their instance (row `r - 2^k` is then of `r`'s instance), for each `k`
    /// up to the longest instance's.
    runs: Vec<u128>,
    /// First rows of the instances whose first row is a shadow row (an unknown one
    /// never decides).
    shadow: u128,
    /// First rows that set outputs (the full path decides those).
    outputs: u128,
}

/// What [`Firsts`] reads of a row.
#[derive(Clone, Copy, Debug)]
pub struct RowKind {
    /// Its rule instance.
    pub instance: usize,
    /// A shadow row (it never decides).
    pub shadow: bool,
    /// It sets outputs.
    pub outputs: bool,
}

/// What the rows that held and were unknown make of a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// The first rows of the instances that fired, shadow rows included.
    Rows(u128),
    /// An instance that fired sets outputs, before any unknown instance.
    Full,
    /// An instance with an unknown row and none that held, before any instance with
    /// outputs: this row of it (the error names its missing fact).
    Unknown(usize),
}

impl Firsts {
    /// `None` when the table has more than 128 rows, or instances whose first rows
    /// are not in instance order.
    pub fn new(table: &Table) -> Option<Firsts> {
        let rows = table.rows.iter().map(|r| RowKind {
            instance: r.instance as usize,
            shadow: r.shadow.is_some(),
            outputs: !r.outputs.is_empty(),
        });
        Firsts::of_rows(&table.instance_rows, rows)
    }

    /// [`Firsts::new`] on each instance's first row and what each row is.
    pub fn of_rows(
        instance_rows: &[u32],
        rows: impl ExactSizeIterator<Item = RowKind>,
    ) -> Option<Firsts> {
        if rows.len() > 128 || !instance_rows.is_sorted_by(|a, b| a < b) {
            return None;
        }
        let count = rows.len();
        // An instance's rows must be one run, from its first row.
        let mut own = 0u128;
        let mut previous: Option<usize> = None;
        let (mut shadow, mut outputs) = (0u128, 0u128);
        let (mut longest, mut length) = (0usize, 0usize);
        for (i, row) in rows.enumerate() {
            let first = *instance_rows.get(row.instance)? as usize;
            if first == i {
                own |= 1 << i;
                shadow |= u128::from(row.shadow) << i;
                outputs |= u128::from(row.outputs) << i;
                length = 1;
            } else if previous != Some(row.instance) {
                return None;
            } else {
                length += 1;
            }
            longest = longest.max(length);
            previous = Some(row.instance);
        }
        let all = if count >= 128 {
            u128::MAX
        } else {
            (1u128 << count) - 1
        };
        let mut runs = Vec::new();
        let mut run = !own & all;
        let mut span = 1;
        while span < longest {
            runs.push(run);
            run &= run << span;
            span *= 2;
        }
        let f = Firsts {
            own,
            runs,
            shadow,
            outputs,
        };
        Some(f)
    }

    /// The first rows of the instances with a row in `rows`: each row's bit carried
    /// down its instance's run, doubling the distance at each step (a segmented
    /// scan; no branch on the rows).
    #[inline]
    pub fn of(&self, rows: u128) -> u128 {
        let mut x = rows;
        let mut span = 1;
        for run in &self.runs {
            x |= (x & run) >> span;
            span *= 2;
        }
        x & self.own
    }

    /// The rules that fired, from the rows that held and the rows that were unknown
    /// (shadow rows included): what walking the instances in order finds first.
    #[inline]
    pub fn fired(&self, held: u128, unknown: u128) -> Found {
        let held = self.of(held);
        let undecided = self.of(unknown) & !held & !self.shadow;
        let full = held & self.outputs;
        match (undecided, full) {
            (0, 0) => Found::Rows(held),
            (u, f) if f == 0 || (u != 0 && u.trailing_zeros() < f.trailing_zeros()) => {
                Found::Unknown(u.trailing_zeros() as usize)
            }
            _ => Found::Full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Walking the instances in order, as the writer's general path does: the first
    /// instance that fired with outputs, or that is unknown (not a shadow), decides;
    /// else the first rows of the instances that fired.
    fn walk(instance_rows: &[u32], rows: &[RowKind], held: u128, unknown: u128) -> Found {
        let mut fired = 0u128;
        for (inst, &first) in instance_rows.iter().enumerate() {
            let mine =
                |m: u128| (0..rows.len()).any(|r| rows[r].instance == inst && m >> r & 1 == 1);
            let first_row = rows[first as usize];
            if mine(held) {
                if first_row.outputs {
                    return Found::Full;
                }
                fired |= 1 << first;
            } else if mine(unknown) && !first_row.shadow {
                return Found::Unknown(first as usize);
            }
        }
        Found::Rows(fired)
    }

    /// Tables as the compiler assembles them: instances of one to four rows (up to
    /// 70 now and then) in order, 1 to 128 rows in all; the kind of each row; masks of held and unknown
    /// rows (the kernel's are disjoint, the plan's too).
    fn table() -> impl Strategy<Value = (Vec<u32>, Vec<RowKind>, u128, u128)> {
        proptest::collection::vec(
            (
                prop_oneof![4 => 1usize..=4, 1 => 1usize..=70],
                any::<bool>(),
                any::<bool>(),
            ),
            1..=64,
        )
        .prop_flat_map(|instances| {
            let mut instance_rows = Vec::new();
            let mut rows = Vec::new();
            for (inst, (n, shadow, outputs)) in instances.into_iter().enumerate() {
                if rows.len() + n > 128 {
                    break;
                }
                instance_rows.push(rows.len() as u32);
                for _ in 0..n {
                    rows.push(RowKind {
                        instance: inst,
                        shadow,
                        outputs,
                    });
                }
            }
            let n = rows.len();
            let all = if n == 128 {
                u128::MAX
            } else {
                (1u128 << n) - 1
            };
            let sparse = move |x: u128, y: u128| x & y & all;
            (
                Just(instance_rows),
                Just(rows),
                (any::<u128>(), any::<u128>()).prop_map(move |(a, b)| sparse(a, b)),
                (any::<u128>(), any::<u128>()).prop_map(move |(a, b)| sparse(a, b)),
            )
        })
        .prop_map(|(ir, rows, held, unknown)| (ir, rows, held, unknown & !held))
    }

    proptest! {
        #[test]
        fn masks_find_what_walking_the_instances_finds((ir, rows, held, unknown) in table()) {
            let f = Firsts::of_rows(&ir, rows.iter().copied()).unwrap();
            prop_assert_eq!(f.fired(held, unknown), walk(&ir, &rows, held, unknown));
        }
    }

    #[test]
    fn tables_it_cannot_read_have_none() {
        let row = |instance| RowKind {
            instance,
            shadow: false,
            outputs: false,
        };
        // 129 rows.
        let ir: Vec<u32> = (0..129).collect();
        assert!(Firsts::of_rows(&ir, (0..129).map(row)).is_none());
        // First rows out of instance order.
        assert!(Firsts::of_rows(&[1, 0], [row(1), row(0)].into_iter()).is_none());
        // A row before its instance's first row.
        assert!(Firsts::of_rows(&[0, 2], [row(0), row(1), row(1)].into_iter()).is_none());
        assert!(Firsts::of_rows(&[0, 1], [row(0), row(1), row(1)].into_iter()).is_some());
        // An instance in two runs.
        assert!(Firsts::of_rows(&[0, 1], [row(0), row(1), row(0)].into_iter()).is_none());
    }
}
