//! Reasoning about policies: which facts two policies decide differently.
//!
//! A consumer of compiled tables, beside the evaluators. [`diff`] cuts the fact space
//! into classes (`space`), then splits boxes of classes only where a row of either
//! policy is undecided, until every row of both is decided on the box: all facts in
//! it then get the same decisions, so one witness (a complete facts document inside
//! the box, evaluated by the real evaluator on both sides) tells whether the box
//! differs. Differing boxes of the same change are merged where adjacent and
//! described as constraints. [`fleet`] counts the changes on real records.

pub mod fleet;
mod space;

use crate::semantics::logic::Tri;
use crate::value::{Type, Value};
use crate::Policy;
use serde_json::{json, Value as J};
use space::{Kind, Space, SymRow};
use std::collections::HashMap;

mod boxes;
mod describe;
use boxes::*;
use describe::*;

/// Why two policies cannot be compared.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiffError {
    /// A condition the analysis does not reason about.
    #[error("`apprules diff` cannot reason about {0} yet")]
    Unsupported(String),
    /// The policies' facts do not agree.
    #[error("the policies cannot be compared: {0}")]
    Mismatch(String),
    /// The space splits into more regions than the limit.
    #[error("more than {0} regions to examine for decision `{1}`: the policies are too far apart to list (compare them on a fleet with `--facts`)")]
    TooMany(usize, String),
}

/// What to compare.
#[derive(Clone, Debug)]
pub struct Options {
    /// Compare reasons and `not_enforced` too (not only outcomes and outputs).
    pub reasons: bool,
    /// The most boxes examined per decision.
    pub max_boxes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            reasons: false,
            max_boxes: 2_000_000,
        }
    }
}

/// One region of facts where a decision changes.
#[derive(Clone, Debug)]
pub struct Region {
    /// The region as readable constraints (`device.os_version < 16.0`).
    pub constraints: Vec<String>,
    /// The decision under the old policy (its JSON, or `{"error": ...}`), as compared.
    pub old: J,
    /// The same under the new policy.
    pub new: J,
    /// A complete facts document inside the region.
    pub witness: J,
    /// Rules that fired on the witness under the old policy.
    pub old_rules: Vec<String>,
    /// The same under the new policy.
    pub new_rules: Vec<String>,
    /// The classes of each dimension in the region.
    cells: Vec<Vec<bool>>,
}

/// The changes of one decision.
#[derive(Clone, Debug)]
pub struct DecisionDiff {
    /// The decision.
    pub decision: String,
    /// Regions where it changes.
    pub regions: Vec<Region>,
    /// Boxes examined (leaves of the search).
    pub boxes: usize,
}

/// The difference of two policies.
#[derive(Debug)]
pub struct Diff {
    /// Per decision in both policies.
    pub decisions: Vec<DecisionDiff>,
    /// Decisions only the old policy takes.
    pub only_old: Vec<String>,
    /// Decisions only the new policy takes.
    pub only_new: Vec<String>,
    space: Space,
    options: Options,
}

/// A box: for each dimension, which of its classes are in.
type Boxed = Vec<Vec<bool>>;

