//! Channel membership, channel messages, and creating/listing a channel's webhooks.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::communities::{require_manager, require_member};
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::openapi::schemas as doc;
use super::webhooks::{WebhookSettings, webhook_with_token};
use super::{ApiError, AppState};
use crate::ingest::tokens::{TOKEN_LEN, hash_token};
use crate::secrets;
use crate::store::{Channel, NewWebhook, Store, StoreError};

/// Channel routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/channels/{id}/members", post(post_channel_member))
        .route("/api/channels/{id}/messages", get(get_messages))
        .route(
            "/api/channels/{id}/webhooks",
            get(get_webhooks).post(post_webhook),
        )
}

/// Loads a channel the caller manages (404 for outsiders, 403 for plain members).
pub async fn managed_channel(
    store: &Store,
    channel_id: Uuid,
    user_id: Uuid,
) -> Result<Channel, ApiError> {
    let channel = visible_channel(store, channel_id).await?;
    require_manager(store, channel.community_id, user_id).await?;
    Ok(channel)
}

/// Loads a channel the caller may read: 404 for outsiders of its community, 403 for community
/// members who are not in the channel.
pub async fn readable_channel(
    store: &Store,
    channel_id: Uuid,
    user_id: Uuid,
) -> Result<Channel, ApiError> {
    let channel = visible_channel(store, channel_id).await?;
    require_member(store, channel.community_id, user_id).await?;
    if !store.is_channel_member(channel_id, user_id).await? {
        return Err(ApiError::Forbidden(
            "only members of the channel can read its messages".into(),
        ));
    }
    Ok(channel)
}

async fn visible_channel(store: &Store, channel_id: Uuid) -> Result<Channel, ApiError> {
    match store.channel(channel_id).await {
        Err(StoreError::NotFound) => Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        other => Ok(other?),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ChannelMemberBody {
    user_id: Uuid,
}

/// `POST /api/channels/{id}/members` {user_id}: the user must belong to the community.
#[utoipa::path(
    post,
    path = "/api/channels/{id}/members",
    tag = "channels",
    params(("id" = Uuid, Path, description = "The channel id")),
    request_body = ChannelMemberBody,
    responses((status = 201, description = "the member was added", body = doc::ChannelMembership), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_channel_member(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ChannelMemberBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let channel = managed_channel(&state.store, channel_id, caller.id).await?;
    if state
        .store
        .role_in(channel.community_id, body.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid(
            "user_id",
            "user_id must name a member of the channel's community",
        ));
    }
    state
        .store
        .add_channel_member(channel_id, body.user_id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "channel_id": channel_id, "user_id": body.user_id })),
    ))
}

#[derive(Deserialize)]
struct PageQuery {
    before: Option<Uuid>,
    limit: Option<u32>,
}

/// `GET /api/channels/{id}/messages?before=&limit=`: newest first, for channel members.
#[utoipa::path(
    get,
    path = "/api/channels/{id}/messages",
    tag = "channels",
    params(("id" = Uuid, Path, description = "The channel id"), ("before" = Option<Uuid>, Query, description = "Messages older than this message id"), ("limit" = Option<u32>, Query, description = "1-200, default 50")),
    responses((status = 200, description = "a page of messages, newest first", body = doc::MessagePage), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_messages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    readable_channel(&state.store, channel_id, user.id).await?;
    let limit = page.limit.unwrap_or(50).clamp(1, 200);
    let messages = state
        .store
        .channel_messages(channel_id, page.before, limit)
        .await?;
    let next_before = if messages.len() == limit as usize {
        messages.last().map(|m| m.id)
    } else {
        None
    };
    Ok(Json(
        json!({ "messages": messages, "next_before": next_before }),
    ))
}

/// `GET /api/channels/{id}/webhooks` (owners and admins): never includes tokens.
#[utoipa::path(
    get,
    path = "/api/channels/{id}/webhooks",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The channel id")),
    responses((status = 200, description = "the channel's webhooks", body = doc::WebhookList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_webhooks(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(channel_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    managed_channel(&state.store, channel_id, user.id).await?;
    Ok(Json(
        json!({ "webhooks": state.store.webhooks_of(channel_id).await? }),
    ))
}

/// `POST /api/channels/{id}/webhooks` {name, description, username, avatar_url}: 201 with the
/// token and URLs, shown this once.
#[utoipa::path(
    post,
    path = "/api/channels/{id}/webhooks",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The channel id")),
    request_body = WebhookSettings,
    responses((status = 201, description = "the new webhook with its token (shown once) and URLs", body = doc::WebhookWithToken), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WebhookSettings>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_channel(&state.store, channel_id, user.id).await?;
    let settings = body.validate_new()?;
    let token = secrets::random_token(TOKEN_LEN);
    let webhook = state
        .store
        .create_webhook(NewWebhook {
            channel_id,
            name: settings.name,
            description: settings.description,
            username: settings.username,
            avatar_url: settings.avatar_url,
            token_hash: hash_token(&token),
            created_by: user.id,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(webhook_with_token(&state, &webhook, &token)),
    ))
}
