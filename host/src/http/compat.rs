//! The foreign formats' URLs (Slack, Mattermost, Rocket.Chat, Microsoft Teams), each answered
//! the way the original service answers. The conversion itself is pure (`crate::compat`); the
//! token lookup, rate limit, body limit, validation, mention resolution, storage and usage
//! statistics are the execute path's (`super::execute`).
//!
//! A payload these URLs refuse after the token was accepted is recorded as a failed delivery of
//! the webhook (with the raw request), since these senders retry blindly and their owners only
//! see the refusal there.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::execute::{accept, read_body};
use super::openapi::schemas as doc;
use super::{ApiError, AppState, redact_path};
use crate::compat::{self, Converted, Format, Refusal};
use crate::ingest::plugin;
use crate::store::{DeliveryStatus, NewDelivery, RawRequest, StoredMessage, WebhookTarget};

/// Routes of the foreign formats.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/slack/{token}", post(post_slack))
        .route("/hooks/{token}", post(post_mattermost))
        .route("/hooks/{id}/{token}", post(post_rocketchat))
        .route("/api/teams/{token}", post(post_teams))
}

/// The parts of a foreign-format request (an extractor: the whole request, body unread).
pub(crate) struct CompatRequest {
    /// HTTP method.
    pub method: Method,
    /// The request URI (its path is kept with the token redacted).
    pub uri: Uri,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body, not yet read.
    pub body: Body,
}

impl<S: Send + Sync> FromRequest<S> for CompatRequest {
    type Rejection = Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, Infallible> {
        let (parts, body) = req.into_parts();
        Ok(CompatRequest {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        })
    }
}

/// A request whose token was accepted and whose body was read within the limit.
pub(crate) struct Accepted {
    /// The webhook.
    pub target: Arc<WebhookTarget>,
    /// The raw request, as the delivery log keeps it (the path is the URL's path with the
    /// token redacted).
    pub raw: RawRequest,
    /// The `Content-Type` header when it is visible ASCII (`None` otherwise, as if absent):
    /// how the Discord routes read it.
    pub ascii_content_type: Option<String>,
}

impl Accepted {
    /// Reads the body of a request to `target` within the body limit (413) and keeps the
    /// request as the delivery log shows it: the preamble of every foreign-format URL, once
    /// the token (and whatever else the URL names) was accepted.
    pub async fn read(
        state: &AppState,
        target: Arc<WebhookTarget>,
        req: CompatRequest,
    ) -> Result<Self, ApiError> {
        let body = read_body(&req.headers, req.body, state.ingest.limits().max_body_bytes).await?;
        let ascii_content_type = req
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw = plugin::raw_request(
            req.method.as_str(),
            &redact_path(req.uri.path()),
            req.uri.query().unwrap_or(""),
            &req.headers,
            body,
        );
        Ok(Accepted {
            target,
            raw,
            ascii_content_type,
        })
    }

    /// The request's `Content-Type`.
    pub fn content_type(&self) -> Option<&str> {
        self.raw
            .headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.as_str())
    }
}

/// Why a foreign-format request failed.
#[derive(Debug)]
pub(crate) enum CompatError {
    /// Token, rate limit, body size or storage, as on every execute path.
    Api(ApiError),
    /// The payload was refused (and recorded in the delivery log).
    Refused(Refusal),
}

impl From<ApiError> for CompatError {
    fn from(err: ApiError) -> Self {
        CompatError::Api(err)
    }
}

/// Token lookup (404), rate limit (429) and body limit (413), exactly as the execute paths.
pub(crate) async fn accept_request(
    state: &AppState,
    token: &str,
    req: CompatRequest,
) -> Result<Accepted, ApiError> {
    let target = accept(state, token).await?;
    Accepted::read(state, target, req).await
}

