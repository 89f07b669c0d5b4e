//! Hostile inputs (issue 10): each class of fail-open, crash or blow-up an attacker
//! found, kept as a regression test. The classes also have properties
//! (`tests/properties.rs`) and fuzz targets (`fuzz/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use apprules::{Policy, PolicyBuilder};
use std::process::{Command, Output, Stdio};

fn apprules(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apprules"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_apprules"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn tmp(name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("apprules-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

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
