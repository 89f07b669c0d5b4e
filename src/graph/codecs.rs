//! The two-way codecs of the Graph mapping (`rows.rs` holds the table): how
//! each kind of setting is read from its Graph property and written back, import and
//! export side by side. [`properties`] lists every property the rows map, so
//! [`super::is_mapped`] and [`super::mapped_properties`] derive from the table.

use super::named::Named;
use super::{format_duration, parse_duration, GraphError, Reader};
use indexmap::IndexMap;
use serde_json::{json, Value as J};

/// How one setting is written in Graph.
pub(super) enum Codec {
    /// A boolean property: the setting's value when `true`, when `false`.
    Bool(&'static str, &'static str),
    /// A string enum: (Graph value, setting value) pairs; `null` is `null_as` (when
    /// given; otherwise `null` leaves the default).
    Enum {
        pairs: &'static [(&'static str, &'static str)],
        null_as: Option<&'static str>,
    },
    /// A string (a URL scheme); `null` leaves the default, `""` is written as `null`.
    Text,
    /// An array of strings (link patterns).
    Strings,
    /// An array of Graph enum values, each mapped by the pairs.
    EnumList(&'static [(&'static str, &'static str)]),
    /// An integer property of at least `min`.
    Int {
        /// The least value Graph may hold.
        min: i64,
    },
    /// An ISO 8601 duration, as whole minutes (`null` leaves the default; 0 is
    /// written as `null` when `zero_as_null`, as `PT0S` otherwise).
    Minutes {
        /// How 0 is written.
        zero_as_null: bool,
    },
    /// Entries `{version, action}`, one property per action.
    Versions(&'static [(&'static str, &'static str)]),
    /// A setting built from several properties (or several settings from one).
    Named(&'static Named),
}

/// A setting and its Graph property (for [`Codec::Versions`] and [`Codec::Named`],
/// the properties are the codec's).
pub(super) struct Row {
    pub(super) setting: &'static str,
    pub(super) property: &'static str,
    pub(super) codec: Codec,
}

/// Every Graph property the rows map.
pub(super) fn properties(rows: &'static [Row]) -> impl Iterator<Item = &'static str> {
    rows.iter().flat_map(|r| match &r.codec {
        Codec::Versions(props) => props.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        Codec::Named(n) => n.properties.to_vec(),
        _ => vec![r.property],
    })
}

/// Reads every row's properties into `settings`.
pub(super) fn import(
    rows: &[Row],
    r: &Reader<'_>,
    settings: &mut IndexMap<String, J>,
) -> Result<(), GraphError> {
    for row in rows {
        let present = |p: &str| r.map.contains_key(p);
        let value = match &row.codec {
            Codec::Bool(t, f) => r
                .bool(row.property)?
                .map(|b| json!(if b { *t } else { *f })),
            Codec::Enum { pairs, null_as } => match r.map.get(row.property) {
                None => None,
                Some(J::Null) => null_as.map(|v| json!(v)),
                Some(_) => {
                    let graph: Vec<&str> = pairs.iter().map(|(g, _)| *g).collect();
                    let g = r.choice(row.property, &graph)?;
                    g.and_then(|g| pairs.iter().find(|(x, _)| *x == g).map(|(_, s)| json!(s)))
                }
            },
            Codec::Text => r.string(row.property)?.map(|s| json!(s.trim())),
            Codec::Strings => match r.get(row.property) {
                None => None,
                Some(J::Array(items)) => {
                    let mut out = Vec::new();
                    for i in items {
                        match i.as_str() {
                            Some(s) => out.push(json!(s.trim())),
                            None => return Err(r.invalid(row.property, "an array of strings")),
                        }
                    }
                    Some(J::Array(out))
                }
                Some(_) => return Err(r.invalid(row.property, "an array of strings")),
            },
            Codec::EnumList(pairs) => match r.get(row.property) {
                None => None,
                Some(J::Array(items)) => {
                    let mut out = Vec::new();
                    for i in items {
                        let mapped = i.as_str().and_then(|s| {
                            pairs
                                .iter()
                                .find(|(g, _)| g.eq_ignore_ascii_case(s))
                                .map(|(_, v)| *v)
                        });
                        match mapped {
                            Some(v) if !out.contains(&json!(v)) => out.push(json!(v)),
                            Some(_) => {}
                            None => {
                                return Err(GraphError::Invalid {
                                    property: row.property.into(),
                                    expected: format!(
                                        "locations among {}",
                                        pairs
                                            .iter()
                                            .map(|(g, _)| *g)
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    ),
                                    found: crate::value::describe_json(i),
                                })
                            }
                        }
                    }
                    Some(J::Array(out))
                }
                Some(_) => return Err(r.invalid(row.property, "an array of locations")),
            },
            Codec::Int { min } => r.int(row.property, *min)?.map(|n| json!(n)),
            Codec::Minutes { .. } => match r.string(row.property)? {
                None => None,
                Some(s) => match parse_duration(s) {
                    Some(m) => Some(json!(m)),
                    None => return Err(r.invalid(row.property, super::DURATION)),
                },
            },
            Codec::Named(n) => {
                (n.import)(r, settings)?;
                None
            }
            Codec::Versions(props) => {
                if !props.iter().any(|(p, _)| present(p)) {
                    None
                } else {
                    let mut entries = Vec::new();
                    for (p, action) in *props {
                        if let Some(v) = r.version(p)? {
                            entries.push(json!({"version": v, "action": action}));
                        }
                    }
                    Some(J::Array(entries))
                }
            }
        };
        if let Some(v) = value {
            settings.insert(row.setting.to_string(), v);
        }
    }
    Ok(())
}

/// Writes every row's properties from the setting values (`get` reads one as JSON).
pub(super) fn export(
    rows: &[Row],
    get: &dyn Fn(&str) -> Result<J, GraphError>,
    m: &mut serde_json::Map<String, J>,
) -> Result<(), GraphError> {
    for row in rows {
        if let Codec::Named(n) = &row.codec {
            (n.export)(get, m)?;
            continue;
        }
        let v = get(row.setting)?;
        let text = v.as_str().unwrap_or_default();
        match &row.codec {
            Codec::Bool(t, _) => {
                m.insert(row.property.into(), json!(text == *t));
            }
            Codec::Enum { pairs, null_as } => {
                let g = pairs.iter().find(|(_, s)| *s == text).map(|(g, _)| *g);
                let out = match (g, null_as) {
                    (Some(g), _) => json!(g),
                    (None, Some(_)) => J::Null,
                    (None, None) => {
                        return Err(GraphError::Unexportable {
                            setting: row.setting.into(),
                            why: format!("`{text}` has no Graph value"),
                        })
                    }
                };
                m.insert(row.property.into(), out);
            }
            Codec::Text => {
                m.insert(
                    row.property.into(),
                    if text.is_empty() {
                        J::Null
                    } else {
                        json!(text)
                    },
                );
            }
            Codec::Strings => {
                m.insert(row.property.into(), v.clone());
            }
            Codec::EnumList(pairs) => {
                let items: Vec<J> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| {
                                let s = i.as_str()?;
                                pairs.iter().find(|(_, x)| *x == s).map(|(g, _)| json!(g))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                m.insert(row.property.into(), J::Array(items));
            }
            Codec::Int { .. } => {
                m.insert(row.property.into(), json!(v.as_i64().unwrap_or_default()));
            }
            Codec::Named(_) => {}
            Codec::Minutes { zero_as_null } => {
                // Zero is the default, written as the portal writes "not set".
                let minutes = v.as_i64().unwrap_or_default();
                m.insert(
                    row.property.into(),
                    if minutes == 0 && *zero_as_null {
                        J::Null
                    } else {
                        json!(format_duration(minutes))
                    },
                );
            }
            Codec::Versions(props) => {
                for (prop, action) in *props {
                    let mine: Vec<&J> = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter(|e| e.get("action").and_then(J::as_str) == Some(action))
                                .collect()
                        })
                        .unwrap_or_default();
                    if mine.len() > 1 {
                        return Err(GraphError::Unexportable {
                            setting: row.setting.into(),
                            why: format!(
                                "Graph holds one `{action}` entry (`{prop}`), the policy has {}",
                                mine.len()
                            ),
                        });
                    }
                    m.insert(
                        (*prop).into(),
                        mine.first()
                            .and_then(|e| e.get("version"))
                            .cloned()
                            .unwrap_or(J::Null),
                    );
                }
            }
        }
    }
    Ok(())
}
