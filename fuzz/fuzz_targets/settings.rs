//! Arbitrary `--settings` JSON on the bundled policy: an error naming the setting, or
//! a policy that evaluates; never a panic.
#![no_main]
use std::sync::OnceLock;

static POLICY: OnceLock<Option<apprules::Policy>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(policy) = POLICY.get_or_init(|| apprules::Policy::bundled().ok()) else { return };
    let Ok(text) = std::str::from_utf8(data) else { return };
    // As the CLI reads it: duplicate keys are errors, not last-wins.
    let Ok(json) = apprules::json::parse(text) else { return };
    if let Ok(p) = policy.with_settings(&json) {
        let facts: serde_json::Value = serde_json::from_str(include_str!("../../examples/device.json")).unwrap_or_default();
        let _ = p.evaluate_json(&facts);
    }
});
