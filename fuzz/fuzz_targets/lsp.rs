//! The language server on hostile documents: a document is opened, then hover,
//! completion, definition, references, symbols, semantic tokens, code lenses and
//! formatting are asked at positions spread over it. The server must answer every
//! request (never panic, never stop early).
#![no_main]
use serde_json::json;

fn frame(out: &mut Vec<u8>, m: serde_json::Value) {
    let text = m.to_string();
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n{text}", text.len()).as_bytes());
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let uri = "file:///fuzz/doc.rules";
    let mut input = Vec::new();
    frame(&mut input, json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "apprules", "version": 1, "text": text}}}));
    let lines = text.lines().count().max(1) as u32;
    let mut id = 0;
    for k in 0..6u32 {
        let pos = json!({"line": k * lines / 6, "character": (k * 7) % 40});
        for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
            id += 1;
            frame(&mut input, json!({"jsonrpc": "2.0", "id": id, "method": method,
                "params": {"textDocument": {"uri": uri}, "position": pos}}));
        }
        id += 1;
        frame(&mut input, json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/references",
            "params": {"textDocument": {"uri": uri}, "position": pos, "context": {"includeDeclaration": true}}}));
    }
    for method in ["textDocument/documentSymbol", "textDocument/semanticTokens/full", "textDocument/codeLens"] {
        id += 1;
        frame(&mut input, json!({"jsonrpc": "2.0", "id": id, "method": method,
            "params": {"textDocument": {"uri": uri}}}));
    }
    id += 1;
    frame(&mut input, json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/formatting",
        "params": {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}}));
    let mut out = Vec::new();
    apprules::lsp::serve(&input[..], &mut out).expect("serve");
    // Every frame is JSON; every request has its response.
    let mut rest = &out[..];
    let mut answered = 0;
    while !rest.is_empty() {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("a frame header");
        let head = std::str::from_utf8(&rest[..end]).expect("an ASCII header");
        let len: usize = head.strip_prefix("Content-Length: ").expect("a length").parse().expect("a number");
        let skip = end + 4;
        let m: serde_json::Value = serde_json::from_slice(&rest[skip..skip + len]).expect("a JSON frame");
        if m.get("id").is_some_and(|i| !i.is_null()) {
            answered += 1;
        }
        rest = &rest[skip + len..];
    }
    assert_eq!(answered, id as usize, "a request went unanswered");
});
