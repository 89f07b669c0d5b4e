//! Values and types of the language.
//!
//! A [`Type`] is what the checker knows of an expression; a [`Value`] is what the
//! evaluators compute. Settings and facts arrive as JSON and are decoded against their
//! declared type by [`decode`], which names the JSON path of anything wrong.

use indexmap::IndexMap;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

mod version;
pub use version::Version;

/// An enumeration: its values, and whether they are ordered (`a < b < c`).
#[derive(Clone, Debug)]
pub struct EnumType {
    /// The declared name, when it has one (`type threat = ...`).
    pub name: Option<String>,
    /// The values, in declaration order (least first when ordered).
    pub variants: Vec<String>,
    /// Whether `<` and `>` compare by position.
    pub ordered: bool,
    /// Positions by value, for enums too long to scan.
    positions: Option<std::collections::HashMap<String, usize>>,
}

/// Enums longer than this look positions up in a map.
const SCAN_MAX: usize = 16;

impl EnumType {
    /// An enumeration of these values (the first of a repeated value counts).
    pub fn new(name: Option<String>, variants: Vec<String>, ordered: bool) -> EnumType {
        let positions = (variants.len() > SCAN_MAX).then(|| {
            let mut m = std::collections::HashMap::with_capacity(variants.len());
            for (i, v) in variants.iter().enumerate() {
                m.entry(v.clone()).or_insert(i);
            }
            m
        });
        EnumType {
            name,
            variants,
            ordered,
            positions,
        }
    }

    /// Position of a value.
    pub fn index(&self, v: &str) -> Option<usize> {
        match &self.positions {
            Some(m) => m.get(v).copied(),
            None => self.variants.iter().position(|x| x == v),
        }
    }
}

impl PartialEq for EnumType {
    fn eq(&self, o: &EnumType) -> bool {
        self.name == o.name && self.ordered == o.ordered && self.variants == o.variants
    }
}

impl Eq for EnumType {}

impl std::hash::Hash for EnumType {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.name.hash(h);
        self.variants.hash(h);
        self.ordered.hash(h);
    }
}

/// The type of an expression, a fact, a setting or an output.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A 64-bit integer, optionally with a lower bound.
    Int {
        /// The smallest allowed value.
        min: Option<i64>,
    },
    /// A string; `nocase` strings compare case-insensitively.
    Str {
        /// Compared ignoring ASCII case.
        nocase: bool,
    },
    /// A version.
    Version,
    /// One of the named values.
    Enum(Arc<EnumType>),
    /// A list.
    List(Box<Type>),
    /// A record of named fields.
    Record(Arc<Vec<(String, Type)>>),
    /// A value that may be absent.
    Optional(Box<Type>),
    /// A group of facts (`request`), only usable in `present(...)`.
    Group,
    /// A bare name not yet tied to an enum (checker only).
    Literal(String),
    /// A list of bare names (checker only).
    Unknown,
}

impl Type {
    /// The type without its `optional`.
    pub fn strip_optional(&self) -> &Type {
        match self {
            Type::Optional(t) => t.strip_optional(),
            t => t,
        }
    }

    /// How deep lists and records nest (0 for a scalar). Recursive, but types are
    /// bounded where they are built (the checker's `MAX_TYPE_DEPTH`).
    pub fn depth(&self) -> usize {
        match self {
            Type::List(t) | Type::Optional(t) => 1 + t.depth(),
            Type::Record(fields) => 1 + fields.iter().map(|(_, t)| t.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Whether strings of this type compare ignoring case.
    pub fn nocase(&self) -> bool {
        match self.strip_optional() {
            Type::Str { nocase } => *nocase,
            Type::List(t) => t.nocase(),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int { min: None } => f.write_str("int"),
            Type::Int { min: Some(m) } => write!(f, "int >= {m}"),
            Type::Str { nocase: false } => f.write_str("string"),
            Type::Str { nocase: true } => f.write_str("string ignoring case"),
            Type::Version => f.write_str("version"),
            Type::Enum(e) => {
                let sep = if e.ordered { " < " } else { " | " };
                f.write_str(&e.variants.join(sep))
            }
            Type::List(t) => write!(f, "list of {t}"),
            Type::Record(fields) => {
                f.write_str("{")?;
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {t}")?;
                }
                f.write_str("}")
            }
            Type::Optional(t) => write!(f, "optional {t}"),
            Type::Group => f.write_str("group"),
            Type::Literal(n) => write!(f, "`{n}`"),
            Type::Unknown => f.write_str("unknown"),
        }
    }
}

/// A value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// Absent (an optional fact or setting that is not there).
    Absent,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A version.
    Version(Version),
    /// A string (already lowercased when its type ignores case).
    Str(Arc<str>),
    /// An enumeration value.
    Enum(Arc<str>),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A record.
    Record(Arc<Vec<(String, Value)>>),
}

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// An enumeration value.
    pub fn enum_(s: &str) -> Value {
        Value::Enum(Arc::from(s))
    }

