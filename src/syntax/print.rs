//! The printer: AST → canonical text, comments kept. `apprules fmt` uses it.
//!
//! Canonical form: one declaration per paragraph as the author grouped them, clauses
//! on their own indented lines, minimal parentheses, long `and`/`or` chains in a
//! `when` broken one operand per line. Printing is idempotent: formatting formatted
//! text changes nothing.

use super::ast::*;
use crate::source::Sources;

const WIDTH: usize = 96;

/// Prints a parsed file with its comments.
pub fn print_file(file: &File, sources: &Sources) -> String {
    let text = file
        .items
        .first()
        .map(|i| i.span().file)
        .or_else(|| file.comments.first().map(|c| c.span.file))
        .and_then(|id| sources.get(id))
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let mut out = String::new();
    let mut comments = file.comments.iter().peekable();
    let mut last_end = 0usize;
    let gap = |from: usize, to: usize| {
        text.get(from..to)
            .is_some_and(|s| s.matches('\n').count() >= 2)
    };
    // Where an item's text ends: its span may take in the whitespace after it (pest
    // skips it before an optional part that is not there), which would make a comment
    // on the next line look like a comment on this one.
    let end_of = |span: crate::source::Span| {
        let end = span.end as usize;
        text.get(..end)
            .map_or(end, |t| t.trim_end().len())
            .max(span.start as usize)
    };
    for item in &file.items {
        let span = item.span();
        let item_end = end_of(span);
        while let Some(c) = comments.next_if(|c| (c.span.start as usize) < item_end) {
            if !out.is_empty() && gap(last_end, c.span.start as usize) {
                out.push('\n');
            }
            out.push_str(&format!("#{}\n", c.text));
            last_end = c.span.end as usize;
        }
        if !out.is_empty() && gap(last_end, span.start as usize) {
            out.push('\n');
        }
        out.push_str(&item_text(item));
        last_end = item_end;
        // A comment on the item's last line stays there.
        if let Some(c) = comments.next_if(|c| {
            c.trailing
                && !text
                    .get(last_end..c.span.start as usize)
                    .unwrap_or("\n")
                    .contains('\n')
        }) {
            out.push_str(&format!("  #{}", c.text));
            last_end = c.span.end as usize;
        }
        out.push('\n');
    }
    for c in comments {
        if !out.is_empty() && gap(last_end, c.span.start as usize) {
            out.push('\n');
        }
        out.push_str(&format!("#{}\n", c.text));
        last_end = c.span.end as usize;
    }
    out
}

