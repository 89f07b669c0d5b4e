//! The JSON writer: decisions straight into bytes, from the fragments the compiler
//! escaped once; the result path where outputs need it.

use super::*;
use crate::eval::engines::firsts::Found;
use crate::semantics::outcome::Selection;
use smallvec::SmallVec;

/// Writes every decision as JSON, byte for byte what `serde_json::to_writer` writes
/// for [`crate::eval::Decisions`], without building them: the outcome comes from the
/// ranks of the rows that held, the reasons from text escaped at compile time, the
/// settings an old SDK left `not_enforced` from the ranks of the shadow rows. A
/// decision whose fired rules set outputs is evaluated in full and serialized.
pub fn write_json(c: &Prepared, facts: &Facts, out: &mut Vec<u8>) -> Result<(), EvalError> {
    out.push(b'{');
    let mut first = true;
    for t in &c.tables {
        let start = out.len();
        if !first {
            out.push(b',');
        }
        if write_table(c, t, facts, out)? {
            first = false;
        } else {
            out.truncate(start);
        }
    }
    out.push(b'}');
    Ok(())
}

/// A decision taken by the fast paths, or why not.
pub(super) enum Simple<'t> {
    /// Its `only when` does not hold.
    NotTaken,
    /// The rules that fired, in order (shadow rows too): each instance's first row
    /// index and row.
    Fired(Fired<'t>),
    /// A rule that fired sets outputs: the full path decides.
    Full,
}

/// The rules that fired, in order, shadow rows included: each instance's first row,
/// by index, as a mask when the table has one (`engines::firsts`), else a list. A
/// few, most often: up to sixteen stay on the stack (no allocation per decision).
pub(super) struct Fired<'t> {
    table: &'t Ready,
    mask: u128,
    rows: SmallVec<[u32; 16]>,
}

impl<'t> Fired<'t> {
    fn new(table: &'t Ready, mask: u128) -> Fired<'t> {
        Fired {
            table,
            mask,
            rows: SmallVec::new(),
        }
    }

    /// Each rule that fired: its first row's index, and the row.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &'t Row)> + '_ {
        let rows = &self.table.rows;
        set_bits(self.mask)
            .chain(self.rows.iter().map(|&i| i as usize))
            .filter_map(move |i| Some((i, rows.get(i)?)))
    }
}

/// The rules that fired, shadow rows included, when no fired rule sets outputs.
pub(super) fn simple<'t>(
    c: &Prepared,
    t: &'t Ready,
    facts: &Facts,
) -> Result<Simple<'t>, EvalError> {
    // The kernel's masks straight to the instances, with no column cache to set up,
    // when the decision is always taken or taken on a group's presence; an unknown
    // instance, or facts the kernel leaves to the plan, take the general path.
    if let (Finder::Kernel { kernel, .. }, Some(firsts)) = (&t.finder, &t.firsts) {
        let taken = match t.when_group {
            Some(g) => Some(facts.groups.get(g).copied().unwrap_or(false)),
            None => t.always.then_some(true),
        };
        match taken {
            Some(false) => return Ok(Simple::NotTaken),
            Some(true) => {
                if let Some((held, unknown)) = kernel.run(facts, false) {
                    match firsts.fired(u128::from(held), u128::from(unknown)) {
                        Found::Rows(m) => return Ok(Simple::Fired(Fired::new(t, m))),
                        Found::Full => return Ok(Simple::Full),
                        Found::Unknown(_) => {}
                    }
                }
            }
            None => {}
        }
    }
    let taken = when_taken(c, t, facts, |cols| {
        // The engines that give masks: instances straight from the row masks (a
        // masked table has at most 128 rows, so its instances fit in a `u128`).
        if let Some((held, unknown)) = cols.masks(false) {
            if let Some(firsts) = &t.firsts {
                return match firsts.fired(held, unknown) {
                    Found::Rows(m) => Ok(Simple::Fired(Fired::new(t, m))),
                    Found::Full => Ok(Simple::Full),
                    Found::Unknown(r) => {
                        let inst = t.rows.get(r).map_or(0, |r| r.instance as usize);
                        Err(missing(cols, t, inst))
                    }
                };
            }
            if let (Some(h), Some(u)) = (instance_mask(t, held), instance_mask(t, unknown)) {
                let state = |inst: usize| match h >> inst & 1 {
                    1 => Tri::True,
                    _ => Tri::Unknown,
                };
                return fired(cols, t, set_bits(h | u).map(|inst| (inst, state(inst))));
            }
        }
        with_bits(t.instances as usize, |bits| {
            cols.find(bits, false);
            fired(cols, t, bits.touched().map(|inst| (inst, bits.state(inst))))
        })
    })?;
    Ok(taken.unwrap_or(Simple::NotTaken))
}

