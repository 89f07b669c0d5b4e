//! Rendering an import as a rule file: the header, wrapped comments, literals.

use super::*;

/// The display name and description that [`Imported::to_rules`] wrote as a rule
/// file's first comments, read back (escapes undone), for `export graph`.
pub fn header_of(text: &str) -> (Option<String>, Option<String>) {
    const HEAD: &str = "# Imported from Intune (Graph iosManagedAppProtection): ";
    let mut lines = text.lines();
    let Some(name) = lines.next().and_then(|l| l.strip_prefix(HEAD)) else {
        return (None, None);
    };
    let name = if name == "(no displayName)" {
        String::new()
    } else {
        unescape(name)
    };
    let desc: Vec<String> = lines
        .take_while(|l| l.starts_with("# "))
        .map(|l| unescape(l.trim_start_matches("# ")))
        .collect();
    let desc = (!desc.is_empty()).then(|| desc.join(" "));
    (Some(name), desc)
}

/// Undoes [`comment`]'s `\u{..}` escapes.
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 3..).unwrap_or_default();
        match after.find('}').and_then(|j| {
            let c = u32::from_str_radix(after.get(..j)?, 16)
                .ok()
                .and_then(char::from_u32)?;
            Some((c, j))
        }) {
            Some((c, j)) => {
                out.push(c);
                rest = after.get(j + 1..).unwrap_or_default();
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends `text` as one comment line: every character that could end the line or
/// hide text (control characters, Unicode line and paragraph separators, bidi
/// controls) written as an escape, so nothing from an export can start a declaration.
pub fn comment(out: &mut String, text: &str) {
    out.push_str("# ");
    for c in text.chars() {
        // A backslash too, so that reading the escapes back is exact.
        let unsafe_char = c.is_control()
            || c == '\\'
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{200e}' | '\u{200f}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        if unsafe_char {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
}

pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + w.len() + 1 > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A JSON setting value as a rule-file literal of type `t`, after checking that the
/// type accepts it (the same check `--settings` makes).
pub fn literal(v: &J, t: &Type) -> Result<String, crate::value::DecodeError> {
    crate::value::decode(v, t, "$")?;
    Ok(render(v, t))
}

/// Writes a value [`literal`] has checked.
pub(super) fn render(v: &J, t: &Type) -> String {
    use crate::syntax::print::string;
    match (t, v) {
        (Type::Optional(_), J::Null) => "not_configured".into(),
        (Type::Optional(_), J::String(s)) if s == "not_configured" => "not_configured".into(),
        (Type::Optional(inner), _) => render(v, inner),
        // An enum value is one of the declared names, so a bare name.
        (Type::Enum(_), J::String(s)) => s.clone(),
        (_, J::String(s)) => string(s),
        (Type::List(inner), J::Array(items)) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| render(i, inner))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Type::Record(fields), J::Object(m)) => format!(
            "{{{}}}",
            fields
                .iter()
                .filter_map(|(name, ft)| m
                    .get(name)
                    .map(|fv| format!("{name}: {}", render(fv, ft))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, other) => other.to_string(),
    }
}