fn item_text(item: &Item) -> String {
    match item {
        Item::Use(n) => format!("use {}", n.text),
        Item::Type(t) => with_doc(format!("type {} = {}", t.name.text, ty(&t.ty)), &t.doc),
        Item::Fact(f) => {
            let mut s = wrap_type(&format!("fact {}: ", f.name.text), &f.ty);
            if let Some(d) = &f.default {
                s.push_str(&format!(" = {}", value(d)));
            }
            if let Some(d) = &f.doc {
                let last = s.lines().last().map(str::len).unwrap_or(0);
                if last + d.len() + 3 > WIDTH {
                    s.push_str(&format!("\n  {}", string(d)));
                } else {
                    s.push_str(&format!(" {}", string(d)));
                }
            }
            s
        }
        Item::Setting(s) => {
            let mut out = wrap_type(&format!("setting {}: ", s.name.text), &s.ty);
            let default = value(&s.default);
            if out.lines().last().map(str::len).unwrap_or(0) + default.len() + 3 > WIDTH {
                out.push_str(&format!("\n  = {default}"));
            } else {
                out.push_str(&format!(" = {default}"));
            }
            if let Some(d) = &s.doc {
                out.push_str(&format!("\n  {}", string(d)));
            }
            if let Some(g) = &s.gate {
                out.push_str(&format!("\n  requires {}", expr(&g.condition, 0)));
                if let Some(v) = &g.only_for {
                    out.push_str(&format!(" for {}", value(v)));
                }
                out.push_str(&format!(" else {}", value(&g.fallback)));
            }
            out
        }
        Item::Set(s) => format!(
            "set {}{} = {}",
            if s.default { "default " } else { "" },
            s.name.text,
            value(&s.value)
        ),
        Item::Decision(d) => {
            let (kw, sep) = match d.policy {
                HitPolicy::Priority => ("priority", " < "),
                HitPolicy::First => ("first", " | "),
                HitPolicy::Collect => ("collect", " | "),
            };
            let outcomes: Vec<&str> = d.outcomes.iter().map(|o| o.text.as_str()).collect();
            let mut s = wrap_words(&format!("decision {}: {kw} ", d.name.text), &outcomes, sep);
            if let Some(doc) = &d.doc {
                s.push_str(&format!("\n  {}", string(doc)));
            }
            if let Some(w) = &d.only_when {
                s.push_str(&format!("\n  only when {}", expr(w, 0)));
            }
            if let Some(x) = &d.default {
                s.push_str(&format!("\n  default {}", x.text));
            }
            for (n, e) in &d.reports {
                s.push_str(&format!("\n  report {} = {}", n.text, expr(e, 0)));
            }
            for (n, t) in &d.outputs {
                s.push_str(&format!("\n  output {}: {}", n.text, ty(t)));
            }
            if let Some(f) = &d.field {
                s.push_str(&format!("\n  as {}", f.text));
            }
            s
        }
        Item::Let(l) => with_doc(
            format!("let {} = {}", l.name.text, expr(&l.expr, 0)),
            &l.doc,
        ),
        Item::Rule(r) => {
            let mut s = format!("rule {}", r.name.text);
            if let Some(a) = &r.about {
                s.push_str(&format!(" about {}", a.text));
            }
            if let Some(d) = &r.doc {
                s.push_str(&format!("\n  {}", string(d)));
            }
            if let Some(fe) = &r.for_each {
                s.push_str(&format!("\n  for {} in {}", fe.var.text, expr(&fe.list, 5)));
                if let Some(w) = &fe.filter {
                    s.push_str(&format!(" where {}", expr(w, 0)));
                }
            }
            if let Some(w) = &r.when {
                s.push_str(&format!("\n  {}", clause("when", w)));
            }
            let t = &r.then;
            s.push_str(&format!(
                "\n  then {} = {}",
                t.decision.text,
                expr(&t.outcome, 0)
            ));
            for (n, e) in &t.outputs {
                s.push_str(&format!(" with {} = {}", n.text, expr(e, 0)));
            }
            if let Some(m) = &t.message {
                s.push_str(&format!(" {}", string(m)));
            }
            s
        }
        Item::Lint(l) => format!(
            "lint {} {}\n  {}\n  {}",
            if l.error { "error" } else { "warning" },
            l.name.text,
            clause("when", &l.when),
            string(&l.message)
        ),
        Item::Facts(f) => format!("facts {} = {}", f.name.text, json(&f.facts.value)),
        Item::Test(t) => {
            let mut s = format!("test {}", t.name.text);
            if let Some(d) = &t.doc {
                s.push_str(&format!("\n  {}", string(d)));
            }
            s.push_str("\n  given");
            if let Some(b) = &t.given.base {
                s.push_str(&format!(" {}", b.text));
                if let Some(p) = &t.given.patch {
                    s.push_str(&format!(" with {}", json(&p.value)));
                }
            } else if let Some(p) = &t.given.patch {
                s.push_str(&format!(" {}", json(&p.value)));
            }
            if let Some(j) = &t.settings {
                s.push_str(&format!("\n  settings {}", json(&j.value)));
            }
            for e in &t.expectations {
                match e {
                    Expectation::Error(_) => s.push_str("\n  expect error"),
                    Expectation::Value { path, value: v } => {
                        s.push_str(&format!("\n  expect {} = {}", path.text, value(v)))
                    }
                }
            }
            s
        }
        Item::Property(p) => {
            let mut s = format!("property {}", p.name.text);
            if let Some(d) = &p.doc {
                s.push_str(&format!("\n  {}", string(d)));
            }
            if let Some(g) = &p.given {
                s.push_str(&format!("\n  given {}", g.text));
            }
            if let Some(j) = &p.settings {
                s.push_str(&format!("\n  settings {}", json(&j.value)));
            }
            s.push_str("\n  for all facts");
            if let Some(v) = &p.varying {
                s.push_str(&format!(" varying {}", v.text));
            }
            if let Some(w) = &p.filter {
                s.push_str(&format!(" where {}", expr(w, 0)));
            }
            s.push_str(&format!("\n  {}", clause("expect", &p.expect)));
            s
        }
    }
}

/// `prefix` then the type; a long enum breaks before a separator.
fn wrap_type(prefix: &str, t: &TypeExpr) -> String {
    match &t.kind {
        TypeKind::Enum { variants, ordered } if prefix.len() + ty(t).len() > WIDTH => {
            let names: Vec<&str> = variants.iter().map(|v| v.text.as_str()).collect();
            let opt = if t.optional { "optional " } else { "" };
            wrap_words(
                &format!("{prefix}{opt}"),
                &names,
                if *ordered { " < " } else { " | " },
            )
        }
        _ => format!("{prefix}{}", ty(t)),
    }
}

