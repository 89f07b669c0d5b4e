//! `apprules lsp`: a Language Server Protocol server for rule files, on stdio.
//!
//! Messages are framed and read here (not by `lsp-server`'s transport, which stops at
//! the first malformed message): a message that is not JSON gets a JSON-RPC parse
//! error, an unknown method `MethodNotFound`, and the server goes on. The message types
//! are `lsp-types`'. Every open document is checked whole on each change (the bundled
//! policy with it): diagnostics of the checker and the compiler's lints, hover,
//! completion, go to definition (into the bundled files, written once to a read-only
//! cache directory), document symbols and formatting.

use crate::source::Sources;
use crate::syntax::ast::{File, Item, Name};
use crate::{Diagnostic, Error, PolicyBuilder, Severity};
use lsp_types as lsp;
use serde_json::{json, Value as J};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

/// The largest message read (a bigger one is skipped with an error response).
const MAX_MESSAGE: usize = 64 << 20;

/// One open document, checked.
struct Doc {
    text: String,
    /// The path the document is checked under (for `use intune` and names).
    name: String,
    analysis: Option<Analysis>,
}

/// What a check of a document knows.
struct Analysis {
    sources: Sources,
    files: Vec<File>,
    program: Option<Arc<crate::check::ir::Program>>,
}

/// Serves one client until `exit` or the end of input.
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut docs: HashMap<String, Doc> = HashMap::new();
    loop {
        let text = match read_message(&mut input)? {
            Frame::End => return Ok(()),
            Frame::TooLarge => {
                send(&mut output, &error(J::Null, -32600, "message too large"))?;
                continue;
            }
            Frame::Text(t) => t,
        };
        let msg: J = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(e) => {
                send(
                    &mut output,
                    &error(J::Null, -32700, &format!("parse error: {e}")),
                )?;
                continue;
            }
        };
        let method = msg.get("method").and_then(J::as_str).unwrap_or_default();
        let id = msg.get("id").cloned();
        let params = msg.get("params").cloned().unwrap_or(J::Null);
        if method == "exit" {
            return Ok(());
        }
        let reply = match handle(&mut docs, method, params, &mut output) {
            Ok(r) => r,
            Err(e) => Reply::Error(-32602, e),
        };
        if let Some(id) = id {
            if msg.get("method").is_none() {
                // A response from the client: nothing to do.
                continue;
            }
            let m = match reply {
                Reply::Result(r) => json!({"jsonrpc": "2.0", "id": id, "result": r}),
                Reply::Error(code, m) => error(id, code, &m),
                Reply::None => json!({"jsonrpc": "2.0", "id": id, "result": null}),
                Reply::Unknown => error(id, -32601, &format!("method not found: {method}")),
            };
            send(&mut output, &m)?;
        }
    }
}

enum Reply {
    Result(J),
    Error(i64, String),
    None,
    Unknown,
}

enum Frame {
    Text(String),
    TooLarge,
    End,
}

fn error(id: J, code: i64, message: &str) -> J {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn send(out: &mut impl Write, m: &J) -> std::io::Result<()> {
    let text = m.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}

/// One framed message: headers, a blank line, `Content-Length` bytes.
fn read_message<R: BufRead>(input: &mut R) -> std::io::Result<Frame> {
    let mut length: Option<usize> = None;
    loop {
        let mut line = Vec::new();
        let n = std::io::Read::take(&mut *input, 8192).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(Frame::End);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok();
            }
        }
    }
    let Some(n) = length else {
        return Ok(Frame::End);
    };
    if n > MAX_MESSAGE {
        std::io::copy(
            &mut std::io::Read::take(&mut *input, n as u64),
            &mut std::io::sink(),
        )?;
        return Ok(Frame::TooLarge);
    }
    let mut buf = vec![0u8; n];
    input.read_exact(&mut buf)?;
    // Not UTF-8: the parse error reports it.
    Ok(Frame::Text(String::from_utf8_lossy(&buf).into_owned()))
}

fn parse<T: serde::de::DeserializeOwned>(params: J) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid params: {e}"))
}

