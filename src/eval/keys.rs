//! Fact keys: each bound fact's value as one `u64` that keeps its order, what the
//! binder writes beside the values and the kernels read (`engines::kernel`): both
//! stages encode through this file, so they cannot disagree.
//!
//! - a boolean is 0 or 1; an enumeration value its position in the type;
//! - an integer is offset so that unsigned order is signed order;
//! - a version whose four components are each below 2^16 packs them 16 bits each
//!   (component-wise order is then integer order);
//! - an absent value is [`ABSENT`], above every other key;
//! - a value no key can hold exactly (a version component of 2^16 or more, an integer
//!   within 2 of `i64::MAX`, an enumeration value not of the type) is [`WIDE`]: a
//!   kernel never decides on facts that hold one (`Facts::wide`), the column plan
//!   does, on the values.
//!
//! Present strings, lists and records have no key (0): the kernel reads their values.
//!
//! A record's keys sit in two runs ([`Keys`], laid out by [`layout`]): integers,
//! versions and enumerations of many values in `u64`s; booleans and enumerations of
//! fewer than [`NARROW_WIDE`] values in bytes (two bytes stand for [`WIDE`] and
//! [`ABSENT`]). The bytes keep a fleet of bound records small: the kernels read a
//! record where the processor streams it, and a bound record is half the size it was
//! with a `u64` for every fact.

use crate::value::{Type, Value, Version};

/// The key of an absent value.
pub const ABSENT: u64 = u64::MAX;
/// The key of a value no key holds exactly.
pub const WIDE: u64 = u64::MAX - 1;

/// How a fact's values become keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// No key: strings, lists, records.
    None,
    /// `false` 0, `true` 1.
    Bool,
    /// Offset integers.
    Int,
    /// Packed versions.
    Version,
    /// Positions in the enumeration.
    Enum,
}

impl KeyKind {
    /// The kind of a fact of type `ty` (optional or not).
    pub fn of(ty: &Type) -> KeyKind {
        match ty {
            Type::Optional(inner) => KeyKind::of(inner),
            Type::Bool => KeyKind::Bool,
            Type::Int { .. } => KeyKind::Int,
            Type::Version => KeyKind::Version,
            Type::Enum(_) => KeyKind::Enum,
            _ => KeyKind::None,
        }
    }
}

/// The byte of a narrow slot that stands for [`ABSENT`].
pub const NARROW_ABSENT: u8 = u8::MAX;
/// The byte of a narrow slot that stands for [`WIDE`].
pub const NARROW_WIDE: u8 = u8::MAX - 1;

/// Where a fact's key sits in a record's [`Keys`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// No key (strings, lists, records): reads give [`ABSENT`], writes are dropped.
    None,
    /// The `i`th `u64`.
    Wide(u32),
    /// The `i`th byte.
    Narrow(u32),
}

/// The slot of each fact of these types, in order: the binders write keys there and
/// the kernels read them there, both from this one layout. Facts past the slots a
/// record holds ([`INLINE_WIDE`], [`INLINE_NARROW`]) have none: tables that test
/// them take the column plan, which reads values.
pub fn layout<'t>(types: impl IntoIterator<Item = &'t Type>) -> Vec<Slot> {
    let (mut wide, mut narrow) = (0usize, 0usize);
    // The caps are small (`INLINE_*`): a slot index fits in a `u32`.
    let next = |n: &mut usize, cap: usize, slot: fn(u32) -> Slot| {
        let i = *n;
        *n += 1;
        if i < cap {
            slot(i as u32)
        } else {
            Slot::None
        }
    };
    types
        .into_iter()
        .map(|ty| {
            let mut inner = ty;
            while let Type::Optional(t) = inner {
                inner = t;
            }
            match (KeyKind::of(ty), inner) {
                (KeyKind::None, _) => Slot::None,
                (KeyKind::Bool, _) => next(&mut narrow, INLINE_NARROW, Slot::Narrow),
                (KeyKind::Enum, Type::Enum(e)) if e.variants.len() < usize::from(NARROW_WIDE) => {
                    next(&mut narrow, INLINE_NARROW, Slot::Narrow)
                }
                _ => next(&mut wide, INLINE_WIDE, Slot::Wide),
            }
        })
        .collect()
}

/// `u64` key slots in a record (the bundled policy uses 10).
pub const INLINE_WIDE: usize = 16;
// `Keys::wide_in` masks by it.
const _: () = assert!(INLINE_WIDE.is_power_of_two());
/// Byte key slots in a record (the bundled policy uses 22).
pub const INLINE_NARROW: usize = 48;

