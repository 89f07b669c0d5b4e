//! Step one: text → AST.
//!
//! The pest grammar (`grammar/apprules.pest`) recognises the text; this module walks
//! the parse tree into [`ast`](super::ast) nodes, each with its span. Before pest runs,
//! the text is checked against the [`Limits`] so that hostile input (huge files,
//! deep nesting) gets a clear error instead of a stack overflow.

use super::ast::*;
use crate::codes::ParseError;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

/// The pest parser generated from the grammar (its `Rule` enum names the grammar rules).
#[allow(missing_docs)]
mod generated {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/apprules.pest"]
    pub struct Grammar;
}
use generated::{Grammar, Rule};

mod errors;
mod expr;
mod items;
mod literals;
mod precheck;
use errors::*;
use literals::*;
use precheck::*;

/// Limits on rule files, so that hostile input cannot exhaust memory or the stack.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of brackets and quantifiers.
    pub max_depth: usize,
    /// Most declarations in one file.
    pub max_items: usize,
    /// Longest string literal, in bytes.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 16 << 20,
            max_depth: 48,
            max_items: 200_000,
            max_string_bytes: 64 << 10,
        }
    }
}

/// Parses one file with the default limits.
pub fn parse(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    parse_with_limits(file, text, &Limits::default())
}

/// Parses one file.
pub fn parse_with_limits(
    file: FileId,
    text: &str,
    limits: &Limits,
) -> Result<File, Vec<Diagnostic>> {
    precheck(file, text, limits)?;
    let pairs = Grammar::parse(Rule::file, text).map_err(|e| vec![syntax_error(file, text, e)])?;
    let mut b = Builder {
        file,
        text,
        diags: Vec::new(),
        max_depth: limits.max_depth,
    };
    let mut items = Vec::new();
    for pair in pairs.flatten().take(1) {
        for p in pair.into_inner() {
            if p.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = b.item(p) {
                items.push(item);
            }
        }
    }
    if items.len() > limits.max_items {
        return Err(vec![Diagnostic::error(
            ParseError::TooLarge,
            Span::new(file, 0, 0),
            format!(
                "too many declarations: {} (the limit is {})",
                items.len(),
                limits.max_items
            ),
        )]);
    }
    if !b.diags.is_empty() {
        return Err(b.diags);
    }
    if items.is_empty() {
        return Err(vec![Diagnostic::error(
            ParseError::Empty,
            Span::new(file, 0, 0),
            "the file declares nothing",
        )
        .with_help(
            "a rule file holds declarations such as `use intune`, `setting`, `rule`",
        )]);
    }
    Ok(File {
        items,
        comments: comments(file, text),
    })
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    diags: Vec<Diagnostic>,
    max_depth: usize,
}

type P<'a> = Pair<'a, Rule>;

impl Builder<'_> {
    /// The span of a pair, without the whitespace and comments pest skips after an
    /// optional element that did not match: it ends where its last token ends.
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        // Without the whitespace pest may have skipped at the end.
        let trimmed = self
            .text
            .get(s.start()..s.end())
            .map(|t| s.start() + t.trim_end().len())
            .unwrap_or(s.end());
        Span::new(self.file, s.start(), trimmed)
    }

    /// A declaration's span, ending at its last token (the formatter places comments
    /// by it).
    fn item_span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), tight_end(p).min(s.end()))
    }

    fn name(&self, p: P) -> Name {
        Name {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }
}