/// Validates, splits and stores converted messages through the shared pipeline (mentions,
/// notifications, statistics); a refusal is recorded in the webhook's delivery log.
pub(crate) async fn post_converted(
    state: &AppState,
    accepted: &Accepted,
    format: Format,
    converted: Result<Converted, Refusal>,
) -> Result<Vec<StoredMessage>, CompatError> {
    let messages = converted.and_then(|c| c.into_messages(&accepted.target, format.fields()));
    match messages {
        Ok(messages) => Ok(state
            .ingest
            .post(&accepted.target, &messages)
            .await
            .map_err(ApiError::from)?),
        Err(refusal) => {
            record_refusal(state, accepted, format, &refusal).await;
            Err(CompatError::Refused(refusal))
        }
    }
}

/// Records a refused foreign-format request as a failed delivery of its webhook, so the owner
/// sees it (and counts it among the webhook's failures). Recording problems are logged, never
/// turned into the sender's answer; returns the delivery id when recorded.
pub(crate) async fn record_refusal(
    state: &AppState,
    accepted: &Accepted,
    format: Format,
    refusal: &Refusal,
) -> Option<Uuid> {
    let mut message = format!("{} payload refused: {}", format.name(), refusal.message());
    if let Some(field) = refusal.field() {
        message.push_str(&format!(" (field {field})"));
    }
    tracing::info!(webhook = %accepted.target.id, format = format.name(), code = refusal.code(), "foreign-format payload refused");
    let delivery = NewDelivery {
        webhook_id: accepted.target.id,
        status: DeliveryStatus::Failed,
        request: accepted.raw.clone(),
        error_code: Some(refusal.code().to_owned()),
        error_message: Some(message),
        reason: None,
        plugin_log: String::new(),
        duration_us: 0,
        peak_memory_bytes: None,
    };
    match state
        .store
        .record_delivery(delivery, state.keep_deliveries)
        .await
    {
        Ok(id) => {
            let t = &accepted.target;
            super::studio::delivery_recorded(
                state,
                t.community_id,
                t.id,
                id,
                DeliveryStatus::Failed,
            )
            .await;
            Some(id)
        }
        Err(e) => {
            tracing::error!(error = %e, webhook = %accepted.target.id, "could not record a refused request");
            None
        }
    }
}

/// Whether a delivery is a refused foreign-format request (its path is a whole URL path with
/// the token redacted, where a plugin delivery's is the suffix after the token).
pub(crate) fn is_compat_delivery(raw: &RawRequest) -> bool {
    raw.path.contains("[redacted]")
}

/// The whole pipeline of a JSON foreign format: accept, parse, convert, store.
async fn receive(
    state: &AppState,
    format: Format,
    token: &str,
    req: CompatRequest,
    convert: fn(&Map<String, Value>) -> Result<Converted, Refusal>,
) -> Result<Vec<StoredMessage>, CompatError> {
    let accepted = accept_request(state, token, req).await?;
    let converted = compat::parse_body(accepted.content_type(), &accepted.raw.body)
        .and_then(|obj| convert(&obj));
    post_converted(state, &accepted, format, converted).await
}

