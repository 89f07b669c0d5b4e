//! Values as messages show them.

use crate::value::Value;

/// A value as shown in messages: strings without quotes, lists comma-separated.
pub fn display_plain(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::List(items) => items
            .iter()
            .map(display_plain)
            .collect::<Vec<_>>()
            .join(", "),
        v => v.to_string(),
    }
}
