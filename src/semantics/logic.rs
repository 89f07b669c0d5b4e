//! Three-valued logic shared by both evaluators.
//!
//! A condition is true, false, or unknown — unknown when it reads a fact the input
//! lacks. `and` is false as soon as one side is false, `or` true as soon as one side
//! is true (Kleene logic), so the order of conditions never matters. A rule whose
//! condition is unknown makes the decision fail: security policy fails closed.

use super::ops::CmpOp;
use crate::value::{compare, EnumType, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// How two values are compared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CmpKind {
    /// By value, ignoring ASCII case of strings when set.
    Plain {
        /// Case-insensitive.
        nocase: bool,
    },
    /// Ordered enum: by position.
    Ordered(Arc<EnumType>),
}

/// True, false or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Reads an absent value.
    Unknown,
}

impl Tri {
    /// From a boolean.
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// Kleene negation.
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// Kleene conjunction.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

/// Whether two values are equal under a comparison kind.
pub fn equal(a: &Value, b: &Value, kind: &CmpKind) -> bool {
    let nocase = matches!(kind, CmpKind::Plain { nocase: true });
    compare(a, b, None, nocase) == Some(Ordering::Equal)
}

/// Applies a comparison operator. Absent operands give [`Tri::Unknown`].
pub fn cmp(op: CmpOp, a: &Value, b: &Value, kind: &CmpKind) -> Tri {
    if matches!(a, Value::Absent) || matches!(b, Value::Absent) {
        return Tri::Unknown;
    }
    let order = match kind {
        CmpKind::Ordered(e) => Some(&**e),
        CmpKind::Plain { .. } => None,
    };
    let nocase = matches!(kind, CmpKind::Plain { nocase: true });
    match op {
        CmpOp::In | CmpOp::NotIn => {
            let found = match b {
                Value::List(items) => items.iter().any(|i| equal(a, i, kind)),
                _ => return Tri::Unknown,
            };
            Tri::from_bool(found == (op == CmpOp::In))
        }
        _ => match compare(a, b, order, nocase) {
            None => Tri::Unknown,
            Some(o) => Tri::from_bool(match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Ne => o != Ordering::Equal,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }),
        },
    }
}