fn handle(
    docs: &mut HashMap<String, Doc>,
    method: &str,
    params: J,
    out: &mut impl Write,
) -> Result<Reply, String> {
    Ok(match method {
        "initialize" => Reply::Result(json!({
            "capabilities": {
                "textDocumentSync": 1,
                "hoverProvider": true,
                "completionProvider": {"triggerCharacters": ["."]},
                "definitionProvider": true,
                "referencesProvider": true,
                "documentSymbolProvider": true,
                "documentFormattingProvider": true,
            },
            "serverInfo": {"name": "apprules", "version": env!("CARGO_PKG_VERSION")},
        })),
        "initialized" | "$/cancelRequest" | "$/setTrace" => Reply::None,
        "shutdown" => Reply::None,
        "textDocument/didOpen" => {
            let p: lsp::DidOpenTextDocumentParams = parse(params)?;
            open(
                docs,
                p.text_document.uri.as_str(),
                p.text_document.text,
                out,
            )
            .map_err(|e| e.to_string())?;
            Reply::None
        }
        "textDocument/didChange" => {
            let p: lsp::DidChangeTextDocumentParams = parse(params)?;
            if let Some(c) = p.content_changes.into_iter().last() {
                open(docs, p.text_document.uri.as_str(), c.text, out).map_err(|e| e.to_string())?;
            }
            Reply::None
        }
        "textDocument/didClose" => {
            let p: lsp::DidCloseTextDocumentParams = parse(params)?;
            docs.remove(p.text_document.uri.as_str());
            publish(out, p.text_document.uri.as_str(), Vec::new()).map_err(|e| e.to_string())?;
            Reply::None
        }
        "textDocument/hover" => {
            let p: lsp::HoverParams = parse(params)?;
            let uri = p.text_document_position_params.text_document.uri;
            let pos = p.text_document_position_params.position;
            match docs.get(uri.as_str()).and_then(|d| hover(d, pos)) {
                Some(h) => Reply::Result(json!({"contents": {"kind": "markdown", "value": h}})),
                None => Reply::Result(J::Null),
            }
        }
        "textDocument/completion" => {
            let p: lsp::CompletionParams = parse(params)?;
            let uri = p.text_document_position.text_document.uri;
            let pos = p.text_document_position.position;
            Reply::Result(match docs.get(uri.as_str()) {
                Some(d) => completion(d, pos),
                None => json!([]),
            })
        }
        "textDocument/definition" => {
            let p: lsp::GotoDefinitionParams = parse(params)?;
            let uri = p.text_document_position_params.text_document.uri;
            let pos = p.text_document_position_params.position;
            Reply::Result(
                docs.get(uri.as_str())
                    .and_then(|d| definition(d, uri.as_str(), pos))
                    .unwrap_or(J::Null),
            )
        }
        "textDocument/references" => {
            let p: lsp::ReferenceParams = parse(params)?;
            let uri = p.text_document_position.text_document.uri;
            let pos = p.text_document_position.position;
            Reply::Result(
                docs.get(uri.as_str())
                    .map(|d| references(d, uri.as_str(), pos))
                    .unwrap_or(json!([])),
            )
        }
        "textDocument/documentSymbol" => {
            let p: lsp::DocumentSymbolParams = parse(params)?;
            Reply::Result(
                docs.get(p.text_document.uri.as_str())
                    .map(symbols)
                    .unwrap_or(json!([])),
            )
        }
        "textDocument/formatting" => {
            let p: lsp::DocumentFormattingParams = parse(params)?;
            match docs.get(p.text_document.uri.as_str()) {
                Some(d) => match crate::fmt::format_source(&d.name, &d.text) {
                    Ok(new) if new != d.text => Reply::Result(json!([{
                        "range": {"start": {"line": 0, "character": 0}, "end": end_of(&d.text)},
                        "newText": new,
                    }])),
                    Ok(_) => Reply::Result(json!([])),
                    Err(_) => Reply::Error(-32803, "the document has syntax errors".into()),
                },
                None => Reply::Result(J::Null),
            }
        }
        m if m.starts_with("$/") => Reply::None,
        _ => Reply::Unknown,
    })
}

