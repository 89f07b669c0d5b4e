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
    /// `link_matches(url, pattern)`: the URL matches a link pattern (spec section 7.1):
    /// the same scheme and host (ignoring case, `*` any run of characters), and the
    /// pattern's path (`*` any run, `/` included); a pattern without a path matches any
    /// path on exactly its host. With a list of patterns: any of them.
    LinkMatches,
    /// `is_link_pattern(p)`: `p` is a link pattern, `scheme://host[/path]`.
    IsLinkPattern,
}

impl Builtin {
    /// Every builtin.
    pub const ALL: [Builtin; 12] = [
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
        Builtin::LinkMatches,
        Builtin::IsLinkPattern,
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
            Builtin::LinkMatches => "link_matches",
            Builtin::IsLinkPattern => "is_link_pattern",
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

    /// The signature and what it computes, as shown by editors.
    pub fn signature(self) -> String {
        let (args, what) = match self {
            Builtin::Len => (
                "string | list",
                "the length in characters, or the number of items",
            ),
            Builtin::UrlScheme => (
                "url: string",
                "the scheme before `:`, compared ignoring case",
            ),
            Builtin::UrlRest => ("url: string", "what follows `scheme://` (or `scheme:`)"),
            Builtin::UrlAfterScheme => ("url: string", "what follows the scheme's `:`, as it is"),
            Builtin::Concat => ("string, string, …", "the strings joined"),
            Builtin::IsDigits => ("s: string", "whether every character is a digit"),
            Builtin::HasLetter => ("s: string", "whether some character is a letter"),
            Builtin::HasDigit => ("s: string", "whether some character is a digit"),
            Builtin::HasSpecial => (
                "s: string",
                "whether some character is neither letter nor digit",
            ),
            Builtin::SimpleSequence => (
                "pin: string",
                "whether a 3-character window repeats one character or ascends by one (111, 123)",
            ),
            Builtin::LinkMatches => (
                "url: string, pattern: string | list of string",
                "whether the URL matches a universal-link pattern (`*` wildcards in host and path)",
            ),
            Builtin::IsLinkPattern => (
                "pattern: string",
                "whether the text is a valid universal-link pattern",
            ),
        };
        format!("{}({args}) → {}: {what}", self.name(), self.result())
    }

    /// The number of arguments (`None`: one or more).
    pub fn arity(self) -> Option<usize> {
        match self {
            Builtin::Concat => None,
            Builtin::LinkMatches => Some(2),
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
            Builtin::LinkMatches => match args.get(1)? {
                // A list of patterns: any of them (one table column, however many).
                Value::List(patterns) => {
                    let url = text(0)?;
                    Value::Bool(
                        patterns
                            .iter()
                            .any(|p| p.as_text().is_some_and(|p| link_matches(url, p))),
                    )
                }
                _ => Value::Bool(link_matches(text(0)?, text(1)?)),
            },
            Builtin::IsLinkPattern => Value::Bool(LinkPattern::parse(text(0)?).is_some()),
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

/// A URL split for link matching: lowercased scheme and host, and the path (`/` when
/// empty; query and fragment left out).
struct Link<'a> {
    scheme: &'a str,
    host: &'a str,
    path: &'a str,
}

/// Splits `scheme://authority/path?query#fragment`. `None` for anything else: no
/// `//`, an empty host, or characters a host cannot hold (so a URL that a browser
/// might read differently never matches).
fn split_link(url: &str, wildcards: bool) -> Option<Link<'_>> {
    let scheme = url_scheme(url);
    if scheme.is_empty() {
        return None;
    }
    let rest = url.get(scheme.len() + 1..)?.strip_prefix("//")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // user:password@host: the host is after the last `@`.
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let host = match hostport.rfind(':') {
        Some(i) if hostport[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &hostport[..i],
        _ => hostport,
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b) || (wildcards && b == b'*'));
    if !host_ok {
        return None;
    }
    let path = tail.split(['?', '#']).next().unwrap_or("");
    if path.chars().any(char::is_whitespace) || path.contains('\\') {
        return None;
    }
    // A host longer than DNS allows, or a path past any real link: never a match
    // (fail closed), and matching stays bounded on hostile input.
    if host.len() > MAX_HOST || path.len() > MAX_PATH {
        return None;
    }
    Some(Link { scheme, host, path })
}

/// The longest host a link may have (DNS: 253).
const MAX_HOST: usize = 253;
/// The longest path a link is matched on.
const MAX_PATH: usize = 8192;

/// A parsed link pattern.
struct LinkPattern<'a> {
    link: Link<'a>,
    /// The pattern has a path (even `/`): the URL's path must match it.
    has_path: bool,
}

impl<'a> LinkPattern<'a> {
    fn parse(pattern: &'a str) -> Option<LinkPattern<'a>> {
        if pattern.contains(['?', '#', '@']) || pattern.chars().any(char::is_whitespace) {
            return None;
        }
        let link = split_link(pattern, true)?;
        let has_path = !link.path.is_empty();
        Some(LinkPattern { link, has_path })
    }
}

/// Whether `url` matches the link pattern `pattern` (spec section 7.1). A pattern
/// that is not a link pattern matches nothing.
pub fn link_matches(url: &str, pattern: &str) -> bool {
    let (Some(p), Some(u)) = (LinkPattern::parse(pattern), split_link(url, false)) else {
        return false;
    };
    if !p.link.scheme.eq_ignore_ascii_case(u.scheme) {
        return false;
    }
    if !glob(
        p.link.host.to_ascii_lowercase().as_bytes(),
        u.host.to_ascii_lowercase().as_bytes(),
    ) {
        return false;
    }
    let path = if u.path.is_empty() { "/" } else { u.path };
    !p.has_path || glob(p.link.path.as_bytes(), path.as_bytes())
}

/// `*` matches any run of bytes (the greedy two-pointer match: O(len(p) × len(t))
/// at worst, on texts as short as URLs).
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
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

    #[test]
    fn link_patterns_of_the_spec() {
        let m = link_matches;
        assert!(m(
            "https://contoso.sharepoint.com/sites/a",
            "https://*.sharepoint.com/*"
        ));
        assert!(m("HTTPS://Maps.Apple.COM/?q=1", "https://maps.apple.com"));
        assert!(m("https://maps.apple.com", "https://maps.apple.com"));
        assert!(m("https://maps.apple.com/a/b", "https://maps.apple.com"));
        assert!(!m(
            "https://maps.apple.com.evil.example/",
            "https://maps.apple.com"
        ));
        assert!(!m(
            "https://maps.apple.com@evil.example/",
            "https://maps.apple.com"
        ));
        assert!(!m("http://maps.apple.com/", "https://maps.apple.com"));
        assert!(!m(
            "https://teams.microsoft.com/x",
            "https://teams.microsoft.com/l/*"
        ));
        assert!(m(
            "https://teams.microsoft.com/l/chat/0",
            "https://teams.microsoft.com/l/*"
        ));
        assert!(!m("https://a.example/", "not a pattern"));
        assert!(!m("https:maps.apple.com", "https://maps.apple.com"));
        assert!(LinkPattern::parse("maps.apple.com").is_none());
        assert!(LinkPattern::parse("https://*.onedrive.com/*").is_some());
    }
}
