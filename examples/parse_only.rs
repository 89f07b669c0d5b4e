//! The parse-only baseline of batch mode (issue 15): every line of a JSON-lines file
//! parsed into a JSON document, nothing evaluated, nothing written, on N threads.
//!
//! ```sh
//! cargo run --release --example fleet -- 1000000 > fleet.jsonl
//! RUSTFLAGS="-C target-cpu=native" cargo build --release --example parse_only
//! time target/release/examples/parse_only fleet.jsonl simd 2    # or sonic, serde
//! time target/release/apprules eval --facts fleet.jsonl > /dev/null
//! ```
//!
//! The file is read whole, cut at line ends into one slice per thread, and each thread
//! parses its lines: `simd` with simd-json into its borrowed `Value` (the input copied
//! into a reused buffer, since simd-json parses in place; its scratch buffers reused
//! too), `simd-tape` into its tape only, `sonic` with sonic-rs into its `Value`, `serde` with serde_json into its
//! `Value`; `batch` runs apprules batch mode itself on the file in memory (decisions
//! written to a sink), timed the same way. It prints the records parsed and the time the parsing took (the file
//! read excluded: batch mode reads while it evaluates, so `time` of this binary
//! includes a read that batch mode overlaps).
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: parse_only FILE [simd|simd-tape|sonic|serde|batch] [THREADS]")?;
    let parser = args.next().unwrap_or_else(|| "simd".into());
    let threads: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(2);
    let mut text = Vec::new();
    std::fs::File::open(&path)?.read_to_end(&mut text)?;
    // One slice per thread, each ending at a line end.
    let mut slices = Vec::new();
    let mut start = 0;
    for t in 1..=threads.max(1) {
        let mut end = (text.len() * t / threads.max(1)).max(start);
        while end < text.len() && text[end] != b'\n' {
            end += 1;
        }
        slices.push(&text[start..end]);
        start = (end + 1).min(text.len());
    }
    if parser == "batch" {
        return batch(&text, threads);
    }
    let start = std::time::Instant::now();
    let counts: Vec<Result<usize, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = slices
            .iter()
            .map(|slice| {
                let parser = parser.as_str();
                s.spawn(move || parse(slice, parser))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
            .collect()
    });
    let mut total = 0;
    for c in counts {
        total += c?;
    }
    println!(
        "{total} records parsed ({parser}, {threads} threads) in {:.3} s after reading the file",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn parse(slice: &[u8], parser: &str) -> Result<usize, String> {
    let mut n = 0;
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    for line in slice.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let ok = match parser {
            "simd" => {
                buf.clear();
                buf.extend_from_slice(line);
                simd_json::to_borrowed_value_with_buffers(&mut buf, &mut buffers).is_ok()
            }
            "simd-tape" => {
                buf.clear();
                buf.extend_from_slice(line);
                simd_json::Deserializer::from_slice_with_buffers(&mut buf, &mut buffers).is_ok()
            }
            "sonic" => sonic_rs::from_slice::<sonic_rs::Value>(line).is_ok(),
            "serde" => serde_json::from_slice::<serde_json::Value>(line).is_ok(),
            other => {
                return Err(format!(
                    "unknown parser `{other}` (simd, simd-tape, sonic, serde, batch)"
                ))
            }
        };
        if !ok {
            return Err(format!("line {} does not parse", n + 1));
        }
        n += 1;
    }
    Ok(n)
}

/// `batch`: apprules batch mode itself over the file already read (the bundled policy,
/// every decision written, to a sink), so that it is timed as the parsers are, the
/// read left out; on a pool of `threads` workers (beside them, as in `apprules eval`,
/// the thread that cuts blocks and the one that writes).
fn batch(text: &[u8], threads: usize) -> Result<(), Box<dyn std::error::Error>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build_global()?;
    let policy = apprules::Policy::bundled()?;
    let start = std::time::Instant::now();
    let summary = apprules::batch::run(
        &policy,
        &mut &text[..],
        &mut std::io::sink(),
        apprules::batch::MAX_LINE_BYTES,
        &mut apprules::batch::Silent,
    )?;
    println!(
        "{} records evaluated ({} errors; apprules batch, {threads} workers) in {:.3} s after reading the file",
        summary.records,
        summary.errors,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
