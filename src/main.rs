//! The `apprules` command line. Exit codes: 0 ok, 1 a test or check failed, 2 bad input.

use apprules::{Error, Policy, PolicyBuilder};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A rule engine for mobile app protection policies.
#[derive(Parser)]
#[command(name = "apprules", version, about, long_about = None)]
struct Cli {
    /// Only errors on stderr: no warnings, no progress bar, no `ok`.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colors in diagnostics: `auto` (on a terminal), `always`, `never`.
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
    /// Which defaults the bundled policy starts from: `seed` (the 2020 page, `use
    /// intune`) or `current` (today's portal, `use intune_current`).
    #[arg(long, value_enum, global = true, default_value_t = Defaults::Seed)]
    defaults: Defaults,
    #[command(subcommand)]
    command: Command,
}

/// How `diff` prints.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// Regions (or transitions) as lines.
    Text,
    /// One JSON object.
    Json,
}

/// The bundled policy's defaults (spec section 7.5).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Defaults {
    /// The seed's (`use intune`).
    Seed,
    /// Today's portal (`use intune_current`).
    Current,
}

/// `--defaults current`, set once at start.
static CURRENT_DEFAULTS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The bundled policy, with the defaults `--defaults` asks for, when `b` uses it (or
/// when `always`).
fn with_defaults(b: PolicyBuilder, always: bool) -> PolicyBuilder {
    match (
        CURRENT_DEFAULTS.load(std::sync::atomic::Ordering::Relaxed),
        always,
    ) {
        (true, _) => b.current_defaults(),
        (false, true) => b.bundled(),
        (false, false) => b,
    }
}

/// When to color diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    /// On a terminal (and not when `NO_COLOR` is set).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--quiet`, set once at start.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
enum Command {
    /// Check rule files: syntax, names, types, lints. Exit 0 clean (warnings allowed), 2 errors.
    Check {
        /// Rule files (none: the bundled policy).
        files: Vec<PathBuf>,
        /// Setting overrides (JSON object from setting name to value).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// One line per diagnostic instead of the source excerpt.
        #[arg(long)]
        short: bool,
        /// `json`: the diagnostics as one JSON object on stdout (codes, spans).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Evaluate facts and print the decisions as JSON.
    Eval(EvalArgs),
    /// Evaluate facts and explain which rules fired and why the others did not.
    Explain {
        #[command(flatten)]
        args: EvalArgs,
        /// `json`: the trace as JSON (one object, or one line per record).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compare two policies: every region of facts whose decision changes, each with a
    /// witness, or (with --facts) the changes on a fleet. Exit 0 the same everywhere,
    /// 1 they differ, 2 bad input.
    ///
    /// Each side is a rule file (`.rules`), a JSON file (a Graph export, or settings
    /// over the bundled policy), or `seed` / `current` (the bundled policy with the
    /// seed's or today's defaults). Sides come from the arguments, then `--graph`,
    /// then `--settings`, in order; with one side, the other (OLD) is the bundled
    /// policy with `--defaults`.
    Diff {
        /// OLD and NEW (see above).
        sides: Vec<String>,
        /// A Graph export as a side (repeat for both).
        #[arg(long)]
        graph: Vec<PathBuf>,
        /// Settings over the bundled policy as a side (repeat for both).
        #[arg(long)]
        settings: Vec<PathBuf>,
        /// Compare reasons and `not_enforced` too, not only outcomes and outputs.
        #[arg(long)]
        reasons: bool,
        /// A fleet (JSON lines): count the changes on its records instead.
        #[arg(long)]
        facts: Option<PathBuf>,
        /// With --facts: write each changed record's line and both decisions here.
        #[arg(long, value_name = "FILE")]
        changed: Option<PathBuf>,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// A Language Server Protocol server for rule files, on stdio (editors/README.md).
    Lsp,
    /// Print the compiled decision tables.
    Table {
        /// Rule files (none: the bundled policy).
        files: Vec<PathBuf>,
        /// Setting overrides.
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// Format rule files canonically (comments kept).
    Fmt {
        /// Rule files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not write; exit 1 if a file is not formatted.
        #[arg(long)]
        check: bool,
        /// Do not write; print what would change as a unified diff (exit 1 if any).
        #[arg(long)]
        diff: bool,
    },
    /// List every setting of the policy: name, values, default, effective value, gate, doc.
    Settings {
        /// Rule files (none: the bundled policy).
        files: Vec<PathBuf>,
        /// Setting overrides: the effective values shown beside the defaults.
        #[arg(long)]
        settings: Option<PathBuf>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List every fact a facts document may hold: type, values, optionality, doc.
    Facts {
        /// Rule files (none: the bundled policy).
        files: Vec<PathBuf>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A JSON Schema of a facts document (for editors and pipelines).
        #[arg(long, conflicts_with = "json")]
        json_schema: bool,
    },
    /// Run the tests and properties in rule files. Exit 1 on any failure.
    Test {
        /// Rule files (none: the bundled policy's own tests).
        files: Vec<PathBuf>,
        /// Show the rules (table rows) no test fired.
        #[arg(long)]
        coverage: bool,
        /// Fail when rule coverage is below this percentage (0 to 100).
        #[arg(long, value_name = "N", value_parser = percentage)]
        min_coverage: Option<f64>,
        /// Generated cases per property.
        #[arg(long, default_value_t = 256)]
        cases: u32,
        /// Seed for generated facts.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Only the tests and properties whose name contains this text.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// `json` or `junit` (XML for CI systems) instead of text.
        #[arg(long, value_enum, default_value_t = TestFormat::Text)]
        format: TestFormat,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the command line's definition.
    Man,
    /// Import an Intune policy (Graph `iosManagedAppProtection` JSON) as a rule file.
    Import {
        /// Format: `graph`.
        format: String,
        /// The exported policy.
        file: PathBuf,
    },
    /// Export a policy's settings as Graph `iosManagedAppProtection` JSON.
    Export {
        /// Format: `graph`.
        format: String,
        /// Rule files (none: the bundled policy's defaults).
        files: Vec<PathBuf>,
        /// Setting overrides.
        #[arg(long)]
        settings: Option<PathBuf>,
    },
}

/// Output format of `test`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TestFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

/// Output format of `check`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// For tools.
    Json,
}

/// Diagnostics as JSON: each with its code, severity, message, help and the file,
/// line and column (1-based) of its start and end.
fn report_json(report: &apprules::Report) -> String {
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

#[derive(Args)]
struct EvalArgs {
    /// Rule files (none: the bundled policy).
    files: Vec<PathBuf>,
    /// Facts: a JSON file, a `.jsonl` file (one record per line), or `-` for stdin.
    #[arg(long)]
    facts: PathBuf,
    /// Setting overrides (JSON object from setting name to value).
    #[arg(long)]
    settings: Option<PathBuf>,
    /// An Intune Graph export whose settings to use.
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Read facts as JSON lines (one record per line), also from stdin.
    #[arg(long)]
    jsonl: bool,
    /// Pretty-print the JSON output (single records only).
    #[arg(long)]
    pretty: bool,
    /// The longest facts document or JSON line read, in bytes: a longer record is
    /// an error (in batch mode for that line only; the stream goes on).
    #[arg(long, default_value_t = MAX_LINE_BYTES, value_name = "BYTES")]
    max_line_bytes: usize,
    /// Read past keys of the facts that no fact declares (inventories that carry
    /// more than the policy reads); by default such a key is an error.
    #[arg(long)]
    allow_unknown_facts: bool,
    /// Only this decision (repeat for several); the others are not evaluated.
    #[arg(long, value_name = "NAME")]
    decision: Vec<String>,
}

/// The default of `--max-line-bytes`: 16 MiB.
const MAX_LINE_BYTES: usize = 16 << 20;

/// The error of a record longer than `--max-line-bytes`.
fn too_long(max_line: usize) -> String {
    format!("the record is longer than {max_line} bytes (the limit, set by --max-line-bytes)")
}

/// Put by the batch reader in place of a line longer than `--max-line-bytes`.
const TOO_LONG: &[u8] = b"\0apprules: line too long\0\n";

/// A percentage from 0 to 100: `NaN`, infinities and anything outside are refused
/// (a gate that `NaN` passes would pass everything).
fn percentage(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a percentage from 0 to 100, found `{s}`")),
    }
}

/// Writes to stdout; see [`write_failed`] for what a failed write does.
fn write_out(args: std::fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|_| stdout.flush()) {
        write_failed(&e);
    }
}

/// A failed write to stdout: a reader that went away (`| head`) ends the program
/// quietly; any other error (a full disk, `/dev/full`) is an error, exit 2, never a
/// silent loss of output.
fn write_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
    std::process::exit(2);
}

/// `eprintln!` that cannot panic when stderr is closed.
macro_rules! errln {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

macro_rules! out {
    ($($t:tt)*) => { write_out(format_args!($($t)*)) };
}

macro_rules! outln {
    ($($t:tt)*) => { write_out(format_args!("{}\n", format_args!($($t)*))) };
}

/// A failure, with its exit code.
struct Fail {
    code: u8,
    message: Option<String>,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail {
            code: 2,
            message: Some(render_error(&e)),
        }
    }
}

fn bad(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: Some(message.into()),
    }
}

fn render_error(e: &Error) -> String {
    match e {
        Error::Rules(report) => render_report(report, !std::io::stderr().is_terminal()),
        e => format!("error: {e}"),
    }
}

fn render_report(report: &apprules::Report, short: bool) -> String {
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    CURRENT_DEFAULTS.store(
        cli.defaults == Defaults::Current,
        std::sync::atomic::Ordering::Relaxed,
    );
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(miette::MietteHandlerOpts::new().color(color).build())
    }));
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if let Some(m) = f.message {
                errln!("{m}");
            }
            ExitCode::from(f.code)
        }
    }
}

