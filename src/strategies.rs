//! proptest strategies for facts and setting values of a compiled policy.
//!
//! Facts are generated from the declared schema. Values are biased towards the
//! constants the policy compares against (versions, integers, strings of its
//! settings), so that boundaries — `>` against `≥`, equal versions — are hit often.
//! Generated facts shrink towards simple values; a failing case is printed as JSON.

use crate::check::ir::Program;
use crate::value::{Type, Value, Version};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde_json::{json, Value as J};
use std::collections::BTreeSet;

/// Constants of the policy and its settings, to bias generated values towards.
#[derive(Default)]
struct Constants {
    ints: BTreeSet<i64>,
    versions: BTreeSet<Version>,
    strings: BTreeSet<String>,
}

fn collect_value(v: &Value, c: &mut Constants) {
    match v {
        Value::Int(i) => {
            for d in [-1, 0, 1] {
                if let Some(x) = i.checked_add(d) {
                    c.ints.insert(x);
                }
            }
            if let Some(x) = i.checked_mul(1440) {
                for d in [0, 1] {
                    c.ints.insert(x + d);
                }
            }
        }
        Value::Version(v) => {
            c.versions.insert(*v);
        }
        Value::Str(s) => {
            c.strings.insert(s.to_string());
        }
        Value::List(items) => items.iter().for_each(|i| collect_value(i, c)),
        Value::Record(fields) => fields.iter().for_each(|(_, v)| collect_value(v, c)),
        _ => {}
    }
}

fn constants(program: &Program, settings: &[Value]) -> Constants {
    let mut c = Constants::default();
    for v in settings {
        collect_value(v, &mut c);
    }
    for s in program.settings.values() {
        if let Some(g) = &s.gate {
            g.condition.walk(&mut |e| {
                if let crate::check::ir::TExpr::Const(v) = e {
                    collect_value(v, &mut c);
                }
            });
        }
    }
    for r in &program.rules {
        r.when.walk(&mut |e| {
            if let crate::check::ir::TExpr::Const(v) = e {
                collect_value(v, &mut c);
            }
        });
    }
    c
}

/// A strategy for one value of a type (as JSON).
fn value_strategy(t: &Type, c: &Constants) -> BoxedStrategy<J> {
    match t {
        Type::Bool => any::<bool>().prop_map(J::Bool).boxed(),
        Type::Int { min } => {
            let lo = min.unwrap_or(0);
            let mut picks: Vec<i64> = c.ints.iter().copied().filter(|i| *i >= lo).collect();
            picks.push(lo);
            prop_oneof![
                3 => proptest::sample::select(picks),
                1 => lo..lo.saturating_add(200_000),
                // Sums of these overflow: every evaluator must then fail closed alike.
                1 => (i64::MAX - 2).max(lo)..=i64::MAX,
            ]
            .prop_map(|i| json!(i))
            .boxed()
        }
        Type::Version => {
            let mut picks: Vec<String> = Vec::new();
            for v in &c.versions {
                let [a, b, x, y] = v.components();
                picks.push(v.to_string());
                picks.push(format!("{a}.{b}.{x}.{y}"));
                if y > 0 {
                    picks.push(format!("{a}.{b}.{x}.{}", y - 1));
                } else if x > 0 {
                    picks.push(format!("{a}.{b}.{}", x - 1));
                } else if b > 0 {
                    picks.push(format!("{a}.{}", b - 1));
                } else if a > 0 {
                    picks.push(format!("{}.99", a - 1));
                }
                picks.push(format!("{a}.{}", b + 1));
            }
            picks.push("1.0".into());
            // Versions the kernels' keys cannot hold (a component of 2^16 or more), and
            // the largest they can: the plan decides the first, the kernel the second.
            let wide = proptest::sample::select(vec![
                "1.65536",
                "65536.0",
                "2.0.70000",
                "65535.65535.65535.65535",
                "65535.65535.65535.65533",
                "4294967295.4294967295.4294967295.4294967295",
            ])
            .prop_map(String::from);
            let random = (0u32..30, 0u32..20, proptest::option::of(0u32..20)).prop_map(
                |(a, b, c)| match c {
                    Some(c) => format!("{a}.{b}.{c}"),
                    None => format!("{a}.{b}"),
                },
            );
            prop_oneof![3 => proptest::sample::select(picks), 1 => random, 1 => wide]
                .prop_map(J::String)
                .boxed()
        }
        Type::Str { .. } => {
            let mut picks: Vec<String> = c.strings.iter().cloned().collect();
            for extra in [
                "",
                "x",
                "https://www.microsoft.com/a",
                "http://example.com",
                "mailto:a@b",
                "1235",
                "1122",
                "a1!b",
            ] {
                picks.push(extra.into());
            }
            let upper: Vec<String> = picks.iter().map(|s| s.to_ascii_uppercase()).collect();
            picks.extend(upper);
            prop_oneof![4 => proptest::sample::select(picks), 1 => "[a-z0-9:/.!-]{0,12}"]
                .prop_map(J::String)
                .boxed()
        }
        Type::Enum(e) => proptest::sample::select(e.variants.clone())
            .prop_map(J::String)
            .boxed(),
        Type::List(inner) => match &**inner {
            Type::Enum(e) => {
                proptest::sample::subsequence(e.variants.clone(), 0..=e.variants.len())
                    .prop_map(|v| J::Array(v.into_iter().map(J::String).collect()))
                    .boxed()
            }
            other => proptest::collection::vec(value_strategy(other, c), 0..4)
                .prop_map(J::Array)
                .boxed(),
        },
        Type::Optional(inner) => proptest::option::weighted(0.75, value_strategy(inner, c))
            .prop_map(|o| o.unwrap_or(J::Null))
            .boxed(),
        _ => Just(J::Null).boxed(),
    }
}

