//! Rendering an event as the request each target documents, and reading a target's answer
//! (some vendors answer 200 with an error code in the body).

mod dingtalk;
mod discord;
mod feishu;
pub mod generic;
mod slack;

pub use slack::body as slack_body;
mod teams;
mod wecom;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::summary::Summary;

/// Where an outgoing webhook posts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Target {
    /// Slack incoming webhook.
    Slack,
    /// Discord execute webhook.
    Discord,
    /// Microsoft Teams Workflows webhook (Adaptive Card).
    Teams,
    /// DingTalk custom robot.
    Dingtalk,
    /// Feishu/Lark custom bot.
    Feishu,
    /// WeCom group robot.
    Wecom,
    /// Our event JSON, signed per Standard Webhooks.
    Generic,
}

impl Target {
    /// Whether the target signs requests with a secret (and so accepts one).
    pub fn supports_secret(self) -> bool {
        matches!(self, Target::Dingtalk | Target::Feishu | Target::Generic)
    }
}

/// The event to render.
#[derive(Debug, Clone)]
pub struct EventView<'a> {
    /// Event id (the Standard Webhooks `webhook-id`, the same on every attempt).
    pub id: uuid::Uuid,
    /// Event type.
    pub kind: &'a str,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// Its `data` object.
    pub data: &'a Value,
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Full URL (DingTalk adds its signature to the query).
    pub url: String,
    /// Extra headers (the content type is always `application/json`).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

/// Why an event could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The stored URL no longer parses.
    #[error("invalid target URL")]
    InvalidUrl,
    /// The stored secret is not usable.
    #[error("invalid secret: {0}")]
    InvalidSecret(&'static str),
}

/// Renders `event` as `target` documents it, signing with `secret` where the target does.
pub fn render(
    target: Target,
    url: &str,
    secret: Option<&str>,
    event: &EventView<'_>,
    now: DateTime<Utc>,
) -> Result<Prepared, RenderError> {
    let summary = Summary::of(event.kind, event.data);
    let json = |v: Value| serde_json::to_vec(&v).unwrap_or_default();
    let plain = |body: Value| Prepared {
        url: url.to_owned(),
        headers: Vec::new(),
        body: json(body),
    };
    Ok(match target {
        Target::Slack => plain(slack::body(&summary)),
        Target::Discord => plain(discord::body(&summary, event.created_at)),
        Target::Teams => plain(teams::body(&summary)),
        Target::Wecom => plain(wecom::body(&summary)),
        Target::Dingtalk => Prepared {
            url: dingtalk::signed_url(url, secret, now)?,
            headers: Vec::new(),
            body: json(dingtalk::body(&summary)),
        },
        Target::Feishu => plain(feishu::body(&summary, secret, now)),
        Target::Generic => generic::prepare(url, secret, event, now)?,
    })
}

/// Checks the body of a 2xx answer: DingTalk, WeCom and Feishu report errors (bad signature,
/// missing keyword) with HTTP 200 and a non-zero code.
pub fn check_answer(target: Target, body: &[u8]) -> Result<(), String> {
    let code_field = match target {
        Target::Dingtalk | Target::Wecom => "errcode",
        Target::Feishu => "code",
        _ => return Ok(()),
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    // Feishu's older answers use StatusCode instead of code.
    let code = value
        .get(code_field)
        .or_else(|| value.get("StatusCode"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if code == 0 {
        return Ok(());
    }
    let message = ["errmsg", "msg", "StatusMessage"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    Err(format!("{code_field} {code}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_error_codes_in_200_answers_are_failures() {
        assert!(check_answer(Target::Dingtalk, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        let err = check_answer(
            Target::Dingtalk,
            br#"{"errcode":310000,"errmsg":"keywords not in content"}"#,
        )
        .unwrap_err();
        assert_eq!(err, "errcode 310000: keywords not in content");
        assert!(
            check_answer(Target::Feishu, br#"{"code":19021,"msg":"sign match fail"}"#).is_err()
        );
        assert!(check_answer(Target::Feishu, br#"{"StatusCode":0}"#).is_ok());
        assert!(check_answer(Target::Slack, b"ok").is_ok());
    }
}
