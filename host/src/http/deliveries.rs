//! Deliveries of plugin webhooks: list and inspect them, replay failures, and dry-run a plugin
//! on a sample request without storing anything.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::execute::{error_response, messages_body};
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::openapi::schemas as doc;
use super::plugins::attachable_plugin;
use super::webhooks::managed_webhook;
use super::{ApiError, AppState};
use crate::ingest::plugin::{self, PluginOutcome};
use crate::store::{Delivery, DeliveryStatus, RawRequest, StoreError, Webhook};

/// Delivery routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/webhooks/{id}/deliveries", get(get_deliveries))
        .route("/api/webhooks/{id}/dry-run", post(post_dry_run))
        .route("/api/deliveries/{id}", get(get_delivery))
        .route("/api/deliveries/{id}/replay", post(post_replay))
}

/// A delivery as JSON, with its body as text when it is UTF-8, else as base64.
fn delivery_json(d: &Delivery) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    match std::str::from_utf8(&d.request.body) {
        Ok(text) => v["request"]["body"] = text.into(),
        Err(_) => v["request"]["body_base64"] = BASE64.encode(&d.request.body).into(),
    }
    v
}

#[derive(Deserialize)]
struct DeliveriesQuery {
    status: Option<DeliveryStatus>,
    limit: Option<u32>,
}

