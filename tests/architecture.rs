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

/// A source file's module path (`src/eval/tables/mod.rs` is `crate::eval::tables`).
fn module_of(src: &Path, f: &Path) -> Vec<String> {
    let rel = f.strip_prefix(src).unwrap().with_extension("");
    let mut m = vec!["crate".to_string()];
    m.extend(rel.iter().map(|c| c.to_string_lossy().into_owned()));
    if matches!(m.last().map(String::as_str), Some("mod" | "lib")) {
        m.pop();
    }
    m
}

/// The paths `crate::a::b` and `super::c` a text names, comments and test modules cut.
fn paths_named(text: &str) -> Vec<Vec<String>> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests {")
        .next()
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let mut parts = vec![start.trim_end_matches(':').to_string()];
            let mut j = at + start.len();
            loop {
                let end = code[j..]
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .map_or(code.len(), |k| j + k);
                if end == j {
                    break;
                }
                parts.push(code[j..end].to_string());
                if code[end..].starts_with("::") {
                    j = end + 2;
                } else {
                    break;
                }
            }
            out.push(parts);
        }
    }
    out
}

#[test]
fn no_two_modules_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<PathBuf> = all()
        .into_iter()
        .filter(|f| !f.starts_with(src.join("cli")))
        .collect();
    let modules: Vec<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges = std::collections::BTreeSet::new();
    for (f, m) in files.iter().zip(&modules) {
        for p in paths_named(&std::fs::read_to_string(f).unwrap()) {
            let target: Vec<String> = if p[0] == "super" {
                m[..m.len() - 1].iter().chain(&p[1..]).cloned().collect()
            } else {
                p
            };
            // The longest prefix that is a module; a module's own parents and children
            // do not count (a parent declares its children).
            if let Some(t) = (2..=target.len())
                .rev()
                .map(|k| &target[..k])
                .find(|t| modules.iter().any(|x| x == t))
            {
                if !t.starts_with(m) && !m.starts_with(t) {
                    edges.insert((m.join("::"), t.join("::")));
                }
            }
        }
    }
    let cycles: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{a} <-> {b}"))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules that import each other: {cycles:?}"
    );
    assert!(
        edges.len() > 50,
        "only {} imports found: the scan is broken",
        edges.len()
    );
}
