//! The launch decision of the 12-row conditional-launch policy over N distinct bound
//! records, cycled (what `distinct/` and `distinct_1k/` measure), for `perf stat` and
//! callgrind: `cargo run --release --example hot_distinct -- [RECORDS] [DECISIONS]`.
//! Records vary as in the benchmark: OS, app and SDK versions, failed PIN attempts,
//! time offline, jailbreak, threat level (absent in a third of them).
fn main() -> Result<(), apprules::Error> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000);
    let policy = apprules::PolicyBuilder::new()
        .bundled()
        .settings_json(
            serde_json::from_str(include_str!("launch12.settings.json")).unwrap_or_default(),
        )
        .build()?;
    let launch = policy.decision_index("launch").unwrap_or(0);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let threats = ["secured", "low", "medium", "high"];
    let base = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let base: serde_json::Value = serde_json::from_str(&base).unwrap_or_default();
    let mut facts = Vec::with_capacity(records);
    for _ in 0..records {
        let mut f = base.clone();
        f["device"]["os_version"] = format!("{}.{}.{}", 12 + next(7), next(8), next(3)).into();
        f["app"]["version"] = format!("{}.{}", 2 + next(4), next(3000)).into();
        f["app"]["sdk_version"] = format!("{}.{}.{}", 6 + next(15), next(10), next(20)).into();
        f["session"]["failed_pin_attempts"] = next(13).into();
        f["session"]["minutes_offline"] = match next(4) {
            0 => next(720),
            1 => next(2000),
            2 => next(200_000),
            _ => 0,
        }
        .into();
        f["device"]["jailbroken"] = (next(20) == 0).into();
        match next(6) {
            k @ 2..=5 => f["device"]["threat_level"] = threats[k as usize - 2].into(),
            _ => {
                if let Some(d) = f["device"].as_object_mut() {
                    d.remove("threat_level");
                }
            }
        }
        facts.push(policy.bind(&f)?);
    }
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        if let Ok(apprules::Outcome::One(r)) =
            policy.outcome(launch, std::hint::black_box(&facts[i % records]))
        {
            acc += r as u64;
        }
    }
    println!(
        "{acc} in {:?}: {:.1} ns per decision ({records} records)",
        start.elapsed(),
        start.elapsed().as_nanos() as f64 / n as f64
    );
    Ok(())
}