fn text_response(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn with_retry_after(mut response: Response, err: &ApiError) -> Response {
    if let ApiError::RateLimited { retry_after } = err {
        let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The status of a refusal: 415 for a content type, else 400 (these services answer 400 to
/// every payload they cannot use).
fn refusal_status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// `POST /api/slack/{token}`: a Slack incoming-webhook payload. 200 `ok` (text/plain); errors
/// are Slack's plain-text codes.
#[utoipa::path(
    post,
    path = "/api/slack/{token}",
    tag = "foreign formats",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(description = "A Slack incoming-webhook payload (`text`, `blocks`, `attachments`, ...) as JSON, or form-encoded in `payload`", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "posted: `ok`", content((String = "text/plain"))), (status = 400, description = "Slack's error codes: `invalid_payload`, `no_text`, ...", content((String = "text/plain"))), (status = 404, description = "`no_service`: unknown or disabled webhook", content((String = "text/plain"))), (status = 413, description = "`request_too_large`", content((String = "text/plain"))), (status = 415, description = "the content type is neither JSON nor a form", content((String = "text/plain"))), (status = 429, description = "`rate_limited`; see `Retry-After`", content((String = "text/plain")))),
    security(())
)]
async fn post_slack(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: CompatRequest,
) -> Response {
    match receive(&state, Format::Slack, &token, req, compat::slack::convert).await {
        Ok(_) => text_response(StatusCode::OK, "ok"),
        Err(err) => slack_error(err),
    }
}

/// Slack's answers to failures: `no_service` (404), `rate_limited` (429), `invalid_payload`
/// and `no_text` (400).
fn slack_error(err: CompatError) -> Response {
    match err {
        CompatError::Refused(refusal) => {
            let code = match refusal {
                Refusal::NoText(_) => "no_text",
                _ => "invalid_payload",
            };
            text_response(refusal_status(&refusal), code)
        }
        CompatError::Api(err) => match err {
            ApiError::NotFound(_) => text_response(StatusCode::NOT_FOUND, "no_service"),
            ApiError::RateLimited { .. } => with_retry_after(
                text_response(StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
                &err,
            ),
            ApiError::PayloadTooLarge { .. } => {
                text_response(StatusCode::PAYLOAD_TOO_LARGE, "request_too_large")
            }
            other => other.into_response(),
        },
    }
}

/// `POST /hooks/{token}`: a Mattermost incoming-webhook payload. 200 `ok` (text/plain);
/// errors in Mattermost's JSON shape.
#[utoipa::path(
    post,
    path = "/hooks/{token}",
    tag = "foreign formats",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(description = "A Mattermost incoming-webhook payload (`text`, `attachments`, ...) as JSON, or form-encoded in `payload`", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "posted: `ok`", content((String = "text/plain"))), (status = 400, description = "Mattermost's error: unparsable or empty payload", body = doc::MattermostError), (status = 404, description = "invalid webhook", body = doc::MattermostError), (status = 413, description = "too large", body = doc::MattermostError), (status = 415, description = "the content type is neither JSON nor a form", body = doc::MattermostError), (status = 429, description = "rate limited; see `Retry-After`", body = doc::MattermostError)),
    security(())
)]
async fn post_mattermost(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: CompatRequest,
) -> Response {
    match receive(
        &state,
        Format::Mattermost,
        &token,
        req,
        compat::mattermost::convert,
    )
    .await
    {
        Ok(_) => text_response(StatusCode::OK, "ok"),
        Err(err) => mattermost_error(err),
    }
}

/// Mattermost's error body: `{"id","message","detailed_error","status_code"}`.
fn mattermost_error(err: CompatError) -> Response {
    let (status, id, message, detail) = match err {
        CompatError::Refused(refusal) => {
            let id = match refusal {
                Refusal::NoText(_) => "web.incoming_webhook.text.app_error",
                Refusal::UnsupportedMediaType(_) => "web.incoming_webhook.parse.app_error",
                _ => "web.incoming_webhook.parse.app_error",
            };
            let detail = refusal.field().map(str::to_owned).unwrap_or_default();
            (refusal_status(&refusal), id, refusal.message(), detail)
        }
        CompatError::Api(err) => match err {
            ApiError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "web.incoming_webhook.invalid.app_error",
                "Invalid webhook.".to_owned(),
                String::new(),
            ),
            ApiError::RateLimited { .. } | ApiError::PayloadTooLarge { .. } => {
                let status = if matches!(err, ApiError::RateLimited { .. }) {
                    StatusCode::TOO_MANY_REQUESTS
                } else {
                    StatusCode::PAYLOAD_TOO_LARGE
                };
                let body = json!({
                    "id": "web.incoming_webhook.limit.app_error",
                    "message": err.to_string(),
                    "detailed_error": "",
                    "status_code": status.as_u16(),
                });
                return with_retry_after((status, Json(body)).into_response(), &err);
            }
            other => return other.into_response(),
        },
    };
    let body = json!({
        "id": id,
        "message": message,
        "detailed_error": detail,
        "status_code": status.as_u16(),
    });
    (status, Json(body)).into_response()
}

