//! Types: named types resolved (cycles and depth checked), type expressions.

use super::*;

impl Checker {
    pub(super) fn resolve_named_type(&mut self, name: &str, depth: usize) -> Option<Type> {
        let (te, resolved, span) = self.types.get(name)?.clone();
        if let Some(t) = resolved {
            return Some(t);
        }
        match self.type_state.get(name) {
            Some(true) => return None,
            Some(false) => {
                let d = self.err(
                    CheckError::CyclicType,
                    span,
                    format!("type `{name}` refers to itself"),
                );
                self.push(d);
                return None;
            }
            None => {}
        }
        if depth > MAX_TYPE_DEPTH {
            let d = self.err(
                CheckError::TypeTooDeep,
                span,
                format!("type `{name}` refers through more than {MAX_TYPE_DEPTH} other types"),
            );
            self.push(d);
            return None;
        }
        self.type_state.insert(name.to_string(), false);
        let t = self.type_expr_at(&te, depth + 1);
        let Some(mut t) = t else {
            self.type_state.insert(name.to_string(), true);
            return None;
        };
        self.type_state.remove(name);
        if let Type::Enum(e) = &t {
            t = Type::Enum(Arc::new(EnumType::new(
                Some(name.to_string()),
                e.variants.clone(),
                e.ordered,
            )));
        }
        if let Some(entry) = self.types.get_mut(name) {
            entry.1 = Some(t.clone());
        }
        Some(t)
    }
    pub(super) fn type_expr(&mut self, te: &ast::TypeExpr) -> Option<Type> {
        self.type_expr_at(te, 0)
    }
    /// `None` (and an error) when a list or record of `inner` would nest deeper than
    /// [`MAX_TYPE_DEPTH`]: chains of `type` declarations build types level by level,
    /// so the bound is checked here, where each level is built.
    pub(super) fn nest_ok(&mut self, inner: &Type, span: crate::source::Span) -> Option<()> {
        if inner.depth() < MAX_TYPE_DEPTH {
            return Some(());
        }
        let d = self.err(
            CheckError::TypeTooDeep,
            span,
            format!("this type nests deeper than {MAX_TYPE_DEPTH} levels of lists and records"),
        );
        self.push(d);
        None
    }
    pub(super) fn type_expr_at(&mut self, te: &ast::TypeExpr, depth: usize) -> Option<Type> {
        let t = match &te.kind {
            TypeKind::Bool => Type::Bool,
            TypeKind::Int { min } => Type::Int { min: *min },
            TypeKind::String { nocase } => Type::Str { nocase: *nocase },
            TypeKind::Version => Type::Version,
            TypeKind::Group => Type::Group,
            TypeKind::List(inner) => {
                let inner = self.type_expr_at(inner, depth)?;
                self.nest_ok(&inner, te.span)?;
                Type::List(Box::new(inner))
            }
            TypeKind::Record(fields) => {
                let mut out: Vec<(String, Type)> = Vec::new();
                let mut names: std::collections::HashSet<&str> = std::collections::HashSet::new();
                for (n, t) in fields {
                    if !names.insert(n.text.as_str()) {
                        let d = self.err(
                            CheckError::Duplicate,
                            n.span,
                            format!("field `{}` is declared twice", n.text),
                        );
                        self.push(d);
                    }
                    let ft = self.type_expr_at(t, depth)?;
                    self.nest_ok(&ft, te.span)?;
                    out.push((n.text.clone(), ft));
                }
                Type::Record(Arc::new(out))
            }
            TypeKind::Enum { variants, ordered } => {
                let mut vs: Vec<String> = Vec::new();
                let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
                for v in variants {
                    if !seen.insert(v.text.as_str()) {
                        let d = self.err(
                            CheckError::Duplicate,
                            v.span,
                            format!("value `{}` is listed twice", v.text),
                        );
                        self.push(d);
                    }
                    vs.push(v.text.clone());
                }
                Type::Enum(Arc::new(EnumType::new(None, vs, *ordered)))
            }
            TypeKind::Ref(n) => match self.types.contains_key(&n.text) {
                true => self.resolve_named_type(&n.text, depth)?,
                false => {
                    let d = self
                        .err(
                            CheckError::Unknown,
                            n.span,
                            format!("unknown type `{}`", n.text),
                        )
                        .with_help(
                            "declare it with `type NAME = ...`, or list values with `a | b`",
                        );
                    self.push(d);
                    return None;
                }
            },
        };
        Some(if te.optional {
            Type::Optional(Box::new(t))
        } else {
            t
        })
    }

    // ------------------------------------------------------------ declarations
}
