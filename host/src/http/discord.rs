//! Discord's webhook URLs, so tools built for Discord post here unchanged:
//!
//! - `GET /api/webhooks/{id}/{token}`: the webhook as Discord's webhook object.
//! - `POST /api/webhooks/{id}/{token}`: a Discord body (JSON, form fields, or
//!   `multipart/form-data` with `payload_json`; file parts are refused). `204`, or with
//!   `?wait=true` `200` and a Discord message object.
//! - `POST /api/webhooks/{id}/{token}/github`: GitHub deliveries, rendered by the built-in
//!   GitHub plugin (as Discord's `/github` endpoint renders them); `204`.
//! - `POST /api/webhooks/{id}/{token}/slack`: Slack's incoming-webhook format, converted as on
//!   our Slack URL (`crate::compat::slack`); `200 ok`.
//! - `GET`, `PATCH`, `DELETE /api/webhooks/{id}/{token}/messages/{message_id}`: the webhook's
//!   own messages (anything else is `404 Unknown Message`).
//!
//! The token is the only credential and `{id}` must be its webhook's id (hyphenated or as 32
//! hex digits). Errors answer Discord's `{"message", "code"}` with our `error` object beside
//! them. A body refused after the token was accepted is recorded as a failed delivery, so the
//! webhook's owner sees why a sender that retries blindly gets nowhere.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::compat::{Accepted, CompatError, post_converted, record_refusal};
use super::extract::{ApiPath, is_json_content_type};
use super::{ApiError, AppState, execute, redact_path};
use crate::builtins;
use crate::compat::discord;
use crate::compat::{Format, Refusal};
use crate::ingest::plugin;
use crate::store::{NewMessage, RawRequest, StoreError, StoredMessage, WebhookTarget};

/// The Discord routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/webhooks/{id}/{token}",
            post(execute_discord).get(get_webhook),
        )
        .route("/api/webhooks/{id}/{token}/github", post(execute_github))
        .route("/api/webhooks/{id}/{token}/slack", post(execute_slack))
        .route(
            "/api/webhooks/{id}/{token}/messages/{message_id}",
            get(get_message).patch(edit_message).delete(delete_message),
        )
}

/// Path of the execute routes.
#[derive(Debug, serde::Deserialize)]
struct HookPath {
    id: String,
    token: String,
}

/// Path of the message routes.
#[derive(Debug, serde::Deserialize)]
struct MessagePath {
    id: String,
    token: String,
    message_id: String,
}

