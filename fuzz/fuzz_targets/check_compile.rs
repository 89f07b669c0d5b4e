//! Any rule text, alone and on top of the bundled policy: checking and compiling never
//! panic; a policy that compiles evaluates a fixed device without panicking, and the
//! tables agree with the reference interpreter.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for bundled in [false, true] {
        let mut b = apprules::PolicyBuilder::new();
        if bundled {
            b = b.bundled();
        }
        let Ok(policy) = b.source("fuzz.rules", text).build() else { continue };
        let facts: serde_json::Value = serde_json::from_str(include_str!("../../examples/device.json")).unwrap_or_default();
        if let Ok(bound) = policy.bind(&facts) {
            let tables = policy.evaluate_bound(&bound);
            let reference = policy.evaluate_reference(&bound);
            assert_eq!(tables.is_ok(), reference.is_ok());
            if let (Ok(a), Ok(b)) = (tables, reference) {
                assert_eq!(a, b);
            }
        }
    }
});
