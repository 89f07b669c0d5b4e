//! Declarations: facts and their groups, settings and their SDK gates, decisions,
//! lets, `set` lines, lints.

use super::*;

impl Checker {
    pub(super) fn fact(&mut self, f: &ast::FactDecl) {
        let Some(t) = self.type_expr(&f.ty) else {
            return;
        };
        if self.p.facts.contains_key(&f.name.text) || self.p.groups.contains_key(&f.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                f.name.span,
                format!("fact `{}` is declared twice", f.name.text),
            );
            self.push(d);
            return;
        }
        if t.strip_optional() == &Type::Group {
            self.p.groups.insert(
                f.name.text.clone(),
                GroupDef {
                    name: f.name.text.clone(),
                    doc: f.doc.clone().unwrap_or_default(),
                    span: f.span,
                },
            );
            return;
        }
        let optional = matches!(t, Type::Optional(_));
        let ty = t.strip_optional().clone();
        let default = match &f.default {
            Some(v) => self.lit_value(v, &ty),
            None => None,
        };
        self.p.facts.insert(
            f.name.text.clone(),
            FactDef {
                name: f.name.text.clone(),
                ty,
                optional,
                default,
                group: None,
                doc: f.doc.clone().unwrap_or_default(),
                span: f.span,
            },
        );
    }
    pub(super) fn assign_groups(&mut self) {
        let groups: Vec<String> = self.p.groups.keys().cloned().collect();
        for f in self.p.facts.values_mut() {
            f.group = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| f.name.starts_with(&format!("{g}.")))
                .max_by_key(|(_, g)| g.len())
                .map(|(i, _)| i);
        }
        let settings: Vec<(String, Span)> = self
            .p
            .settings
            .iter()
            .map(|(k, s)| (k.clone(), s.span))
            .collect();
        for (name, span) in settings {
            if self.p.facts.contains_key(&name) || self.p.groups.contains_key(&name) {
                let d = self.err(
                    CheckError::Duplicate,
                    span,
                    format!("`{name}` is declared both as a fact and as a setting"),
                );
                self.push(d);
            }
        }
    }
    pub(super) fn setting_decl(&mut self, s: &ast::SettingDecl) {
        let Some(ty) = self.type_expr(&s.ty) else {
            return;
        };
        if self.p.settings.contains_key(&s.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                s.name.span,
                format!("setting `{}` is declared twice", s.name.text),
            );
            self.push(d);
            return;
        }
        let Some(default) = self.lit_value(&s.default, &ty) else {
            return;
        };
        self.p.settings.insert(
            s.name.text.clone(),
            SettingDef {
                name: s.name.text.clone(),
                ty,
                default,
                doc: s.doc.clone().unwrap_or_default(),
                gate: None,
                span: s.span,
            },
        );
    }
    pub(super) fn gate(&mut self, s: &ast::SettingDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let Some(g) = &s.gate else { return };
        let Some(ty) = self.p.settings.get(&s.name.text).map(|d| d.ty.clone()) else {
            return;
        };
        let condition = self.bool_expr(&g.condition, &Cx::facts("a `requires` condition"));
        let only_for = match &g.only_for {
            Some(v) => self.lit_value(v, &ty),
            None => None,
        };
        let Some(fallback) = self.lit_value(&g.fallback, &ty) else {
            return;
        };
        if let Some(def) = self.p.settings.get_mut(&s.name.text) {
            def.gate = Some(GateDef {
                condition,
                only_for,
                fallback,
                span: g.span,
            });
        }
    }
    pub(super) fn decision(&mut self, d: &ast::DecisionDecl) {
        self.budget = MAX_EXPANDED_NODES;
        if self.p.decisions.contains_key(&d.name.text) {
            let e = self.err(
                CheckError::Duplicate,
                d.name.span,
                format!("decision `{}` is declared twice", d.name.text),
            );
            self.push(e);
            return;
        }
        let mut variants: Vec<String> = Vec::new();
        for o in &d.outcomes {
            if variants.contains(&o.text) {
                let e = self.err(
                    CheckError::Duplicate,
                    o.span,
                    format!("outcome `{}` is listed twice", o.text),
                );
                self.push(e);
            }
            variants.push(o.text.clone());
        }
        if variants.len() > crate::semantics::outcome::MAX_OUTCOMES {
            let e = self.err(
                CheckError::TooManyOutcomes,
                d.name.span,
                format!(
                    "decision `{}` lists {} outcomes; at most {} are allowed",
                    d.name.text,
                    variants.len(),
                    crate::semantics::outcome::MAX_OUTCOMES
                ),
            );
            self.push(e);
            return;
        }
        let outcomes = Arc::new(EnumType::new(
            Some(d.name.text.clone()),
            variants,
            d.policy == HitPolicy::Priority,
        ));
        let default = match &d.default {
            Some(n) if outcomes.index(&n.text).is_some() => Some(Value::enum_(&n.text)),
            Some(n) => {
                let e = self.err(
                    CheckError::UnknownOutcome,
                    n.span,
                    format!(
                        "default `{}` is not an outcome of decision `{}`",
                        n.text, d.name.text
                    ),
                );
                self.push(e);
                None
            }
            None if d.policy == HitPolicy::Collect => None,
            None => outcomes.variants.first().map(|v| Value::enum_(v)),
        };
        let only_when = d
            .only_when
            .as_ref()
            .map(|e| self.bool_expr(e, &Cx::facts("an `only when` condition")));
        let mut outputs = Vec::new();
        for (n, t) in &d.outputs {
            if let Some(t) = self.type_expr(t) {
                outputs.push((n.text.clone(), t));
            }
        }
        let mut reports = Vec::new();
        for (n, e) in &d.reports {
            let (te, _) = self.expr(e, &Cx::facts("a `report`"));
            reports.push((n.text.clone(), te));
        }
        let field = match (&d.field, d.policy) {
            (Some(f), _) => f.text.clone(),
            (None, HitPolicy::Collect) => "outcomes".to_string(),
            (None, _) => "outcome".to_string(),
        };
        self.p.decisions.insert(
            d.name.text.clone(),
            DecisionDef {
                name: d.name.text.clone(),
                policy: d.policy,
                outcomes,
                default,
                only_when,
                outputs,
                reports,
                field,
                doc: d.doc.clone().unwrap_or_default(),
                span: d.span,
            },
        );
    }
    pub(super) fn let_decl(&mut self, l: &ast::LetDecl) {
        if self.lets.contains_key(&l.name.text) {
            let d = self.err(
                CheckError::Duplicate,
                l.name.span,
                format!("`let {}` is declared twice", l.name.text),
            );
            self.push(d);
            return;
        }
        self.budget = MAX_EXPANDED_NODES;
        let (e, t) = self.expr(&l.expr, &Cx::facts("a `let`"));
        let (size, depth) = size_depth(&e);
        if depth > MAX_EXPANDED_DEPTH {
            let d = self.err(
                CheckError::LetTooLarge,
                l.name.span,
                format!("`let {}` nests {depth} deep once its lets are expanded (the limit is {MAX_EXPANDED_DEPTH})", l.name.text),
            );
            self.push(d);
            // Later uses see an unknown type rather than a cascade of errors.
            self.let_sizes.insert(l.name.text.clone(), (1, 1));
            self.lets
                .insert(l.name.text.clone(), (BAD.0, BAD.1, l.span));
            return;
        }
        self.let_sizes.insert(l.name.text.clone(), (size, depth));
        self.lets.insert(l.name.text.clone(), (e, t, l.span));
    }
    pub(super) fn lint(&mut self, l: &ast::LintDecl) {
        self.budget = MAX_EXPANDED_NODES;
        let cx = Cx::settings_only("a lint");
        let when = self.bool_expr(&l.when, &cx);
        let message = self.message(&l.message, l.span, &cx);
        self.p.lints.push(LintDef {
            error: l.error,
            name: l.name.text.clone(),
            when,
            message,
            span: l.span,
        });
    }
    pub(super) fn set(&mut self, s: &ast::SetDecl) {
        let Some((id, _, def)) = self.p.settings.get_full(&s.name.text) else {
            let d = self.unknown(s.name.span, &s.name.text, "setting");
            self.push(d);
            return;
        };
        let ty = def.ty.clone();
        if s.default {
            if let Some(first) = self.p.default_sets.get(&id) {
                let place = self.p.sources.locate(*first);
                let d = self
                    .err(
                        CheckError::Duplicate,
                        s.name.span,
                        format!(
                            "the default of setting `{}` is set twice (first at {place})",
                            s.name.text
                        ),
                    )
                    .with_help("keep one `set default` line per setting");
                self.push(d);
                return;
            }
            if let Some(v) = self.lit_value(&s.value, &ty) {
                self.p.default_sets.insert(id, s.span);
                if let Some((_, def)) = self.p.settings.get_index_mut(id) {
                    def.default = v;
                }
            }
            return;
        }
        // A second `set` of one setting (in one file or across files) would make the
        // order of the files decide: never guess which one counts.
        if let Some((_, _, first)) = self.p.overrides.iter().find(|(i, _, _)| *i == id) {
            let place = self.p.sources.locate(*first);
            let d = self
                .err(
                    CheckError::Duplicate,
                    s.name.span,
                    format!("setting `{}` is set twice (first at {place})", s.name.text),
                )
                .with_help("keep one `set` line per setting");
            self.push(d);
            return;
        }
        if let Some(v) = self.lit_value(&s.value, &ty) {
            self.p.overrides.push((id, v, s.span));
        }
    }
}
