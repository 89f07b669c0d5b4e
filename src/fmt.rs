//! `apprules fmt`: canonical formatting of rule files, comments kept.

use crate::source::Sources;
use crate::{Error, Report};

/// Formats rule text; syntax errors are returned, not formatted around.
pub fn format_source(name: &str, text: &str) -> Result<String, Error> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    match crate::syntax::parse(id, text) {
        Ok(file) => Ok(crate::syntax::print::print_file(&file, &sources)),
        Err(diagnostics) => Err(Error::Rules(Report {
            sources,
            diagnostics,
        })),
    }
}
