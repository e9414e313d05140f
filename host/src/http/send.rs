//! "Send for real" from the plugin studio: a webhook's manager posts a payload through the
//! webhook without knowing its token (tokens are stored hashed). The request takes exactly the
//! path an external `POST` to the webhook's URL takes after the token lookup: rate limit,
//! plugin (with its fair share) or native dialect, validation, mentions, store, delivery record
//! and the live events. The answer is what the external sender would have got (status, body,
//! `Retry-After`) plus the delivery id, so a refusal of the payload is data, not an error of
//! this call.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::deliveries::{parse_headers, plugin_sha, request_bytes};
use super::execute::{Inbound, deliver};
use super::extract::{ApiJson, ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::webhooks::managed_webhook;
use super::{ApiError, AppState};
use crate::ingest::Dialect;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/webhooks/{id}/send", post(post_send))
}

/// What to send: the request an external sender would make to the webhook's URL.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SendBody {
    /// Path suffix after the token (e.g. `/github`); only webhooks with a plugin take one.
    #[serde(default)]
    path: Option<String>,
    /// Query string, without `?`.
    #[serde(default)]
    query: Option<String>,
    /// Headers, as an object `{name: value}` or a list of `[name, value]` pairs.
    #[serde(default)]
    headers: Option<Value>,
    /// The body as text.
    body: Option<String>,
    /// The body as base64 (instead of `body`).
    body_base64: Option<String>,
}

/// `POST /api/webhooks/{id}/send`: posts a payload through the webhook as an external sender
/// would, without its token.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/send",
    tag = "deliveries",
    params(("id" = Uuid, Path, description = "The webhook id")),
    request_body = SendBody,
    responses((status = 200, description = "the payload went through the webhook's pipeline: `status`, `body` and `retry_after` are what the external sender would have got at the webhook's URL (a refusal of the payload is reported here, not as an error of this call), `delivery_id` the delivery it recorded (`null` when none: native messages, refusals before the plugin ran)", body = doc::SentForReal), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: the webhook is disabled", body = doc::ErrorBody))
)]
pub(super) async fn post_send(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SendBody>,
) -> Result<Json<Value>, ApiError> {
    let webhook = managed_webhook(&state, id, user.id).await?;
    let bytes = request_bytes(body.body, body.body_base64)?;
    let headers = header_map(parse_headers(body.headers)?, bytes.len())?;
    let suffix = match body.path.as_deref().map(|p| p.trim_start_matches('/')) {
        None | Some("") => String::new(),
        Some(p) => format!("/{p}"),
    };
    if !webhook.active {
        return Err(ApiError::Conflict {
            field: Some("active".into()),
            message: "the webhook is disabled; enable it before sending to it".into(),
        });
    }
    let sha = match webhook.plugin_id {
        Some(plugin_id) => Some(plugin_sha(&state, plugin_id).await?),
        None => None,
    };
    let target = webhook.target(sha);
    let answer = match state.ingest.check_rate(target.id) {
        Err(retry_after) => Err(ApiError::RateLimited { retry_after }),
        Ok(()) => {
            let inbound = Inbound {
                dialect: Dialect::Chatalot,
                method: Method::POST,
                suffix,
                query: body.query.unwrap_or_default(),
                headers,
                body: Body::from(bytes),
            };
            deliver(&state, &target, inbound).await
        }
    };
    let response = match answer {
        Ok(response) => response,
        // A fault of the server is this call's fault too.
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => return Err(e),
        Err(refused) => axum::response::IntoResponse::into_response(refused),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let answer: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    let delivery_id = answer
        .get("delivery_id")
        .or_else(|| answer.get("error").and_then(|e| e.get("delivery_id")))
        .cloned()
        .unwrap_or(Value::Null);
    Ok(Json(json!({
        "status": status,
        "body": answer,
        "retry_after": retry_after,
        "delivery_id": delivery_id,
    })))
}

/// The request headers as the webhook's URL would receive them: the given ones (422 naming
/// `headers` when one is no valid HTTP header) and the body's real `Content-Length`.
fn header_map(pairs: Vec<(String, String)>, body_len: usize) -> Result<HeaderMap, ApiError> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ApiError::invalid("headers", format!("\"{name}\" is no valid header name"))
        })?;
        let value = HeaderValue::from_str(&value).map_err(|_| {
            ApiError::invalid(
                "headers",
                format!("the value of \"{name}\" is no valid header value"),
            )
        })?;
        headers.append(name, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    Ok(headers)
}
