//! Benchmarks: `cargo bench`. Results and the machine are in the README.
//!
//! - `bound/*`: one decision of the bundled policy, facts already bound;
//! - `floor/*`: a hand-written Rust function for the launch decision of a 12-row
//!   conditional-launch policy, against the tables on the same policy;
//! - `json/*`: JSON text → all decisions;
//! - `compile/*`, `parse/*`: building policies;
//! - `scale/*`: generated policies of 10 to 10,000 rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benches fail loudly

use apprules::{Policy, PolicyBuilder, Version};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use std::time::Duration;

mod common {
    pub mod distinct;
}

fn base_facts() -> Value {
    json!({
        "device": {"os_version": "17.4.1", "model": "iPhone15,2", "jailbroken": false, "mdm_enrolled": true,
                   "passcode_set": true, "company_portal": true, "biometrics": "face_id", "threat_level": "low",
                   "open_in_managed_to_unmanaged": false, "browsers": ["edge"]},
        "app": {"version": "4.2405.0", "sdk_version": "19.1.0", "multi_identity": true, "notification_restriction_supported": true},
        "session": {"account": "org", "minutes_inactive": 45, "minutes_offline": 10, "failed_pin_attempts": 1, "days_since_pin_change": 12}
    })
}

fn requests() -> Vec<(&'static str, Value)> {
    vec![
        (
            "send",
            json!({"kind": "send", "channel": "open_in", "target": {"scheme": "mailto", "policy_managed": false, "mdm_managed": true}}),
        ),
        (
            "receive",
            json!({"kind": "receive", "source": {"policy_managed": false}, "has_identity": false}),
        ),
        (
            "copy",
            json!({"kind": "copy", "target": {"policy_managed": false}, "chars": 40}),
        ),
        (
            "paste",
            json!({"kind": "paste", "source": {"policy_managed": false}}),
        ),
        ("save_as", json!({"kind": "save_as", "service": "box"})),
        ("backup", json!({"kind": "backup"})),
        ("print", json!({"kind": "print"})),
        ("sync_contacts", json!({"kind": "sync_contacts"})),
        ("keyboard", json!({"kind": "keyboard", "third_party": true})),
        ("spotlight_index", json!({"kind": "spotlight_index"})),
        ("notify", json!({"kind": "notify"})),
        (
            "open_url",
            json!({"kind": "open_url", "url": "https://contoso.sharepoint.com/sites/a"}),
        ),
        ("set_pin", json!({"kind": "set_pin", "pin": "1235"})),
    ]
}

/// A stricter policy so that request rules have work to do.
fn strict() -> Value {
    json!({
        "data_transfer.send_org_data": "policy_managed_apps_with_os_sharing",
        "data_transfer.receive_org_data": "all_apps_with_incoming_org_data",
        "data_transfer.clipboard": "policy_managed_with_paste_in",
        "data_transfer.clipboard_char_limit": 20,
        "data_transfer.save_copies": "block",
        "data_transfer.save_copies_services": ["sharepoint"],
        "data_transfer.backup_org_data": "block",
        "data_transfer.third_party_keyboards": "block",
        "data_transfer.org_data_notifications": "block_org_data",
        "functionality.web_content_transfer": "microsoft_edge",
        "access.simple_pin": "block"
    })
}

/// The 12-row conditional-launch policy the floor implements by hand (shared with
/// `examples/hot.rs`; `apprules table --settings examples/launch12.settings.json`).
fn launch12() -> Value {
    serde_json::from_str(include_str!("../examples/launch12.settings.json")).unwrap()
}

/// The launch decision of `launch12`, written by hand: the floor.
struct Device {
    os: Version,
    app: Version,
    sdk: Version,
    failed_pins: i64,
    offline: i64,
    jailbroken: bool,
    threat: Option<u8>,
}

