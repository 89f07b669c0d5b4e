//! The reference interpreter: evaluates the checked rules directly.
//!
//! It is written to read like `docs/language.md`, not to be fast. For each decision,
//! in order: skip it unless `only when` holds; for each of its rules, for each item
//! of the rule's `for` list, evaluate the condition; collect the rules that fire and
//! apply the hit policy. A setting with `requires COND else FALLBACK` is taken as its
//! fallback when COND is false; it is `not_enforced` when enforcing it would change
//! the result. Conditions use three-valued logic ([`crate::semantics::logic`]): an absent fact
//! makes a comparison unknown, and a rule whose condition is unknown fails the
//! evaluation. The property tests check that the decision tables agree with it.

use super::facts::Facts;
use super::{decide, reasons, DecisionResult, Decisions, EvalError, Fired};
use crate::check::ir::*;
use crate::semantics::display::display_plain;
use crate::semantics::logic::{cmp, Tri};
use crate::value::Value;
use indexmap::IndexMap;
use std::sync::Arc;

/// Evaluates every decision of a program with the given setting values.
pub fn evaluate(
    program: &Program,
    settings: &[Value],
    facts: &Facts,
) -> Result<Decisions, EvalError> {
    let mut out = IndexMap::default();
    for d in 0..program.decisions.len() {
        if let Some(r) = decision(program, settings, facts, d)? {
            out.insert(r.name.clone(), r);
        }
    }
    Ok(Decisions { decisions: out })
}

/// Evaluates an expression (used for interpreter columns of the tables and for
/// properties). Unknown conditions come back as [`Value::Absent`].
pub fn eval_with(
    program: &Program,
    settings: &[Value],
    facts: &Facts,
    e: &TExpr,
    env: &mut Vec<Value>,
) -> Result<Value, EvalError> {
    let mut i = Interp {
        program,
        settings,
        facts,
        forced: None,
        decisions: None,
        missing: None,
        overflow: None,
        other: None,
    };
    Ok(i.eval(e, env))
}

/// Evaluates a property's expression, where decision names stand for their outcomes.
pub fn eval_property(
    program: &Program,
    settings: &[Value],
    facts: &Facts,
    decisions: &Decisions,
    other: Option<(&Facts, &Decisions)>,
    e: &TExpr,
) -> Tri {
    let mut i = Interp {
        program,
        settings,
        facts,
        forced: None,
        decisions: Some(decisions),
        missing: None,
        overflow: None,
        other,
    };
    match i.eval(e, &mut Vec::new()) {
        Value::Bool(b) => Tri::from_bool(b),
        _ => Tri::Unknown,
    }
}

fn decision(
    program: &Program,
    settings: &[Value],
    facts: &Facts,
    d: DecisionId,
) -> Result<Option<DecisionResult>, EvalError> {
    let Some((name, def)) = program.decisions.get_index(d) else {
        return Ok(None);
    };
    let mut i = Interp {
        program,
        settings,
        facts,
        forced: None,
        decisions: None,
        missing: None,
        overflow: None,
        other: None,
    };
    if let Some(w) = &def.only_when {
        match i.eval(w, &mut Vec::new()) {
            Value::Bool(true) => {}
            Value::Bool(false) => return Ok(None),
            _ => return Err(i.unknown(name.clone(), "only when".into())),
        }
    }
    let fired = i.fired(d, false)?;
    let refs: Vec<&Fired> = fired.iter().collect();
    let decided = decide(def, &refs);
    let mut not_enforced = Vec::new();
    for (s, sdef) in program.settings.values().enumerate() {
        let Some(g) = &sdef.gate else { continue };
        let configured = settings.get(s).cloned().unwrap_or(Value::Absent);
        if !g.affects(&configured) || i.eval(&g.condition, &mut Vec::new()) != Value::Bool(false) {
            continue;
        }
        let mut alt_i = Interp {
            forced: Some(s),
            ..i.clone_base()
        };
        let alt = alt_i.fired(d, true)?;
        let alt_refs: Vec<&Fired> = alt.iter().collect();
        if decide(def, &alt_refs) != decided {
            not_enforced.push(sdef.name.clone());
        }
    }
    let mut reports = IndexMap::new();
    for (n, e) in &def.reports {
        reports.insert(n.clone(), i.eval(e, &mut Vec::new()));
    }
    Ok(Some(DecisionResult {
        name: Arc::from(name.as_str()),
        field: Arc::from(def.field.as_str()),
        policy: def.policy,
        outcomes: decided.outcomes,
        outputs: decided.outputs,
        reports,
        reasons: reasons(&refs),
        not_enforced,
    }))
}

