//! A hot loop over the launch decision of the 12-row conditional-launch policy (the
//! benchmarks' floor), for profilers: `cargo run --release --example hot`.
fn main() -> Result<(), apprules::Error> {
    let policy = apprules::PolicyBuilder::new()
        .bundled()
        .settings_json(
            serde_json::from_str(include_str!("launch12.settings.json")).unwrap_or_default(),
        )
        .build()?;
    let text = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let facts = policy.bind(&serde_json::from_str(&text).unwrap_or_default())?;
    let launch = policy.decision_index("launch").unwrap_or(0);
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    for _ in 0..n {
        if let Ok(apprules::eval::tables::Outcome::One(r)) =
            policy.outcome(launch, std::hint::black_box(&facts))
        {
            acc += r as u64;
        }
    }
    println!(
        "{acc} in {:?}: {:.1} ns per decision",
        start.elapsed(),
        start.elapsed().as_nanos() as f64 / n as f64
    );
    Ok(())
}