#[inline(never)]
fn handwritten_launch(d: &Device, v: &[Version; 8]) -> u8 {
    // allow 0 < warn 1 < reset_pin 2 < block 3 < wipe 4
    let mut o = 0u8;
    if d.sdk >= v[5] {
        if d.os < v[0] {
            o = o.max(1);
        }
        if d.os < v[1] {
            o = o.max(3);
        }
        if d.os < v[2] {
            o = o.max(4);
        }
        if d.app < v[3] {
            o = o.max(1);
        }
        if d.app < v[4] {
            o = o.max(3);
        }
    }
    if d.sdk < v[6] {
        o = o.max(3);
    }
    if d.failed_pins >= 5 {
        o = o.max(2);
    }
    if d.failed_pins >= 10 {
        o = o.max(4);
    }
    if d.offline > 720 {
        o = o.max(3);
    }
    if d.offline > 129_600 {
        o = o.max(4);
    }
    if d.jailbroken {
        o = o.max(3);
    }
    if d.sdk >= v[7] && d.threat.is_none_or(|t| t > 2) {
        o = o.max(3);
    }
    o
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

fn bound(c: &mut Criterion) {
    let policy = Policy::bundled().unwrap();
    let strict = PolicyBuilder::new()
        .bundled()
        .settings_json(strict())
        .build()
        .unwrap();
    let facts = policy.bind(&base_facts()).unwrap();
    let launch = policy.decision_index("launch").unwrap();
    let access = policy.decision_index("access").unwrap();
    let mut g = c.benchmark_group("bound");
    g.bench_function("launch/outcome", |b| {
        b.iter(|| policy.outcome(launch, black_box(&facts)).unwrap())
    });
    g.bench_function("launch/with_reasons", |b| {
        b.iter(|| policy.evaluate_one(launch, black_box(&facts)).unwrap())
    });
    g.bench_function("access/outcome", |b| {
        b.iter(|| policy.outcome(access, black_box(&facts)).unwrap())
    });
    g.bench_function("access/with_reasons", |b| {
        b.iter(|| policy.evaluate_one(access, black_box(&facts)).unwrap())
    });
    let request = strict.decision_index("request").unwrap();
    for (kind, req) in requests() {
        let mut f = base_facts();
        f["request"] = req;
        let bound = strict.bind(&f).unwrap();
        g.bench_function(format!("request/{kind}"), |b| {
            b.iter(|| strict.evaluate_one(request, black_box(&bound)).unwrap())
        });
    }
    g.bench_function("all_decisions", |b| {
        b.iter(|| policy.evaluate_bound(black_box(&facts)).unwrap())
    });
    g.finish();
    // The same launch decision with each engine forced: what each costs.
    let mut g = c.benchmark_group("engine");
    for engine in apprules::eval::engines::Engine::ALL {
        let p = policy.with_engine(engine);
        g.bench_function(format!("launch/outcome/{engine:?}"), |b| {
            b.iter(|| p.outcome(launch, black_box(&facts)).unwrap())
        });
        g.bench_function(format!("all_decisions/{engine:?}"), |b| {
            b.iter(|| p.evaluate_bound(black_box(&facts)).unwrap())
        });
    }
    g.finish();
}

fn floor(c: &mut Criterion) {
    let policy = PolicyBuilder::new()
        .bundled()
        .settings_json(launch12())
        .build()
        .unwrap();
    let launch = policy.decision_index("launch").unwrap();
    let facts = policy.bind(&base_facts()).unwrap();
    let d = Device {
        os: Version::parse("17.4.1").unwrap(),
        app: Version::parse("4.2405.0").unwrap(),
        sdk: Version::parse("19.1.0").unwrap(),
        failed_pins: 1,
        offline: 10,
        jailbroken: false,
        threat: Some(1),
    };
    let v = [
        "16.0", "15.0", "14.0", "4.0", "3.0", "7.0.1", "17.0", "12.0.15",
    ]
    .map(|s| Version::parse(s).unwrap());
    assert_eq!(
        policy.outcome_name(
            launch,
            match policy.outcome(launch, &facts).unwrap() {
                apprules::eval::tables::Outcome::One(i) => i,
                _ => 0,
            }
        ),
        Some(["allow", "warn", "reset_pin", "block", "wipe"][handwritten_launch(&d, &v) as usize])
    );
    let mut g = c.benchmark_group("floor");
    g.bench_function("handwritten_launch_12_rows", |b| {
        b.iter(|| handwritten_launch(black_box(&d), black_box(&v)))
    });
    g.bench_function("tables_launch_12_rows", |b| {
        b.iter(|| policy.outcome(launch, black_box(&facts)).unwrap())
    });
    g.finish();
}

fn json(c: &mut Criterion) {
    let policy = Policy::bundled().unwrap();
    let mut f = base_facts();
    f["request"] = requests()[0].1.clone();
    let text = f.to_string();
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Elements(1));
    g.bench_function("bind_only", |b| {
        b.iter(|| policy.bind_str(black_box(&text)).unwrap())
    });
    g.bench_function("text_to_all_decisions", |b| {
        b.iter(|| policy.evaluate_str(black_box(&text)).unwrap())
    });
    g.bench_function("text_to_all_decisions_json_out", |b| {
        b.iter(|| serde_json::to_string(&policy.evaluate_str(black_box(&text)).unwrap()).unwrap())
    });
    let mut out = Vec::with_capacity(4096);
    g.bench_function("text_to_json_text_direct", |b| {
        b.iter(|| {
            out.clear();
            policy
                .evaluate_str_into(black_box(&text), &mut out)
                .unwrap();
            out.len()
        })
    });
    g.finish();
}

