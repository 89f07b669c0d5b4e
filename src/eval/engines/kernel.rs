//! Kernels: the column plan of a small table, flattened for the hot path.
//!
//! A table of at most 64 rows whose tested columns are all plain facts, each described
//! by an interval, boolean or value lookup, gets a kernel. It reads the facts' keys
//! (`eval::keys`: in the slots `keys::layout` gives), not their values: an integer or
//! version column counts the interval starts at or below the key in a fixed array (no
//! loop, no branch on the value), a boolean or enumeration column indexes a mask by
//! the key (inline for at most `keyed::FEW` values), and only string columns look values
//! up. The interval and inline columns are read by a function for their counts
//! (`keyed::keyed_for`), so that both loops are unrolled. Masks sit in one `u64` with
//! untested rows already set (one `and` per column), absent values have a slot of
//! their own, and the hit policy is precomputed ([`RankMasks`]: the rows of each
//! outcome rank as one mask). A table gets a second kernel for its outcome alone
//! ([`Order::Ranked`]): a priority table's rows by rank, so that its hit policy is
//! `first`'s.
//!
//! A kernel is derived from the [`Plan`] and answers exactly as it does; it never
//! decides when a row is unknown (a missing fact) or when the facts hold a value no
//! key holds exactly (`Facts::wide`): then the caller takes the plan, which names the
//! missing fact.

use super::keyed::{by_counts, columns, columns_of, keyed_for, Few, Keyed, Small, FEW, SMALL};
use super::order::Bits;
pub use super::order::Order;
use super::plan::{Lookup, Plan};
use crate::check::ir::Program;
use crate::compile::Row;
use crate::eval::facts::Facts;
use crate::eval::keys::{self, KeyKind, NarrowIndex, Slot, WideIndex, ABSENT, INLINE_WIDE, WIDE};
use crate::eval::schema::KeySig;
use crate::semantics::outcome::{Outcome, RankMasks};
use crate::syntax::ast::HitPolicy;
use crate::value::{Type, Value, Version};

/// Tables with more rows than this have no kernel.
pub const KERNEL_MAX_ROWS: usize = 64;

/// The flattened plan of a small table.
#[derive(Clone, Debug)]
pub struct Kernel {
    /// All rows.
    all: u64,
    /// The rows that are not shadows.
    live: u64,
    /// Integer and version columns of at most [`SMALL`] interval starts.
    small: Box<[Small]>,
    /// Boolean and enumeration columns of at most [`FEW`] values whose keys are bytes:
    /// a mask per key, inline.
    few: Box<[Few]>,
    /// Reads `small` and `few`: a function for their counts, so that both loops are
    /// unrolled ([`keyed_for`]).
    keyed: Keyed,
    /// Whether some column is in `ranges`, `bytes`, `words` or `values` (one test
    /// for the four loops, which most tables leave empty).
    rest: bool,
    /// Integer and version columns of more starts, searched.
    ranges: Box<[Ranges]>,
    /// Boolean and enumeration columns of more values whose keys are bytes: a mask per
    /// key.
    bytes: Box<[Positions]>,
    /// Enumeration columns whose keys are `u64`s (many values): a mask per key.
    words: Box<[Positions]>,
    /// The other columns (strings; integers and versions tested for equality or
    /// presence): values looked up.
    values: Box<[Values]>,
    /// The hit policy on the rows that held.
    select: RankMasks,
    /// For each row, the rows of its rule instance (the alternatives of one `or`).
    siblings: Box<[u64]>,
    /// For the outcome's kernel ([`Order::Ranked`]) when the hit policy is `first`'s
    /// (a ranked priority table's too): the whole outcome in one function for the
    /// column counts, [`decide`].
    decide: Option<Decide>,
}

/// An integer or version column of many starts (as keys): `masks[0]` holds below
/// `starts[0]`, `masks[i]` from `starts[i - 1]` up to `starts[i]`.
#[derive(Clone, Debug)]
struct Ranges {
    slot: WideIndex,
    starts: Box<[u64]>,
    masks: Box<[u64]>,
    absent_ok: u64,
    absent_unknown: u64,
}

/// A boolean or enumeration column: for key `k` (a position), the rows it does not
/// fail and the rows it leaves unknown; the last entry for an absent value.
#[derive(Clone, Debug)]
struct Positions {
    /// The fact's key slot: a byte slot in [`Kernel::bytes`], a `u64` one (below
    /// [`INLINE_WIDE`], checked when built) in [`Kernel::words`].
    slot: u32,
    /// The number of positions (the last index, the absent value's).
    n: u64,
    masks: Box<[(u64, u64)]>,
}

