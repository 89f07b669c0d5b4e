//! Fleet impact: both policies on every record of a JSON-lines fleet, on every core;
//! per decision, how many records change and how.

use crate::Policy;
use rayon::prelude::*;
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::io::BufRead;

/// One kind of change of one decision.
#[derive(Clone, Debug, Default)]
pub struct Transition {
    /// Records with this change.
    pub count: usize,
    /// The first few line numbers (1-based).
    pub lines: Vec<usize>,
}

/// The impact of a policy change on a fleet.
#[derive(Clone, Debug, Default)]
pub struct Impact {
    /// Records read (blank lines skipped).
    pub records: usize,
    /// Records whose decisions differ in any way compared.
    pub changed: usize,
    /// Per decision, per "old → new": the records.
    pub transitions: BTreeMap<String, BTreeMap<String, Transition>>,
    /// Records only the old policy refuses (line, error).
    pub fail_old: Vec<(usize, String)>,
    /// Records only the new policy refuses.
    pub fail_new: Vec<(usize, String)>,
    /// Records both refuse.
    pub fail_both: usize,
}

/// How many line numbers are kept per transition.
const KEPT: usize = 5;

/// One record's change: per decision (name, old summary, new summary).
type Change = Vec<(String, String, String)>;

enum Outcome {
    Same,
    Changed(Change, Option<(String, String)>),
    FailOld(String),
    FailNew(String),
    FailBoth,
}

/// Evaluates both policies on each line of `input`; `changed` gets each changed
/// record's line number and both decisions (`--changed`); `progress` the bytes read.
pub fn impact(
    old: &Policy,
    new: &Policy,
    mut input: impl BufRead,
    reasons: bool,
    mut changed: Option<&mut dyn std::io::Write>,
    progress: &dyn Fn(u64),
) -> std::io::Result<Impact> {
    let mut impact = Impact::default();
    let mut line_no = 0usize;
    let (old, new) = (
        old.allowing_unknown_facts(true),
        new.allowing_unknown_facts(true),
    );
    loop {
        // A block of whole lines.
        let mut lines: Vec<String> = Vec::new();
        let mut bytes = 0u64;
        while bytes < 4 << 20 {
            let mut l = String::new();
            let n = input.read_line(&mut l)?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            lines.push(l);
        }
        if lines.is_empty() {
            break;
        }
        let first = line_no;
        line_no += lines.len();
        let results: Vec<(usize, Outcome)> = lines
            .par_iter()
            .enumerate()
            .map_init(
                || (old.for_thread(), new.for_thread(), Vec::new(), Vec::new()),
                |(o, n, a, b), (k, text)| (first + k + 1, compare(o, n, a, b, text, reasons)),
            )
            .collect();
        for (line, r) in results {
            match r {
                Outcome::Same => impact.records += 1,
                Outcome::Changed(change, both) => {
                    impact.records += 1;
                    impact.changed += 1;
                    for (d, from, to) in change {
                        let t = impact
                            .transitions
                            .entry(d)
                            .or_default()
                            .entry(format!("{from} → {to}"))
                            .or_default();
                        t.count += 1;
                        if t.lines.len() < KEPT {
                            t.lines.push(line);
                        }
                    }
                    if let (Some(w), Some((a, b))) = (changed.as_deref_mut(), both) {
                        writeln!(w, "{{\"line\":{line},\"old\":{a},\"new\":{b}}}")?;
                    }
                }
                Outcome::FailOld(e) => {
                    impact.records += 1;
                    impact.fail_old.push((line, e));
                }
                Outcome::FailNew(e) => {
                    impact.records += 1;
                    impact.fail_new.push((line, e));
                }
                Outcome::FailBoth => {
                    impact.records += 1;
                    impact.fail_both += 1;
                }
            }
        }
        progress(bytes);
    }
    Ok(impact)
}

