//! The webhook execute paths, one per native dialect; the token is the only credential.
//!
//! Order of checks: token (404) -> rate limit (429) -> body size (413) -> then either the
//! webhook's plugin (any content type; its outcome decides) or the native dialect: content
//! type (415) -> UTF-8 and JSON (400) -> validation (422) -> store (201). Nothing is stored for
//! a rejected request; a plugin failure keeps the raw request as a failed delivery. Before a
//! plugin runs, the webhook's fair share (CPU budget, instance cap, circuit breaker) may
//! refuse it at once with 429 or 503 and `Retry-After`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use uuid::Uuid;

use super::extract::{ApiPath, is_json_content_type};
use super::{ApiError, AppState};
use crate::ingest::Dialect;
use crate::ingest::fairshare::{Quarantined, Refusal, RunVerdict, retry_after_secs};
use crate::ingest::plugin::{self, PluginOutcome};
use crate::store::{DeliveryStatus, NewDelivery, RawRequest, StoredMessage, WebhookTarget};

/// Execute routes: each dialect's path, and the same path with a suffix for plugins.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/webhooks/execute/{token}",
            execute_with(Dialect::Chatalot),
        )
        .route(
            "/api/webhooks/execute/{token}/{*suffix}",
            execute_with(Dialect::Chatalot),
        )
        .route("/api/v1/hooks/{token}", execute_with(Dialect::BitoLink))
        .route(
            "/api/v1/hooks/{token}/{*suffix}",
            execute_with(Dialect::BitoLink),
        )
        .route(
            "/webhooks/{webhook_id}/{token}",
            execute_with(Dialect::Chattr),
        )
        .route(
            "/webhooks/{webhook_id}/{token}/{*suffix}",
            execute_with(Dialect::Chattr),
        )
}

/// What every execute handler receives.
struct ExecuteRequest {
    params: HashMap<String, String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
}

/// `POST` handler of one dialect's path: `{token}` (and for Chattr `{webhook_id}`, which must
/// match the token), and an optional `{*suffix}` passed to the plugin.
fn execute_with(dialect: Dialect) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>,
              ApiPath(params): ApiPath<HashMap<String, String>>,
              method: Method,
              uri: Uri,
              headers: HeaderMap,
              body: Body| async move {
            execute(
                &state,
                dialect,
                ExecuteRequest {
                    params,
                    method,
                    uri,
                    headers,
                    body,
                },
            )
            .await
        },
    )
}

/// The pipeline: token, rate limit, then the plugin or the native dialect.
async fn execute(
    state: &AppState,
    dialect: Dialect,
    req: ExecuteRequest,
) -> Result<Response, ApiError> {
    let token = req
        .params
        .get("token")
        .map(String::as_str)
        .unwrap_or_default();
    let target = accept(state, token).await?;
    if let Some(id) = req.params.get("webhook_id")
        && Uuid::parse_str(id).ok() != Some(target.id)
    {
        return Err(ApiError::UNKNOWN_WEBHOOK);
    }
    let suffix = req
        .params
        .get("suffix")
        .map(|s| format!("/{s}"))
        .unwrap_or_default();
    let inbound = Inbound {
        dialect,
        method: req.method,
        suffix,
        query: req.uri.query().unwrap_or("").to_owned(),
        headers: req.headers,
        body: req.body,
    };
    deliver(state, &target, inbound).await
}

/// A request to an accepted webhook: what the rest of the pipeline needs of it.
pub(crate) struct Inbound {
    /// The dialect of the URL it came to (used when the webhook has no plugin).
    pub dialect: Dialect,
    /// HTTP method.
    pub method: Method,
    /// The path suffix after the token, with its leading `/`, or empty.
    pub suffix: String,
    /// The query string.
    pub query: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body, read up to the body limit.
    pub body: Body,
}