/// Replaces a file's contents whole or not at all: written beside it, then renamed
/// over it, so a failed write never leaves half a file.
fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.apprules-{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| {
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    }) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// A file's text, or stdin's for `-`.
fn read_input(path: &Path, limit: usize) -> Result<String, Fail> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        // One byte past the limit tells the caller it was over.
        let limit = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin(), limit),
            &mut bytes,
        )
        .map_err(|e| bad(format!("error: cannot read stdin: {e}")))?;
        apprules::text_of(bytes).map_err(|e| bad(format!("error: stdin: {e}")))
    } else {
        Ok(apprules::read_text(path)?)
    }
}

/// The largest settings or Graph JSON file read (a policy is a few KiB; this bounds
/// memory on hostile input).
const MAX_JSON_BYTES: usize = 256 << 20;

fn read_json(path: &Path) -> Result<serde_json::Value, Fail> {
    let too_big = || {
        bad(format!(
            "error: `{}`: larger than {MAX_JSON_BYTES} bytes, the limit for a settings or Graph file",
            path.display()
        ))
    };
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > MAX_JSON_BYTES as u64) {
        return Err(too_big());
    }
    let text = read_input(path, MAX_JSON_BYTES)?;
    if text.len() > MAX_JSON_BYTES {
        return Err(too_big());
    }
    apprules::json::parse(&text).map_err(|e| match e {
        apprules::json::JsonError::Syntax(e) => bad(format!(
            "error: `{}` is not valid JSON: {e}",
            path.display()
        )),
        dup => bad(format!("error: `{}`: {dup}", path.display())),
    })
}

