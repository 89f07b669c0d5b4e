//! A strict JSON scanner for binding well-formed facts fast.
//!
//! [`scan`] walks JSON text against the fact schema in one pass over the bytes: keys
//! are matched against the schema's children, values decoded by the fact's type,
//! unknown keys and keys seen twice left to serde. It only ever *succeeds* on input that the
//! serde binder ([`super::facts::bind_str`]) binds to the same facts; anything
//! unusual — a syntax error, an escape sequence, a float, a value of the wrong type,
//! deep nesting — makes it give up (`None`), and the serde binder then reads the
//! text and reports the precise error. Property tests compare both on mutated input.

use super::schema::{Child, KeySig, Node, Schema};
use crate::value::{Type, Value, Version};
use std::sync::Arc;

/// The position of the first `"`, `\\` or control character, eight bytes at a time.
#[inline]
fn special(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let v = u64::from_le_bytes(*w);
        // A byte is flagged when it is zero after the xor (`"`, `\\`) or below 0x20;
        // only the lowest flag is exact, and it is the one taken.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let m = zero(v ^ (ONES * u64::from(b'"')))
            | zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// The values and group presence read from `text`; `None` to let the serde binder decide.
pub fn scan(schema: &Schema, text: &str) -> Option<(Vec<Value>, Vec<bool>)> {
    let mut values = Vec::new();
    let mut groups = Vec::new();
    scan_into(schema, text, &mut values, &mut groups, &mut Vec::new())?;
    Some((values, groups))
}

/// [`scan`] into buffers a previous call filled, reusing what they hold: a value equal
/// to the one already in its slot (the same interned enum value, the same string) is
/// kept, a list the slot owns alone is refilled in place. Every slot the text does not
/// set is reset to `Absent`, so nothing of the previous record remains. `seen` is
/// scratch. On `None` the buffers hold a partial record.
pub fn scan_into(
    schema: &Schema,
    text: &str,
    values: &mut Vec<Value>,
    groups: &mut Vec<bool>,
    seen: &mut Vec<bool>,
) -> Option<()> {
    let n = schema.types.len();
    values.resize(n, Value::Absent);
    seen.clear();
    seen.resize(n, false);
    groups.clear();
    groups.resize(schema.groups, false);
    let mut s = Scanner {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut out = Out {
        values,
        groups,
        seen,
    };
    s.ws();
    if s.peek() != b'{' {
        return None;
    }
    s.object(schema, &schema.root, &mut out)?;
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    for (v, seen) in out.values.iter_mut().zip(out.seen.iter()) {
        if !seen {
            *v = Value::Absent;
        }
    }
    Some(())
}

struct Out<'o> {
    values: &'o mut Vec<Value>,
    groups: &'o mut Vec<bool>,
    seen: &'o mut Vec<bool>,
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    /// The next byte; 0 at the end (never valid where a token is expected).
    #[inline(always)]
    fn peek(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let b' ' | b'\n' | b'\r' | b'\t' = self.peek() {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek() == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes: its contents. Gives up on `\` and control characters.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let n = special(self.b.get(start..)?)?;
        if self.b.get(start + n) != Some(&b'"') {
            return None;
        }
        self.i = start + n + 1;
        // Quotes are ASCII: slicing between them keeps the text valid UTF-8.
        self.text.get(start..start + n)
    }

    /// When the next key is, byte for byte, child `guess`'s name in quotes: reads it
    /// and returns `guess`. Names have no escapes or control characters, so equal
    /// bytes mean an equal key; with no two children of one name, it is that child.
    #[inline]
    fn expect_key(&mut self, node: &Node, guess: usize) -> Option<usize> {
        if !node.unique {
            return None;
        }
        let name = node.children.get(guess)?.0.as_bytes();
        let end = self.i + 1 + name.len();
        let quoted = self.peek() == b'"'
            && self.b.get(self.i + 1..end) == Some(name)
            && self.b.get(end) == Some(&b'"');
        quoted.then(|| {
            self.i = end + 1;
            guess
        })
    }

    /// An integer in JSON's grammar (no fraction, no exponent) that fits an `i64`.
    #[inline]
    fn int(&mut self) -> Option<i64> {
        let neg = self.peek() == b'-';
        if neg {
            self.i += 1;
        }
        let digits = self.i;
        let mut v: i64 = 0;
        while let c @ b'0'..=b'9' = self.peek() {
            // Past 18 digits serde decides (it reads up to `u64`, then floats).
            if self.i - digits >= 18 {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        let n = self.i - digits;
        // No leading zeros; no `-0` (serde reads it as a float); no fraction or exponent.
        let zero = self.b.get(digits) == Some(&b'0');
        if n == 0 || (zero && (n > 1 || neg)) || matches!(self.peek(), b'.' | b'e' | b'E') {
            return None;
        }
        Some(if neg { -v } else { v })
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// An object against a schema node (the `{` not yet read).
    fn object(&mut self, schema: &Schema, node: &Node, out: &mut Out) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut guess = 0usize;
        // The children seen in this object: a key seen twice is for serde to report.
        let mut seen = 0u128;
        loop {
            self.ws();
            // An unknown key is for serde too (it checks what is below for
            // duplicates and depth).
            let i = match self.expect_key(node, guess) {
                Some(i) => i,
                None => node.child_index(self.string()?)?,
            };
            let bit = 1u128.checked_shl(u32::try_from(i).ok()?)?;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            guess = i + 1;
            self.ws();
            self.eat(b':')?;
            self.ws();
            match node.children.get(i).map(|(_, c)| c) {
                None => return None,
                Some(Child::Fact(id)) => {
                    let (ty, interned) = schema.types.get(*id)?;
                    let sigs = schema.enum_sigs.get(*id)?;
                    let slot = out.values.get_mut(*id)?;
                    self.value(ty, interned, sigs, slot)?;
                    *out.seen.get_mut(*id)? = true;
                }
                Some(Child::Object(child, group)) => match self.peek() {
                    b'n' if child.leaf.is_none() => self.literal(b"null")?,
                    b'{' => {
                        self.object(schema, child, out)?;
                        if let Some(g) = group {
                            *out.groups.get_mut(*g)? = true;
                        }
                    }
                    _ => return None,
                },
            }
            self.ws();
            match self.peek() {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A fact's value, by its type, into `slot`.
    fn value(
        &mut self,
        ty: &Type,
        interned: &[Value],
        sigs: &[KeySig],
        slot: &mut Value,
    ) -> Option<()> {
        if self.peek() == b'n' {
            self.literal(b"null")?;
            *slot = Value::Absent;
            return Some(());
        }
        *slot = match ty {
            Type::Bool => match self.peek() {
                b't' => self.literal(b"true").map(|_| Value::Bool(true))?,
                b'f' => self.literal(b"false").map(|_| Value::Bool(false))?,
                _ => return None,
            },
            Type::Int { min } => {
                let v = self.int()?;
                if min.is_some_and(|m| v < m) {
                    return None;
                }
                Value::Int(v)
            }
            Type::Str { nocase } => {
                let s = self.string()?;
                if *nocase && s.bytes().any(|b| b.is_ascii_uppercase()) {
                    Value::str(&s.to_ascii_lowercase())
                } else if matches!(slot, Value::Str(old) if **old == *s) {
                    return Some(());
                } else {
                    Value::str(s)
                }
            }
            Type::Version => Value::Version(Version::parse(self.string()?)?),
            Type::Enum(_) => {
                let s = self.string()?;
                let sig = KeySig::of(s.as_bytes());
                let i = sigs
                    .iter()
                    .zip(interned)
                    .position(|(x, v)| *x == sig && (s.len() <= 16 || v.as_text() == Some(s)))?;
                let v = interned.get(i)?;
                if let (Value::Enum(old), Value::Enum(new)) = (&*slot, v) {
                    if Arc::ptr_eq(old, new) {
                        return Some(());
                    }
                }
                v.clone()
            }
            Type::List(inner) => {
                self.eat(b'[')?;
                // Refill a list this slot owns alone; otherwise start a new one.
                let mut owned = match std::mem::replace(slot, Value::Absent) {
                    Value::List(mut l) => match Arc::get_mut(&mut l) {
                        Some(items) => {
                            items.clear();
                            Some(l)
                        }
                        None => None,
                    },
                    _ => None,
                };
                let mut fresh = Vec::new();
                let items = match owned.as_mut().and_then(Arc::get_mut) {
                    Some(items) => items,
                    None => &mut fresh,
                };
                self.ws();
                if self.eat(b']').is_none() {
                    loop {
                        self.ws();
                        let mut item = Value::Absent;
                        self.value(inner, interned, sigs, &mut item)?;
                        if item == Value::Absent {
                            return None;
                        }
                        items.push(item);
                        self.ws();
                        match self.peek() {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                match owned {
                    Some(l) => Value::List(l),
                    None => Value::List(Arc::new(fresh)),
                }
            }
            _ => return None,
        };
        Some(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn special_finds_the_first_quote_backslash_or_control() {
        let slow = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        let bytes: Vec<u8> = (0u8..=255).collect();
        for len in 0..40 {
            for pos in 0..len {
                for &c in &bytes {
                    let mut b = vec![b'a'; len];
                    b[pos] = c;
                    if pos + 1 < len {
                        b[pos + 1] = b'"';
                    }
                    assert_eq!(special(&b), slow(&b), "{b:?}");
                }
            }
        }
        let text = "h\u{e9}llo w\u{f6}rld \u{1F600} \"x".to_string();
        assert_eq!(special(text.as_bytes()), slow(text.as_bytes()));
    }

    #[test]
    fn long_numbers_are_left_to_serde() {
        let policy = crate::Policy::bundled().unwrap();
        let schema = Schema::new(policy.program());
        for text in [
            r#"{"":9680827590280827592666}"#,
            r#"{"session":{"minutes_offline":999999999999999999}}"#,
            r#"{"session":{"minutes_offline":9223372036854775807}}"#,
        ] {
            let _ = scan(&schema, text);
            assert_eq!(policy.bind_str(text), policy.bind_str_serde(text), "{text}");
        }
    }

    #[test]
    fn scans_the_example_device() {
        let policy = crate::Policy::bundled().unwrap();
        let program = policy.program();
        let schema = Schema::new(program);
        let text = include_str!("../../examples/device.json");
        let (values, groups) = scan(&schema, text).unwrap();
        let facts = policy.bind_str(text).unwrap();
        let slow = policy.bind(&serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(facts, slow);
        assert_eq!(groups, slow.groups);
        assert!(values.iter().filter(|v| **v != Value::Absent).count() > 10);
    }
}
