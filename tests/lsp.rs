//! `apprules lsp` end to end: the binary spawned, spoken to over stdio as an editor
//! does (framed JSON-RPC, every answer read as its `lsp-types` type): diagnostics on
//! open and change, hover (names, a rule's compiled rows, message parts), completion by
//! context, go to definition into the bundled policy, references, symbols, formatting,
//! semantic tokens, code lenses and the commands that run tests, and bad messages
//! answered with protocol errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use serde_json::{json, Value as J};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_apprules"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
            next: 1,
        }
    }

    fn raw(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> J {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0u8; len];
        self.stdout.read_exact(&mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    fn notify(&mut self, method: &str, params: J) {
        let m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.raw(m.to_string().as_bytes());
    }

    /// A request's response (notifications in between are skipped).
    fn request(&mut self, method: &str, params: J) -> J {
        let id = self.next;
        self.next += 1;
        let m = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.raw(m.to_string().as_bytes());
        self.response(id)
    }

    fn response(&mut self, id: i64) -> J {
        loop {
            let m = self.read();
            if m["id"] == json!(id) || (m.get("id") == Some(&J::Null) && m.get("error").is_some()) {
                return m;
            }
        }
    }

    /// The next diagnostics published.
    fn diagnostics(&mut self) -> J {
        loop {
            let m = self.read();
            if m["method"] == "textDocument/publishDiagnostics" {
                return m["params"].clone();
            }
        }
    }
}

/// A message's part read as the `lsp-types` type the protocol says it is (a shape the
/// protocol does not allow fails the test).
fn typed<T: serde::de::DeserializeOwned>(v: &J) -> T {
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("not the protocol's shape: {e}: {v}"))
}

fn uri_of(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("apprules-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    (format!("file://{}", path.display()), path)
}

const BROKEN: &str = "use intune\n\nrule r about conditional_launch.jailbroken\n  when device.jailbroke\n  then launch = block \"x\"\n";
const FIXED: &str = "use intune\n\nrule r about conditional_launch.jailbroken\n  when device.jailbroken\n  then launch = block \"x\"\n";

#[test]
fn an_editor_session() {
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    let _: lsp_types::InitializeResult = typed(&init["result"]);
    c.notify("initialized", json!({}));
    let (uri, _) = uri_of("mine.rules");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "apprules", "version": 1, "text": BROKEN}}),
    );
    let d = c.diagnostics();
    let _: lsp_types::PublishDiagnosticsParams = typed(&d);
    assert_eq!(d["uri"], uri);
    let diags = d["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty(), "{d}");
    assert_eq!(diags[0]["code"], "E0102");
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 3, "character": 7})
    );
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("device.jailbroke"));
    // Typing the fix clears them.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": FIXED}]}),
    );
    let d = c.diagnostics();
    assert_eq!(d["diagnostics"], json!([]), "{d}");
    // Hover: the fact's type and doc.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 12}}),
    );
    let _: lsp_types::Hover = typed(&h["result"]);
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("fact") && text.contains("bool") && text.contains("jailbroken"),
        "{text}"
    );
    // Hover on a setting: its default.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 20}}),
    );
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("default"),
        "{h}"
    );
    // Completion, segment by segment.
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 14}}),
    );
    let _: lsp_types::CompletionResponse = typed(&items["result"]);
    let labels: Vec<&str> = items["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"device.jailbroken"), "{labels:?}");
    assert!(
        labels.iter().all(|l| l.starts_with("device.")),
        "{labels:?}"
    );
    // Go to definition: into the bundled policy, a read-only file.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 12}}),
    );
    let _: lsp_types::GotoDefinitionResponse = typed(&def["result"]);
    let target = def["result"]["uri"].as_str().unwrap();
    assert!(target.ends_with("intune-ios.rules"), "{def}");
    let path = lsp_types::Url::parse(target)
        .unwrap()
        .to_file_path()
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
    let line = def["result"]["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(text
        .lines()
        .nth(line)
        .unwrap()
        .contains("fact device.jailbroken"));
    // Find references: the use in this file and the declaration and uses in the
    // bundled policy.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 12}, "context": {"includeDeclaration": true}}),
    );
    let _: Vec<lsp_types::Location> = typed(&refs["result"]);
    let refs = refs["result"].as_array().unwrap();
    assert!(refs.iter().any(|r| r["uri"] == json!(uri)), "{refs:?}");
    assert!(
        refs.iter()
            .filter(|r| r["uri"].as_str().unwrap().ends_with("intune-ios.rules"))
            .count()
            >= 2,
        "{refs:?}"
    );
    // Symbols and formatting.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let _: Vec<lsp_types::DocumentSymbol> = typed(&s["result"]);
    assert_eq!(s["result"][0]["name"], "r");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "use   intune\nset access.pin =   require\n"}]}),
    );
    c.diagnostics();
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let _: Vec<lsp_types::TextEdit> = typed(&f["result"]);
    assert_eq!(
        f["result"][0]["newText"],
        "use intune\nset access.pin = require\n"
    );
    // Bad messages: protocol errors, and the server goes on.
    c.raw(b"{not json");
    let e = c.read();
    assert_eq!(e["error"]["code"], -32700);
    let e = c.request("frobnicate/now", json!({}));
    assert_eq!(e["error"]["code"], -32601);
    c.raw(&[0xff, 0xfe, b'{']);
    assert_eq!(c.read()["error"]["code"], -32700);
    let e = c.request("textDocument/hover", json!({"nope": 1}));
    assert_eq!(e["error"]["code"], -32602);
    // A 10 MB document: checked (too large is a diagnostic), never a crash.
    let big = "# x\n".repeat(10 << 18);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri_of("big.rules").0, "languageId": "apprules", "version": 1, "text": big}}),
    );
    let d = c.diagnostics();
    assert!(d["diagnostics"].is_array());
    let r = c.request("shutdown", J::Null);
    assert!(r.get("error").is_none());
    c.notify("exit", J::Null);
    assert!(c.child.wait().unwrap().success());
}

