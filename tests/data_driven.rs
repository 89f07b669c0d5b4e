//! Data-driven tests of each stage: a rule file in `tests/data/<stage>/`, its expected
//! output beside it. `UPDATE_EXPECT=1 cargo test --test data_driven` rewrites the
//! expected files; review the diff before committing.
//!
//! - `check/X.rules` → `X.expected`: the diagnostics, one per line;
//! - `tables/X.rules` → `X.expected`: the compiled decision tables;
//! - `eval/X.rules` + `X.facts.json` → `X.expected.json`: the decisions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use apprules::{Error, PolicyBuilder};
use std::path::{Path, PathBuf};

fn cases(stage: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(stage);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in tests/data/{stage}");
    files
}

fn expect(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("missing {}: run with UPDATE_EXPECT=1", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (UPDATE_EXPECT=1 to refresh)",
        path.display()
    );
}

fn name(p: &Path) -> String {
    format!(
        "tests/data/{}/{}",
        p.parent().unwrap().file_name().unwrap().to_string_lossy(),
        p.file_name().unwrap().to_string_lossy()
    )
}

fn builder(p: &Path) -> PolicyBuilder {
    let text = std::fs::read_to_string(p).unwrap();
    PolicyBuilder::new().source(&name(p), &text)
}

#[test]
fn check_stage() {
    for p in cases("check") {
        let out = match builder(&p).build() {
            Ok(policy) => {
                let w = policy.warnings();
                format!("ok\n{}", w.to_short_string())
            }
            Err(Error::Rules(r)) => r.to_short_string(),
            Err(e) => format!("{e}\n"),
        };
        expect(&p.with_extension("expected"), &out);
    }
}

#[test]
fn tables_stage() {
    for p in cases("tables") {
        let policy = builder(&p)
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        expect(
            &p.with_extension("expected"),
            &apprules::compile::print::tables(policy.compiled()),
        );
    }
}

#[test]
fn eval_stage() {
    for p in cases("eval") {
        let policy = builder(&p)
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let facts: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p.with_extension("facts.json")).unwrap())
                .unwrap();
        let bound = policy.bind(&facts).unwrap();
        let decisions = policy.evaluate_bound(&bound).unwrap();
        assert_eq!(
            Ok(&decisions),
            policy.evaluate_reference(&bound).as_ref(),
            "{}: interpreter differs",
            p.display()
        );
        // Every engine gives the same decisions and writes the same JSON.
        for engine in apprules::eval::engines::Engine::ALL {
            let forced = policy.with_engine(engine);
            assert_eq!(
                forced.evaluate_bound(&bound).as_ref(),
                Ok(&decisions),
                "{}: engine {engine:?} differs",
                p.display()
            );
            let mut out = Vec::new();
            forced.write_json(&bound, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&decisions).unwrap(),
                "{}: engine {engine:?} writes other JSON",
                p.display()
            );
        }
        let out = serde_json::to_string_pretty(&decisions.to_json()).unwrap() + "\n";
        expect(&p.with_extension("expected.json"), &out);
    }
}

/// Inputs that once made a fuzz target fail, kept as files named after the target:
/// `tests/data/fuzz/<target>-<id>.{rules,json}`. Each must now pass its target's check.
#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        n += 1;
        let _ = apprules::syntax::parse(apprules::source::FileId(0), text);
        if name.starts_with("fmt_roundtrip") {
            if let Ok(once) = apprules::fmt::format_source("f", text) {
                let twice = apprules::fmt::format_source("f", &once).unwrap();
                assert_eq!(once, twice, "{name}: fmt is not idempotent");
                let before = PolicyBuilder::new().source("a", text).build();
                let after = PolicyBuilder::new().source("a", &once).build();
                assert_eq!(
                    before.is_ok(),
                    after.is_ok(),
                    "{name}: fmt changed whether it builds"
                );
                if let (Ok(a), Ok(b)) = (before, after) {
                    assert_eq!(
                        apprules::compile::print::tables(a.compiled()),
                        apprules::compile::print::tables(b.compiled()),
                        "{name}: fmt changed the tables"
                    );
                }
            }
        }
        if name.starts_with("eval_facts") {
            let policy = apprules::Policy::bundled().unwrap();
            assert_eq!(
                policy.bind_str(text),
                policy.bind_str_serde(text),
                "{name}: the scanner and serde disagree"
            );
        }
    }
    assert!(n > 0);
}

#[test]
fn strings_round_trip_through_fmt() {
    let text = "use intune\nsetting custom.s: string = \"a\\u0001b\\\"c\\\\d\\te\\u00e9\\ud83d\\ude00\" \"doc\"\n";
    let once = apprules::fmt::format_source("s", text).unwrap();
    let twice = apprules::fmt::format_source("s", &once).unwrap();
    assert_eq!(once, twice);
    let p = PolicyBuilder::new().source("s", &once).build().unwrap();
    let v = &p.compiled().settings[p.program().settings.get_index_of("custom.s").unwrap()];
    assert_eq!(v.as_text(), Some("a\u{1}b\"c\\d\te\u{e9}\u{1F600}"));
}
