//! Literals: values typed against what they must be, constants coerced.

use super::*;

/// Turns a string constant into a version where a version is compared.
pub(super) fn coerce_const(e: &mut TExpr, other: &Type) {
    if let (TExpr::Const(Value::Str(s)), Type::Version) = (&*e, other.strip_optional()) {
        if let Some(v) = Version::parse(s) {
            *e = TExpr::Const(Value::Version(v));
        }
    }
    if other.nocase() {
        if let TExpr::Const(v) = &*e {
            *e = TExpr::Const(v.lowercased());
        }
    }
}

pub(super) fn const_type(e: &TExpr, t: &Type) -> Type {
    match (e, t) {
        (TExpr::Const(Value::Version(_)), Type::Str { .. }) => Type::Version,
        _ => t.clone(),
    }
}

pub(super) fn lit_text(l: &ast::ValueLit) -> String {
    match &l.kind {
        ValueKind::Ident(s) | ValueKind::Version(s) => s.clone(),
        ValueKind::Str(s) => format!("\"{s}\""),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::List(_) => "[...]".into(),
        ValueKind::Record(_) => "{...}".into(),
    }
}

impl Checker {
    /// A constant as written, checked against a type.
    pub(super) fn lit_value(&mut self, lit: &ast::ValueLit, ty: &Type) -> Option<Value> {
        let mismatch = |c: &mut Checker| {
            let d = c.err(
                CheckError::BadValue,
                lit.span,
                format!(
                    "expected {}, found `{}`",
                    crate::value::expected_text(ty),
                    lit_text(lit)
                ),
            );
            c.push(d);
            None
        };
        match (ty, &lit.kind) {
            (Type::Optional(_), ValueKind::Ident(s)) if s == "not_configured" => {
                Some(Value::Absent)
            }
            (Type::Optional(inner), _) => self.lit_value(lit, inner),
            (Type::Bool, ValueKind::Bool(b)) => Some(Value::Bool(*b)),
            (Type::Int { min }, ValueKind::Int(i)) => {
                if min.is_some_and(|m| *i < m) {
                    return mismatch(self);
                }
                Some(Value::Int(*i))
            }
            (Type::Str { nocase }, ValueKind::Str(s)) => Some(if *nocase {
                Value::str(&s.to_ascii_lowercase())
            } else {
                Value::str(s)
            }),
            (Type::Version, ValueKind::Version(s) | ValueKind::Str(s)) => match Version::parse(s) {
                Some(v) => Some(Value::Version(v)),
                None => mismatch(self),
            },
            (Type::Enum(e), ValueKind::Ident(s)) => {
                if e.index(s).is_none() {
                    let d = self
                        .err(
                            CheckError::BadValue,
                            lit.span,
                            format!("`{s}` is not one of {}", e.variants.join(", ")),
                        )
                        .with_help(
                            suggest(s, e.variants.iter())
                                .unwrap_or_else(|| "check the spelling".into()),
                        );
                    self.push(d);
                    return None;
                }
                Some(Value::enum_(s))
            }
            (Type::List(inner), ValueKind::List(items)) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.lit_value(i, inner)?);
                }
                Some(Value::List(Arc::new(out)))
            }
            (Type::Record(fields), ValueKind::Record(given)) => {
                let mut out = Vec::new();
                for (n, _) in given {
                    if !fields.iter().any(|(f, _)| *f == n.text) {
                        let d = self.err(
                            CheckError::BadValue,
                            n.span,
                            format!(
                                "unknown field `{}`; the fields are {}",
                                n.text,
                                fields
                                    .iter()
                                    .map(|(f, _)| f.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        self.push(d);
                        return None;
                    }
                }
                for (f, ft) in fields.iter() {
                    match given.iter().find(|(n, _)| n.text == *f) {
                        Some((_, v)) => out.push((f.clone(), self.lit_value(v, ft)?)),
                        None if matches!(ft, Type::Optional(_)) => {
                            out.push((f.clone(), Value::Absent))
                        }
                        None => {
                            let d = self.err(
                                CheckError::BadValue,
                                lit.span,
                                format!("missing field `{f}`"),
                            );
                            self.push(d);
                            return None;
                        }
                    }
                }
                Some(Value::Record(Arc::new(out)))
            }
            _ => mismatch(self),
        }
    }

    // ------------------------------------------------------------ expressions
}
