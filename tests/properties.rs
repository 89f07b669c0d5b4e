//! Laws of the engine, checked on generated inputs:
//! the decision tables agree with the reference interpreter; the parser never
//! panics; formatting is idempotent and keeps the meaning of a policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use apprules::eval::engines::Finder;
use apprules::strategies::{facts_strategy, settings_strategy};
use apprules::{Policy, PolicyBuilder};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// Evaluates `n` generated fact sets with both evaluators and compares them, with
/// every table run by each engine in turn (the kernel, the column plan, the hash
/// index, row by row).
fn agree(policy: &Policy, n: usize, seed: u64) -> Result<(), TestCaseError> {
    for engine in apprules::eval::engines::Engine::ALL {
        agree_on(&policy.with_engine(engine), n, seed)
            .map_err(|e| TestCaseError::fail(format!("engine {engine:?}: {e}")))?;
    }
    Ok(())
}

fn agree_on(policy: &Policy, n: usize, seed: u64) -> Result<(), TestCaseError> {
    let strategy = facts_strategy(policy.program(), &policy.compiled().settings, None);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &seed_bytes,
        ),
    );
    for _ in 0..n {
        let json = strategy
            .new_tree(&mut runner)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .current();
        let facts = policy
            .bind(&json)
            .map_err(|e| TestCaseError::fail(format!("{e} for {json}")))?;
        let tables = policy.evaluate_bound(&facts);
        let reference = policy.evaluate_reference(&facts);
        // The fast path agrees with the full evaluation, decision by decision, its
        // errors included (a missing fact is an error on both, never a guess).
        for (i, t) in policy.compiled().tables.iter().enumerate() {
            let fast = policy.outcome(i, &facts);
            match (policy.evaluate_one(i, &facts), fast) {
                (Ok(d), Ok(o)) => {
                    let expected = match d {
                        None => apprules::eval::tables::Outcome::NotTaken,
                        Some(r) if r.policy == apprules::syntax::ast::HitPolicy::Collect => {
                            let def = &policy.program().decisions[&*t.name];
                            apprules::eval::tables::Outcome::Set(
                                r.outcomes
                                    .iter()
                                    .map(|o| def.outcomes.index(o).unwrap() as u16)
                                    .collect(),
                            )
                        }
                        Some(r) => {
                            let def = &policy.program().decisions[&*t.name];
                            apprules::eval::tables::Outcome::One(
                                def.outcomes.index(&r.outcomes[0]).unwrap() as u16,
                            )
                        }
                    };
                    prop_assert_eq!(o, expected, "decision {} for {}", t.name, json);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b, "decision {} for {}", t.name, json),
                (Err(e), Ok(o)) => prop_assert!(
                    false,
                    "fast path decided {:?} where the full one fails ({}) for {}",
                    o,
                    e,
                    json
                ),
                (Ok(_), Err(e)) => prop_assert!(false, "fast path failed: {} for {}", e, json),
            }
        }
        // The direct JSON writer writes what serde_json writes for the full result.
        let mut direct = Vec::new();
        match (&tables, policy.write_json(&facts, &mut direct)) {
            (Ok(d), Ok(())) => prop_assert_eq!(
                String::from_utf8(direct).unwrap(),
                serde_json::to_string(d).unwrap(),
                "facts: {}",
                json
            ),
            (Err(a), Err(b)) => prop_assert_eq!(a, &b),
            (a, b) => prop_assert!(false, "full {:?} but writer {:?} for {}", a, b, json),
        }
        match (&tables, &reference) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "facts: {}", json),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(
                false,
                "tables {:?} but interpreter {:?} for {}",
                tables,
                reference,
                json
            ),
        }
    }
    Ok(())
}

