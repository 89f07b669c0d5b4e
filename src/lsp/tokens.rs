//! Semantic tokens: the document lexed (comments, strings with their `{...}` parts,
//! numbers and versions, operators, keywords) and every name classified by what the
//! checked program says it is: a fact, a setting, a decision, an enum value, a rule,
//! a let, a type, a builtin. A document that does not parse still gets its tokens.

use super::text::KEYWORDS;
use super::Doc;
use crate::syntax::ast::Item;
use serde_json::{json, Value as J};
use std::collections::HashMap;

/// The token types, in legend order.
pub(super) const TYPES: [&str; 15] = [
    "keyword",
    "type",
    "enumMember",
    "property",
    "parameter",
    "function",
    "variable",
    "string",
    "number",
    "comment",
    "operator",
    "namespace",
    "class",
    "method",
    "macro",
];
/// The token modifiers, in legend order.
pub(super) const MODIFIERS: [&str; 3] = ["declaration", "readonly", "defaultLibrary"];

const KEYWORD: u32 = 0;
const TYPE: u32 = 1;
const ENUM_MEMBER: u32 = 2;
const FACT: u32 = 3;
const SETTING: u32 = 4;
const BUILTIN: u32 = 5;
const VARIABLE: u32 = 6;
const STRING: u32 = 7;
const NUMBER: u32 = 8;
const COMMENT: u32 = 9;
const OPERATOR: u32 = 10;
const NAMESPACE: u32 = 11;
const DECISION: u32 = 12;
const NAMED: u32 = 13;

const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 4;

/// Keywords after which a name is declared.
const DECLARING: [&str; 11] = [
    "type", "fact", "setting", "decision", "let", "rule", "warning", "error", "facts", "test",
    "property",
];

/// The `semanticTokensProvider` capability.
pub(super) fn capability() -> J {
    json!({"legend": {"tokenTypes": TYPES, "tokenModifiers": MODIFIERS}, "full": true})
}

/// The names of a program, classified.
fn names(d: &Doc) -> HashMap<String, u32> {
    let mut m = HashMap::new();
    if let Some(c) = super::compiled_of(d) {
        let p = &c.program;
        // Rule and fact set names first: a value of the same name wins in a condition
        // (a declaration is told by the keyword before it).
        for r in &p.rules {
            m.insert(r.name.clone(), NAMED);
        }
        for n in super::suite(d).fact_sets.keys() {
            m.insert(n.clone(), NAMED);
        }
        let enums = p
            .facts
            .values()
            .map(|f| &f.ty)
            .chain(p.settings.values().map(|s| &s.ty));
        for ty in enums {
            if let crate::value::Type::Enum(e) = ty.strip_optional() {
                for v in &e.variants {
                    m.insert(v.clone(), ENUM_MEMBER);
                }
            }
        }
        for dec in p.decisions.values() {
            for v in &dec.outcomes.variants {
                m.insert(v.clone(), ENUM_MEMBER);
            }
        }
        for n in p.facts.keys().chain(p.groups.keys()) {
            m.insert(n.clone(), FACT);
        }
        for n in p.settings.keys() {
            m.insert(n.clone(), SETTING);
        }
        for n in p.decisions.keys() {
            m.insert(n.clone(), DECISION);
        }
    }
    for b in crate::builtins::Builtin::ALL {
        m.insert(b.name().to_string(), BUILTIN);
    }
    if let Some(a) = &d.analysis {
        for item in a.files.iter().flat_map(|f| &f.items) {
            let (name, kind) = match item {
                Item::Let(x) => (&x.name, VARIABLE),
                Item::Type(x) => (&x.name, TYPE),
                Item::Test(x) => (&x.name, NAMED),
                Item::Property(x) => (&x.name, NAMED),
                Item::Lint(x) => (&x.name, NAMED),
                _ => continue,
            };
            m.entry(name.text.clone()).or_insert(kind);
        }
    }
    m
}

