//! The HTTP server's edge: how long a client may take to send a request, how long an idle
//! connection stays open, how many connections are served at once, and whether `/metrics` is
//! served.

use std::time::Duration;

use crate::flags::millis;

/// Timeouts and limits of the HTTP listener (part of `wasmhook serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct HttpConfig {
    /// Time a client has to send a request's headers, from connecting or from the first byte
    /// of the next request on a kept-alive connection; the connection is closed after it.
    #[arg(
        long = "header-timeout-ms",
        env = "WASMHOOK_HEADER_TIMEOUT_MS",
        value_parser = millis,
        default_value = "10000"
    )]
    pub header_timeout: Duration,

    /// Time a request body may take on top of what `--body-min-bytes-per-second` earns it;
    /// past it the request is answered 408 and the connection closed.
    #[arg(
        long = "body-timeout-ms",
        env = "WASMHOOK_BODY_TIMEOUT_MS",
        value_parser = millis,
        default_value = "30000"
    )]
    pub body_timeout: Duration,

    /// Slowest average rate a request body may arrive at, beyond `--body-timeout-ms`.
    #[arg(
        long,
        env = "WASMHOOK_BODY_MIN_BYTES_PER_SECOND",
        default_value_t = 1024
    )]
    pub body_min_bytes_per_second: u64,

    /// Time a kept-alive connection may wait for its next request before it is closed.
    #[arg(
        long = "idle-timeout-ms",
        env = "WASMHOOK_IDLE_TIMEOUT_MS",
        value_parser = millis,
        default_value = "60000"
    )]
    pub idle_timeout: Duration,

    /// Connections served at once (WebSocket connections included); a connection beyond it
    /// is answered 503 and closed. Keep it below the process's open-file limit.
    #[arg(
        long,
        env = "WASMHOOK_MAX_CONNECTIONS",
        value_parser = clap::value_parser!(u32).range(1..),
        default_value_t = 10_000
    )]
    pub max_connections: u32,

    /// Do not serve `GET /metrics`.
    #[arg(long, env = "WASMHOOK_DISABLE_METRICS")]
    pub disable_metrics: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        crate::flags::defaults()
    }
}
