//! Web Push registration: `GET /api/push/vapid-key` (the server's application server key) and
//! the current user's subscriptions under `/api/me/push-subscriptions`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use web_push_native::p256::PublicKey;

use super::extract::{ApiJson, ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};
use crate::net::ssrf::NetworkPolicy;
use crate::store::{NewPushSubscription, PushSubscription, StoreError};

/// Longest accepted endpoint URL.
const MAX_ENDPOINT_LEN: usize = 2048;

/// Push routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/push/vapid-key", get(get_vapid_key))
        .route(
            "/api/me/push-subscriptions",
            get(get_subscriptions).post(post_subscription),
        )
        .route(
            "/api/me/push-subscriptions/{id}",
            delete(delete_subscription),
        )
}

/// `GET /api/push/vapid-key`: public, clients need it before they can subscribe.
#[utoipa::path(
    get,
    path = "/api/push/vapid-key",
    tag = "push",
    responses((status = 200, description = "the VAPID public key", body = doc::VapidKey)),
    security(())
)]
async fn get_vapid_key(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "public_key": state.push.vapid().public_key() }))
}

/// The browser's `PushSubscription.toJSON()`.
#[derive(Deserialize, utoipa::ToSchema)]
struct SubscriptionBody {
    endpoint: String,
    keys: Keys,
    #[serde(default, rename = "expirationTime")]
    _expiration_time: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PushKeys)]
struct Keys {
    p256dh: String,
    auth: String,
}

/// `POST /api/me/push-subscriptions`: 201 when new, 200 when the endpoint was registered before.
#[utoipa::path(
    post,
    path = "/api/me/push-subscriptions",
    tag = "push",
    request_body = SubscriptionBody,
    responses((status = 201, description = "registered", body = PushSubscription), (status = 200, description = "already registered", body = PushSubscription))
)]
async fn post_subscription(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<SubscriptionBody>,
) -> Result<(StatusCode, Json<PushSubscription>), ApiError> {
    let sub = validate(&body, state.push_allow_http, state.push.policy())?;
    let (sub, created) = state.store.upsert_push_subscription(user.id, &sub).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(sub)))
}

fn validate(
    body: &SubscriptionBody,
    allow_http: bool,
    policy: NetworkPolicy,
) -> Result<NewPushSubscription, ApiError> {
    let endpoint = body.endpoint.trim();
    let url = url::Url::parse(endpoint)
        .map_err(|_| ApiError::invalid("endpoint", "endpoint must be an absolute URL"))?;
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    if !scheme_ok || url.host_str().is_none() {
        return Err(ApiError::invalid(
            "endpoint",
            "endpoint must be an https URL of a push service",
        ));
    }
    if let Err(e) = policy.check_url(&url) {
        return Err(ApiError::invalid(
            "endpoint",
            format!("endpoint is not allowed: {e}"),
        ));
    }
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(ApiError::invalid(
            "endpoint",
            format!("endpoint must be at most {MAX_ENDPOINT_LEN} characters"),
        ));
    }
    let p256dh = decode(&body.keys.p256dh)
        .filter(|k| PublicKey::from_sec1_bytes(k).is_ok() && k.len() == 65)
        .ok_or_else(|| {
            ApiError::invalid(
                "keys.p256dh",
                "keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)",
            )
        })?;
    let auth = decode(&body.keys.auth)
        .filter(|a| a.len() == 16)
        .ok_or_else(|| {
            ApiError::invalid("keys.auth", "keys.auth must be 16 bytes, base64url-encoded")
        })?;
    Ok(NewPushSubscription {
        endpoint: endpoint.to_owned(),
        p256dh,
        auth,
    })
}

/// Base64url with or without padding (browsers send it without).
fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .ok()
}

/// `GET /api/me/push-subscriptions`.
#[utoipa::path(
    get,
    path = "/api/me/push-subscriptions",
    tag = "push",
    responses((status = 200, description = "the caller's push subscriptions", body = doc::SubscriptionList))
)]
async fn get_subscriptions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let subscriptions = state.store.push_subscriptions_of(user.id).await?;
    Ok(Json(json!({ "subscriptions": subscriptions })))
}

/// `DELETE /api/me/push-subscriptions/{id}`: 204; 404 when it is not the caller's.
#[utoipa::path(
    delete,
    path = "/api/me/push-subscriptions/{id}",
    tag = "push",
    params(("id" = Uuid, Path, description = "The subscription id")),
    responses((status = 204, description = "removed"))
)]
async fn delete_subscription(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    match state.store.delete_push_subscription(user.id, id).await {
        Err(StoreError::NotFound) => Err(ApiError::NotFound(super::communities::NOT_FOUND)),
        other => {
            other?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}
