//! Direct messages through a community's IM integration (Slack, Feishu, DingTalk, WeCom): the
//! credentials each provider needs, and the documented API calls that find the user and
//! message them. Each provider's base URL can be replaced (tests run a local server speaking
//! the vendor's API); requests go through the same SSRF-guarded client as webhooks.

mod dingtalk;
mod feishu;
mod slack;
mod wecom;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::send::{Attempt, Verdict, describe, error_verdict};
use super::summary::Summary;
use crate::net::ssrf::NetworkPolicy;

/// The IM a community's direct messages go through.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum ImProvider {
    /// Slack app with a bot token.
    Slack,
    /// Feishu/Lark custom app.
    Feishu,
    /// DingTalk app with a robot.
    Dingtalk,
    /// WeCom self-built app.
    Wecom,
}

/// Slack: the Bot User OAuth Token (scopes users:read.email, im:write, chat:write).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackCredentials {
    /// `xoxb-...`.
    pub bot_token: String,
}

/// Feishu: the custom app's id and secret (contact:user.id:readonly, im:message:send_as_bot).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeishuCredentials {
    /// App ID (`cli_...`).
    pub app_id: String,
    /// App Secret.
    pub app_secret: String,
}

/// DingTalk: the app's client id and secret and its robot code. DingTalk finds users by
/// mobile number (qyapi_get_member_by_mobile), which wasmhook users do not have, so the
/// integration maps user emails to mobile numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingtalkCredentials {
    /// Client ID (AppKey).
    pub client_id: String,
    /// Client Secret (AppSecret).
    pub client_secret: String,
    /// The robot's RobotCode.
    pub robot_code: String,
    /// User email (lower case) to DingTalk mobile number.
    #[serde(default)]
    pub mobiles: BTreeMap<String, String>,
}

/// WeCom: corp id, the self-built app's agent id and secret; users are matched by email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomCredentials {
    /// Company ID.
    pub corp_id: String,
    /// The app's AgentId.
    pub agent_id: i64,
    /// The app's Secret.
    pub secret: String,
}

/// A provider's credentials.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Slack.
    Slack(SlackCredentials),
    /// Feishu.
    Feishu(FeishuCredentials),
    /// DingTalk.
    Dingtalk(DingtalkCredentials),
    /// WeCom.
    Wecom(WecomCredentials),
}

/// A credentials field that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError {
    /// The field, as `credentials.<name>`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, CredentialsError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let name = if path == "." {
            inner
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
                .unwrap_or("")
                .to_owned()
        } else {
            path
        };
        let field = if name.is_empty() {
            "credentials".to_owned()
        } else {
            format!("credentials.{name}")
        };
        CredentialsError {
            message: format!("{field}: {inner}"),
            field,
        }
    })
}

fn required(field: &str, value: &str) -> Result<(), CredentialsError> {
    if value.trim().is_empty() || value.len() > 512 {
        return Err(CredentialsError {
            field: format!("credentials.{field}"),
            message: format!("credentials.{field} must be 1-512 characters long, not blank"),
        });
    }
    Ok(())
}

impl Credentials {
    /// Parses and checks the credentials of `provider`.
    pub fn parse(provider: ImProvider, value: Value) -> Result<Self, CredentialsError> {
        let creds = match provider {
            ImProvider::Slack => Credentials::Slack(parse(value)?),
            ImProvider::Feishu => Credentials::Feishu(parse(value)?),
            ImProvider::Dingtalk => Credentials::Dingtalk(parse(value)?),
            ImProvider::Wecom => Credentials::Wecom(parse(value)?),
        };
        match &creds {
            Credentials::Slack(c) => required("bot_token", &c.bot_token)?,
            Credentials::Feishu(c) => {
                required("app_id", &c.app_id)?;
                required("app_secret", &c.app_secret)?;
            }
            Credentials::Dingtalk(c) => {
                required("client_id", &c.client_id)?;
                required("client_secret", &c.client_secret)?;
                required("robot_code", &c.robot_code)?;
            }
            Credentials::Wecom(c) => {
                required("corp_id", &c.corp_id)?;
                required("secret", &c.secret)?;
            }
        }
        Ok(creds)
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        match self {
            Credentials::Slack(c) => serde_json::to_string(c),
            Credentials::Feishu(c) => serde_json::to_string(c),
            Credentials::Dingtalk(c) => serde_json::to_string(c),
            Credentials::Wecom(c) => serde_json::to_string(c),
        }
        .unwrap_or_default()
    }

    /// What the API shows: identifiers, never secrets.
    pub fn public(&self) -> Value {
        match self {
            Credentials::Slack(_) => serde_json::json!({"bot_token": "********"}),
            Credentials::Feishu(c) => {
                serde_json::json!({"app_id": c.app_id, "app_secret": "********"})
            }
            Credentials::Dingtalk(c) => serde_json::json!({
                "client_id": c.client_id, "client_secret": "********", "robot_code": c.robot_code,
                "mobiles": c.mobiles.keys().collect::<Vec<_>>(),
            }),
            Credentials::Wecom(c) => serde_json::json!({
                "corp_id": c.corp_id, "agent_id": c.agent_id, "secret": "********",
            }),
        }
    }
}

