//! Feishu/Lark custom bot: an interactive card message; with a secret ("签名校验"),
//! `timestamp` (seconds, as a string) and `sign` in the body, where sign =
//! Base64(HMAC-SHA256(key = "timestamp\nsecret", message = empty))
//! (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::outgoing::summary::Summary;

/// Feishu's signature of `timestamp` (seconds) with `secret`.
pub fn sign(timestamp: i64, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The bot body.
pub fn body(summary: &Summary, secret: Option<&str>, now: DateTime<Utc>) -> Value {
    let mut content = String::new();
    if let Some(body) = &summary.body {
        if let Some(author) = &summary.author {
            content.push_str(&format!("**{author}**: "));
        }
        content.push_str(body);
    }
    for (name, value) in &summary.facts {
        if !content.is_empty() {
            content.push('\n');
        }
        content.push_str(&format!("**{name}**: {value}"));
    }
    let mut value = json!({
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": true},
            "header": {"title": {"tag": "plain_text", "content": summary.title}, "template": "blue"},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": content}}],
        },
    });
    if let Some(secret) = secret {
        let timestamp = now.timestamp();
        value["timestamp"] = timestamp.to_string().into();
        value["sign"] = sign(timestamp, secret).into();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_computation() {
        // Computed with: printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nsecret')" -binary | base64
        assert_eq!(
            sign(1_700_000_000, "secret"),
            "fiWS2+gh28DOydAv7hzONH/mDn9+b1Y4Y5ivXWXy8vA="
        );
    }
}
