//! Completion, by context: the outcomes of the decision after `then DECISION =`, the
//! values of a setting after `set NAME =`, the values of a fact or setting after a
//! comparison with it (`==`, `!=`, `<`, `in [`); anywhere else fact and setting paths
//! segment by segment, decisions, keywords, builtins with their signatures.

use super::text::{is_word, line_before, offset, word_at, KEYWORDS};
use super::Doc;
use crate::check::ir::Program;
use crate::value::Type;
use lsp_types as lsp;
use serde_json::{json, Value as J};

/// LSP completion item kinds.
const FUNCTION: u32 = 3;
const FIELD: u32 = 5;
const VARIABLE: u32 = 6;
const PROPERTY: u32 = 10;
const KEYWORD: u32 = 14;
const ENUM_MEMBER: u32 = 20;

pub(super) fn completion(d: &Doc, pos: lsp::Position) -> J {
    let at = offset(&d.text, pos);
    let start = word_at(&d.text, at).map(|(s, _, _)| s).unwrap_or(at);
    let prefix = d.text.get(start..at.max(start)).unwrap_or_default();
    let Some(c) = super::compiled_of(d) else {
        return json!([]);
    };
    let p = &c.program;
    let mut items = Items {
        prefix,
        items: Vec::new(),
    };
    let before = line_before(&d.text, start).trim_end();
    if let Some(values) = context_values(p, before) {
        for (v, detail) in values {
            items.add(&v, ENUM_MEMBER, detail);
        }
        return J::Array(items.items);
    }
    for (n, f) in &p.facts {
        items.add(n, FIELD, format!("fact: {}", f.ty));
    }
    for (n, s) in &p.settings {
        items.add(n, PROPERTY, format!("setting: {}", s.ty));
    }
    for (n, dec) in &p.decisions {
        items.add(
            n,
            VARIABLE,
            format!("decision: {}", dec.outcomes.variants.join(" | ")),
        );
    }
    if !prefix.contains('.') {
        for b in crate::builtins::Builtin::ALL {
            items.add(b.name(), FUNCTION, b.signature());
        }
        for k in KEYWORDS {
            items.add(k, KEYWORD, "keyword".into());
        }
    }
    J::Array(items.items)
}

struct Items<'a> {
    prefix: &'a str,
    items: Vec<J>,
}

impl Items<'_> {
    /// Adds a label matching the prefix: for a dotted path, only its next segment.
    fn add(&mut self, label: &str, kind: u32, detail: String) {
        let Some(rest) = label.strip_prefix(self.prefix) else {
            return;
        };
        let seg = match rest.find('.') {
            Some(i) => &label[..self.prefix.len() + i + 1],
            None => label,
        };
        if !self.items.iter().any(|i| i["label"] == seg) {
            self.items
                .push(json!({"label": seg, "kind": kind, "detail": detail}));
        }
    }
}

/// The values that fit where the cursor is, when the line before it says.
fn context_values(p: &Program, before: &str) -> Option<Vec<(String, String)>> {
    let words: Vec<&str> = before
        .split(|c: char| !is_word(c) && !"=<>![,".contains(c))
        .flat_map(split_ops)
        .filter(|w| !w.is_empty())
        .collect();
    let n = words.len();
    // `then DECISION =`
    if n >= 3 && words[n - 1] == "=" && words[n - 3] == "then" {
        let dec = p.decisions.get(words[n - 2])?;
        let detail = format!("outcome of {}", dec.name);
        return Some(
            dec.outcomes
                .variants
                .iter()
                .map(|v| (v.clone(), detail.clone()))
                .collect(),
        );
    }
    // `set [default] NAME =`
    if n >= 3 && words[n - 1] == "=" && (words[n - 3] == "set" || words[n - 3] == "default") {
        let s = p.settings.get(words[n - 2])?;
        return Some(values_of(&s.ty, &format!("value of {}", words[n - 2])));
    }
    // `PATH == `, `PATH in [a, `, `PATH < ` …
    let mut i = n;
    let list = |w: &str| w == "," || w == "[";
    while i > 0
        && (list(words[i - 1]) || (i >= 2 && list(words[i - 2]) && is_value(p, words[i - 1])))
    {
        i -= 1;
    }
    if i >= 2 && ["==", "!=", "<", "<=", ">", ">=", "in"].contains(&words[i - 1]) {
        let path = words[i - 2];
        let ty = p
            .facts
            .get(path)
            .map(|f| &f.ty)
            .or_else(|| p.settings.get(path).map(|s| &s.ty))?;
        let values = values_of(ty, &format!("value of {path}"));
        return (!values.is_empty()).then_some(values);
    }
    None
}

/// Splits the operators off a word (`x==` → `x`, `==`).
fn split_ops(w: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = w.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let op = b[i] == b'=' || b[i] == b'<' || b[i] == b'>' || b[i] == b'!';
        let punct = b[i] == b'[' || b[i] == b',';
        if op || punct {
            out.push(&w[start..i]);
            let mut j = i + 1;
            while op && j < b.len() && b[j] == b'=' {
                j += 1;
            }
            out.push(&w[i..j]);
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    out.push(&w[start..]);
    out
}

/// Whether a word is a value already written in a list (`[face_id, `).
fn is_value(p: &Program, w: &str) -> bool {
    w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !p.facts.contains_key(w)
        && !p.settings.contains_key(w)
        && !KEYWORDS.contains(&w)
}

/// The values a type has: enum names, `true`/`false`; a list's item values.
fn values_of(ty: &Type, detail: &str) -> Vec<(String, String)> {
    match ty.strip_optional() {
        Type::Enum(e) => e
            .variants
            .iter()
            .map(|v| (v.clone(), detail.to_string()))
            .collect(),
        Type::Bool => ["true", "false"]
            .iter()
            .map(|v| (v.to_string(), detail.to_string()))
            .collect(),
        Type::List(t) => values_of(t, detail),
        _ => Vec::new(),
    }
}
