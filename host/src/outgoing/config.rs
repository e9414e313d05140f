//! Settings of outgoing deliveries: retry schedule, auto-disable threshold, worker pace and
//! which networks targets may resolve to.

use std::time::Duration;

use super::retry::RetrySchedule;
use crate::net::ssrf::NetworkPolicy;

/// Flags of outgoing webhook delivery (part of `wasmhook serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct OutgoingConfig {
    /// Attempts per outgoing delivery before it is marked failed.
    #[arg(long, env = "WASMHOOK_OUTGOING_MAX_ATTEMPTS", default_value_t = 6)]
    pub outgoing_max_attempts: u32,

    /// Delay before the first retry, in ms; each further retry waits twice as long (the
    /// default 6 attempts span about an hour: 2, 4, 8, 16 and 32 minutes).
    #[arg(
        long,
        env = "WASMHOOK_OUTGOING_RETRY_BASE_MS",
        default_value_t = 120_000
    )]
    pub outgoing_retry_base_ms: u64,

    /// Longest wait between two attempts (also caps a `Retry-After`), in ms.
    #[arg(
        long,
        env = "WASMHOOK_OUTGOING_RETRY_MAX_MS",
        default_value_t = 3_600_000
    )]
    pub outgoing_retry_max_ms: u64,

    /// Consecutive failed deliveries after which an outgoing webhook is disabled (0: never).
    #[arg(long, env = "WASMHOOK_OUTGOING_DISABLE_AFTER", default_value_t = 5)]
    pub outgoing_disable_after: u32,

    /// How often the delivery worker looks for due deliveries, in ms.
    #[arg(long, env = "WASMHOOK_OUTGOING_POLL_MS", default_value_t = 1_000)]
    pub outgoing_poll_ms: u64,

    /// Timeout of one outgoing HTTP request, in ms.
    #[arg(long, env = "WASMHOOK_OUTGOING_TIMEOUT_MS", default_value_t = 10_000)]
    pub outgoing_timeout_ms: u64,

    /// Deliveries one node sends at once.
    #[arg(long, env = "WASMHOOK_OUTGOING_CONCURRENCY", default_value_t = 16)]
    pub outgoing_concurrency: u32,

    /// Let targets resolve to loopback addresses (127.0.0.0/8, ::1): for tests and local setups.
    #[arg(long, env = "WASMHOOK_OUTGOING_ALLOW_LOOPBACK")]
    pub outgoing_allow_loopback: bool,

    /// Let targets resolve to private and link-local addresses (10/8, 172.16/12, 192.168/16,
    /// 169.254/16, 100.64/10, fc00::/7, fe80::/10).
    #[arg(long, env = "WASMHOOK_OUTGOING_ALLOW_PRIVATE")]
    pub outgoing_allow_private: bool,
}

impl Default for OutgoingConfig {
    fn default() -> Self {
        Self {
            outgoing_max_attempts: 6,
            outgoing_retry_base_ms: 120_000,
            outgoing_retry_max_ms: 3_600_000,
            outgoing_disable_after: 5,
            outgoing_poll_ms: 1_000,
            outgoing_timeout_ms: 10_000,
            outgoing_concurrency: 16,
            outgoing_allow_loopback: false,
            outgoing_allow_private: false,
        }
    }
}

impl OutgoingConfig {
    /// The retry schedule these settings describe.
    pub fn schedule(&self) -> RetrySchedule {
        RetrySchedule {
            max_attempts: self.outgoing_max_attempts.max(1),
            base: Duration::from_millis(self.outgoing_retry_base_ms),
            max: Duration::from_millis(self.outgoing_retry_max_ms.max(1)),
        }
    }

    /// Which addresses targets may resolve to.
    pub fn network_policy(&self) -> NetworkPolicy {
        NetworkPolicy {
            allow_loopback: self.outgoing_allow_loopback,
            allow_private: self.outgoing_allow_private,
        }
    }

    /// Timeout of one request.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.outgoing_timeout_ms.max(1))
    }
}
