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
    /// A blank line: no record.
    Blank,
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
    let decisions = pairs(&old, &new);
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A block of whole lines: 4 MiB read, cut after its last newline.
        let mut block = std::mem::take(&mut carry);
        let start = block.len();
        block.resize(start + (4 << 20), 0);
        let mut filled = start;
        while filled < block.len() {
            let n = input.read(&mut block[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        block.truncate(filled);
        let eof = filled < start + (4 << 20);
        if block.is_empty() {
            break;
        }
        let bytes = (filled - start) as u64;
        if !eof {
            match memchr::memrchr(b'\n', &block) {
                Some(cut) => carry = block.split_off(cut + 1),
                None => {
                    // One line longer than the block: read on.
                    carry = block;
                    continue;
                }
            }
        }
        // Slices only here; each worker checks its lines' UTF-8.
        let lines: Vec<&[u8]> = block.split(|b| *b == b'\n').collect();
        // The split leaves an empty piece after the last newline.
        let lines = match lines.split_last() {
            Some(([], rest)) => rest.to_vec(),
            _ => lines,
        };
        if lines.is_empty() && eof {
            break;
        }
        let first = line_no;
        line_no += lines.len();
        let keep = changed.is_some();
        let results: Vec<(usize, Outcome)> = lines
            .par_iter()
            .enumerate()
            .map_init(
                || {
                    (
                        old.for_thread(),
                        new.for_thread(),
                        Vec::new(),
                        Vec::new(),
                        Scratch::default(),
                    )
                },
                |(o, n, a, b, scratch), (k, text)| {
                    let text = String::from_utf8_lossy(text);
                    let r = if reasons {
                        compare(o, n, a, b, &text, reasons)
                    } else {
                        compare_outcomes(o, n, &decisions, &text, keep, scratch)
                    };
                    (first + k + 1, r)
                },
            )
            .collect();
        for (line, r) in results {
            match r {
                Outcome::Blank => {}
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
        if eof {
            break;
        }
    }
    Ok(impact)
}

/// Each decision of either policy: (name, index in old, index in new, the outcomes
/// (ranks) whose rows have outputs, in old and in new).
type Pairs = Vec<(String, Option<usize>, Option<usize>, [Vec<u16>; 2])>;

fn pairs(old: &Policy, new: &Policy) -> Pairs {
    let mut out: Pairs = Vec::new();
    for (side, p) in [old, new].into_iter().enumerate() {
        for (i, t) in p.compiled().tables.iter().enumerate() {
            let mut ranks: Vec<u16> = t
                .rows
                .iter()
                .filter(|r| !r.outputs.is_empty())
                .map(|r| r.rank)
                .collect();
            ranks.sort_unstable();
            ranks.dedup();
            match out.iter_mut().find(|d| *d.0 == *t.name) {
                Some(d) => {
                    d.2 = Some(i);
                    d.3[1] = ranks;
                }
                None if side == 0 => {
                    out.push((t.name.to_string(), Some(i), None, [ranks, Vec::new()]))
                }
                None => out.push((t.name.to_string(), None, Some(i), [Vec::new(), ranks])),
            }
        }
    }
    out
}

/// Whether an outcome may carry outputs.
fn with_outputs(o: &crate::Outcome, ranks: &[u16]) -> bool {
    match o {
        crate::Outcome::NotTaken => false,
        crate::Outcome::One(i) => ranks.contains(i),
        crate::Outcome::Set(set) => set.iter().any(|i| ranks.contains(&i)),
    }
}

/// The outcome's name(s), comparable across two programs.
fn outcome_text(p: &Policy, d: usize, o: &crate::Outcome) -> String {
    match o {
        crate::Outcome::NotTaken => "not taken".into(),
        crate::Outcome::One(i) => p.outcome_name(d, *i).unwrap_or("?").to_string(),
        crate::Outcome::Set(set) => {
            let names: Vec<&str> = set.iter().filter_map(|i| p.outcome_name(d, i)).collect();
            format!("[{}]", names.join(", "))
        }
    }
}

/// Facts bound on one thread, buffers reused record after record.
#[derive(Default)]
struct Scratch {
    old: crate::Facts,
    new: crate::Facts,
    seen: Vec<u64>,
    /// The two decisions' JSON, for `--changed`.
    a: Vec<u8>,
    b: Vec<u8>,
}

/// The fast comparison: facts bound once per side, each decision's outcome by the
/// outcome path; outputs compared in full only where a decision has them and the
/// outcomes agree.
fn compare_outcomes(
    old: &Policy,
    new: &Policy,
    decisions: &Pairs,
    text: &str,
    keep: bool,
    scratch: &mut Scratch,
) -> Outcome {
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Outcome::Blank;
    }
    let same_program = std::sync::Arc::ptr_eq(&old.compiled().program, &new.compiled().program);
    // One program (settings differ): the facts bind the same way, once.
    let Scratch {
        old: so,
        new: sn,
        seen,
        a,
        b,
    } = scratch;
    let ro = old.bind_str_into(text, so, seen);
    let (fo, fnew): (&crate::Facts, &crate::Facts) = if same_program {
        match ro {
            Ok(()) => (so, so),
            Err(_) => return Outcome::FailBoth,
        }
    } else {
        let rn = new.bind_str_into(text, sn, seen);
        match (ro, rn) {
            (Ok(()), Ok(())) => (so, sn),
            (Err(_), Err(_)) => return Outcome::FailBoth,
            (Err(e), Ok(())) => return Outcome::FailOld(e.to_string()),
            (Ok(()), Err(e)) => return Outcome::FailNew(e.to_string()),
        }
    };
    let mut change: Change = Vec::new();
    let mut errors = (None, None);
    for (name, io, inew, outputs) in decisions {
        let ro = io
            .map(|i| old.outcome(i, fo))
            .unwrap_or(Ok(crate::Outcome::NotTaken));
        let rn = inew
            .map(|i| new.outcome(i, fnew))
            .unwrap_or(Ok(crate::Outcome::NotTaken));
        let (oo, on) = match (ro, rn) {
            (Ok(x), Ok(y)) => (x, y),
            (Err(e), Ok(_)) => {
                errors.0.get_or_insert(e.to_string());
                continue;
            }
            (Ok(_), Err(e)) => {
                errors.1.get_or_insert(e.to_string());
                continue;
            }
            (Err(e), Err(f)) => {
                errors.0.get_or_insert(e.to_string());
                errors.1.get_or_insert(f.to_string());
                continue;
            }
        };
        let text_of = |p: &Policy, i: &Option<usize>, o: &crate::Outcome| {
            i.map(|i| outcome_text(p, i, o))
                .unwrap_or_else(|| "not taken".into())
        };
        let equal = if same_program && io == inew {
            oo == on
        } else {
            text_of(old, io, &oo) == text_of(new, inew, &on)
        };
        if !equal {
            change.push((name.clone(), text_of(old, io, &oo), text_of(new, inew, &on)));
        } else if with_outputs(&oo, &outputs[0]) || with_outputs(&on, &outputs[1]) {
            let full = |p: &Policy, i: Option<usize>, f: &crate::Facts| {
                i.and_then(|i| p.evaluate_one(i, f).ok().flatten())
                    .map(|r| {
                        let mut j = r.to_json();
                        if let J::Object(m) = &mut j {
                            m.remove("reasons");
                            m.remove("not_enforced");
                        }
                        j
                    })
            };
            let (x, y) = (full(old, *io, fo), full(new, *inew, fnew));
            if x != y {
                let x = x.unwrap_or(serde_json::json!({"not_taken": true}));
                let y = y.unwrap_or(serde_json::json!({"not_taken": true}));
                change.push((name.clone(), super::summary(&x), super::summary(&y)));
            }
        }
    }
    match errors {
        (Some(_), Some(_)) => return Outcome::FailBoth,
        (Some(e), None) => return Outcome::FailOld(e),
        (None, Some(e)) => return Outcome::FailNew(e),
        (None, None) => {}
    }
    if change.is_empty() {
        return Outcome::Same;
    }
    let both = keep.then(|| {
        a.clear();
        b.clear();
        let _ = old.write_json(fo, a);
        let _ = new.write_json(fnew, b);
        (
            String::from_utf8_lossy(a).into_owned(),
            String::from_utf8_lossy(b).into_owned(),
        )
    });
    Outcome::Changed(change, both)
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
        return Outcome::Blank;
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
