//! Expressions: name resolution (with did-you-mean), paths and fields, calls.

use super::*;

impl Checker {
    /// The item type of a list that `what` (`for`, `any`, `all`) iterates; an error,
    /// and an unknown type, when it is not a list.
    pub(super) fn list_item(&mut self, t: &Type, span: Span, what: &str) -> Type {
        match t.strip_optional() {
            Type::List(t) => (**t).clone(),
            Type::Unknown => Type::Unknown,
            other => {
                let d = self.err(
                    CheckError::NotAList,
                    span,
                    format!("`{what}` needs a list, found {other}"),
                );
                self.push(d);
                Type::Unknown
            }
        }
    }

    /// The id of a declared setting or fact (`what`); an error naming it otherwise.
    pub(super) fn resolve(&mut self, n: &ast::Name, what: &str) -> Option<usize> {
        let found = match what {
            "setting" => self.p.settings.get_index_of(&n.text),
            _ => self.p.facts.get_index_of(&n.text),
        };
        if found.is_none() {
            let d = self.unknown(n.span, &n.text, what);
            self.push(d);
        }
        found
    }
    pub(super) fn unknown(&self, span: Span, name: &str, what: &str) -> Diagnostic {
        let candidates: Vec<&String> = match what {
            "setting" => self.p.settings.keys().collect(),
            "decision" => self.p.decisions.keys().collect(),
            "fact set" => self.suite.fact_sets.keys().collect(),
            _ => self
                .p
                .facts
                .keys()
                .chain(self.p.settings.keys())
                .chain(self.lets.keys())
                .collect(),
        };
        let d = Diagnostic::error(
            CheckError::Unknown,
            span,
            format!("unknown {what} `{name}`"),
        );
        match suggest(name, candidates.into_iter()) {
            Some(h) => d.with_help(h),
            None => d,
        }
    }
    pub(super) fn bool_expr(&mut self, e: &ast::Expr, cx: &Cx) -> TExpr {
        self.expr_expecting(e, &Type::Bool, cx)
    }
    pub(super) fn expr_expecting(&mut self, e: &ast::Expr, want: &Type, cx: &Cx) -> TExpr {
        let (te, t) = self.expr(e, cx);
        if !self.assignable(&t, want) {
            let d = self.err(
                CheckError::TypeMismatch,
                e.span,
                format!("expected {want}, found {t}"),
            );
            self.push(d);
        }
        // Bare names in a list of an enum type become that enum's values.
        te
    }
    /// Whether a value of type `t` may be used where `want` is expected.
    pub(super) fn assignable(&self, t: &Type, want: &Type) -> bool {
        match (t.strip_optional(), want.strip_optional()) {
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (Type::Literal(n), Type::Enum(e)) => e.index(n).is_some(),
            (Type::Enum(a), Type::Enum(b)) => a.variants.iter().all(|v| b.index(v).is_some()),
            (Type::Int { .. }, Type::Int { .. }) => true,
            (Type::Str { .. }, Type::Str { .. }) => true,
            (Type::List(a), Type::List(b)) => self.assignable(a, b),
            (a, b) => a == b,
        }
    }
    pub(super) fn expr(&mut self, e: &ast::Expr, cx: &Cx) -> (TExpr, Type) {
        match &e.kind {
            ExprKind::Int(i) => (TExpr::Const(Value::Int(*i)), Type::Int { min: None }),
            ExprKind::Str(s) => (TExpr::Const(Value::str(s)), Type::Str { nocase: false }),
            ExprKind::Bool(b) => (TExpr::Const(Value::Bool(*b)), Type::Bool),
            ExprKind::Version(s) => {
                match Version::parse(s) {
                    Some(v) => (TExpr::Const(Value::Version(v)), Type::Version),
                    None => {
                        let d = self.err(CheckError::BadValue, e.span, format!("malformed version `{s}`")).with_help(
                        "a version has 2 to 4 numeric components, like `15.1` or `14.8.1.2`",
                    );
                        self.push(d);
                        BAD
                    }
                }
            }
            ExprKind::Path(p) => self.path(p, e.span, cx),
            ExprKind::List(items) => {
                let mut out = Vec::new();
                let mut ty = Type::Unknown;
                for i in items {
                    let (te, t) = self.expr(i, cx);
                    if ty == Type::Unknown || matches!(ty, Type::Literal(_)) {
                        ty = t;
                    }
                    out.push(te);
                }
                (TExpr::List(out), Type::List(Box::new(ty)))
            }
            ExprKind::Not(inner) => (TExpr::Not(Box::new(self.bool_expr(inner, cx))), Type::Bool),
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                let parts: Vec<TExpr> = parts.iter().map(|p| self.bool_expr(p, cx)).collect();
                if matches!(e.kind, ExprKind::And(_)) {
                    (TExpr::And(parts), Type::Bool)
                } else {
                    (TExpr::Or(parts), Type::Bool)
                }
            }
            ExprKind::Arith(op, a, b) => {
                let int = Type::Int { min: None };
                let ta = self.expr_expecting(a, &int, cx);
                let tb = self.expr_expecting(b, &int, cx);
                (TExpr::Arith(*op, Box::new(ta), Box::new(tb)), int)
            }
            ExprKind::Cmp(op, a, b) => self.cmp(*op, a, b, e.span, cx),
            ExprKind::Call(name, args) => self.call(name, args, e.span, cx),
            ExprKind::Quant {
                all,
                var,
                list,
                body,
            } => {
                let (tl, lt) = self.expr(list, cx);
                let item = self.list_item(&lt, list.span, if *all { "all" } else { "any" });
                let mut inner = cx.clone();
                inner.vars.push((var.text.clone(), item));
                let depth = inner.vars.len() - 1;
                let tb = self.bool_expr(body, &inner);
                (
                    TExpr::Quant {
                        all: *all,
                        var: depth,
                        list: Box::new(tl),
                        body: Box::new(tb),
                    },
                    Type::Bool,
                )
            }
        }
    }
    pub(super) fn path(&mut self, p: &str, span: Span, cx: &Cx) -> (TExpr, Type) {
        let segs: Vec<&str> = p.split('.').collect();
        if cx.varying && segs.len() > 1 && segs[0] == "varied" {
            let mut inner = cx.clone();
            inner.varying = false;
            let (te, t) = self.path(&segs[1..].join("."), span, &inner);
            return (TExpr::Varied(Box::new(te)), t);
        }
        // Loop and quantifier variables, innermost first.
        if let Some(depth) = cx.vars.iter().rposition(|(n, _)| n == segs[0]) {
            let t = cx.vars[depth].1.clone();
            return self.fields(TExpr::Var(depth), t, &segs[1..], span, p);
        }
        if segs.len() == 1 {
            if let Some((size, _)) = self.let_sizes.get(p) {
                if *size > self.budget {
                    let d = self.err(
                        CheckError::LetTooLarge,
                        span,
                        format!("expanding `{p}` here makes the declaration larger than {MAX_EXPANDED_NODES} nodes"),
                    );
                    self.push(d);
                    return BAD;
                }
                self.budget -= size;
            }
            if let Some((te, t, _)) = self.lets.get(p) {
                if te.reads_facts() && !cx.facts {
                    let d = self.err(
                        CheckError::FactsWhereSettings,
                        span,
                        format!("`{p}` reads facts, which {} cannot", cx.what),
                    );
                    self.push(d);
                    return BAD;
                }
                return (te.clone(), t.clone());
            }
        }
        if cx.decisions {
            if let Some((i, _, d)) = self.p.decisions.get_full(p) {
                let outcome = Type::Enum(d.outcomes.clone());
                let t = if d.policy == HitPolicy::Collect {
                    Type::List(Box::new(outcome))
                } else {
                    outcome
                };
                return (TExpr::Decision(i), t);
            }
        }
        if let Some((i, _, f)) = self.p.facts.get_full(p) {
            if !cx.facts {
                let d = self
                    .err(CheckError::FactsWhereSettings, span, format!("{} cannot read facts, and `{p}` is a fact", cx.what))
                    .with_help("settings are known when the policy is compiled; facts only when it is evaluated");
                self.push(d);
                return BAD;
            }
            let t = if f.optional {
                Type::Optional(Box::new(f.ty.clone()))
            } else {
                f.ty.clone()
            };
            return (TExpr::Fact(i), t);
        }
        if let Some(i) = self.p.groups.get_index_of(p) {
            return (TExpr::Group(i), Type::Group);
        }
        // The longest prefix that is a setting, then fields.
        for n in (1..=segs.len()).rev() {
            let name = segs[..n].join(".");
            if let Some((i, _, s)) = self.p.settings.get_full(&name) {
                let t = s.ty.clone();
                return self.fields(TExpr::Setting(i), t, &segs[n..], span, p);
            }
        }
        if segs.len() == 1 {
            return (TExpr::Const(Value::enum_(p)), Type::Literal(p.to_string()));
        }
        let d = self.unknown(span, p, "name");
        self.push(d);
        BAD
    }
    pub(super) fn fields(
        &mut self,
        mut te: TExpr,
        mut t: Type,
        segs: &[&str],
        span: Span,
        whole: &str,
    ) -> (TExpr, Type) {
        for s in segs {
            let inner = t.strip_optional().clone();
            match inner {
                Type::Record(fields) => match fields.iter().find(|(n, _)| n == s) {
                    Some((_, ft)) => {
                        te = TExpr::Field(Box::new(te), s.to_string());
                        t = ft.clone();
                    }
                    None => {
                        let d = self.err(
                            CheckError::Unknown,
                            span,
                            format!(
                                "`{whole}` has no field `{s}`; the fields are {}",
                                fields
                                    .iter()
                                    .map(|(n, _)| n.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        self.push(d);
                        return BAD;
                    }
                },
                Type::Unknown => return BAD,
                other => {
                    let d = self.err(
                        CheckError::Unknown,
                        span,
                        format!("`{whole}`: {other} has no field `{s}`"),
                    );
                    self.push(d);
                    return BAD;
                }
            }
        }
        (te, t)
    }
    pub(super) fn call(
        &mut self,
        name: &ast::Name,
        args: &[ast::Expr],
        span: Span,
        cx: &Cx,
    ) -> (TExpr, Type) {
        if name.text == "present" {
            if args.len() != 1 {
                let d = self.err(CheckError::BadCall, span, "`present` takes one argument");
                self.push(d);
                return BAD;
            }
            // `present(request)` means the fact group, even where decisions are visible.
            let mut inner = cx.clone();
            inner.decisions = false;
            let (te, t) = self.expr(&args[0], &inner);
            let ok = matches!(t, Type::Optional(_) | Type::Group | Type::Unknown)
                || matches!(&te, TExpr::Fact(f) if self.p.facts.get_index(*f).is_some_and(|(_, d)| d.group.is_some()));
            if !ok {
                let d = self.err(
                    CheckError::BadCall,
                    args[0].span,
                    "`present` needs an optional fact, a fact group, an optional setting or an optional field",
                );
                self.push(d);
            }
            return (TExpr::Present(Box::new(te)), Type::Bool);
        }
        let Some(b) = Builtin::by_name(&name.text) else {
            let mut names: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
            names.push("present");
            let d = self
                .err(
                    CheckError::Unknown,
                    name.span,
                    format!("unknown function `{}`", name.text),
                )
                .with_help(format!("the builtins are {}", names.join(", ")));
            self.push(d);
            return BAD;
        };
        match b.arity() {
            Some(n) if n != args.len() => {
                let d = self.err(
                    CheckError::BadCall,
                    span,
                    format!("`{}` takes {n} argument(s), found {}", b.name(), args.len()),
                );
                self.push(d);
                return BAD;
            }
            None if args.is_empty() => {
                let d = self.err(
                    CheckError::BadCall,
                    span,
                    format!("`{}` takes at least one argument", b.name()),
                );
                self.push(d);
                return BAD;
            }
            _ => {}
        }
        let mut targs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let (te, t) = self.expr(a, cx);
            // `link_matches(url, patterns)`: a list of patterns, any of them.
            let patterns = b == Builtin::LinkMatches
                && i == 1
                && matches!(t.strip_optional(), Type::List(inner) if matches!(**inner, Type::Str { .. } | Type::Unknown));
            let ok = patterns
                || matches!(
                    (b, t.strip_optional()),
                    (_, Type::Unknown)
                        | (Builtin::Len, Type::List(_))
                        | (
                            Builtin::Concat,
                            Type::Int { .. } | Type::Version | Type::Enum(_)
                        )
                        | (_, Type::Str { .. })
                );
            if !ok {
                let d = self.err(
                    CheckError::TypeMismatch,
                    a.span,
                    format!("`{}` needs a string, found {t}", b.name()),
                );
                self.push(d);
            }
            targs.push(te);
        }
        (TExpr::Call(b, targs), b.result())
    }
}