const FEATURES: &str = r#"use intune

rule r about conditional_launch.jailbroken
  when device.jailbroken and device.biometrics == face_id
  then launch = block "blocked: {conditional_launch.jailbroken}"

test blocks_jailbroken
  given intune.healthy_device with {"device": {"jailbroken": true, "biometrics": "face_id"}}
  expect launch = block

test wrong
  given intune.healthy_device
  expect launch = wipe
"#;

/// The labels of a completion at a position of the open document.
fn labels(c: &mut Client, uri: &str, line: u32, character: u32) -> Vec<String> {
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    );
    items["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn hover_text(c: &mut Client, uri: &str, line: u32, character: u32) -> String {
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    );
    h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Opens a document and waits for its diagnostics.
fn open(c: &mut Client, uri: &str, text: &str) -> J {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "apprules", "version": 1, "text": text}}),
    );
    c.diagnostics()
}

#[test]
fn hover_on_rules_and_messages_and_completion_by_context() {
    let mut c = Client::start();
    c.request("initialize", json!({"capabilities": {}}));
    let (uri, _) = uri_of("features.rules");
    let d = open(&mut c, &uri, FEATURES);
    assert_eq!(d["diagnostics"], json!([]), "{d}");
    // A rule: its compiled rows under the current settings.
    let h = hover_text(&mut c, &uri, 2, 5);
    assert!(h.contains("**rule** `r`"), "{h}");
    assert!(
        h.contains("device.jailbroken = true") && h.contains("device.biometrics = face_id"),
        "{h}"
    );
    assert!(h.contains("⇒ `block`"), "{h}");
    // A `{...}` in the message: what fills it, and its value now.
    let col = FEATURES
        .lines()
        .nth(4)
        .unwrap()
        .find("{conditional")
        .unwrap() as u32
        + 3;
    let h = hover_text(&mut c, &uri, 4, col);
    assert!(
        h.contains("message part") && h.contains("now `block`"),
        "{h}"
    );
    // Completion after `then launch =`: the outcomes of `launch` only.
    let mut l = labels(&mut c, &uri, 4, 16);
    l.sort();
    assert_eq!(l, ["allow", "block", "reset_pin", "warn", "wipe"], "{l:?}");
    // After `== ` on an enum fact: its values.
    let col = FEATURES.lines().nth(3).unwrap().find("face_id").unwrap() as u32;
    let mut l = labels(&mut c, &uri, 3, col);
    l.sort();
    assert_eq!(l, ["face_id", "none", "touch_id"], "{l:?}");
    // After `set NAME =`: the setting's values; in a list after `in [a, `: the rest.
    let text = "use intune\nset access.pin = \nrule q when device.biometrics in [face_id, t then launch = warn\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics();
    let mut l = labels(&mut c, &uri, 1, 17);
    l.sort();
    assert_eq!(l, ["not_required", "require"], "{l:?}");
    let col = text.lines().nth(2).unwrap().find(", t").unwrap() as u32 + 3;
    assert_eq!(labels(&mut c, &uri, 2, col), ["touch_id"]);
    // A builtin: its signature, in completion and hover.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "use intune\nrule q when link_matches"}]}),
    );
    c.diagnostics();
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 17}}),
    );
    let items = items["result"].as_array().unwrap();
    let link = items.iter().find(|i| i["label"] == "link_matches").unwrap();
    assert!(
        link["detail"]
            .as_str()
            .unwrap()
            .starts_with("link_matches(url: string, pattern"),
        "{link}"
    );
    assert!(hover_text(&mut c, &uri, 1, 14).contains("link_matches(url"));
    c.notify("exit", J::Null);
    assert!(c.child.wait().unwrap().success());
}

/// Decodes semantic tokens into (line, column, length, type) on the document's text.
fn decode(data: &[J]) -> Vec<(u32, u32, u32, u32)> {
    let (mut line, mut col) = (0u32, 0u32);
    data.chunks(5)
        .map(|t| {
            let n: Vec<u32> = t.iter().map(|x| x.as_u64().unwrap() as u32).collect();
            if n[0] > 0 {
                line += n[0];
                col = n[1];
            } else {
                col += n[1];
            }
            (line, col, n[2], n[3])
        })
        .collect()
}

