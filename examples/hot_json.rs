//! JSON text in, JSON text out, in a loop, for profilers: `cargo run --release --example hot_json`.
//! `-- N bind` only binds; `-- N decisions` binds and builds the decisions;
//! `-- N full` builds the decisions and serializes them with serde_json instead of
//! writing them directly.
fn main() -> Result<(), apprules::Error> {
    let policy = apprules::Policy::bundled()?;
    let text = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    // Compact, as JSON lines are.
    let text = serde_json::from_str::<serde_json::Value>(&text)
        .map(|v| v.to_string())
        .unwrap_or(text);
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mode = args.next().unwrap_or_default();
    let full = mode == "full";
    if mode == "bind" {
        let start = std::time::Instant::now();
        let mut ok = 0usize;
        for _ in 0..n {
            ok += usize::from(policy.bind_str(std::hint::black_box(&text)).is_ok());
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{ok} bound; {ns:.0} ns per record");
        return Ok(());
    }
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    let mut out = Vec::with_capacity(4096);
    for _ in 0..n {
        out.clear();
        if mode == "decisions" {
            let d = policy.evaluate_str(std::hint::black_box(&text))?;
            out.push(d.decisions.len() as u8);
        } else if full {
            let d = policy.evaluate_str(std::hint::black_box(&text))?;
            serde_json::to_writer(&mut out, &d).unwrap_or_default();
        } else {
            policy.evaluate_str_into(std::hint::black_box(&text), &mut out)?;
        }
        bytes += out.len();
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "{bytes} bytes; {ns:.0} ns per record ({:.0} records/s on one core)",
        1e9 / ns
    );
    Ok(())
}
