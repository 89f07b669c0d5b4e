//! Tests and properties inside rule files, and rule coverage: `apprules test`.
//!
//! A `test` names facts (and setting overrides) and the decisions expected. A
//! `property` states a law over all facts: facts are generated from the declared
//! schema (proptest), and on failure the smallest counterexample is printed as a facts
//! JSON that `apprules eval` accepts. Coverage counts the rules that fired in a test.

use crate::check::ir::Program;
use crate::check::suite::{Expect, PropertyDef, Suite, TestDef};
use crate::compile::compile;
use crate::eval::bind::bind;
use crate::eval::engines::{Engine, Prepared};
use crate::eval::interp::eval_property;
use crate::eval::tables::evaluate;
use crate::semantics::logic::Tri;
use crate::strategies::{fact_strategy, facts_strategy};
use crate::syntax::ast::HitPolicy;
use crate::value::Value;
use proptest::strategy::{Just, Strategy};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Options of a test run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Generated cases per property.
    pub cases: u32,
    /// Seed of the generator.
    pub seed: u64,
    /// Collect rule coverage.
    pub coverage: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cases: 256,
            seed: 0,
            coverage: true,
        }
    }
}

/// The outcome of one test or property.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Its name.
    pub name: String,
    /// `file:line:col`.
    pub location: String,
    /// `None` when it passed; otherwise why it failed.
    pub failure: Option<String>,
}

/// The results of a test run.
#[derive(Clone, Debug, Default)]
pub struct TestReport {
    /// Tests, in file order.
    pub tests: Vec<Outcome>,
    /// Properties, in file order.
    pub properties: Vec<Outcome>,
    /// Rules (by index) that fired in some test.
    pub covered: BTreeSet<usize>,
    /// Every rule: name and location.
    pub rules: Vec<(String, String)>,
    /// The file each rule is declared in (as named in diagnostics).
    pub rule_files: Vec<String>,
}

impl TestReport {
    /// Whether any test or property failed.
    pub fn failed(&self) -> bool {
        self.tests
            .iter()
            .chain(&self.properties)
            .any(|o| o.failure.is_some())
    }

    /// Percentage of rules that fired in some test (100 when there are no rules).
    pub fn coverage_percent(&self) -> f64 {
        if self.rules.is_empty() {
            return 100.0;
        }
        100.0 * self.covered.len() as f64 / self.rules.len() as f64
    }

    /// Coverage of the rules declared in the files `files` (all rules when `None`):
    /// `(covered, total, percent)`, 100 % when there are no rules.
    pub fn coverage_of(&self, files: Option<&[String]>) -> (usize, usize, f64) {
        let counted = |i: usize| {
            files.is_none_or(|fs| {
                self.rule_files
                    .get(i)
                    .is_some_and(|f| fs.iter().any(|x| x == f))
            })
        };
        let total = (0..self.rules.len()).filter(|i| counted(*i)).count();
        let covered = self.covered.iter().filter(|i| counted(**i)).count();
        let pct = if total == 0 {
            100.0
        } else {
            100.0 * covered as f64 / total as f64
        };
        (covered, total, pct)
    }

    /// Coverage file by file: `(file, covered, total)`, in first-rule order.
    pub fn coverage_by_file(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = Vec::new();
        for (i, f) in self.rule_files.iter().enumerate() {
            let pos = match out.iter().position(|(g, _, _)| g == f) {
                Some(p) => p,
                None => {
                    out.push((f.clone(), 0, 0));
                    out.len() - 1
                }
            };
            if let Some(e) = out.get_mut(pos) {
                e.2 += 1;
                if self.covered.contains(&i) {
                    e.1 += 1;
                }
            }
        }
        out
    }

