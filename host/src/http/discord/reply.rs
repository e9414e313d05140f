//! Discord's answers: the message object, and errors as Discord's `{"message", "code"}` with
//! our `error` object beside them.

use axum::Json;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::compat::{Refusal, discord};
use crate::http::ApiError;
use crate::store::{StoreError, StoredMessage};

/// Why a Discord request failed: our API error, or a body the Discord format refuses.
pub(super) enum Failure {
    /// Token, rate limit, size, storage...
    Api(ApiError),
    /// The body itself.
    Refused(Refusal),
    /// The message is not one of the webhook's.
    UnknownMessage,
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        Failure::Api(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Api(err.into())
    }
}

/// Discord's time format: RFC 3339 with microseconds and `+00:00`.
fn discord_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// A stored message as Discord's message object, with the content and embeds as sent.
pub(super) fn message_object(
    m: &StoredMessage,
    format_source: Option<&str>,
    webhook_id: Uuid,
) -> Value {
    let source: Value = format_source
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| json!({ "content": m.content }));
    let mentions: Vec<Value> = m
        .mentions
        .iter()
        .map(|u| json!({ "id": u.user_id, "username": u.username, "global_name": u.display_name }))
        .collect();
    json!({
        "id": m.id,
        "type": 0,
        "content": source.get("content").cloned().unwrap_or_else(|| json!("")),
        "channel_id": m.channel_id,
        "author": {
            "id": webhook_id,
            "username": m.sender.display_name,
            "avatar": null,
            "discriminator": "0000",
            "global_name": null,
            "bot": true,
        },
        "attachments": [],
        "embeds": source.get("embeds").cloned().unwrap_or_else(|| json!([])),
        "mentions": mentions,
        "mention_roles": [],
        "mention_everyone": false,
        "pinned": false,
        "tts": false,
        "timestamp": discord_time(m.created_at),
        "edited_timestamp": m.edited_at.map(discord_time),
        "flags": 0,
        "components": [],
        "webhook_id": webhook_id,
    })
}

/// Turns the outcome into the response.
pub(super) async fn answer(result: Result<Response, Failure>) -> Response {
    match result {
        Ok(response) => response,
        Err(Failure::Api(err)) => {
            let code = match &err {
                ApiError::NotFound(_) => 10015,
                ApiError::PayloadTooLarge { .. } => 40005,
                ApiError::BadRequest { .. } => 50109,
                ApiError::Validation(_) => 50035,
                _ => 0,
            };
            with_discord_fields(err.into_response(), code).await
        }
        Err(Failure::UnknownMessage) => {
            let body = json!({
                "message": "Unknown Message",
                "code": 10008,
                "error": { "code": "not_found", "message": "unknown message" },
            });
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
        Err(Failure::Refused(err)) => {
            let status = match &err {
                Refusal::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = err.message();
            let mut ours = json!({ "code": err.code(), "message": message });
            let mut body = json!({ "message": message, "code": discord::code(&err) });
            if let Some(field) = err.field() {
                ours["field"] = field.into();
                body["errors"] = field_errors(field, &message);
            }
            body["error"] = ours;
            (status, Json(body)).into_response()
        }
    }
}

/// Discord's nested `errors` object for one field path (`embeds.0.color`).
fn field_errors(field: &str, message: &str) -> Value {
    let mut value = json!({ "_errors": [{ "code": "BASE_TYPE_INVALID", "message": message }] });
    for part in field.rsplit('.') {
        value = json!({ part: value });
    }
    value
}

/// Adds Discord's `message` and `code` (and for 429 `retry_after`, `global`) to one of our
/// error responses, keeping its status, headers and `error` object.
pub(super) async fn with_discord_fields(response: Response, code: u32) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
    let message = match parts.status {
        StatusCode::NOT_FOUND => "Unknown Webhook".to_owned(),
        StatusCode::TOO_MANY_REQUESTS => "You are being rate limited.".to_owned(),
        _ => value["error"]["message"]
            .as_str()
            .unwrap_or("request failed")
            .to_owned(),
    };
    if let Some(obj) = value.as_object_mut() {
        obj.insert("message".into(), message.into());
        obj.insert("code".into(), code.into());
        if parts.status == StatusCode::TOO_MANY_REQUESTS {
            let retry = parts
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse::<f64>().ok())
                .unwrap_or(1.0);
            obj.insert("retry_after".into(), retry.into());
            obj.insert("global".into(), false.into());
        }
    }
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes))
}
