//! Intune Graph interop, on real exports (`../shared/graph-examples/`, copied into
//! `tests/data/graph/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use apprules::graph::{export, import};
use apprules::{Policy, PolicyBuilder};
use serde_json::{json, Value};

fn example(name: &str) -> Value {
    let path = format!("{}/tests/data/graph/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const LEVEL1: &str = "level-1-enterprise-basic-data-protection-iOS.json";
const LEVEL2: &str = "level-2-enterprise-enhanced-data-protection-iOS.json";

fn facts(os: &str) -> Value {
    json!({
        "device": {"os_version": os, "model": "iPhone14,2", "jailbroken": false, "mdm_enrolled": false,
                   "passcode_set": true, "company_portal": false, "biometrics": "face_id",
                   "open_in_managed_to_unmanaged": false, "browsers": []},
        "app": {"version": "4.0", "sdk_version": "19.0", "multi_identity": true, "notification_restriction_supported": true},
        "session": {"account": "org", "minutes_inactive": 0, "minutes_offline": 0, "failed_pin_attempts": 0, "days_since_pin_change": 0,
                    "account_disabled": false}
    })
}

fn policy_from(export_json: &Value) -> Policy {
    let imported = import(export_json).unwrap();
    PolicyBuilder::new()
        .source(
            "imported.rules",
            &imported
                .to_rules(Policy::bundled().unwrap().program())
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn level_2_blocks_old_ios_and_denies_unmanaged_targets() {
    let p = policy_from(&example(LEVEL2));
    let d = p.evaluate_json(&facts("14.7")).unwrap();
    assert_eq!(d.get("launch").unwrap().outcome(), Some("block"));
    let d = p.evaluate_json(&facts("14.8")).unwrap();
    assert_eq!(d.get("launch").unwrap().outcome(), Some("allow"));
    let mut f = facts("15.0");
    f["request"] =
        json!({"kind": "send", "target": {"policy_managed": false, "mdm_managed": false}});
    let d = p.evaluate_json(&f).unwrap();
    assert_eq!(d.get("request").unwrap().outcome(), Some("deny"));
    f["request"] = json!({"kind": "notify"});
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("request")
            .unwrap()
            .outcome(),
        Some("redact")
    );
    f["request"] = json!({"kind": "save_as", "service": "box"});
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("request")
            .unwrap()
            .outcome(),
        Some("deny")
    );
    f["request"] = json!({"kind": "save_as", "service": "sharepoint"});
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("request")
            .unwrap()
            .outcome(),
        Some("allow")
    );
    f["request"] = json!({"kind": "open_url", "url": "https://contoso.com"});
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("request")
            .unwrap()
            .outcome(),
        Some("install_edge")
    );
    f["request"] = json!({"kind": "paste", "source": {"policy_managed": false}});
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("request")
            .unwrap()
            .outcome(),
        Some("allow")
    );
}

#[test]
fn level_1_is_close_to_the_defaults() {
    let p = policy_from(&example(LEVEL1));
    let d = p.evaluate_json(&facts("12.0")).unwrap();
    assert_eq!(d.get("launch").unwrap().outcome(), Some("allow"));
    let mut f = facts("15.0");
    f["device"]["jailbroken"] = json!(true);
    assert_eq!(
        p.evaluate_json(&f)
            .unwrap()
            .get("launch")
            .unwrap()
            .outcome(),
        Some("block")
    );
}

/// Every mapped property comes back unchanged.
#[test]
fn import_then_export_gives_back_every_mapped_property() {
    for name in [LEVEL1, LEVEL2] {
        let original = example(name);
        let p = policy_from(&original);
        let exported = export(p.program(), &p.compiled().settings).unwrap();
        for key in apprules::graph::mapped_properties() {
            let Some(b) = exported.get(key) else {
                panic!("{name}: `{key}` not exported");
            };
            // A property the original lacks is written with the setting's default.
            if let Some(a) = original.get(key) {
                assert_eq!(a, b, "{name}: property `{key}`");
            }
        }
        // And the export reads back as the same settings, every one of them.
        let again = policy_from(&exported);
        assert_eq!(again.compiled().settings, p.compiled().settings, "{name}");
        assert_eq!(
            exported["@odata.type"],
            json!("#microsoft.graph.iosManagedAppProtection")
        );
        for read_only in [
            "id",
            "createdDateTime",
            "lastModifiedDateTime",
            "isAssigned",
            "version",
        ] {
            assert!(
                exported.get(read_only).is_none(),
                "{read_only} must not be exported"
            );
        }
    }
}