/// The file path a URI names (`file:///a/b.rules` → `/a/b.rules`).
fn path_of(uri: &str) -> String {
    match lsp::Url::parse(uri)
        .ok()
        .and_then(|u| u.to_file_path().ok())
    {
        Some(p) => p.display().to_string(),
        None => uri.to_string(),
    }
}

fn open(
    docs: &mut HashMap<String, Doc>,
    uri: &str,
    text: String,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let name = path_of(uri);
    let (analysis, diags) = analyze(&name, &text);
    let mut doc = Doc {
        text,
        name,
        analysis: None,
    };
    let items: Vec<J> = diags
        .iter()
        .filter_map(|(d, sources)| diagnostic_json(d, sources, &doc))
        .collect();
    doc.analysis = Some(analysis);
    docs.insert(uri.to_string(), doc);
    publish(out, uri, items)
}

fn publish(out: &mut impl Write, uri: &str, items: Vec<J>) -> std::io::Result<()> {
    send(
        out,
        &json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                "params": {"uri": uri, "diagnostics": items}}),
    )
}

/// Checks and compiles a document with what it uses; every diagnostic.
fn analyze(name: &str, text: &str) -> (Analysis, Vec<(Diagnostic, Sources)>) {
    let b = PolicyBuilder::new().source(name, text);
    let files = b.files().to_vec();
    let (report, program) = match b.build() {
        Ok(p) => (p.warnings(), Some(Arc::new(p.program().clone()))),
        Err(Error::Rules(report)) => (report, None),
        Err(e) => {
            let mut sources = Sources::new();
            sources.add(name, text);
            let d = Diagnostic {
                code: "E0001",
                severity: Severity::Error,
                message: e.to_string(),
                span: None,
                label: None,
                help: None,
            };
            (
                crate::Report {
                    sources,
                    diagnostics: vec![d],
                },
                None,
            )
        }
    };
    let sources = report.sources.clone();
    let diags = report
        .diagnostics
        .into_iter()
        .map(|d| (d, sources.clone()))
        .collect();
    (
        Analysis {
            sources,
            files,
            program,
        },
        diags,
    )
}

/// A diagnostic of this document as LSP JSON (those of other files are left out; a
/// diagnostic without a place is put on the first line).
fn diagnostic_json(d: &Diagnostic, sources: &Sources, doc: &Doc) -> Option<J> {
    let range = match d.span {
        Some(s) => {
            let f = sources.get(s.file)?;
            if f.name != doc.name {
                return None;
            }
            range_of(&doc.text, s.start as usize, s.end as usize)
        }
        None => json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
    };
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str(&format!(" (help: {h})"));
    }
    Some(json!({
        "range": range,
        "severity": if d.severity == Severity::Error { 1 } else { 2 },
        "code": d.code,
        "codeDescription": {"href": format!("https://github.com/apprules/apprules/blob/main/docs/errors.md#{}", d.code.to_ascii_lowercase())},
        "source": "apprules",
        "message": message,
    }))
}

/// A byte offset as an LSP position: line, and UTF-16 code units into it.
fn position(text: &str, offset: usize) -> J {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col: usize = text
        .get(start..offset)
        .unwrap_or_default()
        .chars()
        .map(char::len_utf16)
        .sum();
    json!({"line": line, "character": col})
}

fn range_of(text: &str, start: usize, end: usize) -> J {
    json!({"start": position(text, start), "end": position(text, end)})
}

fn end_of(text: &str) -> J {
    position(text, text.len())
}

