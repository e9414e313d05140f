//! Outgoing webhooks of a community (#7): management (owners and admins; plain members get
//! 403, outsiders 404), the "test" action, the delivery log with manual retry, the event list,
//! and the caller's notices. The IM integration for direct messages is in `im`.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use uuid::Uuid;

use super::communities::require_manager;
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::outgoing::events::ALL_EVENTS;
use crate::outgoing::send::Verdict;
use crate::outgoing::targets::generic;
use crate::outgoing::{EventKind, Target};
use crate::store::{OutgoingDelivery, OutgoingSettings, OutgoingWebhook, StoreError};

/// Outgoing webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/outgoing-webhooks/events", get(get_events))
        .route(
            "/api/communities/{id}/outgoing-webhooks",
            get(get_outgoing_webhooks).post(post_outgoing_webhook),
        )
        .route(
            "/api/communities/{id}/outgoing-webhooks/{hook}",
            get(get_outgoing_webhook)
                .patch(patch_outgoing_webhook)
                .delete(delete_outgoing_webhook),
        )
        .route(
            "/api/communities/{id}/outgoing-webhooks/{hook}/test",
            post(post_test),
        )
        .route(
            "/api/communities/{id}/outgoing-webhooks/{hook}/deliveries",
            get(get_deliveries),
        )
        .route(
            "/api/communities/{id}/outgoing-webhooks/{hook}/deliveries/{delivery}/retry",
            post(post_retry),
        )
        .route("/api/notices", get(get_notices))
}

/// `GET /api/outgoing-webhooks/events`: the events outgoing webhooks can send.
#[utoipa::path(
    get,
    path = "/api/outgoing-webhooks/events",
    tag = "outgoing webhooks",
    responses((status = 200, description = "the events outgoing webhooks can send", body = doc::EventList))
)]
async fn get_events(AuthUser(_): AuthUser) -> Json<Value> {
    let events: Vec<Value> = ALL_EVENTS
        .iter()
        .map(|k| json!({"name": k.as_str(), "description": k.description()}))
        .collect();
    Json(json!({ "events": events }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = OutgoingWebhookCreate)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    target: Target,
    url: String,
    events: Vec<String>,
    channel_id: Option<Uuid>,
    #[serde(default)]
    only_webhook_messages: bool,
    #[serde(default)]
    only_mentions: bool,
    #[serde(default)]
    direct_messages: bool,
    secret: Option<String>,
    enabled: Option<bool>,
}

/// Deserializes a present field (even `null`) as `Some`, so `null` can clear a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = OutgoingWebhookPatch)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    url: Option<String>,
    events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    channel_id: Option<Option<Uuid>>,
    only_webhook_messages: Option<bool>,
    only_mentions: Option<bool>,
    direct_messages: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    secret: Option<Option<String>>,
    enabled: Option<bool>,
}

