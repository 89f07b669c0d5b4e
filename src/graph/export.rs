//! Export: settings back to Graph JSON, the inverse of import.

use super::*;

/// Writes settings as Graph `iosManagedAppProtection` JSON: every mapped property,
/// no read-only ones.
pub fn export(program: &Program, values: &[Value]) -> Result<J, GraphError> {
    let get = |name: &str| -> Result<J, GraphError> {
        program
            .settings
            .get_index_of(name)
            .and_then(|i| values.get(i))
            .map(Value::to_json)
            .ok_or_else(|| GraphError::Unexportable {
                setting: name.into(),
                why: "the policy has no such setting (export needs the bundled policy)".into(),
            })
    };
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.iosManagedAppProtection"),
    );
    codecs::export(&rows::ROWS, &get, &mut m)?;
    Ok(J::Object(m))
}