struct Interp<'a> {
    program: &'a Program,
    settings: &'a [Value],
    facts: &'a Facts,
    /// A setting taken as enforced whatever its gate says.
    forced: Option<SettingId>,
    decisions: Option<&'a Decisions>,
    /// The first absent fact read.
    missing: Option<String>,
    /// The first fact read by an arithmetic expression that overflowed.
    overflow: Option<String>,
    /// The second world of a `varying` property: its facts and decisions.
    other: Option<(&'a Facts, &'a Decisions)>,
}

impl<'a> Interp<'a> {
    fn clone_base(&self) -> Interp<'a> {
        Interp {
            program: self.program,
            settings: self.settings,
            facts: self.facts,
            forced: None,
            decisions: self.decisions,
            missing: None,
            overflow: None,
            other: self.other,
        }
    }

    fn missing_name(&self) -> String {
        self.overflow
            .clone()
            .or_else(|| self.missing.clone())
            .unwrap_or_default()
    }

    /// The error for an unknown condition of `rule` in `decision`.
    fn unknown(&self, decision: String, rule: String) -> EvalError {
        EvalError::unknown(decision, self.missing_name(), rule, self.overflow.is_some())
    }

    /// The rules of decision `d` that fire, in order. An unknown condition is an
    /// error, or (when `lenient`) a rule that does not fire.
    fn fired(&mut self, d: DecisionId, lenient: bool) -> Result<Vec<Fired>, EvalError> {
        let mut out = Vec::new();
        for (ri, rule) in self.program.rules.iter().enumerate() {
            if rule.decision != d {
                continue;
            }
            let items: Vec<Option<Value>> = match &rule.for_each {
                Some((list, _)) => match self.eval(list, &mut Vec::new()) {
                    Value::List(items) => items.iter().cloned().map(Some).collect(),
                    _ => Vec::new(),
                },
                None => vec![None],
            };
            for item in items {
                let mut env: Vec<Value> = item.into_iter().collect();
                self.missing = None;
                self.overflow = None;
                let filter = match &rule.for_each {
                    Some((_, Some(f))) => self.eval(f, &mut env),
                    _ => Value::Bool(true),
                };
                let when = self.eval(&rule.when, &mut env);
                match tri(&filter).and(tri(&when)) {
                    Tri::True => {}
                    Tri::False => continue,
                    Tri::Unknown if lenient => continue,
                    Tri::Unknown => {
                        return Err(self
                            .unknown(self.program.decision_name(d).to_string(), rule.name.clone()))
                    }
                }
                let outcome = self.eval(&rule.outcome, &mut env);
                let outputs = rule
                    .outputs
                    .iter()
                    .map(|(i, e)| (*i, self.eval(e, &mut env)))
                    .collect();
                let mut message = String::new();
                for p in &rule.message {
                    match p {
                        MsgPart::Text(t) => message.push_str(t),
                        MsgPart::Expr(e) => {
                            message.push_str(&display_plain(&self.eval(e, &mut env)))
                        }
                    }
                }
                out.push(Fired {
                    rule: ri,
                    rule_name: Arc::from(rule.name.as_str()),
                    about_name: rule
                        .about
                        .and_then(|s| self.program.settings.get_index(s))
                        .map(|(k, _)| Arc::from(k.as_str())),
                    outcome,
                    outputs,
                    message: Arc::from(message),
                    about: rule.about,
                });
            }
        }
        Ok(out)
    }

    /// A setting's effective value: its configured value, or its fallback when its
    /// gate condition does not hold.
    fn setting(&mut self, s: SettingId) -> Value {
        let configured = self.settings.get(s).cloned().unwrap_or(Value::Absent);
        let Some((_, def)) = self.program.settings.get_index(s) else {
            return configured;
        };
        match &def.gate {
            Some(g) if g.affects(&configured) && self.forced != Some(s) => {
                match self.eval(&g.condition, &mut Vec::new()) {
                    Value::Bool(true) => configured,
                    Value::Bool(false) => g.fallback.clone(),
                    _ => Value::Absent,
                }
            }
            _ => configured,
        }
    }

    fn eval(&mut self, e: &TExpr, env: &mut Vec<Value>) -> Value {
        match e {
            TExpr::Const(v) => v.clone(),
            TExpr::Fact(f) => {
                let v = self.facts.get(*f).clone();
                if v == Value::Absent && self.missing.is_none() {
                    self.missing = self.program.facts.get_index(*f).map(|(k, _)| k.clone());
                }
                v
            }
            TExpr::Group(g) => {
                if self.facts.groups.get(*g).copied().unwrap_or(false) {
                    Value::Bool(true)
                } else {
                    Value::Absent
                }
            }
            TExpr::Setting(s) => self.setting(*s),
            TExpr::Var(d) => env.get(*d).cloned().unwrap_or(Value::Absent),
            TExpr::Field(x, name) => self
                .eval(x, env)
                .field(name)
                .cloned()
                .unwrap_or(Value::Absent),
            TExpr::Present(x) => {
                let saved = self.missing.clone();
                let v = self.eval(x, env);
                self.missing = saved;
                Value::Bool(v != Value::Absent)
            }
            TExpr::Not(x) => from_tri(tri(&self.eval(x, env)).negate()),
            TExpr::And(xs) => {
                let mut acc = Tri::True;
                for x in xs {
                    acc = acc.and(tri(&self.eval(x, env)));
                }
                from_tri(acc)
            }
            TExpr::Or(xs) => {
                let mut acc = Tri::False;
                for x in xs {
                    acc = acc.or(tri(&self.eval(x, env)));
                }
                from_tri(acc)
            }
            TExpr::Cmp(op, a, b, kind) => {
                let x = self.eval(a, env);
                let y = self.eval(b, env);
                from_tri(cmp(*op, &x, &y, kind))
            }
            TExpr::Arith(op, a, b) => {
                let before = self.missing.clone();
                match (self.eval(a, env), self.eval(b, env)) {
                    (Value::Int(x), Value::Int(y)) => match crate::semantics::ops::arith(*op, x, y)
                    {
                        Some(v) => Value::Int(v),
                        None => {
                            if self.overflow.is_none() {
                                let mut fact = None;
                                e.walk(&mut |x| {
                                    if let TExpr::Fact(f) = x {
                                        fact = fact.or(Some(*f));
                                    }
                                });
                                self.overflow = Some(
                                    fact.map(|f| self.program.fact_name(f).to_string())
                                        .unwrap_or_default(),
                                );
                            }
                            self.missing = before;
                            Value::Absent
                        }
                    },
                    _ => Value::Absent,
                }
            }
            TExpr::Call(b, args) => {
                let vals: Vec<Value> = args.iter().map(|a| self.eval(a, env)).collect();
                if vals.contains(&Value::Absent) {
                    return Value::Absent;
                }
                b.apply(&vals).unwrap_or(Value::Absent)
            }
            TExpr::List(xs) => {
                Value::List(Arc::new(xs.iter().map(|x| self.eval(x, env)).collect()))
            }
            TExpr::Quant {
                all, list, body, ..
            } => {
                let items = match self.eval(list, env) {
                    Value::List(items) => items,
                    Value::Absent => return Value::Absent,
                    _ => Arc::new(Vec::new()),
                };
                let mut acc = Tri::from_bool(*all);
                for item in items.iter() {
                    env.push(item.clone());
                    let r = tri(&self.eval(body, env));
                    env.pop();
                    acc = if *all { acc.and(r) } else { acc.or(r) };
                }
                from_tri(acc)
            }
            TExpr::Varied(inner) => match self.other {
                Some((facts, decisions)) => {
                    let mut world = Interp {
                        facts,
                        decisions: Some(decisions),
                        other: None,
                        ..self.clone_base()
                    };
                    world.eval(inner, env)
                }
                None => Value::Absent,
            },
            TExpr::Decision(d) => {
                let name = self.program.decision_name(*d);
                match self.decisions.and_then(|ds| ds.get(name)) {
                    Some(r) => match r.policy {
                        crate::syntax::ast::HitPolicy::Collect => Value::List(Arc::new(
                            r.outcomes.iter().map(|o| Value::enum_(o)).collect(),
                        )),
                        _ => r
                            .outcomes
                            .first()
                            .map(|o| Value::enum_(o))
                            .unwrap_or(Value::Absent),
                    },
                    None => Value::Absent,
                }
            }
        }
    }
}

fn tri(v: &Value) -> Tri {
    match v {
        Value::Bool(b) => Tri::from_bool(*b),
        _ => Tri::Unknown,
    }
}

fn from_tri(t: Tri) -> Value {
    match t {
        Tri::True => Value::Bool(true),
        Tri::False => Value::Bool(false),
        Tri::Unknown => Value::Absent,
    }
}