/// An index below an array's length, as an enumeration: reading the array at it
/// needs no bounds check and no mask (the compiler knows the enumeration's range).
/// The kernels hold their slots so, checked once when built.
macro_rules! slot_index {
    ($(#[$m:meta])* $name:ident, $len:expr, $($v:ident)*) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum $name {
            $(#[allow(missing_docs)] $v),*
        }

        impl $name {
            const ALL: &[$name] = &[$($name::$v),*];

            /// Slot `i`, if it is below the array's length.
            pub fn new(i: u32) -> Option<$name> {
                Self::ALL.get(i as usize).copied()
            }
        }

        const _: () = assert!($name::ALL.len() == $len);
    };
}

slot_index!(
    /// A `u64` key slot, below [`INLINE_WIDE`].
    WideIndex, INLINE_WIDE, W0 W1 W2 W3 W4 W5 W6 W7 W8 W9 W10 W11 W12 W13 W14 W15
);
slot_index!(
    /// A byte key slot, below [`INLINE_NARROW`].
    NarrowIndex, INLINE_NARROW, N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11 N12 N13 N14 N15 N16 N17 N18 N19 N20 N21 N22 N23 N24 N25 N26 N27 N28 N29 N30 N31 N32 N33 N34 N35 N36 N37 N38 N39 N40 N41 N42 N43 N44 N45 N46 N47
);

/// A record's keys, by [`Slot`]: fixed arrays inside the record, so that a kernel
/// reads a record's keys where it reads the record, a fleet of bound records is one
/// run of memory, and reading or writing a slot is one bounds check on a constant.
/// Slots no fact of the layout has hold [`ABSENT`] and are never read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    wide: [u64; INLINE_WIDE],
    narrow: [u8; INLINE_NARROW],
}

impl Default for Keys {
    fn default() -> Keys {
        Keys {
            wide: [ABSENT; INLINE_WIDE],
            narrow: [NARROW_ABSENT; INLINE_NARROW],
        }
    }
}

impl Keys {
    /// Every slot [`ABSENT`] (a few wide stores: cheaper than clearing, one by
    /// one, the slots a record leaves unset).
    #[inline]
    pub fn clear(&mut self) {
        *self = Keys::default();
    }

    /// The `u64` key in slot `i` ([`ABSENT`] past the slots).
    #[inline(always)]
    pub fn wide(&self, i: u32) -> u64 {
        self.wide.get(i as usize).copied().unwrap_or(ABSENT)
    }

    /// The `u64` key in slot `i`, for `i` below [`INLINE_WIDE`] (what `layout`
    /// gives; a larger `i` wraps): no bounds check, for the kernels, which check
    /// their slots once when built.
    #[inline(always)]
    pub fn wide_in(&self, i: u32) -> u64 {
        // `INLINE_WIDE` is a power of two: the remainder is a mask.
        self.wide[i as usize % INLINE_WIDE]
    }

    /// The `u64` key in slot `i`: no bounds check.
    #[inline(always)]
    pub fn wide_at(&self, i: WideIndex) -> u64 {
        self.wide[i as usize]
    }

    /// The byte in slot `i` (a position, [`NARROW_ABSENT`] or [`NARROW_WIDE`]): no
    /// bounds check.
    #[inline(always)]
    pub fn narrow_at(&self, i: NarrowIndex) -> u8 {
        self.narrow[i as usize]
    }

    /// The key in `slot` ([`ABSENT`] for no slot or one past the slots).
    #[inline(always)]
    pub fn get(&self, slot: Slot) -> u64 {
        match slot {
            Slot::None => ABSENT,
            Slot::Wide(i) => self.wide(i),
            Slot::Narrow(i) => match self.narrow.get(i as usize).copied() {
                None | Some(NARROW_ABSENT) => ABSENT,
                Some(NARROW_WIDE) => WIDE,
                Some(b) => u64::from(b),
            },
        }
    }

    /// For a boolean or enumeration of `n` values, `n` at most [`NARROW_WIDE`]: the
    /// position in byte slot `i`, or `n` for an absent value or one no key holds
    /// (which the kernels read as absent, and never decide on: `Facts::wide`), or
    /// past the slots. No branch on the key: both special bytes are above every
    /// position.
    #[inline(always)]
    pub fn narrow_position(&self, i: u32, n: u64) -> u64 {
        self.narrow
            .get(i as usize)
            .map_or(n, |b| u64::from(*b).min(n))
    }

    /// Writes `key` in `slot` (nothing for no slot or one past the slots). A byte
    /// slot holds its layout's keys exactly (positions below [`NARROW_WIDE`]); any
    /// other key there becomes [`WIDE`].
    #[inline(always)]
    pub fn set(&mut self, slot: Slot, key: u64) {
        match slot {
            Slot::None => {}
            Slot::Wide(i) => {
                if let Some(k) = self.wide.get_mut(i as usize) {
                    *k = key;
                }
            }
            Slot::Narrow(i) => {
                if let Some(k) = self.narrow.get_mut(i as usize) {
                    // No branch: keys past the positions become `NARROW_WIDE`, and
                    // `ABSENT` one more.
                    *k = key.min(u64::from(NARROW_WIDE)) as u8 | u8::from(key == ABSENT);
                }
            }
        }
    }

