//! The bundled policy's own tests and properties (written from the seed and the spec
//! in `rules/intune-ios.tests.rules`), and the example rule files, run as `apprules
//! test` runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly
#![recursion_limit = "256"] // the spec's defaults, as one `json!`

use apprules::testing::{run, Options};
use apprules::PolicyBuilder;

fn run_files(builder: PolicyBuilder) -> apprules::testing::TestReport {
    let checked = builder.check_with_tests().unwrap_or_else(|e| panic!("{e}"));
    run(
        checked.program,
        &checked.suite,
        &Options {
            cases: 128,
            seed: 7,
            coverage: true,
        },
    )
}

#[test]
fn bundled_policy_passes_its_own_tests_with_full_coverage() {
    let report = run_files(
        PolicyBuilder::new()
            .bundled()
            .source(apprules::BUNDLED_TESTS_NAME, apprules::BUNDLED_TESTS),
    );
    assert!(!report.failed(), "{}", report.render(true));
    assert!(report.tests.len() >= 150, "{} tests", report.tests.len());
    assert!(!report.properties.is_empty());
    assert_eq!(report.coverage_percent(), 100.0, "{}", report.render(true));
}

#[test]
fn example_rule_files_pass_their_tests() {
    for file in [
        "rules/examples/level2-enhanced.rules",
        "rules/examples/custom-rules.rules",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let report = run_files(PolicyBuilder::new().file(&path).unwrap());
        assert!(!report.failed(), "{file}\n{}", report.render(false));
        assert!(report.tests.len() >= 5);
    }
}

#[test]
fn a_failing_test_reports_expected_and_actual() {
    let text = r#"use intune
facts f = {"device": {"os_version": "16.0", "model": "iPhone14,2", "jailbroken": true, "mdm_enrolled": false, "passcode_set": true, "company_portal": false, "biometrics": "none", "open_in_managed_to_unmanaged": false, "browsers": []}, "app": {"version": "1.0", "sdk_version": "19.0", "multi_identity": false, "notification_restriction_supported": true}, "session": {"account": "org", "minutes_inactive": 0, "minutes_offline": 0, "failed_pin_attempts": 0, "days_since_pin_change": 0}}
test wrong given f expect launch = allow
property wrong_law for all facts where device.jailbroken expect launch == allow
"#;
    let report = run_files(PolicyBuilder::new().source("t.rules", text));
    let failure = report.tests[0].failure.as_ref().unwrap();
    assert!(
        failure.contains("expected launch.outcome = allow, got block"),
        "{failure}"
    );
    assert!(failure.contains("jailbroken => block"), "{failure}");
    let counterexample = report.properties[0].failure.as_ref().unwrap();
    // The counterexample is facts JSON `apprules eval` accepts.
    let json: serde_json::Value =
        serde_json::from_str(counterexample.split_once('\n').unwrap().1).unwrap();
    let policy = PolicyBuilder::new().bundled().build().unwrap();
    let d = policy.evaluate_json(&json).unwrap();
    assert_ne!(d.get("launch").unwrap().outcome(), Some("allow"));
}

#[test]
fn a_varying_property_reports_both_worlds() {
    let text = r#"use intune
property newer_os_is_never_better
  settings {"conditional_launch.min_os_version": [{"version": "16.0", "action": "block"}]}
  for all facts varying device.os_version where varied.device.os_version > device.os_version
  expect varied.launch >= launch
"#;
    let report = run_files(PolicyBuilder::new().source("v.rules", text));
    let failure = report.properties[0]
        .failure
        .as_ref()
        .expect("the law is false: a newer OS launches");
    assert!(
        failure.contains("varied world") && failure.contains("device.os_version"),
        "{failure}"
    );
    let bad =
        "use intune\nproperty p for all facts varying device.nothing expect launch == allow\n";
    assert!(PolicyBuilder::new().source("b.rules", bad).check().is_err());
    let outside = "use intune\nproperty p for all facts expect varied.launch == allow\n";
    assert!(PolicyBuilder::new()
        .source("c.rules", outside)
        .check()
        .is_err());
}

#[test]
fn every_spec_setting_is_declared_with_its_default() {
    let policy = apprules::Policy::bundled().unwrap();
    let settings = apprules::settings::describe(policy.program(), &policy.compiled().settings);
    let defaults: serde_json::Value = serde_json::json!({
        "data_transfer.backup_org_data": "allow",
        "data_transfer.send_org_data": "all_apps",
        "data_transfer.exempt_apps": [],
        "data_transfer.receive_org_data": "all_apps",
        "data_transfer.save_copies": "allow",
        "data_transfer.save_copies_services": [],
        "data_transfer.clipboard": "any_app",
        "data_transfer.clipboard_char_limit": 0,
        "data_transfer.org_data_notifications": "allow",
        "data_transfer.third_party_keyboards": "allow",
        "encryption.encrypt_org_data": "require",
        "functionality.sync_contacts": "allow",
        "functionality.printing": "allow",
        "functionality.web_content_transfer": "not_configured",
        "functionality.unmanaged_browser_protocol": "",
        "access.pin": "require",
        "access.pin_type": "numeric",
        "access.simple_pin": "allow",
        "access.min_pin_length": 4,
        "access.touch_id": "allow",
        "access.face_id": "allow",
        "access.biometric_override": "require",
        "access.biometric_override_timeout": 30,
        "access.pin_reset": "no",
        "access.pin_reset_days": 90,
        "access.app_pin_when_device_pin_set": "enable",
        "access.work_credentials": "not_required",
        "access.recheck_after": 30,
        "conditional_launch.min_os_version": [],
        "conditional_launch.max_pin_attempts": [{"attempts": 5, "action": "reset_pin"}],
        "conditional_launch.offline_grace_period": [{"minutes": 720, "action": "block"}, {"days": 90, "action": "wipe"}],
        "conditional_launch.jailbroken": "block",
        "conditional_launch.min_app_version": [],
        "conditional_launch.min_sdk_version": [],
        "conditional_launch.device_models": "not_configured",
        "conditional_launch.max_threat_level": "not_configured",
        // Section 7: every default is "off".
        "conditional_launch.max_os_version": [],
        "conditional_launch.disabled_account": "not_configured",
        "conditional_launch.non_working_time": "not_configured",
        "conditional_launch.non_working_time_grace_minutes": 0,
        "conditional_launch.primary_mtd_service": "not_configured",
        "data_transfer.dialer": "any_app",
        "data_transfer.dialer_app_scheme": "",
        "data_transfer.messaging": "any_app",
        "data_transfer.messaging_app_scheme": "",
        "data_transfer.exempt_universal_links": [],
        "data_transfer.managed_universal_links": [],
        "data_transfer.open_into_org_documents": "allow",
        "data_transfer.open_from_services": ["onedrive_for_business", "sharepoint", "camera", "photo_library"],
        "functionality.genmoji": "allow",
        "functionality.screen_capture": "allow",
        "functionality.writing_tools": "allow"
    });
    let defaults = defaults.as_object().unwrap();
    assert_eq!(settings.len(), defaults.len());
    for s in &settings {
        assert_eq!(
            Some(&s.default),
            defaults.get(&s.name),
            "default of {}",
            s.name
        );
        assert!(!s.doc.is_empty(), "{} has no doc", s.name);
    }
}
