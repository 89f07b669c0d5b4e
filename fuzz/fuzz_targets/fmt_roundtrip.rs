//! fmt round trip: formatting parses, is idempotent, and keeps the tables.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(once) = apprules::fmt::format_source("fuzz.rules", text) else { return };
    let twice = apprules::fmt::format_source("fuzz.rules", &once);
    assert_eq!(twice.as_deref().ok(), Some(once.as_str()), "fmt is not idempotent");
    let before = apprules::PolicyBuilder::new().source("a", text).build();
    let after = apprules::PolicyBuilder::new().source("a", &once).build();
    match (before, after) {
        (Ok(a), Ok(b)) => assert_eq!(
            apprules::compile::print::tables(a.compiled()),
            apprules::compile::print::tables(b.compiled())
        ),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("fmt changed whether the policy builds: {:?} vs {:?}", a.is_ok(), b.is_ok()),
    }
});