    /// The report as JSON: every test and property with its location and failure,
    /// the counts, and rule coverage file by file.
    pub fn to_json(&self) -> serde_json::Value {
        let list = |kind: &str, os: &[Outcome]| -> Vec<serde_json::Value> {
            os.iter()
                .map(|o| {
                    serde_json::json!({"kind": kind, "name": o.name, "location": o.location,
                        "passed": o.failure.is_none(), "failure": o.failure})
                })
                .collect()
        };
        let mut results = list("test", &self.tests);
        results.extend(list("property", &self.properties));
        let failed = results.iter().filter(|r| r["passed"] == false).count();
        let (covered, total, percent) = self.coverage_of(None);
        serde_json::json!({
            "results": results,
            "passed": results.len() - failed,
            "failed": failed,
            "coverage": {
                "covered": covered, "rules": total, "percent": percent,
                "files": self.coverage_by_file().into_iter().map(|(f, c, t)| serde_json::json!({"file": f, "covered": c, "rules": t})).collect::<Vec<_>>(),
                "never_fired": self.rules.iter().enumerate().filter(|(i, _)| !self.covered.contains(i)).map(|(_, (n, l))| serde_json::json!({"rule": n, "location": l})).collect::<Vec<_>>(),
            },
        })
    }

    /// The report as JUnit XML (one test case per test and property), for CI systems.
    pub fn to_junit(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let all: Vec<(&str, &Outcome)> = self
            .tests
            .iter()
            .map(|o| ("test", o))
            .chain(self.properties.iter().map(|o| ("property", o)))
            .collect();
        let failures = all.iter().filter(|(_, o)| o.failure.is_some()).count();
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"apprules\" tests=\"{}\" failures=\"{failures}\">\n",
            all.len(),
            all.len()
        );
        for (kind, o) in all {
            s.push_str(&format!(
                "    <testcase classname=\"{kind}\" name=\"{}\" file=\"{}\"",
                esc(&o.name),
                esc(&o.location)
            ));
            match &o.failure {
                None => s.push_str("/>\n"),
                Some(f) => s.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    esc(f.lines().next().unwrap_or_default()),
                    esc(f)
                )),
            }
        }
        s.push_str("  </testsuite>\n</testsuites>\n");
        s
    }

    /// The report as text.
    pub fn render(&self, coverage: bool) -> String {
        let mut s = String::new();
        for (kind, list) in [("test", &self.tests), ("property", &self.properties)] {
            for o in list {
                match &o.failure {
                    None => s.push_str(&format!("ok   {kind} {}\n", o.name)),
                    Some(f) => s.push_str(&format!(
                        "FAIL {kind} {} ({})\n{}\n",
                        o.name,
                        o.location,
                        indent(f)
                    )),
                }
            }
        }
        let failed = self
            .tests
            .iter()
            .chain(&self.properties)
            .filter(|o| o.failure.is_some())
            .count();
        let total = self.tests.len() + self.properties.len();
        s.push_str(&format!(
            "\n{} passed, {failed} failed ({} tests, {} properties)\n",
            total - failed,
            self.tests.len(),
            self.properties.len()
        ));
        if coverage {
            s.push_str(&format!(
                "rule coverage: {}/{} rules fired in some test ({:.1}%)\n",
                self.covered.len(),
                self.rules.len(),
                self.coverage_percent()
            ));
            for (file, covered, total) in self.coverage_by_file() {
                s.push_str(&format!("  {file}: {covered}/{total} rules\n"));
            }
            for (i, (name, loc)) in self.rules.iter().enumerate() {
                if !self.covered.contains(&i) {
                    s.push_str(&format!("  never fired: rule {name} ({loc})\n"));
                }
            }
        }
        s
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("     {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compiled policies by setting overrides, so tests with the same settings share one.
struct Cache {
    program: Arc<Program>,
    by_settings: HashMap<String, Result<Arc<Prepared>, String>>,
}

impl Cache {
    fn get(&mut self, settings: Option<&serde_json::Value>) -> Result<Arc<Prepared>, String> {
        let key = settings.map(|s| s.to_string()).unwrap_or_default();
        if let Some(c) = self.by_settings.get(&key) {
            return c.clone();
        }
        let program = self.program.clone();
        let r = crate::settings::resolve(&program, settings)
            .map_err(|e| e.to_string())
            .and_then(|values| {
                let sources = program.sources.clone();
                compile(program, values)
                    .map(|c| Arc::new(Prepared::new(Arc::new(c), Engine::Auto)))
                    .map_err(|d| {
                        crate::diag::Report {
                            sources,
                            diagnostics: d,
                        }
                        .to_short_string()
                    })
            });
        self.by_settings.insert(key, r.clone());
        r
    }
}

/// Runs every test and property of a program.
pub fn run(program: Arc<Program>, suite: &Suite, opts: &Options) -> TestReport {
    run_matching(program, suite, opts, None)
}

/// Runs the tests and properties whose name contains `filter` (all when `None`).
pub fn run_matching(
    program: Arc<Program>,
    suite: &Suite,
    opts: &Options,
    filter: Option<&str>,
) -> TestReport {
    run_where(program, suite, opts, |name, _| {
        filter.is_none_or(|f| name.contains(f))
    })
}

/// Runs the tests and properties that `wanted` picks, by name and declaration span.
pub fn run_where(
    program: Arc<Program>,
    suite: &Suite,
    opts: &Options,
    wanted: impl Fn(&str, crate::source::Span) -> bool,
) -> TestReport {
    let mut report = TestReport {
        rules: program
            .rules
            .iter()
            .map(|r| (r.name.clone(), program.sources.locate(r.span)))
            .collect(),
        rule_files: program
            .rules
            .iter()
            .map(|r| {
                program
                    .sources
                    .get(r.span.file)
                    .map(|f| f.name.clone())
                    .unwrap_or_default()
            })
            .collect(),
        ..TestReport::default()
    };
    let mut cache = Cache {
        program: program.clone(),
        by_settings: HashMap::new(),
    };
    for t in suite.tests.iter().filter(|t| wanted(&t.name, t.span)) {
        let failure = run_test(&mut cache, t, &mut report.covered);
        report.tests.push(Outcome {
            name: t.name.clone(),
            location: program.sources.locate(t.span),
            failure,
        });
    }
    for p in suite.properties.iter().filter(|p| wanted(&p.name, p.span)) {
        let failure = run_property(&mut cache, suite, p, opts);
        report.properties.push(Outcome {
            name: p.name.clone(),
            location: program.sources.locate(p.span),
            failure,
        });
    }
    report
}

fn run_test(cache: &mut Cache, t: &TestDef, covered: &mut BTreeSet<usize>) -> Option<String> {
    let prepared = match cache.get(t.settings.as_ref()) {
        Ok(c) => c,
        Err(e) => return Some(format!("the settings do not compile: {e}")),
    };
    let program = &*prepared.compiled.program;
    let wants_error = t.expect.iter().any(|e| matches!(e, Expect::Error));
    let result = bind(program, &t.facts)
        .map_err(|e| e.to_string())
        .and_then(|f| evaluate(&prepared, &f).map_err(|e| e.to_string()));
    let decisions = match (result, wants_error) {
        (Err(_), true) => return None,
        (Err(e), false) => return Some(format!("evaluation failed: {e}")),
        (Ok(d), true) => return Some(format!("expected an error, got {}", d.to_json())),
        (Ok(d), false) => d,
    };
    for d in decisions.decisions.values() {
        for r in &d.reasons {
            if let Some(i) = program.rules.iter().position(|x| *x.name == *r.rule) {
                covered.insert(i);
            }
        }
    }
    let mut problems = Vec::new();
    for e in &t.expect {
        let Expect::Field {
            decision,
            field,
            value,
            ..
        } = e
        else {
            continue;
        };
        let Some((name, def)) = program.decisions.get_index(*decision) else {
            continue;
        };
        let Some(result) = decisions.get(name) else {
            problems.push(format!(
                "expected {name}.{field} = {value}, but `{name}` was not taken"
            ));
            continue;
        };
        let actual: Value = if *field == def.field {
            match def.policy {
                HitPolicy::Collect => Value::List(Arc::new(
                    result.outcomes.iter().map(|o| Value::enum_(o)).collect(),
                )),
                _ => result.outcome().map(Value::enum_).unwrap_or(Value::Absent),
            }
        } else if field == "not_enforced" {
            Value::List(Arc::new(
                result.not_enforced.iter().map(|s| Value::str(s)).collect(),
            ))
        } else if let Some(v) = result.outputs.get(field) {
            v.clone()
        } else if let Some(v) = result.reports.get(field) {
            v.clone()
        } else {
            Value::Absent
        };
        if !same(&actual, value) {
            let fired: Vec<String> = result
                .reasons
                .iter()
                .map(|r| format!("{} => {}", r.rule, r.outcome))
                .collect();
            problems.push(format!(
                "expected {name}.{field} = {value}, got {actual}\n  rules fired: {}",
                if fired.is_empty() {
                    "none".to_string()
                } else {
                    fired.join(", ")
                }
            ));
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(problems.join("\n"))
    }
}

/// Equality where lists compare as sets and enum names equal strings.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.iter().all(|i| y.iter().any(|j| same(i, j)))
                && y.iter().all(|j| x.iter().any(|i| same(i, j)))
        }
        (Value::Absent, Value::List(y)) => y.is_empty(),
        (x, y) => match (x.as_text(), y.as_text()) {
            (Some(s), Some(t)) => s == t,
            _ => x == y,
        },
    }
}

