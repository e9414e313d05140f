//! WeCom: `cgi-bin/gettoken` with the corp id and app secret, the user id by email
//! (`cgi-bin/user/get_userid_by_email`), then `cgi-bin/message/send` as the app
//! (https://developer.work.weixin.qq.com/document/path/90664). WeCom answers `errcode: 0`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Api, ImError, WecomCredentials, field};
use crate::outgoing::summary::Summary;

/// WeCom's API host.
pub const DEFAULT_BASE: &str = "https://qyapi.weixin.qq.com";

fn ok(answer: Value, what: &str) -> Result<Value, ImError> {
    if answer["errcode"] == 0 {
        Ok(answer)
    } else {
        Err(ImError::Fail(format!(
            "WeCom {what}: errcode {}: {}",
            answer["errcode"],
            answer["errmsg"].as_str().unwrap_or("")
        )))
    }
}

fn url(base: &str, path: &str, query: &[(&str, &str)]) -> Result<String, ImError> {
    let mut url = url::Url::parse(&format!("{base}{path}"))
        .map_err(|_| ImError::Fail("invalid API base URL".into()))?;
    for (k, v) in query {
        url.query_pairs_mut().append_pair(k, v);
    }
    Ok(url.into())
}

pub(super) async fn send(
    api: &mut Api<'_>,
    base: Option<&str>,
    creds: &WecomCredentials,
    email: &str,
    summary: &Summary,
) -> Result<(), ImError> {
    let base = base.unwrap_or(DEFAULT_BASE);
    let token = ok(
        api.call(
            Method::GET,
            &url(
                base,
                "/cgi-bin/gettoken",
                &[("corpid", &creds.corp_id), ("corpsecret", &creds.secret)],
            )?,
            &[],
            None,
        )
        .await?,
        "gettoken",
    )?;
    let token = field(&token, "/access_token", "WeCom gave no access_token")?.to_owned();
    let user = ok(
        api.call(
            Method::POST,
            &url(
                base,
                "/cgi-bin/user/get_userid_by_email",
                &[("access_token", &token)],
            )?,
            &[],
            Some(&json!({"email": email, "email_type": 1})),
        )
        .await?,
        "get_userid_by_email",
    )?;
    let user_id = field(&user, "/userid", "WeCom get_userid_by_email gave no userid")?;
    ok(
        api.call(
            Method::POST,
            &url(base, "/cgi-bin/message/send", &[("access_token", &token)])?,
            &[],
            Some(&json!({
                "touser": user_id,
                "msgtype": "markdown",
                "agentid": creds.agent_id,
                "markdown": {"content": summary.markdown()},
            })),
        )
        .await?,
        "message/send",
    )?;
    Ok(())
}
