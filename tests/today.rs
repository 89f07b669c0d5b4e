//! Today's Intune (spec section 7): the current portal's defaults (`use
//! intune_current`, `--defaults current`), the lints of section 7, the Graph mapping
//! of every section 7.1 property both ways, the optional facts, and link patterns.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use apprules::builtins::link_matches;
use apprules::graph::{export, import};
use apprules::{Policy, PolicyBuilder};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{apprules, stderr, stdout, tmp, with_stdin};

const EVERY_PROPERTY: &str = "tests/data/graph/today-every-section-7-property.json";

fn device() -> Value {
    json!({
        "device": {"os_version": "17.0", "model": "iPhone15,2", "jailbroken": false, "mdm_enrolled": false,
                   "passcode_set": true, "company_portal": false, "biometrics": "none",
                   "open_in_managed_to_unmanaged": false, "browsers": ["edge"]},
        "app": {"version": "1.0", "sdk_version": "19.7.12", "multi_identity": false, "notification_restriction_supported": true},
        "session": {"account": "org", "minutes_inactive": 0, "minutes_offline": 0, "failed_pin_attempts": 0, "days_since_pin_change": 0}
    })
}

fn eval(args: &[&str], facts: &Value) -> Value {
    let f = tmp("facts.json", facts.to_string().as_bytes());
    let mut all = vec!["eval", "--facts", &f];
    all.extend_from_slice(args);
    let o = apprules(&all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn outcome(d: &Value, decision: &str) -> String {
    d[decision]["outcome"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn current_defaults_by_flag_and_by_use() {
    let mut f = device();
    f["session"]["minutes_offline"] = json!(1000);
    assert_eq!(outcome(&eval(&[], &f), "launch"), "block");
    assert_eq!(
        outcome(&eval(&["--defaults", "current"], &f), "launch"),
        "allow"
    );
    assert_eq!(
        outcome(&eval(&["--defaults", "seed"], &f), "launch"),
        "block"
    );
    let file = tmp("current.rules", b"use intune_current\n");
    assert_eq!(outcome(&eval(&[&file], &f), "launch"), "allow");
    // A file that says `use intune` gets today's defaults from the flag too.
    let seed = tmp("seed.rules", b"use intune\n");
    assert_eq!(
        outcome(&eval(&["--defaults", "current", &seed], &f), "launch"),
        "allow"
    );
    f["session"]["minutes_offline"] = json!(1441);
    assert_eq!(outcome(&eval(&[&file], &f), "launch"), "block");
}

#[test]
fn current_defaults_are_overridden_silently() {
    // A `set` over a `set default` is no conflict; JSON over it is no W0302.
    let file = tmp(
        "mine.rules",
        b"use intune_current\nset conditional_launch.offline_grace_period = [{minutes: 60, action: block}]\n",
    );
    let mut f = device();
    f["session"]["minutes_offline"] = json!(61);
    let ff = tmp("f.json", f.to_string().as_bytes());
    let o = apprules(&["eval", &file, "--facts", &ff]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""launch":{"outcome":"block""#));
    let s = tmp("s.json", br#"{"data_transfer.exempt_universal_links": []}"#);
    let o = apprules(&[
        "eval",
        "--defaults",
        "current",
        "--settings",
        &s,
        "--facts",
        &ff,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("W0302"), "{}", stderr(&o));
    let o = apprules(&["check", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let twice = tmp(
        "twice.rules",
        b"use intune\nset default access.min_pin_length = 6\nset default access.min_pin_length = 8\n",
    );
    let o = apprules(&["check", &twice]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("E0101") && stderr(&o).contains("3:13"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn settings_lists_the_current_defaults() {
    let o = apprules(&["settings", "--defaults", "current", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let get = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["default"]
            .clone()
    };
    assert_eq!(
        get("conditional_launch.offline_grace_period"),
        json!([{"minutes": 1440, "action": "block"}, {"days": 90, "action": "wipe"}])
    );
    assert_eq!(
        get("data_transfer.exempt_universal_links"),
        json!([
            "http://maps.apple.com",
            "https://maps.apple.com",
            "http://facetime.apple.com",
            "https://facetime.apple.com"
        ])
    );
    let managed = get("data_transfer.managed_universal_links");
    let managed: Vec<&str> = managed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(managed.len(), 50);
    for app in [
        "onedrive",
        "sharepoint",
        "teams",
        "powerapps",
        "powerbi",
        "service-now",
        "microsoftstream",
        "to-do",
        "yammer",
        "zoom",
    ] {
        assert!(managed.iter().any(|p| p.contains(app)), "{app}");
    }
    // Every pattern is a link pattern (no lint fires on the current defaults).
    let o = apprules(&["check", "--defaults", "current"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn current_defaults_open_microsoft_and_apple_links_in_their_apps() {
    let mut f = device();
    f["request"] = json!({"kind": "send", "channel": "universal_link", "url": "https://maps.apple.com/?q=cafe",
                          "target": {"policy_managed": false, "mdm_managed": false}});
    let s = tmp(
        "s.json",
        br#"{"data_transfer.send_org_data": "policy_managed_apps", "functionality.web_content_transfer": "microsoft_edge"}"#,
    );
    assert_eq!(outcome(&eval(&["--settings", &s], &f), "request"), "deny");
    assert_eq!(
        outcome(
            &eval(&["--defaults", "current", "--settings", &s], &f),
            "request"
        ),
        "allow"
    );
    f["request"] = json!({"kind": "open_url", "url": "https://contoso.sharepoint.com/sites/hr",
                          "link_app": {"policy_managed": true}});
    assert_eq!(
        outcome(&eval(&["--settings", &s], &f), "request"),
        "open_in_edge"
    );
    assert_eq!(
        outcome(
            &eval(&["--defaults", "current", "--settings", &s], &f),
            "request"
        ),
        "open_in_app"
    );
    f["request"]["link_app"]["policy_managed"] = json!(false);
    assert_eq!(
        outcome(
            &eval(&["--defaults", "current", "--settings", &s], &f),
            "request"
        ),
        "open_in_edge"
    );
}

fn check_with(settings: Value) -> (i32, String) {
    let s = tmp("lint.json", settings.to_string().as_bytes());
    let o = apprules(&["check", "--settings", &s]);
    (o.status.code().unwrap_or(-1), stderr(&o))
}

#[test]
fn section_7_lints() {
    let (code, err) = check_with(json!({
        "conditional_launch.min_os_version": [{"version": "16.0", "action": "block"}],
        "conditional_launch.max_os_version": [{"version": "15.9", "action": "block"}]
    }));
    assert_eq!(code, 2);
    assert!(err.contains("max_os_below_min_os"), "{err}");
    let (code, _) = check_with(json!({
        "conditional_launch.min_os_version": [{"version": "16.0", "action": "block"}],
        "conditional_launch.max_os_version": [{"version": "16.0", "action": "block"}]
    }));
    assert_eq!(code, 0, "equal versions: a device at 16.0 fires neither");
    for (settings, lint) in [
        (
            json!({"conditional_launch.max_os_version": [{"version": "18.0", "action": "warn"}, {"version": "17.0", "action": "block"}]}),
            "max_os_milder_never_decides",
        ),
        (
            json!({"conditional_launch.max_os_version": [{"version": "18.0", "action": "block"}, {"version": "18.0", "action": "wipe"}]}),
            "max_os_milder_never_decides",
        ),
        (
            json!({"conditional_launch.primary_mtd_service": "microsoft_defender"}),
            "primary_mtd_without_max_threat_level",
        ),
        (
            json!({"data_transfer.dialer": "specific_app"}),
            "specific_dialer_without_scheme",
        ),
        (
            json!({"data_transfer.messaging": "specific_app"}),
            "specific_messaging_without_scheme",
        ),
        (
            json!({"data_transfer.exempt_universal_links": ["maps.apple.com"]}),
            "exempt_universal_link_not_a_pattern",
        ),
        (
            json!({"data_transfer.managed_universal_links": ["https://ok.example/*", "https:// bad"]}),
            "managed_universal_link_not_a_pattern",
        ),
    ] {
        let (code, err) = check_with(settings.clone());
        assert_eq!(code, 0, "{settings}: {err}");
        assert!(err.contains(lint), "{settings}: no {lint} in {err}");
    }
    // None of them on the defaults, nor on well-formed values.
    let (code, err) = check_with(json!({
        "conditional_launch.max_os_version": [{"version": "17.0", "action": "warn"}, {"version": "18.0", "action": "block"}],
        "conditional_launch.primary_mtd_service": "third_party",
        "conditional_launch.max_threat_level": {"level": "low", "action": "block"},
        "data_transfer.dialer": "specific_app", "data_transfer.dialer_app_scheme": "ringcentral",
        "data_transfer.exempt_universal_links": ["https://maps.apple.com"]
    }));
    assert_eq!(code, 0);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn null_is_not_configured_only_for_optional_settings() {
    let f = device();
    let ok = tmp("ok.json", br#"{"conditional_launch.disabled_account": null, "conditional_launch.non_working_time": null, "conditional_launch.primary_mtd_service": null}"#);
    assert_eq!(outcome(&eval(&["--settings", &ok], &f), "launch"), "allow");
    for name in [
        "conditional_launch.jailbroken",
        "data_transfer.dialer",
        "functionality.genmoji",
        "conditional_launch.max_os_version",
    ] {
        let s = tmp("bad.json", format!(r#"{{"{name}": null}}"#).as_bytes());
        let ff = tmp("f.json", f.to_string().as_bytes());
        let o = apprules(&["eval", "--settings", &s, "--facts", &ff]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains(name), "{name}: {}", stderr(&o));
    }
}

#[test]
fn new_facts_are_optional_until_a_setting_needs_them() {
    let f = device();
    let ff = tmp("f.json", f.to_string().as_bytes());
    for (settings, fact) in [
        (
            r#"{"conditional_launch.disabled_account": "block"}"#,
            "session.account_disabled",
        ),
        (r#"{"conditional_launch.non_working_time": "block"}"#, ""),
    ] {
        let s = tmp("s.json", settings.as_bytes());
        let o = apprules(&["eval", "--settings", &s, "--facts", &ff]);
        if fact.is_empty() {
            // No working-time status is a meaning (blocked), not a missing fact.
            assert_eq!(o.status.code(), Some(0));
            assert!(stdout(&o).contains(r#""launch":{"outcome":"block""#));
        } else {
            assert_eq!(o.status.code(), Some(2));
            assert!(stderr(&o).contains(fact), "{}", stderr(&o));
        }
    }
    let mut off = f.clone();
    off["session"]["working_time"] = json!("off_shift");
    let s = tmp(
        "s.json",
        br#"{"conditional_launch.non_working_time": "block"}"#,
    );
    let fo = tmp("off.json", off.to_string().as_bytes());
    let o = apprules(&["eval", "--settings", &s, "--facts", &fo]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("session.minutes_off_shift"),
        "{}",
        stderr(&o)
    );
    off["session"]["working_time"] = json!("lunch");
    let fo = tmp("off.json", off.to_string().as_bytes());
    let o = apprules(&["eval", "--facts", &fo]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("session.working_time"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn request_source_is_a_location_or_an_object_in_single_and_batch_mode() {
    let mut a = device();
    a["request"] = json!({"kind": "open_into_org_document", "source": "camera"});
    let mut b = device();
    b["request"] = json!({"kind": "receive", "source": {"scheme": "x", "policy_managed": false}, "has_identity": true});
    let mut c = device();
    c["request"] = json!({"kind": "open_into_org_document", "source": "somewhere"});
    let mut d = device();
    d["request"] = json!({"kind": "open_into_org_document", "source": 7});
    let s = tmp(
        "s.json",
        br#"{"data_transfer.receive_org_data": "policy_managed_apps", "data_transfer.open_into_org_documents": "block", "data_transfer.open_from_services": ["sharepoint"]}"#,
    );
    let lines = [&a, &b, &c, &d]
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let o = with_stdin(
        &["eval", "--jsonl", "--settings", &s, "--facts", "-"],
        lines,
    );
    let out: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 4);
    assert_eq!(outcome(&out[0], "request"), "deny");
    assert_eq!(outcome(&out[1], "request"), "deny");
    assert!(out[2]["error"].as_str().unwrap().contains("request.source"));
    assert!(out[3]["error"].as_str().unwrap().contains("request.source"));
    for (i, v) in [a, b].iter().enumerate() {
        assert_eq!(eval(&["--settings", &s], v), out[i], "record {i}");
    }
}

#[test]
fn every_section_7_property_is_imported_and_exported() {
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(EVERY_PROPERTY).unwrap()).unwrap();
    let imported = import(&original).unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let expect = json!({
        "conditional_launch.max_os_version": [{"version": "17.5", "action": "warn"}, {"version": "18.0", "action": "block"}, {"version": "19.0", "action": "wipe"}],
        "conditional_launch.min_sdk_version": [{"version": "19.0.0", "action": "warn"}],
        "conditional_launch.disabled_account": "wipe",
        "conditional_launch.non_working_time": "block",
        "conditional_launch.non_working_time_grace_minutes": 60,
        "conditional_launch.primary_mtd_service": "microsoft_defender",
        "data_transfer.dialer": "specific_app",
        "data_transfer.dialer_app_scheme": "ringcentral",
        "data_transfer.messaging": "specific_app",
        "data_transfer.messaging_app_scheme": "msteams",
        "data_transfer.exempt_universal_links": ["http://maps.apple.com", "https://maps.apple.com"],
        "data_transfer.managed_universal_links": ["https://*.sharepoint.com/*", "https://*teams.microsoft.com/l/*"],
        "data_transfer.open_into_org_documents": "block",
        "data_transfer.open_from_services": ["onedrive_for_business", "photo_library"],
        "data_transfer.save_copies_services": ["imanage", "egnyte", "sharepoint"],
        "functionality.genmoji": "block",
        "functionality.screen_capture": "block",
        "functionality.writing_tools": "allow"
    });
    for (k, v) in expect.as_object().unwrap() {
        assert_eq!(imported.settings.get(k), Some(v), "{k}");
    }
    let program = Policy::bundled().unwrap();
    let rules = imported.to_rules(program.program()).unwrap();
    let p = PolicyBuilder::new()
        .source("imported.rules", &rules)
        .build()
        .unwrap();
    let exported = export(p.program(), &p.compiled().settings).unwrap();
    for key in apprules::graph::mapped_properties() {
        if let Some(a) = original.get(key) {
            let b = exported.get(key).unwrap();
            // Versions keep their meaning (`19.0.0` = `19.0`, spec section 2).
            let version = |v: &Value| v.as_str().and_then(apprules::Version::parse);
            match (version(a), version(b)) {
                (Some(x), Some(y)) => assert_eq!(x, y, "{key}"),
                _ => assert_eq!(a, b, "{key}"),
            }
        }
    }
    let again = PolicyBuilder::new()
        .source(
            "again.rules",
            &import(&exported)
                .unwrap()
                .to_rules(program.program())
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(again.compiled().settings, p.compiled().settings);
}

#[test]
fn section_7_graph_values_out_of_range_name_the_property() {
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(EVERY_PROPERTY).unwrap()).unwrap();
    for (key, bad) in [
        ("dialerRestrictionLevel", json!("sometimes")),
        ("protectedMessagingRedirectAppType", json!(3)),
        ("appActionIfUnableToAuthenticateUser", json!("warn")),
        ("appActionIfAccountIsClockedOut", json!("wipe")),
        (
            "gracePeriodToBlockAppsDuringOffClockHours",
            json!("an hour"),
        ),
        ("mobileThreatDefensePartnerPriority", json!("both")),
        ("exemptedUniversalLinks", json!("https://maps.apple.com")),
        ("managedUniversalLinks", json!([1])),
        ("blockDataIngestionIntoOrganizationDocuments", json!("yes")),
        ("allowedDataIngestionLocations", json!(["floppy"])),
        ("allowedDataStorageLocations", json!(["floppy"])),
        ("genmojiConfigurationState", json!("maybe")),
        ("maximumRequiredOsVersion", json!("eighteen")),
        ("minimumWarningSdkVersion", json!(19)),
    ] {
        let mut doc = original.clone();
        doc[key] = bad.clone();
        let e = import(&doc).unwrap_err().to_string();
        assert!(e.contains(key), "{key} = {bad}: {e}");
    }
}

#[test]
fn a_real_export_above_its_max_os_is_not_allowed() {
    let mut f = device();
    f["session"]["account_disabled"] = json!(false);
    f["session"]["working_time"] = json!("on_shift");
    f["device"]["threat_level"] = json!("secured");
    f["app"]["sdk_version"] = json!("20.4.0");
    f["device"]["os_version"] = json!("18.0.1");
    assert_eq!(
        outcome(&eval(&["--graph", EVERY_PROPERTY], &f), "launch"),
        "block"
    );
    f["device"]["os_version"] = json!("17.6");
    assert_eq!(
        outcome(&eval(&["--graph", EVERY_PROPERTY], &f), "launch"),
        "warn"
    );
    f["device"]["os_version"] = json!("17.5");
    assert_eq!(
        outcome(&eval(&["--graph", EVERY_PROPERTY], &f), "launch"),
        "allow"
    );
}

/// A reference glob: `*` any run of bytes, written as plain recursion.
fn glob_reference(p: &[u8], t: &[u8]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((b'*', rest)) => (0..=t.len()).any(|i| glob_reference(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && glob_reference(rest, &t[1..]),
    }
}

/// A reference model of section 7.1's link patterns, for well-formed URLs and patterns
/// (`scheme://host[/path]`, no userinfo, port, query or fragment).
fn matches_reference(url: &str, pattern: &str) -> bool {
    let split = |s: &str| -> (String, String, Option<String>) {
        let (scheme, rest) = s.split_once("://").unwrap();
        match rest.find('/') {
            Some(i) => (
                scheme.to_ascii_lowercase(),
                rest[..i].to_ascii_lowercase(),
                Some(rest[i..].to_string()),
            ),
            None => (scheme.to_ascii_lowercase(), rest.to_ascii_lowercase(), None),
        }
    };
    let (us, uh, up) = split(url);
    let (ps, ph, pp) = split(pattern);
    us == ps
        && glob_reference(ph.as_bytes(), uh.as_bytes())
        && match pp {
            None => true,
            Some(pp) => glob_reference(pp.as_bytes(), up.as_deref().unwrap_or("/").as_bytes()),
        }
}

fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9-]{1,6}"
}

fn host() -> impl Strategy<Value = String> {
    proptest::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
}

fn path() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-zA-Z0-9_.-]{0,4}", 0..4).prop_map(|segs| {
        if segs.is_empty() {
            String::new()
        } else {
            format!("/{}", segs.join("/"))
        }
    })
}

/// A pattern piece: some of the characters replaced by `*`.
fn starred(s: String, stars: Vec<usize>) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for i in stars {
        if !chars.is_empty() {
            let i = i % chars.len();
            if chars[i] != '/' || i > 0 {
                chars[i] = '*';
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn link_matches_agrees_with_its_definition(
        scheme in prop_oneof![Just("https"), Just("http"), Just("HTTPS")],
        pscheme in prop_oneof![Just("https"), Just("http")],
        uhost in host(), upath in path(),
        same_host in any::<bool>(), same_path in any::<bool>(),
        phost in host(), ppath in path(),
        hstars in proptest::collection::vec(0usize..20, 0..3),
        pstars in proptest::collection::vec(0usize..20, 0..3),
        upper in any::<bool>(),
    ) {
        let ph = starred(if same_host { uhost.clone() } else { phost }, hstars);
        let pp = starred(if same_path { upath.clone() } else { ppath }, pstars);
        let pattern = format!("{pscheme}://{ph}{pp}");
        let uh = if upper { uhost.to_ascii_uppercase() } else { uhost.clone() };
        let url = format!("{scheme}://{uh}{upath}");
        prop_assert_eq!(link_matches(&url, &pattern), matches_reference(&url, &pattern), "{} ~ {}", url, pattern);
    }

    #[test]
    fn a_pattern_without_a_path_matches_exactly_its_host(
        h in host(), extra in label(), p in path(), q in "[a-z=&]{0,6}",
    ) {
        let pattern = format!("https://{h}");
        let on_host = format!("https://{h}{p}?{q}");
        prop_assert!(link_matches(&on_host, &pattern));
        prop_assert!(link_matches(&on_host.to_ascii_uppercase().replacen("HTTPS", "HtTpS", 1), &pattern)
            || p.chars().any(|c| c.is_ascii_lowercase()));
        // A longer host, a host as userinfo, a host inside the path: never.
        let longer = format!("https://{h}.{extra}/");
        let userinfo = format!("https://{h}@{extra}.example/");
        let inside = format!("https://{extra}.example/{h}");
        let suffix = format!("https://{extra}{h}/");
        prop_assert!(!link_matches(&longer, &pattern), "{}", longer);
        prop_assert!(!link_matches(&userinfo, &pattern), "{}", userinfo);
        prop_assert!(!link_matches(&inside, &pattern), "{}", inside);
        prop_assert!(!link_matches(&suffix, &pattern), "{}", suffix);
    }

    #[test]
    fn host_wildcards_match_any_subdomain(sub in host(), p in path()) {
        let url = format!("https://{sub}.sharepoint.com{p}");
        prop_assert!(link_matches(&url, "https://*.sharepoint.com/*"));
        prop_assert!(link_matches(&url.to_ascii_uppercase(), "https://*.sharepoint.com/*")
            || p.chars().any(|c| c.is_ascii_lowercase()));
        let evil = format!("https://{sub}.sharepoint.com.evil.example{p}");
        let http = format!("http://{sub}.sharepoint.com{p}");
        prop_assert!(!link_matches(&evil, "https://*.sharepoint.com/*"));
        prop_assert!(!link_matches(&http, "https://*.sharepoint.com/*"));
    }
}

#[test]
fn link_patterns_of_the_spec() {
    assert!(!link_matches(
        "https://maps.apple.com.evil.example/",
        "https://maps.apple.com"
    ));
    assert!(link_matches(
        "HTTPS://MAPS.APPLE.COM/x",
        "https://maps.apple.com"
    ));
    assert!(!link_matches(
        "https://maps.apple.com/x",
        "https://maps.apple.com/y*"
    ));
    assert!(link_matches(
        "https://to-do.microsoft.com/sharing?x=1",
        "https://to-do.microsoft.com/sharing*"
    ));
    // Hostile sizes: a host longer than DNS allows, a path past any real link.
    let long_host = format!("https://{}.sharepoint.com/", "a".repeat(300));
    assert!(!link_matches(&long_host, "https://*.sharepoint.com/*"));
    let long_path = format!("https://x.sharepoint.com/{}", "a*".repeat(10_000));
    assert!(!link_matches(&long_path, "https://*.sharepoint.com/*"));
    // The path keeps its case.
    assert!(!link_matches("https://a.example/A", "https://a.example/a"));
    // Anything a browser might read differently matches nothing.
    for url in [
        "https://maps.apple.com\\@evil.example/",
        "https://maps.apple.com%2e/",
        "https:maps.apple.com",
        "https://maps.apple.com /",
        "",
    ] {
        assert!(!link_matches(url, "https://maps.apple.com"), "{url}");
    }
}
