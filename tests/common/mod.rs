//! Random rule programs over a small schema, for the property tests.
#![allow(dead_code)]

use proptest::prelude::*;

/// The schema every generated program starts with.
pub const SCHEMA: &str = r#"
type level = low < mid < high
fact x: int "an integer"
fact y: int "another integer"
fact v: version "a version"
fact e: level "an ordered enum"
fact k: red | green | blue "an unordered enum"
fact s: string ignoring case "a case-insensitive string"
fact b: bool "a boolean"
fact o: optional int "an optional integer"
fact l: list of red | green | blue "a list"
fact g: optional group "a group"
fact g.n: int "an integer inside the group"
setting n: int >= 0 = 5 "a number"
  requires v >= 1.2 else 0
setting lim: level = mid "a level"
  requires v >= 2.1 for high else low
setting names: list of string ignoring case = ["Alpha", "beta"] "names"
setting entries: list of {version: version, action: warn | block} = [{version: 2.0, action: warn}, {version: 1.5, action: block}] "entries"
setting opt: optional {level: level, action: warn | block} = not_configured "optional record"
decision d: priority allow < warn < block "priority"
decision f: first p | q | r "first"
  default r
decision c: collect p | q | r "collect"
  as items
  only when present(g)
rule from_entries about entries
  for it in entries
  when v < it.version
  then d = it.action "below {it.version}"
"#;

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            0i64..12,
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
        )
            .prop_map(|(n, op)| format!("x {op} {n}")),
        prop::sample::select(vec!["<", ">=", "=="]).prop_map(|op| format!("x {op} y")),
        (
            0u32..4,
            0u32..4,
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
        )
            .prop_map(|(a, b, op)| format!("v {op} {a}.{b}")),
        // Starts no kernel key holds: rounded up to one, or above every key.
        prop::sample::select(vec![
            "v < 1.65536",
            "v >= 2.0.70000",
            "v > 65535.65535.65535.65534",
            "v <= 70000.1"
        ])
        .prop_map(String::from),
        prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
            .prop_map(|op| format!("e {op} lim")),
        prop::sample::select(vec!["low", "mid", "high"]).prop_map(|l| format!("e > {l}")),
        prop::sample::select(vec!["red", "green", "blue"]).prop_map(|c| format!("k == {c}")),
        Just("k in [red, blue]".to_string()),
        Just("s in names".to_string()),
        Just("s == \"ALPHA\"".to_string()),
        Just("b".to_string()),
        Just("present(o)".to_string()),
        (0i64..6).prop_map(|n| format!("o > {n}")),
        prop::sample::select(vec!["red", "green", "blue"]).prop_map(|c| format!("{c} in l")),
        Just("present(g)".to_string()),
        (0i64..6).prop_map(|n| format!("g.n >= {n}")),
        Just("x + y > n".to_string()),
        Just("x * 2 >= n".to_string()),
        Just("len(s) > 2".to_string()),
        Just("(any w in names: s == w)".to_string()),
        Just("present(opt) and e > opt.level".to_string()),
        // An absent value decided by a sibling (the kernels' covered rows), or not.
        (0i64..6).prop_map(|n| format!("(not present(o) or o > {n})")),
        (0i64..6).prop_map(|n| format!("(present(o) or o > {n})")),
        (0i64..6).prop_map(|n| format!("(not present(o) and x > {n} or o > 2)")),
        (0i64..6).prop_map(|n| format!("(not present(o) or o > 2 and x > {n})")),
        (0i64..6).prop_map(|n| format!("(not present(o) and b or o > {n} and b)")),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| format!("not ({a})")),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" and "))),
            prop::collection::vec(inner, 2..4).prop_map(|v| format!("({})", v.join(" or "))),
        ]
    })
}

fn rule(i: usize) -> impl Strategy<Value = String> {
    (
        condition(),
        prop::sample::select(vec!["d", "f", "c"]),
        0usize..3,
    )
        .prop_map(move |(cond, dec, o)| {
            let outcome = match dec {
                "d" => ["allow", "warn", "block"][o],
                _ => ["p", "q", "r"][o],
            };
            format!("rule r{i} about n\n  when {cond}\n  then {dec} = {outcome} \"rule {i}\"\n")
        })
}

/// A program: the schema plus 1 to 6 random rules.
pub fn program() -> impl Strategy<Value = String> {
    (1usize..7).prop_flat_map(|n| {
        (0..n)
            .map(rule)
            .collect::<Vec<_>>()
            .prop_map(|rules| format!("{SCHEMA}\n{}", rules.join("\n")))
    })
}

/// Settings overrides for the schema.
pub fn settings() -> impl Strategy<Value = serde_json::Value> {
    (
        0i64..8,
        prop::sample::select(vec!["low", "mid", "high"]),
        any::<bool>(),
    )
        .prop_map(|(n, lim, opt)| {
            let mut m = serde_json::json!({"n": n, "lim": lim});
            if opt {
                m["opt"] = serde_json::json!({"level": "low", "action": "block"});
            }
            m
        })
}

