//! Settings of outgoing deliveries: retry schedule, auto-disable threshold and worker pace.

use std::time::Duration;

use super::retry::RetrySchedule;

/// Flags of outgoing webhook delivery (part of `wasmhook serve`). Which addresses targets may
/// resolve to is `crate::config::NetworkConfig`, shared with Web Push.
#[derive(Debug, Clone, clap::Args)]
pub struct OutgoingConfig {
    /// Attempts per outgoing delivery before it is marked failed.
    #[arg(
        id = "OUTGOING_MAX_ATTEMPTS",
        long = "outgoing-max-attempts",
        env = "WASMHOOK_OUTGOING_MAX_ATTEMPTS",
        default_value_t = 6
    )]
    pub max_attempts: u32,

    /// Delay before the first retry, in ms; each further retry waits twice as long (the
    /// default 6 attempts span about an hour: 2, 4, 8, 16 and 32 minutes).
    #[arg(
        id = "OUTGOING_RETRY_BASE_MS",
        long = "outgoing-retry-base-ms",
        env = "WASMHOOK_OUTGOING_RETRY_BASE_MS",
        default_value_t = 120_000
    )]
    pub retry_base_ms: u64,

    /// Longest wait between two attempts (also caps a `Retry-After`), in ms.
    #[arg(
        id = "OUTGOING_RETRY_MAX_MS",
        long = "outgoing-retry-max-ms",
        env = "WASMHOOK_OUTGOING_RETRY_MAX_MS",
        default_value_t = 3_600_000
    )]
    pub retry_max_ms: u64,

    /// Consecutive failed deliveries after which an outgoing webhook is disabled (0: never).
    #[arg(
        id = "OUTGOING_DISABLE_AFTER",
        long = "outgoing-disable-after",
        env = "WASMHOOK_OUTGOING_DISABLE_AFTER",
        default_value_t = 5
    )]
    pub disable_after: u32,

    /// How often the delivery worker looks for due deliveries, in ms.
    #[arg(
        id = "OUTGOING_POLL_MS",
        long = "outgoing-poll-ms",
        env = "WASMHOOK_OUTGOING_POLL_MS",
        default_value_t = 1_000
    )]
    pub poll_ms: u64,

    /// Timeout of one outgoing HTTP request, in ms.
    #[arg(
        id = "OUTGOING_TIMEOUT_MS",
        long = "outgoing-timeout-ms",
        env = "WASMHOOK_OUTGOING_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub timeout_ms: u64,

    /// Deliveries one node sends at once.
    #[arg(
        id = "OUTGOING_CONCURRENCY",
        long = "outgoing-concurrency",
        env = "WASMHOOK_OUTGOING_CONCURRENCY",
        default_value_t = 16
    )]
    pub concurrency: u32,
}

impl Default for OutgoingConfig {
    /// The flags' defaults: the clap definitions above are their one source.
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl OutgoingConfig {
    /// The retry schedule these settings describe.
    pub fn schedule(&self) -> RetrySchedule {
        RetrySchedule {
            max_attempts: self.max_attempts.max(1),
            base: Duration::from_millis(self.retry_base_ms),
            max: Duration::from_millis(self.retry_max_ms.max(1)),
        }
    }

    /// Timeout of one request.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}
