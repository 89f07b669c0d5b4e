//! Binding facts: from a JSON tree ([`bind`]) or straight from JSON text ([`bind_str`]:
//! the one-pass scanner for well-formed records, serde for everything else, naming
//! every error), checked against the declared schema up front.

use super::facts::{finish_in, json_path_of, parse_json, Facts, FactsError};
use super::schema::Schema;
use crate::check::ir::Program;
use crate::value::describe_json;

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
    bind_tree(
        program,
        &Schema::new(program).allowing_unknown(allow_unknown),
        json,
    )
}

/// Binds a JSON tree with a prepared schema: the serde seeds of the text binder walk
/// the tree, so both decode every value the same way and name every error alike.
pub fn bind_tree(
    program: &Program,
    schema: &Schema,
    json: &serde_json::Value,
) -> Result<Facts, FactsError> {
    if !json.is_object() {
        return Err(FactsError::NotAnObject {
            path: "$".into(),
            found: describe_json(json),
        });
    }
    if !schema.allow_unknown {
        unknown_keys(program, json)?;
    }
    if schema.types.len() != program.facts.len() {
        // A schema of another program: this program's own.
        return bind_tree(
            program,
            &Schema::new(program).allowing_unknown(schema.allow_unknown),
            json,
        );
    }
    super::seeds::read_tree(program, schema, json)
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

/// Binds facts straight from JSON text. Same result as [`parse_json`] then [`bind`].
pub fn bind_str(program: &Program, schema: &Schema, text: &str) -> Result<Facts, FactsError> {
    if schema.types.len() != program.facts.len() {
        return bind_with(program, &parse_json(text)?, schema.allow_unknown);
    }
    // The common case: well-formed facts, read in one pass. Anything else (and every
    // error) goes through serde, which names the problem.
    if let Some((mut facts, seen)) = super::scan::scan(schema, text) {
        if finish_in(program, schema, &mut facts, Some(&seen)).is_ok() {
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
    seen: &mut Vec<u64>,
) -> Result<(), FactsError> {
    if schema.types.len() == program.facts.len()
        && super::scan::scan_into(schema, text, facts, seen).is_some()
        && finish_in(program, schema, facts, Some(seen)).is_ok()
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
