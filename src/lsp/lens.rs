//! Code lenses to run a test, a property, or every test of the document, and the
//! `workspace/executeCommand` that runs them: the result comes back as the command's
//! result and as a message shown to the user.

use super::text::range_of;
use super::Doc;
use crate::syntax::ast::Item;
use crate::testing::{run_where, Options, TestReport};
use serde_json::{json, Value as J};

/// Runs one test or property: arguments `[uri, name]`.
pub(super) const RUN_ONE: &str = "apprules.runTest";
/// Runs every test and property of a document: arguments `[uri]`.
pub(super) const RUN_FILE: &str = "apprules.runFile";

/// The lenses of a document: one per test and property, one for the whole file.
pub(super) fn lenses(d: &Doc, uri: &str) -> J {
    let mut out = Vec::new();
    for f in super::own_files(d) {
        for item in &f.items {
            let (name, what) = match item {
                Item::Test(x) => (&x.name, "test"),
                Item::Property(x) => (&x.name, "property"),
                _ => continue,
            };
            let range = range_of(&d.text, name.span.start as usize, name.span.end as usize);
            if out.is_empty() {
                out.push(json!({"range": range, "command": {
                    "title": "▶ Run every test of this file",
                    "command": RUN_FILE,
                    "arguments": [uri],
                }}));
            }
            out.push(json!({"range": range, "command": {
                "title": format!("▶ Run {what}"),
                "command": RUN_ONE,
                "arguments": [uri, name.text],
            }}));
        }
    }
    J::Array(out)
}

/// Runs what a command names; `Err` says why it cannot run.
pub(super) fn run(d: &Doc, command: &str, name: Option<&str>) -> Result<J, String> {
    let Some(c) = super::compiled(d) else {
        return Err("the document has errors: fix them to run its tests".into());
    };
    let program = c.program.clone();
    let suite = super::suite(d);
    let sources = program.sources.clone();
    let in_doc =
        |span: crate::source::Span| sources.get(span.file).is_some_and(|f| f.name == d.name);
    let opts = Options {
        coverage: false,
        ..Options::default()
    };
    let report = match (command, name) {
        (RUN_ONE, Some(n)) => run_where(program, &suite, &opts, |t, span| t == n && in_doc(span)),
        (RUN_FILE, _) => run_where(program, &suite, &opts, |_, span| in_doc(span)),
        _ => return Err(format!("unknown command or arguments: {command}")),
    };
    if report.tests.is_empty() && report.properties.is_empty() {
        return Err(match name {
            Some(n) => format!("no test or property `{n}` in this document"),
            None => "no test or property in this document".into(),
        });
    }
    Ok(summary(&report))
}

/// The results as JSON, with the line to show the user.
fn summary(r: &TestReport) -> J {
    let results: Vec<J> = r
        .tests
        .iter()
        .map(|o| (o, "test"))
        .chain(r.properties.iter().map(|o| (o, "property")))
        .map(|(o, kind)| {
            json!({"name": o.name, "kind": kind, "location": o.location,
                   "passed": o.failure.is_none(), "failure": o.failure})
        })
        .collect();
    let failed: Vec<&J> = results.iter().filter(|x| x["passed"] == false).collect();
    let passed = results.len() - failed.len();
    let message = match (results.as_slice(), failed.first()) {
        ([one], None) => format!(
            "{} `{}` passed",
            one["kind"].as_str().unwrap_or("test"),
            one["name"].as_str().unwrap_or_default()
        ),
        ([one], Some(_)) => format!(
            "{} `{}` failed: {}",
            one["kind"].as_str().unwrap_or("test"),
            one["name"].as_str().unwrap_or_default(),
            one["failure"].as_str().unwrap_or_default()
        ),
        (_, None) => format!("{passed} passed"),
        (_, Some(first)) => format!(
            "{passed} passed, {} failed; first: `{}`: {}",
            failed.len(),
            first["name"].as_str().unwrap_or_default(),
            first["failure"].as_str().unwrap_or_default()
        ),
    };
    json!({"passed": passed, "failed": failed.len(), "message": message, "results": results})
}
