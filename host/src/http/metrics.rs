//! `GET /metrics`: every metric in the Prometheus text format, with the gauges that are read
//! at scrape time (live connections, database pools, queue depths) refreshed first.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;
use crate::telemetry;

/// The metrics route.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(get_metrics))
}

/// `GET /metrics`: unauthenticated, as Prometheus scrapes (`--disable-metrics` turns it off).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")),
    security(())
)]
async fn get_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (_, websockets, streams) = state.live.stats();
    metrics::gauge!(telemetry::LIVE_CONNECTIONS, "kind" => "websocket").set(websockets as f64);
    metrics::gauge!(telemetry::LIVE_CONNECTIONS, "kind" => "sse").set(streams as f64);
    for pool in state.store.pool_use() {
        metrics::gauge!(telemetry::DB_POOL_CONNECTIONS, "pool" => pool.pool, "state" => "idle")
            .set(pool.idle as f64);
        metrics::gauge!(telemetry::DB_POOL_CONNECTIONS, "pool" => pool.pool, "state" => "in_use")
            .set(pool.in_use as f64);
        metrics::gauge!(telemetry::DB_POOL_MAX, "pool" => pool.pool).set(f64::from(pool.max));
    }
    match state.store.queue_depths().await {
        Ok(depths) => {
            metrics::gauge!(telemetry::PUSH_QUEUE).set(depths.push as f64);
            metrics::gauge!(telemetry::OUTGOING_QUEUE).set(depths.outgoing as f64);
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the queue depths for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry::render(),
    )
}
