//! Decision tables: what the compiler produces and the evaluator runs.
//!
//! One table per decision. Columns are the fact expressions the rules test; rows are
//! rule instances (a rule with `for` gives one instance per item, and a condition with
//! `or` gives one row per alternative); cells are tests on one column.

use crate::builtins::Builtin;
use crate::check::ir::{DecisionId, FactId, SettingId, TExpr};
use crate::syntax::ast::{ArithOp, HitPolicy};
use crate::value::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A fact expression: what a column computes from the facts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CExpr {
    /// A constant.
    Const(Value),
    /// A fact's value (absent when missing).
    Fact(FactId),
    /// Whether a fact group is present (a boolean).
    Group(usize),
    /// A builtin over fact expressions.
    Call(Builtin, Vec<CExpr>),
    /// Integer arithmetic.
    Arith(ArithOp, Box<CExpr>, Box<CExpr>),
    /// Anything else (comparisons of two facts, quantifiers over fact lists): a
    /// boolean computed by the reference interpreter, settings already substituted.
    Interp(Arc<TExpr>, Arc<Vec<Value>>),
}

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

/// One row of a decision table.
#[derive(Clone, Debug)]
pub struct Row {
    /// Index of the rule in the program.
    pub rule: usize,
    /// The rule's name (shared with the reasons).
    pub rule_name: Arc<str>,
    /// The name of the setting the rule is about.
    pub about_name: Option<Arc<str>>,
    /// Rows with the same instance come from one rule instance (alternatives of `or`).
    pub instance: u32,
    /// The row's tests, by column, in column order; a column not listed is "any".
    pub tests: Vec<(u32, Test)>,
    /// The same tests compiled for the evaluator (typed bounds, no generic compare).
    pub checks: Vec<(u32, Check)>,
    /// The outcome.
    pub outcome: Value,
    /// The outcome's position among the decision's outcomes (its severity for priority).
    pub rank: u16,
    /// Outputs: index into the decision's outputs, and the value.
    pub outputs: Vec<(usize, CExpr)>,
    /// The message, settings filled in.
    pub message: Arc<str>,
    /// The setting the rule is about.
    pub about: Option<SettingId>,
    /// Gated settings this row takes at their fallback (not enforced).
    pub fallback: Vec<SettingId>,
    /// When set, the row shows what would happen if this setting were enforced:
    /// it never decides, it only tells whether the setting is `not_enforced`.
    pub shadow: Option<SettingId>,
}

impl Row {
    /// The tests on one column (the cell), empty for "any".
    pub fn cell(&self, column: usize) -> impl Iterator<Item = &Test> {
        self.tests
            .iter()
            .filter(move |(c, _)| *c as usize == column)
            .map(|(_, t)| t)
    }

    /// Whether the row takes part in `not_enforced` (fallback or shadow).
    pub fn gated(&self) -> bool {
        self.shadow.is_some() || !self.fallback.is_empty()
    }
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
        use crate::value::Version;
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
                let ver = |v: &Value| match v {
                    // Far below i128::MAX, so that +1 and -1 cannot overflow.
                    Value::Version(Version(x)) if *x < 1 << 126 => i128::try_from(*x).ok(),
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
                if let Some((l, h)) = inclusive(lo, hi, ver, 0, i128::MAX) {
                    return if l > h || l < 0 {
                        Check::VersionRange(1, 0)
                    } else {
                        Check::VersionRange(l as u128, h as u128)
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

/// A hash index on one column: which rows can match a value of it.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// The indexed column.
    pub column: u32,
    /// Rows whose test on the column is an equality or membership, by value.
    pub by_value: HashMap<Value, Vec<u32>>,
    /// Rows without such a test on the column: candidates for every value.
    pub others: Vec<u32>,
}

/// A condition in disjunctive normal form over the table's columns.
#[derive(Clone, Debug, Default)]
pub struct Dnf {
    /// Alternatives; each is a list of (column, test).
    pub alternatives: Vec<Vec<(usize, Test)>>,
}

/// The decision table of one decision.
#[derive(Clone, Debug)]
pub struct Table {
    /// The decision.
    pub decision: DecisionId,
    /// Its name.
    pub name: Arc<str>,
    /// The JSON field of its outcome.
    pub field: Arc<str>,
    /// Hit policy.
    pub policy: HitPolicy,
    /// The columns.
    pub columns: Vec<CExpr>,
    /// The rows, in rule order.
    pub rows: Vec<Row>,
    /// The decision is taken only when this holds (`None`: always).
    pub only_when: Option<Dnf>,
    /// Values reported from facts.
    pub reports: Vec<(String, CExpr)>,
    /// Number of rule instances.
    pub instances: u32,
    /// The first row of each instance.
    pub instance_rows: Vec<u32>,
    /// The rank of the default outcome (priority and first).
    pub default_rank: u16,
    /// The column-wise plan, for tables of at most 128 rows.
    pub plan: Option<super::plan::Plan>,
    /// JSON text the direct writer copies: see [`JsonParts`].
    pub json: JsonParts,
    /// The plan flattened for the hot path, for tables of at most 64 rows that
    /// test plain facts only.
    pub kernel: Option<super::kernel::Kernel>,
    /// Whether some column is computed (not a plain fact): the evaluator then needs a
    /// cache for column values.
    pub computed: bool,
    /// A hash index on the column most rows test for equality, when it pays.
    pub index: Option<Index>,
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

/// Pieces of a decision's JSON result that do not depend on the facts, escaped once at
/// compile time, for [`crate::eval::tables::write_json`].
#[derive(Clone, Debug, Default)]
pub struct JsonParts {
    /// `"name":{`
    pub open: String,
    /// `"field":`
    pub field: String,
    /// Each outcome as a JSON string, by rank.
    pub outcomes: Vec<String>,
    /// The outcome when no rule fires (priority and first): a JSON string or `null`.
    pub default: String,
    /// Each row's reason as a JSON object.
    pub reasons: Vec<String>,
    /// Each report's name as a JSON key: `"name":`.
    pub reports: Vec<String>,
}