/// The rules that fired, from the state of each instance with a row that held or was
/// unknown, in order: each with its first row index and row.
fn fired<'t>(
    cols: &mut Columns,
    t: &'t Ready,
    states: impl Iterator<Item = (usize, Tri)>,
) -> Result<Simple<'t>, EvalError> {
    let mut fired = Fired::new(t, 0);
    for (inst, state) in states {
        let Some(&first) = t.instance_rows.get(inst) else {
            continue;
        };
        let Some(row) = t.rows.get(first as usize) else {
            continue;
        };
        match state {
            Tri::True => {
                if !row.outputs.is_empty() {
                    return Ok(Simple::Full);
                }
                fired.rows.push(first);
            }
            Tri::Unknown if row.shadow.is_none() => return Err(missing(cols, t, inst)),
            _ => {}
        }
    }
    Ok(Simple::Fired(fired))
}

/// The ranks of the outcomes the winning rows give, lowest first (shadow rows never
/// decide).
pub(super) fn picked(t: &Ready, fired: &Fired) -> impl Iterator<Item = u16> {
    selection(t, deciding(fired)).ranks().iter()
}

/// The hit policy on the ranks of some of the rows that fired.
fn selection<'t>(t: &Ready, rows: impl Iterator<Item = (usize, &'t Row)>) -> Selection {
    t.policy.select(rows.map(|(_, r)| r.rank))
}

/// The rows that fired and decide (no shadow rows), in order.
pub(super) fn deciding<'a, 't>(
    fired: &'a Fired<'t>,
) -> impl Iterator<Item = (usize, &'t Row)> + 'a {
    fired.iter().filter(|(_, r)| r.shadow.is_none())
}

/// The settings an old SDK left `not_enforced`, in setting order: each setting some
/// fired row takes at its fallback or shadows, when deciding on its shadow rows instead
/// of the rows that take its fallback changes the outcome. What
/// [`super::results::not_enforced`] computes on full results, here on ranks: no fired
/// row sets outputs, so the outcome alone tells two results apart.
pub(super) fn unenforced(t: &Ready, fired: &Fired) -> SmallVec<[usize; 4]> {
    if !fired.iter().any(|(_, r)| r.gated()) {
        return SmallVec::new();
    }
    let mut settings = gated_settings(fired.iter().map(|(_, r)| r));
    // Two selections give one result when they give the same outcomes; no rule
    // firing gives the default, when there is one.
    let outcomes = |s: Selection| match s {
        Selection::Nothing if t.has_default => std::iter::once(t.default_rank).collect(),
        s => s.ranks(),
    };
    let actual = outcomes(selection(t, deciding(fired)));
    settings.retain(|x| {
        let alt = fired.iter().filter(|(_, r)| r.decides_when_enforced(*x));
        outcomes(selection(t, alt)) != actual
    });
    settings
}

/// Writes one decision; `false` when its `only when` does not hold.
pub(super) fn write_table(
    c: &Prepared,
    t: &Ready,
    facts: &Facts,
    out: &mut Vec<u8>,
) -> Result<bool, EvalError> {
    let program = c.program();
    let fired = match simple(c, t, facts)? {
        Simple::NotTaken => return Ok(false),
        Simple::Fired(f) => f,
        Simple::Full => {
            let Some(d) = eval_table(c, t, facts, None)? else {
                return Ok(false);
            };
            out.extend_from_slice(t.json.open.as_bytes());
            // `{` is already written: serialize the object and drop its own brace.
            let mut buf = Vec::new();
            if serde_json::to_writer(&mut buf, &d).is_err() {
                buf = b"{}".to_vec();
            }
            out.extend_from_slice(buf.get(1..).unwrap_or_default());
            return Ok(true);
        }
    };
    out.extend_from_slice(t.json.open.as_bytes());
    for ((_, e), key) in t.reports.iter().zip(&t.json.reports) {
        let v = column_value(e, facts, program);
        if v != Value::Absent {
            out.extend_from_slice(key.as_bytes());
            if serde_json::to_writer(&mut *out, &v).is_err() {
                out.extend_from_slice(b"null");
            }
            out.push(b',');
        }
    }
    out.extend_from_slice(t.json.field.as_bytes());
    let outcome = |rank: u16| {
        t.json
            .outcomes
            .get(rank as usize)
            .map_or("null", String::as_str)
            .as_bytes()
    };
    let mut ranks = picked(t, &fired).peekable();
    match t.policy {
        HitPolicy::Collect => {
            out.push(b'[');
            for (i, rank) in ranks.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(outcome(rank));
            }
            out.push(b']');
        }
        _ => match ranks.next() {
            Some(rank) => out.extend_from_slice(outcome(rank)),
            None => out.extend_from_slice(t.json.default.as_bytes()),
        },
    }
    out.extend_from_slice(b",\"reasons\":[");
    for (i, (r, _)) in deciding(&fired).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some(j) = t.json.reasons.get(r) {
            out.extend_from_slice(j.as_bytes());
        }
    }
    out.extend_from_slice(b"],\"not_enforced\":[");
    for (i, s) in unenforced(t, &fired).into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(t.json.setting(s).as_bytes());
    }
    out.extend_from_slice(b"]}");
    Ok(true)
}
