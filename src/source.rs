//! Source files and spans.
//!
//! Every AST node carries a [`Span`]: the file it came from and a byte range. A
//! [`Sources`] set owns the text of every file of a policy, so that diagnostics can
//! show line:col and underline the offending text.

use std::sync::Arc;

/// Identifies one source file inside a [`Sources`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named source text.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path, or `<bundled>/...`).
    pub name: String,
    /// The text.
    pub text: String,
    /// Byte offsets of line starts, built on first use.
    lines: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // Each diagnostic costs a search, not a scan of the file.
        let starts = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let col = self
            .text
            .get(line_start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, col)
    }

    /// The byte range of lines `first..=last` (1-based, clamped).
    pub fn line_range(&self, first: usize, last: usize) -> (usize, usize) {
        let _ = self.line_col(0);
        let starts = self.lines.get().map(Vec::as_slice).unwrap_or(&[0]);
        let from = starts.get(first.max(1) - 1).copied().unwrap_or(0);
        let to = starts
            .get(last)
            .map_or(self.text.len(), |&s| s.saturating_sub(1));
        (from, to.max(from))
    }
}

/// All the source files of a policy.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<Arc<SourceFile>>,
}

impl Sources {
    /// An empty set.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(Arc::new(SourceFile {
            lines: std::sync::OnceLock::new(),
            name: name.into(),
            text: text.into(),
        }));
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    /// Every file, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// `name:line:col` of the start of a span.
    pub fn locate(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(f) => {
                let (l, c) = f.line_col(span.start as usize);
                format!("{}:{}:{}", f.name, l, c)
            }
            None => "<unknown>".to_string(),
        }
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }
}