fn builder(files: &[PathBuf]) -> Result<PolicyBuilder, Fail> {
    let mut b = PolicyBuilder::new();
    for f in files {
        b = if f == Path::new("-") {
            b.source("<stdin>", &read_input(f, 16 << 20)?)
        } else {
            b.file(f)?
        };
    }
    // `--defaults current` on files that `use intune`: `use intune_current` instead.
    let uses_bundled = files.is_empty() || b.uses_bundled();
    Ok(with_defaults(b, uses_bundled))
}

fn policy(
    files: &[PathBuf],
    settings: Option<&PathBuf>,
    graph: Option<&PathBuf>,
) -> Result<Policy, Fail> {
    let mut b = builder(files)?;
    let mut overrides = serde_json::Map::new();
    if let Some(g) = graph {
        let json = read_json(g)?;
        let imported = apprules::graph::import(&json)
            .map_err(|e| bad(format!("error: `{}`: {e}", g.display())))?;
        for (k, v) in imported.settings {
            overrides.insert(k, v);
        }
        // A Graph export is settings of the bundled policy.
        b = with_defaults(b, true);
    }
    if let Some(s) = settings {
        match read_json(s)? {
            serde_json::Value::Object(m) => overrides.extend(m),
            other => {
                return Err(bad(format!(
                "error: `{}`: settings must be a JSON object from setting name to value, found {}",
                s.display(),
                apprules::value::describe_json(&other)
            )))
            }
        }
    }
    if !overrides.is_empty() {
        b = b.settings_json(serde_json::Value::Object(overrides));
    }
    // Lint warnings are for `apprules check`; evaluation only says when JSON
    // settings replace a file's `set` line (a precedence that must not be silent).
    let p = b.build()?;
    let report = p.warnings();
    for d in report.diagnostics.iter().filter(|d| d.code == "W0302") {
        if !quiet() {
            errln!("{}", report.short_line(d));
        }
    }
    Ok(p)
}

