//! Facts: JSON (or any `serde::Serialize`) bound to the declared fact schema.
//!
//! Binding checks every declared fact once, up front: a missing required fact, or a
//! value of the wrong type, is an error naming its JSON path. After binding, facts
//! sit in slots indexed by [`FactId`]; the evaluators never look a name up.

use super::keys;
use super::schema::{Absence, Schema};
use crate::check::ir::{FactId, Program};
use crate::value::{DecodeError, Value};
use thiserror::Error;

/// Facts bound to a program's schema: built by binding only (`Policy::bind`), and
/// read-only after, so that the keys the kernels read always agree with the values.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// One value per declared fact ([`Value::Absent`] when absent).
    pub(crate) values: Vec<Value>,
    /// Whether each declared group is present.
    pub(crate) groups: Vec<bool>,
    /// Each value's key (`eval::keys`), for the kernels, in the slot `keys::layout`
    /// gives its fact: fixed arrays inside the struct, so that a kernel reads a
    /// record's keys where it reads the record, and a fleet of bound records is one
    /// run of memory (no pointer to follow per record).
    pub(crate) keys: keys::Keys,
    /// Whether some key is [`keys::WIDE`]: the kernels then leave the record to the
    /// column plan.
    pub(crate) wide: bool,
}

/// No facts at all, and the kernels left out (`wide`): what binding fills in, and,
/// evaluated as it is, a missing fact on every decision (the kernels read some
/// facts as never absent, which only binding guarantees).
impl Default for Facts {
    fn default() -> Facts {
        Facts {
            values: Vec::new(),
            groups: Vec::new(),
            keys: keys::Keys::default(),
            wide: true,
        }
    }
}

impl Facts {
    /// After a failed bind: every fact absent, every group absent, every key
    /// absent, and the kernels left out (`wide`), so that evaluating what is left
    /// fails closed (a missing fact), never decides on half a record.
    pub(crate) fn poison(&mut self) {
        self.values.iter_mut().for_each(|v| *v = Value::Absent);
        self.groups.iter_mut().for_each(|g| *g = false);
        self.keys.clear();
        self.wide = true;
    }

    /// The value of a fact.
    #[inline]
    pub fn get(&self, f: FactId) -> &Value {
        self.values.get(f).unwrap_or(&Value::Absent)
    }

    /// One value per declared fact, by [`FactId`] ([`Value::Absent`] when absent).
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Whether each declared group is present, by group index.
    pub fn groups(&self) -> &[bool] {
        &self.groups
    }
}

/// What is wrong with the facts.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum FactsError {
    /// The input is not valid JSON.
    #[error("facts are not valid JSON: {message}")]
    Syntax {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// One object holds a key twice: never resolved by guessing which one counts.
    #[error("duplicate key `{key}` at {path}")]
    DuplicateKey {
        /// The key.
        key: String,
        /// The JSON path of the object that holds it twice.
        path: String,
    },
    /// A key the schema does not declare (a misspelled fact, most often).
    #[error("unknown key `{key}` at {path}{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    UnknownKey {
        /// The key.
        key: String,
        /// The JSON path of the object that holds it.
        path: String,
        /// The closest declared key.
        hint: Option<String>,
    },
    /// Something that must be an object is not.
    #[error("{path}: expected an object, found {found}")]
    NotAnObject {
        /// JSON path.
        path: String,
        /// What was there.
        found: String,
    },
    /// A required fact is missing.
    #[error("missing fact `{fact}` (at {path})")]
    Missing {
        /// The fact.
        fact: String,
        /// Its JSON path.
        path: String,
    },
    /// A fact has the wrong type or value.
    #[error("fact `{fact}`: {error}")]
    Invalid {
        /// The fact.
        fact: String,
        /// Path, expected, found.
        error: DecodeError,
    },
}

/// Parses facts from JSON text.
pub fn parse_json(text: &str) -> Result<serde_json::Value, FactsError> {
    crate::json::parse(text).map_err(FactsError::from)
}

impl From<crate::json::JsonError> for FactsError {
    fn from(e: crate::json::JsonError) -> FactsError {
        match e {
            crate::json::JsonError::Syntax(message) => FactsError::Syntax { message },
            crate::json::JsonError::DuplicateKey { key, path } => {
                FactsError::DuplicateKey { key, path }
            }
        }
    }
}