/// The pipeline after the token and rate limit: the webhook's plugin or the native dialect,
/// validation, mentions, the store and the delivery record; answers what the sender gets.
pub(crate) async fn deliver(
    state: &AppState,
    target: &WebhookTarget,
    req: Inbound,
) -> Result<Response, ApiError> {
    if target.plugin.is_some() {
        let body = read_body(&req.headers, req.body, state.ingest.limits().max_body_bytes).await?;
        let raw = plugin::raw_request(
            req.method.as_str(),
            &req.suffix,
            &req.query,
            &req.headers,
            body,
        );
        return run_plugin_delivery(state, target, raw).await;
    }
    if !req.suffix.is_empty() {
        return Err(ApiError::NotFound(
            "this webhook has no plugin, so its URL takes no path suffix",
        ));
    }
    let stored = run_native(state, target, req.dialect, &req.headers, req.body).await?;
    let body = match req.dialect {
        Dialect::Chattr => json!({ "message": stored }),
        Dialect::Chatalot | Dialect::BitoLink => ok_body(&stored),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Runs the webhook's plugin on a raw request, stores the outcome, and answers the sender.
pub async fn run_plugin_delivery(
    state: &AppState,
    target: &WebhookTarget,
    raw: RawRequest,
) -> Result<Response, ApiError> {
    let Some((plugin_id, sha256)) = target.plugin else {
        return Err(ApiError::Internal(anyhow::anyhow!("webhook has no plugin")));
    };
    // Built-in plugins are shared by every community: only uploaded ones are charged across
    // their webhooks.
    let shared = (!crate::builtins::is_builtin(plugin_id)).then_some(plugin_id);
    let fair_share = state.ingest.fair_share();
    let ticket = match fair_share.admit(target.id, shared, Instant::now()) {
        Ok(ticket) => ticket,
        Err(refusal) => return refuse(state, target, raw, refusal).await,
    };
    let run = plugin::run(
        &state.plugins,
        &state.store,
        sha256,
        &target.plugin_config,
        &target.name,
        raw,
    )
    .await;
    // The request comes back from the run, body and all, for the delivery record.
    let raw = run.request;
    crate::telemetry::plugin_run(
        plugin_label(plugin_id),
        outcome_label(&run.outcome),
        Duration::from_micros(run.duration_us.max(0) as u64),
    );
    let verdict = if run.misbehaved {
        RunVerdict::Misbehaved
    } else {
        RunVerdict::Healthy
    };
    // Charged what it ran, not what it waited for its turn on a busy machine.
    let spent = Duration::from_micros(run.busy_us.max(0) as u64);
    if let Some(quarantined) = fair_share.finish(ticket, spent, verdict, Instant::now()) {
        announce_quarantine(state, target, &run.outcome, quarantined).await;
    }
    let keep = state.keep_deliveries;
    let delivery = |status, reason: Option<String>, error: Option<(&str, &str)>| NewDelivery {
        webhook_id: target.id,
        status,
        request: raw,
        error_code: error.map(|e| e.0.to_owned()),
        error_message: error.map(|e| e.1.to_owned()),
        reason,
        plugin_log: run.log.clone(),
        duration_us: run.duration_us,
        peak_memory_bytes: Some(i64::try_from(run.peak_memory).unwrap_or(i64::MAX)),
    };
    match &run.outcome {
        PluginOutcome::Messages(messages) => {
            let (stored, delivery_id) = state
                .store
                .post_plugin_messages(
                    target,
                    messages,
                    delivery(DeliveryStatus::Succeeded, None, None),
                    keep,
                )
                .await?;
            announce(state, target, delivery_id, DeliveryStatus::Succeeded).await;
            Ok((
                StatusCode::CREATED,
                Json(messages_body(&stored, delivery_id)),
            )
                .into_response())
        }
        PluginOutcome::Skipped(reason) | PluginOutcome::Ignored(reason) => {
            let (status, word) = match run.outcome {
                PluginOutcome::Skipped(_) => (DeliveryStatus::Skipped, "skipped"),
                _ => (DeliveryStatus::Ignored, "ignored"),
            };
            let delivery_id = state
                .store
                .record_delivery(delivery(status, Some(reason.clone()), None), keep)
                .await?;
            announce(state, target, delivery_id, status).await;
            Ok((
                StatusCode::OK,
                Json(json!({ "status": word, "reason": reason, "delivery_id": delivery_id })),
            )
                .into_response())
        }
        PluginOutcome::Rejected {
            status,
            code,
            message,
        } => Ok(error_response(*status, code, message, None)),
        PluginOutcome::Failed { code, message } => {
            tracing::warn!(webhook = %target.id, code, "plugin delivery failed: {message}");
            let delivery_id = state
                .store
                .record_delivery(
                    delivery(DeliveryStatus::Failed, None, Some((code, message))),
                    keep,
                )
                .await?;
            announce(state, target, delivery_id, DeliveryStatus::Failed).await;
            // The sender learns only that it failed and where its owner can look: the
            // message (a panic's text, a source location, the plugin's log) is the owner's.
            Ok(error_response(500, code, PLUGIN_FAILED, Some(delivery_id)))
        }
    }
}

/// The message a sender gets for a failed plugin run; the delivery keeps the details.
pub const PLUGIN_FAILED: &str = "the webhook's plugin failed; the webhook's managers can see why \
     in its delivery log, under this delivery_id";

/// Tells the webhook's managers live that a delivery was recorded.
async fn announce(state: &AppState, target: &WebhookTarget, id: Uuid, status: DeliveryStatus) {
    super::studio::delivery_recorded(state, target.community_id, target.id, id, status).await;
}

/// A plugin's metrics label: a built-in's name, else the uploaded plugin's id.
fn plugin_label(plugin_id: Uuid) -> String {
    crate::builtins::BUILTINS
        .iter()
        .map(|(name, _)| *name)
        .find(|name| crate::builtins::builtin_id(name) == plugin_id)
        .map_or_else(|| plugin_id.to_string(), str::to_owned)
}

/// A plugin run's metrics label: `messages`, `skipped`, `ignored` or the error code.
fn outcome_label(outcome: &PluginOutcome) -> &'static str {
    match outcome {
        PluginOutcome::Messages(_) => "messages",
        PluginOutcome::Skipped(_) => "skipped",
        PluginOutcome::Ignored(_) => "ignored",
        PluginOutcome::Rejected { code, .. } | PluginOutcome::Failed { code, .. } => code,
    }
}

/// Answers a request refused before its plugin ran (budget, instances, quarantine) with its
/// status and `Retry-After`, and keeps it in the delivery log, replayable (at most one a
/// second per webhook; every refusal is counted in the webhook's state).
async fn refuse(
    state: &AppState,
    target: &WebhookTarget,
    raw: RawRequest,
    refusal: Refusal,
) -> Result<Response, ApiError> {
    tracing::info!(webhook = %target.id, code = refusal.code, "plugin run refused");
    let delivery_id = if state
        .ingest
        .fair_share()
        .should_record(target.id, Instant::now())
    {
        let delivery = NewDelivery {
            webhook_id: target.id,
            status: DeliveryStatus::Failed,
            request: raw,
            error_code: Some(refusal.code.to_owned()),
            error_message: Some(refusal.message.clone()),
            reason: None,
            plugin_log: String::new(),
            duration_us: 0,
            peak_memory_bytes: None,
        };
        let id = state
            .store
            .record_delivery(delivery, state.keep_deliveries)
            .await?;
        announce(state, target, id, DeliveryStatus::Failed).await;
        Some(id)
    } else {
        None
    };
    let mut response = error_response(refusal.status, refusal.code, &refusal.message, delivery_id);
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs(refusal.retry_after)),
    );
    Ok(response)
}

