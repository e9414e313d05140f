//! Users: login, the current user, user creation, notifications.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::ingest::validate;
use crate::store::{NewUser, Role, Store, User};
use crate::{mentions, secrets};

/// User routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(post_login))
        .route("/api/me", get(get_me).patch(patch_me))
        .route("/api/users", post(post_user))
        .route("/api/notifications", get(get_notifications))
        .route("/api/notifications/{id}/read", post(post_notification_read))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LoginBody {
    login: String,
    password: String,
}

/// `POST /api/auth/login` {login (username or email), password} -> a new API token.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "session",
    request_body = LoginBody,
    responses((status = 200, description = "a new API token", body = doc::LoginAnswer), (status = 401, description = "unauthorized: invalid login or password", body = doc::ErrorBody)),
    security(())
)]
async fn post_login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<Value>, ApiError> {
    let user = verify_login(&state, &body.login, body.password).await?;
    let token = issue_api_token(&state.store, &user).await?;
    Ok(Json(json!({ "token": token, "user": user })))
}

/// The user with this login (username or email) and password; 401 otherwise, in the same time
/// whether or not the login exists.
pub(super) async fn verify_login(
    state: &AppState,
    login: &str,
    password: String,
) -> Result<User, ApiError> {
    let found = state.store.user_for_login(login).await?;
    let (user, ok) = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) => {
            let ok = secrets::verify_password(&password, &hash);
            (Some(user), ok)
        }
        None => {
            // Spend the same time as a real check, so response times do not reveal accounts.
            secrets::verify_password(&password, &DUMMY_HASH);
            (None, false)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    user.filter(|_| ok)
        .ok_or_else(|| ApiError::Unauthorized("invalid login or password".into()))
}

/// An Argon2id hash of a random password, checked when the login is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    secrets::hash_password(&secrets::random_token(32)).expect("hashing a random password")
});

/// Creates and stores a new API token for `user`, returning its only plaintext copy.
pub async fn issue_api_token(store: &Store, user: &User) -> Result<String, ApiError> {
    let token = secrets::random_token(secrets::API_TOKEN_LEN);
    store
        .insert_api_token(user.id, &secrets::api_token_hash(&token))
        .await?;
    Ok(token)
}

/// `GET /api/me`.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "users",
    responses((status = 200, description = "the caller", body = User))
)]
async fn get_me(AuthUser(user): AuthUser) -> Json<User> {
    Json(user)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MePatch {
    push_enabled: Option<bool>,
}

/// `PATCH /api/me` {push_enabled}.
#[utoipa::path(
    patch,
    path = "/api/me",
    tag = "users",
    request_body = MePatch,
    responses((status = 200, description = "the caller, updated", body = User))
)]
async fn patch_me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<MePatch>,
) -> Result<Json<User>, ApiError> {
    match body.push_enabled {
        Some(enabled) => Ok(Json(state.store.set_push_enabled(user.id, enabled).await?)),
        None => Ok(Json(user)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewUserBody {
    username: String,
    email: String,
    password: String,
    display_name: Option<String>,
    /// When given, the new user joins this community (which the caller must manage).
    community_id: Option<Uuid>,
    role: Option<Role>,
}

/// `POST /api/users`: an owner or admin of a community creates a user.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    request_body = NewUserBody,
    responses((status = 201, description = "the new user", body = User), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 404, description = "not_found: `community_id` names no community the caller can see", body = doc::ErrorBody), (status = 409, description = "conflict: a unique value is taken or the resource is in use (`field` names it)", body = doc::ErrorBody))
)]
async fn post_user(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    if let Some(community) = body.community_id {
        super::communities::require_manager(&state.store, community, caller.id).await?;
    } else if !state.store.manages_any_community(caller.id).await? {
        return Err(ApiError::Forbidden(
            "only community owners and admins can create users".into(),
        ));
    }
    if body.role == Some(Role::Owner) {
        return Err(ApiError::invalid(
            "role",
            "role of a new user must be admin or member",
        ));
    }
    validate_username(&body.username)?;
    if !mentions::is_email(&body.email) {
        return Err(ApiError::invalid(
            "email",
            "email must be a valid email address",
        ));
    }
    validate_password("password", &body.password)?;
    let display_name = body.display_name.unwrap_or_else(|| body.username.clone());
    validate::display_name("display_name", &display_name)?;
    let password = body.password;
    let password_hash = tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)?;
    let user = state
        .store
        .create_user(NewUser {
            username: body.username,
            email: body.email,
            display_name,
            password_hash,
        })
        .await?;
    if let Some(community) = body.community_id {
        state
            .store
            .set_community_member(community, user.id, body.role.unwrap_or(Role::Member))
            .await?;
    }
    Ok((StatusCode::CREATED, Json(user)))
}

/// Passwords: 8-1024 characters.
pub(super) fn validate_password(field: &str, password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 8 || password.len() > 1024 {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be 8-1024 characters long"),
        ));
    }
    Ok(())
}

/// Usernames: 1-32 ASCII letters, digits or underscores (what `@username` mentions match).
pub fn validate_username(username: &str) -> Result<(), ApiError> {
    if username.is_empty()
        || username.len() > 32
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(ApiError::invalid(
            "username",
            "username must be 1-32 letters, digits or underscores",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct LimitQuery {
    limit: Option<u32>,
}

/// `GET /api/notifications?limit=`: the current user's mention notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/notifications",
    tag = "users",
    params(("limit" = Option<u32>, Query, description = "1-200, default 50")),
    responses((status = 200, description = "mention notifications, newest first", body = doc::NotificationList))
)]
async fn get_notifications(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let notifications = state.store.notifications_of(user.id, limit).await?;
    Ok(Json(json!({ "notifications": notifications })))
}

/// `POST /api/notifications/{id}/read`.
#[utoipa::path(
    post,
    path = "/api/notifications/{id}/read",
    tag = "users",
    params(("id" = Uuid, Path, description = "The notification id")),
    responses((status = 204, description = "marked read"))
)]
async fn post_notification_read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.store.mark_notification_read(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
