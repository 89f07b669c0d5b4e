//! The syntax of rule files: grammar, AST, parser and printer (the formatter).

pub mod ast;
pub mod parse;
pub mod print;

pub use parse::{parse, parse_with_limits, Limits};