    /// A field of a record.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Record(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string or enumeration value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Enum(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON, the way settings and decisions are written.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Absent => J::String("not_configured".into()),
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Version(v) => J::String(v.to_string()),
            Value::Str(s) | Value::Enum(s) => J::String(s.to_string()),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Record(fields) => J::Object(
                fields
                    .iter()
                    .filter(|(_, v)| *v != Value::Absent)
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Lowercases strings (deeply) for case-insensitive comparison.
    pub fn lowercased(&self) -> Value {
        match self {
            Value::Str(s) if s.bytes().any(|b| b.is_ascii_uppercase()) => {
                Value::str(&s.to_ascii_lowercase())
            }
            Value::List(items) => {
                Value::List(Arc::new(items.iter().map(Value::lowercased).collect()))
            }
            v => v.clone(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Absent => f.write_str("not_configured"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Version(v) => write!(f, "{v}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Enum(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Record(fields) => {
                f.write_str("{")?;
                let mut first = true;
                for (n, v) in fields.iter() {
                    if *v == Value::Absent {
                        continue;
                    }
                    if !first {
                        f.write_str(", ")?;
                    }
                    first = false;
                    write!(f, "{n}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl serde::Serialize for Value {
    /// As [`Value::to_json`] writes it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Absent => s.serialize_str("not_configured"),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Version(v) => s.collect_str(v),
            Value::Str(x) | Value::Enum(x) => s.serialize_str(x),
            Value::List(items) => s.collect_seq(items.iter()),
            Value::Record(fields) => s.collect_map(
                fields
                    .iter()
                    .filter(|(_, v)| *v != Value::Absent)
                    .map(|(k, v)| (k, v)),
            ),
        }
    }
}

/// Compares two values the way the language does: numbers and versions numerically,
/// enums by position when `order` is given, strings and enum names as text (ignoring
/// case when `nocase`). `None` when they cannot be compared.
pub fn compare(a: &Value, b: &Value, order: Option<&EnumType>, nocase: bool) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Version(x), Value::Version(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Enum(x), Value::Enum(y)) => match order {
            Some(e) => Some(e.index(x)?.cmp(&e.index(y)?)),
            None => Some(x.cmp(y)),
        },
        (Value::Str(x) | Value::Enum(x), Value::Str(y) | Value::Enum(y)) => {
            if nocase {
                Some(x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()))
            } else {
                Some(x.cmp(y))
            }
        }
        _ => None,
    }
}

/// What was wrong with a JSON value: its path, what was expected, what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The JSON path, like `$.device.os_version` or `$["conditional_launch.min_os_version"][0].version`.
    pub path: String,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.path, self.expected, self.found
        )
    }
}

/// A short description of a JSON value for error messages.
pub fn describe_json(j: &serde_json::Value) -> String {
    use serde_json::Value as J;
    let s = match j {
        J::Null => "null".to_string(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => format!("{:?}", s.chars().take(40).collect::<String>()),
        J::Array(_) => "an array".to_string(),
        J::Object(_) => "an object".to_string(),
    };
    s
}

/// What a type expects, in words.
pub fn expected_text(t: &Type) -> String {
    match t {
        Type::Bool => "true or false".into(),
        Type::Int { min: Some(m) } => format!("an integer >= {m}"),
        Type::Int { min: None } => "an integer".into(),
        Type::Str { .. } => "a string".into(),
        Type::Version => "a version string like \"15.1\" or \"14.8.1.2\"".into(),
        Type::Enum(e) => format!(
            "one of {}",
            e.variants
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::List(t) => format!("an array of {}", expected_text(t)),
        Type::Record(fields) => format!(
            "an object with {}",
            fields
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Optional(t) => format!("{} or \"not_configured\"", expected_text(t)),
        _ => "a value".into(),
    }
}

/// Decodes JSON against a type. Strings of `nocase` types are lowercased.
pub fn decode(j: &serde_json::Value, t: &Type, path: &str) -> Result<Value, DecodeError> {
    use serde_json::Value as J;
    let err = || DecodeError {
        path: path.to_string(),
        expected: expected_text(t),
        found: describe_json(j),
    };
    Ok(match (t, j) {
        (Type::Optional(_), J::Null) => Value::Absent,
        (Type::Optional(_), J::String(s)) if s == "not_configured" => Value::Absent,
        (Type::Optional(inner), _) => decode(j, inner, path)?,
        (Type::Bool, J::Bool(b)) => Value::Bool(*b),
        (Type::Int { min }, J::Number(n)) => {
            let v = n.as_i64().ok_or_else(err)?;
            if min.is_some_and(|m| v < m) {
                return Err(err());
            }
            Value::Int(v)
        }
        (Type::Str { nocase }, J::String(s)) => {
            if *nocase {
                Value::str(&s.to_ascii_lowercase())
            } else {
                Value::str(s)
            }
        }
        (Type::Version, J::String(s)) => Value::Version(Version::parse(s).ok_or_else(err)?),
        (Type::Enum(e), J::String(s)) => {
            if e.index(s).is_none() {
                return Err(err());
            }
            Value::enum_(s)
        }
        (Type::List(inner), J::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(decode(item, inner, &format!("{path}[{i}]"))?);
            }
            Value::List(Arc::new(out))
        }
        (Type::Record(fields), J::Object(map)) => {
            let mut out = Vec::with_capacity(fields.len());
            for (name, ft) in fields.iter() {
                let p = format!("{path}.{name}");
                match map.get(name) {
                    Some(v) => out.push((name.clone(), decode(v, ft, &p)?)),
                    None if matches!(ft, Type::Optional(_)) => {
                        out.push((name.clone(), Value::Absent))
                    }
                    None => {
                        return Err(DecodeError {
                            path: p,
                            expected: expected_text(ft),
                            found: "nothing (the field is missing)".into(),
                        })
                    }
                }
            }
            if let Some(k) = map.keys().find(|k| !fields.iter().any(|(n, _)| n == *k)) {
                return Err(DecodeError {
                    path: format!("{path}.{k}"),
                    expected: format!(
                        "no other field than {}",
                        expected_text(t).trim_start_matches("an object with ")
                    ),
                    found: format!("unknown field `{k}`"),
                });
            }
            Value::Record(Arc::new(out))
        }
        _ => return Err(err()),
    })
}

/// Builds a record value from named fields.
pub fn record(fields: IndexMap<String, Value>) -> Value {
    Value::Record(Arc::new(fields.into_iter().collect()))
}