/// Where [`Positions::place`] puts a column.
type Columns<'a> = (
    &'a mut Vec<Few>,
    &'a mut Vec<Positions>,
    &'a mut Vec<Positions>,
);

impl Positions {
    /// `n` positions, those of `listed` with their masks, the others `other`; then
    /// the absent value's masks; placed by the fact's `slot` in `few` (a byte slot, at
    /// most [`FEW`] positions), `bytes` (a byte slot) or `words`. `None` for a listed
    /// key past the positions, more positions than a byte slot holds (never:
    /// `keys::layout`), or a fact with no slot (past the record's: the plan decides
    /// the table).
    fn place(
        slot: Slot,
        n: usize,
        other: u64,
        listed: impl IntoIterator<Item = (u64, u64)>,
        absent: (u64, u64),
        (few, bytes, words): Columns,
    ) -> Option<()> {
        let mut masks = vec![(other, 0); n + 1];
        for (k, m) in listed {
            masks
                .get_mut(usize::try_from(k).ok().filter(|k| *k < n)?)?
                .0 = m;
        }
        *masks.last_mut()? = absent;
        match slot {
            Slot::Narrow(slot) if n <= FEW => {
                // Positions, then an absent value's masks up to the last entry.
                let mut inline = [absent; FEW + 1];
                inline.get_mut(..n)?.copy_from_slice(masks.get(..n)?);
                few.push(Few {
                    slot: NarrowIndex::new(slot)?,
                    masks: inline,
                });
            }
            // A byte slot's positions are below its special bytes
            // (`Keys::narrow_position`).
            Slot::Narrow(slot) if n <= usize::from(keys::NARROW_WIDE) => bytes.push(Positions {
                slot,
                n: n as u64,
                masks: masks.into(),
            }),
            Slot::Wide(slot) if (slot as usize) < INLINE_WIDE => words.push(Positions {
                slot,
                n: n as u64,
                masks: masks.into(),
            }),
            _ => return None,
        }
        Some(())
    }
}

/// A column of another type: its listed values and the mask of the others.
#[derive(Clone, Debug)]
struct Values {
    fact: u32,
    listed: Box<[(Value, u64)]>,
    /// When every listed value is a string: their signatures (length, first and
    /// last eight bytes), so that a string is looked up with three compares a
    /// listed value, and read whole only when it is longer than 16 bytes.
    sigs: Option<Box<[KeySig]>>,
    other: u64,
    absent_ok: u64,
    absent_unknown: u64,
}

