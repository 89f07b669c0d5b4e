//! Arbitrary facts JSON against the bundled policy: an error or decisions, never a
//! panic; and the tables agree with the reference interpreter.
#![no_main]
use std::sync::OnceLock;

static POLICY: OnceLock<Option<apprules::Policy>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(policy) = POLICY.get_or_init(|| apprules::Policy::bundled().ok()) else { return };
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return };
    if let Ok(bound) = policy.bind(&json) {
        let tables = policy.evaluate_bound(&bound);
        let reference = policy.evaluate_reference(&bound);
        assert_eq!(tables.is_ok(), reference.is_ok());
        if let (Ok(a), Ok(b)) = (tables, reference) {
            assert_eq!(a, b);
        }
    }
});
