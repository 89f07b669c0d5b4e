//! `diff`: each side read (a rule file, a Graph export or settings, `seed`/`current`)
//! and the regions rendered.

use crate::args::*;
use crate::inputs::*;
use crate::output::*;
use apprules::{Policy, PolicyBuilder};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// One side of `apprules diff`.
pub(crate) fn diff_side(spec: &str) -> Result<Policy, Fail> {
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

pub(crate) fn diff(
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
