//! Liveness and readiness.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{ApiError, AppState};

/// Health routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(get_health))
}

/// `GET /healthz`: 200 when the database answers.
async fn get_health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.count_users().await?;
    Ok(Json(
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
    ))
}
