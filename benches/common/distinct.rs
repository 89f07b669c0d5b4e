//! Distinct device records for the 12-row launch policy, shared by the `distinct/`
//! benchmarks and `examples/hot.rs`: what users run, so the branch predictor
//! and the caches cannot learn one record. A small deterministic generator (xorshift),
//! so every run sees the same records.

/// The threat levels a record may hold.
pub const THREATS: [&str; 4] = ["secured", "low", "medium", "high"];

/// What varies from record to record.
pub struct Record {
    pub os: String,
    pub app: String,
    pub sdk: String,
    pub failed: i64,
    pub offline: i64,
    pub jailbroken: bool,
    /// An index into [`THREATS`]; `None` (a third of the records): no threat level.
    pub threat: Option<usize>,
}

impl Record {
    /// Writes the record's values into a facts document (`threat_level` removed when
    /// the record has none).
    pub fn apply(&self, f: &mut serde_json::Value) {
        f["device"]["os_version"] = self.os.clone().into();
        f["app"]["version"] = self.app.clone().into();
        f["app"]["sdk_version"] = self.sdk.clone().into();
        f["session"]["failed_pin_attempts"] = self.failed.into();
        f["session"]["minutes_offline"] = self.offline.into();
        f["device"]["jailbroken"] = self.jailbroken.into();
        match self.threat {
            Some(t) => f["device"]["threat_level"] = THREATS[t].into(),
            None => {
                if let Some(d) = f["device"].as_object_mut() {
                    d.remove("threat_level");
                }
            }
        }
    }
}

/// `n` records.
pub fn records(n: usize) -> Vec<Record> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    (0..n)
        .map(|_| Record {
            os: format!("{}.{}.{}", 12 + next(7), next(8), next(3)),
            app: format!("{}.{}", 2 + next(4), next(3000)),
            sdk: format!("{}.{}.{}", 6 + next(15), next(10), next(20)),
            failed: next(13) as i64,
            offline: match next(4) {
                0 => next(720) as i64,
                1 => next(2000) as i64,
                2 => next(200_000) as i64,
                _ => 0,
            },
            jailbroken: next(20) == 0,
            threat: match next(6) {
                0 | 1 => None,
                k => Some(k as usize - 2),
            },
        })
        .collect()
}

/// The facts the 12-row launch decision reads, for a hand-written serde path (JSON
/// text into this struct, then hand-written rows): the `distinct/` benchmarks'
/// baseline and `examples/text_distinct.rs`'s `serde` mode.
#[allow(dead_code)]
#[derive(serde::Deserialize)]
pub struct LaunchFacts {
    pub device: LaunchDevice,
    pub app: LaunchApp,
    pub session: LaunchSession,
}
#[allow(dead_code)]
#[derive(serde::Deserialize)]
pub struct LaunchDevice {
    pub os_version: String,
    pub jailbroken: bool,
    pub threat_level: Option<String>,
}
#[allow(dead_code)]
#[derive(serde::Deserialize)]
pub struct LaunchApp {
    pub version: String,
    pub sdk_version: String,
}
#[allow(dead_code)]
#[derive(serde::Deserialize)]
pub struct LaunchSession {
    pub minutes_offline: i64,
    pub failed_pin_attempts: i64,
}
