//! Diagnostics: what went wrong in a rule file, where, and what would be right.
//!
//! The parser and the checker report [`Diagnostic`]s. Each has a stable code (see
//! `docs/errors.md`), a severity, a lowercase message, and a span that renders as
//! `file:line:col` with the source underlined (through [`miette`]).

pub use crate::codes::{CheckError, Code, CompileError, ParseError};
use crate::source::{Sources, Span};
use std::fmt;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy works, but probably not as its author meant.
    Warning,
    /// The policy cannot be used.
    Error,
}

/// One problem found in a rule file.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0101`, from a stage's error variant; catalogued in
    /// `docs/errors.md`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What went wrong, lowercase, user input in backticks.
    pub message: String,
    /// Where.
    pub span: Option<Span>,
    /// The label under the underlined text.
    pub label: Option<String>,
    /// What would be right.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a span.
    pub fn error(code: impl Into<Code>, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
            span: Some(span),
            label: None,
            help: None,
        }
    }

    /// A warning at a span.
    pub fn warning(code: impl Into<Code>, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Adds a label for the underlined text.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a hint on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Diagnostics together with the sources they point into, ready to render.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sources the spans refer to.
    pub sources: Sources,
    /// The diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// One line per diagnostic: `file:line:col: error[E0101]: message`.
    pub fn to_short_string(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&self.short_line(d));
            out.push('\n');
        }
        out
    }

    /// `file:line:col: error[CODE]: message` for one diagnostic.
    pub fn short_line(&self, d: &Diagnostic) -> String {
        let place = d
            .span
            .map(|s| self.sources.locate(s))
            .unwrap_or_else(|| "<policy>".into());
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut line = format!("{place}: {sev}[{}]: {}", d.code, d.message);
        if let Some(h) = &d.help {
            line.push_str(&format!(" (help: {h})"));
        }
        line
    }

    /// Each diagnostic as a miette report (source underlined), for terminals.
    pub fn rendered(&self) -> Vec<miette::Report> {
        self.diagnostics
            .iter()
            .map(|d| miette::Report::new(Rendered::new(&self.sources, d)))
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_short_string().trim_end())
    }
}

impl std::error::Error for Report {}

/// One diagnostic bound to its source text, as miette wants it.
#[derive(Debug)]
pub struct Rendered {
    code: Code,
    severity: Severity,
    message: String,
    help: Option<String>,
    label: Option<miette::LabeledSpan>,
    source: Option<Window>,
}

/// The lines around a diagnostic's span, as miette reads them: rendering a
/// diagnostic costs its few lines, not the whole file (a file with thousands of
/// errors renders in linear time).
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// Byte offset of `text` in the file.
    offset: usize,
    /// Lines before `text` in the file.
    lines_before: usize,
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let local =
            miette::SourceSpan::new(span.offset().saturating_sub(self.offset).into(), span.len());
        let c = self.text.as_str().read_span(&local, before, after)?;
        let whole =
            miette::SourceSpan::new((c.span().offset() + self.offset).into(), c.span().len());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            whole,
            c.line() + self.lines_before,
            c.column(),
            c.line_count(),
        )))
    }
}

/// Lines of context kept around a span.
const CONTEXT_LINES: usize = 3;

impl Rendered {
    fn new(sources: &Sources, d: &Diagnostic) -> Rendered {
        let file = d.span.and_then(|s| sources.get(s.file));
        let (l, c) = match (d.span, file) {
            (Some(s), Some(f)) => f.line_col(s.start as usize),
            _ => (0, 0),
        };
        let label = d.span.map(|s| {
            let text = d.label.clone().unwrap_or_else(|| format!("here ({l}:{c})"));
            miette::LabeledSpan::new(Some(text), s.start as usize, s.len())
        });
        Rendered {
            code: d.code,
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            label,
            source: match (d.span, file) {
                (Some(sp), Some(f)) => {
                    let (last, _) = f.line_col(sp.end as usize);
                    let (from, to) =
                        f.line_range(l.saturating_sub(CONTEXT_LINES).max(1), last + CONTEXT_LINES);
                    Some(Window {
                        name: f.name.clone(),
                        text: f.text.get(from..to).unwrap_or_default().to_string(),
                        offset: from,
                        lines_before: l.saturating_sub(CONTEXT_LINES).max(1) - 1,
                    })
                }
                _ => None,
            },
        }
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = _>>)
    }
}