/// Settings survive export then import.
#[test]
fn export_then_import_is_the_identity_on_settings() {
    let overrides = json!({
        "data_transfer.send_org_data": "policy_managed_apps_with_os_sharing",
        "data_transfer.exempt_apps": ["mailto", "ms-outlook"],
        "data_transfer.receive_org_data": "all_apps_with_incoming_org_data",
        "data_transfer.save_copies": "block",
        "data_transfer.save_copies_services": ["onedrive_for_business", "local_storage", "photo_library"],
        "data_transfer.clipboard": "policy_managed_apps",
        "data_transfer.clipboard_char_limit": 40,
        "data_transfer.org_data_notifications": "blocked",
        "data_transfer.third_party_keyboards": "block",
        "encryption.encrypt_org_data": "not_required",
        "functionality.web_content_transfer": "unmanaged_browser",
        "functionality.unmanaged_browser_protocol": "mybrowser",
        "access.pin_type": "passcode",
        "access.simple_pin": "block",
        "access.min_pin_length": 6,
        "access.touch_id": "block",
        "access.biometric_override_timeout": 45,
        "access.pin_reset": "yes",
        "access.pin_reset_days": 30,
        "access.app_pin_when_device_pin_set": "disable",
        "access.work_credentials": "require",
        "access.recheck_after": 15,
        "conditional_launch.min_os_version": [{"version": "16.0", "action": "warn"}, {"version": "15.0", "action": "block"}],
        "conditional_launch.min_app_version": [{"version": "2.1.3", "action": "wipe"}],
        "conditional_launch.min_sdk_version": [{"version": "17.0", "action": "block"}],
        "conditional_launch.max_pin_attempts": [{"attempts": 8, "action": "wipe"}],
        "conditional_launch.offline_grace_period": [{"minutes": 90, "action": "block"}, {"days": 30, "action": "wipe"}],
        "conditional_launch.jailbroken": "wipe",
        "conditional_launch.device_models": {"models": ["iphone14,2", "ipad13,1"], "action": "wipe"},
        "conditional_launch.max_threat_level": {"level": "medium", "action": "block"}
    });
    let p = PolicyBuilder::new()
        .bundled()
        .settings_json(overrides)
        .build()
        .unwrap();
    let exported = export(p.program(), &p.compiled().settings).unwrap();
    let back = import(&exported).unwrap();
    let q = PolicyBuilder::new()
        .bundled()
        .settings_json(back.settings_json())
        .build()
        .unwrap();
    assert_eq!(p.compiled().settings, q.compiled().settings);
}

#[test]
fn malformed_properties_are_named() {
    let mut doc = example(LEVEL2);
    doc["periodOfflineBeforeAccessCheck"] = json!("twelve hours");
    assert!(import(&doc)
        .unwrap_err()
        .to_string()
        .contains("periodOfflineBeforeAccessCheck"));
    let mut doc = example(LEVEL2);
    doc["dataBackupBlocked"] = json!("yes");
    assert!(import(&doc)
        .unwrap_err()
        .to_string()
        .contains("dataBackupBlocked"));
    let mut doc = example(LEVEL2);
    doc["minimumRequiredOsVersion"] = json!("fourteen");
    assert!(import(&doc)
        .unwrap_err()
        .to_string()
        .contains("minimumRequiredOsVersion"));
    let mut doc = example(LEVEL2);
    doc["allowedOutboundClipboardSharingLevel"] = json!("sometimes");
    assert!(import(&doc)
        .unwrap_err()
        .to_string()
        .contains("allowedOutboundClipboardSharingLevel"));
    assert!(import(&json!([1, 2])).is_err());
}

#[test]
fn unmodeled_properties_are_kept_and_reported() {
    // Every property of the shipped exports is mapped or silent (spec section 7.6):
    // one Graph might add tomorrow is a warning, and a comment.
    let mut doc = example(LEVEL2);
    doc["allowWidgetContentSync"] = json!(true);
    let imported = import(&doc).unwrap();
    assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    assert!(imported.warnings[0].contains("allowWidgetContentSync"));
    let rules = imported
        .to_rules(Policy::bundled().unwrap().program())
        .unwrap();
    assert!(rules.contains("#   allowWidgetContentSync: true"));
    // Targeting and iOS-meaningless properties are kept as comments, silently.
    assert!(rules.contains("#   targetedAppManagementLevels: \"unspecified\""));
    assert!(rules.contains("Enterprise Enhanced Data Protection"));
    // metadata is tolerated silently
    assert!(!imported
        .warnings
        .iter()
        .any(|w| w.contains("odata") || w.contains("roleScopeTagIds")));
}

#[test]
fn empty_models_and_null_periods() {
    let mut doc = example(LEVEL1);
    doc["allowedIosDeviceModels"] = json!("");
    doc["periodOnlineBeforeAccessCheck"] = serde_json::Value::Null;
    let imported = import(&doc).unwrap();
    assert_eq!(
        imported.settings["conditional_launch.device_models"],
        json!("not_configured")
    );
    assert!(!imported.settings.contains_key("access.recheck_after"));
    doc["allowedIosDeviceModels"] = json!("iPhone14,2; iPad13,1;");
    doc["appActionIfIosDeviceModelNotAllowed"] = json!("wipe");
    let imported = import(&doc).unwrap();
    assert_eq!(
        imported.settings["conditional_launch.device_models"],
        json!({"models": ["iPhone14,2", "iPad13,1"], "action": "wipe"})
    );
}

