//! Literals and types: docs, gates, strings, integers, type expressions, values,
//! JSON objects.

use super::*;

/// Decodes the escapes of a string literal, as JSON does: `\"`, `\\`, `\/`, `\b`,
/// `\f`, `\n`, `\r`, `\t` and `\u` with four hex digits (surrogate pairs too). Any other escaped
/// character stands for itself.
pub(super) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<u32> {
                    let s: String = (0..4).filter_map(|_| chars.next()).collect();
                    if s.len() == 4 {
                        u32::from_str_radix(&s, 16).ok()
                    } else {
                        None
                    }
                };
                match hex(&mut chars) {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let mut look = chars.clone();
                        let lo = if look.next() == Some('\\') && look.next() == Some('u') {
                            hex(&mut look).filter(|lo| (0xDC00..=0xDFFF).contains(lo))
                        } else {
                            None
                        };
                        match lo {
                            Some(lo) => {
                                chars = look;
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                            }
                            None => out.push('\u{fffd}'),
                        }
                    }
                    Some(code) => out.push(char::from_u32(code).unwrap_or('\u{fffd}')),
                    None => out.push('\u{fffd}'),
                }
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}

impl Builder<'_> {
    pub(super) fn doc(&mut self, p: P) -> Option<String> {
        Some(self.string(p.into_inner().next()?))
    }
    pub(super) fn gate(&mut self, p: P) -> Option<Gate> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let condition = self.expr(it.next()?)?;
        let mut only_for = None;
        let mut fallback = None;
        for q in it {
            match q.as_rule() {
                Rule::gate_for => only_for = Some(self.value(q.into_inner().next()?)?),
                Rule::value => fallback = Some(self.value(q)?),
                _ => {}
            }
        }
        Some(Gate {
            condition,
            only_for,
            fallback: fallback?,
            span,
        })
    }
    /// Decodes a string literal's escapes.
    pub(super) fn string(&mut self, p: P) -> String {
        unescape(p.into_inner().next().map(|i| i.as_str()).unwrap_or(""))
    }
    pub(super) fn int(&mut self, p: &P) -> Option<i64> {
        match p.as_str().parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        self.span(p),
                        format!("integer `{}` is out of range", p.as_str()),
                    )
                    .with_help(format!(
                        "integers must lie between {} and {}",
                        i64::MIN,
                        i64::MAX
                    )),
                );
                None
            }
        }
    }
    pub(super) fn type_expr(&mut self, p: P) -> Option<TypeExpr> {
        let span = self.span(&p);
        let mut optional = false;
        let mut kind = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::optional_kw => optional = true,
                _ => kind = Some(self.base_type(q)?),
            }
        }
        Some(TypeExpr {
            optional,
            kind: kind?,
            span,
        })
    }
    pub(super) fn base_type(&mut self, p: P) -> Option<TypeKind> {
        Some(match p.as_rule() {
            Rule::list_type => {
                let inner = p.into_inner().next()?;
                let span = self.span(&inner);
                TypeKind::List(Box::new(TypeExpr {
                    optional: false,
                    kind: self.base_type(inner)?,
                    span,
                }))
            }
            Rule::record_type => {
                let mut fields = Vec::new();
                for f in p.into_inner() {
                    let mut fi = f.into_inner();
                    let n = self.name(fi.next()?);
                    let t = self.type_expr(fi.next()?)?;
                    fields.push((n, t));
                }
                TypeKind::Record(fields)
            }
            Rule::group_type => TypeKind::Group,
            Rule::prim_type => {
                let q = p.into_inner().next()?;
                match q.as_rule() {
                    Rule::bool_type => TypeKind::Bool,
                    Rule::int_type => {
                        let min = match q.into_inner().next() {
                            Some(i) => Some(self.int(&i)?),
                            None => None,
                        };
                        TypeKind::Int { min }
                    }
                    Rule::string_type => TypeKind::String {
                        nocase: q.into_inner().next().is_some(),
                    },
                    _ => TypeKind::Version,
                }
            }
            Rule::ordered_enum | Rule::enum_type => {
                let ordered = p.as_rule() == Rule::ordered_enum;
                TypeKind::Enum {
                    variants: p.into_inner().map(|q| self.name(q)).collect(),
                    ordered,
                }
            }
            Rule::type_ref => TypeKind::Ref(self.name(p.into_inner().next()?)),
            _ => return None,
        })
    }
    pub(super) fn value(&mut self, p: P) -> Option<ValueLit> {
        let span = self.span(&p);
        let q = if p.as_rule() == Rule::value {
            p.into_inner().next()?
        } else {
            p
        };
        let kind = match q.as_rule() {
            Rule::value_list => {
                let mut items = Vec::new();
                for v in q.into_inner() {
                    items.push(self.value(v)?);
                }
                ValueKind::List(items)
            }
            Rule::value_record => {
                let mut fields = Vec::new();
                for f in q.into_inner() {
                    let mut fi = f.into_inner();
                    let n = self.name(fi.next()?);
                    let v = self.value(fi.next()?)?;
                    fields.push((n, v));
                }
                ValueKind::Record(fields)
            }
            Rule::version_lit => ValueKind::Version(q.as_str().to_string()),
            Rule::int_lit => ValueKind::Int(self.int(&q)?),
            Rule::string_lit => ValueKind::Str(self.string(q)),
            Rule::bool_lit => ValueKind::Bool(q.as_str() == "true"),
            _ => ValueKind::Ident(q.as_str().to_string()),
        };
        Some(ValueLit { kind, span })
    }
    pub(super) fn json(&mut self, p: P) -> Option<Json> {
        let span = self.span(&p);
        Some(Json {
            value: self.json_value(p)?,
            span,
        })
    }
    pub(super) fn json_value(&mut self, p: P) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        let q = if p.as_rule() == Rule::json_value {
            p.into_inner().next()?
        } else {
            p
        };
        Some(match q.as_rule() {
            Rule::json_object => {
                let mut map = serde_json::Map::new();
                for pair in q.into_inner() {
                    let mut pi = pair.into_inner();
                    let key = pi.next()?;
                    let key_span = self.span(&key);
                    let k = self.string(key);
                    let v = self.json_value(pi.next()?)?;
                    if map.contains_key(&k) {
                        // A duplicate key would be last-wins: never guess in a policy.
                        self.diags.push(Diagnostic::error(
                            ParseError::DuplicateKey,
                            key_span,
                            format!("key `{k}` appears twice in this JSON object"),
                        ));
                        return None;
                    }
                    map.insert(k, v);
                }
                J::Object(map)
            }
            Rule::json_array => {
                let mut items = Vec::new();
                for v in q.into_inner() {
                    items.push(self.json_value(v)?);
                }
                J::Array(items)
            }
            Rule::string_lit => J::String(self.string(q)),
            Rule::json_number => match serde_json::from_str::<J>(q.as_str()) {
                Ok(v) => v,
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        ParseError::IntegerTooLarge,
                        self.span(&q),
                        format!("number `{}` is out of range", q.as_str()),
                    ));
                    return None;
                }
            },
            Rule::json_true => J::Bool(true),
            Rule::json_false => J::Bool(false),
            _ => J::Null,
        })
    }
}