/// Checks settings against every rule; nothing is stored unless all pass.
async fn validate(
    state: &AppState,
    community_id: Uuid,
    s: &OutgoingSettings,
) -> Result<(), ApiError> {
    let len = s.name.chars().count();
    if len == 0 || len > 64 || s.name.trim().is_empty() {
        return Err(ApiError::invalid(
            "name",
            "name must be 1-64 characters long, not blank",
        ));
    }
    if s.url.len() > 2048 {
        return Err(ApiError::invalid(
            "url",
            "url must be at most 2048 characters long",
        ));
    }
    let url = url::Url::parse(&s.url)
        .map_err(|_| ApiError::invalid("url", "url must be an absolute http(s) URL"))?;
    state
        .outgoing
        .policy
        .check_url(&url)
        .map_err(|e| ApiError::invalid("url", format!("url: {e}")))?;
    if s.events.is_empty() {
        return Err(ApiError::invalid(
            "events",
            "events must name at least one event (see GET /api/outgoing-webhooks/events)",
        ));
    }
    let mut seen = HashSet::new();
    for event in &s.events {
        if EventKind::parse(event).is_none() {
            return Err(ApiError::invalid(
                "events",
                format!("events: unknown event `{event}` (see GET /api/outgoing-webhooks/events)"),
            ));
        }
        if !seen.insert(event) {
            return Err(ApiError::invalid(
                "events",
                format!("events: `{event}` is listed twice"),
            ));
        }
    }
    if let Some(channel_id) = s.channel_id {
        let belongs = match state.store.channel(channel_id).await {
            Ok(c) => c.community_id == community_id,
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !belongs {
            return Err(ApiError::invalid(
                "channel_id",
                "channel_id does not name a channel of this community",
            ));
        }
    }
    match (&s.secret, s.target) {
        (Some(_), t) if !t.supports_secret() => {
            return Err(ApiError::invalid(
                "secret",
                "secret: only dingtalk, feishu and generic targets sign requests; remove secret",
            ));
        }
        (Some(secret), Target::Generic) if generic::secret_key(secret).is_none() => {
            return Err(ApiError::invalid(
                "secret",
                "secret must be whsec_ followed by the Base64 of 24-64 random bytes (or leave it out to get one)",
            ));
        }
        (Some(secret), _) if secret.trim().is_empty() || secret.len() > 256 => {
            return Err(ApiError::invalid(
                "secret",
                "secret must be 1-256 characters long, not blank",
            ));
        }
        (None, Target::Generic) => {
            return Err(ApiError::invalid(
                "secret",
                "generic targets are always signed; give a whsec_ secret or leave it out to get one",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Loads an outgoing webhook of the community the caller manages.
async fn managed(
    state: &AppState,
    community_id: Uuid,
    hook_id: Uuid,
    user_id: Uuid,
) -> Result<OutgoingWebhook, ApiError> {
    require_manager(&state.store, community_id, user_id).await?;
    match state.store.outgoing_webhook(hook_id).await {
        Ok(hook) if hook.community_id == community_id => Ok(hook),
        Ok(_) | Err(StoreError::NotFound) => Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/communities/{id}/outgoing-webhooks`.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/outgoing-webhooks",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the community's outgoing webhooks", body = doc::OutgoingWebhookList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_outgoing_webhooks(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    let hooks = state.store.outgoing_webhooks_of(community_id).await?;
    Ok(Json(json!({ "outgoing_webhooks": hooks })))
}

/// `POST /api/communities/{id}/outgoing-webhooks`: 201; a generated `generic` secret is shown
/// in this response only.
#[utoipa::path(
    post,
    path = "/api/communities/{id}/outgoing-webhooks",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    request_body = CreateBody,
    responses((status = 201, description = "the new outgoing webhook with its signing secret (shown once)", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn post_outgoing_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    let generated =
        (body.target == Target::Generic && body.secret.is_none()).then(generic::new_secret);
    let settings = OutgoingSettings {
        name: body.name,
        target: body.target,
        url: body.url,
        secret: body.secret.or_else(|| generated.clone()),
        events: body.events,
        channel_id: body.channel_id,
        only_webhook_messages: body.only_webhook_messages,
        only_mentions: body.only_mentions,
        direct_messages: body.direct_messages,
        enabled: body.enabled.unwrap_or(true),
    };
    validate(&state, community_id, &settings).await?;
    let hook = state
        .store
        .create_outgoing_webhook(community_id, user.id, &settings)
        .await?;
    let mut value = serde_json::to_value(&hook).unwrap_or_default();
    if let Some(secret) = generated {
        value["secret"] = secret.into();
    }
    Ok((StatusCode::CREATED, Json(value)))
}

/// `GET /api/communities/{id}/outgoing-webhooks/{hook}`.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id")),
    responses((status = 200, description = "the outgoing webhook", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_outgoing_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<OutgoingWebhook>, ApiError> {
    Ok(Json(managed(&state, community_id, hook_id, user.id).await?))
}

/// `PATCH /api/communities/{id}/outgoing-webhooks/{hook}`: any setting except the target;
/// `"enabled": true` re-enables an automatically disabled webhook and resumes its deliveries.
#[utoipa::path(
    patch,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id")),
    request_body = PatchBody,
    responses((status = 200, description = "the outgoing webhook, updated", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn patch_outgoing_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<OutgoingWebhook>, ApiError> {
    let hook = managed(&state, community_id, hook_id, user.id).await?;
    let mut s = OutgoingSettings::from(&hook);
    if let Some(v) = body.name {
        s.name = v;
    }
    if let Some(v) = body.url {
        s.url = v;
    }
    if let Some(v) = body.events {
        s.events = v;
    }
    if let Some(v) = body.channel_id {
        s.channel_id = v;
    }
    if let Some(v) = body.only_webhook_messages {
        s.only_webhook_messages = v;
    }
    if let Some(v) = body.only_mentions {
        s.only_mentions = v;
    }
    if let Some(v) = body.direct_messages {
        s.direct_messages = v;
    }
    if let Some(v) = body.secret {
        s.secret = v;
    }
    if let Some(v) = body.enabled {
        s.enabled = v;
    }
    validate(&state, community_id, &s).await?;
    Ok(Json(
        state.store.update_outgoing_webhook(hook_id, &s).await?,
    ))
}

/// `DELETE /api/communities/{id}/outgoing-webhooks/{hook}`: pending deliveries are dropped.
#[utoipa::path(
    delete,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id")),
    responses((status = 204, description = "deleted"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn delete_outgoing_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    managed(&state, community_id, hook_id, user.id).await?;
    state.store.delete_outgoing_webhook(hook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/communities/{id}/outgoing-webhooks/{hook}/test`: sends a sample event now and
/// reports the target's answer (`delivered`, `status`, `latency_ms`, `error`).
#[utoipa::path(
    post,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}/test",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id")),
    responses((status = 200, description = "the target's answer to a sample event (`delivered`, `status`, `latency_ms`, `error`)", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_test(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Value>, ApiError> {
    let hook = managed(&state, community_id, hook_id, user.id).await?;
    let attempt = state.outgoing.send_test(&hook).await;
    Ok(Json(json!({
        "delivered": attempt.verdict == Verdict::Delivered,
        "status": attempt.status,
        "latency_ms": attempt.latency.as_millis() as u64,
        "error": attempt.error,
    })))
}

pub(super) fn delivery_json(d: &OutgoingDelivery) -> Value {
    let mut value = serde_json::to_value(d).unwrap_or_default();
    value["next_attempt_at"] = json!(d.next_attempt_at());
    value
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    status: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/communities/{id}/outgoing-webhooks/{hook}/deliveries?status=&limit=`: the
/// delivery log, newest first (status, response code, latency, attempts, last error).
#[utoipa::path(
    get,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}/deliveries",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id"), ("status" = Option<String>, Query, description = "`pending`, `succeeded` or `failed`"), ("limit" = Option<u32>, Query, description = "1-200, default 50")),
    responses((status = 200, description = "the delivery log, newest first", body = doc::DeliveryList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_deliveries(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id)): ApiPath<(Uuid, Uuid)>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Json<Value>, ApiError> {
    managed(&state, community_id, hook_id, user.id).await?;
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "pending" | "succeeded" | "failed")
    {
        return Err(ApiError::BadRequest {
            code: "bad_request",
            message: "status must be pending, succeeded or failed".into(),
        });
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let deliveries = state
        .store
        .outgoing_deliveries_of(hook_id, query.status.as_deref(), limit)
        .await?;
    let deliveries: Vec<Value> = deliveries.iter().map(delivery_json).collect();
    Ok(Json(json!({ "deliveries": deliveries })))
}

/// `POST .../deliveries/{delivery}/retry`: a finished delivery is sent again with a fresh set
/// of attempts (202).
#[utoipa::path(
    post,
    path = "/api/communities/{id}/outgoing-webhooks/{hook}/deliveries/{delivery}/retry",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id"), ("hook" = Uuid, Path, description = "The outgoing webhook id"), ("delivery" = Uuid, Path, description = "The delivery id")),
    responses((status = 202, description = "the delivery will be sent again", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: the webhook is disabled or the delivery still pending", body = doc::ErrorBody))
)]
async fn post_retry(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((community_id, hook_id, delivery_id)): ApiPath<(Uuid, Uuid, Uuid)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let hook = managed(&state, community_id, hook_id, user.id).await?;
    match state.store.outgoing_delivery(delivery_id).await {
        Ok(d) if d.outgoing_webhook_id == Some(hook_id) => {}
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(ApiError::NotFound(super::communities::NOT_FOUND));
        }
        Err(e) => return Err(e.into()),
    }
    if !hook.enabled {
        return Err(ApiError::Conflict {
            field: Some("enabled".into()),
            message: "the outgoing webhook is disabled; enable it before retrying".into(),
        });
    }
    match state.store.retry_outgoing_delivery(delivery_id).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(ApiError::Conflict {
                field: Some("status".into()),
                message: "the delivery is still pending".into(),
            });
        }
        other => other?,
    }
    let delivery = state.store.outgoing_delivery(delivery_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_json(&delivery))))
}

/// `GET /api/notices`: the caller's notices (e.g. an outgoing webhook was disabled), newest
/// first.
#[utoipa::path(
    get,
    path = "/api/notices",
    tag = "users",
    responses((status = 200, description = "the caller's notices, newest first", body = doc::NoticeList))
)]
async fn get_notices(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "notices": state.store.notices_of(user.id, 100).await? }),
    ))
}