/// A generated rule file with generated settings, compiled; a failure shows the file.
fn build(text: &str, settings: serde_json::Value) -> Result<Policy, TestCaseError> {
    PolicyBuilder::new()
        .source("random.rules", text)
        .settings_json(settings)
        .build()
        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    #[test]
    fn tables_agree_with_interpreter_on_random_rules(program in common::program(), settings in common::settings(), seed in any::<u64>()) {
        let policy = build(&program, settings)?;
        agree(&policy, 24, seed)?;
    }

    /// Decisions of up to 200 outcomes: every hit policy past the 64th outcome.
    #[test]
    fn tables_agree_with_interpreter_on_many_outcomes(program in common::program_with_outcomes(200), settings in common::settings(), seed in any::<u64>()) {
        let policy = build(&program, settings)?;
        agree(&policy, 24, seed)?;
    }

    /// Tables over up to 9 integers, 9 enumerations of 2 to 11 values and 3
    /// booleans (`common::wide_program`): kernels whose columns are past the counts it
    /// unrolls, enumerations read inline and from the heap, priority over more ranks
    /// than it selects among inline.
    #[test]
    fn tables_agree_with_interpreter_on_wide_tables(program in common::wide_program(), seed in any::<u64>()) {
        let policy = build(&program, serde_json::json!({}))?;
        agree(&policy, 24, seed)?;
    }

    /// Over 128 rows: no column plan; equality on `x` in many rows: a hash index.
    #[test]
    fn tables_agree_with_interpreter_on_large_indexed_tables(program in common::program(), settings in common::settings(), seed in any::<u64>()) {
        let mut text = program.clone();
        for i in 0..140 {
            let extra = if i % 3 == 0 { " or b" } else { "" };
            text.push_str(&format!("rule pad{i} when (x == {} and k != blue){extra} then d = warn\n", i % 12));
        }
        let policy = build(&text, settings)?;
        prop_assert!(policy.prepared().tables.iter().any(|t| matches!(t.finder, Finder::Rows(Some(_)))));
        agree(&policy, 24, seed)?;
    }

    /// 65 to 128 rows: a column plan without a kernel.
    #[test]
    fn tables_agree_with_interpreter_on_plans_without_kernels(program in common::program(), settings in common::settings(), seed in any::<u64>()) {
        let mut text = program.clone();
        for i in 0..66 {
            text.push_str(&format!("rule pad{i} when x == {} and k != blue then d = warn\n", i % 12));
        }
        let policy = build(&text, settings)?;
        // Alternatives can expand a table past 128 rows (no plan): such cases are for
        // the test of large tables.
        prop_assume!(policy.prepared().tables.iter().any(|t| matches!(t.finder, Finder::Plan(_))));
        agree(&policy, 24, seed)?;
    }

    /// More computed columns than the evaluator caches on the stack: the cache in
    /// this thread's scratch buffer.
    #[test]
    fn tables_agree_with_interpreter_on_many_computed_columns(program in common::program(), settings in common::settings(), seed in any::<u64>()) {
        let mut text = program.clone();
        for i in 0..20 {
            text.push_str(&format!("rule wide{i} when x + {i} > y * 2 then d = warn\n"));
        }
        let policy = build(&text, settings)?;
        prop_assert!(policy.prepared().tables.iter().any(|t| t.columns.len() > 16));
        agree(&policy, 24, seed)?;
    }

    #[test]
    fn tables_agree_with_interpreter_on_the_bundled_policy(settings in settings_strategy(Policy::bundled().unwrap().program()), seed in any::<u64>()) {
        // Random settings may break a lint (an offline entry in minutes that wipes): skip those.
        if let Ok(policy) = PolicyBuilder::new().bundled().settings_json(settings).build() {
            agree(&policy, 32, seed)?;
        }
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,200}") {
        let _ = apprules::syntax::parse(apprules::source::FileId(0), &text);
    }

    #[test]
    fn parser_never_panics_on_mutated_policy(cut in 0usize..apprules::BUNDLED.len(), len in 0usize..40, insert in "[(){}\\[\\]\"#a-z .<>=!|]{0,8}") {
        let mut text = apprules::BUNDLED.as_bytes().to_vec();
        let end = (cut + len).min(text.len());
        text.splice(cut..end, insert.bytes());
        let text = String::from_utf8_lossy(&text);
        if let Ok(file) = apprules::syntax::parse(apprules::source::FileId(0), &text) {
            let mut sources = apprules::source::Sources::new();
            sources.add("mutated", text.to_string());
            let _ = apprules::check::check(sources, &[file]);
        }
    }

    #[test]
    fn fmt_is_idempotent_and_keeps_meaning(program in common::program()) {
        let once = apprules::fmt::format_source("a.rules", &program).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let twice = apprules::fmt::format_source("a.rules", &once).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&once, &twice);
        let before = PolicyBuilder::new().source("a", &program).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let after = PolicyBuilder::new().source("a", &once).build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            apprules::compile::print::tables(before.compiled()),
            apprules::compile::print::tables(after.compiled())
        );
    }
}

