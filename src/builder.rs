//! Building a policy: rule files (and the bundled policy) parsed, checked as one
//! program, compiled with the settings; every error of every file at once.

use super::*;
use crate::check::suite::Suite;

/// Builds a [`Policy`]: rule files (and the bundled policy), then setting overrides.
#[derive(Default)]
pub struct PolicyBuilder {
    sources: source::Sources,
    files: Vec<syntax::ast::File>,
    diagnostics: Vec<Diagnostic>,
    bundled: bool,
    current: bool,
    settings: Option<serde_json::Value>,
    limits: syntax::Limits,
}

/// Diagnostics by file and position, as compilers print them (stable: the order of
/// one place's diagnostics is kept).
pub(super) fn by_position(mut d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.sort_by_key(|x| x.span.map(|s| (s.file.0, s.start)));
    d
}

/// Unknown names that the bundled policy declares, in a program without it: one
/// error with the hint to `use intune`, instead of one per name.
pub(super) fn forgot_use_intune(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    static NAMES: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut out = std::collections::HashSet::new();
        if let Ok(f) = syntax::parse(source::FileId(0), BUNDLED) {
            for item in &f.items {
                let name = match item {
                    syntax::ast::Item::Fact(x) => &x.name.text,
                    syntax::ast::Item::Setting(x) => &x.name.text,
                    syntax::ast::Item::Decision(x) => &x.name.text,
                    syntax::ast::Item::Let(x) => &x.name.text,
                    syntax::ast::Item::Type(x) => &x.name.text,
                    _ => continue,
                };
                out.insert(name.clone());
            }
        }
        out
    });
    let from_bundled = |d: &Diagnostic| {
        d.code == CheckError::Unknown
            && d.message.split('`').nth(1).is_some_and(|n| {
                names.contains(n) || names.iter().any(|m| m.starts_with(&format!("{n}.")))
            })
    };
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| from_bundled(d)).collect();
    let Some(first) = found.first() else {
        return diags;
    };
    let name = first
        .message
        .split('`')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let others = found.len() - 1;
    let mut one = Diagnostic::error(
        CheckError::Unknown,
        first.span.unwrap_or_default(),
        if others == 0 {
            format!("`{name}` is declared by the bundled Intune policy, which this file does not use")
        } else {
            format!("`{name}` and {others} other name(s) are declared by the bundled Intune policy, which this file does not use")
        },
    )
    .with_help("add `use intune` at the top of the file");
    one.span = first.span;
    let mut out = vec![one];
    out.extend(diags.into_iter().filter(|d| !from_bundled(d)));
    out
}

/// Reads a file as UTF-8, with an error that names it.
pub fn read_text(path: &std::path::Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    text_of(bytes).map_err(|message| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    })
}

/// Bytes as UTF-8 text: a UTF-8 byte order mark (Windows PowerShell writes one) is
/// dropped; UTF-16 is named as such; other invalid UTF-8 gives its byte offset.
pub fn text_of(mut bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8".into(),
        );
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()))
}

