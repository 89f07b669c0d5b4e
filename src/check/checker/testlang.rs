//! The test sub-language: `test` (given facts, settings, expectations) and `property`.

use super::*;

/// The fact set a `given` names: `intune.NAME` is the bundled policy's `NAME`.
pub(super) fn fact_set_key(name: &str) -> &str {
    name.strip_prefix("intune.").unwrap_or(name)
}

impl Checker {
    pub(super) fn test(&mut self, t: &ast::TestDecl) {
        let facts = self.given(&t.given);
        let mut expect = Vec::new();
        for e in &t.expectations {
            match e {
                ast::Expectation::Error(_) => expect.push(Expect::Error),
                ast::Expectation::Value { path, value } => {
                    if let Some(x) = self.expectation(path, value) {
                        expect.push(x);
                    }
                }
            }
        }
        self.suite.tests.push(TestDef {
            name: t.name.text.clone(),
            facts,
            settings: t.settings.as_ref().map(|j| j.value.clone()),
            expect,
            span: t.span,
        });
    }
    pub(super) fn given(&mut self, g: &ast::Given) -> serde_json::Value {
        let mut base = match &g.base {
            Some(n) => match self.suite.fact_sets.get(fact_set_key(&n.text)) {
                Some((v, span)) => {
                    let (v, span) = (v.clone(), *span);
                    self.known_fact_keys(&v, span);
                    v
                }
                None => {
                    let d = self.unknown(n.span, &n.text, "fact set");
                    self.push(d);
                    serde_json::Value::Object(Default::default())
                }
            },
            None => serde_json::Value::Object(Default::default()),
        };
        if let Some(p) = &g.patch {
            self.known_fact_keys(&p.value, p.span);
            merge_json(&mut base, &p.value);
        }
        base
    }
    /// A key of test facts that no fact declares is an error (a typo would otherwise
    /// leave the fact as it was, and the test pass for the wrong reason).
    pub(super) fn known_fact_keys(&mut self, json: &serde_json::Value, span: Span) {
        if let Some((key, at, hint)) = self.p.unknown_fact_key(json) {
            let path = if at.is_empty() {
                "$".to_string()
            } else {
                format!("$.{at}")
            };
            let mut d = self.err(
                CheckError::Unknown,
                span,
                format!("unknown fact key `{key}` at {path}"),
            );
            if let Some(h) = hint {
                d = d.with_help(h);
            }
            self.push(d);
        }
    }
    pub(super) fn expectation(
        &mut self,
        path: &ast::Name,
        value: &ast::ValueLit,
    ) -> Option<Expect> {
        let (dname, field) = match path.text.split_once('.') {
            Some((d, f)) => (d, Some(f)),
            None => (path.text.as_str(), None),
        };
        let Some((decision, _, d)) = self.p.decisions.get_full(dname) else {
            let d = self.unknown(path.span, dname, "decision");
            self.push(d);
            return None;
        };
        let field = field.unwrap_or(d.field.as_str()).to_string();
        let outcome_ty = Type::Enum(d.outcomes.clone());
        let ty = if field == d.field {
            if d.policy == HitPolicy::Collect {
                Type::List(Box::new(outcome_ty))
            } else {
                outcome_ty
            }
        } else if field == "not_enforced" {
            Type::List(Box::new(Type::Str { nocase: false }))
        } else if let Some((_, t)) = d.outputs.iter().find(|(n, _)| *n == field) {
            t.clone()
        } else if d.reports.iter().any(|(n, _)| *n == field) {
            Type::Unknown
        } else {
            let mut fields = vec![d.field.clone(), "not_enforced".to_string()];
            fields.extend(d.outputs.iter().map(|(n, _)| n.clone()));
            fields.extend(d.reports.iter().map(|(n, _)| n.clone()));
            let e = self
                .err(
                    CheckError::Unknown,
                    path.span,
                    format!("decision `{dname}` has no field `{field}`"),
                )
                .with_help(format!("its fields are {}", fields.join(", ")));
            self.push(e);
            return None;
        };
        let value = if ty == Type::Unknown {
            match &value.kind {
                ValueKind::Ident(s) => Value::enum_(s),
                ValueKind::Str(s) => Value::str(s),
                _ => self.lit_value(value, &Type::Str { nocase: false })?,
            }
        } else {
            self.lit_value(value, &ty)?
        };
        Some(Expect::Field {
            decision,
            field,
            value,
            span: path.span,
        })
    }
    pub(super) fn property(&mut self, p: &ast::PropertyDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let varying = match &p.varying {
            Some(n) => self.resolve(n, "fact"),
            None => None,
        };
        let cx = Cx {
            facts: true,
            decisions: true,
            varying: varying.is_some(),
            vars: Vec::new(),
            what: "a property",
        };
        if let Some(g) = &p.given {
            if !self.suite.fact_sets.contains_key(fact_set_key(&g.text)) {
                let d = self.unknown(g.span, &g.text, "fact set");
                self.push(d);
            }
        }
        let filter = p.filter.as_ref().map(|f| self.bool_expr(f, &cx));
        let expect = self.bool_expr(&p.expect, &cx);
        self.suite.properties.push(PropertyDef {
            name: p.name.text.clone(),
            given: p.given.as_ref().map(|g| fact_set_key(&g.text).to_string()),
            settings: p.settings.as_ref().map(|j| j.value.clone()),
            filter,
            varying,
            expect,
            span: p.span,
        });
    }

    // ------------------------------------------------------------ values
}