fn run(cmd: Command) -> Result<(), Fail> {
    match cmd {
        Command::Check {
            files,
            settings,
            short,
            format,
        } => {
            let render = |r: &apprules::Report| {
                if format == Format::Json {
                    outln!("{}", report_json(r));
                    None
                } else {
                    Some(render_report(r, short))
                }
            };
            let b = builder(&files)?;
            let (program, mut warnings) = match b.check() {
                Ok(x) => x,
                Err(Error::Rules(r)) => {
                    return Err(Fail {
                        code: 2,
                        message: render(&r),
                    })
                }
                Err(e) => return Err(e.into()),
            };
            let json = match &settings {
                Some(s) => Some(read_json(s)?),
                None => None,
            };
            let values = apprules::settings::resolve(&program, json.as_ref())
                .map_err(|e| bad(format!("error: {e}")))?;
            let sources = program.sources.clone();
            match apprules::compile::compile(program, values) {
                Ok(c) => {
                    warnings.extend(c.warnings);
                    let report = apprules::Report {
                        sources,
                        diagnostics: warnings,
                    };
                    if format == Format::Json {
                        outln!("{}", report_json(&report));
                    } else if quiet() {
                    } else if !report.diagnostics.is_empty() {
                        errln!("{}", render_report(&report, short));
                    } else {
                        errln!("ok");
                    }
                    Ok(())
                }
                Err(mut d) => {
                    d.extend(warnings);
                    let report = apprules::Report {
                        sources,
                        diagnostics: d,
                    };
                    Err(Fail {
                        code: 2,
                        message: render(&report),
                    })
                }
            }
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "apprules",
                &mut buf,
            );
            out!("{}", String::from_utf8_lossy(&buf));
            Ok(())
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buf)
                .map_err(|e| bad(format!("error: {e}")))?;
            out!("{}", String::from_utf8_lossy(&buf));
            Ok(())
        }
        Command::Eval(a) => eval(a, None),
        Command::Explain { args, format } => eval(args, Some(format)),
        Command::Diff {
            sides,
            graph,
            settings,
            reasons,
            facts,
            changed,
            format,
        } => diff(
            &sides,
            &graph,
            &settings,
            reasons,
            facts.as_deref(),
            changed.as_deref(),
            format,
        ),
        Command::Lsp => {
            let stdin = std::io::stdin();
            apprules::lsp::serve(stdin.lock(), std::io::stdout().lock())
                .map_err(|e| bad(format!("error: lsp: {e}")))
        }
        Command::Table { files, settings } => {
            let p = policy(&files, settings.as_ref(), None)?;
            out!("{}", apprules::compile::print::tables(p.compiled()));
            Ok(())
        }
        Command::Fmt { files, check, diff } => {
            let check = check || diff;
            let show = |name: &str, before: &str, after: &str| {
                if diff {
                    let d = similar::TextDiff::from_lines(before, after);
                    out!("{}", d.unified_diff().context_radius(3).header(name, name));
                }
            };
            let mut unformatted = Vec::new();
            for f in &files {
                if f == Path::new("-") {
                    // stdin to stdout (`--check`: only the verdict).
                    let text = read_input(f, usize::MAX)?;
                    let formatted = apprules::fmt::format_source("<stdin>", &text)?;
                    if check && formatted != text {
                        show("<stdin>", &text, &formatted);
                        unformatted.push("<stdin>".to_string());
                    } else if !check {
                        out!("{formatted}");
                    }
                    continue;
                }
                let text = apprules::read_text(f)?;
                let formatted = apprules::fmt::format_source(&f.display().to_string(), &text)?;
                if formatted != text {
                    if check {
                        show(&f.display().to_string(), &text, &formatted);
                        unformatted.push(f.display().to_string());
                    } else {
                        write_replacing(f, formatted.as_bytes()).map_err(|e| {
                            bad(format!("error: cannot write `{}`: {e}", f.display()))
                        })?;
                    }
                }
            }
            if unformatted.is_empty() {
                Ok(())
            } else {
                Err(Fail {
                    code: 1,
                    message: Some(format!("not formatted: {}", unformatted.join(", "))),
                })
            }
        }
        Command::Facts {
            files,
            json,
            json_schema,
        } => {
            let p = policy(&files, None, None)?;
            if json_schema {
                let s = apprules::reference::json_schema(p.program());
                outln!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            } else if json {
                let list = apprules::reference::facts(p.program());
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else {
                for f in apprules::reference::facts(p.program()) {
                    outln!("{}: {} ({})\n  {}\n", f.name, f.values, f.presence, f.doc);
                }
            }
            Ok(())
        }
        Command::Settings {
            files,
            json,
            settings,
        } => {
            let p = policy(&files, settings.as_ref(), None)?;
            let list = apprules::settings::describe(p.program(), &p.compiled().settings);
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else {
                for s in list {
                    let mut text = format!(
                        "{}\n  values:  {}\n  default: {}\n",
                        s.name, s.values, s.default
                    );
                    if s.value != s.default {
                        text.push_str(&format!("  value:   {}\n", s.value));
                    }
                    if let Some(r) = &s.requires {
                        text.push_str(&format!("  requires: {r}\n"));
                    }
                    outln!("{text}  {}\n", s.doc);
                }
            }
            Ok(())
        }
        Command::Test {
            files,
            coverage,
            min_coverage,
            cases,
            seed,
            filter,
            format,
        } => {
            let b = if files.is_empty() {
                with_defaults(PolicyBuilder::new(), true)
                    .source(apprules::BUNDLED_TESTS_NAME, apprules::BUNDLED_TESTS)
            } else {
                builder(&files)?
            };
            let (program, _) = b.check()?;
            let opts = apprules::testing::Options {
                cases,
                seed,
                coverage: coverage || min_coverage.is_some(),
            };
            let report = apprules::testing::run_matching(program, &opts, filter.as_deref());
            match format {
                TestFormat::Text => out!("{}", report.render(coverage)),
                TestFormat::Json => outln!("{}", report.to_json()),
                TestFormat::Junit => out!("{}", report.to_junit()),
            }
            if let Some(min) = min_coverage {
                // The gate is over the rules of the files named (the bundled policy's
                // when none): a custom file is not blamed for the bundled rules.
                let named: Vec<String> = if files.is_empty() {
                    vec![apprules::BUNDLED_NAME.to_string()]
                } else {
                    files
                        .iter()
                        .map(|f| {
                            if f == Path::new("-") {
                                "<stdin>".to_string()
                            } else {
                                f.display().to_string()
                            }
                        })
                        .collect()
                };
                let (covered, total, pct) = report.coverage_of(Some(&named));
                if pct < min {
                    return Err(Fail {
                        code: 1,
                        message: Some(format!(
                            "rule coverage {pct:.1}% ({covered}/{total} rules of {}) is below the minimum {min}%",
                            named.join(", ")
                        )),
                    });
                }
            }
            if report.failed() {
                return Err(Fail {
                    code: 1,
                    message: None,
                });
            }
            Ok(())
        }
        Command::Import { format, file } => {
            if format != "graph" {
                return Err(bad(format!(
                    "error: unknown import format `{format}` (expected `graph`)"
                )));
            }
            let json = read_json(&file)?;
            let imported = apprules::graph::import(&json)
                .map_err(|e| bad(format!("error: `{}`: {e}", file.display())))?;
            for w in &imported.warnings {
                if !quiet() {
                    errln!("warning: {w}");
                }
            }
            let bundled = Policy::bundled()?;
            let text = imported
                .to_rules(bundled.program())
                .map_err(|e| bad(format!("error: `{}`: {e}", file.display())))?;
            // The file written must decide as `eval --graph` does: it must compile.
            PolicyBuilder::new()
                .source("imported.rules", &text)
                .build()
                .map_err(|e| {
                    bad(format!(
                        "error: `{}`: the imported rule file does not compile (a bug; please report it): {e}",
                        file.display()
                    ))
                })?;
            out!("{text}");
            Ok(())
        }
        Command::Export {
            format,
            files,
            settings,
        } => {
            if format != "graph" {
                return Err(bad(format!(
                    "error: unknown export format `{format}` (expected `graph`)"
                )));
            }
            let p = policy(&files, settings.as_ref(), None)?;
            let mut json = apprules::graph::export(p.program(), &p.compiled().settings)
                .map_err(|e| bad(format!("error: {e}")))?;
            // What Graph cannot hold is said, never dropped silently: the files' own
            // settings and rules (the bundled policy's are all mapped).
            let program = p.program();
            let custom = |span: apprules::source::Span| {
                program
                    .sources
                    .get(span.file)
                    .is_some_and(|f| f.name != apprules::BUNDLED_NAME)
            };
            if !quiet() {
                for (name, def) in &program.settings {
                    if custom(def.span) {
                        errln!(
                            "warning: setting `{name}` ({}) is not an Intune setting: not exported",
                            program.sources.locate(def.span)
                        );
                    }
                }
                for r in &program.rules {
                    if custom(r.span) {
                        errln!(
                            "warning: rule `{}` ({}) cannot be written as Graph properties: not exported",
                            r.name,
                            program.sources.locate(r.span)
                        );
                    }
                }
            }
            // The name and description an import wrote as the file's first comments.
            if let Some(text) = files.first().and_then(|f| apprules::read_text(f).ok()) {
                let (name, description) = apprules::graph::header_of(&text);
                if let (Some(n), Some(obj)) = (name, json.as_object_mut()) {
                    obj.insert("displayName".into(), serde_json::Value::String(n));
                    if let Some(d) = description {
                        obj.insert("description".into(), serde_json::Value::String(d));
                    }
                }
            }
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
            Ok(())
        }
    }
}

