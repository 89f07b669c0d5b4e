//! `apprules diff` is exact: (a) every witness is decided differently by the two
//! policies; (b) on random facts the policies differ iff the facts lie in a reported
//! region; (c) a policy compared with itself has no region. Over the bundled policy
//! under random settings and over random rule programs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;
mod support;

use apprules::analysis::{diff, DiffError, Options};
use apprules::strategies::{facts_strategy, settings_strategy};
use apprules::{Policy, PolicyBuilder};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value as J};
use support::{apprules, stdout, tmp};

/// Facts drawn for both policies' constants.
fn facts_for(old: &Policy, new: &Policy, n: usize, seed: u64) -> Vec<J> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &{
            let mut s = [0u8; 32];
            s[..8].copy_from_slice(&seed.to_le_bytes());
            s
        }),
    );
    let mut out = Vec::new();
    for p in [old, new] {
        let s = facts_strategy(p.program(), &p.compiled().settings, None);
        for _ in 0..n / 2 {
            out.push(s.new_tree(&mut runner).unwrap().current());
        }
    }
    out
}

/// (a), (b) and, when `same`, (c).
fn exact(old: &Policy, new: &Policy, facts: &[J], same: bool) -> Result<(), TestCaseError> {
    let d = match diff(old, new, &Options::default()) {
        Ok(d) => d,
        // Columns the analysis does not reason about (two facts compared) are refused
        // by name, never answered wrongly.
        Err(DiffError::Unsupported(_)) => return Err(TestCaseError::reject("unsupported")),
        Err(e) => return Err(TestCaseError::fail(e.to_string())),
    };
    if same {
        prop_assert!(
            d.is_empty(),
            "a policy differs from itself:\n{}",
            d.render()
        );
    }
    for dd in &d.decisions {
        for r in &dd.regions {
            prop_assert!(
                d.differs_on(old, new, &dd.decision, &r.witness),
                "witness of {} does not differ: {}",
                dd.decision,
                r.witness
            );
        }
    }
    for f in facts {
        let inside = d
            .regions_of(old, new, f)
            .map_err(|e| TestCaseError::fail(format!("{e} in {f}")))?;
        for (dd, region) in d.decisions.iter().zip(inside) {
            let differs = d.differs_on(old, new, &dd.decision, f);
            prop_assert_eq!(
                differs,
                region.is_some(),
                "decision {}: differs {} but region {:?} for {}\n{}",
                dd.decision,
                differs,
                region,
                f,
                d.render()
            );
        }
    }
    Ok(())
}

