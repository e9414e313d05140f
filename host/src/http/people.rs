//! The People page's read side: `GET /api/communities/{id}/members`, every member of a
//! community with role and channel memberships (owners and admins, who manage them).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use uuid::Uuid;

use super::communities::require_manager;
use super::extract::{ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};

/// People routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/communities/{id}/members", get(get_members))
}

/// `GET /api/communities/{id}/members`: 404 for outsiders, 403 for plain members.
#[utoipa::path(
    get,
    path = "/api/communities/{id}/members",
    tag = "communities",
    params(("id" = Uuid, Path, description = "The community id")),
    responses((status = 200, description = "the community's members", body = doc::MemberList), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn get_members(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(community_id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    require_manager(&state.store, community_id, user.id).await?;
    Ok(Json(
        json!({ "members": state.store.community_members(community_id).await? }),
    ))
}
