//! The `apprules` command line. Exit codes: 0 ok, 1 a test or check failed, 2 bad input.

#[macro_use]
mod output;
mod args;
mod diff;
mod eval;
mod inputs;

use crate::args::*;
use crate::diff::*;
use crate::eval::*;
use crate::inputs::*;
use crate::output::*;
use apprules::{Error, Policy, PolicyBuilder};
use clap::Parser;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn main() -> ExitCode {
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

pub(crate) fn run(cmd: Command) -> Result<(), Fail> {
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
            let checked = b.check_with_tests()?;
            let opts = apprules::testing::Options {
                cases,
                seed,
                coverage: coverage || min_coverage.is_some(),
            };
            let report = apprules::testing::run_matching(
                checked.program,
                &checked.suite,
                &opts,
                filter.as_deref(),
            );
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
