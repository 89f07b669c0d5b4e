//! Declarations: each item of a file, decisions, rules, tests.

use super::*;

impl Builder<'_> {
    pub(super) fn item(&mut self, p: P) -> Option<Item> {
        let span = self.item_span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        Some(match rule {
            Rule::use_decl => Item::Use(self.name(it.next()?)),
            Rule::type_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let doc = it.next().and_then(|d| self.doc(d));
                Item::Type(TypeDecl {
                    name,
                    ty,
                    doc,
                    span,
                })
            }
            Rule::fact_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let mut default = None;
                let mut doc = None;
                for q in it {
                    match q.as_rule() {
                        Rule::value => default = Some(self.value(q)?),
                        Rule::doc => doc = self.doc(q),
                        _ => {}
                    }
                }
                Item::Fact(FactDecl {
                    name,
                    ty,
                    default,
                    doc,
                    span,
                })
            }
            Rule::setting_decl => {
                let name = self.name(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let default = self.value(it.next()?)?;
                let mut doc = None;
                let mut gate = None;
                for q in it {
                    match q.as_rule() {
                        Rule::doc => doc = self.doc(q),
                        Rule::gate => gate = Some(self.gate(q)?),
                        _ => {}
                    }
                }
                Item::Setting(SettingDecl {
                    name,
                    ty,
                    default,
                    doc,
                    gate,
                    span,
                })
            }
            Rule::set_decl => {
                let mut first = it.next()?;
                let default = first.as_rule() == Rule::set_default;
                if default {
                    first = it.next()?;
                }
                let name = self.name(first);
                let value = self.value(it.next()?)?;
                Item::Set(SetDecl {
                    default,
                    name,
                    value,
                    span,
                })
            }
            Rule::decision_decl => self.decision(span, it)?,
            Rule::let_decl => {
                let name = self.name(it.next()?);
                let expr = self.expr(it.next()?)?;
                let doc = it.next().and_then(|d| self.doc(d));
                Item::Let(LetDecl {
                    name,
                    expr,
                    doc,
                    span,
                })
            }
            Rule::rule_decl => self.rule(span, it)?,
            Rule::lint_decl => {
                let error = it.next()?.as_str() == "error";
                let name = self.name(it.next()?);
                let when = self.expr(it.next()?)?;
                let message = self.string(it.next()?.into_inner().next()?);
                Item::Lint(LintDecl {
                    error,
                    name,
                    when,
                    message,
                    span,
                })
            }
            Rule::facts_decl => {
                let name = self.name(it.next()?);
                let facts = self.json(it.next()?)?;
                Item::Facts(FactsDecl { name, facts, span })
            }
            Rule::test_decl => self.test(span, it)?,
            Rule::property_decl => {
                let name = self.name(it.next()?);
                let mut doc = None;
                let mut given = None;
                let mut settings = None;
                let mut filter = None;
                let mut varying = None;
                let mut expect = None;
                for q in it {
                    match q.as_rule() {
                        Rule::doc => doc = self.doc(q),
                        Rule::ident | Rule::path => given = Some(self.name(q)),
                        Rule::test_settings => settings = Some(self.json(q.into_inner().next()?)?),
                        Rule::for_all => {
                            for r in q.into_inner() {
                                match r.as_rule() {
                                    Rule::varying => {
                                        varying = Some(self.name(r.into_inner().next()?))
                                    }
                                    _ => filter = Some(self.expr(r)?),
                                }
                            }
                        }
                        Rule::expr => expect = Some(self.expr(q)?),
                        _ => {}
                    }
                }
                Item::Property(PropertyDecl {
                    name,
                    doc,
                    given,
                    settings,
                    filter,
                    varying,
                    expect: expect?,
                    span,
                })
            }
            _ => return None,
        })
    }
    pub(super) fn decision(
        &mut self,
        span: Span,
        mut it: pest::iterators::Pairs<Rule>,
    ) -> Option<Item> {
        let name = self.name(it.next()?);
        let pol = it.next()?;
        let policy = match pol.as_rule() {
            Rule::priority_policy => HitPolicy::Priority,
            Rule::first_policy => HitPolicy::First,
            _ => HitPolicy::Collect,
        };
        let outcomes = pol.into_inner().map(|q| self.name(q)).collect();
        let mut d = DecisionDecl {
            name,
            policy,
            outcomes,
            doc: None,
            only_when: None,
            default: None,
            outputs: Vec::new(),
            reports: Vec::new(),
            field: None,
            span,
        };
        for q in it {
            match q.as_rule() {
                Rule::doc => d.doc = self.doc(q),
                Rule::only_when => d.only_when = Some(self.expr(q.into_inner().next()?)?),
                Rule::default_clause => d.default = Some(self.name(q.into_inner().next()?)),
                Rule::as_clause => d.field = Some(self.name(q.into_inner().next()?)),
                Rule::output_clause => {
                    let mut qi = q.into_inner();
                    let n = self.name(qi.next()?);
                    let t = self.type_expr(qi.next()?)?;
                    d.outputs.push((n, t));
                }
                Rule::report_clause => {
                    let mut qi = q.into_inner();
                    let n = self.name(qi.next()?);
                    let e = self.expr(qi.next()?)?;
                    d.reports.push((n, e));
                }
                _ => {}
            }
        }
        Some(Item::Decision(d))
    }
    pub(super) fn rule(
        &mut self,
        span: Span,
        mut it: pest::iterators::Pairs<Rule>,
    ) -> Option<Item> {
        let name = self.name(it.next()?);
        let mut about = None;
        let mut doc = None;
        let mut for_each = None;
        let mut when = None;
        let mut then = None;
        for q in it {
            match q.as_rule() {
                Rule::about => about = Some(self.name(q.into_inner().next()?)),
                Rule::doc => doc = self.doc(q),
                Rule::for_clause => {
                    let mut qi = q.into_inner();
                    let var = self.name(qi.next()?);
                    let list = self.expr(qi.next()?)?;
                    let filter = match qi.next() {
                        Some(w) => Some(self.expr(w.into_inner().next()?)?),
                        None => None,
                    };
                    for_each = Some(ForEach { var, list, filter });
                }
                Rule::when_clause => when = Some(self.expr(q.into_inner().next()?)?),
                Rule::then_clause => {
                    let tspan = self.span(&q);
                    let mut qi = q.into_inner();
                    let decision = self.name(qi.next()?);
                    let outcome = self.expr(qi.next()?)?;
                    let mut outputs = Vec::new();
                    let mut message = None;
                    for r in qi {
                        match r.as_rule() {
                            Rule::with_clause => {
                                let mut ri = r.into_inner();
                                let n = self.name(ri.next()?);
                                let e = self.expr(ri.next()?)?;
                                outputs.push((n, e));
                            }
                            Rule::message => message = Some(self.string(r.into_inner().next()?)),
                            _ => {}
                        }
                    }
                    then = Some(Then {
                        decision,
                        outcome,
                        outputs,
                        message,
                        span: tspan,
                    });
                }
                _ => {}
            }
        }
        Some(Item::Rule(RuleDecl {
            name,
            about,
            doc,
            for_each,
            when,
            then: then?,
            span,
        }))
    }
    pub(super) fn test(
        &mut self,
        span: Span,
        mut it: pest::iterators::Pairs<Rule>,
    ) -> Option<Item> {
        let name = self.name(it.next()?);
        let mut doc = None;
        let mut given = Given {
            base: None,
            patch: None,
        };
        let mut settings = None;
        let mut expectations = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::doc => doc = self.doc(q),
                Rule::given => {
                    for g in q.into_inner() {
                        match g.as_rule() {
                            Rule::ident | Rule::path => given.base = Some(self.name(g)),
                            Rule::json_object => given.patch = Some(self.json(g)?),
                            _ => {}
                        }
                    }
                }
                Rule::test_settings => settings = Some(self.json(q.into_inner().next()?)?),
                Rule::expectation => {
                    let e = q.into_inner().next()?;
                    match e.as_rule() {
                        Rule::expect_error => expectations.push(Expectation::Error(self.span(&e))),
                        _ => {
                            let mut ei = e.into_inner();
                            let path = self.name(ei.next()?);
                            let value = self.value(ei.next()?)?;
                            expectations.push(Expectation::Value { path, value });
                        }
                    }
                }
                _ => {}
            }
        }
        Some(Item::Test(TestDecl {
            name,
            doc,
            given,
            settings,
            expectations,
            span,
        }))
    }
}