/// Facts for a program's schema, as JSON; facts present in `base` are kept as given.
pub fn facts_strategy(program: &Program, settings: &[Value], base: Option<&J>) -> BoxedStrategy<J> {
    let c = constants(program, settings);
    let mut parts: Vec<BoxedStrategy<(String, J)>> = Vec::new();
    for (name, f) in &program.facts {
        let fixed = base.and_then(|b| lookup(b, name)).cloned();
        let ty = if f.optional {
            Type::Optional(Box::new(f.ty.clone()))
        } else {
            f.ty.clone()
        };
        let name = name.clone();
        let s = match fixed {
            Some(v) => Just(v).boxed(),
            None => value_strategy(&ty, &c),
        };
        parts.push(s.prop_map(move |v| (name.clone(), v)).boxed());
    }
    let groups: Vec<String> = program.groups.keys().cloned().collect();
    // Groups are present three times out of four: rules about them are the interesting ones.
    let group_present = proptest::collection::vec(proptest::bool::weighted(0.75), groups.len());
    (parts, group_present)
        .prop_map(move |(pairs, present)| {
            let mut root = J::Object(Default::default());
            for (name, v) in pairs {
                let absent_group = groups
                    .iter()
                    .zip(&present)
                    .any(|(g, p)| !p && name.starts_with(&format!("{g}.")));
                if absent_group || v.is_null() {
                    continue;
                }
                insert(&mut root, &name, v);
            }
            root
        })
        .boxed()
}

fn lookup<'a>(j: &'a J, name: &str) -> Option<&'a J> {
    name.split('.').try_fold(j, |cur, seg| cur.get(seg))
}

/// Sets a dotted fact name in a facts object.
pub(crate) fn insert(root: &mut J, name: &str, v: J) {
    let segs: Vec<&str> = name.split('.').collect();
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        let J::Object(map) = cur else { return };
        if i + 1 == segs.len() {
            map.insert(seg.to_string(), v);
            return;
        }
        cur = map
            .entry(seg.to_string())
            .or_insert_with(|| J::Object(Default::default()));
    }
}

/// Values of one fact (JSON), biased like [`facts_strategy`]; `null` when optional.
pub fn fact_strategy(program: &Program, settings: &[Value], fact: usize) -> BoxedStrategy<J> {
    let c = constants(program, settings);
    match program.facts.get_index(fact) {
        Some((_, f)) if f.optional => value_strategy(&Type::Optional(Box::new(f.ty.clone())), &c),
        Some((_, f)) => value_strategy(&f.ty, &c),
        None => Just(J::Null).boxed(),
    }
}

/// Setting values for a program, as the JSON object of `--settings`.
#[cfg_attr(not(feature = "proptest"), allow(dead_code))]
pub fn settings_strategy(program: &Program) -> BoxedStrategy<J> {
    let c = constants(program, &[]);
    let parts: Vec<BoxedStrategy<(String, J)>> = program
        .settings
        .iter()
        .map(|(name, s)| {
            let name = name.clone();
            let default = s.default.to_json();
            prop_oneof![1 => Just(default), 1 => value_strategy(&s.ty, &c)]
                .prop_map(move |v| (name.clone(), v))
                .boxed()
        })
        .collect();
    parts
        .prop_map(|pairs| J::Object(pairs.into_iter().collect()))
        .boxed()
}