fn run_property(
    cache: &mut Cache,
    suite: &Suite,
    p: &PropertyDef,
    opts: &Options,
) -> Option<String> {
    let prepared = match cache.get(p.settings.as_ref()) {
        Ok(c) => c,
        Err(e) => return Some(format!("the settings do not compile: {e}")),
    };
    let program = prepared.compiled.program.clone();
    let base = p
        .given
        .as_ref()
        .and_then(|g| suite.fact_sets.get(g))
        .map(|(v, _)| v.clone());
    // With `varying FACT`, a second value of that fact makes a second world.
    let varied = match p.varying {
        Some(f) => fact_strategy(&program, &prepared.compiled.settings, f)
            .prop_map(Some)
            .boxed(),
        None => Just(None).boxed(),
    };
    let strategy = (
        facts_strategy(&program, &prepared.compiled.settings, base.as_ref()),
        varied,
    );
    let varying_name = p.varying.map(|f| program.fact_name(f).to_string());
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&opts.seed.to_le_bytes());
    let config = Config {
        cases: opts.cases,
        failure_persistence: None,
        max_global_rejects: opts.cases.saturating_mul(1000).max(10_000),
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let result = runner.run(&strategy, |(json, alt)| {
        let facts = bind(&program, &json)
            .map_err(|e| TestCaseError::fail(format!("generated facts do not bind: {e}")))?;
        let other_facts = match (&alt, &varying_name) {
            (Some(v), Some(name)) => {
                let mut json2 = json.clone();
                crate::strategies::insert(&mut json2, name, v.clone());
                Some(bind(&program, &json2).map_err(|e| {
                    TestCaseError::fail(format!("generated facts do not bind: {e}"))
                })?)
            }
            _ => None,
        };
        let empty = crate::eval::Decisions::default();
        if let Some(f) = &p.filter {
            let other = other_facts.as_ref().map(|o| (o, &empty));
            if eval_property(
                &program,
                &prepared.compiled.settings,
                &facts,
                &empty,
                other,
                f,
            ) != Tri::True
            {
                return Err(TestCaseError::reject("filtered out"));
            }
        }
        let decisions = evaluate(&prepared, &facts)
            .map_err(|e| TestCaseError::fail(format!("evaluation failed: {e}")))?;
        let other_decisions = match &other_facts {
            Some(o) => Some(
                evaluate(&prepared, o)
                    .map_err(|e| TestCaseError::fail(format!("evaluation failed: {e}")))?,
            ),
            None => None,
        };
        let other = other_facts.as_ref().zip(other_decisions.as_ref());
        match eval_property(
            &program,
            &prepared.compiled.settings,
            &facts,
            &decisions,
            other,
            &p.expect,
        ) {
            Tri::True => Ok(()),
            _ => {
                let mut why = summary(&decisions);
                if let Some(d) = &other_decisions {
                    why.push_str(&format!("; varied: {}", summary(d)));
                }
                Err(TestCaseError::fail(why))
            }
        }
    });
    match result {
        Ok(()) => None,
        Err(TestError::Fail(why, (json, alt))) => {
            let mut s = format!(
                "counterexample ({why}); as facts for `apprules eval`:\n{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
            if let (Some(v), Some(name)) = (alt, &varying_name) {
                s.push_str(&format!(
                    "\nand the varied world: the same facts with `{name}` = {v}"
                ));
            }
            Some(s)
        }
        Err(TestError::Abort(why)) => Some(format!(
            "gave up: {why} (the `where` filter rejects almost every generated case)"
        )),
    }
}

fn summary(d: &crate::eval::Decisions) -> String {
    d.decisions
        .values()
        .map(|r| {
            let o = match r.policy {
                HitPolicy::Collect => format!("[{}]", r.outcomes.join(", ")),
                _ => r.outcomes.join(", "),
            };
            format!("{} = {o}", r.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
