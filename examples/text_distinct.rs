//! JSON text in, decisions out, over the 1,000 distinct records of the `distinct_1k/`
//! benchmarks (`benches/common/distinct.rs` on `examples/device.json` without its
//! request), for callgrind:
//! `cargo run --release --example text_distinct -- N launch|all|bind|serde`.
//! `launch` writes the launch decision of the 12-row policy as JSON
//! (`text_to_launch_json`), `all` every decision (`text_to_all_decisions_json`),
//! `bind` only binds the facts (the scanner and the defaults), `serde` reads the launch facts into a struct with serde (the baseline's parse;
//! its seven comparisons are left out). Run it with `N` and with 0 and subtract: the
//! rest is the startup.
#[path = "../benches/common/distinct.rs"]
mod distinct;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mode = args.next().unwrap_or_else(|| "all".to_string());
    let policy = apprules::PolicyBuilder::new()
        .bundled()
        .settings_json(
            serde_json::from_str(include_str!("launch12.settings.json")).unwrap_or_default(),
        )
        .build()?;
    let launch = policy.only_decisions(&["launch".to_string()])?;
    let base = std::fs::read_to_string("examples/device.json").unwrap_or_default();
    let mut base: serde_json::Value = serde_json::from_str(&base).unwrap_or_default();
    // The benchmarks' facts: no request, no `account_disabled`.
    if let Some(o) = base.as_object_mut() {
        o.remove("request");
    }
    if let Some(o) = base["session"].as_object_mut() {
        o.remove("account_disabled");
    }
    let texts: Vec<String> = distinct::records(1000)
        .iter()
        .map(|r| {
            let mut f = base.clone();
            r.apply(&mut f);
            f.to_string()
        })
        .collect();
    let mut out = Vec::with_capacity(4096);
    let (mut scratch, mut seen) = (apprules::Facts::default(), Vec::new());
    let mut bytes = 0usize;
    let start = std::time::Instant::now();
    for i in 0..n {
        out.clear();
        let text = std::hint::black_box(&texts[i % texts.len()]);
        match mode.as_str() {
            "serde" => {
                if let Ok(f) = serde_json::from_str::<distinct::LaunchFacts>(text) {
                    bytes += f.device.os_version.len() + f.app.version.len();
                }
            }
            "launch" => launch.evaluate_str_into(text, &mut out)?,
            "outcomes" => {
                policy.bind_str_into(text, &mut scratch, &mut seen)?;
                for d in 0..3 {
                    if let Ok(apprules::Outcome::One(o)) = policy.outcome(d, &scratch) {
                        bytes += o as usize;
                    }
                }
            }
            "bind" => {
                policy.bind_str_into(text, &mut scratch, &mut seen)?;
                bytes += scratch.values().len();
            }
            _ => policy.evaluate_str_into(text, &mut out)?,
        }
        bytes += out.len();
    }
    println!(
        "{bytes} bytes; {:.0} ns per record",
        start.elapsed().as_nanos() as f64 / n.max(1) as f64
    );
    Ok(())
}
