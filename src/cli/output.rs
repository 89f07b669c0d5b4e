//! Writing to stdout and stderr: the `out!`/`errln!` macros (a failed write is an
//! error, never lost), failures with their exit code, diagnostics rendered.

use apprules::Error;
use std::io::{IsTerminal, Write};

/// Diagnostics as JSON: each with its code, severity, message, help and the file,
/// line and column (1-based) of its start and end.
pub(crate) fn report_json(report: &apprules::Report) -> String {
    let items: Vec<serde_json::Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let place = d.span.and_then(|sp| {
                let f = report.sources.get(sp.file)?;
                let (line, column) = f.line_col(sp.start as usize);
                let (end_line, end_column) = f.line_col(sp.end as usize);
                Some(
                    serde_json::json!({"file": f.name, "line": line, "column": column,
                    "end_line": end_line, "end_column": end_column}),
                )
            });
            serde_json::json!({
                "code": d.code,
                "severity": if d.is_error() { "error" } else { "warning" },
                "message": d.message,
                "help": d.help,
                "span": place,
            })
        })
        .collect();
    let errors = report.error_count();
    serde_json::json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": report.diagnostics.len() - errors,
    })
    .to_string()
}

/// Writes to stdout; see [`write_failed`] for what a failed write does.
pub(crate) fn write_out(args: std::fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|_| stdout.flush()) {
        write_failed(&e);
    }
}

/// A failed write to stdout: a reader that went away (`| head`) ends the program
/// quietly; any other error (a full disk, `/dev/full`) is an error, exit 2, never a
/// silent loss of output.
pub(crate) fn write_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
    std::process::exit(2);
}

/// `eprintln!` that cannot panic when stderr is closed.
macro_rules! errln {
    ($($t:tt)*) => {{
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("{}\n", format_args!($($t)*)));
    }};
}

macro_rules! out {
    ($($t:tt)*) => { $crate::output::write_out(format_args!($($t)*)) };
}

macro_rules! outln {
    ($($t:tt)*) => { $crate::output::write_out(format_args!("{}\n", format_args!($($t)*))) };
}

/// A failure, with its exit code.
pub(crate) struct Fail {
    pub(crate) code: u8,
    pub(crate) message: Option<String>,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail {
            code: 2,
            message: Some(render_error(&e)),
        }
    }
}

pub(crate) fn bad(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: Some(message.into()),
    }
}

pub(crate) fn render_error(e: &Error) -> String {
    match e {
        Error::Rules(report) => render_report(report, !std::io::stderr().is_terminal()),
        e => format!("error: {e}"),
    }
}

pub(crate) fn render_report(report: &apprules::Report, short: bool) -> String {
    if short {
        return report.to_short_string().trim_end().to_string();
    }
    let mut s = String::new();
    for r in report.rendered() {
        s.push_str(&format!("{r:?}\n"));
    }
    s.push_str(&format!(
        "{} error(s), {} warning(s)",
        report.error_count(),
        report.diagnostics.len() - report.error_count()
    ));
    s
}
