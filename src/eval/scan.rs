//! A strict JSON scanner for binding well-formed facts fast.
//!
//! [`scan`] walks JSON text against the fact schema in one pass over the bytes: keys
//! are matched against the schema's children, values decoded by the fact's type,
//! unknown keys and keys seen twice left to serde. It only ever *succeeds* on input that the
//! serde binder ([`super::facts::bind_str`]) binds to the same facts; anything
//! unusual — a syntax error, an escape sequence, a float, a value of the wrong type,
//! deep nesting — makes it give up (`None`), and the serde binder then reads the
//! text and reports the precise error. Property tests compare both on mutated input.

use super::bytes::{same_bytes, special};
use super::facts::Facts;
use super::keys;
use super::schema::{Child, KeySig, Node, Schema};
use crate::value::{Type, Value, Version};
use std::sync::Arc;

/// The values, their keys and group presence read from `text`, defaults not yet
/// filled in (`facts::finish_in`, with the `seen` flags this returns); `None` to let
/// the serde binder decide.
pub fn scan(schema: &Schema, text: &str) -> Option<(Facts, Vec<u64>)> {
    let mut facts = Facts::default();
    let mut seen = Vec::new();
    scan_into(schema, text, &mut facts, &mut seen)?;
    Some((facts, seen))
}