/// Builds the kernel of a table: `None` when it has more than [`KERNEL_MAX_ROWS`]
/// rows or a column the kernel cannot read.
pub fn build(
    program: &Program,
    plan: &Plan,
    rows: &[Row],
    policy: HitPolicy,
    default_rank: u16,
    order: Order,
) -> Option<Kernel> {
    if rows.len() > KERNEL_MAX_ROWS {
        return None;
    }
    let (bits, policy) = Bits::new(order, policy, rows)?;
    let low = |m: u128| bits.mask(m);
    // The plan's row at each bit, and the row itself.
    let order_of = &bits.by;
    let by: Vec<&Row> = order_of
        .iter()
        .map(|i| rows.get(*i))
        .collect::<Option<_>>()?;
    let all = low(plan.all);
    let live = all & !low(plan.shadow);
    // For each row (bit), the rows of its rule instance (the alternatives of one `or`).
    let siblings: Vec<u64> = by
        .iter()
        .map(|r| {
            by.iter()
                .enumerate()
                .filter(|(_, o)| o.instance == r.instance)
                .fold(0u64, |m, (i, _)| m | 1 << i)
        })
        .collect();
    // `s` covers `u` on `fact`: whenever `fact` is absent and `u` is not failed by
    // another fact, `s` holds (it is live, passes an absent `fact` in each of its
    // columns, and fares as `u` does in every other column). Both are bits of the
    // kernel; `by` gives their rows in the plan.
    let covers = |fact: u32, s: usize, u: usize| {
        let (Some(ps), Some(pu)) = (order_of.get(s), order_of.get(u)) else {
            return false;
        };
        live >> s & 1 == 1
            && plan.columns.iter().all(|c| match c.fact == Some(fact) {
                true => c.tested >> ps & 1 == 0 || (c.absent.0 & !c.absent.1) >> ps & 1 == 1,
                false => c.treats_alike(*ps, *pu),
            })
    };
    let slots = keys::layout(program.facts.values().map(|f| &f.ty));
    // Whether every `small` column's fact is never absent in a bound record: not
    // optional, or with a default, and outside any group (binding fails otherwise).
    let mut small_present = true;
    let (mut small, mut few, mut ranges, mut bytes, mut words, mut values) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for cp in &plan.columns {
        let fact = cp.fact?;
        let def = program.facts.get_index(fact as usize)?.1;
        let ty = &def.ty;
        let never_absent = def.group.is_none() && (!def.optional || def.default.is_some());
        let kind = KeyKind::of(ty);
        let slot = *slots.get(fact as usize)?;
        let wide_slot = match slot {
            Slot::Wide(i) if (i as usize) < INLINE_WIDE => Some(i),
            _ => None,
        };
        let tested = low(cp.tested);
        let untested = all & !tested;
        let (mut absent_ok, mut absent_unknown) = (
            untested | low(cp.absent.0 | cp.absent.1),
            low(cp.absent.1) & tested,
        );
        if order == Order::Ranked {
            // A row unknown on an absent value whose instance then holds anyway,
            // through a live row only this fact's columns test, each passing an
            // absent value (`not present(f) or f > x`), is never held and never
            // leaves the outcome undecided ([`Kernel::undecided`]): for the outcome
            // it may as well fail, and the hot path has no unknown row to resolve.
            let covered = (0..by.len())
                .filter(|u| absent_unknown >> u & 1 == 1)
                .filter(|u| {
                    let sib = siblings.get(*u).copied().unwrap_or(0);
                    (0..by.len()).any(|s| s != *u && sib >> s & 1 == 1 && covers(fact, s, *u))
                })
                .fold(0u64, |m, u| m | 1 << u);
            absent_ok &= !covered;
            absent_unknown &= !covered;
        }
        let mut interval = |starts: Vec<u64>, masks: &[u128]| -> Option<()> {
            let slot = WideIndex::new(wide_slot?)?;
            if masks.len() != starts.len() + 1 {
                return None;
            }
            // A start above every key ([`WIDE`]) splits no present key, and the absent
            // key has its own slot: it goes, with the interval it starts. Starts that
            // round up to the same key leave empty intervals: they go too.
            let (mut keep, mut kept): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
            kept.push(low(*masks.first()?) | untested);
            for (k, m) in starts.iter().zip(masks.iter().skip(1)) {
                if *k >= WIDE {
                    break;
                }
                let m = low(*m) | untested;
                if keep.last() == Some(k) {
                    *kept.last_mut()? = m;
                } else {
                    keep.push(*k);
                    kept.push(m);
                }
            }
            let (starts, masks) = (keep, kept);
            if starts.len() <= SMALL {
                let mut m = [0u64; 8];
                m[..masks.len()].copy_from_slice(&masks);
                m[SMALL + 1] = absent_ok;
                let mut unknowns = [0u64; 8];
                unknowns[SMALL + 1] = absent_unknown;
                small_present &= never_absent;
                small.push(Small {
                    slot,
                    starts: std::array::from_fn(|i| starts.get(i).copied().unwrap_or(ABSENT)),
                    masks: m,
                    unknowns,
                });
            } else {
                ranges.push(Ranges {
                    slot,
                    starts: starts.into(),
                    masks: masks.into(),
                    absent_ok,
                    absent_unknown,
                });
            }
            Some(())
        };
        match (&cp.lookup, kind) {
            (Lookup::Versions { starts, masks }, KeyKind::Version) => interval(
                starts
                    .iter()
                    .skip(1)
                    .map(|s| keys::version_start(Version(*s)))
                    .collect(),
                masks,
            )?,
            (Lookup::Ints { starts, masks }, KeyKind::Int) => interval(
                starts.iter().skip(1).map(|s| keys::int(*s)).collect(),
                masks,
            )?,
            (Lookup::Bool { if_true, if_false }, KeyKind::Bool) => Positions::place(
                slot,
                2,
                0,
                [
                    (0, low(*if_false) | untested),
                    (1, low(*if_true) | untested),
                ],
                (absent_ok, absent_unknown),
                (&mut few, &mut bytes, &mut words),
            )?,
            (Lookup::Values { listed, other, .. }, KeyKind::Bool | KeyKind::Enum) => {
                let n = match ty {
                    Type::Enum(e) => e.variants.len(),
                    _ => 2,
                };
                Positions::place(
                    slot,
                    n,
                    low(*other) | untested,
                    listed
                        .iter()
                        .map(|(v, m)| (keys::of(ty, v), low(*m) | untested))
                        // Not a value of the type: no fact holds it.
                        .filter(|(k, _)| *k != WIDE),
                    (absent_ok, absent_unknown),
                    (&mut few, &mut bytes, &mut words),
                )?;
            }
            (
                Lookup::Values { listed, other, .. },
                KeyKind::None | KeyKind::Int | KeyKind::Version,
            ) if listed.len() <= 16 => values.push(Values {
                fact,
                sigs: listed
                    .iter()
                    .map(|(v, _)| match v {
                        Value::Str(s) => Some(KeySig::of(s.as_bytes())),
                        _ => None,
                    })
                    .collect(),
                listed: listed
                    .iter()
                    .map(|(v, m)| (v.clone(), low(*m) | untested))
                    .collect(),
                other: low(*other) | untested,
                absent_ok,
                absent_unknown,
            }),
            _ => return None,
        }
    }
    let rest = !(ranges.is_empty() && bytes.is_empty() && words.is_empty() && values.is_empty());
    Some(Kernel {
        decide: (order == Order::Ranked && policy == HitPolicy::First).then_some(
            if small_present {
                by_counts!(
                    decide_present,
                    decide_any as Decide,
                    Decide,
                    small.len(),
                    few.len()
                )
            } else {
                by_counts!(decide, decide_any as Decide, Decide, small.len(), few.len())
            },
        ),
        all,
        live,
        keyed: keyed_for(small.len(), few.len()),
        rest,
        small: small.into(),
        few: few.into(),
        ranges: ranges.into(),
        bytes: bytes.into(),
        words: words.into(),
        values: values.into(),
        select: RankMasks::new(
            policy,
            &by.iter().map(|r| r.rank).collect::<Vec<_>>(),
            default_rank,
        ),
        siblings: siblings.into(),
    })
}

