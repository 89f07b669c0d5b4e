//! Rules: `for`, `when`, `then` with outputs, and message templates.

use super::*;

impl Checker {
    pub(super) fn rule(&mut self, r: &ast::RuleDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let about = match &r.about {
            Some(n) => self.resolve(n, "setting"),
            None => None,
        };
        let mut cx = Cx::facts("a rule");
        let for_each = match &r.for_each {
            Some(fe) => {
                let (list, lt) = self.expr(&fe.list, &Cx::settings_only("the list of a `for`"));
                let item = self.list_item(&lt, fe.list.span, "for");
                cx.vars.push((fe.var.text.clone(), item));
                let filter = fe.filter.as_ref().map(|f| self.bool_expr(f, &cx));
                Some((list, filter))
            }
            None => None,
        };
        let when = match &r.when {
            Some(w) => self.bool_expr(w, &cx),
            None => TExpr::Const(Value::Bool(true)),
        };
        let Some(decision) = self.p.decisions.get_index_of(&r.then.decision.text) else {
            let d = self.unknown(r.then.decision.span, &r.then.decision.text, "decision");
            self.push(d);
            return;
        };
        let (outcomes, outputs_decl) = match self.p.decisions.get_index(decision) {
            Some((_, d)) => (d.outcomes.clone(), d.outputs.clone()),
            None => return,
        };
        let mut ocx = cx.clone();
        ocx.facts = false;
        ocx.what = "an outcome";
        let (outcome, ot) = self.expr(&r.then.outcome, &ocx);
        match ot.strip_optional() {
            Type::Literal(n) if outcomes.index(n).is_none() => {
                let d = self
                    .err(
                        CheckError::UnknownOutcome,
                        r.then.outcome.span,
                        format!(
                            "`{n}` is not an outcome of decision `{}`",
                            r.then.decision.text
                        ),
                    )
                    .with_help(format!("the outcomes are {}", outcomes.variants.join(", ")));
                self.push(d);
            }
            Type::Literal(_) | Type::Unknown => {}
            Type::Enum(e) if e.variants.iter().any(|v| outcomes.index(v).is_some()) => {}
            other => {
                let d = self.err(
                    CheckError::UnknownOutcome,
                    r.then.outcome.span,
                    format!(
                        "the outcome of decision `{}` must be one of its outcomes, found {other}",
                        r.then.decision.text
                    ),
                );
                self.push(d);
            }
        }
        let mut outputs = Vec::new();
        for (n, e) in &r.then.outputs {
            let Some(idx) = outputs_decl.iter().position(|(m, _)| *m == n.text) else {
                let d = self
                    .err(
                        CheckError::Unknown,
                        n.span,
                        format!(
                            "decision `{}` has no output `{}`",
                            r.then.decision.text, n.text
                        ),
                    )
                    .with_help("declare it in the decision with `output NAME: TYPE`");
                self.push(d);
                continue;
            };
            let want = outputs_decl[idx].1.clone();
            let te = self.expr_expecting(e, &want, &cx);
            outputs.push((idx, te));
        }
        let message = match &r.then.message {
            Some(m) => self.message(m, r.then.span, &ocx),
            None => vec![MsgPart::Text(
                r.doc
                    .clone()
                    .unwrap_or_else(|| r.name.text.replace('_', " ")),
            )],
        };
        self.p.rules.push(RuleDef {
            name: r.name.text.clone(),
            about,
            doc: r.doc.clone().unwrap_or_default(),
            for_each,
            when,
            decision,
            outcome,
            outputs,
            message,
            span: r.span,
        });
    }
    /// Splits `text {name} text` into parts; each `{...}` is a path expression.
    pub(super) fn message(&mut self, m: &str, span: Span, cx: &Cx) -> Vec<MsgPart> {
        let mut parts = Vec::new();
        let mut rest = m;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            if open > 0 {
                parts.push(MsgPart::Text(rest[..open].to_string()));
            }
            let inner = rest[open + 1..open + close].trim();
            let e = ast::Expr {
                kind: ExprKind::Path(inner.to_string()),
                span,
            };
            let (te, _) = self.expr(&e, cx);
            parts.push(MsgPart::Expr(te));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(MsgPart::Text(rest.to_string()));
        }
        parts
    }
}
