//! Communities, their members and channels, and the permission checks built on roles.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::store::{Channel, Community, Role, Store};

/// Community routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/communities",
            get(get_communities).post(post_community),
        )
        .route("/api/communities/{id}/members", post(post_member))
        .route(
            "/api/communities/{id}/channels",
            get(get_channels).post(post_channel),
        )
}

/// The message of every 404 of the management API: a resource the caller may not see and one
/// that does not exist answer the same body, so outsiders cannot learn what exists.
pub(crate) const NOT_FOUND: &str = "not found";

/// The caller's role in a community: 404 when not a member (the community stays invisible).
pub async fn require_member(
    store: &Store,
    community_id: Uuid,
    user_id: Uuid,
) -> Result<Role, ApiError> {
    store
        .role_in(community_id, user_id)
        .await?
        .ok_or(ApiError::NotFound(NOT_FOUND))
}

/// Owner or admin of the community: 404 for outsiders, 403 for plain members.
pub async fn require_manager(
    store: &Store,
    community_id: Uuid,
    user_id: Uuid,
) -> Result<Role, ApiError> {
    let role = require_member(store, community_id, user_id).await?;
    if !role.can_manage() {
        return Err(ApiError::Forbidden(
            "only community owners and admins can do this".into(),
        ));
    }
    Ok(role)
}

/// Names of communities and channels: 1-64 characters, not blank.
fn validate_name(field: &str, name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len == 0 || len > 64 || name.trim().is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be 1-64 characters long, not blank"),
        ));
    }
    Ok(())
}

/// `GET /api/communities`: the caller's communities with their role.
#[utoipa::path(
    get,
    path = "/api/communities",
    tag = "communities",
    responses((status = 200, description = "the caller's communities", body = doc::CommunityList))
)]
async fn get_communities(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "communities": state.store.communities_of(user.id).await? }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NameBody {
    name: String,
}

/// `POST /api/communities` {name}: the caller becomes its owner. Instance administrators only,
/// unless `--allow-community-creation` opens it to every user.
#[utoipa::path(
    post,
    path = "/api/communities",
    tag = "communities",
    request_body = NameBody,
    responses((status = 201, description = "the new community, owned by the caller", body = Community), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn post_community(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<NameBody>,
) -> Result<(StatusCode, Json<Community>), ApiError> {
    if !state.allow_community_creation && !state.store.is_instance_admin(user.id).await? {
        return Err(ApiError::Forbidden(
            "only instance administrators can create communities on this server".into(),
        ));
    }
    validate_name("name", &body.name)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_community(&body.name, user.id).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MemberBody {
    user_id: Uuid,
    role: Role,
}

/// `POST /api/communities/{id}/members` {user_id, role}: add a member or change a role.
/// Only owners grant or take away ownership. A user can be added by an instance administrator,
/// or by a manager who already shares a community with them; any other id, existing or not,
/// gets the same 422, so ids cannot be probed. Demoting the last owner gets 422 on `role`.
#[utoipa::path(
    post,
    path = "/api/communities/{id}/members",
    tag = "communities",
    params(("id" = Uuid, Path, description = "The community id")),
    request_body = MemberBody,
    responses((status = 200, description = "the role was changed", body = doc::Membership), (status = 201, description = "the member was added", body = doc::Membership), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_member(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let caller_role = require_manager(&state.store, community_id, caller.id).await?;
    let current = state.store.role_in(community_id, body.user_id).await?;
    if caller_role != Role::Owner && (body.role == Role::Owner || current == Some(Role::Owner)) {
        return Err(ApiError::Forbidden(
            "only owners can grant or change the owner role".into(),
        ));
    }
    let reachable = current.is_some()
        || state.store.is_instance_admin(caller.id).await?
        || state
            .store
            .share_a_community(caller.id, body.user_id)
            .await?;
    if !reachable {
        return Err(ApiError::invalid(
            "user_id",
            "user_id does not name a user you can add (a user of one of your communities)",
        ));
    }
    state
        .store
        .set_community_member(community_id, body.user_id, body.role)
        .await?;
    let status = if current.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({ "community_id": community_id, "user_id": body.user_id, "role": body.role })),
    ))
}

/// `GET /api/communities/{id}/channels` (members).
#[utoipa::path(
    get,
    path = "/api/communities/{id}/channels",
    tag = "communities",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the community's channels", body = doc::ChannelList))
)]
async fn get_channels(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_member(&state.store, community_id, user.id).await?;
    Ok(Json(
        json!({ "channels": state.store.channels_of(community_id).await? }),
    ))
}

/// `POST /api/communities/{id}/channels` {name} (owners and admins; the creator joins it).
#[utoipa::path(
    post,
    path = "/api/communities/{id}/channels",
    tag = "communities",
    params(("id" = Uuid, Path, description = "The community id")),
    request_body = NameBody,
    responses((status = 201, description = "the new channel", body = Channel), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn post_channel(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NameBody>,
) -> Result<(StatusCode, Json<Channel>), ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    validate_name("name", &body.name)?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_channel(community_id, &body.name, user.id)
                .await?,
        ),
    ))
}