/// One record's explanation, as text or as JSON.
fn explain_record(p: &Policy, text: &str, format: Format) -> Result<String, String> {
    let facts = p.bind_str(text).map_err(|e| e.to_string())?;
    match format {
        Format::Text => {
            apprules::eval::explain::explain(p.compiled(), &facts).map_err(|e| e.to_string())
        }
        Format::Json => apprules::eval::explain::trace(p.compiled(), &facts)
            .map_err(|e| e.to_string())
            .map(|t| serde_json::json!({ "decisions": t }).to_string()),
    }
}

/// `explain` over JSON lines: record by record, in order; a bad record is reported
/// in its place and the others are still explained (exit 2).
fn explain_lines(p: &Policy, path: &Path, format: Format, max_line: usize) -> Result<(), Fail> {
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

fn eval(a: EvalArgs, explain: Option<Format>) -> Result<(), Fail> {
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

/// One side of `apprules diff`.
fn diff_side(spec: &str) -> Result<Policy, Fail> {
    let path = Path::new(spec);
    let bundled = |current: bool| {
        let b = PolicyBuilder::new();
        if current {
            b.current_defaults()
        } else {
            b.bundled()
        }
    };
    match spec {
        "seed" => return Ok(bundled(false).build()?),
        "current" => return Ok(bundled(true).build()?),
        _ => {}
    }
    if !path.exists() {
        return Err(bad(format!(
            "error: `{spec}`: no such file (a side is a `.rules` file, a Graph export or settings `.json`, `seed` or `current`)"
        )));
    }
    if spec.ends_with(".json") {
        let json = read_json(path)?;
        // A Graph export, or settings over the bundled policy.
        let dotted = json.as_object().is_some_and(|m| {
            !m.is_empty() && m.keys().all(|k| k.contains('.') && !k.starts_with('@'))
        });
        return if dotted {
            policy(&[], Some(&path.to_path_buf()), None)
        } else {
            policy(&[], None, Some(&path.to_path_buf()))
        };
    }
    policy(&[path.to_path_buf()], None, None)
}

fn diff(
    sides: &[String],
    graph: &[PathBuf],
    settings: &[PathBuf],
    reasons: bool,
    facts: Option<&Path>,
    changed: Option<&Path>,
    format: DiffFormat,
) -> Result<(), Fail> {
    let mut policies: Vec<(String, Policy)> = Vec::new();
    for s in sides {
        policies.push((s.clone(), diff_side(s)?));
    }
    for g in graph {
        policies.push((g.display().to_string(), policy(&[], None, Some(g))?));
    }
    for s in settings {
        policies.push((s.display().to_string(), policy(&[], Some(s), None)?));
    }
    if policies.len() == 1 {
        policies.insert(0, ("the bundled policy".into(), policy(&[], None, None)?));
    }
    if policies.len() != 2 {
        return Err(bad(format!(
            "error: `apprules diff` compares two policies, {} given (see `apprules diff --help`)",
            policies.len()
        )));
    }
    let (new, old) = (policies.pop(), policies.pop());
    let (Some((_, old)), Some((_, new))) = (old, new) else {
        return Err(bad("error: `apprules diff` compares two policies"));
    };
    if let Some(path) = facts {
        let file = std::fs::File::open(path)
            .map_err(|e| bad(format!("error: cannot read `{}`: {e}", path.display())))?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = (std::io::stderr().is_terminal() && !quiet()).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        let mut out_file = match changed {
            Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p).map_err(
                |e| bad(format!("error: cannot write `{}`: {e}", p.display())),
            )?)),
            None => None,
        };
        let progress = |n: u64| {
            if let Some(b) = &bar {
                b.inc(n);
            }
        };
        let impact = apprules::analysis::fleet::impact(
            &old,
            &new,
            std::io::BufReader::with_capacity(1 << 20, file),
            reasons,
            out_file.as_mut().map(|w| w as &mut dyn Write),
            &progress,
        )
        .map_err(|e| bad(format!("error: `{}`: {e}", path.display())))?;
        if let Some(w) = out_file.as_mut() {
            w.flush()
                .map_err(|e| bad(format!("error: writing the changed records: {e}")))?;
        }
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        match format {
            DiffFormat::Text => out!("{}", impact.render()),
            DiffFormat::Json => outln!("{}", impact.to_json()),
        }
        let differ =
            impact.changed > 0 || !impact.fail_old.is_empty() || !impact.fail_new.is_empty();
        return if differ {
            Err(Fail {
                code: 1,
                message: None,
            })
        } else {
            Ok(())
        };
    }
    let options = apprules::analysis::Options {
        reasons,
        ..Default::default()
    };
    let d =
        apprules::analysis::diff(&old, &new, &options).map_err(|e| bad(format!("error: {e}")))?;
    match format {
        DiffFormat::Text => out!("{}", d.render()),
        DiffFormat::Json => outln!("{}", d.to_json()),
    }
    if d.is_empty() {
        Ok(())
    } else {
        Err(Fail {
            code: 1,
            message: None,
        })
    }
}

