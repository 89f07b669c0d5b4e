//! Hostile inputs (issue 10): each class of fail-open, crash or blow-up an attacker
//! found, kept as a regression test. The classes also have properties
//! (`tests/properties.rs`) and fuzz targets (`fuzz/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use apprules::{Policy, PolicyBuilder};
mod support;
use std::process::{Command, Stdio};
use support::{apprules, stderr, stdout, tmp, with_stdin};

const FACTS: &str = include_str!("../examples/device.json");

/// The example device, jailbroken.
fn jailbroken() -> String {
    let mut v: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    v["device"]["jailbroken"] = true.into();
    v.to_string()
}

// ---------------------------------------------------------------- 1. wide outcome sets

/// A decision of `n` outcomes, `allow` lowest and `block` highest, and a rule that
/// blocks jailbroken devices.
fn gate(policy: &str, n: usize) -> String {
    let mut outs = vec!["allow".to_string()];
    outs.extend((1..n - 1).map(|i| format!("w{i}")));
    outs.push("block".into());
    let sep = if policy == "priority" { " < " } else { " | " };
    format!(
        "fact device.jailbroken: bool\ndecision gate: {policy} {}\nrule jb when device.jailbroken then gate = block \"jailbroken\"\n",
        outs.join(sep)
    )
}

