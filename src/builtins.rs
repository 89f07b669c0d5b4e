//! Builtin functions: the small domain algorithms rules cannot say by themselves.
//!
//! Each builtin is pure, total and runs in time linear in its input. They are
//! listed, with examples, in `docs/language.md`.

use crate::value::{Type, Value};

/// A builtin function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Builtin {
    /// `len(s)`: the number of characters of a string (or items of a list).
    Len,
    /// `url_scheme(u)`: the scheme of a URL, lowercased (`HTTPS://x` → `https`); `""` if none.
    UrlScheme,
    /// `url_rest(u)`: what follows `scheme://` (`https://a/b` → `a/b`); the whole text if no scheme.
    UrlRest,
    /// `url_after_scheme(u)`: what follows the scheme's `:`, kept as it is
    /// (`https://a/b` → `//a/b`, `https:/x` → `/x`); the whole text if no scheme.
    UrlAfterScheme,
    /// `concat(a, b, ...)`: the strings joined.
    Concat,
    /// `is_digits(s)`: every character is an ASCII digit (true for the empty string).
    IsDigits,
    /// `has_letter(s)`: some character is an ASCII letter (`A`–`Z`, `a`–`z`).
    HasLetter,
    /// `has_digit(s)`: some character is an ASCII digit.
    HasDigit,
    /// `has_special(s)`: some character is neither an ASCII letter, an ASCII digit nor
    /// whitespace (symbols, and anything beyond ASCII: spec section 8).
    HasSpecial,
    /// `simple_sequence(s)`: some window of 3 consecutive characters repeats one
    /// character (`111`, `aaa`) or ascends by one (`123`, `abc`) — the seed's simple PIN.
    SimpleSequence,
}

impl Builtin {
    /// Every builtin.
    pub const ALL: [Builtin; 10] = [
        Builtin::Len,
        Builtin::UrlScheme,
        Builtin::UrlRest,
        Builtin::UrlAfterScheme,
        Builtin::Concat,
        Builtin::IsDigits,
        Builtin::HasLetter,
        Builtin::HasDigit,
        Builtin::HasSpecial,
        Builtin::SimpleSequence,
    ];

    /// The name as written in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Len => "len",
            Builtin::UrlScheme => "url_scheme",
            Builtin::UrlRest => "url_rest",
            Builtin::UrlAfterScheme => "url_after_scheme",
            Builtin::Concat => "concat",
            Builtin::IsDigits => "is_digits",
            Builtin::HasLetter => "has_letter",
            Builtin::HasDigit => "has_digit",
            Builtin::HasSpecial => "has_special",
            Builtin::SimpleSequence => "simple_sequence",
        }
    }

    /// The builtin with this name.
    pub fn by_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The result type.
    pub fn result(self) -> Type {
        match self {
            Builtin::Len => Type::Int { min: Some(0) },
            Builtin::UrlScheme => Type::Str { nocase: true },
            Builtin::UrlRest | Builtin::UrlAfterScheme | Builtin::Concat => {
                Type::Str { nocase: false }
            }
            _ => Type::Bool,
        }
    }

    /// The number of arguments (`None`: one or more).
    pub fn arity(self) -> Option<usize> {
        match self {
            Builtin::Concat => None,
            _ => Some(1),
        }
    }

    /// Applies the builtin. `None` when an argument has the wrong shape (the checker
    /// rules that out) or is absent.
    pub fn apply(self, args: &[Value]) -> Option<Value> {
        let text = |i: usize| args.get(i).and_then(Value::as_text);
        Some(match self {
            Builtin::Len => match args.first()? {
                Value::List(items) => Value::Int(items.len() as i64),
                v => Value::Int(v.as_text()?.chars().count() as i64),
            },
            Builtin::UrlScheme => Value::str(&url_scheme(text(0)?).to_ascii_lowercase()),
            Builtin::UrlRest => Value::str(url_rest(text(0)?)),
            Builtin::UrlAfterScheme => Value::str(url_after_scheme(text(0)?)),
            Builtin::Concat => {
                let mut s = String::new();
                for a in args {
                    match a {
                        Value::Int(i) => s.push_str(&i.to_string()),
                        Value::Version(v) => s.push_str(&v.to_string()),
                        v => s.push_str(v.as_text()?),
                    }
                }
                Value::str(&s)
            }
            Builtin::IsDigits => Value::Bool(text(0)?.bytes().all(|b| b.is_ascii_digit())),
            Builtin::HasLetter => Value::Bool(text(0)?.bytes().any(|b| b.is_ascii_alphabetic())),
            Builtin::HasDigit => Value::Bool(text(0)?.bytes().any(|b| b.is_ascii_digit())),
            Builtin::HasSpecial => Value::Bool(
                text(0)?
                    .chars()
                    .any(|c| !c.is_ascii_alphanumeric() && !c.is_whitespace()),
            ),
            Builtin::SimpleSequence => Value::Bool(simple_sequence(text(0)?)),
        })
    }
}

/// The scheme of a URL: the text before the first `:` when it is a valid scheme.
pub fn url_scheme(url: &str) -> &str {
    match url.find(':') {
        Some(i) => {
            let s = &url[..i];
            let valid = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if valid {
                s
            } else {
                ""
            }
        }
        None => "",
    }
}

/// What follows `scheme://` (or `scheme:`) in a URL.
pub fn url_rest(url: &str) -> &str {
    let scheme = url_scheme(url);
    if scheme.is_empty() {
        return url;
    }
    let rest = &url[scheme.len() + 1..];
    rest.strip_prefix("//").unwrap_or(rest)
}

/// What follows the scheme's `:`, as it is (the whole text without a scheme).
pub fn url_after_scheme(url: &str) -> &str {
    let scheme = url_scheme(url);
    if scheme.is_empty() {
        return url;
    }
    url.get(scheme.len() + 1..).unwrap_or_default()
}

/// The seed's simple-PIN rule: a 3-character sliding window that repeats one
/// character or ascends by one.
pub fn simple_sequence(pin: &str) -> bool {
    let chars: Vec<u32> = pin.chars().map(u32::from).collect();
    chars.windows(3).any(|w| {
        (w[0] == w[1] && w[1] == w[2])
            || (w[1] == w[0].wrapping_add(1) && w[2] == w[1].wrapping_add(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_pins_of_the_seed() {
        assert!(simple_sequence("1235"));
        assert!(simple_sequence("1112"));
        assert!(!simple_sequence("1122"));
        assert!(simple_sequence("abcd"));
        assert!(simple_sequence("aaaa"));
        assert!(!simple_sequence("9753"));
        assert!(!simple_sequence("12"));
    }

    #[test]
    fn urls() {
        assert_eq!(url_scheme("HTTPS://www.microsoft.com"), "HTTPS");
        assert_eq!(
            url_rest("https://www.microsoft.com/a?b"),
            "www.microsoft.com/a?b"
        );
        assert_eq!(url_scheme("www.microsoft.com"), "");
        assert_eq!(url_rest("mailto:a@b"), "a@b");
    }
}
