//! What every request goes through around its handler: the log span (the route template,
//! never the raw path, so no token reaches the logs), one error shape for the responses
//! axum and our limits make without a body (404, 405 with its `Allow`, 408, ...), the info
//! line of each rejected webhook request, and the HTTP metrics.

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Body as _;
use serde_json::Value;

use super::ApiError;
use super::conn::BodyTimedOut;
use super::error::error_body;
use crate::telemetry;

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "[unmatched]";

/// Error bodies read to find their code; larger ones are labelled by status.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The log span of a request: method and route template.
pub fn span(req: &Request) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), route = %route(req))
}

fn route(req: &Request) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
}

/// The fallback of unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route")
}

/// A webhook path: its errors keep the sender's format (Slack, Teams, Discord, ...).
fn is_webhook_route(route: &str) -> bool {
    route.contains("{token}")
}

/// The middleware: see the module documentation.
pub async fn edge(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = route(&req).to_owned();
    let body_timed_out = req.extensions().get::<BodyTimedOut>().cloned();
    let (mut response, webhook) = crate::ingest::noting_webhook(next.run(req)).await;
    if body_timed_out.is_some_and(|t| t.is_set()) {
        response = request_timeout();
    }
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        let (shaped, code) = error_shape(response, !is_webhook_route(&route)).await;
        response = shaped;
        metrics::counter!(telemetry::HTTP_REJECTED, "route" => route.clone(),
            "status" => status.as_str().to_owned(), "code" => code.clone())
        .increment(1);
        if is_webhook_route(&route) || route == UNMATCHED {
            let webhook = webhook.map_or_else(|| "-".to_owned(), |id| id.to_string());
            tracing::info!(
                status = status.as_u16(),
                code = %code,
                webhook = %webhook,
                "webhook request rejected"
            );
        }
    }
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route),
        ("status", status.as_str().to_owned()),
    ];
    metrics::counter!(telemetry::HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(telemetry::HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// 408, closing the connection (the rest of the body is not read).
fn request_timeout() -> Response {
    let body = error_body(
        "request_timeout",
        "the request body did not arrive in time",
        None,
    );
    let mut response = (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The error response in our shape (an empty body, or with `reshape_text` a plain-text one
/// such as axum's rejections, becomes `{"error":{"code","message"}}`, headers kept), and its
/// error code.
async fn error_shape(response: Response, reshape_text: bool) -> (Response, String) {
    let status = response.status();
    let fallback = status_code(status).to_owned();
    let small = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= ERROR_BODY_LIMIT as u64);
    if !small {
        return (response, fallback);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        return (Response::from_parts(parts, Body::empty()), fallback);
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| super::extract::is_json_content_type(Some(v)));
    if is_json {
        let code = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
            .unwrap_or(fallback);
        return (Response::from_parts(parts, Body::from(bytes)), code);
    }
    if !bytes.is_empty() && !reshape_text {
        return (Response::from_parts(parts, Body::from(bytes)), fallback);
    }
    let message = match std::str::from_utf8(&bytes).map(str::trim) {
        Ok(text) if !text.is_empty() => text.to_owned(),
        _ => status_message(status).to_owned(),
    };
    let body = error_body(&fallback, &message, None).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (
        Response::from_parts(parts, Body::from(Bytes::from(body))),
        fallback,
    )
}

/// The error code of a status, for responses that name none.
fn status_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        426 => "upgrade_required",
        429 => "rate_limited",
        431 => "headers_too_large",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad_request",
    }
}

fn status_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "no such route",
        405 => "method not allowed on this route (see the Allow header)",
        _ => status.canonical_reason().unwrap_or("request failed"),
    }
}