#[test]
fn semantic_tokens_classify_every_name() {
    let mut c = Client::start();
    let init = c.request("initialize", json!({"capabilities": {}}));
    let legend: Vec<String> = init["result"]["capabilities"]["semanticTokensProvider"]["legend"]
        ["tokenTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    let (uri, _) = uri_of("tokens.rules");
    // Non-ASCII before tokens: columns are UTF-16 code units.
    let text = format!("# é 😀 comment\n{FEATURES}");
    open(&mut c, &uri, &text);
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let _: lsp_types::SemanticTokens = typed(&r["result"]);
    let tokens = decode(r["result"]["data"].as_array().unwrap());
    let lines: Vec<Vec<u16>> = text.lines().map(|l| l.encode_utf16().collect()).collect();
    let mut seen = std::collections::HashMap::new();
    let mut last = (0u32, 0u32);
    for &(line, col, len, ty) in &tokens {
        assert!((line, col) >= last, "tokens out of order");
        last = (line, col + len);
        let l = &lines[line as usize];
        assert!((col + len) as usize <= l.len(), "token past its line");
        let s = String::from_utf16(&l[col as usize..(col + len) as usize]).unwrap();
        seen.insert(s, legend[ty as usize].clone());
    }
    let kind = |s: &str| seen.get(s).map(String::as_str);
    assert_eq!(kind("# é 😀 comment"), Some("comment"));
    assert_eq!(kind("rule"), Some("keyword"));
    assert_eq!(kind("device.jailbroken"), Some("property"));
    assert_eq!(kind("conditional_launch.jailbroken"), Some("parameter"));
    assert_eq!(kind("launch"), Some("class"));
    assert_eq!(kind("block"), Some("enumMember"));
    assert_eq!(kind("face_id"), Some("enumMember"));
    assert_eq!(kind("\"blocked: {"), Some("string"));
    assert_eq!(kind("intune"), Some("namespace"));
    assert_eq!(kind("healthy_device"), Some("method"));
    assert_eq!(kind("=="), Some("operator"));
    c.notify("exit", J::Null);
    assert!(c.child.wait().unwrap().success());
}

#[test]
fn code_lenses_run_tests_and_show_the_result() {
    let mut c = Client::start();
    let init = c.request("initialize", json!({"capabilities": {}}));
    let commands = &init["result"]["capabilities"]["executeCommandProvider"]["commands"];
    assert!(commands
        .as_array()
        .unwrap()
        .contains(&json!("apprules.runTest")));
    let (uri, _) = uri_of("lenses.rules");
    open(&mut c, &uri, FEATURES);
    let r = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let _: Vec<lsp_types::CodeLens> = typed(&r["result"]);
    let lenses = r["result"].as_array().unwrap();
    assert_eq!(lenses.len(), 3, "{lenses:?}");
    assert_eq!(lenses[0]["command"]["command"], "apprules.runFile");
    assert_eq!(lenses[1]["range"]["start"]["line"], 6);
    let run = |c: &mut Client, command: &J| {
        let r = c.request(
            "workspace/executeCommand",
            json!({"command": command["command"], "arguments": command["arguments"]}),
        );
        r["result"].clone()
    };
    // The passing test: its result, and a message shown.
    let ok = run(&mut c, &lenses[1]["command"]);
    assert_eq!(ok["passed"], 1, "{ok}");
    assert_eq!(ok["failed"], 0);
    // The failing one says why.
    let bad = run(&mut c, &lenses[2]["command"]);
    assert_eq!(bad["failed"], 1, "{bad}");
    assert!(
        bad["message"].as_str().unwrap().contains("got allow"),
        "{bad}"
    );
    // The whole file: both, and only this file's tests (not the bundled ones).
    let all = run(&mut c, &lenses[0]["command"]);
    assert_eq!(
        (all["passed"].clone(), all["failed"].clone()),
        (json!(1), json!(1)),
        "{all}"
    );
    // The message shown to the user came before the response.
    c.raw(
        json!({"jsonrpc": "2.0", "id": 99, "method": "workspace/executeCommand",
               "params": {"command": "apprules.runTest", "arguments": [uri, "wrong"]}})
        .to_string()
        .as_bytes(),
    );
    let shown = c.read();
    assert_eq!(shown["method"], "window/showMessage", "{shown}");
    let _: lsp_types::ShowMessageParams = typed(&shown["params"]);
    assert_eq!(shown["params"]["type"], 1);
    c.response(99);
    // Bad arguments: errors, the server goes on.
    let e = c.request(
        "workspace/executeCommand",
        json!({"command": "apprules.runTest", "arguments": [uri, "no_such_test"]}),
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no_such_test"),
        "{e}"
    );
    let e = c.request(
        "workspace/executeCommand",
        json!({"command": "apprules.runTest", "arguments": ["file:///not/open.rules"]}),
    );
    assert_eq!(e["error"]["code"], -32602);
    c.notify("exit", J::Null);
    assert!(c.child.wait().unwrap().success());
}