    /// Whether some key is [`WIDE`] (no early exit: a run of compares).
    #[inline]
    pub fn any_wide(&self) -> bool {
        any_wide(&self.wide)
            | self
                .narrow
                .iter()
                .fold(false, |w, k| w | (*k == NARROW_WIDE))
    }
}

/// The key of an integer.
#[inline]
pub fn int(i: i64) -> u64 {
    let k = (i as u64) ^ (1 << 63);
    if k >= WIDE {
        WIDE
    } else {
        k
    }
}

/// The key of a version.
#[inline]
pub fn version(v: Version) -> u64 {
    // Each 32-bit component must fit in 16 bits: the bits above them are zero.
    const HIGH: u128 = 0xFFFF_0000_FFFF_0000_FFFF_0000_FFFF_0000;
    if v.0 & HIGH != 0 {
        return WIDE;
    }
    let c = |i: u32| ((v.0 >> (96 - 32 * i)) as u64 & 0xFFFF) << (48 - 16 * i);
    let k = c(0) | c(1) | c(2) | c(3);
    if k >= WIDE {
        WIDE
    } else {
        k
    }
}

/// The key of an interval start, for a kernel: the key of the smallest version a key
/// holds at or above `v` ([`WIDE`] when there is none), so that `v <= x` exactly when
/// `version_start(v) <= version(x)`, for every `x` a key holds.
pub fn version_start(v: Version) -> u64 {
    let mut c = v.components();
    let Some(j) = c.iter().position(|x| *x > 0xFFFF) else {
        return version(v);
    };
    // Round up: the component before the first one too large, plus one (carried),
    // and zeros after.
    let mut i = j;
    loop {
        let Some(prev) = i.checked_sub(1) else {
            return WIDE;
        };
        i = prev;
        for x in c.iter_mut().skip(i + 1) {
            *x = 0;
        }
        c[i] += 1;
        if c[i] <= 0xFFFF {
            break;
        }
    }
    let [a, b, x, y] = c.map(u128::from);
    version(Version(a << 96 | b << 64 | x << 32 | y))
}

/// The key of a value of a fact of type `ty` (optional or not).
pub fn of(ty: &Type, v: &Value) -> u64 {
    match (ty, v) {
        (Type::Optional(inner), v) => of(inner, v),
        (_, Value::Absent) => ABSENT,
        (Type::Bool, Value::Bool(b)) => u64::from(*b),
        (Type::Int { .. }, Value::Int(i)) => int(*i),
        (Type::Version, Value::Version(x)) => version(*x),
        (Type::Enum(e), Value::Enum(s)) => e.index(s).map_or(WIDE, |p| p as u64),
        _ if KeyKind::of(ty) == KeyKind::None => 0,
        _ => WIDE,
    }
}

