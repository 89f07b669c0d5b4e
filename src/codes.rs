//! Every diagnostic code, as a variant of its stage's error enum: [`ParseError`] (text
//! → AST), [`CheckError`] (names and types), [`CompileError`] (lints and tables). A
//! [`Diagnostic`](crate::Diagnostic) takes its [`Code`] from a variant, never from a
//! string, so `docs/errors.md` lists each variant once (a test holds them together).
//! The enums are `thiserror` errors (their text is the cause the catalogue gives) and
//! `miette` diagnostics (with the code and the catalogue's address).

use std::fmt;

/// A diagnostic's stable code (`E0101`), taken from a stage's error variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(&'static str);

impl Code {
    /// The code as written in `docs/errors.md`.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Where `docs/errors.md` explains it.
    pub fn url(self) -> String {
        format!("{CATALOGUE}#{}", self.0.to_ascii_lowercase())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// Where the catalogue documents a code.
const CATALOGUE: &str = "https://github.com/apprules/apprules/blob/main/docs/errors.md";

macro_rules! stage {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $variant:ident = $code:literal : $cause:literal, )* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
        pub enum $name {
            $( $(#[$vm])* #[error($cause)] $variant, )*
        }

        impl $name {
            /// Every variant, in catalogue order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The variant's code.
            pub fn code(self) -> Code {
                match self {
                    $($name::$variant => Code($code),)*
                }
            }
        }

        impl PartialEq<$name> for Code {
            fn eq(&self, other: &$name) -> bool {
                *self == other.code()
            }
        }

        impl From<$name> for Code {
            fn from(e: $name) -> Code {
                e.code()
            }
        }

        impl miette::Diagnostic for $name {
            fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                Some(Box::new($name::code(*self)))
            }

            fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                Some(Box::new($name::code(*self).url()))
            }
        }
    };
}

stage! {
    /// Errors of step one, text → AST (`E00xx`).
    ParseError {
        /// The text does not follow the grammar.
        Grammar = "E0001": "the text does not follow the grammar",
        /// Nesting deeper than the limit (brackets, quantifiers, operators in a row).
        TooDeep = "E0002": "nesting deeper than the limit",
        /// The file, a string or the number of declarations is over its limit.
        TooLarge = "E0003": "the file, a string or the number of declarations is over its limit",
        /// An integer does not fit in 64 bits.
        IntegerTooLarge = "E0004": "an integer does not fit in 64 bits",
        /// The file declares nothing.
        Empty = "E0005": "the file declares nothing",
        /// A JSON object in a rule file has a key twice.
        DuplicateKey = "E0006": "a JSON object in a rule file has a key twice",
    }
}

stage! {
    /// Errors of the checker: names and types (`E01xx`, `E02xx`).
    CheckError {
        /// A name is declared twice.
        Duplicate = "E0101": "a name is declared twice",
        /// An unknown name.
        Unknown = "E0102": "an unknown name",
        /// A type refers to itself.
        CyclicType = "E0103": "a type refers to itself",
        /// A `let` expands beyond the limits once its lets are expanded.
        LetTooLarge = "E0104": "a `let` expands beyond 100,000 nodes or 256 levels",
        /// A fact set is not a JSON object.
        FactSetNotAnObject = "E0201": "a fact set is not a JSON object",
        /// An outcome or default the decision does not declare.
        UnknownOutcome = "E0202": "an outcome or default that the decision does not declare",
        /// `for`, `any`, `all`, `in` need a list.
        NotAList = "E0203": "`for`, `any`, `all`, `in` need a list",
        /// A value does not fit its type.
        BadValue = "E0204": "a value does not fit its type",
        /// Two values cannot be compared, or an expression has the wrong type.
        TypeMismatch = "E0205": "two values cannot be compared, or an expression has the wrong type",
        /// Facts read where only settings are known.
        FactsWhereSettings = "E0206": "facts read where only settings are known",
        /// A builtin called with the wrong number or kind of arguments.
        BadCall = "E0207": "a builtin called with the wrong number or kind of arguments",
        /// A decision lists more outcomes than the limit.
        TooManyOutcomes = "E0208": "a decision lists more than 256 outcomes",
        /// A type nests lists and records deeper than the limit.
        TypeTooDeep = "E0209": "a type nests lists and records deeper than 32 levels",
    }
}

stage! {
    /// Errors and warnings of the compiler: lints and tables (`E03xx`, `W03xx`).
    CompileError {
        /// A `lint error` holds for the settings.
        LintError = "E0301": "a `lint error` holds for the settings",
        /// A lint cannot be evaluated.
        LintFails = "E0302": "a lint cannot be evaluated",
        /// A rule cannot compile with these settings.
        RuleFails = "E0303": "a rule cannot compile with these settings",
        /// A `lint warning` holds.
        LintWarning = "W0301": "a `lint warning` holds",
        /// A JSON setting replaces a rule file's `set` line.
        SetReplaced = "W0302": "a JSON setting replaces a rule file's `set` line",
    }
}

/// Every code of every stage.
pub fn all() -> impl Iterator<Item = Code> {
    ParseError::ALL
        .iter()
        .map(|e| e.code())
        .chain(CheckError::ALL.iter().map(|e| e.code()))
        .chain(CompileError::ALL.iter().map(|e| e.code()))
}

#[cfg(test)]
mod tests {
    /// `docs/errors.md` lists every code once, and only these.
    #[test]
    fn the_catalogue_lists_each_variant() {
        let doc = include_str!("../docs/errors.md");
        let listed: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|c| c.len() == 5 && (c.starts_with('E') || c.starts_with('W')))
            .collect();
        let codes: Vec<&str> = super::all().map(|c| c.as_str()).collect();
        for c in &codes {
            assert_eq!(
                listed.iter().filter(|l| *l == c).count(),
                1,
                "{c} in docs/errors.md"
            );
        }
        for l in &listed {
            assert!(
                codes.contains(l),
                "docs/errors.md lists {l}, which no variant has"
            );
        }
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "two variants share a code");
    }
}
