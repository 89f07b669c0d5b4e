//! Binding facts: from a JSON tree ([`bind`]) or straight from JSON text ([`bind_str`]:
//! the one-pass scanner for well-formed records, serde for everything else, naming
//! every error), checked against the declared schema up front.

use super::facts::{finish, finish_in, json_path, json_path_of, parse_json, Facts, FactsError};
use super::schema::Schema;
use crate::check::ir::Program;
use crate::value::{decode, describe_json, Value};

/// Binds a JSON object to the program's facts; a key no fact declares is an error.
pub fn bind(program: &Program, json: &serde_json::Value) -> Result<Facts, FactsError> {
    bind_with(program, json, false)
}

/// [`bind`], reading past unknown keys when `allow_unknown` (for inventories that
/// carry more than the policy reads).
pub fn bind_with(
    program: &Program,
    json: &serde_json::Value,
    allow_unknown: bool,
) -> Result<Facts, FactsError> {
    if !json.is_object() {
        return Err(FactsError::NotAnObject {
            path: "$".into(),
            found: describe_json(json),
        });
    }
    if !allow_unknown {
        unknown_keys(program, json)?;
    }
    let mut groups = Vec::with_capacity(program.groups.len());
    for g in program.groups.keys() {
        let (v, _) = lookup(program, json, g)?;
        groups.push(matches!(v, Some(v) if !v.is_null()));
    }
    let mut values = Vec::with_capacity(program.facts.len());
    for (name, def) in &program.facts {
        if def
            .group
            .is_some_and(|g| !groups.get(g).copied().unwrap_or(false))
        {
            // The whole group is absent: so are its facts, defaults included.
            values.push(Value::Absent);
            continue;
        }
        let (found, path) = lookup(program, json, name)?;
        // A fact that is also an object of facts (`request.source`): an object there
        // is for the facts below it.
        let found = found.filter(|j| !(j.is_object() && program.has_facts_below(name)));
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

/// The first key of `json` that no declared fact or group has on its path.
fn unknown_keys(program: &Program, json: &serde_json::Value) -> Result<(), FactsError> {
    match program.unknown_fact_key(json) {
        None => Ok(()),
        Some((key, at, hint)) => Err(FactsError::UnknownKey {
            key,
            path: json_path_of(&at),
            hint,
        }),
    }
}

/// Follows a dotted name through nested objects. Errors when an intermediate value
/// is not an object.
fn lookup<'a>(
    program: &Program,
    json: &'a serde_json::Value,
    name: &str,
) -> Result<(Option<&'a serde_json::Value>, String), FactsError> {
    let mut cur = json;
    let mut path = String::from("$");
    for seg in name.split('.') {
        let serde_json::Value::Object(map) = cur else {
            // `null`, or the value of a fact declared at this path (`request.source`
            // as a string): nothing below it.
            if cur.is_null() || program.facts.contains_key(&path[2..]) {
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

/// Binds facts straight from JSON text. Same result as [`parse_json`] then [`bind`].
pub fn bind_str(program: &Program, schema: &Schema, text: &str) -> Result<Facts, FactsError> {
    if schema.types.len() != program.facts.len() {
        return bind_with(program, &parse_json(text)?, schema.allow_unknown);
    }
    // The common case: well-formed facts, read in one pass. Anything else (and every
    // error) goes through serde, which names the problem.
    if let Some((values, groups)) = super::scan::scan(schema, text) {
        if let Ok(facts) = finish(program, schema, values, groups) {
            return Ok(facts);
        }
    }
    bind_str_serde(program, schema, text)
}

/// [`bind_str`] into `facts`, reusing its buffers and the values it already holds
/// (see `scan::scan_into`): for evaluating many records on one thread.
/// `seen` is scratch. The result is the facts [`bind_str`] returns.
pub fn bind_str_into(
    program: &Program,
    schema: &Schema,
    text: &str,
    facts: &mut Facts,
    seen: &mut Vec<bool>,
) -> Result<(), FactsError> {
    if schema.types.len() == program.facts.len()
        && super::scan::scan_into(schema, text, &mut facts.values, &mut facts.groups, seen)
            .is_some()
        && finish_in(program, schema, &mut facts.values, &facts.groups).is_ok()
    {
        return Ok(());
    }
    *facts = bind_str_serde(program, schema, text)?;
    Ok(())
}

/// [`bind_str`] without the fast scanner: serde reads the text. The two agree on
/// every input (property-tested and fuzzed); this one is the reference.
pub fn bind_str_serde(program: &Program, schema: &Schema, text: &str) -> Result<Facts, FactsError> {
    if schema.types.len() != program.facts.len() {
        return bind_with(program, &parse_json(text)?, schema.allow_unknown);
    }
    super::seeds::read(program, schema, text)
}