proptest! {
    /// Wrong facts: both binders fail, with the same error.
    #[test]
    fn both_binders_reject_the_same_facts(path in prop::sample::select(vec![
        vec!["device", "os_version"], vec!["device", "jailbroken"], vec!["session", "minutes_offline"],
        vec!["device", "browsers"], vec!["device"], vec!["request", "kind"], vec!["request", "target"],
        vec!["request", "chars"], vec!["device", "threat_level"], vec!["request"],
        // Section 7: a fact that is also an object of facts, and the optional facts.
        vec!["request", "source"], vec!["request", "source", "scheme"], vec!["request", "link_app"],
        vec!["request", "link_app", "policy_managed"], vec!["session", "working_time"],
        vec!["session", "account_disabled"],
    ]), bad in prop::sample::select(vec![
        serde_json::json!(null), serde_json::json!("x"), serde_json::json!(-3), serde_json::json!(1e300),
        serde_json::json!([1, "a"]), serde_json::json!({"a": 1}), serde_json::json!(true), serde_json::json!("15.1"),
        serde_json::json!(["edge", null]), serde_json::json!("camera"),
        serde_json::json!({"scheme": "x", "policy_managed": true}),
    ])) {
        let policy = apprules::Policy::bundled().unwrap();
        let mut json: serde_json::Value = serde_json::from_str(include_str!("../examples/device.json")).unwrap();
        let (last, parents) = path.split_last().unwrap();
        let mut cur = &mut json;
        for p in parents {
            cur = &mut cur[*p];
        }
        cur[*last] = bad;
        let a = policy.bind(&json);
        let b = policy.bind_str(&json.to_string());
        prop_assert_eq!(a, b, "{}", json);
    }
}

/// Facts text and a way to damage it.
fn mutated_facts() -> impl Strategy<Value = String> {
    let policy = Policy::bundled().unwrap();
    let facts = facts_strategy(policy.program(), &policy.compiled().settings, None);
    let noise = prop::sample::select(vec![
        "",
        " ",
        "\n",
        ",",
        ":",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "\\",
        "\\u00e9",
        "\\n",
        "\\ud800",
        "null",
        "true",
        "-0",
        "01",
        "1.5",
        "1e3",
        "-",
        "99999999999999999999",
        "\"x\":1,",
        "\"extra\":{\"a\":[1,{}]},",
        "\u{7}",
        "é",
        "\"device\":null,",
        "\"request\":{},",
    ]);
    (
        facts,
        any::<bool>(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                noise,
            ),
            0..3,
        ),
    )
        .prop_map(|(json, pretty, edits)| {
            let mut text = if pretty {
                serde_json::to_string_pretty(&json).unwrap()
            } else {
                json.to_string()
            };
            for (at, len, insert) in edits {
                let at = at.index(text.len() + 1);
                let at = (0..=at)
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                let end = (at + len.index(3)).min(text.len());
                let end = (end..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                text.replace_range(at..end, insert);
            }
            text
        })
}

