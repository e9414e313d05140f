//! Request extractors: the authenticated user (bearer token, or the web app's session cookie
//! with its CSRF token), and JSON bodies whose errors follow our error format (400 malformed,
//! 415 wrong type, 422 naming the field).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{ApiError, AppState, session};
use crate::secrets;
use crate::store::User;

/// Path parameters; a malformed id answers 404 like an unknown one.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters; malformed ones answer 400 in our error format.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound("not found")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest {
            code: "bad_request",
            message: rejection.body_text(),
        }
    }
}

/// The user authenticated by `Authorization: Bearer <api token>`, or by the web app's session
/// cookie; a cookie-authenticated request that changes state must carry the session's CSRF
/// token in `X-CSRF-Token` (403 otherwise).
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer_token(parts) {
            return Ok(AuthUser(user_for_token(state, token).await?));
        }
        match session::from_cookie(&parts.headers, state).await? {
            Some(web) => {
                if !parts.method.is_safe() {
                    session::check_csrf(&parts.headers, &web)?;
                }
                Ok(AuthUser(web.user))
            }
            None => Err(ApiError::Unauthorized(
                "missing Authorization: Bearer <api token> header (or a web session)".into(),
            )),
        }
    }
}

/// The user of a live connection: `Authorization: Bearer <api token>`, or, for clients that
/// cannot set headers on a WebSocket or `EventSource` (browsers), `?access_token=<api token>`.
/// Request logs never include the query string.
#[derive(Debug, Clone)]
pub struct LiveUser(pub User);

impl FromRequestParts<AppState> for LiveUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let from_query = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned());
        let from_query = from_query.filter(|t| !t.is_empty());
        if bearer_token(parts).is_none() && from_query.is_none() {
            // Browsers: the session cookie, from a page of this server only (a WebSocket is
            // not bound by the same-origin policy, so a foreign page must be refused here).
            if let Some(web) = session::from_cookie(&parts.headers, state).await? {
                session::check_origin(&parts.headers, state)?;
                return Ok(LiveUser(web.user));
            }
        }
        let token = match bearer_token(parts) {
            Some(token) => token.to_owned(),
            None => from_query.ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing Authorization: Bearer <api token> header or access_token parameter"
                        .into(),
                )
            })?,
        };
        Ok(LiveUser(user_for_token(state, &token).await?))
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

async fn user_for_token(state: &AppState, token: &str) -> Result<User, ApiError> {
    state
        .store
        .user_by_api_token(&secrets::api_token_hash(token))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("invalid API token".into()))
}

/// Whether a `Content-Type` value is JSON (`application/json` or a `+json` type).
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A JSON request body deserialized into `T`, with our error format.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !is_json_content_type(content_type) {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be application/json".into(),
            ));
        }
        const LIMIT: usize = 1024 * 1024;
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit: LIMIT })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body into `T`: 400 for bad UTF-8 or syntax, 422 naming the field otherwise.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::BadRequest {
        code: "invalid_utf8",
        message: "request body is not valid UTF-8".into(),
    })?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ApiError::BadRequest {
            code: "malformed_json",
            message: format!("request body is not valid JSON: {e}"),
        })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let field = if path == "." {
            missing_field(&inner).unwrap_or("body").to_owned()
        } else {
            path
        };
        ApiError::invalid(&field, format!("{field}: {inner}"))
    })
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}