impl Kernel {
    /// The rows that hold and the rows that are unknown (shadow rows too, unless
    /// `skip_shadows`), as the plan computes them; `None` when the facts hold a value
    /// no key holds exactly (the plan then decides).
    #[inline]
    pub fn run(&self, facts: &Facts, skip_shadows: bool) -> Option<(u64, u64)> {
        if facts.wide {
            return None;
        }
        let (mut alive, mut unknown) = (self.keyed)(&self.small, &self.few, &facts.keys);
        alive &= if skip_shadows { self.live } else { self.all };
        if self.rest {
            let (a, u) = self.rest(facts);
            alive &= a;
            unknown |= u;
        }
        Some((alive & !unknown, alive & unknown))
    }

    /// The rows not failed by the `ranges`, `bytes`, `words` and `values` columns,
    /// and the rows they leave unknown.
    #[inline(never)]
    fn rest(&self, facts: &Facts) -> (u64, u64) {
        // Keys by slot (`keys::layout`); a slot no binder set is absent.
        let keys = &facts.keys;
        let (mut alive, mut unknown) = (u64::MAX, 0u64);
        for c in self.ranges.iter() {
            let k = keys.wide_at(c.slot);
            if k == ABSENT {
                alive &= c.absent_ok;
                unknown |= c.absent_unknown;
            } else {
                let i = c.starts.partition_point(|s| *s <= k);
                alive &= c.masks.get(i).copied().unwrap_or(0);
            }
        }
        // Two loops, so that neither branches on the kind of slot.
        let mut at = |c: &Positions, k: u64| {
            let (m, u) = c.masks.get(k as usize).copied().unwrap_or((0, 0));
            alive &= m;
            unknown |= u;
        };
        for c in self.bytes.iter() {
            at(c, keys.narrow_position(c.slot, c.n));
        }
        for c in self.words.iter() {
            at(c, keys.wide_in(c.slot).min(c.n));
        }
        for c in self.values.iter() {
            match (facts.values.get(c.fact as usize), c.sigs.as_deref()) {
                (None | Some(Value::Absent), _) => {
                    alive &= c.absent_ok;
                    unknown |= c.absent_unknown;
                }
                (Some(Value::Str(t)), Some(sigs)) => {
                    // Equal signatures of strings of at most 16 bytes: equal strings.
                    let sig = KeySig::of(t.as_bytes());
                    alive &= sigs
                        .iter()
                        .zip(c.listed.iter())
                        .find(|(x, (l, _))| **x == sig && (t.len() <= 16 || l.as_text() == Some(t)))
                        .map_or(c.other, |(_, (_, m))| *m)
                }
                (Some(v), _) => {
                    alive &= c
                        .listed
                        .iter()
                        .find(|(x, _)| x == v)
                        .map_or(c.other, |(_, m)| *m)
                }
            }
        }
        (alive, unknown)
    }

