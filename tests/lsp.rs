//! `apprules lsp` end to end: the binary spawned, spoken to over stdio as an editor
//! does (framed JSON-RPC, `lsp-types` shapes): diagnostics on open and change, hover,
//! completion, go to definition into the bundled policy, symbols, formatting, and bad
//! messages answered with protocol errors.

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
    c.notify("initialized", json!({}));
    let (uri, _) = uri_of("mine.rules");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "apprules", "version": 1, "text": BROKEN}}),
    );
    let d = c.diagnostics();
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
