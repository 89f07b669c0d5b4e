//! Step two: names and types. See [`checker::check`] and the [`ir`] it produces.

pub mod checker;
pub mod ir;
pub mod suggest;

pub use checker::check;