/// Settings an admin sets: a few of each kind at once, seed and section 7.
fn admin_settings() -> impl Strategy<Value = J> {
    let choices: Vec<(&str, Vec<J>)> = vec![
        (
            "data_transfer.send_org_data",
            vec![
                json!("none"),
                json!("policy_managed_apps"),
                json!("policy_managed_apps_with_os_sharing"),
                json!("policy_managed_apps_with_open_in_filtering"),
            ],
        ),
        (
            "data_transfer.receive_org_data",
            vec![
                json!("none"),
                json!("policy_managed_apps"),
                json!("all_apps_with_incoming_org_data"),
            ],
        ),
        (
            "data_transfer.clipboard",
            vec![
                json!("blocked"),
                json!("policy_managed_apps"),
                json!("policy_managed_with_paste_in"),
            ],
        ),
        ("data_transfer.clipboard_char_limit", vec![json!(10)]),
        (
            "data_transfer.exempt_apps",
            vec![json!(["mailto", "zoomus"])],
        ),
        ("data_transfer.save_copies", vec![json!("block")]),
        (
            "data_transfer.save_copies_services",
            vec![json!(["box", "imanage"])],
        ),
        (
            "data_transfer.org_data_notifications",
            vec![json!("blocked"), json!("block_org_data")],
        ),
        (
            "functionality.web_content_transfer",
            vec![
                json!("microsoft_edge"),
                json!("managed_browser"),
                json!("unmanaged_browser"),
            ],
        ),
        (
            "functionality.unmanaged_browser_protocol",
            vec![json!("mybrowser")],
        ),
        ("access.pin_type", vec![json!("passcode")]),
        ("access.simple_pin", vec![json!("block")]),
        ("access.min_pin_length", vec![json!(6)]),
        ("access.face_id", vec![json!("block")]),
        ("access.pin_reset", vec![json!("yes")]),
        ("access.app_pin_when_device_pin_set", vec![json!("disable")]),
        ("access.work_credentials", vec![json!("require")]),
        ("access.recheck_after", vec![json!(0), json!(60)]),
        (
            "conditional_launch.min_os_version",
            vec![
                json!([{"version": "16.0", "action": "warn"}, {"version": "15.0", "action": "block"}]),
            ],
        ),
        (
            "conditional_launch.max_os_version",
            vec![json!([{"version": "18.0", "action": "block"}])],
        ),
        (
            "conditional_launch.min_sdk_version",
            vec![json!([{"version": "19.0", "action": "warn"}])],
        ),
        (
            "conditional_launch.jailbroken",
            vec![json!("wipe"), json!("not_configured")],
        ),
        (
            "conditional_launch.device_models",
            vec![json!({"models": ["iPhone14,2", "iPad8,1"], "action": "wipe"})],
        ),
        (
            "conditional_launch.max_threat_level",
            vec![json!({"level": "low", "action": "block"})],
        ),
        ("conditional_launch.disabled_account", vec![json!("block")]),
        (
            "conditional_launch.non_working_time",
            vec![json!("warn"), json!("block")],
        ),
        (
            "conditional_launch.non_working_time_grace_minutes",
            vec![json!(30)],
        ),
        (
            "data_transfer.dialer",
            vec![json!("none"), json!("policy_managed_apps")],
        ),
        ("data_transfer.messaging", vec![json!("none")]),
        (
            "data_transfer.exempt_universal_links",
            vec![json!(["https://maps.apple.com", "https://*.example.com/*"])],
        ),
        (
            "data_transfer.managed_universal_links",
            vec![json!(["https://*.sharepoint.com/*"])],
        ),
        (
            "data_transfer.open_into_org_documents",
            vec![json!("block")],
        ),
        ("functionality.genmoji", vec![json!("block")]),
    ];
    let n = choices.len();
    proptest::collection::vec((0..n, 0usize..4), 0..6).prop_map(move |picks| {
        let mut m = serde_json::Map::new();
        for (i, v) in picks {
            let (k, vs) = &choices[i];
            m.insert(k.to_string(), vs[v % vs.len()].clone());
        }
        J::Object(m)
    })
}

fn bundled_with(settings: &J) -> Option<Policy> {
    PolicyBuilder::new()
        .bundled()
        .settings_json(settings.clone())
        .build()
        .ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, max_global_rejects: 4096, .. ProptestConfig::default() })]

    #[test]
    fn bundled_policy_under_random_settings(
        a in prop_oneof![settings_strategy(Policy::bundled().unwrap().program()), admin_settings()],
        b in admin_settings(),
        seed in any::<u64>(),
    ) {
        let (Some(old), Some(new)) = (bundled_with(&a), bundled_with(&b)) else {
            return Err(TestCaseError::reject("settings a lint refuses"));
        };
        let facts = facts_for(&old, &new, 60, seed);
        exact(&old, &new, &facts, false)?;
        exact(&new, &new, &facts[..10], true)?;
    }

    #[test]
    fn random_rule_programs(
        pa in common::program(), pb in common::program(),
        sa in common::settings(), sb in common::settings(),
        seed in any::<u64>(),
    ) {
        let build = |text: &str, s: &J| PolicyBuilder::new().source("r.rules", text).settings_json(s.clone()).build().ok();
        let (Some(old), Some(new)) = (build(&pa, &sa), build(&pb, &sb)) else {
            return Err(TestCaseError::reject("does not compile"));
        };
        let facts = facts_for(&old, &new, 60, seed);
        exact(&old, &new, &facts, false)?;
        exact(&old, &old, &facts[..10], true)?;
    }

    #[test]
    fn one_program_under_two_settings(p in common::program(), sa in common::settings(), sb in common::settings(), seed in any::<u64>()) {
        let build = |s: &J| PolicyBuilder::new().source("r.rules", &p).settings_json(s.clone()).build().ok();
        let (Some(old), Some(new)) = (build(&sa), build(&sb)) else {
            return Err(TestCaseError::reject("does not compile"));
        };
        let facts = facts_for(&old, &new, 60, seed);
        exact(&old, &new, &facts, sa == sb)?;
    }
}

