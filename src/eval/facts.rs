//! Facts: JSON (or any `serde::Serialize`) bound to the declared fact schema.
//!
//! Binding checks every declared fact once, up front: a missing required fact, or a
//! value of the wrong type, is an error naming its JSON path. After binding, facts
//! sit in slots indexed by [`FactId`]; the evaluators never look a name up.

use crate::check::ir::{FactId, Program};
use crate::value::{decode, describe_json, DecodeError, Value};
use thiserror::Error;

/// Facts bound to a program's schema.
#[derive(Clone, Debug, Default, PartialEq)]
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

/// `device.os_version` → `$.device.os_version`.
pub fn json_path(name: &str) -> String {
    format!("$.{name}")
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

/// The fact schema as a tree of JSON objects, for binding facts straight from JSON
/// text without building a `serde_json::Value` first. Enum values are interned, so
/// binding them does not allocate.
#[derive(Clone, Debug)]
pub struct Schema {
    pub(super) root: Node,
    /// For each fact: its type, and the interned values of its enum (if any).
    pub(super) types: Vec<(crate::value::Type, Vec<Value>)>,
    /// For each fact: what to do when it is absent.
    pub(super) finish: Vec<Absence>,
    /// For each fact: the [`KeySig`] of each interned enum value.
    pub(super) enum_sigs: Vec<Vec<KeySig>>,
    pub(super) groups: usize,
    /// Unknown keys are read past (`--allow-unknown-facts`) rather than errors.
    pub(super) allow_unknown: bool,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// The dotted path of this object (empty for the root).
    path: String,
    pub(super) children: Vec<(String, Child)>,
    /// Each child's [`KeySig`], for matching keys without comparing them byte by byte.
    pub(super) sigs: Vec<KeySig>,
    /// No two children share a name, so the child after the last one matched can be
    /// tried first (records written in schema order match every key at once).
    pub(super) unique: bool,
    /// The fact declared at this node's own path, when there is one: a value that is
    /// not an object binds it (`request.source` is an enum for one request kind and an
    /// object for others).
    pub(super) leaf: Option<usize>,
}

/// What binding does with an absent fact.
#[derive(Clone, Debug)]
pub(super) struct Absence {
    /// The fact's group: when the group is absent, so is the fact (even with a default).
    group: Option<usize>,
    /// Its default.
    default: Option<Value>,
    /// Absent without a default is an error.
    required: bool,
}

/// A key's length and its first and last eight bytes: equal signatures of keys of at
/// most 16 bytes mean equal keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct KeySig {
    pub(super) len: usize,
    head: u64,
    tail: u64,
}

impl KeySig {
    #[inline]
    pub(super) fn of(k: &[u8]) -> KeySig {
        let word = |b: &[u8]| match b.first_chunk::<8>() {
            Some(w) => u64::from_le_bytes(*w),
            None => b
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, c)| w | u64::from(*c) << (8 * i)),
        };
        let head = word(k);
        KeySig {
            len: k.len(),
            head,
            tail: match k.last_chunk::<8>() {
                Some(w) => u64::from_le_bytes(*w),
                None => head,
            },
        }
    }
}

impl Node {
    /// The index of the child named `key` (the first, when two share a name).
    #[inline]
    pub(super) fn child_index(&self, key: &str) -> Option<usize> {
        let sig = KeySig::of(key.as_bytes());
        self.sigs
            .iter()
            .zip(&self.children)
            .position(|(s, (k, _))| *s == sig && (sig.len <= 16 || k == key))
    }