/// `use intune` plus `n` generated rules: per-app minimum versions and device-model
/// lists for app families.
fn generated(n: usize) -> String {
    let mut s = String::from(
        "use intune\nfact app.bundle_id: optional string ignoring case \"bundle id\"\n",
    );
    for i in 0..n {
        if i % 10 == 9 {
            let models: Vec<String> = (0..20)
                .map(|m| format!("\"iPhone{},{}\"", 10 + m, i % 7))
                .collect();
            s.push_str(&format!(
                "rule models_{i}\n  when app.bundle_id == \"com.example.family{i}\" and device.model not in [{}]\n  then launch = block \"model not allowed for family {i}\"\n",
                models.join(", ")
            ));
        } else {
            s.push_str(&format!(
                "rule app_{i}\n  when app.bundle_id == \"com.example.app{i}\" and app.version < {}.{}\n  then launch = block \"app {i} is too old\"\n",
                1 + i % 9,
                i % 50
            ));
        }
    }
    s
}

fn scale(c: &mut Criterion) {
    let mut f = base_facts();
    f["app"]["bundle_id"] = json!("com.example.app4");
    let mut g = c.benchmark_group("scale");
    for n in [10usize, 100, 1_000, 10_000] {
        let text = generated(n);
        let policy = PolicyBuilder::new()
            .source("gen.rules", &text)
            .build()
            .unwrap();
        let facts = policy.bind(&f).unwrap();
        let launch = policy.decision_index("launch").unwrap();
        g.bench_with_input(BenchmarkId::new("eval_launch", n), &n, |b, _| {
            b.iter(|| policy.outcome(launch, black_box(&facts)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("eval_all", n), &n, |b, _| {
            b.iter(|| policy.evaluate_bound(black_box(&facts)).unwrap())
        });
        let builder = PolicyBuilder::new().source("gen.rules", &text);
        let (program, _) = builder.check().unwrap();
        g.bench_with_input(BenchmarkId::new("compile", n), &n, |b, _| {
            b.iter(|| {
                let values = apprules::settings::resolve(&program, None).unwrap();
                apprules::compile::compile(program.clone(), values).unwrap()
            })
        });
        g.bench_with_input(BenchmarkId::new("parse_check_compile", n), &n, |b, _| {
            b.iter(|| {
                PolicyBuilder::new()
                    .source("gen.rules", black_box(&text))
                    .build()
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.bench_function("bundled_policy", |b| b.iter(|| Policy::bundled().unwrap()));
    // Large legal inputs compile in near-linear time (issue 10: these were quadratic).
    let models: Vec<String> = (0..1_000_000).map(|i| format!("iPhone{i},1")).collect();
    let models = serde_json::json!({"conditional_launch.device_models": {"models": models, "action": "block"}});
    let exempt: Vec<String> = (0..100_000).map(|i| format!("app{i}")).collect();
    let exempt = serde_json::json!({"data_transfer.exempt_apps": exempt, "data_transfer.send_org_data": "policy_managed_apps"});
    g.sample_size(10);
    for (name, settings) in [("1m_device_models", models), ("100k_exempt_apps", exempt)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                PolicyBuilder::new()
                    .bundled()
                    .settings_json(settings.clone())
                    .build()
                    .unwrap()
            })
        });
    }
    let variants: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    let big_enum = format!(
        "fact k: {}\ndecision d: priority allow < block\nrule r when k > v5 then d = block\n",
        variants.join(" < ")
    );
    g.bench_function("100k_value_enum", |b| {
        b.iter(|| {
            PolicyBuilder::new()
                .source("enum.rules", &big_enum)
                .build()
                .unwrap()
        })
    });
    g.finish();
    let text = generated(10_000);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("large_file", |b| {
        b.iter(|| apprules::syntax::parse(apprules::source::FileId(0), black_box(&text)).unwrap())
    });
    g.finish();
}

/// A fleet of distinct records for the 12-row launch policy: what users run (the
/// branch predictor cannot learn one record). A small deterministic generator.
struct Fleet {
    devices: Vec<Device>,
    texts: Vec<String>,
}

fn distinct_fleet(n: usize) -> Fleet {
    let (mut devices, mut texts) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for r in common::distinct::records(n) {
        let mut f = base_facts();
        r.apply(&mut f);
        texts.push(f.to_string());
        devices.push(Device {
            os: Version::parse(&r.os).unwrap(),
            app: Version::parse(&r.app).unwrap(),
            sdk: Version::parse(&r.sdk).unwrap(),
            failed_pins: r.failed,
            offline: r.offline,
            jailbroken: r.jailbroken,
            threat: r.threat.map(|t| t as u8),
        });
    }
    Fleet { devices, texts }
}

/// The hand-written serde path: JSON text into a struct of the facts the launch
/// decision reads, then the hand-written launch.
fn serde_launch(text: &str, v: &[Version; 8]) -> u8 {
    let f: common::distinct::LaunchFacts = serde_json::from_str(text).unwrap();
    let threat = f.device.threat_level.as_deref().map(|t| match t {
        "secured" => 0,
        "low" => 1,
        "medium" => 2,
        _ => 3,
    });
    let d = Device {
        os: Version::parse(&f.device.os_version).unwrap(),
        app: Version::parse(&f.app.version).unwrap(),
        sdk: Version::parse(&f.app.sdk_version).unwrap(),
        failed_pins: f.session.failed_pin_attempts,
        offline: f.session.minutes_offline,
        jailbroken: f.device.jailbroken,
        threat,
    };
    handwritten_launch(&d, v)
}

/// The floor and the tables on 50,000 distinct records, cycling (issue 15); and on
/// 1,000 (`distinct_1k/`: the records stay in the caches, so what remains is the
/// work per record, branches on distinct values included, without the memory).
fn distinct(c: &mut Criterion) {
    distinct_on(c, "distinct", 50_000);
    distinct_on(c, "distinct_1k", 1_000);
}

fn distinct_on(c: &mut Criterion, group: &str, n: usize) {
    let policy = PolicyBuilder::new()
        .bundled()
        .settings_json(launch12())
        .build()
        .unwrap();
    let launch = policy.decision_index("launch").unwrap();
    let only_launch = policy.only_decisions(&["launch".to_string()]).unwrap();
    let fleet = distinct_fleet(n);
    let facts: Vec<_> = fleet
        .texts
        .iter()
        .map(|t| policy.bind_str(t).unwrap())
        .collect();
    let v = [
        "16.0", "15.0", "14.0", "4.0", "3.0", "7.0.1", "17.0", "12.0.15",
    ]
    .map(|s| Version::parse(s).unwrap());
    let names = ["allow", "warn", "reset_pin", "block", "wipe"];
    // The floor is right on every record.
    for (d, f) in fleet.devices.iter().zip(&facts) {
        let got = match policy.outcome(launch, f).unwrap() {
            apprules::Outcome::One(i) => policy.outcome_name(launch, i),
            _ => None,
        };
        assert_eq!(got, Some(names[handwritten_launch(d, &v) as usize]));
    }
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("handwritten_launch_12_rows", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            handwritten_launch(black_box(&fleet.devices[i]), &v)
        })
    });
    g.bench_function("tables_launch_12_rows", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            policy.outcome(launch, black_box(&facts[i])).unwrap()
        })
    });
    // The like-for-like row: the outcome's index, as the hand-written code returns
    // its own (the row above hands criterion's `black_box` the whole 40-byte
    // `Result<Outcome, EvalError>`, which it copies through the stack).
    g.bench_function("tables_launch_12_rows_index", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            match policy.outcome(launch, black_box(&facts[i])) {
                Ok(apprules::Outcome::One(r)) => r,
                _ => u16::MAX,
            }
        })
    });
    g.bench_function("handwritten_serde_text_to_launch", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            serde_launch(black_box(&fleet.texts[i]), &v)
        })
    });
    let mut out = Vec::with_capacity(4096);
    for (name, p) in [
        ("text_to_launch_json", &only_launch),
        ("text_to_all_decisions_json", &policy),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % n;
                out.clear();
                p.evaluate_str_into(black_box(&fleet.texts[i]), &mut out)
                    .unwrap();
                out.len()
            })
        });
    }
    g.bench_function("parse_only_serde_value", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            serde_json::from_str::<serde_json::Value>(black_box(&fleet.texts[i])).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bound, floor, distinct, json, build, scale, diff, lsp
}
criterion_main!(benches);

