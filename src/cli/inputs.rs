//! Reading inputs: rule files, JSON, the policy built from files, settings and a Graph
//! export; writing a file by replacing it whole.

use crate::args::*;
use crate::output::*;
use apprules::codes::CompileError;
use apprules::{Policy, PolicyBuilder};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The bundled policy, with the defaults `--defaults` asks for, when `b` uses it (or
/// when `always`).
pub(crate) fn with_defaults(b: PolicyBuilder, always: bool) -> PolicyBuilder {
    match (
        CURRENT_DEFAULTS.load(std::sync::atomic::Ordering::Relaxed),
        always,
    ) {
        (true, _) => b.current_defaults(),
        (false, true) => b.bundled(),
        (false, false) => b,
    }
}

/// Replaces a file's contents whole or not at all: written beside it, then renamed
/// over it, so a failed write never leaves half a file.
pub(crate) fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
pub(crate) fn read_input(path: &Path, limit: usize) -> Result<String, Fail> {
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
pub(crate) const MAX_JSON_BYTES: usize = 256 << 20;

pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value, Fail> {
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

pub(crate) fn builder(files: &[PathBuf]) -> Result<PolicyBuilder, Fail> {
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

pub(crate) fn policy(
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
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.code == CompileError::SetReplaced)
    {
        if !quiet() {
            errln!("{}", report.short_line(d));
        }
    }
    Ok(p)
}