proptest! {
    #![proptest_config(Config { cases: 2000, ..Config::default() })]

    /// Evaluating record after record on one thread (facts reused from the last
    /// record), with two policies in turn, gives what fresh facts bound by serde give.
    #[test]
    fn reused_facts_forget_the_previous_record(texts in prop::collection::vec(mutated_facts(), 1..6)) {
        static POLICIES: std::sync::OnceLock<[Policy; 2]> = std::sync::OnceLock::new();
        let policies = POLICIES.get_or_init(|| {
            let custom = PolicyBuilder::new()
                .file(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/examples/custom-rules.rules")))
                .unwrap()
                .build()
                .unwrap();
            [Policy::bundled().unwrap(), custom]
        });
        for (i, text) in texts.iter().enumerate() {
            let policy = &policies[i % 2];
            let fresh = policy.bind_str_serde(text).map_err(apprules::Error::from).and_then(|f| {
                policy.evaluate_bound(&f).map_err(apprules::Error::from)
            });
            let typed = policy.evaluate_str(text);
            let mut out = Vec::new();
            let written = policy.evaluate_str_into(text, &mut out);
            match (&fresh, &typed, &written) {
                (Ok(d), Ok(t), Ok(())) => {
                    prop_assert_eq!(d, t, "{}", text);
                    prop_assert_eq!(serde_json::to_vec(d).unwrap(), out, "{}", text);
                }
                (Err(a), Err(b), Err(c)) => {
                    prop_assert_eq!(a.to_string(), b.to_string());
                    prop_assert_eq!(a.to_string(), c.to_string());
                }
                _ => prop_assert!(false, "{:?} / {:?} / {:?} for {}", fresh, typed, written, text),
            }
        }
    }

    /// The fast scanner binds exactly what serde binds, errors included.
    #[test]
    fn scanner_agrees_with_serde(text in mutated_facts()) {
        static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
        let policy = POLICY.get_or_init(|| Policy::bundled().unwrap());
        prop_assert_eq!(policy.bind_str(&text), policy.bind_str_serde(&text), "{}", text);
    }
}

#[test]
fn fmt_keeps_the_bundled_policy() {
    for (name, text) in [
        ("policy", apprules::BUNDLED),
        ("tests", apprules::BUNDLED_TESTS),
    ] {
        let once = apprules::fmt::format_source(name, text).unwrap();
        assert_eq!(
            once, text,
            "{name} is not in canonical form: run `apprules fmt rules/*.rules`"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = format!("let x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = apprules::syntax::parse(apprules::source::FileId(0), &text).unwrap_err();
    assert_eq!(err[0].code, "E0002");
    let text = format!("let x = {}true", "any a in [1]: ".repeat(10_000));
    let err = apprules::syntax::parse(apprules::source::FileId(0), &text).unwrap_err();
    assert_eq!(err[0].code, "E0002");
    let text = format!("let x = {}true", "not ".repeat(100_000));
    assert!(apprules::syntax::parse(apprules::source::FileId(0), &text).is_ok());
}

/// `not_enforced` on the fast paths, where only a shadow row fires: the shadow
/// giving the default outcome changes nothing (the setting is enforced as far as
/// this record goes); a fallback row that fires alone does change it. Every
/// evaluator, engine and the JSON writer agree with the interpreter.
#[test]
fn shadow_rows_that_give_the_default_leave_the_setting_enforced() {
    let text = r#"
fact v: version "an SDK version"
fact x: int "an integer"
setting n: int >= 0 = 5 "a number"
  requires v >= 1.2 else 0
decision f: first p | q | r "first"
  default r
rule below about n
  when x > 1 and not (x > n)
  then f = r "below"
rule above about n
  when x > n and x < 2
  then f = p "above"
"#;
    let policy = PolicyBuilder::new()
        .source("t.rules", text)
        .build()
        .unwrap();
    for (v, x, unenforced) in [
        // Only the shadow of `below` fires, and it gives the default.
        ("1.0", 3, vec![]),
        // Only the fallback row of `above` fires.
        ("1.0", 1, vec!["n"]),
        ("1.0", 0, vec![]),
        ("1.3", 3, vec![]),
        ("1.3", 1, vec![]),
    ] {
        for engine in apprules::eval::engines::Engine::ALL {
            let policy = policy.with_engine(engine);
            let facts = policy.bind(&serde_json::json!({"v": v, "x": x})).unwrap();
            let tables = policy.evaluate_bound(&facts).unwrap();
            assert_eq!(tables, policy.evaluate_reference(&facts).unwrap());
            assert_eq!(
                tables.decisions["f"].not_enforced, unenforced,
                "v {v}, x {x}"
            );
            assert_writer_agrees(&policy, &facts, &tables);
        }
    }
}

/// Values the kernels' keys cannot hold (integers within 2 of `i64::MAX`, version
/// components of 2^16 or more) and interval starts they cannot hold: the kernel is
/// built, leaves such records to the column plan, and every engine, the fast
/// outcome and the JSON writer agree with the interpreter on every record.
#[test]
fn values_no_key_holds_are_decided_by_the_plan() {
    let text = r#"
fact x: int "an integer"
fact v: version "a version"
decision d: priority allow < warn < block "priority"
rule top when x >= 9223372036854775806 then d = block "top"
rule mid when x > 5 and x < 9223372036854775807 then d = warn "mid"
rule wide when v >= 1.65536 and v < 2.0.70000 then d = block "wide"
rule high when v > 65535.65535.65535.65534 then d = warn "high"
"#;
    let policy = kernel_policy(text);
    let ints = [
        i64::MIN,
        0,
        6,
        i64::MAX - 3,
        i64::MAX - 2,
        i64::MAX - 1,
        i64::MAX,
    ];
    let versions = [
        "1.0",
        "1.65535",
        "1.65536",
        "1.65535.9",
        "2.0.69999",
        "2.0.70000",
        "2.0.65535",
        "65535.65535.65535.65534",
        "65535.65535.65535.65535",
        "65536.0",
        "4294967295.4294967295.4294967295.4294967295",
    ];
    let mut seen = 0;
    for x in ints {
        {
            for v in versions {
                let json = serde_json::json!({"x": x, "v": v});
                for engine in apprules::eval::engines::Engine::ALL {
                    let policy = policy.with_engine(engine);
                    let facts = policy.bind(&json).unwrap();
                    let tables = policy.evaluate_bound(&facts).unwrap();
                    assert_eq!(tables, policy.evaluate_reference(&facts).unwrap(), "{json}");
                    let def = &policy.program().decisions["d"];
                    let want = def
                        .outcomes
                        .index(&tables.decisions["d"].outcomes[0])
                        .unwrap();
                    assert_eq!(
                        policy.outcome(0, &facts).unwrap(),
                        apprules::eval::tables::Outcome::One(want as u16),
                        "{json}"
                    );
                    assert_writer_agrees(&policy, &facts, &tables);
                    seen += usize::from(&*tables.decisions["d"].outcomes[0] != "allow");
                }
            }
        }
    }
    // The rules fire: the records are not all allowed.
    assert!(seen > 100, "{seen}");
}

/// An absent fact leaves a row unknown; the kernel for the outcome alone lets a
/// sibling row decide it only when that row holds whenever the fact is absent.
#[test]
fn absent_facts_are_decided_by_siblings_only_when_they_hold() {
    let head = "type level = low < mid < high\nfact x: int \"x\"\n\
                fact o: optional level \"o\"\nfact b: bool \"b\"\n\
                decision d: priority allow < warn < block \"d\"\n";
    // (rule condition, outcome for `o` absent with x = 1 and b = true: `None` for
    // the missing fact)
    let cases = [
        ("not present(o) or o > mid", Some("warn")),
        ("present(o) or o > mid", None),
        ("not present(o) and x > 3 or o > mid", None),
        ("not present(o) and x < 3 or o > mid", Some("warn")),
        ("not present(o) or o > mid and x > 3", Some("warn")),
        ("not present(o) and b or o > mid and b", Some("warn")),
        ("o < mid or o > mid", None),
    ];
    for (cond, want) in cases {
        let text = format!("{head}rule r\n  when {cond}\n  then d = warn \"r\"\n");
        let policy = kernel_policy(&text);
        for json in [
            serde_json::json!({"x": 1, "b": true}),
            serde_json::json!({"x": 1, "b": true, "o": "high"}),
            serde_json::json!({"x": 1, "b": true, "o": "low"}),
        ] {
            let facts = policy.bind(&json).unwrap();
            let full = policy.evaluate_one(0, &facts);
            let fast = policy.outcome(0, &facts);
            match (&full, &fast) {
                (Ok(Some(r)), Ok(apprules::Outcome::One(i))) => {
                    assert_eq!(
                        policy.outcome_name(0, *i),
                        Some(&*r.outcomes[0]),
                        "{cond} {json}"
                    )
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{cond} {json}"),
                _ => panic!("{cond} {json}: full {full:?}, fast {fast:?}"),
            }
            if json.get("o").is_none() {
                let got = fast.ok().and_then(|o| match o {
                    apprules::Outcome::One(i) => policy.outcome_name(0, i).map(str::to_string),
                    _ => None,
                });
                assert_eq!(got.as_deref(), want, "{cond}");
            }
        }
    }
}

/// The policy of `text`, every table of which has a kernel.
fn kernel_policy(text: &str) -> Policy {
    let policy = PolicyBuilder::new()
        .source("t.rules", text)
        .build()
        .unwrap();
    assert!(policy
        .prepared()
        .tables
        .iter()
        .all(|t| matches!(t.finder, Finder::Kernel { .. })));
    policy
}

/// The direct JSON writer writes what serde_json writes for the full result.
fn assert_writer_agrees(policy: &Policy, facts: &apprules::Facts, tables: &apprules::Decisions) {
    let mut direct = Vec::new();
    policy.write_json(facts, &mut direct).unwrap();
    assert_eq!(
        String::from_utf8(direct).unwrap(),
        serde_json::to_string(tables).unwrap()
    );
}

/// Version ranges reach the largest version: an SDK of 2147483648.0 (2^31, past
/// which ranges once stopped) still enforces the minimum OS version (it was `allow`).
#[test]
fn huge_sdk_versions_still_enforce_conditional_launch() {
    let policy = PolicyBuilder::new()
        .bundled()
        .settings_json(serde_json::json!({
            "conditional_launch.min_os_version": [{"version": "14.0", "action": "wipe"}]
        }))
        .build()
        .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../examples/device.json")).unwrap();
    json["device"]["os_version"] = "13.0".into();
    for sdk in [
        "7.0.1",
        "2147483648.0",
        "4294967295.4294967295.4294967295.4294967295",
    ] {
        json["app"]["sdk_version"] = sdk.into();
        for engine in apprules::eval::engines::Engine::ALL {
            let policy = policy.with_engine(engine);
            let facts = policy.bind(&json).unwrap();
            let tables = policy.evaluate_bound(&facts).unwrap();
            assert_eq!(
                tables.decisions["launch"].outcomes[0].as_ref(),
                "wipe",
                "sdk {sdk}"
            );
            assert_eq!(tables, policy.evaluate_reference(&facts).unwrap());
            assert_writer_agrees(&policy, &facts, &tables);
        }
    }
}

/// A condition that contradicts itself is unknown, not false, when its arithmetic
/// overflows (Kleene logic): the tables fail closed with the interpreter's overflow
/// error instead of dropping the rule (they once decided it did not fire).
#[test]
fn a_self_contradiction_over_overflowing_arithmetic_fails_closed() {
    let text = r#"
fact x: int "an integer"
fact y: int "an integer"
decision d: priority allow < block "priority"
rule contra when x + y > 5 and not (x + y > 5) then d = block "never"
rule plain when x > 3 then d = block "plain"
"#;
    let policy = PolicyBuilder::new()
        .source("t.rules", text)
        .build()
        .unwrap();
    for (x, y, overflows) in [
        (1, 2, false),
        (4, 2, false),
        (i64::MAX, 1, true),
        (i64::MIN, -1, true),
    ] {
        let json = serde_json::json!({"x": x, "y": y});
        for engine in apprules::eval::engines::Engine::ALL {
            let policy = policy.with_engine(engine);
            let facts = policy.bind(&json).unwrap();
            let tables = policy.evaluate_bound(&facts);
            assert_eq!(tables, policy.evaluate_reference(&facts), "{json}");
            match tables {
                Err(apprules::EvalError::Overflow { rule, .. }) => {
                    assert!(overflows, "{json}");
                    assert_eq!(rule, "contra");
                }
                Ok(d) => {
                    assert!(!overflows, "{json}: {d:?}");
                    assert_writer_agrees(&policy, &facts, &d);
                }
                Err(e) => panic!("{json}: {e}"),
            }
            assert_eq!(policy.outcome(0, &facts).is_err(), overflows, "{json}");
        }
    }
}

/// Keys sit in `u64`s or in bytes by type (`eval::keys::layout`): booleans and enums
/// of up to 253 values in bytes, larger enums in `u64`s. Enums on both sides of that
/// edge, optional ones, and booleans, mixed with integers: every table has a kernel,
/// and every engine, the fast outcome and the JSON writer agree with the interpreter
/// on every value of every fact and on its absence.
#[test]
fn byte_and_word_keys_decide_as_the_interpreter() {
    let sizes = [2usize, 252, 253, 254, 300];
    let mut text = String::new();
    for n in sizes {
        let variants: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
        text += &format!("fact e{n}: optional {} \"an enum\"\n", variants.join(" | "));
    }
    text += "fact b: optional bool \"a boolean\"\nfact x: int \"an integer\"\n";
    text += "decision d: priority allow < warn < block \"priority\"\n";
    for n in sizes {
        let (a, z) = (n / 2, n - 1);
        text += &format!(
            "rule hi{n} when e{n} in [v{a}, v{z}] and x > 3 then d = block \"hi\"\n\
             rule lo{n} when e{n} == v0 or b then d = warn \"lo\"\n"
        );
    }
    let policy = kernel_policy(&text);
    let mut decided = std::collections::BTreeMap::new();
    for n in sizes {
        let values: Vec<serde_json::Value> = [0, 1, n / 2, n - 2, n - 1]
            .iter()
            .map(|i| format!("v{i}").into())
            .chain([serde_json::Value::Null])
            .collect();
        for e in &values {
            for b in [true.into(), false.into(), serde_json::Value::Null] {
                for x in [0, 4] {
                    let mut json = serde_json::json!({"b": b, "x": x});
                    for m in sizes {
                        json[format!("e{m}")] = if m == n { e.clone() } else { "v1".into() };
                    }
                    for engine in apprules::eval::engines::Engine::ALL {
                        let policy = policy.with_engine(engine);
                        let facts = policy.bind(&json).unwrap();
                        let tables = policy.evaluate_bound(&facts);
                        assert_eq!(tables, policy.evaluate_reference(&facts), "{json}");
                        let Ok(tables) = tables else {
                            // A missing fact the rule needs: an error on every path.
                            assert!(policy.outcome(0, &facts).is_err(), "{json}");
                            assert!(policy.write_json(&facts, &mut Vec::new()).is_err());
                            *decided.entry("error".to_string()).or_insert(0) += 1;
                            continue;
                        };
                        let def = &policy.program().decisions["d"];
                        let got = &tables.decisions["d"].outcomes[0];
                        let want = def.outcomes.index(got).unwrap();
                        assert_eq!(
                            policy.outcome(0, &facts).unwrap(),
                            apprules::eval::tables::Outcome::One(want as u16),
                            "{json}"
                        );
                        assert_writer_agrees(&policy, &facts, &tables);
                        *decided.entry(got.to_string()).or_insert(0) += 1;
                    }
                }
            }
        }
    }
    // Every outcome is reached, and the error.
    assert_eq!(decided.len(), 4, "{decided:?}");
}

/// A record holds 16 `u64` key slots and 48 byte slots (`eval::keys::layout`): a
/// table over facts past them has no kernel and the plan decides, a table over the
/// others keeps its kernel, and both answer as the interpreter.
#[test]
fn facts_past_the_key_slots_are_decided_by_the_plan() {
    let mut text = String::new();
    for i in 0..20 {
        text += &format!("fact x{i}: int \"an integer\"\n");
    }
    for i in 0..60 {
        text += &format!("fact b{i}: bool \"a boolean\"\n");
    }
    text += "decision early: priority allow < warn < block \"early\"\n";
    text += "decision late: priority allow < warn < block \"late\"\n";
    for (d, xs, bs) in [("early", 0..4, 0..4), ("late", 15..20, 46..60)] {
        for (x, b) in xs.clone().zip(bs.clone().step_by(2)) {
            text += &format!(
                "rule {d}{x} when x{x} > 3 and b{b} then {d} = block \"a\"\n\
                 rule {d}w{x} when x{x} < 0 or b{} then {d} = warn \"b\"\n",
                b + 1
            );
        }
    }
    let policy = PolicyBuilder::new()
        .source("t.rules", &text)
        .build()
        .unwrap();
    let kernels: Vec<bool> = policy
        .prepared()
        .tables
        .iter()
        .map(|t| matches!(t.finder, Finder::Kernel { .. }))
        .collect();
    assert_eq!(kernels, [true, false]);
    let mut decided = std::collections::BTreeSet::new();
    for seed in 0u64..300 {
        let bit = |i: u64| (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 61)) & 1 == 1;
        let mut json = serde_json::json!({});
        for i in 0..20u64 {
            json[format!("x{i}")] = [-1, 2, 5][(seed as usize + i as usize) % 3].into();
        }
        for i in 0..60u64 {
            json[format!("b{i}")] = bit(i).into();
        }
        for engine in apprules::eval::engines::Engine::ALL {
            let policy = policy.with_engine(engine);
            let facts = policy.bind(&json).unwrap();
            let tables = policy.evaluate_bound(&facts).unwrap();
            assert_eq!(tables, policy.evaluate_reference(&facts).unwrap(), "{json}");
            for (i, d) in ["early", "late"].iter().enumerate() {
                let got = &tables.decisions[*d].outcomes[0];
                let want = policy.program().decisions[*d].outcomes.index(got).unwrap();
                assert_eq!(
                    policy.outcome(i, &facts).unwrap(),
                    apprules::eval::tables::Outcome::One(want as u16),
                    "{json}"
                );
                decided.insert(format!("{d}={got}"));
            }
            assert_writer_agrees(&policy, &facts, &tables);
        }
    }
    // Both tables block and warn (`late` has five warn rules: it always warns).
    assert!(decided.len() >= 5, "{decided:?}");
}
