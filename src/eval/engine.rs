//! Which engine finds a table's rows. [`Engine::Auto`] (what [`crate::Policy`] uses)
//! takes the fastest the table allows: the kernel (at most 64 rows over plain facts),
//! else the column plan (at most 128 rows), else the rows, through the hash index when
//! enough rows test one column for equality. The others force one engine on every
//! table where it applies, so that tests and properties run against each.

use crate::compile::{build_index, Compiled};

/// A row-finding engine.
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

    /// The tables of `c` prepared so that this engine runs them.
    pub fn apply(self, c: &Compiled) -> Compiled {
        let mut c = c.clone();
        for t in &mut c.tables {
            match self {
                Engine::Auto => {}
                Engine::Plan => t.kernel = None,
                Engine::Index => {
                    t.kernel = None;
                    t.plan = None;
                    t.index = build_index(&t.rows, 1);
                }
                Engine::Rows => {
                    t.kernel = None;
                    t.plan = None;
                    t.index = None;
                }
            }
        }
        c
    }
}