/// Whether some key is [`WIDE`] (no early exit: a run of compares).
#[inline]
pub fn any_wide(keys: &[u64]) -> bool {
    keys.iter().fold(false, |w, k| w | (*k == WIDE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn small_version() -> impl Strategy<Value = Version> {
        let part = prop_oneof![
            0u32..4,
            0u32..=0xFFFF,
            Just(0xFFFF),
            Just(0x1_0000),
            any::<u32>()
        ];
        (part.clone(), part.clone(), part.clone(), part).prop_map(|(a, b, c, d)| {
            Version(u128::from(a) << 96 | u128::from(b) << 64 | u128::from(c) << 32 | u128::from(d))
        })
    }

    proptest! {
        /// Keys keep the order of the values they hold exactly, and are `WIDE`
        /// exactly when they cannot.
        #[test]
        fn version_keys_keep_order(a in small_version(), b in small_version()) {
            let (ka, kb) = (version(a), version(b));
            let fits = |v: Version| v.components().iter().all(|c| *c < 0x1_0000) && v.components() != [0xFFFF; 4] && v.components() != [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE];
            prop_assert_eq!(ka == WIDE, !fits(a));
            if ka != WIDE && kb != WIDE {
                prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            }
        }

        /// A start's key splits the keys as the start splits the versions.
        #[test]
        fn version_starts_split_keys_as_versions(s in small_version(), x in small_version()) {
            let (ks, kx) = (version_start(s), version(x));
            if kx != WIDE {
                prop_assert_eq!(ks <= kx, s <= x, "{:?} {:?}", s, x);
            }
        }

        #[test]
        fn int_keys_keep_order(a in prop_oneof![any::<i64>(), Just(i64::MAX), Just(i64::MAX - 1), Just(i64::MAX - 2), Just(i64::MIN)], b in any::<i64>()) {
            let (ka, kb) = (int(a), int(b));
            prop_assert_eq!(ka == WIDE, a >= i64::MAX - 1);
            prop_assert!(ka < ABSENT);
            if ka != WIDE && kb != WIDE {
                prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            }
        }
    }

    fn enum_of(n: usize) -> Type {
        Type::Enum(std::sync::Arc::new(crate::value::EnumType::new(
            None,
            (0..n).map(|i| format!("v{i}")).collect(),
            true,
        )))
    }

    /// Booleans and enums of up to 253 values take bytes, in order; integers,
    /// versions and larger enums `u64`s; strings and lists no slot.
    #[test]
    fn layouts_give_bytes_to_small_kinds() {
        let opt = |t: Type| Type::Optional(Box::new(t));
        let types = [
            Type::Bool,
            Type::Int { min: None },
            enum_of(253),
            enum_of(254),
            Type::Str { nocase: false },
            opt(enum_of(3)),
            Type::Version,
            opt(Type::Bool),
            Type::List(Box::new(enum_of(3))),
        ];
        use Slot::{Narrow, Wide};
        assert_eq!(
            layout(&types),
            [
                Narrow(0),
                Wide(0),
                Narrow(1),
                Wide(1),
                Slot::None,
                Narrow(2),
                Wide(2),
                Narrow(3),
                Slot::None
            ]
        );
    }

    /// What a slot is given is what it gives back: every key in a `u64` slot, and in
    /// a byte slot every position below `NARROW_WIDE` and the two special keys (any
    /// other key there reads as `WIDE`, which sends the record to the plan); past the
    /// slots and in no slot, nothing is kept and reads are absent.
    #[test]
    fn slots_give_back_their_keys() {
        let mut keys = Keys::default();
        for k in [0, 1, 252, 253, 254, 1 << 40, WIDE, ABSENT] {
            keys.set(Slot::Wide(1), k);
            assert_eq!(keys.get(Slot::Wide(1)), k);
            keys.set(Slot::Narrow(1), k);
            let want = if (254..WIDE).contains(&k) { WIDE } else { k };
            assert_eq!(keys.get(Slot::Narrow(1)), want, "{k}");
            assert_eq!(keys.any_wide(), want == WIDE || k == WIDE, "{k}");
            keys.set(Slot::Wide(1), ABSENT);
            keys.set(Slot::Narrow(1), ABSENT);
        }
        let (w, n) = (INLINE_WIDE as u32, INLINE_NARROW as u32);
        keys.set(Slot::Wide(w), 5);
        keys.set(Slot::Narrow(n), 5);
        keys.set(Slot::None, 5);
        assert_eq!(keys.get(Slot::Wide(w)), ABSENT);
        assert_eq!(keys.get(Slot::Narrow(n)), ABSENT);
        assert_eq!(keys.narrow_position(n, 3), 3);
        assert_eq!(keys.get(Slot::None), ABSENT);
        assert_eq!(keys.get(Slot::Narrow(0)), ABSENT);
        assert_eq!(keys, Keys::default());
    }

    /// A bound record stays small: a fleet of them is what the kernels stream
    /// (456 bytes with a `u64` key for each of 48 facts; 232 now).
    #[test]
    fn records_stay_small() {
        assert!(std::mem::size_of::<crate::Facts>() <= 232);
    }

    #[test]
    fn enum_keys_are_positions() {
        let level = Type::Enum(std::sync::Arc::new(crate::value::EnumType::new(
            None,
            vec!["low".into(), "mid".into(), "high".into()],
            true,
        )));
        assert_eq!(of(&level, &Value::enum_("high")), 2);
        assert_eq!(of(&level, &Value::enum_("mid")), 1);
        assert_eq!(of(&level, &Value::enum_("other")), WIDE);
        assert_eq!(of(&level, &Value::Absent), ABSENT);
        assert_eq!(
            of(&Type::Optional(Box::new(level)), &Value::enum_("low")),
            0
        );
        assert_eq!(of(&Type::Bool, &Value::Int(1)), WIDE);
        assert_eq!(of(&Type::Str { nocase: false }, &Value::str("x")), 0);
        assert_eq!(of(&Type::Str { nocase: false }, &Value::Absent), ABSENT);
        assert_eq!(of(&Type::Bool, &Value::Bool(true)), 1);
        assert_eq!(of(&Type::Int { min: None }, &Value::Int(-1)), (1 << 63) - 1);
        assert!(any_wide(&[0, WIDE, ABSENT]));
        assert!(!any_wide(&[0, ABSENT]));
    }
}