/// Tokens, encoded as the protocol says (relative lines and UTF-16 columns).
pub(super) fn tokens(d: &Doc) -> J {
    let names = names(d);
    let mut out = Encoder::default();
    let text = d.text.as_str();
    let b = text.as_bytes();
    let mut i = 0;
    let mut previous = "";
    while i < b.len() {
        let c = b[i];
        if c == b'#' {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            out.push(text, i, end, COMMENT, 0);
            i = end;
        } else if c == b'"' {
            i = string(text, i, &names, &mut out);
        } else if c.is_ascii_digit() {
            let end = scan(b, i, |c| c.is_ascii_digit() || c == b'.');
            out.push(text, i, end, NUMBER, 0);
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = scan(b, i, |c| {
                c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
            });
            let end = if b[end - 1] == b'.' { end - 1 } else { end };
            let word = &text[i..end];
            name(text, i, word, previous, &names, &mut out);
            previous = word;
            i = end;
        } else if b"=!<>+-*/|".contains(&c) {
            let end = scan(b, i, |c| b"=!<>".contains(&c)).max(i + 1);
            out.push(text, i, end, OPERATOR, 0);
            i = end;
        } else {
            i += 1;
        }
    }
    json!({"data": out.data})
}

fn scan(b: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    from + b[from..].iter().take_while(|c| keep(**c)).count()
}

/// A name: a keyword, or what the program declares it as.
fn name(
    text: &str,
    at: usize,
    word: &str,
    previous: &str,
    names: &HashMap<String, u32>,
    out: &mut Encoder,
) {
    if KEYWORDS.contains(&word) {
        out.push(text, at, at + word.len(), KEYWORD, 0);
        return;
    }
    let declaration = if DECLARING.contains(&previous) {
        DECLARATION
    } else {
        0
    };
    if ["rule", "test", "property", "warning", "error", "facts"].contains(&previous) {
        out.push(text, at, at + word.len(), NAMED, DECLARATION);
        return;
    }
    if let Some(kind) = names.get(word) {
        let m = if *kind == BUILTIN { DEFAULT_LIBRARY } else { 0 };
        out.push(text, at, at + word.len(), *kind, m | declaration);
        return;
    }
    // `intune.healthy_device`, `varied.device.model`: a namespace, then the name.
    if let Some((head, rest)) = word.split_once('.') {
        if head == "intune" || head == "varied" {
            out.push(text, at, at + head.len(), NAMESPACE, 0);
            let kind = names.get(rest).copied().unwrap_or(VARIABLE);
            out.push(text, at + head.len() + 1, at + word.len(), kind, 0);
            return;
        }
    }
    out.push(text, at, at + word.len(), VARIABLE, declaration);
}

/// A string literal from its opening quote; `{name}` parts are their own tokens.
/// Returns the offset after it (a string ends at its line's end at the latest).
fn string(text: &str, start: usize, names: &HashMap<String, u32>, out: &mut Encoder) -> usize {
    let b = text.as_bytes();
    let mut i = start + 1;
    let mut piece = start;
    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\n') {
                break;
            }
            i += 2;
            continue;
        }
        if b[i] == b'{' {
            let close = scan(b, i + 1, |c| {
                c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
            });
            if close > i + 1 && b.get(close) == Some(&b'}') {
                out.push(text, piece, i + 1, STRING, 0);
                let inner = &text[i + 1..close];
                let kind = names.get(inner).copied().unwrap_or(VARIABLE);
                out.push(text, i + 1, close, kind, 0);
                piece = close;
                i = close;
                continue;
            }
        }
        i += 1;
    }
    let end = if i < b.len() && b[i] == b'"' {
        i + 1
    } else {
        i.min(b.len())
    };
    out.push(text, piece, end, STRING, 0);
    end
}

/// Encodes tokens relative to the one before, keeping the line and column reached.
#[derive(Default)]
struct Encoder {
    data: Vec<u32>,
    /// Line and UTF-16 column of the last token's start, and its byte offset.
    line: u32,
    col: u32,
    at: usize,
}

impl Encoder {
    fn push(&mut self, text: &str, start: usize, end: usize, kind: u32, modifiers: u32) {
        if start >= end || start < self.at {
            return;
        }
        let (mut line, mut col) = (self.line, self.col);
        for c in text[self.at..start].chars() {
            if c == '\n' {
                line += 1;
                col = 0;
            } else {
                col += c.len_utf16() as u32;
            }
        }
        let length: u32 = text[start..end].chars().map(|c| c.len_utf16() as u32).sum();
        let delta_col = if line == self.line {
            col - self.col
        } else {
            col
        };
        self.data
            .extend([line - self.line, delta_col, length, kind, modifiers]);
        self.line = line;
        self.col = col;
        self.at = start;
    }
}
