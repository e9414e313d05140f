//! Operability: the process's log output (`WASMHOOK_LOG`/`RUST_LOG`, text or JSON lines) and
//! its Prometheus metrics (the one global recorder, the metric names, and the rendering that
//! `GET /metrics` serves). A leaf: every module may record metrics through it.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// HTTP requests answered, by `method`, `route` (the route template) and `status`.
pub const HTTP_REQUESTS: &str = "wasmhook_http_requests_total";
/// Time to the response head, by `method`, `route` and `status`.
pub const HTTP_DURATION: &str = "wasmhook_http_request_duration_seconds";
/// Error responses (4xx and 5xx), by `route`, `status` and error `code`.
pub const HTTP_REJECTED: &str = "wasmhook_http_rejected_requests_total";
/// Open HTTP connections (WebSocket connections included).
pub const HTTP_CONNECTIONS: &str = "wasmhook_http_connections";
/// Connections turned away because `--max-connections` were open.
pub const HTTP_CONNECTIONS_REFUSED: &str = "wasmhook_http_connections_refused_total";
/// Connections closed or requests refused by a timeout, by `kind` (`header`, `idle`, `body`).
pub const HTTP_TIMEOUTS: &str = "wasmhook_http_timeouts_total";
/// Plugin runs of webhook deliveries, by `plugin` and `outcome`.
pub const PLUGIN_RUNS: &str = "wasmhook_plugin_runs_total";
/// Wall-clock time of those runs, by `plugin` and `outcome`.
pub const PLUGIN_DURATION: &str = "wasmhook_plugin_run_duration_seconds";
/// Web Push attempts, by `result`.
pub const PUSH_ATTEMPTS: &str = "wasmhook_push_attempts_total";
/// Outgoing webhook delivery attempts, by `result`.
pub const OUTGOING_ATTEMPTS: &str = "wasmhook_outgoing_attempts_total";
/// Web Push jobs waiting in the database (all nodes).
pub const PUSH_QUEUE: &str = "wasmhook_push_queue_depth";
/// Outgoing deliveries pending in the database (all nodes).
pub const OUTGOING_QUEUE: &str = "wasmhook_outgoing_queue_depth";
/// Live connections of this node, by `kind` (`websocket`, `sse`).
pub const LIVE_CONNECTIONS: &str = "wasmhook_live_connections";
/// Database pool connections, by `pool` and `state` (`idle`, `in_use`).
pub const DB_POOL_CONNECTIONS: &str = "wasmhook_db_pool_connections";
/// Largest size of each database pool, by `pool`.
pub const DB_POOL_MAX: &str = "wasmhook_db_pool_max_connections";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The log filter: `WASMHOOK_LOG` if set, else `RUST_LOG`, else `info`.
pub fn log_filter(wasmhook_log: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    [wasmhook_log, rust_log]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|v| !v.is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
}

/// Sends the process's logs to stderr in `format`, filtered by `WASMHOOK_LOG` or `RUST_LOG`.
pub fn init_logging(format: LogFormat) {
    let filter = log_filter(
        std::env::var("WASMHOOK_LOG").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

/// The process's metrics recorder, installed on first use (a process has one global
/// recorder; every server started in it shares it).
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        const SECONDS: [f64; 14] = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
            .expect("non-empty buckets");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(HTTP_DURATION, "time to the response head, in seconds");
    describe_counter!(HTTP_REJECTED, "error responses by error code");
    describe_gauge!(HTTP_CONNECTIONS, "open HTTP connections");
    describe_counter!(HTTP_CONNECTIONS_REFUSED, "connections refused at the cap");
    describe_counter!(HTTP_TIMEOUTS, "connections or requests ended by a timeout");
    describe_counter!(PLUGIN_RUNS, "plugin runs of webhook deliveries");
    describe_histogram!(PLUGIN_DURATION, "plugin run wall-clock time, in seconds");
    describe_counter!(PUSH_ATTEMPTS, "Web Push attempts");
    describe_counter!(OUTGOING_ATTEMPTS, "outgoing webhook delivery attempts");
    describe_gauge!(PUSH_QUEUE, "Web Push jobs waiting");
    describe_gauge!(OUTGOING_QUEUE, "outgoing deliveries pending");
    describe_gauge!(LIVE_CONNECTIONS, "live connections of this node");
    describe_gauge!(DB_POOL_CONNECTIONS, "database pool connections");
    describe_gauge!(DB_POOL_MAX, "largest size of the database pool");
}

/// Renders every metric in the Prometheus text format.
pub fn render() -> String {
    let handle = metrics();
    handle.run_upkeep();
    handle.render()
}

/// Counts one plugin run of a webhook delivery.
pub fn plugin_run(plugin: String, outcome: &'static str, duration: Duration) {
    metrics::counter!(PLUGIN_RUNS, "plugin" => plugin.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!(PLUGIN_DURATION, "plugin" => plugin, "outcome" => outcome)
        .record(duration.as_secs_f64());
}

/// Counts one Web Push attempt.
pub fn push_attempt(result: &'static str) {
    metrics::counter!(PUSH_ATTEMPTS, "result" => result).increment(1);
}

/// Counts one outgoing webhook delivery attempt.
pub fn outgoing_attempt(result: &'static str) {
    metrics::counter!(OUTGOING_ATTEMPTS, "result" => result).increment(1);
}

/// Counts a connection or request ended by a timeout of `kind`.
pub fn timeout(kind: &'static str) {
    metrics::counter!(HTTP_TIMEOUTS, "kind" => kind).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmhook_log_wins_over_rust_log_and_info_is_the_default() {
        let shown = |f: EnvFilter| f.to_string();
        assert_eq!(shown(log_filter(Some("debug"), Some("warn"))), "debug");
        assert_eq!(shown(log_filter(None, Some("warn"))), "warn");
        assert_eq!(shown(log_filter(Some(" "), Some("warn"))), "warn");
        assert_eq!(shown(log_filter(None, None)), "info");
    }
}
