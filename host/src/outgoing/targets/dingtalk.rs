//! DingTalk custom robot: `msgtype: markdown`; with a secret ("加签"), the `timestamp` (ms) and
//! `sign` query parameters, where sign = Base64(HMAC-SHA256(key = secret, message =
//! "timestamp\nsecret")), URL-encoded
//! (https://open.dingtalk.com/document/robots/customize-robot-security-settings).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::RenderError;
use crate::outgoing::summary::Summary;

/// DingTalk's signature of `timestamp_ms` with `secret`.
pub fn sign(timestamp_ms: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The robot URL with `timestamp` and `sign` appended when there is a secret.
pub fn signed_url(
    url: &str,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, RenderError> {
    let Some(secret) = secret else {
        return Ok(url.to_owned());
    };
    let mut parsed = url::Url::parse(url).map_err(|_| RenderError::InvalidUrl)?;
    let timestamp = now.timestamp_millis();
    parsed
        .query_pairs_mut()
        .append_pair("timestamp", &timestamp.to_string())
        .append_pair("sign", &sign(timestamp, secret));
    Ok(parsed.into())
}

/// The robot body.
pub fn body(summary: &Summary) -> Value {
    json!({
        "msgtype": "markdown",
        "markdown": {"title": summary.title, "text": summary.markdown()},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_computation() {
        // Computed with: printf '1700000000000\nSECxyz' | openssl dgst -sha256 -hmac SECxyz -binary | base64
        assert_eq!(
            sign(1_700_000_000_000, "SECxyz"),
            "0PUR1j8g85Xg3vlFV/UrEcxXfF5HpCAGzcjrNfyJoyg="
        );
    }

    #[test]
    fn url_keeps_the_access_token_and_encodes_the_sign() {
        let now = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let url = signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some("SECxyz"),
            now,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=0PUR1j8g85Xg3vlFV%2FUrEcxXfF5HpCAGzcjrNfyJoyg%3D"
        );
    }
}
