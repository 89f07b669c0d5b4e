fn main() {
    for p in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        match apprules::syntax::parse(apprules::source::FileId(0), &text) {
            Ok(f) => {
                for i in &f.items {
                    let s = i.span();
                    println!(
                        "item {}..{}: {:?}",
                        s.start,
                        s.end,
                        &text[s.start as usize..s.end as usize]
                    );
                }
            }
            Err(d) => println!(
                "{p}: {:?}",
                d.iter().map(|x| &x.message).collect::<Vec<_>>()
            ),
        }
    }
}
