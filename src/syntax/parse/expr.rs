//! Expressions, operators by precedence.

use super::*;

impl Builder<'_> {
    pub(super) fn expr(&mut self, p: P) -> Option<Expr> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let text = p.as_str();
        let mut it = p.into_inner();
        let kind = match rule {
            Rule::expr | Rule::paren => return self.expr(it.next()?),
            Rule::quantified => {
                let all = it.next()?.as_str() == "all";
                let var = self.name(it.next()?);
                let list = self.expr(it.next()?)?;
                let body = self.expr(it.next()?)?;
                ExprKind::Quant {
                    all,
                    var,
                    list: Box::new(list),
                    body: Box::new(body),
                }
            }
            Rule::or_expr | Rule::and_expr => {
                let mut parts = Vec::new();
                for q in it.filter(|q| !matches!(q.as_rule(), Rule::kw_and | Rule::kw_or)) {
                    parts.push(self.expr(q)?);
                }
                if parts.len() == 1 {
                    return parts.pop();
                }
                if rule == Rule::or_expr {
                    ExprKind::Or(parts)
                } else {
                    ExprKind::And(parts)
                }
            }
            Rule::not_expr => {
                let mut nots = 0usize;
                let mut inner = None;
                for q in it {
                    if q.as_rule() == Rule::not_op {
                        nots += 1;
                    } else {
                        inner = Some(self.expr(q)?);
                    }
                }
                let inner = inner?;
                if nots % 2 == 0 {
                    return Some(inner);
                }
                ExprKind::Not(Box::new(inner))
            }
            Rule::cmp_expr => {
                let lhs = self.expr(it.next()?)?;
                let Some(op) = it.next() else {
                    return Some(lhs);
                };
                let op = match op.as_str() {
                    "==" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<=" => CmpOp::Le,
                    ">=" => CmpOp::Ge,
                    "<" => CmpOp::Lt,
                    ">" => CmpOp::Gt,
                    "in" => CmpOp::In,
                    _ => CmpOp::NotIn,
                };
                let rhs = self.expr(it.next()?)?;
                ExprKind::Cmp(op, Box::new(lhs), Box::new(rhs))
            }
            Rule::add_expr | Rule::mul_expr => {
                let mut acc = self.expr(it.next()?)?;
                let mut ops = 0usize;
                while let Some(op) = it.next() {
                    // A chain of operators nests like brackets do: same limit.
                    ops += 1;
                    if ops > self.max_depth {
                        self.diags.push(
                            Diagnostic::error(
                                ParseError::TooDeep,
                                Span::new(self.file, op.as_span().start(), op.as_span().end()),
                                format!(
                                    "too many operators in a row (the limit is {})",
                                    self.max_depth
                                ),
                            )
                            .with_help("split the expression with `let` declarations"),
                        );
                        return None;
                    }
                    let op = match op.as_str() {
                        "+" => ArithOp::Add,
                        "-" => ArithOp::Sub,
                        _ => ArithOp::Mul,
                    };
                    let rhs = self.expr(it.next()?)?;
                    let s = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Arith(op, Box::new(acc), Box::new(rhs)),
                        span: s,
                    };
                }
                return Some(acc);
            }
            Rule::call => {
                let name = self.name(it.next()?);
                let mut args = Vec::new();
                for q in it {
                    args.push(self.expr(q)?);
                }
                ExprKind::Call(name, args)
            }
            Rule::list_lit => {
                let mut items = Vec::new();
                for q in it {
                    items.push(self.expr(q)?);
                }
                ExprKind::List(items)
            }
            Rule::version_lit => ExprKind::Version(text.to_string()),
            Rule::int_lit => match text.parse::<i64>() {
                Ok(v) => ExprKind::Int(v),
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        span,
                        format!("integer `{text}` is out of range"),
                    ));
                    return None;
                }
            },
            Rule::string_lit => {
                ExprKind::Str(unescape(it.next().map(|i| i.as_str()).unwrap_or("")))
            }
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::path => ExprKind::Path(text.to_string()),
            _ => return None,
        };
        Some(Expr { kind, span })
    }
}
