//! Facts: JSON (or any `serde::Serialize`) bound to the declared fact schema.
//!
//! Binding checks every declared fact once, up front: a missing required fact, or a
//! value of the wrong type, is an error naming its JSON path. After binding, facts
//! sit in slots indexed by [`FactId`]; the evaluators never look a name up.

use crate::check::ir::{FactId, Program};
use crate::value::{decode, describe_json, DecodeError, Value};
use thiserror::Error;

/// Facts bound to a program's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// One value per declared fact ([`Value::Absent`] when absent).
    pub values: Vec<Value>,
    /// Whether each declared group is present.
    pub groups: Vec<bool>,
}

impl Facts {
    /// The value of a fact.
    #[inline]
    pub fn get(&self, f: FactId) -> &Value {
        self.values.get(f).unwrap_or(&Value::Absent)
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
    serde_json::from_str(text).map_err(|e| FactsError::Syntax {
        message: e.to_string(),
    })
}

/// Binds a JSON object to the program's facts.
pub fn bind(program: &Program, json: &serde_json::Value) -> Result<Facts, FactsError> {
    if !json.is_object() {
        return Err(FactsError::NotAnObject {
            path: "$".into(),
            found: describe_json(json),
        });
    }
    let mut groups = Vec::with_capacity(program.groups.len());
    for g in program.groups.keys() {
        let (v, _) = lookup(json, g)?;
        groups.push(matches!(v, Some(v) if !v.is_null()));
    }
    let mut values = Vec::with_capacity(program.facts.len());
    for (name, def) in &program.facts {
        let (found, path) = match def.group {
            Some(g) if !groups.get(g).copied().unwrap_or(false) => (None, String::new()),
            _ => lookup(json, name)?,
        };
        let v = match found {
            Some(j) if !j.is_null() => {
                decode(j, &def.ty, &path).map_err(|error| FactsError::Invalid {
                    fact: name.clone(),
                    error,
                })?
            }
            _ => match &def.default {
                Some(d) => d.clone(),
                None if def.optional || def.group.is_some() => Value::Absent,
                None => {
                    return Err(FactsError::Missing {
                        fact: name.clone(),
                        path: json_path(name),
                    })
                }
            },
        };
        values.push(v);
    }
    Ok(Facts { values, groups })
}

/// `device.os_version` → `$.device.os_version`.
pub fn json_path(name: &str) -> String {
    format!("$.{name}")
}

/// Follows a dotted name through nested objects. Errors when an intermediate value
/// is not an object.
fn lookup<'a>(
    json: &'a serde_json::Value,
    name: &str,
) -> Result<(Option<&'a serde_json::Value>, String), FactsError> {
    let mut cur = json;
    let mut path = String::from("$");
    for seg in name.split('.') {
        let serde_json::Value::Object(map) = cur else {
            if cur.is_null() {
                return Ok((None, path));
            }
            return Err(FactsError::NotAnObject {
                path,
                found: describe_json(cur),
            });
        };
        path.push('.');
        path.push_str(seg);
        match map.get(seg) {
            Some(v) => cur = v,
            None => return Ok((None, path)),
        }
    }
    Ok((Some(cur), path))
}