/// The schema's facts and settings with decisions of `n` outcomes each (`o0` to
/// `o{n-1}`), and rules that pick any of them: the hit policies over every width of
/// outcome set, not only the narrow ones.
pub fn program_with_outcomes(max: usize) -> impl Strategy<Value = String> {
    (1usize..=max, 1usize..9).prop_flat_map(|(n, rules)| {
        let head = SCHEMA
            .split("decision d:")
            .next()
            .unwrap_or_default()
            .to_string();
        let outs: Vec<String> = (0..n).map(|i| format!("o{i}")).collect();
        let decisions = format!(
            "decision d: priority {} \"priority\"\ndecision f: first {} \"first\"\ndecision c: collect {} \"collect\"\n",
            outs.join(" < "),
            outs.join(" | "),
            outs.join(" | ")
        );
        let head = format!("{head}{decisions}");
        prop::collection::vec(
            (
                condition(),
                prop::sample::select(vec!["d", "f", "c"]),
                0..n,
                // Rules often pick the top outcomes: the ranks past every word boundary.
                any::<bool>(),
            ),
            rules,
        )
        .prop_map(move |rs| {
            let mut text = head.clone();
            for (i, (cond, dec, o, top)) in rs.into_iter().enumerate() {
                let o = if top { n - 1 - (o % 3).min(n - 1) } else { o };
                text.push_str(&format!(
                    "rule r{i}\n  when {cond}\n  then {dec} = o{o} \"rule {i}\"\n"
                ));
            }
            text
        })
    })
}

/// A program of many facts: `ints` integers and an enumeration of each of `enums`'
/// sizes (ordered), every third one optional, with `bools` booleans, and rules over
/// them for decisions of `outcomes` outcomes under each hit policy. Tables wider
/// than the random schema's: as many interval and enumeration columns as a kernel
/// unrolls and more, enumerations on both sides of its inline size, priority
/// decisions on both sides of its inline rank count.
pub fn wide_program() -> impl Strategy<Value = String> {
    (
        0usize..10,
        prop::collection::vec(2usize..12, 0..10),
        0usize..4,
        1usize..12,
    )
        .prop_flat_map(|(ints, enums, bools, outcomes)| {
            let mut atoms: Vec<BoxedStrategy<String>> = Vec::new();
            for i in 0..ints {
                atoms.push(
                    (
                        prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]),
                        0i64..10,
                    )
                        .prop_map(move |(op, c)| format!("x{i} {op} {c}"))
                        .boxed(),
                );
            }
            for (j, n) in enums.iter().copied().enumerate() {
                atoms.push(
                    (0..n, 0..n, 0usize..3)
                        .prop_map(move |(a, b, form)| match form {
                            0 => format!("e{j} == v{a}"),
                            1 => format!("e{j} > v{a}"),
                            _ => format!("e{j} in [v{a}, v{b}]"),
                        })
                        .boxed(),
                );
                if j % 3 == 0 {
                    atoms.push(Just(format!("present(e{j})")).boxed());
                }
            }
            for k in 0..bools {
                atoms.push(Just(format!("b{k}")).boxed());
            }
            if atoms.is_empty() {
                atoms.push(Just("true".to_string()).boxed());
            }
            let atom = prop::strategy::Union::new(atoms);
            let condition = prop::collection::vec(prop::collection::vec(atom, 1..6), 1..3)
                .prop_map(|alts| {
                    alts.iter()
                        .map(|a| format!("({})", a.join(" and ")))
                        .collect::<Vec<_>>()
                        .join(" or ")
                });
            let mut head = String::new();
            for i in 0..ints {
                let opt = if i % 3 == 0 { "optional " } else { "" };
                head += &format!("fact x{i}: {opt}int \"an integer\"\n");
            }
            for (j, n) in enums.iter().enumerate() {
                let variants: Vec<String> = (0..*n).map(|v| format!("v{v}")).collect();
                let opt = if j % 3 == 0 { "optional " } else { "" };
                head += &format!(
                    "type t{j} = {}\nfact e{j}: {opt}t{j} \"an enumeration\"\n",
                    variants.join(" < ")
                );
            }
            for k in 0..bools {
                let opt = if k % 2 == 0 { "optional " } else { "" };
                head += &format!("fact b{k}: {opt}bool \"a boolean\"\n");
            }
            let outs: Vec<String> = (0..outcomes).map(|o| format!("o{o}")).collect();
            head += &format!(
                "decision d: priority {} \"priority\"\ndecision f: first {} \"first\"\ndecision c: collect {} \"collect\"\n",
                outs.join(" < "),
                outs.join(" | "),
                outs.join(" | ")
            );
            prop::collection::vec(
                (condition, prop::sample::select(vec!["d", "f", "c"]), 0..outcomes),
                1..10,
            )
            .prop_map(move |rules| {
                let mut text = head.clone();
                for (i, (cond, dec, o)) in rules.into_iter().enumerate() {
                    text += &format!("rule r{i}\n  when {cond}\n  then {dec} = o{o} \"rule {i}\"\n");
                }
                text
            })
        })
}
