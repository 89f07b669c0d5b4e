//! Hover: what a name under the cursor is — a fact's or setting's type, default and
//! doc; a decision's hit policy and outcomes; a rule's condition as the rows it
//! compiled to; a `{...}` in a message and what fills it; lets, types, builtins.

use super::text::{in_string, offset, word_at};
use super::Doc;
use crate::compile::print::column_name;
use crate::compile::Compiled;
use crate::syntax::ast::Item;
use crate::syntax::print;
use lsp_types as lsp;

/// Most compiled rows shown in a rule's hover.
const MAX_ROWS_SHOWN: usize = 24;

pub(super) fn hover(d: &Doc, pos: lsp::Position) -> Option<String> {
    let at = offset(&d.text, pos);
    let (start, _, word) = word_at(&d.text, at)?;
    let word = word.trim_matches('.');
    let compiled = super::compiled_of(d)?;
    let mut out = String::new();
    if let Some(part) = message_part(d, start, word, &compiled) {
        out.push_str(&part);
        out.push_str("\n\n---\n\n");
    }
    let body = named(d, word, &compiled)?;
    out.push_str(&body);
    Some(out)
}

/// A `{name}` inside a rule's message: what fills it.
fn message_part(d: &Doc, start: usize, word: &str, c: &Compiled) -> Option<String> {
    let string_start = in_string(&d.text, start)?;
    let before = d.text.get(string_start..start)?;
    if !before.ends_with('{') {
        return None;
    }
    let p = &c.program;
    let what = match p.settings.get_full(word) {
        Some((id, _, _)) => format!(
            "the setting `{word}`, filled in when the policy is compiled: now `{}`",
            c.settings
                .get(id)
                .map(crate::semantics::display::display_plain)
                .unwrap_or_default()
        ),
        None => format!("`{word}`: the `for` variable, each item of the list in turn"),
    };
    Some(format!("**message part** `{{{word}}}`: {what}"))
}

/// The declaration a name refers to, described.
fn named(d: &Doc, word: &str, c: &Compiled) -> Option<String> {
    let p = &c.program;
    if let Some(f) = p.facts.get(word) {
        let opt = if f.optional { "optional " } else { "" };
        return Some(format!("**fact** `{word}`: {opt}{}\n\n{}", f.ty, f.doc));
    }
    if let Some((id, _, s)) = p.settings.get_full(word) {
        let now = c
            .settings
            .get(id)
            .map(|v| v.to_json().to_string())
            .unwrap_or_default();
        return Some(format!(
            "**setting** `{word}`: {}\n\ndefault: `{}` · now: `{now}`\n\n{}",
            s.ty,
            s.default.to_json(),
            s.doc
        ));
    }
    if let Some(dec) = p.decisions.get(word) {
        let sep = if dec.policy == crate::syntax::ast::HitPolicy::Priority {
            " < "
        } else {
            " | "
        };
        return Some(format!(
            "**decision** `{word}`: {} hit policy, outcomes {}\n\n{}",
            format!("{:?}", dec.policy).to_lowercase(),
            dec.outcomes.variants.join(sep),
            dec.doc
        ));
    }
    if let Some(i) = p.rules.iter().position(|r| r.name == word) {
        return Some(rule(c, i));
    }
    if let Some(b) = crate::builtins::Builtin::by_name(word) {
        return Some(format!("**builtin** `{}`", b.signature()));
    }
    declared(d, word)
}

/// Lets, types, fact sets, tests and properties: from the parsed files.
fn declared(d: &Doc, word: &str) -> Option<String> {
    let a = d.analysis.as_ref()?;
    let key = word.strip_prefix("intune.").unwrap_or(word);
    for f in &a.files {
        for item in &f.items {
            let text = match item {
                Item::Let(x) if x.name.text == word => format!(
                    "**let** `{word}` = `{}`\n\n{}",
                    print::expr(&x.expr, 0),
                    x.doc.as_deref().unwrap_or_default()
                ),
                Item::Type(x) if x.name.text == word => format!(
                    "**type** `{word}` = `{}`\n\n{}",
                    print::ty(&x.ty),
                    x.doc.as_deref().unwrap_or_default()
                ),
                Item::Facts(x) if x.name.text == key => {
                    format!("**facts** `{key}`: a named fact set for tests")
                }
                Item::Test(x) if x.name.text == word => format!(
                    "**test** `{word}` ({} expectations): run it with the code lens above it\n\n{}",
                    x.expectations.len(),
                    x.doc.as_deref().unwrap_or_default()
                ),
                Item::Property(x) if x.name.text == word => format!(
                    "**property** `{word}`: run it with the code lens above it\n\n{}",
                    x.doc.as_deref().unwrap_or_default()
                ),
                _ => continue,
            };
            return Some(text);
        }
    }
    None
}

/// A rule: its decision, doc, and the rows it compiled to under the current settings.
fn rule(c: &Compiled, index: usize) -> String {
    let p = &c.program;
    let Some(r) = p.rules.get(index) else {
        return String::new();
    };
    let decision = p
        .decisions
        .get_index(r.decision)
        .map(|(n, _)| n.as_str())
        .unwrap_or_default();
    let mut out = format!("**rule** `{}` → decision `{decision}`", r.name);
    if let Some((about, _)) = r.about.and_then(|a| p.settings.get_index(a)) {
        out.push_str(&format!(" (about `{about}`)"));
    }
    if !r.doc.is_empty() {
        out.push_str(&format!("\n\n{}", r.doc));
    }
    let Some(table) = c.tables.get(r.decision) else {
        return out;
    };
    let rows: Vec<_> = table.rows.iter().filter(|row| row.rule == index).collect();
    if rows.is_empty() {
        out.push_str(
            "\n\nCompiled under the current settings: **no rows** — the condition folds \
             to false, so the rule never applies.",
        );
        return out;
    }
    out.push_str(&format!(
        "\n\nCompiled under the current settings: {} row{} of table `{}`\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        table.name
    ));
    for row in rows.iter().take(MAX_ROWS_SHOWN) {
        let cells: Vec<String> = row
            .tests
            .iter()
            .map(|(col, test)| {
                let name = table
                    .columns
                    .get(*col as usize)
                    .map(|x| column_name(x, p))
                    .unwrap_or_default();
                format!("{name} {test}")
            })
            .collect();
        let when = if cells.is_empty() {
            "always".to_string()
        } else {
            cells.join(" and ")
        };
        let shadow = match row.shadow.and_then(|s| p.settings.get_index(s)) {
            Some((s, _)) => format!(" (shows whether `{s}` is enforced; never decides)"),
            None => String::new(),
        };
        out.push_str(&format!(
            "\n- `{when}` ⇒ `{}`{shadow}",
            crate::semantics::display::display_plain(&row.outcome)
        ));
    }
    if rows.len() > MAX_ROWS_SHOWN {
        out.push_str(&format!("\n- … and {} more", rows.len() - MAX_ROWS_SHOWN));
    }
    out
}
