//! Links built from a notification: Alertmanager silences, and URL encoding.

use std::fmt::Write as _;

use crate::payload::Labels;

/// `text` percent-encoded for a URL query value: everything but unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Alertmanager's "new silence" page, pre-filled with matchers for all of `labels`:
/// `{external_url}/#/silences/new?filter={a="1", b="2"}` (URL-encoded).
pub fn alertmanager_silence(external_url: &str, labels: &Labels<'_>) -> String {
    let mut filter = String::from("{");
    for (index, (name, value)) in labels.iter().enumerate() {
        if index > 0 {
            filter.push_str(", ");
        }
        filter.push_str(name);
        filter.push_str("=\"");
        for c in value.chars() {
            // Matcher values are double-quoted strings with backslash escapes.
            match c {
                '"' => filter.push_str("\\\""),
                '\\' => filter.push_str("\\\\"),
                '\n' => filter.push_str("\\n"),
                c => filter.push(c),
            }
        }
        filter.push('"');
    }
    filter.push('}');
    format!(
        "{}/#/silences/new?filter={}",
        external_url.trim_end_matches('/'),
        percent_encode(&filter)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Text;

    fn labels(pairs: &[(&'static str, &'static str)]) -> Labels<'static> {
        pairs
            .iter()
            .map(|(k, v)| (Text((*k).into()), Text((*v).into())))
            .collect()
    }

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(
            percent_encode("a b/{c}=\"é\""),
            "a%20b%2F%7Bc%7D%3D%22%C3%A9%22"
        );
    }

    #[test]
    fn silence_link_has_every_label_as_a_matcher() {
        let url = alertmanager_silence(
            "http://am:9093/",
            &labels(&[("severity", "critical"), ("alertname", "Fire \"x\"")]),
        );
        assert_eq!(
            url,
            "http://am:9093/#/silences/new?filter=%7Balertname%3D%22Fire%20%5C%22x%5C%22%22%2C%20severity%3D%22critical%22%7D"
        );
    }
}
