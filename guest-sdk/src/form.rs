//! Decoding of `application/x-www-form-urlencoded` data (form bodies and query strings).

use std::borrow::Cow;

use crate::{Error, Result};

/// The decoded value of the first `name=value` pair whose decoded name is `name`.
///
/// Borrows from `input` when the value needs no decoding, so a large field costs no copy.
pub(crate) fn find<'a>(input: &'a [u8], name: &str) -> Result<Option<Cow<'a, str>>> {
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (&pair[..eq], &pair[eq + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        if decode(key)? == name {
            return decode(value).map(Some);
        }
    }
    Ok(None)
}

/// Percent-decodes `input` and turns `+` into a space.
pub(crate) fn decode(input: &[u8]) -> Result<Cow<'_, str>> {
    if !input.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(std::str::from_utf8(input)?));
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => match (input.get(i + 1), input.get(i + 2)) {
                (Some(&hi), Some(&lo)) if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => {
                    out.push(hex_value(hi) << 4 | hex_value(lo));
                    i += 2;
                }
                // Browsers keep a stray `%` as is; so do we rather than rejecting the body.
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|err| {
        Error::invalid_payload(format!("form data is not UTF-8: {}", err.utf8_error()))
    })
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_decodes_a_field() {
        let body = b"a=1&payload=%7B%22x%22%3A+1%7D&b";
        assert_eq!(
            find(body, "payload").unwrap().as_deref(),
            Some("{\"x\": 1}")
        );
        assert_eq!(find(body, "a").unwrap().as_deref(), Some("1"));
        assert_eq!(find(body, "b").unwrap().as_deref(), Some(""));
        assert_eq!(find(body, "c").unwrap(), None);
    }

    #[test]
    fn borrows_values_that_need_no_decoding() {
        let value = find(b"k=plain", "k").unwrap().unwrap();
        assert!(matches!(value, Cow::Borrowed("plain")));
    }

    #[test]
    fn decodes_keys_and_keeps_stray_percent_signs() {
        assert_eq!(find(b"a%20b=100%", "a b").unwrap().as_deref(), Some("100%"));
        assert_eq!(decode(b"%zz%4").unwrap(), "%zz%4");
    }

    #[test]
    fn rejects_non_utf8_values() {
        let err = find(b"k=%FF", "k").unwrap_err();
        assert!(matches!(err, Error::InvalidPayload(_)));
    }
}