/// JSON lines in, JSON lines out, in input order, in constant memory, on every core.
///
/// Three stages overlap: a reader thread cuts the input into blocks of whole lines,
/// the rayon pool evaluates each block in slices (every worker with its own
/// [`Policy::for_thread`] handle, writing decisions straight into a byte buffer), and
/// this thread writes the buffers in input order. Channels of two blocks bound memory.
fn batch(p: &Policy, path: &Path, max_line: usize) -> Result<(), Fail> {
    use rayon::prelude::*;
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
    let (blocks_tx, blocks_rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>, String>>(2);
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Block>(2);
    let policy = p.clone();
    std::thread::scope(|scope| {
        // Reader: blocks of whole lines.
        scope.spawn(move || {
            // The partial last line, kept for the next block; never longer than
            // `max_line`: past it the line is dropped up to its newline (`skipping`)
            // and replaced by the `TOO_LONG` marker, so memory stays flat.
            let mut carry: Vec<u8> = Vec::new();
            let mut skipping = false;
            loop {
                let mut block = std::mem::take(&mut carry);
                let old = block.len();
                block.reserve(BLOCK);
                let n = match read_full(&mut reader, &mut block) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = blocks_tx.send(Err(format!("error: reading `{name}`: {e}")));
                        return;
                    }
                };
                if n == 0 {
                    if skipping {
                        block.clear();
                        block.extend_from_slice(TOO_LONG);
                    }
                    if !block.is_empty() && blocks_tx.send(Ok(block)).is_err() {
                        return;
                    }
                    return;
                }
                if skipping {
                    // `old` is 0 here: the block holds only new bytes.
                    match memchr::memchr(b'\n', &block) {
                        None => continue,
                        Some(nl) => {
                            let rest = block.split_off(nl);
                            block.clear();
                            block.extend_from_slice(
                                TOO_LONG.strip_suffix(b"\n").unwrap_or(TOO_LONG),
                            );
                            block.extend_from_slice(&rest);
                            skipping = false;
                        }
                    }
                }
                // Only the new bytes can hold the last newline (the carry has none).
                let new_from = old.min(block.len());
                match memchr::memrchr(b'\n', block.get(new_from..).unwrap_or_default()) {
                    Some(cut) => {
                        carry = block.split_off(new_from + cut + 1);
                        if carry.len() > max_line {
                            carry.clear();
                            skipping = true;
                        }
                        if blocks_tx.send(Ok(block)).is_err() {
                            return;
                        }
                    }
                    None if block.len() > max_line => {
                        // A line longer than the limit so far: drop it, keep reading.
                        // Whole lines before it were already sent.
                        skipping = true;
                    }
                    None => carry = block,
                }
            }
        });
        // Evaluator: each block's lines in parallel slices, results in order.
        scope.spawn(move || {
            let mut lines = 0usize;
            for block in blocks_rx {
                let block = match block {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = done_tx.send(Block::ReadError(e));
                        return;
                    }
                };
                let results: Vec<Slice> = slices(&block)
                    .par_iter()
                    .map_init(|| policy.for_thread(), |p, s| eval_slice(p, s, max_line))
                    .collect();
                lines += results.iter().map(|r| r.lines).sum::<usize>();
                let done = Block::Done {
                    bytes: block.len() as u64,
                    lines,
                    results,
                };
                if done_tx.send(done).is_err() {
                    return;
                }
            }
        });
        // Writer: this thread. Error objects carry the line number, known here.
        let mut errors = 0usize;
        let mut line = 0usize;
        for done in done_rx {
            let (bytes, lines, results) = match done {
                Block::Done {
                    bytes,
                    lines,
                    results,
                } => (bytes, lines, results),
                Block::ReadError(e) => return Err(bad(e)),
            };
            for slice in results {
                let mut from = 0;
                let mut text = Vec::new();
                for (at, k, e) in &slice.errors {
                    let line_no = line + k + 1;
                    text.clear();
                    text.extend_from_slice(slice.out.get(from..*at).unwrap_or_default());
                    let err = serde_json::json!({"error": e, "line": line_no});
                    text.extend_from_slice(format!("{err}\n").as_bytes());
                    if let Err(e) = out.write_all(&text) {
                        write_failed(&e);
                    }
                    // Above the progress bar when there is one, never hidden by it.
                    match &bar {
                        Some(b) => b.suspend(|| errln!("error: line {line_no}: {e}")),
                        None => errln!("error: line {line_no}: {e}"),
                    }
                    from = *at;
                }
                if let Err(e) = out.write_all(slice.out.get(from..).unwrap_or_default()) {
                    write_failed(&e);
                }
                errors += slice.errors.len();
                line += slice.lines;
            }
            if let Some(b) = &bar {
                b.inc(bytes);
                b.set_message(format!("{lines} records"));
            }
        }
        if let Some(b) = &bar {
            b.finish_and_clear();
            // One line to sum up, on a terminal.
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            errln!(
                "{line} records, {errors} error(s), {:.0} records/s",
                line as f64 / secs
            );
        }
        if let Err(e) = out.flush() {
            write_failed(&e);
        }
        if errors > 0 {
            return Err(bad(format!(
                "error: {errors} record(s) could not be evaluated"
            )));
        }
        Ok(())
    })
}

