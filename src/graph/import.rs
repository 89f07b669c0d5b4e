//! Import: one iOS app protection policy from Graph JSON into settings, every property
//! read strictly (an unknown value is an error naming the property).

use super::*;

pub(super) struct Reader<'a> {
    pub(super) map: &'a Map<String, J>,
}

/// Fails unless `map` is one iOS policy: a different `@odata.type`, a list response,
/// a facts document or an object with no policy property is named for what it is,
/// never read as a policy of defaults.
pub(super) fn policy_kind(map: &Map<String, J>) -> Result<(), GraphError> {
    let mapped = is_mapped;
    match map.get("@odata.type") {
        Some(J::String(t)) if t.eq_ignore_ascii_case(IOS_TYPE) => return Ok(()),
        Some(J::String(t)) => return Err(GraphError::NotAPolicy(format!("found a `{t}`"))),
        Some(other) => {
            return Err(GraphError::NotAPolicy(format!(
                "`@odata.type` is {}",
                crate::value::describe_json(other)
            )))
        }
        None => {}
    }
    if let Some(J::Array(items)) = map.get("value") {
        let names: Vec<String> = items
            .iter()
            .map(|p| match p.get("displayName") {
                Some(J::String(n)) => format!("`{}`", n.escape_debug()),
                _ => "(no displayName)".into(),
            })
            .collect();
        return Err(GraphError::NotAPolicy(format!(
            "found a Graph list response (`value`) holding {} polic{}{}; save one policy object of `value` and import that",
            items.len(),
            if items.len() == 1 { "y" } else { "ies" },
            if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) }
        )));
    }
    if map.keys().any(|k| mapped(k)) {
        return Ok(());
    }
    if ["device", "app", "session"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Err(GraphError::NotAPolicy(
            "found a facts document (`device`, `app`, `session`); use it with `--facts`".into(),
        ));
    }
    Err(GraphError::NotAPolicy(
        "no property of an iOS app protection policy found".into(),
    ))
}

/// Reads a Graph `iosManagedAppProtection` export.
pub fn import(doc: &J) -> Result<Imported, GraphError> {
    let J::Object(map) = doc else {
        return Err(GraphError::NotAnObject(crate::value::describe_json(doc)));
    };
    policy_kind(map)?;
    let r = Reader { map };
    let mut out = Imported {
        display_name: r.string("displayName").ok().flatten().map(String::from),
        description: r.string("description").ok().flatten().map(String::from),
        ..Imported::default()
    };
    codecs::import(&rows::ROWS, &r, &mut out.settings)?;
    for (k, v) in map {
        if is_mapped(k) || METADATA.contains(&k.as_str()) || k.contains("@odata") {
            continue;
        }
        out.unmodeled.push((k.clone(), v.clone()));
        if SILENT.contains(&k.as_str()) {
            continue;
        }
        let meaningful = !(v.is_null()
            || v == &json!(false)
            || v == &json!([])
            || v == &json!("")
            || v == &json!(0));
        if meaningful {
            out.warnings.push(format!(
                "property `{k}` is not modeled by apprules; kept as a comment"
            ));
        }
    }
    Ok(out)
}

impl Reader<'_> {
    pub(super) fn invalid(&self, key: &str, expected: &str) -> GraphError {
        GraphError::Invalid {
            property: key.into(),
            expected: expected.into(),
            found: self
                .map
                .get(key)
                .map(crate::value::describe_json)
                .unwrap_or_else(|| "nothing".into()),
        }
    }
    /// A present, non-null value.
    pub(super) fn get(&self, key: &str) -> Option<&J> {
        self.map.get(key).filter(|v| !v.is_null())
    }
    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(key, "true or false")),
        }
    }
    pub(super) fn int(&self, key: &str, min: i64) -> Result<Option<i64>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Number(n)) => match n.as_i64() {
                Some(i) if i >= min => Ok(Some(i)),
                _ => Err(self.invalid(key, &format!("an integer >= {min}"))),
            },
            Some(_) => Err(self.invalid(key, &format!("an integer >= {min}"))),
        }
    }
    pub(super) fn string(&self, key: &str) -> Result<Option<&str>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(key, "a string")),
        }
    }
    pub(super) fn choice(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                Some(a) => Ok(Some(a.to_string())),
                None => Err(self.invalid(key, &format!("one of {}", allowed.join(", ")))),
            },
        }
    }
    pub(super) fn version(&self, key: &str) -> Result<Option<String>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => match crate::value::Version::parse(s.trim()) {
                Some(_) => Ok(Some(s.trim().to_string())),
                None => Err(self.invalid(key, "a version like \"14.8\" or \"15.1.2.3\"")),
            },
        }
    }
    /// An ISO 8601 duration in whole minutes; `None` for null or zero ("off").
    pub(super) fn minutes(&self, key: &str) -> Result<Option<i64>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match parse_duration(s) {
                Some(0) => Ok(None),
                Some(m) => Ok(Some(m)),
                None => Err(self.invalid(key, DURATION)),
            },
        }
    }
}