/// Why a Discord request failed: our API error, or a body the Discord format refuses.
enum Failure {
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

/// `POST /api/webhooks/{id}/{token}`.
async fn execute_discord(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(post_discord(&state, &path, &method, &uri, &headers, body).await).await
}

async fn post_discord(
    state: &AppState,
    path: &HookPath,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    {
        let target = accept(state, &path.id, &path.token).await?;
        let bytes = execute::read_body(headers, body, state.ingest.limits().max_body_bytes).await?;
        let raw = raw_request(method, uri, headers, &bytes);
        let converted = read_object(headers, &bytes)
            .await
            .and_then(discord::payload)
            .and_then(|p| discord::render(&p));
        let rendered = match converted {
            Ok(rendered) => rendered,
            Err(err) => {
                let accepted = Accepted {
                    target: target.clone(),
                    raw,
                };
                record_refusal(state, &accepted, Format::Discord, &err).await;
                return Err(Failure::Refused(err));
            }
        };
        let message = NewMessage {
            content: rendered.content,
            username: rendered.username,
            avatar_url: rendered.avatar_url,
            mentions: rendered.mentions,
            format_source: Some(rendered.source.to_string()),
        };
        let stored = state
            .ingest
            .post(&target, std::slice::from_ref(&message))
            .await?
            .pop()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("store returned no message")))?;
        if wants_wait(uri) {
            let object = message_object(&stored, message.format_source.as_deref(), target.id);
            Ok((StatusCode::OK, Json(object)).into_response())
        } else {
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// `GET /api/webhooks/{id}/{token}`: Discord's webhook object, which clients fetch to check a
/// URL before using it.
async fn get_webhook(State(state): State<AppState>, ApiPath(path): ApiPath<HookPath>) -> Response {
    let run = async {
        let target = accept(&state, &path.id, &path.token).await?;
        Ok::<_, Failure>(
            Json(json!({
                "id": target.id,
                "type": 1,
                "name": target.username,
                "avatar": null,
                "channel_id": target.channel_id,
                "guild_id": null,
                "application_id": null,
                "token": path.token,
            }))
            .into_response(),
        )
    };
    answer(run.await).await
}

/// `POST /api/webhooks/{id}/{token}/github`: the built-in GitHub plugin renders the delivery,
/// whatever plugin the webhook has (its configuration is used when that is the GitHub one).
async fn execute_github(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(post_github(&state, &path, &method, &uri, &headers, body).await).await
}

async fn post_github(
    state: &AppState,
    path: &HookPath,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    {
        let target = accept(state, &path.id, &path.token).await?;
        let bytes = execute::read_body(headers, body, state.ingest.limits().max_body_bytes).await?;
        let github_id = builtins::builtin_id("github");
        let sha = builtins::builtin_sha256("github")
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the GitHub built-in is missing")))?;
        let config = match target.plugin {
            Some((id, _)) if id == github_id => target.plugin_config.clone(),
            _ => "{}".to_owned(),
        };
        let github = WebhookTarget {
            plugin: Some((github_id, sha)),
            plugin_config: config,
            ..(*target).clone()
        };
        let raw = plugin::raw_request(
            method.as_str(),
            "/github",
            uri.query().unwrap_or(""),
            headers,
            bytes.to_vec(),
        );
        let response = execute::run_plugin_delivery(state, &github, raw).await?;
        if response.status().is_success() {
            // Discord answers 204 to every delivery it accepts, posted or not.
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        Ok(with_discord_fields(response, 0).await)
    }
}

/// `POST /api/webhooks/{id}/{token}/slack`: a Slack incoming-webhook body, converted as on our
/// Slack URL; `200 ok` as Discord's `/slack` answers.
async fn execute_slack(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HookPath>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(post_slack(&state, &path, &method, &uri, &headers, body).await).await
}

async fn post_slack(
    state: &AppState,
    path: &HookPath,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    let target = accept(state, &path.id, &path.token).await?;
    let bytes = execute::read_body(headers, body, state.ingest.limits().max_body_bytes).await?;
    let accepted = Accepted {
        target,
        raw: raw_request(method, uri, headers, &bytes),
    };
    let converted = crate::compat::parse_body(accepted.content_type(), &bytes)
        .and_then(|obj| crate::compat::slack::convert(&obj));
    match post_converted(state, &accepted, Format::Slack, converted).await {
        Ok(_) => Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "ok",
        )
            .into_response()),
        Err(CompatError::Api(err)) => Err(Failure::Api(err)),
        Err(CompatError::Refused(refusal)) => Err(Failure::Refused(refusal)),
    }
}

/// `GET /api/webhooks/{id}/{token}/messages/{message_id}`.
async fn get_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
) -> Response {
    answer(read_message(&state, &path).await).await
}

async fn read_message(state: &AppState, path: &MessagePath) -> Result<Response, Failure> {
    {
        let target = accept(state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        let found = state
            .store
            .webhook_message(target.id, message_id)
            .await
            .map_err(unknown_message)?;
        let object = message_object(&found.message, found.format_source.as_deref(), target.id);
        Ok((StatusCode::OK, Json(object)).into_response())
    }
}

/// `PATCH /api/webhooks/{id}/{token}/messages/{message_id}`: `content` and `embeds` given
/// replace the message's, the others stay; mentions are resolved again.
async fn edit_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(patch_message(&state, &path, &method, &uri, &headers, body).await).await
}

