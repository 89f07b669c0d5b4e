//! The meaning the stages share, below all of them: operators and hit policies
//! ([`ops`]), three-valued logic and comparisons ([`logic`]), the tests a table cell
//! holds with their one `test` and `check` ([`test`]), outcome ranks and the hit policy
//! on them ([`outcome`]), how values show in messages ([`display`]) and the reason a
//! fired rule gives ([`reason`]). The syntax, the checker, the compiler, both
//! evaluators and the analysis use these; nothing here uses them.

pub mod display;
pub mod logic;
pub mod ops;
pub mod outcome;
pub mod reason;
pub mod test;