/// Bytes read per block.
const BLOCK: usize = 4 << 20;
/// Bytes per parallel task (whole lines, so a little more).
const SLICE: usize = 256 << 10;

/// Cuts a block of whole lines into slices of about [`SLICE`] bytes, at newlines.
fn slices(block: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(block.len() / SLICE + 1);
    let mut from = 0;
    while from < block.len() {
        let mut to = (from + SLICE).min(block.len());
        if let Some(nl) = block.get(to..).and_then(|rest| memchr::memchr(b'\n', rest)) {
            to += nl + 1;
        } else {
            to = block.len();
        }
        out.extend(block.get(from..to));
        from = to;
    }
    out
}

/// A block of input, evaluated.
enum Block {
    Done {
        bytes: u64,
        /// Lines read so far, this block included.
        lines: usize,
        results: Vec<Slice>,
    },
    ReadError(String),
}

/// The output of a slice of lines, its line count, and its errors: where in `out`
/// each goes, its line in the slice (from 0), the message.
struct Slice {
    out: Vec<u8>,
    lines: usize,
    errors: Vec<(usize, usize, String)>,
}

/// Appends up to [`BLOCK`] bytes to `buf`; the count read (0 at the end).
fn read_full(r: &mut dyn std::io::Read, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    r.take(BLOCK as u64).read_to_end(buf)
}

