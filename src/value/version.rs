//! Versions: `major.minor[.build[.revision]]`, parsed, packed into one `u128` (32
//! bits a component) so that integer order is version order, and printed.

use std::fmt;

/// A version `major.minor[.build[.revision]]`, compared numerically component by
/// component, missing components counting as 0 (`14.8` = `14.8.0`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version(pub u128);

impl Version {
    /// Parses `major.minor[.build[.revision]]`: 2 to 4 dot-separated decimal
    /// components, each below 2^32.
    pub fn parse(s: &str) -> Option<Version> {
        match Version::parse_prefix(s.as_bytes())? {
            (v, n) if n == s.len() => Some(v),
            _ => None,
        }
    }

    /// A version at the start of `b`, up to its first byte that is neither a digit
    /// nor a dot, and that byte's position: how the scanner reads a version inside
    /// JSON text without first finding the end of its string. `None` when the digits
    /// and dots there are no version ([`Version::parse`]'s grammar).
    #[inline]
    pub fn parse_prefix(b: &[u8]) -> Option<(Version, usize)> {
        // Components are shifted in from the right, then the whole moved to the top:
        // constant shifts of the `u128` per component, one variable shift at the end.
        let mut packed: u128 = 0;
        let (mut n, mut c, mut digits) = (0u32, 0u64, 0u32);
        let mut end = b.len();
        for (i, &x) in b.iter().enumerate() {
            let d = x.wrapping_sub(b'0');
            if d < 10 {
                if digits >= 10 {
                    return None;
                }
                c = c * 10 + u64::from(d);
                digits += 1;
            } else if x == b'.' {
                if digits == 0 || n >= 3 {
                    return None;
                }
                packed = packed << 32 | u128::from(u32::try_from(c).ok()?);
                (n, c, digits) = (n + 1, 0, 0);
            } else {
                end = i;
                break;
            }
        }
        if digits == 0 || n == 0 {
            return None;
        }
        packed = packed << 32 | u128::from(u32::try_from(c).ok()?);
        Some((Version(packed << (32 * (3 - n))), end))
    }

    /// The four components.
    pub fn components(self) -> [u32; 4] {
        [0, 1, 2, 3].map(|i| (self.0 >> (96 - 32 * i)) as u32)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.components();
        let keep = match c {
            [_, _, 0, 0] => 2,
            [_, _, _, 0] => 3,
            _ => 4,
        };
        let parts: Vec<String> = c[..keep].iter().map(|x| x.to_string()).collect();
        f.write_str(&parts.join("."))
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::Version;
    use proptest::prelude::*;

    /// The definition: 2 to 4 dot-separated components of 1 to 10 decimal digits,
    /// each below 2^32.
    fn reference(s: &str) -> Option<Version> {
        let parts: Vec<&str> = s.split('.').collect();
        if !(2..=4).contains(&parts.len()) {
            return None;
        }
        let mut packed = 0u128;
        for (n, part) in parts.iter().enumerate() {
            if part.is_empty() || part.len() > 10 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let c: u32 = part.parse().ok()?;
            packed |= (c as u128) << (96 - 32 * n);
        }
        Some(Version(packed))
    }

    proptest! {
        #[test]
        fn version_parse_follows_the_definition(s in "[0-9.]{0,16}|[0-9]{1,11}\\.[0-9]{1,11}(\\.[0-9]{1,11}){0,3}|[0-9. a-]{0,8}") {
            prop_assert_eq!(Version::parse(&s), reference(&s), "{}", s);
        }

        /// Digits and dots, then a byte that is neither: the prefix reads what the
        /// whole string parses to, and stops at that byte.
        #[test]
        fn version_prefix_stops_where_the_version_ends(
            s in "[0-9.]{0,16}|[0-9]{1,11}\\.[0-9]{1,11}(\\.[0-9]{1,11}){0,3}",
            end in "[\"\\\\ a/-]([0-9.]{0,3})",
        ) {
            let text = format!("{s}{end}");
            prop_assert_eq!(
                Version::parse_prefix(text.as_bytes()),
                reference(&s).map(|v| (v, s.len())),
                "{}", text
            );
            prop_assert_eq!(
                Version::parse_prefix(s.as_bytes()),
                reference(&s).map(|v| (v, s.len()))
            );
        }
    }

    #[test]
    fn version_edges() {
        assert_eq!(Version::parse("4294967295.0"), reference("4294967295.0"));
        assert!(Version::parse("4294967296.0").is_none());
        assert!(Version::parse("1.2.3.4.5").is_none());
        assert!(Version::parse("17").is_none());
        assert!(Version::parse("17.").is_none());
        assert!(Version::parse(".1").is_none());
        assert_eq!(Version::parse("0000000017.4"), reference("0000000017.4"));
    }
}
