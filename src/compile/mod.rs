//! Step three: checked IR + setting values → decision tables.
//!
//! Settings are constants once a policy is compiled, so every condition on settings
//! folds away: what remains are tests on facts. The compiler
//!
//! 1. expands each rule: one instance per item of its `for` list, and — for settings
//!    that an old Intune SDK does not enforce (`requires ... else ...`) — one variant
//!    with the setting as configured and one with its fallback, each guarded by the
//!    gate condition, plus *shadow* variants that tell whether the setting would have
//!    changed the outcome (`not_enforced`);
//! 2. partially evaluates the condition (`Pe`) into a formula over atoms
//!    `column test`, where a column is a fact expression;
//! 3. puts the formula in disjunctive normal form: each conjunction is a row, its
//!    atoms grouped by column into cells, contradictory cells detected.

mod fault;
pub mod print;
pub mod row;
pub mod table;

use crate::check::ir::*;
use crate::codes::CompileError;
use crate::diag::Diagnostic;
use crate::semantics::display::display_plain;
use crate::semantics::logic::{cmp, Tri};
use crate::semantics::ops::arith;
use crate::syntax::ast::CmpOp;
use crate::value::{Type, Value};
pub use fault::Fault;
use std::collections::HashMap;
use std::sync::Arc;
pub use table::{CExpr, Check, Dnf, Row, Table, Test};

mod assemble;
mod cells;
mod expand;
mod normal;
mod partial;
use assemble::*;
use cells::*;
use expand::*;
use normal::*;

/// Most rows one rule may expand to.
pub const MAX_ROWS_PER_RULE: usize = 4096;
/// Most gated settings one rule may read.
pub const MAX_GATES_PER_RULE: usize = 4;

/// A compiled policy: the program, its setting values and one table per decision.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The checked program.
    pub program: Arc<Program>,
    /// The effective value of every setting.
    pub settings: Vec<Value>,
    /// One table per decision, in declaration order.
    pub tables: Vec<Arc<Table>>,
    /// Lint warnings.
    pub warnings: Vec<Diagnostic>,
}

/// Compiles a program with the given setting values (see [`crate::settings::resolve`]).
pub fn compile(program: Arc<Program>, settings: Vec<Value>) -> Result<Compiled, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for lint in &program.lints {
        let mut cols = Columns::default();
        let mut pe = Pe {
            program: &program,
            settings: &settings,
            cols: &mut cols,
        };
        match pe.eval(&lint.when, &mut Vec::new()) {
            Ok(PV::Val(Value::Bool(true))) => {
                let msg = match pe.message(&lint.message, &mut Vec::new()) {
                    Ok(m) => m,
                    Err(e) => e.to_string(),
                };
                // Blame what made it fire: the user's `set` line of a setting the
                // lint reads, or the settings given as JSON; the lint itself only
                // when neither (the defaults).
                let read = lint.when.settings();
                let set_line = program
                    .overrides
                    .iter()
                    .rev()
                    .find(|(id, _, _)| read.contains(id))
                    .map(|(_, _, span)| *span);
                let from_json: Vec<String> = read
                    .iter()
                    .filter(|id| !program.overrides.iter().any(|(o, _, _)| o == *id))
                    .filter_map(|id| {
                        let (name, def) = program.settings.get_index(*id)?;
                        (settings.get(*id) != Some(&def.default)).then(|| format!("`{name}`"))
                    })
                    .collect();
                let span = set_line.unwrap_or(lint.span);
                let mut d = if lint.error {
                    Diagnostic::error(CompileError::LintError, span, msg)
                } else {
                    Diagnostic::warning(CompileError::LintWarning, span, msg)
                }
                .with_label(format!("lint `{}`", lint.name));
                if !from_json.is_empty() {
                    d = d.with_help(format!(
                        "set by the JSON settings: {}",
                        from_json.join(", ")
                    ));
                }
                if lint.error {
                    errors.push(d);
                } else {
                    warnings.push(d);
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(Diagnostic::error(
                CompileError::LintFails,
                lint.span,
                e.to_string(),
            )),
        }
    }
    let mut tables = Vec::new();
    for (d, def) in program.decisions.values().enumerate() {
        match compile_table(&program, &settings, d, def) {
            Ok(t) => tables.push(Arc::new(t)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Compiled {
        program,
        settings,
        tables,
        warnings,
    })
}

#[derive(Default)]
struct Columns {
    list: Vec<CExpr>,
    index: HashMap<CExpr, usize>,
}

impl Columns {
    fn get(&mut self, c: CExpr) -> usize {
        if let Some(i) = self.index.get(&c) {
            return *i;
        }
        let i = self.list.len();
        self.list.push(c.clone());
        self.index.insert(c, i);
        i
    }
}

/// A formula over column tests.
#[derive(Clone, Debug)]
enum F {
    Const(bool),
    Atom(usize, Test),
    Not(Box<F>),
    And(Vec<F>),
    Or(Vec<F>),
}

/// A partially evaluated expression.
#[derive(Clone, Debug)]
enum PV {
    Val(Value),
    Expr(CExpr),
    F(F),
}

/// The partial evaluator: settings known, facts not.
struct Pe<'a> {
    program: &'a Program,
    settings: &'a [Value],
    cols: &'a mut Columns,
}

impl Pe<'_> {}
