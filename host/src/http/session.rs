//! Browser sessions for the web app: sign in with a password (or a one-time setup link) to get
//! an HttpOnly, SameSite=Strict cookie, read the session (and its CSRF token), sign out, and
//! change one's own password.
//!
//! The cookie value is a random id of which only the SHA-256 is stored. Every state-changing
//! request authenticated by the cookie must carry the session's CSRF token in `X-CSRF-Token`
//! (see [`super::extract::AuthUser`]); API clients with a bearer token are unaffected.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::extract::{ApiJson, AuthUser};
use super::openapi::schemas as doc;
use super::users::{validate_password, verify_login};
use super::{ApiError, AppState};
use crate::secrets;
use crate::store::User;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "wasmhook_session";

/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How long a session lasts.
const SESSION_DAYS: i64 = 30;

/// Session routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/auth/session",
            post(post_session).get(get_session).delete(delete_session),
        )
        .route("/api/auth/setup", post(post_setup))
        .route("/api/me/password", post(post_password))
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// The user.
    pub user: User,
    /// The token state-changing requests must send in `X-CSRF-Token`.
    pub csrf_token: String,
    /// SHA-256 of the cookie value.
    pub id_hash: [u8; 32],
}

/// The session named by the request's cookie, if it exists and has not expired.
pub async fn from_cookie(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<WebSession>, ApiError> {
    let Some(id) = cookie_value(headers) else {
        return Ok(None);
    };
    let id_hash = secrets::api_token_hash(&id);
    Ok(state
        .store
        .session_user(&id_hash)
        .await?
        .map(|(user, csrf_token)| WebSession {
            user,
            csrf_token,
            id_hash,
        }))
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// 403 unless the request carries the session's CSRF token.
pub fn check_csrf(headers: &HeaderMap, session: &WebSession) -> Result<(), ApiError> {
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Comparing digests keeps the comparison's timing independent of the token.
    if sent.is_empty()
        || Sha256::digest(sent.as_bytes()) != Sha256::digest(session.csrf_token.as_bytes())
    {
        return Err(ApiError::Forbidden(
            "requests authenticated by the session cookie must send the session's X-CSRF-Token header".into(),
        ));
    }
    Ok(())
}

/// 403 when a browser request comes from a page of another origin (cross-site WebSocket).
pub fn check_origin(headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let same_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| !host.is_empty() && rest == host);
    if same_host || origin == &*state.public_url {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the session cookie is only accepted from this server's own pages".into(),
        ))
    }
}

/// Starts a session for `user`: the response body (user and CSRF token) with its cookie.
async fn start_session(state: &AppState, user: User) -> Result<Response, ApiError> {
    let id = secrets::random_token(secrets::API_TOKEN_LEN);
    let csrf_token = secrets::random_token(secrets::API_TOKEN_LEN);
    let expires_at = crate::store::now() + chrono::Duration::days(SESSION_DAYS);
    state
        .store
        .create_session(
            user.id,
            &secrets::api_token_hash(&id),
            &csrf_token,
            expires_at,
        )
        .await?;
    let cookie = Cookie::build((COOKIE_NAME, id))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.public_url.starts_with("https://"))
        .path("/")
        .max_age(cookie::time::Duration::days(SESSION_DAYS))
        .build();
    Ok(with_cookie(
        Json(json!({ "user": user, "csrf_token": csrf_token })).into_response(),
        &cookie,
    ))
}

fn with_cookie(mut response: Response, cookie: &Cookie<'_>) -> Response {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignInBody {
    login: String,
    password: String,
}

/// `POST /api/auth/session` {login (username or email), password}: sets the session cookie
/// and returns {user, csrf_token}.
#[utoipa::path(
    post,
    path = "/api/auth/session",
    tag = "session",
    request_body = SignInBody,
    responses((status = 200, description = "signed in: the session cookie is set", body = doc::SessionAnswer), (status = 401, description = "unauthorized: invalid login or password", body = doc::ErrorBody)),
    security(())
)]
async fn post_session(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<Response, ApiError> {
    let user = verify_login(&state, &body.login, body.password).await?;
    start_session(&state, user).await
}

/// `GET /api/auth/session`: the signed-in user and the CSRF token, or `{"user": null}` without
/// a session (a page load asks before it knows, so this is not an error).
#[utoipa::path(
    get,
    path = "/api/auth/session",
    tag = "session",
    responses((status = 200, description = "the session, or nulls when signed out", body = doc::SessionAnswer)),
    security(())
)]
async fn get_session(
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    Ok(match from_cookie(&headers, &state).await? {
        Some(web) => Json(json!({ "user": web.user, "csrf_token": web.csrf_token })),
        None => Json(json!({ "user": null, "csrf_token": null })),
    }
    .into_response())
}

/// `DELETE /api/auth/session`: signs out (the CSRF token is required like for any change).
#[utoipa::path(
    delete,
    path = "/api/auth/session",
    tag = "session",
    responses((status = 204, description = "signed out: the cookie is cleared"), (status = 403, description = "forbidden: a session cookie without its `X-CSRF-Token`", body = doc::ErrorBody)),
    security(())
)]
async fn delete_session(
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    if let Some(web) = from_cookie(&headers, &state).await? {
        check_csrf(&headers, &web)?;
        state.store.delete_session(&web.id_hash).await?;
    }
    let expired = Cookie::build((COOKIE_NAME, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &expired,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SetupBody {
    token: String,
    password: String,
}

/// `POST /api/auth/setup` {token, password}: uses a one-time setup link to choose the
/// password, then signs in. Unknown, used and expired links answer 404 alike.
#[utoipa::path(
    post,
    path = "/api/auth/setup",
    tag = "session",
    request_body = SetupBody,
    responses((status = 200, description = "password set and signed in", body = doc::SessionAnswer), (status = 404, description = "not_found: unknown or used setup token", body = doc::ErrorBody)),
    security(())
)]
async fn post_setup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SetupBody>,
) -> Result<Response, ApiError> {
    validate_password("password", &body.password)?;
    let password_hash = hash(body.password).await?;
    let user_id = state
        .store
        .consume_setup_token(&secrets::api_token_hash(&body.token))
        .await?
        .ok_or(ApiError::NotFound(
            "this setup link is unknown, used or expired",
        ))?;
    state
        .store
        .set_password(user_id, &password_hash, None)
        .await?;
    let user = state.store.user(user_id).await?;
    start_session(&state, user).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/me/password` {current_password, new_password}: changes the caller's password
/// and ends their other browser sessions.
#[utoipa::path(
    post,
    path = "/api/me/password",
    tag = "session",
    request_body = PasswordBody,
    responses((status = 204, description = "password changed"), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody))
)]
async fn post_password(
    headers: HeaderMap,
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    if verify_login(&state, &user.username, body.current_password)
        .await
        .is_err()
    {
        return Err(ApiError::invalid(
            "current_password",
            "current_password is not the account's password",
        ));
    }
    validate_password("new_password", &body.new_password)?;
    let password_hash = hash(body.new_password).await?;
    let keep = from_cookie(&headers, &state).await?.map(|web| web.id_hash);
    state
        .store
        .set_password(user.id, &password_hash, keep.as_ref().map(|h| h.as_slice()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}
