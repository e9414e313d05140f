//! The webhook execute paths, one per native dialect; the token is the only credential.
//!
//! Order of checks: token (404) -> rate limit (429) -> body size (413) -> content type (415)
//! -> UTF-8 and JSON (400) -> validation (422) -> store (201). Nothing is stored on error.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use uuid::Uuid;

use super::extract::{ApiPath, is_json_content_type};
use super::{ApiError, AppState};
use crate::ingest::Dialect;
use crate::store::{StoredMessage, WebhookTarget};

/// Execute routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/webhooks/execute/{token}", post(post_chatalot))
        .route("/api/v1/hooks/{token}", post(post_bitolink))
        .route("/webhooks/{webhook_id}/{token}", post(post_chattr))
}

/// `POST /api/webhooks/execute/{token}` {content, username, avatar_url}.
async fn post_chatalot(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let target = accept(&state, &token).await?;
    let stored = run_native(&state, &target, Dialect::Chatalot, &headers, body).await?;
    Ok((StatusCode::CREATED, Json(ok_body(&stored))))
}

/// `POST /api/v1/hooks/{token}` {text, username, icon_url}.
async fn post_bitolink(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let target = accept(&state, &token).await?;
    let stored = run_native(&state, &target, Dialect::BitoLink, &headers, body).await?;
    Ok((StatusCode::CREATED, Json(ok_body(&stored))))
}

/// `POST /webhooks/{webhook_id}/{token}` {content, name, avatarUrl}: the id must match the token.
async fn post_chattr(
    State(state): State<AppState>,
    ApiPath((webhook_id, token)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let target = accept(&state, &token).await?;
    if Uuid::parse_str(&webhook_id).ok() != Some(target.id) {
        return Err(ApiError::UNKNOWN_WEBHOOK);
    }
    let stored = run_native(&state, &target, Dialect::Chattr, &headers, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "message": stored }))))
}

/// Token lookup and rate limit: what every execute request goes through first.
async fn accept(state: &AppState, token: &str) -> Result<Arc<WebhookTarget>, ApiError> {
    let target = state
        .ingest
        .webhook_for_token(token)
        .await?
        .ok_or(ApiError::UNKNOWN_WEBHOOK)?;
    state
        .ingest
        .check_rate(target.id)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    Ok(target)
}

/// Reads, parses, validates and stores a native-dialect message.
async fn run_native(
    state: &AppState,
    target: &WebhookTarget,
    dialect: Dialect,
    headers: &HeaderMap,
    body: Body,
) -> Result<StoredMessage, ApiError> {
    let bytes = read_body(headers, body, state.ingest.limits().max_body_bytes).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !is_json_content_type(content_type) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type must be application/json (got {})",
            content_type.unwrap_or("none")
        )));
    }
    let message = dialect.parse(&bytes)?;
    let mut stored = state.ingest.post(target, &[message]).await?;
    stored
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("store returned no message")))
}

/// Reads the body up to `limit` bytes: 413 past it (checked on `Content-Length` first).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let too_large = std::error::Error::source(&err)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>())
            || err.to_string().contains("length limit");
        if too_large {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::BadRequest {
                code: "bad_request",
                message: format!("failed to read the request body: {err}"),
            }
        }
    })
}

/// The Chatalot/BitoLink success body.
fn ok_body(message: &StoredMessage) -> Value {
    json!({
        "message_id": message.id,
        "channel_id": message.channel_id,
        "created_at": message.created_at,
        "status": "ok",
    })
}
