//! Time each stage on a rule file: `cargo run --release --example stages -- FILE`.
use std::time::Instant;

fn main() -> Result<(), apprules::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "rules/intune-ios.rules".into());
    let text = apprules::read_text(std::path::Path::new(&path))?;
    let t = Instant::now();
    let file = apprules::syntax::parse(apprules::source::FileId(1), &text);
    println!("parse:   {:?}", t.elapsed());
    let t = Instant::now();
    let builder = apprules::PolicyBuilder::new().source(&path, &text);
    println!("parse (with bundled when used): {:?}", t.elapsed());
    let t = Instant::now();
    let (program, _) = builder.check()?;
    println!("check:   {:?}", t.elapsed());
    let t = Instant::now();
    let values = apprules::settings::resolve(&program, None)?;
    let compiled = apprules::compile::compile(program, values);
    println!("compile: {:?}", t.elapsed());
    if let Ok(c) = compiled {
        for t in &c.tables {
            println!(
                "  {}: {} rows, {} columns, plan: {}, index: {}",
                t.name,
                t.rows.len(),
                t.columns.len(),
                t.plan.is_some(),
                t.index.is_some()
            );
        }
    }
    drop(file);
    Ok(())
}