/// Evaluates a slice of whole lines. Blank lines give no output; a bad record an
/// error, which the writer turns into an error object in place.
fn eval_slice(p: &Policy, text: &[u8], max_line: usize) -> Slice {
    let mut s = Slice {
        out: Vec::with_capacity(text.len() + text.len() / 4),
        lines: 0,
        errors: Vec::new(),
    };
    let lines = std::iter::successors(Some((0usize, 0usize)), |(_, end)| {
        let from = *end;
        (from < text.len()).then(|| {
            let to = memchr::memchr(b'\n', text.get(from..).unwrap_or_default())
                .map_or(text.len(), |p| from + p + 1);
            (from, to)
        })
    })
    .skip(1);
    // One UTF-8 check for the whole slice when it passes (lines are cut at ASCII
    // newlines); line by line otherwise, to name the bad lines.
    let whole = std::str::from_utf8(text).ok();
    for (k, (from, to)) in lines.enumerate() {
        s.lines = k + 1;
        let raw = text.get(from..to).unwrap_or_default();
        let line = match whole {
            _ if raw == TOO_LONG
                || raw == TOO_LONG.strip_suffix(b"\n").unwrap_or(TOO_LONG)
                || raw.len() > max_line + 2 =>
            {
                Err(too_long(max_line))
            }
            Some(t) => Ok(t.get(from..to).unwrap_or_default()),
            None => std::str::from_utf8(text.get(from..to).unwrap_or_default())
                .map_err(|e| format!("the line is not valid UTF-8: {e}")),
        };
        let result = line.and_then(|line| {
            let line = line.strip_suffix('\n').unwrap_or(line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            // A byte order mark (Windows PowerShell) before the first record.
            let line = line.strip_prefix('\u{feff}').unwrap_or(line);
            if line.trim().is_empty() {
                return Ok(false);
            }
            p.evaluate_str_into(line, &mut s.out)
                .map(|()| true)
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(false) => {}
            Ok(true) => s.out.push(b'\n'),
            Err(e) => s.errors.push((s.out.len(), k, e)),
        }
    }
    s
}
