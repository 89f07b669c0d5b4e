//! `apprules lsp`: a Language Server Protocol server for rule files, on stdio.
//!
//! Messages are framed and read here (not by `lsp-server`'s transport, which stops at
//! the first malformed message): a message that is not JSON gets a JSON-RPC parse
//! error, an unknown method `MethodNotFound`, and the server goes on. The message types
//! are `lsp-types`'. Every open document is checked whole on each change (the bundled
//! policy with it): diagnostics of the checker and the compiler's lints. The features
//! each have a file: `hover`, `complete`, `navigate` (definition, references,
//! outline), `tokens` (semantic tokens), `lens` (run tests); `text` converts
//! positions.

mod complete;
mod hover;
mod lens;
mod navigate;
mod text;
mod tokens;

use crate::check::suite::Suite;
use crate::codes::ParseError;
use crate::compile::Compiled;
use crate::source::Sources;
use crate::syntax::ast::File;
use crate::{Diagnostic, Error, PolicyBuilder, Severity};
use lsp_types as lsp;
use serde_json::{json, Value as J};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use text::{end_of, range_of};

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
    /// The document's policy, compiled (`None` when it has errors).
    compiled: Option<Arc<Compiled>>,
    /// Its tests, fact sets and properties (empty when it has errors).
    suite: Arc<Suite>,
}

/// The parsed files of the document itself (not those it uses).
fn own_files(d: &Doc) -> impl Iterator<Item = &File> {
    d.analysis.iter().flat_map(move |a| {
        a.files.iter().filter(move |f| {
            f.items
                .first()
                .and_then(|i| a.sources.get(i.span().file))
                .is_some_and(|s| s.name == d.name)
        })
    })
}

/// The document's tests (empty while it has errors).
fn suite(d: &Doc) -> Arc<Suite> {
    d.analysis
        .as_ref()
        .map(|a| a.suite.clone())
        .unwrap_or_default()
}

/// The document's compiled policy, when it has no errors.
fn compiled(d: &Doc) -> Option<Arc<Compiled>> {
    d.analysis.as_ref().and_then(|a| a.compiled.clone())
}

/// The document's compiled policy, or the bundled one while the document has errors
/// (so that hover and completion still know the bundled names).
fn compiled_of(d: &Doc) -> Option<Arc<Compiled>> {
    static BUNDLED: std::sync::OnceLock<Option<Arc<Compiled>>> = std::sync::OnceLock::new();
    compiled(d).or_else(|| {
        BUNDLED
            .get_or_init(|| crate::Policy::bundled().ok().map(|p| p.shared()))
            .clone()
    })
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
                "semanticTokensProvider": tokens::capability(),
                "codeLensProvider": {"resolveProvider": false},
                "executeCommandProvider": {"commands": [lens::RUN_ONE, lens::RUN_FILE]},
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
            match docs.get(uri.as_str()).and_then(|d| hover::hover(d, pos)) {
                Some(h) => Reply::Result(json!({"contents": {"kind": "markdown", "value": h}})),
                None => Reply::Result(J::Null),
            }
        }
        "textDocument/completion" => {
            let p: lsp::CompletionParams = parse(params)?;
            let uri = p.text_document_position.text_document.uri;
            let pos = p.text_document_position.position;
            Reply::Result(match docs.get(uri.as_str()) {
                Some(d) => complete::completion(d, pos),
                None => json!([]),
            })
        }
        "textDocument/definition" => {
            let p: lsp::GotoDefinitionParams = parse(params)?;
            let uri = p.text_document_position_params.text_document.uri;
            let pos = p.text_document_position_params.position;
            Reply::Result(
                docs.get(uri.as_str())
                    .and_then(|d| navigate::definition(d, uri.as_str(), pos))
                    .unwrap_or(J::Null),
            )
        }
        "textDocument/references" => {
            let p: lsp::ReferenceParams = parse(params)?;
            let uri = p.text_document_position.text_document.uri;
            let pos = p.text_document_position.position;
            Reply::Result(
                docs.get(uri.as_str())
                    .map(|d| navigate::references(d, uri.as_str(), pos))
                    .unwrap_or(json!([])),
            )
        }
        "textDocument/documentSymbol" => {
            let p: lsp::DocumentSymbolParams = parse(params)?;
            Reply::Result(
                docs.get(p.text_document.uri.as_str())
                    .map(navigate::symbols)
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
        "textDocument/semanticTokens/full" => {
            let p: lsp::SemanticTokensParams = parse(params)?;
            Reply::Result(
                docs.get(p.text_document.uri.as_str())
                    .map(tokens::tokens)
                    .unwrap_or(J::Null),
            )
        }
        "textDocument/codeLens" => {
            let p: lsp::CodeLensParams = parse(params)?;
            let uri = p.text_document.uri.as_str();
            Reply::Result(
                docs.get(uri)
                    .map(|d| lens::lenses(d, uri))
                    .unwrap_or(json!([])),
            )
        }
        "workspace/executeCommand" => {
            let p: lsp::ExecuteCommandParams = parse(params)?;
            let arg = |i: usize| p.arguments.get(i).and_then(J::as_str);
            let Some(d) = arg(0).and_then(|u| docs.get(u)) else {
                return Ok(Reply::Error(
                    -32602,
                    "the first argument must be the URI of an open document".into(),
                ));
            };
            match lens::run(d, &p.command, arg(1)) {
                Ok(result) => {
                    let kind = if result["failed"] == 0 { 3 } else { 1 };
                    send(
                        out,
                        &json!({"jsonrpc": "2.0", "method": "window/showMessage",
                                "params": {"type": kind, "message": result["message"]}}),
                    )
                    .map_err(|e| e.to_string())?;
                    Reply::Result(result)
                }
                Err(e) => Reply::Error(-32803, e),
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
    let (report, program, suite) = match b.build_with_tests() {
        Ok((p, suite)) => (p.warnings(), Some(p.shared()), suite),
        Err(Error::Rules(report)) => (report, None, Arc::default()),
        Err(e) => {
            let mut sources = Sources::new();
            sources.add(name, text);
            let d = Diagnostic {
                code: ParseError::Grammar.into(),
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
                Arc::default(),
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
            compiled: program,
            suite,
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
        "codeDescription": {"href": d.code.url()},
        "source": "apprules",
        "message": message,
    }))
}
