//! The serde binder: `DeserializeSeed`s that walk the schema while serde reads the
//! text, so every value lands in its slot and every error names its JSON path.

use super::facts::{finish, json_path, json_path_of, Facts, FactsError};
use super::schema::{Child, Node, Schema};
use crate::check::ir::Program;
use crate::value::{DecodeError, Value};

/// Reads facts from JSON text with serde: every error named with its JSON path.
pub(super) fn read(program: &Program, schema: &Schema, text: &str) -> Result<Facts, FactsError> {
    use serde::de::DeserializeSeed;
    read_with(program, schema, |seed| {
        let mut de = serde_json::Deserializer::from_str(text);
        seed.deserialize(&mut de)
            .and_then(|_| de.end())
            .map_err(|e| e.to_string())
    })
}

/// Reads facts from a JSON tree with the same seeds: the same values, the same errors.
pub(super) fn read_tree(
    program: &Program,
    schema: &Schema,
    json: &serde_json::Value,
) -> Result<Facts, FactsError> {
    use serde::de::DeserializeSeed;
    read_with(program, schema, |seed| {
        seed.deserialize(json).map_err(|e| e.to_string())
    })
}

/// Runs the root seed through a deserializer (`run`), then fills in defaults.
fn read_with(
    program: &Program,
    schema: &Schema,
    run: impl FnOnce(NodeSeed<'_>) -> Result<(), String>,
) -> Result<Facts, FactsError> {
    let mut out = Out {
        values: vec![Value::Absent; program.facts.len()],
        groups: vec![false; schema.groups],
        error: None,
        seen_root: false,
    };
    let r = run(NodeSeed {
        node: &schema.root,
        schema,
        program,
        out: &mut out,
    });
    if let Some(e) = out.error.take() {
        return Err(e);
    }
    if let Err(message) = r {
        return Err(FactsError::Syntax { message });
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
                        hint: crate::check::suggest::suggest(
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
                Child::Fact(id, _) => {
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
