//! Any rule text, alone and on top of the bundled policy: checking and compiling never
//! panic; a policy that compiles evaluates a fixed device without panicking, and the
//! tables agree with the reference interpreter, the fast outcome and the JSON writer
//! with the full result (on decisions of any width: issue 10's outcomes past the 64th).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for bundled in [false, true] {
        let mut b = apprules::PolicyBuilder::new();
        if bundled {
            b = b.bundled();
        }
        let Ok(policy) = b.source("fuzz.rules", text).build() else { continue };
        let mut facts: serde_json::Value = serde_json::from_str(include_str!("../../examples/device.json")).unwrap_or_default();
        // The example device, healthy and jailbroken (so rules on it fire).
        for jailbroken in [false, true] {
            facts["device"]["jailbroken"] = jailbroken.into();
            let Ok(bound) = policy.bind(&facts) else { continue };
            let tables = policy.evaluate_bound(&bound);
            let reference = policy.evaluate_reference(&bound);
            assert_eq!(tables.is_ok(), reference.is_ok());
            if let (Ok(a), Ok(b)) = (&tables, reference) {
                assert_eq!(a, &b);
            }
            // The outcome-only fast path and the JSON writer agree with the full result.
            if let Ok(d) = &tables {
                let mut out = Vec::new();
                if policy.write_json(&bound, &mut out).is_ok() {
                    assert_eq!(out, serde_json::to_vec(d).unwrap_or_default());
                }
                for (i, t) in policy.compiled().tables.iter().enumerate() {
                    let fast = policy.outcome(i, &bound);
                    let full = d.get(&t.name).map(|r| r.outcomes.clone());
                    let def = &policy.program().decisions[&*t.name];
                    match (fast, full) {
                        (Ok(apprules::Outcome::NotTaken), None) => {}
                        (Ok(apprules::Outcome::One(r)), Some(o)) => {
                            assert_eq!(o.first().and_then(|o| def.outcomes.index(o)), Some(r as usize))
                        }
                        (Ok(apprules::Outcome::Set(s)), Some(o)) => assert_eq!(
                            s.iter().map(|r| r as usize).collect::<Vec<_>>(),
                            o.iter().filter_map(|o| def.outcomes.index(o)).collect::<Vec<_>>()
                        ),
                        (fast, full) => panic!("fast {fast:?} but full {full:?}"),
                    }
                }
            }
        }
    }
});
