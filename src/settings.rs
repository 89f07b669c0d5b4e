//! Setting values: defaults, `set` overrides in rule files, and JSON overrides.
//!
//! `--settings FILE.json` is an object from dotted setting name to value. Anything
//! wrong — an unknown name, a wrong type, a value outside the setting's values, a
//! malformed version — is a [`SettingsError`] that names the setting.

use crate::check::ir::Program;
use crate::check::suggest::suggest;
use crate::codes::CompileError;
use crate::value::{decode, DecodeError, Value};
use thiserror::Error;

/// A problem with setting overrides.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SettingsError {
    /// The overrides are not a JSON object.
    #[error("settings must be a JSON object from setting name to value, found {found}")]
    NotAnObject {
        /// What was found.
        found: String,
    },
    /// No such setting.
    #[error("unknown setting `{name}`{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Unknown {
        /// The name given.
        name: String,
        /// A suggestion.
        hint: Option<String>,
    },
    /// A value of the wrong shape.
    #[error("setting `{name}`: {error}")]
    Invalid {
        /// The setting.
        name: String,
        /// Path, expected and found.
        error: DecodeError,
    },
}

/// The effective value of every setting: defaults, then the files' `set`, then `json`.
pub fn resolve(
    program: &Program,
    json: Option<&serde_json::Value>,
) -> Result<Vec<Value>, SettingsError> {
    let mut values: Vec<Value> = program
        .settings
        .values()
        .map(|s| s.default.clone())
        .collect();
    for (id, v, _) in &program.overrides {
        if let Some(slot) = values.get_mut(*id) {
            *slot = v.clone();
        }
    }
    let Some(json) = json else { return Ok(values) };
    let serde_json::Value::Object(map) = json else {
        return Err(SettingsError::NotAnObject {
            found: crate::value::describe_json(json),
        });
    };
    for (name, j) in map {
        let Some((id, _, def)) = program.settings.get_full(name) else {
            return Err(SettingsError::Unknown {
                name: name.clone(),
                hint: suggest(name, program.settings.keys()),
            });
        };
        let v = decode(j, &def.ty, &format!("$[\"{name}\"]")).map_err(|error| {
            SettingsError::Invalid {
                name: name.clone(),
                error,
            }
        })?;
        values[id] = v;
    }
    Ok(values)
}

/// The precedence is documented (JSON settings — `--settings`, `--graph` — over the
/// files' `set` lines, over the defaults) and never silent: a warning (W0302) at each
/// `set` line that a JSON setting replaces.
pub fn overridden(
    program: &Program,
    json: Option<&serde_json::Value>,
) -> Vec<crate::diag::Diagnostic> {
    let Some(serde_json::Value::Object(map)) = json else {
        return Vec::new();
    };
    program
        .overrides
        .iter()
        .filter_map(|(id, _, span)| {
            let (name, _) = program.settings.get_index(*id)?;
            map.contains_key(name).then(|| {
                crate::diag::Diagnostic::warning(
                    CompileError::SetReplaced,
                    *span,
                    format!("`set {name}` is overridden by the JSON settings (`--settings` or `--graph`)"),
                )
                .with_help("JSON settings take precedence over `set` lines; drop one of the two")
            })
        })
        .collect()
}

/// A setting as `apprules settings` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SettingInfo {
    /// Dotted name.
    pub name: String,
    /// Its type: the values it takes.
    pub values: String,
    /// Default value (the declared one, before overrides).
    pub default: serde_json::Value,
    /// Current value (after overrides).
    pub value: serde_json::Value,
    /// One-line doc.
    pub doc: String,
    /// When an old Intune SDK does not enforce it: `requires ...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
}

/// Describes every setting of a program.
pub fn describe(program: &Program, values: &[Value]) -> Vec<SettingInfo> {
    program
        .settings
        .values()
        .enumerate()
        .map(|(i, s)| SettingInfo {
            name: s.name.clone(),
            values: s.ty.to_string(),
            default: s.default.to_json(),
            value: values.get(i).unwrap_or(&s.default).to_json(),
            doc: s.doc.clone(),
            requires: s.gate.as_ref().map(|g| {
                let when = g
                    .only_for
                    .as_ref()
                    .map(|v| format!(" for {v}"))
                    .unwrap_or_default();
                format!(
                    "{}{when} (else {})",
                    g.condition.display(program),
                    g.fallback
                )
            }),
        })
        .collect()
}