/// Why a direct message failed.
#[derive(Debug, thiserror::Error)]
pub enum ImError {
    /// A later attempt may succeed (network, 429, 5xx).
    #[error("{0}")]
    Retry(String),
    /// It will not (bad credentials, unknown user, rejected message).
    #[error("{0}")]
    Fail(String),
}

/// JSON calls to a vendor API through the guarded client.
pub(crate) struct Api<'a> {
    client: &'a reqwest::Client,
    policy: NetworkPolicy,
    /// Set when the API answers 429, for the delivery's next attempt.
    retry_after: Option<std::time::Duration>,
    status: Option<u16>,
}

impl Api<'_> {
    /// Sends a request (`body` as JSON when given) and returns the JSON answer. Headers are
    /// (name, value); the URL may carry credentials and never appears in errors.
    pub(crate) async fn call(
        &mut self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, ImError> {
        let parsed =
            url::Url::parse(url).map_err(|_| ImError::Fail("invalid API base URL".into()))?;
        self.policy
            .check_url(&parsed)
            .map_err(|e| ImError::Fail(e.to_string()))?;
        let mut request = self.client.request(method, parsed);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| match error_verdict(&e) {
            Verdict::Retry => ImError::Retry(describe(e)),
            _ => ImError::Fail(describe(e)),
        })?;
        let status = response.status().as_u16();
        self.status = Some(status);
        if status == 429 {
            self.retry_after = crate::net::retry_after::from_headers(response.headers());
        }
        let bytes = response.bytes().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            let snippet: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            let message = format!("HTTP {status}: {snippet}");
            return Err(if super::retry::retryable_status(status) {
                ImError::Retry(message)
            } else {
                ImError::Fail(message)
            });
        }
        serde_json::from_slice(&bytes)
            .map_err(|_| ImError::Fail(format!("HTTP {status}: the answer is not JSON")))
    }
}

/// A string field of a JSON answer, or a failure naming what is missing.
pub(crate) fn field<'a>(value: &'a Value, pointer: &str, what: &str) -> Result<&'a str, ImError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ImError::Fail(format!("{what}: {value}")))
}

/// Sends `summary` to the user with `email` through the integration.
pub async fn send_direct_message(
    client: &reqwest::Client,
    policy: NetworkPolicy,
    credentials: &Credentials,
    base_url: Option<&str>,
    email: &str,
    summary: &Summary,
) -> Attempt {
    let started = Instant::now();
    let mut api = Api {
        client,
        policy,
        retry_after: None,
        status: None,
    };
    let base = base_url.map(|b| b.trim_end_matches('/'));
    let result = match credentials {
        Credentials::Slack(c) => slack::send(&mut api, base, c, email, summary).await,
        Credentials::Feishu(c) => feishu::send(&mut api, base, c, email, summary).await,
        Credentials::Dingtalk(c) => dingtalk::send(&mut api, base, c, email, summary).await,
        Credentials::Wecom(c) => wecom::send(&mut api, base, c, email, summary).await,
    };
    let (verdict, error) = match result {
        Ok(()) => (Verdict::Delivered, None),
        Err(ImError::Retry(e)) => (Verdict::Retry, Some(e)),
        Err(ImError::Fail(e)) => (Verdict::Fail, Some(e)),
    };
    Attempt {
        verdict,
        status: api.status,
        latency: started.elapsed(),
        error,
        retry_after: api.retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_errors_name_the_field() {
        let err = Credentials::parse(ImProvider::Feishu, json!({"app_id": "cli_1"})).unwrap_err();
        assert_eq!(err.field, "credentials.app_secret");
        let err = Credentials::parse(ImProvider::Slack, json!({"bot_token": " "})).unwrap_err();
        assert_eq!(err.field, "credentials.bot_token");
        let err = Credentials::parse(ImProvider::Slack, json!({"bot_token": "x", "extra": 1}))
            .unwrap_err();
        assert_eq!(err.field, "credentials.extra");
        let err = Credentials::parse(
            ImProvider::Wecom,
            json!({"corp_id": "c", "agent_id": "x", "secret": "s"}),
        )
        .unwrap_err();
        assert_eq!(err.field, "credentials.agent_id");
    }

    #[test]
    fn the_public_form_hides_secrets() {
        let c = Credentials::parse(
            ImProvider::Wecom,
            json!({"corp_id": "ww1", "agent_id": 7, "secret": "s3cr3t"}),
        )
        .unwrap();
        assert!(!c.public().to_string().contains("s3cr3t"));
        assert!(c.to_json().contains("s3cr3t"));
    }
}
