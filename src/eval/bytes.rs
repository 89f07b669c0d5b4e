//! Bytes a machine word at a time, for the scanner: finding the end of a string and
//! comparing a key with the one expected.

/// The position of the first `"`, `\\` or control character, eight bytes at a time.
#[inline]
pub(super) fn special(b: &[u8]) -> Option<usize> {
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

/// Whether `a` and `b` (of one length) hold the same bytes, in overlapping words of
/// eight or sixteen bytes: keys are short, and a call to `memcmp` costs more than
/// comparing them.
#[inline(always)]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |x: &[u8], at: usize| {
        x.get(at..)
            .and_then(|r| r.first_chunk::<8>())
            .map(|w| u64::from_le_bytes(*w))
    };
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        // Four bytes at each end (overlapping), or byte by byte below four.
        let half = |x: &[u8], at: usize| {
            x.get(at..)
                .and_then(|r| r.first_chunk::<4>())
                .map(|w| u32::from_le_bytes(*w))
        };
        return if n >= 4 {
            half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
        } else {
            a.iter().zip(b).all(|(x, y)| x == y)
        };
    }
    if n <= 16 {
        // The first and the last eight bytes (overlapping).
        return word(a, n - 8) == word(b, n - 8) && word(a, 0) == word(b, 0);
    }
    // Sixteen bytes at a time: the last sixteen (overlapping the ones before them),
    // after the first sixteen, or after every whole run of sixteen of a longer key.
    let wide = |x: &[u8], at: usize| {
        x.get(at..)
            .and_then(|r| r.first_chunk::<16>())
            .map(|w| u128::from_le_bytes(*w))
    };
    let last = wide(a, n - 16) == wide(b, n - 16);
    if n <= 32 {
        return last && wide(a, 0) == wide(b, 0);
    }
    let mut i = 0;
    while i + 16 < n {
        if wide(a, i) != wide(b, i) {
            return false;
        }
        i += 16;
    }
    last
}

#[cfg(test)]
mod tests {
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
    fn same_bytes_is_slice_equality() {
        let a: Vec<u8> = (0u8..72).collect();
        for n in 0..72 {
            for flip in 0..n {
                let mut b = a[..n].to_vec();
                assert!(same_bytes(&a[..n], &b));
                b[flip] ^= 1;
                assert!(!same_bytes(&a[..n], &b), "{n} {flip}");
            }
            assert!(!same_bytes(&a[..n], &a[..n + 1]));
        }
    }
}