    fn sign(&mut self) {
        self.sigs = self
            .children
            .iter()
            .map(|(k, _)| KeySig::of(k.as_bytes()))
            .collect();
        self.unique = self.children.iter().enumerate().all(|(i, (k, _))| {
            !self.children.iter().skip(i + 1).any(|(o, _)| o == k)
                && !k.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
        });
        for (_, c) in &mut self.children {
            if let Child::Object(n, _) = c {
                n.sign();
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(super) enum Child {
    Fact(usize),
    Object(Node, Option<usize>),
}

impl Schema {
    /// The schema of a program's facts.
    pub fn new(program: &Program) -> Schema {
        use crate::value::Type;
        let mut root = Node::default();
        for (name, _) in &program.facts {
            let mut node = &mut root;
            let segs: Vec<&str> = name.split('.').collect();
            for (i, seg) in segs.iter().enumerate() {
                let prefix = segs[..=i].join(".");
                if i + 1 == segs.len() {
                    if let Some(id) = program.facts.get_index_of(name) {
                        match node
                            .children
                            .iter_mut()
                            .find(|(k, c)| k == seg && matches!(c, Child::Object(..)))
                        {
                            Some((_, Child::Object(n, _))) => n.leaf = Some(id),
                            _ => node.children.push((seg.to_string(), Child::Fact(id))),
                        }
                    }
                    break;
                }
                let pos = match node
                    .children
                    .iter()
                    .position(|(k, c)| k == seg && matches!(c, Child::Object(..)))
                {
                    Some(p) => p,
                    None => {
                        let group = program.groups.get_index_of(&prefix);
                        // A fact already declared at this path becomes the node's leaf.
                        let leaf = match node
                            .children
                            .iter()
                            .position(|(k, c)| k == seg && matches!(c, Child::Fact(_)))
                        {
                            Some(p) => match node.children.remove(p).1 {
                                Child::Fact(id) => Some(id),
                                Child::Object(..) => None,
                            },
                            None => None,
                        };
                        let child = Node {
                            path: prefix.clone(),
                            leaf,
                            ..Node::default()
                        };
                        node.children
                            .push((seg.to_string(), Child::Object(child, group)));
                        node.children.len() - 1
                    }
                };
                node = match node.children.get_mut(pos).map(|c| &mut c.1) {
                    Some(Child::Object(n, _)) => n,
                    _ => return Schema::fallback(program),
                };
            }
        }
        let types: Vec<(Type, Vec<Value>)> = program
            .facts
            .values()
            .map(|f| {
                let interned = match &f.ty {
                    Type::Enum(e) => e.variants.iter().map(|v| Value::enum_(v)).collect(),
                    Type::List(inner) => match &**inner {
                        Type::Enum(e) => e.variants.iter().map(|v| Value::enum_(v)).collect(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                (f.ty.clone(), interned)
            })
            .collect();
        root.sign();
        let enum_sigs = types
            .iter()
            .map(|(_, interned)| {
                interned
                    .iter()
                    .map(|v| KeySig::of(v.as_text().unwrap_or_default().as_bytes()))
                    .collect()
            })
            .collect();
        let finish = program
            .facts
            .values()
            .map(|def| Absence {
                group: def.group,
                default: def.default.clone(),
                required: !def.optional && def.group.is_none(),
            })
            .collect();
        Schema {
            root,
            finish,
            enum_sigs,
            types,
            groups: program.groups.len(),
            allow_unknown: false,
        }
    }

    /// The same schema, reading past unknown keys when `allow`.
    pub fn allowing_unknown(mut self, allow: bool) -> Schema {
        self.allow_unknown = allow;
        self
    }

    /// Whether unknown keys are read past.
    pub fn allows_unknown(&self) -> bool {
        self.allow_unknown
    }

    /// A schema that never matches (facts then bind through `serde_json::Value`).
    fn fallback(program: &Program) -> Schema {
        Schema {
            root: Node::default(),
            types: Vec::new(),
            finish: Vec::new(),
            enum_sigs: Vec::new(),
            groups: program.groups.len(),
            allow_unknown: false,
        }
    }
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
    use serde::de::DeserializeSeed;
    if schema.types.len() != program.facts.len() {
        return bind_with(program, &parse_json(text)?, schema.allow_unknown);
    }
    let mut out = Out {
        values: vec![Value::Absent; program.facts.len()],
        groups: vec![false; schema.groups],
        error: None,
        seen_root: false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let r = NodeSeed {
        node: &schema.root,
        schema,
        program,
        out: &mut out,
    }
    .deserialize(&mut de)
    .and_then(|_| de.end());
    if let Some(e) = out.error.take() {
        return Err(e);
    }
    if let Err(e) = r {
        return Err(FactsError::Syntax {
            message: e.to_string(),
        });
    }
    if !out.seen_root {
        return Err(FactsError::NotAnObject {
            path: "$".into(),
            found: "not an object".into(),
        });
    }
    let Out { values, groups, .. } = out;
    finish(program, schema, values, groups)
}

/// Defaults for absent facts, facts of absent groups cleared, missing facts reported.
fn finish(
    program: &Program,
    schema: &Schema,
    mut values: Vec<Value>,
    groups: Vec<bool>,
) -> Result<Facts, FactsError> {
    finish_in(program, schema, &mut values, &groups)?;
    Ok(Facts { values, groups })
}

/// [`finish`] in place.
fn finish_in(
    program: &Program,
    schema: &Schema,
    values: &mut [Value],
    groups: &[bool],
) -> Result<(), FactsError> {
    let mut missing = None;
    for ((slot, def), (name, _)) in values.iter_mut().zip(&schema.finish).zip(&program.facts) {
        let in_absent_group = def
            .group
            .is_some_and(|g| !groups.get(g).copied().unwrap_or(false));
        if in_absent_group {
            *slot = Value::Absent;
        } else if matches!(slot, Value::Absent) {
            match &def.default {
                Some(d) => *slot = d.clone(),
                None if def.required => {
                    missing = Some(name);
                    break;
                }
                None => {}
            }
        }
    }
    if let Some(name) = missing {
        return Err(FactsError::Missing {
            fact: name.clone(),
            path: json_path(name),
        });
    }
    Ok(())
}

struct Out {
    values: Vec<Value>,
    groups: Vec<bool>,
    error: Option<FactsError>,
    seen_root: bool,
}

struct NodeSeed<'a> {
    node: &'a Node,
    schema: &'a Schema,
    program: &'a Program,
    out: &'a mut Out,
}

impl NodeSeed<'_> {
    fn fail<E: serde::de::Error>(&mut self, found: &str) -> E {
        let path = if self.node.path.is_empty() {
            "$".to_string()
        } else {
            format!("$.{}", self.node.path)
        };
        self.out.error = Some(FactsError::NotAnObject {
            path,
            found: found.to_string(),
        });
        E::custom("facts")
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for NodeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        if self.node.path.is_empty() {
            let mut s = self;
            return Err(s.fail("null"));
        }
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(mut self, v: bool) -> Result<(), E> {
        Err(self.fail(&v.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(mut self, v: i64) -> Result<(), E> {
        Err(self.fail(&v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(mut self, v: u64) -> Result<(), E> {
        Err(self.fail(&v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(mut self, v: f64) -> Result<(), E> {
        Err(self.fail(&f64_text(v)))
    }
    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> Result<(), E> {
        Err(
            self.fail(&crate::value::describe_json(&serde_json::Value::String(
                v.to_string(),
            ))),
        )
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, _: A) -> Result<(), A::Error> {
        Err(self.fail("an array"))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let NodeSeed {
            node,
            schema,
            program,
            out,
        } = self;
        if node.path.is_empty() {
            out.seen_root = true;
        }
        // Keys seen in this object: a second one is an error, never last-wins.
        let mut seen = vec![false; node.children.len()];
        let mut unknown: Vec<String> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(node))? {
            let idx = match key {
                Ok(idx) => idx,
                Err(name) if !schema.allow_unknown => {
                    out.error = Some(FactsError::UnknownKey {
                        hint: crate::check::checker::suggest(
                            &name,
                            node.children.iter().map(|(k, _)| k),
                        ),
                        key: name,
                        path: json_path_of(&node.path),
                    });
                    return Err(serde::de::Error::custom("facts"));
                }
                Err(name) => {
                    if unknown.contains(&name) {
                        return Err(duplicate(out, node, name));
                    }
                    let mut path = crate::json::Path::root();
                    for seg in node.path.split('.').filter(|s| !s.is_empty()) {
                        path.push_key(seg);
                    }
                    path.push_key(&name);
                    let mut dup = None;
                    let r = map.next_value_seed(crate::json::Skip {
                        path: &mut path,
                        dup: &mut dup,
                    });
                    if let Some(e) = dup {
                        out.error = Some(e.into());
                    }
                    r?;
                    unknown.push(name);
                    continue;
                }
            };
            match seen.get_mut(idx) {
                Some(true) => {
                    let name = node.children.get(idx).map(|(k, _)| k.clone());
                    return Err(duplicate(out, node, name.unwrap_or_default()));
                }
                Some(s) => *s = true,
                None => {}
            }
            let Some((_, child)) = node.children.get(idx) else {
                continue;
            };
            match child {
                Child::Fact(id) => {
                    let (ty, interned) = match schema.types.get(*id) {
                        Some(t) => t,
                        None => continue,
                    };
                    let fact = program.fact_name(*id);
                    let v = map.next_value_seed(ValueSeed {
                        ty,
                        interned,
                        fact,
                        item: None,
                        error: &mut out.error,
                    })?;
                    if let Some(slot) = out.values.get_mut(*id) {
                        *slot = v;
                    }
                }
                Child::Object(child_node, group) => {
                    let mut present = false;
                    map.next_value_seed(PresenceSeed {
                        inner: NodeSeed {
                            node: child_node,
                            schema,
                            program,
                            out,
                        },
                        present: &mut present,
                    })?;
                    if let (Some(g), true) = (group, present) {
                        if let Some(slot) = out.groups.get_mut(*g) {
                            *slot = true;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Records a duplicate key of the object at `node` as the binding's error.
fn duplicate<E: serde::de::Error>(out: &mut Out, node: &Node, key: String) -> E {
    out.error = Some(FactsError::DuplicateKey {
        key,
        path: json_path_of(&node.path),
    });
    E::custom("facts")
}

/// The JSON path of a schema node (`$` for the root).
fn json_path_of(node_path: &str) -> String {
    if node_path.is_empty() {
        "$".to_string()
    } else {
        json_path(node_path)
    }
}

/// Tells whether an object (rather than `null`) was there.
struct PresenceSeed<'a, 'b> {
    inner: NodeSeed<'a>,
    present: &'b mut bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for PresenceSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let present = self.present;
        let inner = self.inner;
        d.deserialize_any(PresenceVisitor { inner, present })
    }
}

struct PresenceVisitor<'a, 'b> {
    inner: NodeSeed<'a>,
    present: &'b mut bool,
}

impl PresenceVisitor<'_, '_> {
    /// A value that is not an object, for a node that is also a fact (`request.source`
    /// is a string or an object): decoded as that fact. `None` for a plain node.
    fn leaf<E>(
        self,
        decode: impl FnOnce(ValueSeed<'_>) -> Result<Value, E>,
    ) -> Result<Result<(), E>, Self> {
        let Some(id) = self.inner.node.leaf else {
            return Err(self);
        };
        let NodeSeed {
            schema,
            program,
            out,
            ..
        } = self.inner;
        let Some((ty, interned)) = schema.types.get(id) else {
            return Ok(Ok(()));
        };
        let v = decode(ValueSeed {
            ty,
            interned,
            fact: program.fact_name(id),
            item: None,
            error: &mut out.error,
        });
        Ok(v.map(|v| {
            if let Some(slot) = out.values.get_mut(id) {
                *slot = v;
            }
        }))
    }
}

impl<'de> serde::de::Visitor<'de> for PresenceVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        *self.present = true;
        serde::de::Visitor::visit_map(self.inner, map)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(|s| serde::de::Visitor::visit_bool(s, v))
            .unwrap_or_else(|me| serde::de::Visitor::visit_bool(me.inner, v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(|s| serde::de::Visitor::visit_i64(s, v))
            .unwrap_or_else(|me| serde::de::Visitor::visit_i64(me.inner, v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(|s| serde::de::Visitor::visit_u64(s, v))
            .unwrap_or_else(|me| serde::de::Visitor::visit_u64(me.inner, v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.leaf(|s| serde::de::Visitor::visit_f64(s, v))
            .unwrap_or_else(|me| serde::de::Visitor::visit_f64(me.inner, v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.leaf(|s| serde::de::Visitor::visit_str(s, v))
            .unwrap_or_else(|me| serde::de::Visitor::visit_str(me.inner, v))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if self.inner.node.leaf.is_none() {
            return serde::de::Visitor::visit_seq(self.inner, seq);
        }
        let mut seq = Some(seq);
        match self.leaf(|s| match seq.take() {
            Some(q) => serde::de::Visitor::visit_seq(s, q),
            None => Ok(Value::Absent),
        }) {
            Ok(r) => r,
            Err(me) => match seq.take() {
                Some(q) => serde::de::Visitor::visit_seq(me.inner, q),
                None => Ok(()),
            },
        }
    }
}

/// A float as serde_json prints it (as `describe_json` shows it).
fn f64_text(v: f64) -> String {
    serde_json::Number::from_f64(v)
        .map(|n| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// Finds a key among a node's children without allocating; an unknown key is
/// returned as it is (to find it if it comes again).
struct KeySeed<'a>(&'a Node);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .children
            .iter()
            .position(|(k, _)| k == v)
            .ok_or_else(|| v.to_string()))
    }
}

/// Decodes one fact's value straight from JSON.
struct ValueSeed<'a> {
    ty: &'a crate::value::Type,
    interned: &'a [Value],
    fact: &'a str,
    /// The position in the fact's list, for list items.
    item: Option<usize>,
    error: &'a mut Option<FactsError>,
}

impl ValueSeed<'_> {
    /// The JSON path, built only when there is an error to report.
    fn path(&self) -> String {
        match self.item {
            Some(i) => format!("{}[{i}]", json_path(self.fact)),
            None => json_path(self.fact),
        }
    }

    fn fail<E: serde::de::Error>(&mut self, found: String) -> E {
        *self.error = Some(FactsError::Invalid {
            fact: self.fact.to_string(),
            error: DecodeError {
                path: self.path(),
                expected: crate::value::expected_text(self.ty),
                found,
            },
        });
        E::custom("facts")
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&crate::value::expected_text(self.ty))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Absent)
    }

    fn visit_bool<E: serde::de::Error>(mut self, v: bool) -> Result<Value, E> {
        match self.ty {
            crate::value::Type::Bool => Ok(Value::Bool(v)),
            _ => Err(self.fail(v.to_string())),
        }
    }

    fn visit_i64<E: serde::de::Error>(mut self, v: i64) -> Result<Value, E> {
        match self.ty {
            crate::value::Type::Int { min } if min.is_none_or(|m| v >= m) => Ok(Value::Int(v)),
            _ => Err(self.fail(v.to_string())),
        }
    }

    fn visit_u64<E: serde::de::Error>(mut self, v: u64) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(i) => self.visit_i64(i),
            Err(_) => Err(self.fail(v.to_string())),
        }
    }

    fn visit_f64<E: serde::de::Error>(mut self, v: f64) -> Result<Value, E> {
        Err(self.fail(f64_text(v)))
    }

    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> Result<Value, E> {
        use crate::value::Type;
        let found =
            |v: &str| crate::value::describe_json(&serde_json::Value::String(v.to_string()));
        match self.ty {
            Type::Str { nocase: true } if v.bytes().any(|b| b.is_ascii_uppercase()) => {
                Ok(Value::str(&v.to_ascii_lowercase()))
            }
            Type::Str { nocase: true } => Ok(Value::str(v)),
            Type::Str { nocase: false } => Ok(Value::str(v)),
            Type::Version => match crate::value::Version::parse(v) {
                Some(x) => Ok(Value::Version(x)),
                None => Err(self.fail(found(v))),
            },
            Type::Enum(_) => match self.interned.iter().find(|x| x.as_text() == Some(v)) {
                Some(x) => Ok(x.clone()),
                None => Err(self.fail(found(v))),
            },
            _ => Err(self.fail(found(v))),
        }
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let crate::value::Type::List(inner) = self.ty else {
            return Err(self.fail("an array".into()));
        };
        let mut items = Vec::new();
        loop {
            let next = seq.next_element_seed(ValueSeed {
                ty: inner,
                interned: self.interned,
                fact: self.fact,
                item: Some(items.len()),
                error: self.error,
            })?;
            match next {
                Some(Value::Absent) => {
                    let path = format!("{}[{}]", json_path(self.fact), items.len());
                    *self.error = Some(FactsError::Invalid {
                        fact: self.fact.to_string(),
                        error: DecodeError {
                            path,
                            expected: crate::value::expected_text(inner),
                            found: "null".into(),
                        },
                    });
                    return Err(serde::de::Error::custom("facts"));
                }
                Some(v) => items.push(v),
                None => break,
            }
        }
        Ok(Value::List(std::sync::Arc::new(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, _: A) -> Result<Value, A::Error> {
        Err(self.fail("an object".into()))
    }
}
