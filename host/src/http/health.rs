//! Liveness and readiness.

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::openapi::schemas as doc;
use super::{ApiError, AppState};

/// How long readiness waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// Health routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(get_health))
        .route("/readyz", get(get_ready))
}

/// `GET /healthz`: liveness, 200 while the process serves requests (the database is not
/// asked: a database outage must not get the process restarted).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "the process is alive", body = doc::Health)),
    security(())
)]
async fn get_health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /readyz`: readiness, 200 when the database answers, 503 `unavailable` otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses((status = 200, description = "the database answers", body = doc::Health)),
    security(())
)]
async fn get_ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(Json(
            json!({ "status": "ready", "version": env!("CARGO_PKG_VERSION") }),
        )),
        Ok(Err(e)) => Err(ApiError::Unavailable(e.into())),
        Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "the database did not answer within {READY_TIMEOUT:?}"
        ))),
    }
}