#[test]
fn the_shipped_exports_against_the_defaults_and_each_other() {
    let l1 = "tests/data/graph/level-1-enterprise-basic-data-protection-iOS.json";
    let l2 = "tests/data/graph/level-2-enterprise-enhanced-data-protection-iOS.json";
    let o = apprules(&["diff", "--graph", l1, "--graph", l2, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: J = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["equivalent"], false);
    let launch = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["decision"] == "launch")
        .unwrap();
    // Level 2 blocks iOS below 14.8: one region says so, with a witness below it.
    let os = launch["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["constraints"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().contains("device.os_version < 14.8"))
        })
        .expect("a region below 14.8");
    assert_eq!(os["new"]["outcome"], "block");
    assert_ne!(os["old"]["outcome"], "block");
    let w = os["witness"]["device"]["os_version"].as_str().unwrap();
    assert!(apprules::Version::parse(w).unwrap() < apprules::Version::parse("14.8").unwrap());
    // Itself: nothing, exit 0.
    let o = apprules(&["diff", "--graph", l2, "--graph", l2]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = apprules(&["diff", "seed", "seed"]);
    assert_eq!(o.status.code(), Some(0));
    // Seed against today's defaults: the offline period and the universal links.
    let o = apprules(&["diff", "seed", "current"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("session.minutes_offline in [721, 1441)"),
        "{text}"
    );
    assert!(text.contains("launch block → allow"), "{text}");
}

#[test]
fn settings_files_and_rule_files_as_sides() {
    let a = tmp("a.json", br#"{"data_transfer.send_org_data": "none"}"#);
    let b = tmp("b.json", br#"{"data_transfer.send_org_data": "none"}"#);
    let o = apprules(&["diff", "--settings", &a, "--settings", &b]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let r = tmp(
        "mine.rules",
        b"use intune\nset conditional_launch.jailbroken = wipe\n",
    );
    let o = apprules(&["diff", "seed", &r]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("device.jailbroken = true"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("launch block → wipe"), "{}", stdout(&o));
    // Bad input: exit 2, naming it.
    for args in [
        vec!["diff", "nope.rules", "seed"],
        vec!["diff", "seed", "seed", "seed"],
        vec!["diff", "--graph", "examples/device.json", "seed"],
    ] {
        let o = apprules(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn fleet_impact_counts_the_changes() {
    let fleet: String = (0..200)
        .map(|i| {
            let os = if i % 4 == 0 { "14.7" } else { "16.0" };
            format!(
                r#"{{"device": {{"os_version": "{os}", "model": "iPhone14,2", "jailbroken": false, "mdm_enrolled": false, "passcode_set": true, "company_portal": false, "biometrics": "none", "open_in_managed_to_unmanaged": false, "browsers": []}}, "app": {{"version": "1.0", "sdk_version": "19.0.0", "multi_identity": false, "notification_restriction_supported": true}}, "session": {{"account": "org", "minutes_inactive": 0, "minutes_offline": 0, "failed_pin_attempts": 0, "days_since_pin_change": 0, "account_disabled": false}}}}"#
            ) + "\n"
        })
        .collect::<String>()
        + "not json\n";
    let f = tmp("fleet.jsonl", fleet.as_bytes());
    let changed = tmp("changed.jsonl", b"");
    let l2 = "tests/data/graph/level-2-enterprise-enhanced-data-protection-iOS.json";
    let o = apprules(&[
        "diff",
        "--graph",
        l2,
        "--facts",
        &f,
        "--changed",
        &changed,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: J = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["records"], 201);
    assert_eq!(v["transitions"]["launch"]["allow → block"]["count"], 50);
    assert_eq!(v["refused_by_both"], 1);
    let lines = std::fs::read_to_string(&changed).unwrap();
    assert_eq!(
        lines.lines().count(),
        v["changed"].as_u64().unwrap() as usize
    );
    assert!(lines.starts_with(r#"{"line":1,"#));
    let o = apprules(&["diff", "--graph", l2, "--facts", &f]);
    assert!(
        stdout(&o).contains("launch allow → block: 50 (24.9 %), lines 1, 5, 9, 13, 17, ..."),
        "{}",
        stdout(&o)
    );
}
