//! The Web Push flags: the VAPID contact, plain-http endpoints, and the retry schedule and
//! pace of the push worker.

use std::time::Duration;

use crate::push::PushOptions;

/// Settings of Web Push (part of `wasmhook serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct PushConfig {
    /// Contact URI in VAPID tokens (`mailto:` or `https:`), for push services to reach the
    /// operator.
    #[arg(
        id = "VAPID_SUBJECT",
        long = "vapid-subject",
        env = "WASMHOOK_VAPID_SUBJECT",
        default_value = "mailto:admin@localhost"
    )]
    pub vapid_subject: String,

    /// Accept plain-http push endpoints (for a local test push service; browsers use https).
    #[arg(
        id = "PUSH_ALLOW_HTTP",
        long = "push-allow-http",
        env = "WASMHOOK_PUSH_ALLOW_HTTP"
    )]
    pub allow_http: bool,

    /// First Web Push retry delay in ms, doubled per failed attempt.
    #[arg(
        id = "PUSH_RETRY_BASE_MS",
        long = "push-retry-base-ms",
        env = "WASMHOOK_PUSH_RETRY_BASE_MS",
        default_value_t = 5_000
    )]
    pub retry_base_ms: u64,

    /// Longest Web Push retry delay, in ms.
    #[arg(
        id = "PUSH_RETRY_MAX_MS",
        long = "push-retry-max-ms",
        env = "WASMHOOK_PUSH_RETRY_MAX_MS",
        default_value_t = 3_600_000
    )]
    pub retry_max_ms: u64,

    /// Attempts before a Web Push message is given up (about a day with the default delays).
    #[arg(
        id = "PUSH_MAX_ATTEMPTS",
        long = "push-max-attempts",
        env = "WASMHOOK_PUSH_MAX_ATTEMPTS",
        default_value_t = 30
    )]
    pub max_attempts: u32,

    /// How often each node checks the push queue for due messages, in ms.
    #[arg(
        id = "PUSH_POLL_MS",
        long = "push-poll-ms",
        env = "WASMHOOK_PUSH_POLL_MS",
        default_value_t = 1_000
    )]
    pub poll_ms: u64,
}

impl PushConfig {
    /// The Web Push worker's schedule.
    pub fn options(&self) -> PushOptions {
        PushOptions {
            retry_base: Duration::from_millis(self.retry_base_ms),
            retry_max: Duration::from_millis(self.retry_max_ms),
            max_attempts: self.max_attempts.max(1),
            poll: Duration::from_millis(self.poll_ms.max(10)),
            timeout: Duration::from_secs(10),
        }
    }
}
