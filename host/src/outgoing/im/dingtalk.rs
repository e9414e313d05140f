//! DingTalk: an access token from the client id and secret (`/v1.0/oauth2/accessToken`), the
//! user id by mobile number (`/topapi/v2/user/getbymobile`), then the robot's one-to-one
//! message (`/v1.0/robot/oToMessages/batchSend`, `sampleMarkdown`)
//! (https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches).

use reqwest::Method;
use serde_json::json;

use super::{Api, DingtalkCredentials, ImError, field};
use crate::outgoing::summary::Summary;

/// DingTalk's new API host.
pub const DEFAULT_API_BASE: &str = "https://api.dingtalk.com";
/// DingTalk's older API host (topapi).
pub const DEFAULT_OAPI_BASE: &str = "https://oapi.dingtalk.com";

pub(super) async fn send(
    api: &mut Api<'_>,
    base: Option<&str>,
    creds: &DingtalkCredentials,
    email: &str,
    summary: &Summary,
) -> Result<(), ImError> {
    let (api_base, oapi_base) = match base {
        Some(b) => (b, b),
        None => (DEFAULT_API_BASE, DEFAULT_OAPI_BASE),
    };
    let mobile = creds.mobiles.get(&email.to_lowercase()).ok_or_else(|| {
        ImError::Fail(format!(
            "the DingTalk integration has no mobile number for {email}"
        ))
    })?;
    let token = api
        .call(
            Method::POST,
            &format!("{api_base}/v1.0/oauth2/accessToken"),
            &[],
            Some(&json!({"appKey": creds.client_id, "appSecret": creds.client_secret})),
        )
        .await?;
    let token = field(&token, "/accessToken", "DingTalk gave no accessToken")?.to_owned();
    let mut lookup = url::Url::parse(&format!("{oapi_base}/topapi/v2/user/getbymobile"))
        .map_err(|_| ImError::Fail("invalid API base URL".into()))?;
    lookup.query_pairs_mut().append_pair("access_token", &token);
    let user = api
        .call(
            Method::POST,
            lookup.as_str(),
            &[],
            Some(&json!({"mobile": mobile})),
        )
        .await?;
    if user["errcode"] != 0 {
        return Err(ImError::Fail(format!(
            "DingTalk getbymobile: errcode {}: {}",
            user["errcode"],
            user["errmsg"].as_str().unwrap_or("")
        )));
    }
    let user_id = field(
        &user,
        "/result/userid",
        "DingTalk getbymobile gave no userid",
    )?;
    let param = json!({"title": summary.title, "text": summary.markdown()}).to_string();
    let sent = api
        .call(
            Method::POST,
            &format!("{api_base}/v1.0/robot/oToMessages/batchSend"),
            &[("x-acs-dingtalk-access-token", token.as_str())],
            Some(&json!({
                "robotCode": creds.robot_code,
                "userIds": [user_id],
                "msgKey": "sampleMarkdown",
                "msgParam": param,
            })),
        )
        .await?;
    if sent["invalidStaffIdList"]
        .as_array()
        .is_some_and(|l| !l.is_empty())
    {
        return Err(ImError::Fail(format!(
            "DingTalk refused the user id {user_id}"
        )));
    }
    if sent["flowControlledStaffIdList"]
        .as_array()
        .is_some_and(|l| !l.is_empty())
    {
        return Err(ImError::Retry(
            "DingTalk flow control; retrying later".into(),
        ));
    }
    Ok(())
}
