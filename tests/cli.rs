//! The command line's contract: outputs, and exit codes (0 ok, 1 a test or check
//! failed, 2 bad input) with errors that name the culprit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;
use std::process::{Command, Stdio};
use support::{apprules, stderr, stdout, tmp, with_stdin};

const FACTS: &str = r#"{"device": {"os_version": "17.0", "model": "iPhone15,2", "jailbroken": false, "mdm_enrolled": false, "passcode_set": true, "company_portal": false, "biometrics": "none", "open_in_managed_to_unmanaged": false, "browsers": []}, "app": {"version": "1.0", "sdk_version": "19.0", "multi_identity": false, "notification_restriction_supported": true}, "session": {"account": "org", "minutes_inactive": 0, "minutes_offline": 0, "failed_pin_attempts": 0, "days_since_pin_change": 0}}"#;

#[test]
fn eval_prints_the_spec_shape() {
    let o = apprules(&["eval", "--facts", "examples/device.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["launch"]["outcome"], "allow");
    assert!(v["launch"]["reasons"].is_array() && v["launch"]["not_enforced"].is_array());
    assert!(v["access"]["steps"].is_array());
    assert_eq!(v["request"]["kind"], "send");
    assert!(v["request"]["outcome"].is_string());
}

#[test]
fn eval_without_request_has_no_request() {
    let f = tmp("plain.json", FACTS.as_bytes());
    let o = apprules(&["eval", "--facts", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.get("request").is_none());
    assert_eq!(
        v["launch"],
        serde_json::json!({"outcome": "allow", "reasons": [], "not_enforced": []})
    );
}

#[test]
fn settings_errors_name_the_setting() {
    let f = tmp("plain2.json", FACTS.as_bytes());
    for (settings, needle) in [
        (
            r#"{"data_transfer.send_org_dta": "none"}"#,
            "data_transfer.send_org_dta",
        ),
        (
            r#"{"access.min_pin_length": "four"}"#,
            "access.min_pin_length",
        ),
        (r#"{"access.min_pin_length": 0}"#, "access.min_pin_length"),
        (
            r#"{"data_transfer.clipboard": "sometimes"}"#,
            "data_transfer.clipboard",
        ),
        (
            r#"{"conditional_launch.min_os_version": [{"version": "15.x", "action": "block"}]}"#,
            "conditional_launch.min_os_version",
        ),
        (
            r#"{"conditional_launch.offline_grace_period": [{"minutes": 30, "action": "wipe"}]}"#,
            "conditional_launch.offline_grace_period",
        ),
        (r#"[1]"#, "settings"),
    ] {
        let s = tmp("settings.json", settings.as_bytes());
        let o = apprules(&["eval", "--facts", &f, "--settings", &s]);
        assert_eq!(o.status.code(), Some(2), "{settings}");
        assert!(stderr(&o).contains(needle), "{settings}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn facts_errors_give_the_json_path() {
    let mut missing: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    missing["device"]
        .as_object_mut()
        .unwrap()
        .remove("jailbroken");
    let f = tmp("missing.json", missing.to_string().as_bytes());
    let o = apprules(&["eval", "--facts", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("$.device.jailbroken"), "{}", stderr(&o));

    let mut wrong: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    wrong["device"]["os_version"] = serde_json::json!("seventeen");
    let f = tmp("wrong.json", wrong.to_string().as_bytes());
    let o = apprules(&["eval", "--facts", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("$.device.os_version"), "{}", stderr(&o));

    let mut huge: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    huge["session"]["minutes_offline"] = serde_json::json!(1e30);
    let f = tmp("huge.json", huge.to_string().as_bytes());
    let o = apprules(&["eval", "--facts", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("$.session.minutes_offline"),
        "{}",
        stderr(&o)
    );

    let mut send: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    send["request"] = serde_json::json!({"kind": "send"});
    let s = tmp(
        "pm.json",
        br#"{"data_transfer.send_org_data": "policy_managed_apps"}"#,
    );
    let f = tmp("send.json", send.to_string().as_bytes());
    let o = apprules(&["eval", "--facts", &f, "--settings", &s]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a missing request field never allows"
    );
    assert!(stderr(&o).contains("request.target"), "{}", stderr(&o));

    for bad in ["", "{", "[]", "\u{0}\u{1}garbage"] {
        let f = tmp("bad.json", bad.as_bytes());
        let o = apprules(&["eval", "--facts", &f]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let f = tmp("deep.json", deep.as_bytes());
    assert_eq!(apprules(&["eval", "--facts", &f]).status.code(), Some(2));
}

#[test]
fn rule_file_errors_have_line_and_column() {
    let f = tmp(
        "bad.rules",
        b"use intune\n\nrule broken\n  when device.jailbroken andd\n  then launch = block\n",
    );
    let o = apprules(&["check", "--short", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.rules:4:"), "{}", stderr(&o));

    let f = tmp("types.rules", b"use intune\nrule a\n  when device.os_version > 3\n  then launch = block\nrule b\n  when device.jailbrokn\n  then launch = blok\n");
    let o = apprules(&["check", "--short", &f]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("types.rules:3:"), "{err}");
    assert!(
        err.contains("types.rules:6:") && err.contains("device.jailbroken"),
        "{err}"
    );
    assert!(err.contains("types.rules:7:"), "all errors at once: {err}");
}

#[test]
fn hostile_rule_files_exit_2() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.rules", Vec::new()),
        ("utf8.rules", vec![0x75, 0x73, 0x65, 0x20, 0xff, 0xfe]),
        ("garbage.rules", (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect()),
        ("huge-number.rules", b"use intune\nrule r when session.minutes_offline > 99999999999999999999999 then launch = block\n".to_vec()),
        ("deep.rules", format!("use intune\nlet x = {}true{}\n", "(".repeat(50_000), ")".repeat(50_000)).into_bytes()),
        ("long-sum.rules", format!("use intune\nlet x = session.minutes_offline > {}1\n", "1 + ".repeat(200_000)).into_bytes()),
        ("let-bomb.rules", {
            let mut s = String::from("use intune\nlet a0 = device.jailbroken\n");
            for i in 1..40 {
                s.push_str(&format!("let a{i} = a{} and a{}\n", i - 1, i - 1));
            }
            s.into_bytes()
        }),
        ("let-chain.rules", {
            let mut s = String::from("use intune\nlet a0 = device.jailbroken\n");
            for i in 1..5000 {
                s.push_str(&format!("let a{i} = not a{}\n", i - 1));
            }
            s.into_bytes()
        }),
    ];
    for (name, bytes) in cases {
        let f = tmp(name, &bytes);
        let o = apprules(&["check", "--short", &f]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(name),
            "{name} must be named: {}",
            stderr(&o)
        );
    }
}

#[test]
fn check_clean_and_warnings_exit_0() {
    assert_eq!(apprules(&["check"]).status.code(), Some(0));
    let f = tmp(
        "warn.rules",
        b"use intune\nset functionality.web_content_transfer = unmanaged_browser\n",
    );
    let o = apprules(&["check", "--short", &f]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn jsonl_batch_keeps_input_order() {
    let mut lines = String::new();
    for i in 0..50 {
        let mut v: serde_json::Value = serde_json::from_str(FACTS).unwrap();
        v["session"]["failed_pin_attempts"] = serde_json::json!(i % 7);
        lines.push_str(&v.to_string());
        lines.push('\n');
    }
    let f = tmp("fleet.jsonl", lines.as_bytes());
    let o = apprules(&["eval", "--facts", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let outs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(outs.len(), 50);
    for (i, v) in outs.iter().enumerate() {
        let want = if i % 7 >= 5 { "reset_pin" } else { "allow" };
        assert_eq!(v["launch"]["outcome"], want, "line {i}");
    }
    let o = with_stdin(&["eval", "--jsonl", "--facts", "-"], &lines);
    assert_eq!(stdout(&o).lines().count(), 50);
    let o = with_stdin(
        &["eval", "--jsonl", "--facts", "-"],
        format!("{lines}{{bad\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).lines().last().unwrap().contains("\"line\":51"));
}

#[test]
fn test_command_exit_codes() {
    let o = apprules(&["test", "--min-coverage", "100"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let f = tmp(
        "failing.rules",
        br#"use intune
test wrong given {"device": {"jailbroken": true}} expect launch = allow
"#,
    );
    let o = apprules(&["test", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAIL test wrong"));
}

#[test]
fn fmt_check_exit_1_when_unformatted() {
    let f = tmp(
        "ugly.rules",
        b"use   intune\nset   access.pin =   require\n",
    );
    assert_eq!(apprules(&["fmt", "--check", &f]).status.code(), Some(1));
    assert_eq!(apprules(&["fmt", &f]).status.code(), Some(0));
    assert_eq!(apprules(&["fmt", "--check", &f]).status.code(), Some(0));
    assert_eq!(
        apprules(&[
            "fmt",
            "--check",
            "rules/intune-ios.rules",
            "rules/intune-ios.tests.rules"
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn table_explain_settings_run() {
    let o = apprules(&["table"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("decision launch"));
    let o = apprules(&["explain", "--facts", "examples/device.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("fired:") && stdout(&o).contains("not fired:"));
    let o = apprules(&["settings", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 36 settings of the seed, 16 added since (spec section 7.1).
    assert_eq!(v.as_array().unwrap().len(), 52);
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(apprules(&["eval"]).status.code(), Some(2));
    assert_eq!(apprules(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        apprules(&["eval", "--facts", "does/not/exist.json"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(apprules(&["--version"]).status.code(), Some(0));
}

#[test]
fn graph_import_export_and_eval() {
    let o = apprules(&[
        "import",
        "graph",
        "tests/data/graph/level-2-enterprise-enhanced-data-protection-iOS.json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let rules = tmp("l2.rules", &o.stdout);
    let o = apprules(&["export", "graph", &rules]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["minimumRequiredOsVersion"], "14.8");
    let mut facts: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    facts["device"]["os_version"] = serde_json::json!("14.7");
    // The export configures `appActionIfUnableToAuthenticateUser` (section 7): the
    // fact it reads is needed.
    facts["session"]["account_disabled"] = serde_json::json!(false);
    let f = tmp("old.json", facts.to_string().as_bytes());
    let o = apprules(&[
        "eval",
        "--graph",
        "tests/data/graph/level-2-enterprise-enhanced-data-protection-iOS.json",
        "--facts",
        &f,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""outcome":"block""#));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::io::Read;
    for args in [vec!["settings"], vec!["table"], vec!["test"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_apprules"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_ne!(
            out.status.code(),
            Some(101),
            "{args:?} panicked: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn unknown_fact_keys_are_errors_with_the_closest_name() {
    // A misspelled key instead of the right one, and beside it.
    let typo = FACTS.replace(r#""account": "org""#, r#""acount": "org""#);
    let beside = FACTS.replace(
        r#""account": "org""#,
        r#""account": "org", "acount": "personal""#,
    );
    for text in [&typo, &beside] {
        let f = tmp("typo.json", text.as_bytes());
        let o = apprules(&["eval", "--facts", &f]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(
            e.contains("unknown key `acount` at $.session")
                && e.contains("did you mean `account`?"),
            "{e}"
        );
        // Batch mode: per record.
        let o = with_stdin(
            &["eval", "--jsonl", "--facts", "-"],
            format!("{text}\n{FACTS}\n"),
        );
        assert_eq!(o.status.code(), Some(2));
        let lines: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
        assert!(lines[0].contains("unknown key `acount`"), "{}", lines[0]);
        assert!(lines[1].contains("launch"), "{}", lines[1]);
    }
    // `--allow-unknown-facts` reads past them (the misspelled one still is not the fact).
    let extra = FACTS.replace(r#""device": {"#, r#""device": {"serial": "X1", "#);
    let f = tmp("extra.json", extra.as_bytes());
    assert_eq!(apprules(&["eval", "--facts", &f]).status.code(), Some(2));
    let o = apprules(&["eval", "--allow-unknown-facts", "--facts", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let f = tmp("typo.json", typo.as_bytes());
    let o = apprules(&["eval", "--allow-unknown-facts", "--facts", &f]);
    assert!(
        stderr(&o).contains("missing fact `session.account`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_typo_in_test_facts_fails_check() {
    let text = "use intune\nfacts base = {\"device\": {\"jailbroken\": true}}\ntest t\n  given base with {\"session\": {\"acount\": \"org\"}}\n  expect launch = block\n";
    let o = apprules(&["check", "--short", &tmp("typo.rules", text.as_bytes())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown fact key `acount` at $.session")
            && stderr(&o).contains("account"),
        "{}",
        stderr(&o)
    );
    let text = "use intune\nfacts base = {\"devise\": {}}\ntest t\n  given base\n  expect launch = block\n";
    let o = apprules(&["check", "--short", &tmp("typo2.rules", text.as_bytes())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`devise`") && stderr(&o).contains("device"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn lints_blame_the_users_setting_not_the_bundled_file() {
    let o = apprules(&["check", "--short"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !stderr(&o).contains("warning"),
        "the seed's defaults warn: {}",
        stderr(&o)
    );
    let f = tmp(
        "lint.rules",
        b"use intune\nset access.biometric_override_timeout = 10\n",
    );
    let o = apprules(&["check", "--short", &f]);
    assert!(
        stderr(&o).contains("lint.rules:2:1: warning[W0301]"),
        "{}",
        stderr(&o)
    );
    let s = tmp("lint.json", br#"{"access.biometric_override_timeout": 10}"#);
    let o = apprules(&["check", "--short", "--settings", &s]);
    assert!(
        stderr(&o).contains("set by the JSON settings: `access.biometric_override_timeout`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn byte_order_marks_utf16_and_json_lines_mixups() {
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(FACTS.as_bytes());
    let o = apprules(&["eval", "--facts", &tmp("bom.json", &bom)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut lines = bom.clone();
    lines.extend_from_slice(format!("\n{FACTS}\n").as_bytes());
    let o = apprules(&["eval", "--facts", &tmp("bom.jsonl", &lines)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut rules = vec![0xEF, 0xBB, 0xBF];
    rules.extend_from_slice(b"use intune\n");
    assert_eq!(
        apprules(&["check", &tmp("bom.rules", &rules)])
            .status
            .code(),
        Some(0)
    );
    let o = apprules(&[
        "eval",
        "--facts",
        &tmp("u16.json", &[0xFF, 0xFE, b'{', 0, b'}', 0]),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("UTF-16"), "{}", stderr(&o));
    // JSON lines given as one document: a hint; the extension ignoring case.
    let two = format!("{FACTS}\n{FACTS}\n");
    let o = apprules(&["eval", "--facts", &tmp("two.json", two.as_bytes())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use --jsonl"), "{}", stderr(&o));
    let o = apprules(&["eval", "--facts", &tmp("two.JSONL", two.as_bytes())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn check_and_fmt_read_stdin() {
    let o = with_stdin(&["fmt", "-"], "use intune\nset   access.pin =  require\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "use intune\nset access.pin = require\n");
    let o = with_stdin(
        &["fmt", "--check", "-"],
        "use intune\nset   access.pin =  require\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let o = with_stdin(
        &["check", "--short", "-"],
        "use intune\nset access.pin = nope\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<stdin>:2:18"), "{}", stderr(&o));
}

#[test]
fn facts_reference_and_json_schema() {
    let o = apprules(&["facts"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("device.os_version: version (required)"),
        "{text}"
    );
    assert!(
        text.contains("device.threat_level: secured < low < medium < high (optional)"),
        "{text}"
    );
    assert!(
        text.contains("request.kind:") && text.contains("in group `request`"),
        "{text}"
    );
    let o = apprules(&["facts", "--json-schema"]);
    let schema: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["required"],
        serde_json::json!(["device", "app", "session"])
    );
    assert_eq!(
        schema["properties"]["device"]["properties"]["jailbroken"]["type"],
        "boolean"
    );
    // Every key of the example device is in the schema.
    let facts: serde_json::Value = serde_json::from_str(FACTS).unwrap();
    for (group, keys) in facts.as_object().unwrap() {
        for k in keys.as_object().unwrap().keys() {
            assert!(
                schema["properties"][group]["properties"][k].is_object(),
                "{group}.{k}"
            );
        }
    }
    // docs/intune.md names every fact and setting.
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/intune.md")).unwrap();
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&apprules(&["facts", "--json"]))).unwrap();
    let settings: serde_json::Value =
        serde_json::from_str(&stdout(&apprules(&["settings", "--json"]))).unwrap();
    for item in list
        .as_array()
        .unwrap()
        .iter()
        .chain(settings.as_array().unwrap())
    {
        let name = item["name"].as_str().unwrap();
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/intune.md lacks `{name}`: run python3 docs/gen_intune.py"
        );
    }
}

/// Every command of the README's tour runs as written (from a copy of `examples/`, so
/// the tour's own output files stay out of the repository), exit 0.
#[test]
fn the_readme_tour_runs_as_written() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let tour = readme.split("## A short tour").nth(1).unwrap();
    let block = tour
        .split("```sh")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("apprules-tour-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    for e in std::fs::read_dir(format!("{root}/examples")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("examples").join(e.file_name())).unwrap();
    }
    let mut ran = 0;
    for line in block.lines().filter(|l| l.starts_with("apprules ")) {
        let command = line.split(" # ").next().unwrap().trim();
        let (command, redirect) = match command.split_once(" > ") {
            Some((c, f)) => (c, Some(f.trim())),
            None => (command, None),
        };
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let o = Command::new(env!("CARGO_BIN_EXE_apprules"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        // `diff` says "they differ" with exit 1, as the README says.
        let expected = if args.first() == Some(&"diff") { 1 } else { 0 };
        assert_eq!(
            o.status.code(),
            Some(expected),
            "`{command}`: {}",
            stderr(&o)
        );
        if let Some(f) = redirect {
            std::fs::write(dir.join(f), &o.stdout).unwrap();
        }
        ran += 1;
    }
    assert!(ran >= 14, "the tour has {ran} commands");
}

#[test]
fn eval_one_decision() {
    let o = apprules(&[
        "eval",
        "--facts",
        "examples/device.json",
        "--decision",
        "launch",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["launch"]
    );
    let o = apprules(&[
        "eval",
        "--facts",
        "examples/fleet.jsonl",
        "--decision",
        "access",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).lines().all(|l| l.starts_with(r#"{"access":"#)),
        "{}",
        stdout(&o)
    );
    let o = apprules(&[
        "eval",
        "--facts",
        "examples/device.json",
        "--decision",
        "lunch",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `launch`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_format_json() {
    let o = with_stdin(
        &["check", "--format", "json", "-"],
        "use intune\nset access.pin = nope\n",
    );
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E0204");
    assert_eq!(d["span"]["line"], 2);
    assert_eq!(d["span"]["column"], 18);
    let o = apprules(&["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], 0);
}

/// Spec section 8: `null` means `not_configured` only for the optional settings.
#[test]
fn null_only_for_optional_settings() {
    for (setting, ok) in [
        ("access.pin", false),
        ("data_transfer.exempt_apps", false),
        ("conditional_launch.min_os_version", false),
        ("conditional_launch.device_models", true),
        ("conditional_launch.max_threat_level", true),
    ] {
        let f = tmp("null.json", format!(r#"{{"{setting}": null}}"#).as_bytes());
        let o = apprules(&["eval", "--facts", "examples/device.json", "--settings", &f]);
        if ok {
            assert_eq!(o.status.code(), Some(0), "{setting}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{setting}");
            assert!(
                stderr(&o).contains(&format!("setting `{setting}`")),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn coverage_gate_counts_the_files_named() {
    let o = apprules(&["test", "--min-coverage", "100", "examples/custom.rules"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let f = tmp(
        "half.rules",
        b"use intune\nrule never when device.jailbroken and device.mdm_enrolled then launch = wipe \"x\"\n",
    );
    let o = apprules(&["test", "--min-coverage", "100", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("0.0% (0/1 rules of"), "{}", stderr(&o));
    let o = apprules(&["test", "--coverage", &f]);
    assert!(
        stdout(&o).contains("half.rules: 0/1 rules"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn forgetting_use_intune_is_one_hint_and_the_bundled_file_counts_once() {
    let f = tmp(
        "nouse.rules",
        b"rule r when device.jailbroken and session.minutes_offline > 5 then launch = block \"x\"\nrule s when app.sdk_version < 1.0 then launch = wipe \"y\"\n",
    );
    let o = apprules(&["check", "--short", &f]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.matches("error[").count(), 1, "{e}");
    assert!(e.contains("add `use intune`"), "{e}");
    // `apprules test rules/*.rules`: the bundled file named beside one that uses it.
    let o = apprules(&[
        "test",
        "rules/intune-ios.rules",
        "rules/intune-ios.tests.rules",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = apprules(&[
        "check",
        "rules/intune-ios.tests.rules",
        "rules/intune-ios.rules",
        "examples/custom.rules",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn test_filter_and_machine_formats() {
    let o = apprules(&["test", "--filter", "pin_1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = v["results"].as_array().unwrap();
    assert!(
        !results.is_empty()
            && results
                .iter()
                .all(|r| r["name"].as_str().unwrap().contains("pin_1"))
    );
    assert_eq!(v["failed"], 0);
    let f = tmp(
        "failing.rules",
        b"use intune\nfacts f = {}\ntest wrong\n  given f\n  expect launch = wipe\n",
    );
    let o = apprules(&["test", &f, "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    assert!(
        xml.starts_with("<?xml") && xml.contains(r#"failures="1""#) && xml.contains("<failure"),
        "{xml}"
    );
}

#[test]
fn explain_on_json_lines_and_as_json() {
    let o = apprules(&["explain", "--facts", "examples/fleet.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("# line 2\nlaunch = block"),
        "{}",
        stdout(&o)
    );
    let o = apprules(&[
        "explain",
        "--format",
        "json",
        "--facts",
        "examples/device.json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["decisions"][0]["decision"], "launch");
    assert!(v["decisions"][0]["not_fired"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["rule"] == "jailbroken" && n["column"] == "device.jailbroken"));
    let o = with_stdin(
        &["explain", "--jsonl", "--format", "json", "--facts", "-"],
        format!("{{bad\n{FACTS}\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    let lines: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
    assert!(
        lines[0].contains(r#""line":1"#) && lines[0].contains("error"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(r#""line":2"#) && lines[1].contains("decisions"),
        "{}",
        lines[1]
    );
}

#[test]
fn cli_conventions_quiet_color_completions_man() {
    let o = apprules(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("_apprules"));
    let o = apprules(&["completions", "zsh"]);
    assert_eq!(o.status.code(), Some(0));
    let o = apprules(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains(".TH apprules"));
    let o = apprules(&["-q", "import", "graph", "examples/policy.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = apprules(&["check", "--quiet"]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = with_stdin(
        &["check", "--color", "never", "-"],
        "use intune\nset access.pin = nope\n",
    );
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
    let o = with_stdin(
        &["check", "--color", "always", "-"],
        "use intune\nset access.pin = nope\n",
    );
    assert!(stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
}

/// On a terminal (a pseudo-terminal through `script`, when the system has it), batch
/// mode shows each bad record above the progress bar, and a summary line.
#[test]
fn batch_errors_show_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        return;
    }
    let fleet = std::fs::read_to_string("examples/fleet.jsonl").unwrap();
    let f = tmp("tty.jsonl", format!("{fleet}{{bad\n{fleet}").as_bytes());
    let cmd = format!(
        "{} eval --facts {f} > /dev/null",
        env!("CARGO_BIN_EXE_apprules")
    );
    let o = Command::new("script")
        .args(["-qc", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("error: line 7:"), "{text}");
    assert!(text.contains("13 records, 1 error(s)"), "{text}");
}

#[test]
fn settings_text_shows_the_effective_value_and_the_gate() {
    let o = apprules(&["settings", "--settings", "examples/settings.json"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let block = text
        .split("\n\n")
        .find(|b| b.starts_with("data_transfer.send_org_data\n"))
        .unwrap();
    assert!(
        block.contains(r#"value:   "policy_managed_apps""#),
        "{block}"
    );
    assert!(
        block.contains("requires: app.sdk_version >= 8.1.1"),
        "{block}"
    );
}

#[test]
fn export_says_what_it_cannot_hold_and_carries_the_name() {
    let o = apprules(&["export", "graph", "examples/custom.rules"]);
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert!(
        e.contains("setting `custom.min_ipad_outlook`") && e.contains("not exported"),
        "{e}"
    );
    assert!(e.contains("rule `old_outlook_on_ipad`"), "{e}");
    // import → export keeps displayName and description, escapes and all.
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/policy.json").unwrap()).unwrap();
    g["displayName"] = "Name \\ with\nnewline \\u{41}".into();
    g["description"] = "one two".into();
    let gf = tmp("named.json", g.to_string().as_bytes());
    let rules = apprules(&["import", "graph", &gf]);
    let rf = tmp("named.rules", &rules.stdout);
    let o = apprules(&["export", "graph", &rf]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["displayName"], g["displayName"]);
    assert_eq!(v["description"], "one two");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn fmt_diff_and_reusable_bundled_facts() {
    let text = "use intune\ntest jb\n  given intune.healthy_device with {\"device\": {\"jailbroken\": true}}\n  expect launch = block\nproperty p given intune.healthy_device\n  for all facts\n  expect launch >= allow\n";
    let f = tmp("reuse.rules", text.as_bytes());
    let o = apprules(&["test", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = apprules(&["fmt", "--diff", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(
            "-property p given intune.healthy_device\n+property p\n+  given intune.healthy_device"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        text,
        "--diff does not write"
    );
}
