//! Any bytes: parsing never panics, overflows the stack or hangs.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = apprules::syntax::parse(apprules::source::FileId(0), text);
    }
});
