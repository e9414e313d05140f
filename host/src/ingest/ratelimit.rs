//! Per-webhook token-bucket rate limiting of the execute path (in memory, per node).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

/// Per-webhook limiter; disabled when the configured rate is zero.
#[derive(Debug)]
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Uuid>>,
    clock: DefaultClock,
}

impl RateLimiter {
    /// A limiter refilling `per_second` requests per second with bursts of `burst`.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from the webhook's bucket, or says how long to wait.
    pub fn check(&self, webhook_id: Uuid) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(l) => l
                .check_key(&webhook_id)
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Forgets buckets that are full again, bounding memory to recently active webhooks.
    pub fn shrink(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_limits_each_webhook_separately() {
        let rl = RateLimiter::new(1, 3);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(rl.check(a).is_ok());
        }
        let wait = rl.check(a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(rl.check(b).is_ok());
    }

    #[test]
    fn zero_rate_disables_limiting() {
        let rl = RateLimiter::new(0, 0);
        let a = Uuid::now_v7();
        assert!((0..10_000).all(|_| rl.check(a).is_ok()));
    }
}
