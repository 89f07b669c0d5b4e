//! Positions: byte offsets against LSP positions (line, UTF-16 code units), and the
//! word under the cursor.

use lsp_types as lsp;
use serde_json::{json, Value as J};

/// A byte offset as an LSP position: line, and UTF-16 code units into it.
pub(super) fn position(text: &str, offset: usize) -> J {
    let (line, col) = line_col(text, offset);
    json!({"line": line, "character": col})
}

/// A byte offset as (line, UTF-16 column).
pub(super) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = floor_char(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col: usize = before[start..].chars().map(char::len_utf16).sum();
    (line as u32, col as u32)
}

/// The largest char boundary at or below `i`.
fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(super) fn range_of(text: &str, start: usize, end: usize) -> J {
    json!({"start": position(text, start), "end": position(text, end)})
}

pub(super) fn end_of(text: &str) -> J {
    position(text, text.len())
}

/// An LSP position as a byte offset.
pub(super) fn offset(text: &str, pos: lsp::Position) -> usize {
    let mut line_start = 0usize;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

/// Whether a character belongs to a dotted name.
pub(super) fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The dotted name around an offset, with its byte range.
pub(super) fn word_at(text: &str, at: usize) -> Option<(usize, usize, &str)> {
    let at = floor_char(text, at.min(text.len()));
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(at);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, _)| at + i)
        .unwrap_or(text.len());
    (start < end).then(|| (start, end, &text[start..end]))
}

/// The line the offset is on, up to the offset.
pub(super) fn line_before(text: &str, at: usize) -> &str {
    let at = floor_char(text, at.min(text.len()));
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    &text[start..at]
}

/// Whether the offset is inside a string literal on its line (quotes counted, escapes
/// skipped), and if so where the string's text starts.
pub(super) fn in_string(text: &str, at: usize) -> Option<usize> {
    let line = line_before(text, at);
    let base = at.min(text.len()) - line.len();
    let mut open = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if open.is_some() => escaped = true,
            '"' => {
                open = if open.is_some() {
                    None
                } else {
                    Some(base + i + 1)
                }
            }
            '#' if open.is_none() => return None,
            _ => {}
        }
    }
    open
}

/// The grammar's keywords (`keyword` in `grammar/apprules.pest`).
pub(super) const KEYWORDS: [&str; 49] = [
    "about", "all", "and", "any", "as", "bool", "case", "collect", "decision", "default", "else",
    "error", "expect", "fact", "facts", "false", "first", "for", "given", "group", "ignoring",
    "in", "int", "let", "lint", "list", "not", "of", "only", "optional", "or", "output",
    "priority", "property", "report", "requires", "rule", "set", "setting", "settings", "string",
    "test", "then", "true", "type", "use", "version", "warning", "when",
];