/// Compares two policies everywhere.
pub fn diff(old: &Policy, new: &Policy, options: &Options) -> Result<Diff, DiffError> {
    let sides = [old.compiled(), new.compiled()];
    let space = Space::new(sides)?;
    let names = |p: &Policy| -> Vec<String> {
        p.compiled()
            .tables
            .iter()
            .map(|t| t.name.to_string())
            .collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    let mut decisions = Vec::new();
    for d in old_names.iter().filter(|d| new_names.contains(d)) {
        let one = |p: &Policy| {
            p.only_decisions(std::slice::from_ref(d))
                .map(|p| p.allowing_unknown_facts(true))
                .map_err(DiffError::Mismatch)
        };
        let (po, pn) = (one(old)?, one(new)?);
        decisions.push(decision_diff(&space, d, [&po, &pn], options)?);
    }
    Ok(Diff {
        decisions,
        only_old: old_names
            .iter()
            .filter(|d| !new_names.contains(d))
            .cloned()
            .collect(),
        only_new: new_names
            .iter()
            .filter(|d| !old_names.contains(d))
            .cloned()
            .collect(),
        space,
        options: options.clone(),
    })
}

/// What is compared of one decision's result: outcome and outputs (and reasons and
/// `not_enforced` with `--reasons`); an error is `{"error": ...}` (two errors are the
/// same: both refuse).
fn compared(p: &Policy, decision: &str, w: &J, reasons: bool) -> (J, Vec<String>) {
    match p.evaluate_str(&w.to_string()) {
        Ok(d) => match d.get(decision) {
            Some(r) => {
                let mut j = r.to_json();
                let rules: Vec<String> = j
                    .get("reasons")
                    .and_then(J::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.get("rule").and_then(J::as_str).map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                if !reasons {
                    if let J::Object(m) = &mut j {
                        m.remove("reasons");
                        m.remove("not_enforced");
                    }
                }
                (j, rules)
            }
            None => (json!({"not_taken": true}), Vec::new()),
        },
        Err(_) => (json!({"error": true}), Vec::new()),
    }
}

/// The decision's regions of change.
fn decision_diff(
    space: &Space,
    decision: &str,
    sides: [&Policy; 2],
    options: &Options,
) -> Result<DecisionDiff, DiffError> {
    let empty = Vec::new();
    let side_rows = [
        space.rows[0].get(decision).unwrap_or(&empty),
        space.rows[1].get(decision).unwrap_or(&empty),
    ];
    let full: Boxed = space
        .dims
        .iter()
        .map(|d| vec![true; d.classes.len()])
        .collect();
    let mut stack = vec![full];
    let mut leaves: Vec<(Boxed, J, J)> = Vec::new();
    let mut boxes = 0usize;
    while let Some(mut b) = stack.pop() {
        if !normalize(space, &mut b) {
            continue;
        }
        // A side that surely fails on the box needs no more splitting: both failing
        // is no change; one failing, the other side's rows decide.
        let fails = [
            surely_fails(side_rows[0], &b),
            surely_fails(side_rows[1], &b),
        ];
        if fails[0] && fails[1] {
            boxes += 1;
            continue;
        }
        let rows: Vec<&SymRow> = (0..2)
            .filter(|s| !fails[*s])
            .flat_map(|s| side_rows[s].iter())
            .collect();
        let split = choose_split(&rows, &b);
        let split = split.or_else(|| {
            // A fact required on one side only: split on its absence.
            space.dims.iter().enumerate().find_map(|(i, dim)| {
                let a = dim.absent()?;
                let mixed = dim.forced && b[i][a] && b[i].iter().filter(|x| **x).count() > 1;
                mixed.then(|| {
                    (
                        i,
                        (0..dim.classes.len())
                            .map(|k| usize::from(k == a))
                            .collect(),
                    )
                })
            })
        });
        match split {
            Some((d, labels)) => {
                if std::env::var_os("APPRULES_DIFF_DEBUG").is_some() {
                    eprintln!("split {} {:?}", space.dims[d].name, labels);
                }
                let most = labels.iter().copied().max().unwrap_or(0);
                for want in 0..=most {
                    let mut part = b.clone();
                    let mut any = false;
                    for (k, on) in part[d].iter_mut().enumerate() {
                        *on = *on && labels[k] == want;
                        any |= *on;
                    }
                    if any {
                        stack.push(part);
                    }
                }
            }
            None => {
                boxes += 1;
                if boxes > options.max_boxes {
                    return Err(DiffError::TooMany(options.max_boxes, decision.to_string()));
                }
                let Some((_, w)) = witness(space, &b) else {
                    continue;
                };
                let (o, _) = compared(sides[0], decision, &w, options.reasons);
                let (n, _) = compared(sides[1], decision, &w, options.reasons);
                if o != n {
                    leaves.push((b, o, n));
                }
            }
        }
    }
    let merged = merge(space, leaves);
    let mut regions = Vec::new();
    for (b, _, _) in merged {
        let Some((_, w)) = witness(space, &b) else {
            continue;
        };
        let (wo, old_rules) = compared(sides[0], decision, &w, options.reasons);
        let (wn, new_rules) = compared(sides[1], decision, &w, options.reasons);
        // Every witness differs as its region says (the boxes were decided).
        if wo == wn {
            continue;
        }
        regions.push(Region {
            constraints: describe(space, &b),
            old: wo,
            new: wn,
            witness: w,
            old_rules,
            new_rules,
            cells: b,
        });
    }
    Ok(DecisionDiff {
        decision: decision.to_string(),
        regions,
        boxes,
    })
}

impl Diff {
    /// Whether the two policies decide the same everywhere.
    pub fn is_empty(&self) -> bool {
        self.only_old.is_empty()
            && self.only_new.is_empty()
            && self.decisions.iter().all(|d| d.regions.is_empty())
    }

    /// The region of each decision a facts document lies in (`None`: no change
    /// there); an error when a value of it falls in no class (a defect of the
    /// analysis, which the property tests look for).
    pub fn regions_of(
        &self,
        old: &Policy,
        new: &Policy,
        facts: &J,
    ) -> Result<Vec<Option<usize>>, String> {
        let sides = [old.compiled(), new.compiled()];
        let mut classes = Vec::with_capacity(self.space.dims.len());
        for (i, dim) in self.space.dims.iter().enumerate() {
            let v = value_at(&self.space, i, facts)?;
            let c = self
                .space
                .class_of(sides, i, &v)
                .ok_or_else(|| format!("`{}` = {v:?} is in no class", dim.name))?;
            classes.push(c);
        }
        Ok(self
            .decisions
            .iter()
            .map(|d| {
                d.regions
                    .iter()
                    .position(|r| classes.iter().enumerate().all(|(i, c)| r.cells[i][*c]))
            })
            .collect())
    }

    /// Whether results differ on a facts document, as the diff compares them.
    pub fn differs_on(&self, old: &Policy, new: &Policy, decision: &str, facts: &J) -> bool {
        let one = |p: &Policy| {
            p.only_decisions(&[decision.to_string()])
                .map(|p| p.allowing_unknown_facts(true))
        };
        match (one(old), one(new)) {
            (Ok(a), Ok(b)) => {
                compared(&a, decision, facts, self.options.reasons).0
                    != compared(&b, decision, facts, self.options.reasons).0
            }
            _ => true,
        }
    }
}

/// The value of a dimension in a facts document, as binding reads it.
fn value_at(space: &Space, i: usize, facts: &J) -> Result<Value, String> {
    let dim = &space.dims[i];
    let mut cur = facts;
    for seg in dim.name.split('.') {
        match cur.get(seg) {
            Some(v) if !v.is_null() => cur = v,
            _ => return Ok(Value::Absent),
        }
    }
    // Under an absent group, or a leaf with a value: absent.
    if let Some(g) = dim.group {
        if value_at(space, g, facts)? == Value::Absent {
            return Ok(Value::Absent);
        }
    }
    match dim.kind {
        Kind::Group => Ok(if cur.is_object() {
            Value::Bool(true)
        } else {
            Value::Absent
        }),
        Kind::Fact => {
            let below = space.dims.iter().any(|d| d.leaf == Some(i));
            if below && cur.is_object() {
                return Ok(Value::Absent);
            }
            crate::value::decode(cur, &dim.ty, &dim.name).map_err(|e| e.to_string())
        }
    }
}
