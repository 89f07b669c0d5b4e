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
        let t = Instant::now();
        let prepared = apprules::eval::engines::Prepared::new(
            std::sync::Arc::new(c),
            apprules::eval::engines::Engine::Auto,
        );
        println!("prepare: {:?}", t.elapsed());
        for t in &prepared.tables {
            use apprules::eval::engines::Finder;
            let engine = match &t.finder {
                Finder::Kernel { .. } => "kernel",
                Finder::Plan(_) => "plan",
                Finder::Rows(Some(_)) => "rows with index",
                Finder::Rows(None) => "rows",
            };
            println!(
                "  {}: {} rows, {} columns, engine: {engine}",
                t.name,
                t.rows.len(),
                t.columns.len(),
            );
        }
    }
    drop(file);
    Ok(())
}
