//! The retry schedule of outgoing deliveries: exponential backoff with a little jitter (a
//! target's `Retry-After` on 429 or 503, read by [`crate::net::retry_after`], may lengthen it).

use std::time::Duration;

/// Attempts and delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
    /// Delay after the first failed attempt; it doubles after each further one.
    pub base: Duration,
    /// Longest delay (also the cap of `Retry-After`).
    pub max: Duration,
}

impl RetrySchedule {
    /// The delay after failed attempt number `attempt` (1-based). `jitter` in [0, 1) spreads
    /// retries by up to +10% so that many deliveries failing together do not retry together.
    pub fn delay_after(&self, attempt: u32, jitter: f64) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        let delay = self.base.saturating_mul(factor).min(self.max);
        delay
            .mul_f64(1.0 + jitter.clamp(0.0, 1.0) * 0.1)
            .min(self.max)
    }

    /// Whether attempt number `attempt` was the last one.
    pub fn exhausted(&self, attempt: u32) -> bool {
        attempt >= self.max_attempts
    }
}

/// Whether an HTTP status is worth retrying: timeouts, rate limits and server errors. Other
/// client errors (400, 401, 404, ...) will not fix themselves.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429) || status >= 500
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_spans_about_an_hour() {
        let s = crate::outgoing::OutgoingConfig::default().schedule();
        assert_eq!(s.max_attempts, 6);
        let total: Duration = (1..s.max_attempts).map(|a| s.delay_after(a, 0.0)).sum();
        assert_eq!(total, Duration::from_secs(62 * 60));
        assert_eq!(s.delay_after(1, 0.0), Duration::from_secs(120));
        assert_eq!(s.delay_after(5, 0.0), Duration::from_secs(32 * 60));
        assert!(s.exhausted(6) && !s.exhausted(5));
    }

    #[test]
    fn delays_are_capped_and_jittered_upwards_only() {
        let s = RetrySchedule {
            max_attempts: 50,
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        };
        assert_eq!(s.delay_after(40, 0.0), Duration::from_secs(60));
        assert_eq!(s.delay_after(40, 0.99), Duration::from_secs(60));
        assert_eq!(s.delay_after(2, 0.5), Duration::from_millis(2100));
    }

    #[test]
    fn retries_server_errors_and_rate_limits_only() {
        assert!(retryable_status(500) && retryable_status(503) && retryable_status(429));
        assert!(!retryable_status(400) && !retryable_status(404) && !retryable_status(410));
    }
}