/// `GET /api/webhooks/{id}/deliveries?status=failed&limit=`: newest first.
#[utoipa::path(
    get,
    path = "/api/webhooks/{id}/deliveries",
    tag = "deliveries",
    params(("id" = Uuid, Path, description = "The webhook id"), ("status" = Option<DeliveryStatus>, Query, description = "Only deliveries with this outcome"), ("limit" = Option<u32>, Query, description = "1-200, default 50")),
    responses((status = 200, description = "the webhook's deliveries, newest first", body = doc::DeliveryList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_deliveries(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> Result<Json<Value>, ApiError> {
    managed_webhook(&state, id, user.id).await?;
    let list = state
        .store
        .deliveries_of(id, q.status, q.limit.unwrap_or(50).clamp(1, 500))
        .await?;
    Ok(Json(
        json!({ "deliveries": list.iter().map(delivery_json).collect::<Vec<_>>() }),
    ))
}

async fn managed_delivery(
    state: &AppState,
    id: Uuid,
    user_id: Uuid,
) -> Result<(Delivery, Webhook), ApiError> {
    let delivery = match state.store.delivery(id).await {
        Err(StoreError::NotFound) => return Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        other => other?,
    };
    let webhook = managed_webhook(state, delivery.webhook_id, user_id).await?;
    Ok((delivery, webhook))
}

/// `GET /api/deliveries/{id}`.
#[utoipa::path(
    get,
    path = "/api/deliveries/{id}",
    tag = "deliveries",
    params(("id" = Uuid, Path, description = "The delivery id")),
    responses((status = 200, description = "the delivery with its request (secret-bearing headers redacted), outcome, plugin log, `duration_us` and `peak_memory_bytes` (the plugin run's peak linear memory; `null` when no plugin ran)", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_delivery(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let (delivery, _) = managed_delivery(&state, id, user.id).await?;
    Ok(Json(delivery_json(&delivery)))
}

/// The SHA-256 of the webhook's current plugin, or 409 when none is attached.
async fn current_plugin(state: &AppState, webhook: &Webhook) -> Result<[u8; 32], ApiError> {
    let Some(plugin_id) = webhook.plugin_id else {
        return Err(ApiError::Conflict {
            field: Some("plugin_id".into()),
            message: "the webhook has no plugin attached".into(),
        });
    };
    plugin_sha(state, plugin_id).await
}

/// The SHA-256 of plugin `plugin_id`.
pub(super) async fn plugin_sha(state: &AppState, plugin_id: Uuid) -> Result<[u8; 32], ApiError> {
    let plugin = state.store.plugin(plugin_id).await?;
    let mut sha = [0u8; 32];
    hex::decode_to_slice(&plugin.sha256, &mut sha).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(sha)
}

/// `POST /api/deliveries/{id}/replay`: runs the webhook's current plugin (and configuration)
/// on a failed delivery again; on success posts the messages and marks it replayed.
#[utoipa::path(
    post,
    path = "/api/deliveries/{id}/replay",
    tag = "deliveries",
    params(("id" = Uuid, Path, description = "The delivery id")),
    responses((status = 201, description = "the replay posted messages", body = doc::PluginPosted), (status = 200, description = "the plugin skipped or ignored it", body = doc::PluginSkipped), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: not a failed delivery, already replayed, or no plugin attached", body = doc::ErrorBody), (status = "4XX", description = "a plugin rejection (status and code chosen by the plugin)", body = doc::ErrorBody), (status = 500, description = "plugin_*: the plugin failed again (a documented plugin failure, not a server fault)", body = doc::ErrorBody), (status = 503, description = "unavailable: the plugin's fair share refused the run; see `Retry-After`", body = doc::ErrorBody))
)]
async fn post_replay(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let (delivery, webhook) = managed_delivery(&state, id, user.id).await?;
    if delivery.status != DeliveryStatus::Failed {
        return Err(ApiError::Conflict {
            field: Some("status".into()),
            message: "only failed deliveries can be replayed".into(),
        });
    }
    if super::compat::is_compat_delivery(&delivery.request) {
        return Err(ApiError::Conflict {
            field: Some("status".into()),
            message: "a refused request to a foreign-format URL cannot be replayed: it was no plugin failure, and its sender retries on its own".into(),
        });
    }
    let sha = current_plugin(&state, &webhook).await?;
    let target = webhook.target(Some(sha));
    let run = plugin::run(
        &state.plugins,
        &state.store,
        sha,
        &target.plugin_config,
        &target.name,
        delivery.request.clone(),
    )
    .await;
    match &run.outcome {
        PluginOutcome::Messages(messages) => {
            let stored = state
                .store
                .post_replay(id, &target, messages, &run.log)
                .await
                .map_err(replay_conflict)?;
            settled(&state, &webhook, id, DeliveryStatus::Replayed).await;
            Ok((StatusCode::CREATED, Json(messages_body(&stored, id))).into_response())
        }
        PluginOutcome::Skipped(reason) | PluginOutcome::Ignored(reason) => {
            let (status, word) = match run.outcome {
                PluginOutcome::Skipped(_) => (DeliveryStatus::Skipped, "skipped"),
                _ => (DeliveryStatus::Ignored, "ignored"),
            };
            state
                .store
                .settle_failed_delivery(id, status, reason, &run.log)
                .await
                .map_err(replay_conflict)?;
            settled(&state, &webhook, id, status).await;
            Ok((
                StatusCode::OK,
                Json(json!({ "status": word, "reason": reason, "delivery_id": id })),
            )
                .into_response())
        }
        PluginOutcome::Rejected {
            status,
            code,
            message,
        } => {
            state
                .store
                .update_failed_delivery(id, code, message, &run.log)
                .await
                .map_err(replay_conflict)?;
            settled(&state, &webhook, id, DeliveryStatus::Failed).await;
            Ok(error_response(*status, code, message, Some(id)))
        }
        PluginOutcome::Failed { code, message } => {
            state
                .store
                .update_failed_delivery(id, code, message, &run.log)
                .await
                .map_err(replay_conflict)?;
            settled(&state, &webhook, id, DeliveryStatus::Failed).await;
            Ok(error_response(500, code, message, Some(id)))
        }
    }
}

/// Tells the webhook's managers live that a replay changed a delivery.
async fn settled(state: &AppState, webhook: &Webhook, id: Uuid, status: DeliveryStatus) {
    super::studio::delivery_recorded(state, webhook.community_id, webhook.id, id, status).await;
}

/// A replay's store write found the delivery no longer failed: a concurrent replay settled
/// it first, and only that one's answer says what happened.
fn replay_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict { .. } => ApiError::Conflict {
            field: Some("status".into()),
            message: "the delivery was already replayed".into(),
        },
        other => other.into(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DryRunBody {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    headers: Option<Value>,
    body: Option<String>,
    body_base64: Option<String>,
    /// Overrides the webhook's plugin configuration.
    config: Option<Value>,
    /// Tries another plugin of the community instead of the attached one.
    plugin_id: Option<Uuid>,
}

/// `POST /api/webhooks/{id}/dry-run`: the outcome of the plugin on a sample request, each
/// message as it would be stored (validated, mentions resolved), the log, time and peak memory.
/// Stores nothing.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/dry-run",
    tag = "deliveries",
    params(("id" = Uuid, Path, description = "The webhook id")),
    request_body = DryRunBody,
    responses((status = 200, description = "what the plugin would post, without posting (`messages`, each with `content_html` as the chat renders it and its `mentions`; `log`, `duration_us`, `peak_memory_bytes`, `error`)", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: the webhook has no plugin attached", body = doc::ErrorBody))
)]
async fn post_dry_run(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DryRunBody>,
) -> Result<Json<Value>, ApiError> {
    let webhook = managed_webhook(&state, id, user.id).await?;
    let sha = match body.plugin_id {
        Some(plugin_id) => {
            attachable_plugin(&state, plugin_id, webhook.community_id).await?;
            plugin_sha(&state, plugin_id).await?
        }
        None => current_plugin(&state, &webhook).await?,
    };
    let bytes = request_bytes(body.body, body.body_base64)?;
    let headers = parse_headers(body.headers)?;
    let config = match body.config {
        Some(c) if !c.is_object() => {
            return Err(ApiError::invalid("config", "config must be a JSON object"));
        }
        // A configuration tried here is checked as setting it would be.
        Some(c) => {
            let config = c.to_string();
            super::webhooks::check_config_as(&state, sha, &config, "config").await?;
            config
        }
        None => webhook.target(None).plugin_config,
    };
    let raw = RawRequest {
        method: body
            .method
            .unwrap_or_else(|| "POST".into())
            .to_ascii_uppercase(),
        path: body.path.unwrap_or_default(),
        query: body.query.unwrap_or_default(),
        headers,
        body: bytes,
    };
    let target = webhook.target(Some(sha));
    let run = plugin::run(
        &state.plugins,
        &state.store,
        sha,
        &config,
        &webhook.name,
        raw,
    )
    .await;
    let mut result = json!({
        "log": run.log,
        "duration_us": run.duration_us,
        "peak_memory_bytes": run.peak_memory,
    });
    match run.outcome {
        PluginOutcome::Messages(messages) => {
            let mut out = Vec::with_capacity(messages.len());
            for m in messages {
                let mentions = state.store.preview_mentions(&target, &m.content).await?;
                out.push(json!({
                    "content": m.content,
                    "display_name": m.username.clone().unwrap_or_else(|| webhook.username.clone()),
                    "avatar_url": m.avatar_url.clone().or_else(|| webhook.avatar_url.clone()),
                    "content_html": crate::markdown::render(&m.content, &mentions),
                    "mentions": mentions,
                }));
            }
            result["outcome"] = "messages".into();
            result["messages"] = out.into();
        }
        PluginOutcome::Skipped(reason) => {
            result["outcome"] = "skipped".into();
            result["reason"] = reason.into();
        }
        PluginOutcome::Ignored(reason) => {
            result["outcome"] = "ignored".into();
            result["reason"] = reason.into();
        }
        PluginOutcome::Rejected {
            status,
            code,
            message,
        } => {
            result["outcome"] = "rejected".into();
            result["error"] = json!({ "status": status, "code": code, "message": message });
        }
        PluginOutcome::Failed { code, message } => {
            result["outcome"] = "failed".into();
            result["error"] = json!({ "status": 500, "code": code, "message": message });
        }
    }
    Ok(Json(result))
}

/// A sample request's body from `body` (text) or `body_base64`; empty when neither is given.
pub(super) fn request_bytes(
    text: Option<String>,
    base64: Option<String>,
) -> Result<Vec<u8>, ApiError> {
    match (text, base64) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "body_base64",
            "give either body or body_base64, not both",
        )),
        (Some(text), None) => Ok(text.into_bytes()),
        (None, Some(b64)) => BASE64
            .decode(b64.trim())
            .map_err(|_| ApiError::invalid("body_base64", "body_base64 must be base64")),
        (None, None) => Ok(Vec::new()),
    }
}

/// Headers as an object `{name: value}` or a list of `[name, value]` pairs; names lower-cased.
pub(super) fn parse_headers(value: Option<Value>) -> Result<Vec<(String, String)>, ApiError> {
    let bad = || {
        ApiError::invalid(
            "headers",
            "headers must be an object of strings or a list of [name, value] pairs",
        )
    };
    let pairs: Vec<(String, String)> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(kv) if kv.len() == 2 => match (&kv[0], &kv[1]) {
                    (Value::String(k), Value::String(v)) => Ok((k.clone(), v.clone())),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad()),
    };
    Ok(pairs
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect())
}
