//! Navigation: declarations, go to definition (into the bundled files, written once
//! to a read-only cache directory), find references, the document outline.

use super::text::{is_word, offset, range_of, word_at};
use super::Doc;
use crate::syntax::ast::{File, Item, Name};
use lsp_types as lsp;
use serde_json::{json, Value as J};

/// Each declaration of a parsed file: its name and the name's span.
pub(super) fn declarations(f: &File) -> Vec<(&Name, u32)> {
    f.items
        .iter()
        .filter_map(|i| {
            Some(match i {
                Item::Type(x) => (&x.name, 5),
                Item::Fact(x) => (&x.name, 8),
                Item::Setting(x) => (&x.name, 14),
                Item::Decision(x) => (&x.name, 10),
                Item::Let(x) => (&x.name, 13),
                Item::Rule(x) => (&x.name, 12),
                Item::Lint(x) => (&x.name, 12),
                Item::Facts(x) => (&x.name, 19),
                Item::Test(x) => (&x.name, 12),
                Item::Property(x) => (&x.name, 12),
                _ => return None,
            })
        })
        .collect()
}

pub(super) fn definition(d: &Doc, uri: &str, pos: lsp::Position) -> Option<J> {
    let at = offset(&d.text, pos);
    let (_, _, word) = word_at(&d.text, at)?;
    let word = word.trim_matches('.');
    let a = d.analysis.as_ref()?;
    // `intune.healthy_device` names a fact set of the bundled policy.
    let key = word.strip_prefix("intune.").unwrap_or(word);
    for f in &a.files {
        for (name, _) in declarations(f) {
            if name.text == key || name.text == word {
                let file = a.sources.get(name.span.file)?;
                let (target_uri, text) = if file.name == d.name {
                    (uri.to_string(), d.text.clone())
                } else {
                    (bundled_uri(&file.name, &file.text)?, file.text.clone())
                };
                return Some(json!({
                    "uri": target_uri,
                    "range": range_of(&text, name.span.start as usize, name.span.end as usize),
                }));
            }
        }
    }
    None
}

/// Every use of the name under the cursor, in the document and the files it uses
/// (whole dotted names only: `device.model` is not in `device.model_x`).
pub(super) fn references(d: &Doc, uri: &str, pos: lsp::Position) -> J {
    let at = offset(&d.text, pos);
    let Some((_, _, word)) = word_at(&d.text, at) else {
        return json!([]);
    };
    let word = word.trim_matches('.').to_string();
    let Some(a) = &d.analysis else {
        return json!([]);
    };
    let mut out = Vec::new();
    for (_, file) in a.sources.iter() {
        let (target, text) = if file.name == d.name {
            (uri.to_string(), d.text.as_str())
        } else {
            match bundled_uri(&file.name, &file.text) {
                Some(u) => (u, file.text.as_str()),
                None => continue,
            }
        };
        for (i, _) in text.match_indices(word.as_str()) {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            if before.is_some_and(is_word) || after.is_some_and(|c| is_word(c) && c != '.') {
                continue;
            }
            // A prefix of a longer path (`device` in `device.model`) is not a use.
            if after == Some('.')
                && text[i + word.len() + 1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            out.push(json!({"uri": target, "range": range_of(text, i, i + word.len())}));
        }
    }
    J::Array(out)
}

/// A bundled file, written once to a read-only cache directory, as a `file:` URI.
pub(super) fn bundled_uri(name: &str, text: &str) -> Option<String> {
    let file = name.rsplit('/').next()?;
    let dir = std::env::temp_dir().join(format!("apprules-{}-bundled", env!("CARGO_PKG_VERSION")));
    let path = dir.join(file);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(&dir).ok()?;
        // An older copy is read-only: removed (the directory is writable), rewritten.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, text).ok()?;
        let mut perm = std::fs::metadata(&path).ok()?.permissions();
        perm.set_readonly(true);
        let _ = std::fs::set_permissions(&path, perm);
    }
    lsp::Url::from_file_path(&path).ok().map(|u| u.to_string())
}

pub(super) fn symbols(d: &Doc) -> J {
    let mine: Vec<J> = super::own_files(d)
        .flat_map(|f| {
            declarations(f).into_iter().map(|(n, kind)| {
                json!({
                    "name": n.text,
                    "kind": kind,
                    "range": range_of(&d.text, n.span.start as usize, n.span.end as usize),
                    "selectionRange": range_of(&d.text, n.span.start as usize, n.span.end as usize),
                })
            })
        })
        .collect();
    J::Array(mine)
}
