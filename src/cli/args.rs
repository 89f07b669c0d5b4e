//! The command line's arguments (clap derive) and its global flags.

use apprules::batch::MAX_LINE_BYTES;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// A rule engine for mobile app protection policies.
#[derive(Parser)]
#[command(name = "apprules", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Only errors on stderr: no warnings, no progress bar, no `ok`.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    /// Colors in diagnostics: `auto` (on a terminal), `always`, `never`.
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    pub(crate) color: Color,
    /// Which defaults the bundled policy starts from: `seed` (the 2020 page, `use
    /// intune`) or `current` (today's portal, `use intune_current`).
    #[arg(long, value_enum, global = true, default_value_t = Defaults::Seed)]
    pub(crate) defaults: Defaults,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How `diff` prints.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    /// Regions (or transitions) as lines.
    Text,
    /// One JSON object.
    Json,
}

/// The bundled policy's defaults (spec section 7.5).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Defaults {
    /// The seed's (`use intune`).
    Seed,
    /// Today's portal (`use intune_current`).
    Current,
}

/// `--defaults current`, set once at start.
pub(crate) static CURRENT_DEFAULTS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// When to color diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    /// On a terminal (and not when `NO_COLOR` is set).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--quiet`, set once at start.
pub(crate) static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
pub(crate) enum TestFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

/// Output format of `check`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// For tools.
    Json,
}

#[derive(Args)]
pub(crate) struct EvalArgs {
    /// Rule files (none: the bundled policy).
    pub(crate) files: Vec<PathBuf>,
    /// Facts: a JSON file, a `.jsonl` file (one record per line), or `-` for stdin.
    #[arg(long)]
    pub(crate) facts: PathBuf,
    /// Setting overrides (JSON object from setting name to value).
    #[arg(long)]
    pub(crate) settings: Option<PathBuf>,
    /// An Intune Graph export whose settings to use.
    #[arg(long)]
    pub(crate) graph: Option<PathBuf>,
    /// Read facts as JSON lines (one record per line), also from stdin.
    #[arg(long)]
    pub(crate) jsonl: bool,
    /// Pretty-print the JSON output (single records only).
    #[arg(long)]
    pub(crate) pretty: bool,
    /// The longest facts document or JSON line read, in bytes: a longer record is
    /// an error (in batch mode for that line only; the stream goes on).
    #[arg(long, default_value_t = MAX_LINE_BYTES, value_name = "BYTES")]
    pub(crate) max_line_bytes: usize,
    /// Read past keys of the facts that no fact declares (inventories that carry
    /// more than the policy reads); by default such a key is an error.
    #[arg(long)]
    pub(crate) allow_unknown_facts: bool,
    /// Only this decision (repeat for several); the others are not evaluated.
    #[arg(long, value_name = "NAME")]
    pub(crate) decision: Vec<String>,
}

/// A percentage from 0 to 100: `NaN`, infinities and anything outside are refused
/// (a gate that `NaN` passes would pass everything).
pub(crate) fn percentage(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a percentage from 0 to 100, found `{s}`")),
    }
}
