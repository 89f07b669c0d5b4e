//! `eval` and `explain`: one facts document, or JSON lines through [`apprules::batch`]
//! with a progress bar.

use crate::args::*;
use crate::inputs::*;
use crate::output::*;
use apprules::batch::too_long;
use apprules::{Error, Policy};
use std::io::IsTerminal;
use std::path::Path;

/// One record's explanation, as text or as JSON.
pub(crate) fn explain_record(p: &Policy, text: &str, format: Format) -> Result<String, String> {
    let facts = p.bind_str(text).map_err(|e| e.to_string())?;
    match format {
        Format::Text => {
            apprules::eval::explain::explain(p.prepared(), &facts).map_err(|e| e.to_string())
        }
        Format::Json => apprules::eval::explain::trace(p.prepared(), &facts)
            .map_err(|e| e.to_string())
            .map(|t| serde_json::json!({ "decisions": t }).to_string()),
    }
}

/// `explain` over JSON lines: record by record, in order; a bad record is reported
/// in its place and the others are still explained (exit 2).
pub(crate) fn explain_lines(
    p: &Policy,
    path: &Path,
    format: Format,
    max_line: usize,
) -> Result<(), Fail> {
    use std::io::BufRead;
    let mut reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(path).map_err(
            |e| bad(format!("error: cannot read `{}`: {e}", path.display())),
        )?))
    };
    let mut errors = 0usize;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        // Bounded: a line past the limit is read no further than it.
        let read = std::io::Read::take(&mut reader, max_line as u64 + 2)
            .read_until(b'\n', &mut buf)
            .map_err(|e| bad(format!("error: reading `{}`: {e}", path.display())))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        let result = if buf.len() > max_line + 1 && !buf.ends_with(b"\n") {
            // Skip the rest of the overlong line.
            let _ = reader.skip_until(b'\n');
            Err(too_long(max_line))
        } else {
            apprules::text_of(std::mem::take(&mut buf)).and_then(|t| {
                let t = t.trim_end_matches(['\n', '\r']);
                let t = t.strip_prefix('\u{feff}').unwrap_or(t);
                if t.trim().is_empty() {
                    Ok(String::new())
                } else {
                    explain_record(p, t, format)
                }
            })
        };
        match (result, format) {
            (Ok(s), _) if s.is_empty() => {}
            (Ok(s), Format::Json) => {
                let v: serde_json::Value = serde_json::from_str(&s).unwrap_or_default();
                outln!(
                    "{}",
                    serde_json::json!({"line": line_no, "decisions": v["decisions"]})
                );
            }
            (Ok(s), Format::Text) => out!("# line {line_no}\n{s}"),
            (Err(e), Format::Json) => {
                errors += 1;
                outln!("{}", serde_json::json!({"line": line_no, "error": e}));
                errln!("error: line {line_no}: {e}");
            }
            (Err(e), Format::Text) => {
                errors += 1;
                out!("# line {line_no}\nerror: {e}\n\n");
                errln!("error: line {line_no}: {e}");
            }
        }
    }
    if errors > 0 {
        return Err(bad(format!(
            "error: {errors} record(s) could not be explained"
        )));
    }
    Ok(())
}

