//! Rendering the RFC 3339 timestamps of alerts for people.

/// `2020-02-06T00:17:58.432911368Z` as `2020-02-06 00:17:58 UTC`, and
/// `2018-11-04T22:43:58.28+01:00` as `2018-11-04 22:43:58 +01:00`.
///
/// `None` for an empty timestamp or Alertmanager's zero time (`0001-01-01T00:00:00Z`, the
/// `endsAt` of a firing alert). Text that is not RFC 3339 is returned as it is (the caller
/// escapes it).
pub fn human(timestamp: &str) -> Option<String> {
    let timestamp = timestamp.trim();
    if timestamp.is_empty() || timestamp.starts_with("0001-01-01") {
        return None;
    }
    let (Some(date), Some(time)) = (timestamp.get(..10), timestamp.get(11..19)) else {
        return Some(timestamp.to_owned());
    };
    let rest = timestamp.get(19..).unwrap_or_default();
    // Drop the fraction of a second.
    let zone = rest.strip_prefix('.').map_or(rest, |fraction| {
        fraction.trim_start_matches(|c: char| c.is_ascii_digit())
    });
    let zone = match zone {
        "Z" | "z" | "" => "UTC",
        offset => offset,
    };
    Some(format!("{date} {time} {zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_offsets_and_zero() {
        assert_eq!(
            human("2020-02-06T00:17:58.432911368Z").as_deref(),
            Some("2020-02-06 00:17:58 UTC")
        );
        assert_eq!(
            human("2018-03-07T06:33:21.873077559-05:00").as_deref(),
            Some("2018-03-07 06:33:21 -05:00")
        );
        assert_eq!(
            human("2021-10-12T09:51:03+02:00").as_deref(),
            Some("2021-10-12 09:51:03 +02:00")
        );
        assert_eq!(human("0001-01-01T00:00:00Z"), None);
        assert_eq!(human(""), None);
        assert_eq!(human("yesterday").as_deref(), Some("yesterday"));
    }
}
