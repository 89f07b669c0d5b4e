//! Tests on one value, as decision tables hold them, and their one meaning: [`test`]
//! for a [`Test`], [`check`] for its compiled [`Check`]. The compiler folds and merges
//! cells with these; the evaluators and the analysis apply them.

use super::logic::Tri;
use crate::value::{compare, Value, Version};
use std::cmp::Ordering;
use std::fmt;

/// A test on one column's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    /// Equal to the value.
    Eq(Value),
    /// Equal to one of the values.
    In(Vec<Value>),
    /// Equal to none of the values.
    NotIn(Vec<Value>),
    /// Within bounds (integers, versions).
    Range {
        /// Lower bound and whether it is included.
        lo: Option<(Value, bool)>,
        /// Upper bound and whether it is included.
        hi: Option<(Value, bool)>,
    },
    /// The list contains the value.
    Contains(Value),
    /// The list does not contain the value.
    NotContains(Value),
    /// The value is present.
    Present,
    /// The value is absent.
    Absent,
}

/// A test compiled for speed: integer and version ranges as inclusive bounds, and
/// booleans, compared without the generic [`crate::value::compare`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// An integer within `lo..=hi` (empty when `lo > hi`).
    IntRange(i64, i64),
    /// A version within `lo..=hi`, as packed integers.
    VersionRange(u128, u128),
    /// A boolean equal to this.
    Bool(bool),
    /// Any other test.
    Other(Test),
}

impl Check {
    /// Compiles a test.
    pub fn new(t: &Test) -> Check {
        match t {
            Test::Eq(Value::Bool(b)) => Check::Bool(*b),
            Test::NotIn(vs) if vs.len() == 1 && matches!(vs[0], Value::Bool(_)) => match vs[0] {
                Value::Bool(b) => Check::Bool(!b),
                _ => Check::Other(t.clone()),
            },
            Test::Range { lo, hi } => {
                let int = |v: &Value| match v {
                    Value::Int(i) => Some(*i as i128),
                    _ => None,
                };

                if let Some((l, h)) = inclusive(lo, hi, int, i64::MIN as i128, i64::MAX as i128) {
                    let (l, h) = (
                        l.clamp(i64::MIN as i128, i64::MAX as i128),
                        h.clamp(i64::MIN as i128, i64::MAX as i128),
                    );
                    return if l > h {
                        Check::IntRange(1, 0)
                    } else {
                        Check::IntRange(l as i64, h as i64)
                    };
                }
                if let Some(r) = inclusive_versions(lo, hi) {
                    let (l, h) = r.unwrap_or((1, 0));
                    return if l > h {
                        Check::VersionRange(1, 0)
                    } else {
                        Check::VersionRange(l, h)
                    };
                }
                Check::Other(t.clone())
            }
            t => Check::Other(t.clone()),
        }
    }
}

/// Inclusive bounds of a range whose bounds `num` reads as integers: `x > 5` is
/// `6..=max`. `None` when a bound is of another kind.
fn inclusive(
    lo: &Option<(Value, bool)>,
    hi: &Option<(Value, bool)>,
    num: impl Fn(&Value) -> Option<i128>,
    min: i128,
    max: i128,
) -> Option<(i128, i128)> {
    let l = match lo {
        None => min,
        Some((v, inc)) => num(v)? + i128::from(!*inc),
    };
    let h = match hi {
        None => max,
        Some((v, inc)) => num(v)? - i128::from(!*inc),
    };
    Some((l, h))
}

