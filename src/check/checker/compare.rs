//! Comparisons: which operators two types allow, and how they compare.

use super::*;

impl Checker {
    pub(super) fn cmp(
        &mut self,
        op: CmpOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        cx: &Cx,
    ) -> (TExpr, Type) {
        let (mut ta, at) = self.expr(a, cx);
        let (mut tb, bt) = self.expr(b, cx);
        let kind = if matches!(op, CmpOp::In | CmpOp::NotIn) {
            let elem = match bt.strip_optional() {
                Type::List(t) => (**t).clone(),
                Type::Unknown => Type::Unknown,
                other => {
                    let d = self.err(
                        CheckError::NotAList,
                        b.span,
                        format!("`{}` needs a list on its right, found {other}", op.as_str()),
                    );
                    self.push(d);
                    return BAD;
                }
            };
            // Check every literal of a literal list against the left side.
            if let TExpr::List(items) = &mut tb {
                for item in items.iter_mut() {
                    if let TExpr::Const(Value::Enum(n)) = item.clone() {
                        let n = n.to_string();
                        self.compatible(CmpOp::Eq, &at, &Type::Literal(n), b.span);
                    }
                    coerce_const(item, &at);
                }
            }
            self.compatible(CmpOp::Eq, &at, &elem, span)
        } else {
            coerce_const(&mut ta, &bt);
            coerce_const(&mut tb, &at);
            let at2 = const_type(&ta, &at);
            let bt2 = const_type(&tb, &bt);
            self.compatible(op, &at2, &bt2, span)
        };
        match kind {
            Some(k) => (TExpr::Cmp(op, Box::new(ta), Box::new(tb), k), Type::Bool),
            None => BAD,
        }
    }
    /// How two types compare with `op`, or a diagnostic.
    pub(super) fn compatible(
        &mut self,
        op: CmpOp,
        a: &Type,
        b: &Type,
        span: Span,
    ) -> Option<CmpKind> {
        let ordering = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        let nocase = a.nocase() || b.nocase();
        let plain = Some(CmpKind::Plain { nocase });
        let (a, b) = (a.strip_optional(), b.strip_optional());
        let bad = |c: &mut Checker, why: String| {
            let d = c.err(CheckError::TypeMismatch, span, why);
            c.push(d);
            None
        };
        match (a, b) {
            (Type::Unknown, _) | (_, Type::Unknown) => plain,
            (Type::Literal(n), Type::Enum(e)) | (Type::Enum(e), Type::Literal(n)) => {
                if e.index(n).is_none() {
                    let d = self
                        .err(
                            CheckError::BadValue,
                            span,
                            format!("`{n}` is not one of {}", e.variants.join(", ")),
                        )
                        .with_help(
                            suggest(n, e.variants.iter())
                                .unwrap_or_else(|| "check the spelling".into()),
                        );
                    self.push(d);
                    return None;
                }
                if ordering {
                    if !e.ordered {
                        return bad(
                            self,
                            format!(
                                "`{}` compares ordered values only; {a} and {b} have no order",
                                op.as_str()
                            ),
                        );
                    }
                    return Some(CmpKind::Ordered(e.clone()));
                }
                plain
            }
            (Type::Literal(n), Type::Str { .. }) | (Type::Str { .. }, Type::Literal(n)) => {
                let d = self
                    .err(
                        CheckError::TypeMismatch,
                        span,
                        format!("`{n}` is not a declared name"),
                    )
                    .with_help(format!("to compare with the string, quote it: \"{n}\""));
                self.push(d);
                None
            }
            (Type::Literal(x), Type::Literal(y)) => {
                bad(self, format!("cannot compare the names `{x}` and `{y}`"))
            }
            (Type::Enum(x), Type::Enum(y)) => {
                if ordering {
                    if x.ordered && x.variants == y.variants {
                        return Some(CmpKind::Ordered(x.clone()));
                    }
                    return bad(
                        self,
                        format!(
                            "`{}` compares values of one ordered type; found {a} and {b}",
                            op.as_str()
                        ),
                    );
                }
                if x.variants.iter().any(|v| y.index(v).is_some()) {
                    plain
                } else {
                    bad(self, format!("{a} and {b} have no value in common"))
                }
            }
            (Type::Enum(_), Type::Str { .. }) | (Type::Str { .. }, Type::Enum(_)) if !ordering => {
                plain
            }
            (Type::Str { .. }, Type::Str { .. }) => plain,
            (Type::Int { .. }, Type::Int { .. }) | (Type::Version, Type::Version) => plain,
            (Type::Bool, Type::Bool) if !ordering => plain,
            _ => bad(
                self,
                format!("cannot compare {a} with {b} using `{}`", op.as_str()),
            ),
        }
    }
}