const ACTIONS: [&str; 3] = ["warn", "block", "wipe"];

/// Distinct device records, as JSON lines.
fn fleet(n: usize) -> String {
    let os = ["15.8.2", "16.7.8", "17.4.1", "17.5", "18.0.1"];
    let mut s = String::new();
    for i in 0..n {
        let mut f = base_facts();
        f["device"]["os_version"] = serde_json::json!(os[i % os.len()]);
        f["session"]["failed_pin_attempts"] = serde_json::json!(i % 7);
        f["session"]["minutes_offline"] = serde_json::json!((i * 37) % 2000);
        f["device"]["jailbroken"] = serde_json::json!(i % 50 == 0);
        s.push_str(&f.to_string());
        s.push('\n');
    }
    s
}

/// `apprules diff`: the bundled defaults against the shipped level-2 export; a policy
/// with 1,000 device models and 20 OS entries against the defaults; and fleet impact
/// on 50,000 records beside one policy's batch evaluation of the same records.
fn diff(c: &mut Criterion) {
    let bundled = Policy::bundled().unwrap();
    let export: Value = serde_json::from_str(include_str!(
        "../tests/data/graph/level-2-enterprise-enhanced-data-protection-iOS.json"
    ))
    .unwrap();
    let imported = apprules::graph::import(&export).unwrap();
    let level2 = bundled.with_settings(&imported.settings_json()).unwrap();
    let big = bundled
        .with_settings(&serde_json::json!({
            "conditional_launch.device_models": {"models": (0..1000).map(|i| format!("iPhone{},{}", i / 10, i % 10)).collect::<Vec<_>>(), "action": "block"},
            "conditional_launch.min_os_version": (0..20).map(|i| serde_json::json!({"version": format!("{}.{}", 10 + i / 4, i % 4), "action": ACTIONS[i % 3]})).collect::<Vec<_>>(),
        }))
        .unwrap();
    let opts = apprules::analysis::Options::default();
    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    g.bench_function("defaults_vs_level2", |b| {
        b.iter(|| apprules::analysis::diff(&bundled, &level2, &opts).unwrap())
    });
    g.bench_function("1000_models_20_os_entries", |b| {
        b.iter(|| apprules::analysis::diff(&bundled, &big, &opts).unwrap())
    });
    // The same fleet for both figures (records without `account_disabled`: compared
    // against a settings change the fleet can answer).
    let mild = bundled
        .with_settings(&serde_json::json!({"conditional_launch.min_os_version": [{"version": "16.0", "action": "block"}]}))
        .unwrap();
    let fleet = fleet(50_000);
    g.throughput(Throughput::Elements(50_000));
    g.bench_function("fleet_impact_50k", |b| {
        b.iter(|| {
            apprules::analysis::fleet::impact(
                &bundled,
                &mild,
                fleet.as_bytes(),
                false,
                None,
                &|_| {},
            )
            .unwrap()
        })
    });
    g.bench_function("batch_eval_50k", |b| {
        use rayon::prelude::*;
        let lines: Vec<&str> = fleet.lines().collect();
        b.iter(|| {
            lines
                .par_iter()
                .map_init(
                    || (mild.for_thread(), Vec::new()),
                    |(p, out), l| {
                        out.clear();
                        p.evaluate_str_into(l, out).map(|_| out.len()).unwrap_or(0)
                    },
                )
                .sum::<usize>()
        })
    });
    g.finish();
}