/// Inclusive bounds of a version range, over every version (`0..=u128::MAX`): `None`
/// when a bound is not a version, `Some(None)` when the range is empty (`> ` the
/// largest version, `<` the smallest).
fn inclusive_versions(
    lo: &Option<(Value, bool)>,
    hi: &Option<(Value, bool)>,
) -> Option<Option<(u128, u128)>> {
    let ver = |b: &(Value, bool)| match b.0 {
        Value::Version(Version(x)) => Some(x),
        _ => None,
    };
    let l = match lo {
        None => Some(0),
        Some(b) if b.1 => Some(ver(b)?),
        Some(b) => ver(b)?.checked_add(1),
    };
    let h = match hi {
        None => Some(u128::MAX),
        Some(b) if b.1 => Some(ver(b)?),
        Some(b) => ver(b)?.checked_sub(1),
    };
    Some(l.zip(h))
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |vs: &[Value]| {
            vs.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Test::Eq(v) => write!(f, "= {v}"),
            Test::In(vs) => write!(f, "in [{}]", list(vs)),
            Test::NotIn(vs) if vs.len() == 1 => write!(f, "!= {}", vs[0]),
            Test::NotIn(vs) => write!(f, "not in [{}]", list(vs)),
            Test::Range { lo, hi } => {
                let lo_s = lo
                    .as_ref()
                    .map(|(v, inc)| format!("{}{v}", if *inc { ">= " } else { "> " }));
                let hi_s = hi
                    .as_ref()
                    .map(|(v, inc)| format!("{}{v}", if *inc { "<= " } else { "< " }));
                match (lo_s, hi_s) {
                    (Some(a), Some(b)) => write!(f, "{a} and {b}"),
                    (Some(a), None) | (None, Some(a)) => f.write_str(&a),
                    (None, None) => f.write_str("-"),
                }
            }
            Test::Contains(v) => write!(f, "has {v}"),
            Test::NotContains(v) => write!(f, "lacks {v}"),
            Test::Present => f.write_str("present"),
            Test::Absent => f.write_str("absent"),
        }
    }
}

/// Whether a value passes a test.
#[inline]
pub fn test(t: &Test, v: &Value) -> Tri {
    match t {
        Test::Present => return Tri::from_bool(!matches!(v, Value::Absent)),
        Test::Absent => return Tri::from_bool(matches!(v, Value::Absent)),
        _ if matches!(v, Value::Absent) => return Tri::Unknown,
        _ => {}
    }
    Tri::from_bool(match t {
        Test::Eq(x) => v == x,
        Test::In(xs) => contains(xs, v),
        Test::NotIn(xs) => !contains(xs, v),
        Test::Range { lo, hi } => {
            let lo_ok = lo
                .as_ref()
                .is_none_or(|(l, inc)| match compare(v, l, None, false) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => *inc,
                    _ => false,
                });
            lo_ok
                && hi
                    .as_ref()
                    .is_none_or(|(h, inc)| match compare(v, h, None, false) {
                        Some(Ordering::Less) => true,
                        Some(Ordering::Equal) => *inc,
                        _ => false,
                    })
        }
        Test::Contains(x) => matches!(v, Value::List(items) if items.contains(x)),
        Test::NotContains(x) => !matches!(v, Value::List(items) if items.contains(x)),
        Test::Present | Test::Absent => true,
    })
}

/// Membership in a sorted list: a scan when short, a binary search when long.
#[inline]
fn contains(xs: &[Value], v: &Value) -> bool {
    if xs.len() <= 8 {
        xs.iter().any(|x| x == v)
    } else {
        xs.binary_search(v).is_ok()
    }
}

/// Whether a value passes a compiled check.
#[inline]
pub fn check(c: &Check, v: &Value) -> Tri {
    match (c, v) {
        (Check::IntRange(lo, hi), Value::Int(x)) => Tri::from_bool(lo <= x && x <= hi),
        (Check::VersionRange(lo, hi), Value::Version(Version(x))) => {
            Tri::from_bool(lo <= x && x <= hi)
        }
        (Check::Bool(b), Value::Bool(x)) => Tri::from_bool(b == x),
        (Check::Other(t), v) => test(t, v),
        // Absent, or (never after checking) a value of another type: unknown fails closed.
        _ => Tri::Unknown,
    }
}
