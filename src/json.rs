//! Strict JSON: what every JSON input (facts, settings, Graph exports) is read with.
//!
//! serde_json builds a map last-wins, so `"jailbroken": true, "jailbroken": false`
//! would quietly become `false`. A security policy never guesses: a key that appears
//! twice in one object is an error naming the key and its JSON path. Nesting is
//! bounded by serde_json's recursion limit (128), so hostile input cannot overflow
//! the stack.

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as J};
use std::fmt;

/// Why JSON text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON, or nested too deep: serde's message, with line and column.
    #[error("{0}")]
    Syntax(String),
    /// One object holds a key twice.
    #[error("duplicate key `{key}` at {path}")]
    DuplicateKey {
        /// The key.
        key: String,
        /// The JSON path of the object that holds it twice.
        path: String,
    },
}

/// Parses JSON text, rejecting duplicate keys.
pub fn parse(text: &str) -> Result<J, JsonError> {
    let mut dup = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let r = Strict {
        path: &mut Path::root(),
        dup: &mut dup,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|_| v));
    match (r, dup) {
        (_, Some(e)) => Err(e),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(JsonError::Syntax(e.to_string())),
    }
}

/// The first duplicate key of an already parsed tree cannot be known (serde kept the
/// last); this is for text only. A JSON path built as the parser descends.
#[derive(Default)]
pub struct Path(Vec<Seg>);

enum Seg {
    Key(String),
    Index(usize),
}

impl Path {
    /// `$`.
    pub fn root() -> Path {
        Path(Vec::new())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for s in &self.0 {
            match s {
                Seg::Key(k) if is_plain(k) => write!(f, ".{k}")?,
                Seg::Key(k) => write!(f, "[{}]", J::String(k.clone()))?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A key written `.key` in a path (otherwise `["key"]`).
fn is_plain(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

struct Strict<'a> {
    path: &'a mut Path,
    dup: &'a mut Option<JsonError>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = J;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        Ok(serde_json::Number::from_f64(v).map_or(J::Null, J::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.0.push(Seg::Index(items.len()));
            let next = seq.next_element_seed(Strict {
                path: self.path,
                dup: self.dup,
            });
            self.path.0.pop();
            match next? {
                Some(v) => items.push(v),
                None => return Ok(J::Array(items)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                *self.dup = Some(JsonError::DuplicateKey {
                    key: k,
                    path: self.path.to_string(),
                });
                return Err(serde::de::Error::custom("duplicate key"));
            }
            self.path.0.push(Seg::Key(k.clone()));
            let v = map.next_value_seed(Strict {
                path: self.path,
                dup: self.dup,
            });
            self.path.0.pop();
            out.insert(k, v?);
        }
        Ok(J::Object(out))
    }
}

/// A seed that checks a JSON value for duplicate keys and nesting without keeping
/// it: for values a binder skips (keys it does not read).
pub struct Skip<'a> {
    /// Where the value is.
    pub path: &'a mut Path,
    /// Set to the duplicate found, if any.
    pub dup: &'a mut Option<JsonError>,
}

impl<'de> DeserializeSeed<'de> for Skip<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // Building the value bounds its depth (serde's recursion limit applies to
        // `deserialize_any`, not to `IgnoredAny`) and finds duplicates below it.
        Strict {
            path: self.path,
            dup: self.dup,
        }
        .deserialize(d)
        .map(|_| ())
    }
}

impl Path {
    /// Enters an object's key.
    pub fn push_key(&mut self, k: &str) {
        self.0.push(Seg::Key(k.to_string()));
    }
    /// Leaves the last key or index.
    pub fn pop(&mut self) {
        self.0.pop();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn duplicates_are_named_with_their_path() {
        let e = parse(r#"{"device": {"jailbroken": true, "jailbroken": false}}"#).unwrap_err();
        assert_eq!(e.to_string(), "duplicate key `jailbroken` at $.device");
        let e = parse(r#"{"a": [{}, {"x b": {"k": 1, "k": 1}}]}"#).unwrap_err();
        assert_eq!(e.to_string(), r#"duplicate key `k` at $.a[1]["x b"]"#);
        let e = parse(r#"{"device": {}, "device": {}}"#).unwrap_err();
        assert_eq!(e.to_string(), "duplicate key `device` at $");
    }

    #[test]
    fn same_as_serde_otherwise() {
        for text in [
            r#"{"a": 1, "b": [1, 2.5, "x", null, true], "c": {"d": {}}}"#,
            "[]",
            "1e400",
            r#"{"a": 1} x"#,
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
        ] {
            let ours = parse(text).map_err(|e| e.to_string());
            let theirs = serde_json::from_str::<J>(text).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
