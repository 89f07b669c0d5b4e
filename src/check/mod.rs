//! Step two: names and types. See [`checker::check`] and the [`ir`] it produces.

pub mod checker;
pub mod ir;
pub mod suggest;
pub mod suite;

pub use checker::check;

/// Checked files: the policy's program, its tests beside it, and the warnings.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The program (what a policy compiles).
    pub program: std::sync::Arc<ir::Program>,
    /// The tests, fact sets and properties.
    pub suite: std::sync::Arc<suite::Suite>,
    /// The checker's warnings.
    pub warnings: Vec<crate::diag::Diagnostic>,
}
