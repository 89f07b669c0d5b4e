//! The partial evaluator: settings and constants folded away, what is left over facts
//! turned into formulas over columns; messages filled in.

use super::*;

/// Makes a constant comparable with a column of type `ty` by plain equality:
/// enum names become strings for string columns (and back), nocase strings lowercase.
pub(super) fn normalize(v: &Value, ty: Option<&Type>) -> Value {
    match (ty, v) {
        (Some(Type::Str { nocase }), Value::Enum(s) | Value::Str(s)) => {
            if *nocase {
                Value::str(&s.to_ascii_lowercase())
            } else {
                Value::Str(s.clone())
            }
        }
        (Some(Type::Enum(_)), Value::Str(s)) => Value::Enum(s.clone()),
        _ => v.clone(),
    }
}

pub(super) fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// Replaces settings by their values (for interpreter columns).
pub(super) fn substitute(e: &TExpr, settings: &[Value]) -> TExpr {
    let s = |x: &TExpr| Box::new(substitute(x, settings));
    match e {
        TExpr::Setting(id) => TExpr::Const(settings.get(*id).cloned().unwrap_or(Value::Absent)),
        TExpr::Field(x, n) => TExpr::Field(s(x), n.clone()),
        TExpr::Present(x) => TExpr::Present(s(x)),
        TExpr::Not(x) => TExpr::Not(s(x)),
        TExpr::And(xs) => TExpr::And(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Or(xs) => TExpr::Or(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::List(xs) => TExpr::List(xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Call(b, xs) => TExpr::Call(*b, xs.iter().map(|x| substitute(x, settings)).collect()),
        TExpr::Cmp(op, a, b, k) => TExpr::Cmp(*op, s(a), s(b), k.clone()),
        TExpr::Arith(op, a, b) => TExpr::Arith(*op, s(a), s(b)),
        TExpr::Quant {
            all,
            var,
            list,
            body,
        } => TExpr::Quant {
            all: *all,
            var: *var,
            list: s(list),
            body: s(body),
        },
        other => other.clone(),
    }
}

impl Pe<'_> {
    pub(super) fn eval(&mut self, e: &TExpr, env: &mut Vec<Value>) -> Result<PV, Fault> {
        Ok(match e {
            TExpr::Const(v) => PV::Val(v.clone()),
            TExpr::Setting(s) => PV::Val(self.settings.get(*s).cloned().unwrap_or(Value::Absent)),
            TExpr::Var(d) => match env.get(*d) {
                Some(v) => PV::Val(v.clone()),
                None => return Err(Fault::Internal("unbound variable")),
            },
            TExpr::Fact(f) => PV::Expr(CExpr::Fact(*f)),
            TExpr::Group(g) => PV::Expr(CExpr::Group(*g)),
            TExpr::Decision(_) | TExpr::Varied(_) => return Err(Fault::OnlyInProperties),
            TExpr::Field(inner, name) => match self.eval(inner, env)? {
                PV::Val(Value::Absent) => PV::Val(Value::Absent),
                PV::Val(v) => PV::Val(v.field(name).cloned().unwrap_or(Value::Absent)),
                _ => return Err(Fault::FieldOfFact(name.clone())),
            },
            TExpr::Present(inner) => match self.eval(inner, env)? {
                PV::Val(v) => PV::Val(Value::Bool(v != Value::Absent)),
                PV::Expr(c) => PV::F(F::Atom(self.cols.get(c), Test::Present)),
                PV::F(_) => PV::Val(Value::Bool(true)),
            },
            TExpr::Not(inner) => match self.eval(inner, env)? {
                PV::Val(Value::Bool(b)) => PV::Val(Value::Bool(!b)),
                pv => PV::F(F::Not(Box::new(self.formula(pv)?))),
            },
            TExpr::And(parts) | TExpr::Or(parts) => {
                let is_and = matches!(e, TExpr::And(_));
                let mut fs = Vec::new();
                for p in parts {
                    match self.eval(p, env)? {
                        PV::Val(Value::Bool(b)) => {
                            if b != is_and {
                                return Ok(PV::Val(Value::Bool(b)));
                            }
                        }
                        pv => fs.push(self.formula(pv)?),
                    }
                }
                if fs.is_empty() {
                    PV::Val(Value::Bool(is_and))
                } else if is_and {
                    PV::F(F::And(fs))
                } else {
                    PV::F(F::Or(fs))
                }
            }
            TExpr::Cmp(op, a, b, kind) => {
                let pa = self.eval(a, env)?;
                let pb = self.eval(b, env)?;
                match (pa, pb) {
                    (PV::Val(x), PV::Val(y)) => match cmp(*op, &x, &y, kind) {
                        Tri::True => PV::Val(Value::Bool(true)),
                        Tri::False => PV::Val(Value::Bool(false)),
                        Tri::Unknown => return Err(Fault::CompareNotConfigured(x, op.as_str(), y)),
                    },
                    (PV::Expr(c), PV::Val(v)) => match self.atom(*op, c, v, kind, false) {
                        Some(pv) => pv,
                        None => self.interp(e, env)?,
                    },
                    (PV::Val(v), PV::Expr(c)) => match self.atom(*op, c, v, kind, true) {
                        Some(pv) => pv,
                        None => self.interp(e, env)?,
                    },
                    _ => self.interp(e, env)?,
                }
            }
            TExpr::Arith(op, a, b) => match (self.eval(a, env)?, self.eval(b, env)?) {
                (PV::Val(Value::Int(x)), PV::Val(Value::Int(y))) => match arith(*op, x, y) {
                    Some(v) => PV::Val(Value::Int(v)),
                    None => return Err(Fault::Overflow(x, op.as_str(), y)),
                },
                (PV::Val(Value::Absent), _) | (_, PV::Val(Value::Absent)) => {
                    return Err(Fault::ArithNotConfigured)
                }
                (pa, pb) => {
                    let ca = self.value_expr(pa)?;
                    let cb = self.value_expr(pb)?;
                    PV::Expr(CExpr::Arith(*op, Box::new(ca), Box::new(cb)))
                }
            },
            TExpr::Call(b, args) => {
                let mut vals = Vec::new();
                let mut exprs = Vec::new();
                let mut all_const = true;
                for a in args {
                    match self.eval(a, env)? {
                        PV::Val(v) => {
                            exprs.push(CExpr::Const(v.clone()));
                            vals.push(v);
                        }
                        pv => {
                            all_const = false;
                            exprs.push(self.value_expr(pv)?);
                        }
                    }
                }
                if all_const {
                    match b.apply(&vals) {
                        Some(v) => PV::Val(v),
                        None => return Err(Fault::CallNotConfigured(b.name())),
                    }
                } else {
                    PV::Expr(CExpr::Call(*b, exprs))
                }
            }
            TExpr::List(items) => {
                let mut vals = Vec::new();
                for i in items {
                    match self.eval(i, env)? {
                        PV::Val(v) => vals.push(v),
                        _ => return self.interp(e, env),
                    }
                }
                PV::Val(Value::List(Arc::new(vals)))
            }
            TExpr::Quant {
                all, list, body, ..
            } => match self.eval(list, env)? {
                PV::Val(v) => {
                    let items = match v {
                        Value::List(items) => items,
                        Value::Absent => Arc::new(Vec::new()),
                        _ => return Err(Fault::NotAList),
                    };
                    let mut fs = Vec::new();
                    for item in items.iter() {
                        env.push(item.clone());
                        let r = self.eval(body, env);
                        env.pop();
                        match r? {
                            PV::Val(Value::Bool(b)) => {
                                if b != *all {
                                    return Ok(PV::Val(Value::Bool(b)));
                                }
                            }
                            pv => fs.push(self.formula(pv)?),
                        }
                    }
                    if fs.is_empty() {
                        PV::Val(Value::Bool(*all))
                    } else if *all {
                        PV::F(F::And(fs))
                    } else {
                        PV::F(F::Or(fs))
                    }
                }
                _ => self.interp(e, env)?,
            },
        })
    }
    /// A boolean expression the tables cannot split: a column computed by the interpreter.
    pub(super) fn interp(&mut self, e: &TExpr, env: &[Value]) -> Result<PV, Fault> {
        let t = substitute(e, self.settings);
        let c = CExpr::Interp(Arc::new(t), Arc::new(env.to_vec()));
        Ok(PV::F(F::Atom(
            self.cols.get(c),
            Test::Eq(Value::Bool(true)),
        )))
    }
    pub(super) fn formula(&mut self, pv: PV) -> Result<F, Fault> {
        Ok(match pv {
            PV::Val(Value::Bool(b)) => F::Const(b),
            PV::Val(v) => return Err(Fault::NotACondition(v)),
            PV::Expr(c) => F::Atom(self.cols.get(c), Test::Eq(Value::Bool(true))),
            PV::F(f) => f,
        })
    }
    pub(super) fn value_expr(&mut self, pv: PV) -> Result<CExpr, Fault> {
        match pv {
            PV::Val(v) => Ok(CExpr::Const(v)),
            PV::Expr(c) => Ok(c),
            PV::F(_) => Err(Fault::NotAValue),
        }
    }
    pub(super) fn column_type(&self, c: &CExpr) -> Option<Type> {
        match c {
            CExpr::Fact(f) => self.program.facts.get_index(*f).map(|(_, d)| d.ty.clone()),
            CExpr::Call(b, _) => Some(b.result()),
            CExpr::Arith(..) => Some(Type::Int { min: None }),
            CExpr::Group(_) | CExpr::Interp(..) => Some(Type::Bool),
            CExpr::Const(_) => None,
        }
    }
    /// `column op value` (or `value op column` when `flipped`) as a test.
    /// `None` when the comparison is not a test on one column (the caller falls back
    /// to an interpreter column).
    pub(super) fn atom(
        &mut self,
        op: CmpOp,
        c: CExpr,
        v: Value,
        kind: &CmpKind,
        flipped: bool,
    ) -> Option<PV> {
        let ty = self.column_type(&c);
        let norm = |v: &Value| normalize(v, ty.as_ref());
        let col_is_list = matches!(ty, Some(Type::List(_)));
        let test = match op {
            CmpOp::In | CmpOp::NotIn if flipped => {
                // value in column: the column is a list of facts
                let v = match &ty {
                    Some(Type::List(inner)) => normalize(&v, Some(inner)),
                    _ => v,
                };
                if op == CmpOp::In {
                    Test::Contains(v)
                } else {
                    Test::NotContains(v)
                }
            }
            CmpOp::In | CmpOp::NotIn => {
                let items: Vec<Value> = match &v {
                    Value::List(items) => items.iter().map(norm).collect(),
                    _ => Vec::new(),
                };
                if op == CmpOp::In {
                    Test::In(items)
                } else {
                    Test::NotIn(items)
                }
            }
            CmpOp::Eq if !col_is_list => Test::Eq(norm(&v)),
            CmpOp::Ne if !col_is_list => Test::NotIn(vec![norm(&v)]),
            CmpOp::Eq | CmpOp::Ne => return None,
            _ => {
                let op = if flipped { flip(op) } else { op };
                let v = norm(&v);
                match kind {
                    CmpKind::Ordered(e) => {
                        let keep: Vec<Value> = e
                            .variants
                            .iter()
                            .map(|x| Value::enum_(x))
                            .filter(|x| cmp(op, x, &v, kind) == Tri::True)
                            .collect();
                        Test::In(keep)
                    }
                    CmpKind::Plain { .. } => match op {
                        CmpOp::Lt => Test::Range {
                            lo: None,
                            hi: Some((v, false)),
                        },
                        CmpOp::Le => Test::Range {
                            lo: None,
                            hi: Some((v, true)),
                        },
                        CmpOp::Gt => Test::Range {
                            lo: Some((v, false)),
                            hi: None,
                        },
                        _ => Test::Range {
                            lo: Some((v, true)),
                            hi: None,
                        },
                    },
                }
            }
        };
        let col = self.cols.get(c);
        Some(PV::F(F::Atom(col, test)))
    }
    pub(super) fn message(
        &mut self,
        parts: &[MsgPart],
        env: &mut Vec<Value>,
    ) -> Result<String, Fault> {
        let mut s = String::new();
        for p in parts {
            match p {
                MsgPart::Text(t) => s.push_str(t),
                MsgPart::Expr(e) => match self.eval(e, env)? {
                    PV::Val(v) => s.push_str(&display_plain(&v)),
                    _ => return Err(Fault::MessageReadsFacts),
                },
            }
        }
        Ok(s)
    }
}