/// `POST /hooks/{id}/{token}`: a Rocket.Chat incoming-integration payload; `{id}` is the
/// webhook id as 32 hex digits (or in its usual form) and must match the token. 200
/// `{"success":true}`; errors `{"success":false,"error"}`.
#[utoipa::path(
    post,
    path = "/hooks/{id}/{token}",
    tag = "foreign formats",
    params(("id" = String, Path, min_length = 1, description = "The webhook id (32 hex digits, as Rocket.Chat URLs carry it)"), ("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(description = "A Rocket.Chat incoming-integration payload (`text`, `alias`, `emoji`, `attachments`, ...)", content((doc::Object = "application/json"), (doc::Object = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "posted: `success: true`", body = doc::RocketChatAnswer), (status = 400, description = "refused: `success: false` and `error`", body = doc::RocketChatAnswer), (status = 404, description = "unknown webhook", body = doc::RocketChatAnswer), (status = 413, description = "too large", body = doc::RocketChatAnswer), (status = 415, description = "the content type is not JSON", body = doc::RocketChatAnswer), (status = 429, description = "rate limited; see `Retry-After`", body = doc::RocketChatAnswer)),
    security(())
)]
async fn post_rocketchat(
    State(state): State<AppState>,
    Path((id, token)): Path<(String, String)>,
    req: CompatRequest,
) -> Response {
    let result = async {
        let accepted = accept_request(&state, &token, req).await?;
        if Uuid::try_parse(&id).ok() != Some(accepted.target.id) {
            return Err(CompatError::Api(ApiError::UNKNOWN_WEBHOOK));
        }
        let converted = compat::parse_body(accepted.content_type(), &accepted.raw.body)
            .and_then(|obj| compat::rocketchat::convert(&obj));
        post_converted(&state, &accepted, Format::RocketChat, converted).await
    }
    .await;
    match result {
        Ok(_) => (StatusCode::OK, Json(json!({ "success": true }))).into_response(),
        Err(CompatError::Refused(refusal)) => (
            refusal_status(&refusal),
            Json(json!({ "success": false, "error": refusal.message() })),
        )
            .into_response(),
        Err(CompatError::Api(err)) => {
            let status = match &err {
                ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => return err.into_response(),
            };
            let message = match &err {
                ApiError::NotFound(_) => "Invalid integration id or token provided.".to_owned(),
                other => other.to_string(),
            };
            with_retry_after(
                (status, Json(json!({ "success": false, "error": message }))).into_response(),
                &err,
            )
        }
    }
}

/// `POST /api/teams/{token}`: a Microsoft Teams connector `MessageCard` or a workflow message
/// with Adaptive Cards. 200 with body `1`, as Teams connectors answer; errors as plain text.
#[utoipa::path(
    post,
    path = "/api/teams/{token}",
    tag = "foreign formats",
    params(("token" = String, Path, min_length = 1, description = "The webhook's token (the only credential)")),
    request_body(content = doc::Object, description = "A Microsoft Teams connector `MessageCard`, or a workflow message with Adaptive Cards"),
    responses((status = 200, description = "posted: `1`", content((String = "text/plain"))), (status = 400, description = "the refusal, as text", content((String = "text/plain"))), (status = 404, description = "`Webhook not found`", content((String = "text/plain"))), (status = 413, description = "`Payload too large`", content((String = "text/plain"))), (status = 415, description = "the content type is not JSON", content((String = "text/plain"))), (status = 429, description = "`Too many requests`; see `Retry-After`", content((String = "text/plain")))),
    security(())
)]
async fn post_teams(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: CompatRequest,
) -> Response {
    match receive(&state, Format::Teams, &token, req, compat::teams::convert).await {
        Ok(_) => text_response(StatusCode::OK, "1"),
        Err(CompatError::Refused(refusal)) => (
            refusal_status(&refusal),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            refusal.message(),
        )
            .into_response(),
        Err(CompatError::Api(err)) => match err {
            ApiError::NotFound(_) => text_response(StatusCode::NOT_FOUND, "Webhook not found"),
            ApiError::RateLimited { .. } => with_retry_after(
                text_response(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
                &err,
            ),
            ApiError::PayloadTooLarge { .. } => {
                text_response(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large")
            }
            other => other.into_response(),
        },
    }
}
