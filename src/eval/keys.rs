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
