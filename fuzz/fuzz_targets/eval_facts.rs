//! Arbitrary facts JSON against the bundled policy: an error or decisions, never a
//! panic; the fast scanner agrees with serde, the direct writer with the full result,
//! and the tables with the reference interpreter.
#![no_main]
use std::sync::OnceLock;

static POLICY: OnceLock<Option<apprules::Policy>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(policy) = POLICY.get_or_init(|| apprules::Policy::bundled().ok()) else { return };
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The fast scanner binds exactly what serde binds, errors included.
    let fast = policy.bind_str(text);
    assert_eq!(fast, policy.bind_str_serde(text));
    if let Ok(bound) = &fast {
        // The direct JSON writer writes what serde writes for the full result.
        let mut direct = Vec::new();
        match (policy.evaluate_bound(bound), policy.write_json(bound, &mut direct)) {
            (Ok(d), Ok(())) => assert_eq!(direct, serde_json::to_vec(&d).unwrap_or_default()),
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("full {a:?} but writer {b:?}"),
        }
    }
    // Text in, text out, on facts reused from the previous input: the same bytes, or
    // the same error, as fresh facts.
    let mut reused = Vec::new();
    let fresh = fast
        .map_err(apprules::Error::from)
        .and_then(|f| policy.evaluate_bound(&f).map_err(apprules::Error::from));
    match (fresh, policy.evaluate_str_into(text, &mut reused)) {
        (Ok(d), Ok(())) => assert_eq!(reused, serde_json::to_vec(&d).unwrap_or_default()),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("fresh {a:?} but reused {b:?}"),
    }
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