async fn patch_message(
    state: &AppState,
    path: &MessagePath,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    {
        let target = accept(state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        let bytes = execute::read_body(headers, body, state.ingest.limits().max_body_bytes).await?;
        let found = state
            .store
            .webhook_message(target.id, message_id)
            .await
            .map_err(unknown_message)?;
        let source = match found.format_source.as_deref() {
            Some(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            None => json!({ "content": found.message.content }),
        };
        let converted = read_object(headers, &bytes)
            .await
            .map(|edit| discord::merge_edit(&source, &edit))
            .and_then(discord::payload)
            .and_then(|p| discord::render(&p));
        let rendered = match converted {
            Ok(rendered) => rendered,
            Err(err) => {
                let raw = raw_request(method, uri, headers, &bytes);
                let accepted = Accepted {
                    target: target.clone(),
                    raw,
                };
                record_refusal(state, &accepted, Format::Discord, &err).await;
                return Err(Failure::Refused(err));
            }
        };
        let edit = NewMessage {
            content: rendered.content,
            username: None,
            avatar_url: None,
            mentions: rendered.mentions,
            format_source: Some(rendered.source.to_string()),
        };
        let edited = state
            .store
            .edit_webhook_message(&target, message_id, &edit)
            .await
            .map_err(unknown_message)?;
        let object = message_object(&edited.message, edited.format_source.as_deref(), target.id);
        Ok((StatusCode::OK, Json(object)).into_response())
    }
}

/// `DELETE /api/webhooks/{id}/{token}/messages/{message_id}`: 204.
async fn delete_message(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<MessagePath>,
) -> Response {
    answer(remove_message(&state, &path).await).await
}

async fn remove_message(state: &AppState, path: &MessagePath) -> Result<Response, Failure> {
    {
        let target = accept(state, &path.id, &path.token).await?;
        let message_id = message_id(&path.message_id)?;
        state
            .store
            .delete_webhook_message(target.id, message_id)
            .await
            .map_err(unknown_message)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// The webhook of `token`, which must be webhook `id`; then the rate limit.
async fn accept(state: &AppState, id: &str, token: &str) -> Result<Arc<WebhookTarget>, Failure> {
    let target = state
        .ingest
        .webhook_for_token(token)
        .await?
        .ok_or(ApiError::UNKNOWN_WEBHOOK)?;
    if Uuid::parse_str(id).ok() != Some(target.id) {
        return Err(ApiError::UNKNOWN_WEBHOOK.into());
    }
    state
        .ingest
        .check_rate(target.id)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    Ok(target)
}

fn message_id(raw: &str) -> Result<Uuid, Failure> {
    Uuid::parse_str(raw).map_err(|_| Failure::UnknownMessage)
}

fn unknown_message(err: StoreError) -> Failure {
    match err {
        StoreError::NotFound => Failure::UnknownMessage,
        other => other.into(),
    }
}

/// `?wait=true` (also `True` and `1`, as clients send it).
fn wants_wait(uri: &Uri) -> bool {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .any(|(k, v)| k == "wait" && (v.eq_ignore_ascii_case("true") || v == "1"))
}

/// The body as a JSON object: JSON, form fields (`payload_json` or the fields themselves), or
/// `multipart/form-data` (the same, where any file part is refused).
async fn read_object(headers: &HeaderMap, bytes: &Bytes) -> Result<Map<String, Value>, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let essence = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match essence.as_str() {
        "" => discord::parse_object(bytes),
        "multipart/form-data" => read_multipart(content_type.unwrap_or(""), bytes.clone()).await,
        "application/x-www-form-urlencoded" => {
            let fields = url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            form_object(fields)
        }
        _ if is_json_content_type(content_type) => discord::parse_object(bytes),
        other => Err(Refusal::UnsupportedMediaType(format!(
            "Content-Type must be application/json, multipart/form-data or application/x-www-form-urlencoded (got {other})"
        ))),
    }
}

/// Form fields as a payload: `payload_json` holds the JSON; other fields (`content`,
/// `username`, `avatar_url`, ...) are taken as strings, `payload_json` winning.
fn form_object(fields: Vec<(String, String)>) -> Result<Map<String, Value>, Refusal> {
    let mut obj = Map::new();
    let mut payload = None;
    for (name, value) in fields {
        if name == "payload_json" {
            payload = Some(discord::parse_object(value.as_bytes())?);
        } else {
            obj.insert(name, Value::String(value));
        }
    }
    if let Some(payload) = payload {
        obj.extend(payload);
    }
    Ok(obj)
}

async fn read_multipart(content_type: &str, bytes: Bytes) -> Result<Map<String, Value>, Refusal> {
    let bad = |e: multer::Error| Refusal::InvalidPayload(format!("malformed multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() || name.starts_with("file") {
            return Err(discord::attachments(if name.is_empty() {
                "files"
            } else {
                &name
            }));
        }
        let value = field.text().await.map_err(bad)?;
        fields.push((name, value));
    }
    form_object(fields)
}

/// The raw request as the delivery log keeps it (the token redacted from the path).
fn raw_request(method: &Method, uri: &Uri, headers: &HeaderMap, bytes: &Bytes) -> RawRequest {
    plugin::raw_request(
        method.as_str(),
        &redact_path(uri.path()),
        uri.query().unwrap_or(""),
        headers,
        bytes.to_vec(),
    )
}

/// Discord's time format: RFC 3339 with microseconds and `+00:00`.
fn discord_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// A stored message as Discord's message object, with the content and embeds as sent.
fn message_object(m: &StoredMessage, format_source: Option<&str>, webhook_id: Uuid) -> Value {
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
async fn answer(result: Result<Response, Failure>) -> Response {
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
async fn with_discord_fields(response: Response, code: u32) -> Response {
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
