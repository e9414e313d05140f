//! Managing one webhook: read, edit, enable/disable, regenerate its token, delete, test.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use uuid::Uuid;

use super::communities::require_manager;
use super::extract::{ApiJson, ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::plugins::attachable_plugin;
use super::{ApiError, AppState};
use crate::ingest::plugin::{self, ConfigRefusal};
use crate::ingest::tokens::{TOKEN_LEN, hash_token};
use crate::ingest::validate::{self, FieldNames};
use crate::secrets;
use crate::store::{StoreError, Webhook, WebhookPatch};

/// Webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/webhooks/{id}",
            get(get_webhook).patch(patch_webhook).delete(delete_webhook),
        )
        .route("/api/webhooks/{id}/regenerate", post(post_regenerate))
        .route("/api/webhooks/{id}/test", post(post_test))
}

/// Default display name of webhook messages.
pub const DEFAULT_USERNAME: &str = "Webhook";

/// Body of webhook creation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    name: String,
    description: Option<String>,
    username: Option<String>,
    avatar_url: Option<String>,
}

/// Validated creation settings.
pub struct ValidSettings {
    pub name: String,
    pub description: Option<String>,
    pub username: String,
    pub avatar_url: Option<String>,
}

impl WebhookSettings {
    /// Applies the creation rules and defaults.
    pub fn validate_new(self) -> Result<ValidSettings, ApiError> {
        validate_name(&self.name)?;
        if let Some(d) = &self.description {
            validate_description(d)?;
        }
        let username = self.username.unwrap_or_else(|| DEFAULT_USERNAME.to_owned());
        validate::display_name("username", &username)?;
        if let Some(url) = &self.avatar_url {
            validate::http_url("avatar_url", url)?;
        }
        Ok(ValidSettings {
            name: self.name,
            description: self.description,
            username,
            avatar_url: self.avatar_url,
        })
    }
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len == 0 || len > 64 || name.trim().is_empty() {
        return Err(ApiError::invalid(
            "name",
            "name must be 1-64 characters long, not blank",
        ));
    }
    Ok(())
}

fn validate_description(description: &str) -> Result<(), ApiError> {
    if description.chars().count() > 500 {
        return Err(ApiError::invalid(
            "description",
            "description must be at most 500 characters long",
        ));
    }
    Ok(())
}

/// A webhook with its freshly issued token and one URL per dialect and foreign format (the
/// token's only showing).
pub fn webhook_with_token(state: &AppState, webhook: &Webhook, token: &str) -> Value {
    let base = &state.public_url;
    let mut value = serde_json::to_value(webhook).unwrap_or_default();
    value["token"] = token.into();
    value["url"] = format!("{base}/api/webhooks/execute/{token}").into();
    value["urls"] = json!({
        "chatalot": format!("{base}/api/webhooks/execute/{token}"),
        "bitolink": format!("{base}/api/v1/hooks/{token}"),
        "chattr": format!("{base}/webhooks/{}/{token}", webhook.id),
        "slack": format!("{base}/api/slack/{token}"),
        "mattermost": format!("{base}/hooks/{token}"),
        "rocketchat": format!("{base}/hooks/{}/{token}", webhook.id.simple()),
        "teams": format!("{base}/api/teams/{token}"),
        "discord": format!("{base}/api/webhooks/{}/{token}", webhook.id),
    });
    value
}

/// Loads a webhook the caller manages: 404 for outsiders, 403 for plain members.
pub(crate) async fn managed_webhook(
    state: &AppState,
    id: Uuid,
    user_id: Uuid,
) -> Result<Webhook, ApiError> {
    let webhook = match state.store.webhook(id).await {
        Err(StoreError::NotFound) => return Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        other => other?,
    };
    require_manager(&state.store, webhook.community_id, user_id).await?;
    Ok(webhook)
}

/// `GET /api/webhooks/{id}`: the webhook, and for one with a plugin its fair share of the
/// sandbox on this node (`plugin_share`: CPU budget left, instances, breaker, refusals).
#[utoipa::path(
    get,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook id")),
    responses((status = 200, description = "the webhook", body = doc::WebhookDetail), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let webhook = managed_webhook(&state, id, user.id).await?;
    let mut value = serde_json::to_value(&webhook).map_err(|e| ApiError::Internal(e.into()))?;
    if webhook.plugin_id.is_some() {
        let share = state
            .ingest
            .fair_share()
            .state(webhook.id, std::time::Instant::now());
        value["plugin_share"] =
            serde_json::to_value(share).map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(Json(value))
}

/// Deserializes a present field (even `null`) as `Some`, so `null` can clear a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookPatchBody)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    username: Option<String>,
    #[serde(default, deserialize_with = "present")]
    avatar_url: Option<Option<String>>,
    active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    plugin_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    plugin_config: Option<Option<Value>>,
}

