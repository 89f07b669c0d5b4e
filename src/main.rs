fn main() {
    std::process::exit(apprules_cli::run());
}
mod apprules_cli {
    pub fn run() -> i32 {
        let args: Vec<String> = std::env::args().collect();
        let policy = match apprules::Policy::bundled() {
            Ok(p) => p,
            Err(apprules::Error::Rules(r)) => {
                eprintln!("{}", r.to_short_string());
                return 2;
            }
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        let text = std::fs::read_to_string(&args[1]).unwrap_or_default();
        match policy.evaluate_str(&text) {
            Ok(d) => println!(
                "{}",
                serde_json::to_string_pretty(&d.to_json()).unwrap_or_default()
            ),
            Err(e) => eprintln!("{e}"),
        }
        for t in &policy.compiled().tables {
            eprintln!(
                "table {}: {} columns, {} rows",
                t.name,
                t.columns.len(),
                t.rows.len()
            );
        }
        0
    }
}
