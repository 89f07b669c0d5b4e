//! JSON text in, JSON text out, in a loop, for profilers: `cargo run --release --example hot_json`.
fn main() -> Result<(), apprules::Error> {
    let policy = apprules::Policy::bundled()?;
    let text = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    for _ in 0..n {
        let d = policy.evaluate_str(std::hint::black_box(&text))?;
        bytes += serde_json::to_string(&d).map(|s| s.len()).unwrap_or(0);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "{bytes} bytes; {ns:.0} ns per record ({:.0} records/s on one core)",
        1e9 / ns
    );
    Ok(())
}
