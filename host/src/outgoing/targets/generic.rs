//! `generic`: our own event JSON (`{"type", "timestamp", "data"}`), signed as the Standard
//! Webhooks specification describes (https://www.standardwebhooks.com): headers `webhook-id`
//! (the event id, the same on every attempt), `webhook-timestamp` (Unix seconds of the attempt)
//! and `webhook-signature` = `v1,` + Base64(HMAC-SHA256(key, "id.timestamp.body")), where the
//! key is the Base64 part of a `whsec_...` secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;

use super::{EventView, Prepared, RenderError};

/// Prefix of Standard Webhooks secrets.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new random secret: `whsec_` and 32 random bytes in Base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key bytes of a `whsec_...` secret; `None` unless it is Base64 of 24 to 64 bytes.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (24..=64).contains(&key.len()).then_some(key)
}

/// The `webhook-signature` value of `body`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The signed request.
pub fn prepare(
    url: &str,
    secret: Option<&str>,
    event: &EventView<'_>,
    now: DateTime<Utc>,
) -> Result<Prepared, RenderError> {
    let body = serde_json::to_vec(&json!({
        "type": event.kind,
        "timestamp": event.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "data": event.data,
    }))
    .unwrap_or_default();
    let id = event.id.to_string();
    let timestamp = now.timestamp();
    let mut headers = vec![
        ("webhook-id", id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
    ];
    if let Some(secret) = secret {
        let key = secret_key(secret).ok_or(RenderError::InvalidSecret(
            "expected whsec_ followed by Base64 of 24-64 bytes",
        ))?;
        headers.push(("webhook-signature", signature(&key, &id, timestamp, &body)));
    }
    Ok(Prepared {
        url: url.to_owned(),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specification_example() {
        // The example of the Standard Webhooks specification (and its reference libraries).
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_whsec_base64_of_enough_bytes() {
        let s = new_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(secret_key(&s).unwrap().len(), 32);
        assert!(
            secret_key("whsec_c2hvcnQ=").is_none(),
            "5 bytes is too short"
        );
        assert!(
            secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none(),
            "no prefix"
        );
        assert!(secret_key("whsec_not base64!").is_none());
    }
}