pub(crate) fn eval(a: EvalArgs, explain: Option<Format>) -> Result<(), Fail> {
    let mut p = policy(&a.files, a.settings.as_ref(), a.graph.as_ref())?
        .allowing_unknown_facts(a.allow_unknown_facts);
    if !a.decision.is_empty() {
        p = p
            .only_decisions(&a.decision)
            .map_err(|e| bad(format!("error: {e}")))?;
    }
    let lines = a.jsonl
        || a.facts
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
    match (lines, explain) {
        (true, None) => return batch(&p, &a.facts, a.max_line_bytes),
        (true, Some(format)) => return explain_lines(&p, &a.facts, format, a.max_line_bytes),
        _ => {}
    }
    if std::fs::metadata(&a.facts).is_ok_and(|m| m.is_file() && m.len() > a.max_line_bytes as u64) {
        return Err(bad(format!(
            "error: `{}`: {}",
            a.facts.display(),
            too_long(a.max_line_bytes)
        )));
    }
    let text = read_input(&a.facts, a.max_line_bytes)?;
    if text.len() > a.max_line_bytes {
        return Err(bad(format!(
            "error: `{}`: {}",
            a.facts.display(),
            too_long(a.max_line_bytes)
        )));
    }
    if let Some(format) = explain {
        let out = explain_record(&p, &text, format).map_err(|e| bad(format!("error: {e}")))?;
        match format {
            Format::Text => out!("{out}"),
            Format::Json => outln!("{out}"),
        }
        return Ok(());
    }
    // The same path as a record of batch mode: the same bytes, the same answer.
    let mut out = Vec::new();
    p.evaluate_str_into(&text, &mut out).map_err(|e| {
        // Several JSON values on separate lines: JSON lines given as one document.
        let lines_hint = matches!(&e, Error::Facts(apprules::FactsError::Syntax { message }) if message.contains("trailing characters"))
            && text.trim().lines().count() > 1;
        if lines_hint {
            bad(format!("error: {e}\nhint: is this JSON lines (one record per line)? use --jsonl or a .jsonl file"))
        } else {
            bad(format!("error: {e}"))
        }
    })?;
    if a.pretty {
        let v = apprules::json::parse(&String::from_utf8_lossy(&out))
            .map_err(|e| bad(format!("error: {e}")))?;
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        outln!("{}", String::from_utf8_lossy(&out));
    }
    Ok(())
}

/// JSON lines in, JSON lines out ([`apprules::batch`]), with a progress bar on a
/// terminal and each bad record's error on stderr.
pub(crate) fn batch(p: &Policy, path: &Path, max_line: usize) -> Result<(), Fail> {
    let mut reader: Box<dyn std::io::Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| bad(format!("error: cannot read `{}`: {e}", path.display())))?,
        )
    };
    // Slices are written whole: no buffer in between.
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A progress bar on a terminal only; none when stderr is piped.
    let bar = if std::io::stderr().is_terminal() && !quiet() {
        let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let known = total > 0 && path != Path::new("-");
        let b = if known {
            indicatif::ProgressBar::new(total)
        } else {
            indicatif::ProgressBar::new_spinner()
        };
        // Percent and ETA when the input's size is known.
        let template = if known {
            "{spinner} {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}"
        } else {
            "{spinner} {bytes} {bytes_per_sec} {msg}"
        };
        b.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let name = path.display().to_string();
    let started = std::time::Instant::now();
    let mut observer = Shown { bar: &bar };
    let summary = apprules::batch::run(p, &mut *reader, &mut out, max_line, &mut observer);
    let summary = match summary {
        Ok(s) => s,
        Err(apprules::batch::BatchError::Write(e)) => write_failed(&e),
        Err(apprules::batch::BatchError::Read(e)) => {
            return Err(bad(format!("error: reading `{name}`: {e}")))
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
        // One line to sum up, on a terminal.
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        errln!(
            "{} records, {} error(s), {:.0} records/s",
            summary.records,
            summary.errors,
            summary.records as f64 / secs
        );
    }
    if summary.errors > 0 {
        return Err(bad(format!(
            "error: {} record(s) could not be evaluated",
            summary.errors
        )));
    }
    Ok(())
}

/// Shows a batch run: errors above the progress bar (never hidden by it), progress.
pub(crate) struct Shown<'a> {
    bar: &'a Option<indicatif::ProgressBar>,
}

impl apprules::batch::Observer for Shown<'_> {
    fn record_error(&mut self, line: usize, e: &str) {
        match self.bar {
            Some(b) => b.suspend(|| errln!("error: line {line}: {e}")),
            None => errln!("error: line {line}: {e}"),
        }
    }

    fn progress(&mut self, bytes: u64, lines: usize) {
        if let Some(b) = self.bar {
            b.inc(bytes);
            b.set_message(format!("{lines} records"));
        }
    }
}
