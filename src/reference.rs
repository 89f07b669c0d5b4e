//! The facts reference: every declared fact with its type, values, optionality and
//! doc (`apprules facts`), and a JSON Schema of a facts document
//! (`apprules facts --json-schema`), both read off the checked program.

use crate::check::ir::Program;
use crate::value::Type;
use serde_json::{json, Map, Value as J};

/// A fact as `apprules facts` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FactInfo {
    /// Dotted name.
    pub name: String,
    /// Its type: the values it takes.
    pub values: String,
    /// `required`, `optional`, `default VALUE`, or `in group NAME` (needed only by
    /// the rules that read it, when the group is present).
    pub presence: String,
    /// One-line doc.
    pub doc: String,
}

/// Every declared fact, in declaration order (groups included).
pub fn facts(program: &Program) -> Vec<FactInfo> {
    let mut out: Vec<FactInfo> = Vec::new();
    for (name, g) in &program.groups {
        out.push(FactInfo {
            name: name.clone(),
            values: "an object (a group of facts)".into(),
            presence: "optional".into(),
            doc: g.doc.clone(),
        });
    }
    for (name, f) in &program.facts {
        let presence = match (&f.default, f.group, f.optional) {
            (Some(d), _, _) => format!("default {d}"),
            (None, Some(g), _) => format!(
                "in group `{}`",
                program
                    .groups
                    .get_index(g)
                    .map(|(n, _)| n.as_str())
                    .unwrap_or_default()
            ),
            (None, None, true) => "optional".into(),
            (None, None, false) => "required".into(),
        };
        out.push(FactInfo {
            name: name.clone(),
            values: f.ty.to_string(),
            presence,
            doc: f.doc.clone(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A JSON Schema (draft 2020-12) of a facts document: nested objects, no keys beyond
/// the declared ones (unknown keys are errors), required facts required.
pub fn json_schema(program: &Program) -> J {
    let mut root = Node::default();
    for (name, f) in &program.facts {
        let required = !f.optional && f.default.is_none() && f.group.is_none();
        let mut schema = type_schema(&f.ty);
        if let (Some(obj), false) = (schema.as_object_mut(), f.doc.is_empty()) {
            obj.insert("description".into(), J::String(f.doc.clone()));
        }
        if f.optional || f.group.is_some() || f.default.is_some() {
            schema = json!({"anyOf": [schema, {"type": "null"}]});
        }
        root.insert(name, schema, required);
    }
    for name in program.groups.keys() {
        root.group(name);
    }
    let mut s = root.into_schema();
    if let Some(obj) = s.as_object_mut() {
        obj.insert(
            "$schema".into(),
            J::String("https://json-schema.org/draft/2020-12/schema".into()),
        );
        obj.insert("title".into(), J::String("apprules facts".into()));
    }
    s
}

#[derive(Default)]
struct Node {
    leaves: Map<String, J>,
    children: Vec<(String, Node)>,
    required: Vec<String>,
    nullable: bool,
}

impl Node {
    fn child(&mut self, seg: &str) -> &mut Node {
        if !self.children.iter().any(|(k, _)| k == seg) {
            self.children.push((seg.to_string(), Node::default()));
        }
        let i = self
            .children
            .iter()
            .position(|(k, _)| k == seg)
            .unwrap_or(0);
        &mut self.children[i].1
    }

    fn insert(&mut self, name: &str, schema: J, required: bool) {
        let segs: Vec<&str> = name.split('.').collect();
        let Some((last, parents)) = segs.split_last() else {
            return;
        };
        let mut node = self;
        let mut chain_required = required;
        for p in parents {
            if chain_required && !node.required.iter().any(|r| r == p) {
                node.required.push(p.to_string());
            }
            node = node.child(p);
            chain_required = required;
        }
        node.leaves.insert(last.to_string(), schema);
        if required {
            node.required.push(last.to_string());
        }
    }

    fn group(&mut self, name: &str) {
        let mut node = self;
        for seg in name.split('.') {
            node = node.child(seg);
        }
        node.nullable = true;
    }

    fn into_schema(self) -> J {
        let mut props = self.leaves;
        for (k, n) in self.children {
            props.insert(k, n.into_schema());
        }
        let mut obj = json!({
            "type": if self.nullable { json!(["object", "null"]) } else { json!("object") },
            "properties": J::Object(props),
            "additionalProperties": false,
        });
        if !self.required.is_empty() {
            if let Some(o) = obj.as_object_mut() {
                o.insert("required".into(), json!(self.required));
            }
        }
        obj
    }
}

fn type_schema(t: &Type) -> J {
    match t {
        Type::Bool => json!({"type": "boolean"}),
        Type::Int { min: Some(m) } => json!({"type": "integer", "minimum": m}),
        Type::Int { min: None } => json!({"type": "integer"}),
        Type::Str { .. } => json!({"type": "string"}),
        Type::Version => json!({"type": "string", "pattern": "^[0-9]{1,10}(\\.[0-9]{1,10}){1,3}$"}),
        Type::Enum(e) => json!({"type": "string", "enum": e.variants}),
        Type::List(inner) => json!({"type": "array", "items": type_schema(inner)}),
        Type::Optional(inner) => json!({"anyOf": [type_schema(inner), {"type": "null"}]}),
        Type::Record(fields) => {
            let props: Map<String, J> = fields
                .iter()
                .map(|(n, t)| (n.clone(), type_schema(t)))
                .collect();
            json!({"type": "object", "properties": props, "additionalProperties": false})
        }
        _ => json!({}),
    }
}