#[test]
fn outcomes_past_the_64th_decide() {
    for n in [63, 64, 65, 100, 128, 129, 200, 256] {
        for policy in ["priority", "first", "collect"] {
            let p = PolicyBuilder::new()
                .source("gate.rules", &gate(policy, n))
                .build()
                .unwrap();
            let facts = p.bind_str(r#"{"device": {"jailbroken": true}}"#).unwrap();
            let d = p.evaluate_bound(&facts).unwrap();
            assert_eq!(
                d.get("gate").unwrap().outcomes,
                vec!["block".into()] as Vec<std::sync::Arc<str>>,
                "{policy} of {n}"
            );
            let reference = p.evaluate_reference(&facts).unwrap();
            assert_eq!(d, reference, "{policy} of {n}");
            let mut json = Vec::new();
            p.write_json(&facts, &mut json).unwrap();
            assert!(
                String::from_utf8(json).unwrap().contains("\"block\""),
                "{policy} of {n}"
            );
            let o = p.outcome(0, &facts).unwrap();
            let block = (n - 1) as u16;
            match o {
                apprules::Outcome::One(r) => assert_eq!(r, block, "{policy} of {n}"),
                apprules::Outcome::Set(s) => {
                    assert_eq!(s.iter().collect::<Vec<_>>(), vec![block], "{policy} of {n}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn too_many_outcomes_is_an_error() {
    let err = PolicyBuilder::new()
        .source("gate.rules", &gate("priority", 257))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("E0208"), "{err}");
    let path = tmp("wide.rules", gate("collect", 300).as_bytes());
    let o = apprules(&["check", &path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at most 256"), "{}", stderr(&o));
}

#[test]
fn outcome_65_via_the_cli() {
    let rules = tmp("o65.rules", gate("priority", 65).as_bytes());
    let facts = tmp("jb.json", br#"{"device": {"jailbroken": true}}"#);
    let o = apprules(&["eval", &rules, "--facts", &facts]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(r#""outcome":"block""#),
        "{}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------- 3. duplicate keys

#[test]
fn duplicate_fact_keys_are_errors_in_single_and_batch_mode() {
    let facts = jailbroken();
    let device: serde_json::Value =
        serde_json::from_str::<serde_json::Value>(&facts).unwrap()["device"].clone();
    let mut healthy = device.clone();
    healthy["jailbroken"] = false.into();
    let cases = [
        (
            facts.replace(
                r#""jailbroken":true"#,
                r#""jailbroken":true,"jailbroken":false"#,
            ),
            "duplicate key `jailbroken` at $.device",
        ),
        (
            facts.replacen(
                r#""device":"#,
                &format!(r#""device":{healthy},"device":"#),
                1,
            ),
            "duplicate key `device` at $",
        ),
        (
            facts.replacen(r#"{"#, r#"{"note":1,"note":2,"#, 1),
            "duplicate key `note` at $",
        ),
        (
            facts.replacen(
                r#""device":{"#,
                r#""device":{"x":{"a":[{"b":1,"b":1}]},"#,
                1,
            ),
            "duplicate key `b` at $.device.x.a[0]",
        ),
        (
            facts.replace(
                r#""minutes_offline":"#,
                r#""minutes_offline":1,"minutes_offline":"#,
            ),
            "duplicate key `minutes_offline` at $.session",
        ),
    ];
    assert!(
        cases.iter().all(|(t, _)| *t != facts),
        "every case changes the facts"
    );
    for (text, message) in &cases {
        let single = apprules(&[
            "eval",
            "--allow-unknown-facts",
            "--facts",
            &tmp("dup.json", text.as_bytes()),
        ]);
        assert_eq!(single.status.code(), Some(2), "{text}");
        assert!(
            stderr(&single).contains(message),
            "{text}: {}",
            stderr(&single)
        );
        let batch = with_stdin(
            &["eval", "--allow-unknown-facts", "--jsonl", "--facts", "-"],
            format!("{text}\n").as_bytes(),
        );
        assert_eq!(batch.status.code(), Some(2), "{text}");
        assert!(
            stdout(&batch).contains(message),
            "{text}: {}",
            stdout(&batch)
        );
        let p = Policy::bundled().unwrap().allowing_unknown_facts(true);
        assert!(p
            .evaluate_str(text)
            .unwrap_err()
            .to_string()
            .contains(message));
        assert_eq!(p.bind_str(text), p.bind_str_serde(text));
    }
}

#[test]
fn duplicate_settings_and_graph_keys_are_errors() {
    let s = tmp(
        "dup-settings.json",
        br#"{"conditional_launch.jailbroken": "block", "conditional_launch.jailbroken": "not_configured"}"#,
    );
    for args in [
        vec!["check", "--settings", &s],
        vec!["eval", "--settings", &s, "--facts", "examples/device.json"],
    ] {
        let o = apprules(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("duplicate key `conditional_launch.jailbroken` at $"),
            "{}",
            stderr(&o)
        );
    }
    let g = tmp(
        "dup-graph.json",
        br##"{"@odata.type": "#microsoft.graph.iosManagedAppProtection", "printBlocked": true, "printBlocked": false}"##,
    );
    for args in [
        vec!["import", "graph", &g],
        vec!["eval", "--graph", &g, "--facts", "examples/device.json"],
    ] {
        let o = apprules(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("duplicate key `printBlocked` at $"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn duplicate_keys_in_rule_file_json_are_errors() {
    for text in [
        "use intune\nfacts f = {\"device\": {\"jailbroken\": true, \"jailbroken\": false}}\n",
        "use intune\ntest t\n  given {\"a\": 1, \"a\": 2}\n  expect launch = block\n",
        "use intune\nfacts f = {}\ntest t\n  given f with {\"device\": {}, \"device\": {}}\n  expect launch = block\n",
    ] {
        let o = apprules(&["check", &tmp("dup.rules", text.as_bytes())]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(stderr(&o).contains("E0006"), "{text}: {}", stderr(&o));
    }
}

/// Single mode and batch mode take the same path: for every record, the same output
/// (or the same error).
#[test]
fn single_and_batch_mode_agree_on_every_record() {
    use proptest::strategy::{Strategy, ValueTree};
    let policy = Policy::bundled().unwrap();
    let strategy =
        apprules::strategies::facts_strategy(policy.program(), &policy.compiled().settings, None);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let edits = [
        ("", ""),
        (r#""jailbroken":"#, r#""jailbroken":true,"jailbroken":"#),
        (r#""device":{"#, r#""device":{"extra":1,"#),
        (r#""session":"#, r#""session":{},"session":"#),
        (r#""app":{"#, r#""app":{"x":[[[[1]]]],"#),
        (r#""os_version":"#, r#""os_version":1,"os_version":"#),
        ("{", "{\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"),
    ];
    let mut records = Vec::new();
    for i in 0..60 {
        let json = strategy
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .to_string();
        let (from, to) = edits[i % edits.len()];
        records.push(if from.is_empty() {
            json
        } else {
            json.replacen(from, to, 1)
        });
    }
    let batch = with_stdin(
        &["eval", "--jsonl", "--facts", "-"],
        (records.join("\n") + "\n").as_bytes(),
    );
    let lines: Vec<String> = stdout(&batch).lines().map(String::from).collect();
    assert_eq!(lines.len(), records.len());
    for (record, line) in records.iter().zip(&lines) {
        let single = apprules(&["eval", "--facts", &tmp("one.json", record.as_bytes())]);
        match single.status.code() {
            Some(0) => assert_eq!(stdout(&single).trim_end(), line, "{record}"),
            _ => {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let err = v["error"]
                    .as_str()
                    .unwrap_or_else(|| panic!("batch gave {line} for {record}"));
                assert!(
                    stderr(&single).contains(err),
                    "single {} / batch {err} for {record}",
                    stderr(&single)
                );
            }
        }
    }
}

// ---------------------------------------------------------------- 2, 8, 9. Graph import

const LEVEL1: &str = "tests/data/graph/level-1-enterprise-basic-data-protection-iOS.json";

fn level1_with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(LEVEL1).unwrap()).unwrap();
    edit(&mut g);
    tmp("edited-export.json", g.to_string().as_bytes())
}

/// The decisions `eval --graph` and `eval (import graph)` give the jailbroken device.
fn graph_and_import(g: &str) -> (String, String) {
    let facts = tmp("jb-device.json", jailbroken().as_bytes());
    let direct = apprules(&["eval", "--graph", g, "--facts", &facts]);
    assert_eq!(direct.status.code(), Some(0), "{}", stderr(&direct));
    let imported = apprules(&["import", "graph", g]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let rules = tmp("imported.rules", &imported.stdout);
    let via = apprules(&["eval", &rules, "--facts", &facts]);
    assert_eq!(
        via.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&via),
        stdout(&imported)
    );
    (stdout(&direct), stdout(&via))
}

#[test]
fn graph_text_cannot_inject_declarations() {
    for evil in [
        "x\nset conditional_launch.jailbroken = not_configured\n#",
        "x\rset conditional_launch.jailbroken = not_configured",
        "x\u{2028}set conditional_launch.jailbroken = not_configured",
    ] {
        for field in ["displayName", "description", "unknownProperty"] {
            let g = level1_with(|g| {
                if field == "unknownProperty" {
                    g[evil] = serde_json::json!(evil);
                } else {
                    g[field] = serde_json::json!(evil);
                }
            });
            let (direct, via) = graph_and_import(&g);
            assert!(
                direct.contains(r#""launch":{"outcome":"block""#),
                "{direct}"
            );
            assert_eq!(direct, via, "{field}: {evil:?}");
        }
    }
}

#[test]
fn graph_strings_are_quoted_by_type() {
    let g = level1_with(|g| {
        g["customBrowserProtocol"] = serde_json::json!("googlechrome");
        g["managedBrowserToOpenLinksRequired"] = serde_json::json!(true);
        g["managedBrowser"] = serde_json::json!("notConfigured");
        g["exemptedAppProtocols"] = serde_json::json!([{"name": "mailto", "value": "mailto;"}, {"name": "use", "value": "use;"}]);
        g["allowedIosDeviceModels"] = serde_json::json!("iPhone;iPad;true;block");
        g["appActionIfIosDeviceModelNotAllowed"] = serde_json::json!("block");
    });
    let imported = apprules(&["import", "graph", &g]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let text = stdout(&imported);
    assert!(text.contains(r#""googlechrome""#), "{text}");
    assert!(text.contains(r#""mailto""#), "{text}");
    let rules = tmp("quoted.rules", text.as_bytes());
    let o = apprules(&["check", &rules]);
    assert_eq!(o.status.code(), Some(0), "{}\n{text}", stderr(&o));
    let (direct, via) = graph_and_import(&g);
    assert_eq!(direct, via);
}

#[test]
fn graph_json_that_is_not_a_policy_is_an_error() {
    let level1 = std::fs::read_to_string(LEVEL1).unwrap();
    let cases = [
        (format!(r#"{{"value": [{level1}]}}"#), "list response"),
        (r#"{"value": []}"#.to_string(), "list response"),
        (FACTS.to_string(), "facts document"),
        (
            level1.replace("iosManagedAppProtection", "androidManagedAppProtection"),
            "androidManagedAppProtection",
        ),
        (r#"{}"#.to_string(), "no property"),
        (r#"{"displayName": "x"}"#.to_string(), "no property"),
        (
            r#"{"@odata.type": 3, "printBlocked": true}"#.to_string(),
            "@odata.type",
        ),
    ];
    for (json, what) in &cases {
        let g = tmp("not-a-policy.json", json.as_bytes());
        for args in [
            vec!["import", "graph", &g],
            vec!["eval", "--graph", &g, "--facts", "examples/device.json"],
        ] {
            let o = apprules(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?} {json}");
            assert!(
                stderr(&o).contains("not an iOS app protection policy"),
                "{}",
                stderr(&o)
            );
            assert!(stderr(&o).contains(what), "{what}: {}", stderr(&o));
        }
    }
}

// ---------------------------------------------------------------- 4. nesting

/// Every construct of the grammar that nests, with the separators the grammar allows
/// after a keyword (space, tab, newline, a comment).
fn nested(construct: &str, sep: &str, n: usize) -> String {
    let r = |s: &str| s.replace(' ', sep).repeat(n);
    match construct {
        "any" => format!("let deep = {}true\n", r("any e in [1]: ")),
        "all" => format!("let deep = {}true\n", r("all e in [1]: ")),
        "list of" => format!("fact x: {}bool\n", r("list of ")),
        "paren" => format!("let deep = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        "list" => format!("let deep = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        "call" => format!("let deep = {}1{}\n", "len(".repeat(n), ")".repeat(n)),
        "record type" => format!("setting s: {}int{} = 1\n", "{a: ".repeat(n), "}".repeat(n)),
        "value" => format!("setting s: int = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        "json" => format!("facts f = {}1{}\n", "{\"a\": [".repeat(n), "]}".repeat(n)),
        "mixed" => format!(
            "let deep = {}true{}\n",
            r("any e in [(1)]: (").replace("((", "( ("),
            ")".repeat(n)
        ),
        _ => unreachable!(),
    }
}

const CONSTRUCTS: [&str; 10] = [
    "any",
    "all",
    "list of",
    "paren",
    "list",
    "call",
    "record type",
    "value",
    "json",
    "mixed",
];
const SEPARATORS: [&str; 5] = [" ", "\t", "\n", " # a comment\n", "\r\n"];

#[test]
fn deep_nesting_of_every_construct_is_an_error_not_a_stack_overflow() {
    for construct in CONSTRUCTS {
        for sep in SEPARATORS {
            for n in [49, 2000, 12000] {
                let text = nested(construct, sep, n);
                let err = apprules::syntax::parse(apprules::source::FileId(0), &text).unwrap_err();
                assert!(
                    err.iter().any(|d| d.code == "E0002"),
                    "{construct} {sep:?} x{n}: {:?}",
                    err.first().map(|d| &d.message)
                );
            }
        }
    }
    // The CLI exits 2 (not 134) on the 28 KB file of the report.
    let path = tmp("deep.rules", nested("any", "\t", 2000).as_bytes());
    let o = apprules(&["check", &path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E0002"));
}

#[test]
fn shallow_nesting_still_parses() {
    for construct in ["any", "all", "list of", "paren", "list"] {
        let text = nested(construct, " ", 20);
        assert!(
            apprules::syntax::parse(apprules::source::FileId(0), &text).is_ok(),
            "{construct}"
        );
    }
}

#[test]
fn quantifiers_of_separate_declarations_do_not_add_up() {
    let mut text = String::from("fact x: bool\n");
    for i in 0..60 {
        text.push_str(&format!(
            "lint warning l{i} when any e in [1]: 1 == 1 \"m\"\n"
        ));
        text.push_str(&format!(
            "let q{i} = (any e in [1]: x) and (all e in [2]: x)\n"
        ));
    }
    let file = apprules::syntax::parse(apprules::source::FileId(0), &text);
    assert!(
        file.is_ok(),
        "{:?}",
        file.err().map(|e| e[0].message.clone())
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 200, ..Default::default() })]

    /// Any chain of nesting constructs, of any length, parses or is an error; it
    /// never overflows the stack (which would abort this test binary).
    #[test]
    fn random_nesting_never_overflows(parts in proptest::collection::vec(proptest::sample::select(vec![
        "any e in ", "all e in ", "[", "(", "len(", "any e in [1]: ", "not ", "- ", "1 + ", "x and ",
        "{", "list of ", "[[", "((", " # c\n", "\t", "\n",
    ]), 0..3000), tail in proptest::sample::select(vec!["true", "1", "bool", "x", ""])) {
        let text = format!("let deep = {}{tail}\n", parts.concat());
        let _ = apprules::syntax::parse(apprules::source::FileId(0), &text);
        let text = format!("fact x: {}{tail}\n", parts.concat());
        if let Ok(file) = apprules::syntax::parse(apprules::source::FileId(0), &text) {
            let mut sources = apprules::source::Sources::new();
            sources.add("deep", text.clone());
            let _ = apprules::check::check(sources, &[file]);
        }
    }
}

// ---------------------------------------------------------------- 7. write errors

#[test]
fn write_errors_are_errors() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system
    };
    let jsonl = tmp(
        "fleet.jsonl",
        format!("{FACTS}\n{FACTS}\n").replace("\n  ", "").as_bytes(),
    );
    let level1 = LEVEL1;
    for args in [
        vec!["eval", "--facts", "examples/device.json"],
        vec!["eval", "--facts", &jsonl],
        vec!["eval", "--jsonl", "--facts", &jsonl],
        vec!["explain", "--facts", "examples/device.json"],
        vec!["import", "graph", level1],
        vec!["export", "graph"],
        vec!["settings"],
        vec!["settings", "--json"],
        vec!["table"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_apprules"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write the output"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    let deep = tmp("deep2.rules", nested("list of", " ", 100).as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_apprules"))
        .args(["check", &deep])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

#[test]
fn fmt_replaces_a_file_whole() {
    let path = tmp(
        "unformatted.rules",
        b"use intune\nset   access.pin   =   require\n",
    );
    let o = apprules(&["fmt", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "use intune\nset access.pin = require\n"
    );
    let dir = std::path::Path::new(&path).parent().unwrap();
    assert!(!std::fs::read_dir(dir).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
}

// ---------------------------------------------------------------- 5. long lines

fn one_line_facts() -> String {
    serde_json::from_str::<serde_json::Value>(FACTS)
        .unwrap()
        .to_string()
}

#[test]
fn a_line_over_the_limit_is_an_error_for_that_record_and_the_stream_goes_on() {
    let good = one_line_facts();
    let mut input = format!("{good}\n");
    input.push_str(&"x".repeat(40 << 20)); // 40 MiB without a newline
    input.push('\n');
    input.push_str(&format!("{good}\n{}{good}\n", " ".repeat(3000)));
    input.push_str(&format!("{good}\n"));
    input.push_str(&"y".repeat(5 << 20)); // an unterminated last line
    let o = with_stdin(
        &[
            "eval",
            "--jsonl",
            "--facts",
            "-",
            "--max-line-bytes",
            "2048",
        ],
        input.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(2));
    let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
    assert_eq!(lines.len(), 6, "{lines:?}");
    for (i, l) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        if [1, 3, 5].contains(&i) {
            assert_eq!(v["line"], i + 1);
            assert!(
                v["error"]
                    .as_str()
                    .unwrap()
                    .contains("longer than 2048 bytes"),
                "{l}"
            );
        } else {
            assert!(v["launch"].is_object(), "{l}");
        }
    }
    // The default limit (16 MiB) holds too, and a single facts file is bounded alike.
    let o = with_stdin(
        &["eval", "--jsonl", "--facts", "-"],
        "z".repeat(20 << 20).as_bytes(),
    );
    assert!(
        stdout(&o).contains("longer than 16777216 bytes"),
        "{}",
        stderr(&o)
    );
    let big = tmp("big.json", format!("{}{good}", " ".repeat(4096)).as_bytes());
    let o = apprules(&["eval", "--facts", &big, "--max-line-bytes", "4096"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("longer than 4096 bytes"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- 6. large legal inputs

/// Near-linear compiles: sizes a quadratic step would take minutes on (the
/// benchmarks `compile/1m_device_models` and `compile/100k_exempt_apps` measure them).
#[test]
fn large_legal_inputs_compile() {
    let models: Vec<String> = (0..200_000).map(|i| format!("iPhone{i},1")).collect();
    let p = PolicyBuilder::new()
        .bundled()
        .settings_json(serde_json::json!({"conditional_launch.device_models": {"models": models, "action": "block"}}))
        .build()
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    v["device"]["model"] = "IPHONE199999,1".into();
    assert_eq!(
        p.evaluate_json(&v)
            .unwrap()
            .get("launch")
            .unwrap()
            .outcome(),
        Some("allow")
    );
    v["device"]["model"] = "unknown".into();
    assert_eq!(
        p.evaluate_json(&v)
            .unwrap()
            .get("launch")
            .unwrap()
            .outcome(),
        Some("block")
    );

    let exempt: Vec<String> = (0..50_000).map(|i| format!("app{i}")).collect();
    PolicyBuilder::new()
        .bundled()
        .settings_json(serde_json::json!({"data_transfer.exempt_apps": exempt, "data_transfer.send_org_data": "policy_managed_apps"}))
        .build()
        .unwrap();

    let variants: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    for sep in [" < ", " | "] {
        let text = format!(
            "fact k: {}\ndecision d: priority allow < block\nrule r when k {} v5 then d = block\n",
            variants.join(sep),
            if sep == " < " { ">" } else { "!=" }
        );
        let p = PolicyBuilder::new()
            .source("enum.rules", &text)
            .build()
            .unwrap();
        let d = p
            .evaluate_json(&serde_json::json!({"k": "v99999"}))
            .unwrap();
        assert_eq!(d.get("d").unwrap().outcome(), Some("block"));
    }
}

#[test]
fn long_type_chains_are_bounded() {
    let mut text = String::from("type t0 = bool\n");
    for i in 1..20_000 {
        text.push_str(&format!("type t{i} = list of t{}\n", i - 1));
    }
    text.push_str("fact x: t19999\n");
    let path = tmp("chain.rules", text.as_bytes());
    let o = apprules(&["check", &path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E0209"), "{}", stderr(&o));
    // Errors at every line render in linear time: one per failed type, not a cascade.
    assert!(stderr(&o).matches("E0209").count() < 5, "{}", stderr(&o));
    // Real cycles are still cycles.
    let path = tmp(
        "cycle.rules",
        b"type a = list of b\ntype b = {x: a}\nfact f: a\n",
    );
    let o = apprules(&["check", &path]);
    assert!(stderr(&o).contains("E0103"), "{}", stderr(&o));
}

#[test]
fn many_errors_render_in_linear_time() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("fact f{i}: nosuchtype{i}\n"));
    }
    let path = tmp("errors.rules", text.as_bytes());
    let o = apprules(&["check", &path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("20000 error(s)"),
        "{}",
        &stderr(&o)[..200]
    );
    assert!(
        stderr(&o).contains("errors.rules:19999:"),
        "line numbers past the window"
    );
}

// ---------------------------------------------------------------- 10. conflicting `set`

#[test]
fn a_setting_set_twice_is_an_error_naming_both_places() {
    let a = tmp(
        "a.rules",
        b"use intune\nset conditional_launch.jailbroken = block\n",
    );
    let b = tmp(
        "b.rules",
        b"use intune\nset conditional_launch.jailbroken = not_configured\n",
    );
    for args in [
        vec!["check", "--short", &a, &b],
        vec!["check", "--short", &b, &a],
    ] {
        let o = apprules(&args);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(
            e.contains("is set twice") && e.contains("a.rules:2") && e.contains("b.rules:2"),
            "{e}"
        );
    }
    let one = tmp(
        "one.rules",
        b"use intune\nset conditional_launch.jailbroken = block\nset conditional_launch.jailbroken = block\n",
    );
    let o = apprules(&["check", "--short", &one]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("first at"), "{}", stderr(&o));
}

#[test]
fn json_settings_over_a_set_line_warn() {
    let a = tmp(
        "a.rules",
        b"use intune\nset conditional_launch.jailbroken = block\n",
    );
    let s = tmp("s.json", br#"{"conditional_launch.jailbroken": "wipe"}"#);
    let facts = tmp("jb.json", jailbroken().as_bytes());
    let o = apprules(&["eval", &a, "--settings", &s, "--facts", &facts]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains(r#""outcome":"wipe""#), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("W0302") && stderr(&o).contains("a.rules:2"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- 11. smaller ones

#[test]
fn integer_overflow_is_named_as_such_not_as_a_missing_fact() {
    let text = "fact x: int\nfact y: int\ndecision d: priority allow < block\nrule r when x * 1000 + y > 5 then d = block \"big\"\n";
    let p = PolicyBuilder::new()
        .source("ov.rules", text)
        .build()
        .unwrap();
    let facts = p.bind_str(r#"{"x": 9223372036854775807, "y": 1}"#).unwrap();
    let tables = p.evaluate_bound(&facts).unwrap_err().to_string();
    let reference = p.evaluate_reference(&facts).unwrap_err().to_string();
    assert_eq!(tables, reference);
    assert!(
        tables.contains("integer overflow") && tables.contains("`x`"),
        "{tables}"
    );
    assert!(p
        .outcome(0, &facts)
        .unwrap_err()
        .to_string()
        .contains("integer overflow"));
    let mut out = Vec::new();
    assert!(p
        .write_json(&facts, &mut out)
        .unwrap_err()
        .to_string()
        .contains("integer overflow"));
    // A missing fact is still a missing fact.
    let facts = p.bind_str(r#"{"y": 1}"#);
    assert!(facts.is_err() || p.evaluate_bound(&facts.unwrap()).is_err());
}

#[test]
fn min_coverage_must_be_a_percentage() {
    for v in ["NaN", "nan", "inf", "101", "x", "-0.5"] {
        let o = apprules(&["test", &format!("--min-coverage={v}")]);
        assert_eq!(o.status.code(), Some(2), "{v}");
    }
}

#[test]
fn deep_nesting_under_an_unknown_key_is_the_same_error_in_single_and_batch_mode() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = one_line_facts().replacen(r#""device":{"#, &format!(r#""device":{{"x":{deep},"#), 1);
    let single = apprules(&[
        "eval",
        "--allow-unknown-facts",
        "--facts",
        &tmp("deep.json", text.as_bytes()),
    ]);
    assert_eq!(single.status.code(), Some(2));
    let batch = with_stdin(
        &["eval", "--allow-unknown-facts", "--jsonl", "--facts", "-"],
        format!("{text}\n").as_bytes(),
    );
    assert_eq!(batch.status.code(), Some(2));
    assert!(
        stderr(&single).contains("recursion limit"),
        "{}",
        stderr(&single)
    );
    assert!(
        stdout(&batch).contains("recursion limit"),
        "{}",
        stdout(&batch)
    );
}

#[test]
fn errors_from_a_setting_value_name_the_setting() {
    let cases = [
        (
            serde_json::json!({"conditional_launch.offline_grace_period": [{"days": 9223372036854775807i64, "action": "wipe"}]}),
            "conditional_launch.offline_grace_period",
        ),
        (
            serde_json::json!({"conditional_launch.min_os_version": (0..4097).map(|i| serde_json::json!({"version": format!("{i}.0"), "action": "warn"})).collect::<Vec<_>>()}),
            "conditional_launch.min_os_version",
        ),
    ];
    for (settings, name) in cases {
        let s = tmp("s.json", settings.to_string().as_bytes());
        let o = apprules(&["check", "--short", "--settings", &s]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains(&format!("setting `{name}`")),
            "{}",
            stderr(&o)
        );
    }
    // From a `set` line: the error points at it.
    let f = tmp(
        "odset.rules",
        b"use intune\nset conditional_launch.offline_grace_period = [{days: 9223372036854775807, action: wipe}]\n",
    );
    let o = apprules(&["check", "--short", &f]);
    assert!(stderr(&o).contains("odset.rules:2:1"), "{}", stderr(&o));
}

#[test]
fn export_never_overflows_a_duration() {
    for s in [
        serde_json::json!({"access.pin_reset": "yes", "access.pin_reset_days": 9223372036854775807i64}),
        serde_json::json!({"conditional_launch.offline_grace_period": [{"days": 9223372036854775807i64, "action": "wipe"}]}),
    ] {
        let f = tmp("s.json", s.to_string().as_bytes());
        let o = apprules(&["export", "graph", "--settings", &f]);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        assert!(!stdout(&o).contains("P-"), "{}", stdout(&o));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 128, ..Default::default() })]

    /// `fmt` with comments anywhere a line may break (after `[`, `(`, `{`, `,`): it is
    /// idempotent, keeps every comment, and keeps the meaning.
    #[test]
    fn fmt_keeps_comments_after_brackets(at in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 1..4), nl in proptest::sample::select(vec!["\n", "\n\n", "\n  "])) {
        let src = include_str!("../rules/examples/custom-rules.rules");
        let breaks: Vec<usize> = src.match_indices(['[', '(', '{', ',']).map(|(i, _)| i + 1).collect();
        let mut picks: Vec<usize> = at.iter().map(|i| breaks[i.index(breaks.len())]).collect();
        picks.sort_unstable();
        picks.dedup();
        let mut text = src.to_string();
        for (k, p) in picks.iter().enumerate().rev() {
            text.insert_str(*p, &format!(" # c{k}{nl}"));
        }
        let Ok(once) = apprules::fmt::format_source("a.rules", &text) else { return Ok(()); };
        let twice = apprules::fmt::format_source("a.rules", &once).unwrap();
        proptest::prop_assert_eq!(&once, &twice);
        for k in 0..picks.len() {
            proptest::prop_assert!(once.contains(&format!("# c{k}")), "{}", once);
        }
        let before = PolicyBuilder::new().source("a.rules", &text).build();
        let after = PolicyBuilder::new().source("a.rules", &once).build();
        if let (Ok(a), Ok(b)) = (before, after) {
            proptest::prop_assert_eq!(apprules::compile::print::tables(a.compiled()), apprules::compile::print::tables(b.compiled()));
        }
    }
}

/// A comment on a declaration's line stays on that declaration (the previous
/// declaration's span took in the newline, and the comment moved up to it).
#[test]
fn fmt_keeps_a_trailing_comment_on_its_own_declaration() {
    for (text, want) in [
        (
            "fact x: int\ndecision d: priority al#ow < block\n",
            "fact x: int\ndecision d: priority al  #ow < block\n",
        ),
        (
            "use intune\nset data_transfer.exempt_apps = [\"a\",\n  \"b\"] # end\nset access.pin = require\n",
            "use intune\nset data_transfer.exempt_apps = [\"a\", \"b\"]  # end\nset access.pin = require\n",
        ),
    ] {
        let once = apprules::fmt::format_source("a.rules", text).unwrap();
        assert_eq!(once, want);
        assert_eq!(apprules::fmt::format_source("a.rules", &once).unwrap(), once);
    }
}

/// Huge inputs are refused before they are read whole (memory stays bounded).
#[test]
fn huge_files_are_refused_before_they_are_read() {
    let dir = std::path::PathBuf::from(tmp("x", b""));
    let dir = dir.parent().unwrap();
    for (name, size, args) in [
        ("big.rules", 20u64 << 20, vec!["check"]),
        ("big-settings.json", 300 << 20, vec!["check", "--settings"]),
        ("big-graph.json", 300 << 20, vec!["import", "graph"]),
        ("big-facts.json", 20 << 20, vec!["eval", "--facts"]),
    ] {
        let path = dir.join(name);
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(size).unwrap(); // sparse: no disk used
        let mut args = args.clone();
        let p = path.display().to_string();
        args.push(&p);
        let o = apprules(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("too large")
                || stderr(&o).contains("larger than")
                || stderr(&o).contains("longer than"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

/// A record that fails to bind into reused facts leaves nothing to decide on: the
/// facts of the record before it are gone, and evaluating what is left fails on a
/// missing fact (on the fast path and the full one) instead of deciding on half a
/// record.
#[test]
fn facts_that_failed_to_bind_fail_closed() {
    let policy = Policy::bundled().unwrap();
    let launch = policy.decision_index("launch").unwrap();
    let mut facts = policy.bind_str(FACTS).unwrap();
    let mut seen = Vec::new();
    assert!(policy.outcome(launch, &facts).is_ok());
    let mut v: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    // Every class of bind error: a missing fact, a value out of range, an unknown
    // key, a type error, text that is not JSON.
    let mut bad = Vec::new();
    let mut missing = v.clone();
    missing["device"]
        .as_object_mut()
        .unwrap()
        .remove("os_version");
    bad.push(missing.to_string());
    let mut range = v.clone();
    range["session"]["failed_pin_attempts"] = (-1).into();
    bad.push(range.to_string());
    v["device"]["unknown_key"] = true.into();
    bad.push(v.to_string());
    bad.push(FACTS.replace("\"17.", "17."));
    bad.push(FACTS[..FACTS.len() / 2].to_string());
    for text in bad {
        policy.bind_str_into(FACTS, &mut facts, &mut seen).unwrap();
        assert!(
            policy.bind_str_into(&text, &mut facts, &mut seen).is_err(),
            "{text}"
        );
        assert!(policy.outcome(launch, &facts).is_err(), "{text}");
        assert!(policy.evaluate_bound(&facts).is_err(), "{text}");
    }
}

/// Facts that no bind filled in (`Facts::default()`) hold no fact: every decision
/// fails on a missing one, on the fast path and the full one, whatever the kernels
/// assume of the facts binding always fills in.
#[test]
fn unbound_facts_fail_closed() {
    let policy = Policy::bundled().unwrap();
    let facts = apprules::Facts::default();
    for (i, t) in policy.compiled().tables.iter().enumerate() {
        if t.name.as_ref() == "request" {
            // Taken only when a request is present: not taken here.
            continue;
        }
        assert!(policy.outcome(i, &facts).is_err(), "{}", t.name);
        assert!(policy.evaluate_one(i, &facts).is_err(), "{}", t.name);
    }
    assert!(policy.evaluate_bound(&facts).is_err());
}