/// An LSP position as a byte offset.
fn offset(text: &str, pos: lsp::Position) -> usize {
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

/// The dotted name around an offset, with its byte range.
fn word_at(text: &str, at: usize) -> Option<(usize, usize, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
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

fn program_of(d: &Doc) -> Option<Arc<crate::check::ir::Program>> {
    d.analysis
        .as_ref()
        .and_then(|a| a.program.clone())
        .or_else(|| {
            crate::Policy::bundled()
                .ok()
                .map(|p| Arc::new(p.program().clone()))
        })
}

fn hover(d: &Doc, pos: lsp::Position) -> Option<String> {
    let at = offset(&d.text, pos);
    let (_, _, word) = word_at(&d.text, at)?;
    let word = word.trim_matches('.');
    let p = program_of(d)?;
    if let Some(f) = p.facts.get(word) {
        let opt = if f.optional { "optional " } else { "" };
        return Some(format!("**fact** `{word}`: {opt}{}\n\n{}", f.ty, f.doc));
    }
    if let Some(s) = p.settings.get(word) {
        return Some(format!(
            "**setting** `{word}`: {}\n\ndefault: `{}`\n\n{}",
            s.ty,
            s.default.to_json(),
            s.doc
        ));
    }
    if let Some(dec) = p.decisions.get(word) {
        return Some(format!(
            "**decision** `{word}`: {:?} {}\n\n{}",
            dec.policy,
            dec.outcomes.variants.join(", "),
            dec.doc
        ));
    }
    if let Some(b) = crate::builtins::Builtin::by_name(word) {
        return Some(format!("**builtin** `{}` → {}", b.name(), b.result()));
    }
    None
}

const KEYWORDS: [&str; 24] = [
    "use", "type", "fact", "setting", "set", "decision", "let", "rule", "lint", "facts", "test",
    "property", "when", "then", "for", "in", "and", "or", "not", "about", "given", "expect",
    "requires", "present",
];

fn completion(d: &Doc, pos: lsp::Position) -> J {
    let at = offset(&d.text, pos);
    let prefix = word_at(&d.text, at)
        .map(|(s, _, _)| &d.text[s..at.max(s)])
        .unwrap_or("");
    let Some(p) = program_of(d) else {
        return json!([]);
    };
    let mut items: Vec<J> = Vec::new();
    let mut add = |label: &str, kind: u32, detail: String| {
        if let Some(rest) = label.strip_prefix(prefix) {
            // Segment by segment: the rest of the current segment, up to the next dot.
            let seg = match rest.find('.') {
                Some(i) => &label[..prefix.len() + i + 1],
                None => label,
            };
            if !items.iter().any(|i| i["label"] == seg) {
                items.push(json!({"label": seg, "kind": kind, "detail": detail}));
            }
        }
    };
    for (n, f) in &p.facts {
        add(n, 5, format!("fact: {}", f.ty));
    }
    for (n, s) in &p.settings {
        add(n, 10, format!("setting: {}", s.ty));
    }
    for (n, dec) in &p.decisions {
        add(
            n,
            3,
            format!("decision: {}", dec.outcomes.variants.join(" | ")),
        );
        for o in &dec.outcomes.variants {
            add(o, 20, format!("outcome of {n}"));
        }
    }
    if !prefix.contains('.') {
        for b in crate::builtins::Builtin::ALL {
            add(b.name(), 3, format!("builtin → {}", b.result()));
        }
        for k in KEYWORDS {
            add(k, 14, "keyword".into());
        }
        for ty in p
            .facts
            .values()
            .map(|f| &f.ty)
            .chain(p.settings.values().map(|s| &s.ty))
        {
            if let crate::value::Type::Enum(e) = ty.strip_optional() {
                for v in &e.variants {
                    add(v, 20, "value".into());
                }
            }
        }
    }
    J::Array(items)
}

/// Each declaration of a parsed file: its name and the name's span.
fn declarations(f: &File) -> Vec<(&Name, u32)> {
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

fn definition(d: &Doc, uri: &str, pos: lsp::Position) -> Option<J> {
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
fn references(d: &Doc, uri: &str, pos: lsp::Position) -> J {
    let at = offset(&d.text, pos);
    let Some((_, _, word)) = word_at(&d.text, at) else {
        return json!([]);
    };
    let word = word.trim_matches('.').to_string();
    let Some(a) = &d.analysis else {
        return json!([]);
    };
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
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
fn bundled_uri(name: &str, text: &str) -> Option<String> {
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

fn symbols(d: &Doc) -> J {
    let Some(a) = &d.analysis else {
        return json!([]);
    };
    let mine: Vec<J> = a
        .files
        .iter()
        .filter(|f| {
            f.items
                .first()
                .and_then(|i| a.sources.get(i.span().file))
                .is_some_and(|s| s.name == d.name)
        })
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