/// `device.os_version` → `$.device.os_version`.
pub fn json_path(name: &str) -> String {
    format!("$.{name}")
}

/// The JSON path of a schema node (`$` for the root).
pub(super) fn json_path_of(node_path: &str) -> String {
    if node_path.is_empty() {
        "$".to_string()
    } else {
        json_path(node_path)
    }
}

/// Defaults for absent facts, facts of absent groups cleared, missing facts reported;
/// then the keys.
pub(super) fn finish(
    program: &Program,
    schema: &Schema,
    values: Vec<Value>,
    groups: Vec<bool>,
) -> Result<Facts, FactsError> {
    let mut facts = Facts {
        values,
        groups,
        keys: keys::Keys::default(),
        wide: false,
    };
    finish_in(program, schema, &mut facts, None)?;
    Ok(facts)
}

/// [`finish`] in place. With `seen` (the scanner's bits, `scan::scan_into`), only the
/// slots whose bit is clear are visited: they count as absent whatever they hold (a
/// value of an earlier record), while a slot whose bit is set holds this record's
/// value, of a group that is present, and its key. Without, every slot is visited and
/// every key is computed here.
#[inline]
pub(super) fn finish_in(
    program: &Program,
    schema: &Schema,
    facts: &mut Facts,
    seen: Option<&[u64]>,
) -> Result<(), FactsError> {
    let Facts {
        values,
        groups,
        keys,
        wide,
    } = facts;
    let missing = match seen {
        Some(seen) => finish_unseen(values, keys, &schema.finish, seen, groups),
        None => {
            let missing = values
                .iter_mut()
                .zip(&schema.finish)
                .position(|(slot, def)| !finish_slot(slot, keys, def, true, groups));
            for (v, ((ty, _), def)) in values.iter().zip(schema.types.iter().zip(&schema.finish)) {
                keys.set(def.slot, keys::of(ty, v));
            }
            missing
        }
    };
    // Slots past the schema's (never: the binders size them by it) have no key.
    *wide = keys.any_wide() || values.len() != schema.finish.len();
    match missing {
        None => Ok(()),
        Some(i) => {
            // Only the error reads the fact's name.
            let name = program.facts.get_index(i).map(|(n, _)| n.as_str());
            let name = name.unwrap_or_default();
            Err(FactsError::Missing {
                fact: name.to_string(),
                path: json_path(name),
            })
        }
    }
}

/// The slots whose bit is clear in `seen`, made absent or their default: the first
/// required one missing, if any (or the first slot the buffers lack: never, the
/// scanner sizes them by the schema).
#[inline]
fn finish_unseen(
    values: &mut [Value],
    keys: &mut keys::Keys,
    defs: &[Absence],
    seen: &[u64],
    groups: &[bool],
) -> Option<usize> {
    for (w, base) in (0..defs.len()).step_by(64).enumerate() {
        let valid = match defs.len() - base {
            n @ 0..=63 => (1u64 << n) - 1,
            _ => u64::MAX,
        };
        let mut unseen = !seen.get(w).copied().unwrap_or(0) & valid;
        while unseen != 0 {
            let i = base + unseen.trailing_zeros() as usize;
            unseen &= unseen - 1;
            let (Some(slot), Some(def)) = (values.get_mut(i), defs.get(i)) else {
                return Some(i);
            };
            if !finish_slot(slot, keys, def, false, groups) {
                return Some(i);
            }
        }
    }
    None
}

/// One slot of [`finish_in`]: its value stays when the record set it and its group
/// is there; else it becomes absent or its default, and its key with it. `false`: a
/// required fact is missing.
#[inline(always)]
fn finish_slot(
    slot: &mut Value,
    keys: &mut keys::Keys,
    def: &Absence,
    set: bool,
    groups: &[bool],
) -> bool {
    let group_absent = match def.group {
        None => false,
        Some(g) => !groups.get(g).copied().unwrap_or(false),
    };
    if set && !group_absent && !matches!(slot, Value::Absent) {
        return true;
    }
    // Its key is absent already: the scanner clears the keys of each record, and
    // without it every key is computed after.
    if !set || group_absent {
        if !matches!(slot, Value::Absent) {
            *slot = Value::Absent;
        }
        if group_absent {
            return true;
        }
    }
    match &def.default {
        Some(d) => {
            *slot = d.clone();
            keys.set(def.slot, def.default_key);
        }
        None => return !def.required,
    }
    true
}