impl PolicyBuilder {
    /// An empty builder.
    pub fn new() -> PolicyBuilder {
        PolicyBuilder::default()
    }
    /// Sets the parser limits (file size, nesting).
    pub fn limits(mut self, limits: syntax::Limits) -> PolicyBuilder {
        self.limits = limits;
        self
    }
    /// Adds the bundled Intune policy (also added by `use intune` in a file).
    pub fn bundled(mut self) -> PolicyBuilder {
        if !self.bundled {
            self.bundled = true;
            let id = self.sources.add(BUNDLED_NAME, BUNDLED);
            match syntax::parse_with_limits(id, BUNDLED, &self.limits) {
                Ok(f) => self.files.insert(0, f),
                Err(mut d) => self.diagnostics.append(&mut d),
            }
        }
        self
    }
    /// Adds the current portal's defaults over the bundled policy (also added by
    /// `use intune_current` in a file).
    pub fn current_defaults(mut self) -> PolicyBuilder {
        self = self.bundled();
        if !self.current {
            self.current = true;
            let id = self.sources.add(BUNDLED_CURRENT_NAME, BUNDLED_CURRENT);
            match syntax::parse_with_limits(id, BUNDLED_CURRENT, &self.limits) {
                Ok(f) => self.files.insert(1.min(self.files.len()), f),
                Err(mut d) => self.diagnostics.append(&mut d),
            }
        }
        self
    }
    /// Adds rule text under a name. A file named `intune-ios.rules` is the bundled
    /// policy itself (a checkout's `rules/intune-ios.rules`, named beside files that
    /// `use intune`): it takes the place of the built-in copy, once.
    pub fn source(mut self, name: &str, text: &str) -> PolicyBuilder {
        let is_bundled = std::path::Path::new(name)
            .file_name()
            .is_some_and(|f| f == "intune-ios.rules");
        if is_bundled && !self.bundled {
            self.bundled = true;
            let id = self.sources.add(name, text);
            match syntax::parse_with_limits(id, text, &self.limits) {
                Ok(f) => self.files.insert(0, f),
                Err(mut d) => self.diagnostics.append(&mut d),
            }
            return self;
        }
        if is_bundled && text == BUNDLED {
            return self;
        }
        let is_current = std::path::Path::new(name)
            .file_name()
            .is_some_and(|f| f == "intune-current.rules");
        if is_current && (self.current || text == BUNDLED_CURRENT) {
            return self.current_defaults();
        }
        let id = self.sources.add(name, text);
        match syntax::parse_with_limits(id, text, &self.limits) {
            Ok(f) => {
                let uses = |name: &str| {
                    f.items
                        .iter()
                        .any(|i| matches!(i, syntax::ast::Item::Use(n) if n.text == name))
                };
                let (intune, current) = (uses("intune"), uses("intune_current"));
                if is_current {
                    // A checkout's `rules/intune-current.rules`: in the built-in copy's place.
                    self.current = true;
                    self = self.bundled();
                    self.files.insert(1.min(self.files.len()), f);
                    return self;
                }
                self.files.push(f);
                if current {
                    return self.current_defaults();
                }
                if intune {
                    return self.bundled();
                }
            }
            Err(mut d) => self.diagnostics.append(&mut d),
        }
        self
    }
    /// Reads and adds a rule file.
    pub fn file(self, path: &std::path::Path) -> Result<PolicyBuilder, Error> {
        // Refused before it is read: a huge file never fills memory.
        if let Ok(m) = std::fs::metadata(path) {
            if m.is_file() && m.len() > self.limits.max_file_bytes as u64 {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "file is too large: {} bytes (the limit is {})",
                            m.len(),
                            self.limits.max_file_bytes
                        ),
                    ),
                });
            }
        }
        let text = read_text(path)?;
        Ok(self.source(&path.display().to_string(), &text))
    }
    /// Setting overrides, as the JSON object of `--settings`.
    pub fn settings_json(mut self, json: serde_json::Value) -> PolicyBuilder {
        self.settings = Some(json);
        self
    }
    /// Checks the files (all errors at once), then compiles the policy.
    pub fn build(self) -> Result<Policy, Error> {
        self.build_with_tests().map(|(p, _)| p)
    }
    /// [`PolicyBuilder::build`], with the files' tests (for the language server).
    pub fn build_with_tests(self) -> Result<(Policy, Arc<Suite>), Error> {
        let c = self.check_with_tests()?;
        Ok((
            Policy::compile(c.program, self.settings.as_ref(), c.warnings)?,
            c.suite,
        ))
    }
    /// Parses and checks the files without compiling: the program and its warnings.
    pub fn check(&self) -> Result<(Arc<check::ir::Program>, Vec<Diagnostic>), Error> {
        self.check_with_tests().map(|c| (c.program, c.warnings))
    }
    /// [`PolicyBuilder::check`], with the files' tests, fact sets and properties: what
    /// [`crate::testing::run`] takes.
    pub fn check_with_tests(&self) -> Result<check::Checked, Error> {
        if !self.diagnostics.is_empty() {
            return Err(Error::Rules(Report {
                sources: self.sources.clone(),
                diagnostics: self.diagnostics.clone(),
            }));
        }
        match check::check(self.sources.clone(), &self.files) {
            Ok((p, suite, warnings)) => Ok(check::Checked {
                program: Arc::new(p),
                suite: Arc::new(suite),
                warnings,
            }),
            Err(d) => Err(Error::Rules(Report {
                sources: self.sources.clone(),
                diagnostics: by_position(if self.bundled {
                    d
                } else {
                    forgot_use_intune(d)
                }),
            })),
        }
    }
    /// Whether the bundled policy is in (a file says `use intune`, or it was added).
    pub fn uses_bundled(&self) -> bool {
        self.bundled
    }
    /// The parsed files (for the formatter).
    pub fn files(&self) -> &[syntax::ast::File] {
        &self.files
    }
}
