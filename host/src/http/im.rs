//! A community's IM integration (owners and admins): the provider and credentials through
//! which the users an outgoing event names get a direct message, and the direct-message log.
//! Credentials are shown without their secrets.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::communities::require_manager;
use super::extract::{ApiJson, ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::outgoing::delivery_json;
use super::{ApiError, AppState};
use crate::outgoing::im::{Credentials, ImProvider};
use crate::store::{ImIntegration, StoreError};

/// IM integration routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/communities/{id}/im-integration",
            get(get_im_integration)
                .put(put_im_integration)
                .delete(delete_im_integration),
        )
        .route(
            "/api/communities/{id}/im-integration/deliveries",
            get(get_direct_messages),
        )
}

fn integration_json(i: &ImIntegration) -> Value {
    let settings: Value = serde_json::from_str(&i.settings).unwrap_or(Value::Null);
    let credentials = Credentials::parse(i.provider, settings)
        .map(|c| c.public())
        .unwrap_or(Value::Null);
    json!({
        "community_id": i.community_id,
        "provider": i.provider,
        "base_url": i.base_url,
        "credentials": credentials,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ImBody {
    provider: ImProvider,
    base_url: Option<String>,
    credentials: Value,
}

/// `GET /api/communities/{id}/im-integration`: provider, base URL and credentials without
/// their secrets; 404 when none is set.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/im-integration",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the IM integration without its secrets", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_im_integration(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    let integration = state
        .store
        .im_integration(community_id)
        .await?
        .ok_or(ApiError::NotFound("no IM integration"))?;
    Ok(Json(integration_json(&integration)))
}

/// `PUT /api/communities/{id}/im-integration` {provider, base_url, credentials}.
#[utoipa::path(
    put,
    path = "/api/communities/{id}/im-integration",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    request_body = ImBody,
    responses((status = 200, description = "the IM integration without its secrets", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn put_im_integration(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ImBody>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    if let Some(base) = &body.base_url {
        let url = url::Url::parse(base).map_err(|_| {
            ApiError::invalid("base_url", "base_url must be an absolute http(s) URL")
        })?;
        state
            .outgoing
            .policy
            .check_url(&url)
            .map_err(|e| ApiError::invalid("base_url", format!("base_url: {e}")))?;
    }
    let credentials = Credentials::parse(body.provider, body.credentials)
        .map_err(|e| ApiError::invalid(&e.field, e.message))?;
    let integration = state
        .store
        .set_im_integration(
            community_id,
            body.provider,
            &credentials.to_json(),
            body.base_url.as_deref().map(|b| b.trim_end_matches('/')),
        )
        .await?;
    Ok(Json(integration_json(&integration)))
}

/// `DELETE /api/communities/{id}/im-integration`.
#[utoipa::path(
    delete,
    path = "/api/communities/{id}/im-integration",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 204, description = "removed"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn delete_im_integration(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    match state.store.delete_im_integration(community_id).await {
        Err(StoreError::NotFound) => Err(ApiError::NotFound("no IM integration")),
        other => other.map(|()| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}

/// `GET /api/communities/{id}/im-integration/deliveries`: the direct-message log.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/im-integration/deliveries",
    tag = "outgoing webhooks",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the direct-message log", body = doc::DeliveryList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_direct_messages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    let deliveries = state
        .store
        .direct_message_deliveries(community_id, 100)
        .await?;
    let deliveries: Vec<Value> = deliveries.iter().map(delivery_json).collect();
    Ok(Json(json!({ "deliveries": deliveries })))
}
