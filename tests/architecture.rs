//! The architecture's rules, checked on the source: the pipeline flows one way
//! (compile never reaches into the evaluator, the interpreter never into the
//! compiler), and no source file grows past one job's size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn all() -> Vec<PathBuf> {
    let mut v = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut v);
    v
}

#[test]
fn compile_does_not_reach_into_the_evaluator() {
    for f in all() {
        let text = std::fs::read_to_string(&f).unwrap();
        let p = f.to_string_lossy().replace('\\', "/");
        if p.contains("/src/compile/") {
            assert!(!text.contains("crate::eval"), "{p} uses the evaluator");
        }
        if p.contains("/src/analysis/") {
            // Analysis reasons about the compiler's plain tables, never the engines.
            assert!(!text.contains("eval::engines"), "{p} uses the engines");
        }
        if p.ends_with("/src/compile/table.rs") {
            for engine in ["Plan", "Kernel", "Index", "JsonParts"] {
                assert!(
                    !text.contains(engine),
                    "{p}: a table holds data only ({engine})"
                );
            }
        }
        if p.ends_with("/src/eval/interp.rs") {
            assert!(!text.contains("crate::compile"), "{p} uses the compiler");
        }
        if p.contains("/src/semantics/") {
            for stage in [
                "crate::syntax",
                "crate::check",
                "crate::compile",
                "crate::eval",
            ] {
                assert!(!text.contains(stage), "{p} (below the stages) uses {stage}");
            }
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    for f in all() {
        let n = std::fs::read_to_string(&f).unwrap().lines().count();
        assert!(n <= 600, "{} has {n} lines: split it by job", f.display());
    }
}