#[test]
fn durations_map_to_minutes_and_days() {
    let imported = import(&example(LEVEL1)).unwrap();
    assert_eq!(
        imported.settings["conditional_launch.offline_grace_period"],
        json!([{"minutes": 720, "action": "block"}, {"days": 90, "action": "wipe"}])
    );
    assert_eq!(
        imported.settings["access.biometric_override_timeout"],
        json!(720)
    );
    assert_eq!(imported.settings["access.pin_reset"], json!("no"));
    assert_eq!(imported.settings["access.recheck_after"], json!(30));
}

/// Hostile text: line breaks of every kind, quotes, comment and declaration starts.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    proptest::sample::select(vec![
        "x\nset conditional_launch.jailbroken = not_configured\n#",
        "x\rset conditional_launch.jailbroken = not_configured\r#",
        "x\r\nset functionality.printing = allow\n",
        "x\u{2028}set conditional_launch.jailbroken = not_configured",
        "x\u{85}y\u{b}z\u{c}w\u{0}",
        "\"quoted\" and \\ backslash # hash",
        "plain name",
        "",
        "\u{202e}reversed\u{2066}",
        "googlechrome",
        "mailto",
        "iPhone;iPad",
        "not_configured",
        "true",
        "block",
        "use",
        "rule",
        "a b;c\nd;",
    ])
    .prop_map(|s: &str| s.to_string())
}

fn hostile_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    prop_oneof![
        hostile_text().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..200).prop_map(Value::from),
        Just(Value::Null),
        Just(json!("PT30M")),
        Just(json!("P90D")),
        Just(json!("15.0")),
        Just(json!("allowedApps")),
        Just(json!("managedApps")),
        Just(json!("allApps")),
        Just(json!("block")),
        Just(json!("wipe")),
        hostile_text().prop_map(|n| json!([{"name": n.clone(), "value": format!("{n};")}])),
        prop::collection::vec(hostile_text(), 0..3).prop_map(|v| json!(v)),
    ]
}

/// Random Graph JSON: a real export with some properties replaced by hostile values,
/// hostile names and descriptions, and unknown properties with hostile names.
fn hostile_export() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let props: Vec<&'static str> = apprules::graph::mapped_properties();
    (
        prop::sample::select(vec![LEVEL1, LEVEL2]),
        hostile_text(),
        hostile_text(),
        prop::collection::vec((prop::sample::select(props), hostile_value()), 0..4),
        prop::collection::vec((hostile_text(), hostile_value()), 0..2),
    )
        .prop_map(|(base, name, desc, edits, unknown)| {
            let mut g = example(base);
            g["displayName"] = json!(name);
            g["description"] = json!(desc);
            for (k, v) in edits {
                g[k] = v;
            }
            for (k, v) in unknown {
                g[format!("unknown {k}")] = v;
            }
            g
        })
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 400, ..Default::default() })]

    /// `eval --graph G` ≡ `eval (import graph G)`: the settings read from an export
    /// and the rule file written from it compile to the same tables; and when the
    /// export is valid, the rule file checks clean.
    #[test]
    fn import_decides_as_graph_eval(g in hostile_export()) {
        let direct = import(&g).map(|i| (i.settings_json(), i));
        let Ok((settings, imported)) = direct else { return Ok(()); };
        let via_settings = PolicyBuilder::new().bundled().settings_json(settings).build();
        let bundled = Policy::bundled().unwrap();
        let text = imported.to_rules(bundled.program());
        match (via_settings, text) {
            (Ok(a), Ok(text)) => {
                let b = PolicyBuilder::new().source("imported.rules", &text).build();
                let b = b.map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
                proptest::prop_assert_eq!(
                    apprules::compile::print::tables(a.compiled()),
                    apprules::compile::print::tables(b.compiled()),
                    "{}", text
                );
                // Nothing from the export escapes its comment.
                for line in text.lines() {
                    proptest::prop_assert!(
                        line.is_empty() || line.starts_with('#') || line.starts_with("use intune") || line.starts_with("set "),
                        "{}", line
                    );
                }
                let sets = text.lines().filter(|l| l.starts_with("set ")).count();
                proptest::prop_assert_eq!(sets, imported.settings.len());
            }
            (Err(_), Err(_)) => {}
            (Err(e), Ok(text)) => {
                // The rule file must not accept what `--settings` rejects.
                proptest::prop_assert!(PolicyBuilder::new().source("imported.rules", &text).build().is_err(), "{e}\n{text}");
            }
            (Ok(_), Err(e)) => proptest::prop_assert!(false, "settings accepted but the import failed: {}", e),
        }
    }
}

#[test]
fn imports_of_the_real_exports_check_clean() {
    for name in [LEVEL1, LEVEL2] {
        let imported = import(&example(name)).unwrap();
        let text = imported
            .to_rules(Policy::bundled().unwrap().program())
            .unwrap();
        let p = PolicyBuilder::new()
            .source("imported.rules", &text)
            .build()
            .unwrap();
        assert!(
            !p.warnings().has_errors(),
            "{name}: {}",
            p.warnings().to_short_string()
        );
    }
}
