//! Feishu/Lark: a tenant access token from the app id and secret, the user's open_id by
//! email (`contact/v3/users/batch_get_id`), then `im/v1/messages`
//! (https://open.feishu.cn/document/server-docs). Feishu answers `code: 0` on success.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Api, FeishuCredentials, ImError, field};
use crate::outgoing::summary::Summary;

/// Feishu's Open API (Lark: https://open.larksuite.com).
pub const DEFAULT_BASE: &str = "https://open.feishu.cn";

fn ok(answer: Value, what: &str) -> Result<Value, ImError> {
    if answer["code"] == 0 {
        Ok(answer)
    } else {
        Err(ImError::Fail(format!(
            "Feishu {what}: code {}: {}",
            answer["code"],
            answer["msg"].as_str().unwrap_or("")
        )))
    }
}

pub(super) async fn send(
    api: &mut Api<'_>,
    base: Option<&str>,
    creds: &FeishuCredentials,
    email: &str,
    summary: &Summary,
) -> Result<(), ImError> {
    let base = base.unwrap_or(DEFAULT_BASE);
    let token = ok(
        api.call(
            Method::POST,
            &format!("{base}/open-apis/auth/v3/tenant_access_token/internal"),
            &[],
            Some(&json!({"app_id": creds.app_id, "app_secret": creds.app_secret})),
        )
        .await?,
        "tenant_access_token",
    )?;
    let token = field(
        &token,
        "/tenant_access_token",
        "Feishu gave no tenant_access_token",
    )?;
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str())];
    let ids = ok(
        api.call(
            Method::POST,
            &format!("{base}/open-apis/contact/v3/users/batch_get_id?user_id_type=open_id"),
            &headers,
            Some(&json!({"emails": [email]})),
        )
        .await?,
        "batch_get_id",
    )?;
    let open_id = ids["data"]["user_list"]
        .as_array()
        .and_then(|list| {
            list.iter().find(|u| {
                u["email"]
                    .as_str()
                    .is_none_or(|e| e.eq_ignore_ascii_case(email))
            })
        })
        .and_then(|u| u["user_id"].as_str())
        .ok_or_else(|| ImError::Fail(format!("Feishu has no user with the email {email}")))?;
    let content = json!({"text": summary.plain()}).to_string();
    ok(
        api.call(
            Method::POST,
            &format!("{base}/open-apis/im/v1/messages?receive_id_type=open_id"),
            &headers,
            Some(&json!({"receive_id": open_id, "msg_type": "text", "content": content})),
        )
        .await?,
        "im/v1/messages",
    )?;
    Ok(())
}