fn compare(
    old: &Policy,
    new: &Policy,
    a: &mut Vec<u8>,
    b: &mut Vec<u8>,
    text: &str,
    reasons: bool,
) -> Outcome {
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Outcome::Same;
    }
    a.clear();
    b.clear();
    let ra = old.evaluate_str_into(text, a);
    let rb = new.evaluate_str_into(text, b);
    match (ra, rb) {
        (Err(_), Err(_)) => Outcome::FailBoth,
        (Err(e), Ok(())) => Outcome::FailOld(e.to_string()),
        (Ok(()), Err(e)) => Outcome::FailNew(e.to_string()),
        (Ok(()), Ok(())) if a == b => Outcome::Same,
        (Ok(()), Ok(())) => {
            let (Ok(ja), Ok(jb)) = (
                serde_json::from_slice::<J>(a),
                serde_json::from_slice::<J>(b),
            ) else {
                return Outcome::Same;
            };
            let mut change = Vec::new();
            let names: Vec<&String> = match (&ja, &jb) {
                (J::Object(x), J::Object(y)) => {
                    let mut n: Vec<&String> = x.keys().collect();
                    n.extend(y.keys().filter(|k| !x.contains_key(*k)));
                    n
                }
                _ => Vec::new(),
            };
            for d in names {
                let (x, y) = (
                    strip(ja.get(d.as_str()), reasons),
                    strip(jb.get(d.as_str()), reasons),
                );
                if x != y {
                    change.push((d.clone(), super::summary(&x), super::summary(&y)));
                }
            }
            if change.is_empty() {
                Outcome::Same
            } else {
                Outcome::Changed(
                    change,
                    Some((
                        String::from_utf8_lossy(a).into_owned(),
                        String::from_utf8_lossy(b).into_owned(),
                    )),
                )
            }
        }
    }
}

fn strip(j: Option<&J>, reasons: bool) -> J {
    let mut j = j.cloned().unwrap_or(serde_json::json!({"not_taken": true}));
    if !reasons {
        if let J::Object(m) = &mut j {
            m.remove("reasons");
            m.remove("not_enforced");
        }
    }
    j
}

impl Impact {
    /// The impact as text: per decision, each change with its count, share and first
    /// lines; then the records one side refuses.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let pct = |n: usize| 100.0 * n as f64 / self.records.max(1) as f64;
        s.push_str(&format!(
            "{} records, {} changed ({:.1} %)\n",
            group(self.records),
            group(self.changed),
            pct(self.changed)
        ));
        for (d, ts) in &self.transitions {
            let mut ts: Vec<(&String, &Transition)> = ts.iter().collect();
            ts.sort_by(|x, y| y.1.count.cmp(&x.1.count).then(x.0.cmp(y.0)));
            for (label, t) in ts {
                let lines: Vec<String> = t.lines.iter().map(|l| l.to_string()).collect();
                s.push_str(&format!(
                    "{d} {label}: {} ({:.1} %), lines {}{}\n",
                    group(t.count),
                    pct(t.count),
                    lines.join(", "),
                    if t.count > t.lines.len() { ", ..." } else { "" }
                ));
            }
        }
        for (side, fails) in [("old", &self.fail_old), ("new", &self.fail_new)] {
            if !fails.is_empty() {
                s.push_str(&format!(
                    "refused by the {side} policy only: {} record(s), first line {}: {}\n",
                    group(fails.len()),
                    fails[0].0,
                    fails[0].1
                ));
            }
        }
        if self.fail_both > 0 {
            s.push_str(&format!(
                "refused by both: {} record(s)\n",
                group(self.fail_both)
            ));
        }
        s
    }

    /// The impact as JSON.
    pub fn to_json(&self) -> J {
        serde_json::json!({
            "records": self.records,
            "changed": self.changed,
            "transitions": self.transitions.iter().map(|(d, ts)| (d.clone(), ts.iter().map(|(k, t)| (k.clone(), serde_json::json!({"count": t.count, "lines": t.lines}))).collect::<serde_json::Map<_, _>>().into())).collect::<serde_json::Map<_, _>>(),
            "refused_by_old_only": self.fail_old.iter().map(|(l, e)| serde_json::json!({"line": l, "error": e})).collect::<Vec<_>>(),
            "refused_by_new_only": self.fail_new.iter().map(|(l, e)| serde_json::json!({"line": l, "error": e})).collect::<Vec<_>>(),
            "refused_by_both": self.fail_both,
        })
    }
}

/// `12408` → `12,408`.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
