//! Slack: `users.lookupByEmail`, `conversations.open`, `chat.postMessage` with the bot token
//! (https://api.slack.com/methods). Slack answers HTTP 200 with `"ok": false` on errors.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Api, ImError, SlackCredentials, field};
use crate::outgoing::summary::Summary;

/// Slack's Web API.
pub const DEFAULT_BASE: &str = "https://slack.com";

fn ok(answer: Value, what: &str) -> Result<Value, ImError> {
    if answer["ok"] == true {
        Ok(answer)
    } else {
        let error = answer["error"].as_str().unwrap_or("unknown error");
        Err(ImError::Fail(format!("Slack {what}: {error}")))
    }
}

pub(super) async fn send(
    api: &mut Api<'_>,
    base: Option<&str>,
    creds: &SlackCredentials,
    email: &str,
    summary: &Summary,
) -> Result<(), ImError> {
    let base = base.unwrap_or(DEFAULT_BASE);
    let auth = format!("Bearer {}", creds.bot_token);
    let headers = [("authorization", auth.as_str())];
    let mut lookup = url::Url::parse(&format!("{base}/api/users.lookupByEmail"))
        .map_err(|_| ImError::Fail("invalid API base URL".into()))?;
    lookup.query_pairs_mut().append_pair("email", email);
    let user = ok(
        api.call(Method::GET, lookup.as_str(), &headers, None)
            .await?,
        "users.lookupByEmail",
    )?;
    let user_id = field(
        &user,
        "/user/id",
        "Slack users.lookupByEmail gave no user id",
    )?;
    let open = ok(
        api.call(
            Method::POST,
            &format!("{base}/api/conversations.open"),
            &headers,
            Some(&json!({"users": user_id})),
        )
        .await?,
        "conversations.open",
    )?;
    let channel = field(
        &open,
        "/channel/id",
        "Slack conversations.open gave no channel",
    )?;
    let message = crate::outgoing::targets::slack_body(summary);
    let mut body = json!({"channel": channel});
    body["text"] = message["text"].clone();
    body["blocks"] = message["blocks"].clone();
    ok(
        api.call(
            Method::POST,
            &format!("{base}/api/chat.postMessage"),
            &headers,
            Some(&body),
        )
        .await?,
        "chat.postMessage",
    )?;
    Ok(())
}