/// [`scan`] into buffers a previous call filled, reusing what they hold: a value equal
/// to the one already in its slot (the same interned enum value, the same string) is
/// kept, a scalar is written over a scalar of its kind, a list the slot owns alone is
/// refilled in place. Bit `i` of `seen` (bit `i % 64` of word `i / 64`) tells whether
/// slot `i` holds a value of this record, not null (and its key, `eval::keys`); the
/// others are absent or still hold an earlier record's value (their keys are all
/// cleared to absent first), and the binder resets them while it fills in defaults
/// (`facts::finish_in`), visiting only them. A slot with
/// its bit set is of a group that is present (its object was read). On `None` the
/// buffers hold a partial record.
pub fn scan_into(
    schema: &Schema,
    text: &str,
    facts: &mut Facts,
    seen: &mut Vec<u64>,
) -> Option<()> {
    let n = schema.types.len();
    facts.values.resize(n, Value::Absent);
    facts.keys.clear();
    seen.clear();
    seen.resize(n.div_ceil(64), 0);
    facts.groups.clear();
    facts.groups.resize(schema.groups, false);
    let mut s = Scanner {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut out = Out {
        values: &mut facts.values,
        keys: &mut facts.keys,
        groups: &mut facts.groups,
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
    Some(())
}

struct Out<'o> {
    values: &'o mut Vec<Value>,
    keys: &'o mut keys::Keys,
    groups: &'o mut Vec<bool>,
    seen: &'o mut [u64],
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

    /// A version string (digits and dots only, no escapes): read in one pass, with
    /// no search for the string's end first.
    #[inline]
    fn version(&mut self) -> Option<Version> {
        self.eat(b'"')?;
        let (v, n) = Version::parse_prefix(self.b.get(self.i..)?)?;
        self.i += n;
        self.eat(b'"')?;
        Some(v)
    }

    /// When the next key is, byte for byte, child `guess`'s name in quotes: reads it
    /// and returns `guess`, and whether its colon was read too (the compact form
    /// `"key":`, one compare). Names have no escapes or control characters, so equal
    /// bytes mean an equal key; with no two children of one name, it is that child.
    #[inline]
    fn expect_key(&mut self, node: &Node, guess: usize) -> Option<(usize, bool)> {
        if !node.unique {
            return None;
        }
        let pattern = node.patterns.get(guess)?;
        let end = self.i + pattern.len();
        if self
            .b
            .get(self.i..end)
            .is_some_and(|k| same_bytes(k, pattern))
        {
            self.i = end;
            return Some((guess, true));
        }
        let name = node.children.get(guess)?.0.as_bytes();
        let end = self.i + 1 + name.len();
        let quoted = self.peek() == b'"'
            && self.b.get(end) == Some(&b'"')
            && self
                .b
                .get(self.i + 1..end)
                .is_some_and(|k| same_bytes(k, name));
        quoted.then(|| {
            self.i = end + 1;
            (guess, false)
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
        if same_bytes(self.b.get(self.i..self.i + word.len())?, word) {
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
        let mut seen = [0u64; 2];
        loop {
            self.ws();
            // An unknown key is for serde too (it checks what is below for
            // duplicates and depth).
            let (i, colon) = match self.expect_key(node, guess) {
                Some(found) => found,
                None => (node.child_index(self.string()?)?, false),
            };
            // Past 128 children serde decides.
            let word = seen.get_mut(i >> 6)?;
            let bit = 1u64 << (i & 63);
            if *word & bit != 0 {
                return None;
            }
            *word |= bit;
            guess = i + 1;
            if !colon {
                self.ws();
                self.eat(b':')?;
            }
            self.ws();
            match node.children.get(i).map(|(_, c)| c) {
                None => return None,
                Some(Child::Fact(id, at)) => {
                    let (ty, interned) = schema.types.get(*id)?;
                    let sigs = schema.enum_sigs.get(*id)?;
                    let slot = out.values.get_mut(*id)?;
                    let key = self.value(ty, interned, sigs, slot)?;
                    out.keys.set(*at, key);
                    if key != keys::ABSENT {
                        *out.seen.get_mut(*id >> 6)? |= 1 << (*id & 63);
                    }
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

    /// A fact's value, by its type, into `slot`; its key (`eval::keys`).
    #[inline(always)]
    fn value(
        &mut self,
        ty: &Type,
        interned: &[Value],
        sigs: &[KeySig],
        slot: &mut Value,
    ) -> Option<u64> {
        if self.peek() == b'n' {
            self.literal(b"null")?;
            *slot = Value::Absent;
            return Some(keys::ABSENT);
        }
        // Scalars are written over a scalar of the same kind in place (no drop of
        // the previous record's value to call).
        let (value, key) = match ty {
            Type::Bool => {
                let v = match self.peek() {
                    b't' => self.literal(b"true").map(|_| true)?,
                    b'f' => self.literal(b"false").map(|_| false)?,
                    _ => return None,
                };
                match slot {
                    Value::Bool(old) => {
                        *old = v;
                        return Some(u64::from(v));
                    }
                    _ => (Value::Bool(v), u64::from(v)),
                }
            }
            Type::Int { min } => {
                let v = self.int()?;
                if min.is_some_and(|m| v < m) {
                    return None;
                }
                let key = keys::int(v);
                match slot {
                    Value::Int(old) => {
                        *old = v;
                        return Some(key);
                    }
                    _ => (Value::Int(v), key),
                }
            }
            Type::Str { nocase } => {
                let s = self.string()?;
                // The slot's string is kept when it is this one (lowercased, when the
                // type ignores case).
                let same = match slot {
                    Value::Str(old) if *nocase => {
                        old.len() == s.len()
                            && old
                                .bytes()
                                .zip(s.bytes())
                                .all(|(o, c)| o == c.to_ascii_lowercase())
                    }
                    Value::Str(old) => **old == *s,
                    _ => false,
                };
                if same {
                    return Some(0);
                } else if *nocase && s.bytes().any(|b| b.is_ascii_uppercase()) {
                    // Lowercased in its own allocation (a new `Arc` is never shared).
                    let mut lower: Arc<str> = Arc::from(s);
                    if let Some(l) = Arc::get_mut(&mut lower) {
                        l.make_ascii_lowercase();
                    }
                    (Value::Str(lower), 0)
                } else {
                    (Value::str(s), 0)
                }
            }
            Type::Version => {
                let v = self.version()?;
                let key = keys::version(v);
                match slot {
                    Value::Version(old) => {
                        *old = v;
                        return Some(key);
                    }
                    _ => (Value::Version(v), key),
                }
            }
            Type::Enum(_) => {
                let s = self.string()?;
                let sig = KeySig::of(s.as_bytes());
                let i = sigs
                    .iter()
                    .zip(interned)
                    .position(|(x, v)| *x == sig && (s.len() <= 16 || v.as_text() == Some(s)))?;
                let v = interned.get(i)?;
                // The key is the value's position in the type.
                let key = i as u64;
                if let (Value::Enum(old), Value::Enum(new)) = (&*slot, v) {
                    if Arc::ptr_eq(old, new) {
                        return Some(key);
                    }
                }
                (v.clone(), key)
            }
            Type::List(inner) => return self.list(inner, interned, sigs, slot).map(|_| 0),
            _ => return None,
        };
        *slot = value;
        Some(key)
    }

    /// A list of `inner` values into `slot` (the `[` not yet read).
    #[inline(never)]
    fn list(
        &mut self,
        inner: &Type,
        interned: &[Value],
        sigs: &[KeySig],
        slot: &mut Value,
    ) -> Option<()> {
        self.eat(b'[')?;
        // Refill a list this slot owns alone, item over item (an item equal to the
        // one it replaces is kept: no allocation); otherwise start a new one.
        let mut owned = match std::mem::replace(slot, Value::Absent) {
            Value::List(mut l) => Arc::get_mut(&mut l).is_some().then_some(l),
            _ => None,
        };
        let mut fresh = Vec::new();
        let items = match owned.as_mut().and_then(Arc::get_mut) {
            Some(items) => items,
            None => &mut fresh,
        };
        let mut count = 0;
        self.ws();
        if self.eat(b']').is_none() {
            loop {
                self.ws();
                if count == items.len() {
                    items.push(Value::Absent);
                }
                let item = items.get_mut(count)?;
                self.value(inner, interned, sigs, item)?;
                if matches!(item, Value::Absent) {
                    return None;
                }
                count += 1;
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
        items.truncate(count);
        *slot = match owned {
            Some(l) => Value::List(l),
            None => Value::List(Arc::new(fresh)),
        };
        Some(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
    fn reused_slots_hold_what_a_fresh_scan_gives() {
        let policy = crate::Policy::bundled().unwrap();
        let program = policy.program();
        let schema = Schema::new(program);
        let base: serde_json::Value =
            serde_json::from_str(include_str!("../../examples/device.json")).unwrap();
        let model = program.facts.get_index_of("device.model").unwrap();
        let text = |m: &str, os: serde_json::Value, jb: serde_json::Value| {
            let mut f = base.clone();
            f["device"]["model"] = m.into();
            f["device"]["os_version"] = os;
            f["device"]["jailbroken"] = jb;
            f.to_string()
        };
        // Through the binder, which resets the slots a record does not set.
        let bind_into = |t: &str, facts: &mut crate::Facts| {
            let mut seen = Vec::new();
            crate::eval::bind::bind_str_into(program, &schema, t, facts, &mut seen).unwrap();
        };
        let fresh = |t: &str| crate::eval::bind::bind_str(program, &schema, t).unwrap();
        let mut facts = crate::Facts::default();
        for (m, os, jb) in [
            ("iPhone15,2", "17.1", true),
            ("IPHONE15,2", "17.1", false),
            ("iphone15,2", "16.0.1", false),
            ("iPhone15,3", "16.0.1", true),
        ] {
            let t = text(m, os.into(), jb.into());
            bind_into(&t, &mut facts);
            assert_eq!(facts, fresh(&t), "{t}");
            assert_eq!(facts.values[model], Value::str(&m.to_ascii_lowercase()));
            // The scanner alone gives the same values for the slots it set.
            let mut again = facts.clone();
            let mut seen = Vec::new();
            scan_into(&schema, &t, &mut again, &mut seen).unwrap();
            let (scanned, _) = scan(&schema, &t).unwrap();
            for i in 0..again.values.len() {
                if seen[i >> 6] & (1 << (i & 63)) != 0 {
                    assert_eq!(again.values[i], scanned.values[i], "{t}: slot {i}");
                    let at = schema.finish[i].slot;
                    assert_eq!(again.keys.get(at), scanned.keys.get(at), "{t}: key {i}");
                    assert_eq!(again.keys.get(at), facts.keys.get(at), "{t}: key {i}");
                }
            }
        }
        // A slot filled by hand with a string that is not lowercased is replaced.
        facts.values[model] = Value::str("iPhone15,3");
        let t = text("iPhone15,3", "16.0.1".into(), true.into());
        bind_into(&t, &mut facts);
        assert_eq!(facts.values[model], Value::str("iphone15,3"));
        // A slot of another kind than its fact's is replaced, not written in place.
        facts.values[0] = Value::Int(3);
        bind_into(&t, &mut facts);
        assert_eq!(facts, fresh(&t));
    }

    #[test]
    fn scans_the_example_device() {
        let policy = crate::Policy::bundled().unwrap();
        let program = policy.program();
        let schema = Schema::new(program);
        let text = include_str!("../../examples/device.json");
        let (Facts { values, groups, .. }, _) = scan(&schema, text).unwrap();
        let facts = policy.bind_str(text).unwrap();
        let slow = policy.bind(&serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(facts, slow);
        assert_eq!(groups, slow.groups);
        assert!(values.iter().filter(|v| **v != Value::Absent).count() > 10);
    }
}