    /// The outcome, without reasons; `None` when some row is unknown or the facts
    /// hold a value no key holds (the caller then takes the general path, which
    /// reports the missing fact).
    #[inline]
    pub fn outcome(&self, facts: &Facts) -> Option<Outcome> {
        if let Some(decide) = self.decide {
            if facts.wide {
                return None;
            }
            return decide(self, facts).map(Outcome::One);
        }
        let (held, unknown) = self.run(facts, true)?;
        if unknown != 0 && self.undecided(held, unknown) {
            return None;
        }
        // The rows that held (shadow rows skipped), by the hit policy.
        Some(self.select.outcome(held))
    }

    /// Whether some of the `unknown` rows leave the outcome undecided: an unknown
    /// row whose rule instance holds through another of its rows is decided (Kleene
    /// `or`); only the others send the record to the general path.
    #[inline(never)]
    fn undecided(&self, held: u64, unknown: u64) -> bool {
        let (mut m, mut unknown) = (unknown, unknown);
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            if self.siblings.get(i).is_some_and(|s| held & s != 0) {
                unknown &= !(1u64 << i);
            }
        }
        unknown != 0
    }

    /// The rows `small` and `few` do not fail and leave unknown, narrowed by the
    /// other columns when there are some.
    #[inline(always)]
    fn with_rest(&self, (alive, unknown): (u64, u64), facts: &Facts) -> (u64, u64) {
        if self.rest {
            let (a, u) = self.rest(facts);
            (alive & a, unknown | u)
        } else {
            (alive, unknown)
        }
    }

    /// [`decide`]'s end: from the rows the columns do not fail and leave unknown,
    /// `first`'s outcome on the live rows (a ranked priority table's), or `None`
    /// when an unknown row leaves it undecided.
    #[inline(always)]
    fn first(&self, (alive, unknown): (u64, u64)) -> Option<u16> {
        let alive = alive & self.live;
        let (held, unknown) = (alive & !unknown, alive & unknown);
        if unknown != 0 && self.undecided(held, unknown) {
            return None;
        }
        Some(self.select.first(held))
    }
}

/// The outcome of a kernel with `first`'s hit policy, in one function for its counts
/// of `small` and `few` columns (those unrolled, the others behind the `rest` flag, no
/// dispatch on the hit policy); `None` when the plan decides.
type Decide = fn(&Kernel, &Facts) -> Option<u16>;

/// [`Decide`] for `S` small and `F` few columns (the loops for others: never, as
/// the kernel picks it).
fn decide<const S: usize, const F: usize>(k: &Kernel, facts: &Facts) -> Option<u16> {
    decide_of::<S, F, false>(k, facts)
}

/// [`decide`] when no `small` column's fact is ever absent in a bound record
/// (`keyed::columns_of`).
fn decide_present<const S: usize, const F: usize>(k: &Kernel, facts: &Facts) -> Option<u16> {
    decide_of::<S, F, true>(k, facts)
}

#[inline(always)]
fn decide_of<const S: usize, const F: usize, const P: bool>(
    k: &Kernel,
    facts: &Facts,
) -> Option<u16> {
    match (
        <&[Small; S]>::try_from(&*k.small),
        <&[Few; F]>::try_from(&*k.few),
    ) {
        (Ok(small), Ok(few)) => {
            k.first(k.with_rest(columns_of::<P>(small, few, &facts.keys), facts))
        }
        _ => decide_any(k, facts),
    }
}

/// [`Decide`] for any counts.
fn decide_any(k: &Kernel, facts: &Facts) -> Option<u16> {
    k.first(k.with_rest(columns(&k.small, &k.few, &facts.keys), facts))
}
