//! Engines: what the evaluator prepares from a compiled table when a [`crate::Policy`]
//! is built, and which engine finds the table's rows.
//!
//! The compiler's tables are data. Preparing one chooses its row-finding engine
//! ([`Finder`]) and escapes its JSON text once ([`json::JsonParts`]). [`Engine::Auto`]
//! (what a policy uses) takes the fastest the table allows: the kernel (at most 64
//! rows over plain facts), else the column plan (at most 128 rows), else the rows,
//! through the hash index when enough rows test one column for equality. The other
//! engines force one on every table where it applies, so that tests and properties
//! run against each.

pub mod firsts;
pub mod index;
pub mod json;
pub mod kernel;
mod keyed;
mod order;
pub mod plan;

use crate::check::ir::Program;
use crate::compile::{CExpr, Compiled, Table, Test};
use crate::value::Value;
use firsts::Firsts;
use index::{Index, INDEX_MIN_ROWS};
use json::JsonParts;
use kernel::{Kernel, Order};
use plan::Plan;
use std::sync::Arc;

/// A row-finding engine, as asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The fastest the table allows.
    Auto,
    /// The column plan, never the kernel.
    Plan,
    /// Row by row through a hash index on the column most rows test for equality
    /// (built even for few rows); no plan, no kernel.
    Index,
    /// Row by row: no index, no plan, no kernel.
    Rows,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 4] = [Engine::Auto, Engine::Plan, Engine::Index, Engine::Rows];
}

/// The engine a prepared table runs: one per table.
// One per table, so size is no cost; the kernel stays inline, read where the table is
// (no pointer to follow per decision).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Finder {
    /// The kernel, with the plan it was derived from for what the kernel does not
    /// decide (an unknown row) and for the results with reasons.
    Kernel {
        /// The flattened plan, rows in row order (bit `i` is row `i`): for the
        /// results that name rules.
        kernel: Kernel,
        /// The same with a `priority` table's rows by rank (`kernel::Order::Ranked`):
        /// for outcomes alone.
        ranked: Kernel,
        /// The plan.
        plan: Plan,
    },
    /// The column plan.
    Plan(Plan),
    /// Row by row, through the hash index when there is one.
    Rows(Option<Index>),
}

impl Finder {
    /// The engine that runs a table.
    pub fn new(engine: Engine, program: &Program, t: &Table) -> Finder {
        let plan = match engine {
            Engine::Auto | Engine::Plan => plan::build(&t.rows, &t.columns),
            Engine::Index | Engine::Rows => None,
        };
        match (engine, plan) {
            (Engine::Auto, Some(plan)) => {
                let build =
                    |order| kernel::build(program, &plan, &t.rows, t.policy, t.default_rank, order);
                match (build(Order::Rows), build(Order::Ranked)) {
                    (Some(kernel), Some(ranked)) => Finder::Kernel {
                        kernel,
                        ranked,
                        plan,
                    },
                    _ => Finder::Plan(plan),
                }
            }
            (_, Some(plan)) => Finder::Plan(plan),
            (Engine::Index, None) => Finder::Rows(index::build(&t.rows, 1)),
            (Engine::Rows, None) => Finder::Rows(None),
            // A table too large for a plan.
            (Engine::Auto | Engine::Plan, None) => {
                Finder::Rows(index::build(&t.rows, INDEX_MIN_ROWS))
            }
        }
    }
}

/// A compiled table with what the evaluator prepared for it. Reads as the table.
#[derive(Clone, Debug)]
pub struct Ready {
    /// The compiled table.
    pub table: Arc<Table>,
    /// Its engine.
    pub finder: Finder,
    /// Its JSON text that does not depend on the facts.
    pub json: JsonParts,
    /// Whether some column is computed (not a plain fact): the evaluator then needs a
    /// cache for column values.
    pub computed: bool,
    /// Whether the decision is always taken (no `only when`): read on the hot path
    /// without going through the table.
    pub always: bool,
    /// When the decision's `only when` is the presence of one group (`only when
    /// present(request)`): that group, so the evaluator reads the condition straight
    /// from the facts (it is never unknown).
    pub when_group: Option<usize>,
    /// Whether the decision names a default outcome (given when no rule fires).
    pub has_default: bool,
    /// Its rule instances from row masks (tables of at most 128 rows).
    pub firsts: Option<Firsts>,
}

impl Ready {
    /// Prepares one table.
    pub fn new(program: &Program, table: Arc<Table>, engine: Engine) -> Ready {
        Ready {
            finder: Finder::new(engine, program, &table),
            json: json::parts(program, &table),
            computed: table.columns.iter().any(|c| !matches!(c, CExpr::Fact(_))),
            always: table.only_when.is_none(),
            when_group: when_group(&table),
            has_default: program
                .decisions
                .get_index(table.decision)
                .is_some_and(|(_, d)| matches!(d.default, Some(Value::Enum(_)))),
            firsts: Firsts::new(&table),
            table,
        }
    }
}

/// The group whose presence is the whole of a table's `only when`, if it is that.
fn when_group(table: &Table) -> Option<usize> {
    let [alternative] = table.only_when.as_ref()?.alternatives.as_slice() else {
        return None;
    };
    match alternative.as_slice() {
        [(col, Test::Present)] => match table.columns.get(*col) {
            Some(CExpr::Group(g)) => Some(*g),
            _ => None,
        },
        _ => None,
    }
}

impl std::ops::Deref for Ready {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.table
    }
}

/// A compiled policy prepared for evaluation: every table with its engine.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The compiled policy (program, settings, tables).
    pub compiled: Arc<Compiled>,
    /// Its tables, prepared, in the same order.
    pub tables: Vec<Ready>,
    /// The engine they were prepared for.
    pub engine: Engine,
}

impl Prepared {
    /// Prepares every table of `compiled` for `engine`.
    pub fn new(compiled: Arc<Compiled>, engine: Engine) -> Prepared {
        let tables = compiled
            .tables
            .iter()
            .map(|t| Ready::new(&compiled.program, t.clone(), engine))
            .collect();
        Prepared {
            compiled,
            tables,
            engine,
        }
    }

    /// The same tables prepared for another engine.
    pub fn with_engine(&self, engine: Engine) -> Prepared {
        Prepared::new(self.compiled.clone(), engine)
    }

    /// Only the decisions `keep` picks, prepared for the same engine.
    pub fn only(&self, keep: impl Fn(&str) -> bool) -> Prepared {
        let mut c = (*self.compiled).clone();
        c.tables.retain(|t| keep(&t.name));
        Prepared::new(Arc::new(c), self.engine)
    }

    /// The checked program.
    pub fn program(&self) -> &Program {
        &self.compiled.program
    }
}