/// `apprules lsp`: one keystroke in a 1,000-line document (the bundled policy with it):
/// the change message in, its diagnostics out.
fn lsp(c: &mut Criterion) {
    let rules = String::from("use intune\n")
        + &(0..250)
            .map(|i| format!("setting custom.s{i}: int >= 0 = {i} \"s\"\nrule r{i} about custom.s{i}\n  when session.minutes_offline > custom.s{i}\n  then launch = block \"x\"\n"))
            .collect::<String>();
    let msg = serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": "file:///tmp/bench.rules", "version": 2},
        "contentChanges": [{"text": rules}]}})
    .to_string();
    let framed = format!("Content-Length: {}\r\n\r\n{msg}", msg.len());
    let mut g = c.benchmark_group("lsp");
    g.sample_size(20);
    g.bench_function("keystroke_1000_lines", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            apprules::lsp::serve(framed.as_bytes(), &mut out).unwrap();
            out.len()
        })
    });
    // What an editor asks after each keystroke: the change, then semantic tokens.
    let tokens =
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "textDocument/semanticTokens/full",
        "params": {"textDocument": {"uri": "file:///tmp/bench.rules"}}})
        .to_string();
    let framed = format!("{framed}Content-Length: {}\r\n\r\n{tokens}", tokens.len());
    g.bench_function("keystroke_and_tokens_1000_lines", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            apprules::lsp::serve(framed.as_bytes(), &mut out).unwrap();
            out.len()
        })
    });
    g.finish();
}