/// Tells the community's owners and admins that a webhook's plugin was quarantined.
async fn announce_quarantine(
    state: &AppState,
    target: &WebhookTarget,
    outcome: &PluginOutcome,
    quarantined: Quarantined,
) {
    let last = match outcome {
        PluginOutcome::Failed { code, message } => format!("{code}: {message}"),
        _ => "unknown".to_owned(),
    };
    let text = format!(
        "The plugin of webhook \"{}\" failed {} times in a row and is quarantined for {} s \
         (requests are refused with 503 until a probe succeeds); last error: {last}",
        target.name,
        quarantined.failures,
        retry_after_secs(quarantined.backoff),
    );
    tracing::warn!(webhook = %target.id, "{text}");
    if let Err(e) = state
        .store
        .notify_managers(
            target.community_id,
            "webhook.plugin_quarantined",
            target.id,
            &text,
        )
        .await
    {
        tracing::error!(error = %e, webhook = %target.id, "cannot leave the quarantine notice");
    }
}

/// The 201 body of a plugin delivery that posted messages.
pub fn messages_body(stored: &[StoredMessage], delivery_id: Uuid) -> Value {
    let messages: Vec<Value> = stored
        .iter()
        .map(|m| json!({ "message_id": m.id, "channel_id": m.channel_id, "created_at": m.created_at }))
        .collect();
    json!({ "status": "ok", "messages": messages, "delivery_id": delivery_id })
}

/// An error body in our format, for outcomes decided by a plugin.
pub fn error_response(
    status: u16,
    code: &str,
    message: &str,
    delivery_id: Option<Uuid>,
) -> Response {
    let mut body = json!({ "error": { "code": code, "message": message } });
    if let Some(id) = delivery_id {
        body["error"]["delivery_id"] = json!(id);
    }
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

/// Token lookup and rate limit: what every execute request goes through first.
pub(crate) async fn accept(state: &AppState, token: &str) -> Result<Arc<WebhookTarget>, ApiError> {
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
