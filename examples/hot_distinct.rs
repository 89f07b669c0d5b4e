//! The launch decision of the 12-row conditional-launch policy over N distinct bound
//! records, cycled (what `distinct/` and `distinct_1k/` measure), for `perf stat` and
//! callgrind: `cargo run --release --example hot_distinct -- [RECORDS] [DECISIONS]`.
//! The records are the benchmark's (`benches/common/distinct.rs`), on
//! `examples/device.json`.
#[path = "../benches/common/distinct.rs"]
mod distinct;

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
    let base = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let base: serde_json::Value = serde_json::from_str(&base).unwrap_or_default();
    let mut facts = Vec::with_capacity(records);
    for r in distinct::records(records) {
        let mut f = base.clone();
        r.apply(&mut f);
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
