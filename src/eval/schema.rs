//! The fact schema as a tree of JSON objects: what both text binders (the scanner
//! and the serde seeds) walk.

use super::keys;
use crate::check::ir::Program;
use crate::value::Value;

/// The fact schema as a tree of JSON objects, for binding facts straight from JSON
/// text without building a `serde_json::Value` first. Enum values are interned, so
/// binding them does not allocate.
#[derive(Clone, Debug)]
pub struct Schema {
    pub(super) root: Node,
    /// For each fact: its type, and the interned values of its enum (if any).
    pub(super) types: Vec<(crate::value::Type, Vec<Value>)>,
    /// For each fact: what to do when it is absent.
    pub(super) finish: Vec<Absence>,
    /// For each fact: the [`KeySig`] of each interned enum value.
    pub(super) enum_sigs: Vec<Vec<KeySig>>,
    pub(super) groups: usize,
    /// Unknown keys are read past (`--allow-unknown-facts`) rather than errors.
    pub(super) allow_unknown: bool,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// The dotted path of this object (empty for the root).
    pub(super) path: String,
    pub(super) children: Vec<(String, Child)>,
    /// Each child's [`KeySig`], for matching keys without comparing them byte by byte.
    pub(super) sigs: Vec<KeySig>,
    /// Each child's key as compact JSON writes it, quoted and followed by its colon
    /// (`"os_version":`): a record written in schema order matches it in one compare.
    pub(super) patterns: Vec<Box<[u8]>>,
    /// No two children share a name, so the child after the last one matched can be
    /// tried first (records written in schema order match every key at once).
    pub(super) unique: bool,
    /// The fact declared at this node's own path, when there is one: a value that is
    /// not an object binds it (`request.source` is an enum for one request kind and an
    /// object for others).
    pub(super) leaf: Option<usize>,
}

/// What binding does with an absent fact.
#[derive(Clone, Debug)]
pub(super) struct Absence {
    /// The fact's group: when the group is absent, so is the fact (even with a default).
    pub(super) group: Option<usize>,
    /// Its default.
    pub(super) default: Option<Value>,
    /// Absent without a default is an error.
    pub(super) required: bool,
    /// The key of its default (`eval::keys`).
    pub(super) default_key: u64,
    /// Where its key sits in a record's keys.
    pub(super) slot: keys::Slot,
}

/// A key's length and its first and last eight bytes: equal signatures of keys of at
/// most 16 bytes mean equal keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct KeySig {
    pub(super) len: usize,
    pub(super) head: u64,
    pub(super) tail: u64,
}

impl KeySig {
    #[inline]
    pub(super) fn of(k: &[u8]) -> KeySig {
        // The first eight bytes as a little-endian word, zero-padded: two overlapping
        // loads for short keys (the bytes they share are the same, so `|` joins them).
        let word = |b: &[u8]| match (b.first_chunk::<8>(), b.first_chunk::<4>()) {
            (Some(w), _) => u64::from_le_bytes(*w),
            (None, Some(lo)) => {
                let hi = b.last_chunk::<4>().copied().unwrap_or(*lo);
                u64::from(u32::from_le_bytes(*lo))
                    | u64::from(u32::from_le_bytes(hi)) << (8 * (b.len() - 4))
            }
            (None, None) => b
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, c)| w | u64::from(*c) << (8 * i)),
        };
        let head = word(k);
        KeySig {
            len: k.len(),
            head,
            tail: match k.last_chunk::<8>() {
                Some(w) => u64::from_le_bytes(*w),
                None => head,
            },
        }
    }
}

impl Node {
    /// The index of the child named `key` (the first, when two share a name).
    #[inline]
    pub(super) fn child_index(&self, key: &str) -> Option<usize> {
        let sig = KeySig::of(key.as_bytes());
        self.sigs
            .iter()
            .zip(&self.children)
            .position(|(s, (k, _))| *s == sig && (sig.len <= 16 || k == key))
    }

