//! Before pest runs: the text checked against the limits (size, nesting, declarations,
//! strings), so hostile input gets a clear error, never a stack overflow; comments kept
//! for the formatter.

use super::*;

/// Size and nesting limits, checked on the raw text before pest (which recurses) runs.
pub(super) fn precheck(file: FileId, text: &str, limits: &Limits) -> Result<(), Vec<Diagnostic>> {
    if text.len() > limits.max_file_bytes {
        return Err(vec![Diagnostic::error(
            ParseError::TooLarge,
            Span::new(file, 0, 0),
            format!(
                "file is too large: {} bytes (the limit is {})",
                text.len(),
                limits.max_file_bytes
            ),
        )]);
    }
    let bytes = text.as_bytes();
    // What the parser's recursion follows: brackets, and the chains of `any`, `all`
    // and `list of` (each one's body or element type nests one level deeper, up to
    // the end of the enclosing bracket or declaration). `open` holds, for each open
    // bracket, the chain length outside it.
    let mut open: Vec<usize> = Vec::new();
    let mut chain = 0usize;
    let too_deep = |at: usize, len: usize| {
        vec![Diagnostic::error(
            ParseError::TooDeep,
            Span::new(file, at, at + len),
            format!(
                "nesting is too deep (the limit is {}): brackets, `any`, `all` and `list of` nest",
                limits.max_depth
            ),
        )
        .with_help(
            "split the expression with `let` declarations, or the type with `type` declarations",
        )]
    };
    let word_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'"' || c == b'\n' {
                        break;
                    }
                    if c == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i - start > limits.max_string_bytes {
                    return Err(vec![Diagnostic::error(
                        ParseError::TooLarge,
                        Span::new(file, start, start + 1),
                        format!(
                            "string is too long: {} bytes (the limit is {})",
                            i - start,
                            limits.max_string_bytes
                        ),
                    )]);
                }
            }
            b'(' | b'[' | b'{' => {
                open.push(chain);
                if open.len() + chain > limits.max_depth {
                    return Err(too_deep(i, 1));
                }
            }
            b')' | b']' | b'}' => {
                if let Some(outside) = open.pop() {
                    chain = outside;
                }
            }
            c if word_byte(c) => {
                let after_dot = i > 0 && bytes.get(i - 1) == Some(&b'.');
                let start = i;
                while bytes.get(i).copied().is_some_and(word_byte) {
                    i += 1;
                }
                let word = bytes.get(start..i).unwrap_or_default();
                if !after_dot {
                    match word {
                        b"any" | b"all" | b"list" => {
                            chain += 1;
                            if open.len() + chain > limits.max_depth {
                                return Err(too_deep(start, word.len()));
                            }
                        }
                        // Keywords are reserved: at the top level, these only start a
                        // declaration, which ends every chain.
                        b"use" | b"type" | b"fact" | b"setting" | b"set" | b"decision" | b"let"
                        | b"rule" | b"lint" | b"facts" | b"test" | b"property"
                            if open.is_empty() =>
                        {
                            chain = 0
                        }
                        _ => {}
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The comments of a file, found by a small scan that skips string literals.
pub(super) fn comments(file: FileId, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut line_has_code = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => line_has_code = false,
            '"' => {
                line_has_code = true;
                while let Some((_, c)) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' || c == '\n' {
                        break;
                    }
                }
            }
            '#' => {
                let mut end = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c == '\n' {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                out.push(Comment {
                    text: text.get(i + 1..end).unwrap_or("").trim_end().to_string(),
                    span: Span::new(file, i, end),
                    trailing: line_has_code,
                });
            }
            c if !c.is_whitespace() => line_has_code = true,
            _ => {}
        }
    }
    out
}
