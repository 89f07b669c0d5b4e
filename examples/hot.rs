//! A hot loop over the launch decision of the 12-row conditional-launch policy (the
//! benchmarks' floor), for `perf stat` and callgrind:
//! `cargo run --release --example hot -- [DECISIONS] [RECORDS]`. Without `RECORDS` it
//! decides `examples/device.json` over and over (what `floor/` measures); with it,
//! over that many distinct records, cycled (what `distinct/` and `distinct_1k/`
//! measure: the records are the benchmark's, `benches/common/distinct.rs`, on
//! `examples/device.json`).
#[path = "../benches/common/distinct.rs"]
mod distinct;

fn main() -> Result<(), apprules::Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let records: Option<usize> = args.next().and_then(|s| s.parse().ok());
    let policy = apprules::PolicyBuilder::new()
        .bundled()
        .settings_json(
            serde_json::from_str(include_str!("launch12.settings.json")).unwrap_or_default(),
        )
        .build()?;
    let launch = policy.decision_index("launch").unwrap_or(0);
    let base = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let base: serde_json::Value = serde_json::from_str(&base).unwrap_or_default();
    let facts = match records {
        None => vec![policy.bind(&base)?],
        Some(records) => {
            let mut facts = Vec::with_capacity(records);
            for r in distinct::records(records.max(1)) {
                let mut f = base.clone();
                r.apply(&mut f);
                facts.push(policy.bind(&f)?);
            }
            facts
        }
    };
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        if let Ok(apprules::Outcome::One(r)) =
            policy.outcome(launch, std::hint::black_box(&facts[i % facts.len()]))
        {
            acc += r as u64;
        }
    }
    println!(
        "{acc} in {:?}: {:.1} ns per decision ({} records)",
        start.elapsed(),
        start.elapsed().as_nanos() as f64 / n as f64,
        facts.len()
    );
    Ok(())
}