    fn sign(&mut self) {
        self.sigs = self
            .children
            .iter()
            .map(|(k, _)| KeySig::of(k.as_bytes()))
            .collect();
        self.patterns = self
            .children
            .iter()
            .map(|(k, _)| format!("\"{k}\":").into_bytes().into())
            .collect();
        self.unique = self.children.iter().enumerate().all(|(i, (k, _))| {
            !self.children.iter().skip(i + 1).any(|(o, _)| o == k)
                && !k.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
        });
        for (_, c) in &mut self.children {
            if let Child::Object(n, _) = c {
                n.sign();
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(super) enum Child {
    /// A fact: its id, and where its key goes (the slot in its [`Absence`], kept
    /// here too so that the scanner's loop reads it with the id).
    Fact(usize, keys::Slot),
    Object(Node, Option<usize>),
}

impl Schema {
    /// The schema of a program's facts.
    pub fn new(program: &Program) -> Schema {
        use crate::value::Type;
        let mut root = Node::default();
        let slots = keys::layout(program.facts.values().map(|f| &f.ty));
        for (name, _) in &program.facts {
            let mut node = &mut root;
            let segs: Vec<&str> = name.split('.').collect();
            for (i, seg) in segs.iter().enumerate() {
                let prefix = segs[..=i].join(".");
                if i + 1 == segs.len() {
                    if let Some(id) = program.facts.get_index_of(name) {
                        match node
                            .children
                            .iter_mut()
                            .find(|(k, c)| k == seg && matches!(c, Child::Object(..)))
                        {
                            Some((_, Child::Object(n, _))) => n.leaf = Some(id),
                            _ => {
                                let slot = slots.get(id).copied().unwrap_or(keys::Slot::None);
                                node.children.push((seg.to_string(), Child::Fact(id, slot)))
                            }
                        }
                    }
                    break;
                }
                let pos = match node
                    .children
                    .iter()
                    .position(|(k, c)| k == seg && matches!(c, Child::Object(..)))
                {
                    Some(p) => p,
                    None => {
                        let group = program.groups.get_index_of(&prefix);
                        // A fact already declared at this path becomes the node's leaf.
                        let leaf = match node
                            .children
                            .iter()
                            .position(|(k, c)| k == seg && matches!(c, Child::Fact(..)))
                        {
                            Some(p) => match node.children.remove(p).1 {
                                Child::Fact(id, _) => Some(id),
                                Child::Object(..) => None,
                            },
                            None => None,
                        };
                        let child = Node {
                            path: prefix.clone(),
                            leaf,
                            ..Node::default()
                        };
                        node.children
                            .push((seg.to_string(), Child::Object(child, group)));
                        node.children.len() - 1
                    }
                };
                node = match node.children.get_mut(pos).map(|c| &mut c.1) {
                    Some(Child::Object(n, _)) => n,
                    _ => return Schema::fallback(program),
                };
            }
        }
        let types: Vec<(Type, Vec<Value>)> = program
            .facts
            .values()
            .map(|f| {
                let interned = match &f.ty {
                    Type::Enum(e) => e.variants.iter().map(|v| Value::enum_(v)).collect(),
                    Type::List(inner) => match &**inner {
                        Type::Enum(e) => e.variants.iter().map(|v| Value::enum_(v)).collect(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                (f.ty.clone(), interned)
            })
            .collect();
        root.sign();
        let enum_sigs = types
            .iter()
            .map(|(_, interned)| {
                interned
                    .iter()
                    .map(|v| KeySig::of(v.as_text().unwrap_or_default().as_bytes()))
                    .collect()
            })
            .collect();
        let finish = program
            .facts
            .values()
            .zip(&types)
            .zip(slots)
            .map(|((def, (ty, _)), slot)| Absence {
                slot,
                group: def.group,
                default_key: keys::of(ty, def.default.as_ref().unwrap_or(&Value::Absent)),
                default: def.default.clone(),
                required: !def.optional && def.group.is_none(),
            })
            .collect();
        Schema {
            root,
            finish,
            enum_sigs,
            types,
            groups: program.groups.len(),
            allow_unknown: false,
        }
    }

    /// The same schema, reading past unknown keys when `allow`.
    pub fn allowing_unknown(mut self, allow: bool) -> Schema {
        self.allow_unknown = allow;
        self
    }

    /// Whether unknown keys are read past.
    pub fn allows_unknown(&self) -> bool {
        self.allow_unknown
    }

    /// A schema that never matches (facts then bind through `serde_json::Value`).
    fn fallback(program: &Program) -> Schema {
        Schema {
            root: Node::default(),
            types: Vec::new(),
            finish: Vec::new(),
            enum_sigs: Vec::new(),
            groups: program.groups.len(),
            allow_unknown: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeySig;

    #[test]
    fn signatures_are_the_zero_padded_first_and_last_words() {
        let word = |b: &[u8]| {
            b.iter()
                .take(8)
                .enumerate()
                .fold(0u64, |w, (i, c)| w | u64::from(*c) << (8 * i))
        };
        let bytes: Vec<u8> = (1u8..=40).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..=24 {
            let k = &bytes[..n];
            let head = word(k);
            let tail = if n >= 8 { word(&k[n - 8..]) } else { head };
            assert_eq!(KeySig::of(k), KeySig { len: n, head, tail }, "{n}");
        }
    }
}
