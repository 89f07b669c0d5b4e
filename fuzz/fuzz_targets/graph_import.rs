//! Arbitrary Graph JSON: import never panics, and the rule file it writes decides as
//! `eval --graph` does (the same compiled tables); nothing from the export escapes
//! its comments (issue 10: text injected through `displayName`, bare strings).
#![no_main]
use std::sync::OnceLock;

static BUNDLED: OnceLock<Option<apprules::Policy>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(bundled) = BUNDLED.get_or_init(|| apprules::Policy::bundled().ok()) else { return };
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(json) = apprules::json::parse(text) else { return };
    let Ok(imported) = apprules::graph::import(&json) else { return };
    let via_settings = apprules::PolicyBuilder::new()
        .bundled()
        .settings_json(imported.settings_json())
        .build();
    let Ok(rules) = imported.to_rules(bundled.program()) else {
        assert!(via_settings.is_err(), "settings accepted, import refused");
        return;
    };
    for line in rules.lines() {
        assert!(
            line.is_empty() || line.starts_with('#') || line.starts_with("use intune") || line.starts_with("set "),
            "{line}"
        );
    }
    let via_rules = apprules::PolicyBuilder::new().source("imported.rules", &rules).build();
    match (via_settings, via_rules) {
        (Ok(a), Ok(b)) => assert_eq!(
            apprules::compile::print::tables(a.compiled()),
            apprules::compile::print::tables(b.compiled())
        ),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("--graph {:?} but import {:?}", a.err(), b.err()),
    }
});
