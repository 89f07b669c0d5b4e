//! Decision tables as text, for `apprules table`.

use super::{CExpr, Compiled, Table};
use crate::check::ir::Program;

/// A column's header: the fact expression it computes.
pub fn column_name(c: &CExpr, p: &Program) -> String {
    match c {
        CExpr::Const(v) => v.to_string(),
        CExpr::Fact(f) => p.fact_name(*f).to_string(),
        CExpr::Group(g) => p.group_name(*g).to_string(),
        CExpr::Call(b, args) => format!(
            "{}({})",
            b.name(),
            args.iter()
                .map(|a| column_name(a, p))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        CExpr::Arith(op, a, b) => format!(
            "{} {} {}",
            column_name(a, p),
            op.as_str(),
            column_name(b, p)
        ),
        CExpr::Interp(e, _) => e.display(p),
    }
}

/// Every table of a compiled policy.
pub fn tables(c: &Compiled) -> String {
    c.tables
        .iter()
        .map(|t| table(c, t))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One table: a header line, then aligned columns; `-` is "any".
pub fn table(c: &Compiled, t: &Table) -> String {
    let p = &*c.program;
    let mut out = String::new();
    let Some((_, def)) = p.decisions.get_index(t.decision) else {
        return out;
    };
    let sep = if def.policy == crate::syntax::ast::HitPolicy::Priority {
        " < "
    } else {
        " | "
    };
    out.push_str(&format!(
        "decision {} ({:?} hit policy: {}) — {} rules, {} rows, {} columns\n",
        t.name,
        def.policy,
        def.outcomes.variants.join(sep),
        t.instances,
        t.rows.len(),
        t.columns.len()
    ));
    if let Some(w) = &t.only_when {
        let alts: Vec<String> = w
            .alternatives
            .iter()
            .map(|a| {
                a.iter()
                    .map(|(c, test)| {
                        format!(
                            "{} {test}",
                            t.columns
                                .get(*c)
                                .map(|x| column_name(x, p))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        out.push_str(&format!("only when {}\n", alts.join(" or ")));
    }
    let mut header = vec!["#".to_string(), "rule".to_string()];
    header.extend(t.columns.iter().map(|c| column_name(c, p)));
    header.push(format!("=> {}", t.name));
    let mut grid = vec![header];
    for (i, r) in t.rows.iter().enumerate() {
        let mut name = p
            .rules
            .get(r.rule)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        for s in &r.fallback {
            name.push_str(&format!(" [{} not enforced]", p.setting_name(*s)));
        }
        if let Some(s) = r.shadow {
            name.push_str(&format!(
                " [shadow: if {} were enforced]",
                p.setting_name(s)
            ));
        }
        let mut line = vec![format!("{}", i + 1), name];
        for col in 0..t.columns.len() {
            let cell: Vec<String> = r.cell(col).map(|t| t.to_string()).collect();
            line.push(if cell.is_empty() {
                "-".into()
            } else {
                cell.join(" and ")
            });
        }
        let mut result = r.outcome.to_string();
        for (oi, e) in &r.outputs {
            let name = def.outputs.get(*oi).map(|(n, _)| n.as_str()).unwrap_or("");
            let v = match e {
                CExpr::Const(v) => v.to_string(),
                e => column_name(e, p),
            };
            result.push_str(&format!(", {name} = {v}"));
        }
        line.push(result);
        grid.push(line);
    }
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|c| {
            grid.iter()
                .map(|r| r.get(c).map(|s| s.chars().count()).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (ri, row) in grid.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
            .collect();
        out.push_str(cells.join(" | ").trim_end());
        out.push('\n');
        if ri == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("-+-"));
            out.push('\n');
        }
    }
    out
}