/// `PATCH /api/webhooks/{id}` {name, description, username, avatar_url (null removes), active,
/// plugin_id (null detaches), plugin_config (a JSON object; null clears)}. A configuration that
/// is set, or a plugin attached while one is set, is first checked by the plugin (when it exports
/// `validate-config`).
#[utoipa::path(
    patch,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook id")),
    request_body = PatchBody,
    responses((status = 200, description = "the webhook, updated", body = Webhook), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 422, description = "validation_failed: a field broke a rule; a configuration the plugin refuses names its key (`plugin_config.colour`)", body = doc::ErrorBody))
)]
async fn patch_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<Webhook>, ApiError> {
    let webhook = managed_webhook(&state, id, user.id).await?;
    if let Some(Some(plugin_id)) = body.plugin_id {
        attachable_plugin(&state, plugin_id, webhook.community_id).await?;
    }
    if let Some(Some(config)) = &body.plugin_config
        && !config.is_object()
    {
        return Err(ApiError::invalid(
            "plugin_config",
            "plugin_config must be a JSON object",
        ));
    }
    if let Some(name) = &body.name {
        validate_name(name)?;
    }
    if let Some(Some(d)) = &body.description {
        validate_description(d)?;
    }
    if let Some(u) = &body.username {
        validate::display_name("username", u)?;
    }
    if let Some(Some(url)) = &body.avatar_url {
        validate::http_url("avatar_url", url)?;
    }
    // The configuration in effect after this change, checked by its plugin when either changes:
    // a typo is refused now rather than failing the next delivery.
    let plugin_id = body.plugin_id.unwrap_or(webhook.plugin_id);
    let config = match &body.plugin_config {
        Some(config) => config.as_ref().map(Value::to_string),
        None => webhook.plugin_config.clone(),
    };
    if (body.plugin_id.is_some() || body.plugin_config.is_some())
        && let (Some(plugin_id), Some(config)) = (plugin_id, config)
    {
        check_plugin_config(&state, plugin_id, &config).await?;
    }
    let patch = WebhookPatch {
        name: body.name,
        description: body.description,
        username: body.username,
        avatar_url: body.avatar_url,
        active: body.active,
        plugin_id: body.plugin_id,
        plugin_config: body.plugin_config.map(|c| c.map(|v| v.to_string())),
    };
    let updated = state.store.update_webhook(id, patch).await?;
    Ok(Json(updated))
}

/// Asks the plugin whether it accepts `config`: 422 naming `plugin_config.<key>` when it refuses
/// it, or `plugin_config` when the check itself failed (a trap, a limit); plugins of contract
/// 0.1.0 accept every configuration.
async fn check_plugin_config(
    state: &AppState,
    plugin_id: Uuid,
    config: &str,
) -> Result<(), ApiError> {
    let plugin = state.store.plugin(plugin_id).await?;
    let mut sha256 = [0u8; 32];
    hex::decode_to_slice(&plugin.sha256, &mut sha256).map_err(|e| ApiError::Internal(e.into()))?;
    check_config_as(state, sha256, config, "plugin_config").await
}

/// Asks the plugin with this SHA-256 whether it accepts `config`, the request field `root`
/// (`plugin_config`, or a dry run's `config`): 422 naming `root.<key>` when it refuses it, or
/// `root` when the check itself failed.
pub(super) async fn check_config_as(
    state: &AppState,
    sha256: [u8; 32],
    config: &str,
    root: &str,
) -> Result<(), ApiError> {
    match plugin::check_config(&state.plugins, &state.store, sha256, config).await {
        Ok(()) => Ok(()),
        Err(ConfigRefusal::Invalid { path, message }) => {
            let field = plugin::config_field(root, &path);
            Err(ApiError::invalid(&field, format!("{field}: {message}")))
        }
        Err(ConfigRefusal::Failed(crate::runtime::RuntimeError::Internal(e))) => {
            Err(ApiError::Internal(e))
        }
        Err(ConfigRefusal::Failed(err)) => Err(ApiError::invalid(
            root,
            format!("the plugin failed while checking {root}: {err}"),
        )),
    }
}

/// `DELETE /api/webhooks/{id}`: its URL answers 404 at once.
#[utoipa::path(
    delete,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook id")),
    responses((status = 204, description = "deleted"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn delete_webhook(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    managed_webhook(&state, id, user.id).await?;
    state.store.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/webhooks/{id}/regenerate`: a new token, shown once; the old one answers 404 at once.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/regenerate",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook id")),
    responses((status = 200, description = "the webhook with its new token; the old one stops working", body = doc::WebhookWithToken), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_regenerate(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    managed_webhook(&state, id, user.id).await?;
    let token = secrets::random_token(TOKEN_LEN);
    state
        .store
        .set_webhook_token(id, hash_token(&token))
        .await?;
    let webhook = state.store.webhook(id).await?;
    Ok(Json(webhook_with_token(&state, &webhook, &token)))
}

/// `POST /api/webhooks/{id}/test`: posts "Test message from webhook <name>" through the pipeline.
#[utoipa::path(
    post,
    path = "/api/webhooks/{id}/test",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook id")),
    responses((status = 201, description = "the test message was posted", body = doc::TestPosted), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: the webhook is disabled", body = doc::ErrorBody), (status = 429, description = "rate_limited: the webhook's rate limit; see `Retry-After`", body = doc::ErrorBody))
)]
async fn post_test(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let webhook = managed_webhook(&state, id, user.id).await?;
    if !webhook.active {
        return Err(ApiError::Conflict {
            field: Some("active".into()),
            message: "the webhook is disabled; enable it before sending a test message".into(),
        });
    }
    state
        .ingest
        .check_rate(webhook.id)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let target = webhook.target(None);
    let names = FieldNames {
        content: "content",
        username: "username",
        avatar_url: "avatar_url",
    };
    let message = validate::message(
        names,
        format!("Test message from webhook {}", webhook.name),
        None,
        None,
    )?;
    let stored = state.ingest.post(&target, &[message]).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "status": "ok", "message": stored.into_iter().next() })),
    ))
}