/// Words joined by `sep`, continuing on indented lines that start with the separator.
fn wrap_words(prefix: &str, words: &[&str], sep: &str) -> String {
    let mut out = prefix.to_string();
    let mut line = prefix.len();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(w);
            line += w.len();
        } else if line + sep.len() + w.len() > WIDTH {
            out.push_str(&format!("\n  {}{w}", sep.trim_start()));
            line = 2 + sep.trim_start().len() + w.len();
        } else {
            out.push_str(&format!("{sep}{w}"));
            line += sep.len() + w.len();
        }
    }
    out
}

fn with_doc(s: String, doc: &Option<String>) -> String {
    match doc {
        Some(d) => format!("{s}\n  {}", string(d)),
        None => s,
    }
}

/// `when EXPR`, breaking a long top-level `and`/`or` one operand per line.
fn clause(kw: &str, e: &Expr) -> String {
    let one = format!("{kw} {}", expr(e, 0));
    if one.len() <= WIDTH {
        return one;
    }
    let (parts, op, level) = match &e.kind {
        ExprKind::And(ps) => (ps, "and", 3),
        ExprKind::Or(ps) => (ps, "or", 2),
        _ => return one,
    };
    let pad = " ".repeat(kw.len() - op.len() + 1);
    let mut s = format!("{kw} {}", expr(&parts[0], level));
    for p in &parts[1..] {
        s.push_str(&format!("\n  {pad}{op} {}", expr(p, level)));
    }
    s
}

/// Escapes a string literal: quotes, backslashes and control characters.
pub fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON on one line, with a space after `:` and `,`.
fn json(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", string(k), json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(json).collect::<Vec<_>>().join(", ")
        ),
        J::String(s) => string(s),
        other => other.to_string(),
    }
}

/// Prints a type.
pub fn ty(t: &TypeExpr) -> String {
    let base = match &t.kind {
        TypeKind::Bool => "bool".to_string(),
        TypeKind::Int { min: None } => "int".into(),
        TypeKind::Int { min: Some(m) } => format!("int >= {m}"),
        TypeKind::String { nocase: false } => "string".into(),
        TypeKind::String { nocase: true } => "string ignoring case".into(),
        TypeKind::Version => "version".into(),
        TypeKind::Group => "group".into(),
        TypeKind::List(inner) => format!("list of {}", ty(inner)),
        TypeKind::Record(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(n, t)| format!("{}: {}", n.text, ty(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::Enum { variants, ordered } => variants
            .iter()
            .map(|v| v.text.as_str())
            .collect::<Vec<_>>()
            .join(if *ordered { " < " } else { " | " }),
        TypeKind::Ref(n) => n.text.clone(),
    };
    if t.optional {
        format!("optional {base}")
    } else {
        base
    }
}

/// Prints a constant value.
pub fn value(v: &ValueLit) -> String {
    match &v.kind {
        ValueKind::List(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        ValueKind::Record(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(n, v)| format!("{}: {}", n.text, value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValueKind::Version(s) | ValueKind::Ident(s) => s.clone(),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Str(s) => string(s),
        ValueKind::Bool(b) => b.to_string(),
    }
}

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Quant { .. } => 0,
        ExprKind::Or(_) => 1,
        ExprKind::And(_) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Cmp(..) => 4,
        ExprKind::Arith(ArithOp::Add | ArithOp::Sub, ..) => 5,
        ExprKind::Arith(ArithOp::Mul, ..) => 6,
        _ => 7,
    }
}

/// Prints an expression; parenthesised when its precedence is below `min`.
pub fn expr(e: &Expr, min: u8) -> String {
    let s = match &e.kind {
        ExprKind::Path(p) => p.clone(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Str(s) => string(s),
        ExprKind::Version(v) => v.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| expr(i, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Call(n, args) => format!(
            "{}({})",
            n.text,
            args.iter()
                .map(|a| expr(a, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Not(x) => format!("not {}", expr(x, 4)),
        ExprKind::And(xs) => xs
            .iter()
            .map(|x| expr(x, 3))
            .collect::<Vec<_>>()
            .join(" and "),
        ExprKind::Or(xs) => xs
            .iter()
            .map(|x| expr(x, 2))
            .collect::<Vec<_>>()
            .join(" or "),
        ExprKind::Cmp(op, a, b) => format!("{} {} {}", expr(a, 5), op.as_str(), expr(b, 5)),
        ExprKind::Arith(op, a, b) => {
            let (l, r) = if *op == ArithOp::Mul { (6, 7) } else { (5, 6) };
            format!("{} {} {}", expr(a, l), op.as_str(), expr(b, r))
        }
        ExprKind::Quant {
            all,
            var,
            list,
            body,
        } => format!(
            "{} {} in {}: {}",
            if *all { "all" } else { "any" },
            var.text,
            expr(list, 5),
            expr(body, 0)
        ),
    };
    if level(e) < min {
        format!("({s})")
    } else {
        s
    }
}
